/* app_rfb.c - RFB, the VNC remote framebuffer protocol (RFC 6143): the
 * handshake up to ServerInit, as Suricata 7.0.10 logs it.
 *
 * The handshake alternates sides, and later steps depend on earlier ones
 * (the version decides how security types are offered, the chosen type
 * whether a challenge follows). Each direction's bytes are kept (at most
 * RFB_SIDE_MAX; the handshake is small) and one cursor per direction walks
 * the steps in protocol order, waiting when the side a step reads from has
 * not sent enough yet; so it does not matter how the two directions are
 * cut or interleaved. Steps: server version "RFB xxx.yyy\n", client
 * version; 3.3: the server's u32 security type; 3.7+: the server's list
 * (count 0: a failure reason follows) and the client's choice; type 2
 * (VNC authentication): 16-byte challenge and response; the u32 security
 * result (3.8 always, 3.7 after VNC authentication; a failure carries a
 * reason in 3.8); ClientInit (shared flag); ServerInit (size, pixel
 * format, desktop name). Anything that does not fit a step is a parse error
 * and ends parsing.
 *
 * One transaction per flow, as Suricata: the rfb event when ServerInit is
 * parsed, the handshake fails, or the flow ends after a version was seen:
 * rfb{server_protocol_version{major, minor}, client_protocol_version,
 * authentication{security_type, vnc{challenge, response}, security_result},
 * server_security_failure_reason, screen_shared, framebuffer{width, height,
 * name, pixel_format{...}}}. (Suricata writes "depth" twice in
 * pixel_format; we write it once.) The desktop name is also the rule
 * buffer rfb.name.
 *
 * Ownership: rfb_state belongs to one app_flow of one worker. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "app_buf.h"

#define RFB_SIDE_MAX 4096u              /* bytes kept per direction */
#define RFB_NAME_MAX 2048u              /* desktop name bytes kept */

enum { C_HANDSHAKES, C_PARSE_ERRORS };  /* the entry's counters */

enum rfb_step { S_SVER, S_CVER, S_SECTYPES, S_CHOICE, S_CHALLENGE, S_RESPONSE, S_RESULT,
                S_REASON, S_CINIT, S_SINIT, S_DONE };

struct rfb_meta {
    char sver[2][4], cver[2][4];        /* major, minor as sent ("003", "008") */
    uint8_t has_sver, has_cver, has_type, has_result, has_cinit, has_sinit, has_reason;
    uint32_t sec_type, result;
    const uint8_t *challenge, *response; /* 16 bytes each when set */
    const uint8_t *reason, *name;
    uint32_t reason_len, name_len;
    uint8_t shared;
    uint16_t width, height;
    const uint8_t *pf;                  /* 16-byte pixel format */
};

struct rfb_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    struct abuf side[2];
    uint32_t cur[2];
    uint8_t step, minor, dead, evented;
    struct rfb_meta m;                  /* views into side[] (valid while the state lives) */
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* n bytes of direction d at its cursor, or NULL when not there yet. */
static const uint8_t *take(struct rfb_state *s, int d, uint32_t n)
{
    if (s->side[d].len - s->cur[d] < n)
        return NULL;
    const uint8_t *p = s->side[d].d + s->cur[d];
    s->cur[d] += n;
    return p;
}

static int rfb_version(const uint8_t *v, char out[2][4])
{
    if (memcmp(v, "RFB ", 4) || v[7] != '.' || v[11] != '\n')
        return -1;
    for (int i = 0; i < 3; i++)
        if (v[4 + i] < '0' || v[4 + i] > '9' || v[8 + i] < '0' || v[8 + i] > '9')
            return -1;
    memcpy(out[0], v + 4, 3);
    out[0][3] = 0;
    memcpy(out[1], v + 8, 3);
    out[1][3] = 0;
    return 0;
}

static void rfb_emit(struct rfb_state *s, int dir, const struct app_sink *sink)
{
    struct txb t = { .n = 0 };
    if (s->evented)
        return;
    s->evented = 1;
    if (s->m.has_sinit)
        txb_add(&t, BUF_RFB_NAME, s->m.name, s->m.name_len);
    app_buf_emit(sink, s->id, TX_MSG, dir, 1, &t, &s->m);
}

/* Walks the steps as far as both sides' bytes allow. */
static void rfb_run(struct rfb_state *s, const struct app_sink *sink)
{
    struct rfb_meta *m = &s->m;
    const uint8_t *p;

    while (!s->dead && s->step != S_DONE) {
        switch (s->step) {
        case S_SVER: case S_CVER: {
            int d = s->step == S_SVER ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER;
            if (!(p = take(s, d, 12)))
                return;
            if (rfb_version(p, d == APP_DIR_TOCLIENT ? m->sver : m->cver) < 0)
                goto bad;
            if (d == APP_DIR_TOCLIENT) {
                m->has_sver = 1;
            } else {
                m->has_cver = 1;
                s->minor = (uint8_t)((m->cver[1][1] - '0') * 10 + (m->cver[1][2] - '0'));
            }
            s->step++;
            break;
        }
        case S_SECTYPES:
            if (s->minor < 7) {                 /* 3.3: the server picks */
                if (!(p = take(s, APP_DIR_TOCLIENT, 4)))
                    return;
                m->sec_type = be32(p);
                m->has_type = 1;
                s->step = m->sec_type == 0 ? S_REASON : m->sec_type == 2 ? S_CHALLENGE : S_CINIT;
                break;
            }
            if (!(p = take(s, APP_DIR_TOCLIENT, 1)))
                return;
            if (p[0] == 0) {
                s->step = S_REASON;
                break;
            }
            if (!take(s, APP_DIR_TOCLIENT, p[0])) {
                s->cur[APP_DIR_TOCLIENT]--;     /* wait for the whole list */
                return;
            }
            s->step = S_CHOICE;
            break;
        case S_CHOICE:
            if (!(p = take(s, APP_DIR_TOSERVER, 1)))
                return;
            m->sec_type = p[0];
            m->has_type = 1;
            s->step = p[0] == 2 ? S_CHALLENGE : s->minor >= 8 ? S_RESULT : S_CINIT;
            break;
        case S_CHALLENGE:
            if (!(m->challenge = take(s, APP_DIR_TOCLIENT, 16)))
                return;
            s->step = S_RESPONSE;
            break;
        case S_RESPONSE:
            if (!(m->response = take(s, APP_DIR_TOSERVER, 16)))
                return;
            s->step = S_RESULT;
            break;
        case S_RESULT:
            if (!(p = take(s, APP_DIR_TOCLIENT, 4)))
                return;
            m->result = be32(p);
            m->has_result = 1;
            if (m->result != 0) {
                s->step = s->minor >= 8 ? S_REASON : S_DONE;
                /* a 3.8 failure is logged by its reason alone (as Suricata) */
                m->has_result = s->step == S_DONE;
                if (s->step == S_DONE)
                    rfb_emit(s, APP_DIR_TOCLIENT, sink);
                break;
            }
            s->step = S_CINIT;
            break;
        case S_REASON: {
            const uint8_t *l = take(s, APP_DIR_TOCLIENT, 4);
            if (!l)
                return;
            uint32_t n = be32(l);
            uint32_t keep = n < RFB_NAME_MAX ? n : RFB_NAME_MAX;
            if (!(p = take(s, APP_DIR_TOCLIENT, keep))) {
                s->cur[APP_DIR_TOCLIENT] -= 4;
                return;
            }
            m->reason = p;
            m->reason_len = keep;
            m->has_reason = 1;
            s->step = S_DONE;
            rfb_emit(s, APP_DIR_TOCLIENT, sink);
            break;
        }
        case S_CINIT:
            if (!(p = take(s, APP_DIR_TOSERVER, 1)))
                return;
            m->shared = p[0];
            m->has_cinit = 1;
            s->step = S_SINIT;
            break;
        case S_SINIT: {
            const uint8_t *h = take(s, APP_DIR_TOCLIENT, 24);
            if (!h)
                return;
            uint32_t n = be32(h + 20), keep = n < RFB_NAME_MAX ? n : RFB_NAME_MAX;
            if (!(p = take(s, APP_DIR_TOCLIENT, keep))) {
                s->cur[APP_DIR_TOCLIENT] -= 24;
                return;
            }
            m->width = (uint16_t)(h[0] << 8 | h[1]);
            m->height = (uint16_t)(h[2] << 8 | h[3]);
            m->pf = h + 4;
            m->name = p;
            m->name_len = keep;
            m->has_sinit = 1;
            s->ctr[C_HANDSHAKES]++;
            s->step = S_DONE;
            rfb_emit(s, APP_DIR_TOCLIENT, sink);
            break;
        }
        default:
            return;
        }
    }
    return;
bad:
    s->ctr[C_PARSE_ERRORS]++;
    s->dead = 1;
}

static void *rfb_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct rfb_state *s = app_buf_alloc(st, sizeof(*s));
    (void)lim;
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    return s;
}

static void rfb_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sk)
{
    struct rfb_state *s = state;
    if (s->dead || s->step == S_DONE)
        return;
    struct abuf *b = &s->side[dir];
    size_t room = RFB_SIDE_MAX - b->len, k = n < room ? n : room;
    /* the views in s->m point into the buffers: a buffer may move only
     * before the event, and the steps re-read nothing, so grow it whole at
     * once to its cap the first time (4 KiB) */
    if (app_buf_reserve(s->st, b, RFB_SIDE_MAX, RFB_SIDE_MAX) < 0 ||
        app_buf_append(s->st, b, p, k, RFB_SIDE_MAX) < 0) {
        s->dead = 1;
        return;
    }
    rfb_run(s, sk);
    if (!s->dead && s->step != S_DONE && b->len >= RFB_SIDE_MAX && k == room) {
        s->ctr[C_PARSE_ERRORS]++;       /* more handshake than any real one */
        s->dead = 1;
    }
}

static void rfb_gap(void *state, int dir, size_t n, const struct app_sink *sk)
{
    struct rfb_state *s = state;
    (void)dir;
    (void)n;
    (void)sk;
    if (!s->dead && s->step != S_DONE) {
        s->ctr[C_PARSE_ERRORS]++;
        s->dead = 1;
    }
}

static void rfb_end(void *state, const struct app_sink *sk)
{
    struct rfb_state *s = state;
    if (s->m.has_sver || s->m.has_cver)
        rfb_emit(s, APP_DIR_TOCLIENT, sk);
}

static void rfb_destroy(void *state)
{
    struct rfb_state *s = state;
    if (!s)
        return;
    for (int d = 0; d < 2; d++)
        app_buf_free(s->st, &s->side[d]);
    app_buf_release(s->st, s, sizeof(*s));
}

static void hex16(struct jw *w, const char *k, const uint8_t *p)
{
    char b[33];
    for (int i = 0; i < 16; i++)
        snprintf(b + 2 * i, 3, "%02x", p[i]);
    jw_kstr(w, k, b);
}

static void rfb_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct rfb_meta *m = tx->meta;
    jw_kobj(w, "rfb");
    if (m->has_sver) {
        jw_kobj(w, "server_protocol_version");
        jw_kstr(w, "major", m->sver[0]);
        jw_kstr(w, "minor", m->sver[1]);
        jw_obj_end(w);
    }
    if (m->has_cver) {
        jw_kobj(w, "client_protocol_version");
        jw_kstr(w, "major", m->cver[0]);
        jw_kstr(w, "minor", m->cver[1]);
        jw_obj_end(w);
    }
    jw_kobj(w, "authentication");
    if (m->has_type)
        jw_ku64(w, "security_type", m->sec_type);
    if (m->has_type && m->sec_type == 2) {
        jw_kobj(w, "vnc");
        if (m->challenge)
            hex16(w, "challenge", m->challenge);
        if (m->response)
            hex16(w, "response", m->response);
        jw_obj_end(w);
    }
    if (m->has_result) {
        char b[32];
        /* Suricata spells the FAIL key with a hyphen; kept for compatibility */
        if (m->result == 1)
            jw_kstr(w, "security-result", "FAIL");
        else {
            snprintf(b, sizeof(b), "UNKNOWN (%u)", m->result);
            jw_kstr(w, "security_result", m->result == 0 ? "OK" : m->result == 2 ? "TOOMANY" : b);
        }
    }
    jw_obj_end(w);
    if (m->has_reason) {
        jw_key(w, "server_security_failure_reason");
        jw_strn(w, (const char *)m->reason, m->reason_len);
    }
    if (m->has_cinit) {
        jw_key(w, "screen_shared");
        jw_bool(w, m->shared != 0);
    }
    if (m->has_sinit) {
        const uint8_t *pf = m->pf;
        jw_kobj(w, "framebuffer");
        jw_ku64(w, "width", m->width);
        jw_ku64(w, "height", m->height);
        jw_key(w, "name");
        jw_strn(w, (const char *)m->name, m->name_len);
        jw_kobj(w, "pixel_format");
        jw_ku64(w, "bits_per_pixel", pf[0]);
        jw_ku64(w, "depth", pf[1]);
        jw_key(w, "big_endian");
        jw_bool(w, pf[2] != 0);
        jw_key(w, "true_color");
        jw_bool(w, pf[3] != 0);
        jw_ku64(w, "red_max", (unsigned)pf[4] << 8 | pf[5]);
        jw_ku64(w, "green_max", (unsigned)pf[6] << 8 | pf[7]);
        jw_ku64(w, "blue_max", (unsigned)pf[8] << 8 | pf[9]);
        jw_ku64(w, "red_shift", pf[10]);
        jw_ku64(w, "green_shift", pf[11]);
        jw_ku64(w, "blue_shift", pf[12]);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

/* Integer keywords (app.h struct app_int_kw): the security type the
 * client chose, and the server's security result by name; as Suricata
 * 7.0.10, only on a handshake that got to ServerInit (or a 3.7 refusal,
 * which ends it): a 3.8 refusal, which Suricata logs by its reason alone,
 * and a handshake cut short match neither (pcaps/app-rfb.pcap). */
static int rfb_kw_done(const struct rfb_meta *m)
{
    return m->has_sinit || (m->has_result && m->result != 0);
}
static unsigned rfb_kw_sectype(const struct app_tx *tx, uint64_t *v, unsigned max)
{
    const struct rfb_meta *m = tx->meta;
    if (!m || tx->kind != TX_MSG || !max || !m->has_type || !rfb_kw_done(m))
        return 0;
    v[0] = m->sec_type;
    return 1;
}
static unsigned rfb_kw_secresult(const struct app_tx *tx, uint64_t *v, unsigned max)
{
    const struct rfb_meta *m = tx->meta;
    if (!m || tx->kind != TX_MSG || !max || !m->has_result || !rfb_kw_done(m))
        return 0;
    v[0] = m->result;
    return 1;
}
static int rfb_unknown_result(unsigned k, uint64_t v)
{
    return k == 0 && v > 2;
}
static const struct app_int_name rfb_result_names[] = {
    { "ok", 0 }, { "fail", 1 }, { "toomany", 2 }, { "unknown", AI_LIST_SPECIAL + 0 },
    { NULL, 0 } };
static const struct app_int_kw rfb_kw_type = { rfb_kw_sectype, AI_UINT, 0xffffffffu, NULL, NULL, NULL, 0, NULL };
static const struct app_int_kw rfb_kw_result = { rfb_kw_secresult, AI_NAME, 0, rfb_result_names,
                                                 rfb_unknown_result, NULL, 0, NULL };

static const struct app_keyword rfb_keywords[] = {
    APP_INT("rfb.sectype", &rfb_kw_type),
    APP_INT("rfb.secresult", &rfb_kw_result),
    APP_STICKY("rfb.name", BUF_RFB_NAME),
    APP_KEYWORDS_END,
};

const struct app_parser app_rfb_parser = {
    .name = "rfb", .rule_proto = "rfb", .event_type = "rfb", .event_id = 26,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_VNC, 0 },
    .counters = (const char *const[]){ "handshakes", "parse_errors", NULL },
    .keywords = rfb_keywords,
    .create = rfb_create, .feed = rfb_feed, .gap = rfb_gap, .end = rfb_end,
    .destroy = rfb_destroy,
    .event_body = rfb_event_body,
};
