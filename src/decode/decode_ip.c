/* decode_ip.c - IPv4 (options, fragments) and IPv6 (extension headers,
 * fragments).
 *
 * Each IP header that passes its checks becomes one `ip_layer` of the frame:
 * a flow of its own. Its key takes the VLAN ids seen so far and the id of the
 * tunnel it sits in. A fragment goes to the defragmenter; when it completes
 * the datagram, decoding goes on in the reassembled buffer, which holds only
 * this datagram (the layers around it keep pointing into the frame).
 *
 * Length rules (the same as Suricata's): an IPv4 total length beyond the
 * captured bytes is an anomaly, unless the capture's snaplen cut the frame,
 * in which case the layer is kept with the bytes we have. */
#include <netinet/in.h>
#include <string.h>

#include "decode_internal.h"

#define MAX_EXT_HEADERS 8
/* Extension headers glibc's <netinet/in.h> has no name for. */
#ifndef IPPROTO_HIP
#define IPPROTO_HIP   139               /* Host Identity Protocol, RFC 7401 */
#endif
#ifndef IPPROTO_SHIM6
#define IPPROTO_SHIM6 140               /* RFC 5533 */
#endif

/* The VLAN part of a flow key: outer id << 12 | inner id. */
static uint32_t key_vlan(const struct decoded *d)
{
    if (d->nvlan == 1)
        return d->vlan[0];
    return d->nvlan >= 2 ? (uint32_t)d->vlan[0] << 12 | d->vlan[1] : 0;
}

/* Starts IP layer number d->nlayers; returns it or -1 when there is no room. */
static int layer_begin(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off, int ipver)
{
    struct decoded *d = c->d;

    if (d->nlayers >= DECODE_MAX_LAYERS)
        return decode_event(c, EV_TUNNEL_TOO_DEEP);
    unsigned i = d->nlayers;
    struct ip_layer *l = &d->layer[i];
    memset(l, 0, sizeof(*l));
    l->l3_off = off;
    l->l3_cap = end - off;
    l->key.ipver = (uint8_t)ipver;
    l->key.tunnel_id = c->tunnel_key;
    l->key.vlan = key_vlan(d);
    d->base[i] = buf;
    d->base_len[i] = end;
    d->tun[i] = c->tun;
    return (int)i;
}

int decode_ip(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off)
{
    NEED(1, EV_IPV4_TRUNC);
    switch (buf[off] >> 4) {
    case 4: return decode_ip_v4(c, buf, end, off);
    case 6: return decode_ip_v6(c, buf, end, off);
    }
    return decode_event(c, EV_IP_WRONG_VERSION);
}

static int ipv4_options_ok(const uint8_t *o, uint32_t len)
{
    uint32_t i = 0;

    while (i < len) {
        uint8_t t = o[i];
        if (t == 0)                         /* end of option list */
            return 1;
        if (t == 1) {                       /* no-operation */
            i++;
            continue;
        }
        if (len - i < 2 || o[i + 1] < 2 || o[i + 1] > len - i)
            return 0;
        i += o[i + 1];
    }
    return 1;
}

/* Continues with a reassembled datagram. A frame may reassemble at most two
 * (an outer and an inner one): the defragmenter has two output buffers, and
 * a third completion would overwrite the first while its layer still points
 * there, so the callers refuse a third fragment before defrag sees it. */
static int decode_reassembled(struct dctx *c, const uint8_t *rb, uint32_t rlen, int v6)
{
    unsigned li = c->d->nlayers;            /* the layer the datagram will become */
    c->reassembled++;
    int r = v6 ? decode_ip_v6(c, rb, rlen, 0) : decode_ip_v4(c, rb, rlen, 0);
    if (c->d->nlayers > li)
        c->d->layer[li].reassembled = 1;
    return r;
}

static int defrag_result(struct dctx *c, int r, uint16_t ev, const uint8_t *rb,
                         uint32_t rlen, int v6)
{
    if (ev)
        decode_event(c, (enum decode_event)ev);
    if (r == DEFRAG_COMPLETE)
        return decode_reassembled(c, rb, rlen, v6);
    if (r == DEFRAG_HELD)
        c->d->consumed = 1;
    return 0;
}

int decode_ip_v4(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off)
{
    NEED(20, EV_IPV4_TRUNC);
    const uint8_t *h = buf + off;
    if (h[0] >> 4 != 4)
        return decode_event(c, EV_IP_WRONG_VERSION);
    uint32_t hlen = (uint32_t)(h[0] & 0x0f) * 4;
    if (hlen < 20)
        return decode_event(c, EV_IPV4_HLEN_TOO_SMALL);
    NEED(hlen, EV_IPV4_TRUNC);
    uint32_t tot = rd16(h + 2);
    if (tot < hlen)
        return decode_event(c, EV_IPV4_IPLEN_SMALLER_THAN_HLEN);
    uint32_t avail = tot;
    if (tot > end - off) {
        if (!c->d->truncated)
            return decode_event(c, EV_IPV4_TRUNC_PKT);
        avail = end - off;                  /* snaplen cut it: keep what we have */
    }
    c->st->ipv4++;
    if (hlen > 20 && !ipv4_options_ok(h + 20, hlen - 20))
        decode_event(c, EV_IPV4_OPT_INVALID);   /* reported; the packet still counts */

    uint16_t frag = rd16(h + 6);
    if ((frag & 0x3fff) != 0 && c->df) {    /* MF set or a non-zero offset */
        if (c->reassembled >= 2)            /* both output buffers hold this frame's layers */
            return decode_event(c, EV_FRAG_INVALID);
        const uint8_t *rb = NULL;
        uint32_t rlen = 0;
        uint16_t ev = 0;
        int r = defrag_ipv4(c->df, h, avail, key_vlan(c->d), c->tunnel_key,
                            c->d->ts_ns, &rb, &rlen, &ev);
        return defrag_result(c, r, ev, rb, rlen, 0);
    }

    int li = layer_begin(c, buf, end, off, 4);
    if (li < 0)
        return li;
    struct ip_layer *l = &c->d->layer[li];
    memcpy(l->key.src, h + 12, 4);
    memcpy(l->key.dst, h + 16, 4);
    l->key.proto = h[9];
    l->l4_off = l->pl_off = off + hlen;
    l->l4_len = avail - hlen;
    c->d->nlayers++;
    if ((frag & 0x3fff) != 0)               /* no defragmenter: addresses only */
        return 0;
    return decode_l4(c, (unsigned)li, buf, off + hlen, avail - hlen, tot - hlen);
}

int decode_ip_v6(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off)
{
    NEED(40, EV_IPV6_TRUNC);
    const uint8_t *h = buf + off;
    if (h[0] >> 4 != 6)
        return decode_event(c, EV_IP_WRONG_VERSION);
    uint32_t plen = rd16(h + 4);
    uint32_t avail = plen;
    if (plen == 0)                          /* jumbogram or lazy writer: trust the capture */
        avail = plen = end - off - 40;
    if (plen > end - off - 40) {
        if (!c->d->truncated)
            return decode_event(c, EV_IPV6_TRUNC_PKT);
        avail = end - off - 40;
    }
    c->st->ipv6++;

    /* Walk the extension headers. `p` is the next header's offset. */
    uint8_t nh = h[6];
    uint32_t p = off + 40, stop = off + 40 + avail;
    unsigned n = 0;
    for (;;) {
        uint32_t elen;
        if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_FRAGMENT &&
            nh != IPPROTO_DSTOPTS && nh != IPPROTO_AH && nh != IPPROTO_MH &&
            nh != IPPROTO_HIP && nh != IPPROTO_SHIM6)
            break;
        if (++n > MAX_EXT_HEADERS)
            return decode_event(c, EV_IPV6_EXTHDR_TOO_MANY);
        if (stop - p < 8)
            return decode_event(c, EV_IPV6_EXTHDR_TRUNC);
        if (nh == IPPROTO_FRAGMENT) {
            uint16_t fo = rd16(buf + p + 2);
            uint32_t id = rd32(buf + p + 4);
            uint8_t fnh = buf[p];
            if ((fo & 0xfff8) == 0 && !(fo & 1)) {  /* atomic fragment: just skip it */
                nh = fnh;
                p += 8;
                continue;
            }
            if (!c->df)
                break;                      /* addresses only, like a v4 fragment */
            if (c->reassembled >= 2)
                return decode_event(c, EV_FRAG_INVALID);
            const uint8_t *rb = NULL;
            uint32_t rlen = 0;
            uint16_t ev = 0;
            int r = defrag_ipv6(c->df, h, buf + p + 8, stop - p - 8, fnh, fo & 0xfff8,
                                fo & 1, id, key_vlan(c->d), c->tunnel_key, c->d->ts_ns,
                                &rb, &rlen, &ev);
            return defrag_result(c, r, ev, rb, rlen, 1);
        }
        elen = nh == IPPROTO_AH ? ((uint32_t)buf[p + 1] + 2) * 4 : ((uint32_t)buf[p + 1] + 1) * 8;
        if (stop - p < elen)
            return decode_event(c, EV_IPV6_EXTHDR_TRUNC);
        nh = buf[p];
        p += elen;
    }

    int li = layer_begin(c, buf, end, off, 6);
    if (li < 0)
        return li;
    struct ip_layer *l = &c->d->layer[li];
    memcpy(l->key.src, h + 8, 16);
    memcpy(l->key.dst, h + 24, 16);
    l->key.proto = nh;
    l->l4_off = l->pl_off = p;
    l->l4_len = stop - p;
    c->d->nlayers++;
    if (nh == IPPROTO_FRAGMENT || nh == IPPROTO_NONE)   /* unreassembled fragment, no next header */
        return 0;
    return decode_l4(c, (unsigned)li, buf, p, stop - p, off + 40 + plen - p);
}
