/* test_spool.c - the write-ahead log under the Kafka output: records come
 * back in order with their seqs; seqs go on across a reopen (also when
 * every segment is gone); a commit deletes the segments it passed; the
 * bound drops the oldest segments; a damaged record or a record cut short
 * is skipped and counted while the others are read; the reader never reads
 * outside its buffer (guard page); an older spool's segments are moved in. */
#include <dirent.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "taishi/output/spool.h"
#include "unit.h"

static char dir[64];

static void rm_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

static unsigned count_files(const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned n = 0;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, prefix, strlen(prefix)))
            n++;
    if (d)
        closedir(d);
    return n;
}

/* One chunk of n records "fam:i" of family fam; returns its length. */
static size_t build(uint8_t *buf, uint8_t fam, unsigned first, unsigned n)
{
    size_t o = 0;
    for (unsigned i = 0; i < n; i++) {
        char p[32];
        int len = snprintf(p, sizeof(p), "%u:%u", fam, first + i);
        memcpy(buf + o + SPOOL_HDR, p, (size_t)len);
        spool_rec_start(buf + o, fam, 1000 + first + i, (uint32_t)len, 1);
        o += SPOOL_HDR + (size_t)len;
    }
    return o;
}

static struct spool_wpos last_w;
static void keep_w(void *arg, const struct spool_wpos *w) { (void)arg; last_w = *w; }

/* Reads the whole log from pos; each record as "fam:payload@seq" into out. */
static unsigned read_all(struct spool *s, struct spool_pos pos, char out[][40], unsigned max,
                         unsigned *damaged)
{
    unsigned n = 0;
    for (;;) {
        size_t len, off = 0;
        int seg_end;
        uint8_t *b = spool_read(s, &pos, 16, 1 << 20, &len, &seg_end);
        if (!b)
            break;
        struct spool_rec r;
        while (spool_next(b + 16, len, &off, &r, damaged)) {
            if (n < max)
                snprintf(out[n], 40, "%u:%.*s@%llu", r.family, (int)r.len, (const char *)r.payload,
                         (unsigned long long)r.seq);
            n++;
        }
        if (seg_end && off < len)
            (*damaged)++;
        pos.off += (uint32_t)off;
        if (seg_end)
            pos = (struct spool_pos){ pos.seg + 1, 0 };
        free(b);
    }
    return n;
}

int main(void)
{
    char err[256], got[512][40];
    uint8_t buf[65536];
    struct spool_commit c;
    struct spool_stats st;
    unsigned dmg = 0;

    snprintf(dir, sizeof(dir), "/tmp/taishi-spool-test-%d", (int)getpid());
    rm_dir();

    /* 1. appends, seqs per family, read back in order */
    struct spool *s = spool_open(dir, 1 << 20, &c, err, sizeof(err));
    CHECK(s != NULL);
    CHECK_EQ_U(c.pos.seg, 0);
    size_t n = build(buf, 1, 0, 3);
    CHECK(spool_append(s, buf, n, 1, keep_w, NULL) == 0);
    CHECK_EQ_U(last_w.start.seg, 1);
    CHECK_EQ_U(last_w.start.off, 0);
    CHECK_EQ_U(last_w.end.off, n);
    n = build(buf, 2, 0, 2);
    CHECK(spool_append(s, buf, n, 1, keep_w, NULL) == 0);
    CHECK_EQ_U(last_w.prev.seg, 1);
    n = build(buf, 1, 3, 2);
    CHECK(spool_append(s, buf, n, 0, keep_w, NULL) == -1);   /* memory only: numbered, not written */
    CHECK_EQ_U(last_w.start.seg, 0);
    unsigned k = read_all(s, (struct spool_pos){ 0, 0 }, got, 512, &dmg);
    CHECK_EQ_U(k, 5);
    CHECK_STR(got[0], "1:1:0@0");
    CHECK_STR(got[2], "1:1:2@2");
    CHECK_STR(got[3], "2:2:0@0");
    CHECK_STR(got[4], "2:2:1@1");
    CHECK_EQ_U(dmg, 0);
    spool_sync(s);
    spool_close(s);

    /* 2. reopen: seqs go on (family 1 had 5 numbered, 3 of them written:
     * the close wrote the counters, so the next is 5) */
    s = spool_open(dir, 1 << 20, &c, err, sizeof(err));
    CHECK(s != NULL);
    n = build(buf, 1, 10, 1);
    spool_append(s, buf, n, 1, keep_w, NULL);
    CHECK_EQ_U(last_w.start.seg, 2);                        /* a new segment after a restart */
    k = read_all(s, (struct spool_pos){ 0, 0 }, got, 512, &dmg);
    CHECK_EQ_U(k, 6);
    CHECK_STR(got[5], "1:1:10@5");
    /* a commit past segment 1 deletes it and keeps the counters */
    memset(&c, 0, sizeof(c));
    c.pos = (struct spool_pos){ 2, 0 };
    c.expected[1] = 6;
    c.expected[2] = 2;
    spool_commit(s, &c);
    CHECK_EQ_U(count_files("wal-"), 1);
    n = build(buf, 1, 11, 1);
    spool_append(s, buf, n, 0, NULL, NULL);                 /* seq 6, memory only */
    spool_close(s);
    s = spool_open(dir, 1 << 20, &c, err, sizeof(err));
    CHECK_EQ_U(c.pos.seg, 2);
    CHECK_EQ_U(c.expected[1], 6);
    n = build(buf, 1, 12, 1);
    spool_append(s, buf, n, 1, NULL, NULL);
    k = read_all(s, c.pos, got, 512, &dmg);
    CHECK_EQ_U(k, 2);
    CHECK_STR(got[1], "1:1:12@7");                          /* 6 went from memory: next is 7 */
    spool_close(s);
    rm_dir();

    /* 3. the bound: segments of 8 KiB (spool-max 64 KiB), 40 chunks of
     * about 2.5 KiB: the oldest are dropped, the rest read in order */
    s = spool_open(dir, 64 << 10, &c, err, sizeof(err));
    unsigned dropped_segs = 0;
    for (unsigned i = 0; i < 40; i++) {
        n = build(buf, 0, i * 60, 60);
        spool_append(s, buf, n, 1, NULL, NULL);
        dropped_segs += spool_enforce(s);
    }
    spool_stats(s, &st);
    CHECK(dropped_segs > 0);
    CHECK_EQ_U(st.segments_dropped, dropped_segs);
    CHECK(st.bytes <= (64 << 10));
    k = read_all(s, (struct spool_pos){ 0, 0 }, got, 512, &dmg);
    CHECK(k > 0 && k < 40 * 60);
    unsigned first_seq = 0;
    sscanf(strrchr(got[0], '@') + 1, "%u", &first_seq);
    CHECK_EQ_U(first_seq + k, 40 * 60);                      /* the newest are all there */
    spool_close(s);
    s = spool_open(dir, 64 << 10, &c, err, sizeof(err));    /* counters survive the drops */
    n = build(buf, 0, 0, 1);
    spool_append(s, buf, n, 1, keep_w, NULL);
    k = read_all(s, last_w.start, got, 512, &dmg);
    CHECK_STR(got[0], "0:0:0@2400");
    spool_close(s);
    rm_dir();

    /* 4. damage: a flipped byte in the middle record, a cut last record */
    s = spool_open(dir, 1 << 20, &c, err, sizeof(err));
    n = build(buf, 3, 0, 5);
    spool_append(s, buf, n, 1, keep_w, NULL);
    spool_close(s);
    char path[600];
    snprintf(path, sizeof(path), "%s/wal-00000001.log", dir);
    int fd = open(path, O_RDWR);
    size_t rec = n / 5;                                     /* records of equal size */
    CHECK(pwrite(fd, "\xff", 1, (off_t)(2 * rec + SPOOL_HDR)) == 1);
    CHECK(ftruncate(fd, (off_t)(n - 3)) == 0);
    close(fd);
    s = spool_open(dir, 1 << 20, &c, err, sizeof(err));
    spool_stats(s, &st);
    CHECK_EQ_U(st.damaged, 2);
    dmg = 0;
    k = read_all(s, (struct spool_pos){ 0, 0 }, got, 512, &dmg);
    CHECK_EQ_U(k, 3);
    CHECK_EQ_U(dmg, 2);
    CHECK_STR(got[2], "3:3:3@3");
    spool_close(s);
    rm_dir();

    /* 5. the reader on every cut of a segment, against a guard page */
    n = build(buf, 4, 0, 4);
    for (unsigned i = 0; i < 4; i++)
        spool_rec_finish(buf + i * rec, i);             /* what spool_append does */
    struct guard_region g;
    guard_region_init(&g, 4096);
    for (size_t cut = 0; cut <= n; cut++) {
        const uint8_t *p = guard_place(&g, buf, cut);
        size_t off = 0;
        unsigned d = 0, recs = 0;
        struct spool_rec r;
        while (spool_next(p, cut, &off, &r, &d))
            recs++;
        CHECK(recs == cut / rec);
        CHECK(d == 0 && off <= cut);
    }
    guard_region_fini(&g);

    /* 6. an older spool (spool-N.dat, "TSP1") is moved into the log */
    CHECK(mkdir(dir, 0750) == 0);
    snprintf(path, sizeof(path), "%s/spool-00000007.dat", dir);
    FILE *f = fopen(path, "wb");
    for (unsigned i = 0; i < 3; i++) {
        char p[16];
        uint8_t h[21], fam = 5;
        uint64_t key = 42 + i;
        uint32_t len = (uint32_t)snprintf(p, sizeof(p), "old%u", i);
        uint32_t crc = (uint32_t)crc32(0, &fam, 1);
        crc = (uint32_t)crc32(crc, (const Bytef *)&key, 8);
        crc = (uint32_t)crc32(crc, (const Bytef *)p, len);
        uint32_t v[3] = { 0x54535031u, len, crc };
        memcpy(h, v, 12);
        h[12] = fam;
        memcpy(h + 13, &key, 8);
        fwrite(h, 1, 21, f);
        fwrite(p, 1, len, f);
    }
    fclose(f);
    s = spool_open(dir, 1 << 20, &c, err, sizeof(err));
    CHECK_EQ_U(count_files("spool-"), 0);
    k = read_all(s, (struct spool_pos){ 0, 0 }, got, 512, &dmg);
    CHECK_EQ_U(k, 3);
    CHECK_STR(got[0], "5:old0@0");
    CHECK_STR(got[2], "5:old2@2");
    spool_close(s);
    rm_dir();

    /* 7. an unusable directory is refused with its name */
    CHECK(spool_open("/proc/taishi-no-such/spool", 1 << 20, &c, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "spool-dir") != NULL);
    return unit_done("spool");
}
