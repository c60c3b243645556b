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


GENERATORS = [
    ('app-mqtt.pcap', f_mqtt),
]


def build(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, fn in GENERATORS:
        g.reset_ids()
        recs = fn()
        data = g.pcap_bytes(recs)
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(data)
        print('%-24s %5d packets %8d bytes' % (name, len(recs), len(data)))


if __name__ == '__main__':
    build(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', 'pcaps'))
