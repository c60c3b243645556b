/* rules_parse.c - rule files into a struct ruleset: lines, the rule header,
 * the option tokenizer, and the problems list.
 *
 * Lines: a trailing backslash joins the next line; blank lines and lines
 * starting with '#' (comments and disabled rules) are not counted. Every
 * other line is one rule: LOADED, SKIPPED (a keyword or value Suricata
 * accepts that we do not implement) or FAILED (Suricata would refuse it
 * too, or it is not a rule at all). A rule longer than RULE_LINE_MAX or with
 * a NUL byte FAILS without being read further; binary junk gives one FAILED
 * problem per line (stored up to RULE_PROBLEMS_MAX, counted beyond).
 *
 * Header: action protocol src sport direction dst dport, whitespace
 * separated (a bracketed list may hold spaces). Options: `name[:value];`
 * up to the rule's last ')'. A value ends at the first ';' that is not
 * escaped (\;), inside quotes too, as in Suricata (whose ET rules carry
 * unescaped '"' inside pcre values); the value is handed raw (quotes and
 * escapes as written) to the keyword handler, which knows how to read it.
 *
 * Ownership: the ruleset owns everything reachable from it; a rule that is
 * not loaded is freed before the next line is read. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_internal.h"
#include "taishi/core/util.h"

#define RULE_LINE_MAX (64 * 1024)
#define RULE_PROBLEMS_MAX 10000
#define RULE_FILE_MAX (1u << 30)

/* ---- the load context ---- */

struct loadctx {
    struct ruleset *rs;
    const struct rule_vars *vars;
    struct rule_vars *own_vars;
    uint64_t *sids;                 /* open addressing, key gid<<32|sid, 0 = free */
    size_t sid_cap, sid_n;
    uint32_t cap_rules, cap_problems;
};

/* Returns 1 when gid:sid was seen before, else records it. */
static int sid_seen(struct loadctx *lc, uint32_t gid, uint32_t sid)
{
    uint64_t key = (uint64_t)gid << 32 | sid | (1ULL << 63);
    if (lc->sid_n * 2 >= lc->sid_cap) {
        size_t ncap = lc->sid_cap ? lc->sid_cap * 2 : 1024;
        uint64_t *n = xcalloc(ncap, sizeof(*n));
        for (size_t i = 0; i < lc->sid_cap; i++)
            if (lc->sids[i]) {
                size_t h = mix64(lc->sids[i]) & (ncap - 1);
                while (n[h])
                    h = (h + 1) & (ncap - 1);
                n[h] = lc->sids[i];
            }
        free(lc->sids);
        lc->sids = n;
        lc->sid_cap = ncap;
    }
    size_t h = mix64(key) & (lc->sid_cap - 1);
    while (lc->sids[h]) {
        if (lc->sids[h] == key)
            return 1;
        h = (h + 1) & (lc->sid_cap - 1);
    }
    lc->sids[h] = key;
    lc->sid_n++;
    return 0;
}

static const char *intern_file(struct ruleset *rs, const char *name)
{
    for (uint32_t i = 0; i < rs->nfiles; i++)
        if (!strcmp(rs->files[i], name))
            return rs->files[i];
    rs->files = xreallocarray(rs->files, rs->nfiles + 1, sizeof(*rs->files));
    rs->files[rs->nfiles] = xstrdup(name);
    return rs->files[rs->nfiles++];
}

static void add_problem(struct loadctx *lc, uint8_t status, const char *file, uint32_t line,
                        uint32_t sid, const char *reason)
{
    struct ruleset *rs = lc->rs;
    if (rs->nproblems >= RULE_PROBLEMS_MAX) {
        rs->problems_dropped++;
        return;
    }
    if (rs->nproblems == lc->cap_problems) {
        lc->cap_problems = lc->cap_problems ? lc->cap_problems * 2 : 64;
        rs->problems = xreallocarray(rs->problems, lc->cap_problems, sizeof(*rs->problems));
    }
    struct rule_problem *p = &rs->problems[rs->nproblems++];
    p->status = status;
    p->file = file;
    p->line = line;
    p->sid = sid;
    p->reason = xstrdup(reason);
}

/* ---- one rule ---- */

/* Finds "sid:N" in the options for problem reports made before the sid
 * option itself is read (header errors). 0 when there is none. */
static uint32_t peek_sid(const char *s)
{
    for (const char *p = strstr(s, "sid"); p; p = strstr(p + 1, "sid")) {
        if (p > s && !(p[-1] == ';' || p[-1] == '(' || isspace((unsigned char)p[-1])))
            continue;
        const char *q = p + 3;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        uint64_t v = 0;
        int nd = 0;
        while (isdigit((unsigned char)*q) && nd < 10)
            v = v * 10 + (uint64_t)(*q++ - '0'), nd++;
        if (nd && v <= UINT32_MAX)
            return (uint32_t)v;
    }
    return 0;
}

/* Next header token: whitespace separated, brackets may hold whitespace. */
static char *next_token(char **pp)
{
    char *p = *pp;
    int depth = 0;

    while (isspace((unsigned char)*p))
        p++;
    if (!*p || *p == '(')
        return NULL;
    char *start = p;
    while (*p && (depth > 0 || !isspace((unsigned char)*p))) {
        if (*p == '[')
            depth++;
        else if (*p == ']' && depth > 0)
            depth--;
        p++;
    }
    if (*p)
        *p++ = 0;
    *pp = p;
    return start;
}

static int parse_action(struct rparse *rp, const char *a)
{
    static const struct { const char *n; uint8_t a; } acts[] = {
        { "alert", RA_ALERT }, { "drop", RA_DROP }, { "reject", RA_REJECT },
        { "rejectsrc", RA_REJECT }, { "rejectdst", RA_REJECT }, { "rejectboth", RA_REJECT },
        { "pass", RA_PASS },
    };
    for (size_t i = 0; i < ARRAY_SIZE(acts); i++)
        if (!strcmp(acts[i].n, a)) {
            rp->r->action = acts[i].a;
            return 0;
        }
    return rules_util_fail(rp, "unknown action '%.40s'", a);
}

static int parse_proto(struct rparse *rp, const char *p)
{
    struct rule *r = rp->r;
    static const struct { const char *n; uint8_t p; uint16_t flow; } l4[] = {
        { "ip", RP_IP, 0 }, { "tcp", RP_TCP, 0 }, { "udp", RP_UDP, 0 },
        { "icmp", RP_ICMP, 0 }, { "icmpv4", RP_ICMP, 0 }, { "icmpv6", RP_ICMPV6, 0 },
        { "tcp-pkt", RP_TCP, RF_NO_STREAM }, { "tcp-stream", RP_TCP, RF_ONLY_STREAM },
    };
    /* Protocols Suricata 7 knows that this engine does not. */
    static const char *const unsupported[] = {
        "ipv4", "ip4", "ipv6", "ip6", "sctp", "pkthdr", "ftp-data", "pgsql", "bittorrent-dht",
        "http-any", "websocket", "ldap", "template", "msn", "ssl", "dns-tcp", "dns-udp",
    };
    for (size_t i = 0; i < ARRAY_SIZE(l4); i++)
        if (!strcasecmp(l4[i].n, p)) {
            r->proto = l4[i].p;
            r->flow |= l4[i].flow;
            return 0;
        }
    int app = rules_app_lookup(p);
    if (app != RAPP_NONE) {
        r->proto = RP_APP;
        r->app = (uint8_t)app;
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
        if (!strcasecmp(unsupported[i], p))
            return rules_util_skip(rp, "unsupported protocol '%s'", p);
    return rules_util_fail(rp, "unknown protocol '%.40s'", p);
}

static void apply_option(struct rparse *rp, char *name, char *value)
{
    for (char *q = name; *q; q++) {
        if (!(isalnum((unsigned char)*q) || *q == '.' || *q == '_' || *q == '-')) {
            rules_util_fail(rp, "invalid keyword '%.40s'", name);
            return;
        }
        *q = (char)tolower((unsigned char)*q);
    }
    rules_opt_apply(rp, name, value);
}

/* Splits the options between '(' and the last ')' and applies each. */
static void parse_options(struct rparse *rp, char *s)
{
    char *p = s;

    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            return;
        char *name = p;
        while (*p && *p != ':' && *p != ';' && !isspace((unsigned char)*p))
            p++;
        char *name_end = p;
        while (isspace((unsigned char)*p))
            p++;
        char *value = NULL;
        if (*p == ':') {
            *name_end = 0;
            value = ++p;
            /* As Suricata: the first ';' not escaped ends the value, quotes
             * or not (a ';' inside a quoted string must be written \;). */
            while (*p && *p != ';') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            if (!*p) {
                rules_util_fail(rp, "%s: option not terminated by ';'", name);
                return;
            }
            *p++ = 0;
            value = rules_util_trim(value);
        } else if (*p == ';') {
            *name_end = 0;
            p++;
        } else {
            *name_end = 0;
            rules_util_fail(rp, "%s: option not terminated by ';'", *name ? name : "(empty)");
            return;
        }
        if (!*name) {
            rules_util_fail(rp, "empty option");
            return;
        }
        apply_option(rp, name, value);
        if (rp->status == RS_FAILED)
            return;
    }
}

/* Parses one logical line (NUL-terminated, trimmed) into rp->r. */
static void parse_rule(struct rparse *rp, char *line)
{
    struct rule *r = rp->r;
    char *p = line, *tok[7];
    char err[RULE_REASON_MAX];

    char *open = NULL;
    for (int i = 0; i < 7; i++) {
        tok[i] = next_token(&p);
        if (!tok[i]) {
            rules_util_fail(rp, i == 0 ? "empty rule" : "rule header too short (%d of 7 fields)", i);
            return;
        }
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '(') {
        rules_util_fail(rp, *p ? "rule header has extra field '%.40s'" : "rule has no options", p);
        return;
    }
    open = p + 1;
    char *close = open + strlen(open);
    while (close > open && isspace((unsigned char)close[-1]))
        close--;
    if (close == open || close[-1] != ')') {
        rules_util_fail(rp, "rule does not end with ')'");
        return;
    }
    close[-1] = 0;

    if (parse_action(rp, tok[0]) < 0 || (parse_proto(rp, tok[1]) < 0 && rp->status == RS_FAILED))
        return;
    if (!strcmp(tok[4], "<>"))
        r->bidir = 1;
    else if (strcmp(tok[4], "->")) {
        rules_util_fail(rp, "bad direction '%.10s' (-> or <>)", tok[4]);
        return;
    }
    if (rules_addrs_parse(rp->vars, tok[2], &r->src, err, sizeof(err)) < 0 ||
        rules_addrs_parse(rp->vars, tok[5], &r->dst, err, sizeof(err)) < 0 ||
        rules_ports_parse(rp->vars, tok[3], &r->sport, err, sizeof(err)) < 0 ||
        rules_ports_parse(rp->vars, tok[6], &r->dport, err, sizeof(err)) < 0) {
        rules_util_fail(rp, "%s", err);
        return;
    }
    parse_options(rp, open);
    if (rp->status != RS_FAILED)
        rules_opt_finish(rp);
}

static void handle_line(struct loadctx *lc, const char *file, uint32_t lineno, char *line, size_t len)
{
    struct ruleset *rs = lc->rs;
    struct rparse rp;

    memset(&rp, 0, sizeof(rp));
    rp.rs = rs;
    rp.vars = lc->vars;
    rp.status = RS_LOADED;
    rp.last_content = -1;
    rp.r = xcalloc(1, sizeof(*rp.r));
    rp.r->file = file;
    rp.r->line = lineno;
    rp.r->gid = 1;
    rp.r->priority = 3;

    if (memchr(line, 0, len)) {
        rules_util_fail(&rp, "NUL byte in rule");
    } else if (len > RULE_LINE_MAX) {
        rules_util_fail(&rp, "rule longer than %d bytes", RULE_LINE_MAX);
    } else {
        rp.r->text = xstrdup(line);
        parse_rule(&rp, line);
    }
    uint32_t sid = rp.have_sid ? rp.r->sid
                               : (rp.r->text ? peek_sid(rp.r->text) : 0);
    if (rp.status != RS_FAILED && rp.have_sid && sid_seen(lc, rp.r->gid, rp.r->sid))
        rules_util_fail(&rp, "duplicate sid %u (gid %u)", rp.r->sid, rp.r->gid);
    if (rp.status == RS_LOADED) {
        struct rule *r = rp.r;
        if (rs->nrules == lc->cap_rules) {
            lc->cap_rules = lc->cap_rules ? lc->cap_rules * 2 : 256;
            rs->rules = xreallocarray(rs->rules, lc->cap_rules, sizeof(*rs->rules));
        }
        r->index = rs->nrules;
        rs->rules[rs->nrules++] = r;
        rs->loaded++;
        return;
    }
    if (rp.status == RS_SKIPPED)
        rs->skipped++;
    else
        rs->failed++;
    add_problem(lc, rp.status, file, lineno, sid, rp.reason);
    rules_free_rule(rp.r);
}

/* Splits text into logical lines (continuations joined) and parses each. */
static void parse_text(struct loadctx *lc, const char *file, const char *text, size_t len)
{
    char *buf = NULL;
    size_t blen = 0, bcap = 0;
    uint32_t lineno = 0, first = 0;
    int too_long = 0;
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *s = text + pos;
        pos += l + (nl != NULL);
        lineno++;
        while (l && (s[l - 1] == '\r' || s[l - 1] == ' ' || s[l - 1] == '\t'))
            l--;
        int cont = l && s[l - 1] == '\\';
        if (!blen && !too_long) {
            /* as Suricata: a comment line never continues onto the next */
            size_t b = 0;
            while (b < l && (s[b] == ' ' || s[b] == '\t'))
                b++;
            if (b < l && s[b] == '#')
                continue;
        }
        if (cont)
            l--;
        if (!blen && !too_long)
            first = lineno;
        if (!too_long) {
            if (blen + l > RULE_LINE_MAX) {
                too_long = 1;
            } else {
                if (blen + l + 1 > bcap) {
                    bcap = (blen + l + 1) * 2;
                    buf = xreallocarray(buf, bcap, 1);
                }
                memcpy(buf + blen, s, l);
                blen += l;
                buf[blen] = 0;
            }
        }
        if (cont && pos < len)
            continue;
        /* a complete logical line */
        size_t b = 0;
        while (b < blen && isspace((unsigned char)buf[b]))
            b++;
        if (too_long) {
            /* Only a rule counts; a long comment is still a comment. */
            if (!(b < blen && buf[b] == '#')) {
                lc->rs->failed++;
                add_problem(lc, RS_FAILED, file, first, 0, "rule longer than 65536 bytes");
            }
        } else if (b < blen && buf[b] != '#') {
            handle_line(lc, file, first, buf + b, blen - b);
        }
        blen = 0;
        too_long = 0;
    }
    free(buf);
}

/* ---- the ruleset ---- */

static struct ruleset *ctx_init(struct loadctx *lc, const struct rule_load_opts *o)
{
    memset(lc, 0, sizeof(*lc));
    lc->rs = xcalloc(1, sizeof(*lc->rs));
    if (o && o->vars) {
        lc->vars = o->vars;
    } else {
        lc->own_vars = rule_vars_new();
        lc->vars = lc->own_vars;
    }
    return lc->rs;
}

static void ctx_done(struct loadctx *lc)
{
    free(lc->sids);
    rule_vars_free(lc->own_vars);
}

static void load_classes(struct loadctx *lc, const struct rule_load_opts *o, const char *first_file)
{
    if (o && o->classification_file) {
        if (rules_class_load(lc->rs, o->classification_file) < 0)
            add_problem(lc, RS_FAILED, intern_file(lc->rs, o->classification_file), 0, 0,
                        "cannot open classification file");
        return;
    }
    if (!first_file)
        return;
    const char *slash = strrchr(first_file, '/');
    char path[4096];
    int n = slash ? snprintf(path, sizeof(path), "%.*s/classification.config",
                             (int)(slash - first_file), first_file)
                  : snprintf(path, sizeof(path), "classification.config");
    if (n > 0 && (size_t)n < sizeof(path))
        rules_class_load(lc->rs, path);
}

struct ruleset *ruleset_load(const struct rule_load_opts *o, const char *const *files,
                             unsigned nfiles)
{
    struct loadctx lc;
    struct ruleset *rs = ctx_init(&lc, o);

    load_classes(&lc, o, nfiles ? files[0] : NULL);
    for (unsigned i = 0; i < nfiles; i++) {
        const char *file = intern_file(rs, files[i]);
        FILE *f = fopen(files[i], "rb");
        if (!f) {
            char why[RULE_REASON_MAX];
            snprintf(why, sizeof(why), "cannot open: %s", strerror(errno));
            add_problem(&lc, RS_FAILED, file, 0, 0, why);
            continue;
        }
        char *text = NULL;
        size_t len = 0, cap = 0, got;
        int toobig = 0;
        do {
            if (len + 65536 > cap) {
                cap = cap ? cap * 2 : 1 << 20;
                text = xreallocarray(text, cap, 1);
            }
            got = fread(text + len, 1, cap - len, f);
            len += got;
            if (len > RULE_FILE_MAX) {
                toobig = 1;
                break;
            }
        } while (got > 0);
        int rerr = ferror(f);
        fclose(f);
        if (toobig || rerr)
            add_problem(&lc, RS_FAILED, file, 0, 0, toobig ? "file larger than 1 GiB" : "read error");
        else
            parse_text(&lc, file, text, len);
        free(text);
    }
    ctx_done(&lc);
    return rs;
}

struct ruleset *ruleset_parse_string(const struct rule_load_opts *o, const char *text)
{
    struct loadctx lc;
    struct ruleset *rs = ctx_init(&lc, o);

    load_classes(&lc, o, NULL);
    parse_text(&lc, intern_file(rs, "<string>"), text, strlen(text));
    ctx_done(&lc);
    return rs;
}

void ruleset_free(struct ruleset *rs)
{
    if (!rs)
        return;
    for (uint32_t i = 0; i < rs->nrules; i++)
        rules_free_rule(rs->rules[i]);
    free(rs->rules);
    for (uint32_t i = 0; i < rs->nproblems; i++)
        free(rs->problems[i].reason);
    free(rs->problems);
    for (uint32_t i = 0; i < rs->nflowbits; i++)
        free(rs->flowbit_names[i]);
    free(rs->flowbit_names);
    for (uint32_t i = 0; i < rs->nflowints; i++)
        free(rs->flowint_names[i]);
    free(rs->flowint_names);
    for (uint32_t i = 0; i < rs->nfiles; i++)
        free(rs->files[i]);
    free(rs->files);
    for (uint32_t i = 0; i < rs->nclasses; i++) {
        free(rs->classes[i].name);
        free(rs->classes[i].desc);
    }
    free(rs->classes);
    free(rs);
}

/* ---- reporting ---- */

void ruleset_print_problems(const struct ruleset *rs, FILE *out)
{
    for (uint32_t i = 0; i < rs->nproblems; i++) {
        const struct rule_problem *p = &rs->problems[i];
        fprintf(out, "%s: %s:%u: sid %u: %s\n", p->status == RS_SKIPPED ? "skipped" : "error",
                p->file, p->line, p->sid, p->reason);
    }
    if (rs->problems_dropped)
        fprintf(out, "... and %u more problems not listed\n", rs->problems_dropped);
}

/* The group a reason belongs to: "unsupported ... 'name'" as is; any other
 * reason with numbers as N and quoted text as '...'. */
static void reason_group(const char *reason, char *out, size_t outlen)
{
    size_t o = 0;
    int keep = !strncmp(reason, "unsupported ", 12);

    for (const char *p = reason; *p && o + 4 < outlen; p++) {
        if (keep) {
            out[o++] = *p;
            continue;
        }
        if (isdigit((unsigned char)*p)) {
            out[o++] = 'N';
            while (isdigit((unsigned char)p[1]))
                p++;
        } else if (*p == '\'' && strchr(p + 1, '\'')) {
            memcpy(out + o, "'...'", 5 <= outlen - o - 1 ? 5 : 0);
            o += 5 <= outlen - o - 1 ? 5 : 0;
            p = strchr(p + 1, '\'');
        } else {
            out[o++] = *p;
        }
    }
    out[o] = 0;
}

struct rgroup { char key[96]; uint8_t status; uint32_t count; };

static int rgroup_cmp(const void *a, const void *b)
{
    const struct rgroup *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->key, y->key);
}

void ruleset_top_reasons(const struct ruleset *rs, FILE *out, unsigned top)
{
    struct rgroup *g = NULL;
    uint32_t ng = 0;

    for (uint32_t i = 0; i < rs->nproblems; i++) {
        char key[96];
        reason_group(rs->problems[i].reason, key, sizeof(key));
        uint32_t j;
        for (j = 0; j < ng; j++)
            if (g[j].status == rs->problems[i].status && !strcmp(g[j].key, key))
                break;
        if (j == ng) {
            g = xreallocarray(g, ng + 1, sizeof(*g));
            memset(&g[ng], 0, sizeof(g[ng]));
            snprintf(g[ng].key, sizeof(g[ng].key), "%s", key);
            g[ng].status = rs->problems[i].status;
            ng++;
        }
        g[j].count++;
    }
    if (ng)
        qsort(g, ng, sizeof(*g), rgroup_cmp);
    for (uint32_t i = 0; i < ng && i < top; i++)
        fprintf(out, "%8u  %-7s %s\n", g[i].count, g[i].status == RS_SKIPPED ? "skipped" : "failed",
                g[i].key);
    free(g);
}
