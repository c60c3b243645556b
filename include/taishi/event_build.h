/* event_build.h - builders of the event types (one JSON line each).
 *
 * Builders append to the caller's jw (event.h) and never allocate. Each
 * starts an event with event_header(); the caller ends it with jw_end(). */
#ifndef TAISHI_EVENT_BUILD_H
#define TAISHI_EVENT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/config.h"
#include "taishi/dpi.h"
#include "taishi/event.h"
#include "taishi/flow.h"
#include "taishi/packet.h"

void event_header(struct jw *w, const struct config *cfg, const char *type, uint64_t ts_ns);
/* Ports and ICMP type/code are written only when l4_known. */
void event_addresses(struct jw *w, const struct flow_key *k, int l4_known, uint8_t icmp_type,
                     uint8_t icmp_code);
const char *event_proto_name(uint8_t proto, char *buf, size_t len);
void event_flow(struct jw *w, const struct config *cfg, struct dpi *d, const struct flow *f,
                enum flow_end_reason why);
void event_anomaly(struct jw *w, const struct config *cfg, const struct packet *p);

#endif
