/* test_app_tls.c - the TLS handshake parser (app_tls.c, app_x509.c) and
 * the SSH banner parser (app_ssh.c) on messages built here.
 *
 * The certificate is a self-signed one made with tests/tools/gen_test_cert.sh
 * (openssl req -x509) and embedded as DER; what `openssl x509 -noout
 * -subject -issuer -serial -fingerprint -dates` printed for it is recorded
 * below and is what the parser must find:
 *   subject=C = CN, ST = Fujian, L = Fuzhou, O = Taishi Test, OU = Sensors, CN = test.taishi.example
 *   issuer= (the same)
 *   serial=0A1B2C3D4E5F
 *   SHA1 Fingerprint=EC:AD:33:8D:95:7B:7D:2F:DA:25:E5:64:DB:5D:D5:0D:E8:8F:57:AF
 *   notBefore=Nov 29 18:53:00 2026 GMT, notAfter=Nov 26 18:53:00 2036 GMT
 * JA3/JA3S strings were written by hand from the hellos built below and
 * hashed with Python's hashlib.md5:
 *   "771,4865-49199-156,0-10-11-43,29-23,0"  4794542bf737731b2b7abe63cfdb8abe
 *   "771,49199,65281-11"                     303951d4c50efb2e991652225a6f02b1
 *   "771,4865,43-51"                         f4febc55ea12b31ae17cfb7e614afda8
 * JA4 of the same ClientHello, by hand per FoxIO's spec: t (TCP), 13 (the
 * highest of 0x0303 and supported_versions 0x0304, 0x0303), d (SNI), 03
 * suites and 04 extensions without GREASE, 00 (no ALPN); sha256 of
 * "009c,1301,c02f" -> 159d175d8039, of "000a,000b,002b_" (SNI left out,
 * no signature algorithms) -> 02537a42c032 (hashlib.sha256, 12 digits).
 * Each conversation runs whole, byte by byte and in random splits, with
 * the hellos cut across several records too; the transcripts must match. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/core/md5.h"
#include "app/app_tls_hello.h"
#include "app_collect.h"

static const uint8_t cert_der[] = {
  0x30, 0x82, 0x02, 0xb8, 0x30, 0x82, 0x02, 0x21, 0xa0, 0x03, 0x02, 0x01,
  0x02, 0x02, 0x06, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x30, 0x0d, 0x06,
  0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
  0x30, 0x75, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13,
  0x02, 0x43, 0x4e, 0x31, 0x0f, 0x30, 0x0d, 0x06, 0x03, 0x55, 0x04, 0x08,
  0x0c, 0x06, 0x46, 0x75, 0x6a, 0x69, 0x61, 0x6e, 0x31, 0x0f, 0x30, 0x0d,
  0x06, 0x03, 0x55, 0x04, 0x07, 0x0c, 0x06, 0x46, 0x75, 0x7a, 0x68, 0x6f,
  0x75, 0x31, 0x14, 0x30, 0x12, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x0b,
  0x54, 0x61, 0x69, 0x73, 0x68, 0x69, 0x20, 0x54, 0x65, 0x73, 0x74, 0x31,
  0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x04, 0x0b, 0x0c, 0x07, 0x53, 0x65,
  0x6e, 0x73, 0x6f, 0x72, 0x73, 0x31, 0x1c, 0x30, 0x1a, 0x06, 0x03, 0x55,
  0x04, 0x03, 0x0c, 0x13, 0x74, 0x65, 0x73, 0x74, 0x2e, 0x74, 0x61, 0x69,
  0x73, 0x68, 0x69, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x30,
  0x1e, 0x17, 0x0d, 0x32, 0x36, 0x31, 0x31, 0x32, 0x39, 0x31, 0x38, 0x35,
  0x33, 0x30, 0x30, 0x5a, 0x17, 0x0d, 0x33, 0x36, 0x31, 0x31, 0x32, 0x36,
  0x31, 0x38, 0x35, 0x33, 0x30, 0x30, 0x5a, 0x30, 0x75, 0x31, 0x0b, 0x30,
  0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 0x43, 0x4e, 0x31, 0x0f,
  0x30, 0x0d, 0x06, 0x03, 0x55, 0x04, 0x08, 0x0c, 0x06, 0x46, 0x75, 0x6a,
  0x69, 0x61, 0x6e, 0x31, 0x0f, 0x30, 0x0d, 0x06, 0x03, 0x55, 0x04, 0x07,
  0x0c, 0x06, 0x46, 0x75, 0x7a, 0x68, 0x6f, 0x75, 0x31, 0x14, 0x30, 0x12,
  0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x0b, 0x54, 0x61, 0x69, 0x73, 0x68,
  0x69, 0x20, 0x54, 0x65, 0x73, 0x74, 0x31, 0x10, 0x30, 0x0e, 0x06, 0x03,
  0x55, 0x04, 0x0b, 0x0c, 0x07, 0x53, 0x65, 0x6e, 0x73, 0x6f, 0x72, 0x73,
  0x31, 0x1c, 0x30, 0x1a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x13, 0x74,
  0x65, 0x73, 0x74, 0x2e, 0x74, 0x61, 0x69, 0x73, 0x68, 0x69, 0x2e, 0x65,
  0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x30, 0x81, 0x9f, 0x30, 0x0d, 0x06,
  0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
  0x03, 0x81, 0x8d, 0x00, 0x30, 0x81, 0x89, 0x02, 0x81, 0x81, 0x00, 0xad,
  0x4e, 0xec, 0x3d, 0xba, 0x91, 0x79, 0x4c, 0x10, 0xcb, 0xf8, 0x4b, 0xbe,
  0x7b, 0x8a, 0x3b, 0x4f, 0xab, 0x46, 0x1d, 0x7b, 0xf9, 0x61, 0xa0, 0xc9,
  0x3f, 0x40, 0x23, 0xbe, 0x02, 0x3d, 0x22, 0xc7, 0x02, 0xb8, 0x2a, 0x87,
  0x82, 0x41, 0x18, 0x0c, 0xc6, 0x78, 0x74, 0x0b, 0x01, 0xd2, 0x76, 0x65,
  0x46, 0xdb, 0x83, 0xbd, 0x16, 0x89, 0x66, 0x89, 0x6f, 0x60, 0x92, 0xa2,
  0xf4, 0xea, 0xe8, 0xd3, 0xeb, 0x3f, 0x37, 0xdb, 0xa9, 0x82, 0x45, 0x00,
  0x31, 0xfc, 0xf0, 0xba, 0xb5, 0x71, 0x32, 0x55, 0xc7, 0x46, 0x56, 0x25,
  0x37, 0x5d, 0xe1, 0xc3, 0xea, 0x22, 0x56, 0x0b, 0xce, 0x0c, 0xf6, 0x71,
  0x47, 0x68, 0x43, 0x0a, 0x44, 0xb4, 0x2d, 0xb1, 0x5e, 0x57, 0xc1, 0x36,
  0x35, 0xb3, 0xd1, 0xf2, 0x78, 0x6d, 0x82, 0x65, 0x78, 0xde, 0xb7, 0x93,
  0xfe, 0xeb, 0x6d, 0x0e, 0x4c, 0x26, 0x37, 0x02, 0x03, 0x01, 0x00, 0x01,
  0xa3, 0x53, 0x30, 0x51, 0x30, 0x1d, 0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04,
  0x16, 0x04, 0x14, 0x80, 0x14, 0x6b, 0x37, 0x0d, 0x8c, 0x6c, 0x6d, 0x1d,
  0x0b, 0x0a, 0xee, 0x15, 0x13, 0x27, 0xef, 0x1e, 0xef, 0x65, 0x08, 0x30,
  0x1f, 0x06, 0x03, 0x55, 0x1d, 0x23, 0x04, 0x18, 0x30, 0x16, 0x80, 0x14,
  0x80, 0x14, 0x6b, 0x37, 0x0d, 0x8c, 0x6c, 0x6d, 0x1d, 0x0b, 0x0a, 0xee,
  0x15, 0x13, 0x27, 0xef, 0x1e, 0xef, 0x65, 0x08, 0x30, 0x0f, 0x06, 0x03,
  0x55, 0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03, 0x01, 0x01,
  0xff, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
  0x01, 0x0b, 0x05, 0x00, 0x03, 0x81, 0x81, 0x00, 0xa2, 0x69, 0xee, 0x40,
  0xb8, 0x12, 0x4c, 0xe5, 0x1b, 0xf8, 0x62, 0x37, 0x69, 0x76, 0xee, 0x67,
  0xe0, 0xca, 0x9a, 0x17, 0xdf, 0xf5, 0xd7, 0xa4, 0xa8, 0x64, 0x91, 0x02,
  0xcd, 0x9a, 0x41, 0x48, 0x61, 0x21, 0x1b, 0xa5, 0x96, 0xd6, 0xf7, 0x08,
  0x9e, 0xc3, 0x8b, 0xa2, 0x24, 0x52, 0xf5, 0xbd, 0x49, 0xd6, 0x0f, 0x41,
  0xc6, 0x22, 0x58, 0x81, 0x1e, 0x33, 0x1a, 0x31, 0x58, 0xc4, 0x42, 0x4f,
  0x3f, 0x34, 0x5c, 0x47, 0x9b, 0x9d, 0x62, 0xbd, 0xac, 0x2a, 0x4e, 0x93,
  0x92, 0x95, 0x69, 0x9e, 0xf8, 0xc7, 0x63, 0x45, 0xdd, 0xfc, 0xfa, 0x64,
  0x69, 0xc9, 0x6a, 0x07, 0x9d, 0xf6, 0x9b, 0x78, 0xb5, 0x0c, 0x98, 0x47,
  0x96, 0x5c, 0xc1, 0x1e, 0xfc, 0xd0, 0x71, 0xf1, 0xe9, 0xa1, 0x64, 0xf1,
  0xf5, 0x16, 0x59, 0x10, 0x5b, 0x51, 0xc7, 0xed, 0xc6, 0x10, 0x7a, 0x60,
  0xc9, 0xc7, 0x93, 0xcc
};

static struct app_stats st;

struct b {
    uint8_t d[8192];
    size_t n;
};
static void b8(struct b *b, unsigned v) { b->d[b->n++] = (uint8_t)v; }
static void b16(struct b *b, unsigned v) { b8(b, v >> 8); b8(b, v & 0xff); }
static void b24(struct b *b, size_t v) { b8(b, (unsigned)(v >> 16)); b16(b, (unsigned)(v & 0xffff)); }
static void bmem(struct b *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }
static void bfix16(struct b *b, size_t at) { b->d[at] = (uint8_t)((b->n - at - 2) >> 8); b->d[at + 1] = (uint8_t)(b->n - at - 2); }

static void client_hello(struct b *m)
{
    uint8_t rnd[32] = { 1 };
    m->n = 0;
    b8(m, 1); b24(m, 0);
    b16(m, 0x0303); bmem(m, rnd, 32);
    b8(m, 0);                                   /* session id */
    b16(m, 8); b16(m, 0x0a0a); b16(m, 0x1301); b16(m, 0xc02f); b16(m, 0x009c);
    b8(m, 1); b8(m, 0);
    size_t el = m->n; b16(m, 0);
    b16(m, 0x1a1a); b16(m, 0);                  /* GREASE extension */
    b16(m, 0); size_t sl = m->n; b16(m, 0); size_t ll = m->n; b16(m, 0);
    b8(m, 0); b16(m, 19); bmem(m, "test.taishi.example", 19);
    bfix16(m, ll); bfix16(m, sl);
    b16(m, 10); b16(m, 8); b16(m, 6); b16(m, 0x2a2a); b16(m, 29); b16(m, 23);
    b16(m, 11); b16(m, 2); b8(m, 1); b8(m, 0);
    b16(m, 43); b16(m, 5); b8(m, 4); b16(m, 0x0304); b16(m, 0x0303);
    bfix16(m, el);
    size_t bl = m->n - 4;
    m->d[1] = (uint8_t)(bl >> 16); m->d[2] = (uint8_t)(bl >> 8); m->d[3] = (uint8_t)bl;
}

static void server_hello(struct b *m, int tls13)
{
    uint8_t rnd[32] = { 2 };
    size_t at = m->n;
    b8(m, 2); b24(m, 0);
    b16(m, 0x0303); bmem(m, rnd, 32);
    b8(m, 0);
    b16(m, tls13 ? 0x1301 : 0xc02f); b8(m, 0);
    size_t el = m->n; b16(m, 0);
    if (tls13) {
        b16(m, 43); b16(m, 2); b16(m, 0x0304);
        b16(m, 51); b16(m, 36); b16(m, 29); b16(m, 32);
        for (int i = 0; i < 32; i++) b8(m, (unsigned)i);
    } else {
        b16(m, 0xff01); b16(m, 1); b8(m, 0);
        b16(m, 11); b16(m, 2); b8(m, 1); b8(m, 0);
    }
    bfix16(m, el);
    size_t bl = m->n - at - 4;
    m->d[at + 1] = (uint8_t)(bl >> 16); m->d[at + 2] = (uint8_t)(bl >> 8); m->d[at + 3] = (uint8_t)bl;
}

static void certificate(struct b *m, int ncerts)
{
    size_t cl = sizeof(cert_der);
    b8(m, 11); b24(m, 3 + (3 + cl) * (size_t)ncerts);
    b24(m, (3 + cl) * (size_t)ncerts);
    for (int i = 0; i < ncerts; i++) { b24(m, cl); bmem(m, cert_der, cl); }
    b8(m, 14); b24(m, 0);                       /* ServerHelloDone */
}

/* Wraps handshake bytes into records of at most `frag` bytes. */
static void records(struct b *out, uint8_t type, const uint8_t *p, size_t n, size_t frag)
{
    for (size_t off = 0; off < n;) {
        size_t k = n - off < frag ? n - off : frag;
        b8(out, type); b16(out, 0x0301); b16(out, (unsigned)k);
        bmem(out, p + off, k);
        off += k;
    }
}

static char *conversation(const struct b *cli, const struct b *srv, int mode, struct coll *c)
{
    memset(c, 0, sizeof(*c));
    struct app_sink s = coll_sink(c);
    struct app_flow *a = app_flow_new(app_registry_id("tls"), NULL, &st);
    coll_feed(a, 0, cli->d, cli->n, mode, &s);
    coll_feed(a, 1, srv->d, srv->n, mode, &s);
    app_flow_end(a, &s);
    app_flow_free(a);
    return strdup(c->log ? c->log : "");
}

static void test_tls12(void)
{
    struct b ch, hs, cli, srv;
    struct coll c;
    client_hello(&ch);
    hs.n = 0;
    server_hello(&hs, 0);
    certificate(&hs, 2);
    for (int frag = 0; frag < 3; frag++) {
        static const size_t frags[] = { 16384, 100, 7 };
        cli.n = srv.n = 0;
        records(&cli, 22, ch.d, ch.n, frags[frag]);
        records(&srv, 22, hs.d, hs.n, frags[frag]);
        b8(&srv, 20); b16(&srv, 0x0303); b16(&srv, 1); b8(&srv, 1);    /* CCS */
        b8(&srv, 23); b16(&srv, 0x0303); b16(&srv, 3); b8(&srv, 0xaa); b8(&srv, 0xbb); b8(&srv, 0xcc);
        char *ref = NULL;
        for (int mode = 0; mode < 5; mode++) {
            uint64_t m0 = st.memory;
            char *t = conversation(&cli, &srv, mode > 2 ? 2 : mode, &c);
            CHECK_EQ_U(st.memory, m0);
            CHECK_EQ_U(c.n, 2);
            CHECK_EQ_U(c.tx[0].event, 0);
            CHECK_STR(coll_buf(&c, 0, BUF_TLS_SNI, 0), "test.taishi.example");
            CHECK_STR(coll_buf(&c, 0, BUF_JA3_STRING, 0), "771,4865-49199-156,0-10-11-43,29-23,0");
            CHECK_STR(coll_buf(&c, 0, BUF_JA3_HASH, 0), "4794542bf737731b2b7abe63cfdb8abe");
            CHECK_STR(coll_buf(&c, 0, BUF_JA4_HASH, 0), "t13d030400_159d175d8039_02537a42c032");
            CHECK_EQ_U(c.tx[0].kind, TX_TLS_CLIENT_HELLO);
            CHECK_EQ_U(c.tx[1].kind, TX_TLS_SERVER);
            CHECK_EQ_U(c.tx[1].event, 1);
            CHECK_STR(coll_buf(&c, 1, BUF_JA3S_STRING, 0), "771,49199,65281-11");
            CHECK_STR(coll_buf(&c, 1, BUF_JA3S_HASH, 0), "303951d4c50efb2e991652225a6f02b1");
            CHECK_STR(coll_buf(&c, 1, BUF_TLS_CERT_SUBJECT, 0),
                      "C=CN, ST=Fujian, L=Fuzhou, O=Taishi Test, OU=Sensors, CN=test.taishi.example");
            CHECK_STR(coll_buf(&c, 1, BUF_TLS_CERT_ISSUER, 0),
                      "C=CN, ST=Fujian, L=Fuzhou, O=Taishi Test, OU=Sensors, CN=test.taishi.example");
            CHECK_STR(coll_buf(&c, 1, BUF_TLS_CERT_SERIAL, 0), "0A:1B:2C:3D:4E:5F");
            CHECK_STR(coll_buf(&c, 1, BUF_TLS_CERT_FINGERPRINT, 0),
                      "ec:ad:33:8d:95:7b:7d:2f:da:25:e5:64:db:5d:d5:0d:e8:8f:57:af");
            CHECK_EQ_U(coll_nbuf(&c, 1, BUF_TLS_CERTS), 2);
            CHECK(coll_buflen(&c, 1, BUF_TLS_CERTS) == sizeof(cert_der) &&
                  memcmp(coll_buf(&c, 1, BUF_TLS_CERTS, 1), cert_der, sizeof(cert_der)) == 0);
            CHECK_STR(c.tx[1].json,
                      "{\"tls\":{\"subject\":\"C=CN, ST=Fujian, L=Fuzhou, O=Taishi Test, OU=Sensors, CN=test.taishi.example\","
                      "\"issuerdn\":\"C=CN, ST=Fujian, L=Fuzhou, O=Taishi Test, OU=Sensors, CN=test.taishi.example\","
                      "\"serial\":\"0A:1B:2C:3D:4E:5F\","
                      "\"fingerprint\":\"ec:ad:33:8d:95:7b:7d:2f:da:25:e5:64:db:5d:d5:0d:e8:8f:57:af\","
                      "\"sni\":\"test.taishi.example\",\"version\":\"TLS 1.2\","
                      "\"notbefore\":\"2026-11-29T18:53:00\",\"notafter\":\"2036-11-26T18:53:00\","
                      "\"ja3\":{\"hash\":\"4794542bf737731b2b7abe63cfdb8abe\",\"string\":\"771,4865-49199-156,0-10-11-43,29-23,0\"},"
                      "\"ja3s\":{\"hash\":\"303951d4c50efb2e991652225a6f02b1\",\"string\":\"771,49199,65281-11\"},"
                      "\"ja4\":\"t13d030400_159d175d8039_02537a42c032\"}}\n");
            if (!ref)
                ref = t;
            else {
                CHECK(strcmp(ref, t) == 0);
                free(t);
            }
            coll_reset(&c);
        }
        free(ref);
    }
}

static void test_tls13_and_resumption(void)
{
    struct b ch, hs, cli, srv;
    struct coll c;
    client_hello(&ch);
    cli.n = 0;
    records(&cli, 22, ch.d, ch.n, 16384);
    hs.n = 0;
    server_hello(&hs, 1);
    srv.n = 0;
    records(&srv, 22, hs.d, hs.n, 16384);
    b8(&srv, 20); b16(&srv, 0x0303); b16(&srv, 1); b8(&srv, 1);
    b8(&srv, 23); b16(&srv, 0x0303); b16(&srv, 40);
    for (int i = 0; i < 40; i++) b8(&srv, 0x16);     /* encrypted: looks like a handshake header */
    for (int mode = 0; mode < 3; mode++) {
        free(conversation(&cli, &srv, mode, &c));
        CHECK_EQ_U(c.n, 2);
        CHECK(strstr(c.tx[1].json, "\"version\":\"TLS 1.3\"") && !strstr(c.tx[1].json, "subject"));
        CHECK_STR(coll_buf(&c, 1, BUF_JA3S_STRING, 0), "771,4865,43-51");
        CHECK_STR(coll_buf(&c, 1, BUF_JA3S_HASH, 0), "f4febc55ea12b31ae17cfb7e614afda8");
        CHECK_EQ_U(coll_nbuf(&c, 1, BUF_TLS_CERTS), 0);
        coll_reset(&c);
    }
    /* ClientHello only: the event comes at the end of the flow, client side */
    srv.n = 0;
    free(conversation(&cli, &srv, 0, &c));
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(c.tx[1].event, 1);
    CHECK(strstr(c.tx[1].json, "\"sni\":\"test.taishi.example\"") && !strstr(c.tx[1].json, "version"));
    coll_reset(&c);
}

static void test_tls_hostile(void)
{
    struct b ch, cli, srv;
    struct coll c;
    uint64_t e0 = app_stats_get(&st, "tls", "parse_errors");
    client_hello(&ch);
    /* not TLS at all */
    cli.n = 0;
    bmem(&cli, "GET / HTTP/1.1\r\n\r\n", 18);
    srv.n = 0;
    free(conversation(&cli, &srv, 0, &c));
    CHECK_EQ_U(c.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "tls", "parse_errors"), e0 + 1);
    coll_reset(&c);
    /* record length over the maximum */
    cli.n = 0;
    b8(&cli, 22); b16(&cli, 0x0301); b16(&cli, 0xffff);
    free(conversation(&cli, &srv, 0, &c));
    CHECK_EQ_U(c.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "tls", "parse_errors"), e0 + 2);
    coll_reset(&c);
    /* handshake length lies: 16 MB announced; skipped without buffering */
    cli.n = 0;
    uint8_t big[4] = { 1, 0xff, 0xff, 0xff };
    records(&cli, 22, big, 4, 16384);
    for (int i = 0; i < 100; i++) {
        uint8_t junk[1000];
        memset(junk, 0x41, sizeof(junk));
        records(&cli, 22, junk, sizeof(junk), 1000);
        if (cli.n > 7000)
            break;
    }
    uint64_t m0 = st.memory;
    free(conversation(&cli, &srv, 1, &c));
    CHECK_EQ_U(c.n, 0);
    CHECK_EQ_U(st.memory, m0);
    CHECK_EQ_U(app_stats_get(&st, "tls", "parse_errors"), e0 + 3);
    coll_reset(&c);
    /* inner lengths that lie: every length field of the ClientHello set
     * past its end, one at a time; and every byte cut; no crash, no read
     * past the end (guard pages), no SNI out of bounds */
    for (size_t cut = 0; cut < ch.n; cut++) {
        struct b t = ch;
        t.n = cut;
        t.d[1] = (uint8_t)(cut >> 16); t.d[2] = (uint8_t)(cut >> 8); t.d[3] = (uint8_t)cut;
        if (cut < 4)
            t.n = 4;
        cli.n = 0;
        records(&cli, 22, t.d, t.n, 16384);
        srv.n = 0;
        free(conversation(&cli, &srv, 0, &c));
        coll_reset(&c);
        t = ch;
        t.d[cut] = 0xff;
        cli.n = 0;
        records(&cli, 22, t.d, t.n, 16384);
        free(conversation(&cli, &srv, 0, &c));
        coll_reset(&c);
    }
    CHECK(app_stats_get(&st, "tls", "parse_errors") > e0 + 3);
    /* a certificate whose DER is cut: the fingerprint is still given */
    struct b hs;
    hs.n = 0;
    server_hello(&hs, 0);
    b8(&hs, 11); b24(&hs, 3 + 3 + 100); b24(&hs, 3 + 100); b24(&hs, 100); bmem(&hs, cert_der, 100);
    cli.n = 0;
    records(&cli, 22, ch.d, ch.n, 16384);
    srv.n = 0;
    records(&srv, 22, hs.d, hs.n, 16384);
    free(conversation(&cli, &srv, 0, &c));
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(coll_nbuf(&c, 1, BUF_TLS_CERT_FINGERPRINT), 1);
    coll_reset(&c);
}

/* A handshake message over tls_record_max is dropped, and the parse goes
 * on after it whether it came in one feed or byte by byte (a fuzz_tls
 * finding: the whole-feed path skipped everything after it). */
static void test_oversized_message(void)
{
    struct app_limits lim;
    struct b hs, srv, ch, cli;
    char *ref = NULL;
    app_limits_default(&lim);
    lim.tls_record_max = 512;
    client_hello(&ch);
    cli.n = 0;
    records(&cli, 22, ch.d, ch.n, 16384);
    hs.n = 0;
    b8(&hs, 99); b24(&hs, 600);
    for (int i = 0; i < 600; i++) b8(&hs, 0x55);
    server_hello(&hs, 0);
    srv.n = 0;
    records(&srv, 22, hs.d, hs.n, 16384);
    b8(&srv, 20); b16(&srv, 0x0303); b16(&srv, 1); b8(&srv, 1);
    for (int mode = 0; mode < 3; mode++) {
        struct coll c;
        memset(&c, 0, sizeof(c));
        struct app_sink s = coll_sink(&c);
        struct app_flow *a = app_flow_new(app_registry_id("tls"), &lim, &st);
        coll_feed(a, 0, cli.d, cli.n, mode, &s);
        coll_feed(a, 1, srv.d, srv.n, mode, &s);
        app_flow_end(a, &s);
        app_flow_free(a);
        CHECK_EQ_U(c.n, 2);
        CHECK_STR(coll_buf(&c, 1, BUF_JA3S_STRING, 0), "771,49199,65281-11");
        if (!ref)
            ref = strdup(c.log);
        else
            CHECK(strcmp(ref, c.log) == 0);
        coll_reset(&c);
    }
    free(ref);
}

static void test_md5(void)
{
    char h[33];
    md5_hex((const uint8_t *)"", 0, h);
    CHECK_STR(h, "d41d8cd98f00b204e9800998ecf8427e");
    md5_hex((const uint8_t *)"abc", 3, h);
    CHECK_STR(h, "900150983cd24fb0d6963f7d28e17f72");
    static const char *m = "12345678901234567890123456789012345678901234567890123456789012345678901234567890";
    md5_hex((const uint8_t *)m, strlen(m), h);
    CHECK_STR(h, "57edf4a22be3c955ac49da2e2107b67a");
    md5_hex((const uint8_t *)m, 56, h);         /* the padding spills into a second block */
    CHECK_STR(h, "49f193adce178490e34d1b3a4ec0064c");
}

static void ssh_run(const char *cli, const char *srv, int mode, struct coll *c)
{
    memset(c, 0, sizeof(*c));
    struct app_sink s = coll_sink(c);
    struct app_flow *a = app_flow_new(app_registry_id("ssh"), NULL, &st);
    coll_feed(a, 0, cli, strlen(cli), mode, &s);
    coll_feed(a, 1, srv, strlen(srv), mode, &s);
    app_flow_end(a, &s);
    app_flow_free(a);
}

static void test_ssh(void)
{
    struct coll c;
    for (int mode = 0; mode < 3; mode++) {
        ssh_run("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n\x00\x00\x05\xdc binary",
                "a banner line first\r\nSSH-2.0-dropbear_2022.83\r\n\x00\x00\x01", mode, &c);
        CHECK_EQ_U(c.n, 2);
        CHECK_EQ_U(c.tx[0].event, 0);
        CHECK_STR(coll_buf(&c, 0, BUF_SSH_PROTO, 0), "2.0");
        CHECK_STR(coll_buf(&c, 0, BUF_SSH_SOFTWARE, 0), "OpenSSH_8.9p1");
        CHECK_EQ_U(c.tx[1].event, 1);
        CHECK_EQ_U(c.tx[1].dir, APP_DIR_TOCLIENT);
        CHECK_STR(coll_buf(&c, 1, BUF_SSH_SOFTWARE, 0), "dropbear_2022.83");
        CHECK_STR(c.tx[1].json, "{\"ssh\":{\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_8.9p1\"},"
                                "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"dropbear_2022.83\"}}}\n");
        coll_reset(&c);
    }
    /* one side only: reported at the end */
    ssh_run("SSH-1.99-PuTTY_Release_0.78\n", "", 1, &c);
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(c.tx[1].event, 1);
    CHECK_STR(c.tx[1].json, "{\"ssh\":{\"client\":{\"proto_version\":\"1.99\",\"software_version\":\"PuTTY_Release_0.78\"}}}\n");
    coll_reset(&c);
    /* not SSH: a client line that is not a banner, an endless line */
    static char longline[1000];
    memset(longline, 'S', sizeof(longline) - 1);
    ssh_run("GET / HTTP/1.1\r\nSSH-2.0-late\r\n", longline, 2, &c);
    CHECK_EQ_U(c.n, 0);
    coll_reset(&c);
}

/* SSH binary packets after the banners (app_ssh.c ssh_packets): the flow is
 * encrypted once both sides sent NEWKEYS (message 21), whatever the
 * segmentation; a packet header that cannot be SSH stops the walk (the flow
 * then stays inspected). */
static size_t ssh_pkt(uint8_t *o, uint8_t code, size_t plen)
{
    size_t body = 1 + plen, pad = 4 + (8 - (body + 9) % 8) % 8, len = body + pad + 1;
    o[0] = (uint8_t)(len >> 24);
    o[1] = (uint8_t)(len >> 16);
    o[2] = (uint8_t)(len >> 8);
    o[3] = (uint8_t)len;
    o[4] = (uint8_t)pad;
    o[5] = code;
    memset(o + 6, 'k', plen + pad);
    return 4 + len;
}

static void test_ssh_newkeys(void)
{
    for (int mode = 0; mode < 3; mode++) {
        uint8_t cli[512], srv[512];
        size_t nc = (size_t)sprintf((char *)cli, "SSH-2.0-Go\r\n"), ns = (size_t)sprintf((char *)srv, "SSH-2.0-srv\r\n");
        nc += ssh_pkt(cli + nc, 20, 200);          /* KEXINIT */
        ns += ssh_pkt(srv + ns, 20, 150);
        ns += ssh_pkt(srv + ns, 31, 40);           /* KEX reply */
        struct coll c;
        memset(&c, 0, sizeof(c));
        struct app_sink sk = coll_sink(&c);
        struct app_flow *a = app_flow_new(app_registry_id("ssh"), NULL, &st);
        CHECK(app_flow_can_encrypt(a));
        coll_feed(a, 0, (const char *)cli, nc, mode, &sk);
        coll_feed(a, 1, (const char *)srv, ns, mode, &sk);
        CHECK(!app_flow_encrypted(a));
        nc = ssh_pkt(cli, 21, 0);                  /* the client's NEWKEYS, then ciphertext */
        memcpy(cli + nc, "\xde\xad\xbe\xef", 4);
        coll_feed(a, 0, (const char *)cli, nc + 4, mode, &sk);
        CHECK(!app_flow_encrypted(a));             /* one side only */
        ns = ssh_pkt(srv, 21, 0);
        coll_feed(a, 1, (const char *)srv, ns, mode, &sk);
        CHECK(app_flow_encrypted(a));
        app_flow_end(a, &sk);
        app_flow_free(a);
        coll_reset(&c);
        /* padding_length past the packet: not SSH packets, never "encrypted" */
        memset(&c, 0, sizeof(c));
        a = app_flow_new(app_registry_id("ssh"), NULL, &st);
        coll_feed(a, 0, "SSH-2.0-Go\r\n\x00\x00\x00\x08\x09\x15xxxxxxx", 25, mode, &sk);
        coll_feed(a, 1, "SSH-2.0-srv\r\n", 13, mode, &sk);
        ns = ssh_pkt(srv, 21, 0);
        coll_feed(a, 1, (const char *)srv, ns, mode, &sk);
        CHECK(!app_flow_encrypted(a));
        app_flow_end(a, &sk);
        app_flow_free(a);
        coll_reset(&c);
    }
}

/* JA4 from its parts: the example of FoxIO's JA4 README (Chrome;
 * JA4_r "t13d1516h2_002f,0035,...,cca9_0005,000a,...,ff01_0403,0804,...")
 * given out of order, with GREASE, SNI and ALPN mixed in, must give the
 * published t13d1516h2_8daaf6152771_e5627efa2ab1 (also what Suricata
 * 7.0.10 writes for ../shared/pcaps/ndpi/chrome.pcap); and Suricata's
 * degenerate cases (rust/src/ja4.rs tests). */
static void test_ja4(void)
{
    static const uint16_t ciphers[] = { 0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
                                        0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
                                        0x002f, 0x0035 };
    static const uint16_t exts[] = { 0x2a2a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023,
                                     0x0010, 0x0005, 0x000d, 0x0012, 0x0033, 0x002d, 0x002b,
                                     0x001b, 0x4469, 0x0015, 0x3a3a };
    static const uint16_t sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
    char out[37];
    tls_ja4(0, 0x0304, 1, (const uint8_t *)"h2", 2, ciphers, 16, exts, 18, sigs, 8, out);
    CHECK_STR(out, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    tls_ja4(1, 0x0304, 1, (const uint8_t *)"h2", 2, ciphers, 16, exts, 18, sigs, 8, out);
    CHECK_STR(out, "q13d1516h2_8daaf6152771_e5627efa2ab1");
    /* the signature algorithms keep their order: swapping two changes c */
    static const uint16_t sigs2[] = { 0x0804, 0x0403, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
    tls_ja4(0, 0x0304, 1, (const uint8_t *)"h2", 2, ciphers, 16, exts, 18, sigs2, 8, out);
    CHECK(strncmp(out, "t13d1516h2_8daaf6152771_", 24) == 0 && strcmp(out + 24, "e5627efa2ab1") != 0);
    tls_ja4(0, 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, out);
    CHECK_STR(out, "t00i000000_e3b0c44298fc_d2e2adf7177b");
    tls_ja4(1, 0x0303, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, out);
    CHECK_STR(out, "q12i000000_e3b0c44298fc_d2e2adf7177b");
    static const uint16_t c3[] = { 0x1111, 0x0a20, 0xbada };
    static const uint16_t e5[] = { 0x0a0a, 0x0000, 0x0010, 0xface, 0x0121, 0x1234 };
    static const uint16_t s1[] = { 0x6666 };
    tls_ja4(1, 0x0303, 0, (const uint8_t *)"h3-16", 5, c3, 3, e5, 6, s1, 1, out);
    CHECK_STR(out, "q12d0305h6_f500716053f9_2debc8880bae");
    tls_ja4(0, 0x0303, 0, (const uint8_t *)"a", 1, NULL, 0, NULL, 0, NULL, 0, out);
    CHECK(strncmp(out, "t12i000000_", 11) == 0);                 /* one-byte ALPN */
    tls_ja4(0, 0x0303, 0, (const uint8_t *)"\x0a\x0a", 2, NULL, 0, NULL, 0, NULL, 0, out);
    CHECK(strncmp(out, "t12i000000_", 11) == 0);                 /* GREASE ALPN */
    tls_ja4(0, 0x0303, 0, (const uint8_t *)"\xabxy\x01", 4, NULL, 0, NULL, 0, NULL, 0, out);
    CHECK(strncmp(out, "t12i0000a1_", 11) == 0);                 /* not alphanumeric: hex */
    uint16_t many[300];
    for (int i = 0; i < 300; i++)
        many[i] = (uint16_t)(i + 1);
    tls_ja4(0, 0x7f1c, 0, NULL, 0, many, 300, many, 300, many, 300, out);
    CHECK(strncmp(out, "t00i999900_", 11) == 0);                 /* draft version, caps */
}

/* TLCP (GB/T 38636-2020): version 1.1 records and hellos, a TLCP suite,
 * and the Certificate message's signing and encryption certificates
 * (tests/data/tlcp-*.der, SM2/SM3, tests/tools/gen_tlcp_certs.sh; what
 * openssl printed for them, tests/data/tlcp-certs.txt, is checked here). */
static size_t read_der(const char *name, uint8_t *buf, size_t cap)
{
    char path[256];
    snprintf(path, sizeof(path), "tests/data/%s", name);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void tlcp_records(struct b *out, uint8_t type, const uint8_t *p, size_t n, size_t frag)
{
    for (size_t off = 0; off < n;) {
        size_t k = n - off < frag ? n - off : frag;
        b8(out, type); b16(out, 0x0101); b16(out, (unsigned)k);
        bmem(out, p + off, k);
        off += k;
    }
}

static void test_tlcp(void)
{
    static uint8_t sign[2048], enc[2048];
    size_t sl = read_der("tlcp-sign.der", sign, sizeof(sign));
    size_t el = read_der("tlcp-enc.der", enc, sizeof(enc));
    CHECK(sl > 100 && el > 100);
    struct b ch, hs, cli, srv;
    struct coll c;
    uint8_t rnd[32] = { 7 };
    ch.n = 0;
    b8(&ch, 1); b24(&ch, 0); b16(&ch, 0x0101); bmem(&ch, rnd, 32); b8(&ch, 0);
    b16(&ch, 8); b16(&ch, 0xe013); b16(&ch, 0xe053); b16(&ch, 0xe011); b16(&ch, 0xe051);
    b8(&ch, 1); b8(&ch, 0);
    size_t bl = ch.n - 4;
    ch.d[1] = (uint8_t)(bl >> 16); ch.d[2] = (uint8_t)(bl >> 8); ch.d[3] = (uint8_t)bl;
    hs.n = 0;
    b8(&hs, 2); b24(&hs, 2 + 32 + 1 + 3); b16(&hs, 0x0101); bmem(&hs, rnd, 32); b8(&hs, 0);
    b16(&hs, 0xe013); b8(&hs, 0);
    b8(&hs, 11); b24(&hs, 3 + 3 + sl + 3 + el); b24(&hs, 3 + sl + 3 + el);
    b24(&hs, sl); bmem(&hs, sign, sl); b24(&hs, el); bmem(&hs, enc, el);
    b8(&hs, 14); b24(&hs, 0);
    uint64_t t0 = app_stats_get(&st, "tls", "tlcp_handshakes");
    for (int mode = 0; mode < 3; mode++) {
        cli.n = srv.n = 0;
        tlcp_records(&cli, 22, ch.d, ch.n, mode == 2 ? 50 : 16384);
        tlcp_records(&srv, 22, hs.d, hs.n, mode == 2 ? 100 : 16384);
        free(conversation(&cli, &srv, mode, &c));
        CHECK_EQ_U(c.n, 2);
        CHECK_STR(coll_buf(&c, 0, BUF_JA3_STRING, 0), "257,57363-57427-57361-57425,,,");
        CHECK_EQ_U(coll_nbuf(&c, 1, BUF_TLS_CERT_SUBJECT), 2);
        CHECK_STR(coll_buf(&c, 1, BUF_TLS_CERT_SUBJECT, 0),
                  "C=CN, ST=Fujian, O=Taishi Test, OU=Sign, CN=tlcp.taishi.example");
        CHECK_STR(coll_buf(&c, 1, BUF_TLS_CERT_SUBJECT, 1),
                  "C=CN, ST=Fujian, O=Taishi Test, OU=Encrypt, CN=tlcp.taishi.example");
        CHECK_STR(coll_buf(&c, 1, BUF_TLS_CERT_SERIAL, 1), "5A:02");
        CHECK_EQ_U(coll_nbuf(&c, 1, BUF_TLS_CERTS), 2);
        CHECK(strstr(c.tx[1].json, "\"version\":\"TLCP\"") != NULL);
        CHECK(strstr(c.tx[1].json, "\"cipher_suite\":\"ECC_SM4_CBC_SM3\"") != NULL);
        CHECK(strstr(c.tx[1].json, "\"serial\":\"5A:01\",\"fingerprint\":\"10:c6:d6:99:4d:b3:8c:6b:71:e0:f5:84:47:05:2b:80:3f:14:c5:d4\"") != NULL);
        CHECK(strstr(c.tx[1].json, "\"encryption_cert\":{\"subject\":\"C=CN, ST=Fujian, O=Taishi Test, OU=Encrypt, CN=tlcp.taishi.example\","
                     "\"issuerdn\":\"C=CN, ST=Fujian, O=Taishi Test, CN=Taishi Test SM2 CA\",\"serial\":\"5A:02\","
                     "\"fingerprint\":\"88:e9:66:80:e4:5a:fc:30:d5:68:1b:52:ce:18:a1:0a:e7:98:66:6d\"") != NULL);
        coll_reset(&c);
    }
    CHECK_EQ_U(app_stats_get(&st, "tls", "tlcp_handshakes"), t0 + 3);
    /* the encryption certificate's length lies: a parse error, no second cert */
    uint64_t e0 = app_stats_get(&st, "tls", "parse_errors");
    hs.d[2 + 32 + 1 + 3 + 4 + 4 + 3 + 3 + sl] = 0x7f;
    cli.n = srv.n = 0;
    tlcp_records(&cli, 22, ch.d, ch.n, 16384);
    tlcp_records(&srv, 22, hs.d, hs.n, 16384);
    free(conversation(&cli, &srv, 0, &c));
    CHECK_EQ_U(app_stats_get(&st, "tls", "parse_errors"), e0 + 1);
    CHECK(strstr(c.tx[c.n - 1].json, "encryption_cert") == NULL);
    coll_reset(&c);
    /* record version 1.2 (0x0102) is neither TLS nor TLCP */
    cli.n = 0;
    b8(&cli, 22); b16(&cli, 0x0102); b16(&cli, 4); b8(&cli, 1); b24(&cli, 0);
    srv.n = 0;
    free(conversation(&cli, &srv, 0, &c));
    CHECK_EQ_U(c.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "tls", "parse_errors"), e0 + 2);
    coll_reset(&c);
}

int main(void)
{
    test_md5();
    test_tlcp();
    test_ja4();
    test_tls12();
    test_tls13_and_resumption();
    test_tls_hostile();
    test_oversized_message();
    test_ssh();
    test_ssh_newkeys();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_tls");
}
