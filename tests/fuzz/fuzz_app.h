/* fuzz_app.h - the harness the app-layer fuzz targets share (fuzz_http,
 * fuzz_dns, fuzz_tls): one flow of one protocol driven by the input.
 *
 * Input: byte 0 = flags, then segments, each a 2-byte big-endian header
 * and its bytes:
 *   flags bit 0     small limits (header 256, body 64, 2 pending tx,
 *                   TLS message 512, 2 DNS answers) instead of the defaults
 *   flags bit 1     no app_flow_end() (the flow is freed mid-way)
 *   flags bit 4     no ruleset: no inspection buffers, bodies only
 *                   counted (rule_bufs and http_body_inspect 0, as a
 *                   worker without rules runs the parsers)
 *   flags bit 5     file tracking on (app_file.c, files.h: every hash,
 *                   libmagic on 4 KiB, at most 3 open files, the rules'
 *                   window of 512 bytes): TX_FILE transactions too
 *   segment header  bit 15 = direction (1 = to client), bit 14 = a gap of
 *                   (low 12 bits) bytes instead of data, low 12 bits =
 *                   the data length (cut to what the input has left)
 * The target may pick the protocol from other flag bits (fuzz_tls: bit 3
 * = SSH; fuzz_ftp: bit 3 = ftp-data, announced as a RETR, bit 5 = in
 * active mode) and may also give each segment to the parser's datagram function
 * (fuzz_dns, fuzz_krb5: app_datagram; datagrams 1), or instead of feed()
 * to the flow's state as one UDP datagram (fuzz_nfs bit 3:
 * app_flow_datagram; datagrams 2).
 *
 * Invariants (abort() when violated):
 *   - every tx: its proto is the flow's, kind and dir valid, every buffer
 *     id < BUF_MAX with data for its length (all bytes read: ASan checks),
 *     meta strings NUL-terminated, and the event body the JSON writer
 *     makes of it is strict JSON (json_check.h);
 *   - app_stats.memory stays under a bound computed from the limits while
 *     the flow lives, and is back to its starting value after the free;
 *   - segmentation does not matter: the same segments fed byte by byte
 *     (directions interleaved as in the input) give the same transcript
 *     (a hash of every tx, buffer and event, and of app_flow_encrypted()
 *     at the end). */
#ifndef TAISHI_FUZZ_APP_H
#define TAISHI_FUZZ_APP_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/app/files.h"
#include "taishi/core/jw.h"
#include "fuzz_helpers.h"
#include "json_check.h"

struct fa_ctx {
    int proto;
    uint64_t hash;
    unsigned ntx;
};

static uint64_t fa_mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static void fa_strs(const char *const *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i])
            (void)strlen(s[i]);
}

static void fa_tx(void *ud, const struct app_tx *tx)
{
    struct fa_ctx *c = ud;
    static char jbuf[65536];
    struct jw w;

    /* the flow's parser, or the one it handed the flow to (SMTP -> TLS) */
    FUZZ_ASSERT(tx->proto == c->proto ||
                (c->proto == app_registry_id("smtp") && tx->proto == app_registry_id("tls")));
    FUZZ_ASSERT(tx->kind < TX_KINDS && tx->dir <= 1 && tx->event <= 1);
    uint8_t h4[4] = { tx->proto, tx->kind, tx->dir, tx->event };
    c->hash = fa_mix(c->hash, h4, 4);
    c->ntx++;
    for (uint32_t i = 0; i < tx->nbufs; i++) {
        const struct app_buf *b = &tx->bufs[i];
        FUZZ_ASSERT(b->id < BUF_MAX && b->id > BUF_STREAM);
        FUZZ_ASSERT(b->len == 0 || b->data);
        c->hash = fa_mix(c->hash, &b->id, sizeof(b->id));
        c->hash = fa_mix(c->hash, &b->len, sizeof(b->len));
        c->hash = fa_mix(c->hash, b->data, b->len);
    }
    FUZZ_ASSERT(tx->meta);
    const char *pn = app_registry_get(tx->proto)->name;
    if (tx->kind == TX_FILE) {
        const struct app_file_meta *m = tx->meta;
        const char *s[] = { m->filename, m->magic, m->md5, m->sha1, m->sha256 };
        fa_strs(s, ARRAY_SIZE(s));
        FUZZ_ASSERT(m->state >= APP_FILE_CLOSED && m->state <= APP_FILE_ERROR);
        FUZZ_ASSERT(!m->gaps || m->state == APP_FILE_TRUNCATED);
        FUZZ_ASSERT(!m->sha256 || strlen(m->sha256) == 64);
    } else if (!strcmp(pn, "http")) {
        const struct app_http_meta *m = tx->meta;
        const char *s[] = { m->method, m->uri, m->host, m->protocol, m->user_agent, m->referer,
                            m->content_type, m->location, m->server };
        fa_strs(s, ARRAY_SIZE(s));
    } else if (!strcmp(pn, "dns")) {
        const struct app_dns_meta *m = tx->meta;
        const char *s[] = { m->rrname, m->rrtype };
        fa_strs(s, ARRAY_SIZE(s));
        for (uint32_t i = 0; i < m->nanswers; i++) {
            const char *a[] = { m->answers[i].rrname, m->answers[i].rrtype, m->answers[i].rdata };
            fa_strs(a, ARRAY_SIZE(a));
        }
    } else if (!strcmp(pn, "tls")) {
        const struct app_tls_meta *m = tx->meta;
        const char *s[] = { m->sni, m->version, m->subject, m->issuer, m->serial, m->fingerprint,
                            m->notbefore, m->notafter, m->ja3, m->ja3_string, m->ja3s, m->ja3s_string };
        fa_strs(s, ARRAY_SIZE(s));
    } else if (!strcmp(pn, "ssh")) {
        const struct app_ssh_meta *m = tx->meta;
        const char *s[] = { m->proto, m->software, m->client_proto, m->client_software,
                            m->server_proto, m->server_software };
        fa_strs(s, ARRAY_SIZE(s));
    }
    jw_init(&w, jbuf, sizeof(jbuf));
    jw_begin(&w);
    app_event_body(&w, tx);
    FUZZ_ASSERT(jw_end(&w) == 0);
    const char *why = NULL;
    size_t where = 0;
    FUZZ_ASSERT_MSG(json_check(w.buf, w.len, &why, &where) == 0, "%s at %zu: %.*s", why, where,
                    (int)w.len, w.buf);
    c->hash = fa_mix(c->hash, w.buf, w.len);
    if (getenv("FUZZ_APP_DEBUG")) {          /* a transcript to compare by hand */
        fprintf(stderr, "tx proto %u kind %u dir %u event %u\n", tx->proto, tx->kind, tx->dir, tx->event);
        for (uint32_t i = 0; i < tx->nbufs; i++) {
            fprintf(stderr, "  buf %u len %u: ", tx->bufs[i].id, tx->bufs[i].len);
            for (uint32_t k = 0; k < tx->bufs[i].len && k < 200; k++) {
                uint8_t ch = tx->bufs[i].data[k];
                fprintf(stderr, ch >= 32 && ch < 127 ? "%c" : "\\x%02x", ch);
            }
            fputc('\n', stderr);
        }
        fprintf(stderr, "  %.*s", (int)w.len, w.buf);
    }
    FUZZ_ASSERT(strcmp(app_event_type(tx), "app") != 0);
}

static void fa_limits(uint8_t flags, struct app_limits *l)
{
    app_limits_default(l);
    if (flags & 1) {
        l->http_header_max = 256;
        l->http_body_max = 64;
        l->http_max_tx = 2;
        l->tls_record_max = 512;
        l->dns_max_answers = 2;
    }
    if (flags & 16) {
        l->rule_bufs = 0;
        l->http_body_inspect = 0;
    }
}

/* What an app_flow of these limits may hold at most (generous); with
 * files, 3 open files of 4 KiB of first bytes each, the pending request
 * files of the slots and the multipart buffers on top. */
static uint64_t fa_mem_bound(const struct app_limits *l)
{
    return 3 * (4096 + 4096 + 2048) + 2 * 16384 + 2 * (13ULL * l->http_header_max + 8192 + l->http_body_max + 128 * 1024) +
           (uint64_t)l->http_max_tx * (8192 + 256) + 4ULL * l->tls_record_max + 3 * 70000 + 65536;
}

/* One pass over the input: bytewise = 1 feeds every segment byte by byte.
 * Returns the transcript hash. */
static uint64_t fa_run(int proto, const uint8_t *data, size_t size, int bytewise,
                       int datagrams, struct app_stats *st)
{
    struct fa_ctx c = { proto, 1469598103934665603ULL, 0 };
    struct app_sink sink = { fa_tx, &c, NULL };
    struct app_limits lim;
    uint8_t flags = size ? data[0] : 0;
    size_t off = 1;

    fa_limits(flags, &lim);
    uint64_t m0 = st->memory, bound = fa_mem_bound(&lim);
    /* A parser without TCP takes each segment as one datagram. */
    int tcp = (app_registry_get(proto)->transports & APP_TCP) != 0;
    struct app_flow *a = tcp ? app_flow_new(proto, &lim, st) : NULL;
    FUZZ_ASSERT(!tcp || (a && app_flow_proto(a) == proto));
    if (a && app_registry_get(proto)->expected) {    /* ftp-data: announced as a RETR */
        struct app_expect e;
        memset(&e, 0, sizeof(e));
        e.port = 2121;
        e.to_client = 1;
        e.active = (flags & 32) != 0;
        memcpy(e.command, "RETR", 5);
        e.name[0] = 'f';
        e.namelen = 1;
        app_flow_expect(a, &e);
    }
    while (off + 2 <= size) {
        unsigned hdr = (unsigned)data[off] << 8 | data[off + 1];
        off += 2;
        int dir = hdr >> 15, gap = (hdr >> 14) & 1;
        size_t len = hdr & 0x0fff;
        if (gap) {
            app_flow_gap(a, dir, len ? len : 1, &sink);
            continue;
        }
        if (len > size - off)
            len = size - off;
        if (datagrams == 1 && tcp)
            app_datagram(proto, data + off, len, dir, &lim, st, &sink);
        if (datagrams == 2 && a) {              /* UDP to the flow's state: one datagram */
            app_flow_datagram(a, dir, data + off, len, &sink);
        } else if (!tcp) {
            app_datagram(proto, data + off, len, dir, &lim, st, &sink);
        } else if (bytewise) {
            for (size_t i = 0; i < len; i++)
                app_flow_feed(a, dir, data + off + i, 1, &sink);
        } else {
            app_flow_feed(a, dir, data + off, len, &sink);
        }
        FUZZ_ASSERT_MSG(st->memory - m0 <= bound, "memory %llu > bound %llu",
                        (unsigned long long)(st->memory - m0), (unsigned long long)bound);
        off += len;
    }
    if (a && tcp) {                 /* where encryption began: part of the transcript */
        uint8_t enc = (uint8_t)app_flow_encrypted(a);
        c.hash = fa_mix(c.hash, &enc, 1);
    }
    if (!(flags & 2))
        app_flow_end(a, &sink);
    app_flow_free(a);
    FUZZ_ASSERT(st->memory == m0);
    return c.hash ^ c.ntx;
}

static int fa_one(int proto, const uint8_t *data, size_t size, int datagrams)
{
    struct app_stats st;
    memset(&st, 0, sizeof(st));
    static struct files_worker *fw;         /* libmagic loads once per process */
    if (size && (data[0] & 32)) {           /* file tracking, one worker's */
        if (!fw) {
            struct files_config fc;
            char err[256];
            files_config_default(&fc);
            fc.hash = FILES_HASH_MD5 | FILES_HASH_SHA1 | FILES_HASH_SHA256;
            fc.magic_bytes = 4096;
            fc.max_open = 3;
            fc.data_window = 512;
            fw = files_worker_new(&fc, 0, 1, err, sizeof(err));
            FUZZ_ASSERT_MSG(fw != NULL, "%s", err);
            files_worker_set_window(fw, 1);
        }
        st.files = fw;
    }
    uint64_t h1 = fa_run(proto, data, size, 0, datagrams, &st);
    if (getenv("FUZZ_APP_DEBUG"))
        fprintf(stderr, "---- byte by byte ----\n");
    uint64_t h2 = fa_run(proto, data, size, 1, datagrams, &st);
    FUZZ_ASSERT_MSG(h1 == h2, "transcript depends on segmentation");
    if (st.files)
        FUZZ_ASSERT(files_worker_stats(st.files)->open == 0);
    return 0;
}

#endif
