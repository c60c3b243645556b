#!/usr/bin/env python3
"""make_seeds.py - writes the seed corpora of the fuzz targets.

    python3 tests/fuzz/make_seeds.py [OUT_DIR]     (default tests/fuzz/corpus)

decode    one seed per frame of the captures in pcaps/ (every frame of the
          fragment and malformed captures, a few of each other capture):
          flags byte (link type index | 0x10 when the frame was cut by the
          snaplen) + the frame. See fuzz_decode.c.
pipeline  multi-frame seeds: flags byte (link type index, 0x80 = small
          memcap), then per frame a 2-byte header (length | time step << 12
          | 0x4000 when cut) and the frame; a capture longer than 4096 bytes
          is cut into several seeds. See fuzz_pipeline.c.
config    YAML documents, valid and not.
json      programs for fuzz_json.c's operation language.

Only the project's own captures (pcaps/, written by tests/tools/gen_pcaps.py)
are read. Every file written is named seed-*; other files in the corpus
directories (minimized crashers, regression inputs) are left alone. Two runs
write the same bytes.
"""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PCAPS = os.path.join(ROOT, "pcaps")
MAX_INPUT = 4096            # the -max_len the targets are run with

# Same order as fuzz_links[] in fuzz_helpers.h.
LINKS = [1, 0, 108, 12, 104, 9, 113, 276, 228, 229, 14, 50, 101]
# File link types (LINKTYPE_*) as pcap_datalink() reports them (DLT_*).
LINKTYPE_TO_DLT = {101: 12, 50: 50}


def link_index(linktype):
    return LINKS.index(LINKTYPE_TO_DLT.get(linktype, linktype))


def read_capture(path):
    """Returns (linktype, [(ts_ns, caplen, wirelen, frame)]) of a pcap or pcapng file."""
    data = open(path, "rb").read()
    if len(data) < 24:
        raise ValueError("too short")
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(data)
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("not a capture")
    nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0fffffff
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            break                       # cut short (corrupt-truncated.pcap)
        ts = sec * 1000000000 + (frac if nsec else frac * 1000)
        frames.append((ts, caplen, wirelen, data[off:off + caplen]))
        off += caplen
    return linktype, frames


def read_pcapng(data):
    off, e, linktype, frames = 0, "<", None, []
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        body = data[off + 8:off + blen - 4]
        if btype == 1 and linktype is None:
            linktype = struct.unpack(e + "H", body[:2])[0]
        elif btype == 6:
            _, hi, lo, caplen, wirelen = struct.unpack(e + "IIIII", body[:20])
            ts = ((hi << 32) | lo) * 1000          # default resolution: microseconds
            frames.append((ts, caplen, wirelen, body[20:20 + caplen]))
        if blen < 12:
            break
        off += blen
    return linktype, frames


def captures():
    for name in sorted(os.listdir(PCAPS)):
        if not (name.endswith(".pcap") or name.endswith(".pcapng")) or name.startswith("corrupt-"):
            continue
        yield name, read_capture(os.path.join(PCAPS, name))


def stem(name):
    return name.rsplit(".", 1)[0]


def decode_seeds():
    seeds = {}
    for name, (linktype, frames) in captures():
        every = name.startswith(("malformed", "ipv4-frag", "ipv6-frag"))
        picked = frames if every else frames[:2] + frames[2::max(1, len(frames) // 4)][:4]
        if name.startswith("many-flows"):
            picked = frames[:2] + frames[-2:]
        seen = set()
        for i, (_, caplen, wirelen, frame) in enumerate(picked):
            flags = link_index(linktype) | (0x10 if caplen < wirelen else 0)
            body = bytes([flags]) + frame[:MAX_INPUT - 1]
            if body in seen:
                continue
            seen.add(body)
            seeds["seed-%s-%03d" % (stem(name), i)] = body
    return seeds


def time_step(delta_ns):
    if delta_ns < 500000000:
        return 0
    if delta_ns < 30 * 1000000000:
        return 1
    if delta_ns < 300 * 1000000000:
        return 2
    return 3


def pipeline_seeds():
    seeds = {}
    for name, (linktype, frames) in captures():
        if name.startswith("fmt-") or name.startswith("ipv4-options"):
            continue                     # same frames as other captures
        small = 0x80 if name.startswith("many-flows") else 0
        if name.startswith("many-flows"):
            frames = frames[:48] + frames[2000:2016]
        chunks, cur, prev = [], bytearray([link_index(linktype) | small]), None
        for ts, caplen, wirelen, frame in frames:
            frame = frame[:0x0fff]
            step = 0 if prev is None else time_step(ts - prev)
            prev = ts
            hdr = len(frame) | step << 12 | (0x4000 if caplen < wirelen else 0)
            rec = struct.pack(">H", hdr) + frame
            if len(cur) + len(rec) > MAX_INPUT and len(cur) > 1:
                chunks.append(bytes(cur))
                cur = bytearray([link_index(linktype) | small])
            cur += rec
        if len(cur) > 1:
            chunks.append(bytes(cur))
        for i, c in enumerate(chunks[:4]):
            seeds["seed-%s-%d" % (stem(name), i)] = c
    return seeds


CONFIG_SEEDS = {
    "seed-empty.yaml": "",
    "seed-doc-only.yaml": "---\n",
    "seed-full.yaml": """\
# every key
sensor-id: "sensor-1"
workers: 4
log:
  level: info
outputs:
  file:
    path: "/var/log/taishi/eve.json"
  events: [alert, flow, anomaly, stats, dns, tls, http, asset, risk]
flow:
  memcap: 256mb
  hash-size: 131072
  active-timeout: 30m
  timeouts:
    tcp:
      new: 60
      established: 1h
      closed: 30s
    udp:
      new: 30
      established: 300
    icmp:
      new: 30
      established: 300
    default:
      new: 30
      established: 300
dpi:
  tcp-max-packets: 80
  udp-max-packets: 24
  guess: yes
defrag:
  max-trackers: 1024
  timeout: 60
  max-fragments: 256
decoder:
  vxlan:
    port: 4789
  teredo:
    port: 3544
  gtpu:
    port: 2152
""",
    "seed-flow-style.yaml": "{flow: {memcap: 1gb, timeouts: {udp: {new: 5m}}}, "
                            "outputs: {events: [flow, anomaly]}, dpi: {guess: off}}\n",
    "seed-lists.yaml": "outputs:\n  events:\n    - flow\n    - dns\n    - all\n",
    "seed-list-inline.yaml": "outputs:\n  events: flow, dns ,alert\n",
    "seed-quoted.yaml": "sensor-id: \"a \\\"quoted\\\" \\\\ name \\u00e9\\u4e2d\"\n"
                        "outputs:\n  file:\n    path: 'it''s here'\n",
    "seed-block-scalar.yaml": "sensor-id: >-\n  folded\n  text\n",
    "seed-kafka.yaml": "outputs:\n  kafka:\n    brokers: \"k1:9092,k2:9092\"\n"
                       "    topics:\n      flows: \"t.flows\"\n    compression: zstd\n"
                       "    properties:\n      \"queue.buffering.max.ms\": \"5\"\n",
    "seed-err-unknown.yaml": "flow:\n  memcapp: 1mb\n",
    "seed-err-value.yaml": "flow:\n  memcap: lots\nworkers: -1\n",
    "seed-err-alias.yaml": "a: &x {b: 1}\nc: *x\n",
    "seed-err-two-docs.yaml": "workers: 1\n---\nworkers: 2\n",
    "seed-err-deep.yaml": "".join("%s%s:\n" % ("  " * i, "k%d" % i) for i in range(18))
                          + "  " * 18 + "v: 1\n",
    "seed-err-list-key.yaml": "? [a, b]\n: 1\n",
    "seed-err-syntax.yaml": "flow: {memcap: [1, 2\n",
    "seed-err-toplevel.yaml": "- workers\n- 4\n",
    "seed-err-ctrl.yaml": "sensor-id: \"tab\\there\"\n",
}

KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."


class Prog:
    """Writes programs for fuzz_json.c (see the op table there)."""

    def __init__(self, cap):
        self.b = bytearray(struct.pack(">H", cap))

    def _key(self, k):
        self.b += bytes([len(k)]) + bytes(KEY_CHARS.index(c) for c in k)

    def _bytes(self, s):
        self.b += bytes([len(s)]) + s

    # members (a key is due)
    def key(self, k): self.b.append(0); self._key(k); return self
    def kstr(self, k, s): self.b.append(1); self._key(k); self._bytes(s); return self
    def ku64(self, k, v): self.b.append(2); self._key(k); self.b += struct.pack(">Q", v); return self
    def kobj(self, k): self.b.append(3); self._key(k); return self
    def karr(self, k): self.b.append(4); self._key(k); return self
    def ktime(self, k, ns): self.b.append(5); self._key(k); self.b += struct.pack(">Q", ns); return self
    def close(self): self.b.append(6); return self
    def misuse(self, extra_close, flush=False):
        """Ends the event the wrong way (the writer must refuse it)."""
        self.b += bytes([7, 1 if extra_close else 0, 1 if flush else 0])
        return self

    # values (after key() or in an array)
    def str(self, s): self.b.append(0); self._bytes(s); return self
    def strn(self, s): self.b.append(1); self._bytes(s); return self
    def u64(self, v): self.b.append(2); self.b += struct.pack(">Q", v); return self
    def i64(self, v): self.b.append(3); self.b += struct.pack(">q", v); return self
    def bool(self, v): self.b += bytes([4, 1 if v else 0]); return self
    def ip(self, ver, a): self.b += bytes([5, 1 if ver == 6 else 0]) + a.ljust(16, b"\0"); return self
    def obj(self): self.b.append(6); return self
    def arr(self): self.b.append(7); return self
    def arr_end(self): self.b.append(8); return self
    def small(self, v): self.b += bytes([9, v]); return self

    def end(self, flush=False):
        self.b.append(6)                 # close at the top level ends the event
        self.b.append(1 if flush else 0)
        return self


def json_seeds():
    ns = 1704067201123456789
    seeds = {}
    p = Prog(2000)
    (p.ktime("timestamp", ns).ku64("flow_id", 123456789).kstr("event_type", b"flow")
     .key("src_ip").ip(4, bytes([192, 168, 1, 10])).key("dest_ip")
     .ip(6, bytes.fromhex("20010db8000100000000000000000053"))
     .kobj("flow").ku64("pkts_toserver", 3).key("age").i64(-5).close()
     .karr("risks").str(b"a").small(7).bool(True).arr().arr_end().arr_end()
     .end())
    seeds["seed-flow-event"] = bytes(p.b)
    p = Prog(1024)
    (p.kstr("s", b"quote\" backslash\\ nl\n cr\r tab\t nul").key("n")
     .strn(b"a\x00b\x01\x1f\x7f").key("u").strn("é中😀".encode())
     .key("bad").strn(b"\xff\xfe\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82")
     .end())
    seeds["seed-escapes"] = bytes(p.b)
    p = Prog(600)
    for i in range(15):
        p.kobj("d")
    p.ku64("x", 1)
    for i in range(15):
        p.close()
    p.end()
    seeds["seed-deep-15"] = bytes(p.b)
    p = Prog(600)
    for i in range(16):
        p.kobj("d")
    seeds["seed-too-deep"] = bytes(p.b)
    p = Prog(40)
    p.kstr("key", b"a long value that does not fit in forty bytes").end()
    p.ku64("a", 1).end()
    seeds["seed-overflow-then-fit"] = bytes(p.b)
    p = Prog(300)
    p.kobj("o").ku64("a", 1).misuse(False)
    p.ku64("b", 2).misuse(True)
    p.ku64("c", 3).end(flush=True)
    p.ku64("d", 4).end()
    seeds["seed-misuse"] = bytes(p.b)
    p = Prog(64)
    for i in range(6):
        p.ku64("k", i).end(flush=i % 3 == 2)
    seeds["seed-many-events"] = bytes(p.b)
    p = Prog(512)
    p.karr("a").u64(2 ** 64 - 1).i64(-2 ** 63).i64(2 ** 63 - 1).obj().ku64("z", 0).close()
    p.arr().arr().arr_end().arr_end().arr_end().ktime("t", 2 ** 64 - 1).end()
    seeds["seed-numbers"] = bytes(p.b)
    return seeds


def write(outdir, target, seeds):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("seed-"):
            os.unlink(os.path.join(d, f))
    for name, body in sorted(seeds.items()):
        if isinstance(body, str):
            body = body.encode()
        with open(os.path.join(d, name), "wb") as f:
            f.write(body)
    print("%s: %d seeds, %d bytes" % (target, len(seeds), sum(len(b) for b in seeds.values())))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fuzz", "corpus")
    write(outdir, "decode", decode_seeds())
    write(outdir, "pipeline", pipeline_seeds())
    write(outdir, "config", CONFIG_SEEDS)
    write(outdir, "json", json_seeds())


if __name__ == "__main__":
    main()
