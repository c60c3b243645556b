/* config.h - the sensor's settings: built-in defaults, YAML (-c), --set.
 *
 * Every key is declared once, in the table in config.c, with its type, its
 * limits and its default; the YAML reader, --set and --dump-config all go
 * through that table, so an unknown key or a bad value is refused with the
 * key named, and the dump always shows every key.
 *
 * Ownership: main() owns the one `struct config`; after start-up it is only
 * read (workers get a const pointer). */
#ifndef TAISHI_CONFIG_H
#define TAISHI_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "taishi/app/files.h"

enum flow_group { FG_TCP, FG_UDP, FG_ICMP, FG_OTHER, FG_MAX };
enum flow_state { FS_NEW, FS_ESTABLISHED, FS_CLOSED, FS_MAX };

/* Event types; the bit (1 << type) is set in events_mask when it is wanted.
 * The sensor's own types have these numbers; each app-layer parser's event
 * type has the number in its registry entry (app.h, event_id), one of the
 * free ones (4-6, 9-31). The numbers order the event counters of the stats
 * event (and `outputs.events` in --dump-config): 4-6 and 9 are the numbers
 * dns, tls, http and ssh had before the registry, so that order is kept.
 * Numbers taken by the parsers being built (issues 15 and 16), so that
 * branches do not collide: fileinfo 10, smtp 11, ftp 12, ftp_data 13,
 * smb 14, dcerpc 15, krb5 16, quic 17, dhcp 18, mqtt 19, snmp 20, sip 21,
 * rdp 22, nfs 23, tftp 24, ike 25, rfb 26; 27-31 are free. */
enum event_type {
    ET_ALERT = 0, ET_FLOW = 1, ET_ANOMALY = 2, ET_STATS = 3, ET_ASSET = 7, ET_RISK = 8,
    ET_FILEINFO = 10,           /* a file's end (app_file.h), whatever parser saw it */
    ET_MAX = 32
};
/* The name of event type t; NULL for a number no type has. */
const char *config_event_name(enum event_type t);
/* The number of an event type by name; -1 when there is none. */
int config_event_type(const char *name);
/* events_mask with every event type set. */
uint32_t config_events_all(void);
/* Refuses parser event types that clash with the sensor's own (a number or
 * a name taken, a number past ET_MAX): 0, or -1 with the reason in err. */
int config_event_types_check(char *err, size_t errlen);

/* Kafka topic families: which topic an event type goes to (every parser's
 * events go to the app topic). */
enum kafka_family { KF_ALERTS, KF_FLOWS, KF_APP, KF_ANOMALIES, KF_ASSETS, KF_RISKS, KF_STATS, KF_MAX };
enum kafka_family config_kafka_family(enum event_type t);

/* summary: auto = offline runs whose stderr is a terminal. */
enum summary_mode { SUMMARY_AUTO, SUMMARY_YES, SUMMARY_NO };

#define KAFKA_MAX_PROPS 32
#define CONFIG_MAX_RULE_VARS 32

struct config {
    char sensor_id[64];
    uint32_t workers;                       /* 0 = online CPUs */
    int log_level;                          /* enum log_level */
    int log_syslog;                         /* log to syslog (daemon facility) instead of stderr */
    char pidfile[512];                      /* "" = none */
    char run_as_user[64], run_as_group[64]; /* "" = keep the starting identity */

    /* live capture (-i) */
    uint32_t capture_snaplen;
    int capture_promisc;
    char capture_bpf[1024];                 /* "" = every packet */
    uint64_t capture_buffer_size;           /* kernel ring per handle (one per worker and interface) */
    uint32_t capture_fanout_group;          /* 0 = derived from the process id */
    uint32_t capture_retry_interval;        /* seconds between attempts to reopen a lost interface */
    char output[512];                       /* -o; "-" = stdout */
    uint32_t events_mask;

    uint64_t flow_memcap;                   /* bytes, all workers together */
    uint32_t flow_hash_size;                /* buckets per worker */
    uint32_t flow_timeout[FG_MAX][FS_MAX];  /* seconds */
    uint32_t flow_active_timeout;           /* seconds; 0 = off */

    uint32_t dpi_tcp_max_packets, dpi_udp_max_packets;
    int dpi_guess;

    uint32_t defrag_max_trackers, defrag_timeout, defrag_max_fragments;
    uint32_t vxlan_port, teredo_port, gtpu_port;
    uint32_t anomaly_rate_limit;
    int summary;                            /* enum summary_mode: the run summary at the end */
    char metrics_listen[128];               /* metrics.listen: host:port of /metrics; "" = off */
    int stats_versions;                     /* enum summary_mode: the stats event's "version" object (auto = live) */
    uint32_t stats_interval;                /* seconds between stats events; 0 = only at the end */            /* anomaly events per second per worker; 0 = all */

    char home_net[1024];                    /* vars.HOME_NET: "[cidr, ...]" */
    char geoip_city[512], geoip_country[512], geoip_asn[512];   /* "" = not used */
    char assets_file[512];
    int xborder_enabled;
    char xborder_allowed[512];              /* "[CN, ...]" */
    uint64_t xborder_min_bytes;             /* 0 = decide when the flow ends */
    uint32_t risk_min_score;
    uint32_t risk_app;                      /* risk.app: bit i = app_risk_name(i) is written */
    char intel_files[1024];                 /* "[a.txt, b.csv]" */
    int nrule_vars;                         /* vars.NAME (other than HOME_NET): rule variables */
    struct { char name[64], value[1024]; } rule_vars[CONFIG_MAX_RULE_VARS];
    char rule_files[4096];                  /* rules.files: "[a.rules, b.rules]" (-S adds) */
    char rule_classification[512];          /* rules.classification-file; "" = beside the rules */
    char detect_cache_dir[512];             /* detect.cache-dir; "" = no cache */
    uint32_t pcre_match_limit;              /* pcre.match-limit (Suricata's name and default) */
    uint32_t pcre_depth_limit;              /* pcre.match-limit-recursion */
    uint64_t stream_memcap;                 /* stream.memcap: queued out-of-order bytes, all workers */
    uint64_t stream_ooo_max_bytes;          /* stream.ooo-max-bytes, per flow direction */
    uint32_t stream_ooo_max_segs;           /* stream.ooo-max-segments, per flow direction */
    int stream_midstream;                   /* stream.midstream: pick up sessions whose handshake was missed */
    int stream_async_oneside;               /* stream.async-oneside: sessions seen one way only */
    char action_order[64];                  /* action-order: "[pass, drop, reject, alert]" */
    uint8_t action_rank[4];                 /* its rank of each enum rule_action (0 = first) */
    uint32_t intel_gid;
    char intel_kafka_topic[128];            /* "" = no live updates */
    uint32_t asset_max_entries;
    char asset_state_file[512];             /* "" = the inventory is not kept across restarts */
    struct files_config files;              /* files.*: the file tracker (app/files.h) */

    int output_set;                         /* outputs.file.path was given (-o, YAML, --set) */
    char kafka_brokers[512];                /* "" = no Kafka output */
    char kafka_topic[KF_MAX][128];
    char kafka_compression[16];
    char kafka_spool_dir[512];
    uint64_t kafka_spool_max;
    uint32_t kafka_flush_timeout;           /* seconds */
    uint32_t kafka_fsync_interval;          /* seconds between fsyncs of the write-ahead spool; 0 = each batch */
    int kafka_write_ahead;                  /* every event through the spool before Kafka (default) */
    int nkafka_props;                       /* outputs.kafka.properties.* passed to librdkafka */
    struct { char name[128], value[512]; } kafka_props[KAFKA_MAX_PROPS];
};

#define CONFIG_ERR_MAX 512

void config_defaults(struct config *c);
/* Sets one key from its text form (as --set KEY=VALUE gives it). Returns 0,
 * or -1 with a message naming the key in err. */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen);
/* Reads a YAML file; errors are "FILE:LINE: key: reason". */
int config_load_yaml(struct config *c, const char *path, char *err, size_t errlen);
/* Same, from memory (used by the fuzz target and the tests). */
int config_load_yaml_buffer(struct config *c, const char *name, const uint8_t *buf,
                            size_t len, char *err, size_t errlen);
void config_dump(const struct config *c, FILE *out);

int config_selftest(void);

#endif
