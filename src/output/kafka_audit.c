/* kafka_audit.c - `taishi --kafka-audit BROKERS [--topics LIST]`: reads
 * topics from their beginning, every partition (no consumer group, nothing
 * committed), and proves each sensor's stream complete or says where not.
 *
 * Every message the sensor produces carries headers `sensor_id`, `seq` (a
 * per-sensor, per-topic counter from 0 that continues across restarts) and,
 * once the sensor knows it lost some of that topic's events, `dropped`
 * (how many seqs below this one it lost: spool-max, damaged spool records;
 * see output_kafka.c). Per (sensor, topic) the audit reports the messages,
 * the first and last seq, every gap with its range, the duplicates (the
 * at-least-once resends after a failure or crash carry the same seq) and
 * the sensor's own count of drops. A gap is explained when the `dropped`
 * header grew across it by at least its size (a gap before the first seq
 * counts from 0); any other gap is unexplained and the exit status is 1.
 * Missing seqs after the last message cannot be seen by anyone: the
 * sensor's later messages (or its stats) tell.
 *
 * Exit status: 0 complete, 1 an unexplained gap, 2 the brokers could not
 * be read. Memory: 16 bytes per message read.
 *
 * Single-threaded (librdkafka's own threads aside). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/output/output.h"
#include "taishi/core/util.h"

struct mark {
    uint64_t seq, dropped;
};

struct stream {
    char sensor[128];
    const char *topic;
    struct mark *m;
    size_t n, cap;
};

struct audit {
    struct stream *s;
    size_t n, cap;
    uint64_t unsequenced;
};

static struct stream *stream_get(struct audit *a, const char *sensor, size_t slen, const char *topic)
{
    if (slen >= sizeof(a->s[0].sensor))
        slen = sizeof(a->s[0].sensor) - 1;
    for (size_t i = 0; i < a->n; i++)
        if (a->s[i].topic == topic && strlen(a->s[i].sensor) == slen &&
            !memcmp(a->s[i].sensor, sensor, slen))
            return &a->s[i];
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->s = xreallocarray(a->s, a->cap, sizeof(*a->s));
    }
    struct stream *s = &a->s[a->n++];
    memset(s, 0, sizeof(*s));
    memcpy(s->sensor, sensor, slen);
    s->topic = topic;
    return s;
}

/* A header's value as a decimal number; -1 if absent or not a number. */
static int header_u64(rd_kafka_headers_t *h, const char *name, uint64_t *v)
{
    const void *val;
    size_t len;
    if (!h || rd_kafka_header_get_last(h, name, &val, &len) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        len == 0 || len > 20)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        char c = ((const char *)val)[i];
        if (c < '0' || c > '9')
            return -1;
        x = x * 10 + (uint64_t)(c - '0');
    }
    *v = x;
    return 0;
}

static void take(struct audit *a, const rd_kafka_message_t *m, const char *topic)
{
    rd_kafka_headers_t *h = NULL;
    const void *sid;
    size_t slen;
    struct mark mk = { 0, 0 };

    if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(h, "sensor_id", &sid, &slen) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        header_u64(h, "seq", &mk.seq) < 0) {
        a->unsequenced++;
        return;
    }
    header_u64(h, "dropped", &mk.dropped);
    struct stream *s = stream_get(a, sid, slen, topic);
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->m = xreallocarray(s->m, s->cap, sizeof(*s->m));
    }
    s->m[s->n++] = mk;
}

static int cmp_mark(const void *x, const void *y)
{
    const struct mark *a = x, *b = y;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return a->dropped < b->dropped ? -1 : a->dropped > b->dropped;
}

/* Reports one stream; returns the unexplained missing seqs. */
static uint64_t report(struct stream *s, FILE *out, uint64_t *tot_missing, uint64_t *tot_dups,
                       uint64_t *tot_drops)
{
    uint64_t missing = 0, unexplained = 0, dups = 0, gaps = 0, drops = 0;

    qsort(s->m, s->n, sizeof(*s->m), cmp_mark);
    for (size_t i = 0; i < s->n; i++)
        drops = MAX(drops, s->m[i].dropped);
    uint64_t prev_seq = 0, prev_drop = 0;
    int have = 0;
    char lines[8192];
    size_t ll = 0;
    lines[0] = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct mark *m = &s->m[i];
        if (have && m->seq == prev_seq) {
            dups++;
            prev_drop = MAX(prev_drop, m->dropped);
            continue;
        }
        uint64_t from = have ? prev_seq + 1 : 0;
        if (m->seq > from) {
            uint64_t n = m->seq - from;
            uint64_t expl = m->dropped > prev_drop ? m->dropped - prev_drop : 0;
            uint64_t bad = n > expl ? n - expl : 0;
            gaps++;
            missing += n;
            unexplained += bad;
            if (ll < sizeof(lines) - 200)
                ll += (size_t)snprintf(lines + ll, sizeof(lines) - ll,
                                       "  gap %llu-%llu (%llu): %s\n", (unsigned long long)from,
                                       (unsigned long long)(m->seq - 1), (unsigned long long)n,
                                       bad ? "UNEXPLAINED" : "explained by the sensor's drops");
            if (bad && ll < sizeof(lines) - 200)
                ll += (size_t)snprintf(lines + ll, sizeof(lines) - ll,
                                       "    the sensor reports %llu dropped across it\n",
                                       (unsigned long long)expl);
        }
        prev_seq = m->seq;
        prev_drop = m->dropped;
        have = 1;
    }
    fprintf(out, "sensor %s topic %s: messages %zu, first seq %llu, last seq %llu, gaps %llu "
            "(%llu seqs missing, %llu unexplained), duplicates %llu, sensor's drops %llu\n",
            s->sensor, s->topic, s->n, (unsigned long long)(s->n ? s->m[0].seq : 0),
            (unsigned long long)(s->n ? s->m[s->n - 1].seq : 0), (unsigned long long)gaps,
            (unsigned long long)missing, (unsigned long long)unexplained, (unsigned long long)dups,
            (unsigned long long)drops);
    fputs(lines, out);
    *tot_missing += missing;
    *tot_dups += dups;
    *tot_drops += drops;
    return unexplained;
}

int kafka_audit(const char *brokers, const char *const *topics, int ntopics, FILE *out)
{
    char e[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    struct audit a = { NULL, 0, 0, 0 };
    int rc = 2, nparts = 0, eofs = 0;
    rd_kafka_t *rk = NULL;
    rd_kafka_topic_partition_list_t *tp = NULL;

    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, e, sizeof(e)) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "group.id", "taishi-kafka-audit", e, sizeof(e)) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", e, sizeof(e)) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", e, sizeof(e)) != RD_KAFKA_CONF_OK ||
        !(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e)))) {
        fprintf(stderr, "taishi: --kafka-audit: %s\n", e);
        if (!rk)
            rd_kafka_conf_destroy(conf);
        return 2;
    }
    tp = rd_kafka_topic_partition_list_new(ntopics * 4);
    for (int t = 0; t < ntopics; t++) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topics[t], NULL);
        rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
        rd_kafka_topic_destroy(rkt);
        if (err || md->topic_cnt != 1 || md->topics[0].err) {
            fprintf(stderr, "taishi: --kafka-audit: topic %s: %s\n", topics[t],
                    rd_kafka_err2str(err ? err : md->topic_cnt == 1 ? md->topics[0].err
                                                                   : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
            if (md)
                rd_kafka_metadata_destroy(md);
            goto done;
        }
        for (int p = 0; p < md->topics[0].partition_cnt; p++) {
            rd_kafka_topic_partition_list_add(tp, topics[t], md->topics[0].partitions[p].id)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
            nparts++;
        }
        rd_kafka_metadata_destroy(md);
    }
    if (rd_kafka_assign(rk, tp) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "taishi: --kafka-audit: cannot assign the partitions\n");
        goto done;
    }
    /* Until every partition reached its end (idle for 10 s at most). */
    uint64_t idle_since = util_mono_ns();
    while (eofs < nparts) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m) {
            if (util_mono_ns() - idle_since > 10000000000ULL) {
                fprintf(stderr, "taishi: --kafka-audit: %d of %d partitions did not reach their "
                        "end in 10 s\n", nparts - eofs, nparts);
                goto done;
            }
            continue;
        }
        idle_since = util_mono_ns();
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eofs++;
        } else if (m->err) {
            fprintf(stderr, "taishi: --kafka-audit: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            goto done;
        } else {
            const char *name = rd_kafka_topic_name(m->rkt);
            const char *topic = NULL;
            for (int t = 0; t < ntopics && !topic; t++)
                if (!strcmp(topics[t], name))
                    topic = topics[t];
            if (topic)
                take(&a, m, topic);
        }
        rd_kafka_message_destroy(m);
    }
    uint64_t unexplained = 0, missing = 0, dups = 0, drops = 0, msgs = 0;
    for (size_t i = 0; i < a.n; i++) {
        unexplained += report(&a.s[i], out, &missing, &dups, &drops);
        msgs += a.s[i].n;
    }
    fprintf(out, "audit: %zu streams, %llu messages (%llu without seq headers), %llu seqs missing, "
            "%llu unexplained, %llu duplicates, sensors' drops %llu\n", a.n,
            (unsigned long long)msgs, (unsigned long long)a.unsequenced, (unsigned long long)missing,
            (unsigned long long)unexplained, (unsigned long long)dups, (unsigned long long)drops);
    rc = unexplained ? 1 : 0;
done:
    for (size_t i = 0; i < a.n; i++)
        free(a.s[i].m);
    free(a.s);
    if (tp)
        rd_kafka_topic_partition_list_destroy(tp);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}
