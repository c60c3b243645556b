#!/usr/bin/env python3
"""make_ike_seeds.py - the seed corpus of fuzz_ike from the flows of
tests/tools/gen_ike_pcaps.py (each flow one seed: its datagrams as segments).

    python3 tests/fuzz/make_ike_seeds.py [OUT_DIR]   (default tests/fuzz/corpus)

Input format: fuzz_ike.c's (a flags byte, then segments behind a 2-byte
header: bit 15 direction, bit 14 a NAT-T marker to add, 12 bits of length).
Deterministic.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import gen_ike_pcaps as k  # noqa: E402


def seed(flow, natt=False):
    out = b'\0'
    for d, ip in flow:
        payload = ip[28:]                       # IPv4 (20) + UDP (8)
        if natt and payload[:4] == b'\0\0\0\0':
            payload, bit = payload[4:], 1 << 14
        else:
            bit = 0
        out += struct.pack('>H', (d << 15) | bit | min(len(payload), 0xfff)) + payload[:0xfff]
    return out


def main(out):
    a, b, _w = k.f_ikev2()
    seeds = {'main-mode': seed(k.f_main_mode()), 'aggressive': seed(k.f_aggressive()),
             'ikev2': seed(a), 'ikev2-refused': seed(b), 'natt': seed(k.f_natt(), True)}
    d = os.path.join(out, 'ike')
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, 'seed-' + name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'corpus'))
