/* app_ike.c - IKE (ISAKMP) over UDP 500 and 4500: IKEv1 (RFC 2408/2409)
 * and IKEv2 (RFC 7296) messages, one transaction and one `ike` event per
 * message, as Suricata 7.0.10 logs them.
 *
 * A datagram is one message: the 28-byte ISAKMP header (SPIs, next payload,
 * version, exchange type, flags, message id, length), then a chain of
 * payloads, each a 4-byte generic header (next payload, reserved, length)
 * and its body. On UDP 4500 a message follows a 4-byte zero non-ESP marker
 * (RFC 3948); a datagram with another first word is ESP (or a one-byte
 * NAT-keepalive) and is only counted (not_ike).
 *
 * The flow keeps what Suricata's parser keeps across messages (struct
 * ike_state): IKEv1's domain of interpretation, and per side the last key
 * exchange and nonce and the transforms since the last SA (the responder's
 * first one is "the chosen proposal", written as the event's attributes);
 * IKEv2's algorithms of the responder's SA. So a response's event carries
 * the choice its request offered, as Suricata pairs them. IKEv1 rules
 * (Suricata's, reproduced): encrypted messages (E flag) are not read past
 * the header; the payload list is read to the end of the datagram (the
 * header's length is not used); a payload of length < 4 is an empty body;
 * a payload that runs past the end ends the list; an SA with DOI 1 nests
 * proposals, a proposal nests transforms, a transform holds attributes (TV,
 * or TLV: 4 bytes as a number, else hex); an SA or proposal too short for
 * its fixed fields makes the message a parse error (no event). IKEv2: every
 * payload's generic header must hold, and each body must parse as its type
 * (SA, KE, IDi/IDr, CERT, CERTREQ, AUTH, Notify, Delete, Vendor ID, TSi/TSr),
 * else the event lists no payload; the SK payload (46) is not decrypted: it
 * and its first inner type are listed, nothing of it is read.
 *
 * Direction (Suricata's probing, reproduced): the first datagram towards the
 * client that looks like IKE with a zero responder SPI (an IKEv2 refusal such
 * as INVALID_KE_PAYLOAD or a COOKIE request) makes Suricata turn the flow
 * around: from then on it parses the client's messages as the responder's.
 * The event's contents follow that (ike_msg.pdir); the tx keeps the packet's
 * own direction for the rules. A flow whose first ISAKMP-looking datagram
 * fails Suricata's probe (IKEv2 with a minor version, an exchange type
 * outside 34-37 or a length other than the datagram's) is left alone, as
 * Suricata fails it; datagrams shorter than a header or with a major version
 * other than 1 or 2 are counted (not_ike) and skipped (Suricata fails a flow
 * that starts with one; taishi still reads the IKE that may follow).
 *
 * Rule buffers (Suricata 7.0.10's sticky buffers): ike.init_spi and
 * ike.resp_spi (16 hex digits), ike.vendor (each IKEv1 vendor ID in hex),
 * ike.key_exchange_payload and ike.nonce_payload (the IKEv1 message's own
 * bytes). Suricata's integer keywords (ike.exchtype, ike.chosen_sa_attribute,
 * ike.key_exchange_payload_length, ike.nonce_payload_length) are not offered
 * yet; the tx meta (struct ike_msg) has what they need: exch, xf[0] (v1) or
 * s->alg with v2_server_sa (v2), ke.n, nonce.n.
 *
 * Risks (TX_RISK, one per flow, the worker writes the first):
 * ike_aggressive_psk (an IKEv1 aggressive-mode SA with a pre-shared-key
 * authentication method) and ike_weak_crypto (the responder chose DES,
 * 3DES, MD5 or MODP group 1, 2 or 5; IKEv1 or IKEv2), counted in weak_crypto.
 *
 * Caps: IKE_* in app_ike_internal.h (transforms, attributes, vendor IDs,
 * key exchange and nonce bytes, IKEv2 payloads and notifies); what passes
 * one is counted in `capped` and left out of the event.
 *
 * Ownership: ike_state belongs to one app_flow of one worker. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "app_ike_internal.h"

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

static void *ike_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    (void)lim;
    struct ike_state *s = app_buf_alloc(st, sizeof(*s));
    s->st = st;
    s->id = id;
    s->ctr = app_stats_row(st, id);
    s->alg.enc = 11;                /* ENCR_NULL, as Suricata starts */
    return s;
}

static void ike_destroy(void *state)
{
    struct ike_state *s = state;
    if (s)
        app_buf_release(s->st, s, sizeof(*s));
}

/* ---- IKEv1 ---- */

#define IKE_DEPTH_MAX 8             /* SA/proposal nesting followed (attacker-chosen types) */

static void pset_add(struct ike_msg *m, uint8_t t) { m->pset[t >> 3] |= (uint8_t)(1u << (t & 7)); }
static int pset_has(const struct ike_msg *m, uint8_t t) { return m->pset[t >> 3] >> (t & 7) & 1; }

/* Attributes of a transform until one does not fit (Suricata stops there too). */
static void v1_attrs(struct ike_state *s, struct ike_xform *x, const uint8_t *p, uint32_t n)
{
    uint32_t o = 0;
    x->n = 0;
    while (o + 4 <= n) {
        uint16_t t = be16(p + o), v = be16(p + o + 2);
        struct ike_attr a;
        memset(&a, 0, sizeof(a));
        a.type = t & 0x7fff;
        a.v16 = v;
        if (t & 0x8000) {
            a.has_num = 1;
            a.num = v;
            o += 4;
        } else {
            if (n - o - 4 < v)
                break;
            if (v == 4) {
                a.has_num = 1;
                a.num = be32(p + o + 4);
            } else {
                a.hexlen = (uint8_t)(v < IKE_ATTR_HEX_MAX ? v : IKE_ATTR_HEX_MAX);
                memcpy(a.hex, p + o + 4, a.hexlen);
                if (v > IKE_ATTR_HEX_MAX)
                    s->ctr[IKE_C_CAPPED]++;
            }
            o += 4u + v;
        }
        if (x->n < IKE_ATTRS_MAX)
            x->a[x->n++] = a;
        else
            s->ctr[IKE_C_CAPPED]++;
    }
}

static int v1_list(struct ike_state *s, struct ike_msg *m, uint8_t first, const uint8_t *p,
                   uint32_t n, int depth);

/* One payload of type t with body (p, n): 0, or -1 when it makes the
 * message a parse error. */
static int v1_payload(struct ike_state *s, struct ike_msg *m, uint8_t t, const uint8_t *p,
                      uint32_t n, int depth)
{
    pset_add(m, t);
    switch (t) {
    case 1: {                       /* SA: DOI, situation (DOI 1), proposals */
        if (n < 4)
            return -1;
        uint32_t doi = be32(p);
        if (doi == 1 && n < 8)
            return -1;
        s->has_doi = 1;
        s->doi = doi;
        if (doi == 1 && depth < IKE_DEPTH_MAX)
            return v1_list(s, m, 2, p + 8, n - 8, depth + 1);
        return 0;
    }
    case 2: {                       /* proposal: #, protocol, SPI size, transforms, SPI */
        if (n < 4 || n - 4 < p[2])
            return -1;
        if (depth < IKE_DEPTH_MAX)
            return v1_list(s, m, 3, p + 4 + p[2], n - 4 - p[2], depth + 1);
        return 0;
    }
    case 3:                         /* transform: #, id, reserved, attributes */
        if (n >= 4) {
            m->nxf_total++;
            if (m->nxf < IKE_XFORMS_MAX)
                v1_attrs(s, &m->xf[m->nxf++], p + 4, n - 4);
            else
                s->ctr[IKE_C_CAPPED]++;
        }
        return 0;
    case 4:
        m->ke.p = p;
        m->ke.n = n;
        return 0;
    case 10:
        m->nonce.p = p;
        m->nonce.n = n;
        return 0;
    case 13:
        if (m->nvid < IKE_VIDS_MAX) {
            m->vid[m->nvid].p = p;
            m->vid[m->nvid++].n = n;
        } else {
            s->ctr[IKE_C_CAPPED]++;
        }
        return 0;
    default:
        return 0;
    }
}

/* A chain of payloads, the first of type `first`, each naming the next. */
static int v1_list(struct ike_state *s, struct ike_msg *m, uint8_t first, const uint8_t *p,
                   uint32_t n, int depth)
{
    uint32_t o = 0;
    uint8_t cur = first;
    while (n - o >= 4) {
        uint8_t next = p[o];
        uint16_t len = be16(p + o + 2);
        const uint8_t *body = p + o + 4;
        uint32_t blen = 0;
        if (len >= 4) {
            if (len > n - o)
                break;              /* runs past the end: the list ends here */
            blen = len - 4u;
            o += len;
        } else {
            o += 4;                 /* an empty body */
        }
        if (v1_payload(s, m, cur, body, blen, depth) < 0)
            return -1;
        cur = next;
    }
    return 0;
}

static void party_update(struct ike_party *pt, const struct ike_msg *m, struct ike_state *s)
{
    pt->ke_len = m->ke.n < IKE_KE_MAX ? m->ke.n : IKE_KE_MAX;
    pt->nonce_len = m->nonce.n < IKE_NONCE_MAX ? m->nonce.n : IKE_NONCE_MAX;
    if (m->ke.n > IKE_KE_MAX || m->nonce.n > IKE_NONCE_MAX)
        s->ctr[IKE_C_CAPPED]++;
    if (pt->ke_len)
        memcpy(pt->ke, m->ke.p, pt->ke_len);
    if (pt->nonce_len)
        memcpy(pt->nonce, m->nonce.p, pt->nonce_len);
    if (pt->nb_transforms == 0 && m->nxf)
        pt->chosen = m->xf[0];
    pt->nb_transforms += m->nxf_total;
}

static int v1_message(struct ike_state *s, struct ike_msg *m, uint8_t np, const uint8_t *p,
                      uint32_t n)
{
    pset_add(m, np);
    m->encrypted = m->flags & 1;
    if (m->encrypted)
        return 0;
    if (v1_list(s, m, np, p, n, 0) < 0)
        return -1;
    struct ike_party *pt = &s->party[m->pdir == APP_DIR_TOCLIENT];
    if (pset_has(m, 1)) {           /* a new SA: that side starts over */
        pt->nb_transforms = 0;
        memset(&pt->chosen, 0, sizeof(pt->chosen));
    }
    party_update(pt, m, s);
    return 0;
}

/* ---- IKEv2 ---- */

/* Whether a payload body parses as its type (ipsec-parser's rules, which
 * Suricata's parser uses). For an SA also the number of whole proposals. */
static int v2_sa_proposals(const uint8_t *p, uint32_t n, uint32_t *nprop)
{
    uint32_t o = 0;
    *nprop = 0;
    while (n - o >= 8) {
        uint16_t plen = be16(p + o + 2);
        uint8_t spi = p[o + 6], ntr = p[o + 7];
        if (n - o - 8 < spi || plen < 8u + spi || plen > n - o)
            break;
        uint32_t end = o + plen, q = o + 8 + spi;
        int ok = 1;
        for (unsigned i = 0; i < ntr; i++) {
            if (end - q < 8) {
                ok = 0;
                break;
            }
            uint16_t tlen = be16(p + q + 2);
            uint32_t alen = tlen > 8 ? tlen - 8u : 0;
            if (end - q - 8 < alen) {
                ok = 0;
                break;
            }
            q += 8 + alen;
        }
        if (!ok)
            break;
        (*nprop)++;
        o = end;
    }
    return *nprop ? 0 : -1;
}

static int v2_ts_ok(const uint8_t *p, uint32_t n)
{
    if (n < 4)
        return 0;
    uint32_t o = 4;
    int good = 0;
    while (n - o >= 8) {
        uint32_t a = p[o] == 7 ? 4 : p[o] == 8 ? 16 : 0;
        if (!a || n - o - 8 < 2 * a)
            break;
        o += 8 + 2 * a;
        good++;
    }
    return good > 0;
}

static int v2_body_ok(uint8_t t, const uint8_t *p, uint32_t n)
{
    uint32_t np;
    switch (t) {
    case 33: return v2_sa_proposals(p, n, &np) == 0;
    case 34: case 35: case 36: case 39: return n >= 4;
    case 37: case 38: return n >= 1;
    case 41: return n >= 4 && n - 4 >= p[1];
    case 42: case 43: return n >= 8;
    case 44: case 45: return v2_ts_ok(p, n);
    default: return 1;
    }
}

/* An SA's algorithms into *alg: each proposal's transforms set them in turn. */
static void v2_sa_algs(struct ike_v2alg *alg, const uint8_t *p, uint32_t n)
{
    uint32_t nprop, o = 0;
    v2_sa_proposals(p, n, &nprop);
    for (uint32_t k = 0; k < nprop; k++) {
        uint16_t plen = be16(p + o + 2);
        uint8_t spi = p[o + 6], ntr = p[o + 7];
        uint32_t q = o + 8 + spi;
        for (unsigned i = 0; i < ntr; i++) {
            uint16_t tlen = be16(p + q + 2), tid = be16(p + q + 6);
            switch (p[q + 4]) {
            case 1: alg->enc = tid; break;
            case 2: alg->prf = tid; break;
            case 3: alg->auth = tid; break;
            case 4: alg->dh = tid; break;
            case 5: alg->esn = tid; break;
            default: break;
            }
            q += 8 + (tlen > 8 ? tlen - 8u : 0);
        }
        o += plen;
    }
}

static void v2_message(struct ike_state *s, struct ike_msg *m, uint8_t np, const uint8_t *p,
                       uint32_t n)
{
    struct { uint8_t type, next; const uint8_t *p; uint32_t n; } pl[IKE_V2_PAYLOADS];
    uint32_t npl = 0, o = 0;
    uint8_t type = np;
    int ok = 1;
    while (o < n) {
        if (n - o < 4)
            return;                 /* a generic header cut: no payload is listed */
        uint16_t len = be16(p + o + 2);
        if (len < 4 || len > n - o)
            return;
        if (ok) {
            if (!v2_body_ok(type, p + o + 4, len - 4u)) {
                ok = 0;
            } else if (npl < IKE_V2_PAYLOADS) {
                pl[npl].type = type;
                pl[npl].next = p[o];
                pl[npl].p = p + o + 4;
                pl[npl++].n = len - 4u;
                type = p[o];
            } else {
                s->ctr[IKE_C_CAPPED]++;
                type = p[o];
            }
        }
        o += len;
    }
    if (!ok)
        return;
    m->pt[m->npt++] = np;
    for (uint32_t i = 0; i < npl; i++) {
        if (m->npt < IKE_V2_PT_MAX)
            m->pt[m->npt++] = pl[i].next;
        else
            s->ctr[IKE_C_CAPPED]++;
        if (pl[i].type == 33 && m->pdir == APP_DIR_TOCLIENT) {
            v2_sa_algs(&s->alg, pl[i].p, pl[i].n);      /* the responder's choice, for the event */
            s->v2_server_sa = 1;
        }
        if (pl[i].type == 33 && (m->flags & 0x20)) {
            m->v2_resp = (struct ike_v2alg){ .enc = 11 };
            v2_sa_algs(&m->v2_resp, pl[i].p, pl[i].n);  /* a real response's SA, for the risk */
            m->v2_resp_sa = 1;
        } else if (pl[i].type == 41) {
            uint16_t nt = be16(pl[i].p + 2);
            if (nt < 16384)
                m->errors++;
            if (m->nnotify < IKE_V2_NOTIFY_MAX)
                m->notify[m->nnotify++] = nt;
            else
                s->ctr[IKE_C_CAPPED]++;
        }
    }
    m->v2_server_sa = s->v2_server_sa;
}

/* ---- risks ---- */

static const struct ike_attr *xf_attr(const struct ike_xform *x, uint16_t type)
{
    for (unsigned i = 0; i < x->n; i++)
        if (x->a[i].type == type && x->a[i].has_num)
            return &x->a[i];
    return NULL;
}

/* A weak choice as text ("3DES MD5 modp1024"), or 0 when none is weak. */
static int weak_v1(const struct ike_xform *x, char *out, size_t cap)
{
    const struct ike_attr *e = xf_attr(x, 1), *h = xf_attr(x, 2), *g = xf_attr(x, 4);
    size_t o = 0;
    out[0] = 0;
    if (e && (e->num == 1 || e->num == 5))
        o += (size_t)snprintf(out + o, cap - o, "%s", e->num == 1 ? "DES " : "3DES ");
    if (h && h->num == 1 && o < cap)
        o += (size_t)snprintf(out + o, cap - o, "MD5 ");
    if (g && (g->num == 1 || g->num == 2 || g->num == 5) && o < cap)
        o += (size_t)snprintf(out + o, cap - o, "modp%s ",
                              g->num == 1 ? "768" : g->num == 2 ? "1024" : "1536");
    if (o && o <= cap)
        out[o - 1] = 0;
    return o > 0;
}

static int weak_v2(const struct ike_v2alg *a, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    if (a->enc >= 1 && a->enc <= 3)
        o += (size_t)snprintf(out + o, cap - o, "%s", a->enc == 3 ? "3DES " : "DES ");
    if ((a->prf == 1 || a->auth == 1) && o < cap)
        o += (size_t)snprintf(out + o, cap - o, "MD5 ");
    if ((a->dh == 1 || a->dh == 2 || a->dh == 5) && o < cap)
        o += (size_t)snprintf(out + o, cap - o, "modp%s ",
                              a->dh == 1 ? "768" : a->dh == 2 ? "1024" : "1536");
    if (o && o <= cap)
        out[o - 1] = 0;
    return o > 0;
}

static void risks(struct ike_state *s, const struct ike_msg *m, int dir, const struct app_sink *sink)
{
    char detail[64];
    const char *name = NULL;
    if (s->risk)
        return;
    if (m->maj == 1 && m->exch == 4 && m->nxf) {
        for (uint32_t i = 0; i < m->nxf && !name; i++) {
            const struct ike_attr *a = xf_attr(&m->xf[i], 3);
            /* 1 pre-shared key; 65001/65002 XAUTH with a pre-shared key */
            if (a && (a->num == 1 || a->num == 65001 || a->num == 65002)) {
                name = "ike_aggressive_psk";
                snprintf(detail, sizeof(detail), "aggressive mode, pre-shared key");
            }
        }
    }
    /* the responder's choice: by the packet's own direction (not Suricata's
     * turned-around one), an IKEv2 SA only in a response */
    if (!name && m->maj == 1 && dir == APP_DIR_TOCLIENT && m->nxf &&
        weak_v1(&m->xf[0], detail, sizeof(detail)))
        name = "ike_weak_crypto";
    if (!name && m->maj == 2 && m->v2_resp_sa && weak_v2(&m->v2_resp, detail, sizeof(detail)))
        name = "ike_weak_crypto";
    if (!name)
        return;
    s->risk = 1;
    s->ctr[IKE_C_WEAK]++;
    struct app_risk_meta r = { name, detail };
    app_buf_emit(sink, s->id, TX_RISK, dir, 1, NULL, &r);
}

/* ---- a datagram ---- */

static void hex16(char *out, uint64_t v)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, v >>= 4)
        out[i] = hx[v & 15];
    out[16] = 0;
}

/* Suricata's probe: does this datagram start an IKE flow? */
static int probe(const uint8_t *p, size_t n)
{
    if (n < 28)
        return 0;
    uint8_t maj = p[17] >> 4;
    if (maj == 1)
        return 1;
    return maj == 2 && (p[17] & 15) == 0 && p[18] >= 34 && p[18] <= 37 && be32(p + 24) == n;
}

static void ike_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sink)
{
    struct ike_state *s = state;
    if (!n || s->dead)
        return;
    /* UDP 4500: a zero non-ESP marker before the header (told from a header
     * whose initiator SPI starts with four zero bytes by the version byte) */
    if (n >= 32 && !be32(p) && (p[21] >> 4 == 1 || p[21] >> 4 == 2)) {
        p += 4;
        n -= 4;
    }
    if (n < 28 || (p[17] >> 4 != 1 && p[17] >> 4 != 2)) {
        s->ctr[IKE_C_NOT_IKE]++;    /* ESP-in-UDP, a NAT-keepalive, not ISAKMP */
        return;
    }
    if (!s->seen[0] && !s->seen[1] && !probe(p, n)) {
        s->ctr[IKE_C_NOT_IKE]++;
        s->dead = 1;                /* Suricata's probe fails the flow */
        return;
    }
    if (dir == APP_DIR_TOCLIENT && !s->seen[APP_DIR_TOCLIENT] && s->seen[APP_DIR_TOSERVER] &&
        probe(p, n) && !be64(p + 8))
        s->swapped = 1;             /* Suricata turns the flow around (see the top) */
    s->seen[dir] = 1;
    uint8_t maj = p[17] >> 4;
    struct ike_msg msg;
    struct ike_msg *m = &msg;
    char vidhex[IKE_VIDHEX_MAX];
    memset(m, 0, sizeof(*m));
    m->s = s;
    m->ispi = be64(p);
    m->rspi = be64(p + 8);
    m->maj = maj;
    m->min = p[17] & 15;
    m->exch = p[18];
    m->flags = p[19];
    m->msgid = be32(p + 20);
    m->pdir = (uint8_t)(dir ^ s->swapped);
    hex16(m->ispi_hex, m->ispi);
    hex16(m->rspi_hex, m->rspi);
    if (maj == 1) {
        if (v1_message(s, m, p[16], p + 28, (uint32_t)(n - 28)) < 0) {
            s->ctr[IKE_C_PARSE_ERRORS]++;
            return;
        }
    } else {
        v2_message(s, m, p[16], p + 28, (uint32_t)(n - 28));
    }
    s->ctr[IKE_C_MESSAGES]++;

    struct txb t = { .n = 0 };
    txb_add(&t, BUF_IKE_INIT_SPI, m->ispi_hex, 16);
    txb_add(&t, BUF_IKE_RESP_SPI, m->rspi_hex, 16);
    if (maj == 1 && !m->encrypted) {
        static const char hx[] = "0123456789abcdef";
        size_t o = 0;
        for (uint32_t i = 0; i < m->nvid; i++) {
            if (2 * (size_t)m->vid[i].n > sizeof(vidhex) - o) {
                s->ctr[IKE_C_CAPPED]++;
                break;
            }
            char *h = vidhex + o;
            for (uint32_t k = 0; k < m->vid[i].n; k++) {
                h[2 * k] = hx[m->vid[i].p[k] >> 4];
                h[2 * k + 1] = hx[m->vid[i].p[k] & 15];
            }
            if (t.n >= TXB_MAX - 2) {   /* the tx's room (KE and nonce kept) */
                s->ctr[IKE_C_CAPPED]++;
                break;
            }
            txb_add(&t, BUF_IKE_VENDOR, h, 2 * (size_t)m->vid[i].n);
            o += 2 * (size_t)m->vid[i].n;
        }
        if (m->ke.n)
            txb_add(&t, BUF_IKE_KEY_EXCHANGE, m->ke.p, m->ke.n);
        if (m->nonce.n)
            txb_add(&t, BUF_IKE_NONCE, m->nonce.p, m->nonce.n);
    }
    app_buf_emit(sink, s->id, TX_IKE, dir, 1, &t, m);
    risks(s, m, dir, sink);
}

static void ike_gap(void *state, int dir, size_t n, const struct app_sink *sink)
{
    (void)state, (void)dir, (void)n, (void)sink;   /* datagrams: nothing to resynchronize */
}

static void ike_end(void *state, const struct app_sink *sink)
{
    (void)state, (void)sink;        /* every message was reported when it came */
}

/* Integer keywords (app.h struct app_int_kw), as Suricata 7.0.10 reads them:
 * ike.exchtype the message's exchange type (v1 and v2); the two lengths
 * those of the message's own IKEv1 key exchange and nonce payloads (none in
 * an IKEv2 message or one without them). ike.chosen_sa_attribute (its
 * `name=value` argument) is not built yet. */
static unsigned ike_kw_exch(const struct app_tx *tx, uint64_t *v, unsigned max)
{
    const struct ike_msg *m = tx->meta;
    if (!m || tx->kind != TX_IKE || !max)
        return 0;
    v[0] = m->exch;
    return 1;
}
static unsigned ike_kw_ke_len(const struct app_tx *tx, uint64_t *v, unsigned max)
{
    const struct ike_msg *m = tx->meta;
    if (!m || tx->kind != TX_IKE || !max || m->maj != 1 || !m->ke.n)
        return 0;
    v[0] = m->ke.n;
    return 1;
}
static unsigned ike_kw_nonce_len(const struct app_tx *tx, uint64_t *v, unsigned max)
{
    const struct ike_msg *m = tx->meta;
    if (!m || tx->kind != TX_IKE || !max || m->maj != 1 || !m->nonce.n)
        return 0;
    v[0] = m->nonce.n;
    return 1;
}
static const struct app_int_kw ike_kw_exchtype = { ike_kw_exch, AI_UINT, 0xff, NULL, NULL, NULL, 0, NULL };
static const struct app_int_kw ike_kw_ke_length = { ike_kw_ke_len, AI_UINT, 0xffffffffu, NULL, NULL, NULL, 0, NULL };
static const struct app_int_kw ike_kw_nonce_length = { ike_kw_nonce_len, AI_UINT, 0xffffffffu, NULL, NULL, NULL, 0, NULL };

static const struct app_keyword ike_keywords[] = {
    APP_INT("ike.exchtype", &ike_kw_exchtype),
    APP_INT("ike.key_exchange_payload_length", &ike_kw_ke_length),
    APP_INT("ike.nonce_payload_length", &ike_kw_nonce_length),
    APP_STICKY("ike.init_spi", BUF_IKE_INIT_SPI),
    APP_STICKY("ike.resp_spi", BUF_IKE_RESP_SPI),
    APP_STICKY("ike.vendor", BUF_IKE_VENDOR),
    APP_STICKY("ike.key_exchange_payload", BUF_IKE_KEY_EXCHANGE),
    APP_STICKY("ike.nonce_payload", BUF_IKE_NONCE),
    APP_KEYWORDS_END,
};

const struct app_parser app_ike_parser = {
    .name = "ike", .rule_proto = "ike", .event_type = "ike", .event_id = 25,
    .transports = APP_UDP_FLOW,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_IP_IPSEC, 0 },
    .counters = (const char *const[]){ "messages", "parse_errors", "not_ike", "port_fallback",
                                       "weak_crypto", "capped", NULL },
    .keywords = ike_keywords,
    .create = ike_create, .feed = ike_feed, .gap = ike_gap, .end = ike_end,
    .destroy = ike_destroy,
    .event_body = ike_event_body,
};
