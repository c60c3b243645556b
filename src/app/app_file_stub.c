/* app_file_stub.c - stand-ins for the file tracker (app_file.h) until its
 * implementation (app_file.c, branch h-files) is merged: weak symbols that
 * track nothing (app_file_open() answers NULL, which every other call
 * accepts), so the parsers that open files link and run. The real
 * definitions override these; delete this file once app_file.c is in.
 *
 * Ownership: no state. */
#include "app_file.h"

__attribute__((weak)) struct app_file *app_file_open(struct app_stats *st, int proto, int dir,
                                                     uint32_t tx_id, const uint8_t *name,
                                                     size_t namelen)
{
    (void)st; (void)proto; (void)dir; (void)tx_id; (void)name; (void)namelen;
    return NULL;
}

__attribute__((weak)) void app_file_data(struct app_file *f, const uint8_t *data, size_t len,
                                         const struct app_sink *sink)
{
    (void)f; (void)data; (void)len; (void)sink;
}

__attribute__((weak)) void app_file_gap(struct app_file *f, size_t len)
{
    (void)f; (void)len;
}

__attribute__((weak)) void app_file_close(struct app_file *f, enum app_file_state state,
                                          const struct app_tx *parent, const struct app_sink *sink)
{
    (void)f; (void)state; (void)parent; (void)sink;
}
