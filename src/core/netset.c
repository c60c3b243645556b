/* enrich_net.c - CIDR sets with longest-prefix match (HOME_NET, the asset
 * map).
 *
 * One open-addressing hash table holds every prefix, keyed by (family,
 * length, masked address); a lookup tries the prefix lengths that occur in
 * the set, longest first, so it costs at most one probe per distinct length
 * (a handful in practice) whatever the number of prefixes. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/core/netset.h"
#include "taishi/core/util.h"

struct slot {
    uint8_t addr[16];
    uint8_t ipver, len, used, pad;
    uint32_t value;
};

struct netset {
    struct slot *t;
    size_t cap, n;
    uint8_t lens[2][129];       /* which prefix lengths occur, per family */
};

struct netset *netset_create(void)
{
    struct netset *s = xcalloc(1, sizeof(*s));
    s->cap = 64;
    s->t = xcalloc(s->cap, sizeof(*s->t));
    return s;
}

void netset_destroy(struct netset *s)
{
    if (!s)
        return;
    free(s->t);
    free(s);
}

static void mask(const uint8_t *in, unsigned len, uint8_t *out)
{
    memset(out, 0, 16);
    memcpy(out, in, len / 8);
    if (len % 8)
        out[len / 8] = in[len / 8] & (uint8_t)(0xff << (8 - len % 8));
}

static size_t hash(const uint8_t *a, int v6, unsigned len, size_t cap)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, a + 8, 8);
    return (size_t)(mix64(x ^ mix64(y ^ ((uint64_t)len << 1 | (unsigned)v6))) & (cap - 1));
}

static struct slot *find(const struct netset *s, const uint8_t *m, int ipver, unsigned len)
{
    size_t i = hash(m, ipver == 6, len, s->cap);
    for (;; i = (i + 1) & (s->cap - 1)) {
        struct slot *e = &s->t[i];
        if (!e->used)
            return e;
        if (e->ipver == ipver && e->len == len && !memcmp(e->addr, m, 16))
            return e;
    }
}

static void put(struct netset *s, const uint8_t *m, int ipver, unsigned len, uint32_t value)
{
    if ((s->n + 1) * 2 > s->cap) {          /* keep it at most half full */
        struct slot *old = s->t;
        size_t oc = s->cap;
        s->cap *= 2;
        s->t = xcalloc(s->cap, sizeof(*s->t));
        s->n = 0;
        for (size_t i = 0; i < oc; i++)
            if (old[i].used)
                put(s, old[i].addr, old[i].ipver, old[i].len, old[i].value);
        free(old);
    }
    struct slot *e = find(s, m, ipver, len);
    if (!e->used)
        s->n++;
    memcpy(e->addr, m, 16);
    e->ipver = (uint8_t)ipver;
    e->len = (uint8_t)len;
    e->used = 1;
    e->value = value;                       /* a later line for the same prefix wins */
    s->lens[ipver == 6][len] = 1;
}

int netset_add_text(struct netset *s, const char *text, uint32_t value)
{
    char buf[64];
    uint8_t a[16] = {0}, m[16];
    unsigned len;
    int v6;
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);

    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, text, n);
    buf[n] = 0;
    if (inet_pton(AF_INET, buf, a) == 1)
        v6 = 0;
    else if (inet_pton(AF_INET6, buf, a) == 1)
        v6 = 1;
    else
        return -1;
    if (slash) {
        char *e;
        unsigned long l = strtoul(slash + 1, &e, 10);
        if (!isdigit((unsigned char)slash[1]) || *e || l > (v6 ? 128u : 32u))
            return -1;
        len = (unsigned)l;
    } else {
        len = v6 ? 128 : 32;
    }
    mask(a, len, m);
    put(s, m, v6 ? 6 : 4, len, value);
    return 0;
}

uint32_t netset_lookup(const struct netset *s, const uint8_t *addr, int ipver)
{
    int v6 = ipver == 6;
    uint8_t m[16];

    if (!s || !s->n)
        return 0;
    for (int len = v6 ? 128 : 32; len >= 0; len--) {
        if (!s->lens[v6][len])
            continue;
        mask(addr, (unsigned)len, m);
        const struct slot *e = find(s, m, ipver, (unsigned)len);
        if (e->used)
            return e->value + 1;
    }
    return 0;
}

struct add_ctx {
    struct netset *s;
    uint32_t value;
    char bad[64];
};

static int add_item(const char *item, void *arg)
{
    struct add_ctx *a = arg;
    if (netset_add_text(a->s, item, a->value) == 0)
        return 0;
    snprintf(a->bad, sizeof(a->bad), "%s", item);
    return -1;
}

int netset_add_list(struct netset *s, const char *list, uint32_t value, char *err, size_t errlen)
{
    struct add_ctx a = { s, value, "" };

    if (util_parse_list(list, add_item, &a) == 0)
        return 0;
    if (!a.bad[0])
        snprintf(err, errlen, "not a list of prefixes (unbalanced '[' or too long)");
    else
        snprintf(err, errlen, "'%s' is not an address or CIDR prefix%s", a.bad,
                 a.bad[0] == '!' ? " (negation is not supported here)" : "");
    return -1;
}
