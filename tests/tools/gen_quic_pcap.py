#!/usr/bin/env python3
"""gen_quic_pcap.py OUT.pcap - QUIC handshakes whose Initial packets are
protected here as RFC 9001 section 5 says (RFC 9369 for v2), for the quic
parser's golden test (pcaps/app-quic.pcap, see pcaps/README.md).

Needs Python 3 and python3-cryptography (Debian: python3-cryptography) for
HKDF, AES-128-GCM and AES-ECB; everything else is built here, byte by byte.
Deterministic: the same file every run.

Flows (client 10.0.0.x -> server 192.0.2.x, UDP 443):
  1. v1: client Initial with the whole ClientHello (CRYPTO frames out of
     order, as Chrome sends them), server Initial (ACK + ServerHello) with a
     coalesced Handshake packet, client Handshake, 1-RTT both ways;
  2. draft-29: a Retry first, then the client's Initial again with the
     Retry's SCID as DCID (keys from it), server Initial;
  3. v2 (0x6b3343cf): client and server Initial;
  4. v1 with the ClientHello over two Initial packets in two datagrams;
  5. Google QUIC Q046 (IETF-style long header, version only).
"""
import struct
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

V1, V2, D29, Q046 = 0x00000001, 0x6b3343cf, 0xff00001d, 0x51303436
SALT = {
    V1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
    D29: bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899"),
    V2: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
}


def hkdf_label(secret, label, n):
    full = b"tls13 " + label
    info = struct.pack(">HB", n, len(full)) + full + b"\x00"
    return HKDFExpand(hashes.SHA256(), n, info).derive(secret)


def keys(version, dcid, server):
    h = hmac.HMAC(SALT[version], hashes.SHA256())
    h.update(dcid)
    side = hkdf_label(h.finalize(), b"server in" if server else b"client in", 32)
    p = b"quicv2 " if version == V2 else b"quic "
    return hkdf_label(side, p + b"key", 16), hkdf_label(side, p + b"iv", 12), hkdf_label(side, p + b"hp", 16)


def varint(v):
    if v < 64:
        return bytes([v])
    if v < 16384:
        return struct.pack(">H", 0x4000 | v)
    return struct.pack(">I", 0x80000000 | v)


def vec16(b):
    return struct.pack(">H", len(b)) + b


def ext(t, body):
    return struct.pack(">H", t) + vec16(body)


def client_hello(sni, alpn, seed):
    exts = [ext(0x3a3a, b"")]
    exts.append(ext(0, vec16(b"\x00" + vec16(sni))))
    exts.append(ext(16, vec16(b"".join(bytes([len(a)]) + a for a in alpn))))
    exts.append(ext(10, vec16(struct.pack(">HHH", 0x4a4a, 29, 23))))
    exts.append(ext(13, vec16(struct.pack(">HHHHH", 0x0403, 0x0804, 0x0401, 0x0503, 0x0805))))
    exts.append(ext(43, bytes([4]) + struct.pack(">HH", 0x5a5a, 0x0304)))
    exts.append(ext(51, vec16(struct.pack(">HH", 29, 32) + bytes([seed]) * 32)))
    exts.append(ext(45, b"\x01\x01"))
    exts.append(ext(57, bytes([1, 2, 0x40, 0x64, 3, 2, 0x45, 0xc0])))
    body = struct.pack(">H", 0x0303) + bytes([seed]) * 32 + b"\x00"
    body += vec16(struct.pack(">HHHH", 0x6a6a, 0x1301, 0x1302, 0x1303)) + b"\x01\x00"
    body += vec16(b"".join(exts))
    return b"\x01" + struct.pack(">I", len(body))[1:] + body


def server_hello(seed):
    exts = ext(43, struct.pack(">H", 0x0304)) + ext(51, struct.pack(">HH", 29, 32) + bytes([seed]) * 32)
    body = struct.pack(">H", 0x0303) + bytes([seed ^ 0xff]) * 32 + b"\x00" + struct.pack(">H", 0x1301) + b"\x00"
    body += vec16(exts)
    return b"\x02" + struct.pack(">I", len(body))[1:] + body


def crypto(msg, start=0, end=None, shuffle=False):
    end = len(msg) if end is None else end
    cuts = [start, start + (end - start) // 3, start + 2 * (end - start) // 3, end]
    parts = [b"\x06" + varint(cuts[i]) + varint(cuts[i + 1] - cuts[i]) + msg[cuts[i]:cuts[i + 1]]
             for i in range(3)]
    if shuffle:
        parts = [parts[2], parts[0], parts[1]]
    return parts[0] + b"\x01" + parts[1] + parts[2]


def initial(version, server, dcid, scid, keys_dcid, frames, pn, pad=0, token=b""):
    payload = frames + b"\x00" * max(0, pad - len(frames))
    ptype = 1 if version == V2 else 0
    hdr = bytes([0xc0 | ptype << 4 | 3]) + struct.pack(">I", version)
    hdr += bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid + varint(len(token)) + token
    hdr += struct.pack(">H", 0x4000 | (4 + len(payload) + 16)) + struct.pack(">I", pn)
    key, iv, hp = keys(version, keys_dcid, server)
    nonce = bytes(a ^ b for a, b in zip(iv, (b"\x00" * 4 + struct.pack(">Q", pn))))
    ct = AESGCM(key).encrypt(nonce, payload, hdr)
    pkt = bytearray(hdr + ct)
    pn_off = len(hdr) - 4
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(bytes(pkt[pn_off + 4:pn_off + 20])) + enc.finalize()
    pkt[0] ^= mask[0] & 0x0f
    for i in range(4):
        pkt[pn_off + i] ^= mask[1 + i]
    return bytes(pkt)


def long_other(version, ptype, dcid, scid, n, fill):
    return (bytes([0xc0 | ptype << 4 | 3]) + struct.pack(">I", version) + bytes([len(dcid)]) + dcid
            + bytes([len(scid)]) + scid + varint(n) + bytes([fill]) * n)


def short(dcid, n, fill):
    return bytes([0x41]) + dcid + bytes([fill]) * n


def csum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def frame(src, dst, sport, dport, payload, ident):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xffff, 0, 64, 17, 0,
                     bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
    eth = b"\x00\x11\x22\x33\x44\x55" + b"\x00\x66\x77\x88\x99\xaa" + b"\x08\x00"
    return eth + ip + udp


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "pcaps/app-quic.pcap"
    recs = []
    t = [1704096000, 0]

    def send(c, s, cport, to_server, payload):
        t[1] += 1500
        src, dst = (c, s) if to_server else (s, c)
        sp, dp = (cport, 443) if to_server else (443, cport)
        recs.append((t[0], t[1], frame(src, dst, sp, dp, payload, len(recs) + 1)))

    # 1. v1, one datagram each way, coalesced Handshake, 1-RTT
    c, s = [10, 0, 0, 1], [192, 0, 2, 10]
    dc, sc, srv = bytes.fromhex("0001020304050607"), bytes.fromhex("c1c2c3c4"), bytes.fromhex("5a5b5c5d5e5f")
    ch = client_hello(b"www.quic-v1.example", [b"h3"], 0x11)
    send(c, s, 50001, True, initial(V1, False, dc, sc, dc, crypto(ch, shuffle=True), 0, pad=1160))
    sh = server_hello(0x21)
    send(c, s, 50001, False, initial(V1, True, sc, srv, dc, b"\x02\x00\x00\x00\x00" + crypto(sh), 0)
         + long_other(V1, 2, sc, srv, 200, 0x77))
    send(c, s, 50001, True, long_other(V1, 2, srv, sc, 60, 0x66))
    send(c, s, 50001, True, short(srv, 40, 0x55))
    send(c, s, 50001, False, short(sc, 80, 0x44))
    # 2. draft-29 with a Retry
    c, s = [10, 0, 0, 2], [192, 0, 2, 20]
    dc, sc, rc = bytes.fromhex("1011121314151617"), bytes.fromhex("d1d2d3d4"), bytes.fromhex("e1e2e3e4e5e6e7e8")
    ch = client_hello(b"draft29.quic.example", [b"h3-29"], 0x12)
    send(c, s, 50002, True, initial(D29, False, dc, sc, dc, crypto(ch), 0, pad=1160))
    send(c, s, 50002, False, bytes([0xf0]) + struct.pack(">I", D29) + bytes([len(sc)]) + sc
         + bytes([len(rc)]) + rc + b"retry-token-0001" + b"\xee" * 16)
    send(c, s, 50002, True, initial(D29, False, rc, sc, rc, crypto(ch), 1, pad=1160, token=b"retry-token-0001"))
    send(c, s, 50002, False, initial(D29, True, sc, rc, rc, b"\x02\x01\x00\x00\x00" + crypto(server_hello(0x22)), 0))
    # 3. v2
    c, s = [10, 0, 0, 3], [192, 0, 2, 30]
    dc, sc, srv = bytes.fromhex("2021222324252627"), bytes.fromhex("f1f2"), bytes.fromhex("0a0b0c0d")
    send(c, s, 50003, True, initial(V2, False, dc, sc, dc, crypto(client_hello(b"v2.quic.example", [b"h3"], 0x13)), 0, pad=1160))
    send(c, s, 50003, False, initial(V2, True, sc, srv, dc, crypto(server_hello(0x23)), 0))
    # 4. v1, the ClientHello over two datagrams
    c, s = [10, 0, 0, 4], [192, 0, 2, 40]
    dc, sc = bytes.fromhex("3031323334353637"), bytes.fromhex("b1b2b3b4")
    ch = client_hello(b"split.quic.example", [b"h3", b"h3-29"], 0x14)
    half = len(ch) // 2
    send(c, s, 50004, True, initial(V1, False, dc, sc, dc, crypto(ch, 0, half), 0, pad=1160))
    send(c, s, 50004, True, initial(V1, False, dc, sc, dc, crypto(ch, half, len(ch)), 1, pad=1160))
    # 5. Google QUIC Q046
    c, s = [10, 0, 0, 5], [192, 0, 2, 50]
    send(c, s, 50005, True, bytes([0xc3]) + struct.pack(">I", Q046) + b"\x50" + bytes(range(8)) + b"\x00" * 1000)

    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for sec, usec, data in recs:
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


if __name__ == "__main__":
    main()
