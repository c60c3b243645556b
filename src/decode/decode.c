/* decode.c - the decoder's entry points (decode.h): decode_frame(), the
 * names of the decoder events, and the flow hash.
 *
 * decode_frame() resets the caller's `struct decoded`, counts the frame and
 * hands it to the link layer (decode_l2.c); the walk goes down from there
 * through decode_ip.c, decode_l4.c and decode_tunnel.c, each calling the
 * next. A frame with no captured bytes is an anomaly (pkt.empty) without a
 * walk. The frame counts as invalid when the walk recorded an anomaly. */
#include <string.h>

#include "decode_internal.h"

int decode_frame(const struct decode_config *cfg, struct decode_stats *st,
                 struct defrag *df, int linktype, const uint8_t *frame,
                 uint32_t caplen, uint32_t wirelen, uint64_t ts_ns,
                 struct decoded *d)
{
    struct dctx c = { .cfg = cfg, .st = st, .df = df, .d = d };

    d->ts_ns = ts_ns;
    d->caplen = caplen;
    d->wirelen = wirelen;
    d->nlayers = 0;
    d->nvlan = 0;
    d->anomaly = EV_NONE;
    d->anomaly_layer = 0;
    d->consumed = 0;
    d->truncated = caplen < wirelen;
    st->frames++;
    st->bytes += wirelen;
    if (d->truncated)
        st->snaplen_truncated++;
    if (caplen == 0)
        decode_event(&c, EV_PKT_EMPTY);
    else
        decode_l2_link(&c, linktype, frame, caplen);
    if (d->anomaly)
        st->invalid++;
    return 0;
}

#define X_NAME(e, n, l) n,
#define X_LAYER(e, n, l) l,
static const char *const event_names[] = { DECODE_EVENTS(X_NAME) };
static const char *const event_layers[] = { DECODE_EVENTS(X_LAYER) };

const char *decode_event_name(unsigned ev)
{
    return ev < EV_MAX ? event_names[ev] : "unknown";
}

const char *decode_event_layer(unsigned ev)
{
    return ev < EV_MAX ? event_layers[ev] : "unknown";
}

/* The flow hash is symmetric: both endpoints are ordered before mixing, so
 * both directions of a flow land on the same worker and bucket. */
uint64_t decode_flow_hash(const struct flow_key *k)
{
    const uint8_t *a = k->src, *b = k->dst;
    uint16_t ap = k->sport, bp = k->dport;
    int cmp = memcmp(a, b, 16);

    if (cmp > 0 || (cmp == 0 && ap > bp)) {
        const uint8_t *t = a; a = b; b = t;
        uint16_t tp = ap; ap = bp; bp = tp;
    }
    uint64_t w[4];
    memcpy(&w[0], a, 8); memcpy(&w[1], a + 8, 8);
    memcpy(&w[2], b, 8); memcpy(&w[3], b + 8, 8);
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)k->proto << 56 | (uint64_t)k->ipver << 48 |
                                          (uint64_t)ap << 16 | bp);
    h = mix64(h ^ w[0]);
    h = mix64(h ^ w[1]);
    h = mix64(h ^ w[2]);
    h = mix64(h ^ w[3]);
    return mix64(h ^ ((uint64_t)k->vlan << 32 | k->tunnel_id));
}
