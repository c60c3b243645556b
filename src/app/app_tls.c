/* app_tls.c - the TLS handshake in clear: record layer, ClientHello (SNI,
 * JA3), ServerHello (version, JA3S), Certificate (leaf fields, every
 * certificate as a tls.certs occurrence).
 *
 * Record layer: each direction reads 5-byte record headers (which may be
 * cut across feed() calls) and then the record body. Handshake records
 * (type 22) are appended to a per-direction handshake stream, so a
 * handshake message may span records and feed() calls; a message is parsed
 * once its 4-byte header and body are all there. A message larger than
 * tls_record_max is skipped (counted as a parse error) without buffering
 * it. A record header that is not TLS (type outside 20..24, major version
 * not 3, length over 2^14 + 2048) stops the direction: nDPI was wrong or
 * the stream is not TLS.
 *
 * After a direction's ChangeCipherSpec its handshake records are encrypted
 * and no longer parsed. TX_TLS_SERVER (the one tls event per handshake) is
 * reported when the Certificate follows the ServerHello, or when the server
 * sends ChangeCipherSpec or application data after its ServerHello (a
 * resumed session, or TLS 1.3 whose certificates are encrypted), or at the
 * end of the flow: with only a ClientHello seen, the event carries the
 * client side.
 *
 * The hellos themselves (SNI, JA3/JA3S, JA4) are read by app_tls_hello.c,
 * which the QUIC parser shares.
 *
 * A gap stops both directions (the handshake cannot be trusted after it).
 *
 * Ownership: tls_state belongs to one app_flow. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_buf.h"
#include "app_tls_hello.h"
#include "app_x509.h"

#define TLS_REC_MAX (16384 + 2048)

struct tls_dir {
    uint8_t hdr[5];
    uint8_t hlen;
    uint8_t rtype;
    uint32_t rleft;             /* body bytes of the current record still to come */
    struct abuf hs;             /* handshake stream bytes not parsed yet */
    uint32_t hs_skip;           /* bytes of an oversized handshake message to drop */
    uint8_t dead, encrypted;
};

enum { TLS_C_HANDSHAKES, TLS_C_PARSE_ERRORS, TLS_C_TLCP };   /* counters, named in the entry */

struct tls_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    const struct app_limits *lim;
    struct tls_dir d[2];
    uint8_t client_hello, server_hello, server_done, errored;
    uint8_t app_data;                   /* an application-data record was seen (tls_encrypted) */
    uint16_t version_num;
    char sni[256];
    char version[32];
    char ja3[33], ja3s[33], ja4[37];
    struct abuf ja3_str, ja3s_str;      /* NUL-terminated */
    struct x509_info cert;
    struct x509_info *enc_cert;         /* TLCP: the encryption certificate (allocated then) */
    uint8_t have_cert;
    uint16_t cipher;                    /* the suite the ServerHello chose */
};

static void *tls_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct tls_state *t = app_buf_alloc(st, sizeof(*t));
    t->st = st;
    t->ctr = app_stats_row(st, id);
    t->id = id;
    t->lim = lim;
    return t;
}

static void tls_destroy(void *state)
{
    struct tls_state *t = state;
    if (!t)
        return;
    for (int i = 0; i < 2; i++)
        app_buf_free(t->st, &t->d[i].hs);
    app_buf_free(t->st, &t->ja3_str);
    app_buf_free(t->st, &t->ja3s_str);
    if (t->enc_cert)
        app_buf_release(t->st, t->enc_cert, sizeof(*t->enc_cert));
    app_buf_release(t->st, t, sizeof(*t));
}

static void parse_error(struct tls_state *t, int dir)
{
    if (!t->errored)
        t->ctr[TLS_C_PARSE_ERRORS]++;
    t->errored = 1;
    t->d[dir].dead = 1;
}

static const char *version_name(uint16_t v, char *buf, size_t cap)
{
    switch (v) {
    case 0x0101: return "TLCP";         /* GB/T 38636-2020 */
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    }
    if ((v >> 8) == 0x7f)
        snprintf(buf, cap, "TLS 1.3 draft-%u", v & 0xff);
    else
        snprintf(buf, cap, "0x%04x", v);
    return buf;
}

static size_t ja3_max(const struct tls_state *t)
{
    return (size_t)t->lim->tls_record_max * 3 + 64;
}

static void client_hello(struct tls_state *t, const uint8_t *m, size_t len, const struct app_sink *s)
{
    struct tls_hello h;

    if (t->client_hello)
        return;                 /* a second one (after HelloRetryRequest): keep the first */
    if (tls_hello_client(m, len, 0, t->st, &t->ja3_str, ja3_max(t), &h) < 0) {
        parse_error(t, APP_DIR_TOSERVER);
        return;
    }
    memcpy(t->sni, h.sni, sizeof(t->sni));
    memcpy(t->ja3, h.ja3, sizeof(t->ja3));
    memcpy(t->ja4, h.ja4, sizeof(t->ja4));
    t->client_hello = 1;

    struct txb b = { .n = 0 };
    struct app_tls_meta meta = {
        .sni = t->sni[0] ? t->sni : NULL, .ja3 = t->ja3, .ja3_string = (const char *)t->ja3_str.d,
        .ja4 = t->ja4,
    };
    if (t->sni[0])
        txb_add(&b, BUF_TLS_SNI, t->sni, strlen(t->sni));
    txb_add(&b, BUF_JA3_HASH, t->ja3, 32);
    txb_add(&b, BUF_JA3_STRING, t->ja3_str.d, t->ja3_str.len - 1);
    txb_add(&b, BUF_JA4_HASH, t->ja4, 36);
    app_buf_emit(s, t->id, TX_TLS_CLIENT_HELLO, APP_DIR_TOSERVER, 0, &b, &meta);
}

static void server_hello(struct tls_state *t, const uint8_t *m, size_t len)
{
    struct tls_hello h;

    if (t->server_hello)
        return;
    if (tls_hello_server(m, len, t->st, &t->ja3s_str, ja3_max(t), &h) < 0) {
        parse_error(t, APP_DIR_TOCLIENT);
        return;
    }
    t->version_num = h.selected;
    t->cipher = h.cipher;
    memcpy(t->ja3s, h.ja3, sizeof(t->ja3s));
    {
        char tmp[32];
        const char *vn = version_name(t->version_num, tmp, sizeof(tmp));
        snprintf(t->version, sizeof(t->version), "%s", vn);
    }
    t->server_hello = 1;
}

/* GB/T 38636-2020 6.4.5.2.1: the TLCP cipher suites' names; NULL for
 * others (no cipher_suite member then). */
static const char *tlcp_suite_name(uint16_t c)
{
    switch (c) {
    case 0xe011: return "ECDHE_SM4_CBC_SM3";
    case 0xe013: return "ECC_SM4_CBC_SM3";
    case 0xe015: return "IBSDH_SM4_CBC_SM3";
    case 0xe017: return "IBC_SM4_CBC_SM3";
    case 0xe019: return "RSA_SM4_CBC_SM3";
    case 0xe01c: return "RSA_SM4_CBC_SHA256";
    case 0xe051: return "ECDHE_SM4_GCM_SM3";
    case 0xe053: return "ECC_SM4_GCM_SM3";
    case 0xe055: return "IBSDH_SM4_GCM_SM3";
    case 0xe057: return "IBC_SM4_GCM_SM3";
    case 0xe059: return "RSA_SM4_GCM_SM3";
    case 0xe05a: return "RSA_SM4_GCM_SHA256";
    }
    return NULL;
}

static void fill_meta(const struct tls_state *t, struct app_tls_meta *m)
{
    memset(m, 0, sizeof(*m));
    m->sni = t->sni[0] ? t->sni : NULL;
    if (t->client_hello) {
        m->ja3 = t->ja3;
        m->ja3_string = (const char *)t->ja3_str.d;
        m->ja4 = t->ja4;
    }
    if (t->server_hello) {
        m->version = t->version;
        m->version_num = t->version_num;
        m->ja3s = t->ja3s;
        m->ja3s_string = (const char *)t->ja3s_str.d;
    }
    if (t->have_cert) {
        m->subject = t->cert.subject;
        m->issuer = t->cert.issuer;
        m->serial = t->cert.serial[0] ? t->cert.serial : NULL;
        m->fingerprint = t->cert.fingerprint;
        m->notbefore = t->cert.notbefore[0] ? t->cert.notbefore : NULL;
        m->notafter = t->cert.notafter[0] ? t->cert.notafter : NULL;
    }
    if (t->server_hello)
        m->cipher_suite = tlcp_suite_name(t->cipher);
    if (t->enc_cert) {
        const struct x509_info *e = t->enc_cert;
        m->enc_subject = e->subject;
        m->enc_issuer = e->issuer;
        m->enc_serial = e->serial[0] ? e->serial : NULL;
        m->enc_fingerprint = e->fingerprint;
        m->enc_notbefore = e->notbefore[0] ? e->notbefore : NULL;
        m->enc_notafter = e->notafter[0] ? e->notafter : NULL;
    }
}

/* The tls event; certs (optional) are the DER certificates of the chain. */
static void server_done(struct tls_state *t, const uint8_t *certs, size_t certs_len,
                        const struct app_sink *s)
{
    struct txb b = { .n = 0 };
    struct app_tls_meta meta;

    if (t->server_done)
        return;
    t->server_done = 1;
    t->ctr[TLS_C_HANDSHAKES]++;
    if (t->version_num == 0x0101)
        t->ctr[TLS_C_TLCP]++;
    fill_meta(t, &meta);
    if (t->server_hello) {
        txb_add(&b, BUF_JA3S_HASH, t->ja3s, 32);
        txb_add(&b, BUF_JA3S_STRING, t->ja3s_str.d, t->ja3s_str.len - 1);
    }
    if (t->have_cert) {
        txb_add(&b, BUF_TLS_CERT_SUBJECT, t->cert.subject, strlen(t->cert.subject));
        txb_add(&b, BUF_TLS_CERT_ISSUER, t->cert.issuer, strlen(t->cert.issuer));
        txb_add(&b, BUF_TLS_CERT_SERIAL, t->cert.serial, strlen(t->cert.serial));
        txb_add(&b, BUF_TLS_CERT_FINGERPRINT, t->cert.fingerprint, strlen(t->cert.fingerprint));
    }
    if (t->enc_cert) {                  /* TLCP: the encryption certificate matches too */
        const struct x509_info *e = t->enc_cert;
        txb_add(&b, BUF_TLS_CERT_SUBJECT, e->subject, strlen(e->subject));
        txb_add(&b, BUF_TLS_CERT_ISSUER, e->issuer, strlen(e->issuer));
        txb_add(&b, BUF_TLS_CERT_SERIAL, e->serial, strlen(e->serial));
        txb_add(&b, BUF_TLS_CERT_FINGERPRINT, e->fingerprint, strlen(e->fingerprint));
    }
    for (size_t p = 0; certs && p + 3 <= certs_len;) {
        size_t cl = (size_t)certs[p] << 16 | (size_t)certs[p + 1] << 8 | certs[p + 2];
        if (cl > certs_len - p - 3)
            break;
        txb_add(&b, BUF_TLS_CERTS, certs + p + 3, cl);
        p += 3 + cl;
    }
    app_buf_emit(s, t->id, TX_TLS_SERVER, APP_DIR_TOCLIENT, 1, &b, &meta);
}

static void certificate(struct tls_state *t, const uint8_t *m, size_t len, const struct app_sink *s)
{
    if (!t->server_hello || t->server_done)
        return;
    if (len < 3)
        goto bad;
    size_t ll = (size_t)m[0] << 16 | (size_t)m[1] << 8 | m[2];
    if (ll > len - 3)
        goto bad;
    const uint8_t *c = m + 3;
    if (ll >= 3) {
        size_t cl = (size_t)c[0] << 16 | (size_t)c[1] << 8 | c[2];
        if (cl > ll - 3)
            goto bad;
        t->have_cert = 1;
        if (app_x509_parse(c + 3, cl, t->lim->tls_fingerprint, &t->cert) < 0)
            t->ctr[TLS_C_PARSE_ERRORS]++;      /* keep what was read, the fingerprint at least */
        /* TLCP (GB/T 38636-2020 6.4.5.3): the signing certificate, then the
         * encryption certificate, then the CA chain */
        size_t o2 = 3 + cl;
        if (t->version_num == 0x0101 && o2 + 3 <= ll) {
            size_t el = (size_t)c[o2] << 16 | (size_t)c[o2 + 1] << 8 | c[o2 + 2];
            if (el > ll - o2 - 3)
                goto bad;
            t->enc_cert = app_buf_alloc(t->st, sizeof(*t->enc_cert));
            if (app_x509_parse(c + o2 + 3, el, t->lim->tls_fingerprint, t->enc_cert) < 0)
                t->ctr[TLS_C_PARSE_ERRORS]++;
        }
    }
    server_done(t, c, ll, s);
    return;
bad:
    parse_error(t, APP_DIR_TOCLIENT);
}

/* Parses the complete handshake messages at the start of the stream. */
static void hs_messages(struct tls_state *t, int dir, const struct app_sink *s)
{
    struct tls_dir *d = &t->d[dir];
    size_t off = 0;

    while (!d->dead && d->hs.len - off >= 4) {
        const uint8_t *h = d->hs.d + off;
        size_t ml = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
        if (ml > t->lim->tls_record_max) {
            /* too large to keep: drop it, what is here and what is to come */
            parse_error(t, dir);
            d->dead = 0;
            size_t have = d->hs.len - off - 4;
            if (have >= ml) {               /* all here already (one big feed) */
                off += 4 + ml;
                continue;
            }
            d->hs_skip = (uint32_t)(ml - have);
            off = d->hs.len;
            break;
        }
        if (d->hs.len - off - 4 < ml)
            break;
        const uint8_t *b = h + 4;
        if (dir == APP_DIR_TOSERVER && h[0] == 1)
            client_hello(t, b, ml, s);
        else if (dir == APP_DIR_TOCLIENT && h[0] == 2)
            server_hello(t, b, ml);
        else if (dir == APP_DIR_TOCLIENT && h[0] == 11)
            certificate(t, b, ml, s);
        off += 4 + ml;
    }
    app_buf_consume(&d->hs, off);
}

static void record_body(struct tls_state *t, int dir, const uint8_t *p, size_t n,
                        const struct app_sink *s)
{
    struct tls_dir *d = &t->d[dir];

    if (d->rtype != 22 || d->encrypted)
        return;
    if (d->hs_skip) {
        size_t k = MIN(n, d->hs_skip);
        d->hs_skip -= (uint32_t)k;
        p += k;
        n -= k;
        if (!n)
            return;
    }
    if (app_buf_append(t->st, &d->hs, p, n, (size_t)t->lim->tls_record_max + 4 + TLS_REC_MAX) < 0) {
        parse_error(t, dir);
        return;
    }
    hs_messages(t, dir, s);
}

/* A record header is complete: check it; note CCS / application data. */
static void record_start(struct tls_state *t, int dir, const struct app_sink *s)
{
    struct tls_dir *d = &t->d[dir];
    uint8_t type = d->hdr[0];
    uint32_t len = rd16(d->hdr + 3);

    /* TLS: 3.x; TLCP (GB/T 38636-2020): 1.1 */
    if (type < 20 || type > 24 || (d->hdr[1] != 3 && rd16(d->hdr + 1) != 0x0101) ||
        len > TLS_REC_MAX) {
        parse_error(t, dir);
        return;
    }
    d->rtype = type;
    d->rleft = len;
    /* Application data ends payload inspection, as in Suricata (whose TLS
     * parser then sets APP_LAYER_PARSER_NO_INSPECTION_PAYLOAD), except 0-RTT
     * early data: a client's record before the ServerHello. */
    if (type == 23 && (t->server_hello || !t->client_hello))
        t->app_data = 1;
    if (type == 20 || type == 23) {
        d->encrypted = 1;
        if (dir == APP_DIR_TOCLIENT && t->server_hello)
            server_done(t, NULL, 0, s);
    }
}

static void tls_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *s)
{
    struct tls_state *t = state;
    struct tls_dir *d = &t->d[dir];

    while (n && !d->dead) {
        if (t->app_data)
            return;             /* encrypted application data: nothing left to read */
        if (d->rleft == 0) {
            size_t k = MIN(n, (size_t)(5 - d->hlen));
            memcpy(d->hdr + d->hlen, p, k);
            d->hlen = (uint8_t)(d->hlen + k);
            p += k;
            n -= k;
            if (d->hlen < 5)
                return;
            d->hlen = 0;
            record_start(t, dir, s);
            continue;
        }
        size_t k = MIN(n, d->rleft);
        record_body(t, dir, p, k, s);
        d->rleft -= (uint32_t)k;
        p += k;
        n -= k;
    }
}

static void tls_gap(void *state, int dir, size_t n, const struct app_sink *s)
{
    struct tls_state *t = state;
    (void)dir;
    (void)n;
    (void)s;
    t->d[0].dead = t->d[1].dead = 1;
}

static void tls_end(void *state, const struct app_sink *s)
{
    struct tls_state *t = state;
    if (!t->server_done && (t->server_hello || t->client_hello))
        server_done(t, NULL, 0, s);
}

/* tls{subject, issuerdn, serial, fingerprint, sni, version, notbefore,
 *     notafter, ja3{hash,string}, ja3s{hash,string}, ja4}; for TLCP also
 *     cipher_suite and encryption_cert{subject, issuerdn, serial,
 *     fingerprint, notbefore, notafter} (our own fields) */
static void tls_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct app_tls_meta *m = tx->meta;
    jw_kobj(w, "tls");
    app_buf_kstr(w, "subject", m->subject);
    app_buf_kstr(w, "issuerdn", m->issuer);
    app_buf_kstr(w, "serial", m->serial);
    app_buf_kstr(w, "fingerprint", m->fingerprint);
    app_buf_kstr(w, "sni", m->sni);
    app_buf_kstr(w, "version", m->version);
    app_buf_kstr(w, "notbefore", m->notbefore);
    app_buf_kstr(w, "notafter", m->notafter);
    if (m->ja3) {
        jw_kobj(w, "ja3");
        jw_kstr(w, "hash", m->ja3);
        app_buf_kstr(w, "string", m->ja3_string);
        jw_obj_end(w);
    }
    if (m->ja3s) {
        jw_kobj(w, "ja3s");
        jw_kstr(w, "hash", m->ja3s);
        app_buf_kstr(w, "string", m->ja3s_string);
        jw_obj_end(w);
    }
    app_buf_kstr(w, "ja4", m->ja4);
    app_buf_kstr(w, "cipher_suite", m->cipher_suite);
    if (m->enc_subject || m->enc_fingerprint) {
        jw_kobj(w, "encryption_cert");
        app_buf_kstr(w, "subject", m->enc_subject);
        app_buf_kstr(w, "issuerdn", m->enc_issuer);
        app_buf_kstr(w, "serial", m->enc_serial);
        app_buf_kstr(w, "fingerprint", m->enc_fingerprint);
        app_buf_kstr(w, "notbefore", m->enc_notbefore);
        app_buf_kstr(w, "notafter", m->enc_notafter);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

/* Its rule keywords, as Suricata spells them: sticky buffers, and the
 * legacy content modifiers. */
static const struct app_keyword tls_keywords[] = {
    APP_STICKY("tls.sni", BUF_TLS_SNI),
    APP_STICKY("tls_sni", BUF_TLS_SNI),
    APP_STICKY("tls.cert_subject", BUF_TLS_CERT_SUBJECT),
    APP_STICKY("tls_cert_subject", BUF_TLS_CERT_SUBJECT),
    APP_STICKY("tls.cert_issuer", BUF_TLS_CERT_ISSUER),
    APP_STICKY("tls_cert_issuer", BUF_TLS_CERT_ISSUER),
    APP_STICKY("tls.cert_serial", BUF_TLS_CERT_SERIAL),
    APP_STICKY("tls_cert_serial", BUF_TLS_CERT_SERIAL),
    APP_STICKY("tls.cert_fingerprint", BUF_TLS_CERT_FINGERPRINT),
    APP_STICKY("tls_cert_fingerprint", BUF_TLS_CERT_FINGERPRINT),
    APP_STICKY("tls.certs", BUF_TLS_CERTS),
    APP_STICKY("ja3.hash", BUF_JA3_HASH),
    APP_STICKY("ja3_hash", BUF_JA3_HASH),
    APP_STICKY("ja3.string", BUF_JA3_STRING),
    APP_STICKY("ja3_string", BUF_JA3_STRING),
    APP_STICKY("ja3s.hash", BUF_JA3S_HASH),
    APP_STICKY("ja3s_hash", BUF_JA3S_HASH),
    APP_STICKY("ja3s.string", BUF_JA3S_STRING),
    APP_STICKY("ja3s_string", BUF_JA3S_STRING),
    APP_STICKY("ja4.hash", BUF_JA4_HASH),
    APP_KEYWORDS_END,
};

/* After the first application-data record (record_start). */
static int tls_encrypted(void *state)
{
    const struct tls_state *t = state;
    return t->app_data;
}

const struct app_parser app_tls_parser = {
    .name = "tls", .rule_proto = "tls", .event_type = "tls", .event_id = 5,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_TLS, 0 },
    .counters = (const char *const[]){ "handshakes", "parse_errors", "tlcp_handshakes", NULL },
    .keywords = tls_keywords,
    .create = tls_create, .feed = tls_feed, .gap = tls_gap, .end = tls_end, .destroy = tls_destroy,
    .encrypted = tls_encrypted, .event_body = tls_event_body,
};
