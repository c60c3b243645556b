#!/usr/bin/env python3
"""make_app_seeds.py - seed corpora of the app-layer fuzz targets.

    python3 tests/fuzz/make_app_seeds.py [OUT_DIR]   (default tests/fuzz/corpus)

Writes corpus/http, corpus/dns and corpus/tls (seed-* files; other files
are left alone). The input format is fuzz_app.h's: a flags byte, then
segments behind a 2-byte header (bit 15 direction, bit 14 gap, 12 bits of
length). Messages are built here from the RFCs (HTTP/1.1 exchanges with
pipelining, folding, chunked and gzip bodies; DNS queries and answers with
compression pointers, over TCP framing; TLS hellos and a certificate made
with tests/tools/gen_test_cert.sh; SSH banners). Two runs write the same
bytes (gzip with mtime 0).
"""
import gzip
import os
import struct
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CERT = bytes.fromhex("308202b830820221a00302010202060a1b2c3d4e5f300d06092a864886f70d01010b05003075310b300906035504061302434e310f300d06035504080c0646756a69616e310f300d06035504070c0646757a686f7531143012060355040a0c0b54616973686920546573743110300e060355040b0c0753656e736f7273311c301a06035504030c13746573742e7461697368692e6578616d706c65301e170d3236313132393138353330305a170d3336313132363138353330305a3075310b300906035504061302434e310f300d06035504080c0646756a69616e310f300d06035504070c0646757a686f7531143012060355040a0c0b54616973686920546573743110300e060355040b0c0753656e736f7273311c301a06035504030c13746573742e7461697368692e6578616d706c6530819f300d06092a864886f70d010101050003818d0030818902818100ad4eec3dba91794c10cbf84bbe7b8a3b4fab461d7bf961a0c93f4023be023d22c702b82a878241180cc678740b01d2766546db83bd168966896f6092a2f4eae8d3eb3f37dba982450031fcf0bab5713255c7465625375de1c3ea22560bce0cf6714768430a44b42db15e57c13635b3d1f2786d826578deb793feeb6d0e4c26370203010001a3533051301d0603551d0e0416041480146b370d8c6c6d1d0b0aee151327ef1eef6508301f0603551d2304183016801480146b370d8c6c6d1d0b0aee151327ef1eef6508300f0603551d130101ff040530030101ff300d06092a864886f70d01010b050003818100a269ee40b8124ce51bf862376976ee67e0ca9a17dff5d7a4a8649102cd9a414861211ba596d6f7089ec38ba22452f5bd49d60f41c62258811e331a3158c4424f3f345c479b9d62bdac2a4e939295699ef8c76345ddfcfa6469c96a079df69b78b50c9847965cc11efcd071f1e9a164f1f51659105b51c7edc6107a60c9c793cc")


def seg(direction, data, cut=4095):
    out = b""
    for i in range(0, len(data), cut):
        part = data[i:i + cut]
        out += struct.pack(">H", (direction << 15) | len(part)) + part
    return out


def gap(direction, n):
    return struct.pack(">H", (direction << 15) | (1 << 14) | (n & 0x0fff))


def conv(flags, *segs):
    return bytes([flags]) + b"".join(segs)


def http_seeds():
    s = {}
    req = b"GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: seed\r\nCookie: a=b\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello"
    s["simple"] = conv(0, seg(0, req), seg(1, resp))
    s["small-limits"] = conv(1, seg(0, req), seg(1, resp))
    s["split"] = conv(0, seg(0, req, 7), seg(1, resp, 5))
    s["pipelined"] = conv(0, seg(0, req + b"HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nPOST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"),
                          seg(1, b"HTTP/1.1 100 Continue\r\n\r\n" + resp + b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"
                              + b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
    s["folding"] = conv(0, seg(0, b"GET /a/./b/../%41 HTTP/1.0\r\nHost: H:80\r\nX: 1\r\n  2\r\nX: 3\r\nbad\r\n\r\n"))
    body = gzip.compress(b"The quick brown fox jumps over the lazy dog. " * 40, mtime=0)
    chunked = b"".join(b"%x\r\n" % len(body[i:i + 50]) + body[i:i + 50] + b"\r\n" for i in range(0, len(body), 50))
    s["gzip-chunked"] = conv(0, seg(0, req), seg(1, b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                                 b"Transfer-Encoding: chunked\r\n\r\n" + chunked + b"0\r\nT: x\r\n\r\n"))
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    d = raw.compress(b"abcdefgh" * 100) + raw.flush()
    s["deflate-raw"] = conv(0, seg(0, req), seg(1, b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n"
                                                b"Content-Length: %d\r\n\r\n" % len(d) + d))
    bomb = gzip.compress(b"\0" * 2000000, mtime=0)
    s["bomb"] = conv(1, seg(0, req), seg(1, b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                           b"Content-Length: %d\r\n\r\n" % len(bomb) + bomb))
    s["gap-body"] = conv(0, seg(0, b"POST /u HTTP/1.1\r\nContent-Length: 10\r\n\r\nab"), gap(0, 5), seg(0, b"fgh"),
                         seg(0, b"GET /after HTTP/1.1\r\n\r\n"))
    s["gap-resync"] = conv(0, seg(0, b"GET /lost HTTP/1.1\r\nHo"), gap(0, 100),
                           seg(0, b"junk\r\nGET /found HTTP/1.1\r\nHost: x\r\n\r\n"), gap(1, 3),
                           seg(1, b"xx\r\nHTTP/1.1 200 OK\r\n\r\nclose-delimited"))
    s["smuggle"] = conv(0, seg(0, b"POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  b"5;x\r\nhello\r\n0\r\n\r\nGET /s HTTP/1.1\r\n\r\n"))
    s["connect"] = conv(0, seg(0, b"CONNECT h:443 HTTP/1.1\r\n\r\n"), seg(1, b"HTTP/1.1 200 OK\r\n\r\n"),
                        seg(0, b"\x16\x03\x01\x00\x05hello"))
    s["not-http"] = conv(2, seg(0, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), seg(1, b"SSH-2.0-x\r\n"))
    return s


def dns_name(name):
    out = b""
    for label in name.split(".") if name else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_seeds():
    s = {}
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + dns_name("www.example.com") + struct.pack(">HH", 1, 1)
    r = struct.pack(">HHHHHH", 0x1234, 0x8180, 1, 3, 0, 0) + dns_name("www.example.com") + struct.pack(">HH", 1, 1)
    cname = dns_name("cdn.example.net")
    r += struct.pack(">HHHIH", 0xc00c, 5, 1, 300, len(cname))
    at = len(r)
    r += cname
    r += struct.pack(">HHHIH", 0xc000 | at, 1, 1, 60, 4) + bytes([192, 0, 2, 1])
    r += struct.pack(">HHHIH", 0xc000 | at, 16, 1, 5, 4) + b"\x03abc"
    loop = struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + struct.pack(">HHH", 0xc00c, 1, 1)
    aaaa = struct.pack(">HHHHHH", 2, 0x8180, 1, 1, 0, 0) + dns_name("v6.example") + struct.pack(">HH", 28, 1)
    aaaa += struct.pack(">HHHIH", 0xc00c, 28, 1, 9, 16) + bytes(range(16))
    s["query"] = conv(0, seg(0, q))
    s["answer"] = conv(0, seg(0, q), seg(1, r))
    s["loop"] = conv(0, seg(0, loop))
    s["aaaa-small"] = conv(1, seg(1, aaaa))
    tcp = struct.pack(">H", len(q)) + q + struct.pack(">H", len(q)) + q
    s["tcp"] = conv(0, seg(0, tcp, 13), seg(1, struct.pack(">H", len(r)) + r))
    s["tcp-gap"] = conv(0, seg(0, tcp[:5]), gap(0, 3), seg(0, tcp))
    return s


def tls_hs(t, body):
    return bytes([t]) + struct.pack(">I", len(body))[1:] + body


def records(t, data, frag=16384):
    return b"".join(bytes([t]) + struct.pack(">HH", 0x0301, len(data[i:i + frag])) + data[i:i + frag]
                    for i in range(0, len(data), frag))


def ext(t, body):
    return struct.pack(">HH", t, len(body)) + body


def tls_seeds():
    s = {}
    sni = b"test.taishi.example"
    exts = ext(0x1a1a, b"") + ext(0, struct.pack(">HBH", len(sni) + 3, 0, len(sni)) + sni)
    exts += ext(10, struct.pack(">HHHH", 6, 0x2a2a, 29, 23)) + ext(11, b"\x01\x00") + ext(43, b"\x04\x03\x04\x03\x03")
    ch = struct.pack(">H", 0x0303) + bytes(32) + b"\x00" + struct.pack(">HHHHH", 8, 0x0a0a, 0x1301, 0xc02f, 0x9c)
    ch += b"\x01\x00" + struct.pack(">H", len(exts)) + exts
    ch = tls_hs(1, ch)
    sh12 = struct.pack(">H", 0x0303) + bytes(32) + b"\x00" + struct.pack(">HB", 0xc02f, 0)
    e12 = ext(0xff01, b"\x00") + ext(11, b"\x01\x00")
    sh12 = tls_hs(2, sh12 + struct.pack(">H", len(e12)) + e12)
    certs = struct.pack(">I", len(CERT))[1:] + CERT
    cert = tls_hs(11, struct.pack(">I", len(certs))[1:] + certs)
    done = tls_hs(14, b"")
    ccs = b"\x14\x03\x03\x00\x01\x01"
    app = b"\x17\x03\x03\x00\x04abcd"
    s["tls12"] = conv(0, seg(0, records(22, ch)), seg(1, records(22, sh12 + cert + done) + ccs + app))
    s["tls12-frag"] = conv(0, seg(0, records(22, ch, 50), 33), seg(1, records(22, sh12 + cert + done, 100), 77))
    s["tls12-small"] = conv(1, seg(0, records(22, ch)), seg(1, records(22, sh12 + cert + done)))
    sh13 = struct.pack(">H", 0x0303) + bytes(32) + b"\x00" + struct.pack(">HB", 0x1301, 0)
    e13 = ext(43, b"\x03\x04") + ext(51, struct.pack(">HH", 29, 32) + bytes(32))
    sh13 = tls_hs(2, sh13 + struct.pack(">H", len(e13)) + e13)
    s["tls13"] = conv(0, seg(0, records(22, ch)), seg(1, records(22, sh13) + ccs + app))
    s["client-only"] = conv(0, seg(0, records(22, ch)))
    s["big-len"] = conv(0, seg(0, records(22, b"\x01\xff\xff\xff" + b"A" * 2000)))
    s["gap"] = conv(0, seg(0, records(22, ch)[:20]), gap(0, 30), seg(1, records(22, sh12)))
    s["ssh"] = conv(8, seg(0, b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n\x00\x00\x01\x0c"),
                    seg(1, b"pre-banner line\r\nSSH-2.0-dropbear_2022.83\r\n"))
    s["ssh-one"] = conv(8, seg(0, b"SSH-1.99-PuTTY\n", 3))

    def sshp(code, payload):            # a cleartext binary packet (RFC 4253 6)
        body = bytes([code]) + payload
        pad = 4 + (-(len(body) + 9)) % 8
        return struct.pack(">IB", len(body) + pad + 1, pad) + body + bytes(pad)
    kex = sshp(20, bytes(16) + b"\x00\x00\x00\x0ecurve25519-sha256" + bytes(40))
    s["ssh-newkeys"] = conv(8, seg(1, b"SSH-2.0-OpenSSH_9.2\r\n" + kex), seg(0, b"SSH-2.0-Go\r\n" + kex),
                            seg(0, sshp(21, b"") + b"encrypted..."), seg(1, sshp(21, b"") + b"encrypted,,,"))
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fuzz", "corpus")
    for target, seeds in (("http", http_seeds()), ("dns", dns_seeds()), ("tls", tls_seeds())):
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(data)
        print(target, len(seeds), "seeds")


if __name__ == "__main__":
    main()
