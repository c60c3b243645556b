#!/usr/bin/env python3
"""eve_app_compare.py - one app-layer event type of taishi against Suricata.

    python3 tests/tools/eve_app_compare.py [-v] [--ignore PATH]... [--only-proto P] [--extra N]
        [--sort PATH]... [--drop-empty PATH]... TYPE OURS.json SURICATA.json

Takes the events of event_type TYPE from both files, groups them by flow
(protocol and the two endpoints, either order) and compares, per flow, the
multisets of protocol objects (the event's TYPE member). --ignore a.b.c
drops that member from both sides first (a known, listed difference);
--only-proto UDP keeps only the flows of that transport on both sides (one
Suricata does not parse, e.g. SIP over TCP in 7.0.10); --extra N: exactly
N objects only taishi writes are expected (a listed difference: NFS over
UDP, where Suricata logs nothing of what is still open when the flow ends);
more, fewer, or any only Suricata writes, fail. --sort a.b sorts the
list at that member on both sides (a list Suricata writes in no fixed order,
e.g. an IKEv1 ike.payload, which comes from a Rust hash set). --drop-empty
a.b drops that member when it is an empty list (Suricata writes "payload": []
where its own EVE schema wants an item; taishi leaves the member out).
Prints "TYPE: N equal, A only taishi, B only suricata" and, with -v, each
unmatched object; exits 1 when any object is unmatched.
"""
import collections
import json
import sys


def flow_key(e):
    a = (e.get('src_ip'), e.get('src_port'))
    b = (e.get('dest_ip'), e.get('dest_port'))
    return (e.get('proto'),) + tuple(sorted([a, b], key=str))


def drop(obj, path):
    if not path:
        return
    if isinstance(obj, list):
        for o in obj:
            drop(o, path)
        return
    if not isinstance(obj, dict):
        return
    if len(path) == 1:
        obj.pop(path[0], None)
        return
    if path[0] == '*':
        for v in obj.values():
            drop(v, path[1:])
    elif path[0] in obj:
        drop(obj[path[0]], path[1:])


def sort_at(obj, path):
    if isinstance(obj, list) and path:
        for o in obj:
            sort_at(o, path)
        return
    if not isinstance(obj, dict) or not path:
        return
    if len(path) == 1:
        if isinstance(obj.get(path[0]), list):
            obj[path[0]] = sorted(obj[path[0]], key=lambda x: json.dumps(x, sort_keys=True))
        return
    if path[0] in obj:
        sort_at(obj[path[0]], path[1:])


def drop_empty(obj, path):
    if isinstance(obj, dict) and len(path) == 1:
        if obj.get(path[0]) == []:
            del obj[path[0]]
    elif isinstance(obj, dict) and path and path[0] in obj:
        drop_empty(obj[path[0]], path[1:])


def load(fn, typ, ignores, only_proto=None, sorts=(), empties=()):
    out = collections.defaultdict(collections.Counter)
    with open(fn) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            e = json.loads(line)
            if e.get('event_type') != typ:
                continue
            if only_proto and e.get('proto') != only_proto:
                continue
            o = e.get(typ)
            for p in ignores:
                drop(o, p.split('.'))
            for p in sorts:
                sort_at(o, p.split('.'))
            for p in empties:
                drop_empty(o, p.split('.'))
            out[flow_key(e)][json.dumps(o, sort_keys=True)] += 1
    return out


def main(argv):
    verbose = False
    ignores = []
    only_proto = None
    extra = 0
    sorts = []
    empties = []
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == '-v':
            verbose = True
        elif argv[i] == '--ignore':
            i += 1
            ignores.append(argv[i])
        elif argv[i] == '--sort':
            i += 1
            sorts.append(argv[i])
        elif argv[i] == '--drop-empty':
            i += 1
            empties.append(argv[i])
        elif argv[i] == '--only-proto':
            i += 1
            only_proto = argv[i]
        elif argv[i] == '--extra':
            i += 1
            extra = int(argv[i])
        else:
            args.append(argv[i])
        i += 1
    typ, ours_fn, sur_fn = args
    ours, sur = (load(ours_fn, typ, ignores, only_proto, sorts, empties),
                 load(sur_fn, typ, ignores, only_proto, sorts, empties))
    eq = only_o = only_s = 0
    for k in sorted(set(ours) | set(sur), key=str):
        o, s = ours.get(k, collections.Counter()), sur.get(k, collections.Counter())
        both = o & s
        eq += sum(both.values())
        for v, n in (o - s).items():
            only_o += n
            if verbose:
                print('  only taishi   %s %s' % (k, v))
        for v, n in (s - o).items():
            only_s += n
            if verbose:
                print('  only suricata %s %s' % (k, v))
    print('%s: %d equal, %d only taishi, %d only suricata' % (typ, eq, only_o, only_s))
    return 1 if only_o != extra or only_s else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
