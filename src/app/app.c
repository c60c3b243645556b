/* app.c - the app-layer dispatcher: an app_flow is a tagged union of one
 * parser's state (HTTP, DNS over TCP, TLS, SSH); feed/gap/end/free route
 * to it. Also the accounted allocator and the capped byte buffer every
 * parser uses (app_internal.h), and the default limits.
 *
 * Memory accounting: app_stats.memory is the sum of what every app_flow of
 * the worker holds (state structs, buffers, zlib state). It is adjusted at
 * each allocation and free, so it is exact at any time; the worker may use
 * it to refuse new parsers past a budget.
 *
 * Ownership: an app_flow belongs to one flow of one worker; no locks. */
#include <stdlib.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_internal.h"

struct app_flow {
    uint8_t proto;
    struct app_limits lim;
    struct app_stats *st;
    union {
        struct http_state *http;
        struct dns_tcp *dns;
        struct tls_state *tls;
        struct ssh_state *ssh;
    } u;
};

void app_limits_default(struct app_limits *l)
{
    l->http_header_max = 32 * 1024;
    l->http_body_max = 64 * 1024;
    l->http_max_tx = 32;
    l->tls_record_max = 64 * 1024;
    l->dns_max_answers = 32;
    l->http_body_inspect = 1;
    l->rule_bufs = 1;
}

void *app_mem_alloc(struct app_stats *st, size_t n)
{
    void *p = xcalloc(1, n ? n : 1);
    st->memory += n;
    return p;
}

void app_mem_free(struct app_stats *st, void *p, size_t n)
{
    if (!p)
        return;
    st->memory -= n;
    free(p);
}

int abuf_reserve(struct app_stats *st, struct abuf *b, size_t need, size_t max)
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

int abuf_append(struct app_stats *st, struct abuf *b, const void *data, size_t n, size_t max)
{
    if (n > max || b->len > max - n)
        return -1;
    if (abuf_reserve(st, b, b->len + n, max) < 0)
        return -1;
    if (n)
        memcpy(b->d + b->len, data, n);
    b->len += (uint32_t)n;
    return 0;
}

void abuf_consume(struct abuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->d, b->d + n, b->len - n);
    b->len -= (uint32_t)n;
}

void abuf_free(struct app_stats *st, struct abuf *b)
{
    if (b->d) {
        st->memory -= b->cap;
        free(b->d);
    }
    b->d = NULL;
    b->len = b->cap = 0;
}

int app_strncaseeq(const uint8_t *a, size_t alen, const char *lit)
{
    size_t n = strlen(lit);
    if (alen != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (app_lc(a[i]) != app_lc((unsigned char)lit[i]))
            return 0;
    return 1;
}

void app_emit(const struct app_sink *sink, int proto, int kind, int dir, int event,
              const struct txb *t, const void *meta)
{
    struct app_tx tx = {
        .proto = (uint8_t)proto, .kind = (uint8_t)kind, .dir = (uint8_t)dir,
        .event = (uint8_t)event, .bufs = t ? t->b : NULL, .nbufs = t ? t->n : 0, .meta = meta,
    };
    if (sink && sink->tx)
        sink->tx(sink->ud, &tx);
}

struct app_flow *app_flow_new(enum app_proto_id p, const struct app_limits *lim,
                              struct app_stats *stats)
{
    struct app_flow *a;

    if (p <= APP_NONE || p >= APP_MAX || !stats)
        return NULL;
    a = app_mem_alloc(stats, sizeof(*a));
    a->proto = (uint8_t)p;
    if (lim)
        a->lim = *lim;
    else
        app_limits_default(&a->lim);
    if (a->lim.http_max_tx == 0)
        a->lim.http_max_tx = 1;
    a->st = stats;
    switch (p) {
    case APP_HTTP: a->u.http = http_new(&a->lim, stats); break;
    case APP_DNS: a->u.dns = dns_tcp_new(&a->lim, stats); break;
    case APP_TLS: a->u.tls = tls_new(&a->lim, stats); break;
    case APP_SSH: a->u.ssh = ssh_new(stats); break;
    default: break;
    }
    return a;
}

enum app_proto_id app_flow_proto(const struct app_flow *a)
{
    return a ? (enum app_proto_id)a->proto : APP_NONE;
}

void app_flow_feed(struct app_flow *a, int dir, const uint8_t *data, size_t len,
                   const struct app_sink *sink)
{
    if (!a || !len || !data)
        return;
    dir = dir ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER;
    switch (a->proto) {
    case APP_HTTP: http_feed(a->u.http, dir, data, len, sink); break;
    case APP_DNS: dns_tcp_feed(a->u.dns, dir, data, len, sink); break;
    case APP_TLS: tls_feed(a->u.tls, dir, data, len, sink); break;
    case APP_SSH: ssh_feed(a->u.ssh, dir, data, len, sink); break;
    }
}

void app_flow_gap(struct app_flow *a, int dir, size_t len, const struct app_sink *sink)
{
    if (!a || !len)
        return;
    dir = dir ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER;
    a->st->gaps++;
    switch (a->proto) {
    case APP_HTTP: http_gap(a->u.http, dir, len, sink); break;
    case APP_DNS: dns_tcp_gap(a->u.dns, dir); break;
    case APP_TLS: tls_gap(a->u.tls, dir); break;
    case APP_SSH: ssh_gap(a->u.ssh, dir); break;
    }
}

void app_flow_end(struct app_flow *a, const struct app_sink *sink)
{
    if (!a)
        return;
    switch (a->proto) {
    case APP_HTTP: http_end(a->u.http, sink); break;
    case APP_TLS: tls_end(a->u.tls, sink); break;
    case APP_SSH: ssh_end(a->u.ssh, sink); break;
    default: break;
    }
}

void app_flow_free(struct app_flow *a)
{
    if (!a)
        return;
    switch (a->proto) {
    case APP_HTTP: http_free(a->u.http); break;
    case APP_DNS: dns_tcp_free(a->u.dns); break;
    case APP_TLS: tls_free(a->u.tls); break;
    case APP_SSH: ssh_free(a->u.ssh); break;
    }
    app_mem_free(a->st, a, sizeof(*a));
}
