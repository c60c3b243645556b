/* event_anomaly.c - the `anomaly` event: a malformed packet, named after
 * Suricata's decoder events (decode.h). The context fields come right after
 * the addresses here, before pcap_cnt. Field meanings: README.md ("anomaly"). */
#include "taishi/decode/decode.h"
#include "taishi/event/event.h"

void event_anomaly(struct jw *w, const struct event_ctx *c, const struct packet *p)
{
    struct event_head h = { .type = "anomaly", .ts = p->ts_ns, .p = p };

    if (p->flags & PKT_HAS_IP) {            /* the context comes before pcap_cnt here */
        h.parts = EP_ADDR | EP_TUNNEL | EP_CONTEXT_EARLY;
        h.key = &p->ip.key;
        h.l4_known = p->ip.l4_ok;
        h.tun = &p->tun;
    }
    event_head(w, c, &h);
    jw_ku64(w, "pcap_cnt", p->pcap_cnt);
    jw_kobj(w, "anomaly");
    jw_kstr(w, "type", "decode");
    jw_kstr(w, "event", decode_event_name(p->anomaly));
    jw_kstr(w, "layer", decode_event_layer(p->anomaly));
    jw_ku64(w, "ip_layer", p->anomaly_layer);
    jw_obj_end(w);
}
