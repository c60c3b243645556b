/* rules_intkw.c - the integer and flag keywords of the app parsers
 * (mqtt.type, krb5_err_code, snmp.version, rfb.secresult, dcerpc.opnum,
 * dcerpc.iface, ...): reading their arguments in the syntax each keyword
 * declares (include/taishi/app/app.h struct app_int_kw), and matching one
 * against a transaction.
 *
 * A parser declares such a keyword as an APP_INT row of its `.keywords`,
 * with a getter that reads the value(s) from its tx's meta; this file knows
 * no protocol. The rule gets one RM_APPINT match on the pseudo-buffer
 * BUF_APP_TX: the detect stage verifies it against the transaction at hand
 * (rules_intkw_match), together with the rule's other buffers, so a rule with
 * such a keyword is a transaction rule of that parser.
 *
 * The accepted forms are Suricata 7.0.10's, checked with `suricata -T`
 * (tests/unit/test_rules_intkw.c lists them): the unsigned-integer syntax
 * (N, =N, <N, >N, <=N, >=N, !N, !=N, N-M, N<>M; spaces allowed around the
 * parts; no hex; a range excludes its ends and must hold a value; no !N-M),
 * and per keyword the narrower forms 7.0.10 has (mqtt.type by name only,
 * krb5_msg_type one number, ...).
 *
 * Ownership: the RM_APPINT's range and uuid arrays belong to the rule
 * (freed with it, rules_set.c); the app_int_kw is the parser's constant. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_internal.h"
#include "taishi/app/app.h"
#include "taishi/core/util.h"

/* A decimal number, nothing else (no sign, no hex: Suricata's). */
static int dec_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* s trimmed into buf (at most len-1 bytes), or NULL when too long. */
static char *trimmed(const char *s, char *buf, size_t len)
{
    if (strlen(s) >= len)
        return NULL;
    memcpy(buf, s, strlen(s) + 1);
    return rules_util_trim(buf);
}

int rules_intkw_uint(const char *s, struct rule_num *n, uint64_t max)
{
    char buf[96], *p, *sep;
    uint64_t a, b;

    memset(n, 0, sizeof(*n));
    if (!(p = trimmed(s, buf, sizeof(buf))) || !*p)
        return -1;
    if ((sep = strstr(p, "<>")) || ((sep = strchr(p, '-')) && sep != p)) {
        int w = sep[0] == '<' ? 2 : 1;
        *sep = 0;
        char *lo = rules_util_trim(p), *hi = rules_util_trim(sep + w);
        if (dec_u64(lo, &a) < 0 || dec_u64(hi, &b) < 0 || b > max || a >= b || b - a < 2)
            return -1;                      /* a range with no value inside */
        n->op = CMP_RANGE;
        n->lo = a;
        n->hi = b;
        return 0;
    }
    n->op = (uint8_t)rules_util_cmp_op(&p);
    p = rules_util_trim(p);
    if (dec_u64(p, &a) < 0 || a > max)
        return -1;
    if ((n->op == CMP_LT && a == 0) || (n->op == CMP_GT && a == max))
        return -1;                          /* can never match */
    n->lo = a;
    return 0;
}

static const struct app_int_name *name_find(const struct app_int_kw *ik, const char *s)
{
    for (const struct app_int_name *nm = ik->names; nm && nm->name; nm++)
        if ((ik->opts & AIO_CASE) ? !strcmp(nm->name, s) : !strcasecmp(nm->name, s))
            return nm;
    return NULL;
}

/* 16 bytes of "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, either case). */
static int uuid_parse(const char *s, uint8_t out[16])
{
    static const int dash[] = { 8, 13, 18, 23 };
    if (strlen(s) != 36)
        return -1;
    for (int i = 0, o = 0, d = 0; i < 36; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-')
                return -1;
            d++;
            continue;
        }
        if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
            return -1;
        char h[3] = { s[i], s[i + 1], 0 };
        out[o++] = (uint8_t)strtoul(h, NULL, 16);
        i++;
    }
    return 0;
}

static int bad(char *err, size_t errlen, const char *fmt, const char *what)
{
    snprintf(err, errlen, fmt, what);
    return -1;
}

static int parse_flags(const struct app_int_kw *ik, char *v, struct rule_appint *a, char *err,
                       size_t errlen)
{
    for (char *p = v, *w; (w = rules_util_next_item(&p));) {
        int neg = *w == '!';
        const struct app_int_name *nm = name_find(ik, rules_util_trim(w + neg));
        if (!nm)
            return bad(err, errlen, "unknown flag '%s'", w);
        if ((neg ? a->set : a->clear) & nm->value)
            return bad(err, errlen, "flag '%s' both required and excluded", w + neg);
        if (neg)
            a->clear |= nm->value;
        else
            a->set |= nm->value;
    }
    if (!a->set && !a->clear)
        return bad(err, errlen, "%s", "no flag");
    return 0;
}

static int parse_list(const struct app_int_kw *ik, char *v, struct rule_appint *a, char *err,
                      size_t errlen)
{
    char *p = rules_util_trim(v);
    if ((ik->opts & AIO_NO_SPACE) && strpbrk(p, " \t"))
        return bad(err, errlen, "space in list '%s'", p);
    if (*p == '!') {                    /* only before a class name: "!weak" */
        const struct app_int_name *nm = name_find(ik, rules_util_trim(p + 1));
        if (!nm || nm->value < AI_LIST_SPECIAL)
            return bad(err, errlen, "bad value '%s'", p);
        a->neg = 1;
        p = rules_util_trim(p + 1);
    }
    for (char *w; (w = rules_util_next_item(&p));) {
        uint64_t lo, hi;
        const struct app_int_name *nm = name_find(ik, w);
        char *dash = strchr(w, '-');
        if (nm) {
            lo = hi = nm->value;
        } else if (dash && dash != w && !(ik->opts & AIO_NO_RANGE)) {
            *dash = 0;
            if (dec_u64(rules_util_trim(w), &lo) < 0 || dec_u64(rules_util_trim(dash + 1), &hi) < 0 ||
                lo > hi || hi > ik->max) {
                *dash = '-';
                return bad(err, errlen, "bad range '%s'", w);
            }
        } else if (dec_u64(w, &lo) == 0 && lo <= ik->max) {
            hi = lo;
        } else {
            return bad(err, errlen, "bad value '%s'", w);
        }
        if (a->nrange == APP_INT_VALUES_MAX)
            return bad(err, errlen, "more than %s values", "32");
        a->range = xreallocarray(a->range, 2 * (a->nrange + 1), sizeof(*a->range));
        a->range[2 * a->nrange] = lo;
        a->range[2 * a->nrange + 1] = hi;
        a->nrange++;
    }
    if (!a->nrange)
        return bad(err, errlen, "%s", "empty list");
    return 0;
}

static int parse_iface(char *v, struct rule_appint *a, char *err, size_t errlen)
{
    int i = 0;
    for (char *p = v, *w; (w = rules_util_next_item(&p)); i++) {
        if (i == 0) {
            a->uuid = xmalloc(16);
            if (uuid_parse(w, a->uuid) < 0)
                return bad(err, errlen, "bad interface uuid '%s'", w);
        } else if (!strcasecmp(w, "any_frag")) {
            if (a->any_frag)
                return bad(err, errlen, "%s", "any_frag twice");
            a->any_frag = 1;
        } else if (!a->has_ver && !a->any_frag) {
            if (rules_intkw_uint(w, &a->n, 65535) < 0 || a->n.op == CMP_RANGE)
                return bad(err, errlen, "bad interface version '%s'", w);
            a->has_ver = 1;
        } else {
            return bad(err, errlen, "unexpected '%s'", w);
        }
    }
    if (!a->uuid)
        return bad(err, errlen, "%s", "no interface uuid");
    return 0;
}

int rules_intkw_parse(const struct app_int_kw *ik, const char *value, struct rule_appint *a,
                      char *err, size_t errlen)
{
    char buf[512], *v;
    memset(a, 0, sizeof(*a));
    a->ik = ik;
    if (ik->syntax == AI_BOOL) {
        if ((!value || !*value) && (ik->opts & AIO_NEED_VALUE))
            return bad(err, errlen, "%s", "needs a value (true or false)");
        if (!value || !*value)
            return 0;
        v = trimmed(value, buf, sizeof(buf));
        if (v && (!strcasecmp(v, "true") || !strcasecmp(v, "yes")))
            return 0;
        if (v && (!strcasecmp(v, "false") || !strcasecmp(v, "no"))) {
            a->neg = 1;
            return 0;
        }
        return bad(err, errlen, "bad value '%s' (true or false)", value);
    }
    if (!value || !(v = trimmed(value, buf, sizeof(buf))) || !*v)
        return bad(err, errlen, "%s", value ? "value too long or empty" : "needs a value");
    switch (ik->syntax) {
    case AI_UINT:
        if (rules_intkw_uint(v, &a->n, ik->max) < 0)
            return bad(err, errlen, "bad integer '%s'", v);
        return 0;
    case AI_EQ:
    case AI_NAME: {
        const struct app_int_name *nm = name_find(ik, v);
        a->n.op = CMP_EQ;
        if (nm) {
            a->n.lo = nm->value;
            return 0;
        }
        if (ik->syntax == AI_EQ && dec_u64(v, &a->n.lo) == 0 && a->n.lo <= ik->max)
            return 0;
        return bad(err, errlen, ik->syntax == AI_EQ ? "bad value '%s' (one number)" :
                                                      "unknown value '%s'", v);
    }
    case AI_FLAGS:
        return parse_flags(ik, v, a, err, errlen);
    case AI_LIST:
        return parse_list(ik, v, a, err, errlen);
    case AI_DCE_IFACE:
        return parse_iface(v, a, err, errlen);
    default:
        return bad(err, errlen, "%s", "keyword of no known syntax");
    }
}

void rules_intkw_free(struct rule_appint *a)
{
    free(a->range);
    free(a->uuid);
    a->range = NULL;
    a->uuid = NULL;
}

static int value_ok(const struct rule_appint *a, uint64_t v)
{
    const struct app_int_kw *ik = a->ik;
    switch (ik->syntax) {
    case AI_FLAGS:
        return (v & a->set) == a->set && !(v & a->clear);
    case AI_BOOL:
        return a->neg ? v == 0 : v != 0;
    case AI_LIST: {
        int in = 0;
        for (uint32_t i = 0; !in && i < a->nrange; i++) {
            uint64_t lo = a->range[2 * i], hi = a->range[2 * i + 1];
            if (lo >= AI_LIST_SPECIAL && lo == hi)
                in = ik->special && ik->special((unsigned)(lo - AI_LIST_SPECIAL), v);
            else
                in = v >= lo && v <= hi;
        }
        return a->neg ? !in : in;
    }
    default:
        if (a->n.op == CMP_EQ && a->n.lo >= AI_LIST_SPECIAL)   /* a named class of values */
            return ik->special && ik->special((unsigned)(a->n.lo - AI_LIST_SPECIAL), v);
        return rules_vars_num_match(&a->n, v);
    }
}

int rules_intkw_match(const struct rule_appint *a, const struct app_tx *tx)
{
    const struct app_int_kw *ik = a->ik;
    if (!tx || !ik || (tx->proto != a->parser && (!a->parser2 || tx->proto != a->parser2)))
        return 0;
    if (ik->syntax == AI_DCE_IFACE) {
        struct app_dce_iface ifs[8];
        unsigned n = ik->get_iface ? ik->get_iface(tx, ifs, 8) : 0;
        for (unsigned i = 0; i < n && i < 8; i++)
            if (!memcmp(ifs[i].uuid, a->uuid, 16) &&
                (!a->has_ver || rules_vars_num_match(&a->n, ifs[i].ver)) &&
                (a->any_frag || ifs[i].first_frag))
                return 1;
        return 0;
    }
    uint64_t v[APP_INT_VALUES_MAX];
    unsigned n = ik->get ? ik->get(tx, v, APP_INT_VALUES_MAX) : 0;
    if (n > APP_INT_VALUES_MAX)
        n = APP_INT_VALUES_MAX;
    for (unsigned i = 0; i < n; i++)
        if (value_ok(a, v[i]))
            return 1;
    return 0;
}

int rules_intkw_apply(struct rparse *rp, const char *name, char *value)
{
    const char *proto;
    const struct app_keyword *k = app_registry_keyword(name, &proto);
    char err[160];
    struct rule_appint a;

    if (!k || !k->ik)
        return 0;
    if (rp->lenient)
        return 1;
    if (value && rules_util_unquote(value) < 0)
        return rules_util_fail(rp, "%s: unterminated quote", name);
    if (rules_intkw_parse(k->ik, value, &a, err, sizeof(err)) < 0) {
        rules_intkw_free(&a);
        return rules_util_fail(rp, "%s: %s", k->name, err);
    }
    int app = rules_app_lookup(proto);
    struct rule *r = rp->r;
    if (r->proto == RP_APP && r->app != app && !(app == RAPP_DCERPC && r->app == RAPP_SMB)) {
        rules_intkw_free(&a);
        return rules_util_fail(rp, "%s: a %s keyword in a %s rule", k->name, rules_app_name(app),
                               rules_app_name(r->app));
    }
    a.parser = (uint8_t)app_registry_parser_of(k);
    a.parser2 = (uint8_t)app_registry_id(k->ik->also);
    uint8_t used = rp->buf_used;
    struct rule_match *m = rules_payload_add_match(rp, RM_APPINT);
    rp->buf_used = used;            /* a sticky buffer before it still wants its match */
    free(m->xor_key);
    m->xor_key = NULL;
    m->xor_len = 0;
    m->buf = BUF_APP_TX;
    m->ntr = 0;
    memset(m->tr, 0, sizeof(m->tr));
    m->u.ai = a;
    return 1;
}
