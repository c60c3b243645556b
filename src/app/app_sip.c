/* app_sip.c - SIP (RFC 3261) over UDP and TCP: request and status lines,
 * as Suricata 7.0.10 logs and inspects them.
 *
 * A message is a start line, header lines and an empty line, then a body of
 * Content-Length bytes. Over UDP a datagram is one message; over TCP the
 * head of each message is collected up to SIP_HEAD_MAX (RFC 3261 section
 * 18.3 framing by Content-Length), its body skipped. Request line:
 * method SP Request-URI SP "SIP/" version; status line: "SIP/" version SP
 * 3-digit code SP reason. A start line that is neither, or a head that does
 * not end within the cap, is a parse error (a TCP direction then stops).
 *
 * Each message is one transaction and one sip event: requests
 * sip{method, uri, version, request_line}, responses sip{version, code,
 * reason, response_line}. Rule buffers as Suricata's: sip.method,
 * sip.uri, sip.request_line, sip.protocol (requests); sip.stat_code,
 * sip.stat_msg, sip.response_line, sip.protocol (responses).
 *
 * Ownership: sip_state belongs to one app_flow of one worker; a datagram is
 * read during the call only. */
#include <ndpi/ndpi_protocol_ids.h>
#include <string.h>

#include "app_buf.h"

#define SIP_HEAD_MAX (16u * 1024u)      /* start line and headers of one message */

enum { C_MESSAGES, C_PARSE_ERRORS };    /* the entry's counters */

struct sv {
    const uint8_t *p;
    uint32_t n;
};

struct sip_meta {
    uint8_t request;
    struct sv method, uri, version, code, reason, line;
};

struct sip_side {
    struct abuf head;
    uint64_t skip;                      /* body bytes still to skip */
    uint8_t dead;
};

struct sip_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    struct sip_side side[2];
};

static int is_tok(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The start line of a message (without its CR LF): 0, or -1. */
static int sip_start(const uint8_t *l, uint32_t n, struct sip_meta *m)
{
    uint32_t i = 0, a;
    memset(m, 0, sizeof(*m));
    m->line = (struct sv){ l, n };
    if (n >= 8 && !memcmp(l, "SIP/", 4)) {          /* SIP/2.0 200 OK */
        while (i < n && l[i] != ' ')
            i++;
        m->version = (struct sv){ l, i };
        if (i + 4 > n || l[i] != ' ')
            return -1;
        a = ++i;
        for (int k = 0; k < 3; k++, i++)
            if (l[i] < '0' || l[i] > '9')
                return -1;
        m->code = (struct sv){ l + a, 3 };
        if (i < n && l[i] != ' ')
            return -1;
        i += i < n;
        m->reason = (struct sv){ l + i, n - i };
        return 0;
    }
    while (i < n && is_tok(l[i]))                   /* METHOD uri SIP/2.0 */
        i++;
    if (i == 0 || i >= n || l[i] != ' ')
        return -1;
    m->method = (struct sv){ l, i };
    a = ++i;
    while (i < n && l[i] != ' ' && l[i] > 0x20 && l[i] < 0x7f)
        i++;
    if (i == a || i >= n || l[i] != ' ')
        return -1;
    m->uri = (struct sv){ l + a, i - a };
    a = ++i;
    if (n - a < 5 || memcmp(l + a, "SIP/", 4))
        return -1;
    for (i = a + 4; i < n; i++)
        if (!((l[i] >= '0' && l[i] <= '9') || l[i] == '.'))
            return -1;
    m->version = (struct sv){ l + a, n - a };
    m->request = 1;
    return 0;
}

/* One message head (start line .. before the empty line) of `n` bytes. */
static int sip_message(struct app_stats *st, int id, const uint8_t *h, uint32_t n, int dir,
                       const struct app_sink *sink)
{
    uint64_t *ctr = app_stats_row(st, id);
    struct sip_meta m;
    struct txb t = { .n = 0 };
    uint32_t e = 0;

    ctr[C_MESSAGES]++;
    while (e < n && h[e] != '\r' && h[e] != '\n')
        e++;
    if (sip_start(h, e, &m) < 0) {
        ctr[C_PARSE_ERRORS]++;
        return -1;
    }
    if (m.request) {
        txb_add(&t, BUF_SIP_METHOD, m.method.p, m.method.n);
        txb_add(&t, BUF_SIP_URI, m.uri.p, m.uri.n);
        txb_add(&t, BUF_SIP_REQUEST_LINE, m.line.p, m.line.n);
    } else {
        txb_add(&t, BUF_SIP_STAT_CODE, m.code.p, m.code.n);
        txb_add(&t, BUF_SIP_STAT_MSG, m.reason.p, m.reason.n);
        txb_add(&t, BUF_SIP_RESPONSE_LINE, m.line.p, m.line.n);
    }
    txb_add(&t, BUF_SIP_PROTOCOL, m.version.p, m.version.n);
    app_buf_emit(sink, id, TX_MSG, dir, 1, &t, &m);
    return 0;
}

/* The end of the head (offset of the empty line's end) in b, or 0. */
static uint32_t head_end(const uint8_t *b, uint32_t n)
{
    for (uint32_t i = 0; i + 1 < n; i++) {
        if (b[i] != '\n')
            continue;
        if (b[i + 1] == '\n')
            return i + 2;
        if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* Content-Length (or "l") of a head; 0 when absent or not a number. */
static uint64_t content_length(const uint8_t *h, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i && h[i - 1] != '\n')
            continue;
        uint32_t k = i;
        if (n - i >= 15 && app_buf_caseeq(h + i, 15, "content-length:"))
            k = i + 15;
        else if (n - i >= 2 && (h[i] == 'l' || h[i] == 'L') && (h[i + 1] == ':'))
            k = i + 2;
        else
            continue;
        while (k < n && (h[k] == ' ' || h[k] == '\t'))
            k++;
        uint64_t v = 0;
        while (k < n && h[k] >= '0' && h[k] <= '9' && v < (1ULL << 40))
            v = v * 10 + (h[k++] - '0');
        return v;
    }
    return 0;
}

static void sip_datagram(const uint8_t *msg, size_t len, int dir, const struct app_limits *lim,
                         struct app_stats *st, int id, const struct app_sink *sink)
{
    (void)lim;
    if (len > SIP_HEAD_MAX * 4) {
        app_stats_row(st, id)[C_PARSE_ERRORS]++;
        return;
    }
    uint32_t e = head_end(msg, (uint32_t)len);
    (void)sip_message(st, id, msg, e ? e : (uint32_t)len, dir, sink);
}

static void *sip_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct sip_state *s = app_buf_alloc(st, sizeof(*s));
    (void)lim;
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    return s;
}

static void sip_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sk)
{
    struct sip_state *s = state;
    struct sip_side *sd = &s->side[dir];

    while (n && !sd->dead) {
        if (sd->skip) {
            size_t k = n < sd->skip ? n : (size_t)sd->skip;
            sd->skip -= k;
            p += k;
            n -= k;
            continue;
        }
        /* append what may still belong to the head: at most the cap */
        uint32_t old = sd->head.len;
        size_t room = SIP_HEAD_MAX - old, k = n < room ? n : room;
        (void)app_buf_append(s->st, &sd->head, p, k, SIP_HEAD_MAX);
        uint32_t from = old > 3 ? old - 3 : 0;
        uint32_t e = head_end(sd->head.d + from, sd->head.len - from);
        if (!e) {
            if (sd->head.len >= SIP_HEAD_MAX) {
                s->ctr[C_PARSE_ERRORS]++;
                sd->dead = 1;
            }
            return;                     /* all of p was appended (k == n) or it is dead */
        }
        e += from;
        uint32_t used = e - old;        /* bytes of p that ended the head */
        if (sip_message(s->st, s->id, sd->head.d, e, dir, sk) < 0) {
            sd->dead = 1;
            return;
        }
        sd->skip = content_length(sd->head.d, e);
        sd->head.len = 0;
        p += used;
        n -= used;
    }
}

static void sip_gap(void *state, int dir, size_t n, const struct app_sink *sk)
{
    struct sip_state *s = state;
    (void)sk;
    struct sip_side *sd = &s->side[dir];
    if (sd->head.len == 0 && sd->skip >= n) {   /* inside a body: nothing lost */
        sd->skip -= n;
        return;
    }
    if (!sd->dead) {
        s->ctr[C_PARSE_ERRORS]++;
        sd->dead = 1;
    }
}

static void sip_end(void *state, const struct app_sink *sk)
{
    (void)state;
    (void)sk;
}

static void sip_destroy(void *state)
{
    struct sip_state *s = state;
    if (!s)
        return;
    for (int d = 0; d < 2; d++)
        app_buf_free(s->st, &s->side[d].head);
    app_buf_release(s->st, s, sizeof(*s));
}

static void kv(struct jw *w, const char *k, struct sv v)
{
    jw_key(w, k);
    jw_strn(w, v.p ? (const char *)v.p : "", v.n);
}

static void sip_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct sip_meta *m = tx->meta;
    jw_kobj(w, "sip");
    if (m->request) {
        kv(w, "method", m->method);
        kv(w, "uri", m->uri);
        kv(w, "version", m->version);
        kv(w, "request_line", m->line);
    } else {
        kv(w, "version", m->version);
        kv(w, "code", m->code);
        kv(w, "reason", m->reason);
        kv(w, "response_line", m->line);
    }
    jw_obj_end(w);
}

static const struct app_keyword sip_keywords[] = {
    APP_STICKY("sip.method", BUF_SIP_METHOD),
    APP_STICKY("sip.uri", BUF_SIP_URI),
    APP_STICKY("sip.request_line", BUF_SIP_REQUEST_LINE),
    APP_STICKY("sip.stat_code", BUF_SIP_STAT_CODE),
    APP_STICKY("sip.stat_msg", BUF_SIP_STAT_MSG),
    APP_STICKY("sip.response_line", BUF_SIP_RESPONSE_LINE),
    APP_STICKY("sip.protocol", BUF_SIP_PROTOCOL),
    APP_KEYWORDS_END,
};

const struct app_parser app_sip_parser = {
    .name = "sip", .rule_proto = "sip", .event_type = "sip", .event_id = 21,
    .transports = APP_TCP | APP_UDP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_SIP, 0 },
    .counters = (const char *const[]){ "messages", "parse_errors", NULL },
    .keywords = sip_keywords,
    .create = sip_create, .feed = sip_feed, .gap = sip_gap, .end = sip_end,
    .destroy = sip_destroy,
    .datagram = sip_datagram,
    .event_body = sip_event_body,
};
