/* event_flow.c - the `flow` event: a flow ended or reached its active
 * timeout. The common fields are event_head.c's.
 *
 * Field meanings are documented in README.md ("Events"). */
#include <string.h>

#include "taishi/decode/decode.h"
#include "taishi/event/event.h"

static void risk_name(void *arg, const char *name)
{
    jw_str(arg, name);
}

static int is_app(struct dpi *d, const struct dpi_flow *f, const char *eve)
{
    char b[32];
    return !strcmp(dpi_app_proto(d, f, b, sizeof(b)), eve);
}

void event_flow(struct jw *w, const struct event_ctx *c, const struct flow *f,
                enum flow_end_reason why)
{
    struct dpi *d = c->dpi;
    char name[64];
    struct event_head h = event_head_of_flow("flow", f, f->last_ns);

    h.parts |= EP_TUNNEL;
    event_head(w, c, &h);

    jw_kobj(w, "flow");
    event_head_flow_counters(w, f);
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
        jw_ku64(w, "version", 2);           /* EVE's dns object always says its format */
        jw_kstr(w, "rrname", f->dpi.host);
        jw_obj_end(w);
    }
    event_head_context(w, c, &h);
}
