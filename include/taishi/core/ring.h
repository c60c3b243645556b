/* ring.h - bounded single-producer/single-consumer ring of pointers.
 *
 * One thread pushes, one thread pops, nothing else touches the ring. The
 * head and tail live on their own cache lines; each side keeps a cached copy
 * of the other side's index so it reads the shared one only when the ring
 * looks full (or empty). Acquire/release ordering publishes the slot contents
 * before the index that makes them visible.
 *
 * Ownership: the ring stores pointers only; whoever pushes a pointer hands
 * over the object until the other side pushes it back through another ring. */
#ifndef TAISHI_RING_H
#define TAISHI_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "taishi/core/compiler.h"

struct ring {
    _Alignas(CACHELINE) _Atomic uint64_t head;   /* next slot to write (producer) */
    uint64_t tail_cache;                         /* producer's view of tail */
    _Alignas(CACHELINE) _Atomic uint64_t tail;   /* next slot to read (consumer) */
    uint64_t head_cache;                         /* consumer's view of head */
    _Alignas(CACHELINE) uint64_t mask;
    void **slots;
};

/* capacity is rounded up to a power of two. */
struct ring *ring_create(size_t capacity);
void ring_destroy(struct ring *r);
/* Returns 0 on success, -1 when full (producer side). */
int ring_push(struct ring *r, void *p);
/* Returns the oldest pointer, or NULL when empty (consumer side). */
void *ring_pop(struct ring *r);
size_t ring_count(struct ring *r);

int ring_selftest(void);

#endif
