/* event_app.c - the app-layer events (http, dns, tls, ssh, ...): the
 * flow's fields, then the protocol object the transaction's parser writes
 * (app_event_body(): the parser's entry in the registry), then the context.
 * Also the fileinfo event of a file's TX_FILE transaction: src is the
 * file's sender (the server for a download), as Suricata writes it. */
#include <string.h>

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

void event_fileinfo(struct jw *w, const struct event_ctx *c, const struct flow *f,
                    const struct app_tx *tx, uint64_t ts)
{
    struct event_head h = event_head_of_flow("fileinfo", f, ts);
    struct flow_key k = f->key;

    if (tx->dir == APP_DIR_TOCLIENT) {          /* the file's sender is src */
        memcpy(k.src, f->key.dst, 16);
        memcpy(k.dst, f->key.src, 16);
        k.sport = f->key.dport;
        k.dport = f->key.sport;
    }
    h.key = &k;
    event_head(w, c, &h);
    app_event_body(w, tx);                      /* the parent's object, then fileinfo */
    event_head_context(w, c, &h);
}
