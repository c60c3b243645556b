#!/usr/bin/env python3
"""flood_pcap.py KIND N - write a pcap of N hostile packets to stdout, for the
memory-bound tests (stream it into `taishi -r -`):
  syn   N TCP SYNs, every one a new flow (distinct address/port pairs)
  frag  N first fragments of UDP datagrams that never complete (distinct IDs)
  servers  N UDP request/answer pairs, each with another server (N servers)
  ooo   N TCP segments of 1000 bytes over 256 flows, each flow's first data
        segment missing, so everything after it waits out of order
Deterministic; standard library only; checksums are left zero (the sensor
does not check them)."""
import struct, sys

kind, n = sys.argv[1], int(sys.argv[2])
out = sys.stdout.buffer
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
eth = b'\x02\x00\x00\x00\x0b\x01\x02\x00\x00\x00\x0a\x01\x08\x00'
t0 = 1704067200
buf = []
for i in range(n):
    src = bytes([10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff])
    dst = bytes([192, 0, 2, 1 + (i % 200)])
    if kind == 'servers':
        srv = bytes([198, 18, (i >> 8) & 0xff, i & 0xff])
        for a, b, sp, dp in ((src, srv, 40000, 5000 + i % 1000), (srv, src, 5000 + i % 1000, 40000)):
            l4 = struct.pack('!HHHH', sp, dp, 8 + 16, 0) + b'x' * 16
            ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), i & 0xffff, 0, 64, 17, 0, a, b)
            frame = eth + ip + l4
            us = i * 10
            buf.append(struct.pack('<IIII', t0 + us // 1000000, us % 1000000, len(frame), len(frame)) + frame)
        continue
    if kind == 'ooo':
        f = i % 256                         # the flow
        k = i // 256                        # its k-th segment; k = 0 (seq 1) is never sent
        src, dst = bytes([10, 9, 0, f]), bytes([192, 0, 2, 1])
        seq = 1000 + 1 + (k + 1) * 1000
        flags = 0x02 if k == 0 else 0x18
        data = b'' if k == 0 else bytes([65 + k % 26]) * 1000
        l4 = struct.pack('!HHIIBBHHH', 30000 + f, 8080, 1000 if k == 0 else seq, 0, 5 << 4, flags,
                         65535, 0, 0) + data
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), i & 0xffff, 0, 64, 6, 0, src, dst)
    elif kind == 'syn':
        l4 = struct.pack('!HHIIBBHHH', 1024 + (i % 60000), 80, i, 0, 5 << 4, 0x02, 65535, 0, 0)
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), i & 0xffff, 0, 64, 6, 0, src, dst)
    else:
        l4 = struct.pack('!HHHH', 40000, 53, 8 + 64, 0) + b'\0' * 56   # 64 bytes, more to come
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), i & 0xffff, 0x2000, 64, 17, 0, src, dst)
    frame = eth + ip + l4
    us = i * 10                             # 100,000 packets a second of packet time
    buf.append(struct.pack('<IIII', t0 + us // 1000000, us % 1000000, len(frame), len(frame)) + frame)
    if len(buf) == 10000:
        out.write(b''.join(buf))
        buf = []
out.write(b''.join(buf))
