/* detect_pgroup.c - port groups: a slot's rules split by the flow's server
 * port, as Suricata splits its rule groups by port.
 *
 * A flow's server port is its key's dport whatever the packet's direction
 * (detect.c addr_ports_ok: a to-client packet's source port is k->dport). A
 * payload rule whose server-side ports are a short positive list (the
 * destination ports of a to-server slot, the source ports of a to-client
 * one; not a <> rule) can only match flows to one of those ports: it is
 * "port-bound". Its literals leave the slot's database and go to the
 * databases of the port classes it belongs to; every other rule stays in the
 * slot's own database ("the rest").
 *
 * Per (protocol group, direction), for TCP and UDP: ports with the same set
 * of port-bound rules form one class (ET Open: a few hundred), and
 * pclass[port] names it (0: no port-bound rule there). A slot's sub-slot for
 * class c holds the literals and no-literal rules of its port-bound rules of
 * class c. At run time a buffer is scanned with the slot's database and the
 * sub-slot of its flow's class: the same candidates as one database with
 * every rule, less the rules the header could never pass. ET Open: a
 * flow to a port no port-bound rule names is scanned against about half the
 * TCP stream literals (2,078 to server, 971 of them port-bound).
 *
 * Tried and dropped: a merged database (the rest's literals and the
 * class's, scanned alone) for classes with a busy port, as Suricata's
 * whitelisted port groups. callgrind counted 5% fewer worker instructions
 * than two scans, but the wall clock did not move (9 alternating rounds on
 * the bench capture, ET Open: 2.48 s merged, 2.44 s two scans, 2.59 s
 * before port groups) for 12 MiB more databases and a compile twice as long.
 *
 * Ownership: the class maps belong to the engine
 * (detect_pgroups_free). */
#include <stdlib.h>
#include <string.h>

#include "detect_internal.h"
#include "taishi/core/util.h"

int detect_few_ports(const struct rule_ports *p)
{
    if (p->any || !p->n)
        return 0;
    uint32_t total = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        if (p->v[i].neg)
            return 0;
        total += (uint32_t)p->v[i].hi - p->v[i].lo + 1;
    }
    return total <= 64;
}

const struct rule_ports *detect_pgroup_ports(const struct drule *d, int g, int dir)
{
    if (!d->r || d->kind != DK_PAYLOAD || (g != DG_TCP && g != DG_UDP) || d->r->bidir)
        return NULL;
    const struct rule_ports *p = dir ? &d->r->sport : &d->r->dport;
    return detect_few_ports(p) ? p : NULL;
}

static uint64_t list_hash(const uint32_t *v, uint32_t n)
{
    uint64_t h = 1469598103934665603ULL ^ n;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ v[i]) * 1099511628211ULL;
    return h;
}

/* Classes of one (group, direction). */
static void build_one(struct detect_engine *e, int gi, int dir)
{
    int g = gi ? DG_UDP : DG_TCP;
    /* per port, its port-bound rules in rule order (CSR: first[], end[]):
     * pass 0 counts, pass 1 fills */
    uint32_t *first = xcalloc(65537, sizeof(uint32_t)), *rules = NULL, *end = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < e->nrules; i++) {
            const struct drule *d = &e->dr[i];
            const struct rule_ports *ps = (d->groups >> g & 1) && (d->dirs >> dir & 1) ?
                                          detect_pgroup_ports(d, g, dir) : NULL;
            for (uint32_t k = 0; ps && k < ps->n; k++)
                for (uint32_t port = ps->v[k].lo; port <= ps->v[k].hi; port++) {
                    if (!pass)
                        first[port + 1]++;
                    else if (end[port] == first[port] || rules[end[port] - 1] != i)    /* a port listed twice */
                        rules[end[port]++] = i;
                }
        }
        if (pass)
            break;
        for (uint32_t p = 0; p < 65536; p++)
            first[p + 1] += first[p];
        if (!first[65536]) {
            free(first);
            return;
        }
        rules = xcalloc(first[65536], sizeof(uint32_t));
        end = xcalloc(65536, sizeof(uint32_t));
        memcpy(end, first, 65536 * sizeof(uint32_t));
    }
    /* ports with the same list: one class */
    uint32_t nports = 0, size = 64;
    for (uint32_t p = 0; p < 65536; p++)
        nports += end[p] > first[p];
    while (size < 2 * nports)
        size *= 2;
    struct { uint64_t h; uint32_t port; uint16_t id; } *tab = xcalloc(size, sizeof(*tab));
    struct pgroup *pg = &e->pg[gi][dir];
    pg->cls = xcalloc(65536, sizeof(uint16_t));
    for (uint32_t p = 0; p < 65536; p++) {
        uint32_t n = end[p] - first[p];
        if (!n)
            continue;
        uint64_t h = list_hash(rules + first[p], n);
        uint32_t j = (uint32_t)h & (size - 1);
        while (tab[j].id) {
            uint32_t q = tab[j].port;
            if (tab[j].h == h && end[q] - first[q] == n &&
                !memcmp(rules + first[q], rules + first[p], n * sizeof(uint32_t)))
                break;
            j = (j + 1) & (size - 1);
        }
        if (!tab[j].id) {
            if (pg->n == UINT16_MAX) {  /* more classes than ids: no port groups here */
                free(pg->cls);
                memset(pg, 0, sizeof(*pg));
                break;
            }
            tab[j].h = h;
            tab[j].port = p;
            tab[j].id = (uint16_t)++pg->n;
        }
        pg->cls[p] = tab[j].id;
    }
    free(tab);
    free(end);
    free(first);
    free(rules);
}

void detect_pgroups_build(struct detect_engine *e)
{
    for (int gi = 0; gi < 2; gi++)
        for (int dir = 0; dir < 2; dir++)
            build_one(e, gi, dir);
}

void detect_pgroups_free(struct detect_engine *e)
{
    for (int gi = 0; gi < 2; gi++)
        for (int dir = 0; dir < 2; dir++) {
            struct pgroup *pg = &e->pg[gi][dir];
            free(pg->cls);
            memset(pg, 0, sizeof(*pg));
        }
}

/* The classes rule i (port-bound in (g, dir)) belongs to, each once. */
uint32_t detect_pgroup_classes(const struct detect_engine *e, uint32_t i, int g, int dir,
                               uint16_t *out, uint32_t max)
{
    const struct pgroup *pg = detect_pgroup_of(e, g, dir);
    const struct rule_ports *ps = detect_pgroup_ports(&e->dr[i], g, dir);
    uint32_t n = 0;
    if (!pg || !ps)
        return 0;
    for (uint32_t k = 0; k < ps->n; k++)
        for (uint32_t port = ps->v[k].lo; port <= ps->v[k].hi; port++) {
            uint16_t c = pg->cls[port];
            int seen = !c;
            for (uint32_t j = 0; j < n && !seen; j++)
                seen = out[j] == c;
            if (!seen && n < max)
                out[n++] = c;
        }
    return n;
}
