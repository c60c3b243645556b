/* test_policy.c - the policies' verdicts (enrich/policy.c) on flows built
 * by hand, with no capture: indicator hits and the field each names, the
 * cross-border policy (outbound, inbound, allowed, unknown country, both
 * ends at home, off, no GeoIP), its min-bytes trigger, the asset rule and
 * the risk gate. GeoIP answers come from the project's test database
 * (tests/data/README.md: 203.0.113.0/25 US, 203.0.113.128/25 GB,
 * 198.51.100.0/24 CN). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taishi/dpi/dpi.h"
#include "taishi/enrich/policy.h"
#include "unit.h"

static void set4(uint8_t a[16], unsigned x, unsigned y, unsigned z, unsigned w)
{
    memset(a, 0, 16);
    a[0] = (uint8_t)x; a[1] = (uint8_t)y; a[2] = (uint8_t)z; a[3] = (uint8_t)w;
}

static struct flow flow4(const unsigned s[4], const unsigned d[4], uint8_t proto)
{
    struct flow f;
    memset(&f, 0, sizeof(f));
    f.key.ipver = 4;
    f.key.proto = proto;
    set4(f.key.src, s[0], s[1], s[2], s[3]);
    set4(f.key.dst, d[0], d[1], d[2], d[3]);
    f.key.sport = 40000;
    f.key.dport = 443;
    return f;
}

static void test_intel(const struct config *cfg0)
{
    struct config cfg = *cfg0;
    char path[64], err[512];
    struct policy_intel_hit h[3];

    snprintf(path, sizeof(path), "/tmp/taishi-policy-%d.csv", (int)getpid());
    FILE *fp = fopen(path, "w");
    fputs("type,value,source,severity\nip,192.0.2.0/24,a,1\nip,198.51.100.7,b,2\n"
          "domain,evil.example,c,3\nja3,0123456789abcdef0123456789abcdef,d,1\n"
          "url,http://evil.example/x/y,e,2\n", fp);
    fclose(fp);
    snprintf(cfg.intel_files, sizeof(cfg.intel_files), "[%s]", path);
    struct intel *in = intel_open(&cfg, err, sizeof(err));
    CHECK(in != NULL);
    if (!in)
        return;

    struct flow f = flow4((unsigned[]){ 192, 0, 2, 9 }, (unsigned[]){ 198, 51, 100, 7 }, IPPROTO_TCP);
    CHECK_EQ_U(policy_intel_addresses(in, &f, h), 2);
    CHECK_STR(h[0].matched, "src_ip");
    CHECK_STR(h[0].ind->source, "a");
    CHECK_STR(h[1].matched, "dest_ip");
    CHECK_STR(h[1].ind->source, "b");
    f = flow4((unsigned[]){ 10, 0, 0, 1 }, (unsigned[]){ 192, 0, 2, 200 }, IPPROTO_TCP);
    CHECK_EQ_U(policy_intel_addresses(in, &f, h), 1);
    CHECK_STR(h[0].matched, "dest_ip");
    f = flow4((unsigned[]){ 192, 0, 2, 1 }, (unsigned[]){ 192, 0, 2, 2 }, IPPROTO_UDP);
    CHECK_EQ_U(policy_intel_addresses(in, &f, h), 1);         /* one indicator, one hit */
    f = flow4((unsigned[]){ 10, 0, 0, 1 }, (unsigned[]){ 10, 0, 0, 2 }, IPPROTO_UDP);
    CHECK_EQ_U(policy_intel_addresses(in, &f, h), 0);
    CHECK_EQ_U(policy_intel_addresses(NULL, &f, h), 0);

    /* what nDPI found, and the field each hit names */
    strcpy(f.dpi.host, "www.evil.example");
    CHECK_EQ_U(policy_intel_metadata(in, &f, "tls", h), 1);
    CHECK_STR(h[0].matched, "tls.sni");
    CHECK_EQ_U(policy_intel_metadata(in, &f, "quic", h), 1);
    CHECK_STR(h[0].matched, "tls.sni");
    CHECK_EQ_U(policy_intel_metadata(in, &f, "dns", h), 1);
    CHECK_STR(h[0].matched, "dns.rrname");
    CHECK_EQ_U(policy_intel_metadata(in, &f, "ssh", h), 1);
    CHECK_STR(h[0].matched, "ndpi.hostname");
    strcpy(f.dpi.host, "evil.example");
    strcpy(f.dpi.ja3c, "0123456789abcdef0123456789abcdef");
    char url[] = "evil.example/x/y";
    f.dpi.url = url;
    CHECK_EQ_U(policy_intel_metadata(in, &f, "http", h), 3);
    CHECK_STR(h[0].matched, "http.hostname");
    CHECK_STR(h[1].matched, "tls.ja3.hash");
    CHECK_STR(h[2].matched, "http.url");
    strcpy(f.dpi.host, "good.example");
    f.dpi.ja3c[0] = 0;
    CHECK_EQ_U(policy_intel_metadata(in, &f, "http", h), 0);   /* the URL's host is the flow's */
    intel_close(in);
    unlink(path);
}

static void test_cross_border(const struct config *cfg0)
{
    struct config cfg = *cfg0;
    char err[512];
    struct policy_cross_border v;

    CHECK(config_set(&cfg, "enrich.geoip.city", "tests/data/taishi-test-city.mmdb", err, sizeof(err)) == 0);
    CHECK(config_set(&cfg, "vars.HOME_NET", "[10.0.0.0/8]", err, sizeof(err)) == 0);
    struct enrich *e = enrich_open(&cfg, err, sizeof(err));
    CHECK(e != NULL);
    if (!e)
        return;
    struct enrich_cache *ec = enrich_cache_create(e);

    struct flow f = flow4((unsigned[]){ 10, 1, 2, 3 }, (unsigned[]){ 203, 0, 113, 5 }, IPPROTO_TCP);
    memset(&v, 0, sizeof(v));
    CHECK_EQ_U(policy_cross_border(e, ec, &cfg, &f, &v), 1);
    CHECK_STR(v.country, "US");
    CHECK_EQ_U(v.outbound, 1);
    f = flow4((unsigned[]){ 203, 0, 113, 200 }, (unsigned[]){ 10, 1, 2, 3 }, IPPROTO_TCP);
    CHECK_EQ_U(policy_cross_border(e, ec, &cfg, &f, &v), 1);
    CHECK_STR(v.country, "GB");
    CHECK_EQ_U(v.outbound, 0);
    f = flow4((unsigned[]){ 10, 1, 2, 3 }, (unsigned[]){ 198, 51, 100, 7 }, IPPROTO_TCP);
    CHECK_EQ_U(policy_cross_border(e, ec, &cfg, &f, &v), 0);  /* CN is allowed by default */
    f = flow4((unsigned[]){ 10, 1, 2, 3 }, (unsigned[]){ 10, 9, 9, 9 }, IPPROTO_TCP);
    CHECK_EQ_U(policy_cross_border(e, ec, &cfg, &f, &v), 0);  /* both ends at home */
    f = flow4((unsigned[]){ 203, 0, 113, 5 }, (unsigned[]){ 198, 51, 100, 7 }, IPPROTO_TCP);
    CHECK_EQ_U(policy_cross_border(e, ec, &cfg, &f, &v), 0);  /* neither end at home */
    f = flow4((unsigned[]){ 10, 1, 2, 3 }, (unsigned[]){ 8, 8, 8, 8 }, IPPROTO_UDP);
    CHECK_EQ_U(policy_cross_border(e, ec, &cfg, &f, &v), 0);  /* no known country */
    f = flow4((unsigned[]){ 10, 1, 2, 3 }, (unsigned[]){ 203, 0, 113, 5 }, IPPROTO_TCP);
    cfg.xborder_enabled = 0;
    CHECK_EQ_U(policy_cross_border(e, ec, &cfg, &f, &v), 0);  /* policy off */
    cfg.xborder_enabled = 1;
    CHECK_EQ_U(policy_cross_border(NULL, NULL, &cfg, &f, &v), 0);

    /* allowed countries from the config */
    struct config c2 = cfg;
    CHECK(config_set(&c2, "policy.cross-border.allowed-countries", "[CN, US]", err, sizeof(err)) == 0);
    struct enrich *e2 = enrich_open(&c2, err, sizeof(err));
    struct enrich_cache *ec2 = e2 ? enrich_cache_create(e2) : NULL;
    CHECK(e2 && policy_cross_border(e2, ec2, &c2, &f, &v) == 0);
    enrich_cache_destroy(ec2);
    enrich_close(e2);

    /* min-bytes: judged early once both directions together reach it */
    cfg.xborder_min_bytes = 500;
    f.bytes[0] = 300;
    f.bytes[1] = 199;
    CHECK_EQ_U(policy_cross_border_due(&cfg, &f), 0);
    f.bytes[1] = 200;
    CHECK_EQ_U(policy_cross_border_due(&cfg, &f), 1);
    cfg.xborder_min_bytes = 0;
    CHECK_EQ_U(policy_cross_border_due(&cfg, &f), 0);         /* 0: only at the end */
    enrich_cache_destroy(ec);
    enrich_close(e);

    /* without a GeoIP database the policy has nothing to say */
    struct config c3 = *cfg0;
    CHECK(config_set(&c3, "vars.HOME_NET", "[10.0.0.0/8]", err, sizeof(err)) == 0);
    struct enrich *e3 = enrich_open(&c3, err, sizeof(err));
    if (e3) {
        struct enrich_cache *ec3 = enrich_cache_create(e3);
        CHECK_EQ_U(policy_cross_border(e3, ec3, &c3, &f, &v), 0);
        enrich_cache_destroy(ec3);
        enrich_close(e3);
    }
}

static void test_asset_rule(void)
{
    struct flow f = flow4((unsigned[]){ 10, 0, 0, 1 }, (unsigned[]){ 10, 0, 0, 2 }, IPPROTO_UDP);
    f.pkts[0] = 3;
    CHECK_EQ_U(policy_answered_service(&f), 0);               /* no answer */
    f.pkts[1] = 1;
    CHECK_EQ_U(policy_answered_service(&f), 1);
    f.key.proto = IPPROTO_SCTP;
    CHECK_EQ_U(policy_answered_service(&f), 1);
    f.key.proto = IPPROTO_ICMP;
    CHECK_EQ_U(policy_answered_service(&f), 0);               /* not a service */
    f.key.proto = IPPROTO_TCP;
    f.state = FS_NEW;
    f.tcp_seen[1] = TCP_RST | TCP_ACK;
    CHECK_EQ_U(policy_answered_service(&f), 0);               /* a RST is no answer */
    f.tcp_seen[1] = TCP_SYN | TCP_ACK;
    CHECK_EQ_U(policy_answered_service(&f), 1);               /* SYN-ACK */
    f.tcp_seen[1] = TCP_ACK;
    f.state = FS_ESTABLISHED;
    CHECK_EQ_U(policy_answered_service(&f), 1);               /* picked up mid-session */
}

static void test_risk_gate(const struct config *cfg0)
{
    struct config cfg = *cfg0;
    struct flow f = flow4((unsigned[]){ 10, 0, 0, 1 }, (unsigned[]){ 10, 0, 0, 2 }, IPPROTO_TCP);
    uint16_t cli, srv;
    unsigned score = 0;

    CHECK_EQ_U(policy_risk_due(&cfg, &f), 0);                 /* no risk */
    for (int b = 1; b < 63 && !score; b++) {
        f.dpi.risk = 1ULL << b;
        score = dpi_risk_score(f.dpi.risk, &cli, &srv);
    }
    CHECK(score > 0);
    cfg.risk_min_score = score;
    CHECK_EQ_U(policy_risk_due(&cfg, &f), 1);
    cfg.risk_min_score = score + 1;
    CHECK_EQ_U(policy_risk_due(&cfg, &f), 0);
}

int main(void)
{
    struct config cfg;

    config_defaults(&cfg);
    test_intel(&cfg);
    test_cross_border(&cfg);
    test_asset_rule();
    test_risk_gate(&cfg);
    return unit_done("policy");
}
