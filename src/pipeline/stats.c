/* stats.c - the `stats` event: the reader's capture, decoder and defrag
 * counters and every worker's flow, dpi and event counters, summed.
 *
 * Every field is documented in README.md ("The stats event"). Sums do not
 * depend on the number of workers, except the peak of active flows, which is
 * the sum of each worker's peak. */
#include <stdio.h>
#include <string.h>

#include "taishi/enrich/assets.h"
#include "taishi/event/event.h"
#include "taishi/output/output.h"
#include "taishi/pipeline/stats.h"
#include "worker_internal.h"

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

/* The 10 largest protocols by bytes, and the 10 heaviest hosts, summed
 * over the workers. */
#define TOP_N 10
static void write_mix(struct jw *w, struct worker **workers, const struct worker_snapshot *sn,
                      int nworkers)
{
    static uint64_t bytes[WORKER_MIX_SLOTS], flows[WORKER_MIX_SLOTS];
    int used[TOP_N], nused = 0;

    memset(bytes, 0, sizeof(bytes));
    memset(flows, 0, sizeof(flows));
    for (int i = 0; i < nworkers; i++)
        for (int p = 0; p < WORKER_MIX_SLOTS; p++) {
            bytes[p] += sn[i].st.mix_bytes[p];
            flows[p] += sn[i].st.mix_flows[p];
        }
    while (nused < TOP_N) {                 /* selection: N is small */
        int best = -1;
        for (int p = 0; p < WORKER_MIX_SLOTS; p++) {
            int taken = 0;
            for (int j = 0; j < nused; j++)
                taken |= used[j] == p;
            if (!taken && (bytes[p] || flows[p]) && (best < 0 || bytes[p] > bytes[best]))
                best = p;
        }
        if (best < 0)
            break;
        used[nused++] = best;
    }
    jw_karr(w, "protocols");
    for (int j = 0; j < nused; j++) {
        struct dpi_flow pf;
        char name[64];
        memset(&pf, 0, sizeof(pf));
        pf.app = (uint16_t)used[j];
        dpi_protocol_name(workers[0]->dpi, &pf, name, sizeof(name));
        jw_obj_begin(w);
        jw_kstr(w, "name", name);
        jw_ku64(w, "bytes", bytes[used[j]]);
        jw_ku64(w, "flows", flows[used[j]]);
        jw_obj_end(w);
    }
    jw_arr_end(w);

    static struct talker all[TALKERS_K * 256];
    int n = 0;
    for (int i = 0; i < nworkers && i < 256; i++)
        for (int k = 0; k < sn[i].st.talkers.n; k++) {
            const struct talker *t = &sn[i].st.talkers.t[k];
            int j;
            for (j = 0; j < n && (all[j].ipver != t->ipver || memcmp(all[j].addr, t->addr, 16)); j++)
                ;
            if (j == n)
                all[n++] = *t;
            else
                all[j].bytes += t->bytes;
        }
    jw_karr(w, "top_talkers");
    for (int r = 0; r < TOP_N && r < n; r++) {
        int best = r;
        for (int j = r + 1; j < n; j++)
            if (all[j].bytes > all[best].bytes ||
                (all[j].bytes == all[best].bytes && memcmp(all[j].addr, all[best].addr, 16) < 0))
                best = j;
        struct talker tmp = all[r]; all[r] = all[best]; all[best] = tmp;
        jw_obj_begin(w);
        jw_key(w, "ip");
        jw_ip(w, all[r].addr, all[r].ipver);
        jw_ku64(w, "bytes", all[r].bytes);
        jw_obj_end(w);
    }
    jw_arr_end(w);
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

void stats_write_event(struct jw *w, const struct config *cfg, const struct capture_totals *ct,
                       struct worker **workers, int nworkers, const struct output *out,
                       struct asset_inventory *inv)
{
    const struct capture_stats *cs = &ct->cap;
    const struct defrag_stats *ds = &ct->frag;
    struct flow_stats fs;
    struct dpi_stats dp;
    struct stream_stats ss;
    struct detect_stats dts;
    struct app_stats as;
    static struct worker_stats ws;         /* big (protocol mix); stats are written by one thread */
    static struct worker_snapshot sn[256];

    if (nworkers > 256)
        nworkers = 256;
    for (int i = 0; i < nworkers; i++)     /* what each worker last published */
        worker_snapshot(workers[i], &sn[i]);
    memset(&fs, 0, sizeof(fs));
    memset(&dp, 0, sizeof(dp));
    memset(&ss, 0, sizeof(ss));
    memset(&dts, 0, sizeof(dts));
    memset(&as, 0, sizeof(as));
    memset(&ws, 0, sizeof(ws));
    for (int i = 0; i < nworkers; i++) {
        const struct flow_stats *f = &sn[i].fs;
        const struct dpi_stats *d = &sn[i].ds;
        const struct worker_stats *s = &sn[i].st;
        fs.created += f->created;
        fs.active += f->active;
        fs.peak_active += f->peak_active;
        fs.memcap_evictions += f->memcap_evictions;
        for (int r = 0; r < FR_MAX; r++)
            fs.ended[r] += f->ended[r];
        add_counters(&ss, &sn[i].ss, sizeof(ss));
        add_counters(&as, &sn[i].as, sizeof(as));
        add_counters(&dts, &sn[i].dts, sizeof(dts));
        dp.packets += d->packets;
        dp.flows += d->flows;
        dp.detected += d->detected;
        dp.guessed += d->guessed;
        dp.unknown += d->unknown;
        ws.packets += s->packets;
        ws.events_dropped += s->events_dropped;
        ws.anomalies_suppressed += s->anomalies_suppressed;
        for (int k = 0; k < 4; k++)
            ws.alerts_by_severity[k] += s->alerts_by_severity[k];
        for (int e = 0; e < ET_MAX; e++)
            ws.events[e] += s->events[e];
    }

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

    write_decoder(w, &ct->dec);

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
    jw_ku64(w, "created", fs.created);
    jw_ku64(w, "active", fs.active);
    jw_ku64(w, "peak_active", fs.peak_active);
    jw_ku64(w, "memcap_evictions", fs.memcap_evictions);
    jw_kobj(w, "ended");
    for (int r = 0; r < FR_MAX; r++)
        if (r != FR_REUSED)
            jw_ku64(w, flow_table_reason_name((enum flow_end_reason)r), fs.ended[r]);
    jw_obj_end(w);
    jw_ku64(w, "bytes_per_flow", flow_table_bytes_per_flow());
    jw_ku64(w, "bytes_per_flow_in_dpi", dpi_flow_state_bytes());
    jw_obj_end(w);

    jw_kobj(w, "dpi");
    jw_ku64(w, "packets", dp.packets);
    jw_ku64(w, "flows", dp.flows);
    jw_ku64(w, "detected", dp.detected);
    jw_ku64(w, "guessed", dp.guessed);
    jw_ku64(w, "unknown", dp.unknown);
    jw_obj_end(w);

    jw_kobj(w, "stream");
    jw_ku64(w, "segments", ss.segments);
    jw_ku64(w, "bytes", ss.bytes);
    jw_ku64(w, "out_of_order", ss.ooo_segments);
    jw_ku64(w, "retransmits", ss.retransmits);
    jw_ku64(w, "overlaps", ss.overlaps);
    jw_ku64(w, "gaps", ss.gaps);
    jw_ku64(w, "gap_bytes", ss.gap_bytes);
    jw_ku64(w, "queue_limit", ss.queue_limit);
    jw_ku64(w, "memory", ss.memory);
    jw_obj_end(w);

    jw_kobj(w, "app_layer");
    for (int id = 1; id <= app_registry_count(); id++) {     /* "<parser>_<counter>" */
        const struct app_parser *p = app_registry_get(id);
        for (int c = 0; c < APP_COUNTERS_MAX && p->counters[c]; c++) {
            char k[64];
            snprintf(k, sizeof(k), "%s_%s", p->name, p->counters[c]);
            jw_ku64(w, k, as.counters[id - 1][c]);
        }
    }
    jw_ku64(w, "gaps", as.gaps);
    jw_ku64(w, "memory", as.memory);
    jw_obj_end(w);

    jw_kobj(w, "detect");
    jw_ku64(w, "candidates", dts.candidates);
    jw_ku64(w, "verified", dts.verified);
    jw_ku64(w, "alerts", dts.alerts);
    jw_ku64(w, "suppressed", dts.suppressed);
    jw_obj_end(w);

    write_mix(w, workers, sn, nworkers);

    jw_kobj(w, "alerts");
    jw_ku64(w, "severity_1", ws.alerts_by_severity[0]);
    jw_ku64(w, "severity_2", ws.alerts_by_severity[1]);
    jw_ku64(w, "severity_3", ws.alerts_by_severity[2]);
    jw_ku64(w, "other", ws.alerts_by_severity[3]);
    jw_obj_end(w);

    jw_kobj(w, "events");
    for (int e = 0; e < ET_MAX; e++)
        if (e != ET_STATS && config_event_name((enum event_type)e))
            jw_ku64(w, config_event_name((enum event_type)e), ws.events[e]);
    jw_ku64(w, "dropped", ws.events_dropped);
    jw_ku64(w, "anomalies_suppressed", ws.anomalies_suppressed);
    jw_obj_end(w);

    if (inv) {
        struct asset_stats ast;
        assets_stats(inv, &ast);
        jw_kobj(w, "assets");
        jw_ku64(w, "known", ast.known);
        jw_ku64(w, "announced", ast.announced);
        jw_ku64(w, "forgotten", ast.forgotten);
        jw_ku64(w, "loaded", ast.loaded);
        jw_obj_end(w);
    }

    if (output_has_kafka(out)) {            /* as of this event; the final flush comes after */
        struct kafka_stats ks;
        output_stats(out, &ks);
        jw_kobj(w, "kafka");
        jw_ku64(w, "produced", ks.produced);
        jw_ku64(w, "delivered", ks.delivered);
        jw_ku64(w, "spooled", ks.spooled);
        jw_ku64(w, "replayed", ks.replayed);
        jw_ku64(w, "dropped", ks.dropped);
        jw_ku64(w, "failed_deliveries", ks.failed_deliveries);
        jw_ku64(w, "spool_bytes", ks.spool_bytes);
        jw_ku64(w, "spool_segments", ks.spool_segments);
        jw_ku64(w, "spool_segments_dropped", ks.spool_segments_dropped);
        jw_ku64(w, "spool_write_errors", ks.spool_write_errors);
        jw_ku64(w, "damaged", ks.damaged);
        jw_ku64(w, "lost", ks.lost);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}
