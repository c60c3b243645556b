/* app_rdp.c - the RDP connection sequence (MS-RDPBCGR 1.3.1.1) as Suricata
 * 7.0.10 logs it: one `rdp` event per transaction, numbered from 1 per flow.
 *
 * Both directions are cut into TPKTs (T.123: version 3, reserved, 16-bit
 * big-endian length including the 4-byte header); a TPKT of at most
 * RDP_TPKT_MAX bytes is assembled, a longer one skipped. Inside a TPKT:
 *   X.224 Connection Request (class 0)  -> initial_request{cookie, flags}
 *       (the "Cookie: mstshash=NAME\r\n" token, then RDP_NEG_REQ)
 *   X.224 Connection Confirm (class 0)  -> initial_response{server_supports,
 *       protocol} (RDP_NEG_RSP) or {error_code, reason} (RDP_NEG_FAILURE)
 *   X.224 Data + MCS Connect-Initial    -> connect_request{client{...},
 *       channels} (after the GCC "Duca" key: the client data blocks CS_CORE
 *       and CS_NET, MS-RDPBCGR 2.2.1.3)
 *   X.224 Data + MCS Connect-Response   -> connect_response
 * When the server selects a protocol other than standard RDP security, TLS
 * follows: the client's side is no longer read, and the server's TLS
 * records are read up to its Certificate message, whose certificates'
 * serial numbers give tls_handshake{x509_serials} (lower-case hex without
 * leading zeros); after that the flow is done. Standard-security sessions
 * go on to fast-path PDUs (no TPKT): a direction stops at the first bytes
 * that are no TPKT.
 *
 * Field rules follow Suricata's parser where it is stricter than the spec
 * (an optional CS_CORE field ends the chain at the first value out of its
 * range; names are UTF-16LE up to a NUL and must decode; channel names are
 * UTF-8 up to a NUL), so the same bytes give the same events. Windows
 * builds and keyboard layouts are named from their tables (MS-LCID; a
 * layout not in ours is "unknown" where Suricata may name it).
 *
 * Asset and risk (rdp_learned): the protocol the server chose is a TX_ASSET
 * fact rdp{protocol}; standard RDP security or TLS without CredSSP is the
 * risk rdp_no_nla.
 *
 * Ownership: rdp_state belongs to one app_flow. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_buf.h"
#include "app_x509.h"

#define RDP_TPKT_MAX   16384
#define RDP_CHANNELS   32
#define RDP_SERIALS    8
#define RDP_NAME_MAX   128            /* UTF-8 bytes of a 32-char UTF-16 name, and more */

enum { RDP_C_TX, RDP_C_PARSE_ERRORS };
enum rdp_ev { EV_REQ, EV_RSP, EV_CONNECT, EV_CONNECT_RSP, EV_TLS };

struct rdp_client {
    int have;
    uint32_t version, build, layout, kb_type, kb_subtype, fkeys;
    uint16_t width, height;
    int color;                          /* -1: none */
    char name[RDP_NAME_MAX], ime[RDP_NAME_MAX * 2], dig[RDP_NAME_MAX * 2];
    int has_product, has_serial, has_caps, has_dig, has_hint, has_pw, has_ph, has_or, has_ds,
        has_dvs;
    uint16_t product, caps, orientation;
    uint32_t serial, pw, ph, ds, dvs;
    uint8_t hint;
};

struct rdp_meta {
    enum rdp_ev ev;
    uint32_t tx_id;
    /* initial_request */
    int has_cookie;
    char cookie[256];
    uint8_t req_flags;
    /* initial_response */
    int neg;                            /* 0 none, 2 response, 3 failure */
    uint8_t rsp_flags;
    uint32_t protocol, fail_code;
    /* connect_request */
    struct rdp_client client;
    uint32_t nchan;
    char chan[RDP_CHANNELS][9 * 4];
    /* tls_handshake */
    uint32_t nserial;
    char serial[RDP_SERIALS][132];
};

struct rdp_dir {
    struct abuf b;                      /* the TPKT being assembled, or TLS bytes */
    uint32_t skip;                      /* bytes of an oversized TPKT still to skip */
    uint8_t done, tpkts;
};

struct rdp_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    uint32_t tls_max, next_tx;
    uint8_t tls;                        /* the server chose TLS/CredSSP: TLS records follow */
    struct rdp_dir d[2];
    struct abuf hs;                     /* server handshake bytes (TLS mode) */
};

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

/* UTF-16LE up to the first NUL (or the end) as UTF-8; -1 on an unpaired
 * surrogate (the name does not decode) or when it does not fit. */
static int utf16_name(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t c = le16(p + i);
        if (c == 0)
            break;
        if (c >= 0xd800 && c <= 0xdbff) {
            if (i + 3 >= n)
                return -1;
            uint32_t lo = le16(p + i + 2);
            if (lo < 0xdc00 || lo > 0xdfff)
                return -1;
            c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        } else if (c >= 0xdc00 && c <= 0xdfff) {
            return -1;
        }
        if (o + 5 > cap)
            return -1;
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xc0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xe0 | c >> 12);
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else {
            out[o++] = (char)(0xf0 | c >> 18);
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[o] = 0;
    return 0;
}

/* Bytes up to a NUL (or the end) that must be valid UTF-8. */
static int utf8_name(const uint8_t *p, size_t n, char *out, size_t cap)
{
    const uint8_t *z = memchr(p, 0, n);
    size_t len = z ? (size_t)(z - p) : n;
    if (len >= cap)
        return -1;
    for (size_t i = 0; i < len;) {
        uint8_t c = p[i];
        size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (!k || i + k > len || (k == 2 && c < 0xc2))
            return -1;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xc0) != 0x80)
                return -1;
        i += k;
    }
    memcpy(out, p, len);
    out[len] = 0;
    return 0;
}

static void emit(struct rdp_state *s, int dir, struct rdp_meta *m, const struct app_sink *sink)
{
    m->tx_id = ++s->next_tx;
    s->ctr[RDP_C_TX]++;
    app_buf_emit(sink, s->id, TX_RDP, dir, 1, NULL, m);
}

/* The common X.224 CR/CC header: returns the variable part's length, or -1. */
static int x224_head(const uint8_t *p, size_t n, uint8_t code)
{
    if (n < 7 || p[0] == 0xff || p[1] >> 4 != code || (p[1] & 0x0f) > 1)
        return -1;
    if (p[2] || p[3] || p[6] != 0)      /* dst-ref 0; class 0, no options */
        return -1;
    if (p[0] < 6 || (size_t)p[0] + 1 > n)
        return -1;
    return p[0] - 6;
}

static int parse_cr(const uint8_t *p, size_t n, struct rdp_meta *m)
{
    int vl = x224_head(p, n, 0xe);
    if (vl < 0)
        return -1;
    const uint8_t *d = p + 7, *end = d + vl;
    if (end - d >= 17 && !memcmp(d, "Cookie: mstshash=", 17)) {
        const uint8_t *q = d + 17;
        while (q + 1 < end && !(q[0] == '\r' && q[1] == '\n'))
            q++;
        if (q + 1 < end && utf8_name(d + 17, (size_t)(q - d - 17), m->cookie, sizeof(m->cookie)) == 0 &&
            strlen(m->cookie) == (size_t)(q - d - 17)) {
            m->has_cookie = 1;
            d = q + 2;
        }
    }
    if (end - d >= 8 && d[0] == 1 && !(d[1] & ~0x0b) && le16(d + 2) == 8 && !(le32(d + 4) & ~0x0fu))
        m->req_flags = d[1];
    m->ev = EV_REQ;
    return 0;
}

static int parse_cc(const uint8_t *p, size_t n, struct rdp_meta *m)
{
    int vl = x224_head(p, n, 0xd);
    if (vl < 0)
        return -1;
    const uint8_t *d = p + 7;
    if (vl >= 8 && d[0] == 2 && !(d[1] & ~0x1f) && le16(d + 2) == 8) {
        uint32_t pr = le32(d + 4);
        if (pr == 0 || pr == 1 || pr == 2 || pr == 4 || pr == 8) {
            m->neg = 2;
            m->rsp_flags = d[1];
            m->protocol = pr;
        }
    }
    if (!m->neg && vl >= 8 && d[0] == 3 && le16(d + 2) == 8 && le32(d + 4) >= 1 && le32(d + 4) <= 6) {
        m->neg = 3;
        m->fail_code = le32(d + 4);
    }
    m->ev = EV_RSP;
    return 0;
}

/* CS_CORE (its body after the 4-byte header). -1 when Suricata's parser
 * would refuse it (a name that does not decode, too short). */
static int parse_core(const uint8_t *b, size_t n, struct rdp_client *c)
{
    if (n < 128)
        return -1;
    memset(c, 0, sizeof(*c));
    c->version = le32(b);
    c->width = le16(b + 4);
    c->height = le16(b + 6);
    uint16_t cd = le16(b + 8);
    c->layout = le32(b + 12);
    c->build = le32(b + 16);
    if (utf16_name(b + 20, 32, c->name, sizeof(c->name)) < 0)
        return -1;
    c->kb_type = le32(b + 52);
    c->kb_subtype = le32(b + 56);
    c->fkeys = le32(b + 60);
    if (utf16_name(b + 64, 64, c->ime, sizeof(c->ime)) < 0)
        return -1;
    int color = cd == 0xca00 ? 4 : cd == 0xca01 ? 8 : -1, pb2 = -1, high = -1;
    size_t o = 128;
    /* optional fields: each only when the one before it was there and valid */
    if (o + 2 > n)
        goto out;
    uint16_t v = le16(b + o);
    if (v != 0 && (v < 0xca00 || v > 0xca04))
        goto out;
    pb2 = v == 0 ? -1 : (int[]){ 4, 8, 15, 16, 24 }[v - 0xca00];
    o += 2;
    if (o + 2 > n)
        goto out;
    c->has_product = 1;
    c->product = le16(b + o);
    o += 2;
    if (o + 4 > n)
        goto out;
    c->has_serial = 1;
    c->serial = le32(b + o);
    o += 4;
    if (o + 2 > n)
        goto out;
    v = le16(b + o);
    if (v != 0 && v != 4 && v != 8 && v != 15 && v != 16 && v != 24)
        goto out;
    high = v ? v : -1;
    o += 2;
    if (o + 2 > n || (le16(b + o) & ~0x0f))
        goto out;                                   /* supportedColorDepths */
    o += 2;
    if (o + 2 > n || (le16(b + o) & ~0x7ff))
        goto out;
    c->has_caps = 1;
    c->caps = le16(b + o);
    o += 2;
    if (o + 64 > n || utf16_name(b + o, 64, c->dig, sizeof(c->dig)) < 0)
        goto out;
    c->has_dig = 1;
    o += 64;
    if (o + 1 > n || b[o] > 7)
        goto out;
    c->has_hint = 1;
    c->hint = b[o];
    o += 1;
    if (o + 1 > n)
        goto out;
    o += 1;                                         /* pad1octet */
    if (o + 4 > n || (le32(b + o) & ~0x0fu))
        goto out;                                   /* serverSelectedProtocol */
    o += 4;
    if (o + 4 > n || le32(b + o) < 10 || le32(b + o) > 10000)
        goto out;
    c->has_pw = 1;
    c->pw = le32(b + o);
    o += 4;
    if (o + 4 > n || le32(b + o) < 10 || le32(b + o) > 10000)
        goto out;
    c->has_ph = 1;
    c->ph = le32(b + o);
    o += 4;
    if (o + 2 > n)
        goto out;
    v = le16(b + o);
    if (v != 0 && v != 90 && v != 180 && v != 270)
        goto out;
    c->has_or = 1;
    c->orientation = v;
    o += 2;
    if (o + 4 > n || le32(b + o) < 100 || le32(b + o) > 500)
        goto out;
    c->has_ds = 1;
    c->ds = le32(b + o);
    o += 4;
    if (o + 4 > n || (le32(b + o) != 100 && le32(b + o) != 140 && le32(b + o) != 180))
        goto out;
    c->has_dvs = 1;
    c->dvs = le32(b + o);
out:
    c->color = high > 0 ? high : pb2 > 0 ? pb2 : color;
    c->have = 1;
    return 0;
}

/* MCS Connect-Initial after "7f 65": the client data blocks. */
static void parse_connect(const uint8_t *p, size_t n, struct rdp_meta *m)
{
    const uint8_t *end = p + n, *q = p;
    while (end - q >= 4 && memcmp(q, "Duca", 4))
        q++;
    if (end - q < 5)
        return;
    q += 4;
    size_t len;
    if (!(q[0] & 0x80)) {
        len = q[0];
        q += 1;
    } else if (!(q[0] & 0x40) && end - q >= 2) {
        len = (size_t)(q[0] & 0x3f) << 8 | q[1];
        q += 2;
    } else {
        return;
    }
    if ((size_t)(end - q) < len)
        return;
    end = q + len;
    while (end - q >= 4) {
        uint16_t type = le16(q), bl = le16(q + 2);
        if (bl < 4 || bl > end - q)
            break;
        if (type == 0xc001) {
            if (m->client.have || parse_core(q + 4, bl - 4u, &m->client) < 0)
                break;
        } else if (type == 0xc003) {
            if (bl < 8)
                break;
            uint32_t count = le32(q + 4);
            const uint8_t *c = q + 8, *ce = q + bl;
            if ((uint64_t)count * 12 > (uint64_t)(ce - c))
                break;
            for (uint32_t i = 0; i < count; i++, c += 12) {
                char nm[9 * 4];
                if (utf8_name(c, 8, nm, sizeof(nm)) < 0)
                    return;
                if (m->nchan < RDP_CHANNELS)
                    memcpy(m->chan[m->nchan++], nm, sizeof(nm));
            }
        }
        q += bl;
    }
}

/* The server's answer to the X.224 request: the protocol it chose as an
 * asset fact rdp{protocol}; standard RDP security (chosen, or no
 * negotiation at all) or TLS without CredSSP is the risk rdp_no_nla
 * (detail the protocol): the client gets a logon screen before anyone
 * authenticated. */
static void rdp_learned(const struct rdp_state *s, const struct rdp_meta *m,
                        const struct app_sink *sink)
{
    if (m->neg == 3)
        return;                         /* a refusal chooses nothing */
    uint32_t pr = m->neg == 2 ? m->protocol : 0;
    const char *name = pr == 0 ? "rdp" : pr == 1 ? "ssl" : pr == 2 ? "hybrid" :
                       pr == 4 ? "rds_tls" : "hybrid_ex";
    struct app_asset_meta a = { .object = "rdp", .key = "protocol", .value = name };
    app_buf_emit(sink, s->id, TX_ASSET, APP_DIR_TOCLIENT, 0, NULL, &a);
    if (pr == 0 || pr == 1) {
        struct app_risk_meta r = { "rdp_no_nla", name };
        app_buf_emit(sink, s->id, TX_RISK, APP_DIR_TOCLIENT, 1, NULL, &r);
    }
}

/* One complete TPKT of direction dir. */
static void rdp_tpkt(struct rdp_state *s, int dir, const uint8_t *p, size_t n, const struct app_sink *sink)
{
    static struct rdp_meta zero;
    struct rdp_meta m = zero;
    if (dir == APP_DIR_TOSERVER && parse_cr(p, n, &m) == 0) {
        emit(s, dir, &m, sink);
        return;
    }
    if (dir == APP_DIR_TOCLIENT && parse_cc(p, n, &m) == 0) {
        emit(s, dir, &m, sink);
        if (m.neg == 2 && m.protocol != 0)
            s->tls = 1;
        rdp_learned(s, &m, sink);
        return;
    }
    if (n >= 5 && p[0] == 2 && p[1] == 0xf0 && p[2] == 0x80 && p[3] == 0x7f) {
        if (p[4] == 0x65) {
            parse_connect(p + 5, n - 5, &m);
            m.ev = EV_CONNECT;
            emit(s, dir, &m, sink);
        } else if (p[4] == 0x66) {
            m.ev = EV_CONNECT_RSP;
            emit(s, dir, &m, sink);
        }
    }
}

/* The certificate serial as Suricata writes it: hex, lower case, no leading zeros. */
static void serial_text(const char *colons, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *c = colons; *c && o + 1 < cap; c++)
        if (*c != ':' && (o || *c != '0'))
            out[o++] = (char)app_buf_lc((unsigned char)*c);
    if (!o && cap > 1)
        out[o++] = '0';
    out[o] = 0;
}

/* TLS mode, server side: records into handshake bytes, up to Certificate. */
static void rdp_tls(struct rdp_state *s, const struct app_sink *sink)
{
    struct rdp_dir *d = &s->d[APP_DIR_TOCLIENT];
    while (!d->done && d->b.len >= 5) {
        const uint8_t *r = d->b.d;
        size_t rl = (size_t)r[3] << 8 | r[4];
        if (r[0] != 22 || r[1] != 3) {
            d->done = 1;                /* no Certificate in the clear */
            return;
        }
        if (d->b.len < 5 + rl)
            return;
        if (app_buf_append(s->st, &s->hs, r + 5, rl, s->tls_max) < 0) {
            s->ctr[RDP_C_PARSE_ERRORS]++;
            d->done = 1;
            return;
        }
        app_buf_consume(&d->b, 5 + rl);
        while (s->hs.len >= 4) {
            const uint8_t *h = s->hs.d;
            size_t hl = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
            if (s->hs.len < 4 + hl)
                break;
            if (h[0] == 11) {
                static struct rdp_meta zero;
                struct rdp_meta m = zero;
                m.ev = EV_TLS;
                if (hl >= 3) {
                    size_t tot = (size_t)h[4] << 16 | (size_t)h[5] << 8 | h[6], o = 7;
                    if (tot > hl - 3)
                        tot = hl - 3;
                    while (o + 3 <= 7 + tot) {
                        size_t cl = (size_t)h[o] << 16 | (size_t)h[o + 1] << 8 | h[o + 2];
                        if (o + 3 + cl > 7 + tot)
                            break;
                        struct x509_info xi;
                        if (app_x509_parse(h + o + 3, cl, 0, &xi) == 0 && m.nserial < RDP_SERIALS)
                            serial_text(xi.serial, m.serial[m.nserial++], sizeof(m.serial[0]));
                        o += 3 + cl;
                    }
                }
                emit(s, APP_DIR_TOCLIENT, &m, sink);
                d->done = 1;
                return;
            }
            app_buf_consume(&s->hs, 4 + hl);
        }
    }
}

static void rdp_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sink)
{
    struct rdp_state *s = state;
    struct rdp_dir *d = &s->d[dir];

    while (n && !d->done) {
        if (s->tls && dir == APP_DIR_TOSERVER) {
            d->done = 1;
            break;
        }
        if (s->tls) {
            size_t k = n < 4096 ? n : 4096;
            if (app_buf_append(s->st, &d->b, p, k, 5 + 16384 + 2048) < 0) {
                s->ctr[RDP_C_PARSE_ERRORS]++;
                d->done = 1;
                break;
            }
            p += k;
            n -= k;
            rdp_tls(s, sink);
            continue;
        }
        if (d->skip) {
            size_t k = n < d->skip ? n : d->skip;
            d->skip -= (uint32_t)k;
            p += k;
            n -= k;
            continue;
        }
        size_t need = 4;
        if (d->b.len >= 4)
            need = (size_t)d->b.d[2] << 8 | d->b.d[3];
        size_t k = need > d->b.len ? need - d->b.len : 0;
        if (k > n)
            k = n;
        app_buf_append(s->st, &d->b, p, k, RDP_TPKT_MAX);
        p += k;
        n -= k;
        if (d->b.len < need)
            continue;
        if (need == 4) {
            uint16_t tl = (uint16_t)(d->b.d[2] << 8 | d->b.d[3]);
            if (d->b.d[0] != 3 || tl < 4) {
                if (!d->tpkts)
                    s->ctr[RDP_C_PARSE_ERRORS]++;
                d->done = 1;            /* not a TPKT (or fast-path PDUs from here on) */
                break;
            }
            if (tl > RDP_TPKT_MAX) {
                d->skip = tl - 4u;
                d->b.len = 0;
                d->tpkts++;
            }
            if (tl > 4)
                continue;
        }
        d->tpkts++;
        rdp_tpkt(s, dir, d->b.d + 4, d->b.len - 4, sink);
        d->b.len = 0;
    }
}

static void *rdp_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct rdp_state *s = app_buf_alloc(st, sizeof(*s));
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    s->tls_max = lim->tls_record_max;
    return s;
}

static void rdp_gap(void *state, int dir, size_t n, const struct app_sink *sink)
{
    struct rdp_state *s = state;
    (void)n;
    (void)sink;
    s->d[dir].done = 1;
}

static void rdp_end(void *state, const struct app_sink *sink)
{
    (void)state;
    (void)sink;
}

static void rdp_destroy(void *state)
{
    struct rdp_state *s = state;
    if (!s)
        return;
    app_buf_free(s->st, &s->d[0].b);
    app_buf_free(s->st, &s->d[1].b);
    app_buf_free(s->st, &s->hs);
    app_buf_release(s->st, s, sizeof(*s));
}

/* ---- names, as Suricata writes them ---- */

static const struct { uint16_t id; const char *name; } lcids[] = {
    { 0x0401, "ar-SA" }, { 0x0402, "bg-BG" }, { 0x0403, "ca-ES" }, { 0x0404, "zh-TW" },
    { 0x0405, "cs-CZ" }, { 0x0406, "da-DK" }, { 0x0407, "de-DE" }, { 0x0408, "el-GR" },
    { 0x0409, "en-US" }, { 0x040A, "es-ES_tradnl" }, { 0x040B, "fi-FI" }, { 0x040C, "fr-FR" },
    { 0x040D, "he-IL" }, { 0x040E, "hu-HU" }, { 0x040F, "is-IS" }, { 0x0410, "it-IT" },
    { 0x0411, "ja-JP" }, { 0x0412, "ko-KR" }, { 0x0413, "nl-NL" }, { 0x0414, "nb-NO" },
    { 0x0415, "pl-PL" }, { 0x0416, "pt-BR" }, { 0x0417, "rm-CH" }, { 0x0418, "ro-RO" },
    { 0x0419, "ru-RU" }, { 0x041A, "hr-HR" }, { 0x041B, "sk-SK" }, { 0x041C, "sq-AL" },
    { 0x041D, "sv-SE" }, { 0x041E, "th-TH" }, { 0x041F, "tr-TR" }, { 0x0420, "ur-PK" },
    { 0x0421, "id-ID" }, { 0x0422, "uk-UA" }, { 0x0423, "be-BY" }, { 0x0424, "sl-SI" },
    { 0x0425, "et-EE" }, { 0x0426, "lv-LV" }, { 0x0427, "lt-LT" }, { 0x0429, "fa-IR" },
    { 0x042A, "vi-VN" }, { 0x042B, "hy-AM" }, { 0x042D, "eu-ES" }, { 0x042F, "mk-MK" },
    { 0x0436, "af-ZA" }, { 0x0437, "ka-GE" }, { 0x0439, "hi-IN" }, { 0x043E, "ms-MY" },
    { 0x043F, "kk-KZ" }, { 0x0440, "ky-KG" }, { 0x0441, "sw-KE" }, { 0x0444, "tt-RU" },
    { 0x0445, "bn-IN" }, { 0x0449, "ta-IN" }, { 0x0450, "mn-MN" }, { 0x0451, "bo-CN" },
    { 0x0480, "ug-CN" }, { 0x0801, "ar-IQ" }, { 0x0804, "zh-CN" }, { 0x0807, "de-CH" },
    { 0x0809, "en-GB" }, { 0x080A, "es-MX" }, { 0x080C, "fr-BE" }, { 0x0810, "it-CH" },
    { 0x0813, "nl-BE" }, { 0x0814, "nn-NO" }, { 0x0816, "pt-PT" }, { 0x081D, "sv-FI" },
    { 0x0C01, "ar-EG" }, { 0x0C04, "zh-HK" }, { 0x0C07, "de-AT" }, { 0x0C09, "en-AU" },
    { 0x0C0A, "es-ES" }, { 0x0C0C, "fr-CA" }, { 0x1004, "zh-SG" }, { 0x1009, "en-CA" },
    { 0x100C, "fr-CH" }, { 0x1404, "zh-MO" }, { 0x1409, "en-NZ" }, { 0x1809, "en-IE" },
    { 0x1C09, "en-ZA" }, { 0x2C0A, "es-AR" }, { 0x4009, "en-IN" }, { 0x4809, "en-SG" },
};

static const char *lcid_name(uint32_t id)
{
    for (size_t i = 0; i < sizeof(lcids) / sizeof(lcids[0]); i++)
        if (lcids[i].id == id)
            return lcids[i].name;
    return "unknown";
}

static void build_name(uint32_t b, char *out, size_t cap)
{
    static const struct { uint32_t b; const char *os, *sfx; } t[] = {
        { 528, "Windows NT 3.1", "" }, { 807, "Windows NT 3.5", "" }, { 1057, "Windows NT 3.51", "" },
        { 1381, "Windows NT 4.0", "" }, { 2195, "Windows 2000", "" }, { 2600, "Windows XP", "" },
        { 3790, "Windows Server 2003", "" }, { 6000, "Windows Vista", " RTM" },
        { 6001, "Windows Vista", " SP1" }, { 6002, "Windows Vista", " SP2" },
        { 7600, "Windows 7", " RTM" }, { 7601, "Windows 7", " SP1" }, { 9200, "Windows 8", "" },
        { 9600, "Windows 8.1", "" }, { 10240, "Windows 10", " TH1" }, { 10586, "Windows 10", " TH2" },
        { 14393, "Windows 10", " RS1" }, { 15063, "Windows 10", " RS2" },
        { 16299, "Windows 10", " RS3" }, { 17134, "Windows 10", " RS4" },
        { 17763, "Windows 10", " RS5" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].b == b) {
            snprintf(out, cap, "%s%s", t[i].os, t[i].sfx);
            return;
        }
    snprintf(out, cap, "unknown");
}

static void version_name(uint32_t v, char *out, size_t cap)
{
    static const char *const names[] = { "v4", NULL, NULL, "v5", "v10.0", "v10.1", "v10.2",
                                         "v10.3", "v10.4", "v10.5", "v10.6", "v10.7" };
    const char *n = v >= 0x80001 && v <= 0x8000c ? names[v - 0x80001] : NULL;
    snprintf(out, cap, "%s", n ? n : "unknown");
}

static void client_json(struct jw *w, const struct rdp_client *c)
{
    static const char *const kb[] = { NULL, "xt", "ico", "at", "enhanced", "1050", "9140", "jp" };
    static const char *const hints[] = { "", "modem", "low_broadband", "satellite", "high_broadband",
                                         "wan", "lan", "autodetect" };
    static const char *const caps[] = { "support_errinfo_pdf", "want_32bpp_session",
        "support_statusinfo_pdu", "strong_asymmetric_keys", NULL, "valid_connection_type",
        "support_monitor_layout_pdu", "support_netchar_autodetect", "support_dynvc_gfx_protocol",
        "support_dynamic_time_zone", "support_heartbeat_pdu" };
    char buf[64];

    jw_kobj(w, "client");
    version_name(c->version, buf, sizeof(buf));
    jw_kstr(w, "version", buf);
    jw_ku64(w, "desktop_width", c->width);
    jw_ku64(w, "desktop_height", c->height);
    if (c->color > 0)
        jw_ku64(w, "color_depth", (uint64_t)c->color);
    jw_kstr(w, "keyboard_layout", lcid_name(c->layout));
    build_name(c->build, buf, sizeof(buf));
    jw_kstr(w, "build", buf);
    if (c->name[0])
        jw_kstr(w, "client_name", c->name);
    if (c->kb_type >= 1 && c->kb_type <= 7)
        jw_kstr(w, "keyboard_type", kb[c->kb_type]);
    if (c->kb_subtype)
        jw_ku64(w, "keyboard_subtype", c->kb_subtype);
    if (c->fkeys)
        jw_ku64(w, "function_keys", c->fkeys);
    if (c->ime[0])
        jw_kstr(w, "ime", c->ime);
    if (c->has_product)
        jw_ku64(w, "product_id", c->product);
    if (c->has_serial && c->serial)
        jw_ku64(w, "serial_number", c->serial);
    if (c->has_caps && c->caps) {
        jw_karr(w, "capabilities");
        for (int i = 0; i < 11; i++)
            if (caps[i] && (c->caps & (1u << i)))
                jw_str(w, caps[i]);
        jw_arr_end(w);
    }
    if (c->has_dig && c->dig[0])
        jw_kstr(w, "id", c->dig);
    if (c->has_hint && c->hint)
        jw_kstr(w, "connection_hint", hints[c->hint & 7]);
    if (c->has_pw)
        jw_ku64(w, "physical_width", c->pw);
    if (c->has_ph)
        jw_ku64(w, "physical_height", c->ph);
    if (c->has_or)
        jw_ku64(w, "desktop_orientation", c->orientation);
    if (c->has_ds)
        jw_ku64(w, "scale_factor", c->ds);
    if (c->has_dvs)
        jw_ku64(w, "device_scale_factor", c->dvs);
    jw_obj_end(w);
}

static void rdp_event_body(struct jw *w, const struct app_tx *tx)
{
    static const char *const evn[] = { "initial_request", "initial_response", "connect_request",
                                       "connect_response", "tls_handshake" };
    static const char *const reasons[] = { NULL, "ssl required by server", "ssl not allowed by server",
        "ssl cert not on server", "inconsistent flags", "hybrid required by server",
        "ssl with user auth required by server" };
    const struct rdp_meta *m = tx->meta;

    jw_kobj(w, "rdp");
    jw_ku64(w, "tx_id", m->tx_id);
    jw_kstr(w, "event_type", evn[m->ev]);
    switch (m->ev) {
    case EV_REQ:
        if (m->has_cookie)
            jw_kstr(w, "cookie", m->cookie);
        if (m->req_flags) {
            jw_karr(w, "flags");
            if (m->req_flags & 1)
                jw_str(w, "restricted_admin_mode_required");
            if (m->req_flags & 2)
                jw_str(w, "redirected_authentication_mode_required");
            if (m->req_flags & 8)
                jw_str(w, "correlation_info_present");
            jw_arr_end(w);
        }
        break;
    case EV_RSP:
        if (m->neg == 2) {
            if (m->rsp_flags) {
                jw_karr(w, "server_supports");
                if (m->rsp_flags & 1)
                    jw_str(w, "extended_client_data");
                if (m->rsp_flags & 2)
                    jw_str(w, "dynvc_gfx");
                if (m->rsp_flags & 8)
                    jw_str(w, "restricted_admin");
                if (m->rsp_flags & 0x10)
                    jw_str(w, "redirected_authentication");
                jw_arr_end(w);
            }
            jw_kstr(w, "protocol", m->protocol == 0 ? "rdp" : m->protocol == 1 ? "ssl" :
                    m->protocol == 2 ? "hybrid" : m->protocol == 4 ? "rds_tls" : "hybrid_ex");
        } else if (m->neg == 3) {
            jw_ku64(w, "error_code", m->fail_code);
            jw_kstr(w, "reason", reasons[m->fail_code % 7]);
        }
        break;
    case EV_CONNECT:
        if (m->client.have)
            client_json(w, &m->client);
        if (m->nchan) {
            jw_karr(w, "channels");
            for (uint32_t i = 0; i < m->nchan; i++)
                jw_str(w, m->chan[i]);
            jw_arr_end(w);
        }
        break;
    case EV_CONNECT_RSP:
        break;
    case EV_TLS:
        jw_karr(w, "x509_serials");
        for (uint32_t i = 0; i < m->nserial; i++)
            jw_str(w, m->serial[i]);
        jw_arr_end(w);
        break;
    }
    jw_obj_end(w);
}

const struct app_parser app_rdp_parser = {
    .name = "rdp", .rule_proto = "rdp", .event_type = "rdp", .event_id = 22,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_RDP, 0 },
    .counters = (const char *const[]){ "tx", "parse_errors", NULL },
    .create = rdp_create, .feed = rdp_feed, .gap = rdp_gap, .end = rdp_end, .destroy = rdp_destroy,
    .event_body = rdp_event_body,
};
