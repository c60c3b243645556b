/* detect_alertq.c - what happens to the matches of one packet: Suricata's
 * action order, pass, thresholds (detect.h).
 *
 * A rule that verifies (detect.c) applies its flowbits and flowints at once,
 * as Suricata's post-match does, and joins the worker's queue for the
 * packet being processed: its packet, stream-chunk and transaction matches
 * alike. detect_packet_done() then sorts the queue by rule order (the
 * engine's: action-order first, then flowbits use, priority, load order;
 * detect_compile.c) and walks it as Suricata's PacketAlertFinalize does:
 *   - threshold / detection_filter decide whether a match counts;
 *   - a pass that counts ends the walk: every lower-ranked match of the
 *     packet is dropped, alerts included; the pass itself is logged only
 *     with the `alert` keyword. It passes the whole flow (no rule is
 *     inspected on it again) when the rule is IP-only or protocol-only, or
 *     the match was in the stream or a transaction; else only the packet;
 *   - noalert matches count (thresholds, pass) but are not logged.
 * drop and reject rules alert (taishi is passive: an IDS, as Suricata
 * without inline mode); as in Suricata, a drop or reject that applies to
 * the flow (same kinds as pass) also ends inspection of the flow, but
 * lower-ranked matches of the packet still alert.
 *
 * The matched buffer of each queued alert (for payload_printable) is copied
 * into the worker's arena, at most ALERTQ_BUF_MAX bytes: the stream chunk or
 * transaction it points into is gone by the end of the packet.
 *
 * Thresholds and detection_filter are counted in one table for the whole
 * process (a source's flows spread over workers), under a mutex: it is only
 * taken when a rule that has one matches, never on the packet path.
 *
 * Ownership: the queue and arena belong to the detect_thread (one worker);
 * they grow to the largest packet's need and are reused. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "detect_internal.h"
#include "taishi/core/util.h"

#define THR_SIZE 65536              /* threshold entries, all workers */
#define THR_PROBE 8

struct thr_entry {
    uint32_t sid, gid;
    uint8_t key[32];
    uint32_t count;
    uint64_t start_ns;
    uint8_t used;
};

static struct thr_entry thr_tab[THR_SIZE];
static pthread_mutex_t thr_mu = PTHREAD_MUTEX_INITIALIZER;

static int threshold_locked(const struct detect_ctx *c, const struct rule *r,
                            const struct rule_threshold *th, const struct detect_flow *f)
{
    uint8_t key[32] = { 0 };
    const uint8_t *src = c->dir ? c->key->dst : c->key->src, *dst = c->dir ? c->key->src : c->key->dst;
    switch (th->track) {
    case TRACK_BY_SRC: memcpy(key, src, 16); break;
    case TRACK_BY_DST: memcpy(key, dst, 16); break;
    case TRACK_BY_BOTH: memcpy(key, src, 16); memcpy(key + 16, dst, 16); break;
    case TRACK_BY_FLOW: memcpy(key, &f, sizeof(f)); break;
    default: break;
    }
    uint64_t h = 1469598103934665603ULL ^ r->sid ^ ((uint64_t)r->gid << 32) ^ th->type;
    for (int i = 0; i < 32; i++)
        h = (h ^ key[i]) * 1099511628211ULL;
    struct thr_entry *e = NULL, *victim = NULL;
    for (int i = 0; i < THR_PROBE; i++) {
        struct thr_entry *x = &thr_tab[(h + (uint64_t)i) & (THR_SIZE - 1)];
        if (x->used && x->sid == r->sid && x->gid == r->gid && !memcmp(x->key, key, 32)) {
            e = x;
            break;
        }
        if (!victim || !x->used || (victim->used && x->start_ns < victim->start_ns))
            victim = x;
    }
    uint64_t win = (uint64_t)th->seconds * 1000000000ULL;
    if (!e || c->ts_ns >= e->start_ns + win) {      /* workers may bring older packets: same window */
        e = e ? e : victim;
        e->used = 1;
        e->sid = r->sid;
        e->gid = r->gid;
        memcpy(e->key, key, 32);
        e->count = 0;
        e->start_ns = c->ts_ns;
    }
    e->count++;
    switch (th->type) {
    case TH_LIMIT: return e->count <= th->count;
    case TH_THRESHOLD:
        if (e->count >= th->count) {
            e->count = 0;
            return 1;
        }
        return 0;
    case TH_BOTH: return e->count == th->count;
    case TH_DETECTION_FILTER: return e->count > th->count;
    default: return 1;
    }
}

/* Threshold and detection_filter: does this match count? */
static int threshold_ok(const struct detect_ctx *c, const struct rule *r,
                        const struct rule_threshold *th, const struct detect_flow *f)
{
    pthread_mutex_lock(&thr_mu);
    int ok = threshold_locked(c, r, th, f);
    pthread_mutex_unlock(&thr_mu);
    return ok;
}

void detect_alertq_push(struct detect_thread *t, const struct drule *d, const struct detect_ctx *c,
                        const uint8_t *buf, uint32_t len, int flow_scope)
{
    if (t->nq == t->capq) {
        t->capq = t->capq ? t->capq * 2 : 32;
        t->q = xreallocarray(t->q, t->capq, sizeof(*t->q));
    }
    struct alertq_ent *a = &t->q[t->nq];
    a->rule = d->r->index;
    a->seq = t->nq++;
    a->flow_scope = (uint8_t)flow_scope;
    a->c = *c;
    a->boff = a->blen = 0;
    if (buf && len) {
        uint32_t n = len < ALERTQ_BUF_MAX ? len : ALERTQ_BUF_MAX;
        if (t->nqbuf + n > t->capqbuf) {
            size_t cap = t->capqbuf ? t->capqbuf : 16384;
            while (cap < t->nqbuf + n)
                cap *= 2;
            t->qbuf = xreallocarray(t->qbuf, cap, 1);
            t->capqbuf = cap;
        }
        memcpy(t->qbuf + t->nqbuf, buf, n);
        a->boff = (uint32_t)t->nqbuf;
        a->blen = n;
        t->nqbuf += n;
    }
}

void detect_alertq_free(struct detect_thread *t)
{
    free(t->q);
    free(t->qbuf);
}

static int ent_cmp(const struct alertq_ent *x, const struct alertq_ent *y, const struct detect_engine *e)
{
    uint64_t ox = e->dr[x->rule].order, oy = e->dr[y->rule].order;
    if (ox != oy)
        return ox < oy ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void detect_packet_done(struct detect_thread *t, struct detect_flow *f, const struct detect_alert_cb *cb)
{
    if (!t->nq)
        return;
    if (!f) {
        t->nq = 0;
        t->nqbuf = 0;
        return;
    }
    const struct detect_engine *e = f->e;
    /* insertion sort: a packet's matches are few, and mostly in order */
    for (uint32_t i = 1; i < t->nq; i++) {
        struct alertq_ent x = t->q[i];
        uint32_t j = i;
        while (j > 0 && ent_cmp(&t->q[j - 1], &x, e) > 0) {
            t->q[j] = t->q[j - 1];
            j--;
        }
        t->q[j] = x;
    }
    for (uint32_t i = 0; i < t->nq; i++) {
        const struct alertq_ent *a = &t->q[i];
        const struct rule *r = e->dr[a->rule].r;
        if (((r->has & RH_DFILTER) && !threshold_ok(&a->c, r, &r->dfilter, f)) ||
            ((r->has & RH_THRESH) && !threshold_ok(&a->c, r, &r->threshold, f))) {
            t->st.suppressed++;
            continue;
        }
        int pass = r->action == RA_PASS;
        if (pass)
            t->st.passed++;
        if (a->flow_scope && r->action != RA_ALERT)
            f->passed = 1;      /* pass, or drop/reject: the flow is not inspected again */
        if (!r->noalert && (!pass || r->alert)) {
            t->st.alerts++;
            if (cb && cb->alert)
                cb->alert(cb->ud, &a->c, r, a->blen ? t->qbuf + a->boff : NULL, a->blen);
        }
        if (pass) {
            t->st.pass_dropped += t->nq - i - 1;
            break;
        }
    }
    t->nq = 0;
    t->nqbuf = 0;
}

int detect_flow_passed(const struct detect_flow *f)
{
    return f && f->passed;
}

void detect_flow_no_payload(struct detect_flow *f)
{
    if (f)
        f->no_payload = 1;
}
