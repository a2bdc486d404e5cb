#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "lane.h"
#include "xmalloc.h"

/* A local time in the zone set by setup: 2026-12-01 (a Tuesday) H:M:S. */
static time_t
at(int mday, int h, int m, int s)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 11;
	tm.tm_mday = mday;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static struct pacing *
conf(void)
{
	struct config	*cf = config_default();
	struct pacing	*c = xmalloc(sizeof *c);

	*c = cf->pacing;
	config_free(cf);
	c->interval_ms = 25000;
	c->jitter_ms = 5000;
	c->batch_size = 25;
	c->batch_pause_ms = 300000;
	c->daily_limit = 1000;
	c->breaker_failures = 5;
	return c;
}

/* The gap: interval plus the jitter drawn at the post, never less. */
static void
test_gap(void **state)
{
	struct pacing	*c = conf();
	struct lane	 l;
	int		 pause;

	memset(&l, 0, sizeof l);
	assert_int_equal(lane_gap_wait(&l, c, 1000, &pause), 0);
	lane_posted(&l, c, 1000, 1234);
	assert_int_equal(l.gap_ms, 26234);
	assert_int_equal(lane_gap_wait(&l, c, 1000, &pause), 26234);
	assert_false(pause);
	assert_int_equal(lane_gap_wait(&l, c, 27233, &pause), 1);
	assert_int_equal(lane_gap_wait(&l, c, 27234, &pause), 0);
	/* A draw over the configured jitter is capped. */
	lane_posted(&l, c, 30000, 999999);
	assert_int_equal(l.gap_ms, 30000);
	free(c);
}

/* After batch_size posts the batch pause applies, then a new batch. */
static void
test_batch(void **state)
{
	struct pacing	*c = conf();
	struct lane	 l;
	uint64_t	 t = 1;
	int		 i, pause;

	memset(&l, 0, sizeof l);
	for (i = 0; i < 25; i++) {
		assert_int_equal(lane_gap_wait(&l, c, t, &pause), 0);
		lane_posted(&l, c, t, 0);
		t += 25000;
	}
	/* The 26th waits the pause from the 25th post, not the gap. */
	assert_int_equal(lane_gap_wait(&l, c, t - 25000 + 1000, &pause),
	    299000);
	assert_true(pause);
	t = t - 25000 + 300000;
	assert_int_equal(lane_gap_wait(&l, c, t, &pause), 0);
	lane_posted(&l, c, t, 0);
	assert_int_equal(l.batch_pos, 1);
	assert_int_equal(lane_gap_wait(&l, c, t + 1, &pause), 24999);
	assert_false(pause);
	free(c);
}

/* Windows: inside, before, after, across midnight, and sending days. */
static void
test_window(void **state)
{
	struct pacing	*c = conf();

	assert_int_equal(lane_window_wait(c, at(1, 3, 0, 0)), 0);
	c->window_start = 8 * 60;
	c->window_end = 20 * 60;
	assert_int_equal(lane_window_wait(c, at(1, 8, 0, 0)), 0);
	assert_int_equal(lane_window_wait(c, at(1, 19, 59, 59)), 0);
	assert_int_equal(lane_window_wait(c, at(1, 7, 30, 0)), 1800);
	assert_int_equal(lane_window_wait(c, at(1, 20, 0, 0)), 12 * 3600);
	/* 22:00-06:00 wraps midnight. */
	c->window_start = 22 * 60;
	c->window_end = 6 * 60;
	assert_int_equal(lane_window_wait(c, at(1, 23, 0, 0)), 0);
	assert_int_equal(lane_window_wait(c, at(1, 5, 0, 0)), 0);
	assert_int_equal(lane_window_wait(c, at(1, 12, 0, 0)), 10 * 3600);
	/* Weekdays only (Mon-Fri): Saturday noon waits for Monday 00:00, the
	 * early part of the overnight window belonging to Monday. */
	c->days = 0x3e;
	assert_int_equal(lane_window_wait(c, at(5, 12, 0, 0)),
	    (long)(at(7, 0, 0, 0) - at(5, 12, 0, 0)));
	c->days = 0;
	assert_int_equal(lane_window_wait(c, at(1, 12, 0, 0)), -1);
	free(c);
}

/* Day change: to the next local midnight, also on a 23-hour day. */
static void
test_midnight(void **state)
{
	assert_int_equal(lane_to_midnight(at(1, 23, 59, 0)), 60);
	assert_int_equal(lane_to_midnight(at(1, 0, 0, 0)), 86400);
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	{
		struct tm	 tm;
		time_t		 t;

		/* 2026-03-29: clocks go 02:00 -> 03:00; the day has 23 h. */
		memset(&tm, 0, sizeof tm);
		tm.tm_year = 126;
		tm.tm_mon = 2;
		tm.tm_mday = 29;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		assert_int_equal(lane_to_midnight(t), 23 * 3600);
	}
	setenv("TZ", "UTC", 1);
	tzset();
}

/* The cap, and the ETA across the cap into the next days. */
static void
test_cap_eta(void **state)
{
	struct pacing	*c = conf();
	time_t		 now = at(1, 12, 0, 0);
	double		 e;

	c->jitter_ms = 0;
	/* 50 messages: 50 gaps of 25 s and 2 batch pauses. */
	e = lane_eta_in(c, -1, -1, 50, 0, now);
	assert_true(e > 50 * 25 + 2 * 300 - 1 && e < 50 * 25 + 2 * 300 + 1);
	/* Over today's cap: waits for midnight. */
	e = lane_eta_in(c, -1, -1, 50, 990, now);
	assert_true(e >= 12 * 3600);
	assert_int_equal(lane_eta_in(c, -1, -1, 0, 0, now), 0);
	/* Sent past the cap (a cap lowered today): midnight too. */
	assert_true(lane_eta_in(c, -1, -1, 1, 1200, now) >= 12 * 3600);
	free(c);
}

/*
 * A window's day: 09:00-17:00 at 25 s and a 5-minute pause per 25 gives
 * 778 posts a day under a cap of 1000. Twice that from midnight ends at
 * the second day's close: the cap starts again each day even when the
 * window, not the cap, ended the day before. And no cap is no limit,
 * whatever was sent today.
 */
static void
test_window_days_eta(void **state)
{
	struct pacing	*c = conf();
	time_t		 now = at(1, 0, 0, 0);
	double		 e;

	c->jitter_ms = 0;
	c->batch_size = 25;
	c->batch_pause_ms = 300000;
	c->window_start = 9 * 60;
	c->window_end = 17 * 60;
	e = lane_eta_in(c, -1, -1, 2 * 778, 0, now);
	assert_true(e > 24 * 3600 + 16 * 3600 && e <= 24 * 3600 + 17 * 3600);
	c->daily_limit = 0;
	c->window_start = -1;
	e = lane_eta_in(c, -1, -1, 100, 5000, now);
	assert_true(e < 86400);
	free(c);
}

/*
 * A warming number's ETA follows its cap day by day: 100 messages at 20,
 * 40 then 1000 a day take three days, not five at the first day's 20.
 */
static void
test_warmup_eta(void **state)
{
	struct pacing	*c = conf();
	time_t		 now = at(1, 0, 30, 0);
	double		 e;

	c->jitter_ms = 0;
	c->batch_pause_ms = 0;
	c->warmup_start = lane_daynum(now);
	c->warmup_steps[0] = 20;
	c->warmup_steps[1] = 40;
	c->nwarmup = 2;
	e = lane_eta_in(c, -1, -1, 100, 0, now);
	/* 20 today, 40 tomorrow, the last 40 the day after from 00:00. */
	assert_true(e > 2 * 86400 - 1800 && e < 2 * 86400 - 1800 + 41 * 25);
	/* And what it sends a day, for the shares: 20 today. */
	assert_true(lane_per_day(c, -1, -1, lane_daynum(now)) == 20.0);
	free(c);
}

/* The breaker: a run of failures, or over 10% of the last 20. */
static void
test_breaker(void **state)
{
	struct pacing	*c = conf();
	struct lane	 l;
	char		 why[300];
	int		 i;

	memset(&l, 0, sizeof l);
	for (i = 0; i < 4; i++)
		lane_result(&l, LANE_FAIL, "HTTP 500");
	assert_int_equal(lane_breaker(&l, c, 10, why, sizeof why), 0);
	lane_result(&l, LANE_FAIL, "timeout");
	assert_int_equal(lane_breaker(&l, c, 10, why, sizeof why), 1);
	assert_non_null(strstr(why, "5 failures in a row, last: timeout"));
	assert_int_equal(l.breaker_until, 10 + 300000);
	assert_int_equal(l.failures, 0);
	/* Refusals count in the rate, not in the run; a success ends it. */
	memset(&l, 0, sizeof l);
	for (i = 0; i < 17; i++)
		lane_result(&l, LANE_OK, NULL);
	lane_result(&l, LANE_REFUSED, "phone:invalid");
	lane_result(&l, LANE_REFUSED, "phone:invalid");
	assert_int_equal(lane_breaker(&l, c, 0, why, sizeof why), 0);
	lane_result(&l, LANE_REFUSED, "phone:invalid");
	assert_int_equal(l.failures, 0);
	assert_int_equal(lane_breaker(&l, c, 0, why, sizeof why), 2);
	assert_non_null(strstr(why, "3 of the last 20 sends failed"));
	/* Two of twenty is 10%, not over it. */
	memset(&l, 0, sizeof l);
	for (i = 0; i < 18; i++)
		lane_result(&l, LANE_OK, NULL);
	lane_result(&l, LANE_REFUSED, "x");
	lane_result(&l, LANE_REFUSED, "x");
	assert_int_equal(lane_breaker(&l, c, 0, why, sizeof why), 0);
	/* The window slides: the oldest outcome leaves it. */
	lane_result(&l, LANE_OK, NULL);
	assert_int_equal(l.nrecent, 20);
	assert_int_equal(l.recent_failed, 2);
	c->breaker_failures = 0;
	for (i = 0; i < 20; i++)
		lane_result(&l, LANE_FAIL, "x");
	assert_int_equal(lane_breaker(&l, c, 0, why, sizeof why), 0);
	free(c);
}

static int
setup(void **state)
{
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

/* Warm-up: the step for the number's age, never above daily_limit. */
static void
test_warmup(void **state)
{
	struct pacing	*c = conf();
	long		 day = lane_daynum(at(1, 12, 0, 0));
	int		 age;

	assert_int_equal(lane_today_cap(c, day, &age), 1000);
	assert_int_equal(age, 0);
	c->warmup_start = day;
	c->warmup_steps[0] = 20;
	c->warmup_steps[1] = 40;
	c->warmup_steps[2] = 2000;
	c->nwarmup = 3;
	assert_int_equal(lane_today_cap(c, day, &age), 20);
	assert_int_equal(age, 1);
	assert_int_equal(lane_today_cap(c, day + 1, &age), 40);
	assert_int_equal(age, 2);
	/* A step above the daily limit is the limit. */
	assert_int_equal(lane_today_cap(c, day + 2, &age), 1000);
	assert_int_equal(age, 3);
	/* Steps done: the daily limit, no warm-up day. */
	assert_int_equal(lane_today_cap(c, day + 3, &age), 1000);
	assert_int_equal(age, 0);
	/* Before its start: the first step. */
	assert_int_equal(lane_today_cap(c, day - 5, &age), 20);
	assert_int_equal(age, 1);
	/* Days count from the civil date, local midnight to midnight. */
	assert_int_equal(day, 20788);	/* 2026-12-01 */
	assert_int_equal(lane_daynum(at(1, 0, 0, 0)), day);
	assert_int_equal(lane_daynum(at(1, 23, 59, 59)), day);
	assert_int_equal(lane_daynum(at(2, 0, 0, 0)), day + 1);
	assert_int_equal(lane_daynum(at(31, 12, 0, 0)), day + 30);
	assert_int_equal(lane_daynum(at(32, 12, 0, 0)), day + 31);
	free(c);
}

/* The governor: over a full window only; slow above one rate, pause
 * above the other. */
static void
test_governor(void **state)
{
	struct pacing	*c = conf();
	char		 why[200];

	c->governor_window = 20;
	c->optout_slow = 5;
	c->optout_pause = 10;
	c->slow_factor = 2;
	/* Not a full window: not judged, even at 100 %. */
	assert_int_equal(lane_governor(c, 19, 19, why, sizeof why),
	    LANE_GOV_OK);
	assert_int_equal(lane_governor(c, 20, 1, why, sizeof why),
	    LANE_GOV_OK);
	assert_int_equal(lane_governor(c, 20, 2, why, sizeof why),
	    LANE_GOV_SLOW);
	assert_non_null(strstr(why, "2 of the last 20"));
	assert_int_equal(lane_governor(c, 20, 3, why, sizeof why),
	    LANE_GOV_PAUSE);
	assert_non_null(strstr(why, "opted out"));
	c->optout_pause = 0;
	assert_int_equal(lane_governor(c, 20, 20, why, sizeof why),
	    LANE_GOV_SLOW);
	c->governor_window = 0;
	assert_int_equal(lane_governor(c, 20, 20, why, sizeof why),
	    LANE_GOV_OK);
	free(c);
}

/* A slowed lane waits its gap times slow_factor. */
static void
test_slow_gap(void **state)
{
	struct pacing	*c = conf();
	struct lane	 l;
	int		 pause;

	memset(&l, 0, sizeof l);
	lane_posted_slow(&l, c, 1000, 0, 3.0);
	assert_int_equal(l.gap_ms, 75000);
	assert_int_equal(lane_gap_wait(&l, c, 1000, &pause), 75000);
	lane_posted_slow(&l, c, 100000, 0, 1.0);
	assert_int_equal(l.gap_ms, 25000);
	free(c);
}

/*
 * The ETA follows windows as they close and open (issue 21): a campaign
 * window that closes mid-way sends the rest the next day; the cap rolls
 * over; windows that never open give -1.
 */
static void
test_eta_windows(void **state)
{
	struct pacing	*c = conf();
	time_t		 now = at(1, 12, 0, 0);
	double		 e;

	c->jitter_ms = 0;
	c->batch_size = 0;
	c->interval_ms = 10000;
	/* No window: 30 messages of 10 s. */
	e = lane_eta_in(c, -1, -1, 30, 0, now);
	assert_true(e >= 299 && e <= 301);
	/* Open now, closing at 12:03: 18 today (12:00:00 to 12:02:50), the
	 * other 12 from 12:00 the next day, done 120 s later. */
	e = lane_eta_in(c, 12 * 60, 12 * 60 + 3, 30, 0, now);
	assert_true(e >= 86400 + 115 && e <= 86400 + 125);
	/* Closed now (14:00-15:00): from 14:00. */
	e = lane_eta_in(c, 14 * 60, 15 * 60, 30, 0, now);
	assert_true(e >= 2 * 3600 + 299 && e <= 2 * 3600 + 301);
	assert_int_equal(lane_window_wait_in(c, 14 * 60, 15 * 60, now), 7200);
	assert_int_equal(lane_window_wait_in(c, -1, -1, now), 0);
	/* Across midnight (22:00-02:00). */
	assert_int_equal(lane_window_wait_in(c, 22 * 60, 2 * 60, now),
	    10 * 3600);
	/* The lane's window and the campaign's must both be open: the lane
	 * from 13:00, the campaign until 13:30. */
	c->window_start = 13 * 60;
	c->window_end = 18 * 60;
	assert_int_equal(lane_window_wait_in(c, 12 * 60, 13 * 60 + 30, now),
	    3600);
	/* Windows that never meet. */
	assert_true(lane_eta_in(c, 8 * 60, 9 * 60, 5, 0, now) < 0);
	/* The cap: 1000 a day at 10 s fits in a day; 10 left today. */
	c->window_start = c->window_end = -1;
	e = lane_eta_in(c, -1, -1, 30, 990, now);
	assert_true(e >= 12 * 3600 && e <= 12 * 3600 + 300);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_midnight),
		cmocka_unit_test(test_cap_eta),
		cmocka_unit_test(test_breaker),
		cmocka_unit_test(test_warmup),
		cmocka_unit_test(test_warmup_eta),
		cmocka_unit_test(test_window_days_eta),
		cmocka_unit_test(test_governor),
		cmocka_unit_test(test_slow_gap),
		cmocka_unit_test(test_eta_windows),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
