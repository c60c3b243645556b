/* fail_thread.c - an LD_PRELOAD shim for tests/run.sh: the FAIL_THREAD_AT-th
 * pthread_create() of the process fails with EAGAIN (the others go through),
 * so a test can make the sensor's start-up fail part-way, with some threads
 * already running, and check that it ends them all and exits cleanly. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    static _Atomic int calls;
    int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) =
        (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(RTLD_NEXT, "pthread_create");
    const char *at = getenv("FAIL_THREAD_AT");

    if (at && atomic_fetch_add(&calls, 1) + 1 == atoi(at))
        return EAGAIN;
    return real(t, a, fn, arg);
}
