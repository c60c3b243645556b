/* fuzz_dhcp.c - the DHCP parser (app_dhcp.c): every segment of the input
 * (fuzz_app.h's format; directions and gaps aside) is one UDP datagram,
 * with flags bit 2 the extended form. Invariants: fuzz_app.h's per-tx
 * checks (buffers, strict JSON of the event body), nothing held. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct app_stats st;
    struct app_limits lim;
    int id = app_registry_id("dhcp");
    struct fa_ctx c = { id, 1469598103934665603ULL, 0 };
    struct app_sink sink = { fa_tx, &c };
    uint8_t flags = size ? data[0] : 0;

    memset(&st, 0, sizeof(st));
    fa_limits(flags, &lim);
    lim.dhcp_extended = (flags >> 2) & 1;
    for (size_t off = 1; off + 2 <= size;) {
        unsigned hdr = (unsigned)data[off] << 8 | data[off + 1];
        size_t len = hdr & 0x0fff;
        off += 2;
        if (len > size - off)
            len = size - off;
        app_datagram(id, data + off, len, hdr >> 15, &lim, &st, &sink);
        off += len;
    }
    FUZZ_ASSERT(st.memory == 0);
    (void)fa_one;
    return 0;
}
