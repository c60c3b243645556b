/* app_quic_crypto.h - QUIC Initial packet protection (RFC 9001 section 5,
 * RFC 9369 for QUIC v2): keys from the client's Destination Connection ID,
 * header protection removed, payload opened (app_quic_crypto.c, libgcrypt).
 *
 * Ownership: pure functions; keys live in the caller's struct; quic_open()
 * writes the plaintext into the caller's buffer. */
#ifndef TAISHI_APP_QUIC_CRYPTO_H
#define TAISHI_APP_QUIC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define QUIC_V1       0x00000001u
#define QUIC_V2       0x6b3343cfu
#define QUIC_DRAFT29  0xff00001du
#define QUIC_Q050     0x51303530u

struct quic_keys {
    uint8_t key[16], iv[12], hp[16];
};

/* 1 when Initial packets of this version can be opened (v1, v2, drafts
 * 23-34, mvfst 0xfaceb002 and Google's Q050, with their salts). */
int quic_version_known(uint32_t version);
/* Initial keys of one side (server = 0: the client's, 1: the server's)
 * for a DCID (at most 20 bytes). 0, or -1 for an unknown version. */
int quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, int server,
                      struct quic_keys *k);
/* Opens one Initial packet: pkt[0..pn_off) is the header up to the packet
 * number, the protected packet number and payload follow, `end` is where
 * the packet ends (pn_off + its Length field). Header protection is removed
 * on a copy; the plaintext frames go to out (cap bytes). *out_len gets
 * their length. 0, or -1 when the packet is too short or does not
 * authenticate (wrong keys, damaged bytes). */
int quic_open(const struct quic_keys *k, const uint8_t *pkt, size_t pn_off, size_t end,
              uint8_t *out, size_t cap, size_t *out_len);
/* The header protection mask of a 16-byte sample (RFC 9001 5.4.3). */
int quic_hp_mask(const uint8_t hp[16], const uint8_t sample[16], uint8_t mask[5]);
/* Seals a payload into a protected Initial (tests and tools): hdr is the
 * unprotected header up to and including a pn_len-byte packet number
 * (hdr_len bytes), pn its value; the result (header + ciphertext + tag,
 * then header protection applied) goes to out. Returns its length or -1. */
long quic_seal(const struct quic_keys *k, const uint8_t *hdr, size_t hdr_len, size_t pn_len,
               uint64_t pn, const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

#endif
