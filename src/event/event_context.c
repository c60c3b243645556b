/* event_context.c - what enrichment adds to events: src_geo/dest_geo,
 * src_asset/dest_asset, and the `risk` events (nDPI flow risks and the
 * cross-border policy). Field names are documented in README.md. */
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/event/event.h"

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

void event_context(struct jw *w, struct enrich_cache *ec, const struct flow_key *k)
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

/* The fields an event about a flow starts with: header, flow_id,
 * addresses, app_proto, community_id. */
static void flow_event_header(struct jw *w, const struct config *cfg, struct dpi *d,
                              const struct flow *f, const char *type, uint64_t ts)
{
    char app[32], cid[32];

    event_header(w, cfg, type, ts);
    jw_ku64(w, "flow_id", f->flow_id);
    event_addresses(w, &f->key, 1, f->icmp_type, f->icmp_code);
    jw_kstr(w, "app_proto", dpi_app_proto(d, &f->dpi, app, sizeof(app)));
    flow_community_id(f, cid);
    jw_kstr(w, "community_id", cid);
}

/* The fields a risk event shares with the flow it is about. */
static void risk_header(struct jw *w, const struct config *cfg, struct dpi *d, const struct flow *f,
                        uint64_t ts)
{
    char name[64];

    flow_event_header(w, cfg, d, f, "risk", ts);
    if (f->dpi.done) {
        dpi_protocol_name(d, &f->dpi, name, sizeof(name));
        jw_kobj(w, "ndpi");
        jw_kstr(w, "protocol", name);
        if (f->dpi.host[0])
            jw_kstr(w, "hostname", f->dpi.host);
        jw_obj_end(w);
    }
}

static void risk_name(void *arg, const char *name)
{
    jw_str(arg, name);
}

void event_risk_ndpi(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
                     const struct flow *f)
{
    risk_header(w, cfg, d, f, f->last_ns);
    jw_kobj(w, "risk");
    jw_kstr(w, "source", "ndpi");
    jw_karr(w, "names");
    unsigned score = dpi_risks(&f->dpi, risk_name, w);
    jw_arr_end(w);
    jw_ku64(w, "score", score);
    jw_obj_end(w);
    event_context(w, ec, &f->key);
}

void event_risk_cross_border(struct jw *w, const struct config *cfg, struct dpi *d,
                             struct enrich_cache *ec, const struct flow *f, const char *country,
                             int outbound, uint64_t ts)
{
    risk_header(w, cfg, d, f, ts);
    jw_kobj(w, "risk");
    jw_kstr(w, "source", "policy");
    jw_kstr(w, "policy", "cross-border");
    jw_kstr(w, "country", country);
    jw_kstr(w, "direction", outbound ? "outbound" : "inbound");
    jw_ku64(w, "bytes_toserver", f->bytes[0]);
    jw_ku64(w, "bytes_toclient", f->bytes[1]);
    jw_ku64(w, "bytes_out", outbound ? f->bytes[0] : f->bytes[1]);
    jw_obj_end(w);
    event_context(w, ec, &f->key);
}

void event_asset(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
                 const struct flow *f)
{
    char app[32], name[64], b[8], ver[32];
    const struct flow_key *k = &f->key;

    event_header(w, cfg, "asset", f->start_ns);
    jw_ku64(w, "flow_id", f->flow_id);
    jw_kobj(w, "asset");
    jw_key(w, "ip");
    jw_ip(w, k->dst, k->ipver);
    jw_ku64(w, "port", k->dport);
    jw_kstr(w, "proto", event_proto_name(k->proto, b, sizeof(b)));
    const char *ap = dpi_app_proto(d, &f->dpi, app, sizeof(app));
    jw_kstr(w, "app_proto", ap);
    dpi_protocol_name(d, &f->dpi, name, sizeof(name));
    jw_kstr(w, "ndpi_protocol", name);
    if (f->dpi.host[0] && (!strcmp(ap, "tls") || !strcmp(ap, "http") || !strcmp(ap, "quic")))
        jw_kstr(w, "hostname", f->dpi.host);   /* SNI or Host: names the server (a DNS query does not) */
    if (f->dpi.tls_version || f->dpi.cert_subject) {
        jw_kobj(w, "tls");
        if (f->dpi.tls_version)
            jw_kstr(w, "version", dpi_tls_version_name(&f->dpi, ver, sizeof(ver)));
        if (f->dpi.cert_subject)
            jw_kstr(w, "subject", f->dpi.cert_subject);
        jw_obj_end(w);
    }
    if (f->dpi.server_sw) {
        jw_kobj(w, "ssh");
        jw_kstr(w, "software", f->dpi.server_sw);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    event_context(w, ec, k);
}

void event_intel_alert(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
                       const struct flow *f, const struct indicator *ind, const char *matched,
                       uint64_t ts)
{
    char sig[400];

    flow_event_header(w, cfg, d, f, "alert", ts);
    jw_kobj(w, "alert");
    jw_kstr(w, "action", "allowed");
    jw_ku64(w, "gid", cfg->intel_gid);
    jw_ku64(w, "signature_id", ind->sid);
    jw_ku64(w, "rev", 1);
    snprintf(sig, sizeof(sig), "TAISHI INTEL %s %s (%s)", ioc_type_name(ind->type), ind->value, ind->source);
    jw_kstr(w, "signature", sig);
    jw_kstr(w, "category", "Threat Intelligence");
    jw_ku64(w, "severity", ind->severity);
    jw_kobj(w, "metadata");
    jw_karr(w, "indicator_type"); jw_str(w, ioc_type_name(ind->type)); jw_arr_end(w);
    jw_karr(w, "indicator"); jw_str(w, ind->value); jw_arr_end(w);
    jw_karr(w, "source"); jw_str(w, ind->source); jw_arr_end(w);
    jw_karr(w, "matched"); jw_str(w, matched); jw_arr_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
    event_alert_flow(w, f);
    event_context(w, ec, &f->key);
}

/* An application event (http, dns, tls, ssh): the flow's fields, then the
 * protocol body app_event_body() writes, then the geo/asset context. */
void event_app(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
               const struct flow *f, const struct app_tx *tx, uint64_t ts)
{
    flow_event_header(w, cfg, d, f, app_event_type(tx), ts);
    app_event_body(w, tx);
    event_context(w, ec, &f->key);
}
