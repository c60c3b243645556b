/* test_app_http.c - the HTTP/1.x parser (app_http*.c) on hand-written
 * messages: buffers and event fields of a simple exchange, pipelining and
 * pairing, folding and duplicate fields, URI/host normalization, chunked
 * and Content-Length bodies, gzip/deflate (zlib builds the test bodies),
 * a bad gzip body, a zip bomb against http_body_max, smuggling-style
 * TE+CL, gaps and resync, non-HTTP bytes, the pending-request cap, and the
 * memory accounting going back to zero. Every conversation is replayed
 * whole, byte by byte and in random splits: the transcripts (every
 * buffer, every event) must be identical. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "taishi/app/app.h"
#include "taishi/core/compiler.h"
#include "app_collect.h"

struct step {
    int dir;                    /* 0/1, 2 = gap of len bytes in dir 0, 3 = gap in dir 1 */
    const char *data;
    size_t len;                 /* 0: strlen(data) */
};

static struct app_stats st;

/* 1 when json holds "key":v (v followed by a non-digit). */
static int json_has_u64(const char *json, const char *key, uint64_t v)
{
    char want[64];
    int n = snprintf(want, sizeof(want), "\"%s\":%llu", key, (unsigned long long)v);
    for (const char *p = json; (p = strstr(p, want)); p++)
        if (p[n] < '0' || p[n] > '9')
            return 1;
    return 0;
}

/* Runs a conversation; returns the transcript (caller frees) and fills c. */
static char *run(const struct step *s, int nsteps, int mode, const struct app_limits *lim,
                 struct coll *c)
{
    memset(c, 0, sizeof(*c));
    struct app_sink sink = coll_sink(c);
    struct app_flow *a = app_flow_new(app_registry_id("http"), lim, &st);
    for (int i = 0; i < nsteps; i++) {
        size_t len = s[i].len ? s[i].len : strlen(s[i].data);
        if (s[i].dir >= 2)
            app_flow_gap(a, s[i].dir - 2, len, &sink);
        else
            coll_feed(a, s[i].dir, s[i].data, len, mode, &sink);
    }
    app_flow_end(a, &sink);
    app_flow_free(a);
    char *t = strdup(c->log ? c->log : "");
    return t;
}

/* Same transcript whole, byte by byte and in 5 random splittings. */
static void check_segmentation(const struct step *s, int n, const struct app_limits *lim)
{
    struct coll c;
    char *ref = run(s, n, 0, lim, &c);
    coll_reset(&c);
    for (int mode = 1; mode <= 6; mode++) {
        char *t = run(s, n, mode > 2 ? 2 : mode, lim, &c);
        coll_reset(&c);
        CHECK(strcmp(ref, t) == 0);
        if (strcmp(ref, t)) {
            fprintf(stderr, "mode %d differs:\nREF %s\nGOT %s\n", mode, ref, t);
        }
        free(t);
    }
    CHECK(strlen(ref) > 0);
    free(ref);
}

static void test_simple(void)
{
    struct coll c;
    static const struct step s[] = {
        { 0, "GET /a/./b//c/../d%41%2F?x=%41 HTTP/1.1\r\nHost: WWW.Example.COM:8080\r\n"
             "User-Agent: curl/8.0\r\nCookie: a=b\r\nAccept: */*\r\nReferer: http://r/\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nSet-Cookie: s=1\r\n"
             "Content-Length: 5\r\n\r\nhello", 0 },
    };
    uint64_t mem0 = st.memory;
    char *t = run(s, 2, 0, NULL, &c);
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(c.tx[0].kind, TX_HTTP_REQUEST);
    CHECK_EQ_U(c.tx[0].event, 0);
    CHECK_EQ_U(c.tx[0].dir, APP_DIR_TOSERVER);
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_URI, 0), "/a/b/dA%2F?x=A");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_URI_RAW, 0), "/a/./b//c/../d%41%2F?x=%41");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_METHOD, 0), "GET");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_PROTOCOL, 0), "HTTP/1.1");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_HOST, 0), "www.example.com");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_HOST_RAW, 0), "WWW.Example.COM:8080");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_USER_AGENT, 0), "curl/8.0");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_COOKIE, 0), "a=b");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_REFERER, 0), "http://r/");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_ACCEPT, 0), "*/*");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_REQUEST_LINE, 0), "GET /a/./b//c/../d%41%2F?x=%41 HTTP/1.1");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_HEADER, 0),
              "Host: WWW.Example.COM:8080\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\nReferer: http://r/\r\n");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_HEADER_NAMES, 0),
              "\r\nHost\r\nUser-Agent\r\nCookie\r\nAccept\r\nReferer\r\n\r\n");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_START, 0),
              "GET /a/./b//c/../d%41%2F?x=%41 HTTP/1.1\r\nHost: WWW.Example.COM:8080\r\n"
              "User-Agent: curl/8.0\r\nCookie: a=b\r\nAccept: */*\r\nReferer: http://r/\r\n\r\n");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_HEADER_RAW, 0),
              "Host: WWW.Example.COM:8080\r\nUser-Agent: curl/8.0\r\nCookie: a=b\r\nAccept: */*\r\n"
              "Referer: http://r/\r\n\r\n");
    CHECK(coll_buf(&c, 0, BUF_FILE_DATA, 0) == NULL);
    CHECK_EQ_U(c.tx[1].kind, TX_HTTP_RESPONSE);
    CHECK_EQ_U(c.tx[1].event, 1);
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_STAT_CODE, 0), "200");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_STAT_MSG, 0), "OK");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_RESPONSE_LINE, 0), "HTTP/1.1 200 OK");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_SERVER, 0), "nginx");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_COOKIE, 0), "s=1");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_CONTENT_TYPE, 0), "text/html");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_CONTENT_LEN, 0), "5");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_RESPONSE_BODY, 0), "hello");
    CHECK_STR(coll_buf(&c, 1, BUF_FILE_DATA, 0), "hello");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_HEADER, 0),
              "Server: nginx\r\nContent-Type: text/html\r\nContent-Length: 5\r\n");
    CHECK_STR(c.tx[1].json, "{\"http\":{\"hostname\":\"www.example.com\",\"url\":\"/a/./b//c/../d%41%2F?x=%41\","
              "\"http_user_agent\":\"curl/8.0\",\"http_content_type\":\"text/html\",\"http_refer\":\"http://r/\","
              "\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"server\":\"nginx\",\"length\":5}}\n");
    free(t);
    coll_reset(&c);
    CHECK_EQ_U(st.memory, mem0);
    check_segmentation(s, 2, NULL);
}

static void test_uri_norm(void)
{
    static const struct { const char *in, *out; } v[] = {
        { "/", "/" }, { "/a/b/../../../c", "/c" }, { "/a/./b/", "/a/b/" }, { "//x//y", "/x/y" },
        { "/a/b/..", "/a/" }, { "/%7euser/%2e%2e/x", "/x" }, { "/%2F%20", "/%2F " }, { "/p?q=%27%20or%201", "/p?q=' or 1" },
        { "http://Host.Example:81/p/../q?z", "/q?z" }, { "http://h", "/" }, { "*", "*" },
        { "/a?b/../c", "/a?b/../c" }, { "/a/.", "/a/" }, { "/%41%", "/A%" },
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char req[512];
        struct coll c;
        snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", v[i].in);
        struct step s[] = { { 0, req, 0 } };
        char *t = run(s, 1, 0, NULL, &c);
        CHECK_STR(coll_buf(&c, 0, BUF_HTTP_URI, 0), v[i].out);
        if (!coll_buf(&c, 0, BUF_HTTP_URI, 0) || strcmp(coll_buf(&c, 0, BUF_HTTP_URI, 0), v[i].out))
            fprintf(stderr, "  uri %s\n", v[i].in);
        free(t);
        coll_reset(&c);
    }
    /* absolute URI without a Host header: host from the authority */
    struct coll c;
    struct step s[] = { { 0, "GET http://Proxy.Example.:3128/x HTTP/1.1\r\n\r\n", 0 } };
    free(run(s, 1, 0, NULL, &c));
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_HOST, 0), "proxy.example");
    coll_reset(&c);
}

/* A header block close to http_header_max (a 30 KB User-Agent, many fields)
 * parses: the derived buffers fit in the block's arena. */
static void test_big_headers(void)
{
    static char req[33000];
    struct coll c;
    int o = sprintf(req, "GET /big HTTP/1.1\r\nHost: big\r\nUser-Agent: ");
    memset(req + o, 'c', 30000);
    o += 30000;
    o += sprintf(req + o, "\r\n");
    for (int i = 0; o < 32 * 1024 - 40; i++)
        o += sprintf(req + o, "X-%d: v\r\n", i);
    o += sprintf(req + o, "\r\n");
    CHECK(o <= 32 * 1024);
    struct step s[] = { { 0, req, (size_t)o } };
    uint64_t e0 = app_stats_get(&st, "http", "parse_errors");
    free(run(s, 1, 0, NULL, &c));
    CHECK_EQ_U(app_stats_get(&st, "http", "parse_errors"), e0);
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(coll_buflen(&c, 0, BUF_HTTP_USER_AGENT), 30000);
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_HOST, 0), "big");
    coll_reset(&c);
}

static void test_pipelining(void)
{
    struct coll c;
    static const struct step s[] = {
        { 0, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n"
             "POST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc\r\n", 0 },
        { 1, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n"
             "Content-Length: 1000\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 0 },
    };
    free(run(s, 2, 0, NULL, &c));
    CHECK_EQ_U(c.n, 6);
    CHECK_STR(coll_buf(&c, 2, BUF_HTTP_REQUEST_BODY, 0), "abc");
    CHECK_STR(coll_buf(&c, 2, BUF_FILE_DATA, 0), "abc");
    CHECK_EQ_U(c.tx[3].kind, TX_HTTP_RESPONSE);
    CHECK(strstr(c.tx[3].json, "\"url\":\"/1\"") && strstr(c.tx[3].json, "\"status\":200,") &&
          strstr(c.tx[3].json, "\"length\":2"));
    /* the response to HEAD has no body even with a Content-Length */
    CHECK(strstr(c.tx[4].json, "\"url\":\"/2\"") && strstr(c.tx[4].json, "\"length\":0"));
    CHECK(strstr(c.tx[5].json, "\"url\":\"/3\"") && strstr(c.tx[5].json, "\"status\":404"));
    coll_reset(&c);
    check_segmentation(s, 2, NULL);
}

/* The request ring starts at HTTP_Q_START slots and doubles (4, 8, 16) as
 * requests pile up, its head elsewhere than slot 0; the field array of a
 * message grows the same way (16, 32, 64). Every response still meets its
 * own request, every field is still seen. */
static void test_growth(void)
{
    struct coll c;
    char req[2048], rsp[2048];
    size_t rn = 0, sn = 0;
    for (int i = 3; i <= 13; i++) {
        rn += (size_t)snprintf(req + rn, sizeof(req) - rn, "GET /r%d HTTP/1.1\r\nHost: a\r\n\r\n", i);
        sn += (size_t)snprintf(rsp + sn, sizeof(rsp) - sn, "HTTP/1.1 %d OK\r\nContent-Length: 0\r\n\r\n", 200 + i);
    }
    const struct step s[] = {
        { 0, "GET /r1 HTTP/1.1\r\nHost: a\r\n\r\nGET /r2 HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
        { 1, "HTTP/1.1 201 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 202 OK\r\nContent-Length: 0\r\n\r\n", 0 },
        { 0, req, 0 },                  /* 11 pending: the ring grows twice, head at 2 */
        { 1, rsp, 0 },
    };
    free(run(s, 4, 0, NULL, &c));
    int paired = 0;
    for (int k = 0; k < c.n; k++) {
        if (c.tx[k].kind != TX_HTTP_RESPONSE)
            continue;
        for (int i = 1; i <= 13; i++) {
            char u[32], sc[32];
            snprintf(u, sizeof(u), "\"url\":\"/r%d\"", i);
            snprintf(sc, sizeof(sc), "\"status\":%d", 200 + i);
            paired += strstr(c.tx[k].json, u) && strstr(c.tx[k].json, sc);
        }
    }
    CHECK_EQ_U(paired, 13);
    coll_reset(&c);
    char big[4096];
    size_t n = (size_t)snprintf(big, sizeof(big), "GET /f HTTP/1.1\r\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "X-F%02d: v%d\r\n", i, i);
    snprintf(big + n, sizeof(big) - n, "User-Agent: last-one\r\n\r\n");
    const struct step s2[] = { { 0, big, 0 } };
    free(run(s2, 1, 0, NULL, &c));
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_USER_AGENT, 0), "last-one");   /* the 41st field */
    const char *names = coll_buf(&c, 0, BUF_HTTP_HEADER_NAMES, 0);
    CHECK(names && strstr(names, "\r\nX-F00\r\n") && strstr(names, "\r\nX-F39\r\n"));
    coll_reset(&c);
}

static void test_folding_dups(void)
{
    struct coll c;
    static const struct step s[] = {
        { 0, "GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n  two\r\n\tthree\r\nAccept: a\r\n"
             "accept: b\r\nX-Empty:\r\nbogus line\r\n\r\n", 0 },
    };
    free(run(s, 1, 0, NULL, &c));
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_ACCEPT, 0), "a, b");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_HEADER, 0), "Host: h\r\nX-A: one two three\r\nAccept: a, b\r\nX-Empty: \r\n");
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_HEADER_NAMES, 0), "\r\nHost\r\nX-A\r\nAccept\r\naccept\r\nX-Empty\r\n\r\n");
    coll_reset(&c);
    check_segmentation(s, 1, NULL);
    /* bare LF line ends */
    static const struct step s2[] = { { 0, "GET /lf HTTP/1.0\nHost: LF\n\n", 0 }, { 1, "HTTP/1.0 200 OK\n\nbody", 0 } };
    free(run(s2, 2, 0, NULL, &c));
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_HOST, 0), "lf");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_RESPONSE_BODY, 0), "body");      /* close-delimited */
    coll_reset(&c);
    check_segmentation(s2, 2, NULL);
}

static size_t gz(const void *in, size_t n, uint8_t *out, size_t cap, int wbits)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t r = z.total_out;
    deflateEnd(&z);
    return r;
}

static void test_bodies(void)
{
    struct coll c;
    static uint8_t resp[300000];
    static uint8_t comp[200000];
    const char *text = "The quick brown fox jumps over the lazy dog. ";
    char plain[4600];
    for (int i = 0; i < 100; i++)
        memcpy(plain + 45 * i, text, 45);
    plain[4500] = 0;

    /* chunked + gzip, chunks cut inside the gzip stream, a trailer */
    size_t cl = gz(plain, 4500, comp, sizeof(comp), 15 + 16);
    size_t o = (size_t)sprintf((char *)resp, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                            "Transfer-Encoding: chunked\r\n\r\n");
    for (size_t off = 0; off < cl;) {
        size_t k = MIN((size_t)37, cl - off);
        o += (size_t)sprintf((char *)resp + o, "%zx;ext=1\r\n", k);
        memcpy(resp + o, comp + off, k);
        o += k;
        memcpy(resp + o, "\r\n", 2);
        o += 2;
        off += k;
    }
    o += (size_t)sprintf((char *)resp + o, "0\r\nX-Trailer: t\r\n\r\n");
    struct step s[] = { { 0, "GET /gz HTTP/1.1\r\nHost: h\r\n\r\n", 0 }, { 1, (char *)resp, o },
                        { 0, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n", 0 },
                        { 1, "HTTP/1.1 204 No Content\r\n\r\n", 0 } };
    free(run(s, 4, 0, NULL, &c));
    CHECK_EQ_U(c.n, 4);
    CHECK_EQ_U(coll_buflen(&c, 1, BUF_HTTP_RESPONSE_BODY), 4500);
    CHECK(coll_buf(&c, 1, BUF_FILE_DATA, 0) && memcmp(coll_buf(&c, 1, BUF_FILE_DATA, 0), plain, 4500) == 0);
    /* length is the body as sent, dechunked, still compressed (Suricata's) */
    CHECK(json_has_u64(c.tx[1].json, "length", cl));
    CHECK(strstr(c.tx[3].json, "\"url\":\"/next\"") && strstr(c.tx[3].json, "\"status\":204"));
    coll_reset(&c);
    check_segmentation(s, 4, NULL);

    /* deflate, raw and zlib-wrapped */
    for (int w = 0; w < 2; w++) {
        size_t dl = gz(plain, 1000, comp, sizeof(comp), w ? 15 : -15);
        o = (size_t)sprintf((char *)resp, "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %zu\r\n\r\n", dl);
        memcpy(resp + o, comp, dl);
        struct step s2[] = { { 0, "GET / HTTP/1.1\r\n\r\n", 0 }, { 1, (char *)resp, o + dl } };
        free(run(s2, 2, 0, NULL, &c));
        CHECK_EQ_U(coll_buflen(&c, 1, BUF_HTTP_RESPONSE_BODY), 1000);
        CHECK(coll_buf(&c, 1, BUF_FILE_DATA, 0) && memcmp(coll_buf(&c, 1, BUF_FILE_DATA, 0), plain, 1000) == 0);
        coll_reset(&c);
        check_segmentation(s2, 2, NULL);
    }

    /* "gzip" that is not: kept as sent, error counted */
    uint64_t e0 = app_stats_get(&st, "http", "gzip_errors");
    static const struct step s3[] = { { 0, "GET / HTTP/1.1\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 11\r\n\r\nplain text!", 0 } };
    free(run(s3, 2, 0, NULL, &c));
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_RESPONSE_BODY, 0), "plain text!");
    CHECK(app_stats_get(&st, "http", "gzip_errors") > e0);
    coll_reset(&c);
    check_segmentation(s3, 2, NULL);

    /* gzip that breaks in the middle: what was decoded is kept */
    for (int i = 0; i < 4500; i++)
        plain[i] = (char)('a' + coll_rand() % 26);
    cl = gz(plain, 4500, comp, sizeof(comp), 15 + 16);
    memset(comp + cl / 2, 0xff, cl - cl / 2);
    o = (size_t)sprintf((char *)resp, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", cl);
    memcpy(resp + o, comp, cl);
    struct step s4[] = { { 0, "GET / HTTP/1.1\r\n\r\n", 0 }, { 1, (char *)resp, o + cl } };
    free(run(s4, 2, 0, NULL, &c));
    CHECK_EQ_U(c.n, 2);
    uint32_t bl = coll_buflen(&c, 1, BUF_HTTP_RESPONSE_BODY);
    /* inflate may turn some of the 0xff bytes into output before it sees the error */
    CHECK(bl > 1000 && memcmp(coll_buf(&c, 1, BUF_FILE_DATA, 0) ? coll_buf(&c, 1, BUF_FILE_DATA, 0) : "", plain, 1000) == 0);
    CHECK(app_stats_get(&st, "http", "gzip_errors") > e0 + 1);
    coll_reset(&c);

    /* TE chunked wins over Content-Length (smuggling) */
    static const struct step s5[] = {
        { 0, "POST /s HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n", 0 } };
    free(run(s5, 1, 0, NULL, &c));
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_REQUEST_BODY, 0), "hello");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_URI, 0), "/smuggled");
    coll_reset(&c);
    check_segmentation(s5, 1, NULL);
}

static void test_zip_bomb(void)
{
    struct coll c;
    struct app_limits lim;
    app_limits_default(&lim);
    lim.http_body_max = 16384;
    size_t n = 20 * 1024 * 1024;
    uint8_t *zeros = calloc(1, n), *comp = malloc(n / 100);
    size_t cl = gz(zeros, n, comp, n / 100, 15 + 16);
    CHECK(cl < 40000);
    char *resp = malloc(cl + 200);
    int o = sprintf(resp, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", cl);
    memcpy(resp + o, comp, cl);

    struct app_stats s0 = st;
    struct app_sink sink;
    memset(&c, 0, sizeof(c));
    sink = coll_sink(&c);
    struct app_flow *a = app_flow_new(app_registry_id("http"), &lim, &st);
    app_flow_feed(a, 0, (const uint8_t *)"GET /bomb HTTP/1.1\r\n\r\n", 22, &sink);
    uint64_t peak = 0;
    for (size_t off = 0; off < (size_t)o + cl; off += 1000) {
        size_t k = MIN((size_t)1000, (size_t)o + cl - off);
        app_flow_feed(a, 1, (const uint8_t *)resp + off, k, &sink);
        if (st.memory - s0.memory > peak)
            peak = st.memory - s0.memory;
    }
    app_flow_end(a, &sink);
    app_flow_free(a);
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(coll_buflen(&c, 1, BUF_HTTP_RESPONSE_BODY), 16384);
    CHECK(json_has_u64(c.tx[1].json, "length", cl));
    CHECK(peak < 16384 + 64 * 1024 + 48 * 1024);        /* body cap + zlib state + header buffers */
    CHECK(app_stats_get(&st, "http", "truncated_bodies") > app_stats_get(&s0, "http", "truncated_bodies"));
    CHECK_EQ_U(st.memory, s0.memory);
    coll_reset(&c);
    free(zeros);
    free(comp);
    free(resp);
}

/* No rule reads a body (http_body_inspect 0, the worker's setting without
 * body rules): bodies are counted for the event, neither kept nor inflated. */
static void test_count_only(void)
{
    static uint8_t plain[6000], comp[8000], resp[16000];
    struct app_limits lim;
    struct coll c;

    app_limits_default(&lim);
    lim.http_body_inspect = 0;
    for (size_t i = 0; i < sizeof(plain); i++)
        plain[i] = (uint8_t)('a' + i % 7);
    size_t cl = gz(plain, sizeof(plain), comp, sizeof(comp), 15 + 16);
    size_t o = (size_t)sprintf((char *)resp, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                            "Content-Length: %zu\r\n\r\n", cl);
    memcpy(resp + o, comp, cl);
    o += cl;
    o += (size_t)sprintf((char *)resp + o, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                          "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    struct step s[] = { { 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n", 0 },
                        { 1, (char *)resp, o } };
    struct app_stats s0 = st;
    free(run(s, 2, 0, &lim, &c));
    CHECK_EQ_U(c.n, 4);
    CHECK_EQ_U(coll_buflen(&c, 2, BUF_HTTP_RESPONSE_BODY), 0);
    CHECK(coll_buf(&c, 2, BUF_FILE_DATA, 0) == NULL);
    CHECK(json_has_u64(c.tx[2].json, "length", cl));
    CHECK(json_has_u64(c.tx[3].json, "length", 11));
    CHECK(app_stats_get(&st, "http", "gzip_errors") == app_stats_get(&s0, "http", "gzip_errors"));
    CHECK_EQ_U(st.memory, s0.memory);
    coll_reset(&c);
    check_segmentation(s, 2, &lim);
}

/* No ruleset (rule_bufs 0, the worker's setting then): the same events,
 * the same memory accounting, and no inspection buffer built. */
static void test_no_rule_bufs(void)
{
    static const struct step s[] = {
        { 0, "GET /a/./b?x=%41 HTTP/1.1\r\nHost: WWW.Example.COM:8080\r\nUser-Agent: curl/8.0\r\n"
             "Cookie: a=b\r\nReferer: http://r/\r\nX-A: 1\r\nx-a: 2\r\n\r\n"
             "GET http://h2.example/p HTTP/1.1\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nLocation: /x\r\n"
             "Content-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 0 },
    };
    struct app_limits lim;
    struct coll a, b;

    app_limits_default(&lim);
    char *ta = run(s, 2, 0, &lim, &a);
    lim.rule_bufs = 0;
    lim.http_body_inspect = 0;
    char *tb = run(s, 2, 0, &lim, &b);
    CHECK_EQ_U(a.n, 4);
    CHECK_EQ_U(b.n, a.n);
    for (int i = 0; i < a.n && i < b.n; i++) {
        CHECK_STR(a.tx[i].json, b.tx[i].json);
        CHECK(a.tx[i].nb > 0);
        CHECK_EQ_U(b.tx[i].nb, 0);
    }
    CHECK(strstr(b.tx[0].json, "\"hostname\":\"www.example.com\"") != NULL);
    CHECK(strstr(b.tx[1].json, "\"hostname\":\"h2.example\"") != NULL);
    free(ta);
    free(tb);
    coll_reset(&a);
    coll_reset(&b);
    check_segmentation(s, 2, &lim);
}

static void test_not_http(void)
{
    struct coll c;
    uint64_t e0 = app_stats_get(&st, "http", "parse_errors");
    static const struct step s[] = { { 0, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 random tls bytes", 0 },
                                     { 1, "\x16\x03\x03 more", 0 } };
    free(run(s, 2, 0, NULL, &c));
    CHECK_EQ_U(c.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "http", "parse_errors"), e0 + 1);
    coll_reset(&c);
    /* a never-ending header block: stops at the cap, error counted */
    struct app_limits lim;
    app_limits_default(&lim);
    lim.http_header_max = 1024;
    struct app_flow *a = app_flow_new(app_registry_id("http"), &lim, &st);
    struct app_sink sink = coll_sink(&c);
    app_flow_feed(a, 0, (const uint8_t *)"GET / HTTP/1.1\r\n", 16, &sink);
    uint64_t m0 = st.memory;
    for (int i = 0; i < 1000; i++)
        app_flow_feed(a, 0, (const uint8_t *)"X-Long: aaaaaaaaaaaaaaaaaaaaaa\r\n", 32, &sink);
    CHECK(st.memory - m0 <= 2048);
    CHECK_EQ_U(app_stats_get(&st, "http", "parse_errors"), e0 + 2);
    app_flow_free(a);
    coll_reset(&c);
    /* a bad chunk size stops the flow */
    static const struct step s3[] = { { 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0 } };
    free(run(s3, 1, 0, NULL, &c));
    CHECK_EQ_U(app_stats_get(&st, "http", "parse_errors"), e0 + 3);
    coll_reset(&c);
}

static void test_gaps_and_end(void)
{
    struct coll c;
    /* a hole inside a Content-Length body is skipped */
    static const struct step s[] = {
        { 0, "POST /u HTTP/1.1\r\nContent-Length: 10\r\n\r\nab", 0 }, { 2, "", 5 }, { 0, "fgh", 0 },
        { 0, "GET /after HTTP/1.1\r\n\r\n", 0 },
    };
    free(run(s, 4, 0, NULL, &c));
    CHECK_EQ_U(c.n, 4);
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_REQUEST_BODY, 0), "abfgh");
    CHECK_STR(coll_buf(&c, 1, BUF_HTTP_URI, 0), "/after");
    CHECK(strstr(c.tx[2].json, "\"url\":\"/u\"") && !strstr(c.tx[2].json, "status"));
    coll_reset(&c);
    check_segmentation(s, 4, NULL);
    /* a hole in the headers: resync at the next request line */
    static const struct step s2[] = {
        { 0, "GET /lost HTTP/1.1\r\nHo", 0 }, { 2, "", 100 },
        { 0, "garbage\r\nmore garbage GET /no\r\nPOSTAL x\r\nGET /found HTTP/1.1\r\nHost: x\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0 },
    };
    free(run(s2, 4, 0, NULL, &c));
    CHECK_EQ_U(c.n, 2);
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_URI, 0), "/found");
    CHECK(strstr(c.tx[1].json, "\"url\":\"/found\""));
    coll_reset(&c);
    check_segmentation(s2, 4, NULL);
    /* a flow that was HTTP and loses sync (capture began mid-response):
     * one error, that direction resyncs at the next response */
    uint64_t e1 = app_stats_get(&st, "http", "parse_errors");
    static const struct step s7[] = {
        { 0, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
        { 1, "\x89PNG\r\n\x1a\n binary body of a lost response\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0 },
        { 0, "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
        { 1, "HTTP/1.1 204 No Content\r\n\r\n", 0 },
    };
    free(run(s7, 4, 0, NULL, &c));
    CHECK_EQ_U(app_stats_get(&st, "http", "parse_errors"), e1 + 1);
    CHECK_EQ_U(c.n, 4);
    CHECK(strstr(c.tx[1].json, "\"url\":\"/1\"") && strstr(c.tx[1].json, "\"status\":200"));
    CHECK(strstr(c.tx[3].json, "\"url\":\"/2\"") && strstr(c.tx[3].json, "\"status\":204"));
    coll_reset(&c);
    check_segmentation(s7, 4, NULL);
    /* pending requests are reported at the end, without a response */
    static const struct step s3[] = { { 0, "GET /p1 HTTP/1.1\r\n\r\nGET /p2 HTTP/1.1\r\n\r\n", 0 } };
    free(run(s3, 1, 0, NULL, &c));
    CHECK_EQ_U(c.n, 4);
    CHECK_EQ_U(c.tx[2].event, 1);
    CHECK_EQ_U(c.tx[2].kind, TX_HTTP_REQUEST);
    CHECK(strstr(c.tx[2].json, "\"url\":\"/p1\"") && !strstr(c.tx[2].json, "status"));
    CHECK(strstr(c.tx[3].json, "\"url\":\"/p2\""));
    coll_reset(&c);
    /* more pending than http_max_tx: the oldest is reported early */
    struct app_limits lim;
    app_limits_default(&lim);
    lim.http_max_tx = 2;
    static const struct step s4[] = { { 0, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n", 0 },
                                      { 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0 } };
    free(run(s4, 2, 0, &lim, &c));
    CHECK_EQ_U(c.n, 6);
    CHECK(c.tx[2].event == 1 && strstr(c.tx[2].json, "\"url\":\"/1\"") && !strstr(c.tx[2].json, "status"));
    CHECK(strstr(c.tx[4].json, "\"url\":\"/2\"") && strstr(c.tx[4].json, "\"status\":200"));
    coll_reset(&c);
    /* request body over the cap: the request is reported when the store is full */
    app_limits_default(&lim);
    lim.http_body_max = 8;
    static const struct step s5[] = { { 0, "POST / HTTP/1.1\r\nContent-Length: 20\r\n\r\n0123456789", 0 } };
    free(run(s5, 1, 0, &lim, &c));
    CHECK(c.n >= 1);
    CHECK_STR(coll_buf(&c, 0, BUF_HTTP_REQUEST_BODY, 0), "01234567");
    coll_reset(&c);
    check_segmentation(s5, 1, &lim);
    /* CONNECT tunnel: parsing stops without an error */
    uint64_t e0 = app_stats_get(&st, "http", "parse_errors");
    static const struct step s6[] = { { 0, "CONNECT h:443 HTTP/1.1\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 Connection established\r\n\r\n", 0 }, { 0, "\x16\x03\x01 tls", 0 } };
    free(run(s6, 3, 0, NULL, &c));
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(app_stats_get(&st, "http", "parse_errors"), e0);
    coll_reset(&c);
}

int main(void)
{
    test_simple();
    test_uri_norm();
    test_big_headers();
    test_pipelining();
    test_growth();
    test_folding_dups();
    test_bodies();
    test_zip_bomb();
    test_count_only();
    test_no_rule_bufs();
    test_not_http();
    test_gaps_and_end();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_http");
}
