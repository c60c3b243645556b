/* event_alert.c - the `alert` event of a rule match (EVE field names).
 *
 * src/dest follow the packet that matched, as Suricata's alerts do (a
 * to_client alert has the server as src_ip); flow_id and community_id are
 * the flow's, so the alert joins its flow event. alert.action is "allowed"
 * for alert rules and the rule's own action ("drop", "reject") for the
 * others: the sensor is passive, it says what an inline device would do.
 * payload_printable is the matched buffer with non-printable bytes as '.',
 * capped at ALERT_PAYLOAD_MAX bytes.
 *
 * Ownership: writes into the caller's jw; keeps nothing. */
#include <stdio.h>
#include <string.h>

#include "taishi/event/event.h"
#include "taishi/rules/rules.h"

#define ALERT_PAYLOAD_MAX 1024

static const char *action_name(const struct rule *r)
{
    switch (r->action) {
    case RA_DROP: return "drop";
    case RA_REJECT: return "reject";
    case RA_PASS: return "pass";
    default: return "allowed";
    }
}

/* metadata:{key:[values]} with the values of a repeated key together. */
static void write_metadata(struct jw *w, const struct rule *r)
{
    jw_kobj(w, "metadata");
    for (uint32_t i = 0; i < r->nmetadata; i++) {
        const char *k = r->metadata[i].key;
        int seen = 0;
        for (uint32_t j = 0; j < i && !seen; j++)
            seen = !strcmp(r->metadata[j].key, k);
        if (seen)
            continue;
        jw_karr(w, k);
        for (uint32_t j = i; j < r->nmetadata; j++)
            if (!strcmp(r->metadata[j].key, k))
                jw_str(w, r->metadata[j].value ? r->metadata[j].value : "");
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

void event_alert_flow(struct jw *w, const struct flow *f)
{
    if (f->dpi.host[0]) {
        jw_kobj(w, "ndpi");
        jw_kstr(w, "hostname", f->dpi.host);
        jw_obj_end(w);
    }
    jw_kobj(w, "flow");
    event_flow_counters(w, f);
    jw_obj_end(w);
}

void event_rule_alert(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
                      const struct flow *f, int dir, const struct rule *r, const struct packet *p,
                      const uint8_t *buf, uint32_t len, uint64_t ts)
{
    char app[32], cid[32];
    struct flow_key k = f->key;

    if (dir) {                                  /* the packet's sender is src */
        memcpy(k.src, f->key.dst, 16);
        memcpy(k.dst, f->key.src, 16);
        k.sport = f->key.dport;
        k.dport = f->key.sport;
    }
    event_header(w, cfg, "alert", ts);
    jw_ku64(w, "flow_id", f->flow_id);
    if (p)
        jw_ku64(w, "pcap_cnt", p->pcap_cnt);
    event_addresses(w, &k, 1, f->icmp_type, f->icmp_code);
    jw_kstr(w, "direction", dir ? "to_client" : "to_server");
    jw_kstr(w, "app_proto", dpi_app_proto(d, &f->dpi, app, sizeof(app)));
    flow_community_id(f, cid);
    jw_kstr(w, "community_id", cid);
    jw_kobj(w, "alert");
    jw_kstr(w, "action", action_name(r));
    jw_ku64(w, "gid", r->gid);
    jw_ku64(w, "signature_id", r->sid);
    jw_ku64(w, "rev", r->rev);
    jw_kstr(w, "signature", r->msg ? r->msg : "");
    jw_kstr(w, "category", r->category ? r->category : "");
    jw_ku64(w, "severity", (uint64_t)(r->priority > 0 ? r->priority : 3));
    if (r->nmetadata)
        write_metadata(w, r);
    jw_obj_end(w);
    event_alert_flow(w, f);
    if (buf && len) {
        char pp[ALERT_PAYLOAD_MAX];
        uint32_t n = len < ALERT_PAYLOAD_MAX ? len : ALERT_PAYLOAD_MAX;
        for (uint32_t i = 0; i < n; i++)
            pp[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '.';
        jw_key(w, "payload_printable");
        jw_strn(w, pp, n);
    }
    event_context(w, ec, &k);
}
