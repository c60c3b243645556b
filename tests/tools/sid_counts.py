#!/usr/bin/env python3
"""sid_counts.py EVE.json [--key sid|port] [--rules FILE] - the alert count
per signature id of an EVE file (Suricata's or taishi's), one "SID COUNT"
line per sid, sorted; with --rules, every sid of the rule file is listed,
0 when it did not alert; with --key port, per (client port, sid): "PORT SID
COUNT" (the client port is the higher of the two ports). Other event types
are ignored.
Owned by tests/tools/ (the differential harness, tests/parity.sh)."""
import collections
import json
import re
import sys


def counts(path, key='sid'):
    c = collections.Counter()
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            e = json.loads(line)
            if e.get('event_type') != 'alert':
                continue
            sid = e['alert']['signature_id']
            if key == 'port':
                c[(max(e.get('src_port', 0), e.get('dest_port', 0)), sid)] += 1
            else:
                c[(sid,)] += 1
    return c


def rule_sids(path):
    sids = set()
    with open(path) as f:
        for line in f:
            m = re.search(r'[(;]\s*sid\s*:\s*(\d+)', line)
            if m and not line.lstrip().startswith('#'):
                sids.add(int(m.group(1)))
    return sids


if __name__ == '__main__':
    args = sys.argv[1:]
    key = 'port' if '--key' in args and args[args.index('--key') + 1] == 'port' else 'sid'
    c = counts(args[0], key)
    if '--rules' in args:
        for sid in rule_sids(args[args.index('--rules') + 1]):
            c.setdefault((sid,), 0)
    for k, n in sorted(c.items()):
        print(' '.join(str(x) for x in k), n)
