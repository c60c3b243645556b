/* output_file.c - JSON lines to a file or stdout (see output.h).
 *
 * A write error (disk full, closed pipe) is remembered and reported at close
 * so the exit status says the output is incomplete; we do not abort mid-run. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/output.h"
#include "taishi/util.h"

struct output {
    FILE *f;
    int is_stdout;
    int failed;
    uint64_t bytes;
    pthread_mutex_t mu;
};

struct output *output_open(const char *path, char *err, size_t errlen)
{
    struct output *o = xcalloc(1, sizeof(*o));

    if (!strcmp(path, "-")) {
        o->f = stdout;
        o->is_stdout = 1;
    } else if (!(o->f = fopen(path, "a"))) {
        snprintf(err, errlen, "cannot open output '%s': %s", path, strerror(errno));
        free(o);
        return NULL;
    }
    pthread_mutex_init(&o->mu, NULL);
    return o;
}

void output_write(struct output *o, const char *buf, size_t len)
{
    if (!len)
        return;
    pthread_mutex_lock(&o->mu);
    if (fwrite(buf, 1, len, o->f) != len && !o->failed) {
        o->failed = 1;
        LOG(LOG_ERROR, "writing events: %s", strerror(errno));
    }
    o->bytes += len;
    pthread_mutex_unlock(&o->mu);
}

int output_close(struct output *o)
{
    int rc;

    if (!o)
        return 0;
    rc = fflush(o->f) != 0 || o->failed || ferror(o->f);
    if (!o->is_stdout && fclose(o->f) != 0)
        rc = 1;
    pthread_mutex_destroy(&o->mu);
    free(o);
    return rc ? -1 : 0;
}

uint64_t output_bytes(const struct output *o)
{
    return o->bytes;
}
