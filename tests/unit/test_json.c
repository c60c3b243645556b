/* test_json.c - the JSON writer: escaping, nesting and commas, overflow
 * rollback, and a strict JSON checker of our own that every output passes.
 *
 * The checker is independent of the writer: strings must be valid UTF-8 by
 * the byte ranges of Unicode's table 3-7 (not by decoding code points, as
 * the writer does), no raw control characters, only JSON's escapes. The
 * random part also unescapes what the writer produced and expects the input
 * bytes back, since \u00XX stands for byte XX in the writer's scheme. */
#include <stdint.h>
#include <string.h>

#include "taishi/core/compiler.h"
#include "taishi/core/jw.h"
#include "taishi/core/util.h"
#include "unit.h"

/* --- a strict JSON checker ------------------------------------------------ */

struct jp { const uint8_t *s; size_t n, i; int depth; };

static void ws(struct jp *p) { while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i]) p->i++; }

/* Bytes of one valid UTF-8 sequence at s (table 3-7), or 0. */
static size_t u8seq(const uint8_t *s, size_t n)
{
    uint8_t c = s[0], lo = 0x80, hi = 0xbf;
    size_t len;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) { len = 3; if (c == 0xe0) lo = 0xa0; if (c == 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; if (c == 0xf0) lo = 0x90; if (c == 0xf4) hi = 0x8f; }
    else return 0;
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xbf) return 0;
    return len;
}

static int hexv(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parses a string; when out is given, writes its bytes (\u00XX as byte XX;
 * any larger \u is refused, the writer never makes one). */
static int jstring(struct jp *p, uint8_t *out, size_t *outn)
{
    size_t o = 0;
    if (p->i >= p->n || p->s[p->i] != '"') return 0;
    p->i++;
    while (p->i < p->n) {
        uint8_t c = p->s[p->i];
        if (c == '"') { p->i++; if (outn) *outn = o; return 1; }
        if (c < 0x20) return 0;
        if (c == '\\') {
            if (p->i + 1 >= p->n) return 0;
            uint8_t e = p->s[p->i + 1], b;
            const char *m = strchr("\"\\/bfnrt", e);
            if (e && m) {
                b = (uint8_t)"\"\\/\b\f\n\r\t"[m - "\"\\/bfnrt"];
                p->i += 2;
            } else if (e == 'u' && p->i + 5 < p->n) {
                int v = 0;
                for (int k = 0; k < 4; k++) {
                    int h = hexv(p->s[p->i + 2 + k]);
                    if (h < 0) return 0;
                    v = v << 4 | h;
                }
                if (v > 0xff) return 0;
                b = (uint8_t)v;
                p->i += 6;
            } else
                return 0;
            if (out) out[o] = b;
            o++;
            continue;
        }
        size_t l = u8seq(p->s + p->i, p->n - p->i);
        if (!l) return 0;
        if (out) memcpy(out + o, p->s + p->i, l);
        o += l;
        p->i += l;
    }
    return 0;
}

static int jvalue(struct jp *p);

static int jnumber(struct jp *p)
{
    size_t i0 = p->i;
    if (p->i < p->n && p->s[p->i] == '-') p->i++;
    if (p->i < p->n && p->s[p->i] == '0') p->i++;
    else if (p->i < p->n && p->s[p->i] >= '1' && p->s[p->i] <= '9')
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') p->i++;
    else return 0;
    return p->i > i0;
}

static int jlist(struct jp *p, char close, int obj)
{
    if (++p->depth > 64) return 0;
    p->i++;
    ws(p);
    if (p->i < p->n && p->s[p->i] == close) { p->i++; p->depth--; return 1; }
    for (;;) {
        ws(p);
        if (obj) {
            if (!jstring(p, NULL, NULL)) return 0;
            ws(p);
            if (p->i >= p->n || p->s[p->i++] != ':') return 0;
        }
        if (!jvalue(p)) return 0;
        ws(p);
        if (p->i >= p->n) return 0;
        uint8_t c = p->s[p->i++];
        if (c == close) { p->depth--; return 1; }
        if (c != ',') return 0;
    }
}

static int jvalue(struct jp *p)
{
    ws(p);
    if (p->i >= p->n) return 0;
    uint8_t c = p->s[p->i];
    if (c == '{') return jlist(p, '}', 1);
    if (c == '[') return jlist(p, ']', 0);
    if (c == '"') return jstring(p, NULL, NULL);
    static const char *const words[] = { "true", "false", "null" };
    for (int k = 0; k < 3; k++) {
        size_t l = strlen(words[k]);
        if (p->n - p->i >= l && !memcmp(p->s + p->i, words[k], l)) { p->i += l; return 1; }
    }
    return jnumber(p);
}

/* Every line of buf[0, n) is one JSON object and the last ends with \n. */
static int valid_lines(const char *buf, size_t n)
{
    size_t start = 0;
    if (n && buf[n - 1] != '\n') return 0;
    while (start < n) {
        const char *nl = memchr(buf + start, '\n', n - start);
        size_t len = (size_t)(nl - (buf + start));
        struct jp p = { (const uint8_t *)buf + start, len, 0, 0 };
        if (len == 0 || p.s[0] != '{' || !jvalue(&p)) return 0;
        ws(&p);
        if (p.i != len) return 0;
        start += len + 1;
    }
    return 1;
}

/* --- tests ---------------------------------------------------------------- */

static char out[4096];

/* {"k":<escaped in[0,n)>}\n into out (NUL-terminated); jw_end's result. */
static int emit(const char *in, size_t n)
{
    struct jw w;
    jw_init(&w, out, sizeof(out) - 1);
    jw_begin(&w);
    jw_key(&w, "k");
    jw_strn(&w, in, n);
    int r = jw_end(&w);
    out[w.len] = 0;
    return r;
}

/* The same, checked: it fits and is valid JSON. */
static const char *one(const char *in, size_t n)
{
    CHECK_EQ_U(emit(in, n), 0);
    CHECK(valid_lines(out, strlen(out)));
    return out;
}
#define ONE(lit, want) CHECK_STR(one(lit, sizeof(lit) - 1), "{\"k\":\"" want "\"}\n")

static void test_escaping(void)
{
    ONE("plain text 123 ~", "plain text 123 ~");
    ONE("a\"b\\c/d", "a\\\"b\\\\c/d");
    ONE("\n\r\t", "\\n\\r\\t");
    ONE("\x01\x1f\b\f\x1b", "\\u0001\\u001f\\u0008\\u000c\\u001b");
    ONE("a\0b", "a\\u0000b");
    ONE("\x7f", "\\u007f");
    ONE("\xff\xfe\x80\xbf", "\\u00ff\\u00fe\\u0080\\u00bf");                /* not UTF-8 at all */
    ONE("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\x80", "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\x80");
    ONE("\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf", "\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf");  /* U+D7FF, U+E000, U+10FFFF */
    ONE("\xc0\xaf", "\\u00c0\\u00af");                                     /* overlong '/' */
    ONE("\xc1\xbf", "\\u00c1\\u00bf");
    ONE("\xe0\x80\xaf", "\\u00e0\\u0080\\u00af");
    ONE("\xf0\x82\x82\xac", "\\u00f0\\u0082\\u0082\\u00ac");               /* overlong euro sign */
    ONE("\xed\xa0\x80", "\\u00ed\\u00a0\\u0080");                          /* surrogate U+D800 */
    ONE("\xed\xbf\xbf", "\\u00ed\\u00bf\\u00bf");                          /* surrogate U+DFFF */
    ONE("\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080");               /* above U+10FFFF */
    ONE("\xf5\x80\x80\x80", "\\u00f5\\u0080\\u0080\\u0080");
    ONE("x\xe2\x82", "x\\u00e2\\u0082");                                   /* cut at the end */
    ONE("\xe2\x82" "A", "\\u00e2\\u0082A");
    ONE("\xc3" "\"", "\\u00c3\\\"");

    struct jw w;                                   /* keys are written as given */
    jw_init(&w, out, sizeof(out));
    jw_begin(&w);
    jw_kstr(&w, "src_ip", "");
    CHECK_EQ_U(jw_end(&w), 0);
    CHECK(w.len == 14 && !memcmp(out, "{\"src_ip\":\"\"}\n", 14));
}

static void test_nesting(void)
{
    struct jw w;
    char buf[512];
    static const uint8_t v4[16] = { 10, 0, 0, 1 };
    static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

    jw_init(&w, buf, sizeof(buf) - 1);
    jw_begin(&w);
    jw_ku64(&w, "a", 1);
    jw_karr(&w, "b");
    jw_u64(&w, 1);
    jw_u64(&w, 2);
    jw_obj_begin(&w);
    jw_key(&w, "c"); jw_bool(&w, 1);
    jw_key(&w, "d"); jw_bool(&w, 0);
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_kobj(&w, "e");
    jw_kstr(&w, "f", "x");
    jw_karr(&w, "g"); jw_arr_end(&w);
    jw_kobj(&w, "h"); jw_obj_end(&w);
    jw_obj_end(&w);
    jw_key(&w, "i"); jw_i64(&w, -5);
    jw_ku64(&w, "j", UINT64_MAX);
    jw_key(&w, "k"); jw_i64(&w, INT64_MIN);
    jw_karr(&w, "l");
    jw_arr_begin(&w); jw_u64(&w, 1); jw_arr_end(&w);
    jw_arr_begin(&w); jw_str(&w, "2"); jw_str(&w, "3"); jw_arr_end(&w);
    jw_arr_begin(&w); jw_arr_end(&w);
    jw_arr_end(&w);
    jw_key(&w, "ip4"); jw_ip(&w, v4, 4);
    jw_key(&w, "ip6"); jw_ip(&w, v6, 6);
    jw_ktime(&w, "t0", 0);
    jw_ktime(&w, "t1", 1704096001123456789ULL);
    CHECK_EQ_U(jw_end(&w), 0);
    jw_begin(&w);                                  /* a second event, a second line */
    jw_ku64(&w, "n", 0);
    CHECK_EQ_U(jw_end(&w), 0);
    buf[w.len] = 0;
    CHECK_STR(buf, "{\"a\":1,\"b\":[1,2,{\"c\":true,\"d\":false}],\"e\":{\"f\":\"x\",\"g\":[],\"h\":{}},"
              "\"i\":-5,\"j\":18446744073709551615,\"k\":-9223372036854775808,"
              "\"l\":[[1],[\"2\",\"3\"],[]],\"ip4\":\"10.0.0.1\",\"ip6\":\"2001:db8::1\","
              "\"t0\":\"1970-01-01T00:00:00.000000+0000\",\"t1\":\"2024-01-01T08:00:01.123456+0000\"}\n"
              "{\"n\":0}\n");
    CHECK(valid_lines(buf, w.len));

    /* JW_MAX_DEPTH - 1 levels inside the event fit; one more is rolled back. */
    for (int extra = 0; extra < 2; extra++) {
        int levels = JW_MAX_DEPTH - 1 + extra;
        jw_init(&w, buf, sizeof(buf));
        jw_begin(&w);
        jw_key(&w, "deep");
        for (int i = 0; i < levels; i++) jw_arr_begin(&w);
        for (int i = 0; i < levels; i++) jw_arr_end(&w);
        CHECK_EQ_U(jw_end(&w), extra ? -1 : 0);
        CHECK(extra ? w.len == 0 : valid_lines(buf, w.len));
    }
    jw_init(&w, buf, sizeof(buf));                 /* unclosed: rolled back */
    jw_begin(&w);
    jw_kobj(&w, "open");
    CHECK_EQ_U(jw_end(&w), -1);
    CHECK_EQ_U(w.len, 0);
}

/* The event used for the size tests: {"name":"value …","list":[1,2,3]}\n */
static int fill(struct jw *w)
{
    jw_begin(w);
    jw_kstr(w, "name", "value \xff with \"escapes\"");
    jw_karr(w, "list");
    for (int i = 1; i <= 3; i++) jw_u64(w, (uint64_t)i);
    jw_arr_end(w);
    return jw_end(w);
}

static void test_overflow(void)
{
    char big[512];
    struct jw w;

    jw_init(&w, big, sizeof(big));
    CHECK_EQ_U(fill(&w), 0);
    size_t need = w.len;
    CHECK(valid_lines(big, need));
    char want[512];
    memcpy(want, big, need);

    /* Exactly `need` bytes fit; one fewer is refused; nothing beyond cap is touched. */
    for (size_t cap = need - 3; cap <= need + 3; cap++) {
        memset(big, '#', sizeof(big));
        jw_init(&w, big, cap);
        int r = fill(&w);
        CHECK_EQ_U(r, cap >= need ? 0 : -1);
        CHECK_EQ_U(w.len, cap >= need ? need : 0);
        CHECK(big[cap] == '#' && big[cap + 1] == '#');
        if (r == 0) CHECK(!memcmp(big, want, need));
    }

    /* A buffer with an event in it: a second that does not fit leaves it as it was. */
    char buf[100];
    jw_init(&w, buf, sizeof(buf));
    jw_begin(&w);
    jw_ku64(&w, "first", 1);
    CHECK_EQ_U(jw_end(&w), 0);
    size_t len1 = w.len;
    char copy[100];
    memcpy(copy, buf, len1);
    jw_begin(&w);
    jw_kstr(&w, "second", "a value that is much too long for what is left of this small buffer......");
    jw_ku64(&w, "more", 2);
    CHECK_EQ_U(jw_end(&w), -1);
    CHECK_EQ_U(w.len, len1);
    CHECK(!memcmp(buf, copy, len1));
    jw_begin(&w);                                  /* the next event that fits goes in */
    jw_ku64(&w, "third", 3);
    CHECK_EQ_U(jw_end(&w), 0);
    CHECK(w.len == len1 + 12 && !memcmp(buf + len1, "{\"third\":3}\n", 12));
    CHECK(valid_lines(buf, w.len));
    CHECK_EQ_U(jw_selftest(), 0);
}

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static void test_random(void)
{
    static const uint8_t pick[] = { 0x00, 0x1f, '"', '\\', 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0,
                                    0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x8f, 0x90 };
    char buf[256];
    uint8_t in[48], back[4096];
    unsigned bad_json = 0, bad_round = 0, bad_roll = 0;

    for (unsigned it = 0; it < 50000; it++) {
        size_t n = rnd(sizeof(in));
        for (size_t i = 0; i < n; i++)
            in[i] = rnd(3) == 0 ? pick[rnd(sizeof(pick))] : (uint8_t)rnd(256);
        if (emit((const char *)in, n) < 0) bad_json++;
        size_t len = strlen(out);
        struct jp p = { (const uint8_t *)out, len, 5, 0 };    /* the quote after {"k": */
        size_t bn = 0;
        if (!valid_lines(out, len)) bad_json++;
        else if (!jstring(&p, back, &bn) || bn != n || memcmp(back, in, n)) bad_round++;

        /* Random small buffers: what is in them is always whole valid lines. */
        struct jw w;
        jw_init(&w, buf, 8 + rnd(sizeof(buf) - 8));
        for (int e = 0; e < 4; e++) {
            size_t before = w.len;
            jw_begin(&w);
            jw_key(&w, "s");
            jw_strn(&w, (const char *)in, n);
            jw_ku64(&w, "e", (uint64_t)e);
            if (jw_end(&w) < 0 && w.len != before) bad_roll++;
        }
        if (!valid_lines(buf, w.len)) bad_roll++;
    }
    CHECK_EQ_U(bad_json, 0);
    CHECK_EQ_U(bad_round, 0);
    CHECK_EQ_U(bad_roll, 0);

    /* The checker itself refuses what it must. */
    static const char *const refuse[] = { "{\"a\":\"\x01\"}\n", "{\"a\":\"\xc0\xaf\"}\n", "{\"a\":\"\xed\xa0\x80\"}\n",
                                          "{\"a\":1,}\n", "{\"a\" 1}\n", "{\"a\":\"\\x\"}\n", "{\"a\":[1}\n", "{\"a\":1}" };
    for (size_t i = 0; i < ARRAY_SIZE(refuse); i++)
        CHECK(!valid_lines(refuse[i], strlen(refuse[i])));
    static const char ok[] = "{\"a\":[true,false,null,-0,{}],\"b\":\"\\u00e9\\/\"}\n";
    CHECK(valid_lines(ok, strlen(ok)));
}

/* util_u64_str (two digits at a time) against printf on the edges of every
 * digit count and on pseudo-random values. */
static void test_u64_str(void)
{
    uint64_t x = 88172645463325252ULL;
    int bad = 0;
    for (int i = 0; i < 4000; i++) {
        uint64_t v;
        if (i < 60) {                   /* 10^k - 1, 10^k, 10^k + 1 */
            uint64_t p = 1;
            for (int k = 0; k < i / 3; k++)
                p *= 10;
            v = p - 1 + (uint64_t)(i % 3);
        } else if (i == 60) {
            v = UINT64_MAX;
        } else {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            v = x >> (i % 64);
        }
        char a[32], b[32];
        size_t n = util_u64_str(v, a);
        snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
        if (strcmp(a, b) || n != strlen(b))
            bad++;
    }
    CHECK_EQ_U(bad, 0);
}

int main(void)
{
    test_u64_str();
    test_escaping();
    test_nesting();
    test_overflow();
    test_random();
    return unit_done("json");
}
