/* spool.h - the write-ahead log (WAL) behind the Kafka output.
 *
 * Every event bound for Kafka is appended here before it is produced (see
 * output_kafka.c for the producer's side). The spool is a directory:
 *     wal-00000001.log, wal-00000002.log, ...   segments, append-only
 *     commit                                    the committed position
 * A segment is a run of records, each
 *     u32 magic "TSW1" | u32 payload length | u32 CRC-32 | u8 family |
 *     u64 key | u64 seq | payload
 * (little-endian; SPOOL_HDR = 29 bytes). The CRC covers the length, the
 * family, the key, the seq and the payload, so a damaged header is caught
 * as surely as a damaged payload; a reader that meets a bad record counts
 * it and resynchronises on the next magic whose record checks out, and a
 * record cut short at the end of a closed segment is counted the same way.
 *
 * seq: a per-family (per-topic) counter that continues across restarts:
 * the next value is kept in the commit file and recomputed at start-up from
 * the records still in the segments (the larger wins).
 *
 * The commit file holds two slots (written alternately, each with a
 * generation and a CRC, fsync'd), so a crash while writing one leaves the
 * other: the position up to which everything was delivered, the reader's
 * state at that position (next expected seq and cumulative drops per
 * family) and the seq counters. Segments wholly before the committed
 * position are deleted after the commit is on disk.
 *
 * Bounds: spool_enforce() deletes the oldest segments while the spool is
 * over max_bytes, delivered or not: the records lost that way show up as
 * seq gaps to the reader, which counts them (output_kafka.c).
 *
 * Threading: spool_append (workers) and everything else (the output
 * thread) share one mutex that guards the segment table and the active
 * file; no call fsyncs while holding it, and no worker ever fsyncs: a
 * worker's cost is one write() of its chunk into the page cache. A write
 * that fails (disk full or failing) is given up at once: the chunk is then
 * "memory only" (see spool_wpos) and the disk is retried a second later. */
#ifndef TAISHI_SPOOL_H
#define TAISHI_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_HDR        29u
#define SPOOL_RECORD_MAX (1u << 20)
#define SPOOL_FAMILIES   8              /* family values 0..7 (enum kafka_family) */

/* A place in the log: segment id (0 = none) and byte offset in it. */
struct spool_pos {
    uint32_t seg, off;
};

static inline int spool_pos_cmp(struct spool_pos a, struct spool_pos b)
{
    return a.seg != b.seg ? (a.seg < b.seg ? -1 : 1) : a.off != b.off ? (a.off < b.off ? -1 : 1) : 0;
}

struct spool_rec {
    uint8_t family;
    uint64_t key, seq;
    const uint8_t *payload;
    uint32_t len;
};

/* --- The record format (pure functions; the fuzz target drives these) --- */

/* Writes the header of a record whose payload (len bytes) already follows
 * hdr, with seq 0 and a partial CRC (the payload's; with crc == 0 none: a
 * record that never goes to disk); spool_append fills in the seq and
 * finishes the CRC under its lock. len <= SPOOL_RECORD_MAX. */
void spool_rec_start(uint8_t *hdr, uint8_t family, uint64_t key, uint32_t len, int crc);
/* Sets the seq of a started record and finishes its CRC. */
void spool_rec_finish(uint8_t *hdr, uint64_t seq);
/* The next valid record of buf[*off, len). 1: *r set, *off past it. 0: no
 * whole record before len; *off is where one may start (a record that
 * continues past len, or len itself): at the end of a closed segment, bytes
 * left there are a record cut short. Damaged stretches skipped on the way
 * add 1 each to *damaged. Reads nothing outside buf[0, len). */
int spool_next(const uint8_t *buf, size_t len, size_t *off, struct spool_rec *r, unsigned *damaged);

/* --- The log --- */

/* The reader's state at a position: see output_kafka.c. */
struct spool_commit {
    struct spool_pos pos;
    uint64_t expected[SPOOL_FAMILIES];  /* next seq the reader expects */
    uint64_t dropped[SPOOL_FAMILIES];   /* seqs found missing so far (cumulative) */
};

/* Where a chunk went: prev = the log's end before it, [start, end) = its
 * bytes. start.seg == 0: not written (memory only). */
struct spool_wpos {
    struct spool_pos prev, start, end;
};

struct spool_stats {
    uint64_t appended, bytes, segments, segments_dropped, write_errors;
    uint64_t damaged;                   /* found by the start-up scan */
};

struct spool;
/* Creates dir if needed; reads the commit file (into *c, zero if none),
 * scans the segments after it (the seq counters, damage), deletes
 * segments wholly delivered, and moves records of an older spool format
 * (spool-*.dat) into the log. NULL with a message in err. */
struct spool *spool_open(const char *dir, uint64_t max_bytes, struct spool_commit *c, char *err,
                         size_t errlen);
/* Assigns the next seq of its family to each of the nrec records of buf
 * (built with spool_rec_start), finishes them, and (to_disk) appends them
 * with one write(). Then calls then(arg, w) under the same lock, so that
 * whatever then() queues is in log order. Returns 0, or -1 when the chunk
 * is not on disk (w->start.seg == 0; counted). Never fsyncs. */
int spool_append(struct spool *s, uint8_t *buf, size_t len, int to_disk,
                 void (*then)(void *arg, const struct spool_wpos *w), void *arg);
/* Reads log bytes from *pos on (at most max): a malloc'd block with
 * `prefix` spare bytes in front (the caller's header), *len bytes of log
 * at buf + prefix. *pos moves to the start of the next segment that exists
 * when its own is gone or read to its end. *seg_end: the block ends where
 * its segment ends for good (bytes of a cut record left there are damage).
 * NULL when there is nothing (yet) to read at *pos. */
void *spool_read(struct spool *s, struct spool_pos *pos, size_t prefix, size_t max, size_t *len,
                 int *seg_end);
/* The log's end now: where the next record would go. */
struct spool_pos spool_end(struct spool *s);
/* fsyncs what was written since the last call (output thread). */
void spool_sync(struct spool *s);
/* Persists c (with the seq counters), then deletes the segments wholly
 * before c->pos (and the one it ends, if closed). */
void spool_commit(struct spool *s, const struct spool_commit *c);
/* Deletes the oldest segments while the spool is over its bound; returns
 * how many. */
unsigned spool_enforce(struct spool *s);
/* Stops appending to the current segment (at close: so that it can be
 * deleted once delivered). */
void spool_seal(struct spool *s);
/* The next seq of each family (what the next record would get). */
void spool_next_seqs(struct spool *s, uint64_t *next);
void spool_stats(struct spool *s, struct spool_stats *st);
void spool_close(struct spool *s);

#endif
