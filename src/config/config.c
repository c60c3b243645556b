/* config.c - the table of every configuration key, and the three ways in:
 * defaults, YAML files (libyaml's event parser) and --set KEY=VALUE.
 *
 * A key is a dotted path ("flow.timeouts.tcp.established"). YAML mappings
 * become path components; a YAML sequence becomes the list text "[a, b]"
 * that list-typed keys parse. Aliases and anchors are refused (they are what
 * a "YAML bomb" is made of), and so is nesting deeper than 16 levels.
 *
 * Defaults are written as text in the table and go through the same parsers
 * as user input, so a default can never be a value the parser would refuse. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "taishi/config/config.h"
#include "taishi/app/app.h"
#include "taishi/core/netset.h"
#include "taishi/core/util.h"

enum ktype { K_UINT, K_SIZE, K_DURATION, K_BOOL, K_STRING, K_EVENTS, K_LOGLEVEL, K_NETLIST,
             K_COUNTRIES, K_SUMMARY, K_ACTIONS, K_HASHES, K_APPRISKS };

struct key {
    const char *name;
    enum ktype type;
    size_t off;                 /* into struct config */
    uint64_t min, max;          /* for numbers; for strings max = buffer size */
    const char *def;
};

#define OFF(f) offsetof(struct config, f)
#define TIMEOUT(g, gs, s, ss, d) \
    { "flow.timeouts." gs "." ss, K_DURATION, OFF(flow_timeout[g][s]), 1, 86400 * 7, d }

static const struct key keys[] = {
    { "sensor-id", K_STRING, OFF(sensor_id), 0, sizeof(((struct config *)0)->sensor_id), "" },
    { "workers", K_UINT, OFF(workers), 0, 256, "0" },
    { "log.level", K_LOGLEVEL, OFF(log_level), 0, 0, "notice" },
    { "log.syslog", K_BOOL, OFF(log_syslog), 0, 1, "no" },
    { "pidfile", K_STRING, OFF(pidfile), 0, 512, "" },
    { "run-as.user", K_STRING, OFF(run_as_user), 0, 64, "" },
    { "run-as.group", K_STRING, OFF(run_as_group), 0, 64, "" },
    { "capture.snaplen", K_UINT, OFF(capture_snaplen), 64, 262144, "65535" },
    { "capture.promisc", K_BOOL, OFF(capture_promisc), 0, 1, "yes" },
    { "capture.bpf", K_STRING, OFF(capture_bpf), 0, 1024, "" },
    { "capture.buffer-size", K_SIZE, OFF(capture_buffer_size), 1 << 16, 1ULL << 30, "64mb" },
    { "capture.fanout-group", K_UINT, OFF(capture_fanout_group), 0, 65535, "0" },
    { "capture.retry-interval", K_DURATION, OFF(capture_retry_interval), 1, 3600, "5" },
    { "outputs.file.path", K_STRING, OFF(output), 0, sizeof(((struct config *)0)->output), "-" },
    { "outputs.events", K_EVENTS, OFF(events_mask), 0, 0, "[all]" },
    { "outputs.kafka.brokers", K_STRING, OFF(kafka_brokers), 0, sizeof(((struct config *)0)->kafka_brokers), "" },
    { "outputs.kafka.topics.alerts", K_STRING, OFF(kafka_topic[KF_ALERTS]), 1, 128, "taishi.alerts" },
    { "outputs.kafka.topics.flows", K_STRING, OFF(kafka_topic[KF_FLOWS]), 1, 128, "taishi.flows" },
    { "outputs.kafka.topics.app", K_STRING, OFF(kafka_topic[KF_APP]), 1, 128, "taishi.app" },
    { "outputs.kafka.topics.anomalies", K_STRING, OFF(kafka_topic[KF_ANOMALIES]), 1, 128, "taishi.anomalies" },
    { "outputs.kafka.topics.assets", K_STRING, OFF(kafka_topic[KF_ASSETS]), 1, 128, "taishi.assets" },
    { "outputs.kafka.topics.risks", K_STRING, OFF(kafka_topic[KF_RISKS]), 1, 128, "taishi.risks" },
    { "outputs.kafka.topics.stats", K_STRING, OFF(kafka_topic[KF_STATS]), 1, 128, "taishi.stats" },
    { "outputs.kafka.compression", K_STRING, OFF(kafka_compression), 1, 16, "lz4" },
    { "outputs.kafka.spool-dir", K_STRING, OFF(kafka_spool_dir), 1, 512, "/var/lib/taishi/spool" },
    { "outputs.kafka.spool-max", K_SIZE, OFF(kafka_spool_max), 1 << 16, 1ULL << 44, "1gb" },
    { "outputs.kafka.flush-timeout", K_DURATION, OFF(kafka_flush_timeout), 0, 3600, "10" },
    { "outputs.kafka.fsync-interval", K_DURATION, OFF(kafka_fsync_interval), 0, 3600, "1" },
    { "outputs.kafka.write-ahead", K_BOOL, OFF(kafka_write_ahead), 0, 1, "yes" },
    { "flow.memcap", K_SIZE, OFF(flow_memcap), 1 << 20, 1ULL << 40, "512mb" },
    { "flow.hash-size", K_UINT, OFF(flow_hash_size), 1024, 1u << 26, "65536" },
    { "flow.active-timeout", K_DURATION, OFF(flow_active_timeout), 0, 86400 * 7, "1800" },
    TIMEOUT(FG_TCP, "tcp", FS_NEW, "new", "60"),
    TIMEOUT(FG_TCP, "tcp", FS_ESTABLISHED, "established", "600"),
    TIMEOUT(FG_TCP, "tcp", FS_CLOSED, "closed", "60"),
    TIMEOUT(FG_UDP, "udp", FS_NEW, "new", "30"),
    TIMEOUT(FG_UDP, "udp", FS_ESTABLISHED, "established", "300"),
    TIMEOUT(FG_ICMP, "icmp", FS_NEW, "new", "30"),
    TIMEOUT(FG_ICMP, "icmp", FS_ESTABLISHED, "established", "300"),
    TIMEOUT(FG_OTHER, "default", FS_NEW, "new", "30"),
    TIMEOUT(FG_OTHER, "default", FS_ESTABLISHED, "established", "300"),
    { "dpi.tcp-max-packets", K_UINT, OFF(dpi_tcp_max_packets), 1, 10000, "80" },
    { "dpi.udp-max-packets", K_UINT, OFF(dpi_udp_max_packets), 1, 10000, "24" },
    { "dpi.guess", K_BOOL, OFF(dpi_guess), 0, 1, "yes" },
    { "defrag.max-trackers", K_UINT, OFF(defrag_max_trackers), 1, 1u << 20, "1024" },
    { "defrag.timeout", K_DURATION, OFF(defrag_timeout), 1, 3600, "60" },
    { "defrag.max-fragments", K_UINT, OFF(defrag_max_fragments), 1, 8192, "256" },
    { "stats.interval", K_DURATION, OFF(stats_interval), 0, 86400, "30" },
    { "stats.versions", K_SUMMARY, OFF(stats_versions), 0, 0, "auto" },
    { "summary", K_SUMMARY, OFF(summary), 0, 0, "auto" },
    { "metrics.listen", K_STRING, OFF(metrics_listen), 0, 128, "" },
    { "anomaly.rate-limit", K_UINT, OFF(anomaly_rate_limit), 0, 1u << 30, "100" },
    { "vars.HOME_NET", K_NETLIST, OFF(home_net), 0, 1024, "[192.168.0.0/16, 10.0.0.0/8, 172.16.0.0/12]" },
    { "enrich.geoip.city", K_STRING, OFF(geoip_city), 0, 512, "" },
    { "enrich.geoip.country", K_STRING, OFF(geoip_country), 0, 512, "" },
    { "enrich.geoip.asn", K_STRING, OFF(geoip_asn), 0, 512, "" },
    { "enrich.assets", K_STRING, OFF(assets_file), 0, 512, "" },
    { "policy.cross-border.enabled", K_BOOL, OFF(xborder_enabled), 0, 1, "yes" },
    { "policy.cross-border.allowed-countries", K_COUNTRIES, OFF(xborder_allowed), 0, 512, "[CN]" },
    { "policy.cross-border.min-bytes", K_SIZE, OFF(xborder_min_bytes), 0, 1ULL << 50, "0" },
    { "risk.min-score", K_UINT, OFF(risk_min_score), 0, 100000, "50" },
    { "risk.app", K_APPRISKS, OFF(risk_app), 0, 0, "[all]" },
    { "intel.files", K_STRING, OFF(intel_files), 0, 1024, "[]" },
    { "intel.gid", K_UINT, OFF(intel_gid), 1, 1u << 30, "9000" },
    { "intel.kafka-topic", K_STRING, OFF(intel_kafka_topic), 0, 128, "" },
    { "rules.files", K_STRING, OFF(rule_files), 0, 4096, "[]" },
    { "rules.classification-file", K_STRING, OFF(rule_classification), 0, 512, "" },
    { "detect.cache-dir", K_STRING, OFF(detect_cache_dir), 0, 512, "/var/cache/taishi" },
    { "pcre.match-limit", K_UINT, OFF(pcre_match_limit), 1, 100000000, "3500" },
    { "pcre.match-limit-recursion", K_UINT, OFF(pcre_depth_limit), 1, 100000000, "1500" },
    { "stream.memcap", K_SIZE, OFF(stream_memcap), 1 << 20, 1ULL << 40, "256mb" },
    { "stream.ooo-max-bytes", K_SIZE, OFF(stream_ooo_max_bytes), 4096, 1u << 30, "1mb" },
    { "stream.ooo-max-segments", K_UINT, OFF(stream_ooo_max_segs), 1, 65535, "1024" },
    { "stream.midstream", K_BOOL, OFF(stream_midstream), 0, 1, "no" },
    { "stream.async-oneside", K_BOOL, OFF(stream_async_oneside), 0, 1, "no" },
    { "action-order", K_ACTIONS, OFF(action_order), 0, 64, "[pass, drop, reject, alert]" },
    { "asset.max-entries", K_UINT, OFF(asset_max_entries), 16, 1u << 26, "100000" },
    { "asset.state-file", K_STRING, OFF(asset_state_file), 0, 512, "" },
    { "files.enabled", K_BOOL, OFF(files.enabled), 0, 1, "yes" },
    { "files.hash", K_HASHES, OFF(files.hash), 0, 0, "[sha256]" },
    { "files.magic", K_BOOL, OFF(files.magic), 0, 1, "no" },
    { "files.magic-bytes", K_SIZE, OFF(files.magic_bytes), 256, 16u << 20, "64kb" },
    { "files.max-open", K_UINT, OFF(files.max_open), 1, 1u << 24, "1000" },
    { "files.data-window", K_SIZE, OFF(files.data_window), 0, 16u << 20, "64kb" },
    { "files.store.dir", K_STRING, OFF(files.store_dir), 0, 512, "" },
    { "files.store.max-size", K_SIZE, OFF(files.store_max), 1 << 20, 1ULL << 50, "1gb" },
    { "decoder.vxlan.port", K_UINT, OFF(vxlan_port), 1, 65535, "4789" },
    { "decoder.teredo.port", K_UINT, OFF(teredo_port), 1, 65535, "3544" },
    { "decoder.gtpu.port", K_UINT, OFF(gtpu_port), 1, 65535, "2152" },
};

#define KAFKA_PROPS "outputs.kafka.properties."

enum kafka_family config_kafka_family(enum event_type t)
{
    switch (t) {
    case ET_ALERT: return KF_ALERTS;
    case ET_FLOW: return KF_FLOWS;
    case ET_ANOMALY: return KF_ANOMALIES;
    case ET_ASSET: return KF_ASSETS;
    case ET_RISK: return KF_RISKS;
    case ET_STATS: return KF_STATS;
    default: return KF_APP;        /* the parsers' events */
    }
}

/* Config strings must be printable UTF-8: no control characters (C0, DEL,
 * C1), no byte-order marks or non-characters, nothing malformed. They end up
 * in events and in --dump-config output, which YAML readers must take back. */
static int printable_utf8(const char *str)
{
    const unsigned char *p = (const unsigned char *)str;

    while (*p) {
        unsigned c = *p, cp, n;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return 0;
            p++;
            continue;
        }
        if (c >= 0xc2 && c < 0xe0) { n = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c < 0xf0) { n = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c < 0xf5) { n = 3; cp = c & 0x07; }
        else return 0;
        for (unsigned i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0x80 && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff) ||
            cp == 0xfeff || cp == 0xfffe || cp == 0xffff ||
            cp == 0x2028 || cp == 0x2029)   /* YAML reads these as line breaks */
            return 0;
        p += n + 1;
    }
    return 1;
}

/* vars.NAME = VALUE: a rule variable (address group, or port group when
 * NAME ends in _PORTS), as suricata.yaml's; the value is checked when the
 * rules load. vars.HOME_NET has its own key (the enrichment uses it too). */
static int set_rule_var(struct config *c, const char *name, const char *v, char *err, size_t errlen)
{
    const char *var = name + 5;
    int i;

    for (const char *q = var; *q; q++)
        if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_')) {
            snprintf(err, errlen, "%.80s: a variable name is letters, digits and '_'", name);
            return -1;
        }
    if (!*var || strlen(var) >= sizeof(c->rule_vars[0].name) || strlen(v) >= sizeof(c->rule_vars[0].value) ||
        !printable_utf8(v)) {
        snprintf(err, errlen, "%.80s: name or value too long, or not printable", name);
        return -1;
    }
    for (i = 0; i < c->nrule_vars && strcmp(c->rule_vars[i].name, var); i++)
        ;
    if (i == CONFIG_MAX_RULE_VARS) {
        snprintf(err, errlen, "%.80s: at most %d variables", name, CONFIG_MAX_RULE_VARS);
        return -1;
    }
    if (i == c->nrule_vars)
        c->nrule_vars++;
    strcpy(c->rule_vars[i].name, var);
    strcpy(c->rule_vars[i].value, v);
    return 0;
}

/* outputs.kafka.properties.NAME = VALUE: any librdkafka property, passed on as is. */
static int set_kafka_prop(struct config *c, const char *name, const char *v, char *err, size_t errlen)
{
    const char *prop = name + strlen(KAFKA_PROPS);
    int i;

    if (!printable_utf8(name) || !printable_utf8(v)) {
        snprintf(err, errlen, "%s: only printable UTF-8 is allowed", printable_utf8(name) ? name : KAFKA_PROPS "*");
        return -1;
    }

    if (!*prop || strlen(prop) >= sizeof(c->kafka_props[0].name) ||
        strlen(v) >= sizeof(c->kafka_props[0].value)) {
        snprintf(err, errlen, "%s: name or value too long", name);
        return -1;
    }
    for (i = 0; i < c->nkafka_props && strcmp(c->kafka_props[i].name, prop); i++)
        ;
    if (i == KAFKA_MAX_PROPS) {
        snprintf(err, errlen, "%s: at most %d Kafka properties", name, KAFKA_MAX_PROPS);
        return -1;
    }
    if (i == c->nkafka_props)
        c->nkafka_props++;
    strcpy(c->kafka_props[i].name, prop);
    strcpy(c->kafka_props[i].value, v);
    return 0;
}

/* The sensor's own event types; the parsers' come from the registry. */
static const char *const own_events[ET_MAX] = {
    [ET_ALERT] = "alert", [ET_FLOW] = "flow", [ET_ANOMALY] = "anomaly", [ET_STATS] = "stats",
    [ET_ASSET] = "asset", [ET_RISK] = "risk", [ET_FILEINFO] = "fileinfo",
};
static const char *const level_names[] = { "error", "warning", "notice", "info", "debug" };
static const char *const summary_names[] = { "auto", "yes", "no" };   /* enum summary_mode */

const char *config_event_name(enum event_type t)
{
    if ((unsigned)t >= ET_MAX)
        return NULL;
    if (own_events[t])
        return own_events[t];
    for (int id = 1; id <= app_registry_count(); id++)
        if (app_registry_get(id)->event_id == (unsigned)t)
            return app_registry_get(id)->event_type;
    return NULL;
}

int config_event_type(const char *name)
{
    for (int i = 0; i < ET_MAX; i++) {
        const char *n = config_event_name((enum event_type)i);
        if (n && !strcmp(n, name))
            return i;
    }
    return -1;
}

uint32_t config_events_all(void)
{
    uint32_t m = 0;
    for (int i = 0; i < ET_MAX; i++)
        if (config_event_name((enum event_type)i))
            m |= 1u << i;
    return m;
}

int config_event_types_check(char *err, size_t errlen)
{
    for (int id = 1; id <= app_registry_count(); id++) {
        const struct app_parser *p = app_registry_get(id);
        int clash = p->event_id >= ET_MAX || own_events[p->event_id];
        for (int i = 0; i < ET_MAX && !clash; i++)
            clash = own_events[i] && !strcmp(own_events[i], p->event_type);
        if (clash) {
            snprintf(err, errlen, "app parser %s: event type %s (%u) clashes with the sensor's own",
                     p->name, p->event_type, p->event_id);
            return -1;
        }
    }
    return 0;
}

static const struct key *find_key(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        if (!strcmp(keys[i].name, name))
            return &keys[i];
    return NULL;
}

static int is_true(const char *v)
{
    return !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1");
}

static int is_false(const char *v)
{
    return !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0");
}

static int check_country(const char *item, void *arg)
{
    if (strlen(item) == 2 && isupper((unsigned char)item[0]) && isupper((unsigned char)item[1]))
        return 0;
    snprintf(arg, 64, "%s", item);
    return -1;
}

/* action-order: each of Suricata's four actions once, in the order matches
 * on a packet are handled (util-action.c's rule: all four, no repeats). */
struct action_list {
    struct config *c;
    unsigned n;
    char bad[64];
};

static int add_action(const char *item, void *arg)
{
    static const char *const names[4] = { "alert", "drop", "reject", "pass" };   /* enum rule_action */
    struct action_list *al = arg;

    for (unsigned a = 0; a < 4; a++) {
        if (strcmp(item, names[a]))
            continue;
        for (unsigned i = 0; i < al->n; i++)
            if (al->c->action_rank[a] == i) {
                snprintf(al->bad, sizeof(al->bad), "'%s' twice", item);
                return -1;
            }
        if (al->n >= 4)
            return -1;
        al->c->action_rank[a] = (uint8_t)al->n++;
        return 0;
    }
    snprintf(al->bad, sizeof(al->bad), "unknown action '%.40s'", item);
    return -1;
}

static int add_event(const char *item, void *arg)
{
    uint32_t *mask = arg;

    if (!strcmp(item, "all")) {
        *mask = config_events_all();
        return 0;
    }
    int t = config_event_type(item);
    if (t < 0)
        return -1;
    *mask |= 1u << t;
    return 0;
}

static const char *const hash_names[] = { "md5", "sha1", "sha256" };

static int add_hash(const char *item, void *arg)
{
    uint32_t *mask = arg;
    for (int i = 0; i < (int)ARRAY_SIZE(hash_names); i++)
        if (!strcmp(item, hash_names[i])) {
            *mask |= 1u << i;
            return 0;
        }
    return -1;
}

/* risk.app: the parsers' weaknesses by name (app.h's table), or all. */
static int add_app_risk(const char *item, void *arg)
{
    uint32_t *mask = arg;
    int i = app_risk_index(item);
    if (!strcmp(item, "all"))
        *mask |= (uint32_t)((1ull << app_risk_count()) - 1);
    else if (i >= 0)
        *mask |= 1u << i;
    else
        return -1;
    return 0;
}

int config_set(struct config *c, const char *name, const char *v, char *err, size_t errlen)
{
    const struct key *k = find_key(name);
    void *dst;
    uint64_t n;

    if (!strncmp(name, KAFKA_PROPS, strlen(KAFKA_PROPS)))
        return set_kafka_prop(c, name, v, err, errlen);
    if (!strncmp(name, "vars.", 5) && strcmp(name, "vars.HOME_NET"))
        return set_rule_var(c, name, v, err, errlen);
    if (!strcmp(name, "outputs.file.path"))
        c->output_set = 1;
    if (!k) {
        snprintf(err, errlen, "unknown key '%s'", name);
        return -1;
    }
    dst = (char *)c + k->off;
    switch (k->type) {
    case K_UINT:
        if (util_parse_u64(v, &n) < 0 || n < k->min || n > k->max) {
            snprintf(err, errlen, "%s: bad value '%s' (expected a whole number from %llu to %llu)",
                     name, v, (unsigned long long)k->min, (unsigned long long)k->max);
            return -1;
        }
        *(uint32_t *)dst = (uint32_t)n;
        return 0;
    case K_SIZE:
        if (util_parse_size(v, &n) < 0 || n < k->min || n > k->max) {
            snprintf(err, errlen, "%s: bad value '%s' (expected a size like 64mb, from %llu "
                     "bytes to %llu gb)", name, v, (unsigned long long)k->min,
                     (unsigned long long)(k->max >> 30));
            return -1;
        }
        *(uint64_t *)dst = n;
        return 0;
    case K_DURATION:
        if (util_parse_duration(v, &n) < 0 || n < k->min || n > k->max) {
            snprintf(err, errlen, "%s: bad value '%s' (expected seconds, or 5m / 1h, from %llu "
                     "to %llu s)", name, v, (unsigned long long)k->min, (unsigned long long)k->max);
            return -1;
        }
        *(uint32_t *)dst = (uint32_t)n;
        return 0;
    case K_BOOL:
        if (!is_true(v) && !is_false(v)) {
            snprintf(err, errlen, "%s: bad value '%s' (expected yes or no)", name, v);
            return -1;
        }
        *(int *)dst = is_true(v);
        return 0;
    case K_STRING:
        if (!printable_utf8(v)) {
            snprintf(err, errlen, "%s: only printable UTF-8 is allowed (no control characters)", name);
            return -1;
        }
        if (strlen(v) < k->min) {
            snprintf(err, errlen, "%s: must not be empty", name);
            return -1;
        }
        if (strlen(v) >= k->max) {
            snprintf(err, errlen, "%s: value too long (at most %llu bytes)", name,
                     (unsigned long long)k->max - 1);
            return -1;
        }
        strcpy(dst, v);
        return 0;
    case K_EVENTS: {
        uint32_t mask = 0;
        if (util_parse_list(v, add_event, &mask) < 0 || mask == 0) {
            snprintf(err, errlen, "%s: bad value '%s' (expected a list of: all", name, v);
            for (int i = 0; i < ET_MAX; i++)
                if (config_event_name((enum event_type)i))
                    snprintf(err + strlen(err), errlen - strlen(err), ", %s",
                             config_event_name((enum event_type)i));
            snprintf(err + strlen(err), errlen - strlen(err), ")");
            return -1;
        }
        *(uint32_t *)dst = mask;
        return 0;
    }
    case K_HASHES: {                        /* [md5, sha1, sha256] or [] */
        uint32_t mask = 0;
        if (util_parse_list(v, add_hash, &mask) < 0) {
            snprintf(err, errlen, "%s: bad value '%s' (expected a list of: md5, sha1, sha256)",
                     name, v);
            return -1;
        }
        *(uint32_t *)dst = mask;
        return 0;
    }
    case K_APPRISKS: {                      /* [all], [] or names of app_risk_name() */
        uint32_t mask = 0;
        if (util_parse_list(v, add_app_risk, &mask) < 0) {
            snprintf(err, errlen, "%s: bad value '%s' (expected a list of: all", name, v);
            for (int i = 0; i < app_risk_count(); i++)
                snprintf(err + strlen(err), errlen - strlen(err), ", %s", app_risk_name(i));
            snprintf(err + strlen(err), errlen - strlen(err), ")");
            return -1;
        }
        *(uint32_t *)dst = mask;
        return 0;
    }
    case K_NETLIST: {                       /* a list of CIDR prefixes, checked now */
        char why[200];
        struct netset *ns = netset_create();
        int bad = strlen(v) >= k->max || netset_add_list(ns, v, 0, why, sizeof(why)) < 0;
        netset_destroy(ns);
        if (bad) {
            snprintf(err, errlen, "%s: bad value: %s", name, strlen(v) >= k->max ? "too long" : why);
            return -1;
        }
        strcpy(dst, v);
        return 0;
    }
    case K_COUNTRIES: {                     /* [CN, HK]: ISO 3166 two-letter codes */
        char bad[64] = "";
        if (strlen(v) >= k->max || util_parse_list(v, check_country, bad) < 0) {
            snprintf(err, errlen, "%s: '%s' is not a two-letter upper-case country code", name,
                     bad[0] ? bad : v);
            return -1;
        }
        strcpy(dst, v);
        return 0;
    }
    case K_ACTIONS: {
        struct action_list al = { c, 0, "" };
        uint8_t old[4];
        memcpy(old, c->action_rank, 4);
        memset(c->action_rank, 0xff, 4);
        if (strlen(v) >= k->max || util_parse_list(v, add_action, &al) < 0 || al.n != 4) {
            memcpy(c->action_rank, old, 4);
            snprintf(err, errlen, "%s: bad value '%s'%s%s (expected the four actions pass, drop, "
                     "reject and alert, each once, in the order to apply them)", name, v,
                     al.bad[0] ? ": " : "", al.bad);
            return -1;
        }
        strcpy(dst, v);
        return 0;
    }
    case K_LOGLEVEL:
        for (int i = 0; i < (int)ARRAY_SIZE(level_names); i++) {
            if (!strcmp(v, level_names[i])) {
                *(int *)dst = i;
                return 0;
            }
        }
        snprintf(err, errlen, "%s: bad value '%s' (expected error, warning, notice, info or debug)",
                 name, v);
        return -1;
    case K_SUMMARY:
        for (int i = 0; i < (int)ARRAY_SIZE(summary_names); i++) {
            if (!strcmp(v, summary_names[i])) {
                *(int *)dst = i;
                return 0;
            }
        }
        snprintf(err, errlen, "%s: bad value '%s' (expected auto, yes or no)", name, v);
        return -1;
    }
    return -1;
}

void config_defaults(struct config *c)
{
    char err[CONFIG_ERR_MAX];

    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        if (config_set(c, keys[i].name, keys[i].def, err, sizeof(err)) < 0)
            abort();                        /* a broken default is a bug in this table */
    c->output_set = 0;
    if (gethostname(c->sensor_id, sizeof(c->sensor_id) - 1) < 0)
        strcpy(c->sensor_id, "taishi");
}

/* --- YAML ----------------------------------------------------------------- */

#define MAX_DEPTH 16

/* Position in the document: `level` mappings are open, key[0..level-1] is
 * the path to the current value, want_key[l] says whether mapping level l
 * expects a key or a value next. */
struct yctx {
    struct config *c;
    const char *name;
    char *err;
    size_t errlen;
    char key[MAX_DEPTH][128];
    int level;
    int want_key[MAX_DEPTH + 1];
    char list[1024];            /* a sequence being collected as "[a, b]" */
    int in_list;
    int documents;
};

static int yerr(struct yctx *y, const yaml_event_t *ev, const char *fmt, const char *a)
{
    int n = snprintf(y->err, y->errlen, "%s:%zu: ", y->name, ev->start_mark.line + 1);
    if (n > 0 && (size_t)n < y->errlen)
        snprintf(y->err + n, y->errlen - (size_t)n, fmt, a);
    return -1;
}

static int apply(struct yctx *y, const yaml_event_t *ev, const char *value)
{
    char path[MAX_DEPTH * 129], msg[CONFIG_ERR_MAX];

    path[0] = 0;
    for (int i = 0; i < y->level; i++) {
        if (i)
            strcat(path, ".");
        strcat(path, y->key[i]);
    }
    y->want_key[y->level] = 1;
    if (config_set(y->c, path, value, msg, sizeof(msg)) < 0)
        return yerr(y, ev, "%s", msg);
    return 0;
}

static int yaml_event(struct yctx *y, yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return yerr(y, ev, "%s", "YAML aliases are not supported");
    case YAML_MAPPING_START_EVENT:
        if (ev->data.mapping_start.anchor)
            return yerr(y, ev, "%s", "YAML anchors are not supported");
        if (y->in_list)
            return yerr(y, ev, "%s", "a list may only hold plain values");
        if (y->level > 0 && y->want_key[y->level])
            return yerr(y, ev, "%s", "a mapping cannot be a key");
        if (y->level >= MAX_DEPTH)
            return yerr(y, ev, "%s", "nesting too deep");
        y->want_key[++y->level] = 1;
        return 0;
    case YAML_MAPPING_END_EVENT:
        if (--y->level > 0)
            y->want_key[y->level] = 1;
        return 0;
    case YAML_SEQUENCE_START_EVENT:
        if (ev->data.sequence_start.anchor)
            return yerr(y, ev, "%s", "YAML anchors are not supported");
        if (y->in_list || y->level == 0 || y->want_key[y->level])
            return yerr(y, ev, "%s", "unexpected list");
        y->in_list = 1;
        strcpy(y->list, "[");
        return 0;
    case YAML_SEQUENCE_END_EVENT:
        y->in_list = 0;
        strcat(y->list, "]");
        return apply(y, ev, y->list);
    case YAML_SCALAR_EVENT: {
        const char *v = (const char *)ev->data.scalar.value;
        if (ev->data.scalar.anchor)
            return yerr(y, ev, "%s", "YAML anchors are not supported");
        if (y->in_list) {
            if (strlen(y->list) + strlen(v) + 4 >= sizeof(y->list))
                return yerr(y, ev, "%s", "list too long");
            if (y->list[1])
                strcat(y->list, ", ");
            strcat(y->list, v);
            return 0;
        }
        if (y->level == 0 && !*v && ev->data.scalar.plain_implicit)
            return 0;                       /* "---" alone: an empty document */
        if (y->level == 0)
            return yerr(y, ev, "%s", "the document must be a mapping of keys");
        if (y->want_key[y->level]) {
            if (strlen(v) >= sizeof(y->key[0]))
                return yerr(y, ev, "%s", "key too long");
            strcpy(y->key[y->level - 1], v);
            y->want_key[y->level] = 0;
            return 0;
        }
        return apply(y, ev, v);
    }
    case YAML_DOCUMENT_START_EVENT:
        if (y->documents++)
            return yerr(y, ev, "%s", "only one YAML document per file");
        return 0;
    default:
        return 0;
    }
}

int config_load_yaml_buffer(struct config *c, const char *name, const uint8_t *buf,
                            size_t len, char *err, size_t errlen)
{
    yaml_parser_t p;
    yaml_event_t ev;
    struct yctx y = { .c = c, .name = name, .err = err, .errlen = errlen };
    int rc = 0, done = 0;

    if (!yaml_parser_initialize(&p)) {
        snprintf(err, errlen, "%s: cannot initialise the YAML parser", name);
        return -1;
    }
    yaml_parser_set_input_string(&p, buf, len);
    while (!done && rc == 0) {
        if (!yaml_parser_parse(&p, &ev)) {
            snprintf(err, errlen, "%s:%zu: YAML syntax error: %s", name,
                     p.problem_mark.line + 1, p.problem ? p.problem : "unknown");
            rc = -1;
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = yaml_event(&y, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return rc;
}

int config_load_yaml(struct config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t n;

    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    buf = xmalloc(1 << 20);
    n = fread(buf, 1, 1 << 20, f);
    if (n == 1 << 20 || ferror(f)) {
        snprintf(err, errlen, "%s: %s", path, ferror(f) ? strerror(errno) : "larger than 1 MiB");
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    int rc = config_load_yaml_buffer(c, path, buf, n, err, errlen);
    free(buf);
    return rc;
}

/* --- dump ------------------------------------------------------------------ */

/* A YAML double-quoted scalar: " and \ escaped (control characters are
 * refused on input, so there are none to escape). */
static void yaml_quote(const char *v, char *out, size_t outlen)
{
    size_t o = 0;

    out[o++] = '"';
    for (; *v && o + 4 < outlen; v++) {
        if (*v == '"' || *v == '\\')
            out[o++] = '\\';
        out[o++] = *v;
    }
    out[o++] = '"';
    out[o] = 0;
}

static void value_text(const struct config *c, const struct key *k, char *out, size_t outlen)
{
    const void *src = (const char *)c + k->off;

    switch (k->type) {
    case K_UINT: case K_DURATION:
        snprintf(out, outlen, "%u", *(const uint32_t *)src);
        break;
    case K_SIZE: {
        uint64_t v = *(const uint64_t *)src;
        if (v && v % (1ULL << 30) == 0)
            snprintf(out, outlen, "%llugb", (unsigned long long)(v >> 30));
        else if (v && v % (1ULL << 20) == 0)
            snprintf(out, outlen, "%llumb", (unsigned long long)(v >> 20));
        else
            snprintf(out, outlen, "%llu", (unsigned long long)v);
        break;
    }
    case K_BOOL:
        snprintf(out, outlen, "%s", *(const int *)src ? "yes" : "no");
        break;
    case K_STRING: case K_NETLIST: case K_COUNTRIES: case K_ACTIONS:
        yaml_quote(src, out, outlen);
        break;
    case K_LOGLEVEL:
        snprintf(out, outlen, "%s", level_names[*(const int *)src]);
        break;
    case K_SUMMARY:
        snprintf(out, outlen, "%s", summary_names[*(const int *)src]);
        break;
    case K_HASHES: {
        uint32_t m = *(const uint32_t *)src;
        out[0] = 0;
        strncat(out, "[", outlen - 1);
        for (int i = 0; i < (int)ARRAY_SIZE(hash_names); i++)
            if (m & (1u << i)) {
                if (out[1])
                    strncat(out, ", ", outlen - strlen(out) - 1);
                strncat(out, hash_names[i], outlen - strlen(out) - 1);
            }
        strncat(out, "]", outlen - strlen(out) - 1);
        break;
    }
    case K_APPRISKS: {
        uint32_t m = *(const uint32_t *)src;
        out[0] = 0;
        if (m == (uint32_t)((1ull << app_risk_count()) - 1)) {
            snprintf(out, outlen, "[all]");
            break;
        }
        strncat(out, "[", outlen - 1);
        for (int i = 0; i < app_risk_count(); i++)
            if (m & (1u << i)) {
                if (out[1])
                    strncat(out, ", ", outlen - strlen(out) - 1);
                strncat(out, app_risk_name(i), outlen - strlen(out) - 1);
            }
        strncat(out, "]", outlen - strlen(out) - 1);
        break;
    }
    case K_EVENTS: {
        uint32_t m = *(const uint32_t *)src;
        out[0] = 0;
        strncat(out, "[", outlen - 1);
        for (int i = 0; i < ET_MAX; i++)
            if ((m & (1u << i)) && config_event_name((enum event_type)i)) {
                if (out[1])
                    strncat(out, ", ", outlen - strlen(out) - 1);
                strncat(out, config_event_name((enum event_type)i), outlen - strlen(out) - 1);
            }
        strncat(out, "]", outlen - strlen(out) - 1);
        break;
    }
    }
}

void config_dump(const struct config *c, FILE *out)
{
    char prev[MAX_DEPTH][128];
    int nprev = 0;

    fprintf(out, "# taishi configuration (every key, with its current value)\n");
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        char parts[MAX_DEPTH][128], buf[256], val[2200];   /* a 1 KiB string, every byte escaped */
        int n = 0;
        snprintf(buf, sizeof(buf), "%s", keys[i].name);
        for (char *s = NULL, *t = strtok_r(buf, ".", &s); t && n < MAX_DEPTH; t = strtok_r(NULL, ".", &s))
            snprintf(parts[n++], sizeof(parts[0]), "%s", t);
        int common = 0;
        while (common < n - 1 && common < nprev && !strcmp(parts[common], prev[common]))
            common++;
        for (int d = common; d < n - 1; d++)
            fprintf(out, "%*s%s:\n", d * 2, "", parts[d]);
        value_text(c, &keys[i], val, sizeof(val));
        fprintf(out, "%*s%s: %s\n", (n - 1) * 2, "", parts[n - 1], val);
        for (int d = 0; d < n - 1; d++)
            memcpy(prev[d], parts[d], sizeof(prev[d]));
        nprev = n - 1;
        if (!strcmp(keys[i].name, "vars.HOME_NET")) {
            for (int p = 0; p < c->nrule_vars; p++) {
                char qv[1100];
                yaml_quote(c->rule_vars[p].value, qv, sizeof(qv));
                fprintf(out, "  %s: %s\n", c->rule_vars[p].name, qv);
            }
        }
        if (!strcmp(keys[i].name, "outputs.kafka.flush-timeout") && c->nkafka_props) {
            fprintf(out, "    properties:\n");
            for (int p = 0; p < c->nkafka_props; p++) {
                char qn[300], qv[1100];
                yaml_quote(c->kafka_props[p].name, qn, sizeof(qn));
                yaml_quote(c->kafka_props[p].value, qv, sizeof(qv));
                fprintf(out, "      %s: %s\n", qn, qv);
            }
        }
    }
}

int config_selftest(void)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    static const char yml[] = "flow:\n  memcap: 64mb\n  timeouts:\n    tcp:\n      new: 5\n"
                              "outputs:\n  events: [flow, alert]\n";
    int bad = 0;

    config_defaults(&c);
    bad += c.flow_timeout[FG_TCP][FS_ESTABLISHED] != 600;
    bad += config_load_yaml_buffer(&c, "t", (const uint8_t *)yml, sizeof(yml) - 1, err, sizeof(err)) != 0;
    bad += c.flow_memcap != 64ULL << 20 || c.flow_timeout[FG_TCP][FS_NEW] != 5;
    bad += c.events_mask != ((1u << ET_FLOW) | (1u << ET_ALERT));
    bad += config_set(&c, "flow.memcapp", "1", err, sizeof(err)) != -1 || !strstr(err, "flow.memcapp");
    bad += config_set(&c, "flow.memcap", "lots", err, sizeof(err)) != -1;
    return bad ? -1 : 0;
}
