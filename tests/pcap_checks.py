#!/usr/bin/env python3
"""pcap_checks.py OUTDIR - what the sensor must report for each capture in pcaps/.

OUTDIR holds <capture>.json, the events of `taishi -r pcaps/<capture> -w 1`.
The golden files (tests/golden/) pin every byte; these checks say *why* the
bytes are right, in terms a reviewer can read: each encapsulation yields the
inner flow with its tunnel, each malformed packet its anomaly, and so on.
Prints one line per failed check and ends with "N passed, M failed"."""
import json, os, sys

OUT = sys.argv[1]
passed = failed = 0


def events(name, kind=None):
    with open(os.path.join(OUT, name + '.json')) as f:
        evs = [json.loads(l) for l in f]
    return [e for e in evs if kind is None or e['event_type'] == kind]


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print('FAIL:', what)


def flows(name):
    return events(name, 'flow')


def find(name, **kw):
    """Flows whose fields (dotted keys allowed) equal the given values."""
    res = []
    for e in flows(name):
        ok = True
        for k, v in kw.items():
            cur = e
            for part in k.split('__'):
                cur = cur.get(part) if isinstance(cur, dict) else None
            ok = ok and cur == v
        if ok:
            res.append(e)
    return res


def stats(name):
    return events(name, 'stats')[0]['stats']


BASIC = [dict(proto='UDP', src_port=53001, dest_port=53, ndpi__protocol='DNS'),
         dict(proto='TCP', src_port=49152, dest_port=80, ndpi__protocol='HTTP'),
         dict(proto='UDP', src_ip='2001:db8:1::10', dest_port=53, ndpi__protocol='DNS')]

# demo.pcap: the applications nDPI must name, with their metadata.
d = 'demo.pcap'
check(len(find(d, app_proto='dns')) == 5, 'demo: 5 DNS flows')
http = find(d, dest_port=80, src_port=49152)
check(len(http) == 1 and http[0]['http']['hostname'] == 'www.example.com'
      and http[0]['http']['url'] == '/' and http[0]['flow']['reason'] == 'tcp_fin'
      and http[0]['flow']['state'] == 'closed', 'demo: HTTP flow with host, url, closed by FIN')
tls = find(d, app_proto='tls')
check(len(tls) == 1 and tls[0]['tls']['sni'] == 'www.example.net' and len(tls[0]['tls']['ja3']['hash']) == 32,
      'demo: TLS flow with SNI and JA3')
check(len(find(d, app_proto='ssh')) == 1 and len(find(d, app_proto='ntp')) == 1, 'demo: SSH and NTP')
icmp = find(d, proto='ICMP')
check(len(icmp) == 1 and icmp[0]['flow']['pkts_toserver'] == 4 and icmp[0]['flow']['pkts_toclient'] == 4
      and icmp[0]['icmp_type'] == 8, 'demo: ICMP echo flow 4+4 packets')
rst = find(d, src_port=49180)
check(len(rst) == 1 and rst[0]['flow']['reason'] == 'tcp_rst', 'demo: RST-closed flow')
check(all(f['community_id'].startswith('1:') and len(f['community_id']) == 30 for f in flows(d)), 'demo: community ids')
check(len({f['flow_id'] for f in flows(d)}) == len(flows(d)), 'demo: flow ids unique')
st = stats(d)
check(st['capture']['packets'] == 62 and st['flow']['created'] == len(flows(d)), 'demo: stats packets and flows')
check(st['events']['flow'] == len(flows(d)), 'demo: stats counts flow events')
mix = {p['name']: p for p in st['protocols']}
check(mix.get('DNS', {}).get('flows') == 5 and mix.get('HTTP', {}).get('flows') == 2 and
      mix['HTTP']['bytes'] == sum(f['flow']['bytes_toserver'] + f['flow']['bytes_toclient'] for f in find(d, app_proto='http')),
      'demo: protocol mix by flows and bytes')
check([p['bytes'] for p in st['protocols']] == sorted((p['bytes'] for p in st['protocols']), reverse=True),
      'demo: protocol mix sorted by bytes')
check(st['top_talkers'][0]['ip'] == '192.168.1.10' and
      st['top_talkers'][0]['bytes'] == sum(f['flow']['bytes_toserver'] + f['flow']['bytes_toclient'] for f in flows(d) if f['src_ip'] == '192.168.1.10'),
      'demo: top talker is the client, with all its bytes')

# Assets: each server that answered, once, with what nDPI saw of it.
assets = {(e['asset']['ip'], e['asset']['port'], e['asset']['proto']): e['asset'] for e in events(d, 'asset')}
check(len(events(d, 'asset')) == len(assets) == 7, 'demo: 7 servers announced once each (%d)' % len(assets))
check(assets.get(('203.0.113.20', 443, 'TCP'), {}).get('tls', {}).get('version') == 'TLSv1.2'
      and assets[('203.0.113.20', 443, 'TCP')].get('hostname') == 'www.example.net', 'asset: TLS server with version and SNI')
check(assets.get(('192.0.2.22', 22, 'TCP'), {}).get('ssh', {}).get('software', '').startswith('SSH-2.0-OpenSSH_9.2p1'),
      'asset: SSH server software')
check('hostname' not in assets.get(('192.168.1.1', 53, 'UDP'), {'hostname': 1}), 'asset: no DNS query as a server name')
check(not events('many-flows.pcap', 'asset') or all(e['asset']['port'] == 53 for e in events('many-flows.pcap', 'asset')),
      'asset: unanswered SYNs announce nothing')

# Link types and file formats carry the same basic set.
for n in ['link-sll.pcap', 'link-sll2.pcap', 'link-null.pcap', 'link-raw.pcap', 'link-chdlc.pcap',
          'fmt-pcapng.pcapng', 'fmt-nsec.pcap', 'fmt-bigendian.pcap', 'encap-vlan.pcap']:
    for want in BASIC:
        check(len(find(n, **want)) == 1, '%s: flow %s' % (n, want))
    check(stats(n)['decoder']['invalid'] == 0 and not events(n, 'anomaly'), n + ': no anomalies')
check(flows('fmt-nsec.pcap')[0]['flow']['start'].endswith('.123456+0000'), 'fmt-nsec: ns time kept to the us')
check(all(f.get('vlan') == [100] for f in flows('encap-vlan.pcap')), 'vlan: id 100 on every flow')
check(find('encap-qinq.pcap', vlan=[200, 300], ndpi__protocol='DNS') != [], 'qinq: vlan [200, 300]')

# Tunnels: the inner flow, tagged with its tunnel; the outer flow as well.
def tun(name, ttype, proto, **kw):
    fs = [f for f in find(name, ndpi__protocol=proto, **kw) if f.get('tunnel', {}).get('type') == ttype]
    check(len(fs) == 1, '%s: inner %s flow in a %s tunnel %s' % (name, proto, ttype, kw))
    return fs[0]['tunnel'] if fs else {}

t = tun('encap-gre.pcap', 'gre', 'HTTP', src_ip='192.168.10.10')
check(t.get('src_ip') == '10.1.1.1' and t.get('depth') == 1, 'gre: outer addresses and depth')
check(tun('encap-gre.pcap', 'gre', 'DNS', src_ip='192.168.20.10').get('key') == 42, 'gre: key 42')
tun('encap-gre.pcap', 'gre', 'DNS', src_ip='192.168.30.10')
check(len(find('encap-gre.pcap', proto='GRE')) == 3, 'gre: three outer GRE flows')
check(tun('encap-vxlan.pcap', 'vxlan', 'HTTP').get('vni') == 5000, 'vxlan: vni 5000')
check(tun('encap-gtpu.pcap', 'gtpu', 'DNS', src_ip='10.45.0.2').get('teid') == 0x1001, 'gtpu: teid')
tun('encap-gtpu.pcap', 'gtpu', 'DNS', src_ip='2001:db8:45::2')
tun('encap-ipip.pcap', 'ipip', 'HTTP')
tun('encap-6in4.pcap', 'ipip', 'HTTP', src_ip='2001:db8:66::10')
check(len([f for f in find('encap-teredo.pcap', ndpi__protocol='DNS') if f.get('tunnel', {}).get('type') == 'teredo']) == 2,
      'teredo: two inner DNS flows')
check(find('encap-teredo.pcap', ndpi__protocol='Teredo', dest_port=3544) != [], 'teredo: outer flow is Teredo')
check(find('encap-mpls.pcap', ndpi__protocol='HTTP') != [] and find('encap-mpls.pcap', src_ip='2001:db8:1::10') != [],
      'mpls: IPv4 and IPv6 under labels')
check(stats('encap-mpls.pcap')['decoder']['mpls'] == 12, 'mpls: counted')
check(len(find('encap-pppoe.pcap', ndpi__protocol='DNS')) == 2, 'pppoe: IPv4 and IPv6 DNS')

# IP layer features.
check(find('ipv4-options.pcap', ndpi__protocol='DNS', flow__pkts_toclient=1) != [], 'ipv4 options: DNS flow')
fr = stats('ipv4-frag.pcap')['defrag']
check(fr['reassembled'] == 2 and fr['fragments'] == 7, 'ipv4-frag: 2 datagrams from 7 fragments')
check(len(find('ipv4-frag.pcap', ndpi__protocol='DNS', flow__pkts_toclient=1)) == 2, 'ipv4-frag: 2 answered DNS flows')
big = find('ipv4-frag.pcap', src_port=53001)
check(big and big[0]['flow']['bytes_toclient'] == 20 + 3012, 'ipv4-frag: reassembled size counted')
check(stats('ipv6-frag.pcap')['defrag']['reassembled'] == 2, 'ipv6-frag: 2 datagrams')
check(len(find('ipv6-frag.pcap', ndpi__protocol='DNS', flow__pkts_toclient=1)) == 2, 'ipv6-frag: 2 answered DNS flows')
check(find('ipv6-ext.pcap', ndpi__protocol='HTTP', flow__pkts_toserver=6) != [], 'ipv6 ext headers: HTTP flow')
check(find('l4-sctp.pcap', proto='SCTP', src_port=5000, dest_port=38412, flow__pkts_toclient=5) != [], 'sctp flow')
check(find('l4-icmp.pcap', proto='ICMP', icmp_type=8, flow__pkts_toclient=2) != [], 'icmp echo flow')
check(find('l4-icmp.pcap', proto='IPv6-ICMP', ndpi__protocol='ICMPV6') != [], 'icmpv6 flow')

# Malformed packets: one anomaly each, named, and the sensor carries on.
m = 'malformed.pcap'
an = {e['pcap_cnt']: e['anomaly']['event'] for e in events(m, 'anomaly')}
want = {1: 'ethernet.pkt_too_small', 2: 'vlan.header_too_small', 3: 'ipv4.pkt_too_small',
        4: 'ipv4.hlen_too_small', 5: 'ipv4.trunc_pkt', 6: 'ipv4.iplen_smaller_than_hlen',
        7: 'ip.wrong_version', 8: 'tcp.hlen_too_small', 9: 'tcp.pkt_too_small',
        10: 'udp.hlen_invalid', 11: 'udp.hlen_invalid', 12: 'ipv6.pkt_too_small',
        13: 'ipv6.exthdr_truncated', 14: 'ipv6.trunc_pkt', 15: 'icmpv4.pkt_too_small',
        16: 'gre.pkt_too_small', 17: 'vxlan.pkt_too_small', 18: 'gtpu.pkt_too_small',
        19: 'mpls.header_too_small', 20: 'ppp.pkt_too_small', 21: 'tunnel.too_many_layers',
        22: 'defrag.pkt_too_large', 24: 'defrag.overlap', 25: 'pkt.empty'}
for k, v in want.items():
    check(an.get(k) == v, 'malformed: packet %d gives %s (got %s)' % (k, v, an.get(k)))
check(26 not in an and stats(m)['decoder']['non_ip'] == 1, 'malformed: unknown EtherType is not an anomaly')
check(find(m, src_port=40100, ndpi__protocol='DNS', flow__pkts_toclient=1) != [], 'malformed: good DNS after the bad')
check(not [f for f in flows(m) if f['proto'] == 'TCP' and f.get('src_port') == 0], 'malformed: no flow from a broken TCP header')
check(stats(m)['decoder']['invalid'] == len(want), 'malformed: invalid count')

# Many flows: every SYN a flow, every DNS exchange a flow.
mf = stats('many-flows.pcap')
check(mf['flow']['created'] == 2200 and len(flows('many-flows.pcap')) == 2200, 'many-flows: 2200 flows')
check(len(find('many-flows.pcap', ndpi__protocol='DNS')) == 200, 'many-flows: 200 DNS flows')

# Enrichment: the project's test GeoIP databases (tests/data/), asset map, HOME_NET.
g = 'enrich-geo'
def geo(e, side):
    return e.get(side + '_geo', {})
gb = find(g, dest_ip='203.0.113.200')
check(gb and geo(gb[0], 'dest')['country_iso_code'] == 'GB' and geo(gb[0], 'dest')['city_name'] == 'London'
      and geo(gb[0], 'dest')['asn'] == 64500 and geo(gb[0], 'dest')['as_org'] == 'Example Transit Ltd',
      'geo: GB address with city and ASN')
check(gb and gb[0]['src_asset']['name'] == 'gw-01' and gb[0]['src_asset']['tags'] == ['gateway']
      and gb[0]['src_asset']['owner'] == 'Network Operations, Shift "A"', 'assets: longest prefix wins, quoted CSV')
jp = find(g, dest_ip='192.0.2.10')
check(jp and geo(jp[0], 'dest') == {'country_iso_code': 'JP', 'country_name': 'Japan'} and
      jp[0]['src_asset']['name'] == 'portal', 'geo: country-only record; asset by /24')
se = find(g, dest_ip='100.64.1.1')
check(se and geo(se[0], 'dest')['city_name'] == 'Link\u00f6ping', 'geo: UTF-8 names')
de = find(g, dest_ip='2001:db8:cafe::1')
check(de and geo(de[0], 'dest')['as_org'] == 'Example IPv6 Net "quoted"' and de[0]['src_asset']['name'] == 'v6-lab',
      'geo and assets over IPv6')
check(not any('src_geo' in f or 'dest_geo' in f for f in find(g, src_ip='10.10.0.8')), 'no geo for private addresses')
risks = {(e['src_ip'], e['dest_ip']): e['risk'] for e in events(g, 'risk') if e['risk']['source'] == 'policy'}
check(set(risks) == {('10.10.0.5', '203.0.113.200'), ('10.10.0.6', '192.0.2.10'), ('203.0.113.5', '10.10.0.7'),
                     ('2001:db8:1::5', '2001:db8:cafe::1'), ('10.10.0.5', '100.64.1.1')},
      'cross-border: every flow to a country other than CN, none for CN or internal (%s)' % sorted(risks))
r = risks.get(('203.0.113.5', '10.10.0.7'), {})
check(r.get('direction') == 'inbound' and r.get('country') == 'US' and r.get('bytes_out') == r.get('bytes_toclient'),
      'cross-border: inbound flow, bytes out = to the client')
r = risks.get(('10.10.0.5', '203.0.113.200'), {})
check(r.get('direction') == 'outbound' and r.get('bytes_toserver') == gb[0]['flow']['bytes_toserver'],
      'cross-border: outbound flow with the flow\'s byte counts')
m = {e['dest_ip']: e['risk'] for e in events('enrich-minbytes', 'risk') if e['risk']['source'] == 'policy'}
early = m.get('203.0.113.200', {})
tot = gb[0]['flow']['bytes_toserver'] + gb[0]['flow']['bytes_toclient'] if gb else 0
check(len(m) == 4 and 500 <= early.get('bytes_toserver', 0) + early.get('bytes_toclient', 0) < tot,
      'cross-border min-bytes: raised once, when 500 bytes are crossed (before the flow ends)')
small = m.get('192.0.2.10', {})
check(small.get('bytes_toserver', 0) + small.get('bytes_toclient', 0) < 500,
      'cross-border min-bytes: a smaller flow is still judged when it ends')

# Threat intelligence (tests/data/intel.csv, intel.txt) on demo.pcap + enrich.pcap.
al = events('intel', 'alert')
hits = sorted((e['dest_ip'], e['alert']['metadata']['indicator_type'][0], e['alert']['metadata']['matched'][0]) for e in al)
want = sorted([('203.0.113.10', 'url', 'http.url'), ('192.168.1.1', 'domain', 'dns.rrname'),
               ('203.0.113.30', 'ip', 'dest_ip'), ('203.0.113.30', 'url', 'http.url'),
               ('198.51.100.7', 'ip', 'dest_ip'), ('198.51.100.7', 'url', 'http.url'),
               ('2001:db8:cafe::1', 'url', 'http.url'), ('203.0.113.20', 'domain', 'tls.sni'),
               ('203.0.113.20', 'ja3', 'tls.ja3.hash'), ('203.0.113.200', 'ja3', 'tls.ja3.hash')])
check(hits == want, 'intel: the expected hits, and no others (%s)' % hits)
check(all(e['alert']['gid'] == 9000 and e['alert']['category'] == 'Threat Intelligence' for e in al), 'intel: gid and category')
sev = {e['alert']['signature']: e['alert']['severity'] for e in al}
check(sev == {'TAISHI INTEL url www.example.com/ (feed-d)': 2, 'TAISHI INTEL domain example.net (feed-b)': 2,
              'TAISHI INTEL ip 203.0.113.30 (feed-a)': 1, 'TAISHI INTEL ip 198.51.100.0/24 (intel.txt)': 2,
              'TAISHI INTEL ja3 9e226b1f5fed6f2d50f83edb390e6956 (feed-c)': 3}, 'intel: signatures and severities (%s)' % sev)
sids = {}
for e in al:
    sids.setdefault(e['alert']['signature'], set()).add(e['alert']['signature_id'])
check(all(len(v) == 1 for v in sids.values()), 'intel: one stable signature_id per indicator')
ist = events('intel', 'stats')[-1]['stats']['alerts']
check(ist == {'severity_1': sum(1 for e in al if e['alert']['severity'] == 1),
              'severity_2': sum(1 for e in al if e['alert']['severity'] == 2),
              'severity_3': sum(1 for e in al if e['alert']['severity'] == 3), 'other': 0},
      'intel: stats count alerts by severity (%s)' % ist)
check(all(e['alert']['metadata']['source'][0] == 'intel.txt' for e in al if '198.51.100.0/24' in e['alert']['signature']),
      'intel: bare-list source is the file name')

# The rule captures (tests/tools/gen_rule_pcaps.py, rules/README.md): every
# session is seen whole (TCP ends by FIN), with the application nDPI should
# name; the stream edge cases (split, out of order, retransmitted,
# overlapping segments) leave one flow each.
RULE_CAPS = {
    'rules-http.pcap': {'HTTP': 11}, 'rules-scanners.pcap': {'HTTP': 9},
    'rules-telnet.pcap': {'Telnet': 1}, 'rules-ftp.pcap': {'FTP_CONTROL': 4},
    'rules-mail.pcap': {'POP3': 1, 'IMAP': 1, 'SMTP': 2},
    'rules-dns.pcap': {'DNS': 8}, 'rules-tls.pcap': {'TLS': 5}, 'rules-ssh.pcap': {'SSH': 5},
    'rules-tcp-edge.pcap': {'Unknown': 8, 'HTTP': 1},
}
for n, want in RULE_CAPS.items():
    fl = flows(n)
    got = {}
    for f in fl:
        got[f['ndpi']['protocol']] = got.get(f['ndpi']['protocol'], 0) + 1
    check(got == want, '%s: application mix %s (want %s)' % (n, got, want))
    check(all(f['flow']['reason'] == 'tcp_fin' for f in fl if f['proto'] == 'TCP'),
          '%s: every TCP session ends by FIN' % n)

# mail-smtp.pcap, mail-ftp.pcap (tests/tools/gen_pcaps_mail.py): what the
# SMTP and FTP parsers must make of them (Suricata 7.0.10 writes the same,
# but for the BDAT message, which it does not decode).
sm = events('mail-smtp.pcap', 'smtp')
em = [e['email'] for e in sm if 'email' in e]
check(any(x.get('attachment') == ['report.bin', 'notes.txt'] and x.get('cc') == ['dave@example.net']
          and 'url' not in x for x in em), 'mail-smtp: the nested multipart: its two attachments, no URL of a part of a part')
check(any(x.get('attachment') == ['chunked.pdf'] and x['status'] == 'PARSE_DONE' for x in em),
      'mail-smtp: the BDAT message decoded')
check(any(x.get('url') == ['intranet.example.net/x?a=1'] for x in em), 'mail-smtp: the plain message\'s URL')
check(any(e['smtp'].get('mail_from') == '<alice@example.org>' for e in sm), 'mail-smtp: MAIL FROM without its SIZE parameter')
check(stats('mail-smtp.pcap')['app_layer']['smtp_starttls'] == 1, 'mail-smtp: one STARTTLS')
fd = {(e['ftp_data']['filename'], e['ftp_data']['command']) for e in events('mail-ftp.pcap', 'ftp_data')}
check(fd == {('pub/file.bin', 'RETR'), ('upload.txt', 'STOR'), ('active.dat', 'RETR'), ('cut.bin', 'RETR')},
      'mail-ftp: every data connection linked to its command (%s)' % sorted(fd))
fe = events('mail-ftp.pcap', 'ftp')
check(len(fe) == 22, 'mail-ftp: 22 ftp transactions (%d)' % len(fe))
check(any(e['ftp'].get('mode') == 'active' and e['ftp'].get('dynamic_port') == 50001 for e in fe), 'mail-ftp: PORT is active mode')
check(any(e['ftp'].get('reply') == ['Features:', ' EPRT', ' EPSV', ' PASV', 'End'] for e in fe),
      'mail-ftp: a multi-line reply is one transaction')
# app-snmp.pcap (tests/tools/gen_app_pcaps.py): one snmp event per message, as
# Suricata 7.0.10 writes them (tests/tools/suri_compare.py); the truncated
# message on port 161 is no SNMP to nDPI and gets none.
sn = events('app-snmp.pcap', 'snmp')
check(len(sn) == 13, 'app-snmp: 13 snmp events (%d)' % len(sn))
check(sorted(e['snmp']['version'] for e in sn) == [1, 1, 1] + [2] * 7 + [3] * 3,
      'app-snmp: versions 1, 2 (v2c) and 3')
check([e['snmp'].get('usm') for e in sn if e['snmp']['version'] == 3] == ['monitor', 'monitor', None],
      'app-snmp: v3 user names, none for the encrypted one')
check(sum(e['snmp'].get('community') in ('public', 'private') for e in sn) == 8,
      'app-snmp: default communities in 8 messages')
check(stats('app-snmp.pcap')['app_layer'].get('snmp_messages') == 13, 'app-snmp: snmp_messages 13')
rk = events('app-snmp.pcap', 'risk')
check(sorted((e['src_port'], e['risk']['detail']) for e in rk) ==
      [(40001, 'public'), (40002, 'private'), (40004, 'public'), (40005, 'public'), (40007, 'public')],
      'app-snmp: one snmp_default_community risk per flow with "public"/"private" (%s)' % rk)
# app-tftp.pcap: the three requests to port 69, none for the transfer (its own
# flow), the unknown opcode or the request without a mode
tf = events('app-tftp.pcap', 'tftp')
check(sorted((e['src_port'], e['tftp']['packet'], e['tftp']['mode']) for e in tf) ==
      [(41001, 'read', 'octet'), (41002, 'write', 'netascii'), (41003, 'read', 'mail')],
      'app-tftp: RRQ, WRQ, RRQ (%s)' % tf)
al = stats('app-tftp.pcap')['app_layer']
check((al['tftp_requests'], al['tftp_parse_errors']) == (3, 1), 'app-tftp: 3 requests, 1 parse error')
# app-rdp.pcap: the four connection sequences nDPI calls RDP, one rdp event per
# transaction, tx_id from 1 in each flow
rd = events('app-rdp.pcap', 'rdp')
check([e['rdp']['event_type'] for e in rd].count('connect_request') == 2, 'app-rdp: 2 connect requests')
check(sorted(e['rdp']['cookie'] for e in rd if 'cookie' in e['rdp']) == ['alice', 'bob', 'carol'],
      'app-rdp: cookies alice, bob, carol')
check([e['rdp'].get('x509_serials') for e in rd if e['rdp']['event_type'] == 'tls_handshake'] ==
      [['a1b2c3d4e5f']], 'app-rdp: the certificate serial of the CredSSP session')
check(len(rd) == 12 and stats('app-rdp.pcap')['app_layer'].get('rdp_tx') == 12, 'app-rdp: 12 transactions')
# app-nfs.pcap: one nfs event per answered call (GETATTR not logged, as Suricata)
nf = events('app-nfs.pcap', 'nfs')
check([e['nfs']['procedure'] for e in nf] == ['NULL', 'LOOKUP', 'LOOKUP', 'CREATE', 'ACCESS', 'REMOVE',
                                              'RENAME', 'MKDIR', 'READDIRPLUS'], 'app-nfs: the procedures')
check([e['nfs']['filename'] for e in nf if e['nfs']['procedure'] == 'ACCESS'] == ['new.txt'],
      'app-nfs: ACCESS named by the handle CREATE returned')
check(all(e['rpc']['creds'] == {'machine_name': 'ws12', 'uid': 1000, 'gid': 1000} for e in nf),
      'app-nfs: AUTH_UNIX credentials')
# app-nfs-udp.pcap / app-nfs-files.pcap: the same session over UDP and TCP, the same
# nfs events; the READ of notes.txt (3 chunks), the WRITEs closed by the COMMIT and the
# READ of an unnamed handle are files (fileinfo with the rpc and nfs objects)
nu, nt = events('app-nfs-udp.pcap', 'nfs'), events('app-nfs-files.pcap', 'nfs')
check([e['nfs'] for e in nu] == [e['nfs'] for e in nt] and len(nu) == 8, 'app-nfs: UDP and TCP alike (8 events)')
for cap in ('app-nfs-udp.pcap', 'app-nfs-files.pcap'):
    fi = events(cap, 'fileinfo')
    check([(e['fileinfo'].get('filename'), e['fileinfo']['size'], e['fileinfo']['state']) for e in fi] ==
          [('notes.txt', 2500, 'CLOSED'), ('upload.bin', 1100, 'CLOSED'), (None, 300, 'CLOSED')],
          '%s: 3 files' % cap)
    check(all('rpc' in e and e['nfs']['file_tx'] for e in fi), '%s: fileinfo with rpc and nfs' % cap)
    check([e['nfs']['read']['chunks'] for e in fi if e['nfs']['procedure'] == 'READ'] == [3, 1],
          '%s: read chunks' % cap)
# app-smb1-files.pcap: SMB1 files through NT_CREATE_ANDX, READ_ANDX/WRITE_ANDX, CLOSE
fi = events('app-smb1-files.pcap', 'fileinfo')
check([(e['fileinfo']['filename'], e['fileinfo']['size'], e['fileinfo']['state'], e['smb']['command'])
       for e in fi] == [('\\report.txt', 1600, 'CLOSED', 'SMB1_COMMAND_READ_ANDX'),
                        ('\\upload.dat', 1100, 'CLOSED', 'SMB1_COMMAND_WRITE_ANDX'),
                        ('\\logs\\app.log', 700, 'TRUNCATED', 'SMB1_COMMAND_READ_ANDX')],
      'app-smb1-files: 3 files')
check('sha256' not in fi[2]['fileinfo'], 'app-smb1-files: no sha256 for the file cut by the flow end')
# app-gquic.pcap: Google QUIC CHLOs (README "quic"): sni, ua, cyu from the tag tables
gq = events('app-gquic.pcap', 'quic')
byport = {}
for e in gq:
    byport.setdefault(e['src_port'], []).append(e['quic'])
check(all(e['dest_port'] == 443 for e in gq), 'app-gquic: events only for client packets with a version (no REJ)')
check([q.get('sni') for q in byport.get(50101, [])] == ['www.q043.example'] * 2, 'app-gquic: Q043 sni of both CHLOs')
check([c['string'] for q in byport.get(50102, []) for c in q.get('cyu', [])] ==
      ['46,PAD-SNI-VER-CCS-UAID-PDMD-ICSL-MIDS-CFCW-SFCW',
       '46,PAD-SNI-STK-VER-CCS-NONC-AEAD-UAID-SCID-PDMD-ICSL-PUBS-MIDS-KEXS-XLCT-CFCW-SFCW'],
      'app-gquic: Q046 cyu strings, tags in the CHLO\'s order')
check(byport.get(50101, [{}])[0].get('cyu') == [{'hash': 'd41bea2a88c4caec480f1151a6d0a6f2',
                                                 'string': '43,PAD-SNI-VER-CCS-UAID-PDMD-ICSL-MIDS-CFCW-SFCW'}],
      'app-gquic: Q043 cyu hash is the MD5 of its string')
check(byport.get(50104) == [{'version': '51303530', 'sni': 'www.q050.example',
                             'ua': 'Chrome/71.0.3578.98 Linux x86_64'}], 'app-gquic: Q050 opened, sni and ua, no cyu')
check(byport.get(50105) == [{'version': '54303531'}], 'app-gquic: T051 not opened (version only)')
check([sorted(q) for q in byport.get(50106, [])[:3]] == [['version']] * 3,
      'app-gquic: unknown tag, offsets going back, a cut frame: version only')
check(byport.get(50106, [{}])[-1].get('sni') == 'www.second.example' and
      len(byport.get(50106, [{}])[-1].get('cyu', [])) == 2, 'app-gquic: two CHLOs in a packet: two cyu, the last sni')

print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
