/* worker.c - the worker thread and worker_process(), the per-packet
 * pipeline. Like Suricata's FlowWorker, worker_process() only sequences the
 * stages for one packet, by pointer, with no queue between them:
 *
 *   anomaly event (decode's verdict, rate-limited)
 *   -> flow table (flow/: the flow, its direction, TCP state)
 *   -> threat intelligence on the addresses, once (enrich/policy.c)
 *   -> nDPI until its verdict (dpi/), then intelligence on what it found
 *   -> layer 7 (worker_l7.c: reassembly, app parsers, detect, their events)
 *   -> the cross-border policy, once the flow has moved min-bytes
 *
 * and a flow's end (on_flow_end, called by the flow table) runs layer 7's
 * last bytes, the flow event, the protocol mix and top talkers, then the
 * end-of-flow verdicts: intelligence, cross-border, the asset rule, nDPI's
 * risk gate. The verdicts are enrich/policy.c's and the events event/'s;
 * this file decides only when to ask and what to write.
 *
 * The thread pops full batches from its `in` ring, runs worker_process() on
 * each packet, lets the flow table expire idle flows at the batch's packet
 * clock, sends its buffered events to the output (worker_emit.c), and
 * returns the batch through `back`. An `end` batch makes it end every flow
 * and stop.
 *
 * Waiting: an empty ring is polled with a short spin, then with 50 us
 * sleeps, so an idle worker costs nothing and a busy one no syscalls.
 *
 * Ownership: everything in struct worker is this thread's, except what
 * worker_internal.h names as shared (the snapshot, the epoch, the rings). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "taishi/app/files.h"
#include "taishi/enrich/assets.h"
#include "taishi/enrich/enrich.h"
#include "taishi/enrich/intel.h"
#include "taishi/enrich/policy.h"
#include "taishi/event/event.h"
#include "taishi/output/output.h"
#include "taishi/core/util.h"
#include "taishi/pipeline/worker.h"
#include "worker_internal.h"

#define JBUF_SIZE (1u << 20)          /* a worker's event buffer */


static uint64_t extra_mem(void *arg)
{
    struct worker *w = arg;
    return dpi_state_bytes(w->dpi) + w->sc.st.memory;
}

static void files_update(struct worker *w);

/* Threat intelligence (the verdicts are enrich/policy.c's): the flow's
 * addresses once, on its first packet; the names and fingerprints nDPI
 * found once, when detection ends. One alert per matching indicator kind
 * and flow. */
static void intel_alert(struct worker *w, struct flow *f, const struct indicator *ind,
                        const char *matched, uint64_t ts)
{
    if (!ind || !worker_wants(w, ET_ALERT))
        return;
    event_alert_intel(&w->jw, &w->ectx, f, ind, matched, ts);
    worker_emit_event(w, ET_ALERT, f->flow_id);
    char sig[128];
    snprintf(sig, sizeof(sig), "TAISHI INTEL %s %.96s", intel_ioc_type_name(ind->type), ind->value);
    worker_stats_alert(&w->st, w->cfg->intel_gid, ind->sid, ind->severity, sig);
}


static void intel_alerts(struct worker *w, struct flow *f, const struct policy_intel_hit *hits, int n,
                         uint64_t ts)
{
    for (int i = 0; i < n; i++)
        intel_alert(w, f, hits[i].ind, hits[i].matched, ts);
}

static void intel_ips(struct worker *w, struct flow *f, uint64_t ts)
{
    struct policy_intel_hit hits[2];

    f->intel_done |= INTEL_IPS_DONE;
    intel_alerts(w, f, hits, policy_intel_addresses(w->intel, f, hits), ts);
}

static void intel_meta(struct worker *w, struct flow *f, uint64_t ts)
{
    struct policy_intel_hit hits[3];
    char app[32];
    const char *ap = dpi_app_proto(w->dpi, &f->dpi, app, sizeof(app));

    f->intel_done |= INTEL_META_DONE;
    intel_alerts(w, f, hits, policy_intel_metadata(w->intel, f, ap, hits), ts);
}

/* The cross-border policy is judged once per flow: when it has moved
 * min-bytes, or when it ends. */
static void cross_border(struct worker *w, struct flow *f, uint64_t ts)
{
    struct policy_cross_border v;

    f->policy_done = 1;
    if (!worker_wants(w, ET_RISK) || !policy_cross_border(w->enrich, w->ec, w->cfg, f, &v))
        return;
    event_risk_cross_border(&w->jw, &w->ectx, f, v.country, v.outbound, ts);
    worker_emit_event(w, ET_RISK, f->flow_id);
    worker_stats_cross_border(&w->st, v.country, f->bytes[0] + f->bytes[1]);
}

static void on_flow_end(void *arg, struct flow *f, enum flow_end_reason why)
{
    struct worker *w = arg;

    struct asset_facts *af = NULL;          /* what the parsers learned (worker_l7.c) */
    if (why != FR_ACTIVE) {
        dpi_finish(w->dpi, &f->dpi);
        af = worker_l7_end(w, f);           /* alerts on the last stream bytes first */
    }
    if (worker_wants(w, ET_FLOW)) {
        event_flow(&w->jw, &w->ectx, f, why);
        worker_emit_event(w, ET_FLOW, f->flow_id);
    }
    /* The protocol mix and the top talkers of the stats event (and the
     * summary, the metrics): kept only while one of them is on. */
    if (w->ends_read) {
        uint64_t bytes = f->bytes[0] + f->bytes[1];
        unsigned id = (f->dpi.app ? f->dpi.app : f->dpi.master) % WORKER_MIX_SLOTS;
        w->st.mix_bytes[id] += bytes;
        w->st.mix_flows[id] += why != FR_ACTIVE;
        talkers_add(&w->st.talkers, f->key.src, f->key.ipver, bytes);
        talkers_add(&w->st.talkers, f->key.dst, f->key.ipver, bytes);
    }
    if (why == FR_ACTIVE)
        return;
    if (w->intel && !(f->intel_done & INTEL_META_DONE))
        intel_meta(w, f, f->last_ns);
    if (!f->policy_done)
        cross_border(w, f, f->last_ns);
    /* A service that answered, seen for the first time. */
    if (w->assets && policy_answered_service(f) && worker_wants(w, ET_ASSET) &&
        assets_first_seen(w->assets, f->key.ipver, f->key.dst, f->key.dport, f->key.proto, f->start_ns)) {
        event_asset(&w->jw, &w->ectx, f, af);
        worker_emit_event(w, ET_ASSET, f->flow_id);
    }
    if (af && w->assets && worker_wants(w, ET_ASSET)) {    /* hosts a parser named (DHCP) */
        uint32_t fresh = assets_hosts_seen(w->assets, af);
        for (uint32_t i = 0; i < af->nhosts; i++)
            if (fresh >> i & 1) {
                event_asset_host(&w->jw, &w->ectx, f, &af->h[i]);
                worker_emit_event(w, ET_ASSET, f->flow_id);
            }
    }
    free(af);
    if (worker_wants(w, ET_RISK) && policy_risk_due(w->cfg, f)) {
        event_risk_ndpi(&w->jw, &w->ectx, f);
        worker_emit_event(w, ET_RISK, f->flow_id);
        w->st.risk_ndpi_events++;
        for (int b = 0; b < WORKER_RISK_BITS; b++)
            w->st.risk_ndpi[b] += (f->dpi.risk >> b) & 1;
    }
    dpi_release(w->dpi, &f->dpi);
}

/* Does anything read what a flow leaves at its end - its nDPI verdict, its
 * share of the protocol mix and of the top talkers (its flow, risk, asset
 * and stats events, the summary, metrics, indicators)? If not, a lone SYN
 * need not reach nDPI (dpi_set_lazy): its verdict would be read by nothing
 * but its own packet's alerts, to which nDPI has nothing to say after one
 * SYN; and the mix and the talkers are not kept. Set at the start and when
 * indicators come or go. */
static void ends_read_update(struct worker *w)
{
    const struct config *c = w->cfg;
    uint32_t readers = 1u << ET_FLOW | 1u << ET_RISK | 1u << ET_ASSET | 1u << ET_STATS;
    int summary = c->summary == SUMMARY_YES || (c->summary == SUMMARY_AUTO && isatty(STDERR_FILENO));
    w->ends_read = (c->events_mask & readers) || summary || c->metrics_listen[0] || w->intel;
    dpi_set_lazy(w->dpi, !w->ends_read);
}

/* Is the tls event written (it carries the certificates' fingerprints)? */
static int tls_event_on(const struct config *cfg)
{
    const struct app_parser *p = app_registry_get(app_registry_id("tls"));
    return p && (cfg->events_mask & (1u << p->event_id));
}

struct worker *worker_create(int id, const struct config *cfg, struct output *out,
                             const struct enrich *en, uint64_t flow_memcap)
{
    struct worker *w = xcalloc(1, sizeof(*w));

    worker_l7_init();
    w->id = id;
    w->enrich = en;
    w->ec = en ? enrich_cache_create(en) : NULL;
    w->cfg = cfg;
    w->out = out;
    w->dpi = dpi_create(cfg);
    if (!w->dpi) {
        enrich_cache_destroy(w->ec);
        free(w);
        return NULL;
    }
    w->ectx = (struct event_ctx){ cfg, w->dpi, w->ec };
    ends_read_update(w);
    w->flows = flow_table_create(cfg, flow_memcap, on_flow_end, extra_mem, w);
    app_limits_default(&w->al);
    w->al.http_body_inspect = 0;            /* until a ruleset reads bodies */
    w->al.rule_bufs = 0;                    /* until there is a ruleset at all */
    w->al.tls_fingerprint = tls_event_on(cfg);
    if (cfg->files.enabled) {
        /* The store's cap is shared like the flow memcap: this worker's
         * share of flow.memcap tells how many workers share it. */
        char err[256];
        int nw = flow_memcap ? (int)(cfg->flow_memcap / flow_memcap) : 1;
        w->as.files = files_worker_new(&cfg->files, id, nw > 0 ? nw : 1, err, sizeof(err));
        if (!w->as.files) {
            LOG(LVL_ERROR, "worker %d: %s", id, err);
            flow_table_destroy(w->flows);
            dpi_destroy(w->dpi);
            enrich_cache_destroy(w->ec);
            free(w);
            return NULL;
        }
        files_update(w);                    /* rules and indicators come later */
    }
    stream_ctx_init(&w->sc, (uint32_t)cfg->stream_ooo_max_bytes, cfg->stream_ooo_max_segs,
                    cfg->stream_memcap);
    w->in = ring_create(WORKER_BATCHES);
    w->back = ring_create(WORKER_BATCHES);
    for (int i = 0; i < WORKER_BATCHES; i++) {
        w->batches[i] = xaligned_alloc(CACHELINE, sizeof(struct batch));
        ring_push(w->back, w->batches[i]);
    }
    pthread_mutex_init(&w->pub_mu, NULL);
    w->jbuf = xmalloc(JBUF_SIZE);
    w->ev = xcalloc(WORKER_MAX_EVENTS, sizeof(*w->ev));
    jw_init(&w->jw, w->jbuf, JBUF_SIZE);
    return w;
}

void worker_destroy(struct worker *w)
{
    if (!w)
        return;
    flow_table_destroy(w->flows);           /* ends remaining flows: events go out */
    worker_emit_flush(w);
    files_worker_free(w->as.files);
    dpi_destroy(w->dpi);
    detect_thread_free(w->dt);
    ring_destroy(w->in);
    ring_destroy(w->back);
    for (int i = 0; i < WORKER_BATCHES; i++)
        free(w->batches[i]);
    free(w->jbuf);
    free(w->ev);
    enrich_cache_destroy(w->ec);
    pthread_mutex_destroy(&w->pub_mu);
    free(w);
}

void worker_process(struct worker *w, const struct packet *p)
{
    w->st.packets++;
    w->st.bytes += p->wirelen;
    if (unlikely(p->anomaly) && worker_wants(w, ET_ANOMALY)) {
        /* A flood of bad packets must not become a flood of events: at most
         * anomaly.rate-limit a second (packet time) per worker, the rest counted. */
        uint64_t sec = p->ts_ns / 1000000000ULL;
        if (sec != w->anomaly_sec) {
            w->anomaly_sec = sec;
            w->anomaly_count = 0;
        }
        if (!w->cfg->anomaly_rate_limit || ++w->anomaly_count <= w->cfg->anomaly_rate_limit) {
            event_anomaly(&w->jw, &w->ectx, p);
            worker_emit_event(w, ET_ANOMALY, 0);
        } else {
            w->st.anomalies_suppressed++;
        }
    }
    if ((p->flags & (PKT_HAS_IP | PKT_NO_FLOW)) != PKT_HAS_IP)
        return;
    int to_server;
    struct flow *f = flow_table_update(w->flows, p, &to_server);
    if (unlikely(w->intel != NULL) && !(f->intel_done & INTEL_IPS_DONE))
        intel_ips(w, f, p->ts_ns);
    if (!f->dpi.done) {
        dpi_process(w->dpi, &f->dpi, p, p->ts_ns);
        if (f->dpi.done && w->intel)
            intel_meta(w, f, p->ts_ns);
    }
    worker_l7_packet(w, f, p, to_server);
    if (unlikely(!f->policy_done && policy_cross_border_due(w->cfg, f)))
        cross_border(w, f, p->ts_ns);
}

void worker_finish(struct worker *w)
{
    flow_table_flush(w->flows, FR_SHUTDOWN);
    worker_emit_flush(w);
}

/* Picks up what a reload published, then says which epoch it has reached. */
static void catch_up(struct worker *w)
{
    if (!w->sh)
        return;
    uint64_t e = atomic_load(&w->sh->epoch);
    struct enrich *en = atomic_load(&w->sh->enrich);
    struct intel *in = atomic_load(&w->sh->intel);
    if (en != w->enrich) {                  /* the cache points into the old object */
        enrich_cache_destroy(w->ec);
        w->enrich = en;
        w->ec = en ? enrich_cache_create(en) : NULL;
        w->ectx.ec = w->ec;
    }
    w->intel = in && intel_count(in) ? in : NULL;
    files_update(w);
    ends_read_update(w);
    struct detect_engine *de = atomic_load(&w->sh->detect);
    if (de && w->dt && de != w->cur_detect) {
        worker_set_detect(w, de, 0);
        worker_l7_migrate_all(w);           /* the old ruleset goes now */
    } else if (de) {
        worker_set_detect(w, de, 0);
    }
    w->cur_detect = de;
    atomic_store(&w->seen_epoch, e);
}

void worker_publish(struct worker *w)
{
    w->pub_ns = util_mono_ns();
    pthread_mutex_lock(&w->pub_mu);
    w->pub.st = w->st;
    w->pub.fs = *flow_table_stats(w->flows);
    w->pub.ds = *dpi_stats(w->dpi);
    w->pub.ss = w->sc.st;
    w->pub.as = w->as;
    w->pub.as.files = NULL;                 /* summed as counters: no pointer in it */
    w->pub.fis = *files_worker_stats(w->as.files);
    if (w->dt)
        w->pub.dts = *detect_thread_stats(w->dt);
    pthread_mutex_unlock(&w->pub_mu);
}

void worker_snapshot(struct worker *w, struct worker_snapshot *out)
{
    pthread_mutex_lock(&w->pub_mu);
    *out = w->pub;
    pthread_mutex_unlock(&w->pub_mu);
}

static void maybe_publish(struct worker *w)
{
    if (util_mono_ns() - w->pub_ns >= 100000000ULL)
        worker_publish(w);
}

void worker_set_shared(struct worker *w, struct shared *sh)
{
    w->sh = sh;
    catch_up(w);
}

void worker_wait_epoch(struct worker **w, int n, uint64_t epoch)
{
    for (int i = 0; i < n; i++) {
        unsigned spins = 0;
        while (atomic_load(&w[i]->seen_epoch) < epoch)
            util_backoff(&spins, 50000);
    }
}

void worker_enter(struct worker *w)
{
    catch_up(w);
}

void worker_burst_done(struct worker *w, uint64_t clock_ns)
{
    flow_table_expire(w->flows, clock_ns);
    worker_emit_flush(w);
    maybe_publish(w);
}

void worker_leave(struct worker *w)
{
    worker_finish(w);
    worker_publish(w);                      /* the final counters */
    atomic_store(&w->seen_epoch, UINT64_MAX);   /* gone: never holds anything again */
}

void worker_set_thread_name(const struct worker *w)
{
    char name[16];

    snprintf(name, sizeof(name), "taishi-w%d", w->id);
    pthread_setname_np(pthread_self(), name);   /* shows in top -H and perf */
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    unsigned idle = 0;

    worker_set_thread_name(w);
    for (;;) {
        struct batch *b = ring_pop(w->in);
        if (!b) {
            w->st.idle_waits++;
            catch_up(w);                    /* idle: holds nothing from before a reload */
            util_backoff(&idle, 50000);
            continue;
        }
        idle = 0;
        worker_enter(w);
        /* The flow table is bigger than the caches: a packet's bucket is
         * fetched four packets ahead, its flow two ahead (perf: the bucket
         * load was 60% of flow_table_update's samples). */
        for (uint32_t i = 0; i < b->n; i++) {
            if (i + 4 < b->n && (b->pkts[i + 4].flags & PKT_HAS_IP))
                flow_table_prefetch(w->flows, &b->pkts[i + 4], 0);
            if (i + 2 < b->n && (b->pkts[i + 2].flags & PKT_HAS_IP))
                flow_table_prefetch(w->flows, &b->pkts[i + 2], 1);
            worker_process(w, &b->pkts[i]);
        }
        int end = b->end;
        worker_burst_done(w, b->clock_ns);
        b->n = b->used = 0;
        b->end = 0;
        ring_push(w->back, b);              /* cannot fail: the ring holds every batch */
        if (end)
            break;
    }
    worker_leave(w);
    return NULL;
}

void worker_set_assets(struct worker *w, struct asset_inventory *inv)
{
    w->assets = inv;
}

/* File tracking (hashes, libmagic) runs only while something reads its
 * results: fileinfo events, the store, rules on files, file-hash
 * indicators (files_worker_set_active). */
static void files_update(struct worker *w)
{
    const struct intel *in = w->intel;
    int full = (w->cfg->events_mask & (1u << ET_FILEINFO)) || w->cfg->files.store_dir[0] ||
               w->files_rules > 1 || (in && (intel_has_type(in, IOC_MD5) || intel_has_type(in, IOC_SHA1) ||
                                             intel_has_type(in, IOC_SHA256)));
    files_worker_set_active(w->as.files, full ? 2 : w->files_rules);
}

void worker_set_detect(struct worker *w, struct detect_engine *e, uint64_t stream_memcap)
{
    if (stream_memcap)
        w->sc.memcap = stream_memcap;
    if (!e)
        return;
    w->al.rule_bufs = 1;
    w->al.tls_fingerprint = tls_event_on(w->cfg) || detect_engine_uses_buf(e, BUF_TLS_CERT_FINGERPRINT);
    /* bodies are kept and decompressed only for rules that read them */
    w->al.http_body_inspect = detect_engine_uses_buf(e, BUF_HTTP_REQUEST_BODY) ||
                              detect_engine_uses_buf(e, BUF_HTTP_RESPONSE_BODY) ||
                              detect_engine_uses_buf(e, BUF_FILE_DATA);
    files_worker_set_window(w->as.files, detect_engine_uses_buf(e, BUF_FILE_DATA));
    files_worker_set_rule_hashes(w->as.files,
                                 (detect_engine_uses_buf(e, BUF_FILE_MD5) ? FILES_HASH_MD5 : 0) |
                                 (detect_engine_uses_buf(e, BUF_FILE_SHA1) ? FILES_HASH_SHA1 : 0) |
                                 (detect_engine_uses_buf(e, BUF_FILE_SHA256) ? FILES_HASH_SHA256 : 0));
    files_worker_set_rule_magic(w->as.files, detect_engine_uses_buf(e, BUF_FILE_MAGIC));
    w->files_rules = detect_engine_uses_buf(e, BUF_FILE_DATA) ? 1 : 0;    /* 1: the window */
    for (unsigned b = BUF_FILE_NAME; b <= BUF_FILE_SHA256; b++)
        if (detect_engine_uses_buf(e, b))
            w->files_rules = 2;                                         /* 2: the whole file */
    files_update(w);
    if (!w->dt)
        w->dt = detect_thread_new(e);
    else
        detect_thread_set_engine(w->dt, e);
}

void worker_set_intel(struct worker *w, const struct intel *in)
{
    w->intel = in && intel_count(in) ? in : NULL;
    files_update(w);
    ends_read_update(w);
}

int worker_start(struct worker *w)
{
    return pthread_create(&w->thread, NULL, worker_main, w) == 0 ? 0 : -1;
}

void worker_join(struct worker *w)
{
    pthread_join(w->thread, NULL);
}

int worker_id(const struct worker *w)
{
    return w->id;
}

struct ring *worker_in(const struct worker *w)
{
    return w->in;
}

struct ring *worker_back(const struct worker *w)
{
    return w->back;
}

void worker_stop(struct worker *w)
{
    unsigned spins = 0;
    struct batch *b;

    while (!(b = ring_pop(w->back)))
        util_backoff(&spins, 20000);
    b->n = b->used = 0;
    b->clock_ns = 0;                        /* no packet clock: nothing expires early */
    b->end = 1;
    while (ring_push(w->in, b) < 0)         /* cannot stay full: the ring holds every batch */
        util_backoff(&spins, 20000);
}
