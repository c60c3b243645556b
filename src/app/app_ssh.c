/* app_ssh.c - the SSH identification strings (RFC 4253 section 4.2):
 * "SSH-protoversion-softwareversion[ SP comments]" CR LF, one per side.
 *
 * Each direction collects one line at a time (at most 255 bytes, the RFC's
 * limit; a lone LF also ends a line). A server may send other lines before
 * its banner (RFC 4253): up to SSH_PRE_MAX bytes of them are skipped. Each
 * banner is one TX_SSH_BANNER (bufs ssh.proto and ssh.software); like
 * Suricata, one ssh event per flow: the second banner carries event=1 and a
 * meta with both sides (client_* and server_* fields). A flow that ends
 * with a single banner reports it then (event=1, no buffers). After its
 * banner a direction's binary packets (RFC 4253 section 6) are only walked
 * by their headers (packet_length, padding_length, message code) up to its
 * SSH_MSG_NEWKEYS (21): after both sides' NEWKEYS the rest is encrypted, and
 * Suricata 7.0.10 inspects no more payload there (ssh_encrypted).
 *
 * The ssh event: ssh{client{proto_version, software_version}, server{...}}.
 *
 * Ownership: ssh_state belongs to one app_flow. */
#include <ndpi/ndpi_protocol_ids.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_buf.h"

#define SSH_LINE_MAX 255
#define SSH_PRE_MAX  8192

struct ssh_side {
    char line[SSH_LINE_MAX + 1];
    uint32_t len, pre;
    uint8_t done, dead;
    char proto[SSH_LINE_MAX + 1], software[SSH_LINE_MAX + 1];
    /* binary packets after the banner, until NEWKEYS */
    uint8_t rec[6], rlen;               /* packet_length, padding_length, message code */
    uint32_t skip;                      /* bytes of the current packet still to pass */
    uint8_t newkeys, bin_dead;
};

#define SSH_PACKET_MAX (256 * 1024)     /* RFC 4253 6.1: 35000 at least; more is not SSH */

enum { SSH_C_BANNERS };                 /* counters, named in the entry */

struct ssh_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    struct ssh_side side[2];
    uint8_t evented;
};

static void *ssh_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct ssh_state *s = app_buf_alloc(st, sizeof(*s));
    (void)lim;
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    return s;
}

static void ssh_meta(const struct ssh_state *s, int dir, struct app_ssh_meta *m)
{
    const struct ssh_side *c = &s->side[APP_DIR_TOSERVER], *sv = &s->side[APP_DIR_TOCLIENT];
    memset(m, 0, sizeof(*m));
    m->proto = s->side[dir].proto;
    m->software = s->side[dir].software;
    m->is_server = dir == APP_DIR_TOCLIENT;
    if (c->done) {
        m->client_proto = c->proto;
        m->client_software = c->software;
    }
    if (sv->done) {
        m->server_proto = sv->proto;
        m->server_software = sv->software;
    }
}

/* A complete line (without CR LF). Returns 1 when it was the banner. */
static int ssh_line(struct ssh_state *s, int dir, const struct app_sink *sink)
{
    struct ssh_side *sd = &s->side[dir];
    const char *l = sd->line;

    if (sd->len < 4 || memcmp(l, "SSH-", 4) != 0) {
        sd->pre += sd->len + 1;
        if (dir == APP_DIR_TOSERVER || sd->pre > SSH_PRE_MAX)
            sd->dead = 1;
        return 0;
    }
    const char *pv = l + 4, *dash = memchr(pv, '-', sd->len - 4);
    if (!dash) {
        sd->dead = 1;
        return 0;
    }
    size_t pl = (size_t)(dash - pv);
    memcpy(sd->proto, pv, pl);
    sd->proto[pl] = 0;
    const char *sw = dash + 1, *end = l + sd->len;
    size_t sl = 0;
    while (sw + sl < end && sw[sl] != ' ')
        sl++;
    memcpy(sd->software, sw, sl);
    sd->software[sl] = 0;
    sd->done = 1;
    s->ctr[SSH_C_BANNERS]++;

    struct txb t = { .n = 0 };
    struct app_ssh_meta m;
    txb_add(&t, BUF_SSH_PROTO, sd->proto, pl);
    txb_add(&t, BUF_SSH_SOFTWARE, sd->software, sl);
    ssh_meta(s, dir, &m);
    int both = s->side[0].done && s->side[1].done;
    app_buf_emit(sink, s->id, TX_SSH_BANNER, dir, both && !s->evented, &t, &m);
    if (both)
        s->evented = 1;
    return 1;
}

/* The binary packets of a direction after its banner, header by header. */
static void ssh_packets(struct ssh_side *sd, const uint8_t *p, size_t n)
{
    while (n && !sd->newkeys && !sd->bin_dead) {
        if (sd->skip) {
            size_t k = n < sd->skip ? n : sd->skip;
            sd->skip -= (uint32_t)k;
            p += k;
            n -= k;
            continue;
        }
        sd->rec[sd->rlen++] = *p++;
        n--;
        if (sd->rlen < 6)
            continue;
        uint32_t len = (uint32_t)sd->rec[0] << 24 | (uint32_t)sd->rec[1] << 16 | (uint32_t)sd->rec[2] << 8 | sd->rec[3];
        sd->rlen = 0;
        if (len < 2 || len > SSH_PACKET_MAX || sd->rec[4] >= len - 1) {
            sd->bin_dead = 1;           /* not a packet: stop walking (inspection goes on) */
            return;
        }
        if (sd->rec[5] == 21)
            sd->newkeys = 1;
        sd->skip = len - 2;             /* past padding_length and the message code */
    }
}

static void ssh_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sk)
{
    struct ssh_state *s = state;
    struct ssh_side *sd = &s->side[dir];

    if (sd->done) {
        ssh_packets(sd, p, n);
        return;
    }
    size_t i = 0;
    for (; i < n && !sd->done && !sd->dead; i++) {
        uint8_t c = p[i];
        if (c == '\n') {
            if (sd->len && sd->line[sd->len - 1] == '\r')
                sd->len--;
            sd->line[sd->len] = 0;
            ssh_line(s, dir, sk);
            sd->len = 0;
            continue;
        }
        if (sd->len >= SSH_LINE_MAX) {
            sd->dead = 1;       /* longer than the RFC allows: not SSH */
            break;
        }
        sd->line[sd->len++] = (char)c;
    }
    if (sd->done && i < n)
        ssh_packets(sd, p + i, n - i);
}

static void ssh_gap(void *state, int dir, size_t n, const struct app_sink *sk)
{
    struct ssh_state *s = state;
    (void)n;
    (void)sk;
    if (!s->side[dir].done)
        s->side[dir].dead = 1;
    s->side[dir].bin_dead = 1;          /* packets cannot be followed across a hole */
}

static int ssh_encrypted(void *state)
{
    const struct ssh_state *s = state;
    return s->side[0].newkeys && s->side[1].newkeys;
}

static void ssh_end(void *state, const struct app_sink *sk)
{
    struct ssh_state *s = state;
    if (s->evented)
        return;
    for (int d = 0; d < 2; d++)
        if (s->side[d].done) {
            struct app_ssh_meta m;
            ssh_meta(s, d, &m);
            app_buf_emit(sk, s->id, TX_SSH_BANNER, d, 1, NULL, &m);
            s->evented = 1;
            return;
        }
}

static void ssh_destroy(void *state)
{
    struct ssh_state *s = state;
    if (s)
        app_buf_release(s->st, s, sizeof(*s));
}

/* ssh{client{proto_version, software_version}, server{...}} */
static void ssh_side_json(struct jw *w, const char *k, const char *proto, const char *sw)
{
    if (!proto)
        return;
    jw_kobj(w, k);
    jw_kstr(w, "proto_version", proto);
    app_buf_kstr(w, "software_version", sw);
    jw_obj_end(w);
}

static void ssh_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct app_ssh_meta *m = tx->meta;
    jw_kobj(w, "ssh");
    ssh_side_json(w, "client", m->client_proto, m->client_software);
    ssh_side_json(w, "server", m->server_proto, m->server_software);
    jw_obj_end(w);
}

/* Its rule keywords, as Suricata spells them: sticky buffers, and the
 * legacy content modifiers. */
static const struct app_keyword ssh_keywords[] = {
    APP_STICKY("ssh.proto", BUF_SSH_PROTO),
    APP_STICKY("ssh_proto", BUF_SSH_PROTO),
    APP_STICKY("ssh.software", BUF_SSH_SOFTWARE),
    APP_STICKY("ssh_software", BUF_SSH_SOFTWARE),
    APP_KEYWORDS_END,
};

const struct app_parser app_ssh_parser = {
    .name = "ssh", .rule_proto = "ssh", .event_type = "ssh", .event_id = 9,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_SSH, 0 },
    .counters = (const char *const[]){ "banners", NULL },
    .keywords = ssh_keywords,
    .create = ssh_create, .feed = ssh_feed, .gap = ssh_gap, .end = ssh_end, .destroy = ssh_destroy,
    .encrypted = ssh_encrypted, .event_body = ssh_event_body,
};
