/* output_kafka.c - the Kafka sink: a librdkafka producer fed through a
 * write-ahead log (spool.c), so that an event the file sink has is not
 * lost by a crash, a broker outage or a full local queue, and so that a
 * consumer can prove the stream complete.
 *
 * The path of an event:
 *   1. A worker hands a chunk of events over (output_kafka_submit): they
 *      are copied once into a `struct chunk` as log records (header + JSON
 *      without the newline; the payload CRC is computed here, outside any
 *      lock), then spool_append, under one lock, numbers them (seq per
 *      family = per topic), writes the chunk to the log with one write()
 *      and queues it for the output thread. The file sink is written after
 *      this (output.c), so any event in the file is in the log.
 *   2. The output thread produces from memory while it is caught up: a
 *      chunk whose log position starts where production stands (`P`) is
 *      produced as it is, each message pointing into the chunk (freed after
 *      the last delivery report). Otherwise (start-up, librdkafka's queue
 *      full, the hand-off trimmed, a rewind) it is "catching up": it reads
 *      the log from P (spool_read, 8 MiB at a time, from the page cache
 *      usually), produces those records and drops the queued chunks the
 *      read covers, until P is the log's end again.
 *   3. Each message carries headers `sensor_id`, `seq` (decimal) and, once
 *      the sensor has lost any of that topic's events, `dropped`: how many
 *      seqs below this one the sensor knows it lost (cumulative). The
 *      reader finds them as gaps in the seqs it reads (segments dropped for
 *      spool-max, damaged records), so the count survives crashes: it is
 *      recomputed from the log and the commit file.
 *   4. Delivery reports mark entries of the window (a ring of the messages
 *      produced and not yet committed); the committed position advances
 *      over the delivered prefix and is persisted every second with the
 *      reader's state (spool_commit), which also deletes the segments
 *      wholly delivered. A failed report stops production; when every
 *      message produced has its report, P goes back to the committed
 *      position and the log is read again from there once a metadata
 *      request shows the cluster answering (at least once: records
 *      delivered after the first failure are sent again, with the same seq).
 * Start-up: P = the committed position; everything after it is produced
 * before new events, in log order. Shutdown: up to flush-timeout to
 * deliver everything; what is left stays in the log for the next start.
 *
 * Disk trouble: a chunk the log could not take (disk full or failing) is
 * produced from memory only, in its turn; if its delivery then fails it is
 * lost and counted (`lost`). outputs.kafka.write-ahead=no makes every
 * chunk take that path (no disk I/O; for measurements, or a sensor without
 * a disk worth the name). No worker ever waits for the disk beyond one
 * write() into the page cache, nor for Kafka, nor calls librdkafka.
 *
 * Threading: the FIFO is guarded by q_mu (taken inside the spool's lock by
 * spool_append's callback, alone by the output thread). Everything else
 * here (P, the window, the reader state) belongs to the output thread, and
 * after it is joined to the closing thread; delivery reports run inside
 * rd_kafka_poll() in that same thread. Counters read by `stats` are
 * atomics. Allocation: one chunk per worker chunk and per log read, none
 * per event; librdkafka allocates its message and its headers. */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "taishi/output/output.h"
#include "taishi/output/spool.h"
#include "taishi/core/util.h"

#ifndef HANDOFF_MAX                     /* -DHANDOFF_MAX=65536 tests the trimmed hand-off */
#define HANDOFF_MAX (64u << 20)         /* bytes queued for the output thread */
#endif
#define WIN       (1u << 18)            /* messages produced and not yet committed */
#define READ_MAX  (8u << 20)            /* bytes per log read */

/* A worker's chunk, or a block read from the log. Records at buf. */
struct chunk {
    struct chunk *next;
    _Atomic uint32_t refs;              /* messages awaiting a report, + 1 while being produced */
    struct spool_wpos w;                /* worker chunk: where it went in the log */
    size_t len;
    uint8_t buf[];
};

enum { E_PENDING, E_OK, E_FAILED, E_LOST };

struct went {
    struct chunk *c;
    struct spool_pos end;               /* log position after the record; seg 0 = memory only */
    uint64_t seq, dropped;
    uint8_t family, state;
};

struct output_kafka {
    rd_kafka_t *rk;
    rd_kafka_topic_t *topic[KF_MAX];
    struct spool *spool;
    const struct config *cfg;
    pthread_t thread;
    _Atomic int stop;
    pthread_mutex_t q_mu;               /* the hand-off FIFO */
    struct chunk *q_head, *q_tail;
    size_t q_bytes;
    /* the output thread's */
    int catching_up;                    /* reading the log from P */
    struct spool_pos P;                 /* production stands here */
    struct spool_commit rd;             /* the reader's state at P (expected, dropped) */
    struct spool_commit snap;           /* ... at the committed position */
    struct spool_commit persisted;      /* the last snap written to the commit file */
    struct spool_pos damage_mark;       /* damage before this was counted already */
    struct went *win;
    uint64_t w_tail, w_head;
    uint64_t pending;                   /* produced, no report yet */
    int rewind;                         /* a delivery failed: read again from the commit */
    int down;                           /* the cluster did not answer: probe before reading */
    uint64_t last_probe_ns, last_sync_ns, last_commit_ns;
    /* counters */
    _Atomic uint64_t produced, delivered, spooled, replayed, failed, dropped, damaged, lost;
    _Atomic int connected;
};

static void chunk_put(struct chunk *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1)
        free(c);
}

/* Records of a worker's chunk from byte offset off on. */
static uint64_t recs_from(const struct chunk *c, size_t off)
{
    uint64_t n = 0;
    while (off + SPOOL_HDR <= c->len) {
        off += SPOOL_HDR + rd32le(c->buf + off + 4);
        n++;
    }
    return n;
}

static uint64_t dropped_sum(const struct spool_commit *c)
{
    uint64_t n = 0;
    for (int f = 0; f < SPOOL_FAMILIES; f++)
        n += c->dropped[f];
    return n;
}

/* Advances the committed position over the delivered prefix of the window. */
static void commit_advance(struct output_kafka *k)
{
    while (k->w_tail < k->w_head) {
        struct went *e = &k->win[k->w_tail % WIN];
        if (e->state == E_PENDING || e->state == E_FAILED)
            break;
        if (e->end.seg)
            k->snap.pos = e->end;
        k->snap.expected[e->family] = e->seq + 1;
        k->snap.dropped[e->family] = e->dropped;
        k->w_tail++;
    }
}

/* Delivery reports: called from rd_kafka_poll() in the output thread. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct output_kafka *k = opaque;
    uint64_t idx = (uint64_t)(uintptr_t)m->_private;
    struct went *e = &k->win[idx % WIN];
    (void)rk;

    k->pending--;
    if (m->err) {
        atomic_fetch_add(&k->failed, 1);
        if (e->end.seg) {
            e->state = E_FAILED;
            k->rewind = 1;
        } else {                        /* memory only: nothing to send it again from */
            e->state = E_LOST;
            atomic_fetch_add(&k->lost, 1);
        }
        if (m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
            atomic_store(&k->connected, 0);
    } else {
        e->state = E_OK;
        atomic_fetch_add(&k->delivered, 1);
        atomic_store(&k->connected, 1);
    }
    chunk_put(e->c);
    e->c = NULL;
    commit_advance(k);
}

/* Produces one record, its payload pointing into c. 0, or -1 when
 * librdkafka's queue or the window is full (nothing done). */
static int produce_rec(struct output_kafka *k, struct chunk *c, const struct spool_rec *r,
                       struct spool_pos end, int from_log)
{
    uint8_t f = r->family < KF_MAX ? r->family : KF_STATS;
    char kb[24], sb[24], db[24];
    size_t kl = r->key ? util_u64_str(r->key, kb) : 0;

    if (k->w_head - k->w_tail >= WIN)
        return -1;
    uint64_t drop = k->rd.dropped[f];
    if (r->seq > k->rd.expected[f])     /* seqs the log no longer has: dropped or damaged */
        drop += r->seq - k->rd.expected[f];
    rd_kafka_headers_t *h = rd_kafka_headers_new(3);
    rd_kafka_header_add(h, "sensor_id", 9, k->cfg->sensor_id, -1);
    rd_kafka_header_add(h, "seq", 3, sb, (ssize_t)util_u64_str(r->seq, sb));
    if (drop)
        rd_kafka_header_add(h, "dropped", 7, db, (ssize_t)util_u64_str(drop, db));
    uint64_t idx = k->w_head;
    struct went *e = &k->win[idx % WIN];
    atomic_fetch_add(&c->refs, 1);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        k->rk, RD_KAFKA_V_RKT(k->topic[f]), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
        RD_KAFKA_V_VALUE((void *)r->payload, r->len), RD_KAFKA_V_KEY(r->key ? kb : NULL, kl),
        RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE((void *)(uintptr_t)idx), RD_KAFKA_V_END);
    if (err) {
        atomic_fetch_sub(&c->refs, 1);
        rd_kafka_headers_destroy(h);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return -1;
        /* refused for good (e.g. too large): the seq becomes a counted drop */
        atomic_fetch_add(&k->failed, 1);
        k->rd.expected[f] = r->seq;     /* the next record of f explains it */
        return 0;
    }
    *e = (struct went){ c, end, r->seq, drop, f, E_PENDING };
    k->w_head++;
    k->pending++;
    if (r->seq >= k->rd.expected[f]) {
        k->rd.expected[f] = r->seq + 1;
        k->rd.dropped[f] = drop;
    }
    uint64_t ds = dropped_sum(&k->rd);
    if (ds > atomic_load(&k->dropped))
        atomic_store(&k->dropped, ds);
    atomic_fetch_add(&k->produced, 1);
    if (from_log)
        atomic_fetch_add(&k->replayed, 1);
    return 0;
}

/* The records of a worker's chunk (trusted: built by us). Produces from
 * byte offset *off on; returns 0 when all went, -1 when full (*off at the
 * record that did not). */
static int produce_mem(struct output_kafka *k, struct chunk *c, size_t *off)
{
    while (*off + SPOOL_HDR <= c->len) {
        const uint8_t *p = c->buf + *off;
        struct spool_rec r;
        r.len = rd32le(p + 4);
        r.family = p[12];
        memcpy(&r.key, p + 13, 8);
        memcpy(&r.seq, p + 21, 8);
        r.payload = p + SPOOL_HDR;
        size_t next = *off + SPOOL_HDR + r.len;
        struct spool_pos end = { 0, 0 };
        if (c->w.start.seg)
            end = (struct spool_pos){ c->w.start.seg, c->w.start.off + (uint32_t)next };
        if (produce_rec(k, c, &r, end, 0) < 0)
            return -1;
        *off = next;
    }
    return 0;
}

/* Is the cluster answering? A metadata request, at most once a second. */
static int probe(struct output_kafka *k)
{
    const struct rd_kafka_metadata *md = NULL;
    uint64_t t = util_mono_ns();

    if (!k->down || atomic_load(&k->connected))
        return 1;
    if (t - k->last_probe_ns < 1000000000ULL)
        return 0;
    k->last_probe_ns = t;
    if (rd_kafka_metadata(k->rk, 0, k->topic[KF_FLOWS], &md, 1000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    int up = md->broker_cnt > 0;
    rd_kafka_metadata_destroy(md);
    if (up)
        k->down = 0;
    return up;
}

/* The queued chunks, oldest first. */
static void drain(struct output_kafka *k)
{
    pthread_mutex_lock(&k->q_mu);
    struct chunk *c = k->q_head;
    k->q_head = k->q_tail = NULL;
    k->q_bytes = 0;
    pthread_mutex_unlock(&k->q_mu);
    while (c) {
        struct chunk *next = c->next;
        size_t off = 0;
        if (!c->w.start.seg) {          /* memory only: now, whatever it takes */
            while (produce_mem(k, c, &off) < 0 && !atomic_load(&k->stop))
                rd_kafka_poll(k->rk, 10);
            if (off < c->len)           /* stopping with the queue full: lost, counted */
                atomic_fetch_add(&k->lost, recs_from(c, off));
        } else if (!k->catching_up && !k->rewind &&
                   (!spool_pos_cmp(c->w.prev, k->P) || !spool_pos_cmp(c->w.start, k->P))) {
            if (produce_mem(k, c, &off) == 0) {
                k->P = c->w.end;
            } else {                    /* full: the rest comes from the log */
                k->P = (struct spool_pos){ c->w.start.seg, c->w.start.off + (uint32_t)off };
                k->catching_up = 1;
            }
        } else if (!k->catching_up && spool_pos_cmp(c->w.end, k->P) > 0) {
            k->catching_up = 1;         /* a gap before it (trimmed chunks): read the log */
        }
        chunk_put(c);
        c = next;
    }
}

/* Reads the log from P and produces it, until caught up or full. */
static void catch_up(struct output_kafka *k)
{
    while (k->catching_up && !k->rewind && probe(k)) {
        size_t len = 0;
        int seg_end = 0;
        struct spool_pos at = k->P;
        struct chunk *c = spool_read(k->spool, &at, sizeof(struct chunk), READ_MAX, &len, &seg_end);
        k->P = at;
        if (!c) {                       /* P is the log's end: produce from memory again */
            k->catching_up = 0;
            return;
        }
        atomic_init(&c->refs, 1);
        c->next = NULL;
        c->len = len;
        memset(&c->w, 0, sizeof(c->w));
        size_t off = 0, done = 0;
        unsigned dmg = 0;
        struct spool_rec r;
        int full = 0;
        while (spool_next(c->buf, len, &off, &r, &dmg)) {
            struct spool_pos end = { at.seg, at.off + (uint32_t)off };
            if (produce_rec(k, c, &r, end, 1) < 0) {
                full = 1;
                off -= SPOOL_HDR + r.len;
                break;
            }
            done = off;
        }
        if (!full)
            done = off;
        struct spool_pos here = { at.seg, at.off + (uint32_t)done };
        if (!full && seg_end && done < len)
            dmg++;                      /* a record cut short at the segment's end */
        if (dmg && spool_pos_cmp(here, k->damage_mark) > 0) {
            atomic_fetch_add(&k->damaged, dmg);
            k->damage_mark = here;
        }
        k->P = here;
        if (!full && seg_end)
            k->P = (struct spool_pos){ at.seg + 1, 0 };
        chunk_put(c);
        if (full)
            return;
    }
}

/* After a failed delivery, once every message has its report: read the
 * log again from the committed position. */
static void maybe_rewind(struct output_kafka *k)
{
    if (!k->rewind || k->pending)
        return;
    k->P = k->snap.pos;
    k->rd = k->snap;
    k->w_head = k->w_tail;              /* delivered ones after the failure go again (same seq) */
    k->catching_up = 1;
    k->rewind = 0;
    k->down = !atomic_load(&k->connected);
}

static void housekeeping(struct output_kafka *k, int force)
{
    uint64_t t = util_mono_ns();
    uint64_t iv = (uint64_t)k->cfg->kafka_fsync_interval * 1000000000ULL;

    if (force || t - k->last_sync_ns >= iv) {
        spool_sync(k->spool);
        k->last_sync_ns = t;
    }
    if (force || (t - k->last_commit_ns >= MAX(iv, 1000000000ULL) &&
                  memcmp(&k->persisted, &k->snap, sizeof(k->snap)))) {
        spool_commit(k->spool, &k->snap);
        k->persisted = k->snap;
        k->last_commit_ns = t;
    }
    spool_enforce(k->spool);
}

/* One round of the output thread's work. */
static void service(struct output_kafka *k)
{
    drain(k);
    rd_kafka_poll(k->rk, 10);
    maybe_rewind(k);
    if (k->catching_up)
        catch_up(k);
    housekeeping(k, 0);
}

static void *kafka_main(void *arg)
{
    struct output_kafka *k = arg;

    pthread_setname_np(pthread_self(), "taishi-kafka");
    while (!atomic_load(&k->stop))
        service(k);
    return NULL;
}

/* spool_append's callback, under its lock: queue the chunk in log order. */
struct submit_ctx {
    struct output_kafka *k;
    struct chunk *c;
};

static void enqueue(void *arg, const struct spool_wpos *w)
{
    struct submit_ctx *x = arg;
    struct output_kafka *k = x->k;
    struct chunk *c = x->c, *trim = NULL;

    c->w = *w;
    pthread_mutex_lock(&k->q_mu);
    if (k->q_tail)
        k->q_tail->next = c;
    else
        k->q_head = c;
    k->q_tail = c;
    k->q_bytes += sizeof(*c) + c->len;
    if (k->q_bytes > HANDOFF_MAX && k->q_head != c) {
        /* The output thread is behind: the oldest chunks leave memory; it
         * reads them from the log instead (memory-only ones are lost). */
        trim = k->q_head;
        struct chunk *last = trim;
        k->q_bytes -= sizeof(*last) + last->len;
        while (k->q_bytes > HANDOFF_MAX / 2 && last->next != c) {
            last = last->next;
            k->q_bytes -= sizeof(*last) + last->len;
        }
        k->q_head = last->next;
        last->next = NULL;
    }
    pthread_mutex_unlock(&k->q_mu);
    while (trim) {
        struct chunk *next = trim->next;
        if (!trim->w.start.seg)
            atomic_fetch_add(&k->lost, recs_from(trim, 0));
        chunk_put(trim);
        trim = next;
    }
}

void output_kafka_submit(struct output_kafka *k, const char *buf, const struct out_event *ev,
                         size_t n)
{
    size_t bytes = 0;

    if (!n)
        return;
    for (size_t i = 0; i < n; i++)
        bytes += SPOOL_HDR + MIN(ev[i].len, SPOOL_RECORD_MAX);
    struct chunk *c = xmalloc(sizeof(*c) + bytes);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        const char *line = buf + ev[i].off;
        uint32_t len = ev[i].len;
        if (len && line[len - 1] == '\n')
            len--;                      /* the message is the JSON object, no newline */
        if (len > SPOOL_RECORD_MAX)
            len = SPOOL_RECORD_MAX;     /* cannot happen: events are far smaller */
        memcpy(c->buf + o + SPOOL_HDR, line, len);
        spool_rec_start(c->buf + o, (uint8_t)config_kafka_family((enum event_type)ev[i].type),
                        ev[i].key, len, k->cfg->kafka_write_ahead);
        o += SPOOL_HDR + len;
    }
    c->next = NULL;
    c->len = o;
    atomic_init(&c->refs, 1);
    struct submit_ctx x = { k, c };
    if (spool_append(k->spool, c->buf, o, k->cfg->kafka_write_ahead, enqueue, &x) == 0)
        atomic_fetch_add(&k->spooled, n);
}

/* librdkafka's own log lines (broker down, reconnects) go through ours. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= LOG_WARNING)           /* librdkafka's levels are syslog's */
        LOG(LVL_WARNING, "kafka: %s: %s", fac, buf);
    else
        LOG(LVL_DEBUG, "kafka: %s: %s", fac, buf);
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
        { "message.timeout.ms", "30000" },  /* then the log sends it again */
        { "queue.buffering.max.messages", "200000" },
        { "client.id", "taishi" },
    };

    k->cfg = cfg;
    pthread_mutex_init(&k->q_mu, NULL);
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
    if (!(k->spool = spool_open(cfg->kafka_spool_dir, cfg->kafka_spool_max, &k->snap, err, errlen)))
        goto fail;
    k->rd = k->snap;
    k->P = k->snap.pos;
    k->persisted = k->snap;
    k->catching_up = 1;                 /* everything after the commit first */
    k->dropped = dropped_sum(&k->snap);
    k->win = xcalloc(WIN, sizeof(*k->win));
    if (!(k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e)))) {
        snprintf(err, errlen, "outputs.kafka: %s", e);
        goto fail;
    }
    conf = NULL;                        /* rd_kafka_new took it */
    for (int f = 0; f < KF_MAX; f++)
        k->topic[f] = rd_kafka_topic_new(k->rk, cfg->kafka_topic[f], NULL);
    k->last_sync_ns = k->last_commit_ns = util_mono_ns();
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
    free(k->win);
    pthread_mutex_destroy(&k->q_mu);
    free(k);
    return NULL;
}

static int all_delivered(struct output_kafka *k)
{
    pthread_mutex_lock(&k->q_mu);
    int empty = k->q_head == NULL;
    pthread_mutex_unlock(&k->q_mu);
    return empty && !k->catching_up && !k->rewind && k->w_tail == k->w_head;
}

void output_kafka_close(struct output_kafka *k)
{
    if (!k)
        return;
    atomic_store(&k->stop, 1);
    pthread_join(k->thread, NULL);
    atomic_store(&k->stop, 0);          /* the closing thread goes on where it stopped */
    /* Deliver what is queued and what the log holds, within the timeout. */
    uint64_t deadline = util_mono_ns() + (uint64_t)k->cfg->kafka_flush_timeout * 1000000000ULL;
    while (util_mono_ns() < deadline) {
        service(k);
        if (all_delivered(k))
            break;
        if (k->down && !k->pending) {
            struct timespec ts = { 0, 100000000 };
            nanosleep(&ts, NULL);       /* broker away: wait for it, or for the deadline */
        }
    }
    if (all_delivered(k)) {
        /* Everything the log still had is delivered: seqs numbered and
         * never produced were dropped with their segments (spool-max)
         * after the last message of their topic. Count them now, and let
         * the next run's first message of the topic say so. */
        uint64_t next[SPOOL_FAMILIES];
        spool_next_seqs(k->spool, next);
        for (int f = 0; f < KF_MAX; f++)
            if (next[f] > k->snap.expected[f]) {
                k->snap.dropped[f] += next[f] - k->snap.expected[f];
                k->snap.expected[f] = next[f];
            }
        uint64_t ds = dropped_sum(&k->snap);
        if (ds > atomic_load(&k->dropped))
            atomic_store(&k->dropped, ds);
    }
    atomic_store(&k->stop, 1);
    drain(k);                           /* memory-only chunks still queued are lost (counted) */
    /* What is not delivered stays in the log for the next start. */
    rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    for (int i = 0; i < 250 && k->pending; i++)
        rd_kafka_poll(k->rk, 20);
    rd_kafka_poll(k->rk, 0);
    spool_seal(k->spool);
    housekeeping(k, 1);                 /* fsync, commit, delete what was delivered */
    struct spool_stats ss;
    spool_stats(k->spool, &ss);
    LOG(LVL_NOTICE, "kafka: produced %llu, delivered %llu, spooled %llu, replayed %llu, "
        "dropped %llu (spool full or damaged), damaged %llu, lost %llu (not in the spool), "
        "failed deliveries %llu",
        (unsigned long long)atomic_load(&k->produced), (unsigned long long)atomic_load(&k->delivered),
        (unsigned long long)atomic_load(&k->spooled), (unsigned long long)atomic_load(&k->replayed),
        (unsigned long long)atomic_load(&k->dropped), (unsigned long long)atomic_load(&k->damaged),
        (unsigned long long)atomic_load(&k->lost), (unsigned long long)atomic_load(&k->failed));
    if (ss.bytes)
        LOG(LVL_NOTICE, "kafka: %llu bytes left in the spool %s; the next start sends them first",
            (unsigned long long)ss.bytes, k->cfg->kafka_spool_dir);
    for (uint64_t i = k->w_tail; i < k->w_head; i++)   /* reports that never came */
        chunk_put(k->win[i % WIN].c);
    for (int f = 0; f < KF_MAX; f++)
        rd_kafka_topic_destroy(k->topic[f]);
    rd_kafka_destroy(k->rk);
    spool_close(k->spool);
    free(k->win);
    pthread_mutex_destroy(&k->q_mu);
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
    st->dropped = atomic_load(&k->dropped);
    st->damaged = atomic_load(&k->damaged);
    st->lost = atomic_load(&k->lost);
    st->spool_bytes = ss.bytes;
    st->spool_segments = ss.segments;
    st->spool_segments_dropped = ss.segments_dropped;
    st->spool_write_errors = ss.write_errors;
    st->connected = atomic_load(&k->connected);
}

const char *output_kafka_lib_version(void)
{
    return rd_kafka_version_str();
}
