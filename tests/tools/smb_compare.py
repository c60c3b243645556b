#!/usr/bin/env python3
"""smb_compare.py - taishi's smb and dcerpc events against Suricata 7.0.10's.

    python3 tests/tools/smb_compare.py [-v] [--midstream] [--known FILE] TAISHI FILE.pcap...

For each capture, runs `TAISHI -r FILE -w 1 --events smb,dcerpc` and
`suricata -r FILE --runmode single -k none` (the shipped suricata.yaml;
--midstream adds `--set stream.midstream=true` (to both tools), for captures that start
after the handshake, as the shared real ones do) and pairs the events:
per flow (5-tuple), smb events by their "id" (both number a flow's
transactions in the order they are made), dcerpc events by call_id and
request type. For each pair the protocol object must be equal; every
difference is printed as `file: event: field: suricata=... taishi=...`.

--known FILE: lines `pcap<TAB>field<TAB>reason` of differences that are
explained (README, "smb"); they are counted apart and do not fail.

Exit status 1 when an event is missing on one side or a field differs
without an explanation. Prints per capture: pairs, fields equal, fields
different (known), events only in Suricata, only in taishi.
"""
import json
import os
import subprocess
import sys
import tempfile


def events(lines):
    out = []
    for l in lines:
        try:
            e = json.loads(l)
        except ValueError:
            continue
        if e.get("event_type") in ("smb", "dcerpc"):
            out.append(e)
    return out


def key(e):
    t = e["event_type"]
    flow = (e.get("src_ip"), e.get("src_port"), e.get("dest_ip"), e.get("dest_port"))
    o = e[t]
    if t == "smb":
        return (t, flow, o.get("id"))
    return (t, flow, o.get("call_id"), o.get("request"))


def flat(o, pre=""):
    r = {}
    if isinstance(o, dict):
        for k, v in o.items():
            r.update(flat(v, pre + "." + k if pre else k))
    elif isinstance(o, list):
        r[pre] = json.dumps(o, sort_keys=True)
    else:
        r[pre] = o
    return r


def run_suricata(pcap, midstream):
    d = tempfile.mkdtemp(prefix="smbcmp-")
    cmd = ["nice", "-n", "5", "suricata", "-r", pcap, "-l", d, "-k", "none", "--runmode", "single"]
    if midstream:
        cmd += ["--set", "stream.midstream=true"]
    subprocess.run(cmd, capture_output=True)
    with open(os.path.join(d, "eve.json")) as f:
        ev = events(f)
    subprocess.run(["rm", "-rf", d])
    return ev


def main(argv):
    verbose = "-v" in argv
    midstream = "--midstream" in argv
    known = set()
    args = [a for a in argv if a not in ("-v", "--midstream")]
    if "--known" in args:
        i = args.index("--known")
        with open(args[i + 1]) as f:
            for l in f:
                p = l.rstrip("\n").split("\t")
                if len(p) >= 2 and not l.startswith("#"):
                    known.add((p[0], p[1]))
        del args[i:i + 2]
    tool, pcaps = args[0], args[1:]
    bad = 0
    for pcap in pcaps:
        name = os.path.basename(pcap)
        mid = ["--set", "stream.midstream=true"] if midstream else []   # the same on both sides
        ours = events(subprocess.run([tool, "-r", pcap, "-w", "1", "--events", "smb,dcerpc"] + mid,
                                     capture_output=True, text=True).stdout.splitlines())
        ref = run_suricata(pcap, midstream)
        a = {key(e): e for e in ref}
        b = {key(e): e for e in ours}
        same = diff = kdiff = 0
        for k in sorted(set(a) & set(b), key=str):
            t = k[0]
            fa, fb = flat(a[k][t]), flat(b[k][t])
            for f in sorted(set(fa) | set(fb)):
                if fa.get(f) == fb.get(f):
                    same += 1
                    continue
                if (name, t + "." + f) in known:
                    kdiff += 1
                    if verbose:
                        print("%s: %s: %s: suricata=%r taishi=%r (known)" % (name, k, f, fa.get(f), fb.get(f)))
                    continue
                diff += 1
                print("%s: %s: %s: suricata=%r taishi=%r" % (name, k, f, fa.get(f), fb.get(f)))
        only_s = sorted(set(a) - set(b), key=str)
        only_t = sorted(set(b) - set(a), key=str)
        for k in only_s:
            print("%s: only in suricata: %s" % (name, json.dumps(a[k][k[0]])[:300]))
        for k in only_t:
            print("%s: only in taishi: %s" % (name, json.dumps(b[k][k[0]])[:300]))
        print("%s: %d pairs, %d fields equal, %d differ, %d differ (known), "
              "%d only in suricata, %d only in taishi" %
              (name, len(set(a) & set(b)), same, diff, kdiff, len(only_s), len(only_t)))
        bad += diff + len(only_s) + len(only_t)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
