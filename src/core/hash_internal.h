/* hash_internal.h - the 64-byte block feeding shared by md5.c, sha1.c and
 * sha256.c: bytes are buffered up to a whole block, whole blocks of the
 * input are compressed in place, the rest waits in the buffer.
 *
 * Ownership: none (a static inline over the caller's context fields). */
#ifndef TAISHI_CORE_HASH_INTERNAL_H
#define TAISHI_CORE_HASH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void hash_feed(uint32_t *h, uint8_t buf[64], uint32_t *nbuf, const uint8_t *p,
                             size_t len, void (*block)(uint32_t *h, const uint8_t *p))
{
    if (*nbuf) {
        size_t k = 64 - *nbuf < len ? 64 - *nbuf : len;
        memcpy(buf + *nbuf, p, k);
        *nbuf += (uint32_t)k;
        p += k;
        len -= k;
        if (*nbuf < 64)
            return;
        block(h, buf);
        *nbuf = 0;
    }
    for (; len >= 64; p += 64, len -= 64)
        block(h, p);
    if (len)
        memcpy(buf, p, len);
    *nbuf = (uint32_t)len;
}

#endif
