/* event_head.c - the fields every event shares (event.h): the head
 * (timestamp, event_type, sensor_id, flow_id, pcap_cnt, addresses, vlan,
 * tunnel, direction, app_proto, community_id) and the context at the end
 * (src_geo/dest_geo from GeoIP and ASN, src_asset/dest_asset from the asset
 * map), with EVE's names and order. Field meanings are in README.md
 * ("Events", "Context fields").
 *
 * Pure functions of their arguments, except the Community ID, memoized in
 * the flow (see event_community_id), and the worker's enrichment cache. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "taishi/decode/decode.h"
#include "taishi/event/event.h"
#include "taishi/flow/community_id.h"

const char *event_head_proto_name(uint8_t proto, char *buf, size_t len)
{
    switch (proto) {
    case IPPROTO_TCP: return "TCP";
    case IPPROTO_UDP: return "UDP";
    case IPPROTO_ICMP: return "ICMP";
    case IPPROTO_ICMPV6: return "IPv6-ICMP";
    case IPPROTO_SCTP: return "SCTP";
    case IPPROTO_GRE: return "GRE";
    case IPPROTO_ESP: return "ESP";
    case IPPROTO_AH: return "AH";
    }
    snprintf(buf, len, "%u", proto);       /* numbers, as ndpiReader prints them */
    return buf;
}

static int has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

static void write_tunnel(struct jw *w, const struct tunnel_info *t)
{
    if (t->type == TUNNEL_NONE)
        return;
    jw_kobj(w, "tunnel");
    jw_kstr(w, "type", decode_tunnel_name((enum tunnel_type)t->type));
    jw_key(w, "src_ip");
    jw_ip(w, t->src, t->ipver);
    jw_key(w, "dest_ip");
    jw_ip(w, t->dst, t->ipver);
    jw_ku64(w, "depth", t->depth);
    if (t->type == TUNNEL_VXLAN)
        jw_ku64(w, "vni", t->id);
    else if (t->type == TUNNEL_GTPU)
        jw_ku64(w, "teid", t->id);
    else if ((t->type == TUNNEL_GRE || t->type == TUNNEL_ERSPAN) && t->id)
        jw_ku64(w, t->type == TUNNEL_GRE ? "key" : "session_id", t->id);
    jw_obj_end(w);
}

static void write_vlan(struct jw *w, uint32_t vlan)
{
    if (!vlan)
        return;
    jw_karr(w, "vlan");
    if (vlan >> 12)
        jw_u64(w, vlan >> 12);
    jw_u64(w, vlan & 0xfff);
    jw_arr_end(w);
}

/* A flow's Community ID: SHA-1 once a flow, memoized in f->cid (a flow has
 * several events, dns/http/risk/asset/alert and its flow event, far apart
 * in time). The id depends only on the key and the first ICMP type/code,
 * which never change, so the cache is never stale; writing it through a
 * const flow is a memo, not a change of the flow (flows are never const
 * objects, and only the owning worker touches them). */
void event_head_community_id(const struct flow *f, char out[32])
{
    const struct flow_key *k = &f->key;
    int icmp = k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6;

    if (!f->cid[0])
        community_id_v1(0, k->ipver, k->src, k->dst, k->proto, icmp ? f->icmp_type : k->sport,
                        icmp ? f->icmp_code : k->dport, ((struct flow *)f)->cid);
    memcpy(out, f->cid, 32);
}

/* Inside a "flow" object: the counters so far and the start. */
void event_head_flow_counters(struct jw *w, const struct flow *f)
{
    jw_ku64(w, "pkts_toserver", f->pkts[0]);
    jw_ku64(w, "pkts_toclient", f->pkts[1]);
    jw_ku64(w, "bytes_toserver", f->bytes[0]);
    jw_ku64(w, "bytes_toclient", f->bytes[1]);
    jw_ktime(w, "start", f->start_ns);
}

static void write_addresses(struct jw *w, const struct flow_key *k, int l4_known, uint8_t icmp_type,
                            uint8_t icmp_code)
{
    char b[8];
    int ports = l4_known && has_ports(k->proto);

    jw_key(w, "src_ip");
    jw_ip(w, k->src, k->ipver);
    if (ports)
        jw_ku64(w, "src_port", k->sport);
    jw_key(w, "dest_ip");
    jw_ip(w, k->dst, k->ipver);
    if (ports)
        jw_ku64(w, "dest_port", k->dport);
    jw_kstr(w, "proto", event_head_proto_name(k->proto, b, sizeof(b)));
    if (l4_known && (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6)) {
        jw_ku64(w, "icmp_type", icmp_type);
        jw_ku64(w, "icmp_code", icmp_code);
    }
    write_vlan(w, k->vlan);
}

static void write_geo(struct jw *w, const char *key, const struct geo_info *g)
{
    if (!g->found)
        return;
    jw_kobj(w, key);
    if (g->country_iso[0]) jw_kstr(w, "country_iso_code", g->country_iso);
    if (g->country_name[0]) jw_kstr(w, "country_name", g->country_name);
    if (g->region_iso[0]) jw_kstr(w, "region_iso_code", g->region_iso);
    if (g->region_name[0]) jw_kstr(w, "region_name", g->region_name);
    if (g->city_name[0]) jw_kstr(w, "city_name", g->city_name);
    if (g->asn) jw_ku64(w, "asn", g->asn);
    if (g->as_org[0]) jw_kstr(w, "as_org", g->as_org);
    jw_obj_end(w);
}

static void write_asset(struct jw *w, const char *key, const struct asset_info *a)
{
    if (!a)
        return;
    jw_kobj(w, key);
    jw_kstr(w, "name", a->name);
    if (a->owner[0]) jw_kstr(w, "owner", a->owner);
    if (a->criticality[0]) jw_kstr(w, "criticality", a->criticality);
    if (a->ntags) {
        jw_karr(w, "tags");
        for (unsigned i = 0; i < a->ntags; i++)
            jw_str(w, a->tags[i]);
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

static void write_context(struct jw *w, struct enrich_cache *ec, const struct flow_key *k)
{
    const struct geo_info *sg, *dg;
    const struct asset_info *sa, *da;

    if (!enrich_cache_active(ec))          /* nothing configured: no lookups at all */
        return;
    enrich_lookup(ec, k->src, k->ipver, &sg, &sa);
    struct geo_info s = *sg;                /* the cache slot may be reused by the next lookup */
    enrich_lookup(ec, k->dst, k->ipver, &dg, &da);
    write_geo(w, "src_geo", &s);
    write_geo(w, "dest_geo", dg);
    write_asset(w, "src_asset", sa);
    write_asset(w, "dest_asset", da);
}

void event_head(struct jw *w, const struct event_ctx *c, const struct event_head *h)
{
    unsigned parts = h->parts;

    jw_begin(w);
    jw_ktime(w, "timestamp", h->ts);
    jw_kstr(w, "event_type", h->type);
    jw_kstr(w, "sensor_id", c->cfg->sensor_id);
    if (parts & EP_FLOW_ID)
        jw_ku64(w, "flow_id", h->f->flow_id);
    if (parts & EP_PCAP_CNT)
        jw_ku64(w, "pcap_cnt", h->p->pcap_cnt);
    if (parts & EP_ADDR) {
        uint8_t it = h->f ? h->f->icmp_type : h->p ? h->p->ip.icmp_type : 0;
        uint8_t ic = h->f ? h->f->icmp_code : h->p ? h->p->ip.icmp_code : 0;
        write_addresses(w, h->key, h->l4_known, it, ic);
    }
    if (parts & EP_TUNNEL)
        write_tunnel(w, h->tun);
    if (parts & EP_DIRECTION)
        jw_kstr(w, "direction", h->dir ? "to_client" : "to_server");
    if (parts & EP_APP) {
        char app[32], cid[32];
        jw_kstr(w, "app_proto", dpi_app_proto(c->dpi, &h->f->dpi, app, sizeof(app)));
        event_head_community_id(h->f, cid);
        jw_kstr(w, "community_id", cid);
    }
    if ((parts & EP_CONTEXT_EARLY) && h->key)
        write_context(w, c->ec, h->key);
}

void event_head_context(struct jw *w, const struct event_ctx *c, const struct event_head *h)
{
    if (!(h->parts & EP_CONTEXT_EARLY) && h->key)
        write_context(w, c->ec, h->key);
}

struct event_head event_head_of_flow(const char *type, const struct flow *f, uint64_t ts)
{
    return (struct event_head){
        .type = type, .ts = ts, .parts = EP_FLOW_ID | EP_ADDR | EP_APP, .f = f, .key = &f->key,
        .l4_known = 1, .tun = &f->tun,
    };
}
