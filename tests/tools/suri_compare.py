#!/usr/bin/env python3
"""suri_compare.py - one app-layer event type of taishi against Suricata 7.0.10.

    python3 tests/tools/suri_compare.py [-v] BUILD/taishi TYPE FILE.pcap...

For each capture, runs `taishi -r FILE -w 1 --events TYPE` and Suricata
(`suricata -r FILE -k none --runmode single`, the shipped suricata.yaml)
and compares the TYPE objects of the events (with the "rpc" object beside them
for nfs) flow by flow (a flow is its
address/port pair, either orientation): as multisets of whole objects
(canonical JSON). Prints, per capture, how many objects are equal, which
only Suricata wrote (missed) and which only taishi wrote (extra); -v prints
the objects that differ. Exit 1 when any differs.

The event headers are not compared: taishi writes every app event in the
flow's orientation, Suricata some of them in the packet's (SNMP responses).
"""
import collections
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile


def ip(a):
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a


def key(e):
    a = (ip(e.get("src_ip")), e.get("src_port"))
    b = (ip(e.get("dest_ip")), e.get("dest_port"))
    return (e.get("proto"),) + tuple(sorted([a, b], key=str))


def objs(lines, etype):
    out = collections.defaultdict(collections.Counter)
    for line in lines:
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("event_type") == etype and etype in e:
            o = e[etype] if "rpc" not in e else {etype: e[etype], "rpc": e["rpc"]}
            out[key(e)][json.dumps(o, sort_keys=True)] += 1
    return out


def main(argv):
    verbose = argv[:1] == ["-v"]
    if verbose:
        argv = argv[1:]
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    taishi, etype, pcaps = argv[0], argv[1], argv[2:]
    bad = 0
    for pcap in pcaps:
        t = subprocess.run([taishi, "-r", pcap, "-w", "1", "--events", etype],
                           capture_output=True, text=True, errors="replace").stdout.splitlines()
        d = tempfile.mkdtemp()
        try:
            subprocess.run(["suricata", "-r", pcap, "-l", d, "-k", "none", "--runmode", "single"],
                           capture_output=True)
            with open(os.path.join(d, "eve.json"), errors="replace") as f:
                s = f.read().splitlines()
        finally:
            shutil.rmtree(d)
        ours, ref = objs(t, etype), objs(s, etype)
        same = missed = extra = 0
        for k in set(ours) | set(ref):
            o, r = ours.get(k, collections.Counter()), ref.get(k, collections.Counter())
            same += sum((o & r).values())
            for v, n in (r - o).items():
                missed += n
                if verbose:
                    print("  only suricata %s: %s" % (k, v))
            for v, n in (o - r).items():
                extra += n
                if verbose:
                    print("  only taishi   %s: %s" % (k, v))
        print("%s %s: %d equal, %d only suricata, %d only taishi" %
              (os.path.basename(pcap), etype, same, missed, extra))
        bad |= missed or extra
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
