#ifndef WEBHOOK_APPLY_H
#define WEBHOOK_APPLY_H

#include <stdint.h>

struct daemon;
struct wh_event;

#define WH_TOUCHED_MAX	32

/* Today's daily_usage deltas of a batch, written once before commit. */
struct wh_usage {
	int		 delivered;
	int		 read;
	int		 interactions;
	int		 failed;
};

/* Campaigns whose counters a batch changed, for progress events. */
struct wh_touched {
	int64_t		 ids[WH_TOUCHED_MAX];
	size_t		 n;
	int		 overflow;
	struct wh_usage	 usage;
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
/* Write the batch's daily_usage deltas (inside its transaction); 0 or -1. */
int	 webhook_usage_flush(struct daemon *, struct wh_touched *);

#endif
