/* rules_vars.c - address and port variables ($HOME_NET, $HTTP_PORTS), the
 * address and port expressions of rule headers, and the matchers the detect
 * stage calls on them (and on the numeric comparisons, rules_vars_num_match).
 *
 * An expression is evaluated as a set, exactly: each address family (and
 * the port space) is a sorted list of disjoint closed intervals, so nesting
 * and negation of any depth is plain set algebra:
 *   - `[a, b, !c, !d]` is (a | b, or when no item is positive everything
 *     in the address families c and d name) minus (c | d), Suricata's
 *     reading of a list;
 *   - `!x` is the complement of x within the families x names (`!any` is
 *     refused, as Suricata does): `!$HOME_NET` (IPv4) holds no IPv6 address;
 *   - `$VAR` is the variable's own expression, evaluated where it is used
 *     (so setting HOME_NET also moves EXTERNAL_NET = !$HOME_NET).
 * The result is flattened into struct rule_addrs / rule_ports: the set as
 * positive prefixes/ranges, or - when that is shorter - its complement as
 * negated entries (EXTERNAL_NET becomes three negated prefixes, not 30
 * positive ones). The whole space becomes `any`; an empty set is an error.
 *
 * Defaults: the address-groups and port-groups of Suricata 7's shipped
 * suricata.yaml. Ownership: rule_vars owns its strings; the flattened
 * arrays belong to the rule that gets them. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"
#include "taishi/core/util.h"

typedef unsigned __int128 u128;

struct rule_vars {
    struct rvar { char *name, *value; uint8_t is_port; } *v;
    uint32_t n;
};

/* ---- interval sets ---- */

struct ivl { u128 lo, hi; };
struct iset { struct ivl *v; uint32_t n, cap; };
struct aset { struct iset s4, s6; };     /* IPv4 as 0..2^32-1, IPv6 as 0..2^128-1 */

#define V4_MAX ((u128)0xffffffffu)
#define V6_MAX (~(u128)0)
#define PORT_MAX ((u128)65535)
#define EXPR_MAX_DEPTH 16
#define EXPR_MAX_ITEMS 100000

static void iset_free(struct iset *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static void iset_push(struct iset *s, u128 lo, u128 hi)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
    }
    s->v[s->n].lo = lo;
    s->v[s->n].hi = hi;
    s->n++;
}

static int ivl_cmp(const void *a, const void *b)
{
    const struct ivl *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts and merges overlapping or adjacent intervals. */
static void iset_normalize(struct iset *s)
{
    if (s->n < 2)
        return;
    qsort(s->v, s->n, sizeof(*s->v), ivl_cmp);
    uint32_t o = 0;
    for (uint32_t i = 1; i < s->n; i++) {
        struct ivl *last = &s->v[o];
        if (s->v[i].lo <= last->hi || (last->hi != V6_MAX && s->v[i].lo == last->hi + 1)) {
            if (s->v[i].hi > last->hi)
                last->hi = s->v[i].hi;
        } else {
            s->v[++o] = s->v[i];
        }
    }
    s->n = o + 1;
}

/* Appends without normalizing (callers normalize once at the end). */
static void iset_append(struct iset *dst, const struct iset *src)
{
    for (uint32_t i = 0; i < src->n; i++)
        iset_push(dst, src->v[i].lo, src->v[i].hi);
}

/* Complement of a normalized set within 0..max. */
static struct iset iset_complement(const struct iset *s, u128 max)
{
    struct iset c = {0};
    u128 next = 0;
    int done = 0;
    for (uint32_t i = 0; i < s->n && !done; i++) {
        if (s->v[i].lo > next)
            iset_push(&c, next, s->v[i].lo - 1);
        if (s->v[i].hi >= max)
            done = 1;
        else
            next = s->v[i].hi + 1;
    }
    if (!done)
        iset_push(&c, next, max);
    return c;
}

/* a minus b (both normalized), into a. */
static void iset_subtract(struct iset *a, const struct iset *b, u128 max)
{
    if (!b->n || !a->n)
        return;
    struct iset nb = iset_complement(b, max), r = {0};
    uint32_t i = 0, j = 0;
    while (i < a->n && j < nb.n) {
        u128 lo = a->v[i].lo > nb.v[j].lo ? a->v[i].lo : nb.v[j].lo;
        u128 hi = a->v[i].hi < nb.v[j].hi ? a->v[i].hi : nb.v[j].hi;
        if (lo <= hi)
            iset_push(&r, lo, hi);
        if (a->v[i].hi < nb.v[j].hi)
            i++;
        else
            j++;
    }
    iset_free(&nb);
    iset_free(a);
    *a = r;
}

static int iset_full(const struct iset *s, u128 max)
{
    return s->n == 1 && s->v[0].lo == 0 && s->v[0].hi == max;
}

static void aset_free(struct aset *a)
{
    iset_free(&a->s4);
    iset_free(&a->s6);
}

static void aset_all(struct aset *a)
{
    iset_push(&a->s4, 0, V4_MAX);
    iset_push(&a->s6, 0, V6_MAX);
}

/* ---- the expression reader (shared by addresses and ports) ---- */

struct expr {
    const struct rule_vars *vars;
    int is_port;
    char *err;
    size_t errlen;
    int failed;
    unsigned items;
};

static int expr_fail(struct expr *e, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int expr_fail(struct expr *e, const char *fmt, ...)
{
    if (!e->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->err, e->errlen, fmt, ap);
        va_end(ap);
        e->failed = 1;
    }
    return -1;
}

static const char *var_get(const struct rule_vars *v, int is_port, const char *name, size_t len)
{
    for (uint32_t i = 0; v && i < v->n; i++)
        if (v->v[i].is_port == is_port && strlen(v->v[i].name) == len &&
            !memcmp(v->v[i].name, name, len))
            return v->v[i].value;
    return NULL;
}

/* A set is one struct aset for addresses; ports use s4 only (0..65535). */
static int parse_item(struct expr *e, const char **pp, int depth, struct aset *out, int *neg);

static int parse_value_str(struct expr *e, const char *s, int depth, struct aset *out)
{
    const char *p = s;
    int neg = 0;
    struct aset tmp = {0};

    if (parse_item(e, &p, depth, &tmp, &neg) < 0) {
        aset_free(&tmp);
        return -1;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p) {
        aset_free(&tmp);
        return expr_fail(e, "unexpected '%.20s' in %s '%.60s'", p, e->is_port ? "ports" : "addresses", s);
    }
    if (neg) {
        struct aset all = {0};
        if (e->is_port) {
            iset_push(&all.s4, 0, PORT_MAX);
            iset_subtract(&all.s4, &tmp.s4, PORT_MAX);
        } else {
            /* as Suricata's: the complement within the families x names
             * (!$HOME_NET, IPv4 only, holds no IPv6 address) */
            if (tmp.s4.n)
                iset_push(&all.s4, 0, V4_MAX);
            if (tmp.s6.n)
                iset_push(&all.s6, 0, V6_MAX);
            iset_subtract(&all.s4, &tmp.s4, V4_MAX);
            iset_subtract(&all.s6, &tmp.s6, V6_MAX);
        }
        aset_free(&tmp);
        tmp = all;
    }
    *out = tmp;
    return 0;
}

static int parse_addr_token(struct expr *e, const char *tok, struct aset *out)
{
    char a[64], b[64];
    const char *slash = strchr(tok, '/'), *dash = strchr(tok, '-');
    uint8_t x[16], y[16];

    if (strlen(tok) >= sizeof(a))
        return expr_fail(e, "bad address '%.60s'", tok);
    if (dash && !slash) {                       /* range a-b */
        size_t la = (size_t)(dash - tok);
        memcpy(a, tok, la);
        a[la] = 0;
        snprintf(b, sizeof(b), "%s", dash + 1);
        int v4 = inet_pton(AF_INET, a, x) == 1 && inet_pton(AF_INET, b, y) == 1;
        int v6 = !v4 && inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1;
        if (!v4 && !v6)
            return expr_fail(e, "bad address range '%.60s'", tok);
        u128 lo = 0, hi = 0;
        for (int i = 0; i < (v4 ? 4 : 16); i++) {
            lo = lo << 8 | x[i];
            hi = hi << 8 | y[i];
        }
        if (lo > hi)
            return expr_fail(e, "address range '%.60s' ends before it starts", tok);
        iset_push(v4 ? &out->s4 : &out->s6, lo, hi);
        return 0;
    }
    size_t la = slash ? (size_t)(slash - tok) : strlen(tok);
    memcpy(a, tok, la);
    a[la] = 0;
    int ver = inet_pton(AF_INET, a, x) == 1 ? 4 : inet_pton(AF_INET6, a, x) == 1 ? 6 : 0;
    if (!ver)
        return expr_fail(e, "bad address '%.60s'", tok);
    int bits = ver == 4 ? 32 : 128, prefix = bits;
    if (slash) {
        const char *m = slash + 1;
        uint8_t mask[4];
        if (ver == 4 && strchr(m, '.') && inet_pton(AF_INET, m, mask) == 1) {
            uint32_t mv = rd32(mask);
            prefix = 0;
            while (prefix < 32 && (mv & (0x80000000u >> prefix)))
                prefix++;
            if (prefix < 32 && (mv << prefix))
                return expr_fail(e, "bad netmask in '%.60s'", tok);
        } else {
            char *end;
            if (!isdigit((unsigned char)*m))
                return expr_fail(e, "bad prefix length in '%.60s'", tok);
            long pl = strtol(m, &end, 10);
            if (*end || pl < 0 || pl > bits)
                return expr_fail(e, "bad prefix length in '%.60s'", tok);
            prefix = (int)pl;
        }
    }
    u128 lo = 0;
    for (int i = 0; i < bits / 8; i++)
        lo = lo << 8 | x[i];
    u128 span = prefix == 0 ? (ver == 4 ? V4_MAX : V6_MAX)
                            : (((u128)1 << (bits - prefix)) - 1);
    lo &= ~span;
    if (ver == 4)
        lo &= V4_MAX;
    iset_push(ver == 4 ? &out->s4 : &out->s6, lo, lo + span);
    return 0;
}

static int parse_port_token(struct expr *e, const char *tok, struct aset *out)
{
    const char *colon = strchr(tok, ':');
    uint64_t lo = 0, hi = 65535;
    char a[16];

    if (colon) {
        size_t la = (size_t)(colon - tok);
        if (la >= sizeof(a))
            return expr_fail(e, "bad port '%.60s'", tok);
        memcpy(a, tok, la);
        a[la] = 0;
        if ((la && (util_parse_u64(a, &lo) < 0 || !isdigit((unsigned char)a[0]))) ||
            (colon[1] && (util_parse_u64(colon + 1, &hi) < 0 || !isdigit((unsigned char)colon[1]))))
            return expr_fail(e, "bad port range '%.60s'", tok);
        if (!la && !colon[1])
            return expr_fail(e, "bad port range '%.60s'", tok);
    } else {
        if (!isdigit((unsigned char)tok[0]) || util_parse_u64(tok, &lo) < 0)
            return expr_fail(e, "bad port '%.60s'", tok);
        hi = lo;
    }
    if (lo > 65535 || hi > 65535)
        return expr_fail(e, "port out of range in '%.60s'", tok);
    if (lo > hi)
        return expr_fail(e, "port range '%.60s' ends before it starts", tok);
    iset_push(&out->s4, lo, hi);
    return 0;
}

/* One item: negations, then a list, a variable, `any` or a token. */
static int parse_item(struct expr *e, const char **pp, int depth, struct aset *out, int *neg)
{
    const char *p = *pp;

    if (depth > EXPR_MAX_DEPTH)
        return expr_fail(e, "%s nested too deeply (or a variable loop)", e->is_port ? "ports" : "addresses");
    if (++e->items > EXPR_MAX_ITEMS)
        return expr_fail(e, "too many items in %s", e->is_port ? "ports" : "addresses");
    *neg = 0;
    while (isspace((unsigned char)*p))
        p++;
    while (*p == '!') {
        *neg ^= 1;
        p++;
        while (isspace((unsigned char)*p))
            p++;
    }
    int negated_any = 0;
    if (*p == '[') {
        struct aset pos = {0}, negs = {0};
        int havepos = 0;
        p++;
        for (;;) {
            struct aset it = {0};
            int ineg;
            while (isspace((unsigned char)*p))
                p++;
            if (*p == ']' && !havepos && !negs.s4.n && !negs.s6.n) {
                aset_free(&pos);
                return expr_fail(e, "empty list in %s", e->is_port ? "ports" : "addresses");
            }
            if (parse_item(e, &p, depth + 1, &it, &ineg) < 0) {
                aset_free(&it);
                aset_free(&pos);
                aset_free(&negs);
                return -1;
            }
            struct aset *dst = ineg ? &negs : &pos;
            havepos |= !ineg;
            iset_append(&dst->s4, &it.s4);
            iset_append(&dst->s6, &it.s6);
            aset_free(&it);
            while (isspace((unsigned char)*p))
                p++;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == ']') {
                p++;
                break;
            }
            aset_free(&pos);
            aset_free(&negs);
            return expr_fail(e, "unterminated list in %s", e->is_port ? "ports" : "addresses");
        }
        iset_normalize(&pos.s4);
        iset_normalize(&pos.s6);
        iset_normalize(&negs.s4);
        iset_normalize(&negs.s6);
        if (!havepos) {             /* everything, in the families the negations name */
            if (e->is_port)
                iset_push(&pos.s4, 0, PORT_MAX);
            else {
                if (negs.s4.n)
                    iset_push(&pos.s4, 0, V4_MAX);
                if (negs.s6.n)
                    iset_push(&pos.s6, 0, V6_MAX);
            }
        }
        iset_subtract(&pos.s4, &negs.s4, e->is_port ? PORT_MAX : V4_MAX);
        iset_subtract(&pos.s6, &negs.s6, V6_MAX);
        aset_free(&negs);
        *out = pos;
    } else if (*p == '$') {
        const char *n = ++p;
        while (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
            p++;
        const char *val = var_get(e->vars, e->is_port, n, (size_t)(p - n));
        if (!val)
            return expr_fail(e, "unknown variable $%.*s", (int)(p - n > 64 ? 64 : p - n), n);
        if (parse_value_str(e, val, depth + 1, out) < 0)
            return -1;
    } else {
        char tok[128];
        size_t l = 0;
        while (*p && *p != ',' && *p != ']' && *p != '[' && !isspace((unsigned char)*p)) {
            if (l + 1 >= sizeof(tok))
                return expr_fail(e, "%s item too long", e->is_port ? "port" : "address");
            tok[l++] = *p++;
        }
        tok[l] = 0;
        if (!l)
            return expr_fail(e, "missing %s", e->is_port ? "port" : "address");
        if (!strcasecmp(tok, "any")) {
            if (e->is_port)
                iset_push(&out->s4, 0, PORT_MAX);
            else
                aset_all(out);
            negated_any = *neg;
        } else if (e->is_port ? parse_port_token(e, tok, out) < 0 : parse_addr_token(e, tok, out) < 0) {
            return -1;
        }
    }
    iset_normalize(&out->s4);
    iset_normalize(&out->s6);
    if (negated_any || (*neg && (e->is_port ? iset_full(&out->s4, PORT_MAX)
                                           : iset_full(&out->s4, V4_MAX) && iset_full(&out->s6, V6_MAX))))
        return expr_fail(e, "%s: negating 'any' matches nothing", e->is_port ? "ports" : "addresses");
    *pp = p;
    return 0;
}

/* ---- flattening ---- */

static unsigned ctz128(u128 x, unsigned bits)
{
    unsigned n = 0;
    if (!x)
        return bits;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
}

/* Emits (or only counts, out NULL) the prefixes covering [lo, hi]. */
static uint32_t range_cidrs(u128 lo, u128 hi, int ver, uint8_t neg, struct rule_cidr *out)
{
    unsigned bits = ver == 4 ? 32 : 128;
    uint32_t n = 0;
    for (;;) {
        unsigned k = ctz128(lo, bits);
        if (k > bits)
            k = bits;
        /* shrink k until the block fits */
        while (k > 0) {
            u128 span = k >= 128 ? V6_MAX : (((u128)1 << k) - 1);
            if (span <= hi - lo)
                break;
            k--;
        }
        if (out) {
            struct rule_cidr *c = &out[n];
            memset(c, 0, sizeof(*c));
            c->ver = (uint8_t)ver;
            c->prefix = (uint8_t)(bits - k);
            c->neg = neg;
            for (unsigned i = 0; i < bits / 8; i++)
                c->addr[bits / 8 - 1 - i] = (uint8_t)(lo >> (8 * i));
        }
        n++;
        u128 span = k >= 128 ? V6_MAX : (((u128)1 << k) - 1);
        if (hi - lo == span)
            break;
        lo += span + 1;
    }
    return n;
}

static uint32_t aset_cidrs(const struct aset *a, uint8_t neg, struct rule_cidr *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < a->s4.n; i++)
        n += range_cidrs(a->s4.v[i].lo, a->s4.v[i].hi, 4, neg, out ? out + n : NULL);
    for (uint32_t i = 0; i < a->s6.n; i++)
        n += range_cidrs(a->s6.v[i].lo, a->s6.v[i].hi, 6, neg, out ? out + n : NULL);
    return n;
}

int rules_vars_addrs_parse(const struct rule_vars *v, const char *s, struct rule_addrs *out,
                           char *err, size_t errlen)
{
    struct expr e = { .vars = v, .is_port = 0, .err = err, .errlen = errlen };
    struct aset set = {0};

    memset(out, 0, sizeof(*out));
    if (parse_value_str(&e, s, 0, &set) < 0) {
        aset_free(&set);
        return -1;
    }
    if (!set.s4.n && !set.s6.n) {
        aset_free(&set);
        return expr_fail(&e, "address '%.60s' matches nothing", s);
    }
    if (iset_full(&set.s4, V4_MAX) && iset_full(&set.s6, V6_MAX)) {
        out->any = 1;
        aset_free(&set);
        return 0;
    }
    struct aset comp = { iset_complement(&set.s4, V4_MAX), iset_complement(&set.s6, V6_MAX) };
    uint32_t np = aset_cidrs(&set, 0, NULL), nn = aset_cidrs(&comp, 1, NULL);
    const struct aset *use = nn < np ? &comp : &set;
    uint32_t n = nn < np ? nn : np;
    out->v = xcalloc(n, sizeof(*out->v));
    out->n = aset_cidrs(use, use == &comp, out->v);
    aset_free(&set);
    aset_free(&comp);
    return 0;
}

int rules_vars_ports_parse(const struct rule_vars *v, const char *s, struct rule_ports *out,
                           char *err, size_t errlen)
{
    struct expr e = { .vars = v, .is_port = 1, .err = err, .errlen = errlen };
    struct aset set = {0};

    memset(out, 0, sizeof(*out));
    if (parse_value_str(&e, s, 0, &set) < 0) {
        aset_free(&set);
        return -1;
    }
    if (!set.s4.n) {
        aset_free(&set);
        return expr_fail(&e, "port '%.60s' matches nothing", s);
    }
    if (iset_full(&set.s4, PORT_MAX)) {
        out->any = 1;
        aset_free(&set);
        return 0;
    }
    struct iset comp = iset_complement(&set.s4, PORT_MAX);
    int useneg = comp.n < set.s4.n;
    const struct iset *use = useneg ? &comp : &set.s4;
    out->v = xcalloc(use->n, sizeof(*out->v));
    out->n = use->n;
    for (uint32_t i = 0; i < use->n; i++) {
        out->v[i].lo = (uint16_t)use->v[i].lo;
        out->v[i].hi = (uint16_t)use->v[i].hi;
        out->v[i].neg = (uint8_t)useneg;
    }
    iset_free(&comp);
    aset_free(&set);
    return 0;
}

/* ---- matchers (called by the detect stage) ---- */

static int cidr_has(const struct rule_cidr *c, const uint8_t *addr)
{
    unsigned full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->addr, addr, full))
        return 0;
    if (rest) {
        uint8_t m = (uint8_t)(0xff << (8 - rest));
        if ((c->addr[full] & m) != (addr[full] & m))
            return 0;
    }
    return 1;
}

int rules_vars_addrs_match(const struct rule_addrs *a, const uint8_t *addr, int ver)
{
    uint32_t npos = 0;
    int pos = 0;

    if (a->any)
        return 1;
    for (uint32_t i = 0; i < a->n; i++) {
        const struct rule_cidr *c = &a->v[i];
        if (!c->neg)
            npos++;
        if (c->ver != ver || !cidr_has(c, addr))
            continue;
        if (c->neg)
            return 0;
        pos = 1;
    }
    return npos == 0 || pos;
}

/* An address of a family as a number (big-endian bytes). */
static u128 addr_num(const uint8_t *addr, int ver)
{
    u128 v = 0;
    for (int i = 0; i < (ver == 4 ? 4 : 16); i++)
        v = v << 8 | addr[i];
    return v;
}

void rules_vars_addrs_compile(const struct rule_addrs *a, struct rule_aranges *out)
{
    memset(out, 0, sizeof(*out));
    uint32_t npos = 0;
    for (uint32_t i = 0; i < a->n; i++)
        npos += !a->v[i].neg;
    for (int ver = 4; ver <= 6; ver += 2) {
        unsigned bits = ver == 4 ? 32 : 128;
        u128 max = ver == 4 ? V4_MAX : V6_MAX;
        struct iset pos = {0}, neg = {0};
        if (a->any || !npos)
            iset_push(&pos, 0, max);
        for (uint32_t i = 0; i < a->n && !a->any; i++) {
            const struct rule_cidr *c = &a->v[i];
            if (c->ver != ver)
                continue;
            unsigned plen = c->prefix > bits ? bits : c->prefix;
            u128 host = plen >= bits ? 0 : plen == 0 ? max : (((u128)1 << (bits - plen)) - 1);
            u128 lo = addr_num(c->addr, ver) & ~host & max;
            iset_push(c->neg ? &neg : &pos, lo, lo | host);
        }
        iset_normalize(&pos);
        iset_normalize(&neg);
        iset_subtract(&pos, &neg, max);
        iset_free(&neg);
        if (ver == 4) {
            out->v4 = xcalloc(pos.n ? pos.n : 1, sizeof(*out->v4));
            for (uint32_t i = 0; i < pos.n; i++) {
                out->v4[i].lo = (uint32_t)pos.v[i].lo;
                out->v4[i].hi = (uint32_t)pos.v[i].hi;
            }
            out->n4 = pos.n;
        } else {
            out->v6 = xcalloc(pos.n ? pos.n : 1, sizeof(*out->v6));
            for (uint32_t i = 0; i < pos.n; i++) {
                out->v6[i].lo = pos.v[i].lo;
                out->v6[i].hi = pos.v[i].hi;
            }
            out->n6 = pos.n;
        }
        iset_free(&pos);
    }
}

int rules_vars_aranges_match(const struct rule_aranges *r, const uint8_t *addr, int ver)
{
    uint32_t lo = 0, hi = ver == 4 ? r->n4 : r->n6;     /* first range with .lo > x */
    if (ver == 4) {
        uint32_t x = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (r->v4[mid].lo <= x)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo > 0 && x <= r->v4[lo - 1].hi;
    }
    u128 x = addr_num(addr, 6);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r->v6[mid].lo <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && x <= r->v6[lo - 1].hi;
}

void rules_vars_aranges_free(struct rule_aranges *r)
{
    free(r->v4);
    free(r->v6);
    memset(r, 0, sizeof(*r));
}

int rules_vars_ports_match(const struct rule_ports *p, uint16_t port)
{
    uint32_t npos = 0;
    int pos = 0;

    if (p->any)
        return 1;
    for (uint32_t i = 0; i < p->n; i++) {
        const struct rule_prange *r = &p->v[i];
        if (!r->neg)
            npos++;
        if (port < r->lo || port > r->hi)
            continue;
        if (r->neg)
            return 0;
        pos = 1;
    }
    return npos == 0 || pos;
}

int rules_vars_num_match(const struct rule_num *n, uint64_t v)
{
    switch (n->op) {
    case CMP_EQ: return v == n->lo;
    case CMP_NE: return v != n->lo;
    case CMP_LT: return v < n->lo;
    case CMP_GT: return v > n->lo;
    case CMP_LE: return v <= n->lo;
    case CMP_GE: return v >= n->lo;
    case CMP_RANGE: return v > n->lo && v < n->hi;
    }
    return 0;
}

/* ---- variables ---- */

static const struct { const char *name, *value; uint8_t is_port; } var_defaults[] = {
    { "HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]", 0 },
    { "EXTERNAL_NET", "!$HOME_NET", 0 },
    { "HTTP_SERVERS", "$HOME_NET", 0 },
    { "SMTP_SERVERS", "$HOME_NET", 0 },
    { "SQL_SERVERS", "$HOME_NET", 0 },
    { "DNS_SERVERS", "$HOME_NET", 0 },
    { "TELNET_SERVERS", "$HOME_NET", 0 },
    { "AIM_SERVERS", "$EXTERNAL_NET", 0 },
    { "DC_SERVERS", "$HOME_NET", 0 },
    { "DNP3_SERVER", "$HOME_NET", 0 },
    { "DNP3_CLIENT", "$HOME_NET", 0 },
    { "MODBUS_CLIENT", "$HOME_NET", 0 },
    { "MODBUS_SERVER", "$HOME_NET", 0 },
    { "ENIP_CLIENT", "$HOME_NET", 0 },
    { "ENIP_SERVER", "$HOME_NET", 0 },
    { "HTTP_PORTS", "80", 1 },
    { "SHELLCODE_PORTS", "!80", 1 },
    { "ORACLE_PORTS", "1521", 1 },
    { "SSH_PORTS", "22", 1 },
    { "DNP3_PORTS", "20000", 1 },
    { "MODBUS_PORTS", "502", 1 },
    { "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]", 1 },
    { "FTP_PORTS", "21", 1 },
    { "GENEVE_PORTS", "6081", 1 },
    { "VXLAN_PORTS", "4789", 1 },
    { "TEREDO_PORTS", "3544", 1 },
};

struct rule_vars *rules_vars_new(void)
{
    struct rule_vars *v = xcalloc(1, sizeof(*v));
    char err[RULE_REASON_MAX];

    for (size_t i = 0; i < ARRAY_SIZE(var_defaults); i++)
        if (rules_vars_set(v, var_defaults[i].is_port, var_defaults[i].name, var_defaults[i].value,
                           err, sizeof(err)) < 0)
            abort();                    /* the built-in table is wrong */
    return v;
}

void rules_vars_free(struct rule_vars *v)
{
    if (!v)
        return;
    for (uint32_t i = 0; i < v->n; i++) {
        free(v->v[i].name);
        free(v->v[i].value);
    }
    free(v->v);
    free(v);
}

int rules_vars_set(struct rule_vars *v, int is_port, const char *name, const char *value,
                   char *err, size_t errlen)
{
    if (!name || !*name || !value) {
        snprintf(err, errlen, "variable without a name or value");
        return -1;
    }
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
            snprintf(err, errlen, "bad variable name '%.60s'", name);
            return -1;
        }
    /* Validate the value as it reads now; it is kept as text and evaluated
     * where used, so later changes of the variables it names apply. */
    int rc;
    if (is_port) {
        struct rule_ports p;
        rc = rules_vars_ports_parse(v, value, &p, err, errlen);
        if (!rc)
            free(p.v);
    } else {
        struct rule_addrs a;
        rc = rules_vars_addrs_parse(v, value, &a, err, errlen);
        if (!rc)
            free(a.v);
    }
    if (rc < 0)
        return -1;
    for (uint32_t i = 0; i < v->n; i++)
        if (v->v[i].is_port == !!is_port && !strcmp(v->v[i].name, name)) {
            free(v->v[i].value);
            v->v[i].value = xstrdup(value);
            return 0;
        }
    v->v = xreallocarray(v->v, v->n + 1, sizeof(*v->v));
    v->v[v->n].name = xstrdup(name);
    v->v[v->n].value = xstrdup(value);
    v->v[v->n].is_port = (uint8_t)!!is_port;
    v->n++;
    return 0;
}
