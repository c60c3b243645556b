/* community_id.c - Community ID v1 (SHA-1 is core/sha1.c).
 *
 * Community ID orders the two endpoints so that both directions of a flow
 * hash alike; for ICMP the "ports" are the type and, for messages that come
 * in request/reply pairs, the type of the counterpart (otherwise the code,
 * and the flow is one-way: no reordering). Written from the specification. */
#include <netinet/in.h>
#include <string.h>

#include "taishi/core/sha1.h"
#include "taishi/flow/community_id.h"

/* Returns 1 and sets *peer when an ICMP type has a request/reply counterpart. */
static int icmp_counterpart(uint8_t proto, uint16_t type, uint16_t *peer)
{
    static const uint8_t v4[][2] = { {8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16}, {16, 15},
                                     {10, 9}, {9, 10}, {17, 18}, {18, 17} };
    static const uint8_t v6[][2] = { {128, 129}, {129, 128}, {133, 134}, {134, 133},
                                     {135, 136}, {136, 135}, {130, 131}, {131, 130},
                                     {139, 140}, {140, 139}, {144, 145}, {145, 144} };
    const uint8_t (*t)[2] = proto == IPPROTO_ICMP ? v4 : v6;
    size_t n = proto == IPPROTO_ICMP ? sizeof(v4) / 2 : sizeof(v6) / 2;

    for (size_t i = 0; i < n; i++)
        if (t[i][0] == type) {
            *peer = t[i][1];
            return 1;
        }
    return 0;
}

static void base64(const uint8_t *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = tab[v >> 18]; out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63]; out[o++] = tab[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = tab[v >> 18]; out[o++] = tab[(v >> 12) & 63];
        out[o++] = '='; out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = tab[v >> 18]; out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63]; out[o++] = '=';
    }
    out[o] = 0;
}

void community_id_v1(uint16_t seed, int ipver, const uint8_t *saddr, const uint8_t *daddr,
                     uint8_t proto, uint16_t sport, uint16_t dport, char out[32])
{
    uint8_t buf[2 + 16 + 16 + 2 + 4], dig[20];
    size_t alen = ipver == 6 ? 16 : 4, n = 0;
    int ports = proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
                proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
    int one_way = 0;

    if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
        uint16_t peer;
        if (icmp_counterpart(proto, sport, &peer))
            dport = peer;
        else
            one_way = 1;
    }
    int cmp = memcmp(saddr, daddr, alen);
    if (!one_way && (cmp > 0 || (cmp == 0 && ports && sport > dport))) {
        const uint8_t *t = saddr; saddr = daddr; daddr = t;
        uint16_t tp = sport; sport = dport; dport = tp;
    }
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, saddr, alen); n += alen;
    memcpy(buf + n, daddr, alen); n += alen;
    buf[n++] = proto;
    buf[n++] = 0;
    if (ports) {
        buf[n++] = (uint8_t)(sport >> 8); buf[n++] = (uint8_t)sport;
        buf[n++] = (uint8_t)(dport >> 8); buf[n++] = (uint8_t)dport;
    }
    sha1(buf, n, dig);
    out[0] = '1';
    out[1] = ':';
    base64(dig, 20, out + 2);
}

int community_id_selftest(void)
{
    /* Vectors from the Community ID specification's baseline set. */
    static const uint8_t a[4] = {128, 232, 110, 120}, b[4] = {66, 35, 250, 204};
    static const uint8_t c[4] = {192, 168, 0, 89}, d[4] = {192, 168, 0, 1};
    uint8_t dig[20];
    char id[32];
    int bad = 0;

    sha1((const uint8_t *)"abc", 3, dig);
    bad += memcmp(dig, "\xa9\x99\x3e\x36\x47\x06\x81\x6a\xba\x3e\x25\x71\x78\x50\xc2\x6c\x9c\xd0\xd8\x9d", 20) != 0;
    community_id_v1(0, 4, a, b, IPPROTO_TCP, 34855, 80, id);
    bad += strcmp(id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=") != 0;
    community_id_v1(0, 4, b, a, IPPROTO_TCP, 80, 34855, id); /* reply direction: same id */
    bad += strcmp(id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=") != 0;
    community_id_v1(0, 4, c, d, IPPROTO_ICMP, 8, 0, id);     /* ICMP echo request */
    bad += strcmp(id, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=") != 0;
    return bad ? -1 : 0;
}
