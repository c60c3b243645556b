/* util.h - logging, allocation that aborts on OOM, byte-order reads, time
 * format, the monotonic clock, a wait helper, size/duration/list parsing.
 *
 * Names: the functions of util.c are util_*, except the allocators xmalloc,
 * xcalloc, xreallocarray, xstrdup and xaligned_alloc: the x prefix is the
 * convention for allocators that abort on failure, and they are called
 * everywhere. The log levels are LVL_*: <syslog.h>'s LOG_* may be included
 * beside them.
 *
 * Ownership: everything returned by x*alloc belongs to the caller. The log
 * level is set once at start-up (before threads start) and only read after. */
#ifndef TAISHI_UTIL_H
#define TAISHI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "taishi/core/compiler.h"

enum log_level { LVL_ERROR = 0, LVL_WARNING, LVL_NOTICE, LVL_INFO, LVL_DEBUG };
extern enum log_level util_log_level;

void util_log(enum log_level lvl, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Sends the log to syslog (facility daemon) instead of stderr, from now on
 * (log.syslog: call once at start-up, before threads start). */
void util_log_to_syslog(void);
/* The level is checked before the arguments are evaluated (STYLE point 13). */
#define LOG(lvl, ...) do { if ((lvl) <= util_log_level) util_log((lvl), __VA_ARGS__); } while (0)
#ifdef TAISHI_DEBUG
#define LOG_DBG(...) LOG(LVL_DEBUG, __VA_ARGS__)
#else
#define LOG_DBG(...) do { } while (0)
#endif

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
void *xaligned_alloc(size_t align, size_t n);   /* zeroed */

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint16_t rd16le(const uint8_t *p) { return (uint16_t)(p[1] << 8 | p[0]); }
static inline uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* 64-bit mixer (a finaliser in the style of splitmix64): fast, good avalanche. */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Formats packet time (ns since the epoch) as ISO 8601 UTC with microseconds:
 * 2024-01-01T08:00:01.123456+0000. out needs 32 bytes. Returns the length. */
int util_format_time(uint64_t ns, char *out, size_t outlen);
/* One round of waiting for another thread: the first 64 calls of a wait
 * return at once (spin), later ones sleep sleep_ns. No sched_yield(): when
 * more threads than cores are runnable (Kafka's threads, -w above the core
 * count) every yield is a context switch, 100k a second measured, which
 * burnt 0.2-0.4 s of CPU per 256 MiB for no throughput. *spins = 0 starts
 * a new wait. */
void util_backoff(unsigned *spins, long sleep_ns);
/* Monotonic clock in ns (for intervals and deadlines, never for events). */
uint64_t util_mono_ns(void);
/* The wall clock (CLOCK_REALTIME), ns since the epoch: only for what says when (never packet time). */
uint64_t util_real_ns(void);
/* Decimal digits of v into out (21 bytes), NUL-terminated; returns the length. */
size_t util_u64_str(uint64_t v, char *out);
/* Copies s (NULL = "") into out of cap > 0 bytes, cut to fit, always
 * NUL-terminated; returns the length copied. snprintf("%s") did this at
 * ~100 ns a call on the per-flow path. */
size_t util_strlcpy(char *out, const char *s, size_t cap);

/* Parses "123", "64kb", "64mb", "1gb" (also k/m/g, kib/mib/gib) into bytes.
 * Returns 0 on success, -1 on bad syntax or overflow. */
int util_parse_size(const char *s, uint64_t *out);
/* Parses a non-negative integer with optional unit s/m/h (default seconds). */
int util_parse_duration(const char *s, uint64_t *seconds);
int util_parse_u64(const char *s, uint64_t *out);
/* Calls fn for each item of "[a, b, c]" or "a,b,c", trimmed, empty ones
 * skipped; stops at the first fn < 0. Returns 0, or -1 (bad list or fn). */
int util_parse_list(const char *v, int (*fn)(const char *item, void *arg), void *arg);

int util_selftest(void);

/* The value of hex digit c (0-9, a-f, A-F), -1 for anything else. */
int util_hexval(int c);

#endif
