/* app_http_msg.c - one complete HTTP/1.x header block: the start line, the
 * fields, and the normalized views rules match on.
 *
 * Fields: a line starting with SP or HT continues the previous field's
 * value (obsolete folding, RFC 7230 3.2.4): joined with one space. A line
 * without ':' is ignored. Values are trimmed of SP/HT. Several fields of
 * the same name (case-insensitive) are joined with ", " in the order sent,
 * as libhtp/Suricata do, under the first spelling of the name. At most
 * HTTP_MAX_FIELDS fields are kept.
 *
 * Normalized views (Suricata-like, documented in the README):
 *  - http.uri: the path %-decoded (but %2F, which stays: an encoded
 *    slash is not a separator), then "//" collapsed and "." / ".."
 *    segments removed (".." never climbs above "/"); the query
 *    %-decoded, '+' kept, as Suricata's libhtp defaults; an absolute URI
 *    ("http://host/path") loses its scheme and authority;
 *  - http.host: Host (or the absolute URI's authority) lower-cased, port
 *    and trailing dot removed; http.host.raw as sent;
 *  - http.header: "Name: value\r\n" per unique field, Cookie and
 *    Set-Cookie left out; http.header_names: "\r\nName1\r\nName2\r\n\r\n"
 *    with every field as sent (duplicates too); http.start: start line,
 *    then http.header with the cookies, then "\r\n"; http.header.raw: the
 *    field lines as sent, up to and including the empty line.
 *
 * Everything is written to the message's arena (one abuf, offsets only,
 * so growing it never leaves a dangling pointer). */
#include <string.h>

#include "taishi/core/util.h"
#include "app_http_internal.h"

static int is_tchar(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '!' || c == '+' || c == '~';
}

int app_http_msg_start_check(const uint8_t *p, size_t n, int dir)
{
    if (dir == APP_DIR_TOCLIENT) {
        static const char pre[] = "HTTP/";
        for (size_t i = 0; i < 5; i++) {
            if (i >= n)
                return 0;
            if (app_buf_lc(p[i]) != app_buf_lc(pre[i]))
                return -1;
        }
        return 1;
    }
    for (size_t i = 0; i < n && i <= 24; i++) {
        if (p[i] == ' ')
            return i > 0 ? 1 : -1;
        if (!is_tchar(p[i]))
            return -1;
    }
    return n > 24 ? -1 : 0;
}

/* arena helpers: append (the source may lie in the arena itself) and
 * return the offset */
static int put(struct http_state *h, struct hmsg *m, const void *d, size_t n, uint32_t *off)
{
    size_t max = HTTP_ARENA_MAX(h->lim);
    uintptr_t src = (uintptr_t)d, base = (uintptr_t)m->arena.d;
    int inside = m->arena.d && src >= base && src < base + m->arena.cap;
    size_t so = inside ? src - base : 0;

    if (off)
        *off = m->arena.len;
    if (n > max || m->arena.len > max - n || app_buf_reserve(h->st, &m->arena, m->arena.len + n, max) < 0)
        return -1;
    if (n)
        memmove(m->arena.d + m->arena.len, inside ? m->arena.d + so : (const uint8_t *)d, n);
    m->arena.len += (uint32_t)n;
    return 0;
}

static int same_name(const struct hmsg *m, const struct hfield *a, const struct hfield *b)
{
    if (a->nlen != b->nlen)
        return 0;
    for (uint32_t k = 0; k < a->nlen; k++)
        if (app_buf_lc(m->arena.d[a->noff + k]) != app_buf_lc(m->arena.d[b->noff + k]))
            return 0;
    return 1;
}

static int put_str(struct http_state *h, struct hmsg *m, const void *d, size_t n, struct hstr *s)
{
    uint32_t off;
    if (put(h, m, d, n, &off) < 0 || put(h, m, "", 1, NULL) < 0)
        return -1;
    s->off = off;
    s->len = (uint32_t)n;
    s->set = 1;
    return 0;
}

static int hexv(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Normalizes uri into out (room for len + 2 bytes); returns the length. */
static size_t uri_normalize(const uint8_t *u, size_t len, char *out, const uint8_t **auth,
                            size_t *auth_len)
{
    size_t i = 0, o = 0;

    *auth = NULL;
    *auth_len = 0;
    if ((len >= 7 && app_buf_caseeq(u, 7, "http://")) || (len >= 8 && app_buf_caseeq(u, 8, "https://"))) {
        i = u[4] == ':' ? 7 : 8;
        size_t a = i;
        while (i < len && u[i] != '/' && u[i] != '?' && u[i] != '#')
            i++;
        *auth = u + a;
        *auth_len = i - a;
        if (i == len || u[i] != '/')
            out[o++] = '/';
    }
    size_t q = i;
    while (q < len && u[q] != '?' && u[q] != '#')
        q++;
    if (i < q && u[i] == '/') {
        /* decode, then resolve segments in place in out */
        size_t base = o;
        for (size_t k = i; k < q; k++) {
            int c = u[k];
            if (c == '%' && k + 2 < q && hexv(u[k + 1]) >= 0 && hexv(u[k + 2]) >= 0) {
                int d = hexv(u[k + 1]) << 4 | hexv(u[k + 2]);
                if (d != '/') {             /* %2F stays: it is not a separator */
                    out[o++] = (char)d;
                    k += 2;
                    continue;
                }
            }
            out[o++] = (char)c;
        }
        /* segment pass over out[base..o) */
        size_t r = base, w = base, end = o;
        while (r < end) {
            /* r points at a '/' */
            size_t s = r + 1, e = s;
            while (e < end && out[e] != '/')
                e++;
            size_t sl = e - s;
            int last = e >= end;
            if (sl == 0 && !last) {
                r = e;                      /* "//" */
                continue;
            }
            if (sl == 1 && out[s] == '.') {
                if (last)
                    out[w++] = '/';
                r = e;
                continue;
            }
            if (sl == 2 && out[s] == '.' && out[s + 1] == '.') {
                while (w > base && out[w - 1] != '/')
                    w--;
                if (w > base)
                    w--;                    /* drop the last segment and its '/' */
                r = e;
                if (last)
                    out[w++] = '/';
                continue;
            }
            out[w++] = '/';
            memmove(out + w, out + s, sl);
            w += sl;
            r = e;
        }
        if (w == base)
            out[w++] = '/';
        o = w;
    } else {
        memcpy(out + o, u + i, q - i);
        o += q - i;
    }
    /* The query: every valid %XX decoded, '+' kept (libhtp's defaults). */
    for (size_t k = q; k < len; k++) {
        if (u[k] == '%' && k + 2 < len && hexv(u[k + 1]) >= 0 && hexv(u[k + 2]) >= 0) {
            out[o++] = (char)(hexv(u[k + 1]) << 4 | hexv(u[k + 2]));
            k += 2;
        } else {
            out[o++] = (char)u[k];
        }
    }
    return o;
}

const char *app_http_msg_get(const struct hmsg *m, const char *name, uint32_t *len)
{
    for (uint32_t i = 0; i < m->nf; i++) {
        const struct hfield *f = &m->f[i];
        if (!f->dup && app_buf_caseeq(m->arena.d + f->noff, f->nlen, name)) {
            if (len)
                *len = f->jlen;
            return (const char *)m->arena.d + f->joff;
        }
    }
    return NULL;
}

static int is_cookie(const struct hmsg *m, const struct hfield *f)
{
    const uint8_t *n = m->arena.d + f->noff;
    return app_buf_caseeq(n, f->nlen, "cookie") || app_buf_caseeq(n, f->nlen, "set-cookie");
}

int app_http_msg_parse(struct http_state *h, int dir)
{
    struct hdir *d = &h->d[dir];
    struct hmsg *m = &d->m;
    const uint8_t *p = d->hdr.d;
    size_t n = d->hdr.len, pos = 0;

    m->arena.len = 0;
    m->nf = 0;
    m->line = m->method = m->uri_raw = m->uri = m->protocol = (struct hstr){ 0, 0, 0 };
    m->stat_code = m->stat_msg = m->host = m->host_raw = (struct hstr){ 0, 0, 0 };
    m->header = m->header_raw = m->header_names = m->start = (struct hstr){ 0, 0, 0 };
    m->status = 0;
    m->is_request = dir == APP_DIR_TOSERVER;
    if (put(h, m, "", 1, NULL) < 0)
        return -1;
    /* pass 1: split lines; names and values (folded) into the arena */
    int first = 1;
    size_t hdr_start = n;
    while (pos < n) {
        const uint8_t *lf = memchr(p + pos, '\n', n - pos);
        size_t e = lf ? (size_t)(lf - p) : n;
        size_t next = e < n ? e + 1 : n, le = e;
        if (le > pos && p[le - 1] == '\r')
            le--;
        if (first) {
            if (put_str(h, m, p + pos, le - pos, &m->line) < 0)
                return -1;
            first = 0;
            hdr_start = next;
            pos = next;
            continue;
        }
        if (le == pos)
            break;                          /* the empty line */
        if ((p[pos] == ' ' || p[pos] == '\t') && m->nf) {
            size_t a = pos, b = le;
            while (a < b && (p[a] == ' ' || p[a] == '\t')) a++;
            while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t')) b--;
            struct hfield *f = &m->f[m->nf - 1];
            if (f->voff + f->vlen == m->arena.len && b > a) {
                if ((f->vlen && put(h, m, " ", 1, NULL) < 0) || put(h, m, p + a, b - a, NULL) < 0)
                    return -1;
                f->vlen = m->arena.len - f->voff;
            }
        } else {
            const uint8_t *c = memchr(p + pos, ':', le - pos);
            if (c && c > p + pos && m->nf == m->fcap && m->fcap < HTTP_MAX_FIELDS) {
                uint32_t nc = m->fcap ? MIN(m->fcap * 2, HTTP_MAX_FIELDS) : 16;
                m->f = xreallocarray(m->f, nc, sizeof(*m->f));
                h->st->memory += (nc - m->fcap) * sizeof(*m->f);
                m->fcap = nc;
            }
            if (c && c > p + pos && m->nf < m->fcap) {
                size_t nl = (size_t)(c - (p + pos)), a = (size_t)(c - p) + 1, b = le;
                while (nl && (p[pos + nl - 1] == ' ' || p[pos + nl - 1] == '\t')) nl--;
                while (a < b && (p[a] == ' ' || p[a] == '\t')) a++;
                while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t')) b--;
                struct hfield *f = &m->f[m->nf++];
                memset(f, 0, sizeof(*f));
                if (put(h, m, p + pos, nl, &f->noff) < 0 || put(h, m, p + a, b - a, &f->voff) < 0)
                    return -1;
                f->nlen = (uint32_t)nl;
                f->vlen = (uint32_t)(b - a);
            }
        }
        pos = next;
    }
    if (h->lim->rule_bufs && put_str(h, m, p + hdr_start, n - hdr_start, &m->header_raw) < 0)
        return -1;
    /* pass 2: duplicates joined under the first spelling */
    for (uint32_t i = 0; i < m->nf; i++)
        for (uint32_t j = 0; j < i && !m->f[i].dup; j++)
            if (!m->f[j].dup && same_name(m, &m->f[j], &m->f[i]))
                m->f[i].dup = 1;
    for (uint32_t i = 0; i < m->nf; i++) {
        struct hfield *f = &m->f[i];
        if (f->dup)
            continue;
        uint32_t off;
        if (put(h, m, m->arena.d + f->voff, f->vlen, &off) < 0)
            return -1;
        for (uint32_t j = i + 1; j < m->nf; j++) {
            struct hfield *g = &m->f[j];
            if (g->dup && same_name(m, f, g) && (put(h, m, ", ", 2, NULL) < 0 ||
                                 put(h, m, m->arena.d + g->voff, g->vlen, NULL) < 0))
                return -1;
        }
        f->joff = off;
        f->jlen = m->arena.len - off;
        if (put(h, m, "", 1, NULL) < 0)
            return -1;
    }
    /* start line */
    const uint8_t *l = m->arena.d + m->line.off;
    size_t ll = m->line.len, sp1 = 0, sp2;
    while (sp1 < ll && l[sp1] != ' ')
        sp1++;
    sp2 = sp1 + 1;
    while (sp2 < ll && l[sp2] != ' ')
        sp2++;
    if (sp1 >= ll)
        return -1;
    /* copy the line's pieces (offsets into the arena shift as it grows) */
    uint32_t loff = m->line.off;
    if (dir == APP_DIR_TOSERVER) {
        size_t ue = sp2 < ll ? sp2 : ll;
        /* the URI ends at the last space before "HTTP/" when it has spaces */
        size_t last = ll;
        while (last > sp1 + 1 && m->arena.d[loff + last - 1] != ' ')
            last--;
        if (last > sp1 + 1 && ll - last >= 5 && app_buf_caseeq(m->arena.d + loff + last, 5, "HTTP/"))
            ue = last - 1;
        else
            ue = ll;
        if (put_str(h, m, m->arena.d + loff, sp1, &m->method) < 0 ||
            put_str(h, m, m->arena.d + loff + sp1 + 1, ue > sp1 + 1 ? ue - sp1 - 1 : 0, &m->uri_raw) < 0)
            return -1;
        if (ue < ll && put_str(h, m, m->arena.d + loff + ue + 1, ll - ue - 1, &m->protocol) < 0)
            return -1;
        /* normalized uri */
        uint32_t ulen = m->uri_raw.len, uoff;
        if (app_buf_reserve(h->st, &m->arena, m->arena.len + (size_t)ulen + 3,
                         HTTP_ARENA_MAX(h->lim)) < 0)
            return -1;
        const uint8_t *auth;
        size_t alen;
        uoff = m->arena.len;
        size_t nl = uri_normalize(m->arena.d + m->uri_raw.off, ulen, (char *)m->arena.d + uoff,
                                  &auth, &alen);
        m->arena.d[uoff + nl] = 0;
        m->uri = (struct hstr){ uoff, (uint32_t)nl, 1 };
        m->arena.len += (uint32_t)nl + 1;
        size_t aoff = auth ? (size_t)(auth - m->arena.d) : 0;
        /* host */
        uint32_t hl;
        const char *hv = app_http_msg_get(m, "host", &hl);
        size_t hoff = 0;
        if (hv) {
            hoff = (size_t)((const uint8_t *)hv - m->arena.d);
        } else if (auth) {
            hoff = aoff;
            hl = (uint32_t)alen;
        }
        if (hv || auth) {
            if (put_str(h, m, m->arena.d + hoff, hl, &m->host_raw) < 0)
                return -1;
            size_t a = m->host_raw.off, b = a + hl;
            uint8_t *s = m->arena.d;
            if (b > a && s[a] == '[') {
                size_t c = a;
                while (c < b && s[c] != ']')
                    c++;
                b = c < b ? c + 1 : b;
            } else {
                const uint8_t *c = memchr(s + a, ':', b - a);
                if (c)
                    b = (size_t)(c - s);
            }
            while (b > a && s[b - 1] == '.')
                b--;
            if (put_str(h, m, m->arena.d + a, b - a, &m->host) < 0)
                return -1;
            for (uint32_t k = 0; k < m->host.len; k++)
                m->arena.d[m->host.off + k] = (uint8_t)app_buf_lc(m->arena.d[m->host.off + k]);
        }
    } else {
        if (put_str(h, m, m->arena.d + loff, sp1, &m->protocol) < 0)
            return -1;
        size_t ce = sp2 < ll ? sp2 : ll;
        if (put_str(h, m, m->arena.d + loff + sp1 + 1, ce > sp1 + 1 ? ce - sp1 - 1 : 0, &m->stat_code) < 0)
            return -1;
        if (sp2 < ll && put_str(h, m, m->arena.d + loff + sp2 + 1, ll - sp2 - 1, &m->stat_msg) < 0)
            return -1;
        const uint8_t *c = m->arena.d + m->stat_code.off;
        if (m->stat_code.len != 3 || c[0] < '1' || c[0] > '9' || c[1] < '0' || c[1] > '9' ||
            c[2] < '0' || c[2] > '9')
            return -1;
        m->status = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
    }
    if (!h->lim->rule_bufs)
        return 0;                           /* the rest is only for the rules */
    /* http.header, http.header_names, http.start */
    uint32_t off;
    if (put(h, m, "", 0, &off) < 0)
        return -1;
    for (uint32_t i = 0; i < m->nf; i++) {
        struct hfield *f = &m->f[i];
        if (f->dup || is_cookie(m, f))
            continue;
        if (put(h, m, m->arena.d + f->noff, f->nlen, NULL) < 0 || put(h, m, ": ", 2, NULL) < 0 ||
            put(h, m, m->arena.d + f->joff, f->jlen, NULL) < 0 || put(h, m, "\r\n", 2, NULL) < 0)
            return -1;
    }
    m->header = (struct hstr){ off, m->arena.len - off, 1 };
    if (put(h, m, "", 1, NULL) < 0 || put(h, m, "\r\n", 2, &off) < 0)
        return -1;
    for (uint32_t i = 0; i < m->nf; i++)
        if (put(h, m, m->arena.d + m->f[i].noff, m->f[i].nlen, NULL) < 0 ||
            put(h, m, "\r\n", 2, NULL) < 0)
            return -1;
    if (put(h, m, "\r\n", 2, NULL) < 0)
        return -1;
    m->header_names = (struct hstr){ off, m->arena.len - off, 1 };
    if (put(h, m, "", 1, NULL) < 0 || put(h, m, m->arena.d + m->line.off, m->line.len, &off) < 0 ||
        put(h, m, "\r\n", 2, NULL) < 0)
        return -1;
    for (uint32_t i = 0; i < m->nf; i++) {
        struct hfield *f = &m->f[i];
        if (f->dup)
            continue;
        if (put(h, m, m->arena.d + f->noff, f->nlen, NULL) < 0 || put(h, m, ": ", 2, NULL) < 0 ||
            put(h, m, m->arena.d + f->joff, f->jlen, NULL) < 0 || put(h, m, "\r\n", 2, NULL) < 0)
            return -1;
    }
    if (put(h, m, "\r\n", 2, NULL) < 0)
        return -1;
    m->start = (struct hstr){ off, m->arena.len - off, 1 };
    if (put(h, m, "", 1, NULL) < 0)
        return -1;
    return 0;
}

static void add_field(const struct hmsg *m, struct txb *t, int id, const char *name)
{
    uint32_t l;
    const char *v = app_http_msg_get(m, name, &l);
    if (v)
        txb_add(t, id, v, l);
}

static void add_str(const struct hmsg *m, struct txb *t, int id, struct hstr s)
{
    if (s.set)
        txb_add(t, id, m->arena.d + s.off, s.len);
}

void app_http_msg_bufs(const struct hmsg *m, int dir, struct txb *t)
{
    if (dir == APP_DIR_TOSERVER) {
        add_str(m, t, BUF_HTTP_URI, m->uri);
        add_str(m, t, BUF_HTTP_URI_RAW, m->uri_raw);
        add_str(m, t, BUF_HTTP_METHOD, m->method);
        add_str(m, t, BUF_HTTP_REQUEST_LINE, m->line);
        add_str(m, t, BUF_HTTP_HOST, m->host);
        add_str(m, t, BUF_HTTP_HOST_RAW, m->host_raw);
        add_field(m, t, BUF_HTTP_USER_AGENT, "user-agent");
        add_field(m, t, BUF_HTTP_COOKIE, "cookie");
        add_field(m, t, BUF_HTTP_REFERER, "referer");
        add_field(m, t, BUF_HTTP_ACCEPT, "accept");
        add_field(m, t, BUF_HTTP_ACCEPT_ENC, "accept-encoding");
        add_field(m, t, BUF_HTTP_ACCEPT_LANG, "accept-language");
        add_field(m, t, BUF_HTTP_CONNECTION, "connection");
    } else {
        add_str(m, t, BUF_HTTP_RESPONSE_LINE, m->line);
        add_str(m, t, BUF_HTTP_STAT_CODE, m->stat_code);
        add_str(m, t, BUF_HTTP_STAT_MSG, m->stat_msg);
        add_field(m, t, BUF_HTTP_SERVER, "server");
        add_field(m, t, BUF_HTTP_LOCATION, "location");
        add_field(m, t, BUF_HTTP_COOKIE, "set-cookie");
    }
    add_str(m, t, BUF_HTTP_PROTOCOL, m->protocol);
    add_field(m, t, BUF_HTTP_CONTENT_TYPE, "content-type");
    add_field(m, t, BUF_HTTP_CONTENT_LEN, "content-length");
    add_str(m, t, BUF_HTTP_HEADER, m->header);
    add_str(m, t, BUF_HTTP_HEADER_RAW, m->header_raw);
    add_str(m, t, BUF_HTTP_HEADER_NAMES, m->header_names);
    add_str(m, t, BUF_HTTP_START, m->start);
}
