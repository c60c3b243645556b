/* md5.h - MD5 (RFC 1321), for JA3/JA3S fingerprints only (not for security).
 *
 * Pure functions: no state, safe from any thread. Written from the RFC. */
#ifndef TAISHI_MD5_H
#define TAISHI_MD5_H

#include <stddef.h>
#include <stdint.h>

void md5(const uint8_t *data, size_t len, uint8_t out[16]);
/* Lower-case hex digest, NUL-terminated (33 bytes). */
void md5_hex(const uint8_t *data, size_t len, char out[33]);

#endif
