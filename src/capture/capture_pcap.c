/* capture_pcap.c - a fast reader of classic pcap files (capture_pcap.h).
 *
 * The buffer holds file bytes [base, base + len); records are parsed in
 * place from pos. When the next record is not whole in the buffer, the
 * unread tail moves to the front and pread() fills the rest. The record
 * header fields are read byte by byte in the file's own byte order, so
 * nothing depends on alignment or on the host's byte order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "taishi/capture/capture_pcap.h"
#include "taishi/core/util.h"

#define CAPTURE_PCAP_BUF (4u << 20)
#define PCAP_FILE_HDR    24u
#define PCAP_REC_HDR     16u

struct capture_pcap {
    pcap_t *h;
    int fd;
    int big_endian;             /* the file's byte order */
    int nsec;                   /* timestamps in ns (magic a1b23c4d), else us */
    int handed;                 /* libpcap reads the rest of the file */
    int eof;                    /* pread() returned 0 */
    uint32_t snap;              /* libpcap's snapshot length for the file */
    uint8_t *buf;               /* CAPTURE_PCAP_BUF bytes, allocated on the first read */
    size_t len, pos;
    off_t base;                 /* file offset of buf[0] */
    struct pcap_pkthdr hdr;
};

static int host_big_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 0;
}

static uint32_t rd32_order(const uint8_t *p, int big)
{
    return big ? rd32(p) : rd32le(p);
}

struct capture_pcap *capture_pcap_open(pcap_t *h)
{
    FILE *fp = pcap_file(h);
    struct stat st;
    uint8_t fh[PCAP_FILE_HDR];
    int fd = fp ? fileno(fp) : -1;

    if (fd < 0 || fp == stdin || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return NULL;
    if (pread(fd, fh, sizeof(fh), 0) != (ssize_t)sizeof(fh))
        return NULL;
    uint32_t be = rd32(fh), le = rd32le(fh);
    int big, nsec;
    if (be == 0xa1b2c3d4 || be == 0xa1b23c4d) {
        big = 1;
        nsec = be == 0xa1b23c4d;
    } else if (le == 0xa1b2c3d4 || le == 0xa1b23c4d) {
        big = 0;
        nsec = le == 0xa1b23c4d;
    } else {
        return NULL;                        /* pcapng or a variant: libpcap's */
    }
    uint16_t major = big ? rd16(fh + 4) : rd16le(fh + 4);
    uint16_t minor = big ? rd16(fh + 6) : rd16le(fh + 6);
    if (major != 2 || minor != 4 || pcap_snapshot(h) <= 0)
        return NULL;
    struct capture_pcap *f = xcalloc(1, sizeof(*f));
    f->h = h;
    f->fd = fd;
    f->big_endian = big;
    f->nsec = nsec;
    f->snap = (uint32_t)pcap_snapshot(h);
    f->base = PCAP_FILE_HDR;
    return f;
}

void capture_pcap_close(struct capture_pcap *f)
{
    if (!f)
        return;
    free(f->buf);
    free(f);
}

/* libpcap takes over at file offset off (a record's start). */
static int hand_over(struct capture_pcap *f, off_t off, struct pcap_pkthdr **hdr,
                     const u_char **data)
{
    free(f->buf);
    f->buf = NULL;
    f->handed = 1;
    if (fseeko(pcap_file(f->h), off, SEEK_SET) < 0) {
        snprintf(pcap_geterr(f->h), PCAP_ERRBUF_SIZE, "cannot seek to offset %lld: %s",
                 (long long)off, strerror(errno));
        return -1;
    }
    return pcap_next_ex(f->h, hdr, data);
}

/* Moves the unread bytes to the front and reads more; 0 on end of file. */
static ssize_t refill(struct capture_pcap *f)
{
    size_t keep = f->len - f->pos;

    if (!f->buf)
        f->buf = xmalloc(CAPTURE_PCAP_BUF);
    else if (keep && f->pos)
        memmove(f->buf, f->buf + f->pos, keep);
    f->base += (off_t)f->pos;
    f->pos = 0;
    f->len = keep;
    ssize_t n;
    do
        n = pread(f->fd, f->buf + f->len, CAPTURE_PCAP_BUF - f->len, f->base + (off_t)f->len);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        f->len += (size_t)n;
    return n;
}

int capture_pcap_next(struct capture_pcap *f, struct pcap_pkthdr **hdr, const u_char **data)
{
    if (f->handed)
        return pcap_next_ex(f->h, hdr, data);
    for (;;) {
        size_t avail = f->len - f->pos;
        if (avail >= PCAP_REC_HDR) {
            const uint8_t *r = f->buf + f->pos;
            uint32_t caplen = rd32_order(r + 8, f->big_endian);
            if (caplen > f->snap)           /* libpcap's rules for those */
                return hand_over(f, f->base + (off_t)f->pos, hdr, data);
            if (avail - PCAP_REC_HDR >= caplen) {
                uint32_t frac = rd32_order(r + 4, f->big_endian);
                uint32_t sec = rd32_order(r, f->big_endian);
                /* libpcap 1.10 reads the time fields as signed 32-bit in a
                 * file of the host's byte order and, through its byte swap,
                 * as unsigned in the other; us are scaled up to ns as it
                 * does for a nano handle. Same values here. */
                if (f->big_endian == host_big_endian()) {
                    f->hdr.ts.tv_sec = (time_t)(int32_t)sec;
                    f->hdr.ts.tv_usec = (suseconds_t)(int32_t)frac;
                } else {
                    f->hdr.ts.tv_sec = (time_t)sec;
                    f->hdr.ts.tv_usec = (suseconds_t)frac;
                }
                if (!f->nsec)
                    f->hdr.ts.tv_usec *= 1000;
                f->hdr.caplen = caplen;
                f->hdr.len = rd32_order(r + 12, f->big_endian);
                *hdr = &f->hdr;
                *data = r + PCAP_REC_HDR;
                f->pos += PCAP_REC_HDR + caplen;
                return 1;
            }
        }
        if (f->eof || refill(f) <= 0) {
            f->eof = 1;
            if (f->len == f->pos) {         /* clean end of file */
                free(f->buf);
                f->buf = NULL;
                return -2;
            }
            /* a cut record, or a read error: libpcap reports it */
            return hand_over(f, f->base + (off_t)f->pos, hdr, data);
        }
    }
}
