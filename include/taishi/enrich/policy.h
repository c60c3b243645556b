/* policy.h - the sensor's policies on a flow, as verdicts: which
 * threat-intelligence indicators it hits, whether the cross-border policy
 * reports it, whether it shows a server that answered (the asset
 * inventory's rule), whether nDPI's risks deserve a risk event.
 *
 * Each function reads the flow and the shared read-only sources and returns
 * its verdict; none writes an event, counts, or changes the flow. The
 * worker decides when to ask (pipeline/worker.c) and writes the events.
 *
 * Ownership: verdicts point into the indicator set (valid while it is) or
 * are copies; nothing is kept here. The enrich cache passed to
 * policy_cross_border() is the calling worker's own. */
#ifndef TAISHI_POLICY_H
#define TAISHI_POLICY_H

#include <stdint.h>

#include "taishi/config/config.h"
#include "taishi/enrich/enrich.h"
#include "taishi/enrich/intel.h"
#include "taishi/flow/flow.h"

/* An indicator hit and the field it matched ("src_ip", "tls.sni", ...). */
struct policy_intel_hit {
    const struct indicator *ind;
    const char *matched;
};

/* Indicators on the flow's addresses: the source's, then the destination's
 * when it is another indicator. Returns the number of hits (0-2). */
int policy_intel_addresses(const struct intel *in, const struct flow *f,
                           struct policy_intel_hit hits[2]);
/* Indicators on what nDPI found: the host name (named after the flow's
 * app_proto: tls.sni, http.hostname, dns.rrname, else ndpi.hostname), the
 * JA3 client hash, the URL (host + path). Returns the number of hits (0-3). */
int policy_intel_metadata(const struct intel *in, const struct flow *f, const char *app_proto,
                          struct policy_intel_hit hits[3]);

/* Indicators on a file's hashes (NULL: not computed), for a file that
 * crossed the link whole (CLOSED, no gap): "fileinfo.md5", ".sha1",
 * ".sha256". Returns the number of hits (0-3). */
int policy_intel_file(const struct intel *in, const char *md5, const char *sha1,
                      const char *sha256, struct policy_intel_hit hits[3]);

/* The cross-border policy: one end in HOME_NET, the other in a country not
 * in policy.cross-border.allowed-countries. An end without a known country
 * is not judged. */
struct policy_cross_border {
    char country[4];            /* ISO code of the far end */
    int outbound;               /* the home end is the client */
};
/* 1 and the verdict in *out when the flow is to be reported; 0 when not
 * (policy off, no GeoIP, both or neither end at home, allowed country). */
int policy_cross_border(const struct enrich *e, struct enrich_cache *ec, const struct config *cfg,
                        const struct flow *f, struct policy_cross_border *out);
/* Has the flow moved enough to be judged before it ends (min-bytes)? */
int policy_cross_border_due(const struct config *cfg, const struct flow *f);

/* The asset rule: a TCP, UDP or SCTP server that answered (for TCP: its
 * SYN-ACK was seen or the session is established). */
int policy_answered_service(const struct flow *f);

/* The risk gate: nDPI's risks of the flow reach risk.min-score. */
int policy_risk_due(const struct config *cfg, const struct flow *f);
/* The gate of the parsers' weaknesses (TX_RISK): the weakness's index in
 * app.h's table when risk.app has it on, -1 when off or not in the table. */
int policy_app_risk(const struct config *cfg, const char *name);

#endif
