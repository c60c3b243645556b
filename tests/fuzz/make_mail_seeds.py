#!/usr/bin/env python3
"""make_mail_seeds.py - seed corpora of fuzz_smtp and fuzz_ftp.

    python3 tests/fuzz/make_mail_seeds.py [OUT_DIR]   (default tests/fuzz/corpus)

Writes corpus/smtp and corpus/ftp (seed-* files). The input format is
fuzz_app.h's: a flags byte, then segments behind a 2-byte header (bit 15
direction, bit 14 gap, 12 bits of length). The sessions are the ones of
tests/tools/gen_pcaps_mail.py (the generator's SMTP and FTP captures), cut
into their exchanges; a few variants add gaps and small limits.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import gen_pcaps_mail as m  # noqa: E402


def seg(direction, data, cut=4095):
    out = b''
    for i in range(0, len(data), cut):
        part = data[i:i + cut]
        out += struct.pack('>H', (direction << 15) | len(part)) + part
    return out


def gap(direction, n):
    return struct.pack('>H', (direction << 15) | (1 << 14) | n)


def session(pkts):
    """The payloads of a tcp_session's packets, in order, by direction."""
    out = b''
    for d, ip in pkts:
        ihl = (ip[0] & 15) * 4
        tcp = ip[ihl:]
        data = tcp[(tcp[12] >> 4) * 4:]
        if data:
            out += seg(d, data)
    return out


def write(outdir, name, items):
    os.makedirs(os.path.join(outdir, name), exist_ok=True)
    for fn, data in items:
        with open(os.path.join(outdir, name, fn), 'wb') as f:
            f.write(data)


def main(outdir):
    smtp = [('seed-pipelined', b'\0' + session(m.smtp_pipelined())),
            ('seed-bdat', b'\0' + session(m.smtp_bdat())),
            ('seed-starttls', b'\0' + session(m.smtp_starttls())),
            ('seed-plain', b'\0' + session(m.smtp_plain())),
            ('seed-plain-small', b'\1' + session(m.smtp_plain())),
            ('seed-gap-in-data', b'\0' + session(m.smtp_pipelined())[:900] + gap(0, 300)
             + seg(0, b'\r\n.\r\nQUIT\r\n'))]
    ftp_ctl = (seg(1, b'220 hi\r\n') + seg(0, b'USER a\r\nPASS b\r\n')
               + seg(1, b'331 p\r\n230 ok\r\n') + seg(0, b'PASV\r\n')
               + seg(1, b'227 Entering Passive Mode (10,0,0,1,156,66).\r\n')
               + seg(0, b'RETR x.bin\r\nEPSV\r\n')
               + seg(1, b'150 go\r\n226 ok\r\n229 Extended (|||40001|)\r\n')
               + seg(0, b'PORT 10,0,0,2,195,81\r\nEPRT |1|10.0.0.2|50002|\r\nFEAT\r\n')
               + seg(1, b'200 ok\r\n200 ok\r\n211-Features:\r\n EPSV\r\n211 End\r\n')
               + seg(0, b'QUIT\r\n'))
    ftp = [('seed-control', b'\0' + ftp_ctl),
           ('seed-control-gap', b'\0' + ftp_ctl[:60] + gap(0, 7) + ftp_ctl[60:]),
           ('seed-data', b'\x08' + seg(1, m.DL[:3000]) + gap(1, 100) + seg(1, m.DL[3000:4000])),
           ('seed-data-active', b'\x28' + seg(0, m.UL))]
    write(outdir, 'smtp', smtp)
    write(outdir, 'ftp', ftp)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'corpus'))
