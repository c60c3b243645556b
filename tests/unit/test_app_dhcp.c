/* test_app_dhcp.c - DHCP (app_dhcp.c) on messages built here from RFC 2131
 * and 2132, each datagram against a guard page: an ACK logged in Suricata's
 * default (short) form, a DISCOVER that is inspected but not logged, the
 * extended form with every field, and hostile input: every truncation,
 * an option running past the datagram, a wrong magic cookie, an unknown
 * message type, options without an end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app_collect.h"

static struct app_stats st;

struct msg {
    uint8_t b[1024];
    size_t n;
};

static void opt(struct msg *m, unsigned code, const void *v, size_t n)
{
    m->b[m->n++] = (uint8_t)code;
    m->b[m->n++] = (uint8_t)n;
    memcpy(m->b + m->n, v, n);
    m->n += n;
}

static void build(struct msg *m, unsigned op, unsigned type)
{
    static const uint8_t mac[6] = { 2, 0, 0, 0, 0x33, 1 };
    memset(m, 0, sizeof(*m));
    m->b[0] = (uint8_t)op; m->b[1] = 1; m->b[2] = 6;
    m->b[4] = 0x39; m->b[5] = 0x03; m->b[6] = 0xf3; m->b[7] = 0x26;     /* xid */
    m->b[16] = 10; m->b[17] = 3; m->b[19] = 77;                           /* yiaddr */
    m->b[20] = 10; m->b[21] = 3; m->b[23] = 1;                            /* siaddr */
    memcpy(m->b + 28, mac, 6);
    m->n = 236;
    static const uint8_t cookie[4] = { 99, 130, 83, 99 };
    memcpy(m->b + m->n, cookie, 4);
    m->n += 4;
    uint8_t t = (uint8_t)type;
    opt(m, 53, &t, 1);
    static const uint8_t cid[7] = { 1, 2, 0, 0, 0, 0x33, 1 };
    opt(m, 61, cid, 7);
    opt(m, 12, "ws-7", 4);
    static const uint8_t lease[4] = { 0, 1, 0x51, 0x80 }, renew[4] = { 0, 0, 0xa8, 0xc0 };
    opt(m, 51, lease, 4);
    opt(m, 58, renew, 4);
    static const uint8_t dns[8] = { 10, 3, 0, 53, 10, 3, 0, 54 }, req[4] = { 10, 3, 0, 77 };
    opt(m, 6, dns, 8);
    opt(m, 50, req, 4);
    static const uint8_t params[4] = { 1, 3, 6, 99 };
    opt(m, 55, params, 4);
    m->b[m->n++] = 255;
}

static void send(const struct msg *m, const struct app_limits *lim, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    const uint8_t *g = guard_copy(m->b, m->n);
    app_datagram(app_registry_id("dhcp"), g, m->n, 1, lim, &st, &s);
    guard_release(g, m->n);
}

static void test_forms(void)
{
    struct msg m;
    struct coll c;
    struct app_limits lim;
    app_limits_default(&lim);
    CHECK_EQ_U(lim.dhcp_extended, 0);

    memset(&c, 0, sizeof(c));
    build(&m, 2, 5);
    send(&m, &lim, &c);
    build(&m, 1, 1);
    send(&m, &lim, &c);
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(c.tx[0].event, 1);
    CHECK_EQ_U(c.tx[1].event, 0);               /* a DISCOVER: inspected, not logged */
    CHECK(strstr(c.tx[0].json, "\"dhcp\":{\"type\":\"reply\",\"id\":956560166,"
              "\"client_mac\":\"02:00:00:00:33:01\",\"assigned_ip\":\"10.3.0.77\","
              "\"dhcp_type\":\"ack\",\"client_id\":\"02:00:00:00:33:01\",\"hostname\":\"ws-7\","
              "\"renewal_time\":43200}}"));
    coll_reset(&c);

    lim.dhcp_extended = 1;
    memset(&c, 0, sizeof(c));
    build(&m, 2, 5);
    send(&m, &lim, &c);
    build(&m, 1, 1);
    send(&m, &lim, &c);
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(c.tx[1].event, 1);
    CHECK(strstr(c.tx[0].json, "\"client_ip\":\"0.0.0.0\",\"relay_ip\":\"0.0.0.0\","
                               "\"next_server_ip\":\"10.3.0.1\""));
    CHECK(strstr(c.tx[0].json, "\"lease_time\":86400"));
    CHECK(strstr(c.tx[0].json, "\"dns_servers\":[\"10.3.0.53\",\"10.3.0.54\"]"));
    CHECK(strstr(c.tx[0].json, "\"requested_ip\":\"10.3.0.77\""));
    CHECK(strstr(c.tx[0].json, "\"params\":[\"subnet_mask\",\"router\",\"dns_server\"]"));
    CHECK(strstr(c.tx[1].json, "\"type\":\"request\"") && strstr(c.tx[1].json, "\"dhcp_type\":\"discover\"") &&
          !strstr(c.tx[1].json, "relay_ip"));
    coll_reset(&c);
}

/* The host a message names: an ACK's (confirmed), a REQUEST's (the address
 * it asks for, unconfirmed); a DISCOVER names none. */
static void test_hosts(void)
{
    struct msg m;
    struct coll c;
    memset(&c, 0, sizeof(c));
    build(&m, 2, 5);
    send(&m, NULL, &c);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"host\":{\"ip\":\"10.3.0.77\","
                                       "\"confirmed\":true,\"hostname\":\"ws-7\"}}}"), 1);
    build(&m, 1, 3);
    send(&m, NULL, &c);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "\"confirmed\":false,\"hostname\":\"ws-7\""), 1);
    build(&m, 1, 1);
    send(&m, NULL, &c);
    CHECK_EQ_U(c.nside, 2);
    build(&m, 2, 5);                            /* an ACK with no address at all: none */
    memset(m.b + 16, 0, 4);
    send(&m, NULL, &c);
    CHECK_EQ_U(c.nside, 2);
    coll_reset(&c);
}

static void test_hostile(void)
{
    struct msg m, t;
    struct coll c;
    struct app_limits lim;
    app_limits_default(&lim);
    lim.dhcp_extended = 1;
    build(&m, 2, 5);

    /* every truncation: before the options end, a cut inside an option is
     * an error; a cut between options is a message without its end */
    uint64_t e0 = app_stats_get(&st, "dhcp", "parse_errors");
    unsigned ok = 0, bad = 0;
    for (size_t n = 0; n < m.n; n++) {
        t = m;
        t.n = n;
        memset(&c, 0, sizeof(c));
        send(&t, &lim, &c);
        ok += (unsigned)c.n;
        bad += c.n == 0;
        CHECK(c.n == 0 || strstr(c.tx[0].json, "\"dhcp\":{"));
        coll_reset(&c);
    }
    CHECK_EQ_U(app_stats_get(&st, "dhcp", "parse_errors"), e0 + bad);
    CHECK(bad >= 240 && ok >= 8);

    /* an option longer than what is left; a wrong cookie; type 200 */
    memset(&c, 0, sizeof(c));
    t = m;
    t.b[244] = 250;                             /* client id's length */
    send(&t, &lim, &c);
    t = m;
    t.b[236] = 1;
    send(&t, &lim, &c);
    CHECK_EQ_U(c.n, 0);
    t = m;
    t.b[242] = 200;
    send(&t, &lim, &c);
    CHECK(c.n == 1 && strstr(c.tx[0].json, "\"dhcp_type\":\"unknown\""));
    coll_reset(&c);
}

int main(void)
{
    (void)coll_feed;                            /* datagrams only here */
    test_forms();
    test_hosts();
    test_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_dhcp");
}
