/* decode_template.c - the scaffold for a new decoder. Copy it, rename
 * "template" to your protocol, and wire the call from the layer below
 * (an EtherType in decode_l2_ethertype(), an IP protocol in decode_l4(), a UDP
 * port in decode_tunnel_udp()). It is compiled but not called.
 *
 * The rules every decoder follows:
 *   1. NEED(n, EV_...) before reading n bytes at buf + off: `end - off` is
 *      all you may read, and `end` is the end of the enclosing datagram, not
 *      of the capture. Never read first and check after.
 *   2. Malformed input: `return decode_event(c, EV_YOURPROTO_...)`; add the
 *      event to DECODE_EVENTS in decode.h with a Suricata-style name. No
 *      logging, no abort: the counter and the anomaly event are the report.
 *   3. Count what you decoded in struct decode_stats.
 *   4. No allocation, no state outside `c`: decoders run on attacker bytes
 *      at line rate.
 *   5. A tunnel calls decode_tunnel_enter() (which enforces the depth cap)
 *      before decoding its inner packet.
 *   6. Unit tests go in tests/unit/test_decode.c: the well-formed frame, every
 *      truncation of it against the guard page, and each malformation.
 *   7. Names: a decoder in its own decode_X.c is decode_X() (more exported
 *      ones decode_X_*); one added to an existing file takes that file's
 *      prefix, or is static when only that file calls it. */
#include "decode_internal.h"

/* Example header: 1 byte version, 1 byte flags, 2 bytes EtherType of the
 * payload, then the payload. */
int decode_template(struct dctx *c, const uint8_t *buf, uint32_t end, uint32_t off)
{
    NEED(4, EV_LINK_TRUNC);                 /* 1. validate the length */
    const uint8_t *h = buf + off;           /* 2. take the layer */
    if (h[0] != 1)                          /* 3. check what must hold */
        return 0;                           /*    not ours: leave it, no anomaly */
    uint16_t next = rd16(h + 2);
    return decode_l2_ethertype(c, buf, end, off + 4, next);   /* 4. next decoder */
}
