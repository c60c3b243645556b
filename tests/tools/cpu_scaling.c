/* cpu_scaling.c - how much two busy threads get out of this machine,
 * compared with one: the ceiling for any "-w 2 against -w 1" ratio.
 *
 *   build/cpu-scaling [SECONDS_PER_TEST]
 *
 * Two workloads, each run on one thread, then on two threads at once:
 *   alu     an integer loop that stays in registers (no memory traffic);
 *   memory  memcpy of 64 MiB buffers (bandwidth).
 * Prints, per workload, the work one thread does alone, what each of two
 * does together, and "scaling" = (work of both together) / (work of one
 * alone): 2.00 when the two threads do not slow each other down, about
 * 1.2-1.3 on SMT siblings, near 1.0 for memory bandwidth one thread already
 * saturates. The sensor's workers sit between the two: part computation,
 * part cache misses and copies. Nothing else may run meanwhile (a busy
 * third thread halves the numbers). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double secs = 0.5;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct job {
    int kind;                   /* 0 alu, 1 memory */
    double rate;                /* units of work per second */
};

static void *run(void *arg)
{
    struct job *j = arg;
    double t0 = now(), t = t0;
    uint64_t units = 0, x = 1;

    if (j->kind == 0) {
        while (t - t0 < secs) {
            for (int i = 0; i < 1000000; i++) {
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                x ^= x >> 17;
            }
            units++;
            t = now();
        }
    } else {
        size_t n = 64u << 20;
        char *a = malloc(n), *b = malloc(n);
        if (!a || !b)
            exit(1);
        memset(a, 1, n);
        memset(b, 2, n);
        t0 = t = now();
        while (t - t0 < secs) {
            memcpy(b, a, n);
            a[units % n] ^= b[(units + 1) % n];
            units++;
            t = now();
        }
        x = (uint64_t)a[7];
        free(a);
        free(b);
    }
    j->rate = (double)units / (t - t0) + (double)(x & 0);
    return NULL;
}

int main(int argc, char **argv)
{
    static const char *names[] = { "alu", "memory" };

    if (argc > 1)
        secs = atof(argv[1]);
    for (int k = 0; k < 2; k++) {
        struct job one = { k, 0 }, two[2] = { { k, 0 }, { k, 0 } };
        pthread_t th[2];
        run(&one);
        for (int i = 0; i < 2; i++)
            pthread_create(&th[i], NULL, run, &two[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        double both = two[0].rate + two[1].rate;
        printf("%-6s one thread %8.1f/s; two threads %8.1f/s + %8.1f/s; scaling %.2f\n",
               names[k], one.rate, two[0].rate, two[1].rate, both / one.rate);
    }
    return 0;
}
