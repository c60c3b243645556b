/* app_quic.c - QUIC over UDP: the version of every packet that carries
 * one, and the TLS ClientHello / ServerHello of the Initial packets, which
 * are encrypted with keys anyone can derive (RFC 9001 section 5.2).
 *
 * One event per datagram whose first packet has a version (a long header,
 * or Google QUIC's public header with its version flag), until the hello of
 * that direction was seen (what follows is encrypted), as Suricata 7.0.10
 * writes them: quic{version, sni, ja3 | ja3s {hash, string}, ja4,
 * extensions[{name, type, values}]}. Short-header (1-RTT) packets make no
 * event.
 *
 * Per datagram, the coalesced long-header packets are walked one by one
 * (each Length field bounds-checked against the datagram). An Initial of a
 * version whose salt we know (v1, drafts 23-34, v2) is opened
 * (app_quic_crypto.c): the client's with keys from the Destination
 * Connection ID of its first Initial (after a Retry, the Retry's Source
 * Connection ID, and the client side starts again), the server's with the
 * server keys of that same DCID (a server Initial before any client Initial cannot be opened:
 * counted). Its frames are walked: PADDING, PING, ACK, CRYPTO,
 * CONNECTION_CLOSE; another frame type ends the packet (Initial packets
 * carry no others). CRYPTO frames go into a per-direction reassembly
 * buffer at their offset (frames arrive out of order, and a ClientHello
 * may span Initial packets in several datagrams); once the first handshake
 * message is whole it is parsed by app_tls_hello.c (the TLS parser's code):
 * ClientHello toward the server, ServerHello toward the client. The buffer
 * holds at most QUIC_CRYPTO_MAX bytes per direction (beyond: counted,
 * that side given up); decrypting needs one scratch buffer per flow of at
 * most the datagram's size.
 *
 * Google QUIC: the public header of Q043 and older and the long headers
 * of Q044-Q046 are read by app_quic_gquic.c, and so are the frames of their
 * packets that carry a version (in clear) and of Q050's Initial packets
 * (opened here with Q050's salt): the CHLO's tags give `sni`, `ua` and
 * `cyu[{hash, string}]` (Q043-Q046), and the quic.sni, quic.ua and
 * quic.cyu.* buffers. These flows have no TLS hello, so every packet with
 * a version makes its event, as in Suricata.
 *
 * Not parsed: Handshake and 1-RTT packets (their keys are secret), T050/
 * T051 Initials (Suricata 7.0.10 does not open them either).
 *
 * Ownership: quic_state belongs to one app_flow (one UDP flow of one
 * worker). */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_buf.h"
#include "app_quic_crypto.h"
#include "app_quic_internal.h"
#include "app_tls_hello.h"

#define QUIC_CRYPTO_MAX 16384   /* CRYPTO bytes kept per direction */
#define QUIC_DGRAM_MAX  65536

enum { Q_C_PACKETS, Q_C_INITIALS, Q_C_HELLOS, Q_C_DECRYPT_ERRORS, Q_C_PARSE_ERRORS };

struct quic_dir {
    struct abuf crypto;         /* CRYPTO stream bytes 0..len-1 (holes where have[] is 0) */
    struct abuf have;           /* one byte per byte of crypto: 1 when received */
    uint8_t done;               /* the hello was parsed, or this side was given up */
    uint8_t hello;              /* the hello was parsed: later packets are encrypted, no events */
};

struct quic_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    uint8_t dcid[20], dcid_len, have_dcid;
    struct quic_dir d[2];
    struct abuf plain;          /* scratch: one opened Initial */
    struct abuf ja3[2];         /* JA3 / JA3S text of each side */
    struct tls_hello hello[2];
    uint8_t hello_new[2];       /* parsed during the current datagram */
    struct gquic_out g;         /* Google QUIC: what the current datagram's CHLOs said */
};

static void *quic_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    (void)lim;
    struct quic_state *q = app_buf_alloc(st, sizeof(*q));
    q->st = st;
    q->ctr = app_stats_row(st, id);
    q->id = id;
    return q;
}

static void quic_destroy(void *state)
{
    struct quic_state *q = state;
    if (!q)
        return;
    for (int i = 0; i < 2; i++) {
        app_buf_free(q->st, &q->d[i].crypto);
        app_buf_free(q->st, &q->d[i].have);
        app_buf_free(q->st, &q->ja3[i]);
    }
    app_buf_free(q->st, &q->plain);
    gquic_free(q->st, &q->g);
    app_buf_release(q->st, q, sizeof(*q));
}

static void dir_reset(struct quic_state *q, int dir)
{
    q->d[dir].crypto.len = q->d[dir].have.len = 0;
    q->d[dir].done = q->d[dir].hello = 0;
}

/* The first handshake message, when it is all there. */
static void try_hello(struct quic_state *q, int dir)
{
    struct quic_dir *d = &q->d[dir];
    size_t n = 0;
    while (n < d->have.len && d->have.d[n])
        n++;
    if (n < 4)
        return;
    const uint8_t *m = d->crypto.d;
    size_t ml = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
    if (ml + 4 > QUIC_CRYPTO_MAX || m[0] != (dir == APP_DIR_TOSERVER ? 1 : 2)) {
        q->ctr[Q_C_PARSE_ERRORS]++;
        d->done = 1;
        return;
    }
    if (n < ml + 4)
        return;
    d->done = 1;
    int rc = dir == APP_DIR_TOSERVER ?
             tls_hello_client(m + 4, ml, 1, q->st, &q->ja3[dir], QUIC_CRYPTO_MAX * 3, &q->hello[dir]) :
             tls_hello_server(m + 4, ml, q->st, &q->ja3[dir], QUIC_CRYPTO_MAX * 3, &q->hello[dir]);
    if (rc < 0) {
        q->ctr[Q_C_PARSE_ERRORS]++;
        return;
    }
    q->ctr[Q_C_HELLOS]++;
    q->hello_new[dir] = 1;
    d->hello = 1;
}

static int crypto_frame(struct quic_state *q, int dir, uint64_t off, const uint8_t *p, size_t n)
{
    struct quic_dir *d = &q->d[dir];
    if (d->done || n == 0)
        return 0;
    if (off > QUIC_CRYPTO_MAX || n > QUIC_CRYPTO_MAX - off) {
        q->ctr[Q_C_PARSE_ERRORS]++;
        d->done = 1;                    /* more than we keep: give this side up */
        return -1;
    }
    size_t end = (size_t)off + n;
    if (end > d->crypto.len) {
        if (app_buf_reserve(q->st, &d->crypto, end, QUIC_CRYPTO_MAX) < 0 ||
            app_buf_reserve(q->st, &d->have, end, QUIC_CRYPTO_MAX) < 0)
            return -1;
        memset(d->have.d + d->have.len, 0, end - d->have.len);
        d->crypto.len = d->have.len = (uint32_t)end;
    }
    memcpy(d->crypto.d + off, p, n);
    memset(d->have.d + off, 1, n);
    try_hello(q, dir);
    return 0;
}

/* The frames of an opened Initial. */
static void frames(struct quic_state *q, int dir, const uint8_t *p, size_t n)
{
    size_t o = 0;
    uint64_t t, a, b, c;
    while (o < n) {
        if (quic_varint(p, n, &o, &t) < 0)
            goto bad;
        switch (t) {
        case 0x00:                      /* PADDING */
        case 0x01:                      /* PING */
            break;
        case 0x02:
        case 0x03:                      /* ACK: largest, delay, range count, first range, ranges */
            if (quic_varint(p, n, &o, &a) < 0 || quic_varint(p, n, &o, &a) < 0 ||
                quic_varint(p, n, &o, &c) < 0 || quic_varint(p, n, &o, &a) < 0)
                goto bad;
            for (uint64_t i = 0; i < c; i++)
                if (quic_varint(p, n, &o, &a) < 0 || quic_varint(p, n, &o, &a) < 0)
                    goto bad;
            if (t == 0x03 && (quic_varint(p, n, &o, &a) < 0 || quic_varint(p, n, &o, &a) < 0 ||
                              quic_varint(p, n, &o, &a) < 0))
                goto bad;
            break;
        case 0x06:                      /* CRYPTO: offset, length, data */
            if (quic_varint(p, n, &o, &a) < 0 || quic_varint(p, n, &o, &b) < 0 || b > n - o)
                goto bad;
            if (crypto_frame(q, dir, a, p + o, (size_t)b) < 0)
                return;
            o += (size_t)b;
            break;
        case 0x1c:
        case 0x1d:                      /* CONNECTION_CLOSE: code, [frame type], reason */
            if (quic_varint(p, n, &o, &a) < 0 || (t == 0x1c && quic_varint(p, n, &o, &a) < 0) ||
                quic_varint(p, n, &o, &b) < 0 || b > n - o)
                goto bad;
            o += (size_t)b;
            break;
        default:
            goto bad;                   /* not allowed in an Initial */
        }
    }
    return;
bad:
    q->ctr[Q_C_PARSE_ERRORS]++;
}

/* The frames of a Google QUIC packet (clear, or a Q050 Initial opened):
 * its CHLOs into q->g, its TLS CRYPTO frames (if any) to the TLS path. */
static void gquic_packet(struct quic_state *q, int dir, uint32_t version, const uint8_t *p, size_t n)
{
    uint64_t msgs = q->g.msgs;
    if (gquic_frames(q->st, &q->g, version, p, n) < 0) {
        q->ctr[Q_C_PARSE_ERRORS]++;
        return;
    }
    q->ctr[Q_C_HELLOS] += q->g.msgs - msgs;
    for (unsigned i = 0; i < q->g.ncrypto; i++)
        crypto_frame(q, dir, q->g.crypto[i].off, q->g.crypto[i].p, q->g.crypto[i].n);
}

/* One Initial: header fields known, pn_off and end inside the datagram. */
static void initial(struct quic_state *q, int dir, uint32_t version, const uint8_t *pkt,
                    const uint8_t *dcid, size_t dcid_len, size_t pn_off, size_t end)
{
    struct quic_keys k;
    size_t n;

    q->ctr[Q_C_INITIALS]++;
    if (dir == APP_DIR_TOSERVER && !q->have_dcid) {
        memcpy(q->dcid, dcid, dcid_len);        /* the keys' DCID: the client's first */
        q->dcid_len = (uint8_t)dcid_len;
        q->have_dcid = 1;
    }
    if (!q->have_dcid || q->d[dir].done)
        return;
    if (app_buf_reserve(q->st, &q->plain, end, QUIC_DGRAM_MAX) < 0 ||
        quic_initial_keys(version, q->dcid, q->dcid_len, dir == APP_DIR_TOCLIENT, &k) < 0 ||
        quic_open(&k, pkt, pn_off, end, q->plain.d, q->plain.cap, &n) < 0) {
        q->ctr[Q_C_DECRYPT_ERRORS]++;
        return;
    }
    if (version == QUIC_Q050)
        gquic_packet(q, dir, version, q->plain.d, n);
    else
        frames(q, dir, q->plain.d, n);
}

/* A long-header packet at p[0..len): its length, or 0 to stop. */
static size_t long_packet(struct quic_state *q, int dir, const uint8_t *p, size_t len)
{
    size_t o = 5;
    uint32_t v = rd32(p + 1);
    if (v == 0 || !quic_version_known(v))
        return 0;                       /* version negotiation, gQUIC, unknown: version only */
    if (o >= len || p[o] > 20)
        goto bad;
    const uint8_t *dcid = p + o + 1;
    size_t dcid_len = p[o];
    o += 1 + dcid_len;
    if (o >= len || p[o] > 20 || p[o] + (size_t)1 > len - o)
        goto bad;
    o += 1 + p[o];
    unsigned type = (p[0] >> 4) & 3;
    int is_initial = v == QUIC_V2 ? type == 1 : type == 0;
    int is_retry = v == QUIC_V2 ? type == 0 : type == 3;
    uint64_t x;
    if (is_retry) {
        /* the client starts again with the Retry's SCID as its DCID: new keys,
         * its hello sent again */
        size_t so = 5 + 1 + dcid_len;
        if (dir == APP_DIR_TOCLIENT && p[so] <= 20) {
            memcpy(q->dcid, p + so + 1, p[so]);
            q->dcid_len = p[so];
            q->have_dcid = 1;
            dir_reset(q, APP_DIR_TOSERVER);
        }
        return 0;
    }
    if (is_initial) {
        if (quic_varint(p, len, &o, &x) < 0 || x > len - o)
            goto bad;
        o += (size_t)x;                 /* the token */
    }
    if (quic_varint(p, len, &o, &x) < 0 || x > len - o)
        goto bad;
    size_t end = o + (size_t)x;
    if (is_initial)
        initial(q, dir, v, p, dcid, dcid_len, o, end);
    return end;
bad:
    q->ctr[Q_C_PARSE_ERRORS]++;
    return 0;
}

static const char *version_text(uint32_t v, char *buf, size_t cap)
{
    if (v == 0x51303339u || (v >= 0x51303433u && v <= 0x51303436u)) {
        snprintf(buf, cap, "Q0%c%c", (char)(v >> 8), (char)v);
        return buf;
    }
    if (v == QUIC_V2)
        return "v2";
    snprintf(buf, cap, "%x", v);
    return buf;
}

struct quic_meta {
    const char *version;
    const struct tls_hello *hello;      /* NULL: none in this datagram */
    const uint8_t *msg;                 /* the hello's body (ext offsets point into it) */
    const char *ja3_string;
    uint8_t client;
    const struct gquic_out *g;          /* Google QUIC's sni, ua, cyu (NULL: none) */
};

static void quic_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *s)
{
    struct quic_state *q = state;
    uint32_t version = 0;
    int have_version = 0;

    if (n < 1)
        return;
    q->hello_new[0] = q->hello_new[1] = 0;
    gquic_reset(&q->g);
    int after_hello = q->d[dir].hello;
    size_t hl;
    int init;
    if (p[0] & 0x80) {                          /* long header */
        if (n < 5) {
            q->ctr[Q_C_PARSE_ERRORS]++;
            return;
        }
        version = rd32(p + 1);
        if (gquic_version(version)) {           /* Q043-Q046: one packet to the datagram's end */
            if (!gquic_long_header(p, n, &hl, &init)) {
                q->ctr[Q_C_PARSE_ERRORS]++;     /* Suricata makes no transaction of it */
                return;
            }
            if (init) {
                q->ctr[Q_C_INITIALS]++;
                gquic_packet(q, dir, version, p + hl, n - hl);
            }
        } else {
            for (size_t off = 0; off < n && (p[off] & 0x80) && n - off >= 5;) {
                size_t k = long_packet(q, dir, p + off, n - off);
                if (!k)
                    break;
                off += k;
            }
        }
        have_version = 1;
    } else if (!(p[0] & 0x40) && (p[0] & 0x01)) {   /* gQUIC public header with a version */
        if (!gquic_public_header(p, n, &hl, &version)) {
            q->ctr[Q_C_PARSE_ERRORS]++;
            return;
        }
        have_version = 1;
        q->ctr[Q_C_INITIALS]++;
        if (quic_version_known(version))        /* an IETF version there: Suricata fails to open it */
            q->ctr[Q_C_DECRYPT_ERRORS]++;
        else
            gquic_packet(q, dir, version, p + hl, n - hl);
    }
    if (!have_version || (after_hello && !q->hello_new[dir]))
        return;
    q->ctr[Q_C_PACKETS]++;

    char vb[16];
    uint8_t vraw[4] = { (uint8_t)(version >> 24), (uint8_t)(version >> 16), (uint8_t)(version >> 8),
                        (uint8_t)version };
    struct quic_meta meta = { .version = version_text(version, vb, sizeof(vb)) };
    struct txb b = { .n = 0 };
    txb_add(&b, BUF_QUIC_VERSION, vraw, 4);
    const struct gquic_out *g = &q->g;
    if (g->has_sni || g->has_ua || g->ncyu) {
        meta.g = g;
        if (g->has_sni && g->sni_len)
            txb_add(&b, BUF_QUIC_SNI, g->text.d + g->sni_off, g->sni_len);
        if (g->has_ua && g->ua_len)
            txb_add(&b, BUF_QUIC_UA, g->text.d + g->ua_off, g->ua_len);
        for (unsigned i = 0; i < g->ncyu; i++) {
            txb_add(&b, BUF_QUIC_CYU_HASH, g->cyu[i].hash, 32);
            txb_add(&b, BUF_QUIC_CYU_STRING, g->text.d + g->cyu[i].off, g->cyu[i].len);
        }
    }
    if (q->hello_new[dir]) {
        const struct tls_hello *h = &q->hello[dir];
        meta.hello = h;
        meta.msg = q->d[dir].crypto.d + 4;
        meta.ja3_string = (const char *)q->ja3[dir].d;
        meta.client = dir == APP_DIR_TOSERVER;
        if (meta.client) {
            if (h->sni[0] && !(g->has_sni && g->sni_len))
                txb_add(&b, BUF_QUIC_SNI, h->sni, strlen(h->sni));
            txb_add(&b, BUF_JA3_HASH, h->ja3, 32);
            txb_add(&b, BUF_JA3_STRING, q->ja3[dir].d, q->ja3[dir].len - 1);
            txb_add(&b, BUF_JA4_HASH, h->ja4, 36);
        } else {
            txb_add(&b, BUF_JA3S_HASH, h->ja3, 32);
            txb_add(&b, BUF_JA3S_STRING, q->ja3[dir].d, q->ja3[dir].len - 1);
        }
    }
    app_buf_emit(s, q->id, TX_QUIC, dir, 1, &b, &meta);
    if (q->hello_new[dir]) {            /* done with this side's CRYPTO bytes */
        app_buf_free(q->st, &q->d[dir].crypto);
        app_buf_free(q->st, &q->d[dir].have);
        if (q->d[dir ^ 1].hello)
            app_buf_free(q->st, &q->plain);
    }
}

static void quic_gap(void *state, int dir, size_t n, const struct app_sink *s)
{
    (void)state;
    (void)dir;
    (void)n;
    (void)s;
}

static void quic_end(void *state, const struct app_sink *s)
{
    (void)state;
    (void)s;
}

static void sv_name(uint16_t v, char *buf, size_t cap)
{
    if (v >= 0x0301 && v <= 0x0304)
        snprintf(buf, cap, "Tls1%u", (unsigned)(v - 0x0301));
    else if (v == 0x0300)
        snprintf(buf, cap, "Ssl30");
    else if (v >= 0x7f12 && v <= 0x7f1c)
        snprintf(buf, cap, "Tls13Draft%u", (unsigned)(v & 0xff));
    else
        snprintf(buf, cap, "TlsVersion(%u / 0x%04x)", v, v);
}

static void ext_values(struct jw *w, const struct quic_meta *m, const struct tls_ext *e)
{
    const uint8_t *d = m->msg + e->off;
    size_t n = e->len, o = 2;
    char s[32];

    if (e->type == 0 && n >= 2) {                           /* server_name */
        jw_karr(w, "values");
        for (size_t l = rd16(d) + 2u < n ? rd16(d) + 2u : n; o + 3 <= l;) {
            size_t nl = rd16(d + o + 1);
            if (nl > l - o - 3)
                break;
            jw_strn(w, (const char *)d + o + 3, nl);
            o += 3 + nl;
        }
        jw_arr_end(w);
    } else if (e->type == 16 && n >= 2) {                   /* alpn */
        jw_karr(w, "values");
        for (size_t l = rd16(d) + 2u < n ? rd16(d) + 2u : n; o + 1 <= l;) {
            size_t pl = d[o];
            if (pl > l - o - 1)
                break;
            jw_strn(w, (const char *)d + o + 1, pl);
            o += 1 + pl;
        }
        jw_arr_end(w);
    } else if (e->type == 13 && n >= 2) {                   /* signature_algorithms */
        jw_karr(w, "values");
        for (size_t l = rd16(d) + 2u < n ? rd16(d) + 2u : n; o + 2 <= l; o += 2) {
            snprintf(s, sizeof(s), "%u", rd16(d + o));
            jw_str(w, s);
        }
        jw_arr_end(w);
    } else if (e->type == 43 && n >= 1) {                   /* supported_versions */
        jw_karr(w, "values");
        if (m->client) {
            for (size_t i = 1; i + 2 <= n && i + 2 <= (size_t)d[0] + 1; i += 2) {
                sv_name(rd16(d + i), s, sizeof(s));
                jw_str(w, s);
            }
        } else if (n == 2) {
            sv_name(rd16(d), s, sizeof(s));
            jw_str(w, s);
        }
        jw_arr_end(w);
    }
}

/* quic{version, sni, ua, cyu[{hash, string}], ja3|ja3s{hash,string}, ja4, extensions[]} */
static void quic_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct quic_meta *m = tx->meta;
    const struct tls_hello *h = m->hello;
    const struct gquic_out *g = m->g;
    const char *gt = g && g->text.d ? (const char *)g->text.d : "";   /* empty values: no buffer */
    jw_kobj(w, "quic");
    jw_kstr(w, "version", m->version);
    if (g && g->has_sni) {                  /* the CHLO's bytes, as Suricata: lossy UTF-8 */
        jw_key(w, "sni");
        jw_strn_lossy(w, gt + g->sni_off, g->sni_len);
    } else if (h && m->client && h->sni[0]) {
        jw_kstr(w, "sni", h->sni);
    }
    if (g && g->has_ua) {
        jw_key(w, "ua");
        jw_strn_lossy(w, gt + g->ua_off, g->ua_len);
    }
    if (g && g->ncyu) {
        jw_karr(w, "cyu");
        for (unsigned i = 0; i < g->ncyu; i++) {
            jw_obj_begin(w);
            jw_kstr(w, "hash", g->cyu[i].hash);
            jw_key(w, "string");
            jw_strn(w, gt + g->cyu[i].off, g->cyu[i].len);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    if (h) {
        jw_kobj(w, m->client ? "ja3" : "ja3s");
        jw_kstr(w, "hash", h->ja3);
        app_buf_kstr(w, "string", m->ja3_string);
        jw_obj_end(w);
        if (m->client)
            jw_kstr(w, "ja4", h->ja4);
        if (h->next) {
            jw_karr(w, "extensions");
            for (uint32_t i = 0; i < h->next; i++) {
                jw_obj_begin(w);
                const char *name = tls_ext_name(h->ext[i].type);
                app_buf_kstr(w, "name", name);
                jw_ku64(w, "type", h->ext[i].type);
                ext_values(w, m, &h->ext[i]);
                jw_obj_end(w);
            }
            jw_arr_end(w);
        }
    }
    jw_obj_end(w);
}

static const struct app_keyword quic_keywords[] = {
    APP_STICKY("quic.version", BUF_QUIC_VERSION),
    APP_STICKY("quic.sni", BUF_QUIC_SNI),
    APP_STICKY("quic.ua", BUF_QUIC_UA),
    APP_STICKY("quic.cyu.hash", BUF_QUIC_CYU_HASH),
    APP_STICKY("quic.cyu.string", BUF_QUIC_CYU_STRING),
    APP_KEYWORDS_END,
};

const struct app_parser app_quic_parser = {
    .name = "quic", .rule_proto = "quic", .event_type = "quic", .event_id = 17,
    .transports = APP_UDP_FLOW,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_QUIC, 0 },
    .counters = (const char *const[]){ "packets", "initials", "hellos", "decrypt_errors",
                                       "parse_errors", NULL },
    .keywords = quic_keywords,
    .create = quic_create, .feed = quic_feed, .gap = quic_gap, .end = quic_end,
    .destroy = quic_destroy,
    .event_body = quic_event_body,
};
