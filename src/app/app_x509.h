/* app_x509.h - the leaf certificate's fields as text (app_x509.c), for the
 * TLS parser.
 *
 * Ownership: fills the caller's struct; keeps nothing. */
#ifndef TAISHI_APP_X509_H
#define TAISHI_APP_X509_H

#include <stddef.h>
#include <stdint.h>

/* X.509 (app_x509.c): the leaf certificate's fields as text. */
struct x509_info {
    char subject[1024], issuer[1024];
    char serial[200];                   /* "0A:1B:..." upper-case, at most 64 bytes of serial */
    char notbefore[24], notafter[24];   /* "2024-01-01T00:00:00" */
    char fingerprint[60];               /* SHA1 "aa:bb:..." */
};
/* 0 when the DER parses as a certificate; -1 otherwise (fields may be partial).
 * The SHA-1 fingerprint only with want_fp (else ""): it is the costliest part
 * and only the tls event and the tls.cert_fingerprint buffer read it. */
int app_x509_parse(const uint8_t *der, size_t len, int want_fp, struct x509_info *out);

#endif
