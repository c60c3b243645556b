/* rules_internal.h - what the rule parser's files share; not part of the
 * interface (include/taishi/rules/rules.h is). From the top: rules_set.c
 * (files, the ruleset), rules_parse.c (one rule), rules_opts.c (the
 * keywords) over rules_payload.c (the payload ones), then rules_class.c, rules_vars.c,
 * rules_buffers.c, rules_app.c, and rules_util.c below them all; a file
 * calls only files below it.
 *
 * `struct rparse` is the state of one rule being parsed: the rule under
 * construction, the sticky buffer in force and its transforms, the last
 * content (for modifiers), byte_extract variable names, and the verdict
 * (loaded, skipped with a reason, failed with a reason). The first FAILED
 * reason wins over any SKIPPED one; parsing goes on after a skip so a
 * genuine error later in the rule is still reported as FAILED.
 *
 * Ownership: the rparse owns the rule until rules_set.c hands it to the
 * ruleset (loaded) or frees it (skipped, failed). */
#ifndef TAISHI_RULES_INTERNAL_H
#define TAISHI_RULES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/core/compiler.h"
#include "taishi/rules/rules.h"

#define RULE_REASON_MAX 256
#define RULE_LINE_MAX (64 * 1024)      /* longest rule, continuations joined */
#define RULE_VARNAME_MAX 32

struct rparse {
    struct ruleset *rs;
    const struct rule_vars *vars;
    struct rule *r;
    uint8_t status;                 /* enum rule_status */
    char reason[RULE_REASON_MAX];
    /* payload state */
    uint8_t buf;                    /* current sticky buffer (BUF_PACKET when none) */
    uint8_t sticky;                 /* a sticky buffer keyword was given */
    uint8_t ntr, tr[RULE_MAX_TRANSFORMS];
    uint8_t buf_used;               /* a match was added since the sticky buffer */
    uint32_t block_start;           /* first match index of the current sticky buffer */
    int last_content;               /* index in r->m, -1 when none */
    uint8_t fast_pattern_seen;
    uint8_t have_sid;
    uint8_t have_priority;
    uint8_t urilen_raw;
    uint8_t lenient;                /* an unsupported keyword was seen: checks that
                                       depend on buffer state are off (the rule is
                                       skipped anyway; no spurious FAILED) */
    uint8_t xor_len;                /* xor transform key of the current buffer */
    uint8_t xor_key[255];
    uint32_t cap_m, cap_meta, cap_refs, cap_fb, cap_fi;
    char varname[RULE_MAX_VARS][RULE_VARNAME_MAX];
};

/* rules_parse.c: one logical line of a rule file (len bytes, NUL-terminated,
 * trimmed) into rp, which it sets up: rp->r a new rule (the caller keeps or
 * frees it), rp->status and rp->reason the verdict. Returns the sid to file
 * a problem under: the rule's, else a "sid:N" found in the text, else 0. */
uint32_t rules_parse_rule(struct rparse *rp, struct ruleset *rs, const struct rule_vars *vars,
                          const char *file, uint32_t lineno, char *line, size_t len);

/* rules_opts.c: applies one option (name already lower-cased, value NULL
 * when the option has none; value is raw: quotes and escapes as written).
 * Returns 0, or -1 after rules_util_fail/skip (a skip lets parsing go on). */
int rules_opts_apply(struct rparse *rp, const char *name, char *value);
/* Checks after all options (sid present, fast_pattern sanity...). */
void rules_opts_finish(struct rparse *rp);

/* rules_intkw.c: an app parser's integer/flag keyword (app.h struct
 * app_int_kw): 1 handled, 0 not one of them, -1 after rules_util_fail. */
int rules_intkw_apply(struct rparse *rp, const char *name, char *value);

/* rules_payload.c: payload keywords (content and its modifiers, pcre,
 * byte_*, isdataat, bsize, urilen, dsize), buffers and transforms. Each
 * returns 0 or -1 (after rules_util_fail/skip); value as in rules_opts_apply. */
typedef int (*rules_kw_fn)(struct rparse *rp, const char *name, char *value);
rules_kw_fn rules_payload_lookup(const char *name);
/* Buffer keywords (sticky, legacy modifier, pkt_data) and transforms;
 * returns 1 when name was one of them (handled), 0 when not. */
int rules_payload_buffer_kw(struct rparse *rp, const char *name, char *value);
/* A new match of type on the current sticky buffer (with its transforms). */
struct rule_match *rules_payload_add_match(struct rparse *rp, uint8_t type);
/* rules_file.c: the file keywords (filename, fileext, filemagic, filesize,
 * filemd5/sha1/sha256, filestore, file.name:"x"): 1 handled, 0 not one of
 * them, -1 after rules_util_fail. */
int rules_file_apply(struct rparse *rp, const char *name, char *value);
/* Payload checks at the end of the rule (fast_pattern, bsize, directions). */
void rules_payload_finish(struct rparse *rp);

/* rules_buffers.c: the sticky-buffer and legacy-modifier keywords. */
enum sticky_kind { SK_STICKY = 1, SK_MODIFIER, SK_PKT_DATA };
struct sticky_kw {
    const char *name;
    uint8_t buf;                    /* enum buf_id */
    uint8_t kind;                   /* enum sticky_kind */
    uint8_t app;                    /* enum rule_app the buffer belongs to */
};
/* 1 and *out when name selects a buffer (a parser's keyword, through the
 * registry, or a generic one); 0 when it does not. */
int rules_buffers_sticky_lookup(const char *name, struct sticky_kw *out);
/* Transform keyword -> enum rule_transform, TR_NONE when unknown. */
int rules_buffers_transform_lookup(const char *name);

/* rules_vars.c: address and port expressions, resolved against vars. */
int rules_vars_addrs_parse(const struct rule_vars *v, const char *s, struct rule_addrs *out,
                           char *err, size_t errlen);
int rules_vars_ports_parse(const struct rule_vars *v, const char *s, struct rule_ports *out,
                           char *err, size_t errlen);

/* rules_class.c: classification.config into rs->classes. Returns 0, -1 when
 * the file cannot be opened (then the table stays empty). */
int rules_class_load(struct ruleset *rs, const char *path);
const struct rule_class *rules_class_find(const struct ruleset *rs, const char *name);

/* rules_util.c: the helpers below every other file of the parser.
 * Records a failure (the first reason is kept) / a skip (kept unless a
 * failure comes). Both return -1 so handlers can `return rules_util_fail(...)`. */
int rules_util_fail(struct rparse *rp, const char *fmt, ...) PRINTF_LIKE(2, 3);
int rules_util_skip(struct rparse *rp, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Fails "NAME: needs a value" when value is NULL or empty; 0 otherwise. */
int rules_util_need_value(struct rparse *rp, const char *name, const char *value);
/* Small string helpers (in place). */
char *rules_util_trim(char *s);
/* The next comma-separated item of *p, trimmed (cut in place), or NULL at
 * the end; *p moves past it. `for (char *p = v, *w; (w = rules_util_next_item(&p));)` */
char *rules_util_next_item(char **p);
/* Strips surrounding quotes and resolves \" \; \\ \: escapes in place.
 * Returns 0, -1 on an unterminated quote. */
int rules_util_unquote(char *s);
/* Decimal (or 0x hex) integer with optional sign; -1 on junk or overflow. */
int rules_util_parse_i64(const char *s, int64_t *out);
int rules_util_parse_u64(const char *s, uint64_t *out);
/* The comparison at the start of *p (<=, >=, !=, <, >, ! or =; none: CMP_EQ),
 * *p moved past it: the one reading of the operator for dsize, byte_test and
 * the app integer keywords (rules_intkw.c). */
int rules_util_cmp_op(char **p);
/* Parses a comparison "N", "<N", ">=N", "!N", "N<>M", "N-M" with values up
 * to max. Returns 0, -1 on bad syntax. */
int rules_util_parse_num(const char *s, struct rule_num *n, uint64_t max);

/* rules_known.c: is name a keyword of Suricata 7.0.10 (or a legacy alias)?
 * The known keyword nearest to name, or NULL when none is close. */
int rules_known_suricata(const char *name);
const char *rules_known_nearest(const char *name);

#endif
