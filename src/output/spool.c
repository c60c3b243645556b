/* spool.c - see spool.h for the format and the guarantees.
 *
 * Two locks: `mu` guards the memory buffer `fill` (appends only copy into
 * it), `io` guards the segment files. spool_flush swaps `fill` for the empty
 * `spare` under `mu`, releases it, and writes and fsyncs under `io` only, so
 * a worker that spools never waits for the disk (unless `fill` reaches its
 * cap before the output thread comes by; then it writes itself). Lock order
 * is mu then io. Segments rotate at SEGMENT_MAX bytes; replay takes the
 * oldest. */
#include <dirent.h>
#include <stdatomic.h>
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

#define MAGIC        0x54535031u        /* "TSP1" */
#define HDR          21u                /* magic, length, crc, family, key */
#define SEGMENT_MAX  (16u << 20)
#define FILL_MAX     (32u << 20)
#define RECORD_MAX   (1u << 20)

struct spool {
    pthread_mutex_t mu, io;
    char dir[512];
    uint64_t max_bytes;
    _Atomic uint64_t disk_bytes;        /* in segment files */
    uint32_t first_seg, next_seg;       /* segments [first_seg, next_seg) may exist */
    int active_fd;                      /* segment being written, or -1 */
    uint32_t active_seg;
    uint64_t active_bytes;
    char *fill, *spare;
    size_t fill_len;
    struct spool_stats st;
    int warned_full;
    /* replay */
    uint32_t replay_seg;
    char *rbuf;
    size_t rlen, rpos;
    size_t *roff;                       /* offset of each record handed out */
    size_t nrec, caprec;
};

static void seg_path(const struct spool *s, uint32_t seg, char *out, size_t len)
{
    snprintf(out, len, "%s/spool-%08u.dat", s->dir, seg);
}

struct spool *spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen)
{
    struct spool *s = xcalloc(1, sizeof(*s));
    struct stat sb;
    DIR *d;
    struct dirent *e;

    if (strlen(dir) >= sizeof(s->dir) - 32) {
        snprintf(err, errlen, "outputs.kafka.spool-dir: path too long");
        free(s);
        return NULL;
    }
    if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "outputs.kafka.spool-dir: cannot create '%s': %s", dir, strerror(errno));
        free(s);
        return NULL;
    }
    if (!(d = opendir(dir)) || access(dir, W_OK) < 0) {
        snprintf(err, errlen, "outputs.kafka.spool-dir: cannot use '%s': %s", dir, strerror(errno));
        if (d)
            closedir(d);
        free(s);
        return NULL;
    }
    strcpy(s->dir, dir);
    s->max_bytes = max_bytes;
    s->first_seg = UINT32_MAX;
    s->next_seg = 1;
    while ((e = readdir(d))) {
        unsigned seg;
        int end = 0;
        char path[600];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (sscanf(e->d_name, "spool-%8u.dat%n", &seg, &end) != 1 || seg == 0 ||
            e->d_name[end] != 0) {
            if (strstr(e->d_name, ".dat.tmp"))  /* a rewrite a crash interrupted */
                unlink(path);
            continue;
        }
        if (stat(path, &sb) == 0) {
            s->disk_bytes += (uint64_t)sb.st_size;
            s->st.segments++;
        }
        if (seg < s->first_seg)
            s->first_seg = seg;
        if (seg >= s->next_seg)
            s->next_seg = seg + 1;
    }
    closedir(d);
    if (s->first_seg == UINT32_MAX)
        s->first_seg = s->next_seg;
    s->active_fd = -1;
    s->fill = xmalloc(FILL_MAX);
    s->spare = xmalloc(FILL_MAX);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->io, NULL);
    if (s->st.segments)
        LOG(LVL_NOTICE, "spool %s: %llu segments (%llu bytes) from an earlier run to replay", dir,
            (unsigned long long)s->st.segments, (unsigned long long)s->disk_bytes);
    return s;
}

/* Writes buf to the active segment (opening or rotating it). Caller holds
 * no lock on the buffer it passes (it owns it); segment state is the output
 * thread's, or the mutex holder's when a worker writes for itself. */
static void write_out(struct spool *s, const char *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        if (s->active_fd < 0 || s->active_bytes >= SEGMENT_MAX) {
            char path[600];
            if (s->active_fd >= 0) {
                fsync(s->active_fd);
                close(s->active_fd);
            }
            s->active_seg = s->next_seg++;
            seg_path(s, s->active_seg, path, sizeof(path));
            s->active_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
            s->active_bytes = 0;
            s->st.segments++;
            if (s->active_fd < 0) {
                LOG(LVL_ERROR, "spool: cannot create %s: %s", path, strerror(errno));
                return;
            }
        }
        /* Whole records per segment: find how much fits before SEGMENT_MAX. */
        size_t take = 0;
        while (off + take < len) {
            uint32_t plen = rd32le((const uint8_t *)buf + off + take + 4);
            if (take && s->active_bytes + take + HDR + plen > SEGMENT_MAX)
                break;
            take += HDR + plen;
        }
        ssize_t w = write(s->active_fd, buf + off, take);
        if (w != (ssize_t)take) {
            LOG(LVL_ERROR, "spool: write failed: %s", w < 0 ? strerror(errno) : "short write");
            return;
        }
        s->active_bytes += take;
        s->disk_bytes += take;
        off += take;
    }
}

int spool_append(struct spool *s, uint8_t family, uint64_t key, const void *payload, size_t len)
{
    uint8_t hdr[HDR];

    if (len > RECORD_MAX)
        len = RECORD_MAX;
    pthread_mutex_lock(&s->mu);
    if (s->disk_bytes + s->fill_len + HDR + len > s->max_bytes) {
        s->st.dropped++;
        if (!s->warned_full++)
            LOG(LVL_ERROR, "spool %s is full (%llu bytes): events are being dropped and counted",
                s->dir, (unsigned long long)s->max_bytes);
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    if (s->fill_len + HDR + len > FILL_MAX) {   /* the output thread is late: write now */
        pthread_mutex_lock(&s->io);
        write_out(s, s->fill, s->fill_len);
        pthread_mutex_unlock(&s->io);
        s->fill_len = 0;
    }
    uint32_t crc = (uint32_t)crc32(0, &family, 1);
    crc = (uint32_t)crc32(crc, (const Bytef *)&key, 8);
    crc = (uint32_t)crc32(crc, payload, (uInt)len);
    uint32_t v[3] = { MAGIC, (uint32_t)len, crc };
    memcpy(hdr, v, 12);                     /* little-endian host, as the reader expects */
    hdr[12] = family;
    memcpy(hdr + 13, &key, 8);
    memcpy(s->fill + s->fill_len, hdr, HDR);
    memcpy(s->fill + s->fill_len + HDR, payload, len);
    s->fill_len += HDR + len;
    s->st.appended++;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

void spool_flush(struct spool *s)
{
    pthread_mutex_lock(&s->mu);
    char *buf = s->fill;
    size_t len = s->fill_len;
    s->fill = s->spare;
    s->fill_len = 0;
    s->spare = buf;
    pthread_mutex_lock(&s->io);             /* before mu is released: keeps the order of records */
    pthread_mutex_unlock(&s->mu);
    if (len) {
        write_out(s, buf, len);
        if (s->active_fd >= 0)
            fsync(s->active_fd);
    }
    pthread_mutex_unlock(&s->io);
}

int spool_nonempty(struct spool *s)
{
    pthread_mutex_lock(&s->mu);
    int r = s->fill_len > 0 || s->disk_bytes > 0;
    pthread_mutex_unlock(&s->mu);
    return r;
}

uint32_t spool_replay_open(struct spool *s)
{
    char path[600];

    spool_flush(s);
    pthread_mutex_lock(&s->io);
    while (s->first_seg < s->next_seg) {
        uint32_t seg = s->first_seg;
        if (seg == s->active_seg && s->active_fd >= 0) {   /* only the live one left: close it */
            fsync(s->active_fd);
            close(s->active_fd);
            s->active_fd = -1;
        }
        seg_path(s, seg, path, sizeof(path));
        FILE *f = fopen(path, "rb");
        if (!f) {                           /* a gap in the numbering */
            s->first_seg++;
            continue;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        free(s->rbuf);
        s->rbuf = xmalloc(n > 0 ? (size_t)n : 1);
        s->rlen = n > 0 ? fread(s->rbuf, 1, (size_t)n, f) : 0;
        s->rpos = 0;
        s->nrec = 0;
        fclose(f);
        s->replay_seg = seg;
        pthread_mutex_unlock(&s->io);
        return seg;
    }
    pthread_mutex_unlock(&s->io);
    return 0;
}

int spool_replay_next(struct spool *s, uint8_t *family, uint64_t *key, const void **payload,
                      size_t *len)
{
    const uint8_t *p = (const uint8_t *)s->rbuf + s->rpos;
    size_t left = s->rlen - s->rpos;

    if (left < HDR || rd32le(p) != MAGIC)
        return 0;
    uint32_t plen = rd32le(p + 4), crc = rd32le(p + 8);
    if (plen > RECORD_MAX || left - HDR < plen)
        return 0;                           /* cut short by a crash: the segment ends here */
    uint32_t c = (uint32_t)crc32(0, p + 12, 1);
    c = (uint32_t)crc32(c, p + 13, 8);
    c = (uint32_t)crc32(c, p + HDR, plen);
    if (c != crc)
        return 0;
    if (s->nrec == s->caprec) {
        s->caprec = s->caprec ? s->caprec * 2 : 1024;
        s->roff = xreallocarray(s->roff, s->caprec, sizeof(*s->roff));
    }
    s->roff[s->nrec++] = s->rpos;
    *family = p[12];
    memcpy(key, p + 13, 8);
    *payload = p + HDR;
    *len = plen;
    s->rpos += HDR + plen;
    return 1;
}

void spool_replay_close(struct spool *s, const uint8_t *delivered)
{
    char path[600], tmp[640];
    struct stat sb;
    size_t keep = 0;

    pthread_mutex_lock(&s->io);
    if (s->replay_seg) {
        seg_path(s, s->replay_seg, path, sizeof(path));
        for (size_t i = 0; i < s->nrec; i++)
            keep += !delivered[i];
        uint64_t old = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
        if (keep == 0) {
            unlink(path);
            s->st.segments--;
            if (s->replay_seg == s->first_seg)
                s->first_seg++;
            atomic_fetch_sub(&s->disk_bytes, MIN(old, (uint64_t)s->disk_bytes));
        } else if (keep < s->nrec) {
            /* Keep only what was not delivered, so the next replay does not
             * send the rest twice: write it aside, fsync, rename over. */
            snprintf(tmp, sizeof(tmp), "%s.tmp", path);
            FILE *f = fopen(tmp, "wb");
            uint64_t bytes = 0;
            int okw = f != NULL;
            for (size_t i = 0; okw && i < s->nrec; i++) {
                if (delivered[i])
                    continue;
                const uint8_t *r = (const uint8_t *)s->rbuf + s->roff[i];
                size_t n = HDR + rd32le(r + 4);
                okw = fwrite(r, 1, n, f) == n;
                bytes += n;
            }
            if (f && (fflush(f) != 0 || fsync(fileno(f)) != 0))
                okw = 0;
            if (f)
                fclose(f);
            if (okw && rename(tmp, path) == 0)
                atomic_fetch_sub(&s->disk_bytes, MIN(old - MIN(bytes, old), (uint64_t)s->disk_bytes));
            else
                unlink(tmp);                /* keep the whole segment: duplicates, not losses */
        }
    }
    s->replay_seg = 0;
    free(s->rbuf);
    s->rbuf = NULL;
    s->rlen = s->rpos = 0;
    s->nrec = 0;
    pthread_mutex_unlock(&s->io);
}

void spool_stats(struct spool *s, struct spool_stats *st)
{
    pthread_mutex_lock(&s->mu);
    pthread_mutex_lock(&s->io);
    *st = s->st;
    st->bytes = s->disk_bytes + s->fill_len;
    pthread_mutex_unlock(&s->io);
    pthread_mutex_unlock(&s->mu);
}

void spool_close(struct spool *s)
{
    if (!s)
        return;
    spool_flush(s);
    if (s->active_fd >= 0)
        close(s->active_fd);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->io);
    free(s->fill);
    free(s->spare);
    free(s->rbuf);
    free(s->roff);
    free(s);
}
