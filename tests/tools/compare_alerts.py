#!/usr/bin/env python3
"""compare_alerts.py - compare two alert TSVs (alerts_tsv.py's format) as
multisets; the check behind the rule-engine golden tests and the corpus
comparison with Suricata.

Usage:  compare_alerts.py [--key tuple|full|flow|sid] [--only-sids FILE]
                          [--exclude-sids FILE] [-q] A.tsv B.tsv

Prints the alerts found only in A, those only in B, then the count per sid
in A and in B (differing sids marked "*"). Exit 0 when the two agree, 1 when
they differ, 2 on bad usage or unreadable input.

--key says what makes two alerts the same:
  tuple (default)  sid + src_ip src_port dest_ip dest_port proto: the same
                   rule on the same flow in the same direction; the packet
                   it fired on may differ (engines inspect a TCP stream at
                   different moments, e.g. Suricata's IDS mode only once the
                   data is ACKed)
  full             all seven columns, the packet number/time too
  flow             sid + proto + the two endpoints in either order
  sid              the sid only (counts per sid)
Each key is counted: three alerts of one sid on one flow against two is a
difference (thresholds, repeated matches).
--only-sids / --exclude-sids FILE: sids (one per line, "#" comments; a
"gid:sid" form is allowed) to keep / to drop on both sides, e.g. the rules
the engine reports as skipped.

Owned by tests/tools/ (reference tooling); no state.
"""
import collections
import sys


def load_sids(path):
    out = set()
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                out.add(line.split()[0])
    return out


def load(path):
    rows = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            cols = line.split('\t')
            if len(cols) != 7:
                raise SystemExit('compare_alerts: %s:%d: expected 7 columns, got %d'
                                 % (path, n, len(cols)))
            rows.append(tuple(cols))
    return rows


def key_of(kind, r):
    if kind == 'full':
        return r
    if kind == 'tuple':
        return r[:6]
    if kind == 'flow':
        a, b = (r[1], r[2]), (r[3], r[4])
        lo, hi = sorted([a, b])
        return (r[0], r[5]) + lo + hi
    return (r[0],)


def sid_order(s):
    g, _, n = s.rpartition(':')
    return (int(g) if g.isdigit() else 1, int(n) if n.isdigit() else 0, s)


def main(argv):
    kind, only, excl, quiet, files = 'tuple', None, set(), False, []
    it = iter(argv)
    try:
        for a in it:
            if a == '--key':
                kind = next(it)
            elif a == '--only-sids':
                only = load_sids(next(it))
            elif a == '--exclude-sids':
                excl |= load_sids(next(it))
            elif a in ('-q', '--quiet'):
                quiet = True
            elif a in ('-h', '--help'):
                print(__doc__)
                return 0
            else:
                files.append(a)
    except StopIteration:
        files = []
    except OSError as e:
        sys.stderr.write('compare_alerts: %s\n' % e)
        return 2
    if len(files) != 2 or kind not in ('tuple', 'full', 'flow', 'sid'):
        sys.stderr.write('usage: compare_alerts.py [--key tuple|full|flow|sid] '
                         '[--only-sids F] [--exclude-sids F] [-q] A.tsv B.tsv\n')
        return 2
    try:
        a_rows, b_rows = load(files[0]), load(files[1])
    except OSError as e:
        sys.stderr.write('compare_alerts: %s\n' % e)
        return 2

    def keep(r):
        return r[0] not in excl and (only is None or r[0] in only)

    a_rows = [r for r in a_rows if keep(r)]
    b_rows = [r for r in b_rows if keep(r)]
    ca = collections.Counter(key_of(kind, r) for r in a_rows)
    cb = collections.Counter(key_of(kind, r) for r in b_rows)
    only_a, only_b = ca - cb, cb - ca

    # Show whole rows (first occurrences in file order) for the extra keys.
    def extra_rows(rows, extra):
        left, out = collections.Counter(extra), []
        for r in rows:
            k = key_of(kind, r)
            if left[k] > 0:
                left[k] -= 1
                out.append(r)
        return out

    ra, rb = extra_rows(a_rows, only_a), extra_rows(b_rows, only_b)
    sa = collections.Counter(r[0] for r in a_rows)
    sb = collections.Counter(r[0] for r in b_rows)
    differ = bool(ra or rb)
    out = sys.stdout
    if not quiet or differ:
        out.write('only in %s: %d\n' % (files[0], len(ra)))
        for r in ra:
            out.write('  < ' + '\t'.join(r) + '\n')
        out.write('only in %s: %d\n' % (files[1], len(rb)))
        for r in rb:
            out.write('  > ' + '\t'.join(r) + '\n')
        out.write('per sid (A = %s, B = %s):\n' % (files[0], files[1]))
        out.write('  %-14s %7s %7s\n' % ('sid', 'A', 'B'))
        for s in sorted(set(sa) | set(sb), key=sid_order):
            out.write('%s %-14s %7d %7d\n' % ('*' if sa[s] != sb[s] else ' ', s,
                                             sa[s], sb[s]))
        out.write('%s: %d alerts in A, %d in B (key %s)\n'
                  % ('DIFFERENT' if differ else 'SAME', len(a_rows), len(b_rows),
                     kind))
    return 1 if differ else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
