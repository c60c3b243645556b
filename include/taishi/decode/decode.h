/* decode.h - link layer to L4: every header bounds-checked before it is read.
 *
 * decode_frame() walks a captured frame from the link layer down to the
 * innermost L4 header, through VLAN/QinQ, MPLS, PPPoE, IPv4 (options,
 * fragments), IPv6 (extension headers, fragments) and the tunnels GRE,
 * ERSPAN, VXLAN, GTP-U, IP-in-IP/6in4 and Teredo. It allocates nothing
 * itself: the only memory it uses is the caller's `struct decoded` and the
 * defragmenter's (defrag.h: a fixed pool of trackers, each tracker's buffer
 * allocated on its first use and kept).
 *
 * Malformed input sets `d->anomaly` (the first problem found), bumps a
 * counter and, for most problems, stops the walk; the layers decoded before
 * it stay valid. The code is in decode.c (entry points) and decode_l2.c,
 * decode_ip.c, decode_l4.c, decode_tunnel.c (one per layer; see
 * decode_internal.h).
 *
 * Ownership: layer buffers point into the caller's frame or into the
 * defragmenter's output buffers; both are valid until the next call. */
#ifndef TAISHI_DECODE_H
#define TAISHI_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "taishi/decode/packet.h"

struct defrag;

/* Link types we accept (libpcap DLT_* values as pcap_datalink() returns them). */
#define LINK_NULL      0
#define LINK_ETHERNET  1
#define LINK_PPP       9
#define LINK_RAW       12   /* DLT_RAW on Linux; LINKTYPE_RAW (101) in files */
#define LINK_RAW_BSD   14
#define LINK_PPP_SERIAL 50
#define LINK_C_HDLC    104
#define LINK_LOOP      108
#define LINK_SLL       113
#define LINK_IPV4      228
#define LINK_IPV6      229
#define LINK_SLL2      276
int decode_l2_link_supported(int linktype);   /* 1 for the link types above (decode_l2.c) */

/* X(enum, "name", "layer") — names follow Suricata's decoder events. */
#define DECODE_EVENTS(X) \
    X(EV_NONE, "none", "none") \
    X(EV_PKT_EMPTY, "pkt.empty", "link") \
    X(EV_ETH_TRUNC, "ethernet.pkt_too_small", "ethernet") \
    X(EV_LINK_TRUNC, "link.pkt_too_small", "link") \
    X(EV_VLAN_TRUNC, "vlan.header_too_small", "vlan") \
    X(EV_VLAN_TOO_MANY, "vlan.too_many_layers", "vlan") \
    X(EV_MPLS_TRUNC, "mpls.header_too_small", "mpls") \
    X(EV_MPLS_NO_BOS, "mpls.bad_label_stack", "mpls") \
    X(EV_MPLS_UNKNOWN, "mpls.unknown_payload_type", "mpls") \
    X(EV_PPPOE_TRUNC, "pppoe.pkt_too_small", "pppoe") \
    X(EV_PPP_TRUNC, "ppp.pkt_too_small", "ppp") \
    X(EV_IPV4_TRUNC, "ipv4.pkt_too_small", "ipv4") \
    X(EV_IPV4_HLEN_TOO_SMALL, "ipv4.hlen_too_small", "ipv4") \
    X(EV_IPV4_IPLEN_SMALLER_THAN_HLEN, "ipv4.iplen_smaller_than_hlen", "ipv4") \
    X(EV_IPV4_TRUNC_PKT, "ipv4.trunc_pkt", "ipv4") \
    X(EV_IPV4_OPT_INVALID, "ipv4.opt_invalid", "ipv4") \
    X(EV_IP_WRONG_VERSION, "ip.wrong_version", "ip") \
    X(EV_IPV6_TRUNC, "ipv6.pkt_too_small", "ipv6") \
    X(EV_IPV6_TRUNC_PKT, "ipv6.trunc_pkt", "ipv6") \
    X(EV_IPV6_EXTHDR_TRUNC, "ipv6.exthdr_truncated", "ipv6") \
    X(EV_IPV6_EXTHDR_TOO_MANY, "ipv6.exthdr_too_many", "ipv6") \
    X(EV_FRAG_OVERLAP, "defrag.overlap", "defrag") \
    X(EV_FRAG_TOO_LARGE, "defrag.pkt_too_large", "defrag") \
    X(EV_FRAG_TRACKERS_FULL, "defrag.trackers_full", "defrag") \
    X(EV_FRAG_INVALID, "defrag.invalid_fragment", "defrag") \
    X(EV_TCP_TRUNC, "tcp.pkt_too_small", "tcp") \
    X(EV_TCP_HLEN_TOO_SMALL, "tcp.hlen_too_small", "tcp") \
    X(EV_TCP_OPT_TRUNC, "tcp.invalid_optlen", "tcp") \
    X(EV_UDP_TRUNC, "udp.pkt_too_small", "udp") \
    X(EV_UDP_LEN_INVALID, "udp.hlen_invalid", "udp") \
    X(EV_ICMP_TRUNC, "icmpv4.pkt_too_small", "icmpv4") \
    X(EV_ICMPV6_TRUNC, "icmpv6.pkt_too_small", "icmpv6") \
    X(EV_SCTP_TRUNC, "sctp.pkt_too_small", "sctp") \
    X(EV_GRE_TRUNC, "gre.pkt_too_small", "gre") \
    X(EV_GRE_VERSION, "gre.wrong_version", "gre") \
    X(EV_ERSPAN_TRUNC, "erspan.pkt_too_small", "erspan") \
    X(EV_VXLAN_TRUNC, "vxlan.pkt_too_small", "vxlan") \
    X(EV_GTPU_TRUNC, "gtpu.pkt_too_small", "gtpu") \
    X(EV_TEREDO_TRUNC, "teredo.pkt_too_small", "teredo") \
    X(EV_TUNNEL_TOO_DEEP, "tunnel.too_many_layers", "tunnel")

#define X_ENUM(e, n, l) e,
enum decode_event { DECODE_EVENTS(X_ENUM) EV_MAX };
#undef X_ENUM
const char *decode_event_name(unsigned ev);
const char *decode_event_layer(unsigned ev);

/* Counters the decoder keeps (owned by the thread that calls decode_frame). */
struct decode_stats {
    uint64_t frames, bytes;
    uint64_t ipv4, ipv6, tcp, udp, icmp, icmpv6, sctp, other_l4;
    uint64_t vlan, mpls, pppoe, tunnel[TUNNEL_MAX];
    uint64_t non_ip;          /* ARP, LLDP, unknown EtherTypes: not ours to track */
    uint64_t snaplen_truncated;
    uint64_t invalid;         /* frames with an anomaly */
    uint64_t events[EV_MAX];
};

#define DECODE_MAX_LAYERS 4   /* IP layers per frame: outer + 3 nested tunnels */
#define DECODE_MAX_VLANS  3

struct decoded {
    uint64_t ts_ns;
    uint32_t caplen, wirelen;
    uint8_t nlayers;          /* IP layers decoded */
    uint8_t nvlan;
    uint16_t vlan[DECODE_MAX_VLANS];
    uint16_t anomaly;         /* enum decode_event */
    uint8_t anomaly_layer;    /* IP layers complete when it was found: 0 = in or before the
                               * outermost IP header, n = after layer n-1's IP header */
    uint8_t consumed;         /* a fragment went into the defragmenter: nothing to report yet */
    uint8_t truncated;        /* caplen < wirelen */
    struct ip_layer layer[DECODE_MAX_LAYERS];
    const uint8_t *base[DECODE_MAX_LAYERS]; /* buffer each layer's offsets refer to */
    uint32_t base_len[DECODE_MAX_LAYERS];
    struct tunnel_info tun[DECODE_MAX_LAYERS]; /* tunnel enclosing layer i */
};

struct decode_config {
    uint16_t vxlan_port;      /* default 4789 */
    uint16_t teredo_port;     /* default 3544 */
    uint16_t gtpu_port;       /* default 2152 */
};

/* Decodes one frame. `df` may be NULL (fragments are then reported as
 * non-reassembled flows' packets without L4). Always returns 0; results and
 * anomalies are in `d`. */
int decode_frame(const struct decode_config *cfg, struct decode_stats *st,
                 struct defrag *df, int linktype, const uint8_t *frame,
                 uint32_t caplen, uint32_t wirelen, uint64_t ts_ns,
                 struct decoded *d);

/* The symmetric hash of a flow key: the same for both directions of a
 * flow. It picks the flow table's bucket, and offline the worker. */
uint64_t decode_flow_hash(const struct flow_key *k);
/* "gre", "vxlan", ...; "none" for TUNNEL_NONE (decode_tunnel.c). */
const char *decode_tunnel_name(enum tunnel_type t);


#endif
