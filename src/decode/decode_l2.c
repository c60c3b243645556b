/* decode_l2.c - link layers and everything below IP: Ethernet, 802.1Q/802.1ad
 * (QinQ), LLC/SNAP, MPLS (with the pseudowire control word), PPPoE, PPP,
 * Linux cooked (SLL, SLL2), BSD loopback, raw IP and Cisco HDLC.
 *
 * decode_frame() (decode.c) starts every frame here, at the link layer of
 * its capture. Frames that are not IP (ARP, LLDP, PPPoE discovery, unknown
 * EtherTypes) are counted in st->non_ip and otherwise left alone: they are
 * not malformed. */
#include "decode_internal.h"

#define ETH_P_IP     0x0800
#define ETH_P_IPV6   0x86dd
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ   0x9100
#define ETH_P_MPLS   0x8847
#define ETH_P_MPLS_M 0x8848
#define ETH_P_PPPOES 0x8864

int decode_l2_link_supported(int linktype)
{
    switch (linktype) {
    case LINK_NULL: case LINK_ETHERNET: case LINK_PPP: case LINK_RAW: case LINK_RAW_BSD:
    case LINK_PPP_SERIAL: case LINK_C_HDLC: case LINK_LOOP: case LINK_SLL:
    case LINK_IPV4: case LINK_IPV6: case LINK_SLL2: case 101:
        return 1;
    }
    return 0;
}

static int non_ip(struct dctx *c)
{
    c->st->non_ip++;
    return 0;
}

/* PPP protocol field: 1 byte when its low bit is set (RFC 1661 compression). */
static int decode_ppp_proto(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off)
{
    uint16_t proto;

    NEED(1, EV_PPP_TRUNC);
    if (buf[off] & 1) {
        proto = buf[off];
        off += 1;
    } else {
        NEED(2, EV_PPP_TRUNC);
        proto = rd16(buf + off);
        off += 2;
    }
    switch (proto) {
    case 0x0021: return decode_ip_v4(c, buf, end, off);
    case 0x0057: return decode_ip_v6(c, buf, end, off);
    case 0x0281: case 0x0283: return decode_l2_ethertype(c, buf, end, off, ETH_P_MPLS);
    }
    return non_ip(c);
}

static int decode_mpls(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off)
{
    unsigned labels = 0;

    c->st->mpls++;
    for (;;) {
        NEED(4, EV_MPLS_TRUNC);
        uint32_t lse = rd32(buf + off);
        off += 4;
        if (lse & 0x100)
            break;                          /* bottom of stack */
        if (++labels >= 16)
            return decode_event(c, EV_MPLS_NO_BOS);
    }
    /* No type field after the stack: guess from the first nibble, as routers do. */
    NEED(1, EV_MPLS_TRUNC);
    switch (buf[off] >> 4) {
    case 4: return decode_ip_v4(c, buf, end, off);
    case 6: return decode_ip_v6(c, buf, end, off);
    case 0:                                 /* pseudowire control word, then Ethernet */
        NEED(4, EV_MPLS_TRUNC);
        return decode_l2_ethernet(c, buf, end, off + 4);
    }
    return decode_event(c, EV_MPLS_UNKNOWN);
}

int decode_l2_ethertype(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off,
                        uint16_t type)
{
    struct decoded *d = c->d;

    for (;;) {
        switch (type) {
        case ETH_P_IP:
            return decode_ip_v4(c, buf, end, off);
        case ETH_P_IPV6:
            return decode_ip_v6(c, buf, end, off);
        case ETH_P_8021Q: case ETH_P_8021AD: case ETH_P_QINQ:
            NEED(4, EV_VLAN_TRUNC);
            if (d->nvlan >= DECODE_MAX_VLANS)
                return decode_event(c, EV_VLAN_TOO_MANY);
            d->vlan[d->nvlan++] = rd16(buf + off) & 0x0fff;
            c->st->vlan++;
            type = rd16(buf + off + 2);
            off += 4;
            continue;
        case ETH_P_MPLS: case ETH_P_MPLS_M:
            return decode_mpls(c, buf, end, off);
        case ETH_P_PPPOES:
            NEED(6, EV_PPPOE_TRUNC);
            c->st->pppoe++;
            return decode_ppp_proto(c, buf, end, off + 6);
        }
        if (type < 0x0600) {                /* 802.3 length field: LLC follows */
            NEED(3, EV_ETH_TRUNC);
            if (buf[off] == 0xaa && buf[off + 1] == 0xaa && buf[off + 2] == 0x03) {
                NEED(8, EV_ETH_TRUNC);      /* SNAP: OUI then EtherType */
                type = rd16(buf + off + 6);
                off += 8;
                continue;
            }
        }
        return non_ip(c);
    }
}

int decode_l2_ethernet(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off)
{
    NEED(14, EV_ETH_TRUNC);
    if (++c->l2_depth > 8)                  /* e.g. MPLS pseudowire in pseudowire in ... */
        return decode_event(c, EV_TUNNEL_TOO_DEEP);
    return decode_l2_ethertype(c, buf, end, off + 14, rd16(buf + off + 12));
}

static int decode_af(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off, uint32_t af)
{
    switch (af) {
    case 2: return decode_ip_v4(c, buf, end, off);
    case 10: case 24: case 28: case 30: return decode_ip_v6(c, buf, end, off);
    }
    return non_ip(c);
}

int decode_l2_link(struct dctx *c, int linktype, const uint8_t *buf, uint32_t end)
{
    uint32_t off = 0;

    switch (linktype) {
    case LINK_ETHERNET:
        return decode_l2_ethernet(c, buf, end, 0);
    case LINK_NULL: {                       /* address family in the writer's byte order */
        NEED(4, EV_LINK_TRUNC);
        uint32_t af = rd32le(buf);
        if (af > 0xffff)
            af = rd32(buf);
        return decode_af(c, buf, end, 4, af);
    }
    case LINK_LOOP:
        NEED(4, EV_LINK_TRUNC);
        return decode_af(c, buf, end, 4, rd32(buf));
    case LINK_RAW: case LINK_RAW_BSD: case 101: case LINK_IPV4: case LINK_IPV6:
        return decode_ip(c, buf, end, 0);
    case LINK_C_HDLC:
        NEED(4, EV_LINK_TRUNC);
        return decode_l2_ethertype(c, buf, end, 4, rd16(buf + 2));
    case LINK_PPP: case LINK_PPP_SERIAL:
        NEED(2, EV_LINK_TRUNC);
        if (buf[0] == 0xff && buf[1] == 0x03)
            off = 2;
        return decode_ppp_proto(c, buf, end, off);
    case LINK_SLL:
        NEED(16, EV_LINK_TRUNC);
        return decode_l2_ethertype(c, buf, end, 16, rd16(buf + 14));
    case LINK_SLL2:
        NEED(20, EV_LINK_TRUNC);
        return decode_l2_ethertype(c, buf, end, 20, rd16(buf));
    }
    return non_ip(c);
}
