/* test_dpi.c - the nDPI glue (src/dpi/dpi.c) on hand-built IPv4/TCP packets,
 * with the real nDPI 4.2: an HTTP session classified, and the lone-SYN
 * hold of dpi_set_lazy - the held SYN reaches nDPI before the flow's second
 * packet (the same packets and verdict as without the hold), a flow that
 * ends as its SYN never creates nDPI state, and a hold the worker stops
 * being lazy about is replayed at the end (the port guess comes back). */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "unit.h"
#include "taishi/config/config.h"
#include "taishi/dpi/dpi.h"

#define SEC 1000000000ULL

struct pk {
    uint8_t b[1600];
    struct packet p;
};

/* A checksum-less IPv4/TCP packet (nDPI does not check them). */
static void build(struct pk *k, const char *src, unsigned sp, const char *dst, unsigned dp,
                  unsigned flags, uint32_t seq, uint32_t ack, const char *payload, uint64_t ts)
{
    size_t n = payload ? strlen(payload) : 0;
    uint8_t *ip = k->b, *tcp = k->b + 20;
    memset(k, 0, sizeof(*k));
    ip[0] = 0x45;
    ip[2] = (uint8_t)((40 + n) >> 8);
    ip[3] = (uint8_t)(40 + n);
    ip[8] = 64;
    ip[9] = IPPROTO_TCP;
    inet_pton(AF_INET, src, ip + 12);
    inet_pton(AF_INET, dst, ip + 16);
    tcp[0] = (uint8_t)(sp >> 8), tcp[1] = (uint8_t)sp;
    tcp[2] = (uint8_t)(dp >> 8), tcp[3] = (uint8_t)dp;
    tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16), tcp[6] = (uint8_t)(seq >> 8), tcp[7] = (uint8_t)seq;
    tcp[8] = (uint8_t)(ack >> 24), tcp[9] = (uint8_t)(ack >> 16), tcp[10] = (uint8_t)(ack >> 8), tcp[11] = (uint8_t)ack;
    tcp[12] = 5 << 4;
    tcp[13] = (uint8_t)flags;
    tcp[14] = 0xfa;
    memcpy(tcp + 20, payload ? payload : "", n);

    struct packet *p = &k->p;
    p->data = k->b;
    p->len = p->wirelen = (uint32_t)(40 + n);
    p->ts_ns = ts;
    p->flags = PKT_HAS_IP;
    p->ip.key.ipver = 4;
    p->ip.key.proto = IPPROTO_TCP;
    memcpy(p->ip.key.src, ip + 12, 4);
    memcpy(p->ip.key.dst, ip + 16, 4);
    p->ip.key.sport = (uint16_t)sp;
    p->ip.key.dport = (uint16_t)dp;
    p->ip.l3_cap = p->len;
    p->ip.l4_off = 20;
    p->ip.l4_len = (uint32_t)(20 + n);
    p->ip.pl_off = 40;
    p->ip.pl_len = (uint32_t)n;
    p->ip.tcp_seq = seq;
    p->ip.tcp_ack = ack;
    p->ip.tcp_flags = (uint8_t)flags;
    p->ip.l4_ok = 1;
}

static const char GET[] = "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
                          "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
static const char OK[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok";

/* An HTTP session through module d; returns its packets given to nDPI. */
static unsigned session(struct dpi *d, struct dpi_flow *f, const char *cli, unsigned cport)
{
    struct pk k;
    memset(f, 0, sizeof(*f));
    build(&k, cli, cport, "10.0.0.2", 80, 0x02, 100, 0, NULL, 1 * SEC);
    dpi_process(d, f, &k.p, k.p.ts_ns);
    build(&k, "10.0.0.2", 80, cli, cport, 0x12, 500, 101, NULL, 1 * SEC + 1000);
    dpi_process(d, f, &k.p, k.p.ts_ns);
    build(&k, cli, cport, "10.0.0.2", 80, 0x10, 101, 501, NULL, 1 * SEC + 2000);
    dpi_process(d, f, &k.p, k.p.ts_ns);
    build(&k, cli, cport, "10.0.0.2", 80, 0x18, 101, 501, GET, 1 * SEC + 3000);
    dpi_process(d, f, &k.p, k.p.ts_ns);
    build(&k, "10.0.0.2", 80, cli, cport, 0x18, 501, 101 + sizeof(GET) - 1, OK, 1 * SEC + 4000);
    dpi_process(d, f, &k.p, k.p.ts_ns);
    dpi_finish(d, f);
    return f->packets;
}

int main(void)
{
    struct config cfg;
    config_defaults(&cfg);
    struct dpi *eager = dpi_create(&cfg), *lazy = dpi_create(&cfg);
    CHECK(eager && lazy);
    if (!eager || !lazy)
        return unit_done("dpi");
    dpi_set_lazy(lazy, 1);

    /* a session: the same verdict and packets with and without the hold */
    struct dpi_flow a, b;
    unsigned na = session(eager, &a, "10.0.0.1", 40000);
    unsigned nb = session(lazy, &b, "10.0.0.1", 40001);
    CHECK_EQ_U(a.master, b.master);
    CHECK_EQ_U(a.app, b.app);
    CHECK(a.app == 7 || a.master == 7);                 /* NDPI_PROTOCOL_HTTP */
    CHECK_STR(a.host, "www.example.com");
    CHECK_STR(b.host, "www.example.com");
    CHECK_EQ_U(na, nb);
    CHECK(na >= 4);                                     /* the SYN counted in both */
    CHECK_EQ_U(dpi_stats(eager)->packets, dpi_stats(lazy)->packets);
    dpi_release(eager, &a);
    dpi_release(lazy, &b);

    /* a lone SYN: held, never given to nDPI, ends unknown */
    struct pk k;
    uint64_t flows0 = dpi_stats(lazy)->flows, pk0 = dpi_stats(lazy)->packets;
    memset(&b, 0, sizeof(b));
    build(&k, "10.0.0.9", 40100, "10.0.0.2", 80, 0x02, 7, 0, NULL, 2 * SEC);
    dpi_process(lazy, &b, &k.p, k.p.ts_ns);
    CHECK(b.held != NULL);
    CHECK(b.nf == NULL);
    CHECK_EQ_U(dpi_stats(lazy)->held_syns, 1);
    CHECK(dpi_state_bytes(lazy) > 0);           /* the flow memcap sees the copy */
    uint16_t m = 99, ap = 99;
    dpi_peek(&b, &m, &ap);
    CHECK_EQ_U(m, 0);
    CHECK_EQ_U(ap, 0);
    dpi_finish(lazy, &b);
    CHECK(b.done);
    CHECK(b.held == NULL);
    CHECK_EQ_U(dpi_stats(lazy)->held_syns, 0);
    CHECK_EQ_U(b.app, 0);
    CHECK_EQ_U(dpi_stats(lazy)->flows, flows0);
    CHECK_EQ_U(dpi_stats(lazy)->packets, pk0);
    dpi_release(lazy, &b);

    /* the same SYN without the hold: nDPI's guess by port at the end */
    memset(&a, 0, sizeof(a));
    dpi_process(eager, &a, &k.p, k.p.ts_ns);
    CHECK(a.held == NULL && a.nf != NULL);
    dpi_finish(eager, &a);
    CHECK(a.app != 0 || a.master != 0);

    /* held while lazy, then a reader of verdicts came up: replayed at the end */
    struct dpi_flow c;
    memset(&c, 0, sizeof(c));
    dpi_process(lazy, &c, &k.p, k.p.ts_ns);
    CHECK(c.held != NULL);
    dpi_set_lazy(lazy, 0);
    dpi_finish(lazy, &c);
    CHECK(c.held == NULL && c.done);
    CHECK_EQ_U(c.packets, 1);
    CHECK_EQ_U(c.master, a.master);
    CHECK_EQ_U(c.app, a.app);
    dpi_release(eager, &a);
    dpi_release(lazy, &c);

    /* a SYN with payload, or a SYN-ACK first, is never held */
    dpi_set_lazy(lazy, 1);
    memset(&c, 0, sizeof(c));
    build(&k, "10.0.0.9", 40101, "10.0.0.2", 80, 0x02, 7, 0, "x", 3 * SEC);
    dpi_process(lazy, &c, &k.p, k.p.ts_ns);
    CHECK(c.held == NULL && c.nf != NULL);
    dpi_release(lazy, &c);
    memset(&c, 0, sizeof(c));
    build(&k, "10.0.0.2", 80, "10.0.0.9", 40102, 0x12, 7, 8, NULL, 3 * SEC);
    dpi_process(lazy, &c, &k.p, k.p.ts_ns);
    CHECK(c.held == NULL && c.nf != NULL);
    dpi_release(lazy, &c);

    CHECK_EQ_U(dpi_stats(lazy)->held_syns, 0);
    CHECK_EQ_U(dpi_state_bytes(lazy), 0);
    dpi_destroy(eager);
    dpi_destroy(lazy);
    return unit_done("dpi");
}
