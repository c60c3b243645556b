/* hash_internal.h - what md5.c, sha1.c and sha256.c share: the SHA-NI
 * check, and the 64-byte block feeding: bytes are buffered up to a whole
 * block, whole blocks of the input are compressed in place, the rest waits
 * in the buffer.
 *
 * Ownership: none (a static inline over the caller's context fields). */
#ifndef TAISHI_CORE_HASH_INTERNAL_H
#define TAISHI_CORE_HASH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>

/* Has the CPU the SHA extensions (and the SSSE3/SSE4.1 their code uses)?
 * CPUID directly (clang's __builtin_cpu_supports has no "sha"): leaf 1
 * ECX bit 9 SSSE3, bit 19 SSE4.1; leaf 7 EBX bit 29 SHA. */
static inline int hash_cpu_has_sha(void)
{
    unsigned a, b, c, d;
    int ok = __get_cpuid(1, &a, &b, &c, &d) && (c >> 9 & 1) && (c >> 19 & 1);
    return ok && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 29 & 1);
}
#endif

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
