/* sha1.h - SHA-1 of a byte string (FIPS 180-4).
 *
 * A pure function: no state, safe from any thread. */
#ifndef TAISHI_SHA1_H
#define TAISHI_SHA1_H

#include <stddef.h>
#include <stdint.h>

void sha1(const uint8_t *data, size_t len, uint8_t out[20]);

#endif
