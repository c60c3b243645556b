/* output.c - the output stage: fans each chunk of events out to the sinks
 * the config enabled (see output.h). */
#include <stdlib.h>
#include <string.h>

#include "taishi/output/output.h"
#include "taishi/core/util.h"

struct output {
    struct output_file *file;
    struct output_kafka *kafka;
};

struct output *output_open(const struct config *cfg, char *err, size_t errlen)
{
    struct output *o = xcalloc(1, sizeof(*o));

    /* With Kafka on, a file is written only when one was asked for (-o). */
    if (!cfg->kafka_brokers[0] || cfg->output_set) {
        if (!(o->file = output_file_open(cfg->output, err, errlen))) {
            free(o);
            return NULL;
        }
    }
    if (cfg->kafka_brokers[0] && !(o->kafka = output_kafka_open(cfg, err, errlen))) {
        output_file_close(o->file);
        free(o);
        return NULL;
    }
    return o;
}

void output_write_events(struct output *o, const char *buf, const struct out_event *ev, size_t n)
{
    if (!n)
        return;
    /* Kafka's write-ahead log first: an event in the file is in the log,
     * whenever the process dies. */
    if (o->kafka)
        output_kafka_submit(o->kafka, buf, ev, n);
    if (o->file)
        output_file_write(o->file, buf + ev[0].off, ev[n - 1].off + ev[n - 1].len - ev[0].off);
}

int output_close(struct output *o)
{
    if (!o)
        return 0;
    output_kafka_close(o->kafka);
    int rc = output_file_close(o->file);
    free(o);
    return rc;
}

int output_reopen(struct output *o)
{
    return output_file_reopen(o->file);
}

void output_flush(struct output *o)
{
    if (o)
        output_file_flush(o->file);
}

void output_stats(const struct output *o, struct kafka_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (o->kafka)
        output_kafka_counters(o->kafka, st);
}

int output_has_kafka(const struct output *o)
{
    return o->kafka != NULL;
}
