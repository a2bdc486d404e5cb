#ifndef LANE_H
#define LANE_H

#include <stdint.h>
#include <time.h>

struct pacing;

#define LANE_RATE_WINDOW	20	/* sends the error rate is taken over */
#define LANE_RATE_ALERT		10	/* percent: the breaker opens above it */

/*
 * One sending lane's arithmetic (DESIGN §6): the gap between posts, the
 * batch and its pause, the sending window and days, the daily cap, the
 * circuit breaker. No I/O and no clock of its own: callers pass "now", so
 * every rule can be tested alone.
 */
struct lane {
	uint64_t	 last_post_ms;	/* monotonic, 0: never */
	uint64_t	 gap_ms;	/* interval + jitter drawn at that post */
	int		 batch_pos;	/* posts in the current batch */
	int		 failures;	/* consecutive failed sends */
	unsigned char	 recent[LANE_RATE_WINDOW]; /* 1: that send failed */
	int		 nrecent, recent_pos, recent_failed;
	char		 last_error[256];	/* of the last failed send */
	uint64_t	 breaker_until;	/* monotonic, 0: closed */
	uint64_t	 hold_until;	/* 429/503: no post before (monotonic) */
};

/* Seconds from NOW until the window and days allow a send (0: now; -1:
 * never, no day is set). Minutes are local time in the configured zone. */
long	 lane_window_wait(const struct pacing *, time_t);
/* The same with a campaign's own window as well (minutes START, END;
 * START < 0: none). */
long	 lane_window_wait_in(const struct pacing *, int, int, time_t);
/*
 * Seconds to send PENDING messages from NOW, SENT already sent today,
 * following the pace, the lane's window and days and a campaign's window
 * (START, END; START < 0: none) as they close and open, and each day's
 * cap (a warm-up's step, else daily_limit) day after day. -1: the
 * windows never open.
 */
double	 lane_eta_in(const struct pacing *, int, int, long, long, time_t);
/*
 * Posts a day C makes at most, on average over the week (a closed day
 * makes none), within a campaign's window too (START, END; START < 0:
 * none), at day number DAY's cap (a warm-up's): how the lanes sending a
 * campaign share it.
 */
double	 lane_per_day(const struct pacing *, int, int, long);
/* Seconds from NOW to the next local midnight (at least 1). */
long	 lane_to_midnight(time_t);
/*
 * Milliseconds until the lane may post again at NOW_MS (0: now): the gap
 * drawn at the last post, or the batch pause once batch_size posts were
 * made. *IN_PAUSE says the wait is a batch pause.
 */
uint64_t lane_gap_wait(const struct lane *, const struct pacing *, uint64_t,
	    int *);
/* A post went out at NOW_MS; JITTER is the random part of the next gap
 * (0..jitter_ms). */
void	 lane_posted(struct lane *, const struct pacing *, uint64_t, uint64_t);
/* The same with the gap multiplied by FACTOR (the governor's slow-down). */
void	 lane_posted_slow(struct lane *, const struct pacing *, uint64_t,
	    uint64_t, double);
/*
 * Count a send's outcome in the error rate: LANE_OK (ends a failure run),
 * LANE_FAIL (a failure, in the run too: not taken, unknown), LANE_REFUSED
 * (a bad recipient: the rate only), with ERROR for the breaker's reason.
 */
enum { LANE_OK = 0, LANE_FAIL, LANE_REFUSED };
void	 lane_result(struct lane *, int, const char *);
/*
 * The circuit breaker: a run of breaker_failures failed sends, or more
 * than LANE_RATE_ALERT percent of the last LANE_RATE_WINDOW, opens it for
 * a batch_pause from NOW_MS. Returns 0 (closed), 1 (opened by the run), 2
 * (opened by the rate), with WHY saying so.
 */
int	 lane_breaker(struct lane *, const struct pacing *, uint64_t, char *,
	    size_t);
/*
 * Warm-up: the cap of DAY (days since 1970-01-01) for a number whose
 * warm-up started on warmup_start: the step for its age, never above
 * daily_limit; daily_limit once the steps are done or without warm-up.
 * *AGE is the warm-up day (1 the first), 0 when none applies.
 */
long	 lane_today_cap(const struct pacing *, long, int *);
/* Days since 1970-01-01 of the local day of T. */
long	 lane_daynum(time_t);
/*
 * The governor: OPTOUTS among the last N Message 1s of the lane. Judged
 * only over a full governor_window: 0 as usual, 1 slow down (the gap
 * times slow_factor), 2 pause; WHY says it in words.
 */
enum { LANE_GOV_OK = 0, LANE_GOV_SLOW, LANE_GOV_PAUSE };
int	 lane_governor(const struct pacing *, long, long, char *, size_t);

#endif
