/* detect_addrix.c - the address index: IP-only and header-only rules by
 * the address prefixes of their header, built once per ruleset
 * (detect_addrix_build, from detect_compile.c) and looked up on a flow's
 * first packet each way (detect_addrix_hits, from detect.c).
 *
 * An open-addressing table of (prefix, length) entries, each naming the
 * rules indexed by it, with a bloom filter in front (most addresses are in
 * no list). A look-up masks each of the flow's two addresses to every prefix
 * length the index holds - for IPv4 only the lengths present under the
 * address's first octet (v4_plens) - and probes once per length.
 *
 * Which side indexes a rule: a side of hosts (/24 or longer) alone; else,
 * when both sides have prefixes, both, each entry tagged with its side, and
 * the rule is a candidate only when the flow's addresses hit one side each
 * (as Suricata's IP-only engine ANDs its source and destination trees: one
 * side alone made every $HOME_NET flow a candidate of ET Open's 56
 * `ip [blocklist] -> $HOME_NET` rules); else the one side with prefixes;
 * with none, the rule is in `any`. An entry's rules are sorted: those of
 * one side first, then the two-sided ones by their src, then by their dst,
 * each part by rule id. A look-up pushes the one-sided ones and keeps the
 * two-sided parts of the entries each address hits; a two-sided rule is a
 * candidate when it is in a part of one address and the opposite part of
 * the other, found by walking the shorter list and binary-searching the
 * other. So a $HOME_NET address, whose entry lists thousands of two-sided
 * rules, costs nothing when the other address hits none (a scan's SYNs:
 * the walk of that list was 3,000 instructions per flow).
 *
 * Ownership: the index belongs to its engine (detect_addrix_free); the
 * look-up keeps nothing. */
#include <stdlib.h>
#include <string.h>

#include "detect_internal.h"
#include "taishi/core/util.h"

struct ipo_pair {
    uint8_t addr[16];
    uint8_t ver, plen;
    uint32_t rule;
};

static int ipo_pair_cmp(const void *a, const void *b)
{
    const struct ipo_pair *x = a, *y = b;
    int c = memcmp(x, y, 18);
    return c ? c : (x->rule < y->rule ? -1 : x->rule > y->rule);
}

static int side_positives(const struct rule_addrs *a)
{
    if (a->any)
        return 0;
    int n = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        if (a->v[i].neg)
            continue;
        if (a->v[i].prefix == 0)
            return 0;           /* 0.0.0.0/0: nothing to index by */
        n++;
    }
    return n;
}

/* IPv4 /24 or longer, IPv6 /64 or longer: a list of hosts. */
int detect_side_specific(const struct rule_addrs *a)
{
    if (!side_positives(a))
        return 0;
    for (uint32_t i = 0; i < a->n; i++)
        if (!a->v[i].neg && a->v[i].prefix < (a->v[i].ver == 4 ? 24 : 64))
            return 0;
    return 1;
}

static void pair_push(struct ipo_pair **pairs, size_t *np, size_t *cap, const struct rule_cidr *c,
                      uint32_t tagged)
{
    if (*np == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *pairs = xreallocarray(*pairs, *cap, sizeof(**pairs));
    }
    struct ipo_pair *p = &(*pairs)[(*np)++];
    memset(p, 0, sizeof(*p));
    p->ver = c->ver;
    p->plen = c->prefix;
    unsigned nb = c->ver == 4 ? 4 : 16;
    for (unsigned b = 0; b < nb; b++) {
        int bits = (int)c->prefix - (int)b * 8;
        uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
        p->addr[b] = c->addr[b] & mask;
    }
    p->rule = tagged;
}

/* Which side indexes each rule: the file's head. Tagged entries carry
 * ADDR_IX_BOTH, and ADDR_IX_DST for the rule's dst side. */
void detect_addrix_build(struct addr_index *x, const struct detect_engine *e, const uint32_t *ids,
                         uint32_t n)
{
    struct ipo_pair *pairs = NULL;
    size_t np = 0, cap = 0;

    memset(x, 0, sizeof(*x));
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = ids[j];
        const struct drule *d = &e->dr[i];
        int ns = side_positives(&d->r->src), nd = side_positives(&d->r->dst);
        if (!ns && !nd) {
            detect_u32_push(&x->any, &x->nany, i);
            continue;
        }
        /* a side of hosts alone (the fewer prefixes if both are) */
        int hs = ns && detect_side_specific(&d->r->src), hd = nd && detect_side_specific(&d->r->dst);
        if (hs && (!hd || ns <= nd))
            nd = 0;
        else if (hd)
            ns = 0;
        for (int s = 0; s < 2; s++) {
            const struct rule_addrs *side = s ? &d->r->dst : &d->r->src;
            if (!(s ? nd : ns))
                continue;
            uint32_t tagged = !ns || !nd ? i : i | ADDR_IX_BOTH | (s ? ADDR_IX_DST : 0);
            for (uint32_t k = 0; k < side->n; k++)
                if (!side->v[k].neg)
                    pair_push(&pairs, &np, &cap, &side->v[k], tagged);
        }
    }
    if (!np)
        return;
    qsort(pairs, np, sizeof(*pairs), ipo_pair_cmp);
    uint32_t size = 16;
    while (size < np * 2)
        size *= 2;
    x->size = size;
    x->tab = xcalloc(size, sizeof(*x->tab));
    x->bloom_mask = size * 8 < 4096 ? 4095 : size * 8 - 1;     /* 4+ bits per slot */
    x->bloom = xcalloc((x->bloom_mask + 1) / 64, sizeof(uint64_t));
    x->rules = xcalloc(np, sizeof(uint32_t));
    uint32_t nr = 0;
    for (size_t i = 0; i < np; ) {
        size_t j = i;
        uint32_t hh = detect_ipo_hash(pairs[i].addr, pairs[i].ver, pairs[i].plen);
        x->bloom[(hh & x->bloom_mask) / 64] |= 1ULL << (hh & 63);
        uint32_t h = hh & (size - 1);
        while (x->tab[h].ver)
            h = (h + 1) & (size - 1);
        struct ipo_entry *en = &x->tab[h];
        memcpy(en->addr, pairs[i].addr, 16);
        en->ver = pairs[i].ver;
        en->plen = pairs[i].plen;
        en->first = nr;
        for (; j < np && !memcmp(&pairs[j], &pairs[i], 18); j++) {
            if (nr != en->first && x->rules[nr - 1] == pairs[j].rule)
                continue;
            x->rules[nr++] = pairs[j].rule;
            if (!(pairs[j].rule & ADDR_IX_BOTH))
                en->nplain++;
            else if (!(pairs[j].rule & ADDR_IX_DST))
                en->nbsrc++;
        }
        en->n = nr - en->first;
        if (pairs[i].ver == 4) {    /* the first octets this prefix covers */
            if (!x->v4_plens)
                x->v4_plens = xcalloc(256, sizeof(uint64_t));
            unsigned lo = pairs[i].addr[0], span = pairs[i].plen >= 8 ? 1 : 1u << (8 - pairs[i].plen);
            for (unsigned o = lo; o < lo + span && o < 256; o++)
                x->v4_plens[o] |= 1ULL << pairs[i].plen;
        } else {
            int seen = 0;
            for (unsigned k = 0; k < x->nplens6; k++)
                seen |= x->plens6[k] == pairs[i].plen;
            if (!seen && x->nplens6 < 129)
                x->plens6[x->nplens6++] = pairs[i].plen;
        }
        i = j;
    }
    free(pairs);
}

/* The two-sided parts of the entries one address hit: for each, the rules
 * whose src (0) or dst (1) holds the address. */
#define ADDRIX_PARTS 130                /* at most one entry per prefix length */
struct parts {
    const uint32_t *v[2][ADDRIX_PARTS];
    uint32_t n[2][ADDRIX_PARTS], np[2], total[2];
};

static int in_parts(const struct parts *p, int which, uint32_t tagged)
{
    for (uint32_t i = 0; i < p->np[which]; i++) {
        const uint32_t *v = p->v[which][i];
        uint32_t lo = 0, hi = p->n[which][i];
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (v[mid] < tagged)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < p->n[which][i] && v[lo] == tagged)
            return 1;
    }
    return 0;
}

/* The rules in a's part `wa` and in b's part `wb` (a rule's tag says its
 * side): walks the shorter, searches the other. */
static void both_sides(struct detect_thread *t, const struct parts *a, int wa, const struct parts *b,
                       int wb)
{
    if (!a->total[wa] || !b->total[wb])
        return;
    if (a->total[wa] > b->total[wb]) {
        const struct parts *x = a;
        int wx = wa;
        a = b, wa = wb, b = x, wb = wx;
    }
    uint32_t flip = ADDR_IX_DST;        /* the other side's tag */
    for (uint32_t i = 0; i < a->np[wa]; i++)
        for (uint32_t r = 0; r < a->n[wa][i]; r++) {
            uint32_t tagged = a->v[wa][i][r];
            if (in_parts(b, wb, tagged ^ flip))
                detect_cand_push(t, tagged & ADDR_IX_RULE, 0);
        }
}

void detect_addrix_hits(struct detect_thread *t, const struct addr_index *x, const struct flow_key *k)
{
    int v = k->ipver == 4 ? 0 : 1;
    struct parts pt[2];                 /* per address (0 src, 1 dst) */
    pt[0].np[0] = pt[0].np[1] = pt[1].np[0] = pt[1].np[1] = 0;
    pt[0].total[0] = pt[0].total[1] = pt[1].total[0] = pt[1].total[1] = 0;
    for (int side = 0; side < 2 && x->size; side++) {
        const uint8_t *a = side ? k->dst : k->src;
        uint32_t a4 = v ? 0 : (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
        /* IPv4: only the prefix lengths present under the address's first octet */
        uint64_t pl4 = v ? 0 : x->v4_plens ? x->v4_plens[a[0]] : 0;
        unsigned npl = v ? x->nplens6 : (unsigned)__builtin_popcountll(pl4);
        for (unsigned pi = 0; pi < npl; pi++) {
            uint8_t plen = v ? x->plens6[pi] : (uint8_t)__builtin_ctzll(pl4), m[16] = { 0 };
            pl4 &= pl4 - 1;             /* (IPv6: stays 0) */
            if (!v) {                   /* IPv4: mask as one word */
                uint32_t mv = plen >= 32 ? a4 : plen ? a4 & ~(0xffffffffu >> plen) : 0;
                m[0] = (uint8_t)(mv >> 24);
                m[1] = (uint8_t)(mv >> 16);
                m[2] = (uint8_t)(mv >> 8);
                m[3] = (uint8_t)mv;
            } else {
                for (unsigned b = 0; b < 16u; b++) {
                    int bits = (int)plen - (int)b * 8;
                    m[b] = a[b] & (bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits)));
                }
            }
            uint32_t hh = detect_ipo_hash(m, k->ipver, plen), h = hh & (x->size - 1);
            if (!(x->bloom[(hh & x->bloom_mask) / 64] >> (hh & 63) & 1))
                continue;               /* no entry of this prefix for the address */
            for (uint32_t n = 0; n < x->size && x->tab[h].ver; n++, h = (h + 1) & (x->size - 1)) {
                const struct ipo_entry *en = &x->tab[h];
                if (en->ver == k->ipver && en->plen == plen && !memcmp(en->addr, m, 16)) {
                    const uint32_t *rl = x->rules + en->first;
                    for (uint32_t r = 0; r < en->nplain; r++)
                        detect_cand_push(t, rl[r], 0);
                    uint32_t nb[2] = { en->nbsrc, en->n - en->nplain - en->nbsrc };
                    const uint32_t *vb[2] = { rl + en->nplain, rl + en->nplain + en->nbsrc };
                    struct parts *p = &pt[side];
                    for (int w = 0; w < 2; w++)
                        if (nb[w] && p->np[w] < ADDRIX_PARTS) {
                            p->v[w][p->np[w]] = vb[w];
                            p->n[w][p->np[w]++] = nb[w];
                            p->total[w] += nb[w];
                        }
                    break;
                }
            }
        }
    }
    /* the src in a rule's src and the dst in its dst, or the other way round
     * (the packet's direction and <> rules are header_ok's) */
    both_sides(t, &pt[0], 0, &pt[1], 1);
    both_sides(t, &pt[0], 1, &pt[1], 0);
}

void detect_addrix_free(struct addr_index *x)
{
    free(x->tab);
    free(x->rules);
    free(x->any);
    free(x->bloom);
    free(x->v4_plens);
}
