#!/usr/bin/env python3
"""files_tsv.py EVE.json [--no-magic] - the fileinfo events of an EVE file
(Suricata's or taishi's) as sorted tab-separated lines, one per file:
  src_ip:port dest_ip:port  tx_id  filename  size  state  gaps  md5  sha1  sha256  magic
(src is the file's sender in both). Used to hold taishi's files against
Suricata 7.0.10's (tests/golden/files/, tests/tools/make_files_golden.sh)."""
import ipaddress
import json
import sys


def ep(ip, port):
    try:
        ip = str(ipaddress.ip_address(ip))      # Suricata writes IPv6 uncompressed
    except ValueError:
        pass
    return '%s:%s' % (ip, port)


def rows(path, magic=True):
    out = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get('event_type') != 'fileinfo':
                continue
            fi = e['fileinfo']
            out.append('\t'.join(str(x) for x in [
                ep(e.get('src_ip'), e.get('src_port', '')),
                ep(e.get('dest_ip'), e.get('dest_port', '')),
                fi.get('tx_id', ''), fi.get('filename', ''), fi.get('size', ''),
                fi.get('state', ''), str(fi.get('gaps', '')).lower(),
                fi.get('md5', '-'), fi.get('sha1', '-'), fi.get('sha256', '-'),
                fi.get('magic', '-') if magic else '']))
    return sorted(out)


if __name__ == '__main__':
    for r in rows(sys.argv[1], '--no-magic' not in sys.argv):
        print(r)
