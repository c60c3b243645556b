#!/usr/bin/env python3
"""alerts_tsv.py - EVE alert events (Suricata's or taishi's) as a normalized
TSV, the form every alert comparison in the tests uses.

Usage:  alerts_tsv.py [--gid N] [--header] EVE.json [EVE.json ...]   ("-" = stdin)

One line per event with event_type "alert", tab-separated:

    sid  src_ip  src_port  dest_ip  dest_port  proto  pcap_cnt/timestamp

* sid: alert.signature_id; written "gid:sid" when alert.gid is not 1, so
  alerts of other generators (taishi's intel gid, Suricata's decoder events)
  never pass for rule alerts. --gid N keeps only that generator's alerts.
* addresses: canonical text (IPv6 compressed, lower case); a missing port
  (ICMP, other protocols) is "-".
* proto: upper case name (TCP, UDP, ICMP, IPV6-ICMP, SCTP); numbers are
  mapped to those names.
* pcap_cnt/timestamp: the packet number in the capture when the event has
  one ("-" otherwise), a slash, and the packet time in UTC with
  microseconds ("2024-01-01T00:00:01.000000+0000"), whatever time zone the
  writer used.

Lines are sorted by packet time, packet number, sid, then the rest, so two runs of
the same engine on the same capture give identical files. Lines that are
not JSON or not alerts are skipped; a line that is JSON but an alert
without a signature_id is an error (exit 1), since it would compare as
nothing.

Owned by tests/tools/ (reference tooling); no state.
"""
import datetime
import ipaddress
import json
import re
import signal
import sys

PROTO_NAMES = {1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'IPV6-ICMP', 132: 'SCTP',
               47: 'GRE', 50: 'ESP', 51: 'AH'}
PROTO_ALIASES = {'ICMPV6': 'IPV6-ICMP', 'ICMP6': 'IPV6-ICMP'}
TS_RE = re.compile(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?'
                   r'(Z|[+-]\d\d:?\d\d)?$')


def norm_ip(v):
    if v is None or v == '':
        return '-'
    try:
        return ipaddress.ip_address(str(v)).compressed
    except ValueError:
        return str(v)


def norm_port(v):
    if v is None or v == '':
        return '-'
    return str(int(v))


def norm_proto(v):
    if v is None:
        return '-'
    if isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
        return PROTO_NAMES.get(int(v), str(int(v)))
    p = str(v).upper()
    return PROTO_ALIASES.get(p, p)


def norm_ts(v):
    """ISO 8601 with any offset -> UTC, microseconds, '+0000'."""
    if not v:
        return '-'
    m = TS_RE.match(str(v))
    if not m:
        return str(v)
    y, mo, d, h, mi, s, frac, off = m.groups()
    frac = (frac or '').ljust(6, '0')[:6]
    t = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                          int(frac))
    if off and off != 'Z':
        sign = -1 if off[0] == '-' else 1
        o = off[1:].replace(':', '')
        t -= sign * datetime.timedelta(hours=int(o[:2]), minutes=int(o[2:]))
    return t.strftime('%Y-%m-%dT%H:%M:%S.%f') + '+0000'


def row(ev):
    a = ev.get('alert')
    if not isinstance(a, dict) or 'signature_id' not in a:
        raise ValueError('alert event without alert.signature_id')
    gid = int(a.get('gid', 1))
    sid = str(int(a['signature_id'])) if gid == 1 else '%d:%d' % (
        gid, int(a['signature_id']))
    cnt = ev.get('pcap_cnt')
    pkt = '%s/%s' % ('-' if cnt is None else int(cnt),
                     norm_ts(ev.get('timestamp')))
    return gid, (sid, norm_ip(ev.get('src_ip')), norm_port(ev.get('src_port')),
                 norm_ip(ev.get('dest_ip')), norm_port(ev.get('dest_port')),
                 norm_proto(ev.get('proto')), pkt)


def sort_key(r):
    """Packet time, then packet number (events without one, such as those
    Suricata raises when a flow ends, after the numbered ones), sid, rest."""
    cnt, _, ts = r[6].partition('/')
    return (ts, int(cnt) if cnt.isdigit() else 1 << 62, sid_num(r[0]), r)


def sid_num(s):
    g, _, n = s.rpartition(':')
    return (int(g) if g.isdigit() else 1, int(n) if n.isdigit() else 0)


def read(paths, gid=None):
    """Alert rows (tuples of 7 strings) from EVE files, sorted."""
    rows = []
    for path in paths:
        f = sys.stdin if path == '-' else open(path, encoding='utf-8',
                                               errors='replace')
        with f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line.startswith('{'):
                    continue
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(ev, dict) or ev.get('event_type') != 'alert':
                    continue
                try:
                    g, r = row(ev)
                except (ValueError, TypeError) as e:
                    raise SystemExit('alerts_tsv: %s:%d: %s' % (path, n, e))
                if gid is None or g == gid:
                    rows.append(r)
    rows.sort(key=sort_key)
    return rows


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    gid, header, paths = None, False, []
    it = iter(argv)
    for a in it:
        if a == '--gid':
            gid = int(next(it))
        elif a == '--header':
            header = True
        elif a in ('-h', '--help'):
            print(__doc__)
            return 0
        else:
            paths.append(a)
    if not paths:
        sys.stderr.write('usage: alerts_tsv.py [--gid N] [--header] EVE.json...\n')
        return 2
    out = sys.stdout
    if header:
        out.write('#sid\tsrc_ip\tsrc_port\tdest_ip\tdest_port\tproto\tpcap_cnt/timestamp\n')
    for r in read(paths, gid):
        out.write('\t'.join(r) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
