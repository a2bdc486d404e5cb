#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "lane.h"

static int
in_window(const struct config *c, const struct tm *tm)
{
	int	 m = tm->tm_hour * 60 + tm->tm_min;

	if (!(c->days & (1 << tm->tm_wday)))
		return 0;
	if (c->window_start < 0)
		return 1;
	if (c->window_start < c->window_end)
		return m >= c->window_start && m < c->window_end;
	return m >= c->window_start || m < c->window_end;
}

long
lane_window_wait(const struct config *c, time_t now)
{
	struct tm	 tm;
	time_t		 t;

	localtime_r(&now, &tm);
	if (in_window(c, &tm))
		return 0;
	/* Minute steps over a week: cheap, and right across DST changes. */
	t = now - tm.tm_sec + 60;
	for (; t < now + 8 * 86400; t += 60) {
		localtime_r(&t, &tm);
		if (in_window(c, &tm))
			return (long)(t - now);
	}
	return -1;
}

long
lane_to_midnight(time_t now)
{
	struct tm	 tm;
	time_t		 t;

	localtime_r(&now, &tm);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return t > now ? (long)(t - now) : 1;
}

uint64_t
lane_gap_wait(const struct lane *l, const struct config *c, uint64_t now_ms,
    int *in_pause)
{
	uint64_t	 gap, earliest;

	*in_pause = 0;
	if (l->last_post_ms == 0)
		return 0;
	gap = l->gap_ms;
	if (l->batch_pos >= c->batch_size && c->batch_pause_ms > gap) {
		gap = c->batch_pause_ms;
		*in_pause = 1;
	}
	earliest = l->last_post_ms + gap;
	return now_ms < earliest ? earliest - now_ms : 0;
}

void
lane_posted(struct lane *l, const struct config *c, uint64_t now_ms,
    uint64_t jitter)
{
	if (l->batch_pos >= c->batch_size)
		l->batch_pos = 0;
	l->last_post_ms = now_ms;
	l->batch_pos++;
	l->gap_ms = c->interval_ms + (jitter > c->jitter_ms ? c->jitter_ms :
	    jitter);
}

void
lane_result(struct lane *l, int kind, const char *error)
{
	int	 failed = kind != LANE_OK;

	if (failed)
		snprintf(l->last_error, sizeof l->last_error, "%s",
		    error ? error : "");
	if (kind == LANE_FAIL)
		l->failures++;
	else if (kind == LANE_OK)
		l->failures = 0;
	if (l->nrecent == LANE_RATE_WINDOW)
		l->recent_failed -= l->recent[l->recent_pos];
	else
		l->nrecent++;
	l->recent[l->recent_pos] = (unsigned char)(failed != 0);
	l->recent_failed += failed != 0;
	l->recent_pos = (l->recent_pos + 1) % LANE_RATE_WINDOW;
}

/*
 * Carrying on while sends fail is what gets a number banned: a run of
 * failures, or a list of dead numbers, pauses the lane for a batch_pause.
 * breaker_failures = 0 turns both rules off.
 */
int
lane_breaker(struct lane *l, const struct config *c, uint64_t now_ms,
    char *why, size_t len)
{
	int	 run, rate;

	if (c->breaker_failures == 0)
		return 0;
	run = l->failures >= c->breaker_failures;
	rate = l->nrecent == LANE_RATE_WINDOW &&
	    l->recent_failed * 100 > LANE_RATE_ALERT * LANE_RATE_WINDOW;
	if (!run && !rate)
		return 0;
	if (run)
		snprintf(why, len, "circuit breaker: %d failures in a row, "
		    "last: %s", l->failures, l->last_error);
	else
		snprintf(why, len, "circuit breaker: %d of the last %d sends "
		    "failed (over %d%%), last: %s", l->recent_failed,
		    LANE_RATE_WINDOW, LANE_RATE_ALERT, l->last_error);
	l->breaker_until = now_ms + c->batch_pause_ms;
	l->failures = 0;
	l->nrecent = l->recent_pos = l->recent_failed = 0;
	return run ? 1 : 2;
}

long
lane_cap_left(const struct config *c, long sent)
{
	return sent >= c->daily_limit ? 0 : c->daily_limit - sent;
}

double
lane_eta(const struct config *c, long pending, long sent, time_t now)
{
	double	 per, t;
	long	 today;

	if (pending <= 0)
		return 0;
	per = (double)c->interval_ms / 1000.0 + (double)c->jitter_ms / 2000.0;
	t = per * (double)pending;
	if (c->batch_size > 0)
		t += (double)(pending / c->batch_size) *
		    (double)c->batch_pause_ms / 1000.0;
	today = lane_cap_left(c, sent);
	if (pending > today && c->daily_limit > 0)
		t += (double)lane_to_midnight(now) + 86400.0 *
		    floor((double)(pending - today - 1) /
		    (double)c->daily_limit);
	return t;
}
