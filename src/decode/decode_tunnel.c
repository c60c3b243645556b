/* decode_tunnel.c - GRE (v0 and PPTP's v1), ERSPAN I/II/III, VXLAN, GTP-U and
 * Teredo, and the tunnel types' names. IP-in-IP is a few lines in
 * decode_l4.c.
 *
 * Entering a tunnel records, for the next IP layer, which tunnel it is in
 * (type, outer addresses, id) and the tunnel id that goes into its flow key:
 * the VXLAN VNI, the GRE key or the ERSPAN session separate overlapping
 * address spaces. GTP-U's TEID is reported but kept out of the key, because
 * the two directions of one inner flow use different TEIDs.
 *
 * UDP-borne tunnels are recognised by port and by their header's shape; a
 * payload that does not look like the tunnel is left as plain UDP, not an
 * anomaly (port 3544 carries other things than Teredo too). */
#include <string.h>

#include "decode_internal.h"

int decode_tunnel_enter(struct dctx *c, unsigned outer, enum tunnel_type type,
                        uint32_t id, uint32_t key_id)
{
    struct ip_layer *o = &c->d->layer[outer];

    if (c->depth >= DECODE_MAX_TUNNELS)
        return decode_event(c, EV_TUNNEL_TOO_DEEP);
    o->carries = (uint8_t)type;
    c->st->tunnel[type]++;
    c->depth++;
    c->tun.type = (uint8_t)type;
    c->tun.depth = (uint8_t)c->depth;
    c->tun.ipver = o->key.ipver;
    c->tun.id = id;
    memcpy(c->tun.src, o->key.src, 16);
    memcpy(c->tun.dst, o->key.dst, 16);
    c->tunnel_key = key_id;
    return 0;
}

const char *decode_tunnel_name(enum tunnel_type t)
{
    static const char *const names[TUNNEL_MAX] = {
        "none", "gre", "erspan", "vxlan", "gtpu", "ipip", "teredo",
    };
    return (unsigned)t < TUNNEL_MAX ? names[t] : "unknown";
}

static int decode_erspan(struct dctx *c, unsigned li, const uint8_t *buf, uint32_t end,
                         uint32_t off, int type3, int has_seq)
{
    uint32_t session = 0;

    if (type3) {                            /* 12-byte header, optional 8-byte subheader */
        NEED(12, EV_ERSPAN_TRUNC);
        session = rd16(buf + off + 2) & 0x03ff;
        uint32_t hl = (buf[off + 11] & 0x01) ? 20 : 12;
        NEED(hl, EV_ERSPAN_TRUNC);
        off += hl;
    } else if (has_seq) {                   /* type II: 8-byte header */
        NEED(8, EV_ERSPAN_TRUNC);
        session = rd16(buf + off + 2) & 0x03ff;
        off += 8;
    }                                       /* type I: no header at all */
    if (decode_tunnel_enter(c, li, TUNNEL_ERSPAN, session, session) < 0)
        return -1;
    return decode_l2_ethernet(c, buf, end, off);
}

int decode_tunnel_gre(struct dctx *c, unsigned li, const uint8_t *buf, uint32_t end, uint32_t off)
{
    NEED(4, EV_GRE_TRUNC);
    uint16_t flags = rd16(buf + off), proto = rd16(buf + off + 2);
    unsigned ver = flags & 0x7;
    uint32_t hl = 4, key = 0;

    if (ver > 1)
        return decode_event(c, EV_GRE_VERSION);
    if (flags & 0x8000)                     /* checksum present (+ reserved1) */
        hl += 4;
    if (flags & 0x2000) {                   /* key present */
        NEED(hl + 4, EV_GRE_TRUNC);
        key = rd32(buf + off + hl);
        hl += 4;
    }
    if (flags & 0x1000)                     /* sequence number present */
        hl += 4;
    if (ver == 1 && (flags & 0x0080))       /* PPTP acknowledgment number */
        hl += 4;
    NEED(hl, EV_GRE_TRUNC);
    off += hl;

    switch (proto) {
    case 0x0800: case 0x86dd:
        if (decode_tunnel_enter(c, li, TUNNEL_GRE, key, key) < 0)
            return -1;
        return proto == 0x0800 ? decode_ip_v4(c, buf, end, off) : decode_ip_v6(c, buf, end, off);
    case 0x6558:                            /* transparent Ethernet bridging */
        if (decode_tunnel_enter(c, li, TUNNEL_GRE, key, key) < 0)
            return -1;
        return decode_l2_ethernet(c, buf, end, off);
    case 0x880b: {                          /* PPP (PPTP): address/control, protocol */
        if (end - off >= 2 && buf[off] == 0xff && buf[off + 1] == 0x03)
            off += 2;
        NEED(1, EV_GRE_TRUNC);
        uint16_t pp = buf[off] & 1 ? buf[off] : (end - off >= 2 ? rd16(buf + off) : 0);
        uint32_t pl = buf[off] & 1 ? 1 : 2;
        if (pp != 0x21 && pp != 0x57)
            return 0;                       /* LCP, compressed data: not IP */
        if (decode_tunnel_enter(c, li, TUNNEL_GRE, key, 0) < 0)
            return -1;
        return pp == 0x21 ? decode_ip_v4(c, buf, end, off + pl)
                          : decode_ip_v6(c, buf, end, off + pl);
    }
    case 0x88be:
        return decode_erspan(c, li, buf, end, off, 0, (flags & 0x1000) != 0);
    case 0x22eb:
        return decode_erspan(c, li, buf, end, off, 1, 1);
    }
    return 0;                               /* other GRE payloads: the outer flow is all */
}

static int decode_vxlan(struct dctx *c, unsigned li, const uint8_t *buf, uint32_t end, uint32_t off)
{
    NEED(8, EV_VXLAN_TRUNC);
    if (!(buf[off] & 0x08))                 /* VNI flag must be set */
        return 0;
    uint32_t vni = rd32(buf + off + 4) >> 8;
    NEED(8 + 14, EV_VXLAN_TRUNC);
    if (decode_tunnel_enter(c, li, TUNNEL_VXLAN, vni, vni) < 0)
        return -1;
    return decode_l2_ethernet(c, buf, end, off + 8);
}

static int decode_gtpu(struct dctx *c, unsigned li, const uint8_t *buf, uint32_t end, uint32_t off)
{
    NEED(8, EV_GTPU_TRUNC);
    const uint8_t *g = buf + off;
    if ((g[0] >> 5) != 1 || !(g[0] & 0x10) || g[1] != 0xff)
        return 0;                           /* not GTPv1-U carrying a T-PDU */
    uint32_t teid = rd32(g + 4), glen = rd16(g + 2);
    if (glen > end - off - 8)
        return decode_event(c, EV_GTPU_TRUNC);
    end = off + 8 + glen;                   /* the T-PDU ends where GTP says */
    uint32_t hl = 8;
    if (g[0] & 0x07) {                      /* E, S or PN: 4 more bytes */
        NEED(12, EV_GTPU_TRUNC);
        hl = 12;
        uint8_t next = g[11];
        unsigned n = 0;
        while ((g[0] & 0x04) && next != 0) {/* extension headers, 4*len bytes each */
            NEED(hl + 1, EV_GTPU_TRUNC);
            uint32_t el = (uint32_t)buf[off + hl] * 4;
            if (el == 0 || ++n > 8)
                return decode_event(c, EV_GTPU_TRUNC);
            NEED(hl + el, EV_GTPU_TRUNC);
            next = buf[off + hl + el - 1];
            hl += el;
        }
    }
    NEED(hl + 1, EV_GTPU_TRUNC);
    unsigned v = buf[off + hl] >> 4;
    if (v != 4 && v != 6)
        return 0;
    if (decode_tunnel_enter(c, li, TUNNEL_GTPU, teid, 0) < 0)
        return -1;
    return v == 4 ? decode_ip_v4(c, buf, end, off + hl) : decode_ip_v6(c, buf, end, off + hl);
}

static int decode_teredo(struct dctx *c, unsigned li, const uint8_t *buf, uint32_t end, uint32_t off)
{
    uint32_t p = off;

    if (end - p >= 2 && buf[p] == 0 && buf[p + 1] == 1) {          /* authentication */
        if (end - p < 4)
            return 0;
        uint32_t al = 4u + buf[p + 2] + buf[p + 3] + 8 + 1;
        if (end - p < al)
            return 0;
        p += al;
    }
    if (end - p >= 2 && buf[p] == 0 && buf[p + 1] == 0) {          /* origin indication */
        if (end - p < 8)
            return 0;
        p += 8;
    }
    /* Only a well-formed IPv6 header that fills the datagram exactly is Teredo. */
    if (end - p < 40 || buf[p] >> 4 != 6 || (uint32_t)rd16(buf + p + 4) + 40 != end - p)
        return 0;
    if (decode_tunnel_enter(c, li, TUNNEL_TEREDO, 0, 0) < 0)
        return -1;
    return decode_ip_v6(c, buf, end, p);
}

int decode_tunnel_udp(struct dctx *c, unsigned li, const uint8_t *buf, uint32_t end, uint32_t off)
{
    const struct ip_layer *l = &c->d->layer[li];
    const struct decode_config *cfg = c->cfg;

    if (l->key.dport == cfg->vxlan_port)
        return decode_vxlan(c, li, buf, end, off);
    if (l->key.sport == cfg->gtpu_port || l->key.dport == cfg->gtpu_port)
        return decode_gtpu(c, li, buf, end, off);
    if (l->key.sport == cfg->teredo_port || l->key.dport == cfg->teredo_port)
        return decode_teredo(c, li, buf, end, off);
    return 0;
}
