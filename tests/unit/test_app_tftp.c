/* test_app_tftp.c - TFTP request datagrams (app_tftp.c): RRQ, WRQ with
 * options, the mode lower-cased, the other opcodes Suricata 7.0.10 logs as
 * "error", and what it refuses (checked against its events on the same
 * bytes: tests/tools/suri_compare.py): no NUL after the mode, a mode that
 * is not netascii/octet/mail, a file name that is not UTF-8, opcode 0 or 6,
 * a first byte that is not 0, datagrams to the client. Every cut of a
 * request (against a guard page) gives no event; a long file name is cut
 * on a character boundary; random bytes never crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app_collect.h"

static struct app_stats st;

static void datagram(const void *d, size_t n, int dir, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    const uint8_t *g = guard_copy(d, n);
    app_datagram(app_registry_id("tftp"), g, n, dir, NULL, &st, &s);
    guard_release(g, n);
}

static uint64_t ctr(const char *name) { return app_stats_get(&st, "tftp", name); }

/* The datagram (n bytes of d) gives exactly this tftp object, or none (NULL). */
static void expect(const char *d, size_t n, const char *json)
{
    struct coll c = { .n = 0 };
    char want[4096];
    datagram(d, n, APP_DIR_TOSERVER, &c);
    if (!json) {
        CHECK_EQ_U(c.n, 0);
    } else {
        snprintf(want, sizeof(want), "{\"tftp\":%s}\n", json);
        CHECK_EQ_U(c.n, 1);
        if (c.n == 1)
            CHECK_STR(c.tx[0].json, want);
    }
    coll_reset(&c);
}
#define EXPECT(lit, json) expect(lit, sizeof(lit) - 1, json)

static void test_requests(void)
{
    EXPECT("\0\1pxelinux.0\0octet\0", "{\"packet\":\"read\",\"file\":\"pxelinux.0\",\"mode\":\"octet\"}");
    EXPECT("\0\2cfg/r1\0NetASCII\0blksize\0" "1428\0",
           "{\"packet\":\"write\",\"file\":\"cfg/r1\",\"mode\":\"netascii\"}");
    EXPECT("\0\1\0mail\0", "{\"packet\":\"read\",\"file\":\"\",\"mode\":\"mail\"}");
    EXPECT("\0\1a\xc3\xa9\0octet\0", "{\"packet\":\"read\",\"file\":\"a\xc3\xa9\",\"mode\":\"octet\"}");
    EXPECT("\0\5x\0octet\0", "{\"packet\":\"error\",\"file\":\"x\",\"mode\":\"octet\"}");
    EXPECT("\0\3x\0octet\0", "{\"packet\":\"error\",\"file\":\"x\",\"mode\":\"octet\"}");
    CHECK_EQ_U(ctr("requests"), 4);
    CHECK_EQ_U(ctr("other"), 2);

    uint64_t e0 = ctr("parse_errors"), o0 = ctr("other");
    EXPECT("\0\1file\0octet", NULL);                /* no NUL after the mode */
    EXPECT("\0\1f\0binary\0", NULL);
    EXPECT("\0\1\xff\xfe" "ab\0octet\0", NULL);     /* not UTF-8 */
    EXPECT("\0\1\xed\xa0\x80\0octet\0", NULL);      /* a surrogate */
    EXPECT("\0\1\xc0\xaf\0octet\0", NULL);          /* overlong */
    EXPECT("\0\2f\0\0", NULL);                      /* empty mode */
    CHECK_EQ_U(ctr("parse_errors") - e0, 6);
    EXPECT("\0\6f\0mail\0", NULL);
    EXPECT("\0\0f\0octet\0", NULL);
    EXPECT("\1\1file\0octet\0", NULL);
    EXPECT("\0\4\0\1", NULL);                       /* an ACK */
    CHECK_EQ_U(ctr("other") - o0, 4);
    CHECK_EQ_U(ctr("parse_errors") - e0, 6);

    /* to the client: not read */
    struct coll c = { .n = 0 };
    datagram("\0\1f\0octet\0", 11, APP_DIR_TOCLIENT, &c);
    CHECK_EQ_U(c.n, 0);
    coll_reset(&c);
}

static void test_cuts_and_junk(void)
{
    static const char rq[] = "\0\2configs/router-confg\0netascii\0";
    size_t n = sizeof(rq) - 1;
    struct coll c = { .n = 0 };
    for (size_t k = 0; k < n; k++)
        datagram(rq, k, APP_DIR_TOSERVER, &c);
    CHECK_EQ_U(c.n, 0);
    coll_reset(&c);

    /* a 3000-byte name of 2-byte characters: 1024 bytes kept, whole characters */
    static uint8_t big[3100];
    size_t o = 0;
    big[o++] = 0;
    big[o++] = 1;
    big[o++] = 'x';                 /* makes the cut fall inside a character */
    for (int i = 0; i < 1500; i++) {
        big[o++] = 0xc3;
        big[o++] = 0xa9;
    }
    big[o++] = 0;
    memcpy(big + o, "octet", 6);
    o += 6;
    datagram(big, o, APP_DIR_TOSERVER, &c);
    CHECK_EQ_U(c.n, 1);
    if (c.n == 1) {
        const char *f = strstr(c.tx[0].json, "\"file\":\"x");
        const char *q = f ? strchr(f + 8, '"') : NULL;
        CHECK(f && q && q - (f + 8) == 1023);
    }
    coll_reset(&c);

    for (int i = 0; i < 5000; i++) {
        uint8_t r[40];
        size_t len = coll_rand() % sizeof(r);
        for (size_t k = 0; k < len; k++)
            r[k] = (uint8_t)(coll_rand() % 7 == 0 ? 0 : coll_rand());
        if (len > 1 && (i & 1)) {
            r[0] = 0;
            r[1] = (uint8_t)(1 + i % 5);
        }
        datagram(r, len, APP_DIR_TOSERVER, &c);
        coll_reset(&c);
    }
}

int main(void)
{
    (void)coll_feed;            /* TCP only; TFTP is datagrams */
    test_requests();
    test_cuts_and_junk();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_tftp");
}
