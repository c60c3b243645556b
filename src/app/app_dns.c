/* app_dns.c - DNS messages (RFC 1035 wire format) over UDP (one datagram =
 * one message) and TCP (each message behind a 2-byte length, RFC 7766).
 *
 * A message is parsed in one pass, straight from the caller's bytes, into a
 * scratch area on the stack (no allocation): the header, every question
 * (each name is one BUF_DNS_QUERY occurrence, dotted, no trailing dot, as
 * Suricata's dns.query) and the answer section (up to dns_max_answers kept
 * for the event, at most DNS_MAX_ANSWERS). Authority and additional records
 * are not read.
 *
 * Names: labels are copied as they are (bytes, not escaped: the JSON writer
 * escapes for the event); compression pointers may point anywhere inside
 * the message but at most DNS_MAX_JUMPS are followed per name and a name
 * may not exceed 255 wire bytes, so pointer loops end in a parse error.
 * Label types 01/10 (extended, obsolete) are errors.
 *
 * TCP: each direction keeps the bytes of the message being assembled (at
 * most 2 + 65535); after a gap the framing is lost and that direction stops.
 *
 * Ownership: dns_tcp belongs to one app_flow; a datagram keeps nothing. */
#include <arpa/inet.h>
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_buf.h"

#define DNS_MAX_JUMPS     32
#define DNS_MAX_QUESTIONS 16
#define DNS_MAX_ANSWERS   64
#define DNS_NAME_MAX      256     /* dotted text incl. NUL */
#define DNS_ARENA         (DNS_MAX_ANSWERS * (2 * DNS_NAME_MAX + 16) + DNS_MAX_QUESTIONS * DNS_NAME_MAX)

struct dns_scratch {
    struct app_dns_answer ans[DNS_MAX_ANSWERS];
    struct txb txb;
    char arena[DNS_ARENA];
    size_t used;
    char rrtype_q[16];
};

/* Reads the name at *off into out (dotted, NUL-terminated); advances *off
 * past the name in place (not past pointer targets). Returns the text length
 * or -1. */
static int dns_name(const uint8_t *m, size_t len, size_t *off, char *out, size_t outcap)
{
    size_t pos = *off, o = 0, wire = 0;
    int jumps = 0, jumped = 0;

    for (;;) {
        if (pos >= len)
            return -1;
        uint8_t l = m[pos];
        if ((l & 0xc0) == 0xc0) {
            if (pos + 1 >= len || ++jumps > DNS_MAX_JUMPS)
                return -1;
            size_t target = (size_t)(l & 0x3f) << 8 | m[pos + 1];
            if (!jumped)
                *off = pos + 2;
            jumped = 1;
            pos = target;
            continue;
        }
        if (l & 0xc0)
            return -1;
        if (l == 0) {
            if (!jumped)
                *off = pos + 1;
            break;
        }
        wire += (size_t)l + 1;
        if (wire > 255 || pos + 1 + l > len)
            return -1;
        if (o && o < outcap)
            out[o++] = '.';
        if (o + l >= outcap)
            return -1;
        memcpy(out + o, m + pos + 1, l);
        o += l;
        pos += 1 + (size_t)l;
    }
    out[o] = 0;
    return (int)o;
}

static char *arena_take(struct dns_scratch *s, size_t n)
{
    if (s->used + n > sizeof(s->arena))
        return NULL;
    char *p = s->arena + s->used;
    s->used += n;
    return p;
}

static const char *dns_type_name(uint16_t t, char *buf, size_t cap)
{
    static const struct { uint16_t t; const char *n; } names[] = {
        { 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" }, { 13, "HINFO" },
        { 15, "MX" }, { 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" }, { 24, "SIG" }, { 25, "KEY" },
        { 28, "AAAA" }, { 29, "LOC" }, { 33, "SRV" }, { 35, "NAPTR" }, { 37, "CERT" },
        { 39, "DNAME" }, { 41, "OPT" }, { 43, "DS" }, { 44, "SSHFP" }, { 46, "RRSIG" },
        { 47, "NSEC" }, { 48, "DNSKEY" }, { 50, "NSEC3" }, { 51, "NSEC3PARAM" },
        { 52, "TLSA" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" }, { 250, "TSIG" },
        { 251, "IXFR" }, { 252, "AXFR" }, { 255, "ANY" }, { 256, "URI" }, { 257, "CAA" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].t == t)
            return names[i].n;
    snprintf(buf, cap, "TYPE%u", t);
    return buf;
}

/* rdata as text for the event: addresses, names, TXT strings joined. */
static const char *dns_rdata(const uint8_t *m, size_t len, size_t off, uint16_t rdlen,
                             uint16_t type, struct dns_scratch *s)
{
    char *out;
    size_t o = 0;

    switch (type) {
    case 1:
        if (rdlen != 4 || !(out = arena_take(s, 16)))
            return NULL;
        inet_ntop(AF_INET, m + off, out, 16);
        return out;
    case 28:
        if (rdlen != 16 || !(out = arena_take(s, INET6_ADDRSTRLEN)))
            return NULL;
        inet_ntop(AF_INET6, m + off, out, INET6_ADDRSTRLEN);
        return out;
    case 2: case 5: case 12: case 39: case 15: case 6: {
        size_t p = off + (type == 15 ? 2 : 0);
        char tmp[DNS_NAME_MAX];
        if (p > off + rdlen || dns_name(m, len, &p, tmp, sizeof(tmp)) < 0)
            return NULL;
        if (!(out = arena_take(s, strlen(tmp) + 1)))
            return NULL;
        memcpy(out, tmp, strlen(tmp) + 1);
        return out;
    }
    case 16: {
        if (!(out = arena_take(s, (size_t)rdlen + 1)))
            return NULL;
        for (size_t p = off; p < off + rdlen;) {
            size_t sl = m[p];
            if (p + 1 + sl > off + rdlen)
                break;
            memcpy(out + o, m + p + 1, sl);
            o += sl;
            p += 1 + sl;
        }
        out[o] = 0;
        return out;
    }
    default:
        return NULL;
    }
}

/* Parses one message and reports it. Returns 0 or -1 (malformed). */
enum { DNS_C_MESSAGES, DNS_C_PARSE_ERRORS };   /* counters, named in the entry */

static int dns_message(const uint8_t *m, size_t len, int dir, uint32_t tx_id,
                       const struct app_limits *lim, struct app_stats *stats, int id,
                       const struct app_sink *sink)
{
    uint64_t *ctr = app_stats_row(stats, id);
    struct dns_scratch s;
    struct app_dns_meta meta;
    size_t off = 12;
    uint32_t maxans = lim ? lim->dns_max_answers : 32;

    if (len < 12) {
        ctr[DNS_C_PARSE_ERRORS]++;
        return -1;
    }
    s.txb.n = 0;
    s.used = 0;
    memset(&meta, 0, sizeof(meta));
    meta.id = rd16(m);
    meta.flags = rd16(m + 2);
    meta.is_response = (uint8_t)(meta.flags >> 15);
    meta.opcode = (uint8_t)((meta.flags >> 11) & 15);
    meta.rcode = (uint8_t)(meta.flags & 15);
    meta.tx_id = tx_id;
    meta.answers = s.ans;
    if (maxans > DNS_MAX_ANSWERS)
        maxans = DNS_MAX_ANSWERS;
    uint32_t qd = rd16(m + 4), an = rd16(m + 6);

    for (uint32_t i = 0; i < qd; i++) {
        char tmp[DNS_NAME_MAX];
        int nl = dns_name(m, len, &off, tmp, sizeof(tmp));
        if (nl < 0 || off + 4 > len) {
            ctr[DNS_C_PARSE_ERRORS]++;
            if (s.txb.n == 0)
                return -1;
            an = 0;             /* report the questions read so far, no answers */
            break;
        }
        uint16_t qt = rd16(m + off);
        off += 4;
        if (i >= DNS_MAX_QUESTIONS)
            continue;
        char *name = arena_take(&s, (size_t)nl + 1);
        if (!name)
            continue;
        memcpy(name, tmp, (size_t)nl + 1);
        txb_add(&s.txb, BUF_DNS_QUERY, name, (size_t)nl);
        if (i == 0) {
            meta.rrname = name;
            meta.rrtype = dns_type_name(qt, s.rrtype_q, sizeof(s.rrtype_q));
        }
    }
    for (uint32_t i = 0; i < an; i++) {
        char tmp[DNS_NAME_MAX];
        int nl = dns_name(m, len, &off, tmp, sizeof(tmp));
        if (nl < 0 || off + 10 > len) {
            ctr[DNS_C_PARSE_ERRORS]++;
            break;              /* keep the questions and answers read so far */
        }
        uint16_t type = rd16(m + off), rdlen = rd16(m + off + 8);
        uint32_t ttl = rd32(m + off + 4);
        off += 10;
        if (off + rdlen > len) {
            ctr[DNS_C_PARSE_ERRORS]++;
            break;
        }
        if (meta.nanswers < maxans) {
            struct app_dns_answer *a = &s.ans[meta.nanswers];
            char *name = arena_take(&s, (size_t)nl + 1), *tb = arena_take(&s, 16);
            if (name && tb) {
                memcpy(name, tmp, (size_t)nl + 1);
                a->rrname = name;
                a->rrtype = dns_type_name(type, tb, 16);
                a->ttl = ttl;
                a->rdata = dns_rdata(m, len, off, rdlen, type, &s);
                meta.nanswers++;
            }
        }
        off += rdlen;
    }
    ctr[DNS_C_MESSAGES]++;
    app_buf_emit(sink, id, TX_DNS, dir, 1, &s.txb, &meta);
    return 0;
}

static void dns_datagram(const uint8_t *msg, size_t len, int dir, const struct app_limits *lim,
                         struct app_stats *stats, int id, const struct app_sink *sink)
{
    dns_message(msg, len, dir, 0, lim, stats, id, sink);
}

struct dns_tcp {
    struct app_stats *st;
    int id;
    const struct app_limits *lim;
    struct abuf buf[2];
    uint8_t dead[2];
    uint32_t tx_id;
};

static void *dns_tcp_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct dns_tcp *d = app_buf_alloc(st, sizeof(*d));
    d->st = st;
    d->id = id;
    d->lim = lim;
    return d;
}

static void dns_tcp_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *s)
{
    struct dns_tcp *d = state;
    struct abuf *b = &d->buf[dir];

    while (n && !d->dead[dir]) {
        /* whole messages straight from the caller's bytes when nothing is pending */
        if (b->len == 0 && n >= 2 && n >= 2 + (size_t)rd16(p)) {
            size_t ml = rd16(p);
            if (dns_message(p + 2, ml, dir, d->tx_id++, d->lim, d->st, d->id, s) < 0)
                d->dead[dir] = 1;
            p += 2 + ml;
            n -= 2 + ml;
            continue;
        }
        size_t need = b->len < 2 ? 2 - b->len : 2 + (size_t)rd16(b->d) - b->len;
        size_t take = MIN(need, n);
        if (app_buf_append(d->st, b, p, take, 2 + 65535) < 0) {
            d->dead[dir] = 1;
            break;
        }
        p += take;
        n -= take;
        if (b->len >= 2 && b->len == 2 + (size_t)rd16(b->d)) {
            if (dns_message(b->d + 2, b->len - 2, dir, d->tx_id++, d->lim, d->st, d->id, s) < 0)
                d->dead[dir] = 1;
            b->len = 0;
        }
    }
}

static void dns_tcp_gap(void *state, int dir, size_t n, const struct app_sink *s)
{
    struct dns_tcp *d = state;
    (void)n;
    (void)s;
    d->dead[dir] = 1;
    d->buf[dir].len = 0;
}

static void dns_tcp_end(void *state, const struct app_sink *s)
{
    (void)state;                /* nothing pending: a message is reported whole or not at all */
    (void)s;
}

static void dns_tcp_destroy(void *state)
{
    struct dns_tcp *d = state;
    if (!d)
        return;
    app_buf_free(d->st, &d->buf[0]);
    app_buf_free(d->st, &d->buf[1]);
    app_buf_release(d->st, d, sizeof(*d));
}

/* EVE's dns object, format v2:
 *   query:  {version:2, type:"query", id, rrname, rrtype, tx_id, opcode}
 *   answer: {version:2, type:"answer", id, flags (hex), qr, aa, tc, rd, ra
 *            (the set ones), opcode, rrname, rrtype, rcode (name),
 *            answers:[{rrname, rrtype, ttl, rdata}]} */
static const char *rcode_name(unsigned r)
{
    static const char *const n[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
        "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
    };
    return r < sizeof(n) / sizeof(n[0]) ? n[r] : NULL;
}

static void dns_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct app_dns_meta *m = tx->meta;
    jw_kobj(w, "dns");
    jw_ku64(w, "version", 2);
    if (!m->is_response) {
        jw_kstr(w, "type", "query");
        jw_ku64(w, "id", m->id);
        app_buf_kstr(w, "rrname", m->rrname);
        app_buf_kstr(w, "rrtype", m->rrtype);
        jw_ku64(w, "tx_id", m->tx_id);
        jw_ku64(w, "opcode", m->opcode);
        jw_obj_end(w);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    char fl[5] = { hex[m->flags >> 12 & 15], hex[m->flags >> 8 & 15], hex[m->flags >> 4 & 15],
                   hex[m->flags & 15], 0 };
    jw_kstr(w, "type", "answer");
    jw_ku64(w, "id", m->id);
    jw_kstr(w, "flags", fl);
    jw_key(w, "qr");
    jw_bool(w, 1);
    static const struct { uint16_t bit; const char *name; } bits[] = {
        { 0x0400, "aa" }, { 0x0200, "tc" }, { 0x0100, "rd" }, { 0x0080, "ra" },
    };
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (m->flags & bits[i].bit) {
            jw_key(w, bits[i].name);
            jw_bool(w, 1);
        }
    jw_ku64(w, "opcode", m->opcode);
    app_buf_kstr(w, "rrname", m->rrname);
    app_buf_kstr(w, "rrtype", m->rrtype);
    const char *rc = rcode_name(m->rcode);
    if (rc)
        jw_kstr(w, "rcode", rc);
    else
        jw_ku64(w, "rcode", m->rcode);
    if (m->nanswers) {
        jw_karr(w, "answers");
        for (uint32_t i = 0; i < m->nanswers; i++) {
            const struct app_dns_answer *a = &m->answers[i];
            jw_obj_begin(w);
            app_buf_kstr(w, "rrname", a->rrname);
            app_buf_kstr(w, "rrtype", a->rrtype);
            jw_ku64(w, "ttl", a->ttl);
            app_buf_kstr(w, "rdata", a->rdata);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

/* Its rule keywords, as Suricata spells them: sticky buffers, and the
 * legacy content modifiers. */
static const struct app_keyword dns_keywords[] = {
    APP_STICKY("dns.query", BUF_DNS_QUERY),
    APP_STICKY("dns_query", BUF_DNS_QUERY),
    APP_KEYWORDS_END,
};

const struct app_parser app_dns_parser = {
    .name = "dns", .rule_proto = "dns", .event_type = "dns", .event_id = 4,
    .transports = APP_TCP | APP_UDP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_DNS, 0 },
    .counters = (const char *const[]){ "messages", "parse_errors", NULL },
    .keywords = dns_keywords,
    .create = dns_tcp_create, .feed = dns_tcp_feed, .gap = dns_tcp_gap, .end = dns_tcp_end,
    .destroy = dns_tcp_destroy, .datagram = dns_datagram,
    .event_body = dns_event_body,
};
