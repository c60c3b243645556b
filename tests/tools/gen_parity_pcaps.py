#!/usr/bin/env python3
"""gen_parity_pcaps.py OUTDIR - the captures of the differential harness
(tests/parity.sh): one small capture per rule-engine semantic where taishi
must give Suricata 7.0.10's alert count per sid (action order and pass,
midstream and one-sided sessions, flowbits order within a packet, HTTP
responses delimited by the connection's close, address lists, tunnels,
app-layer rules per transaction). The rules of case NAME are
tests/parity/NAME.rules; the cases and the settings each is run with are
tests/parity/cases.tsv; Suricata's counts are tests/golden/parity/
(tests/tools/make_parity_golden.sh).

Standard library only; builds on gen_rule_pcaps.py (Cap, Tcp) and
gen_pcaps.py (packet builders). Nothing is random: two runs write the same
bytes. Owned by tests/tools/; writes only OUTDIR/NAME.pcap.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_rule_pcaps as R  # noqa: E402

g = R.g
C2S, S2C = R.C2S, R.S2C
SYN, ACK, PSH, FIN = R.SYN, R.ACK, R.PSH, R.FIN
CLI, CLI2, SRV, EXT = '192.168.50.10', '192.168.50.11', '10.20.0.80', '198.51.100.23'
REQ = R.req('GET', '/index.html?q=ABCDEF')
RSP = R.resp(body=b'<html>SECRETBODY</html>\n')


class Half(R.Tcp):
    """A connection whose start the capture missed: 'mid' (no SYN, no
    SYN-ACK), 'synack' (the SYN-ACK but not the SYN), 'syn' (the SYN, and
    nothing of the server after it)."""

    def __init__(self, cap, c, s, cport, sport, mode):
        self.cap, self.c, self.s, self.cport, self.sport = cap, c, s, cport, sport
        isn = [(cport * 2654435761) & 0xffffffff,
               (sport * 40503 + cport * 977 + 0x1000000) & 0xffffffff]
        self.isn = isn
        self.nxt = [isn[0] + 1, isn[1] + 1]
        if mode == 'synack':
            self.seg(1, SYN | ACK, seq=isn[1], opts=g.SYN_OPTS)
            self.ack(0)
        elif mode == 'syn':
            self.seg(0, SYN, seq=isn[0], opts=g.SYN_OPTS)

    def oneway(self, d, data):
        for o in range(0, len(data), 1448):
            self.seg(d, PSH | ACK, data[o:o + 1448])
            self.nxt[d] += len(data[o:o + 1448])


def half(mode):
    cap = R.Cap()
    cap.next_flow()
    f = Half(cap, CLI, SRV, 40002, 80, mode)
    if mode == 'syn':
        f.oneway(C2S, REQ)
        f.seg(0, FIN | ACK)
    else:
        f.talk((C2S, REQ), (S2C, RSP))
        f.close()
    return cap


def c_session_full():
    cap = R.Cap()
    f = cap.tcp(CLI, SRV, 40001, 80)
    f.talk((C2S, REQ), (S2C, RSP))
    f.close()
    return cap


def c_http_flows():
    """Two HTTP connections from two clients, two transactions each."""
    cap = R.Cap()
    for cli, port in ((CLI, 41001), (CLI2, 41002)):
        f = cap.tcp(cli, SRV, port, 80)
        f.talk((C2S, REQ), (S2C, RSP), (C2S, R.req('GET', '/two?q=ABCDEF')), (S2C, RSP))
        f.close()
    return cap


def c_http_close():
    """Responses with neither Content-Length nor chunking: the body ends
    when the server closes (HTTP/1.0 and HTTP/1.1 'Connection: close')."""
    cap = R.Cap()
    for port, ver in ((42001, b'1.0'), (42002, b'1.1')):
        f = cap.tcp(CLI, SRV, port, 80)
        f.send(C2S, b'GET /close HTTP/' + ver + b'\r\nHost: shop.example.local\r\n\r\n')
        body = b'<html>CLOSEDBODY ' + b'x' * 2000 + b'</html>\n'
        f.send(S2C, b'HTTP/' + ver + b' 200 OK\r\nServer: closer/1.0\r\nConnection: close\r\n'
               b'Content-Type: text/html\r\n\r\n' + body)
        f.seg(1, FIN | ACK)
        f.nxt[1] += 1
        f.seg(0, FIN | ACK)
        f.nxt[0] += 1
        f.ack(1)
    return cap


def c_addrs():
    """UDP datagrams between many address pairs (one flow each)."""
    cap = R.Cap()
    pairs = [('10.1.2.3', '10.20.0.80'), ('10.20.5.5', '10.20.0.80'), ('10.20.0.80', '8.8.8.8'),
             ('172.16.9.9', '192.168.1.1'), ('192.168.50.10', '203.0.113.7'),
             ('198.51.100.23', '10.20.0.81'), ('10.20.0.81', '10.20.0.82'), ('8.8.4.4', '1.1.1.1')]
    for i, (a, b) in enumerate(pairs):
        cap.udp(a, b, 50000 + i, 9999, [(C2S, b'hello parity'), (S2C, b'world parity')])
    return cap


def c_addrs6():
    """UDP datagrams between IPv6 address pairs (one flow each)."""
    cap = R.Cap()
    pairs = [('2001:db8:1::10', '2001:db8:2::80'), ('2001:db8:1:ff::1', '2001:db8:2::80'),
             ('fd00::5', '2001:db8:1::10'), ('2001:db8:2::80', 'fd00:1::9')]
    for i, (a, b) in enumerate(pairs):
        cap.udp(a, b, 52000 + i, 9999, [(C2S, b'hello parity'), (S2C, b'world parity')])
    return cap


def c_tunnels():
    """The same inner UDP exchange bare, in IP-in-IP and in GRE."""
    cap = R.Cap()
    inner_a, inner_b = '192.168.77.1', '10.99.0.1'
    outer_a, outer_b = '203.0.113.50', '198.51.100.60'

    def wrap(kind, d, ip_pkt):
        src, dst = (outer_a, outer_b) if d == 0 else (outer_b, outer_a)
        if kind == 'ipip':
            return g.ip(src, dst, 4, ip_pkt)
        if kind == 'gre':
            return g.ip(src, dst, 47, b'\x00\x00\x08\x00' + ip_pkt)
        return ip_pkt

    for n, kind in enumerate(('bare', 'ipip', 'gre')):
        cap.next_flow()
        for d, data in ((C2S, b'tunnelled PARITY'), (S2C, b'answer PARITY')):
            src, dst, sp, dp = g._ends(d, inner_a, inner_b, 51000 + n, 7777)
            cap.add(d, wrap(kind, d, g.ip(src, dst, 17, g.udp(src, dst, sp, dp, data))))
    return cap


def c_tunnels2():
    """The same inner UDP exchange in 6in4 (IPv6 inner), VXLAN (port 4789)
    and GTP-U (port 2152)."""
    cap = R.Cap()
    outer_a, outer_b = '203.0.113.50', '198.51.100.60'
    for n, kind in enumerate(('6in4', 'vxlan', 'gtpu')):
        cap.next_flow()
        v6 = kind == '6in4'
        ia, ib = ('2001:db8:77::1', '2001:db8:99::1') if v6 else ('192.168.77.1', '10.99.0.1')
        for d, data in ((C2S, b'tunnelled PARITY'), (S2C, b'answer PARITY')):
            src, dst, sp, dp = g._ends(d, ia, ib, 51100 + n, 7777)
            inner = g.ip(src, dst, 17, g.udp(src, dst, sp, dp, data))
            osrc, odst = (outer_a, outer_b) if d == 0 else (outer_b, outer_a)
            if kind == '6in4':
                pkt = g.ip(osrc, odst, 41, inner)
            elif kind == 'vxlan':
                frame = g.eth(d, 0x0800, inner)
                pkt = g.ip(osrc, odst, 17, g.udp(osrc, odst, 40000 + n, 4789,
                                                 b'\x08\x00\x00\x00\x00\x00\x64\x00' + frame))
            else:
                pkt = g.ip(osrc, odst, 17, g.udp(osrc, odst, 2152, 2152, g.gtpu(0x1234, inner)))
            cap.add(d, pkt)
    return cap


def c_dns_multi():
    """One UDP flow with three DNS queries and their answers."""
    cap = R.Cap()
    msgs = []
    for qid, name in ((0x101, 'a.parity.example'), (0x102, 'b.parity.example'),
                      (0x103, 'c.parity.example')):
        msgs.append((C2S, g.dns_query(qid, name)))
        msgs.append((S2C, g.dns_response(qid, name, ['198.51.100.200'])))
    cap.udp(CLI, '10.20.0.53', 53000, 53, msgs)
    return cap


def c_udp_proto():
    """Protocol-only rules on UDP app protocols: an SNMP flow of four
    datagrams (get, response, get, response), a TFTP read request flow
    (request, first data block, its ack) and a one-datagram SNMP trap.
    Suricata 7.0.10 alerts on every packet of such a flow from the first
    (its UDP protocol detection runs on the first datagram), both ways."""
    import gen_app_pcaps as A
    cap = R.Cap()
    oid = '1.3.6.1.2.1.1.1.0'

    def get(rid):
        return A.snmp_msg(1, 'public', A.snmp_pdu(0xa0, rid, [(oid, A.NULL)]))

    def rsp(rid):
        return A.snmp_msg(1, 'public', A.snmp_pdu(0xa2, rid, [(oid, A.octets('parity'))]))
    cap.udp(CLI, '10.20.0.161', 40161, 161, [(C2S, get(11)), (S2C, rsp(11)), (C2S, get(12)),
                                              (S2C, rsp(12))])
    cap.udp(CLI, '10.20.0.69', 40069, 69, [(C2S, A.tftp_req(1, 'boot.img', 'octet')),
                                            (S2C, b'\x00\x03\x00\x01' + b'X' * 64),
                                            (C2S, b'\x00\x04\x00\x01')])
    cap.udp(CLI2, '10.20.0.162', 40162, 162, [(C2S, A.snmp_msg(1, 'public', A.snmp_pdu(
        0xa7, 21, [('1.3.6.1.2.1.1.3.0', A.ber_uint(42, 0x43))])))])
    return cap


def tls_rec(rtype, body):
    return R.g.P('!BHH', rtype, 0x0303, len(body)) + body


def ssh_pkt(code, payload):
    """An unencrypted SSH binary packet (RFC 4253 6): length, padding, code."""
    body = bytes([code]) + payload
    pad = 4 + (-(len(body) + 9)) % 8
    return R.g.P('!IB', len(body) + pad + 1, pad) + body + b'\0' * pad


def c_encrypted():
    """Encrypted sessions: a TLS 1.2 handshake then application data; a TLS
    1.3-style server flight (ServerHello, then encrypted records in the same
    segment); SSH with NEWKEYS both ways. Suricata inspects no payload after
    the first application-data record (tls encryption-handling: default) or
    after both NEWKEYS; the handshakes before are inspected."""
    cap = R.Cap()
    ccs = tls_rec(20, b'\x01')
    f = cap.tcp(CLI, EXT, 43001, 443)
    f.send(C2S, g.tls_client_hello('marker.example'))
    f.send(S2C, g.tls_server_hello() + g.tls_handshake(14, b''))
    f.send(C2S, g.tls_handshake(16, b'\x20' + b'K' * 32) + ccs + tls_rec(22, b'F' * 40))
    f.send(S2C, ccs + tls_rec(22, b'G' * 40))
    f.send(C2S, tls_rec(23, b'ENCRYPTEDMARKER' + b'x' * 100))
    f.send(S2C, tls_rec(23, b'ENCRYPTEDMARKER' + b'y' * 1200))
    f.close()
    f = cap.tcp(CLI, EXT, 43002, 443)
    f.send(C2S, g.tls_client_hello('marker13.example'))
    f.send(S2C, g.tls_server_hello() + ccs + tls_rec(23, b'ENCRYPTEDMARKER' + b'z' * 300))
    f.send(C2S, ccs + tls_rec(23, b'ENCRYPTEDMARKER' + b'w' * 50))
    f.close()
    f = cap.tcp(CLI, SRV, 43003, 22)
    f.send(S2C, g.SSH_SERVER)
    f.send(C2S, g.SSH_CLIENT)
    f.send(C2S, ssh_pkt(20, b'SSHKEXMARK' + bytes(40)))
    f.send(S2C, ssh_pkt(20, b'SSHKEXMARK' + bytes(40)))
    f.send(C2S, ssh_pkt(21, b''))
    f.send(S2C, ssh_pkt(21, b''))
    f.send(C2S, b'SSHENCMARK' + b'e' * 60)
    f.send(S2C, b'SSHENCMARK' + b'f' * 60)
    f.close()
    return cap


CASES = {
    'encrypted': c_encrypted,
    'udp-proto': c_udp_proto,
    'session-full': c_session_full,
    'session-mid': lambda: half('mid'),
    'session-synack': lambda: half('synack'),
    'session-syn-oneside': lambda: half('syn'),
    'http-flows': c_http_flows,
    'http-close': c_http_close,
    'addrs': c_addrs,
    'addrs6': c_addrs6,
    'tunnels': c_tunnels,
    'tunnels2': c_tunnels2,
    'dns-multi': c_dns_multi,
}


def build(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, fn in sorted(CASES.items()):
        g.reset_ids()
        with open(os.path.join(outdir, name + '.pcap'), 'wb') as f:
            f.write(fn().pcap())


if __name__ == '__main__':
    build(sys.argv[1])
