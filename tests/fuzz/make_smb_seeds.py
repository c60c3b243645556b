#!/usr/bin/env python3
"""make_smb_seeds.py - seed corpus of fuzz_smb (tests/fuzz/corpus/smb).

    python3 tests/fuzz/make_smb_seeds.py [OUT_DIR]   (default tests/fuzz/corpus)

The conversations are the TCP payloads of the generated captures
(tests/tools/gen_smb_pcaps.py builds them in memory here, nothing is read
from pcaps/), put in fuzz_app.h's input format: a flags byte (bit 3: the
dcerpc parser instead of smb; bit 0 small limits), then segments behind a
2-byte header (bit 15 direction, bit 14 gap, 12 bits of length). Two runs
write the same bytes.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import gen_pcaps as g  # noqa: E402
import gen_smb_pcaps as smb  # noqa: E402


def seg(direction, data, cut=4095):
    out = b""
    for i in range(0, len(data), cut):
        part = data[i:i + cut]
        out += struct.pack(">H", (direction << 15) | len(part)) + part
    return out


def payloads(recs, port):
    """(dir, bytes) of every TCP segment with data to or from port."""
    out = []
    for _, frame, _ in recs:
        ip = frame[14:]
        if ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack(">H", ip[2:4])[0]
        t = ip[ihl:tot]
        sp, dp = struct.unpack(">HH", t[:4])
        data = t[(t[12] >> 4) * 4:]
        if data and port in (sp, dp):
            out.append((0 if dp == port else 1, data))
    return out


def conv(flags, segs, cut=4095):
    return bytes([flags]) + b"".join(seg(d, x, cut) for d, x in segs)


def main(out):
    d = os.path.join(out, "smb")
    os.makedirs(d, exist_ok=True)
    g.reset_ids()
    s2 = payloads(smb.f_smb2(), 445)
    g.reset_ids()
    s1 = payloads(smb.f_smb1(), 139)
    g.reset_ids()
    dc = smb.f_dcerpc()
    seeds = {
        "seed-smb2": conv(0, s2),
        "seed-smb2-split": conv(0, s2, 13),
        "seed-smb2-small": conv(1, s2),
        "seed-smb2-gap": conv(0, s2[:6]) + struct.pack(">H", (1 << 14) | 100) + conv(0, s2[6:])[1:],
        "seed-smb1": conv(0, s1),
        "seed-dcerpc-epm": conv(8, payloads(dc, 135)),
        "seed-dcerpc-frag": conv(8, payloads(dc, 49667)),
        "seed-dcerpc-split": conv(8, payloads(dc, 49667), 7),
    }
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        print("%-28s %6d bytes" % (name, len(data)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus"))
