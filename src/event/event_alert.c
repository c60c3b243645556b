/* event_alert.c - the `alert` events: a rule matched, or an indicator (EVE
 * field names).
 *
 * src/dest follow the packet that matched, as Suricata's alerts do (a
 * to_client alert has the server as src_ip); flow_id and community_id are
 * the flow's, so the alert joins its flow event. alert.action is "allowed"
 * for alert rules and the rule's own action ("drop", "reject") for the
 * others: the sensor is passive, it says what an inline device would do.
 * payload_printable is the matched buffer with non-printable bytes as '.',
 * capped at ALERT_PAYLOAD_MAX bytes. A threat-intelligence hit is an alert
 * too (gid intel.gid, the indicator in metadata), about the flow as a whole
 * (src is the client). A rule's alert names its ruleset: `ruleset{sha256,
 * rules}`, the digest of the rule files as loaded and the rules loaded, so
 * an alert raised before a reload still says which rules raised it.
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

/* The part every alert (rule or intel) ends with: ndpi.hostname, flow counters. */
static void alert_flow(struct jw *w, const struct flow *f)
{
    if (f->dpi.host[0]) {
        jw_kobj(w, "ndpi");
        jw_kstr(w, "hostname", f->dpi.host);
        jw_obj_end(w);
    }
    jw_kobj(w, "flow");
    event_head_flow_counters(w, f);
    jw_obj_end(w);
}

void event_alert_rule(struct jw *w, const struct event_ctx *c, const struct flow *f, int dir,
                      const struct rule *r, const struct ruleset *rs, const struct packet *p,
                      const uint8_t *buf, uint32_t len, uint64_t ts)
{
    struct flow_key k = f->key;

    if (dir) {                                  /* the packet's sender is src */
        memcpy(k.src, f->key.dst, 16);
        memcpy(k.dst, f->key.src, 16);
        k.sport = f->key.dport;
        k.dport = f->key.sport;
    }
    struct event_head h = event_head_of_flow("alert", f, ts);
    h.key = &k;
    h.parts |= EP_DIRECTION | (p ? EP_PCAP_CNT : 0);
    h.p = p;
    h.dir = dir;
    event_head(w, c, &h);
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
    if (rs) {                                   /* which rules raised it: reproducible across reloads */
        jw_kobj(w, "ruleset");
        jw_kstr(w, "sha256", rs->sha256);
        jw_ku64(w, "rules", rs->loaded);
        jw_obj_end(w);
    }
    alert_flow(w, f);
    if (buf && len) {
        char pp[ALERT_PAYLOAD_MAX];
        uint32_t n = len < ALERT_PAYLOAD_MAX ? len : ALERT_PAYLOAD_MAX;
        for (uint32_t i = 0; i < n; i++)
            pp[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '.';
        jw_key(w, "payload_printable");
        jw_strn(w, pp, n);
    }
    event_head_context(w, c, &h);
}

void event_alert_intel(struct jw *w, const struct event_ctx *c, const struct flow *f,
                       const struct indicator *ind, const char *matched, uint64_t ts)
{
    char sig[400];
    struct event_head h = event_head_of_flow("alert", f, ts);

    event_head(w, c, &h);
    jw_kobj(w, "alert");
    jw_kstr(w, "action", "allowed");
    jw_ku64(w, "gid", c->cfg->intel_gid);
    jw_ku64(w, "signature_id", ind->sid);
    jw_ku64(w, "rev", 1);
    snprintf(sig, sizeof(sig), "TAISHI INTEL %s %s (%s)", intel_ioc_type_name(ind->type), ind->value, ind->source);
    jw_kstr(w, "signature", sig);
    jw_kstr(w, "category", "Threat Intelligence");
    jw_ku64(w, "severity", ind->severity);
    jw_kobj(w, "metadata");
    jw_karr(w, "indicator_type"); jw_str(w, intel_ioc_type_name(ind->type)); jw_arr_end(w);
    jw_karr(w, "indicator"); jw_str(w, ind->value); jw_arr_end(w);
    jw_karr(w, "source"); jw_str(w, ind->source); jw_arr_end(w);
    jw_karr(w, "matched"); jw_str(w, matched); jw_arr_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
    alert_flow(w, f);
    event_head_context(w, c, &h);
}

