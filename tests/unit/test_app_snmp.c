/* test_app_snmp.c - SNMP datagrams (app_snmp.c) built here with a small BER
 * writer: v1 get and trap, v2c get-bulk and a response with an error, v3
 * with a USM user and an encrypted one; the event JSON each gives (the
 * strings Suricata 7.0.10 writes for them), the snmp.community / snmp.usm
 * buffers. A datagram is one message, so instead of splits: every
 * truncation of every message (against a guard page) must give no event
 * and one parse error, and hostile ones (length lies, indefinite and
 * 5-byte lengths, multi-byte tags, an OID arc past 64 bits, 100 varbinds,
 * a 1000-byte community, random byte flips) must not crash or read past
 * the datagram. "public"/"private" communities also give a TX_RISK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app_collect.h"

static struct app_stats st;

struct ber {
    uint8_t b[4096];
    size_t n;
};

/* Writes tag + length + body (body given as a finished ber). */
static void put_tlv(struct ber *m, unsigned tag, const void *body, size_t n)
{
    m->b[m->n++] = (uint8_t)tag;
    if (n < 0x80) {
        m->b[m->n++] = (uint8_t)n;
    } else if (n < 0x100) {
        m->b[m->n++] = 0x81;
        m->b[m->n++] = (uint8_t)n;
    } else {
        m->b[m->n++] = 0x82;
        m->b[m->n++] = (uint8_t)(n >> 8);
        m->b[m->n++] = (uint8_t)n;
    }
    memcpy(m->b + m->n, body, n);
    m->n += n;
}
static void put_int(struct ber *m, unsigned v)
{
    uint8_t b[5];
    size_t n = 0;
    if (v >= 0x800000) b[n++] = (uint8_t)(v >> 24);
    if (v >= 0x8000) b[n++] = (uint8_t)(v >> 16);
    if (v >= 0x80) b[n++] = (uint8_t)(v >> 8);
    b[n++] = (uint8_t)v;
    put_tlv(m, 0x02, b, n);
}
static void put_str(struct ber *m, const char *s) { put_tlv(m, 0x04, s, strlen(s)); }
static void put_ber(struct ber *m, unsigned tag, const struct ber *body) { put_tlv(m, tag, body->b, body->n); }
static void put_raw(struct ber *m, const void *d, size_t n) { memcpy(m->b + m->n, d, n); m->n += n; }

/* 1.3.6.1.2.1.1.N.0 */
static void put_oid_sys(struct ber *m, unsigned n)
{
    uint8_t o[] = { 0x2b, 6, 1, 2, 1, 1, (uint8_t)n, 0 };
    put_tlv(m, 0x06, o, sizeof(o));
}
static void varbinds(struct ber *m, int count)
{
    struct ber all = { .n = 0 };
    for (int i = 0; i < count; i++) {
        struct ber vb = { .n = 0 };
        put_oid_sys(&vb, (unsigned)(i % 100));
        put_raw(&vb, "\x05\x00", 2);
        put_ber(&all, 0x30, &vb);
    }
    put_ber(m, 0x30, &all);
}
static void pdu(struct ber *m, unsigned tag, unsigned err, int nvb)
{
    struct ber p = { .n = 0 };
    put_int(&p, 4242);
    put_int(&p, err);
    put_int(&p, 0);
    varbinds(&p, nvb);
    put_ber(m, tag, &p);
}
static void v12(struct ber *m, unsigned ver, const char *comm, unsigned tag, unsigned err, int nvb)
{
    struct ber b = { .n = 0 };
    put_int(&b, ver);
    put_str(&b, comm);
    pdu(&b, tag, err, nvb);
    m->n = 0;
    put_ber(m, 0x30, &b);
}
static void v3(struct ber *m, unsigned flags, const char *user)
{
    struct ber b = { .n = 0 }, g = { .n = 0 }, u = { .n = 0 }, us = { .n = 0 }, sc = { .n = 0 };
    uint8_t f = (uint8_t)flags;
    put_int(&b, 3);
    put_int(&g, 99);
    put_int(&g, 65507);
    put_tlv(&g, 0x04, &f, 1);
    put_int(&g, 3);
    put_ber(&b, 0x30, &g);
    put_str(&u, "\x80\x00\x1f\x88");
    put_int(&u, 1);
    put_int(&u, 2);
    put_str(&u, user);
    put_str(&u, "");
    put_str(&u, "");
    put_ber(&us, 0x30, &u);
    put_ber(&b, 0x04, &us);
    if (flags & 2) {
        put_str(&b, "ciphertext-ciphertext");
    } else {
        put_str(&sc, "\x80\x00\x1f\x88");
        put_str(&sc, "");
        pdu(&sc, 0xa0, 0, 1);
        put_ber(&b, 0x30, &sc);
    }
    m->n = 0;
    put_ber(m, 0x30, &b);
}

static void datagram(const uint8_t *d, size_t n, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    const uint8_t *g = guard_copy(d, n);
    app_datagram(app_registry_id("snmp"), g, n, 0, NULL, &st, &s);
    guard_release(g, n);
}

static uint64_t errors(void) { return app_stats_get(&st, "snmp", "parse_errors"); }

/* The message gives one event with exactly this snmp object. */
static void expect_json(const struct ber *m, const char *json)
{
    struct coll c = { .n = 0 };
    char want[1024];
    snprintf(want, sizeof(want), "%s\n", json);   /* the writer ends the line */
    datagram(m->b, m->n, &c);
    CHECK(c.n >= 1 && c.tx[0].kind == TX_SNMP);
    if (c.n >= 1) {
        CHECK_STR(c.tx[0].json, want);
        CHECK_EQ_U(c.tx[0].event, 1);
    }
    /* a default community is also a risk; any other is not */
    int dflt = strstr(json, "\"community\":\"public\"") || strstr(json, "\"community\":\"private\"");
    CHECK_EQ_U(c.n, 1);
    CHECK_EQ_U(c.nside, dflt ? 1 : 0);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "{\"risk\":{\"source\":\"app\",\"protocol\":\"snmp\","
                                      "\"names\":[\"snmp_default_community\"],\"detail\":\"p"),
               dflt ? 1 : 0);
    coll_reset(&c);
}

static void test_messages(void)
{
    struct ber m;
    struct coll c = { .n = 0 };

    v12(&m, 0, "public", 0xa0, 0, 1);
    expect_json(&m, "{\"snmp\":{\"version\":1,\"pdu_type\":\"get_request\","
                    "\"vars\":[\"1.3.6.1.2.1.1.0.0\"],\"community\":\"public\"}}");
    datagram(m.b, m.n, &c);
    CHECK_STR(coll_buf(&c, 0, BUF_SNMP_COMMUNITY, 0), "public");
    CHECK(coll_buf(&c, 0, BUF_SNMP_USM, 0) == NULL);
    coll_reset(&c);

    v12(&m, 1, "private", 0xa2, 2, 2);
    expect_json(&m, "{\"snmp\":{\"version\":2,\"pdu_type\":\"response\",\"error\":\"NoSuchName\","
                    "\"vars\":[\"1.3.6.1.2.1.1.0.0\",\"1.3.6.1.2.1.1.1.0\"],\"community\":\"private\"}}");
    v12(&m, 1, "c", 0xa2, 17, 0);
    expect_json(&m, "{\"snmp\":{\"version\":2,\"pdu_type\":\"response\",\"error\":\"ErrorStatus(17)\","
                    "\"community\":\"c\"}}");
    v12(&m, 1, "c", 0xa5, 7, 1);           /* get-bulk: non-repeaters is no error */
    expect_json(&m, "{\"snmp\":{\"version\":2,\"pdu_type\":\"get_bulk_request\","
                    "\"vars\":[\"1.3.6.1.2.1.1.0.0\"],\"community\":\"c\"}}");

    /* v1 trap: enterprise, agent 10.0.0.9, linkDown (2) */
    struct ber b = { .n = 0 }, t = { .n = 0 };
    uint8_t ent[] = { 0x2b, 6, 1, 4, 1, 0x81, 0x80, 0x00 }, ip[] = { 10, 0, 0, 9 }, tt[] = { 1 };
    put_tlv(&t, 0x06, ent, sizeof(ent));
    put_tlv(&t, 0x40, ip, 4);
    put_int(&t, 2);
    put_int(&t, 0);
    put_tlv(&t, 0x43, tt, 1);
    varbinds(&t, 0);
    put_int(&b, 0);
    put_str(&b, "public");
    put_ber(&b, 0xa4, &t);
    m.n = 0;
    put_ber(&m, 0x30, &b);
    expect_json(&m, "{\"snmp\":{\"version\":1,\"pdu_type\":\"trap_v1\",\"trap_type\":\"linkDown\","
                    "\"trap_oid\":\"1.3.6.1.4.1.16384\",\"trap_address\":\"10.0.0.9\","
                    "\"community\":\"public\"}}");

    v3(&m, 4, "monitor");
    expect_json(&m, "{\"snmp\":{\"version\":3,\"pdu_type\":\"get_request\","
                    "\"vars\":[\"1.3.6.1.2.1.1.0.0\"],\"usm\":\"monitor\"}}");
    datagram(m.b, m.n, &c);
    CHECK_STR(coll_buf(&c, 0, BUF_SNMP_USM, 0), "monitor");
    CHECK(coll_buf(&c, 0, BUF_SNMP_COMMUNITY, 0) == NULL);
    coll_reset(&c);
    v3(&m, 7, "admin");
    expect_json(&m, "{\"snmp\":{\"version\":3,\"pdu_type\":\"encrypted\"}}");
    CHECK_EQ_U(errors(), 0);
}

/* Every cut of every message: no event, one parse error each. */
static void test_truncations(void)
{
    struct ber msgs[4];
    v12(&msgs[0], 0, "public", 0xa0, 0, 3);
    v12(&msgs[1], 1, "private", 0xa7, 0, 2);
    v3(&msgs[2], 4, "monitor");
    v3(&msgs[3], 3, "admin");
    for (int i = 0; i < 4; i++) {
        uint64_t e0 = errors();
        struct coll c = { .n = 0 };
        for (size_t k = 0; k < msgs[i].n; k++)
            datagram(msgs[i].b, k, &c);
        CHECK_EQ_U(c.n, 0);
        CHECK_EQ_U(errors() - e0, msgs[i].n);
        coll_reset(&c);
    }
}

static void expect_error(const uint8_t *d, size_t n)
{
    uint64_t e0 = errors();
    struct coll c = { .n = 0 };
    datagram(d, n, &c);
    CHECK_EQ_U(c.n, 0);
    CHECK_EQ_U(errors() - e0, 1);
    coll_reset(&c);
}

static void test_hostile(void)
{
    struct ber m;
    /* length lie: the outer SEQUENCE claims more than the datagram holds */
    v12(&m, 1, "public", 0xa0, 0, 1);
    m.b[1] = (uint8_t)(m.b[1] + 1);
    expect_error(m.b, m.n);
    /* indefinite length, 5-byte length, multi-byte tag */
    expect_error((const uint8_t *)"\x30\x80\x02\x01\x00\x00\x00", 7);
    expect_error((const uint8_t *)"\x30\x85\x00\x00\x00\x00\x03\x02\x01\x00", 10);
    expect_error((const uint8_t *)"\x3f\x01\x02\x01\x00", 5);
    /* an unknown version, a PDU tag outside 0xa0-0xa8 */
    v12(&m, 2, "public", 0xa0, 0, 1);
    expect_error(m.b, m.n);
    v12(&m, 1, "public", 0xa9, 0, 1);
    expect_error(m.b, m.n);
    /* an OID whose arc does not fit 64 bits, and one that does not end */
    {
        struct ber b = { .n = 0 }, p = { .n = 0 }, all = { .n = 0 }, vb = { .n = 0 };
        uint8_t o[12] = { 0x2b };
        memset(o + 1, 0xff, 10);
        o[11] = 0x7f;
        put_tlv(&vb, 0x06, o, sizeof(o));
        put_raw(&vb, "\x05\x00", 2);
        put_ber(&all, 0x30, &vb);
        put_int(&p, 1); put_int(&p, 0); put_int(&p, 0);
        put_ber(&p, 0x30, &all);
        put_int(&b, 1); put_str(&b, "x");
        put_ber(&b, 0xa0, &p);
        m.n = 0;
        put_ber(&m, 0x30, &b);
        expect_error(m.b, m.n);
        /* the same with the last arc cut open */
        o[11] = 0xff;
        b.n = p.n = all.n = vb.n = 0;
        put_tlv(&vb, 0x06, o, sizeof(o));
        put_raw(&vb, "\x05\x00", 2);
        put_ber(&all, 0x30, &vb);
        put_int(&p, 1); put_int(&p, 0); put_int(&p, 0);
        put_ber(&p, 0x30, &all);
        put_int(&b, 1); put_str(&b, "x");
        put_ber(&b, 0xa0, &p);
        m.n = 0;
        put_ber(&m, 0x30, &b);
        expect_error(m.b, m.n);
    }
    /* 100 varbinds: 64 kept, 36 counted */
    uint64_t d0 = app_stats_get(&st, "snmp", "vars_dropped");
    struct coll c = { .n = 0 };
    v12(&m, 1, "public", 0xa0, 0, 100);
    datagram(m.b, m.n, &c);
    CHECK_EQ_U(c.n, 1);                     /* the message (its default-community risk: side) */
    CHECK_EQ_U(c.nside, 1);
    CHECK_EQ_U(app_stats_get(&st, "snmp", "vars_dropped") - d0, 36);
    CHECK(c.n == 1 && strstr(c.tx[0].json, "\"1.3.6.1.2.1.1.63.0\"]") != NULL);
    coll_reset(&c);
    /* a 1000-byte community: the buffer and the event keep 255 bytes */
    char big[1001];
    memset(big, 'A', 1000);
    big[1000] = 0;
    v12(&m, 1, big, 0xa0, 0, 1);
    datagram(m.b, m.n, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK_EQ_U(coll_buflen(&c, 0, BUF_SNMP_COMMUNITY), 255);
    coll_reset(&c);
    /* random byte flips of a valid message: anything but a crash */
    v3(&m, 4, "monitor");
    for (int i = 0; i < 5000; i++) {
        struct ber x = m;
        for (int k = 0; k < 3; k++)
            x.b[coll_rand() % x.n] ^= (uint8_t)(1 + coll_rand() % 255);
        datagram(x.b, x.n, &c);
        coll_reset(&c);
    }
    CHECK(app_stats_get(&st, "snmp", "messages") > 0);
}

int main(void)
{
    (void)coll_feed;            /* TCP only; SNMP is datagrams */
    test_messages();
    test_truncations();
    test_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_snmp");
}
