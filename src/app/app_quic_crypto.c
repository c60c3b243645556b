/* app_quic_crypto.c - QUIC Initial packet protection, as RFC 9001 section
 * 5 defines it (and RFC 9369 for v2), with libgcrypt:
 *
 *   initial_secret = HKDF-Extract(salt of the version, client's DCID)
 *
 * Salts: v1 and drafts 33-34 (RFC 9001), drafts 29-32, drafts 23-28 and
 * Facebook's mvfst 0xfaceb002, v2 (RFC 9369), Google's Q050 - the versions
 * Suricata 7.0.10 opens. Google's T050/T051 have salts of their own that
 * Suricata does not use, and neither do we (their packets give the
 * version only).
 *   side secret    = HKDF-Expand-Label(initial_secret, "client in" | "server in", "", 32)
 *   key, iv, hp    = HKDF-Expand-Label(side secret, "quic key" | "quic iv" | "quic hp", "", 16 | 12 | 16)
 *                    ("quicv2 key", ... for v2)
 *
 * HKDF-Expand-Label's info is uint16 length | uint8 label length | "tls13 "
 * label | uint8 0 (empty context); every output here is at most 32 bytes,
 * so the expansion is the one block HMAC-SHA256(secret, info | 0x01).
 *
 * Header protection (5.4): the 16-byte sample starts 4 bytes after the
 * packet number's offset; mask = AES-128-ECB(hp, sample); the low 4 bits of
 * the first byte (long header) and the packet number bytes are XORed with
 * it. The payload is AES-128-GCM with nonce = iv XOR the packet number
 * (right-aligned), the header up to the packet number as associated data
 * and a 16-byte tag at the end.
 *
 * libgcrypt must be initialised once (gcry_check_version) before threads
 * use it; quic_crypto_init() does that through pthread_once. Handles are
 * opened per packet: only a flow's first few Initial packets come here.
 *
 * Ownership: pure functions over the caller's buffers. */
#include <gcrypt.h>
#include <pthread.h>
#include <string.h>

#include "app_quic_crypto.h"

static pthread_once_t gcry_once = PTHREAD_ONCE_INIT;

static void gcry_init(void)
{
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
        gcry_check_version(NULL);
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
}

static const uint8_t *salt_of(uint32_t v)
{
    static const uint8_t v1[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
    static const uint8_t d29[20] = { 0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                     0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 };
    static const uint8_t d23[20] = { 0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                     0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02 };
    static const uint8_t v2[20] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };
    static const uint8_t q50[20] = { 0x50, 0x45, 0x74, 0xef, 0xd0, 0x66, 0xfe, 0x2f, 0x9d, 0x94,
                                     0x5c, 0xfc, 0xdb, 0xd3, 0xa7, 0xf0, 0xd3, 0xb5, 0x6b, 0x45 };
    if (v == QUIC_V1 || v == 0xff000021u || v == 0xff000022u)     /* v1, drafts 33-34 */
        return v1;
    if (v == QUIC_V2)
        return v2;
    if (v >= 0xff00001du && v <= 0xff000020u)       /* drafts 29-32 */
        return d29;
    if ((v >= 0xff000017u && v <= 0xff00001cu) || v == 0xfaceb002u)  /* drafts 23-28, mvfst */
        return d23;
    if (v == QUIC_Q050)                             /* Google QUIC Q050 (CHLO in CRYPTO frames) */
        return q50;
    return NULL;
}

int quic_version_known(uint32_t version)
{
    return salt_of(version) != NULL;
}

static int hmac256(const uint8_t *key, size_t klen, const uint8_t *a, size_t alen,
                   const uint8_t *b, size_t blen, uint8_t out[32])
{
    gcry_md_hd_t h;
    if (gcry_md_open(&h, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC))
        return -1;
    int rc = gcry_md_setkey(h, key, klen) ? -1 : 0;
    if (!rc) {
        gcry_md_write(h, a, alen);
        if (blen)
            gcry_md_write(h, b, blen);
        const unsigned char *d = gcry_md_read(h, GCRY_MD_SHA256);
        if (d)
            memcpy(out, d, 32);
        else
            rc = -1;
    }
    gcry_md_close(h);
    return rc;
}

/* HKDF-Expand-Label with an empty context, n <= 32. */
static int expand_label(const uint8_t secret[32], const char *label, size_t n, uint8_t *out)
{
    uint8_t info[64], t[32];
    size_t ll = strlen(label), i = 0;
    if (ll + 6 > 255 || ll + 10 > sizeof(info) || n > 32)
        return -1;
    info[i++] = (uint8_t)(n >> 8);
    info[i++] = (uint8_t)n;
    info[i++] = (uint8_t)(6 + ll);
    memcpy(info + i, "tls13 ", 6);
    i += 6;
    memcpy(info + i, label, ll);
    i += ll;
    info[i++] = 0;
    info[i++] = 1;
    if (hmac256(secret, 32, info, i, NULL, 0, t) < 0)
        return -1;
    memcpy(out, t, n);
    return 0;
}

int quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, int server,
                      struct quic_keys *k)
{
    const uint8_t *salt = salt_of(version);
    uint8_t init[32], side[32];
    int v2 = version == QUIC_V2;

    if (!salt || dcid_len > 20)
        return -1;
    pthread_once(&gcry_once, gcry_init);
    if (hmac256(salt, 20, dcid, dcid_len, NULL, 0, init) < 0 ||
        expand_label(init, server ? "server in" : "client in", 32, side) < 0 ||
        expand_label(side, v2 ? "quicv2 key" : "quic key", 16, k->key) < 0 ||
        expand_label(side, v2 ? "quicv2 iv" : "quic iv", 12, k->iv) < 0 ||
        expand_label(side, v2 ? "quicv2 hp" : "quic hp", 16, k->hp) < 0)
        return -1;
    return 0;
}

int quic_hp_mask(const uint8_t hp[16], const uint8_t sample[16], uint8_t mask[5])
{
    gcry_cipher_hd_t h;
    uint8_t out[16];

    pthread_once(&gcry_once, gcry_init);
    if (gcry_cipher_open(&h, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_ECB, 0))
        return -1;
    int rc = gcry_cipher_setkey(h, hp, 16) || gcry_cipher_encrypt(h, out, 16, sample, 16) ? -1 : 0;
    gcry_cipher_close(h);
    if (!rc)
        memcpy(mask, out, 5);
    return rc;
}

/* AES-128-GCM; enc = 1 seals (tag written after the data), 0 opens. */
static int gcm(const struct quic_keys *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
               uint8_t *data, size_t len, uint8_t tag[16], int enc)
{
    gcry_cipher_hd_t h;
    uint8_t nonce[12];

    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    if (gcry_cipher_open(&h, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_GCM, 0))
        return -1;
    int rc = -1;
    if (!gcry_cipher_setkey(h, k->key, 16) && !gcry_cipher_setiv(h, nonce, 12) &&
        !gcry_cipher_authenticate(h, aad, aad_len)) {
        if (enc)
            rc = gcry_cipher_encrypt(h, data, len, NULL, 0) || gcry_cipher_gettag(h, tag, 16) ? -1 : 0;
        else
            rc = gcry_cipher_decrypt(h, data, len, NULL, 0) || gcry_cipher_checktag(h, tag, 16) ? -1 : 0;
    }
    gcry_cipher_close(h);
    return rc;
}

int quic_open(const struct quic_keys *k, const uint8_t *pkt, size_t pn_off, size_t end,
              uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t mask[5], hdr[1024];       /* a header with a token up to ~950 bytes */

    /* the sample must be there: 4 bytes after pn_off, 16 long */
    if (pn_off < 1 || end < pn_off + 4 + 16 || pn_off + 4 > sizeof(hdr))
        return -1;
    if (quic_hp_mask(k->hp, pkt + pn_off + 4, mask) < 0)
        return -1;
    memcpy(hdr, pkt, pn_off);
    hdr[0] ^= (uint8_t)(mask[0] & ((pkt[0] & 0x80) ? 0x0f : 0x1f));
    size_t pn_len = (size_t)(hdr[0] & 3) + 1;
    uint64_t pn = 0;
    for (size_t i = 0; i < pn_len; i++) {
        hdr[pn_off + i] = pkt[pn_off + i] ^ mask[1 + i];
        pn = pn << 8 | hdr[pn_off + i];
    }
    size_t hl = pn_off + pn_len;
    if (end < hl + 16 || end - hl - 16 > cap)
        return -1;
    size_t n = end - hl - 16;
    uint8_t tag[16];
    memcpy(out, pkt + hl, n);
    memcpy(tag, pkt + end - 16, 16);
    if (gcm(k, pn, hdr, hl, out, n, tag, 0) < 0)
        return -1;
    *out_len = n;
    return 0;
}

long quic_seal(const struct quic_keys *k, const uint8_t *hdr, size_t hdr_len, size_t pn_len,
               uint64_t pn, const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
    uint8_t mask[5];

    if (pn_len < 1 || pn_len > 4 || hdr_len < pn_len + 1 || hdr_len + len + 16 > cap)
        return -1;
    memcpy(out, hdr, hdr_len);
    memcpy(out + hdr_len, payload, len);
    if (gcm(k, pn, hdr, hdr_len, out + hdr_len, len, out + hdr_len + len, 1) < 0)
        return -1;
    size_t pn_off = hdr_len - pn_len;
    if (hdr_len + len + 16 < pn_off + 4 + 16 || quic_hp_mask(k->hp, out + pn_off + 4, mask) < 0)
        return -1;
    out[0] ^= (uint8_t)(mask[0] & ((out[0] & 0x80) ? 0x0f : 0x1f));
    for (size_t i = 0; i < pn_len; i++)
        out[pn_off + i] ^= mask[1 + i];
    return (long)(hdr_len + len + 16);
}
