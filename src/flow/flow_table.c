/* flow_table.c - see flow.h for the design (hash chains, and one list per
 * protocol group and state, each in last-packet order). Everything here
 * runs in the owning worker thread.
 *
 * Lookup: the packet's hash (the reader's, or decode_flow_hash()) picks the
 * bucket; a key matches in either direction. Direction: a flow's key is
 * stored client first. The client is the sender of the flow's first packet,
 * or its receiver when that packet is a SYN-ACK.
 *
 * State, for every protocol: new, established once both sides have sent,
 * and (TCP only) closed after a RST or a FIN from each side. The state is
 * light on purpose; TCP reassembly is stream.c's, driven by the worker's
 * layer 7. A closed flow moves to its closed list (the closed timeout);
 * when it then times out, is flushed or its ports are reused, the reason it
 * ends with is how it closed (tcp_fin or tcp_rst).
 *
 * A flow ends when:
 *   - a packet finds it idle past its timeout: it ends (timeout) and the
 *     packet starts a new flow, whether or not the expiry scan has run, so
 *     the events do not depend on when scans happen;
 *   - the expiry scan finds it idle past its timeout (flow_table_expire,
 *     at most once a second of packet time, popping list heads);
 *   - a SYN (without ACK) arrives on it once closed: a new connection on
 *     the same ports starts a new flow;
 *   - a new flow would take the table past its memcap (the flows' bytes
 *     plus what the owner's extra_mem callback reports): the longest-idle
 *     flows end first (memcap);
 *   - the table is flushed (end of input, shutdown), oldest first so the
 *     output order is stable.
 * Active timeout: at the first packet flow.active-timeout or more after a
 * flow's start, it gets an interval record (on_end with FR_ACTIVE); its
 * counters and start time restart and the flow goes on. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/decode/decode.h"
#include "taishi/flow/flow.h"
#include "taishi/core/pool.h"
#include "taishi/core/util.h"

#define NLISTS (FG_MAX * FS_MAX)

struct flow_list {
    struct flow *head, *tail;
};

struct flow_table {
    const struct config *cfg;
    uint64_t memcap;
    struct flow **buckets;
    uint64_t mask;
    struct flow_list lists[NLISTS];
    uint64_t timeout_ns[NLISTS];
    uint64_t active_ns;
    uint64_t next_expire_ns;
    struct pool pool;
    flow_end_fn on_end;
    flow_extra_mem_fn extra_mem;
    void *arg;
    struct flow_stats st;
};

const char *flow_table_reason_name(enum flow_end_reason r)
{
    static const char *const n[FR_MAX] = {
        "timeout", "tcp_fin", "tcp_rst", "active_timeout", "memcap", "shutdown", "tcp_reuse",
    };
    return (unsigned)r < FR_MAX ? n[r] : "unknown";
}

const char *flow_table_state_name(enum flow_state s)
{
    static const char *const n[FS_MAX] = { "new", "established", "closed" };
    return (unsigned)s < FS_MAX ? n[s] : "unknown";
}

uint64_t flow_table_bytes_per_flow(void)
{
    return (sizeof(struct flow) + 15) & ~(size_t)15;
}

struct flow_table *flow_table_create(const struct config *cfg, uint64_t memcap,
                                     flow_end_fn on_end, flow_extra_mem_fn extra_mem,
                                     void *arg)
{
    struct flow_table *t = xcalloc(1, sizeof(*t));
    uint64_t n = 1;

    while (n < cfg->flow_hash_size)
        n <<= 1;
    t->cfg = cfg;
    t->memcap = memcap;
    t->buckets = xcalloc(n, sizeof(*t->buckets));
    t->mask = n - 1;
    for (int g = 0; g < FG_MAX; g++)
        for (int s = 0; s < FS_MAX; s++) {
            uint32_t secs = cfg->flow_timeout[g][s];
            if (s == FS_CLOSED && g != FG_TCP)
                secs = cfg->flow_timeout[g][FS_ESTABLISHED];
            t->timeout_ns[g * FS_MAX + s] = (uint64_t)secs * 1000000000ULL;
        }
    t->active_ns = (uint64_t)cfg->flow_active_timeout * 1000000000ULL;
    pool_init(&t->pool, sizeof(struct flow), 1024);
    t->on_end = on_end;
    t->extra_mem = extra_mem;
    t->arg = arg;
    return t;
}

static void list_remove(struct flow_list *l, struct flow *f)
{
    if (f->prev) f->prev->next = f->next; else l->head = f->next;
    if (f->next) f->next->prev = f->prev; else l->tail = f->prev;
    f->prev = f->next = NULL;
}

static void list_append(struct flow_list *l, struct flow *f)
{
    f->next = NULL;
    f->prev = l->tail;
    if (l->tail) l->tail->next = f; else l->head = f;
    l->tail = f;
}

static struct flow_list *list_of(struct flow_table *t, const struct flow *f)
{
    return &t->lists[f->group * FS_MAX + f->state];
}

static void end_flow(struct flow_table *t, struct flow *f, enum flow_end_reason why)
{
    struct flow **pp = &t->buckets[f->hash & t->mask];

    if (f->state == FS_CLOSED && (why == FR_TIMEOUT || why == FR_SHUTDOWN || why == FR_REUSED))
        why = (enum flow_end_reason)f->closed_by;
    t->on_end(t->arg, f, why);
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    list_remove(list_of(t, f), f);
    t->st.ended[why]++;
    t->st.active--;
    pool_put(&t->pool, f);
}

void flow_table_destroy(struct flow_table *t)
{
    if (!t)
        return;
    flow_table_flush(t, FR_SHUTDOWN);
    pool_fini(&t->pool);
    free(t->buckets);
    free(t);
}

static uint64_t memory_used(struct flow_table *t)
{
    return t->st.active * flow_table_bytes_per_flow() + (t->extra_mem ? t->extra_mem(t->arg) : 0);
}

/* Ends the flow that has been idle the longest: the oldest list head. */
static void evict_one(struct flow_table *t)
{
    struct flow *best = NULL;

    for (int i = 0; i < NLISTS; i++) {
        struct flow *h = t->lists[i].head;
        if (h && (!best || h->last_ns < best->last_ns))
            best = h;
    }
    if (best) {
        t->st.memcap_evictions++;
        end_flow(t, best, FR_MEMCAP);
    }
}

static int key_match(const struct flow_key *a, const struct flow_key *b, int *same)
{
    if (a->proto != b->proto || a->ipver != b->ipver || a->vlan != b->vlan ||
        a->tunnel_id != b->tunnel_id)
        return 0;
    if (a->sport == b->sport && a->dport == b->dport &&
        !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16)) {
        *same = 1;
        return 1;
    }
    if (a->sport == b->dport && a->dport == b->sport &&
        !memcmp(a->src, b->dst, 16) && !memcmp(a->dst, b->src, 16)) {
        *same = 0;
        return 1;
    }
    return 0;
}

static uint8_t group_of(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP: return FG_TCP;
    case IPPROTO_UDP: return FG_UDP;
    case IPPROTO_ICMP: case IPPROTO_ICMPV6: return FG_ICMP;
    }
    return FG_OTHER;
}

static struct flow *new_flow(struct flow_table *t, const struct packet *p, uint64_t h)
{
    const struct flow_key *k = &p->ip.key;

    while (t->st.active && memory_used(t) + flow_table_bytes_per_flow() > t->memcap)
        evict_one(t);
    struct flow *f = pool_get(&t->pool);
    f->key = *k;
    if (k->proto == IPPROTO_TCP && (p->ip.tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
        memcpy(f->key.src, k->dst, 16);     /* first packet is the answer to a SYN */
        memcpy(f->key.dst, k->src, 16);
        f->key.sport = k->dport;
        f->key.dport = k->sport;
    }
    f->hash = h;
    f->flow_id = (h ^ mix64(p->ts_ns)) & ((1ULL << 51) - 1);
    if (!f->flow_id)
        f->flow_id = 1;
    f->start_ns = f->last_ns = p->ts_ns;
    f->tun = p->tun;
    f->group = group_of(k->proto);
    f->state = FS_NEW;
    f->icmp_type = p->ip.icmp_type;
    f->icmp_code = p->ip.icmp_code;
    f->hnext = t->buckets[h & t->mask];
    t->buckets[h & t->mask] = f;
    list_append(list_of(t, f), f);
    t->st.created++;
    if (++t->st.active > t->st.peak_active)
        t->st.peak_active = t->st.active;
    return f;
}

/* The packet's flow hash: the reader's (worker dispatch), else computed. */
static inline uint64_t packet_hash(const struct packet *p)
{
    return p->hash ? p->hash : decode_flow_hash(&p->ip.key);
}

void flow_table_prefetch(const struct flow_table *t, const struct packet *p, int stage)
{
    uint64_t h = packet_hash(p);
    struct flow *const *b = &t->buckets[h & t->mask];
    if (!stage)
        __builtin_prefetch(b);
    else if (*b)
        __builtin_prefetch(*b);
}

struct flow *flow_table_update(struct flow_table *t, const struct packet *p, int *to_server)
{
    const struct flow_key *k = &p->ip.key;
    uint64_t h = packet_hash(p);
    struct flow *f;
    int same = 1;

    for (f = t->buckets[h & t->mask]; f; f = f->hnext)
        if (f->hash == h && key_match(&f->key, k, &same))
            break;
    if (f && f->last_ns + t->timeout_ns[f->group * FS_MAX + f->state] <= p->ts_ns) {
        /* Timed out, whether or not the expiry scan has run yet: the events
         * then do not depend on when scans happen (or on the worker count). */
        end_flow(t, f, FR_TIMEOUT);
        f = NULL;
    } else if (f && f->state == FS_CLOSED && k->proto == IPPROTO_TCP &&
               (p->ip.tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
        end_flow(t, f, FR_REUSED);          /* a new connection on the same ports */
        f = NULL;
    }
    if (!f) {
        f = new_flow(t, p, h);
        key_match(&f->key, k, &same);
    }
    int dir = same ? 0 : 1;
    *to_server = !dir;

    if (t->active_ns && p->ts_ns >= f->start_ns + t->active_ns && f->pkts[0] + f->pkts[1]) {
        t->on_end(t->arg, f, FR_ACTIVE);   /* a record for the interval; the flow goes on */
        t->st.ended[FR_ACTIVE]++;
        f->pkts[0] = f->pkts[1] = f->bytes[0] = f->bytes[1] = 0;
        f->start_ns = p->ts_ns;
    }
    f->pkts[dir]++;
    f->bytes[dir] += p->wirelen;
    if (p->ts_ns > f->last_ns)
        f->last_ns = p->ts_ns;

    uint8_t old_state = f->state;
    if (k->proto == IPPROTO_TCP && p->ip.l4_ok) {
        uint8_t fl = p->ip.tcp_flags;
        f->tcp_seen[dir] |= fl;
        if (fl & TCP_RST) {
            f->state = FS_CLOSED;
            f->closed_by = FR_TCP_RST;
        } else if ((f->tcp_seen[0] & TCP_FIN) && (f->tcp_seen[1] & TCP_FIN)) {
            f->state = FS_CLOSED;
            f->closed_by = FR_TCP_FIN;
        }
    }
    if (f->state == FS_NEW && f->pkts[0] && f->pkts[1])
        f->state = FS_ESTABLISHED;
    struct flow_list *from = &t->lists[f->group * FS_MAX + old_state];
    list_remove(from, f);
    list_append(list_of(t, f), f);
    return f;
}

void flow_table_expire(struct flow_table *t, uint64_t now_ns)
{
    if (now_ns < t->next_expire_ns)
        return;
    t->next_expire_ns = now_ns + 1000000000ULL;    /* at most once a second */
    for (int i = 0; i < NLISTS; i++) {
        struct flow *f;
        while ((f = t->lists[i].head) && f->last_ns + t->timeout_ns[i] <= now_ns)
            end_flow(t, f, FR_TIMEOUT);
    }
}

void flow_table_flush(struct flow_table *t, enum flow_end_reason why)
{
    for (;;) {
        struct flow *oldest = NULL;
        for (int i = 0; i < NLISTS; i++) {  /* oldest first, so output order is stable */
            struct flow *h = t->lists[i].head;
            if (h && (!oldest || h->last_ns < oldest->last_ns ||
                      (h->last_ns == oldest->last_ns && h->flow_id < oldest->flow_id)))
                oldest = h;
        }
        if (!oldest)
            return;
        end_flow(t, oldest, why);
    }
}

void flow_table_foreach(struct flow_table *t, void (*fn)(void *arg, struct flow *f), void *arg)
{
    for (int i = 0; i < NLISTS; i++)
        for (struct flow *f = t->lists[i].head; f; f = f->next)
            fn(arg, f);
}

const struct flow_stats *flow_table_stats(const struct flow_table *t)
{
    struct flow_table *m = (struct flow_table *)t;
    m->st.memory = memory_used(m);
    return &t->st;
}
