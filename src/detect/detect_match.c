/* detect_match.c - does one rule's payload list match one buffer?
 *
 * The list is walked in rule order with a cursor, the end of the previous
 * match ("prev_end"), as Suricata's content inspection does:
 *  - content: absolute offset/depth (depth counts from offset), or relative
 *    distance/within from prev_end (the match must end within
 *    prev_end + distance + within); startswith = offset 0, depth len;
 *    endswith = the match ends at the end of the buffer. When a later
 *    relative keyword fails, the content is retried at its next occurrence
 *    (backtracking), within a budget of DETECT_MAX_STEPS;
 *  - a negated content matches when the pattern is absent from its window;
 *  - pcre: PCRE2 (JIT when available) from 0, or from prev_end with R;
 *  - isdataat, byte_test, byte_jump, byte_extract, bsize.
 * Every read is checked against the buffer's length first.
 *
 * Transforms (dotprefix, to_lowercase, ...) are applied by detect.c before
 * the buffer reaches here, with detect_transform() (detect_transform.c).
 *
 * Ownership: no state; match_state belongs to the calling worker. */
#include <ctype.h>
#include <string.h>

#include "detect_internal.h"

static int64_t val(const struct rule_val *v, const struct match_state *ms)
{
    return v->var >= 0 && v->var < RULE_MAX_VARS ? ms->vars[v->var] : v->v;
}

static const uint8_t *find(const uint8_t *h, uint32_t hlen, const uint8_t *n, uint32_t nlen,
                           int nocase)
{
    if (nlen == 0 || nlen > hlen)
        return NULL;
    if (!nocase)
        return memmem(h, hlen, n, nlen);
    uint8_t f = (uint8_t)tolower(n[0]);
    for (uint32_t i = 0; i + nlen <= hlen; i++) {
        if ((uint8_t)tolower(h[i]) != f)
            continue;
        uint32_t k = 1;
        while (k < nlen && tolower(h[i + k]) == tolower(n[k]))
            k++;
        if (k == nlen)
            return h + i;
    }
    return NULL;
}

/* Reads an nbytes number at off: binary (big or little endian) or ASCII in
 * base. Returns 0 and *out, or -1 when out of bounds or not a number. */
static int read_num(const uint8_t *b, uint32_t len, int64_t off, unsigned nbytes, unsigned flags,
                    unsigned base, uint64_t *out)
{
    if (off < 0 || nbytes == 0 || (uint64_t)off + nbytes > len)
        return -1;
    const uint8_t *p = b + off;
    uint64_t v = 0;
    if (flags & BY_STRING) {
        if (nbytes > 20)
            return -1;
        int digits = 0;
        for (unsigned i = 0; i < nbytes; i++) {
            int c = p[i], d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                break;
            if ((unsigned)d >= base)
                break;
            v = v * base + (uint64_t)d;
            digits++;
        }
        if (!digits)
            return -1;
    } else {
        if (nbytes > 8)
            return -1;
        for (unsigned i = 0; i < nbytes; i++) {
            unsigned k = (flags & BY_LITTLE) ? nbytes - 1 - i : i;
            v = v << 8 | p[k];
        }
    }
    *out = v;
    return 0;
}

static int byte_test(const struct rule_match *m, const struct vbuf *b, uint32_t pe,
                     const struct match_state *ms)
{
    int64_t off = val(&m->u.b.offset, ms) + ((m->u.b.flags & BY_RELATIVE) ? pe : 0);
    uint64_t v;
    if (read_num(b->data, b->len, off, m->u.b.nbytes, m->u.b.flags, m->u.b.base, &v) < 0)
        return 0;
    if (m->u.b.flags & BY_BITMASK) {
        v &= m->u.b.bitmask;
        if (m->u.b.bitmask)
            v >>= __builtin_ctzll(m->u.b.bitmask);
    }
    uint64_t x = (uint64_t)val(&m->u.b.value, ms);
    int r;
    switch (m->u.b.op) {
    case BYOP_LT: r = v < x; break;
    case BYOP_GT: r = v > x; break;
    case BYOP_LE: r = v <= x; break;
    case BYOP_GE: r = v >= x; break;
    case BYOP_EQ: r = v == x; break;
    case BYOP_AND: r = (v & x) != 0; break;
    case BYOP_XOR: r = (v ^ x) != 0; break;
    default: r = 0;
    }
    return (m->u.b.flags & BY_NEGATE) ? !r : r;
}

/* byte_jump / byte_extract: the new cursor, or -1. */
static int64_t byte_move(const struct rule_match *m, const struct vbuf *b, uint32_t pe,
                         struct match_state *ms)
{
    int64_t off = val(&m->u.b.offset, ms) + ((m->u.b.flags & BY_RELATIVE) ? pe : 0);
    uint64_t v;
    if (read_num(b->data, b->len, off, m->u.b.nbytes, m->u.b.flags, m->u.b.base, &v) < 0)
        return -1;
    if (m->u.b.flags & BY_BITMASK) {
        v &= m->u.b.bitmask;
        if (m->u.b.bitmask)
            v >>= __builtin_ctzll(m->u.b.bitmask);
    }
    if (m->u.b.multiplier)
        v *= m->u.b.multiplier;
    if (v > (1ULL << 40))
        return -1;
    if (m->type == RM_BYTE_EXTRACT) {
        if ((m->u.b.flags & BY_ALIGN) && (v % 4))
            v += 4 - v % 4;
        if (m->u.b.store >= 0 && m->u.b.store < RULE_MAX_VARS)
            ms->vars[m->u.b.store] = (int64_t)v;
        return off + m->u.b.nbytes;
    }
    int64_t pos = (m->u.b.flags & BY_FROM_BEGIN) ? (int64_t)v :
                  (m->u.b.flags & BY_FROM_END) ? (int64_t)b->len + (int64_t)v :
                  off + m->u.b.nbytes + (int64_t)v;
    if ((m->u.b.flags & BY_ALIGN) && (pos % 4))
        pos += 4 - pos % 4;
    pos += m->u.b.post_offset;
    if (pos < 0 || pos > (int64_t)b->len)
        return -1;
    return pos;
}

/* Matches list[i..] against b with the cursor at pe. */
static int inspect(const struct drule *d, const struct dsec *s, unsigned i, const struct vbuf *b,
                   uint32_t pe, struct match_state *ms, const struct detect_engine *e)
{
    const struct rule *r = d->r;

    for (; i < s->n; i++) {
        const struct rule_match *m = &r->m[s->mi[i]];
        if (++ms->steps > DETECT_MAX_STEPS)
            return 0;
        switch (m->type) {
        case RM_CONTENT: {
            int64_t start, end;
            if (m->flags & M_STARTSWITH) {
                start = 0;
                end = m->u.c.len;
            } else if (m->flags & (M_DISTANCE | M_WITHIN | M_RELATIVE)) {
                int64_t dist = (m->flags & M_DISTANCE) ? val(&m->u.c.distance, ms) : 0;
                start = (int64_t)pe + dist;
                end = (m->flags & M_WITHIN) ? (int64_t)pe + dist + val(&m->u.c.within, ms)
                                            : (int64_t)b->len;
                if (start < 0)
                    start = 0;
            } else {
                start = (m->flags & M_OFFSET) ? val(&m->u.c.offset, ms) : 0;
                end = (m->flags & M_DEPTH) ? start + val(&m->u.c.depth, ms) : (int64_t)b->len;
            }
            if (end > (int64_t)b->len)
                end = b->len;
            int neg = (m->flags & M_NEGATED) != 0;
            int nocase = (m->flags & M_NOCASE) != 0;
            for (;;) {
                const uint8_t *hit = start < end ? find(b->data + start, (uint32_t)(end - start),
                                                        m->u.c.pat, m->u.c.len, nocase) : NULL;
                if (hit && (m->flags & M_ENDSWITH) && hit + m->u.c.len != b->data + b->len) {
                    /* endswith: the last occurrence is the only candidate */
                    const uint8_t *last = b->data + b->len - m->u.c.len;
                    hit = last >= hit && (nocase ? !strncasecmp((const char *)last, (const char *)m->u.c.pat, m->u.c.len)
                                                 : !memcmp(last, m->u.c.pat, m->u.c.len)) ? last : NULL;
                    if (hit && hit + m->u.c.len > b->data + end)
                        hit = NULL;
                }
                if (neg) {
                    if (hit)
                        return 0;
                    break;      /* absent: go on with the same cursor */
                }
                if (!hit)
                    return 0;
                uint32_t npe = (uint32_t)(hit - b->data) + m->u.c.len;
                if (i + 1 == s->n || inspect(d, s, i + 1, b, npe, ms, e))
                    return 1;
                if (++ms->steps > DETECT_MAX_STEPS)
                    return 0;
                start = hit - b->data + 1;      /* backtrack: the next occurrence */
            }
            break;
        }
        case RM_PCRE: {
            pcre2_code *code = d->pcre ? d->pcre[s->mi[i]] : NULL;
            if (!code)
                return 0;
            uint32_t from = m->u.p.anchored_rel ? pe : 0;
            if (from > b->len)
                return 0;
            /* R: the subject starts at the cursor, so ^ anchors there (as Suricata). */
            int rc = pcre2_match(code, b->data + from, b->len - from, 0, 0, ms->md, e->mctx);
            int neg = (m->flags & M_NEGATED) != 0;
            if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && rc != PCRE2_ERROR_PARTIAL)
                return 0;       /* match limit: no match, like Suricata */
            if (neg) {
                if (rc >= 0)
                    return 0;
                break;
            }
            if (rc < 0)
                return 0;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ms->md);
            pe = from + (uint32_t)ov[1];
            break;
        }
        case RM_ISDATAAT: {
            int64_t pos = val(&m->u.d.pos, ms) + ((m->flags & M_RELATIVE) ? pe : 0);
            int ok = pos >= 0 && pos < (int64_t)b->len;
            if ((m->flags & M_NEGATED) ? ok : !ok)
                return 0;
            break;
        }
        case RM_BYTE_TEST:
            if (!byte_test(m, b, pe, ms))
                return 0;
            break;
        case RM_BYTE_JUMP:
        case RM_BYTE_EXTRACT: {
            int64_t npe = byte_move(m, b, pe, ms);
            if (npe < 0)
                return 0;
            pe = (uint32_t)npe;
            break;
        }
        case RM_BSIZE:
            if (!rules_vars_num_match(&m->u.n, b->len))
                return 0;
            break;
        case RM_FILESIZE: {             /* file.size: decimal digits */
            uint64_t v = 0;
            for (uint32_t k = 0; k < b->len && k < 20; k++)
                v = v * 10 + (uint64_t)(b->data[k] - '0');
            if (!rules_vars_num_match(&m->u.n, v))
                return 0;
            break;
        }
        case RM_HASHLIST: {             /* a sorted list: binary search */
            int found = 0;
            if (b->len == m->u.h.len) {
                uint32_t lo = 0, hi = m->u.h.n;
                while (lo < hi && !found) {
                    uint32_t mid = lo + (hi - lo) / 2;
                    int c = memcmp(m->u.h.hex + (size_t)mid * m->u.h.len, b->data, b->len);
                    if (c == 0)
                        found = 1;
                    else if (c < 0)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
            }
            if ((m->flags & M_NEGATED) ? found : !found)
                return 0;
            break;
        }
        default:
            return 0;
        }
    }
    return 1;
}

int detect_match_section(const struct detect_engine *e, const struct drule *d,
                         const struct dsec *s, const struct vbuf *b, struct match_state *ms)
{
    ms->steps = 0;
    return inspect(d, s, 0, b, 0, ms, e);
}
