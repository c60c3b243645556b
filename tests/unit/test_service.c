/* test_service.c - the service pieces that need no privileges: the pidfile
 * (written, replaced when stale, removed; an unwritable path refused with
 * the path named), the output file reopened for logrotate (events before
 * the SIGHUP in the rotated file, after it in the new one; a path that
 * cannot be opened keeps the old file in use), and run-as with an unknown
 * user or group refused with the key named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "taishi/config/config.h"
#include "taishi/output/output.h"
#include "taishi/control/service.h"
#include "taishi/core/util.h"
#include "unit.h"

static char dir[64];

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    return f ? buf : NULL;
}

static void test_pidfile(void)
{
    char path[128], want[32], err[256];

    snprintf(path, sizeof(path), "%s/taishi.pid", dir);
    FILE *f = fopen(path, "w");             /* a stale one from a crash */
    fputs("999999999\nstale\n", f);
    fclose(f);
    CHECK_EQ_U(service_write_pidfile(path, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%ld\n", (long)getpid());
    CHECK_STR(slurp(path), want);
    service_remove_pidfile(path);
    CHECK(access(path, F_OK) != 0);
    service_remove_pidfile(path);           /* already gone: quiet */
    snprintf(path, sizeof(path), "%s/no-such-dir/taishi.pid", dir);
    CHECK_EQ_U(service_write_pidfile(path, err, sizeof(err)), (unsigned long long)-1);
    CHECK(strstr(err, "no-such-dir/taishi.pid") != NULL);
}

static void write_line(struct output_file *s, const char *line)
{
    output_file_write(s, line, strlen(line));
}

static void test_reopen(void)
{
    char path[128], rotated[140], err[256];

    snprintf(path, sizeof(path), "%s/eve.json", dir);
    snprintf(rotated, sizeof(rotated), "%s.1", path);
    struct output_file *s = output_file_open(path, err, sizeof(err));
    CHECK(s != NULL);
    if (!s)
        return;
    write_line(s, "{\"n\":1}\n");
    CHECK_EQ_U(rename(path, rotated), 0);   /* logrotate moves it */
    write_line(s, "{\"n\":2}\n");           /* still the old file until the SIGHUP */
    CHECK_EQ_U(output_file_reopen(s), 0);
    write_line(s, "{\"n\":3}\n");
    CHECK_EQ_U(output_file_close(s), 0);
    CHECK_STR(slurp(rotated), "{\"n\":1}\n{\"n\":2}\n");
    CHECK_STR(slurp(path), "{\"n\":3}\n");

    /* The directory is gone: the reopen fails and the old file stays. */
    char sub[128], subpath[160];
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    mkdir(sub, 0755);
    snprintf(subpath, sizeof(subpath), "%s/eve.json", sub);
    s = output_file_open(subpath, err, sizeof(err));
    CHECK(s != NULL);
    if (!s)
        return;
    write_line(s, "a\n");
    CHECK_EQ_U(rename(subpath, path), 0);
    rmdir(sub);
    CHECK_EQ_U(output_file_reopen(s), (unsigned long long)-1);   /* logs why: expected */
    write_line(s, "b\n");
    CHECK_EQ_U(output_file_close(s), 0);
    CHECK_STR(slurp(path), "a\nb\n");
    CHECK(output_file_reopen(NULL) == 0);   /* no file output: nothing to do */
    unlink(path);
    unlink(rotated);
}

static void test_run_as(void)
{
    struct config c;
    char err[256];

    config_defaults(&c);
    snprintf(c.run_as_user, sizeof(c.run_as_user), "no-such-user-taishi");
    CHECK_EQ_U(service_drop_privileges(&c, 0, err, sizeof(err)), (unsigned long long)-1);
    CHECK(strstr(err, "run-as.user: no such user 'no-such-user-taishi'") != NULL);
    config_defaults(&c);
    snprintf(c.run_as_group, sizeof(c.run_as_group), "no-such-group-taishi");
    CHECK_EQ_U(service_drop_privileges(&c, 0, err, sizeof(err)), (unsigned long long)-1);
    CHECK(strstr(err, "run-as.group: no such group 'no-such-group-taishi'") != NULL);
    uid_t before = geteuid();
    config_defaults(&c);                    /* nothing asked: nothing changes */
    CHECK_EQ_U(geteuid() == 0 ? service_drop_privileges(&c, 0, err, sizeof(err)) : 0, 0);
    CHECK_EQ_U(geteuid(), before);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/taishi-test-service-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_pidfile();
    test_reopen();
    test_run_as();
    rmdir(dir);
    return unit_done("service");
}
