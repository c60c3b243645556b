/* test_app_file.c - the file tracker (app_file.c) and HTTP's files
 * (app_http_file.c), with the real libmagic:
 *   - hashes against known vectors, and incremental hashing in random
 *     splits against the one-shot digests of 1 MiB;
 *   - libmagic's verdict on a PDF and on an empty file; magic off;
 *   - a gap: size counts the hole, state TRUNCATED, no md5/sha1 written;
 *   - the open-file cap (refused, counted) and the memory accounting going
 *     back to zero;
 *   - the file.data window handed to the rules, and switched off;
 *   - the store: a file named by its SHA-256 with the same bytes, a file
 *     with a hole not stored, the size cap removing the oldest;
 *   - HTTP: a Content-Length body named by its URI path, chunked with a
 *     Content-Disposition name, gzip, a multipart upload with two files and
 *     a field, PUT, a plain POST, a gap inside a body, the flow's
 *     end inside a body, each conversation whole, byte by byte and in
 *     random splits (the files must not depend on segmentation);
 *   - a flood: 2000 parallel HTTP downloads with files.max-open 100: the
 *     tracker refuses the rest and memory stays bounded, then goes to 0. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "taishi/app/app.h"
#include "taishi/app/files.h"
#include "taishi/core/md5.h"
#include "taishi/core/sha1.h"
#include "taishi/core/sha256.h"
#include "app/app_file.h"
#include "app_collect.h"

static struct app_stats st;

static struct files_worker *fw_new(uint32_t hash, int magic, uint32_t max_open)
{
    struct files_config c;
    char err[256] = "";
    files_config_default(&c);
    c.hash = hash;
    c.magic = magic;
    c.max_open = max_open;
    struct files_worker *fw = files_worker_new(&c, 0, 1, err, sizeof(err));
    if (!fw)
        fprintf(stderr, "files_worker_new: %s\n", err);
    return fw;
}

/* The fileinfo meta of the i-th TX_FILE seen by c, from its JSON. */
static const struct ctx_rec *nth_file(const struct coll *c, int k)
{
    for (int i = 0; i < c->n; i++)
        if (c->tx[i].kind == TX_FILE && k-- == 0)
            return &c->tx[i];
    return NULL;
}

static int count_files(const struct coll *c)
{
    int n = 0;
    for (int i = 0; i < c->n; i++)
        n += c->tx[i].kind == TX_FILE;
    return n;
}

static int has(const struct ctx_rec *r, const char *s)
{
    return r && strstr(r->json, s) != NULL;
}

static void test_hashes_magic(void)
{
    struct coll c;
    struct app_sink sink;
    memset(&c, 0, sizeof(c));
    sink = coll_sink(&c);
    st.files = fw_new(FILES_HASH_MD5 | FILES_HASH_SHA1 | FILES_HASH_SHA256, 1, 10);
    CHECK(st.files != NULL);

    struct app_file *f = app_file_open(&st, 1, APP_DIR_TOCLIENT, 3, (const uint8_t *)"abc.txt", 7);
    CHECK(f != NULL);
    app_file_data(f, (const uint8_t *)"a", 1, &sink);
    app_file_data(f, (const uint8_t *)"bc", 2, &sink);
    CHECK_EQ_U(app_file_size(f), 3);
    app_file_close(f, APP_FILE_CLOSED, NULL, &sink);
    const struct ctx_rec *r = nth_file(&c, 0);
    CHECK(r && r->event == 1 && r->dir == APP_DIR_TOCLIENT);
    CHECK(has(r, "\"filename\":\"abc.txt\""));
    CHECK(has(r, "\"md5\":\"900150983cd24fb0d6963f7d28e17f72\""));
    CHECK(has(r, "\"sha1\":\"a9993e364706816aba3e25717850c26c9cd0d89d\""));
    CHECK(has(r, "\"sha256\":\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""));
    CHECK(has(r, "\"state\":\"CLOSED\""));
    CHECK(has(r, "\"gaps\":false"));
    CHECK(has(r, "\"size\":3,\"tx_id\":3"));
    CHECK(has(r, "\"magic\":\"ASCII text, with no line terminators\""));
    CHECK_STR(coll_buf(&c, 0, BUF_FILE_NAME, 0), "abc.txt");

    /* 1 MiB in random pieces against the one-shot digests */
    size_t n = 1 << 20;
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint8_t)(coll_rand() >> 13);
    f = app_file_open(&st, 1, APP_DIR_TOSERVER, 0, NULL, 0);
    for (size_t off = 0; off < n;) {
        size_t k = 1 + coll_rand() % 3000;
        if (k > n - off)
            k = n - off;
        app_file_data(f, big + off, k, &sink);
        off += k;
    }
    app_file_close(f, APP_FILE_CLOSED, NULL, &sink);
    char want[80], hx[65], s1[41], m5[33];
    uint8_t d[32];
    sha256_hex(big, n, hx);
    sha1(big, n, d);
    for (int i = 0; i < 20; i++)
        snprintf(s1 + 2 * i, 3, "%02x", d[i]);
    md5_hex(big, n, m5);
    r = nth_file(&c, 1);
    snprintf(want, sizeof(want), "\"sha256\":\"%s\"", hx);
    CHECK(has(r, want));
    snprintf(want, sizeof(want), "\"sha1\":\"%s\"", s1);
    CHECK(has(r, want));
    snprintf(want, sizeof(want), "\"md5\":\"%s\"", m5);
    CHECK(has(r, want));
    CHECK(!has(r, "\"filename\""));              /* no name: no member, as Suricata */
    CHECK(has(r, "\"magic\":\"data\""));
    free(big);

    /* a PDF, and an empty file */
    static const char pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n";
    f = app_file_open(&st, 1, APP_DIR_TOCLIENT, 0, (const uint8_t *)"x.pdf", 5);
    app_file_data(f, (const uint8_t *)pdf, sizeof(pdf) - 1, &sink);
    app_file_close(f, APP_FILE_CLOSED, NULL, &sink);
    CHECK(has(nth_file(&c, 2), "\"magic\":\"PDF document, version 1.4"));
    CHECK_STR(coll_buf(&c, 2, BUF_FILE_MAGIC, 0) ? "set" : NULL, "set");
    f = app_file_open(&st, 1, APP_DIR_TOCLIENT, 0, (const uint8_t *)"e", 1);
    app_file_close(f, APP_FILE_ERROR, NULL, &sink);
    CHECK(has(nth_file(&c, 3), "\"magic\":\"empty\""));
    CHECK(has(nth_file(&c, 3), "\"state\":\"ERROR\""));
    CHECK(!has(nth_file(&c, 3), "\"md5\""));       /* md5/sha1 only for CLOSED files */
    CHECK(has(nth_file(&c, 3), "\"sha256\""));

    /* a gap */
    f = app_file_open(&st, 1, APP_DIR_TOCLIENT, 0, (const uint8_t *)"g", 1);
    app_file_data(f, (const uint8_t *)"abc", 3, &sink);
    app_file_gap(f, 100);
    app_file_data(f, (const uint8_t *)"def", 3, &sink);
    app_file_close(f, APP_FILE_CLOSED, NULL, &sink);
    r = nth_file(&c, 4);
    CHECK(has(r, "\"gaps\":true,\"state\":\"TRUNCATED\""));
    CHECK(has(r, "\"size\":106"));
    CHECK(!has(r, "\"md5\""));
    sha256_hex("abcdef", 6, hx);                    /* the bytes seen, as Suricata */
    snprintf(want, sizeof(want), "\"sha256\":\"%s\"", hx);
    CHECK(has(r, want));

    /* NULL everywhere is a no-op */
    app_file_data(NULL, (const uint8_t *)"x", 1, &sink);
    app_file_gap(NULL, 1);
    app_file_close(NULL, APP_FILE_CLOSED, NULL, &sink);
    CHECK_EQ_U(count_files(&c), 5);
    const struct files_stats *fs = files_worker_stats(st.files);
    CHECK_EQ_U(fs->opened, 5);
    CHECK_EQ_U(fs->closed, 3);
    CHECK_EQ_U(fs->truncated, 1);
    CHECK_EQ_U(fs->errors, 1);
    CHECK_EQ_U(fs->open, 0);
    files_worker_free(st.files);
    st.files = NULL;
    coll_reset(&c);

    /* hashes and magic off: none written */
    st.files = fw_new(0, 0, 10);
    sink = coll_sink(&c);
    f = app_file_open(&st, 1, APP_DIR_TOCLIENT, 0, (const uint8_t *)"n", 1);
    app_file_data(f, (const uint8_t *)"abc", 3, &sink);
    app_file_close(f, APP_FILE_CLOSED, NULL, &sink);
    r = nth_file(&c, 0);
    CHECK(r && !has(r, "sha256") && !has(r, "md5") && !has(r, "magic"));
    CHECK(has(r, "\"size\":3"));
    files_worker_free(st.files);
    st.files = NULL;
    coll_reset(&c);
    /* tracking off: open gives NULL */
    CHECK(app_file_open(&st, 1, 0, 0, NULL, 0) == NULL);
    CHECK_EQ_U(st.memory, 0);
}

static void test_cap_window(void)
{
    struct coll c;
    memset(&c, 0, sizeof(c));
    struct app_sink sink = coll_sink(&c);
    st.files = fw_new(FILES_HASH_SHA256, 1, 2);
    struct app_file *a = app_file_open(&st, 1, 0, 0, NULL, 0);
    struct app_file *b = app_file_open(&st, 1, 0, 0, NULL, 0);
    struct app_file *x = app_file_open(&st, 1, 0, 0, NULL, 0);
    CHECK(a && b && !x);
    CHECK_EQ_U(files_worker_stats(st.files)->refused, 1);
    CHECK(st.memory > 0);
    /* the rules' window: 64 KiB by default, the first bytes only */
    files_worker_set_window(st.files, 1);
    static uint8_t buf[100000];
    memset(buf, 'A', sizeof(buf));
    buf[0] = 'Z';
    app_file_data(a, buf, sizeof(buf), &sink);
    app_file_close(a, APP_FILE_CLOSED, NULL, &sink);
    CHECK_EQ_U(coll_buflen(&c, 0, BUF_FILE_DATA), 65536);
    CHECK(coll_buf(&c, 0, BUF_FILE_DATA, 0) && coll_buf(&c, 0, BUF_FILE_DATA, 0)[0] == 'Z');
    app_file_set_window(b, 0);                      /* the parser gives file.data itself */
    app_file_data(b, buf, 10, &sink);
    app_file_close(b, APP_FILE_CLOSED, NULL, &sink);
    CHECK_EQ_U(coll_nbuf(&c, 1, BUF_FILE_DATA), 0);
    CHECK_EQ_U(files_worker_stats(st.files)->open, 0);
    files_worker_free(st.files);
    st.files = NULL;
    coll_reset(&c);
    CHECK_EQ_U(st.memory, 0);
}

static int count_dir(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void test_store(void)
{
    char dir[] = "/tmp/taishi-filestore-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct files_config cf;
    char err[256], path[512], hx[65];
    files_config_default(&cf);
    snprintf(cf.store_dir, sizeof(cf.store_dir), "%s", dir);
    cf.store_max = 2500;
    st.files = files_worker_new(&cf, 0, 1, err, sizeof(err));
    CHECK(st.files != NULL);
    struct coll c;
    memset(&c, 0, sizeof(c));
    struct app_sink sink = coll_sink(&c);
    static uint8_t d[3][1000];
    for (int i = 0; i < 3; i++) {
        memset(d[i], 'a' + i, sizeof(d[i]));
        struct app_file *f = app_file_open(&st, 1, 1, 0, NULL, 0);
        app_file_data(f, d[i], 600, &sink);
        app_file_data(f, d[i] + 600, 400, &sink);
        app_file_close(f, APP_FILE_CLOSED, NULL, &sink);
        CHECK(has(nth_file(&c, i), "\"stored\":true,\"file_id\":"));
    }
    /* 3 x 1000 bytes against a 2500-byte cap: the first is gone */
    CHECK_EQ_U(count_dir(dir), 2);
    sha256_hex(d[0], 1000, hx);
    snprintf(path, sizeof(path), "%s/%s", dir, hx);
    CHECK(access(path, F_OK) != 0);
    sha256_hex(d[2], 1000, hx);
    snprintf(path, sizeof(path), "%s/%s", dir, hx);
    FILE *fp = fopen(path, "rb");
    uint8_t back[1001];
    size_t got = fp ? fread(back, 1, sizeof(back), fp) : 0;
    if (fp)
        fclose(fp);
    CHECK_EQ_U(got, 1000);
    CHECK(got == 1000 && !memcmp(back, d[2], 1000));
    /* a file with a hole is not stored */
    struct app_file *f = app_file_open(&st, 1, 1, 0, NULL, 0);
    app_file_data(f, d[1], 10, &sink);
    app_file_gap(f, 10);
    app_file_close(f, APP_FILE_CLOSED, NULL, &sink);
    CHECK(has(nth_file(&c, 3), "\"stored\":false"));
    const struct files_stats *fs = files_worker_stats(st.files);
    CHECK_EQ_U(fs->stored, 3);
    CHECK_EQ_U(fs->store_removed, 1);
    CHECK_EQ_U(fs->store_bytes, 2000);
    CHECK_EQ_U(count_dir(dir), 2);                  /* no temporary file left */
    files_worker_free(st.files);
    st.files = NULL;
    coll_reset(&c);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* --- HTTP --- */

struct step {
    int dir;                    /* 0/1; 2, 3: a gap of len bytes in dir 0, 1 */
    const char *data;
    size_t len;
};

static char *run(const struct step *s, int n, int mode, struct coll *c)
{
    memset(c, 0, sizeof(*c));
    struct app_sink sink = coll_sink(c);
    struct app_limits lim;
    app_limits_default(&lim);
    lim.http_body_inspect = 0;                      /* files decode without the rules */
    struct app_flow *a = app_flow_new(app_registry_id("http"), &lim, &st);
    for (int i = 0; i < n; i++) {
        size_t len = s[i].len ? s[i].len : strlen(s[i].data);
        if (s[i].dir >= 2)
            app_flow_gap(a, s[i].dir - 2, len, &sink);
        else
            coll_feed(a, s[i].dir, s[i].data, len, mode, &sink);
    }
    app_flow_end(a, &sink);
    app_flow_free(a);
    return strdup(c->log ? c->log : "");
}

static void same_any_split(const struct step *s, int n)
{
    struct coll c;
    char *t0 = run(s, n, 0, &c);
    coll_reset(&c);
    char *t1 = run(s, n, 1, &c);
    coll_reset(&c);
    CHECK_STR(t1, t0);
    for (int k = 0; k < 3; k++) {
        char *t2 = run(s, n, 2, &c);
        coll_reset(&c);
        CHECK_STR(t2, t0);
        free(t2);
    }
    free(t0);
    free(t1);
}

static char gz[4096];
static size_t gz_len;

static void make_gzip(const char *text)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)(uintptr_t)text;
    z.avail_in = (uInt)strlen(text);
    z.next_out = (Bytef *)gz;
    z.avail_out = sizeof(gz);
    deflate(&z, Z_FINISH);
    gz_len = sizeof(gz) - z.avail_out;
    deflateEnd(&z);
}

static void test_http(void)
{
    struct coll c;
    char hx[65], want[96];
    st.files = fw_new(FILES_HASH_SHA256, 1, 100);

    static const struct step cl[] = {
        { 0, "GET /dir/a%20b.exe?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0 },
        { 0, "GET /two HTTP/1.1\r\nHost: h\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Disposition: attachment; "
             "filename=\"r.bin\"\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 0 },
        { 0, "HEAD /three HTTP/1.1\r\nHost: h\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 0 },
    };
    free(run(cl, 6, 0, &c));
    CHECK_EQ_U(count_files(&c), 2);
    const struct ctx_rec *r = nth_file(&c, 0);
    CHECK(has(r, "\"filename\":\"/dir/a b.exe\""));    /* the normalized path, no query */
    CHECK(has(r, "\"size\":5,\"tx_id\":0"));
    CHECK(has(r, "\"http\":{\"hostname\":\"h\""));     /* the parent transaction */
    CHECK(has(r, "\"status\":200"));
    sha256_hex("hello", 5, hx);
    snprintf(want, sizeof(want), "\"sha256\":\"%s\"", hx);
    CHECK(has(r, want));
    r = nth_file(&c, 1);
    CHECK(has(r, "\"filename\":\"r.bin\""));
    CHECK(has(r, "\"size\":5,\"tx_id\":1"));
    sha256_hex("abcde", 5, hx);
    snprintf(want, sizeof(want), "\"sha256\":\"%s\"", hx);
    CHECK(has(r, want));
    coll_reset(&c);
    same_any_split(cl, 6);

    /* gzip: the file is the inflated body */
    const char *text = "the quick brown fox jumps over the lazy dog, again and again and again\n";
    make_gzip(text);
    char hdr[200];
    snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
             gz_len);
    struct step gzs[] = {
        { 0, "GET /t.txt HTTP/1.1\r\nHost: h\r\n\r\n", 0 },
        { 1, hdr, 0 },
        { 1, gz, gz_len },
    };
    free(run(gzs, 3, 0, &c));
    r = nth_file(&c, 0);
    sha256_hex(text, strlen(text), hx);
    snprintf(want, sizeof(want), "\"sha256\":\"%s\"", hx);
    CHECK(has(r, want));
    snprintf(want, sizeof(want), "\"size\":%zu", strlen(text));
    CHECK(has(r, want));
    coll_reset(&c);
    same_any_split(gzs, 3);

    /* multipart upload: two files, a field; the files carry the response */
    static const char mp[] =
        "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\nfield\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"one.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\nline\r\n--not the end\r\n--XyZ\r\n"
        "Content-Disposition: form-data; name=\"g\"; filename=two.bin\r\n\r\n\x01\x02\x03"
        "\r\n--XyZ--\r\n";
    char req[600];
    snprintf(req, sizeof(req), "POST /up HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; "
             "boundary=XyZ\r\nContent-Length: %zu\r\n\r\n%s", sizeof(mp) - 1, mp);
    struct step mps[] = {
        { 0, req, 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n", 0 },
    };
    free(run(mps, 2, 0, &c));
    CHECK_EQ_U(count_files(&c), 2);                 /* the empty response is no file */
    r = nth_file(&c, 0);
    CHECK(has(r, "\"filename\":\"one.txt\""));
    CHECK(has(r, "\"status\":200"));
    sha256_hex("line\r\n--not the end", 19, hx);
    snprintf(want, sizeof(want), "\"sha256\":\"%s\"", hx);
    CHECK(has(r, want));
    CHECK(r && r->dir == APP_DIR_TOSERVER);
    r = nth_file(&c, 1);
    CHECK(has(r, "\"filename\":\"two.bin\""));
    CHECK(has(r, "\"size\":3,"));
    coll_reset(&c);
    same_any_split(mps, 2);

    /* PUT and a plain POST are files, named by the URI path */
    static const struct step put[] = {
        { 0, "PUT /p/q.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", 0 },
        { 1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 0 },
        { 0, "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\na=b", 0 },
        { 1, "HTTP/1.1 204 No Content\r\n\r\n", 0 },
    };
    free(run(put, 4, 0, &c));
    CHECK_EQ_U(count_files(&c), 2);
    CHECK(has(nth_file(&c, 0), "\"filename\":\"/p/q.txt\""));
    CHECK(has(nth_file(&c, 0), "\"status\":201"));
    CHECK(has(nth_file(&c, 1), "\"filename\":\"/form\""));
    CHECK(has(nth_file(&c, 1), "\"size\":3,"));
    coll_reset(&c);

    /* a gap inside a body; the flow ending inside another */
    static const struct step gap[] = {
        { 0, "GET /g HTTP/1.1\r\nHost: h\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n0123456789", 0 },
        { 3, "", 10 },
        { 1, "0123456789", 0 },
        { 0, "GET /cut HTTP/1.1\r\nHost: h\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc", 0 },
    };
    free(run(gap, 6, 0, &c));
    CHECK_EQ_U(count_files(&c), 2);
    CHECK(has(nth_file(&c, 0), "\"gaps\":true,\"state\":\"TRUNCATED\""));
    CHECK(has(nth_file(&c, 0), "\"size\":30,"));
    CHECK(has(nth_file(&c, 1), "\"filename\":\"/cut\""));
    CHECK(has(nth_file(&c, 1), "\"state\":\"CLOSED\""));   /* as Suricata: the end closes */
    CHECK(has(nth_file(&c, 1), "\"size\":3,"));
    coll_reset(&c);
    same_any_split(gap, 6);

    CHECK_EQ_U(files_worker_stats(st.files)->open, 0);
    files_worker_free(st.files);
    st.files = NULL;
    CHECK_EQ_U(st.memory, 0);
}

/* 2000 downloads in parallel, each mid-body: the memory of the same flows
 * without file tracking, then with files.max-open 100: the tracker refuses
 * the rest (counted) and adds at most 100 files' worth. */
static uint64_t flood(int with_files, struct coll *c)
{
    enum { N = 2000 };
    static struct app_flow *fl[N];
    struct app_sink sink = coll_sink(c);
    struct app_limits lim;
    app_limits_default(&lim);
    lim.http_body_inspect = 0;
    static uint8_t body[8000];
    memset(body, 'x', sizeof(body));
    static const char rq[] = "GET /f HTTP/1.1\r\nHost: h\r\n\r\n";
    static const char rs[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n";
    st.files = with_files ? fw_new(FILES_HASH_MD5 | FILES_HASH_SHA1 | FILES_HASH_SHA256, 1, 100)
                          : NULL;
    uint64_t base = st.memory;
    for (int i = 0; i < N; i++) {
        fl[i] = app_flow_new(app_registry_id("http"), &lim, &st);
        app_flow_feed(fl[i], 0, (const uint8_t *)rq, sizeof(rq) - 1, &sink);
        app_flow_feed(fl[i], 1, (const uint8_t *)rs, sizeof(rs) - 1, &sink);
        app_flow_feed(fl[i], 1, body, sizeof(body), &sink);
    }
    uint64_t used = st.memory - base;
    if (with_files) {
        const struct files_stats *fs = files_worker_stats(st.files);
        CHECK_EQ_U(fs->open, 100);
        CHECK_EQ_U(fs->refused, N - 100);
    }
    for (int i = 0; i < N; i++) {
        app_flow_end(fl[i], &sink);
        app_flow_free(fl[i]);
    }
    if (with_files) {
        CHECK_EQ_U(files_worker_stats(st.files)->open, 0);
        CHECK_EQ_U(files_worker_stats(st.files)->opened, 100);
        CHECK_EQ_U(files_worker_stats(st.files)->closed, 100);   /* the end closes them */
        files_worker_free(st.files);
        st.files = NULL;
    }
    CHECK_EQ_U(st.memory, base);
    return used;
}

static void test_flood(void)
{
    struct coll c;
    memset(&c, 0, sizeof(c));
    uint64_t without = flood(0, &c);
    coll_reset(&c);
    uint64_t with = flood(1, &c);
    coll_reset(&c);
    fprintf(stderr, "flood: 2000 flows mid-download: %llu bytes without files, %llu with "
            "(max-open 100)\n", (unsigned long long)without, (unsigned long long)with);
    CHECK(with >= without);
    /* 100 files: each its state, hash contexts and first bytes (8000 here) */
    CHECK(with - without <= 100 * (8000 + 2048));
}

/* SHA-256's two block functions (sha256.c): the FIPS vectors in both modes,
 * then random inputs of every length up to 300 bytes, fed whole and in
 * random pieces, through the SHA extensions and the portable code
 * (xorshift, fixed seed). Without SHA-NI both runs are the portable code. */
static void test_sha256_paths(void)
{
    int accel = sha256_accel();
    printf("sha256: SHA extensions %s\n", accel ? "present: both paths compared" : "absent: portable only");
    CHECK_EQ_U(sha256_selftest(), 0);
    sha256_use_accel(0);
    CHECK_EQ_U(sha256_accel(), 0);
    CHECK_EQ_U(sha256_selftest(), 0);
    uint64_t x = 0x2545f4914f6cdd1dULL;
    uint8_t in[300];
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)round % 301;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            in[i] = (uint8_t)x;
        }
        char a[65], b[65], c[65];
        uint8_t d[32];
        sha256_use_accel(1);
        sha256_hex(in, n, a);
        struct sha256_ctx ctx;
        sha256_init(&ctx);
        for (size_t o = 0; o < n;) {
            size_t k = 1 + (size_t)(x % 97);
            if (k > n - o)
                k = n - o;
            sha256_update(&ctx, in + o, k);
            o += k;
            x = x * 6364136223846793005ULL + 1;
        }
        sha256_final(&ctx, d);
        sha256_to_hex(d, c);
        sha256_use_accel(0);
        sha256_hex(in, n, b);
        if (strcmp(a, b) || strcmp(a, c)) {
            CHECK(!"sha256: the two block functions disagree");
            printf("  at length %zu\n", n);
            break;
        }
    }
    sha256_use_accel(1);
    CHECK_EQ_U(sha256_accel(), accel);
}

int main(void)
{
    test_sha256_paths();
    test_hashes_magic();
    test_cap_window();
    test_store();
    test_http();
    test_flood();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_file");
}
