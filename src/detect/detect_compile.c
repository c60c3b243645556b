/* detect_compile.c - a ruleset into Hyperscan databases and rule lists.
 *
 * Steps (detect_compile):
 *  1. ibufs: every distinct (buffer, transforms) the rules inspect;
 *  2. per rule: its sections (matches grouped by ibuf), PCRE2 codes (JIT),
 *     the protocol groups and directions it applies to, its kind (IP-only,
 *     packet-header only, payload) and its fast pattern: the content marked
 *     fast_pattern, else the longest positive content (a sticky buffer wins
 *     a tie over the packet). A rule that cannot be compiled (bad PCRE for
 *     PCRE2, an unimplemented transform) is dropped with a SKIPPED/FAILED
 *     problem added to the ruleset, like a parse problem;
 *  3. slots: for each (group, direction, ibuf) the distinct literals and the
 *     rules each nominates; TCP payload rules go to the streaming slot of
 *     their direction unless flow:no_stream;
 *  4. Hyperscan: hs_compile_lit_multi per slot, or the on-disk cache when
 *     the hash of every compiler input matches (detect_cache.c). Vectorscan
 *     5.4.9's literal API refuses a literal whose first byte is NUL ("Pure
 *     literal API doesn't support empty string"; ET Open has many, e.g.
 *     content:"|00 01|"): when the library refuses one (probed once,
 *     nul_head_refused()), the leading NULs are left out of what the library
 *     gets (the hit's end offset is the same, the pattern length kept for the
 *     stream-span check, the rule verified whole as always: candidates are a
 *     superset, alerts unchanged) and a rule whose fast pattern is only NULs
 *     goes to the slot's no-fast-pattern list (verified on every buffer of the
 *     slot). Hyperscan takes such literals and is given them unchanged.
 *     Packet-payload slots of 64 literals or more go through the expression
 *     API instead, each literal with its fast pattern's offset/depth as
 *     min/max end offsets (lit_bounds), as Suricata's Hyperscan MPM does;
 *  4b. port groups: payload rules bound to a few server ports go to the
 *     sub-slots of their port classes (detect_pgroup.c);
 *  5. IP-only rules indexed by the prefixes of one side of their header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect_internal.h"
#include "taishi/core/util.h"

/* A slot's literals while building: bytes, flags, rules (one per literal),
 * and where a match may end in the buffer (the fast pattern's offset and
 * depth: [min_end, max_end], max_end UINT32_MAX = anywhere). */
struct lit {
    const uint8_t *p;
    uint32_t len;
    uint8_t nocase;
    uint32_t rule;
    uint32_t min_end, max_end;
};
struct lit_set {
    struct lit *v;
    uint32_t n, cap;
};

static double now_s(void)
{
    return (double)util_mono_ns() / 1e9;
}

static unsigned ibuf_find_add(struct detect_engine *e, const struct rule_match *m)
{
    for (unsigned i = 0; i < e->nibufs; i++) {
        const struct ibuf *b = &e->ibufs[i];
        if (b->buf == m->buf && b->ntr == m->ntr && !memcmp(b->tr, m->tr, m->ntr))
            return i;
    }
    e->ibufs = xreallocarray(e->ibufs, e->nibufs + 1, sizeof(*e->ibufs));
    struct ibuf *b = &e->ibufs[e->nibufs];
    memset(b, 0, sizeof(*b));
    b->buf = m->buf;
    b->ntr = m->ntr;
    memcpy(b->tr, m->tr, m->ntr);
    return e->nibufs++;
}

static uint8_t groups_of(const struct rule *r)
{
    switch (r->proto) {
    case RP_TCP: return 1 << DG_TCP;
    case RP_UDP: return 1 << DG_UDP;
    case RP_ICMP: case RP_ICMPV6: return 1 << DG_ICMP;
    case RP_APP:
        switch (r->app) {
        case RAPP_DNS: case RAPP_SIP: case RAPP_KRB5: return 1 << DG_TCP | 1 << DG_UDP;
        case RAPP_NTP: case RAPP_DHCP: case RAPP_SNMP: case RAPP_TFTP: case RAPP_IKE:
        case RAPP_QUIC: return 1 << DG_UDP;
        default: return 1 << DG_TCP;
        }
    default:
        return (1 << DG_MAX) - 1;
    }
}

/* Adds a problem for a rule the engine drops, and counts it. */
static void drop_rule(struct ruleset *rs, const struct rule *r, int status, const char *fmt,
                      const char *arg)
{
    char msg[300];
    snprintf(msg, sizeof(msg), fmt, arg);
    rs->problems = xreallocarray(rs->problems, rs->nproblems + 1, sizeof(*rs->problems));
    rs->problems[rs->nproblems++] = (struct rule_problem){ (uint8_t)status, r->file, r->line,
                                                           r->sid, xstrdup(msg) };
    rs->loaded--;
    if (status == RS_SKIPPED)
        rs->skipped++;
    else
        rs->failed++;
}

/* Suricata's IP-only: addresses, and ports, only (flowbits that only set
 * are allowed, they act after the match). Checked once per flow direction:
 * Suricata 7 alerts on `alert tcp any any -> any 80` once per flow
 * direction, not per packet (tests/parity: session, appproto). */
static int is_iponly(const struct rule *r)
{
    for (uint32_t i = 0; i < r->nflowbits; i++)
        if (r->flowbits[i].op == FB_ISSET || r->flowbits[i].op == FB_ISNOTSET)
            return 0;
    return r->nm == 0 && !r->flow && r->nflowints == 0 &&
           !(r->has & ~(RH_THRESH | RH_DFILTER)) && r->proto != RP_APP;
}

/* Builds one rule's drule; 0, or -1 when the rule must be dropped. */
static int build_rule(struct detect_engine *e, uint32_t i, char *why, size_t whylen)
{
    const struct rule *r = e->rs->rules[i];
    struct drule *d = &e->dr[i];

    d->r = r;
    d->groups = groups_of(r);
    d->dirs = (r->flow & RF_TO_SERVER) ? 1 : (r->flow & RF_TO_CLIENT) ? 2 : 3;
    d->kind = r->nm == 0 ? (is_iponly(r) ? DK_IPONLY : DK_PKT) : DK_PAYLOAD;
    d->stream = !(r->flow & RF_NO_STREAM);
    /* Sections, in order of first appearance. */
    unsigned bufdirs = 0;
    uint16_t *tmp = xcalloc(r->nm ? r->nm : 1, sizeof(*tmp));
    for (uint32_t k = 0; k < r->nm; k++) {
        const struct rule_match *m = &r->m[k];
        unsigned ib = ibuf_find_add(e, m);
        tmp[k] = (uint16_t)ib;
        if (m->ntr) {
            d->has_tr = 1;
            if (!detect_transform_supported(&e->ibufs[ib])) {
                snprintf(why, whylen, "unsupported transform on %s", buffers_name(m->buf));
                free(tmp);
                return -1;
            }
        }
        if (m->buf != BUF_PACKET && m->buf != BUF_STREAM) {
            enum buf_dir bd = buffers_direction(m->buf);
            bufdirs |= bd == BUF_DIR_TOSERVER ? 1 : bd == BUF_DIR_TOCLIENT ? 2 : 0;
        }
    }
    /* Without flow:to_*, the buffers say when: a rule with any response
     * buffer is inspected at the response (where the request's buffers are
     * also given), one with request buffers only at the request. */
    if (!(r->flow & (RF_TO_SERVER | RF_TO_CLIENT)) && bufdirs)
        d->dirs = (bufdirs & 2) ? 2 : 1;
    for (uint32_t k = 0; k < r->nm; k++) {
        uint16_t ib = tmp[k];
        struct dsec *s = NULL;
        for (unsigned j = 0; j < d->nsec; j++)
            if (d->sec[j].ibuf == ib)
                s = &d->sec[j];
        if (!s) {
            d->sec = xreallocarray(d->sec, d->nsec + 1, sizeof(*d->sec));
            s = &d->sec[d->nsec++];
            s->ibuf = ib;
            s->n = 0;
            s->mi = xcalloc(r->nm, sizeof(*s->mi));
        }
        s->mi[s->n++] = (uint16_t)k;
    }
    free(tmp);
    /* PCRE2, JIT-compiled. */
    for (uint32_t k = 0; k < r->nm; k++) {
        const struct rule_match *m = &r->m[k];
        if (m->type != RM_PCRE)
            continue;
        if (!d->pcre)
            d->pcre = xcalloc(r->nm, sizeof(*d->pcre));
        int ec;
        PCRE2_SIZE eo;
        d->pcre[k] = pcre2_compile((PCRE2_SPTR)m->u.p.re, PCRE2_ZERO_TERMINATED, m->u.p.opts, &ec,
                                   &eo, NULL);
        if (!d->pcre[k]) {
            char msg[160];
            pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof(msg));
            snprintf(why, whylen, "pcre: %s at offset %zu", msg, (size_t)eo);
            return -1;
        }
        pcre2_jit_compile(d->pcre[k], PCRE2_JIT_COMPLETE);   /* falls back to the interpreter */
    }
    /* Verification and alert order, as Suricata's SCSigOrder: action
     * (action-order), then flowbits use (setters, setter-readers, readers,
     * the rest), then flowint use likewise, then priority (1 first), then
     * the load order. */
    int fb_set = 0, fb_read = 0, fi_set = 0, fi_read = 0;
    for (uint32_t k = 0; k < r->nflowbits; k++) {
        uint8_t op = r->flowbits[k].op;
        fb_set |= op == FB_SET || op == FB_UNSET || op == FB_TOGGLE;
        fb_read |= op == FB_ISSET || op == FB_ISNOTSET || op == FB_NOALERT;
    }
    for (uint32_t k = 0; k < r->nflowints; k++) {
        fi_set |= r->flowints[k].op <= FI_SUB;
        fi_read |= r->flowints[k].op > FI_SUB;
    }
    uint64_t fb = fb_set && !fb_read ? 0 : fb_set ? 1 : fb_read ? 2 : 3;
    uint64_t fi = fi_set && !fi_read ? 0 : fi_set ? 1 : fi_read ? 2 : 3;
    uint64_t prio = r->priority < 0 ? 0 : r->priority > 255 ? 255 : (uint64_t)r->priority;
    uint64_t act = r->action < 4 ? e->action_rank[r->action] & 3 : 3;
    d->order = act << 60 | fb << 58 | fi << 56 | prio << 40 | (i & 0xffffffffffULL);
    return 0;
}

/* The fast pattern of a payload rule: the match index, or -1. */
static int fast_pattern(const struct detect_engine *e, const struct drule *d)
{
    const struct rule *r = d->r;
    int best = -1;
    uint32_t best_len = 0;
    int best_sticky = 0;

    for (uint32_t k = 0; k < r->nm; k++) {
        const struct rule_match *m = &r->m[k];
        if (m->type != RM_CONTENT || (m->flags & M_NEGATED) || !m->u.c.len)
            continue;
        uint32_t len = (m->flags & M_FP_CHOP) ? m->u.c.fp_len : m->u.c.len;
        if (m->flags & M_FAST_PATTERN)
            return (int)k;
        int sticky = m->buf != BUF_PACKET;
        if (len > best_len || (len == best_len && sticky && !best_sticky)) {
            best = (int)k;
            best_len = len;
            best_sticky = sticky;
        }
    }
    (void)e;
    return best;
}

static void lit_add(struct lit_set *ls, const uint8_t *p, uint32_t len, int nocase, uint32_t rule,
                    uint32_t min_end, uint32_t max_end)
{
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? ls->cap * 2 : 16;
        ls->v = xreallocarray(ls->v, ls->cap, sizeof(*ls->v));
    }
    ls->v[ls->n++] = (struct lit){ p, len, (uint8_t)(nocase != 0), rule, min_end, max_end };
}

/* Where fast pattern m (the literal: its fp_off/fp_len part when chopped)
 * may end in its buffer, from its offset/depth/startswith: a content not
 * relative to another, with literal values. Suricata gives Hyperscan the
 * same bounds (min/max offset): a bounded literal is only looked for where
 * its rule could match, and short ones (ET Open: |e3 0d| at depth 2) stop
 * flooding the scan with hits. */
static void lit_bounds(const struct rule_match *m, uint32_t *min_end, uint32_t *max_end)
{
    *min_end = 0;
    *max_end = UINT32_MAX;
    if (m->flags & (M_RELATIVE | M_DISTANCE | M_WITHIN | M_NEGATED))
        return;
    const struct rule_val *off = &m->u.c.offset, *dep = &m->u.c.depth;
    if (((m->flags & M_OFFSET) && (off->var >= 0 || off->v < 0)) ||
        ((m->flags & M_DEPTH) && (dep->var >= 0 || dep->v < 0)))
        return;                         /* a byte_extract variable: not known here */
    uint64_t o = (m->flags & M_OFFSET) ? (uint64_t)off->v : 0;
    uint64_t hi = (m->flags & M_FP_CHOP) ? (uint64_t)m->u.c.fp_off + m->u.c.fp_len : m->u.c.len;
    uint64_t tail = m->u.c.len - hi;    /* pattern bytes after the literal */
    uint64_t mn = o + hi, mx = UINT64_MAX;
    if (m->flags & M_STARTSWITH)
        mx = o + m->u.c.len;
    if (m->flags & M_DEPTH)
        mx = o + (uint64_t)dep->v;
    *min_end = mn > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)mn;
    if (mx != UINT64_MAX && mx >= tail && mx - tail < UINT32_MAX && mx - tail >= mn)
        *max_end = (uint32_t)(mx - tail);
}

static int lit_cmp(const void *a, const void *b)
{
    const struct lit *x = a, *y = b;
    if (x->nocase != y->nocase)
        return x->nocase - y->nocase;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    int c = memcmp(x->p, y->p, x->len);
    if (c)
        return c;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static int lit_same(const struct lit *a, const struct lit *b)
{
    return a->nocase == b->nocase && a->len == b->len && !memcmp(a->p, b->p, a->len);
}

/* Distinct literals of ls into s (pattern ids, CSR rule lists); afterwards
 * ls->v[i] is the literal of pattern i. */
static void slot_fill(struct slot *s, struct lit_set *ls)
{
    if (ls->n)
        qsort(ls->v, ls->n, sizeof(*ls->v), lit_cmp);
    s->pat_first = xcalloc(ls->n + 1, sizeof(uint32_t));
    s->pat_rules = xcalloc(ls->n ? ls->n : 1, sizeof(uint32_t));
    s->pat_len = xcalloc(ls->n ? ls->n : 1, sizeof(uint16_t));
    uint32_t np = 0, nr = 0;
    struct lit prev = { 0 };
    for (uint32_t i = 0; i < ls->n; i++) {
        struct lit l = ls->v[i];
        if (i == 0 || !lit_same(&l, &prev)) {
            s->pat_first[np] = nr;
            s->pat_len[np] = (uint16_t)(l.len > 65535 ? 65535 : l.len);
            ls->v[np++] = l;
        } else {                /* one pattern for all: the union of their bounds */
            struct lit *u = &ls->v[np - 1];
            u->min_end = MIN(u->min_end, l.min_end);
            u->max_end = MAX(u->max_end, l.max_end);
            if (s->pat_rules[nr - 1] == l.rule)
                continue;       /* the same rule twice with one literal */
        }
        s->pat_rules[nr++] = l.rule;
        prev = l;
    }
    s->pat_first[np] = nr;
    s->npat = np;
    ls->n = np;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Every rule of a slot once (literal rules and rules without one). */
static void slot_uniq(struct slot *s)
{
    uint32_t n = s->pat_first[s->npat] + s->nnofp, k = 0;
    if (!n)
        return;
    s->uniq = xcalloc(n, sizeof(uint32_t));
    memcpy(s->uniq, s->pat_rules, s->pat_first[s->npat] * sizeof(uint32_t));
    if (s->nnofp)
        memcpy(s->uniq + s->pat_first[s->npat], s->nofp, s->nnofp * sizeof(uint32_t));
    qsort(s->uniq, n, sizeof(uint32_t), u32_cmp);
    for (uint32_t i = 0; i < n; i++)
        if (!k || s->uniq[k - 1] != s->uniq[i])
            s->uniq[k++] = s->uniq[i];
    s->nuniq = k;
}

/* FNV-1a over everything given to the compiler: the cache key. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static uint64_t cache_key(struct lit_set *ls, const int *modes, unsigned n)
{
    uint64_t h = 1469598103934665603ULL;
    const char *ver = hs_version();
    h = fnv(h, ver, strlen(ver));
    h = fnv(h, "taishi-detect-2", 15);
    for (unsigned k = 0; k < n; k++) {
        h = fnv(h, &k, sizeof(k));
        h = fnv(h, &modes[k], sizeof(modes[k]));
        h = fnv(h, &ls[k].n, sizeof(ls[k].n));
        for (uint32_t i = 0; i < ls[k].n; i++) {
            h = fnv(h, &ls[k].v[i].len, sizeof(uint32_t));
            h = fnv(h, &ls[k].v[i].nocase, 1);
            h = fnv(h, ls[k].v[i].p, ls[k].v[i].len);
            h = fnv(h, &ls[k].v[i].min_end, sizeof(uint32_t));
            h = fnv(h, &ls[k].v[i].max_end, sizeof(uint32_t));
        }
    }
    return h;
}

/* 1 when the library refuses a literal that starts with a NUL byte
 * (Vectorscan 5.4.9), 0 when it takes it (Hyperscan 5.4): one tiny compile,
 * once (compiles run on the control thread only). */
static int nul_head_refused(void)
{
    static int known = -1;
    if (known < 0) {
        const char *expr[1] = { "\0x" };
        unsigned flags[1] = { 0 }, ids[1] = { 0 };
        size_t lens[1] = { 2 };
        hs_database_t *db = NULL;
        hs_compile_error_t *ce = NULL;
        known = hs_compile_lit_multi(expr, flags, ids, lens, 1, HS_MODE_BLOCK, NULL, &db, &ce)
                != HS_SUCCESS;
        hs_free_database(db);
        hs_free_compile_error(ce);
    }
    return known;
}

static int all_nul(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

#define BOUNDED_MIN_PATTERNS 64

/* A slot with bounded literals goes through the expression API, each byte
 * escaped (\xNN) and its bounds as min/max end offsets; the others through
 * the literal API (hs_compile_lit_multi). */
static hs_error_t compile_bounded(const struct lit_set *ls, uint32_t n, const unsigned *flags,
                                  const unsigned *ids, int mode, hs_database_t **db,
                                  hs_compile_error_t **ce)
{
    char **exprs = xcalloc(n, sizeof(*exprs));
    hs_expr_ext_t *ext = xcalloc(n, sizeof(*ext));
    const hs_expr_ext_t **extp = xcalloc(n, sizeof(*extp));
    static const char hex[] = "0123456789abcdef";
    for (uint32_t i = 0; i < n; i++) {
        const struct lit *l = &ls->v[i];
        char *x = exprs[i] = xmalloc((size_t)l->len * 4 + 1);
        for (uint32_t b = 0; b < l->len; b++) {
            *x++ = '\\';
            *x++ = 'x';
            *x++ = hex[l->p[b] >> 4];
            *x++ = hex[l->p[b] & 15];
        }
        *x = 0;
        if (l->min_end > l->len) {
            ext[i].flags |= HS_EXT_FLAG_MIN_OFFSET;
            ext[i].min_offset = l->min_end;
        }
        if (l->max_end != UINT32_MAX) {
            ext[i].flags |= HS_EXT_FLAG_MAX_OFFSET;
            ext[i].max_offset = l->max_end;
        }
        extp[i] = ext[i].flags ? &ext[i] : NULL;
    }
    hs_error_t rc = hs_compile_ext_multi((const char *const *)exprs, flags, ids, extp, n,
                                         (unsigned)mode, NULL, db, ce);
    for (uint32_t i = 0; i < n; i++)
        free(exprs[i]);
    free(exprs);
    free(ext);
    free(extp);
    return rc;
}

static int slot_compile(struct slot *s, const struct lit_set *ls, int mode, char *err, size_t errlen)
{
    if (!s->npat)
        return 0;
    const char **exprs = xcalloc(s->npat, sizeof(*exprs));
    size_t *lens = xcalloc(s->npat, sizeof(*lens));
    unsigned *flags = xcalloc(s->npat, sizeof(*flags));
    unsigned *ids = xcalloc(s->npat, sizeof(*ids));
    int chop = nul_head_refused(), bounded = 0;
    for (uint32_t i = 0; i < s->npat; i++) {
        uint32_t skip = 0;
        while (chop && skip + 1 < ls->v[i].len && ls->v[i].p[skip] == 0)
            skip++;                 /* all-NUL literals never get here (nofp) */
        exprs[i] = (const char *)ls->v[i].p + skip;
        lens[i] = ls->v[i].len - skip;
        flags[i] = (ls->v[i].nocase ? HS_FLAG_CASELESS : 0) |
                   (mode == HS_MODE_BLOCK ? HS_FLAG_SINGLEMATCH : 0);
        ids[i] = i;
        bounded |= ls->v[i].min_end > ls->v[i].len || ls->v[i].max_end != UINT32_MAX;
    }
    /* the expression API compiles slower: worth it where a scan meets many
     * literals (ET Open: the UDP payload slots), not in a port class's few */
    if (s->npat < BOUNDED_MIN_PATTERNS)
        bounded = 0;
    hs_compile_error_t *ce = NULL;
    hs_error_t rc = bounded ? compile_bounded(ls, s->npat, flags, ids, mode, &s->db, &ce) : HS_COMPILER_ERROR;
    if (rc != HS_SUCCESS) {         /* no bounds, or refused with them: without (a superset) */
        hs_free_compile_error(ce);
        ce = NULL;
        rc = hs_compile_lit_multi(exprs, flags, ids, lens, s->npat, (unsigned)mode, NULL, &s->db, &ce);
    }
    free(exprs);
    free(lens);
    free(flags);
    free(ids);
    if (rc != HS_SUCCESS) {
        snprintf(err, errlen, "hyperscan: %s", ce ? ce->message : "compile failed");
        hs_free_compile_error(ce);
        return -1;
    }
    return 0;
}

static void nofp_add(struct slot *s, uint32_t rule)
{
    if (s->nnofp && s->nofp[s->nnofp - 1] == rule)
        return;
    s->nofp = xreallocarray(s->nofp, s->nnofp + 1, sizeof(*s->nofp));
    s->nofp[s->nnofp++] = rule;
}

/* Splits ids into a port index (rules with a few fixed ports on a side) and
 * the rest (returned in *rest). */
static struct port_index *build_ports(const struct detect_engine *e, const uint32_t *ids, uint32_t n,
                                      uint32_t **rest, uint32_t *nrest)
{
    struct port_index *x = NULL;
    uint32_t *cnt[2] = { NULL, NULL };
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t j = 0; j < n; j++) {
            const struct rule *r = e->dr[ids[j]].r;
            int side = detect_few_ports(&r->dport) ? 0 : detect_few_ports(&r->sport) ? 1 : -1;
            if (detect_side_specific(&r->src) || detect_side_specific(&r->dst))
                side = -1;              /* a list of hosts indexes better than a port */
            if (side < 0) {
                if (pass == 0)
                    detect_u32_push(rest, nrest, ids[j]);
                continue;
            }
            if (!x) {
                x = xcalloc(1, sizeof(*x));
                cnt[0] = xcalloc(65537, sizeof(uint32_t));
                cnt[1] = xcalloc(65537, sizeof(uint32_t));
            }
            const struct rule_ports *p = side ? &r->sport : &r->dport;
            /* <> rules: the ports may be on the packet's other side too */
            for (int s2 = 0; s2 < (r->bidir ? 2 : 1); s2++) {
                int sd = side ^ s2;
                for (uint32_t k = 0; k < p->n; k++)
                    for (uint32_t port = p->v[k].lo; port <= p->v[k].hi; port++) {
                        if (pass == 0)
                            x->first[sd][port + 1]++;
                        else
                            x->rules[sd][cnt[sd][port]++] = ids[j];
                    }
            }
        }
        if (!x)
            return NULL;
        if (pass == 0)
            for (int sd = 0; sd < 2; sd++) {
                for (uint32_t port = 0; port < 65536; port++)
                    x->first[sd][port + 1] += x->first[sd][port];
                x->rules[sd] = xcalloc(x->first[sd][65536] + 1, sizeof(uint32_t));
                memcpy(cnt[sd], x->first[sd], 65537 * sizeof(uint32_t));
            }
    }
    free(cnt[0]);
    free(cnt[1]);
    return x;
}

/* Gives every distinct address list an id, so a worker can remember a
 * list's answer for a flow's two addresses instead of walking it for every
 * candidate rule (most rules share $HOME_NET / $EXTERNAL_NET). */
static void number_asets(struct detect_engine *e)
{
    uint32_t size = 1024;
    while (size < e->nrules * 4)
        size *= 2;
    struct aset_slot { const struct rule_addrs *a; uint64_t h; uint32_t id; } *tab = xcalloc(size, sizeof(*tab));
    uint32_t next = 0, cap = 0;
    for (uint32_t i = 0; i < e->nrules; i++) {
        struct drule *d = &e->dr[i];
        if (!d->r)
            continue;
        for (int side = 0; side < 2; side++) {
            const struct rule_addrs *a = side ? &d->r->dst : &d->r->src;
            uint64_t h = 1469598103934665603ULL ^ a->any ^ ((uint64_t)a->n << 1);
            for (uint32_t k = 0; k < a->n; k++)
                for (size_t b = 0; b < sizeof(a->v[k]); b++)
                    h = (h ^ ((const uint8_t *)&a->v[k])[b]) * 1099511628211ULL;
            uint32_t j = (uint32_t)h & (size - 1);
            while (tab[j].a) {
                const struct rule_addrs *o = tab[j].a;
                if (tab[j].h == h && o->any == a->any && o->n == a->n &&
                    (!a->n || !memcmp(o->v, a->v, a->n * sizeof(*a->v))))
                    break;
                j = (j + 1) & (size - 1);
            }
            if (!tab[j].a) {
                tab[j].a = a;
                tab[j].h = h;
                tab[j].id = next++;
                if (next > cap) {
                    cap = cap ? cap * 2 : 256;
                    e->aranges = xreallocarray(e->aranges, cap, sizeof(*e->aranges));
                }
                rules_vars_addrs_compile(a, &e->aranges[next - 1]);
            }
            d->aset[side] = tab[j].id;
        }
    }
    e->nasets = next;
    free(tab);
}

/* Can a stream rule match TCP payload that has no session (each packet
 * inspected alone, as Suricata's stream prefilter does)? header_ok's
 * answer for such a packet: no stream, not established, no app layer. */
static int without_session(const struct rule *r)
{
    return !(r->flow & RF_ONLY_STREAM) && established_ok(r, 0) && app_ok(r, RAPP_NONE);
}

/* The compile's slots in one list: the fixed slots (groups x directions x
 * ibufs, then the two stream slots), then the port classes' sub-slots,
 * appended as rules need them (subix[parent][class - 1]: a sub-slot's index,
 * 0 = not made yet: index 0 is a fixed slot). The literal sets are the
 * list's; the slots belong to the engine. */
struct slot_list {
    struct lit_set *ls;
    struct slot **all;
    int *modes;
    unsigned n, cap;
    unsigned **subix;               /* [nparents]: NULL until a sub-slot is made */
    unsigned nparents;
};

static unsigned list_add(struct slot_list *L, struct slot *s, int mode)
{
    if (L->n == L->cap) {
        L->cap = L->cap ? L->cap * 2 : 256;
        L->ls = xreallocarray(L->ls, L->cap, sizeof(*L->ls));
        L->all = xreallocarray(L->all, L->cap, sizeof(*L->all));
        L->modes = xreallocarray(L->modes, L->cap, sizeof(*L->modes));
    }
    L->ls[L->n] = (struct lit_set){ 0 };
    L->all[L->n] = s;
    L->modes[L->n] = mode;
    return L->n++;
}

/* The index of fixed slot parent's sub-slot for class c (1..nclass), made
 * when new. */
static unsigned sub_index(struct slot_list *L, unsigned parent, uint16_t nclass, uint16_t c)
{
    if (!L->subix) {                /* the first sub-slot: every fixed slot is in */
        L->nparents = L->n;
        L->subix = xcalloc(L->nparents, sizeof(*L->subix));
    }
    struct slot *p = L->all[parent];
    if (!L->subix[parent]) {
        L->subix[parent] = xcalloc(nclass, sizeof(unsigned));
        p->sub = xcalloc(nclass, sizeof(*p->sub));
        p->nsub = nclass;
    }
    unsigned *v = &L->subix[parent][c - 1];
    if (!*v) {
        p->sub[c - 1] = xcalloc(1, sizeof(struct slot));
        *v = list_add(L, p->sub[c - 1], L->modes[parent]);
    }
    return *v;
}

static void list_free(struct slot_list *L)
{
    for (unsigned k = 0; k < L->n; k++)
        free(L->ls[k].v);
    free(L->ls);
    free(L->all);
    free(L->modes);
    for (unsigned k = 0; L->subix && k < L->nparents; k++)
        free(L->subix[k]);
    free(L->subix);
}

/* ---- the build ---- */

struct detect_engine *detect_compile(struct ruleset *rs, const struct detect_build_opts *o,
                                     struct detect_build_info *info, char *err, size_t errlen)
{
    struct detect_engine *e = xcalloc(1, sizeof(*e));
    double t0 = now_s();

    atomic_init(&e->refs, 1);
    e->rs = rs;
    e->nrules = rs->nrules;
    e->dr = xcalloc(rs->nrules ? rs->nrules : 1, sizeof(*e->dr));
    static const uint8_t default_rank[4] = { 3, 1, 2, 0 };     /* pass, drop, reject, alert */
    memcpy(e->action_rank, o && o->action_rank ? o->action_rank : default_rank, 4);
    struct rule_match pm = { .type = RM_CONTENT, .buf = BUF_PACKET };
    e->ibuf_packet = (uint16_t)ibuf_find_add(e, &pm);
    for (uint32_t i = 0; i < rs->nrules; i++) {
        char why[240];
        if (build_rule(e, i, why, sizeof(why)) < 0) {
            int status = !strncmp(why, "pcre", 4) ? RS_FAILED : RS_SKIPPED;
            drop_rule(rs, rs->rules[i], status, "%s", why);
            e->dr[i].r = NULL;      /* inert: in no list */
        }
    }
    for (unsigned ib = 0; ib < e->nibufs; ib++) {
        uint8_t b = e->ibufs[ib].buf;
        e->ibufs_of_buf[b] = xreallocarray(e->ibufs_of_buf[b], e->nibufs_of_buf[b] + 1u, sizeof(uint16_t));
        e->ibufs_of_buf[b][e->nibufs_of_buf[b]++] = (uint16_t)ib;
    }
    /* Slots and their literals. */
    unsigned nslots = DG_MAX * 2 * e->nibufs;
    e->slots = xcalloc(nslots, sizeof(*e->slots));
    struct slot_list L = { 0 };
    for (unsigned k = 0; k < nslots; k++)
        list_add(&L, e->slots[k] = xcalloc(1, sizeof(struct slot)), HS_MODE_BLOCK);
    for (int dir = 0; dir < 2; dir++)
        list_add(&L, e->stream_slot[dir] = xcalloc(1, sizeof(struct slot)), HS_MODE_STREAM);
    for (int dir = 0; dir < 2; dir++)
        list_add(&L, e->nosess_slot[dir] = xcalloc(1, sizeof(struct slot)), HS_MODE_BLOCK);
    detect_pgroups_build(e);
    uint32_t *ipo_ids = NULL, nipo_ids = 0, *pkt_ids[DG_MAX][2] = { { NULL } }, npkt_ids[DG_MAX][2] = { { 0 } };
    int chop = nul_head_refused();  /* Vectorscan: all-NUL fast patterns go to nofp */
    for (uint32_t i = 0; i < e->nrules; i++) {
        struct drule *d = &e->dr[i];
        if (!d->r)
            continue;
        if (d->kind == DK_IPONLY) {
            e->info.rules_iponly++;
            detect_u32_push(&ipo_ids, &nipo_ids, i);
            continue;
        }
        if (d->kind == DK_PKT) {
            e->info.rules_pkt++;
            for (int g = 0; g < DG_MAX; g++)
                for (int dir = 0; dir < 2; dir++)
                    if ((d->groups >> g & 1) && (d->dirs >> dir & 1))
                        detect_u32_push(&pkt_ids[g][dir], &npkt_ids[g][dir], i);
            continue;
        }
        int fp = fast_pattern(e, d);
        const struct rule_match *m = fp >= 0 ? &d->r->m[fp] : NULL;
        unsigned ib = 0;
        if (m) {
            for (unsigned s = 0; s < d->nsec; s++)
                for (unsigned j = 0; j < d->sec[s].n; j++)
                    if (d->sec[s].mi[j] == fp)
                        ib = d->sec[s].ibuf;
            e->info.rules_fp++;
        } else {
            ib = d->sec[0].ibuf;
            e->info.rules_nofp++;
        }
        const uint8_t *pat = m ? m->u.c.pat + ((m->flags & M_FP_CHOP) ? m->u.c.fp_off : 0) : NULL;
        uint32_t plen = m ? ((m->flags & M_FP_CHOP) ? m->u.c.fp_len : m->u.c.len) : 0;
        int nocase = m && (m->flags & M_NOCASE);
        uint32_t min_end = 0, max_end = UINT32_MAX;     /* packet payloads only (below) */
        if (m)
            lit_bounds(m, &min_end, &max_end);
        for (int g = 0; g < DG_MAX; g++) {
            if (!(d->groups >> g & 1))
                continue;
            for (int dir = 0; dir < 2; dir++) {
                if (!(d->dirs >> dir & 1))
                    continue;
                int on_stream = g == DG_TCP && e->ibufs[ib].buf == BUF_PACKET && d->stream;
                if (on_stream && ib != e->ibuf_packet)
                    continue;   /* transforms on the raw stream: not inspected */
                unsigned idx = on_stream ? nslots + (unsigned)dir
                                         : ((unsigned)g * 2 + (unsigned)dir) * e->nibufs + ib;
                int lit = m && !(chop && all_nul(pat, plen));
                int bnd = !on_stream && ib == e->ibuf_packet;
                uint32_t lo = bnd ? min_end : 0, hi = bnd ? max_end : UINT32_MAX;
                const struct pgroup *pg = detect_pgroup_of(e, g, dir);
                if (on_stream && without_session(d->r)) {
                    /* also inspected on payload without a session: its own
                     * slot, every port (the header check sees the ports) */
                    if (lit)
                        lit_add(&L.ls[nslots + 2 + (unsigned)dir], pat, plen, nocase, i, 0, UINT32_MAX);
                    else
                        nofp_add(L.all[nslots + 2 + (unsigned)dir], i);
                }
                if (pg && detect_pgroup_ports(d, g, dir)) {
                    /* port-bound: into the sub-slot of each of its classes */
                    uint16_t cls[64];
                    uint32_t nc = detect_pgroup_classes(e, i, g, dir, cls, 64);
                    for (uint32_t c = 0; c < nc; c++) {
                        unsigned si = sub_index(&L, idx, pg->n, cls[c]);
                        if (lit)
                            lit_add(&L.ls[si], pat, plen, nocase, i, lo, hi);
                        else
                            nofp_add(L.all[si], i);
                    }
                } else if (lit) {
                    lit_add(&L.ls[idx], pat, plen, nocase, i, lo, hi);
                } else {
                    nofp_add(L.all[idx], i);
                }
            }
        }
    }
    for (unsigned k = 0; k < L.n; k++)
        slot_fill(L.all[k], &L.ls[k]);
    uint64_t key = cache_key(L.ls, L.modes, L.n);
    const char *cdir = o && o->cache_dir && o->cache_dir[0] ? o->cache_dir : NULL;
    int ok = 0;
    if (cdir && detect_cache_load(cdir, key, L.all, L.n) == 0) {
        e->info.from_cache = 1;
        ok = 1;
    }
    for (unsigned k = 0; !ok && k < L.n; k++)
        if (slot_compile(L.all[k], &L.ls[k], L.modes[k], err, errlen) < 0) {
            list_free(&L);
            detect_engine_unref(e);     /* the one reference: frees e and rs */
            return NULL;
        }
    if (!ok && cdir)
        detect_cache_save(cdir, key, L.all, L.n);
    for (unsigned k = 0; k < L.n; k++) {
        struct slot *s = L.all[k];
        if (s->db) {
            size_t sz = 0;
            hs_database_size(s->db, &sz);
            e->info.db_bytes += sz;
            e->info.ndb++;
            e->info.npatterns += s->npat;
            e->info.nsub += k >= nslots + 4;
            if (hs_alloc_scratch(s->db, &e->proto_scratch) != HS_SUCCESS) {
                snprintf(err, errlen, "hyperscan: cannot allocate scratch");
                list_free(&L);
                detect_engine_unref(e);
                return NULL;
            }
        }
        if (L.modes[k] == HS_MODE_STREAM)       /* the stream slots and their sub-slots */
            for (uint32_t p = 0; p < s->npat; p++)
                if (s->pat_len[p] > e->max_stream_pat)
                    e->max_stream_pat = s->pat_len[p];
    }
    list_free(&L);
    for (int dir = 0; dir < 2; dir++) {
        struct slot *ps = e->slots[((unsigned)DG_TCP * 2 + (unsigned)dir) * e->nibufs + e->ibuf_packet];
        if (ps)
            slot_uniq(ps);
        for (unsigned c = 0; ps && c < ps->nsub; c++)
            if (ps->sub[c])
                slot_uniq(ps->sub[c]);
    }
    number_asets(e);
    detect_addrix_build(&e->ipo, e, ipo_ids, nipo_ids);
    free(ipo_ids);
    for (int g = 0; g < DG_MAX; g++)
        for (int dir = 0; dir < 2; dir++) {
            uint32_t *rest = NULL, nrest = 0;
            if (g == DG_TCP || g == DG_UDP)
                e->pktp[g][dir] = build_ports(e, pkt_ids[g][dir], npkt_ids[g][dir], &rest, &nrest);
            else
                for (uint32_t k = 0; k < npkt_ids[g][dir]; k++)
                    detect_u32_push(&rest, &nrest, pkt_ids[g][dir][k]);
            detect_addrix_build(&e->pktx[g][dir], e, rest, nrest);
            free(rest);
            free(pkt_ids[g][dir]);
        }
    e->mctx = pcre2_match_context_create(NULL);
    /* Suricata's defaults (pcre.match-limit 3500, -recursion 1500): a hostile
     * buffer costs a pcre at most that many steps, whatever the path. */
    pcre2_set_match_limit(e->mctx, o && o->pcre_match_limit ? o->pcre_match_limit : 3500);
    pcre2_set_depth_limit(e->mctx, o && o->pcre_depth_limit ? o->pcre_depth_limit : 1500);
    e->info.compile_s = now_s() - t0;
    if (info)
        *info = e->info;
    return e;
}
