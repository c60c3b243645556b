/* test_flow.c - the flow table: direction, counters, TCP states, timeouts,
 * the active timeout, the memcap and flow ids.
 *
 * Packets are built directly as `struct packet` (no decoder); the on_end
 * callback copies what it needs from each ending flow into a log the tests
 * read back. The flow's dpi member is never touched. */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "taishi/core/compiler.h"
#include "taishi/config/config.h"
#include "taishi/flow/flow.h"
#include "unit.h"

#define SEC 1000000000ULL
#define MS  1000000ULL

struct ended {
    enum flow_end_reason why;
    struct flow_key key;
    uint64_t pkts[2], bytes[2], flow_id, start_ns, last_ns;
    uint8_t state;
};

static struct ended ends[4096];
static unsigned nends;

static void on_end(void *arg, struct flow *f, enum flow_end_reason why)
{
    (void)arg;
    if (nends >= ARRAY_SIZE(ends))
        return;
    struct ended *e = &ends[nends++];
    e->why = why;
    e->key = f->key;
    memcpy(e->pkts, f->pkts, sizeof(e->pkts));
    memcpy(e->bytes, f->bytes, sizeof(e->bytes));
    e->flow_id = f->flow_id;
    e->start_ns = f->start_ns;
    e->last_ns = f->last_ns;
    e->state = f->state;
}

static struct config cfg;

static struct flow_table *table(uint64_t memcap)
{
    nends = 0;
    return flow_table_create(&cfg, memcap, on_end, NULL, NULL);
}

static struct packet pkt(const char *src, unsigned sp, const char *dst, unsigned dp,
                         unsigned proto, unsigned flags, uint64_t ts, uint32_t wirelen)
{
    struct packet p;
    memset(&p, 0, sizeof(p));
    int v6 = strchr(src, ':') != NULL;
    inet_pton(v6 ? AF_INET6 : AF_INET, src, p.ip.key.src);
    inet_pton(v6 ? AF_INET6 : AF_INET, dst, p.ip.key.dst);
    p.ip.key.ipver = v6 ? 6 : 4;
    p.ip.key.sport = (uint16_t)sp;
    p.ip.key.dport = (uint16_t)dp;
    p.ip.key.proto = (uint8_t)proto;
    p.ip.l4_ok = 1;
    p.ip.tcp_flags = (uint8_t)flags;
    p.flags = PKT_HAS_IP;
    p.ts_ns = ts;
    p.wirelen = wirelen;
    p.len = wirelen;
    return p;
}

/* Client A:1234 <-> server B:80 over TCP. */
static struct flow *c2s(struct flow_table *t, unsigned flags, uint64_t ts, uint32_t len, int *dir)
{
    struct packet p = pkt("10.0.0.1", 1234, "10.0.0.2", 80, 6, flags, ts, len);
    return flow_table_update(t, &p, dir);
}
static struct flow *s2c(struct flow_table *t, unsigned flags, uint64_t ts, uint32_t len, int *dir)
{
    struct packet p = pkt("10.0.0.2", 80, "10.0.0.1", 1234, 6, flags, ts, len);
    return flow_table_update(t, &p, dir);
}

static int is_client(const struct flow *f, const char *a, unsigned port)
{
    uint8_t b[16] = {0};
    inet_pton(strchr(a, ':') ? AF_INET6 : AF_INET, a, b);
    return !memcmp(f->key.src, b, 16) && f->key.sport == port;
}

static void test_direction(void)
{
    struct flow_table *t = table(1ULL << 30);
    int dir = -1;

    struct flow *f = c2s(t, TCP_SYN, 1 * SEC, 60, &dir);
    CHECK_EQ_U(dir, 1);
    CHECK(is_client(f, "10.0.0.1", 1234));
    CHECK_EQ_U(f->state, FS_NEW);
    CHECK_EQ_U(f->group, FG_TCP);
    struct flow *g = s2c(t, TCP_SYN | TCP_ACK, 1 * SEC + 100 * MS, 60, &dir);
    CHECK(g == f);
    CHECK_EQ_U(dir, 0);
    CHECK_EQ_U(f->state, FS_ESTABLISHED);
    c2s(t, TCP_ACK, 1 * SEC + 200 * MS, 1000, &dir);
    CHECK_EQ_U(dir, 1);
    CHECK_EQ_U(f->pkts[0], 2);
    CHECK_EQ_U(f->pkts[1], 1);
    CHECK_EQ_U(f->bytes[0], 1060);
    CHECK_EQ_U(f->bytes[1], 60);
    CHECK_EQ_U(f->start_ns, 1 * SEC);
    CHECK_EQ_U(f->last_ns, 1 * SEC + 200 * MS);
    CHECK_EQ_U(f->tcp_seen[0], TCP_SYN | TCP_ACK);
    CHECK_EQ_U(f->tcp_seen[1], TCP_SYN | TCP_ACK);

    /* First packet seen is the SYN-ACK: its receiver is the client. */
    struct packet p = pkt("10.0.0.9", 443, "10.0.0.8", 5555, 6, TCP_SYN | TCP_ACK, 2 * SEC, 60);
    f = flow_table_update(t, &p, &dir);
    CHECK_EQ_U(dir, 0);
    CHECK(is_client(f, "10.0.0.8", 5555));
    CHECK_EQ_U(f->key.dport, 443);
    CHECK_EQ_U(f->pkts[1], 1);
    p = pkt("10.0.0.8", 5555, "10.0.0.9", 443, 6, TCP_ACK, 2 * SEC + MS, 52);
    CHECK(flow_table_update(t, &p, &dir) == f);
    CHECK_EQ_U(dir, 1);

    /* UDP and IPv6: the first sender is the client. */
    p = pkt("2001:db8::2", 53, "2001:db8::1", 40000, 17, 0, 3 * SEC, 120);
    f = flow_table_update(t, &p, &dir);
    CHECK_EQ_U(dir, 1);
    CHECK(is_client(f, "2001:db8::2", 53));
    CHECK_EQ_U(f->group, FG_UDP);

    p = pkt("10.1.1.1", 0, "10.1.1.2", 0, 1, 0, 3 * SEC, 84);
    p.ip.icmp_type = 8;
    f = flow_table_update(t, &p, &dir);
    CHECK_EQ_U(f->group, FG_ICMP);
    CHECK_EQ_U(f->icmp_type, 8);

    const struct flow_stats *st = flow_table_stats(t);
    CHECK_EQ_U(st->created, 4);
    CHECK_EQ_U(st->active, 4);
    CHECK_EQ_U(st->memory, 4 * flow_table_bytes_per_flow());
    flow_table_flush(t, FR_SHUTDOWN);
    CHECK_EQ_U(nends, 4);
    for (unsigned i = 0; i < nends; i++)
        CHECK_EQ_U(ends[i].why, FR_SHUTDOWN);
    CHECK_EQ_U(ends[0].pkts[0] + ends[0].pkts[1], 3);   /* oldest first */
    CHECK_EQ_U(flow_table_stats(t)->active, 0);
    CHECK_EQ_U(flow_table_stats(t)->ended[FR_SHUTDOWN], 4);
    flow_table_destroy(t);
    flow_table_destroy(NULL);
}

static void test_close(void)
{
    struct flow_table *t = table(1ULL << 30);
    int dir;
    uint64_t ts = 10 * SEC;

    struct flow *f = c2s(t, TCP_SYN, ts, 60, &dir);
    s2c(t, TCP_SYN | TCP_ACK, ts, 60, &dir);
    c2s(t, TCP_FIN | TCP_ACK, ts + MS, 52, &dir);
    CHECK_EQ_U(f->state, FS_ESTABLISHED);
    s2c(t, TCP_FIN | TCP_ACK, ts + 2 * MS, 52, &dir);
    CHECK_EQ_U(f->state, FS_CLOSED);
    CHECK_EQ_U(f->closed_by, FR_TCP_FIN);
    c2s(t, TCP_ACK, ts + 3 * MS, 52, &dir);
    CHECK_EQ_U(f->state, FS_CLOSED);
    uint64_t last = ts + 3 * MS;
    uint32_t closed = cfg.flow_timeout[FG_TCP][FS_CLOSED];
    flow_table_expire(t, last + (closed - 1) * SEC);
    CHECK_EQ_U(nends, 0);
    flow_table_expire(t, last + closed * SEC);
    CHECK_EQ_U(nends, 1);
    CHECK_EQ_U(ends[0].why, FR_TCP_FIN);
    CHECK_EQ_U(ends[0].state, FS_CLOSED);
    CHECK_EQ_U(ends[0].pkts[0], 3);
    CHECK_EQ_U(ends[0].pkts[1], 2);

    ts = 200 * SEC;                               /* RST */
    f = c2s(t, TCP_SYN, ts, 60, &dir);
    s2c(t, TCP_RST | TCP_ACK, ts + MS, 40, &dir);
    CHECK_EQ_U(f->state, FS_CLOSED);
    CHECK_EQ_U(f->closed_by, FR_TCP_RST);
    struct packet u = pkt("10.2.0.1", 5000, "10.2.0.2", 53, 17, 0, ts + MS, 80);
    flow_table_update(t, &u, &dir);               /* idle UDP, new: 30 s */
    flow_table_expire(t, ts + MS + 29 * SEC);
    CHECK_EQ_U(nends, 1);
    flow_table_expire(t, ts + MS + 30 * SEC);
    CHECK_EQ_U(nends, 2);
    CHECK_EQ_U(ends[1].why, FR_TIMEOUT);
    CHECK_EQ_U(ends[1].key.proto, 17);
    flow_table_expire(t, ts + MS + closed * SEC);
    CHECK_EQ_U(nends, 3);
    CHECK_EQ_U(ends[2].why, FR_TCP_RST);

    /* A closed flow ended by a flush still reports how it closed. */
    ts = 400 * SEC;
    c2s(t, TCP_SYN, ts, 60, &dir);
    s2c(t, TCP_RST, ts + MS, 40, &dir);
    u.ts_ns = ts + 2 * MS;
    flow_table_update(t, &u, &dir);
    flow_table_flush(t, FR_SHUTDOWN);
    CHECK_EQ_U(nends, 5);
    CHECK_EQ_U(ends[3].why, FR_TCP_RST);
    CHECK_EQ_U(ends[4].why, FR_SHUTDOWN);
    const struct flow_stats *st = flow_table_stats(t);
    CHECK_EQ_U(st->ended[FR_TCP_FIN], 1);
    CHECK_EQ_U(st->ended[FR_TCP_RST], 2);
    CHECK_EQ_U(st->ended[FR_TIMEOUT], 1);
    CHECK_EQ_U(st->ended[FR_SHUTDOWN], 1);
    flow_table_destroy(t);
}

static void test_reuse(void)
{
    struct flow_table *t = table(1ULL << 30);
    int dir;

    /* A SYN on a closed flow: the port is reused by a new connection. */
    struct flow *f = c2s(t, TCP_SYN, 1 * SEC, 60, &dir);
    uint64_t id1 = f->flow_id;
    s2c(t, TCP_SYN | TCP_ACK, 1 * SEC, 60, &dir);
    c2s(t, TCP_FIN, 2 * SEC, 52, &dir);
    s2c(t, TCP_FIN, 2 * SEC, 52, &dir);
    f = c2s(t, TCP_SYN, 3 * SEC, 60, &dir);
    CHECK_EQ_U(nends, 1);
    CHECK_EQ_U(ends[0].why, FR_TCP_FIN);
    CHECK_EQ_U(ends[0].flow_id, id1);
    CHECK_EQ_U(f->state, FS_NEW);
    CHECK_EQ_U(f->pkts[0], 1);
    CHECK_EQ_U(f->pkts[1], 0);
    CHECK_EQ_U(f->start_ns, 3 * SEC);
    CHECK(f->flow_id != id1);
    CHECK_EQ_U(flow_table_stats(t)->created, 2);
    CHECK_EQ_U(flow_table_stats(t)->active, 1);

    /* A packet after the idle timeout, with no expire call in between,
     * ends the old flow and starts a new one. */
    struct packet u = pkt("10.3.0.1", 7000, "10.3.0.2", 53, 17, 0, 10 * SEC, 70);
    struct flow *g = flow_table_update(t, &u, &dir);
    uint64_t gid = g->flow_id;
    u.ts_ns = 10 * SEC + (uint64_t)cfg.flow_timeout[FG_UDP][FS_NEW] * SEC;
    g = flow_table_update(t, &u, &dir);
    CHECK_EQ_U(nends, 2);
    CHECK_EQ_U(ends[1].why, FR_TIMEOUT);
    CHECK_EQ_U(ends[1].flow_id, gid);
    CHECK_EQ_U(ends[1].pkts[0], 1);
    CHECK_EQ_U(g->pkts[0], 1);
    CHECK_EQ_U(g->start_ns, u.ts_ns);
    CHECK(g->flow_id != gid);
    u.ts_ns += (uint64_t)(cfg.flow_timeout[FG_UDP][FS_NEW] - 1) * SEC;   /* just inside */
    CHECK(flow_table_update(t, &u, &dir) == g);
    CHECK_EQ_U(g->pkts[0], 2);
    CHECK_EQ_U(nends, 2);

    /* The TCP flow has been idle too: its next packet is a new flow. */
    f = c2s(t, TCP_ACK, u.ts_ns, 52, &dir);
    CHECK_EQ_U(nends, 3);
    CHECK_EQ_U(ends[2].why, FR_TIMEOUT);
    CHECK_EQ_U(f->pkts[0], 1);
    flow_table_destroy(t);
}

static void test_active(void)
{
    struct config save = cfg;
    cfg.flow_active_timeout = 100;
    struct flow_table *t = table(1ULL << 30);
    int dir;

    struct flow *f = c2s(t, TCP_SYN, 10 * SEC, 60, &dir);
    uint64_t id = f->flow_id;
    s2c(t, TCP_SYN | TCP_ACK, 10 * SEC, 60, &dir);
    /* A packet stamped a little before the flow's start (merged captures,
     * NIC queues) is not 2^64 ns after it: no active-timeout record. */
    c2s(t, TCP_ACK, 10 * SEC - 5 * MS, 52, &dir);
    CHECK_EQ_U(nends, 0);
    CHECK_EQ_U(f->pkts[0], 2);
    c2s(t, TCP_ACK, 70 * SEC, 100, &dir);
    CHECK_EQ_U(nends, 0);
    c2s(t, TCP_ACK, 110 * SEC, 100, &dir);
    CHECK_EQ_U(nends, 1);                         /* at 110 s: 100 s after the start */
    CHECK_EQ_U(ends[0].why, FR_ACTIVE);
    CHECK_EQ_U(ends[0].pkts[0], 3);
    CHECK_EQ_U(ends[0].pkts[1], 1);
    CHECK_EQ_U(ends[0].flow_id, id);
    CHECK(c2s(t, TCP_ACK, 120 * SEC, 100, &dir) == f);  /* the flow goes on */
    CHECK_EQ_U(f->flow_id, id);
    CHECK_EQ_U(f->pkts[0], 2);                   /* counters restarted with the 110 s packet */
    CHECK_EQ_U(f->bytes[0], 200);
    CHECK_EQ_U(f->pkts[1], 0);
    CHECK_EQ_U(f->start_ns, 110 * SEC);
    CHECK_EQ_U(f->state, FS_ESTABLISHED);
    CHECK_EQ_U(flow_table_stats(t)->ended[FR_ACTIVE], 1);
    CHECK_EQ_U(flow_table_stats(t)->active, 1);
    flow_table_destroy(t);
    cfg = save;
}

static struct packet nth(unsigned i, uint64_t ts)
{
    struct packet p = pkt("10.9.0.1", 10000 + i, "10.9.0.2", 80, i % 3 ? 17 : 6,
                          i % 3 ? 0 : TCP_SYN, ts, 64);
    return p;
}

static void test_memcap(void)
{
    struct config save = cfg;
    cfg.flow_hash_size = 1;                       /* one bucket: long chains */
    struct flow_table *t = table(flow_table_bytes_per_flow() * 100);
    int dir;
    unsigned over = 0, order_bad = 0;

    for (unsigned i = 0; i < 1000; i++) {
        struct packet p = nth(i, SEC + i * MS);
        struct flow *f = flow_table_update(t, &p, &dir);
        if (f->key.sport != 10000 + i) order_bad++;
        if (flow_table_stats(t)->active > 100) over++;
    }
    CHECK_EQ_U(over, 0);
    CHECK_EQ_U(order_bad, 0);
    CHECK_EQ_U(flow_table_stats(t)->active, 100);
    CHECK_EQ_U(flow_table_stats(t)->memcap_evictions, 900);
    CHECK_EQ_U(flow_table_stats(t)->ended[FR_MEMCAP], 900);
    CHECK_EQ_U(nends, 900);
    for (unsigned i = 0; i < nends; i++)          /* the longest idle first, across TCP and UDP */
        if (ends[i].why != FR_MEMCAP || ends[i].key.sport != 10000 + i)
            order_bad++;
    CHECK_EQ_U(order_bad, 0);
    flow_table_destroy(t);
    cfg = save;

    /* A flow that was just refreshed is not the one to go. */
    t = table(flow_table_bytes_per_flow() * 100);
    for (unsigned i = 0; i < 100; i++) {
        struct packet p = nth(i, SEC + i * MS);
        flow_table_update(t, &p, &dir);
    }
    struct packet p = nth(0, 2 * SEC);
    flow_table_update(t, &p, &dir);
    p = nth(100, 2 * SEC + MS);
    flow_table_update(t, &p, &dir);
    CHECK_EQ_U(nends, 1);
    CHECK_EQ_U(ends[0].key.sport, 10001);
    CHECK_EQ_U(ends[0].why, FR_MEMCAP);
    p = nth(101, 2 * SEC + 2 * MS);
    flow_table_update(t, &p, &dir);
    CHECK_EQ_U(ends[1].key.sport, 10002);
    CHECK_EQ_U(flow_table_stats(t)->active, 100);
    flow_table_destroy(t);
}

static void test_ids(void)
{
    struct flow_table *a = table(1ULL << 30), *b = table(1ULL << 30);
    int dir;

    struct packet p = pkt("192.168.5.1", 5353, "224.0.0.251", 5353, 17, 0, 77 * SEC, 100);
    uint64_t ida = flow_table_update(a, &p, &dir)->flow_id;
    struct packet r = pkt("224.0.0.251", 5353, "192.168.5.1", 5353, 17, 0, 77 * SEC, 100);
    uint64_t idb = flow_table_update(b, &r, &dir)->flow_id;
    CHECK_EQ_U(ida, idb);                         /* same key (either way round), same start */
    CHECK(ida != 0 && ida < (1ULL << 51));
    CHECK_EQ_U(flow_table_update(a, &r, &dir)->flow_id, ida);
    struct packet q = pkt("192.168.5.1", 5353, "224.0.0.251", 5353, 17, 0, 78 * SEC, 100);
    q.ip.key.vlan = 3;
    CHECK(flow_table_update(b, &q, &dir)->flow_id != ida);
    CHECK_EQ_U(flow_table_stats(b)->active, 2);   /* another VLAN, another flow */
    flow_table_destroy(a);
    flow_table_destroy(b);

    CHECK_STR(flow_table_reason_name(FR_MEMCAP), "memcap");
    CHECK_STR(flow_table_reason_name(FR_ACTIVE), "active_timeout");
    CHECK_STR(flow_table_state_name(FS_ESTABLISHED), "established");
}

int main(void)
{
    config_defaults(&cfg);
    test_direction();
    test_close();
    test_reuse();
    test_active();
    test_memcap();
    test_ids();
    return unit_done("flow");
}
