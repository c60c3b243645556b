/* app_file.h - file tracking, as a parser sees it (issue 15).
 *
 * A parser that sees a file cross the link (an HTTP body, a MIME attachment,
 * an FTP data connection, an SMB read or write) opens it, feeds it the file's
 * bytes in order (after dechunking, transfer decoding and decompression: what
 * Suricata's `file.data` sees), reports the holes, and closes it with how it
 * ended. The tracker (app_file.c) does the rest, the same way for every
 * protocol:
 *   - MD5, SHA-1 and SHA-256 as configured (files.hash), over the bytes fed;
 *   - libmagic's verdict on the first bytes (file.magic);
 *   - the window of the file's first bytes that rules inspect (file.data),
 *     and the file's own buffers (file.name, file.magic) for the rules;
 *   - the optional store (files.store.dir, named by SHA-256);
 *   - at close, one transaction through the parser's sink: kind TX_FILE,
 *     event=1, meta = struct app_file_meta, from which the `fileinfo` event
 *     is written (with the parent transaction's protocol object, as Suricata
 *     writes "http":{...} or "smtp":{...} beside "fileinfo":{...}).
 *
 * Nothing of a file is kept beyond what hashing, magic and the rules'
 * window need: bytes fed are hashed and dropped.
 *
 * The signatures below are the contract between the tracker and the
 * parsers (SMTP, FTP, SMB, HTTP); the tracker's configuration and its
 * per-worker state are in include/taishi/app/files.h.
 *
 * Ownership: a struct app_file belongs to the parser's flow state that
 * opened it (one worker, no locks) until app_file_close(), which frees it.
 * Memory is accounted in the app_stats given at open. */
#ifndef TAISHI_APP_FILE_H
#define TAISHI_APP_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/app/app.h"
#include "taishi/app/files.h"

/* enum app_file_state and struct app_file_meta (the TX_FILE transaction's
 * meta) are in include/taishi/app/files.h, so that the stages above app/
 * (the worker's indicator check) can read a closed file's record. */

struct app_file;

/* 1 when files are tracked whole now (files_worker_set_active 2): HTTP,
 * whose bodies the rules see as their own buffers, makes files only then. */
int app_file_tracking(const struct app_stats *st);

/* Opens a file of parser `proto` (its id) on direction dir, in transaction
 * tx_id of the flow; name may be NULL or not NUL-terminated (namelen bytes).
 * NULL when file tracking is off or the worker's open-file cap is reached
 * (counted); every other call accepts NULL and does nothing. */
struct app_file *app_file_open(struct app_stats *st, int proto, int dir, uint32_t tx_id,
                               const uint8_t *name, size_t namelen);
/* The file's next bytes, in order. sink: the tracker may hand the rules'
 * file.data window to it (a TX_FILE transaction with event=0) once full. */
void app_file_data(struct app_file *f, const uint8_t *data, size_t len,
                   const struct app_sink *sink);
/* len bytes of the file are missing: gaps=1, size counts them, and the
 * file ends TRUNCATED (Suricata's fileinfo: see app_file.c). */
void app_file_gap(struct app_file *f, size_t len);
/* Ends the file with state (APP_FILE_CLOSED/TRUNCATED/ERROR), hands its
 * TX_FILE transaction to sink (parent: see app_file_meta), and frees it. */
void app_file_close(struct app_file *f, enum app_file_state state, const struct app_tx *parent,
                    const struct app_sink *sink);

/* Added by the tracker (not part of the first contract):
 * Whether the tracker hands this file's file.data window to the rules
 * (default: yes while a rule reads file.data). A parser that gives
 * file.data itself (HTTP: the body buffers) turns it off, so rules do not
 * see the bytes twice. */
void app_file_set_window(struct app_file *f, int on);
/* Bytes fed so far (0 for NULL). */
uint64_t app_file_size(const struct app_file *f);

#endif
