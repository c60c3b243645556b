/* service.c - pidfile and privilege drop (see service.h for the order).
 *
 * The drop: supplementary groups cleared, then setgid, then setuid, then
 * the capability sets cut down to CAP_NET_RAW (live capture) or nothing,
 * the ambient set cleared and the bounding set reduced the same way, so no
 * later exec could regain anything. PR_SET_KEEPCAPS carries the permitted
 * set across setuid so CAP_NET_RAW can be kept; everything else goes. The
 * result is checked: setuid(0) must fail afterwards.
 *
 * Capabilities are set with the raw capget/capset system calls (no libcap
 * dependency for two calls). Runs in the main thread before any other
 * thread exists. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "taishi/config/config.h"
#include "taishi/control/service.h"
#include "taishi/core/util.h"

int service_write_pidfile(const char *path, char *err, size_t errlen)
{
    char buf[32];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

    if (fd < 0 || write(fd, buf, (size_t)n) != n) {
        snprintf(err, errlen, "pidfile: cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

void service_remove_pidfile(const char *path)
{
    if (path[0] && unlink(path) < 0 && errno != ENOENT)
        LOG(LVL_INFO, "pidfile: cannot remove '%s': %s", path, strerror(errno));
}

static int caps_get(struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    return (int)syscall(SYS_capget, &h, d);
}

static int caps_set(struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    return (int)syscall(SYS_capset, &h, d);
}

/* The bounding set: what an exec could ever get back. Needs CAP_SETPCAP,
 * so it is done while still root (and skipped without it). */
static void drop_bounding(int keep_net_raw)
{
    if (!prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0))
        return;
    for (int c = 0; c <= CAP_LAST_CAP; c++)
        if (c != CAP_SETPCAP && !(keep_net_raw && c == CAP_NET_RAW))
            prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
    prctl(PR_CAPBSET_DROP, CAP_SETPCAP, 0, 0, 0);     /* last: the others needed it */
}

/* Keeps CAP_NET_RAW (when asked and held) and nothing else. */
static int limit_caps(int keep_net_raw, char *err, size_t errlen)
{
    struct __user_cap_data_struct d[2];

    if (caps_get(d) < 0) {
        snprintf(err, errlen, "capget: %s", strerror(errno));
        return -1;
    }
    int keep = keep_net_raw && (d[0].permitted & (1u << CAP_NET_RAW));
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    drop_bounding(keep);
    memset(d, 0, 2 * sizeof(d[0]));
    if (keep)
        d[0].effective = d[0].permitted = 1u << CAP_NET_RAW;
    if (caps_set(d) < 0) {
        snprintf(err, errlen, "capset: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int service_drop_privileges(const struct config *cfg, int keep_net_raw, char *err, size_t errlen)
{
    if (!cfg->run_as_user[0] && !cfg->run_as_group[0]) {
        if (geteuid() == 0) {
            LOG(LVL_INFO, "running as root: set run-as.user to drop privileges after start-up");
            return 0;
        }
        return limit_caps(keep_net_raw, err, errlen);   /* e.g. systemd's ambient capabilities */
    }
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (cfg->run_as_user[0]) {
        struct passwd *pw = getpwnam(cfg->run_as_user);
        if (!pw) {
            snprintf(err, errlen, "run-as.user: no such user '%s'", cfg->run_as_user);
            return -1;
        }
        uid = pw->pw_uid;
        gid = pw->pw_gid;
    }
    if (cfg->run_as_group[0]) {
        struct group *gr = getgrnam(cfg->run_as_group);
        if (!gr) {
            snprintf(err, errlen, "run-as.group: no such group '%s'", cfg->run_as_group);
            return -1;
        }
        gid = gr->gr_gid;
    }
    drop_bounding(keep_net_raw);
    if (keep_net_raw && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
        snprintf(err, errlen, "prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
        return -1;
    }
    if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
        snprintf(err, errlen, "run-as: cannot become %s:%s (uid %ld, gid %ld): %s",
                 cfg->run_as_user[0] ? cfg->run_as_user : "-",
                 cfg->run_as_group[0] ? cfg->run_as_group : "-", (long)uid, (long)gid, strerror(errno));
        return -1;
    }
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    if (limit_caps(keep_net_raw, err, errlen) < 0)
        return -1;
    if (uid != 0 && setuid(0) == 0) {
        snprintf(err, errlen, "run-as: root could be regained after the drop; refusing to run");
        return -1;
    }
    LOG(LVL_INFO, "running as uid %ld gid %ld%s", (long)getuid(), (long)getgid(),
        keep_net_raw ? ", keeping only CAP_NET_RAW" : "");
    return 0;
}
