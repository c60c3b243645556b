/* spool.h - the bounded on-disk queue behind the Kafka output.
 *
 * Events Kafka could not take (full local queue, failed delivery, broker
 * down, shutdown with messages still queued) are appended here and replayed
 * in order when the broker is back. A spool is a directory of segment files
 * (spool-00000001.dat, ...), each a run of records
 *     u32 magic "TSP1" | u32 payload length | u32 CRC-32 | u8 family | u64 key | payload
 * written in batches and fsync'd by the output thread; a record cut short
 * by a crash fails its length or CRC check and ends the segment there.
 * Only a full spool (spool-max) drops events; it counts them.
 *
 * Threading: spool_append may be called from any thread (a mutex guards a
 * memory buffer: workers only copy into it); flushing and replay belong to
 * the one output thread. */
#ifndef TAISHI_SPOOL_H
#define TAISHI_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct spool_stats {
    uint64_t appended, dropped, bytes, segments;
};

struct spool;
/* Creates dir if needed; finds segments a previous run left. */
struct spool *spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen);
/* Returns 0, or -1 when the spool is full and the record was dropped. */
int spool_append(struct spool *s, uint8_t family, uint64_t key, const void *payload, size_t len);
/* Writes buffered records to disk and fsyncs (output thread). */
void spool_flush(struct spool *s);
/* Nonzero while anything is spooled (on disk or buffered). */
int spool_nonempty(struct spool *s);

/* Replay, oldest segment first (output thread). spool_replay_open loads the
 * oldest segment (closing the one being written if it is the only one) and
 * returns its id, or 0 when there is nothing to replay. */
uint32_t spool_replay_open(struct spool *s);
/* Next record of the open segment: 1 and the record, or 0 at its end.
 * Records are numbered 0, 1, ... in the order they are handed out. The
 * payload stays valid until spool_replay_close. */
int spool_replay_next(struct spool *s, uint8_t *family, uint64_t *key, const void **payload,
                      size_t *len);
/* delivered[i] says whether record i reached the broker. All delivered: the
 * segment file is removed; some: it is rewritten with only the others (so a
 * later replay sends no duplicates); none: it stays as it is. */
void spool_replay_close(struct spool *s, const uint8_t *delivered);

void spool_stats(struct spool *s, struct spool_stats *st);
void spool_close(struct spool *s);

#endif
