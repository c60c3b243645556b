/* fuzz_decode.c - decode_frame() on one hostile frame per input.
 *
 * Input: byte 0 = flags, the rest = the frame.
 *   bits 0-3  link type: fuzz_links[] index (fuzz_helpers.h), modulo its size
 *   bit 4     snaplen-truncated: wirelen = caplen + 100 (caplen < wirelen)
 *   bit 6     recreate the defragmenter before this frame
 * Fragments accumulate across inputs in one defragmenter, as in a real
 * stream. To stay reproducible it is recreated every DEFRAG_PERIOD inputs
 * (and on bit 6), and timestamps restart with it: a run of the same inputs
 * in the same order behaves the same. An input that crashes only after
 * others (a fragment completing a datagram) replays with the regression
 * driver given the whole corpus directory, in name order.
 *
 * Each frame is decoded twice: without a defragmenter, then with it. Both
 * results must satisfy the invariants below; when the second decode gave
 * nothing to the defragmenter, the two must be identical.
 *
 * Invariants (abort() when violated):
 *   - nlayers <= DECODE_MAX_LAYERS, nvlan <= DECODE_MAX_VLANS,
 *     anomaly < EV_MAX, anomaly_layer <= nlayers, caplen 0 <=> pkt.empty;
 *   - every layer: l3_off <= base_len, l3_cap == base_len - l3_off, the
 *     L4 span [l4_off, l4_off + l4_len) and the payload span
 *     [pl_off, pl_off + pl_len) inside [l3_off + IP header, base_len), the
 *     payload inside the L4 span; a layer in the frame ends within caplen;
 *     the IP header at l3_off still holds the layer's version, addresses
 *     (and IPv4 protocol) as in its flow key, so no later step of the walk
 *     overwrote a buffer a layer points into; IPv4 keys have zero address
 *     bytes 4..15; a layer is marked reassembled exactly when it is a
 *     datagram the defragmenter put together (in a defrag buffer, at 0); no ports without l4_ok or for portless protocols;
 *     the outermost layer has no tunnel, every inner one has one no deeper
 *     than its index; every byte of every layer is read (ASan checks it);
 *   - decode_flow_hash() is symmetric. */
#include <stdint.h>
#include <string.h>

#include "taishi/decode/decode.h"
#include "taishi/decode/defrag.h"
#include "fuzz_helpers.h"

#define DEFRAG_PERIOD 64
#define TS_STEP_NS    100000000ULL       /* 100 ms per input */

static struct defrag *df;
static unsigned since_reset;
static const struct decode_config dcfg = { 4789, 3544, 2152 };
/* Small limits, so eviction, timeouts and the fragment cap are reached. */
static const struct defrag_config dfcfg = { 8, 5, 64 };

static void check_hash(const struct flow_key *k)
{
    struct flow_key r = *k;

    memcpy(r.src, k->dst, 16);
    memcpy(r.dst, k->src, 16);
    r.sport = k->dport;
    r.dport = k->sport;
    FUZZ_ASSERT(decode_flow_hash(k) == decode_flow_hash(&r));
}

static void check_layer(const struct decoded *d, unsigned i, const uint8_t *frame, uint32_t caplen)
{
    const struct ip_layer *l = &d->layer[i];
    const uint8_t *b = d->base[i];
    uint32_t bl = d->base_len[i];
    uint32_t iphl = l->key.ipver == 4 ? 20 : 40;
    static const uint8_t zero[12];

    FUZZ_ASSERT(b != NULL);
    FUZZ_ASSERT(l->key.ipver == 4 || l->key.ipver == 6);
    if (b == frame)
        FUZZ_ASSERT(bl <= caplen);
    else
        FUZZ_ASSERT(bl <= 65535);        /* a reassembled datagram */
    FUZZ_ASSERT(l->l3_off <= bl);
    FUZZ_ASSERT(l->l3_cap == bl - l->l3_off);
    FUZZ_ASSERT(bl - l->l3_off >= iphl);
    FUZZ_ASSERT(b[l->l3_off] >> 4 == l->key.ipver);
    if (l->key.ipver == 4)
        FUZZ_ASSERT_MSG(!memcmp(l->key.src, b + l->l3_off + 12, 4) &&
                        !memcmp(l->key.dst, b + l->l3_off + 16, 4) &&
                        l->key.proto == b[l->l3_off + 9],
                        "layer %u: the IPv4 header no longer matches its key", i);
    else
        FUZZ_ASSERT_MSG(!memcmp(l->key.src, b + l->l3_off + 8, 16) &&
                        !memcmp(l->key.dst, b + l->l3_off + 24, 16),
                        "layer %u: the IPv6 header no longer matches its key", i);
    FUZZ_ASSERT_MSG(l->reassembled == (b != frame && l->l3_off == 0),
                    "layer %u: reassembled=%u but %s at offset %u", i, l->reassembled,
                    b == frame ? "in the frame" : "in a defrag buffer", l->l3_off);
    FUZZ_ASSERT(l->l4_off >= l->l3_off + iphl);
    FUZZ_ASSERT(l->l4_off <= bl && l->l4_len <= bl - l->l4_off);
    FUZZ_ASSERT(l->pl_off >= l->l4_off);
    FUZZ_ASSERT(l->pl_off <= bl && l->pl_len <= bl - l->pl_off);
    FUZZ_ASSERT(l->pl_off + l->pl_len <= l->l4_off + l->l4_len);
    if (l->key.ipver == 4)
        FUZZ_ASSERT(!memcmp(l->key.src + 4, zero, 12) && !memcmp(l->key.dst + 4, zero, 12));
    if (!l->l4_ok || (l->key.proto != 6 && l->key.proto != 17 && l->key.proto != 132))
        FUZZ_ASSERT(l->key.sport == 0 && l->key.dport == 0);
    FUZZ_ASSERT(l->carries < TUNNEL_MAX);
    FUZZ_ASSERT(d->tun[i].type < TUNNEL_MAX);
    if (i == 0)
        FUZZ_ASSERT(d->tun[i].type == TUNNEL_NONE && d->tun[i].depth == 0);
    else
        FUZZ_ASSERT(d->tun[i].type != TUNNEL_NONE && d->tun[i].depth >= 1 && d->tun[i].depth <= i);
    check_hash(&l->key);

    /* Read the whole layer: a base/base_len that is not real memory shows here. */
    volatile uint8_t sink = 0;
    uint8_t x = 0;
    for (uint32_t o = l->l3_off; o < bl; o++)
        x ^= b[o];
    sink = x;
    (void)sink;
}

static void check(const struct decoded *d, const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    FUZZ_ASSERT(d->caplen == caplen && d->wirelen == wirelen);
    FUZZ_ASSERT(d->truncated == (caplen < wirelen));
    FUZZ_ASSERT(d->nlayers <= DECODE_MAX_LAYERS);
    FUZZ_ASSERT(d->nvlan <= DECODE_MAX_VLANS);
    FUZZ_ASSERT(d->anomaly < EV_MAX);
    FUZZ_ASSERT(d->anomaly_layer <= d->nlayers);
    FUZZ_ASSERT((caplen == 0) == (d->anomaly == EV_PKT_EMPTY));
    for (unsigned i = 0; i < d->nlayers; i++)
        check_layer(d, i, frame, caplen);
}

/* The decode with a defragmenter that took no fragment equals the one without. */
static void check_same(const struct decoded *a, const struct decoded *b)
{
    FUZZ_ASSERT(a->nlayers == b->nlayers && a->anomaly == b->anomaly &&
                a->anomaly_layer == b->anomaly_layer && a->consumed == b->consumed);
    FUZZ_ASSERT(a->nvlan == b->nvlan && !memcmp(a->vlan, b->vlan, a->nvlan * sizeof(a->vlan[0])));
    for (unsigned i = 0; i < a->nlayers; i++) {
        FUZZ_ASSERT(!memcmp(&a->layer[i], &b->layer[i], sizeof(a->layer[i])));
        FUZZ_ASSERT(a->base[i] == b->base[i] && a->base_len[i] == b->base_len[i]);
        FUZZ_ASSERT(!memcmp(&a->tun[i], &b->tun[i], sizeof(a->tun[i])));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct decode_stats st;
    struct decoded d0, d1;

    if (size < 1)
        return 0;
    if (!df || since_reset >= DEFRAG_PERIOD || (data[0] & 0x40)) {
        defrag_destroy(df);
        df = defrag_create(&dfcfg);
        since_reset = 0;
    }
    uint64_t ts = FUZZ_T0_NS + since_reset++ * TS_STEP_NS;
    int link = fuzz_link(data[0] & 0x0f);
    const uint8_t *frame = data + 1;
    uint32_t caplen = (uint32_t)(size - 1);
    uint32_t wirelen = (data[0] & 0x10) ? caplen + 100 : caplen;

    FUZZ_ASSERT(decode_l2_link_supported(link));
    memset(&d0, 0xa5, sizeof(d0));      /* nothing may depend on what was there */
    memset(&d1, 0x5a, sizeof(d1));

    decode_frame(&dcfg, &st, NULL, link, frame, caplen, wirelen, ts, &d0);
    check(&d0, frame, caplen, wirelen);
    FUZZ_ASSERT(!d0.consumed);          /* nothing can be held without a defragmenter */

    uint64_t frags = defrag_stats(df)->fragments;
    decode_frame(&dcfg, &st, df, link, frame, caplen, wirelen, ts, &d1);
    check(&d1, frame, caplen, wirelen);
    if (defrag_stats(df)->fragments == frags)
        check_same(&d0, &d1);
    defrag_expire(df, ts);
    return 0;
}
