/* app_buf.h - the kit every app-layer parser uses, and the only thing in
 * app/ a parser depends on (app_buf.c): accounted memory, a growable byte
 * buffer with a hard cap, the tx builder, byte helpers, and a JSON helper for
 * event bodies. A parser never calls the dispatcher (app.c) or another parser.
 *
 * Memory: every byte a parser holds goes through app_buf_alloc/app_buf_* so that
 * app_stats.memory is exact (it goes back to what it was when the flow is
 * freed; tests check that). Buffers keep their capacity between messages:
 * a flow allocates while it grows to its working size, not per packet.
 *
 * Ownership: all of it belongs to one app_flow of one worker. */
#ifndef TAISHI_APP_BUF_H
#define TAISHI_APP_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/app/app.h"
#include "taishi/core/jw.h"

void *app_buf_alloc(struct app_stats *st, size_t n);           /* zeroed */
void app_buf_release(struct app_stats *st, void *p, size_t n);

/* A byte buffer that never grows past the `max` its appends give. */
struct abuf {
    uint8_t *d;
    uint32_t len, cap;
};
/* Appends n bytes; -1 (nothing appended) when len + n would pass max. */
int app_buf_append(struct app_stats *st, struct abuf *b, const void *data, size_t n, size_t max);
/* Makes room for `need` bytes in total (need <= max); -1 past max. */
int app_buf_reserve(struct app_stats *st, struct abuf *b, size_t need, size_t max);
void app_buf_consume(struct abuf *b, size_t n);    /* drops the first n bytes */
void app_buf_free(struct app_stats *st, struct abuf *b);

/* A transaction's buffers, collected before the sink is called. */
#define TXB_MAX 40
struct txb {
    struct app_buf b[TXB_MAX];
    uint32_t n;
};
static inline void txb_add(struct txb *t, int id, const void *data, size_t len)
{
    if (t->n < TXB_MAX && data) {
        t->b[t->n].id = (uint16_t)id;
        t->b[t->n].len = (uint32_t)len;
        t->b[t->n].data = data;
        t->n++;
    }
}
void app_buf_emit(const struct app_sink *sink, int proto, int kind, int dir, int event,
              const struct txb *t, const void *meta);

/* Byte helpers for parsers. */
static inline int app_buf_lc(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
int app_buf_caseeq(const uint8_t *a, size_t alen, const char *lit);

/* Event bodies: a string member only when the value is there. */
static inline void app_buf_kstr(struct jw *w, const char *k, const char *v)
{
    if (v)
        jw_kstr(w, k, v);
}

#endif
