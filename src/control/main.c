/* main.c - the command line: options, the configuration they build, the
 * modes that do not run (--help, --version, --selftest, --dump-config,
 * --check-rules), and the call sequence of a run.
 *
 * The configuration: defaults -> YAML (-c) -> --set (in order) -> the
 * command-line options (-o, -w, --events, --kafka). A run is then
 * runtime_start() (every input opened and checked, then the threads
 * started), runtime_run() (offline, this thread reads the files; live, it
 * waits for SIGTERM/SIGINT), runtime_stop() (threads joined, the final
 * `stats` event) and runtime_destroy() (everything closed, the output
 * last); runtime.c has the orders and who owns what.
 *
 * Single-threaded: everything here runs before the runtime's threads start
 * or after they are joined; the configuration is built here, lives in a
 * static and is read-only once runtime_start() is called.
 *
 * Exit status: 0 success, 1 bad input (arguments, config, capture files),
 * 2 runtime failure (output could not be written). */
#include <getopt.h>
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/config/config.h"
#include "taishi/core/jw.h"
#include "taishi/core/ring.h"
#include "taishi/core/sha256.h"
#include "taishi/core/util.h"
#include "taishi/detect/detect_load.h"
#include "taishi/flow/community_id.h"
#include "taishi/output/output.h"
#include "taishi/pipeline/stats.h"
#include "taishi/rules/rules.h"
#include "runtime_internal.h"

/* --version: taishi's version and commit, then each library as loaded
 * (gathered by pipeline/stats.c from the stages that own them). */
static int print_version(void)
{
    struct stats_versions v;
    stats_versions(&v);
    printf("taishi %s (commit %s)\n", v.taishi, v.commit);
    printf("nDPI %s\n", v.ndpi);
    printf("%s %s\n", strcmp(v.hs_engine, "vectorscan") ? "Hyperscan" : "Vectorscan", v.hs);
    printf("librdkafka %s\n", v.rdkafka);
    printf("libmaxminddb %s\n", v.maxminddb);
    printf("PCRE2 %s\n", v.pcre2);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: taishi -r FILE [-r FILE ...] [options]\n"
        "       taishi -i IFACE [-i IFACE ...] [options]\n"
        "  -r FILE          replay a pcap/pcapng file (\"-\" = stdin); repeatable, read in order\n"
        "  -i IFACE         live capture on IFACE (a mirror port); repeatable; stop with SIGTERM\n"
        "  -c, --config FILE  YAML configuration (default: built-in, see --dump-config)\n"
        "  -o PATH          write JSON events to PATH (\"-\" = stdout, the default)\n"
        "  -w N             worker threads (default: online CPUs)\n"
        "  --events LIST    event types to write, e.g. flow,anomaly (default: all)\n"
        "  --set KEY=VALUE  override one configuration key (repeatable)\n"
        "  --dump-config    print the effective configuration as YAML and exit\n"
        "  --selftest       run the built-in self-tests and exit\n"
        "  --version, --help\n"
        "  --kafka BROKERS  send events to Kafka (host:port,...), as outputs.kafka.brokers\n"
        "  --kafka-audit BROKERS [--topics LIST]  check the topics' sequence numbers per sensor\n"
        "                   (default: the configured topics); exit 1 on an unexplained gap\n"
        "  -S FILE          load rules from FILE (repeatable; replaces rules.files)\n"
        "  --check-rules    load and compile the rules, print each problem and a summary\n"
        "  --summary, --no-summary  a run summary on stderr at the end, or none (default:\n"
        "                   with -r when stderr is a terminal; the config key summary)\n");
}

/* The parser registry, the event types it adds and the rule protocols its
 * parsers claim: a half-filled or clashing entry, or a protocol keyword the
 * rule language does not have, is a build that must not run. 0, or -1 with
 * the reason in err. */
static int registry_check(char *err, size_t errlen)
{
    if (app_registry_check(err, errlen) < 0 || config_event_types_check(err, errlen) < 0)
        return -1;
    for (int id = 1; id <= app_registry_count(); id++) {
        const struct app_parser *p = app_registry_get(id);
        if (rules_app_lookup(p->rule_proto) == RAPP_NONE) {
            snprintf(err, errlen, "app parser %s: rule protocol '%s' is not one rules know",
                     p->name, p->rule_proto);
            return -1;
        }
    }
    for (int i = 0; i <= NDPI_LAST_IMPLEMENTED_PROTOCOL; i++) {  /* what nDPI maps to rules, rules know */
        const char *rp = app_registry_rule_proto((uint16_t)i);
        if (rp && rules_app_lookup(rp) == RAPP_NONE) {
            snprintf(err, errlen, "app registry: rule protocol '%s' (nDPI %d) is not one rules know", rp, i);
            return -1;
        }
    }
    return 0;
}

static int registry_selftest(void)
{
    char err[256];
    return registry_check(err, sizeof(err));
}

static int selftest(void)
{
    static const struct { const char *name; int (*fn)(void); } tests[] = {
        { "util", util_selftest }, { "ring", ring_selftest },
        { "community_id", community_id_selftest }, { "jw", jw_selftest },
        { "config", config_selftest }, { "app_registry", registry_selftest },
        { "sha256", sha256_selftest },
    };
    int failed = 0;

    for (size_t i = 0; i < ARRAY_SIZE(tests); i++) {
        int r = tests[i].fn();
        printf("selftest %-14s %s\n", tests[i].name, r == 0 ? "ok" : "FAILED");
        failed += r != 0;
    }
    printf("%zu passed, %d failed\n", ARRAY_SIZE(tests) - (size_t)failed, failed);
    return failed ? 1 : 0;
}

/* Exit status: 0 success, 1 bad input, 2 runtime failure. */
static int exit_status(int rc)
{
    return rc == 0 ? 0 : rc == RUNTIME_EINPUT ? 1 : 2;
}

enum { OPT_EVENTS = 256, OPT_SET, OPT_DUMP, OPT_SELFTEST, OPT_VERSION, OPT_KAFKA, OPT_CHECK,
       OPT_AUDIT, OPT_TOPICS };
enum { OPT_SUMMARY = 300, OPT_NO_SUMMARY };

/* --kafka-audit: the topics given (comma-separated) or the configured ones. */
static int kafka_audit_main(const struct config *cfg, const char *brokers, const char *list)
{
    const char *topics[64];
    char buf[4096];
    int n = 0;

    if (!list) {
        for (int f = 0; f < KF_MAX; f++)
            topics[n++] = cfg->kafka_topic[f];
    } else {
        snprintf(buf, sizeof(buf), "%s", list);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n < 64; t = strtok_r(NULL, ",", &save))
            topics[n++] = t;
    }
    return kafka_audit(brokers, topics, n, stdout);
}

static int run(int argc, char **argv, char **reads, char **sets, char **ifaces, char **sfiles)
{
    static const struct option longopts[] = {
        { "events", required_argument, NULL, OPT_EVENTS },
        { "set", required_argument, NULL, OPT_SET },
        { "config", required_argument, NULL, 'c' },
        { "dump-config", no_argument, NULL, OPT_DUMP },
        { "selftest", no_argument, NULL, OPT_SELFTEST },
        { "version", no_argument, NULL, OPT_VERSION },
        { "help", no_argument, NULL, 'h' },
        { "kafka", required_argument, NULL, OPT_KAFKA },
        { "check-rules", no_argument, NULL, OPT_CHECK },
        { "summary", no_argument, NULL, OPT_SUMMARY },
        { "no-summary", no_argument, NULL, OPT_NO_SUMMARY },
        { "kafka-audit", required_argument, NULL, OPT_AUDIT },
        { "topics", required_argument, NULL, OPT_TOPICS },
        { NULL, 0, NULL, 0 },
    };
    static struct config cfg;
    char err[CONFIG_ERR_MAX];
    const char *conf = NULL, *out_path = NULL, *workers = NULL, *events = NULL, *kafka = NULL;
    const char *summary = NULL;
    const char *audit = NULL, *topics = NULL;
    int nreads = 0, nsets = 0, nifaces = 0, nsfiles = 0, dump = 0, check = 0, opt;

    /* SIGHUP only sets a flag the run looks at: safe to take it from the
     * very start (a HUP during a long rule compile is not fatal). */
    runtime_catch_sighup();
    config_defaults(&cfg);
    while ((opt = getopt_long(argc, argv, "r:c:o:w:S:i:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r': reads[nreads++] = optarg; break;
        case 'c': conf = optarg; break;
        case 'o': out_path = optarg; break;
        case 'w': workers = optarg; break;
        case OPT_EVENTS: events = optarg; break;
        case OPT_SET: sets[nsets++] = optarg; break;
        case OPT_DUMP: dump = 1; break;
        case OPT_SELFTEST: return selftest();
        case OPT_VERSION: return print_version();
        case 'h': usage(stdout); return 0;
        case OPT_KAFKA: kafka = optarg; break;
        case 'i': ifaces[nifaces++] = optarg; break;
        case 'S': sfiles[nsfiles++] = optarg; break;
        case OPT_CHECK: check = 1; break;
        case OPT_SUMMARY: summary = "yes"; break;
        case OPT_NO_SUMMARY: summary = "no"; break;
        case OPT_AUDIT: audit = optarg; break;
        case OPT_TOPICS: topics = optarg; break;
        default: usage(stderr); return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "taishi: unexpected argument '%s'\n", argv[optind]);
        return 1;
    }
    if (conf && config_load_yaml(&cfg, conf, err, sizeof(err)) < 0) {
        fprintf(stderr, "taishi: config: %s\n", err);
        return 1;
    }
    for (int i = 0; i < nsets; i++) {
        char key[256], *eq = strchr(sets[i], '=');
        if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof(key)) {
            fprintf(stderr, "taishi: --set wants KEY=VALUE, got '%s'\n", sets[i]);
            return 1;
        }
        memcpy(key, sets[i], (size_t)(eq - sets[i]));
        key[eq - sets[i]] = 0;
        if (config_set(&cfg, key, eq + 1, err, sizeof(err)) < 0) {
            fprintf(stderr, "taishi: --set: %s\n", err);
            return 1;
        }
    }
    if ((out_path && config_set(&cfg, "outputs.file.path", out_path, err, sizeof(err)) < 0) ||
        (workers && config_set(&cfg, "workers", workers, err, sizeof(err)) < 0) ||
        (events && config_set(&cfg, "outputs.events", events, err, sizeof(err)) < 0) ||
        (kafka && config_set(&cfg, "outputs.kafka.brokers", kafka, err, sizeof(err)) < 0) ||
        (summary && config_set(&cfg, "summary", summary, err, sizeof(err)) < 0)) {
        fprintf(stderr, "taishi: %s\n", err);
        return 1;
    }
    if (dump) {
        config_dump(&cfg, stdout);
        return 0;
    }
    util_log_level = (enum log_level)cfg.log_level;
    if (audit)
        return kafka_audit_main(&cfg, audit, topics);
    if (check)
        return detect_load_check_rules(&cfg, sfiles, nsfiles, stdout);
    if (nreads == 0 && nifaces == 0) {
        fprintf(stderr, "taishi: nothing to read: give -r FILE or -i IFACE\n");
        usage(stderr);
        return 1;
    }
    if (nreads && nifaces) {
        fprintf(stderr, "taishi: -r and -i cannot be used together\n");
        return 1;
    }
    if (cfg.log_syslog)
        util_log_to_syslog();

    struct runtime_inputs in = { reads, nreads, ifaces, nifaces, sfiles, nsfiles };
    struct runtime *rt;
    int rc = runtime_start(&cfg, &in, &rt);
    if (rc < 0)
        return exit_status(rc);
    rc = runtime_run(rt);
    runtime_stop(rt);
    if (runtime_destroy(rt) < 0)
        rc = RUNTIME_EFAIL;
    return exit_status(rc);
}

int main(int argc, char **argv)
{
    char err[256];
    if (registry_check(err, sizeof(err)) < 0) {     /* before anything else: a broken build */
        fprintf(stderr, "taishi: %s\n", err);
        return 2;
    }

    /* The lists the options fill (pointers into argv, at most argc of each), freed
     * here whichever way run() returns. */
    char **reads = xcalloc((size_t)argc, sizeof(char *));
    char **sets = xcalloc((size_t)argc, sizeof(char *));
    char **ifaces = xcalloc((size_t)argc, sizeof(char *));
    char **sfiles = xcalloc((size_t)argc, sizeof(char *));
    int rc = run(argc, argv, reads, sets, ifaces, sfiles);

    free(reads);
    free(sets);
    free(ifaces);
    free(sfiles);
    return rc;
}
