/* rules_set.c - rule files into a struct ruleset: reading the files,
 * cutting them into rules, the problems list, duplicate sids, the
 * classification table; and freeing and reporting a ruleset. One rule is
 * read by rules_parse.c.
 *
 * Lines: a trailing backslash joins the next line; blank lines and lines
 * starting with '#' (comments and disabled rules) are not counted. Every
 * other line is one rule: LOADED, SKIPPED (a keyword or value Suricata
 * accepts that we do not implement) or FAILED (Suricata would refuse it
 * too, or it is not a rule at all). A rule longer than RULE_LINE_MAX or with
 * a NUL byte FAILS without being read further; binary junk gives one FAILED
 * problem per line (stored up to RULE_PROBLEMS_MAX, counted beyond). A rule
 * with the gid:sid of one read before FAILS ("duplicate sid").
 *
 * Ownership: the ruleset owns everything reachable from it; a rule that is
 * not loaded is freed before the next line is read. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"
#include "taishi/core/sha256.h"
#include "taishi/core/util.h"

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

/* ---- the rules ---- */

/* A rule and everything it points to. */
static void free_rule(struct rule *r)
{
    if (!r)
        return;
    free(r->text);
    free(r->src.v);
    free(r->dst.v);
    free(r->sport.v);
    free(r->dport.v);
    free(r->msg);
    free(r->classtype);
    for (uint32_t i = 0; i < r->nmetadata; i++) {
        free(r->metadata[i].key);
        free(r->metadata[i].value);
    }
    free(r->metadata);
    for (uint32_t i = 0; i < r->nreferences; i++)
        free(r->references[i]);
    free(r->references);
    free(r->target);
    for (uint32_t i = 0; i < r->nm; i++) {
        struct rule_match *m = &r->m[i];
        free(m->xor_key);
        if (m->type == RM_CONTENT)
            free(m->u.c.pat);
        else if (m->type == RM_PCRE)
            free(m->u.p.re);
        else if (m->type == RM_HASHLIST)
            free(m->u.h.hex);
        else if (m->type == RM_APPINT) {
            free(m->u.ai.range);
            free(m->u.ai.uuid);
        }
    }
    free(r->m);
    for (uint32_t i = 0; i < r->nflowbits; i++)
        free(r->flowbits[i].ids);
    free(r->flowbits);
    free(r->flowints);
    free(r);
}

static void handle_line(struct loadctx *lc, const char *file, uint32_t lineno, char *line, size_t len)
{
    struct ruleset *rs = lc->rs;
    struct rparse rp;
    uint32_t sid = rules_parse_rule(&rp, rs, lc->vars, file, lineno, line, len);

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
    free_rule(rp.r);
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
        lc->own_vars = rules_vars_new();
        lc->vars = lc->own_vars;
    }
    return lc->rs;
}

static void ctx_done(struct loadctx *lc)
{
    free(lc->sids);
    rules_vars_free(lc->own_vars);
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

struct ruleset *rules_set_load(const struct rule_load_opts *o, const char *const *files,
                               unsigned nfiles)
{
    struct loadctx lc;
    struct ruleset *rs = ctx_init(&lc, o);
    struct sha256_ctx sc;
    uint8_t digest[32];

    sha256_init(&sc);
    rs->loaded_at_ns = util_real_ns();
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
        else {
            sha256_update(&sc, text, len);
            parse_text(&lc, file, text, len);
        }
        free(text);
    }
    sha256_final(&sc, digest);
    sha256_to_hex(digest, rs->sha256);
    ctx_done(&lc);
    return rs;
}

struct ruleset *rules_set_parse_string(const struct rule_load_opts *o, const char *text)
{
    struct loadctx lc;
    struct ruleset *rs = ctx_init(&lc, o);

    load_classes(&lc, o, NULL);
    sha256_hex(text, strlen(text), rs->sha256);
    parse_text(&lc, intern_file(rs, "<string>"), text, strlen(text));
    ctx_done(&lc);
    return rs;
}

void rules_set_free(struct ruleset *rs)
{
    if (!rs)
        return;
    for (uint32_t i = 0; i < rs->nrules; i++)
        free_rule(rs->rules[i]);
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

void rules_set_print_problems(const struct ruleset *rs, FILE *out)
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

void rules_set_top_reasons(const struct ruleset *rs, FILE *out, unsigned top)
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
