/* spool.c - the write-ahead log behind the Kafka output; spool.h has the
 * format and the guarantees, output_kafka.c the producer that reads it.
 *
 * Design:
 * - Appends are whole chunks (a worker's hundred-odd events), one write()
 *   each under `mu`, to the active segment, opened O_APPEND. Segments
 *   rotate at seg_target bytes (16 MiB, or an eighth of spool-max when that
 *   is smaller, so a small spool can still drop its oldest part); a chunk
 *   never spans two segments. A rotated segment's descriptor stays open
 *   until the output thread has fsync'd it (spool_sync), so no worker ever
 *   waits for the disk beyond its write() into the page cache.
 * - A write that fails or comes up short is undone (ftruncate), the
 *   segment is sealed and the disk is left alone for a second: the chunk is
 *   memory only, and the caller delivers it from memory (see
 *   output_kafka.c). Nothing here blocks or retries in a loop.
 * - The reader (spool_read) copies bytes out with pread(), from the page
 *   cache in the common case; it never holds `mu` while reading.
 * - The commit file has two 256-byte slots written alternately (generation
 *   and CRC in each), so a torn write leaves the previous commit.
 * - At open: segments wholly before the commit are leftovers of a crash
 *   between a commit and its unlink (deleted); the others are scanned for
 *   the highest seq of each family, so numbering continues even if the
 *   commit file is older than the log; new appends always start a new
 *   segment.
 *
 * Threading: `mu` guards the segment table, the active descriptor, the seq
 * counters and the stats. Only the output thread closes descriptors and
 * deletes files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "taishi/output/spool.h"
#include "taishi/core/util.h"

#define MAGIC        0x31575354u        /* "TSW1" little-endian */
#define LEGACY_MAGIC 0x54535031u        /* "TSP1" read as a little-endian u32 (old spool-*.dat) */
#define LEGACY_HDR   21u
#define SEGMENT_MAX  (16u << 20)
#define COMMIT_MAGIC 0x31435354u        /* "TSC1" */
#define SLOT         256u
#define READ_MAX_MIN (SPOOL_RECORD_MAX + SPOOL_HDR)

struct seg {
    uint32_t id;
    uint64_t len;                       /* bytes of whole chunks written */
    int fd;                             /* open for writing (active, or rotated and not yet synced) */
    int dirty;                          /* written since the last fsync */
};

struct spool {
    pthread_mutex_t mu;
    char dir[512];
    uint64_t max_bytes, seg_target;
    struct seg *segs;                   /* ascending ids */
    size_t nseg, capseg;
    int active;                         /* segs[nseg - 1] takes appends */
    uint32_t next_seg;
    uint64_t next_seq[SPOOL_FAMILIES];
    uint64_t retry_ns;                  /* disk given up until then */
    int commit_fd;
    uint64_t commit_gen;
    struct spool_commit last;           /* what the commit file says */
    int warned_full;
    struct spool_stats st;
};

/* --- records --- */

static inline void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }  /* little-endian hosts only */
static inline void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* CRC over the payload, then the length field, then family, key and seq. */
static uint32_t rec_crc(uint32_t payload_crc, const uint8_t *hdr)
{
    uint32_t c = (uint32_t)crc32(payload_crc, hdr + 4, 4);
    return (uint32_t)crc32(c, hdr + 12, SPOOL_HDR - 12);
}

void spool_rec_start(uint8_t *hdr, uint8_t family, uint64_t key, uint32_t len, int crc)
{
    wr32(hdr, MAGIC);
    wr32(hdr + 4, len);
    wr32(hdr + 8, crc ? (uint32_t)crc32(0, hdr + SPOOL_HDR, len) : 0);   /* partial: the payload's */
    hdr[12] = family;
    wr64(hdr + 13, key);
    wr64(hdr + 21, 0);
}

void spool_rec_finish(uint8_t *hdr, uint64_t seq)
{
    wr64(hdr + 21, seq);
    wr32(hdr + 8, rec_crc(rd32le(hdr + 8), hdr));
}

/* A whole, valid record at buf[at, len)? 1 yes, 0 it runs past len, -1 damaged. */
static int rec_check(const uint8_t *buf, size_t len, size_t at)
{
    if (len - at < SPOOL_HDR)
        return 0;
    const uint8_t *p = buf + at;
    uint32_t plen = rd32le(p + 4);
    if (rd32le(p) != MAGIC || plen > SPOOL_RECORD_MAX || p[12] >= SPOOL_FAMILIES)
        return -1;
    if (len - at - SPOOL_HDR < plen)
        return 0;
    uint32_t c = rec_crc((uint32_t)crc32(0, p + SPOOL_HDR, plen), p);
    return c == rd32le(p + 8) ? 1 : -1;
}

int spool_next(const uint8_t *buf, size_t len, size_t *off, struct spool_rec *r, unsigned *damaged)
{
    size_t at = *off;

    if (at >= len) {
        *off = len;
        return 0;
    }
    int v = rec_check(buf, len, at);
    if (v < 0) {                        /* resynchronise: the next magic whose record checks out */
        (*damaged)++;
        for (at++; at + 4 <= len; at++) {
            if (rd32le(buf + at) != MAGIC)
                continue;
            if ((v = rec_check(buf, len, at)) >= 0)
                break;
        }
        if (at + 4 > len) {             /* none: the rest of buf is damage */
            *off = len;
            return 0;
        }
    }
    if (v == 0) {                       /* runs past len */
        *off = at;
        return 0;
    }
    const uint8_t *p = buf + at;
    r->len = rd32le(p + 4);
    r->family = p[12];
    r->key = rd64(p + 13);
    r->seq = rd64(p + 21);
    r->payload = p + SPOOL_HDR;
    *off = at + SPOOL_HDR + r->len;
    return 1;
}

/* --- segments --- */

static void seg_path(const struct spool *s, uint32_t id, char *out, size_t len)
{
    snprintf(out, len, "%s/wal-%08u.log", s->dir, id);
}

static struct seg *seg_add(struct spool *s, uint32_t id)
{
    if (s->nseg == s->capseg) {
        s->capseg = s->capseg ? s->capseg * 2 : 64;
        s->segs = xreallocarray(s->segs, s->capseg, sizeof(*s->segs));
    }
    struct seg *g = &s->segs[s->nseg++];
    g->id = id;
    g->len = 0;
    g->fd = -1;
    g->dirty = 0;
    s->st.segments = s->nseg;
    return g;
}

/* Removes the first n segments from the table (caller holds mu); their
 * ids go to ids[] for unlinking outside the lock. */
static void seg_drop_front(struct spool *s, size_t n, uint32_t *ids)
{
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        ids[i] = s->segs[i].id;
        if (s->segs[i].fd >= 0)
            close(s->segs[i].fd);       /* delivered or dropped: no fsync owed */
    }
    memmove(s->segs, s->segs + n, (s->nseg - n) * sizeof(*s->segs));
    s->nseg -= n;
    s->st.segments = s->nseg;
    if (s->nseg == 0)
        s->active = 0;
}

static void unlink_ids(struct spool *s, const uint32_t *ids, size_t n)
{
    char path[600];
    for (size_t i = 0; i < n; i++) {
        seg_path(s, ids[i], path, sizeof(path));
        unlink(path);
    }
}

static uint64_t now_ns(void) { return util_mono_ns(); }

/* One write of a whole chunk to the active segment (rotating first when it
 * is full). Caller holds mu. 0, or -1 (undone, segment sealed). */
static int write_chunk(struct spool *s, const uint8_t *buf, size_t len, struct spool_wpos *w)
{
    char path[600];

    if (s->retry_ns && now_ns() < s->retry_ns)
        return -1;
    s->retry_ns = 0;
    if (!s->active || s->segs[s->nseg - 1].len >= s->seg_target) {
        uint32_t id = s->next_seg;
        seg_path(s, id, path, sizeof(path));
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0) {
            if (!s->st.write_errors++)
                LOG(LVL_ERROR, "spool: cannot create %s: %s; events go to Kafka from memory "
                    "until the disk is back", path, strerror(errno));
            s->retry_ns = now_ns() + 1000000000ULL;
            return -1;
        }
        s->next_seg++;
        s->active = 1;
        seg_add(s, id)->fd = fd;
    }
    struct seg *g = &s->segs[s->nseg - 1];
    ssize_t n = write(g->fd, buf, len);
    if (n != (ssize_t)len) {
        int e = n < 0 ? errno : ENOSPC;
        if (n > 0 && ftruncate(g->fd, (off_t)g->len) < 0) {
            /* the bytes stay; the reader only reads to g->len */
        }
        if (!s->st.write_errors++)
            LOG(LVL_ERROR, "spool: write to segment %u failed: %s; events go to Kafka from "
                "memory until the disk is back", g->id, strerror(e));
        s->active = 0;                  /* sealed: the next append starts a new segment */
        s->retry_ns = now_ns() + 1000000000ULL;
        return -1;
    }
    w->start = (struct spool_pos){ g->id, (uint32_t)g->len };
    g->len += len;
    g->dirty = 1;
    w->end = (struct spool_pos){ g->id, (uint32_t)g->len };
    return 0;
}

static struct spool_pos end_locked(const struct spool *s)
{
    if (s->active)
        return (struct spool_pos){ s->segs[s->nseg - 1].id, (uint32_t)s->segs[s->nseg - 1].len };
    return (struct spool_pos){ s->next_seg, 0 };
}

int spool_append(struct spool *s, uint8_t *buf, size_t len, int to_disk,
                 void (*then)(void *arg, const struct spool_wpos *w), void *arg)
{
    struct spool_wpos w = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
    uint64_t nrec = 0;
    int rc = -1;

    pthread_mutex_lock(&s->mu);
    for (size_t off = 0; off + SPOOL_HDR <= len; nrec++) {   /* our own records: trusted layout */
        uint8_t *h = buf + off;
        spool_rec_finish(h, s->next_seq[h[12] & (SPOOL_FAMILIES - 1)]++);
        off += SPOOL_HDR + rd32le(h + 4);
    }
    w.prev = end_locked(s);
    if (to_disk && len && write_chunk(s, buf, len, &w) == 0) {
        s->st.appended += nrec;
        rc = 0;
    }
    if (then)
        then(arg, &w);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

struct spool_pos spool_end(struct spool *s)
{
    pthread_mutex_lock(&s->mu);
    struct spool_pos p = end_locked(s);
    pthread_mutex_unlock(&s->mu);
    return p;
}

void *spool_read(struct spool *s, struct spool_pos *pos, size_t prefix, size_t max, size_t *len,
                 int *seg_end)
{
    char path[600];

    if (max < READ_MAX_MIN)
        max = READ_MAX_MIN;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        size_t i = 0;
        while (i < s->nseg && s->segs[i].id < pos->seg)
            i++;
        if (i == s->nseg) {             /* all read: the end, as the writers see it */
            *pos = end_locked(s);
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        if (s->segs[i].id != pos->seg)
            *pos = (struct spool_pos){ s->segs[i].id, 0 };
        uint64_t seglen = s->segs[i].len;
        int closed = !(s->active && i == s->nseg - 1);
        pthread_mutex_unlock(&s->mu);
        if (pos->off >= seglen) {
            if (!closed)
                return NULL;            /* caught up with the writers */
            *pos = (struct spool_pos){ pos->seg + 1, 0 };
            continue;
        }
        size_t n = (size_t)MIN(seglen - pos->off, (uint64_t)max);
        seg_path(s, pos->seg, path, sizeof(path));
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {                   /* dropped meanwhile (spool-max) */
            *pos = (struct spool_pos){ pos->seg + 1, 0 };
            continue;
        }
        uint8_t *b = xmalloc(prefix + n);
        size_t got = 0;
        while (got < n) {
            ssize_t r = pread(fd, b + prefix + got, n - got, (off_t)(pos->off + got));
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        close(fd);
        if (got == 0) {                 /* unreadable: skip the segment (its records become a gap) */
            free(b);
            LOG(LVL_ERROR, "spool: cannot read segment %u at %u", pos->seg, pos->off);
            *pos = (struct spool_pos){ pos->seg + 1, 0 };
            continue;
        }
        *len = got;
        *seg_end = closed && pos->off + got == seglen;
        return b;
    }
}

void spool_sync(struct spool *s)
{
    int fds[64], act[64];
    size_t n = 0;

    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nseg && n < ARRAY_SIZE(fds); i++) {
        struct seg *g = &s->segs[i];
        int is_active = s->active && i == s->nseg - 1;
        if (g->fd < 0 || (!g->dirty && is_active))
            continue;
        g->dirty = 0;
        fds[n] = g->fd;
        act[n++] = is_active;
        if (!is_active)
            g->fd = -1;                 /* ours to sync and close now */
    }
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < n; i++) {
        fdatasync(fds[i]);
        if (!act[i])
            close(fds[i]);
    }
}

/* --- commit file --- */

static void slot_encode(uint8_t *b, uint64_t gen, const struct spool_commit *c, const uint64_t *next_seq)
{
    memset(b, 0, SLOT);
    wr32(b, COMMIT_MAGIC);
    wr64(b + 4, gen);
    wr32(b + 12, c->pos.seg);
    wr32(b + 16, c->pos.off);
    for (int f = 0; f < SPOOL_FAMILIES; f++) {
        wr64(b + 20 + 8 * f, c->expected[f]);
        wr64(b + 84 + 8 * f, c->dropped[f]);
        wr64(b + 148 + 8 * f, next_seq[f]);
    }
    wr32(b + SLOT - 4, (uint32_t)crc32(0, b, SLOT - 4));
}

static int slot_decode(const uint8_t *b, uint64_t *gen, struct spool_commit *c, uint64_t *next_seq)
{
    if (rd32le(b) != COMMIT_MAGIC || rd32le(b + SLOT - 4) != (uint32_t)crc32(0, b, SLOT - 4))
        return -1;
    *gen = rd64(b + 4);
    c->pos.seg = rd32le(b + 12);
    c->pos.off = rd32le(b + 16);
    for (int f = 0; f < SPOOL_FAMILIES; f++) {
        c->expected[f] = rd64(b + 20 + 8 * f);
        c->dropped[f] = rd64(b + 84 + 8 * f);
        next_seq[f] = rd64(b + 148 + 8 * f);
    }
    return 0;
}

/* Writes c with the seq counters as they are now to the older slot. */
static int write_commit(struct spool *s, const struct spool_commit *c)
{
    uint8_t b[SLOT];
    uint64_t next_seq[SPOOL_FAMILIES];

    pthread_mutex_lock(&s->mu);
    memcpy(next_seq, s->next_seq, sizeof(next_seq));
    pthread_mutex_unlock(&s->mu);
    s->commit_gen++;
    slot_encode(b, s->commit_gen, c, next_seq);
    if (pwrite(s->commit_fd, b, SLOT, (off_t)((s->commit_gen & 1) * SLOT)) != SLOT ||
        fdatasync(s->commit_fd) < 0)
        return -1;
    s->last = *c;
    return 0;
}

void spool_commit(struct spool *s, const struct spool_commit *c)
{
    uint32_t ids[256];
    size_t n = 0;

    if (write_commit(s, c) < 0)
        return;                         /* the older slot stands; segments stay */
    pthread_mutex_lock(&s->mu);
    while (n < s->nseg && n < ARRAY_SIZE(ids)) {
        const struct seg *g = &s->segs[n];
        int closed = !(s->active && n == s->nseg - 1);
        if (g->id < c->pos.seg || (g->id == c->pos.seg && closed && c->pos.off >= g->len))
            n++;
        else
            break;
    }
    seg_drop_front(s, n, ids);
    pthread_mutex_unlock(&s->mu);
    unlink_ids(s, ids, n);
}

unsigned spool_enforce(struct spool *s)
{
    uint32_t ids[256];
    uint64_t total = 0, dropped_bytes = 0;
    size_t n = 0;

    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nseg; i++)
        total += s->segs[i].len;
    while (total > s->max_bytes && n < s->nseg && n < ARRAY_SIZE(ids)) {
        if (s->active && n == s->nseg - 1) {
            s->active = 0;              /* the only one left: seal it, drop it next time */
            break;
        }
        total -= s->segs[n].len;
        dropped_bytes += s->segs[n].len;
        n++;
    }
    seg_drop_front(s, n, ids);
    s->st.segments_dropped += n;
    int first = n && !s->warned_full++;
    pthread_mutex_unlock(&s->mu);
    if (n)          /* the seq counters outlive the records: numbering goes on after a restart */
        write_commit(s, &s->last);
    if (first)
        LOG(LVL_ERROR, "spool %s is full (%llu bytes): its oldest undelivered events are being "
            "dropped and counted", s->dir, (unsigned long long)s->max_bytes);
    if (n)
        LOG(LVL_WARNING, "spool: %zu segment(s) dropped (%llu bytes) to stay under spool-max", n,
            (unsigned long long)dropped_bytes);
    unlink_ids(s, ids, n);
    return (unsigned)n;
}

void spool_seal(struct spool *s)
{
    pthread_mutex_lock(&s->mu);
    s->active = 0;
    pthread_mutex_unlock(&s->mu);
}

void spool_next_seqs(struct spool *s, uint64_t *next)
{
    pthread_mutex_lock(&s->mu);
    memcpy(next, s->next_seq, sizeof(s->next_seq));
    pthread_mutex_unlock(&s->mu);
}

void spool_stats(struct spool *s, struct spool_stats *st)
{
    pthread_mutex_lock(&s->mu);
    *st = s->st;
    st->bytes = 0;
    for (size_t i = 0; i < s->nseg; i++)
        st->bytes += s->segs[i].len;
    pthread_mutex_unlock(&s->mu);
}

/* --- open --- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    size_t n = (size_t)sb.st_size, got = 0;
    uint8_t *b = xmalloc(n ? n : 1);
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return b;
}

/* Moves the records of an older spool's segment (spool-N.dat, "TSP1") into
 * the log, in order, then deletes it. */
static void migrate_legacy(struct spool *s, const char *path)
{
    size_t len = 0, off = 0, moved = 0;
    uint8_t *in = read_file(path, &len);
    if (!in)
        return;
    size_t cap = 4u << 20, n = 0;
    uint8_t *out = xmalloc(cap);
    while (len - off >= LEGACY_HDR && rd32le(in + off) == LEGACY_MAGIC) {
        uint32_t plen = rd32le(in + off + 4);
        if (plen > SPOOL_RECORD_MAX || len - off - LEGACY_HDR < plen)
            break;
        uint32_t c = (uint32_t)crc32(0, in + off + 12, 9);
        if ((uint32_t)crc32(c, in + off + LEGACY_HDR, plen) != rd32le(in + off + 8))
            break;
        if (n + SPOOL_HDR + plen > cap) {
            spool_append(s, out, n, 1, NULL, NULL);
            n = 0;
        }
        memcpy(out + n + SPOOL_HDR, in + off + LEGACY_HDR, plen);
        spool_rec_start(out + n, in[off + 12] & (SPOOL_FAMILIES - 1), rd64(in + off + 13), plen, 1);
        n += SPOOL_HDR + plen;
        off += LEGACY_HDR + plen;
        moved++;
    }
    if (n)
        spool_append(s, out, n, 1, NULL, NULL);
    spool_sync(s);
    free(out);
    free(in);
    unlink(path);
    LOG(LVL_NOTICE, "spool: %zu events of an older spool (%s) moved into the log", moved, path);
}

struct spool *spool_open(const char *dir, uint64_t max_bytes, struct spool_commit *c, char *err,
                         size_t errlen)
{
    struct spool *s = xcalloc(1, sizeof(*s));
    char path[600];
    DIR *d;
    struct dirent *e;
    uint32_t *ids = NULL, *legacy = NULL;
    size_t nids = 0, capids = 0, nleg = 0, capleg = 0;

    memset(c, 0, sizeof(*c));
    s->commit_fd = -1;
    if (strlen(dir) >= sizeof(s->dir) - 32) {
        snprintf(err, errlen, "outputs.kafka.spool-dir: path too long");
        goto fail;
    }
    if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "outputs.kafka.spool-dir: cannot create '%s': %s", dir, strerror(errno));
        goto fail;
    }
    if (!(d = opendir(dir)) || access(dir, W_OK) < 0) {
        snprintf(err, errlen, "outputs.kafka.spool-dir: cannot use '%s': %s", dir, strerror(errno));
        if (d)
            closedir(d);
        goto fail;
    }
    strcpy(s->dir, dir);
    s->max_bytes = max_bytes;
    s->seg_target = MIN((uint64_t)SEGMENT_MAX, MAX(max_bytes / 8, (uint64_t)4096));
    while ((e = readdir(d))) {
        unsigned id;
        int end = 0;
        if (sscanf(e->d_name, "wal-%8u.log%n", &id, &end) == 1 && id && !e->d_name[end]) {
            if (nids == capids) {
                capids = capids ? capids * 2 : 64;
                ids = xreallocarray(ids, capids, sizeof(*ids));
            }
            ids[nids++] = id;
        } else if (sscanf(e->d_name, "spool-%8u.dat%n", &id, &end) == 1 && id && !e->d_name[end]) {
            if (nleg == capleg) {
                capleg = capleg ? capleg * 2 : 16;
                legacy = xreallocarray(legacy, capleg, sizeof(*legacy));
            }
            legacy[nleg++] = id;
        } else if (strstr(e->d_name, ".dat.tmp")) {   /* an old spool's interrupted rewrite */
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);

    /* The commit: the valid slot with the higher generation. */
    snprintf(path, sizeof(path), "%s/commit", dir);
    if ((s->commit_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
        snprintf(err, errlen, "outputs.kafka.spool-dir: cannot open '%s': %s", path, strerror(errno));
        goto fail;
    }
    uint8_t slot[2][SLOT];
    int have = 0;
    for (int i = 0; i < 2; i++) {
        uint64_t gen, ns[SPOOL_FAMILIES];
        struct spool_commit cc;
        if (pread(s->commit_fd, slot[i], SLOT, (off_t)(i * SLOT)) == SLOT &&
            slot_decode(slot[i], &gen, &cc, ns) == 0 && (!have || gen > s->commit_gen)) {
            have = 1;
            s->commit_gen = gen;
            *c = cc;
            s->last = cc;
            memcpy(s->next_seq, ns, sizeof(ns));
        }
    }

    /* The segments: delivered leftovers go, the rest are scanned. */
    if (nids)
        qsort(ids, nids, sizeof(*ids), cmp_u32);
    s->next_seg = c->pos.seg + 1;
    uint64_t records = 0, bytes = 0;
    for (size_t i = 0; i < nids; i++) {
        seg_path(s, ids[i], path, sizeof(path));
        if (ids[i] < c->pos.seg) {
            unlink(path);
            continue;
        }
        size_t len = 0, off = 0;
        uint8_t *b = read_file(path, &len);
        if (!b)
            continue;
        struct spool_rec r;
        unsigned dmg = 0;
        while (spool_next(b, len, &off, &r, &dmg)) {
            if (r.seq + 1 > s->next_seq[r.family])
                s->next_seq[r.family] = r.seq + 1;
            records++;
        }
        if (off < len)
            dmg++;                      /* a record cut short at the end */
        s->st.damaged += dmg;
        free(b);
        seg_add(s, ids[i])->len = len;
        bytes += len;
        if (ids[i] >= s->next_seg)
            s->next_seg = ids[i] + 1;
    }
    free(ids);
    ids = NULL;
    pthread_mutex_init(&s->mu, NULL);
    if (s->nseg)
        LOG(LVL_NOTICE, "spool %s: %zu segments (%llu bytes, %llu events) from an earlier run; "
            "the undelivered part is sent first", dir, s->nseg, (unsigned long long)bytes,
            (unsigned long long)records);
    if (s->st.damaged)
        LOG(LVL_WARNING, "spool %s: %llu damaged stretch(es) found; the records around them are "
            "kept, the damaged ones are counted as dropped", dir, (unsigned long long)s->st.damaged);
    if (nleg) {
        qsort(legacy, nleg, sizeof(*legacy), cmp_u32);
        for (size_t i = 0; i < nleg; i++) {
            snprintf(path, sizeof(path), "%s/spool-%08u.dat", dir, legacy[i]);
            migrate_legacy(s, path);
        }
        spool_seal(s);
    }
    free(legacy);
    return s;
fail:
    free(ids);
    free(legacy);
    if (s->commit_fd >= 0)
        close(s->commit_fd);
    free(s);
    return NULL;
}

void spool_close(struct spool *s)
{
    if (!s)
        return;
    spool_seal(s);
    spool_sync(s);
    write_commit(s, &s->last);          /* the seq counters as they end */
    for (size_t i = 0; i < s->nseg; i++)
        if (s->segs[i].fd >= 0)
            close(s->segs[i].fd);
    if (s->commit_fd >= 0)
        close(s->commit_fd);
    pthread_mutex_destroy(&s->mu);
    free(s->segs);
    free(s);
}
