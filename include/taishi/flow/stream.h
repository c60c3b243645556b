/* stream.h - TCP reassembly: each direction of a flow as in-order bytes.
 *
 * A segment that arrives in order is handed on at once, with no copy (the
 * `deliver` callback sees the packet's own bytes); only out-of-order
 * segments are copied, into a per-direction queue kept sorted by sequence
 * number. Each byte is delivered once, from the first segment delivered
 * that covers it: a retransmission or an overlap gives only its new tail.
 * Queued segments go out in the order of their start (of two with the same
 * start, the longer is kept). The queue is bounded per direction
 * (stream.ooo-max-bytes / -segments) and per worker (stream.memcap): at a
 * bound the oldest hole is given up on, the `gap` callback says how many
 * bytes are missing, and delivery goes on from the queued data; a segment
 * that cannot be queued even then is lost with the hole before it (one
 * gap). A segment more than 16 MiB ahead is ignored. A flow picked up
 * mid-stream starts at its first seen segment. Sequence arithmetic is
 * modulo 2^32; stream offsets are 64-bit.
 *
 * Ownership: a struct stream belongs to one flow of one worker; the queued
 * segments are its own and are freed by stream_free (or as delivered).
 * stream_ctx (limits, counters) belongs to the worker; the callbacks come
 * with each call. */
#ifndef TAISHI_STREAM_H
#define TAISHI_STREAM_H

#include <stddef.h>
#include <stdint.h>

struct stream_seg;

struct stream_dir {
    uint32_t next_seq;          /* next expected sequence number */
    uint32_t isn;               /* sequence number of stream offset 0 */
    uint64_t offset;            /* stream offset of next_seq (bytes delivered + gaps) */
    struct stream_seg *ooo;     /* queued out-of-order segments, by sequence */
    uint32_t ooo_bytes;
    uint16_t ooo_segs;
    uint8_t init;               /* next_seq is known */
    uint8_t fin;                /* a FIN or RST was seen */
};

struct stream {
    struct stream_dir d[2];     /* [0] to server, [1] to client */
};

struct stream_stats {
    uint64_t segments, bytes;   /* payload segments and bytes delivered in order */
    uint64_t ooo_segments;      /* segments that had to be queued */
    uint64_t retransmits;       /* segments entirely already delivered or queued, or
                                 * too far ahead */
    uint64_t overlaps;          /* segments partly already delivered */
    uint64_t gaps, gap_bytes;   /* holes given up on */
    uint64_t queue_limit;       /* holes given up on because of a bound */
    uint64_t memory;            /* bytes of queued segments now */
};

/* deliver: len in-order bytes at stream offset off of direction dir.
 * gap: len bytes at stream offset off will never come. */
struct stream_cb {
    void (*deliver)(void *ud, int dir, const uint8_t *data, uint32_t len, uint64_t off);
    void (*gap)(void *ud, int dir, uint64_t off, uint64_t len);
    void *ud;
};

struct stream_ctx {
    uint32_t ooo_max_bytes;     /* per direction */
    uint32_t ooo_max_segs;      /* per direction */
    uint64_t memcap;            /* per worker, all queued segments */
    struct stream_stats st;
};

void stream_ctx_init(struct stream_ctx *c, uint32_t ooo_max_bytes, uint32_t ooo_max_segs,
                     uint64_t memcap);

/* One TCP segment of direction dir: seq, flags (TCP_SYN...), payload. */
void stream_segment(struct stream_ctx *c, struct stream *s, int dir, uint32_t seq, uint8_t flags,
                    const uint8_t *payload, uint32_t len, const struct stream_cb *cb);
/* The flow ends: queued data after holes is delivered (holes as gaps). */
void stream_flush(struct stream_ctx *c, struct stream *s, const struct stream_cb *cb);
void stream_free(struct stream_ctx *c, struct stream *s);

#endif
