/* detect.h - the detect stage: a ruleset compiled to Hyperscan, matched per
 * packet, per in-order TCP chunk and per application transaction.
 *
 * Build (detect_compile.c): every rule goes to the (protocol group,
 * direction, buffer) slots it can match in. Per slot, one Hyperscan literal
 * database of the rules' fast patterns (the longest positive content, or the
 * one marked fast_pattern): block mode for packets and app buffers,
 * streaming mode for the TCP stream, so a pattern split across segments is
 * still found. Rules without a usable literal go to the slot's short list,
 * checked directly; rules with no payload and no packet keywords are
 * "IP-only" and are looked up by address once per flow direction, as
 * Suricata does. The databases are cached on disk (hs_serialize_database),
 * keyed by a hash of everything given to the compiler.
 *
 * Match (detect.c, detect_match.c, detect_transform.c): a literal hit only
 * nominates a rule; the rule is then verified whole (header, flow, flowbits,
 * every content with its positions, PCRE2 with JIT, byte_*) and matches at
 * most once per rule per packet, stream chunk or transaction; the matches of
 * a packet are then ordered as Suricata orders them (action-order, flowbits,
 * priority) and go through thresholds and pass (detect_packet_done).
 *
 * Ownership: a detect_engine is immutable after detect_compile and shared by
 * every worker through a reference count (detect_engine.c; the engine owns
 * its ruleset). A detect_thread (scratch, thresholds) belongs to one worker;
 * a detect_flow (flowbits, flowints, Hyperscan streams, stream window) to one
 * flow of that worker, and it pins the engine it was opened with until
 * detect_flow_free. */
#ifndef TAISHI_DETECT_H
#define TAISHI_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/app/app.h"
#include "taishi/decode/packet.h"
#include "taishi/rules/rules.h"

struct detect_engine;
struct detect_thread;
struct detect_flow;

struct detect_build_opts {
    const char *cache_dir;      /* NULL or "": no cache */
    uint32_t pcre_match_limit;  /* pcre.match-limit (Suricata's 3500); 0: that default */
    uint32_t pcre_depth_limit;  /* pcre.match-limit-recursion (1500); 0: that default */
    const uint8_t *action_rank; /* per enum rule_action, 0 = handled first (action-order);
                                 * NULL: Suricata's default pass, drop, reject, alert */
};

struct detect_build_info {
    double compile_s;           /* Hyperscan + PCRE2 (or cache load) */
    int from_cache;
    uint64_t db_bytes;          /* Hyperscan databases */
    uint32_t ndb, npatterns;
    uint32_t nsub;              /* of the ndb: port groups' databases (detect_pgroup.c) */
    uint32_t rules_fp, rules_nofp, rules_iponly, rules_pkt;
};

/* Takes ownership of rs (also on failure). NULL on a Hyperscan failure,
 * with the reason in err. */
struct detect_engine *detect_compile(struct ruleset *rs, const struct detect_build_opts *o,
                                     struct detect_build_info *info, char *err, size_t errlen);
/* detect_engine.c: the engine's ruleset; references (the last unref frees
 * the engine and its ruleset). */
const struct ruleset *detect_engine_ruleset(const struct detect_engine *e);
void detect_engine_ref(struct detect_engine *e);
void detect_engine_unref(struct detect_engine *e);
/* 1 when some rule inspects buffer b (enum buf_id): the app layer keeps
 * and decodes HTTP bodies only when a rule reads them. */
int detect_engine_uses_buf(const struct detect_engine *e, unsigned b);

/* The regex libraries the detect stage runs with, as the loaded libraries
 * report them: hs_version() (Hyperscan or Vectorscan: detect_hs_engine()
 * says which one the build was made against), PCRE2's version into buf
 * (pcre2_config(PCRE2_CONFIG_VERSION)). Static text / the caller's buffer. */
const char *detect_hs_version(void);
const char *detect_hs_engine(void);
void detect_pcre2_version(char *buf, size_t len);

/* What the detect stage needs to know of the flow and the packet at hand. */
struct detect_ctx {
    const struct flow_key *key;     /* the flow's key: src = client */
    const struct packet *p;         /* the packet being processed; NULL at flow end */
    int dir;                        /* 0 to server, 1 to client */
    int established;                /* TCP handshake seen, or UDP both ways */
    int app;                        /* enum rule_app of the flow (nDPI's verdict), RAPP_NONE */
    uint16_t tls_version;           /* negotiated, 0 = unknown */
    uint64_t stream_size[2];        /* TCP sequence space used by the client [0] and server [1] */
    uint64_t ts_ns;
    int no_session;                 /* TCP not tracked as a session (handshake missed,
                                     * stream.midstream off): detect_stream gets each
                                     * packet's payload alone, matches are packet matches,
                                     * flow:only_stream never matches */
    int same_unit;                  /* detect_tx: the same unit as the previous call (the
                                     * files of one transaction: one alert per rule, as
                                     * Suricata's per transaction) */
    const struct app_tx *tx;        /* detect_tx: the transaction (its parser's integer
                                     * keywords read its meta); NULL elsewhere */
};

/* An alert: the rule and the buffer it matched in (for payload_printable). */
struct detect_alert_cb {
    void (*alert)(void *ud, const struct detect_ctx *c, const struct rule *r, const uint8_t *buf,
                  uint32_t len);
    void *ud;
};

struct detect_stats {
    uint64_t candidates, verified, alerts, suppressed;  /* suppressed: threshold/detection_filter */
    uint64_t pcre_limit;    /* pcre runs stopped by pcre.match-limit / -recursion (no match) */
    uint64_t passed;                /* pass rules that took effect */
    uint64_t pass_dropped;          /* matches dropped because a pass ranked above them */
};

struct detect_thread *detect_thread_new(struct detect_engine *e);
void detect_thread_free(struct detect_thread *t);
/* Makes e the engine for flows that start from now on (a reload). */
void detect_thread_set_engine(struct detect_thread *t, struct detect_engine *e);
const struct detect_stats *detect_thread_stats(const struct detect_thread *t);

/* Per flow; NULL when the thread has no engine. */
struct detect_flow *detect_flow_new(struct detect_thread *t);
void detect_flow_free(struct detect_thread *t, struct detect_flow *f);
/* Is f on the thread's current engine? If not (a reload happened),
 * detect_flow_migrate moves it: a new state on the current engine with the
 * flowbits and flowints carried over by name; f is freed. */
int detect_flow_current(const struct detect_thread *t, const struct detect_flow *f);
struct detect_flow *detect_flow_migrate(struct detect_thread *t, struct detect_flow *f);
/* The ruleset f inspects with (its engine's): what its alerts name. */
const struct ruleset *detect_flow_ruleset(const struct detect_flow *f);
/* Bytes a detect_flow holds (memcap accounting). */
uint64_t detect_flow_bytes(const struct detect_flow *f);

/* One packet: IP-only rules (first packet of each direction), header-only
 * rules and payload rules on the packet's L4 payload (all but TCP stream
 * rules). */
void detect_packet(struct detect_thread *t, struct detect_flow *f, const struct detect_ctx *c,
                   const struct detect_alert_cb *cb);
/* In-order TCP bytes of direction c->dir at stream offset off. */
void detect_stream(struct detect_thread *t, struct detect_flow *f, const struct detect_ctx *c,
                   const uint8_t *data, uint32_t len, uint64_t off,
                   const struct detect_alert_cb *cb);
/* A hole in direction dir: a pattern must not match across it. */
void detect_stream_gap(struct detect_thread *t, struct detect_flow *f, int dir);
/* An application transaction's buffers (app.h), and c->tx itself for the
 * rules with integer/flag keywords (BUF_APP_TX), even when it has no buffer. */
void detect_tx(struct detect_thread *t, struct detect_flow *f, const struct detect_ctx *c,
               const struct app_buf *bufs, uint32_t nbufs, const struct detect_alert_cb *cb);
/* The packet is done (or the flow ends): its matches from the calls above,
 * in rule order (action-order, flowbits, priority), through thresholds and
 * pass, to cb (detect_alertq.c). Must follow every packet that was given to
 * the calls above, and the flow's end; f may be NULL (the queue is dropped). */
void detect_packet_done(struct detect_thread *t, struct detect_flow *f,
                        const struct detect_alert_cb *cb);
/* A pass rule passed the flow: nothing is inspected on it any more (the
 * caller may stop feeding it; the calls above return at once). */
int detect_flow_passed(const struct detect_flow *f);
/* The rest of the flow's payload is encrypted (app_flow_encrypted: TLS
 * application data, SSH after both NEWKEYS): from now on no payload or
 * stream content is inspected, nor dsize rules that need a payload; header,
 * IP-only and transaction rules go on. Suricata 7.0.10 does the same (its
 * FLOW_NOPAYLOAD_INSPECTION, set by its TLS parser at encryption-handling
 * default and by its SSH parser). */
void detect_flow_no_payload(struct detect_flow *f);

#endif
