/* packet.h - the packet as it travels down one worker's pipeline.
 *
 * The reader thread (live: the worker itself) decodes a frame (decode.h)
 * into a `struct decoded`, which may hold several IP layers when the frame
 * carries a tunnel. Each IP layer is a flow of its own (the tunnel's outer
 * flow and the inner flow), so each layer becomes one `struct packet`
 * (capture.c), handed to the worker that owns that layer's flow. A `struct
 * packet` is a view of exactly one IP layer.
 *
 * Ownership: `data` points into the batch buffer the reader filled (ring.h,
 * capture.h), valid until the worker returns the batch; live, into the
 * worker's scratch buffer, valid while the packet is processed. Anything
 * that must outlive the packet (events, flow metadata) is copied. */
#ifndef TAISHI_PACKET_H
#define TAISHI_PACKET_H

#include <stdint.h>

enum tunnel_type {
    TUNNEL_NONE = 0, TUNNEL_GRE, TUNNEL_ERSPAN, TUNNEL_VXLAN, TUNNEL_GTPU,
    TUNNEL_IPIP,     /* IPv4 or IPv6 directly in IPv4/IPv6 (4in4, 6in4, 4in6, 6in6) */
    TUNNEL_TEREDO, TUNNEL_MAX
};

/* A flow's identity. IPv4 addresses use the first 4 bytes, the rest is zero.
 * For ICMP and protocols without ports both ports are 0. */
struct flow_key {
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint8_t proto;          /* IP protocol number of the L4 header */
    uint8_t ipver;          /* 4 or 6 */
    uint16_t pad0;
    uint32_t vlan;          /* outer VLAN id << 12 | inner VLAN id (0 if untagged) */
    uint32_t tunnel_id;     /* VXLAN VNI, GRE key (not PPTP's) or ERSPAN session of the
                             * tunnel the layer is in, IP-in-IP keeping the one around
                             * it; 0 otherwise */
};

/* The tunnel that encloses a layer (type TUNNEL_NONE for the outermost). */
struct tunnel_info {
    uint8_t type;           /* enum tunnel_type */
    uint8_t depth;          /* number of tunnels around this layer */
    uint8_t ipver;          /* of the outer addresses */
    uint8_t pad0;
    uint32_t id;            /* VNI, GRE key, GTP TEID, ERSPAN session id */
    uint8_t src[16], dst[16];
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

/* One IP layer. Offsets are relative to the layer's buffer start. */
struct ip_layer {
    struct flow_key key;
    uint32_t l3_off;        /* IP header */
    uint32_t l3_cap;        /* bytes from the IP header to the end it was decoded against */
    uint32_t l4_off, l4_len;/* L4 header and the L4 bytes the IP length covers */
    uint32_t pl_off, pl_len;/* L4 payload */
    uint32_t tcp_seq, tcp_ack;
    uint16_t tcp_win;
    uint8_t tcp_flags;
    uint8_t icmp_type, icmp_code;
    uint8_t l4_ok;          /* the L4 header was decoded (ports and flags valid) */
    uint8_t carries;        /* enum tunnel_type this layer's payload carries */
    uint8_t reassembled;    /* this datagram was put together from fragments */
};

#define PKT_HAS_IP     0x01 /* `ip` is valid; otherwise only an anomaly to report */
#define PKT_TRUNCATED  0x02 /* the capture snaplen cut the frame */
#define PKT_NO_FLOW    0x04 /* the L4 header is broken: report it, do not track it */

struct packet {
    const uint8_t *data;    /* the IP header of this layer (or raw frame bytes without one) */
    uint32_t len;           /* bytes at data */
    uint32_t wirelen;       /* length of the whole frame on the wire */
    uint64_t ts_ns;         /* packet time, ns since the epoch */
    uint64_t pcap_cnt;      /* 1-based number of the frame in the capture */
    uint64_t hash;          /* decode_flow_hash(&ip.key) when capture computed it, else 0 */
    struct ip_layer ip;     /* offsets relative to `data` (l3_off == 0) */
    struct tunnel_info tun;
    uint16_t anomaly;       /* enum decode_event reported with this packet; 0 = none */
    uint8_t flags;          /* PKT_* */
    uint8_t anomaly_layer;  /* IP layers complete when it was found (struct decoded) */
};

#endif
