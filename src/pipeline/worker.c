/* worker.c - the per-packet pipeline and the worker thread.
 *
 * The thread pops full batches from its `in` ring, runs worker_process() on
 * each packet, lets the flow table expire idle flows at the batch's packet
 * clock, sends its buffered events to the output, and returns the batch
 * through `back`. An `end` batch makes it end every flow and stop.
 *
 * Waiting: an empty ring is polled with a short spin, then with 50 us
 * sleeps, so an idle worker costs nothing and a busy one no syscalls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taishi/enrich/assets.h"
#include "taishi/enrich/enrich.h"
#include "taishi/enrich/intel.h"
#include "taishi/event/event.h"
#include "taishi/output/output.h"
#include "taishi/core/util.h"
#include "taishi/pipeline/worker.h"
#include "worker_internal.h"

#define JBUF_SIZE (1u << 20)          /* a worker's event buffer */


static uint64_t extra_mem(void *arg)
{
    struct worker *w = arg;
    return dpi_stats(w->dpi)->active_ndpi_flows * dpi_flow_state_bytes() + w->sc.st.memory;
}

/* Threat intelligence: the flow's addresses once, on its first packet; the
 * names and fingerprints nDPI found once, when detection ends. One alert per
 * matching indicator kind and flow. */
static void intel_alert(struct worker *w, struct flow *f, const struct indicator *ind,
                        const char *matched, uint64_t ts)
{
    if (!ind || !worker_wants(w, ET_ALERT))
        return;
    event_intel_alert(&w->jw, &w->ectx, f, ind, matched, ts);
    worker_finish_event(w, ET_ALERT, f->flow_id);
    w->st.alerts_by_severity[ind->severity >= 1 && ind->severity <= 3 ? ind->severity - 1 : 3]++;
}

static void intel_ips(struct worker *w, struct flow *f, uint64_t ts)
{
    f->intel_done |= INTEL_IPS_DONE;
    const struct indicator *s = intel_match_ip(w->intel, f->key.src, f->key.ipver);
    const struct indicator *d = intel_match_ip(w->intel, f->key.dst, f->key.ipver);
    intel_alert(w, f, s, "src_ip", ts);
    if (d != s)
        intel_alert(w, f, d, "dest_ip", ts);
}

static void intel_meta(struct worker *w, struct flow *f, uint64_t ts)
{
    char app[32];
    const char *ap = dpi_app_proto(w->dpi, &f->dpi, app, sizeof(app));

    f->intel_done |= INTEL_META_DONE;
    if (f->dpi.host[0]) {
        const char *what = !strcmp(ap, "tls") || !strcmp(ap, "quic") ? "tls.sni" :
                           !strcmp(ap, "http") ? "http.hostname" : !strcmp(ap, "dns") ? "dns.rrname" :
                           "ndpi.hostname";
        intel_alert(w, f, intel_match_domain(w->intel, f->dpi.host), what, ts);
    }
    if (f->dpi.ja3c[0])
        intel_alert(w, f, intel_match_ja3(w->intel, f->dpi.ja3c), "tls.ja3.hash", ts);
    if (f->dpi.url && f->dpi.host[0]) {     /* nDPI keeps host + path */
        const char *path = strchr(f->dpi.url, '/');
        if (path)
            intel_alert(w, f, intel_match_url(w->intel, f->dpi.host, path), "http.url", ts);
    }
}

/* Cross-border policy: one end in HOME_NET, the other in a country that is
 * not allowed. Decided once per flow: when it has moved min-bytes, or when
 * it ends. An end without a known country is not judged. */
static void cross_border(struct worker *w, struct flow *f, uint64_t ts)
{
    const struct geo_info *g;
    const struct asset_info *a;

    f->policy_done = 1;
    if (!w->enrich || !w->cfg->xborder_enabled || !enrich_has_geo(w->enrich) || !worker_wants(w, ET_RISK))
        return;
    int src_home = enrich_is_home(w->enrich, f->key.src, f->key.ipver);
    int dst_home = enrich_is_home(w->enrich, f->key.dst, f->key.ipver);
    if (src_home == dst_home)
        return;
    enrich_lookup(w->ec, src_home ? f->key.dst : f->key.src, f->key.ipver, &g, &a);
    if (!g->country_iso[0] || enrich_country_allowed(w->enrich, g->country_iso))
        return;
    char iso[sizeof(g->country_iso)];
    memcpy(iso, g->country_iso, sizeof(iso));
    event_risk_cross_border(&w->jw, &w->ectx, f, iso, src_home, ts);
    worker_finish_event(w, ET_RISK, f->flow_id);
}

static void on_flow_end(void *arg, struct flow *f, enum flow_end_reason why)
{
    struct worker *w = arg;

    if (why != FR_ACTIVE) {
        dpi_finish(w->dpi, &f->dpi);
        worker_l7_end(w, f);                /* alerts on the last stream bytes first */
    }
    if (worker_wants(w, ET_FLOW)) {
        event_flow(&w->jw, &w->ectx, f, why);
        worker_finish_event(w, ET_FLOW, f->flow_id);
    }
    /* The protocol mix and the top talkers of the stats event. */
    uint64_t bytes = f->bytes[0] + f->bytes[1];
    unsigned id = (f->dpi.app ? f->dpi.app : f->dpi.master) % WORKER_MIX_SLOTS;
    w->st.mix_bytes[id] += bytes;
    w->st.mix_flows[id] += why != FR_ACTIVE;
    talkers_add(&w->st.talkers, f->key.src, f->key.ipver, bytes);
    talkers_add(&w->st.talkers, f->key.dst, f->key.ipver, bytes);
    if (why == FR_ACTIVE)
        return;
    if (w->intel && !(f->intel_done & INTEL_META_DONE))
        intel_meta(w, f, f->last_ns);
    if (!f->policy_done)
        cross_border(w, f, f->last_ns);
    /* A service (TCP, UDP, SCTP) that answered, seen for the first time. */
    if (w->assets && f->pkts[1] && (f->key.proto == 6 || f->key.proto == 17 || f->key.proto == 132) &&
        (f->key.proto != 6 || (f->tcp_seen[1] & TCP_SYN) || f->state == FS_ESTABLISHED) &&
        worker_wants(w, ET_ASSET) &&
        assets_first_seen(w->assets, f->key.ipver, f->key.dst, f->key.dport, f->key.proto, f->start_ns)) {
        event_asset(&w->jw, &w->ectx, f);
        worker_finish_event(w, ET_ASSET, f->flow_id);
    }
    if (f->dpi.risk && worker_wants(w, ET_RISK)) {
        uint16_t cli, srv;
        if (dpi_risk_score(f->dpi.risk, &cli, &srv) >= w->cfg->risk_min_score) {
            event_risk_ndpi(&w->jw, &w->ectx, f);
            worker_finish_event(w, ET_RISK, f->flow_id);
        }
    }
    dpi_release(w->dpi, &f->dpi);
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
    w->flows = flow_table_create(cfg, flow_memcap, on_flow_end, extra_mem, w);
    app_limits_default(&w->al);
    w->al.http_body_inspect = 0;            /* until a ruleset reads bodies */
    w->al.rule_bufs = 0;                    /* until there is a ruleset at all */
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
    worker_flush(w);
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
            worker_finish_event(w, ET_ANOMALY, 0);
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
    if (unlikely(!f->policy_done && w->cfg->xborder_min_bytes &&
                 f->bytes[0] + f->bytes[1] >= w->cfg->xborder_min_bytes))
        cross_border(w, f, p->ts_ns);
}

void worker_finish(struct worker *w)
{
    flow_table_flush(w->flows, FR_SHUTDOWN);
    worker_flush(w);
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
    worker_flush(w);
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
        for (uint32_t i = 0; i < b->n; i++)
            worker_process(w, &b->pkts[i]);
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

void worker_set_detect(struct worker *w, struct detect_engine *e, uint64_t stream_memcap)
{
    if (stream_memcap)
        w->sc.memcap = stream_memcap;
    if (!e)
        return;
    w->al.rule_bufs = 1;
    /* bodies are kept and decompressed only for rules that read them */
    w->al.http_body_inspect = detect_engine_uses_buf(e, BUF_HTTP_REQUEST_BODY) ||
                              detect_engine_uses_buf(e, BUF_HTTP_RESPONSE_BODY) ||
                              detect_engine_uses_buf(e, BUF_FILE_DATA);
    if (!w->dt)
        w->dt = detect_thread_new(e);
    else
        detect_thread_set_engine(w->dt, e);
}

void worker_set_intel(struct worker *w, const struct intel *in)
{
    w->intel = in && intel_count(in) ? in : NULL;
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
