/* stats.h - counters summed across the reader and the workers, and the
 * `stats` event. Each thread counts in its own struct with plain (non-atomic)
 * increments; the sum is taken after the threads are joined (offline) so no
 * counter is ever shared on the fast path. */
#ifndef TAISHI_STATS_H
#define TAISHI_STATS_H

#include "taishi/capture/capture.h"
#include "taishi/core/jw.h"
#include "taishi/pipeline/worker.h"

struct output;
struct asset_inventory;
void stats_write_event(struct jw *w, const struct config *cfg, const struct capture_totals *ct,
                       struct worker **workers, int nworkers, const struct output *out,
                       struct asset_inventory *inv);

#endif
