/* fuzz_pcapfile.c - the fast classic-pcap reader (capture_pcap.c) against
 * libpcap on one hostile capture file per input.
 *
 * Input: the bytes of a capture file. They go into a memfd, which both
 * readers open separately (their own FILE and offset): libpcap alone, and
 * capture_pcap_open() on a second libpcap handle (which falls back to libpcap
 * for what it does not take). Invariants (abort() when violated): both
 * open or both refuse; record by record the same return code, timestamp,
 * caplen, len and bytes; an error ends both with the same message; the
 * fast reader never reads past a record (ASan) and never loops (at most
 * one record per 16 input bytes). */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "taishi/capture/capture_pcap.h"
#include "fuzz_helpers.h"

static pcap_t *open_fd(int fd)
{
    char path[64], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    pcap_t *h = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!h)
        fclose(f);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("pcap", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    pcap_t *a = open_fd(fd), *b = open_fd(fd);
    FUZZ_ASSERT(!a == !b);
    if (!a || !b) {
        if (a) pcap_close(a);
        if (b) pcap_close(b);
        close(fd);
        return 0;
    }
    struct capture_pcap *f = capture_pcap_open(b);
    size_t n = 0;
    for (;;) {
        struct pcap_pkthdr *ha, *hb;
        const u_char *da, *db;
        int ra = pcap_next_ex(a, &ha, &da);
        int rb = f ? capture_pcap_next(f, &hb, &db) : pcap_next_ex(b, &hb, &db);
        FUZZ_ASSERT(ra == rb);
        if (ra != 1) {
            if (ra == -1)
                FUZZ_ASSERT(strcmp(pcap_geterr(a), pcap_geterr(b)) == 0);
            break;
        }
        FUZZ_ASSERT(ha->ts.tv_sec == hb->ts.tv_sec && ha->ts.tv_usec == hb->ts.tv_usec);
        FUZZ_ASSERT(ha->caplen == hb->caplen && ha->len == hb->len);
        FUZZ_ASSERT(memcmp(da, db, ha->caplen) == 0);
        FUZZ_ASSERT(++n <= size / 16 + 1);
    }
    capture_pcap_close(f);
    pcap_close(a);
    pcap_close(b);
    close(fd);
    return 0;
}
