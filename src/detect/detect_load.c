/* detect_load.c - from configuration to a running ruleset: which files,
 * which variables, the problems worth telling, the compile, the summary.
 *
 * Rule files: -S FILE (repeatable) replaces the configuration's
 * rules.files, as Suricata's -S does. Variables: Suricata's defaults
 * (rules_vars.c), then vars.HOME_NET and any vars.NAME of the
 * configuration (a port group when NAME ends in _PORTS). Every rule that
 * does not load is reported as `file:line: sid N: reason`; the rest load.
 *
 * --check-rules prints every problem on stdout and ends with
 *   rules: L loaded, S skipped (unsupported), E failed
 * and the compile time and database size; exit 1 when E > 0.
 *
 * Ownership: the engine returned belongs to the caller (one reference). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/config/config.h"
#include "taishi/detect/detect.h"
#include "taishi/detect/detect_load.h"
#include "taishi/core/util.h"

struct file_list {
    char **v;
    unsigned n;
};

static int add_file(const char *item, void *arg)
{
    struct file_list *l = arg;
    l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
    l->v[l->n++] = xstrdup(item);
    return 0;
}

static void free_files(struct file_list *l)
{
    for (unsigned i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* The ruleset of the configuration (or of -S files); NULL when no rule
 * file is named at all. *rs_out gets the parse result either way. */
static struct ruleset *load_rules(const struct config *cfg, char *const *sfiles, int nsfiles,
                                  char *err, size_t errlen, int *none)
{
    struct file_list fl = { NULL, 0 };
    *none = 0;
    if (nsfiles > 0) {
        for (int i = 0; i < nsfiles; i++)
            add_file(sfiles[i], &fl);
    } else if (util_parse_list(cfg->rule_files, add_file, &fl) < 0) {
        snprintf(err, errlen, "rules.files: cannot read the list '%s'", cfg->rule_files);
        free_files(&fl);
        return NULL;
    }
    if (!fl.n) {
        *none = 1;
        free_files(&fl);
        return NULL;
    }
    struct rule_vars *vars = rules_vars_new();
    if (cfg->home_net[0] && rules_vars_set(vars, 0, "HOME_NET", cfg->home_net, err, errlen) < 0) {
        rules_vars_free(vars);
        free_files(&fl);
        return NULL;
    }
    for (int i = 0; i < cfg->nrule_vars; i++) {
        const char *n = cfg->rule_vars[i].name;
        size_t nl = strlen(n);
        int is_port = nl > 6 && !strcmp(n + nl - 6, "_PORTS");
        char why[256];
        if (rules_vars_set(vars, is_port, n, cfg->rule_vars[i].value, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "vars.%s: %s", n, why);
            rules_vars_free(vars);
            free_files(&fl);
            return NULL;
        }
    }
    struct rule_load_opts o = { vars, cfg->rule_classification[0] ? cfg->rule_classification : NULL };
    struct ruleset *rs = rules_set_load(&o, (const char *const *)fl.v, fl.n);
    rules_vars_free(vars);
    free_files(&fl);
    /* A rule file that cannot be read at all is a configuration error. */
    for (uint32_t i = 0; i < rs->nproblems; i++) {
        const struct rule_problem *p = &rs->problems[i];
        if (p->line == 0 && p->status == RS_FAILED) {
            snprintf(err, errlen, "%s: %s", p->file ? p->file : "?", p->reason);
            rules_set_free(rs);
            return NULL;
        }
    }
    return rs;
}

static void log_problems(const struct ruleset *rs)
{
    unsigned shown = 0;
    for (uint32_t i = 0; i < rs->nproblems; i++) {
        const struct rule_problem *p = &rs->problems[i];
        if (p->status == RS_FAILED || util_log_level >= LVL_INFO || shown < 20) {
            LOG(p->status == RS_FAILED ? LVL_WARNING : LVL_INFO, "%s:%u: sid %u: %s",
                p->file ? p->file : "?", p->line, p->sid, p->reason);
            shown++;
        }
    }
}

struct detect_engine *detect_load(const struct config *cfg, char *const *sfiles, int nsfiles,
                                  char *err, size_t errlen)
{
    int none;
    struct ruleset *rs = load_rules(cfg, sfiles, nsfiles, err, errlen, &none);
    if (!rs) {
        if (none)
            err[0] = 0;     /* no rules asked for: not an error */
        return NULL;
    }
    struct detect_build_opts bo = { .cache_dir = cfg->detect_cache_dir, .action_rank = cfg->action_rank,
                                    .pcre_match_limit = cfg->pcre_match_limit,
                                    .pcre_depth_limit = cfg->pcre_depth_limit };
    struct detect_build_info bi;
    struct detect_engine *e = detect_compile(rs, &bo, &bi, err, errlen);
    if (!e)
        return NULL;
    rs = (struct ruleset *)detect_engine_ruleset(e);
    log_problems(rs);
    LOG(LVL_NOTICE, "rules: %u loaded, %u skipped (unsupported), %u failed; %s in %.2f s, "
        "%u databases, %.1f MiB", rs->loaded, rs->skipped, rs->failed,
        bi.from_cache ? "databases from the cache" : "compiled", bi.compile_s, bi.ndb,
        (double)bi.db_bytes / (1 << 20));
    return e;
}

int detect_load_check_rules(const struct config *cfg, char *const *sfiles, int nsfiles,
                            FILE *out)
{
    char err[512] = "";
    int none;
    uint64_t t0 = util_mono_ns();
    struct ruleset *rs = load_rules(cfg, sfiles, nsfiles, err, sizeof(err), &none);
    if (!rs) {
        fprintf(out, "taishi: %s\n", none ? "no rule files given (-S FILE or rules.files)" : err);
        return 1;
    }
    double parse_s = (double)(util_mono_ns() - t0) / 1e9;
    struct detect_build_opts bo = { .cache_dir = cfg->detect_cache_dir, .action_rank = cfg->action_rank,
                                    .pcre_match_limit = cfg->pcre_match_limit,
                                    .pcre_depth_limit = cfg->pcre_depth_limit };
    struct detect_build_info bi;
    struct detect_engine *e = detect_compile(rs, &bo, &bi, err, sizeof(err));
    if (!e) {
        fprintf(out, "taishi: %s\n", err);
        return 1;
    }
    rs = (struct ruleset *)detect_engine_ruleset(e);
    for (uint32_t i = 0; i < rs->nproblems; i++) {
        const struct rule_problem *p = &rs->problems[i];
        fprintf(out, "%s:%u: sid %u: %s: %s\n", p->file ? p->file : "?", p->line, p->sid,
                p->status == RS_FAILED ? "error" : "unsupported", p->reason);
    }
    fprintf(out, "parse: %.2f s; compile: %.2f s%s; %u databases (%u of port groups), %u patterns, %.1f MiB\n",
            parse_s, bi.compile_s, bi.from_cache ? " (from the cache)" : "", bi.ndb, bi.nsub,
            bi.npatterns, (double)bi.db_bytes / (1 << 20));
    fprintf(out, "rules by kind: %u with a fast pattern, %u without, %u IP-only, %u header-only\n",
            bi.rules_fp, bi.rules_nofp, bi.rules_iponly, bi.rules_pkt);
    fprintf(out, "rules: %u loaded, %u skipped (unsupported), %u failed\n", rs->loaded, rs->skipped,
            rs->failed);
    int rc = rs->failed > 0;
    detect_engine_unref(e);
    return rc;
}
