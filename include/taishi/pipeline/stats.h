/* stats.h - counters summed across the reader and the workers, and the
 * `stats` event. Each thread counts in its own struct with plain (non-atomic)
 * increments; the sum is taken after the threads are joined (offline) so no
 * counter is ever shared on the fast path. */
#ifndef TAISHI_STATS_H
#define TAISHI_STATS_H

#include <stdio.h>

#include "taishi/core/jw.h"
#include "taishi/decode/decode.h"
#include "taishi/decode/defrag.h"
#include "taishi/enrich/assets.h"
#include "taishi/output/output.h"
#include "taishi/pipeline/worker.h"

#define STATS_IFACES_MAX 16

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
    /* live, per interface (the -i order; the first STATS_IFACES_MAX): for the metrics */
    uint64_t if_packets[STATS_IFACES_MAX], if_bytes[STATS_IFACES_MAX];
    uint64_t if_kernel_drops[STATS_IFACES_MAX], if_interface_drops[STATS_IFACES_MAX];
};

/* Everything the capture side counts, for the stats event. */
struct capture_totals {
    struct capture_stats cap;
    struct decode_stats dec;
    struct defrag_stats frag;
};

struct output;
struct asset_inventory;

/* The loaded ruleset, as the control side knows it (reloads are its own). */
struct stats_rules {
    int loaded;                 /* 0: no rules in use */
    char sha256[65];
    uint64_t rules;             /* rules loaded */
    uint64_t loaded_at_ns;      /* wall clock of the load in use */
    uint64_t reloads, reload_failures;
};

#define STATS_TOP 10
struct stats_proto {
    char name[64];
    uint64_t bytes, flows;
};
struct stats_risk {
    const char *name;           /* nDPI's risk name (static), "cross-border", or a
                                 * parser's (app_risk_name()) */
    uint64_t count;
};

/* Everything the stats event, the run summary and the metrics say, summed
 * once from what each worker last published (worker_snapshot) and what the
 * capture side counts. Made by stats_totals_new() for n workers, filled by
 * stats_collect(); one thread at a time (the control side's main thread). */
struct stats_totals {
    struct capture_totals ct;
    struct flow_stats fs;
    struct dpi_stats dp;
    struct stream_stats ss;
    struct detect_stats dts;
    struct app_stats as;
    struct files_stats fis;     /* the file tracker's counters, summed */
    struct worker_stats ws;     /* the workers' counters summed (events, alerts, mix, ...) */
    int nworkers;
    struct worker_snapshot *sn; /* each worker's, as published */
    int has_kafka;
    struct kafka_stats ks;
    int has_assets;
    struct asset_stats ast;
    struct stats_rules rules;
    /* the tops, largest first */
    int nproto;
    struct stats_proto proto[STATS_TOP];
    int ntalkers;
    struct talker talkers[STATS_TOP];
    int nsigs;                  /* signatures by alerts (the workers' summaries merged) */
    struct worker_sig *sigs;
    int nrisks;
    struct stats_risk risks[WORKER_RISK_BITS + 1 + APP_RISKS_MAX];
    int nxb;                    /* cross-border flows by country */
    struct worker_country *xb;
    struct talker *talk_all;    /* scratch: every worker's talkers */
};

struct stats_totals *stats_totals_new(int nworkers);
void stats_totals_free(struct stats_totals *t);
/* Sums the counters; out, inv and rules may be NULL (not there). */
void stats_collect(struct stats_totals *t, const struct capture_totals *ct,
                   struct worker **workers, int nworkers, const struct output *out,
                   struct asset_inventory *inv, const struct stats_rules *rules);
/* The `stats` event of collected totals. */
void stats_write_event(struct jw *w, const struct config *cfg, const struct stats_totals *t);

/* What taishi is and the libraries it runs with: the version and git commit
 * it was built from, and each library's version as the loaded library
 * reports it, gathered from the stage that owns the library (dpi: nDPI,
 * detect: Hyperscan or Vectorscan and PCRE2, output: librdkafka, enrich:
 * libmaxminddb). The strings are static; pcre2 is a copy. For --version
 * and the `stats` event's "version" object. */
struct stats_versions {
    const char *taishi, *commit;
    const char *ndpi, *hs, *hs_engine, *rdkafka, *maxminddb;
    char pcre2[32];
};
void stats_versions(struct stats_versions *v);
/* The "version" object of the stats event: {"taishi", "commit", "ndpi", "hs",
 * "hs_engine", "rdkafka", "maxminddb", "pcre2"}. */
void stats_write_versions(struct jw *w, const struct stats_versions *v);

/* stats_summary.c: the run summary, a short human table (--summary). */
void stats_summary(FILE *f, const struct stats_totals *t);
/* stats_prom.c: the totals in Prometheus' text exposition format (0.0.4),
 * names taishi_*; ifaces names the live interfaces (nifaces 0: files).
 * Returns the length written, or 0 when buf is too small. */
size_t stats_prometheus(char *buf, size_t len, const struct stats_totals *t,
                        const char *const *ifaces, int nifaces);

#endif
