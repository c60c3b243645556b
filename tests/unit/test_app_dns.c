/* test_app_dns.c - DNS messages (app_dns.c) built byte by byte here: a
 * query, a response with compression pointers (CNAME chain, A, AAAA, MX,
 * TXT, an unknown type), several questions, DNS over TCP with its 2-byte
 * framing fed in every segmentation, and hostile input: pointer loops,
 * pointers past the end, names over 255 bytes, truncated headers and
 * records, reserved label types, answers past dns_max_answers. Every
 * datagram is placed against a guard page. */
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

static void u8(struct msg *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void u16(struct msg *m, unsigned v) { u8(m, v >> 8); u8(m, v & 0xff); }
static void u32(struct msg *m, uint32_t v) { u16(m, v >> 16); u16(m, v & 0xffff); }
static void name(struct msg *m, const char *dotted)
{
    while (*dotted) {
        const char *e = strchr(dotted, '.');
        size_t l = e ? (size_t)(e - dotted) : strlen(dotted);
        u8(m, (unsigned)l);
        memcpy(m->b + m->n, dotted, l);
        m->n += l;
        dotted += l + (e ? 1 : 0);
    }
    u8(m, 0);
}
static void hdr(struct msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an)
{
    m->n = 0;
    u16(m, id); u16(m, flags); u16(m, qd); u16(m, an); u16(m, 0); u16(m, 0);
}

static void datagram(const struct msg *m, int dir, const struct app_limits *lim, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    const uint8_t *g = guard_copy(m->b, m->n);
    app_datagram(app_registry_id("dns"), g, m->n, dir, lim, &st, &s);
    guard_release(g, m->n);
}

static void build_response(struct msg *m)
{
    hdr(m, 0xbeef, 0x8180, 1, 6);
    name(m, "www.Example.com");               /* question at offset 12 */
    u16(m, 1); u16(m, 1);
    u16(m, 0xc00c); u16(m, 5); u16(m, 1); u32(m, 300);     /* CNAME -> cdn.example.net */
    size_t rdl = m->n; u16(m, 0);
    size_t cname_at = m->n;
    name(m, "cdn.example.net");
    m->b[rdl + 1] = (uint8_t)(m->n - rdl - 2);
    u16(m, 0xc000 | (unsigned)cname_at); u16(m, 1); u16(m, 1); u32(m, 60); u16(m, 4);
    u8(m, 192); u8(m, 0); u8(m, 2); u8(m, 1);
    u16(m, 0xc000 | (unsigned)cname_at); u16(m, 28); u16(m, 1); u32(m, 60); u16(m, 16);
    static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    memcpy(m->b + m->n, v6, 16); m->n += 16;
    u16(m, 0xc00c); u16(m, 15); u16(m, 1); u32(m, 10); u16(m, 4); u16(m, 10);
    u16(m, 0xc000 | (unsigned)cname_at);                     /* MX 10 cdn.example.net */
    u16(m, 0xc00c); u16(m, 16); u16(m, 1); u32(m, 5); u16(m, 8);
    u8(m, 3); memcpy(m->b + m->n, "v=1", 3); m->n += 3; u8(m, 3); memcpy(m->b + m->n, "abc", 3); m->n += 3;
    u16(m, 0xc00c); u16(m, 4242); u16(m, 1); u32(m, 1); u16(m, 2); u16(m, 0);
}

static void test_query_response(void)
{
    struct coll c;
    struct msg m;
    memset(&c, 0, sizeof(c));
    hdr(&m, 0x1234, 0x0100, 1, 0);
    name(&m, "www.Example.com");
    u16(&m, 1); u16(&m, 1);
    datagram(&m, 0, NULL, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK_EQ_U(c.tx[0].kind, TX_DNS);
    CHECK_EQ_U(c.tx[0].event, 1);
    CHECK_STR(coll_buf(&c, 0, BUF_DNS_QUERY, 0), "www.Example.com");
    CHECK_STR(c.tx[0].json, "{\"dns\":{\"version\":2,\"type\":\"query\",\"id\":4660,\"rrname\":\"www.Example.com\","
                            "\"rrtype\":\"A\",\"tx_id\":0,\"opcode\":0}}\n");
    build_response(&m);
    datagram(&m, 1, NULL, &c);
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(c.tx[1].dir, APP_DIR_TOCLIENT);
    CHECK_STR(c.tx[1].json,
              "{\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":48879,\"flags\":\"8180\",\"qr\":true,"
              "\"rd\":true,\"ra\":true,\"opcode\":0,\"rrname\":\"www.Example.com\",\"rrtype\":\"A\","
              "\"rcode\":\"NOERROR\",\"answers\":["
              "{\"rrname\":\"www.Example.com\",\"rrtype\":\"CNAME\",\"ttl\":300,\"rdata\":\"cdn.example.net\"},"
              "{\"rrname\":\"cdn.example.net\",\"rrtype\":\"A\",\"ttl\":60,\"rdata\":\"192.0.2.1\"},"
              "{\"rrname\":\"cdn.example.net\",\"rrtype\":\"AAAA\",\"ttl\":60,\"rdata\":\"2001:db8::1\"},"
              "{\"rrname\":\"www.Example.com\",\"rrtype\":\"MX\",\"ttl\":10,\"rdata\":\"cdn.example.net\"},"
              "{\"rrname\":\"www.Example.com\",\"rrtype\":\"TXT\",\"ttl\":5,\"rdata\":\"v=1abc\"},"
              "{\"rrname\":\"www.Example.com\",\"rrtype\":\"TYPE4242\",\"ttl\":1}]}}\n");
    /* NXDOMAIN, several questions, root name */
    hdr(&m, 7, 0x8183, 3, 0);
    name(&m, "a.b"); u16(&m, 28); u16(&m, 1);
    name(&m, "c.d"); u16(&m, 16); u16(&m, 1);
    name(&m, ""); u16(&m, 2); u16(&m, 1);
    datagram(&m, 1, NULL, &c);
    CHECK_EQ_U(c.n, 3);
    CHECK_STR(coll_buf(&c, 2, BUF_DNS_QUERY, 0), "a.b");
    CHECK_STR(coll_buf(&c, 2, BUF_DNS_QUERY, 1), "c.d");
    CHECK_STR(coll_buf(&c, 2, BUF_DNS_QUERY, 2), "");
    CHECK(strstr(c.tx[2].json, "\"rcode\":\"NXDOMAIN\"") && strstr(c.tx[2].json, "\"rrtype\":\"AAAA\""));
    /* answers past the cap are not kept */
    struct app_limits lim;
    app_limits_default(&lim);
    lim.dns_max_answers = 2;
    build_response(&m);
    datagram(&m, 1, &lim, &c);
    CHECK(strstr(c.tx[3].json, "192.0.2.1") && !strstr(c.tx[3].json, "2001:db8::1"));
    coll_reset(&c);
}

static void test_hostile(void)
{
    struct coll c;
    struct msg m;
    uint64_t e0 = app_stats_get(&st, "dns", "parse_errors");
    memset(&c, 0, sizeof(c));
    /* a pointer to itself */
    hdr(&m, 1, 0x0100, 1, 0);
    u16(&m, 0xc00c); u16(&m, 1); u16(&m, 1);
    datagram(&m, 0, NULL, &c);
    /* two pointers to each other */
    hdr(&m, 1, 0x0100, 1, 0);
    u8(&m, 1); u8(&m, 'a'); u16(&m, 0xc00e); u16(&m, 0xc00c); u16(&m, 1); u16(&m, 1);
    m.b[14] = 0xc0; m.b[15] = 0x0c;
    datagram(&m, 0, NULL, &c);
    /* pointer past the end */
    hdr(&m, 1, 0x0100, 1, 0);
    u16(&m, 0xc7ff); u16(&m, 1); u16(&m, 1);
    datagram(&m, 0, NULL, &c);
    /* a name over 255 bytes through pointers: labels of 63 repeated */
    hdr(&m, 1, 0x0100, 1, 0);
    for (int i = 0; i < 5; i++) {
        u8(&m, 63);
        memset(m.b + m.n, 'x', 63);
        m.n += 63;
    }
    u8(&m, 0); u16(&m, 1); u16(&m, 1);
    datagram(&m, 0, NULL, &c);
    /* reserved label type 0x40 */
    hdr(&m, 1, 0x0100, 1, 0);
    u8(&m, 0x41); u8(&m, 'a'); u8(&m, 0); u16(&m, 1); u16(&m, 1);
    datagram(&m, 0, NULL, &c);
    /* truncated header, truncated question */
    hdr(&m, 1, 0x0100, 1, 0);
    m.n = 11;
    datagram(&m, 0, NULL, &c);
    hdr(&m, 1, 0x0100, 1, 0);
    name(&m, "trunc.example"); u16(&m, 1);
    datagram(&m, 0, NULL, &c);
    CHECK_EQ_U(c.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "dns", "parse_errors"), e0 + 7);
    /* answer count lies: the questions are still reported */
    hdr(&m, 9, 0x8180, 1, 40);
    name(&m, "ok.example"); u16(&m, 1); u16(&m, 1);
    u16(&m, 0xc00c); u16(&m, 1); u16(&m, 1); u32(&m, 1); u16(&m, 4); u32(&m, 0x0a000001);
    u16(&m, 0xc00c); u16(&m, 1); u16(&m, 1); u32(&m, 1); u16(&m, 400);   /* rdlength past the end */
    datagram(&m, 1, NULL, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK_STR(coll_buf(&c, 0, BUF_DNS_QUERY, 0), "ok.example");
    CHECK(strstr(c.tx[0].json, "\"rdata\":\"10.0.0.1\""));
    coll_reset(&c);
    /* random bytes: no crash, whatever comes out */
    for (int i = 0; i < 20000; i++) {
        m.n = 12 + coll_rand() % 200;
        for (size_t k = 0; k < m.n; k++)
            m.b[k] = (uint8_t)(k < 12 ? coll_rand() % 3 : (coll_rand() % 4 == 0 ? 0xc0 : coll_rand()));
        datagram(&m, (int)(i & 1), NULL, &c);
        coll_reset(&c);
    }
    CHECK(app_stats_get(&st, "dns", "parse_errors") > e0 + 7);
}

static void test_tcp(void)
{
    struct msg q, r;
    uint8_t stream[4096];
    size_t sn = 0;
    hdr(&q, 0x42, 0x0100, 1, 0);
    name(&q, "tcp.example"); u16(&q, 252); u16(&q, 1);
    build_response(&r);
    stream[sn++] = (uint8_t)(q.n >> 8); stream[sn++] = (uint8_t)q.n;
    memcpy(stream + sn, q.b, q.n); sn += q.n;
    stream[sn++] = (uint8_t)(q.n >> 8); stream[sn++] = (uint8_t)q.n;
    memcpy(stream + sn, q.b, q.n); sn += q.n;
    uint8_t rs[4096];
    size_t rn = 0;
    rs[rn++] = (uint8_t)(r.n >> 8); rs[rn++] = (uint8_t)r.n;
    memcpy(rs + rn, r.b, r.n); rn += r.n;

    char *ref = NULL;
    for (int mode = 0; mode < 5; mode++) {
        struct coll c;
        memset(&c, 0, sizeof(c));
        struct app_sink s = coll_sink(&c);
        uint64_t m0 = st.memory;
        struct app_flow *a = app_flow_new(app_registry_id("dns"), NULL, &st);
        coll_feed(a, 0, stream, sn, mode > 2 ? 2 : mode, &s);
        coll_feed(a, 1, rs, rn, mode > 2 ? 2 : mode, &s);
        app_flow_end(a, &s);
        app_flow_free(a);
        CHECK_EQ_U(st.memory, m0);
        CHECK_EQ_U(c.n, 3);
        CHECK_STR(coll_buf(&c, 0, BUF_DNS_QUERY, 0), "tcp.example");
        CHECK(strstr(c.tx[0].json, "\"rrtype\":\"AXFR\"") && strstr(c.tx[0].json, "\"tx_id\":0"));
        CHECK(strstr(c.tx[1].json, "\"tx_id\":1"));
        CHECK(strstr(c.tx[2].json, "\"answers\""));
        if (!ref)
            ref = strdup(c.log);
        else
            CHECK(strcmp(ref, c.log) == 0);
        coll_reset(&c);
    }
    free(ref);
    /* a gap loses the framing: that direction stops */
    struct coll c;
    memset(&c, 0, sizeof(c));
    struct app_sink s = coll_sink(&c);
    struct app_flow *a = app_flow_new(app_registry_id("dns"), NULL, &st);
    app_flow_feed(a, 0, stream, 5, &s);
    app_flow_gap(a, 0, 10, &s);
    app_flow_feed(a, 0, stream, sn, &s);
    app_flow_feed(a, 1, rs, rn, &s);
    CHECK_EQ_U(c.n, 1);
    app_flow_free(a);
    coll_reset(&c);
}

int main(void)
{
    test_query_response();
    test_hostile();
    test_tcp();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_dns");
}
