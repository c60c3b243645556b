/* test_app_quic.c - QUIC Initial protection (app_quic_crypto.c) against
 * RFC 9001 Appendix A, and the quic parser (app_quic.c) on Initial packets
 * built and sealed here.
 *
 * RFC 9001 A.1 (DCID 0x8394c8f03e515708): client key 1f369613..., iv
 * fa044b2f..., hp 9f50449e...; server key cf3a5331..., iv 0ac1493c..., hp
 * c206b8d9...; A.2: the sample d1b1c98dd7689fb8ec11d242b123dc9b gives the
 * mask 437b9aec36. (The same values were derived independently with
 * Python's `cryptography` HKDF before they were typed in here.)
 *
 * The ClientHello built below: ciphers GREASE 2a2a, 1301, 1302, 1303;
 * extensions GREASE 0a0a, server_name "quic.taishi.example", alpn h3 h3-29,
 * supported_groups 29 23, signature_algorithms 0403 0804 0401,
 * supported_versions 0304, key_share, quic_transport_parameters,
 * psk_key_exchange_modes. By hand (Python hashlib for the digests):
 *   JA3 as Suricata's QUIC parser writes it (GREASE kept, a GREASE
 *   extension as 64250):
 *   "771,10794-4865-4866-4867,64250-0-16-10-13-43-51-57-45,29-23,"  5deaa34507a91dcf55c529fe8de478a4
 *   JA4 q13d0308h3 (q, 1.3, SNI, 3 suites, 8 extensions, "h3")
 *       _ sha256("1301,1302,1303")[:12]                        55b375c5d22e
 *       _ sha256("000a,000d,002b,002d,0033,0039_0403,0804,0401")[:12]  20dfc2e784d3
 *   (55b375c5d22e is also the b part of the example in Suricata's ja4 docs)
 *   JA3S of the ServerHello: "771,4865,43-51"                  f4febc55ea12b31ae17cfb7e614afda8 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app/app_quic_crypto.h"
#include "app_collect.h"

static struct app_stats st;

struct b {
    uint8_t d[4096];
    size_t n;
};
static void b8(struct b *b, unsigned v) { b->d[b->n++] = (uint8_t)v; }
static void b16(struct b *b, unsigned v) { b8(b, v >> 8); b8(b, v & 0xff); }
static void b24(struct b *b, size_t v) { b8(b, (unsigned)(v >> 16)); b16(b, (unsigned)(v & 0xffff)); }
static void b32(struct b *b, uint32_t v) { b16(b, v >> 16); b16(b, v & 0xffff); }
static void bmem(struct b *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }
static void bfix16(struct b *b, size_t at) { b->d[at] = (uint8_t)((b->n - at - 2) >> 8); b->d[at + 1] = (uint8_t)(b->n - at - 2); }
static void bvar(struct b *b, uint64_t v)      /* 1, 2 or 4-byte varint */
{
    if (v < 64) b8(b, (unsigned)v);
    else if (v < 16384) b16(b, 0x4000 | (unsigned)v);
    else b32(b, 0x80000000u | (uint32_t)v);
}

static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
static const uint8_t scid[4] = { 0xa1, 0xa2, 0xa3, 0xa4 };

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_rfc9001_vectors(void)
{
    struct quic_keys k;
    char h[64];
    CHECK(quic_initial_keys(QUIC_V1, dcid, 8, 0, &k) == 0);
    hex(k.key, 16, h);
    CHECK_STR(h, "1f369613dd76d5467730efcbe3b1a22d");
    hex(k.iv, 12, h);
    CHECK_STR(h, "fa044b2f42a3fd3b46fb255c");
    hex(k.hp, 16, h);
    CHECK_STR(h, "9f50449e04a0e810283a1e9933adedd2");
    static const uint8_t sample[16] = { 0xd1, 0xb1, 0xc9, 0x8d, 0xd7, 0x68, 0x9f, 0xb8,
                                        0xec, 0x11, 0xd2, 0x42, 0xb1, 0x23, 0xdc, 0x9b };
    uint8_t mask[5];
    CHECK(quic_hp_mask(k.hp, sample, mask) == 0);
    hex(mask, 5, h);
    CHECK_STR(h, "437b9aec36");
    CHECK(quic_initial_keys(QUIC_V1, dcid, 8, 1, &k) == 0);
    hex(k.key, 16, h);
    CHECK_STR(h, "cf3a5331653c364c88f0f379b6067e37");
    hex(k.iv, 12, h);
    CHECK_STR(h, "0ac1493ca1905853b0bba03e");
    hex(k.hp, 16, h);
    CHECK_STR(h, "c206b8d9b9f0f37644430b490eeaa314");
    CHECK(quic_initial_keys(0x12345678, dcid, 8, 0, &k) < 0);
    CHECK(quic_initial_keys(QUIC_V1, dcid, 21, 0, &k) < 0);
    CHECK(quic_version_known(QUIC_V2) && quic_version_known(QUIC_DRAFT29) && !quic_version_known(0x51303436));
}

/* The ClientHello handshake message (header included). */
static void client_hello(struct b *m)
{
    uint8_t rnd[32];
    memset(rnd, 0x11, sizeof(rnd));
    m->n = 0;
    b8(m, 1); b24(m, 0);
    b16(m, 0x0303); bmem(m, rnd, 32);
    b8(m, 0);
    b16(m, 8); b16(m, 0x2a2a); b16(m, 0x1301); b16(m, 0x1302); b16(m, 0x1303);
    b8(m, 1); b8(m, 0);
    size_t el = m->n; b16(m, 0);
    b16(m, 0x0a0a); b16(m, 0);
    b16(m, 0); size_t sl = m->n; b16(m, 0); size_t ll = m->n; b16(m, 0);
    b8(m, 0); b16(m, 19); bmem(m, "quic.taishi.example", 19);
    bfix16(m, ll); bfix16(m, sl);
    b16(m, 16); sl = m->n; b16(m, 0); ll = m->n; b16(m, 0);
    b8(m, 2); bmem(m, "h3", 2); b8(m, 5); bmem(m, "h3-29", 5);
    bfix16(m, ll); bfix16(m, sl);
    b16(m, 10); b16(m, 6); b16(m, 4); b16(m, 29); b16(m, 23);
    b16(m, 13); b16(m, 8); b16(m, 6); b16(m, 0x0403); b16(m, 0x0804); b16(m, 0x0401);
    b16(m, 43); b16(m, 3); b8(m, 2); b16(m, 0x0304);
    b16(m, 51); b16(m, 38); b16(m, 36); b16(m, 29); b16(m, 32);
    for (int i = 0; i < 32; i++) b8(m, 0x22);
    b16(m, 57); b16(m, 4); b8(m, 0x01); b8(m, 0x02); b8(m, 0x40); b8(m, 0x64);
    b16(m, 45); b16(m, 2); b8(m, 1); b8(m, 1);
    bfix16(m, el);
    size_t bl = m->n - 4;
    m->d[1] = (uint8_t)(bl >> 16); m->d[2] = (uint8_t)(bl >> 8); m->d[3] = (uint8_t)bl;
}

static void server_hello(struct b *m)
{
    uint8_t rnd[32] = { 2 };
    m->n = 0;
    b8(m, 2); b24(m, 0);
    b16(m, 0x0303); bmem(m, rnd, 32);
    b8(m, 0);
    b16(m, 0x1301); b8(m, 0);
    size_t el = m->n; b16(m, 0);
    b16(m, 43); b16(m, 2); b16(m, 0x0304);
    b16(m, 51); b16(m, 36); b16(m, 29); b16(m, 32);
    for (int i = 0; i < 32; i++) b8(m, (unsigned)i);
    bfix16(m, el);
    size_t bl = m->n - 4;
    m->d[1] = (uint8_t)(bl >> 16); m->d[2] = (uint8_t)(bl >> 8); m->d[3] = (uint8_t)bl;
}

/* One sealed Initial from the payload (frames), padded to `pad` bytes of
 * payload; appended to dg. keys_dcid: the DCID the keys come from. */
static void initial(struct b *dg, uint32_t version, int server, const uint8_t *pkt_dcid,
                    size_t pkt_dcid_len, const uint8_t *keys_dcid, size_t keys_len,
                    const struct b *frames, size_t pad, uint32_t pn)
{
    struct b h = { .n = 0 };
    struct b pl = *frames;
    while (pl.n < pad)
        b8(&pl, 0);                             /* PADDING */
    unsigned type = version == QUIC_V2 ? 1 : 0;
    b8(&h, 0xc0 | type << 4 | 3);               /* 4-byte packet number */
    b32(&h, version);
    b8(&h, (unsigned)pkt_dcid_len); bmem(&h, pkt_dcid, pkt_dcid_len);
    if (server) { b8(&h, 4); bmem(&h, scid, 4); } else { b8(&h, 0); }
    bvar(&h, 0);                                /* no token */
    b16(&h, 0x4000 | (unsigned)(4 + pl.n + 16));
    b32(&h, pn);
    struct quic_keys k;
    CHECK(quic_initial_keys(version, keys_dcid, keys_len, server, &k) == 0);
    long n = quic_seal(&k, h.d, h.n, 4, pn, pl.d, pl.n, dg->d + dg->n, sizeof(dg->d) - dg->n);
    CHECK(n > 0);
    if (n > 0)
        dg->n += (size_t)n;
}

/* CRYPTO frames carrying msg[from, to) in pieces given in order `order`. */
static void crypto_frames(struct b *f, const struct b *msg, size_t from, size_t to, int shuffled)
{
    size_t cut[4] = { from, from + (to - from) / 3, from + 2 * (to - from) / 3, to };
    static const int ord[2][3] = { { 0, 1, 2 }, { 2, 0, 1 } };
    for (int i = 0; i < 3; i++) {
        int j = ord[shuffled][i];
        b8(f, 0x06); bvar(f, cut[j]); bvar(f, cut[j + 1] - cut[j]);
        bmem(f, msg->d + cut[j], cut[j + 1] - cut[j]);
        if (i == 0)
            b8(f, 0x01);                        /* a PING between */
    }
}

static struct app_flow *qflow(void)
{
    return app_flow_new(app_registry_id("quic"), NULL, &st);
}

static void feed(struct app_flow *a, int dir, const struct b *dg, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    coll_feed(a, dir, dg->d, dg->n, 0, &s);        /* one datagram, against a guard page */
}

#define JA3_STR "771,10794-4865-4866-4867,64250-0-16-10-13-43-51-57-45,29-23,"
#define JA3_HASH "5deaa34507a91dcf55c529fe8de478a4"
static const char *ja4 = "q13d0308h3_55b375c5d22e_20dfc2e784d3";

static void test_handshake(uint32_t version, const char *vtext)
{
    struct b ch, sh, f, dg;
    struct coll c;
    uint64_t m0 = st.memory;
    client_hello(&ch);
    server_hello(&sh);
    memset(&c, 0, sizeof(c));
    struct app_flow *a = qflow();
    CHECK(a != NULL);
    /* client: the whole hello in one Initial, CRYPTO frames out of order */
    f.n = 0;
    crypto_frames(&f, &ch, 0, ch.n, 1);
    dg.n = 0;
    initial(&dg, version, 0, dcid, 8, dcid, 8, &f, 1100, 0);
    feed(a, 0, &dg, &c);
    /* server: ACK + ServerHello in an Initial, then junk as a coalesced
     * Handshake packet */
    f.n = 0;
    b8(&f, 0x02); bvar(&f, 0); bvar(&f, 0); bvar(&f, 0); bvar(&f, 0);
    crypto_frames(&f, &sh, 0, sh.n, 0);
    dg.n = 0;
    initial(&dg, version, 1, scid, 4, dcid, 8, &f, 0, 0);
    b8(&dg, 0xe0); b32(&dg, version); b8(&dg, 0); b8(&dg, 4); bmem(&dg, scid, 4);
    bvar(&dg, 30); for (int i = 0; i < 30; i++) b8(&dg, 0x5a);
    feed(a, 1, &dg, &c);
    /* after both hellos: later long-header packets make no event */
    feed(a, 0, &dg, &c);
    feed(a, 1, &dg, &c);
    app_flow_end(a, &(struct app_sink){ coll_tx, &c, NULL });
    app_flow_free(a);
    CHECK_EQ_U(st.memory, m0);
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(c.tx[0].kind, TX_QUIC);
    CHECK_EQ_U(c.tx[0].event, 1);
    CHECK_STR(coll_buf(&c, 0, BUF_QUIC_SNI, 0), "quic.taishi.example");
    CHECK_STR(coll_buf(&c, 0, BUF_JA4_HASH, 0), ja4);
    CHECK_STR(coll_buf(&c, 0, BUF_JA3_HASH, 0), JA3_HASH);
    CHECK_EQ_U(coll_buflen(&c, 0, BUF_QUIC_VERSION), 4);
    char want[2048];
    snprintf(want, sizeof(want),
             "{\"quic\":{\"version\":\"%s\",\"sni\":\"quic.taishi.example\","
             "\"ja3\":{\"hash\":\"" JA3_HASH "\",\"string\":\"" JA3_STR "\"},"
             "\"ja4\":\"%s\",\"extensions\":[{\"type\":64250},"
             "{\"name\":\"server_name\",\"type\":0,\"values\":[\"quic.taishi.example\"]},"
             "{\"name\":\"alpn\",\"type\":16,\"values\":[\"h3\",\"h3-29\"]},"
             "{\"name\":\"supported_groups\",\"type\":10},"
             "{\"name\":\"signature_algorithms\",\"type\":13,\"values\":[\"1027\",\"2052\",\"1025\"]},"
             "{\"name\":\"supported_versions\",\"type\":43,\"values\":[\"Tls13\"]},"
             "{\"name\":\"key_share\",\"type\":51},{\"name\":\"quic_transport_parameters\",\"type\":57},"
             "{\"name\":\"psk_key_exchange_modes\",\"type\":45}]}}\n", vtext, ja4);
    CHECK_STR(c.tx[0].json, want);
    snprintf(want, sizeof(want),
             "{\"quic\":{\"version\":\"%s\",\"ja3s\":{\"hash\":\"f4febc55ea12b31ae17cfb7e614afda8\",\"string\":\"771,4865,43-51\"},"
             "\"extensions\":[{\"name\":\"supported_versions\",\"type\":43,\"values\":[\"Tls13\"]},"
             "{\"name\":\"key_share\",\"type\":51}]}}\n", vtext);
    CHECK_STR(c.tx[1].json, want);
    CHECK_EQ_U(c.tx[1].dir, 1);
    coll_reset(&c);
}

/* A hello over two datagrams (the CRYPTO stream split), a Retry between. */
static void test_split_and_retry(void)
{
    struct b ch, f, dg;
    struct coll c;
    uint64_t h0 = app_stats_get(&st, "quic", "hellos");
    client_hello(&ch);
    memset(&c, 0, sizeof(c));
    struct app_flow *a = qflow();
    size_t half = ch.n / 2;
    f.n = 0;
    crypto_frames(&f, &ch, half, ch.n, 1);      /* the second half first */
    dg.n = 0;
    initial(&dg, QUIC_V1, 0, dcid, 8, dcid, 8, &f, 1100, 0);
    feed(a, 0, &dg, &c);
    f.n = 0;
    crypto_frames(&f, &ch, 0, half, 0);
    dg.n = 0;
    initial(&dg, QUIC_V1, 0, dcid, 8, dcid, 8, &f, 1100, 1);
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 2);
    CHECK(strcmp(c.tx[0].json, "{\"quic\":{\"version\":\"1\"}}\n") == 0);
    CHECK_STR(coll_buf(&c, 1, BUF_JA4_HASH, 0), ja4);
    /* a Retry from the server: the client's next Initial (DCID = the Retry's
     * SCID, keys from it) is parsed again */
    static const uint8_t rcid[5] = { 9, 8, 7, 6, 5 };
    dg.n = 0;
    b8(&dg, 0xf0); b32(&dg, QUIC_V1); b8(&dg, 0); b8(&dg, 5); bmem(&dg, rcid, 5);
    bmem(&dg, "token", 5);
    for (int i = 0; i < 16; i++) b8(&dg, 0xee);   /* integrity tag (not checked) */
    feed(a, 1, &dg, &c);
    f.n = 0;
    crypto_frames(&f, &ch, 0, ch.n, 0);
    dg.n = 0;
    initial(&dg, QUIC_V1, 0, rcid, 5, rcid, 5, &f, 1100, 2);
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 4);
    CHECK_STR(coll_buf(&c, 3, BUF_QUIC_SNI, 0), "quic.taishi.example");
    CHECK_EQ_U(app_stats_get(&st, "quic", "hellos"), h0 + 2);
    app_flow_free(a);
    coll_reset(&c);
}

/* gQUIC public header with a version; version negotiation; 1-RTT (the
 * CHLOs of Google QUIC: test_app_gquic.c). */
static void test_versions_only(void)
{
    struct b dg;
    struct coll c;
    memset(&c, 0, sizeof(c));
    struct app_flow *a = qflow();
    dg.n = 0;
    b8(&dg, 0x09); bmem(&dg, "\x01\x02\x03\x04\x05\x06\x07\x08", 8); bmem(&dg, "Q025", 4);
    b8(&dg, 1); for (int i = 0; i < 40; i++) b8(&dg, 0);
    feed(a, 0, &dg, &c);
    dg.n = 0;                                   /* Q046 Initial: cid, packet number, hash, PADDING */
    b8(&dg, 0xc3); b32(&dg, 0x51303436); b8(&dg, 0x50); bmem(&dg, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    b32(&dg, 1); for (int i = 0; i < 12 + 20; i++) b8(&dg, 0);
    feed(a, 0, &dg, &c);
    dg.n = 14;                                  /* cut before its packet number: no event (Suricata: none) */
    feed(a, 0, &dg, &c);
    dg.n = 0;
    b8(&dg, 0x80); b32(&dg, 0); b8(&dg, 0); b8(&dg, 0); b32(&dg, QUIC_V1);
    feed(a, 1, &dg, &c);
    dg.n = 0;
    b8(&dg, 0x41); for (int i = 0; i < 40; i++) b8(&dg, 0x33);     /* 1-RTT: nothing */
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 3);
    CHECK_STR(c.tx[0].json, "{\"quic\":{\"version\":\"51303235\"}}\n");
    CHECK_STR(c.tx[1].json, "{\"quic\":{\"version\":\"Q046\"}}\n");
    CHECK_STR(c.tx[2].json, "{\"quic\":{\"version\":\"0\"}}\n");
    CHECK(coll_buflen(&c, 0, BUF_QUIC_VERSION) == 4 && memcmp(coll_buf(&c, 0, BUF_QUIC_VERSION, 0), "Q025", 4) == 0);
    app_flow_free(a);
    coll_reset(&c);
}

/* Every cut and every flipped byte of a client Initial; CRYPTO offsets past
 * the cap; a server Initial first (no keys yet). No crash, no read past
 * the datagram (guard page), memory back, errors counted. */
static void test_hostile(void)
{
    struct b ch, f, dg, t;
    struct coll c;
    uint64_t m0 = st.memory;
    uint64_t d0 = app_stats_get(&st, "quic", "decrypt_errors");
    uint64_t p0 = app_stats_get(&st, "quic", "parse_errors");
    client_hello(&ch);
    f.n = 0;
    crypto_frames(&f, &ch, 0, ch.n, 1);
    dg.n = 0;
    initial(&dg, QUIC_V1, 0, dcid, 8, dcid, 8, &f, 1100, 0);
    memset(&c, 0, sizeof(c));
    for (size_t cut = 0; cut < dg.n; cut += (cut < 80 ? 1 : 37)) {
        struct app_flow *a = qflow();
        t = dg;
        t.n = cut;
        feed(a, 0, &t, &c);
        app_flow_free(a);
        coll_reset(&c);
        memset(&c, 0, sizeof(c));
    }
    for (size_t i = 0; i < dg.n; i += (i < 80 ? 1 : 53)) {
        struct app_flow *a = qflow();
        t = dg;
        t.d[i] ^= 0x5a;
        feed(a, 0, &t, &c);
        app_flow_free(a);
        coll_reset(&c);
        memset(&c, 0, sizeof(c));
    }
    CHECK(app_stats_get(&st, "quic", "decrypt_errors") > d0);
    CHECK(app_stats_get(&st, "quic", "parse_errors") > p0);
    /* a CRYPTO frame at an offset past the cap, and a hello announcing 16 MB */
    struct app_flow *a = qflow();
    f.n = 0;
    b8(&f, 0x06); bvar(&f, 1u << 20); bvar(&f, 10); for (int i = 0; i < 10; i++) b8(&f, 1);
    dg.n = 0;
    initial(&dg, QUIC_V1, 0, dcid, 8, dcid, 8, &f, 1100, 0);
    uint64_t p1 = app_stats_get(&st, "quic", "parse_errors");
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(app_stats_get(&st, "quic", "parse_errors"), p1 + 1);
    app_flow_free(a);
    coll_reset(&c);
    memset(&c, 0, sizeof(c));
    a = qflow();
    f.n = 0;
    b8(&f, 0x06); bvar(&f, 0); bvar(&f, 4); b8(&f, 1); b8(&f, 0xff); b8(&f, 0xff); b8(&f, 0xff);
    dg.n = 0;
    initial(&dg, QUIC_V1, 0, dcid, 8, dcid, 8, &f, 1100, 0);
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(app_stats_get(&st, "quic", "parse_errors"), p1 + 2);
    CHECK_EQ_U(c.n, 1);
    CHECK(strstr(c.tx[0].json, "sni") == NULL);
    app_flow_free(a);
    coll_reset(&c);
    memset(&c, 0, sizeof(c));
    /* a server Initial before any client Initial: cannot be opened */
    a = qflow();
    struct b sh;
    server_hello(&sh);
    f.n = 0;
    crypto_frames(&f, &sh, 0, sh.n, 0);
    dg.n = 0;
    initial(&dg, QUIC_V1, 1, scid, 4, dcid, 8, &f, 0, 0);
    feed(a, 1, &dg, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK_STR(c.tx[0].json, "{\"quic\":{\"version\":\"1\"}}\n");
    app_flow_free(a);
    coll_reset(&c);
    CHECK_EQ_U(st.memory, m0);
}

/* The salts Suricata 7.0.10 uses beyond v1/v2/draft-29: drafts 33-34 take
 * v1's, mvfst 0xfaceb002 draft-23's, Q050 its own; T051 is not opened. */
static void test_salts(void)
{
    struct quic_keys a, b;
    CHECK(quic_initial_keys(0xff000022u, dcid, 8, 0, &a) == 0 && quic_initial_keys(QUIC_V1, dcid, 8, 0, &b) == 0);
    CHECK(memcmp(&a, &b, sizeof(a)) == 0);
    CHECK(quic_initial_keys(0xff000020u, dcid, 8, 0, &a) == 0 && quic_initial_keys(QUIC_DRAFT29, dcid, 8, 0, &b) == 0);
    CHECK(memcmp(&a, &b, sizeof(a)) == 0);
    CHECK(quic_initial_keys(0xfaceb002u, dcid, 8, 0, &a) == 0 && quic_initial_keys(0xff000017u, dcid, 8, 0, &b) == 0);
    CHECK(memcmp(&a, &b, sizeof(a)) == 0);
    CHECK(quic_initial_keys(QUIC_Q050, dcid, 8, 0, &a) == 0 && memcmp(&a, &b, sizeof(a)) != 0);
    CHECK(!quic_version_known(0x54303531u) && !quic_version_known(0x51303433u));
}

int main(void)
{
    test_rfc9001_vectors();
    test_salts();
    test_handshake(QUIC_V1, "1");
    test_handshake(QUIC_DRAFT29, "ff00001d");
    test_handshake(QUIC_V2, "v2");
    test_split_and_retry();
    test_versions_only();
    test_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_quic");
}
