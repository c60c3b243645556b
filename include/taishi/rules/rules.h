/* rules.h - Suricata-syntax rules: text in, an immutable `struct ruleset` out.
 *
 * rules_set.c reads rule files into a ruleset; the parser (rules_parse.c,
 * rules_opts.c, rules_payload.c) turns one rule line into a `struct rule`:
 * header (action, protocol, addresses, ports, direction) and options. Payload keywords (content, pcre, byte_*, isdataat, bsize) become
 * `struct rule_match` elements kept in rule order, each tagged with the
 * buffer it inspects (a sticky buffer such as http.uri, or a legacy modifier
 * such as http_uri that moves the content before it) and the transforms
 * applied to that buffer. Variables ($HOME_NET, $HTTP_PORTS) are resolved at
 * parse time from `struct rule_vars` (rules_vars.c), whose defaults are
 * Suricata's shipped suricata.yaml. classification.config gives each
 * classtype its description (alert.category) and priority (alert.severity).
 *
 * A rule the parser cannot read is FAILED; a rule that uses a keyword or a
 * value Suricata accepts but we do not implement is SKIPPED (unsupported).
 * Either way the reason reads `file:line: sid N: reason` and loading goes on.
 *
 * Ownership: a ruleset owns its rules and every string and array they point
 * to; it is built once, never changed, and shared read-only by all workers
 * (the detect stage holds it by reference count, detect.h). */
#ifndef TAISHI_RULES_H
#define TAISHI_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "taishi/app/buffers.h"

enum rule_action { RA_ALERT, RA_DROP, RA_REJECT, RA_PASS };

/* The header protocol. RP_APP: an app-layer name; rule->app says which
 * (matched on nDPI's verdict for the flow, never on ports alone). */
enum rule_proto { RP_IP, RP_TCP, RP_UDP, RP_ICMP, RP_ICMPV6, RP_APP };

/* App-layer protocols a rule header (or app-layer-protocol:) may name. */
enum rule_app {
    RAPP_NONE = 0, RAPP_HTTP, RAPP_TLS, RAPP_DNS, RAPP_SSH, RAPP_SMTP, RAPP_FTP, RAPP_SMB,
    RAPP_DCERPC, RAPP_NFS, RAPP_NTP, RAPP_DHCP, RAPP_SNMP, RAPP_SIP, RAPP_RDP, RAPP_KRB5,
    RAPP_IMAP, RAPP_POP3, RAPP_MODBUS, RAPP_DNP3, RAPP_ENIP, RAPP_TFTP, RAPP_IKE, RAPP_MQTT,
    RAPP_RFB, RAPP_TELNET, RAPP_IRC, RAPP_HTTP2, RAPP_QUIC, RAPP_FTP_DATA, RAPP_MAX
};
/* "dns", "http"... (rules_app.c); "?" when out of range. */
const char *rules_app_name(enum rule_app a);
/* A protocol name as Suricata spells it (header or app-layer-protocol:);
 * RAPP_NONE when unknown. */
int rules_app_lookup(const char *name);

/* One address entry: a prefix of `ver` (4 or 6), possibly negated. */
struct rule_cidr {
    uint8_t addr[16];       /* IPv4 in the first 4 bytes */
    uint8_t ver, prefix;
    uint8_t neg;
};
/* Flattened: matches when (npos == 0 or the address is in a positive entry)
 * and it is in no negated entry. `any` = no constraint at all. The parser
 * evaluates nesting and negation exactly and emits either only positive or
 * only negated entries, whichever list is shorter (EXTERNAL_NET = 3 negated
 * prefixes). Ports on ip/icmp rules are kept as written (Suricata accepts them). */
struct rule_addrs {
    struct rule_cidr *v;
    uint32_t n;
    uint8_t any;
};
struct rule_prange { uint16_t lo, hi; uint8_t neg; };
struct rule_ports {
    struct rule_prange *v;
    uint32_t n;
    uint8_t any;
};
/* Matchers for the detect stage (rules_vars.c): 1 when the address (4 or
 * 16 bytes, ver 4 or 6) / port is in the flattened set. */
int rules_vars_addrs_match(const struct rule_addrs *a, const uint8_t *addr, int ver);
int rules_vars_ports_match(const struct rule_ports *p, uint16_t port);
/* The same set compiled for lookup (the detect stage builds one per distinct
 * list when it compiles a ruleset): the addresses it matches as sorted,
 * disjoint, closed ranges per family, matched by binary search, so a list of
 * a thousand prefixes costs ten comparisons instead of a thousand. The
 * arrays belong to the struct (rules_vars_aranges_free). */
struct rule_aranges {
    struct { uint32_t lo, hi; } *v4;
    struct { unsigned __int128 lo, hi; } *v6;
    uint32_t n4, n6;
};
void rules_vars_addrs_compile(const struct rule_addrs *a, struct rule_aranges *out);
int rules_vars_aranges_match(const struct rule_aranges *r, const uint8_t *addr, int ver);
void rules_vars_aranges_free(struct rule_aranges *r);

/* Numeric comparison used by dsize, ttl, itype, icode, ip_proto, bsize,
 * urilen, flowint, byte_test: `lo` alone for =,<,>,<=,>=,!=; lo<>hi is the
 * open range (lo < x < hi), as Suricata's. */
enum rule_cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_GT, CMP_LE, CMP_GE, CMP_RANGE };
struct rule_num { uint8_t op; uint64_t lo, hi; };
/* 1 when v satisfies n (rules_vars.c, with the other header matchers). */
int rules_vars_num_match(const struct rule_num *n, uint64_t v);

/* The integer/flag keywords of app parsers (rules_intkw.c). The argument
 * of keyword ik as written (value NULL when none) into a (its owned arrays
 * freed with rules_intkw_free, also after a failure): 0, or -1 with the
 * reason in err. rules_intkw_uint is Suricata 7.0.10's unsigned-integer
 * syntax alone (values up to max): 0 or -1. */
struct app_tx;
struct app_int_kw;
struct rule_appint;
int rules_intkw_parse(const struct app_int_kw *ik, const char *value, struct rule_appint *a,
                      char *err, size_t errlen);
void rules_intkw_free(struct rule_appint *a);
int rules_intkw_uint(const char *s, struct rule_num *n, uint64_t max);
/* 1 when transaction tx (of a->parser; any other tx: 0) satisfies a. */
int rules_intkw_match(const struct rule_appint *a, const struct app_tx *tx);

enum rule_transform {
    TR_NONE = 0, TR_DOTPREFIX, TR_STRIP_WHITESPACE, TR_COMPRESS_WHITESPACE, TR_TO_LOWERCASE,
    TR_TO_UPPERCASE, TR_URL_DECODE, TR_MD5, TR_SHA1, TR_SHA256, TR_HEADER_LOWERCASE,
    TR_STRIP_PSEUDO_HEADERS, TR_XOR, TR_PCREXFORM, TR_MAX
};
#define RULE_MAX_TRANSFORMS 4

/* Payload keyword types. */
enum rule_match_type {
    RM_CONTENT, RM_PCRE, RM_ISDATAAT, RM_BYTE_TEST, RM_BYTE_JUMP, RM_BYTE_EXTRACT,
    RM_BSIZE,   /* size of the whole buffer (also urilen on http.uri/http.uri.raw) */
    RM_FILESIZE,/* filesize: the decimal number in the buffer (file.size) against u.n */
    RM_HASHLIST,/* filemd5/filesha1/filesha256: the buffer (a file's hex hash) is in u.h */
    RM_APPINT,  /* an app parser's integer/flag keyword on BUF_APP_TX (rules_intkw.c): u.ai */
};

/* RM_APPINT: the keyword (app.h struct app_int_kw), the parser that owns it,
 * and the argument as parsed for its syntax. */
struct app_int_kw;
struct rule_appint {
    const struct app_int_kw *ik;
    uint8_t parser;             /* app parser id whose txs it reads */
    uint8_t parser2;            /* and another's (app_int_kw.also), 0: none */
    uint8_t neg;                /* AI_LIST: !list; AI_BOOL: false */
    uint8_t any_frag;           /* AI_DCE_IFACE */
    uint8_t has_ver;            /* AI_DCE_IFACE: a version comparison given */
    struct rule_num n;          /* AI_UINT, AI_EQ, AI_NAME; AI_DCE_IFACE's version */
    uint64_t set, clear;        /* AI_FLAGS: bits that must be set / clear */
    uint64_t *range;            /* AI_LIST: nrange pairs lo, hi (inclusive), owned */
    uint32_t nrange;
    uint8_t *uuid;              /* AI_DCE_IFACE: 16 bytes, owned */
};

/* rule_match.flags */
#define M_NEGATED       0x0001
#define M_NOCASE        0x0002
#define M_RELATIVE      0x0004  /* distance/within set, or pcre R, isdataat/byte_* relative */
#define M_FAST_PATTERN  0x0008  /* fast_pattern given explicitly */
#define M_FP_ONLY       0x0010  /* fast_pattern:only (legacy) */
#define M_STARTSWITH    0x0020
#define M_ENDSWITH      0x0040
#define M_RAWBYTES      0x0080
#define M_OFFSET        0x0100  /* offset given (or a byte_extract variable) */
#define M_DEPTH         0x0200
#define M_DISTANCE      0x0400
#define M_WITHIN        0x0800
#define M_FP_CHOP       0x1000  /* fast_pattern:offset,length */

/* byte_test / byte_jump / byte_extract flags */
#define BY_RELATIVE     0x0001
#define BY_LITTLE       0x0002  /* default big endian */
#define BY_STRING       0x0004  /* ASCII number, base below */
#define BY_DCE          0x0008
#define BY_ALIGN        0x0010  /* byte_jump/byte_extract align 4 */
#define BY_FROM_BEGIN   0x0020  /* byte_jump from_beginning */
#define BY_FROM_END     0x0040  /* byte_jump from_end */
#define BY_BITMASK      0x0080
#define BY_NEGATE       0x0100  /* byte_test !op */

/* byte_test operators */
enum by_op { BYOP_LT, BYOP_GT, BYOP_LE, BYOP_GE, BYOP_EQ, BYOP_AND, BYOP_XOR };

/* A value that is either a literal or a byte_extract variable of the same
 * rule (var >= 0: index into the rule's extracted values). */
struct rule_val { int64_t v; int8_t var; };

#define RULE_MAX_VARS 8         /* byte_extract variables per rule */

struct rule_match {
    uint8_t type;               /* enum rule_match_type */
    uint8_t buf;                /* enum buf_id */
    uint8_t ntr;                /* transforms applied to buf, in order */
    uint8_t tr[RULE_MAX_TRANSFORMS];
    uint16_t flags;             /* M_* */
    uint8_t *xor_key;           /* TR_XOR in tr[]: the key bytes (owned), else NULL */
    uint32_t xor_len;
    union {
        struct {                /* RM_CONTENT */
            uint8_t *pat;       /* decoded bytes (|hex| and escapes resolved) */
            uint32_t len;
            struct rule_val offset, depth, distance, within;
            uint32_t fp_off, fp_len;    /* fast_pattern chop */
        } c;
        struct {                /* RM_PCRE */
            char *re;           /* the expression between the slashes */
            uint32_t opts;      /* PCRE2 compile options (i, s, m, x, A, E, G, U->ungreedy) */
            uint8_t anchored_rel; /* R: relative to the previous match */
        } p;
        struct {                /* RM_ISDATAAT */
            struct rule_val pos;
        } d;
        struct {                /* RM_BYTE_TEST, RM_BYTE_JUMP, RM_BYTE_EXTRACT */
            uint8_t nbytes;     /* 1..10 (string up to 10, binary up to 8); 0 with BY_STRING
                                   (byte_test only): the digits there are, as Suricata */
            uint8_t op;         /* byte_test: enum by_op */
            uint8_t base;       /* BY_STRING: 8, 10 or 16 */
            int8_t store;       /* byte_extract: variable index it sets */
            uint16_t flags;     /* BY_* */
            struct rule_val offset;
            struct rule_val value;      /* byte_test value */
            uint64_t bitmask;
            uint32_t multiplier;        /* byte_jump/extract; 0 = none */
            int32_t post_offset;        /* byte_jump */
        } b;
        struct rule_num n;      /* RM_BSIZE, RM_FILESIZE */
        struct {                /* RM_HASHLIST */
            char *hex;          /* n sorted lower-case hex hashes of len digits, packed */
            uint32_t n, len;
        } h;
        struct rule_appint ai;  /* RM_APPINT */
    } u;
};

/* flow: keyword bits */
#define RF_ESTABLISHED      0x0001
#define RF_NOT_ESTABLISHED  0x0002
#define RF_TO_SERVER        0x0004  /* also from_client */
#define RF_TO_CLIENT        0x0008  /* also from_server */
#define RF_ONLY_STREAM      0x0010
#define RF_NO_STREAM        0x0020
#define RF_STATELESS        0x0040
#define RF_ONLY_FRAG        0x0080
#define RF_NO_FRAG          0x0100

enum fb_op { FB_SET, FB_UNSET, FB_TOGGLE, FB_ISSET, FB_ISNOTSET, FB_NOALERT };
/* flowbits:isset,a|b (any: FB_OR) or a&b (all: FB_AND); one name: FB_OR. */
#define FB_OR  0
#define FB_AND 1
struct rule_flowbit {
    uint8_t op, group;
    uint16_t n;
    uint16_t *ids;              /* interned names (ruleset->flowbit_names) */
};

enum fi_op {
    FI_SET, FI_ADD, FI_SUB,                         /* =, +, - (modifiers) */
    FI_EQ, FI_NE, FI_LT, FI_GT, FI_LE, FI_GE,      /* checks */
    FI_ISSET, FI_NOTSET
};
struct rule_flowint {
    uint8_t op;
    uint16_t id;                /* ruleset->flowint_names */
    int16_t other;              /* value is another flowint (id) when >= 0 */
    uint32_t value;
};

enum th_type { TH_LIMIT, TH_THRESHOLD, TH_BOTH, TH_DETECTION_FILTER };
enum th_track { TRACK_BY_SRC, TRACK_BY_DST, TRACK_BY_RULE, TRACK_BY_BOTH, TRACK_BY_FLOW };
struct rule_threshold {
    uint8_t type, track;
    uint32_t count, seconds;
};

/* TCP flags: packet flags & ~ignore must satisfy mode with `bits`. */
enum tf_mode { TF_EXACT, TF_PLUS /* + all of bits, others allowed */, TF_ANY /* * */,
               TF_NOT /* ! none of bits */ };
struct rule_tcpflags { uint8_t bits, ignore, mode; };

/* rule->has bits for the optional header-ish keywords */
#define RH_DSIZE    0x0001
#define RH_TTL      0x0002
#define RH_ITYPE    0x0004
#define RH_ICODE    0x0008
#define RH_IPPROTO  0x0010
#define RH_FLAGS    0x0020
#define RH_TLSVER   0x0040
#define RH_THRESH   0x0080
#define RH_DFILTER  0x0100
#define RH_APPLAYER 0x0200      /* app-layer-protocol: (app_neg for !) */
#define RH_STREAMSIZE 0x0400    /* stream_size: */

/* stream_size:<which>,<op>,<value>: bytes a side has sent (its sequence
 * space so far, the SYN counting one, as Suricata's). */
enum ss_which { SS_SERVER, SS_CLIENT, SS_BOTH, SS_EITHER };

struct rule_kv { char *key, *value; };

struct rule {
    /* where it came from */
    const char *file;           /* interned in the ruleset */
    uint32_t line;
    char *text;                 /* the rule as written (one line, continuations joined) */
    /* header */
    uint8_t action;             /* enum rule_action */
    uint8_t proto;              /* enum rule_proto */
    uint8_t app;                /* enum rule_app (RP_APP or app-layer-protocol:) */
    uint8_t app_neg;
    uint8_t bidir;              /* <> */
    struct rule_addrs src, dst;
    struct rule_ports sport, dport;
    /* meta */
    uint32_t sid, rev, gid;     /* gid defaults to 1 */
    char *msg;
    char *classtype;            /* may be NULL */
    const char *category;       /* classification description, NULL without classtype */
    int priority;               /* priority: or the classtype's; 3 when neither */
    struct rule_kv *metadata;   /* in order, "key value" pairs split at the first space */
    uint32_t nmetadata;
    char **references;          /* "url,example.com/x" as written */
    uint32_t nreferences;
    char *target;               /* src_ip / dest_ip or NULL */
    uint8_t noalert;            /* noalert or flowbits:noalert */
    uint8_t alert;              /* alert: a pass rule's match is logged too */
    /* payload keywords, in rule order */
    struct rule_match *m;
    uint32_t nm;
    uint8_t nvars;              /* byte_extract variables used */
    /* other options */
    uint16_t has;               /* RH_* */
    uint16_t flow;              /* RF_* */
    struct rule_num dsize, ttl, itype, icode, ip_proto;
    struct rule_num stream_size;        /* RH_STREAMSIZE; ss_which says which side */
    uint8_t ss_which;
    struct rule_tcpflags tcpflags;
    uint16_t tls_versions;      /* tls.version: bit i = 0x0300 + i (SSLv3..TLS1.3) */
    struct rule_flowbit *flowbits;
    uint32_t nflowbits;
    struct rule_flowint *flowints;
    uint32_t nflowints;
    struct rule_threshold threshold, dfilter;
    uint32_t index;             /* position in ruleset->rules */
};

/* Address and port variables (rules_vars.c). Defaults: Suricata's
 * suricata.yaml. The caller of rules_vars_new frees with rules_vars_free. */
struct rule_vars;
struct rule_vars *rules_vars_new(void);     /* with the defaults */
void rules_vars_free(struct rule_vars *v);
/* Sets (or adds) a variable: name without '$', value as in suricata.yaml
 * ("[10.0.0.0/8,!10.1.0.0/16]", "!$HOME_NET", "[80,8080]", "any").
 * Address variables end in _NET/_SERVERS/_IP or are known address names;
 * the rest are ports (Suricata keeps two namespaces; so do we: is_port).
 * Returns 0, or -1 with a reason in err. */
int rules_vars_set(struct rule_vars *v, int is_port, const char *name, const char *value,
                   char *err, size_t errlen);

/* Problems found while loading, for --check-rules and the log. */
enum rule_status { RS_LOADED = 0, RS_SKIPPED, RS_FAILED };
struct rule_problem {
    uint8_t status;             /* RS_SKIPPED or RS_FAILED */
    const char *file;
    uint32_t line, sid;         /* sid 0 when it could not be read */
    char *reason;               /* "unsupported keyword 'xbits'", "content: unterminated hex" */
};

struct ruleset {
    struct rule **rules;
    uint32_t nrules;
    uint32_t loaded, skipped, failed;   /* counts over rule lines (commented ones not counted) */
    struct rule_problem *problems;
    uint32_t nproblems;
    char **flowbit_names;
    uint32_t nflowbits;
    char **flowint_names;
    uint32_t nflowints;
    char **files;               /* interned file names */
    uint32_t nfiles;
    /* classification table: classtype -> description, priority */
    struct rule_class { char *name, *desc; int priority; } *classes;
    uint32_t nclasses;
    uint32_t problems_dropped;  /* problems counted but not stored (cap reached) */
    char sha256[65];            /* the rule files' bytes in load order (`cat FILES | sha256sum`) */
    uint64_t loaded_at_ns;      /* wall clock (CLOCK_REALTIME) when the files were read */
};

struct rule_load_opts {
    const struct rule_vars *vars;
    const char *classification_file;    /* NULL: classification.config beside the
                                           first rule file, else the built-in table */
};

/* The ruleset (rules_set.c). Parses every rule in the files (a missing file
 * is a FAILED problem with line 0). Duplicate gid:sid: the later one FAILS
 * ("duplicate sid"). Never returns NULL. */
struct ruleset *rules_set_load(const struct rule_load_opts *o, const char *const *files,
                               unsigned nfiles);
/* Parses one rule from a string (tests, fuzzing); same ruleset semantics. */
struct ruleset *rules_set_parse_string(const struct rule_load_opts *o, const char *text);
void rules_set_free(struct ruleset *rs);
/* One line per problem: "skipped|error: file:line: sid N: reason". */
void rules_set_print_problems(const struct ruleset *rs, FILE *out);
/* The `top` most frequent reason groups with their counts ("unsupported
 * keyword 'xbits'" as is; other reasons with numbers and quoted text
 * folded so that one kind of error is one group). */
void rules_set_top_reasons(const struct ruleset *rs, FILE *out, unsigned top);

#endif
