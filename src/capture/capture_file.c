/* capture_file.c - the offline reader: pcap and pcapng files through
 * libpcap (classic pcap regular files through capture_pcap.c's faster
 * reader), in command-line order, "-" for stdin.
 *
 * Runs in the main thread. For each frame: decode (with fragment
 * reassembly), then for every IP layer copy the layer's bytes into the batch
 * of the worker that owns the layer's flow (hash of the flow key, the same
 * symmetric hash the flow table uses). A malformed frame with no IP layer
 * still goes to a worker, so that its anomaly event is written.
 *
 * Files are opened with nanosecond precision, so nanosecond files keep theirs
 * and microsecond ones are scaled by libpcap. The packet clock never goes
 * backwards: a frame older than the newest seen keeps its own timestamp for
 * its events, but flow expiry runs on the clock.
 *
 * stdin is read through a stdio cookie whose read waits in poll(): while a
 * pipe is idle (`tcpdump -w - | taishi -r -`), every STDIN_IDLE_MS or at
 * once on a signal, the reader hands its partly filled batches to the
 * workers and runs its hook (a SIGHUP reload, periodic stats) instead of
 * sitting in read() until the next packet comes (capture_file_idle). */
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "taishi/capture/capture.h"
#include "taishi/capture/capture_pcap.h"
#include "taishi/config/config.h"
#include "taishi/core/util.h"
#include "taishi/pipeline/worker.h"

#define CAPTURE_FILE_BUF (1u << 20)
#define STDIN_IDLE_MS 100

struct source {
    pcap_t *h;
    struct capture_pcap *fast;  /* classic pcap read by capture_pcap.c; NULL: libpcap */
    char *name;
    char *iobuf;                /* the FILE's buffer, freed after pcap_close */
    int linktype;
};

struct capture_file {
    const struct config *cfg;
    struct source *src;
    int nsrc;
    struct decode_config dcfg;
    struct decode_stats dst;
    struct defrag *df;
    struct capture_stats st;
    struct decoded d;
    struct worker **workers;
    int nworkers;
    struct batch **cur;         /* the batch being filled, per worker */
    void (*hook)(void *arg, int idle);
    void *hook_arg;
};

static void send_batch(struct capture_file *c, int i, int end);

/* The pipe is idle: what is read so far goes to the workers, and the hook
 * runs as it does between packets. Not before capture_file_run (c->cur). */
static void capture_file_idle(struct capture_file *c)
{
    for (int i = 0; c->cur && i < c->nworkers; i++)
        if (c->cur[i] && c->cur[i]->n)
            send_batch(c, i, 0);
    if (c->cur && c->hook)
        c->hook(c->hook_arg, 1);
}

/* stdio's read for stdin (fopencookie): waits for bytes in poll(), which a
 * signal interrupts whatever SA_RESTART says; EOF and errors as read(). */
static ssize_t stdin_read(void *arg, char *buf, size_t size)
{
    struct capture_file *c = arg;
    for (;;) {
        struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
        int r = poll(&pfd, 1, STDIN_IDLE_MS);
        if (r > 0) {                        /* data, or the writer's end closed */
            ssize_t n = read(STDIN_FILENO, buf, size);
            if (n >= 0 || errno != EINTR)
                return n;
        } else if (r < 0 && errno != EINTR) {
            return -1;
        }
        capture_file_idle(c);
    }
}

void capture_file_set_hook(struct capture_file *c, void (*fn)(void *arg, int idle), void *arg)
{
    c->hook = fn;
    c->hook_arg = arg;
}

struct capture_file *capture_file_open(const struct config *cfg, char *const *paths, int n,
                                       char *err, size_t errlen)
{
    struct capture_file *c = xcalloc(1, sizeof(*c));
    char perr[PCAP_ERRBUF_SIZE];
    int stdin_used = 0;

    c->cfg = cfg;
    c->src = xcalloc((size_t)n, sizeof(*c->src));
    for (int i = 0; i < n; i++) {
        if (!strcmp(paths[i], "-") && stdin_used++) {
            snprintf(err, errlen, "stdin ('-') can be read only once");
            goto fail;
        }
        perr[0] = 0;
        /* libpcap reads a file record by record with fread(); a 1 MiB stdio
         * buffer turns that into few large read() calls. glibc ignores the
         * size when it is asked to allocate the buffer itself (it keeps
         * st_blksize, 4 KiB: 64k read() calls for 256 MiB), so it is ours. */
        cookie_io_functions_t io = { .read = stdin_read };
        int is_stdin = !strcmp(paths[i], "-");
        FILE *f = is_stdin ? fopencookie(c, "r", io) : fopen(paths[i], "rb");
        if (!f) {
            snprintf(err, errlen, "cannot read capture '%s': %s", paths[i], strerror(errno));
            goto fail;
        }
        /* stdin's stream is read once per process: its buffer is a static one */
        static char stdin_buf[CAPTURE_FILE_BUF];
        char *iobuf = is_stdin ? NULL : xmalloc(CAPTURE_FILE_BUF);
        setvbuf(f, iobuf ? iobuf : stdin_buf, _IOFBF, CAPTURE_FILE_BUF);
        __fsetlocking(f, FSETLOCKING_BYCALLER);     /* only this thread reads it */
        pcap_t *h = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, perr);
        if (!h) {
            snprintf(err, errlen, "cannot read capture '%s': %s", paths[i], perr);
            fclose(f);                      /* stdin's cookie: fd 0 stays open */
            free(iobuf);
            goto fail;
        }
        c->src[c->nsrc].h = h;
        c->src[c->nsrc].iobuf = iobuf;
        c->src[c->nsrc].fast = capture_pcap_open(h);
        c->src[c->nsrc].name = xstrdup(paths[i]);
        c->src[c->nsrc].linktype = pcap_datalink(h);
        c->nsrc++;
        if (!decode_l2_link_supported(pcap_datalink(h))) {
            snprintf(err, errlen, "capture '%s': link type %s (%d) is not supported", paths[i],
                     pcap_datalink_val_to_name(pcap_datalink(h)) ? pcap_datalink_val_to_name(pcap_datalink(h)) : "?",
                     pcap_datalink(h));
            goto fail;
        }
    }
    c->dcfg.vxlan_port = (uint16_t)cfg->vxlan_port;
    c->dcfg.teredo_port = (uint16_t)cfg->teredo_port;
    c->dcfg.gtpu_port = (uint16_t)cfg->gtpu_port;
    struct defrag_config dc = { cfg->defrag_max_trackers, cfg->defrag_timeout,
                                cfg->defrag_max_fragments };
    c->df = defrag_create(&dc);
    return c;
fail:
    capture_file_close(c);
    return NULL;
}

void capture_file_close(struct capture_file *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->nsrc; i++) {
        capture_pcap_close(c->src[i].fast);
        pcap_close(c->src[i].h);        /* fclose()s the FILE (stdin's: the cookie only) */
        free(c->src[i].iobuf);
        free(c->src[i].name);
    }
    free(c->src);
    free(c->cur);
    defrag_destroy(c->df);
    free(c);
}

/* Sends worker i's current batch and takes an empty one (waiting if need be). */
static void send_batch(struct capture_file *c, int i, int end)
{
    struct worker *w = c->workers[i];
    struct batch *b = c->cur[i];
    unsigned spins = 0;

    b->clock_ns = c->st.last_ts_ns;
    b->end = end;
    while (ring_push(worker_in(w), b) < 0)
        util_backoff(&spins, 20000);
    c->cur[i] = NULL;
    if (end)
        return;
    spins = 0;
    while (!(c->cur[i] = ring_pop(worker_back(w)))) {
        if (spins == 0)
            c->st.reader_waits++;
        util_backoff(&spins, 20000);
    }
}

static struct packet *slot(struct capture_file *c, int wi, uint32_t bytes)
{
    struct batch *b = c->cur[wi];

    if (b->n == BATCH_PKTS || BATCH_BYTES - b->used < bytes) {
        send_batch(c, wi, 0);
        b = c->cur[wi];
    }
    struct packet *p = &b->pkts[b->n++];
    p->data = b->data + b->used;
    b->used += (bytes + 7) & ~7u;
    return p;
}

static void dispatch(struct capture_file *c, const uint8_t *frame, uint64_t cnt)
{
    struct decoded *d = &c->d;
    unsigned n = (unsigned)c->nworkers;

    for (unsigned li = 0; li < d->nlayers; li++) {
        uint64_t h = decode_flow_hash(&d->layer[li].key);
        int wi = (int)(((h >> 32) * n) >> 32);
        struct packet *p = slot(c, wi, capture_layer_len(d, li));
        capture_layer_packet(d, li, cnt, h, (uint8_t *)p->data, p);
    }
    if (d->nlayers == 0 && d->anomaly) {    /* nothing to track, something to report */
        struct packet *p = slot(c, (int)(cnt % n), capture_anomaly_len(d));
        capture_anomaly_packet(d, frame, cnt, (uint8_t *)p->data, p);
    }
}

int capture_file_run(struct capture_file *c, struct worker **workers, int nworkers)
{
    int rc = 0;
    uint64_t cnt = 0;

    c->workers = workers;
    c->nworkers = nworkers;
    c->cur = xcalloc((size_t)nworkers, sizeof(*c->cur));
    for (int i = 0; i < nworkers; i++)
        c->cur[i] = ring_pop(worker_back(workers[i]));

    for (int s = 0; s < c->nsrc; s++) {
        struct source *src = &c->src[s];
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int r;

        c->st.files++;
        while ((r = src->fast ? capture_pcap_next(src->fast, &hdr, &data)
                              : pcap_next_ex(src->h, &hdr, &data)) == 1) {
            uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000000ULL + (uint64_t)hdr->ts.tv_usec;
            uint32_t caplen = hdr->caplen;
            cnt++;
            c->st.packets++;
            c->st.bytes += hdr->len;
            if (caplen > CAPTURE_MAX_FRAME) {
                caplen = CAPTURE_MAX_FRAME;
                c->st.oversized++;
            }
            if (ts > c->st.last_ts_ns)
                c->st.last_ts_ns = ts;
            decode_frame(&c->dcfg, &c->dst, c->df, src->linktype, data, caplen,
                         hdr->len < caplen ? caplen : hdr->len, ts, &c->d);
            dispatch(c, data, cnt);
            defrag_expire(c->df, c->st.last_ts_ns);
            if (c->hook)                    /* one flag test when nothing is asked */
                c->hook(c->hook_arg, 0);
        }
        if (c->hook)
            c->hook(c->hook_arg, 0);
        if (r == -1) {
            c->st.read_errors++;
            LOG(LVL_ERROR, "capture '%s' is corrupt after %llu packets: %s", src->name,
                (unsigned long long)cnt, pcap_geterr(src->h));
            rc = -1;
        }
    }
    for (int i = 0; i < nworkers; i++)
        send_batch(c, i, 1);
    return rc;
}

void capture_file_totals(const struct capture_file *c, struct capture_totals *t)
{
    t->cap = c->st;
    t->dec = c->dst;
    t->frag = *defrag_stats(c->df);
}
