/* test_community_id.c - SHA-1 against the FIPS 180 vectors and Community ID
 * v1 against the specification's example and against values computed
 * independently (Python's hashlib/base64 following the spec's pseudo code:
 * seed, addresses, proto, pad, ports; ordered unless ICMP is one-way).
 *
 * Inputs are placed with guard_copy(), so a read past their end faults. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/core/sha1.h"
#include "taishi/flow/community_id.h"
#include "unit.h"

static const char *hex(const uint8_t d[20])
{
    static char s[41];
    for (int i = 0; i < 20; i++)
        snprintf(s + 2 * i, 3, "%02x", d[i]);
    return s;
}

static const char *sha1_hex(const void *data, size_t n)
{
    uint8_t d[20];
    const uint8_t *g = guard_copy(data, n);
    sha1(g, n, d);
    guard_release(g, n);
    return hex(d);
}

static void test_sha1(void)
{
    CHECK_STR(sha1_hex("", 0), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK_STR(sha1_hex("abc", 3), "a9993e364706816aba3e25717850c26c9cd0d89d");
    static const char v448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_STR(sha1_hex(v448, sizeof(v448) - 1), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    static const char v896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                               "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    CHECK_STR(sha1_hex(v896, sizeof(v896) - 1), "a49b2446a02c645bf419f995b67091253a04a259");
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    CHECK_STR(sha1_hex(million, 1000000), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    free(million);

    /* Padding boundaries: byte i is i*7 mod 256 (values from Python's hashlib). */
    static const struct { size_t n; const char *want; } b[] = {
        { 3, "75550941124b46eb4161d17ac200c05c4fc03ce7" }, { 55, "aecd1643c9903b9bae8cb94f53c50f8a4e18605b" },
        { 56, "f5d65c621c02cc8e785159feff8088e3072da1bc" }, { 63, "4952f0fe097e4d6410ae9eab4855aa836caf3bff" },
        { 64, "1e17ae1fc093e5daca033553c97a5192ca164486" }, { 65, "ac44f5dbe3e9b5d2733fc9537fcad715c3c20bc3" },
        { 119, "b4a4e69060d0b1e7e8ebbf7041a4211c63438b57" }, { 120, "b651390c2996406336a3f6647e4b590c18cdd6f8" },
        { 128, "516846cd40bd1fe431119c3b0a0f362957992ee8" }, { 1000, "38f3aa587f4aa04965a359f9151092759b3a4c2a" },
    };
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
        CHECK_STR(sha1_hex(buf, b[i].n), b[i].want);
}

/* Community ID of one direction; addresses in text. */
static const char *cid(uint16_t seed, const char *src, const char *dst, uint8_t proto,
                       uint16_t sport, uint16_t dport)
{
    static char out[2][32];
    static int which;
    uint8_t s[16] = {0}, d[16] = {0};
    int v6 = strchr(src, ':') != NULL;
    inet_pton(v6 ? AF_INET6 : AF_INET, src, s);
    inet_pton(v6 ? AF_INET6 : AF_INET, dst, d);
    size_t alen = v6 ? 16 : 4;
    const uint8_t *gs = guard_copy(s, alen), *gd = guard_copy(d, alen);
    char *o = out[which ^= 1];
    memset(o, 'Z', 32);
    community_id_v1(seed, v6 ? 6 : 4, gs, gd, proto, sport, dport, o);
    guard_release(gs, alen);
    guard_release(gd, alen);
    CHECK(memchr(o, 0, 32) != NULL);               /* terminated within 32 bytes */
    return o;
}

static void test_community_id(void)
{
    /* The specification's example, and the reply direction. */
    CHECK_STR(cid(0, "128.232.110.120", "66.35.250.204", 6, 34855, 80), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    CHECK_STR(cid(0, "66.35.250.204", "128.232.110.120", 6, 80, 34855), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    CHECK_EQ_U(strlen(cid(0, "1.1.1.1", "2.2.2.2", 6, 1, 2)), 30);

    /* ICMP echo request and its reply: one flow, one id. */
    CHECK_STR(cid(0, "192.168.0.89", "192.168.0.1", 1, 8, 0), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    CHECK_STR(cid(0, "192.168.0.1", "192.168.0.89", 1, 0, 0), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    /* Destination unreachable has no counterpart: one-way, not reordered. */
    CHECK_STR(cid(0, "192.168.0.89", "192.168.0.1", 1, 3, 1), "1:LXCfhMUFbYXe+CEMrQuZCbiLY3o=");
    CHECK_STR(cid(0, "192.168.0.1", "192.168.0.89", 1, 3, 1), "1:o3zT92uTgnRWv/YrDVeXcWumpC4=");
    CHECK(strcmp(cid(0, "192.168.0.89", "192.168.0.1", 1, 3, 1), cid(0, "192.168.0.1", "192.168.0.89", 1, 3, 1)) != 0);

    /* ICMPv6 echo request/reply; a one-way ICMPv6 type. */
    CHECK_STR(cid(0, "fe80::1", "fe80::2", 58, 128, 0), "1:3H+V/JVcqh/phPel5utt4dOKqOU=");
    CHECK_STR(cid(0, "fe80::2", "fe80::1", 58, 129, 0), "1:3H+V/JVcqh/phPel5utt4dOKqOU=");
    CHECK_STR(cid(0, "fe80::1", "ff02::1", 58, 1, 4), "1:NeMl+RONpx4rQHRKoBOPE9kbVGI=");

    /* IPv6 UDP, both ways. */
    CHECK_STR(cid(0, "2001:db8::1", "2001:db8::2", 17, 53, 5353), "1:tajKKCYPX5Fr60+44RSdKtpFb4s=");
    CHECK_STR(cid(0, "2001:db8::2", "2001:db8::1", 17, 5353, 53), "1:tajKKCYPX5Fr60+44RSdKtpFb4s=");

    /* IPv4 UDP, with and without a seed. */
    CHECK_STR(cid(0, "10.0.0.1", "10.0.0.2", 17, 5000, 53), "1:4sSMKwiLG6ALt16rSG1QjqDtqLk=");
    CHECK_STR(cid(1, "10.0.0.1", "10.0.0.2", 17, 5000, 53), "1:pEqFuwZPoW+JLkyvs3fiTcuA4C0=");
    CHECK_STR(cid(1, "10.0.0.2", "10.0.0.1", 17, 53, 5000), "1:pEqFuwZPoW+JLkyvs3fiTcuA4C0=");
    CHECK_STR(cid(0xffff, "1.2.3.4", "5.6.7.8", 17, 1, 2), "1:rei8HqwTksPDycliyrxqx2CuLGM=");

    /* SCTP has ports; GRE has none (and ignores what is passed). */
    CHECK_STR(cid(0, "10.0.0.1", "10.0.0.2", 132, 2905, 2906), "1:kMcuo4qC9WPUGvJ3nlacSTwVVl0=");
    CHECK_STR(cid(0, "10.0.0.1", "10.0.0.2", 47, 0, 0), "1:+KlEHDT0vJgzs/eNmzHq0aSpRYw=");
    CHECK_STR(cid(0, "10.0.0.2", "10.0.0.1", 47, 0, 0), "1:+KlEHDT0vJgzs/eNmzHq0aSpRYw=");
    CHECK_STR(cid(0, "10.0.0.1", "10.0.0.2", 47, 1, 2), "1:+KlEHDT0vJgzs/eNmzHq0aSpRYw=");

    /* Equal addresses: the ports decide the order. */
    CHECK_STR(cid(0, "10.0.0.5", "10.0.0.5", 6, 80, 1234), "1:+SLDQ+xwzq8AJzoEl6k7WhPvhLY=");
    CHECK_STR(cid(0, "10.0.0.5", "10.0.0.5", 6, 1234, 80), "1:+SLDQ+xwzq8AJzoEl6k7WhPvhLY=");

    CHECK_EQ_U(community_id_selftest(), 0);
}

/* The SHA extensions' block function against the portable one: random
 * inputs of every length up to 300 bytes, one-shot and fed in random
 * pieces (xorshift, fixed seed). Without SHA-NI both runs are the portable
 * code and agree trivially; the FIPS vectors above run in both modes. */
static void test_sha1_paths(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    uint8_t in[300], a[20], b[20], c[20];
    int accel = sha1_accel();
    printf("sha1: SHA extensions %s\n", accel ? "present: both paths compared" : "absent: portable only");
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)round % 301;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            in[i] = (uint8_t)x;
        }
        sha1_use_accel(1);
        sha1(in, n, a);
        struct sha1_ctx ctx;
        sha1_init(&ctx);
        for (size_t o = 0; o < n;) {
            size_t k = 1 + (size_t)(x % 97);
            if (k > n - o)
                k = n - o;
            sha1_update(&ctx, in + o, k);
            o += k;
            x = x * 6364136223846793005ULL + 1;
        }
        sha1_final(&ctx, c);
        sha1_use_accel(0);
        sha1(in, n, b);
        if (memcmp(a, b, 20) || memcmp(a, c, 20)) {
            CHECK(!"sha1: the two block functions disagree");
            printf("  at length %zu\n", n);
            break;
        }
    }
    sha1_use_accel(1);
    CHECK_EQ_U(sha1_accel(), accel);
}

int main(void)
{
    test_sha1();                /* the CPU's SHA extensions when it has them */
    sha1_use_accel(0);
    test_sha1();                /* the portable code */
    sha1_use_accel(1);
    test_sha1_paths();
    test_community_id();
    return unit_done("community_id");
}
