/* test_stream.c - TCP reassembly (stream.h): the bytes delivered must be
 * the stream in order, each byte once, whatever order, overlap and
 * retransmission the segments come with; bounds turn holes into gaps.
 *
 * A stream is a byte pattern; segments are cut from it by offset and
 * length, fed in a chosen order, and what the callbacks saw is compared
 * with the pattern. */
#include <stdint.h>
#include <string.h>

#include "taishi/decode/packet.h"
#include "taishi/flow/stream.h"
#include "unit.h"

#define ISN 0xfffffff0u             /* wraps within the first segments */

static uint8_t pat[1 << 16];
static uint8_t got[1 << 17];
static uint64_t got_len, gap_total, gaps, last_off_ok = 1;

static void on_data(void *ud, int dir, const uint8_t *d, uint32_t len, uint64_t off)
{
    (void)ud;
    (void)dir;
    if (off != got_len + gap_total)
        last_off_ok = 0;
    if (got_len + len <= sizeof(got))
        memcpy(got + got_len, d, len);
    got_len += len;
}

static void on_gap(void *ud, int dir, uint64_t off, uint64_t len)
{
    (void)ud;
    (void)dir;
    (void)off;
    gaps++;
    gap_total += len;
}

static const struct stream_cb cb = { on_data, on_gap, NULL };

static void reset(void)
{
    got_len = gap_total = gaps = 0;
    last_off_ok = 1;
}

static void seg(struct stream_ctx *c, struct stream *s, uint32_t off, uint32_t len)
{
    stream_segment(c, s, 0, ISN + 1 + off, TCP_ACK, pat + off, len, &cb);
}

int main(void)
{
    for (size_t i = 0; i < sizeof(pat); i++)
        pat[i] = (uint8_t)(i * 7 + i / 251);
    struct stream_ctx c;
    struct stream s;

    /* In order, across the 2^32 wrap. */
    stream_ctx_init(&c, 1 << 20, 1024, 1 << 24);
    memset(&s, 0, sizeof(s));
    reset();
    stream_segment(&c, &s, 0, ISN, TCP_SYN, NULL, 0, &cb);
    for (uint32_t o = 0; o < 3000; o += 100)
        seg(&c, &s, o, 100);
    CHECK_EQ_U(got_len, 3000);
    CHECK(!memcmp(got, pat, 3000));
    CHECK(last_off_ok);
    CHECK_EQ_U(c.st.ooo_segments, 0);

    /* Reversed order: everything queued, then delivered once the first arrives. */
    memset(&s, 0, sizeof(s));
    reset();
    stream_segment(&c, &s, 0, ISN, TCP_SYN, NULL, 0, &cb);
    for (int o = 2900; o >= 0; o -= 100)
        seg(&c, &s, (uint32_t)o, 100);
    CHECK_EQ_U(got_len, 3000);
    CHECK(!memcmp(got, pat, 3000));
    CHECK_EQ_U(c.st.memory, 0);
    CHECK_EQ_U(s.d[0].ooo_segs, 0);

    /* Retransmissions and overlaps: each byte once, first seen wins. */
    memset(&s, 0, sizeof(s));
    reset();
    stream_ctx_init(&c, 1 << 20, 1024, 1 << 24);
    stream_segment(&c, &s, 0, ISN, TCP_SYN, NULL, 0, &cb);
    seg(&c, &s, 0, 100);
    seg(&c, &s, 0, 100);            /* retransmit */
    seg(&c, &s, 50, 100);           /* overlap: 50 new bytes */
    seg(&c, &s, 300, 100);          /* ahead */
    seg(&c, &s, 250, 100);          /* ahead, overlaps the queued one */
    seg(&c, &s, 150, 120);          /* fills the hole */
    CHECK_EQ_U(got_len, 400);
    CHECK(!memcmp(got, pat, 400));
    CHECK_EQ_U(c.st.retransmits, 1);
    CHECK(c.st.overlaps >= 2);
    CHECK_EQ_U(c.st.memory, 0);

    /* A hole that never fills: flush delivers what came after, as a gap. */
    memset(&s, 0, sizeof(s));
    reset();
    stream_segment(&c, &s, 0, ISN, TCP_SYN, NULL, 0, &cb);
    seg(&c, &s, 0, 100);
    seg(&c, &s, 200, 100);
    CHECK_EQ_U(got_len, 100);
    stream_flush(&c, &s, &cb);
    CHECK_EQ_U(got_len, 200);
    CHECK_EQ_U(gap_total, 100);
    CHECK(!memcmp(got + 100, pat + 200, 100));
    CHECK(last_off_ok);
    stream_free(&c, &s);

    /* Bounds: at most 4 queued segments per direction; the 5th gives up the hole. */
    stream_ctx_init(&c, 1 << 20, 4, 1 << 24);
    memset(&s, 0, sizeof(s));
    reset();
    stream_segment(&c, &s, 0, ISN, TCP_SYN, NULL, 0, &cb);
    for (uint32_t o = 100; o <= 500; o += 100)
        seg(&c, &s, o, 100);        /* 0..99 never comes */
    CHECK_EQ_U(gaps, 1);
    CHECK_EQ_U(gap_total, 100);
    CHECK_EQ_U(got_len, 500);
    CHECK(!memcmp(got, pat + 100, 500));
    CHECK(c.st.queue_limit >= 1);
    CHECK_EQ_U(c.st.memory, 0);

    /* The memory cap holds whatever order 10,000 segments come in. */
    stream_ctx_init(&c, 1 << 20, 65535, 64 * 1024);
    memset(&s, 0, sizeof(s));
    reset();
    stream_segment(&c, &s, 0, ISN, TCP_SYN, NULL, 0, &cb);
    uint64_t peak = 0;
    for (uint32_t i = 0; i < 10000; i++) {
        uint32_t o = 1 + (i * 7919u) % 60000u;      /* scattered, never offset 0 */
        seg(&c, &s, o, 50);
        if (c.st.memory > peak)
            peak = c.st.memory;
    }
    CHECK(peak <= 64 * 1024);
    CHECK(c.st.queue_limit > 0);
    stream_free(&c, &s);
    CHECK_EQ_U(c.st.memory, 0);

    /* Mid-stream pickup: no SYN, the first segment starts the stream. */
    memset(&s, 0, sizeof(s));
    reset();
    stream_segment(&c, &s, 1, 5000, TCP_ACK, pat, 10, &cb);
    stream_segment(&c, &s, 1, 5010, TCP_ACK | TCP_FIN, pat + 10, 10, &cb);
    CHECK_EQ_U(got_len, 20);
    CHECK(s.d[1].fin);
    /* A segment far outside the window is not queued. */
    stream_segment(&c, &s, 1, 5020 + (64u << 20), TCP_ACK, pat, 10, &cb);
    CHECK_EQ_U(s.d[1].ooo_segs, 0);
    return unit_done("stream");
}
