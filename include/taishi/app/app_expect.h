/* app_expect.h - the expectation table: data connections announced by a
 * control connection (FTP, app_ftp.c), shared by every worker because
 * flows are hashed to workers by their 5-tuple and a data connection
 * usually lands on another worker than its control connection.
 *
 * The worker of the control connection adds an entry (the announcement
 * plus the addresses: who will connect to what address and port); the
 * worker of a new TCP flow takes the entry that matches its server address
 * and port and client address, once. Entries expire after
 * APP_EXPECT_TIMEOUT seconds of packet time and the table holds at most
 * APP_EXPECT_MAX (the oldest is replaced, counted).
 *
 * Locking: one mutex, taken only to add and to look up, and a look-up
 * takes it only when the table is not empty (an atomic count read first),
 * so flows of a sensor that sees no FTP never lock.
 *
 * Ownership: the table is process-wide (static storage, no allocation);
 * what app_expect_take() copies out belongs to the caller. */
#ifndef TAISHI_APP_EXPECT_H
#define TAISHI_APP_EXPECT_H

#include <stdint.h>

#include "taishi/app/app.h"

#define APP_EXPECT_MAX     256
#define APP_EXPECT_TIMEOUT 60

/* Addresses are 16 bytes (IPv4 in the first 4, the rest 0) with ipver 4/6. */
struct app_expect_key {
    uint8_t ipver;
    uint8_t server[16], client[16];
    uint16_t port;              /* the server's port */
};

/* Adds e for the data connection key; parser = the id that will parse it. */
void app_expect_add(const struct app_expect_key *key, int parser, const struct app_expect *e,
                    uint64_t now_ns);
/* The entry for a new flow's key (removed from the table): its parser id
 * and a copy in *e; 0 when there is none. */
int app_expect_take(const struct app_expect_key *key, uint64_t now_ns, struct app_expect *e);
/* Counters since start: added, taken, expired, replaced (the table full). */
struct app_expect_counts { uint64_t added, taken, expired, replaced; };
void app_expect_counts(struct app_expect_counts *c);
void app_expect_clear(void);        /* empties the table (tests) */

#endif
