/* fuzz_quic.c - the QUIC parser (app_quic.c, app_quic_crypto.c, Google
 * QUIC's headers, frames and CHLO tag tables in app_quic_gquic.c, and the
 * hellos through app_tls_hello.c): one UDP flow, datagrams both ways.
 *
 * Input: byte 0 = flags, then segments behind 2-byte big-endian headers:
 *   flags bit 1      no app_flow_end() (the flow is freed mid-way)
 *   flags bits 2-3   version of sealed Initials: v1, draft-29, v2, Q050
 *                    (Q050: the plaintext is Google QUIC frames, CHLOs
 *                    in CRYPTO 0x08 or STREAM frames; clear gQUIC
 *                    packets, Q043 public or Q044-Q046 long headers, come
 *                    as unsealed datagrams)
 *   header bit 15    direction (1 = to client)
 *   header bit 14    seal: the bytes are the plaintext frames of an
 *                    Initial, sealed here (quic_seal) with the keys of a
 *                    fixed DCID, so the fuzzer reaches the frames, the
 *                    CRYPTO reassembly and the hello parser (random bytes
 *                    would never authenticate); else the bytes are the
 *                    datagram as sent
 *   low 12 bits      length (cut to what the input has left)
 * Invariants (abort() when violated): every tx as fuzz_app.h's fa_tx
 * checks it (buffers inside their data, strict JSON event body); the
 * parser's memory is bounded while the flow lives and back to its start
 * after the free. (Segmentation does not apply: a datagram is one unit.) */
#include "fuzz_app.h"
#include "app/app_quic_crypto.h"

static size_t seal(int dir, uint32_t version, const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    static const uint8_t dcid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint8_t hdr[32];
    size_t h = 0;
    unsigned type = version == QUIC_V2 ? 1 : 0;
    uint8_t pad[1200];

    if (n < 20) {                       /* room for the header-protection sample */
        memset(pad, 0, sizeof(pad));
        memcpy(pad, p, n);
        p = pad;
        n = 20;
    }
    hdr[h++] = (uint8_t)(0xc0 | type << 4 | 3);
    hdr[h++] = (uint8_t)(version >> 24);
    hdr[h++] = (uint8_t)(version >> 16);
    hdr[h++] = (uint8_t)(version >> 8);
    hdr[h++] = (uint8_t)version;
    hdr[h++] = 8;                       /* the client's DCID; the server answers to it */
    memcpy(hdr + h, dcid, 8);
    h += 8;
    hdr[h++] = 0;                       /* no SCID */
    if (!dir)
        hdr[h++] = 0;                   /* no token */
    else
        hdr[h++] = 0;
    size_t len = 4 + n + 16;
    hdr[h++] = (uint8_t)(0x40 | len >> 8);
    hdr[h++] = (uint8_t)len;
    memset(hdr + h, 0, 4);              /* packet number 0 */
    h += 4;
    struct quic_keys k;
    if (quic_initial_keys(version, dcid, 8, dir, &k) < 0)
        return 0;
    long r = quic_seal(&k, hdr, h, 4, 0, p, n, out, cap);
    return r > 0 ? (size_t)r : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t versions[4] = { QUIC_V1, QUIC_DRAFT29, QUIC_V2, QUIC_Q050 };
    static uint8_t dg[8192];
    int proto = app_registry_id("quic");
    (void)fa_one;                       /* fuzz_app.h's segmented driver: not for datagrams */
    struct app_stats st;
    struct fa_ctx c = { proto, 1469598103934665603ULL, 0 };
    struct app_sink sink = { fa_tx, &c, NULL };
    uint8_t flags = size ? data[0] : 0;
    uint32_t version = versions[(flags >> 2) & 3];
    size_t off = 1;

    memset(&st, 0, sizeof(st));
    struct app_flow *a = app_flow_new(proto, NULL, &st);
    FUZZ_ASSERT(a && app_flow_proto(a) == proto);
    while (off + 2 <= size) {
        unsigned hdr = (unsigned)data[off] << 8 | data[off + 1];
        off += 2;
        int dir = hdr >> 15, sealed = (hdr >> 14) & 1;
        size_t len = hdr & 0x0fff;
        if (len > size - off)
            len = size - off;
        if (sealed) {
            size_t n = seal(dir, version, data + off, len, dg, sizeof(dg));
            if (n)
                app_flow_feed(a, dir, dg, n, &sink);
        } else {
            app_flow_feed(a, dir, data + off, len, &sink);
        }
        FUZZ_ASSERT_MSG(st.memory <= 1024 * 1024, /* 2 x 16 KiB CRYPTO + maps, JA3 texts, scratch,
                                                   * gQUIC text (< 3 x the datagram) */
                        "memory %llu", (unsigned long long)st.memory);
        off += len;
    }
    if (!(flags & 2))
        app_flow_end(a, &sink);
    app_flow_free(a);
    FUZZ_ASSERT(st.memory == 0);
    return 0;
}
