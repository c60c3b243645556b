/* app_expect.c - the expectation table (app_expect.h): a fixed array of
 * APP_EXPECT_MAX entries under one mutex, plus an atomic count of live
 * entries read without the lock so that an empty table costs a load.
 *
 * A look-up scans the array (256 entries at most, and only for a new TCP
 * flow while some control connection has announced a data connection);
 * expired entries are dropped on the way. Adding to a full table replaces
 * the entry that expires first.
 *
 * Ownership: static storage for the process; every access to `tab` holds
 * `lock`. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "taishi/app/app_expect.h"

struct entry {
    struct app_expect_key key;
    struct app_expect e;
    uint64_t expires_ns;
    uint8_t used, parser;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry tab[APP_EXPECT_MAX];
static atomic_uint live;
static struct app_expect_counts counts;

static int key_eq(const struct app_expect_key *a, const struct app_expect_key *b)
{
    size_t n = a->ipver == 6 ? 16 : 4;
    return a->ipver == b->ipver && a->port == b->port && !memcmp(a->server, b->server, n) &&
           !memcmp(a->client, b->client, n);
}

static void drop(struct entry *t)
{
    t->used = 0;
    atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed);
}

void app_expect_add(const struct app_expect_key *key, int parser, const struct app_expect *e,
                    uint64_t now_ns)
{
    pthread_mutex_lock(&lock);
    struct entry *slot = NULL, *oldest = &tab[0];
    for (int i = 0; i < APP_EXPECT_MAX; i++) {
        struct entry *t = &tab[i];
        if (t->used && t->expires_ns <= now_ns) {
            drop(t);
            counts.expired++;
        }
        if (t->used && key_eq(&t->key, key)) {  /* announced again: the newer wins */
            drop(t);
        }
        if (!t->used && !slot)
            slot = t;
        if (t->used && t->expires_ns < oldest->expires_ns)
            oldest = t;
    }
    if (!slot) {
        slot = oldest;
        drop(slot);
        counts.replaced++;
    }
    slot->key = *key;
    slot->e = *e;
    slot->parser = (uint8_t)parser;
    slot->expires_ns = now_ns + (uint64_t)APP_EXPECT_TIMEOUT * 1000000000ULL;
    slot->used = 1;
    atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
    counts.added++;
    pthread_mutex_unlock(&lock);
}

int app_expect_take(const struct app_expect_key *key, uint64_t now_ns, struct app_expect *e)
{
    if (!atomic_load_explicit(&live, memory_order_relaxed))
        return 0;
    int parser = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < APP_EXPECT_MAX; i++) {
        struct entry *t = &tab[i];
        if (!t->used)
            continue;
        if (t->expires_ns <= now_ns) {
            drop(t);
            counts.expired++;
            continue;
        }
        if (!parser && key_eq(&t->key, key)) {
            *e = t->e;
            parser = t->parser;
            drop(t);
            counts.taken++;
        }
    }
    pthread_mutex_unlock(&lock);
    return parser;
}

void app_expect_counts(struct app_expect_counts *c)
{
    pthread_mutex_lock(&lock);
    *c = counts;
    pthread_mutex_unlock(&lock);
}

void app_expect_clear(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < APP_EXPECT_MAX; i++)
        if (tab[i].used)
            drop(&tab[i]);
    memset(&counts, 0, sizeof(counts));
    pthread_mutex_unlock(&lock);
}
