/*
 * Several numbers (#20): a lane per device, each with its own gap, batch,
 * pause and cap; Message 2 pinned to its Message 1's device; the
 * governor; warm-up; a Wassenger daemon without a device refuses to start
 * and names the account's devices. The real daemon on the fake Wassenger.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "kit.h"

#define TOKEN	"lanes-token-0123456789abcdef0123456789"
#define DEV_B	"6643f2a1b7c9d40012e5b2f1"
#define PHONE_B	"+22890000001"
#define SLACK	80	/* ms a request may reach the fake late */

static int	 hook_port;

/*
 * A daemon with two lanes on the fake (default: FW_DEVICE; "second":
 * DEV_B) and its webhook on hook_port; PACING is the [pacing] section's
 * body, SECOND the [device second] one's.
 */
static void
start(struct harness *h, const char *pacing, const char *second)
{
	char	 body[512];

	harness_init(h, NULL);
	assert_true(harness_fake_start(h) > 0);
	/* After the fake has its ports: a port just released may be the
	 * next one the kernel hands out. */
	assert_true((hook_port = kit_free_port()) > 0);
	kit_fake_ctl(h, "POST", "/_ctl/config", "{\"devices\":[{\"id\":\""
	    FW_DEVICE "\",\"phone\":\"+22890000000\",\"alias\":\"one\"},"
	    "{\"id\":\"" DEV_B "\",\"phone\":\"" PHONE_B "\",\"alias\":"
	    "\"two\"}],\"unknown_devices\":\"404\"}");
	snprintf(body, sizeof body, "{\"auto_ack\":{\"url\":\"http://"
	    "127.0.0.1:%d/api/webhooks/wassenger?token=" TOKEN "\","
	    "\"out_new_ms\":10,\"delivered_ms\":20}}", hook_port);
	kit_fake_ctl(h, "POST", "/_ctl/config", body);
	kit_append_conf(h, "[wassenger]\nprovider = wassenger\n"
	    "api_url = http://127.0.0.1:%d/v1\napi_key = test-token\n"
	    "device_id = " FW_DEVICE "\ntimeout = 3s\n"
	    "[webhook]\nlisten = 127.0.0.1:%d\ntoken = " TOKEN "\n"
	    "[device second]\ndevice_id = " DEV_B "\n%s\n"
	    "[pacing]\n%s\n", h->fake_port, hook_port, second, pacing);
	assert_int_equal(harness_start(h), 0);
}

/* The lane NAME of devices.list (a new reference). */
static json_t *
lane(int fd, const char *name)
{
	json_t	*d, *l, *found = NULL;
	size_t	 i;

	d = kit_call_ok(fd, "devices.list", NULL);
	json_array_foreach(json_object_get(d, "devices"), i, l)
		if (strcmp(json_string_value(json_object_get(l, "name")),
		    name) == 0)
			found = json_incref(l);
	json_decref(d);
	assert_non_null(found);
	return found;
}

static long long
geti(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* The fake's POST /v1/messages records sent through DEVICE. */
static json_t *
posts_of(struct harness *h, const char *device)
{
	json_t	*reqs, *r, *out = json_array();
	size_t	 i;

	reqs = kit_fake_requests(h, "/v1/messages");
	json_array_foreach(reqs, i, r) {
		if (strcmp(json_string_value(json_object_get(r, "method")),
		    "POST") != 0 || geti(r, "status") != 201)
			continue;
		if (strcmp(json_string_value(json_object_get(json_object_get(r,
		    "body"), "device")), device) == 0)
			json_array_append(out, r);
	}
	json_decref(reqs);
	return out;
}

/*
 * A lane's pace, judged on spans (never one gap: a loaded machine can
 * deliver one request late and the next on time): every two gaps in a
 * batch take at least 2 * GAP, each batch of BATCH its (BATCH - 1) gaps,
 * and the first post of a batch comes a PAUSE after the last one, each
 * less SLACK.
 */
static void
assert_paced(json_t *posts, int gap, int batch, int pause, const char *who)
{
	double	 t[256];
	size_t	 i, n = json_array_size(posts);

	assert_true(n <= 256);
	for (i = 0; i < n; i++) {
		t[i] = json_number_value(json_object_get(json_array_get(posts,
		    i), "t_ms"));
		if (i % batch >= 2 && t[i] - t[i - 2] < 2 * gap - SLACK)
			fail_msg("%s: two gaps before post %zu: %.0f ms", who,
			    i, t[i] - t[i - 2]);
		if (i % batch == (size_t)batch - 1 && batch > 1 &&
		    t[i] - t[i - batch + 1] < (batch - 1) * gap - SLACK)
			fail_msg("%s: batch ending at post %zu took %.0f ms",
			    who, i, t[i] - t[i - batch + 1]);
		if (i > 0 && i % batch == 0 && t[i] - t[i - 1] < pause - SLACK)
			fail_msg("%s: no batch pause before post %zu (%.0f ms)",
			    who, i, t[i] - t[i - 1]);
	}
}

/* The fake's control answer at PATH, as JSON. */
static json_t *
fake_json(struct harness *h, const char *path)
{
	char	*body;
	json_t	*j;
	int	 st;

	body = harness_http(h->fake_port, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	j = json_loads(body, 0, NULL);
	free(body);
	assert_non_null(j);
	return j;
}

/* Have the fake tell the daemon that PHONE wrote TEXT. */
static void
inbound(struct harness *h, const char *phone, const char *text, int n)
{
	char	 body[512], *r;
	int	 st;

	snprintf(body, sizeof body, "{\"url\":\"http://127.0.0.1:%d/api/"
	    "webhooks/wassenger?token=" TOKEN "\",\"id\":\"in-%d\","
	    "\"phone\":\"%s\",\"text\":\"%s\"}", hook_port, n, phone, text);
	r = harness_http(h->fake_port, "POST", "/_ctl/inbound", body, &st);
	free(r);
	assert_int_equal(st, 200);
}

/*
 * Acceptance 1: two devices, "second" with daily_limit 5 (and batches of
 * 3); one campaign of 30 goes through both; each lane keeps its own gap
 * and pause; the capped one stops at 5 while the other goes on; every
 * Message 2 goes through its Message 1's device; no phone twice.
 */
static void
test_two_lanes(void **state)
{
	struct harness	 h;
	json_t		*a, *b, *l, *p, *c;
	long long	 id;
	char		 phone[32];
	int		 fd, i;

	start(&h, "interval = 80ms\njitter = 0\nbatch_size = 5\n"
	    "batch_pause = 400ms\ndaily_limit = 1000\nbreaker_failures = 0\n"
	    "timezone = UTC\n", "daily_limit = 5\nbatch_size = 3\n");
	kit_seed(&h, "all", 1, 30);
	fd = harness_connect(&h);
	c = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:s,"
	    "s:[s]}", "name", "two", "message_1", "Hello {{first_name}}",
	    "message_2", "Thanks {{first_name}}", "categories", "all"));
	id = geti(c, "id");
	assert_int_equal(json_array_size(json_object_get(c, "devices")), 0);
	json_decref(c);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)id)));
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "message_type = 1 AND state IN ('sent', 'delivered', 'read')", 30,
	    30), 30);
	/* Every Message 1 once: no phone twice, no reference twice. */
	p = fake_json(&h, "/_ctl/processed");
	assert_int_equal(geti(p, "duplicates"), 0);
	assert_int_equal(geti(json_object_get(p, "devices"), DEV_B), 5);
	assert_int_equal(geti(json_object_get(p, "devices"), FW_DEVICE), 25);
	json_decref(p);
	a = posts_of(&h, FW_DEVICE);
	b = posts_of(&h, DEV_B);
	assert_int_equal(json_array_size(a), 25);
	assert_int_equal(json_array_size(b), 5);
	assert_paced(a, 80, 5, 400, "default");
	assert_paced(b, 80, 3, 400, "second");
	/* The two lanes ran side by side: the default one did not wait for
	 * the capped one's pause, nor the capped one for the other. */
	assert_true(json_number_value(json_object_get(json_array_get(a, 4),
	    "t_ms")) < json_number_value(json_object_get(json_array_get(b,
	    4), "t_ms")) + 2000);
	json_decref(a);
	json_decref(b);
	l = lane(fd, "second");
	assert_string_equal(json_string_value(json_object_get(l, "state")),
	    "blocked");
	assert_int_equal(geti(l, "sent_today"), 5);
	assert_int_equal(geti(l, "cap_today"), 5);
	json_decref(l);
	assert_int_equal(kit_sql_int(&h, "SELECT sent FROM daily_usage WHERE "
	    "device = 'second'"), 5);
	assert_int_equal(kit_sql_int(&h, "SELECT sent FROM daily_usage WHERE "
	    "device = 'default'"), 25);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "message_type = 1 AND lane = 'second' AND device = '" DEV_B "'"),
	    5);

	/* Everyone answers: each Message 2 is pinned to its Message 1's
	 * device. The default lane sends its 25; the 5 of the capped lane
	 * wait for it, never through the other. */
	for (i = 1; i <= 30; i++) {
		snprintf(phone, sizeof phone, "+336100%05d", i);
		inbound(&h, phone, "merci", i);
	}
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "message_type = 2", 30, 15), 30);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "message_type = 2 AND state IN ('sent', 'delivered', 'read')", 25,
	    30), 25);
	usleep(500000);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages m2 "
	    "JOIN messages m1 ON m1.campaign_id = m2.campaign_id AND "
	    "m1.contact_id = m2.contact_id AND m1.message_type = 1 WHERE "
	    "m2.message_type = 2 AND m2.state IN ('sent', 'delivered', 'read') "
	    "AND m2.device = m1.device AND m2.lane = m1.lane"), 25);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages m2 "
	    "JOIN messages m1 ON m1.campaign_id = m2.campaign_id AND "
	    "m1.contact_id = m2.contact_id AND m1.message_type = 1 WHERE "
	    "m2.message_type = 2 AND m2.state = 'pending' AND "
	    "m1.lane = 'second' AND m2.pin_device = '" DEV_B "'"), 5);
	b = posts_of(&h, DEV_B);
	assert_int_equal(json_array_size(b), 5);
	json_decref(b);
	a = posts_of(&h, FW_DEVICE);
	assert_int_equal(json_array_size(a), 50);
	assert_paced(a, 80, 5, 400, "default");
	json_decref(a);
	/* Each phone got its Message 1 once and at most one Message 2. */
	p = fake_json(&h, "/_ctl/stats");
	assert_int_equal(geti(p, "references_duplicated"), 0);
	assert_int_equal(geti(p, "processed"), 55);
	json_decref(p);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM (SELECT phone "
	    "FROM messages WHERE state IN ('sent', 'delivered', 'read') GROUP "
	    "BY phone, message_type HAVING count(*) > 1)"), 0);
	close(fd);
	harness_cleanup(&h);
}

/*
 * Acceptance 2: the governor. The second lane's recipients answer STOP:
 * one in four first (over optout_slow: the gap doubles), then all (over
 * optout_pause: the lane pauses, with the reason in words); the default
 * lane sends the rest; the operator resumes the lane.
 */
static void
test_governor(void **state)
{
	struct harness	 h;
	json_t		*l, *b, *gov;
	char		 body[512], *out = NULL;
	const char	*reason;
	long long	 n_b;
	int		 fd, rc;

	start(&h, "interval = 100ms\njitter = 0\nbatch_size = 1000\n"
	    "daily_limit = 1000\nbreaker_failures = 0\ntimezone = UTC\n"
	    "governor_window = 0\n",
	    "governor_window = 4\noptout_slow = 20%\noptout_pause = 40%\n"
	    "slow_factor = 3\n");
	snprintf(body, sizeof body, "{\"stop_device\":{\"device\":\"" DEV_B
	    "\",\"url\":\"http://127.0.0.1:%d/api/webhooks/wassenger?token="
	    TOKEN "\",\"delay_ms\":0,\"every\":4}}", hook_port);
	kit_fake_ctl(&h, "POST", "/_ctl/config", body);
	kit_seed(&h, "gov", 1, 60);
	fd = harness_connect(&h);
	kit_campaign(fd, "gov", "Hello {{first_name}}", 1);
	/* One in four opts out: 25 % over the last 4, over 20 %: slower. */
	for (rc = 0; rc < 100; rc++) {
		l = lane(fd, "second");
		gov = json_object_get(l, "governor");
		if (strcmp(json_string_value(json_object_get(gov, "state")),
		    "slow") == 0)
			break;
		json_decref(l);
		l = NULL;
		usleep(100000);
	}
	assert_non_null(l);
	assert_int_equal(geti(l, "gap_ms"), 300);
	json_decref(l);
	/* Now every one of its recipients opts out. */
	snprintf(body, sizeof body, "{\"stop_device\":{\"device\":\"" DEV_B
	    "\",\"url\":\"http://127.0.0.1:%d/api/webhooks/wassenger?token="
	    TOKEN "\",\"delay_ms\":0,\"every\":1}}", hook_port);
	kit_fake_ctl(&h, "POST", "/_ctl/config", body);
	for (rc = 0; rc < 100; rc++) {
		l = lane(fd, "second");
		if (strcmp(json_string_value(json_object_get(l, "state")),
		    "paused") == 0)
			break;
		json_decref(l);
		l = NULL;
		usleep(100000);
	}
	assert_non_null(l);
	reason = json_string_value(json_object_get(l, "reason"));
	if (strstr(reason, "opted out") == NULL ||
	    strstr(reason, "devices resume second") == NULL)
		fail_msg("reason: %s", reason);
	json_decref(l);
	b = posts_of(&h, DEV_B);
	n_b = (long long)json_array_size(b);
	json_decref(b);
	/* The default lane sends all the rest; the paused one nothing. */
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'pending'", 0, 20), 0);
	b = posts_of(&h, DEV_B);
	assert_int_equal((long long)json_array_size(b), n_b);
	json_decref(b);
	assert_true(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "lane = 'default' AND state IN ('sent', 'delivered', 'read')") >=
	    60 - n_b - 1);
	l = lane(fd, "default");
	assert_string_equal(json_string_value(json_object_get(l, "state")),
	    "idle");
	json_decref(l);
	/* It stays paused across a restart. */
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(harness_start(&h), 0);
	close(fd);
	fd = harness_connect(&h);
	l = lane(fd, "second");
	assert_string_equal(json_string_value(json_object_get(l, "state")),
	    "paused");
	json_decref(l);
	/* The operator resumes it, by the command line. */
	assert_int_equal(harness_cli(&h, "devices resume nosuch", NULL, NULL),
	    1);
	assert_int_equal(harness_cli(&h, "devices resume second", NULL, &out),
	    0);
	free(out);
	out = NULL;
	l = lane(fd, "second");
	assert_string_not_equal(json_string_value(json_object_get(l, "state")),
	    "paused");
	json_decref(l);
	assert_int_equal(harness_cli(&h, "devices resume second", NULL, NULL),
	    1);
	assert_string_equal(kit_call_err(fd, "devices.resume",
	    json_pack("{s:s}", "name", "second")), "conflict");
	/* The list in words and as JSON. */
	assert_int_equal(harness_cli(&h, "devices list", NULL, &out), 0);
	if (strstr(out, "second") == NULL || strstr(out, "default") == NULL)
		fail_msg("devices list: %s", out);
	free(out);
	out = NULL;
	assert_int_equal(harness_cli(&h, "--json devices list", NULL, &out),
	    0);
	l = json_loads(out, 0, NULL);
	assert_non_null(l);
	assert_int_equal(json_array_size(json_object_get(l, "devices")), 2);
	json_decref(l);
	free(out);
	close(fd);
	harness_cleanup(&h);
}

/*
 * Acceptance 3: warm-up. A number whose warm-up starts today gets the
 * first step's cap (and a campaign naming it sends that many through
 * it); tomorrow (the test clock a day on) the next step.
 */
static void
test_warmup(void **state)
{
	struct harness	 h;
	json_t		*l, *c;
	char		 today[16], second[128], *out;
	time_t		 now = time(NULL);
	struct tm	 tm;
	long long	 id;
	int		 fd;

	gmtime_r(&now, &tm);
	/* Not across midnight: the day must not change under the test. */
	if (tm.tm_hour == 23 && tm.tm_min >= 59)
		sleep(61);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	snprintf(second, sizeof second, "daily_limit = 100\n"
	    "warmup_start = %s\nwarmup_steps = 2 4 8\n", today);
	unsetenv("WACAMP_TEST_CLOCK_OFFSET");
	start(&h, "interval = 20ms\njitter = 0\nbatch_size = 1000\n"
	    "daily_limit = 1000\ntimezone = UTC\n", second);
	fd = harness_connect(&h);
	l = lane(fd, "second");
	assert_int_equal(geti(l, "cap_today"), 2);
	assert_int_equal(geti(l, "warmup_day"), 1);
	assert_int_equal(geti(l, "daily_limit"), 100);
	json_decref(l);
	l = lane(fd, "default");
	assert_int_equal(geti(l, "cap_today"), 1000);
	assert_true(json_is_null(json_object_get(l, "warmup_day")));
	json_decref(l);
	/* A campaign through the new number only: 2 today. */
	kit_seed(&h, "warm", 1, 5);
	assert_string_equal(kit_call_err(fd, "campaigns.create",
	    json_pack("{s:s,s:s,s:[s],s:[s]}", "name", "w", "message_1", "Hi",
	    "categories", "warm", "devices", "nosuch")), "bad_request");
	c = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s],"
	    "s:[s]}", "name", "w", "message_1", "Hi", "categories", "warm",
	    "devices", "second"));
	id = geti(c, "id");
	assert_string_equal(json_string_value(json_array_get(json_object_get(c,
	    "devices"), 0)), "second");
	json_decref(c);
	/* The same by the command line, and back to every lane. */
	out = NULL;
	assert_int_equal(harness_cli(&h, "campaigns create --name cli "
	    "--message-1 Hi --category warm --device second --device default",
	    NULL, &out), 0);
	if (strstr(out, "devices: second, default") == NULL)
		fail_msg("campaigns create --device: %s", out);
	free(out);
	out = NULL;
	assert_int_equal(harness_cli(&h, "campaigns create --name bad "
	    "--message-1 Hi --category warm --device nosuch", NULL, NULL), 1);
	assert_int_equal(harness_cli(&h, "--json campaigns update 2 "
	    "--device all", NULL, &out), 0);
	c = json_loads(out, 0, NULL);
	assert_non_null(c);
	assert_int_equal(json_array_size(json_object_get(c, "devices")), 0);
	json_decref(c);
	free(out);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)id)));
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')", 2, 10), 2);
	usleep(500000);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')"), 2);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "lane = 'default'"), 0);
	l = lane(fd, "second");
	assert_string_equal(json_string_value(json_object_get(l, "state")),
	    "blocked");
	if (strstr(json_string_value(json_object_get(l, "reason")),
	    "warm-up day 1") == NULL)
		fail_msg("reason: %s", json_string_value(json_object_get(l,
		    "reason")));
	json_decref(l);
	close(fd);
	/* Tomorrow: the next step, and two more go out. */
	assert_int_equal(harness_stop(&h), 0);
	setenv("WACAMP_TEST_CLOCK_OFFSET", "86400", 1);
	assert_int_equal(harness_start(&h), 0);
	unsetenv("WACAMP_TEST_CLOCK_OFFSET");
	fd = harness_connect(&h);
	l = lane(fd, "second");
	assert_int_equal(geti(l, "cap_today"), 4);
	assert_int_equal(geti(l, "warmup_day"), 2);
	json_decref(l);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')", 5, 10), 5);
	close(fd);
	harness_cleanup(&h);
}

/*
 * A [device] lane whose device the health check finds offline pauses and
 * says so; the default lane sends the whole campaign.
 */
static void
test_offline_lane(void **state)
{
	struct harness	 h;
	json_t		*l = NULL;
	const char	*reason;
	int		 fd, i;

	start(&h, "interval = 20ms\njitter = 0\nbatch_size = 1000\n"
	    "daily_limit = 1000\ntimezone = UTC\n", "");
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"devices\":[{\"id\":\""
	    FW_DEVICE "\",\"phone\":\"+22890000000\",\"alias\":\"one\"},"
	    "{\"id\":\"" DEV_B "\",\"phone\":\"" PHONE_B "\",\"alias\":"
	    "\"two\",\"online\":false}]}");
	kill(h.daemon, SIGHUP);	/* a health check at once */
	fd = harness_connect(&h);
	for (i = 0; i < 100; i++) {
		l = lane(fd, "second");
		if (json_is_false(json_object_get(l, "provider_online")))
			break;
		json_decref(l);
		l = NULL;
		usleep(100000);
	}
	assert_non_null(l);
	json_decref(l);
	kit_seed(&h, "off", 1, 8);
	kit_campaign(fd, "off", "Hello", 1);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read') AND lane = 'default'", 8,
	    10), 8);
	l = lane(fd, "second");
	assert_string_equal(json_string_value(json_object_get(l, "state")),
	    "paused");
	reason = json_string_value(json_object_get(l, "reason"));
	if (strstr(reason, "device offline: device session offline") == NULL)
		fail_msg("reason: %s", reason);
	json_decref(l);
	close(fd);
	harness_cleanup(&h);
}

/*
 * A campaign whose own window is closed (issue 21's window) holds 2000
 * pending Message 1s, all older than the 10 of an open campaign: the open
 * one's go out at its pace and the closed one's not at all, and no turn
 * reads the closed one's rows (the pacer's pick_steps_max, a count of
 * SQLite steps, stays under their number: a walk over them in id order
 * would take several steps a row). The daemon's clock (the test clock)
 * is set at second 48 of a minute and the window opens at the next one:
 * from then on the closed campaign sends, and nothing of it before.
 */
static void
test_closed_window(void **state)
{
	struct harness	 h;
	json_t		*d, *p, *b;
	char		 off[16], w[32], q[256];
	time_t		 now = time(NULL), dnow, open;
	long		 o;
	int		 fd, om;

	(void)state;
	/* The daemon at second 48 of its minute: 12 s to set up. */
	o = (48 - (long)(now % 60) + 60) % 60;
	snprintf(off, sizeof off, "%ld", o);
	setenv("WACAMP_TEST_CLOCK_OFFSET", off, 1);
	kit_start_with_fake(&h, "[pacing]\ninterval = 100ms\njitter = 0\n"
	    "batch_size = 1000\ndaily_limit = 100000\ntimezone = UTC\n"
	    "breaker_failures = 0\n");
	unsetenv("WACAMP_TEST_CLOCK_OFFSET");
	dnow = now + o;
	open = dnow - dnow % 60 + 60;
	om = (int)((open / 60) % 1440);
	snprintf(w, sizeof w, "%02d:%02d-%02d:%02d", om / 60, om % 60,
	    (om + 60) % 1440 / 60, (om + 60) % 60);
	assert_true((fd = harness_connect(&h)) != -1);
	kit_seed(&h, "closed", 1, 2000);
	kit_seed(&h, "open", 2001, 10);
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s],"
	    "s:s}", "name", "closed", "message_1", "Hi {{first_name}}",
	    "categories", "closed", "window", w));
	json_decref(d);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:i}", "id",
	    1)));
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 1 AND state = 'pending'"), 2000);
	/* And 2000 Message 2s waiting too (replies came before the window
	 * closed): a pick must not read them either. */
	kit_sql(&h, "INSERT INTO messages (campaign_id, contact_id, "
	    "message_type, round, phone, body, state, created_at, updated_at) "
	    "SELECT 1, contact_id, 2, 1, phone, 'Merci', 'pending', 0, 0 FROM "
	    "messages WHERE campaign_id = 1 AND message_type = 1; "
	    "UPDATE campaigns SET pending = pending + 2000, m2_total = "
	    "m2_total + 2000 WHERE id = 1");
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s]}",
	    "name", "open", "message_1", "Now {{first_name}}", "categories",
	    "open"));
	json_decref(d);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:i}", "id",
	    2)));
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 2 AND state IN ('sent', 'delivered', 'read')", 10,
	    10), 10);
	if (time(NULL) + o >= open)
		fail_msg("the setup outlived the 12 s before the window opens");
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 1 AND state <> 'pending'"), 0);
	b = posts_of(&h, FW_DEVICE);
	assert_int_equal(json_array_size(b), 10);
	assert_paced(b, 100, 1000, 0, "open");
	json_decref(b);
	d = kit_call_ok(fd, "monitoring.stats", NULL);
	p = json_object_get(d, "pacer");
	if (geti(p, "pick_steps_max") <= 0 || geti(p, "pick_steps_max") >= 2000)
		fail_msg("a pick took %lld steps with 4000 closed rows",
		    geti(p, "pick_steps_max"));
	json_decref(d);

	/* The window opens: the closed campaign starts, not before. */
	assert_true(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 1 AND state IN ('sent', 'delivered', 'read')", 5,
	    30) >= 5);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 1 AND (sent_at < %lld OR claimed_at < %lld)",
	    (long long)(open - o), (long long)(open - o));
	assert_int_equal(kit_sql_int(&h, q), 0);
	p = fake_json(&h, "/_ctl/processed");
	assert_int_equal(geti(p, "duplicates"), 0);
	json_decref(p);
	close(fd);
	harness_cleanup(&h);
}

/* How many lanes devices.list gives, waiting up to 5 s for WANT. */
static long long
nlanes(int fd, long long want)
{
	json_t		*d;
	long long	 n = -1;
	double		 t0 = harness_now();

	while (harness_now() - t0 < 5) {
		d = kit_call_ok(fd, "devices.list", NULL);
		n = (long long)json_array_size(json_object_get(d, "devices"));
		json_decref(d);
		if (n == want)
			break;
		usleep(100000);
	}
	return n;
}

/*
 * SIGHUP: a new [device] section is a new lane, a changed key applies to
 * its lane; a config with a bad [device] section is refused and the
 * running one kept.
 */
static void
test_reload(void **state)
{
	struct harness	 h;
	json_t		*l;
	int		 fd;

	start(&h, "daily_limit = 1000\n", "daily_limit = 5\n");
	fd = harness_connect(&h);
	assert_int_equal(nlanes(fd, 2), 2);
	kit_append_conf(&h, "[device third]\ndevice_id = "
	    "6643f2a1b7c9d40012e5c3f2\ndaily_limit = 9\n");
	kill(h.daemon, SIGHUP);
	assert_int_equal(nlanes(fd, 3), 3);
	l = lane(fd, "third");
	assert_int_equal(geti(l, "cap_today"), 9);
	json_decref(l);
	/* A section without its device id: refused, three lanes still. */
	kit_append_conf(&h, "[device fourth]\ndaily_limit = 3\n");
	kill(h.daemon, SIGHUP);
	usleep(500000);
	assert_int_equal(nlanes(fd, 3), 3);
	assert_true(harness_file_has(h.log, "device_id is missing"));
	close(fd);
	harness_cleanup(&h);
}

/* With the Wassenger provider and no device id, the daemon refuses to
 * start and names the account's devices. */
static void
test_device_required(void **state)
{
	struct harness	 h;

	harness_init(&h, NULL);
	assert_true(harness_fake_start(&h) > 0);
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"devices\":[{\"id\":\""
	    FW_DEVICE "\",\"phone\":\"+22890000000\",\"alias\":\"one\"},"
	    "{\"id\":\"" DEV_B "\",\"phone\":\"" PHONE_B "\",\"alias\":"
	    "\"two\"}]}");
	kit_append_conf(&h, "[wassenger]\nprovider = wassenger\n"
	    "api_url = http://127.0.0.1:%d/v1\napi_key = test-token\n"
	    "timeout = 3s\n", h.fake_port);
	assert_int_equal(harness_start(&h), -1);
	assert_true(harness_file_has(h.log, "device_id is required"));
	assert_true(harness_file_has(h.log, FW_DEVICE " (one, +22890000000"));
	assert_true(harness_file_has(h.log, DEV_B " (two, " PHONE_B));
	harness_cleanup(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_required),
		cmocka_unit_test(test_warmup),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_offline_lane),
		cmocka_unit_test(test_two_lanes),
		cmocka_unit_test(test_governor),
		cmocka_unit_test(test_closed_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
