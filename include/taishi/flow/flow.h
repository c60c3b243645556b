/* flow.h - the per-worker flow table: lookup, TCP state, timeouts, memcap.
 *
 * Every worker owns one table and is the only thread that touches it; flows
 * are pinned to workers (offline by the symmetric hash of their key,
 * decode_flow_hash(); live by the kernel's fanout hash), so there are no
 * locks here. A flow lives in a hash bucket chain and on exactly one
 * "timeout list": one list per (protocol group, state) pair, in the order of
 * the flows' last packets; because every flow on a list has the same idle
 * timeout, the oldest is at the head. Expiry pops heads; the memcap evicts
 * the oldest head among all lists (the longest-idle flow). flow_table.c
 * says when a flow ends.
 *
 * Ownership: the table owns its flows. A flow handed to the `on_end`
 * callback is valid only during the call; the callback copies what it needs
 * (the event) and the table then frees the flow, except after FR_ACTIVE (an
 * interval record), when the flow goes on. */
#ifndef TAISHI_FLOW_H
#define TAISHI_FLOW_H

#include <stdint.h>

#include "taishi/config/config.h"
#include "taishi/dpi/dpi.h"
#include "taishi/decode/packet.h"

enum flow_end_reason {
    FR_TIMEOUT, FR_TCP_FIN, FR_TCP_RST, FR_ACTIVE, FR_MEMCAP, FR_SHUTDOWN, FR_REUSED, FR_MAX
};
const char *flow_table_reason_name(enum flow_end_reason r);
const char *flow_table_state_name(enum flow_state s);

struct flow {
    struct flow *hnext;                 /* hash chain */
    struct flow *prev, *next;           /* timeout list */
    struct flow_key key;                /* src = the client (SYN sender or first sender) */
    uint64_t hash;
    uint64_t flow_id;
    uint64_t start_ns, last_ns;
    uint64_t pkts[2], bytes[2];         /* [0] to server, [1] to client */
    struct tunnel_info tun;
    uint8_t group;                      /* enum flow_group */
    uint8_t state;                      /* enum flow_state */
    uint8_t tcp_seen[2];                /* TCP flags seen in each direction */
    uint8_t closed_by;                  /* FR_TCP_FIN or FR_TCP_RST once closed */
    uint8_t icmp_type, icmp_code;       /* of the first ICMP packet */
    uint8_t policy_done;                /* the cross-border policy has looked at this flow */
    uint8_t intel_done;                 /* INTEL_* bits: what threat intel has checked */
    char cid[32];                       /* Community ID once computed ("" before): see
                                         * flow_community_id() */
    struct dpi_flow dpi;
    struct flow_l7 *l7;                 /* stream, app and detect state (worker_l7.c); may be NULL */
    uint8_t l7_off;                     /* nothing at layer 7 wants this flow */
};

#define INTEL_IPS_DONE  1
#define INTEL_META_DONE 2

struct flow_stats {
    uint64_t created, ended[FR_MAX], active, peak_active;
    uint64_t memory, memcap_evictions;
};

/* Called when a flow ends, before it is freed. */
typedef void (*flow_end_fn)(void *arg, struct flow *f, enum flow_end_reason why);

struct flow_table;
/* Memory the flows hold outside the table (the worker's: nDPI state, queued
 * TCP segments), for the memcap. */
typedef uint64_t (*flow_extra_mem_fn)(void *arg);

/* memcap is this table's share, in bytes. */
struct flow_table *flow_table_create(const struct config *cfg, uint64_t memcap,
                                     flow_end_fn on_end, flow_extra_mem_fn extra_mem,
                                     void *arg);
void flow_table_destroy(struct flow_table *t);

/* Finds or creates the flow of p and updates its counters and state.
 * *to_server tells the packet's direction. Never returns NULL: when the
 * memcap is reached, the longest-idle flows are ended first. */
struct flow *flow_table_update(struct flow_table *t, const struct packet *p, int *to_server);
/* Warms the cache for a packet a few ahead in the batch (worker.c): its hash
 * bucket (stage 0), or the first flow in that bucket (stage 1, once the
 * bucket is likely in). Hints only: nothing is read that must be valid. */
void flow_table_prefetch(const struct flow_table *t, const struct packet *p, int stage);
/* Ends every flow idle past its timeout at packet time now_ns; cheap to call
 * often: it scans at most once a second of packet time. */
void flow_table_expire(struct flow_table *t, uint64_t now_ns);
/* Ends every flow (end of capture, shutdown). */
void flow_table_flush(struct flow_table *t, enum flow_end_reason why);
/* Calls fn for every flow (fn must not end or free it). */
void flow_table_foreach(struct flow_table *t, void (*fn)(void *arg, struct flow *f), void *arg);
const struct flow_stats *flow_table_stats(const struct flow_table *t);
/* Bytes one flow costs in the table, for the memcap and the benchmark. */
uint64_t flow_table_bytes_per_flow(void);


#endif
