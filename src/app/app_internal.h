/* app_internal.h - what the app-layer parser files share (app.c,
 * app_http*.c, app_dns.c, app_tls.c, app_x509.c, app_ssh.c): accounted
 * memory, a growable byte buffer with a hard cap, the tx builder, and each
 * parser's entry points called by the dispatcher in app.c.
 *
 * Memory: every byte a parser holds goes through app_mem_* so that
 * app_stats.memory is exact (it goes back to what it was when the flow is
 * freed; tests check that). Buffers keep their capacity between messages:
 * a flow allocates while it grows to its working size, not per packet.
 *
 * Ownership: all of it belongs to one app_flow of one worker. */
#ifndef TAISHI_APP_INTERNAL_H
#define TAISHI_APP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/app/app.h"

void *app_mem_alloc(struct app_stats *st, size_t n);           /* zeroed */
void app_mem_free(struct app_stats *st, void *p, size_t n);

/* A byte buffer that never grows past the `max` its appends give. */
struct abuf {
    uint8_t *d;
    uint32_t len, cap;
};
/* Appends n bytes; -1 (nothing appended) when len + n would pass max. */
int abuf_append(struct app_stats *st, struct abuf *b, const void *data, size_t n, size_t max);
/* Makes room for `need` bytes in total (need <= max); -1 past max. */
int abuf_reserve(struct app_stats *st, struct abuf *b, size_t need, size_t max);
void abuf_consume(struct abuf *b, size_t n);    /* drops the first n bytes */
void abuf_free(struct app_stats *st, struct abuf *b);

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
void app_emit(const struct app_sink *sink, int proto, int kind, int dir, int event,
              const struct txb *t, const void *meta);

/* Byte helpers for parsers. */
static inline int app_lc(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
int app_strncaseeq(const uint8_t *a, size_t alen, const char *lit);

/* Parsers (one state type each, opaque to app.c). */
struct http_state;
struct http_state *http_new(const struct app_limits *lim, struct app_stats *st);
void http_feed(struct http_state *h, int dir, const uint8_t *p, size_t n, const struct app_sink *s);
void http_gap(struct http_state *h, int dir, size_t n, const struct app_sink *s);
void http_end(struct http_state *h, const struct app_sink *s);
void http_free(struct http_state *h);

struct dns_tcp;
struct dns_tcp *dns_tcp_new(const struct app_limits *lim, struct app_stats *st);
void dns_tcp_feed(struct dns_tcp *d, int dir, const uint8_t *p, size_t n, const struct app_sink *s);
void dns_tcp_gap(struct dns_tcp *d, int dir);
void dns_tcp_free(struct dns_tcp *d);

struct tls_state;
struct tls_state *tls_new(const struct app_limits *lim, struct app_stats *st);
void tls_feed(struct tls_state *t, int dir, const uint8_t *p, size_t n, const struct app_sink *s);
void tls_gap(struct tls_state *t, int dir);
void tls_end(struct tls_state *t, const struct app_sink *s);
void tls_free(struct tls_state *t);

struct ssh_state;
struct ssh_state *ssh_new(struct app_stats *st);
void ssh_feed(struct ssh_state *s, int dir, const uint8_t *p, size_t n, const struct app_sink *sk);
void ssh_gap(struct ssh_state *s, int dir);
void ssh_end(struct ssh_state *s, const struct app_sink *sk);
void ssh_free(struct ssh_state *s);

/* X.509 (app_x509.c): the leaf certificate's fields as text. */
struct x509_info {
    char subject[1024], issuer[1024];
    char serial[200];                   /* "0A:1B:..." upper-case, at most 64 bytes of serial */
    char notbefore[24], notafter[24];   /* "2024-01-01T00:00:00" */
    char fingerprint[60];               /* SHA1 "aa:bb:..." */
};
/* 0 when the DER parses as a certificate; -1 otherwise (fields may be partial). */
int x509_parse(const uint8_t *der, size_t len, struct x509_info *out);

#endif
