/* fuzz_ike.c - the IKE parser (app_ike.c, app_ike_log.c): one UDP flow
 * (APP_UDP_FLOW), datagrams both ways.
 *
 * Input: byte 0 = flags, then segments behind 2-byte big-endian headers:
 *   flags bit 1      no app_flow_end() (the flow is freed mid-way)
 *   header bit 15    direction (1 = to client)
 *   header bit 14    NAT-T: the datagram gets a 4-byte zero non-ESP marker
 *                    in front (UDP 4500)
 *   low 12 bits      length (cut to what the input has left)
 * Invariants (abort() when violated): every tx as fuzz_app.h's fa_tx
 * checks it (buffers inside their data, strict JSON event body); the flow
 * state stays one allocation; memory back to its start after the free; the
 * same input run twice gives the same transcript. (Segmentation does not
 * apply: a datagram is one unit.) */
#include "fuzz_app.h"

static uint64_t run(const uint8_t *data, size_t size)
{
    static uint8_t dg[4096 + 4];
    int proto = app_registry_id("ike");
    struct app_stats st;
    struct fa_ctx c = { proto, 1469598103934665603ULL, 0 };
    struct app_sink sink = { fa_tx, &c, NULL };
    uint8_t flags = size ? data[0] : 0;
    size_t off = 1;

    memset(&st, 0, sizeof(st));
    struct app_flow *a = app_flow_new(proto, NULL, &st);
    FUZZ_ASSERT(a && app_flow_proto(a) == proto);
    uint64_t m1 = st.memory;
    while (off + 2 <= size) {
        unsigned hdr = (unsigned)data[off] << 8 | data[off + 1];
        off += 2;
        int dir = hdr >> 15, natt = (hdr >> 14) & 1;
        size_t len = hdr & 0x0fff;
        if (len > size - off)
            len = size - off;
        if (natt) {
            memset(dg, 0, 4);
            memcpy(dg + 4, data + off, len);
            app_flow_feed(a, dir, dg, len + 4, &sink);
        } else {
            app_flow_feed(a, dir, data + off, len, &sink);
        }
        FUZZ_ASSERT_MSG(st.memory == m1, "memory %llu", (unsigned long long)st.memory);
        off += len;
    }
    if (!(flags & 2))
        app_flow_end(a, &sink);
    app_flow_free(a);
    FUZZ_ASSERT(st.memory == 0);
    return c.hash ^ c.ntx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)fa_one;                       /* fuzz_app.h's segmented driver: not for datagrams */
    FUZZ_ASSERT_MSG(run(data, size) == run(data, size), "transcript differs between runs");
    return 0;
}
