/* worker_emit.c - a worker's event buffer: builders write each event into
 * w->jw (event.h); worker_emit_event() closes it and notes its type and
 * key (the Kafka message key) for the sinks; worker_emit_flush() hands the whole
 * chunk of events to the output (output.h), which copies what it keeps.
 * A chunk is flushed when less than JBUF_HEADROOM is left or it holds
 * WORKER_MAX_EVENTS events, and at the end of every batch.
 *
 * Ownership: the buffer and the event list belong to the worker's thread. */
#include "taishi/output/output.h"
#include "worker_internal.h"

#define JBUF_HEADROOM (64u * 1024u)    /* flush when less than this is left */

void worker_emit_flush(struct worker *w)
{
    output_write_events(w->out, w->jbuf, w->ev, w->nev);
    w->jw.len = 0;
    w->nev = 0;
}

/* Ends the event being written and notes its type and key for the sinks. */
void worker_emit_event(struct worker *w, enum event_type t, uint64_t key)
{
    size_t start = w->jw.mark;

    if (jw_end(&w->jw) < 0) {
        w->st.events_dropped++;
        return;
    }
    w->st.events[t]++;
    w->ev[w->nev++] = (struct out_event){ (uint32_t)start, (uint32_t)(w->jw.len - start),
                                          (uint8_t)t, key };
    if (w->jw.cap - w->jw.len < JBUF_HEADROOM || w->nev == WORKER_MAX_EVENTS)
        worker_emit_flush(w);
}
