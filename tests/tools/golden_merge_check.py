#!/usr/bin/env python3
"""golden_merge_check.py BASE OURS THEIRS MERGED GOLDEN... - after a merge of
two branches that both changed the byte-compared goldens (tests/golden/*.json),
and the goldens regenerated with the merged build: is each regenerated
golden exactly what the two sides' changes add up to?

BASE, OURS, THEIRS are commits (the merge base and the two parents), MERGED a
directory holding the regenerated files (usually the work tree, "."). For
each GOLDEN path (relative to the repository):
  - the events other than `stats`, as a multiset of lines: merged must be
    ours + (theirs - base) - (base - theirs);
  - the `stats` events, flattened to key paths: a key theirs added or changed
    has theirs' value (a number both sides changed: both changes added up), a
    key theirs removed is gone, every other key has ours' value.
Prints each difference and exits 1 when there is one. Owned by tests/tools/
(an integrator's tool, no state)."""
import collections
import json
import subprocess
import sys


def show(commit, path):
    r = subprocess.run(['git', 'show', f'{commit}:{path}'], capture_output=True)
    return r.stdout.decode() if r.returncode == 0 else ''


def split(text):
    lines, stats = collections.Counter(), []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            lines[line] += 1
            continue
        if ev.get('event_type') == 'stats':
            stats.append(flat(ev))
        else:
            lines[line] += 1
    return lines, stats


def flat(obj, pre=''):
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flat(v, f'{pre}.{k}' if pre else k))
    else:
        out[pre] = json.dumps(obj)
    return out


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    base, ours, theirs, merged = sys.argv[1:5]
    bad = 0
    # stats keys each side added in goldens the base has: a golden new on one
    # side gets the other side's added keys too (values: what the run gives)
    added = {'o': set(), 't': set()}
    for path in sys.argv[5:]:
        bb = split(show(base, path))[1]
        if not bb:
            continue
        for side, c in (('o', ours), ('t', theirs)):
            for st in split(show(c, path))[1]:
                added[side] |= set(st) - set(bb[0])
    for path in sys.argv[5:]:
        b, o, t = (split(show(c, path)) for c in (base, ours, theirs))
        try:
            m = split(open(f'{merged}/{path}').read())
        except OSError:
            m = (collections.Counter(), [])
        want = o[0] + (t[0] - b[0])
        want.subtract(b[0] - t[0])
        want = +want
        if want != m[0]:
            bad += 1
            print(f'{path}: events differ from ours + theirs\' changes')
            for line in list((want - m[0]).elements())[:3]:
                print(f'  expected, missing: {line[:300]}')
            for line in list((m[0] - want).elements())[:3]:
                print(f'  present, unexpected: {line[:300]}')
        # a golden new on one side: the other side and the base have none
        extra = set()
        if not b[1] and not t[1]:
            t = (t[0], [{}] * len(o[1]))
            b = (b[0], t[1])
            extra = added['t']
        if not b[1] and not o[1]:
            o = (o[0], [{}] * len(t[1]))
            b = (b[0], o[1])
            extra = added['o']
        if not (len(o[1]) == len(t[1]) == len(m[1])):
            bad += 1
            print(f'{path}: stats events: base {len(b[1])}, ours {len(o[1])}, theirs {len(t[1])}, '
                  f'merged {len(m[1])}')
            continue
        for i, ms in enumerate(m[1]):
            bs = b[1][i] if i < len(b[1]) else {}
            os_, ts = o[1][i], t[1][i]
            exp = dict(os_)
            for k in set(bs) | set(ts):
                if k not in ts:
                    exp.pop(k, None)
                elif bs.get(k) != ts[k]:
                    exp[k] = ts[k]
                    # a counter both sides moved (events.total, ...): both moves
                    if k in bs and k in os_ and os_[k] != bs[k]:
                        try:
                            exp[k] = json.dumps(json.loads(os_[k]) + json.loads(ts[k]) - json.loads(bs[k]))
                        except TypeError:
                            pass
            for k in extra & set(ms):
                exp.setdefault(k, ms[k])
            if exp != ms:
                diff = sorted(k for k in set(exp) | set(ms) if exp.get(k) != ms.get(k))
                # counters that several sides legitimately move (events.*) are
                # reported together
                bad += 1
                print(f'{path}: stats event {i}: {len(diff)} keys differ: ' +
                      ', '.join(f'{k}={ms.get(k)} (expected {exp.get(k)})' for k in diff[:8]))
    print(f'golden_merge_check: {len(sys.argv) - 5} files, {bad} differences')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
