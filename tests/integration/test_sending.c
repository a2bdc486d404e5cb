/* Campaigns, the pacer and the providers, end to end against fakewass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"
#include "kit.h"

static json_t *
lane0(int fd)
{
	json_t	*d = kit_call_ok(fd, "monitoring.stats", NULL), *l;

	l = json_incref(json_array_get(json_object_get(d, "lanes"), 0));
	json_object_set(l, "level", json_object_get(d, "level"));
	json_decref(d);
	return l;
}

/*
 * messages.list with filters CAMP (0: none) and STATUS (NULL: none), paged
 * by 5: every message the SQL WHERE selects, once each, in id order, and
 * the total says how many.
 */
static void
pages_match(struct harness *h, int fd, long long camp, const char *status,
    const char *where)
{
	json_t		*args, *d, *items, *m;
	json_int_t	 after = 0, prev = 0;
	long long	 want, seen = 0;
	char		 q[256];
	size_t		 i;

	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE %s", where);
	want = kit_sql_int(h, q);
	for (;;) {
		args = json_pack("{s:I,s:i}", "after", after, "limit", 5);
		if (camp != 0)
			json_object_set_new(args, "campaign", json_integer(camp));
		if (status != NULL)
			json_object_set_new(args, "status", json_string(status));
		d = kit_call_ok(fd, "messages.list", args);
		assert_int_equal(json_integer_value(json_object_get(d,
		    "total")), want);
		assert_false(json_is_true(json_object_get(d, "total_capped")));
		items = json_object_get(d, "items");
		for (i = 0; i < json_array_size(items); i++) {
			m = json_array_get(items, i);
			assert_true(json_integer_value(json_object_get(m,
			    "id")) > prev);
			prev = json_integer_value(json_object_get(m, "id"));
			if (camp != 0)
				assert_int_equal(json_integer_value(
				    json_object_get(m, "campaign_id")), camp);
			if (status != NULL)
				assert_string_equal(json_string_value(
				    json_object_get(m, "state")), status);
			seen++;
		}
		if (json_is_null(json_object_get(d, "next"))) {
			json_decref(d);
			break;
		}
		after = json_integer_value(json_object_get(d, "next"));
		json_decref(d);
	}
	assert_int_equal(seen, want);
}

/* Create, edit, launch: personalisation, dedup, opt-outs, draft-only edits. */
static void
test_campaign_lifecycle(void **state)
{
	struct harness	 h;
	json_t		*d, *m;
	long long	 id;
	int		 fd;
	char		 q[128];

	harness_init(&h, "[pacing]\ndaily_limit = 0\n");
	assert_int_equal(harness_start(&h), 0);
	kit_seed(&h, "a", 1, 10);
	kit_seed(&h, "b", 6, 10);	/* 6..10 in both */
	kit_sql(&h, "UPDATE contacts SET opted_out = 1 WHERE full_number = "
	    "'+33610000015'");
	fd = harness_connect(&h);
	assert_true(fd >= 0);
	assert_string_equal(kit_call_err(fd, "campaigns.create", json_pack(
	    "{s:s,s:s,s:[s]}", "name", "x", "message_1", "hi", "categories",
	    "nope")), "not_found");
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s,s]}",
	    "name", "c", "message_1", "Hi {{first_name}} {{last_name}} "
	    "({{phone}})", "categories", "a", "b"));
	id = json_integer_value(json_object_get(d, "id"));
	assert_string_equal(json_string_value(json_object_get(d, "status")),
	    "draft");
	json_decref(d);
	json_decref(kit_call_ok(fd, "campaigns.update", json_pack("{s:I,s:s}",
	    "id", (json_int_t)id, "message_2", "Thanks {{first_name}}")));
	d = kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)id));
	/* 15 distinct contacts, one opted out. */
	assert_int_equal(json_integer_value(json_object_get(d, "total")), 14);
	assert_int_equal(json_integer_value(json_object_get(d, "pending")), 14);
	assert_string_equal(json_string_value(json_object_get(d, "status")),
	    "running");
	json_decref(d);
	assert_string_equal(kit_call_err(fd, "campaigns.update", json_pack(
	    "{s:I,s:s}", "id", (json_int_t)id, "name", "n")), "conflict");
	assert_string_equal(kit_call_err(fd, "campaigns.send", json_pack(
	    "{s:I}", "id", (json_int_t)id)), "conflict");
	d = kit_call_ok(fd, "messages.list", json_pack("{s:I,s:s,s:i}", "campaign",
	    (json_int_t)id, "status", "pending", "limit", 5));
	assert_int_equal(json_integer_value(json_object_get(d, "total")), 14);
	assert_int_equal(json_array_size(json_object_get(d, "items")), 5);
	m = json_array_get(json_object_get(d, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(m, "body")),
	    "Hi First1 Last1 (+33610000001)");
	json_decref(d);
	snprintf(q, sizeof q, "campaign_id = %lld", id);
	pages_match(&h, fd, id, NULL, q);
	snprintf(q, sizeof q, "campaign_id = %lld AND state = 'pending'", id);
	pages_match(&h, fd, id, "pending", q);
	pages_match(&h, fd, 0, "cancelled", "state = 'cancelled'");
	pages_match(&h, fd, 0, NULL, "1");
	/* Nothing may go out (daily_limit 0): the lane says blocked. */
	d = lane0(fd);
	assert_string_equal(json_string_value(json_object_get(d, "state")),
	    "blocked");
	json_decref(d);
	d = kit_call_ok(fd, "campaigns.stop", json_pack("{s:I}", "id",
	    (json_int_t)id));
	assert_int_equal(json_integer_value(json_object_get(d, "cancelled")),
	    14);
	assert_int_equal(json_integer_value(json_object_get(d, "pending")), 0);
	json_decref(d);
	assert_string_equal(kit_call_err(fd, "campaigns.relaunch", json_pack(
	    "{s:I}", "id", (json_int_t)id)), "bad_request");
	d = kit_call_ok(fd, "campaigns.relaunch", json_pack("{s:I,s:b}", "id",
	    (json_int_t)id, "confirm", 1));
	assert_int_equal(json_integer_value(json_object_get(d, "round")), 2);
	assert_int_equal(json_integer_value(json_object_get(d, "pending")), 14);
	json_decref(d);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "round = 2"), 14);
	assert_string_equal(kit_call_err(fd, "campaigns.delete", json_pack(
	    "{s:I}", "id", (json_int_t)id)), "conflict");
	json_decref(kit_call_ok(fd, "campaigns.stop", json_pack("{s:I}", "id",
	    (json_int_t)id)));
	json_decref(kit_call_ok(fd, "campaigns.delete", json_pack("{s:I}", "id",
	    (json_int_t)id)));
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages"), 0);
	assert_true(kit_sql_int(&h, "SELECT count(*) FROM audit_log WHERE command "
	    "LIKE 'campaigns.%'") >= 6);
	close(fd);
	harness_cleanup(&h);
}

/*
 * Acceptance 1: interval 50ms, batch 10, pause 300ms, daily limit 30, 50
 * recipients. The daemon's clock (WACAMP_TEST_CLOCK_OFFSET) is set a few
 * seconds before midnight UTC so the day changes during the test.
 */
#define SLACK 80	/* ms a request may reach the fake late */

static void
test_pacing_daily_limit(void **state)
{
	struct harness	 h;
	json_t		*reqs, *l;
	char		 off[32];
	time_t		 now = time(NULL);
	long		 offset;
	long long	 id, n;
	double		 t0;
	size_t		 i;
	int		 fd;
	int64_t		 ts[50];

	offset = (long)((now / 86400 + 1) * 86400 - now) - 9;
	snprintf(off, sizeof off, "%ld", offset);
	setenv("WACAMP_TEST_CLOCK_OFFSET", off, 1);
	kit_start_with_fake(&h, "[pacing]\ninterval = 50ms\njitter = 0\n"
	    "batch_size = 10\nbatch_pause = 300ms\ndaily_limit = 30\n"
	    "timezone = UTC\n");
	unsetenv("WACAMP_TEST_CLOCK_OFFSET");
	kit_seed(&h, "all", 1, 50);
	fd = harness_connect(&h);
	id = kit_campaign(fd, "all", "hello {{first_name}}", 1);
	t0 = harness_now();
	for (;;) {
		reqs = kit_fake_requests(&h, "/v1/messages");
		n = (long long)json_array_size(reqs);
		json_decref(reqs);
		if (n >= 30 || harness_now() - t0 > 6)
			break;
		usleep(50000);
	}
	assert_int_equal(n, 30);
	usleep(400000);
	l = lane0(fd);
	assert_string_equal(json_string_value(json_object_get(l, "state")),
	    "blocked");
	assert_string_equal(json_string_value(json_object_get(l, "level")),
	    "blocked");
	json_decref(l);
	reqs = kit_fake_requests(&h, "/v1/messages");
	assert_int_equal(json_array_size(reqs), 30);
	json_decref(reqs);
	/* The day changes: the other 20 go out. */
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')", 50, 15), 50);
	reqs = kit_fake_requests(&h, "/v1/messages");
	assert_int_equal(json_array_size(reqs), 50);
	/*
	 * Times are stamped where the fake reads a request, and a loaded
	 * machine (ASan, two cores) can deliver one late by tens of
	 * milliseconds while the next comes on time: a single gap can read
	 * as 0. So no single gap is judged. Two gaps in a row, a batch's
	 * span and the pause before a batch each lose at most SLACK to a
	 * late end, and still fail a daemon that does not pace (gaps of a
	 * millisecond or two, no pause).
	 */
	json_array_foreach(reqs, i, l) {
		int64_t t = (int64_t)json_number_value(json_object_get(l, "t_ms"));

		assert_int_equal(json_integer_value(json_object_get(l,
		    "status")), 201);
		ts[i] = t;
		if (i % 10 == 9 && t - ts[i - 9] < 9 * 50 - SLACK)
			fail_msg("batch ending at request %zu took %lld ms",
			    i, (long long)(t - ts[i - 9]));
		if (i % 10 >= 2 && t - ts[i - 2] < 2 * 50 - SLACK)
			fail_msg("two gaps before request %zu: %lld ms", i,
			    (long long)(t - ts[i - 2]));
		if (i > 0 && i % 10 == 0 && t - ts[i - 1] < 300 - SLACK)
			fail_msg("no batch pause before request %zu (%lld ms)",
			    i, (long long)(t - ts[i - 1]));
	}
	json_decref(reqs);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM daily_usage"), 2);
	assert_int_equal(kit_sql_int(&h, "SELECT sent FROM daily_usage ORDER BY "
	    "day LIMIT 1"), 30);
	assert_int_equal(kit_sql_int(&h, "SELECT sent FROM daily_usage ORDER BY "
	    "day DESC LIMIT 1"), 20);
	(void)id;
	close(fd);
	harness_cleanup(&h);
}

/* Acceptance 3: 429/500 with backoff, phone:invalid, 401 pauses. */
static void
test_errors(void **state)
{
	struct harness	 h;
	json_t		*reqs, *l;
	long long	 a, b, c, d;
	int		 fd;
	char		 q[256];

	kit_start_with_fake(&h, "[pacing]\ninterval = 10ms\njitter = 0\n"
	    "batch_size = 100\ndaily_limit = 1000\nbreaker_failures = 50\n"
	    "[retry]\nmax_attempts = 3\nbackoff = 100ms\n");
	kit_seed(&h, "one", 1, 1);
	kit_seed(&h, "two", 2, 1);
	kit_seed(&h, "three", 3, 3);
	kit_seed(&h, "four", 6, 2);
	fd = harness_connect(&h);

	/*
	 * 429 with Retry-After: 3: not taken, no attempt spent, and no post
	 * before that instant (DESIGN §6).
	 */
	kit_fake_ctl(&h, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/messages\",\"status\":429,\"retry_after\":3,"
	    "\"count\":1}]}");
	a = kit_campaign(fd, "one", "m", 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'sent'", a);
	assert_int_equal(kit_wait_int(&h, q, 1, 15), 1);
	reqs = kit_fake_requests(&h, "/v1/messages");
	assert_int_equal(json_array_size(reqs), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(reqs,
	    0), "status")), 429);
	assert_true(json_number_value(json_object_get(json_array_get(reqs, 1),
	    "t_ms")) - json_number_value(json_object_get(json_array_get(reqs,
	    0), "t_ms")) >= 3000);
	json_decref(reqs);
	snprintf(q, sizeof q, "SELECT attempts FROM messages WHERE "
	    "campaign_id = %lld", a);
	assert_int_equal(kit_sql_int(&h, q), 1);

	/* A 500 may mean it was taken: unknown, and never posted again. */
	kit_fake_ctl(&h, "DELETE", "/_ctl/requests", NULL);
	kit_fake_ctl(&h, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/messages\",\"status\":500,\"count\":1}]}");
	b = kit_campaign(fd, "two", "m", 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'unknown' AND attempts = 1 AND "
	    "error LIKE '%%HTTP 500%%'", b);
	assert_int_equal(kit_wait_int(&h, q, 1, 15), 1);
	usleep(500000);
	reqs = kit_fake_requests(&h, "/v1/messages");
	assert_int_equal(json_array_size(reqs), 1);
	json_decref(reqs);
	snprintf(q, sizeof q, "SELECT unknown FROM campaigns WHERE id = %lld",
	    b);
	assert_int_equal(kit_sql_int(&h, q), 1);

	/* phone:invalid fails that message only. */
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"invalid\":[\"+33610000004\"]}");
	c = kit_campaign(fd, "three", "m", 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'sent'", c);
	assert_int_equal(kit_wait_int(&h, q, 2, 10), 2);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'failed' AND phone = '+33610000004' "
	    "AND error LIKE '%%phone:invalid%%' AND attempts = 1", c);
	assert_int_equal(kit_wait_int(&h, q, 1, 5), 1);

	/* 401: paused with a reason, nothing failed; SIGHUP resumes. */
	kit_fake_ctl(&h, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/messages\",\"status\":401,\"count\":-1}]}");
	d = kit_campaign(fd, "four", "m", 1);
	usleep(800000);
	l = lane0(fd);
	assert_string_equal(json_string_value(json_object_get(l, "state")),
	    "paused");
	assert_non_null(strstr(json_string_value(json_object_get(l, "reason")),
	    "401"));
	json_decref(l);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'pending' AND attempts = 0", d);
	assert_int_equal(kit_sql_int(&h, q), 2);
	reqs = kit_fake_requests(&h, "/v1/messages");
	json_decref(reqs);
	kit_fake_ctl(&h, "DELETE", "/_ctl/faults", NULL);
	kill(h.daemon, SIGHUP);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'sent'", d);
	assert_int_equal(kit_wait_int(&h, q, 2, 10), 2);
	close(fd);
	harness_cleanup(&h);
}

/*
 * The circuit breaker on the error rate: 3 of the last 20 sends failed
 * (15%, over 10%) pauses the lane for a batch_pause and says why; sending
 * then resumes by itself.
 */
static void
test_breaker_rate(void **state)
{
	struct harness	 h;
	json_t		*l;
	long long	 b;
	int		 fd;
	char		 q[256];

	kit_start_with_fake(&h, "[pacing]\ninterval = 10ms\njitter = 0\n"
	    "batch_size = 100\nbatch_pause = 2s\ndaily_limit = 1000\n"
	    "breaker_failures = 50\n[retry]\nmax_attempts = 1\n");
	kit_seed(&h, "many", 100, 20);
	kit_seed(&h, "later", 200, 2);
	fd = harness_connect(&h);
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"invalid\":[\"+33610000101\","
	    "\"+33610000107\",\"+33610000113\"]}");
	kit_campaign(fd, "many", "m", 1);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'failed')", 20, 15), 20);
	b = kit_campaign(fd, "later", "m", 1);
	l = lane0(fd);
	assert_string_equal(json_string_value(json_object_get(l, "state")),
	    "paused");
	assert_non_null(strstr(json_string_value(json_object_get(l, "reason")),
	    "3 of the last 20 sends failed"));
	assert_non_null(strstr(json_string_value(json_object_get(l, "reason")),
	    "phone:invalid"));
	json_decref(l);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'failed' AND error LIKE '%phone:invalid%'"), 3);
	usleep(500000);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'pending'", b);
	assert_int_equal(kit_sql_int(&h, q), 2);
	/* After the pause: sending again, the window started afresh. */
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'sent'", b);
	assert_int_equal(kit_wait_int(&h, q, 2, 10), 2);
	l = lane0(fd);
	assert_string_not_equal(json_string_value(json_object_get(l, "state")),
	    "paused");
	json_decref(l);
	close(fd);
	harness_cleanup(&h);
}

static void
test_capacity(void **state)
{
	struct harness	 h;
	static const long sents[] = { 0, 1, 500, 749, 750, 751, 899, 900, 901,
	    999, 1000, 1500 };
	static const long inter[] = { 0, 10, 100, 250 };
	json_t		*d;
	char		 q[512], day[11];
	time_t		 now = time(NULL);
	struct tm	 tm;
	size_t		 i, j;
	long		 want;
	double		 rate;
	const char	*lvl;
	int		 fd;

	gmtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	harness_init(&h, "[pacing]\ndaily_limit = 1000\ntimezone = UTC\n");
	assert_int_equal(harness_start(&h), 0);
	fd = harness_connect(&h);
	/* Yesterday adds to the 7-day interaction rate. */
	kit_sql(&h, "INSERT INTO daily_usage (day, sent, m1, interactions) VALUES "
	    "(date('now', '-1 day'), 300, 300, 30)");
	for (i = 0; i < sizeof sents / sizeof sents[0]; i++) {
		for (j = 0; j < sizeof inter / sizeof inter[0]; j++) {
			snprintf(q, sizeof q, "INSERT INTO daily_usage (day, "
			    "sent, m1, interactions) VALUES ('%s', %ld, %ld, "
			    "%ld) ON CONFLICT (day, device) DO UPDATE SET sent = "
			    "excluded.sent, m1 = excluded.m1, interactions = "
			    "excluded.interactions", day, sents[i], sents[i],
			    inter[j]);
			kit_sql(&h, q);
			d = kit_call_ok(fd, "monitoring.capacity", NULL);
			rate = (double)(30 + inter[j]) / (double)(300 + sents[i]);
			want = sents[i] >= 1000 ? 0 : (long)floor((double)(1000 -
			    sents[i]) / (1.0 + rate));
			assert_int_equal(json_integer_value(json_object_get(d,
			    "capacity")), want);
			lvl = sents[i] >= 1000 ? "blocked" : sents[i] <= 750 ?
			    "ok" : sents[i] <= 900 ? "attention" : "danger";
			assert_string_equal(json_string_value(json_object_get(d,
			    "level")), lvl);
			assert_int_equal(json_array_size(json_object_get(d,
			    "history")), 2);
			json_decref(d);
		}
	}
	close(fd);
	harness_cleanup(&h);
}

/* The simulator: sends, then delivered/read come back through webhook_ingest. */
static void
test_simulator(void **state)
{
	struct harness	 h;
	json_t		*d;
	int		 fd;

	harness_init(&h, "[pacing]\ninterval = 20ms\njitter = 0\n");
	assert_int_equal(harness_start(&h), 0);
	kit_seed(&h, "s", 1, 5);
	fd = harness_connect(&h);
	d = kit_call_ok(fd, "monitoring.stats", NULL);
	assert_string_equal(json_string_value(json_object_get(d, "provider")),
	    "simulator");
	json_decref(d);
	kit_campaign(fd, "s", "hi", 1);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('delivered', 'read')", 5, 15), 5);
	assert_int_equal(kit_sql_int(&h, "SELECT delivered + read FROM campaigns"),
	    5);
	close(fd);
	harness_cleanup(&h);
}

/* Acceptance 6 (also `make bench`): campaigns.send for 100,000 recipients. */
static void
test_launch_100k(void **state)
{
	struct harness	 h;
	json_t		*d;
	double		 t0, t;
	long long	 id;
	int		 fd;

	harness_init(&h, "[pacing]\ndaily_limit = 0\n");
	assert_int_equal(harness_start(&h), 0);
	kit_sql(&h, "INSERT INTO categories (name, created_at, updated_at) VALUES "
	    "('big', 0, 0);"
	    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
	    "WHERE i < 100000) INSERT INTO contacts (full_number, first_name, "
	    "last_name, created_at, updated_at) SELECT printf('+3361%07d', i), "
	    "'F' || i, 'L' || i, 0, 0 FROM s;"
	    "INSERT INTO category_contacts (category_id, contact_id) SELECT 1, "
	    "id FROM contacts;");
	fd = harness_connect(&h);
	id = kit_campaign(fd, "big", "Hi {{first_name}} {{last_name}} {{phone}}", 0);
	t0 = harness_now();
	d = kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)id));
	t = harness_now() - t0;
	fprintf(stderr, "campaigns.send, 100000 recipients: %.3f s\n", t);
	assert_int_equal(json_integer_value(json_object_get(d, "total")),
	    100000);
	json_decref(d);
	/* The time is a figure (make bench holds the budget), not a test. */
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages"),
	    100000);
	close(fd);
	harness_cleanup(&h);
}

/* The command line: create, send, list, relaunch needs --yes off a tty. */
static void
test_cli(void **state)
{
	struct harness	 h;
	char		*out;

	harness_init(&h, "[pacing]\ndaily_limit = 0\n");
	assert_int_equal(harness_start(&h), 0);
	kit_seed(&h, "cli", 1, 3);
	assert_int_equal(harness_cli(&h, "campaigns create --name 'C 1' "
	    "--message-1 'Hi {{first_name}}' --category cli", NULL, &out), 0);
	assert_non_null(strstr(out, "campaign 1"));
	free(out);
	assert_int_equal(harness_cli(&h, "campaigns create --name x", NULL,
	    &out), 2);
	free(out);
	assert_int_equal(harness_cli(&h, "campaigns send 1 --yes", NULL, &out), 0);
	assert_non_null(strstr(out, "pending 3"));
	free(out);
	assert_int_equal(harness_cli(&h, "campaigns list", NULL, &out), 0);
	assert_non_null(strstr(out, "running"));
	free(out);
	assert_int_equal(harness_cli(&h, "messages list --campaign 1 --status "
	    "pending", NULL, &out), 0);
	assert_non_null(strstr(out, "3 message(s)"));
	free(out);
	assert_int_equal(harness_cli(&h, "campaigns relaunch 1", NULL, &out),
	    2);
	free(out);
	assert_int_equal(harness_cli(&h, "campaigns stop 1", NULL, &out), 0);
	free(out);
	assert_int_equal(harness_cli(&h, "campaigns relaunch 1 --yes", NULL,
	    &out), 0);
	assert_non_null(strstr(out, "round 2"));
	free(out);
	assert_int_equal(harness_cli(&h, "campaigns send 99 --yes", NULL, &out), 1);
	free(out);
	assert_int_equal(harness_cli(&h, "status", NULL, &out), 0);
	assert_non_null(strstr(out, "lane"));
	assert_non_null(strstr(out, "blocked"));
	free(out);
	harness_cleanup(&h);
}

/* verify.*: exists, 404 and exists:false mean no, 503 means later. */
static void
test_verify(void **state)
{
	struct harness	 h;
	json_t		*d, *rep;
	int		 fd;

	kit_start_with_fake(&h, "[verify]\ninterval = 50ms\n[pacing]\n"
	    "daily_limit = 0\n");
	kit_seed(&h, "v", 1, 4);
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"missing\":[\"+33610000002\","
	    "\"+33610000003\"],\"exists_mode\":\"404\"}");
	fd = harness_connect(&h);
	d = kit_call_ok(fd, "verify.contact", json_pack("{s:i}", "id", 1));
	assert_true(json_is_true(json_object_get(d, "on_whatsapp")));
	json_decref(d);
	d = kit_call_ok(fd, "verify.contact", json_pack("{s:i}", "id", 2));
	assert_true(json_is_false(json_object_get(d, "on_whatsapp")));
	json_decref(d);
	d = kit_call_ok(fd, "verify.contact", json_pack("{s:i}", "id", 1));
	assert_true(json_is_true(json_object_get(d, "cached")));
	json_decref(d);
	kit_fake_ctl(&h, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/numbers\",\"status\":503}]}");
	rep = harness_call(fd, "verify.contact", json_pack("{s:i}", "id", 4));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    rep, "error"), "code")), "unavailable");
	json_decref(rep);
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"exists_mode\":\"200\"}");
	d = kit_call_ok(fd, "verify.bulk", json_pack("{s:s}", "category", "v"));
	assert_int_equal(json_integer_value(json_object_get(d, "queued")), 2);
	json_decref(d);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM contacts WHERE "
	    "verified IS NOT NULL", 4, 5), 4);
	d = kit_call_ok(fd, "verify.stats", NULL);
	assert_int_equal(json_integer_value(json_object_get(d,
	    "not_on_whatsapp")), 2);
	assert_int_equal(json_integer_value(json_object_get(d, "on_whatsapp")),
	    2);
	json_decref(d);
	close(fd);
	harness_cleanup(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_campaign_lifecycle),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_simulator),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_breaker_rate),
		cmocka_unit_test(test_pacing_daily_limit),
		cmocka_unit_test(test_launch_100k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
