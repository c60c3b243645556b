/* sha1.h - SHA-1 of a byte string (FIPS 180-4).
 *
 * A pure function: no state, safe from any thread. */
#ifndef TAISHI_SHA1_H
#define TAISHI_SHA1_H

#include <stddef.h>
#include <stdint.h>

void sha1(const uint8_t *data, size_t len, uint8_t out[20]);

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
