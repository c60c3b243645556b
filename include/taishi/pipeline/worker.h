/* worker.h - one pipeline thread: decoded packets in, events out.
 *
 * worker_process() runs the stages for one packet, in order, by pointer:
 * flow (table, TCP state), threat intelligence, dpi (nDPI), layer 7
 * (reassembly, app parsers, detect) and the policies (worker.c says when
 * each is asked); events are formatted into the worker's own buffer and
 * handed to the output in chunks. A worker owns its flow table, its nDPI
 * module, its detect thread state (Hyperscan scratch), its enrichment cache,
 * its counters and its event buffer; it shares the read-only config, the
 * output, and what a reload replaces (struct shared, read RCU-style).
 *
 * Ownership: created and destroyed by the runtime (control/); batches come
 * and go through the rings worker_in() (full) and worker_back() (empty),
 * whose other ends the capture side holds. */
#ifndef TAISHI_WORKER_H
#define TAISHI_WORKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "taishi/app/app.h"
#include "taishi/config/config.h"
#include "taishi/dpi/dpi.h"
#include "taishi/core/jw.h"
#include "taishi/flow/flow.h"
#include "taishi/decode/packet.h"
#include "taishi/core/ring.h"
#include "taishi/flow/stream.h"
#include "taishi/detect/detect.h"
#include "taishi/app/app.h"
#include "taishi/app/files.h"
#include "taishi/core/talkers.h"
#include "taishi/event/event.h"

#define WORKER_MIX_SLOTS 512        /* nDPI protocol ids (built-in and custom) */

struct output;
struct out_event;
struct enrich;
struct enrich_cache;
struct asset_inventory;
struct intel;
struct batch;

/* What the workers share and a reload replaces (SIGHUP): the enrichment
 * sources and the indicator sets. Replaced RCU-style: the new objects are
 * published, the epoch is bumped, and the old ones are freed only once every
 * worker has passed that epoch (a worker reloads its pointers at the start
 * of each batch and whenever it is idle, and then publishes the epoch it saw). */
struct shared {
    struct enrich *_Atomic enrich;
    struct intel *_Atomic intel;
    struct detect_engine *_Atomic detect;   /* NULL: no rules */
    _Atomic uint64_t epoch;
};

/* The run summary's and the metrics' finer counts (not in the stats event):
 * the signatures that alerted (a space-saving summary, as the talkers), the
 * risk events by cause and the cross-border flows by country. */
#define WORKER_SIGS 32
#define WORKER_COUNTRIES 64
#define WORKER_RISK_BITS 64
struct worker_sig {
    uint32_t gid, sid;
    uint32_t severity;
    uint64_t count;
    char msg[96];               /* copied: the ruleset may be reloaded */
};
struct worker_country {
    char cc[4];
    uint64_t flows, bytes;
};

struct worker_stats {
    uint64_t packets, bytes;
    uint64_t events[ET_MAX];
    uint64_t events_dropped;    /* an event larger than the buffer: counted, never cut */
    uint64_t anomalies_suppressed;  /* beyond anomaly.rate-limit: counted, not written */
    uint64_t alerts_by_severity[4]; /* severity 1, 2, 3, other */
    uint64_t mix_bytes[WORKER_MIX_SLOTS], mix_flows[WORKER_MIX_SLOTS];  /* by nDPI protocol */
    struct talkers talkers;
    uint64_t idle_waits;
    struct worker_sig sigs[WORKER_SIGS];
    int nsigs;
    uint64_t risk_ndpi[WORKER_RISK_BITS];  /* risk events with this nDPI risk bit */
    uint64_t risk_ndpi_events, risk_cross_border;
    uint64_t risk_app[APP_RISKS_MAX];       /* parser risk events, by app_risk_index() */
    struct worker_country xb[WORKER_COUNTRIES];
    int nxb;
    uint64_t xb_other;          /* cross-border flows of countries beyond the table */
};

/* worker_tally.c: counts an alert (by severity, and its signature), a
 * cross-border policy hit (by country). */
void worker_stats_alert(struct worker_stats *st, uint32_t gid, uint32_t sid, int severity,
                        const char *msg);
void worker_stats_cross_border(struct worker_stats *st, const char *cc, uint64_t bytes);

/* A copy of a worker's counters, published for other threads to read. */
struct worker_snapshot {
    struct worker_stats st;
    struct flow_stats fs;
    struct dpi_stats ds;
    struct stream_stats ss;
    struct detect_stats dts;
    struct app_stats as;
    struct files_stats fis;
};

/* The unit the reader hands a worker: packets whose bytes are in `data`. */
#define BATCH_PKTS  256
#define BATCH_BYTES (512u * 1024u)
struct batch {
    uint32_t n, used;
    uint64_t clock_ns;          /* reader's packet clock when the batch was sent */
    int end;                    /* last batch: flush everything and stop */
    struct packet pkts[BATCH_PKTS];
    uint8_t data[BATCH_BYTES];
};

#define WORKER_BATCHES 8
#define WORKER_MAX_EVENTS 4096      /* events per chunk handed to the output */

/* A worker is opaque outside pipeline/ (worker_internal.h has its body).
 * Sharing rule: everything in it belongs to the worker's own thread, except
 * the published snapshot (pub, behind its mutex: worker_snapshot()), the
 * epoch it has seen (atomic: worker_wait_epoch()), and the two rings, whose
 * other ends the capture side holds (worker_in/worker_back). */
struct worker;


/* en may be NULL: no GeoIP, assets or policies. */
struct worker *worker_create(int id, const struct config *cfg, struct output *out,
                             const struct enrich *en, uint64_t flow_memcap);
void worker_destroy(struct worker *w);
void worker_set_assets(struct worker *w, struct asset_inventory *inv);
void worker_set_intel(struct worker *w, const struct intel *in);
/* Makes e the ruleset for new flows (a reference is taken); stream_memcap,
 * when not 0, is this worker's share of stream.memcap. */
void worker_set_detect(struct worker *w, struct detect_engine *e, uint64_t stream_memcap);
void worker_set_shared(struct worker *w, struct shared *sh);
/* Copies the worker's counters where other threads may read them (its own
 * thread does this every 100 ms and at the end); worker_snapshot reads them. */
void worker_publish(struct worker *w);
void worker_snapshot(struct worker *w, struct worker_snapshot *out);
/* Waits until every worker has passed the current epoch of sh. */
void worker_wait_epoch(struct worker **w, int n, uint64_t epoch);
int worker_start(struct worker *w);
/* Ends a worker started with worker_start() when no reader will send it its
 * end batch (a start-up that failed part-way): sends an empty end batch.
 * Only where no capture side uses the rings. */
void worker_stop(struct worker *w);
void worker_join(struct worker *w);
/* For a capture loop that runs in the worker's own thread instead of
 * worker_start() (live capture, capture_live.c): worker_enter() before each
 * burst of packets (picks up what a reload published), worker_burst_done()
 * after it (expires flows at clock_ns, hands the events to the output,
 * publishes the counters now and then), worker_leave() at the end (ends every
 * flow, publishes the final counters). */
void worker_enter(struct worker *w);
void worker_burst_done(struct worker *w, uint64_t clock_ns);
void worker_leave(struct worker *w);
void worker_set_thread_name(const struct worker *w);
int worker_id(const struct worker *w);
/* The rings of full batches into the worker and of empty ones back. */
struct ring *worker_in(const struct worker *w);
struct ring *worker_back(const struct worker *w);

/* The pipeline for one packet (exposed for tests and fuzzing). */
void worker_process(struct worker *w, const struct packet *p);
/* Ends all flows and writes out pending events. */
void worker_finish(struct worker *w);
/* Sends buffered events to the output. */
void worker_emit_flush(struct worker *w);

#endif
