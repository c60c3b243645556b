/* talkers.c - space-saving heavy hitters (see talkers.h). K is small, so a
 * linear scan is faster than any index here; it runs once per ended flow
 * and endpoint, never per packet. */
#include <string.h>

#include "taishi/core/talkers.h"

void talkers_add(struct talkers *s, const uint8_t *addr, int ipver, uint64_t bytes)
{
    int min = 0;
    uint64_t a0, a1;                        /* the address as two words: one compare each */

    memcpy(&a0, addr, 8);
    memcpy(&a1, addr + 8, 8);
    for (int i = 0; i < s->n; i++) {
        struct talker *t = &s->t[i];
        uint64_t t0, t1;
        memcpy(&t0, t->addr, 8);
        memcpy(&t1, t->addr + 8, 8);
        if (t0 == a0 && t1 == a1 && t->ipver == ipver) {
            t->bytes += bytes;
            return;
        }
        if (t->bytes < s->t[min].bytes)
            min = i;
    }
    struct talker *t;
    uint64_t base = 0;
    if (s->n < TALKERS_K) {
        t = &s->t[s->n++];
    } else {                                /* replace the smallest, inheriting its count */
        t = &s->t[min];
        base = t->bytes;
    }
    memcpy(t->addr, addr, 16);
    t->ipver = (uint8_t)ipver;
    t->bytes = base + bytes;
}
