/* util_syslog.c - the syslog side of util_log (util.c).
 *
 * A file of its own because <syslog.h> defines LOG_WARNING, LOG_INFO, ...
 * as macros, which would clash with taishi's own enum log_level in util.h.
 * openlog() is called once at start-up from the main thread; syslog() is
 * thread-safe in glibc. */
#include <syslog.h>

void util_syslog_open(void);
void util_syslog_write(int level, const char *msg);

void util_syslog_open(void)
{
    openlog("taishi", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* level: taishi's 0 = error .. 4 = debug. */
void util_syslog_write(int level, const char *msg)
{
    static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

    syslog(prio[level >= 0 && level <= 4 ? level : 0], "%s", msg);
}
