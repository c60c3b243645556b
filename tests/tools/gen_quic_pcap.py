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

With --gquic (pcaps/app-gquic.pcap): Google QUIC handshakes whose first
packets carry a CHLO, the crypto handshake message with its tag table
(SNI, UAID, VER, AEAD, KEXS, ...): Q043 (public header), Q046 and Q044
(long headers), all in clear; Q050 (IETF long header, Initial protected
as RFC 9001 says but with Q050's own salt, the CHLO in a CRYPTO frame of
type 0x08); T051 (the same with a TLS ClientHello and T051's salt);
and a Q043 flow of hostile CHLOs (an unknown tag, offsets that go
backwards, a STREAM frame longer than its packet, an empty SNI and a
User-Agent that is not UTF-8).
"""
import struct
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

V1, V2, D29, Q046 = 0x00000001, 0x6b3343cf, 0xff00001d, 0x51303436
Q043, Q044, Q050, T051 = 0x51303433, 0x51303434, 0x51303530, 0x54303531
SALT = {
    Q050: bytes.fromhex("504574efd066fe2f9d945cfcdbd3a7f0d3b56b45"),
    T051: bytes.fromhex("7a4edef4e7ccee5fa4506c19124fc8ccda6e033d"),
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


def write_pcap(out, recs):
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for sec, usec, data in recs:
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--gquic":
        main_gquic(sys.argv[2] if len(sys.argv) > 2 else "pcaps/app-gquic.pcap")
        return
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

    write_pcap(out, recs)


# ---- Google QUIC (--gquic) ----

def tag_msg(msg_tag, tags):
    """A crypto handshake message: tag, entry count (LE16), 2 bytes of
    padding, (tag, end offset LE32) per entry, then the values. `tags` is
    a list of (4-byte tag, value) kept in the given order (gQUIC sorts them
    by the tag read as a little-endian number: sorted_tags() does that)."""
    head, vals, end = b"", b"", 0
    for t, v in tags:
        end += len(v)
        head += t + struct.pack("<I", end)
        vals += v
    return msg_tag + struct.pack("<HH", len(tags), 0) + head + vals


def sorted_tags(tags):
    return sorted(tags, key=lambda tv: struct.unpack("<I", tv[0])[0])


def fnv_hash12(data):
    """The 12-byte message hash of gQUIC's null encryption: FNV-1a 128 of
    the data, its low 96 bits little-endian (neither tool checks it)."""
    h = 0x6c62272e07bb014262b821756295c58d
    for b in data:
        h = ((h ^ b) * 0x0000000001000000000000000000013B) & ((1 << 128) - 1)
    return h.to_bytes(16, "little")[:12]


def stream_frame(data, sid=1):
    """A gQUIC STREAM frame: type 1fdooo ss (here: data length present,
    no offset, 1-byte stream id), stream id, length (BE16), data."""
    return b"\xa0" + bytes([sid]) + struct.pack(">H", len(data)) + data


def chlo(sni, ua, version, full=False, extra=()):
    tags = [(b"PAD\x00", b""), (b"VER\x00", version), (b"CCS\x00", bytes(range(16))),
            (b"PDMD", b"X509"), (b"ICSL", struct.pack("<I", 30)), (b"MIDS", struct.pack("<I", 100)),
            (b"CFCW", struct.pack("<I", 15728640)), (b"SFCW", struct.pack("<I", 6291456))]
    if sni is not None:
        tags.append((b"SNI\x00", sni))
    if ua is not None:
        tags.append((b"UAID", ua))
    if full:
        tags += [(b"STK\x00", bytes([0x5a]) * 56), (b"SCID", bytes([0x3c]) * 16),
                 (b"NONC", bytes([0x4e]) * 32), (b"AEAD", b"AESG"), (b"KEXS", b"C255"),
                 (b"PUBS", bytes([0x70]) * 35), (b"XLCT", bytes([0x11]) * 8)]
    tags += list(extra)
    return tag_msg(b"CHLO", sorted_tags(tags))


def padded(frames, total):
    return frames + b"\x00" * max(0, total - len(frames))


def gquic_public(cid, version, pn, frames, flags=0x09, size=1350):
    """Q043 and older: public flags (0x01 version, 0x08 8-byte connection
    id, packet number length 1), connection id, version, packet number,
    the 12-byte hash, then the frames, padded to `size` bytes."""
    hdr = bytes([flags]) + (cid if flags & 0x08 else b"")
    if flags & 0x01:
        hdr += struct.pack(">I", version)
    hdr += bytes([pn])
    body = padded(frames, size - len(hdr) - 12)
    return hdr + fnv_hash12(body) + body


def gquic_long(first, version, cid, pn, frames, size=1350):
    """Q044-Q046: long header (first byte, version, connection id lengths
    nibble byte 0x50 = destination 8, source 0), the connection id, a
    4-byte packet number, the 12-byte hash, the frames."""
    hdr = bytes([first]) + struct.pack(">I", version) + b"\x50" + cid + struct.pack(">I", pn)
    body = padded(frames, size - len(hdr) - 12)
    return hdr + fnv_hash12(body) + body


def crypto08(data):
    """Q050's CRYPTO frame: type 0x08, varint offset, varint length, data."""
    return b"\x08" + varint(0) + varint(len(data)) + data


def main_gquic(out):
    recs = []
    t = [1704096600, 0]

    def send(c, s, cport, to_server, payload):
        t[1] += 1500
        src, dst = (c, s) if to_server else (s, c)
        sp, dp = (cport, 443) if to_server else (443, cport)
        recs.append((t[0], t[1], frame(src, dst, sp, dp, payload, len(recs) + 1)))

    ua = b"Chrome/71.0.3578.98 Linux x86_64"
    # 1. Q043: inchoate CHLO, the server's REJ (no version flag: no event),
    #    the full CHLO, then a packet without the version flag
    c, s, cid = [10, 0, 1, 1], [192, 0, 2, 101], bytes.fromhex("a1a2a3a4a5a6a7a8")
    send(c, s, 50101, True, gquic_public(cid, Q043, 1, stream_frame(chlo(b"www.q043.example", ua, b"Q043"))))
    rej = tag_msg(b"REJ\x00", [(b"STK\x00", bytes([0x5a]) * 56), (b"SNO\x00", bytes([0x33]) * 52)])
    send(c, s, 50101, False, gquic_public(cid, 0, 1, stream_frame(rej), flags=0x00, size=700))
    send(c, s, 50101, True, gquic_public(cid, Q043, 2, stream_frame(chlo(b"www.q043.example", ua, b"Q043", full=True))))
    send(c, s, 50101, True, gquic_public(cid, Q043, 3, b"\x01", flags=0x08, size=60))
    # 2. Q046: long headers (0xc3: Initial), inchoate and full CHLO, then a short header
    c, s, cid = [10, 0, 1, 2], [192, 0, 2, 102], bytes.fromhex("b1b2b3b4b5b6b7b8")
    send(c, s, 50102, True, gquic_long(0xc3, Q046, cid, 1, stream_frame(chlo(b"www.q046.example", ua, b"Q046"))))
    send(c, s, 50102, False, bytes([0x43]) + struct.pack(">I", 1) + bytes([0x21]) * 400)
    send(c, s, 50102, True, gquic_long(0xc3, Q046, cid, 2, stream_frame(chlo(b"www.q046.example", ua, b"Q046", full=True))))
    send(c, s, 50102, True, bytes([0x43]) + cid + struct.pack(">I", 3) + bytes([0x22]) * 60)
    # 3. Q044: long header with the gQUIC type byte (0xff: Initial)
    c, s, cid = [10, 0, 1, 3], [192, 0, 2, 103], bytes.fromhex("c1c2c3c4c5c6c7c8")
    send(c, s, 50103, True, gquic_long(0xff, Q044, cid, 1, stream_frame(chlo(b"www.q044.example", ua, b"Q044"))))
    # 4. Q050: IETF long header, Initial protected with Q050's salt, CHLO in CRYPTO (0x08)
    c, s = [10, 0, 1, 4], [192, 0, 2, 104]
    dc = bytes.fromhex("d1d2d3d4d5d6d7d8")
    send(c, s, 50104, True, initial(Q050, False, dc, b"", dc, crypto08(chlo(b"www.q050.example", ua, b"Q050")), 1, pad=1200))
    # 5. T051: IETF long header, T051's salt, a TLS ClientHello in a CRYPTO (0x08) frame
    c, s = [10, 0, 1, 5], [192, 0, 2, 105]
    dc = bytes.fromhex("e1e2e3e4e5e6e7e8")
    send(c, s, 50105, True, initial(T051, False, dc, b"", dc, crypto08(client_hello(b"www.t051.example", [b"h3-T051"], 0x15)), 1, pad=1200))
    # 6. Q043, hostile CHLOs: an unknown tag (SRBF), offsets that go back,
    #    a STREAM frame longer than its packet, then an empty SNI with a
    #    User-Agent that is not UTF-8, and two CHLOs in one packet
    c, s, cid = [10, 0, 1, 6], [192, 0, 2, 106], bytes.fromhex("f1f2f3f4f5f6f7f8")
    send(c, s, 50106, True, gquic_public(cid, Q043, 1, stream_frame(
        chlo(b"www.srbf.example", ua, b"Q043", extra=[(b"SRBF", struct.pack("<I", 1048576))]))))
    back = bytearray(chlo(b"www.back.example", ua, b"Q043"))
    back[8 + 4:8 + 8] = struct.pack("<I", 0x40)         # the first entry ends after the second
    send(c, s, 50106, True, gquic_public(cid, Q043, 2, stream_frame(bytes(back))))
    long_sf = stream_frame(chlo(b"www.cut.example", ua, b"Q043"))
    long_sf = long_sf[:2] + struct.pack(">H", 1400) + long_sf[4:]
    send(c, s, 50106, True, gquic_public(cid, Q043, 3, long_sf))
    send(c, s, 50106, True, gquic_public(cid, Q043, 4, stream_frame(chlo(b"", b"Mozilla/5.0 \xff\xfe caf\xc3\xa9 \xe2\x82", b"Q043"))))
    two = stream_frame(chlo(b"www.first.example", None, b"Q043")) + stream_frame(
        chlo(b"www.second.example", b"second-ua", b"Q043", full=True), sid=3)
    send(c, s, 50106, True, gquic_public(cid, Q043, 5, two))
    write_pcap(out, recs)


if __name__ == "__main__":
    main()
