/* app_collect.h - a test sink for the app-layer parsers (app.h): records
 * every transaction (kind, direction, event flag, a copy of each buffer,
 * the event JSON that event_app.c writes for it) and a transcript string
 * of all of it, so a test can check fields and compare two runs of the
 * same bytes cut differently (the result must not depend on segmentation).
 *
 * A parser's TX_RISK and TX_ASSET go to side[] (coll_side), not tx[].
 *
 * Also feeders: whole, byte by byte, and in pseudo-random splits (a fixed
 * xorshift seed, so a failure replays), each chunk placed flush against a
 * guard page (unit.h) so a parser reading past a chunk faults.
 *
 * Header-only, used by test_app_*.c. */
#ifndef TAISHI_TESTS_APP_COLLECT_H
#define TAISHI_TESTS_APP_COLLECT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/core/jw.h"
#include "unit.h"

#define COLL_MAX_TX 128

struct ctx_rec {
    int proto, kind, dir, event;
    int nb;
    int id[64];
    char *data[64];             /* NUL-terminated copies */
    uint32_t len[64];
    char json[8192];
};

/* A parser's TX_RISK or TX_ASSET (its weaknesses and asset facts): kept
 * apart from tx[], so the transactions' positions do not depend on them. */
struct side_rec {
    int kind, dir, event;
    char json[1024];
};

struct coll {
    struct ctx_rec tx[COLL_MAX_TX];
    int n;
    struct side_rec side[COLL_MAX_TX];
    int nside;
    char *log;                  /* transcript */
    size_t log_len, log_cap;
};

static void coll_log(struct coll *c, const void *d, size_t n)
{
    if (c->log_len + n + 1 > c->log_cap) {
        c->log_cap = (c->log_len + n + 1) * 2;
        c->log = realloc(c->log, c->log_cap);
    }
    memcpy(c->log + c->log_len, d, n);
    c->log_len += n;
    c->log[c->log_len] = 0;
}

static void coll_tx(void *ud, const struct app_tx *tx)
{
    struct coll *c = ud;
    char hdr[64];
    int hl = snprintf(hdr, sizeof(hdr), "[tx %d %d %d %d nb=%u]", tx->proto, tx->kind, tx->dir,
                      tx->event, tx->nbufs);
    coll_log(c, hdr, (size_t)hl);
    for (uint32_t i = 0; i < tx->nbufs; i++) {
        hl = snprintf(hdr, sizeof(hdr), "<%u:%u>", tx->bufs[i].id, tx->bufs[i].len);
        coll_log(c, hdr, (size_t)hl);
        coll_log(c, tx->bufs[i].data, tx->bufs[i].len);
    }
    static char jbuf[16384];
    struct jw w;
    jw_init(&w, jbuf, sizeof(jbuf));
    jw_begin(&w);
    app_event_body(&w, tx);
    int jok = jw_end(&w);
    if (jok == 0)
        coll_log(c, w.buf, w.len);
    if (tx->kind == TX_RISK || tx->kind == TX_ASSET) {
        if (c->nside < COLL_MAX_TX) {
            struct side_rec *sr = &c->side[c->nside++];
            sr->kind = tx->kind;
            sr->dir = tx->dir;
            sr->event = tx->event;
            snprintf(sr->json, sizeof(sr->json), "%.*s", jok == 0 ? (int)w.len : 0, w.buf);
        }
        return;
    }
    if (c->n >= COLL_MAX_TX)
        return;
    struct ctx_rec *r = &c->tx[c->n++];
    r->proto = tx->proto;
    r->kind = tx->kind;
    r->dir = tx->dir;
    r->event = tx->event;
    r->nb = 0;
    for (uint32_t i = 0; i < tx->nbufs && i < 64; i++) {
        r->id[r->nb] = tx->bufs[i].id;
        r->len[r->nb] = tx->bufs[i].len;
        r->data[r->nb] = malloc(tx->bufs[i].len + 1);
        memcpy(r->data[r->nb], tx->bufs[i].data, tx->bufs[i].len);
        r->data[r->nb][tx->bufs[i].len] = 0;
        r->nb++;
    }
    snprintf(r->json, sizeof(r->json), "%.*s", jok == 0 ? (int)w.len : 0, w.buf);
}

static void coll_reset(struct coll *c)
{
    for (int i = 0; i < c->n && i < COLL_MAX_TX; i++)
        for (int j = 0; j < c->tx[i].nb; j++)
            free(c->tx[i].data[j]);
    free(c->log);
    memset(c, 0, sizeof(*c));
}

/* How many side records (TX_RISK / TX_ASSET) contain `needle` in their JSON. */
static inline int coll_side(const struct coll *c, int kind, const char *needle)
{
    int n = 0;
    for (int i = 0; i < c->nside; i++)
        n += c->side[i].kind == kind && strstr(c->side[i].json, needle) != NULL;
    return n;
}

/* The k-th occurrence of buffer id in tx i, or NULL. */
static inline const char *coll_buf(const struct coll *c, int i, int id, int k)
{
    if (i < 0 || i >= c->n)
        return NULL;
    for (int j = 0; j < c->tx[i].nb; j++)
        if (c->tx[i].id[j] == id && k-- == 0)
            return c->tx[i].data[j];
    return NULL;
}

static inline int coll_nbuf(const struct coll *c, int i, int id)
{
    int n = 0;
    for (int j = 0; i < c->n && j < c->tx[i].nb; j++)
        n += c->tx[i].id[j] == id;
    return n;
}

static inline uint32_t coll_buflen(const struct coll *c, int i, int id)
{
    for (int j = 0; i < c->n && j < c->tx[i].nb; j++)
        if (c->tx[i].id[j] == id)
            return c->tx[i].len[j];
    return 0;
}

static struct app_sink coll_sink(struct coll *c)
{
    struct app_sink s = { coll_tx, c, NULL };
    return s;
}

static uint64_t coll_rng = 88172645463325252ULL;
static uint64_t coll_rand(void)
{
    coll_rng ^= coll_rng << 13;
    coll_rng ^= coll_rng >> 7;
    coll_rng ^= coll_rng << 17;
    return coll_rng;
}

/* Feeds one direction: mode 0 whole, 1 byte by byte, 2 random chunks. */
static void coll_feed(struct app_flow *a, int dir, const void *data, size_t len, int mode,
                      const struct app_sink *s)
{
    const uint8_t *p = data;
    size_t off = 0;
    while (off < len) {
        size_t k = mode == 0 ? len - off : mode == 1 ? 1 : 1 + coll_rand() % 97;
        if (k > len - off)
            k = len - off;
        const uint8_t *g = guard_copy(p + off, k);
        app_flow_feed(a, dir, g, k, s);
        guard_release(g, k);
        off += k;
    }
}

#endif
