/* main.c - command line, start-up and shutdown order.
 *
 * Start-up: defaults -> YAML (-c) -> --set (in order) -> command-line
 * options; then every input is opened and checked before any thread starts,
 * so bad input fails with exit status 1 and no half-written output. The
 * capture (files, or live handles, which need privileges) is opened first,
 * then the pidfile is written and privileges are dropped (run-as.*), then
 * the rest is opened as the unprivileged user.
 * Run, offline (-r): the main thread becomes the capture reader; workers run
 * the pipeline. Live (-i): each worker thread reads its own capture handles
 * (capture_live.c); the main thread only handles signals, periodic stats and
 * reloads.
 * Shutdown: offline, the reader sends each worker an end batch; live,
 * SIGTERM/SIGINT tells the workers to take what the kernel still holds and
 * stop. Workers end all their flows and flush; main joins them, writes the
 * final `stats` event and closes the output (Kafka: flushed, the rest
 * spooled).
 *
 * Exit status: 0 success, 1 bad input (arguments, config, capture files),
 * 2 runtime failure (output could not be written). */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taishi/enrich/assets.h"
#include "taishi/capture/capture.h"
#include "taishi/flow/community_id.h"
#include "taishi/config/config.h"
#include "taishi/detect/detect_load.h"
#include "taishi/enrich/enrich.h"
#include "taishi/enrich/intel.h"
#include "taishi/enrich/intel_feed.h"
#include "taishi/core/jw.h"
#include "taishi/output/output.h"
#include "taishi/core/ring.h"
#include "taishi/control/service.h"
#include "taishi/pipeline/stats.h"
#include "taishi/core/util.h"
#include "taishi/pipeline/worker.h"

#ifndef TAISHI_VERSION
#define TAISHI_VERSION "0.1.0-dev"
#endif

static void usage(FILE *f)
{
    fprintf(f,
        "usage: taishi -r FILE [-r FILE ...] [options]\n"
        "       taishi -i IFACE [-i IFACE ...] [options]\n"
        "  -r FILE          replay a pcap/pcapng file (\"-\" = stdin); repeatable, read in order\n"
        "  -i IFACE         live capture on IFACE (a mirror port); repeatable; stop with SIGTERM\n"
        "  -c, --config FILE  YAML configuration (default: built-in, see --dump-config)\n"
        "  -o PATH          write JSON events to PATH (\"-\" = stdout, the default)\n"
        "  -w N             worker threads (default: online CPUs)\n"
        "  --events LIST    event types to write, e.g. flow,anomaly (default: all)\n"
        "  --set KEY=VALUE  override one configuration key (repeatable)\n"
        "  --dump-config    print the effective configuration as YAML and exit\n"
        "  --selftest       run the built-in self-tests and exit\n"
        "  --version, --help\n"
        "  --kafka BROKERS  send events to Kafka (host:port,...), as outputs.kafka.brokers\n"
        "  -S FILE          load rules from FILE (repeatable; replaces rules.files)\n"
        "  --check-rules    load and compile the rules, print each problem and a summary\n");
}

static int selftest(void)
{
    static const struct { const char *name; int (*fn)(void); } tests[] = {
        { "util", util_selftest }, { "ring", ring_selftest },
        { "community_id", community_id_selftest }, { "jw", jw_selftest },
        { "config", config_selftest },
    };
    int failed = 0;

    for (size_t i = 0; i < ARRAY_SIZE(tests); i++) {
        int r = tests[i].fn();
        printf("selftest %-14s %s\n", tests[i].name, r == 0 ? "ok" : "FAILED");
        failed += r != 0;
    }
    printf("%zu passed, %d failed\n", ARRAY_SIZE(tests) - (size_t)failed, failed);
    return failed ? 1 : 0;
}

/* SIGHUP: reload the indicator lists and the enrichment sources (GeoIP
 * databases, asset map) named in the configuration. The new set is built
 * beside the old one; if anything fails to load, the old one stays. The
 * reader thread does the swap between packets (capture hook). */
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

/* Threads started between these two inherit a mask that blocks SIGHUP,
 * SIGTERM and SIGINT, so only the main thread takes them; a signal that
 * arrives meanwhile waits and is taken at the end. */
static sigset_t handled_signals;
static void threads_start_begin(void)
{
    sigemptyset(&handled_signals);
    sigaddset(&handled_signals, SIGHUP);
    sigaddset(&handled_signals, SIGTERM);
    sigaddset(&handled_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &handled_signals, NULL);
}

static void threads_start_end(void)
{
    pthread_sigmask(SIG_UNBLOCK, &handled_signals, NULL);
}

struct reload_ctx {
    const struct config *cfg;
    struct shared *sh;
    struct worker **w;
    int n;
    struct capture_file *cap;               /* offline, or: */
    struct capture_live *live;
    struct output *out;
    struct asset_inventory *inv;
    uint64_t last_stats_ns, calls;
    pthread_mutex_t swap_mu;                /* a SIGHUP reload and a feed update, one at a time */
    char **updates;                         /* the intel feed's updates so far (strings owned by the feed) */
    char **sfiles;                          /* -S files */
    int nsfiles;
    int has_rules;                          /* a ruleset was loaded at start: reload it */
    size_t nupdates;
};

/* Puts new shared objects in place (NULL = keep that one) and frees the old
 * ones once no worker can still be using them. */
static void publish(struct reload_ctx *r, struct enrich *en, struct intel *in,
                    struct detect_engine *de)
{
    struct enrich *old_en = en ? atomic_exchange(&r->sh->enrich, en) : NULL;
    struct intel *old_in = in ? atomic_exchange(&r->sh->intel, in) : NULL;
    struct detect_engine *old_de = de ? atomic_exchange(&r->sh->detect, de) : NULL;
    uint64_t e = atomic_fetch_add(&r->sh->epoch, 1) + 1;
    worker_wait_epoch(r->w, r->n, e);       /* nobody uses the old ones any more */
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
    struct reload_ctx *r = arg;
    char err[CONFIG_ERR_MAX];

    pthread_mutex_lock(&r->swap_mu);
    r->updates = xreallocarray(r->updates, n ? n : 1, sizeof(char *));
    memcpy(r->updates, ups, n * sizeof(char *));
    r->nupdates = n;
    struct intel *in = intel_open_with(r->cfg, r->updates, n, err, sizeof(err));
    if (in) {
        publish(r, NULL, in, NULL);
        LOG(LVL_NOTICE, "intel feed: %zu indicators after %zu updates", intel_count(in), n);
    } else {
        LOG(LVL_ERROR, "intel feed: cannot rebuild the indicators: %s", err);
    }
    pthread_mutex_unlock(&r->swap_mu);
}

/* The stats event, from the counters each worker last published. */
static void write_stats(struct reload_ctx *r)
{
    static char sbuf[32768];
    struct jw sj;

    if (!(r->cfg->events_mask & (1u << ET_STATS)))
        return;
    struct capture_totals ct;
    if (r->live)
        capture_live_totals(r->live, &ct);
    else
        capture_file_totals(r->cap, &ct);
    jw_init(&sj, sbuf, sizeof(sbuf));
    stats_write_event(&sj, r->cfg, &ct, r->w, r->n, r->out, r->inv);
    if (jw_end(&sj) == 0) {
        struct out_event ev = { 0, (uint32_t)sj.len, ET_STATS, 0 };
        output_write_events(r->out, sbuf, &ev, 1);
    }
}

static void periodic_stats(struct reload_ctx *r)
{
    uint64_t now = util_mono_ns();

    if (r->cfg->stats_interval &&
        now - r->last_stats_ns >= (uint64_t)r->cfg->stats_interval * 1000000000ULL) {
        r->last_stats_ns = now;
        write_stats(r);
    }
}

/* SIGHUP: the output file is reopened (logrotate), indicators and
 * enrichment sources are reloaded. */
static void maybe_reload(struct reload_ctx *r)
{
    char err[CONFIG_ERR_MAX];

    if (!atomic_exchange(&reload_requested, 0))
        return;
    if (output_reopen(r->out) == 0)
        LOG(LVL_NOTICE, "output file reopened");
    pthread_mutex_lock(&r->swap_mu);
    struct enrich *en = enrich_open(r->cfg, err, sizeof(err));
    struct intel *in = en ? intel_open_with(r->cfg, r->updates, r->nupdates, err, sizeof(err)) : NULL;
    /* The new ruleset is compiled beside the old one, which keeps running. */
    struct detect_engine *de = en && in && r->has_rules ?
                               detect_load(r->cfg, r->sfiles, r->nsfiles, err, sizeof(err)) : NULL;
    if (!en || !in || (r->has_rules && !de)) {
        LOG(LVL_ERROR, "reload failed, keeping what was loaded: %s", err);
        enrich_close(en);
        intel_close(in);
        pthread_mutex_unlock(&r->swap_mu);
        return;
    }
    size_t count = intel_count(in);         /* before a feed update may replace it */
    unsigned nrules = de ? detect_engine_ruleset(de)->loaded : 0;
    publish(r, en, in, de);
    pthread_mutex_unlock(&r->swap_mu);
    LOG(LVL_NOTICE, "reloaded: %zu indicators, %u rules, enrichment sources reopened", count, nrules);
}

/* Runs in the reader thread between packets (offline): periodic stats, reloads. */
static void between_packets(void *arg)
{
    struct reload_ctx *r = arg;

    if (++r->calls % 64 == 0)               /* the clock, not every packet */
        periodic_stats(r);
    maybe_reload(r);
}

enum { OPT_EVENTS = 256, OPT_SET, OPT_DUMP, OPT_SELFTEST, OPT_VERSION, OPT_KAFKA, OPT_CHECK };

static int run(int argc, char **argv, char **reads, char **sets, char **ifaces, char **sfiles)
{
    static const struct option longopts[] = {
        { "events", required_argument, NULL, OPT_EVENTS },
        { "set", required_argument, NULL, OPT_SET },
        { "config", required_argument, NULL, 'c' },
        { "dump-config", no_argument, NULL, OPT_DUMP },
        { "selftest", no_argument, NULL, OPT_SELFTEST },
        { "version", no_argument, NULL, OPT_VERSION },
        { "help", no_argument, NULL, 'h' },
        { "kafka", required_argument, NULL, OPT_KAFKA },
        { "check-rules", no_argument, NULL, OPT_CHECK },
        { NULL, 0, NULL, 0 },
    };
    static struct config cfg;
    char err[CONFIG_ERR_MAX];
    const char *conf = NULL, *out_path = NULL, *workers = NULL, *events = NULL, *kafka = NULL;
    int nreads = 0, nsets = 0, nifaces = 0, nsfiles = 0, dump = 0, check = 0, opt;

    /* SIGHUP only sets a flag the capture hook looks at: safe to take it
     * from the very start (a HUP during a long rule compile is not fatal). */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sighup;
    sa.sa_flags = SA_RESTART;               /* a read of stdin must not fail with EINTR */
    sigaction(SIGHUP, &sa, NULL);
    config_defaults(&cfg);
    while ((opt = getopt_long(argc, argv, "r:c:o:w:S:i:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r': reads[nreads++] = optarg; break;
        case 'c': conf = optarg; break;
        case 'o': out_path = optarg; break;
        case 'w': workers = optarg; break;
        case OPT_EVENTS: events = optarg; break;
        case OPT_SET: sets[nsets++] = optarg; break;
        case OPT_DUMP: dump = 1; break;
        case OPT_SELFTEST: return selftest();
        case OPT_VERSION: printf("taishi %s\n", TAISHI_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        case OPT_KAFKA: kafka = optarg; break;
        case 'i': ifaces[nifaces++] = optarg; break;
        case 'S': sfiles[nsfiles++] = optarg; break;
        case OPT_CHECK: check = 1; break;
            return 1;
        default: usage(stderr); return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "taishi: unexpected argument '%s'\n", argv[optind]);
        return 1;
    }
    if (conf && config_load_yaml(&cfg, conf, err, sizeof(err)) < 0) {
        fprintf(stderr, "taishi: config: %s\n", err);
        return 1;
    }
    for (int i = 0; i < nsets; i++) {
        char key[256], *eq = strchr(sets[i], '=');
        if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof(key)) {
            fprintf(stderr, "taishi: --set wants KEY=VALUE, got '%s'\n", sets[i]);
            return 1;
        }
        memcpy(key, sets[i], (size_t)(eq - sets[i]));
        key[eq - sets[i]] = 0;
        if (config_set(&cfg, key, eq + 1, err, sizeof(err)) < 0) {
            fprintf(stderr, "taishi: --set: %s\n", err);
            return 1;
        }
    }
    if ((out_path && config_set(&cfg, "outputs.file.path", out_path, err, sizeof(err)) < 0) ||
        (workers && config_set(&cfg, "workers", workers, err, sizeof(err)) < 0) ||
        (events && config_set(&cfg, "outputs.events", events, err, sizeof(err)) < 0) ||
        (kafka && config_set(&cfg, "outputs.kafka.brokers", kafka, err, sizeof(err)) < 0)) {
        fprintf(stderr, "taishi: %s\n", err);
        return 1;
    }
    if (dump) {
        config_dump(&cfg, stdout);
        return 0;
    }
    util_log_level = (enum log_level)cfg.log_level;
    if (check)
        return detect_load_check_rules(&cfg, sfiles, nsfiles, stdout);
    if (nreads == 0 && nifaces == 0) {
        fprintf(stderr, "taishi: nothing to read: give -r FILE or -i IFACE\n");
        usage(stderr);
        return 1;
    }
    if (nreads && nifaces) {
        fprintf(stderr, "taishi: -r and -i cannot be used together\n");
        return 1;
    }
    if (cfg.log_syslog)
        util_log_to_syslog();
    int nw = cfg.workers ? (int)cfg.workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nw < 1)
        nw = 1;

    struct capture_file *cap = NULL;
    struct capture_live *live = NULL;
    if (nifaces) {
        /* From now on SIGTERM/SIGINT mean "stop cleanly", even during start-up. */
        struct sigaction st;
        memset(&st, 0, sizeof(st));
        st.sa_handler = on_stop;
        sigaction(SIGTERM, &st, NULL);
        sigaction(SIGINT, &st, NULL);
        live = capture_live_open(&cfg, ifaces, nifaces, nw, err, sizeof(err));
    }
    else
        cap = capture_file_open(&cfg, reads, nreads, err, sizeof(err));
    if (!cap && !live) {
        fprintf(stderr, "taishi: %s\n", err);
        return 1;
    }
    if ((cfg.pidfile[0] && service_write_pidfile(cfg.pidfile, err, sizeof(err)) < 0) ||
        service_drop_privileges(&cfg, live != NULL, err, sizeof(err)) < 0) {
        fprintf(stderr, "taishi: %s\n", err);
        capture_file_close(cap);
        capture_live_close(live);
        return 1;
    }
    struct enrich *en = enrich_open(&cfg, err, sizeof(err));
    if (!en) {
        fprintf(stderr, "taishi: %s\n", err);
        capture_file_close(cap);
        capture_live_close(live);
        return 1;
    }
    struct intel *intel = intel_open(&cfg, err, sizeof(err));
    if (!intel) {
        fprintf(stderr, "taishi: %s\n", err);
        capture_file_close(cap);
        capture_live_close(live);
        enrich_close(en);
        return 1;
    }
    threads_start_begin();                  /* the output may start the Kafka thread */
    struct output *out = output_open(&cfg, err, sizeof(err));
    if (!out) {
        fprintf(stderr, "taishi: %s\n", err);
        capture_file_close(cap);
        capture_live_close(live);
        enrich_close(en);
        intel_close(intel);
        return 1;
    }
    struct detect_engine *de = detect_load(&cfg, sfiles, nsfiles, err, sizeof(err));
    if (!de && err[0]) {
        fprintf(stderr, "taishi: rules: %s\n", err);
        capture_file_close(cap);
        capture_live_close(live);
        enrich_close(en);
        intel_close(intel);
        output_close(out);
        return 1;
    }
    struct worker **w = xcalloc((size_t)nw, sizeof(*w));
    for (int i = 0; i < nw; i++) {
        w[i] = worker_create(i, &cfg, out, en, cfg.flow_memcap / (uint64_t)nw);
        if (!w[i]) {
            fprintf(stderr, "taishi: cannot initialise nDPI\n");
            return 2;
        }
    }
    struct asset_inventory *inv = assets_open(&cfg, err, sizeof(err));
    static struct shared sh;
    atomic_store(&sh.enrich, en);
    atomic_store(&sh.intel, intel);
    atomic_store(&sh.detect, de);
    for (int i = 0; i < nw; i++) {
        worker_set_detect(w[i], de, cfg.stream_memcap / (uint64_t)nw);
        worker_set_assets(w[i], inv);
        worker_set_shared(w[i], &sh);
    }
    static struct reload_ctx rctx;
    rctx.cfg = &cfg;
    rctx.sh = &sh;
    rctx.w = w;
    rctx.n = nw;
    rctx.cap = cap;
    rctx.live = live;
    rctx.out = out;
    rctx.inv = inv;
    rctx.sfiles = sfiles;
    rctx.nsfiles = nsfiles;
    rctx.has_rules = de != NULL;
    rctx.last_stats_ns = util_mono_ns();
    pthread_mutex_init(&rctx.swap_mu, NULL);
    struct intel_feed *feed = NULL;
    if (cfg.intel_kafka_topic[0]) {
        if (!cfg.kafka_brokers[0])
            LOG(LVL_WARNING, "intel.kafka-topic is set but outputs.kafka.brokers is not: no live indicators");
        else if (!(feed = intel_feed_start(&cfg, apply_feed, &rctx, err, sizeof(err))))
            LOG(LVL_ERROR, "%s", err);
    }
    int rc = 0;
    if (live) {
        if (capture_live_start(live, w) < 0) {
            fprintf(stderr, "taishi: cannot start worker threads\n");
            return 2;
        }
        threads_start_end();
        LOG(LVL_NOTICE, "capturing on %d interface%s with %d worker%s", nifaces,
            nifaces > 1 ? "s" : "", nw, nw > 1 ? "s" : "");
        while (!atomic_load(&stop_requested)) {
            struct timespec ts = { 0, 100000000L };
            nanosleep(&ts, NULL);           /* a signal cuts it short */
            periodic_stats(&rctx);
            maybe_reload(&rctx);
        }
        LOG(LVL_NOTICE, "stopping: draining the capture, ending the flows");
        capture_live_stop(live);
        intel_feed_stop(feed);              /* before the workers go: it waits on their epochs */
        capture_live_join(live);
    } else {
        capture_file_set_hook(cap, between_packets, &rctx);
        for (int i = 0; i < nw; i++)
            if (worker_start(w[i]) < 0) {
                fprintf(stderr, "taishi: cannot start worker threads\n");
                return 2;
            }
        threads_start_end();
        rc = capture_file_run(cap, w, nw) < 0 ? 1 : 0;
        intel_feed_stop(feed);              /* before the workers go: it waits on their epochs */
        for (int i = 0; i < nw; i++)
            worker_join(w[i]);
    }

    write_stats(&rctx);                     /* the final one: workers published at their end */
    for (int i = 0; i < nw; i++)
        worker_destroy(w[i]);
    free(w);
    assets_close(inv);
    intel_close(atomic_load(&sh.intel));    /* what a reload may have put in place */
    capture_file_close(cap);
    capture_live_close(live);
    enrich_close(atomic_load(&sh.enrich));
    detect_engine_unref(atomic_load(&sh.detect));
    free(rctx.updates);
    pthread_mutex_destroy(&rctx.swap_mu);
    if (output_close(out) < 0) {
        fprintf(stderr, "taishi: writing events failed: the output is incomplete\n");
        rc = 2;
    }
    if (cfg.pidfile[0])
        service_remove_pidfile(cfg.pidfile);
    if (live)
        LOG(LVL_NOTICE, "stopped");
    return rc;
}

int main(int argc, char **argv)
{
    /* Every early return in run() leaves these two for us to free. */
    char **reads = xcalloc((size_t)argc, sizeof(char *));
    char **sets = xcalloc((size_t)argc, sizeof(char *));
    char **ifaces = xcalloc((size_t)argc, sizeof(char *));
    char **sfiles = xcalloc((size_t)argc, sizeof(char *));
    int rc = run(argc, argv, reads, sets, ifaces, sfiles);

    free(reads);
    free(sets);
    free(ifaces);
    free(sfiles);
    return rc;
}
