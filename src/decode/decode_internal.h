/* decode_internal.h - what the decode*.c files share; not a public interface.
 *
 * decode_frame() (decode.c) keeps the state of one frame's walk in a
 * `struct dctx` on its stack and calls decode_l2_link(); from there each
 * decoder calls the next one for what its header says follows. A decoder
 * takes the context, the buffer its layer lives in (`buf`: the frame, or the
 * defragmenter's output for a reassembled datagram), the offset of its
 * header (`off`) and the first byte the header and its payload may not reach
 * (`end`: the end of the capture, of the enclosing datagram or of the tunnel
 * payload); invariant: off <= end. Most have the shape
 *     int decode_X(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off);
 * those that belong to an IP layer (decode_l4(), the tunnels) also take its
 * index `li`, and decode_l4() the L4 byte counts in place of `end`;
 * decode_l2_link() takes the link type, decode_l2_ethertype() the EtherType.
 * NEED(n, ev) makes the calling decoder return the anomaly ev when fewer
 * than n bytes are left at `off`; nothing is read before it.
 *
 * A decoder returns 0 when it is done (also when the payload turns out not
 * to be its protocol: it stays payload, no anomaly) and -1 when it stopped
 * at an anomaly (decode_event()'s value); a few anomalies are only reported
 * and the walk goes on (IPv4 options, the defragmenter's events).
 * decode_frame() ignores the value: d->anomaly and the counters are the
 * report. */
#ifndef TAISHI_DECODE_INTERNAL_H
#define TAISHI_DECODE_INTERNAL_H

#include "taishi/core/compiler.h"
#include "taishi/decode/decode.h"
#include "taishi/decode/defrag.h"
#include "taishi/core/util.h"

#define DECODE_MAX_TUNNELS (DECODE_MAX_LAYERS - 1)

struct dctx {
    const struct decode_config *cfg;
    struct decode_stats *st;
    struct defrag *df;
    struct decoded *d;
    unsigned depth;               /* tunnels entered so far */
    unsigned l2_depth;            /* Ethernet headers entered (MPLS pseudowires nest them) */
    unsigned reassembled;         /* datagrams reassembled in this frame (at most 2) */
    struct tunnel_info tun;       /* enclosing tunnel for the next IP layer */
    uint32_t tunnel_key;          /* flow-key tunnel id for the next IP layer */
};

/* Records the first anomaly of the frame (and how many IP layers were
 * complete then) and counts every one. Returns -1 so decoders can
 * `return decode_event(c, EV_X);`. */
static inline int decode_event(struct dctx *c, enum decode_event ev)
{
    c->st->events[ev]++;
    if (!c->d->anomaly) {
        c->d->anomaly = (uint16_t)ev;
        c->d->anomaly_layer = c->d->nlayers;
    }
    return -1;
}

#define NEED(n, ev) do { \
        if (unlikely(end - off < (uint32_t)(n))) return decode_event(c, (ev)); \
    } while (0)

/* decode_l2.c */
int decode_l2_link(struct dctx *c, int linktype, const uint8_t *buf, uint32_t end);
int decode_l2_ethernet(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off);
int decode_l2_ethertype(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off,
                        uint16_t type);
/* decode_ip.c */
int decode_ip(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off);
int decode_ip_v4(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off);
int decode_ip_v6(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off);
/* decode_l4.c: `avail` = L4 bytes captured, `declared` = L4 bytes the IP header claims */
int decode_l4(struct dctx *c, unsigned li, const uint8_t *buf, uint32_t off,
              uint32_t avail, uint32_t declared);
/* decode_template.c: the scaffold, not called */
int decode_template(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off);
/* decode_tunnel.c */
int decode_tunnel_enter(struct dctx *c, unsigned outer, enum tunnel_type type,
                        uint32_t id, uint32_t key_id);
int decode_tunnel_gre(struct dctx *c, unsigned li, const uint8_t *buf, uint32_t end, uint32_t off);
/* Tries VXLAN, GTP-U and Teredo on a UDP payload; returns 0 when it is none. */
int decode_tunnel_udp(struct dctx *c, unsigned li, const uint8_t *buf, uint32_t end, uint32_t off);

#endif
