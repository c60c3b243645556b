/* app_http_body.c - HTTP/1.x message bodies: framing and decoding.
 *
 * Framing (RFC 7230 3.3.3, simplified): Transfer-Encoding containing
 * "chunked" wins over Content-Length (a request smuggling classic: both
 * present is parsed as chunked, as servers must); then Content-Length (the
 * first number when duplicates were joined); a response without either is
 * delimited by the end of the connection; responses to HEAD, 1xx, 204 and
 * 304 have no body. Chunk-size lines: hex digits (at most 15), extensions
 * after ';' ignored, at most 63 bytes; a missing CRLF after chunk data is
 * tolerated; trailers are skipped (at most http_header_max bytes).
 *
 * Decoding: Content-Encoding gzip/x-gzip (zlib's gzip-or-zlib detection)
 * or deflate (zlib-wrapped or raw, told apart by the zlib header check on
 * the first two bytes). Output goes through a 4 KiB stack buffer into the
 * body store, which never exceeds http_body_max: once it is full inflate is
 * not called again, so a zip bomb costs at most http_body_max of memory and
 * the CPU to produce it. A "gzip" body that starts with neither the gzip
 * magic nor a zlib header is kept as sent (servers that say gzip and send
 * plain text); that decision is made on the first two bytes, so it never
 * depends on segmentation. A decoding error later keeps what was decoded.
 * zlib's allocations are accounted in app_stats.memory.
 *
 * body_len counts the body as sent, dechunked but not decompressed (and
 * lost bytes of a gap): Suricata's http.length, libhtp's
 * response_message_len. When no rule reads a body buffer
 * (lim->http_body_inspect 0, decided per message) the body is not kept;
 * it is still decoded when it is a file (app_http_file.c: the file tracker
 * hashes the decoded bytes), else only counted. A file's body is inflated
 * to its end (the body store's cap still holds; zlib's ratio bounds the
 * work by about 1000x the bytes received). */
#include <stdlib.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_http_internal.h"

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    struct app_stats *st = opaque;
    if (size && items > (SIZE_MAX - 16) / size)
        return Z_NULL;
    size_t n = (size_t)items * size;
    uint64_t *p = malloc(n + 16);
    if (!p)
        return Z_NULL;
    p[0] = n + 16;
    st->memory += n + 16;
    return p + 2;
}

static void z_free(voidpf opaque, voidpf ptr)
{
    struct app_stats *st = opaque;
    if (!ptr)
        return;
    uint64_t *p = (uint64_t *)ptr - 2;
    st->memory -= p[0];
    free(p);
}

static int contains_ci(const char *v, uint32_t len, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; i + wl <= len; i++)
        if (app_buf_caseeq((const uint8_t *)v + i, wl, word))
            return 1;
    return 0;
}

static int body_framing(struct http_state *h, int dir, const struct hslot *req)
{
    struct hdir *d = &h->d[dir];
    const struct hmsg *m = &d->m;
    uint32_t tl = 0, cl = 0, el = 0;
    const char *te = app_http_msg_get(m, "transfer-encoding", &tl);
    const char *cv = app_http_msg_get(m, "content-length", &cl);
    const char *ce = app_http_msg_get(m, "content-encoding", &el);

    app_http_body_reset(h, dir);
    d->inspect = h->lim->http_body_inspect;
    if (dir == APP_DIR_TOCLIENT) {
        int s = m->status;
        if (s / 100 == 1 || s == 204 || s == 304 || (req && req->is_head))
            return 0;
    }
    if (ce) {
        if (contains_ci(ce, el, "gzip"))
            d->enc = ENC_GZIP;
        else if (contains_ci(ce, el, "deflate"))
            d->enc = ENC_DEFLATE;
    }
    if (te && contains_ci(te, tl, "chunked")) {
        d->bm = BM_CHUNKED;
        d->cs = CS_SIZE;
        return 1;
    }
    if (cv) {
        uint32_t i = 0;
        uint64_t v = 0;
        int digits = 0;
        while (i < cl && (cv[i] == ' ' || cv[i] == '\t'))
            i++;
        while (i < cl && cv[i] >= '0' && cv[i] <= '9' && digits < 18) {
            v = v * 10 + (uint64_t)(cv[i++] - '0');
            digits++;
        }
        if (digits) {
            d->bm = v ? BM_CL : BM_NONE;
            d->left = v;
            return v != 0;
        }
        h->ctr[HTTP_C_PARSE_ERRORS]++;         /* not a number: no body assumed */
    }
    if (dir == APP_DIR_TOCLIENT) {
        d->bm = BM_CLOSE;
        return 1;
    }
    return 0;
}

int app_http_body_begin(struct http_state *h, int dir, const struct hslot *req)
{
    int r = body_framing(h, dir, req);
    if (r)
        app_http_file_begin(h, dir);
    return r;
}

static void body_store(struct http_state *h, struct hdir *d, const uint8_t *p, size_t n)
{
    size_t cap = h->lim->http_body_max, room = cap > d->body.len ? cap - d->body.len : 0;
    size_t k = MIN(n, room);

    if (k && app_buf_append(h->st, &d->body, p, k, cap) < 0)
        k = 0;
    if (n > k && !d->truncated) {
        d->truncated = 1;
        h->ctr[HTTP_C_TRUNCATED_BODIES]++;
    }
}

/* Decoded body bytes: to the body store (rules) and to the file. */
static void decoded(struct http_state *h, struct hdir *d, const uint8_t *p, size_t n)
{
    if (d->inspect)
        body_store(h, d, p, n);
    if (d->fmode != FM_NONE)
        app_http_file_data(h, d == &h->d[1] ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER, p, n);
}

static void inflate_chunk(struct http_state *h, struct hdir *d, const uint8_t *in, size_t len)
{
    z_stream *z = d->z;
    uint8_t out[4096];

    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)len;
    /* Until the input is used up AND zlib has nothing left to give: a call
     * that fills the whole output buffer may hold more (the rest of a long
     * match), and how much depends on how the input was cut. */
    while (d->z_state == 1) {
        z->next_out = out;
        z->avail_out = sizeof(out);
        int rc = inflate(z, Z_NO_FLUSH);
        size_t produced = sizeof(out) - z->avail_out;
        if (produced) {
            decoded(h, d, out, produced);
            if (d->fmode == FM_NONE && d->body.len >= h->lim->http_body_max) {
                d->z_state = 2;             /* full: stop decoding (zip bomb bound) */
                if (!d->truncated) {
                    d->truncated = 1;
                    h->ctr[HTTP_C_TRUNCATED_BODIES]++;
                }
                break;
            }
        }
        if (rc == Z_STREAM_END) {
            d->z_state = 2;
            break;
        }
        if (rc == Z_OK || rc == Z_BUF_ERROR) {
            if (z->avail_in == 0 && produced < sizeof(out))
                break;                      /* all consumed, all given */
            if (rc == Z_BUF_ERROR && !produced)
                break;                      /* no progress possible */
            continue;
        }
        /* a decoding error: keep what was decoded */
        h->ctr[HTTP_C_GZIP_ERRORS]++;
        d->z_state = 2;
        break;
    }
}

static void body_data(struct http_state *h, struct hdir *d, const uint8_t *p, size_t n)
{
    d->body_len += n;
    if (!d->inspect && d->fmode == FM_NONE)
        return;
    if (d->enc == ENC_NONE) {
        decoded(h, d, p, n);
        return;
    }
    if (d->z_state == 2)
        return;
    size_t keep = MIN(n, sizeof(d->zraw) - d->zraw_len);
    memcpy(d->zraw + d->zraw_len, p, keep);
    d->zraw_len += (uint32_t)keep;
    uint64_t prev = d->z_in;
    d->z_in += n;
    if (d->z_state == 0) {
        if (d->z_in < 2)
            return;                         /* the format check needs two bytes */
        unsigned b0 = d->zraw[0], b1 = d->zraw[1];
        int zlib_hdr = (b0 & 0x0f) == 8 && ((b0 << 8) | b1) % 31 == 0;
        int wbits = zlib_hdr ? 15 : -15;
        if (d->enc == ENC_GZIP) {
            wbits = 15 + 32;
            if (!(b0 == 0x1f && b1 == 0x8b) && !zlib_hdr) {
                /* says gzip, is not: keep it as sent */
                h->ctr[HTTP_C_GZIP_ERRORS]++;
                d->enc = ENC_NONE;
                d->z_state = 2;
                decoded(h, d, d->zraw, d->zraw_len);
                if (n > keep)
                    decoded(h, d, p + keep, n - keep);
                return;
            }
        }
        if (!d->z)
            d->z = app_buf_alloc(h->st, sizeof(z_stream));
        memset(d->z, 0, sizeof(*d->z));
        d->z->zalloc = z_alloc;
        d->z->zfree = z_free;
        d->z->opaque = h->st;
        if (inflateInit2(d->z, wbits) != Z_OK) {
            d->z_state = 2;
            return;
        }
        d->z_state = 1;
        if (prev)
            inflate_chunk(h, d, d->zraw, (size_t)prev);
    }
    inflate_chunk(h, d, p, n);
}

static int chunk_size(struct hdir *d, uint64_t *out)
{
    uint32_t i = 0;
    uint64_t v = 0;
    int digits = 0;

    while (i < d->cline_len && (d->cline[i] == ' ' || d->cline[i] == '\t'))
        i++;
    for (; i < d->cline_len; i++) {
        int c = d->cline[i], x;
        if (c >= '0' && c <= '9') x = c - '0';
        else if (c >= 'a' && c <= 'f') x = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') x = c - 'A' + 10;
        else break;
        if (++digits > 15)
            return -1;
        v = v << 4 | (uint64_t)x;
    }
    if (!digits)
        return -1;
    for (; i < d->cline_len; i++)
        if (d->cline[i] == ';')
            break;
        else if (d->cline[i] != ' ' && d->cline[i] != '\t' && d->cline[i] != '\r')
            return -1;
    *out = v;
    return 0;
}

long app_http_body_feed(struct http_state *h, int dir, const uint8_t *p, size_t n, int *done)
{
    struct hdir *d = &h->d[dir];
    size_t i = 0;

    *done = 0;
    switch (d->bm) {
    case BM_NONE:
        *done = 1;
        return 0;
    case BM_CLOSE:
        body_data(h, d, p, n);
        return (long)n;
    case BM_CL: {
        size_t k = (size_t)MIN((uint64_t)n, d->left);
        body_data(h, d, p, k);
        d->left -= k;
        *done = d->left == 0;
        return (long)k;
    }
    }
    while (i < n) {
        switch (d->cs) {
        case CS_SIZE: {
            uint8_t c = p[i++];
            if (c == '\n') {
                uint64_t sz;
                if (chunk_size(d, &sz) < 0)
                    return -1;
                d->cline_len = 0;
                if (sz == 0) {
                    d->cs = CS_TRAILER;
                    d->trailer_len = 0;
                } else {
                    d->cs = CS_DATA;
                    d->left = sz;
                }
            } else if (d->cline_len < sizeof(d->cline) - 1) {
                d->cline[d->cline_len++] = (char)c;
            } else {
                return -1;
            }
            break;
        }
        case CS_DATA: {
            size_t k = (size_t)MIN((uint64_t)(n - i), d->left);
            body_data(h, d, p + i, k);
            d->left -= k;
            i += k;
            if (!d->left)
                d->cs = CS_DATA_CRLF;
            if (dir == APP_DIR_TOSERVER && !d->emitted && d->body.len >= h->lim->http_body_max)
                return (long)i;             /* the caller reports the request now */
            break;
        }
        case CS_DATA_CRLF:
            if (p[i] == '\r') {
                i++;
            } else {
                if (p[i] == '\n')
                    i++;
                d->cs = CS_SIZE;
            }
            break;
        case CS_TRAILER: {
            uint8_t c = p[i++];
            if (c == '\n') {
                if (d->cline_len == 0) {
                    *done = 1;
                    return (long)i;
                }
                d->cline_len = 0;
            } else if (c != '\r') {
                d->cline_len = 1;       /* the line has content */
            }
            if (++d->trailer_len > h->lim->http_header_max)
                return -1;
            break;
        }
        }
    }
    return (long)i;
}

void app_http_body_reset(struct http_state *h, int dir)
{
    struct hdir *d = &h->d[dir];

    if (d->z && d->z_state != 0)
        inflateEnd(d->z);
    d->z_state = 0;
    d->zraw_len = 0;
    d->z_in = 0;
    d->bm = BM_NONE;
    d->cs = CS_SIZE;
    d->enc = ENC_NONE;
    d->inspect = 0;
    d->truncated = 0;
    d->left = 0;
    d->cline_len = d->trailer_len = 0;
    d->body.len = 0;
    d->body_len = 0;
}

void app_http_body_free(struct http_state *h, int dir)
{
    struct hdir *d = &h->d[dir];

    app_http_body_reset(h, dir);
    if (d->z)
        app_buf_release(h->st, d->z, sizeof(z_stream));
    d->z = NULL;
    app_buf_free(h->st, &d->body);
}
