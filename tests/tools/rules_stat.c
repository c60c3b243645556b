/* rules_stat.c - loads rule files the way the sensor will and reports:
 * every problem (file:line: sid N: reason), the summary line
 * "rules: L loaded, S skipped (unsupported), E failed", the most frequent
 * reasons, and the parse time. A measuring tool, not part of the sensor.
 *
 *   build/rules-stat [-q] [-c classification.config] [-t TOP] FILE...
 *   -q: no per-problem lines. Exit 0 (problems are data, not errors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taishi/rules.h"
#include "taishi/util.h"

int main(int argc, char **argv)
{
    struct rule_load_opts o = {0};
    int quiet = 0, c;
    unsigned top = 20;

    while ((c = getopt(argc, argv, "qc:t:")) != -1) {
        if (c == 'q')
            quiet = 1;
        else if (c == 'c')
            o.classification_file = optarg;
        else if (c == 't')
            top = (unsigned)atoi(optarg);
        else {
            fprintf(stderr, "usage: rules-stat [-q] [-c classification.config] [-t TOP] FILE...\n");
            return 2;
        }
    }
    uint64_t t0 = util_mono_ns();
    struct ruleset *rs = ruleset_load(&o, (const char *const *)(argv + optind),
                                      (unsigned)(argc - optind));
    uint64_t t1 = util_mono_ns();
    if (!quiet)
        ruleset_print_problems(rs, stdout);
    printf("rules: %u loaded, %u skipped (unsupported), %u failed\n", rs->loaded, rs->skipped,
           rs->failed);
    uint32_t total = rs->loaded + rs->skipped + rs->failed;
    printf("load rate: %.2f%% of %u rules; %u classes, %u flowbit names, %u flowint names\n",
           total ? 100.0 * rs->loaded / total : 0.0, total, rs->nclasses, rs->nflowbits, rs->nflowints);
    printf("top reasons:\n");
    ruleset_top_reasons(rs, stdout, top);
    printf("parse time: %.1f ms\n", (double)(t1 - t0) / 1e6);
    ruleset_free(rs);
    return 0;
}
