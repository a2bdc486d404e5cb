#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <time.h>

#include "when.h"

static void
test_parse(void **state)
{
	time_t	 t, now = 1764500000;
	char	 err[160];

	(void)state;
	setenv("TZ", "Africa/Lome", 1);	/* UTC+0, no summer time */
	tzset();
	assert_int_equal(when_parse("+6s", now, &t, err, sizeof err), 0);
	assert_int_equal(t, now + 6);
	assert_int_equal(when_parse("+1h30m", now, &t, err, sizeof err), 0);
	assert_int_equal(t, now + 5400);
	assert_int_equal(when_parse("2026-12-24T09:00", now, &t, err,
	    sizeof err), 0);
	assert_int_equal(t, 1798102800);
	assert_int_equal(when_parse("2026-12-24 09:00:30", now, &t, err,
	    sizeof err), 0);
	assert_int_equal(t, 1798102830);
	assert_int_equal(when_parse("2026-12-24T10:00+01:00", now, &t, err,
	    sizeof err), 0);
	assert_int_equal(t, 1798102800);
	assert_int_equal(when_parse("2026-12-24T09:00Z", now, &t, err,
	    sizeof err), 0);
	assert_int_equal(t, 1798102800);
	/* In Paris the same words are an hour earlier. */
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	assert_int_equal(when_parse("2026-12-24T09:00", now, &t, err,
	    sizeof err), 0);
	assert_int_equal(t, 1798099200);
	assert_int_equal(when_parse("2026-02-31T09:00", now, &t, err,
	    sizeof err), -1);
	assert_int_equal(when_parse("tomorrow", now, &t, err, sizeof err), -1);
	assert_int_equal(when_parse("+", now, &t, err, sizeof err), -1);
	assert_int_equal(when_parse("+2x", now, &t, err, sizeof err), -1);
	assert_int_equal(when_parse("2026-12-24T25:00", now, &t, err,
	    sizeof err), -1);
	assert_int_equal(when_parse("2026-12-24T09:00+1", now, &t, err,
	    sizeof err), -1);
	assert_int_equal(when_parse("", now, &t, err, sizeof err), -1);
}

static void
test_window(void **state)
{
	int	 a, b;
	char	 err[160];

	(void)state;
	assert_int_equal(when_window("09:00-18:30", &a, &b, err, sizeof err),
	    0);
	assert_int_equal(a, 540);
	assert_int_equal(b, 1110);
	assert_int_equal(when_window("22:00-06:00", &a, &b, err, sizeof err),
	    0);
	assert_int_equal(when_window("08:00-24:00", &a, &b, err, sizeof err),
	    0);
	assert_int_equal(b, 1440);
	assert_int_equal(when_window("9:00-18:00", &a, &b, err, sizeof err),
	    -1);
	assert_int_equal(when_window("09:00-09:00", &a, &b, err, sizeof err),
	    -1);
	assert_int_equal(when_window("09:60-10:00", &a, &b, err, sizeof err),
	    -1);
	assert_int_equal(when_window(NULL, &a, &b, err, sizeof err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
