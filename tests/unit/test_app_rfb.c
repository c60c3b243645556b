/* test_app_rfb.c - RFB (app_rfb.c): a 3.8 handshake with VNC
 * authentication, fed whole, byte by byte and in random splits against a
 * guard page, client side first or server side first (the steps wait for
 * the side they read: the same transcript every time); a 3.8 refusal with
 * its reason; a 3.3 handshake; and hostile input: a bad version, a flow
 * ending mid-handshake (logged as far as it went), a huge desktop name
 * (kept cut), a gap, endless bytes (capped). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app_collect.h"

static struct app_stats st;

struct b {
    uint8_t d[8192];
    size_t n;
};

static void put(struct b *o, const void *p, size_t n)
{
    memcpy(o->d + o->n, p, n);
    o->n += n;
}

static void u32(struct b *o, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    put(o, x, 4);
}

static void server_init(struct b *o, const char *name, uint32_t claimed)
{
    static const uint8_t hdr[20] = { 0x07, 0x80, 0x04, 0x38, 32, 24, 0, 1, 0, 255, 0, 255,
                                     0, 255, 16, 8, 0, 0, 0, 0 };
    put(o, hdr, 20);
    u32(o, claimed);
    put(o, name, strlen(name));
}

static int id_rfb(void) { return app_registry_id("rfb"); }

static void run(const struct b *cs, const struct b *sc, int mode, int server_first, int end,
                struct coll *c)
{
    struct app_sink s = coll_sink(c);
    struct app_flow *a = app_flow_new(id_rfb(), NULL, &st);
    if (server_first) {
        coll_feed(a, 1, sc->d, sc->n, mode, &s);
        coll_feed(a, 0, cs->d, cs->n, mode, &s);
    } else {
        coll_feed(a, 0, cs->d, cs->n, mode, &s);
        coll_feed(a, 1, sc->d, sc->n, mode, &s);
    }
    if (end)
        app_flow_end(a, &s);
    app_flow_free(a);
}

static void test_38(void)
{
    struct b cs = { .n = 0 }, sc = { .n = 0 };
    uint8_t chal[16], resp[16];
    for (int i = 0; i < 16; i++) {
        chal[i] = (uint8_t)i;
        resp[i] = (uint8_t)(0xf0 + i);
    }
    put(&sc, "RFB 003.008\n", 12);
    put(&cs, "RFB 003.008\n", 12);
    put(&sc, "\x02\x02\x10", 3);
    put(&cs, "\x02", 1);
    put(&sc, chal, 16);
    put(&cs, resp, 16);
    u32(&sc, 0);
    put(&cs, "\x01", 1);
    server_init(&sc, "ops-console", 11);
    char *ref = NULL;
    for (int mode = 0; mode < 3; mode++)
        for (int first = 0; first < 2; first++)
            for (int r = 0; r < (mode == 2 ? 10 : 1); r++) {
                struct coll c;
                memset(&c, 0, sizeof(c));
                uint64_t m0 = st.memory;
                run(&cs, &sc, mode, first, 1, &c);
                CHECK_EQ_U(st.memory, m0);
                CHECK_EQ_U(c.n, 1);
                CHECK(c.n == 1 && strstr(c.tx[0].json,
                      "\"authentication\":{\"security_type\":2,\"vnc\":{\"challenge\":"
                      "\"000102030405060708090a0b0c0d0e0f\",\"response\":"
                      "\"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\"},\"security_result\":\"OK\"},"
                      "\"screen_shared\":true,\"framebuffer\":{\"width\":1920,\"height\":1080,"
                      "\"name\":\"ops-console\""));
                CHECK_STR(coll_buf(&c, 0, BUF_RFB_NAME, 0), "ops-console");
                if (!ref)
                    ref = strdup(c.log);
                else
                    CHECK(strcmp(ref, c.log) == 0);
                coll_reset(&c);
            }
    free(ref);

    /* every cut of the server's side, flow ended: an event as far as it got
     * (the steps begin with the server's version) */
    for (size_t cut = 1; cut < sc.n; cut++) {
        struct b part = sc;
        struct coll c;
        memset(&c, 0, sizeof(c));
        part.n = cut;
        run(&cs, &part, 0, 0, 1, &c);
        CHECK_EQ_U(c.n, cut >= 12 ? 1 : 0);     /* once the server's version was seen */
        CHECK(cut < 12 || (c.n == 1 && !strstr(c.tx[0].json, "framebuffer")));
        coll_reset(&c);
    }
}

static void test_fail_33(void)
{
    struct b cs = { .n = 0 }, sc = { .n = 0 };
    struct coll c;
    uint8_t z[16] = { 0 };

    put(&sc, "RFB 003.008\n\x01\x02", 14);
    put(&cs, "RFB 003.008\n\x02", 13);
    put(&sc, z, 16);
    put(&cs, z, 16);
    u32(&sc, 1);
    u32(&sc, 6);
    put(&sc, "denied", 6);
    memset(&c, 0, sizeof(c));
    run(&cs, &sc, 1, 0, 0, &c);                 /* logged at the refusal, no end needed */
    CHECK_EQ_U(c.n, 1);
    CHECK(c.n == 1 && strstr(c.tx[0].json, "\"server_security_failure_reason\":\"denied\"") &&
          !strstr(c.tx[0].json, "security_result"));
    coll_reset(&c);

    cs.n = sc.n = 0;
    put(&sc, "RFB 003.003\n", 12);
    u32(&sc, 1);
    put(&cs, "RFB 003.003\n\x00", 13);
    server_init(&sc, "kiosk", 5);
    memset(&c, 0, sizeof(c));
    run(&cs, &sc, 2, 1, 1, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK(c.n == 1 && strstr(c.tx[0].json, "\"authentication\":{\"security_type\":1},"
                                           "\"screen_shared\":false"));
    coll_reset(&c);
}

static void test_hostile(void)
{
    struct b cs = { .n = 0 }, sc = { .n = 0 };
    struct coll c;
    uint64_t e0 = app_stats_get(&st, "rfb", "parse_errors");

    put(&sc, "RFB 003.00x\n", 12);
    put(&cs, "RFB 003.008\n", 12);
    memset(&c, 0, sizeof(c));
    run(&cs, &sc, 0, 0, 1, &c);
    CHECK_EQ_U(c.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "rfb", "parse_errors"), e0 + 1);
    coll_reset(&c);

    /* a name that claims 1 GiB: kept to the cap... and the bytes never come */
    cs.n = sc.n = 0;
    put(&sc, "RFB 003.003\n", 12);
    u32(&sc, 1);
    put(&cs, "RFB 003.003\n\x01", 13);
    server_init(&sc, "", 1u << 30);
    memset(sc.d + sc.n, 'N', 3000);
    sc.n += 3000;
    memset(&c, 0, sizeof(c));
    uint64_t m0 = st.memory;
    run(&cs, &sc, 2, 0, 1, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK(c.n == 1 && strstr(c.tx[0].json, "\"name\":\"NNNN") && coll_buflen(&c, 0, BUF_RFB_NAME) == 2048);
    CHECK_EQ_U(st.memory, m0);
    coll_reset(&c);

    /* a gap, then endless bytes: stops, bounded */
    memset(&c, 0, sizeof(c));
    struct app_sink s = coll_sink(&c);
    struct app_flow *a = app_flow_new(id_rfb(), NULL, &st);
    app_flow_feed(a, 1, (const uint8_t *)"RFB 003.008\n", 12, &s);
    app_flow_gap(a, 0, 5, &s);
    uint8_t *junk = calloc(1, 20000);
    app_flow_feed(a, 1, junk, 20000, &s);
    CHECK(st.memory - m0 <= 2 * 4096 + 1024);
    app_flow_end(a, &s);
    app_flow_free(a);
    free(junk);
    CHECK_EQ_U(c.n, 1);
    coll_reset(&c);
}

int main(void)
{
    test_38();
    test_fail_33();
    test_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_rfb");
}
