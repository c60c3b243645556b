/* event_asset.c - the `asset` event: a server (the flow's dest) answering
 * for the first time: ip, port, proto, app, banners, and what the parsers
 * learned about it (struct asset_facts); or a host a parser named (a DHCP
 * client). Whether it is new is the asset inventory's answer
 * (enrich/assets.c). Field names are in README.md ("asset"). */
#include <stdio.h>
#include <string.h>

#include "taishi/enrich/assets.h"
#include "taishi/event/event.h"

/* The facts grouped by object, in the order each object was first learned. */
static void facts(struct jw *w, const struct asset_facts *af)
{
    for (uint32_t i = 0; i < af->nfacts; i++) {
        int first = 1;
        for (uint32_t j = 0; j < i && first; j++)
            first = strcmp(af->f[j].object, af->f[i].object) != 0;
        if (!first)
            continue;
        jw_kobj(w, af->f[i].object);
        for (uint32_t j = i; j < af->nfacts; j++) {
            const struct asset_fact *x = &af->f[j];
            if (strcmp(x->object, af->f[i].object))
                continue;
            jw_key(w, x->key);
            if (x->is_num)
                jw_i64(w, x->num);
            else
                jw_str(w, x->value);
        }
        jw_obj_end(w);
    }
}

void event_asset_host(struct jw *w, const struct event_ctx *c, const struct flow *f,
                      const struct asset_host *h)
{
    struct event_head hd = { .type = "asset", .ts = h->ts_ns, .parts = EP_FLOW_ID, .f = f,
                             .key = &f->key };
    char mac[18];

    event_head(w, c, &hd);
    jw_kobj(w, "asset");
    jw_kstr(w, "role", "host");
    jw_key(w, "ip");
    jw_ip(w, h->ip, h->ipver);
    if (h->has_mac) {
        snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1],
                 h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
        jw_kstr(w, "mac", mac);
    }
    if (h->hostname[0])
        jw_kstr(w, "hostname", h->hostname);
    jw_obj_end(w);
    event_head_context(w, c, &hd);
}

void event_asset(struct jw *w, const struct event_ctx *c, const struct flow *f,
                 const struct asset_facts *af)
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
    jw_kstr(w, "proto", event_head_proto_name(k->proto, b, sizeof(b)));
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
    if (af)
        facts(w, af);
    jw_obj_end(w);
    event_head_context(w, c, &h);
}
