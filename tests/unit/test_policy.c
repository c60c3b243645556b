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
#include "taishi/enrich/assets.h"
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

/* risk.app: every weakness on by default; a list switches the others off;
 * a name not in the table is never on. */
static void test_app_risk_gate(const struct config *cfg0)
{
    struct config cfg = *cfg0;
    char err[256];

    for (int i = 0; i < app_risk_count(); i++)
        CHECK_EQ_U(policy_app_risk(&cfg, app_risk_name(i)), (unsigned)i);
    CHECK(policy_app_risk(&cfg, "no_such_risk") < 0);
    CHECK(policy_app_risk(&cfg, NULL) < 0);
    CHECK_EQ_U(config_set(&cfg, "risk.app", "[smb1_in_use]", err, sizeof(err)), 0);
    CHECK_EQ_U(policy_app_risk(&cfg, "smb1_in_use"), (unsigned)app_risk_index("smb1_in_use"));
    CHECK(policy_app_risk(&cfg, "snmp_default_community") < 0);
    CHECK_EQ_U(config_set(&cfg, "risk.app", "[]", err, sizeof(err)), 0);
    CHECK(policy_app_risk(&cfg, "smb1_in_use") < 0);
    CHECK(config_set(&cfg, "risk.app", "[smb1]", err, sizeof(err)) < 0);
    CHECK(strstr(err, "risk.app") && strstr(err, "krb5_weak_encryption"));
}

/* A flow's facts: the same object and key replaces, the cap drops the rest;
 * hosts merge by address, only confirmed ones are announced, once; the
 * state file keeps them (port 0, proto 0) and the old format loads. */
static void test_facts(const struct config *cfg0)
{
    struct asset_facts af;
    struct app_asset_meta m = { .object = "smb", .key = "dialect", .value = "2.02" };
    memset(&af, 0, sizeof(af));
    asset_facts_add(&af, &m, 1);
    m.value = "3.1.1";
    asset_facts_add(&af, &m, 2);
    CHECK_EQ_U(af.nfacts, 1);
    CHECK_STR(af.f[0].value, "3.1.1");
    m = (struct app_asset_meta){ .object = "mqtt", .key = "protocol_version", .num = 5 };
    asset_facts_add(&af, &m, 3);
    CHECK(af.nfacts == 2 && af.f[1].is_num && af.f[1].num == 5);
    static const char *const keys[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
                                        "m", "n" };
    char longv[300];
    memset(longv, 'x', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = 0;
    for (int i = 0; i < 14; i++) {
        m = (struct app_asset_meta){ .object = "krb5", .key = keys[i], .value = longv };
        asset_facts_add(&af, &m, 4);
    }
    CHECK_EQ_U(af.nfacts, ASSET_FACTS_MAX);
    CHECK_EQ_U(strlen(af.f[2].value), ASSET_VALUE_MAX - 1);

    struct app_asset_meta h = { .object = "host", .key = "host", .host = 1, .ipver = 4,
                                .value = "ws-7", .num = 0 };
    set4(h.ip, 10, 3, 0, 77);
    asset_facts_add(&af, &h, 10);           /* a request: unconfirmed, named */
    h.value = NULL;
    h.num = 1;
    h.has_mac = 1;
    memcpy(h.mac, "\2\0\0\0\x33\1", 6);
    asset_facts_add(&af, &h, 20);           /* its ACK: confirmed, the name kept */
    set4(h.ip, 10, 3, 0, 90);
    h.num = 0;
    asset_facts_add(&af, &h, 30);           /* asked for, never confirmed */
    CHECK_EQ_U(af.nhosts, 2);
    CHECK(af.h[0].confirmed && af.h[0].has_mac && !strcmp(af.h[0].hostname, "ws-7") &&
          af.h[0].ts_ns == 20);
    CHECK(!af.h[1].confirmed);

    struct config cfg = *cfg0;
    char path[] = "/tmp/taishi-assets-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "4 10.0.0.5 445 6 1000\n");         /* a line of the old format */
    fclose(f);
    snprintf(cfg.asset_state_file, sizeof(cfg.asset_state_file), "%s", path);
    char err[128];
    struct asset_inventory *inv = assets_open(&cfg, err, sizeof(err));
    struct asset_stats as;
    assets_stats(inv, &as);
    CHECK_EQ_U(as.loaded, 1);
    CHECK_EQ_U(assets_hosts_seen(inv, &af), 1);     /* h[0] only */
    CHECK_EQ_U(assets_hosts_seen(inv, &af), 0);     /* once */
    uint8_t ip[16];
    set4(ip, 10, 0, 0, 5);
    CHECK_EQ_U(assets_first_seen(inv, 4, ip, 445, 6, 1), 0);
    assets_close(inv);                              /* saves */
    inv = assets_open(&cfg, err, sizeof(err));
    assets_stats(inv, &as);
    CHECK_EQ_U(as.loaded, 2);
    CHECK_EQ_U(assets_hosts_seen(inv, &af), 0);     /* the host came back from the file */
    assets_close(inv);
    unlink(path);
}

int main(void)
{
    struct config cfg;

    config_defaults(&cfg);
    test_intel(&cfg);
    test_cross_border(&cfg);
    test_asset_rule();
    test_risk_gate(&cfg);
    test_app_risk_gate(&cfg);
    test_facts(&cfg);
    return unit_done("policy");
}
