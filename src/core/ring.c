/* ring.c - see ring.h. Written from the classic Lamport SPSC queue with
 * cached indices (the idea behind DPDK's rte_ring in single-producer /
 * single-consumer mode). */
#include <pthread.h>
#include <stdlib.h>

#include "taishi/core/ring.h"
#include "taishi/core/util.h"

struct ring *ring_create(size_t capacity)
{
    struct ring *r = xaligned_alloc(CACHELINE, sizeof(*r));
    size_t n = 2;

    while (n < capacity)
        n <<= 1;
    r->mask = n - 1;
    r->slots = xcalloc(n, sizeof(void *));
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    return r;
}

void ring_destroy(struct ring *r)
{
    if (!r)
        return;
    free(r->slots);
    free(r);
}

int ring_push(struct ring *r, void *p)
{
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);

    if (h - r->tail_cache > r->mask) {
        r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (h - r->tail_cache > r->mask)
            return -1;
    }
    r->slots[h & r->mask] = p;
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
    return 0;
}

void *ring_pop(struct ring *r)
{
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);

    if (t == r->head_cache) {
        r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
        if (t == r->head_cache)
            return NULL;
    }
    void *p = r->slots[t & r->mask];
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return p;
}

size_t ring_count(struct ring *r)
{
    return (size_t)(atomic_load_explicit(&r->head, memory_order_acquire) -
                    atomic_load_explicit(&r->tail, memory_order_acquire));
}

/* Two threads pass 1,000,000 numbered pointers through an 8-slot ring; the
 * consumer checks it sees every one, in order. */
#define SELFTEST_N 1000000u
static void *selftest_producer(void *arg)
{
    struct ring *r = arg;
    for (uintptr_t i = 1; i <= SELFTEST_N; i++)
        while (ring_push(r, (void *)i) < 0)
            ;
    return NULL;
}

int ring_selftest(void)
{
    struct ring *r = ring_create(8);
    pthread_t th;
    uintptr_t want = 1;
    int bad = 0;

    if (ring_pop(r) != NULL || ring_count(r) != 0)
        bad = 1;
    pthread_create(&th, NULL, selftest_producer, r);
    while (want <= SELFTEST_N) {
        void *p = ring_pop(r);
        if (!p)
            continue;
        if ((uintptr_t)p != want)
            bad = 1;
        want++;
    }
    pthread_join(th, NULL);
    ring_destroy(r);
    return bad ? -1 : 0;
}
