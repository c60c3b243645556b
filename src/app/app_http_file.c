/* app_http_file.c - HTTP/1.x message bodies as files (app_file.h), the way
 * Suricata 7 (libhtp) finds them, checked on generated captures:
 *   - every response body with at least one byte is a file, named by the
 *     response's Content-Disposition filename, else by the request's URI
 *     path (normalized, without the query: "/dl/report.pdf");
 *   - a PUT or POST request body is a file named by the URI path, except
 *   - a POST with Content-Type multipart/form-data: each part whose
 *     Content-Disposition has a filename is a file of that name (parts
 *     without one, form fields, are not files);
 *   - the bytes are the body after dechunking and decompression;
 *   - a hole inside a body is a gap in the file (it ends TRUNCATED, see
 *     app_file.c); the end of the flow ends the file as it is (CLOSED, as
 *     Suricata reports a body a reset cut short); a broken chunked
 *     framing ends it in ERROR.
 * Request files are complete before their response comes, but Suricata
 * writes their fileinfo with the whole transaction (status, response
 * content type): they wait in the request's slot (at most HTTP_REQ_FILES,
 * the rest close at once) and close when the response is reported.
 *
 * Multipart: the delimiter is CRLF "--" boundary (the body is read as if it
 * began with a CRLF, so a first boundary on the first line is found); a
 * part's headers are collected up to the empty line (at most MP_HDR_MAX
 * bytes, else the body is no longer parsed); part data is handed to its
 * file up to the next delimiter, holding back the delimiter's length less
 * one so that a delimiter split across segments is still found. The
 * parser's buffer never holds more than MP_HDR_MAX + MP_SLICE bytes.
 *
 * Ownership: the open files belong to the hdir / hslot they are in (one
 * http_state, one worker). */
#include <string.h>

#include "taishi/core/util.h"
#include "app_file.h"
#include "app_http_internal.h"

#define MP_HDR_MAX  8192
#define MP_SLICE    4096
#define MP_BND_MAX  70          /* RFC 2046: boundaries are 1-70 characters */

enum { MP_DELIM, MP_AFTER, MP_HDR, MP_DATA, MP_END };

struct http_mp {
    char delim[MP_BND_MAX + 4];     /* CRLF "--" boundary */
    uint32_t dlen;
    uint8_t st;
    struct abuf buf;
    struct app_file *f;             /* the part being read, when it is a file */
};

/* Content-Disposition's filename= value (quoted or not), or NULL. */
static const char *cd_filename(const char *v, uint32_t vl, uint32_t *outlen)
{
    static const char key[] = "filename=";
    const size_t kl = sizeof(key) - 1;

    for (uint32_t i = 0; v && i + kl <= vl; i++) {
        if (!app_buf_caseeq((const uint8_t *)v + i, kl, key))
            continue;
        if (i > 0 && v[i - 1] != ' ' && v[i - 1] != ';' && v[i - 1] != '\t')
            continue;                       /* "xfilename=" */
        uint32_t s = i + (uint32_t)kl, e;
        if (s < vl && v[s] == '"') {
            s++;
            for (e = s; e < vl && v[e] != '"'; e++)
                ;
        } else {
            for (e = s; e < vl && v[e] != ';'; e++)
                ;
            while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
                e--;
        }
        *outlen = e - s;
        return v + s;
    }
    return NULL;
}

static struct hslot *slot_of(struct http_state *h, uint32_t tx_id)
{
    for (uint32_t i = 0; i < h->qlen; i++) {
        struct hslot *s = &h->q[(h->qhead + i) % h->qcap];
        if (s->tx_id == tx_id)
            return s;
    }
    return NULL;
}

static const char *slot_path(const struct hslot *s)
{
    return s && s->path ? (const char *)s->s.d + s->path - 1 : NULL;
}

/* The response's slot (the oldest pending request), or NULL. */
static struct hslot *resp_slot(struct http_state *h)
{
    return h->qlen ? &h->q[h->qhead] : NULL;
}

static void mp_free(struct http_state *h, struct hdir *d)
{
    if (!d->mp)
        return;
    if (d->mp->f)
        app_file_close(d->mp->f, APP_FILE_TRUNCATED, NULL, NULL);   /* no event */
    app_buf_free(h->st, &d->mp->buf);
    app_buf_release(h->st, d->mp, sizeof(*d->mp));
    d->mp = NULL;
}

void app_http_file_begin(struct http_state *h, int dir)
{
    struct hdir *d = &h->d[dir];
    const struct hmsg *m = &d->m;

    d->fmode = FM_NONE;
    d->ferr = 0;
    if (!app_file_tracking(h->st) || h->tunnel)
        return;
    if (dir == APP_DIR_TOCLIENT) {
        d->fmode = FM_SINGLE;
        return;
    }
    if (!m->method.set)
        return;
    const uint8_t *meth = m->arena.d + m->method.off;
    if (app_buf_caseeq(meth, m->method.len, "PUT")) {
        d->fmode = FM_SINGLE;
        return;
    }
    if (!app_buf_caseeq(meth, m->method.len, "POST"))
        return;
    uint32_t cl = 0;
    const char *ct = app_http_msg_get(m, "content-type", &cl);
    static const char mpfd[] = "multipart/form-data";
    if (!ct || cl < sizeof(mpfd) - 1 || !app_buf_caseeq((const uint8_t *)ct, sizeof(mpfd) - 1, mpfd)) {
        d->fmode = FM_SINGLE;               /* a plain POST body is a file too */
        return;
    }
    /* boundary=value (quoted or not) */
    const char *b = NULL;
    uint32_t bl = 0;
    for (uint32_t i = 0; i + 9 <= cl; i++)
        if (app_buf_caseeq((const uint8_t *)ct + i, 9, "boundary=")) {
            uint32_t s = i + 9, e;
            if (s < cl && ct[s] == '"') {
                s++;
                for (e = s; e < cl && ct[e] != '"'; e++)
                    ;
            } else {
                for (e = s; e < cl && ct[e] != ';' && ct[e] != ' ' && ct[e] != '\t'; e++)
                    ;
            }
            b = ct + s;
            bl = e - s;
            break;
        }
    if (!b || bl == 0 || bl > MP_BND_MAX)
        return;
    struct http_mp *mp = app_buf_alloc(h->st, sizeof(*mp));
    memcpy(mp->delim, "\r\n--", 4);
    memcpy(mp->delim + 4, b, bl);
    mp->dlen = bl + 4;
    mp->st = MP_DELIM;
    /* the body is read as if it began with CRLF */
    app_buf_append(h->st, &mp->buf, "\r\n", 2, MP_HDR_MAX + MP_SLICE + MP_BND_MAX + 8);
    mp_free(h, d);
    d->mp = mp;
    d->fmode = FM_MULTIPART;
}

/* A request file is complete: it waits in its slot for the response. */
static void req_file_done(struct http_state *h, struct app_file *f, int state)
{
    struct hslot *s = slot_of(h, h->d[0].cur_tx);

    if (s && s->nrf < HTTP_REQ_FILES) {
        s->rf[s->nrf] = f;
        s->rf_state[s->nrf++] = (uint8_t)state;
        return;
    }
    struct app_http_meta m;
    memset(&m, 0, sizeof(m));
    m.tx_id = h->d[0].cur_tx;
    struct app_tx parent = { .proto = (uint8_t)h->id, .kind = TX_HTTP_REQUEST,
                             .dir = APP_DIR_TOSERVER, .event = 1, .meta = &m };
    app_file_close(f, (enum app_file_state)state, &parent, h->sink);
}

/* The headers of a part are in mp->buf[0, n): a file when it has a name. */
static void mp_part_headers(struct http_state *h, struct http_mp *mp, uint32_t n)
{
    const char *p = (const char *)mp->buf.d;
    uint32_t i = 0;

    while (i < n) {
        uint32_t e = i;
        while (e < n && p[e] != '\n')
            e++;
        uint32_t le = e > i && p[e - 1] == '\r' ? e - 1 : e;
        static const char cd[] = "content-disposition:";
        if (le - i >= sizeof(cd) - 1 &&
            app_buf_caseeq((const uint8_t *)p + i, sizeof(cd) - 1, cd)) {
            uint32_t fl = 0;
            const char *fn = cd_filename(p + i + sizeof(cd) - 1, le - i - (uint32_t)(sizeof(cd) - 1), &fl);
            if (fn) {
                mp->f = app_file_open(h->st, h->id, APP_DIR_TOSERVER, h->d[0].cur_tx,
                                      (const uint8_t *)fn, fl);
                app_file_set_window(mp->f, 0);     /* http.request_body is file.data */
            }
            return;
        }
        i = e + 1;
    }
}

static void mp_run(struct http_state *h, struct http_mp *mp, int end)
{
    for (;;) {
        uint8_t *b = mp->buf.d;
        uint32_t n = mp->buf.len;
        switch (mp->st) {
        case MP_END:
            mp->buf.len = 0;
            return;
        case MP_DELIM: {
            uint8_t *x = memmem(b, n, mp->delim, mp->dlen);
            if (!x) {
                if (n >= mp->dlen)
                    app_buf_consume(&mp->buf, n - (mp->dlen - 1));
                return;
            }
            app_buf_consume(&mp->buf, (size_t)(x - b) + mp->dlen);
            mp->st = MP_AFTER;
            continue;
        }
        case MP_AFTER: {                    /* "--" ends it; else the rest of the line */
            if (n >= 2 && b[0] == '-' && b[1] == '-') {
                mp->st = MP_END;
                continue;
            }
            uint8_t *nl = memchr(b, '\n', n);
            if (!nl) {
                if (n > MP_HDR_MAX)
                    mp->st = MP_END;
                else if (n >= 2)
                    app_buf_consume(&mp->buf, n - 1);   /* padding; keep a possible '\r' */
                return;
            }
            app_buf_consume(&mp->buf, (size_t)(nl - b) + 1);
            mp->st = MP_HDR;
            continue;
        }
        case MP_HDR: {
            uint32_t hl;
            if (n >= 2 && b[0] == '\r' && b[1] == '\n') {
                hl = 0;                     /* no headers at all */
            } else {
                uint8_t *x = memmem(b, n, "\r\n\r\n", 4);
                if (!x) {
                    if (n > MP_HDR_MAX)
                        mp->st = MP_END;    /* not a part header: stop parsing */
                    return;
                }
                hl = (uint32_t)(x - b) + 2;
            }
            mp_part_headers(h, mp, hl);
            app_buf_consume(&mp->buf, hl + 2);
            mp->st = MP_DATA;
            continue;
        }
        case MP_DATA: {
            uint8_t *x = memmem(b, n, mp->delim, mp->dlen);
            if (x) {
                if (mp->f) {
                    app_file_data(mp->f, b, (size_t)(x - b), h->sink);
                    req_file_done(h, mp->f, APP_FILE_CLOSED);
                    mp->f = NULL;
                }
                app_buf_consume(&mp->buf, (size_t)(x - b) + mp->dlen);
                mp->st = MP_AFTER;
                continue;
            }
            uint32_t keep = end ? 0 : mp->dlen - 1;
            if (n > keep) {
                if (mp->f)
                    app_file_data(mp->f, b, n - keep, h->sink);
                app_buf_consume(&mp->buf, n - keep);
            }
            return;
        }
        }
    }
}

void app_http_file_data(struct http_state *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *d = &h->d[dir];

    if (d->fmode == FM_SINGLE) {
        if (!d->file) {
            const char *name = NULL;
            uint32_t nl = 0, vl = 0;
            const char *cd = app_http_msg_get(&d->m, "content-disposition", &vl);
            if (cd)
                name = cd_filename(cd, vl, &nl);
            struct hslot *s = dir == APP_DIR_TOCLIENT ? resp_slot(h) : slot_of(h, d->cur_tx);
            if (dir == APP_DIR_TOSERVER)
                name = NULL;                /* PUT, POST: the URI path, as Suricata */
            if (!name && (name = slot_path(s)))
                nl = (uint32_t)strlen(name);
            uint32_t tx = s ? s->tx_id : h->next_tx;
            d->file = app_file_open(h->st, h->id, dir, tx, (const uint8_t *)name, name ? nl : 0);
            app_file_set_window(d->file, 0);   /* the body buffers are file.data */
            if (!d->file) {
                d->fmode = FM_NONE;         /* refused (cap): the rest of the body too */
                return;
            }
        }
        app_file_data(d->file, p, n, h->sink);
    } else if (d->fmode == FM_MULTIPART && d->mp) {
        struct http_mp *mp = d->mp;
        size_t cap = MP_HDR_MAX + MP_SLICE + MP_BND_MAX + 8;
        while (n && mp->st != MP_END) {
            size_t k = MIN(n, (size_t)MP_SLICE);
            if (app_buf_append(h->st, &mp->buf, p, k, cap) < 0) {
                mp->st = MP_END;
                break;
            }
            mp_run(h, mp, 0);
            p += k;
            n -= k;
        }
    }
}

void app_http_file_gap(struct http_state *h, int dir, size_t n)
{
    struct hdir *d = &h->d[dir];

    if (d->fmode == FM_SINGLE && d->file)
        app_file_gap(d->file, n);
    else if (d->fmode == FM_MULTIPART && d->mp) {
        if (d->mp->f)
            app_file_gap(d->mp->f, n);
        d->mp->buf.len = 0;                 /* a delimiter may be gone: stop looking */
        if (!d->mp->f)
            d->mp->st = MP_END;
    }
}

void app_http_file_end(struct http_state *h, int dir, const struct app_http_meta *m)
{
    struct hdir *d = &h->d[dir];
    int state = d->ferr ? APP_FILE_ERROR : APP_FILE_CLOSED;

    if (d->fmode == FM_MULTIPART && d->mp) {
        mp_run(h, d->mp, 1);                /* what was held back */
        if (d->mp->f) {                     /* no closing delimiter */
            req_file_done(h, d->mp->f, d->ferr ? APP_FILE_ERROR : APP_FILE_TRUNCATED);
            d->mp->f = NULL;
        }
        mp_free(h, d);
    }
    if (d->fmode == FM_SINGLE && d->file) {
        if (dir == APP_DIR_TOSERVER) {
            req_file_done(h, d->file, state);
        } else {
            struct app_tx parent = { .proto = (uint8_t)h->id, .kind = TX_HTTP_RESPONSE,
                                     .dir = APP_DIR_TOCLIENT, .event = 1, .meta = m };
            app_file_close(d->file, (enum app_file_state)state, m ? &parent : NULL, h->sink);
        }
        d->file = NULL;
    }
    d->fmode = FM_NONE;
    d->ferr = 0;
}

void app_http_file_slot_done(struct http_state *h, struct hslot *s, const struct app_http_meta *m)
{
    if (!s)
        return;
    struct app_tx parent = { .proto = (uint8_t)h->id,
                             .kind = m && m->have_response ? TX_HTTP_RESPONSE : TX_HTTP_REQUEST,
                             .dir = APP_DIR_TOSERVER, .event = 1, .meta = m };
    for (uint8_t i = 0; i < s->nrf; i++)
        app_file_close(s->rf[i], (enum app_file_state)s->rf_state[i], m ? &parent : NULL, h->sink);
    s->nrf = 0;
}

void app_http_file_free(struct http_state *h)
{
    for (int dir = 0; dir < 2; dir++) {
        struct hdir *d = &h->d[dir];
        mp_free(h, d);
        if (d->file)
            app_file_close(d->file, APP_FILE_TRUNCATED, NULL, NULL);   /* no event */
        d->file = NULL;
    }
    for (uint32_t i = 0; i < h->qcap; i++) {
        struct hslot *s = &h->q[i];
        for (uint8_t j = 0; j < s->nrf; j++)
            app_file_close(s->rf[j], APP_FILE_TRUNCATED, NULL, NULL);
        s->nrf = 0;
    }
}
