/* worker_internal.h - what worker.c shares with the worker's other stage
 * files (worker_l7.c): event bookkeeping and the layer-7 entry points.
 * Not part of the worker's public interface (worker.h). */
#ifndef TAISHI_WORKER_INTERNAL_H
#define TAISHI_WORKER_INTERNAL_H

#include "taishi/pipeline/worker.h"

int worker_wants(const struct worker *w, enum event_type t);
/* Ends the event being written in w->jw and notes its type and key. */
void worker_finish_event(struct worker *w, enum event_type t, uint64_t key);
/* worker_l7.c */
/* Builds the nDPI -> rule protocol and parser index once per process. */
void worker_l7_init(void);
void worker_l7_packet(struct worker *w, struct flow *f, const struct packet *p, int to_server);
void worker_l7_end(struct worker *w, struct flow *f);
/* After a rule reload: moves every flow's detect state to the new ruleset
 * at once, so the old one is freed now, not when its last flow ends. */
void worker_l7_migrate_all(struct worker *w);

#endif
