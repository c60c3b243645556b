/* fuzz_config.c - config_load_yaml_buffer() on hostile YAML, and the dump
 * round trip.
 *
 * Input: a YAML document, loaded over the defaults.
 * Invariants (abort() when violated):
 *   - the load returns 0 or -1; on -1 the message is NUL-terminated and
 *     starts with the document's name ("fuzz:");
 *   - config_dump() of whatever was loaded (even after an error) is YAML
 *     without a repeated key: a mapping ("outputs:") opened twice at the
 *     same place is read by other YAML tools as one mapping replacing the
 *     other (PyYAML keeps the last), so keys silently disappear;
 *   - round trip: when the load succeeded, loading the dump over the
 *     defaults succeeds too, gives the same configuration (every field;
 *     string buffers compared up to their NUL), and dumping that gives the
 *     same bytes. A dump that does not read back as what it shows breaks
 *     --dump-config (the documented way to produce a config file).
 * Dumps go to open_memstream() buffers: nothing is written to disk. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/config/config.h"
#include "fuzz_helpers.h"

/* Makes two configs comparable with memcmp: string buffers are zeroed past
 * their NUL (a value set twice leaves the longer one's tail), and
 * output_set is dropped (the dump always names the file path). A string
 * field added to struct config belongs here too, or a value set twice in
 * one document makes a false report. */
#define CLEAR_TAIL(a) do { \
        size_t l_ = strnlen((a), sizeof(a)); \
        memset((a) + l_, 0, sizeof(a) - l_); \
    } while (0)

static void normalize(struct config *c)
{
    CLEAR_TAIL(c->sensor_id);
    CLEAR_TAIL(c->output);
    CLEAR_TAIL(c->kafka_brokers);
    for (int i = 0; i < KF_MAX; i++)
        CLEAR_TAIL(c->kafka_topic[i]);
    CLEAR_TAIL(c->kafka_compression);
    CLEAR_TAIL(c->kafka_spool_dir);
    CLEAR_TAIL(c->home_net);
    CLEAR_TAIL(c->geoip_city);
    CLEAR_TAIL(c->geoip_country);
    CLEAR_TAIL(c->geoip_asn);
    CLEAR_TAIL(c->assets_file);
    CLEAR_TAIL(c->xborder_allowed);
    CLEAR_TAIL(c->asset_state_file);
    CLEAR_TAIL(c->intel_files);
    CLEAR_TAIL(c->rule_files);
    CLEAR_TAIL(c->rule_classification);
    CLEAR_TAIL(c->detect_cache_dir);
    CLEAR_TAIL(c->intel_kafka_topic);
    CLEAR_TAIL(c->pidfile);
    CLEAR_TAIL(c->run_as_user);
    CLEAR_TAIL(c->run_as_group);
    CLEAR_TAIL(c->capture_bpf);
    for (int i = 0; i < CONFIG_MAX_RULE_VARS; i++) {
        CLEAR_TAIL(c->rule_vars[i].name);
        CLEAR_TAIL(c->rule_vars[i].value);
    }
    for (int i = 0; i < KAFKA_MAX_PROPS; i++) {
        CLEAR_TAIL(c->kafka_props[i].name);
        CLEAR_TAIL(c->kafka_props[i].value);
    }
    c->output_set = 0;
}

/* The dump's keys, by indentation (two spaces a level, as config_dump
 * writes them): no path may appear twice. */
static void check_unique_keys(const char *d)
{
    enum { MAXP = 256 };
    static char seen[MAXP][512];
    char path[16][160];
    int nseen = 0, line = 0;

    for (const char *p = d; *p; ) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        size_t ind = 0;
        line++;
        while (ind < n && p[ind] == ' ')
            ind++;
        const char *colon = memchr(p + ind, ':', n - ind);
        if (ind < n && p[ind] != '#' && colon && p[ind] != '"') {
            size_t lvl = ind / 2, klen = (size_t)(colon - (p + ind));
            FUZZ_ASSERT(lvl < 16 && klen < sizeof(path[0]));
            memcpy(path[lvl], p + ind, klen);
            path[lvl][klen] = 0;
            char full[512] = "";
            for (size_t l = 0; l <= lvl; l++)
                snprintf(full + strlen(full), sizeof(full) - strlen(full), "%s%s", l ? "." : "",
                         path[l]);
            for (int i = 0; i < nseen; i++)
                FUZZ_ASSERT_MSG(strcmp(seen[i], full), "the dump repeats the key '%s' (line %d):"
                                " other YAML readers keep only one of them\n--- dump:\n%s",
                                full, line, d);
            FUZZ_ASSERT(nseen < MAXP);
            snprintf(seen[nseen++], sizeof(seen[0]), "%s", full);
        }
        p += n + (e != NULL);
    }
}

static char *dump(const struct config *c, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);

    FUZZ_ASSERT(f != NULL);
    config_dump(c, f);
    FUZZ_ASSERT(fclose(f) == 0);
    check_unique_keys(buf);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct config defaults, c1, c2;
    static int ready;
    char err[CONFIG_ERR_MAX];

    if (!ready) {
        config_defaults(&defaults);
        ready = 1;
    }
    memcpy(&c1, &defaults, sizeof(c1));     /* padding included: memcmp below */
    memset(err, 0x55, sizeof(err));
    int rc = config_load_yaml_buffer(&c1, "fuzz", data, size, err, sizeof(err));
    FUZZ_ASSERT(rc == 0 || rc == -1);
    if (rc < 0) {
        FUZZ_ASSERT(memchr(err, 0, sizeof(err)) != NULL);
        FUZZ_ASSERT_MSG(!strncmp(err, "fuzz:", 5), "%s", err);
    }

    size_t n1 = 0, n2 = 0;
    char *d1 = dump(&c1, &n1);
    if (rc == 0) {
        memcpy(&c2, &defaults, sizeof(c2));
        int rc2 = config_load_yaml_buffer(&c2, "dump", (const uint8_t *)d1, n1, err, sizeof(err));
        FUZZ_ASSERT_MSG(rc2 == 0, "the dump does not load back: %s\n--- dump:\n%s", err, d1);
        char *d2 = dump(&c2, &n2);
        FUZZ_ASSERT_MSG(n1 == n2 && !memcmp(d1, d2, n1),
                        "the dump changes when loaded back\n--- first:\n%s--- second:\n%s", d1, d2);
        free(d2);
        normalize(&c1);
        normalize(&c2);
        if (memcmp(&c1, &c2, sizeof(c1))) {
            size_t at = 0;
            while (((const uint8_t *)&c1)[at] == ((const uint8_t *)&c2)[at])
                at++;
            fprintf(stderr, "FAIL: loading the dump gives another config (first difference at byte %zu "
                    "of struct config)\n--- dump:\n%s", at, d1);
            abort();
        }
    }
    free(d1);
    return 0;
}
