/* app_quic_gquic.c - Google QUIC (gQUIC) as Suricata 7.0.10 reads it: the
 * headers of Q043-Q046 and older, the frames of their packets (which travel
 * in clear, behind a 12-byte message hash nobody checks here) and of Q050's
 * Initial packets (opened by app_quic.c with Q050's salt), and the crypto
 * handshake messages in them: the client's CHLO is a tag table,
 *
 *   message tag | entries (LE16) | 2 bytes | entries x (tag, end offset LE32) | values
 *
 * each value running from the previous entry's end offset to its own. Read
 * as Suricata reads it, a message counts only if it is whole and plain: a
 * known message tag, every entry's tag one of the 30 Suricata knows
 * (gquic_known[]), end offsets that never go back, the values ending
 * exactly where the frame's data ends; anything else and the message gives
 * nothing (no SNI, UA or CYU), although the packet still makes its event.
 *
 * From a message: `sni` (tag SNI), `ua` (tag UAID; both the last seen in
 * the packet's messages, the walk stopping in a message once both are
 * known), and for Q043-Q046 one CYU entry: the MD5 of
 * "<version>,<tag names in order joined by '-'>" with version "43", "44"
 * (also for Q045, as Suricata writes it), "46", tag names without their
 * NUL padding ("PAD", "SNI", "VER", ...). A frame that does not parse (a
 * length past the packet, a cut varint) loses the whole packet's messages,
 * as Suricata's all-or-nothing frame parse does; the packet still makes
 * its event, with the version only.
 *
 * Everything is bounds-checked against the packet: offsets and counts in a
 * tag table are attacker-controlled. Values are copied into gquic_out.text
 * (at most GQUIC_TEXT_MAX bytes a datagram).
 *
 * Ownership: pure functions over the caller's bytes; gquic_out belongs to
 * the caller's quic_state (one flow of one worker). */
#include <string.h>

#include "taishi/core/md5.h"
#include "taishi/core/util.h"
#include "app_quic_internal.h"

#define GQUIC_TEXT_MAX (3u * 65536u + 256u)    /* sni + ua + cyu strings of one datagram */

#define TAG(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define TAG_SNI  TAG('S', 'N', 'I', 0)
#define TAG_UAID TAG('U', 'A', 'I', 'D')

/* The tags Suricata 7.0.10 knows (frames.rs StreamTag): a message with any
 * other tag is not read at all. */
static const uint32_t gquic_known[] = {
    TAG('A', 'E', 'A', 'D'), TAG('C', 'C', 'R', 'T'), TAG('C', 'C', 'S', 0), TAG('C', 'E', 'T', 'V'),
    TAG('C', 'F', 'C', 'W'), TAG('C', 'H', 'L', 'O'), TAG('C', 'O', 'P', 'T'), TAG('C', 'S', 'C', 'T'),
    TAG('C', 'T', 'I', 'M'), TAG('I', 'C', 'S', 'L'), TAG('I', 'R', 'T', 'T'), TAG('K', 'E', 'X', 'S'),
    TAG('M', 'I', 'D', 'S'), TAG('M', 'S', 'P', 'C'), TAG('N', 'O', 'N', 'C'), TAG('N', 'O', 'N', 'P'),
    TAG('P', 'A', 'D', 0), TAG('P', 'D', 'M', 'D'), TAG('P', 'U', 'B', 'S'), TAG('S', 'C', 'I', 'D'),
    TAG('S', 'C', 'L', 'S'), TAG('S', 'F', 'C', 'W'), TAG('S', 'M', 'H', 'L'), TAG('S', 'N', 'I', 0),
    TAG('S', 'N', 'O', 0), TAG('S', 'T', 'K', 0), TAG('T', 'C', 'I', 'D'), TAG('U', 'A', 'I', 'D'),
    TAG('V', 'E', 'R', 0), TAG('X', 'L', 'C', 'T'),
};

static int known(uint32_t tag)
{
    for (size_t i = 0; i < sizeof(gquic_known) / sizeof(gquic_known[0]); i++)
        if (gquic_known[i] == tag)
            return 1;
    return 0;
}

int gquic_version(uint32_t v)
{
    return v >= GQUIC_Q043 && v <= GQUIC_Q046;
}

/* "43" for Q043 ...: the CYU version, NULL when Suricata writes no CYU. */
static const char *cyu_version(uint32_t v)
{
    switch (v) {
    case GQUIC_Q043: return "43";
    case GQUIC_Q043 + 1: return "44";
    case GQUIC_Q043 + 2: return "44";          /* Q045: as Suricata 7.0.10 (cyu.rs) */
    case GQUIC_Q046: return "46";
    default: return NULL;
    }
}

int gquic_long_header(const uint8_t *p, size_t n, size_t *hdr_len, int *initial)
{
    if (n < 6)
        return 0;
    uint32_t v = rd32(p + 1);
    if (v == GQUIC_Q046)
        *initial = (p[0] & 0x30) == 0;          /* IETF-style type bits */
    else if ((p[0] & 0x7f) >= 0x7c)
        *initial = (p[0] & 0x7f) == 0x7f;       /* 7f Initial, 7e Retry, 7d Handshake, 7c 0-RTT */
    else
        return 0;
    size_t dl = p[5] >> 4, sl = p[5] & 15;      /* each 0 or 3 more than the nibble */
    size_t o = 6 + (dl ? dl + 3 : 0) + (sl ? sl + 3 : 0);
    if (*initial)
        o += 4 + 12;                            /* packet number, message hash */
    if (o > n)
        return 0;
    *hdr_len = o;
    return 1;
}

int gquic_public_header(const uint8_t *p, size_t n, size_t *hdr_len, uint32_t *version)
{
    uint8_t f = p[0];
    size_t o = 1;
    if (f & 0x08)
        o += 8;                                 /* connection id */
    else if (f & 0x04)
        o += 32;                                /* diversification nonce */
    *version = 0;
    if (f & 0x01) {
        if (o + 4 > n)
            return 0;
        *version = rd32(p + o);
        o += 4;
    }
    o += 1 + ((f & 0x30) >> 4);                 /* packet number (Suricata's reading of the bits) */
    if (f & 0x08)
        o += 12;                                /* message hash */
    if (o > n)
        return 0;
    *hdr_len = o;
    return 1;
}

void gquic_reset(struct gquic_out *g)
{
    g->text.len = 0;
    g->has_sni = g->has_ua = 0;
    g->ncyu = g->ncrypto = 0;
}

void gquic_free(struct app_stats *st, struct gquic_out *g)
{
    app_buf_free(st, &g->text);
}

int gquic_tag_msg(const uint8_t *p, size_t n)
{
    if (n < 8 || !known(rd32(p)))
        return -1;
    size_t k = rd16le(p + 4);
    if (k > (n - 8) / 8)
        return -1;
    uint32_t prev = 0;
    for (size_t i = 0; i < k; i++) {
        const uint8_t *e = p + 8 + 8 * i;
        uint32_t end = rd32le(e + 4);
        if (!known(rd32(e)) || end < prev)
            return -1;
        prev = end;
    }
    /* the values run to the last end offset, and nothing follows them */
    return 8 + 8 * k + (size_t)prev == n ? (int)k : -1;
}

/* Copies p[0..n) to g->text; its offset, or -1 (past GQUIC_TEXT_MAX). */
static long keep(struct app_stats *st, struct gquic_out *g, const uint8_t *p, size_t n)
{
    uint32_t off = g->text.len;
    if (app_buf_append(st, &g->text, p, n, GQUIC_TEXT_MAX) < 0)
        return -1;
    return off;
}

/* The packet walk's own SNI/UA state: Suricata stops reading a message's
 * tags once the packet has given both. */
struct walk {
    uint8_t sni, ua;
};

/* One frame's data: a tag message, or nothing. */
static void tag_msg(struct app_stats *st, struct gquic_out *g, struct walk *w, uint32_t version,
                    const uint8_t *m, size_t n)
{
    int k = gquic_tag_msg(m, n);
    if (k < 0)
        return;
    g->msgs++;
    const uint8_t *vals = m + 8 + 8 * (size_t)k;
    uint32_t prev = 0;
    for (int i = 0; i < k; i++) {
        uint32_t tag = rd32(m + 8 + 8 * (size_t)i), end = rd32le(m + 12 + 8 * (size_t)i);
        long off;
        if ((tag == TAG_SNI || tag == TAG_UAID) && (off = keep(st, g, vals + prev, end - prev)) >= 0) {
            if (tag == TAG_SNI) {
                g->sni_off = (uint32_t)off, g->sni_len = end - prev, g->has_sni = w->sni = 1;
            } else {
                g->ua_off = (uint32_t)off, g->ua_len = end - prev, g->has_ua = w->ua = 1;
            }
        }
        prev = end;
        if (w->sni && w->ua)
            break;
    }
    const char *cv = cyu_version(version);
    if (!cv)
        return;
    if (g->ncyu >= GQUIC_CYU_MAX) {
        g->dropped++;
        return;
    }
    size_t need = 3 + 5 * (size_t)k, off = g->text.len;
    if (app_buf_reserve(st, &g->text, off + need, GQUIC_TEXT_MAX) < 0) {
        g->dropped++;
        return;
    }
    char *s = (char *)g->text.d + off;
    size_t o = 0;
    s[o++] = cv[0];
    s[o++] = cv[1];
    s[o++] = ',';
    for (int i = 0; i < k; i++) {
        const uint8_t *t = m + 8 + 8 * (size_t)i;
        if (i)
            s[o++] = '-';
        for (int j = 0; j < 4 && t[j]; j++)
            s[o++] = (char)t[j];
    }
    g->text.len = (uint32_t)(off + o);
    g->cyu[g->ncyu].off = (uint32_t)off;
    g->cyu[g->ncyu].len = (uint32_t)o;
    md5_hex((const uint8_t *)s, o, g->cyu[g->ncyu].hash);
    g->ncyu++;
}

int gquic_frames(struct app_stats *st, struct gquic_out *g, uint32_t version, const uint8_t *p,
                 size_t n)
{
    struct gquic_out before = *g;               /* restored (but the text buffer) on failure */
    struct walk w = { 0, 0 };
    size_t o = 0;
    uint64_t a, b, c;

    g->ncrypto = 0;
    while (o < n) {
        uint8_t t = p[o++];
        if (t & 0x80) {                         /* STREAM: 1 fin, 1 length?, 3 offset, 2 stream id */
            size_t skip = (size_t)(t & 3) + 1 + (t & 0x1c ? ((t >> 2) & 7) + 1u : 0);
            size_t len;
            if (skip > n - o)
                goto bad;
            o += skip;
            if (t & 0x20) {
                if (2 > n - o)
                    goto bad;
                len = rd16(p + o);
                o += 2;
                if (len > n - o)
                    goto bad;
            } else {
                len = n - o;
            }
            tag_msg(st, g, &w, version, p + o, len);
            o += len;
            continue;
        }
        switch (t) {
        case 0x00:                              /* PADDING: every zero that follows */
            while (o < n && !p[o])
                o++;
            break;
        case 0x01:                              /* PING */
            break;
        case 0x02:                              /* ACK, read as IETF's (as Suricata does) */
            if (quic_varint(p, n, &o, &a) < 0 || quic_varint(p, n, &o, &a) < 0 ||
                quic_varint(p, n, &o, &c) < 0 || quic_varint(p, n, &o, &a) < 0)
                goto bad;
            for (uint64_t i = 0; i < c; i++)    /* each range reads >= 2 bytes: bounded by n */
                if (quic_varint(p, n, &o, &a) < 0 || quic_varint(p, n, &o, &a) < 0)
                    goto bad;
            break;
        case 0x06:                              /* CRYPTO with TLS: for the caller's TLS path */
        case 0x08:                              /* CRYPTO with a tag message (Q050) */
            if (quic_varint(p, n, &o, &a) < 0 || quic_varint(p, n, &o, &b) < 0 || b > n - o)
                goto bad;
            if (t == 0x08)
                tag_msg(st, g, &w, version, p + o, (size_t)b);
            else if (g->ncrypto < GQUIC_CRYPTO_MAX) {
                g->crypto[g->ncrypto].off = a;
                g->crypto[g->ncrypto].p = p + o;
                g->crypto[g->ncrypto].n = (size_t)b;
                g->ncrypto++;
            }
            o += (size_t)b;
            break;
        default:                                /* any other frame: the rest of the packet */
            o = n;
            break;
        }
    }
    return 0;
bad:
    {
        struct abuf text = g->text;
        *g = before;
        g->text.d = text.d;
        g->text.cap = text.cap;
        g->ncrypto = 0;
    }
    return -1;
}
