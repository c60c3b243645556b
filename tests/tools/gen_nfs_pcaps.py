#!/usr/bin/env python3
"""gen_nfs_pcaps.py - NFSv3 file work over UDP and TCP: pcaps/app-nfs-udp.pcap
and pcaps/app-nfs-files.pcap.

Usage:  python3 tests/tools/gen_nfs_pcaps.py [OUTDIR]   (default: <repo>/pcaps/)

Same conventions as gen_pcaps.py and gen_app_pcaps.py (whose builders it
imports: RPC calls and replies, record marking, the file handles);
standard library only, nothing random, timestamps from 2024-03-02T00:00:00Z.
Each capture holds one client's session:
  NULL; LOOKUP notes.txt; READ of it in three chunks (1000, 1000, 500 bytes,
  the last with eof); CREATE upload.bin; two UNSTABLE WRITEs (800 and 300
  bytes) and the COMMIT that closes them; a LOOKUP whose reply is lost;
  ACCESS on notes.txt; a READ of a file the session never named.
Over UDP each RPC message is one datagram (no record marking); over TCP each
is one record. Suricata 7.0.10's nfs, rpc and fileinfo objects on these files
are the reference (tests/tools/suri_compare.py).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pcaps as g  # noqa: E402
import gen_app_pcaps as a  # noqa: E402

P = struct.pack
BASE = 1709337600 * 10**9               # 2024-03-02T00:00:00Z

FH_ROOT = a.FH_ROOT
FH_NOTES = bytes.fromhex('01000701000a00000000000000000000000000000000000000000000000b0001')
FH_UP = bytes.fromhex('01000701000a00000000000000000000000000000000000000000000000b0002')
FH_ANON = bytes.fromhex('01000701000a00000000000000000000000000000000000000000000000b0003')
NO_ATTR = P('!I', 0)
WCC_NONE = P('!II', 0, 0)               # pre_op_attr, post_op_attr: none


def content(n, seed):
    line = ('line %d of the %s file, plain text for the hashes\n')
    out = b''
    i = 0
    while len(out) < n:
        out += (line % (i, seed)).encode()
        i += 1
    return out[:n]


NOTES = content(2500, 'notes')
UPLOAD = content(1100, 'upload')
ANON = content(300, 'anonymous')


def read_args(fh, off, count):
    return a.xdr_opaque(fh) + P('!QI', off, count)


def fattr(size, fileid):
    """post_op_attr with a regular file's fattr3 (84 bytes)."""
    return P('!I', 1) + P('!IIIIIQQQQQIIIIII', 1, 0o644, 1, 1000, 1000, size, size, 0, 0,
                          fileid, 1709337000, 0, 1709337000, 0, 1709337000, 0)


def read_res(data, eof, size=2500, fileid=0xb0001):
    return (P('!I', 0) + fattr(size, fileid) + P('!II', len(data), 1 if eof else 0) +
            a.xdr_opaque(data))


def write_args(fh, off, data, stable=0):
    return a.xdr_opaque(fh) + P('!QII', off, len(data), stable) + a.xdr_opaque(data)


def write_res(n, committed=0):
    return P('!I', 0) + WCC_NONE + P('!II', n, committed) + b'VERF0001'


def session():
    """(dir, RPC message) in order; None as a message: a lost datagram."""
    fh, name = a.xdr_opaque, a.xdr_opaque
    C, R = a.rpc_call, a.rpc_reply
    msgs = [
        (0, C(0x2001, 0, b'')), (1, R(0x2001, b'')),
        (0, C(0x2002, 3, fh(FH_ROOT) + name(b'notes.txt'))),
        (1, R(0x2002, P('!I', 0) + fh(FH_NOTES) + NO_ATTR + NO_ATTR)),
    ]
    x = 0x2003
    for off, n, eof in ((0, 1000, 0), (1000, 1000, 0), (2000, 500, 1)):
        msgs += [(0, C(x, 6, read_args(FH_NOTES, off, 1000))),
                 (1, R(x, read_res(NOTES[off:off + n], eof)))]
        x += 1
    msgs += [(0, C(0x2010, 8, fh(FH_ROOT) + name(b'upload.bin') + P('!I', 0) + P('!I', 0) * 6)),
             (1, R(0x2010, P('!I', 0) + P('!I', 1) + fh(FH_UP) + NO_ATTR + WCC_NONE))]
    x = 0x2011
    for off, n in ((0, 800), (800, 300)):
        msgs += [(0, C(x, 7, write_args(FH_UP, off, UPLOAD[off:off + n]))), (1, R(x, write_res(n)))]
        x += 1
    msgs += [(0, C(0x2020, 21, a.xdr_opaque(FH_UP) + P('!QI', 0, 0))),
             (1, R(0x2020, P('!I', 0) + WCC_NONE + b'VERF0001')),
             (0, C(0x2021, 3, fh(FH_ROOT) + name(b'ghost.txt'))),     # its reply is lost
             (0, C(0x2022, 4, fh(FH_NOTES) + P('!I', 0x1f))),
             (1, R(0x2022, P('!I', 0) + NO_ATTR + P('!I', 0x1f))),
             (0, C(0x2023, 6, read_args(FH_ANON, 0, 4096))),
             (1, R(0x2023, read_res(ANON, 1, 300, 0xb0003)))]
    return msgs


def f_udp():
    c, s = '10.23.0.6', '10.23.0.49'
    items = g.sched(g.udp_exchange(c, s, 801, 2049, session()), BASE, g.MS)
    return g.srt(g.frames(items, g.link_eth))


def f_tcp():
    c, s = '10.23.0.7', '10.23.0.49'
    ex = [(d, a.rm(m)) for d, m in session()]
    items = g.sched(g.tcp_session(c, s, 877, 2049, ex), BASE + 10**9, g.MS)
    return g.srt(g.frames(items, g.link_eth))


FILES = [('app-nfs-udp.pcap', f_udp), ('app-nfs-files.pcap', f_tcp)]


def build(outdir):
    g.write_pcaps(outdir, FILES)


if __name__ == '__main__':
    build(g.out_dir(sys.argv))
