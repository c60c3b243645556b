/* talkers.h - the heaviest hosts by bytes, in bounded memory: a
 * space-saving summary (Metwally et al.) of TALKERS_K counters per worker.
 * A host that stays among the heavy hitters is counted exactly from the
 * moment it entered; a host that evicted another inherits that one's count,
 * so counts can be overestimated by at most the smallest counter. Each
 * worker owns its summary; the stats event sums the workers' summaries. */
#ifndef TAISHI_TALKERS_H
#define TAISHI_TALKERS_H

#include <stdint.h>

#define TALKERS_K 32

struct talker {
    uint8_t addr[16];
    uint8_t ipver;
    uint64_t bytes;
};

struct talkers {
    struct talker t[TALKERS_K];
    int n;
};

void talkers_add(struct talkers *s, const uint8_t *addr, int ipver, uint64_t bytes);

#endif
