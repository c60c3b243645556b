/* test_app_nfs.c - NFSv3 over RPC on TCP and UDP (app_nfs.c), calls and
 * replies built here in XDR with record marking: LOOKUP (its reply's handle
 * named for a later ACCESS), CREATE, RENAME, an error status, GETATTR (not
 * logged), COMMIT (no id), a FILE_SYNC WRITE (a file transaction logged at
 * the end), AUTH_NULL, a record split in two fragments, a reply to no call.
 * Fed whole, byte by byte and in random splits (the transcripts must be
 * equal), every chunk against a guard page. Files: a READ in three chunks
 * over UDP and over TCP (a 40000-byte chunk streaming past the bytes kept),
 * the same fileinfo (size, sha256) both ways; WRITEs and their COMMIT; a
 * hole. Hostile: a fragment header shorter than an RPC message, names and
 * handles longer than XDR allows, lying opaque lengths, more calls waiting
 * than the table holds, every cut, random records; over UDP every
 * truncation of every datagram, data lengths past the count, an xid flood
 * and a file-handle flood (the file transactions bounded and counted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/app/files.h"
#include "app_collect.h"

static struct app_stats st;

struct msg {
    uint8_t b[65536];
    size_t n;
};
static void u32(struct msg *m, uint32_t v)
{
    m->b[m->n++] = (uint8_t)(v >> 24);
    m->b[m->n++] = (uint8_t)(v >> 16);
    m->b[m->n++] = (uint8_t)(v >> 8);
    m->b[m->n++] = (uint8_t)v;
}
static void opaque(struct msg *m, const void *d, uint32_t n)
{
    u32(m, n);
    memcpy(m->b + m->n, d, n);
    m->n += n;
    while (m->n % 4)
        m->b[m->n++] = 0;
}
static const uint8_t FH_DIR[8] = { 1, 0, 0, 0, 0, 0, 0, 2 }, FH_OBJ[12] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };

/* Record marking around an RPC message (one fragment). */
static void rm(struct msg *out, const struct msg *in)
{
    u32(out, 0x80000000u | (uint32_t)in->n);
    memcpy(out->b + out->n, in->b, in->n);
    out->n += in->n;
}
/* The RPC call message alone (UDP: one datagram). */
static void call_raw(struct msg *out, uint32_t xid, uint32_t proc, int unix_auth, const struct msg *args)
{
    struct msg *m = out, cred = { .n = 0 };
    m->n = 0;
    u32(m, xid); u32(m, 0); u32(m, 2); u32(m, 100003); u32(m, 3); u32(m, proc);
    if (unix_auth) {
        u32(&cred, 7);
        opaque(&cred, "client-9", 8);
        u32(&cred, 501); u32(&cred, 20); u32(&cred, 0);
        u32(m, 1);
        opaque(m, cred.b, (uint32_t)cred.n);
    } else {
        u32(m, 0); u32(m, 0);
    }
    u32(m, 0); u32(m, 0);
    memcpy(m->b + m->n, args->b, args->n);
    m->n += args->n;
}
static void reply_raw(struct msg *out, uint32_t xid, const struct msg *res)
{
    struct msg *m = out;
    m->n = 0;
    u32(m, xid); u32(m, 1); u32(m, 0); u32(m, 0); u32(m, 0); u32(m, 0);
    memcpy(m->b + m->n, res->b, res->n);
    m->n += res->n;
}
static void call(struct msg *out, uint32_t xid, uint32_t proc, int unix_auth, const struct msg *args)
{
    struct msg m = { .n = 0 }, cred = { .n = 0 };
    u32(&m, xid); u32(&m, 0); u32(&m, 2); u32(&m, 100003); u32(&m, 3); u32(&m, proc);
    if (unix_auth) {
        u32(&cred, 7);
        opaque(&cred, "client-9", 8);
        u32(&cred, 501); u32(&cred, 20); u32(&cred, 0);
        u32(&m, 1);
        opaque(&m, cred.b, (uint32_t)cred.n);
    } else {
        u32(&m, 0); u32(&m, 0);
    }
    u32(&m, 0); u32(&m, 0);
    memcpy(m.b + m.n, args->b, args->n);
    m.n += args->n;
    rm(out, &m);
}
static void reply(struct msg *out, uint32_t xid, const struct msg *res)
{
    struct msg m = { .n = 0 };
    u32(&m, xid); u32(&m, 1); u32(&m, 0); u32(&m, 0); u32(&m, 0); u32(&m, 0);
    memcpy(m.b + m.n, res->b, res->n);
    m.n += res->n;
    rm(out, &m);
}

/* The session as segments in wire order: each call, then its reply. */
static struct msg segs[16];
static int segdir[16], nsegs;
static struct msg *next_seg(int dir)
{
    segdir[nsegs] = dir;
    segs[nsegs].n = 0;
    return &segs[nsegs++];
}

static void session(void)
{
    struct msg a, r, *c, *s;
    nsegs = 0;
#define c (c = next_seg(0))
#define s (s = next_seg(1))
    /* LOOKUP docs/report.txt -> FH_OBJ */
    a.n = 0; opaque(&a, FH_DIR, 8); opaque(&a, "report.txt", 10);
    call(c, 1, 3, 1, &a);
    r.n = 0; u32(&r, 0); opaque(&r, FH_OBJ, 12); u32(&r, 0); u32(&r, 0);
    reply(s, 1, &r);
    /* GETATTR (not logged), COMMIT (no id), WRITE (numbered, not logged) */
    a.n = 0; opaque(&a, FH_OBJ, 12);
    call(c, 2, 1, 1, &a);
    r.n = 0; u32(&r, 0);
    reply(s, 2, &r);
    call(c, 3, 21, 1, &a);
    reply(s, 3, &r);
    a.n = 0; opaque(&a, FH_OBJ, 12); u32(&a, 0); u32(&a, 0); u32(&a, 4); u32(&a, 2); opaque(&a, "data", 4);
    call(c, 4, 7, 1, &a);
    reply(s, 4, &r);
    /* ACCESS on FH_OBJ with AUTH_NULL: named by the LOOKUP */
    a.n = 0; opaque(&a, FH_OBJ, 12); u32(&a, 0x1f);
    call(c, 5, 4, 0, &a);
    r.n = 0; u32(&r, 0); u32(&r, 0); u32(&r, 0x1f);
    reply(s, 5, &r);
    /* RENAME, split into two fragments */
    a.n = 0; opaque(&a, FH_DIR, 8); opaque(&a, "a", 1); opaque(&a, FH_DIR, 8); opaque(&a, "b.txt", 5);
    struct msg whole = { .n = 0 };
    call(&whole, 6, 14, 1, &a);
    size_t body = whole.n - 4, half = body / 2;
    struct msg *cs = next_seg(0);
    u32(cs, (uint32_t)half);
    memcpy(cs->b + cs->n, whole.b + 4, half);
    cs->n += half;
    u32(cs, 0x80000000u | (uint32_t)(body - half));
    memcpy(cs->b + cs->n, whole.b + 4 + half, body - half);
    cs->n += body - half;
    r.n = 0; u32(&r, 0);
    reply(s, 6, &r);
    /* CREATE refused: ERR_EXIST; a reply to no call */
    a.n = 0; opaque(&a, FH_DIR, 8); opaque(&a, "new", 3); u32(&a, 0);
    call(c, 7, 8, 1, &a);
    r.n = 0; u32(&r, 17);
    reply(s, 7, &r);
    reply(s, 99, &r);
#undef c
#undef s
}

static void run(const struct msg *c, const struct msg *s, int mode, struct coll *out)
{
    struct app_sink sk = coll_sink(out);
    struct app_flow *a = app_flow_new(app_registry_id("nfs"), NULL, &st);
    coll_feed(a, 0, c->b, c->n, mode, &sk);
    coll_feed(a, 1, s->b, s->n, mode, &sk);
    app_flow_end(a, &sk);
    app_flow_free(a);
}

static void expect_json(const struct coll *c, int i, const char *json)
{
    char want[2048];
    snprintf(want, sizeof(want), "%s\n", json);
    CHECK(i < c->n);
    if (i < c->n)
        CHECK_STR(c->tx[i].json, want);
}

#define RPC_UNIX(x) "{\"rpc\":{\"xid\":" #x ",\"status\":\"ACCEPTED\",\"auth_type\":\"UNIX\"," \
                    "\"creds\":{\"machine_name\":\"client-9\",\"uid\":501,\"gid\":20}},"

static void run_segs(int n, int mode, struct coll *out)
{
    struct app_sink sk = coll_sink(out);
    struct app_flow *a = app_flow_new(app_registry_id("nfs"), NULL, &st);
    for (int i = 0; i < n; i++)
        coll_feed(a, segdir[i], segs[i].b, segs[i].n, mode, &sk);
    app_flow_end(a, &sk);
    app_flow_free(a);
}

static void test_session(void)
{
    session();
    struct coll r[3];
    for (int mode = 0; mode < 3; mode++) {
        memset(&r[mode], 0, sizeof(r[mode]));
        run_segs(nsegs, mode, &r[mode]);
    }
    CHECK_EQ_U(r[0].n, 5);
    expect_json(&r[0], 0, RPC_UNIX(1) "\"nfs\":{\"version\":3,\"procedure\":\"LOOKUP\",\"filename\":\"report.txt\","
                          "\"hhash\":\"99ac32a4\",\"id\":1,\"file_tx\":false,\"type\":\"response\",\"status\":\"OK\"}}");
    expect_json(&r[0], 1, "{\"rpc\":{\"xid\":5,\"status\":\"ACCEPTED\",\"auth_type\":\"NULL\"},"
                          "\"nfs\":{\"version\":3,\"procedure\":\"ACCESS\",\"filename\":\"report.txt\","
                          "\"hhash\":\"99ac32a4\",\"id\":4,\"file_tx\":false,\"type\":\"response\",\"status\":\"OK\"}}");
    expect_json(&r[0], 2, RPC_UNIX(6) "\"nfs\":{\"version\":3,\"procedure\":\"RENAME\",\"filename\":\"a\","
                          "\"hhash\":\"4786bedb\",\"id\":5,\"file_tx\":false,\"type\":\"response\",\"status\":\"OK\","
                          "\"rename\":{\"from\":\"a\",\"to\":\"b.txt\"}}}");
    expect_json(&r[0], 3, RPC_UNIX(7) "\"nfs\":{\"version\":3,\"procedure\":\"CREATE\",\"filename\":\"new\","
                          "\"hhash\":\"4786bedb\",\"id\":6,\"file_tx\":false,\"type\":\"response\","
                          "\"status\":\"ERR_EXIST\"}}");
    /* the FILE_SYNC WRITE: a file transaction, logged when the flow ends,
     * without credentials (as Suricata), named by the LOOKUP */
    expect_json(&r[0], 4, "{\"rpc\":{\"xid\":4,\"status\":\"ACCEPTED\",\"auth_type\":\"NULL\"},"
                          "\"nfs\":{\"version\":3,\"procedure\":\"WRITE\",\"filename\":\"report.txt\","
                          "\"hhash\":\"99ac32a4\",\"id\":3,\"file_tx\":true,\"type\":\"response\",\"status\":\"OK\","
                          "\"write\":{\"first\":true,\"last\":true,\"last_xid\":4,\"chunks\":0}}}");
    CHECK(r[0].log && r[1].log && !strcmp(r[0].log, r[1].log));
    CHECK(r[0].log && r[2].log && !strcmp(r[0].log, r[2].log));
    for (int mode = 0; mode < 3; mode++)
        coll_reset(&r[mode]);

    /* the session cut after every segment, and each segment cut short */
    for (int k = 0; k <= nsegs; k++) {
        struct coll x = { .n = 0 };
        run_segs(k, 2, &x);
        CHECK(x.n <= 5);
        coll_reset(&x);
        if (k < nsegs) {
            size_t keep = segs[k].n;
            segs[k].n = keep / 2;
            run_segs(k + 1, 1, &x);
            segs[k].n = keep;
            CHECK(x.n <= 5);
            coll_reset(&x);
        }
    }
}

static void test_hostile(void)
{
    uint64_t e0 = app_stats_get(&st, "nfs", "parse_errors");
    struct msg c = { .n = 0 }, s = { .n = 0 }, a = { .n = 0 };
    u32(&c, 0x80000004u);                       /* a 4-byte "record" */
    u32(&c, 1);
    struct coll x = { .n = 0 };
    run(&c, &s, 1, &x);
    CHECK_EQ_U(x.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "nfs", "parse_errors") - e0, 1);

    /* a 65-byte handle, a 300-byte name, an opaque length past the record */
    static uint8_t big[300];
    memset(big, 'n', sizeof(big));
    c.n = 0;
    a.n = 0; opaque(&a, big, 65); opaque(&a, "x", 1);
    call(&c, 1, 3, 1, &a);
    a.n = 0; opaque(&a, FH_DIR, 8); opaque(&a, big, 300);
    call(&c, 2, 3, 1, &a);
    a.n = 0; u32(&a, 1000000);
    call(&c, 3, 4, 1, &a);
    run(&c, &s, 0, &x);
    CHECK_EQ_U(x.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "nfs", "parse_errors") - e0, 4);

    /* 100 calls without replies: 36 dropped, the newest still answered, the
     * 63 others still waiting logged when the flow ends */
    uint64_t d0 = app_stats_get(&st, "nfs", "calls_dropped");
    static struct msg many, rep;
    many.n = rep.n = 0;
    for (uint32_t i = 0; i < 100; i++) {
        a.n = 0; opaque(&a, FH_DIR, 8); opaque(&a, "f", 1);
        call(&many, 1000 + i, 12, 1, &a);
    }
    struct msg r = { .n = 0 };
    u32(&r, 0);
    reply(&rep, 1099, &r);
    reply(&rep, 1000, &r);
    run(&many, &rep, 2, &x);
    CHECK_EQ_U(app_stats_get(&st, "nfs", "calls_dropped") - d0, 36);
    CHECK_EQ_U(x.n, 64);
    coll_reset(&x);

    /* random records both ways */
    for (int i = 0; i < 2000; i++) {
        struct msg rc = { .n = 0 }, rs = { .n = 0 }, body = { .n = 0 };
        size_t len = 8 + coll_rand() % 120;
        u32(&body, (uint32_t)(coll_rand() % 4));
        u32(&body, (uint32_t)(coll_rand() % 2));
        while (body.n < len)
            body.b[body.n++] = (uint8_t)(coll_rand() % 5 == 0 ? coll_rand() : 0);
        rm(&rc, &body);
        rm(&rs, &body);
        run(&rc, &rs, (int)(coll_rand() % 3), &x);
        coll_reset(&x);
    }
}

/* ---- files: the same session over UDP and TCP ---- */

static const uint8_t FH_F[16] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf, 1 };
static const uint8_t FH_W[16] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf, 2 };
static uint8_t content[50000];
static struct msg fm[24];
static int fdir[24], nfm;

static struct msg *fnext(int dir)
{
    fdir[nfm] = dir;
    return &fm[nfm++];
}

/* LOOKUP data.bin; READ it in chunks (the last with eof); two WRITEs to
 * FH_W and their COMMIT. gap: the second READ's reply is left out (a hole). */
static void file_session(const uint32_t *chunk, int nchunk, int gap)
{
    struct msg a, r;
    nfm = 0;
    a.n = 0; opaque(&a, FH_DIR, 8); opaque(&a, "data.bin", 8);
    call_raw(fnext(0), 10, 3, 1, &a);
    r.n = 0; u32(&r, 0); opaque(&r, FH_F, 16); u32(&r, 0); u32(&r, 0);
    reply_raw(fnext(1), 10, &r);
    uint32_t off = 0;
    for (int i = 0; i < nchunk; i++) {
        a.n = 0; opaque(&a, FH_F, 16); u32(&a, 0); u32(&a, off); u32(&a, chunk[i]);
        call_raw(fnext(0), 20 + (uint32_t)i, 6, 1, &a);
        r.n = 0; u32(&r, 0);
        u32(&r, 1);                             /* attributes follow: 84 bytes */
        memset(r.b + r.n, 0, 84);
        r.n += 84;
        u32(&r, chunk[i]); u32(&r, i == nchunk - 1); opaque(&r, content + off, chunk[i]);
        if (!(gap && i == 1))
            reply_raw(fnext(1), 20 + (uint32_t)i, &r);
        off += chunk[i];
    }
    for (uint32_t i = 0; i < 2; i++) {
        a.n = 0; opaque(&a, FH_W, 16); u32(&a, 0); u32(&a, i * 700); u32(&a, 700); u32(&a, 0);
        opaque(&a, content + 1000 + i * 700, 700);
        call_raw(fnext(0), 40 + i, 7, 1, &a);
        r.n = 0; u32(&r, 0); u32(&r, 0); u32(&r, 0); u32(&r, 700); u32(&r, 0); u32(&r, 1); u32(&r, 2);
        reply_raw(fnext(1), 40 + i, &r);
    }
    a.n = 0; opaque(&a, FH_W, 16); u32(&a, 0); u32(&a, 0); u32(&a, 0);
    call_raw(fnext(0), 50, 21, 1, &a);
    r.n = 0; u32(&r, 0); u32(&r, 0); u32(&r, 0); u32(&r, 1); u32(&r, 2);
    reply_raw(fnext(1), 50, &r);
}

static void run_udp(struct coll *out)
{
    struct app_sink sk = coll_sink(out);
    struct app_flow *a = app_flow_new(app_registry_id("nfs"), NULL, &st);
    for (int i = 0; i < nfm; i++) {
        const uint8_t *g = guard_copy(fm[i].b, fm[i].n);
        app_flow_datagram(a, fdir[i], g, fm[i].n, &sk);
        guard_release(g, fm[i].n);
    }
    app_flow_end(a, &sk);
    app_flow_free(a);
}

static void run_tcp(int mode, struct coll *out)
{
    struct app_sink sk = coll_sink(out);
    struct app_flow *a = app_flow_new(app_registry_id("nfs"), NULL, &st);
    static struct msg framed;
    for (int i = 0; i < nfm; i++) {
        framed.n = 0;
        rm(&framed, &fm[i]);
        coll_feed(a, fdir[i], framed.b, framed.n, mode, &sk);
    }
    app_flow_end(a, &sk);
    app_flow_free(a);
}

static const char *find_json(const struct coll *c, int kind, const char *has)
{
    for (int i = 0; i < c->n; i++)
        if (c->tx[i].kind == kind && c->tx[i].event && strstr(c->tx[i].json, has))
            return c->tx[i].json;
    return "";
}

static void test_files(void)
{
    for (size_t i = 0; i < sizeof(content); i++)
        content[i] = (uint8_t)(i * 7 + i / 251);
    static const uint32_t ch[3] = { 1000, 40000, 501 };
    file_session(ch, 3, 0);
    static struct coll u, t[3];
    memset(&u, 0, sizeof(u));
    run_udp(&u);
    /* the READ: fileinfo (41501 bytes, CLOSED) then the nfs event */
    const char *fi = find_json(&u, TX_FILE, "\"procedure\":\"READ\"");
    CHECK(strstr(fi, "\"fileinfo\":{\"filename\":\"data.bin\",") != NULL);
    CHECK(strstr(fi, "\"state\":\"CLOSED\"") && strstr(fi, "\"size\":41501,\"tx_id\":1}"));
    CHECK(strstr(fi, "\"read\":{\"first\":true,\"last\":true,\"last_xid\":22,\"chunks\":3}") != NULL);
    CHECK(strstr(find_json(&u, TX_NFS, "\"procedure\":\"READ\""), "\"file_tx\":true") != NULL);
    /* the WRITEs: closed by the COMMIT (1400 bytes), chunks as Suricata counts them */
    fi = find_json(&u, TX_FILE, "\"procedure\":\"WRITE\"");
    CHECK(strstr(fi, "\"auth_type\":\"NULL\"") && strstr(fi, "\"size\":1400,"));
    CHECK(strstr(fi, "\"write\":{\"first\":true,\"last\":true,\"last_xid\":50,\"chunks\":2}") != NULL);
    CHECK(strstr(find_json(&u, TX_NFS, "\"procedure\":\"WRITE\""), "\"id\":3,") != NULL);
    /* TCP, whole, byte by byte, random splits: the same events as UDP */
    for (int mode = 0; mode < 3; mode++) {
        memset(&t[mode], 0, sizeof(t[mode]));
        run_tcp(mode, &t[mode]);
        CHECK_EQ_U(t[mode].n, u.n);
        for (int i = 0; i < u.n && i < t[mode].n; i++)
            CHECK_STR(t[mode].tx[i].json, u.tx[i].json);
        coll_reset(&t[mode]);
    }

    /* the 40000-byte chunk read twice (a retransmission after a timeout, a
     * new xid): over TCP it streams past the kept bytes both times; the file
     * gets its bytes once (same size and sha256), chunks counts 4 */
    {
        char sha[80] = "";
        const char *h = strstr(find_json(&u, TX_FILE, "\"procedure\":\"READ\""), "\"sha256\"");
        if (h)
            snprintf(sha, sizeof(sha), "%.75s", h);
        file_session(ch, 3, 0);
        struct msg extra[2];
        extra[0] = fm[4];                       /* the second READ call and reply */
        extra[1] = fm[5];
        extra[0].b[3] = 99;                     /* its xid: 0x..63 */
        extra[1].b[3] = 99;
        memmove(&fm[8], &fm[6], sizeof(fm[0]) * (size_t)(nfm - 6));
        memmove(&fdir[8], &fdir[6], sizeof(fdir[0]) * (size_t)(nfm - 6));
        fm[6] = extra[0];
        fm[7] = extra[1];
        fdir[6] = 0;
        fdir[7] = 1;
        nfm += 2;
        for (int mode = 0; mode < 3; mode++) {
            memset(&t[mode], 0, sizeof(t[mode]));
            run_tcp(mode, &t[mode]);
            fi = find_json(&t[mode], TX_FILE, "\"procedure\":\"READ\"");
            CHECK(sha[0] && strstr(fi, sha) != NULL);
            CHECK(strstr(fi, "\"size\":41501,") && strstr(fi, "\"chunks\":4}") && strstr(fi, "\"gaps\":false"));
            coll_reset(&t[mode]);
        }
    }
    coll_reset(&u);

    /* a READ reply lost: the file has a hole (TRUNCATED, gaps, its size
     * counts the hole), still closed by the eof */
    file_session(ch, 3, 1);
    run_udp(&u);
    fi = find_json(&u, TX_FILE, "\"procedure\":\"READ\"");
    CHECK(strstr(fi, "\"gaps\":true,\"state\":\"TRUNCATED\"") && strstr(fi, "\"size\":41501,"));
    CHECK(strstr(fi, "\"chunks\":2}") != NULL);
    coll_reset(&u);
    /* the flow ends inside the 40000-byte READ reply (TCP): TRUNCATED */
    file_session(ch, 3, 0);
    nfm = 5;
    fm[4].n = 20000;
    static struct msg framed;
    framed.n = 0;
    struct app_sink sk = coll_sink(&u);
    struct app_flow *a = app_flow_new(app_registry_id("nfs"), NULL, &st);
    for (int i = 0; i < nfm; i++) {
        framed.n = 0;
        rm(&framed, &fm[i]);
        if (i == 4) {                           /* the record header says the whole reply */
            uint32_t full = 0x80000000u | (uint32_t)(fm[4].n + 20000 + 4);
            framed.b[0] = (uint8_t)(full >> 24); framed.b[1] = (uint8_t)(full >> 16);
            framed.b[2] = (uint8_t)(full >> 8); framed.b[3] = (uint8_t)full;
        }
        coll_feed(a, fdir[i], framed.b, framed.n, 2, &sk);
    }
    app_flow_end(a, &sk);
    app_flow_free(a);
    fi = find_json(&u, TX_FILE, "\"procedure\":\"READ\"");
    CHECK(strstr(fi, "\"state\":\"TRUNCATED\"") && strstr(fi, "\"last\":false"));
    coll_reset(&u);
}

static void test_udp_hostile(void)
{
    static const uint32_t ch[3] = { 1000, 3000, 501 };
    file_session(ch, 3, 0);
    static struct coll x;
    static struct guard_region gr;
    static int gr_ok;
    if (!gr_ok++)
        guard_region_init(&gr, sizeof(fm[0].b));
    memset(&x, 0, sizeof(x));
    /* every datagram cut at every length (each against a guard page) */
    for (int k = 0; k < nfm; k++) {
        size_t full = fm[k].n;
        for (size_t cut = 0; cut < full; cut += (full > 600 ? 7 : 1)) {
            struct app_sink sk = coll_sink(&x);
            struct app_flow *a = app_flow_new(app_registry_id("nfs"), NULL, &st);
            for (int i = 0; i <= k; i++) {
                size_t n = i == k ? cut : fm[i].n;
                app_flow_datagram(a, fdir[i], guard_place(&gr, fm[i].b, n), n, &sk);
            }
            app_flow_end(a, &sk);
            app_flow_free(a);
            coll_reset(&x);
        }
    }
    /* lengths that lie: data longer than the count, a count past the datagram */
    uint64_t e0 = app_stats_get(&st, "nfs", "parse_errors");
    struct msg a, r, m;
    struct app_sink sk = coll_sink(&x);
    struct app_flow *f = app_flow_new(app_registry_id("nfs"), NULL, &st);
    a.n = 0; opaque(&a, FH_F, 16); u32(&a, 0); u32(&a, 0); u32(&a, 100);
    call_raw(&m, 1, 6, 1, &a);
    app_flow_datagram(f, 0, m.b, m.n, &sk);
    r.n = 0; u32(&r, 0); u32(&r, 0); u32(&r, 10); u32(&r, 0); u32(&r, 100); /* 100 > count 10 */
    reply_raw(&m, 1, &r);
    app_flow_datagram(f, 1, m.b, m.n, &sk);
    a.n = 0; opaque(&a, FH_W, 16); u32(&a, 0); u32(&a, 0); u32(&a, 0xffffffffu); u32(&a, 0);
    u32(&a, 0xfffffff0u);                       /* 4 GiB of data announced, 0 sent */
    call_raw(&m, 2, 7, 1, &a);
    app_flow_datagram(f, 0, m.b, m.n, &sk);
    CHECK(app_stats_get(&st, "nfs", "parse_errors") - e0 >= 2);
    /* an xid flood and a handle flood: calls and file transactions bounded */
    uint64_t d0 = app_stats_get(&st, "nfs", "files_dropped"), m0 = st.memory;
    for (uint32_t i = 0; i < 5000; i++) {
        uint8_t fh[16];
        memcpy(fh, FH_F, 16);
        fh[0] = (uint8_t)i;
        fh[1] = (uint8_t)(i >> 8);
        a.n = 0; opaque(&a, fh, 16); u32(&a, 0); u32(&a, 0); u32(&a, 100);
        call_raw(&m, 100 + i, 6, 1, &a);
        app_flow_datagram(f, 0, m.b, m.n, &sk);
        if (x.n > 100)
            coll_reset(&x);
    }
    CHECK(app_stats_get(&st, "nfs", "files_dropped") - d0 >= 5000 - 8);
    CHECK(st.memory <= m0 + 65536);
    app_flow_end(f, &sk);
    app_flow_free(f);
    coll_reset(&x);
}

int main(void)
{
    char err[256];
    struct files_config fc;
    files_config_default(&fc);              /* file tracking on, as the sensor's default */
    test_session();
    test_hostile();
    st.files = files_worker_new(&fc, 0, 1, err, sizeof(err));     /* the files: tracked */
    CHECK(st.files != NULL);
    test_files();
    test_udp_hostile();
    CHECK_EQ_U(st.memory, 0);
    files_worker_free(st.files);
    return unit_done("test_app_nfs");
}
