/* test_app_ftp.c - FTP (app_ftp.c) and the expectation table
 * (app_expect.c): a control session written here, fed step by step in its
 * real order, each step whole, byte by byte and in random splits against a
 * guard page (identical transcripts): the greeting, multi-line replies,
 * preliminary 150 then 226 in one transaction, unknown verbs without
 * `command`, PASV/EPSV/PORT/EPRT ports and the announcements RETR and
 * STOR make through the sink; the ftp-data parser with and without an
 * announcement, a gap in a transfer; the table (take once, the key,
 * expiry, the bound); hostile input: random bytes, endless lines, a client
 * that never waits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/app/app_expect.h"
#include "app_collect.h"

static struct app_stats st;

struct step {
    int dir;
    const char *s;
};

static struct app_expect got[8];
static int ngot;

static void on_expect(void *ud, const struct app_expect *e)
{
    (void)ud;
    if (ngot < 8)
        got[ngot++] = *e;
}

static void test_session(void)
{
    const struct step s[] = {
        { 1, "220 (vsFTPd 3.0.3)\r\n" },
        { 0, "USER anonymous\r\n" }, { 1, "331 Please specify the password.\r\n" },
        { 0, "PASS x@\r\n" }, { 1, "230 Login successful.\r\n" },
        { 0, "FEAT\r\n" }, { 1, "211-Features:\r\n EPSV\r\n PASV\r\n211 End\r\n" },
        { 0, "PASV\r\n" }, { 1, "227 Entering Passive Mode (10,0,0,1,156,66).\r\n" },
        { 0, "RETR dir/a b.txt\r\n" }, { 1, "150 Opening.\r\n" }, { 1, "226 Done.\r\n" },
        { 0, "EPSV\r\n" }, { 1, "229 Entering Extended Passive Mode (|||40001|)\r\n" },
        { 0, "STOR up.bin\r\n" }, { 1, "150 Ok.\r\n226 Done.\r\n" },
        { 0, "PORT 10,0,0,2,195,81\r\n" }, { 1, "200 PORT ok.\r\n" },
        { 0, "EPRT |2|2001:db8::2|50002|\r\n" }, { 1, "200 EPRT ok.\r\n" },
        { 0, "RETR z\r\n" }, { 1, "150 go\r\n226 ok\r\n" },
        { 0, "LIST\r\n" }, { 1, "150 here\r\n226 ok\r\n" },
        { 0, "QUIT\r\n" },
    };
    char *ref = NULL;
    for (int mode = 0; mode < 3; mode++) {
        struct coll c;
        memset(&c, 0, sizeof(c));
        struct app_sink sk = coll_sink(&c);
        sk.expect = on_expect;
        ngot = 0;
        uint64_t m0 = st.memory;
        struct app_flow *a = app_flow_new(app_registry_id("ftp"), NULL, &st);
        for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
            coll_feed(a, s[i].dir, s[i].s, strlen(s[i].s), mode, &sk);
        app_flow_end(a, &sk);
        app_flow_free(a);
        CHECK_EQ_U(st.memory, m0);
        CHECK_EQ_U(c.n, 13);
        CHECK(strstr(c.tx[0].json, "\"tx_id\":0,\"ftp\":{\"completion_code\":[\"220\"],"
                                   "\"reply\":[\"(vsFTPd 3.0.3)\"],\"reply_received\":\"yes\","
                                   "\"reply_truncated\":false}") != NULL);
        CHECK(strstr(c.tx[1].json, "{\"command\":\"USER\",\"command_data\":\"anonymous\","
                                   "\"command_truncated\":false,\"completion_code\":[\"331\"]") != NULL);
        /* FEAT is no verb Suricata names; its reply is one transaction */
        CHECK(strstr(c.tx[3].json, "\"ftp\":{\"completion_code\":[\"211\",\"211\"],"
                                   "\"reply\":[\"Features:\",\" EPSV\",\" PASV\",\"End\"]") != NULL);
        CHECK(strstr(c.tx[4].json, "\"command\":\"PASV\"") && strstr(c.tx[4].json, "\"dynamic_port\":40002"));
        CHECK(strstr(c.tx[5].json, "\"command_data\":\"dir/a b.txt\"") &&
              strstr(c.tx[5].json, "\"completion_code\":[\"150\",\"226\"]"));
        CHECK(strstr(c.tx[6].json, "\"dynamic_port\":40001"));
        CHECK(strstr(c.tx[8].json, "\"dynamic_port\":50001,\"mode\":\"active\""));
        CHECK(strstr(c.tx[9].json, "\"dynamic_port\":50002,\"mode\":\"active\""));
        CHECK(strstr(c.tx[12].json, "\"command\":\"QUIT\"") &&
              strstr(c.tx[12].json, "\"reply_received\":\"no\""));
        /* RETR, STOR, RETR announced; LIST not (as Suricata) */
        CHECK_EQ_U(ngot, 3);
        CHECK(got[0].port == 40002 && !got[0].active && got[0].to_client &&
              !strcmp(got[0].command, "RETR") && got[0].namelen == 11 &&
              !memcmp(got[0].name, "dir/a b.txt", 11));
        CHECK(got[1].port == 40001 && !got[1].active && !got[1].to_client &&
              !strcmp(got[1].command, "STOR"));
        CHECK(got[2].port == 50002 && got[2].active && got[2].to_client);
        if (!ref)
            ref = strdup(c.log);
        else
            CHECK(strcmp(ref, c.log) == 0);
        coll_reset(&c);
    }
    free(ref);
}

static void test_data(void)
{
    struct coll c;
    memset(&c, 0, sizeof(c));
    struct app_sink sk = coll_sink(&c);
    uint64_t m0 = st.memory;
    int id = app_registry_id("ftp-data");
    /* not announced: nothing */
    struct app_flow *a = app_flow_new(id, NULL, &st);
    app_flow_feed(a, 1, (const uint8_t *)"data", 4, &sk);
    app_flow_end(a, &sk);
    app_flow_free(a);
    CHECK_EQ_U(c.n, 0);
    /* announced: a download, with a gap */
    struct app_expect e;
    memset(&e, 0, sizeof(e));
    e.port = 40002;
    e.to_client = 1;
    memcpy(e.command, "RETR", 5);
    memcpy(e.name, "f.bin", 5);
    e.namelen = 5;
    uint64_t before = app_stats_get(&st, "ftp-data", "bytes");
    a = app_flow_new(id, NULL, &st);
    app_flow_expect(a, &e);
    app_flow_feed(a, 0, (const uint8_t *)"ignored", 7, &sk);    /* the other way */
    coll_feed(a, 1, "0123456789", 10, 1, &sk);
    app_flow_gap(a, 1, 100, &sk);
    app_flow_feed(a, 1, (const uint8_t *)"abc", 3, &sk);
    app_flow_end(a, &sk);
    app_flow_free(a);
    CHECK_EQ_U(c.n, 1);
    CHECK_EQ_U(c.tx[0].kind, TX_FTP_DATA);
    CHECK(strstr(c.tx[0].json, "\"ftp_data\":{\"filename\":\"f.bin\",\"command\":\"RETR\"}") != NULL);
    CHECK_EQ_U(app_stats_get(&st, "ftp-data", "bytes") - before, 10);     /* nothing after the gap */
    /* active: the data connection's client is the FTP server */
    e.active = 1;
    a = app_flow_new(id, NULL, &st);
    app_flow_expect(a, &e);
    app_flow_feed(a, 0, (const uint8_t *)"xy", 2, &sk);
    app_flow_end(a, &sk);
    app_flow_free(a);
    CHECK_EQ_U(app_stats_get(&st, "ftp-data", "bytes") - before, 12);
    coll_reset(&c);
    CHECK_EQ_U(st.memory, m0);
}

static void test_table(void)
{
    app_expect_clear();
    struct app_expect_key k, other;
    memset(&k, 0, sizeof(k));
    k.ipver = 4;
    memcpy(k.server, "\x0a\x00\x00\x01", 4);
    memcpy(k.client, "\x0a\x00\x00\x02", 4);
    k.port = 40002;
    other = k;
    other.port = 40003;
    struct app_expect e, out;
    memset(&e, 0, sizeof(e));
    memcpy(e.name, "n", 1);
    e.namelen = 1;
    uint64_t t = 1000ull * 1000000000ull;
    CHECK_EQ_U(app_expect_take(&k, t, &out), 0);           /* empty */
    app_expect_add(&k, 7, &e, t);
    CHECK_EQ_U(app_expect_take(&other, t, &out), 0);        /* another port */
    CHECK_EQ_U(app_expect_take(&k, t + 1, &out), 7);        /* found */
    CHECK(out.namelen == 1 && out.name[0] == 'n');
    CHECK_EQ_U(app_expect_take(&k, t + 2, &out), 0);        /* once */
    app_expect_add(&k, 7, &e, t);
    CHECK_EQ_U(app_expect_take(&k, t + (APP_EXPECT_TIMEOUT + 1) * 1000000000ull, &out), 0);
    /* the bound: 1000 announcements keep APP_EXPECT_MAX, the newest */
    for (int i = 0; i < 1000; i++) {
        other.port = (uint16_t)(1000 + i);
        app_expect_add(&other, 7, &e, t + (uint64_t)i);
    }
    struct app_expect_counts n;
    app_expect_counts(&n);
    CHECK_EQ_U(n.replaced, 1000 - APP_EXPECT_MAX);
    other.port = 1000 + 999;
    CHECK_EQ_U(app_expect_take(&other, t + 1000, &out), 7);
    other.port = 1000;
    CHECK_EQ_U(app_expect_take(&other, t + 1000, &out), 0);
    app_expect_clear();
    CHECK_EQ_U(app_expect_take(&k, t, &out), 0);
}

static void test_hostile(void)
{
    uint64_t m0 = st.memory;
    struct coll c;
    memset(&c, 0, sizeof(c));
    struct app_sink sk = coll_sink(&c);
    sk.expect = on_expect;
    for (int round = 0; round < 200; round++) {
        ngot = 0;
        struct app_flow *a = app_flow_new(app_registry_id("ftp"), NULL, &st);
        uint8_t buf[600];
        for (int k = 0; k < 10; k++) {
            size_t n = coll_rand() % sizeof(buf);
            for (size_t i = 0; i < n; i++) {
                static const char alpha[] = "0123456789,|() -\r\nRETRPASVEPSVSTOR";
                buf[i] = (uint8_t)(coll_rand() % 3 ? (uint64_t)(uint8_t)alpha[coll_rand() % (sizeof(alpha) - 1)]
                                                   : coll_rand());
            }
            coll_feed(a, k & 1, buf, n, 2, &sk);
            if (k == 4 && round % 4 == 0)
                app_flow_gap(a, k & 1, 50, &sk);
        }
        app_flow_end(a, &sk);
        app_flow_free(a);
        coll_reset(&c);
        sk = coll_sink(&c);
        sk.expect = on_expect;
    }
    CHECK_EQ_U(st.memory, m0);
    /* an endless command line and reply; a client that never waits */
    struct app_flow *a = app_flow_new(app_registry_id("ftp"), NULL, &st);
    char *big = malloc(20000);
    memset(big, 'A', 20000);
    memcpy(big, "RETR ", 5);
    app_flow_feed(a, 0, (const uint8_t *)big, 20000, &sk);
    app_flow_feed(a, 0, (const uint8_t *)"\r\n", 2, &sk);
    for (int i = 0; i < 20; i++)
        app_flow_feed(a, 0, (const uint8_t *)"NOOP\r\n", 6, &sk);
    memcpy(big, "220 ", 4);
    app_flow_feed(a, 1, (const uint8_t *)big, 20000, &sk);
    app_flow_feed(a, 1, (const uint8_t *)"\r\n", 2, &sk);
    app_flow_end(a, &sk);
    app_flow_free(a);
    free(big);
    CHECK_EQ_U(c.n, 22);
    CHECK(strstr(c.tx[0].json, "\"command\":\"RETR\"") && strstr(c.tx[0].json, "\"command_truncated\":true") &&
          strstr(c.tx[0].json, "\"reply_received\":\"no\""));
    int truncated_reply = 0;
    for (int i = 0; i < c.n; i++)
        truncated_reply |= strstr(c.tx[i].json, "\"reply_truncated\":true") != NULL;
    CHECK(truncated_reply);
    coll_reset(&c);
    CHECK_EQ_U(st.memory, m0);
}

/* ftp_cleartext_credentials: a PASS in clear (detail the USER name, never
 * the password); none for anonymous, none after AUTH TLS was accepted. */
static int risks_of(const struct step *s, size_t n, const char *needle)
{
    struct coll c;
    memset(&c, 0, sizeof(c));
    struct app_sink sk = coll_sink(&c);
    struct app_flow *a = app_flow_new(app_registry_id("ftp"), NULL, &st);
    for (size_t i = 0; i < n; i++)
        coll_feed(a, s[i].dir, s[i].s, strlen(s[i].s), 0, &sk);
    app_flow_end(a, &sk);
    app_flow_free(a);
    int k = coll_side(&c, TX_RISK, needle);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "hunter2"), 0);
    coll_reset(&c);
    return k;
}

static void test_risk(void)
{
    const struct step clear[] = {
        { 1, "220 hi\r\n" }, { 0, "USER alice\r\n" }, { 1, "331 pw?\r\n" },
        { 0, "PASS hunter2\r\n" }, { 1, "230 ok\r\n" },
    };
    const struct step anon[] = {
        { 1, "220 hi\r\n" }, { 0, "user Anonymous\r\n" }, { 1, "331 pw?\r\n" },
        { 0, "PASS hunter2\r\n" }, { 1, "230 ok\r\n" },
    };
    const struct step tls[] = {
        { 1, "220 hi\r\n" }, { 0, "AUTH TLS\r\n" }, { 1, "234 go\r\n" },
        { 0, "USER alice\r\n" }, { 0, "PASS hunter2\r\n" },
    };
    const struct step refused[] = {
        { 1, "220 hi\r\n" }, { 0, "AUTH TLS\r\n" }, { 1, "502 no\r\n" },
        { 0, "USER alice\r\n" }, { 1, "331 pw?\r\n" }, { 0, "PASS hunter2\r\n" },
    };
    CHECK_EQ_U(risks_of(clear, 5, "{\"risk\":{\"source\":\"app\",\"protocol\":\"ftp\","
                                  "\"names\":[\"ftp_cleartext_credentials\"],\"detail\":\"alice\"}}"), 1);
    CHECK_EQ_U(risks_of(anon, 5, "\"risk\""), 0);
    CHECK_EQ_U(risks_of(tls, 5, "\"risk\""), 0);
    CHECK_EQ_U(risks_of(refused, 6, "\"detail\":\"alice\""), 1);
}

int main(void)
{
    test_session();
    test_risk();
    test_data();
    test_table();
    test_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_ftp");
}
