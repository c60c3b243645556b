/* unit.h - the header-only harness every tests/unit/test_*.c includes.
 *
 * CHECK(cond), CHECK_EQ_U(a, b) and CHECK_STR(a, b) count passes and
 * failures; a failure prints file:line and the expression (and, for the
 * typed checks, both values) on stderr and the test goes on. unit_done()
 * prints the one summary line "NAME: N passed, M failed" and returns the
 * process exit code (0 when nothing failed).
 *
 * Guard pages (STYLE point 17): guard_copy() places bytes so that they end
 * exactly where a PROT_NONE page begins, so a decoder that reads one byte
 * past the end of its input faults at once, with or without ASan (mmap'd
 * memory is outside ASan's heap redzones, the hardware catches it).
 * guard_copy()/guard_release() map fresh pages per call; for tight loops a
 * `struct guard_region` maps once and guard_place() reuses it.
 *
 * Each test is one translation unit, so the counters are plain statics. */
#ifndef TAISHI_TESTS_UNIT_H
#define TAISHI_TESTS_UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned long unit_passed, unit_failed;

#define UNIT_FAIL_(...) do { unit_failed++; fprintf(stderr, __VA_ARGS__); } while (0)

#define CHECK(cond) do { \
        if (cond) unit_passed++; \
        else UNIT_FAIL_("%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
    } while (0)

#define CHECK_EQ_U(a, b) do { \
        unsigned long long ua_ = (unsigned long long)(a), ub_ = (unsigned long long)(b); \
        if (ua_ == ub_) unit_passed++; \
        else UNIT_FAIL_("%s:%d: CHECK_EQ_U(%s, %s) failed: %llu (0x%llx) != %llu (0x%llx)\n", \
                        __FILE__, __LINE__, #a, #b, ua_, ua_, ub_, ub_); \
    } while (0)

#define CHECK_STR(a, b) do { \
        const char *sa_ = (a), *sb_ = (b); \
        if (sa_ && sb_ && !strcmp(sa_, sb_)) unit_passed++; \
        else UNIT_FAIL_("%s:%d: CHECK_STR(%s, %s) failed: \"%s\" != \"%s\"\n", __FILE__, \
                        __LINE__, #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
    } while (0)

/* Wraps a call to a helper that CHECKs: a failure inside it also names the
 * caller's line, so table-like tests stay readable. */
#define UNIT_AT(call) do { \
        unsigned long f0_ = unit_failed; \
        call; \
        if (unit_failed != f0_) fprintf(stderr, "  ^ called from %s:%d\n", __FILE__, __LINE__); \
    } while (0)

/* Prints the summary line; returns the exit code for main(). */
static inline int unit_done(const char *name)
{
    printf("%s: %lu passed, %lu failed\n", name, unit_passed, unit_failed);
    fflush(stdout);
    return unit_failed ? 1 : 0;
}

static inline size_t unit_page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return ps > 0 ? (size_t)ps : 4096;
}

/* Data pages needed for len bytes; the guard page comes on top. */
static inline size_t unit_data_pages(size_t len)
{
    size_t ps = unit_page_size();
    return (len + ps - 1) / ps;
}

/* Maps enough pages for len bytes plus one PROT_NONE page and copies the
 * bytes so that they end right at the protected page. Aborts if the kernel
 * refuses (a test cannot go on without it). Release with guard_release(). */
static inline const uint8_t *guard_copy(const void *bytes, size_t len)
{
    size_t ps = unit_page_size(), dp = unit_data_pages(len);
    uint8_t *base = mmap(NULL, (dp + 1) * ps, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED || mprotect(base + dp * ps, ps, PROT_NONE) != 0) {
        perror("guard_copy");
        abort();
    }
    uint8_t *p = base + dp * ps - len;
    if (len)
        memcpy(p, bytes, len);
    return p;
}

/* Unmaps what guard_copy(…, len) mapped; p and len must be the same. */
static inline void guard_release(const uint8_t *p, size_t len)
{
    size_t ps = unit_page_size(), dp = unit_data_pages(len);
    uint8_t *base = (uint8_t *)(uintptr_t)(p + len) - dp * ps;
    munmap(base, (dp + 1) * ps);
}

/* A reusable guard mapping for loops: `cap` bytes of room before the guard. */
struct guard_region {
    uint8_t *base;
    size_t data_len;            /* bytes before the guard page (whole pages) */
};

static inline void guard_region_init(struct guard_region *g, size_t cap)
{
    size_t ps = unit_page_size();
    g->data_len = unit_data_pages(cap ? cap : 1) * ps;
    g->base = mmap(NULL, g->data_len + ps, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->base == MAP_FAILED || mprotect(g->base + g->data_len, ps, PROT_NONE) != 0) {
        perror("guard_region_init");
        abort();
    }
}

/* Copies len (<= the capacity) bytes so that they end at the guard page. */
static inline const uint8_t *guard_place(struct guard_region *g, const void *bytes, size_t len)
{
    if (len > g->data_len)
        abort();
    uint8_t *p = g->base + g->data_len - len;
    if (len)
        memcpy(p, bytes, len);
    return p;
}

static inline void guard_region_fini(struct guard_region *g)
{
    munmap(g->base, g->data_len + unit_page_size());
    g->base = NULL;
}

#endif
