/* app_smtp.c - SMTP (RFC 5321) with ESMTP pipelining (RFC 2920), CHUNKING
 * (BDAT, RFC 3030) and STARTTLS (RFC 3207); the message goes through the
 * MIME decoder (app_mime.c) and its attachments become files (app_file.h).
 *
 * Transactions, as Suricata counts them: a transaction starts with the
 * first command after the previous one ended (RSET and QUIT never start
 * one while another is open), and ends when its message has been sent (the
 * "." line of DATA, or BDAT ... LAST), or with the flow. Each ended
 * transaction is one TX_SMTP with event=1 and the smtp event: smtp{helo,
 * mail_from, rcpt_to[]} and, when a message was sent, email{status, from,
 * to[], cc[], attachment[], url[]} (Suricata 7's default fields; subject
 * is only in its extended mode and so not written).
 *
 * Client side: lines (CR LF or a lone LF) up to SMTP_LINE_MAX; a longer
 * command is cut (counted); message lines longer than that go to the MIME
 * decoder in pieces. DATA's body is dot-unstuffed. A BDAT chunk is counted
 * byte for byte. Server side: reply lines; the final line of a reply
 * ("ddd " rather than "ddd-") answers the oldest command still waiting
 * (a queue of SMTP_PENDING_MAX, for pipelining). The EHLO reply's
 * PIPELINING capability lets DATA's body start at once (the client need not
 * wait for 354); otherwise the 354 reply starts it. A 220 reply to STARTTLS
 * means the rest of the flow is TLS: the parser stops there (both
 * directions, counted in `starttls`) and asks the dispatcher (its
 * `handover`) to run the TLS parser on the bytes that follow.
 *
 * Ownership: smtp_state (and its mime decoder and open file) belongs to one
 * app_flow of one worker. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdlib.h>
#include <string.h>

#include "app_buf.h"
#include "app_file.h"
#include "app_mime.h"

#define SMTP_LINE_MAX    4096
#define SMTP_ARG_MAX     1024       /* helo, mail from, one rcpt to */
#define SMTP_RCPT_MAX    128
#define SMTP_RCPT_BYTES  (16u * 1024u)
#define SMTP_PENDING_MAX 32
#define SMTP_FILES_HELD  16

enum { C_TX, C_PARSE_ERRORS, C_STARTTLS, C_FILES, C_TRUNCATED };
enum { P_OTHER, P_DATA, P_STARTTLS, P_BDAT };
enum { CM_CMD, CM_DATA, CM_BDAT, CM_DEAD };

struct smtp_meta {
    const char *helo, *mail_from;
    const char *const *rcpt;
    unsigned nrcpt;
    const struct mime *mime;        /* NULL: no message in this transaction */
    uint32_t tx_id;
};

struct smtp_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    /* line assembly per direction */
    uint8_t line[2][SMTP_LINE_MAX];
    uint32_t len[2];
    uint8_t over[2];                /* the line passed SMTP_LINE_MAX */
    uint8_t cmode, tls, pipelining, srv_dead, greeted;
    uint8_t pend[SMTP_PENDING_MAX];
    uint32_t npend;
    uint64_t bdat_left;
    uint8_t bline[SMTP_LINE_MAX];   /* a BDAT chunk's line (chunks end mid-line) */
    uint32_t blen;
    uint8_t bdat_last;
    /* the session */
    char helo[SMTP_ARG_MAX + 1];
    uint8_t has_helo;
    /* the transaction */
    uint8_t tx_open, tx_done, has_from, has_msg;
    uint32_t tx_id;
    char from[SMTP_ARG_MAX + 1];
    char rcptbuf[SMTP_RCPT_BYTES];
    uint32_t rcptlen;
    const char *rcpt[SMTP_RCPT_MAX];
    unsigned nrcpt;
    struct mime *mime;
    struct app_file *file;
    /* attachments ended, closed when their message ends so that their
     * fileinfo carries the whole transaction (as Suricata logs them) */
    struct app_file *held[SMTP_FILES_HELD];
    uint8_t held_state[SMTP_FILES_HELD];
    unsigned nheld;
    struct mime_cb cb;
    const struct app_sink *sink;    /* during a feed call (the MIME callbacks) */
};

static void *smtp_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct smtp_state *s = app_buf_alloc(st, sizeof(*s));
    (void)lim;
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    s->mime = mime_new(st);
    return s;
}

static void smtp_cb_init(struct smtp_state *s);
static void *smtp_create_cb(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct smtp_state *s = smtp_create(lim, st, id);
    smtp_cb_init(s);
    return s;
}

static void smtp_meta_of(const struct smtp_state *s, struct smtp_meta *m)
{
    memset(m, 0, sizeof(*m));
    m->helo = s->has_helo ? s->helo : NULL;
    m->mail_from = s->has_from ? s->from : NULL;
    m->rcpt = s->rcpt;
    m->nrcpt = s->nrcpt;
    m->mime = s->has_msg ? s->mime : NULL;
    m->tx_id = s->tx_id;
}

/* Closes the attachments held for the transaction, with its record. */
static void files_flush(struct smtp_state *s, const struct app_sink *sink)
{
    if (!s->nheld)
        return;
    struct smtp_meta m;
    smtp_meta_of(s, &m);
    struct app_tx parent = { .proto = (uint8_t)s->id, .kind = TX_SMTP, .dir = APP_DIR_TOSERVER,
                             .meta = &m };
    for (unsigned i = 0; i < s->nheld; i++)
        app_file_close(s->held[i], (enum app_file_state)s->held_state[i], &parent, sink);
    s->nheld = 0;
}

/* The transaction ends: its event. */
static void tx_end(struct smtp_state *s, const struct app_sink *sink)
{
    files_flush(s, sink);
    if (!s->tx_open)
        return;
    struct smtp_meta m;
    struct txb t = { .n = 0 };
    smtp_meta_of(s, &m);
    s->ctr[C_TX]++;
    app_buf_emit(sink, s->id, TX_SMTP, APP_DIR_TOSERVER, 1, &t, &m);
    s->tx_open = 0;
    s->tx_done = 0;
    s->has_from = s->has_msg = 0;
    s->rcptlen = 0;
    s->nrcpt = 0;
    s->tx_id++;
}

static void tx_begin(struct smtp_state *s, const struct app_sink *sink)
{
    if (s->tx_open && s->tx_done)
        tx_end(s, sink);
    if (!s->tx_open) {
        s->tx_open = 1;
        s->tx_done = 0;
        mime_reset(s->mime);
    }
}

/* MIME callbacks: attachments become files. */
static void att_begin(void *ud, const char *name, size_t namelen)
{
    struct smtp_state *s = ud;
    if (s->file)
        app_file_close(s->file, APP_FILE_TRUNCATED, NULL, s->sink);
    s->file = app_file_open(s->st, s->id, APP_DIR_TOSERVER, s->tx_id, (const uint8_t *)name, namelen);
    s->ctr[C_FILES]++;
}

static void att_data(void *ud, const uint8_t *d, size_t n)
{
    struct smtp_state *s = ud;
    app_file_data(s->file, d, n, s->sink);
}

static void att_end(void *ud, int complete)
{
    struct smtp_state *s = ud;
    struct smtp_meta m;
    smtp_meta_of(s, &m);
    struct app_tx parent = { .proto = (uint8_t)s->id, .kind = TX_SMTP, .dir = APP_DIR_TOSERVER,
                             .meta = &m };
    enum app_file_state fs = complete ? APP_FILE_CLOSED : APP_FILE_TRUNCATED;
    if (!complete)
        s->ctr[C_TRUNCATED]++;
    if (s->file && s->nheld < SMTP_FILES_HELD) {
        s->held[s->nheld] = s->file;
        s->held_state[s->nheld++] = (uint8_t)fs;
    } else {
        app_file_close(s->file, fs, &parent, s->sink);
    }
    s->file = NULL;
}

static const struct mime_cb *mcb(struct smtp_state *s)
{
    return &s->cb;
}

static void smtp_cb_init(struct smtp_state *s)
{
    s->cb.ud = s;
    s->cb.att_begin = att_begin;
    s->cb.att_data = att_data;
    s->cb.att_end = att_end;
}

/* The message of the transaction ended (complete) or was cut. */
static void msg_end(struct smtp_state *s, int complete, const struct app_sink *sink)
{
    mime_finish(s->mime, complete, mcb(s));
    files_flush(s, sink);
    s->tx_done = 1;
    if (complete)
        tx_end(s, sink);
}

static int word(const uint8_t *l, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n < k || !app_buf_caseeq(l, k, w))
        return 0;
    return n == k || l[k] == ' ' || l[k] == '\t' || l[k] == ':';
}

/* The argument after a prefix ("MAIL FROM:"), spaces skipped and trimmed;
 * word: only up to the next space (the address without its ESMTP
 * parameters, RFC 1870, as Suricata keeps it). */
static size_t arg_w(const uint8_t *l, size_t n, size_t skip, char *out, size_t outmax, int word1)
{
    size_t i = skip < n ? skip : n, e = n;
    while (i < e && (l[i] == ' ' || l[i] == '\t'))
        i++;
    if (word1)
        for (size_t j = i; j < e; j++)
            if (l[j] == ' ') {
                e = j;
                break;
            }
    while (e > i && (l[e - 1] == ' ' || l[e - 1] == '\t'))
        e--;
    size_t k = e - i < outmax ? e - i : outmax;
    memcpy(out, l + i, k);
    out[k] = 0;
    return k;
}

static size_t arg(const uint8_t *l, size_t n, size_t skip, char *out, size_t outmax)
{
    return arg_w(l, n, skip, out, outmax, 0);
}

static void pend_push(struct smtp_state *s, uint8_t p)
{
    if (s->npend < SMTP_PENDING_MAX)
        s->pend[s->npend++] = p;
}

static void command(struct smtp_state *s, const uint8_t *l, size_t n, const struct app_sink *sink)
{
    int quit = word(l, n, "QUIT"), rset = word(l, n, "RSET");
    if (!(s->tx_open && (quit || rset)))
        tx_begin(s, sink);
    if (word(l, n, "HELO") || word(l, n, "EHLO")) {
        arg(l, n, 4, s->helo, SMTP_ARG_MAX);
        s->has_helo = 1;
        pend_push(s, P_OTHER);
    } else if (n >= 10 && app_buf_caseeq(l, 10, "MAIL FROM:")) {
        arg_w(l, n, 10, s->from, SMTP_ARG_MAX, 1);
        s->has_from = 1;
        pend_push(s, P_OTHER);
    } else if (n >= 8 && app_buf_caseeq(l, 8, "RCPT TO:")) {
        char a[SMTP_ARG_MAX + 1];
        size_t k = arg_w(l, n, 8, a, SMTP_ARG_MAX, 1);
        if (s->nrcpt < SMTP_RCPT_MAX && s->rcptlen + k + 1 <= SMTP_RCPT_BYTES) {
            memcpy(s->rcptbuf + s->rcptlen, a, k + 1);
            s->rcpt[s->nrcpt++] = s->rcptbuf + s->rcptlen;
            s->rcptlen += (uint32_t)k + 1;
        }
        pend_push(s, P_OTHER);
    } else if (word(l, n, "DATA")) {
        /* with PIPELINING the body starts at once and its 354 changes nothing */
        pend_push(s, s->pipelining ? P_OTHER : P_DATA);
        if (s->pipelining) {
            s->cmode = CM_DATA;
            s->has_msg = 1;
        }
    } else if (word(l, n, "BDAT")) {
        size_t i = 4;
        uint64_t v = 0;
        int digits = 0;
        while (i < n && l[i] == ' ')
            i++;
        while (i < n && l[i] >= '0' && l[i] <= '9' && digits < 18) {
            v = v * 10 + (uint64_t)(l[i++] - '0');
            digits++;
        }
        if (!digits) {
            s->ctr[C_PARSE_ERRORS]++;
            pend_push(s, P_OTHER);
            return;
        }
        while (i < n && l[i] == ' ')
            i++;
        s->bdat_last = n - i >= 4 && app_buf_caseeq(l + i, 4, "LAST");
        s->bdat_left = v;
        s->has_msg = 1;
        s->cmode = CM_BDAT;
        pend_push(s, P_BDAT);
        if (!v && s->bdat_last) {
            s->cmode = CM_CMD;
            msg_end(s, 1, sink);
        }
    } else if (word(l, n, "STARTTLS")) {
        pend_push(s, P_STARTTLS);
    } else if (rset) {
        pend_push(s, P_OTHER);
        if (s->tx_open)
            s->tx_done = 1;
    } else {
        pend_push(s, P_OTHER);
    }
}

/* One line of DATA's body (eol: the line ends here). */
static void data_line(struct smtp_state *s, const uint8_t *l, size_t n, int eol, int cont,
                      const struct app_sink *sink)
{
    if (!cont && eol && n == 1 && l[0] == '.') {
        s->cmode = CM_CMD;
        msg_end(s, 1, sink);
        return;
    }
    if (!cont && n && l[0] == '.') {
        l++;
        n--;
    }
    mime_line(s->mime, l, n, eol, mcb(s));
}

/* One reply line of the server. */
static void reply_line(struct smtp_state *s, const uint8_t *l, size_t n)
{
    if (n < 3 || l[0] < '0' || l[0] > '9' || l[1] < '0' || l[1] > '9' || l[2] < '0' || l[2] > '9') {
        s->ctr[C_PARSE_ERRORS]++;
        return;
    }
    int code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
    if (n > 4 && code == 250 && word(l + 4, n - 4, "PIPELINING"))
        s->pipelining = 1;
    if (n > 3 && l[3] == '-')
        return;                     /* not the last line of the reply */
    if (!s->greeted) {              /* the server's greeting answers no command */
        s->greeted = 1;
        return;
    }
    if (!s->npend)
        return;                     /* a reply to nothing */
    uint8_t p = s->pend[0];
    memmove(s->pend, s->pend + 1, --s->npend);
    if (p == P_DATA && code == 354 && s->cmode == CM_CMD) {
        s->cmode = CM_DATA;
        s->has_msg = 1;
    }
    else if (p == P_DATA && code != 354 && s->cmode == CM_DATA && !s->pipelining)
        s->cmode = CM_CMD;
    else if (p == P_STARTTLS && code == 220) {
        s->tls = 1;
        s->ctr[C_STARTTLS]++;
    }
}

/* A complete line (or a piece of a long one) of direction dir. */
static void line(struct smtp_state *s, int dir, const uint8_t *l, size_t n, int eol, int cont,
                 const struct app_sink *sink)
{
    if (dir == APP_DIR_TOCLIENT) {
        if (!cont)
            reply_line(s, l, n);
        return;
    }
    if (s->cmode == CM_DATA) {
        data_line(s, l, n, eol, cont, sink);
        return;
    }
    if (cont || !eol)
        return;                     /* a command longer than a line may be: not one */
    if (n)
        command(s, l, n, sink);
}

/* BDAT: the chunk's bytes, as message lines (no dot-stuffing). */
static size_t bdat_bytes(struct smtp_state *s, const uint8_t *p, size_t n, const struct app_sink *sink)
{
    size_t k = n < s->bdat_left ? n : (size_t)s->bdat_left;
    uint32_t *len = &s->blen;
    uint8_t *buf = s->bline;
    for (size_t i = 0; i < k; i++) {
        buf[(*len)++] = p[i];
        if (p[i] == '\n' || *len == SMTP_LINE_MAX) {
            int eol = p[i] == '\n';
            uint32_t ll = *len - (uint32_t)eol;
            if (eol && ll && buf[ll - 1] == '\r')
                ll--;
            mime_line(s->mime, buf, ll, eol, mcb(s));
            *len = 0;
        }
    }
    s->bdat_left -= k;
    if (!s->bdat_left) {
        s->cmode = CM_CMD;
        if (s->bdat_last) {
            if (*len)
                mime_line(s->mime, buf, *len, 1, mcb(s));
            *len = 0;
            msg_end(s, 1, sink);
        }
    }
    return k;
}

static void smtp_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sink)
{
    struct smtp_state *s = state;
    s->sink = sink;
    if (dir != APP_DIR_TOSERVER && dir != APP_DIR_TOCLIENT)
        return;
    size_t i = 0;
    while (i < n && !s->tls) {
        if (dir == APP_DIR_TOSERVER && s->cmode == CM_DEAD)
            return;
        if (dir == APP_DIR_TOCLIENT && s->srv_dead)
            return;
        if (dir == APP_DIR_TOSERVER && s->cmode == CM_BDAT) {
            i += bdat_bytes(s, p + i, n - i, sink);
            continue;
        }
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) : n;
        uint8_t *buf = s->line[dir];
        uint32_t *len = &s->len[dir];
        /* Copy what fits; a full buffer is handed on as a piece. */
        while (i < e) {
            size_t room = SMTP_LINE_MAX - *len, k = e - i < room ? e - i : room;
            memcpy(buf + *len, p + i, k);
            *len += (uint32_t)k;
            i += k;
            if (*len == SMTP_LINE_MAX) {
                int cont = s->over[dir];
                uint32_t keep = buf[*len - 1] == '\r';  /* a CR that may end the line */
                if (!cont && !(dir == APP_DIR_TOSERVER && s->cmode == CM_DATA))
                    s->ctr[C_PARSE_ERRORS]++;
                line(s, dir, buf, *len - keep, 0, cont, sink);
                s->over[dir] = 1;
                buf[0] = keep ? '\r' : 0;
                *len = keep;
            }
        }
        if (!nl)
            break;
        i = e + 1;
        uint32_t ll = *len;
        if (ll && buf[ll - 1] == '\r')
            ll--;
        int cont = s->over[dir];
        s->over[dir] = 0;
        *len = 0;
        line(s, dir, buf, ll, 1, cont, sink);
    }
}

static void smtp_gap(void *state, int dir, size_t n, const struct app_sink *sink)
{
    struct smtp_state *s = state;
    (void)n;
    s->sink = sink;
    if (dir == APP_DIR_TOCLIENT) {
        s->srv_dead = 1;
        return;
    }
    if (s->cmode == CM_DATA || s->cmode == CM_BDAT) {
        if (s->file)
            app_file_gap(s->file, n);
        msg_end(s, 0, sink);
    }
    s->cmode = CM_DEAD;            /* no resynchronisation on the client side */
}

static void smtp_end(void *state, const struct app_sink *sink)
{
    struct smtp_state *s = state;
    s->sink = sink;
    if (s->tx_open && !s->tx_done && s->has_msg)
        mime_finish(s->mime, 0, mcb(s));
    tx_end(s, sink);
}

static const char *smtp_handover(void *state)
{
    const struct smtp_state *s = state;
    return s->tls ? "tls" : NULL;
}

static void smtp_destroy(void *state)
{
    struct smtp_state *s = state;
    if (!s)
        return;
    if (s->file)
        app_file_close(s->file, APP_FILE_TRUNCATED, NULL, NULL);
    for (unsigned i = 0; i < s->nheld; i++)
        app_file_close(s->held[i], (enum app_file_state)s->held_state[i], NULL, NULL);
    mime_free(s->mime);
    app_buf_release(s->st, s, sizeof(*s));
}

/* email{to[]}: a header value split at commas, each name trimmed. */
static void list_json(struct jw *w, const char *k, const char *v)
{
    if (!v)
        return;
    jw_karr(w, k);
    while (*v) {
        const char *c = strchr(v, ',');
        size_t n = c ? (size_t)(c - v) : strlen(v);
        const char *a = v, *e = v + n;
        while (a < e && (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n'))
            a++;
        while (e > a && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
            e--;
        jw_strn(w, a, (size_t)(e - a));
        if (!c)
            break;
        v = c + 1;
    }
    jw_arr_end(w);
}

static void smtp_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct smtp_meta *m = tx->meta;
    jw_ku64(w, "tx_id", m->tx_id);
    jw_kobj(w, "smtp");
    app_buf_kstr(w, "helo", m->helo);
    app_buf_kstr(w, "mail_from", m->mail_from);
    if (m->nrcpt) {
        jw_karr(w, "rcpt_to");
        for (unsigned i = 0; i < m->nrcpt; i++)
            jw_str(w, m->rcpt[i]);
        jw_arr_end(w);
    }
    jw_obj_end(w);
    if (!m->mime)
        return;
    const struct mime *mm = m->mime;
    jw_kobj(w, "email");
    jw_kstr(w, "status", mime_status_name(mime_status(mm)));
    const char *from = mime_from(mm);
    app_buf_kstr(w, "from", from);
    list_json(w, "to", mime_to(mm));
    list_json(w, "cc", mime_cc(mm));
    const char *const *v;
    unsigned n = mime_attachments(mm, &v);
    if (n) {
        jw_karr(w, "attachment");
        for (unsigned i = 0; i < n; i++)
            jw_str(w, v[i]);
        jw_arr_end(w);
    }
    n = mime_urls(mm, &v);
    if (n) {
        unsigned f = mime_url_flags(mm);
        jw_key(w, "has_ipv6_url");
        jw_bool(w, (f & MIME_URL_IPV6) != 0);
        jw_key(w, "has_ipv4_url");
        jw_bool(w, (f & MIME_URL_IPV4) != 0);
        jw_key(w, "has_exe_url");
        jw_bool(w, (f & MIME_URL_EXE) != 0);
        jw_karr(w, "url");
        for (unsigned i = 0; i < n; i++)
            jw_str(w, v[i]);
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

const struct app_parser app_smtp_parser = {
    .name = "smtp", .rule_proto = "smtp", .event_type = "smtp", .event_id = 11,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_MAIL_SMTP, 0 },
    .counters = (const char *const[]){ "tx", "parse_errors", "starttls", "files", "truncated", NULL },
    .create = smtp_create_cb, .feed = smtp_feed, .gap = smtp_gap, .end = smtp_end,
    .destroy = smtp_destroy, .handover = smtp_handover,
    .event_body = smtp_event_body,
};
