/* md5.h - MD5 (RFC 1321), for JA3/JA3S fingerprints only (not for security).
 *
 * Pure functions: no state, safe from any thread. Written from the RFC. */
#ifndef TAISHI_MD5_H
#define TAISHI_MD5_H

#include <stddef.h>
#include <stdint.h>

void md5(const uint8_t *data, size_t len, uint8_t out[16]);

/* Incremental MD5 (file hashes, app/app_file.c): init, update any number
 * of times, final. The context is the caller's; no other state. */
struct md5_ctx {
    uint32_t h[4];
    uint64_t len;               /* bytes so far */
    uint8_t buf[64];
    uint32_t nbuf;
};
void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *data, size_t len);
void md5_final(struct md5_ctx *c, uint8_t out[16]);
/* Lower-case hex digest, NUL-terminated (33 bytes). */
void md5_hex(const uint8_t *data, size_t len, char out[33]);

#endif
