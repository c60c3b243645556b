/* output.h - where events go: a JSON-lines file (or stdout), Kafka, or both.
 *
 * Workers format events in their own buffers (event.h) and hand them here in
 * chunks: the bytes (whole lines) plus one `struct out_event` per line saying
 * its type (which Kafka topic) and its key (the flow id, so a flow's events
 * keep their order in one partition). Each sink takes what it needs: the
 * file sink writes the chunk under one lock (lines from different workers
 * never interleave), the Kafka sink takes the chunk for its own thread,
 * which produces one message per line (see output_kafka.c and spool.h).
 *
 * Ownership: output_write_events copies (or writes) the bytes before it
 * returns; the caller reuses its buffer at once. */
#ifndef TAISHI_OUTPUT_H
#define TAISHI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "taishi/config/config.h"

struct out_event {
    uint32_t off, len;          /* the line in the chunk, newline included */
    uint8_t type;               /* enum event_type */
    uint64_t key;               /* flow id; 0 = no key */
};

struct kafka_stats {
    uint64_t produced, delivered, spooled, replayed, dropped, failed_deliveries;
    uint64_t damaged;               /* damaged stretches of the spool found while reading it */
    uint64_t lost;                  /* events not in the spool (disk trouble) whose delivery failed */
    uint64_t spool_bytes, spool_segments, spool_segments_dropped, spool_write_errors;
    int connected;              /* a delivery succeeded since the last failure */
};

struct output;
/* Opens the sinks the config asks for (file unless only Kafka is wanted,
 * Kafka when outputs.kafka.brokers is set). NULL with a message in err. */
struct output *output_open(const struct config *cfg, char *err, size_t errlen);
void output_write_events(struct output *o, const char *buf, const struct out_event *ev, size_t n);
/* Flushes and closes every sink (Kafka: waits up to flush-timeout, spools
 * the rest). Returns 0, or -1 when a file write failed. */
int output_close(struct output *o);
/* Pushes what the file sink has buffered to the file (any thread). */
void output_flush(struct output *o);
/* Reopens the output file (SIGHUP after logrotate moved it); the old one
 * stays in use when the path cannot be opened. 0, or -1 (logged). */
int output_reopen(struct output *o);
/* The outputs' counters: Kafka's (all zero without Kafka); safe from any thread. */
void output_stats(const struct output *o, struct kafka_stats *st);
int output_has_kafka(const struct output *o);
/* librdkafka's version as the loaded library reports it (rd_kafka_version_str()); static text. */
const char *output_kafka_lib_version(void);

/* The sinks (output_file.c, output_kafka.c). */
struct output_file;
struct output_file *output_file_open(const char *path, char *err, size_t errlen);
void output_file_write(struct output_file *f, const char *buf, size_t len);
int output_file_close(struct output_file *f);
int output_file_reopen(struct output_file *f);  /* NULL or stdout: nothing to do */
void output_file_flush(struct output_file *f);   /* NULL: nothing to do */

struct output_kafka;
struct output_kafka *output_kafka_open(const struct config *cfg, char *err, size_t errlen);
/* Hands a chunk of events to the Kafka sink's thread (one copy, one lock);
 * the worker never calls librdkafka (see output_kafka.c). */
void output_kafka_submit(struct output_kafka *k, const char *buf, const struct out_event *ev,
                         size_t n);
void output_kafka_close(struct output_kafka *k);
void output_kafka_counters(const struct output_kafka *k, struct kafka_stats *st);

/* --kafka-audit (kafka_audit.c): reads the topics from their beginning and
 * reports, per sensor and topic, the seqs seen, gaps, duplicates and the
 * sensor's drops. Returns 0 complete, 1 an unexplained gap, 2 unreadable. */
int kafka_audit(const char *brokers, const char *const *topics, int ntopics, FILE *out);

#endif
