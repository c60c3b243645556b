/* app_mime.c - the streaming MIME decoder of the mail parsers (app_mime.h).
 *
 * One state machine over the message's lines:
 *   HDR   header lines of the message or of a part: "Name: value" with
 *         folded continuation lines (unfolded by dropping the line break
 *         only, as Suricata does), ended by an empty line;
 *   BODY  a leaf part's body, decoded by its Content-Transfer-Encoding;
 *   PRE   a multipart's preamble (skipped until its first delimiter);
 *   EPI   after a close delimiter "--b--" (skipped until an outer one).
 * A line "--b" or "--b--" for any boundary on the stack (innermost first)
 * ends the current part whatever the state, so a nested multipart that
 * never closes is ended by its parent's delimiter. The line break before a
 * delimiter belongs to the delimiter (RFC 2046 5.1.1): a plain or QP body
 * writes its CR LF only when the next body line comes.
 *
 * base64 keeps its 24-bit group across lines, so lines of any length (and
 * pieces of lines) decode the same; characters outside the alphabet are
 * skipped and counted; '=' ends a group. Quoted-printable decodes "=XX",
 * drops a soft line break ("=" at the end of a line) and writes a bad
 * escape as it came (counted).
 *
 * Ownership: a struct mime belongs to its parser state (one worker). */
#include <string.h>

#include "app_buf.h"
#include "app_mime.h"

enum { MS_HDR, MS_BODY, MS_PRE, MS_EPI };
enum { ENC_NONE, ENC_B64, ENC_QP };

#define HNAME_MAX 76
#define TEXT_MAX  1024
#define LINE_MAX_ 1024          /* lines up to this long are handled whole */

struct mval {
    char s[MIME_VALUE_MAX + 1];
    uint16_t len;
    uint8_t seen;
};

struct mime {
    struct app_stats *st;
    uint8_t status, state, top, lb_over;
    uint8_t lb[LINE_MAX_];      /* the line being assembled from the caller's pieces */
    uint32_t lblen;
    /* the header being collected */
    char hname[HNAME_MAX + 1];
    uint8_t hnlen, have_hdr, hcut;
    struct mval hv;
    /* the message's own headers */
    struct mval from, to, cc, subject;
    /* the current part */
    uint8_t multipart, text, ct_seen, enc, has_name;
    char pbnd[MIME_BOUND_MAX + 1];
    uint8_t pbndlen;
    char name[MIME_NAME_MAX + 1];
    uint16_t namelen;
    /* open multiparts */
    char bnd[MIME_DEPTH_MAX][MIME_BOUND_MAX + 1];
    uint8_t bndlen[MIME_DEPTH_MAX];
    uint8_t nbnd;
    /* the body being decoded */
    uint8_t in_att, in_text, crlf_pending, b64n, qst;
    uint32_t b64acc;
    char qx;
    uint8_t tl[TEXT_MAX];
    uint32_t tllen;
    /* results */
    char att[MIME_ATT_MAX][MIME_NAME_MAX + 1];
    const char *attp[MIME_ATT_MAX];
    unsigned natt;
    char url[MIME_URL_MAX][MIME_URL_LEN + 1];
    const char *urlp[MIME_URL_MAX];
    unsigned nurl;
    uint8_t url_flags;          /* MIME_URL_IPV4 | ... */
    struct mime_counts c;
};

struct mime *mime_new(struct app_stats *st)
{
    struct mime *m = app_buf_alloc(st, sizeof(*m));
    m->st = st;
    mime_reset(m);
    return m;
}

void mime_free(struct mime *m)
{
    if (m)
        app_buf_release(m->st, m, sizeof(*m));
}

static void part_reset(struct mime *m)
{
    m->multipart = m->text = m->ct_seen = m->enc = m->has_name = 0;
    m->pbndlen = 0;
    m->namelen = 0;
    m->have_hdr = 0;
}

void mime_reset(struct mime *m)
{
    struct app_stats *st = m->st;
    struct mime_counts c = m->c;
    memset(m, 0, sizeof(*m));
    m->st = st;
    m->c = c;
    m->top = 1;
    m->state = MS_HDR;
}

static int lc(int c)
{
    return app_buf_lc(c);
}

static int prefix_ci(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (lc((unsigned char)s[i]) != lit[i])
            return 0;
    return 1;
}

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A parameter (";name=value" or ";name="quoted"") of a header value into
 * out (cut at outmax); its length, or -1 when absent. */
static int param(const char *v, size_t n, const char *pname, char *out, size_t outmax)
{
    size_t pl = strlen(pname);
    for (size_t i = 0; i < n; i++) {
        if (v[i] != ';')
            continue;
        size_t j = i + 1;
        while (j < n && is_ws((unsigned char)v[j]))
            j++;
        if (!prefix_ci(v + j, n - j, pname))
            continue;
        j += pl;
        while (j < n && is_ws((unsigned char)v[j]))
            j++;
        if (j >= n || v[j] != '=')
            continue;
        j++;
        while (j < n && is_ws((unsigned char)v[j]))
            j++;
        size_t o = 0;
        if (j < n && v[j] == '"') {
            for (j++; j < n && v[j] != '"'; j++)
                if (o < outmax)
                    out[o++] = v[j];
        } else {
            for (; j < n && v[j] != ';' && !is_ws((unsigned char)v[j]); j++)
                if (o < outmax)
                    out[o++] = v[j];
        }
        out[o] = 0;
        return (int)o;
    }
    return -1;
}

static void keep(struct mval *d, const struct mval *s)
{
    size_t n = s->len;
    while (n && is_ws((unsigned char)s->s[n - 1]))
        n--;
    memcpy(d->s, s->s, n);
    d->s[n] = 0;
    d->len = (uint16_t)n;
    d->seen = 1;
}

/* The header collected so far is complete. */
static void header_done(struct mime *m)
{
    if (!m->have_hdr)
        return;
    m->have_hdr = 0;
    const char *v = m->hv.s;
    size_t n = m->hv.len;
    const char *h = m->hname;
    size_t hl = m->hnlen;

    if (m->top) {
        if (hl == 4 && prefix_ci(h, hl, "from"))
            keep(&m->from, &m->hv);
        else if (hl == 2 && prefix_ci(h, hl, "to"))
            keep(&m->to, &m->hv);
        else if (hl == 2 && prefix_ci(h, hl, "cc"))
            keep(&m->cc, &m->hv);
        else if (hl == 7 && prefix_ci(h, hl, "subject"))
            keep(&m->subject, &m->hv);
    }
    if (hl == 12 && prefix_ci(h, hl, "content-type")) {
        m->ct_seen = 1;
        if (prefix_ci(v, n, "multipart/")) {
            int b = param(v, n, "boundary", m->pbnd, MIME_BOUND_MAX);
            if (b > 0) {
                m->multipart = 1;
                m->pbndlen = (uint8_t)b;
            }
        } else if (prefix_ci(v, n, "text/")) {
            m->text = 1;
        }
        if (!m->has_name) {
            int k = param(v, n, "name", m->name, MIME_NAME_MAX);
            if (k >= 0) {
                m->has_name = 1;
                m->namelen = (uint16_t)k;
            }
        }
    } else if (hl == 19 && prefix_ci(h, hl, "content-disposition")) {
        int k = param(v, n, "filename", m->name, MIME_NAME_MAX);
        if (k >= 0) {
            m->has_name = 1;
            m->namelen = (uint16_t)k;
        }
    } else if (hl == 25 && prefix_ci(h, hl, "content-transfer-encoding")) {
        if (prefix_ci(v, n, "base64"))
            m->enc = ENC_B64;
        else if (prefix_ci(v, n, "quoted-printable"))
            m->enc = ENC_QP;
    }
}

/* URLs of a text line: http:// up to white space or a delimiter,
 * lower-cased, without the scheme, each once. */
static void url_scan(struct mime *m)
{
    const uint8_t *t = m->tl;
    size_t n = m->tllen;
    m->tllen = 0;
    for (size_t i = 0; i + 7 <= n; i++) {
        if (!prefix_ci((const char *)t + i, n - i, "http://"))
            continue;
        size_t s = i + 7, e = s;
        while (e < n && !is_ws(t[e]) && t[e] != '<' && t[e] != '>' && t[e] != '"' && t[e] != '\'' &&
               t[e] != ']')
            e++;
        i = e ? e - 1 : 0;
        if (e == s)
            continue;
        char u[MIME_URL_LEN + 1];
        size_t k = e - s < MIME_URL_LEN ? e - s : MIME_URL_LEN;
        for (size_t j = 0; j < k; j++)
            u[j] = (char)lc(t[s + j]);
        u[k] = 0;
        unsigned d;
        for (d = 0; d < m->nurl && strcmp(m->url[d], u); d++)
            ;
        if (d < m->nurl)
            continue;
        if (m->nurl >= MIME_URL_MAX) {
            m->c.dropped++;
            continue;
        }
        memcpy(m->url[m->nurl], u, k + 1);
        size_t h = 0;
        int dots = 0, digits = 1;
        while (h < k && u[h] != '/' && u[h] != ':' && u[h] != '?') {
            dots += u[h] == '.';
            digits &= (u[h] >= '0' && u[h] <= '9') || u[h] == '.';
            h++;
        }
        if (u[0] == '[')
            m->url_flags |= MIME_URL_IPV6;
        else if (h && digits && dots == 3)
            m->url_flags |= MIME_URL_IPV4;
        if (k >= 4 && !memcmp(u + k - 4, ".exe", 4))
            m->url_flags |= MIME_URL_EXE;
        m->urlp[m->nurl] = m->url[m->nurl];
        m->nurl++;
    }
}

static void out(struct mime *m, const uint8_t *d, size_t n, const struct mime_cb *cb)
{
    if (!n)
        return;
    if (m->in_att && cb && cb->att_data)
        cb->att_data(cb->ud, d, n);
    if (m->in_text)
        for (size_t i = 0; i < n; i++) {
            m->tl[m->tllen++] = d[i];
            if (d[i] == '\n' || m->tllen == TEXT_MAX)
                url_scan(m);
        }
}

static void body_begin(struct mime *m, const struct mime_cb *cb)
{
    m->state = MS_BODY;
    m->status = MIME_BODY_STARTED;
    m->crlf_pending = m->b64n = m->qst = 0;
    m->b64acc = 0;
    m->tllen = 0;
    /* Suricata logs the names and URLs of the message and of its direct
     * parts only (not of a multipart's parts inside a part): so do we; the
     * deeper attachments are still files. */
    int logged = m->nbnd <= 1;
    m->in_att = m->has_name;
    m->in_text = logged && !m->has_name && (!m->ct_seen || m->text);
    if (!m->in_att)
        return;
    if (!logged) {
        /* a file, but no name in the email event */
    } else if (m->natt < MIME_ATT_MAX) {
        memcpy(m->att[m->natt], m->name, m->namelen);
        m->att[m->natt][m->namelen] = 0;
        m->attp[m->natt] = m->att[m->natt];
        m->natt++;
    } else {
        m->c.dropped++;
    }
    if (cb && cb->att_begin)
        cb->att_begin(cb->ud, m->name, m->namelen);
}

static void b64_flush(struct mime *m, const struct mime_cb *cb)
{
    uint8_t o[2];
    if (m->b64n >= 2) {
        uint32_t a = m->b64acc << (6 * (4 - m->b64n));
        o[0] = (uint8_t)(a >> 16);
        o[1] = (uint8_t)(a >> 8);
        out(m, o, m->b64n - 1u, cb);
    }
    m->b64n = 0;
    m->b64acc = 0;
}

static void body_end(struct mime *m, int complete, const struct mime_cb *cb)
{
    if (m->state != MS_BODY)
        return;
    if (m->enc == ENC_B64)
        b64_flush(m, cb);
    else if (m->enc == ENC_QP && m->qst == 2) {
        uint8_t e[2] = { '=', (uint8_t)m->qx };
        out(m, e, 2, cb);
    }
    if (m->in_text && m->tllen)
        url_scan(m);
    if (m->in_att && cb && cb->att_end)
        cb->att_end(cb->ud, complete);
    m->in_att = m->in_text = 0;
    m->state = MS_EPI;
}

static void headers_done(struct mime *m, const struct mime_cb *cb)
{
    header_done(m);
    if (m->top)
        m->status = MIME_HEADER_READY;
    m->top = 0;
    if (m->multipart && m->nbnd < MIME_DEPTH_MAX) {
        memcpy(m->bnd[m->nbnd], m->pbnd, m->pbndlen);
        m->bndlen[m->nbnd] = m->pbndlen;
        m->nbnd++;
        m->state = MS_PRE;
        return;
    }
    body_begin(m, cb);
}

static int b64_val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static void b64_line(struct mime *m, const uint8_t *l, size_t n, const struct mime_cb *cb)
{
    uint8_t o[192];
    size_t on = 0;
    for (size_t i = 0; i < n; i++) {
        if (l[i] == '=') {
            if (on) {
                out(m, o, on, cb);
                on = 0;
            }
            b64_flush(m, cb);
            continue;
        }
        int v = b64_val(l[i]);
        if (v < 0) {
            if (!is_ws(l[i]))
                m->c.b64_invalid++;
            continue;
        }
        m->b64acc = (m->b64acc << 6) | (uint32_t)v;
        if (++m->b64n == 4) {
            o[on++] = (uint8_t)(m->b64acc >> 16);
            o[on++] = (uint8_t)(m->b64acc >> 8);
            o[on++] = (uint8_t)m->b64acc;
            m->b64n = 0;
            m->b64acc = 0;
            if (on + 3 > sizeof(o)) {
                out(m, o, on, cb);
                on = 0;
            }
        }
    }
    out(m, o, on, cb);
}

static int hexv(int c)
{
    c = lc(c);
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void qp_line(struct mime *m, const uint8_t *l, size_t n, int eol, const struct mime_cb *cb)
{
    static const uint8_t crlf[2] = { '\r', '\n' };
    uint8_t o[256 + 8];      /* the loop keeps on <= 253; the end adds 4 at most */
    size_t on = 0;
    if (m->crlf_pending && (n || eol)) {
        out(m, crlf, 2, cb);
        m->crlf_pending = 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = l[i];
        if (m->qst == 0) {
            if (c == '=')
                m->qst = 1;
            else
                o[on++] = c;
        } else if (m->qst == 1) {
            m->qx = (char)c;
            m->qst = 2;
        } else {
            int a = hexv(m->qx), b = hexv(c);
            if (a < 0 || b < 0) {
                m->c.qp_invalid++;
                o[on++] = '=';
                o[on++] = (uint8_t)m->qx;
                o[on++] = c;
            } else {
                o[on++] = (uint8_t)(a << 4 | b);
            }
            m->qst = 0;
        }
        if (on + 3 > 256) {
            out(m, o, on, cb);
            on = 0;
        }
    }
    if (eol) {
        int soft = m->qst == 1;
        if (m->qst == 2) {
            m->c.qp_invalid++;
            o[on++] = '=';
            o[on++] = (uint8_t)m->qx;
        }
        m->qst = 0;
        if (!soft) {            /* Suricata keeps a hard break's CR LF, the last one too */
            o[on++] = '\r';
            o[on++] = '\n';
        }
    }
    out(m, o, on, cb);
}

static void plain_line(struct mime *m, const uint8_t *l, size_t n, int eol, const struct mime_cb *cb)
{
    static const uint8_t crlf[2] = { '\r', '\n' };
    if (m->crlf_pending && (n || eol)) {
        out(m, crlf, 2, cb);
        m->crlf_pending = 0;
    }
    out(m, l, n, cb);
    if (eol)
        m->crlf_pending = 1;
}

/* A delimiter line of an open multipart: 1 (and the state moved on), or 0. */
static int boundary(struct mime *m, const uint8_t *l, size_t n, const struct mime_cb *cb)
{
    if (n < 3 || l[0] != '-' || l[1] != '-' || !m->nbnd)
        return 0;
    for (int i = m->nbnd - 1; i >= 0; i--) {
        size_t bl = m->bndlen[i];
        if (n - 2 < bl || memcmp(l + 2, m->bnd[i], bl))
            continue;
        const uint8_t *r = l + 2 + bl;
        size_t rn = n - 2 - bl;
        int close = rn >= 2 && r[0] == '-' && r[1] == '-';
        size_t k = close ? 2 : 0;
        while (k < rn && is_ws(r[k]))
            k++;
        if (k != rn)
            continue;
        if (m->state == MS_BODY)
            body_end(m, 1, cb);
        else if (m->state == MS_HDR)
            header_done(m);
        m->top = 0;
        if (close) {
            m->nbnd = (uint8_t)i;
            m->state = MS_EPI;
        } else {
            m->nbnd = (uint8_t)(i + 1);
            part_reset(m);
            m->state = MS_HDR;
        }
        return 1;
    }
    return 0;
}

static void header_line(struct mime *m, const uint8_t *l, size_t n, int cont,
                        const struct mime_cb *cb)
{
    if (m->top && m->status == MIME_NONE)
        m->status = MIME_HEADER_STARTED;
    if (cont || (n && (l[0] == ' ' || l[0] == '\t'))) {
        if (!m->have_hdr)
            return;                 /* a continuation of nothing */
        size_t room = MIME_VALUE_MAX - m->hv.len, k = n < room ? n : room;
        memcpy(m->hv.s + m->hv.len, l, k);
        m->hv.len = (uint16_t)(m->hv.len + k);
        m->hv.s[m->hv.len] = 0;
        return;
    }
    if (!n) {
        headers_done(m, cb);
        return;
    }
    header_done(m);
    size_t c = 0;
    while (c < n && c <= HNAME_MAX && l[c] != ':')
        c++;
    if (c >= n || c > HNAME_MAX || c == 0) {
        /* no header: the body starts here (a message without the blank line) */
        headers_done(m, cb);
        if (m->state == MS_BODY)
            plain_line(m, l, n, 1, cb);
        return;
    }
    size_t hl = c;
    while (hl && is_ws(l[hl - 1]))
        hl--;
    memcpy(m->hname, l, hl);
    m->hname[hl] = 0;
    m->hnlen = (uint8_t)hl;
    size_t v = c + 1;
    while (v < n && (l[v] == ' ' || l[v] == '\t'))
        v++;
    size_t k = n - v < MIME_VALUE_MAX ? n - v : MIME_VALUE_MAX;
    memcpy(m->hv.s, l + v, k);
    m->hv.len = (uint16_t)k;
    m->hv.s[k] = 0;
    m->have_hdr = 1;
}

/* One line, or a piece of one longer than LINE_MAX_ (cont: not its first). */
static void dispatch(struct mime *m, const uint8_t *l, size_t n, int eol, int cont,
                     const struct mime_cb *cb)
{
    if (!cont && boundary(m, l, n, cb))
        return;
    switch (m->state) {
    case MS_HDR:
        if (!eol && !cont && !n)
            return;
        header_line(m, l, n, cont, cb);
        break;
    case MS_BODY:
        if (m->enc == ENC_B64)
            b64_line(m, l, n, cb);
        else if (m->enc == ENC_QP)
            qp_line(m, l, n, eol, cb);
        else
            plain_line(m, l, n, eol, cb);
        break;
    default:
        break;                      /* preamble, epilogue */
    }
}

/* Lines up to LINE_MAX_ bytes are assembled whatever pieces the caller
 * cuts them in, so the result does not depend on the cuts; a longer line
 * (no header or delimiter is that long) goes on in pieces. */
void mime_line(struct mime *m, const uint8_t *l, size_t n, int eol, const struct mime_cb *cb)
{
    if (m->lb_over) {
        dispatch(m, l, n, eol, 1, cb);
    } else if (m->lblen + n <= LINE_MAX_) {
        memcpy(m->lb + m->lblen, l, n);
        m->lblen += (uint32_t)n;
        if (!eol)
            return;
        dispatch(m, m->lb, m->lblen, 1, 0, cb);
    } else {
        dispatch(m, m->lb, m->lblen, 0, 0, cb);
        m->lb_over = 1;
        dispatch(m, l, n, eol, 1, cb);
    }
    if (eol) {
        m->lblen = 0;
        m->lb_over = 0;
    }
}

void mime_finish(struct mime *m, int complete, const struct mime_cb *cb)
{
    static const uint8_t none[1];
    if (m->lblen || m->lb_over)         /* a last line without its line break */
        mime_line(m, none, 0, 1, cb);
    if (m->state == MS_HDR) {
        header_done(m);
        m->top = 0;
    }
    body_end(m, complete, cb);
    m->state = MS_EPI;
    if (complete)
        m->status = MIME_PARSE_DONE;
}

static const char *mval(const struct mval *v)
{
    return v->seen ? v->s : NULL;
}

const char *mime_from(const struct mime *m) { return mval(&m->from); }
const char *mime_to(const struct mime *m) { return mval(&m->to); }
const char *mime_cc(const struct mime *m) { return mval(&m->cc); }
const char *mime_subject(const struct mime *m) { return mval(&m->subject); }
enum mime_status mime_status(const struct mime *m) { return (enum mime_status)m->status; }
const struct mime_counts *mime_counts(const struct mime *m) { return &m->c; }

const char *mime_status_name(enum mime_status s)
{
    static const char *const n[] = { "HEADER_STARTED", "HEADER_STARTED", "HEADER_READY",
                                      "BODY_STARTED", "PARSE_DONE", "PARSE_ERROR" };
    return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "PARSE_ERROR";
}

unsigned mime_attachments(const struct mime *m, const char *const **names)
{
    *names = m->attp;
    return m->natt;
}

unsigned mime_url_flags(const struct mime *m)
{
    return m->url_flags;
}

unsigned mime_urls(const struct mime *m, const char *const **urls)
{
    *urls = m->urlp;
    return m->nurl;
}
