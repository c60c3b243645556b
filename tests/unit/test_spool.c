/* test_spool.c - the Kafka spool: records survive a reopen in order, a
 * partly delivered segment keeps exactly the undelivered records, a record
 * cut short by a crash ends the segment cleanly, a full spool drops and
 * counts, and stale rewrite files are cleaned up. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static unsigned count_files(const char *suffix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned n = 0;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, suffix))
            n++;
    if (d)
        closedir(d);
    return n;
}

/* Replays everything, marking delivered what `keep_fn` says; returns records seen. */
static unsigned replay_all(struct spool *s, char out[][32], unsigned max, int (*deliver)(unsigned))
{
    unsigned n = 0;
    uint32_t seg;
    while ((seg = spool_replay_open(s)) != 0) {
        uint8_t fam, ok[4096];
        uint64_t key;
        const void *p;
        size_t len, i = 0;
        while (spool_replay_next(s, &fam, &key, &p, &len)) {
            ok[i] = (uint8_t)(deliver ? deliver(n) : 1);
            if (n < max) {
                snprintf(out[n], 32, "%u:%llu:%.*s", fam, (unsigned long long)key, (int)len, (const char *)p);
            }
            n++;
            i++;
        }
        spool_replay_close(s, ok);
        if (deliver)                        /* one pass only when some fail */
            break;
    }
    return n;
}

static int odd_fails(unsigned i) { return i % 2 == 0; }   /* 1 = delivered: the odd ones fail */

int main(void)
{
    char err[256], got[64][32];
    struct spool_stats st;

    snprintf(dir, sizeof(dir), "/tmp/taishi-spool-test-%d", (int)getpid());
    rm_dir();
    struct spool *s = spool_open(dir, 1 << 20, err, sizeof(err));
    CHECK(s != NULL);
    CHECK(!spool_nonempty(s));
    for (unsigned i = 0; i < 10; i++) {
        char msg[16];
        int n = snprintf(msg, sizeof(msg), "ev%u", i);
        CHECK_EQ_U(spool_append(s, (uint8_t)(i % 3), 1000 + i, msg, (size_t)n), 0);
    }
    CHECK(spool_nonempty(s));
    spool_close(s);                          /* flushes: the records are on disk */
    CHECK_EQ_U(count_files(".dat"), 1);

    /* A new run finds them; half of them fail: exactly those stay. */
    s = spool_open(dir, 1 << 20, err, sizeof(err));
    CHECK(s != NULL && spool_nonempty(s));
    CHECK_EQ_U(replay_all(s, got, 64, odd_fails), 10);
    CHECK_STR(got[0], "0:1000:ev0");
    CHECK_STR(got[9], "0:1009:ev9");
    CHECK(spool_nonempty(s));
    CHECK_EQ_U(count_files(".tmp"), 0);
    CHECK_EQ_U(replay_all(s, got, 64, NULL), 5);   /* only the 5 undelivered, in order */
    CHECK_STR(got[0], "1:1001:ev1");
    CHECK_STR(got[1], "0:1003:ev3");
    CHECK_STR(got[4], "0:1009:ev9");
    CHECK(!spool_nonempty(s));
    CHECK_EQ_U(count_files(".dat"), 0);

    /* A record cut short (crash mid-write) ends its segment; the rest replays. */
    CHECK_EQ_U(spool_append(s, 1, 7, "whole", 5), 0);
    CHECK_EQ_U(spool_append(s, 1, 8, "cut-short-record", 16), 0);
    spool_close(s);
    char path[256];
    snprintf(path, sizeof(path), "%s/spool-00000002.dat", dir);
    CHECK_EQ_U(count_files(".dat"), 1);
    CHECK(truncate(path, 21 + 5 + 21 + 4) == 0);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    snprintf(path, sizeof(path), "%s/spool-00000009.dat.tmp", dir);   /* stale rewrite */
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    s = spool_open(dir, 1 << 20, err, sizeof(err));
    CHECK(s != NULL);
    CHECK_EQ_U(count_files(".tmp"), 0);
    CHECK_EQ_U(replay_all(s, got, 64, NULL), 1);
    CHECK_STR(got[0], "1:7:whole");
    CHECK(!spool_nonempty(s));
    spool_close(s);

    /* Full: what does not fit is dropped and counted, what fits is kept. */
    s = spool_open(dir, 1 << 16, err, sizeof(err));
    char big[4096];
    memset(big, 'x', sizeof(big));
    unsigned kept = 0, dropped = 0;
    for (int i = 0; i < 40; i++)
        spool_append(s, 0, 1, big, sizeof(big)) == 0 ? kept++ : dropped++;
    spool_stats(s, &st);
    CHECK(dropped > 0 && kept > 0);
    CHECK_EQ_U(st.dropped, dropped);
    CHECK(st.bytes <= 1 << 16);
    CHECK_EQ_U(replay_all(s, NULL, 0, NULL), kept);
    spool_close(s);

    /* An unusable directory refuses to open, naming the key. */
    CHECK(spool_open("/proc/taishi-no-such/spool", 1 << 20, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "outputs.kafka.spool-dir") != NULL);
    rm_dir();
    return unit_done("spool");
}
