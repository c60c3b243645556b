/* intel_feed.h - live indicator updates from a Kafka topic (intel.kafka-topic).
 *
 * A consumer thread reads the topic from its beginning (every partition,
 * no consumer group: each sensor replays the whole add/remove log, so a
 * sensor started today knows what was pushed last week) and calls `apply`
 * with the whole list of updates received so far whenever new ones came.
 * Messages are lines "add,type,value[,source[,severity]]" or
 * "remove,type,value" (see intel.h).
 *
 * Threading: `apply` runs in the feed thread; it must publish the new set
 * itself (main.c does it the way a SIGHUP reload does). */
#ifndef TAISHI_INTEL_FEED_H
#define TAISHI_INTEL_FEED_H

#include <stddef.h>

#include "taishi/config/config.h"

typedef void (*intel_apply_fn)(void *arg, char *const *updates, size_t n);

struct intel_feed;
struct intel_feed *intel_feed_start(const struct config *cfg, intel_apply_fn apply, void *arg,
                                    char *err, size_t errlen);
void intel_feed_stop(struct intel_feed *f);

#endif
