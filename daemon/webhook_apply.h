#ifndef WEBHOOK_APPLY_H
#define WEBHOOK_APPLY_H

#include <stdint.h>

struct daemon;
struct wh_event;

#define WH_TOUCHED_MAX	32

/* Campaigns whose counters a batch changed, for progress events. */
struct wh_touched {
	int64_t		 ids[WH_TOUCHED_MAX];
	size_t		 n;
	int		 overflow;
};

/*
 * Apply one journaled event (webhook_events row EVENT_ID) inside the
 * caller's transaction. Returns 1 when done with it (applied or nothing to
 * do), 0 when it waits for its message (an ack before the send reply), -1
 * on a database error (the caller rolls back).
 */
int	 webhook_apply(struct daemon *, const struct wh_event *, int64_t,
	    struct wh_touched *);
void	 webhook_touch(struct wh_touched *, int64_t);

#endif
