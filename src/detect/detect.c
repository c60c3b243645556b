/* detect.c - running the compiled rules (detect.h) in one worker.
 *
 * Each inspection unit (a packet, an in-order TCP chunk, an app
 * transaction) goes: Hyperscan scan of the slot's database -> candidate
 * rules (deduplicated per buffer with a generation mark) + the slot's rules
 * without a literal -> sorted by verification order (flowbit setters first)
 * -> each verified whole (rule_ok): header, flow, flowbits/flowints, every
 * section's payload list -> post-match actions (flowbits, flowints) ->
 * threshold / detection_filter -> alert, at most once per rule per unit.
 *
 * The TCP stream is scanned in Hyperscan streaming mode, one stream per
 * direction, so a literal split across segments is found; the rule is then
 * verified on the chunk, or on the last bytes before it plus the chunk when
 * the literal began in the previous chunk (the flow keeps that tail).
 *
 * Port groups (detect_pgroup.c): a buffer is scanned with its slot's
 * database and, when the flow's server port has a class, that class's
 * sub-slot too (a stream: its own Hyperscan stream, hsx[]). Encrypted flows
 * (detect_flow_no_payload) get no more payload or stream scans.
 *
 * Reload: a flow's state belongs to the engine it was made with (its
 * Hyperscan streams, flowbit ids). At the flow's next packet after a reload
 * the worker moves it to the new engine (detect_flow_migrate: flowbits and
 * flowints carried over by name, stream scanning restarts at that point);
 * the thread keeps a scratch and a count of flows per engine in use and drops
 * an old engine when its last flow has moved or ended, so memory returns to
 * its level once every flow has seen a packet.
 *
 * Ownership: see detect.h. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "detect_internal.h"
#include "taishi/core/util.h"

/* The scan context handed to Hyperscan callbacks. */
struct scan {
    struct detect_thread *t;
    const struct slot *s;
    uint64_t chunk_start;           /* stream: hs offset of the chunk's first byte */
};

/* The protocol group (enum dgroup) of an IP protocol number. */
static int group_of(uint8_t ipproto)
{
    switch (ipproto) {
    case IPPROTO_TCP: return DG_TCP;
    case IPPROTO_UDP: return DG_UDP;
    case IPPROTO_ICMP: case IPPROTO_ICMPV6: return DG_ICMP;
    default: return DG_OTHER;
    }
}

static const struct slot *slot_of(const struct detect_engine *e, int group, int dir, unsigned ibuf)
{
    return e->slots[((unsigned)group * 2 + (unsigned)dir) * e->nibufs + ibuf];
}

static void marks_fit(struct detect_thread *t, uint32_t n)
{
    if (n <= t->marks)
        return;
    t->cmark = xreallocarray(t->cmark, n, sizeof(*t->cmark));
    t->amark = xreallocarray(t->amark, n, sizeof(*t->amark));
    memset(t->cmark + t->marks, 0, (n - t->marks) * sizeof(*t->cmark));
    memset(t->amark + t->marks, 0, (n - t->marks) * sizeof(*t->amark));
    t->marks = n;
}

static void memo_fit(struct detect_thread *t, uint32_t n)
{
    if (n <= t->nmemo)
        return;
    t->memo_stamp = xreallocarray(t->memo_stamp, n, sizeof(*t->memo_stamp));
    t->memo = xreallocarray(t->memo, n, 1);
    memset(t->memo_stamp + t->nmemo, 0, (n - t->nmemo) * sizeof(*t->memo_stamp));
    t->nmemo = n;
}

/* A new flow (or another one than last time): old memos no longer apply. */
static void memo_flow(struct detect_thread *t, const struct detect_flow *f)
{
    if (t->last_flow == f)
        return;
    t->last_flow = f;
    if (++t->stamp == 0) {
        memset(t->memo_stamp, 0, t->nmemo * sizeof(*t->memo_stamp));
        t->stamp = 1;
    }
}

void detect_thread_set_engine(struct detect_thread *t, struct detect_engine *e)
{
    if (t->cur >= 0 && t->use[t->cur].e == e)
        return;
    int slot = -1;
    for (int i = 0; i < MAX_ENGINES; i++)
        if (!t->use[i].e) {
            slot = i;
            break;
        }
    if (t->cur >= 0 && t->use[t->cur].flows == 0) {     /* nothing pins the old one */
        struct engine_use *o = &t->use[t->cur];
        hs_free_scratch(o->scratch);
        detect_engine_unref(o->e);
        memset(o, 0, sizeof(*o));
        slot = t->cur;
    }
    if (slot < 0) {
        LOG(LVL_WARNING, "detect: too many rule reloads in use at once; new flows go uninspected");
        t->cur = -1;
        return;
    }
    struct engine_use *u = &t->use[slot];
    u->e = e;
    detect_engine_ref(e);
    u->scratch = NULL;
    if (e->proto_scratch && hs_clone_scratch(e->proto_scratch, &u->scratch) != HS_SUCCESS)
        u->scratch = NULL;
    u->flows = 0;
    t->cur = slot;
    marks_fit(t, e->nrules);
    memo_fit(t, e->nasets);
}

struct detect_thread *detect_thread_new(struct detect_engine *e)
{
    struct detect_thread *t = xcalloc(1, sizeof(*t));
    t->cur = -1;
    t->md = pcre2_match_data_create(32, NULL);
    if (e)
        detect_thread_set_engine(t, e);
    return t;
}

void detect_thread_free(struct detect_thread *t)
{
    if (!t)
        return;
    for (int i = 0; i < MAX_ENGINES; i++) {
        if (!t->use[i].e)
            continue;
        hs_free_scratch(t->use[i].scratch);
        detect_engine_unref(t->use[i].e);
    }
    free(t->cmark);
    free(t->amark);
    free(t->memo_stamp);
    free(t->memo);
    free(t->cand);
    free(t->cspan);
    free(t->tbuf);
    free(t->wbuf);
    pcre2_match_data_free(t->md);
    detect_alertq_free(t);
    free(t);
}

const struct detect_stats *detect_thread_stats(const struct detect_thread *t)
{
    return &t->st;
}

struct detect_flow *detect_flow_new(struct detect_thread *t)
{
    if (t->cur < 0)
        return NULL;
    struct detect_flow *f = xcalloc(1, sizeof(*f));
    f->u = &t->use[t->cur];
    f->e = f->u->e;
    f->u->flows++;
    return f;
}

void detect_flow_free(struct detect_thread *t, struct detect_flow *f)
{
    if (!f)
        return;
    if (t->last_flow == f)
        t->last_flow = NULL;            /* the address may come back as another flow */
    for (int d = 0; d < 2; d++) {
        if (f->hs[d])
            hs_close_stream(f->hs[d], f->u->scratch, NULL, NULL);
        if (f->hsx[d])
            hs_close_stream(f->hsx[d], f->u->scratch, NULL, NULL);
        free(f->tail[d]);
        free(f->pkx[d]);
    }
    free(f->bits);
    free(f->ints);
    struct engine_use *u = f->u;
    if (--u->flows == 0 && (t->cur < 0 || u != &t->use[t->cur])) {     /* an old engine's last flow */
        hs_free_scratch(u->scratch);
        detect_engine_unref(u->e);
        memset(u, 0, sizeof(*u));
    }
    free(f);
}

static int bit_isset(const struct detect_flow *f, uint16_t id);
static void bit_op(struct detect_flow *f, uint16_t id, int op);
static struct fint *fint_get(struct detect_flow *f, uint16_t id, int create);

int detect_flow_current(const struct detect_thread *t, const struct detect_flow *f)
{
    return !f || t->cur < 0 || f->e == t->use[t->cur].e;
}

static int name_index(char *const *names, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return (int)i;
    return -1;
}

struct detect_flow *detect_flow_migrate(struct detect_thread *t, struct detect_flow *f)
{
    struct detect_flow *n = detect_flow_new(t);
    if (!n)
        return f;
    const struct ruleset *ors = f->e->rs, *nrs = n->e->rs;
    /* flowbits and flowints by name: their ids differ between rulesets */
    for (uint32_t id = 0; f->bits && id < ors->nflowbits; id++) {
        if (!bit_isset(f, (uint16_t)id))
            continue;
        int k = name_index(nrs->flowbit_names, nrs->nflowbits, ors->flowbit_names[id]);
        if (k >= 0)
            bit_op(n, (uint16_t)k, FB_SET);
    }
    for (unsigned i = 0; i < f->nints; i++) {
        if (f->ints[i].id >= ors->nflowints)
            continue;
        int k = name_index(nrs->flowint_names, nrs->nflowints, ors->flowint_names[f->ints[i].id]);
        struct fint *v = k >= 0 ? fint_get(n, (uint16_t)k, 1) : NULL;
        if (v)
            v->v = f->ints[i].v;
    }
    n->ipo_done = f->ipo_done;
    n->passed = f->passed;
    n->no_payload = f->no_payload;
    detect_flow_free(t, f);
    return n;
}

const struct ruleset *detect_flow_ruleset(const struct detect_flow *f)
{
    return detect_engine_ruleset(f->e);
}

uint64_t detect_flow_bytes(const struct detect_flow *f)
{
    if (!f)
        return 0;
    uint64_t n = sizeof(*f) + f->nints * sizeof(struct fint);
    for (int d = 0; d < 2; d++)
        n += f->tail[d] ? TAIL_MAX : 0;
    if (f->bits)
        n += (f->e->rs->nflowbits + 63) / 64 * 8;
    return n;
}

/* ---- rule checks ---- */

static int bit_isset(const struct detect_flow *f, uint16_t id)
{
    return f->bits && (f->bits[id / 64] >> (id % 64) & 1);
}

static void bit_op(struct detect_flow *f, uint16_t id, int op)
{
    if (!f->bits) {
        if (op == FB_UNSET)
            return;
        f->bits = xcalloc((f->e->rs->nflowbits + 63) / 64 + 1, 8);
    }
    uint64_t m = 1ULL << (id % 64);
    if (op == FB_SET)
        f->bits[id / 64] |= m;
    else if (op == FB_UNSET)
        f->bits[id / 64] &= ~m;
    else
        f->bits[id / 64] ^= m;
}

static struct fint *fint_get(struct detect_flow *f, uint16_t id, int create)
{
    for (unsigned i = 0; i < f->nints; i++)
        if (f->ints[i].id == id)
            return &f->ints[i];
    if (!create || f->nints >= 256)
        return NULL;
    f->ints = xreallocarray(f->ints, f->nints + 1u, sizeof(*f->ints));
    f->ints[f->nints] = (struct fint){ id, 0 };
    return &f->ints[f->nints++];
}

static int flow_checks(const struct rule *r, struct detect_flow *f)
{
    for (uint32_t i = 0; i < r->nflowbits; i++) {
        const struct rule_flowbit *b = &r->flowbits[i];
        if (b->op != FB_ISSET && b->op != FB_ISNOTSET)
            continue;
        unsigned set = 0;
        for (unsigned k = 0; k < b->n; k++)
            set += bit_isset(f, b->ids[k]) != 0;
        int ok;
        if (b->op == FB_ISSET)
            ok = b->group == FB_AND ? set == b->n : set > 0;
        else
            ok = b->group == FB_AND ? set == 0 : set < b->n;
        if (!ok)
            return 0;
    }
    for (uint32_t i = 0; i < r->nflowints; i++) {
        const struct rule_flowint *fi = &r->flowints[i];
        if (fi->op <= FI_SUB)
            continue;
        struct fint *v = fint_get(f, fi->id, 0);
        if (fi->op == FI_ISSET || fi->op == FI_NOTSET) {
            if ((v != NULL) != (fi->op == FI_ISSET))
                return 0;
            continue;
        }
        if (!v)
            return 0;
        uint32_t x = fi->value;
        if (fi->other >= 0) {
            struct fint *o = fint_get(f, (uint16_t)fi->other, 0);
            if (!o)
                return 0;
            x = o->v;
        }
        int ok = fi->op == FI_EQ ? v->v == x : fi->op == FI_NE ? v->v != x : fi->op == FI_LT ? v->v < x :
                 fi->op == FI_GT ? v->v > x : fi->op == FI_LE ? v->v <= x : v->v >= x;
        if (!ok)
            return 0;
    }
    return 1;
}

static void flow_actions(const struct rule *r, struct detect_flow *f)
{
    for (uint32_t i = 0; i < r->nflowbits; i++) {
        const struct rule_flowbit *b = &r->flowbits[i];
        if (b->op == FB_SET || b->op == FB_UNSET || b->op == FB_TOGGLE)
            for (unsigned k = 0; k < b->n; k++)
                bit_op(f, b->ids[k], b->op);
    }
    for (uint32_t i = 0; i < r->nflowints; i++) {
        const struct rule_flowint *fi = &r->flowints[i];
        if (fi->op > FI_SUB)
            continue;
        struct fint *v = fint_get(f, fi->id, 1);
        if (!v)
            continue;
        uint32_t x = fi->value;
        if (fi->other >= 0) {
            struct fint *o = fint_get(f, (uint16_t)fi->other, 0);
            x = o ? o->v : 0;
        }
        v->v = fi->op == FI_SET ? x : fi->op == FI_ADD ? v->v + x : v->v - x;
    }
}

/* An address list against the flow's src (which 0) or dst (which 1). */
static int aset_ok(struct detect_thread *t, const struct detect_engine *e, uint32_t set,
                   const struct rule_addrs *a, const struct flow_key *k, int which)
{
    if (a->any)
        return 1;
    if (set >= t->nmemo || set >= e->nasets)
        return rules_vars_addrs_match(a, which ? k->dst : k->src, k->ipver);
    if (t->memo_stamp[set] != t->stamp) {
        t->memo_stamp[set] = t->stamp;
        t->memo[set] = 0;
    }
    uint8_t known = which ? 8 : 2, yes = which ? 4 : 1;
    if (!(t->memo[set] & known))
        t->memo[set] |= known | (rules_vars_aranges_match(&e->aranges[set], which ? k->dst : k->src,
                                                          k->ipver) ? yes : 0);
    return (t->memo[set] & yes) != 0;
}

static int addr_ports_ok(struct detect_thread *t, const struct detect_engine *e, const struct drule *d,
                         const struct flow_key *k, int dir, int swap)
{
    const struct rule *r = d->r;
    int rev = dir ^ swap;               /* the rule's src is the flow's dst */
    uint16_t sp = rev ? k->dport : k->sport, dp = rev ? k->sport : k->dport;
    int has_ports = k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP || k->proto == IPPROTO_SCTP;
    if (!r->sport.any && (!has_ports || !rules_vars_ports_match(&r->sport, sp)))
        return 0;
    if (!r->dport.any && (!has_ports || !rules_vars_ports_match(&r->dport, dp)))
        return 0;
    return aset_ok(t, e, d->aset[0], &r->src, k, rev) && aset_ok(t, e, d->aset[1], &r->dst, k, !rev);
}

static int tcpflags_ok(const struct rule_tcpflags *tf, uint8_t flags)
{
    uint8_t f = flags & (uint8_t)~tf->ignore;
    switch (tf->mode) {
    case TF_EXACT: return f == tf->bits;
    case TF_PLUS: return (f & tf->bits) == tf->bits;
    case TF_ANY: return (f & tf->bits) != 0;
    case TF_NOT: return (f & tf->bits) == 0;
    default: return 0;
    }
}

/* Everything but the payload. */
static int header_ok(struct detect_thread *t, const struct drule *d, const struct detect_ctx *c,
                     struct detect_flow *f)
{
    const struct rule *r = d->r;
    const struct flow_key *k = c->key;
    const struct packet *p = c->p;

    if (!(d->groups >> group_of(k->proto) & 1) || !(d->dirs >> c->dir & 1))
        return 0;
    if (!app_ok(r, c->app))
        return 0;
    if (!addr_ports_ok(t, f->e, d, k, c->dir, 0) && !(r->bidir && addr_ports_ok(t, f->e, d, k, c->dir, 1)))
        return 0;
    if (r->flow) {
        if ((r->flow & RF_ONLY_STREAM) && c->no_session)
            return 0;
        if (!established_ok(r, c->established))
            return 0;
        if ((r->flow & (RF_ONLY_FRAG | RF_NO_FRAG)) &&
            (!p || !p->ip.reassembled != !(r->flow & RF_ONLY_FRAG)))
            return 0;
    }
    if (r->has & (RH_DSIZE | RH_TTL | RH_ITYPE | RH_ICODE | RH_FLAGS)) {
        if (!p)
            return 0;
        if ((r->has & RH_DSIZE) && (!rules_vars_num_match(&r->dsize, p->ip.pl_len) ||
                                    (f && f->no_payload && !rules_vars_num_match(&r->dsize, 0))))
            return 0;
        if (r->has & RH_TTL) {
            unsigned off = k->ipver == 4 ? 8 : 7;
            if (p->len <= off || !rules_vars_num_match(&r->ttl, p->data[off]))
                return 0;
        }
        if ((r->has & (RH_ITYPE | RH_ICODE)) && k->proto != IPPROTO_ICMP &&
            k->proto != IPPROTO_ICMPV6)
            return 0;
        if ((r->has & RH_ITYPE) && !rules_vars_num_match(&r->itype, p->ip.icmp_type))
            return 0;
        if ((r->has & RH_ICODE) && !rules_vars_num_match(&r->icode, p->ip.icmp_code))
            return 0;
        if ((r->has & RH_FLAGS) &&
            (k->proto != IPPROTO_TCP || !tcpflags_ok(&r->tcpflags, p->ip.tcp_flags)))
            return 0;
    }
    if ((r->has & RH_IPPROTO) && !rules_vars_num_match(&r->ip_proto, k->proto))
        return 0;
    if (r->has & RH_STREAMSIZE) {
        if (k->proto != IPPROTO_TCP)
            return 0;
        int srv = rules_vars_num_match(&r->stream_size, c->stream_size[1]);
        int cli = rules_vars_num_match(&r->stream_size, c->stream_size[0]);
        int ok = r->ss_which == SS_SERVER ? srv : r->ss_which == SS_CLIENT ? cli :
                 r->ss_which == SS_BOTH ? srv && cli : srv || cli;
        if (!ok)
            return 0;
    }
    if (r->has & RH_TLSVER) {
        unsigned v = c->tls_version;
        if (v < 0x0300 || v > 0x030f || !(r->tls_versions >> (v - 0x0300) & 1))
            return 0;
    }
    return flow_checks(r, f);
}

/* ---- verification ---- */

/* What a rule is verified against in one unit. */
struct unit {
    const struct detect_ctx *c;
    struct detect_flow *f;
    unsigned cur_ibuf;              /* the buffer just scanned */
    struct vbuf cur;
    struct vbuf alt;                /* stream: tail + chunk, when a literal spans */
    const struct app_buf *bufs;     /* tx: every buffer of the transaction */
    uint32_t nbufs;
    uint8_t flow_scope;             /* a pass here passes the flow (stream, transaction) */
};

static uint8_t *tbuf_fit(uint8_t **b, size_t *cap, size_t need)
{
    if (*cap < need) {
        free(*b);
        *cap = need < 4096 ? 4096 : need * 2;
        *b = xmalloc(*cap);
    }
    return *b;
}

/* A section in a buffer other than the one scanned: only in a transaction. */
static int other_section(struct detect_thread *t, const struct detect_engine *e, const struct drule *d,
                         const struct dsec *s, const struct unit *u, struct match_state *ms)
{
    const struct ibuf *ib = &e->ibufs[s->ibuf];
    if (ib->buf == BUF_PACKET && u->c->p && !u->bufs) {
        struct vbuf b = { u->c->p->data + u->c->p->ip.pl_off, u->c->p->ip.pl_len };
        return detect_match_section(e, d, s, &b, ms);
    }
    for (uint32_t i = 0; i < u->nbufs; i++) {
        if (u->bufs[i].id != ib->buf)
            continue;
        struct vbuf b = { u->bufs[i].data, u->bufs[i].len };
        uint8_t *tmp = NULL;
        if (ib->ntr) {
            size_t need = 2 * ((size_t)b.len + 32);
            /* not t->tbuf: the scanned buffer may live there */
            tmp = xmalloc(need);
            b.len = detect_transform(ib, b.data, b.len, tmp);
            b.data = tmp;
        }
        int ok = detect_match_section(e, d, s, &b, ms);
        free(tmp);
        if (ok)
            return 1;
    }
    (void)t;
    return 0;
}

/* A section of integer/flag keywords: every one holds on the unit's tx. */
static int tx_section_ok(const struct drule *d, const struct dsec *s, const struct unit *u)
{
    for (unsigned i = 0; i < s->n; i++) {
        const struct rule_match *m = &d->r->m[s->mi[i]];
        if (m->type != RM_APPINT || !rules_intkw_match(&m->u.ai, u->c->tx))
            return 0;
    }
    return 1;
}

static int payload_ok(struct detect_thread *t, const struct detect_engine *e, const struct drule *d,
                      const struct unit *u, int use_alt)
{
    struct match_state ms;
    ms.md = t->md;
    ms.limit_hits = 0;
    memset(ms.vars, 0, sizeof(ms.vars));
    int ok = 1;
    /* The scanned buffer's section first: it is the one most likely to fail. */
    for (unsigned i = 0; ok && i < d->nsec; i++)
        if (e->ibufs[d->sec[i].ibuf].buf == BUF_APP_TX)
            ok = tx_section_ok(d, &d->sec[i], u);
    for (unsigned i = 0; ok && i < d->nsec; i++)
        if (d->sec[i].ibuf == u->cur_ibuf && e->ibufs[d->sec[i].ibuf].buf != BUF_APP_TX)
            ok = detect_match_section(e, d, &d->sec[i], use_alt ? &u->alt : &u->cur, &ms);
    for (unsigned i = 0; ok && i < d->nsec; i++)
        if (d->sec[i].ibuf != u->cur_ibuf && e->ibufs[d->sec[i].ibuf].buf != BUF_APP_TX)
            ok = other_section(t, e, d, &d->sec[i], u, &ms);
    t->st.pcre_limit += ms.limit_hits;
    return ok;
}

static void fire(struct detect_thread *t, const struct drule *d, const struct unit *u,
                 const struct vbuf *b)
{
    const struct rule *r = d->r;
    if (t->amark[r->index] == t->agen)
        return;                     /* once per rule per unit */
    t->amark[r->index] = t->agen;
    flow_actions(r, u->f);
    /* IP-only and protocol-only rules pass the flow, as Suricata's do */
    int flow_scope = u->flow_scope || d->kind == DK_IPONLY ||
                     (d->kind == DK_PKT && (r->proto == RP_APP || (r->has & RH_APPLAYER)));
    detect_alertq_push(t, d, u->c, b ? b->data : NULL, b ? b->len : 0, flow_scope);
    /* Suricata makes a <> rule two rules, one each way: both alert when both match */
    if (r->bidir && addr_ports_ok(t, u->f->e, d, u->c->key, u->c->dir, 0) &&
        addr_ports_ok(t, u->f->e, d, u->c->key, u->c->dir, 1))
        detect_alertq_push(t, d, u->c, b ? b->data : NULL, b ? b->len : 0, flow_scope);
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                  void *ctx)
{
    struct scan *sc = ctx;
    const struct slot *s = sc->s;
    (void)from;
    (void)flags;
    if (id >= s->npat)
        return 0;
    int span = to < sc->chunk_start + s->pat_len[id];
    for (uint32_t i = s->pat_first[id]; i < s->pat_first[id + 1]; i++)
        detect_cand_push(sc->t, s->pat_rules[i], span);
    return 0;
}

/* One buffer through slot s's block database (none, or an empty buffer:
 * nothing); the hits become candidates. */
static void scan_block(struct detect_thread *t, const struct detect_flow *f, const struct slot *s,
                       const struct vbuf *b)
{
    if (s && s->db && b->len) {
        struct scan sc = { t, s, 0 };
        hs_scan(s->db, (const char *)b->data, b->len, 0, f->u->scratch, on_hit, &sc);
    }
}

/* One chunk through slot s's streaming database, on the flow's Hyperscan
 * stream *hs (opened at its first chunk; chunk_start: the chunk's offset). */
static void scan_stream(struct detect_thread *t, const struct detect_flow *f, const struct slot *s,
                        hs_stream_t **hs, const uint8_t *data, uint32_t len, uint64_t chunk_start)
{
    if (!s || !s->db)
        return;
    if (!*hs && hs_open_stream(s->db, 0, hs) != HS_SUCCESS)
        *hs = NULL;
    if (*hs) {
        struct scan sc = { t, s, chunk_start };
        hs_scan_stream(*hs, (const char *)data, len, 0, f->u->scratch, on_hit, &sc);
    }
}

static void new_scan(struct detect_thread *t)
{
    t->ncand = 0;
    if (++t->cgen == 0) {
        memset(t->cmark, 0, t->marks * sizeof(*t->cmark));
        t->cgen = 1;
    }
}

static void new_unit(struct detect_thread *t)
{
    if (++t->agen == 0) {
        memset(t->amark, 0, t->marks * sizeof(*t->amark));
        t->agen = 1;
    }
}

/* The candidates in verification order (flowbit setters first), each
 * keeping its cspan: whatever order the hits and the index pushed them. */
static void sort_cands(struct detect_thread *t, const struct detect_engine *e)
{
    if (t->ncand < 2)
        return;
    /* keep cspan with its rule: pack the flag into the id's high bit */
    for (uint32_t i = 0; i < t->ncand; i++)
        if (t->cspan[i])
            t->cand[i] |= 0x80000000u;
    for (uint32_t i = 1; i < t->ncand; i++) {       /* insertion sort by order */
        uint32_t x = t->cand[i], j = i;
        uint64_t ox = e->dr[x & 0x7fffffffu].order;
        while (j > 0 && e->dr[t->cand[j - 1] & 0x7fffffffu].order > ox) {
            t->cand[j] = t->cand[j - 1];
            j--;
        }
        t->cand[j] = x;
    }
    for (uint32_t i = 0; i < t->ncand; i++) {
        t->cspan[i] = (uint8_t)(t->cand[i] >> 31);
        t->cand[i] &= 0x7fffffffu;
    }
}

/* Verifies the candidates gathered for u's buffer. */
static void verify(struct detect_thread *t, const struct detect_engine *e, const struct slot *s,
                   const struct slot *sub, const struct unit *u)
{
    if (s)
        for (uint32_t i = 0; i < s->nnofp; i++)
            detect_cand_push(t, s->nofp[i], 0);
    if (sub)
        for (uint32_t i = 0; i < sub->nnofp; i++)
            detect_cand_push(t, sub->nofp[i], 0);
    if (!t->ncand)
        return;
    sort_cands(t, e);
    for (uint32_t i = 0; i < t->ncand; i++) {
        const struct drule *d = &e->dr[t->cand[i]];
        if (!d->r)
            continue;
        t->st.candidates++;
        if (!header_ok(t, d, u->c, u->f))
            continue;
        t->st.verified++;
        int alt = t->cspan[i] && u->alt.data;
        if (!payload_ok(t, e, d, u, 0) && !(alt && payload_ok(t, e, d, u, 1)))
            continue;
        fire(t, d, u, &u->cur);
    }
}

/* ---- entry points ---- */

static void index_lookup(struct detect_thread *t, const struct addr_index *x, const struct flow_key *k)
{
    detect_addrix_hits(t, x, k);
    for (uint32_t i = 0; i < x->nany; i++)
        detect_cand_push(t, x->any[i], 0);
}

static void iponly(struct detect_thread *t, struct detect_flow *f, const struct detect_ctx *c)
{
    const struct detect_engine *e = f->e;
    struct unit u = { .c = c, .f = f };

    new_scan(t);
    index_lookup(t, &e->ipo, c->key);
    sort_cands(t, e);
    for (uint32_t i = 0; i < t->ncand; i++) {
        const struct drule *d = &e->dr[t->cand[i]];
        t->st.candidates++;
        if (d->r && header_ok(t, d, c, f))
            fire(t, d, &u, NULL);
    }
}

/* Can any rule of a TCP packet slot match this flow in this direction? Its
 * addresses, ports, app-layer protocol and established state decide, and
 * they seldom change within a flow (the app once, when it becomes known;
 * established once, or never without a session: then it is asked again).
 * A TCP flow's payload is scanned on the stream for most
 * rules; the packet slot holds the few packet-only ones (dsize,
 * flow:no_stream), mostly tied to ports, so most flows need no packet scan
 * at all - Suricata gets the same from its per-port rule groups. */
static int pkt_slot_live(struct detect_thread *t, struct detect_flow *f, const struct detect_ctx *c,
                         const struct slot *s, const struct slot *sub)
{
    int dir = c->dir;
    uint8_t key = (uint8_t)(c->established ? 2 : 1);
    if (f->pkt_live[dir] && f->pkt_live_app[dir] == (uint8_t)c->app && f->pkt_live_est[dir] == key)
        return f->pkt_live[dir] == 2;
    int live = 0;
    uint32_t n = s->nuniq + (sub ? sub->nuniq : 0);
    for (uint32_t i = 0; i < n && !live; i++) {
        const struct drule *d = &f->e->dr[i < s->nuniq ? s->uniq[i] : sub->uniq[i - s->nuniq]];
        const struct rule *r = d->r;
        if (!r)
            continue;
        if (!established_ok(r, c->established) || !app_ok(r, c->app))
            continue;
        live = addr_ports_ok(t, f->e, d, c->key, dir, 0) ||
               (r->bidir && addr_ports_ok(t, f->e, d, c->key, dir, 1));
    }
    f->pkt_live[dir] = live ? 2 : 1;
    f->pkt_live_app[dir] = (uint8_t)c->app;
    f->pkt_live_est[dir] = key;
    return live;
}

void detect_packet(struct detect_thread *t, struct detect_flow *f, const struct detect_ctx *c,
                   const struct detect_alert_cb *cb)
{
    (void)cb;                       /* matches go to the queue: detect_packet_done */
    if (!f || !c->p || f->passed)
        return;
    const struct detect_engine *e = f->e;
    int g = group_of(c->key->proto);
    struct unit u = { .c = c, .f = f, .cur_ibuf = e->ibuf_packet };

    new_unit(t);
    memo_flow(t, f);
    if (!(f->ipo_done >> c->dir & 1)) {
        f->ipo_done |= (uint8_t)(1 << c->dir);
        if (e->ipo.nany || e->ipo.size)
            iponly(t, f, c);
    }
    new_scan(t);
    /* The header-only rules the address index gives depend on the flow's
     * addresses only: looked up on its first packet each way, then kept. */
    const struct addr_index *x = &e->pktx[g][c->dir];
    if (!(f->pkx_done >> c->dir & 1)) {
        f->pkx_done |= (uint8_t)(1 << c->dir);
        detect_addrix_hits(t, x, c->key);
        if (t->ncand) {
            f->pkx[c->dir] = xreallocarray(NULL, t->ncand, sizeof(uint32_t));
            memcpy(f->pkx[c->dir], t->cand, t->ncand * sizeof(uint32_t));
            f->npkx[c->dir] = t->ncand;
        }
    } else {
        for (uint32_t i = 0; i < f->npkx[c->dir]; i++)
            detect_cand_push(t, f->pkx[c->dir][i], 0);
    }
    for (uint32_t i = 0; i < x->nany; i++)
        detect_cand_push(t, x->any[i], 0);
    const struct port_index *px = e->pktp[g][c->dir];
    if (px) {
        /* the packet's own ports: dir 1 packets go server -> client */
        uint16_t sp = c->dir ? c->key->dport : c->key->sport, dp = c->dir ? c->key->sport : c->key->dport;
        for (uint32_t i = px->first[0][dp]; i < px->first[0][dp + 1]; i++)
            detect_cand_push(t, px->rules[0][i], 0);
        for (uint32_t i = px->first[1][sp]; i < px->first[1][sp + 1]; i++)
            detect_cand_push(t, px->rules[1][i], 0);
    }
    const struct packet *p = c->p;
    u.cur.data = p->data + p->ip.pl_off;
    u.cur.len = p->ip.pl_len;
    if (p->ip.pl_off > p->len || p->ip.pl_len > p->len - p->ip.pl_off || f->no_payload)
        u.cur.len = 0;      /* never trust lengths that point outside the packet */
    const struct slot *s = slot_of(e, g, c->dir, e->ibuf_packet);
    const struct slot *sub = detect_sub(e, s, g, c->key, c->dir);
    if (s && (s->uniq || (sub && sub->uniq)) && u.cur.len && !pkt_slot_live(t, f, c, s, sub))
        s = sub = NULL;             /* no rule of the slot can match this flow */
    scan_block(t, f, s, &u.cur);
    scan_block(t, f, sub, &u.cur);
    verify(t, e, u.cur.len ? s : NULL, u.cur.len ? sub : NULL, &u);
}

void detect_stream_gap(struct detect_thread *t, struct detect_flow *f, int dir)
{
    if (!f || (!f->hs[dir] && !f->hsx[dir]))
        return;
    if (f->hs[dir])
        hs_reset_stream(f->hs[dir], 0, f->u->scratch, NULL, NULL);
    if (f->hsx[dir])
        hs_reset_stream(f->hsx[dir], 0, f->u->scratch, NULL, NULL);
    f->chunk_off[dir] = 0;
    f->tail_len[dir] = 0;
    (void)t;
}

void detect_stream(struct detect_thread *t, struct detect_flow *f, const struct detect_ctx *c,
                   const uint8_t *data, uint32_t len, uint64_t off, const struct detect_alert_cb *cb)
{
    (void)off;
    (void)cb;
    if (!f || !len || f->passed || f->no_payload)
        return;
    const struct detect_engine *e = f->e;
    int dir = c->dir;
    struct unit u = { .c = c, .f = f, .cur_ibuf = e->ibuf_packet, .cur = { data, len },
                      .flow_scope = !c->no_session };
    if (c->no_session) {
        /* payload without a session, alone: a block scan of the stream
         * rules that need no session (the others fail header_ok anyway) */
        const struct slot *ns = e->nosess_slot[dir];
        if (!ns->db && !ns->nnofp)
            return;
        struct vbuf b = { data, len };
        new_unit(t);
        memo_flow(t, f);
        new_scan(t);
        scan_block(t, f, ns, &b);
        verify(t, e, ns, NULL, &u);
        return;
    }
    const struct slot *s = e->stream_slot[dir];
    const struct slot *sub = detect_sub(e, s, DG_TCP, c->key, dir);
    if (!s->db && !s->nnofp && !sub)
        return;
    new_unit(t);
    memo_flow(t, f);
    new_scan(t);
    scan_stream(t, f, s, &f->hs[dir], data, len, f->chunk_off[dir]);
    /* the port class's rules: their own stream, opened with the first one
     * (the class follows from the flow's key, so both see every chunk) */
    scan_stream(t, f, sub, &f->hsx[dir], data, len, f->chunk_off[dir]);
    f->chunk_off[dir] += len;
    /* A literal that began in the previous chunk: verify on tail + chunk. */
    int spans = 0;
    for (uint32_t i = 0; i < t->ncand; i++)
        spans |= t->cspan[i];
    if (spans && f->tail_len[dir]) {
        size_t n = (size_t)f->tail_len[dir] + len;
        uint8_t *w = tbuf_fit(&t->wbuf, &t->wcap, n);
        memcpy(w, f->tail[dir], f->tail_len[dir]);
        memcpy(w + f->tail_len[dir], data, len);
        u.alt = (struct vbuf){ w, (uint32_t)n };
    }
    verify(t, e, s, sub, &u);
    /* Keep the last bytes for the next chunk. */
    if (e->max_stream_pat > 1) {
        if (!f->tail[dir])
            f->tail[dir] = xmalloc(TAIL_MAX);
        if (len >= TAIL_MAX) {
            memcpy(f->tail[dir], data + len - TAIL_MAX, TAIL_MAX);
            f->tail_len[dir] = TAIL_MAX;
        } else {
            uint32_t keep = f->tail_len[dir] + len > TAIL_MAX ? TAIL_MAX - len : f->tail_len[dir];
            memmove(f->tail[dir], f->tail[dir] + f->tail_len[dir] - keep, keep);
            memcpy(f->tail[dir] + keep, data, len);
            f->tail_len[dir] = keep + len;
        }
    }
}

void detect_tx(struct detect_thread *t, struct detect_flow *f, const struct detect_ctx *c,
               const struct app_buf *bufs, uint32_t nbufs, const struct detect_alert_cb *cb)
{
    (void)cb;
    if (!f || f->passed)
        return;
    const struct detect_engine *e = f->e;
    int txkw = c->tx && e->nibufs_of_buf[BUF_APP_TX];
    if (!nbufs && !txkw)
        return;
    int g = group_of(c->key->proto);
    struct unit u = { .c = c, .f = f, .bufs = bufs, .nbufs = nbufs, .flow_scope = 1 };

    if (!c->same_unit)
        new_unit(t);
    memo_flow(t, f);
    for (uint32_t i = 0; i < nbufs; i++) {
        const struct app_buf *ab = &bufs[i];
        if (ab->id >= BUF_MAX)
            continue;
        for (unsigned k = 0; k < e->nibufs_of_buf[ab->id]; k++) {
            unsigned ib = e->ibufs_of_buf[ab->id][k];
            const struct slot *s = slot_of(e, g, c->dir, ib);
            const struct slot *sub = detect_sub(e, s, g, c->key, c->dir);
            if (!s->db && !s->nnofp && !sub)
                continue;
            const struct ibuf *ibd = &e->ibufs[ib];
            struct vbuf b = { ab->data, ab->len };
            if (ibd->ntr) {
                uint8_t *o = tbuf_fit(&t->tbuf, &t->tcap, 2 * ((size_t)ab->len + 32));
                b.len = detect_transform(ibd, ab->data, ab->len, o);
                b.data = o;
            }
            new_scan(t);
            scan_block(t, f, s, &b);
            scan_block(t, f, sub, &b);
            u.cur_ibuf = ib;
            u.cur = b;
            verify(t, e, s, sub, &u);
        }
    }
    /* the rules the compiler filed under BUF_APP_TX (integer/flag keywords
     * and no literal elsewhere): once per tx, buffers or not */
    for (unsigned k = 0; txkw && k < e->nibufs_of_buf[BUF_APP_TX]; k++) {
        unsigned ib = e->ibufs_of_buf[BUF_APP_TX][k];
        const struct slot *s = slot_of(e, g, c->dir, ib);
        const struct slot *sub = detect_sub(e, s, g, c->key, c->dir);
        if (!s->nnofp && !(sub && sub->nnofp))
            continue;
        new_scan(t);
        u.cur_ibuf = ib;
        u.cur = (struct vbuf){ (const uint8_t *)"", 0 };
        verify(t, e, s, sub, &u);
    }
}
