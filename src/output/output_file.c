/* output_file.c - the JSON-lines sink: a file (appended to, like Suricata's
 * eve.json) or stdout.
 *
 * One mutex serialises whole chunks. A write error (disk full, closed pipe)
 * is logged once and remembered, so the exit status says the output is
 * incomplete; the sensor does not stop for it.
 *
 * Flushed once a second by the runtime (output_flush), so a quiet link
 * still sees its events in the file.
 *
 * Reopen (SIGHUP, for logrotate): the path is opened again and swapped in
 * under the mutex; if it cannot be opened the old file stays in use. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/output/output.h"
#include "taishi/core/util.h"

struct output_file {
    FILE *f;
    char *path;
    int is_stdout;
    int failed;
    pthread_mutex_t mu;
};

struct output_file *output_file_open(const char *path, char *err, size_t errlen)
{
    struct output_file *o = xcalloc(1, sizeof(*o));

    if (!strcmp(path, "-")) {
        o->f = stdout;
        o->is_stdout = 1;
    } else if (!(o->f = fopen(path, "a"))) {
        snprintf(err, errlen, "cannot open output '%s': %s", path, strerror(errno));
        free(o);
        return NULL;
    }
    o->path = xstrdup(path);
    pthread_mutex_init(&o->mu, NULL);
    return o;
}

int output_file_reopen(struct output_file *o)
{
    if (!o || o->is_stdout)
        return 0;
    FILE *f = fopen(o->path, "a");
    if (!f) {
        LOG(LVL_ERROR, "cannot reopen output '%s': %s; still writing to the old file", o->path,
            strerror(errno));
        return -1;
    }
    pthread_mutex_lock(&o->mu);
    FILE *old = o->f;
    o->f = f;
    if ((fflush(old) != 0 || ferror(old)) && !o->failed) {
        o->failed = 1;
        LOG(LVL_ERROR, "writing events: %s", strerror(errno));
    }
    pthread_mutex_unlock(&o->mu);
    fclose(old);
    return 0;
}

void output_file_write(struct output_file *o, const char *buf, size_t len)
{
    pthread_mutex_lock(&o->mu);
    if (fwrite(buf, 1, len, o->f) != len && !o->failed) {
        o->failed = 1;
        LOG(LVL_ERROR, "writing events: %s", strerror(errno));
    }
    pthread_mutex_unlock(&o->mu);
}

void output_file_flush(struct output_file *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->mu);
    if (fflush(o->f) != 0 && !o->failed) {
        o->failed = 1;
        LOG(LVL_ERROR, "writing events: %s", strerror(errno));
    }
    pthread_mutex_unlock(&o->mu);
}

int output_file_close(struct output_file *o)
{
    int rc;

    if (!o)
        return 0;
    rc = fflush(o->f) != 0 || o->failed || ferror(o->f);
    if (!o->is_stdout && fclose(o->f) != 0)
        rc = 1;
    pthread_mutex_destroy(&o->mu);
    free(o->path);
    free(o);
    return rc ? -1 : 0;
}
