#!/usr/bin/env python3
"""gen_ike_pcaps.py - deterministic captures for the IKE parser (issue 16),
built on the layers of gen_pcaps.py.

Usage:  python3 tests/tools/gen_ike_pcaps.py [OUTDIR]   (default: <repo>/pcaps/)

Writes
  app-ike.pcap      IKEv1 main mode (vendor IDs, two proposals with several
                    transforms, KE/nonce/NAT-D, the encrypted rest, quick mode,
                    informational), IKEv1 aggressive mode with a pre-shared key
                    and weak crypto (3DES, MD5, group 2), IKEv2 IKE_SA_INIT
                    request/response with notify payloads and an encrypted
                    IKE_AUTH, an IKEv2 SA_INIT refused (INVALID_KE_PAYLOAD,
                    NO_PROPOSAL_CHOSEN, COOKIE), an IKEv2 SA_INIT whose
                    responder chooses 3DES/SHA1/MODP-1024 (ike_weak_crypto).
  app-ike-natt.pcap NAT-T on UDP 4500: IKEv2 behind the non-ESP marker, then
                    ESP-in-UDP and a NAT-keepalive (Suricata 7.0.10 does not
                    parse IKE on 4500: taishi's events here have no reference).
  app-ike-bad.pcap  hostile and truncated messages on UDP 500: a short header,
                    lengths that lie (header, payload, proposal, transform,
                    attribute), a zero payload length, an unknown major version,
                    an IKEv2 with minor version 1, a payload chain of 180
                    vendor IDs, IKEv2 payloads too short for their type, an
                    unknown DOI.
Every message is built here field by field from RFC 2408/2409 (ISAKMP, IKEv1)
and RFC 7296 (IKEv2); nothing is random, so two runs give identical files.
Suricata 7.0.10 reads the same files for the comparison
(tests/golden/app1/CASES, tests/tools/make_app1_golden.sh).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pcaps as g  # noqa: E402

P = struct.pack


# ------------------------------------------------------------------ ISAKMP
def isakmp(ispi, rspi, np, ver, exch, flags, msgid, body, length=None):
    n = 28 + len(body) if length is None else length
    return P('!QQBBBBII', ispi, rspi, np, ver, exch, flags, msgid, n) + body


def payload(np, body, length=None):
    """A generic payload header (next payload, reserved, length) and body."""
    return P('!BBH', np, 0, 4 + len(body) if length is None else length) + body


def chain(items):
    """[(type, body), ...] -> (first type, bytes) with each next-payload set."""
    out = b''
    for i, (_t, body) in enumerate(items):
        nxt = items[i + 1][0] if i + 1 < len(items) else 0
        out += payload(nxt, body)
    return (items[0][0] if items else 0), out


# IKEv1 (RFC 2409 appendix A) attribute types and values
def tv(t, v):
    return P('!HH', 0x8000 | t, v)


def tlv(t, v):
    return P('!HH', t, len(v)) + v


def v1_transform(num, attrs, last):
    body = P('!BBH', num, 1, 0) + b''.join(attrs)       # KEY_IKE
    return payload(0 if last else 3, body)


def v1_proposal(num, transforms, last=True, proto=1, spi=b''):
    ts = b''.join(v1_transform(i + 1, a, i == len(transforms) - 1) for i, a in enumerate(transforms))
    body = P('!BBBB', num, proto, len(spi), len(transforms)) + spi + ts
    return payload(0 if last else 2, body)


def v1_sa(proposals, doi=1):
    return P('!II', doi, 1) + b''.join(proposals)


AES_256_SHA256_PSK_G14 = [tv(1, 7), tv(14, 256), tv(2, 4), tv(3, 1), tv(4, 14), tv(11, 1),
                          tlv(12, P('!I', 28800))]
TDES_SHA1_RSA_G2 = [tv(1, 5), tv(2, 2), tv(3, 3), tv(4, 2), tv(11, 1), tlv(12, P("!I", 86400))]
AES_128_SHA_PSK_G5 = [tv(1, 7), tv(14, 128), tv(2, 2), tv(3, 1), tv(4, 5), tv(11, 2),
                      tlv(12, P("!I", 18000)), tv(17, 9)]
TDES_MD5_PSK_G2 = [tv(1, 5), tv(2, 1), tv(3, 1), tv(4, 2), tv(11, 1), tv(12, 3600)]

VID_NATT_RFC3947 = bytes.fromhex('4a131c81070358455c5728f20e95452f')
VID_DPD = bytes.fromhex('afcad71368a1f1c96b8696fc77570100')
VID_XAUTH = bytes.fromhex('09002689dfd6b712')
VID_FRAG = bytes.fromhex('4048b7d56ebce88525e7de7f00d6c2d3')


def ident(addr):
    return P('!BBH', 1, 17, 500) + g.addr(addr)      # ID_IPV4_ADDR, UDP, 500


def f_main_mode():
    """IKEv1 main mode, the rest encrypted, a quick mode and a delete."""
    c, s = '10.6.0.10', '10.6.0.1'
    i, r = 0x1122334455667788, 0x99aabbccddeeff00
    sa_i = v1_sa([v1_proposal(1, [AES_256_SHA256_PSK_G14, TDES_SHA1_RSA_G2, AES_128_SHA_PSK_G5])])
    sa_r = v1_sa([v1_proposal(1, [AES_256_SHA256_PSK_G14])])
    ke_i = bytes(range(0, 256)) * 1
    ke_r = bytes(range(255, -1, -1))
    ni, nr = bytes(range(16, 48)), bytes(range(48, 68))
    m1 = chain([(1, sa_i), (13, VID_NATT_RFC3947), (13, VID_DPD), (13, VID_XAUTH)])
    m2 = chain([(1, sa_r), (13, VID_NATT_RFC3947), (13, VID_DPD)])
    m3 = chain([(4, ke_i), (10, ni), (20, bytes(range(20))), (20, bytes(range(20, 40)))])
    m4 = chain([(4, ke_r), (10, nr), (20, bytes(range(40, 60))), (20, bytes(range(60, 80)))])
    enc = bytes((x * 7 + 3) & 0xff for x in range(64))
    return g.udp_exchange(c, s, 500, 500, [
        (0, isakmp(i, 0, m1[0], 0x10, 2, 0, 0, m1[1])),
        (1, isakmp(i, r, m2[0], 0x10, 2, 0, 0, m2[1])),
        (0, isakmp(i, r, m3[0], 0x10, 2, 0, 0, m3[1])),
        (1, isakmp(i, r, m4[0], 0x10, 2, 0, 0, m4[1])),
        (0, isakmp(i, r, 5, 0x10, 2, 1, 0, enc)),
        (1, isakmp(i, r, 5, 0x10, 2, 1, 0, enc[::-1])),
        (0, isakmp(i, r, 8, 0x10, 32, 1, 0x5a17c0de, enc + enc)),
        (1, isakmp(i, r, 8, 0x10, 32, 1, 0x5a17c0de, enc[::-1] + enc)),
        (0, isakmp(i, r, 8, 0x10, 32, 1, 0x5a17c0de, enc[:32])),
        (0, isakmp(i, r, 8, 0x10, 5, 1, 0x0badf00d, enc[:48])),
    ])


def f_aggressive():
    """IKEv1 aggressive mode with a pre-shared key, 3DES/MD5/group 2."""
    c, s = '10.6.0.20', '10.6.0.1'
    i, r = 0x0102030405060708, 0x8877665544332211
    sa_i = v1_sa([v1_proposal(1, [TDES_MD5_PSK_G2])])
    ke_i, ke_r = bytes(range(128)), bytes(range(128, 256))
    m1 = chain([(1, sa_i), (4, ke_i), (10, bytes(range(20))), (5, ident(c)),
                (13, VID_XAUTH), (13, VID_FRAG)])
    m2 = chain([(1, sa_i), (4, ke_r), (10, bytes(range(20, 44))), (5, ident(s)),
                (8, bytes(range(16))), (13, VID_DPD)])
    m3 = chain([(8, bytes(range(16, 32)))])
    return g.udp_exchange(c, s, 500, 500, [
        (0, isakmp(i, 0, m1[0], 0x10, 4, 0, 0, m1[1])),
        (1, isakmp(i, r, m2[0], 0x10, 4, 0, 0, m2[1])),
        (0, isakmp(i, r, m3[0], 0x10, 4, 0, 0, m3[1])),
    ])


# IKEv2 (RFC 7296 section 3)
def v2_transform(ttype, tid, last, keylen=None):
    attrs = tv(14, keylen) if keylen else b''
    body = P('!BBH', ttype, 0, tid) + attrs
    return P('!BBH', 0 if last else 3, 0, 4 + len(body)) + body


def v2_proposal(num, transforms, last=True, proto=1, spi=b''):
    ts = b''.join(v2_transform(*t, last=(k == len(transforms) - 1))
                  if len(t) == 2 else v2_transform(t[0], t[1], k == len(transforms) - 1, t[2])
                  for k, t in enumerate(transforms))
    body = P('!BBBB', num, proto, len(spi), len(transforms)) + spi + ts
    return P('!BBH', 0 if last else 2, 0, 4 + len(body)) + body


def v2_ke(group, data):
    return P('!HH', group, 0) + data


def v2_notify(ntype, data=b'', proto=0, spi=b''):
    return P('!BBH', proto, len(spi), ntype) + spi + data


def sk(inner_type, data):
    """An Encrypted and Authenticated payload (46): its next payload is the
    first inner payload's type; the body is IV + ciphertext + ICV."""
    return inner_type, data


def v2_msg(ispi, rspi, exch, flags, msgid, items):
    """An IKEv2 message; an SK item (46) is (first inner payload type, bytes)
    and is always the last payload (RFC 7296 section 3.14)."""
    body = b''
    for k, (t, b) in enumerate(items):
        if t == 46:
            inner, data = b
            body += P('!BBH', inner, 0, 4 + len(data)) + data
        else:
            body += payload(items[k + 1][0] if k + 1 < len(items) else 0, b)
    return isakmp(ispi, rspi, items[0][0] if items else 0, 0x20, exch, flags, msgid, body)


ENCR_AES_CBC, ENCR_3DES, ENCR_AES_GCM16 = 12, 3, 20
PRF_SHA256, PRF_SHA1 = 5, 2
INTEG_SHA256, INTEG_SHA1 = 12, 2
DH_19, DH_14, DH_2 = 19, 14, 2


def f_ikev2():
    """IKEv2: IKE_SA_INIT with NAT detection, IKE_AUTH encrypted; then an
    SA_INIT refused twice (INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN)."""
    c, s = '10.6.0.30', '10.6.0.1'
    i, r = 0xa1a2a3a4a5a6a7a8, 0xb1b2b3b4b5b6b7b8
    sa_i = v2_proposal(1, [(1, ENCR_AES_CBC, 256), (2, PRF_SHA256), (3, INTEG_SHA256), (4, DH_19)],
                       last=False) + \
        v2_proposal(2, [(1, ENCR_AES_GCM16, 256), (2, PRF_SHA256), (4, DH_14)], last=False) + \
        v2_proposal(3, [(1, ENCR_3DES), (2, PRF_SHA1), (3, INTEG_SHA1), (4, DH_2)])
    sa_r = v2_proposal(1, [(1, ENCR_AES_CBC, 256), (2, PRF_SHA256), (3, INTEG_SHA256), (4, DH_19)])
    m1 = [(33, sa_i), (34, v2_ke(19, bytes(range(64)))), (40, bytes(range(32))),
          (41, v2_notify(16388, bytes(range(20)))), (41, v2_notify(16389, bytes(range(20, 40)))),
          (41, v2_notify(16430, P('!HHHH', 2, 3, 4, 5)))]
    m2 = [(33, sa_r), (34, v2_ke(19, bytes(range(64, 128)))), (40, bytes(range(32, 64))),
          (41, v2_notify(16388, bytes(range(40, 60)))), (41, v2_notify(16389, bytes(range(60, 80)))),
          (38, b'\x04' + bytes(20)), (41, v2_notify(16404))]
    enc = bytes((x * 13 + 1) & 0xff for x in range(96))
    a = g.udp_exchange(c, s, 500, 500, [
        (0, v2_msg(i, 0, 34, 0x08, 0, m1)),
        (1, v2_msg(i, r, 34, 0x20, 0, m2)),
        (0, v2_msg(i, r, 35, 0x08, 1, [(46, sk(35, enc))])),
        (1, v2_msg(i, r, 35, 0x20, 1, [(46, sk(36, enc[::-1]))])),
        (0, v2_msg(i, r, 37, 0x08, 2, [(46, sk(42, enc[:48]))])),
        (1, v2_msg(i, r, 37, 0x20, 2, [(46, sk(0, enc[:40]))])),
    ])
    c2 = '10.6.0.31'
    i2 = 0x0f0e0d0c0b0a0908
    m3 = [(33, sa_i), (34, v2_ke(14, bytes(range(64)))), (40, bytes(range(32)))]
    b = g.udp_exchange(c2, s, 500, 500, [
        (0, v2_msg(i2, 0, 34, 0x08, 0, m3)),
        (1, v2_msg(i2, 0, 34, 0x20, 0, [(41, v2_notify(17, P('!H', 19)))])),
        (0, v2_msg(i2, 0, 34, 0x08, 0, m3)),
        (1, v2_msg(i2, 0, 34, 0x20, 0, [(41, v2_notify(14)), (41, v2_notify(16390))])),
    ])
    c3, i3, r3 = '10.6.0.32', 0x3132333435363738, 0x4142434445464748
    sa_w = v2_proposal(1, [(1, ENCR_3DES), (2, PRF_SHA1), (3, INTEG_SHA1), (4, DH_2)])
    m5 = [(33, sa_i), (34, v2_ke(2, bytes(range(128)))), (40, bytes(range(32)))]
    m6 = [(33, sa_w), (34, v2_ke(2, bytes(range(128, 256)))), (40, bytes(range(32, 64)))]
    w = g.udp_exchange(c3, s, 500, 500, [
        (0, v2_msg(i3, 0, 34, 0x08, 0, m5)),
        (1, v2_msg(i3, r3, 34, 0x20, 0, m6)),
    ])
    return a, b, w


def f_natt():
    """NAT-T: IKEv2 IKE_AUTH and INFORMATIONAL behind the 4-byte non-ESP
    marker on UDP 4500, then ESP-in-UDP packets on the same flow."""
    c, s = '10.6.0.40', '10.6.0.1'
    i, r = 0xc1c2c3c4c5c6c7c8, 0xd1d2d3d4d5d6d7d8
    enc = bytes((x * 5 + 9) & 0xff for x in range(80))
    esp = P('!II', 0xc0ffee01, 1) + enc
    return g.udp_exchange(c, s, 4500, 4500, [
        (0, b'\0\0\0\0' + v2_msg(i, r, 35, 0x08, 1, [(46, sk(35, enc))])),
        (1, b'\0\0\0\0' + v2_msg(i, r, 35, 0x20, 1, [(46, sk(36, enc[::-1]))])),
        (0, esp),
        (1, P('!II', 0xc0ffee02, 1) + enc),
        (0, b'\xff'),                                    # NAT-keepalive
        (0, b'\0\0\0\0' + v2_msg(i, r, 37, 0x08, 2, [(46, sk(0, enc[:32]))])),
    ])


def f_ike():
    a, b, w = f_ikev2()
    items = g.sched(f_main_mode(), g.T(0), 10 * g.MS) + g.sched(f_aggressive(), g.T(1), 10 * g.MS) + \
        g.sched(a, g.T(2), 10 * g.MS) + g.sched(b, g.T(3), 10 * g.MS) + \
        g.sched(w, g.T(4), 10 * g.MS)
    return g.srt(g.frames(items, g.link_eth))


def f_ike_natt():
    return g.srt(g.frames(g.sched(f_natt(), g.T(0), 10 * g.MS), g.link_eth))


def f_bad():
    """Hostile and truncated messages, one flow each (client ports 40001...)."""
    s = '10.6.0.1'
    good_sa = v1_sa([v1_proposal(1, [AES_256_SHA256_PSK_G14])])
    cases = []
    # 1 a header cut at 20 bytes
    cases.append(isakmp(1, 0, 1, 0x10, 2, 0, 0, b'')[:20])
    # 2 the header's length claims more than the datagram
    cases.append(isakmp(2, 0, 1, 0x10, 2, 0, 0, payload(0, good_sa), length=4000))
    # 3 a payload whose length runs past the end
    cases.append(isakmp(3, 0, 1, 0x10, 2, 0, 0, payload(0, good_sa, length=900)))
    # 4 a payload length of 0 (a loop for a careless parser)
    cases.append(isakmp(4, 0, 13, 0x10, 2, 0, 0, payload(13, b'', length=0) + bytes(16)))
    # 5 a proposal whose length lies
    bad_prop = P('!II', 1, 1) + P('!BBH', 0, 0, 500) + P('!BBBB', 1, 1, 0, 1)
    cases.append(isakmp(5, 0, 1, 0x10, 2, 0, 0, payload(0, bad_prop)))
    # 6 a transform whose length lies
    bad_tr = P('!II', 1, 1) + payload(0, P('!BBBB', 1, 1, 0, 1) + P('!BBH', 0, 0, 200) + P('!BBH', 1, 1, 0))
    cases.append(isakmp(6, 0, 1, 0x10, 2, 0, 0, payload(0, bad_tr)))
    # 7 an attribute (TLV) whose length runs past the transform
    bad_attr = v1_sa([v1_proposal(1, [[tv(1, 7), P('!HH', 12, 60000) + b'\x01\x02']])])
    cases.append(isakmp(7, 0, 1, 0x10, 2, 0, 0, payload(0, bad_attr)))
    # 8 major version 3
    cases.append(isakmp(8, 0, 1, 0x30, 2, 0, 0, payload(0, good_sa)))
    # 9 IKEv2 with minor version 1
    cases.append(isakmp(9, 0, 33, 0x21, 34, 0x08, 0, payload(0, v2_proposal(1, [(1, ENCR_AES_CBC, 128)]))))
    # 10 180 vendor IDs in a chain (3.6 KB: under the 4 KiB the worker keeps
    # of a UDP flow before nDPI's verdict)
    many = chain([(13, bytes([k & 0xff]) * 16) for k in range(180)])
    cases.append(isakmp(10, 0, many[0], 0x10, 2, 0, 0, many[1]))
    # 11 an IKEv2 KE shorter than its group/reserved fields, a notify cut short
    cases.append(v2_msg(11, 0, 34, 0x08, 0, [(34, b'\x00'), (41, b'\x00\x00')]))
    # 12 an SA with an unknown DOI
    cases.append(isakmp(12, 0, 1, 0x10, 2, 0, 0, payload(0, v1_sa([v1_proposal(1, [TDES_MD5_PSK_G2])], doi=7))))
    items = []
    for k, m in enumerate(cases):
        ex = g.udp_exchange('10.6.1.%d' % (k + 1), s, 40001 + k, 500, [(0, m)])
        items += g.sched(ex, g.T(k), 10 * g.MS)
    return g.srt(g.frames(items, g.link_eth))


GENERATORS = [
    ('app-ike.pcap', f_ike),
    ('app-ike-natt.pcap', f_ike_natt),
    ('app-ike-bad.pcap', f_bad),
]


def build(outdir):
    g.write_pcaps(outdir, GENERATORS)


if __name__ == '__main__':
    build(g.out_dir(sys.argv))
