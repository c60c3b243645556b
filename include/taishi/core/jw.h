/* jw.h - the JSON writer every event is written with.
 *
 * A `struct jw` is a worker's own output buffer: builders append one event
 * (one line) at a time, with no allocation. An event that would not fit in
 * what is left of the buffer is rolled back and counted, never cut in half.
 * Strings are escaped to valid JSON whatever bytes they hold: control
 * characters as \uXXXX, and bytes that are not valid UTF-8 as \u00XX (their
 * Latin-1 reading), so a hostile hostname cannot break a consumer's parser.
 *
 * Ownership: the worker owns its jw; the output stage copies the bytes out
 * (output.h) before the buffer is reused. */
#ifndef TAISHI_JW_H
#define TAISHI_JW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JW_MAX_DEPTH 16

struct jw {
    char *buf;
    size_t len, cap;
    size_t mark;                /* start of the event being written */
    int depth;
    uint8_t need_comma[JW_MAX_DEPTH];
    int overflow;
};

void jw_init(struct jw *w, char *buf, size_t cap);
void jw_begin(struct jw *w);            /* { of a new event */
/* } and newline; returns 0, or -1 when the event did not fit (rolled back). */
int jw_end(struct jw *w);
/* A member's key; n = strlen(k). The jw_k* shorthands below are inline so
 * that the length of a literal key is folded at compile time. */
void jw_keyn(struct jw *w, const char *k, size_t n);
static inline void jw_key(struct jw *w, const char *k) { jw_keyn(w, k, strlen(k)); }
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
/* The same, with each ill-formed UTF-8 sequence written as one U+FFFD (as
 * Rust's String::from_utf8_lossy, which Suricata's loggers use). */
void jw_strn_lossy(struct jw *w, const char *s, size_t n);
void jw_u64(struct jw *w, uint64_t v);
void jw_i64(struct jw *w, int64_t v);
void jw_bool(struct jw *w, int v);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
/* Writes an IPv4 (first 4 bytes) or IPv6 address as a JSON string. */
void jw_ip(struct jw *w, const uint8_t *addr, int ipver);
/* Packet time (util_format_time) as a JSON string. */
void jw_time(struct jw *w, uint64_t ns);
/* key + value shorthands */
static inline void jw_kstr(struct jw *w, const char *k, const char *s) { jw_key(w, k); jw_str(w, s); }
static inline void jw_ku64(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_u64(w, v); }
static inline void jw_kobj(struct jw *w, const char *k) { jw_key(w, k); jw_obj_begin(w); }
static inline void jw_karr(struct jw *w, const char *k) { jw_key(w, k); jw_arr_begin(w); }
static inline void jw_ktime(struct jw *w, const char *k, uint64_t ns) { jw_key(w, k); jw_time(w, ns); }

int jw_selftest(void);

#endif
