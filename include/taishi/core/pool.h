/* pool.h - fixed-size object pool: chunks of objects carved once, a free
 * list threaded through the free objects.
 *
 * Objects are handed out in O(1) without calling malloc on the packet path
 * (a new chunk is allocated only when the free list is empty, which stops
 * happening once the pool reaches its working size). Memory is returned to
 * the system only by pool_destroy.
 *
 * Threading: a pool belongs to one thread. */
#ifndef TAISHI_POOL_H
#define TAISHI_POOL_H

#include <stddef.h>
#include <stdint.h>

struct pool {
    size_t obj_size, per_chunk;
    void *free_list;
    void **chunks;
    size_t nchunks, cap_chunks;
    uint64_t in_use;
};

void pool_init(struct pool *p, size_t obj_size, size_t per_chunk);
void pool_fini(struct pool *p);
void *pool_get(struct pool *p);       /* zeroed object */
void pool_put(struct pool *p, void *obj);
/* Bytes the pool holds from the system. */
uint64_t pool_bytes(const struct pool *p);

#endif
