/* jw.c - the JSON writer (see jw.h).
 *
 * Commas are managed by a small stack: need_comma[depth] says whether the
 * next member at this depth needs a separator. Every append checks the room
 * left and sets `overflow` instead of writing past the end; jw_end() then
 * rolls the event back to its mark. */
#include <arpa/inet.h>
#include <string.h>

#include "taishi/core/jw.h"
#include "taishi/core/util.h"

void jw_init(struct jw *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
}

/* Room for n more bytes plus the "}\n" of jw_end(); sets overflow when
 * there is none (everything after is then a no-op). */
static inline int room(struct jw *w, size_t n)
{
    if (unlikely(w->overflow || w->cap - w->len < n + 2)) {
        w->overflow = 1;
        return 0;
    }
    return 1;
}

static void put(struct jw *w, const char *s, size_t n)
{
    if (room(w, n)) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

static void putc_(struct jw *w, char c)
{
    if (room(w, 1))
        w->buf[w->len++] = c;
}

/* The separator a member or element needs: none first, none right after a
 * key (need_comma 2), else a comma. Returns how many bytes it is (0 or 1)
 * and leaves need_comma at 1; the caller writes it with its value. */
static inline size_t sep_len(struct jw *w)
{
    uint8_t *nc = &w->need_comma[w->depth];
    size_t n = *nc == 1;
    *nc = 1;
    return n;
}

void jw_begin(struct jw *w)
{
    w->mark = w->len;
    w->overflow = 0;
    w->depth = 0;
    w->need_comma[0] = 0;
    putc_(w, '{');
}

int jw_end(struct jw *w)
{
    if (w->overflow || w->depth != 0) {
        w->len = w->mark;
        w->overflow = 0;
        return -1;
    }
    w->buf[w->len++] = '}';                 /* room was kept by room() */
    w->buf[w->len++] = '\n';
    return 0;
}

void jw_keyn(struct jw *w, const char *k, size_t n)
{
    size_t c = w->need_comma[w->depth] != 0;

    if (!room(w, n + 3 + c))
        return;
    char *o = w->buf + w->len;
    if (c)
        *o++ = ',';
    *o++ = '"';
    memcpy(o, k, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    w->len = (size_t)(o - w->buf);
    w->need_comma[w->depth] = 2;            /* the value follows without a comma */
}

/* Writes a value's separator and n bytes that need no escaping, in one go. */
static void value_raw(struct jw *w, const char *s, size_t n)
{
    size_t c = sep_len(w);

    if (!room(w, n + c))
        return;
    if (c)
        w->buf[w->len++] = ',';
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;

    if (c < 0xc2)
        return 0;
    if (c < 0xe0) { len = 2; min = 0x80; }
    else if (c < 0xf0) { len = 3; min = 0x800; }
    else if (c < 0xf5) { len = 4; min = 0x10000; }
    else return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* 1 for the bytes a JSON string holds as they are: printable ASCII but the
 * quote and the backslash. */
static const uint8_t plain[256] = {
    [0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,                /* 0x20-0x2f, no " */
    [0x30] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x40] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,                /* no \ */
    [0x60] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x70] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,                /* no DEL */
};

/* Length of the maximal prefix of a valid sequence at s (at least 1): what
 * one U+FFFD replaces when a string is read as Rust's from_utf8_lossy and
 * the Unicode standard's "substitution of maximal subparts" read it. */
static size_t utf8_bad_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xbf;
    size_t len, i = 1;

    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;                  /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;                  /* nothing past U+10FFFF */
    } else
        return 1;
    if (i < n && s[i] >= lo && s[i] <= hi)
        for (i++; i < len && i < n && (s[i] & 0xc0) == 0x80; i++)
            ;
    return i;
}

/* The string from s[i] on, some of which needs escaping; lossy: bytes that
 * are not UTF-8 become U+FFFD instead of their Latin-1 reading. */
static void strn_escaped(struct jw *w, const unsigned char *s, size_t i, size_t n, int lossy)
{
    static const char hex[] = "0123456789abcdef";
    char esc[8];

    while (i < n) {
        size_t run = i;
        while (run < n && plain[s[run]])
            run++;
        if (run > i) {
            put(w, (const char *)s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = s[i];
        size_t u;
        if (c == '"' || c == '\\') {
            esc[0] = '\\'; esc[1] = (char)c;
            put(w, esc, 2);
            i++;
        } else if (c == '\n') { put(w, "\\n", 2); i++; }
        else if (c == '\r') { put(w, "\\r", 2); i++; }
        else if (c == '\t') { put(w, "\\t", 2); i++; }
        else if (c >= 0x80 && (u = utf8_len(s + i, n - i)) > 0) {
            put(w, (const char *)s + i, u);
            i += u;
        } else if (lossy && c >= 0x80) {
            put(w, "\xef\xbf\xbd", 3);
            i += utf8_bad_len(s + i, n - i);
        } else {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            put(w, esc, 6);
            i++;
        }
    }
}

/* jw_strn's body, inlined into both writers so that the hot one pays no
 * extra call (event bodies write millions of strings). */
static inline __attribute__((always_inline)) void strn(struct jw *w, const char *str, size_t n,
                                                       int lossy)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t c = sep_len(w), i = 0;

    while (i < n && plain[s[i]])
        i++;
    if (!room(w, c + i + 2))                /* the plain prefix and both quotes */
        return;
    char *o = w->buf + w->len;
    if (c)
        *o++ = ',';
    *o++ = '"';
    memcpy(o, s, i);
    w->len = (size_t)(o + i - w->buf);
    if (i < n)
        strn_escaped(w, s, i, n, lossy);
    putc_(w, '"');
}

void jw_strn(struct jw *w, const char *str, size_t n)
{
    strn(w, str, n, 0);
}

void jw_strn_lossy(struct jw *w, const char *str, size_t n)
{
    strn(w, str, n, 1);
}

void jw_str(struct jw *w, const char *s)
{
    jw_strn(w, s, strlen(s));
}

void jw_u64(struct jw *w, uint64_t v)
{
    char b[24];
    value_raw(w, b, util_u64_str(v, b));
}

void jw_i64(struct jw *w, int64_t v)
{
    char b[24];
    size_t n = 0;

    if (v < 0) {
        b[n++] = '-';
        n += util_u64_str(-(uint64_t)v, b + 1);
    } else {
        n = util_u64_str((uint64_t)v, b);
    }
    value_raw(w, b, n);
}

void jw_bool(struct jw *w, int v)
{
    value_raw(w, v ? "true" : "false", v ? 4 : 5);
}

static void open_(struct jw *w, char c)
{
    value_raw(w, &c, 1);
    if (w->depth + 1 >= JW_MAX_DEPTH) {
        w->overflow = 1;
        return;
    }
    w->need_comma[++w->depth] = 0;
}

static void close_(struct jw *w, char c)
{
    if (w->depth == 0) {                    /* a builder bug: refuse the event */
        w->overflow = 1;
        return;
    }
    w->depth--;
    putc_(w, c);
}

void jw_obj_begin(struct jw *w) { open_(w, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr_begin(struct jw *w) { open_(w, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

void jw_ip(struct jw *w, const uint8_t *addr, int ipver)
{
    char b[INET6_ADDRSTRLEN + 2];
    size_t n = 1;

    b[0] = '"';
    if (ipver == 6) {
        inet_ntop(AF_INET6, addr, b + 1, sizeof(b) - 2);
        n += strlen(b + 1);
    } else {
        for (int i = 0; i < 4; i++) {       /* glibc's inet_ntop goes through sprintf */
            n += util_u64_str(addr[i], b + n);
            b[n++] = '.';
        }
        n--;
    }
    b[n++] = '"';
    value_raw(w, b, n);
}

void jw_time(struct jw *w, uint64_t ns)
{
    char b[40];

    b[0] = '"';
    size_t n = (size_t)util_format_time(ns, b + 1, sizeof(b) - 2);
    b[1 + n] = '"';
    value_raw(w, b, n + 2);
}

int jw_selftest(void)
{
    char buf[256];
    struct jw w;
    int bad = 0;

    jw_init(&w, buf, sizeof(buf));
    jw_begin(&w);
    jw_kstr(&w, "a", "x\"\\\n\x01\xff\xc3\xa9");
    jw_karr(&w, "b");
    jw_u64(&w, 1);
    jw_u64(&w, 2);
    jw_arr_end(&w);
    jw_kobj(&w, "c");
    jw_obj_end(&w);
    bad += jw_end(&w) != 0;
    static const char want[] = "{\"a\":\"x\\\"\\\\\\n\\u0001\\u00ff\xc3\xa9\",\"b\":[1,2],\"c\":{}}\n";
    bad += w.len != sizeof(want) - 1 || memcmp(buf, want, w.len) != 0;

    jw_init(&w, buf, 16);                  /* too small: rolled back, nothing written */
    jw_begin(&w);
    jw_kstr(&w, "key", "a long value that does not fit");
    bad += jw_end(&w) != -1 || w.len != 0;
    return bad ? -1 : 0;
}
