/* event.h - builders of the event types (one JSON line each).
 *
 * Every builder starts its event with event_head() and ends it with
 * event_head_context(), both driven by one `struct event_head`: together
 * they write the fields every event shares, in EVE's order
 *   timestamp, event_type, sensor_id, flow_id, pcap_cnt, src_ip, src_port,
 *   dest_ip, dest_port, proto, icmp_type, icmp_code, vlan, tunnel,
 *   direction, app_proto, community_id, ... (the event's own body) ...,
 *   src_geo, dest_geo, src_asset, dest_asset
 * each one only when the event has it (`parts`). The builders add only their
 * own body. The caller ends the event with jw_end().
 *
 * Builders append to the caller's jw and never allocate; they keep nothing.
 * `struct event_ctx` is the worker's: the read-only config, its nDPI module
 * (protocol names) and its enrichment cache (ec NULL: no context fields). */
#ifndef TAISHI_EVENT_H
#define TAISHI_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/config/config.h"
#include "taishi/core/jw.h"
#include "taishi/decode/packet.h"
#include "taishi/dpi/dpi.h"
#include "taishi/enrich/enrich.h"
#include "taishi/enrich/intel.h"
#include "taishi/flow/flow.h"

struct event_ctx {
    const struct config *cfg;
    struct dpi *dpi;                /* NULL: no event needs nDPI's names */
    struct enrich_cache *ec;        /* NULL: no context fields */
};

/* Which common fields an event has. */
enum event_part {
    EP_FLOW_ID = 1 << 0,            /* flow_id of f */
    EP_PCAP_CNT = 1 << 1,           /* pcap_cnt of p */
    EP_ADDR = 1 << 2,               /* addresses, ports, proto, icmp type/code, vlan of key */
    EP_TUNNEL = 1 << 3,             /* tunnel of tun */
    EP_DIRECTION = 1 << 4,          /* direction: to_server (dir 0) / to_client */
    EP_APP = 1 << 5,                /* app_proto and community_id of f */
    EP_CONTEXT_EARLY = 1 << 6,      /* the context fields right after the head, not at the end */
};

struct event_head {
    const char *type;               /* event_type */
    uint64_t ts;                    /* packet time (ns) */
    unsigned parts;                 /* enum event_part */
    const struct flow *f;           /* for EP_FLOW_ID, EP_APP, and icmp type/code */
    const struct packet *p;         /* for EP_PCAP_CNT (and a packet's icmp type/code) */
    const struct flow_key *key;     /* for EP_ADDR and the context fields */
    int l4_known;                   /* ports and icmp type/code are real */
    const struct tunnel_info *tun;  /* for EP_TUNNEL */
    int dir;                        /* for EP_DIRECTION */
};

/* The common fields at the start of an event, and the context at its end
 * (nothing when EP_CONTEXT_EARLY put it at the start). */
void event_head(struct jw *w, const struct event_ctx *c, const struct event_head *h);
void event_head_context(struct jw *w, const struct event_ctx *c, const struct event_head *h);
/* A head for an event about a flow: flow_id, its addresses, app_proto and
 * community_id (add parts as needed). */
struct event_head event_head_of_flow(const char *type, const struct flow *f, uint64_t ts);

/* "TCP", "UDP", ...; the number as text for others (into buf). */
const char *event_head_proto_name(uint8_t proto, char *buf, size_t len);
/* Inside a "flow" object: the counters so far and the start. */
void event_head_flow_counters(struct jw *w, const struct flow *f);
/* "1:..." Community ID v1 of a flow (memoized in the flow). */
void event_head_community_id(const struct flow *f, char out[32]);

/* event_flow.c: a flow ended (or an active timeout). event_anomaly.c: a
 * malformed packet. event_app.c: an app-layer transaction's http, dns, tls,
 * ssh, ... event (its parser writes the protocol object, app.h). */
void event_flow(struct jw *w, const struct event_ctx *c, const struct flow *f,
                enum flow_end_reason why);
void event_anomaly(struct jw *w, const struct event_ctx *c, const struct packet *p);
struct app_tx;
void event_app(struct jw *w, const struct event_ctx *c, const struct flow *f,
               const struct app_tx *tx, uint64_t ts);
/* A file's fileinfo event from its TX_FILE transaction (app_file.h). */
void event_fileinfo(struct jw *w, const struct event_ctx *c, const struct flow *f,
                    const struct app_tx *tx, uint64_t ts);

/* event_risk.c: nDPI's risks of a flow; the cross-border policy's verdict
 * (outbound: the home end is the client). event_asset.c: the first answer of
 * a server (the flow's dest: ip, port, proto, app, banners). */
void event_risk_ndpi(struct jw *w, const struct event_ctx *c, const struct flow *f);
/* A parser's TX_RISK (app.h): risk{source: "app", protocol, names[], detail}. */
void event_risk_app(struct jw *w, const struct event_ctx *c, const struct flow *f,
                    const struct app_tx *tx, uint64_t ts);
void event_risk_cross_border(struct jw *w, const struct event_ctx *c, const struct flow *f,
                             const char *country, int outbound, uint64_t ts);
/* af: what the parsers learned about the server (NULL: nothing), written
 * as one object per parser after tls/ssh: smb{...}, krb5{...}, ... */
struct asset_facts;
struct asset_host;
void event_asset(struct jw *w, const struct event_ctx *c, const struct flow *f,
                 const struct asset_facts *af);
/* A host a parser named (a DHCP client): asset{role: "host", ip, mac,
 * hostname}, with the flow_id and addresses of the flow that named it. */
void event_asset_host(struct jw *w, const struct event_ctx *c, const struct flow *f,
                      const struct asset_host *h);

/* event_alert.c: a rule matched (dir: the matching packet's direction; buf
 * the buffer it matched, for payload_printable; rs the ruleset r belongs
 * to, named in `ruleset`, or NULL); a threat-intelligence hit
 * (an EVE alert with intel.gid; matched names the field). */
struct rule;
struct ruleset;
void event_alert_rule(struct jw *w, const struct event_ctx *c, const struct flow *f, int dir,
                      const struct rule *r, const struct ruleset *rs, const struct packet *p,
                      const uint8_t *buf, uint32_t len, uint64_t ts);
void event_alert_intel(struct jw *w, const struct event_ctx *c, const struct flow *f,
                       const struct indicator *ind, const char *matched, uint64_t ts);

#endif
