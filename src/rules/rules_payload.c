/* rules_payload.c - the payload keywords of a rule: content and its
 * modifiers, pcre (compiled once with PCRE2 to refuse what PCRE2 refuses),
 * byte_test/byte_jump/byte_extract, isdataat, bsize, urilen, dsize, and the
 * buffer keywords (sticky buffers, legacy content modifiers, pkt_data) with
 * their transforms.
 *
 * Every payload keyword becomes a struct rule_match in rule order, tagged
 * with the buffer in force (BUF_PACKET until a sticky buffer; the detect
 * stage picks stream or packet from rule->flow) and that buffer's
 * transforms. A modifier applies to the nearest content before it in the
 * rule, whatever its buffer (as Suricata's). Suricata's sanity rules are
 * enforced: depth/within not shorter than the pattern, no absolute with
 * relative positions on one content, no modifier twice, one fast_pattern
 * per rule, no rawbytes or legacy modifier on a sticky buffer, transforms
 * only after a sticky buffer (and then on the whole buffer), bsize not smaller than a content
 * of its buffer, no to-server buffer with a to-client one or flow.
 *
 * Ownership: pattern bytes and regex text belong to the rule. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_internal.h"
#include "taishi/core/util.h"

static struct rule_match *add_match(struct rparse *rp, uint8_t type)
{
    struct rule *r = rp->r;
    if (r->nm == rp->cap_m) {
        rp->cap_m = rp->cap_m ? rp->cap_m * 2 : 8;
        r->m = xreallocarray(r->m, rp->cap_m, sizeof(*r->m));
    }
    struct rule_match *m = &r->m[r->nm++];
    memset(m, 0, sizeof(*m));
    m->type = type;
    m->buf = rp->buf;
    m->ntr = rp->ntr;
    memcpy(m->tr, rp->tr, sizeof(m->tr));
    for (unsigned i = 0; i < rp->ntr; i++)
        if (rp->tr[i] == TR_XOR && rp->xor_len) {     /* at most one xor per buffer */
            m->xor_key = xmalloc(rp->xor_len);
            memcpy(m->xor_key, rp->xor_key, rp->xor_len);
            m->xor_len = rp->xor_len;
            break;
        }
    rp->buf_used = 1;
    return m;
}

struct rule_match *rules_payload_add_match(struct rparse *rp, uint8_t type)
{
    return add_match(rp, type);
}

/* Puts a match on another buffer than the sticky one, without transforms. */
static void set_buf_plain(struct rule_match *m, uint8_t buf)
{
    m->buf = buf;
    m->ntr = 0;
    memset(m->tr, 0, sizeof(m->tr));
    free(m->xor_key);
    m->xor_key = NULL;
    m->xor_len = 0;
}

static struct rule_match *last_content(struct rparse *rp, const char *kw)
{
    if (rp->last_content < 0) {
        rules_util_fail(rp, "%s: no content before it", kw);
        return NULL;
    }
    return &rp->r->m[rp->last_content];
}

static int no_value(struct rparse *rp, const char *name, const char *value)
{
    if (value)
        return rules_util_fail(rp, "%s: takes no value", name);
    return 0;
}

/* "[!]\"...\"" into bytes: |hex| blocks and \" \; \: \\ escapes. */
static int decode_pattern(struct rparse *rp, const char *kw, char *v, uint8_t **out, uint32_t *outlen,
                          int *neg)
{
    *neg = 0;
    while (isspace((unsigned char)*v))
        v++;
    if (*v == '!') {
        *neg = 1;
        v++;
        while (isspace((unsigned char)*v))
            v++;
    }
    size_t n = strlen(v);
    if (n && v[0] == '"') {
        if (n < 2 || v[n - 1] != '"')
            return rules_util_fail(rp, "%s: unterminated quote", kw);
        /* the closing quote must not be escaped: count backslashes before it */
        size_t bs = 0;
        while (n - 2 - bs >= 1 && v[n - 2 - bs] == '\\')
            bs++;
        if (bs % 2)
            return rules_util_fail(rp, "%s: unterminated quote", kw);
        v[n - 1] = 0;
        v++;
        n -= 2;
    }
    uint8_t *p = xmalloc(n + 1);
    uint32_t len = 0;
    int inhex = 0, nib = -1;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)v[i];
        if (inhex) {
            if (c == '|') {
                if (nib >= 0)
                    goto badhex;
                inhex = 0;
            } else if (c == ' ' || c == '\t') {
                if (nib >= 0)
                    goto badhex;
            } else if (util_hexval(c) >= 0) {
                if (nib < 0) {
                    nib = util_hexval(c);
                } else {
                    p[len++] = (uint8_t)(nib << 4 | util_hexval(c));
                    nib = -1;
                }
            } else {
                goto badhex;
            }
        } else if (c == '|') {
            inhex = 1;
        } else if (c == '\\') {
            if (i + 1 >= n) {
                free(p);
                return rules_util_fail(rp, "%s: trailing backslash", kw);
            }
            c = (unsigned char)v[++i];
            if (c != '"' && c != ';' && c != ':' && c != '\\' && c != '|' && c != ',') {
                free(p);
                return rules_util_fail(rp, "%s: invalid escape '\\%c'", kw, isprint(c) ? c : '?');
            }
            p[len++] = (uint8_t)c;
        } else if (c == '"') {
            free(p);
            return rules_util_fail(rp, "%s: unescaped '\"' in pattern", kw);
        } else {
            p[len++] = (uint8_t)c;
        }
    }
    if (inhex) {
        free(p);
        return rules_util_fail(rp, "%s: unterminated hex (missing '|')", kw);
    }
    if (!len) {
        free(p);
        return rules_util_fail(rp, "%s: empty pattern", kw);
    }
    *out = p;
    *outlen = len;
    return 0;
badhex:
    free(p);
    return rules_util_fail(rp, "%s: bad hex in |...|", kw);
}

static int kw_content(struct rparse *rp, const char *name, char *value)
{
    uint8_t *pat = NULL;
    uint32_t len = 0;
    int neg = 0;

    if (rules_util_need_value(rp, name, value) < 0 ||
        decode_pattern(rp, name, value, &pat, &len, &neg) < 0)
        return -1;
    struct rule_match *m = add_match(rp, RM_CONTENT);
    m->u.c.pat = pat;
    m->u.c.len = len;
    m->u.c.offset.var = m->u.c.depth.var = m->u.c.distance.var = m->u.c.within.var = -1;
    if (neg)
        m->flags |= M_NEGATED;
    if (!strcmp(name, "uricontent"))           /* content in http.uri, whatever is sticky */
        set_buf_plain(m, BUF_HTTP_URI);
    rp->last_content = (int)(rp->r->nm - 1);
    return 0;
}

/* A literal integer or the name of a byte_extract variable of this rule. */
static int parse_val_w(struct rparse *rp, const char *kw, const char *s, struct rule_val *v, int wide)
{
    int64_t x;
    uint64_t u;
    v->var = -1;
    v->v = 0;
    if (wide && rules_util_parse_u64(s, &u) == 0) {
        v->v = (int64_t)u;                      /* byte_test compares up to 64 bits */
        return 0;
    }
    if (rules_util_parse_i64(s, &x) == 0) {
        if (x < INT32_MIN || x > INT32_MAX)
            return rules_util_fail(rp, "%s: value %.30s out of range", kw, s);
        v->v = x;
        return 0;
    }
    for (int i = 0; i < rp->r->nvars; i++)
        if (!strcmp(rp->varname[i], s)) {
            v->var = (int8_t)i;
            return 0;
        }
    return rules_util_fail(rp, "%s: bad value '%.40s' (not a number or byte_extract variable)", kw, s);
}

static int parse_val(struct rparse *rp, const char *kw, const char *s, struct rule_val *v)
{
    return parse_val_w(rp, kw, s, v, 0);
}

static int kw_nocase(struct rparse *rp, const char *name, char *value)
{
    struct rule_match *m;
    if (no_value(rp, name, value) < 0 || !(m = last_content(rp, name)))
        return -1;
    if (m->flags & M_NOCASE)
        return rules_util_fail(rp, "nocase: used twice on one content");
    m->flags |= M_NOCASE;
    return 0;
}

static int kw_position(struct rparse *rp, const char *name, char *value)
{
    struct rule_match *m;
    struct rule_val v;
    uint16_t flag;
    struct rule_val *dst;

    if (rules_util_need_value(rp, name, value) < 0 || !(m = last_content(rp, name)) ||
        parse_val(rp, name, value, &v) < 0)
        return -1;
    int absolute = name[0] == 'o' || name[0] == 'd' ? name[1] != 'i' : 0;   /* offset, depth */
    if (!strcmp(name, "offset")) {
        flag = M_OFFSET, dst = &m->u.c.offset;
    } else if (!strcmp(name, "depth")) {
        flag = M_DEPTH, dst = &m->u.c.depth;
    } else if (!strcmp(name, "distance")) {
        flag = M_DISTANCE, dst = &m->u.c.distance;
    } else {
        flag = M_WITHIN, dst = &m->u.c.within;
    }
    if (m->flags & flag)
        return rules_util_fail(rp, "%s: used twice on one content", name);
    if (m->flags & M_STARTSWITH)
        return rules_util_fail(rp, "%s: cannot be combined with startswith", name);
    if (absolute && (m->flags & (M_DISTANCE | M_WITHIN)))
        return rules_util_fail(rp, "%s: cannot mix absolute (offset/depth) and relative "
                               "(distance/within) positions", name);
    if (!absolute && (m->flags & (M_OFFSET | M_DEPTH)))
        return rules_util_fail(rp, "%s: cannot mix absolute (offset/depth) and relative "
                               "(distance/within) positions", name);
    if (v.var < 0) {
        if ((flag == M_OFFSET || flag == M_DEPTH) && v.v < 0)
            return rules_util_fail(rp, "%s: negative value %lld", name, (long long)v.v);
        if ((flag == M_DEPTH || flag == M_WITHIN) && v.v < (int64_t)m->u.c.len)
            return rules_util_fail(rp, "%s: %lld smaller than content length %u", name,
                                   (long long)v.v, m->u.c.len);
    }
    *dst = v;
    m->flags |= flag;
    if (!absolute)
        m->flags |= M_RELATIVE;
    return 0;
}

static int kw_startswith(struct rparse *rp, const char *name, char *value)
{
    struct rule_match *m;
    if (no_value(rp, name, value) < 0 || !(m = last_content(rp, name)))
        return -1;
    if (m->flags & M_STARTSWITH)
        return rules_util_fail(rp, "startswith: used twice on one content");
    if (m->flags & (M_OFFSET | M_DEPTH | M_DISTANCE | M_WITHIN))
        return rules_util_fail(rp, "startswith: cannot be combined with offset/depth/distance/within");
    m->flags |= M_STARTSWITH;
    return 0;
}

static int kw_endswith(struct rparse *rp, const char *name, char *value)
{
    struct rule_match *m;
    if (no_value(rp, name, value) < 0 || !(m = last_content(rp, name)))
        return -1;
    if (m->flags & M_ENDSWITH)
        return rules_util_fail(rp, "endswith: used twice on one content");
    m->flags |= M_ENDSWITH;
    return 0;
}

static int kw_rawbytes(struct rparse *rp, const char *name, char *value)
{
    struct rule_match *m;
    if (no_value(rp, name, value) < 0 || !(m = last_content(rp, name)))
        return -1;
    if (m->buf != BUF_PACKET && !rp->lenient)
        return rules_util_fail(rp, "rawbytes: cannot be used on buffer %s", buffers_name(m->buf));
    m->flags |= M_RAWBYTES;
    return 0;
}

static int kw_fast_pattern(struct rparse *rp, const char *name, char *value)
{
    struct rule_match *m;
    if (!(m = last_content(rp, name)))
        return -1;
    if (rp->fast_pattern_seen)
        return rules_util_fail(rp, "fast_pattern: used on more than one content");
    rp->fast_pattern_seen = 1;
    m->flags |= M_FAST_PATTERN;
    if (!value)
        return 0;
    if (!strcmp(value, "only")) {
        m->flags |= M_FP_ONLY;
        return 0;
    }
    char *comma = strchr(value, ',');
    int64_t o, l;
    if (!comma)
        return rules_util_fail(rp, "fast_pattern: bad value '%.40s'", value);
    *comma = 0;
    if (rules_util_parse_i64(value, &o) < 0 || rules_util_parse_i64(comma + 1, &l) < 0 || o < 0 ||
        l <= 0 || o > 65535 || l > 65535)
        return rules_util_fail(rp, "fast_pattern: bad offset,length");
    if ((uint64_t)o + (uint64_t)l > m->u.c.len)
        return rules_util_fail(rp, "fast_pattern: offset+length %lld beyond content length %u",
                       (long long)(o + l), m->u.c.len);
    m->flags |= M_FP_CHOP;
    m->u.c.fp_off = (uint32_t)o;
    m->u.c.fp_len = (uint32_t)l;
    return 0;
}

/* ---- pcre ---- */

static const struct { char c; uint8_t buf; } pcre_bufs[] = {
    { 'U', BUF_HTTP_URI }, { 'I', BUF_HTTP_URI_RAW }, { 'P', BUF_HTTP_REQUEST_BODY },
    { 'Q', BUF_HTTP_RESPONSE_BODY }, { 'H', BUF_HTTP_HEADER }, { 'D', BUF_HTTP_HEADER_RAW },
    { 'M', BUF_HTTP_METHOD }, { 'C', BUF_HTTP_COOKIE }, { 'S', BUF_HTTP_STAT_CODE },
    { 'Y', BUF_HTTP_STAT_MSG }, { 'V', BUF_HTTP_USER_AGENT }, { 'W', BUF_HTTP_HOST },
    { 'Z', BUF_HTTP_HOST_RAW },
};

static int kw_pcre(struct rparse *rp, const char *name, char *value)
{
    int neg = 0;
    char *v = value;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (*v == '!') {
        neg = 1;
        v = rules_util_trim(v + 1);
    }
    size_t n = strlen(v);
    if (n < 2 || v[0] != '"' || v[n - 1] != '"')
        return rules_util_fail(rp, "pcre: must be a quoted \"/regex/flags\"");
    v[n - 1] = 0;
    v++;
    char *first = strchr(v, '/'), *last = strrchr(v, '/');
    if (!first || first != v || last == first)
        return rules_util_fail(rp, "pcre: must be a quoted \"/regex/flags\"");
    *last = 0;
    const char *re = first + 1, *flags = last + 1;
    uint32_t opts = 0;
    uint16_t mflags = neg ? M_NEGATED : 0;
    int buf = -1, rel = 0;
    for (const char *f = flags; *f; f++) {
        switch (*f) {
        case 'i': opts |= PCRE2_CASELESS; break;
        case 's': opts |= PCRE2_DOTALL; break;
        case 'm': opts |= PCRE2_MULTILINE; break;
        case 'x': opts |= PCRE2_EXTENDED; break;
        case 'A': opts |= PCRE2_ANCHORED; break;
        case 'E': opts |= PCRE2_DOLLAR_ENDONLY; break;
        case 'G': opts |= PCRE2_UNGREEDY; break;
        case 'R': rel = 1; break;
        case 'B': mflags |= M_RAWBYTES; break;
        case 'O': break;                        /* match-limit override */
        default: {
            size_t i;
            for (i = 0; i < ARRAY_SIZE(pcre_bufs); i++)
                if (pcre_bufs[i].c == *f)
                    break;
            if (i == ARRAY_SIZE(pcre_bufs))
                return rules_util_fail(rp, "pcre: unknown modifier '%c'",
                                       isprint((unsigned char)*f) ? *f : '?');
            if (buf >= 0 && buf != pcre_bufs[i].buf)
                return rules_util_fail(rp, "pcre: more than one buffer modifier");
            buf = pcre_bufs[i].buf;
        }
        }
    }
    /* Q is the HTTP response body; ET uses it after both file.data and
     * http.response_body (the same bytes for HTTP), so both are accepted */
    if (buf == BUF_HTTP_RESPONSE_BODY && rp->sticky && rp->buf == BUF_FILE_DATA)
        buf = BUF_FILE_DATA;
    if (buf >= 0 && rp->sticky && buf != rp->buf && !rp->lenient)
        return rules_util_fail(rp, "pcre: buffer modifier '/%s' with another sticky buffer %s",
                               flags, buffers_name(rp->buf));
    if (buf >= 0 && buf == rp->buf)
        buf = -1;                               /* same buffer: the sticky one, transforms kept */
    if ((mflags & M_RAWBYTES) && (rp->sticky || buf >= 0) && !rp->lenient)
        return rules_util_fail(rp, "pcre: B (rawbytes) on a sticky buffer");

    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, strlen(re), opts, &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
            snprintf((char *)msg, sizeof(msg), "error %d", errcode);
        return rules_util_fail(rp, "pcre: %s at offset %zu", (char *)msg, (size_t)erroff);
    }
    pcre2_code_free(code);

    struct rule_match *m = add_match(rp, RM_PCRE);
    if (buf >= 0)
        set_buf_plain(m, (uint8_t)buf);
    m->flags = mflags | (rel ? M_RELATIVE : 0);
    m->u.p.re = xstrdup(re);
    m->u.p.opts = opts;
    m->u.p.anchored_rel = (uint8_t)rel;
    return 0;
}

/* ---- isdataat, byte_* ---- */

#define MAX_ARGS 16

/* Splits at commas, trimming; returns the count, -1 when too many. */
static int split_args(char *v, char **a, int max)
{
    int n = 0;
    for (char *p = v, *item; (item = rules_util_next_item(&p));) {
        if (n == max)
            return -1;
        a[n++] = item;
    }
    return n;
}

static int kw_isdataat(struct rparse *rp, const char *name, char *value)
{
    char *a[MAX_ARGS];
    int n, neg = 0;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if ((n = split_args(value, a, MAX_ARGS)) < 0)
        return rules_util_fail(rp, "isdataat: too many arguments");
    char *pos = a[0];
    if (*pos == '!') {
        neg = 1;
        pos = rules_util_trim(pos + 1);
    }
    struct rule_val v;
    if (parse_val(rp, name, pos, &v) < 0)
        return -1;
    if (v.var < 0 && (v.v < 0 || v.v > 65535))
        return rules_util_fail(rp, "isdataat: position %lld out of range", (long long)v.v);
    uint16_t flags = neg ? M_NEGATED : 0;
    for (int i = 1; i < n; i++) {
        if (!strcmp(a[i], "relative"))
            flags |= M_RELATIVE;
        else if (!strcmp(a[i], "rawbytes"))
            flags |= M_RAWBYTES;
        else
            return rules_util_fail(rp, "isdataat: unknown option '%.30s'", a[i]);
    }
    struct rule_match *m = add_match(rp, RM_ISDATAAT);
    m->flags = flags;
    m->u.d.pos = v;
    return 0;
}

static int parse_base(const char *s)
{
    return !strcmp(s, "hex") ? 16 : !strcmp(s, "dec") ? 10 : !strcmp(s, "oct") ? 8 : 0;
}

/* byte_test, byte_jump and byte_extract share their option words. */
static int kw_byte(struct rparse *rp, const char *name, char *value)
{
    char *a[MAX_ARGS];
    int n, type = !strcmp(name, "byte_test") ? RM_BYTE_TEST
                : !strcmp(name, "byte_jump") ? RM_BYTE_JUMP : RM_BYTE_EXTRACT;
    int64_t nb;
    int min = type == RM_BYTE_TEST ? 4 : type == RM_BYTE_JUMP ? 2 : 3;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if ((n = split_args(value, a, MAX_ARGS)) < 0)
        return rules_util_fail(rp, "%s: too many arguments", name);
    if (n < min)
        return rules_util_fail(rp, "%s: needs at least %d arguments", name, min);
    if (rules_util_parse_i64(a[0], &nb) < 0) {
        if (rp->r->nvars)
            return rules_util_skip(rp, "unsupported %s: number of bytes from a variable", name);
        return rules_util_fail(rp, "%s: bad number of bytes '%.20s'", name, a[0]);
    }
    struct rule_match mm;
    memset(&mm, 0, sizeof(mm));
    mm.u.b.store = -1;
    mm.u.b.offset.var = mm.u.b.value.var = -1;
    int i = 1;
    if (type == RM_BYTE_TEST) {
        char *op = a[1];
        if (*op == '!') {
            mm.u.b.flags |= BY_NEGATE;
            op = rules_util_trim(op + 1);
        }
        if (!strcmp(op, "<")) mm.u.b.op = BYOP_LT;
        else if (!strcmp(op, ">")) mm.u.b.op = BYOP_GT;
        else if (!strcmp(op, "<=")) mm.u.b.op = BYOP_LE;
        else if (!strcmp(op, ">=")) mm.u.b.op = BYOP_GE;
        else if (!strcmp(op, "=") || (!*op && (mm.u.b.flags & BY_NEGATE))) mm.u.b.op = BYOP_EQ;
        else if (!strcmp(op, "&")) mm.u.b.op = BYOP_AND;
        else if (!strcmp(op, "^")) mm.u.b.op = BYOP_XOR;
        else
            return rules_util_fail(rp, "byte_test: bad operator '%.10s'", a[1]);
        if (parse_val_w(rp, name, a[2], &mm.u.b.value, 1) < 0)
            return -1;
        i = 3;
    }
    if (parse_val(rp, name, a[i], &mm.u.b.offset) < 0)
        return -1;
    i++;
    if (type == RM_BYTE_EXTRACT) {
        const char *vn = a[i++];
        if (!*vn || strlen(vn) >= RULE_VARNAME_MAX || isdigit((unsigned char)vn[0]))
            return rules_util_fail(rp, "byte_extract: bad variable name '%.40s'", vn);
        for (int k = 0; k < rp->r->nvars; k++)
            if (!strcmp(rp->varname[k], vn))
                return rules_util_fail(rp, "byte_extract: variable '%s' defined twice", vn);
        if (rp->r->nvars >= RULE_MAX_VARS)
            return rules_util_skip(rp, "unsupported byte_extract: more than %d variables",
                                   RULE_MAX_VARS);
        snprintf(rp->varname[rp->r->nvars], RULE_VARNAME_MAX, "%s", vn);
        mm.u.b.store = (int8_t)rp->r->nvars;
    }
    for (; i < n; i++) {
        char *w = a[i], *sp = w;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        char *arg = *sp ? rules_util_trim(sp + 1) : sp;
        *sp = 0;
        int64_t x;
        if (!strcmp(w, "relative")) mm.u.b.flags |= BY_RELATIVE;
        else if (!strcmp(w, "little")) mm.u.b.flags |= BY_LITTLE;
        else if (!strcmp(w, "big")) mm.u.b.flags &= (uint16_t)~BY_LITTLE;
        else if (!strcmp(w, "dce")) mm.u.b.flags |= BY_DCE;
        else if (!strcmp(w, "string")) {
            mm.u.b.flags |= BY_STRING;
            if (!mm.u.b.base)
                mm.u.b.base = 10;
        } else if (parse_base(w)) {
            mm.u.b.base = (uint8_t)parse_base(w);
        } else if (!strcmp(w, "align") && type != RM_BYTE_TEST) {
            mm.u.b.flags |= BY_ALIGN;
            if (*arg && (rules_util_parse_i64(arg, &x) < 0 || (x != 2 && x != 4)))
                return rules_util_fail(rp, "%s: bad align", name);
        } else if (!strcmp(w, "from_beginning") && type == RM_BYTE_JUMP) {
            mm.u.b.flags |= BY_FROM_BEGIN;
        } else if (!strcmp(w, "from_end") && type == RM_BYTE_JUMP) {
            mm.u.b.flags |= BY_FROM_END;
        } else if (!strcmp(w, "multiplier") && type != RM_BYTE_TEST) {
            if (rules_util_parse_i64(arg, &x) < 0 || x < 1 || x > 65535)
                return rules_util_fail(rp, "%s: bad multiplier", name);
            mm.u.b.multiplier = (uint32_t)x;
        } else if (!strcmp(w, "post_offset") && type == RM_BYTE_JUMP) {
            if (rules_util_parse_i64(arg, &x) < 0 || x < INT32_MIN || x > INT32_MAX)
                return rules_util_fail(rp, "%s: bad post_offset", name);
            mm.u.b.post_offset = (int32_t)x;
        } else if (!strcmp(w, "bitmask")) {
            uint64_t bm;
            char *e;
            const char *h = (arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X')) ? arg + 2 : arg;
            bm = isxdigit((unsigned char)*h) ? strtoull(h, &e, 16) : 0;   /* hex, as Suricata */
            if (!isxdigit((unsigned char)*h) || *e || !bm || bm > UINT32_MAX)
                return rules_util_fail(rp, "%s: bad bitmask", name);
            mm.u.b.flags |= BY_BITMASK;
            mm.u.b.bitmask = bm;
        } else {
            return rules_util_fail(rp, "%s: unknown option '%.30s'", name, w);
        }
    }
    if (mm.u.b.base && !(mm.u.b.flags & BY_STRING))
        return rules_util_fail(rp, "%s: base given without 'string'", name);
    if ((mm.u.b.flags & BY_FROM_BEGIN) && (mm.u.b.flags & BY_FROM_END))
        return rules_util_fail(rp, "byte_jump: from_beginning and from_end together");
    if (mm.u.b.flags & BY_STRING) {
        /* 0: Suricata reads the digits there are (ET ships such rules) */
        if (nb < 0 || nb > 10 || (nb == 0 && type != RM_BYTE_TEST))
            return rules_util_fail(rp, "%s: %lld bytes (string: 1 to 10, byte_test also 0)", name,
                                   (long long)nb);
    } else if (nb < 1 || nb > 8) {
        return rules_util_fail(rp, "%s: %lld bytes (binary: 1 to 8)", name, (long long)nb);
    }
    if ((mm.u.b.flags & BY_DCE) && !rp->lenient)
        return rules_util_skip(rp, "unsupported %s option 'dce'", name);
    if (type == RM_BYTE_EXTRACT)
        rp->r->nvars++;
    struct rule_match *m = add_match(rp, (uint8_t)type);
    mm.type = m->type;
    mm.buf = m->buf;
    mm.ntr = m->ntr;
    memcpy(mm.tr, m->tr, sizeof(mm.tr));
    mm.xor_key = m->xor_key;
    mm.xor_len = m->xor_len;
    mm.u.b.nbytes = (uint8_t)nb;
    if (mm.u.b.flags & BY_RELATIVE)
        mm.flags |= M_RELATIVE;
    *m = mm;
    return 0;
}

/* ---- sizes ---- */

static int kw_bsize(struct rparse *rp, const char *name, char *value)
{
    struct rule_num num;
    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (rules_util_parse_num(value, &num, UINT32_MAX) < 0)
        return rules_util_fail(rp, "bsize: bad value '%.40s'", value);
    if (!rp->sticky && !rp->lenient)
        return rules_util_fail(rp, "bsize: needs a sticky buffer before it");
    struct rule_match *m = add_match(rp, RM_BSIZE);
    m->u.n = num;
    return 0;
}

static int kw_urilen(struct rparse *rp, const char *name, char *value)
{
    struct rule_num num;
    char *comma;
    int raw = 0;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if ((comma = strchr(value, ','))) {
        *comma = 0;
        char *w = rules_util_trim(comma + 1);
        if (!strcmp(w, "raw"))
            raw = 1;
        else if (strcmp(w, "norm"))
            return rules_util_fail(rp, "urilen: bad option '%.20s' (raw or norm)", w);
    }
    if (rules_util_parse_num(value, &num, 65535) < 0)
        return rules_util_fail(rp, "urilen: bad value '%.40s'", value);
    uint8_t used = rp->buf_used;                /* not a match on the sticky buffer */
    struct rule_match *m = add_match(rp, RM_BSIZE);
    rp->buf_used = used;
    set_buf_plain(m, raw ? BUF_HTTP_URI_RAW : BUF_HTTP_URI);
    m->u.n = num;
    return 0;
}

static int kw_dsize(struct rparse *rp, const char *name, char *value)
{
    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (rp->r->has & RH_DSIZE)
        return rules_util_fail(rp, "dsize: used twice");
    if (rules_util_parse_num(value, &rp->r->dsize, 65535) < 0)
        return rules_util_fail(rp, "dsize: bad value '%.40s'", value);
    rp->r->has |= RH_DSIZE;
    return 0;
}

static const struct { const char *name; rules_kw_fn fn; } payload_kw[] = {
    { "content", kw_content }, { "uricontent", kw_content }, { "nocase", kw_nocase },
    { "offset", kw_position }, { "depth", kw_position }, { "distance", kw_position },
    { "within", kw_position }, { "startswith", kw_startswith }, { "endswith", kw_endswith },
    { "rawbytes", kw_rawbytes }, { "fast_pattern", kw_fast_pattern }, { "pcre", kw_pcre },
    { "isdataat", kw_isdataat }, { "byte_test", kw_byte }, { "byte_jump", kw_byte },
    { "byte_extract", kw_byte }, { "bsize", kw_bsize }, { "urilen", kw_urilen },
    { "dsize", kw_dsize },
};

rules_kw_fn rules_payload_lookup(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(payload_kw); i++)
        if (!strcmp(payload_kw[i].name, name))
            return payload_kw[i].fn;
    return NULL;
}

/* ---- buffers and transforms ---- */

static int app_compatible(uint8_t rule_app, uint8_t buf_app, uint16_t buf)
{
    if (!rule_app || !buf_app || rule_app == buf_app)
        return 1;
    if (rule_app == RAPP_QUIC && buf_app == RAPP_TLS)   /* as Suricata: JA3/JA4 also on QUIC */
        return buf == BUF_JA3_HASH || buf == BUF_JA3_STRING || buf == BUF_JA3S_HASH ||
               buf == BUF_JA3S_STRING || buf == BUF_JA4_HASH;
    return (rule_app == RAPP_HTTP2 && buf_app == RAPP_HTTP) ||
           (rule_app == RAPP_SMB && buf_app == RAPP_DCERPC);   /* DCE/RPC on SMB pipes */
}

static int xor_key_parse(struct rparse *rp, char *value)
{
    if (!value || rules_util_unquote(value) < 0)
        return rules_util_fail(rp, "xor: needs a quoted hex key");
    size_t n = strlen(value);
    if (!n || n % 2)
        return rules_util_fail(rp, "xor: key must be an even number of hex digits");
    if (n / 2 > sizeof(rp->xor_key))
        return rules_util_skip(rp, "unsupported xor key longer than %zu bytes", sizeof(rp->xor_key));
    for (size_t i = 0; i < n; i += 2) {
        int h = util_hexval((unsigned char)value[i]), l = util_hexval((unsigned char)value[i + 1]);
        if (h < 0 || l < 0)
            return rules_util_fail(rp, "xor: key must be hex digits");
        rp->xor_key[i / 2] = (uint8_t)(h << 4 | l);
    }
    rp->xor_len = (uint8_t)(n / 2);
    return 0;
}

int rules_payload_buffer_kw(struct rparse *rp, const char *name, char *value)
{
    struct sticky_kw kw;
    const struct sticky_kw *k = rules_buffers_sticky_lookup(name, &kw) ? &kw : NULL;
    struct rule *r = rp->r;

    if (k) {
        if (no_value(rp, name, value) < 0)
            return 1;
        if (rp->sticky && !rp->buf_used && k->kind != SK_MODIFIER && !rp->lenient) {
            rules_util_fail(rp, "%s: sticky buffer %s has no match after it", name, buffers_name(rp->buf));
            return 1;
        }
        if (k->kind == SK_PKT_DATA) {
            rp->buf = BUF_PACKET;
            rp->sticky = 0;
            rp->ntr = 0;
            rp->xor_len = 0;
            rp->buf_used = 0;
            return 1;
        }
        uint8_t app = r->app;
        if (r->proto == RP_APP && !app_compatible(app, k->app, k->buf) && !rp->lenient) {
            rules_util_fail(rp, "%s: a %s buffer in a %s rule", name, rules_app_name(k->app),
                            rules_app_name(app));
            return 1;
        }
        if (k->kind == SK_STICKY) {
            rp->block_start = rp->r->nm;
            rp->buf = k->buf;
            rp->sticky = 1;
            rp->ntr = 0;
            rp->xor_len = 0;
            rp->buf_used = 0;
            return 1;
        }
        /* legacy modifier: moves the content before it */
        struct rule_match *m = last_content(rp, name);
        if (!m)
            return 1;
        if (rp->lenient)
            return 1;
        if (rp->sticky)
            rules_util_fail(rp, "%s: content modifier used after sticky buffer %s", name,
                            buffers_name(rp->buf));
        else if (m->buf != BUF_PACKET)
            rules_util_fail(rp, "%s: content already in buffer %s", name, buffers_name(m->buf));
        else if (m->flags & M_RAWBYTES)
            rules_util_fail(rp, "%s: cannot be combined with rawbytes", name);
        else
            m->buf = k->buf;
        return 1;
    }
    int tr = rules_buffers_transform_lookup(name);
    if (tr == TR_NONE)
        return 0;
    if (rp->lenient)
        return 1;
    if (tr == TR_XOR) {
        if (memchr(rp->tr, TR_XOR, rp->ntr)) {
            rules_util_skip(rp, "unsupported: two xor transforms on one buffer");
            return 1;
        }
        if (xor_key_parse(rp, value) < 0)
            return 1;
    } else if (no_value(rp, name, value) < 0) {
        return 1;
    }
    if (!rp->sticky)
        rules_util_fail(rp, "%s: transform without a sticky buffer", name);
    else if (rp->ntr >= RULE_MAX_TRANSFORMS)
        rules_util_skip(rp, "unsupported: more than %d transforms on a buffer", RULE_MAX_TRANSFORMS);
    else {
        /* Suricata applies a buffer's transforms to the whole buffer, also
         * to matches written before the transform keyword */
        rp->tr[rp->ntr++] = (uint8_t)tr;
        for (uint32_t i = rp->block_start; i < rp->r->nm; i++) {
            struct rule_match *m = &rp->r->m[i];
            if (m->buf != rp->buf || m->ntr >= RULE_MAX_TRANSFORMS)
                continue;
            m->tr[m->ntr++] = (uint8_t)tr;
            if (tr == TR_XOR && !m->xor_key) {
                m->xor_key = xmalloc(rp->xor_len);
                memcpy(m->xor_key, rp->xor_key, rp->xor_len);
                m->xor_len = rp->xor_len;
            }
        }
    }
    return 1;
}

/* Largest buffer size a bsize allows. */
static uint64_t bsize_max(const struct rule_num *n)
{
    switch (n->op) {
    case CMP_EQ: case CMP_LE: return n->lo;
    case CMP_LT: return n->lo ? n->lo - 1 : 0;
    case CMP_RANGE: return n->hi - 1;
    default: return UINT64_MAX;
    }
}

void rules_payload_finish(struct rparse *rp)
{
    struct rule *r = rp->r;
    int to_server = -1, to_client = -1;

    /* as Suricata: "rule N setup buffer X but didn't add matches to it" */
    if (rp->sticky && !rp->buf_used && !rp->lenient) {
        rules_util_fail(rp, "sticky buffer %s has no match after it", buffers_name(rp->buf));
        return;
    }

    for (uint32_t i = 0; i < r->nm; i++) {
        const struct rule_match *m = &r->m[i];
        if (m->type == RM_CONTENT && (m->flags & M_FAST_PATTERN) && (m->flags & M_NEGATED) &&
            (m->flags & (M_OFFSET | M_DEPTH | M_DISTANCE | M_WITHIN)) && (m->flags & M_FP_ONLY)) {
            rules_util_fail(rp, "fast_pattern:only on a negated content with a position");
            return;
        }
        if (m->type == RM_CONTENT && (m->flags & M_FP_ONLY) &&
            (m->flags & (M_OFFSET | M_DEPTH | M_DISTANCE | M_WITHIN))) {
            rules_util_fail(rp, "fast_pattern:only on a content with offset/depth/distance/within");
            return;
        }
        if (m->type == RM_BSIZE && !rp->lenient) {
            uint64_t max = bsize_max(&m->u.n);
            for (uint32_t j = 0; j < r->nm; j++) {
                const struct rule_match *c = &r->m[j];
                if (c->type == RM_CONTENT && c->buf == m->buf && !(c->flags & M_NEGATED) &&
                    c->ntr == 0 && m->ntr == 0 && c->u.c.len > max) {
                    rules_util_fail(rp, "bsize: content of length %u can never fit in %s of at "
                                    "most %llu bytes", c->u.c.len, buffers_name(m->buf),
                                    (unsigned long long)max);
                    return;
                }
            }
        }
        enum buf_dir d = buffers_direction(m->buf);
        if (d == BUF_DIR_TOSERVER && to_server < 0)
            to_server = (int)i;
        if (d == BUF_DIR_TOCLIENT && to_client < 0)
            to_client = (int)i;
    }
    if (rp->lenient)
        return;
    if (to_server >= 0 && to_client >= 0)
        rules_util_fail(rp, "rule mixes to-server buffer %s and to-client buffer %s",
                        buffers_name(r->m[to_server].buf), buffers_name(r->m[to_client].buf));
    else if (to_client >= 0 && (r->flow & RF_TO_SERVER))
        rules_util_fail(rp, "buffer %s is to-client but rule is to_server",
                        buffers_name(r->m[to_client].buf));
    else if (to_server >= 0 && (r->flow & RF_TO_CLIENT))
        rules_util_fail(rp, "buffer %s is to-server but rule is to_client",
                        buffers_name(r->m[to_server].buf));
}
