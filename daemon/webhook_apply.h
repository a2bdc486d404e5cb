#ifndef WEBHOOK_APPLY_H
#define WEBHOOK_APPLY_H

#include <stdint.h>

struct daemon;
struct ob_batch;
struct wh_event;

/*
 * Apply one journaled event (webhook_events row EVENT_ID) inside the
 * caller's transaction, counters gathered in the batch (outbox_flush before
 * the commit; the batch's known[] lists messages given ids, whose waiting
 * events the caller applies next). Returns 1 when done with it (applied or
 * nothing to do), 0 when it waits (an ack before the send reply, or an
 * outbound event that may yet settle an unknown message), -1 on a database
 * error (the caller rolls back).
 */
int	 webhook_apply(struct daemon *, const struct wh_event *, int64_t,
	    struct ob_batch *);

#endif
