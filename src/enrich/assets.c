/* assets.c - the passive service inventory (see assets.h).
 *
 * Entries live in a fixed array used as a ring in insertion order; hash
 * chains link them by index. Learning a new server when the array is full
 * reuses the slot of the oldest entry, which is unlinked from its chain
 * first. The state file is text, one entry per line
 *     ipver address port proto first_seen_ns
 * written to a temporary file and renamed, so a crash never leaves half of
 * it; unreadable lines are skipped with a warning. A host (assets.h) is an
 * entry with port 0 and protocol 0, so the format did not change.
 *
 * asset_facts_add() is the flow-side half: no lock, no shared state; it
 * only fills the flow's own struct asset_facts. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taishi/enrich/assets.h"
#include "taishi/core/util.h"

struct entry {
    uint8_t ip[16];
    uint16_t port;
    uint8_t ipver, proto;
    int32_t next;               /* hash chain, -1 = end */
    uint64_t first_ns;
};

struct asset_inventory {
    pthread_mutex_t mu;
    struct entry *e;
    int32_t *buckets;
    uint32_t cap, nbuckets, n, head;   /* head: oldest entry once the ring is full */
    char state[512];
    struct asset_stats st;
};

static uint32_t bucket(const struct asset_inventory *a, int ipver, const uint8_t *ip, uint16_t port,
                       uint8_t proto)
{
    uint64_t x, y;
    memcpy(&x, ip, 8);
    memcpy(&y, ip + 8, 8);
    return (uint32_t)(mix64(x ^ mix64(y ^ ((uint64_t)port << 16 | (uint64_t)proto << 8 | (unsigned)ipver))) &
                      (a->nbuckets - 1));
}

static int32_t find(const struct asset_inventory *a, int ipver, const uint8_t *ip, uint16_t port,
                    uint8_t proto)
{
    for (int32_t i = a->buckets[bucket(a, ipver, ip, port, proto)]; i >= 0; i = a->e[i].next) {
        const struct entry *en = &a->e[i];
        if (en->port == port && en->proto == proto && en->ipver == ipver && !memcmp(en->ip, ip, 16))
            return i;
    }
    return -1;
}

static void insert(struct asset_inventory *a, int ipver, const uint8_t *ip, uint16_t port,
                   uint8_t proto, uint64_t ts)
{
    uint32_t slot;

    if (a->n < a->cap) {
        slot = a->n++;
    } else {                                /* full: forget the oldest */
        slot = a->head;
        a->head = (a->head + 1) % a->cap;
        struct entry *old = &a->e[slot];
        int32_t *pp = &a->buckets[bucket(a, old->ipver, old->ip, old->port, old->proto)];
        while (*pp != (int32_t)slot)
            pp = &a->e[*pp].next;
        *pp = old->next;
        a->st.forgotten++;
    }
    struct entry *en = &a->e[slot];
    memcpy(en->ip, ip, 16);
    en->port = port;
    en->proto = proto;
    en->ipver = (uint8_t)ipver;
    en->first_ns = ts;
    uint32_t b = bucket(a, ipver, ip, port, proto);
    en->next = a->buckets[b];
    a->buckets[b] = (int32_t)slot;
}

static void load(struct asset_inventory *a)
{
    FILE *f = fopen(a->state, "r");
    char line[256], addr[64];
    unsigned ipver, port, proto, lineno = 0, bad = 0;
    unsigned long long ts;
    uint8_t ip[16];

    if (!f) {
        if (errno != ENOENT)
            LOG(LVL_WARNING, "asset.state-file: cannot read '%s': %s", a->state, strerror(errno));
        return;
    }
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        memset(ip, 0, sizeof(ip));
        if (sscanf(line, "%u %63s %u %u %llu", &ipver, addr, &port, &proto, &ts) != 5 ||
            (ipver != 4 && ipver != 6) || port > 65535 || proto > 255 ||
            inet_pton(ipver == 6 ? AF_INET6 : AF_INET, addr, ip) != 1) {
            bad++;
            continue;
        }
        if (find(a, (int)ipver, ip, (uint16_t)port, (uint8_t)proto) < 0) {
            insert(a, (int)ipver, ip, (uint16_t)port, (uint8_t)proto, ts);
            a->st.loaded++;
        }
    }
    fclose(f);
    if (bad)
        LOG(LVL_WARNING, "asset.state-file %s: %u unreadable lines skipped", a->state, bad);
}

struct asset_inventory *assets_open(const struct config *cfg, char *err, size_t errlen)
{
    struct asset_inventory *a = xcalloc(1, sizeof(*a));
    (void)err;
    (void)errlen;

    a->cap = cfg->asset_max_entries;
    a->nbuckets = 1;
    while (a->nbuckets < a->cap * 2)
        a->nbuckets <<= 1;
    a->e = xcalloc(a->cap, sizeof(*a->e));
    a->buckets = xmalloc(a->nbuckets * sizeof(*a->buckets));
    memset(a->buckets, 0xff, a->nbuckets * sizeof(*a->buckets));   /* all -1 */
    snprintf(a->state, sizeof(a->state), "%s", cfg->asset_state_file);
    pthread_mutex_init(&a->mu, NULL);
    if (a->state[0])
        load(a);
    return a;
}

int assets_first_seen(struct asset_inventory *a, int ipver, const uint8_t *ip, uint16_t port,
                      uint8_t proto, uint64_t ts_ns)
{
    int fresh = 0;

    pthread_mutex_lock(&a->mu);
    if (find(a, ipver, ip, port, proto) < 0) {
        insert(a, ipver, ip, port, proto, ts_ns);
        a->st.announced++;
        fresh = 1;
    }
    pthread_mutex_unlock(&a->mu);
    return fresh;
}

uint32_t assets_hosts_seen(struct asset_inventory *a, const struct asset_facts *af)
{
    uint32_t fresh = 0;

    if (!af->nhosts)
        return 0;
    pthread_mutex_lock(&a->mu);
    for (uint32_t i = 0; i < af->nhosts && i < ASSET_HOSTS_MAX; i++) {
        const struct asset_host *h = &af->h[i];
        if (h->confirmed && find(a, h->ipver, h->ip, 0, 0) < 0) {
            insert(a, h->ipver, h->ip, 0, 0, h->ts_ns);
            a->st.announced++;
            fresh |= 1u << i;
        }
    }
    pthread_mutex_unlock(&a->mu);
    return fresh;
}

static void copy_value(char *dst, const char *v)
{
    size_t n = strlen(v);
    if (n > ASSET_VALUE_MAX - 1)
        n = ASSET_VALUE_MAX - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

void asset_facts_add(struct asset_facts *af, const struct app_asset_meta *m, uint64_t ts_ns)
{
    if (m->host) {
        struct asset_host *h = NULL;
        for (uint32_t i = 0; i < af->nhosts; i++)
            if (af->h[i].ipver == m->ipver && !memcmp(af->h[i].ip, m->ip, 16))
                h = &af->h[i];
        if (!h) {
            if (af->nhosts == ASSET_HOSTS_MAX || (m->ipver != 4 && m->ipver != 6))
                return;
            h = &af->h[af->nhosts++];
            memset(h, 0, sizeof(*h));
            h->ipver = m->ipver;
            memcpy(h->ip, m->ip, 16);
            h->ts_ns = ts_ns;
        }
        if (m->num && !h->confirmed) {
            h->confirmed = 1;
            h->ts_ns = ts_ns;
        }
        if (m->has_mac) {
            memcpy(h->mac, m->mac, 6);
            h->has_mac = 1;
        }
        if (m->value && m->value[0])
            copy_value(h->hostname, m->value);
        return;
    }
    if (!m->object || !m->key)
        return;
    struct asset_fact *f = NULL;
    for (uint32_t i = 0; i < af->nfacts && !f; i++)
        if (!strcmp(af->f[i].object, m->object) && !strcmp(af->f[i].key, m->key))
            f = &af->f[i];
    if (!f) {
        if (af->nfacts == ASSET_FACTS_MAX)
            return;
        f = &af->f[af->nfacts++];
        f->object = m->object;
        f->key = m->key;
    }
    f->is_num = !m->value;
    f->num = m->num;
    if (m->value)
        copy_value(f->value, m->value);
    else
        f->value[0] = 0;
}

void assets_stats(struct asset_inventory *a, struct asset_stats *st)
{
    pthread_mutex_lock(&a->mu);
    *st = a->st;
    st->known = a->n;
    pthread_mutex_unlock(&a->mu);
}

static void save(struct asset_inventory *a)
{
    char tmp[600], addr[64];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", a->state);
    if (!(f = fopen(tmp, "w"))) {
        LOG(LVL_ERROR, "asset.state-file: cannot write '%s': %s", tmp, strerror(errno));
        return;
    }
    for (uint32_t k = 0; k < a->n; k++) {   /* oldest first, so a reload keeps the order */
        const struct entry *en = &a->e[(a->head + k) % a->n];
        inet_ntop(en->ipver == 6 ? AF_INET6 : AF_INET, en->ip, addr, sizeof(addr));
        fprintf(f, "%u %s %u %u %llu\n", en->ipver, addr, en->port, en->proto,
                (unsigned long long)en->first_ns);
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 || rename(tmp, a->state) != 0) {
        LOG(LVL_ERROR, "asset.state-file: cannot save '%s': %s", a->state, strerror(errno));
        unlink(tmp);
    }
}

void assets_close(struct asset_inventory *a)
{
    if (!a)
        return;
    if (a->state[0])
        save(a);
    pthread_mutex_destroy(&a->mu);
    free(a->e);
    free(a->buckets);
    free(a);
}
