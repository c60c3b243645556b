/* app_snmp.c - SNMP messages (v1 RFC 1157, v2c RFC 1901/3416, v3 RFC 3412/
 * 3414) over UDP: one datagram = one message = one transaction and one
 * `snmp` event, as Suricata 7.0.10 logs them.
 *
 * The message is BER (X.690), read in one pass straight from the datagram
 * with a small TLV reader: one-byte tags only, definite lengths of at most
 * four bytes, every length checked against what encloses it. What is read:
 *   v1/v2c  SEQUENCE { version, community, PDU }
 *   v3      SEQUENCE { version, msgGlobalData (msgFlags), msgSecurityParameters
 *           (the USM user name), ScopedPDU { engine, context, PDU } or, with
 *           the privacy flag, an encrypted OCTET STRING }
 *   PDU     request-id, error-status, error-index, varbinds (the OID of each;
 *           values are skipped); Trap-PDU (v1): enterprise, agent address,
 *           generic and specific trap, time stamp, varbinds.
 * At most SNMP_VARS_MAX OIDs are kept per message (the rest are counted in
 * vars_dropped), each at most SNMP_OID_MAX characters of text.
 *
 * The event: snmp{version (1, 2 for v2c, 3), pdu_type, error (when not
 * noError; Suricata's names), trap_type/trap_oid/trap_address (Trap-PDU),
 * vars[], community (v1/v2c) or usm (v3)}; an encrypted v3 message has only
 * version and pdu_type "encrypted". Buffers: snmp.community, snmp.usm.
 * snmp.version and snmp.pdu_type are integer keywords in Suricata, not
 * content buffers: the rule language here has no integer app keywords, so
 * they are not offered.
 *
 * What does not parse is counted (parse_errors) and gets no event.
 *
 * Risk (issue 16 item 5): a v1/v2c message with the community "public" or
 * "private" (the vendors' defaults) is also a TX_RISK
 * "snmp_default_community" (detail: the community); the worker writes one
 * risk event per flow for it. Counted in default_community.
 *
 * Ownership: a datagram keeps nothing; the meta and its strings live on the
 * stack for the callback. */
#include <inttypes.h>
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_buf.h"

#define SNMP_VARS_MAX 64
#define SNMP_OID_MAX  160      /* text of one OID incl. NUL */
#define SNMP_STR_MAX  256      /* community / user name kept for the event */

enum { SNMP_C_MESSAGES, SNMP_C_PARSE_ERRORS, SNMP_C_VARS_DROPPED, SNMP_C_DEFAULT_COMMUNITY };

/* The snmp event's record (tx->meta). */
struct snmp_meta {
    uint8_t version;            /* 1, 2 (v2c), 3 */
    uint8_t encrypted;
    uint8_t is_trap;
    uint8_t pdu;                /* context tag number 0-8 */
    uint32_t error;             /* error-status, 0 = noError */
    uint32_t generic_trap;
    const char *community, *usm; /* NULL when absent */
    char trap_oid[SNMP_OID_MAX], trap_addr[16];
    uint32_t nvars;
    char vars[SNMP_VARS_MAX][SNMP_OID_MAX];
    char comm[SNMP_STR_MAX], user[SNMP_STR_MAX];
};

/* One BER TLV at [*p, end): the tag, and the value's span. Advances *p past
 * it. -1 on anything malformed (multi-byte tag, indefinite or too long a
 * length, value running past end). */
static int ber_tlv(const uint8_t **p, const uint8_t *end, uint8_t *tag, const uint8_t **val,
                   size_t *vlen)
{
    const uint8_t *q = *p;
    if (end - q < 2)
        return -1;
    *tag = *q++;
    if ((*tag & 0x1f) == 0x1f)
        return -1;
    size_t n = *q++;
    if (n & 0x80) {
        size_t k = n & 0x7f;
        if (k == 0 || k > 4 || (size_t)(end - q) < k)
            return -1;
        n = 0;
        for (size_t i = 0; i < k; i++)
            n = n << 8 | *q++;
    }
    if ((size_t)(end - q) < n)
        return -1;
    *val = q;
    *vlen = n;
    *p = q + n;
    return 0;
}

/* A TLV that must have tag `want`. */
static int ber_expect(const uint8_t **p, const uint8_t *end, uint8_t want, const uint8_t **val,
                      size_t *vlen)
{
    uint8_t tag;
    return ber_tlv(p, end, &tag, val, vlen) < 0 || tag != want ? -1 : 0;
}

/* An INTEGER of at most 4 bytes, as the two's complement bits in *out. */
static int ber_int(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    const uint8_t *v;
    size_t n;
    if (ber_expect(p, end, 0x02, &v, &n) < 0 || n == 0 || n > 5 || (n == 5 && v[0] != 0))
        return -1;
    uint32_t x = (v[0] & 0x80) ? 0xffffffffu : 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | v[i];
    *out = x;
    return 0;
}

/* An OID's content octets as dotted text; -1 when malformed or too long. */
static int oid_text(const uint8_t *v, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    int first = 1;
    uint64_t x = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (x > (UINT64_MAX >> 7))
            return -1;
        x = x << 7 | (v[i] & 0x7f);
        if (v[i] & 0x80) {
            if (i + 1 == n)
                return -1;          /* the last arc does not end */
            continue;
        }
        int w;
        if (first) {
            uint64_t a = x < 40 ? 0 : x < 80 ? 1 : 2;
            w = snprintf(out + o, cap - o, "%" PRIu64 ".%" PRIu64, a, x - a * 40);
            first = 0;
        } else {
            w = snprintf(out + o, cap - o, ".%" PRIu64, x);
        }
        if (w < 0 || (size_t)w >= cap - o)
            return -1;
        o += (size_t)w;
        x = 0;
    }
    return 0;
}

static void copy_str(char *dst, size_t cap, const uint8_t *v, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

/* The PDU (its tag already read: number pdu, value [v, v+n)). */
static int snmp_pdu(struct snmp_meta *m, uint8_t pdu, const uint8_t *v, size_t n, uint64_t *ctr)
{
    const uint8_t *p = v, *end = v + n, *x;
    size_t xn;
    uint32_t u;

    m->pdu = pdu;
    if (pdu == 4) {                 /* Trap-PDU (v1) */
        m->is_trap = 1;
        if (ber_expect(&p, end, 0x06, &x, &xn) < 0 || oid_text(x, xn, m->trap_oid, sizeof(m->trap_oid)) < 0)
            return -1;
        if (ber_expect(&p, end, 0x40, &x, &xn) < 0 || xn != 4)
            return -1;
        snprintf(m->trap_addr, sizeof(m->trap_addr), "%u.%u.%u.%u", x[0], x[1], x[2], x[3]);
        if (ber_int(&p, end, &m->generic_trap) < 0 || ber_int(&p, end, &u) < 0)
            return -1;
        if (ber_expect(&p, end, 0x43, &x, &xn) < 0)
            return -1;
    } else {
        if (ber_int(&p, end, &u) < 0 || ber_int(&p, end, &m->error) < 0 || ber_int(&p, end, &u) < 0)
            return -1;
        if (pdu == 5)
            m->error = 0;           /* GetBulk: non-repeaters, max-repetitions */
    }
    const uint8_t *vb;
    size_t vbn;
    if (ber_expect(&p, end, 0x30, &vb, &vbn) < 0)
        return -1;
    const uint8_t *q = vb, *qend = vb + vbn;
    while (q < qend) {
        const uint8_t *b, *o;
        size_t bn, on;
        uint8_t tag;
        if (ber_expect(&q, qend, 0x30, &b, &bn) < 0)
            return -1;
        const uint8_t *bp = b;
        if (ber_expect(&bp, b + bn, 0x06, &o, &on) < 0 || ber_tlv(&bp, b + bn, &tag, &x, &xn) < 0)
            return -1;
        if (m->nvars >= SNMP_VARS_MAX) {
            ctr[SNMP_C_VARS_DROPPED]++;
            continue;
        }
        if (oid_text(o, on, m->vars[m->nvars], SNMP_OID_MAX) < 0)
            return -1;
        m->nvars++;
    }
    return 0;
}

/* A whole message into m. */
static int snmp_parse(struct snmp_meta *m, const uint8_t *msg, size_t len, uint64_t *ctr)
{
    const uint8_t *p = msg, *end = msg + len, *v, *x;
    size_t n, xn;
    uint32_t ver;
    uint8_t tag;

    if (ber_expect(&p, end, 0x30, &v, &n) < 0)
        return -1;
    p = v;
    end = v + n;
    if (ber_int(&p, end, &ver) < 0)
        return -1;
    if (ver == 0 || ver == 1) {
        m->version = (uint8_t)(ver + 1);
        if (ber_expect(&p, end, 0x04, &x, &xn) < 0)
            return -1;
        copy_str(m->comm, sizeof(m->comm), x, xn);
        m->community = m->comm;
    } else if (ver == 3) {
        m->version = 3;
        const uint8_t *g, *gp;
        size_t gn;
        uint32_t u;
        if (ber_expect(&p, end, 0x30, &g, &gn) < 0)
            return -1;
        gp = g;
        if (ber_int(&gp, g + gn, &u) < 0 || ber_int(&gp, g + gn, &u) < 0 ||
            ber_expect(&gp, g + gn, 0x04, &x, &xn) < 0 || xn != 1)
            return -1;
        m->encrypted = (x[0] & 0x02) != 0;
        if (ber_int(&gp, g + gn, &u) < 0)
            return -1;
        if (ber_expect(&p, end, 0x04, &x, &xn) < 0)       /* msgSecurityParameters */
            return -1;
        if (u == 3) {                                       /* USM */
            const uint8_t *sp = x, *s, *f;
            size_t sn, fn;
            if (ber_expect(&sp, x + xn, 0x30, &s, &sn) < 0)
                return -1;
            sp = s;
            if (ber_expect(&sp, s + sn, 0x04, &f, &fn) < 0 || ber_int(&sp, s + sn, &u) < 0 ||
                ber_int(&sp, s + sn, &u) < 0 || ber_expect(&sp, s + sn, 0x04, &f, &fn) < 0)
                return -1;
            copy_str(m->user, sizeof(m->user), f, fn);
            m->usm = m->user;
        }
        if (m->encrypted)
            return ber_expect(&p, end, 0x04, &x, &xn);
        if (ber_expect(&p, end, 0x30, &x, &xn) < 0)         /* ScopedPDU */
            return -1;
        p = x;
        end = x + xn;
        const uint8_t *y;
        size_t yn;
        if (ber_expect(&p, end, 0x04, &y, &yn) < 0 || ber_expect(&p, end, 0x04, &y, &yn) < 0)
            return -1;
    } else {
        return -1;
    }
    if (ber_tlv(&p, end, &tag, &x, &xn) < 0 || tag < 0xa0 || tag > 0xa8)
        return -1;
    return snmp_pdu(m, tag & 0x0f, x, xn, ctr);
}

static void snmp_datagram(const uint8_t *msg, size_t len, int dir, const struct app_limits *lim,
                          struct app_stats *st, int id, const struct app_sink *sink)
{
    uint64_t *ctr = app_stats_row(st, id);
    struct snmp_meta m;
    (void)lim;

    memset(&m, 0, sizeof(m));
    if (snmp_parse(&m, msg, len, ctr) < 0) {
        ctr[SNMP_C_PARSE_ERRORS]++;
        return;
    }
    ctr[SNMP_C_MESSAGES]++;
    struct txb t = { .n = 0 };
    if (m.community)
        txb_add(&t, BUF_SNMP_COMMUNITY, m.community, strlen(m.community));
    if (m.usm)
        txb_add(&t, BUF_SNMP_USM, m.usm, strlen(m.usm));
    app_buf_emit(sink, id, TX_SNMP, dir, 1, &t, &m);
    if (m.community && (!strcmp(m.community, "public") || !strcmp(m.community, "private"))) {
        struct app_risk_meta r = { "snmp_default_community", m.community };
        ctr[SNMP_C_DEFAULT_COMMUNITY]++;
        app_buf_emit(sink, id, TX_RISK, dir, 1, NULL, &r);
    }
}

static const char *const pdu_names[9] = {
    "get_request", "get_next_request", "response", "set_request", "trap_v1",
    "get_bulk_request", "inform_request", "trap_v2", "report",
};
/* Suricata writes the Rust names of its parser's enums: known values by
 * name, others as "Type(N)". */
static const char *const error_names[6] = {
    "NoError", "TooBig", "NoSuchName", "BadValue", "ReadOnly", "GenErr",
};
static const char *const trap_names[7] = {
    "coldStart", "warmStart", "linkDown", "linkUp", "authenticationFailure",
    "egpNeighborLoss", "enterpriseSpecific",
};

static void snmp_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct snmp_meta *m = tx->meta;
    char num[32];

    jw_kobj(w, "snmp");
    jw_ku64(w, "version", m->version);
    if (m->encrypted) {
        jw_kstr(w, "pdu_type", "encrypted");
        jw_obj_end(w);
        return;
    }
    jw_kstr(w, "pdu_type", pdu_names[m->pdu % 9]);
    if (m->error && !m->is_trap) {
        if (m->error < 6) {
            jw_kstr(w, "error", error_names[m->error]);
        } else {
            snprintf(num, sizeof(num), "ErrorStatus(%" PRIu32 ")", m->error);
            jw_kstr(w, "error", num);
        }
    }
    if (m->is_trap) {
        if (m->generic_trap < 7) {
            jw_kstr(w, "trap_type", trap_names[m->generic_trap]);
        } else {
            snprintf(num, sizeof(num), "TrapType(%" PRIu32 ")", m->generic_trap);
            jw_kstr(w, "trap_type", num);
        }
        jw_kstr(w, "trap_oid", m->trap_oid);
        jw_kstr(w, "trap_address", m->trap_addr);
    }
    if (m->nvars) {
        jw_karr(w, "vars");
        for (uint32_t i = 0; i < m->nvars; i++)
            jw_str(w, m->vars[i]);
        jw_arr_end(w);
    }
    app_buf_kstr(w, "community", m->community);
    app_buf_kstr(w, "usm", m->usm);
    jw_obj_end(w);
}

/* Integer keywords (app.h struct app_int_kw): snmp.version (Suricata's
 * unsigned syntax), snmp.pdu_type (7.0.10: one number only). */
static unsigned snmp_kw_ver(const struct app_tx *tx, uint64_t *v, unsigned max)
{
    const struct snmp_meta *m = tx->meta;
    if (!m || tx->kind != TX_SNMP || !max)
        return 0;
    v[0] = m->version;
    return 1;
}
static unsigned snmp_kw_pdu(const struct app_tx *tx, uint64_t *v, unsigned max)
{
    const struct snmp_meta *m = tx->meta;
    if (!m || tx->kind != TX_SNMP || !max || m->encrypted)
        return 0;
    v[0] = m->pdu;
    return 1;
}
static const struct app_int_kw snmp_kw_version = { snmp_kw_ver, AI_UINT, 0xffffffffu, NULL, NULL, NULL, 0, NULL };
static const struct app_int_kw snmp_kw_pdu_type = { snmp_kw_pdu, AI_EQ, 0xffffffffu, NULL, NULL, NULL, 0, NULL };

static const struct app_keyword snmp_keywords[] = {
    APP_INT("snmp.version", &snmp_kw_version),
    APP_INT("snmp.pdu_type", &snmp_kw_pdu_type),
    APP_STICKY("snmp.community", BUF_SNMP_COMMUNITY),
    APP_STICKY("snmp.usm", BUF_SNMP_USM),
    APP_KEYWORDS_END,
};

const struct app_parser app_snmp_parser = {
    .name = "snmp", .rule_proto = "snmp", .event_type = "snmp", .event_id = 20,
    .transports = APP_UDP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_SNMP, 0 },
    .counters = (const char *const[]){ "messages", "parse_errors", "vars_dropped",
                                       "default_community", NULL },
    .keywords = snmp_keywords,
    .datagram = snmp_datagram,
    .event_body = snmp_event_body,
};
