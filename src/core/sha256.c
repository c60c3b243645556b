/* sha256.c - SHA-256 (FIPS 180-4), written from the specification: the
 * ruleset's digest, the sha256 of every tracked file (fileinfo), JA4's two
 * hashes per TLS/QUIC ClientHello, certificate fingerprints.
 *
 * Two block functions with the same answers: the portable one (eight
 * registers, the rounds unrolled by eight so no state moves), and, where the
 * CPU has the SHA extensions (SHA-NI), sha256rnds2 two rounds at a time -
 * a JA4 cost 32,000 instructions with the textbook loop (callgrind, session
 * 8). sha256_use_accel(0) forces the portable one (tests run both).
 *
 * No state of its own but the detected CPU feature: a context is its
 * caller's. */
#include <stdio.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "hash_internal.h"
#include "taishi/core/sha256.h"

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define S0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define S1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define RND(a, b, c, d, e, f, g, h, i) do { \
        uint32_t t1_ = (h) + S1(e) + (((e) & (f)) ^ (~(e) & (g))) + K[i] + w[i]; \
        (d) += t1_; \
        (h) = t1_ + S0(a) + (((a) & (b)) ^ ((a) & (c)) ^ ((b) & (c))); \
    } while (0)

static void block_c(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i += 8) {   /* each round renames instead of moving */
        RND(a, b, c, d, e, f, g, hh, i);
        RND(hh, a, b, c, d, e, f, g, i + 1);
        RND(g, hh, a, b, c, d, e, f, i + 2);
        RND(f, g, hh, a, b, c, d, e, i + 3);
        RND(e, f, g, hh, a, b, c, d, i + 4);
        RND(d, e, f, g, hh, a, b, c, i + 5);
        RND(c, d, e, f, g, hh, a, b, i + 6);
        RND(b, c, d, e, f, g, hh, a, i + 7);
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

#if defined(__x86_64__)
/* SHA-NI: the state lives as two vectors, ABEF and CDGH (lane 0 = the last
 * letter); sha256rnds2 does two rounds on the low two words of W+K and
 * returns the new ABEF, the old one becoming CDGH. Message words four at a
 * time: group g >= 4 is msg2(msg1(M[g-4], M[g-3]) + W[4g-7..4g-4], M[g-1]),
 * the FIPS 180-4 recurrence (W[4g-7..4g-4] = alignr(M[g-1], M[g-2], 4)). */
__attribute__((target("sha,sse4.1,ssse3")))
static void block_ni(uint32_t h[8], const uint8_t *p)
{
    const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    __m128i dcba = _mm_loadu_si128((const __m128i *)(const void *)h);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)(const void *)(h + 4));
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);
    __m128i abef0 = abef, cdgh0 = cdgh, m[4];

    for (int g = 0; g < 16; g++) {
        __m128i wv;
        if (g < 4) {
            wv = m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)),
                                         bswap);
        } else {
            __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(m[(g - 4) & 3], m[(g - 3) & 3]),
                                      _mm_alignr_epi8(m[(g - 1) & 3], m[(g - 2) & 3], 4));
            wv = m[g & 3] = _mm_sha256msg2_epu32(t, m[(g - 1) & 3]);
        }
        __m128i wk = _mm_add_epi32(wv, _mm_loadu_si128((const __m128i *)(const void *)(K + 4 * g)));
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
    }
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);
    __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
    _mm_storeu_si128((__m128i *)(void *)h, _mm_blend_epi16(feba, dchg, 0xf0));
    _mm_storeu_si128((__m128i *)(void *)(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

static int use_ni = -1;                 /* set before main (sha256_detect) */

__attribute__((constructor)) static void sha256_detect(void)
{
    use_ni = hash_cpu_has_sha();
}
#else
static int use_ni = 0;
#endif

static void block(uint32_t h[8], const uint8_t *p)
{
#if defined(__x86_64__)
    if (use_ni > 0) {
        block_ni(h, p);
        return;
    }
#endif
    block_c(h, p);
}

int sha256_accel(void)
{
    return use_ni > 0;
}

void sha256_use_accel(int on)
{
#if defined(__x86_64__)
    use_ni = on ? hash_cpu_has_sha() : 0;
#else
    (void)on;
#endif
}

void sha256_init(struct sha256_ctx *c)
{
    static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(c->h, h0, sizeof(h0));
    c->len = 0;
    c->nbuf = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
    c->len += len;
    hash_feed(c->h, c->buf, &c->nbuf, data, len, block);
}

void sha256_final(struct sha256_ctx *c, uint8_t out[32])
{
    uint64_t bits = c->len * 8;
    uint8_t pad[72] = { 0x80 };
    size_t npad = (c->nbuf < 56 ? 56 : 120) - c->nbuf;

    for (int i = 0; i < 8; i++)
        pad[npad + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(c, pad, npad + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

void sha256_to_hex(const uint8_t d[32], char hex[65])
{
    static const char x[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = x[d[i] >> 4];
        hex[2 * i + 1] = x[d[i] & 15];
    }
    hex[64] = 0;
}

void sha256_hex(const void *data, size_t len, char hex[65])
{
    struct sha256_ctx c;
    uint8_t d[32];

    sha256_init(&c);
    sha256_update(&c, data, len);
    sha256_final(&c, d);
    sha256_to_hex(d, hex);
}

int sha256_selftest(void)
{
    static const struct { const char *in, *out; } v[] = {
        { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    };
    char hex[65];
    int bad = 0;

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        sha256_hex(v[i].in, strlen(v[i].in), hex);
        bad += strcmp(hex, v[i].out) != 0;
    }
    /* a million 'a' in uneven pieces: the buffering across blocks */
    struct sha256_ctx c;
    uint8_t d[32];
    char a[997];
    memset(a, 'a', sizeof(a));
    sha256_init(&c);
    for (size_t done = 0; done < 1000000;) {
        size_t n = 1000000 - done < sizeof(a) ? 1000000 - done : sizeof(a) - done % 7;
        sha256_update(&c, a, n);
        done += n;
    }
    sha256_final(&c, d);
    sha256_to_hex(d, hex);
    bad += strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") != 0;
    return bad ? -1 : 0;
}
