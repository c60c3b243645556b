/* decode_internal.h - what the decode_*.c files share; not a public interface.
 *
 * Every decoder has the shape
 *     int decode_X(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off);
 * `buf` is the buffer the layer lives in, `off` the offset of the X header
 * and `end` the first byte the header and its payload may not reach (the end
 * of the capture, or of the enclosing datagram). Invariant: off <= end.
 * NEED(n, ev) checks that n bytes are there before anything is read. */
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
    unsigned reassembled;         /* datagrams reassembled in this frame */
    struct tunnel_info tun;       /* enclosing tunnel for the next IP layer */
    uint32_t tunnel_key;          /* flow-key tunnel id for the next IP layer */
};

/* Records the first anomaly of the frame and counts every one. Returns -1 so
 * decoders can `return decode_event(c, EV_X);`. */
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
