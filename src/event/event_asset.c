/* event_asset.c - the `asset` event: a server (the flow's dest) answering
 * for the first time: ip, port, proto, app, banners. Whether it is new is
 * the asset inventory's answer (enrich/assets.c). Field names are in
 * README.md ("asset"). */
#include <string.h>

#include "taishi/event/event.h"

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
    jw_obj_end(w);
    event_head_context(w, c, &h);
}
