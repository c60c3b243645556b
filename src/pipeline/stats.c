/* stats.c - the `stats` event: the reader's capture, decoder and defrag
 * counters and every worker's flow, dpi and event counters, summed.
 *
 * stats_collect() sums them once into a struct stats_totals, from which the
 * stats event (here), the run summary (stats_summary.c) and the Prometheus
 * metrics (stats_prom.c) are all written: the three cannot disagree. It
 * reads each worker's published snapshot (worker_snapshot), never a
 * worker's live counters.
 *
 * Every field is documented in README.md ("The stats event"). Sums do not
 * depend on the number of workers, except the peak of active flows, which is
 * the sum of each worker's peak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/detect/detect.h"
#include "taishi/dpi/dpi.h"
#include "taishi/enrich/assets.h"
#include "taishi/enrich/enrich.h"
#include "taishi/core/util.h"
#include "taishi/event/event.h"
#include "taishi/output/output.h"
#include "taishi/pipeline/stats.h"
#include "worker_internal.h"

/* The Makefile defines both for this file only (from contrib/debian/changelog and git). */
#ifndef TAISHI_VERSION
#define TAISHI_VERSION "unknown"
#endif
#ifndef TAISHI_COMMIT
#define TAISHI_COMMIT "unknown"
#endif

static void write_decoder(struct jw *w, const struct decode_stats *d)
{
    jw_kobj(w, "decoder");
    jw_ku64(w, "ipv4", d->ipv4);
    jw_ku64(w, "ipv6", d->ipv6);
    jw_ku64(w, "tcp", d->tcp);
    jw_ku64(w, "udp", d->udp);
    jw_ku64(w, "icmpv4", d->icmp);
    jw_ku64(w, "icmpv6", d->icmpv6);
    jw_ku64(w, "sctp", d->sctp);
    jw_ku64(w, "other_l4", d->other_l4);
    jw_ku64(w, "vlan", d->vlan);
    jw_ku64(w, "mpls", d->mpls);
    jw_ku64(w, "pppoe", d->pppoe);
    for (int t = 1; t < TUNNEL_MAX; t++)
        jw_ku64(w, decode_tunnel_name((enum tunnel_type)t), d->tunnel[t]);
    jw_ku64(w, "non_ip", d->non_ip);
    jw_ku64(w, "snaplen_truncated", d->snaplen_truncated);
    jw_ku64(w, "invalid", d->invalid);
    jw_kobj(w, "events");
    for (unsigned e = 1; e < EV_MAX; e++)
        if (d->events[e])
            jw_ku64(w, decode_event_name(e), d->events[e]);
    jw_obj_end(w);
    jw_obj_end(w);
}


struct stats_totals *stats_totals_new(int nworkers)
{
    struct stats_totals *t = xcalloc(1, sizeof(*t));
    size_t n = nworkers > 0 ? (size_t)nworkers : 1;

    t->sn = xcalloc(n, sizeof(*t->sn));
    t->sigs = xcalloc(n * WORKER_SIGS, sizeof(*t->sigs));
    t->xb = xcalloc(n * WORKER_COUNTRIES + 1, sizeof(*t->xb));
    t->talk_all = xcalloc(n * TALKERS_K, sizeof(*t->talk_all));
    t->nworkers = (int)n;
    return t;
}

void stats_totals_free(struct stats_totals *t)
{
    if (!t)
        return;
    free(t->sn);
    free(t->sigs);
    free(t->xb);
    free(t->talk_all);
    free(t);
}

/* The 10 largest protocols by bytes, summed over the workers. */
static void top_protocols(struct stats_totals *t, struct worker **workers)
{
    const struct worker_stats *ws = &t->ws;
    int used[STATS_TOP];

    t->nproto = 0;
    while (t->nproto < STATS_TOP) {         /* selection: N is small */
        int best = -1;
        for (int p = 0; p < WORKER_MIX_SLOTS; p++) {
            int taken = 0;
            for (int j = 0; j < t->nproto; j++)
                taken |= used[j] == p;
            if (!taken && (ws->mix_bytes[p] || ws->mix_flows[p]) &&
                (best < 0 || ws->mix_bytes[p] > ws->mix_bytes[best]))
                best = p;
        }
        if (best < 0)
            break;
        used[t->nproto] = best;
        struct stats_proto *sp = &t->proto[t->nproto++];
        struct dpi_flow pf;
        memset(&pf, 0, sizeof(pf));
        pf.app = (uint16_t)best;
        dpi_protocol_name(workers[0]->dpi, &pf, sp->name, sizeof(sp->name));
        sp->bytes = ws->mix_bytes[best];
        sp->flows = ws->mix_flows[best];
    }
}

/* The 10 heaviest hosts: the workers' summaries merged. */
static void top_talkers(struct stats_totals *t)
{
    struct talker *all = t->talk_all;
    int n = 0;

    for (int i = 0; i < t->nworkers; i++)
        for (int k = 0; k < t->sn[i].st.talkers.n; k++) {
            const struct talker *x = &t->sn[i].st.talkers.t[k];
            int j;
            for (j = 0; j < n && (all[j].ipver != x->ipver || memcmp(all[j].addr, x->addr, 16)); j++)
                ;
            if (j == n)
                all[n++] = *x;
            else
                all[j].bytes += x->bytes;
        }
    t->ntalkers = 0;
    for (int r = 0; r < STATS_TOP && r < n; r++) {
        int best = r;
        for (int j = r + 1; j < n; j++)
            if (all[j].bytes > all[best].bytes ||
                (all[j].bytes == all[best].bytes && memcmp(all[j].addr, all[best].addr, 16) < 0))
                best = j;
        struct talker tmp = all[r]; all[r] = all[best]; all[best] = tmp;
        t->talkers[t->ntalkers++] = all[r];
    }
}

static int sig_cmp(const void *a, const void *b)
{
    const struct worker_sig *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    if (x->gid != y->gid)
        return x->gid < y->gid ? -1 : 1;
    return x->sid < y->sid ? -1 : x->sid > y->sid;
}

static int country_cmp(const void *a, const void *b)
{
    const struct worker_country *x = a, *y = b;
    if (x->flows != y->flows)
        return x->flows < y->flows ? 1 : -1;
    return strcmp(x->cc, y->cc);
}

static int risk_cmp(const void *a, const void *b)
{
    const struct stats_risk *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

static void risk_name_of(void *arg, const char *name)
{
    *(const char **)arg = name;
}

/* Signatures, risks and countries: the workers' tables merged and sorted. */
static void merge_tables(struct stats_totals *t)
{
    t->nsigs = t->nxb = t->nrisks = 0;
    uint64_t xb_other = 0;
    for (int i = 0; i < t->nworkers; i++) {
        const struct worker_stats *s = &t->sn[i].st;
        for (int k = 0; k < s->nsigs; k++) {
            int j;
            for (j = 0; j < t->nsigs && (t->sigs[j].gid != s->sigs[k].gid ||
                                         t->sigs[j].sid != s->sigs[k].sid); j++)
                ;
            if (j == t->nsigs)
                t->sigs[t->nsigs++] = s->sigs[k];
            else
                t->sigs[j].count += s->sigs[k].count;
        }
        for (int k = 0; k < s->nxb; k++) {
            int j;
            for (j = 0; j < t->nxb && strcmp(t->xb[j].cc, s->xb[k].cc); j++)
                ;
            if (j == t->nxb) {
                t->xb[t->nxb++] = s->xb[k];
            } else {
                t->xb[j].flows += s->xb[k].flows;
                t->xb[j].bytes += s->xb[k].bytes;
            }
        }
        xb_other += s->xb_other;
    }
    qsort(t->sigs, (size_t)t->nsigs, sizeof(*t->sigs), sig_cmp);
    qsort(t->xb, (size_t)t->nxb, sizeof(*t->xb), country_cmp);
    if (xb_other) {                         /* beyond a worker's table: counted, not named */
        struct worker_country *o = &t->xb[t->nxb++];
        snprintf(o->cc, sizeof(o->cc), "??");
        o->flows = xb_other;
        o->bytes = 0;
    }
    for (int b = 1; b < WORKER_RISK_BITS; b++)
        if (t->ws.risk_ndpi[b]) {
            struct dpi_flow df;
            const char *name = "?";
            memset(&df, 0, sizeof(df));
            df.risk = 1ULL << b;
            dpi_risks(&df, risk_name_of, &name);
            t->risks[t->nrisks++] = (struct stats_risk){ name, t->ws.risk_ndpi[b] };
        }
    if (t->ws.risk_cross_border)
        t->risks[t->nrisks++] = (struct stats_risk){ "cross-border", t->ws.risk_cross_border };
    for (int i = 0; i < app_risk_count() && i < APP_RISKS_MAX; i++)
        if (t->ws.risk_app[i])
            t->risks[t->nrisks++] = (struct stats_risk){ app_risk_name(i), t->ws.risk_app[i] };
    qsort(t->risks, (size_t)t->nrisks, sizeof(*t->risks), risk_cmp);
}

/* Adds one worker's counters into a sum, for the counter structs made of
 * uint64_t fields only (every field is summed, none can be forgotten). */
_Static_assert(sizeof(struct stream_stats) % sizeof(uint64_t) == 0, "stream_stats: uint64_t only");
_Static_assert(sizeof(struct app_stats) % sizeof(uint64_t) == 0, "app_stats: uint64_t only");
_Static_assert(sizeof(struct detect_stats) % sizeof(uint64_t) == 0, "detect_stats: uint64_t only");
static void add_counters(void *sum, const void *one, size_t size)
{
    uint64_t *d = sum;
    const uint64_t *o = one;
    for (size_t i = 0; i < size / sizeof(uint64_t); i++)
        d[i] += o[i];
}

void stats_collect(struct stats_totals *t, const struct capture_totals *ct,
                   struct worker **workers, int nworkers, const struct output *out,
                   struct asset_inventory *inv, const struct stats_rules *rules)
{
    struct worker_stats *ws = &t->ws;

    if (nworkers > t->nworkers)
        nworkers = t->nworkers;
    t->nworkers = nworkers;
    t->ct = *ct;
    for (int i = 0; i < nworkers; i++)     /* what each worker last published */
        worker_snapshot(workers[i], &t->sn[i]);
    memset(&t->fs, 0, sizeof(t->fs));
    memset(&t->dp, 0, sizeof(t->dp));
    memset(&t->ss, 0, sizeof(t->ss));
    memset(&t->dts, 0, sizeof(t->dts));
    memset(&t->as, 0, sizeof(t->as));
    memset(&t->fis, 0, sizeof(t->fis));
    memset(ws, 0, sizeof(*ws));
    for (int i = 0; i < nworkers; i++) {
        const struct flow_stats *f = &t->sn[i].fs;
        const struct dpi_stats *d = &t->sn[i].ds;
        const struct worker_stats *s = &t->sn[i].st;
        t->fs.created += f->created;
        t->fs.active += f->active;
        t->fs.peak_active += f->peak_active;
        t->fs.memcap_evictions += f->memcap_evictions;
        for (int r = 0; r < FR_MAX; r++)
            t->fs.ended[r] += f->ended[r];
        add_counters(&t->ss, &t->sn[i].ss, sizeof(t->ss));
        add_counters(&t->as, &t->sn[i].as, sizeof(t->as));
        add_counters(&t->fis, &t->sn[i].fis, sizeof(t->fis));
        add_counters(&t->dts, &t->sn[i].dts, sizeof(t->dts));
        t->dp.packets += d->packets;
        t->dp.flows += d->flows;
        t->dp.detected += d->detected;
        t->dp.guessed += d->guessed;
        t->dp.unknown += d->unknown;
        ws->packets += s->packets;
        ws->bytes += s->bytes;
        ws->events_dropped += s->events_dropped;
        ws->anomalies_suppressed += s->anomalies_suppressed;
        for (int k = 0; k < 4; k++)
            ws->alerts_by_severity[k] += s->alerts_by_severity[k];
        for (int e = 0; e < ET_MAX; e++)
            ws->events[e] += s->events[e];
        for (int p = 0; p < WORKER_MIX_SLOTS; p++) {
            ws->mix_bytes[p] += s->mix_bytes[p];
            ws->mix_flows[p] += s->mix_flows[p];
        }
        for (int b = 0; b < WORKER_RISK_BITS; b++)
            ws->risk_ndpi[b] += s->risk_ndpi[b];
        ws->risk_ndpi_events += s->risk_ndpi_events;
        ws->risk_cross_border += s->risk_cross_border;
        for (int r = 0; r < APP_RISKS_MAX; r++)
            ws->risk_app[r] += s->risk_app[r];
    }
    if (nworkers > 0)
        top_protocols(t, workers);
    else
        t->nproto = 0;
    top_talkers(t);
    merge_tables(t);
    t->has_kafka = out && output_has_kafka(out);
    if (t->has_kafka)                       /* as of now; the final flush comes after */
        output_stats(out, &t->ks);
    t->has_assets = inv != NULL;
    if (inv)
        assets_stats(inv, &t->ast);
    if (rules)
        t->rules = *rules;
    else
        memset(&t->rules, 0, sizeof(t->rules));
}

void stats_write_event(struct jw *w, const struct config *cfg, const struct stats_totals *t)
{
    const struct capture_stats *cs = &t->ct.cap;
    const struct defrag_stats *ds = &t->ct.frag;
    const struct flow_stats *fs = &t->fs;
    const struct dpi_stats *dp = &t->dp;
    const struct stream_stats *ssp = &t->ss;
    const struct detect_stats *dtp = &t->dts;
    const struct app_stats *asp = &t->as;
    const struct worker_stats *wsp = &t->ws;

    event_head(w, &(struct event_ctx){ .cfg = cfg },
               &(struct event_head){ .type = "stats", .ts = cs->last_ts_ns });
    jw_kobj(w, "stats");
    jw_kobj(w, "capture");
    jw_ku64(w, "files", cs->files);
    jw_ku64(w, "packets", cs->packets);
    jw_ku64(w, "bytes", cs->bytes);
    jw_ku64(w, "read_errors", cs->read_errors);
    jw_ku64(w, "oversized", cs->oversized);
    jw_ku64(w, "kernel_drops", cs->kernel_drops);
    jw_ku64(w, "internal_drops", cs->internal_drops);
    if (cs->interfaces) {                   /* live capture */
        jw_ku64(w, "interface_drops", cs->interface_drops);
        jw_ku64(w, "interface_errors", cs->interface_errors);
        jw_ku64(w, "reconnects", cs->reconnects);
    }
    jw_obj_end(w);

    write_decoder(w, &t->ct.dec);

    jw_kobj(w, "defrag");
    jw_ku64(w, "fragments", ds->fragments);
    jw_ku64(w, "reassembled", ds->reassembled);
    jw_ku64(w, "timeouts", ds->timeouts);
    jw_ku64(w, "overlaps", ds->overlaps);
    jw_ku64(w, "too_large", ds->too_large);
    jw_ku64(w, "trackers_full", ds->trackers_full);
    jw_ku64(w, "invalid", ds->invalid + ds->too_many_fragments);
    jw_obj_end(w);

    jw_kobj(w, "flow");
    jw_ku64(w, "created", fs->created);
    jw_ku64(w, "active", fs->active);
    jw_ku64(w, "peak_active", fs->peak_active);
    jw_ku64(w, "memcap_evictions", fs->memcap_evictions);
    jw_kobj(w, "ended");
    for (int r = 0; r < FR_MAX; r++)
        if (r != FR_REUSED)
            jw_ku64(w, flow_table_reason_name((enum flow_end_reason)r), fs->ended[r]);
    jw_obj_end(w);
    jw_ku64(w, "bytes_per_flow", flow_table_bytes_per_flow());
    jw_ku64(w, "bytes_per_flow_in_dpi", dpi_flow_state_bytes());
    jw_obj_end(w);

    jw_kobj(w, "dpi");
    jw_ku64(w, "packets", dp->packets);
    jw_ku64(w, "flows", dp->flows);
    jw_ku64(w, "detected", dp->detected);
    jw_ku64(w, "guessed", dp->guessed);
    jw_ku64(w, "unknown", dp->unknown);
    jw_obj_end(w);

    jw_kobj(w, "stream");
    jw_ku64(w, "segments", ssp->segments);
    jw_ku64(w, "bytes", ssp->bytes);
    jw_ku64(w, "out_of_order", ssp->ooo_segments);
    jw_ku64(w, "retransmits", ssp->retransmits);
    jw_ku64(w, "overlaps", ssp->overlaps);
    jw_ku64(w, "gaps", ssp->gaps);
    jw_ku64(w, "gap_bytes", ssp->gap_bytes);
    jw_ku64(w, "queue_limit", ssp->queue_limit);
    jw_ku64(w, "memory", ssp->memory);
    jw_obj_end(w);

    jw_kobj(w, "app_layer");
    for (int id = 1; id <= app_registry_count(); id++) {     /* "<parser>_<counter>" */
        const struct app_parser *p = app_registry_get(id);
        for (int c = 0; c < APP_COUNTERS_MAX && p->counters[c]; c++) {
            char k[64];
            snprintf(k, sizeof(k), "%s_%s", p->name, p->counters[c]);
            jw_ku64(w, k, asp->counters[id - 1][c]);
        }
    }
    jw_ku64(w, "gaps", asp->gaps);
    jw_ku64(w, "memory", asp->memory);
    jw_obj_end(w);

    jw_kobj(w, "files");                    /* the file tracker (app/files.h) */
    jw_ku64(w, "opened", t->fis.opened);
    jw_ku64(w, "closed", t->fis.closed);
    jw_ku64(w, "truncated", t->fis.truncated);
    jw_ku64(w, "errors", t->fis.errors);
    jw_ku64(w, "refused", t->fis.refused);
    jw_ku64(w, "open", t->fis.open);
    jw_ku64(w, "magic_errors", t->fis.magic_errors);
    jw_ku64(w, "stored", t->fis.stored);
    jw_ku64(w, "store_removed", t->fis.store_removed);
    jw_ku64(w, "store_errors", t->fis.store_errors);
    jw_ku64(w, "store_bytes", t->fis.store_bytes);
    jw_obj_end(w);

    jw_kobj(w, "detect");
    jw_ku64(w, "candidates", dtp->candidates);
    jw_ku64(w, "verified", dtp->verified);
    jw_ku64(w, "alerts", dtp->alerts);
    jw_ku64(w, "suppressed", dtp->suppressed);
    jw_ku64(w, "pcre_limit", dtp->pcre_limit);
    jw_obj_end(w);

    if (t->rules.loaded) {                  /* the ruleset in use, and since when */
        char at[40];
        util_format_time(t->rules.loaded_at_ns, at, sizeof(at));
        jw_kobj(w, "rules");
        jw_kstr(w, "sha256", t->rules.sha256);
        jw_ku64(w, "rules", t->rules.rules);
        jw_kstr(w, "loaded_at", at);
        jw_ku64(w, "reloads", t->rules.reloads);
        jw_ku64(w, "reload_failures", t->rules.reload_failures);
        jw_obj_end(w);
    }

    jw_karr(w, "protocols");
    for (int j = 0; j < t->nproto; j++) {
        jw_obj_begin(w);
        jw_kstr(w, "name", t->proto[j].name);
        jw_ku64(w, "bytes", t->proto[j].bytes);
        jw_ku64(w, "flows", t->proto[j].flows);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_karr(w, "top_talkers");
    for (int r = 0; r < t->ntalkers; r++) {
        jw_obj_begin(w);
        jw_key(w, "ip");
        jw_ip(w, t->talkers[r].addr, t->talkers[r].ipver);
        jw_ku64(w, "bytes", t->talkers[r].bytes);
        jw_obj_end(w);
    }
    jw_arr_end(w);

    jw_kobj(w, "alerts");
    jw_ku64(w, "severity_1", wsp->alerts_by_severity[0]);
    jw_ku64(w, "severity_2", wsp->alerts_by_severity[1]);
    jw_ku64(w, "severity_3", wsp->alerts_by_severity[2]);
    jw_ku64(w, "other", wsp->alerts_by_severity[3]);
    jw_obj_end(w);

    jw_kobj(w, "events");
    for (int e = 0; e < ET_MAX; e++)
        if (e != ET_STATS && config_event_name((enum event_type)e))
            jw_ku64(w, config_event_name((enum event_type)e), wsp->events[e]);
    jw_ku64(w, "dropped", wsp->events_dropped);
    jw_ku64(w, "anomalies_suppressed", wsp->anomalies_suppressed);
    jw_obj_end(w);

    if (t->has_assets) {
        const struct asset_stats *ast = &t->ast;
        jw_kobj(w, "assets");
        jw_ku64(w, "known", ast->known);
        jw_ku64(w, "announced", ast->announced);
        jw_ku64(w, "forgotten", ast->forgotten);
        jw_ku64(w, "loaded", ast->loaded);
        jw_obj_end(w);
    }

    /* stats.versions: auto = live capture only, so that a capture gives the
     * same events whatever binary (engine, architecture, commit) reads it */
    if (cfg->stats_versions == SUMMARY_YES ||
        (cfg->stats_versions == SUMMARY_AUTO && cs->interfaces)) {
        struct stats_versions v;
        stats_versions(&v);
        stats_write_versions(w, &v);
    }

    if (t->has_kafka) {                     /* as of this event; the final flush comes after */
        const struct kafka_stats *ksp = &t->ks;
        jw_kobj(w, "kafka");
        jw_ku64(w, "produced", ksp->produced);
        jw_ku64(w, "delivered", ksp->delivered);
        jw_ku64(w, "spooled", ksp->spooled);
        jw_ku64(w, "replayed", ksp->replayed);
        jw_ku64(w, "dropped", ksp->dropped);
        jw_ku64(w, "failed_deliveries", ksp->failed_deliveries);
        jw_ku64(w, "spool_bytes", ksp->spool_bytes);
        jw_ku64(w, "spool_segments", ksp->spool_segments);
        jw_ku64(w, "spool_segments_dropped", ksp->spool_segments_dropped);
        jw_ku64(w, "spool_write_errors", ksp->spool_write_errors);
        jw_ku64(w, "damaged", ksp->damaged);
        jw_ku64(w, "lost", ksp->lost);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

void stats_versions(struct stats_versions *v)
{
    v->taishi = TAISHI_VERSION;
    v->commit = TAISHI_COMMIT;
    v->ndpi = dpi_lib_version();
    v->hs = detect_hs_version();
    v->hs_engine = detect_hs_engine();
    v->rdkafka = output_kafka_lib_version();
    v->maxminddb = enrich_lib_version();
    detect_pcre2_version(v->pcre2, sizeof(v->pcre2));
}

void stats_write_versions(struct jw *w, const struct stats_versions *v)
{
    jw_kobj(w, "version");
    jw_kstr(w, "taishi", v->taishi);
    jw_kstr(w, "commit", v->commit);
    jw_kstr(w, "ndpi", v->ndpi);
    jw_kstr(w, "hs", v->hs);
    jw_kstr(w, "hs_engine", v->hs_engine);
    jw_kstr(w, "rdkafka", v->rdkafka);
    jw_kstr(w, "maxminddb", v->maxminddb);
    jw_kstr(w, "pcre2", v->pcre2);
    jw_obj_end(w);
}
