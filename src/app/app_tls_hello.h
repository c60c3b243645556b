/* app_tls_hello.h - a TLS ClientHello or ServerHello body (the bytes after
 * the 4-byte handshake header) read once: SNI, first ALPN, versions, the
 * extension list, JA3/JA3S and JA4 (app_tls_hello.c). Shared by the TLS
 * parser (app_tls.c: records over TCP) and the QUIC parser (app_quic.c: the
 * same messages in CRYPTO frames of the decrypted Initial packets).
 *
 * Ownership: fills the caller's struct; the JA3 text goes into the caller's
 * abuf (accounted, capped by the caller's max). ext[].off points into the
 * caller's message bytes, valid as long as they are. */
#ifndef TAISHI_APP_TLS_HELLO_H
#define TAISHI_APP_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "app_buf.h"

#define TLS_HELLO_EXT_MAX 64

struct tls_ext {
    uint16_t type;
    uint32_t off, len;          /* the extension's data at m + off */
};

struct tls_hello {
    uint16_t version;           /* legacy_version of the hello */
    uint16_t selected;          /* ServerHello: supported_versions' choice, else version */
    uint16_t cipher;            /* ServerHello: the chosen suite */
    char sni[256];              /* "" when none (or longer than fits) */
    char ja3[33];               /* MD5 of the JA3 (ClientHello) or JA3S (ServerHello) text */
    char ja4[37];               /* ClientHello only: "t13d1516h2_8daaf6152771_e5627efa2ab1" */
    struct tls_ext ext[TLS_HELLO_EXT_MAX];
    uint32_t next;              /* extensions in ext[], in order, GREASE included; at most MAX */
};

/* 1 for a GREASE value (RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa). */
static inline int tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* A ClientHello body. quic: JA4 starts with 'q' instead of 't', and the
 * JA3 and ext[] keep GREASE as Suricata's QUIC parser does (app_tls_hello.c). The JA3
 * text ("771,4865-...,0-10-...,29-23,0", NUL-terminated) is written to
 * *ja3 (reset first; at most max bytes). 0, or -1 when the message does not
 * parse (lengths that lie, or the JA3 text over max). */
int tls_hello_client(const uint8_t *m, size_t len, int quic, struct app_stats *st,
                     struct abuf *ja3, size_t max, struct tls_hello *h);
/* A ServerHello body: JA3S text ("771,4865,43-51") in *ja3s, its MD5 in
 * h->ja3, selected version and cipher. 0 or -1 as above. */
int tls_hello_server(const uint8_t *m, size_t len, struct app_stats *st, struct abuf *ja3s,
                     size_t max, struct tls_hello *h);

/* JA4 from its parts (FoxIO's definition as Suricata 7.0.10 computes it):
 * ciphers, extensions and sig_algs as sent (GREASE is dropped here), the
 * highest TLS version offered, whether an SNI was sent, the first ALPN. */
void tls_ja4(int quic, uint16_t version, int has_sni, const uint8_t *alpn, size_t alpn_len,
             const uint16_t *ciphers, size_t nciphers, const uint16_t *exts, size_t nexts,
             const uint16_t *sigs, size_t nsigs, char out[37]);

/* IANA name of an extension type as Suricata's quic events spell it
 * ("server_name", "alpn", ...); NULL when it has none. */
const char *tls_ext_name(uint16_t type);

#endif
