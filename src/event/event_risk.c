/* event_risk.c - the `risk` events: nDPI's flow risks and the cross-border
 * policy's verdict. The decisions are enrich/policy.c's; these only write
 * them. Field names are documented in README.md ("risk"). */
#include <string.h>

#include "taishi/app/app.h"
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
    event_head_context(w, c, &h);
}

void event_risk_app(struct jw *w, const struct event_ctx *c, const struct flow *f,
                    const struct app_tx *tx, uint64_t ts)
{
    struct event_head h = risk_head(w, c, f, ts);
    app_risk_body(w, tx);
    event_head_context(w, c, &h);
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
    event_head_context(w, c, &h);
}
