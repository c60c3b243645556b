/* fuzz_json.c - the JSON writer (event.h) driven by the input, in a small
 * buffer, against a reference.
 *
 * Input: bytes 0-1 (big-endian) % 2048 = the buffer size (0..2047); then
 * events, one after the other in the same buffer, each a run of operations
 * read a byte at a time. The harness keeps the writer's grammar (keys and
 * values alternate in objects, arrays hold values) and builds, next to the
 * writer, the line it must produce, with its own escaping and UTF-8 rules
 * (the contract in event.h, reimplemented): strings with any bytes
 * (jw_strn with NULs too), keys drawn from a safe alphabet (keys are
 * literals in the sensor and are not escaped), u64/i64/bool, IPv4/IPv6
 * addresses, timestamps, nesting up to the writer's limit. Two operations
 * misuse the writer on purpose: ending an event with containers still open,
 * and closing one container too many; the writer must refuse those events.
 *
 * Per event, op byte b (then its argument bytes):
 *   in an object, a key due:  b % 8 = 0 key, 1 kstr, 2 ku64, 3 kobj, 4 karr,
 *                             5 ktime, 6 close (at the top: end the event),
 *                             7 misuse (next byte even: end now; odd: one
 *                             close too many)
 *   a value due (after a key, or in an array): b % 10 = 0 str, 1 strn,
 *                             2 u64, 3 i64, 4 bool, 5 ip, 6 obj, 7 arr,
 *                             8 close the array (after a key: an empty
 *                             string), 9 small u64
 * After each event one byte: bit 0 set = flush (the buffer starts again at
 * 0, as worker_emit_flush() does). When the input runs out, the open containers
 * are closed and the event ended.
 *
 * Invariants (abort() when violated), per event:
 *   - jw_end() returns 0 exactly when the event is well-formed and its line
 *     fits in what is left of the buffer; -1 for the misuses and for
 *     nesting past JW_MAX_DEPTH;
 *   - on 0 the line is byte for byte the reference, ends with "\n", and
 *     passes the strict validator (json_check.h); on -1 nothing was written
 *     (len is back at the event's start);
 *   - the events already in the buffer are never modified. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taishi/core/jw.h"
#include "fuzz_helpers.h"
#include "json_check.h"

struct in {
    const uint8_t *p;
    size_t n, i;
};

static int more(const struct in *in) { return in->i < in->n; }
static uint8_t byte(struct in *in) { return in->i < in->n ? in->p[in->i++] : 0; }

static uint64_t u64(struct in *in)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v = v << 8 | byte(in);
    return v;
}

/* --- reference ------------------------------------------------------------ */

struct ref {
    char *b;
    size_t len, cap;
};

static void rput(struct ref *r, const char *s, size_t n)
{
    FUZZ_ASSERT(r->len + n <= r->cap);      /* the harness sized it for the worst case */
    memcpy(r->b + r->len, s, n);
    r->len += n;
}

static void rputs(struct ref *r, const char *s) { rput(r, s, strlen(s)); }

/* Length of the well-formed UTF-8 sequence at s (Unicode table 3-7), or 0. */
static size_t utf8_ok(const uint8_t *s, size_t n)
{
    uint8_t b = s[0];
    uint8_t lo = 0x80, hi = 0xbf;
    size_t len;

    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b == 0xe0) { len = 3; lo = 0xa0; }
    else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef) len = 3;
    else if (b == 0xed) { len = 3; hi = 0x9f; }
    else if (b == 0xf0) { len = 4; lo = 0x90; }
    else if (b >= 0xf1 && b <= 0xf3) len = 4;
    else if (b == 0xf4) { len = 4; hi = 0x8f; }
    else return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xbf)
            return 0;
    return len;
}

static void rstring(struct ref *r, const uint8_t *s, size_t n)
{
    char e[8];

    rput(r, "\"", 1);
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        size_t u;
        if (c == '"' || c == '\\') {
            e[0] = '\\'; e[1] = (char)c;
            rput(r, e, 2);
            i++;
        } else if (c == '\n') { rputs(r, "\\n"); i++; }
        else if (c == '\r') { rputs(r, "\\r"); i++; }
        else if (c == '\t') { rputs(r, "\\t"); i++; }
        else if (c >= 0x20 && c < 0x7f) { rput(r, (const char *)&s[i], 1); i++; }
        else if (c >= 0x80 && (u = utf8_ok(s + i, n - i)) > 0) {
            rput(r, (const char *)s + i, u);
            i += u;
        } else {
            snprintf(e, sizeof(e), "\\u%04x", c);  /* control, DEL, or not UTF-8: Latin-1 */
            rput(r, e, 6);
            i++;
        }
    }
    rput(r, "\"", 1);
}

static void rtime(struct ref *r, uint64_t ns)
{
    time_t t = (time_t)(ns / 1000000000ULL);
    struct tm tm;
    char b[64];

    FUZZ_ASSERT(gmtime_r(&t, &tm) != NULL);
    snprintf(b, sizeof(b), "\"%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000\"", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (unsigned)(ns % 1000000000ULL / 1000));
    rputs(r, b);
}

/* --- the harness ---------------------------------------------------------- */

struct st {
    struct jw *w;
    struct ref r;
    char kind[JW_MAX_DEPTH + 1];            /* 'o' or 'a' per open level; [0] the event */
    int first[JW_MAX_DEPTH + 1];            /* no member written yet at this level */
    int depth;                              /* = the writer's depth */
    int key_due;                            /* in an object: a key (1) or its value (0) */
    int refuse;                             /* the writer must refuse this event */
};

static const char key_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";

static void take_key(struct in *in, char *k)
{
    unsigned n = byte(in) % 16;
    for (unsigned i = 0; i < n; i++)
        k[i] = key_chars[byte(in) % (sizeof(key_chars) - 1)];
    k[n] = 0;
}

static size_t take_bytes(struct in *in, uint8_t *b)
{
    size_t n = byte(in);
    if (n > in->n - in->i)
        n = in->n - in->i;
    memcpy(b, in->p + in->i, n);
    in->i += n;
    return n;
}

/* A member's separator in the reference. */
static void rsep(struct st *s)
{
    if (!s->first[s->depth])
        rput(&s->r, ",", 1);
    s->first[s->depth] = 0;
}

static void rkey(struct st *s, const char *k)
{
    rsep(s);
    rput(&s->r, "\"", 1);
    rputs(&s->r, k);
    rput(&s->r, "\":", 2);
    s->key_due = 0;
}

/* The separator before a value: none right after a key. */
static void rvalue_sep(struct st *s)
{
    if (s->kind[s->depth] == 'a')
        rsep(s);
}

/* Opens a container (after its key, or in an array). Returns -1 when the
 * writer's depth limit is hit: the event is then refused and ends here. */
static int open_(struct st *s, char kind)
{
    rput(&s->r, kind == 'o' ? "{" : "[", 1);
    if (s->depth + 1 >= JW_MAX_DEPTH) {
        s->refuse = 1;
        return -1;
    }
    s->depth++;
    s->kind[s->depth] = kind;
    s->first[s->depth] = 1;
    s->key_due = kind == 'o';
    return 0;
}

static void close_(struct st *s)
{
    char kind = s->kind[s->depth];
    rput(&s->r, kind == 'o' ? "}" : "]", 1);
    s->depth--;
    s->key_due = s->kind[s->depth] == 'o';
}

/* One value (a key was just written, or we are in an array). Returns -1
 * when the event must end here. */
static int value(struct st *s, struct in *in)
{
    static uint8_t b[256];
    static char sb[257];
    uint8_t op = byte(in);
    size_t n;
    uint64_t v;

    if (s->kind[s->depth] == 'a' && op % 10 == 8) {
        jw_arr_end(s->w);
        close_(s);
        return 0;
    }
    rvalue_sep(s);
    switch (op % 10) {
    case 0: case 8:
        n = op % 10 == 8 ? 0 : take_bytes(in, b);
        memcpy(sb, b, n);
        sb[n] = 0;
        jw_str(s->w, sb);
        rstring(&s->r, b, strlen(sb));
        break;
    case 1:
        n = take_bytes(in, b);
        jw_strn(s->w, (const char *)b, n);
        rstring(&s->r, b, n);
        break;
    case 2: case 9: {
        char t[24];
        v = op % 10 == 2 ? u64(in) : byte(in);
        jw_u64(s->w, v);
        snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
        rputs(&s->r, t);
        break;
    }
    case 3: {
        char t[24];
        int64_t iv = (int64_t)u64(in);
        jw_i64(s->w, iv);
        snprintf(t, sizeof(t), "%lld", (long long)iv);
        rputs(&s->r, t);
        break;
    }
    case 4:
        v = byte(in) & 1;
        jw_bool(s->w, (int)v);
        rputs(&s->r, v ? "true" : "false");
        break;
    case 5: {
        uint8_t a[16];
        char t[INET6_ADDRSTRLEN];
        int ver = byte(in) & 1 ? 6 : 4;
        for (int k = 0; k < 16; k++)
            a[k] = byte(in);
        jw_ip(s->w, a, ver);
        FUZZ_ASSERT(inet_ntop(ver == 6 ? AF_INET6 : AF_INET, a, t, sizeof(t)) != NULL);
        rput(&s->r, "\"", 1);
        rputs(&s->r, t);
        rput(&s->r, "\"", 1);
        break;
    }
    case 6:
        jw_obj_begin(s->w);
        return open_(s, 'o');
    case 7:
        jw_arr_begin(s->w);
        return open_(s, 'a');
    }
    if (s->kind[s->depth] == 'o')
        s->key_due = 1;
    return 0;
}

/* One member of an object. Returns 1 when the event is over. */
static int member(struct st *s, struct in *in)
{
    char k[16];
    uint8_t op = byte(in);

    switch (op % 8) {
    case 0:
        take_key(in, k);
        jw_key(s->w, k);
        rkey(s, k);
        return value(s, in) < 0;
    case 1: {
        static uint8_t b[256];
        static char sb[257];
        take_key(in, k);
        size_t n = take_bytes(in, b);
        memcpy(sb, b, n);
        sb[n] = 0;
        jw_kstr(s->w, k, sb);
        rkey(s, k);
        rstring(&s->r, b, strlen(sb));
        s->key_due = 1;
        return 0;
    }
    case 2: {
        char t[24];
        take_key(in, k);
        uint64_t v = u64(in);
        jw_ku64(s->w, k, v);
        rkey(s, k);
        snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
        rputs(&s->r, t);
        s->key_due = 1;
        return 0;
    }
    case 3:
        take_key(in, k);
        jw_kobj(s->w, k);
        rkey(s, k);
        return open_(s, 'o') < 0;
    case 4:
        take_key(in, k);
        jw_karr(s->w, k);
        rkey(s, k);
        return open_(s, 'a') < 0;
    case 5: {
        take_key(in, k);
        uint64_t ns = u64(in);
        jw_ktime(s->w, k, ns);
        rkey(s, k);
        rtime(&s->r, ns);
        s->key_due = 1;
        return 0;
    }
    case 6:
        if (s->depth == 0)
            return 1;                       /* the event's own '}' comes from jw_end */
        jw_obj_end(s->w);
        close_(s);
        return 0;
    default:                                /* misuse */
        if (byte(in) & 1) {                 /* close everything, then once more */
            while (s->depth > 0) {
                if (s->kind[s->depth] == 'o')
                    jw_obj_end(s->w);
                else
                    jw_arr_end(s->w);
                close_(s);
            }
            jw_obj_end(s->w);               /* at depth 0: the writer must refuse */
            s->refuse = 1;
        } else if (s->depth > 0) {          /* end with containers still open */
            s->refuse = 1;
        }
        return 1;
    }
}

static void one_event(struct jw *w, struct in *in, struct ref *r, const char *prefix)
{
    struct st s;
    size_t mark = w->len;

    memset(&s, 0, sizeof(s));
    s.w = w;
    s.r = *r;
    s.r.len = 0;
    s.kind[0] = 'o';
    s.first[0] = 1;
    s.key_due = 1;
    rput(&s.r, "{", 1);
    jw_begin(w);

    for (;;) {
        if (!more(in)) {                    /* input over: close what is open */
            while (s.depth > 0) {
                if (s.kind[s.depth] == 'o')
                    jw_obj_end(w);
                else
                    jw_arr_end(w);
                close_(&s);
            }
            break;
        }
        int over = s.key_due ? member(&s, in) : value(&s, in) < 0;
        if (over)
            break;
    }

    /* A key without its value is a builder bug the writer does not detect;
     * the harness never leaves one: member() completes every pair. */
    int rc = jw_end(w);
    rput(&s.r, "}\n", 2);
    int fits = mark + s.r.len <= w->cap;
    if (s.refuse || s.depth != 0) {
        FUZZ_ASSERT_MSG(rc == -1, "a malformed event was accepted: %.*s", (int)(w->len - mark),
                        w->buf + mark);
    } else {
        FUZZ_ASSERT_MSG(rc == (fits ? 0 : -1), "jw_end()=%d, event of %zu bytes at %zu, cap %zu",
                        rc, s.r.len, mark, w->cap);
    }
    if (rc == 0) {
        const char *why = NULL;
        size_t where = 0;
        FUZZ_ASSERT(w->len == mark + s.r.len);
        FUZZ_ASSERT_MSG(!memcmp(w->buf + mark, s.r.b, s.r.len),
                        "\n  got:  %.*s\n  want: %.*s", (int)s.r.len, w->buf + mark,
                        (int)s.r.len, s.r.b);
        FUZZ_ASSERT(w->buf[w->len - 1] == '\n');
        if (json_check_object(w->buf + mark, s.r.len - 1, &why, &where) < 0) {
            fprintf(stderr, "FAIL: invalid JSON (%s at %zu): %.*s\n", why, where, (int)s.r.len,
                    w->buf + mark);
            abort();
        }
    } else {
        FUZZ_ASSERT(w->len == mark);
    }
    FUZZ_ASSERT(!memcmp(w->buf, prefix, mark));  /* earlier events untouched */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = { data, size, 0 };
    struct jw w;

    if (size < 2)
        return 0;
    size_t cap = (size_t)(data[0] << 8 | data[1]) % 2048;
    in.i = 2;
    char *buf = malloc(cap ? cap : 1);      /* exactly cap bytes: ASan sees any overrun */
    char *prefix = malloc(cap ? cap : 1);
    struct ref r = { NULL, 0, size * 8 + 256 };
    r.b = malloc(r.cap);
    FUZZ_ASSERT(buf && prefix && r.b);

    jw_init(&w, buf, cap);
    while (more(&in)) {
        memcpy(prefix, buf, w.len);
        one_event(&w, &in, &r, prefix);
        if (byte(&in) & 1)
            w.len = 0;                      /* worker_emit_flush() */
    }
    free(r.b);
    free(prefix);
    free(buf);
    return 0;
}
