#!/usr/bin/env python3
"""make_spool_seeds.py - seed segments for fuzz_spool (tests/fuzz/corpus/spool/).

Records in the write-ahead spool's format (src/output/spool.c, spool.h):
u32 magic "TSW1" | u32 len | u32 crc | u8 family | u64 key | u64 seq | payload,
the CRC over the payload, then the length field, then family, key, seq.
Seeds: a clean segment of events, one record, an empty payload, a segment
cut mid-record, one with a flipped payload byte, one with a bad length, a
stray magic inside a payload, garbage between records, and a family out of
range."""
import os, struct, zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'spool')
MAGIC = b'TSW1'

def rec(family, key, seq, payload):
    tail = struct.pack('<BQQ', family, key, seq)
    ln = struct.pack('<I', len(payload))
    crc = zlib.crc32(tail, zlib.crc32(ln, zlib.crc32(payload)))
    return MAGIC + ln + struct.pack('<I', crc) + tail + payload

def ev(i, fam=1):
    return rec(fam, 1288469876813245 + i, i,
               b'{"timestamp":"2024-01-01T08:00:01.%06d+0000","event_type":"flow","flow_id":%d}' % (i, i))

seeds = {
    'clean': b''.join(ev(i, i % 7) for i in range(12)),
    'one': ev(0),
    'empty-payload': rec(6, 0, 3, b''),
    'cut': b''.join(ev(i) for i in range(4))[:-17],
    'flipped': bytearray(b''.join(ev(i) for i in range(4))),
    'bad-length': bytearray(b''.join(ev(i) for i in range(3))),
    'stray-magic': rec(2, 7, 0, b'xx TSW1 inside ' + MAGIC + b'\xff' * 30) + ev(1),
    'garbage-between': ev(0) + b'\x00garbage\x01TSW' + ev(1) + b'TSW1' + ev(2),
    'bad-family': rec(9, 1, 1, b'{}') + ev(2),
}
seeds['flipped'][len(ev(0)) + 40] ^= 0xff
seeds['bad-length'][len(ev(0)) + 4:len(ev(0)) + 8] = struct.pack('<I', 0x7fffffff)
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, 'seed-' + name), 'wb') as f:
        f.write(bytes(data))
print(len(seeds), 'seeds in', OUT)
