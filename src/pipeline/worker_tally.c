/* worker_tally.c - the counts a worker keeps for the run summary and the
 * metrics beyond the stats event's: signatures (a space-saving summary of
 * WORKER_SIGS, as the top talkers), cross-border flows by country (the
 * first WORKER_COUNTRIES countries, the rest counted together).
 *
 * Each worker_stats belongs to its worker's thread; these only count into
 * it (the worker publishes it with the others, worker_publish). */
#include <stdio.h>
#include <string.h>

#include "taishi/pipeline/worker.h"

void worker_stats_alert(struct worker_stats *st, uint32_t gid, uint32_t sid, int severity,
                        const char *msg)
{
    int min = 0;

    st->alerts_by_severity[severity >= 1 && severity <= 3 ? severity - 1 : 3]++;
    for (int i = 0; i < st->nsigs; i++) {
        struct worker_sig *g = &st->sigs[i];
        if (g->gid == gid && g->sid == sid) {
            g->count++;
            return;
        }
        if (g->count < st->sigs[min].count)
            min = i;
    }
    struct worker_sig *g;
    uint64_t base = 0;
    if (st->nsigs < WORKER_SIGS) {
        g = &st->sigs[st->nsigs++];
    } else {                                /* replace the rarest, inheriting its count */
        g = &st->sigs[min];
        base = g->count;
    }
    g->gid = gid;
    g->sid = sid;
    g->severity = (uint32_t)severity;
    g->count = base + 1;
    snprintf(g->msg, sizeof(g->msg), "%s", msg ? msg : "");
}

void worker_stats_cross_border(struct worker_stats *st, const char *cc, uint64_t bytes)
{
    st->risk_cross_border++;
    for (int i = 0; i < st->nxb; i++)
        if (!strcmp(st->xb[i].cc, cc)) {
            st->xb[i].flows++;
            st->xb[i].bytes += bytes;
            return;
        }
    if (st->nxb == WORKER_COUNTRIES) {
        st->xb_other++;
        return;
    }
    struct worker_country *c = &st->xb[st->nxb++];
    snprintf(c->cc, sizeof(c->cc), "%s", cc);
    c->flows = 1;
    c->bytes = bytes;
}
