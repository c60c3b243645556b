#!/usr/bin/env python3
"""Captures of files crossing the link (issue 15), made with gen_pcaps.py's
packet builders (standard-library Python only; see pcaps/README.md).

files-http.pcap: HTTP/1.1 transfers, one edge case per flow:
  1. GET /dl/report.pdf: Content-Length body, name from the URI path
  2. GET /download?id=7: chunked, Content-Disposition attachment "setup.exe"
  3. GET /data/app.json: gzip Content-Encoding (the file is the inflated body)
  4. POST /upload: multipart/form-data, two files (notes.txt, pixel.png) and
     a plain field (no file)
  5. PUT /put/notes.txt: the request body is a file named by the URI; then
     a urlencoded POST /form (its body is a file too, as in Suricata)
  6. GET /big.bin: a 40,000-byte body with one segment lost (a gap)
  7. keep-alive: two GETs in one connection, two files
  8. GET /cut.zip: Content-Length 20,000, the server resets after 3,000
  9. GET /empty: Content-Length 0 (no file), and HEAD /dl/report.pdf (no body)
 10. GET /deflate.txt: deflate Content-Encoding
Run: tests/tools/gen_file_pcaps.py [OUTDIR] (default pcaps/); gen_pcaps.py
calls it too.
"""
import gzip
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pcaps as g  # noqa: E402

CLI = '10.20.0.5'
SRV = '198.51.100.80'


def det_bytes(n, seed):
    """n bytes that look random, the same every run."""
    out, x = bytearray(), seed
    while len(out) < n:
        x = (x * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        out += (x >> 24).to_bytes(5, 'little')
    return bytes(out[:n])


PDF = (b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>'
       b'\nendobj\n' + b'% filler line for the taishi sample document\n' * 110
       + b'trailer\n<< /Root 1 0 R >>\n%%EOF\n')
MZ = (b'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00'
      + b'\xb8' + b'\x00' * 47 + b'\x80\x00\x00\x00' + det_bytes(4000, 7))
JSON = (b'{"items": [' + b','.join(b'{"id": %d, "name": "item %d"}' % (i, i)
                                    for i in range(300)) + b']}\n')
PNG = (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01'
       b'\x08\x06\x00\x00\x00\x1f\x15\xc4\x89' + det_bytes(600, 3))
NOTES = b'meeting notes\nline two\n' * 40
TEXT = b'The quick brown fox jumps over the lazy dog.\n' * 120


def req(method, path, extra=b'', body=b''):
    h = ('%s %s HTTP/1.1\r\nHost: files.example.com\r\n'
         'User-Agent: taishi-test/1.0\r\n' % (method, path)).encode()
    if body or method in ('POST', 'PUT'):
        h += b'Content-Length: %d\r\n' % len(body)
    return h + extra + b'\r\n' + body


def resp(body, ctype=b'application/octet-stream', extra=b'', cl=None,
         status=b'200 OK'):
    n = len(body) if cl is None else cl
    return (b'HTTP/1.1 ' + status + b'\r\nServer: nginx/1.22.1\r\n'
            b'Content-Type: ' + ctype + b'\r\nContent-Length: %d\r\n' % n
            + extra + b'\r\n' + body)


def chunked(body, size=1000):
    out = b''
    for o in range(0, len(body), size):
        c = body[o:o + size]
        out += b'%x\r\n' % len(c) + c + b'\r\n'
    return out + b'0\r\n\r\n'


def multipart(boundary, parts):
    out = b''
    for headers, data in parts:
        out += b'--' + boundary + b'\r\n' + headers + b'\r\n\r\n' + data + b'\r\n'
    return out + b'--' + boundary + b'--\r\n'


def drop_data_segment(session, d, nth):
    """The session without the nth data segment of direction d (a gap)."""
    out, k = [], 0
    for dd, pkt in session:
        if dd == d and len(pkt) > 60:
            k += 1
            if k == nth:
                continue
        out.append((dd, pkt))
    return out


def f_files_http():
    it, t, port = [], 0.0, 50000

    def add(exchanges, close='fin', mangle=None):
        nonlocal t, port
        s = g.tcp_session(CLI, SRV, port, 80, exchanges, close)
        if mangle:
            s = mangle(s)
        it.extend(g.sched(s, g.T(t), 5 * g.MS))
        t += 1.0
        port += 1

    add([(0, req('GET', '/dl/report.pdf')), (1, resp(PDF, b'application/pdf'))])
    add([(0, req('GET', '/download?id=7')),
         (1, b'HTTP/1.1 200 OK\r\nContent-Type: application/x-msdownload\r\n'
             b'Content-Disposition: attachment; filename="setup.exe"\r\n'
             b'Transfer-Encoding: chunked\r\n\r\n' + chunked(MZ))])
    add([(0, req('GET', '/data/app.json', b'Accept-Encoding: gzip\r\n')),
         (1, resp(gzip.compress(JSON, mtime=0), b'application/json',
                  b'Content-Encoding: gzip\r\n'))])
    bnd = b'----taishiBoundary7MA4YWxk'
    mp = multipart(bnd, [
        (b'Content-Disposition: form-data; name="comment"', b'hello'),
        (b'Content-Disposition: form-data; name="doc"; filename="notes.txt"\r\n'
         b'Content-Type: text/plain', NOTES),
        (b'Content-Disposition: form-data; name="img"; filename="pixel.png"\r\n'
         b'Content-Type: image/png', PNG)])
    add([(0, req('POST', '/upload', b'Content-Type: multipart/form-data; '
                 b'boundary=' + bnd + b'\r\n', mp)),
         (1, resp(b'ok\n', b'text/plain'))])
    add([(0, req('PUT', '/put/notes.txt', b'Content-Type: text/plain\r\n',
                 NOTES)),
         (1, resp(b'', b'text/plain', status=b'201 Created')),
         (0, req('POST', '/form', b'Content-Type: application/x-www-form-'
                 b'urlencoded\r\n', b'user=alice&note=hello+world')),
         (1, resp(b'saved\n', b'text/plain'))])
    big = det_bytes(40000, 11)
    add([(0, req('GET', '/big.bin')), (1, resp(big))],
        mangle=lambda s: drop_data_segment(s, 1, 10))
    add([(0, req('GET', '/a/one.txt')), (1, resp(TEXT[:700], b'text/plain')),
         (0, req('GET', '/a/two.txt')), (1, resp(TEXT[:1500], b'text/plain'))])
    add([(0, req('GET', '/cut.zip')),
         (1, resp(b'PK\x03\x04' + det_bytes(2996, 5), b'application/zip',
                  cl=20000))], close='rst')
    add([(0, req('GET', '/empty')), (1, resp(b'', b'text/plain')),
         (0, req('HEAD', '/dl/report.pdf')),
         (1, resp(b'', b'application/pdf', cl=len(PDF)))])
    co = zlib.compressobj(6, zlib.DEFLATED, 15)
    add([(0, req('GET', '/deflate.txt')),
         (1, resp(co.compress(TEXT) + co.flush(), b'text/plain',
                  b'Content-Encoding: deflate\r\n'))])
    return g.srt(g.frames(it, g.link_eth))


def build(outdir):
    g.reset_ids()
    recs = f_files_http()
    data = g.pcap_bytes(recs)
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, 'files-http.pcap'), 'wb') as f:
        f.write(data)
    print('%-24s %5d packets %8d bytes' % ('files-http.pcap', len(recs), len(data)))


if __name__ == '__main__':
    build(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', 'pcaps'))
