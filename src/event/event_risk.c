/* event_risk.c - the `risk` events (nDPI's flow risks, the cross-border
 * policy's verdict) and the `asset` event (a server answering for the first
 * time). The decisions are made elsewhere (enrich/policy.c, the asset
 * inventory); these only write them. Field names are documented in
 * README.md ("risk", "asset"). */
#include <string.h>

#include "taishi/event/event.h"

/* The fields a risk event shares with the flow it is about. */
static struct event_head risk_head(struct jw *w, const struct event_ctx *c, const struct flow *f,
                                   uint64_t ts)
{
    char name[64];
    struct event_head h = event_head_of_flow("risk", f, ts);

    event_head(w, c, &h);
    if (f->dpi.done) {
        dpi_protocol_name(c->dpi, &f->dpi, name, sizeof(name));
        jw_kobj(w, "ndpi");
        jw_kstr(w, "protocol", name);
        if (f->dpi.host[0])
            jw_kstr(w, "hostname", f->dpi.host);
        jw_obj_end(w);
    }
    return h;
}

static void risk_name(void *arg, const char *name)
{
    jw_str(arg, name);
}

void event_risk_ndpi(struct jw *w, const struct event_ctx *c, const struct flow *f)
{
    struct event_head h = risk_head(w, c, f, f->last_ns);
    jw_kobj(w, "risk");
    jw_kstr(w, "source", "ndpi");
    jw_karr(w, "names");
    unsigned score = dpi_risks(&f->dpi, risk_name, w);
    jw_arr_end(w);
    jw_ku64(w, "score", score);
    jw_obj_end(w);
    event_tail(w, c, &h);
}

void event_risk_cross_border(struct jw *w, const struct event_ctx *c, const struct flow *f,
                             const char *country, int outbound, uint64_t ts)
{
    struct event_head h = risk_head(w, c, f, ts);
    jw_kobj(w, "risk");
    jw_kstr(w, "source", "policy");
    jw_kstr(w, "policy", "cross-border");
    jw_kstr(w, "country", country);
    jw_kstr(w, "direction", outbound ? "outbound" : "inbound");
    jw_ku64(w, "bytes_toserver", f->bytes[0]);
    jw_ku64(w, "bytes_toclient", f->bytes[1]);
    jw_ku64(w, "bytes_out", outbound ? f->bytes[0] : f->bytes[1]);
    jw_obj_end(w);
    event_tail(w, c, &h);
}

void event_asset(struct jw *w, const struct event_ctx *c, const struct flow *f)
{
    char app[32], name[64], b[8], ver[32];
    const struct flow_key *k = &f->key;
    struct dpi *d = c->dpi;
    struct event_head h = { .type = "asset", .ts = f->start_ns, .parts = EP_FLOW_ID, .f = f, .key = k };

    event_head(w, c, &h);
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
    event_tail(w, c, &h);
}
