/* test_config.c - defaults, YAML loading (nesting, lists, refusals with
 * FILE:LINE and the full dotted key), config_set for every key, and the
 * dump -> load -> dump round trip. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/core/compiler.h"
#include "taishi/config/config.h"
#include "taishi/rules/rules.h"
#include "unit.h"

static char err[CONFIG_ERR_MAX];

static int load(struct config *c, const char *yml)
{
    err[0] = 0;
    return config_load_yaml_buffer(c, "t.yaml", (const uint8_t *)yml, strlen(yml), err, sizeof(err));
}

/* The document is refused and the message holds every one of the parts. */
static void refused(const char *yml, const char *part1, const char *part2)
{
    struct config c;
    config_defaults(&c);
    int rc = load(&c, yml);
    CHECK_EQ_U(rc, -1);
    if (part1 && !strstr(err, part1))
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err, part1);
    CHECK(!part1 || strstr(err, part1));
    if (part2 && !strstr(err, part2))
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err, part2);
    CHECK(!part2 || strstr(err, part2));
}

static char *dump(const struct config *c)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    config_dump(c, f);
    fclose(f);
    return buf;
}

static void test_defaults(void)
{
    struct config c;
    config_defaults(&c);
    CHECK(c.sensor_id[0] != 0);
    CHECK_EQ_U(c.workers, 0);
    CHECK_EQ_U(c.log_level, 2);                    /* notice */
    CHECK_STR(c.output, "-");
    CHECK_EQ_U(c.events_mask, config_events_all());
    CHECK_EQ_U(c.flow_memcap, 512ULL << 20);
    CHECK_EQ_U(c.flow_hash_size, 65536);
    CHECK_EQ_U(c.flow_active_timeout, 1800);
    CHECK_EQ_U(c.flow_timeout[FG_TCP][FS_NEW], 60);
    CHECK_EQ_U(c.flow_timeout[FG_TCP][FS_ESTABLISHED], 600);
    CHECK_EQ_U(c.flow_timeout[FG_TCP][FS_CLOSED], 60);
    CHECK_EQ_U(c.flow_timeout[FG_UDP][FS_NEW], 30);
    CHECK_EQ_U(c.flow_timeout[FG_UDP][FS_ESTABLISHED], 300);
    CHECK_EQ_U(c.flow_timeout[FG_ICMP][FS_NEW], 30);
    CHECK_EQ_U(c.flow_timeout[FG_ICMP][FS_ESTABLISHED], 300);
    CHECK_EQ_U(c.flow_timeout[FG_OTHER][FS_NEW], 30);
    CHECK_EQ_U(c.flow_timeout[FG_OTHER][FS_ESTABLISHED], 300);
    CHECK_EQ_U(c.dpi_tcp_max_packets, 80);
    CHECK_EQ_U(c.dpi_udp_max_packets, 24);
    CHECK_EQ_U(c.dpi_guess, 1);
    CHECK_EQ_U(c.defrag_max_trackers, 1024);
    CHECK_EQ_U(c.defrag_timeout, 60);
    CHECK_EQ_U(c.defrag_max_fragments, 256);
    CHECK_EQ_U(c.vxlan_port, 4789);
    CHECK_EQ_U(c.teredo_port, 3544);
    CHECK_EQ_U(c.gtpu_port, 2152);
    CHECK_STR(config_event_name(ET_ANOMALY), "anomaly");
    CHECK_EQ_U(config_selftest(), 0);
}

static void test_yaml(void)
{
    struct config c;
    config_defaults(&c);
    static const char yml[] =
        "# a comment\n"
        "sensor-id: fz-bb-01\n"
        "workers: 4\n"
        "log:\n"
        "  level: debug\n"
        "outputs:\n"
        "  file:\n"
        "    path: \"/var/log/taishi/eve.json\"\n"
        "  events:\n"
        "    - alert\n"
        "    - flow\n"
        "    - dns\n"
        "flow:\n"
        "  memcap: 1gb\n"
        "  hash-size: 131072\n"
        "  timeouts:\n"
        "    tcp:\n"
        "      established: 1h\n"
        "    udp: {new: 10, established: 2m}\n"
        "  active-timeout: 0\n"
        "dpi: {guess: no, tcp-max-packets: 8}\n"
        "decoder:\n"
        "  vxlan:\n"
        "    port: 8472\n";
    CHECK_EQ_U(load(&c, yml), 0);
    CHECK_STR(err, "");
    CHECK_STR(c.sensor_id, "fz-bb-01");
    CHECK_EQ_U(c.workers, 4);
    CHECK_EQ_U(c.log_level, 4);
    CHECK_STR(c.output, "/var/log/taishi/eve.json");
    CHECK_EQ_U(c.events_mask, 1u << ET_ALERT | 1u << ET_FLOW | 1u << config_event_type("dns"));
    CHECK_EQ_U(c.flow_memcap, 1ULL << 30);
    CHECK_EQ_U(c.flow_hash_size, 131072);
    CHECK_EQ_U(c.flow_timeout[FG_TCP][FS_ESTABLISHED], 3600);
    CHECK_EQ_U(c.flow_timeout[FG_TCP][FS_NEW], 60);          /* untouched */
    CHECK_EQ_U(c.flow_timeout[FG_UDP][FS_NEW], 10);
    CHECK_EQ_U(c.flow_timeout[FG_UDP][FS_ESTABLISHED], 120);
    CHECK_EQ_U(c.flow_active_timeout, 0);
    CHECK_EQ_U(c.dpi_guess, 0);
    CHECK_EQ_U(c.dpi_tcp_max_packets, 8);
    CHECK_EQ_U(c.vxlan_port, 8472);

    CHECK_EQ_U(load(&c, "outputs:\n  events: [tls, http]\n"), 0);
    CHECK_EQ_U(c.events_mask, 1u << config_event_type("tls") | 1u << config_event_type("http"));
    CHECK_EQ_U(load(&c, "outputs: {events: [all]}\n"), 0);
    CHECK_EQ_U(c.events_mask, config_events_all());

    struct config d;                               /* empty documents change nothing */
    config_defaults(&d);
    char *before = dump(&d);
    static const char *const empty[] = { "", "\n\n", "# only a comment\n", "{}\n" };
    for (size_t i = 0; i < ARRAY_SIZE(empty); i++) {
        CHECK_EQ_U(load(&d, empty[i]), 0);
        char *after = dump(&d);
        CHECK_STR(after, before);
        free(after);
    }
    free(before);
}

static void test_refused(void)
{
    /* Unknown keys: the full dotted path, and where it is. */
    refused("flow:\n  timeouts:\n    tcp:\n      bogus: 5\n", "t.yaml:4:", "'flow.timeouts.tcp.bogus'");
    refused("workers: 2\nnope: 1\n", "t.yaml:2:", "'nope'");
    refused("flow: 5\n", "t.yaml:1:", "'flow'");
    refused("workers:\n  x: 1\n", "t.yaml:2:", "'workers.x'");
    refused("decoder:\n  vxlan:\n    prot: 1\n", "t.yaml:3:", "decoder.vxlan.prot");

    /* Bad values, one per key type: the key is named, with its line. */
    refused("flow:\n  memcap: 12xb\n", "t.yaml:2:", "flow.memcap");
    refused("flow:\n  memcap: 1kb\n", "flow.memcap", "bad value '1kb'");       /* below 1 MiB */
    refused("flow:\n  memcap: 99999999999999999999gb\n", "flow.memcap", NULL);
    refused("flow:\n  active-timeout: 5x\n", "t.yaml:2:", "flow.active-timeout");
    refused("flow:\n  timeouts:\n    udp:\n      new: 0\n", "t.yaml:4:", "flow.timeouts.udp.new");
    refused("defrag:\n  timeout: 2h\n", "defrag.timeout", "2h");                 /* above 3600 s */
    refused("dpi:\n  guess: maybe\n", "t.yaml:2:", "dpi.guess");
    refused("workers: 257\n", "t.yaml:1:", "workers");
    refused("workers: -1\n", "workers", NULL);
    refused("workers: 1.5\n", "workers", NULL);
    refused("workers: 0x10\n", "workers", NULL);
    refused("workers:\n", "workers", NULL);
    refused("workers: [1, 2]\n", "workers", NULL);
    refused("decoder:\n  vxlan:\n    port: 65536\n", "t.yaml:3:", "decoder.vxlan.port");
    refused("decoder:\n  gtpu:\n    port: 0\n", "decoder.gtpu.port", NULL);
    refused("flow:\n  hash-size: 10\n", "flow.hash-size", NULL);
    refused("outputs:\n  events: [flow, bogus]\n", "t.yaml:2:", "outputs.events");
    refused("outputs:\n  events: []\n", "outputs.events", NULL);
    refused("log:\n  level: loud\n", "t.yaml:2:", "log.level");
    refused("sensor-id: 0123456789012345678901234567890123456789012345678901234567890123\n",
            "sensor-id", "too long");

    /* Anchors and aliases: what YAML bombs are made of. */
    refused("workers: &w 4\nflow:\n  hash-size: *w\n", "t.yaml:1:", "anchor");
    refused("workers: *w\n", "t.yaml:1:", "alias");
    refused("flow: &f\n  memcap: 64mb\n", "t.yaml:1:", "anchor");
    refused("outputs:\n  events: &e [flow]\n", "t.yaml:2:", "anchor");
    refused("a: &a [\"x\",\"x\"]\nb: &b [*a,*a]\nc: [*b,*b]\n", "t.yaml:1:", "anchor");

    /* Shapes that are not a mapping of keys. */
    refused("- workers\n", "t.yaml:1:", NULL);
    refused("just a scalar\n", "t.yaml:1:", "mapping");
    refused("outputs:\n  events: [[flow]]\n", "t.yaml:2:", NULL);
    refused("outputs:\n  events: [{a: 1}]\n", "t.yaml:2:", NULL);
    refused("? {a: 1}\n: 2\n", "t.yaml:1:", NULL);

    /* Nesting deeper than 16 levels. */
    char deep[2048] = "";
    for (int i = 0; i < 20; i++) {
        size_t n = strlen(deep);
        snprintf(deep + n, sizeof(deep) - n, "%*sk%d:\n", i * 2, "", i);
    }
    strcat(deep, "                                          v: 1\n");
    refused(deep, "nesting too deep", "t.yaml:");
    static char flow_deep[40000];
    for (int i = 0; i < 10000; i++) memcpy(flow_deep + 3 * i, "{a:", 3);
    refused(flow_deep, "t.yaml:1:", NULL);

    /* Syntax errors carry a line number. */
    refused("flow:\n  memcap: 64mb\n  hash-size: [1, 2\n", "YAML syntax error", "t.yaml:");
    refused("workers: 1\nflow: memcap: 5\n", "t.yaml:2:", NULL);    /* refused on line 2, by YAML or by us */
    refused("workers: 1\nworkers: [1\n\n\n", "YAML syntax error", "t.yaml:");
    refused("flow:\n  memcap: 64mb\n bad: 1\n", "t.yaml:3: YAML syntax error", NULL);
    refused("workers: \"open\n", "YAML syntax error", NULL);
}

#define F(field) offsetof(struct config, field)
enum { U32, U64, INT, STR };

static void test_set(void)
{
    static const struct {
        const char *key, *good;
        int kind;
        size_t off;
        uint64_t want;
        const char *bad;
    } t[] = {
        { "sensor-id", "probe-7", STR, F(sensor_id), 0, "0123456789012345678901234567890123456789012345678901234567890123" },
        { "workers", "16", U32, F(workers), 16, "257" },
        { "log.level", "warning", INT, F(log_level), 1, "WARNING" },
        { "log.syslog", "yes", INT, F(log_syslog), 1, "syslog" },
        { "pidfile", "/run/taishi/taishi.pid", STR, F(pidfile), 0, "a\nb" },
        { "run-as.user", "taishi", STR, F(run_as_user), 0, "0123456789012345678901234567890123456789012345678901234567890123" },
        { "run-as.group", "taishi", STR, F(run_as_group), 0, "a\tb" },
        { "capture.snaplen", "1518", U32, F(capture_snaplen), 1518, "63" },
        { "capture.promisc", "no", INT, F(capture_promisc), 0, "maybe" },
        { "capture.bpf", "not port 22", STR, F(capture_bpf), 0, "a\nb" },
        { "capture.buffer-size", "256mb", U64, F(capture_buffer_size), 256ULL << 20, "1kb" },
        { "capture.fanout-group", "4242", U32, F(capture_fanout_group), 4242, "65536" },
        { "capture.retry-interval", "1", U32, F(capture_retry_interval), 1, "0" },
        { "outputs.file.path", "/tmp/x.json", STR, F(output), 0, NULL },
        { "outputs.events", "flow,alert", U32, F(events_mask), 1u << ET_FLOW | 1u << ET_ALERT, "flow,,nope" },
        { "flow.memcap", "2048kb", U64, F(flow_memcap), 2ULL << 20, "1tb" },
        { "flow.hash-size", "1024", U32, F(flow_hash_size), 1024, "1023" },
        { "flow.active-timeout", "5m", U32, F(flow_active_timeout), 300, "-5" },
        { "flow.timeouts.tcp.new", "90s", U32, F(flow_timeout[FG_TCP][FS_NEW]), 90, "0" },
        { "flow.timeouts.tcp.established", "2h", U32, F(flow_timeout[FG_TCP][FS_ESTABLISHED]), 7200, "8000000" },
        { "flow.timeouts.tcp.closed", "7", U32, F(flow_timeout[FG_TCP][FS_CLOSED]), 7, "7d" },
        { "flow.timeouts.udp.new", "11", U32, F(flow_timeout[FG_UDP][FS_NEW]), 11, "" },
        { "flow.timeouts.udp.established", "12", U32, F(flow_timeout[FG_UDP][FS_ESTABLISHED]), 12, "x" },
        { "flow.timeouts.icmp.new", "13", U32, F(flow_timeout[FG_ICMP][FS_NEW]), 13, "1.5" },
        { "flow.timeouts.icmp.established", "14", U32, F(flow_timeout[FG_ICMP][FS_ESTABLISHED]), 14, "1 m s" },
        { "flow.timeouts.default.new", "15", U32, F(flow_timeout[FG_OTHER][FS_NEW]), 15, "0" },
        { "flow.timeouts.default.established", "16", U32, F(flow_timeout[FG_OTHER][FS_ESTABLISHED]), 16, "0" },
        { "dpi.tcp-max-packets", "10000", U32, F(dpi_tcp_max_packets), 10000, "10001" },
        { "dpi.udp-max-packets", "1", U32, F(dpi_udp_max_packets), 1, "0" },
        { "dpi.guess", "off", INT, F(dpi_guess), 0, "2" },
        { "defrag.max-trackers", "1048576", U32, F(defrag_max_trackers), 1u << 20, "1048577" },
        { "defrag.timeout", "3600", U32, F(defrag_timeout), 3600, "3601" },
        { "defrag.max-fragments", "8192", U32, F(defrag_max_fragments), 8192, "8193" },
        { "stats.interval", "5s", U32, F(stats_interval), 5, "2d" },
        { "stats.versions", "yes", INT, F(stats_versions), SUMMARY_YES, "always" },
        { "summary", "no", INT, F(summary), SUMMARY_NO, "sometimes" },
        { "metrics.listen", "127.0.0.1:9711", STR, F(metrics_listen), 0, "a\tb" },
        { "anomaly.rate-limit", "0", U32, F(anomaly_rate_limit), 0, "-1" },
        { "vars.HOME_NET", "[10.0.0.0/8, 2001:db8::/32]", STR, F(home_net), 0, "[10.0.0.0/33]" },
        { "enrich.geoip.city", "/x/city.mmdb", STR, F(geoip_city), 0, "a\tb" },
        { "enrich.geoip.country", "/x/country.mmdb", STR, F(geoip_country), 0, "a\tb" },
        { "enrich.geoip.asn", "/x/asn.mmdb", STR, F(geoip_asn), 0, "a\tb" },
        { "enrich.assets", "/x/assets.csv", STR, F(assets_file), 0, "a\tb" },
        { "policy.cross-border.enabled", "no", INT, F(xborder_enabled), 0, "maybe" },
        { "policy.cross-border.allowed-countries", "[CN, HK]", STR, F(xborder_allowed), 0, "[china]" },
        { "policy.cross-border.min-bytes", "1mb", U64, F(xborder_min_bytes), 1ULL << 20, "lots" },
        { "risk.min-score", "100", U32, F(risk_min_score), 100, "100001" },
        { "risk.app", "[smb1_in_use, rdp_no_nla]", U32, F(risk_app), 1u << 1 | 1u << 6, "[smb3]" },
        { "intel.files", "[/x/a.txt, /x/b.csv]", STR, F(intel_files), 0, "a\nb" },
        { "rules.files", "[/x/a.rules, b.rules]", STR, F(rule_files), 0, "a\nb" },
        { "rules.classification-file", "/x/classification.config", STR, F(rule_classification), 0, "a\tb" },
        { "detect.cache-dir", "/tmp/cache", STR, F(detect_cache_dir), 0, "a\nb" },
        { "pcre.match-limit", "10000", U32, F(pcre_match_limit), 10000, "0" },
        { "pcre.match-limit-recursion", "500", U32, F(pcre_depth_limit), 500, "-1" },
        { "stream.memcap", "64mb", U64, F(stream_memcap), 64ULL << 20, "1kb" },
        { "stream.ooo-max-bytes", "64kb", U64, F(stream_ooo_max_bytes), 64 << 10, "2gb" },
        { "stream.ooo-max-segments", "16", U32, F(stream_ooo_max_segs), 16, "0" },
        { "stream.midstream", "yes", INT, F(stream_midstream), 1, "maybe" },
        { "stream.async-oneside", "true", INT, F(stream_async_oneside), 1, "2" },
        { "action-order", "[alert, pass, drop, reject]", STR, F(action_order), 0,
          "[pass, drop, alert]" },
        { "intel.gid", "9001", U32, F(intel_gid), 9001, "0" },
        { "intel.kafka-topic", "taishi.intel", STR, F(intel_kafka_topic), 0, "a\tb" },
        { "asset.max-entries", "16", U32, F(asset_max_entries), 16, "15" },
        { "asset.state-file", "/tmp/assets.state", STR, F(asset_state_file), 0, "a\nb" },
        { "files.enabled", "no", INT, F(files.enabled), 0, "maybe" },
        { "files.hash", "[md5, sha256]", U32, F(files.hash), FILES_HASH_MD5 | FILES_HASH_SHA256, "[sha512]" },
        { "files.magic", "no", INT, F(files.magic), 0, "2" },
        { "files.magic-bytes", "4kb", U64, F(files.magic_bytes), 4096, "10" },
        { "files.max-open", "50", U32, F(files.max_open), 50, "0" },
        { "files.data-window", "16kb", U64, F(files.data_window), 16384, "1tb" },
        { "files.store.dir", "/tmp/store", STR, F(files.store_dir), 0, "a\tb" },
        { "files.store.max-size", "10mb", U64, F(files.store_max), 10 << 20, "1kb" },
        { "decoder.vxlan.port", "65535", U32, F(vxlan_port), 65535, "65536" },
        { "decoder.teredo.port", "1", U32, F(teredo_port), 1, "0" },
        { "decoder.gtpu.port", "2123", U32, F(gtpu_port), 2123, "99999999999999999999999" },
        { "outputs.kafka.brokers", "127.0.0.1:9092", STR, F(kafka_brokers), 0, "a\nb" },
        { "outputs.kafka.topics.alerts", "a", STR, F(kafka_topic[KF_ALERTS]), 0, "" },
        { "outputs.kafka.topics.flows", "f", STR, F(kafka_topic[KF_FLOWS]), 0, "" },
        { "outputs.kafka.topics.app", "p", STR, F(kafka_topic[KF_APP]), 0, "" },
        { "outputs.kafka.topics.anomalies", "n", STR, F(kafka_topic[KF_ANOMALIES]), 0, "" },
        { "outputs.kafka.topics.assets", "s", STR, F(kafka_topic[KF_ASSETS]), 0, "" },
        { "outputs.kafka.topics.risks", "r", STR, F(kafka_topic[KF_RISKS]), 0, "" },
        { "outputs.kafka.topics.stats", "t", STR, F(kafka_topic[KF_STATS]), 0, "" },
        { "outputs.kafka.compression", "zstd", STR, F(kafka_compression), 0, "" },
        { "outputs.kafka.spool-dir", "/tmp/spool", STR, F(kafka_spool_dir), 0, "" },
        { "outputs.kafka.spool-max", "1mb", U64, F(kafka_spool_max), 1ULL << 20, "1kb" },
        { "outputs.kafka.flush-timeout", "5", U32, F(kafka_flush_timeout), 5, "3601" },
        { "outputs.kafka.fsync-interval", "0", U32, F(kafka_fsync_interval), 0, "3601" },
        { "outputs.kafka.write-ahead", "no", INT, F(kafka_write_ahead), 0, "maybe" },
    };
    struct config c;
    config_defaults(&c);

    for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
        const char *p = (const char *)&c + t[i].off;
        err[0] = 0;
        int rc = config_set(&c, t[i].key, t[i].good, err, sizeof(err));
        if (rc) fprintf(stderr, "config_set %s=%s: %s\n", t[i].key, t[i].good, err);
        CHECK_EQ_U(rc, 0);
        switch (t[i].kind) {
        case U32: CHECK_EQ_U(*(const uint32_t *)p, t[i].want); break;
        case U64: CHECK_EQ_U(*(const uint64_t *)p, t[i].want); break;
        case INT: CHECK_EQ_U(*(const int *)p, t[i].want); break;
        case STR: CHECK_STR(p, t[i].good); break;
        }
        if (t[i].bad) {
            char before[sizeof(c)];
            memcpy(before, &c, sizeof(c));
            CHECK_EQ_U(config_set(&c, t[i].key, t[i].bad, err, sizeof(err)), -1);
            if (!strstr(err, t[i].key)) fprintf(stderr, "message \"%s\" lacks the key\n", err);
            CHECK(strstr(err, t[i].key) != NULL);
            CHECK(!memcmp(before, &c, sizeof(c)));  /* a refused value changes nothing */
        }
    }

    /* action-order: the rank of each action; a repeat, an unknown action or a
     * missing one is refused with the key named, and changes nothing. */
    CHECK_EQ_U(c.action_rank[RA_ALERT], 0);
    CHECK_EQ_U(c.action_rank[RA_PASS], 1);
    CHECK_EQ_U(c.action_rank[RA_DROP], 2);
    CHECK_EQ_U(c.action_rank[RA_REJECT], 3);
    CHECK_EQ_U(config_set(&c, "action-order", "[pass, pass, drop, alert]", err, sizeof(err)), -1);
    CHECK(strstr(err, "action-order") && strstr(err, "'pass' twice"));
    CHECK_EQ_U(config_set(&c, "action-order", "[pass, drop, reject, alrt]", err, sizeof(err)), -1);
    CHECK(strstr(err, "unknown action 'alrt'"));
    CHECK_EQ_U(c.action_rank[RA_ALERT], 0);
    CHECK_EQ_U(config_set(&c, "action-order", "[pass, drop, reject, alert]", err, sizeof(err)), 0);
    CHECK_EQ_U(c.action_rank[RA_PASS], 0);
    CHECK_EQ_U(c.action_rank[RA_ALERT], 3);

    /* The table above covers every key the dump shows. */
    char *d = dump(&c);
    unsigned leaves = 0;
    for (char *line = strtok(d, "\n"); line; line = strtok(NULL, "\n")) {
        size_t n = strlen(line);
        if (line[0] != '#' && n && line[n - 1] != ':') leaves++;
    }
    free(d);
    CHECK_EQ_U(leaves, ARRAY_SIZE(t));

    static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_U(config_set(&c, "dpi.guess", yes[i], err, sizeof(err)), 0);
        CHECK_EQ_U(c.dpi_guess, 1);
        CHECK_EQ_U(config_set(&c, "dpi.guess", no[i], err, sizeof(err)), 0);
        CHECK_EQ_U(c.dpi_guess, 0);
    }
    static const char *const levels[] = { "error", "warning", "notice", "info", "debug" };
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_U(config_set(&c, "log.level", levels[i], err, sizeof(err)), 0);
        CHECK_EQ_U(c.log_level, i);
    }
    CHECK_EQ_U(config_set(&c, "outputs.events", "[all]", err, sizeof(err)), 0);
    CHECK_EQ_U(c.events_mask, config_events_all());
    CHECK_EQ_U(config_set(&c, "outputs.events", " [ dns ] ", err, sizeof(err)), 0);
    CHECK_EQ_U(c.events_mask, 1u << config_event_type("dns"));
    CHECK_EQ_U(config_set(&c, "flow.memcap", "1GiB", err, sizeof(err)), 0);
    CHECK_EQ_U(c.flow_memcap, 1ULL << 30);
    CHECK_EQ_U(config_set(&c, "no.such.key", "1", err, sizeof(err)), -1);
    CHECK_STR(err, "unknown key 'no.such.key'");
    char tiny[8];                                  /* a short error buffer is cut, not overrun */
    CHECK_EQ_U(config_set(&c, "workers", "999", tiny, sizeof(tiny)), -1);
    CHECK_EQ_U(strlen(tiny), sizeof(tiny) - 1);
}

static void test_roundtrip(void)
{
    struct config a, b;
    config_defaults(&a);
    static const char *const set[][2] = {
        { "sensor-id", "fz \"bb\" \\01: #x" }, { "workers", "3" }, { "log.level", "info" },
        { "outputs.file.path", "/data/eve's log.json" }, { "outputs.events", "[dns, tls, risk]" },
        { "flow.memcap", "3gb" }, { "flow.hash-size", "4096" }, { "flow.active-timeout", "0" },
        { "flow.timeouts.tcp.closed", "5" }, { "flow.timeouts.icmp.new", "1h" },
        { "dpi.guess", "no" }, { "defrag.max-trackers", "7" }, { "decoder.teredo.port", "3545" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(set); i++)
        CHECK_EQ_U(config_set(&a, set[i][0], set[i][1], err, sizeof(err)), 0);
    CHECK_EQ_U(config_set(&a, "flow.memcap", "1048577", err, sizeof(err)), 0);   /* not a round unit */

    char *d1 = dump(&a);
    config_defaults(&b);
    int rc = load(&b, d1);
    if (rc) fprintf(stderr, "reloading the dump: %s\n", err);
    CHECK_EQ_U(rc, 0);
    char *d2 = dump(&b);
    CHECK_STR(d2, d1);
    CHECK_STR(b.sensor_id, "fz \"bb\" \\01: #x");
    CHECK_STR(b.output, "/data/eve's log.json");
    CHECK_EQ_U(b.flow_memcap, 1048577);
    CHECK_EQ_U(b.events_mask, 1u << config_event_type("dns") | 1u << config_event_type("tls") | 1u << ET_RISK);
    CHECK_EQ_U(b.flow_timeout[FG_ICMP][FS_NEW], 3600);
    free(d1);
    free(d2);

    config_defaults(&a);                           /* the defaults round-trip too */
    d1 = dump(&a);
    config_defaults(&b);
    config_set(&b, "workers", "9", err, sizeof(err));
    CHECK_EQ_U(load(&b, d1), 0);
    d2 = dump(&b);
    CHECK_STR(d2, d1);
    free(d1);
    free(d2);

    /* From a file, and a file that is not there. */
    char path[] = "/tmp/taishi-test-config-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("workers: 5\nflow:\n  memcap: 128mb\n", f);
    fclose(f);
    config_defaults(&a);
    CHECK_EQ_U(config_load_yaml(&a, path, err, sizeof(err)), 0);
    CHECK_EQ_U(a.workers, 5);
    CHECK_EQ_U(a.flow_memcap, 128ULL << 20);
    f = fopen(path, "w");
    fputs("workers: 5\nflow:\n  memcap: lots\n", f);
    fclose(f);
    CHECK_EQ_U(config_load_yaml(&a, path, err, sizeof(err)), -1);
    char want[64];
    snprintf(want, sizeof(want), "%s:3:", path);
    CHECK(strstr(err, want) != NULL);
    unlink(path);
    CHECK_EQ_U(config_load_yaml(&a, path, err, sizeof(err)), -1);
    CHECK(strstr(err, path) != NULL);
}

/* vars.NAME: rule variables beside vars.HOME_NET, from YAML and --set,
 * in the dump, refused with the key named when the name is not one. */
static void test_rule_vars(void)
{
    struct config a, b;
    config_defaults(&a);
    CHECK_EQ_U(a.nrule_vars, 0);
    CHECK_EQ_U(load(&a, "vars:\n  HOME_NET: \"[10.0.0.0/8]\"\n  EXTERNAL_NET: any\n"
                        "  HTTP_PORTS: \"[80, 8080]\"\n"), 0);
    CHECK_EQ_U(a.nrule_vars, 2);
    CHECK_STR(a.rule_vars[0].name, "EXTERNAL_NET");
    CHECK_STR(a.rule_vars[0].value, "any");
    CHECK_STR(a.home_net, "[10.0.0.0/8]");
    CHECK_EQ_U(config_set(&a, "vars.EXTERNAL_NET", "!$HOME_NET", err, sizeof(err)), 0);
    CHECK_EQ_U(a.nrule_vars, 2);                   /* replaced, not added */
    CHECK_STR(a.rule_vars[0].value, "!$HOME_NET");
    char *d1 = dump(&a);
    CHECK(strstr(d1, "  HTTP_PORTS: \"[80, 8080]\"\n") != NULL);
    config_defaults(&b);
    CHECK_EQ_U(load(&b, d1), 0);
    char *d2 = dump(&b);
    CHECK_STR(d2, d1);
    free(d1);
    free(d2);
    CHECK_EQ_U(config_set(&a, "vars.BAD-NAME", "any", err, sizeof(err)), -1);
    CHECK(strstr(err, "vars.BAD-NAME") != NULL);
    CHECK_EQ_U(config_set(&a, "vars.", "any", err, sizeof(err)), -1);
    for (int i = 0; i < CONFIG_MAX_RULE_VARS; i++) {
        char k[32];
        snprintf(k, sizeof(k), "vars.V%d", i);
        config_set(&a, k, "any", err, sizeof(err));
    }
    CHECK_EQ_U(config_set(&a, "vars.ONE_TOO_MANY", "any", err, sizeof(err)), -1);
    CHECK(strstr(err, "at most") != NULL);
}

int main(void)
{
    test_defaults();
    test_rule_vars();
    test_yaml();
    test_refused();
    test_set();
    test_roundtrip();
    return unit_done("config");
}
