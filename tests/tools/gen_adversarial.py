#!/usr/bin/env python3
"""gen_adversarial.py RULES_DIR OUT.pcap [RUN] - the worst traffic we can
build for a ruleset's PCREs: for every enabled rule with a pcre, one session
whose buffers hold the rule's contents (so the prefilter nominates it) then
a long run of a character the pcre repeats (`[a-z]+`, `\\d*`, `.{10,}`...),
so the pcre is run on the longest hostile subject the buffers allow.

  - http rules: a POST with the run in the URI, User-Agent, Cookie, Referer,
    one more header and the body, and a response with it in Server and body;
  - tls rules: a ClientHello whose SNI holds the contents and a run (255
    bytes at most);
  - other tcp/udp rules: the contents and the run as the payload, to the
    rule's destination port when it names one (else 80 / 53).
RUN is the run's length (default 1400). `make bench` (tests/bench.sh) builds
it from ../shared/rules/et-open and times taishi and Suricata on it: the
adversarial row. Owned by tests/tools/; writes only OUT."""
import glob
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pcaps as g  # noqa: E402

FILLERS = [b'a', b'A', b'0', b'%', b'/', b'=', b' ', b'.', b'-', b'_', b'x', b'\t', b'&', b'\\',
           b'|', b':', b';', b',', b'"', b"'", b'<', b'>', b'+', b'?', b'#', b'!', b'\x00', b'\xff']
ATOM = re.compile(rb'(\[(?:\\.|[^\]\\])+\]|\\[A-Za-z]|\\.|\.|[^\\()\[\]{}+*?|^$])'
                  rb'(?:\+|\*|\{\d+,\d*\})')


def opt(body, name):
    """Values of keyword `name` in a rule's option body, in order."""
    out = []
    for m in re.finditer(rb'(?:^|;)\s*' + name + rb'\s*:\s*"((?:\\.|[^"\\])*)"', body):
        out.append(m.group(1))
    return out


def content_bytes(v):
    out, i = bytearray(), 0
    while i < len(v):
        c = v[i:i + 1]
        if c == b'|':
            j = v.find(b'|', i + 1)
            if j < 0:
                break
            out += bytes.fromhex(v[i + 1:j].replace(b' ', b'').decode('ascii', 'replace') or '')
            i = j + 1
        elif c == b'\\' and i + 1 < len(v):
            out += v[i + 1:i + 2]
            i += 2
        else:
            out += c
            i += 1
    return bytes(out)


def filler(pcre):
    """A byte the pcre repeats, or None."""
    m = re.match(rb'^/(.*)/([a-zA-Z]*)$', pcre, re.S)
    if not m:
        return None
    body, flags = m.group(1), m.group(2)
    rf = (re.I if b'i' in flags else 0) | (re.S if b's' in flags else 0)
    for am in ATOM.finditer(body):
        atom = am.group(1)
        try:
            r = re.compile(atom, rf)
        except re.error:
            continue
        for f in FILLERS:
            if r.fullmatch(f):
                return f
    return None


def parse(rules_dir):
    out = []
    for path in sorted(glob.glob(os.path.join(rules_dir, '*.rules'))):
        for line in open(path, 'rb'):
            line = line.strip()
            if not line.startswith(b'alert ') or b'pcre:' not in line:
                continue
            hdr, _, body = line.partition(b'(')
            parts = hdr.split()
            if len(parts) < 7:
                continue
            f = None
            for p in opt(body, rb'pcre'):
                f = filler(p)
                if f:
                    break
            if not f:
                continue
            try:
                contents = [content_bytes(c) for c in opt(body, rb'content')]
            except ValueError:
                continue
            port = parts[6].decode('ascii', 'replace')
            out.append((parts[1].decode(), int(port) if port.isdigit() and 0 < int(port) < 65536 else 0,
                        b''.join(contents), f))
    return out


def http_exchange(stuff):
    req = (b'POST /' + stuff + b' HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ' + stuff +
           b'\r\nCookie: ' + stuff + b'\r\nReferer: ' + stuff + b'\r\nX-Data: ' + stuff +
           b'\r\nContent-Length: ' + str(len(stuff)).encode() + b'\r\n\r\n' + stuff)
    resp = (b'HTTP/1.1 200 OK\r\nServer: ' + stuff + b'\r\nContent-Type: text/html\r\nContent-Length: ' +
            str(len(stuff)).encode() + b'\r\n\r\n' + stuff)
    return [(0, req), (1, resp)]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    run = int(sys.argv[3]) if len(sys.argv) > 3 else 1400
    rules = parse(sys.argv[1])
    items, t = [], g.T(0)
    for n, (proto, port, contents, f) in enumerate(rules):
        stuff = contents.replace(b'\r', b'').replace(b'\n', b'') + f * run
        c = '10.%d.%d.%d' % (1 + n // 65536, n // 256 % 256, n % 256)
        s = '192.0.2.%d' % (1 + n % 200)
        cport = 1024 + n % 60000
        if proto == 'http':
            sess = g.tcp_session(c, s, cport, port if port and port != 443 else 80, http_exchange(stuff))
        elif proto == 'tls':
            sni = (contents + f * 255)[:255].decode('latin-1').encode('latin-1')
            sess = g.tcp_session(c, s, cport, port or 443,
                                 [(0, g.tls_client_hello(sni.decode('latin-1'))), (1, g.tls_server_hello())])
        elif proto in ('udp', 'dns'):
            sess = g.udp_exchange(c, s, cport, port or 53, [(0, stuff[:1400])])
        else:
            sess = g.tcp_session(c, s, cport, port or 80, [(0, stuff), (1, stuff)])
        items += g.sched(sess, t, 100)
        t += 100 * (len(sess) + 1)
    items.sort(key=lambda x: x[0])
    open(sys.argv[2], 'wb').write(g.pcap_bytes(g.frames(items, g.link_eth)))
    print(f'gen_adversarial: {len(rules)} pcre rules, {len(items)} packets -> {sys.argv[2]}', file=sys.stderr)


if __name__ == '__main__':
    main()
