/* rules_stat.c - loads rule files the way the sensor will and reports:
 * every problem (file:line: sid N: reason), the summary line
 * "rules: L loaded, S skipped (unsupported), E failed", the most frequent
 * reasons, and the parse time. A measuring tool, not part of the sensor.
 *
 *   build/rules-stat [-q] [-c classification.config] [-t TOP] [-d SID] FILE...
 *   -q: no per-problem lines; -d: also print how rule SID was parsed.
 *   Exit 0 (problems are data, not errors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taishi/rules/rules.h"
#include "taishi/core/util.h"

static const char *const mtype[] = { "content", "pcre", "isdataat", "byte_test", "byte_jump",
                                     "byte_extract", "bsize" };

static void dump_rule(const struct ruleset *rs, const struct rule *r)
{
    printf("sid %u rev %u gid %u action %u proto %u app %s%s bidir %u flow 0x%x has 0x%x prio %d "
           "class %s (%s)\n", r->sid, r->rev, r->gid, r->action, r->proto, r->app_neg ? "!" : "",
           rules_app_name(r->app), r->bidir, r->flow, r->has, r->priority,
           r->classtype ? r->classtype : "-", r->category ? r->category : "-");
    printf("  src %s%u entries, sport %s%u, dst %s%u, dport %s%u\n", r->src.any ? "any " : "", r->src.n,
           r->sport.any ? "any " : "", r->sport.n, r->dst.any ? "any " : "", r->dst.n,
           r->dport.any ? "any " : "", r->dport.n);
    for (uint32_t i = 0; i < r->nm; i++) {
        const struct rule_match *m = &r->m[i];
        printf("  %-12s %-18s flags 0x%04x tr %u", mtype[m->type], buffers_name((enum buf_id)m->buf), m->flags,
               m->ntr);
        if (m->type == RM_CONTENT) {
            printf(" len %u \"", m->u.c.len);
            for (uint32_t k = 0; k < m->u.c.len && k < 60; k++)
                printf(m->u.c.pat[k] >= 32 && m->u.c.pat[k] < 127 ? "%c" : "|%02x|", m->u.c.pat[k]);
            printf("\"");
        } else if (m->type == RM_PCRE) {
            printf(" /%s/ opts 0x%x", m->u.p.re, m->u.p.opts);
        }
        printf("\n");
    }
    for (uint32_t i = 0; i < r->nflowbits; i++) {
        printf("  flowbits op %u group %u:", r->flowbits[i].op, r->flowbits[i].group);
        for (uint16_t k = 0; k < r->flowbits[i].n; k++)
            printf(" %s", rs->flowbit_names[r->flowbits[i].ids[k]]);
        printf("\n");
    }
    for (uint32_t i = 0; i < r->nmetadata; i++)
        printf("  metadata %s = %s\n", r->metadata[i].key, r->metadata[i].value);
}

int main(int argc, char **argv)
{
    struct rule_load_opts o = {0};
    int quiet = 0, c;
    unsigned top = 20;
    long dump = -1;

    while ((c = getopt(argc, argv, "qc:t:d:")) != -1) {
        if (c == 'q')
            quiet = 1;
        else if (c == 'c')
            o.classification_file = optarg;
        else if (c == 't')
            top = (unsigned)atoi(optarg);
        else if (c == 'd')
            dump = atol(optarg);
        else {
            fprintf(stderr, "usage: rules-stat [-q] [-c classification.config] [-t TOP] [-d SID] FILE...\n");
            return 2;
        }
    }
    uint64_t t0 = util_mono_ns();
    struct ruleset *rs = rules_set_load(&o, (const char *const *)(argv + optind),
                                        (unsigned)(argc - optind));
    uint64_t t1 = util_mono_ns();
    if (!quiet)
        rules_set_print_problems(rs, stdout);
    for (uint32_t i = 0; dump >= 0 && i < rs->nrules; i++)
        if (rs->rules[i]->sid == (uint32_t)dump)
            dump_rule(rs, rs->rules[i]);
    printf("rules: %u loaded, %u skipped (unsupported), %u failed\n", rs->loaded, rs->skipped,
           rs->failed);
    uint32_t total = rs->loaded + rs->skipped + rs->failed;
    printf("load rate: %.2f%% of %u rules; %u classes, %u flowbit names, %u flowint names\n",
           total ? 100.0 * rs->loaded / total : 0.0, total, rs->nclasses, rs->nflowbits, rs->nflowints);
    printf("top reasons:\n");
    rules_set_top_reasons(rs, stdout, top);
    printf("parse time: %.1f ms\n", (double)(t1 - t0) / 1e6);
    rules_set_free(rs);
    return 0;
}
