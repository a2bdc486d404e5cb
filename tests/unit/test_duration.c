#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "log.h"

#define SEC	UINT64_C(1000)
#define MIN	(60 * SEC)
#define HOUR	(60 * MIN)
#define DAY	(24 * HOUR)
#define MAXMS	(UINT64_C(366) * DAY)

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Parse S, which must succeed, and return the milliseconds. */
static uint64_t
parse_ok(const char *s)
{
	const char	*why = NULL;
	uint64_t	 ms = UINT64_MAX;

	if (duration_parse(s, &ms, &why) != 0)
		fail_msg("\"%s\" refused: %s", s, why ? why : "(no reason)");
	return ms;
}

/* Parse S, which must fail with a reason and leave the output alone. */
static void
parse_bad(const char *s)
{
	const char	*why = NULL;
	uint64_t	 ms = 12345;

	if (duration_parse(s, &ms, &why) != -1)
		fail_msg("\"%s\" accepted as %llu", s, (unsigned long long)ms);
	assert_non_null(why);
	assert_true(strlen(why) > 0);
	assert_int_equal(ms, 12345);
}

static void
test_units(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("300ms"), 300);
	assert_int_equal(parse_ok("25s"), 25 * SEC);
	assert_int_equal(parse_ok("5m"), 5 * MIN);
	assert_int_equal(parse_ok("1h"), HOUR);
	assert_int_equal(parse_ok("2d"), 2 * DAY);
	assert_int_equal(parse_ok("1ms"), 1);
	assert_int_equal(parse_ok("0ms"), 0);
	assert_int_equal(parse_ok("007s"), 7 * SEC);
}

static void
test_compound(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1h30m"), HOUR + 30 * MIN);
	assert_int_equal(parse_ok("1d2h3m4s5ms"),
	    DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5);
	/* Order and repetition are not checked; the parts just add up. */
	assert_int_equal(parse_ok("30m1h"), HOUR + 30 * MIN);
	assert_int_equal(parse_ok("1s1s"), 2 * SEC);
	assert_int_equal(parse_ok("1500ms"), 1500);
}

static void
test_bare_seconds(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("90"), 90 * SEC);
	assert_int_equal(parse_ok("0"), 0);
	assert_int_equal(parse_ok("1"), SEC);
}

static void
test_rejects(void **state)
{
	const char	*why = NULL;
	uint64_t	 ms;

	(void)state;
	parse_bad("");
	parse_bad("5x");
	parse_bad("5S");
	parse_bad("5mss");
	parse_bad("m5");
	parse_bad("-1s");
	parse_bad("+1s");
	parse_bad("1.5s");
	parse_bad("5 m");
	parse_bad(" 5m");
	parse_bad("5m ");
	parse_bad("1h2");
	parse_bad("s");
	parse_bad("1h30");
	parse_bad("99999999999999999999h");
	parse_bad("99999999999999999999");
	parse_bad("18446744073709551616ms");
	assert_int_equal(duration_parse(NULL, &ms, &why), -1);
	assert_non_null(why);
}

static void
test_limit(void **state)
{
	(void)state;
	/* A year (366 days) is the most a duration may be. */
	assert_int_equal(parse_ok("366d"), MAXMS);
	assert_int_equal(parse_ok("365d24h"), MAXMS);
	parse_bad("366d1ms");
	parse_bad("367d");
	parse_bad("8785h");
	assert_int_equal(parse_ok("8784h"), MAXMS);
}

static void
test_format(void **state)
{
	char	 buf[64];

	(void)state;
	duration_format(0, buf, sizeof buf);
	assert_string_equal(buf, "0s");
	duration_format(300, buf, sizeof buf);
	assert_string_equal(buf, "300ms");
	duration_format(25 * SEC, buf, sizeof buf);
	assert_string_equal(buf, "25s");
	duration_format(HOUR + 30 * MIN, buf, sizeof buf);
	assert_string_equal(buf, "1h30m");
	duration_format(2 * DAY, buf, sizeof buf);
	assert_string_equal(buf, "2d");
	duration_format(DAY + 1, buf, sizeof buf);
	assert_string_equal(buf, "1d1ms");
	duration_format(90 * SEC, buf, sizeof buf);
	assert_string_equal(buf, "1m30s");
	duration_format(DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5, buf,
	    sizeof buf);
	assert_string_equal(buf, "1d2h3m4s5ms");
}

static void
test_format_small_buffer(void **state)
{
	char	 buf[8];

	(void)state;
	/* Truncated, but always terminated and never past the buffer. */
	memset(buf, 'X', sizeof buf);
	duration_format(DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5, buf, 6);
	assert_string_equal(buf, "1d2h3");
	assert_int_equal(buf[6], 'X');
	memset(buf, 'X', sizeof buf);
	duration_format(25 * SEC, buf, 1);
	assert_string_equal(buf, "");
	assert_int_equal(buf[1], 'X');
	memset(buf, 'X', sizeof buf);
	duration_format(25 * SEC, buf, 0);
	assert_int_equal(buf[0], 'X');
}

/* Format then parse gives back the same value, over the whole range. */
static void
test_roundtrip(void **state)
{
	char		 buf[64];
	uint64_t	 rng = UINT64_C(0x9e3779b97f4a7c15), v, back;
	const char	*why;
	int		 i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		switch (i % 4) {
		case 0:		/* anything up to the limit */
			v = rng_next(&rng) % (MAXMS + 1);
			break;
		case 1:		/* whole seconds */
			v = (rng_next(&rng) % (MAXMS / SEC + 1)) * SEC;
			break;
		case 2:		/* whole minutes and hours mixes */
			v = (rng_next(&rng) % (MAXMS / MIN + 1)) * MIN;
			break;
		default:	/* small values */
			v = rng_next(&rng) % (2 * HOUR);
			break;
		}
		duration_format(v, buf, sizeof buf);
		back = UINT64_MAX;
		why = NULL;
		if (duration_parse(buf, &back, &why) != 0)
			fail_msg("%llu formats as \"%s\", refused: %s",
			    (unsigned long long)v, buf, why);
		if (back != v)
			fail_msg("%llu formats as \"%s\", parses as %llu",
			    (unsigned long long)v, buf,
			    (unsigned long long)back);
	}
	duration_format(MAXMS, buf, sizeof buf);
	assert_string_equal(buf, "366d");
	assert_int_equal(parse_ok(buf), MAXMS);
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_duration", 1, LOG_LVL_WARN);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_compound),
		cmocka_unit_test(test_bare_seconds),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_small_buffer),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
