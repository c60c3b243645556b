/* compiler.h - branch hints, attributes and small macros used everywhere.
 *
 * The only place where compiler-specific spellings live (STYLE point 10).
 * Hints are added only where a measurement showed they matter. */
#ifndef TAISHI_COMPILER_H
#define TAISHI_COMPILER_H

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define UNUSED      __attribute__((unused))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN    __attribute__((noreturn))
#define CACHELINE   64
#define CACHE_ALIGNED __attribute__((aligned(CACHELINE)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

#endif
