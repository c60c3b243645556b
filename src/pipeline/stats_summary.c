/* stats_summary.c - the run summary: a short table for a person at a
 * terminal, written at the end of a run (--summary, config key `summary`).
 *
 * Every number comes from the collected totals the final `stats` event is
 * written from (stats.c), so the table and the event cannot disagree; the
 * signatures, risk causes and countries are the workers' bounded summaries
 * (the same ones the metrics expose). At most STATS_TOP rows per table.
 *
 * Writes to the caller's FILE; keeps nothing. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "taishi/config/config.h"
#include "taishi/pipeline/stats.h"

#define ROWS 5

/* 1234567 -> "1.2 MB" (powers of 1000: what people read on a terminal) */
static const char *human(uint64_t v, char *out, size_t len)
{
    static const char *const unit[] = { "B", "kB", "MB", "GB", "TB", "PB" };
    double d = (double)v;
    int u = 0;

    while (d >= 1000 && u < 5) {
        d /= 1000;
        u++;
    }
    if (u == 0)
        snprintf(out, len, "%llu B", (unsigned long long)v);
    else
        snprintf(out, len, "%.1f %s", d, unit[u]);
    return out;
}

static const char *ip_str(const struct talker *t, char *out, size_t len)
{
    if (!inet_ntop(t->ipver == 6 ? AF_INET6 : AF_INET, t->addr, out,
                   (socklen_t)len))
        snprintf(out, len, "?");
    return out;
}

void stats_summary(FILE *f, const struct stats_totals *t)
{
    const struct capture_stats *cs = &t->ct.cap;
    const struct worker_stats *ws = &t->ws;
    char a[32], b[64];
    uint64_t alerts = 0, risks = 0, xb = 0;

    for (int k = 0; k < 4; k++)
        alerts += ws->alerts_by_severity[k];
    for (int i = 0; i < t->nrisks; i++)
        risks += t->risks[i].count;
    for (int i = 0; i < t->nxb; i++)
        xb += t->xb[i].flows;

    fprintf(f, "\n== taishi run summary ==\n");
    fprintf(f, "  %-22s %llu packets, %s, %llu flows\n", "traffic",
            (unsigned long long)cs->packets, human(cs->bytes, a, sizeof(a)),
            (unsigned long long)t->fs.created);
    fprintf(f, "  %-22s kernel %llu, interface %llu, internal %llu, events %llu%s\n", "drops",
            (unsigned long long)cs->kernel_drops, (unsigned long long)cs->interface_drops,
            (unsigned long long)cs->internal_drops, (unsigned long long)ws->events_dropped,
            cs->read_errors ? " (a capture file was corrupt)" : "");

    fprintf(f, "  %-22s", "protocols by bytes");
    if (!t->nproto)
        fprintf(f, " -\n");
    for (int i = 0; i < t->nproto && i < ROWS; i++)
        fprintf(f, "%s %-20s %10s  %llu flow%s\n", i ? "                        " : "",
                t->proto[i].name, human(t->proto[i].bytes, a, sizeof(a)),
                (unsigned long long)t->proto[i].flows, t->proto[i].flows == 1 ? "" : "s");

    fprintf(f, "  %-22s %llu (severity 1: %llu, 2: %llu, 3: %llu, other: %llu)\n", "alerts",
            (unsigned long long)alerts, (unsigned long long)ws->alerts_by_severity[0],
            (unsigned long long)ws->alerts_by_severity[1],
            (unsigned long long)ws->alerts_by_severity[2],
            (unsigned long long)ws->alerts_by_severity[3]);
    for (int i = 0; i < t->nsigs && i < ROWS; i++)
        fprintf(f, "  %-22s %6llu  sev %u  %u:%u  %.60s\n", i ? "" : "  top signatures",
                (unsigned long long)t->sigs[i].count, t->sigs[i].severity, t->sigs[i].gid,
                t->sigs[i].sid, t->sigs[i].msg);

    fprintf(f, "  %-22s", "risks by cause");
    if (!risks)
        fprintf(f, " -\n");
    for (int i = 0; i < t->nrisks && i < ROWS; i++)
        fprintf(f, "%s %6llu  %s\n", i ? "                        " : "",
                (unsigned long long)t->risks[i].count, t->risks[i].name);

    fprintf(f, "  %-22s", "cross-border flows");
    if (!xb)
        fprintf(f, " -\n");
    for (int i = 0; i < t->nxb && i < ROWS; i++)
        fprintf(f, "%s %6llu  %s  %s\n", i ? "                        " : "",
                (unsigned long long)t->xb[i].flows, t->xb[i].cc, human(t->xb[i].bytes, a, sizeof(a)));

    fprintf(f, "  %-22s", "top talkers");
    if (!t->ntalkers)
        fprintf(f, " -\n");
    for (int i = 0; i < t->ntalkers && i < ROWS; i++)
        fprintf(f, "%s %-39s %10s\n", i ? "                        " : "",
                ip_str(&t->talkers[i], b, sizeof(b)), human(t->talkers[i].bytes, a, sizeof(a)));

    fprintf(f, "  %-22s", "events");
    int first = 1;
    for (int e = 0; e < ET_MAX; e++)
        if (e != ET_STATS && config_event_name((enum event_type)e) && ws->events[e]) {
            fprintf(f, "%s %s %llu", first ? "" : ",", config_event_name((enum event_type)e),
                    (unsigned long long)ws->events[e]);
            first = 0;
        }
    fprintf(f, "%s\n", first ? " -" : "");
    if (t->rules.loaded)
        fprintf(f, "  %-22s %llu rules, sha256 %.16s...\n", "ruleset",
                (unsigned long long)t->rules.rules, t->rules.sha256);
}
