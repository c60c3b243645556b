#!/usr/bin/env python3
"""gen_app_pcaps.py - captures for the app-layer parsers of issue 16 that
this generator owns: pcaps/app-snmp.pcap, app-tftp.pcap, ...

Usage:  python3 tests/tools/gen_app_pcaps.py [OUTDIR]   (default: <repo>/pcaps/)

Same conventions as gen_pcaps.py (whose builders it imports): standard
library only, nothing random, timestamps from 2024-03-01T00:00:00Z here so
the files do not look like gen_pcaps.py's. Each message is built from its
RFC's layout field by field (BER for SNMP, RFC 1350 for TFTP); Suricata
7.0.10's events on these files are the reference for the golden output
(tests/golden/app-*.pcap.json; tests/tools/app_compare.py).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pcaps as g  # noqa: E402

P = struct.pack
BASE = 1709251200 * 10**9               # 2024-03-01T00:00:00Z


def T(sec):
    return BASE + int(sec * 10**9)


# ------------------------------------------------------------------ BER
def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + ber_len(len(body)) + body


def ber_int(v, tag=0x02):
    n = max(1, (v.bit_length() + 8) // 8)
    return tlv(tag, v.to_bytes(n, 'big', signed=True))


def ber_uint(v, tag):                   # Counter/Gauge/TimeTicks
    n = max(1, (v.bit_length() + 8) // 8)
    return tlv(tag, v.to_bytes(n, 'big'))


def ber_oid(dotted):
    a = [int(x) for x in dotted.split('.')]
    out = bytes([a[0] * 40 + a[1]])
    for x in a[2:]:
        enc = [x & 0x7f]
        x >>= 7
        while x:
            enc.append(0x80 | (x & 0x7f))
            x >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, out)


def seq(*items):
    return tlv(0x30, b''.join(items))


def octets(s):
    return tlv(0x04, s if isinstance(s, bytes) else s.encode())


NULL = b'\x05\x00'


def varbinds(vbs):
    return seq(*[seq(ber_oid(o), v) for o, v in vbs])


def snmp_pdu(tag, reqid, vbs, err=0, erridx=0):
    return tlv(tag, ber_int(reqid) + ber_int(err) + ber_int(erridx) + varbinds(vbs))


def snmp_msg(version, community, pdu):
    return seq(ber_int(version), octets(community), pdu)


def snmp_trap_v1(enterprise, agent, generic, specific, ticks, vbs):
    return tlv(0xa4, ber_oid(enterprise) + tlv(0x40, bytes(map(int, agent.split('.')))) +
               ber_int(generic) + ber_int(specific) + ber_uint(ticks, 0x43) + varbinds(vbs))


def snmp_v3(msgid, flags, user, pdu=None, encrypted=None):
    usm = seq(octets(b'\x80\x00\x1f\x88\x80\x01\x02\x03\x04'), ber_int(5), ber_int(1200),
              octets(user), octets(b'\0' * 12 if flags & 1 else b''),
              octets(b'\0' * 8 if flags & 2 else b''))
    glob = seq(ber_int(msgid), ber_int(65507), octets(bytes([flags])), ber_int(3))
    data = octets(encrypted) if encrypted is not None else \
        seq(octets(b'\x80\x00\x1f\x88\x80\x01\x02\x03\x04'), octets(b''), pdu)
    return seq(ber_int(3), glob, octets(usm), data)


SYS_DESCR, SYS_UPTIME, IF_DESCR = '1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.2.2.1.2'


def f_snmp():
    c, s, m = '10.16.0.5', '10.16.0.161', '10.16.0.162'
    items = []

    def ex(t0, cport, msgs, sport=161, cli=c, srv=s):
        items.extend(g.sched(g.udp_exchange(cli, srv, cport, sport, msgs), T(t0), 2 * g.MS))

    # v1 get-request / response, community "public"
    ex(0, 40001, [(0, snmp_msg(0, 'public', snmp_pdu(0xa0, 1001, [(SYS_DESCR, NULL)]))),
                  (1, snmp_msg(0, 'public', snmp_pdu(0xa2, 1001, [
                      (SYS_DESCR, octets('Linux router 5.10 #1 SMP'))])))])
    # v2c get-next + get-bulk, community "private", two varbinds
    ex(1, 40002, [(0, snmp_msg(1, 'private', snmp_pdu(0xa1, 2001, [(IF_DESCR, NULL),
                                                                    (SYS_UPTIME, NULL)]))),
                  (1, snmp_msg(1, 'private', snmp_pdu(0xa2, 2001, [
                      (IF_DESCR + '.1', octets('eth0')), (SYS_UPTIME, ber_uint(123456, 0x43))]))),
                  (0, snmp_msg(1, 'private', tlv(0xa5, ber_int(2002) + ber_int(0) + ber_int(10) +
                                                 varbinds([(IF_DESCR, NULL)]))))])
    # v2c set-request with a non-default community; response with an error
    ex(2, 40003, [(0, snmp_msg(1, 'n3tw0rk-ops', snmp_pdu(0xa3, 3001, [
        ('1.3.6.1.2.1.1.5.0', octets('core-sw-1'))]))),
                  (1, snmp_msg(1, 'n3tw0rk-ops', snmp_pdu(0xa2, 3001, [
                      ('1.3.6.1.2.1.1.5.0', octets('core-sw-1'))], err=17, erridx=1)))])
    # v1 trap to 162 and a v2c trap (0xa7) with a large OID arc
    ex(3, 40004, [(0, snmp_msg(0, 'public', snmp_trap_v1('1.3.6.1.4.1.8072.3.2.10', '10.16.0.5',
                                                        6, 17, 98765,
                                                        [('1.3.6.1.4.1.8072.2.3.2.1', ber_int(42))])))],
       sport=162, srv=m)
    ex(4, 40005, [(0, snmp_msg(1, 'public', snmp_pdu(0xa7, 5001, [
        (SYS_UPTIME, ber_uint(5000, 0x43)),
        ('1.3.6.1.6.3.1.1.4.1.0', ber_oid('1.3.6.1.4.1.2021.251.1'))])))], sport=162, srv=m)
    # v3: a noAuthNoPriv get with user "monitor" and its report; an encrypted one
    ex(5, 40006, [(0, snmp_v3(77, 4, 'monitor', tlv(0xa0, ber_int(7001) + ber_int(0) + ber_int(0) +
                                                     varbinds([(SYS_DESCR, NULL)])))),
                  (1, snmp_v3(77, 0, 'monitor', tlv(0xa8, ber_int(7001) + ber_int(0) + ber_int(0) +
                                                     varbinds([('1.3.6.1.6.3.15.1.1.4.0',
                                                                ber_uint(1, 0x41))])))),
                  (0, snmp_v3(78, 7, 'admin', encrypted=bytes(range(40))))])
    # IPv6 v2c get with community "public"
    items.extend(g.sched(g.udp_exchange('2001:db8:16::5', '2001:db8:16::161', 40007, 161, [
        (0, snmp_msg(1, 'public', snmp_pdu(0xa0, 8001, [(SYS_UPTIME, NULL)])))]), T(6), g.MS))
    # not SNMP on port 161 (a truncated message): counted, no event
    ex(7, 40008, [(0, bytes.fromhex('302c020101040670'))])
    return g.srt(g.frames(items, g.link_eth))


# ------------------------------------------------------------------ TFTP
def tftp_req(op, name, mode, opts=()):
    return P('!H', op) + name.encode() + b'\0' + mode.encode() + b'\0' + \
        b''.join(k.encode() + b'\0' + v.encode() + b'\0' for k, v in opts)


def f_tftp():
    c, s = '10.24.0.5', '10.24.0.69'
    items = []

    def ex(t0, cport, msgs, sport=69, srv=s):
        items.extend(g.sched(g.udp_exchange(c, srv, cport, sport, msgs), T(t0), 2 * g.MS))

    # RRQ (octet) to 69; the transfer from the server's own port (another flow)
    ex(0, 41001, [(0, tftp_req(1, 'pxelinux.0', 'octet'))])
    ex(0.01, 41001, [(1, P('!HH', 3, 1) + bytes(512)), (0, P('!HH', 4, 1)),
                     (1, P('!HH', 3, 2) + b'end of file'), (0, P('!HH', 4, 2))], sport=50001)
    # WRQ (netascii, upper case) with an option (RFC 2347), and an ERROR back
    ex(1, 41002, [(0, tftp_req(2, 'configs/router-confg', 'NETASCII', [('blksize', '1428')])),
                  (1, P('!HH', 5, 2) + b'Access violation\0')])
    # RRQ with a path and the mail mode
    ex(2, 41003, [(0, tftp_req(1, '/etc/passwd', 'mail'))])
    # not TFTP on 69: an unknown opcode, and a request with no mode
    ex(3, 41004, [(0, P('!H', 9) + b'x\0octet\0')])
    ex(4, 41005, [(0, P('!H', 1) + b'file-without-mode')])
    return g.srt(g.frames(items, g.link_eth))


# ------------------------------------------------------------------ RDP
def tpkt(body):
    return P('!BBH', 3, 0, 4 + len(body)) + body


def x224_cr(cookie=None, neg=None):
    var = (b'Cookie: mstshash=' + cookie.encode() + b'\r\n' if cookie else b'') + (neg or b'')
    return tpkt(P('!BBHHB', 6 + len(var), 0xe0, 0, 0, 0) + var)


def x224_cc(neg):
    return tpkt(P('!BBHHB', 6 + len(neg), 0xd0, 0, 0x1234, 0) + neg)


def neg_req(flags, protocols):
    return P('<BBHI', 1, flags, 8, protocols)


def neg_rsp(flags, proto):
    return P('<BBHI', 2, flags, 8, proto)


def neg_fail(code):
    return P('<BBHI', 3, 0, 8, code)


def utf16z(s, size):
    b = s.encode('utf-16-le')
    return b + bytes(size - len(b))


def cs_core(name, layout, build, full=True):
    b = P('<IHHHHII', 0x80004, 1920, 1080, 0xca01, 0xaa03, layout, build) + utf16z(name, 32) + \
        P('<III', 4, 0, 12) + utf16z('', 64)
    if full:
        b += P('<HHIHHH', 0xca01, 1, 0, 0x18, 0x0f, 0x0721) + utf16z('55041-013-1234567-12345', 64) + \
            P('<BBI', 6, 0, 0) + P('<IIHII', 600, 340, 0, 100, 100)
    return P('<HH', 0xc001, 4 + len(b)) + b


def cs_net(names):
    body = P('<I', len(names)) + b''.join(n.encode().ljust(8, b'\0') + P('<I', 0x80800000) for n in names)
    return P('<HH', 0xc003, 4 + len(body)) + body


def per_len(n):
    return bytes([n]) if n < 0x80 else P('!H', 0x8000 | n)


def mcs_connect_initial(blocks):
    ud = b''.join(blocks)
    gcc = b'\x00\x05\x00\x14\x7c\x00\x01'
    cc = b'\x00\x08\x00\x10\x00\x01\xc0\x00Duca' + per_len(len(ud)) + ud
    gcc += per_len(len(cc)) + cc
    dom = tlv(0x30, b''.join(ber_int(x) for x in (34, 2, 0, 1, 0, 1, 65535, 2)))
    body = octets(b'\x01') + octets(b'\x01') + b'\x01\x01\xff' + dom + dom + dom + octets(gcc)
    return tpkt(b'\x02\xf0\x80' + b'\x7f\x65' + ber_len(len(body)) + body)


def mcs_connect_response():
    body = b'\x0a\x01\x00' + ber_int(0) + tlv(0x30, ber_int(22)) + octets(b'\x00\x05\x00\x14\x7c\x00\x01')
    return tpkt(b'\x02\xf0\x80' + b'\x7f\x66' + ber_len(len(body)) + body)


def test_cert():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fuzz'))
    import make_app_seeds
    return make_app_seeds.CERT


def f_rdp():
    c, s = '10.22.0.5', '10.22.0.89'
    items = []

    def sess(t0, cport, ex):
        items.extend(g.sched(g.tcp_session(c, s, cport, 3389, ex), T(t0), g.MS))

    # standard RDP security: cookie, negotiation, MCS connect with client data and channels
    sess(0, 42001, [(0, x224_cr('alice', neg_req(0, 0))), (1, x224_cc(neg_rsp(0x1f, 0))),
                    (0, mcs_connect_initial([cs_core('WS-ALICE', 0x0409, 7601),
                                             P('<HHII', 0xc002, 12, 0x1b, 0),
                                             cs_net(['rdpdr', 'rdpsnd', 'cliprdr', 'drdynvc'])])),
                    (1, mcs_connect_response())])
    # CredSSP (hybrid): TLS after the confirm; the server's certificate
    cert = test_cert()
    certmsg = g.tls_handshake(11, P('!I', len(cert) + 3)[1:] + P('!I', len(cert))[1:] + cert)
    sess(1, 42002, [(0, x224_cr('bob', neg_req(0, 3))), (1, x224_cc(neg_rsp(0x0f, 2))),
                    (0, g.tls_client_hello('rdp.example.net')),
                    (1, g.tls_server_hello() + certmsg)])
    # flags, no cookie; the server wants SSL
    sess(2, 42003, [(0, x224_cr(None, neg_req(0x09, 0))), (1, x224_cc(neg_fail(1)))])
    # a short client core block (no optional fields), zh-CN keyboard, Windows 10
    sess(3, 42004, [(0, x224_cr('carol', neg_req(0, 0))), (1, x224_cc(neg_rsp(0, 0))),
                    (0, mcs_connect_initial([cs_core('LAPTOP-7', 0x0804, 17763, full=False)]))])
    return g.srt(g.frames(items, g.link_eth))


# ------------------------------------------------------------------ NFS
def xdr_opaque(b):
    return P('!I', len(b)) + b + bytes(-len(b) % 4)


def rpc_call(xid, proc, args, machine='ws12', uid=1000, gid=1000):
    cred = P('!I', 0x5f3e1a2b) + xdr_opaque(machine.encode()) + P('!III', uid, gid, 1) + P('!I', gid)
    return P('!IIIIII', xid, 0, 2, 100003, 3, proc) + P('!I', 1) + xdr_opaque(cred) + P('!II', 0, 0) + args


def rpc_reply(xid, res):
    return P('!III', xid, 1, 0) + P('!II', 0, 0) + P('!I', 0) + res


def rm(msg):
    return P('!I', 0x80000000 | len(msg)) + msg


FH_ROOT = bytes.fromhex('01000701000a0000000000000000000000000000000000000000000000000002')
FH_FILE = bytes.fromhex('01000701000a00000000000000000000000000000000000000000000000a1b2c')
NO_ATTR = P('!I', 0)


def f_nfs():
    c, s = '10.23.0.5', '10.23.0.49'
    fh, name = xdr_opaque, xdr_opaque
    ex = [
        (0, rm(rpc_call(0x1001, 0, b''))), (1, rm(rpc_reply(0x1001, b''))),
        (0, rm(rpc_call(0x1002, 1, fh(FH_ROOT)))), (1, rm(rpc_reply(0x1002, P('!I', 0) + bytes(84)))),
        (0, rm(rpc_call(0x1003, 3, fh(FH_ROOT) + name(b'report.pdf')))),
        (1, rm(rpc_reply(0x1003, P('!I', 0) + fh(FH_FILE) + NO_ATTR + NO_ATTR))),
        (0, rm(rpc_call(0x1004, 3, fh(FH_ROOT) + name(b'missing.txt')))),
        (1, rm(rpc_reply(0x1004, P('!I', 2) + NO_ATTR))),
        (0, rm(rpc_call(0x1005, 8, fh(FH_ROOT) + name(b'new.txt') + P('!I', 0) + P('!I', 0) * 6))),
        (1, rm(rpc_reply(0x1005, P('!I', 0) + P('!I', 1) + fh(FH_FILE) + NO_ATTR + NO_ATTR + NO_ATTR))),
        (0, rm(rpc_call(0x1006, 4, fh(FH_FILE) + P('!I', 0x1f)))),
        (1, rm(rpc_reply(0x1006, P('!I', 0) + NO_ATTR + P('!I', 0x1f)))),
        (0, rm(rpc_call(0x1007, 12, fh(FH_ROOT) + name(b'old.log')))),
        (1, rm(rpc_reply(0x1007, P('!I', 13) + NO_ATTR + NO_ATTR))),
        (0, rm(rpc_call(0x1008, 14, fh(FH_ROOT) + name(b'a.txt') + fh(FH_ROOT) + name(b'b.txt')))),
        (1, rm(rpc_reply(0x1008, P('!I', 0) + NO_ATTR * 4))),
        (0, rm(rpc_call(0x1009, 9, fh(FH_ROOT) + name(b'projects') + P('!I', 0) * 6))),
        (1, rm(rpc_reply(0x1009, P('!I', 17) + NO_ATTR + NO_ATTR))),
        (0, rm(rpc_call(0x100a, 17, fh(FH_ROOT) + P('!QQII', 0, 0, 4096, 32768)))),
        (1, rm(rpc_reply(0x100a, P('!I', 0) + NO_ATTR + bytes(8) + P('!II', 0, 1)))),
    ]
    items = g.sched(g.tcp_session(c, s, 875, 2049, ex), T(0), g.MS)
    return g.srt(g.frames(items, g.link_eth))


FILES = [('app-snmp.pcap', f_snmp), ('app-tftp.pcap', f_tftp), ('app-rdp.pcap', f_rdp),
         ('app-nfs.pcap', f_nfs)]


def build(outdir):
    g.write_pcaps(outdir, FILES)


if __name__ == '__main__':
    build(g.out_dir(sys.argv))
