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
 * banner a direction is done (the binary protocol is not parsed).
 *
 * Ownership: ssh_state belongs to one app_flow. */
#include <string.h>

#include "taishi/core/util.h"
#include "app_internal.h"

#define SSH_LINE_MAX 255
#define SSH_PRE_MAX  8192

struct ssh_side {
    char line[SSH_LINE_MAX + 1];
    uint32_t len, pre;
    uint8_t done, dead;
    char proto[SSH_LINE_MAX + 1], software[SSH_LINE_MAX + 1];
};

struct ssh_state {
    struct app_stats *st;
    struct ssh_side side[2];
    uint8_t evented;
};

struct ssh_state *ssh_new(struct app_stats *st)
{
    struct ssh_state *s = app_mem_alloc(st, sizeof(*s));
    s->st = st;
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
    s->st->ssh_banners++;

    struct txb t = { .n = 0 };
    struct app_ssh_meta m;
    txb_add(&t, BUF_SSH_PROTO, sd->proto, pl);
    txb_add(&t, BUF_SSH_SOFTWARE, sd->software, sl);
    ssh_meta(s, dir, &m);
    int both = s->side[0].done && s->side[1].done;
    app_emit(sink, APP_SSH, TX_SSH_BANNER, dir, both && !s->evented, &t, &m);
    if (both)
        s->evented = 1;
    return 1;
}

void ssh_feed(struct ssh_state *s, int dir, const uint8_t *p, size_t n, const struct app_sink *sk)
{
    struct ssh_side *sd = &s->side[dir];

    for (size_t i = 0; i < n && !sd->done && !sd->dead; i++) {
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
}

void ssh_gap(struct ssh_state *s, int dir)
{
    if (!s->side[dir].done)
        s->side[dir].dead = 1;
}

void ssh_end(struct ssh_state *s, const struct app_sink *sk)
{
    if (s->evented)
        return;
    for (int d = 0; d < 2; d++)
        if (s->side[d].done) {
            struct app_ssh_meta m;
            ssh_meta(s, d, &m);
            app_emit(sk, APP_SSH, TX_SSH_BANNER, d, 1, NULL, &m);
            s->evented = 1;
            return;
        }
}

void ssh_free(struct ssh_state *s)
{
    if (s)
        app_mem_free(s->st, s, sizeof(*s));
}
