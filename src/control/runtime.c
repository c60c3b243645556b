/* runtime.c - the running sensor as one object: built by runtime_start(),
 * run by runtime_run(), stopped by runtime_stop(), freed by runtime_destroy().
 *
 * What a struct runtime owns: the capture (the files of -r, or the live
 * handles of -i, with the threads capture_live runs the workers in), the
 * pidfile once written, the output sinks (and with them the Kafka thread),
 * the workers and, offline, their threads, the asset inventory, the intel
 * feed and its thread, and `sh`: the enrichment sources, the indicators and
 * the ruleset the workers share, which a reload or a feed update replaces
 * (the runtime holds the current ones; publish() frees the old ones).
 *
 * Start-up order (runtime_start). Every input is opened and checked before
 * any thread starts, so bad input fails with exit status 1 and no
 * half-written output:
 *   1. the capture: the files, or the live handles, which need privileges
 *      (live: from here on SIGTERM/SIGINT mean "stop cleanly");
 *   2. the pidfile (the run directory is usually root's), then the
 *      privilege drop (run-as.*): the rest is opened as the unprivileged
 *      user, as a SIGHUP will reopen it;
 *   3. the enrichment sources, the indicators;
 *   4. the output, which may start the Kafka thread: threads started from
 *      here on block SIGHUP, SIGTERM and SIGINT, so that only the main
 *      thread takes them; then the ruleset;
 *   5. the workers, the asset inventory, the shared set handed to them;
 *   6. the intel feed's thread, then the worker threads (offline, the
 *      reader's hook is set first; live, capture_live_start); the signals
 *      are unblocked.
 * Each failure is one `goto fail` to runtime_destroy(), which takes the
 * runtime in whatever state start-up left it: every pointer may be NULL,
 * and each thread is joined once, by whoever knows it started.
 *
 * Teardown order. runtime_stop(): the worker threads are told to end
 * (offline, the reader's end batches, sent when capture_file_run() is done;
 * live, capture_live_stop(): they drain what the kernel still holds and
 * end their flows), the feed is stopped while they still catch up with
 * epochs (its publish() waits on them), they are joined; then the final
 * stats event, from the counters they published at their end.
 * runtime_destroy(): the workers first, although they were made before the
 * assets, because ending their last flows uses everything else (assets,
 * indicators, enrichment, rules, output); then the assets (state file
 * saved), the indicators, the capture, the enrichment, the ruleset; the
 * output last, since everything above wrote into it (Kafka flushed, what
 * is left spooled, its thread joined); then the pidfile.
 * A start that fails after the feed started but before every worker had a
 * thread: the threads that run are ended and joined as above (offline,
 * worker_stop() sends each its end batch), the workers that never ran are marked gone with worker_leave() so that a feed update in flight
 * stops waiting for them, and only then is the feed stopped.
 *
 * Threads. The main thread runs all of this. Offline it is also the reader:
 * capture_file_run() calls between_packets() in it, where periodic stats and
 * reloads happen; live, runtime_run() sleeps and does them. Two other
 * threads come in: the feed thread runs apply_feed(), and the workers read
 * `sh` through its atomics only (RCU-style, see worker.h). A reload and a
 * feed update both replace the shared set: swap_mu makes them take turns
 * and guards `updates`. Everything else in a runtime is the main thread's;
 * the workers array is fixed from before the feed starts until after it
 * stops. The signal handlers only set the two flags below. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "taishi/capture/capture.h"
#include "taishi/config/config.h"
#include "taishi/control/service.h"
#include "taishi/core/jw.h"
#include "taishi/core/util.h"
#include "taishi/detect/detect_load.h"
#include "taishi/enrich/assets.h"
#include "taishi/enrich/enrich.h"
#include "taishi/enrich/intel.h"
#include "taishi/enrich/intel_feed.h"
#include "taishi/output/output.h"
#include "taishi/pipeline/stats.h"
#include "taishi/pipeline/worker.h"
#include "metrics.h"
#include "runtime_internal.h"

#define STATS_BUF 32768
#define METRICS_EVERY_NS 200000000ULL       /* the metrics text is rendered 5 times a second */

struct runtime {
    const struct config *cfg;
    char *const *sfiles;                    /* -S files: a reload loads them again */
    int nsfiles;
    int nifaces;
    int nw;                                 /* workers */
    /* What start-up built, in its order; NULL or 0 until then. */
    struct capture_file *cap;               /* offline, or: */
    struct capture_live *live;
    int pidfile;                            /* written: removed at the end */
    struct output *out;
    struct worker **w;                      /* nw of them, NULL until created */
    struct asset_inventory *inv;
    struct shared sh;                       /* enrich, intel, detect: current ones */
    int has_rules;                          /* a ruleset was loaded at start: reload it */
    struct intel_feed *feed;
    /* The threads. */
    int sigs_blocked;                       /* handled signals blocked for new threads */
    int nstarted;                           /* offline: worker threads started, not joined */
    int all_started;                        /* every worker has (or had) its thread */
    int ended;                              /* offline: the started workers got end batches */
    int stopped;                            /* runtime_stop() done */
    /* Reloads (main thread) and feed updates (feed thread), in turns. */
    pthread_mutex_t swap_mu;                /* a SIGHUP reload and a feed update, one at a time */
    char **updates;                         /* the intel feed's updates so far (strings owned by the feed) */
    size_t nupdates;
    /* Stats (main thread). */
    uint64_t last_stats_ns, calls;
    uint64_t last_flush_ns;                 /* the output file's last fflush (periodic_stats) */
    char sbuf[STATS_BUF];                   /* the stats event being written */
    struct stats_totals *tot;               /* summed counters: stats event, summary, metrics */
    uint64_t reloads, reload_failures;      /* rule reloads done, refused */
    /* Metrics (metrics.listen): rendered here, served by the HTTP thread. */
    struct metrics *metrics;
    char *mbuf;
    size_t mbuf_len;
    uint64_t last_metrics_ns;
    char *const *ifaces;
};

/* Set by the handlers, read by the main thread. Atomic (lock-free, so
 * async-signal-safe) because a handler may run on whichever thread the
 * kernel picks; the handled signals are also blocked in every other thread
 * (threads_start_begin/end), so in practice it is the main one, whose sleep
 * the signal then cuts short. */
static _Atomic int reload_requested, stop_requested;

static void on_sighup(int sig)
{
    (void)sig;
    atomic_store(&reload_requested, 1);
}

static void on_stop(int sig)
{
    (void)sig;
    atomic_store(&stop_requested, 1);
}

void runtime_catch_sighup(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sighup;
    sa.sa_flags = SA_RESTART;               /* a read of stdin must not fail with EINTR */
    sigaction(SIGHUP, &sa, NULL);
}

/* Live: SIGTERM/SIGINT mean "stop cleanly", even during start-up. */
static void catch_stop(void)
{
    struct sigaction st;

    memset(&st, 0, sizeof(st));
    st.sa_handler = on_stop;
    sigaction(SIGTERM, &st, NULL);
    sigaction(SIGINT, &st, NULL);
}

/* Threads started between these two inherit a mask that blocks SIGHUP,
 * SIGTERM and SIGINT, so only the main thread takes them; a signal that
 * arrives meanwhile waits and is taken at the end. */
static void handled_signals(sigset_t *s)
{
    sigemptyset(s);
    sigaddset(s, SIGHUP);
    sigaddset(s, SIGTERM);
    sigaddset(s, SIGINT);
}

static void threads_start_begin(struct runtime *rt)
{
    sigset_t s;

    handled_signals(&s);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    rt->sigs_blocked = 1;
}

static void threads_start_end(struct runtime *rt)
{
    sigset_t s;

    if (!rt->sigs_blocked)
        return;
    handled_signals(&s);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    rt->sigs_blocked = 0;
}

/* Puts new shared objects in place (NULL = keep that one) and frees the old
 * ones once no worker can still be using them. */
static void publish(struct runtime *rt, struct enrich *en, struct intel *in,
                    struct detect_engine *de)
{
    struct enrich *old_en = en ? atomic_exchange(&rt->sh.enrich, en) : NULL;
    struct intel *old_in = in ? atomic_exchange(&rt->sh.intel, in) : NULL;
    struct detect_engine *old_de = de ? atomic_exchange(&rt->sh.detect, de) : NULL;
    uint64_t e = atomic_fetch_add(&rt->sh.epoch, 1) + 1;
    worker_wait_epoch(rt->w, rt->nw, e);    /* nobody uses the old ones any more */
    enrich_close(old_en);
    intel_close(old_in);
    detect_engine_unref(old_de);            /* flows still on it hold their own references */
    /* A ruleset is ~100 MB of small allocations: give what the old one
     * leaves behind back to the system, or RSS ratchets up with each reload. */
    malloc_trim(0);
}

/* Called by the intel feed thread with every update received so far. */
static void apply_feed(void *arg, char *const *ups, size_t n)
{
    struct runtime *rt = arg;
    char err[CONFIG_ERR_MAX];

    pthread_mutex_lock(&rt->swap_mu);
    rt->updates = xreallocarray(rt->updates, n ? n : 1, sizeof(char *));
    memcpy(rt->updates, ups, n * sizeof(char *));
    rt->nupdates = n;
    struct intel *in = intel_open_with(rt->cfg, rt->updates, n, err, sizeof(err));
    if (in) {
        publish(rt, NULL, in, NULL);
        LOG(LVL_NOTICE, "intel feed: %zu indicators after %zu updates", intel_count(in), n);
    } else {
        LOG(LVL_ERROR, "intel feed: cannot rebuild the indicators: %s", err);
    }
    pthread_mutex_unlock(&rt->swap_mu);
}

/* Sums every counter into rt->tot, from what each worker last published. */
static void collect(struct runtime *rt)
{
    struct capture_totals ct;
    struct stats_rules rules;
    struct detect_engine *de = atomic_load(&rt->sh.detect);

    if (rt->live)
        capture_live_totals(rt->live, &ct);
    else
        capture_file_totals(rt->cap, &ct);
    memset(&rules, 0, sizeof(rules));
    if (de) {
        const struct ruleset *rs = detect_engine_ruleset(de);
        rules.loaded = 1;
        memcpy(rules.sha256, rs->sha256, sizeof(rules.sha256));
        rules.rules = rs->loaded;
        rules.loaded_at_ns = rs->loaded_at_ns;
    }
    rules.reloads = rt->reloads;
    rules.reload_failures = rt->reload_failures;
    stats_collect(rt->tot, &ct, rt->w, rt->nw, rt->out, rt->inv, &rules);
}

/* The metrics text of the current totals, handed to the HTTP thread. */
static void publish_metrics(struct runtime *rt)
{
    size_t n;

    if (!rt->metrics)
        return;
    collect(rt);
    while (!(n = stats_prometheus(rt->mbuf, rt->mbuf_len, rt->tot, (const char *const *)rt->ifaces,
                                  rt->nifaces))) {
        rt->mbuf_len *= 2;                  /* more signatures or countries than before */
        rt->mbuf = xreallocarray(rt->mbuf, rt->mbuf_len, 1);
    }
    metrics_publish(rt->metrics, rt->mbuf, n);
    rt->last_metrics_ns = util_mono_ns();
}

static void periodic_metrics(struct runtime *rt)
{
    if (rt->metrics && util_mono_ns() - rt->last_metrics_ns >= METRICS_EVERY_NS)
        publish_metrics(rt);
}

/* The stats event, from the counters each worker last published. */
static void write_stats(struct runtime *rt)
{
    struct jw sj;

    if (!(rt->cfg->events_mask & (1u << ET_STATS)))
        return;
    collect(rt);
    jw_init(&sj, rt->sbuf, sizeof(rt->sbuf));
    stats_write_event(&sj, rt->cfg, rt->tot);
    if (jw_end(&sj) == 0) {
        struct out_event ev = { 0, (uint32_t)sj.len, ET_STATS, 0 };
        output_write_events(rt->out, rt->sbuf, &ev, 1);
    }
}

static void periodic_stats(struct runtime *rt)
{
    uint64_t now = util_mono_ns();

    /* Events reach the file within a second however slow the traffic (a
     * quiet link, an idle `-r -` pipe): the stdio buffer would keep them
     * until it fills, as Suricata's eve.json does not. */
    if (now - rt->last_flush_ns >= 1000000000ULL) {
        rt->last_flush_ns = now;
        output_flush(rt->out);
    }

    if (rt->cfg->stats_interval &&
        now - rt->last_stats_ns >= (uint64_t)rt->cfg->stats_interval * 1000000000ULL) {
        rt->last_stats_ns = now;
        write_stats(rt);
    }
}

/* SIGHUP: the output file is reopened (logrotate); the enrichment sources,
 * the indicators and the rules are loaded again beside the old ones, which
 * stay if anything fails to load. */
void runtime_reload(struct runtime *rt)
{
    char err[CONFIG_ERR_MAX];

    if (!atomic_exchange(&reload_requested, 0))
        return;
    if (output_reopen(rt->out) == 0)
        LOG(LVL_NOTICE, "output file reopened");
    pthread_mutex_lock(&rt->swap_mu);
    struct enrich *en = enrich_open(rt->cfg, err, sizeof(err));
    struct intel *in = en ? intel_open_with(rt->cfg, rt->updates, rt->nupdates, err, sizeof(err)) : NULL;
    /* The new ruleset is compiled beside the old one, which keeps running. */
    struct detect_engine *de = en && in && rt->has_rules ?
                               detect_load(rt->cfg, rt->sfiles, rt->nsfiles, err, sizeof(err)) : NULL;
    if (!en || !in || (rt->has_rules && !de)) {
        LOG(LVL_ERROR, "reload failed, keeping what was loaded: %s", err);
        rt->reload_failures += rt->has_rules;
        enrich_close(en);
        intel_close(in);
        pthread_mutex_unlock(&rt->swap_mu);
        return;
    }
    size_t count = intel_count(in);         /* before a feed update may replace it */
    unsigned nrules = de ? detect_engine_ruleset(de)->loaded : 0;
    publish(rt, en, in, de);
    rt->reloads += de != NULL;
    pthread_mutex_unlock(&rt->swap_mu);
    LOG(LVL_NOTICE, "reloaded: %zu indicators, %u rules, enrichment sources reopened", count, nrules);
}

/* Runs in the reader thread between packets (offline): periodic stats, reloads. */
static void between_packets(void *arg, int idle)
{
    struct runtime *rt = arg;

    if (idle || ++rt->calls % 64 == 0) {    /* the clock, not every packet */
        periodic_stats(rt);
        periodic_metrics(rt);
    }
    runtime_reload(rt);
}

int runtime_start(const struct config *cfg, const struct runtime_inputs *in, struct runtime **rtp)
{
    struct runtime *rt = xcalloc(1, sizeof(*rt));
    char err[CONFIG_ERR_MAX];
    const char *what = "";                  /* what err is about, for the message */
    int rc = RUNTIME_EINPUT;
    struct enrich *en;
    struct intel *intel;
    struct detect_engine *de;

    *rtp = NULL;
    rt->cfg = cfg;
    rt->sfiles = in->sfiles;
    rt->nsfiles = in->nsfiles;
    rt->nifaces = in->nifaces;
    rt->ifaces = in->ifaces;
    pthread_mutex_init(&rt->swap_mu, NULL);
    rt->nw = cfg->workers ? (int)cfg->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (rt->nw < 1)
        rt->nw = 1;

    if (in->nifaces) {
        catch_stop();
        rt->live = capture_live_open(cfg, in->ifaces, in->nifaces, rt->nw, err, sizeof(err));
    } else {
        rt->cap = capture_file_open(cfg, in->reads, in->nreads, err, sizeof(err));
    }
    if (!rt->cap && !rt->live)
        goto fail;
    if (cfg->pidfile[0]) {
        if (service_write_pidfile(cfg->pidfile, err, sizeof(err)) < 0)
            goto fail;
        rt->pidfile = 1;
    }
    if (service_drop_privileges(cfg, rt->live != NULL, err, sizeof(err)) < 0)
        goto fail;
    if (!(en = enrich_open(cfg, err, sizeof(err))))
        goto fail;
    atomic_store(&rt->sh.enrich, en);
    if (!(intel = intel_open(cfg, err, sizeof(err))))
        goto fail;
    atomic_store(&rt->sh.intel, intel);
    threads_start_begin(rt);                /* the output may start the Kafka thread */
    if (!(rt->out = output_open(cfg, err, sizeof(err))))
        goto fail;
    if (cfg->metrics_listen[0] && !(rt->metrics = metrics_start(cfg->metrics_listen, err, sizeof(err)))) {
        what = "metrics.listen: ";
        goto fail;
    }
    de = detect_load(cfg, rt->sfiles, rt->nsfiles, err, sizeof(err));
    if (!de && err[0]) {
        what = "rules: ";
        goto fail;
    }
    atomic_store(&rt->sh.detect, de);
    rt->has_rules = de != NULL;

    rt->w = xcalloc((size_t)rt->nw, sizeof(*rt->w));
    for (int i = 0; i < rt->nw; i++) {
        rt->w[i] = worker_create(i, cfg, rt->out, en, cfg->flow_memcap / (uint64_t)rt->nw);
        if (!rt->w[i]) {
            snprintf(err, sizeof(err), "cannot initialise a worker (nDPI, or libmagic for files.magic: see the log)");
            rc = RUNTIME_EFAIL;
            goto fail;
        }
    }
    rt->inv = assets_open(cfg, err, sizeof(err));
    rt->tot = stats_totals_new(rt->nw);
    if (rt->metrics) {
        rt->mbuf_len = 65536;
        rt->mbuf = xmalloc(rt->mbuf_len);
        publish_metrics(rt);                /* zeros, before any packet */
    }
    for (int i = 0; i < rt->nw; i++) {
        worker_set_detect(rt->w[i], de, cfg->stream_memcap / (uint64_t)rt->nw);
        worker_set_assets(rt->w[i], rt->inv);
        worker_set_shared(rt->w[i], &rt->sh);
    }
    rt->last_stats_ns = util_mono_ns();
    if (cfg->intel_kafka_topic[0]) {
        if (!cfg->kafka_brokers[0])
            LOG(LVL_WARNING, "intel.kafka-topic is set but outputs.kafka.brokers is not: no live indicators");
        else if (!(rt->feed = intel_feed_start(cfg, apply_feed, rt, err, sizeof(err))))
            LOG(LVL_ERROR, "%s", err);
    }

    if (rt->live) {
        if (capture_live_start(rt->live, rt->w) < 0)
            goto fail_threads;
    } else {
        capture_file_set_hook(rt->cap, between_packets, rt);
        for (; rt->nstarted < rt->nw; rt->nstarted++)
            if (worker_start(rt->w[rt->nstarted]) < 0)
                goto fail_threads;
    }
    rt->all_started = 1;
    threads_start_end(rt);
    if (rt->live)
        LOG(LVL_NOTICE, "capturing on %d interface%s with %d worker%s", rt->nifaces,
            rt->nifaces > 1 ? "s" : "", rt->nw, rt->nw > 1 ? "s" : "");
    *rtp = rt;
    return 0;

fail_threads:
    snprintf(err, sizeof(err), "cannot start worker threads");
    rc = RUNTIME_EFAIL;
fail:
    fprintf(stderr, "taishi: %s%s\n", what, err);
    runtime_destroy(rt);
    return rc;
}

int runtime_run(struct runtime *rt)
{
    if (!rt->live) {
        int r = capture_file_run(rt->cap, rt->w, rt->nw);
        rt->ended = 1;                      /* each worker got its end batch */
        return r < 0 ? RUNTIME_EINPUT : 0;
    }
    while (!atomic_load(&stop_requested)) {
        struct timespec ts = { 0, 100000000L };
        nanosleep(&ts, NULL);               /* a signal cuts it short */
        periodic_stats(rt);
        periodic_metrics(rt);
        runtime_reload(rt);
    }
    return 0;
}

/* Offline, a worker thread ends on the end batch the reader sends after the
 * last file. When the reader never ran (a start that failed part-way), each
 * started worker is sent its end batch here. */
static void end_workers(struct runtime *rt)
{
    for (int i = 0; i < rt->nstarted; i++)
        worker_stop(rt->w[i]);
    rt->ended = 1;
}

/* Ends and joins the worker threads and the feed, each once; may be called
 * again (it then does nothing) and on a runtime start-up left half-built. */
static void stop_threads(struct runtime *rt)
{
    if (rt->live)
        capture_live_stop(rt->live);        /* they drain the kernel, end their flows, leave */
    else if (rt->nstarted && !rt->ended)
        end_workers(rt);
    if (rt->all_started) {
        intel_feed_stop(rt->feed);          /* before the workers go: it waits on their epochs */
        rt->feed = NULL;
    }
    if (rt->live)
        capture_live_join(rt->live);
    for (int i = 0; i < rt->nstarted; i++)
        worker_join(rt->w[i]);
    if (rt->feed) {
        /* Some workers never had a thread: marked gone, so that a feed
         * update does not wait for their epoch forever. Live, which ones is
         * capture_live's to know: all are marked, and one whose thread ran
         * has left already (a second worker_leave() ends nothing). */
        for (int i = rt->live ? 0 : rt->nstarted; i < rt->nw; i++)
            if (rt->w[i])
                worker_leave(rt->w[i]);
        intel_feed_stop(rt->feed);
        rt->feed = NULL;
    }
    rt->nstarted = 0;
}

void runtime_stop(struct runtime *rt)
{
    if (rt->stopped)
        return;
    if (rt->live)
        LOG(LVL_NOTICE, "stopping: draining the capture, ending the flows");
    stop_threads(rt);
    write_stats(rt);                        /* the final one: workers published at their end */
    publish_metrics(rt);                    /* the same counters, until the server stops */
    if (rt->cfg->summary == SUMMARY_YES ||
        (rt->cfg->summary == SUMMARY_AUTO && !rt->live && isatty(STDERR_FILENO))) {
        collect(rt);
        stats_summary(stderr, rt->tot);
    }
    rt->stopped = 1;
}

int runtime_destroy(struct runtime *rt)
{
    if (!rt)
        return 0;
    stop_threads(rt);                       /* what runtime_stop() did not */
    for (int i = 0; rt->w && i < rt->nw; i++)
        worker_destroy(rt->w[i]);           /* ends their last flows: uses all below */
    free(rt->w);
    assets_close(rt->inv);
    intel_close(atomic_load(&rt->sh.intel));    /* what a reload may have put in place */
    capture_file_close(rt->cap);
    capture_live_close(rt->live);
    enrich_close(atomic_load(&rt->sh.enrich));
    detect_engine_unref(atomic_load(&rt->sh.detect));
    free(rt->updates);
    metrics_stop(rt->metrics);              /* joins the HTTP thread */
    free(rt->mbuf);
    stats_totals_free(rt->tot);
    pthread_mutex_destroy(&rt->swap_mu);
    int rc = output_close(rt->out) < 0 ? -1 : 0;
    if (rc < 0)
        fprintf(stderr, "taishi: writing events failed: the output is incomplete\n");
    if (rt->pidfile)
        service_remove_pidfile(rt->cfg->pidfile);
    if (rt->live && rt->stopped)
        LOG(LVL_NOTICE, "stopped");
    threads_start_end(rt);                  /* a start that failed with them blocked */
    free(rt);
    return rc;
}
