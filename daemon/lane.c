#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "lane.h"

static int
in_window(const struct pacing *c, const struct tm *tm)
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

/* Minute M of the day inside the window START-END (END may be past
 * midnight, before START); START < 0: no window. */
static int
in_span(int start, int end, int m)
{
	if (start < 0)
		return 1;
	if (start < end)
		return m >= start && m < end;
	return m >= start || m < end;
}

/* Both the lane's window and days and a campaign's window (CS < 0: none). */
static int
open_at(const struct pacing *c, int cs, int ce, time_t t)
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	return in_window(c, &tm) &&
	    in_span(cs, ce, tm.tm_hour * 60 + tm.tm_min);
}

/*
 * The first instant after NOW, within DAYS days of NOW's, at which
 * open_at() is OPEN, or -1. The windows open or close only at their own
 * minutes and at midnight (the days), so those instants of each day are
 * the only ones to look at: a few mktime() calls a day where minute steps
 * took up to 1440, and mktime() keeps DST changes right.
 */
static time_t
next_change(const struct pacing *c, int cs, int ce, time_t now, int days,
    int open)
{
	struct tm	 day, tm;
	time_t		 t, best;
	int		 m[3], n = 0, d, i;

	m[n++] = 0;
	if (c->window_start >= 0)
		m[n++] = open ? c->window_start : c->window_end;
	if (cs >= 0)
		m[n++] = open ? cs : ce;
	localtime_r(&now, &day);
	for (d = 0; d <= days; d++) {
		best = -1;
		for (i = 0; i < n; i++) {
			tm = day;
			tm.tm_mday += d;
			tm.tm_hour = m[i] / 60;
			tm.tm_min = m[i] % 60;
			tm.tm_sec = 0;
			tm.tm_isdst = -1;
			if ((t = mktime(&tm)) == -1 || t <= now ||
			    open_at(c, cs, ce, t) != open)
				continue;
			if (best == -1 || t < best)
				best = t;
		}
		if (best != -1)
			return best;
	}
	return -1;
}

long
lane_window_wait_in(const struct pacing *c, int cs, int ce, time_t now)
{
	time_t	 t;

	if (open_at(c, cs, ce, now))
		return 0;
	if ((t = next_change(c, cs, ce, now, 8, 1)) == -1)
		return -1;
	return (long)(t - now);
}

/* Seconds from NOW (open) until the windows close, at most a day. */
static long
open_for(const struct pacing *c, int cs, int ce, time_t now)
{
	time_t	 t;

	if ((t = next_change(c, cs, ce, now, 1, 0)) == -1 ||
	    t - now > 86400)
		return 86400;
	return (long)(t - now);
}

/* The cap of T's day (a warm-up's step, or daily_limit), or ALL
 * without one. */
static long
day_cap(const struct pacing *c, time_t t, long all)
{
	long	 cap;
	int	 age;

	cap = lane_today_cap(c, lane_daynum(t), &age);
	return cap > 0 ? cap : all;
}

/* Seconds N posts take at C's pace: N gaps and a pause after each batch. */
static double
pace_cost(const struct pacing *c, long n)
{
	double	 t;

	t = (double)n * ((double)c->interval_ms / 1000.0 +
	    (double)c->jitter_ms / 2000.0);
	if (c->batch_size > 0)
		t += (double)(n / c->batch_size) *
		    (double)c->batch_pause_ms / 1000.0;
	return t;
}

/*
 * The posts, at most MOST, that start within SPAN seconds of an opening:
 * the Kth (from 0) starts pace_cost(K) after it.
 */
static long
posts_within(const struct pacing *c, double span, long most)
{
	long	 lo = 0, hi = most, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (pace_cost(c, mid - 1) < span)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

double
lane_eta_in(const struct pacing *c, int cs, int ce, long pending, long sent,
    time_t now)
{
	double	 t = (double)now;
	long	 left = pending, cap, n, w, span, day, d;
	int	 i;

	if (pending <= 0)
		return 0;
	/* Each day's cap is that day's (a warm-up's grows day by day),
	 * less what was sent today; no cap, no limit. */
	day = lane_daynum(now);
	if ((cap = day_cap(c, now, -1)) == -1)
		cap = pending;
	else
		cap = cap > sent ? cap - sent : 0;
	/* One turn an opening of the windows or a day: bounded. */
	for (i = 0; i < 4000; i++) {
		if ((w = lane_window_wait_in(c, cs, ce, (time_t)t)) < 0)
			return -1;
		t += (double)w;
		/* Waiting for the windows may have crossed midnight. */
		if ((d = lane_daynum((time_t)t)) != day) {
			day = d;
			cap = day_cap(c, (time_t)t, left);
		}
		span = open_for(c, cs, ce, (time_t)t);
		/* The day's cap ends at midnight too. */
		if (span > lane_to_midnight((time_t)t))
			span = lane_to_midnight((time_t)t);
		n = posts_within(c, (double)span, left < cap ? left : cap);
		if (n == left)
			return t + pace_cost(c, n) - (double)now;
		left -= n;
		cap -= n;
		if (cap <= 0) {
			t += (double)lane_to_midnight((time_t)t);
			day = lane_daynum((time_t)t);
			cap = day_cap(c, (time_t)t, left);
		} else
			t += (double)span;
	}
	return -1;
}

/* Minutes from START to END of a window, across midnight (24 h when
 * they are equal). */
static long
window_minutes(int start, int end)
{
	long	 m = (long)end - (long)start;

	return m > 0 ? m : m + 1440;
}

double
lane_per_day(const struct pacing *c, int cs, int ce, long day)
{
	long	 span = 86400, cap, n;
	int	 age, i, ndays = 0;

	if (c->window_start >= 0)
		span = window_minutes(c->window_start, c->window_end) * 60;
	if (cs >= 0 && window_minutes(cs, ce) * 60 < span)
		span = window_minutes(cs, ce) * 60;
	n = posts_within(c, (double)span, 86400L * 1000);
	if ((cap = lane_today_cap(c, day, &age)) > 0 && cap < n)
		n = cap;
	for (i = 0; i < 7; i++)
		if (c->days & (1 << i))
			ndays++;
	return (double)n * ndays / 7.0;
}

long
lane_window_wait(const struct pacing *c, time_t now)
{
	return lane_window_wait_in(c, -1, -1, now);
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
lane_gap_wait(const struct lane *l, const struct pacing *c, uint64_t now_ms,
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
lane_posted(struct lane *l, const struct pacing *c, uint64_t now_ms,
    uint64_t jitter)
{
	lane_posted_slow(l, c, now_ms, jitter, 1.0);
}

void
lane_posted_slow(struct lane *l, const struct pacing *c, uint64_t now_ms,
    uint64_t jitter, double factor)
{
	uint64_t	 gap;

	if (l->batch_pos >= c->batch_size)
		l->batch_pos = 0;
	l->last_post_ms = now_ms;
	l->batch_pos++;
	gap = c->interval_ms + (jitter > c->jitter_ms ? c->jitter_ms : jitter);
	if (factor > 1.0)
		gap = (uint64_t)((double)gap * factor);
	l->gap_ms = gap;
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
lane_breaker(struct lane *l, const struct pacing *c, uint64_t now_ms,
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
lane_daynum(time_t t)
{
	struct tm	 tm;
	long		 y, m, era, yoe, doy, doe;

	localtime_r(&t, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + tm.tm_mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * A new number that sends a thousand messages on its first day is the
 * easiest ban there is: its cap follows its age, one step a day.
 */
long
lane_today_cap(const struct pacing *c, long day, int *age)
{
	long	 a, cap;

	*age = 0;
	if (c->warmup_start < 0 || c->nwarmup == 0)
		return c->daily_limit;
	a = day - c->warmup_start;
	if (a < 0)
		a = 0;
	if (a >= c->nwarmup)
		return c->daily_limit;
	*age = (int)a + 1;
	cap = c->warmup_steps[a];
	return cap < c->daily_limit ? cap : c->daily_limit;
}

/*
 * Recipients answering STOP is what gets a number reported and banned,
 * well before send failures show it: over a full window of Message 1s,
 * a rate above optout_slow widens the gap, above optout_pause stops the
 * lane until the operator resumes it. 0 turns a threshold off.
 */
int
lane_governor(const struct pacing *c, long n, long optouts, char *why,
    size_t len)
{
	double	 rate;

	if (c->governor_window <= 0 || n < c->governor_window || n <= 0)
		return LANE_GOV_OK;
	rate = 100.0 * (double)optouts / (double)n;
	if (c->optout_pause > 0 && rate > c->optout_pause) {
		snprintf(why, len, "governor: %ld of the last %ld recipients "
		    "opted out (%.1f%%, over the %.1f%% that pauses)",
		    optouts, n, rate,
		    c->optout_pause);
		return LANE_GOV_PAUSE;
	}
	if (c->optout_slow > 0 && rate > c->optout_slow) {
		snprintf(why, len, "governor: %ld of the last %ld recipients "
		    "opted out (%.1f%%, over %.1f%%): gap times %.3g", optouts,
		    n, rate, c->optout_slow, c->slow_factor);
		return LANE_GOV_SLOW;
	}
	return LANE_GOV_OK;
}
