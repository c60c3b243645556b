/* rules_class.c - classification.config: `config classification:
 * name,description,priority` lines into ruleset->classes, looked up by the
 * classtype keyword (category and default priority of an alert).
 *
 * Lines that are not classification lines (comments, blank, other config)
 * are ignored; a malformed classification line is ignored too, as Suricata
 * only warns about it. A later line for the same name replaces the earlier.
 * No file: the table stays empty and rules_opts.c then accepts any
 * classtype (category NULL, priority 3 unless priority: is given).
 *
 * Ownership: the strings belong to the ruleset. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_internal.h"
#include "taishi/core/util.h"

static void class_add(struct ruleset *rs, const char *name, const char *desc, int prio)
{
    for (uint32_t i = 0; i < rs->nclasses; i++)
        if (!strcasecmp(rs->classes[i].name, name)) {
            free(rs->classes[i].desc);
            rs->classes[i].desc = xstrdup(desc);
            rs->classes[i].priority = prio;
            return;
        }
    rs->classes = xreallocarray(rs->classes, rs->nclasses + 1, sizeof(*rs->classes));
    rs->classes[rs->nclasses].name = xstrdup(name);
    rs->classes[rs->nclasses].desc = xstrdup(desc);
    rs->classes[rs->nclasses].priority = prio;
    rs->nclasses++;
}

int rules_class_load(struct ruleset *rs, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    static const char key[] = "config classification:";

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        char *p = rules_util_trim(line);
        if (strncasecmp(p, key, sizeof(key) - 1))
            continue;
        p += sizeof(key) - 1;
        char *c1 = strchr(p, ','), *c2 = c1 ? strrchr(c1 + 1, ',') : NULL;
        if (!c1 || !c2)
            continue;
        *c1 = *c2 = 0;
        char *name = rules_util_trim(p), *desc = rules_util_trim(c1 + 1);
        char *pr = rules_util_trim(c2 + 1);
        int64_t prio;
        if (!*name || rules_util_parse_i64(pr, &prio) < 0 || prio < 0 || prio > 255)
            continue;
        int ok = 1;
        for (char *q = name; *q; q++)
            if (!isalnum((unsigned char)*q) && *q != '-' && *q != '_' && *q != '.')
                ok = 0;
        if (ok)
            class_add(rs, name, desc, (int)prio);
    }
    fclose(f);
    return 0;
}

const struct rule_class *rules_class_find(const struct ruleset *rs, const char *name)
{
    for (uint32_t i = 0; i < rs->nclasses; i++)
        if (!strcasecmp(rs->classes[i].name, name))
            return &rs->classes[i];
    return NULL;
}
