/* stream.c - TCP reassembly into in-order bytes per direction (stream.h).
 *
 * The common case costs nothing: a segment at next_seq is delivered straight
 * from the packet. A segment ahead of next_seq is copied into the direction's
 * queue (sorted; a single malloc per segment, header and bytes together).
 * After each in-order delivery the queue's head is drained while it touches
 * next_seq. Bytes before next_seq are never delivered twice: a retransmitted
 * or overlapping segment gives only its new tail (what was delivered first
 * wins).
 *
 * Bounds: a segment more than STREAM_MAX_AHEAD beyond next_seq is not
 * queued (a broken or hostile sequence number); at a queue bound the hole
 * before the queue's head is declared a gap and the queue drains from there,
 * so memory stays bounded whatever order segments come in. */
#include <stdlib.h>
#include <string.h>

#include "taishi/core/compiler.h"
#include "taishi/decode/packet.h"
#include "taishi/flow/stream.h"
#include "taishi/core/util.h"

#define STREAM_MAX_AHEAD (16u << 20)    /* bytes beyond next_seq a queued segment may start */

struct stream_seg {
    struct stream_seg *next;
    uint32_t seq, len;
    uint8_t data[];
};

static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

void stream_ctx_init(struct stream_ctx *c, uint32_t ooo_max_bytes, uint32_t ooo_max_segs,
                     uint64_t memcap)
{
    memset(c, 0, sizeof(*c));
    c->ooo_max_bytes = ooo_max_bytes;
    c->ooo_max_segs = ooo_max_segs;
    c->memcap = memcap;
}

static void seg_free(struct stream_ctx *c, struct stream_dir *d, struct stream_seg *g)
{
    d->ooo_bytes -= g->len;
    d->ooo_segs--;
    c->st.memory -= sizeof(*g) + g->len;
    free(g);
}

/* Delivers data starting at sequence seq, skipping what was delivered. */
static void deliver(struct stream_ctx *c, struct stream_dir *d, int dir, uint32_t seq,
                    const uint8_t *data, uint32_t len, const struct stream_cb *cb)
{
    int32_t behind = seq_diff(d->next_seq, seq);

    if (behind > 0) {
        if ((uint32_t)behind >= len) {
            c->st.retransmits++;
            return;
        }
        c->st.overlaps++;
        data += behind;
        len -= (uint32_t)behind;
    }
    c->st.segments++;
    c->st.bytes += len;
    uint64_t off = d->offset;
    d->next_seq += len;
    d->offset += len;
    if (cb->deliver)
        cb->deliver(cb->ud, dir, data, len, off);
}

/* Delivers queued segments that now touch next_seq. */
static void drain(struct stream_ctx *c, struct stream_dir *d, int dir, const struct stream_cb *cb)
{
    struct stream_seg *g;

    while ((g = d->ooo) && seq_diff(g->seq, d->next_seq) <= 0) {
        d->ooo = g->next;
        deliver(c, d, dir, g->seq, g->data, g->len, cb);
        seg_free(c, d, g);
    }
}

/* Gives up on the hole before the queue's head and delivers from there. */
static void skip_hole(struct stream_ctx *c, struct stream_dir *d, int dir,
                      const struct stream_cb *cb)
{
    if (!d->ooo)
        return;
    uint32_t hole = (uint32_t)seq_diff(d->ooo->seq, d->next_seq);
    c->st.gaps++;
    c->st.gap_bytes += hole;
    if (cb->gap)
        cb->gap(cb->ud, dir, d->offset, hole);
    d->next_seq += hole;
    d->offset += hole;
    drain(c, d, dir, cb);
}

static void enqueue(struct stream_ctx *c, struct stream_dir *d, uint32_t seq, const uint8_t *data,
                    uint32_t len)
{
    struct stream_seg **pp = &d->ooo;

    while (*pp && seq_diff((*pp)->seq, seq) < 0)
        pp = &(*pp)->next;
    /* The same start again (a retransmitted out-of-order segment): one no
     * longer than the queued copy is dropped; a longer one goes in front of
     * it, so its bytes win and the old copy is dropped when reached. */
    if (*pp && (*pp)->seq == seq && (*pp)->len >= len) {
        c->st.retransmits++;
        return;
    }
    struct stream_seg *g = xmalloc(sizeof(*g) + len);
    g->seq = seq;
    g->len = len;
    memcpy(g->data, data, len);
    g->next = *pp;
    *pp = g;
    d->ooo_bytes += len;
    d->ooo_segs++;
    c->st.memory += sizeof(*g) + len;
    c->st.ooo_segments++;
}

void stream_segment(struct stream_ctx *c, struct stream *s, int dir, uint32_t seq, uint8_t flags,
                    const uint8_t *payload, uint32_t len, const struct stream_cb *cb)
{
    struct stream_dir *d = &s->d[dir & 1];

    if (!d->init) {
        d->init = 1;
        d->isn = (flags & TCP_SYN) ? seq + 1 : seq;
        d->next_seq = d->isn;
    }
    if (flags & (TCP_FIN | TCP_RST))
        d->fin = 1;
    if (flags & TCP_SYN)
        seq++;                  /* the SYN takes one sequence number; data follows */
    if (!len)
        return;
    int32_t ahead = seq_diff(seq, d->next_seq);
    if (ahead <= 0) {
        deliver(c, d, dir, seq, payload, len, cb);
        drain(c, d, dir, cb);
        return;
    }
    if ((uint32_t)ahead > STREAM_MAX_AHEAD) {
        c->st.retransmits++;    /* far outside any window: not ours to keep */
        return;
    }
    /* Out of order: queue it, within the bounds. */
    while (d->ooo && (d->ooo_bytes + len > c->ooo_max_bytes || d->ooo_segs + 1u > c->ooo_max_segs ||
                      c->st.memory + len + sizeof(struct stream_seg) > c->memcap)) {
        c->st.queue_limit++;
        skip_hole(c, d, dir, cb);
        ahead = seq_diff(seq, d->next_seq);
        if (ahead <= 0) {
            deliver(c, d, dir, seq, payload, len, cb);
            drain(c, d, dir, cb);
            return;
        }
    }
    if (len > c->ooo_max_bytes || c->st.memory + len + sizeof(struct stream_seg) > c->memcap) {
        /* Nothing queued and still no room: the hole and this segment are lost to us. */
        c->st.queue_limit++;
        c->st.gaps++;
        c->st.gap_bytes += (uint64_t)ahead + len;
        if (cb->gap)
            cb->gap(cb->ud, dir, d->offset, (uint64_t)ahead + len);
        d->next_seq = seq + len;
        d->offset += (uint64_t)ahead + len;
        return;
    }
    enqueue(c, d, seq, payload, len);
}

void stream_flush(struct stream_ctx *c, struct stream *s, const struct stream_cb *cb)
{
    for (int dir = 0; dir < 2; dir++)
        while (s->d[dir].ooo)
            skip_hole(c, &s->d[dir], dir, cb);
}

void stream_free(struct stream_ctx *c, struct stream *s)
{
    for (int dir = 0; dir < 2; dir++) {
        struct stream_dir *d = &s->d[dir];
        while (d->ooo) {
            struct stream_seg *g = d->ooo;
            d->ooo = g->next;
            seg_free(c, d, g);
        }
    }
}
