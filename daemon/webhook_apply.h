#ifndef WEBHOOK_APPLY_H
#define WEBHOOK_APPLY_H

#include <stdint.h>

struct daemon;
struct wh_event;

#define WH_TOUCHED_MAX	32

#define WH_NSTATES	8	/* pending sending sent delivered read failed
				   unknown cancelled: the campaign counters */

/* One campaign's counter moves in a batch. */
struct wh_counter {
	int64_t		 campaign;
	int		 delta[WH_NSTATES];
};

/*
 * A batch's deltas to today's daily_usage and to the campaign counters,
 * written once before its commit (webhook_usage_flush) instead of one
 * UPDATE per event.
 */
struct wh_usage {
	int		 delivered;
	int		 read;
	int		 interactions;
	int		 failed;
	size_t		 ncounters;
	struct wh_counter counters[WH_TOUCHED_MAX];
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
/* Write the batch's daily_usage and counter deltas (inside its
 * transaction); 0 or -1. */
int	 webhook_usage_flush(struct daemon *, struct wh_touched *);

#endif
