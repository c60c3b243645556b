/* runtime_internal.h - what runtime.c shares with main.c: the running sensor
 * as one object, built by runtime_start() and freed by runtime_destroy()
 * (the design, the orders and the threads are described in runtime.c).
 *
 * Ownership: the runtime owns everything it opens and every thread it
 * starts; the config and the argument lists stay the caller's and must
 * outlive it (the workers keep the config, a reload reads the -S files). */
#ifndef TAISHI_RUNTIME_INTERNAL_H
#define TAISHI_RUNTIME_INTERNAL_H

struct config;
struct runtime;

/* What the command line names (pointers kept, not copied). Either reads
 * (-r, offline) or ifaces (-i, live), never both. */
struct runtime_inputs {
    char *const *reads;
    int nreads;
    char *const *ifaces;
    int nifaces;
    char *const *sfiles;        /* -S: replace rules.files when given */
    int nsfiles;
};

/* Failures, with the exit status main() turns them into. */
enum runtime_err {
    RUNTIME_EINPUT = -1,        /* bad input (config, capture files, rules): exit 1 */
    RUNTIME_EFAIL = -2,         /* runtime failure (threads, nDPI, output): exit 2 */
};

/* SIGHUP only sets a flag that the run looks at: main() takes it from the
 * very start (a HUP during a long rule compile is not fatal). */
void runtime_catch_sighup(void);
/* Opens every input and checks it, then starts the threads. 0 with *rtp
 * set, or a negative runtime_err with the message printed on stderr and
 * *rtp NULL (what was built is freed, what was started is joined). */
int runtime_start(const struct config *cfg, const struct runtime_inputs *in, struct runtime **rtp);
/* Offline: reads every file in this thread and returns when the workers
 * have their end batches; 0, or RUNTIME_EINPUT when a file turned out
 * corrupt part-way. Live: waits for SIGTERM/SIGINT (periodic stats and
 * reloads meanwhile); 0. */
int runtime_run(struct runtime *rt);
/* Does what a SIGHUP asked for, if one did: the output file reopened, the
 * enrichment sources, indicators and rules loaded again and put in place
 * (on any failure the old ones stay). Runs in the thread that runs
 * runtime_run(). */
void runtime_reload(struct runtime *rt);
/* Ends and joins every thread the workers run in and the intel feed, then
 * writes the final stats event. */
void runtime_stop(struct runtime *rt);
/* Joins whatever still runs and frees everything in the right order; takes
 * a runtime in any state (NULL too). 0, or -1 when the output could not be
 * written completely (said on stderr). */
int runtime_destroy(struct runtime *rt);

#endif
