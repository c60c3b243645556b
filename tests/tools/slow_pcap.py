#!/usr/bin/env python3
"""slow_pcap.py FILE SECONDS [SPAN] - write a classic pcap file to stdout
spread over SECONDS of wall time (the header at once, then the records
evenly), so a test can make `taishi -r -` run for a while and change things
under it. With SPAN, packet timestamps are rewritten to spread evenly over
SPAN seconds of packet time (so flows time out while the run goes on)."""
import sys, time

data = open(sys.argv[1], 'rb').read()
secs = float(sys.argv[2])
end = 'little' if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else 'big'
recs, off = [], 24
while off + 16 <= len(data):
    n = int.from_bytes(data[off + 8:off + 12], end)
    recs.append(data[off:off + 16 + n])
    off += 16 + n
if len(sys.argv) > 3:
    span = float(sys.argv[3])
    t0 = int.from_bytes(recs[0][0:4], end)
    for i, r in enumerate(recs):
        t = t0 + span * i / len(recs)
        sec, usec = int(t), int((t - int(t)) * 1e6)
        if data[:4] in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d'):
            usec *= 1000                    # nanosecond file
        recs[i] = sec.to_bytes(4, end) + usec.to_bytes(4, end) + r[8:]
out = sys.stdout.buffer
out.write(data[:24])
out.flush()
chunks = 40
per = max(1, len(recs) // chunks)
for i in range(0, len(recs), per):
    out.write(b''.join(recs[i:i + per]))
    out.flush()
    time.sleep(secs / chunks)
