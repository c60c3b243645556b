/* test_detect.c - the detect stage on hand-built flows: rules parsed from
 * text, compiled with Hyperscan, fed packets, stream chunks (through the
 * real reassembly, stream.h) and app buffers; the alerts are the sids the
 * callback saw.
 *
 * Covers: content positions (offset/depth/distance/within, startswith,
 * endswith), negation, nocase, pcre (relative), byte_test/jump/extract,
 * isdataat, dsize, a literal split across segments and segments out of
 * order, flowbits (set on one direction, checked on the other), threshold
 * and detection_filter, IP-only rules by address, sticky buffers with a
 * transform, and the Hyperscan cache (second build loads it). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taishi/detect/detect.h"
#include "taishi/decode/packet.h"
#include "taishi/flow/stream.h"
#include "unit.h"

/* Each call below is one unit of its own: its matches are finished (order,
 * pass, thresholds) at once, as the worker does at the end of a packet. */
#define detect_packet(t, f, c, cb) ((detect_packet)(t, f, c, cb), detect_packet_done(t, f, cb))
#define detect_stream(t, f, c, d, n, o, cb) \
    ((detect_stream)(t, f, c, d, n, o, cb), detect_packet_done(t, f, cb))
#define detect_tx(t, f, c, b, n, cb) ((detect_tx)(t, f, c, b, n, cb), detect_packet_done(t, f, cb))

static uint32_t alerts[64];
static unsigned nalerts;

static void on_alert(void *ud, const struct detect_ctx *c, const struct rule *r, const uint8_t *b,
                     uint32_t len)
{
    (void)ud;
    (void)c;
    (void)b;
    (void)len;
    if (nalerts < 64)
        alerts[nalerts++] = r->sid;
}

static const struct detect_alert_cb acb = { on_alert, NULL };

static int fired(uint32_t sid)
{
    int n = 0;
    for (unsigned i = 0; i < nalerts; i++)
        n += alerts[i] == sid;
    return n;
}

static const uint8_t *build_rank;          /* action-order for build(); NULL = Suricata's */

static struct detect_engine *build(const char *text, const char *cache)
{
    struct rule_vars *v = rules_vars_new();
    struct rule_load_opts o = { v, NULL };
    struct ruleset *rs = rules_set_parse_string(&o, text);
    rules_vars_free(v);
    if (rs->failed || rs->skipped) {
        for (uint32_t i = 0; i < rs->nproblems; i++)
            fprintf(stderr, "rule problem: line %u: %s\n", rs->problems[i].line, rs->problems[i].reason);
    }
    struct detect_build_opts bo = { .cache_dir = cache, .action_rank = build_rank };
    struct detect_build_info bi;
    char err[256];
    struct detect_engine *e = detect_compile(rs, &bo, &bi, err, sizeof(err));
    if (!e)
        fprintf(stderr, "build: %s\n", err);
    return e;
}

/* A TCP flow 192.168.1.10:40000 -> 198.51.100.7:80 and its packets. */
static struct flow_key key;
static uint8_t pkt[2048];
static struct packet P;

static void mk_key(uint8_t proto, uint16_t dport)
{
    memset(&key, 0, sizeof(key));
    uint8_t s[4] = { 192, 168, 1, 10 }, d[4] = { 198, 51, 100, 7 };
    memcpy(key.src, s, 4);
    memcpy(key.dst, d, 4);
    key.sport = 40000;
    key.dport = dport;
    key.proto = proto;
    key.ipver = 4;
}

/* A packet whose L4 payload is data (the headers are not looked at except TTL). */
static const struct packet *mk_pkt(const char *data, size_t len, uint8_t flags, uint32_t seq)
{
    memset(&P, 0, sizeof(P));
    memset(pkt, 0, 40);
    pkt[8] = 64;                    /* TTL */
    memcpy(pkt + 40, data, len);
    P.data = pkt;
    P.len = (uint32_t)(40 + len);
    P.ip.key = key;
    P.ip.pl_off = 40;
    P.ip.pl_len = (uint32_t)len;
    P.ip.tcp_flags = flags;
    P.ip.tcp_seq = seq;
    P.ip.l4_ok = 1;
    P.flags = PKT_HAS_IP;
    return &P;
}

struct sflow {
    struct detect_thread *t;
    struct detect_flow *f;
    struct detect_ctx c;
    struct stream s;
    struct stream_ctx sc;
};

static void chunk(void *ud, int dir, const uint8_t *d, uint32_t len, uint64_t off)
{
    struct sflow *x = ud;
    struct detect_ctx c = x->c;
    c.dir = dir;
    detect_stream(x->t, x->f, &c, d, len, off, &acb);
}

static void gap(void *ud, int dir, uint64_t off, uint64_t len)
{
    struct sflow *x = ud;
    (void)off;
    (void)len;
    detect_stream_gap(x->t, x->f, dir);
}

/* Sends a TCP segment of direction dir through detect_packet and the stream. */
static void tcp(struct sflow *x, int dir, uint32_t seq, const char *data, uint8_t flags)
{
    size_t len = data ? strlen(data) : 0;
    const struct packet *p = mk_pkt(data ? data : "", len, flags, seq);
    x->c.key = &key;
    x->c.p = p;
    x->c.dir = dir;
    x->c.established = 1;
    x->c.ts_ns += 1000;
    detect_packet(x->t, x->f, &x->c, &acb);
    struct stream_cb cb = { chunk, gap, x };
    stream_segment(&x->sc, &x->s, dir, seq, flags, (const uint8_t *)p->data + 40, (uint32_t)len, &cb);
}

static void sflow_open(struct sflow *x, struct detect_engine *e)
{
    memset(x, 0, sizeof(*x));
    x->t = detect_thread_new(e);
    x->f = detect_flow_new(x->t);
    stream_ctx_init(&x->sc, 1 << 20, 64, 1 << 24);
    x->c.ts_ns = 1000000000ULL * 1700000000ULL;
    nalerts = 0;
}

static void sflow_close(struct sflow *x)
{
    struct stream_cb cb = { chunk, gap, x };
    x->c.p = NULL;
    stream_flush(&x->sc, &x->s, &cb);
    stream_free(&x->sc, &x->s);
    detect_flow_free(x->t, x->f);
    detect_thread_free(x->t);
}

/* One packet of a new flow (key) through engine e: exactly the sids
 * (0-terminated, at most 3) fire. Returns the candidates it verified. */
static uint64_t one_packet(struct detect_engine *e, const char *data, uint8_t flags, int dir,
                           const uint32_t *sids)
{
    struct sflow x;
    sflow_open(&x, e);
    x.c.key = &key;
    x.c.p = mk_pkt(data, strlen(data), flags, 0);
    x.c.dir = dir;
    detect_packet(x.t, x.f, &x.c, &acb);
    unsigned want = 0;
    for (unsigned k = 0; k < 3 && sids[k]; k++) {
        want++;
        CHECK_EQ_U(fired(sids[k]), 1);
    }
    CHECK_EQ_U(nalerts, want);
    uint64_t cands = detect_thread_stats(x.t)->candidates;
    detect_flow_free(x.t, x.f);
    detect_thread_free(x.t);
    return cands;
}

static const char *RULES =
    "alert tcp any any -> any 80 (msg:\"split\"; flow:to_server; content:\"EVILPATTERN\"; sid:1;)\n"
    "alert tcp any any -> any 80 (msg:\"depth\"; content:\"GET\"; depth:3; content:\"/admin\"; distance:1; within:6; sid:2;)\n"
    "alert tcp any any -> any 80 (msg:\"negated\"; content:\"POST\"; depth:4; content:!\"Host|3a|\"; sid:3;)\n"
    "alert tcp any any -> any 80 (msg:\"nocase\"; content:\"select\"; nocase; content:\"from\"; nocase; distance:0; sid:4;)\n"
    "alert tcp any any -> any 80 (msg:\"pcre rel\"; content:\"user=\"; pcre:\"/^[a-z]{3,8}\\x26/R\"; sid:5;)\n"
    "alert tcp any any -> any 80 (msg:\"set\"; flow:to_server; content:\"LOGIN\"; flowbits:set,tried; flowbits:noalert; sid:6;)\n"
    "alert tcp any 80 -> any any (msg:\"isset\"; flow:to_client; content:\"WELCOME\"; flowbits:isset,tried; sid:7;)\n"
    "alert tcp any 80 -> any any (msg:\"isnotset\"; flow:to_client; content:\"WELCOME\"; flowbits:isnotset,tried; sid:8;)\n"
    "alert tcp any any -> any 80 (msg:\"limit\"; content:\"PING\"; threshold:type limit, track by_src, count 2, seconds 60; sid:9;)\n"
    "alert tcp any any -> any 80 (msg:\"dfilter\"; content:\"PONG\"; detection_filter:track by_src, count 2, seconds 60; sid:10;)\n"
    "alert tcp any any -> any 80 (msg:\"bytes\"; content:\"|00 05|\"; depth:2; byte_test:2,=,5,0; byte_jump:2,0; content:\"END\"; within:3; sid:11;)\n"
    "alert tcp any any -> any 80 (msg:\"extract\"; content:\"LEN\"; depth:3; byte_extract:1,0,n,relative,string,dec; content:\"X\"; distance:n; within:1; sid:12;)\n"
    "alert tcp any any -> any 80 (msg:\"dsize\"; dsize:>1000; sid:13;)\n"
    "alert ip 198.51.100.0/24 any -> any any (msg:\"ip-only\"; sid:14;)\n"
    "alert ip [203.0.113.5,203.0.113.6] any -> any any (msg:\"ip-only other\"; sid:15;)\n"
    "alert tcp any any -> any 80 (msg:\"endswith\"; content:\".exe\"; endswith; sid:16;)\n"
    "alert tcp any any -> any 80 (msg:\"isdataat\"; content:\"HDR\"; isdataat:!5,relative; sid:17;)\n"
    "alert dns any any -> any any (msg:\"dns dotprefix\"; dns.query; dotprefix; content:\".evil.example\"; endswith; sid:18;)\n"
    "alert udp any any -> any 53 (msg:\"udp payload\"; content:\"|01 00 00 01|\"; offset:2; depth:4; sid:19;)\n"
    "alert tcp any any -> any 80 (msg:\"stateless\"; flags:S; sid:20;)\n";

int main(void)
{
    char cache[] = "/tmp/taishi-test-detect-XXXXXX";
    CHECK(mkdtemp(cache) != NULL);
    struct detect_engine *e = build(RULES, cache);
    CHECK(e != NULL);
    if (!e)
        return unit_done("detect");
    CHECK_EQ_U(detect_engine_ruleset(e)->loaded, 20);
    struct sflow x;
    mk_key(6, 80);

    /* A literal split across two segments, the second arriving first. */
    sflow_open(&x, e);
    tcp(&x, 0, 1000, NULL, TCP_SYN);
    CHECK_EQ_U(fired(20), 1);                   /* flags:S on the SYN */
    CHECK_EQ_U(fired(14), 0);                   /* ip-only: the src must be 198.51.100.0/24 */
    tcp(&x, 1, 5000, NULL, TCP_SYN | TCP_ACK);
    CHECK_EQ_U(fired(14), 1);                   /* the server's answer: src 198.51.100.7 */
    tcp(&x, 1, 5001, NULL, TCP_ACK);
    CHECK_EQ_U(fired(14), 1);                   /* once per direction */
    tcp(&x, 0, 1001 + 9, "TTERN and more", TCP_ACK);     /* out of order */
    CHECK_EQ_U(fired(1), 0);
    tcp(&x, 0, 1001, "xx EVILPA", TCP_ACK);
    CHECK_EQ_U(fired(1), 1);
    tcp(&x, 0, 1001, "xx EVILPA", TCP_ACK);    /* retransmission: no second alert */
    CHECK_EQ_U(fired(1), 1);
    CHECK_EQ_U(fired(15), 0);
    sflow_close(&x);

    /* Positions, negation, nocase, pcre R. */
    sflow_open(&x, e);
    tcp(&x, 0, 1, "GET /admin HTTP/1.0\r\n", TCP_ACK);
    CHECK_EQ_U(fired(2), 1);
    tcp(&x, 0, 22, "GET /x/admin HTTP/1.0\r\n", TCP_ACK);      /* /admin not within 6 */
    CHECK_EQ_U(fired(2), 1);
    tcp(&x, 0, 45, "POST / HTTP/1.0\r\nHost: a\r\n", TCP_ACK);
    CHECK_EQ_U(fired(3), 0);
    tcp(&x, 0, 71, "POST / HTTP/1.0\r\n\r\n", TCP_ACK);
    CHECK_EQ_U(fired(3), 1);
    tcp(&x, 0, 90, "id=1 UNION SELECT a FROM b", TCP_ACK);
    CHECK_EQ_U(fired(4), 1);
    tcp(&x, 0, 116, "user=root&x user=Root&", TCP_ACK);
    CHECK_EQ_U(fired(5), 1);
    tcp(&x, 0, 138, "user=ROOT&", TCP_ACK);
    CHECK_EQ_U(fired(5), 1);                    /* upper case does not match [a-z] */
    tcp(&x, 0, 148, "download evil.exe", TCP_ACK);
    CHECK_EQ_U(fired(16), 1);
    tcp(&x, 0, 165, "evil.exe.txt", TCP_ACK);
    CHECK_EQ_U(fired(16), 1);
    tcp(&x, 0, 177, "HDRabc", TCP_ACK);         /* fewer than 6 bytes after HDR */
    CHECK_EQ_U(fired(17), 1);
    tcp(&x, 0, 183, "HDRabcdefgh", TCP_ACK);
    CHECK_EQ_U(fired(17), 1);
    sflow_close(&x);

    /* Flowbits across directions, thresholds, byte ops, dsize. */
    sflow_open(&x, e);
    tcp(&x, 1, 1, "WELCOME", TCP_ACK);
    CHECK_EQ_U(fired(7), 0);
    CHECK_EQ_U(fired(8), 1);
    tcp(&x, 0, 1, "LOGIN bob", TCP_ACK);
    CHECK_EQ_U(fired(6), 0);                    /* noalert */
    tcp(&x, 1, 8, "WELCOME", TCP_ACK);
    CHECK_EQ_U(fired(7), 1);
    CHECK_EQ_U(fired(8), 1);
    for (int i = 0; i < 4; i++)
        tcp(&x, 0, 10 + 4 * (uint32_t)i, "PING", TCP_ACK);
    CHECK_EQ_U(fired(9), 2);                    /* limit 2 */
    for (int i = 0; i < 4; i++)
        tcp(&x, 0, 26 + 4 * (uint32_t)i, "PONG", TCP_ACK);
    CHECK_EQ_U(fired(10), 2);                   /* after the first 2 */
    tcp(&x, 0, 42, "\x00\x05" "abcdeEND", TCP_ACK);
    CHECK_EQ_U(fired(11), 0);                   /* the stream chunk has NUL: strlen stops */
    sflow_close(&x);

    /* Binary payloads through detect_packet and the stream directly. */
    sflow_open(&x, e);
    {
        static const char bin[] = "\x00\x05" "abcdeEND";
        const struct packet *p = mk_pkt(bin, 10, TCP_ACK, 1);
        struct stream_cb cb = { chunk, gap, &x };
        x.c.key = &key;
        x.c.p = p;
        x.c.dir = 0;
        x.c.established = 1;
        stream_segment(&x.sc, &x.s, 0, 1, TCP_ACK, p->data + 40, 10, &cb);
        CHECK_EQ_U(fired(11), 1);
        static const char ext[] = "LEN3abcX";
        p = mk_pkt(ext, 8, TCP_ACK, 11);
        stream_segment(&x.sc, &x.s, 0, 11, TCP_ACK, p->data + 40, 8, &cb);
        CHECK_EQ_U(fired(12), 1);
        static char big[1200];
        memset(big, 'a', sizeof(big));
        p = mk_pkt(big, sizeof(big), TCP_ACK, 19);
        detect_packet(x.t, x.f, &x.c, &acb);
        CHECK_EQ_U(fired(13), 1);
    }
    sflow_close(&x);

    /* UDP payload and a dns.query buffer with dotprefix. */
    mk_key(17, 53);
    sflow_open(&x, e);
    {
        static const char q[] = "\x12\x34\x01\x00\x00\x01\x00\x00";
        const struct packet *p = mk_pkt(q, 8, 0, 0);
        x.c.key = &key;
        x.c.p = p;
        x.c.dir = 0;
        detect_packet(x.t, x.f, &x.c, &acb);
        CHECK_EQ_U(fired(19), 1);
        x.c.app = RAPP_DNS;
        struct app_buf b = { BUF_DNS_QUERY, 16, (const uint8_t *)"www.evil.example" };
        detect_tx(x.t, x.f, &x.c, &b, 1, &acb);
        CHECK_EQ_U(fired(18), 1);
        struct app_buf b2 = { BUF_DNS_QUERY, 12, (const uint8_t *)"evil.example" };
        detect_tx(x.t, x.f, &x.c, &b2, 1, &acb);
        CHECK_EQ_U(fired(18), 2);                   /* dotprefix: ".evil.example" */
        struct app_buf b3 = { BUF_DNS_QUERY, 15, (const uint8_t *)"notevil.example" };
        detect_tx(x.t, x.f, &x.c, &b3, 1, &acb);
        CHECK_EQ_U(fired(18), 2);
    }
    sflow_close(&x);

    /* A reload: a flow moves to the new ruleset with its flowbits, carried by
     * name (the new ruleset numbers its flowbits differently). */
    mk_key(6, 80);
    {
        struct detect_engine *a = build(
            "alert tcp any any -> any any (msg:\"s\"; content:\"AAA\"; flowbits:set,first; flowbits:set,mark; flowbits:noalert; sid:1;)\n", NULL);
        struct detect_engine *b = build(
            "alert tcp any any -> any any (msg:\"o\"; content:\"ZZZ\"; flowbits:set,other; sid:2;)\n"
            "alert tcp any any -> any any (msg:\"c\"; content:\"BBB\"; flowbits:isset,mark; sid:3;)\n", NULL);
        CHECK(a && b);
        sflow_open(&x, a);
        tcp(&x, 0, 1, "xx AAA xx", TCP_ACK);
        CHECK_EQ_U(nalerts, 0);
        detect_thread_set_engine(x.t, b);
        detect_engine_unref(b);             /* the thread holds its own reference now */
        CHECK(!detect_flow_current(x.t, x.f));
        x.f = detect_flow_migrate(x.t, x.f);
        CHECK(detect_flow_current(x.t, x.f));
        tcp(&x, 0, 10, "yy BBB yy", TCP_ACK);
        CHECK_EQ_U(fired(3), 1);
        sflow_close(&x);
        detect_engine_unref(a);
    }

    /* Action order and pass: a packet's matches in rule order; a pass drops
     * what ranks below it on its packet, and passes the flow when it matched
     * the stream, only the packet when it is a plain packet rule. */
    {
        static const char *PR =
            "alert tcp any any -> any 80 (msg:\"alert\"; content:\"PASSME\"; sid:31;)\n"
            "pass tcp any any -> any 80 (msg:\"pass\"; content:\"PASSME\"; sid:32;)\n"
            "alert tcp any any -> any 80 (msg:\"later\"; content:\"AFTER\"; sid:33;)\n"
            "alert tcp any any -> any 80 (msg:\"syn\"; flags:S; sid:34;)\n"
            "pass tcp any any -> any 80 (msg:\"pass syn\"; flags:S; sid:35;)\n"
            "pass tcp any any -> any 80 (msg:\"logged pass\"; content:\"LOGME\"; alert; sid:36;)\n"
            "alert tcp any any -> any 80 (msg:\"under the logged pass\"; content:\"LOGME\"; sid:37;)\n";
        struct detect_engine *pe = build(PR, NULL);
        CHECK(pe != NULL);
        sflow_open(&x, pe);
        tcp(&x, 0, 0, NULL, TCP_SYN);
        CHECK_EQ_U(fired(34), 0);                   /* the SYN's pass drops its alert */
        CHECK(!detect_flow_passed(x.f));            /* a packet rule: this packet only */
        tcp(&x, 0, 1, "AFTER", TCP_ACK);
        CHECK_EQ_U(fired(33), 1);
        tcp(&x, 0, 6, "PASSME", TCP_ACK);
        CHECK_EQ_U(fired(31), 0);                   /* ranked below the pass */
        CHECK_EQ_U(fired(32), 0);                   /* a pass is not logged */
        CHECK(detect_flow_passed(x.f));             /* a stream match: the flow */
        tcp(&x, 0, 12, "AFTER", TCP_ACK);
        CHECK_EQ_U(fired(33), 1);                   /* nothing inspected any more */
        sflow_close(&x);
        sflow_open(&x, pe);
        tcp(&x, 0, 1, "LOGME", TCP_ACK);
        CHECK_EQ_U(fired(36), 1);                   /* pass with the alert keyword: logged */
        CHECK_EQ_U(fired(37), 0);
        sflow_close(&x);
        detect_engine_unref(pe);

        /* action-order alert first: the alert stays, the pass still passes the flow */
        static const uint8_t alert_first[4] = { 0, 2, 3, 1 };  /* RA_ALERT, RA_DROP, RA_REJECT, RA_PASS */
        build_rank = alert_first;
        pe = build(PR, NULL);
        build_rank = NULL;
        CHECK(pe != NULL);
        sflow_open(&x, pe);
        tcp(&x, 0, 0, NULL, TCP_SYN);
        CHECK_EQ_U(fired(34), 1);
        tcp(&x, 0, 1, "PASSME", TCP_ACK);
        CHECK_EQ_U(fired(31), 1);
        CHECK(detect_flow_passed(x.f));
        sflow_close(&x);
        detect_engine_unref(pe);

        /* no TCP session: a stream rule's match on a packet is a packet match */
        pe = build(PR, NULL);
        CHECK(pe != NULL);
        sflow_open(&x, pe);
        x.c.key = &key;
        x.c.p = mk_pkt("PASSME", 6, TCP_ACK, 1);
        x.c.no_session = 1;
        detect_stream(x.t, x.f, &x.c, (const uint8_t *)"PASSME", 6, 0, &acb);
        detect_stream_gap(x.t, x.f, 0);
        CHECK_EQ_U(fired(31), 0);
        CHECK(!detect_flow_passed(x.f));
        detect_stream(x.t, x.f, &x.c, (const uint8_t *)"AFTER", 5, 0, &acb);
        CHECK_EQ_U(fired(33), 1);
        x.c.no_session = 0;
        sflow_close(&x);
        detect_engine_unref(pe);
    }

    /* No TCP session: the payload is scanned in one block against the stream
     * rules that need no session (nosess_slot); those that need the stream,
     * an established flow or an app-layer protocol are not even candidates,
     * and a port-bound one is in it for its ports (the header check). */
    {
        static const char *NS =
            "alert tcp any any -> any any (msg:\"plain\"; content:\"NOSESS\"; sid:51;)\n"
            "alert tcp any any -> any any (msg:\"est\"; flow:established; content:\"NOSESS\"; sid:52;)\n"
            "alert http any any -> any any (msg:\"app\"; content:\"NOSESS\"; sid:53;)\n"
            "alert tcp any any -> any 9999 (msg:\"port\"; content:\"NOSESS\"; sid:54;)\n"
            "alert tcp any any -> any any (msg:\"only_stream\"; flow:only_stream; content:\"NOSESS\"; sid:55;)\n"
            "alert tcp any any -> any any (msg:\"nofp\"; flow:to_server; pcre:\"/xxNOS/\"; sid:56;)\n"
            "alert tcp any any -> any any (msg:\"pkt est\"; flow:established,no_stream; content:\"NOSESS\"; sid:57;)\n";
        struct detect_engine *ne = build(NS, NULL);
        CHECK(ne != NULL);
        struct sflow y;
        for (int port = 0; ne && port < 2; port++) {
            mk_key(6, port ? 9999 : 80);
            sflow_open(&y, ne);
            y.c.key = &key;
            y.c.p = mk_pkt("xxNOSESSxx", 10, TCP_ACK, 1);
            y.c.no_session = 1;
            uint64_t c0 = detect_thread_stats(y.t)->candidates;
            detect_stream(y.t, y.f, &y.c, (const uint8_t *)"xxNOSESSxx", 10, 0, &acb);
            detect_stream_gap(y.t, y.f, 0);
            CHECK_EQ_U(fired(51), 1);
            CHECK_EQ_U(fired(52), 0);
            CHECK_EQ_U(fired(53), 0);
            CHECK_EQ_U(fired(54), (unsigned)port);
            CHECK_EQ_U(fired(55), 0);
            CHECK_EQ_U(fired(56), 1);
            /* 51, 54 and 56 only: the others cannot match without a session */
            CHECK_EQ_U(detect_thread_stats(y.t)->candidates - c0, 3);
            /* the packet slot's only rule needs an established flow: not
             * scanned while the flow is not (pkt_slot_live), then it is */
            c0 = detect_thread_stats(y.t)->candidates;
            detect_packet(y.t, y.f, &y.c, &acb);
            CHECK_EQ_U(detect_thread_stats(y.t)->candidates - c0, 0);
            CHECK_EQ_U(fired(57), 0);
            y.c.established = 1;
            detect_packet(y.t, y.f, &y.c, &acb);
            CHECK_EQ_U(fired(57), 1);
            y.c.established = 0;
            y.c.no_session = 0;
            sflow_close(&y);
        }
        /* the same payload in a session: the stream rules see it */
        mk_key(6, 80);
        sflow_open(&y, ne);
        tcp(&y, 0, 0, NULL, TCP_SYN);
        tcp(&y, 0, 1, "xxNOSESSxx", TCP_ACK);
        sflow_close(&y);
        CHECK_EQ_U(fired(51), 1);
        CHECK_EQ_U(fired(52), 1);
        CHECK_EQ_U(fired(55), 1);
        CHECK_EQ_U(fired(56), 1);
        detect_engine_unref(ne);
        mk_key(6, 80);
    }

    /* Port groups (detect_pgroup.c): a rule bound to a few server ports is in
     * its port class's database only. It fires on flows to those ports, on
     * every path (stream to server; stream to client by its source port; a
     * packet-only rule; a UDP payload; an app buffer; a rule without a
     * literal), and the rules of other classes and of no class (any port, <>)
     * keep firing beside it with the same literal. */
    {
        static const char *GR =
            "alert tcp any any -> any [8080,8443,9999] (msg:\"bound\"; flow:to_server; content:\"PGLIT\"; sid:41;)\n"
            "alert tcp any any -> any any (msg:\"any port\"; flow:to_server; content:\"PGLIT\"; sid:42;)\n"
            "alert tcp any 8443 -> any any (msg:\"to client\"; flow:to_client; content:\"PGREPLY\"; sid:43;)\n"
            "alert tcp any any <> any 8080 (msg:\"bidir\"; content:\"PGBI\"; sid:44;)\n"
            "alert tcp any any -> any 8080 (msg:\"packet\"; flow:to_server,no_stream; content:\"PGPKT\"; sid:45;)\n"
            "alert udp any any -> any [53,5355] (msg:\"udp\"; content:\"PGUDP\"; sid:46;)\n"
            "alert http any any -> any 8080 (msg:\"app\"; http.uri; content:\"/pguri\"; sid:47;)\n"
            "alert tcp any any -> any 8443 (msg:\"no literal\"; flow:to_server; pcre:\"/PG[0-9]{3}/\"; sid:48;)\n"
            "alert tcp any any -> any 8080 (msg:\"other class\"; flow:to_server; content:\"PGLIT\"; sid:49;)\n";
        struct rule_vars *gv = rules_vars_new();
        struct rule_load_opts go = { gv, NULL };
        struct detect_build_info gi;
        char gerr[256];
        struct detect_build_opts gbo = { .cache_dir = NULL };
        struct detect_engine *ge = detect_compile(rules_set_parse_string(&go, GR), &gbo, &gi, gerr, sizeof(gerr));
        rules_vars_free(gv);
        CHECK(ge != NULL);
        CHECK_EQ_U(detect_engine_ruleset(ge)->loaded, 9);
        CHECK(gi.nsub >= 4);            /* stream both ways, TCP packet, UDP, http.uri */
        static const uint16_t ports[] = { 8080, 8443, 9999, 80 };
        for (unsigned pi = 0; pi < 4; pi++) {
            uint16_t port = ports[pi];
            mk_key(6, port);
            sflow_open(&x, ge);
            tcp(&x, 0, 0, NULL, TCP_SYN);
            tcp(&x, 1, 0, NULL, TCP_SYN | TCP_ACK);
            tcp(&x, 0, 1, "xx PGLIT PG123 PGPKT PGBI", TCP_ACK);
            tcp(&x, 1, 1, "yy PGREPLY", TCP_ACK);
            x.c.app = RAPP_HTTP;
            x.c.dir = 0;
            x.c.p = NULL;
            struct app_buf ub = { BUF_HTTP_URI, 6, (const uint8_t *)"/pguri" };
            detect_tx(x.t, x.f, &x.c, &ub, 1, &acb);
            x.c.app = 0;
            sflow_close(&x);
            CHECK_EQ_U(fired(41), port != 80);
            CHECK_EQ_U(fired(42), 1);
            CHECK_EQ_U(fired(43), port == 8443);
            CHECK_EQ_U(fired(44), port == 8080);
            CHECK_EQ_U(fired(45), port == 8080);
            CHECK_EQ_U(fired(47), port == 8080);
            CHECK_EQ_U(fired(48), port == 8443);
            CHECK_EQ_U(fired(49), port == 8080);
        }
        static const uint16_t uports[] = { 53, 5355, 5353 };
        for (unsigned pi = 0; pi < 3; pi++) {
            mk_key(17, uports[pi]);
            sflow_open(&x, ge);
            x.c.key = &key;
            x.c.p = mk_pkt("..PGUDP..", 9, 0, 0);
            x.c.dir = 0;
            detect_packet(x.t, x.f, &x.c, &acb);
            CHECK_EQ_U(fired(46), uports[pi] != 5353);
            x.c.p = NULL;
            detect_flow_free(x.t, x.f);
            detect_thread_free(x.t);
        }
        detect_engine_unref(ge);
    }

    /* Bounded literals (detect_compile.c lit_bounds): a packet slot of 64
     * literals or more is compiled with each fast pattern's offset/depth as
     * Hyperscan min/max end offsets. Alerts stay the rule's own answer: the
     * literal inside its window fires, outside does not, and the same
     * literal of an unbounded rule is still found anywhere. */
    {
        size_t cap = 16384, n = 0;
        char *br = malloc(cap);
        CHECK(br != NULL);
        for (int i = 0; i < 70 && br; i++)
            n += (size_t)snprintf(br + n, cap - n,
                                  "alert udp any any -> any any (msg:\"filler\"; content:\"FILL%02dX\"; depth:20; sid:%d;)\n",
                                  i, 200 + i);
        if (br)
            snprintf(br + n, cap - n, "%s",
                     "alert udp any any -> any any (msg:\"depth 2\"; content:\"|e3 0d|\"; depth:2; sid:100;)\n"
                     "alert udp any any -> any any (msg:\"window\"; content:\"BOUNDLIT\"; offset:4; depth:8; sid:101;)\n"
                     "alert udp any any -> any any (msg:\"anywhere\"; content:\"BOUNDLIT\"; sid:102;)\n"
                     "alert udp any any -> any any (msg:\"chopped\"; content:\"ABCDEFGH\"; fast_pattern:2,3; offset:1; depth:10; sid:103;)\n"
                     "alert udp any any -> any any (msg:\"startswith\"; content:\"STARTLIT\"; startswith; sid:104;)\n");
        struct detect_engine *be = br ? build(br, NULL) : NULL;
        free(br);
        CHECK(be != NULL);
        static const struct { const char *data; uint32_t sids[3]; } pk[] = {
            { "\xe3\x0d-rest", { 100 } },
            { "--\xe3\x0d", { 0 } },
            { "xxxxBOUNDLITyy", { 101, 102 } },
            { "xxxxxBOUNDLIT", { 102 } },          /* ends past offset + depth */
            { "BOUNDLITxxxxxx", { 102 } },         /* starts before the offset */
            { "-ABCDEFGH-", { 103 } },
            { "--ABCDEFGH", { 103 } },
            { "ABCDEFGH", { 0 } },                 /* before offset 1 */
            { "----ABCDEFGH", { 0 } },             /* past depth 10 */
            { "STARTLIT and more", { 104 } },
            { " STARTLIT", { 0 } },
            { "....FILL07X", { 207 } },
        };
        for (unsigned i = 0; be && i < sizeof(pk) / sizeof(pk[0]); i++) {
            mk_key(17, 4000);
            one_packet(be, pk[i].data, 0, 0, pk[i].sids);
        }
        detect_engine_unref(be);
    }

    /* Address index (detect_addrix.c): a rule with wide
     * prefixes on both sides is indexed by both and is a candidate only when
     * the flow's addresses hit one side each (either way round); a side of
     * hosts indexes a rule alone. The answers are the header's: only the
     * candidate counts show the index at work. */
    {
        struct detect_engine *ie = build(
            "alert ip [198.51.0.0/16,203.0.0.0/16] any -> [192.168.0.0/16,10.0.0.0/8] any (msg:\"both wide\"; sid:300;)\n"
            "alert ip [192.168.0.0/16] any <> [198.51.0.0/16] any (msg:\"both wide bidir\"; sid:301;)\n"
            "alert tcp [198.51.0.0/16] any -> [192.168.0.0/16] any (msg:\"header both wide\"; flags:S; sid:302;)\n"
            "alert ip [203.0.113.9,198.51.100.7] any -> [10.0.0.0/8] any (msg:\"hosts\"; sid:303;)\n"
            "alert ip 64.0.0.0/2 any -> any any (msg:\"short prefix\"; sid:304;)\n", NULL);
        CHECK(ie != NULL);
        static const struct {
            uint8_t src[4], dst[4];
            int dir;
            uint32_t sids[3];
            uint64_t cands;         /* header checks the index let through */
        } ck[] = {          /* candidates: the flow's addresses, whatever the direction */
            { { 192, 168, 1, 10 }, { 198, 51, 100, 7 }, 0, { 301 }, 4 },
            { { 192, 168, 1, 10 }, { 198, 51, 100, 7 }, 1, { 300, 301, 302 }, 4 },
            { { 10, 1, 2, 3 }, { 203, 0, 113, 9 }, 1, { 300, 303 }, 2 },
            { { 10, 1, 2, 3 }, { 203, 0, 113, 9 }, 0, { 0 }, 2 },   /* wrong way round */
            { { 5, 5, 5, 5 }, { 10, 1, 2, 3 }, 0, { 0 }, 0 },       /* one side only */
            { { 198, 51, 3, 3 }, { 8, 8, 8, 8 }, 0, { 0 }, 0 },     /* one side indexed: 2 */
            { { 198, 51, 3, 3 }, { 198, 51, 4, 4 }, 0, { 0 }, 0 },  /* both in one side: 2 */
            /* IPv4 look-ups try the prefix lengths under the first octet: /2 covers 64-127 */
            { { 100, 1, 2, 3 }, { 8, 8, 8, 8 }, 0, { 304 }, 1 },
            { { 5, 5, 5, 5 }, { 127, 0, 0, 1 }, 1, { 304 }, 1 },
            { { 128, 0, 0, 1 }, { 63, 255, 255, 255 }, 0, { 0 }, 0 },
        };
        for (unsigned i = 0; ie && i < sizeof(ck) / sizeof(ck[0]); i++) {
            mk_key(6, 443);
            memcpy(key.src, ck[i].src, 4);
            memcpy(key.dst, ck[i].dst, 4);
            CHECK_EQ_U(one_packet(ie, "", TCP_SYN, ck[i].dir, ck[i].sids), ck[i].cands);
        }
        detect_engine_unref(ie);
    }

    /* The cache: the same rules again load their databases from disk. */
    struct rule_vars *v = rules_vars_new();
    struct rule_load_opts o = { v, NULL };
    struct detect_build_info bi;
    char err[256];
    struct detect_build_opts bo = { .cache_dir = cache };
    struct detect_engine *e2 = detect_compile(rules_set_parse_string(&o, RULES), &bo, &bi, err,
                                              sizeof(err));
    rules_vars_free(v);
    CHECK(e2 != NULL);
    CHECK_EQ_U(bi.from_cache, 1);
    detect_engine_unref(e2);
    detect_engine_unref(e);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", cache);
    CHECK_EQ_U(system(cmd), 0);
    return unit_done("detect");
}
