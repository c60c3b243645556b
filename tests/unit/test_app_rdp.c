/* test_app_rdp.c - the RDP connection sequence (app_rdp.c) built here:
 * X.224 request with cookie and RDP_NEG_REQ, confirm, MCS Connect-Initial
 * with CS_CORE (every optional field) and CS_NET, Connect-Response; a
 * CredSSP session whose server flight is TLS (a Certificate message); a
 * negotiation failure. Each fed whole, byte by byte and in random splits
 * (the transcripts must be the same), every chunk against a guard page.
 * Hostile: a TPKT shorter than its header, not version 3, an oversized
 * TPKT skipped, a client name that is no UTF-16, a CS_NET count past its
 * block, a cookie without CR LF, every cut of the session, random bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app_collect.h"

static struct app_stats st;

struct msg {
    uint8_t b[2048];
    size_t n;
};
static void put(struct msg *m, const void *d, size_t n) { memcpy(m->b + m->n, d, n); m->n += n; }
static void u8(struct msg *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void le16(struct msg *m, unsigned v) { u8(m, v & 0xff); u8(m, v >> 8); }
static void le32(struct msg *m, uint32_t v) { le16(m, v & 0xffff); le16(m, v >> 16); }
static void utf16(struct msg *m, const char *s, size_t size)
{
    size_t i = 0;
    for (; s[i]; i++)
        le16(m, (unsigned char)s[i]);
    for (i *= 2; i < size; i++)
        u8(m, 0);
}
/* Wraps body in a TPKT. */
static void tpkt(struct msg *out, const struct msg *body)
{
    out->n = 0;
    u8(out, 3);
    u8(out, 0);
    u8(out, (body->n + 4) >> 8);
    u8(out, (body->n + 4) & 0xff);
    put(out, body->b, body->n);
}
static void cr(struct msg *out, const char *cookie, unsigned flags)
{
    struct msg x = { .n = 0 }, var = { .n = 0 };
    if (cookie) {
        put(&var, "Cookie: mstshash=", 17);
        put(&var, cookie, strlen(cookie));
        put(&var, "\r\n", 2);
    }
    u8(&var, 1); u8(&var, flags); le16(&var, 8); le32(&var, 3);
    u8(&x, 6 + var.n); u8(&x, 0xe0); le16(&x, 0); le16(&x, 0); u8(&x, 0);
    put(&x, var.b, var.n);
    tpkt(out, &x);
}
static void cc(struct msg *out, unsigned type, unsigned flags, uint32_t v)
{
    struct msg x = { .n = 0 };
    u8(&x, 14); u8(&x, 0xd0); le16(&x, 0); le16(&x, 0); u8(&x, 0);
    u8(&x, type); u8(&x, flags); le16(&x, 8); le32(&x, v);
    tpkt(out, &x);
}
static void core(struct msg *m, const char *name, int full)
{
    struct msg b = { .n = 0 };
    le32(&b, 0x80004); le16(&b, 1280); le16(&b, 800); le16(&b, 0xca01); le16(&b, 0xaa03);
    le32(&b, 0x0409); le32(&b, 2600);
    utf16(&b, name, 32);
    le32(&b, 4); le32(&b, 0); le32(&b, 12);
    utf16(&b, "", 64);
    if (full) {
        le16(&b, 0xca03); le16(&b, 1); le32(&b, 7); le16(&b, 0x10); le16(&b, 0x0f); le16(&b, 0x0011);
        utf16(&b, "dig-id", 64);
        u8(&b, 7); u8(&b, 0); le32(&b, 0);
        le32(&b, 5);                    /* physical width out of range: the chain ends here */
    }
    le16(m, 0xc001);
    le16(m, 4 + b.n);
    put(m, b.b, b.n);
}
static void mcs(struct msg *out, const struct msg *blocks, int net_count_lie)
{
    struct msg x = { .n = 0 };
    put(&x, "\x02\xf0\x80\x7f\x65\x82\x00\x00junk-before-key\x00\x08\x00\x10" "Duca", 31);
    u8(&x, 0x80 | (unsigned)((blocks->n + 20 + 8) >> 8));
    u8(&x, (blocks->n + 20 + 8) & 0xff);
    put(&x, blocks->b, blocks->n);
    le16(&x, 0xc002); le16(&x, 8); le32(&x, 0x1b);           /* CS_SECURITY: unknown here, skipped */
    le16(&x, 0xc003); le16(&x, 20); le32(&x, net_count_lie ? 9 : 1);
    put(&x, "rdpdr\0\0\0", 8);
    le32(&x, 0x80800000);
    tpkt(out, &x);
}

static void run(const struct msg *const *m, const int *dirs, int n, int mode, struct coll *c, int end)
{
    struct app_sink s = coll_sink(c);
    struct app_flow *a = app_flow_new(app_registry_id("rdp"), NULL, &st);
    for (int i = 0; i < n; i++)
        coll_feed(a, dirs[i], m[i]->b, m[i]->n, mode, &s);
    if (end)
        app_flow_end(a, &s);
    app_flow_free(a);
}

static void expect_json(const struct coll *c, int i, const char *json)
{
    char want[2048];
    snprintf(want, sizeof(want), "{\"rdp\":%s}\n", json);
    CHECK(i < c->n);
    if (i < c->n)
        CHECK_STR(c->tx[i].json, want);
}

static void test_standard(void)
{
    struct msg req, conf, conn, resp, blocks = { .n = 0 };
    cr(&req, "alice", 0);
    cc(&conf, 2, 0x1f, 0);
    core(&blocks, "WS-1", 1);
    mcs(&conn, &blocks, 0);
    struct msg r = { .n = 0 };
    put(&r, "\x02\xf0\x80\x7f\x66\x01\x00", 7);
    tpkt(&resp, &r);
    const struct msg *ms[] = { &req, &conf, &conn, &resp };
    int dirs[] = { 0, 1, 0, 1 };
    struct coll c[3];
    for (int mode = 0; mode < 3; mode++) {
        memset(&c[mode], 0, sizeof(c[mode]));
        run(ms, dirs, 4, mode, &c[mode], 1);
    }
    CHECK_EQ_U(c[0].n, 4);
    expect_json(&c[0], 0, "{\"tx_id\":1,\"event_type\":\"initial_request\",\"cookie\":\"alice\"}");
    expect_json(&c[0], 1, "{\"tx_id\":2,\"event_type\":\"initial_response\",\"server_supports\":"
                          "[\"extended_client_data\",\"dynvc_gfx\",\"restricted_admin\","
                          "\"redirected_authentication\"],\"protocol\":\"rdp\"}");
    expect_json(&c[0], 2, "{\"tx_id\":3,\"event_type\":\"connect_request\",\"client\":{\"version\":\"v5\","
                          "\"desktop_width\":1280,\"desktop_height\":800,\"color_depth\":16,"
                          "\"keyboard_layout\":\"en-US\",\"build\":\"Windows XP\",\"client_name\":\"WS-1\","
                          "\"keyboard_type\":\"enhanced\",\"function_keys\":12,\"product_id\":1,"
                          "\"serial_number\":7,\"capabilities\":[\"support_errinfo_pdf\"],\"id\":\"dig-id\","
                          "\"connection_hint\":\"autodetect\"},\"channels\":[\"rdpdr\"]}");
    expect_json(&c[0], 3, "{\"tx_id\":4,\"event_type\":\"connect_response\"}");
    CHECK(c[0].log && c[1].log && !strcmp(c[0].log, c[1].log));
    CHECK(c[0].log && c[2].log && !strcmp(c[0].log, c[2].log));
    /* standard RDP security chosen: the fact and the risk */
    CHECK_EQ_U(coll_side(&c[0], TX_ASSET, "{\"asset\":{\"rdp\":{\"protocol\":\"rdp\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c[0], TX_RISK, "\"names\":[\"rdp_no_nla\"]"), 1);
    for (int mode = 0; mode < 3; mode++)
        coll_reset(&c[mode]);

    /* standard RDP security, TLS alone, or no negotiation at all: rdp_no_nla */
    for (int k = 0; k < 3; k++) {
        struct msg std;
        if (k < 2) {
            cc(&std, 2, 0, (uint32_t)k);
        } else {                            /* a confirm without RDP_NEG_RSP */
            struct msg x = { .n = 0 };
            u8(&x, 6); u8(&x, 0xd0); le16(&x, 0); le16(&x, 0); u8(&x, 0);
            tpkt(&std, &x);
        }
        const struct msg *m1[] = { &req, &std };
        struct coll z = { .n = 0 };
        run(m1, dirs, 2, 0, &z, 1);
        CHECK_EQ_U(coll_side(&z, TX_RISK, k == 1 ? "\"names\":[\"rdp_no_nla\"],\"detail\":\"ssl\"" :
                                                 "\"names\":[\"rdp_no_nla\"],\"detail\":\"rdp\""), 1);
        coll_reset(&z);
    }

    /* every cut of the client's side: never more than the whole gives */
    struct msg all = { .n = 0 };
    put(&all, req.b, req.n);
    put(&all, conn.b, conn.n);
    for (size_t k = 0; k < all.n; k += 7) {
        struct msg cut = { .n = 0 };
        put(&cut, all.b, k);
        const struct msg *one[] = { &cut };
        int d0[] = { 0 };
        struct coll x = { .n = 0 };
        run(one, d0, 1, 2, &x, k & 1);
        CHECK(x.n <= 2);
        coll_reset(&x);
    }

    /* a client name that is no UTF-16 (unpaired surrogate): no client object */
    blocks.n = 0;
    core(&blocks, "X", 0);
    blocks.b[4 + 20] = 0x00;
    blocks.b[4 + 21] = 0xd8;
    blocks.b[4 + 22] = 'A';
    blocks.b[4 + 23] = 0;
    mcs(&conn, &blocks, 1);                 /* and a CS_NET count past its block */
    const struct msg *m2[] = { &req, &conf, &conn };
    struct coll y = { .n = 0 };
    run(m2, dirs, 3, 0, &y, 1);
    CHECK_EQ_U(y.n, 3);
    expect_json(&y, 2, "{\"tx_id\":3,\"event_type\":\"connect_request\"}");
    coll_reset(&y);
}

static void test_tls_and_failure(void)
{
    struct msg req, conf, flight = { .n = 0 }, hello = { .n = 0 };
    cr(&req, "bob", 0);
    cc(&conf, 2, 0, 2);
    /* ServerHello (a stub body) and a Certificate with one 3-byte "certificate" */
    put(&flight, "\x16\x03\x03\x00\x08\x02\x00\x00\x04\x03\x03\x00\x00", 13);
    put(&flight, "\x16\x03\x03\x00\x0d\x0b\x00\x00\x09\x00\x00\x06\x00\x00\x03\x30\x01\x00", 18);
    put(&hello, "\x16\x03\x01\x00\x04\x01\x00\x00\x00", 9);
    struct msg server = { .n = 0 };
    put(&server, conf.b, conf.n);
    put(&server, flight.b, flight.n);
    const struct msg *ms[] = { &req, &server, &hello };
    int dirs[] = { 0, 1, 0 };
    struct coll c[3];
    for (int mode = 0; mode < 3; mode++) {
        memset(&c[mode], 0, sizeof(c[mode]));
        run(ms, dirs, 3, mode, &c[mode], 1);
    }
    CHECK_EQ_U(c[0].n, 3);
    /* CredSSP chosen: an asset fact, no risk */
    CHECK_EQ_U(coll_side(&c[0], TX_ASSET, "{\"asset\":{\"rdp\":{\"protocol\":\"hybrid\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c[0], TX_RISK, "\"risk\""), 0);
    expect_json(&c[0], 1, "{\"tx_id\":2,\"event_type\":\"initial_response\",\"protocol\":\"hybrid\"}");
    expect_json(&c[0], 2, "{\"tx_id\":3,\"event_type\":\"tls_handshake\",\"x509_serials\":[]}");
    CHECK(c[0].log && c[1].log && !strcmp(c[0].log, c[1].log));
    CHECK(c[0].log && c[2].log && !strcmp(c[0].log, c[2].log));
    for (int mode = 0; mode < 3; mode++)
        coll_reset(&c[mode]);

    struct msg fail;
    cr(&req, NULL, 0x09);
    cc(&fail, 3, 0, 5);
    const struct msg *m2[] = { &req, &fail };
    struct coll y = { .n = 0 };
    run(m2, dirs, 2, 1, &y, 1);
    expect_json(&y, 0, "{\"tx_id\":1,\"event_type\":\"initial_request\",\"flags\":"
                       "[\"restricted_admin_mode_required\",\"correlation_info_present\"]}");
    expect_json(&y, 1, "{\"tx_id\":2,\"event_type\":\"initial_response\",\"error_code\":5,"
                       "\"reason\":\"hybrid required by server\"}");
    CHECK_EQ_U(y.nside, 0);                 /* a refusal chooses nothing: no fact, no risk */
    coll_reset(&y);
}

static void test_hostile(void)
{
    uint64_t e0 = app_stats_get(&st, "rdp", "parse_errors");
    struct msg bad = { .n = 0 };
    put(&bad, "\x03\x00\x00\x02", 4);                    /* length < 4 */
    const struct msg *one[] = { &bad };
    int d0[] = { 0 };
    struct coll x = { .n = 0 };
    run(one, d0, 1, 0, &x, 1);
    bad.n = 0;
    put(&bad, "GET / HTTP/1.1\r\n\r\n", 18);             /* not version 3 */
    run(one, d0, 1, 1, &x, 1);
    CHECK_EQ_U(x.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "rdp", "parse_errors") - e0, 2);
    coll_reset(&x);

    /* an oversized TPKT is skipped; the request after it still parses */
    static uint8_t big[20004];
    big[0] = 3;
    big[2] = 20004 >> 8;
    big[3] = 20004 & 0xff;
    struct msg req;
    cr(&req, "after", 0);
    struct app_sink s = coll_sink(&x);
    struct app_flow *a = app_flow_new(app_registry_id("rdp"), NULL, &st);
    coll_feed(a, 0, big, sizeof(big), 2, &s);
    coll_feed(a, 0, req.b, req.n, 2, &s);
    app_flow_free(a);
    CHECK_EQ_U(x.n, 1);
    coll_reset(&x);

    /* a cookie without CR LF: no cookie */
    struct msg y = { .n = 0 }, t;
    u8(&y, 6 + 20); u8(&y, 0xe0); le16(&y, 0); le16(&y, 0); u8(&y, 0);
    put(&y, "Cookie: mstshash=abc", 20);
    tpkt(&t, &y);
    const struct msg *m1[] = { &t };
    run(m1, d0, 1, 0, &x, 1);
    expect_json(&x, 0, "{\"tx_id\":1,\"event_type\":\"initial_request\"}");
    coll_reset(&x);

    /* random bytes behind a TPKT header, both directions */
    for (int i = 0; i < 3000; i++) {
        struct msg r = { .n = 0 };
        size_t len = 4 + coll_rand() % 200;
        u8(&r, 3); u8(&r, 0); u8(&r, len >> 8); u8(&r, len & 0xff);
        for (size_t k = 4; k < len; k++)
            u8(&r, (unsigned)(k < 6 ? (coll_rand() & 1 ? 0xe0 : 0x02) : coll_rand()));
        const struct msg *rr[] = { &r, &r };
        int dd[] = { 0, 1 };
        run(rr, dd, 2, (int)(coll_rand() % 3), &x, 1);
        coll_reset(&x);
    }
}

int main(void)
{
    test_standard();
    test_tls_and_failure();
    test_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_rdp");
}
