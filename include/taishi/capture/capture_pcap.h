/* capture_pcap.h - a fast reader of classic pcap files, behind libpcap.
 *
 * libpcap reads a file record by record through stdio: the kernel copies
 * into the FILE buffer, fread() copies into libpcap's buffer, and each
 * record is a few calls deep. On the offline reader thread that was about
 * a third of its time. This reader pread()s 4 MiB at a time and hands out
 * records in place.
 *
 * It covers only the plain case and lets libpcap do everything else, with
 * the exact same results:
 *   - the file is opened by libpcap first (header checks, link type,
 *     snapshot length, error messages stay libpcap's);
 *   - only a classic pcap file (magic a1b2c3d4 or a1b23c4d, either byte
 *     order, version 2.4) opened as a regular file is read here; pcapng,
 *     stdin (even redirected from a file), pipes and the old variants stay
 *     with libpcap;
 *   - a record it would have to judge (caplen above the snapshot length, a
 *     record cut by the end of the file, a read error) is handed back:
 *     libpcap's FILE is positioned at that record and every later record
 *     of the file comes from pcap_next_ex(), so truncated and corrupt files
 *     give libpcap's packets and libpcap's error.
 * tests/unit/test_capture_pcap.c checks this against libpcap, record by
 * record, on valid, cut and damaged files.
 *
 * Ownership: a struct capture_pcap belongs to the caller, who closes it before
 * pcap_close() of the handle it was opened on; a record's bytes and header
 * are valid until the next call. */
#ifndef TAISHI_CAPTURE_PCAP_H
#define TAISHI_CAPTURE_PCAP_H

#include <pcap/pcap.h>

struct capture_pcap;

/* NULL when the file is not one this reader takes (then use h directly).
 * h must be a libpcap offline handle opened with nanosecond precision,
 * with nothing read from it yet. */
struct capture_pcap *capture_pcap_open(pcap_t *h);
/* pcap_next_ex()'s contract: 1 a record, -2 end of file, -1 an error
 * (pcap_geterr(h) says what). */
int capture_pcap_next(struct capture_pcap *f, struct pcap_pkthdr **hdr, const u_char **data);
void capture_pcap_close(struct capture_pcap *f);

#endif
