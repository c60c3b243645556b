/* capture.c - what the offline reader (capture_file.c) and live capture
 * (capture_live.c) share, and the pipeline fuzz target drives: how one IP
 * layer of a decoded frame becomes the `struct packet` a worker gets.
 *
 * The layer's bytes, from its IP header to the end it was decoded against
 * (d->base_len: the frame, an enclosing datagram, or the defragmenter's
 * output for a reassembled one), are copied to the caller's dst and the
 * offsets rebased to that copy, so the packet outlives the frame and the
 * defragmenter's buffers. The outermost layer of a frame has the frame's
 * wire length, the others (and reassembled ones) their IP length. A TCP,
 * UDP, SCTP, ICMP or ICMPv6 layer whose header did not decode is marked
 * PKT_NO_FLOW. Only the innermost layer carries the frame's anomaly. A frame
 * without an IP layer becomes an anomaly-only packet of at most its first
 * 256 bytes. */
#include <netinet/in.h>
#include <string.h>

#include "taishi/capture/capture.h"
#include "taishi/core/util.h"

uint32_t capture_layer_len(const struct decoded *d, unsigned li)
{
    return d->base_len[li] - d->layer[li].l3_off;
}

void capture_layer_packet(const struct decoded *d, unsigned li, uint64_t cnt, uint64_t hash,
                          uint8_t *dst, struct packet *p)
{
    const struct ip_layer *l = &d->layer[li];
    uint32_t len = capture_layer_len(d, li);
    int last = li + 1 == d->nlayers;

    memcpy(dst, d->base[li] + l->l3_off, len);
    p->data = dst;
    p->len = len;
    p->ts_ns = d->ts_ns;
    p->pcap_cnt = cnt;
    p->hash = hash;
    p->ip = *l;
    p->ip.l4_off -= l->l3_off;
    p->ip.pl_off -= l->l3_off;
    p->ip.l3_off = 0;
    p->tun = d->tun[li];
    p->wirelen = (li == 0 && !l->reassembled) ? d->wirelen : (l->l4_off - l->l3_off) + l->l4_len;
    p->flags = PKT_HAS_IP | (d->truncated ? PKT_TRUNCATED : 0);
    uint8_t proto = l->key.proto;
    if (!l->l4_ok && (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
                      proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6))
        p->flags |= PKT_NO_FLOW;            /* no ports: it would only make a bogus flow */
    p->anomaly = last ? d->anomaly : 0;
    p->anomaly_layer = last ? d->anomaly_layer : 0;
}

uint32_t capture_anomaly_len(const struct decoded *d)
{
    return MIN(d->caplen, 256u);
}

void capture_anomaly_packet(const struct decoded *d, const uint8_t *frame, uint64_t cnt,
                            uint8_t *dst, struct packet *p)
{
    uint32_t len = capture_anomaly_len(d);

    memcpy(dst, frame, len);
    memset(&p->ip, 0, sizeof(p->ip));
    memset(&p->tun, 0, sizeof(p->tun));
    p->data = dst;
    p->len = len;
    p->ts_ns = d->ts_ns;
    p->pcap_cnt = cnt;
    p->hash = 0;
    p->wirelen = d->wirelen;
    p->flags = 0;
    p->anomaly = d->anomaly;
    p->anomaly_layer = d->anomaly_layer;
}
