/* detect_cache.c - compiled Hyperscan databases on disk.
 *
 * One file per ruleset, `<cache-dir>/taishi-<key>.hsdb`, where the key is a
 * hash of everything the compiler was given (every slot's mode and literals,
 * and Hyperscan's version), so a changed rule, variable that changes a
 * literal, or library gives a new file and a stale one is never used. The
 * file: "TAISHIDB", the key, the slot count, then per slot a 64-bit size
 * (0 = no database) and hs_serialize_database's bytes. It is written to a
 * temporary name and renamed, so a crash never leaves half a file under the
 * real name; a file that does not read back whole is ignored (and rebuilt).
 *
 * Ownership: no state; the databases loaded belong to the slots. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect_internal.h"
#include "taishi/core/util.h"

#define CACHE_MAGIC "TAISHIDB"

static void cache_path(char *buf, size_t len, const char *dir, uint64_t key)
{
    snprintf(buf, len, "%s/taishi-%016llx.hsdb", dir, (unsigned long long)key);
}

int detect_cache_load(const char *dir, uint64_t key, struct slot **all, unsigned n)
{
    char path[1024];
    cache_path(path, sizeof(path), dir, key);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char magic[8];
    uint64_t k = 0, cnt = 0;
    int ok = fread(magic, 1, 8, f) == 8 && !memcmp(magic, CACHE_MAGIC, 8) &&
             fread(&k, sizeof(k), 1, f) == 1 && k == key && fread(&cnt, sizeof(cnt), 1, f) == 1 &&
             cnt == n;
    for (unsigned i = 0; ok && i < n; i++) {
        uint64_t sz = 0;
        if (fread(&sz, sizeof(sz), 1, f) != 1 || (sz != 0) != (all[i]->npat != 0) || sz > (1ULL << 32)) {
            ok = 0;
            break;
        }
        if (!sz)
            continue;
        char *b = xmalloc(sz);
        ok = fread(b, 1, sz, f) == sz && hs_deserialize_database(b, sz, &all[i]->db) == HS_SUCCESS;
        free(b);
    }
    fclose(f);
    if (!ok) {
        for (unsigned i = 0; i < n; i++) {
            hs_free_database(all[i]->db);
            all[i]->db = NULL;
        }
        LOG(LVL_WARNING, "detect: cache %s unreadable, compiling", path);
        return -1;
    }
    return 0;
}

void detect_cache_save(const char *dir, uint64_t key, struct slot **all, unsigned n)
{
    char path[1024], tmp[1100];
    cache_path(path, sizeof(path), dir, key);
    snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        /* e.g. the default /var/cache/taishi for a rule author who is not
         * root: nothing is wrong, the next start compiles again */
        LOG(errno == EACCES || errno == EROFS || errno == ENOENT ? LVL_INFO : LVL_WARNING,
            "detect: cannot create cache dir %s: %s (no cache)", dir, strerror(errno));
        return;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        LOG(errno == EACCES || errno == EROFS ? LVL_INFO : LVL_WARNING,
            "detect: cannot write cache %s: %s (no cache)", tmp, strerror(errno));
        return;
    }
    uint64_t cnt = n;
    int ok = fwrite(CACHE_MAGIC, 1, 8, f) == 8 && fwrite(&key, sizeof(key), 1, f) == 1 &&
             fwrite(&cnt, sizeof(cnt), 1, f) == 1;
    for (unsigned i = 0; ok && i < n; i++) {
        char *b = NULL;
        size_t sz = 0;
        if (all[i]->db && hs_serialize_database(all[i]->db, &b, &sz) != HS_SUCCESS) {
            ok = 0;
            break;
        }
        uint64_t s64 = sz;
        ok = fwrite(&s64, sizeof(s64), 1, f) == 1 && (!sz || fwrite(b, 1, sz, f) == sz);
        free(b);
    }
    ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) < 0) {
        LOG(LVL_WARNING, "detect: cannot write cache %s", path);
        unlink(tmp);
    }
}
