/* event_json.c - the JSON writer (see event.h).
 *
 * Commas are managed by a small stack: need_comma[depth] says whether the
 * next member at this depth needs a separator. Every append checks the room
 * left and sets `overflow` instead of writing past the end; jw_end() then
 * rolls the event back to its mark. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "taishi/event.h"
#include "taishi/util.h"

void jw_init(struct jw *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
}

static void put(struct jw *w, const char *s, size_t n)
{
    if (unlikely(w->overflow || w->cap - w->len < n + 2)) {   /* keep room for "}\n" */
        w->overflow = 1;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void putc_(struct jw *w, char c)
{
    put(w, &c, 1);
}

static void sep(struct jw *w)
{
    if (w->need_comma[w->depth])
        putc_(w, ',');
    w->need_comma[w->depth] = 1;
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
    w->buf[w->len++] = '}';                 /* room was kept by put() */
    w->buf[w->len++] = '\n';
    return 0;
}

void jw_key(struct jw *w, const char *k)
{
    sep(w);
    putc_(w, '"');
    put(w, k, strlen(k));
    put(w, "\":", 2);
    w->need_comma[w->depth] = 2;            /* the value follows without a comma */
}

/* A value at the current depth: separator unless it directly follows a key. */
static void value_sep(struct jw *w)
{
    if (w->need_comma[w->depth] == 2)
        w->need_comma[w->depth] = 1;
    else
        sep(w);
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

void jw_strn(struct jw *w, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    char esc[8];

    value_sep(w);
    putc_(w, '"');
    for (size_t i = 0; i < n;) {
        size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' && s[run] != '\\')
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
        } else {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put(w, esc, 6);
            i++;
        }
    }
    putc_(w, '"');
}

void jw_str(struct jw *w, const char *s)
{
    jw_strn(w, s, strlen(s));
}

void jw_u64(struct jw *w, uint64_t v)
{
    char b[24];
    value_sep(w);
    put(w, b, util_u64_str(v, b));
}

void jw_i64(struct jw *w, int64_t v)
{
    char b[24];
    value_sep(w);
    put(w, b, (size_t)snprintf(b, sizeof(b), "%lld", (long long)v));
}

void jw_bool(struct jw *w, int v)
{
    value_sep(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

static void open_(struct jw *w, char c)
{
    value_sep(w);
    putc_(w, c);
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

void jw_kstr(struct jw *w, const char *k, const char *s) { jw_key(w, k); jw_str(w, s); }
void jw_ku64(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_u64(w, v); }
void jw_kobj(struct jw *w, const char *k) { jw_key(w, k); jw_obj_begin(w); }
void jw_karr(struct jw *w, const char *k) { jw_key(w, k); jw_arr_begin(w); }

void jw_ip(struct jw *w, const uint8_t *addr, int ipver)
{
    char b[INET6_ADDRSTRLEN];

    if (ipver == 6) {
        inet_ntop(AF_INET6, addr, b, sizeof(b));
        jw_str(w, b);
        return;
    }
    size_t n = 0;                           /* glibc's inet_ntop goes through sprintf */
    for (int i = 0; i < 4; i++) {
        n += util_u64_str(addr[i], b + n);
        b[n++] = '.';
    }
    jw_strn(w, b, n - 1);
}

void jw_ktime(struct jw *w, const char *k, uint64_t ns)
{
    char b[40];
    util_format_time(ns, b, sizeof(b));
    jw_kstr(w, k, b);
}

int event_selftest(void)
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
