/* test_app_smtp.c - SMTP (app_smtp.c) and its MIME decoder (app_mime.c):
 * sessions written here, fed step by step in their real order (server and
 * client interleaved), each step whole, byte by byte and in random splits
 * against a guard page; the transcripts must be identical. Pipelining,
 * DATA waiting for 354 (and a refused DATA), BDAT chunks, STARTTLS, RSET;
 * the MIME decoder driven directly: nested multiparts, base64 with broken
 * lines (and lines in pieces), quoted-printable, an unclosed inner
 * multipart, the caps (header values, depth, attachments), URLs; hostile
 * input: random bytes, an endless line, a gap inside DATA. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app/app_mime.h"
#include "app_collect.h"

static struct app_stats st;

struct step {
    int dir;
    const char *s;
};

/* Runs a session in the three modes; checks they agree; leaves the last
 * run's records in *out (caller resets). */
static void run(const struct step *steps, int n, struct coll *out)
{
    char *ref = NULL;
    for (int mode = 0; mode < 3; mode++) {
        struct coll c;
        memset(&c, 0, sizeof(c));
        struct app_sink s = coll_sink(&c);
        uint64_t m0 = st.memory;
        struct app_flow *a = app_flow_new(app_registry_id("smtp"), NULL, &st);
        for (int i = 0; i < n; i++)
            coll_feed(a, steps[i].dir, steps[i].s, strlen(steps[i].s), mode, &s);
        app_flow_end(a, &s);
        app_flow_free(a);
        CHECK_EQ_U(st.memory, m0);
        if (!ref)
            ref = strdup(c.log ? c.log : "");
        else
            CHECK(strcmp(ref, c.log ? c.log : "") == 0);
        if (mode == 2)
            *out = c;
        else
            coll_reset(&c);
    }
    free(ref);
}

static const char msg1[] =
    "From: \"Alice\" <alice@example.org>\r\n"
    "To: bob@example.net,\r\n carol@example.net\r\n"
    "Cc: dave@example.net\r\n"
    "Subject: hello\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--b1\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "see http://WWW.Example.com/A and <http://x.example/y>\r\n"
    "..dot-stuffed\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename=\"a.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aGVsbG8g\r\n"
    "d29y\r\n"
    "bGQ=\r\n"
    "--b1--\r\n"
    ".\r\n";

static void test_pipelined(void)
{
    const struct step s[] = {
        { 1, "220 mx ESMTP\r\n" },
        { 0, "EHLO client.example\r\n" },
        { 1, "250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n" },
        { 0, "MAIL FROM:<alice@example.org> SIZE=100\r\nRCPT TO:<bob@example.net>\r\n"
             "RCPT TO:<carol@example.net>\r\nDATA\r\n" },
        { 0, msg1 },
        { 1, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n" },
        { 0, "QUIT\r\n" },
        { 1, "221 bye\r\n" },
    };
    struct coll c;
    run(s, (int)(sizeof(s) / sizeof(s[0])), &c);
    CHECK_EQ_U(c.n, 2);
    const char *j = c.tx[0].json;
    CHECK(strstr(j, "\"tx_id\":0,\"smtp\":{\"helo\":\"client.example\","
                    "\"mail_from\":\"<alice@example.org>\","
                    "\"rcpt_to\":[\"<bob@example.net>\",\"<carol@example.net>\"]}") != NULL);
    CHECK(strstr(j, "\"email\":{\"status\":\"PARSE_DONE\",\"from\":\"\\\"Alice\\\" <alice@example.org>\","
                    "\"to\":[\"bob@example.net\",\"carol@example.net\"],\"cc\":[\"dave@example.net\"],"
                    "\"attachment\":[\"a.bin\"],\"has_ipv6_url\":false,\"has_ipv4_url\":false,\"has_exe_url\":false,"
                    "\"url\":[\"www.example.com/a\",\"x.example/y\"]}") != NULL);
    if (!strstr(j, "PARSE_DONE"))
        fprintf(stderr, "json: %s\n", j);
    /* QUIT after the message: a transaction of its own (as Suricata) */
    CHECK(strstr(c.tx[1].json, "\"tx_id\":1,\"smtp\":{\"helo\":\"client.example\"}") != NULL);
    CHECK(strstr(c.tx[1].json, "email") == NULL);
    coll_reset(&c);
}

static void test_wait_354(void)
{
    const struct step s[] = {
        { 1, "220 old\r\n" },
        { 0, "HELO a\r\n" }, { 1, "250 ok\r\n" },
        { 0, "MAIL FROM:<x@a>\r\n" }, { 1, "250 ok\r\n" },
        { 0, "RCPT TO:<y@b>\r\n" }, { 1, "250 ok\r\n" },
        { 0, "DATA\r\n" }, { 1, "554 no thanks\r\n" },
        /* refused: these are commands again */
        { 0, "RSET\r\n" }, { 1, "250 ok\r\n" },
        { 0, "MAIL FROM:<z@a>\r\n" }, { 1, "250 ok\r\n" },
        { 0, "DATA\r\n" }, { 1, "354 go\r\n" },
        { 0, "Subject: s\r\nTo: q@b\r\n\r\nMAIL FROM:<not@command>\r\n.\r\n" },
        { 1, "250 ok\r\n" },
    };
    struct coll c;
    run(s, (int)(sizeof(s) / sizeof(s[0])), &c);
    CHECK_EQ_U(c.n, 2);
    CHECK(strstr(c.tx[0].json, "\"mail_from\":\"<x@a>\"") != NULL);
    CHECK(strstr(c.tx[1].json, "\"mail_from\":\"<z@a>\"") != NULL);
    CHECK(strstr(c.tx[1].json, "\"to\":[\"q@b\"]") != NULL);
    CHECK(strstr(c.log, "not@command") == NULL || strstr(c.tx[1].json, "<not@command>") == NULL);
    coll_reset(&c);
}

static void test_bdat_starttls(void)
{
    const char *m = "To: a@b\r\nContent-Type: text/plain; name=\"n.txt\"\r\n\r\nabc\r\ndef";
    char c1[64], c2[128];
    snprintf(c1, sizeof(c1), "BDAT 20\r\n%.20s", m);
    snprintf(c2, sizeof(c2), "BDAT %zu LAST\r\n%s", strlen(m) - 20, m + 20);
    const struct step s[] = {
        { 1, "220 mx\r\n" }, { 0, "EHLO c\r\n" }, { 1, "250 CHUNKING\r\n" },
        { 0, "MAIL FROM:<a@a>\r\n" }, { 1, "250 ok\r\n" },
        { 0, c1 }, { 1, "250 ok\r\n" },
        { 0, c2 }, { 1, "250 ok\r\n" },
        { 0, "STARTTLS\r\n" }, { 1, "220 go\r\n" },
        { 0, "\x16\x03\x01\x00\x05hello MAIL FROM:<hidden@x>\r\n" },
        { 1, "\x16\x03\x03 garbage\r\n" },
    };
    struct coll c;
    run(s, (int)(sizeof(s) / sizeof(s[0])), &c);
    CHECK_EQ_U(c.n, 2);
    CHECK(strstr(c.tx[0].json, "\"status\":\"PARSE_DONE\",\"to\":[\"a@b\"],\"attachment\":[\"n.txt\"]") != NULL);
    CHECK(strstr(c.tx[1].json, "hidden") == NULL);
    CHECK_EQ_U(app_stats_get(&st, "smtp", "starttls") >= 3, 1);     /* once per run */
    coll_reset(&c);
}

/* After the 220 to STARTTLS the dispatcher runs the TLS parser on the flow;
 * the SMTP transaction so far is reported first. */
static void test_handover(void)
{
    struct coll c;
    memset(&c, 0, sizeof(c));
    struct app_sink s = coll_sink(&c);
    uint64_t m0 = st.memory;
    struct app_flow *a = app_flow_new(app_registry_id("smtp"), NULL, &st);
    app_flow_feed(a, 1, (const uint8_t *)"220 mx\r\n", 8, &s);
    app_flow_feed(a, 0, (const uint8_t *)"EHLO c\r\nSTARTTLS\r\n", 18, &s);
    app_flow_feed(a, 1, (const uint8_t *)"250 STARTTLS\r\n", 14, &s);
    CHECK_EQ_U(app_flow_proto(a), app_registry_id("smtp"));
    app_flow_feed(a, 1, (const uint8_t *)"220 go ahead\r\n", 14, &s);
    CHECK_EQ_U(app_flow_proto(a), app_registry_id("tls"));
    CHECK_EQ_U(c.n, 1);
    CHECK(strstr(c.tx[0].json, "\"smtp\":{\"helo\":\"c\"}") != NULL);
    app_flow_feed(a, 0, (const uint8_t *)"\x16\x03\x01\x00\x04\x01\x00\x00\x00", 9, &s);
    app_flow_end(a, &s);
    app_flow_free(a);
    for (int i = 1; i < c.n; i++)
        CHECK_EQ_U(c.tx[i].proto, app_registry_id("tls"));
    CHECK_EQ_U(st.memory, m0);
    coll_reset(&c);
}

/* ---- the MIME decoder directly ---- */

struct att {
    char name[64];
    uint8_t data[4096];
    size_t n;
    int begun, ended, complete;
};

static void a_begin(void *ud, const char *name, size_t n)
{
    struct att *a = ud;
    snprintf(a->name, sizeof(a->name), "%.*s", (int)n, name);
    a->begun++;
}
static void a_data(void *ud, const uint8_t *d, size_t n)
{
    struct att *a = ud;
    if (a->n + n <= sizeof(a->data)) {
        memcpy(a->data + a->n, d, n);
        a->n += n;
    }
}
static void a_end(void *ud, int complete)
{
    struct att *a = ud;
    a->ended++;
    a->complete = complete;
}

/* Feeds text line by line; piece > 0 cuts each line into pieces of that
 * many bytes (eol only on the last). */
static void mime_text(struct mime *m, const char *t, size_t piece, const struct mime_cb *cb)
{
    while (*t) {
        const char *nl = strchr(t, '\n');
        size_t n = nl ? (size_t)(nl - t) : strlen(t);
        size_t ln = n && t[n - 1] == '\r' ? n - 1 : n;
        size_t off = 0;
        do {
            size_t k = piece && ln - off > piece ? piece : ln - off;
            const uint8_t *g = guard_copy(t + off, k);
            mime_line(m, g, k, off + k == ln, cb);
            guard_release(g, k);
            off += k;
        } while (off < ln);
        t += n + (nl ? 1 : 0);
    }
}

static void test_mime(void)
{
    static const uint8_t bin[] = { 0, 1, 2, 0xfe, 0xff, 'x', 'y', 'z', 0x80, 0x7f, 10, 13, 'q' };
    /* base64 of bin: AAEC/v94eXqAfwoNcQ==, written with broken lines */
    const char *msg =
        "Subject: t\r\nContent-Type: multipart/mixed; boundary=OUT\r\n\r\n"
        "--OUT\r\nContent-Type: multipart/alternative; boundary=\"IN\"\r\n\r\n"
        "--IN\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "a=3Db soft=\r\nbreak http://q.example/p?x=1]\r\n"
        "--OUT\r\n"           /* the inner multipart never closes */
        "Content-Disposition: attachment; filename=bin.dat\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        "AAE\r\nC/v94e\r\n  XqAf wo\r\nN\r\ncQ=\r\n=\r\n"
        "--OUT\r\n"
        "Content-Type: text/plain; name=\"qp.txt\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "x=41=\r\ny =ZZ end\r\n"
        "--OUT\r\nContent-Type: text/html\r\n\r\n<a href=\"http://h.example/x]y\">\r\n"
        "--OUT--\r\nepilogue http://not.scanned/\r\n";
    for (size_t piece = 0; piece < 5; piece++) {
        struct mime *m = mime_new(&st);
        struct att all;             /* both attachments' bytes, in order */
        memset(&all, 0, sizeof(all));
        struct mime_cb cb = { &all, a_begin, a_data, a_end };
        mime_text(m, msg, piece, &cb);
        mime_finish(m, 1, &cb);
        CHECK_EQ_U(all.begun, 2);
        CHECK_EQ_U(all.ended, 2);
        /* bin.dat's bytes then qp.txt's "xAy =ZZ end\r\n" */
        CHECK_EQ_U(all.n, sizeof(bin) + 13);
        CHECK(memcmp(all.data, bin, sizeof(bin)) == 0);
        CHECK(memcmp(all.data + sizeof(bin), "xAy =ZZ end\r\n", 13) == 0);
        const char *const *v;
        CHECK_EQ_U(mime_urls(m, &v), 1);       /* the q.example URL is in a part of a part */
        CHECK_STR(v[0], "h.example/x");
        CHECK_EQ_U(mime_url_flags(m), 0);
        CHECK_EQ_U(mime_attachments(m, &v), 2);
        CHECK_STR(v[0], "bin.dat");
        CHECK_STR(v[1], "qp.txt");
        CHECK_STR(mime_subject(m), "t");
        CHECK(mime_from(m) == NULL);
        CHECK_EQ_U(mime_status(m), MIME_PARSE_DONE);
        CHECK(mime_counts(m)->qp_invalid >= 1);
        mime_free(m);
    }
    CHECK_EQ_U(st.memory, 0);
}

static void test_mime_caps(void)
{
    struct mime *m = mime_new(&st);
    struct att all;
    memset(&all, 0, sizeof(all));
    struct mime_cb cb = { &all, a_begin, a_data, a_end };
    /* a To value of 5000 bytes in folded lines: kept to 2000 */
    mime_line(m, (const uint8_t *)"To: a@b", 7, 1, &cb);
    char fold[101];
    memset(fold, 'x', sizeof(fold));
    fold[0] = ' ';
    for (int i = 0; i < 50; i++)
        mime_line(m, (const uint8_t *)fold, sizeof(fold), 1, &cb);
    /* multiparts nested 20 deep: at most MIME_DEPTH_MAX kept */
    mime_line(m, (const uint8_t *)"Content-Type: multipart/mixed; boundary=d0", 42, 1, &cb);
    mime_line(m, (const uint8_t *)"", 0, 1, &cb);
    for (int d = 0; d < 20; d++) {
        char l[80];
        int n = snprintf(l, sizeof(l), "--d%d", d);
        mime_line(m, (const uint8_t *)l, (size_t)n, 1, &cb);
        n = snprintf(l, sizeof(l), "Content-Type: multipart/mixed; boundary=d%d", d + 1);
        mime_line(m, (const uint8_t *)l, (size_t)n, 1, &cb);
        mime_line(m, (const uint8_t *)"", 0, 1, &cb);
    }
    /* 40 attachments: 16 names kept, the rest counted */
    for (int i = 0; i < 40; i++) {
        mime_line(m, (const uint8_t *)"--d0", 4, 1, &cb);
        mime_line(m, (const uint8_t *)"Content-Type: a/b; name=f", 25, 1, &cb);
        mime_line(m, (const uint8_t *)"", 0, 1, &cb);
        mime_line(m, (const uint8_t *)"data", 4, 1, &cb);
    }
    mime_finish(m, 0, &cb);
    CHECK_EQ_U(strlen(mime_to(m)), MIME_VALUE_MAX);
    const char *const *v;
    CHECK_EQ_U(mime_attachments(m, &v), MIME_ATT_MAX);
    CHECK_EQ_U(mime_counts(m)->dropped, 40 - MIME_ATT_MAX);
    CHECK_EQ_U(all.begun, 40);
    CHECK_EQ_U(all.ended, 40);
    CHECK_EQ_U(all.complete, 0);            /* the last one: the message was cut */
    CHECK(mime_status(m) != MIME_PARSE_DONE);
    mime_free(m);
}

static void test_hostile(void)
{
    uint64_t m0 = st.memory;
    struct coll c;
    memset(&c, 0, sizeof(c));
    struct app_sink s = coll_sink(&c);
    /* random bytes both ways */
    for (int round = 0; round < 200; round++) {
        struct app_flow *a = app_flow_new(app_registry_id("smtp"), NULL, &st);
        uint8_t buf[512];
        for (int k = 0; k < 8; k++) {
            size_t n = coll_rand() % sizeof(buf);
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)(coll_rand() % 7 == 0 ? '\n' : coll_rand());
            if (round % 3 == 0 && k == 1)
                app_flow_feed(a, 0, (const uint8_t *)"DATA\r\n", 6, &s);
            if (round % 3 == 1 && k == 1)
                app_flow_feed(a, 0, (const uint8_t *)"BDAT 100000\r\n", 13, &s);
            coll_feed(a, k & 1, buf, n, 2, &s);
            if (k == 5 && round % 5 == 0)
                app_flow_gap(a, k & 1, 100, &s);
        }
        app_flow_end(a, &s);
        app_flow_free(a);
        coll_reset(&c);
        s = coll_sink(&c);
    }
    CHECK_EQ_U(st.memory, m0);
    /* an endless line, then a gap inside DATA: the message is cut */
    struct app_flow *a = app_flow_new(app_registry_id("smtp"), NULL, &st);
    uint8_t *big = malloc(100000);
    memset(big, 'A', 100000);
    app_flow_feed(a, 0, (const uint8_t *)"EHLO h\r\n", 8, &s);
    app_flow_feed(a, 0, big, 100000, &s);
    app_flow_feed(a, 0, (const uint8_t *)"\r\nMAIL FROM:<m@x>\r\nDATA\r\n", 25, &s);
    app_flow_feed(a, 1, (const uint8_t *)"220 x\r\n250 ok\r\n250 ok\r\n354 go\r\n", 31, &s);
    app_flow_feed(a, 0, (const uint8_t *)"To: t@x\r\n\r\n", 11, &s);
    app_flow_feed(a, 0, big, 100000, &s);
    app_flow_gap(a, 0, 5000, &s);
    app_flow_feed(a, 0, (const uint8_t *)"RCPT TO:<after@gap>\r\n", 21, &s);
    app_flow_end(a, &s);
    app_flow_free(a);
    free(big);
    CHECK_EQ_U(c.n, 1);
    CHECK(strstr(c.tx[0].json, "\"mail_from\":\"<m@x>\"") != NULL);
    CHECK(strstr(c.tx[0].json, "\"status\":\"BODY_STARTED\"") != NULL);
    CHECK(strstr(c.tx[0].json, "after@gap") == NULL);
    coll_reset(&c);
    CHECK_EQ_U(st.memory, m0);
}

int main(void)
{
    test_pipelined();
    test_wait_354();
    test_bdat_starttls();
    test_handover();
    test_mime();
    test_mime_caps();
    test_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_smtp");
}
