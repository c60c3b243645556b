/* event_flow.c - builders for the `flow` and `anomaly` events, and the
 * header fields every event shares (EVE field names and order: timestamp,
 * flow_id, event_type, addresses, proto, app_proto...).
 *
 * Field meanings are documented in README.md ("Events"). */
#include <stdio.h>
#include <string.h>

#include "taishi/flow/community_id.h"
#include "taishi/decode/decode.h"
#include "taishi/event/event.h"

const char *event_proto_name(uint8_t proto, char *buf, size_t len)
{
    switch (proto) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 1: return "ICMP";
    case 58: return "IPv6-ICMP";
    case 132: return "SCTP";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    }
    snprintf(buf, len, "%u", proto);       /* numbers, as ndpiReader prints them */
    return buf;
}

static int has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132;
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
void flow_community_id(const struct flow *f, char out[32])
{
    const struct flow_key *k = &f->key;
    int icmp = k->proto == 1 || k->proto == 58;

    if (!f->cid[0])
        community_id_v1(0, k->ipver, k->src, k->dst, k->proto, icmp ? f->icmp_type : k->sport,
                        icmp ? f->icmp_code : k->dport, ((struct flow *)f)->cid);
    memcpy(out, f->cid, 32);
}

/* Inside a "flow" object: the counters so far and the start. */
void event_flow_counters(struct jw *w, const struct flow *f)
{
    jw_ku64(w, "pkts_toserver", f->pkts[0]);
    jw_ku64(w, "pkts_toclient", f->pkts[1]);
    jw_ku64(w, "bytes_toserver", f->bytes[0]);
    jw_ku64(w, "bytes_toclient", f->bytes[1]);
    jw_ktime(w, "start", f->start_ns);
}

void event_header(struct jw *w, const struct config *cfg, const char *type, uint64_t ts_ns)
{
    jw_begin(w);
    jw_ktime(w, "timestamp", ts_ns);
    jw_kstr(w, "event_type", type);
    jw_kstr(w, "sensor_id", cfg->sensor_id);
}

void event_addresses(struct jw *w, const struct flow_key *k, int l4_known, uint8_t icmp_type,
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
    jw_kstr(w, "proto", event_proto_name(k->proto, b, sizeof(b)));
    if (l4_known && (k->proto == 1 || k->proto == 58)) {
        jw_ku64(w, "icmp_type", icmp_type);
        jw_ku64(w, "icmp_code", icmp_code);
    }
    write_vlan(w, k->vlan);
}

static void risk_name(void *arg, const char *name)
{
    jw_str(arg, name);
}

static int is_app(struct dpi *d, const struct dpi_flow *f, const char *eve)
{
    char b[32];
    return !strcmp(dpi_app_proto(d, f, b, sizeof(b)), eve);
}

void event_flow(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
                const struct flow *f, enum flow_end_reason why)
{
    const struct flow_key *k = &f->key;
    char name[64], app[32], cid[32];

    event_header(w, cfg, "flow", f->last_ns);
    jw_ku64(w, "flow_id", f->flow_id);
    event_addresses(w, k, 1, f->icmp_type, f->icmp_code);
    write_tunnel(w, &f->tun);
    jw_kstr(w, "app_proto", dpi_app_proto(d, &f->dpi, app, sizeof(app)));
    flow_community_id(f, cid);
    jw_kstr(w, "community_id", cid);

    jw_kobj(w, "flow");
    event_flow_counters(w, f);
    jw_ktime(w, "end", f->last_ns);
    jw_ku64(w, "age", (f->last_ns - f->start_ns) / 1000000000ULL);
    jw_kstr(w, "state", flow_table_state_name((enum flow_state)f->state));
    jw_kstr(w, "reason", flow_table_reason_name(why));
    jw_obj_end(w);

    jw_kobj(w, "ndpi");
    dpi_protocol_name(d, &f->dpi, name, sizeof(name));
    jw_kstr(w, "protocol", name);
    jw_kstr(w, "category", dpi_category_name(d, &f->dpi));
    jw_kstr(w, "confidence", dpi_confidence_name(&f->dpi));
    jw_karr(w, "risks");
    unsigned score = dpi_risks(&f->dpi, risk_name, w);
    jw_arr_end(w);
    jw_ku64(w, "risk_score", score);
    if (f->dpi.host[0])
        jw_kstr(w, "hostname", f->dpi.host);
    jw_obj_end(w);

    /* The metadata nDPI found, under the EVE names of the app events. */
    if (f->dpi.host[0] && is_app(d, &f->dpi, "tls")) {
        jw_kobj(w, "tls");
        jw_kstr(w, "sni", f->dpi.host);
        if (f->dpi.ja3c[0]) {
            jw_kobj(w, "ja3");
            jw_kstr(w, "hash", f->dpi.ja3c);
            jw_obj_end(w);
        }
        jw_obj_end(w);
    } else if (is_app(d, &f->dpi, "http") && (f->dpi.host[0] || f->dpi.url)) {
        jw_kobj(w, "http");
        if (f->dpi.host[0])
            jw_kstr(w, "hostname", f->dpi.host);
        if (f->dpi.url) {                   /* nDPI keeps host + path; EVE's url is the path */
            const char *u = f->dpi.url;
            size_t hl = strlen(f->dpi.host);
            if (hl && !strncmp(u, f->dpi.host, hl) && u[hl] == '/')
                u += hl;
            jw_kstr(w, "url", u);
        }
        if (f->dpi.ua)
            jw_kstr(w, "http_user_agent", f->dpi.ua);
        jw_obj_end(w);
    } else if (f->dpi.host[0] && is_app(d, &f->dpi, "dns")) {
        jw_kobj(w, "dns");
        jw_kstr(w, "rrname", f->dpi.host);
        jw_obj_end(w);
    }
    event_context(w, ec, k);
}

void event_anomaly(struct jw *w, const struct config *cfg, struct enrich_cache *ec,
                   const struct packet *p)
{
    event_header(w, cfg, "anomaly", p->ts_ns);
    if (p->flags & PKT_HAS_IP) {
        event_addresses(w, &p->ip.key, p->ip.l4_ok, p->ip.icmp_type, p->ip.icmp_code);
        write_tunnel(w, &p->tun);
        event_context(w, ec, &p->ip.key);
    }
    jw_ku64(w, "pcap_cnt", p->pcap_cnt);
    jw_kobj(w, "anomaly");
    jw_kstr(w, "type", "decode");
    jw_kstr(w, "event", decode_event_name(p->anomaly));
    jw_kstr(w, "layer", decode_event_layer(p->anomaly));
    jw_ku64(w, "ip_layer", p->anomaly_layer);
    jw_obj_end(w);
}
