/* sha1.c - SHA-1 (FIPS 180-4), written from the specification: the Community
 * ID of every flow (flow/community_id.c), TLS certificate fingerprints
 * (app/app_x509.c) and the to_sha1 transform of the rules (detect/).
 *
 * The one-shot sha1() is a pure function; the incremental context is the
 * caller's. Safe from any thread. */
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "hash_internal.h"
#include "taishi/core/sha1.h"

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* One 64-byte block. The message schedule lives in a 16-word ring and the
 * four 20-round stages are separate loops (no per-round branch): about 3x
 * the speed of the textbook loop, and one SHA-1 per flow is what every
 * event's community_id costs. */
#define SHA1_W(i) (w[(i) & 15] = ROL(w[((i) - 3) & 15] ^ w[((i) - 8) & 15] ^ \
                                     w[((i) - 14) & 15] ^ w[(i) & 15], 1))
#define SHA1_ROUND(f, k, wi) do { \
        uint32_t t_ = ROL(a, 5) + (f) + e + (k) + (wi); \
        e = d; d = c; c = ROL(b, 30); b = a; a = t_; \
    } while (0)

static void sha1_block_c(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    int i;

    for (i = 0; i < 16; i++) {
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        SHA1_ROUND(d ^ (b & (c ^ d)), 0x5a827999, w[i]);
    }
    for (; i < 20; i++)
        SHA1_ROUND(d ^ (b & (c ^ d)), 0x5a827999, SHA1_W(i));
    for (; i < 40; i++)
        SHA1_ROUND(b ^ c ^ d, 0x6ed9eba1, SHA1_W(i));
    for (; i < 60; i++)
        SHA1_ROUND((b & c) | (d & (b | c)), 0x8f1bbcdc, SHA1_W(i));
    for (; i < 80; i++)
        SHA1_ROUND(b ^ c ^ d, 0xca62c1d6, SHA1_W(i));
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

#if defined(__x86_64__)
/* The same block with the x86 SHA extensions (SHA-NI: Intel since Ice Lake
 * and Goldmont, AMD since Zen), about 10x the portable loop: four rounds per
 * sha1rnds4, the schedule by sha1msg1/sha1msg2. Lanes hold words in reverse
 * order (lane 3 = A, and the first message word of a group). Group g (rounds
 * 4g..4g+3) takes W[4g..4g+3]; from g = 4 on, that is
 * msg2(msg1(M[g-4], M[g-3]) ^ M[g-2], M[g-1]), the FIPS 180-4 recurrence four
 * words at a time; its E is sha1nexte of the state before the previous group. */
#define SHANI_GROUP(g, f) do { \
        __m128i w_ = (g) < 4 ? m[(g) & 3] \
                             : (m[(g) & 3] = _mm_sha1msg2_epu32( \
                                    _mm_xor_si128(_mm_sha1msg1_epu32(m[((g) - 4) & 3], m[((g) - 3) & 3]), \
                                                  m[((g) - 2) & 3]), m[((g) - 1) & 3])); \
        __m128i e_ = _mm_sha1nexte_epu32(prev, w_); \
        prev = abcd; \
        abcd = _mm_sha1rnds4_epu32(abcd, e_, f); \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3")))
static void sha1_block_ni(uint32_t h[5], const uint8_t *p)
{
    const __m128i rev = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)h), 0x1b);
    __m128i e0 = _mm_set_epi32((int)h[4], 0, 0, 0), abcd0 = abcd, m[4];
    for (int i = 0; i < 4; i++)
        m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)), rev);
    __m128i prev = abcd;
    abcd = _mm_sha1rnds4_epu32(abcd, _mm_add_epi32(e0, m[0]), 0);
    SHANI_GROUP(1, 0); SHANI_GROUP(2, 0); SHANI_GROUP(3, 0); SHANI_GROUP(4, 0);
    SHANI_GROUP(5, 1); SHANI_GROUP(6, 1); SHANI_GROUP(7, 1); SHANI_GROUP(8, 1); SHANI_GROUP(9, 1);
    SHANI_GROUP(10, 2); SHANI_GROUP(11, 2); SHANI_GROUP(12, 2); SHANI_GROUP(13, 2); SHANI_GROUP(14, 2);
    SHANI_GROUP(15, 3); SHANI_GROUP(16, 3); SHANI_GROUP(17, 3); SHANI_GROUP(18, 3); SHANI_GROUP(19, 3);
    __m128i e = _mm_sha1nexte_epu32(prev, e0);
    abcd = _mm_shuffle_epi32(_mm_add_epi32(abcd, abcd0), 0x1b);
    _mm_storeu_si128((__m128i *)(void *)h, abcd);
    h[4] = (uint32_t)_mm_extract_epi32(e, 3);
}

static int use_ni = -1;                 /* set before main (sha1_detect) */

__attribute__((constructor)) static void sha1_detect(void)
{
    use_ni = hash_cpu_has_sha();
}
#else
static int use_ni = 0;
#endif

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
#if defined(__x86_64__)
    if (use_ni > 0) {
        sha1_block_ni(h, p);
        return;
    }
#endif
    sha1_block_c(h, p);
}

int sha1_accel(void)
{
    return use_ni > 0;
}

void sha1_use_accel(int on)
{
#if defined(__x86_64__)
    if (!on)
        use_ni = 0;
    else
        sha1_detect();
#else
    (void)on;
#endif
}

void sha1(const uint8_t *data, size_t len, uint8_t out[20])
{
    uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
    uint8_t last[128];
    size_t full = len / 64 * 64, rest = len - full;

    for (size_t i = 0; i < full; i += 64)
        sha1_block(h, data + i);
    memset(last, 0, sizeof(last));
    memcpy(last, data + full, rest);
    last[rest] = 0x80;
    size_t tail = rest + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        last[tail - 1 - i] = (uint8_t)(bits >> (8 * i));
    sha1_block(h, last);
    if (tail == 128)
        sha1_block(h, last + 64);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

void sha1_init(struct sha1_ctx *c)
{
    static const uint32_t iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
    memcpy(c->h, iv, sizeof(iv));
    c->len = 0;
    c->nbuf = 0;
}

void sha1_update(struct sha1_ctx *c, const void *data, size_t len)
{
    c->len += len;
    hash_feed(c->h, c->buf, &c->nbuf, data, len, sha1_block);
}

void sha1_final(struct sha1_ctx *c, uint8_t out[20])
{
    uint8_t last[128];
    size_t rest = c->nbuf;
    uint64_t bits = c->len * 8;

    memset(last, 0, sizeof(last));
    memcpy(last, c->buf, rest);
    last[rest] = 0x80;
    size_t tail = rest + 1 + 8 <= 64 ? 64 : 128;
    for (int i = 0; i < 8; i++)
        last[tail - 1 - i] = (uint8_t)(bits >> (8 * i));
    sha1_block(c->h, last);
    if (tail == 128)
        sha1_block(c->h, last + 64);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}
