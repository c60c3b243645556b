/* netset.h - CIDR sets with longest-prefix match (HOME_NET, the asset map,
 * indicator lists, the config's address lists).
 *
 * Built once (at start-up or a reload) and only read afterwards: lookups
 * from several threads on a finished set need no lock. */
#ifndef TAISHI_NETSET_H
#define TAISHI_NETSET_H

#include <stddef.h>
#include <stdint.h>

/* A set of CIDR prefixes with a value each; longest prefix wins. */
struct netset;
struct netset *netset_create(void);
void netset_destroy(struct netset *s);
/* "10.0.0.0/8", "2001:db8::/32", "192.0.2.1"; returns 0 or -1. */
int netset_add_text(struct netset *s, const char *cidr, uint32_t value);
/* Returns the value of the longest matching prefix + 1, or 0 when none. */
uint32_t netset_lookup(const struct netset *s, const uint8_t *addr, int ipver);
/* Parses "[a, b, ...]" into s; names the bad item in err. */
int netset_add_list(struct netset *s, const char *list, uint32_t value, char *err, size_t errlen);

#endif
