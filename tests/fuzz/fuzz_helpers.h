/* fuzz_helpers.h - what the fuzz targets share (in the style of zstd's
 * tests/fuzz/fuzz_helpers.h): the entry point's prototype, an assertion that
 * aborts in every build (NDEBUG or not), and the link-type table that the
 * first byte of a decode/pipeline input indexes.
 *
 * Everything here is static: each target is one .c file plus this header. */
#ifndef TAISHI_FUZZ_HELPERS_H
#define TAISHI_FUZZ_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "taishi/core/compiler.h"
#include "taishi/decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the failed condition; libFuzzer (or the regression driver
 * under ASan) then prints the stack and keeps the input. */
#define FUZZ_ASSERT(cond) do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: FAIL: fuzz invariant: %s\n", __FILE__, __LINE__, #cond); \
            abort(); \
        } \
    } while (0)
#define FUZZ_ASSERT_MSG(cond, ...) do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: FAIL: fuzz invariant: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__); \
            fputc('\n', stderr); \
            abort(); \
        } \
    } while (0)

/* Link types decode_l2_link_supported() accepts. An input's first byte picks
 * one: fuzz_link(byte & 0x0f). tests/fuzz/make_seeds.py has the same table
 * (LINKS): keep the two in the same order. */
static const int fuzz_links[] = {
    LINK_ETHERNET, LINK_NULL, LINK_LOOP, LINK_RAW, LINK_C_HDLC, LINK_PPP, LINK_SLL,
    LINK_SLL2, LINK_IPV4, LINK_IPV6, LINK_RAW_BSD, LINK_PPP_SERIAL, 101 /* LINKTYPE_RAW */,
};
#define FUZZ_NLINKS ((unsigned)ARRAY_SIZE(fuzz_links))

static inline int fuzz_link(unsigned nibble)
{
    return fuzz_links[nibble % FUZZ_NLINKS];
}

/* Timestamps start where the sample captures start: 2024-01-01T00:00:00Z. */
#define FUZZ_T0_NS (1704067200ULL * 1000000000ULL)

#endif
