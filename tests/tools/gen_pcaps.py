#!/usr/bin/env python3
"""gen_pcaps.py - deterministic generator of taishi's sample captures.

Usage:  python3 tests/tools/gen_pcaps.py [OUTDIR]   (default: <repo>/pcaps/)

Design
------
* Python 3 standard library only.  Nothing is random: timestamps (starting
  2024-01-01T00:00:00Z), addresses, ports, TCP sequence numbers and IPv4 IDs
  are all fixed, so two runs write byte-identical files.  The IPv4 ID counter
  is reset before every file, so files do not depend on each other.
* Every layer is a plain function returning bytes, built bottom-up:
    application payloads  dns_*, http_*, tls_*, ssh, ntp_*, ping payload
    L4                    tcp, udp, icmp, icmp6, sctp (checksums done here;
                          SCTP uses CRC32c)
    L3                    ipv4 (options, fragments), ipv6 (extension
                          headers, fragments)
    tunnels  IP -> IP     GRE (key, TEB), VXLAN, GTP-U, IPIP/6in4, Teredo
    link     IP -> frame  Ethernet, 802.1Q, 802.1ad, MPLS, PPPoE, SLL, SLL2,
                          NULL, RAW, Cisco HDLC
    writers               pcap (LE/BE, usec/nsec), pcapng
* A "session" is a list of (direction, ip_packet); direction 0 is
  client->server, 1 is server->client.  sched() gives the packets
  timestamps, frames() maps (direction, ip_packet) through a wrapper
  (tunnel and/or link function) to records (ts_ns, data, orig_len).
* Checksums are correct everywhere except in malformed.pcap, whose packets
  are broken on purpose (see pcaps/README.md for the list).
"""
import hashlib
import os
import socket
import struct
import sys

P = struct.pack
BASE_NS = 1704067200 * 10**9            # 2024-01-01T00:00:00Z
MS = 10**6


def T(sec):
    """Absolute timestamp in ns, `sec` seconds after BASE."""
    return BASE_NS + int(round(sec * 10**9))


# ------------------------------------------------------------------ checksums
def csum16(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


_CRC32C = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ (0x82F63B78 if _c & 1 else 0)
    _CRC32C.append(_c)


def crc32c(data):
    c = 0xffffffff
    for b in data:
        c = _CRC32C[(c ^ b) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff


# ------------------------------------------------------------------ addresses
def is6(a):
    return ':' in a


def addr(a):
    return socket.inet_pton(socket.AF_INET6 if is6(a) else socket.AF_INET, a)


def mac(m):
    return bytes.fromhex(m.replace(':', ''))


# ------------------------------------------------------------------ L3
_ipid = [0]


def reset_ids():
    _ipid[0] = 0x3e00


def next_id():
    _ipid[0] = (_ipid[0] + 1) & 0xffff
    return _ipid[0]


def ipv4(src, dst, proto, payload, ident=None, ttl=64, df=True, mf=False,
         off=0, opts=b'', tlen=None, ihl=None, ver=4, tos=0):
    """IPv4 packet; `off` is the fragment offset in bytes (multiple of 8)."""
    opts += b'\0' * (-len(opts) % 4)
    hl = 20 + len(opts)
    frag = (0x4000 if df else 0) | (0x2000 if mf else 0) | (off >> 3)
    h = P('!BBHHHBBH4s4s', ver << 4 | (hl // 4 if ihl is None else ihl), tos,
          hl + len(payload) if tlen is None else tlen,
          next_id() if ident is None else ident, frag, ttl, proto, 0,
          addr(src), addr(dst)) + opts
    return h[:10] + P('!H', csum16(h)) + h[12:] + payload


def ipv4_frags(src, dst, proto, payload, size, ident):
    """Fragment an already-built L4 payload into IPv4 fragments of `size`."""
    return [ipv4(src, dst, proto, payload[o:o + size], ident=ident, df=False,
                 mf=o + size < len(payload), off=o)
            for o in range(0, len(payload), size)]


def ipv6(src, dst, nh, payload, hlim=64, plen=None, flow=0):
    return (P('!IHBB', 6 << 28 | flow, len(payload) if plen is None else plen,
              nh, hlim) + addr(src) + addr(dst) + payload)


def ip6_opts(nh, opts=b''):
    """Hop-by-hop or destination-options header, padded with Pad1/PadN."""
    pad = -(2 + len(opts)) % 8
    if pad == 1:
        opts += b'\0'
    elif pad:
        opts += P('!BB', 1, pad - 2) + b'\0' * (pad - 2)
    return P('!BB', nh, (2 + len(opts)) // 8 - 1) + opts


def ip6_rh0(nh, addrs, segleft=0):
    return (P('!BBBBI', nh, 2 * len(addrs), 0, segleft, 0)
            + b''.join(addr(a) for a in addrs))


def ip6_frag(nh, off, mf, ident):
    return P('!BBHI', nh, 0, off | int(mf), ident)


def ipv6_frags(src, dst, nh, payload, size, ident):
    return [ipv6(src, dst, 44, ip6_frag(nh, o, o + size < len(payload), ident)
                 + payload[o:o + size])
            for o in range(0, len(payload), size)]


def ip(src, dst, proto, payload):
    """IPv4 or IPv6 depending on the address family."""
    return (ipv6 if is6(src) else ipv4)(src, dst, proto, payload)


# ------------------------------------------------------------------ L4
def pseudo(src, dst, proto, length):
    if is6(src):
        return addr(src) + addr(dst) + P('!IxxxB', length, proto)
    return addr(src) + addr(dst) + P('!xBH', proto, length)


def l4csum(src, dst, proto, seg, at):
    c = csum16(pseudo(src, dst, proto, len(seg)) + seg)
    if proto == 17 and c == 0:
        c = 0xffff
    return seg[:at] + P('!H', c) + seg[at + 2:]


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16
SYN_OPTS = (P('!BBH', 2, 4, 1460) + b'\1' + P('!BBB', 3, 3, 7)
            + b'\1\1' + P('!BB', 4, 2))                 # MSS, WS 7, SACK-perm


def tcp(src, dst, sport, dport, seq, ack, flags, data=b'', opts=b'',
        win=64240, doff=None):
    opts += b'\1' * (-len(opts) % 4)
    h = P('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff,
          ((20 + len(opts)) // 4 if doff is None else doff) << 4, flags, win,
          0, 0) + opts
    return l4csum(src, dst, 6, h + data, 16)


def udp(src, dst, sport, dport, data, ulen=None, csum=True):
    seg = P('!HHHH', sport, dport, 8 + len(data) if ulen is None else ulen,
            0) + data
    return l4csum(src, dst, 17, seg, 6) if csum else seg


def icmp(type_, code, rest, data=b''):
    m = P('!BBH', type_, code, 0) + rest + data
    return m[:2] + P('!H', csum16(m)) + m[4:]


def icmp6(src, dst, type_, code, body):
    return l4csum(src, dst, 58, P('!BBH', type_, code, 0) + body, 2)


def sctp_chunk(type_, flags, value):
    c = P('!BBH', type_, flags, 4 + len(value)) + value
    return c + b'\0' * (-len(c) % 4)


def sctp(sport, dport, vtag, chunks):
    pkt = P('!HHII', sport, dport, vtag, 0) + b''.join(chunks)
    return pkt[:8] + P('<I', crc32c(pkt)) + pkt[12:]   # CRC32c, RFC 9260 App. A


# ------------------------------------------------------------------ sessions
def plain_ip(d, n, src, dst, proto, l4):
    """Default IP builder for sessions (n = index of packet in direction d)."""
    return ip(src, dst, proto, l4)


def _ends(d, c, s, cp, sp):
    return (c, s, cp, sp) if d == 0 else (s, c, sp, cp)


def tcp_session(c, s, cport, sport, exchanges, close='fin', ipf=plain_ip):
    """3-way handshake, each (dir, data) sent and ACKed, FIN or RST close."""
    seq = [(cport * 2654435761) & 0xffffffff,
           (sport * 40503 + cport * 977 + 0x1000000) & 0xffffffff]
    out, count = [], [0, 0]

    def seg(d, flags, data=b'', opts=b''):
        src, dst, sp, dp = _ends(d, c, s, cport, sport)
        t = tcp(src, dst, sp, dp, seq[d], seq[1 - d] if flags & ACK else 0,
                flags, data, opts, win=64240 if flags & SYN else 502)
        out.append((d, ipf(d, count[d], src, dst, 6, t)))
        count[d] += 1
        seq[d] += len(data) + (1 if flags & (SYN | FIN) else 0)

    seg(0, SYN, opts=SYN_OPTS)
    seg(1, SYN | ACK, opts=SYN_OPTS)
    seg(0, ACK)
    for d, data in exchanges:
        for o in range(0, len(data), 1448):
            seg(d, PSH | ACK, data[o:o + 1448])
        seg(1 - d, ACK)
    if close == 'fin':
        seg(0, FIN | ACK)
        seg(1, FIN | ACK)
        seg(0, ACK)
    else:
        seg(0, RST | ACK)
    return out


def udp_exchange(c, s, cport, sport, msgs, ipf=plain_ip):
    out, count = [], [0, 0]
    for d, data in msgs:
        src, dst, sp, dp = _ends(d, c, s, cport, sport)
        out.append((d, ipf(d, count[d], src, dst, 17,
                           udp(src, dst, sp, dp, data))))
        count[d] += 1
    return out


def sched(session, t0, gap):
    return [(t0 + i * gap, d, p) for i, (d, p) in enumerate(session)]


def rec(t, data, olen=None):
    return (t, data, len(data) if olen is None else olen)


def frames(items, wrap):
    return [rec(t, wrap(d, p)) for t, d, p in items]


# ------------------------------------------------------------------ apps
def dns_qname(name):
    return b''.join(bytes([len(x)]) + x.encode() for x in name.split('.')) + b'\0'


OPT_RR = b'\0' + P('!HHIH', 41, 4096, 0, 0)        # EDNS0, 4096-byte UDP


def dns_query(qid, name, qtype=1, edns=False):
    return (P('!6H', qid, 0x0100, 1, 0, 0, int(edns)) + dns_qname(name)
            + P('!HH', qtype, 1) + (OPT_RR if edns else b''))


def dns_response(qid, name, answers, qtype=1, edns=False):
    rrs = b''.join(b'\xc0\x0c' + P('!HHIH', 28 if is6(a) else 1, 1, 300,
                                   16 if is6(a) else 4) + addr(a)
                   for a in answers)
    return (P('!6H', qid, 0x8180, 1, len(answers), 0, int(edns))
            + dns_qname(name) + P('!HH', qtype, 1) + rrs
            + (OPT_RR if edns else b''))


def dns_exchange(c, s, cport, qid, name='www.example.org',
                 answers=('203.0.113.10',), edns=False, ipf=plain_ip):
    qt = 28 if is6(answers[0]) else 1
    return udp_exchange(c, s, cport, 53, [
        (0, dns_query(qid, name, qt, edns)),
        (1, dns_response(qid, name, answers, qt, edns))], ipf)


def http_get(host='www.example.com', path='/'):
    return ('GET %s HTTP/1.1\r\nHost: %s\r\n'
            'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) '
            'Gecko/20100101 Firefox/115.0\r\n'
            'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,'
            '*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n'
            'Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n'
            % (path, host)).encode()


HTML = (b'<!doctype html>\n<html><head><title>Example Domain</title></head>\n'
        b'<body><h1>Example Domain</h1><p>taishi sample page.</p></body>'
        b'</html>\n')


def http_resp(status='200 OK', body=HTML):
    return (('HTTP/1.1 %s\r\nDate: Mon, 01 Jan 2024 00:00:01 GMT\r\n'
             'Server: nginx/1.22.1\r\nContent-Type: text/html; charset=UTF-8'
             '\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n'
             % (status, len(body))).encode() + body)


def http_session(c, s, cport, sport=80, close='fin', ipf=plain_ip):
    return tcp_session(c, s, cport, sport,
                       [(0, http_get()), (1, http_resp())], close, ipf)


def v8(b):
    return P('!B', len(b)) + b


def v16(b):
    return P('!H', len(b)) + b


def tls_ext(t, data):
    return P('!HH', t, len(data)) + data


def tls_handshake(hs_type, body, rec_ver=0x0303):
    hs = P('!B', hs_type) + P('!I', len(body))[1:] + body
    return P('!BHH', 22, rec_ver, len(hs)) + hs


TLS_CIPHERS = [0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030, 0xc00a,
               0xc009, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
               0x000a, 0x00ff]
TLS_SESSION_ID = hashlib.sha256(b'taishi session').digest()


def tls_client_hello(sni='www.example.net'):
    exts = [tls_ext(0, v16(b'\0' + v16(sni.encode()))),          # SNI
            tls_ext(23, b''),                                     # EMS
            tls_ext(0xff01, b'\0'),                               # reneg
            tls_ext(10, v16(P('!4H', 0x1d, 0x17, 0x18, 0x19))),   # groups
            tls_ext(11, v8(b'\0')),                               # ec pt fmt
            tls_ext(35, b''),                                     # ticket
            tls_ext(16, v16(v8(b'h2') + v8(b'http/1.1'))),        # ALPN
            tls_ext(5, b'\1\0\0\0\0'),                            # OCSP
            tls_ext(13, v16(P('!9H', 0x0403, 0x0503, 0x0603, 0x0804, 0x0805,
                                0x0806, 0x0401, 0x0501, 0x0601)))]  # sig algs
    body = (P('!H', 0x0303) + hashlib.sha256(b'client random').digest()
            + v8(TLS_SESSION_ID)
            + v16(P('!%dH' % len(TLS_CIPHERS), *TLS_CIPHERS)) + v8(b'\0')
            + v16(b''.join(exts)))
    return tls_handshake(1, body, 0x0301)


def tls_server_hello():
    exts = [tls_ext(0xff01, b'\0'), tls_ext(23, b''), tls_ext(11, v8(b'\0')),
            tls_ext(16, v16(v8(b'h2')))]
    body = (P('!H', 0x0303) + hashlib.sha256(b'server random').digest()
            + v8(TLS_SESSION_ID) + P('!HB', 0xc02f, 0) + v16(b''.join(exts)))
    return tls_handshake(2, body)


SSH_SERVER = b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n'
SSH_CLIENT = b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n'


def ntp_ts(ns):
    s, f = divmod(ns, 10**9)
    return P('!II', s + 2208988800, (f << 32) // 10**9)


def ntp_request(t):
    return P('!BBBB', 0x23, 0, 6, 0xe9) + b'\0' * 36 + ntp_ts(t)


def ntp_response(t_req, t):
    return (P('!BBBBII4s', 0x24, 2, 6, 0xe8, 0x180, 0x2a0, addr('192.0.2.1'))
            + ntp_ts(t - 64 * 10**9) + ntp_ts(t_req) + ntp_ts(t - 100000)
            + ntp_ts(t - 50000))


def ping_data(seq):
    return P('<QQ', 1704067200 + seq, 1000 * seq) + bytes(range(0x10, 0x38))


def ping(c, s, ident, seq):
    """ICMP / ICMPv6 echo request + reply."""
    rest, data = P('!HH', ident, seq), ping_data(seq)
    if is6(c):
        return [(0, ipv6(c, s, 58, icmp6(c, s, 128, 0, rest + data))),
                (1, ipv6(s, c, 58, icmp6(s, c, 129, 0, rest + data)))]
    return [(0, ipv4(c, s, 1, icmp(8, 0, rest, data))),
            (1, ipv4(s, c, 1, icmp(0, 0, rest, data)))]


# ------------------------------------------------------------------ link
CLI_MAC, SRV_MAC = mac('02:00:00:00:0a:01'), mac('02:00:00:00:0b:01')
INNER_MACS = (mac('02:00:00:00:0c:01'), mac('02:00:00:00:0d:01'))


def etype(p):
    return 0x86dd if p[0] >> 4 == 6 else 0x0800


def eth(d, et, payload, macs=(CLI_MAC, SRV_MAC)):
    return macs[1 - d] + macs[d] + P('!H', et) + payload


def link_eth(d, p):
    return eth(d, etype(p), p)


def vlan_tag(vid, et, pcp=0):
    return P('!HH', pcp << 13 | vid, et)


def link_vlan(vid):
    return lambda d, p: eth(d, 0x8100, vlan_tag(vid, etype(p)) + p)


def link_qinq(outer, inner):
    return lambda d, p: eth(d, 0x88a8, vlan_tag(outer, 0x8100)
                            + vlan_tag(inner, etype(p)) + p)


def mpls_stack(labels, bos=True, ttl=64):
    return b''.join(P('!I', lab << 12 | (bos and i == len(labels) - 1) << 8
                      | ttl) for i, lab in enumerate(labels))


def link_mpls(labels):
    return lambda d, p: eth(d, 0x8847, mpls_stack(labels) + p)


def pppoe(sid, proto, payload):
    return P('!BBHHH', 0x11, 0, sid, 2 + len(payload), proto) + payload


def link_pppoe(sid):
    return lambda d, p: eth(d, 0x8864, pppoe(
        sid, 0x0057 if etype(p) == 0x86dd else 0x0021, p))


def link_sll(d, p):          # DLT 113; capture taken on the client
    return P('!HHH', 4 if d == 0 else 0, 1, 6) + (CLI_MAC, SRV_MAC)[d] \
        + b'\0\0' + P('!H', etype(p)) + p


def link_sll2(d, p):         # DLT 276
    return P('!HHIHBB', etype(p), 0, 2, 1, 4 if d == 0 else 0, 6) \
        + (CLI_MAC, SRV_MAC)[d] + b'\0\0' + p


def link_null(d, p):         # DLT 0, host order (LE); AF_INET6 = 30 (Darwin)
    return P('<I', 30 if etype(p) == 0x86dd else 2) + p


def link_raw(d, p):          # LINKTYPE_RAW 101
    return p


def link_chdlc(d, p):        # DLT 104
    return P('!BBH', 0x0f, 0, etype(p)) + p


def chain(*fns):
    """chain(tunnel, link)(d, p) == link(d, tunnel(d, p))."""
    def f(d, p):
        for fn in fns:
            p = fn(d, p)
        return p
    return f


# ------------------------------------------------------------------ tunnels
def tun_gre(oc, os_, key=None, teb=False):
    def f(d, p):
        a, b = (oc, os_) if d == 0 else (os_, oc)
        hdr = P('!HH', 0x2000 if key is not None else 0,
                0x6558 if teb else etype(p))
        if key is not None:
            hdr += P('!I', key)
        return ipv4(a, b, 47, hdr + (eth(d, etype(p), p, INNER_MACS)
                                     if teb else p))
    return f


def tun_vxlan(oc, os_, vni, sport=49320):
    def f(d, p):
        a, b = (oc, os_) if d == 0 else (os_, oc)
        return ipv4(a, b, 17, udp(a, b, sport, 4789, P('!BxxxI', 0x08, vni << 8)
                                  + eth(d, etype(p), p, INNER_MACS)), df=False)
    return f


def gtpu(teid, p, seq=None):
    if seq is None:
        return P('!BBHI', 0x30, 0xff, len(p), teid) + p
    return P('!BBHIHBB', 0x32, 0xff, len(p) + 4, teid, seq, 0, 0) + p


def tun_gtpu(enb, sgw, teids=(0x1001, 0x2002), seq=False):
    nseq = [0x100, 0x800]

    def f(d, p):
        a, b = (enb, sgw) if d == 0 else (sgw, enb)
        s = None
        if seq:
            s = nseq[d]
            nseq[d] += 1
        return ipv4(a, b, 17, udp(a, b, 2152, 2152, gtpu(teids[d], p, s)))
    return f


def tun_ip(oc, os_):
    """IP-in-IP (proto 4) or 6in4 (proto 41) depending on the inner packet."""
    def f(d, p):
        a, b = (oc, os_) if d == 0 else (os_, oc)
        return ipv4(a, b, 41 if etype(p) == 0x86dd else 4, p)
    return f


# ------------------------------------------------------------------ writers
def pcap_bytes(recs, linktype=1, endian='<', nsec=False, snaplen=262144):
    out = [P(endian + 'IHHiIII', 0xa1b23c4d if nsec else 0xa1b2c3d4, 2, 4, 0,
             0, snaplen, linktype)]
    for t, data, olen in recs:
        sec, ns = divmod(t, 10**9)
        out.append(P(endian + 'IIII', sec, ns if nsec else ns // 1000,
                     len(data), olen) + data)
    return b''.join(out)


def pcapng_bytes(recs, linktype=1, snaplen=262144):
    def opt(code, val):
        return P('<HH', code, len(val)) + val + b'\0' * (-len(val) % 4)

    def block(btype, body):
        body += b'\0' * (-len(body) % 4)
        return P('<II', btype, 12 + len(body)) + body + P('<I', 12 + len(body))

    out = [block(0x0A0D0D0A, P('<IHHq', 0x1A2B3C4D, 1, 0, -1)
                 + opt(4, b'taishi tests/tools/gen_pcaps.py') + opt(0, b'')),
           block(1, P('<HHI', linktype, 0, snaplen) + opt(9, b'\x06')
                 + opt(0, b''))]
    for t, data, olen in recs:
        us = t // 1000
        out.append(block(6, P('<IIIII', 0, us >> 32, us & 0xffffffff,
                              len(data), olen) + data))
    return b''.join(out)


# ------------------------------------------------------------------ captures
C4, DNS4 = '192.168.1.10', '192.168.1.1'
HTTP4, TLS4, SSH4, NTP4 = '203.0.113.10', '203.0.113.20', '192.0.2.22', '192.0.2.123'
C6, DNS6, HTTP6 = '2001:db8:1::10', '2001:db8:1::53', '2001:db8:80::80'


def srt(recs):
    return sorted(recs, key=lambda r: r[0])


def basic_items(t0=T(0), gap=2 * MS):
    """DNS (IPv4) + HTTP session (IPv4) + DNS (IPv6)."""
    return (sched(dns_exchange(C4, DNS4, 53001, 0x1a2b), t0, gap)
            + sched(http_session(C4, HTTP4, 49152), t0 + 100 * MS, 10 * gap)
            + sched(dns_exchange(C6, DNS6, 53002, 0x1a2c,
                                 answers=('2001:db8:80::80',)),
                    t0 + 1000 * MS, gap))


def f_demo():
    it = sched(dns_exchange(C4, DNS4, 53001, 0x1a2b), T(0), 2 * MS)
    it += sched(dns_exchange(C4, DNS4, 53003, 0x1a2d, 'www.example.org',
                             answers=('2001:db8:80::80',)), T(0.05), 2 * MS)
    it += sched(dns_exchange(C4, DNS4, 53005, 0x2b01, 'www.example.com',
                             answers=(HTTP4,)), T(0.5), 2 * MS)
    it += sched(tcp_session(C4, HTTP4, 49152, 80, [
        (0, http_get()), (1, http_resp()),
        (0, http_get(path='/favicon.ico')),
        (1, http_resp('404 Not Found', b'<html><body>404</body></html>\n'))]),
        T(0.6), 20 * MS)
    it += sched(dns_exchange(C4, DNS4, 53007, 0x2b02, 'www.example.net',
                             answers=(TLS4,)), T(2.0), 2 * MS)
    it += sched(tcp_session(C4, TLS4, 49160, 443, [
        (0, tls_client_hello()), (1, tls_server_hello())]), T(2.1), 25 * MS)
    it += sched(tcp_session(C4, SSH4, 49170, 22, [
        (0, SSH_CLIENT), (1, SSH_SERVER)]), T(4.0), 15 * MS)
    t = T(5.5)
    it += sched(udp_exchange(C4, NTP4, 123, 123, [
        (0, ntp_request(t)), (1, ntp_response(t, t + 18 * MS))]), t, 18 * MS)
    for i in range(4):
        it += sched(ping(C4, '192.0.2.1', 0x4d2, i + 1), T(6.0 + i), 12 * MS)
    it += sched(dns_exchange(C6, DNS6, 53009, 0x3c01,
                             answers=('2001:db8:80::80',)), T(7.2), 2 * MS)
    it += sched(http_session(C4, '203.0.113.30', 49180, 80, close='rst'),
                T(8.0), 20 * MS)
    return srt(frames(it, link_eth))


def f_enrich():
    """Home hosts (10.10.0.0/24, 2001:db8:1::/48) and the networks of the
    project's own test GeoIP databases (tests/data/): GB, CN, JP, US, SE, DE."""
    it = sched(tcp_session('10.10.0.5', '203.0.113.200', 50000, 443, [
        (0, tls_client_hello('www.example.co.uk')), (1, tls_server_hello())]), T(0), 10 * MS)
    it += sched(http_session('10.10.0.5', '198.51.100.7', 50001), T(1), 10 * MS)
    it += sched(dns_exchange('10.10.0.6', '192.0.2.10', 50002, 0x4e01), T(2), 2 * MS)
    it += sched(tcp_session('203.0.113.5', '10.10.0.7', 40000, 22, [
        (0, SSH_CLIENT), (1, SSH_SERVER)]), T(3), 10 * MS)
    it += sched(http_session('2001:db8:1::5', '2001:db8:cafe::1', 50003), T(4), 10 * MS)
    it += sched(dns_exchange('10.10.0.8', '10.10.0.9', 50004, 0x4e02), T(5), 2 * MS)
    t = T(6)
    it += sched(udp_exchange('10.10.0.5', '100.64.1.1', 123, 123, [
        (0, ntp_request(t)), (1, ntp_response(t, t + 18 * MS))]), t, 18 * MS)
    return srt(frames(it, link_eth))


def situation_req(path, host, ua, extra=()):
    return ('GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n%sAccept: */*\r\n\r\n'
            % (path, host, ua, ''.join(h + '\r\n' for h in extra))).encode()


def f_situation():
    """The demo (make demo): what the sensor sees on a government network's
    uplink, with the project's rules (rules/), test GeoIP databases
    (tests/data/) and asset map: home 10.10.0.0/24. A dynamic-DNS query; a
    TLS session to London (cross-border, GB); a sqlmap SQL injection from
    San Diego into the portal (alerts, cross-border inbound, a new asset);
    HTTP Basic authentication from Beijing (an alert, nDPI's clear-text
    credentials risk; CN is allowed); a libssh client from Japan (an alert,
    cross-border)."""
    it = sched(dns_exchange('10.10.0.20', '10.10.0.53', 51000, 0x5a01, 'home-nas.duckdns.org',
                            answers=('203.0.113.150',)), T(0), 2 * MS)
    it += sched(tcp_session('10.10.0.20', '203.0.113.200', 51001, 443, [
        (0, tls_client_hello('www.example.co.uk')), (1, tls_server_hello())]), T(0.5), 10 * MS)
    it += sched(tcp_session('203.0.113.66', '10.10.0.80', 41000, 80, [
        (0, situation_req('/products.php?id=1%20union%20select%20username,password%20from%20users--',
                          'portal.example.gov', 'sqlmap/1.7.2#stable (https://sqlmap.org)')),
        (1, http_resp())]), T(2), 10 * MS)
    it += sched(tcp_session('198.51.100.7', '10.10.0.80', 41001, 80, [
        (0, situation_req('/admin/', 'portal.example.gov', 'curl/7.88.1',
                          ['Authorization: Basic YWRtaW46YWRtaW4='])),
        (1, http_resp())]), T(3), 10 * MS)
    it += sched(tcp_session('192.0.2.15', '10.10.0.22', 41002, 22, [
        (0, b'SSH-2.0-libssh_0.9.6\r\n'), (1, SSH_SERVER)]), T(4), 10 * MS)
    return srt(frames(it, link_eth))


LINKS = [('link-sll.pcap', 113, link_sll), ('link-sll2.pcap', 276, link_sll2),
         ('link-null.pcap', 0, link_null), ('link-raw.pcap', 101, link_raw),
         ('link-chdlc.pcap', 104, link_chdlc)]


def f_vlan():
    return srt(frames(basic_items(), link_vlan(100)))


def f_qinq():
    return frames(sched(dns_exchange(C4, DNS4, 53001, 0x1a2b), T(0), 2 * MS),
                  link_qinq(200, 300))


def f_mpls():
    it = sched(http_session(C4, HTTP4, 49152), T(0), 20 * MS)
    it += sched(dns_exchange(C6, DNS6, 53002, 0x1a2c,
                             answers=('2001:db8:80::80',)), T(1), 2 * MS)
    return frames(it, link_mpls([1000, 2000]))


def f_pppoe():
    it = sched(dns_exchange(C4, DNS4, 53001, 0x1a2b), T(0), 2 * MS)
    it += sched(dns_exchange(C6, DNS6, 53002, 0x1a2c,
                             answers=('2001:db8:80::80',)), T(1), 2 * MS)
    return frames(it, link_pppoe(0x0011))


def f_gre():
    r = frames(sched(http_session('192.168.10.10', HTTP4, 49152), T(0), 20 * MS),
               chain(tun_gre('10.1.1.1', '10.2.2.2'), link_eth))
    r += frames(sched(dns_exchange('192.168.20.10', DNS4, 53001, 0x4201), T(1),
                      2 * MS), chain(tun_gre('10.1.1.3', '10.2.2.4', key=42),
                                     link_eth))
    r += frames(sched(dns_exchange('192.168.30.10', DNS4, 53002, 0x4202), T(2),
                      2 * MS), chain(tun_gre('10.1.1.5', '10.2.2.6', teb=True),
                                     link_eth))
    return r


def f_vxlan():
    return frames(sched(http_session('192.168.40.10', HTTP4, 49152), T(0),
                        20 * MS),
                  chain(tun_vxlan('10.10.0.1', '10.10.0.2', 5000), link_eth))


def f_gtpu():
    r = frames(sched(dns_exchange('10.45.0.2', '192.0.2.53', 53001, 0x6701),
                     T(0), 20 * MS),
               chain(tun_gtpu('10.20.0.1', '10.20.0.2'), link_eth))
    r += frames(sched(dns_exchange('2001:db8:45::2', '2001:db8::53', 53002,
                                   0x6702, answers=('2001:db8:80::80',)),
                      T(1), 20 * MS),
                chain(tun_gtpu('10.20.0.1', '10.20.0.2', seq=True), link_eth))
    return r


def f_ipip():
    return frames(sched(http_session('192.168.50.10', HTTP4, 49152), T(0),
                        20 * MS), chain(tun_ip('10.3.3.1', '10.3.3.2'), link_eth))


def f_6in4():
    return frames(sched(http_session('2001:db8:66::10', HTTP6, 49152), T(0),
                        20 * MS),
                  chain(tun_ip('192.0.2.66', '203.0.113.66'), link_eth))


def f_teredo():
    tc = '2001:0:cb00:7101:8000:63bf:39cc:9bf8'   # server 203.0.113.1, mapped
    oc, relay = '198.51.100.7', '203.0.113.1'      # 198.51.100.7:40000

    def wrap(d, p, oi):
        a, b, pa, pb = _ends(d, oc, relay, 40000, 3544)
        hdr = (P('!HH', 0, 3544 ^ 0xffff) + bytes(x ^ 0xff for x in addr(relay))
               if oi else b'')
        return link_eth(d, ipv4(a, b, 17, udp(a, b, pa, pb, hdr + p)))
    it = sched(dns_exchange(tc, '2001:db8::53', 53001, 0x7e01,
                            answers=('2001:db8:80::80',)), T(0), 30 * MS)
    it += sched(dns_exchange(tc, '2001:db8::53', 53002, 0x7e02,
                             'www.example.com', answers=('2001:db8:80::81',)),
                T(1), 30 * MS)
    return [rec(t, wrap(d, p, i == 1)) for i, (t, d, p) in enumerate(it)]


def f_ipv4_options():
    def ipf(d, n, src, dst, proto, l4):
        rr = (P('!BBB4s', 7, 7, 4, b'\0' * 4) if d == 0 else
              P('!BBB4s', 7, 7, 8, addr('192.0.2.254')))
        return ipv4(src, dst, proto, l4, opts=b'\1' + rr + b'\0' * 4)  # IHL 8
    return frames(sched(dns_exchange('10.0.0.1', '10.0.0.53', 53001, 0x0a01,
                                     ipf=ipf), T(0), 2 * MS), link_eth)


BIG_A = tuple('198.51.100.%d' % i for i in range(1, 186))        # ~3000 B
BIG_AAAA = tuple('2001:db8:f::%x' % i for i in range(1, 106))


def big_dns(c, s, cport, qid, answers, order, t0, ident):
    """Query + large EDNS response; response fragments sent in `order`."""
    qt = 28 if is6(c) else 1
    q = udp_exchange(c, s, cport, 53, [
        (0, dns_query(qid, 'www.example.org', qt, True))])
    seg = udp(s, c, 53, cport,
              dns_response(qid, 'www.example.org', answers, qt, True))
    fr = (ipv6_frags(s, c, 17, seg, 1448, ident) if is6(c)
          else ipv4_frags(s, c, 17, seg, 1480, ident))
    return sched(q + [(1, fr[i]) for i in order], t0, 2 * MS)


def f_ipv4_frag():
    c, s = '10.0.0.1', '10.0.0.53'
    it = big_dns(c, s, 53001, 0x5001, BIG_A, (2, 0, 1), T(0), 0x7001)
    it += big_dns(c, s, 53002, 0x5002, BIG_A, (0, 1, 2), T(1), 0x7002)
    it += big_dns(c, s, 53003, 0x5003, BIG_A, (0,), T(2), 0x7003)
    return frames(it, link_eth)


def f_ipv6_frag():
    c, s = '2001:db8:a::1', '2001:db8:a::53'
    it = big_dns(c, s, 53001, 0x6001, BIG_AAAA, (0, 1, 2), T(0), 0x100)
    it += big_dns(c, s, 53002, 0x6002, BIG_AAAA, (1, 2, 0), T(1), 0x101)
    return frames(it, link_eth)


def f_ipv6_ext():
    def ipf(d, n, src, dst, proto, l4):
        if n:
            return ipv6(src, dst, proto, l4)
        ext = (ip6_opts(60)                          # HBH, PadN only
               + ip6_opts(43) + ip6_rh0(proto, ['2001:db8:ffff::1'], 0))
        return ipv6(src, dst, 0, ext + l4)
    return frames(sched(http_session('2001:db8:a::1', HTTP6, 49152, ipf=ipf),
                        T(0), 20 * MS), link_eth)


# NGAP (port 38412, PPID 60) NGSetupRequest / NGSetupResponse with no IEs, APER
NGAP_SETUP_REQ = bytes.fromhex('00150003000000')
NGAP_SETUP_RESP = bytes.fromhex('20150003000000')


def f_sctp():
    a, b, pa, pb = '10.0.0.1', '10.0.0.2', 5000, 38412
    ta, tb, cookie = 0x5ca1ab1e, 0x0badcafe, hashlib.sha256(b'cookie').digest()
    init = P('!IIHHI', ta, 106496, 10, 65535, 1000) + P('!HHH', 12, 6, 5)
    initack = (P('!IIHHI', tb, 106496, 10, 10, 2000)
               + P('!HH', 7, 4 + len(cookie)) + cookie)
    seq = [(0, 0, [sctp_chunk(1, 0, init)]),
           (1, ta, [sctp_chunk(2, 0, initack)]),
           (0, tb, [sctp_chunk(10, 0, cookie)]),
           (1, ta, [sctp_chunk(11, 0, b'')]),
           (0, tb, [sctp_chunk(0, 3, P('!IHHI', 1000, 0, 0, 60)
                               + NGAP_SETUP_REQ)]),
           (1, ta, [sctp_chunk(3, 0, P('!IIHH', 1000, 106496, 0, 0))]),
           (1, ta, [sctp_chunk(0, 3, P('!IHHI', 2000, 0, 0, 60)
                               + NGAP_SETUP_RESP)]),
           (0, tb, [sctp_chunk(3, 0, P('!IIHH', 2000, 106496, 0, 0))]),
           (0, tb, [sctp_chunk(7, 0, P('!I', 2000))]),
           (1, ta, [sctp_chunk(8, 0, b'')]),
           (0, tb, [sctp_chunk(14, 0, b'')])]
    sess = []
    for d, vtag, chunks in seq:
        src, dst, sp, dp = _ends(d, a, b, pa, pb)
        sess.append((d, ipv4(src, dst, 132, sctp(sp, dp, vtag, chunks))))
    return frames(sched(sess, T(0), 5 * MS), link_eth)


def f_icmp():
    c, s = '10.0.0.1', '192.0.2.1'
    it = sched(ping(c, s, 0x100, 1) + ping(c, s, 0x100, 2), T(0), 10 * MS)
    probe = ipv4(c, '192.0.2.99', 17, udp(c, '192.0.2.99', 40000, 33434,
                                          b'@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_'),
                 ttl=1, df=False)
    it += sched([(0, probe), (1, ipv4('192.0.2.99', c, 1,
                                      icmp(3, 3, b'\0' * 4, probe)))],
                T(1), 10 * MS)
    r = frames(it, link_eth)
    a6, b6 = '2001:db8::1', '2001:db8::2'
    ns = ipv6(a6, 'ff02::1:ff00:2', 58, icmp6(a6, 'ff02::1:ff00:2', 135, 0,
              b'\0' * 4 + addr(b6) + P('!BB', 1, 1) + CLI_MAC), hlim=255)
    r.append(rec(T(2), mac('33:33:ff:00:00:02') + CLI_MAC + b'\x86\xdd' + ns))
    na = ipv6(b6, a6, 58, icmp6(b6, a6, 136, 0, P('!I', 0x60000000) + addr(b6)
                                + P('!BB', 2, 1) + SRV_MAC), hlim=255)
    r.append(rec(T(2.001), eth(1, 0x86dd, na)))
    r += frames(sched(ping(a6, b6, 0x200, 1), T(2.01), 10 * MS), link_eth)
    return r


def f_malformed():
    A, B, A6, B6 = '10.66.0.1', '10.66.0.2', '2001:db8:66::1', '2001:db8:66::2'
    q = dns_query(0x6601, 'www.example.org')
    good_udp = udp(A, B, 40001, 53, q)
    good = ipv4(A, B, 17, good_udp)

    def E(p, et=0x0800):
        return eth(0, et, p)
    v4f = E(good)
    ov = udp(A, B, 40008, 9999, b'A' * 40)
    nest = good
    for i in range(20):
        nest = ipv4('10.77.%d.1' % i, '10.77.%d.2' % i, 4, nest)
    gtp_inner = ipv4('10.45.0.2', '192.0.2.53', 17,
                     udp('10.45.0.2', '192.0.2.53', 53001, 53, q))[:28]
    pk = [
        ('Ethernet frame of 10 bytes (< 14)', v4f[:10]),
        ('802.1Q tag truncated (TCI present, inner EtherType missing)',
         eth(0, 0x8100, P('!H', 100))),
        ('IPv4 header truncated by caplen (26 of %d bytes captured)' % len(v4f),
         (v4f[:26], len(v4f))),
        ('IPv4 IHL = 4 (< 5)', E(ipv4(A, B, 17, good_udp, ihl=4))),
        ('IPv4 total length 100 bytes larger than the packet',
         E(ipv4(A, B, 17, good_udp, tlen=20 + len(good_udp) + 100))),
        ('IPv4 total length 16 < IHL*4 (20)',
         E(ipv4(A, B, 17, good_udp, tlen=16))),
        ('IP version 7 under EtherType 0x0800', E(ipv4(A, B, 17, good_udp, ver=7))),
        ('TCP data offset 4 (< 5)',
         E(ipv4(A, B, 6, tcp(A, B, 40002, 80, 1, 0, SYN, doff=4)))),
        ('TCP header truncated (12 bytes of TCP, IP length consistent)',
         E(ipv4(A, B, 6, tcp(A, B, 40003, 80, 1, 0, SYN)[:12]))),
        ('UDP length field 4 (< 8)',
         E(ipv4(A, B, 17, udp(A, B, 40004, 53, q, ulen=4, csum=False)))),
        ('UDP length 200 bytes larger than the IP payload',
         E(ipv4(A, B, 17, udp(A, B, 40005, 53, q, ulen=8 + len(q) + 200,
                              csum=False)))),
        ('IPv6 header truncated (20 of 40 bytes)',
         E(ipv6(A6, B6, 17, udp(A6, B6, 40006, 53, q))[:20], 0x86dd)),
        ('IPv6 hop-by-hop header claims 2048 bytes, 8 present',
         E(ipv6(A6, B6, 0, P('!BB', 17, 255) + P('!BB', 1, 4) + b'\0' * 4),
           0x86dd)),
        ('IPv6 payload length 1000 > captured payload',
         E(ipv6(A6, B6, 17, udp(A6, B6, 40006, 53, q), plen=1000), 0x86dd)),
        ('ICMP header truncated (3 bytes)', E(ipv4(A, B, 1, b'\x08\x00\xf7'))),
        ('GRE header truncated (2 bytes)', E(ipv4(A, B, 47, b'\x00\x00'))),
        ('VXLAN header truncated (UDP 4789 with 4 bytes)',
         E(ipv4(A, B, 17, udp(A, B, 40007, 4789, b'\x08\0\0\0')))),
        ('GTP-U length field 1400, only a truncated 28-byte inner IPv4 follows',
         E(ipv4(A, B, 17, udp(A, B, 2152, 2152, P('!BBHI', 0x30, 0xff, 1400,
                                                     0x1001) + gtp_inner)))),
        ('MPLS stack of 5 labels, none with bottom-of-stack, then end of frame',
         eth(0, 0x8847, mpls_stack([16, 17, 18, 19, 20], bos=False))),
        ('PPPoE session with a 1-byte (truncated) PPP protocol field',
         eth(0, 0x8864, P('!BBHHB', 0x11, 0, 0x11, 1, 0))),
        ('IPv4-in-IPv4 nested 20 levels deep (inner UDP DNS query)', E(nest)),
        ('IPv4 fragment offset 65520 + 64 bytes > 65535',
         E(ipv4(A, B, 17, b'X' * 64, ident=0xdead, df=False, off=8190 * 8))),
        ('overlapping IPv4 fragments 1/2: id 0xbeef offset 0, 32 bytes, MF',
         E(ipv4(A, B, 17, ov[:32], ident=0xbeef, df=False, mf=True))),
        ('overlapping IPv4 fragments 2/2: id 0xbeef offset 16, 32 bytes of '
         "'B' (overlaps bytes 16-31 with different data)",
         E(ipv4(A, B, 17, b'B' * 32, ident=0xbeef, df=False, off=16))),
        ('zero-length captured packet (caplen 0, len 60)', (b'', 60)),
        ('unknown EtherType 0x88b5', eth(0, 0x88b5, b'taishi'.ljust(46, b'\0'))),
    ]
    r = []          # one packet per defect, 10 ms apart (see pcaps/README.md)
    for i, (desc, p) in enumerate(pk):
        data, olen = p if isinstance(p, tuple) else (p, None)
        r.append(rec(T(i * 0.01), data, olen))
    r += frames(sched(dns_exchange(A, B, 40100, 0x6602), T(1), 2 * MS), link_eth)
    return r


def f_many_flows():
    it = []
    for i in range(2000):
        src = '10.100.%d.%d' % (i // 200, i % 200 + 1)
        it.append((T(i * 0.001), 0, ipv4(src, '192.0.2.80', 6, tcp(
            src, '192.0.2.80', 10000 + i, 80, i * 7919 + 1, 0, SYN,
            opts=SYN_OPTS))))
    for j in range(200):
        c = '10.200.%d.%d' % (j // 100, j % 100 + 1)
        it += sched(dns_exchange(c, '192.0.2.53', 30000 + j, j + 1,
                                 'host%d.example.org' % j,
                                 answers=('198.51.100.%d' % (j + 1),)),
                    T(j * 0.01 + 0.0005), 300000)
    return srt(frames(it, link_eth))


def build(outdir):
    files = []

    def add(name, fn, **kw):
        reset_ids()
        recs = fn()
        if name.endswith('.pcapng'):
            data = pcapng_bytes(recs, **kw)
        else:
            data = pcap_bytes(recs, **kw)
        files.append((name, data, len(recs)))
        return data

    demo = add('demo.pcap', f_demo)
    for name, fn in [('encap-vlan.pcap', f_vlan), ('encap-qinq.pcap', f_qinq),
                     ('encap-mpls.pcap', f_mpls), ('encap-pppoe.pcap', f_pppoe),
                     ('encap-gre.pcap', f_gre), ('encap-vxlan.pcap', f_vxlan),
                     ('encap-gtpu.pcap', f_gtpu), ('encap-ipip.pcap', f_ipip),
                     ('encap-6in4.pcap', f_6in4),
                     ('encap-teredo.pcap', f_teredo),
                     ('ipv4-options.pcap', f_ipv4_options),
                     ('ipv4-frag.pcap', f_ipv4_frag),
                     ('ipv6-ext.pcap', f_ipv6_ext),
                     ('ipv6-frag.pcap', f_ipv6_frag),
                     ('l4-sctp.pcap', f_sctp), ('l4-icmp.pcap', f_icmp)]:
        add(name, fn)
    for name, lt, wrap in LINKS:
        add(name, lambda: srt(frames(basic_items(), wrap)), linktype=lt)
    add('fmt-pcapng.pcapng', lambda: srt(frames(basic_items(), link_eth)))
    add('fmt-nsec.pcap', lambda: srt(frames(basic_items(T(0) + 123456789,
                                                        2 * MS + 1001),
                                            link_eth)), nsec=True)
    add('fmt-bigendian.pcap', lambda: srt(frames(basic_items(), link_eth)),
        endian='>')
    add('malformed.pcap', f_malformed)
    files.append(('corrupt-magic.pcap', b'THIS IS NOT A PCAP FILE!', 0))
    # demo cut in the middle of record K's data: K full records remain
    off, k = 24, 30
    for _ in range(k):
        off += 16 + struct.unpack_from('<I', demo, off + 8)[0]
    clen = struct.unpack_from('<I', demo, off + 8)[0]
    files.append(('corrupt-truncated.pcap', demo[:off + 16 + clen // 2], k))
    add('many-flows.pcap', f_many_flows)
    add('enrich.pcap', f_enrich)
    add('situation.pcap', f_situation)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gen_pcaps_mail           # SMTP and FTP captures (issue 15)
    gen_pcaps_mail.add_all(add)

    os.makedirs(outdir, exist_ok=True)
    for name, data, n in files:
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(data)
        print('%-24s %5d packets %8d bytes' % (name, n, len(data)))
    import gen_file_pcaps           # files-http.pcap (issue 15)
    gen_file_pcaps.build(outdir)


def write_pcaps(outdir, generators):
    """For the protocol generators: each (name, fn) of generators is written to
    outdir/name, fn() giving its records (ids reset before each, so a capture
    does not depend on the ones before it)."""
    os.makedirs(outdir, exist_ok=True)
    for name, fn in generators:
        reset_ids()
        recs = fn()
        data = pcap_bytes(recs)
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(data)
        print('%-24s %5d packets %8d bytes' % (name, len(recs), len(data)))


def out_dir(argv):
    """The output folder of a generator: its first argument, else pcaps/."""
    return argv[1] if len(argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', 'pcaps')


if __name__ == '__main__':
    build(out_dir(sys.argv))
