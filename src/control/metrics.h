/* metrics.h - GET /metrics over HTTP (metrics.listen), with libmicrohttpd.
 *
 * The control side renders the text (pipeline/stats_prom.c) from published
 * counters and hands it here with metrics_publish(); the HTTP thread only
 * copies the last text under a mutex, so no client, however slow or
 * numerous, can hold up a worker or the main thread for longer than a copy.
 *
 * Ownership: metrics_start() starts libmicrohttpd's thread (started, like
 * every other thread, with the handled signals blocked); metrics_stop()
 * stops and joins it and frees everything; NULL is a no-op. */
#ifndef TAISHI_METRICS_H
#define TAISHI_METRICS_H

#include <stddef.h>

struct metrics;
/* listen: "host:port" or "[v6addr]:port". NULL with the reason in err. */
struct metrics *metrics_start(const char *listen, char *err, size_t errlen);
void metrics_publish(struct metrics *m, const char *text, size_t len);
void metrics_stop(struct metrics *m);

#endif
