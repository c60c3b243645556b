/* community_id.c - SHA-1 (FIPS 180-4) and Community ID v1.
 *
 * Community ID orders the two endpoints so that both directions of a flow
 * hash alike; for ICMP the "ports" are the type and, for messages that come
 * in request/reply pairs, the type of the counterpart (otherwise the code,
 * and the flow is one-way: no reordering). Written from the specification. */
#include <string.h>

#include "taishi/community_id.h"

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

/* Returns 1 and sets *peer when an ICMP type has a request/reply counterpart. */
static int icmp_counterpart(uint8_t proto, uint16_t type, uint16_t *peer)
{
    static const uint8_t v4[][2] = { {8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16}, {16, 15},
                                     {10, 9}, {9, 10}, {17, 18}, {18, 17} };
    static const uint8_t v6[][2] = { {128, 129}, {129, 128}, {133, 134}, {134, 133},
                                     {135, 136}, {136, 135}, {130, 131}, {131, 130},
                                     {139, 140}, {140, 139}, {144, 145}, {145, 144} };
    const uint8_t (*t)[2] = proto == 1 ? v4 : v6;
    size_t n = proto == 1 ? sizeof(v4) / 2 : sizeof(v6) / 2;

    for (size_t i = 0; i < n; i++)
        if (t[i][0] == type) {
            *peer = t[i][1];
            return 1;
        }
    return 0;
}

static void base64(const uint8_t *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = tab[v >> 18]; out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63]; out[o++] = tab[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = tab[v >> 18]; out[o++] = tab[(v >> 12) & 63];
        out[o++] = '='; out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = tab[v >> 18]; out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63]; out[o++] = '=';
    }
    out[o] = 0;
}

void community_id_v1(uint16_t seed, int ipver, const uint8_t *saddr, const uint8_t *daddr,
                     uint8_t proto, uint16_t sport, uint16_t dport, char out[32])
{
    uint8_t buf[2 + 16 + 16 + 2 + 4], dig[20];
    size_t alen = ipver == 6 ? 16 : 4, n = 0;
    int ports = proto == 6 || proto == 17 || proto == 132 || proto == 1 || proto == 58;
    int one_way = 0;

    if (proto == 1 || proto == 58) {
        uint16_t peer;
        if (icmp_counterpart(proto, sport, &peer))
            dport = peer;
        else
            one_way = 1;
    }
    int cmp = memcmp(saddr, daddr, alen);
    if (!one_way && (cmp > 0 || (cmp == 0 && ports && sport > dport))) {
        const uint8_t *t = saddr; saddr = daddr; daddr = t;
        uint16_t tp = sport; sport = dport; dport = tp;
    }
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, saddr, alen); n += alen;
    memcpy(buf + n, daddr, alen); n += alen;
    buf[n++] = proto;
    buf[n++] = 0;
    if (ports) {
        buf[n++] = (uint8_t)(sport >> 8); buf[n++] = (uint8_t)sport;
        buf[n++] = (uint8_t)(dport >> 8); buf[n++] = (uint8_t)dport;
    }
    sha1(buf, n, dig);
    out[0] = '1';
    out[1] = ':';
    base64(dig, 20, out + 2);
}

int community_id_selftest(void)
{
    /* Vectors from the Community ID specification's baseline set. */
    static const uint8_t a[4] = {128, 232, 110, 120}, b[4] = {66, 35, 250, 204};
    static const uint8_t c[4] = {192, 168, 0, 89}, d[4] = {192, 168, 0, 1};
    uint8_t dig[20];
    char id[32];
    int bad = 0;

    sha1((const uint8_t *)"abc", 3, dig);
    bad += memcmp(dig, "\xa9\x99\x3e\x36\x47\x06\x81\x6a\xba\x3e\x25\x71\x78\x50\xc2\x6c\x9c\xd0\xd8\x9d", 20) != 0;
    community_id_v1(0, 4, a, b, 6, 34855, 80, id);
    bad += strcmp(id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=") != 0;
    community_id_v1(0, 4, b, a, 6, 80, 34855, id);           /* reply direction: same id */
    bad += strcmp(id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=") != 0;
    community_id_v1(0, 4, c, d, 1, 8, 0, id);                /* ICMP echo request */
    bad += strcmp(id, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=") != 0;
    return bad ? -1 : 0;
}
