/* event_app.c - the app-layer events (http, dns, tls, ssh, ...): the
 * flow's fields, then the protocol object the transaction's parser writes
 * (app_event_body(): the parser's entry in the registry), then the context. */
#include "taishi/app/app.h"
#include "taishi/event/event.h"

void event_app(struct jw *w, const struct event_ctx *c, const struct flow *f,
               const struct app_tx *tx, uint64_t ts)
{
    struct event_head h = event_head_of_flow(app_event_type(tx), f, ts);

    event_head(w, c, &h);
    app_event_body(w, tx);
    event_head_context(w, c, &h);
}
