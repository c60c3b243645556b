/* app_ftp.c - FTP (RFC 959, 2428, 3659): the control connection's commands
 * and replies, and the data connections they announce (ftp-data).
 *
 * Control: client lines are commands ("VERB[ SP args]"), queued in order
 * (FTP_PENDING_MAX, for clients that do not wait); server lines are
 * replies, which answer the oldest queued command. A reply is one line
 * "ddd text" or several, from "ddd-text" to "ddd text" with any lines in
 * between (RFC 959 4.2); each line's text goes to reply[], each coded
 * line's code to completion_code[]. A 1yz reply is preliminary: the
 * command waits for its final reply (150 then 226 of a RETR are one
 * transaction, as in Suricata). A reply with no command waiting (the 220
 * greeting) is a transaction of its own. Each transaction is one TX_FTP,
 * event=1, when its final reply is in (or the flow ends: reply_received
 * "no"): ftp{command, command_data, command_truncated, completion_code[],
 * reply[], dynamic_port, reply_received, reply_truncated}, Suricata's
 * fields; `command` only for the verbs Suricata knows (ftp_known below).
 *
 * Data connections: PASV's 227 and EPSV's 229 replies and the PORT and
 * EPRT commands give the port of the next data connection; RETR and STOR
 * (the commands Suricata links) then announce it through the sink's
 * `expect` callback with the command and its argument (the file name). The
 * worker puts it in the shared expectation table (app_expect.c) with the
 * flow's addresses; the data connection, on whichever worker it lands,
 * finds it there and runs the ftp-data parser below with that name: its
 * bytes are a file (app_file.h) of that name, and at the end one
 * TX_FTP_DATA, event=1: ftp_data{filename, command}.
 *
 * Risk: a PASS with an argument, not after an accepted AUTH (234), for a
 * user other than anonymous/ftp, is ftp_cleartext_credentials (detail: the
 * USER name).
 *
 * Ownership: ftp_state / ftp_data_state belong to one app_flow of one
 * worker. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "app_buf.h"
#include "app_file.h"

#define FTP_LINE_MAX     4096
#define FTP_ARG_MAX      4096
#define FTP_PENDING_MAX  8
#define FTP_REPLY_LINES  64
#define FTP_REPLY_BYTES  (16u * 1024u)

enum { C_TX, C_PARSE_ERRORS, C_EXPECTATIONS };

struct ftp_cmd {
    char verb[16];
    uint8_t known, has_data, truncated, has_port;
    uint16_t port;
    uint32_t datalen;
    char data[FTP_ARG_MAX + 1];
};

struct ftp_meta {
    const struct ftp_cmd *cmd;      /* NULL: a reply to no command */
    const char *const *reply;
    const uint16_t *codes;
    unsigned nreply, ncodes;
    uint8_t received, truncated, has_port, active;
    uint16_t port;
    uint32_t tx_id;
};

struct ftp_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    uint8_t line[2][FTP_LINE_MAX];
    uint32_t len[2];
    uint8_t over[2], dead[2];
    struct ftp_cmd q[FTP_PENDING_MAX];
    unsigned qh, qn;
    /* the reply being collected */
    char rbuf[FTP_REPLY_BYTES];
    uint32_t rlen;
    const char *reply[FTP_REPLY_LINES];
    uint16_t codes[FTP_REPLY_LINES];
    unsigned nreply, ncodes;
    uint8_t in_multi, rtrunc, r_has_port, greeted;
    uint16_t multi_code, r_port;
    /* credentials: the last USER name; tls once an AUTH got its 234 */
    char user[64];
    uint8_t tls;
    /* data connections */
    uint16_t dyn_port;
    uint8_t has_dyn, dyn_active;
    uint32_t tx_id;
};

/* The verbs Suricata 7's FTP parser names (others are logged without a
 * command). */
static const char *const ftp_known[] = {
    "PORT", "EPRT", "PASV", "RETR", "EPSV", "STOR", "ABOR", "ACCT", "ALLO", "APPE", "AUTH",
    "CDUP", "CHMOD", "CWD", "DELE", "HELP", "IDLE", "LIST", "MAIL", "MDTM", "MKD", "MLFL",
    "MODE", "MRCP", "MRSQ", "MSAM", "MSND", "MSOM", "NLST", "NOOP", "PASS", "PWD", "QUIT",
    "REIN", "REST", "RMD", "RNFR", "RNTO", "SITE", "SIZE", "SMNT", "STAT", "STOU", "STRU",
    "SYST", "TYPE", "UMASK", "USER", NULL,
};

static void *ftp_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct ftp_state *s = app_buf_alloc(st, sizeof(*s));
    (void)lim;
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    return s;
}

static void reply_reset(struct ftp_state *s)
{
    s->rlen = 0;
    s->nreply = s->ncodes = 0;
    s->in_multi = s->rtrunc = s->r_has_port = 0;
}

static void emit(struct ftp_state *s, const struct ftp_cmd *c, int received,
                 const struct app_sink *sink)
{
    struct ftp_meta m;
    struct txb t = { .n = 0 };
    memset(&m, 0, sizeof(m));
    m.cmd = c;
    m.reply = s->reply;
    m.codes = s->codes;
    m.nreply = received ? s->nreply : 0;
    m.ncodes = received ? s->ncodes : 0;
    m.received = (uint8_t)received;
    m.truncated = s->rtrunc;
    m.tx_id = s->tx_id++;
    if (c && c->has_port) {
        m.has_port = 1;
        m.port = c->port;
        m.active = 1;           /* PORT, EPRT */
    } else if (received && s->r_has_port) {
        m.has_port = 1;
        m.port = s->r_port;
    }
    s->ctr[C_TX]++;
    app_buf_emit(sink, s->id, TX_FTP, APP_DIR_TOSERVER, 1, &t, &m);
}

/* "h1,h2,h3,h4,p1,p2" somewhere in s: the port, or -1. */
static int port_of_tuple(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            continue;
        unsigned v[6], k = 0;
        size_t j = i;
        while (k < 6) {
            unsigned x = 0, d = 0;
            while (j < n && p[j] >= '0' && p[j] <= '9' && d < 4) {
                x = x * 10 + (unsigned)(p[j++] - '0');
                d++;
            }
            if (!d || x > 255)
                break;
            v[k++] = x;
            if (k < 6) {
                if (j >= n || p[j] != ',')
                    break;
                j++;
            }
        }
        if (k == 6)
            return (int)(v[4] * 256 + v[5]);
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    }
    return -1;
}

/* "(|||port|)" (EPSV) or "|1|addr|port|" (EPRT): the last field. */
static int port_of_ext(const uint8_t *p, size_t n)
{
    const uint8_t *a = memchr(p, '|', n);
    if (!a)
        return -1;
    uint8_t d = *a;
    size_t i = (size_t)(a - p);
    int fields = 0;
    size_t start[4] = { 0 }, end[4] = { 0 };
    for (size_t j = i; j < n && fields < 4; j++)
        if (p[j] == d) {
            if (fields)
                end[fields - 1] = j;
            if (fields < 3)
                start[fields] = j + 1;
            fields++;
        }
    if (fields < 4)
        return -1;
    unsigned x = 0;
    if (end[2] <= start[2] || end[2] - start[2] > 5)
        return -1;
    for (size_t j = start[2]; j < end[2]; j++) {
        if (p[j] < '0' || p[j] > '9')
            return -1;
        x = x * 10 + (unsigned)(p[j] - '0');
    }
    return x && x <= 65535 ? (int)x : -1;
}

static int verb_is(const struct ftp_cmd *c, const char *v)
{
    return !strcmp(c->verb, v);
}

/* USER's name is kept; a PASS before any AUTH TLS is the risk
 * ftp_cleartext_credentials, detail the user name (never the password).
 * "anonymous" and "ftp" log in with an e-mail address, not a secret: no risk. */
static void credentials(struct ftp_state *s, const struct ftp_cmd *c, const struct app_sink *sink)
{
    if (verb_is(c, "USER")) {
        size_t k = c->has_data ? c->datalen : 0;
        if (k > sizeof(s->user) - 1)
            k = sizeof(s->user) - 1;
        memcpy(s->user, c->data, k);
        s->user[k] = 0;
        return;
    }
    if (!c->has_data || s->tls || !strcasecmp(s->user, "anonymous") || !strcasecmp(s->user, "ftp"))
        return;
    struct app_risk_meta r = { "ftp_cleartext_credentials", s->user };
    app_buf_emit(sink, s->id, TX_RISK, APP_DIR_TOSERVER, 1, NULL, &r);
}

static void command(struct ftp_state *s, const uint8_t *l, size_t n, int truncated,
                    const struct app_sink *sink)
{
    if (s->qn == FTP_PENDING_MAX) {           /* a client that never waits: oldest unanswered */
        emit(s, &s->q[s->qh], 0, sink);
        s->qh = (s->qh + 1) % FTP_PENDING_MAX;
        s->qn--;
    }
    struct ftp_cmd *c = &s->q[(s->qh + s->qn) % FTP_PENDING_MAX];
    memset(c, 0, offsetof(struct ftp_cmd, data));
    size_t v = 0;
    while (v < n && l[v] != ' ' && v < sizeof(c->verb) - 1) {
        c->verb[v] = (char)(l[v] >= 'a' && l[v] <= 'z' ? l[v] - 32 : l[v]);
        v++;
    }
    c->verb[v] = 0;
    for (const char *const *k = ftp_known; *k; k++)
        if (!strcmp(*k, c->verb))
            c->known = 1;
    while (v < n && l[v] != ' ')
        v++;                                /* an overlong verb */
    while (n > v && (l[n - 1] == ' ' || l[n - 1] == '\t'))
        n--;                                /* trailing blanks, as Suricata trims them */
    if (v < n) {
        v++;
        size_t k = n - v < FTP_ARG_MAX ? n - v : FTP_ARG_MAX;
        memcpy(c->data, l + v, k);
        c->data[k] = 0;
        c->datalen = (uint32_t)k;
        c->has_data = 1;
        c->truncated = (uint8_t)(truncated || k < n - v);
    }
    if (verb_is(c, "USER") || verb_is(c, "PASS"))
        credentials(s, c, sink);
    int port_cmd = verb_is(c, "PORT"), eprt_cmd = verb_is(c, "EPRT");
    if ((port_cmd || eprt_cmd) && c->has_data) {      /* active mode: the client's port */
        int p = port_cmd ? port_of_tuple((const uint8_t *)c->data, c->datalen)
                         : port_of_ext((const uint8_t *)c->data, c->datalen);
        if (p > 0) {
            c->has_port = 1;
            c->port = (uint16_t)p;
            s->dyn_port = (uint16_t)p;
            s->has_dyn = 1;
            s->dyn_active = 1;
        }
    } else if ((verb_is(c, "RETR") || verb_is(c, "STOR")) && s->has_dyn && sink->expect) {
        struct app_expect e;
        memset(&e, 0, sizeof(e));
        e.port = s->dyn_port;
        e.active = s->dyn_active;
        e.to_client = verb_is(c, "RETR");
        memcpy(e.command, c->verb, 5);
        e.namelen = c->has_data ? (c->datalen < sizeof(e.name) ? c->datalen : sizeof(e.name)) : 0;
        memcpy(e.name, c->data, e.namelen);
        sink->expect(sink->ud, &e);
        s->ctr[C_EXPECTATIONS]++;
    }
    s->qn++;
}

static void reply_add(struct ftp_state *s, const uint8_t *t, size_t n, int code)
{
    if (code >= 0 && s->ncodes < FTP_REPLY_LINES)
        s->codes[s->ncodes++] = (uint16_t)code;
    if (s->nreply >= FTP_REPLY_LINES || s->rlen + n + 1 > FTP_REPLY_BYTES) {
        s->rtrunc = 1;
        return;
    }
    memcpy(s->rbuf + s->rlen, t, n);
    s->rbuf[s->rlen + n] = 0;
    s->reply[s->nreply++] = s->rbuf + s->rlen;
    s->rlen += (uint32_t)n + 1;
}

static int code3(const uint8_t *l, size_t n)
{
    if (n < 3)
        return -1;
    for (int i = 0; i < 3; i++)
        if (l[i] < '0' || l[i] > '9')
            return -1;
    return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
}

static void reply_line(struct ftp_state *s, const uint8_t *l, size_t n, int truncated,
                       const struct app_sink *sink)
{
    int code = code3(l, n);
    if (truncated)
        s->rtrunc = 1;
    if (s->in_multi) {
        /* inside a multi-line reply: it ends at "ddd " with its code */
        if (code == s->multi_code && (n == 3 || l[3] == ' ')) {
            reply_add(s, l + (n > 4 ? 4 : n), n > 4 ? n - 4 : 0, code);
            s->in_multi = 0;
        } else {
            reply_add(s, l, n, -1);
            return;
        }
    } else {
        if (code < 0) {
            s->ctr[C_PARSE_ERRORS]++;
            return;
        }
        reply_add(s, l + (n > 4 ? 4 : n), n > 4 ? n - 4 : 0, code);
        if (n > 3 && l[3] == '-') {
            s->in_multi = 1;
            s->multi_code = (uint16_t)code;
            return;
        }
    }
    int last = s->ncodes ? s->codes[s->ncodes - 1] : code;
    if (last == 227 || last == 229) {
        int p = last == 227 ? port_of_tuple(l, n) : port_of_ext(l, n);
        if (p > 0) {
            s->r_has_port = 1;
            s->r_port = (uint16_t)p;
            s->dyn_port = (uint16_t)p;
            s->has_dyn = 1;
            s->dyn_active = 0;
        }
    }
    if (!s->greeted) {
        /* The first reply is the server's greeting (RFC 959 5.4: 120, 220
         * or 421 on connection): it answers no command, even when the
         * worker hands over the client's first commands before it. */
        s->greeted = (uint8_t)(last < 100 || last >= 200);
        emit(s, NULL, 1, sink);
    } else if (last >= 100 && last < 200 && s->qn) {
        return;                 /* preliminary: the command waits for its final reply */
    } else if (s->qn) {
        if (last == 234 && verb_is(&s->q[s->qh], "AUTH"))
            s->tls = 1;                 /* the rest is TLS: no credentials in clear */
        emit(s, &s->q[s->qh], 1, sink);
        s->qh = (s->qh + 1) % FTP_PENDING_MAX;
        s->qn--;
    } else {
        emit(s, NULL, 1, sink);
    }
    reply_reset(s);
}

static void line(struct ftp_state *s, int dir, const uint8_t *l, size_t n, int truncated,
                 const struct app_sink *sink)
{
    if (dir == APP_DIR_TOSERVER) {
        if (n)
            command(s, l, n, truncated, sink);
    } else {
        reply_line(s, l, n, truncated, sink);
    }
}

static void ftp_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sink)
{
    struct ftp_state *s = state;
    if ((dir != 0 && dir != 1) || s->dead[dir])
        return;
    uint8_t *buf = s->line[dir];
    uint32_t *len = &s->len[dir];
    for (size_t i = 0; i < n;) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) : n;
        size_t k = e - i, room = FTP_LINE_MAX - *len;
        if (k > room) {
            s->over[dir] = 1;       /* the rest of this line is dropped */
            k = room;
        }
        memcpy(buf + *len, p + i, k);
        *len += (uint32_t)k;
        if (!nl)
            break;
        i = e + 1;
        uint32_t ll = *len;
        if (ll && buf[ll - 1] == '\r')
            ll--;
        line(s, dir, buf, ll, s->over[dir], sink);
        *len = 0;
        s->over[dir] = 0;
    }
}

static void ftp_gap(void *state, int dir, size_t n, const struct app_sink *sink)
{
    struct ftp_state *s = state;
    (void)n;
    (void)sink;
    if (dir == 0 || dir == 1) {
        s->len[dir] = 0;
        s->over[dir] = 1;           /* resynchronise at the next line break */
    }
}

static void ftp_end(void *state, const struct app_sink *sink)
{
    struct ftp_state *s = state;
    while (s->qn) {
        int got = s->nreply > 0;
        emit(s, &s->q[s->qh], got, sink);
        reply_reset(s);
        s->qh = (s->qh + 1) % FTP_PENDING_MAX;
        s->qn--;
    }
    if (s->nreply) {
        emit(s, NULL, 1, sink);
        reply_reset(s);
    }
}

static void ftp_destroy(void *state)
{
    struct ftp_state *s = state;
    if (s)
        app_buf_release(s->st, s, sizeof(*s));
}

static void ftp_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct ftp_meta *m = tx->meta;
    jw_ku64(w, "tx_id", m->tx_id);
    jw_kobj(w, "ftp");
    if (m->cmd && m->cmd->known) {
        jw_kstr(w, "command", m->cmd->verb);
        if (m->cmd->has_data) {
            jw_key(w, "command_data");
            jw_strn(w, m->cmd->data, m->cmd->datalen);
            jw_key(w, "command_truncated");
            jw_bool(w, m->cmd->truncated);
        }
    }
    if (m->ncodes) {
        jw_karr(w, "completion_code");
        for (unsigned i = 0; i < m->ncodes; i++) {
            char c[4] = { (char)('0' + m->codes[i] / 100), (char)('0' + m->codes[i] / 10 % 10),
                          (char)('0' + m->codes[i] % 10), 0 };
            jw_str(w, c);
        }
        jw_arr_end(w);
    }
    if (m->nreply) {
        jw_karr(w, "reply");
        for (unsigned i = 0; i < m->nreply; i++)
            jw_str(w, m->reply[i]);
        jw_arr_end(w);
    }
    if (m->has_port)
        jw_ku64(w, "dynamic_port", m->port);
    if (m->active)
        jw_kstr(w, "mode", "active");
    jw_kstr(w, "reply_received", m->received ? "yes" : "no");
    jw_key(w, "reply_truncated");
    jw_bool(w, m->truncated);
    jw_obj_end(w);
}

const struct app_parser app_ftp_parser = {
    .name = "ftp", .rule_proto = "ftp", .event_type = "ftp", .event_id = 12,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_FTP_CONTROL, 0 },
    .counters = (const char *const[]){ "tx", "parse_errors", "expectations", NULL },
    .create = ftp_create, .feed = ftp_feed, .gap = ftp_gap, .end = ftp_end,
    .destroy = ftp_destroy,
    .event_body = ftp_event_body,
};

/* ---- ftp-data: one data connection announced by RETR or STOR ---- */

enum { D_TRANSFERS, D_BYTES };

struct ftp_data_meta {
    const char *filename, *command;
    uint32_t tx_id;
};

struct ftp_data_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    uint8_t expected, to_client, gapped, done;
    char command[8];
    char name[APP_EXPECT_NAME_MAX + 1];
    uint32_t namelen;
    struct app_file *file;
    uint8_t opened;
};

static void *ftp_data_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct ftp_data_state *s = app_buf_alloc(st, sizeof(*s));
    (void)lim;
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    return s;
}

static void ftp_data_expected(void *state, const struct app_expect *e)
{
    struct ftp_data_state *s = state;
    s->expected = 1;
    /* active mode: the control server opened this connection, so its
     * client side is the FTP server: a download travels to our server */
    s->to_client = (uint8_t)(e->active ? !e->to_client : e->to_client);
    memcpy(s->command, e->command, sizeof(s->command) - 1);
    s->namelen = e->namelen < APP_EXPECT_NAME_MAX ? e->namelen : APP_EXPECT_NAME_MAX;
    memcpy(s->name, e->name, s->namelen);
    s->name[s->namelen] = 0;
}

static void ftp_data_feed(void *state, int dir, const uint8_t *p, size_t n,
                          const struct app_sink *sink)
{
    struct ftp_data_state *s = state;
    if (!s->expected || s->done || s->gapped || !n)
        return;
    if (dir != (s->to_client ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER))
        return;                     /* the file travels one way */
    if (!s->opened) {
        s->opened = 1;
        s->file = app_file_open(s->st, s->id, dir, 0, (const uint8_t *)s->name, s->namelen);
    }
    s->ctr[D_BYTES] += n;
    app_file_data(s->file, p, n, sink);
}

static void ftp_data_gap(void *state, int dir, size_t n, const struct app_sink *sink)
{
    struct ftp_data_state *s = state;
    if (!s->expected || dir != (s->to_client ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER))
        return;
    /* As Suricata: the file ends TRUNCATED at the hole, with the bytes
     * before it (no gap counted in its size); what follows is not fed. */
    (void)n;
    if (!s->gapped && s->file) {
        struct ftp_data_meta m = { s->name, s->command, 0 };
        struct app_tx parent = { .proto = (uint8_t)s->id, .kind = TX_FTP_DATA,
                                 .dir = (uint8_t)dir, .meta = &m };
        app_file_close(s->file, APP_FILE_TRUNCATED, &parent, sink);
        s->file = NULL;
    }
    s->gapped = 1;
}

static void ftp_data_end(void *state, const struct app_sink *sink)
{
    struct ftp_data_state *s = state;
    if (!s->expected || s->done)
        return;
    s->done = 1;
    struct ftp_data_meta m = { s->name, s->command, 0 };
    struct app_tx parent = { .proto = (uint8_t)s->id, .kind = TX_FTP_DATA,
                             .dir = s->to_client ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER,
                             .meta = &m };
    if (s->file)
        app_file_close(s->file, s->gapped ? APP_FILE_TRUNCATED : APP_FILE_CLOSED, &parent, sink);
    s->file = NULL;
    s->ctr[D_TRANSFERS]++;
    struct txb t = { .n = 0 };
    app_buf_emit(sink, s->id, TX_FTP_DATA, APP_DIR_TOSERVER, 1, &t, &m);
}

static void ftp_data_destroy(void *state)
{
    struct ftp_data_state *s = state;
    if (!s)
        return;
    if (s->file)
        app_file_close(s->file, APP_FILE_TRUNCATED, NULL, NULL);
    app_buf_release(s->st, s, sizeof(*s));
}

static void ftp_data_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct ftp_data_meta *m = tx->meta;
    jw_ku64(w, "tx_id", m->tx_id);
    jw_kobj(w, "ftp_data");
    app_buf_kstr(w, "filename", m->filename);
    app_buf_kstr(w, "command", m->command);
    jw_obj_end(w);
}

const struct app_parser app_ftp_data_parser = {
    .name = "ftp-data", .rule_proto = "ftp-data", .event_type = "ftp_data", .event_id = 13,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_FTP_DATA, 0 },
    .counters = (const char *const[]){ "transfers", "bytes", NULL },
    .create = ftp_data_create, .feed = ftp_data_feed, .gap = ftp_data_gap, .end = ftp_data_end,
    .destroy = ftp_data_destroy, .expected = ftp_data_expected,
    .event_body = ftp_data_event_body,
};
