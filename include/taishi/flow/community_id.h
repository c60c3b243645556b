/* community_id.h - Community ID v1 flow hashes (https://github.com/corelight/community-id-spec)
 * (SHA-1 is core/sha1.h).
 *
 * Pure functions: no state, safe from any thread. */
#ifndef TAISHI_COMMUNITY_ID_H
#define TAISHI_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

/* Writes "1:<base64>" (NUL-terminated, 31 bytes) into out. ICMP/ICMPv6
 * flows pass the type as sport and the code as dport; the v1 rules for
 * request/reply pairs are applied here. */
void community_id_v1(uint16_t seed, int ipver, const uint8_t *saddr, const uint8_t *daddr,
                     uint8_t proto, uint16_t sport, uint16_t dport, char out[32]);

int community_id_selftest(void);

#endif
