/* app_mqtt.c - MQTT 3.1, 3.1.1 and 5.0 over TCP (OASIS MQTT v3.1.1 and v5.0,
 * section 2 "MQTT Control Packet format" and 3 "MQTT Control Packets").
 *
 * Framing, per direction: a fixed header (type << 4 | flags, then the
 * remaining length as a 1-4 byte varint), then that many bytes. The body of
 * one message is collected up to MQTT_BODY_MAX; a longer one is skipped to
 * its end and reported as truncated (Suricata's "truncated":true,
 * "skipped_length"). A varint over 4 bytes, a gap, or a body that does not
 * decode (a string running past its message) are parse errors; framing
 * errors and gaps end parsing of that direction, a body that does not
 * decode only that message.
 *
 * Transactions, as Suricata pairs them (its mqtt.rs, read for behaviour):
 * CONNECT waits for CONNACK; PUBLISH with QoS 1 for PUBACK, with QoS 2 for
 * PUBREC, PUBREL, PUBCOMP; SUBSCRIBE for SUBACK and UNSUBSCRIBE for
 * UNSUBACK (by packet id, both directions); everything else (QoS 0 PUBLISH,
 * PING*, DISCONNECT, AUTH, an answer nobody asked for, a truncated message)
 * is a transaction of its own. At most MQTT_PENDING transactions wait for
 * their answer; past that the oldest is written as it is (counted
 * "unanswered"), and so are the ones still waiting when the flow ends.
 *
 * Each message goes to the detect stage as it arrives (kind TX_MSG, its
 * mqtt.* buffers, event=0); the one that completes a transaction carries
 * event=1 and a meta (struct mqtt_meta) listing the transaction's messages:
 * a copy of each body, at most MQTT_STORE_MAX bytes (the only copies kept
 * past a message: a publish message longer than that is cut in the event),
 * from which event_body() writes Suricata's mqtt object. The password is
 * written as Suricata 7.0.10 writes it at its shipped configuration (its
 * "passwords" switch is commented out there and defaults to on). MQTT 5
 * properties are parsed past, not written (Suricata writes them).
 *
 * Assets and risks (mqtt_learned): an accepting CONNACK makes the protocol version a
 * TX_ASSET fact mqtt{protocol_version} of the broker; a CONNECT with a
 * password is the risk mqtt_cleartext_credentials (detail: the user name).
 *
 * Ownership: mqtt_state belongs to one app_flow of one worker. */
#include <ndpi/ndpi_protocol_ids.h>
#include <string.h>

#include "app_buf.h"

#define MQTT_BODY_MAX  (64u * 1024u)    /* body bytes parsed and inspected */
#define MQTT_STORE_MAX 2048u            /* body bytes kept for a pending tx's event */
#define MQTT_PENDING   16               /* transactions waiting for an answer */
#define MQTT_TX_MSGS   4                /* messages in one transaction (QoS 2) */
#define MQTT_CONNECT_ID 0x10000u        /* pseudo packet id of CONNECT */

enum { MQ_CONNECT = 1, MQ_CONNACK, MQ_PUBLISH, MQ_PUBACK, MQ_PUBREC, MQ_PUBREL, MQ_PUBCOMP,
       MQ_SUBSCRIBE, MQ_SUBACK, MQ_UNSUBSCRIBE, MQ_UNSUBACK, MQ_PINGREQ, MQ_PINGRESP,
       MQ_DISCONNECT, MQ_AUTH };

enum { C_MESSAGES, C_TX, C_PARSE_ERRORS, C_TRUNCATED, C_UNANSWERED };   /* the entry's counters */

/* A byte view. */
struct mv {
    const uint8_t *p;
    uint32_t n;
    uint8_t set;
};

/* One message decoded from its body (views into it). */
struct mqtt_dec {
    uint8_t type, flags;
    uint32_t msg_id;            /* packet id; 0 when the message has none */
    uint8_t has_id, has_reason, reason, session_present;
    /* CONNECT */
    struct mv proto_str, client_id, will_topic, will_msg, username, password;
    uint8_t proto_ver, cflags;
    /* PUBLISH */
    struct mv topic, message;
    /* SUBSCRIBE, UNSUBSCRIBE (topic list), SUBACK, UNSUBACK (code list) */
    struct mv list;
};

/* A message as kept for the event. */
struct mqtt_kept {
    uint8_t hdr, ver, truncated, dir;
    uint32_t skipped;           /* truncated: bytes of the message skipped */
    struct abuf body;
};
struct mqtt_pend {
    uint8_t used, nmsg;
    uint32_t pkt_id;
    uint64_t seq;               /* order of creation */
    struct mqtt_kept m[MQTT_TX_MSGS];
};

/* The meta of a transaction's event: its messages in order. */
struct mqtt_meta {
    uint32_t n;
    struct {
        uint8_t hdr, ver, truncated;
        uint8_t dir;                /* APP_DIR_* it was sent in (integer keywords) */
        uint32_t skipped;
        const uint8_t *b;
        uint32_t len;
    } m[MQTT_TX_MSGS];
};

struct mqtt_side {
    uint8_t hdr[5];
    uint8_t hlen;               /* fixed header bytes collected */
    uint8_t in_body, dead;
    uint32_t rem;               /* remaining length of the message */
    uint32_t got;               /* body bytes seen */
    struct abuf body;
};

struct mqtt_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    uint8_t ver;                /* protocol version from CONNECT (4 = 3.1.1) */
    uint64_t seq;
    struct mqtt_side side[2];
    struct mqtt_pend pend[MQTT_PENDING];
};

/* ---- decoding (every read bounds-checked against the body) ---- */

struct rd {
    const uint8_t *p;
    uint32_t n, off;
    int bad;
};

static unsigned rd_u8(struct rd *r)
{
    if (r->bad || r->off + 1 > r->n) {
        r->bad = 1;
        return 0;
    }
    return r->p[r->off++];
}

static unsigned rd_u16(struct rd *r)
{
    unsigned hi = rd_u8(r);
    return hi << 8 | rd_u8(r);
}

static struct mv rd_bytes(struct rd *r, uint32_t len)
{
    struct mv v = { NULL, 0, 0 };
    if (r->bad || len > r->n - r->off) {
        r->bad = 1;
        return v;
    }
    v.p = r->p + r->off;
    v.n = len;
    v.set = 1;
    r->off += len;
    return v;
}

static struct mv rd_str(struct rd *r)
{
    uint32_t l = rd_u16(r);
    return rd_bytes(r, l);
}

static uint32_t rd_varint(struct rd *r)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned b = rd_u8(r);
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

/* MQTT 5 properties: a length and that many bytes, skipped (not logged). */
static void rd_props(struct rd *r, uint8_t ver)
{
    if (ver == 5)
        (void)rd_bytes(r, rd_varint(r));
}

/* Decodes one body; 0, or -1 when it does not parse. */
static int mqtt_decode(uint8_t hdr, uint8_t ver, const uint8_t *b, uint32_t n, struct mqtt_dec *d)
{
    struct rd r = { b, n, 0, 0 };
    memset(d, 0, sizeof(*d));
    d->type = hdr >> 4;
    d->flags = hdr & 15;
    switch (d->type) {
    case MQ_CONNECT:
        d->proto_str = rd_str(&r);
        d->proto_ver = (uint8_t)rd_u8(&r);
        d->cflags = (uint8_t)rd_u8(&r);
        (void)rd_u16(&r);                           /* keep alive */
        rd_props(&r, d->proto_ver);
        d->client_id = rd_str(&r);
        if (d->cflags & 0x04) {
            rd_props(&r, d->proto_ver);             /* will properties */
            d->will_topic = rd_str(&r);
            d->will_msg = rd_str(&r);
        }
        if (d->cflags & 0x80)
            d->username = rd_str(&r);
        if (d->cflags & 0x40)
            d->password = rd_str(&r);
        break;
    case MQ_CONNACK:
        d->session_present = rd_u8(&r) & 1;
        d->reason = (uint8_t)rd_u8(&r);
        d->has_reason = 1;
        break;
    case MQ_PUBLISH:
        d->topic = rd_str(&r);
        if ((d->flags >> 1) & 3) {
            d->msg_id = rd_u16(&r);
            d->has_id = 1;
        }
        rd_props(&r, ver);
        if (!r.bad)
            d->message = rd_bytes(&r, r.n - r.off);
        break;
    case MQ_PUBACK: case MQ_PUBREC: case MQ_PUBREL: case MQ_PUBCOMP:
        d->msg_id = rd_u16(&r);
        d->has_id = 1;
        if (ver == 5 && r.off < r.n) {
            d->reason = (uint8_t)rd_u8(&r);
            d->has_reason = 1;
        }
        break;
    case MQ_SUBSCRIBE: case MQ_UNSUBSCRIBE: case MQ_SUBACK: case MQ_UNSUBACK:
        d->msg_id = rd_u16(&r);
        d->has_id = 1;
        if (d->type != MQ_UNSUBACK || ver == 5)
            rd_props(&r, ver);
        if (!r.bad)
            d->list = rd_bytes(&r, r.n - r.off);
        if (d->type == MQ_SUBSCRIBE || d->type == MQ_UNSUBSCRIBE) {
            /* every entry must parse: a string (and an options byte) */
            struct rd l = { d->list.p, d->list.n, 0, 0 };
            while (!r.bad && !l.bad && l.off < l.n) {
                (void)rd_str(&l);
                if (d->type == MQ_SUBSCRIBE)
                    (void)rd_u8(&l);
            }
            r.bad |= l.bad;
        }
        break;
    case MQ_DISCONNECT: case MQ_AUTH:
        if (ver == 5 && r.off < r.n) {
            d->reason = (uint8_t)rd_u8(&r);
            d->has_reason = 1;
        }
        break;
    case MQ_PINGREQ: case MQ_PINGRESP:
        break;
    default:
        return -1;                                  /* 0: reserved */
    }
    return r.bad ? -1 : 0;
}

/* The next topic of a SUBSCRIBE (with its options byte) or UNSUBSCRIBE list. */
static int mqtt_next_topic(const struct mv *list, uint32_t *off, int with_qos, struct mv *t,
                           unsigned *qos)
{
    struct rd r = { list->p, list->n, *off, 0 };
    if (r.off >= r.n)
        return 0;
    *t = rd_str(&r);
    *qos = with_qos ? rd_u8(&r) & 3 : 0;
    if (r.bad)
        return 0;
    *off = r.off;
    return 1;
}

/* ---- transactions ---- */

static void kept_free(struct mqtt_state *s, struct mqtt_pend *p)
{
    for (int i = 0; i < MQTT_TX_MSGS; i++)
        app_buf_free(s->st, &p->m[i].body);
    memset(p, 0, sizeof(*p));
}

static void pend_add_msg(struct mqtt_state *s, struct mqtt_pend *p, int dir, uint8_t hdr,
                         const uint8_t *b, uint32_t n)
{
    if (p->nmsg >= MQTT_TX_MSGS)
        return;
    struct mqtt_kept *k = &p->m[p->nmsg++];
    k->hdr = hdr;
    k->dir = (uint8_t)dir;
    k->ver = s->ver;
    k->body.len = 0;
    (void)app_buf_append(s->st, &k->body, b, n < MQTT_STORE_MAX ? n : MQTT_STORE_MAX,
                         MQTT_STORE_MAX);
}

static void pend_meta(const struct mqtt_pend *p, struct mqtt_meta *m)
{
    memset(m, 0, sizeof(*m));
    m->n = p->nmsg;
    for (uint32_t i = 0; i < p->nmsg; i++) {
        m->m[i].hdr = p->m[i].hdr;
        m->m[i].ver = p->m[i].ver;
        m->m[i].dir = p->m[i].dir;
        m->m[i].truncated = p->m[i].truncated;
        m->m[i].skipped = p->m[i].skipped;
        m->m[i].b = p->m[i].body.d;
        m->m[i].len = p->m[i].body.len;
    }
}

static struct mqtt_pend *pend_find(struct mqtt_state *s, uint32_t pkt_id)
{
    struct mqtt_pend *best = NULL;
    for (int i = 0; i < MQTT_PENDING; i++)
        if (s->pend[i].used && s->pend[i].pkt_id == pkt_id &&
            (!best || s->pend[i].seq < best->seq))
            best = &s->pend[i];
    return best;
}

/* Writes the oldest pending transaction as it is and frees its slot. */
static void pend_flush_oldest(struct mqtt_state *s, const struct app_sink *sink)
{
    struct mqtt_pend *o = NULL;
    for (int i = 0; i < MQTT_PENDING; i++)
        if (s->pend[i].used && (!o || s->pend[i].seq < o->seq))
            o = &s->pend[i];
    if (!o)
        return;
    struct mqtt_meta m;
    pend_meta(o, &m);
    s->ctr[C_UNANSWERED]++;
    s->ctr[C_TX]++;
    app_buf_emit(sink, s->id, TX_MSG, o->m[0].dir, 1, NULL, &m);
    kept_free(s, o);
}

static struct mqtt_pend *pend_new(struct mqtt_state *s, uint32_t pkt_id, const struct app_sink *sink)
{
    for (;;) {
        for (int i = 0; i < MQTT_PENDING; i++)
            if (!s->pend[i].used) {
                struct mqtt_pend *p = &s->pend[i];
                p->used = 1;
                p->pkt_id = pkt_id;
                p->seq = ++s->seq;
                return p;
            }
        pend_flush_oldest(s, sink);
    }
}

/* The mqtt.* buffers of one message. */
static void msg_bufs(const struct mqtt_dec *d, struct txb *t)
{
    switch (d->type) {
    case MQ_CONNECT:
        if (d->client_id.set)
            txb_add(t, BUF_MQTT_CLIENTID, d->client_id.p, d->client_id.n);
        if (d->username.set)
            txb_add(t, BUF_MQTT_USERNAME, d->username.p, d->username.n);
        if (d->password.set)
            txb_add(t, BUF_MQTT_PASSWORD, d->password.p, d->password.n);
        if (d->will_topic.set)
            txb_add(t, BUF_MQTT_WILLTOPIC, d->will_topic.p, d->will_topic.n);
        if (d->will_msg.set)
            txb_add(t, BUF_MQTT_WILLMESSAGE, d->will_msg.p, d->will_msg.n);
        break;
    case MQ_PUBLISH:
        txb_add(t, BUF_MQTT_PUBLISH_TOPIC, d->topic.p, d->topic.n);
        txb_add(t, BUF_MQTT_PUBLISH_MESSAGE, d->message.p, d->message.n);
        break;
    case MQ_SUBSCRIBE: case MQ_UNSUBSCRIBE: {
        uint32_t off = 0;
        struct mv tp;
        unsigned q;
        int sub = d->type == MQ_SUBSCRIBE;
        while (mqtt_next_topic(&d->list, &off, sub, &tp, &q))
            txb_add(t, sub ? BUF_MQTT_SUBSCRIBE_TOPIC : BUF_MQTT_UNSUBSCRIBE_TOPIC, tp.p, tp.n);
        break;
    }
    default:
        break;
    }
}

/* The broker's protocol version (a CONNACK accepting the CONNECT that set
 * s->ver; a refusal may be of that very version) as an asset fact; a CONNECT with a password as the risk
 * mqtt_cleartext_credentials, detail the user name, never the password
 * (MQTT over TLS is TLS to nDPI: this parser only sees plain TCP). */
static void mqtt_learned(struct mqtt_state *s, int dir, const struct mqtt_dec *d,
                         const struct app_sink *sink)
{
    if (d->type == MQ_CONNACK && dir == APP_DIR_TOCLIENT && s->ver && d->reason == 0) {
        struct app_asset_meta a = { .object = "mqtt", .key = "protocol_version", .num = s->ver };
        app_buf_emit(sink, s->id, TX_ASSET, dir, 0, NULL, &a);
    }
    if (d->type == MQ_CONNECT && d->password.set) {
        char user[128] = "";
        uint32_t n = d->username.set ? d->username.n : 0;
        if (n > sizeof(user) - 1)
            n = sizeof(user) - 1;
        if (n)
            memcpy(user, d->username.p, n);
        user[n] = 0;
        for (uint32_t i = 0; i < n; i++)
            if (!user[i])
                user[i] = '?';          /* a NUL in the name must not cut it short */
        struct app_risk_meta r = { "mqtt_cleartext_credentials", user };
        app_buf_emit(sink, s->id, TX_RISK, dir, 1, NULL, &r);
    }
}

/* One complete (or truncated) message of direction dir. */
static void mqtt_message(struct mqtt_state *s, int dir, uint8_t hdr, const uint8_t *b, uint32_t n,
                         uint32_t skipped, const struct app_sink *sink)
{
    struct mqtt_dec d;
    struct txb t = { .n = 0 };
    struct mqtt_meta m;
    uint8_t type = hdr >> 4;

    s->ctr[C_MESSAGES]++;
    if (skipped) {                      /* too long: a transaction of its own */
        struct mqtt_pend p;
        memset(&p, 0, sizeof(p));
        s->ctr[C_TRUNCATED]++;
        p.nmsg = 1;
        p.m[0].dir = (uint8_t)dir;
        p.m[0].hdr = hdr;
        p.m[0].ver = s->ver;
        p.m[0].truncated = 1;
        p.m[0].skipped = skipped;
        pend_meta(&p, &m);
        s->ctr[C_TX]++;
        app_buf_emit(sink, s->id, TX_MSG, dir, 1, NULL, &m);
        return;
    }
    if (mqtt_decode(hdr, s->ver, b, n, &d) < 0) {
        s->ctr[C_PARSE_ERRORS]++;
        return;
    }
    if (type == MQ_CONNECT)
        s->ver = d.proto_ver;
    if (type == MQ_CONNECT || type == MQ_CONNACK)
        mqtt_learned(s, dir, &d, sink);
    msg_bufs(&d, &t);

    uint32_t want = 0;                  /* the pending tx this message answers */
    int opens = 0, closes = 0;
    unsigned qos = (d.flags >> 1) & 3;
    switch (type) {
    case MQ_CONNECT:
        opens = 1;
        want = MQTT_CONNECT_ID;
        break;
    case MQ_PUBLISH: case MQ_SUBSCRIBE: case MQ_UNSUBSCRIBE:
        opens = qos == 1 || qos == 2;
        want = d.msg_id;
        break;
    case MQ_CONNACK:
        want = MQTT_CONNECT_ID;
        closes = 1;
        break;
    case MQ_PUBREC: case MQ_PUBREL:
        want = d.msg_id;
        closes = 0;
        break;
    case MQ_PUBACK: case MQ_PUBCOMP: case MQ_SUBACK: case MQ_UNSUBACK:
        want = d.msg_id;
        closes = 1;
        break;
    default:
        break;
    }
    memset(&m, 0, sizeof(m));           /* this message alone (a tx that is no event) */
    m.n = 1;
    m.m[0].hdr = hdr;
    m.m[0].dir = (uint8_t)dir;
    m.m[0].ver = s->ver;
    m.m[0].b = b;
    m.m[0].len = n;
    if (opens) {
        struct mqtt_pend *p = pend_new(s, want, sink);
        pend_add_msg(s, p, dir, hdr, b, n);
        app_buf_emit(sink, s->id, TX_MSG, dir, 0, &t, &m);
        return;
    }
    int answers = type == MQ_CONNACK || type == MQ_PUBACK || type == MQ_PUBREC ||
                  type == MQ_PUBREL || type == MQ_PUBCOMP || type == MQ_SUBACK ||
                  type == MQ_UNSUBACK;
    struct mqtt_pend *p = answers ? pend_find(s, want) : NULL;
    if (p) {
        pend_add_msg(s, p, dir, hdr, b, n);
        if (!closes && p->nmsg < MQTT_TX_MSGS) {
            app_buf_emit(sink, s->id, TX_MSG, dir, 0, &t, &m);
            return;
        }
        pend_meta(p, &m);
        s->ctr[C_TX]++;
        app_buf_emit(sink, s->id, TX_MSG, dir, 1, &t, &m);
        kept_free(s, p);
        return;
    }
    s->ctr[C_TX]++;                     /* a transaction of its own */
    app_buf_emit(sink, s->id, TX_MSG, dir, 1, &t, &m);
}

/* ---- the stream ---- */

static void *mqtt_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct mqtt_state *s = app_buf_alloc(st, sizeof(*s));
    (void)lim;
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    return s;
}

static void mqtt_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sk)
{
    struct mqtt_state *s = state;
    struct mqtt_side *sd = &s->side[dir];
    size_t i = 0;

    while (i < n && !sd->dead) {
        if (!sd->in_body) {
            sd->hdr[sd->hlen++] = p[i++];
            if (sd->hlen == 1)
                continue;
            if (sd->hdr[sd->hlen - 1] & 0x80) {
                if (sd->hlen == 5) {            /* a varint of more than 4 bytes */
                    s->ctr[C_PARSE_ERRORS]++;
                    sd->dead = 1;
                }
                continue;
            }
            uint32_t v = 0;
            for (int k = 1; k < sd->hlen; k++)
                v |= (uint32_t)(sd->hdr[k] & 0x7f) << (7 * (k - 1));
            sd->rem = v;
            sd->got = 0;
            sd->body.len = 0;
            sd->in_body = 1;
        }
        size_t take = n - i < sd->rem - sd->got ? n - i : sd->rem - sd->got;
        if (sd->rem <= MQTT_BODY_MAX &&
            app_buf_append(s->st, &sd->body, p + i, take, MQTT_BODY_MAX) < 0) {
            s->ctr[C_PARSE_ERRORS]++;           /* cannot happen: rem <= max */
            sd->dead = 1;
            break;
        }
        sd->got += (uint32_t)take;
        i += take;
        if (sd->got == sd->rem) {
            uint32_t skipped = sd->rem > MQTT_BODY_MAX ? sd->rem + sd->hlen : 0;
            mqtt_message(s, dir, sd->hdr[0], sd->body.d, skipped ? 0 : sd->body.len, skipped, sk);
            sd->in_body = 0;
            sd->hlen = 0;
            sd->body.len = 0;
        }
    }
}

static void mqtt_gap(void *state, int dir, size_t n, const struct app_sink *sk)
{
    struct mqtt_state *s = state;
    (void)n;
    (void)sk;
    if (!s->side[dir].dead) {
        s->ctr[C_PARSE_ERRORS]++;
        s->side[dir].dead = 1;          /* framing lost */
    }
}

static void mqtt_end(void *state, const struct app_sink *sk)
{
    struct mqtt_state *s = state;
    for (int i = 0; i < MQTT_PENDING; i++)     /* in the order they were opened */
        pend_flush_oldest(s, sk);
}

static void mqtt_destroy(void *state)
{
    struct mqtt_state *s = state;
    if (!s)
        return;
    for (int d = 0; d < 2; d++)
        app_buf_free(s->st, &s->side[d].body);
    for (int i = 0; i < MQTT_PENDING; i++)
        kept_free(s, &s->pend[i]);
    app_buf_release(s->st, s, sizeof(*s));
}

/* ---- the event: Suricata's mqtt object ---- */

static const char *const mqtt_names[16] = {
    NULL, "connect", "connack", "publish", "puback", "pubrec", "pubrel", "pubcomp",
    "subscribe", "suback", "unsubscribe", "unsuback", "pingreq", "pingresp", "disconnect", "auth",
};

static void kmv(struct jw *w, const char *k, const struct mv *v)
{
    if (v->set) {
        jw_key(w, k);
        jw_strn(w, (const char *)v->p, v->n);
    }
}

static void mqtt_msg_json(struct jw *w, uint8_t hdr, uint8_t ver, uint8_t trunc, uint32_t skipped,
                          const uint8_t *b, uint32_t n)
{
    struct mqtt_dec d;
    const char *name = mqtt_names[hdr >> 4];
    if (!name)
        return;
    /* A body kept cut at MQTT_STORE_MAX still decodes when the cut falls in
     * a PUBLISH message (its last field); a CONNECT cut inside its fields
     * is left out of the event. */
    if (!trunc && mqtt_decode(hdr, ver, b, n, &d) < 0)
        return;
    jw_kobj(w, name);
    jw_ku64(w, "qos", (hdr >> 1) & 3);
    jw_key(w, "retain");
    jw_bool(w, hdr & 1);
    jw_key(w, "dup");
    jw_bool(w, (hdr >> 3) & 1);
    if (trunc) {
        jw_key(w, "truncated");
        jw_bool(w, 1);
        jw_ku64(w, "skipped_length", skipped);
        jw_obj_end(w);
        return;
    }
    switch (hdr >> 4) {
    case MQ_CONNECT:
        kmv(w, "protocol_string", &d.proto_str);
        jw_ku64(w, "protocol_version", d.proto_ver);
        kmv(w, "client_id", &d.client_id);
        jw_kobj(w, "flags");
        jw_key(w, "username"); jw_bool(w, (d.cflags >> 7) & 1);
        jw_key(w, "password"); jw_bool(w, (d.cflags >> 6) & 1);
        jw_key(w, "will_retain"); jw_bool(w, (d.cflags >> 5) & 1);
        jw_key(w, "will"); jw_bool(w, (d.cflags >> 2) & 1);
        jw_key(w, "clean_session"); jw_bool(w, (d.cflags >> 1) & 1);
        jw_obj_end(w);
        kmv(w, "username", &d.username);
        kmv(w, "password", &d.password);
        if (d.cflags & 0x04) {
            jw_kobj(w, "will");
            kmv(w, "topic", &d.will_topic);
            kmv(w, "message", &d.will_msg);
            jw_obj_end(w);
        }
        break;
    case MQ_CONNACK:
        jw_key(w, "session_present");
        jw_bool(w, d.session_present);
        jw_ku64(w, "return_code", d.reason);
        break;
    case MQ_PUBLISH:
        kmv(w, "topic", &d.topic);
        if (d.has_id)
            jw_ku64(w, "message_id", d.msg_id);
        jw_key(w, "message");
        jw_strn(w, d.message.p ? (const char *)d.message.p : "", d.message.n);
        break;
    case MQ_PUBACK: case MQ_PUBREC: case MQ_PUBREL: case MQ_PUBCOMP:
        jw_ku64(w, "message_id", d.msg_id);
        if (d.has_reason)
            jw_ku64(w, "reason_code", d.reason);
        break;
    case MQ_SUBSCRIBE: case MQ_UNSUBSCRIBE: {
        int sub = (hdr >> 4) == MQ_SUBSCRIBE;
        uint32_t off = 0;
        struct mv t;
        unsigned q;
        jw_ku64(w, "message_id", d.msg_id);
        jw_karr(w, "topics");
        while (mqtt_next_topic(&d.list, &off, sub, &t, &q)) {
            if (sub) {
                jw_obj_begin(w);
                jw_key(w, "topic");
                jw_strn(w, (const char *)t.p, t.n);
                jw_ku64(w, "qos", q);
                jw_obj_end(w);
            } else {
                jw_strn(w, (const char *)t.p, t.n);
            }
        }
        jw_arr_end(w);
        break;
    }
    case MQ_SUBACK: case MQ_UNSUBACK:
        jw_ku64(w, "message_id", d.msg_id);
        if ((hdr >> 4) == MQ_SUBACK || d.list.n) {
            jw_karr(w, (hdr >> 4) == MQ_SUBACK ? "qos_granted" : "reason_codes");
            for (uint32_t i = 0; i < d.list.n; i++)
                jw_u64(w, d.list.p[i]);
            jw_arr_end(w);
        }
        break;
    case MQ_DISCONNECT:
        if (d.has_reason)
            jw_ku64(w, "reason_code", d.reason);
        break;
    case MQ_AUTH:
        jw_ku64(w, "reason_code", d.reason);
        break;
    default:
        break;
    }
    jw_obj_end(w);
}

static void mqtt_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct mqtt_meta *m = tx->meta;
    jw_kobj(w, "mqtt");
    for (uint32_t i = 0; m && i < m->n && i < MQTT_TX_MSGS; i++)
        mqtt_msg_json(w, m->m[i].hdr, m->m[i].ver, m->m[i].truncated, m->m[i].skipped,
                      m->m[i].b, m->m[i].len);
    jw_obj_end(w);
}

/* Suricata 7's mqtt sticky buffers (ET Open uses none of them today). */
/* ---- integer/flag keywords (app.h struct app_int_kw) ----
 * As Suricata's, on a whole transaction (CONNECT with its CONNACK, a
 * PUBLISH with its acknowledgements, a lone message): each reads every
 * message of a tx that completes (event=1; its meta has them all), so a tx
 * matches once; the messages before it (event=0) are not read. As Suricata
 * 7.0.10 (checked on pcaps/app-mqtt.pcap, tests/intkw.sh), only a tx the
 * client began is read, mqtt.type aside (its other keywords inspect
 * to-server only: a PUBLISH from the server, a PINGRESP, never match them),
 * and mqtt.reason_code is also
 * each SUBACK return code and, in MQTT 5, the 0 an acknowledgement or
 * DISCONNECT implies when it has no reason byte. */
enum { MK_TYPE, MK_QOS, MK_FLAGS, MK_CFLAGS, MK_VER, MK_REASON, MK_SESSION };

static unsigned mqtt_kw_get(const struct app_tx *tx, uint64_t *v, unsigned max, int which)
{
    const struct mqtt_meta *m = tx->meta;
    unsigned n = 0;
    if (!m || !tx->event || tx->kind != TX_MSG || m->n > MQTT_TX_MSGS || !m->n ||
        (m->m[0].dir != APP_DIR_TOSERVER && which != MK_TYPE))
        return 0;
    for (uint32_t i = 0; i < m->n && n < max; i++) {
        uint8_t hdr = m->m[i].hdr, ver = m->m[i].ver;
        struct mqtt_dec d;
        switch (which) {
        case MK_TYPE: v[n++] = hdr >> 4; continue;
        case MK_QOS: v[n++] = (hdr >> 1) & 3; continue;
        case MK_FLAGS: v[n++] = hdr & 0x09; continue;  /* dup, retain */
        case MK_VER:
            if (ver)
                v[n++] = ver;
            continue;
        default: break;
        }
        if (m->m[i].truncated || mqtt_decode(hdr, ver, m->m[i].b, m->m[i].len, &d) < 0)
            continue;
        if (which == MK_CFLAGS && d.type == MQ_CONNECT)
            v[n++] = d.cflags;
        else if (which == MK_REASON && d.has_reason)
            v[n++] = d.reason;
        else if (which == MK_REASON && ver == 5 &&
                 ((d.type >= MQ_PUBACK && d.type <= MQ_PUBCOMP) || d.type == MQ_DISCONNECT ||
                  d.type == MQ_AUTH))
            v[n++] = 0;                             /* no reason byte: success */
        else if (which == MK_REASON && d.type == MQ_SUBACK)
            for (uint32_t k = 0; k < d.list.n && n < max; k++)
                v[n++] = d.list.p[k];
        else if (which == MK_SESSION && d.type == MQ_CONNACK)
            v[n++] = d.session_present;
    }
    return n;
}
static unsigned mk_type(const struct app_tx *t, uint64_t *v, unsigned n) { return mqtt_kw_get(t, v, n, MK_TYPE); }
static unsigned mk_qos(const struct app_tx *t, uint64_t *v, unsigned n) { return mqtt_kw_get(t, v, n, MK_QOS); }
static unsigned mk_flags(const struct app_tx *t, uint64_t *v, unsigned n) { return mqtt_kw_get(t, v, n, MK_FLAGS); }
static unsigned mk_cflags(const struct app_tx *t, uint64_t *v, unsigned n) { return mqtt_kw_get(t, v, n, MK_CFLAGS); }
static unsigned mk_ver(const struct app_tx *t, uint64_t *v, unsigned n) { return mqtt_kw_get(t, v, n, MK_VER); }
static unsigned mk_reason(const struct app_tx *t, uint64_t *v, unsigned n) { return mqtt_kw_get(t, v, n, MK_REASON); }
static unsigned mk_session(const struct app_tx *t, uint64_t *v, unsigned n) { return mqtt_kw_get(t, v, n, MK_SESSION); }

static const struct app_int_name mqtt_type_names[] = {
    { "CONNECT", MQ_CONNECT }, { "CONNACK", MQ_CONNACK }, { "PUBLISH", MQ_PUBLISH },
    { "PUBACK", MQ_PUBACK }, { "PUBREC", MQ_PUBREC }, { "PUBREL", MQ_PUBREL },
    { "PUBCOMP", MQ_PUBCOMP }, { "SUBSCRIBE", MQ_SUBSCRIBE }, { "SUBACK", MQ_SUBACK },
    { "UNSUBSCRIBE", MQ_UNSUBSCRIBE }, { "UNSUBACK", MQ_UNSUBACK }, { "PINGREQ", MQ_PINGREQ },
    { "PINGRESP", MQ_PINGRESP }, { "DISCONNECT", MQ_DISCONNECT }, { "AUTH", MQ_AUTH },
    { NULL, 0 } };
static const struct app_int_name mqtt_flag_names[] = {
    { "dup", 0x08 }, { "retain", 0x01 }, { NULL, 0 } };
static const struct app_int_name mqtt_cflag_names[] = {
    { "username", 0x80 }, { "password", 0x40 }, { "will_retain", 0x20 }, { "will", 0x04 },
    { "clean_session", 0x02 }, { NULL, 0 } };
static const struct app_int_kw mqtt_kw_type = { mk_type, AI_NAME, 15, mqtt_type_names, NULL, NULL, 0, NULL };
static const struct app_int_kw mqtt_kw_qos = { mk_qos, AI_EQ, 2, NULL, NULL, NULL, 0, NULL };
static const struct app_int_kw mqtt_kw_flags = { mk_flags, AI_FLAGS, 0, mqtt_flag_names, NULL, NULL, 0, NULL };
static const struct app_int_kw mqtt_kw_cflags = { mk_cflags, AI_FLAGS, 0, mqtt_cflag_names, NULL, NULL, 0, NULL };
static const struct app_int_kw mqtt_kw_ver = { mk_ver, AI_UINT, 255, NULL, NULL, NULL, 0, NULL };
static const struct app_int_kw mqtt_kw_reason = { mk_reason, AI_EQ, 255, NULL, NULL, NULL, 0, NULL };
static const struct app_int_kw mqtt_kw_session = { mk_session, AI_BOOL, 1, NULL, NULL, NULL,
                                                   AIO_NEED_VALUE, NULL };

static const struct app_keyword mqtt_keywords[] = {
    APP_INT("mqtt.type", &mqtt_kw_type),
    APP_INT("mqtt.qos", &mqtt_kw_qos),
    APP_INT("mqtt.flags", &mqtt_kw_flags),
    APP_INT("mqtt.connect.flags", &mqtt_kw_cflags),
    APP_INT("mqtt.protocol_version", &mqtt_kw_ver),
    APP_INT("mqtt.reason_code", &mqtt_kw_reason),
    APP_INT("mqtt.connack.session_present", &mqtt_kw_session),
    APP_STICKY("mqtt.connect.clientid", BUF_MQTT_CLIENTID),
    APP_STICKY("mqtt.connect.username", BUF_MQTT_USERNAME),
    APP_STICKY("mqtt.connect.password", BUF_MQTT_PASSWORD),
    APP_STICKY("mqtt.connect.willtopic", BUF_MQTT_WILLTOPIC),
    APP_STICKY("mqtt.connect.willmessage", BUF_MQTT_WILLMESSAGE),
    APP_STICKY("mqtt.publish.topic", BUF_MQTT_PUBLISH_TOPIC),
    APP_STICKY("mqtt.publish.message", BUF_MQTT_PUBLISH_MESSAGE),
    APP_STICKY("mqtt.subscribe.topic", BUF_MQTT_SUBSCRIBE_TOPIC),
    APP_STICKY("mqtt.unsubscribe.topic", BUF_MQTT_UNSUBSCRIBE_TOPIC),
    APP_KEYWORDS_END,
};

const struct app_parser app_mqtt_parser = {
    .name = "mqtt", .rule_proto = "mqtt", .event_type = "mqtt", .event_id = 19,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_MQTT, 0 },
    .counters = (const char *const[]){ "messages", "tx", "parse_errors", "truncated",
                                       "unanswered", NULL },
    .keywords = mqtt_keywords,
    .create = mqtt_create, .feed = mqtt_feed, .gap = mqtt_gap, .end = mqtt_end,
    .destroy = mqtt_destroy,
    .event_body = mqtt_event_body,
};
