/* detect_internal.h - the compiled engine's layout, shared by
 * detect_compile.c (builds it), detect_cache.c (its databases on disk),
 * detect_engine.c (its references, frees it), detect_match.c (verifies one
 * rule against a buffer), detect_transform.c (a buffer's transforms) and
 * detect.c (runs it per packet, chunk and transaction).
 *
 * An "ibuf" is an inspection buffer together with the transforms applied to
 * it (http.uri, or dns.query + dotprefix): each distinct one gets its own
 * databases. A "slot" is one (protocol group, direction, ibuf) with its
 * Hyperscan database (pattern id -> rules, CSR layout) and the rules that
 * have no literal there (checked on every buffer of the slot). */
#ifndef TAISHI_DETECT_INTERNAL_H
#define TAISHI_DETECT_INTERNAL_H

#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdatomic.h>
#include <string.h>

#include "taishi/core/util.h"
#include "taishi/detect/detect.h"

enum dgroup { DG_TCP, DG_UDP, DG_ICMP, DG_OTHER, DG_MAX };
enum dkind { DK_IPONLY, DK_PKT, DK_PAYLOAD };

struct ibuf {
    uint8_t buf;                    /* enum buf_id */
    uint8_t ntr;
    uint8_t tr[RULE_MAX_TRANSFORMS];
};

/* The matches of one rule in one ibuf, in rule order. */
struct dsec {
    uint16_t ibuf;
    uint16_t n;
    uint16_t *mi;                   /* indices into rule->m */
};

struct drule {
    const struct rule *r;
    uint64_t order;                 /* verification and alert order (detect_compile.c) */
    uint16_t nsec;
    uint8_t kind;                   /* enum dkind */
    uint8_t groups;                 /* bit per enum dgroup */
    uint8_t dirs;                   /* bit 0 to server, bit 1 to client */
    uint8_t stream;                 /* TCP payload inspected on the stream */
    uint8_t has_tr;                 /* some section has transforms */
    uint32_t aset[2];               /* ids of the src and dst address lists (equal lists, one id) */
    struct dsec *sec;
    pcre2_code **pcre;              /* parallel to r->m; NULL where not a pcre */
};

struct slot {
    hs_database_t *db;              /* NULL: no literals here */
    uint32_t npat;
    uint32_t *pat_first;            /* npat + 1 offsets into pat_rules */
    uint32_t *pat_rules;
    uint16_t *pat_len;              /* literal length (for the stream window) */
    uint32_t *nofp;                 /* rules without a literal in this slot */
    uint32_t nnofp;
    uint32_t *uniq;                 /* TCP packet slots: every rule of the slot once (the */
    uint32_t nuniq;                 /* flow-direction liveness check, detect.c pkt_slot_live) */
    struct slot **sub;              /* port groups: [class - 1], the port-bound rules of */
    uint16_t nsub;                  /* that class (NULL: none here); detect_pgroup.c */
};

/* Port groups of one (TCP or UDP, direction) (detect_pgroup.c): the flow's
 * server port -> class (the class's rules are in its slots' sub-slots). */
struct pgroup {
    uint16_t *cls;                  /* [65536], 0 = no class; NULL = no port-bound rule */
    uint16_t n;                     /* classes 1..n */
};

/* Rules by the address prefixes of their header (detect_addrix.c): a packet
 * looks up both its addresses and gets every rule that might match (a
 * superset); rules with no side to index by are in `any`. A rule indexed by
 * both of its sides has its entries tagged: it is a candidate only when the
 * flow's two addresses hit its two sides. */
#define ADDR_IX_BOTH 0x80000000u    /* in rules[]: indexed by both sides */
#define ADDR_IX_DST  0x40000000u    /* with BOTH: this entry is the rule's dst */
#define ADDR_IX_RULE 0x3fffffffu
struct ipo_entry {
    uint8_t addr[16];
    uint8_t ver, plen;
    uint32_t first, n;              /* into rules: the rules indexed by one side, */
    uint32_t nplain, nbsrc;         /* then (ADDR_IX_BOTH) by their src, then by their dst */
};
struct addr_index {
    struct ipo_entry *tab;          /* open addressing, size slots (ver 0 = empty) */
    uint32_t size;
    uint32_t *rules;
    uint8_t plens6[129];            /* IPv6 prefix lengths present (IPv4: v4_plens) */
    uint8_t nplens6;
    uint32_t *any;
    uint32_t nany;
    uint64_t *bloom;                /* bit (hash & bloom_mask) set for every entry: most */
    uint32_t bloom_mask;            /* look-ups end here without touching tab */
    uint64_t *v4_plens;             /* [256]: bit p set when an IPv4 entry of prefix length */
};                                  /* p covers addresses of that first octet (NULL: none) */

/* Header-only rules by port: rules for port p are rules[first[p]..first[p+1])
 * of the side (0 = destination port of the packet, 1 = source port). */
struct port_index {
    uint32_t first[2][65537];
    uint32_t *rules[2];
};

struct detect_engine {
    _Atomic int refs;
    struct ruleset *rs;
    struct drule *dr;               /* one per rule, same index */
    uint32_t nrules;
    struct ibuf *ibufs;
    uint32_t nibufs;
    uint16_t *ibufs_of_buf[BUF_MAX];    /* ibufs whose base is this buffer */
    uint16_t nibufs_of_buf[BUF_MAX];
    uint16_t ibuf_packet;           /* BUF_PACKET without transforms */
    struct slot **slots;            /* [(group * 2 + dir) * nibufs + ibuf], NULL = empty */
    struct slot *stream_slot[2];    /* TCP stream, per direction (streaming mode) */
    struct slot *nosess_slot[2];    /* TCP payload without a session, inspected alone: the
                                     * stream rules that need no session (block mode) */
    struct addr_index ipo;          /* IP-only rules, once per flow direction */
    struct addr_index pktx[DG_MAX][2];  /* header-only rules per group and direction */
    struct port_index *pktp[DG_MAX][2]; /* those of them with a few fixed ports (TCP/UDP) */
    struct pgroup pg[2][2];         /* [TCP, UDP][direction] */
    uint32_t max_stream_pat;        /* longest literal in the stream databases */
    uint32_t nasets;                /* distinct address lists (memoized per flow at match time) */
    struct rule_aranges *aranges;   /* [nasets]: each list compiled for binary search */
    hs_scratch_t *proto_scratch;    /* template for hs_clone_scratch */
    pcre2_match_context *mctx;      /* match limits, shared read-only */
    struct detect_build_info info;
    uint8_t action_rank[4];         /* action-order: rank per enum rule_action */
};

/* The hash of an address prefix in an addr_index (the build fills the
 * index with it, detect.c looks up with it, once per prefix length). */
static inline uint32_t detect_ipo_hash(const uint8_t *addr, uint8_t ver, uint8_t plen)
{
    /* host byte order: the index is built and read in the same process */
    uint32_t a4;
    memcpy(&a4, addr, 4);
    uint64_t h = ((uint64_t)a4 | (uint64_t)plen << 32 | (uint64_t)ver << 40) * 0x9e3779b97f4a7c15ULL;
    if (ver != 4) {
        uint64_t a, b;
        memcpy(&a, addr, 8);
        memcpy(&b, addr + 8, 8);
        h = (h ^ (h >> 29) ^ a) * 0xbf58476d1ce4e5b9ULL;
        h = (h ^ (h >> 29) ^ b) * 0xbf58476d1ce4e5b9ULL;
    }
    return (uint32_t)(h >> 32);
}

/* Appends x to the array *v of *n (grown by one). */
static inline void detect_u32_push(uint32_t **v, uint32_t *n, uint32_t x)
{
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    (*v)[(*n)++] = x;
}

/* detect_pgroup.c */
/* A short positive list of ports (at most 64), as the port indexes take. */
int detect_few_ports(const struct rule_ports *p);
/* The server-side ports of payload rule d in (g, dir) when the rule is
 * port-bound there, else NULL. */
const struct rule_ports *detect_pgroup_ports(const struct drule *d, int g, int dir);
void detect_pgroups_build(struct detect_engine *e);
void detect_pgroups_free(struct detect_engine *e);
/* The classes (1..n) port-bound rule i belongs to in (g, dir), each once. */
uint32_t detect_pgroup_classes(const struct detect_engine *e, uint32_t i, int g, int dir,
                               uint16_t *out, uint32_t max);

static inline const struct pgroup *detect_pgroup_of(const struct detect_engine *e, int g, int dir)
{
    if (g != DG_TCP && g != DG_UDP)
        return NULL;
    const struct pgroup *pg = &e->pg[g == DG_UDP][dir & 1];
    return pg->cls ? pg : NULL;
}

/* The sub-slot of slot s for a flow with key k: its server port's class
 * (k->dport in both directions), or NULL. */
static inline const struct slot *detect_sub(const struct detect_engine *e, const struct slot *s,
                                            int g, const struct flow_key *k, int dir)
{
    if (!s || !s->sub)
        return NULL;
    const struct pgroup *pg = detect_pgroup_of(e, g, dir);
    uint16_t c = pg ? pg->cls[k->dport] : 0;
    return c && c <= s->nsub ? s->sub[c - 1] : NULL;
}

/* detect_cache.c: every slot's database in one file named by the key.
 * load: 0 when the file was there and whole (databases set), else -1. */
int detect_cache_load(const char *dir, uint64_t key, struct slot **all, unsigned n);
void detect_cache_save(const char *dir, uint64_t key, struct slot **all, unsigned n);

/* detect_match.c */
#define DETECT_MAX_STEPS 3000       /* content inspection recursion budget, as Suricata's */
struct vbuf {
    const uint8_t *data;
    uint32_t len;
};
struct match_state {
    pcre2_match_data *md;
    int64_t vars[RULE_MAX_VARS];
    unsigned steps;
    unsigned limit_hits;        /* pcre runs stopped by the match limits */
};
/* Does the section's payload list match buffer b? */
int detect_match_section(const struct detect_engine *e, const struct drule *d,
                         const struct dsec *s, const struct vbuf *b, struct match_state *ms);

/* detect_transform.c: applies ibuf's transforms to in; out has room for
 * 2 * (len + 32) bytes. */
uint32_t detect_transform(const struct ibuf *ib, const uint8_t *in, uint32_t len, uint8_t *out);
/* Is every transform of ib implemented? */
int detect_transform_supported(const struct ibuf *ib);

/* ---- per worker and per flow state (detect.c, detect_alertq.c) ---- */

#define MAX_ENGINES 8
#define TAIL_MAX 1024               /* bytes of a direction kept for split literals */
#define ALERTQ_BUF_MAX 4096         /* bytes of a matched buffer kept for its alert event */

struct engine_use {
    struct detect_engine *e;
    hs_scratch_t *scratch;
    uint64_t flows;
};

/* A match waiting for the end of its packet (detect_alertq.c). */
struct alertq_ent {
    uint32_t rule;
    uint32_t seq;                   /* arrival, the tie-break */
    uint8_t flow_scope;             /* a pass/drop here applies to the flow */
    uint32_t boff, blen;            /* the matched buffer's copy in the arena */
    struct detect_ctx c;
};

struct detect_thread {
    struct engine_use use[MAX_ENGINES];
    int cur;                        /* index of the engine for new flows, -1 = none */
    uint32_t *cmark, *amark;        /* per rule: candidate and alert generations */
    uint32_t marks;                 /* rules the marks cover */
    uint32_t cgen, agen;
    uint32_t *memo_stamp;           /* per address list: the flow stamp its memo is for */
    uint8_t *memo;                  /* bit 0/1: answer/known for the flow's src, 2/3 for its dst */
    uint32_t nmemo, stamp;
    const struct detect_flow *last_flow;    /* the flow the stamp belongs to */
    uint32_t *cand;
    uint8_t *cspan;                 /* stream: the literal began before the chunk */
    uint32_t ncand, capcand;
    pcre2_match_data *md;
    uint8_t *tbuf, *wbuf;
    size_t tcap, wcap;
    struct alertq_ent *q;           /* this packet's matches (grows, never shrinks) */
    uint32_t nq, capq;
    uint8_t *qbuf;                  /* their buffers' copies */
    size_t nqbuf, capqbuf;
    struct detect_stats st;
};

struct fint {
    uint16_t id;
    uint32_t v;
};

struct detect_flow {
    struct detect_engine *e;
    struct engine_use *u;
    hs_stream_t *hs[2];
    hs_stream_t *hsx[2];            /* the stream sub-slot of the flow's port class */
    uint8_t *tail[2];
    uint32_t tail_len[2];
    uint64_t chunk_off[2];          /* hs stream offset where the current chunk begins */
    uint64_t *bits;
    struct fint *ints;
    uint16_t nints;
    uint32_t *pkx[2];               /* per direction: the rules the packet-address index gives */
    uint32_t npkx[2];               /* for the flow's addresses (the same for all its packets) */
    uint8_t ipo_done;               /* bit per direction */
    uint8_t pkx_done;               /* bit per direction: pkx[] looked up */
    uint8_t pkt_live[2];            /* TCP packet slot per direction: 0 not known, 1 no rule */
    uint8_t pkt_live_app[2];        /* of it can match this flow, 2 some can; for this app */
    uint8_t pkt_live_est[2];        /* and this established state (1 not, 2 established) */
    uint8_t passed;                 /* a pass rule passed the flow: no more inspection */
    uint8_t no_payload;             /* encrypted from here on: no payload inspection */
};

/* The rule's app-layer protocol against the flow's (as Suricata's
 * AppProtoEquals: dcerpc rules also see SMB, its named pipes). In the
 * header so that detect.c's header check and detect_compile.c's choice of
 * the no-session slot ask the same question. */
static inline int app_ok(const struct rule *r, int app)
{
    if (r->proto != RP_APP && !(r->has & RH_APPLAYER))
        return 1;
    int same = app == r->app || (r->app == RAPP_DCERPC && app == RAPP_SMB);
    return r->app_neg ? !same : same;
}

/* flow:established / not_established against the packet's state. */
static inline int established_ok(const struct rule *r, int established)
{
    if ((r->flow & RF_ESTABLISHED) && !established)
        return 0;
    return !((r->flow & RF_NOT_ESTABLISHED) && established);
}

/* detect_alertq.c: a verified match joins the packet's queue (flowbits were
 * already applied by the caller); detect_packet_done() sorts the queue by
 * rule order and applies action-order, pass and thresholds. */
void detect_alertq_push(struct detect_thread *t, const struct drule *d, const struct detect_ctx *c,
                        const uint8_t *buf, uint32_t len, int flow_scope);
void detect_alertq_free(struct detect_thread *t);
/* Rule becomes a candidate of the scan (once per scan: cmark); span: its
 * literal began before the chunk (noted on a rule already there too). In
 * the header: detect.c's literal hits and detect_addrix.c's look-ups both
 * push, and the hits are the hottest path of the stage. */
static inline void detect_cand_push(struct detect_thread *t, uint32_t rule, int span)
{
    if (t->cmark[rule] == t->cgen) {
        if (span) {                 /* already a candidate: note that it spans */
            for (uint32_t i = 0; i < t->ncand; i++)
                if (t->cand[i] == rule)
                    t->cspan[i] = 1;
        }
        return;
    }
    t->cmark[rule] = t->cgen;
    if (t->ncand == t->capcand) {
        t->capcand = t->capcand ? t->capcand * 2 : 64;
        t->cand = xreallocarray(t->cand, t->capcand, sizeof(*t->cand));
        t->cspan = xreallocarray(t->cspan, t->capcand, sizeof(*t->cspan));
    }
    t->cspan[t->ncand] = (uint8_t)span;
    t->cand[t->ncand++] = rule;
}

/* detect_addrix.c: the address index. */
/* A side whose positive prefixes are all narrow (hosts): few packets hit it. */
int detect_side_specific(const struct rule_addrs *a);
/* Indexes the rules ids[0..n) of e into *x (zeroed first). */
void detect_addrix_build(struct addr_index *x, const struct detect_engine *e, const uint32_t *ids,
                         uint32_t n);
void detect_addrix_free(struct addr_index *x);
/* The candidates the flow's two addresses give (detect_cand_push); not
 * x->any, which the caller adds as it needs. */
void detect_addrix_hits(struct detect_thread *t, const struct addr_index *x, const struct flow_key *k);

#endif
