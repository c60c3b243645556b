#!/usr/bin/env python3
"""live_compare.py OFFLINE.json LIVE.json - do the live run and the offline
(-r) run of the same capture give the same events, order aside?

Compared exactly: every event but `stats` (counters of a run, checked on
their own) and `asset` (which flow announces a server first depends on which
worker ends it first; the set of servers is compared instead), with the
fields that cannot match removed first:
  - timestamp, flow.start, flow.end, flow.age: packet times; live ones are
    the kernel's arrival times, not the capture file's;
  - flow_id: mixed with the flow's first packet time (flow_table.c);
  - pcap_cnt (anomaly events): the frame's number in the file offline, in
    its worker's share of the traffic live.
Everything else must be equal: 5-tuple, VLAN and tunnel, packet and byte
counts each way, state, end reason, app_proto, the nDPI protocol, category
and metadata, alert signature and severity.
Prints what differs; exit status 1 when anything does."""
import collections, json, sys

DROP_TOP = ("timestamp", "flow_id", "pcap_cnt")
DROP_FLOW = ("start", "end", "age")


def canon(ev):
    ev = dict(ev)
    for k in DROP_TOP:
        ev.pop(k, None)
    if isinstance(ev.get("flow"), dict):
        ev["flow"] = {k: v for k, v in ev["flow"].items() if k not in DROP_FLOW}
    for k in ("anomaly",):
        if isinstance(ev.get(k), dict):
            ev[k] = {a: b for a, b in ev[k].items() if a not in DROP_TOP}
    return json.dumps(ev, sort_keys=True)


def load(path):
    events, assets, types = collections.Counter(), set(), collections.Counter()
    for line in open(path):
        ev = json.loads(line)
        t = ev["event_type"]
        types[t] += 1
        if t == "stats":
            continue
        if t == "asset":
            a = ev.get("asset", {})
            assets.add((a.get("ip"), a.get("port"), a.get("proto")))
            continue
        events[canon(ev)] += 1
    return events, assets, types


off, live = load(sys.argv[1]), load(sys.argv[2])
bad = 0
only_off, only_live = off[0] - live[0], live[0] - off[0]
for what, c in (("only offline", only_off), ("only live", only_live)):
    for ev, n in sorted(c.items())[:10]:
        print(f"{what} (x{n}): {ev[:400]}")
        bad = 1
if off[1] != live[1]:
    print("asset sets differ:", sorted(off[1] ^ live[1])[:10])
    bad = 1
flows = off[2]["flow"]
if flows == 0:
    print("no flow events offline: nothing was compared")
    bad = 1
print(("DIFFER" if bad else "same") + f": {sum(off[0].values())} events ({flows} flows) offline, "
      f"{sum(live[0].values())} live; types offline {dict(off[2])}, live {dict(live[2])}")
sys.exit(bad)
