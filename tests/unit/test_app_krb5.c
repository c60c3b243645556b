/* test_app_krb5.c - Kerberos (app_krb5.c) on DER messages built here from
 * RFC 4120's ASN.1: an AS-REQ answered by a KRB-ERROR and an AS-REP, a
 * TGS-REP with RC4 (weak), over TCP with record marks fed whole, byte by
 * byte and in random splits against a guard page (same transcript every
 * time), over UDP one datagram at a time (stateless: the failed request is
 * UNKNOWN; with a flow state: it is named), and hostile input: every
 * truncation of every message, lengths past their container, a 5-byte
 * length, a record over the cap and one with the reserved bit, a gap. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app_collect.h"

static struct app_stats st;

struct b {
    uint8_t d[4096];
    size_t n;
};

static void put(struct b *o, const void *p, size_t n)
{
    memcpy(o->d + o->n, p, n);
    o->n += n;
}

/* o = tag, length, body */
static struct b tlv(unsigned tag, const struct b *body)
{
    struct b o = { .n = 0 };
    o.d[o.n++] = (uint8_t)tag;
    if (body->n < 128) {
        o.d[o.n++] = (uint8_t)body->n;
    } else {
        o.d[o.n++] = 0x82;
        o.d[o.n++] = (uint8_t)(body->n >> 8);
        o.d[o.n++] = (uint8_t)body->n;
    }
    put(&o, body->d, body->n);
    return o;
}

static struct b cat(int n, ...)
{
    struct b o = { .n = 0 };
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const struct b *x = va_arg(ap, const struct b *);
        put(&o, x->d, x->n);
    }
    va_end(ap);
    return o;
}

static struct b integer(int v)
{
    struct b x = { .n = 0 };
    if (v >= 0 && v < 128) {
        x.d[x.n++] = (uint8_t)v;
    } else {
        x.d[x.n++] = (uint8_t)(v >> 8);
        x.d[x.n++] = (uint8_t)v;
    }
    return tlv(0x02, &x);
}

static struct b gstr(const char *s)
{
    struct b x = { .n = 0 };
    put(&x, s, strlen(s));
    return tlv(0x1b, &x);
}

static struct b ctx(int n, struct b v) { return tlv(0xa0 | (unsigned)n, &v); }
static struct b seq1(struct b a) { return tlv(0x30, &a); }

static struct b principal(int type, const char *a, const char *b2)
{
    struct b g1 = gstr(a), g2 = b2 ? gstr(b2) : (struct b){ .n = 0 };
    struct b names = cat(2, &g1, &g2);
    struct b c0 = ctx(0, integer(type)), c1 = ctx(1, tlv(0x30, &names));
    return seq1(cat(2, &c0, &c1));
}

static struct b enc(int etype)
{
    struct b cipher = { .n = 16 };
    memset(cipher.d, 0x5a, 16);
    struct b c0 = ctx(0, integer(etype)), c2 = ctx(2, tlv(0x04, &cipher));
    return seq1(cat(2, &c0, &c2));
}

static struct b as_req(const char *user)
{
    struct b kopt = { .n = 5, .d = { 0, 0x40, 0x81, 0, 0x10 } };
    struct b b0 = ctx(0, tlv(0x03, &kopt)), b1 = ctx(1, principal(1, user, NULL));
    struct b b2 = ctx(2, gstr("EXAMPLE.GOV")), b3 = ctx(3, principal(2, "krbtgt", "EXAMPLE.GOV"));
    struct b b7 = ctx(7, integer(4242));
    struct b e1 = integer(18), e2 = integer(23), el = cat(2, &e1, &e2);
    struct b b8 = ctx(8, tlv(0x30, &el));
    struct b body = seq1(cat(6, &b0, &b1, &b2, &b3, &b7, &b8));
    struct b p1 = ctx(1, integer(5)), p2 = ctx(2, integer(10)), p4 = ctx(4, body);
    struct b s = seq1(cat(3, &p1, &p2, &p4));
    return tlv(0x6a, &s);
}

static struct b kdc_rep(unsigned app, const char *user, const char *svc, const char *host,
                        int etype, int tetype)
{
    struct b t0 = ctx(0, integer(5)), t1 = ctx(1, gstr("EXAMPLE.GOV"));
    struct b t2 = ctx(2, principal(2, svc, host)), t3 = ctx(3, enc(tetype));
    struct b ts = seq1(cat(4, &t0, &t1, &t2, &t3));
    struct b ticket = tlv(0x61, &ts);
    struct b r0 = ctx(0, integer(5)), r1 = ctx(1, integer((int)app)), r3 = ctx(3, gstr("EXAMPLE.GOV"));
    struct b r4 = ctx(4, principal(1, user, NULL)), r5 = ctx(5, ticket), r6 = ctx(6, enc(etype));
    struct b s = seq1(cat(6, &r0, &r1, &r3, &r4, &r5, &r6));
    return tlv(0x60 | app, &s);
}

static struct b krb_error(int code)
{
    struct b e0 = ctx(0, integer(5)), e1 = ctx(1, integer(30)), e6 = ctx(6, integer(code));
    struct b e9 = ctx(9, gstr("EXAMPLE.GOV")), e10 = ctx(10, principal(2, "krbtgt", "EXAMPLE.GOV"));
    struct b s = seq1(cat(5, &e0, &e1, &e6, &e9, &e10));
    return tlv(0x7e, &s);
}

static struct b mark(const struct b *m)
{
    struct b o = { .n = 4, .d = { 0, 0, (uint8_t)(m->n >> 8), (uint8_t)m->n } };
    put(&o, m->d, m->n);
    return o;
}

static int id_krb(void) { return app_registry_id("krb5"); }

static const struct ctx_rec *tx_with(const struct coll *c, const char *needle)
{
    for (int i = 0; i < c->n; i++)
        if (strstr(c->tx[i].json, needle))
            return &c->tx[i];
    return NULL;
}

static void test_tcp(void)
{
    struct b req = as_req("alice"), err = krb_error(25);
    struct b rep = kdc_rep(13, "alice", "cifs", "fs01.example.gov", 23, 23);
    struct b mr = mark(&req), me = mark(&err), mp = mark(&rep);
    char *ref = NULL;

    for (int mode = 0; mode < 3; mode++)
        for (int rep_i = 0; rep_i < (mode == 2 ? 20 : 1); rep_i++) {
            struct coll c;
            memset(&c, 0, sizeof(c));
            struct app_sink s = coll_sink(&c);
            uint64_t m0 = st.memory;
            struct app_flow *a = app_flow_new(id_krb(), NULL, &st);
            /* request, error, request, reply: interleaved as on the wire */
            coll_feed(a, 0, mr.d, mr.n, mode, &s);
            coll_feed(a, 1, me.d, me.n, mode, &s);
            coll_feed(a, 0, mr.d, mr.n, mode, &s);
            coll_feed(a, 1, mp.d, mp.n, mode, &s);
            app_flow_end(a, &s);
            app_flow_free(a);
            CHECK_EQ_U(st.memory, m0);
            CHECK_EQ_U(c.n, 4);
            CHECK(c.n == 4 && strstr(c.tx[0].json, "\"msg_type\":\"KRB_AS_REQ\",\"cname\":\"alice\","
                                     "\"realm\":\"EXAMPLE.GOV\",\"sname\":\"krbtgt/EXAMPLE.GOV\","
                                     "\"encryption\":\"<none>\",\"weak_encryption\":false"));
            CHECK(c.n == 4 && strstr(c.tx[1].json, "\"msg_type\":\"KRB_ERROR\",\"failed_request\":"
                                     "\"KRB_AS_REQ\",\"error_code\":\"KDC_ERR_PREAUTH_REQUIRED\","
                                     "\"cname\":\"<empty>\",\"realm\":\"<empty>\""));
            CHECK(c.n == 4 && strstr(c.tx[3].json, "\"msg_type\":\"KRB_TGS_REP\",\"cname\":\"alice\","
                                     "\"realm\":\"EXAMPLE.GOV\",\"sname\":\"cifs/fs01.example.gov\","
                                     "\"encryption\":\"rc4-hmac\",\"weak_encryption\":true,"
                                     "\"ticket_encryption\":\"rc4-hmac\",\"ticket_weak_encryption\":true"));
            /* names to the rules only from the KDC's side, one per component */
            CHECK_EQ_U(coll_nbuf(&c, 0, BUF_KRB5_CNAME), 0);
            CHECK_EQ_U(coll_nbuf(&c, 3, BUF_KRB5_SNAME), 2);
            CHECK_STR(coll_buf(&c, 3, BUF_KRB5_SNAME, 1), "fs01.example.gov");
            CHECK_STR(coll_buf(&c, 3, BUF_KRB5_CNAME, 0), "alice");
            if (!ref)
                ref = strdup(c.log);
            else
                CHECK(strcmp(ref, c.log) == 0);
            coll_reset(&c);
        }
    free(ref);
}

static void udp(struct app_flow *a, const struct b *m, int dir, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    const uint8_t *g = guard_copy(m->d, m->n);
    if (a)
        app_flow_datagram(a, dir, g, m->n, &s);
    else
        app_datagram(id_krb(), g, m->n, dir, NULL, &st, &s);
    guard_release(g, m->n);
}

static void test_udp(void)
{
    struct b req = as_req("bob"), err = krb_error(6);
    struct b rep = kdc_rep(11, "bob", "krbtgt", "EXAMPLE.GOV", 18, 18);
    struct coll c;

    memset(&c, 0, sizeof(c));                   /* stateless datagrams */
    udp(NULL, &req, 0, &c);
    udp(NULL, &err, 1, &c);
    udp(NULL, &rep, 1, &c);
    CHECK_EQ_U(c.n, 3);
    CHECK(tx_with(&c, "\"failed_request\":\"UNKNOWN\",\"error_code\":\"KDC_ERR_C_PRINCIPAL_UNKNOWN\""));
    CHECK(tx_with(&c, "\"encryption\":\"aes256-cts-hmac-sha1-96\",\"weak_encryption\":false"));
    coll_reset(&c);

    memset(&c, 0, sizeof(c));                   /* a flow's state across datagrams */
    CHECK(app_udp_flow(id_krb()));
    struct app_flow *a = app_flow_new(id_krb(), NULL, &st);
    udp(a, &req, 0, &c);
    udp(a, &err, 1, &c);
    app_flow_free(a);
    CHECK(tx_with(&c, "\"failed_request\":\"KRB_AS_REQ\""));
    coll_reset(&c);
}

static void test_hostile(void)
{
    struct b msgs[3] = { as_req("eve"), kdc_rep(11, "eve", "krbtgt", "X", 3, 1), krb_error(24) };
    struct coll c;
    uint64_t e0 = app_stats_get(&st, "krb5", "parse_errors");
    unsigned cuts = 0;

    /* every truncation of every message: no transaction, a parse error */
    for (int k = 0; k < 3; k++)
        for (size_t n = 1; n < msgs[k].n; n++) {
            struct b t = msgs[k];
            t.n = n;
            memset(&c, 0, sizeof(c));
            udp(NULL, &t, 1, &c);
            CHECK_EQ_U(c.n, 0);
            coll_reset(&c);
            cuts++;
        }
    CHECK_EQ_U(app_stats_get(&st, "krb5", "parse_errors"), e0 + cuts);

    /* an inner length past its container; a 5-byte length form */
    struct b bad = msgs[0];
    bad.d[3] = 0x7f;                            /* the SEQUENCE claims more than the message */
    memset(&c, 0, sizeof(c));
    udp(NULL, &bad, 0, &c);
    static const uint8_t longlen[] = { 0x6a, 0x85, 0, 0, 0, 0, 4, 0x30, 0x02, 0xa1, 0x00 };
    struct b ll = { .n = sizeof(longlen) };
    memcpy(ll.d, longlen, sizeof(longlen));
    udp(NULL, &ll, 0, &c);
    CHECK_EQ_U(c.n, 0);
    coll_reset(&c);

    /* TCP: a record over the cap is skipped to its end, the next one parsed;
     * the reserved bit stops that direction; a gap too */
    memset(&c, 0, sizeof(c));
    struct app_sink s = coll_sink(&c);
    uint64_t m0 = st.memory;
    struct app_flow *a = app_flow_new(id_krb(), NULL, &st);
    static const uint8_t bigmark[] = { 0, 1, 0, 1 };       /* 65537 bytes */
    app_flow_feed(a, 0, bigmark, 4, &s);
    uint8_t *junk = calloc(1, 65537);
    coll_feed(a, 0, junk, 65537, 2, &s);
    free(junk);
    struct b mr = mark(&msgs[0]);
    coll_feed(a, 0, mr.d, mr.n, 1, &s);
    CHECK_EQ_U(c.n, 1);
    static const uint8_t reserved[] = { 0x80, 0, 0, 10 };
    app_flow_feed(a, 1, reserved, 4, &s);
    struct b me = mark(&msgs[2]);
    app_flow_feed(a, 1, me.d, me.n, &s);
    CHECK_EQ_U(c.n, 1);
    app_flow_gap(a, 0, 10, &s);
    app_flow_feed(a, 0, mr.d, mr.n, &s);
    CHECK_EQ_U(c.n, 1);
    app_flow_free(a);
    CHECK_EQ_U(st.memory, m0);
    coll_reset(&c);
}

/* The risk krb5_weak_encryption: a reply with a weak session or ticket
 * etype (its name the detail), none for AES, none for a request or error;
 * the realm an answer names (a reply's; an error's only with its crealm,
 * the field Suricata writes) is an asset fact, a request's is not. */
static void test_risk(void)
{
    struct b req = as_req("bob"), err = krb_error(6);
    struct b aes = kdc_rep(11, "bob", "krbtgt", "EXAMPLE.GOV", 18, 18);
    struct b rc4 = kdc_rep(13, "bob", "cifs", "fs01", 23, 18);
    struct b des = kdc_rep(13, "bob", "cifs", "fs01", 18, 3);
    struct coll c;

    memset(&c, 0, sizeof(c));
    udp(NULL, &req, 0, &c);
    udp(NULL, &err, 1, &c);
    udp(NULL, &aes, 1, &c);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"risk\""), 0);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"krb5\":{\"realm\":\"EXAMPLE.GOV\"}}}"), 1);
    udp(NULL, &rc4, 1, &c);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"names\":[\"krb5_weak_encryption\"],\"detail\":\"rc4-hmac\"}"), 1);
    udp(NULL, &des, 1, &c);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"detail\":\"ticket des-cbc-md5\"}"), 1);
    udp(NULL, &rc4, 0, &c);                     /* the same bytes to the KDC: no answer of it */
    CHECK_EQ_U(coll_side(&c, TX_RISK, "krb5_weak_encryption"), 2);
    coll_reset(&c);
}

int main(void)
{
    test_tcp();
    test_risk();
    test_udp();
    test_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_krb5");
}
