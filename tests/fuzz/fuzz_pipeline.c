/* fuzz_pipeline.c - the whole per-packet pipeline, without threads:
 * decode_frame() with a defragmenter, the reader's per-layer hand-off
 * (capture_file.c's dispatch()), worker_process() (flow table, nDPI, event
 * builders, TCP reassembly, the app-layer parsers and the detect stage with
 * a small ruleset, FUZZ_RULES), the worker's per-batch expiry and flush,
 * worker_finish().
 *
 * Input: byte 0 = flags, then frames, each behind a 2-byte big-endian header.
 *   byte 0   bits 0-3: link type, fuzz_links[] index (fuzz_helpers.h);
 *            bit 7: use the worker with a tiny flow memcap (SMALL_MEMCAP:
 *            a 1 MiB flow.memcap shared by 64 workers), so eviction runs
 *   header   bits 0-11: frame length (a length past the end takes what is
 *            left); bits 12-13: time step before the frame: +1 ms, +1 s,
 *            +61 s, +601 s (past the UDP/TCP-new and the established
 *            timeouts); bit 14: snaplen-truncated (wirelen = caplen + 100);
 *            bit 15: the frame is 2 s older than the packet clock (capture
 *            out of order: its events keep its time, expiry uses the clock).
 * Every BATCH frames the worker does what its thread does after a batch:
 * flow_table_expire() at the packet clock, then the events are checked and
 * flushed. Timestamps depend only on the input.
 *
 * The packet hand-off copies each layer into a buffer of exactly its length
 * (the reader's batch slots are rounded up), so a stage that reads past
 * p->len is caught by ASan.
 *
 * Invariants (abort() when violated):
 *   - every event line the worker wrote is one valid JSON object
 *     (json_check.h) and the worker's out_event list covers exactly those
 *     lines, each with a valid type, flow events with a non-zero key;
 *   - each packet's bytes start with an IP header whose addresses are those
 *     of its flow key (the layer's buffer was not overwritten meanwhile),
 *     and a layer is marked reassembled exactly when it is a datagram the
 *     defragmenter put together (its wirelen depends on it);
 *   - no event is dropped (a builder left an object open or overflowed);
 *   - after each frame the flow table holds at most its memcap plus one
 *     nDPI flow state (or a single flow), not counting the TCP
 *     out-of-order queues: the flow memcap counts them when it admits a
 *     flow, but they grow later within their own bound, stream.memcap
 *     (checked too; found by fuzzing once the flow grew to 432 bytes);
 *   - after worker_finish() no flow and no nDPI flow state is left.
 *
 * The config, the output (/dev/null) and the two workers are created once:
 * nDPI's set-up costs tens of milliseconds. worker_finish() empties the flow
 * table after every input; the workers are recreated every WORKER_PERIOD
 * inputs so state kept inside nDPI (its caches) cannot pile up. The
 * defragmenter is created and destroyed for each input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/capture/capture.h"
#include "taishi/config/config.h"
#include "taishi/decode/decode.h"
#include "taishi/decode/defrag.h"
#include "taishi/dpi/dpi.h"
#include "taishi/flow/flow.h"
#include "taishi/output/output.h"
#include "taishi/decode/packet.h"
#include "taishi/core/util.h"
#include "taishi/detect/detect.h"
#include "taishi/pipeline/worker.h"
#include "pipeline/worker_internal.h"
#include "fuzz_helpers.h"
#include "json_check.h"

#define BATCH          4
#define WORKER_PERIOD  1000
#define SMALL_MEMCAP   ((1u << 20) / 64)

/* A small ruleset touching every part of the detect stage: the stream,
 * packets, app buffers with a transform, pcre, byte ops, flowbits,
 * thresholds, IP-only and header-only rules. */
static const char FUZZ_RULES[] =
    "alert tcp any any -> any any (msg:\"stream\"; content:\"GET \"; content:\"HTTP/1.\"; distance:0; sid:1;)\n"
    "alert tcp any any -> any any (msg:\"pcre\"; content:\"user\"; pcre:\"/user=[a-z]{2,}/R\"; sid:2;)\n"
    "alert udp any any -> any any (msg:\"bytes\"; content:\"|01 00|\"; offset:2; depth:2; byte_test:2,>,0,4; byte_jump:1,12,relative; isdataat:1,relative; sid:3;)\n"
    "alert tcp any any -> any any (msg:\"set\"; content:\"LOGIN\"; flowbits:set,li; flowbits:noalert; sid:4;)\n"
    "alert tcp any any -> any any (msg:\"isset\"; content:\"OK\"; flowbits:isset,li; threshold:type limit,track by_src,count 1,seconds 60; sid:5;)\n"
    "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin\"; nocase; http.method; content:\"GET\"; sid:6;)\n"
    "alert dns any any -> any any (msg:\"dns\"; dns.query; dotprefix; content:\".com\"; endswith; sid:7;)\n"
    "alert tls any any -> any any (msg:\"sni\"; tls.sni; content:\"example\"; sid:8;)\n"
    "alert ip 10.0.0.0/8 any -> any any (msg:\"ip-only\"; sid:9;)\n"
    "alert tcp any any -> any any (msg:\"syn\"; flags:S; dsize:0; sid:10;)\n"
    "alert icmp any any -> any any (msg:\"icmp\"; itype:8; sid:11;)\n"
    "alert tcp any any -> any any (msg:\"extract\"; content:\"L\"; byte_extract:1,0,n,relative; content:\"X\"; distance:n; sid:12;)\n";

static struct config cfg;
static struct output *out;
static struct detect_engine *engine;
static struct worker *workers[2];
static uint64_t memcaps[2];
static unsigned inputs;

static void setup(void)
{
    char err[CONFIG_ERR_MAX];

    config_defaults(&cfg);
    if (config_set(&cfg, "sensor-id", "fuzz", err, sizeof(err)) < 0 ||
        config_set(&cfg, "flow.memcap", "4mb", err, sizeof(err)) < 0 ||
        config_set(&cfg, "outputs.file.path", "/dev/null", err, sizeof(err)) < 0 ||
        config_set(&cfg, "defrag.max-trackers", "16", err, sizeof(err)) < 0 ||
        config_set(&cfg, "defrag.max-fragments", "64", err, sizeof(err)) < 0 ||
        config_set(&cfg, "log.level", "error", err, sizeof(err)) < 0) {
        fprintf(stderr, "fuzz_pipeline: %s\n", err);
        abort();
    }
    /* Every anomaly written: the rate limit's per-second count would carry
     * over from one input to the next (the workers persist). Ignored where
     * the key does not exist. */
    config_set(&cfg, "anomaly.rate-limit", "0", err, sizeof(err));
    util_log_level = (enum log_level)cfg.log_level;
    out = output_open(&cfg, err, sizeof(err));
    FUZZ_ASSERT_MSG(out != NULL, "%s", err);
    memcaps[0] = cfg.flow_memcap;
    memcaps[1] = SMALL_MEMCAP;
    struct rule_vars *v = rules_vars_new();
    struct rule_load_opts o = { v, NULL };
    struct ruleset *rs = rules_set_parse_string(&o, FUZZ_RULES);
    rules_vars_free(v);
    FUZZ_ASSERT(rs->loaded == 12);
    struct detect_build_opts bo = { .cache_dir = NULL };
    engine = detect_compile(rs, &bo, NULL, err, sizeof(err));
    FUZZ_ASSERT_MSG(engine != NULL, "%s", err);
}

static void make_workers(void)
{
    for (int i = 0; i < 2; i++) {
        worker_destroy(workers[i]);
        workers[i] = worker_create(i, &cfg, out, NULL, memcaps[i]);
        FUZZ_ASSERT(workers[i] != NULL);
        worker_set_detect(workers[i], engine, i ? 64 * 1024 : 1 << 20);
    }
}

/* The events written since the last flush: valid JSON lines, each one
 * described by the worker's out_event list. */
static void check_events(const struct worker *w)
{
    const char *buf = w->jbuf;
    size_t len = w->jw.len, off = 0, k = 0;

    FUZZ_ASSERT(len == 0 || buf[len - 1] == '\n');
    while (off < len) {
        const char *nl = memchr(buf + off, '\n', len - off);
        FUZZ_ASSERT(nl != NULL);
        size_t n = (size_t)(nl - (buf + off));
        const char *why = NULL;
        size_t where = 0;
        if (json_check_object(buf + off, n, &why, &where) < 0) {
            fprintf(stderr, "FAIL: bad event line (%s at %zu): %.*s\n", why, where, (int)n, buf + off);
            abort();
        }
        FUZZ_ASSERT(k < w->nev);
        const struct out_event *e = &w->ev[k++];
        FUZZ_ASSERT(e->off == off && e->len == n + 1);
        FUZZ_ASSERT(e->type < ET_MAX);
        FUZZ_ASSERT(e->type != ET_FLOW || e->key != 0);
        off += n + 1;
    }
    FUZZ_ASSERT(k == w->nev);
}

static void check_memcap(const struct worker *w, uint64_t memcap)
{
    const struct flow_stats *fs = flow_table_stats(w->flows);
    uint64_t ooo = w->sc.st.memory;

    FUZZ_ASSERT_MSG(ooo <= w->sc.memcap, "out-of-order queues %llu bytes, stream memcap %llu",
                    (unsigned long long)ooo, (unsigned long long)w->sc.memcap);
    FUZZ_ASSERT_MSG(fs->active <= 1 || fs->memory - ooo <= memcap + dpi_flow_state_bytes(),
                    "%llu flows use %llu bytes (+%llu queued), memcap %llu",
                    (unsigned long long)fs->active, (unsigned long long)(fs->memory - ooo),
                    (unsigned long long)ooo, (unsigned long long)memcap);
}

/* What capture_file.c's dispatch() does, for one worker (through the same
 * capture_layer_packet / capture_anomaly_packet): one packet per IP layer, or
 * one anomaly-only packet for a frame without IP. */
static void dispatch(struct worker *w, const struct decoded *d, const uint8_t *frame, uint64_t cnt)
{
    struct packet p;

    for (unsigned li = 0; li < d->nlayers; li++) {
        const struct ip_layer *l = &d->layer[li];
        uint32_t len = capture_layer_len(d, li);
        uint8_t *copy = xmalloc(len);

        memset(&p, 0, sizeof(p));
        capture_layer_packet(d, li, cnt, decode_flow_hash(&l->key), copy, &p);
        FUZZ_ASSERT_MSG(len >= 20 && (l->key.ipver == 4
                        ? !memcmp(copy + 12, l->key.src, 4) && !memcmp(copy + 16, l->key.dst, 4)
                        : len >= 40 && !memcmp(copy + 8, l->key.src, 16) &&
                          !memcmp(copy + 24, l->key.dst, 16)),
                        "layer %u of frame %llu: its bytes are not the header of its flow", li,
                        (unsigned long long)cnt);
        FUZZ_ASSERT_MSG(l->reassembled == (d->base[li] != frame && l->l3_off == 0),
                        "layer %u of frame %llu: reassembled=%u, but %s at offset %u", li,
                        (unsigned long long)cnt, l->reassembled,
                        d->base[li] == frame ? "in the frame" : "in a defrag buffer", l->l3_off);
        worker_process(w, &p);
        free(copy);
    }
    if (d->nlayers == 0 && d->anomaly) {
        uint8_t *copy = xmalloc(capture_anomaly_len(d));

        memset(&p, 0, sizeof(p));
        capture_anomaly_packet(d, frame, cnt, copy, &p);
        worker_process(w, &p);
        free(copy);
    }
}

/* What the worker thread does after each batch. */
static void end_batch(struct worker *w, uint64_t clock)
{
    flow_table_expire(w->flows, clock);
    check_events(w);
    worker_emit_flush(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t steps[4] = { 1000000ULL, 1000000000ULL, 61000000000ULL, 601000000000ULL };
    static struct decoded d;
    struct decode_stats st;
    struct decode_config dcfg;

    if (!out)
        setup();
    if (inputs++ % WORKER_PERIOD == 0)
        make_workers();
    if (size < 1)
        return 0;

    int link = fuzz_link(data[0] & 0x0f);
    int wi = (data[0] & 0x80) ? 1 : 0;
    struct worker *w = workers[wi];
    uint64_t dropped = w->st.events_dropped;
    struct defrag_config dc = { cfg.defrag_max_trackers, cfg.defrag_timeout,
                                cfg.defrag_max_fragments };
    struct defrag *df = defrag_create(&dc);
    uint64_t clock = FUZZ_T0_NS, cnt = 0;
    size_t pos = 1;

    memset(&st, 0, sizeof(st));
    dcfg.vxlan_port = (uint16_t)cfg.vxlan_port;
    dcfg.teredo_port = (uint16_t)cfg.teredo_port;
    dcfg.gtpu_port = (uint16_t)cfg.gtpu_port;

    while (pos + 2 <= size) {
        unsigned h = rd16(data + pos);
        pos += 2;
        uint32_t caplen = MIN(h & 0x0fffu, (uint32_t)(size - pos));
        const uint8_t *frame = data + pos;
        pos += caplen;

        clock += steps[(h >> 12) & 3];
        uint64_t ts = (h & 0x8000) ? clock - 2000000000ULL : clock;
        uint32_t wirelen = (h & 0x4000) ? caplen + 100 : caplen;
        cnt++;
        decode_frame(&dcfg, &st, df, link, frame, caplen, wirelen, ts, &d);
        dispatch(w, &d, frame, cnt);
        defrag_expire(df, clock);
        check_memcap(w, memcaps[wi]);
        if (cnt % BATCH == 0)
            end_batch(w, clock);
    }
    end_batch(w, clock);

    /* worker_finish(), with the events of the flows it ends checked first. */
    flow_table_flush(w->flows, FR_SHUTDOWN);
    check_events(w);
    worker_finish(w);
    FUZZ_ASSERT(w->jw.len == 0 && w->nev == 0);
    FUZZ_ASSERT(flow_table_stats(w->flows)->active == 0);
    FUZZ_ASSERT(dpi_stats(w->dpi)->active_ndpi_flows == 0);
    FUZZ_ASSERT(dpi_stats(w->dpi)->held_syns == 0);
    FUZZ_ASSERT_MSG(w->st.events_dropped == dropped, "%llu events dropped",
                    (unsigned long long)(w->st.events_dropped - dropped));
    defrag_destroy(df);
    return 0;
}
