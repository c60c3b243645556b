#!/usr/bin/env python3
"""gen_tlcp_pcap.py OUT.pcap - TLCP (GB/T 38636-2020) handshakes for the TLS
parser's TLCP golden test (pcaps/app-tlcp.pcap; pcaps/README.md).

The certificates are the SM2/SM3 ones of tests/data/tlcp-*.der, made by
tests/tools/gen_tlcp_certs.sh (what `openssl x509` says of them is in
tests/data/tlcp-certs.txt). The handshake layout follows GB/T 38636-2020
6.4: records and hellos of version 1.1 (0x0101), ClientHello offering
ECC_SM4_CBC_SM3 (0xe013), ECC_SM4_GCM_SM3 (0xe053), ECDHE_SM4_CBC_SM3
(0xe011), ECDHE_SM4_GCM_SM3 (0xe051) with an SNI; ServerHello choosing
one; Certificate with the signing certificate, the encryption certificate
and the CA (6.4.5.3); ServerKeyExchange (a placeholder SM2 signature),
ServerHelloDone; ClientKeyExchange, ChangeCipherSpec and an encrypted
Finished each way. Standard library only (the TCP/IP/Ethernet framing and
pcap writer of tests/tools/gen_pcaps.py, imported); deterministic.

Flows: (1) 10.0.0.1 -> 192.0.2.10:443, ECC_SM4_GCM_SM3; (2) 10.0.0.2 ->
192.0.2.20:8443, ECDHE_SM4_CBC_SM3 (a port nDPI has no TLS guess for).
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pcaps as g  # noqa: E402

P = g.P
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
TLCP = 0x0101


def cert(name):
    with open(os.path.join(HERE, "tlcp-%s.der" % name), "rb") as f:
        return f.read()


def hs(t, body):
    return P("!B", t) + P("!I", len(body))[1:] + body


def records(rtype, data):
    return b"".join(P("!BHH", rtype, TLCP, len(data[o:o + 16384])) + data[o:o + 16384]
                    for o in range(0, len(data), 16384))


def client_hello(sni, seed):
    exts = g.tls_ext(0, g.v16(b"\0" + g.v16(sni)))
    body = (P("!H", TLCP) + hashlib.sha256(b"tlcp client " + seed).digest() + g.v8(b"")
            + g.v16(P("!4H", 0xe013, 0xe053, 0xe011, 0xe051)) + g.v8(b"\0") + g.v16(exts))
    return records(22, hs(1, body))


def server_flight(suite, seed):
    sh = (P("!H", TLCP) + hashlib.sha256(b"tlcp server " + seed).digest()
          + g.v8(hashlib.sha256(b"tlcp session " + seed).digest()) + P("!HB", suite, 0))
    chain = b"".join(P("!I", len(c))[1:] + c for c in (cert("sign"), cert("enc"), cert("ca")))
    msgs = hs(2, sh) + hs(11, P("!I", len(chain))[1:] + chain)
    msgs += hs(12, g.v16(hashlib.sha512(b"sm2 signature " + seed).digest()[:72]))
    msgs += hs(14, b"")
    return records(22, msgs)


def finish(seed):
    return records(20, b"\x01") + records(22, hashlib.sha512(b"finished " + seed).digest()[:48])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "pcaps/app-tlcp.pcap"
    items = []
    for i, (c, s, cport, sport, suite, sni) in enumerate([
            ("10.0.0.1", "192.0.2.10", 49301, 443, 0xe053, b"tlcp.taishi.example"),
            ("10.0.0.2", "192.0.2.20", 49302, 8443, 0xe011, b"gm.taishi.example")]):
        seed = bytes([i])
        ckx = records(22, hs(16, g.v16(hashlib.sha512(b"sm2 encrypted pms " + seed).digest())))
        items += g.sched(g.tcp_session(c, s, cport, sport, [
            (0, client_hello(sni, seed)), (1, server_flight(suite, seed)),
            (0, ckx + finish(seed)), (1, finish(seed + b"s")),
            (0, records(23, b"\xa5" * 64))]), g.T(10 + i), 20 * g.MS)
    items.sort(key=lambda x: x[0])
    with open(out, "wb") as f:
        f.write(g.pcap_bytes(g.frames(items, g.link_eth)))


if __name__ == "__main__":
    main()
