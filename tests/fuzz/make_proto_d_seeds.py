#!/usr/bin/env python3
"""make_proto_d_seeds.py - seed corpora of fuzz_snmp (and the other issue-16
parsers this generator grows with) from the messages of
tests/tools/gen_app_pcaps.py.

    python3 tests/fuzz/make_proto_d_seeds.py [OUT_DIR]   (default tests/fuzz/corpus)

Input format: fuzz_app.h's (a flags byte, then segments behind a 2-byte
header: bit 15 direction, 12 bits of length); for a datagram parser each
segment is one datagram. Deterministic.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import gen_app_pcaps as a  # noqa: E402
import gen_nfs_pcaps as nf  # noqa: E402


def seg(d, data):
    return struct.pack('>H', (d << 15) | len(data)) + data


def snmp_seeds():
    get = a.snmp_msg(0, 'public', a.snmp_pdu(0xa0, 1, [(a.SYS_DESCR, a.NULL)]))
    resp = a.snmp_msg(1, 'private', a.snmp_pdu(0xa2, 1, [(a.IF_DESCR, a.octets('eth0'))], err=2))
    trap = a.snmp_msg(0, 'public', a.snmp_trap_v1('1.3.6.1.4.1.8072', '10.0.0.1', 6, 1, 5,
                                                  [(a.SYS_UPTIME, a.ber_int(1))]))
    v3 = a.snmp_v3(1, 4, 'monitor', a.tlv(0xa0, a.ber_int(1) + a.ber_int(0) + a.ber_int(0) +
                                          a.varbinds([(a.SYS_DESCR, a.NULL)])))
    v3e = a.snmp_v3(2, 7, 'admin', encrypted=bytes(range(32)))
    return {'get': b'\0' + seg(0, get) + seg(1, resp), 'trap': b'\0' + seg(0, trap),
            'v3': b'\0' + seg(0, v3) + seg(1, v3e), 'small': b'\1' + seg(0, get[:20])}


def tftp_seeds():
    return {'rrq': b'\0' + seg(0, a.tftp_req(1, 'pxelinux.0', 'octet')) + seg(1, b'\0\3\0\1data'),
            'wrq': b'\0' + seg(0, a.tftp_req(2, 'cfg', 'NETASCII', [('blksize', '1428')])),
            'err': b'\0' + seg(0, b'\0\5\0\2x\0mail\0') + seg(0, b'\0\1\xc3\xa9\0octet\0')}


def rdp_seeds():
    P = a.P
    std = (b'\0' + seg(0, a.x224_cr('alice', a.neg_req(0, 0))) + seg(1, a.x224_cc(a.neg_rsp(0x1f, 0))) +
           seg(0, a.mcs_connect_initial([a.cs_core('WS', 0x409, 7601), a.cs_net(['rdpdr', 'cliprdr'])])) +
           seg(1, a.mcs_connect_response()))
    cert = a.test_cert()
    certmsg = a.g.tls_handshake(11, P('!I', len(cert) + 3)[1:] + P('!I', len(cert))[1:] + cert)
    tls = (b'\0' + seg(0, a.x224_cr('bob', a.neg_req(0, 3))) +
           seg(1, a.x224_cc(a.neg_rsp(0x0f, 2)) + a.g.tls_server_hello() + certmsg))
    fail = b'\0' + seg(0, a.x224_cr(None, a.neg_req(9, 0))) + seg(1, a.x224_cc(a.neg_fail(1)))
    return {'standard': std, 'tls': tls, 'fail': fail}


def nfs_seeds():
    P, fh = a.P, a.xdr_opaque
    look = a.rm(a.rpc_call(1, 3, fh(a.FH_ROOT) + fh(b'report.pdf')))
    lrep = a.rm(a.rpc_reply(1, P('!I', 0) + fh(a.FH_FILE) + a.NO_ATTR + a.NO_ATTR))
    acc = a.rm(a.rpc_call(2, 4, fh(a.FH_FILE) + P('!I', 0x1f)))
    arep = a.rm(a.rpc_reply(2, P('!I', 0) + a.NO_ATTR + P('!I', 0x1f)))
    ren = a.rm(a.rpc_call(3, 14, fh(a.FH_ROOT) + fh(b'a') + fh(a.FH_ROOT) + fh(b'b')))
    files = nf.session()                # READ in chunks, WRITEs and COMMIT, a lost reply
    return {'lookup': b'\0' + seg(0, look) + seg(1, lrep) + seg(0, acc) + seg(1, arep),
            'rename': b'\0' + seg(0, ren) + seg(1, a.rm(a.rpc_reply(3, P('!I', 0)))),
            # flags 32: files tracked; 8: UDP (each segment one datagram, fuzz_nfs.c)
            'tcp-files': b'\x20' + b''.join(seg(d, a.rm(m)) for d, m in files),
            'udp-files': b'\x28' + b''.join(seg(d, m) for d, m in files)}


def main(out):
    for target, seeds in [('snmp', snmp_seeds()), ('tftp', tftp_seeds()), ('rdp', rdp_seeds()),
                          ('nfs', nfs_seeds())]:
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, 'seed-' + name), 'wb') as f:
                f.write(data)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'corpus'))
