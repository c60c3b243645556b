/* intel_feed.c - the consumer of intel.kafka-topic (see intel_feed.h).
 *
 * Partitions are assigned by hand from the topic's metadata, all starting
 * at the beginning; until the topic exists the thread asks again every
 * second. Updates are batched: after a poll that brought messages, the feed
 * waits for a poll that brings none (or 1000 updates) before it applies. */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/enrich/intel_feed.h"
#include "taishi/core/util.h"

struct intel_feed {
    rd_kafka_t *rk;
    char topic[128];
    intel_apply_fn apply;
    void *arg;
    pthread_t thread;
    _Atomic int stop;
    char **up;
    size_t n, cap;
};

static int assign_all(struct intel_feed *f)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(f->rk, f->topic, NULL);
    int ok = 0;

    if (rd_kafka_metadata(f->rk, 0, t, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt > 0) {
            rd_kafka_topic_partition_list_t *l =
                rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
            for (int i = 0; i < md->topics[0].partition_cnt; i++)
                rd_kafka_topic_partition_list_add(l, f->topic, md->topics[0].partitions[i].id)->offset =
                    RD_KAFKA_OFFSET_BEGINNING;
            ok = rd_kafka_assign(f->rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR;
            rd_kafka_topic_partition_list_destroy(l);
        }
        rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(t);
    return ok;
}

static void *feed_main(void *arg)
{
    struct intel_feed *f = arg;
    int assigned = 0;
    size_t pending = 0;

    pthread_setname_np(pthread_self(), "taishi-intel");
    while (!atomic_load(&f->stop)) {
        if (!assigned && !(assigned = assign_all(f)))
            continue;                       /* assign_all waited up to a second */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(f->rk, 200);
        if (m && !m->err && m->len > 0 && m->len < 1024) {
            if (f->n == f->cap) {
                f->cap = f->cap ? f->cap * 2 : 256;
                f->up = xreallocarray(f->up, f->cap, sizeof(*f->up));
            }
            char *line = xmalloc(m->len + 1);
            memcpy(line, m->payload, m->len);
            line[m->len] = 0;
            line[strcspn(line, "\r\n")] = 0;
            f->up[f->n++] = line;
            pending++;
        }
        if (m)
            rd_kafka_message_destroy(m);
        if (pending && (!m || pending >= 1000)) {
            LOG(LVL_INFO, "intel feed: %zu new updates, applying", pending);
            f->apply(f->arg, f->up, f->n);
            pending = 0;
        }
    }
    return NULL;
}

struct intel_feed *intel_feed_start(const struct config *cfg, intel_apply_fn apply, void *arg,
                                    char *err, size_t errlen)
{
    struct intel_feed *f = xcalloc(1, sizeof(*f));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char e[512], gid[200];

    snprintf(f->topic, sizeof(f->topic), "%s", cfg->intel_kafka_topic);
    f->apply = apply;
    f->arg = arg;
    snprintf(gid, sizeof(gid), "taishi-intel-%s", cfg->sensor_id);
    if (rd_kafka_conf_set(conf, "bootstrap.servers", cfg->kafka_brokers, e, sizeof(e)) ||
        rd_kafka_conf_set(conf, "group.id", gid, e, sizeof(e)) ||   /* required; offsets are not committed */
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", e, sizeof(e)) ||
        rd_kafka_conf_set(conf, "log_level", "3", e, sizeof(e))) {
        snprintf(err, errlen, "intel.kafka-topic: %s", e);
        rd_kafka_conf_destroy(conf);
        free(f);
        return NULL;
    }
    if (!(f->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e)))) {
        snprintf(err, errlen, "intel.kafka-topic: %s", e);
        free(f);
        return NULL;
    }
    if (pthread_create(&f->thread, NULL, feed_main, f) != 0) {
        snprintf(err, errlen, "intel.kafka-topic: cannot start the feed thread");
        rd_kafka_destroy(f->rk);
        free(f);
        return NULL;
    }
    return f;
}

void intel_feed_stop(struct intel_feed *f)
{
    if (!f)
        return;
    atomic_store(&f->stop, 1);
    pthread_join(f->thread, NULL);
    rd_kafka_consumer_close(f->rk);
    rd_kafka_destroy(f->rk);
    for (size_t i = 0; i < f->n; i++)
        free(f->up[i]);
    free(f->up);
    free(f);
}
