/* enrich.h - context for addresses: GeoIP/ASN (libmaxminddb), the
 * operator's asset map (CIDR -> name, owner, criticality, tags) and the home
 * network (vars.HOME_NET), plus the cross-border policy built on them.
 *
 * `struct enrich` is loaded once at start-up and only read afterwards, by
 * every worker (MMDB lookups on a shared MMDB_s are thread-safe). Each
 * worker keeps its own `struct enrich_cache` of recent answers.
 *
 * Ownership: strings in geo_info are copies (never pointers into the MMDB),
 * so they survive a database reload. asset_info pointers point into the
 * enrich object and live as long as it does. */
#ifndef TAISHI_ENRICH_H
#define TAISHI_ENRICH_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/config/config.h"
#include "taishi/core/netset.h"

struct geo_info {
    char country_iso[4], region_iso[8];
    char country_name[64], region_name[64], city_name[64], as_org[96];
    uint32_t asn;
    uint8_t found;              /* anything at all */
};

struct asset_info {
    char name[64], owner[96], criticality[16];
    char tags[8][32];
    uint8_t ntags;
};

struct enrich;
struct enrich *enrich_open(const struct config *cfg, char *err, size_t errlen);
void enrich_close(struct enrich *e);
/* libmaxminddb's version as the loaded library reports it (MMDB_lib_version()); static text. */
const char *enrich_lib_version(void);
int enrich_has_geo(const struct enrich *e);
/* Any GeoIP database or asset map to ask at all? */
int enrich_has_context(const struct enrich *e);
int enrich_is_home(const struct enrich *e, const uint8_t *addr, int ipver);
/* Is this country in policy.cross-border.allowed-countries? */
int enrich_country_allowed(const struct enrich *e, const char *iso);

struct enrich_cache;
struct enrich_cache *enrich_cache_create(const struct enrich *e);
void enrich_cache_destroy(struct enrich_cache *c);
/* c is not NULL and its enrich object has something to say. */
int enrich_cache_active(const struct enrich_cache *c);
/* Geo and asset context of one address (cached per worker). */
void enrich_lookup(struct enrich_cache *c, const uint8_t *addr, int ipver,
                   const struct geo_info **geo, const struct asset_info **asset);

#endif
