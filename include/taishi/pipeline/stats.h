/* stats.h - counters summed across the reader and the workers, and the
 * `stats` event. Each thread counts in its own struct with plain (non-atomic)
 * increments; the sum is taken after the threads are joined (offline) so no
 * counter is ever shared on the fast path. */
#ifndef TAISHI_STATS_H
#define TAISHI_STATS_H

#include "taishi/core/jw.h"
#include "taishi/decode/decode.h"
#include "taishi/decode/defrag.h"
#include "taishi/pipeline/worker.h"

/* What the capture side counts (capture/), for the stats event. */
struct capture_stats {
    uint64_t files, packets, bytes, read_errors, oversized;
    uint64_t last_ts_ns;        /* packet clock at the end */
    uint64_t reader_waits;      /* times the reader waited for a worker (backpressure) */
    /* live capture only (zero offline): */
    uint64_t interfaces;        /* -i given this many */
    uint64_t kernel_drops;      /* the kernel ring was full (PACKET_STATISTICS tp_drops) */
    uint64_t interface_drops;   /* dropped by the interface/driver, as libpcap reports it */
    uint64_t internal_drops;    /* captured but not processed by taishi */
    uint64_t interface_errors;  /* times an interface was lost (down, removed) */
    uint64_t reconnects;        /* times a lost interface was opened again */
};

/* Everything the capture side counts, for the stats event. */
struct capture_totals {
    struct capture_stats cap;
    struct decode_stats dec;
    struct defrag_stats frag;
};

struct output;
struct asset_inventory;
void stats_write_event(struct jw *w, const struct config *cfg, const struct capture_totals *ct,
                       struct worker **workers, int nworkers, const struct output *out,
                       struct asset_inventory *inv);

#endif
