/* app_quic_internal.h - what the QUIC parser's files share: app_quic.c
 * (packets, Initial decryption, the TLS hellos, the event) calls
 * app_quic_gquic.c (Google QUIC: its headers' versions, the frames of its
 * clear or Q050-opened packets, the CHLO tag tables, CYU), never the other
 * way round.
 *
 * Ownership: a gquic_out belongs to one quic_state (one UDP flow of one
 * worker); its text buffer is accounted in app_stats like every parser
 * buffer. */
#ifndef TAISHI_APP_QUIC_INTERNAL_H
#define TAISHI_APP_QUIC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "app_buf.h"

/* A variable-length integer (RFC 9000 16) at *o of p[0..end); -1 past end. */
static inline int quic_varint(const uint8_t *p, size_t end, size_t *o, uint64_t *v)
{
    if (*o >= end)
        return -1;
    size_t n = (size_t)1 << (p[*o] >> 6);
    if (n > end - *o)
        return -1;
    uint64_t x = p[*o] & 0x3f;
    for (size_t i = 1; i < n; i++)
        x = x << 8 | p[*o + i];
    *o += n;
    *v = x;
    return 0;
}

#define GQUIC_Q043 0x51303433u
#define GQUIC_Q046 0x51303436u
#define GQUIC_Q050 0x51303530u

#define GQUIC_CYU_MAX    8      /* tag messages (CYU entries) kept per datagram */
#define GQUIC_CRYPTO_MAX 4      /* CRYPTO (0x06) frames handed on per packet */

/* What the Google QUIC packets of one datagram said (gquic_reset() before
 * each datagram). Offsets are into text, which holds copies: a packet
 * opened into the parser's scratch buffer is overwritten by the next one. */
struct gquic_out {
    struct abuf text;           /* the SNI, UA and CYU strings */
    uint32_t sni_off, sni_len, ua_off, ua_len;
    struct {
        uint32_t off, len;      /* "43,PAD-SNI-..." */
        char hash[33];          /* its MD5, hex */
    } cyu[GQUIC_CYU_MAX];
    uint8_t has_sni, has_ua, ncyu;
    uint8_t ncrypto;            /* CRYPTO frames of the last packet walked */
    struct {
        uint64_t off;
        const uint8_t *p;       /* into the packet walked: valid until the caller's next packet */
        size_t n;
    } crypto[GQUIC_CRYPTO_MAX];
    uint64_t msgs;              /* tag messages read (counted as hellos) */
    uint64_t dropped;           /* tag messages past GQUIC_CYU_MAX in a datagram */
};

/* 1 for the versions Suricata 7.0.10 reads as Google QUIC headers: Q043 to
 * Q046 (the public header of Q043 and older is told by its flags, not
 * by this). */
int gquic_version(uint32_t v);
/* The header of a long-header packet of a gquic_version() (Q044-Q046
 * layout): 1 and *hdr_len (where its frames start, the packet running to
 * the datagram's end), *initial (1 for an Initial, whose frames are read);
 * 0 when the header does not parse (Suricata then makes no transaction). */
int gquic_long_header(const uint8_t *p, size_t n, size_t *hdr_len, int *initial);
/* The same for the public header (first byte without 0x80 and 0x40: Q043
 * and older): *version 0 when it carries none (then no event). */
int gquic_public_header(const uint8_t *p, size_t n, size_t *hdr_len, uint32_t *version);

void gquic_reset(struct gquic_out *g);
void gquic_free(struct app_stats *st, struct gquic_out *g);
/* The frames of one clear (or opened) Google QUIC packet p[0..n) of that
 * version, read as Suricata 7.0.10 reads them: STREAM frames (type
 * 1fdooo ss) and CRYPTO frames of type 0x08 whose data is a whole tag
 * message give the SNI and UAID tags and, for Q043-Q046, a CYU entry;
 * CRYPTO frames of type 0x06 are listed for the TLS path; PADDING, PING
 * and ACK are skipped; any other type ends the packet. 0, or -1 when a
 * frame does not parse: then nothing of the packet is kept (g as before
 * the call). */
int gquic_frames(struct app_stats *st, struct gquic_out *g, uint32_t version, const uint8_t *p,
                 size_t n);
/* The number of entries of a valid tag message at p[0..n) (a known message
 * tag, entry count, padding, entries with known tags and end offsets that
 * never go back, the values ending exactly at n), or -1. */
int gquic_tag_msg(const uint8_t *p, size_t n);

#endif
