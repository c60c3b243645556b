/* app_buf.c - the parsers' kit (app_buf.h): the accounted allocator, the
 * capped byte buffer, the tx builder's hand-off to the sink, byte helpers.
 *
 * Memory accounting: app_stats.memory is the sum of what every app_flow of
 * the worker holds (state structs, buffers, zlib state). It is adjusted at
 * each allocation and free, so it is exact at any time; the worker may use
 * it to refuse new parsers past a budget.
 *
 * Ownership: the caller's (one app_flow of one worker); no state here. */
#include <stdlib.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_buf.h"

void *app_buf_alloc(struct app_stats *st, size_t n)
{
    void *p = xcalloc(1, n ? n : 1);
    st->memory += n;
    return p;
}

void app_buf_release(struct app_stats *st, void *p, size_t n)
{
    if (!p)
        return;
    st->memory -= n;
    free(p);
}

int app_buf_reserve(struct app_stats *st, struct abuf *b, size_t need, size_t max)
{
    if (need > max || need > UINT32_MAX)
        return -1;
    if (need <= b->cap)
        return 0;
    size_t nc = b->cap ? (size_t)b->cap * 2 : 256;
    if (nc < need)
        nc = need;
    if (nc > max)
        nc = max;
    uint8_t *d = xreallocarray(b->d, nc, 1);
    st->memory += nc - b->cap;
    b->d = d;
    b->cap = (uint32_t)nc;
    return 0;
}

int app_buf_append(struct app_stats *st, struct abuf *b, const void *data, size_t n, size_t max)
{
    if (n > max || b->len > max - n)
        return -1;
    if (app_buf_reserve(st, b, b->len + n, max) < 0)
        return -1;
    if (n)
        memcpy(b->d + b->len, data, n);
    b->len += (uint32_t)n;
    return 0;
}

void app_buf_consume(struct abuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->d, b->d + n, b->len - n);
    b->len -= (uint32_t)n;
}

void app_buf_free(struct app_stats *st, struct abuf *b)
{
    if (b->d) {
        st->memory -= b->cap;
        free(b->d);
    }
    b->d = NULL;
    b->len = b->cap = 0;
}

int app_buf_caseeq(const uint8_t *a, size_t alen, const char *lit)
{
    size_t n = strlen(lit);
    if (alen != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (app_buf_lc(a[i]) != app_buf_lc((unsigned char)lit[i]))
            return 0;
    return 1;
}

void app_buf_emit(const struct app_sink *sink, int proto, int kind, int dir, int event,
              const struct txb *t, const void *meta)
{
    struct app_tx tx = {
        .proto = (uint8_t)proto, .kind = (uint8_t)kind, .dir = (uint8_t)dir,
        .event = (uint8_t)event, .bufs = t ? t->b : NULL, .nbufs = t ? t->n : 0, .meta = meta,
    };
    if (sink && sink->tx)
        sink->tx(sink->ud, &tx);
}
