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
 * announce every known server again. */
#ifndef TAISHI_ASSETS_H
#define TAISHI_ASSETS_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/config/config.h"

struct asset_stats {
    uint64_t known, announced, forgotten, loaded;
};

struct asset_inventory;
struct asset_inventory *assets_open(const struct config *cfg, char *err, size_t errlen);
/* Records the server; returns 1 when it had not been seen before. */
int assets_first_seen(struct asset_inventory *a, int ipver, const uint8_t *ip, uint16_t port,
                      uint8_t proto, uint64_t ts_ns);
void assets_stats(struct asset_inventory *a, struct asset_stats *st);
/* Saves the state file (if configured) and frees everything. */
void assets_close(struct asset_inventory *a);

#endif
