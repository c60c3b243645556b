/* detect_engine.c - the life of a compiled engine (detect_compile.c builds
 * it): the reference count that workers and reloads share, what the rest of
 * the program may ask of it (its ruleset, whether a buffer is inspected at
 * all), and freeing it whole when the last reference goes.
 *
 * Ownership: the engine owns its ruleset, rules lists, Hyperscan databases
 * and scratch prototype, PCRE2 codes and match context; they all go in
 * engine_free, also for an engine whose build failed half-way. */
#include <stdio.h>
#include <stdlib.h>

#include "detect_internal.h"

static void slot_free(struct slot *s)
{
    if (!s)
        return;
    hs_free_database(s->db);
    free(s->pat_first);
    free(s->pat_rules);
    free(s->pat_len);
    free(s->nofp);
    free(s->uniq);
    for (unsigned c = 0; c < s->nsub; c++)
        slot_free(s->sub[c]);
    free(s->sub);
    free(s);
}

static void engine_free(struct detect_engine *e)
{
    for (uint32_t i = 0; i < e->nrules; i++) {
        struct drule *d = &e->dr[i];
        for (unsigned s = 0; s < d->nsec; s++)
            free(d->sec[s].mi);
        free(d->sec);
        if (d->pcre) {
            for (uint32_t k = 0; k < (d->r ? d->r->nm : 0); k++)
                pcre2_code_free(d->pcre[k]);
            free(d->pcre);
        }
    }
    if (e->slots)
        for (unsigned k = 0; k < DG_MAX * 2 * e->nibufs; k++)
            slot_free(e->slots[k]);
    free(e->slots);
    slot_free(e->stream_slot[0]);
    slot_free(e->stream_slot[1]);
    slot_free(e->nosess_slot[0]);
    slot_free(e->nosess_slot[1]);
    detect_pgroups_free(e);
    for (int b = 0; b < BUF_MAX; b++)
        free(e->ibufs_of_buf[b]);
    detect_addrix_free(&e->ipo);
    for (int g = 0; g < DG_MAX; g++)
        for (int d = 0; d < 2; d++) {
            detect_addrix_free(&e->pktx[g][d]);
            if (e->pktp[g][d]) {
                free(e->pktp[g][d]->rules[0]);
                free(e->pktp[g][d]->rules[1]);
                free(e->pktp[g][d]);
            }
        }
    for (uint32_t i = 0; i < e->nasets && e->aranges; i++)
        rules_vars_aranges_free(&e->aranges[i]);
    free(e->aranges);
    free(e->ibufs);
    free(e->dr);
    hs_free_scratch(e->proto_scratch);
    pcre2_match_context_free(e->mctx);
    rules_set_free(e->rs);
    free(e);
}

const struct ruleset *detect_engine_ruleset(const struct detect_engine *e)
{
    return e->rs;
}

void detect_engine_ref(struct detect_engine *e)
{
    atomic_fetch_add(&e->refs, 1);
}

int detect_engine_uses_buf(const struct detect_engine *e, unsigned b)
{
    return b < BUF_MAX && e->nibufs_of_buf[b] > 0;
}

void detect_engine_unref(struct detect_engine *e)
{
    if (e && atomic_fetch_sub(&e->refs, 1) == 1)
        engine_free(e);
}

const char *detect_hs_version(void)
{
    return hs_version();
}

/* The engine the build was compiled against: the Makefile defines
 * TAISHI_HS_ENGINE from pkg-config (libhs 5.4.9 and later is Vectorscan,
 * Hyperscan's last release being 5.4.2); both libraries report only a
 * version from hs_version(). */
#ifndef TAISHI_HS_ENGINE
#define TAISHI_HS_ENGINE "hyperscan"
#endif
const char *detect_hs_engine(void)
{
    return TAISHI_HS_ENGINE;
}

void detect_pcre2_version(char *buf, size_t len)
{
    if (!len)
        return;
    buf[0] = 0;
    /* PCRE2_CONFIG_VERSION writes at most 24 code units, terminator included */
    char v[64];
    if (pcre2_config(PCRE2_CONFIG_VERSION, v) > 0)
        snprintf(buf, len, "%s", v);
}
