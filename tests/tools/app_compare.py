#!/usr/bin/env python3
"""app_compare.py - the app-layer parsers against tshark on real captures.

    python3 tests/tools/app_compare.py [-v] BUILD/app-replay FILE.pcap...

For each capture, runs the replay driver (tests/tools/app_replay.c) and
`tshark -T fields -e http.host -e http.request.uri -e dns.qry.name
-e tls.handshake.extensions_server_name` and compares, per field, the
multisets of values: "matched" values are those both found (as many times
as both found them), "missed" those only tshark found, "extra" those only
we found. tshark's packets are counted only on the ports the driver picks a
parser for (the comparison is of the parsers, not of port guessing).
"""
import collections
import re
import subprocess
import sys

PORTS = {"http": {80, 8080, 8000, 3128}, "tls": {443, 8443}, "dns": {53, 5353}}
FIELDS = [("http.host", "http"), ("http.uri", "http"), ("dns.query", "dns"), ("tls.sni", "tls")]


def ours_unescape(v):
    """app_replay prints control bytes and backslashes as \\xNN."""
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), v)


def tshark_unescape(v):
    """tshark -T fields escapes backslashes and quotes with a backslash."""
    return re.sub(r"\\([\\\"])", r"\1", v)


def ours(tool, pcap):
    out = subprocess.run([tool, pcap], capture_output=True, text=True, errors="replace").stdout
    c = {f: collections.Counter() for f, _ in FIELDS}
    for line in out.splitlines():
        k, _, v = line.partition("\t")
        if k in c:
            c[k][ours_unescape(v)] += 1
    return c


def theirs(pcap):
    cmd = ["tshark", "-r", pcap, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=\x1f", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport",
           "-e", "udp.dstport", "-e", "http.host", "-e", "http.request.uri", "-e", "dns.qry.name",
           "-e", "tls.handshake.extensions_server_name"]
    out = subprocess.run(cmd, capture_output=True, text=True, errors="replace").stdout
    c = {f: collections.Counter() for f, _ in FIELDS}
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (8 - len(cols))
        tcp, udp = set(), set()
        for i, p in enumerate(cols[:4]):
            for x in p.split("\x1f"):
                if x.isdigit():
                    (tcp if i < 2 else udp).add(int(x))
        for (f, proto), val in zip(FIELDS, cols[4:8]):
            ports = tcp | udp if proto == "dns" else tcp    # no QUIC for tls.sni
            if not val or not (ports & PORTS[proto]):
                continue
            for v in val.split("\x1f"):
                if f == "dns.query" and v == "<Root>":
                    v = ""
                c[f][tshark_unescape(v)] += 1
    return c


def main():
    args = sys.argv[1:]
    verbose = args and args[0] == "-v"
    if verbose:
        args = args[1:]
    tool, pcaps = args[0], args[1:]
    total = {f: [0, 0, 0] for f, _ in FIELDS}
    for pcap in pcaps:
        a, b = ours(tool, pcap), theirs(pcap)
        row = []
        for f, _ in FIELDS:
            m = sum((a[f] & b[f]).values())
            missed = sum((b[f] - a[f]).values())
            extra = sum((a[f] - b[f]).values())
            t = total[f]
            t[0] += m; t[1] += missed; t[2] += extra
            if m or missed or extra:
                row.append("%s %d/%d (+%d)" % (f, m, m + missed, extra))
                if verbose and (missed or extra):
                    for v, n in list((b[f] - a[f]).items())[:5]:
                        print("    missed %s %r x%d" % (f, v, n))
                    for v, n in list((a[f] - b[f]).items())[:5]:
                        print("    extra  %s %r x%d" % (f, v, n))
        if row:
            print("%-34s %s" % (pcap.rsplit("/", 1)[-1], "; ".join(row)))
    print("TOTAL (matched/tshark, +extra):")
    for f, _ in FIELDS:
        m, missed, extra = total[f]
        pct = 100.0 * m / (m + missed) if m + missed else 100.0
        print("  %-10s %6d/%-6d %6.2f%%  +%d" % (f, m, m + missed, pct, extra))


if __name__ == "__main__":
    main()
