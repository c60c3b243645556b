/* test_capture_pcap.c - the fast classic-pcap reader (capture_pcap.c)
 * against libpcap itself, record by record: same timestamps, lengths and
 * bytes, same end (end of file, or an error at the same record with the
 * same message). On every capture in pcaps/ (which the fast reader takes
 * and which it leaves to libpcap), on each of them cut at many lengths,
 * with record headers damaged at random (huge caplen, caplen above the
 * snapshot, odd timestamps), both byte orders and both time precisions.
 * Also checks that the fast path is taken for the plain case. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taishi/capture/capture_pcap.h"
#include "unit.h"

static char tmpl[] = "/tmp/taishi-pcap-XXXXXX";

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz + 1);
    *n = fread(b, 1, (size_t)sz, f);
    fclose(f);
    return b;
}

static void spit(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

static pcap_t *open_nano(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    return pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
}

/* Compares the two readers on the file, one check for the whole file;
 * returns the number of records, or -1 when libpcap does not open it.
 * *fast_used: the fast reader took it. */
static long compare(const char *path, int *fast_used)
{
    pcap_t *a = open_nano(path), *b = open_nano(path);
    long n = 0;
    int ok = 1;

    *fast_used = 0;
    if (!a || !b) {
        if (a) pcap_close(a);
        if (b) pcap_close(b);
        return -1;
    }
    struct capture_pcap *f = capture_pcap_open(b);
    *fast_used = f != NULL;
    for (;;) {
        struct pcap_pkthdr *ha, *hb;
        const u_char *da, *db;
        int ra = pcap_next_ex(a, &ha, &da);
        int rb = f ? capture_pcap_next(f, &hb, &db) : pcap_next_ex(b, &hb, &db);
        if (ra != rb) {
            fprintf(stderr, "%s: record %ld: libpcap %d, fast %d\n", path, n, ra, rb);
            ok = 0;
            break;
        }
        if (ra != 1) {
            if (ra == -1 && strcmp(pcap_geterr(a), pcap_geterr(b))) {
                fprintf(stderr, "%s: libpcap says '%s', fast '%s'\n", path, pcap_geterr(a),
                        pcap_geterr(b));
                ok = 0;
            }
            break;
        }
        int same = ha->ts.tv_sec == hb->ts.tv_sec && ha->ts.tv_usec == hb->ts.tv_usec &&
                   ha->caplen == hb->caplen && ha->len == hb->len &&
                   memcmp(da, db, ha->caplen) == 0;
        if (!same) {
            ok = 0;
            fprintf(stderr, "%s: record %ld differs: ts %lld.%lld/%lld.%lld caplen %u/%u len %u/%u\n",
                    path, n, (long long)ha->ts.tv_sec, (long long)ha->ts.tv_usec,
                    (long long)hb->ts.tv_sec, (long long)hb->ts.tv_usec, ha->caplen, hb->caplen,
                    ha->len, hb->len);
            break;
        }
        n++;
    }
    CHECK(ok);
    capture_pcap_close(f);
    pcap_close(a);
    pcap_close(b);
    return n;
}

static uint32_t rnd(void)
{
    static uint64_t s = 0x9e3779b97f4a7c15ULL;
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    return (uint32_t)s;
}

/* Offsets of the record headers of a classic pcap image (host order known
 * from the magic); at most max of them. */
static size_t records(const uint8_t *b, size_t n, size_t *off, size_t max)
{
    uint32_t m = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    int le = m == 0xa1b2c3d4 || m == 0xa1b23c4d;
    size_t k = 0;
    for (size_t p = 24; p + 16 <= n && k < max;) {
        const uint8_t *c = b + p + 8;
        uint32_t cap = le ? (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24
                          : (uint32_t)c[3] | (uint32_t)c[2] << 8 | (uint32_t)c[1] << 16 | (uint32_t)c[0] << 24;
        off[k++] = p;
        p += 16 + (size_t)cap;
    }
    return k;
}

static void damage_tests(const char *tmp, const uint8_t *img, size_t n)
{
    size_t off[512];
    size_t nr = records(img, n, off, 512);
    uint8_t *b = malloc(n + 1);
    int fast;

    for (int round = 0; round < 60 && nr; round++) {
        memcpy(b, img, n);
        size_t r = off[rnd() % nr];
        uint8_t *h = b + r;
        switch (round % 6) {
        case 0: h[8] = 0xff; h[9] = 0xff; h[10] = 0xff; h[11] = 0x7f; break;  /* huge caplen */
        case 1: h[8] ^= 0x01; h[9] ^= 0x40; break;      /* caplen off: records misaligned */
        case 2: h[0] = h[1] = h[2] = h[3] = 0xff; break;    /* tv_sec -1 */
        case 3: h[4] = h[5] = h[6] = h[7] = 0xff; break;    /* fraction out of range */
        case 4: h[12] = h[13] = h[14] = h[15] = 0; break;   /* len 0 */
        case 5: b[r + (rnd() % 16)] = (uint8_t)rnd(); break;
        }
        spit(tmp, b, n);
        compare(tmp, &fast);
    }
    free(b);
}

int main(void)
{
    char tmp[64];
    int fd = mkstemp(tmpl);
    if (fd >= 0)
        close(fd);
    snprintf(tmp, sizeof(tmp), "%s", tmpl);
    DIR *dir = opendir("pcaps");
    CHECK(dir != NULL);
    struct dirent *e;
    int files = 0, fast_files = 0;
    while (dir && (e = readdir(dir))) {
        const char *nm = e->d_name;
        size_t l = strlen(nm);
        if (l < 6 || (strcmp(nm + l - 5, ".pcap") && strcmp(nm + l - 7 > nm ? nm + l - 7 : nm, ".pcapng")))
            continue;
        char path[512];
        snprintf(path, sizeof(path), "pcaps/%s", nm);
        int fast;
        long n = compare(path, &fast);
        if (n < 0)
            continue;                       /* libpcap refuses it (corrupt-magic) */
        files++;
        fast_files += fast;
        if (!strcmp(nm, "demo.pcap"))
            CHECK(fast);                    /* the plain case takes the fast path */
        if (!strcmp(nm, "fmt-pcapng.pcapng"))
            CHECK(!fast);
        size_t sz;
        uint8_t *img = slurp(path, &sz);
        if (!img)
            continue;
        /* cut at many lengths: inside headers, inside data, on boundaries */
        for (size_t cut = 24; cut < sz; cut += 1 + sz / 40) {
            spit(tmp, img, cut);
            compare(tmp, &fast);
            spit(tmp, img, cut + (cut + 7 < sz ? 7 : 0));
            compare(tmp, &fast);
        }
        if (fast)
            damage_tests(tmp, img, sz);
        free(img);
    }
    if (dir)
        closedir(dir);
    CHECK(files >= 20);
    CHECK(fast_files >= 10);
    CHECK(fast_files < files);              /* pcapng stays with libpcap */
    unlink(tmp);
    return unit_done("capture_pcap");
}
