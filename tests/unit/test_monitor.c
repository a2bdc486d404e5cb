#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"
#include "monitor.h"

/* The seed's definition, computed apart from monitor.c with doubles. */
static const char *
seed_level(long sent, long limit)
{
	double	 ratio;

	if (limit <= 0)
		return "blocked";
	ratio = (double)sent / (double)limit;
	if (ratio <= 0.75)
		return "ok";
	if (ratio <= 0.90)
		return "attention";
	if (ratio < 1)
		return "danger";
	return "blocked";
}

static void
test_level_thresholds(void **state)
{
	(void)state;
	assert_string_equal(monitor_level(0, 1000), "ok");
	assert_string_equal(monitor_level(750, 1000), "ok");
	assert_string_equal(monitor_level(751, 1000), "attention");
	assert_string_equal(monitor_level(900, 1000), "attention");
	assert_string_equal(monitor_level(901, 1000), "danger");
	assert_string_equal(monitor_level(999, 1000), "danger");
	assert_string_equal(monitor_level(1000, 1000), "blocked");
	assert_string_equal(monitor_level(1200, 1000), "blocked");
	assert_string_equal(monitor_level(0, 0), "blocked");
	assert_string_equal(monitor_level(5, 0), "blocked");
	assert_string_equal(monitor_level(0, -1), "blocked");
	/* Small limits: 3/4 is ok, 9/10 attention, 1/1 blocked. */
	assert_string_equal(monitor_level(3, 4), "ok");
	assert_string_equal(monitor_level(9, 10), "attention");
	assert_string_equal(monitor_level(0, 1), "ok");
	assert_string_equal(monitor_level(1, 1), "blocked");
	assert_string_equal(monitor_level(1, 2), "ok");
	assert_string_equal(monitor_level(2, 3), "ok");
	assert_string_equal(monitor_level(19, 20), "danger");
}

static void
test_level_property(void **state)
{
	long		 limit, sent;
	const char	*got, *want;

	(void)state;
	for (limit = 1; limit <= 5000; limit++) {
		for (sent = 0; sent <= limit + 10; sent++) {
			got = monitor_level(sent, limit);
			want = seed_level(sent, limit);
			if (strcmp(got, want) != 0)
				fail_msg("monitor_level(%ld, %ld) = %s, "
				    "want %s", sent, limit, got, want);
		}
	}
}

static void
test_capacity(void **state)
{
	(void)state;
	assert_int_equal(monitor_capacity(0, 1000, 0), 1000);
	assert_int_equal(monitor_capacity(400, 1000, 0), 600);
	assert_int_equal(monitor_capacity(400, 1000, 0.5), 400);
	assert_int_equal(monitor_capacity(400, 1000, 1), 300);
	assert_int_equal(monitor_capacity(0, 10, 2), 3);
	assert_int_equal(monitor_capacity(1000, 1000, 0), 0);
	assert_int_equal(monitor_capacity(1200, 1000, 0), 0);
	assert_int_equal(monitor_capacity(0, 0, 0), 0);
	assert_int_equal(monitor_capacity(999, 1000, 3), 0);
	/* A rate below zero or NaN counts as zero. */
	assert_int_equal(monitor_capacity(400, 1000, -0.5), 600);
	assert_int_equal(monitor_capacity(400, 1000, -1), 600);
	assert_int_equal(monitor_capacity(400, 1000, -5), 600);
	assert_int_equal(monitor_capacity(400, 1000, NAN), 600);
	assert_int_equal(monitor_capacity(400, 1000, -NAN), 600);
}

static void
test_capacity_property(void **state)
{
	long	 limit, sent, c, rest;
	double	 rate;
	int	 r;

	(void)state;
	for (r = 0; r <= 300; r++) {
		rate = r / 100.0;
		for (limit = 0; limit <= 1200; limit += 7) {
			for (sent = 0; sent <= limit + 10; sent += 3) {
				c = monitor_capacity(sent, limit, rate);
				rest = limit - sent;
				if (rest <= 0) {
					assert_int_equal(c, 0);
					continue;
				}
				if (c < 0 || c > rest)
					fail_msg("capacity(%ld, %ld, %g) = %ld",
					    sent, limit, rate, c);
				/* Largest c with c * (1 + rate) <= rest. */
				if (c != (long)floor(rest / (1.0 + rate)))
					fail_msg("capacity(%ld, %ld, %g) = %ld, "
					    "want %ld", sent, limit, rate, c,
					    (long)floor(rest / (1.0 + rate)));
				if ((double)c * (1 + rate) > rest + 1e-9 ||
				    (double)(c + 1) * (1 + rate) <= rest - 1e-9)
					fail_msg("capacity(%ld, %ld, %g) = %ld "
					    "is not the floor", sent, limit,
					    rate, c);
				/* Never more than with no interactions. */
				assert_true(c <= monitor_capacity(sent, limit,
				    0));
				assert_int_equal(monitor_capacity(sent, limit,
				    -rate - 0.01), rest);
			}
		}
	}
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_monitor", 1, LOG_LVL_WARN);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_thresholds),
		cmocka_unit_test(test_level_property),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_capacity_property),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
