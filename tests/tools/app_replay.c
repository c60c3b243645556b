/* app_replay.c - a test driver for the app-layer parsers on real captures:
 * reads a pcap with libpcap, decodes frames with decode_frame() (and a
 * defragmenter), reassembles each TCP direction NAIVELY (in-order segments
 * only: a segment that starts before the expected sequence number gives
 * only its new tail, one that starts after it reports a gap of the missing
 * bytes and goes on; no out-of-order queue), picks the parser by the
 * server port (80/8080/8000/3128 HTTP, 443/8443 TLS, 53 DNS, 22 SSH; UDP
 * 53/5353 DNS datagrams) and prints one line per field of each tx:
 *
 *   http.host<TAB>Host as sent      http.uri<TAB>request URI as sent
 *   http.status<TAB>code            dns.query<TAB>question name (per message)
 *   tls.sni<TAB>server name         tls.version / tls.subject / tls.ja3 ...
 *   ssh.client / ssh.server<TAB>software
 *
 * and the app_stats counters on stderr. A test tool only: the sensor's flow
 * stage does the real reassembly. tests/tools/app_compare.py compares the
 * output with tshark's.
 *
 *   build/app-replay FILE.pcap */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/decode/decode.h"
#include "taishi/decode/defrag.h"

struct rflow {
    struct rflow *next;
    struct flow_key key;        /* as first seen */
    int client_is_src;          /* key.src is the client */
    struct app_flow *app;
    uint32_t next_seq[2];
    uint8_t have_seq[2];
};

#define NB 65536
static struct rflow *tab[NB];
static struct app_stats st;
static struct app_limits lim;

static void print_str(const char *k, const char *v, size_t n)
{
    printf("%s\t", k);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 32 || c == 127 || c == '\\')
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    putchar('\n');
}

static void on_tx(void *ud, const struct app_tx *tx)
{
    (void)ud;
    for (uint32_t i = 0; i < tx->nbufs; i++) {
        const struct app_buf *b = &tx->bufs[i];
        const char *k = NULL;
        switch (b->id) {
        case BUF_HTTP_HOST_RAW: k = "http.host"; break;
        case BUF_HTTP_URI_RAW: k = "http.uri"; break;
        case BUF_HTTP_STAT_CODE: k = "http.status"; break;
        case BUF_DNS_QUERY: k = "dns.query"; break;
        case BUF_TLS_SNI: k = "tls.sni"; break;
        case BUF_JA3_HASH: k = "tls.ja3"; break;
        case BUF_TLS_CERT_SUBJECT: k = "tls.subject"; break;
        case BUF_SSH_SOFTWARE: k = tx->dir ? "ssh.server" : "ssh.client"; break;
        }
        if (k)
            print_str(k, (const char *)b->data, b->len);
    }
    if (tx->proto == app_registry_id("tls") && tx->kind == TX_TLS_SERVER) {
        const struct app_tls_meta *m = tx->meta;
        if (m->version)
            print_str("tls.version", m->version, strlen(m->version));
    }
}

static const struct app_sink sink = { on_tx, NULL, NULL };

static int by_port(uint16_t p)
{
    switch (p) {
    case 80: case 8080: case 8000: case 3128: return app_registry_id("http");
    case 443: case 8443: return app_registry_id("tls");
    case 53: return app_registry_id("dns");
    case 22: return app_registry_id("ssh");
    }
    return 0;
}

static uint32_t khash(const struct flow_key *k)
{
    uint32_t h = 2166136261u, a = 0, b = 0;
    for (int i = 0; i < 16; i++) {
        a = a * 31 + k->src[i];
        b = b * 31 + k->dst[i];
    }
    h ^= a ^ b ^ (uint32_t)(k->sport ^ k->dport) ^ k->proto;
    return (h * 2654435761u) % NB;
}

static int same_dir(const struct flow_key *a, const struct flow_key *b)
{
    return !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16) && a->sport == b->sport &&
           a->dport == b->dport && a->proto == b->proto;
}

static int reverse(const struct flow_key *a, const struct flow_key *b)
{
    return !memcmp(a->src, b->dst, 16) && !memcmp(a->dst, b->src, 16) && a->sport == b->dport &&
           a->dport == b->sport && a->proto == b->proto;
}

static void tcp_packet(const struct ip_layer *l, const uint8_t *base)
{
    const struct flow_key *k = &l->key;
    struct rflow *f;
    int fwd = 1;
    uint32_t h = khash(k);

    for (f = tab[h]; f; f = f->next) {
        if (same_dir(&f->key, k)) { fwd = 1; break; }
        if (reverse(&f->key, k)) { fwd = 0; break; }
    }
    if (!f) {
        int syn_only = (l->tcp_flags & 0x12) == 0x02, synack = (l->tcp_flags & 0x12) == 0x12;
        int p = by_port(k->dport);
        int client_is_src = 1;
        if (synack || (!syn_only && p == 0 && by_port(k->sport) != 0)) {
            client_is_src = 0;
            p = by_port(k->sport);
        }
        if (p == 0)
            return;
        f = calloc(1, sizeof(*f));
        f->key = *k;
        f->client_is_src = client_is_src;
        f->app = app_flow_new(p, &lim, &st);
        f->next = tab[h];
        tab[h] = f;
    }
    int dir = (fwd == f->client_is_src) ? APP_DIR_TOSERVER : APP_DIR_TOCLIENT;
    uint32_t seq = l->tcp_seq, len = l->pl_len;
    const uint8_t *pl = base + l->pl_off;
    if (l->tcp_flags & 0x02) {              /* SYN: data starts at seq + 1 */
        f->next_seq[dir] = seq + 1;
        f->have_seq[dir] = 1;
        seq++;
    }
    if (!len)
        return;
    if (!f->have_seq[dir]) {
        f->next_seq[dir] = seq;
        f->have_seq[dir] = 1;
    }
    int32_t d = (int32_t)(seq - f->next_seq[dir]);
    if (d < 0) {                             /* retransmission, maybe with new bytes */
        if ((uint32_t)-d >= len)
            return;
        pl += (uint32_t)-d;
        len -= (uint32_t)-d;
    } else if (d > 0) {
        app_flow_gap(f->app, dir, (size_t)d, &sink);
    }
    uint64_t e0 = app_stats_get(&st, "http", "parse_errors") + app_stats_get(&st, "tls", "parse_errors") + app_stats_get(&st, "dns", "parse_errors");
    app_flow_feed(f->app, dir, pl, len, &sink);
    f->next_seq[dir] = seq + (d < 0 ? (uint32_t)-d : 0) + len;
    if (getenv("APP_REPLAY_DEBUG") && app_stats_get(&st, "http", "parse_errors") + app_stats_get(&st, "tls", "parse_errors") + app_stats_get(&st, "dns", "parse_errors") != e0) {
        fprintf(stderr, "parse error: ports %u -> %u dir %d, %u bytes at seq %u: ", k->sport, k->dport,
                dir, len, seq);
        for (uint32_t i = 0; i < len && i < 48; i++)
            fputc(pl[i] >= 32 && pl[i] < 127 ? pl[i] : '.', stderr);
        fputc('\n', stderr);
    }
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *ph;
    const u_char *data;
    struct decode_config dc = { 4789, 3544, 2152 };
    struct decode_stats ds;
    struct defrag_config dfc = { 1024, 30, 64 };
    struct decoded d;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.pcap\n", argv[0]);
        return 1;
    }
    pcap_t *pc = pcap_open_offline(argv[1], err);
    if (!pc) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int link = pcap_datalink(pc);
    if (!decode_l2_link_supported(link)) {
        fprintf(stderr, "%s: link type %d not supported\n", argv[1], link);
        return 1;
    }
    app_limits_default(&lim);
    memset(&ds, 0, sizeof(ds));
    struct defrag *df = defrag_create(&dfc);
    while ((rc = pcap_next_ex(pc, &ph, &data)) == 1) {
        uint64_t ts = (uint64_t)ph->ts.tv_sec * 1000000000ULL + (uint64_t)ph->ts.tv_usec * 1000;
        if (decode_frame(&dc, &ds, df, link, data, ph->caplen, ph->len, ts, &d) < 0 || d.nlayers == 0 ||
            d.consumed)
            continue;
        const struct ip_layer *l = &d.layer[d.nlayers - 1];
        const uint8_t *base = d.base[d.nlayers - 1];
        if (!l->l4_ok)
            continue;
        if (l->key.proto == 6) {
            tcp_packet(l, base);
        } else if (l->key.proto == 17 && (l->key.dport == 53 || l->key.sport == 53 ||
                                          l->key.dport == 5353)) {
            int dir = l->key.dport == 53 || l->key.dport == 5353 ? APP_DIR_TOSERVER : APP_DIR_TOCLIENT;
            app_datagram(app_registry_id("dns"), base + l->pl_off, l->pl_len, dir, &lim, &st, &sink);
        }
    }
    for (int i = 0; i < NB; i++)
        for (struct rflow *f = tab[i], *n; f; f = n) {
            n = f->next;
            app_flow_end(f->app, &sink);
            app_flow_free(f->app);
            free(f);
        }
    defrag_destroy(df);
    pcap_close(pc);
    fprintf(stderr, "http_tx=%llu http_errors=%llu dns=%llu dns_errors=%llu tls=%llu tls_errors=%llu "
                    "ssh=%llu gaps=%llu memory_left=%llu\n",
            (unsigned long long)app_stats_get(&st, "http", "tx"), (unsigned long long)app_stats_get(&st, "http", "parse_errors"),
            (unsigned long long)app_stats_get(&st, "dns", "messages"), (unsigned long long)app_stats_get(&st, "dns", "parse_errors"),
            (unsigned long long)app_stats_get(&st, "tls", "handshakes"), (unsigned long long)app_stats_get(&st, "tls", "parse_errors"),
            (unsigned long long)app_stats_get(&st, "ssh", "banners"), (unsigned long long)st.gaps,
            (unsigned long long)st.memory);
    return 0;
}
