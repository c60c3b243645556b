/* service.h - running as a daemon: pidfile and privilege drop.
 *
 * main() calls these in order at start-up: capture handles open (they need
 * root or CAP_NET_RAW), then service_write_pidfile() (the run directory is
 * usually root's), then service_drop_privileges(), then everything else
 * (outputs, databases) is opened as the unprivileged user, so a SIGHUP can
 * reopen it later as that same user.
 *
 * Ownership: nothing is kept; the pidfile path is the config's. */
#ifndef TAISHI_SERVICE_H
#define TAISHI_SERVICE_H

#include <stddef.h>

struct config;

/* Writes "PID\n" to path (replacing a stale file). 0, or -1 with err. */
int service_write_pidfile(const char *path, char *err, size_t errlen);
/* Removes it at exit; a failure (we may no longer have the right) is logged. */
void service_remove_pidfile(const char *path);
/* Becomes run-as.user / run-as.group (supplementary groups cleared) when
 * they are set, and keeps no capability but CAP_NET_RAW, and that one only
 * when keep_net_raw (live capture: to reopen an interface that was lost) and
 * the process has it. Also limits the capabilities of a non-root process
 * started with some (systemd's AmbientCapabilities). 0, or -1 with err. */
int service_drop_privileges(const struct config *cfg, int keep_net_raw, char *err, size_t errlen);

#endif
