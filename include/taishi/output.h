/* output.h - event sinks. Today: a JSON-lines file or stdout.
 *
 * Workers format events in their own buffers (event.h) and hand whole lines
 * here in chunks; one mutex per sink serialises the chunks, so lines from
 * different workers never interleave and the lock is taken once per chunk,
 * not per event.
 *
 * Ownership: output_write copies (writes) the bytes before returning. */
#ifndef TAISHI_OUTPUT_H
#define TAISHI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

struct output;
/* path "-" = stdout. Returns NULL with a message in err. */
struct output *output_open(const char *path, char *err, size_t errlen);
void output_write(struct output *o, const char *buf, size_t len);
/* Flushes and closes; returns 0, or -1 when any write failed (disk full...). */
int output_close(struct output *o);
uint64_t output_bytes(const struct output *o);

#endif
