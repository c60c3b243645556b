/* defrag.h - IPv4 and IPv6 fragment reassembly with hard limits.
 *
 * A fixed pool of trackers (defrag.max-trackers), each with a 64 KiB buffer
 * allocated the first time the tracker is used and kept for reuse: memory is
 * bounded by max-trackers * ~66 KiB and nothing is allocated per packet.
 * Overlapping data keeps the first copy received (the "first" policy) and is
 * reported. When every tracker is busy the oldest is dropped for the new one,
 * so a flood of incomplete datagrams cannot stop reassembly of fresh ones.
 *
 * Threading: a defrag is owned by the one thread that decodes with it (the
 * reader; live, each worker has its own).
 * Ownership: the reassembled datagram is returned in one of two output
 * buffers owned by the defrag, valid until the next-but-one completion. */
#ifndef TAISHI_DEFRAG_H
#define TAISHI_DEFRAG_H

#include <stdint.h>

struct defrag_config {
    uint32_t max_trackers;    /* datagrams being reassembled at once */
    uint32_t timeout_s;       /* an incomplete datagram is dropped after this */
    uint32_t max_fragments;   /* fragments per datagram */
};

struct defrag_stats {
    uint64_t fragments, reassembled, timeouts, overlaps, too_large,
             trackers_full, invalid, too_many_fragments;
};

struct defrag;
struct defrag *defrag_create(const struct defrag_config *cfg);
void defrag_destroy(struct defrag *df);
const struct defrag_stats *defrag_stats(const struct defrag *df);

/* Return values of defrag_ipv4/ipv6: */
#define DEFRAG_HELD      0    /* kept, datagram not complete yet */
#define DEFRAG_COMPLETE  1    /* out and outlen hold the whole datagram, header fixed up */
#define DEFRAG_DROPPED   2    /* fragment refused; event says why */

/* `ip` is the fragment's IPv4 header, `len` the bytes of it that are valid
 * (header + fragment data, at most tot_len). */
int defrag_ipv4(struct defrag *df, const uint8_t *ip, uint32_t len, uint32_t vlan,
                uint32_t tunnel_id, uint64_t ts_ns, const uint8_t **out,
                uint32_t *outlen, uint16_t *event);
/* `ip6` is the fixed IPv6 header; `data`/`len` the fragment's data after the
 * Fragment header, whose fields are passed decoded. */
int defrag_ipv6(struct defrag *df, const uint8_t *ip6, const uint8_t *data, uint32_t len,
                uint8_t next_header, uint32_t frag_off, int more, uint32_t id,
                uint32_t vlan, uint32_t tunnel_id, uint64_t ts_ns,
                const uint8_t **out, uint32_t *outlen, uint16_t *event);
/* Drops datagrams whose first fragment is older than the timeout. Cheap to
 * call for every packet: it scans at most once a second of packet time, and
 * only while datagrams are held. */
void defrag_expire(struct defrag *df, uint64_t now_ns);


#endif
