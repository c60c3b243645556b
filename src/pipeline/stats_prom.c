/* stats_prom.c - the collected totals (stats.c) in Prometheus' text
 * exposition format 0.0.4, for GET /metrics (control/metrics.c serves it).
 *
 * Names follow Prometheus' conventions: the prefix taishi_, counters end in
 * _total, units in the name (_bytes, _seconds), labels for what one family
 * splits by (interface, layer, reason, type, severity, worker, ...). Every
 * counter here is a field of the `stats` event (same totals), so a scrape
 * and the event written at the same moment agree; the summary's finer
 * tables (signatures, risk causes, countries) are here too, bounded by the
 * workers' summaries. Label sets stay bounded: at most STATS_IFACES_MAX
 * interfaces, the workers, 32 signatures and 64 countries per worker.
 *
 * Pure formatting into the caller's buffer: no state, no allocation. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "taishi/config/config.h"
#include "taishi/core/util.h"
#include "taishi/pipeline/stats.h"

struct pbuf {
    char *p;
    size_t len, cap;
    int full;
};

static void put(struct pbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct pbuf *b, const char *fmt, ...)
{
    va_list ap;

    if (b->full)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len)
        b->full = 1;
    else
        b->len += (size_t)n;
}

/* A label value: backslash, double quote and newline escaped. */
static void put_label(struct pbuf *b, const char *v)
{
    char e[512];
    size_t n = 0;

    for (; *v && n + 2 < sizeof(e); v++) {
        if (*v == '\\' || *v == '"') {
            e[n++] = '\\';
            e[n++] = *v;
        } else if (*v == '\n') {
            e[n++] = '\\';
            e[n++] = 'n';
        } else {
            e[n++] = *v;
        }
    }
    e[n] = 0;
    put(b, "%s", e);
}

static void family(struct pbuf *b, const char *name, const char *type, const char *help)
{
    put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct pbuf *b, const char *name, const char *type, const char *help, uint64_t v)
{
    family(b, name, type, help);
    put(b, "%s %llu\n", name, (unsigned long long)v);
}

/* name{label="value"} v */
static void labelled(struct pbuf *b, const char *name, const char *label, const char *value,
                     uint64_t v)
{
    put(b, "%s{%s=\"", name, label);
    put_label(b, value);
    put(b, "\"} %llu\n", (unsigned long long)v);
}

static void capture(struct pbuf *b, const struct stats_totals *t, const char *const *ifaces,
                    int nifaces)
{
    const struct capture_stats *cs = &t->ct.cap;
    static const struct { const char *name, *help; } fam[] = {
        { "taishi_capture_packets_total", "Frames captured (live: per interface; files: -r)." },
        { "taishi_capture_bytes_total", "Bytes of the frames captured, as on the wire." },
        { "taishi_capture_kernel_drops_total", "Frames the kernel ring dropped (live capture)." },
        { "taishi_capture_interface_drops_total", "Frames the interface or driver dropped (live)." },
    };

    for (int f = 0; f < 4; f++) {
        family(b, fam[f].name, "counter", fam[f].help);
        if (!nifaces) {
            uint64_t v = f == 0 ? cs->packets : f == 1 ? cs->bytes :
                         f == 2 ? cs->kernel_drops : cs->interface_drops;
            labelled(b, fam[f].name, "interface", "-r", v);
            continue;
        }
        for (int i = 0; i < nifaces && i < STATS_IFACES_MAX; i++) {
            uint64_t v = f == 0 ? cs->if_packets[i] : f == 1 ? cs->if_bytes[i] :
                         f == 2 ? cs->if_kernel_drops[i] : cs->if_interface_drops[i];
            labelled(b, fam[f].name, "interface", ifaces[i], v);
        }
    }
    one(b, "taishi_capture_internal_drops_total", "counter",
        "Frames captured but not processed by taishi.", cs->internal_drops);
    one(b, "taishi_capture_read_errors_total", "counter", "Capture files found corrupt.",
        cs->read_errors);
    one(b, "taishi_capture_oversized_total", "counter", "Frames cut to 256 KiB.", cs->oversized);
    one(b, "taishi_capture_interface_errors_total", "counter",
        "Times a live interface was lost.", cs->interface_errors);
    one(b, "taishi_capture_reconnects_total", "counter",
        "Times a lost interface was opened again.", cs->reconnects);
    one(b, "taishi_capture_files_total", "counter", "Capture files read (-r).", cs->files);
}

static void decoder(struct pbuf *b, const struct stats_totals *t)
{
    const struct decode_stats *d = &t->ct.dec;
    static const char *const layer[] = { "ipv4", "ipv6", "tcp", "udp", "icmpv4", "icmpv6", "sctp",
                                         "other_l4", "vlan", "mpls", "pppoe", "non_ip" };
    const uint64_t v[] = { d->ipv4, d->ipv6, d->tcp, d->udp, d->icmp, d->icmpv6, d->sctp,
                           d->other_l4, d->vlan, d->mpls, d->pppoe, d->non_ip };

    family(b, "taishi_decoder_packets_total", "counter", "Packets decoded, by layer and tunnel.");
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        labelled(b, "taishi_decoder_packets_total", "layer", layer[i], v[i]);
    for (int tt = 1; tt < TUNNEL_MAX; tt++)
        labelled(b, "taishi_decoder_packets_total", "layer", decode_tunnel_name((enum tunnel_type)tt),
                 d->tunnel[tt]);
    one(b, "taishi_decoder_invalid_total", "counter", "Packets that did not decode.", d->invalid);
    one(b, "taishi_decoder_snaplen_truncated_total", "counter", "Frames cut by the snap length.",
        d->snaplen_truncated);
    family(b, "taishi_decoder_events_total", "counter", "Decoder anomalies, by event name.");
    for (unsigned e = 1; e < EV_MAX; e++)
        if (d->events[e])
            labelled(b, "taishi_decoder_events_total", "event", decode_event_name(e), d->events[e]);
    const struct defrag_stats *ds = &t->ct.frag;
    one(b, "taishi_defrag_fragments_total", "counter", "IP fragments seen.", ds->fragments);
    one(b, "taishi_defrag_reassembled_total", "counter", "Datagrams reassembled.", ds->reassembled);
    one(b, "taishi_defrag_timeouts_total", "counter", "Incomplete datagrams dropped.", ds->timeouts);
}

static void flows(struct pbuf *b, const struct stats_totals *t)
{
    char w[16];

    one(b, "taishi_flows_created_total", "counter", "Flows created.", t->fs.created);
    one(b, "taishi_flows_active", "gauge", "Flows in the tables now.", t->fs.active);
    one(b, "taishi_flow_memcap_evictions_total", "counter", "Flows ended by flow.memcap.",
        t->fs.memcap_evictions);
    family(b, "taishi_flows_ended_total", "counter", "Flows ended, by reason.");
    for (int r = 0; r < FR_MAX; r++)
        if (r != FR_REUSED)
            labelled(b, "taishi_flows_ended_total", "reason",
                     flow_table_reason_name((enum flow_end_reason)r), t->fs.ended[r]);
    one(b, "taishi_dpi_packets_total", "counter", "Packets given to nDPI.", t->dp.packets);
    family(b, "taishi_dpi_flows_total", "counter", "Flows nDPI finished with, by result.");
    labelled(b, "taishi_dpi_flows_total", "result", "detected", t->dp.detected);
    labelled(b, "taishi_dpi_flows_total", "result", "guessed", t->dp.guessed);
    labelled(b, "taishi_dpi_flows_total", "result", "unknown", t->dp.unknown);
    one(b, "taishi_stream_segments_total", "counter", "TCP segments delivered in order.",
        t->ss.segments);
    one(b, "taishi_stream_bytes_total", "counter", "TCP bytes delivered in order.", t->ss.bytes);
    one(b, "taishi_stream_gaps_total", "counter", "TCP holes given up.", t->ss.gaps);
    one(b, "taishi_stream_memory_bytes", "gauge", "Out-of-order TCP bytes held.", t->ss.memory);

    /* per worker: where the load goes */
    family(b, "taishi_worker_packets_total", "counter", "Packets a worker processed.");
    for (int i = 0; i < t->nworkers; i++) {
        snprintf(w, sizeof(w), "%d", i);
        labelled(b, "taishi_worker_packets_total", "worker", w, t->sn[i].st.packets);
    }
    family(b, "taishi_worker_flows_active", "gauge", "Flows in a worker's table now.");
    for (int i = 0; i < t->nworkers; i++) {
        snprintf(w, sizeof(w), "%d", i);
        labelled(b, "taishi_worker_flows_active", "worker", w, t->sn[i].fs.active);
    }
    family(b, "taishi_worker_events_dropped_total", "counter",
           "Events too large for a worker's buffer.");
    for (int i = 0; i < t->nworkers; i++) {
        snprintf(w, sizeof(w), "%d", i);
        labelled(b, "taishi_worker_events_dropped_total", "worker", w, t->sn[i].st.events_dropped);
    }
}

static void events(struct pbuf *b, const struct stats_totals *t)
{
    const struct worker_stats *ws = &t->ws;
    static const char *const sev[] = { "1", "2", "3", "other" };

    family(b, "taishi_events_total", "counter", "Events written, by event_type.");
    for (int e = 0; e < ET_MAX; e++)
        if (e != ET_STATS && config_event_name((enum event_type)e))
            labelled(b, "taishi_events_total", "type", config_event_name((enum event_type)e),
                     ws->events[e]);
    one(b, "taishi_events_dropped_total", "counter", "Events too large for the buffer.",
        ws->events_dropped);
    one(b, "taishi_anomalies_suppressed_total", "counter", "Anomalies beyond anomaly.rate-limit.",
        ws->anomalies_suppressed);
    family(b, "taishi_alerts_total", "counter", "Alerts written, by severity.");
    for (int k = 0; k < 4; k++)
        labelled(b, "taishi_alerts_total", "severity", sev[k], ws->alerts_by_severity[k]);
    family(b, "taishi_signature_alerts_total", "counter",
           "Alerts of the most frequent signatures (top 10).");
    for (int i = 0; i < t->nsigs && i < STATS_TOP; i++) {
        const struct worker_sig *g = &t->sigs[i];
        put(b, "taishi_signature_alerts_total{gid=\"%u\",sid=\"%u\",signature=\"", g->gid, g->sid);
        put_label(b, g->msg);
        put(b, "\"} %llu\n", (unsigned long long)g->count);
    }
    family(b, "taishi_risks_total", "counter", "Flows with a risk event, by cause.");
    for (int i = 0; i < t->nrisks; i++)
        labelled(b, "taishi_risks_total", "cause", t->risks[i].name, t->risks[i].count);
    family(b, "taishi_cross_border_flows_total", "counter",
           "Cross-border policy hits, by country of the far end.");
    for (int i = 0; i < t->nxb; i++)
        labelled(b, "taishi_cross_border_flows_total", "country", t->xb[i].cc, t->xb[i].flows);
    one(b, "taishi_detect_candidates_total", "counter", "Rules nominated by Hyperscan.",
        t->dts.candidates);
    one(b, "taishi_detect_verified_total", "counter", "Nominated rules verified whole.",
        t->dts.verified);
    one(b, "taishi_detect_suppressed_total", "counter", "Alerts held back by thresholds.",
        t->dts.suppressed);
    one(b, "taishi_detect_pcre_limit_total", "counter",
        "pcre runs stopped by pcre.match-limit or pcre.match-limit-recursion.", t->dts.pcre_limit);
}

static void control(struct pbuf *b, const struct stats_totals *t)
{
    const struct stats_rules *r = &t->rules;

    one(b, "taishi_rules_loaded", "gauge", "Rules in the ruleset in use.", r->rules);
    one(b, "taishi_rules_reloads_total", "counter", "Rule reloads that took effect (SIGHUP).",
        r->reloads);
    one(b, "taishi_rules_reload_failures_total", "counter",
        "Rule reloads refused (the old rules stayed).", r->reload_failures);
    family(b, "taishi_rules_last_load_timestamp_seconds", "gauge",
           "When the ruleset in use was loaded (Unix time).");
    put(b, "taishi_rules_last_load_timestamp_seconds %.3f\n", (double)r->loaded_at_ns / 1e9);
    family(b, "taishi_ruleset_info", "gauge", "The ruleset in use (sha256 of its files).");
    if (r->loaded)
        put(b, "taishi_ruleset_info{sha256=\"%s\"} 1\n", r->sha256);
    if (t->has_assets) {
        one(b, "taishi_assets_known", "gauge", "Servers in the inventory.", t->ast.known);
        one(b, "taishi_assets_announced_total", "counter", "asset events written.",
            t->ast.announced);
    }
    const struct kafka_stats *k = &t->ks;
    uint64_t settled = k->delivered + k->failed_deliveries + k->replayed;
    one(b, "taishi_kafka_produced_total", "counter", "Messages handed to librdkafka.", k->produced);
    one(b, "taishi_kafka_delivered_total", "counter", "Messages the brokers acknowledged.",
        k->delivered);
    one(b, "taishi_kafka_delivery_failures_total", "counter",
        "Delivery reports with an error (the event went to the spool).", k->failed_deliveries);
    one(b, "taishi_kafka_queue_messages", "gauge",
        "Messages with librdkafka awaiting a delivery report.",
        k->produced > settled ? k->produced - settled : 0);
    one(b, "taishi_kafka_spooled_total", "counter", "Events written to the disk spool.", k->spooled);
    one(b, "taishi_kafka_replayed_total", "counter", "Spooled events delivered later.", k->replayed);
    one(b, "taishi_kafka_dropped_total", "counter", "Events dropped: the spool was full.",
        k->dropped);
    one(b, "taishi_spool_bytes", "gauge", "Bytes in the disk spool.", k->spool_bytes);
    one(b, "taishi_spool_segments", "gauge", "Segment files in the disk spool.", k->spool_segments);
}

size_t stats_prometheus(char *buf, size_t len, const struct stats_totals *t,
                        const char *const *ifaces, int nifaces)
{
    struct pbuf b = { buf, 0, len, 0 };

    if (len == 0)
        return 0;
    capture(&b, t, ifaces, nifaces);
    decoder(&b, t);
    flows(&b, t);
    events(&b, t);
    control(&b, t);
    return b.full ? 0 : b.len;
}
