#!/usr/bin/env python3
"""gen_app1_pcaps.py - deterministic captures for the MQTT, Kerberos, DHCP, SIP
and RFB parsers (issue 16), built on the layers of gen_pcaps.py.

Usage:  python3 tests/tools/gen_app1_pcaps.py [OUTDIR]   (default: <repo>/pcaps/)

Writes app-<proto>.pcap. Every message is built here field by field from
the protocol's specification (MQTT 3.1.1/5.0, RFC 4120, RFC 2131/2132,
RFC 3261, RFC 6143); nothing is random, so two runs give identical files.
Suricata 7.0.10 reads the same files for the comparison
(tests/tools/app1_compare.sh).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pcaps as g  # noqa: E402

P = struct.pack


# ------------------------------------------------------------------ MQTT
def mq_varint(n):
    out = b''
    while True:
        b = n % 128
        n //= 128
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def mq_str(s):
    if isinstance(s, str):
        s = s.encode()
    return P('!H', len(s)) + s


def mq_msg(type_, flags, body):
    return bytes([type_ << 4 | flags]) + mq_varint(len(body)) + body


def mq_connect(client_id, user=None, password=None, will=None, ver=4, props=b''):
    flags = 0x02
    if will:
        flags |= 0x04 | 0x08               # will, will QoS 1
    if password is not None:
        flags |= 0x40
    if user is not None:
        flags |= 0x80
    body = mq_str('MQTT') + bytes([ver, flags]) + P('!H', 60)
    if ver == 5:
        body += mq_varint(len(props)) + props
    body += mq_str(client_id)
    if will:
        if ver == 5:
            body += b'\0'
        body += mq_str(will[0]) + mq_str(will[1])
    if user is not None:
        body += mq_str(user)
    if password is not None:
        body += mq_str(password)
    return mq_msg(1, 0, body)


def mq_publish(topic, msg, qos=0, pid=0, retain=False, ver=4):
    body = mq_str(topic) + (P('!H', pid) if qos else b'')
    if ver == 5:
        body += b'\0'
    return mq_msg(3, qos << 1 | (1 if retain else 0), body + msg)


def mq_ack(type_, pid, flags=0):
    return mq_msg(type_, flags, P('!H', pid))


def f_mqtt():
    """Two MQTT flows: a 3.1.1 session (connect with will and credentials,
    subscribe, publish at QoS 0, 1 and 2 each way, unsubscribe, ping,
    disconnect; two messages in one segment, one message over two) and a
    5.0 connect/publish with properties."""
    c, s = '10.1.0.10', '10.1.0.20'
    conv = [
        (0, mq_connect('taishi-meter-17', user='operator', password='s3cret',
                       will=('plant/meter17/status', b'offline'))),
        (1, mq_msg(2, 0, b'\x00\x00')),
        (0, mq_msg(8, 2, P('!H', 1) + mq_str('plant/+/temp') + b'\x01'
                   + mq_str('plant/alarms/#') + b'\x00')),
        (1, mq_msg(9, 0, P('!H', 1) + b'\x01\x00')),
        (0, mq_publish('plant/meter17/temp', b'21.5') +
            mq_publish('plant/meter17/power', b'{"kw": 4.2}', qos=1, pid=2)),
        (1, mq_ack(4, 2)),
        (1, mq_publish('plant/alarms/door', b'open', qos=2, pid=7, retain=True)),
        (0, mq_ack(5, 7)),
        (1, mq_ack(6, 7, flags=2)),
        (0, mq_ack(7, 7)),
        (0, mq_msg(10, 2, P('!H', 3) + mq_str('plant/+/temp'))),
        (1, mq_ack(11, 3)),
        (0, mq_msg(12, 0, b'')),
        (1, mq_msg(13, 0, b'')),
        (0, mq_msg(14, 0, b'')),
    ]
    # one publish cut over two segments
    big = mq_publish('plant/meter17/log', b'x' * 300, qos=0)
    conv.insert(12, (0, big[:40]))
    conv.insert(13, (0, big[40:]))
    a = g.tcp_session(c, s, 40001, 1883, conv)
    props = b'\x11' + P('!I', 3600)            # session expiry interval
    conv5 = [
        (0, mq_connect('v5-client', ver=5, props=props)),
        (1, mq_msg(2, 0, b'\x00\x00\x00')),
        (0, mq_publish('v5/topic', b'hello', qos=1, pid=9, ver=5)),
        (1, mq_msg(4, 0, P('!H', 9) + b'\x00')),
        (0, mq_msg(14, 0, b'\x00')),
    ]
    b = g.tcp_session(c, s, 40002, 1883, conv5)
    items = g.sched(a, g.T(0), 5 * g.MS) + g.sched(b, g.T(1), 5 * g.MS)
    return g.srt(g.frames(items, g.link_eth))


# ------------------------------------------------------------------ Kerberos
def der(tag, body):
    n = len(body)
    if n < 128:
        ln = bytes([n])
    elif n < 256:
        ln = b'\x81' + bytes([n])
    else:
        ln = b'\x82' + P('!H', n)
    return bytes([tag]) + ln + body


def k_int(v):
    b = v.to_bytes(4, 'big', signed=True).lstrip(b'\x00') if v >= 0 else \
        v.to_bytes(4, 'big', signed=True)
    if not b or b[0] & 0x80 and v >= 0:
        b = b'\x00' + b
    return der(0x02, b)


def ctx(n, body):
    return der(0xa0 | n, body)


def seq(*items):
    return der(0x30, b''.join(items))


def gstr(s):
    return der(0x1b, s.encode())


def gtime(s):
    return der(0x18, s.encode())


def principal(ntype, *names):
    return seq(ctx(0, k_int(ntype)), ctx(1, seq(*[gstr(n) for n in names])))


def enc_data(etype, size=48, kvno=None):
    items = [ctx(0, k_int(etype))]
    if kvno is not None:
        items.append(ctx(1, k_int(kvno)))
    items.append(ctx(2, der(0x04, bytes((i * 7 + etype) & 0xff for i in range(size)))))
    return seq(*items)


def kdc_req(app, realm, sname, cname=None, etypes=(18, 17, 23), padata=None, nonce=0x1234567):
    body = [ctx(0, der(0x03, b'\x00\x40\x81\x00\x10'))]
    if cname:
        body.append(ctx(1, principal(1, *cname)))
    body.append(ctx(2, gstr(realm)))
    body.append(ctx(3, principal(2, *sname)))
    body.append(ctx(5, gtime('20370913024805Z')))
    body.append(ctx(7, k_int(nonce)))
    body.append(ctx(8, seq(*[k_int(e) for e in etypes])))
    items = [ctx(1, k_int(5)), ctx(2, k_int(app))]
    if padata:
        items.append(ctx(3, seq(*[seq(ctx(1, k_int(t)), ctx(2, der(0x04, v))) for t, v in padata])))
    items.append(ctx(4, seq(*body)))
    return der(0x60 | app, seq(*items))


def kdc_rep(app, crealm, cname, srealm, sname, etype, tkt_etype):
    ticket = der(0x61, seq(ctx(0, k_int(5)), ctx(1, gstr(srealm)), ctx(2, principal(2, *sname)),
                           ctx(3, enc_data(tkt_etype, 96, kvno=2))))
    return der(0x60 | app, seq(ctx(0, k_int(5)), ctx(1, k_int(app)), ctx(3, gstr(crealm)),
                                ctx(4, principal(1, *cname)), ctx(5, ticket),
                                ctx(6, enc_data(etype, 64, kvno=3))))


def krb_error(code, realm, sname, crealm=None, cname=None):
    items = [ctx(0, k_int(5)), ctx(1, k_int(30)), ctx(4, gtime('20240101000001Z')),
             ctx(5, k_int(12345)), ctx(6, k_int(code))]
    if crealm:
        items.append(ctx(7, gstr(crealm)))
    if cname:
        items.append(ctx(8, principal(1, *cname)))
    items.append(ctx(9, gstr(realm)))
    items.append(ctx(10, principal(2, *sname)))
    return der(0x7e, seq(*items))


def krb_tcp(m):
    return P('!I', len(m)) + m


def f_krb5():
    """Kerberos over UDP and TCP: an AS exchange refused (pre-authentication
    required) then granted (AES), a TGS exchange over TCP answered with RC4
    (weak), one with DES over UDP, and a TGS error over TCP."""
    c, s = '10.2.0.10', '10.2.0.5'
    R = 'EXAMPLE.GOV'
    tgt = ('krbtgt', R)
    a1 = g.udp_exchange(c, s, 50001, 88, [
        (0, kdc_req(10, R, tgt, cname=('alice',))),
        (1, krb_error(25, R, tgt, crealm=R, cname=('alice',)))])
    a2 = g.udp_exchange(c, s, 50002, 88, [
        (0, kdc_req(10, R, tgt, cname=('alice',), padata=[(2, b'\x30\x00' * 20)])),
        (1, kdc_rep(11, R, ('alice',), R, tgt, 18, 18))])
    rep = krb_tcp(kdc_rep(13, R, ('alice',), R, ('cifs', 'fs01.example.gov'), 23, 23))
    t1 = g.tcp_session(c, s, 50003, 88, [
        (0, krb_tcp(kdc_req(12, R, ('cifs', 'fs01.example.gov'), etypes=(23,),
                            padata=[(1, b'\x6e\x00' * 30)]))),
        (1, rep[:60]), (1, rep[60:])])
    u3 = g.udp_exchange(c, s, 50004, 88, [
        (0, kdc_req(12, R, ('host', 'legacy.example.gov'), etypes=(3, 1))),
        (1, kdc_rep(13, R, ('bob',), R, ('host', 'legacy.example.gov'), 3, 1))])
    t2 = g.tcp_session(c, s, 50005, 88, [
        (0, krb_tcp(kdc_req(12, R, ('http', 'nosuch.example.gov')))),
        (1, krb_tcp(krb_error(7, R, ('http', 'nosuch.example.gov'))))])
    items = []
    for i, sess in enumerate([a1, a2, t1, u3, t2]):
        items += g.sched(sess, g.T(i), 5 * g.MS)
    return g.srt(g.frames(items, g.link_eth))


# ------------------------------------------------------------------ DHCP
def dhcp_msg(op, xid, mac, mtype, yiaddr='0.0.0.0', ciaddr='0.0.0.0', siaddr='0.0.0.0',
             opts=()):
    hdr = P('!BBBBIHH', op, 1, 6, 0, xid, 0, 0x8000 if op == 1 else 0)
    hdr += g.addr(ciaddr) + g.addr(yiaddr) + g.addr(siaddr) + g.addr('0.0.0.0')
    hdr += g.mac(mac) + b'\0' * 10 + b'\0' * 64 + b'\0' * 128
    body = P('!I', 0x63825363) + bytes([53, 1, mtype])
    for code, val in opts:
        body += bytes([code, len(val)]) + val
    return hdr + body + b'\xff' + b'\0' * 8


def f_dhcp():
    """DHCP: a DISCOVER/OFFER/REQUEST/ACK exchange (hostname, client id,
    requested address, parameter list; lease, renewal, rebinding, mask,
    routers, DNS servers), a renewal REQUEST/ACK unicast, an INFORM/ACK and
    a NAK."""
    mac = '02:00:00:00:33:01'
    srv = '10.3.0.1'
    ip = g.addr
    cid = bytes([61, 7, 1]) + g.mac(mac)
    req_opts = [(61, b'\x01' + g.mac(mac)), (12, b'ws-finance-07'), (55, bytes([1, 3, 6, 15, 42, 119]))]
    srv_opts = [(54, ip(srv)), (51, P('!I', 86400)), (58, P('!I', 43200)), (59, P('!I', 75600)),
                (1, ip('255.255.255.0')), (3, ip('10.3.0.1')), (6, ip('10.3.0.53') + ip('10.3.0.54')),
                (15, b'corp.example.gov')]
    del cid

    def bc(d, src, dst, sp, dp, m):
        return (d, g.ip(src, dst, 17, g.udp(src, dst, sp, dp, m)))
    x = 0x3903f326
    sess = [
        bc(0, '0.0.0.0', '255.255.255.255', 68, 67, dhcp_msg(1, x, mac, 1, opts=req_opts)),
        bc(1, srv, '255.255.255.255', 67, 68, dhcp_msg(2, x, mac, 2, yiaddr='10.3.0.77', siaddr=srv,
                                                      opts=srv_opts)),
        bc(0, '0.0.0.0', '255.255.255.255', 68, 67,
           dhcp_msg(1, x, mac, 3, opts=req_opts + [(50, ip('10.3.0.77')), (54, ip(srv))])),
        bc(1, srv, '255.255.255.255', 67, 68, dhcp_msg(2, x, mac, 5, yiaddr='10.3.0.77', siaddr=srv,
                                                      opts=srv_opts + [(12, b'ws-finance-07')])),
    ]
    renew = g.udp_exchange('10.3.0.77', srv, 68, 67, [
        (0, dhcp_msg(1, x + 1, mac, 3, ciaddr='10.3.0.77', opts=req_opts)),
        (1, dhcp_msg(2, x + 1, mac, 5, ciaddr='10.3.0.77', yiaddr='10.3.0.77', opts=srv_opts))])
    mac2 = '02:00:00:00:33:02'
    inform = g.udp_exchange('10.3.0.90', srv, 68, 67, [
        (0, dhcp_msg(1, 0x77, mac2, 8, ciaddr='10.3.0.90', opts=[(12, b'printer-3f')])),
        (1, dhcp_msg(2, 0x77, mac2, 5, ciaddr='10.3.0.90', opts=[(6, ip('10.3.0.53'))]))])
    nak = [bc(0, '0.0.0.0', '255.255.255.255', 68, 67,
              dhcp_msg(1, 0x99, mac2, 3, opts=[(50, ip('192.168.1.5'))])),
           bc(1, srv, '255.255.255.255', 67, 68, dhcp_msg(2, 0x99, mac2, 6, opts=[(54, ip(srv))]))]
    items = g.sched(sess, g.T(0), 10 * g.MS) + g.sched(renew, g.T(1), 10 * g.MS) + \
        g.sched(inform, g.T(2), 10 * g.MS) + g.sched(nak, g.T(3), 10 * g.MS)
    return g.srt(g.frames(items, g.link_eth))


# ------------------------------------------------------------------ SIP
def sip_req(method, uri, cseq, body=b'', extra=''):
    h = ('%s %s SIP/2.0\r\nVia: SIP/2.0/UDP 10.4.0.10:5060;branch=z9hG4bK%d\r\n'
         'From: <sip:alice@example.gov>;tag=1928\r\nTo: <sip:bob@example.gov>\r\n'
         'Call-ID: a84b4c76e66710@10.4.0.10\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\n%s'
         'Content-Length: %d\r\n\r\n' % (method, uri, cseq, cseq, method, extra, len(body)))
    return h.encode() + body


def sip_resp(code, reason, cseq, method, body=b''):
    h = ('SIP/2.0 %d %s\r\nVia: SIP/2.0/UDP 10.4.0.10:5060;branch=z9hG4bK%d\r\n'
         'From: <sip:alice@example.gov>;tag=1928\r\nTo: <sip:bob@example.gov>;tag=a6c85cf\r\n'
         'Call-ID: a84b4c76e66710@10.4.0.10\r\nCSeq: %d %s\r\nContent-Length: %d\r\n\r\n'
         % (code, reason, cseq, cseq, method, len(body)))
    return h.encode() + body


SDP = (b'v=0\r\no=alice 2890844526 2890844526 IN IP4 10.4.0.10\r\ns=-\r\n'
       b'c=IN IP4 10.4.0.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n')


def f_sip():
    """SIP: a call over UDP (INVITE with SDP, 100, 180, 200, ACK, BYE, 200)
    and a registration over TCP (REGISTER, 401, REGISTER with credentials,
    200; two messages in one segment, a message cut over two)."""
    c, s = '10.4.0.10', '10.4.0.20'
    u = g.udp_exchange(c, s, 5060, 5060, [
        (0, sip_req('INVITE', 'sip:bob@example.gov', 1, SDP, 'Content-Type: application/sdp\r\n')),
        (1, sip_resp(100, 'Trying', 1, 'INVITE')),
        (1, sip_resp(180, 'Ringing', 1, 'INVITE')),
        (1, sip_resp(200, 'OK', 1, 'INVITE', SDP)),
        (0, sip_req('ACK', 'sip:bob@10.4.0.20', 1)),
        (0, sip_req('BYE', 'sip:bob@10.4.0.20', 2)),
        (1, sip_resp(200, 'OK', 2, 'BYE'))])
    r1 = sip_req('REGISTER', 'sip:example.gov', 1)
    r2 = sip_req('REGISTER', 'sip:example.gov', 2, extra='Authorization: Digest username="alice", '
                 'realm="example.gov", nonce="dcd98b", uri="sip:example.gov", response="6629fae4"\r\n')
    t = g.tcp_session(c, s, 40100, 5060, [
        (0, r1),
        (1, sip_resp(100, 'Trying', 1, 'REGISTER') + sip_resp(401, 'Unauthorized', 1, 'REGISTER')),
        (0, r2[:70]), (0, r2[70:]),
        (1, sip_resp(200, 'OK', 2, 'REGISTER'))])
    items = g.sched(u, g.T(0), 20 * g.MS) + g.sched(t, g.T(1), 5 * g.MS)
    return g.srt(g.frames(items, g.link_eth))


# ------------------------------------------------------------------ RFB
def rfb_server_init(w, h, name):
    pf = P('!BBBBHHHBBB3x', 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
    return P('!HH', w, h) + pf + P('!I', len(name)) + name


def f_rfb():
    """RFB: a 3.8 session with VNC authentication accepted (ServerInit with a
    desktop name), a 3.8 session refused (security result FAIL with a
    reason) and a 3.3 session without authentication."""
    c, s = '10.5.0.10', '10.5.0.20'
    chal = bytes(range(16))
    resp = bytes(range(100, 116))
    a = g.tcp_session(c, s, 41000, 5900, [
        (1, b'RFB 003.008\n'), (0, b'RFB 003.008\n'),
        (1, b'\x02\x02\x10'), (0, b'\x02'), (1, chal), (0, resp),
        (1, P('!I', 0)), (0, b'\x01'),
        (1, rfb_server_init(1920, 1080, b'ops-console:0 (Administrator)'))])
    b = g.tcp_session(c, s, 41001, 5900, [
        (1, b'RFB 003.008\n'), (0, b'RFB 003.008\n'),
        (1, b'\x01\x02'), (0, b'\x02'), (1, chal), (0, resp[::-1]),
        (1, P('!I', 1) + P('!I', 19) + b'Authentication fail')])
    d = g.tcp_session(c, s, 41002, 5901, [
        (1, b'RFB 003.003\n'), (0, b'RFB 003.003\n'), (1, P('!I', 1)), (0, b'\x00'),
        (1, rfb_server_init(800, 600, b'kiosk'))])
    items = g.sched(a, g.T(0), 5 * g.MS) + g.sched(b, g.T(1), 5 * g.MS) + g.sched(d, g.T(2), 5 * g.MS)
    return g.srt(g.frames(items, g.link_eth))


GENERATORS = [
    ('app-mqtt.pcap', f_mqtt),
    ('app-krb5.pcap', f_krb5),
    ('app-dhcp.pcap', f_dhcp),
    ('app-sip.pcap', f_sip),
    ('app-rfb.pcap', f_rfb),
]


def build(outdir):
    g.write_pcaps(outdir, GENERATORS)


if __name__ == '__main__':
    build(g.out_dir(sys.argv))
