/* capture.h - packet sources: pcap/pcapng files (and stdin), read by one
 * reader thread that decodes each frame, reassembles fragments and hands
 * every IP layer to the worker that owns its flow (capture_file.c; classic
 * pcap files through capture_pcap.h's reader); and live interfaces, where
 * each worker thread reads its own share of the traffic from the kernel
 * (capture_live.c, see there). Both turn a decoded layer into a worker's
 * packet with the same code (capture.c).
 *
 * Offline, hand-off is by batches: the reader copies each layer's bytes into
 * the owning worker's current batch; a full batch goes to the worker through
 * an SPSC ring and an empty one comes back through another. A reader that
 * finds no empty batch waits: offline replay applies backpressure and never
 * drops. Live capture has no batches and no rings.
 *
 * Batches (struct batch) are the workers' input and are defined with them
 * (worker.h); the counters (capture_stats) with the stats event (stats.h).
 *
 * Ownership: a batch belongs to whichever side last took it from a ring. */
#ifndef TAISHI_CAPTURE_H
#define TAISHI_CAPTURE_H

#include <stdint.h>

#include "taishi/decode/decode.h"
#include "taishi/decode/defrag.h"
#include "taishi/decode/packet.h"
#include "taishi/pipeline/stats.h"
#include "taishi/pipeline/worker.h"

#define CAPTURE_MAX_FRAME (256u * 1024u)   /* frames beyond this are cut to it */

struct worker;
struct config;
struct capture_file;

/* The offline reader (capture_file.c). Opens every file first, so a missing
 * or unreadable one fails before any event is written. "-" is stdin.
 * Returns NULL with a message in err. */
struct capture_file *capture_file_open(const struct config *cfg, char *const *paths, int n,
                                       char *err, size_t errlen);
/* Reads all files, feeding the workers; returns 0, or -1 if a file turned out
 * corrupt part-way (what came before it was processed; the message is logged). */
int capture_file_run(struct capture_file *c, struct worker **workers, int nworkers);
void capture_file_close(struct capture_file *c);
/* fn(arg, idle) runs in the reader thread after every frame and at the end
 * of each file (idle 0), and while stdin has nothing to read, every 100 ms
 * and on a signal (idle 1): where a reload (SIGHUP) can happen without a
 * lock. It is on the per-packet path: it must be cheap when there is
 * nothing to do. */
void capture_file_set_hook(struct capture_file *c, void (*fn)(void *arg, int idle), void *arg);
void capture_file_totals(const struct capture_file *c, struct capture_totals *t);

/* How the reader (and live capture) turns one IP layer of a decoded frame
 * into the packet a worker gets (bytes copied to dst, capture_layer_len of
 * them, offsets rebased); and a frame without IP layer into an
 * anomaly-only packet (capture_anomaly_len bytes). capture.c; the pipeline
 * fuzz target drives the same code. */
uint32_t capture_layer_len(const struct decoded *d, unsigned li);
void capture_layer_packet(const struct decoded *d, unsigned li, uint64_t cnt, uint64_t hash,
                          uint8_t *dst, struct packet *p);
uint32_t capture_anomaly_len(const struct decoded *d);
void capture_anomaly_packet(const struct decoded *d, const uint8_t *frame, uint64_t cnt,
                            uint8_t *dst, struct packet *p);

/* Live capture (capture_live.c). capture_live_open() opens one handle per
 * worker and interface, joined in one PACKET_FANOUT group per interface;
 * call it before dropping privileges. An interface that does not exist is an
 * error (exit 1); one that is down is retried. capture_live_start() runs the
 * capture loop in each worker's own thread; capture_live_stop() asks them to
 * stop (they drain what the kernel holds, end their flows and exit);
 * capture_live_join() waits for them. Totals are what the threads last
 * published (every 100 ms and at the end). */
struct capture_live;
struct capture_live *capture_live_open(const struct config *cfg, char *const *ifaces, int nifaces,
                                       int nworkers, char *err, size_t errlen);
int capture_live_start(struct capture_live *c, struct worker **workers);
void capture_live_stop(struct capture_live *c);
void capture_live_join(struct capture_live *c);
void capture_live_close(struct capture_live *c);
void capture_live_totals(struct capture_live *c, struct capture_totals *t);

#endif
