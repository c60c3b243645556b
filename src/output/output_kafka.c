/* output_kafka.c - the Kafka sink: librdkafka producer plus the disk spool,
 * so that no event is lost while the broker is slow or away.
 *
 * Paths of an event:
 *   direct  worker -> rd_kafka_producev (non-blocking, payload copied)
 *           -> delivered (delivery report OK), or failed / queue full -> spool
 *   spooled while the spool holds anything, new events go to the spool too,
 *           behind the older ones, so that a key's events stay in order
 *   replay  the output thread reads the oldest segment and produces it; the
 *           segment file is removed once every record was delivered; if any
 *           failed, the whole segment is replayed again later (at least once:
 *           duplicates are possible after a failure, losses are not)
 * Shutdown: up to outputs.kafka.flush-timeout seconds to deliver the queue
 * and replay the spool; what is still queued is purged into the spool, and
 * the next start with the same spool-dir replays it first.
 * Only a full spool (outputs.kafka.spool-max) drops events, counted.
 *
 * Threading: a worker hands a whole chunk of events over with
 * output_kafka_submit(): one copy into a `struct chunk`, one lock, appended
 * to a FIFO. The output thread drains the FIFO (librdkafka's produce calls,
 * about 1 us of CPU each, stay off the packet path), and owns polling
 * (delivery reports run there), spool flushing and replay. Messages point
 * into their chunk (no second copy); a chunk is freed when the last of its
 * messages has its delivery report. Only if the FIFO holds more than
 * HANDOFF_MAX bytes does a worker drain it itself, oldest first, like the
 * spool's "then it writes itself": one FIFO drained under one lock keeps
 * every flow's events in order, whoever drains. Counters are atomics. */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "taishi/output/output.h"
#include "taishi/output/spool.h"
#include "taishi/core/util.h"

#define REPLAY_TAG ((uintptr_t)1 << 63)  /* msg_opaque of replayed messages */
#ifndef HANDOFF_MAX                         /* -DHANDOFF_MAX=65536 tests the workers' own drain */
#define HANDOFF_MAX (64u << 20)             /* bytes queued for the output thread */
#endif

/* A worker's chunk of events, as it handed them over. msg_opaque of a
 * message produced from it points here. */
struct chunk {
    struct chunk *next;
    _Atomic uint32_t refs;              /* messages awaiting a delivery report, + 1 while draining */
    uint32_t n;
    size_t bytes;
    struct out_event *ev;
    char *buf;
};

struct output_kafka {
    rd_kafka_t *rk;
    rd_kafka_topic_t *topic[KF_MAX];
    struct spool *spool;
    const struct config *cfg;
    pthread_t thread;
    _Atomic int stop;
    _Atomic int spooling;               /* the spool holds events: new ones queue behind them */
    _Atomic uint64_t produced, delivered, spooled, replayed, failed, replay_outstanding;
    _Atomic int replay_failed;
    uint8_t *replay_ok;                 /* per record of the segment being replayed */
    size_t cap_replay;
    _Atomic int connected;
    uint64_t last_probe_ns;
    pthread_mutex_t q_mu;               /* the hand-off FIFO */
    struct chunk *q_head, *q_tail;
    size_t q_bytes;
    pthread_mutex_t drain_mu;           /* one drainer at a time: order kept */
};

static uint8_t family_of_topic(struct output_kafka *k, const rd_kafka_topic_t *t)
{
    for (uint8_t f = 0; f < KF_MAX; f++)
        if (k->topic[f] == t)
            return f;
    return KF_STATS;
}

static void to_spool(struct output_kafka *k, uint8_t family, uint64_t key, const void *p,
                     size_t len)
{
    atomic_store(&k->spooling, 1);
    if (spool_append(k->spool, family, key, p, len) == 0)
        atomic_fetch_add(&k->spooled, 1);
}

/* Delivery reports: called from rd_kafka_poll() in the output thread. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct output_kafka *k = opaque;
    uintptr_t tag = (uintptr_t)m->_private;
    (void)rk;

    if (tag & REPLAY_TAG) {
        size_t idx = (size_t)(tag & ~REPLAY_TAG);
        if (m->err) {
            atomic_store(&k->replay_failed, 1);
        } else {
            atomic_fetch_add(&k->replayed, 1);
            if (idx < k->cap_replay)
                k->replay_ok[idx] = 1;      /* delivery reports run in this same thread */
        }
        atomic_fetch_sub(&k->replay_outstanding, 1);
    } else {
        if (m->err) {
            atomic_fetch_add(&k->failed, 1);
            uint64_t key = 0;
            for (size_t i = 0; i < m->key_len && i < 20; i++)
                key = key * 10 + (uint64_t)(((const char *)m->key)[i] - '0');
            to_spool(k, family_of_topic(k, m->rkt), key, m->payload, m->len);
        } else {
            atomic_fetch_add(&k->delivered, 1);
        }
        struct chunk *c = (struct chunk *)tag;   /* the payload lives there: done with it */
        if (c && atomic_fetch_sub(&c->refs, 1) == 1)
            free(c);
    }
    if (m->err && m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
        atomic_store(&k->connected, 0);
    else if (!m->err)
        atomic_store(&k->connected, 1);
}

/* tag: REPLAY_TAG | record index (payload copied: the replay buffer is
 * reused), or the chunk the payload lives in (not copied). */
static int produce(struct output_kafka *k, uint8_t family, uint64_t key, const void *p, size_t len,
                   uintptr_t tag)
{
    /* The key is the flow id in decimal, as in the JSON: the same flow, the
     * same partition, and a key any consumer can read. librdkafka copies
     * keys always. */
    char kb[24];
    size_t kl = key ? util_u64_str(key, kb) : 0;
    int r = rd_kafka_produce(k->topic[family], RD_KAFKA_PARTITION_UA,
                             (tag & REPLAY_TAG) ? RD_KAFKA_MSG_F_COPY : 0,
                             (void *)p, len, key ? kb : NULL, kl, (void *)tag);
    if (r == 0)
        atomic_fetch_add(&k->produced, 1);
    return r;
}

/* One event of chunk c: produced (pointing into c), or spooled. */
static void produce_one(struct output_kafka *k, struct chunk *c, const struct out_event *e)
{
    uint8_t family = (uint8_t)config_kafka_family((enum event_type)e->type);
    const char *line = c->buf + e->off;
    size_t len = e->len;

    if (len && line[len - 1] == '\n')
        len--;                              /* the message is the JSON object, no newline */
    if (!atomic_load(&k->spooling)) {
        atomic_fetch_add(&c->refs, 1);
        if (produce(k, family, e->key, line, len, (uintptr_t)c) == 0)
            return;
        atomic_fetch_sub(&c->refs, 1);      /* not queued: no report will come */
    }
    to_spool(k, family, e->key, line, len);    /* queue full or older events waiting */
}

/* Produces (or spools) every chunk handed over so far, oldest first. The
 * caller holds drain_mu. */
static void drain_locked(struct output_kafka *k)
{
    for (;;) {
        pthread_mutex_lock(&k->q_mu);
        struct chunk *c = k->q_head;
        k->q_head = k->q_tail = NULL;
        k->q_bytes = 0;
        pthread_mutex_unlock(&k->q_mu);
        if (!c)
            return;
        while (c) {
            struct chunk *next = c->next;
            for (uint32_t i = 0; i < c->n; i++)
                produce_one(k, c, &c->ev[i]);
            if (atomic_fetch_sub(&c->refs, 1) == 1)  /* the drainer's own reference */
                free(c);
            c = next;
        }
    }
}

static void drain(struct output_kafka *k)
{
    pthread_mutex_lock(&k->drain_mu);
    drain_locked(k);
    pthread_mutex_unlock(&k->drain_mu);
}

void output_kafka_submit(struct output_kafka *k, const char *buf, const struct out_event *ev,
                         size_t n)
{
    if (!n)
        return;
    size_t base = ev[0].off, bytes = ev[n - 1].off + ev[n - 1].len - base;
    size_t evb = n * sizeof(*ev);
    struct chunk *c = xmalloc(sizeof(*c) + evb + bytes);
    c->next = NULL;
    atomic_init(&c->refs, 1);
    c->n = (uint32_t)n;
    c->bytes = sizeof(*c) + evb + bytes;
    c->ev = (struct out_event *)(c + 1);
    c->buf = (char *)c->ev + evb;
    memcpy(c->buf, buf + base, bytes);
    for (size_t i = 0; i < n; i++) {
        c->ev[i] = ev[i];
        c->ev[i].off -= (uint32_t)base;
    }
    pthread_mutex_lock(&k->q_mu);
    if (k->q_tail)
        k->q_tail->next = c;
    else
        k->q_head = c;
    k->q_tail = c;
    k->q_bytes += c->bytes;
    int over = k->q_bytes > HANDOFF_MAX;
    pthread_mutex_unlock(&k->q_mu);
    if (over)
        drain(k);                           /* the output thread is behind: help it */
}

/* librdkafka's own log lines (broker down, reconnects) go through ours. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= LOG_WARNING)               /* librdkafka's levels are syslog's */
        LOG(LVL_WARNING, "kafka: %s: %s", fac, buf);
    else
        LOG(LVL_DEBUG, "kafka: %s: %s", fac, buf);
}

/* Is the cluster answering? A metadata request, at most once a second. */
static int probe(struct output_kafka *k)
{
    const struct rd_kafka_metadata *md = NULL;
    uint64_t t = util_mono_ns();

    if (atomic_load(&k->connected))
        return 1;
    if (t - k->last_probe_ns < 1000000000ULL)
        return 0;
    k->last_probe_ns = t;
    if (rd_kafka_metadata(k->rk, 0, k->topic[KF_FLOWS], &md, 1000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    int up = md->broker_cnt > 0;
    rd_kafka_metadata_destroy(md);
    return up;
}

/* Replays one segment and waits for its delivery reports. Returns 1 when
 * the whole segment was delivered (and removed). */
static int replay_segment(struct output_kafka *k, uint64_t deadline_ns)
{
    uint32_t seg = spool_replay_open(k->spool);
    uint8_t family;
    uint64_t key;
    const void *p;
    size_t len, n = 0;

    if (!seg)
        return 0;
    atomic_store(&k->replay_failed, 0);
    while (spool_replay_next(k->spool, &family, &key, &p, &len)) {
        if (n == k->cap_replay) {
            k->cap_replay = k->cap_replay ? k->cap_replay * 2 : 4096;
            k->replay_ok = xreallocarray(k->replay_ok, k->cap_replay, 1);
        }
        k->replay_ok[n] = 0;
        if (family >= KF_MAX)
            family = KF_STATS;
        atomic_fetch_add(&k->replay_outstanding, 1);
        while (produce(k, family, key, p, len, REPLAY_TAG | n) < 0) {
            rd_kafka_poll(k->rk, 50);       /* local queue full: let it drain */
            if (atomic_load(&k->replay_failed) || util_mono_ns() > deadline_ns) {
                atomic_fetch_sub(&k->replay_outstanding, 1);
                goto wait;
            }
        }
        n++;
    }
wait:                                   /* replay_ok[] of a record not produced stays 0 */
    while (atomic_load(&k->replay_outstanding) > 0 && util_mono_ns() < deadline_ns)
        rd_kafka_poll(k->rk, 50);
    if (atomic_load(&k->replay_outstanding) > 0) { /* out of time: purge what is left */
        rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        while (atomic_load(&k->replay_outstanding) > 0)
            rd_kafka_poll(k->rk, 50);
    }
    int all = 1;
    for (size_t i = 0; i < n; i++)
        all &= k->replay_ok[i];
    spool_replay_close(k->spool, k->replay_ok);
    return all && !atomic_load(&k->replay_failed);
}

/* One round of the output thread's work. */
static void service(struct output_kafka *k, uint64_t deadline_ns)
{
    drain(k);
    /* 10 ms: delivery reports end the wait at once anyway; this bounds how
     * long a stop waits for the thread (100 ms was 20% of a short run), and
     * how long a handed-over chunk waits */
    rd_kafka_poll(k->rk, 10);
    spool_flush(k->spool);
    if (!atomic_load(&k->spooling))
        return;
    if (!probe(k))
        return;
    while (replay_segment(k, deadline_ns) && util_mono_ns() < deadline_ns)
        drain(k);                           /* meanwhile new events go behind, to the spool */
    /* Empty now? Then new events may go straight to Kafka again. The check
     * and the switch happen with no drain under way, so no event can be
     * spooled between them and be left behind newer ones. */
    pthread_mutex_lock(&k->drain_mu);
    if (!spool_nonempty(k->spool))
        atomic_store(&k->spooling, 0);
    pthread_mutex_unlock(&k->drain_mu);
}

static void *kafka_main(void *arg)
{
    struct output_kafka *k = arg;

    pthread_setname_np(pthread_self(), "taishi-kafka");
    while (!atomic_load(&k->stop))
        service(k, util_mono_ns() + 5000000000ULL);
    return NULL;
}

struct output_kafka *output_kafka_open(const struct config *cfg, char *err, size_t errlen)
{
    struct output_kafka *k = xcalloc(1, sizeof(*k));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char e[512];
    const char *fixed[][2] = {
        { "bootstrap.servers", cfg->kafka_brokers },
        { "enable.idempotence", "true" },   /* no duplicates from retries, order kept */
        { "acks", "all" },
        { "compression.type", cfg->kafka_compression },
        { "linger.ms", "20" },
        { "message.timeout.ms", "30000" },  /* then the event moves to the durable spool */
        { "queue.buffering.max.messages", "200000" },
        { "client.id", "taishi" },
    };

    k->cfg = cfg;
    pthread_mutex_init(&k->q_mu, NULL);
    pthread_mutex_init(&k->drain_mu, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        if (rd_kafka_conf_set(conf, fixed[i][0], fixed[i][1], e, sizeof(e)) != RD_KAFKA_CONF_OK) {
            snprintf(err, errlen, "outputs.kafka: %s", e);
            goto fail;
        }
    for (int i = 0; i < cfg->nkafka_props; i++)
        if (rd_kafka_conf_set(conf, cfg->kafka_props[i].name, cfg->kafka_props[i].value, e,
                              sizeof(e)) != RD_KAFKA_CONF_OK) {
            snprintf(err, errlen, "outputs.kafka.properties.%s: %s", cfg->kafka_props[i].name, e);
            goto fail;
        }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_opaque(conf, k);
    if (!(k->spool = spool_open(cfg->kafka_spool_dir, cfg->kafka_spool_max, err, errlen)))
        goto fail;
    if (!(k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e)))) {
        snprintf(err, errlen, "outputs.kafka: %s", e);
        goto fail;
    }
    conf = NULL;                            /* rd_kafka_new took it */
    for (int f = 0; f < KF_MAX; f++)
        k->topic[f] = rd_kafka_topic_new(k->rk, cfg->kafka_topic[f], NULL);
    atomic_store(&k->spooling, spool_nonempty(k->spool));   /* an earlier run's leftovers first */
    if (pthread_create(&k->thread, NULL, kafka_main, k) != 0) {
        snprintf(err, errlen, "outputs.kafka: cannot start the output thread");
        goto fail;
    }
    return k;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    for (int f = 0; f < KF_MAX; f++)
        if (k->topic[f])
            rd_kafka_topic_destroy(k->topic[f]);
    if (k->rk)
        rd_kafka_destroy(k->rk);
    spool_close(k->spool);
    free(k);
    return NULL;
}

void output_kafka_close(struct output_kafka *k)
{
    if (!k)
        return;
    atomic_store(&k->stop, 1);
    pthread_join(k->thread, NULL);
    drain(k);                               /* the workers are done: what they handed over */
    /* Deliver what is queued and replay what is spooled, within the timeout. */
    uint64_t deadline = util_mono_ns() + (uint64_t)k->cfg->kafka_flush_timeout * 1000000000ULL;
    while (util_mono_ns() < deadline && (rd_kafka_outq_len(k->rk) > 0 || atomic_load(&k->spooling))) {
        service(k, deadline);
        if (atomic_load(&k->spooling) && !atomic_load(&k->connected) && rd_kafka_outq_len(k->rk) == 0) {
            struct timespec ts = { 0, 100000000 };
            nanosleep(&ts, NULL);           /* broker away: wait for it, or for the deadline */
        }
    }
    /* Whatever is still queued goes to the spool for the next run. */
    rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    for (int i = 0; i < 50 && rd_kafka_outq_len(k->rk) > 0; i++)
        rd_kafka_poll(k->rk, 20);
    rd_kafka_poll(k->rk, 0);
    spool_flush(k->spool);
    struct spool_stats ss;
    spool_stats(k->spool, &ss);
    LOG(LVL_NOTICE, "kafka: produced %llu, delivered %llu, spooled %llu, replayed %llu, "
        "dropped %llu (spool full)", (unsigned long long)atomic_load(&k->produced),
        (unsigned long long)atomic_load(&k->delivered), (unsigned long long)atomic_load(&k->spooled),
        (unsigned long long)atomic_load(&k->replayed), (unsigned long long)ss.dropped);
    if (ss.bytes)
        LOG(LVL_NOTICE, "kafka: %llu bytes left in the spool %s; the next start replays them",
            (unsigned long long)ss.bytes, k->cfg->kafka_spool_dir);
    for (int f = 0; f < KF_MAX; f++)
        rd_kafka_topic_destroy(k->topic[f]);
    rd_kafka_destroy(k->rk);
    spool_close(k->spool);
    free(k->replay_ok);
    pthread_mutex_destroy(&k->q_mu);
    pthread_mutex_destroy(&k->drain_mu);
    free(k);
}

void output_kafka_counters(const struct output_kafka *kc, struct kafka_stats *st)
{
    struct output_kafka *k = (struct output_kafka *)kc;
    struct spool_stats ss;

    spool_stats(k->spool, &ss);
    st->produced = atomic_load(&k->produced);
    st->delivered = atomic_load(&k->delivered);
    st->spooled = atomic_load(&k->spooled);
    st->replayed = atomic_load(&k->replayed);
    st->failed_deliveries = atomic_load(&k->failed);
    st->dropped = ss.dropped;
    st->spool_bytes = ss.bytes;
    st->spool_segments = ss.segments;
    st->connected = atomic_load(&k->connected);
}
