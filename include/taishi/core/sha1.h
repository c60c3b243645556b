/* sha1.h - SHA-1 of a byte string (FIPS 180-4).
 *
 * sha1() is a pure function, safe from any thread; which block function it
 * uses (SHA-NI or portable) is decided once before main(). */
#ifndef TAISHI_SHA1_H
#define TAISHI_SHA1_H

#include <stddef.h>
#include <stdint.h>

void sha1(const uint8_t *data, size_t len, uint8_t out[20]);

/* 1 when the blocks go through the CPU's SHA extensions (x86-64 SHA-NI,
 * detected at start-up), 0 for the portable code. sha1_use_accel(0) forces
 * the portable code, (1) the extensions again when the CPU has them: for the
 * tests, which hold the two against each other (not thread-safe). */
int sha1_accel(void);
void sha1_use_accel(int on);

/* Incremental SHA-1 (file hashes, app/app_file.c): init, update, final. */
struct sha1_ctx {
    uint32_t h[5];
    uint64_t len;               /* bytes so far */
    uint8_t buf[64];
    uint32_t nbuf;
};
void sha1_init(struct sha1_ctx *c);
void sha1_update(struct sha1_ctx *c, const void *data, size_t len);
void sha1_final(struct sha1_ctx *c, uint8_t out[20]);

#endif
