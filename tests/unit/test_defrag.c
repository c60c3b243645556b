/* test_defrag.c - IPv4/IPv6 reassembly through defrag_ipv4/defrag_ipv6 and
 * through decode_frame().
 *
 * A datagram's payload is a byte pattern; fragments are cut from it by
 * offset and length, so the reassembled bytes can be compared exactly.
 * Fragments handed to the defragmenter sit in guard_copy() memory. */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "taishi/decode/decode.h"
#include "taishi/decode/defrag.h"
#include "unit.h"

#define SEC 1000000000ULL

static uint8_t pattern[65536 + 1024];     /* room for fragments cut near 64 KiB */

static struct defrag *mk(uint32_t trackers, uint32_t timeout, uint32_t maxfrags)
{
    struct defrag_config c = { trackers, timeout, maxfrags };
    return defrag_create(&c);
}

/* Writes an IPv4 fragment (header of hl bytes, NOP options) of data[off, off+len). */
static uint32_t frag4_hl(uint8_t *out, uint32_t hl, uint16_t id, uint32_t off, uint32_t len,
                         int more, const uint8_t *data)
{
    uint32_t tot = hl + len;
    memset(out, 1, hl);                          /* options: NOP */
    out[0] = (uint8_t)(0x40 | hl / 4); out[1] = 0;
    out[2] = (uint8_t)(tot >> 8); out[3] = (uint8_t)tot;
    out[4] = (uint8_t)(id >> 8); out[5] = (uint8_t)id;
    uint16_t fo = (uint16_t)((more ? 0x2000 : 0) | (off / 8));
    out[6] = (uint8_t)(fo >> 8); out[7] = (uint8_t)fo;
    out[8] = 64; out[9] = 17; out[10] = out[11] = 0;
    memcpy(out + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    memcpy(out + hl, data + off, len);
    return tot;
}
static uint32_t frag4(uint8_t *out, uint16_t id, uint32_t off, uint32_t len, int more, const uint8_t *data)
{
    return frag4_hl(out, 20, id, off, len, more, data);
}

static uint8_t fbuf[70000];

/* Sends one IPv4 fragment (from guard memory); returns the DEFRAG_* result. */
static int send4(struct defrag *df, uint16_t id, uint32_t off, uint32_t len, int more,
                 const uint8_t *data, uint32_t vlan, uint64_t ts, const uint8_t **out,
                 uint32_t *outlen, uint16_t *ev)
{
    uint32_t n = frag4(fbuf, id, off, len, more, data);
    const uint8_t *g = guard_copy(fbuf, n);
    *ev = 0;
    int r = defrag_ipv4(df, g, n, vlan, 0, ts, out, outlen, ev);
    guard_release(g, n);
    return r;
}

static int cksum_ok(const uint8_t *h, uint32_t hl)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < hl; i += 2)
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

/* A reassembled IPv4 datagram of `len` payload bytes equal to data. */
static void check_v4(const uint8_t *o, uint32_t outlen, uint16_t id, const uint8_t *data, uint32_t len)
{
    CHECK_EQ_U(outlen, 20 + len);
    CHECK_EQ_U(o[0], 0x45);
    CHECK_EQ_U(o[2] << 8 | o[3], 20 + len);
    CHECK_EQ_U(o[4] << 8 | o[5], id);
    CHECK_EQ_U(o[6] & 0x3f, 0);                    /* MF and offset cleared */
    CHECK_EQ_U(o[7], 0);
    CHECK_EQ_U(o[9], 17);
    CHECK(!memcmp(o + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8));
    CHECK(cksum_ok(o, 20));
    CHECK(!memcmp(o + 20, data, len));
}

static void test_v4_orders(void)
{
    struct defrag *df = mk(16, 60, 256);
    const uint8_t *o = NULL;
    uint32_t ol = 0;
    uint16_t ev;

    CHECK_EQ_U(send4(df, 1, 0, 24, 1, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 1, 24, 24, 1, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 1, 48, 13, 0, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_COMPLETE);
    CHECK_EQ_U(ev, 0);
    UNIT_AT(check_v4(o, ol, 1, pattern, 61));
    const uint8_t *first = o;

    /* last, first, middle */
    CHECK_EQ_U(send4(df, 2, 48, 13, 0, pattern + 100, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 2, 0, 24, 1, pattern + 100, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 2, 24, 24, 1, pattern + 100, 0, SEC, &o, &ol, &ev), DEFRAG_COMPLETE);
    UNIT_AT(check_v4(o, ol, 2, pattern + 100, 61));
    CHECK(o != first);                            /* two output buffers: the first is still there */
    UNIT_AT(check_v4(first, 81, 1, pattern, 61));

    /* The same id in another VLAN is another datagram. */
    CHECK_EQ_U(send4(df, 3, 0, 8, 1, pattern, 10, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 3, 8, 8, 0, pattern, 20, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 3, 8, 8, 0, pattern, 10, SEC, &o, &ol, &ev), DEFRAG_COMPLETE);
    UNIT_AT(check_v4(o, ol, 3, pattern, 16));

    const struct defrag_stats *st = defrag_stats(df);
    CHECK_EQ_U(st->fragments, 9);
    CHECK_EQ_U(st->reassembled, 3);
    CHECK_EQ_U(st->overlaps, 0);
    defrag_destroy(df);
}

static void test_v4_overlap(void)
{
    struct defrag *df = mk(16, 60, 256);
    uint8_t other[64], want[61];
    const uint8_t *o = NULL;
    uint32_t ol = 0;
    uint16_t ev;

    memset(other, 'X', sizeof(other));
    CHECK_EQ_U(send4(df, 7, 0, 24, 1, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    /* [16, 32) of other bytes: units 16..23 are taken, 24..31 are new */
    CHECK_EQ_U(send4(df, 7, 16, 16, 1, other, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(ev, EV_FRAG_OVERLAP);
    CHECK_EQ_U(send4(df, 7, 24, 24, 1, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(ev, EV_FRAG_OVERLAP);
    CHECK_EQ_U(send4(df, 7, 48, 13, 0, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_COMPLETE);
    memcpy(want, pattern, 61);
    memset(want + 24, 'X', 8);                    /* the first copy of each byte wins */
    UNIT_AT(check_v4(o, ol, 7, want, 61));
    CHECK_EQ_U(defrag_stats(df)->overlaps, 2);

    /* A duplicate of a whole fragment is an overlap too, and changes nothing. */
    CHECK_EQ_U(send4(df, 8, 0, 16, 1, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 8, 0, 16, 1, other, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(ev, EV_FRAG_OVERLAP);
    CHECK_EQ_U(send4(df, 8, 16, 5, 0, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_COMPLETE);
    UNIT_AT(check_v4(o, ol, 8, pattern, 21));
    defrag_destroy(df);
}

static void test_v4_refused(void)
{
    struct defrag *df = mk(16, 60, 4);
    const uint8_t *o = NULL;
    uint32_t ol = 0;
    uint16_t ev;

    CHECK_EQ_U(send4(df, 20, 65520, 24, 0, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_DROPPED);
    CHECK_EQ_U(ev, EV_FRAG_TOO_LARGE);
    CHECK_EQ_U(defrag_stats(df)->too_large, 1);
    CHECK_EQ_U(send4(df, 20, 65512, 3, 0, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);   /* 65535 exactly: fine */

    CHECK_EQ_U(send4(df, 21, 0, 20, 1, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_DROPPED);   /* not a multiple of 8 */
    CHECK_EQ_U(ev, EV_FRAG_INVALID);
    CHECK_EQ_U(send4(df, 21, 8, 0, 1, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_DROPPED);    /* empty, not last */
    CHECK_EQ_U(defrag_stats(df)->invalid, 2);

    CHECK_EQ_U(send4(df, 22, 16, 8, 0, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 22, 16, 16, 1, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_DROPPED); /* beyond the end */
    CHECK_EQ_U(ev, EV_FRAG_INVALID);
    CHECK_EQ_U(send4(df, 22, 8, 8, 0, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_DROPPED);   /* a second, other end */

    for (unsigned i = 0; i < 4; i++)              /* max-fragments 4: the fifth is refused */
        CHECK_EQ_U(send4(df, 23, 8 * (i + 1), 8, 1, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 23, 0, 8, 1, pattern, 0, SEC, &o, &ol, &ev), DEFRAG_DROPPED);
    CHECK_EQ_U(defrag_stats(df)->too_many_fragments, 1);

    /* A 60-byte first header and a 20-byte last one: each fragment fits,
     * the whole would be 65575 bytes, more than an IPv4 length can say. */
    uint32_t n = frag4_hl(fbuf, 60, 24, 0, 32768, 1, pattern);
    ev = 0;
    CHECK_EQ_U(defrag_ipv4(df, fbuf, n, 0, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    n = frag4(fbuf, 24, 32768, 65535 - 20 - 32768, 0, pattern);
    int r = defrag_ipv4(df, fbuf, n, 0, 0, SEC, &o, &ol, &ev);
    CHECK_EQ_U(r, DEFRAG_DROPPED);
    CHECK_EQ_U(ev, EV_FRAG_TOO_LARGE);
    CHECK_EQ_U(defrag_stats(df)->too_large, 2);
    n = frag4(fbuf, 24, 32768, 8, 0, pattern);     /* its tracker is gone */
    CHECK_EQ_U(defrag_ipv4(df, fbuf, n, 0, 0, SEC, &o, &ol, &ev), DEFRAG_HELD);
    defrag_destroy(df);
}

static void test_v4_limits(void)
{
    struct defrag *df = mk(4, 60, 256);
    const uint8_t *o = NULL;
    uint32_t ol = 0;
    uint16_t ev;

    for (uint16_t id = 1; id <= 4; id++)
        CHECK_EQ_U(send4(df, id, 0, 8, 1, pattern, 0, id * SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 5, 0, 8, 1, pattern, 0, 5 * SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(ev, EV_FRAG_TRACKERS_FULL);       /* datagram 1, the oldest, made room */
    CHECK_EQ_U(defrag_stats(df)->trackers_full, 1);
    CHECK_EQ_U(send4(df, 5, 8, 8, 0, pattern, 0, 5 * SEC, &o, &ol, &ev), DEFRAG_COMPLETE);
    UNIT_AT(check_v4(o, ol, 5, pattern, 16));
    CHECK_EQ_U(send4(df, 1, 8, 8, 0, pattern, 0, 5 * SEC, &o, &ol, &ev), DEFRAG_HELD);  /* its start is gone */
    CHECK_EQ_U(send4(df, 2, 8, 8, 0, pattern, 0, 5 * SEC, &o, &ol, &ev), DEFRAG_COMPLETE);
    defrag_destroy(df);

    df = mk(8, 60, 256);                           /* timeout */
    CHECK_EQ_U(send4(df, 9, 0, 8, 1, pattern, 0, 10 * SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 10, 0, 8, 1, pattern, 0, 50 * SEC, &o, &ol, &ev), DEFRAG_HELD);
    defrag_expire(df, 69 * SEC);
    CHECK_EQ_U(defrag_stats(df)->timeouts, 0);
    defrag_expire(df, 71 * SEC);
    CHECK_EQ_U(defrag_stats(df)->timeouts, 1);     /* 9 went, 10 stays */
    CHECK_EQ_U(send4(df, 9, 8, 8, 0, pattern, 0, 71 * SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send4(df, 10, 8, 8, 0, pattern, 0, 71 * SEC, &o, &ol, &ev), DEFRAG_COMPLETE);
    defrag_expire(df, 200 * SEC);
    CHECK_EQ_U(defrag_stats(df)->timeouts, 2);     /* the half of 9 that came late */
    defrag_destroy(df);
    defrag_destroy(NULL);
}

/* IPv6: fixed header, then fragment data passed decoded. */
static int send6(struct defrag *df, uint32_t id, uint32_t off, uint32_t len, int more,
                 const uint8_t *data, uint64_t ts, const uint8_t **out, uint32_t *outlen, uint16_t *ev)
{
    uint8_t h[40] = { 0x60, 0, 0, 0, 0, 0, 44, 64 };
    inet_pton(AF_INET6, "2001:db8::1", h + 8);
    inet_pton(AF_INET6, "2001:db8::2", h + 24);
    h[4] = (uint8_t)((len + 8) >> 8); h[5] = (uint8_t)(len + 8);
    const uint8_t *gh = guard_copy(h, 40), *gd = guard_copy(data + off, len);
    *ev = 0;
    int r = defrag_ipv6(df, gh, gd, len, 17, off, more, id, 0, 0, ts, out, outlen, ev);
    guard_release(gh, 40);
    guard_release(gd, len);
    return r;
}

static void check_v6(const uint8_t *o, uint32_t ol, const uint8_t *data, uint32_t len)
{
    uint8_t a[16];
    CHECK_EQ_U(ol, 40 + len);
    CHECK_EQ_U(o[0] >> 4, 6);
    CHECK_EQ_U(o[4] << 8 | o[5], len);              /* payload length fixed */
    CHECK_EQ_U(o[6], 17);                           /* next header from the Fragment header */
    inet_pton(AF_INET6, "2001:db8::1", a);
    CHECK(!memcmp(o + 8, a, 16));
    CHECK(!memcmp(o + 40, data, len));
}

static void test_v6(void)
{
    struct defrag *df = mk(16, 60, 256);
    const uint8_t *o = NULL;
    uint32_t ol = 0;
    uint16_t ev;

    CHECK_EQ_U(send6(df, 0x11223344, 0, 1232, 1, pattern, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send6(df, 0x11223344, 1232, 1232, 1, pattern, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send6(df, 0x11223344, 2464, 100, 0, pattern, SEC, &o, &ol, &ev), DEFRAG_COMPLETE);
    UNIT_AT(check_v6(o, ol, pattern, 2564));

    CHECK_EQ_U(send6(df, 5, 16, 4, 0, pattern + 7, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send6(df, 5, 8, 8, 1, pattern + 7, SEC, &o, &ol, &ev), DEFRAG_HELD);
    CHECK_EQ_U(send6(df, 5, 0, 8, 1, pattern + 7, SEC, &o, &ol, &ev), DEFRAG_COMPLETE);
    UNIT_AT(check_v6(o, ol, pattern + 7, 20));

    CHECK_EQ_U(send6(df, 6, 65488, 8, 0, pattern, SEC, &o, &ol, &ev), DEFRAG_DROPPED);
    CHECK_EQ_U(ev, EV_FRAG_TOO_LARGE);
    defrag_destroy(df);
}

/* --- through decode_frame ------------------------------------------------- */

static const struct decode_config dcfg = { 4789, 3544, 2152 };

/* Ethernet + IPv4 fragment of a UDP datagram whose L4 bytes are `l4`. */
static uint32_t eth_frag4(uint8_t *out, uint16_t id, uint32_t off, uint32_t len, int more, const uint8_t *l4)
{
    memcpy(out, "\0\1\2\3\4\5\0\6\7\x8\x9\xa\x08\x00", 14);
    return 14 + frag4(out + 14, id, off, len, more, l4);
}

static void decode_g(struct defrag *df, struct decode_stats *st, int link, const uint8_t *b,
                     uint32_t n, struct decoded *d)
{
    const uint8_t *g = guard_copy(b, n);
    decode_frame(&dcfg, st, df, link, g, n, n, 5 * SEC, d);
    if (d->nlayers)
        CHECK(d->base[d->nlayers - 1] != g);       /* reassembled: in the defragmenter's buffer */
    guard_release(g, n);
}

static void test_decode(void)
{
    struct defrag *df = mk(16, 60, 256);
    struct decode_stats st;
    struct decoded d;
    uint8_t l4[8 + 100], fr[200];

    memset(&st, 0, sizeof(st));
    memcpy(l4, "\x13\x88\x00\x35\x00\x6c\x00\x00", 8);    /* UDP 5000 -> 53, length 108 */
    memcpy(l4 + 8, pattern, 100);
    static const struct { uint32_t off, len; int more; } order[2][3] = {
        { { 0, 40, 1 }, { 40, 40, 1 }, { 80, 28, 0 } },
        { { 80, 28, 0 }, { 0, 40, 1 }, { 40, 40, 1 } },
    };
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 3; i++) {
            uint32_t n = eth_frag4(fr, (uint16_t)(0x500 + k), order[k][i].off, order[k][i].len,
                                   order[k][i].more, l4);
            decode_g(df, &st, LINK_ETHERNET, fr, n, &d);
            CHECK_EQ_U(d.anomaly, EV_NONE);
            CHECK_EQ_U(d.consumed, i < 2);
            CHECK_EQ_U(d.nlayers, i < 2 ? 0 : 1);
        }
        CHECK(d.layer[0].reassembled);
        CHECK_EQ_U(d.layer[0].key.proto, 17);
        CHECK_EQ_U(d.layer[0].key.sport, 5000);
        CHECK_EQ_U(d.layer[0].key.dport, 53);
        CHECK(d.layer[0].l4_ok);
        CHECK_EQ_U(d.layer[0].l4_len, 108);
        CHECK_EQ_U(d.layer[0].pl_len, 100);
        CHECK_EQ_U(d.base_len[0], 128);
        CHECK_EQ_U(d.layer[0].l3_off, 0);
        CHECK(!memcmp(d.base[0] + d.layer[0].pl_off, pattern, 100));
    }
    CHECK_EQ_U(st.udp, 2);
    CHECK_EQ_U(defrag_stats(df)->reassembled, 2);

    /* IPv6 with a Fragment header, through the decoder. */
    uint8_t f6[200];
    for (int i = 0; i < 2; i++) {
        uint32_t off = i ? 48 : 0, len = i ? 60 : 48;
        memcpy(f6, "\0\1\2\3\4\5\0\6\7\x8\x9\xa\x86\xdd", 14);
        uint8_t *h = f6 + 14;
        memset(h, 0, 48);
        h[0] = 0x60; h[4] = 0; h[5] = (uint8_t)(8 + len); h[6] = 44; h[7] = 64;
        inet_pton(AF_INET6, "2001:db8::1", h + 8);
        inet_pton(AF_INET6, "2001:db8::2", h + 24);
        h[40] = 17;
        h[42] = (uint8_t)(off >> 8); h[43] = (uint8_t)((off & 0xf8) | (i ? 0 : 1));
        h[44] = 0xca; h[45] = 0xfe;
        memcpy(h + 48, l4 + off, len);
        decode_g(df, &st, LINK_ETHERNET, f6, 14 + 48 + len, &d);
        CHECK_EQ_U(d.anomaly, EV_NONE);
        CHECK_EQ_U(d.consumed, i == 0);
    }
    CHECK_EQ_U(d.nlayers, 1);
    CHECK(d.layer[0].reassembled);
    CHECK_EQ_U(d.layer[0].key.ipver, 6);
    CHECK_EQ_U(d.layer[0].key.proto, 17);
    CHECK_EQ_U(d.layer[0].key.dport, 53);
    CHECK_EQ_U(d.layer[0].pl_len, 100);

    /* Without a defragmenter a fragment is a flow without L4. */
    uint32_t n = eth_frag4(fr, 0x600, 0, 40, 1, l4);
    decode_frame(&dcfg, &st, NULL, LINK_ETHERNET, fr, n, n, 5 * SEC, &d);
    CHECK_EQ_U(d.nlayers, 1);
    CHECK(!d.consumed && !d.layer[0].l4_ok && d.layer[0].key.sport == 0);
    defrag_destroy(df);
}

int main(void)
{
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)(i * 7 + (i >> 8));
    test_v4_orders();
    test_v4_overlap();
    test_v4_refused();
    test_v4_limits();
    test_v6();
    test_decode();
    return unit_done("defrag");
}
