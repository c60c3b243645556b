/* capture_live.c - live capture on mirror ports: one libpcap handle per
 * worker and interface, the handles of an interface joined in one
 * PACKET_FANOUT group.
 *
 * Design. The kernel spreads an interface's packets over the handles of its
 * fanout group by a hash of the flow (PACKET_FANOUT_HASH: symmetric, the two
 * directions of a flow land on the same handle; PACKET_FANOUT_FLAG_DEFRAG:
 * IPv4 fragments are reassembled first, so they hash with their flow). Each
 * worker thread reads its own handles, decodes every frame with the same
 * code as the offline reader (decode_frame, capture_layer_packet) and runs
 * the pipeline on it at once. There is no reader thread and no ring between
 * capture and worker: the kernel's ring (TPACKET_V3 through libpcap,
 * capture.buffer-size per handle) is the only queue. A worker that falls
 * behind lets that ring fill and the kernel drops; those drops are read from
 * the socket statistics (pcap_stats, i.e. PACKET_STATISTICS) and reported as
 * kernel_drops. The capture path never waits for anything but the kernel.
 * internal_drops counts frames taken from the kernel and not processed
 * (today only a layer larger than the scratch buffer, which cannot happen
 * with frames cut at CAPTURE_MAX_FRAME and datagrams of at most 64 KiB).
 *
 * Flows stay on one worker: the kernel hashes the outer 5-tuple, so every
 * packet of an outer flow, and of every tunnel inside it, reaches the same
 * handle, and so the same flow table. The flows and their counters are
 * those of the offline run of the same traffic; the timestamps are the
 * kernel's arrival times. (IPv6 fragments are not reassembled by the kernel
 * before the fanout; a non-first fragment carries no ports and may land on
 * another worker than its first fragment.)
 *
 * TPACKET_V3: libpcap uses it unless immediate mode is set (then TPACKET_V2);
 * we keep V3's block batching and set a block timeout of POLL_MS, so a quiet
 * link still delivers within that time.
 *
 * Lost interfaces: a handle whose read fails (the interface was removed) is
 * closed with an error logged; its thread opens it again every
 * capture.retry-interval seconds and logs when capture resumes. An interface
 * that goes down (or loses its carrier) but stays keeps its handle: the
 * kernel delivers again once it is up; the link state is checked every
 * second, and going down and coming back are logged and counted. The other
 * interfaces and workers go on meanwhile.
 *
 * Threads: the handles, decoder state and counters of a live_thread belong
 * to its worker's thread; other threads read only `pub`, under `mu`,
 * published every 100 ms and at the end. */
#include <errno.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "taishi/capture/capture.h"
#include "taishi/config/config.h"
#include "taishi/core/util.h"
#include "taishi/pipeline/worker.h"

#define BURST        256                /* frames per pcap_dispatch call */
#define BURST_ROUNDS 16                 /* calls per handle before the worker's housekeeping */
#define POLL_MS      100
#define PUBLISH_NS   100000000ULL       /* counters for the stats event */
#define KSTATS_NS    1000000000ULL      /* socket statistics (a syscall, a file read) */
#define SCRATCH_BYTES (CAPTURE_MAX_FRAME + 65536u)

struct live_thread;

struct handle {
    struct live_thread *t;
    pcap_t *h;                          /* NULL while the interface is lost */
    int iface;                          /* index into capture_live.ifaces */
    int linktype;
    uint64_t retry_ns;                  /* monotonic time of the next attempt */
    int retry_logged;
    int down;                           /* open, but the link is down (kernel re-hooks it when up) */
    struct pcap_stat cur;               /* of the open handle, since it was opened */
    uint64_t drops_before, ifdrops_before;  /* of the handles closed before it */
};

struct live_thread {
    struct capture_live *c;
    struct worker *w;
    struct handle *hs;                  /* one per interface */
    struct pollfd *pfd;
    int *pidx;
    pthread_t thread;
    int started;
    struct decode_stats dst;
    struct defrag *df;
    struct decoded d;
    struct capture_stats st;
    uint64_t cnt;
    uint8_t *scratch;                   /* the packet handed to the worker */
    uint64_t pub_ns, kstats_ns;
    pthread_mutex_t mu;                 /* guards pub */
    struct capture_totals pub;
};

struct capture_live {
    const struct config *cfg;
    char **ifaces;
    int nifaces;
    struct live_thread *t;
    int nthreads;
    struct decode_config dcfg;
    uint32_t group;                     /* fanout group of interface 0; interface i: group + i */
    atomic_int stop;
};

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Opens, configures and activates one handle, and joins the interface's
 * fanout group. NULL with a message in err and libpcap's status in *status
 * (PCAP_ERROR_IFACE_NOT_UP: the interface is there but down). */
static pcap_t *open_handle(const struct capture_live *c, int iface, int *status, char *err,
                           size_t errlen)
{
    const struct config *cfg = c->cfg;
    const char *name = c->ifaces[iface];
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *h = pcap_create(name, perr);
    int rc;

    *status = PCAP_ERROR;
    if (!h) {
        snprintf(err, errlen, "interface %s: %s", name, perr);
        return NULL;
    }
    pcap_set_snaplen(h, (int)cfg->capture_snaplen);
    pcap_set_promisc(h, cfg->capture_promisc);
    pcap_set_timeout(h, POLL_MS);
    pcap_set_buffer_size(h, (int)MIN(cfg->capture_buffer_size, (uint64_t)INT_MAX));
    pcap_set_tstamp_precision(h, PCAP_TSTAMP_PRECISION_NANO);
    rc = pcap_activate(h);
    if (rc < 0) {
        *status = rc;
        const char *detail = pcap_geterr(h);
        snprintf(err, errlen, "interface %s: %s%s%s", name, pcap_statustostr(rc),
                 detail && *detail ? ": " : "", detail ? detail : "");
        pcap_close(h);
        return NULL;
    }
    if (rc > 0)
        LOG(LVL_WARNING, "interface %s: %s", name, pcap_statustostr(rc));
    int lt = pcap_datalink(h);
    if (!decode_l2_link_supported(lt)) {
        snprintf(err, errlen, "interface %s: link type %d is not supported", name, lt);
        pcap_close(h);
        return NULL;
    }
    if (cfg->capture_bpf[0]) {
        struct bpf_program prog;
        if (pcap_compile(h, &prog, cfg->capture_bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            snprintf(err, errlen, "capture.bpf: '%s': %s", cfg->capture_bpf, pcap_geterr(h));
            pcap_close(h);
            return NULL;
        }
        rc = pcap_setfilter(h, &prog);
        pcap_freecode(&prog);
        if (rc < 0) {
            snprintf(err, errlen, "capture.bpf: interface %s: %s", name, pcap_geterr(h));
            pcap_close(h);
            return NULL;
        }
    }
    if (pcap_setnonblock(h, 1, perr) < 0) {
        snprintf(err, errlen, "interface %s: %s", name, perr);
        pcap_close(h);
        return NULL;
    }
    uint32_t group = (c->group + (uint32_t)iface) & 0xffff;
    int arg = (int)(group | (uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
    if (setsockopt(pcap_fileno(h), SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0) {
        snprintf(err, errlen, "interface %s: cannot join fanout group %u: %s (capture.fanout-group "
                 "used by another program?)", name, group, strerror(errno));
        pcap_close(h);
        return NULL;
    }
    *status = 0;
    return h;
}

/* Hands every IP layer of the decoded frame (or its anomaly) to the worker. */
static void process_decoded(struct live_thread *t, const uint8_t *frame)
{
    const struct decoded *d = &t->d;
    struct packet p;

    for (unsigned li = 0; li < d->nlayers; li++) {
        if (capture_layer_len(d, li) > SCRATCH_BYTES) {
            t->st.internal_drops++;
            continue;
        }
        capture_layer_packet(d, li, t->cnt, decode_flow_hash(&d->layer[li].key), t->scratch, &p);
        worker_process(t->w, &p);
    }
    if (d->nlayers == 0 && d->anomaly) {
        capture_anomaly_packet(d, frame, t->cnt, t->scratch, &p);
        worker_process(t->w, &p);
    }
}

static void on_frame(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
    struct handle *hd = (struct handle *)user;
    struct live_thread *t = hd->t;
    uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000000ULL + (uint64_t)hdr->ts.tv_usec;
    uint32_t caplen = hdr->caplen;

    t->cnt++;
    t->st.packets++;
    t->st.bytes += hdr->len;
    if (hd->iface < STATS_IFACES_MAX) {
        t->st.if_packets[hd->iface]++;
        t->st.if_bytes[hd->iface] += hdr->len;
    }
    if (caplen > CAPTURE_MAX_FRAME) {
        caplen = CAPTURE_MAX_FRAME;
        t->st.oversized++;
    }
    if (ts > t->st.last_ts_ns)
        t->st.last_ts_ns = ts;
    decode_frame(&t->c->dcfg, &t->dst, t->df, hd->linktype, data, caplen,
                 hdr->len < caplen ? caplen : hdr->len, ts, &t->d);
    process_decoded(t, data);
    defrag_expire(t->df, t->st.last_ts_ns);
}

static void read_kstats(struct handle *hd)
{
    struct pcap_stat ps;

    if (hd->h && pcap_stats(hd->h, &ps) == 0)
        hd->cur = ps;                   /* libpcap sums since the handle was opened */
}

static void close_handle(struct handle *hd)
{
    read_kstats(hd);
    hd->drops_before += hd->cur.ps_drop;
    hd->ifdrops_before += hd->cur.ps_ifdrop;
    memset(&hd->cur, 0, sizeof(hd->cur));
    pcap_close(hd->h);
    hd->h = NULL;
}

static void lose(struct handle *hd, const char *why)
{
    struct live_thread *t = hd->t;
    const struct config *cfg = t->c->cfg;

    LOG(LVL_ERROR, "interface %s lost (worker %d): %s; trying again every %u s",
        t->c->ifaces[hd->iface], worker_id(t->w), why, cfg->capture_retry_interval);
    close_handle(hd);
    hd->down = 0;
    t->st.interface_errors++;
    hd->retry_ns = util_mono_ns() + (uint64_t)cfg->capture_retry_interval * 1000000000ULL;
    hd->retry_logged = 0;
}

static void try_reopen(struct handle *hd, uint64_t now)
{
    struct live_thread *t = hd->t;
    const struct config *cfg = t->c->cfg;
    char err[PCAP_ERRBUF_SIZE + 256];
    int status;

    hd->h = open_handle(t->c, hd->iface, &status, err, sizeof(err));
    if (!hd->h) {
        hd->retry_ns = now + (uint64_t)cfg->capture_retry_interval * 1000000000ULL;
        if (!hd->retry_logged++)        /* once per loss; the rest at debug level */
            LOG(LVL_WARNING, "%s (worker %d); still trying", err, worker_id(t->w));
        else
            LOG_DBG("%s (worker %d)", err, worker_id(t->w));
        return;
    }
    hd->linktype = pcap_datalink(hd->h);
    t->st.reconnects++;
    LOG(LVL_NOTICE, "interface %s: capturing again (worker %d)", t->c->ifaces[hd->iface], worker_id(t->w));
}

/* Logs (and counts) a link going down or coming back. */
static void check_link(struct handle *hd)
{
    struct live_thread *t = hd->t;
    const char *name = t->c->ifaces[hd->iface];
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(pcap_fileno(hd->h), SIOCGIFFLAGS, &ifr) < 0)
        return;                         /* gone: the next read reports it */
    int up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
    if (!up && !hd->down) {
        hd->down = 1;
        t->st.interface_errors++;
        LOG(LVL_ERROR, "interface %s is down%s (worker %d); capture resumes when it is up", name,
            ifr.ifr_flags & IFF_UP ? " (no carrier)" : "", worker_id(t->w));
    } else if (up && hd->down) {
        hd->down = 0;
        t->st.reconnects++;
        LOG(LVL_NOTICE, "interface %s: up again, capturing (worker %d)", name, worker_id(t->w));
    }
}

static void publish(struct live_thread *t, int force)
{
    uint64_t now = util_mono_ns();

    if (!force && now - t->pub_ns < PUBLISH_NS)
        return;
    t->pub_ns = now;
    if (force || now - t->kstats_ns >= KSTATS_NS) {
        t->kstats_ns = now;
        for (int i = 0; i < t->c->nifaces; i++)
            if (t->hs[i].h) {
                read_kstats(&t->hs[i]);
                check_link(&t->hs[i]);
            }
    }
    t->st.kernel_drops = t->st.interface_drops = 0;
    for (int i = 0; i < t->c->nifaces; i++) {
        uint64_t kd = t->hs[i].drops_before + t->hs[i].cur.ps_drop;
        uint64_t id = t->hs[i].ifdrops_before + t->hs[i].cur.ps_ifdrop;
        t->st.kernel_drops += kd;
        t->st.interface_drops += id;
        if (t->hs[i].iface < STATS_IFACES_MAX) {
            t->st.if_kernel_drops[t->hs[i].iface] = kd;
            t->st.if_interface_drops[t->hs[i].iface] = id;
        }
    }
    pthread_mutex_lock(&t->mu);
    t->pub.cap = t->st;
    t->pub.dec = t->dst;
    t->pub.frag = *defrag_stats(t->df);
    pthread_mutex_unlock(&t->mu);
}

/* Reads the handles of one interface set until asked to stop; then takes
 * what the kernel still holds, ends the worker's flows and returns. */
static void *live_main(void *arg)
{
    struct live_thread *t = arg;
    struct capture_live *c = t->c;

    worker_set_thread_name(t->w);
    for (;;) {
        int stopping = atomic_load(&c->stop);
        uint64_t now = util_mono_ns();
        int np = 0;

        for (int i = 0; i < c->nifaces; i++) {
            struct handle *hd = &t->hs[i];
            if (!hd->h && !stopping && now >= hd->retry_ns)
                try_reopen(hd, now);
            if (hd->h) {
                t->pfd[np] = (struct pollfd){ .fd = pcap_get_selectable_fd(hd->h), .events = POLLIN };
                t->pidx[np++] = i;
            }
        }
        if (stopping) {
            /* The kernel hands a TPACKET_V3 block over when it is full or
             * its POLL_MS timer retires it: wait for that, then drain. */
            struct timespec ts = { 0, 2 * POLL_MS * 1000000L };
            nanosleep(&ts, NULL);
        } else if (np) {
            poll(t->pfd, (nfds_t)np, POLL_MS);   /* EINTR (a signal): just go round */
        } else {
            struct timespec ts = { 0, POLL_MS * 1000000L };
            nanosleep(&ts, NULL);
        }
        worker_enter(t->w);
        for (int k = 0; k < np; k++) {
            struct handle *hd = &t->hs[t->pidx[k]];
            int r, rounds = 0;
            do
                r = pcap_dispatch(hd->h, BURST, on_frame, (u_char *)hd);
            while (r > 0 && (stopping || ++rounds < BURST_ROUNDS));
            if (r < 0) {
                char why[PCAP_ERRBUF_SIZE];
                snprintf(why, sizeof(why), "%s", pcap_geterr(hd->h));
                lose(hd, why);
            }
        }
        uint64_t clock = realtime_ns();     /* flows expire on time even when the link is quiet */
        worker_burst_done(t->w, MAX(clock, t->st.last_ts_ns));
        publish(t, 0);
        if (stopping)
            break;
    }
    for (int i = 0; i < c->nifaces; i++)
        if (t->hs[i].h)
            close_handle(&t->hs[i]);
    publish(t, 1);
    worker_leave(t->w);
    return NULL;
}

struct capture_live *capture_live_open(const struct config *cfg, char *const *ifaces, int nifaces,
                                       int nworkers, char *err, size_t errlen)
{
    struct capture_live *c = xcalloc(1, sizeof(*c));
    struct defrag_config dc = { cfg->defrag_max_trackers, cfg->defrag_timeout,
                                cfg->defrag_max_fragments };

    c->cfg = cfg;
    c->nifaces = nifaces;
    c->ifaces = xcalloc((size_t)nifaces, sizeof(char *));
    for (int i = 0; i < nifaces; i++) {
        for (int j = 0; j < i; j++)
            if (!strcmp(ifaces[i], ifaces[j])) {
                snprintf(err, errlen, "interface %s is given twice", ifaces[i]);
                c->nifaces = i;
                goto fail;
            }
        c->ifaces[i] = xstrdup(ifaces[i]);
    }
    c->dcfg.vxlan_port = (uint16_t)cfg->vxlan_port;
    c->dcfg.teredo_port = (uint16_t)cfg->teredo_port;
    c->dcfg.gtpu_port = (uint16_t)cfg->gtpu_port;
    c->group = cfg->capture_fanout_group ? cfg->capture_fanout_group : (uint32_t)getpid() & 0xffff;
    c->t = xcalloc((size_t)nworkers, sizeof(*c->t));
    for (int w = 0; w < nworkers; w++) {
        struct live_thread *t = &c->t[w];
        c->nthreads = w + 1;                /* what capture_live_close frees */
        t->c = c;
        t->hs = xcalloc((size_t)nifaces, sizeof(*t->hs));
        t->pfd = xcalloc((size_t)nifaces, sizeof(*t->pfd));
        t->pidx = xcalloc((size_t)nifaces, sizeof(*t->pidx));
        t->df = defrag_create(&dc);
        t->scratch = xmalloc(SCRATCH_BYTES);
        t->st.interfaces = (uint64_t)nifaces;
        pthread_mutex_init(&t->mu, NULL);
        for (int i = 0; i < nifaces; i++) {
            struct handle *hd = &t->hs[i];
            int status;
            hd->t = t;
            hd->iface = i;
            hd->h = open_handle(c, i, &status, err, errlen);
            if (hd->h) {
                hd->linktype = pcap_datalink(hd->h);
            } else if (status == PCAP_ERROR_IFACE_NOT_UP) {
                if (w == 0)
                    LOG(LVL_WARNING, "%s; capture starts when it comes up", err);
                hd->retry_logged = 1;
            } else {
                goto fail;
            }
        }
    }
    return c;
fail:
    capture_live_close(c);
    return NULL;
}

int capture_live_start(struct capture_live *c, struct worker **workers)
{
    for (int i = 0; i < c->nthreads; i++) {
        c->t[i].w = workers[i];
        if (pthread_create(&c->t[i].thread, NULL, live_main, &c->t[i]) != 0)
            return -1;
        c->t[i].started = 1;
    }
    return 0;
}

void capture_live_stop(struct capture_live *c)
{
    atomic_store(&c->stop, 1);
}

void capture_live_join(struct capture_live *c)
{
    for (int i = 0; i < c->nthreads; i++)
        if (c->t[i].started) {
            pthread_join(c->t[i].thread, NULL);
            c->t[i].started = 0;
        }
}

void capture_live_close(struct capture_live *c)
{
    if (!c)
        return;
    capture_live_stop(c);
    capture_live_join(c);
    for (int w = 0; w < c->nthreads; w++) {
        struct live_thread *t = &c->t[w];
        for (int i = 0; t->hs && i < c->nifaces; i++)
            if (t->hs[i].h)
                pcap_close(t->hs[i].h);
        free(t->hs);
        free(t->pfd);
        free(t->pidx);
        free(t->scratch);
        defrag_destroy(t->df);
        pthread_mutex_destroy(&t->mu);
    }
    free(c->t);
    for (int i = 0; i < c->nifaces; i++)
        free(c->ifaces[i]);
    free(c->ifaces);
    free(c);
}

/* The three counter structs hold nothing but uint64_t counters. */
_Static_assert(sizeof(struct capture_stats) % sizeof(uint64_t) == 0, "capture_stats: u64 only");
_Static_assert(sizeof(struct decode_stats) % sizeof(uint64_t) == 0, "decode_stats: u64 only");
_Static_assert(sizeof(struct defrag_stats) % sizeof(uint64_t) == 0, "defrag_stats: u64 only");

static void add_u64s(void *dst, const void *src, size_t bytes)
{
    uint64_t *d = dst;
    const uint64_t *s = src;

    for (size_t i = 0; i < bytes / sizeof(uint64_t); i++)
        d[i] += s[i];
}

void capture_live_totals(struct capture_live *c, struct capture_totals *tot)
{
    struct capture_totals one;

    memset(tot, 0, sizeof(*tot));
    for (int i = 0; i < c->nthreads; i++) {
        pthread_mutex_lock(&c->t[i].mu);
        one = c->t[i].pub;
        pthread_mutex_unlock(&c->t[i].mu);
        uint64_t last = MAX(tot->cap.last_ts_ns, one.cap.last_ts_ns);
        add_u64s(&tot->cap, &one.cap, sizeof(one.cap));
        add_u64s(&tot->dec, &one.dec, sizeof(one.dec));
        add_u64s(&tot->frag, &one.frag, sizeof(one.frag));
        tot->cap.last_ts_ns = last;
    }
    tot->cap.interfaces = (uint64_t)c->nifaces;
}
