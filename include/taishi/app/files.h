/* files.h - the file tracker's configuration and its per-worker state
 * (issue 15). What parsers call is src/app/app_file.h; this is what the
 * configuration (config/, the `files.*` keys) and the worker (pipeline/)
 * see of it.
 *
 * One `struct files_worker` per worker thread: its libmagic cookie
 * (libmagic is not thread-safe, so never shared), its open-file count and
 * cap, its share of the file store's size cap and the list of the files it
 * stored (oldest first), its counters. A worker reaches it from the parsers
 * through `app_stats.files` (every parser call already has the app_stats).
 *
 * Ownership: the worker creates and frees its files_worker; only its own
 * thread touches it (no locks). The files_config is read-only after
 * start-up (part of struct config). */
#ifndef TAISHI_APP_FILES_H
#define TAISHI_APP_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/app/app.h"

enum app_file_state {
    APP_FILE_OPEN = 0,
    APP_FILE_CLOSED,        /* every byte seen, the protocol said it ended */
    APP_FILE_TRUNCATED,     /* a gap it could not cross, a cap, the flow ended first */
    APP_FILE_ERROR,         /* the protocol's framing broke inside the file */
};

/* The record of a closed file (the TX_FILE transaction's meta). Strings are
 * NUL-terminated views valid during the sink's callback; NULL when absent. */
struct app_file_meta {
    const char *filename;       /* as the protocol named it (bytes kept as sent) */
    const char *magic;          /* libmagic's description; NULL when off */
    const char *md5, *sha1, *sha256;    /* lower-case hex; NULL when not computed
                                         * (off). With gaps: of the bytes fed, as
                                         * Suricata's (its event shows only sha256) */
    uint64_t size;              /* bytes fed plus the holes' lengths (Suricata's size) */
    uint32_t tx_id;             /* the parent transaction's number in the flow */
    uint32_t file_id;           /* 1, 2, ... per worker (fileinfo.file_id) */
    uint8_t state;              /* enum app_file_state (TRUNCATED when gaps) */
    uint8_t gaps;               /* 1: some bytes were missing */
    uint8_t stored;             /* 1: written to files.store.dir */
    uint8_t dir;                /* APP_DIR_* the file travelled */
    /* The transaction the file belongs to, whose parser's event_body() writes
     * the protocol object of the fileinfo event; NULL when there is none. */
    const struct app_tx *parent;
};

/* files.hash: bits */
#define FILES_HASH_MD5    1u
#define FILES_HASH_SHA1   2u
#define FILES_HASH_SHA256 4u

struct files_config {
    int enabled;                /* files.enabled (yes): track files at all */
    uint32_t hash;              /* files.hash ([sha256]): FILES_HASH_* bits */
    int magic;                  /* files.magic (yes): libmagic's verdict */
    uint64_t magic_bytes;       /* files.magic-bytes (64kb): the first bytes libmagic sees
                                 * (Suricata gives it what it buffered, for most files the
                                 * whole file: "with very long lines (N)" needs them) */
    uint32_t max_open;          /* files.max-open (1000): open files per worker; more are
                                 * refused and counted */
    uint64_t data_window;       /* files.data-window (64kb): the first bytes of a file the
                                 * rules' file.data sees (for parsers that do not give
                                 * their own); kept only while rules read file.data */
    char store_dir[512];        /* files.store.dir (""): off; else files are written here
                                 * as <sha256> */
    uint64_t store_max;         /* files.store.max-size (1gb): all workers together; past
                                 * it the oldest stored files are removed (counted) */
};
void files_config_default(struct files_config *c);

/* Counters of one worker (summed into the stats event's "files" object). */
struct files_stats {
    uint64_t opened, closed, truncated, errors;
    uint64_t refused;           /* opens past files.max-open */
    uint64_t open;              /* open now */
    uint64_t stored, store_removed, store_errors;
    uint64_t store_bytes;       /* bytes this worker holds in the store now */
    uint64_t magic_errors;
};

struct files_worker;
/* The state of worker `id` of `nworkers` (its share of store_max). NULL
 * with the reason in err when libmagic's database cannot be loaded or the
 * store directory cannot be created. c == NULL or !c->enabled: a worker
 * with file tracking off (every app_file_open returns NULL). */
struct files_worker *files_worker_new(const struct files_config *c, int id, int nworkers,
                                      char *err, size_t errlen);
void files_worker_free(struct files_worker *fw);           /* NULL: no-op */
const struct files_stats *files_worker_stats(const struct files_worker *fw);
/* Who reads the files' results, so the tracker does only that work
 * (hashing and libmagic cost more than the parsing; Suricata too tracks
 * files only for an output or a rule that needs them): 0 nobody (no file is
 * opened), 1 only rules' file.data (the window; no hashes but the rules',
 * no magic, and HTTP bodies, which rules see as their own buffers, are no
 * files), 2 everything (fileinfo events, the store, rules on a file's name,
 * magic, size or hash, file-hash indicators). New workers start at 2; the
 * worker says so whenever that changes. */
void files_worker_set_active(struct files_worker *fw, int on);
/* 1: a loaded rule reads file.data, so the tracker keeps each file's
 * window (the worker says so whenever its ruleset changes). */
void files_worker_set_window(struct files_worker *fw, int on);
/* FILES_HASH_* the loaded rules need (filemd5, filesha1, filesha256):
 * computed for every file besides files.hash (only those are logged). */
void files_worker_set_rule_hashes(struct files_worker *fw, uint32_t hash);
/* The ruleset reads file.magic (filemagic, file.magic): libmagic runs on the
 * files that are tracked whole even with files.magic off (the cookie is
 * opened at the first such file). */
void files_worker_set_rule_magic(struct files_worker *fw, int on);

/* "fileinfo":{...} of a TX_FILE transaction (app_file.h), Suricata 7's
 * fields. app_event_body() writes the parent transaction's protocol object
 * ("http":{...}) before it: the whole body of the fileinfo event. */
struct jw;
struct app_tx;
void app_file_event_body(struct jw *w, const struct app_tx *tx);

#endif
