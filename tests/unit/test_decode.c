/* test_decode.c - decode_frame() on hand-built frames.
 *
 * Frames are assembled header by header into a `struct frame`; length fields
 * (IPv4 total length, IPv6 payload length, UDP length, GTP length, PPPoE
 * length) are filled in by frame_done() once the whole frame is known, so
 * every header's length reaches exactly to the end of the frame. Checksums
 * are left zero: the decoder does not check them.
 *
 * Every frame is decoded from a guard_copy() (it ends at a PROT_NONE page).
 * The well-formed ones are kept in a corpus that the hostile part then
 * truncates at every length and mutates at random. */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "taishi/core/compiler.h"
#include "taishi/decode/decode.h"
#include "taishi/decode/defrag.h"
#include "unit.h"

/* --- building frames ------------------------------------------------------ */

enum { FIX_IP4, FIX_IP6, FIX_UDP, FIX_GTP, FIX_PPPOE };

struct frame {
    uint8_t b[2048];
    uint32_t n;
    struct { uint8_t kind; uint32_t off; } fix[32];
    unsigned nfix;
};

static void put(struct frame *f, const void *p, size_t n)
{
    if (f->n + n > sizeof(f->b)) abort();
    memcpy(f->b + f->n, p, n);
    f->n += (uint32_t)n;
}
static void put8(struct frame *f, unsigned v) { uint8_t b = (uint8_t)v; put(f, &b, 1); }
static void put16(struct frame *f, unsigned v) { put8(f, v >> 8); put8(f, v); }
static void put32(struct frame *f, uint32_t v) { put16(f, v >> 16); put16(f, v & 0xffff); }
static void wr16(struct frame *f, uint32_t off, unsigned v) { f->b[off] = (uint8_t)(v >> 8); f->b[off + 1] = (uint8_t)v; }
static void frame_init(struct frame *f) { memset(f, 0, sizeof(*f)); }

/* Remembers a length field to fill in; returns the header's offset. */
static uint32_t fixup(struct frame *f, int kind)
{
    f->fix[f->nfix].kind = (uint8_t)kind;
    return f->fix[f->nfix++].off = f->n;
}

/* Parses an address into 16 bytes (IPv4 in the first 4); returns 4 or 6. */
static int addr(const char *s, uint8_t out[16])
{
    memset(out, 0, 16);
    if (inet_pton(AF_INET, s, out) == 1) return 4;
    if (inet_pton(AF_INET6, s, out) == 1) return 6;
    abort();
}

/* Each builder appends one header and returns its offset. */
static uint32_t eth(struct frame *f, unsigned type) { uint32_t o = f->n; put(f, "\0\1\2\3\4\5\0\6\7\x8\x9\xa", 12); put16(f, type); return o; }
static uint32_t vlan(struct frame *f, unsigned vid, unsigned type) { uint32_t o = f->n; put16(f, vid); put16(f, type); return o; }
static uint32_t mpls(struct frame *f, unsigned label, int bos) { uint32_t o = f->n; put32(f, label << 12 | (bos ? 0x100u : 0) | 64); return o; }
static uint32_t pppoe(struct frame *f, unsigned proto)     /* session header + PPP protocol */
{
    uint32_t o = fixup(f, FIX_PPPOE);
    put16(f, 0x1100); put16(f, 0x0001); put16(f, 0); put16(f, proto);
    return o;
}
static uint32_t ip4(struct frame *f, const char *src, const char *dst, unsigned proto)
{
    uint8_t s[16], d[16];
    addr(src, s); addr(dst, d);
    uint32_t o = fixup(f, FIX_IP4);
    put32(f, 0x45000000); put32(f, 0x12340000); put8(f, 64); put8(f, proto); put16(f, 0);
    put(f, s, 4); put(f, d, 4);
    return o;
}
static uint32_t ip6(struct frame *f, const char *src, const char *dst, unsigned nh)
{
    uint8_t s[16], d[16];
    addr(src, s); addr(dst, d);
    uint32_t o = fixup(f, FIX_IP6);
    put32(f, 0x60000000); put16(f, 0); put8(f, nh); put8(f, 64); put(f, s, 16); put(f, d, 16);
    return o;
}
static uint32_t ext6(struct frame *f, unsigned nh, unsigned units)    /* (units + 1) * 8 bytes */
{
    uint32_t o = f->n;
    put8(f, nh); put8(f, units);
    for (unsigned i = 2; i < (units + 1) * 8; i++) put8(f, 0);
    return o;
}
static uint32_t tcp(struct frame *f, unsigned sp, unsigned dp, unsigned flags)
{
    uint32_t o = f->n;
    put16(f, sp); put16(f, dp); put32(f, 1000); put32(f, 2000);
    put8(f, 5 << 4); put8(f, flags); put16(f, 512); put32(f, 0);
    return o;
}
static uint32_t udp(struct frame *f, unsigned sp, unsigned dp) { uint32_t o = fixup(f, FIX_UDP); put16(f, sp); put16(f, dp); put32(f, 0); return o; }
static uint32_t icmp(struct frame *f, unsigned type, unsigned code) { uint32_t o = f->n; put8(f, type); put8(f, code); put16(f, 0); put32(f, 0x00010002); return o; }
static uint32_t sctp(struct frame *f, unsigned sp, unsigned dp) { uint32_t o = f->n; put16(f, sp); put16(f, dp); put32(f, 0xabcdef01); put32(f, 0); return o; }
static uint32_t gre(struct frame *f, unsigned flags, unsigned proto, uint32_t key)
{
    uint32_t o = f->n;
    put16(f, flags); put16(f, proto);
    if (flags & 0x8000) put32(f, 0);
    if (flags & 0x2000) put32(f, key);
    if (flags & 0x1000) put32(f, 77);
    return o;
}
static uint32_t vxlan(struct frame *f, uint32_t vni) { uint32_t o = f->n; put32(f, 0x08000000); put32(f, vni << 8); return o; }
static uint32_t gtpu(struct frame *f, uint32_t teid) { uint32_t o = fixup(f, FIX_GTP); put32(f, 0x30ff0000); put32(f, teid); return o; }
static uint32_t payload(struct frame *f, unsigned n) { uint32_t o = f->n; for (unsigned i = 0; i < n; i++) put8(f, 'a' + i % 26); return o; }

/* Fills in every length field: each reaches to the end of the frame. */
static void frame_done(struct frame *f)
{
    for (unsigned i = 0; i < f->nfix; i++) {
        uint32_t o = f->fix[i].off;
        switch (f->fix[i].kind) {
        case FIX_IP4: wr16(f, o + 2, f->n - o); break;
        case FIX_IP6: wr16(f, o + 4, f->n - o - 40); break;
        case FIX_UDP: wr16(f, o + 4, f->n - o); break;
        case FIX_GTP: wr16(f, o + 2, f->n - o - 8); break;
        case FIX_PPPOE: wr16(f, o + 4, f->n - o - 6); break;
        }
    }
}

/* --- decoding and checking ------------------------------------------------ */

static const struct decode_config dcfg = { 4789, 3544, 2152 };
static struct decode_stats dstats;
static struct defrag *df;
static struct decoded dd;
static const uint8_t *g_mem;            /* the guard copy dd points into */
static uint32_t g_len;
static unsigned invariant_broken;      /* decode_at() results that broke invariant() */

#define CORPUS_MAX 64
static struct { const char *name; int link; uint8_t b[600]; uint32_t n; unsigned nlayers; } corpus[CORPUS_MAX];
static unsigned ncorpus;

/* Structural invariants of any decode result; returns NULL or what is wrong. */
static const char *invariant(const struct decoded *d, const uint8_t *frame, uint32_t caplen)
{
    if (d->nlayers > DECODE_MAX_LAYERS || d->nvlan > DECODE_MAX_VLANS) return "counts";
    for (unsigned i = 0; i < d->nlayers; i++) {
        const struct ip_layer *l = &d->layer[i];
        uint64_t bl = d->base_len[i], hl = l->key.ipver == 6 ? 40 : 20;
        if (d->base[i] == frame && bl > caplen) return "base_len beyond the capture";
        if (l->key.ipver != 4 && l->key.ipver != 6) return "ipver";
        if ((uint64_t)l->l3_off + l->l3_cap != bl) return "l3_off + l3_cap != base_len";
        if ((uint64_t)l->l3_off + hl > l->l4_off) return "l4_off inside the IP header";
        if ((uint64_t)l->l4_off + l->l4_len > bl) return "l4 beyond base_len";
        if (l->pl_off < l->l4_off) return "payload before l4";
        if ((uint64_t)l->pl_off + l->pl_len > (uint64_t)l->l4_off + l->l4_len) return "payload beyond l4";
        if (d->tun[i].depth != i || (i == 0) != (d->tun[i].type == TUNNEL_NONE)) return "tunnel depth";
        if (i > 0 && d->layer[i - 1].carries != d->tun[i].type) return "carries != tunnel type";
    }
    return NULL;
}

/* Decodes f from a fresh guard copy; the copy lives until the next call. */
static const struct decoded *decode_at(int link, const uint8_t *b, uint32_t caplen, uint32_t wirelen)
{
    if (g_mem) guard_release(g_mem, g_len);
    g_mem = guard_copy(b, caplen);
    g_len = caplen;
    memset(&dd, 0xa5, sizeof(dd));
    decode_frame(&dcfg, &dstats, df, link, g_mem, caplen, wirelen, 1000000000ULL, &dd);
    const char *bad = invariant(&dd, g_mem, caplen);
    if (bad && invariant_broken++ < 5)
        fprintf(stderr, "invariant broken (link %d, caplen %u, wirelen %u): %s\n", link, caplen, wirelen, bad);
    return &dd;
}
static const struct decoded *decode(int link, struct frame *f) { return decode_at(link, f->b, f->n, f->n); }

/* A well-formed frame: decodes without anomaly into nlayers; kept for the hostile part. */
static const struct decoded *good(const char *name, int link, struct frame *f, unsigned nlayers)
{
    frame_done(f);
    const struct decoded *d = decode(link, f);
    if (d->anomaly || d->nlayers != nlayers)
        fprintf(stderr, "%s: anomaly %s, %u layers\n", name, decode_event_name(d->anomaly), d->nlayers);
    CHECK_EQ_U(d->anomaly, EV_NONE); CHECK_EQ_U(d->nlayers, nlayers);
    if (ncorpus < CORPUS_MAX && f->n <= sizeof(corpus[0].b)) {
        corpus[ncorpus].name = name; corpus[ncorpus].link = link; corpus[ncorpus].n = f->n;
        memcpy(corpus[ncorpus].b, f->b, f->n);
        corpus[ncorpus++].nlayers = nlayers;
    }
    return d;
}

static void check_key(const struct decoded *d, unsigned i, const char *src, const char *dst,
                      unsigned sp, unsigned dp, unsigned proto, uint32_t vlan_, uint32_t tid)
{
    uint8_t s[16], t[16];
    int v = addr(src, s);
    addr(dst, t);
    const struct flow_key *k = &d->layer[i].key;
    CHECK(i < d->nlayers); CHECK_EQ_U(k->ipver, v);
    CHECK(!memcmp(k->src, s, 16)); CHECK(!memcmp(k->dst, t, 16));
    CHECK_EQ_U(k->sport, sp); CHECK_EQ_U(k->dport, dp); CHECK_EQ_U(k->proto, proto);
    CHECK_EQ_U(k->vlan, vlan_); CHECK_EQ_U(k->tunnel_id, tid);
}

/* The tunnel around layer i, and what layer i - 1 says it carries. */
static void check_tun(const struct decoded *d, unsigned i, unsigned type, uint32_t id,
                      const char *osrc, const char *odst)
{
    uint8_t s[16], t[16];
    int v = addr(osrc, s);
    addr(odst, t);
    CHECK_EQ_U(d->tun[i].type, type); CHECK_EQ_U(d->tun[i].id, id);
    CHECK_EQ_U(d->tun[i].depth, i); CHECK_EQ_U(d->tun[i].ipver, v);
    CHECK(!memcmp(d->tun[i].src, s, 16)); CHECK(!memcmp(d->tun[i].dst, t, 16));
    CHECK_EQ_U(d->layer[i - 1].carries, type);
}

static void check_pl(const struct decoded *d, unsigned i, uint32_t l3, uint32_t l4, uint32_t pl, uint32_t plen)
{
    CHECK_EQ_U(d->layer[i].l3_off, l3); CHECK_EQ_U(d->layer[i].l4_off, l4);
    CHECK_EQ_U(d->layer[i].pl_off, pl); CHECK_EQ_U(d->layer[i].pl_len, plen); CHECK(d->layer[i].l4_ok);
}

/* --- well-formed frames --------------------------------------------------- */

static void test_plain(void)
{
    struct frame f;
    const struct decoded *d;

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "10.0.0.1", "10.0.0.2", 6);
    tcp(&f, 1234, 80, TCP_SYN | TCP_ACK); payload(&f, 10);
    uint64_t tcp0 = dstats.tcp;
    d = good("eth/ipv4/tcp", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "10.0.0.1", "10.0.0.2", 1234, 80, 6, 0, 0));
    UNIT_AT(check_pl(d, 0, 14, 34, 54, 10));
    CHECK_EQ_U(d->layer[0].l4_len, 30); CHECK_EQ_U(d->layer[0].l3_cap, 20 + 30);
    CHECK_EQ_U(d->layer[0].tcp_flags, TCP_SYN | TCP_ACK); CHECK_EQ_U(d->layer[0].tcp_seq, 1000);
    CHECK_EQ_U(d->layer[0].tcp_ack, 2000); CHECK_EQ_U(d->layer[0].tcp_win, 512);
    CHECK_EQ_U(d->layer[0].carries, TUNNEL_NONE); CHECK_EQ_U(d->tun[0].type, TUNNEL_NONE);
    CHECK_EQ_U(d->tun[0].depth, 0); CHECK(d->base[0] == g_mem && d->base_len[0] == f.n);
    CHECK_EQ_U(dstats.tcp, tcp0 + 1); CHECK(!d->truncated && !d->consumed && !d->layer[0].reassembled);

    frame_init(&f); eth(&f, 0x0800);            /* IPv4 options (NOP x4), UDP */
    uint32_t o = ip4(&f, "192.168.1.1", "192.168.1.2", 17);
    f.b[o] = 0x46; put32(&f, 0x01010101);
    udp(&f, 5353, 53); payload(&f, 7);
    d = good("eth/ipv4+opt/udp", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "192.168.1.1", "192.168.1.2", 5353, 53, 17, 0, 0));
    UNIT_AT(check_pl(d, 0, 14, 38, 46, 7));

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "10.9.9.9", "10.8.8.8", 1); icmp(&f, 8, 0); payload(&f, 32);
    d = good("eth/ipv4/icmp", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "10.9.9.9", "10.8.8.8", 0, 0, 1, 0, 0));
    UNIT_AT(check_pl(d, 0, 14, 34, 42, 32));
    CHECK_EQ_U(d->layer[0].icmp_type, 8); CHECK_EQ_U(d->layer[0].icmp_code, 0);

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "10.0.0.3", "10.0.0.4", 132); sctp(&f, 2905, 2906); payload(&f, 16);
    d = good("eth/ipv4/sctp", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "10.0.0.3", "10.0.0.4", 2905, 2906, 132, 0, 0));
    UNIT_AT(check_pl(d, 0, 14, 34, 46, 16));

    frame_init(&f); eth(&f, 0x86dd); ip6(&f, "2001:db8::1", "2001:db8::2", 0);
    ext6(&f, 60, 0); ext6(&f, 6, 1);             /* hop-by-hop (8), destination options (16) */
    tcp(&f, 40000, 443, TCP_ACK | TCP_PSH); payload(&f, 5);
    d = good("eth/ipv6+ext/tcp", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "2001:db8::1", "2001:db8::2", 40000, 443, 6, 0, 0));
    UNIT_AT(check_pl(d, 0, 14, 14 + 40 + 24, 14 + 40 + 24 + 20, 5));
    CHECK_EQ_U(d->layer[0].tcp_flags, TCP_ACK | TCP_PSH);

    frame_init(&f); eth(&f, 0x86dd); ip6(&f, "fe80::1", "ff02::1", 58); icmp(&f, 128, 0); payload(&f, 4);
    d = good("eth/ipv6/icmpv6", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "fe80::1", "ff02::1", 0, 0, 58, 0, 0));
    CHECK_EQ_U(d->layer[0].icmp_type, 128);

    frame_init(&f); eth(&f, 0x86dd); ip6(&f, "2001:db8::a", "2001:db8::b", 17); udp(&f, 1111, 2222); payload(&f, 9);
    d = good("eth/ipv6/udp", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "2001:db8::a", "2001:db8::b", 1111, 2222, 17, 0, 0));
    UNIT_AT(check_pl(d, 0, 14, 54, 62, 9));
}

static void test_l2(void)
{
    struct frame f;
    const struct decoded *d;

    frame_init(&f); eth(&f, 0x8100); vlan(&f, 100, 0x0800); ip4(&f, "10.1.0.1", "10.1.0.2", 17); udp(&f, 53, 5353); payload(&f, 3);
    d = good("vlan", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "10.1.0.1", "10.1.0.2", 53, 5353, 17, 100, 0));
    CHECK_EQ_U(d->nvlan, 1); CHECK_EQ_U(d->vlan[0], 100);
    UNIT_AT(check_pl(d, 0, 18, 38, 46, 3));

    frame_init(&f); eth(&f, 0x88a8); vlan(&f, 0x2000 | 10, 0x8100); vlan(&f, 20, 0x0800);  /* PCP bits are masked */
    ip4(&f, "10.2.0.1", "10.2.0.2", 6); tcp(&f, 1, 2, TCP_SYN);
    d = good("qinq", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "10.2.0.1", "10.2.0.2", 1, 2, 6, 10u << 12 | 20, 0));
    CHECK_EQ_U(d->nvlan, 2);

    frame_init(&f); eth(&f, 0x8847); mpls(&f, 100, 0); mpls(&f, 200, 1); ip4(&f, "10.3.0.1", "10.3.0.2", 6); tcp(&f, 3, 4, TCP_RST); payload(&f, 1);
    d = good("mpls", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "10.3.0.1", "10.3.0.2", 3, 4, 6, 0, 0));
    UNIT_AT(check_pl(d, 0, 22, 42, 62, 1));
    CHECK_EQ_U(d->layer[0].tcp_flags, TCP_RST);

    frame_init(&f); eth(&f, 0x8847); mpls(&f, 16, 1); put32(&f, 0);   /* pseudowire control word */
    eth(&f, 0x86dd); ip6(&f, "2001:db8:1::1", "2001:db8:1::2", 17); udp(&f, 7, 8); payload(&f, 2);
    d = good("mpls/pw/eth", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "2001:db8:1::1", "2001:db8:1::2", 7, 8, 17, 0, 0));
    CHECK_EQ_U(d->layer[0].l3_off, 14 + 4 + 4 + 14);

    frame_init(&f); eth(&f, 0x8864); pppoe(&f, 0x0021); ip4(&f, "100.64.0.1", "8.8.8.8", 6); tcp(&f, 5000, 53, TCP_FIN | TCP_ACK);
    d = good("pppoe/ipv4", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "100.64.0.1", "8.8.8.8", 5000, 53, 6, 0, 0));
    UNIT_AT(check_pl(d, 0, 22, 42, 62, 0));
    CHECK_EQ_U(d->layer[0].tcp_flags, TCP_FIN | TCP_ACK);

    frame_init(&f); eth(&f, 0x8864); pppoe(&f, 0x0057); ip6(&f, "2001:db8::5", "2001:db8::6", 17); udp(&f, 9, 10);
    d = good("pppoe/ipv6", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "2001:db8::5", "2001:db8::6", 9, 10, 17, 0, 0));
}

static void test_tunnels(void)
{
    struct frame f;
    const struct decoded *d;

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "1.1.1.1", "2.2.2.2", 47); gre(&f, 0x2000, 0x0800, 0xdeadbeef);
    ip4(&f, "10.1.1.1", "10.2.2.2", 17); udp(&f, 1000, 2000); payload(&f, 4);
    d = good("gre/key/ipv4", LINK_ETHERNET, &f, 2);
    UNIT_AT(check_key(d, 0, "1.1.1.1", "2.2.2.2", 0, 0, 47, 0, 0));
    UNIT_AT(check_key(d, 1, "10.1.1.1", "10.2.2.2", 1000, 2000, 17, 0, 0xdeadbeef));
    UNIT_AT(check_tun(d, 1, TUNNEL_GRE, 0xdeadbeef, "1.1.1.1", "2.2.2.2"));
    UNIT_AT(check_pl(d, 1, 42, 62, 70, 4));

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "1.1.1.3", "2.2.2.3", 47); gre(&f, 0x8000, 0x6558, 0);
    eth(&f, 0x0800); ip4(&f, "10.1.1.3", "10.2.2.3", 6); tcp(&f, 22, 2222, TCP_ACK);
    d = good("gre/eth", LINK_ETHERNET, &f, 2);
    UNIT_AT(check_key(d, 0, "1.1.1.3", "2.2.2.3", 0, 0, 47, 0, 0));
    CHECK_EQ_U(d->layer[1].tcp_flags, TCP_ACK);
    UNIT_AT(check_key(d, 1, "10.1.1.3", "10.2.2.3", 22, 2222, 6, 0, 0));
    UNIT_AT(check_tun(d, 1, TUNNEL_GRE, 0, "1.1.1.3", "2.2.2.3"));
    CHECK_EQ_U(d->layer[1].l3_off, 14 + 20 + 8 + 14);

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "1.1.1.4", "2.2.2.4", 47); gre(&f, 0x1000, 0x88be, 0);
    put16(&f, 0x1000); put16(&f, 0x2000 | 0x123); put32(&f, 0);   /* ERSPAN II: version 1, session 0x123 */
    eth(&f, 0x0800); ip4(&f, "10.1.1.4", "10.2.2.4", 17); udp(&f, 67, 68);
    d = good("gre/erspan2", LINK_ETHERNET, &f, 2);
    UNIT_AT(check_key(d, 0, "1.1.1.4", "2.2.2.4", 0, 0, 47, 0, 0));
    UNIT_AT(check_key(d, 1, "10.1.1.4", "10.2.2.4", 67, 68, 17, 0, 0x123));
    UNIT_AT(check_tun(d, 1, TUNNEL_ERSPAN, 0x123, "1.1.1.4", "2.2.2.4"));

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "172.16.0.1", "172.16.0.2", 17); udp(&f, 5555, 4789); vxlan(&f, 0x123456);
    eth(&f, 0x0800); ip4(&f, "192.168.0.1", "192.168.0.2", 6); tcp(&f, 1025, 80, TCP_SYN); payload(&f, 6);
    d = good("vxlan", LINK_ETHERNET, &f, 2);
    UNIT_AT(check_key(d, 0, "172.16.0.1", "172.16.0.2", 5555, 4789, 17, 0, 0));
    UNIT_AT(check_key(d, 1, "192.168.0.1", "192.168.0.2", 1025, 80, 6, 0, 0x123456));
    UNIT_AT(check_tun(d, 1, TUNNEL_VXLAN, 0x123456, "172.16.0.1", "172.16.0.2"));
    UNIT_AT(check_pl(d, 1, 14 + 20 + 8 + 8 + 14, 14 + 20 + 8 + 8 + 14 + 20, f.n - 6, 6));
    CHECK_EQ_U(d->layer[0].pl_off, 14 + 20 + 8);     /* the outer UDP's payload is the VXLAN header */
    CHECK_EQ_U(d->layer[0].pl_len, f.n - 14 - 20 - 8);

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "10.200.0.1", "10.200.0.2", 17); udp(&f, 2152, 2152); gtpu(&f, 0x01020304);
    ip4(&f, "100.100.0.1", "9.9.9.9", 17); udp(&f, 33333, 53); payload(&f, 12);
    d = good("gtpu", LINK_ETHERNET, &f, 2);
    UNIT_AT(check_key(d, 0, "10.200.0.1", "10.200.0.2", 2152, 2152, 17, 0, 0));
    UNIT_AT(check_key(d, 1, "100.100.0.1", "9.9.9.9", 33333, 53, 17, 0, 0));  /* TEID stays out of the key */
    UNIT_AT(check_tun(d, 1, TUNNEL_GTPU, 0x01020304, "10.200.0.1", "10.200.0.2"));
    UNIT_AT(check_pl(d, 1, 14 + 20 + 8 + 8, 14 + 20 + 8 + 8 + 20, f.n - 12, 12));

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "198.51.100.1", "203.0.113.1", 17); udp(&f, 3544, 40000);
    ip6(&f, "2001::1", "2001::2", 17); udp(&f, 4444, 5555); payload(&f, 3);
    d = good("teredo", LINK_ETHERNET, &f, 2);
    UNIT_AT(check_key(d, 0, "198.51.100.1", "203.0.113.1", 3544, 40000, 17, 0, 0));
    UNIT_AT(check_pl(d, 1, 42, 82, 90, 3));
    UNIT_AT(check_key(d, 1, "2001::1", "2001::2", 4444, 5555, 17, 0, 0));
    UNIT_AT(check_tun(d, 1, TUNNEL_TEREDO, 0, "198.51.100.1", "203.0.113.1"));

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "5.5.5.5", "6.6.6.6", 4); ip4(&f, "10.5.0.1", "10.6.0.1", 6); tcp(&f, 10, 20, TCP_SYN);
    d = good("ipip", LINK_ETHERNET, &f, 2);
    UNIT_AT(check_key(d, 0, "5.5.5.5", "6.6.6.6", 0, 0, 4, 0, 0));
    UNIT_AT(check_key(d, 1, "10.5.0.1", "10.6.0.1", 10, 20, 6, 0, 0));
    UNIT_AT(check_tun(d, 1, TUNNEL_IPIP, 0, "5.5.5.5", "6.6.6.6"));
    UNIT_AT(check_pl(d, 1, 34, 54, 74, 0));
    CHECK_EQ_U(d->layer[0].l4_off, 34); CHECK_EQ_U(d->layer[0].l4_len, 40);

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "5.5.5.6", "6.6.6.7", 41); ip6(&f, "2002::1", "2002::2", 6); tcp(&f, 11, 21, TCP_SYN);
    d = good("6in4", LINK_ETHERNET, &f, 2);
    UNIT_AT(check_key(d, 0, "5.5.5.6", "6.6.6.7", 0, 0, 41, 0, 0));
    UNIT_AT(check_pl(d, 1, 34, 74, 94, 0));
    CHECK_EQ_U(d->layer[1].tcp_flags, TCP_SYN);
    UNIT_AT(check_key(d, 1, "2002::1", "2002::2", 11, 21, 6, 0, 0));
    UNIT_AT(check_tun(d, 1, TUNNEL_IPIP, 0, "5.5.5.6", "6.6.6.7"));

    frame_init(&f); eth(&f, 0x86dd); ip6(&f, "2001:db8::99", "2001:db8::98", 4); ip4(&f, "10.7.0.1", "10.7.0.2", 1); icmp(&f, 0, 0);
    d = good("4in6", LINK_ETHERNET, &f, 2);
    UNIT_AT(check_key(d, 0, "2001:db8::99", "2001:db8::98", 0, 0, 4, 0, 0));
    UNIT_AT(check_key(d, 1, "10.7.0.1", "10.7.0.2", 0, 0, 1, 0, 0));
    UNIT_AT(check_tun(d, 1, TUNNEL_IPIP, 0, "2001:db8::99", "2001:db8::98"));

    /* VLAN outside, GRE(key 7) then VXLAN(VNI 9): three layers, depths 1 and 2. */
    frame_init(&f); eth(&f, 0x8100); vlan(&f, 42, 0x0800); ip4(&f, "1.0.0.1", "1.0.0.2", 47); gre(&f, 0x2000, 0x0800, 7);
    ip4(&f, "2.0.0.1", "2.0.0.2", 17); udp(&f, 999, 4789); vxlan(&f, 9);
    eth(&f, 0x0800); ip4(&f, "3.0.0.1", "3.0.0.2", 6); tcp(&f, 30, 40, TCP_ACK); payload(&f, 2);
    d = good("vlan/gre/vxlan", LINK_ETHERNET, &f, 3);
    UNIT_AT(check_key(d, 0, "1.0.0.1", "1.0.0.2", 0, 0, 47, 42, 0));
    UNIT_AT(check_key(d, 1, "2.0.0.1", "2.0.0.2", 999, 4789, 17, 42, 7));
    UNIT_AT(check_key(d, 2, "3.0.0.1", "3.0.0.2", 30, 40, 6, 42, 9));
    UNIT_AT(check_tun(d, 1, TUNNEL_GRE, 7, "1.0.0.1", "1.0.0.2"));
    UNIT_AT(check_tun(d, 2, TUNNEL_VXLAN, 9, "2.0.0.1", "2.0.0.2"));
    UNIT_AT(check_pl(d, 2, f.n - 2 - 40, f.n - 2 - 20, f.n - 2, 2));

    frame_init(&f);                              /* exactly DECODE_MAX_LAYERS: fine */
    for (int i = 0; i < DECODE_MAX_LAYERS - 1; i++)
        ip4(&f, "9.0.0.1", "9.0.0.2", 4);
    ip4(&f, "9.0.0.3", "9.0.0.4", 6); tcp(&f, 1, 2, TCP_SYN);
    d = good("ipip x3", LINK_RAW, &f, DECODE_MAX_LAYERS);
    UNIT_AT(check_key(d, DECODE_MAX_LAYERS - 1, "9.0.0.3", "9.0.0.4", 1, 2, 6, 0, 0));
    CHECK_EQ_U(d->tun[DECODE_MAX_LAYERS - 1].depth, DECODE_MAX_LAYERS - 1);
}

/* Rarer shapes, mainly to seed the truncation and fuzz passes. */
static void test_rare(void)
{
    struct frame f;
    const struct decoded *d;

    frame_init(&f); ip4(&f, "10.30.0.1", "10.30.0.2", 17); udp(&f, 2152, 2152);
    uint32_t g = gtpu(&f, 0xabc); f.b[g] |= 0x04;  /* E flag: seq, N-PDU, next type, one extension */
    put32(&f, 0x000000c0); put32(&f, 0x01aabb00);
    ip6(&f, "2001:db8:30::1", "2001:db8:30::2", 6); tcp(&f, 80, 8080, TCP_ACK);
    d = good("gtpu/ext", LINK_RAW, &f, 2);
    UNIT_AT(check_tun(d, 1, TUNNEL_GTPU, 0xabc, "10.30.0.1", "10.30.0.2"));
    frame_init(&f); ip4(&f, "10.31.0.1", "10.31.0.2", 17); udp(&f, 40001, 3544);
    put32(&f, 0x0000abcd); put32(&f, 0x01020304);  /* origin indication */
    ip6(&f, "2001::a", "2001::b", 59);
    d = good("teredo/origin", LINK_RAW, &f, 2);
    UNIT_AT(check_tun(d, 1, TUNNEL_TEREDO, 0, "10.31.0.1", "10.31.0.2"));
    frame_init(&f); ip4(&f, "10.32.0.1", "10.32.0.2", 47); gre(&f, 0x3081, 0x880b, 0x00100007);   /* v1, K S A */
    put32(&f, 5); put32(&f, 0xff030021); ip4(&f, "192.168.32.1", "192.168.32.2", 17); udp(&f, 1, 2);
    d = good("gre/pptp", LINK_RAW, &f, 2);
    UNIT_AT(check_tun(d, 1, TUNNEL_GRE, 0x00100007, "10.32.0.1", "10.32.0.2"));
    CHECK_EQ_U(d->layer[1].key.tunnel_id, 0);      /* PPTP's key is a call id, not a tunnel id */
    frame_init(&f); ip4(&f, "10.33.0.1", "10.33.0.2", 47); gre(&f, 0x1000, 0x22eb, 0);
    put32(&f, 0x20000155); put32(&f, 0); put32(&f, 0x00000001); put32(&f, 0); put32(&f, 0);
    eth(&f, 0x0800); ip4(&f, "10.34.0.1", "10.34.0.2", 1); icmp(&f, 8, 0);
    d = good("gre/erspan3", LINK_RAW, &f, 2);
    UNIT_AT(check_key(d, 1, "10.34.0.1", "10.34.0.2", 0, 0, 1, 0, 0x155));
    frame_init(&f); eth(&f, 60); put32(&f, 0xaaaa0300); put32(&f, 0x00000800);   /* 802.3 + LLC/SNAP */
    ip4(&f, "10.35.0.1", "10.35.0.2", 6); tcp(&f, 1, 2, TCP_SYN);
    d = good("llc/snap", LINK_ETHERNET, &f, 1);
    UNIT_AT(check_key(d, 0, "10.35.0.1", "10.35.0.2", 1, 2, 6, 0, 0));
}

static void test_links(void)
{
    struct frame f;
    const struct decoded *d;
    static const struct { const char *name; uint8_t hdr[4]; int v6; int link; } af[] = {
        { "null/af2/le", { 2, 0, 0, 0 }, 0, LINK_NULL }, { "null/af2/be", { 0, 0, 0, 2 }, 0, LINK_NULL },
        { "null/af30/le", { 30, 0, 0, 0 }, 1, LINK_NULL }, { "null/af30/be", { 0, 0, 0, 30 }, 1, LINK_NULL },
        { "loop/af2", { 0, 0, 0, 2 }, 0, LINK_LOOP }, { "loop/af30", { 0, 0, 0, 30 }, 1, LINK_LOOP },
        { "c_hdlc", { 0x0f, 0, 0x08, 0x00 }, 0, LINK_C_HDLC }, { "ppp", { 0xff, 0x03, 0x00, 0x21 }, 0, LINK_PPP },
    };
    for (size_t i = 0; i < ARRAY_SIZE(af); i++) {
        frame_init(&f); put(&f, af[i].hdr, 4);
        if (af[i].v6) ip6(&f, "2001:db8::7", "2001:db8::8", 6); else ip4(&f, "10.10.0.1", "10.10.0.2", 6);
        tcp(&f, 4321, 80, TCP_SYN);
        d = good(af[i].name, af[i].link, &f, 1);
        if (af[i].v6) UNIT_AT(check_key(d, 0, "2001:db8::7", "2001:db8::8", 4321, 80, 6, 0, 0));
        else UNIT_AT(check_key(d, 0, "10.10.0.1", "10.10.0.2", 4321, 80, 6, 0, 0));
        CHECK_EQ_U(d->layer[0].l3_off, 4);
    }

    frame_init(&f); put16(&f, 0); put16(&f, 1); put16(&f, 6); put(&f, "\0\1\2\3\4\5\0\0", 8); put16(&f, 0x0800);
    ip4(&f, "10.11.0.1", "10.11.0.2", 17); udp(&f, 100, 200);
    d = good("sll", LINK_SLL, &f, 1);
    UNIT_AT(check_key(d, 0, "10.11.0.1", "10.11.0.2", 100, 200, 17, 0, 0));
    CHECK_EQ_U(d->layer[0].l3_off, 16);

    frame_init(&f); put16(&f, 0x86dd); put16(&f, 0); put32(&f, 3); put16(&f, 1); put8(&f, 0); put8(&f, 6);
    put(&f, "\0\1\2\3\4\5\0\0", 8);
    ip6(&f, "2001:db8:2::1", "2001:db8:2::2", 17); udp(&f, 300, 400);
    d = good("sll2", LINK_SLL2, &f, 1);
    UNIT_AT(check_key(d, 0, "2001:db8:2::1", "2001:db8:2::2", 300, 400, 17, 0, 0));
    CHECK_EQ_U(d->layer[0].l3_off, 20);

    static const int raws[] = { LINK_RAW, 101, LINK_RAW_BSD, LINK_IPV4 };
    for (size_t i = 0; i < ARRAY_SIZE(raws); i++) {
        frame_init(&f); ip4(&f, "10.12.0.1", "10.12.0.2", 1); icmp(&f, 3, 1);
        d = good("raw/ipv4", raws[i], &f, 1);
        UNIT_AT(check_key(d, 0, "10.12.0.1", "10.12.0.2", 0, 0, 1, 0, 0));
        CHECK_EQ_U(d->layer[0].l3_off, 0);
    }
    frame_init(&f); ip6(&f, "::1", "::2", 59);       /* no next header: a flow without L4 */
    d = good("raw/ipv6/none", LINK_RAW, &f, 1);
    UNIT_AT(check_key(d, 0, "::1", "::2", 0, 0, 59, 0, 0));
}

/* --- hostile input -------------------------------------------------------- */

/* Decodes one malformed frame and expects `ev` and `nlayers` layers. */
static const struct decoded *expect(int link, struct frame *f, uint32_t caplen, unsigned ev, unsigned nlayers)
{
    uint64_t before = dstats.events[ev], inval = dstats.invalid;
    const struct decoded *d = decode_at(link, f->b, caplen, caplen);
    if (d->anomaly != ev)
        fprintf(stderr, "expected %s, got %s\n", decode_event_name(ev), decode_event_name(d->anomaly));
    CHECK_EQ_U(d->anomaly, ev); CHECK_EQ_U(d->nlayers, nlayers);
    if (ev != EV_NONE) { CHECK_EQ_U(dstats.events[ev], before + 1); CHECK_EQ_U(dstats.invalid, inval + 1); }
    return d;
}

static void test_malformed(void)
{
    struct frame f;
    const struct decoded *d;
    uint32_t o;

    frame_init(&f); eth(&f, 0x0800); o = ip4(&f, "10.0.0.1", "10.0.0.2", 6); tcp(&f, 1, 2, 0); frame_done(&f);
    f.b[o] = 0x44;
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_IPV4_HLEN_TOO_SMALL, 0));
    f.b[o] = 0x45; wr16(&f, o + 2, f.n - o + 1);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_IPV4_TRUNC_PKT, 0));
    wr16(&f, o + 2, 19);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_IPV4_IPLEN_SMALLER_THAN_HLEN, 0));
    f.b[o] = 0x55; wr16(&f, o + 2, f.n - o);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_IP_WRONG_VERSION, 0));
    f.b[o] = 0x45;
    f.b[o + 20 + 12] = 4 << 4;                    /* TCP data offset 4 */
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_TCP_HLEN_TOO_SMALL, 1));
    f.b[o + 20 + 12] = 15 << 4;                   /* 60-byte header in 20 bytes */
    d = expect(LINK_ETHERNET, &f, f.n, EV_TCP_OPT_TRUNC, 1);
    CHECK(!d->layer[0].l4_ok);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n - 1, EV_IPV4_TRUNC_PKT, 0));

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "10.0.0.1", "10.0.0.2", 17); o = udp(&f, 53, 53); payload(&f, 10); frame_done(&f);
    wr16(&f, o + 4, 4);                           /* UDP length < 8: reported, still a flow */
    d = expect(LINK_ETHERNET, &f, f.n, EV_UDP_LEN_INVALID, 1);
    UNIT_AT(check_key(d, 0, "10.0.0.1", "10.0.0.2", 53, 53, 17, 0, 0));
    CHECK(d->layer[0].l4_ok); CHECK_EQ_U(d->layer[0].pl_len, 10);
    wr16(&f, o + 4, 19);                          /* longer than the IP datagram */
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_UDP_LEN_INVALID, 1));

    frame_init(&f); eth(&f, 0x86dd); ip6(&f, "::1", "::2", 0); put8(&f, 6); put8(&f, 1); payload(&f, 6); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_IPV6_EXTHDR_TRUNC, 0));   /* 16-byte header, 8 there */
    frame_init(&f); eth(&f, 0x86dd); ip6(&f, "::1", "::2", 60); payload(&f, 4); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_IPV6_EXTHDR_TRUNC, 0));
    frame_init(&f); eth(&f, 0x86dd); ip6(&f, "::1", "::2", 60);
    for (int i = 0; i < 9; i++) ext6(&f, 60, 0);
    frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_IPV6_EXTHDR_TOO_MANY, 0));
    frame_init(&f); eth(&f, 0x86dd); o = ip6(&f, "::1", "::2", 17); udp(&f, 1, 2); frame_done(&f);
    wr16(&f, o + 4, 9);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_IPV6_TRUNC_PKT, 0));

    frame_init(&f);                               /* 20 nested IPv4-in-IPv4 */
    for (int i = 0; i < 20; i++)
        ip4(&f, "9.9.0.1", "9.9.0.2", 4);
    ip4(&f, "9.9.0.3", "9.9.0.4", 6); tcp(&f, 1, 2, TCP_SYN); frame_done(&f);
    d = expect(LINK_RAW, &f, f.n, EV_TUNNEL_TOO_DEEP, DECODE_MAX_LAYERS);
    CHECK_EQ_U(d->layer[DECODE_MAX_LAYERS - 1].carries, TUNNEL_NONE);

    frame_init(&f);                               /* 20 nested MPLS pseudowires (control word + Ethernet) */
    eth(&f, 0x8847);
    for (int i = 0; i < 20; i++) {
        mpls(&f, 100 + i, 1);
        put32(&f, 0);
        eth(&f, 0x8847);
    }
    mpls(&f, 1, 1); ip4(&f, "9.9.0.3", "9.9.0.4", 6); tcp(&f, 1, 2, TCP_SYN); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_TUNNEL_TOO_DEEP, 0));

    frame_init(&f); eth(&f, 0x8847); mpls(&f, 1, 0); mpls(&f, 2, 0); mpls(&f, 3, 0); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_MPLS_TRUNC, 0));
    frame_init(&f); eth(&f, 0x8847);
    for (int i = 0; i < 20; i++) mpls(&f, (unsigned)i, 0);
    ip4(&f, "1.2.3.4", "5.6.7.8", 6); tcp(&f, 1, 2, 0); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_MPLS_NO_BOS, 0));
    frame_init(&f); eth(&f, 0x8847); mpls(&f, 1, 1); put32(&f, 0x50000000); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_MPLS_UNKNOWN, 0));

    frame_init(&f); eth(&f, 0x8100); put16(&f, 5); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_VLAN_TRUNC, 0));
    frame_init(&f); eth(&f, 0x8100); vlan(&f, 1, 0x8100); vlan(&f, 2, 0x8100); vlan(&f, 3, 0x8100); vlan(&f, 4, 0x0800);
    ip4(&f, "1.1.1.1", "1.1.1.2", 17); udp(&f, 1, 2); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_VLAN_TOO_MANY, 0));

    frame_init(&f); eth(&f, 0x0800); ip4(&f, "1.1.1.1", "2.2.2.2", 47); gre(&f, 0x0002, 0x0800, 0); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_GRE_VERSION, 1));
    frame_init(&f); ip4(&f, "1.1.1.1", "2.2.2.2", 17); udp(&f, 1, 2152); put8(&f, 0x30); put8(&f, 0xff); put16(&f, 500); put32(&f, 1); frame_done(&f);
    UNIT_AT(expect(LINK_RAW, &f, f.n, EV_GTPU_TRUNC, 1));

    f.b[0] = 0x45;
    UNIT_AT(expect(LINK_ETHERNET, &f, 0, EV_PKT_EMPTY, 0));
    UNIT_AT(expect(LINK_NULL, &f, 3, EV_LINK_TRUNC, 0));
    UNIT_AT(expect(LINK_ETHERNET, &f, 13, EV_ETH_TRUNC, 0));

    uint64_t non_ip = dstats.non_ip;               /* not IP: counted, not an anomaly */
    frame_init(&f); eth(&f, 0x88cc); payload(&f, 40); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_NONE, 0));
    frame_init(&f); eth(&f, 0x0806); payload(&f, 28); frame_done(&f);
    UNIT_AT(expect(LINK_ETHERNET, &f, f.n, EV_NONE, 0));
    CHECK_EQ_U(dstats.non_ip, non_ip + 2);

    /* Snaplen cut the frame: the layer keeps the captured bytes, no anomaly. */
    frame_init(&f); eth(&f, 0x0800); ip4(&f, "10.0.0.1", "10.0.0.2", 6); tcp(&f, 80, 1234, TCP_ACK); payload(&f, 1400); frame_done(&f);
    uint64_t cut = dstats.snaplen_truncated;
    d = decode_at(LINK_ETHERNET, f.b, 96, f.n);
    CHECK_EQ_U(d->anomaly, EV_NONE); CHECK_EQ_U(d->nlayers, 1); CHECK(d->truncated);
    CHECK_EQ_U(dstats.snaplen_truncated, cut + 1);
    UNIT_AT(check_key(d, 0, "10.0.0.1", "10.0.0.2", 80, 1234, 6, 0, 0));
    UNIT_AT(check_pl(d, 0, 14, 34, 54, 96 - 54));
    CHECK_EQ_U(d->layer[0].l4_len, 96 - 34); CHECK_EQ_U(d->layer[0].tcp_flags, TCP_ACK);
}

static void test_hash(void)
{
    struct flow_key a = {0}, b;
    addr("10.0.0.1", a.src); addr("10.0.0.2", a.dst);
    a.sport = 1234; a.dport = 80; a.proto = 6; a.ipver = 4;
    b = a;
    memcpy(b.src, a.dst, 16); memcpy(b.dst, a.src, 16); b.sport = a.dport; b.dport = a.sport;
    CHECK_EQ_U(decode_flow_hash(&a), decode_flow_hash(&b));
    b = a; b.sport = a.dport; b.dport = a.sport;   /* same hosts, ports swapped only */
    CHECK(decode_flow_hash(&a) != decode_flow_hash(&b));
    b = a; b.vlan = 1; CHECK(decode_flow_hash(&a) != decode_flow_hash(&b));
    b = a; b.tunnel_id = 1; CHECK(decode_flow_hash(&a) != decode_flow_hash(&b));
    b = a; b.proto = 17; CHECK(decode_flow_hash(&a) != decode_flow_hash(&b));

    memset(&a, 0, sizeof(a));                     /* IPv6, equal addresses: ordered by port */
    addr("2001:db8::1", a.src); addr("2001:db8::1", a.dst);
    a.sport = 9; a.dport = 7; a.proto = 17; a.ipver = 6; a.vlan = 5; a.tunnel_id = 77;
    b = a; b.sport = 7; b.dport = 9;
    CHECK_EQ_U(decode_flow_hash(&a), decode_flow_hash(&b));
}

/* Every strict prefix of every well-formed frame, ending at the guard page. */
static void test_truncation(void)
{
    unsigned checked = 0;
    for (unsigned c = 0; c < ncorpus; c++) {
        unsigned bad_anom = 0, bad_layers = 0;
        for (uint32_t len = 0; len < corpus[c].n; len++) {
            const struct decoded *d = decode_at(corpus[c].link, corpus[c].b, len, len);
            if (!d->anomaly) bad_anom++;          /* every IP length reaches the end: a cut always shows */
            if (!d->anomaly && d->nlayers > corpus[c].nlayers) bad_layers++;
            d = decode_at(corpus[c].link, corpus[c].b, len, corpus[c].n);   /* snaplen cut */
            if (d->nlayers > corpus[c].nlayers) bad_layers++;
            checked++;
        }
        if (bad_anom || bad_layers)
            fprintf(stderr, "truncating %s: %u without anomaly, %u with too many layers\n",
                    corpus[c].name, bad_anom, bad_layers);
        CHECK_EQ_U(bad_anom, 0);
        CHECK_EQ_U(bad_layers, 0);
    }
    CHECK(ncorpus >= 30 && checked > 2000);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return n ? (uint32_t)(rng % n) : 0;
}

static void test_fuzz(void)
{
    static const int links[] = { LINK_ETHERNET, LINK_RAW, LINK_NULL, LINK_LOOP, LINK_SLL, LINK_SLL2,
                                 LINK_C_HDLC, LINK_PPP, LINK_IPV4, LINK_IPV6 };
    static const uint8_t interesting[] = { 0x00, 0xff, 0x7f, 0x80, 0x40, 0x45, 0x46, 0x4f, 0x60, 0x08,
                                           0x11, 0x06, 0x2f, 0x04, 0x29, 0x2c, 0x3a, 0x20, 0x01 };
    struct guard_region gr;
    uint8_t buf[sizeof(corpus[0].b)];
    unsigned violations = 0;

    guard_region_init(&gr, sizeof(buf));
    for (unsigned it = 0; it < 200000; it++) {
        unsigned c = rnd(ncorpus);
        uint32_t n = corpus[c].n;
        int link = rnd(10) ? corpus[c].link : links[rnd(ARRAY_SIZE(links))];
        memcpy(buf, corpus[c].b, n);
        for (unsigned k = 1 + rnd(6); k; k--) {
            uint32_t at = rnd(n);
            switch (rnd(4)) {
            case 0: buf[at] ^= (uint8_t)(1u << rnd(8)); break;
            case 1: buf[at] = (uint8_t)rnd(256); break;
            case 2: buf[at] = interesting[rnd(ARRAY_SIZE(interesting))]; break;
            case 3: if (at + 1 < n) { buf[at] = 0xff; buf[at + 1] = 0xff; } break;
            }
        }
        uint32_t caplen = rnd(4) ? n : rnd(n + 1);
        uint32_t wirelen = rnd(2) ? caplen : caplen + rnd(1500);
        const uint8_t *p = guard_place(&gr, buf, caplen);
        decode_frame(&dcfg, &dstats, df, link, p, caplen, wirelen, (uint64_t)it * 1000000ULL, &dd);
        const char *why = invariant(&dd, p, caplen);
        if (why && violations++ < 5)
            fprintf(stderr, "fuzz iteration %u (%s): %s\n", it, corpus[c].name, why);
        if (it % 1000 == 0)
            defrag_expire(df, (uint64_t)it * 1000000ULL);
    }
    guard_region_fini(&gr);
    CHECK_EQ_U(violations, 0);
}

int main(void)
{
    struct defrag_config dc = { 64, 60, 256 };
    df = defrag_create(&dc);
    test_plain();
    test_l2();
    test_tunnels();
    test_links();
    test_rare();
    test_malformed();
    test_hash();
    test_truncation();
    test_fuzz();
    CHECK_EQ_U(invariant_broken, 0);
    CHECK_STR(decode_event_name(EV_TUNNEL_TOO_DEEP), "tunnel.too_many_layers");
    CHECK_STR(decode_tunnel_name(TUNNEL_VXLAN), "vxlan");
    if (g_mem)
        guard_release(g_mem, g_len);
    defrag_destroy(df);
    return unit_done("decode");
}
