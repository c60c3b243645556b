#!/usr/bin/env python3
"""make_quic_seeds.py - seeds for fuzz_quic (tests/fuzz/corpus/quic/seed-*):
the input format of fuzz_quic.c. Standard library only: the target seals
the Initials itself, so a seed holds plaintext frames (segment bit 14)."""
import os
import struct
import sys


def vec16(b):
    return struct.pack(">H", len(b)) + b


def ext(t, body):
    return struct.pack(">H", t) + vec16(body)


def hs(t, body):
    return bytes([t]) + struct.pack(">I", len(body))[1:] + body


def client_hello():
    e = ext(0x0a0a, b"") + ext(0, vec16(b"\x00" + vec16(b"seed.quic.example")))
    e += ext(16, vec16(b"\x02h3")) + ext(10, vec16(struct.pack(">HH", 29, 23)))
    e += ext(13, vec16(struct.pack(">HH", 0x0403, 0x0804))) + ext(43, b"\x02\x03\x04")
    e += ext(57, b"\x01\x02\x40\x64")
    body = b"\x03\x03" + b"\x11" * 32 + b"\x00" + vec16(struct.pack(">HHH", 0x2a2a, 0x1301, 0x1302))
    return hs(1, body + b"\x01\x00" + vec16(e))


def server_hello():
    e = ext(43, b"\x03\x04") + ext(51, struct.pack(">HH", 29, 32) + b"\x22" * 32)
    return hs(2, b"\x03\x03" + b"\x33" * 32 + b"\x00\x13\x01\x00" + vec16(e))


def crypto(off, data):
    def v(x):
        return bytes([x]) if x < 64 else struct.pack(">H", 0x4000 | x)
    return b"\x06" + v(off) + v(len(data)) + data


def tag_msg(tag, tags):
    """A gQUIC crypto handshake message: tag, count (LE16), 2 bytes, (tag, end LE32)..., values."""
    head, vals, end = b"", b"", 0
    for t, v in tags:
        end += len(v)
        head += t + struct.pack("<I", end)
        vals += v
    return tag + struct.pack("<HH", len(tags), 0) + head + vals


def chlo():
    return tag_msg(b"CHLO", [(b"PAD\x00", b"\x00" * 8), (b"SNI\x00", b"seed.gquic.example"),
                             (b"VER\x00", b"Q043"), (b"CCS\x00", b"\x01" * 16),
                             (b"UAID", b"Chrome/71.0 seed"), (b"PDMD", b"X509"),
                             (b"CFCW", b"\x00\x00\xf0\x00")])


def stream(data, sid=1):
    return b"\xa0" + bytes([sid]) + struct.pack(">H", len(data)) + data


def seg(direction, sealed, data):
    return struct.pack(">H", direction << 15 | sealed << 14 | len(data)) + data


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/quic"
    os.makedirs(out, exist_ok=True)
    ch, sh = client_hello(), server_hello()
    h = len(ch) // 2
    seeds = {
        "v1-handshake": b"\x00" + seg(0, 1, crypto(h, ch[h:]) + b"\x01" + crypto(0, ch[:h]) + b"\x00" * 40)
        + seg(1, 1, b"\x02\x00\x00\x00\x00" + crypto(0, sh)),
        "v2-split": b"\x08" + seg(0, 1, crypto(0, ch[:h])) + seg(0, 1, crypto(h, ch[h:])),
        "d29-close": b"\x04" + seg(0, 1, b"\x1c\x01\x00\x03bye" + crypto(0, ch)),
        "retry-gquic": b"\x02" + seg(1, 0, b"\xf0\x00\x00\x00\x01\x00\x04abcd" + b"tok" + b"\xee" * 16)
        + seg(0, 0, b"\x09" + b"\x01" * 8 + b"Q025" + b"\x01" + b"\x00" * 20)
        + seg(0, 0, b"\xc3Q046\x50" + b"\x02" * 8 + b"\x00" * 20),
        "gquic-q043-chlo": b"\x00" + seg(0, 0, b"\x09" + b"\x03" * 8 + b"Q043\x01" + b"\x77" * 12
                                         + stream(chlo()) + b"\x00" * 16)
        + seg(1, 0, b"\x00\x01" + b"\x77" * 12 + stream(tag_msg(b"REJ\x00", [(b"STK\x00", b"s" * 8)]))),
        "gquic-q046-two": b"\x00" + seg(0, 0, b"\xc3Q046\x50" + b"\x04" * 8 + b"\x00\x00\x00\x01"
                                        + b"\x77" * 12 + stream(chlo()) + stream(chlo(), 3) + b"\x01")
        + seg(0, 0, b"\xffQ044\x50" + b"\x05" * 8 + b"\x00\x00\x00\x01" + b"\x77" * 12 + stream(chlo())),
        "gquic-q050-crypto": b"\x0c" + seg(0, 1, b"\x08\x00" + struct.pack(">H", 0x4000 | len(chlo()))
                                           + chlo() + b"\x00" * 30),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
