/* sha1.c - SHA-1 (FIPS 180-4), written from the specification: the Community
 * ID of every flow (flow/community_id.c), TLS certificate fingerprints
 * (app/app_x509.c) and the to_sha1 transform of the rules (detect/).
 *
 * The one-shot sha1() is a pure function; the incremental context is the
 * caller's. Safe from any thread. */
#include <string.h>

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

static void sha1_block(uint32_t h[5], const uint8_t *p)
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
