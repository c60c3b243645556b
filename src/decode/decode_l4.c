/* decode_l4.c - TCP, UDP, ICMP, ICMPv6 and SCTP headers, and the hand-off to
 * tunnels that ride on IP (GRE, IP-in-IP) or on UDP (VXLAN, GTP-U, Teredo).
 *
 * `avail` is the number of L4 bytes captured, `declared` what the IP header
 * says; they differ only when the snaplen cut the frame. Protocols we do not
 * parse still make a flow (addresses and protocol number, no ports). */
#include <netinet/in.h>

#include "decode_internal.h"

static void set_payload(struct ip_layer *l, uint32_t off, uint32_t len)
{
    l->pl_off = off;
    l->pl_len = len;
}

int decode_l4(struct dctx *c, unsigned li, const uint8_t *buf, uint32_t off,
              uint32_t avail, uint32_t declared)
{
    struct ip_layer *l = &c->d->layer[li];
    uint32_t end = off + avail;
    const uint8_t *p = buf + off;

    switch (l->key.proto) {
    case IPPROTO_TCP: {
        NEED(20, EV_TCP_TRUNC);
        uint32_t hl = (uint32_t)(p[12] >> 4) * 4;
        if (hl < 20)
            return decode_event(c, EV_TCP_HLEN_TOO_SMALL);
        if (hl > avail)
            return decode_event(c, EV_TCP_OPT_TRUNC);
        c->st->tcp++;
        l->key.sport = rd16(p);
        l->key.dport = rd16(p + 2);
        l->tcp_seq = rd32(p + 4);
        l->tcp_ack = rd32(p + 8);
        l->tcp_flags = p[13];
        l->tcp_win = rd16(p + 14);
        l->l4_ok = 1;
        set_payload(l, off + hl, avail - hl);
        return 0;
    }
    case IPPROTO_UDP: {
        NEED(8, EV_UDP_TRUNC);
        uint32_t ulen = rd16(p + 4);
        c->st->udp++;
        l->key.sport = rd16(p);
        l->key.dport = rd16(p + 2);
        l->l4_ok = 1;
        if (ulen < 8 || ulen > declared) {
            /* Reported, but the datagram was on the wire: its flow is still
             * tracked, with the payload the IP length gives (ndpiReader does
             * the same; Suricata drops the packet). Never a tunnel. */
            set_payload(l, off + 8, avail - 8);
            return decode_event(c, EV_UDP_LEN_INVALID);
        }
        set_payload(l, off + 8, MIN(ulen, avail) - 8);
        if (ulen <= avail)                  /* a tunnel needs its whole payload */
            return decode_tunnel_udp(c, li, buf, off + ulen, off + 8);
        return 0;
    }
    case IPPROTO_ICMP:
        NEED(8, EV_ICMP_TRUNC);
        c->st->icmp++;
        l->icmp_type = p[0];
        l->icmp_code = p[1];
        l->l4_ok = 1;
        set_payload(l, off + 8, avail - 8);
        return 0;
    case IPPROTO_ICMPV6:
        NEED(8, EV_ICMPV6_TRUNC);
        c->st->icmpv6++;
        l->icmp_type = p[0];
        l->icmp_code = p[1];
        l->l4_ok = 1;
        set_payload(l, off + 8, avail - 8);
        return 0;
    case IPPROTO_SCTP:
        NEED(12, EV_SCTP_TRUNC);
        c->st->sctp++;
        l->key.sport = rd16(p);
        l->key.dport = rd16(p + 2);
        l->l4_ok = 1;
        set_payload(l, off + 12, avail - 12);
        return 0;
    case IPPROTO_GRE:
        c->st->other_l4++;
        l->l4_ok = 1;
        set_payload(l, off, avail);
        return decode_tunnel_gre(c, li, buf, end, off);
    case IPPROTO_IPIP: case IPPROTO_IPV6:   /* IPv4 / IPv6 directly inside IP */
        c->st->other_l4++;
        l->l4_ok = 1;
        set_payload(l, off, avail);
        if (decode_tunnel_enter(c, li, TUNNEL_IPIP, 0, c->tunnel_key) < 0)
            return -1;
        return l->key.proto == IPPROTO_IPIP ? decode_ip_v4(c, buf, end, off)
                                            : decode_ip_v6(c, buf, end, off);
    }
    c->st->other_l4++;
    l->l4_ok = 1;
    set_payload(l, off, avail);
    return 0;
}
