/* worker_internal.h - the body of struct worker and what the pipeline's
 * files share: worker.c (the thread and the per-packet sequence),
 * worker_l7.c (layer 7 of a flow), worker_emit.c (the event buffer) and
 * stats.c. Not part of the worker's public interface (worker.h); the tests
 * and fuzz targets that drive a worker by hand include it too. */
#ifndef TAISHI_WORKER_INTERNAL_H
#define TAISHI_WORKER_INTERNAL_H

#include <pthread.h>

#include "taishi/pipeline/worker.h"

struct worker {
    int id;
    const struct config *cfg;
    struct output *out;
    struct flow_table *flows;
    struct dpi *dpi;
    struct detect_thread *dt;           /* NULL: no rules loaded */
    struct detect_engine *cur_detect;   /* the shared engine last caught up with */
    struct stream_ctx sc;               /* TCP reassembly limits and counters */
    struct app_limits al;               /* app-layer parser caps */
    struct app_stats as;                /* app-layer counters */
    struct ring *in, *back;
    struct batch *batches[WORKER_BATCHES];
    pthread_t thread;
    struct jw jw;
    char *jbuf;
    struct out_event *ev;       /* one per event in jbuf: type and key for the sinks */
    size_t nev;
    struct worker_stats st;
    const struct enrich *enrich;        /* shared, read-only; NULL = no enrichment */
    struct enrich_cache *ec;            /* this worker's cache of enrich answers */
    struct event_ctx ectx;              /* cfg, dpi and ec, as the event builders take them */
    struct asset_inventory *assets;     /* shared service inventory; NULL = no asset events */
    const struct intel *intel;          /* shared, read-only indicators; NULL = none */
    int files_rules;                    /* rules on files: 0 none, 1 file.data only, 2 more */
    int ends_read;                      /* something reads what flows leave at their end (their
                                         * verdict, the protocol mix, the top talkers):
                                         * worker.c ends_read_update */
    struct shared *sh;                  /* NULL: enrich/intel fixed at creation (tests, fuzzing) */
    _Atomic uint64_t seen_epoch;        /* the shared epoch this worker has caught up with */
    pthread_mutex_t pub_mu;             /* guards pub: the only counters others may read */
    struct worker_snapshot pub;
    uint64_t pub_ns;                    /* monotonic time of the last publication */
    uint64_t anomaly_sec;       /* packet-time second of the anomaly rate limit */
    uint32_t anomaly_count;
};

static inline int worker_wants(const struct worker *w, enum event_type t)
{
    return (w->cfg->events_mask >> t) & 1;
}

/* worker_emit.c: ends the event being written in w->jw and notes its type
 * and key; hands full chunks to the output. */
void worker_emit_event(struct worker *w, enum event_type t, uint64_t key);
/* worker_l7.c */
/* Builds the nDPI -> rule protocol and parser index once per process. */
void worker_l7_init(void);
void worker_l7_packet(struct worker *w, struct flow *f, const struct packet *p, int to_server);
/* The flow's last bytes through layer 7, and its state freed; returns what
 * the parsers learned for the asset event (NULL: nothing), the caller's to free. */
struct asset_facts *worker_l7_end(struct worker *w, struct flow *f);
/* After a rule reload: moves every flow's detect state to the new ruleset
 * at once, so the old one is freed now, not when its last flow ends. */
void worker_l7_migrate_all(struct worker *w);

#endif
