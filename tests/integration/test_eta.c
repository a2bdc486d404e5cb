/*
 * A campaign's ETA over several lanes: they share the messages as they
 * take them, each in proportion to what it can send a day, so a number
 * still warming up (a small cap) does not make the whole campaign wait
 * on it; a campaign held to that one number does. The real daemon, dry
 * runs of campaigns.send (nothing is posted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "kit.h"

/* 25 s a message, no window: 3456 a day, the default lane capped at
 * 1000. */
#define PACING	"[pacing]\ninterval = 25s\njitter = 0\nbatch_size = 1000\n" \
	"batch_pause = 5m\ndaily_limit = 1000\n"

/* The ETA a dry run of campaigns.send gives campaign ID. */
static long long
eta(int fd, long long id)
{
	json_t		*d;
	long long	 e;

	d = kit_call_ok(fd, "campaigns.send", json_pack("{s:I,s:b}", "id",
	    (json_int_t)id, "dry_run", 1));
	assert_true(json_is_integer(json_object_get(d, "eta_seconds")));
	e = json_integer_value(json_object_get(d, "eta_seconds"));
	json_decref(d);
	print_message("campaign %lld: eta %lld s\n", id, e);
	return e;
}

static long long
campaign(int fd, const char *name, json_t *devices)
{
	json_t		*d;
	long long	 id;

	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s],"
	    "s:o}", "name", name, "message_1", "Bonjour", "categories", "e",
	    "devices", devices));
	id = json_integer_value(json_object_get(d, "id"));
	json_decref(d);
	return id;
}

static void
test_shares(void **state)
{
	struct harness	 h;
	long long	 all, warm, two;
	int		 fd;

	(void)state;
	harness_init(&h, PACING "[device warm]\ndevice_id = warm-device\n"
	    "daily_limit = 10\n[device twin]\ndevice_id = twin-device\n");
	assert_int_equal(harness_start(&h), 0);
	assert_true((fd = harness_connect(&h)) != -1);
	kit_seed(&h, "e", 1, 90);

	/* All three lanes: default and twin send 1000 a day, warm 10; 90
	 * messages go about 44, 44 and 0 or 1: some 45 gaps of 25 s. The
	 * even split gave warm 30, three days at 10 a day. */
	all = eta(fd, campaign(fd, "all", json_array()));
	assert_true(all >= 40 * 25 && all <= 50 * 25);

	/* Held to the warming number: 10 a day, nine days. */
	warm = eta(fd, campaign(fd, "warm", json_pack("[s]", "warm")));
	assert_true(warm > 8 * 86400 - 86400 && warm < 10 * 86400);

	/* Two equal lanes: half each. */
	two = eta(fd, campaign(fd, "two", json_pack("[s,s]", "default",
	    "twin")));
	assert_true(two >= 44 * 25 && two <= 46 * 25);
	close(fd);
	harness_cleanup(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shares),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
