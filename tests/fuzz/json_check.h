/* json_check.h - a small strict JSON validator for the fuzz targets
 * (RFC 8259): one value, no trailing bytes, strings without raw control
 * characters, only the escapes JSON defines (\uXXXX surrogates paired), and
 * valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
 * Numbers follow the JSON grammar. Nesting is limited to JC_MAX_DEPTH.
 *
 * json_check(s, n, &why) returns 0 when s[0..n) is exactly one JSON value
 * (surrounding whitespace allowed), or -1 with a reason and *where set. */
#ifndef TAISHI_FUZZ_JSON_CHECK_H
#define TAISHI_FUZZ_JSON_CHECK_H

#include <stddef.h>
#include <stdint.h>

#define JC_MAX_DEPTH 64

struct jc {
    const unsigned char *s;
    size_t n, i;
    const char *why;
};

static int jc_fail(struct jc *c, const char *why)
{
    if (!c->why)
        c->why = why;
    return -1;
}

static void jc_ws(struct jc *c)
{
    while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' ||
                           c->s[c->i] == '\r'))
        c->i++;
}

static int jc_lit(struct jc *c, const char *lit)
{
    for (size_t k = 0; lit[k]; k++, c->i++)
        if (c->i >= c->n || c->s[c->i] != (unsigned char)lit[k])
            return jc_fail(c, "bad literal");
    return 0;
}

static int jc_hex4(struct jc *c, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++, c->i++) {
        if (c->i >= c->n)
            return jc_fail(c, "short \\u escape");
        unsigned char h = c->s[c->i];
        unsigned d = h >= '0' && h <= '9' ? h - '0' + 0u : h >= 'a' && h <= 'f' ? h - 'a' + 10u :
                     h >= 'A' && h <= 'F' ? h - 'A' + 10u : 16u;
        if (d == 16)
            return jc_fail(c, "bad hex digit in \\u escape");
        *v = *v << 4 | d;
    }
    return 0;
}

/* One UTF-8 sequence starting with a byte >= 0x80. */
static int jc_utf8(struct jc *c)
{
    unsigned char b = c->s[c->i];
    unsigned need, cp, min;

    if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1fu; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0fu; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 0x07u; min = 0x10000; }
    else return jc_fail(c, "invalid UTF-8 lead byte");
    c->i++;
    for (unsigned k = 0; k < need; k++, c->i++) {
        if (c->i >= c->n || (c->s[c->i] & 0xc0) != 0x80)
            return jc_fail(c, "truncated UTF-8 sequence");
        cp = cp << 6 | (c->s[c->i] & 0x3fu);
    }
    if (cp < min)
        return jc_fail(c, "overlong UTF-8");
    if (cp >= 0xd800 && cp <= 0xdfff)
        return jc_fail(c, "UTF-8 encoded surrogate");
    if (cp > 0x10ffff)
        return jc_fail(c, "UTF-8 above U+10FFFF");
    return 0;
}

static int jc_string(struct jc *c)
{
    c->i++;                                 /* the opening quote */
    for (;;) {
        if (c->i >= c->n)
            return jc_fail(c, "unterminated string");
        unsigned char b = c->s[c->i];
        if (b == '"') {
            c->i++;
            return 0;
        }
        if (b < 0x20)
            return jc_fail(c, "raw control character in string");
        if (b >= 0x80) {
            if (jc_utf8(c) < 0)
                return -1;
            continue;
        }
        if (b != '\\') {
            c->i++;
            continue;
        }
        if (++c->i >= c->n)
            return jc_fail(c, "dangling backslash");
        b = c->s[c->i++];
        if (b == '"' || b == '\\' || b == '/' || b == 'b' || b == 'f' || b == 'n' || b == 'r' || b == 't')
            continue;
        if (b != 'u')
            return jc_fail(c, "invalid escape");
        unsigned v, lo;
        if (jc_hex4(c, &v) < 0)
            return -1;
        if (v >= 0xdc00 && v <= 0xdfff)
            return jc_fail(c, "lone low surrogate escape");
        if (v >= 0xd800 && v <= 0xdbff) {
            if (c->i + 2 > c->n || c->s[c->i] != '\\' || c->s[c->i + 1] != 'u')
                return jc_fail(c, "high surrogate escape without low");
            c->i += 2;
            if (jc_hex4(c, &lo) < 0)
                return -1;
            if (lo < 0xdc00 || lo > 0xdfff)
                return jc_fail(c, "high surrogate escape without low");
        }
    }
}

static int jc_digits(struct jc *c)
{
    size_t st = c->i;
    while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
        c->i++;
    return c->i > st ? 0 : jc_fail(c, "digits expected");
}

static int jc_number(struct jc *c)
{
    if (c->s[c->i] == '-')
        c->i++;
    if (c->i < c->n && c->s[c->i] == '0')
        c->i++;                             /* no leading zeros */
    else if (jc_digits(c) < 0)
        return -1;
    if (c->i < c->n && c->s[c->i] == '.') {
        c->i++;
        if (jc_digits(c) < 0)
            return -1;
    }
    if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
        c->i++;
        if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-'))
            c->i++;
        if (jc_digits(c) < 0)
            return -1;
    }
    return 0;
}

static int jc_value(struct jc *c, int depth)
{
    jc_ws(c);
    if (c->i >= c->n)
        return jc_fail(c, "value expected");
    unsigned char b = c->s[c->i];
    if (b == '{' || b == '[') {
        unsigned char close = b == '{' ? '}' : ']';
        if (depth >= JC_MAX_DEPTH)
            return jc_fail(c, "nesting too deep");
        c->i++;
        jc_ws(c);
        if (c->i < c->n && c->s[c->i] == close) {
            c->i++;
            return 0;
        }
        for (;;) {
            if (b == '{') {
                jc_ws(c);
                if (c->i >= c->n || c->s[c->i] != '"')
                    return jc_fail(c, "object key expected");
                if (jc_string(c) < 0)
                    return -1;
                jc_ws(c);
                if (c->i >= c->n || c->s[c->i] != ':')
                    return jc_fail(c, "':' expected");
                c->i++;
            }
            if (jc_value(c, depth + 1) < 0)
                return -1;
            jc_ws(c);
            if (c->i < c->n && c->s[c->i] == ',') {
                c->i++;
                continue;
            }
            if (c->i < c->n && c->s[c->i] == close) {
                c->i++;
                return 0;
            }
            return jc_fail(c, b == '{' ? "',' or '}' expected" : "',' or ']' expected");
        }
    }
    if (b == '"')
        return jc_string(c);
    if (b == '-' || (b >= '0' && b <= '9'))
        return jc_number(c);
    if (b == 't')
        return jc_lit(c, "true");
    if (b == 'f')
        return jc_lit(c, "false");
    if (b == 'n')
        return jc_lit(c, "null");
    return jc_fail(c, "unexpected character");
}

static inline int json_check(const char *s, size_t n, const char **why, size_t *where)
{
    struct jc c = { (const unsigned char *)s, n, 0, NULL };
    int r = jc_value(&c, 0);

    if (r == 0) {
        jc_ws(&c);
        if (c.i != n)
            r = jc_fail(&c, "bytes after the value");
    }
    if (why)
        *why = c.why;
    if (where)
        *where = c.i;
    return r;
}

/* Same, and the value must be an object. */
static inline int json_check_object(const char *s, size_t n, const char **why, size_t *where)
{
    size_t k = 0;
    while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r'))
        k++;
    if (k >= n || s[k] != '{') {
        if (why)
            *why = "not an object";
        if (where)
            *where = k;
        return -1;
    }
    return json_check(s, n, why, where);
}

#endif
