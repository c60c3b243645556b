/* event.h - builders of the event types (one JSON line each).
 *
 * Builders append to the caller's jw (event.h) and never allocate. Each
 * starts an event with event_header(); the caller ends it with jw_end(). */
#ifndef TAISHI_EVENT_H
#define TAISHI_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/config/config.h"
#include "taishi/dpi/dpi.h"
#include "taishi/enrich/enrich.h"
#include "taishi/core/jw.h"
#include "taishi/flow/flow.h"
#include "taishi/enrich/intel.h"
#include "taishi/decode/packet.h"

void event_header(struct jw *w, const struct config *cfg, const char *type, uint64_t ts_ns);
/* Ports and ICMP type/code are written only when l4_known. */
void event_addresses(struct jw *w, const struct flow_key *k, int l4_known, uint8_t icmp_type,
                     uint8_t icmp_code);
const char *event_proto_name(uint8_t proto, char *buf, size_t len);
void event_flow_counters(struct jw *w, const struct flow *f);
/* "1:..." Community ID v1 of a flow (cached for the flow's consecutive events). */
void flow_community_id(const struct flow *f, char out[32]);
/* ec may be NULL (no enrichment). */
void event_flow(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
                const struct flow *f, enum flow_end_reason why);
void event_anomaly(struct jw *w, const struct config *cfg, struct enrich_cache *ec,
                   const struct packet *p);

/* event_context.c: src_geo/dest_geo/src_asset/dest_asset of a flow key. */
void event_context(struct jw *w, struct enrich_cache *ec, const struct flow_key *k);
void event_risk_ndpi(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
                     const struct flow *f);
void event_risk_cross_border(struct jw *w, const struct config *cfg, struct dpi *d,
                             struct enrich_cache *ec, const struct flow *f, const char *country,
                             int outbound, uint64_t ts);

/* A threat-intelligence hit: an EVE alert with intel.gid; matched names the field. */
void event_intel_alert(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
                       const struct flow *f, const struct indicator *ind, const char *matched,
                       uint64_t ts);
/* The first answer of a server (the flow's dest): ip, port, proto, app, banners. */
void event_asset(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
                 const struct flow *f);

/* An http/dns/tls/ssh event for an app transaction (app.h). */
struct app_tx;
void event_app(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
               const struct flow *f, const struct app_tx *tx, uint64_t ts);

/* The part every alert (rule or intel) ends with: ndpi.hostname, flow counters. */
void event_alert_flow(struct jw *w, const struct flow *f);
/* event_alert.c: a rule matched (dir: the matching packet's direction). */
struct rule;
void event_rule_alert(struct jw *w, const struct config *cfg, struct dpi *d, struct enrich_cache *ec,
                      const struct flow *f, int dir, const struct rule *r, const struct packet *p,
                      const uint8_t *buf, uint32_t len, uint64_t ts);

#endif
