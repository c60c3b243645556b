/* regression_driver.c - main() for a fuzz target linked WITHOUT libFuzzer
 * (plain cc, ASan+UBSan): runs LLVMFuzzerTestOneInput() once on every file
 * named on the command line, and on every file in the directories named
 * there and in their subdirectories (one level down), in name order, so
 * targets that keep state across inputs (fuzz_decode's defragmenter) see
 * the same sequence every time.
 *
 * Prints "NAME: N inputs, 0 failed" and exits 0. A failing input crashes
 * (abort, sanitizer report) and the driver names it; FUZZ_VERBOSE=1 also
 * prints every input before it runs.
 * Exit 1 when an argument cannot be read or names no input at all.
 *
 *   build/fuzz-regress/decode tests/fuzz/corpus/decode */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* In the sanitizer runtimes; NULL when the driver is built without them. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static unsigned long ninputs;
static int errors;
static int verbose;
static const char *current;             /* the input being run */

/* Names the input that crashed (sanitizer reports and abort()). */
static void say_current(void)
{
    static const char msg[] = "regression_driver: FAIL: the input that failed: ";

    if (!current)
        return;
    if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
        write(2, "\n", 1) < 0)
        return;
}

static void on_abort(int sig)
{
    say_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;

    if (!f || fstat(fileno(f), &sb) < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        errors++;
        if (f)
            fclose(f);
        return;
    }
    size_t n = (size_t)sb.st_size;
    uint8_t *buf = malloc(n ? n : 1);       /* exactly n bytes: ASan sees overreads */
    if (!buf || fread(buf, 1, n, f) != n) {
        fprintf(stderr, "%s: cannot read\n", path);
        errors++;
        free(buf);
        fclose(f);
        return;
    }
    fclose(f);
    if (verbose)
        fprintf(stderr, "running %s\n", path);
    current = path;
    LLVMFuzzerTestOneInput(buf, n);
    current = NULL;
    free(buf);
    ninputs++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_path(const char *path, int depth)
{
    struct stat sb;

    if (stat(path, &sb) < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        errors++;
        return;
    }
    if (S_ISREG(sb.st_mode)) {
        run_file(path);
        return;
    }
    if (!S_ISDIR(sb.st_mode) || depth > 1)
        return;
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        errors++;
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        if (name[0] != '.') {               /* ., .., and hidden files */
            size_t len = strlen(path) + strlen(name) + 2;
            char *sub = malloc(len);
            snprintf(sub, len, "%s/%s", path, name);
            run_path(sub, depth + 1);
            free(sub);
        }
        free(ents[i]);
    }
    free(ents);
}

int main(int argc, char **argv)
{
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    const char *v = getenv("FUZZ_VERBOSE");

    verbose = v && *v && strcmp(v, "0");
    signal(SIGABRT, on_abort);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(say_current);
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", name);
        return 1;
    }
    for (int i = 1; i < argc; i++)
        run_path(argv[i], 0);
    printf("%s: %lu inputs, 0 failed\n", name, ninputs);
    return errors || ninputs == 0 ? 1 : 0;
}
