/* pool.c - see pool.h. */
#include <stdlib.h>
#include <string.h>

#include "taishi/core/pool.h"
#include "taishi/core/util.h"

void pool_init(struct pool *p, size_t obj_size, size_t per_chunk)
{
    memset(p, 0, sizeof(*p));
    p->obj_size = (obj_size < sizeof(void *) ? sizeof(void *) : obj_size + 15) & ~(size_t)15;
    p->per_chunk = per_chunk ? per_chunk : 64;
}

void pool_fini(struct pool *p)
{
    for (size_t i = 0; i < p->nchunks; i++)
        free(p->chunks[i]);
    free(p->chunks);
    memset(p, 0, sizeof(*p));
}

static void grow(struct pool *p)
{
    char *c = xmalloc(p->obj_size * p->per_chunk);

    if (p->nchunks == p->cap_chunks) {
        p->cap_chunks = p->cap_chunks ? p->cap_chunks * 2 : 16;
        p->chunks = xreallocarray(p->chunks, p->cap_chunks, sizeof(void *));
    }
    p->chunks[p->nchunks++] = c;
    for (size_t i = p->per_chunk; i-- > 0;) {
        void *o = c + i * p->obj_size;
        *(void **)o = p->free_list;
        p->free_list = o;
    }
}

void *pool_get(struct pool *p)
{
    if (!p->free_list)
        grow(p);
    void *o = p->free_list;
    p->free_list = *(void **)o;
    p->in_use++;
    memset(o, 0, p->obj_size);
    return o;
}

void pool_put(struct pool *p, void *obj)
{
    if (!obj)
        return;
    *(void **)obj = p->free_list;
    p->free_list = obj;
    p->in_use--;
}

uint64_t pool_bytes(const struct pool *p)
{
    return (uint64_t)p->nchunks * p->per_chunk * p->obj_size;
}
