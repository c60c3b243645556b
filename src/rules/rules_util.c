/* rules_util.c - the helpers every file of the rule parser uses, below all
 * of them (it calls none): recording a problem with the rule being parsed
 * (rules_util_fail, rules_util_skip, rules_util_need_value), the string
 * helpers that read option values in place (trim, comma-separated items,
 * quotes and escapes), and numbers (decimal or 0x hex integers, the
 * comparisons of dsize, ttl, bsize, urilen...).
 *
 * Reasons go to logs and --check-rules: bytes from the rule that are not
 * printable become '?'.
 *
 * Ownership: nothing is allocated; strings are cut and rewritten in place. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

/* ---- problems ---- */

static void clean_reason(char *s)
{
    for (; *s; s++)
        if (!isprint((unsigned char)*s))
            *s = '?';
}

int rules_util_fail(struct rparse *rp, const char *fmt, ...)
{
    if (rp->status != RS_FAILED) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rp->reason, sizeof(rp->reason), fmt, ap);
        va_end(ap);
        clean_reason(rp->reason);
        rp->status = RS_FAILED;
    }
    return -1;
}

int rules_util_skip(struct rparse *rp, const char *fmt, ...)
{
    if (rp->status == RS_LOADED) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rp->reason, sizeof(rp->reason), fmt, ap);
        va_end(ap);
        clean_reason(rp->reason);
        rp->status = RS_SKIPPED;
    }
    return -1;
}

int rules_util_need_value(struct rparse *rp, const char *name, const char *value)
{
    if (!value || !*value)
        return rules_util_fail(rp, "%s: needs a value", name);
    return 0;
}

/* ---- strings ---- */

char *rules_util_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

char *rules_util_next_item(char **p)
{
    if (!*p)
        return NULL;
    char *c = strchr(*p, ',');
    if (c)
        *c = 0;
    char *item = rules_util_trim(*p);
    *p = c ? c + 1 : NULL;
    return item;
}

int rules_util_unquote(char *s)
{
    size_t n = strlen(s);
    char *r = s, *w = s;

    if (n && s[0] == '"') {
        size_t bs = 0;                          /* backslashes before the last quote */
        while (n >= 3 + bs && s[n - 2 - bs] == '\\')
            bs++;
        if (n < 2 || s[n - 1] != '"' || bs % 2)
            return -1;
        s[n - 1] = 0;
        r = s + 1;
    }
    while (*r) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r++;
        } else if (*r == '"') {
            return -1;                          /* an unescaped quote inside */
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    return 0;
}

/* ---- numbers ---- */

int rules_util_parse_i64(const char *s, int64_t *out)
{
    char *end;
    int neg = 0;
    uint64_t v;

    while (isspace((unsigned char)*s))
        s++;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end || v > (uint64_t)INT64_MAX)
        return -1;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

int rules_util_parse_u64(const char *s, uint64_t *out)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    *out = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
    while (isspace((unsigned char)*end))
        end++;
    return errno || *end ? -1 : 0;
}

int rules_util_cmp_op(char **pp)
{
    char *p = *pp;
    int op = CMP_EQ;
    if (!strncmp(p, "<=", 2)) op = CMP_LE, p += 2;
    else if (!strncmp(p, ">=", 2)) op = CMP_GE, p += 2;
    else if (!strncmp(p, "!=", 2)) op = CMP_NE, p += 2;
    else if (*p == '<') op = CMP_LT, p++;
    else if (*p == '>') op = CMP_GT, p++;
    else if (*p == '!') op = CMP_NE, p++;
    else if (*p == '=') p++;
    *pp = p;
    return op;
}

int rules_util_parse_num(const char *s, struct rule_num *n, uint64_t max)
{
    char buf[64], *p, *sep;
    uint64_t a, b;

    memset(n, 0, sizeof(*n));
    if (strlen(s) >= sizeof(buf))
        return -1;
    snprintf(buf, sizeof(buf), "%s", s);
    p = rules_util_trim(buf);
    if ((sep = strstr(p, "<>")) || ((sep = strchr(p, '-')) && sep != p)) {
        int w = sep[0] == '<' ? 2 : 1;
        *sep = 0;
        if (rules_util_parse_u64(p, &a) < 0 || rules_util_parse_u64(sep + w, &b) < 0 || a >= b ||
            b > max)
            return -1;
        n->op = CMP_RANGE;
        n->lo = a;
        n->hi = b;
        return 0;
    }
    n->op = (uint8_t)rules_util_cmp_op(&p);
    if (rules_util_parse_u64(p, &a) < 0 || a > max)
        return -1;
    if ((n->op == CMP_LT && a == 0) || (n->op == CMP_GT && a == max))
        return -1;                              /* can never match */
    n->lo = a;
    return 0;
}
