/* capture.h - packet sources. Today: pcap/pcapng files (and stdin), read by
 * one reader thread that decodes each frame, reassembles fragments and hands
 * every IP layer to the worker that owns its flow.
 *
 * Hand-off is by batches: the reader copies each layer's bytes into the
 * owning worker's current batch; a full batch goes to the worker through an
 * SPSC ring and an empty one comes back through another. A reader that finds
 * no empty batch waits: offline replay applies backpressure and never drops.
 *
 * Ownership: a batch belongs to whichever side last took it from a ring. */
#ifndef TAISHI_CAPTURE_H
#define TAISHI_CAPTURE_H

#include <stdint.h>

#include "taishi/decode.h"
#include "taishi/defrag.h"
#include "taishi/packet.h"

#define BATCH_PKTS  256
#define BATCH_BYTES (512u * 1024u)
#define CAPTURE_MAX_FRAME (256u * 1024u)   /* frames beyond this are cut to it */

struct batch {
    uint32_t n, used;
    uint64_t clock_ns;          /* reader's packet clock when the batch was sent */
    int end;                    /* last batch: flush everything and stop */
    struct packet pkts[BATCH_PKTS];
    uint8_t data[BATCH_BYTES];
};

struct capture_stats {
    uint64_t files, packets, bytes, read_errors, oversized;
    uint64_t last_ts_ns;        /* packet clock at the end */
    uint64_t reader_waits;      /* times the reader waited for a worker (backpressure) */
};

struct worker;
struct config;
struct capture;

/* Opens every file first, so a missing or unreadable one fails before any
 * event is written. "-" is stdin. Returns NULL with a message in err. */
struct capture *capture_open_files(const struct config *cfg, char *const *paths, int n,
                                   char *err, size_t errlen);
/* Reads all files, feeding the workers; returns 0, or -1 if a file turned out
 * corrupt part-way (what came before it was processed; the message is logged). */
int capture_run(struct capture *c, struct worker **workers, int nworkers);
void capture_close(struct capture *c);
/* fn(arg) runs in the reader thread every few thousand packets and between
 * files: where a reload (SIGHUP) can happen without a lock. */
void capture_set_hook(struct capture *c, void (*fn)(void *arg), void *arg);
/* How the reader turns one IP layer of a decoded frame into the packet a
 * worker gets (bytes copied to dst, capture_layer_len of them, offsets
 * rebased); and a frame without IP layer into an anomaly-only packet
 * (capture_anomaly_len bytes). The fuzz harness drives the same code. */
uint32_t capture_layer_len(const struct decoded *d, unsigned li);
void capture_layer_packet(const struct decoded *d, unsigned li, uint64_t cnt, uint64_t hash,
                          uint8_t *dst, struct packet *p);
uint32_t capture_anomaly_len(const struct decoded *d);
void capture_anomaly_packet(const struct decoded *d, const uint8_t *frame, uint64_t cnt,
                            uint8_t *dst, struct packet *p);
const struct capture_stats *capture_stats(const struct capture *c);
const struct decode_stats *capture_decode_stats(const struct capture *c);
const struct defrag_stats *capture_defrag_stats(const struct capture *c);

#endif
