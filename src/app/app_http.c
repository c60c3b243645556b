/* app_http.c - HTTP/1.x over a reassembled TCP stream: the per-direction
 * state machine, the transactions and their pairing.
 *
 * Each direction runs START (skip blank lines) -> HEADERS (collect the
 * block up to the empty line, at most http_header_max bytes) -> BODY
 * (app_http_body.c) -> START. The start line is checked as soon as its
 * first bytes are there (a method token then a space; "HTTP/" for
 * responses): bytes that are not HTTP (nDPI was wrong, or another
 * protocol was tunneled) count one parse error and stop the whole flow, so
 * nothing is buffered for them. A header block over the cap does the same.
 * Once a header block has parsed, though, the flow is HTTP: a bad start
 * then means a lost sync (a capture that begins mid-response, a body of
 * unknown length), so it counts a parse error and that direction resyncs
 * as after a gap. While the start is undecided at most 32 bytes are
 * collected, so the decision never depends on segmentation.
 *
 * Transactions: requests are parsed one after the other (pipelining); each
 * complete request header block takes a slot in a ring of http_max_tx
 * pending requests (the strings the http event needs, at most
 * HTTP_SLOT_MAX bytes). TX_HTTP_REQUEST (event=0) is reported when the
 * request's body is complete, or earlier when the body store reaches
 * http_body_max. Each response pops the oldest slot and reports
 * TX_HTTP_RESPONSE (event=1; meta has both sides) once its body is
 * complete; 1xx responses are skipped; 101 and a 2xx answer to CONNECT end
 * parsing (the connection is no longer HTTP). When the ring is full the
 * oldest request is reported without a response (event=1,
 * have_response=0) to make room, and so are requests still pending at the
 * end of the flow. A response with no request pending is reported with an
 * empty request side.
 *
 * Gaps: inside a body of known length the hole is skipped (the body is
 * marked truncated); otherwise the message is reported as it is and the
 * direction resynchronizes at the next line that starts like a request
 * (a known method and a space) or a response ("HTTP/"), giving up after
 * 64 KiB without one.
 *
 * Ownership: http_state belongs to one app_flow. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stddef.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_http_internal.h"

#define HTTP_RESYNC_MAX (64 * 1024)


static void http_feed_state(struct http_state *h, int dir, const uint8_t *p, size_t n,
                            const struct app_sink *s);

static void *http_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct http_state *h = app_buf_alloc(st, sizeof(*h));
    h->st = st;
    h->ctr = app_stats_row(st, id);
    h->id = id;
    h->lim = lim;
    h->qcap = MIN(lim->http_max_tx, HTTP_Q_START);
    h->q = app_buf_alloc(st, sizeof(struct hslot) * h->qcap);
    return h;
}

static void http_destroy(void *state)
{
    struct http_state *h = state;
    if (!h)
        return;
    app_http_file_free(h);
    for (int i = 0; i < 2; i++) {
        app_buf_free(h->st, &h->d[i].hdr);
        app_buf_free(h->st, &h->d[i].m.arena);
        app_buf_release(h->st, h->d[i].m.f, h->d[i].m.fcap * sizeof(struct hfield));
        app_http_body_free(h, i);
    }
    for (uint32_t i = 0; i < h->qcap; i++)
        app_buf_free(h->st, &h->q[i].s);
    app_buf_release(h->st, h->q, sizeof(struct hslot) * h->qcap);
    app_buf_release(h->st, h, sizeof(*h));
}

static void kill_flow(struct http_state *h)
{
    if (h->d[0].state != HS_DEAD || h->d[1].state != HS_DEAD)
        h->ctr[HTTP_C_PARSE_ERRORS]++;
    h->d[0].state = h->d[1].state = HS_DEAD;
}

/* pending requests */
static struct hslot *q_head(struct http_state *h)
{
    return h->qlen ? &h->q[h->qhead] : NULL;
}

static uint32_t slot_put(struct http_state *h, struct hslot *s, const char *str, size_t n)
{
    if (!str)
        return 0;
    if (s->s.len + 1 >= HTTP_SLOT_MAX)
        return 0;
    n = MIN(n, HTTP_SLOT_MAX - 1 - s->s.len);
    uint32_t off = s->s.len;
    if (app_buf_append(h->st, &s->s, str, n, HTTP_SLOT_MAX) < 0 ||
        app_buf_append(h->st, &s->s, "", 1, HTTP_SLOT_MAX) < 0)
        return 0;
    return off + 1;
}

static const char *slot_str(const struct hslot *s, uint32_t o)
{
    return o ? (const char *)s->s.d + o - 1 : NULL;
}

static void slot_meta(const struct hslot *s, struct app_http_meta *m)
{
    memset(m, 0, sizeof(*m));
    if (!s)
        return;
    m->method = slot_str(s, s->method);
    m->uri = slot_str(s, s->uri);
    m->host = slot_str(s, s->host);
    m->protocol = slot_str(s, s->protocol);
    m->user_agent = slot_str(s, s->ua);
    m->referer = slot_str(s, s->referer);
    m->request_body_len = s->req_body_len;
    m->tx_id = s->tx_id;
}

static void q_pop(struct http_state *h)
{
    if (!h->qlen)
        return;
    h->qhead = (h->qhead + 1) % h->qcap;
    h->qlen--;
}

/* The oldest request, reported without a response and dropped. */
static void q_report_oldest(struct http_state *h, const struct app_sink *sink)
{
    struct app_http_meta m;
    struct hslot *s = q_head(h);
    if (!s)
        return;
    slot_meta(s, &m);
    app_http_file_slot_done(h, s, &m);
    app_buf_emit(sink, h->id, TX_HTTP_REQUEST, APP_DIR_TOSERVER, 1, NULL, &m);
    q_pop(h);
}

static struct hslot *q_find(struct http_state *h, uint32_t tx_id)
{
    for (uint32_t i = 0; i < h->qlen; i++) {
        struct hslot *s = &h->q[(h->qhead + i) % h->qcap];
        if (s->tx_id == tx_id)
            return s;
    }
    return NULL;
}


static void push_request(struct http_state *h, const struct app_sink *sink)
{
    const struct hmsg *m = &h->d[0].m;
    uint32_t l;
    const char *v;

    if (h->qlen == h->qcap && h->qcap < h->lim->http_max_tx) {
        /* a bigger ring, in order from its head (no slot pointer is held here) */
        uint32_t nc = MIN(h->qcap * 2, h->lim->http_max_tx);
        struct hslot *nq = app_buf_alloc(h->st, sizeof(struct hslot) * nc);
        for (uint32_t i = 0; i < h->qcap; i++)
            nq[i] = h->q[(h->qhead + i) % h->qcap];
        app_buf_release(h->st, h->q, sizeof(struct hslot) * h->qcap);
        h->q = nq;
        h->qhead = 0;
        h->qcap = nc;
    }
    if (h->qlen == h->qcap)
        q_report_oldest(h, sink);
    struct hslot *s = &h->q[(h->qhead + h->qlen) % h->qcap];
    h->qlen++;
    s->s.len = 0;
    s->method = s->uri = s->host = s->protocol = s->ua = s->referer = s->ctype = 0;
    s->tx_id = h->next_tx++;
    h->d[0].cur_tx = s->tx_id;
    s->req_body_len = 0;
    s->path = 0;
    s->nrf = 0;
    if (m->uri.set) {                   /* the normalized path: files' default name */
        const char *u = hstr_p(m, m->uri);
        const char *q = memchr(u, '?', m->uri.len);
        s->path = slot_put(h, s, u, q ? (size_t)(q - u) : m->uri.len);
    }
    s->method = slot_put(h, s, hstr_p(m, m->method), m->method.len);
    s->uri = slot_put(h, s, hstr_p(m, m->uri_raw), m->uri_raw.len);
    s->host = slot_put(h, s, hstr_p(m, m->host), m->host.len);
    s->protocol = slot_put(h, s, hstr_p(m, m->protocol), m->protocol.len);
    if ((v = app_http_msg_get(m, "user-agent", &l)))
        s->ua = slot_put(h, s, v, l);
    if ((v = app_http_msg_get(m, "referer", &l)))
        s->referer = slot_put(h, s, v, l);
    s->is_head = m->method.set && app_buf_caseeq(m->arena.d + m->method.off, m->method.len, "HEAD");
    s->is_connect = m->method.set &&
                    app_buf_caseeq(m->arena.d + m->method.off, m->method.len, "CONNECT");
    h->ctr[HTTP_C_TX]++;
}

static void emit_request(struct http_state *h, const struct app_sink *sink, uint32_t tx_id)
{
    struct hdir *d = &h->d[0];
    const struct hmsg *m = &d->m;
    struct txb t = { .n = 0 };
    struct app_http_meta meta;

    if (h->lim->rule_bufs)
        app_http_msg_bufs(m, APP_DIR_TOSERVER, &t);
    if (d->body.len) {
        txb_add(&t, BUF_HTTP_REQUEST_BODY, d->body.d, d->body.len);
        txb_add(&t, BUF_FILE_DATA, d->body.d, d->body.len);
    }
    memset(&meta, 0, sizeof(meta));
    meta.method = hstr_p(m, m->method);
    meta.uri = hstr_p(m, m->uri_raw);
    meta.host = hstr_p(m, m->host);
    meta.protocol = hstr_p(m, m->protocol);
    meta.user_agent = app_http_msg_get(m, "user-agent", NULL);
    meta.referer = app_http_msg_get(m, "referer", NULL);
    meta.content_type = app_http_msg_get(m, "content-type", NULL);
    meta.request_body_len = d->body_len;
    meta.tx_id = tx_id;
    struct hslot *s = q_find(h, tx_id);
    if (s)
        s->req_body_len = d->body_len;
    d->emitted = 1;
    app_buf_emit(sink, h->id, TX_HTTP_REQUEST, APP_DIR_TOSERVER, 0, &t, &meta);
}

static void emit_response(struct http_state *h, const struct app_sink *sink)
{
    struct hdir *d = &h->d[1];
    const struct hmsg *m = &d->m;
    struct txb t = { .n = 0 };
    struct app_http_meta meta;
    struct hslot *s = q_head(h);

    if (h->lim->rule_bufs)
        app_http_msg_bufs(m, APP_DIR_TOCLIENT, &t);
    if (d->body.len) {
        txb_add(&t, BUF_HTTP_RESPONSE_BODY, d->body.d, d->body.len);
        txb_add(&t, BUF_FILE_DATA, d->body.d, d->body.len);
    }
    slot_meta(s, &meta);
    /* The request's own buffers too: rules on the response may look at both. */
    static const struct { uint16_t id; size_t off; } req[] = {
        { BUF_HTTP_URI, offsetof(struct app_http_meta, uri) },
        { BUF_HTTP_METHOD, offsetof(struct app_http_meta, method) },
        { BUF_HTTP_HOST, offsetof(struct app_http_meta, host) },
        { BUF_HTTP_USER_AGENT, offsetof(struct app_http_meta, user_agent) },
        { BUF_HTTP_REFERER, offsetof(struct app_http_meta, referer) },
    };
    for (size_t i = 0; s && h->lim->rule_bufs && i < sizeof(req) / sizeof(req[0]); i++) {
        const char *v = *(const char *const *)((const char *)&meta + req[i].off);
        if (v)
            txb_add(&t, req[i].id, (const uint8_t *)v, (uint32_t)strlen(v));
    }
    if (!s) {
        meta.tx_id = h->next_tx++;
        h->ctr[HTTP_C_TX]++;
    }
    meta.status = m->status;
    meta.location = app_http_msg_get(m, "location", NULL);
    meta.server = app_http_msg_get(m, "server", NULL);
    meta.content_type = app_http_msg_get(m, "content-type", NULL);
    meta.response_body_len = d->body_len;
    meta.have_response = 1;
    if (!meta.protocol)
        meta.protocol = hstr_p(m, m->protocol);
    app_http_file_slot_done(h, s, &meta);  /* the request's files, then the response's */
    app_http_file_end(h, APP_DIR_TOCLIENT, &meta);
    app_buf_emit(sink, h->id, TX_HTTP_RESPONSE, APP_DIR_TOCLIENT, 1, &t, &meta);
    q_pop(h);
}

static void message_done(struct http_state *h, int dir, const struct app_sink *sink)
{
    struct hdir *d = &h->d[dir];

    if (dir == APP_DIR_TOSERVER) {
        struct hslot *sl = q_find(h, d->cur_tx);
        app_http_file_end(h, APP_DIR_TOSERVER, NULL);  /* its files wait in the slot */
        if (!d->emitted)
            emit_request(h, sink, d->cur_tx);
        else if (sl)
            sl->req_body_len = d->body_len;
    } else {
        emit_response(h, sink);
    }
    app_http_body_reset(h, dir);
    d->emitted = 0;
    d->hdr.len = 0;
    /* An idle flow keeps little: a message's big buffers go back once it is
     * reported (a 7 KiB header block parses into an arena of 40+ KiB, and
     * 3,000 such flows open at once held 190 MiB). Small ones stay for the
     * next message, so a keep-alive flow does not allocate per request. */
    if (d->hdr.cap > HTTP_KEEP_IDLE)
        app_buf_free(h->st, &d->hdr);
    if (d->body.cap > HTTP_KEEP_IDLE)
        app_buf_free(h->st, &d->body);
    if (d->m.arena.cap > HTTP_KEEP_IDLE) {
        app_buf_free(h->st, &d->m.arena);
        d->m = (struct hmsg){ .is_request = d->m.is_request,      /* nothing points into it */
                              .f = d->m.f, .fcap = d->m.fcap };
    }
    if (d->state != HS_DEAD)
        d->state = HS_START;
}

static void headers_done(struct http_state *h, int dir, const struct app_sink *sink)
{
    struct hdir *d = &h->d[dir];

    if (app_http_msg_parse(h, dir) < 0) {
        kill_flow(h);
        return;
    }
    h->seen_msg = 1;
    d->emitted = 0;
    if (dir == APP_DIR_TOSERVER) {
        push_request(h, sink);
        if (app_http_body_begin(h, dir, NULL))
            d->state = HS_BODY;
        else
            message_done(h, dir, sink);
        return;
    }
    int st = d->m.status;
    struct hslot *s = q_head(h);
    if (st == 101 || (s && s->is_connect && st / 100 == 2)) {
        app_http_body_reset(h, dir);
        emit_response(h, sink);
        h->tunnel = 1;
        h->d[0].state = h->d[1].state = HS_DEAD;     /* not HTTP any more: no error */
        return;
    }
    if (st / 100 == 1) {
        d->state = HS_START;                        /* interim response */
        d->hdr.len = 0;
        return;
    }
    if (app_http_body_begin(h, dir, s))
        d->state = HS_BODY;
    else
        message_done(h, dir, sink);
}

/* Resync: 1 match, 0 undecided, -1 no. */
static int probe_match(const uint8_t *p, size_t n, int dir)
{
    static const char *const methods[] = {
        "GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "TRACE ", "PATCH ",
    };
    if (dir == APP_DIR_TOCLIENT)
        return app_http_msg_start_check(p, n, dir);
    int undecided = 0;
    for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
        size_t ml = strlen(methods[i]);
        if (n >= ml && memcmp(p, methods[i], ml) == 0)
            return 1;
        if (n < ml && memcmp(p, methods[i], n) == 0)
            undecided = 1;
    }
    return undecided ? 0 : -1;
}

static size_t resync(struct http_state *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *d = &h->d[dir];

    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (++d->resync_seen > HTTP_RESYNC_MAX) {
            d->state = HS_DEAD;
            h->ctr[HTTP_C_PARSE_ERRORS]++;
            return n;
        }
        if (!d->at_line_start) {
            if (c == '\n') {
                d->at_line_start = 1;
                d->probe_len = 0;
            }
            continue;
        }
        if (d->probe_len == 0 && (c == '\r' || c == '\n'))
            continue;
        d->probe[d->probe_len++] = c;
        int r = probe_match(d->probe, d->probe_len, dir);
        if (r > 0) {
            d->hdr.len = 0;
            if (app_buf_append(h->st, &d->hdr, d->probe, d->probe_len, h->lim->http_header_max) < 0) {
                d->state = HS_DEAD;
                return n;
            }
            d->state = HS_HEADERS;
            d->start_ok = 1;
            d->line_empty = 0;
            return i + 1;
        }
        if (r < 0 || d->probe_len >= sizeof(d->probe)) {
            d->at_line_start = c == '\n';
            d->probe_len = 0;
        }
    }
    return n;
}

static void start_resync(struct hdir *d)
{
    d->hdr.len = 0;
    d->state = HS_RESYNC;
    d->at_line_start = 0;
    d->probe_len = 0;
    d->resync_seen = 0;
}

/* A message start that is not HTTP in a flow that was: count it and look
 * for the next start line, from the byte after the bad start (at most 32
 * bytes were collected, see HS_HEADERS). */
static void bad_start(struct http_state *h, int dir, const struct app_sink *s)
{
    struct hdir *d = &h->d[dir];
    uint8_t tmp[32];
    size_t n = MIN((size_t)d->hdr.len, sizeof(tmp));

    memcpy(tmp, d->hdr.d, n);
    h->ctr[HTTP_C_PARSE_ERRORS]++;
    start_resync(d);
    http_feed_state(h, dir, tmp, n, s);
}

static void http_feed_state(struct http_state *h, int dir, const uint8_t *p, size_t n,
                            const struct app_sink *s)
{
    struct hdir *d = &h->d[dir];

    while (n) {
        switch (d->state) {
        case HS_DEAD:
            return;
        case HS_START:
            if (*p == '\r' || *p == '\n') {
                p++;
                n--;
                continue;
            }
            d->state = HS_HEADERS;
            d->hdr.len = 0;
            d->line_empty = 0;
            d->start_ok = 0;
            continue;
        case HS_HEADERS: {
            size_t i = 0, lim = n;
            int found = 0;
            if (!d->start_ok && d->hdr.len < 32)
                lim = MIN(n, (size_t)(32 - d->hdr.len));   /* decide on the start first */
            while (i < lim) {           /* line by line: memchr finds each end */
                const uint8_t *nl = memchr(p + i, '\n', lim - i);
                size_t e = nl ? (size_t)(nl - p) : lim;
                for (size_t k = i; k < e; k++)      /* anything but CR makes the line non-empty */
                    if (p[k] != '\r') {
                        d->line_empty = 0;
                        break;
                    }
                i = e;
                if (!nl)
                    break;
                i++;                                /* past the LF */
                if (d->line_empty) {
                    found = 1;
                    break;
                }
                d->line_empty = 1;
            }
            if (app_buf_append(h->st, &d->hdr, p, i, h->lim->http_header_max) < 0) {
                kill_flow(h);
                return;
            }
            p += i;
            n -= i;
            if (!d->start_ok) {
                int r = app_http_msg_start_check(d->hdr.d, d->hdr.len, dir);
                if (r < 0 || (r == 0 && found)) {
                    if (!h->seen_msg) {
                        kill_flow(h);           /* never was HTTP */
                        return;
                    }
                    bad_start(h, dir, s);       /* was HTTP: lost sync */
                    continue;
                }
                d->start_ok = r > 0;
            }
            if (found)
                headers_done(h, dir, s);
            continue;
        }
        case HS_BODY: {
            int done = 0;
            long k = app_http_body_feed(h, dir, p, n, &done);
            if (k < 0) {
                d->ferr = 1;                    /* the file ends in ERROR */
                message_done(h, dir, s);        /* report what there is, then stop */
                kill_flow(h);
                return;
            }
            p += k;
            n -= (size_t)k;
            if (done) {
                message_done(h, dir, s);
            } else if (dir == APP_DIR_TOSERVER && !d->emitted &&
                       d->body.len >= h->lim->http_body_max) {
                emit_request(h, s, d->cur_tx);          /* the body store is full */
            }
            continue;
        }
        case HS_RESYNC: {
            size_t k = resync(h, dir, p, n);
            p += k;
            n -= k;
            continue;
        }
        }
    }
}

static void http_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *s)
{
    struct http_state *h = state;
    h->sink = s;
    http_feed_state(h, dir, p, n, s);
}

static void http_gap(void *state, int dir, size_t n, const struct app_sink *s)
{
    struct http_state *h = state;
    struct hdir *d = &h->d[dir];

    h->sink = s;
    if (d->state == HS_DEAD || d->state == HS_RESYNC)
        return;
    if (d->state == HS_BODY) {
        app_http_file_gap(h, dir, n);
        int skippable = (d->bm == BM_CL && n <= d->left) ||
                        (d->bm == BM_CHUNKED && d->cs == CS_DATA && n <= d->left) ||
                        d->bm == BM_CLOSE;
        if (!d->truncated) {
            d->truncated = 1;
            h->ctr[HTTP_C_TRUNCATED_BODIES]++;
        }
        if (d->enc != ENC_NONE)
            d->z_state = 2;                     /* the deflate stream is broken */
        d->body_len += n;
        if (skippable) {
            if (d->bm != BM_CLOSE) {
                d->left -= n;
                if (!d->left) {
                    if (d->bm == BM_CL)
                        message_done(h, dir, s);
                    else
                        d->cs = CS_DATA_CRLF;
                }
            }
            return;
        }
        message_done(h, dir, s);            /* report what there is */
    }
    start_resync(d);
}

static void http_end(void *state, const struct app_sink *s)
{
    struct http_state *h = state;
    h->sink = s;
    for (int dir = 0; dir < 2; dir++) {
        struct hdir *d = &h->d[dir];
        if (d->state == HS_BODY) {
            if (d->bm != BM_CLOSE && !d->truncated) {
                d->truncated = 1;
                h->ctr[HTTP_C_TRUNCATED_BODIES]++;
            }
            message_done(h, dir, s);
        }
    }
    while (h->qlen)
        q_report_oldest(h, s);
}

/* http{hostname, url, http_user_agent, http_content_type, http_refer,
 *      http_method, protocol, status, redirect, length, server}: url is the
 * request URI as sent; length the response body bytes as sent, dechunked,
 * not decompressed, as Suricata's; http_content_type the response's;
 * server is ours. */
static void http_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct app_http_meta *m = tx->meta;
    jw_kobj(w, "http");
    app_buf_kstr(w, "hostname", m->host);
    app_buf_kstr(w, "url", m->uri);
    app_buf_kstr(w, "http_user_agent", m->user_agent);
    if (m->have_response)
        app_buf_kstr(w, "http_content_type", m->content_type);
    app_buf_kstr(w, "http_refer", m->referer);
    app_buf_kstr(w, "http_method", m->method);
    app_buf_kstr(w, "protocol", m->protocol);
    if (m->have_response) {
        jw_ku64(w, "status", (uint64_t)m->status);
        app_buf_kstr(w, "redirect", m->location);
        app_buf_kstr(w, "server", m->server);
        jw_ku64(w, "length", m->response_body_len);
    }
    jw_obj_end(w);
}

/* Its rule keywords, as Suricata spells them: sticky buffers, and the
 * legacy content modifiers. */
static const struct app_keyword http_keywords[] = {
    APP_STICKY("http.uri", BUF_HTTP_URI),
    APP_MODIFIER("http_uri", BUF_HTTP_URI),
    APP_STICKY("http.uri.raw", BUF_HTTP_URI_RAW),
    APP_MODIFIER("http_raw_uri", BUF_HTTP_URI_RAW),
    APP_STICKY("http.method", BUF_HTTP_METHOD),
    APP_MODIFIER("http_method", BUF_HTTP_METHOD),
    APP_STICKY("http.protocol", BUF_HTTP_PROTOCOL),
    APP_STICKY("http_protocol", BUF_HTTP_PROTOCOL),
    APP_STICKY("http.request_line", BUF_HTTP_REQUEST_LINE),
    APP_STICKY("http_request_line", BUF_HTTP_REQUEST_LINE),
    APP_STICKY("http.host", BUF_HTTP_HOST),
    APP_MODIFIER("http_host", BUF_HTTP_HOST),
    APP_STICKY("http.host.raw", BUF_HTTP_HOST_RAW),
    APP_MODIFIER("http_raw_host", BUF_HTTP_HOST_RAW),
    APP_STICKY("http.user_agent", BUF_HTTP_USER_AGENT),
    APP_MODIFIER("http_user_agent", BUF_HTTP_USER_AGENT),
    APP_STICKY("http.cookie", BUF_HTTP_COOKIE),
    APP_MODIFIER("http_cookie", BUF_HTTP_COOKIE),
    APP_STICKY("http.referer", BUF_HTTP_REFERER),
    APP_STICKY("http_referer", BUF_HTTP_REFERER),
    APP_STICKY("http.accept", BUF_HTTP_ACCEPT),
    APP_STICKY("http_accept", BUF_HTTP_ACCEPT),
    APP_STICKY("http.accept_enc", BUF_HTTP_ACCEPT_ENC),
    APP_STICKY("http_accept_enc", BUF_HTTP_ACCEPT_ENC),
    APP_STICKY("http.accept_lang", BUF_HTTP_ACCEPT_LANG),
    APP_STICKY("http_accept_lang", BUF_HTTP_ACCEPT_LANG),
    APP_STICKY("http.connection", BUF_HTTP_CONNECTION),
    APP_STICKY("http_connection", BUF_HTTP_CONNECTION),
    APP_STICKY("http.content_type", BUF_HTTP_CONTENT_TYPE),
    APP_STICKY("http_content_type", BUF_HTTP_CONTENT_TYPE),
    APP_STICKY("http.content_len", BUF_HTTP_CONTENT_LEN),
    APP_STICKY("http_content_len", BUF_HTTP_CONTENT_LEN),
    APP_STICKY("http.header", BUF_HTTP_HEADER),
    APP_MODIFIER("http_header", BUF_HTTP_HEADER),
    APP_STICKY("http.header.raw", BUF_HTTP_HEADER_RAW),
    APP_MODIFIER("http_raw_header", BUF_HTTP_HEADER_RAW),
    APP_STICKY("http.header_names", BUF_HTTP_HEADER_NAMES),
    APP_STICKY("http_header_names", BUF_HTTP_HEADER_NAMES),
    APP_STICKY("http.start", BUF_HTTP_START),
    APP_STICKY("http_start", BUF_HTTP_START),
    APP_STICKY("http.request_body", BUF_HTTP_REQUEST_BODY),
    APP_MODIFIER("http_client_body", BUF_HTTP_REQUEST_BODY),
    APP_STICKY("http.response_line", BUF_HTTP_RESPONSE_LINE),
    APP_STICKY("http_response_line", BUF_HTTP_RESPONSE_LINE),
    APP_STICKY("http.stat_code", BUF_HTTP_STAT_CODE),
    APP_MODIFIER("http_stat_code", BUF_HTTP_STAT_CODE),
    APP_STICKY("http.stat_msg", BUF_HTTP_STAT_MSG),
    APP_MODIFIER("http_stat_msg", BUF_HTTP_STAT_MSG),
    APP_STICKY("http.server", BUF_HTTP_SERVER),
    APP_STICKY("http_server", BUF_HTTP_SERVER),
    APP_STICKY("http.location", BUF_HTTP_LOCATION),
    APP_STICKY("http_location", BUF_HTTP_LOCATION),
    APP_STICKY("http.response_body", BUF_HTTP_RESPONSE_BODY),
    APP_MODIFIER("http_server_body", BUF_HTTP_RESPONSE_BODY),
    APP_KEYWORDS_END,
};

const struct app_parser app_http_parser = {
    .name = "http", .rule_proto = "http", .event_type = "http", .event_id = 6,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_HTTP, NDPI_PROTOCOL_HTTP_PROXY, NDPI_PROTOCOL_HTTP_CONNECT, 0 },
    .counters = (const char *const[]){ "tx", "parse_errors", "truncated_bodies", "gzip_errors", NULL },
    .keywords = http_keywords,
    .create = http_create, .feed = http_feed, .gap = http_gap, .end = http_end, .destroy = http_destroy,
    .event_body = http_event_body,
};
