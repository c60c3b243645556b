/* defrag.c - fragment reassembly for IPv4 and IPv6 (see defrag.h for the
 * limits and the policy).
 *
 * A tracker covers one datagram. Data lands in its 64 KiB buffer at the
 * fragment's offset; a bitmap with one bit per 8-byte unit (fragment offsets
 * are in 8-byte units) records what has arrived, so overlaps are found
 * exactly and the datagram is complete when the total length is known (the
 * last fragment came) and every unit below it is set. Units already present
 * are never overwritten: the first copy wins.
 *
 * Trackers live in a fixed array, chained from a small hash table by index.
 * Expiry walks the array once a second of packet time, which is cheap for the
 * few thousand trackers the limits allow. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/decode/defrag.h"
#include "taishi/decode/decode.h"
#include "taishi/core/util.h"

#define MAX_DGRAM   65535u
#define UNITS       ((MAX_DGRAM + 7) / 8 + 1)
#define HDR_MAX     60

struct tracker {
    int32_t next;                 /* hash chain, index or -1 */
    uint8_t used, v6, have_first, have_last;
    uint8_t proto_nh;             /* v4: protocol; v6: next header of the payload */
    uint8_t hdr_len;
    uint16_t nfrags;
    uint32_t id, vlan, tunnel_id;
    uint8_t src[16], dst[16];
    uint32_t total;               /* payload bytes, known once the last fragment came */
    uint64_t first_ns;
    uint8_t hdr[HDR_MAX];         /* the header of the offset-0 fragment */
    uint8_t *data;                /* MAX_DGRAM bytes, allocated on first use */
    uint64_t bits[(UNITS + 63) / 64];
};

struct defrag {
    struct defrag_config cfg;
    struct defrag_stats st;
    struct tracker *t;
    int32_t *buckets;
    uint32_t nbuckets, nused;
    int32_t free_head;            /* free list through `next` */
    uint64_t last_expire_ns;
    unsigned out_idx;
    uint8_t *out[2];              /* reassembled datagrams */
};

struct defrag *defrag_create(const struct defrag_config *cfg)
{
    struct defrag *df = xcalloc(1, sizeof(*df));
    uint32_t n = cfg->max_trackers ? cfg->max_trackers : 1;

    df->cfg = *cfg;
    df->cfg.max_trackers = n;
    df->t = xcalloc(n, sizeof(*df->t));
    df->nbuckets = 1;
    while (df->nbuckets < n * 2)
        df->nbuckets <<= 1;
    df->buckets = xcalloc(df->nbuckets, sizeof(*df->buckets));
    for (uint32_t i = 0; i < df->nbuckets; i++)
        df->buckets[i] = -1;
    for (uint32_t i = 0; i < n; i++)
        df->t[i].next = i + 1 < n ? (int32_t)(i + 1) : -1;
    df->free_head = 0;
    df->out[0] = xmalloc(MAX_DGRAM + HDR_MAX);
    df->out[1] = xmalloc(MAX_DGRAM + HDR_MAX);
    return df;
}

void defrag_destroy(struct defrag *df)
{
    if (!df)
        return;
    for (uint32_t i = 0; i < df->cfg.max_trackers; i++)
        free(df->t[i].data);
    free(df->t);
    free(df->buckets);
    free(df->out[0]);
    free(df->out[1]);
    free(df);
}

const struct defrag_stats *defrag_stats(const struct defrag *df)
{
    return &df->st;
}

static uint32_t bucket_of(const struct defrag *df, int v6, const uint8_t *src,
                          const uint8_t *dst, uint32_t id, uint32_t vlan, uint32_t tid)
{
    uint64_t a, b, c2, d;
    memcpy(&a, src, 8); memcpy(&b, src + 8, 8);
    memcpy(&c2, dst, 8); memcpy(&d, dst + 8, 8);
    uint64_t h = mix64(a ^ mix64(b ^ mix64(c2 ^ mix64(d ^ ((uint64_t)id << 1 | (unsigned)v6)))));
    h = mix64(h ^ ((uint64_t)vlan << 32 | tid));
    return (uint32_t)h & (df->nbuckets - 1);
}

static void unlink_tracker(struct defrag *df, int32_t idx)
{
    struct tracker *t = &df->t[idx];
    uint32_t b = bucket_of(df, t->v6, t->src, t->dst, t->id, t->vlan, t->tunnel_id);
    int32_t *pp = &df->buckets[b];

    while (*pp != -1 && *pp != idx)
        pp = &df->t[*pp].next;
    if (*pp == idx)
        *pp = t->next;
    t->used = 0;
    t->next = df->free_head;
    df->free_head = idx;
    df->nused--;
}

static int32_t oldest_tracker(const struct defrag *df)
{
    int32_t best = -1;
    for (uint32_t i = 0; i < df->cfg.max_trackers; i++)
        if (df->t[i].used && (best < 0 || df->t[i].first_ns < df->t[best].first_ns))
            best = (int32_t)i;
    return best;
}

static struct tracker *get_tracker(struct defrag *df, int v6, const uint8_t *src,
                                   const uint8_t *dst, uint32_t id, uint8_t proto,
                                   uint32_t vlan, uint32_t tid, uint64_t ts, uint16_t *event)
{
    uint32_t b = bucket_of(df, v6, src, dst, id, vlan, tid);

    for (int32_t i = df->buckets[b]; i != -1; i = df->t[i].next) {
        struct tracker *t = &df->t[i];
        if (t->v6 == v6 && t->id == id && t->vlan == vlan && t->tunnel_id == tid &&
            (v6 || t->proto_nh == proto) && !memcmp(t->src, src, 16) && !memcmp(t->dst, dst, 16))
            return t;
    }
    if (df->free_head < 0) {                /* all busy: the oldest makes room */
        df->st.trackers_full++;
        *event = EV_FRAG_TRACKERS_FULL;
        unlink_tracker(df, oldest_tracker(df));
        b = bucket_of(df, v6, src, dst, id, vlan, tid);
    }
    int32_t idx = df->free_head;
    struct tracker *t = &df->t[idx];
    df->free_head = t->next;
    uint8_t *data = t->data;
    memset(t, 0, offsetof(struct tracker, bits));
    memset(t->bits, 0, sizeof(t->bits));
    t->data = data ? data : xmalloc(MAX_DGRAM);
    t->used = 1;
    t->v6 = (uint8_t)v6;
    t->id = id;
    t->vlan = vlan;
    t->tunnel_id = tid;
    t->proto_nh = proto;
    memcpy(t->src, src, 16);
    memcpy(t->dst, dst, 16);
    t->first_ns = ts;
    t->next = df->buckets[b];
    df->buckets[b] = idx;
    df->nused++;
    return t;
}

/* Copies a fragment in; returns 1 when the datagram is complete. */
static int add_data(struct defrag *df, struct tracker *t, uint32_t off, const uint8_t *data,
                    uint32_t len, int more, uint16_t *event)
{
    uint32_t u0 = off / 8, u1 = (off + len + 7) / 8;
    int overlap = 0;

    for (uint32_t u = u0; u < u1; u++) {
        uint64_t bit = 1ULL << (u % 64);
        if (t->bits[u / 64] & bit) {
            overlap = 1;
            continue;
        }
        uint32_t s = u * 8, e = MIN(s + 8, off + len);
        memcpy(t->data + s, data + (s - off), e - s);
        t->bits[u / 64] |= bit;
    }
    if (overlap) {
        df->st.overlaps++;
        *event = EV_FRAG_OVERLAP;
    }
    if (!more) {
        t->have_last = 1;
        t->total = off + len;
    }
    if (!t->have_last || !t->have_first)
        return 0;
    uint32_t units = (t->total + 7) / 8;
    for (uint32_t u = 0; u < units; u++)
        if (!(t->bits[u / 64] & (1ULL << (u % 64))))
            return 0;
    return 1;
}

static int check_fragment(struct defrag *df, struct tracker *t, uint32_t off, uint32_t len,
                          int more, uint32_t hdr_len, uint16_t *event)
{
    if (off + len + hdr_len > MAX_DGRAM) {
        df->st.too_large++;
        *event = EV_FRAG_TOO_LARGE;
        return -1;
    }
    if ((more && (len % 8 != 0 || len == 0)) || (t->have_last && off + len > t->total) ||
        (!more && t->have_last && off + len != t->total)) {
        df->st.invalid++;
        *event = EV_FRAG_INVALID;
        return -1;
    }
    if (++t->nfrags > df->cfg.max_fragments) {
        df->st.too_many_fragments++;
        *event = EV_FRAG_INVALID;
        return -1;
    }
    return 0;
}

int defrag_ipv4(struct defrag *df, const uint8_t *ip, uint32_t len, uint32_t vlan,
                uint32_t tunnel_id, uint64_t ts_ns, const uint8_t **out,
                uint32_t *outlen, uint16_t *event)
{
    uint8_t src[16] = {0}, dst[16] = {0};
    uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4;
    uint16_t fo = rd16(ip + 6);
    uint32_t off = (uint32_t)(fo & 0x1fff) * 8;
    int more = (fo & 0x2000) != 0;

    df->st.fragments++;
    memcpy(src, ip + 12, 4);
    memcpy(dst, ip + 16, 4);
    struct tracker *t = get_tracker(df, 0, src, dst, rd16(ip + 4), ip[9], vlan, tunnel_id,
                                    ts_ns, event);
    if (check_fragment(df, t, off, len - hl, more, hl, event) < 0)
        return DEFRAG_DROPPED;
    if (off == 0 && !t->have_first) {
        t->have_first = 1;
        t->hdr_len = (uint8_t)hl;
        memcpy(t->hdr, ip, hl);
    }
    if (!add_data(df, t, off, ip + hl, len - hl, more, event))
        return DEFRAG_HELD;
    if (t->hdr_len + t->total > MAX_DGRAM) {    /* first header longer than the last fragment's */
        df->st.too_large++;
        *event = EV_FRAG_TOO_LARGE;
        unlink_tracker(df, (int32_t)(t - df->t));
        return DEFRAG_DROPPED;
    }

    uint8_t *o = df->out[df->out_idx ^= 1];
    uint32_t tot = t->hdr_len + t->total;
    memcpy(o, t->hdr, t->hdr_len);
    memcpy(o + t->hdr_len, t->data, t->total);
    o[2] = (uint8_t)(tot >> 8);
    o[3] = (uint8_t)tot;
    o[6] &= 0x40;                           /* keep DF, clear MF and the offset */
    o[7] = 0;
    o[10] = o[11] = 0;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < t->hdr_len; i += 2)
        sum += rd16(o + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    o[10] = (uint8_t)(~sum >> 8);
    o[11] = (uint8_t)~sum;
    *out = o;
    *outlen = tot;
    df->st.reassembled++;
    unlink_tracker(df, (int32_t)(t - df->t));
    return DEFRAG_COMPLETE;
}

int defrag_ipv6(struct defrag *df, const uint8_t *ip6, const uint8_t *data, uint32_t len,
                uint8_t next_header, uint32_t frag_off, int more, uint32_t id,
                uint32_t vlan, uint32_t tunnel_id, uint64_t ts_ns,
                const uint8_t **out, uint32_t *outlen, uint16_t *event)
{
    df->st.fragments++;
    struct tracker *t = get_tracker(df, 1, ip6 + 8, ip6 + 24, id, 0, vlan, tunnel_id,
                                    ts_ns, event);
    if (check_fragment(df, t, frag_off, len, more, 40, event) < 0)
        return DEFRAG_DROPPED;
    if (frag_off == 0 && !t->have_first) {
        t->have_first = 1;
        t->hdr_len = 40;
        memcpy(t->hdr, ip6, 40);
        t->proto_nh = next_header;
    }
    if (!add_data(df, t, frag_off, data, len, more, event))
        return DEFRAG_HELD;

    uint8_t *o = df->out[df->out_idx ^= 1];
    memcpy(o, t->hdr, 40);                  /* extension headers before the Fragment header are dropped */
    o[4] = (uint8_t)(t->total >> 8);
    o[5] = (uint8_t)t->total;
    o[6] = t->proto_nh;
    memcpy(o + 40, t->data, t->total);
    *out = o;
    *outlen = 40 + t->total;
    df->st.reassembled++;
    unlink_tracker(df, (int32_t)(t - df->t));
    return DEFRAG_COMPLETE;
}

void defrag_expire(struct defrag *df, uint64_t now_ns)
{
    uint64_t limit = (uint64_t)df->cfg.timeout_s * 1000000000ULL;

    if (df->nused == 0 || now_ns < df->last_expire_ns + 1000000000ULL)
        return;
    df->last_expire_ns = now_ns;
    for (uint32_t i = 0; i < df->cfg.max_trackers; i++) {
        if (df->t[i].used && now_ns > df->t[i].first_ns + limit) {
            df->st.timeouts++;
            unlink_tracker(df, (int32_t)i);
        }
    }
}
