#!/usr/bin/env python3
"""kafka_compare.py [--crash] EXPECTED_FILE... -- CONSUMED_FILE [DROPPED]

Compares the events the file sink wrote (EXPECTED_FILE..., JSON lines) with
the messages an independent consumer read from Kafka (CONSUMED_FILE, one
message per line), event by event. Prints `missing N duplicated N` and exits
1 when the number missing differs from DROPPED (default 0: nothing may be
missing; with a full spool, exactly the counted drops may be).

--crash: the files were written by sensors killed with SIGKILL. A last line
cut short by the kill is not an event (ignored), and Kafka may hold events
no file has: those the sensor had put in its write-ahead spool when it was
killed before (or while) writing them to the file. They must still be
whole events (JSON objects with an event_type); they are counted as
`unwritten`, not as unknown."""
import json
import collections, sys

args = sys.argv[1:]
crash = args[0] == '--crash'
if crash:
    args = args[1:]
sep = args.index('--')
expected = collections.Counter()
for f in args[:sep]:
    for line in open(f, encoding='utf-8', errors='replace'):
        if crash and not line.endswith('\n'):
            continue                    # cut short by the kill
        if line.strip():
            expected[line.rstrip('\n')] += 1
got = collections.Counter(l.rstrip('\n') for l in open(args[sep + 1], encoding='utf-8') if l.strip())
dropped = int(args[sep + 2]) if len(args) > sep + 2 else 0
missing = sum((expected - got).values())
dups = sum((got - expected).values())
# a message that is not one of the expected events at all is an error too
unknown = sum(1 for k in got if k not in expected)
unwritten = 0
if crash:
    for k in [k for k in got if k not in expected]:
        try:
            ok = isinstance(json.loads(k), dict) and 'event_type' in json.loads(k)
        except ValueError:
            ok = False
        if ok:
            unwritten += 1
            unknown -= 1
            dups -= got[k]
print('expected %d consumed %d missing %d duplicated %d unknown %d%s' %
      (sum(expected.values()), sum(got.values()), missing, dups, unknown,
       ' unwritten %d' % unwritten if crash else ''))
sys.exit(0 if missing == dropped and unknown == 0 else 1)
