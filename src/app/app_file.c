/* app_file.c - the file tracker (app_file.h, files.h): what every parser
 * that sees a file (HTTP bodies, MIME attachments, FTP data, SMB reads and
 * writes) shares.
 *
 * A file is opened by its parser, fed its decoded bytes in order, told of
 * holes, and closed with how it ended. Per file the tracker keeps:
 *   - the running MD5/SHA-1/SHA-256 (files.hash) of the bytes fed (over a
 *     hole they go on with the bytes after it, as Suricata's do; the event
 *     then shows only the SHA-256, and an indicator never matches it);
 *   - the file's first bytes, at most files.magic-bytes for libmagic and,
 *     while a rule reads file.data and the parser does not give file.data
 *     itself, files.data-window for the rules; nothing else of the file;
 *   - with files.store.dir set, a temporary file the bytes are appended to,
 *     renamed to <sha256> at the close (or removed when the file had a
 *     hole: its bytes are not the file's).
 * A file with a hole ends TRUNCATED whatever its parser says, and its size
 * counts the hole (Suricata 7's fileinfo does both).
 * At the close it runs libmagic on the first bytes (one cookie per worker:
 * libmagic is not thread-safe), finishes the hashes and hands one TX_FILE
 * transaction (event=1) to the parser's sink: buffers file.name,
 * file.magic and the file.data window for the rules, meta = struct
 * app_file_meta for the fileinfo event. The rules see a file once, at its
 * close, so a rule on its name and on its bytes sees both in one
 * transaction.
 *
 * Bounds: at most files.max-open files open per worker (further opens
 * return NULL and are counted); each holds its name (FILE_NAME_MAX), its
 * first bytes and, when hashing, about 300 bytes of hash state; all of it
 * is accounted in app_stats.memory. The store keeps at most its share of
 * files.store.max-size per worker (and FILE_STORE_ENTRIES files), removing
 * the oldest it stored first.
 *
 * Ownership: a struct app_file belongs to the parser state that opened it;
 * a files_worker to its worker thread. No locks. */
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "taishi/app/files.h"
#include "taishi/core/md5.h"
#include "taishi/core/sha1.h"
#include "taishi/core/sha256.h"
#include "taishi/core/util.h"
#include "app_buf.h"
#include "app_file.h"

#define FILE_NAME_MAX     2048      /* bytes of a name kept (longer names are cut) */
#define FILE_MAGIC_MAX    1024      /* bytes of its description kept */
#define FILE_STORE_ENTRIES 65536    /* stored files a worker remembers (to remove the oldest) */

struct store_entry {
    char sha256[65];
    uint64_t size;
};

struct files_worker {
    struct files_config cfg;
    magic_t magic;                  /* NULL: magic off */
    int window;                     /* a rule reads file.data */
    int active;                     /* who reads the files (files_worker_set_active): 0 nobody,
                                     * 1 only the rules' file.data window, 2 everything */
    uint32_t rule_hash;             /* FILES_HASH_* the rules need (filemd5, ...) */
    uint8_t rule_magic;             /* a rule reads file.magic: libmagic even with files.magic no */
    uint8_t magic_failed;           /* the lazy magic_load failed: no more tries */
    int id;
    uint64_t store_cap;             /* this worker's share of files.store.max-size */
    uint64_t tmp_seq;
    struct store_entry *store;      /* ring, oldest at store_head */
    uint32_t store_head, store_len;
    struct files_stats st;
};

struct app_file {
    struct files_worker *fw;
    struct app_stats *as;
    int proto;
    uint8_t dir, gaps, window, full;  /* full: hashes and magic (active 2 at open) */
    uint32_t tx_id;
    uint32_t file_id;               /* 1, 2, ... per worker */
    char *name;                     /* NUL-terminated; NULL: none */
    size_t name_alloc;
    uint64_t size;
    uint32_t hash;                  /* FILES_HASH_* still running */
    struct md5_ctx *md5;
    struct sha1_ctx *sha1;
    struct sha256_ctx *sha256;
    struct abuf head;               /* the first bytes */
    int store_fd;                   /* -1: not storing */
    char *tmp_path;
    size_t tmp_alloc;
};

void files_config_default(struct files_config *c)
{
    memset(c, 0, sizeof(*c));
    c->enabled = 1;
    c->hash = FILES_HASH_SHA256;
    c->magic = 0;                   /* as Suricata's force-magic: no */
    c->magic_bytes = 64 * 1024;
    c->max_open = 1000;
    c->data_window = 64 * 1024;
    c->store_max = 1024ull * 1024 * 1024;
}

struct files_worker *files_worker_new(const struct files_config *c, int id, int nworkers,
                                      char *err, size_t errlen)
{
    if (!c || !c->enabled)
        return NULL;
    struct files_worker *fw = xcalloc(1, sizeof(*fw));
    fw->active = 2;
    fw->cfg = *c;
    fw->id = id;
    if (c->magic) {
        fw->magic = magic_open(MAGIC_NONE);
        if (!fw->magic || magic_load(fw->magic, NULL) != 0) {
            snprintf(err, errlen, "files.magic: libmagic cannot load its database: %s",
                     fw->magic ? magic_error(fw->magic) : "magic_open failed");
            files_worker_free(fw);
            return NULL;
        }
    }
    if (c->store_dir[0]) {
        if (mkdir(c->store_dir, 0750) < 0 && errno != EEXIST) {
            snprintf(err, errlen, "files.store.dir: cannot create '%s': %s", c->store_dir,
                     strerror(errno));
            files_worker_free(fw);
            return NULL;
        }
        fw->store_cap = c->store_max / (uint64_t)(nworkers > 0 ? nworkers : 1);
        fw->store = xcalloc(FILE_STORE_ENTRIES, sizeof(*fw->store));
    }
    return fw;
}

void files_worker_free(struct files_worker *fw)
{
    if (!fw)
        return;
    if (fw->magic)
        magic_close(fw->magic);
    free(fw->store);
    free(fw);
}

const struct files_stats *files_worker_stats(const struct files_worker *fw)
{
    static const struct files_stats none;
    return fw ? &fw->st : &none;
}

void files_worker_set_active(struct files_worker *fw, int on)
{
    if (fw)
        fw->active = on;
}

void files_worker_set_window(struct files_worker *fw, int on)
{
    if (fw)
        fw->window = on;
}

void files_worker_set_rule_hashes(struct files_worker *fw, uint32_t hash)
{
    if (fw)
        fw->rule_hash = hash;
}

void files_worker_set_rule_magic(struct files_worker *fw, int on)
{
    if (fw)
        fw->rule_magic = on != 0;
}

/* libmagic for the fileinfo events (files.magic) or for file.magic rules. */
static int magic_on(const struct files_worker *fw)
{
    return (fw->cfg.magic || fw->rule_magic) && !fw->magic_failed;
}

/* The cookie, opened at the first file that wants it when only the rules
 * ask for magic (files.magic yes opens it at start, failing loudly there). */
static magic_t magic_cookie(struct files_worker *fw)
{
    if (!fw->magic && !fw->magic_failed) {
        fw->magic = magic_open(MAGIC_NONE);
        if (!fw->magic || magic_load(fw->magic, NULL) != 0) {
            if (fw->magic)
                magic_close(fw->magic);
            fw->magic = NULL;
            fw->magic_failed = 1;
            fw->st.magic_errors++;
        }
    }
    return fw->magic;
}

/* --- the store --- */

static void store_path(const struct files_worker *fw, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", fw->cfg.store_dir, name);
}

static void store_forget_oldest(struct files_worker *fw)
{
    char path[1024];
    struct store_entry *e = &fw->store[fw->store_head];

    store_path(fw, e->sha256, path, sizeof(path));
    if (unlink(path) < 0 && errno != ENOENT)
        fw->st.store_errors++;
    fw->st.store_bytes -= MIN(fw->st.store_bytes, e->size);
    fw->st.store_removed++;
    fw->store_head = (fw->store_head + 1) % FILE_STORE_ENTRIES;
    fw->store_len--;
}

static void store_open(struct app_file *f)
{
    struct files_worker *fw = f->fw;
    char path[1024];

    store_path(fw, "", path, sizeof(path));
    int n = snprintf(path, sizeof(path), "%s/.tmp.%ld.%d.%llu", fw->cfg.store_dir, (long)getpid(),
                     fw->id, (unsigned long long)++fw->tmp_seq);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        fw->st.store_errors++;
        return;
    }
    f->store_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (f->store_fd < 0) {
        fw->st.store_errors++;
        return;
    }
    f->tmp_alloc = (size_t)n + 1;
    f->tmp_path = app_buf_alloc(f->as, f->tmp_alloc);
    memcpy(f->tmp_path, path, f->tmp_alloc);
}

static void store_drop(struct app_file *f)
{
    if (f->store_fd >= 0) {
        close(f->store_fd);
        unlink(f->tmp_path);
    }
    f->store_fd = -1;
}

/* At the close: the temporary file becomes <sha256>; 1 when stored. */
static int store_finish(struct app_file *f, const char *sha256)
{
    struct files_worker *fw = f->fw;
    char path[1024];
    struct stat sb;

    if (f->store_fd < 0)
        return 0;
    if (!sha256 || f->size > fw->store_cap) {
        store_drop(f);
        return 0;
    }
    close(f->store_fd);
    f->store_fd = -1;
    store_path(fw, sha256, path, sizeof(path));
    if (stat(path, &sb) == 0) {             /* the same bytes are there already */
        unlink(f->tmp_path);
        return 1;
    }
    while (fw->store_len && (fw->store_len >= FILE_STORE_ENTRIES ||
                             fw->st.store_bytes + f->size > fw->store_cap))
        store_forget_oldest(fw);
    if (rename(f->tmp_path, path) < 0) {
        fw->st.store_errors++;
        unlink(f->tmp_path);
        return 0;
    }
    struct store_entry *e = &fw->store[(fw->store_head + fw->store_len) % FILE_STORE_ENTRIES];
    memcpy(e->sha256, sha256, 65);
    e->size = f->size;
    fw->store_len++;
    fw->st.store_bytes += f->size;
    fw->st.stored++;
    return 1;
}

/* --- files --- */

int app_file_tracking(const struct app_stats *st)
{
    return st && st->files && st->files->active >= 2;
}

struct app_file *app_file_open(struct app_stats *st, int proto, int dir, uint32_t tx_id,
                               const uint8_t *name, size_t namelen)
{
    if (!st || !st->files || !st->files->active)
        return NULL;
    struct files_worker *fw = st->files;
    if (fw->st.open >= fw->cfg.max_open) {
        fw->st.refused++;
        return NULL;
    }
    struct app_file *f = app_buf_alloc(st, sizeof(*f));
    f->fw = fw;
    f->as = st;
    f->proto = proto;
    f->dir = dir == APP_DIR_TOCLIENT ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER;
    f->tx_id = tx_id;
    f->store_fd = -1;
    f->window = 1;
    if (name) {
        size_t n = MIN(namelen, (size_t)FILE_NAME_MAX);
        f->name_alloc = n + 1;
        f->name = app_buf_alloc(st, f->name_alloc);
        memcpy(f->name, name, n);
        f->name[n] = 0;
    }
    f->full = fw->active >= 2;
    f->hash = f->full ? fw->cfg.hash | fw->rule_hash : fw->rule_hash;
    if (fw->cfg.store_dir[0])
        f->hash |= FILES_HASH_SHA256;       /* the store names files by it */
    if (f->hash & FILES_HASH_MD5) {
        f->md5 = app_buf_alloc(st, sizeof(*f->md5));
        md5_init(f->md5);
    }
    if (f->hash & FILES_HASH_SHA1) {
        f->sha1 = app_buf_alloc(st, sizeof(*f->sha1));
        sha1_init(f->sha1);
    }
    if (f->hash & FILES_HASH_SHA256) {
        f->sha256 = app_buf_alloc(st, sizeof(*f->sha256));
        sha256_init(f->sha256);
    }
    if (fw->cfg.store_dir[0])
        store_open(f);
    fw->st.opened++;
    fw->st.open++;
    f->file_id = (uint32_t)fw->st.opened;
    return f;
}

void app_file_set_window(struct app_file *f, int on)
{
    if (f)
        f->window = on != 0;
}

uint64_t app_file_size(const struct app_file *f)
{
    return f ? f->size : 0;
}

/* How many first bytes this file keeps: magic's, and the rules' window. */
static uint32_t head_want(const struct app_file *f)
{
    uint64_t n = magic_on(f->fw) && f->full ? f->fw->cfg.magic_bytes : 0;
    if (f->window && f->fw->window && f->fw->cfg.data_window > n)
        n = f->fw->cfg.data_window;
    return (uint32_t)MIN(n, (uint64_t)UINT32_MAX);
}

void app_file_data(struct app_file *f, const uint8_t *data, size_t len,
                   const struct app_sink *sink)
{
    (void)sink;                     /* the rules see the file at its close */
    if (!f || !data || !len)
        return;
    f->size += len;
    if (f->md5)
        md5_update(f->md5, data, len);
    if (f->sha1)
        sha1_update(f->sha1, data, len);
    if (f->sha256)
        sha256_update(f->sha256, data, len);
    uint32_t want = head_want(f);
    if (f->head.len < want) {
        size_t k = MIN(len, (size_t)(want - f->head.len));
        app_buf_append(f->as, &f->head, data, k, want);
    }
    if (f->store_fd >= 0) {
        const uint8_t *p = data;
        size_t left = len;
        while (left) {
            ssize_t w = write(f->store_fd, p, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                f->fw->st.store_errors++;
                store_drop(f);
                break;
            }
            p += w;
            left -= (size_t)w;
        }
    }
}

void app_file_gap(struct app_file *f, size_t len)
{
    if (!f)
        return;
    f->size += len;                 /* Suricata counts the hole in the size */
    f->gaps = 1;
    store_drop(f);                  /* a file with a hole has no SHA-256 to be named by */
}

static void hex(const uint8_t *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = 0;
}

static void file_free(struct app_file *f)
{
    struct app_stats *st = f->as;

    store_drop(f);
    if (f->tmp_path)
        app_buf_release(st, f->tmp_path, f->tmp_alloc);
    if (f->name)
        app_buf_release(st, f->name, f->name_alloc);
    if (f->md5)
        app_buf_release(st, f->md5, sizeof(*f->md5));
    if (f->sha1)
        app_buf_release(st, f->sha1, sizeof(*f->sha1));
    if (f->sha256)
        app_buf_release(st, f->sha256, sizeof(*f->sha256));
    app_buf_free(st, &f->head);
    f->fw->st.open--;
    app_buf_release(st, f, sizeof(*f));
}

void app_file_close(struct app_file *f, enum app_file_state state, const struct app_tx *parent,
                    const struct app_sink *sink)
{
    if (!f)
        return;
    struct files_worker *fw = f->fw;
    char md5s[33], sha1s[41], sha256s[65], magic[FILE_MAGIC_MAX], sizes[24];
    struct app_file_meta m;
    struct txb t = { .n = 0 };

    if (state != APP_FILE_CLOSED && state != APP_FILE_TRUNCATED && state != APP_FILE_ERROR)
        state = APP_FILE_ERROR;
    if (state == APP_FILE_CLOSED && f->gaps)
        state = APP_FILE_TRUNCATED;
    memset(&m, 0, sizeof(m));
    m.filename = f->name;
    m.size = f->size;
    m.tx_id = f->tx_id;
    m.state = (uint8_t)state;
    m.gaps = f->gaps;
    m.dir = f->dir;
    m.parent = parent;
    if (magic_on(fw) && f->full && magic_cookie(fw)) {
        size_t mn = MIN((size_t)f->head.len, (size_t)fw->cfg.magic_bytes);
        const char *r = mn ? magic_buffer(fw->magic, f->head.d, mn) : NULL;
        if (f->head.len && !r)
            fw->st.magic_errors++;
        if (!f->head.len)
            r = "empty";            /* libmagic's word for no bytes */
        if (r) {
            snprintf(magic, sizeof(magic), "%s", r);
            m.magic = magic;
        }
    }
    {
        uint8_t d[32];
        if (f->md5) {
            md5_final(f->md5, d);
            hex(d, 16, md5s);
            if (fw->cfg.hash & FILES_HASH_MD5)
                m.md5 = md5s;
        }
        if (f->sha1) {
            sha1_final(f->sha1, d);
            hex(d, 20, sha1s);
            if (fw->cfg.hash & FILES_HASH_SHA1)
                m.sha1 = sha1s;
        }
        if (f->sha256) {
            sha256_final(f->sha256, d);
            hex(d, 32, sha256s);
            /* a file cut off (TRUNCATED without a hole: the flow, a gap it
             * could not cross or its protocol ended it) has no digest, as
             * Suricata closes such a file without finishing its hashes */
            if ((fw->cfg.hash & FILES_HASH_SHA256) && !(state == APP_FILE_TRUNCATED && !f->gaps))
                m.sha256 = sha256s;
        }
    }
    if (f->store_fd >= 0) {
        m.stored = (uint8_t)store_finish(f, f->sha256 && !f->gaps ? sha256s : NULL);
    }
    m.file_id = f->file_id;
    switch (state) {
    case APP_FILE_CLOSED: fw->st.closed++; break;
    case APP_FILE_TRUNCATED: fw->st.truncated++; break;
    default: fw->st.errors++; break;
    }
    if (m.filename)
        txb_add(&t, BUF_FILE_NAME, m.filename, strlen(m.filename));
    if (m.magic)
        txb_add(&t, BUF_FILE_MAGIC, m.magic, strlen(m.magic));
    if (f->window && fw->window && f->head.len)
        txb_add(&t, BUF_FILE_DATA, f->head.d, MIN(f->head.len, fw->cfg.data_window));
    int sl = snprintf(sizes, sizeof(sizes), "%llu", (unsigned long long)f->size);
    txb_add(&t, BUF_FILE_SIZE, sizes, (size_t)sl);
    if (f->md5)
        txb_add(&t, BUF_FILE_MD5, md5s, 32);
    if (f->sha1)
        txb_add(&t, BUF_FILE_SHA1, sha1s, 40);
    if (f->sha256)
        txb_add(&t, BUF_FILE_SHA256, sha256s, 64);
    app_buf_emit(sink, f->proto, TX_FILE, f->dir, 1, &t, &m);
    file_free(f);
}

/* fileinfo{filename, magic, gaps, state, md5, sha1, sha256, stored,
 * file_id, size, tx_id} in Suricata 7's order and with its rules: md5 and
 * sha1 only for a file CLOSED, sha256 unless the file was cut off (TRUNCATED
 * without a hole: app_file_close), file_id only for
 * a file stored. (app_event_body() writes the parent's object before it.) */
void app_file_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct app_file_meta *m = tx->meta;
    static const char *const states[] = { "UNKNOWN", "CLOSED", "TRUNCATED", "ERROR" };

    if (!m)
        return;
    jw_kobj(w, "fileinfo");
    app_buf_kstr(w, "filename", m->filename);   /* none: no member (Suricata's NFS READ of
                                                 * a handle never named) */
    app_buf_kstr(w, "magic", m->magic);
    jw_key(w, "gaps");
    jw_bool(w, m->gaps);
    jw_kstr(w, "state", states[m->state < 4 ? m->state : 0]);
    if (m->state == APP_FILE_CLOSED) {
        app_buf_kstr(w, "md5", m->md5);
        app_buf_kstr(w, "sha1", m->sha1);
    }
    app_buf_kstr(w, "sha256", m->sha256);
    jw_key(w, "stored");
    jw_bool(w, m->stored);
    if (m->stored)
        jw_ku64(w, "file_id", m->file_id);
    jw_ku64(w, "size", m->size);
    jw_ku64(w, "tx_id", m->tx_id);
    jw_obj_end(w);
}
