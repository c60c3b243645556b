/* fuzz_rules.c - rules_set_parse_string() on hostile rule text, then the
 * reporting functions and rules_set_free().
 *
 * Input: rules text (any bytes; a NUL ends the string, as for a caller
 * passing a C string). No classification table (any classtype is
 * accepted); the variables are the defaults with a HOME_NET that has IPv6
 * and a negation.
 * Invariants (abort() when violated):
 *   - loaded + skipped + failed problems are consistent: every non-loaded
 *     rule line has one problem (up to the storage cap), loaded rules are
 *     indexed in order, every match's buffer and type are in range, every
 *     transform count is within RULE_MAX_TRANSFORMS, byte_extract variable
 *     references are below the rule's nvars, content patterns non-empty;
 *   - flattened address sets never hold `any` together with entries;
 *   - the problem printers write without crashing (to a memstream). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/rules/rules.h"
#include "fuzz_helpers.h"

static void check_val(const struct rule *r, const struct rule_val *v)
{
    FUZZ_ASSERT(v->var < 0 || (uint8_t)v->var < r->nvars);
}

static void check_rule(const struct ruleset *rs, const struct rule *r, uint32_t idx)
{
    FUZZ_ASSERT(r->index == idx);
    FUZZ_ASSERT(r->sid != 0);
    FUZZ_ASSERT(r->action <= RA_PASS && r->proto <= RP_APP && r->app < RAPP_MAX);
    FUZZ_ASSERT(!(r->src.any && r->src.n) && !(r->dst.any && r->dst.n));
    FUZZ_ASSERT(!(r->sport.any && r->sport.n) && !(r->dport.any && r->dport.n));
    FUZZ_ASSERT(r->src.any || r->src.n);
    FUZZ_ASSERT(r->sport.any || r->sport.n);
    for (uint32_t i = 0; i < r->src.n; i++)
        FUZZ_ASSERT((r->src.v[i].ver == 4 && r->src.v[i].prefix <= 32) ||
                    (r->src.v[i].ver == 6 && r->src.v[i].prefix <= 128));
    for (uint32_t i = 0; i < r->sport.n; i++)
        FUZZ_ASSERT(r->sport.v[i].lo <= r->sport.v[i].hi);
    FUZZ_ASSERT(r->nvars <= RULE_MAX_VARS);
    for (uint32_t i = 0; i < r->nm; i++) {
        const struct rule_match *m = &r->m[i];
        FUZZ_ASSERT(m->buf < BUF_MAX && m->type <= RM_APPINT && m->ntr <= RULE_MAX_TRANSFORMS);
        if (m->type == RM_APPINT)   /* an integer keyword: the tx pseudo-buffer, a parser's */
            FUZZ_ASSERT(m->buf == BUF_APP_TX && m->ntr == 0 && m->u.ai.ik && m->u.ai.parser &&
                        (m->u.ai.nrange == 0) == (m->u.ai.range == NULL));
        for (unsigned t = 0; t < m->ntr; t++)
            FUZZ_ASSERT(m->tr[t] > TR_NONE && m->tr[t] < TR_MAX);
        FUZZ_ASSERT(buffers_name((enum buf_id)m->buf) != NULL);
        if (m->type == RM_CONTENT) {
            FUZZ_ASSERT(m->u.c.len > 0 && m->u.c.pat);
            FUZZ_ASSERT(!(m->flags & M_FP_CHOP) || m->u.c.fp_off + m->u.c.fp_len <= m->u.c.len);
            check_val(r, &m->u.c.offset);
            check_val(r, &m->u.c.depth);
            check_val(r, &m->u.c.distance);
            check_val(r, &m->u.c.within);
        } else if (m->type == RM_PCRE) {
            FUZZ_ASSERT(m->u.p.re != NULL);
        } else if (m->type >= RM_BYTE_TEST && m->type <= RM_BYTE_EXTRACT) {
            FUZZ_ASSERT(m->u.b.nbytes <= 10);
            FUZZ_ASSERT(m->type != RM_BYTE_EXTRACT || (m->u.b.store >= 0 && m->u.b.store < r->nvars));
        }
    }
    for (uint32_t i = 0; i < r->nflowbits; i++)
        for (uint16_t j = 0; j < r->flowbits[i].n; j++)
            FUZZ_ASSERT(r->flowbits[i].ids[j] < rs->nflowbits);
    for (uint32_t i = 0; i < r->nflowints; i++)
        FUZZ_ASSERT(r->flowints[i].id < rs->nflowints);
    uint8_t a[16] = {10, 1, 2, 3};
    (void)rules_vars_addrs_match(&r->src, a, 4);
    (void)rules_vars_ports_match(&r->dport, 80);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct rule_vars *vars;
    char err[256];

    if (!vars) {
        vars = rules_vars_new();
        FUZZ_ASSERT(rules_vars_set(vars, 0, "HOME_NET", "[10.0.0.0/8, 2001:db8::/32, !10.1.0.0/16]",
                                   err, sizeof(err)) == 0);
    }
    char *text = malloc(size + 1);
    FUZZ_ASSERT(text != NULL);
    memcpy(text, data, size);
    text[size] = 0;
    struct rule_load_opts o = { .vars = vars, .classification_file = NULL };
    struct ruleset *rs = rules_set_parse_string(&o, text);
    FUZZ_ASSERT(rs != NULL);
    FUZZ_ASSERT(rs->loaded == rs->nrules);
    FUZZ_ASSERT(rs->nproblems + rs->problems_dropped == rs->skipped + rs->failed);
    for (uint32_t i = 0; i < rs->nrules; i++)
        check_rule(rs, rs->rules[i], i);
    for (uint32_t i = 0; i < rs->nproblems; i++)
        FUZZ_ASSERT(rs->problems[i].reason && rs->problems[i].reason[0] &&
                    (rs->problems[i].status == RS_SKIPPED || rs->problems[i].status == RS_FAILED));
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    FUZZ_ASSERT(f != NULL);
    rules_set_print_problems(rs, f);
    rules_set_top_reasons(rs, f, 10);
    fclose(f);
    free(buf);
    rules_set_free(rs);
    free(text);
    return 0;
}
