#!/usr/bin/env python3
"""check_layers.py BUILD_DIR - the house rule of src/'s stage folders.

Every stage folder of src/ (and its interface folder include/taishi/<stage>/)
has a rank, below. A file may use only its own folder and folders of lower
rank; folders of equal rank never use each other. "Use" is checked twice:

  1. includes: every #include "..." of src/ and include/taishi/ (an
     internal header, "x_internal.h", only from its own folder);
  2. link-level calls: the undefined symbols of each object file in
     BUILD_DIR/obj/<stage>/ (nm), resolved to the object that defines them.

It also fails on any cycle of link-level calls between files (a strongly
connected component of the file graph) except inside decode/, where the
recursive descent through tunnels is the right shape, and on a README whose
rank table disagrees with the one here.

Exit 0 when all holds; 1 with one line per break. `--selftest` checks the
checker on small made-up graphs. Standard library only.
"""
import collections
import os
import re
import subprocess
import sys

# The ranks (README "Source code layout" repeats this table; the check keeps
# them equal). Lower ranks know nothing of higher ones.
RANKS = {
    'core': 0,      # util, log, pools, ring, hashes, JSON writer, CIDR sets
    'app': 1,       # app-layer parsers, their registry, the inspection buffers
    'config': 2,    # the configuration keys, YAML, --set (event types from app/)
    'rules': 2,     # the rule language (protocol names from app/)
    'decode': 3,    # link layers to L4, tunnels, defrag; struct packet
    'output': 3,    # sinks: file, Kafka, spool
    'dpi': 4,       # nDPI glue
    'flow': 5,      # flow table, TCP reassembly, Community ID
    'detect': 5,    # Hyperscan databases and matching
    'enrich': 6,    # GeoIP, assets, intel, the policies' verdicts on a flow
    'event': 7,     # the event builders
    'pipeline': 8,  # the worker, its layer-7 path, stats
    'capture': 9,   # the reader thread, live capture
    'control': 10,  # main, start-up, reload, service
}
# Folders whose files may call each other in a cycle.
CYCLES_ALLOWED = {'decode'}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def stage_of_path(path):
    parts = path.split('/')
    if parts[0] == 'src' and len(parts) == 3:
        return parts[1]
    if parts[:2] == ['include', 'taishi'] and len(parts) == 4:
        return parts[2]
    return None


def check_includes(files, read):
    """files: paths under src/ and include/taishi/; read(path) -> text."""
    errs = []
    known = set(files)
    for path in sorted(files):
        st = stage_of_path(path)
        if st is None or st not in RANKS:
            errs.append(f'{path}: not in a stage folder (src/<stage>/, include/taishi/<stage>/)')
            continue
        for inc in INCLUDE_RE.findall(read(path)):
            if inc.startswith('taishi/'):
                parts = inc.split('/')
                if len(parts) != 3 or parts[1] not in RANKS:
                    errs.append(f'{path}: includes "{inc}", not a stage header')
                    continue
                st2 = parts[1]
                where = f'include/{inc}'
                if where not in known:
                    errs.append(f'{path}: includes "{inc}", which does not exist')
                    continue
            else:
                here = os.path.normpath(os.path.join(os.path.dirname(path), inc))
                if '/' in inc or here not in known:
                    errs.append(f'{path}: includes "{inc}": an internal header is included '
                                'by its bare name from its own folder only')
                    continue
                st2 = st
            if st2 != st and RANKS[st2] >= RANKS[st]:
                errs.append(f'{path}: includes "{inc}" ({st2}, rank {RANKS[st2]}) '
                            f'from {st} (rank {RANKS[st]})')
    return errs


def link_graph(objs):
    """objs: {file: path of .o} -> {file: {file2: [symbols]}} via nm."""
    defs, undef = {}, collections.defaultdict(set)
    for f, o in objs.items():
        out = subprocess.run(['nm', o], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in 'TDBRGSCV':
                defs[p[2]] = f
            elif len(p) == 2 and p[0] == 'U':
                undef[f].add(p[1])
    g = collections.defaultdict(lambda: collections.defaultdict(list))
    for f, syms in undef.items():
        for s in sorted(syms):
            t = defs.get(s)
            if t is not None and t != f:
                g[f][t].append(s)
    return g


def sccs(nodes, g):
    """Tarjan's strongly connected components (iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(g.get(root, {}))))]
        index[root] = low[root] = counter[0]; counter[0] += 1
        stack.append(root); on.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]; counter[0] += 1
                    stack.append(nxt); on.add(nxt)
                    work.append((nxt, iter(sorted(g.get(nxt, {})))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop(); on.discard(w); comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def check_links(g, nodes):
    """g: {file: {file2: [symbols]}} with file = "src/<stage>/x.c"."""
    errs = []
    for f in sorted(g):
        st = stage_of_path(f)
        for t, syms in sorted(g[f].items()):
            st2 = stage_of_path(t)
            if st in RANKS and st2 in RANKS and st2 != st and RANKS[st2] >= RANKS[st]:
                errs.append(f'{f}: calls {t} ({st2}, rank {RANKS[st2]}) from {st} '
                            f'(rank {RANKS[st]}): {", ".join(syms[:4])}')
    for comp in sccs(nodes, g):
        if len(comp) < 2:
            continue
        if all(stage_of_path(f) in CYCLES_ALLOWED for f in comp):
            continue
        edges = [f'{f} -> {t} ({g[f][t][0]})' for f in comp for t in comp if t in g.get(f, {})]
        errs.append('call cycle between ' + ', '.join(comp) + ': ' + '; '.join(edges))
    return errs


def check_readme(text):
    """The README's table rows "| N | `stage/` | ..." must match RANKS."""
    got = {m.group(2): int(m.group(1))
           for m in re.finditer(r'^\|\s*(\d+)\s*\|\s*`([a-z]+)/`', text, re.M)}
    if got != RANKS:
        return [f'README.md: the rank table says {sorted(got.items())}, '
                f'tests/tools/check_layers.py says {sorted(RANKS.items())}']
    return []


def selftest():
    bad = 0
    files = {
        'src/core/util.c': '#include "taishi/core/util.h"\n',
        'include/taishi/core/util.h': '',
        'src/app/app.c': '#include "taishi/core/util.h"\n#include "app_internal.h"\n',
        'src/app/app_internal.h': '',
        'include/taishi/app/app.h': '',
        'src/flow/flow.c': '#include "taishi/app/app.h"\n',
    }
    bad += check_includes(files, files.get) != []
    for line, inc in (('up', '#include "taishi/flow/x.h"\n'), ('peer', '#include "taishi/enrich/x.h"\n'),
                      ('internal', '#include "app/app_internal.h"\n'), ('missing', '#include "taishi/core/no.h"\n')):
        f2 = dict(files, **{'include/taishi/flow/x.h': '', 'include/taishi/enrich/x.h': '',
                            'src/app/bad.c': inc})
        if len(check_includes(f2, f2.get)) != 1:
            print(f'check_layers selftest: include rule "{line}" not caught'); bad += 1
    g = {'src/app/a.c': {'src/core/u.c': ['u']}, 'src/flow/f.c': {'src/app/a.c': ['a']}}
    bad += check_links(g, {'src/app/a.c', 'src/core/u.c', 'src/flow/f.c'}) != []
    g_up = {'src/core/u.c': {'src/app/a.c': ['a']}}
    bad += len(check_links(g_up, {'src/app/a.c', 'src/core/u.c'})) != 1
    g_cyc = {'src/app/a.c': {'src/app/b.c': ['b']}, 'src/app/b.c': {'src/app/a.c': ['a']}}
    bad += len(check_links(g_cyc, {'src/app/a.c', 'src/app/b.c'})) != 1
    g_dec = {'src/decode/a.c': {'src/decode/b.c': ['b']}, 'src/decode/b.c': {'src/decode/a.c': ['a']}}
    bad += check_links(g_dec, {'src/decode/a.c', 'src/decode/b.c'}) != []
    rows = ''.join(f'| {r} | `{s}/` | x |\n' for s, r in RANKS.items())
    bad += check_readme(rows) != []
    bad += len(check_readme(rows.replace('| 0 | `core/`', '| 1 | `core/`'))) != 1
    print(f'check_layers selftest: {"ok" if not bad else "FAILED"}')
    return 1 if bad else 0


def main():
    if sys.argv[1:] == ['--selftest']:
        return selftest()
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    build = sys.argv[1]
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
    files = []
    for top in ('src', 'include/taishi'):
        for d, _, names in os.walk(top):
            files += [os.path.join(d, n) for n in names if n.endswith(('.c', '.h'))]
    errs = check_includes(files, lambda p: open(p, encoding='utf-8', errors='replace').read())
    srcs = [f for f in files if f.startswith('src/') and f.endswith('.c')]
    objs = {}
    for f in srcs:
        o = os.path.join(build, 'obj', f[len('src/'):-2] + '.o')
        if not os.path.exists(o):
            errs.append(f'{f}: no object {o} (build first)')
        else:
            objs[f] = o
    errs += check_links(link_graph(objs), set(objs))
    errs += check_readme(open('README.md', encoding='utf-8').read())
    for e in errs:
        print('check-layers: ' + e)
    print(f'check-layers: {len(srcs)} files in {len(RANKS)} stages, '
          f'{"ok" if not errs else str(len(errs)) + " problem(s)"}')
    return 1 if errs else 0


if __name__ == '__main__':
    sys.exit(main())
