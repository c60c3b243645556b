/* assets.h - passive service inventory: which servers (address, port,
 * protocol) have answered, so that the first answer of each writes an
 * `asset` event.
 *
 * One inventory is shared by all workers (a server's clients hash to any
 * worker); a mutex guards it, taken once per ended flow whose server
 * answered, never per packet. Memory is bounded by asset.max-entries: when
 * full, the entry learned longest ago is forgotten (counted), so a forgotten
 * server is announced again if it comes back. The set is saved to
 * asset.state-file at exit and loaded at start, so a restart does not
 * announce every known server again.
 *
 * Hosts: a host a parser named (a DHCP client: its address, MAC, name) is an
 * entry with port 0 and protocol 0, in the same set and the same state file
 * (whose format is unchanged), so it too is announced once.
 *
 * Facts: what the app-layer parsers learned about a flow's server (TX_ASSET,
 * app.h) is kept by the flow in a `struct asset_facts` until it ends (the
 * parsers never touch the shared inventory); the flow's asset event writes
 * them, and its hosts are looked up with one lock (assets_hosts_seen). An
 * asset_facts belongs to one flow of one worker. */
#ifndef TAISHI_ASSETS_H
#define TAISHI_ASSETS_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/app/app.h"
#include "taishi/config/config.h"

struct asset_stats {
    uint64_t known, announced, forgotten, loaded;
};

struct asset_inventory;
struct asset_inventory *assets_open(const struct config *cfg, char *err, size_t errlen);
/* Records the server; returns 1 when it had not been seen before. */
int assets_first_seen(struct asset_inventory *a, int ipver, const uint8_t *ip, uint16_t port,
                      uint8_t proto, uint64_t ts_ns);
/* Facts of one flow: at most ASSET_FACTS_MAX about its server (a later
 * value of the same object and key replaces the earlier one; more are
 * dropped) and ASSET_HOSTS_MAX hosts (one per address: a later mention
 * fills in what an earlier lacked). Values are cut to ASSET_VALUE_MAX - 1
 * bytes. */
#define ASSET_FACTS_MAX 12
#define ASSET_HOSTS_MAX 8
#define ASSET_VALUE_MAX 96
struct asset_fact {
    const char *object, *key;   /* string literals of the parser */
    char value[ASSET_VALUE_MAX];
    int64_t num;
    uint8_t is_num;
};
struct asset_host {
    uint8_t ipver, has_mac, confirmed;  /* confirmed: a server gave it (only those are announced) */
    uint8_t ip[16], mac[6];
    char hostname[ASSET_VALUE_MAX];     /* "" = none */
    uint64_t ts_ns;                     /* when it was named */
};
struct asset_facts {
    uint32_t nfacts, nhosts;
    struct asset_fact f[ASSET_FACTS_MAX];
    struct asset_host h[ASSET_HOSTS_MAX];
};
void asset_facts_add(struct asset_facts *af, const struct app_asset_meta *m, uint64_t ts_ns);
/* The hosts of af seen for the first time (one lock for all of them):
 * bit i of the result is af->h[i]. */
uint32_t assets_hosts_seen(struct asset_inventory *a, const struct asset_facts *af);
void assets_stats(struct asset_inventory *a, struct asset_stats *st);
/* Saves the state file (if configured) and frees everything. */
void assets_close(struct asset_inventory *a);

#endif
