/* util.c - logging (stderr or syslog), allocation, time formatting and unit parsing.
 *
 * Logging: one line per call, "taishi: <level>: <message>" on stderr, or
 * after util_log_to_syslog() a syslog message (facility daemon) at the
 * matching priority. openlog() is called once at start-up from the main
 * thread; syslog() is thread-safe in glibc.
 *
 * Allocation failures are fatal (xmalloc and friends abort with a message):
 * a sensor that cannot get its pools has nothing useful to do. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "taishi/core/util.h"

enum log_level util_log_level = LVL_NOTICE;
static int log_syslog;

void util_log_to_syslog(void)
{
    openlog("taishi", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    log_syslog = 1;
}

void util_log(enum log_level lvl, const char *fmt, ...)
{
    static const char *const names[] = { "error", "warning", "notice", "info", "debug" };
    static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
    unsigned i = (unsigned)lvl < ARRAY_SIZE(names) ? (unsigned)lvl : LVL_ERROR;
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (log_syslog)
        syslog(prio[i], "%s", buf);
    else
        fprintf(stderr, "taishi: %s: %s\n", names[i], buf);
}

static NORETURN void oom(size_t n)
{
    fprintf(stderr, "taishi: error: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        oom(SIZE_MAX);
    size_t bytes = n * size;
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q)
        oom(n * size);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

void *xaligned_alloc(size_t align, size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, align, n ? n : 1) != 0)
        oom(n);
    memset(p, 0, n);
    return p;
}

uint64_t util_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t util_real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Two digits at a time from a table: every event's ports, counters and
 * IPv4 octets go through here. */
static const char digits2[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

size_t util_u64_str(uint64_t v, char *out)
{
    char tmp[24], *p = tmp + sizeof(tmp);

    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, digits2 + 2 * r, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, digits2 + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    size_t n = (size_t)(tmp + sizeof(tmp) - p);
    memcpy(out, p, n);
    out[n] = 0;
    return n;
}

void util_backoff(unsigned *spins, long sleep_ns)
{
    if (++*spins < 64)
        return;
    struct timespec ts = { 0, sleep_ns };
    nanosleep(&ts, NULL);
}

size_t util_strlcpy(char *out, const char *s, size_t cap)
{
    size_t n = s ? strnlen(s, cap - 1) : 0;

    memcpy(out, s ? s : "", n);
    out[n] = 0;
    return n;
}

/* gmtime_r() and a format string per event showed up at ~10% of a worker's
 * time. The date changes once a day: each thread keeps the last day it
 * formatted ("YYYY-MM-DDT"), and the time of day is plain digit arithmetic
 * (events of one flow and of the next are seconds apart, so a cache of the
 * whole second missed on most events). */
static void two_digits(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

int util_format_time(uint64_t ns, char *out, size_t outlen)
{
    static __thread uint64_t cached_day = UINT64_MAX;
    static __thread char cached[48];
    uint64_t sec = ns / 1000000000ULL, day = sec / 86400;
    unsigned usec = (unsigned)(ns % 1000000000ULL / 1000), tod = (unsigned)(sec % 86400);

    if (outlen < 32)
        return snprintf(out, outlen, "%s", "");
    if (day != cached_day) {
        time_t t = (time_t)(day * 86400);
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(cached, sizeof(cached), "%04d-%02d-%02dT", (tm.tm_year + 1900) % 10000,
                 tm.tm_mon + 1, tm.tm_mday);
        cached_day = day;
    }
    memcpy(out, cached, 11);
    two_digits(out + 11, tod / 3600);
    out[13] = ':';
    two_digits(out + 14, tod / 60 % 60);
    out[16] = ':';
    two_digits(out + 17, tod % 60);
    out[19] = '.';
    for (int i = 25; i >= 20; i--) {
        out[i] = (char)('0' + usec % 10);
        usec /= 10;
    }
    memcpy(out + 26, "+0000", 6);
    return 31;
}

int util_parse_u64(const char *s, uint64_t *out)
{
    char *e;

    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || *e)
        return -1;
    *out = v;
    return 0;
}

/* Splits "64mb" into 64 and "mb"; returns -1 on bad syntax or overflow. */
static int number_and_unit(const char *s, uint64_t *num, const char **unit)
{
    uint64_t v = 0;

    if (!s || *s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s++ - '0');
    }
    while (*s == ' ')
        s++;
    *num = v;
    *unit = s;
    return 0;
}

int util_parse_size(const char *s, uint64_t *out)
{
    static const struct { const char *u; uint64_t m; } units[] = {
        { "", 1 }, { "b", 1 }, { "k", 1ULL << 10 }, { "kb", 1ULL << 10 }, { "kib", 1ULL << 10 },
        { "m", 1ULL << 20 }, { "mb", 1ULL << 20 }, { "mib", 1ULL << 20 },
        { "g", 1ULL << 30 }, { "gb", 1ULL << 30 }, { "gib", 1ULL << 30 },
    };
    uint64_t v;
    const char *u;

    if (number_and_unit(s, &v, &u) < 0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
        if (!strcasecmp(u, units[i].u)) {
            if (v > UINT64_MAX / units[i].m)
                return -1;
            *out = v * units[i].m;
            return 0;
        }
    }
    return -1;
}

int util_parse_duration(const char *s, uint64_t *seconds)
{
    uint64_t v, m;
    const char *u;

    if (number_and_unit(s, &v, &u) < 0)
        return -1;
    if (!*u || !strcmp(u, "s"))
        m = 1;
    else if (!strcmp(u, "m"))
        m = 60;
    else if (!strcmp(u, "h"))
        m = 3600;
    else
        return -1;
    if (v > UINT64_MAX / m)
        return -1;
    *seconds = v * m;
    return 0;
}

int util_parse_list(const char *v, int (*fn)(const char *item, void *arg), void *arg)
{
    char buf[4096], *p, *save = NULL;
    size_t n = strlen(v);

    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, v, n + 1);
    p = buf;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '[') {
        char *e = strrchr(p, ']');
        if (!e)
            return -1;
        *e = 0;
        p++;
    }
    for (char *t = strtok_r(p, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*t))
            t++;
        char *e = t + strlen(t);
        while (e > t && isspace((unsigned char)e[-1]))
            *--e = 0;
        if (*t && fn(t, arg) < 0)
            return -1;
    }
    return 0;
}

int util_selftest(void)
{
    char b[40];
    uint64_t v;
    int bad = 0;

    util_format_time(1704067201123456789ULL, b, sizeof(b));
    bad += strcmp(b, "2024-01-01T00:00:01.123456+0000") != 0;
    /* the digit arithmetic against gmtime_r, across days, years, leap days */
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 2000; i++) {
        x = mix64(x + (uint64_t)i);
        uint64_t sec = x % 4102444800ULL;   /* 1970 .. 2100 */
        char want[96];
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(x % 1000000));
        util_format_time(sec * 1000000000ULL + x % 1000000 * 1000, b, sizeof(b));
        bad += strcmp(b, want) != 0;
    }
    bad += util_parse_size("64mb", &v) != 0 || v != 64ULL << 20;
    bad += util_parse_size("12", &v) != 0 || v != 12;
    bad += util_parse_size("12xb", &v) != -1;
    bad += util_parse_size("99999999999999999999", &v) != -1;
    bad += util_parse_duration("2m", &v) != 0 || v != 120;
    bad += util_parse_duration("-1", &v) != -1;
    return bad ? -1 : 0;
}

int util_hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
           c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
