#!/usr/bin/env python3
"""app_agreement.py EXPECTED_TSV EVENTS_DIR [MIN_PCT] - the hosts, SNIs and
DNS queries of taishi's http/tls/dns events against the hostname/SNI column
of ndpiReader 4.2's expected flows (../shared/pcaps/ndpi/expected-ndpi42.tsv).

EVENTS_DIR holds one <capture>.json of taishi events per capture. For every
expected flow whose nDPI protocol is HTTP, TLS or DNS (as master or app) and
that has a hostname, the flow's app events (same addresses and ports, either
direction) must name that host: http.hostname, tls.sni or dns.rrname.
Prints agreement per protocol and the misses; exit 1 when the overall
agreement is below MIN_PCT (default 90).

Owned by tests/tools/; no state.
"""
import collections
import ipaddress
import json
import os
import sys


def norm_ip(s):
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        return s


def kind(proto):
    parts = proto.split('.')
    for p in parts:
        if p in ('HTTP', 'HTTP_Proxy', 'HTTP_Connect'):
            return 'http'
        if p == 'TLS':
            return 'tls'
        if p == 'DNS':
            return 'dns'
    return None


def main():
    exp_path, ev_dir = sys.argv[1], sys.argv[2]
    min_pct = float(sys.argv[3]) if len(sys.argv) > 3 else 90.0
    seen = collections.defaultdict(set)     # (pcap, kind, frozenset of endpoints) -> names
    for f in os.listdir(ev_dir):
        if not f.endswith('.json'):
            continue
        pcap = f[:-5]
        for line in open(os.path.join(ev_dir, f), errors='replace'):
            try:
                e = json.loads(line)
            except ValueError:
                continue
            t = e.get('event_type')
            if t not in ('http', 'tls', 'dns'):
                continue
            name = (e.get('http', {}).get('hostname') if t == 'http' else
                    e.get('tls', {}).get('sni') if t == 'tls' else e.get('dns', {}).get('rrname'))
            if not name:
                continue
            ends = frozenset([(norm_ip(e['src_ip']), e.get('src_port')),
                              (norm_ip(e['dest_ip']), e.get('dest_port'))])
            seen[(pcap, t, ends)].add(name.lower().rstrip('.'))
    tot = collections.Counter()
    ok = collections.Counter()
    misses = []
    for line in open(exp_path):
        c = line.rstrip('\n').split('\t')
        if c[0] == 'pcap' or len(c) < 24:
            continue
        k = kind(c[12])
        host = c[23].strip().lower().rstrip('.')
        if not k or not host:
            continue
        ends = frozenset([(norm_ip(c[4]), int(c[5]) if c[5] else None),
                          (norm_ip(c[7]), int(c[8]) if c[8] else None)])
        tot[k] += 1
        names = seen.get((c[0], k, ends), set())
        if host in names:
            ok[k] += 1
        else:
            shown = [n[:60] for n in sorted(names)[:3]] + (['...'] if len(names) > 3 else [])
            misses.append('%s flow %s %s %s: expected %s, got %s' % (c[0], c[1], k, c[12], host[:60],
                                                                       shown or '-'))
    all_t, all_ok = sum(tot.values()), sum(ok.values())
    for k in sorted(tot):
        print('app-agreement: %-4s %4d/%-4d %.1f%%' % (k, ok[k], tot[k], 100.0 * ok[k] / tot[k]))
    pct = 100.0 * all_ok / all_t if all_t else 100.0
    print('app-agreement: all  %4d/%-4d %.1f%% (minimum %.0f%%)' % (all_ok, all_t, pct, min_pct))
    for m in misses[:10]:
        print('  miss: ' + m)
    if len(misses) > 10:
        print("  ... %d more" % (len(misses) - 10))
    return 0 if pct >= min_pct else 1


if __name__ == '__main__':
    sys.exit(main())
