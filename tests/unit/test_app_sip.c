/* test_app_sip.c - SIP (app_sip.c): a registration over TCP (bodies framed
 * by Content-Length and its compact form "l:", two messages in one piece)
 * fed whole, byte by byte and in random splits against a guard page (same
 * transcript every time); UDP datagrams; and hostile input: start lines
 * that are neither request nor status, a head that never ends, a huge
 * Content-Length, a gap inside a body (crossed) and inside a head (stops). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app_collect.h"

static struct app_stats st;

static const char CS[] =
    "REGISTER sip:example.gov SIP/2.0\r\nVia: SIP/2.0/TCP 10.4.0.10\r\nCSeq: 1 REGISTER\r\n"
    "Content-Length: 5\r\n\r\nhello"
    "OPTIONS sip:bob@example.gov SIP/2.0\r\nl: 0\r\n\r\n";
static const char SC[] =
    "SIP/2.0 401 Unauthorized\r\nCSeq: 1 REGISTER\r\ncontent-length: 3\r\n\r\nabc"
    "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

static int id_sip(void) { return app_registry_id("sip"); }

static void test_tcp(void)
{
    char *ref = NULL;
    for (int mode = 0; mode < 3; mode++)
        for (int r = 0; r < (mode == 2 ? 20 : 1); r++) {
            struct coll c;
            memset(&c, 0, sizeof(c));
            struct app_sink s = coll_sink(&c);
            uint64_t m0 = st.memory;
            struct app_flow *a = app_flow_new(id_sip(), NULL, &st);
            coll_feed(a, 0, CS, strlen(CS), mode, &s);
            coll_feed(a, 1, SC, strlen(SC), mode, &s);
            app_flow_end(a, &s);
            app_flow_free(a);
            CHECK_EQ_U(st.memory, m0);
            CHECK_EQ_U(c.n, 4);
            CHECK(c.n == 4 && strstr(c.tx[0].json, "{\"sip\":{\"method\":\"REGISTER\",\"uri\":"
                  "\"sip:example.gov\",\"version\":\"SIP/2.0\",\"request_line\":"
                  "\"REGISTER sip:example.gov SIP/2.0\"}}"));
            CHECK(c.n == 4 && strstr(c.tx[1].json, "\"method\":\"OPTIONS\""));
            CHECK(c.n == 4 && strstr(c.tx[2].json, "{\"sip\":{\"version\":\"SIP/2.0\",\"code\":\"401\","
                  "\"reason\":\"Unauthorized\",\"response_line\":\"SIP/2.0 401 Unauthorized\"}}"));
            CHECK_STR(coll_buf(&c, 0, BUF_SIP_METHOD, 0), "REGISTER");
            CHECK_STR(coll_buf(&c, 2, BUF_SIP_STAT_CODE, 0), "401");
            CHECK_STR(coll_buf(&c, 3, BUF_SIP_STAT_MSG, 0), "OK");
            if (!ref)
                ref = strdup(c.log);
            else
                CHECK(strcmp(ref, c.log) == 0);
            coll_reset(&c);
        }
    free(ref);
}

static void dgram(const char *m, int dir, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    size_t n = strlen(m);
    const uint8_t *g = guard_copy(m, n);
    app_datagram(id_sip(), g, n, dir, NULL, &st, &s);
    guard_release(g, n);
}

static void test_udp_hostile(void)
{
    struct coll c;
    uint64_t e0 = app_stats_get(&st, "sip", "parse_errors");

    memset(&c, 0, sizeof(c));
    dgram("INVITE sip:bob@example.gov SIP/2.0\r\nContent-Length: 0\r\n\r\n", 0, &c);
    dgram("SIP/2.0 180 Ringing\r\n\r\n", 1, &c);
    dgram("SIP/2.0 180\r\n\r\n", 1, &c);                      /* no reason: allowed */
    CHECK_EQ_U(c.n, 3);
    CHECK(c.n == 3 && strstr(c.tx[2].json, "\"code\":\"180\",\"reason\":\"\""));
    dgram("\r\n\r\n", 0, &c);                                 /* keep-alive */
    dgram("INVITE  sip:x SIP/2.0\r\n\r\n", 0, &c);            /* empty uri */
    dgram("INVITE sip:x HTTP/1.1\r\n\r\n", 0, &c);
    dgram("SIP/2.0 2x0 OK\r\n\r\n", 1, &c);
    dgram("SIP/2.0 20", 1, &c);
    dgram("IN\x01VITE sip:x SIP/2.0\r\n\r\n", 0, &c);
    CHECK_EQ_U(c.n, 3);
    CHECK_EQ_U(app_stats_get(&st, "sip", "parse_errors"), e0 + 6);
    /* every prefix of a request: a message or an error, never a read past */
    const char *inv = "INVITE sip:bob@example.gov SIP/2.0\r\nl: 0\r\n\r\n";
    for (size_t n = 0; n < strlen(inv); n++) {
        struct app_sink s = coll_sink(&c);
        const uint8_t *g = guard_copy(inv, n);
        app_datagram(id_sip(), g, n, 0, NULL, &st, &s);
        guard_release(g, n);
    }
    coll_reset(&c);

    /* TCP: a head that never ends stops the direction at the cap */
    memset(&c, 0, sizeof(c));
    struct app_sink s = coll_sink(&c);
    uint64_t m0 = st.memory;
    struct app_flow *a = app_flow_new(id_sip(), NULL, &st);
    char *junk = malloc(40000);
    memset(junk, 'A', 40000);
    memcpy(junk, "OPTIONS sip:x SIP/2.0\r\nX: ", 26);
    e0 = app_stats_get(&st, "sip", "parse_errors");
    coll_feed(a, 0, junk, 40000, 2, &s);
    coll_feed(a, 0, CS, strlen(CS), 0, &s);
    CHECK_EQ_U(c.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "sip", "parse_errors"), e0 + 1);
    CHECK(st.memory - m0 <= 17 * 1024 + 4096);
    free(junk);
    /* a gap inside a body is crossed; a huge Content-Length swallows the rest */
    static const char big[] = "SIP/2.0 200 OK\r\nContent-Length: 100\r\n\r\n0123456789";
    coll_feed(a, 1, big, strlen(big), 1, &s);
    app_flow_gap(a, 1, 80, &s);
    static const char rest[] = "0123456789SIP/2.0 486 Busy Here\r\n\r\n";
    coll_feed(a, 1, rest, strlen(rest), 2, &s);
    CHECK_EQ_U(c.n, 2);
    CHECK(c.n == 2 && strstr(c.tx[1].json, "\"code\":\"486\",\"reason\":\"Busy Here\""));
    static const char huge[] = "SIP/2.0 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n";
    coll_feed(a, 1, huge, strlen(huge), 0, &s);
    coll_feed(a, 1, SC, strlen(SC), 0, &s);
    CHECK_EQ_U(c.n, 3);
    app_flow_free(a);
    CHECK_EQ_U(st.memory, m0);
    coll_reset(&c);
}

int main(void)
{
    test_tcp();
    test_udp_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_sip");
}
