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
    uint32_t order;                 /* verification order: flowbit setters first */
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
};

/* Rules by an address prefix of one side of their header: a packet looks
 * up both its addresses and gets every rule that might match (a superset);
 * rules with no side to index by are in `any`. */
struct ipo_entry {
    uint8_t addr[16];
    uint8_t ver, plen;
    uint32_t first, n;              /* into rules */
};
struct addr_index {
    struct ipo_entry *tab;          /* open addressing, size slots (ver 0 = empty) */
    uint32_t size;
    uint32_t *rules;
    uint8_t plens[2][129];          /* prefix lengths present, per version (4, 6) */
    uint8_t nplens[2];
    uint32_t *any;
    uint32_t nany;
};

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
    struct addr_index ipo;          /* IP-only rules, once per flow direction */
    struct addr_index pktx[DG_MAX][2];  /* header-only rules per group and direction */
    struct port_index *pktp[DG_MAX][2]; /* those of them with a few fixed ports (TCP/UDP) */
    uint32_t max_stream_pat;        /* longest literal in the stream databases */
    uint32_t nasets;                /* distinct address lists (memoized per flow at match time) */
    hs_scratch_t *proto_scratch;    /* template for hs_clone_scratch */
    pcre2_match_context *mctx;      /* match limits, shared read-only */
    struct detect_build_info info;
};

/* detect_compile.c: the hash of an address prefix in an addr_index (the
 * build fills the index with it, detect.c looks up with it). */
uint32_t detect_compile_ipo_hash(const uint8_t *addr, uint8_t ver, uint8_t plen);

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

#endif
