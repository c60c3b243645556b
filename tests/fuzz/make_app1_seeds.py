#!/usr/bin/env python3
"""make_app1_seeds.py - seed corpora of fuzz_mqtt (and the other parsers of
tests/tools/gen_app1_pcaps.py as they come).

    python3 tests/fuzz/make_app1_seeds.py [OUT_DIR]   (default tests/fuzz/corpus)

Writes corpus/<target>/seed-* (other files are left alone), in fuzz_app.h's
input format: a flags byte, then segments behind a 2-byte header (bit 15
direction, bit 14 gap, 12 bits of length). The messages are the generator's
(gen_app1_pcaps.py), so the seeds and the sample captures agree.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import gen_app1_pcaps as a  # noqa: E402


def seg(direction, data, cut=4095):
    out = b''
    for i in range(0, len(data), cut):
        part = data[i:i + cut]
        out += struct.pack('>H', (direction << 15) | len(part)) + part
    return out


def conv(flags, msgs):
    return bytes([flags]) + b''.join(seg(d, m) for d, m in msgs)


def mqtt_seeds():
    P = struct.pack
    c = a.mq_connect('seed', user='u', password='p', will=('w/t', b'bye'))
    ca = a.mq_msg(2, 0, b'\0\0')
    sub = a.mq_msg(8, 2, P('!H', 1) + a.mq_str('a/+') + b'\1')
    suba = a.mq_msg(9, 0, P('!H', 1) + b'\1')
    p1 = a.mq_publish('a/b', b'v', qos=1, pid=2)
    p2 = a.mq_publish('a/c', b'w', qos=2, pid=3, retain=True)
    c5 = a.mq_connect('v5', ver=5, props=b'\x11\0\0\x0e\x10')
    yield 'session', conv(0, [(0, c), (1, ca), (0, sub), (1, suba), (0, p1), (1, a.mq_ack(4, 2)),
                              (0, p2), (1, a.mq_ack(5, 3)), (0, a.mq_ack(6, 3, 2)),
                              (1, a.mq_ack(7, 3)), (0, a.mq_msg(12, 0, b'')),
                              (1, a.mq_msg(13, 0, b'')), (0, a.mq_msg(14, 0, b''))])
    yield 'small-limits', conv(1, [(0, c + sub + p1), (1, ca + suba)])
    yield 'v5', conv(0, [(0, c5), (1, a.mq_msg(2, 0, b'\0\0\0')),
                         (0, a.mq_publish('t', b'x', qos=1, pid=1, ver=5)),
                         (1, a.mq_msg(4, 0, P('!H', 1) + b'\x10'))])
    yield 'gap', bytes([2]) + seg(0, c[:5]) + P('>H', 0x4000 | 10) + seg(0, c[5:]) + seg(1, ca)
    yield 'unsub', conv(16, [(0, a.mq_msg(10, 2, P('!H', 4) + a.mq_str('x'))),
                             (1, a.mq_msg(11, 0, P('!H', 4)))])


def krb5_seeds():
    R = 'EXAMPLE.GOV'
    req = a.kdc_req(10, R, ('krbtgt', R), cname=('alice',))
    err = a.krb_error(25, R, ('krbtgt', R), crealm=R, cname=('alice',))
    rep = a.kdc_rep(13, R, ('alice',), R, ('cifs', 'fs'), 23, 23)
    yield 'tcp', conv(0, [(0, a.krb_tcp(req)), (1, a.krb_tcp(err)), (0, a.krb_tcp(req)),
                          (1, a.krb_tcp(rep))])
    yield 'udp-req', conv(0, [(0, req)])
    yield 'udp-rep', conv(0, [(1, rep)])
    yield 'udp-err', conv(0, [(1, err)])
    yield 'split', bytes([0]) + seg(1, a.krb_tcp(rep)[:30]) + seg(1, a.krb_tcp(rep)[30:])


def dhcp_seeds():
    ip = a.g.addr
    opts = [(61, b'\x01' + a.g.mac('02:00:00:00:33:01')), (12, b'host'), (55, bytes([1, 3, 6])),
            (51, struct.pack('!I', 3600)), (6, ip('10.0.0.53')), (50, ip('10.0.0.9'))]
    ack = a.dhcp_msg(2, 7, '02:00:00:00:33:01', 5, yiaddr='10.0.0.9', opts=opts)
    disc = a.dhcp_msg(1, 7, '02:00:00:00:33:01', 1, opts=opts)
    yield 'ack', conv(0, [(1, ack)])
    yield 'extended', conv(4, [(0, disc), (1, ack)])
    yield 'cut', conv(4, [(1, ack[:250])])


def sip_seeds():
    inv = a.sip_req('INVITE', 'sip:bob@example.gov', 1, a.SDP, 'Content-Type: application/sdp\r\n')
    ok = a.sip_resp(200, 'OK', 1, 'INVITE', a.SDP)
    yield 'call', conv(0, [(0, inv), (1, a.sip_resp(100, 'Trying', 1, 'INVITE')), (1, ok),
                           (0, a.sip_req('ACK', 'sip:bob@x', 1))])
    yield 'pipelined', conv(1, [(0, inv + inv), (1, ok + ok)])
    yield 'gap', bytes([0]) + seg(1, ok[:-20]) + struct.pack('>H', 0x8000 | 0x4000 | 10) + seg(1, ok)


def rfb_seeds():
    v8, v3 = b'RFB 003.008\n', b'RFB 003.003\n'
    si = a.rfb_server_init(1024, 768, b'desk')
    yield 'vnc-auth', conv(0, [(1, v8), (0, v8), (1, b'\x02\x02\x10'), (0, b'\x02'),
                               (1, bytes(16)), (0, bytes(16)), (1, b'\0\0\0\0'), (0, b'\x01'),
                               (1, si)])
    yield 'fail', conv(0, [(1, v8), (0, v8), (1, b'\x01\x02'), (0, b'\x02'), (1, bytes(16)),
                           (0, bytes(16)), (1, b'\0\0\0\x01\0\0\0\x02no')])
    yield 'v33', conv(0, [(1, v3 + b'\0\0\0\x01' + si), (0, v3 + b'\x00')])


def build(out):
    for target, gen in [('mqtt', mqtt_seeds), ('krb5', krb5_seeds), ('dhcp', dhcp_seeds),
                        ('sip', sip_seeds), ('rfb', rfb_seeds)]:
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for name, data in gen():
            with open(os.path.join(d, 'seed-' + name), 'wb') as f:
                f.write(data)


if __name__ == '__main__':
    build(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'corpus'))
