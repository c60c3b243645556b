/* sha256.h - SHA-256 of a byte string (FIPS 180-4), whole or in pieces.
 *
 * The ruleset's identity (rules_set.c: the rule files' bytes in load
 * order, the same digest as `cat FILES | sha256sum`), file hashes, JA4. A
 * context belongs to its caller; the functions keep no state of their own
 * but the CPU feature detected at start-up. */
#ifndef TAISHI_SHA256_H
#define TAISHI_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256_ctx {
    uint32_t h[8];
    uint64_t len;               /* bytes so far */
    uint8_t buf[64];
    uint32_t nbuf;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[32]);
/* One call; hex: 64 lower-case digits and a NUL. */
void sha256_hex(const void *data, size_t len, char hex[65]);
void sha256_to_hex(const uint8_t d[32], char hex[65]);
/* 1 when blocks go through the CPU's SHA extensions (detected at start-up),
 * 0 for the portable code. sha256_use_accel(0) forces the portable code,
 * (1) goes back to what the CPU has (tests compare the two). */
int sha256_accel(void);
void sha256_use_accel(int on);
/* FIPS 180-4 test vectors; 0 when they pass. */
int sha256_selftest(void);

#endif
