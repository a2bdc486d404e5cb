/*
 * A campaign's lifecycle against the fake Wassenger (DESIGN §6, issue 13):
 * stop then resume finishes the audience without sending anyone twice;
 * retry on a stopped campaign sends its one failure and stops it again,
 * and with nothing to retry answers conflict and changes nothing; a late
 * Message 2 leaves a completed campaign completed at 100 %; relaunch
 * leaves the unknown messages of round 1 alone; suppress_days leaves out
 * who another campaign messaged 3 days ago (test clock).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "kit.h"
#include "proto.h"

#define TOKEN	"l1fecycle-token-0123456789abcdef"
#define HOOK	"/api/webhooks/wassenger?token=" TOKEN

static struct harness	 H;
static int		 fd = -1;
static int		 hook_port;

static json_int_t
geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static json_t *
get(long long id)
{
	return kit_call_ok(fd, "campaigns.get", json_pack("{s:I}", "id",
	    (json_int_t)id));
}

/* Wait until campaign ID has STATUS (up to SECS); 1 if it did. */
static int
wait_status(long long id, const char *status, double secs)
{
	double	 t0 = harness_now();
	json_t	*c;
	int	 ok;

	for (;;) {
		c = get(id);
		ok = strcmp(json_string_value(json_object_get(c, "status")),
		    status) == 0;
		json_decref(c);
		if (ok)
			return 1;
		if (harness_now() - t0 > secs)
			return 0;
		usleep(50000);
	}
}

/* POSTs to /v1/messages the fake saw for PHONE (NULL: all). */
static long long
posts(const char *phone)
{
	json_t		*arr = kit_fake_requests(&H, "/v1/messages"), *r;
	const char	*b;
	size_t		 i;
	long long	 n = 0;

	json_array_foreach(arr, i, r) {
		if (strcmp(json_string_value(json_object_get(r, "method")),
		    "POST") != 0)
			continue;
		b = json_is_object(json_object_get(r, "body")) ?
		    json_string_value(json_object_get(json_object_get(r,
		    "body"), "phone")) : json_string_value(json_object_get(r,
		    "body"));
		if (phone == NULL || (b != NULL && strstr(b, phone) != NULL))
			n++;
	}
	json_decref(arr);
	return n;
}

static long long
campaign_of(const char *cat, const char *m2)
{
	json_t		*d;
	long long	 id;

	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:s?,"
	    "s:[s]}", "name", cat, "message_1", "Hello {{first_name}}",
	    "message_2", m2, "categories", cat));
	id = geti(d, "id");
	json_decref(d);
	return id;
}

static int
start(void)
{
	char	 extra[512];

	harness_init(&H, NULL);
	if (harness_fake_start(&H) <= 0)
		return -1;
	/* After the fake has its ports (see test_console.c). */
	if ((hook_port = kit_free_port()) <= 0)
		return -1;
	snprintf(extra, sizeof extra, "[pacing]\ninterval = 400ms\n"
	    "jitter = 0\ndaily_limit = 1000\nbreaker_failures = 50\n"
	    "suppress_days = 7\n[webhook]\nlisten = 127.0.0.1:%d\n"
	    "token = " TOKEN "\n", hook_port);
	kit_append_conf(&H, "[wassenger]\nprovider = wassenger\n"
	    "api_url = http://127.0.0.1:%d/v1\napi_key = test-token\n"
	    "device_id = " FW_DEVICE "\ntimeout = 3s\n%s\n", H.fake_port,
	    extra);
	if (harness_start(&H) == -1)
		return -1;
	if ((fd = harness_connect(&H)) == -1)
		return -1;
	return 0;
}

static int
setup(void **state)
{
	unsetenv("WACAMP_TEST_CLOCK_OFFSET");
	return start();
}

static int
teardown(void **state)
{
	if (fd != -1)
		close(fd);
	fd = -1;
	harness_cleanup(&H);
	unsetenv("WACAMP_TEST_CLOCK_OFFSET");
	return 0;
}

/* Stop part way, resume: everyone gets Message 1 exactly once. */
static void
test_stop_resume(void **state)
{
	long long	 id, sent, moved;
	json_t		*c;
	char		 a[64], *out = NULL;
	int		 i;

	kit_seed(&H, "sr", 100, 6);
	id = campaign_of("sr", NULL);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)id)));
	assert_int_equal(kit_wait_int(&H, "SELECT count(*) FROM messages WHERE "
	    "state = 'sent' AND contact_id IN (SELECT id FROM contacts WHERE "
	    "full_number LIKE '+33610000100' )", 1, 10), 1);
	c = kit_call_ok(fd, "campaigns.stop", json_pack("{s:I}", "id",
	    (json_int_t)id));
	moved = geti(c, "changed");
	assert_true(moved >= 1);
	assert_string_equal(json_string_value(json_object_get(c, "status")),
	    "stopped");
	assert_int_equal(geti(json_object_get(c, "cancelled_by"), "stop"),
	    moved);
	sent = geti(c, "sent_so_far");
	json_decref(c);
	/* What was sent stays counted: progress does not move back. */
	c = get(id);
	assert_true(geti(c, "sent_so_far") >= sent);
	assert_true(geti(c, "progress_percent") < 100);
	json_decref(c);
	/* The CLI resumes it. */
	snprintf(a, sizeof a, "campaigns resume %lld", id);
	assert_int_equal(harness_cli(&H, a, NULL, &out), 0);
	assert_non_null(strstr(out, "running"));
	free(out);
	assert_true(wait_status(id, "completed", 20));
	c = get(id);
	assert_int_equal(geti(c, "sent_so_far"), 6);
	assert_int_equal(geti(c, "progress_percent"), 100);
	assert_int_equal(geti(c, "cancelled"), 0);
	json_decref(c);
	/* Nobody twice. */
	for (i = 100; i < 106; i++) {
		snprintf(a, sizeof a, "+336100%05d", i);
		assert_int_equal(posts(a), 1);
	}
	/* Resume is for stopped campaigns only. */
	assert_string_equal(kit_call_err(fd, "campaigns.resume",
	    json_pack("{s:I}", "id", (json_int_t)id)), "conflict");
	snprintf(a, sizeof a, "campaigns get %lld", id);
	assert_int_equal(harness_cli(&H, a, NULL, &out), 0);
	assert_non_null(strstr(out, "sent so far 6 of 6 (100%)"));
	free(out);
}

/*
 * One refusal, then a stop: retry sends the failed one and the campaign
 * is stopped again; a second retry has nothing to do.
 */
static void
test_retry_stopped(void **state)
{
	long long	 id, before;
	json_t		*c, *c2;
	char		*s1, *s2;

	kit_seed(&H, "rt", 200, 4);
	kit_fake_ctl(&H, "POST", "/_ctl/config",
	    "{\"invalid\":[\"+33610000200\"]}");
	id = campaign_of("rt", NULL);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)id)));
	assert_int_equal(kit_wait_int(&H, "SELECT count(*) FROM messages m "
	    "JOIN contacts c ON c.id = m.contact_id WHERE c.full_number = "
	    "'+33610000200' AND m.state = 'failed'", 1, 10), 1);
	c = kit_call_ok(fd, "campaigns.stop", json_pack("{s:I}", "id",
	    (json_int_t)id));
	assert_true(geti(c, "changed") >= 1);
	json_decref(c);
	kit_fake_ctl(&H, "POST", "/_ctl/config", "{\"invalid\":[]}");
	before = posts(NULL);
	c = kit_call_ok(fd, "campaigns.retry", json_pack("{s:I}", "id",
	    (json_int_t)id));
	assert_int_equal(geti(c, "changed"), 1);
	json_decref(c);
	assert_int_equal(kit_wait_int(&H, "SELECT count(*) FROM messages m "
	    "JOIN contacts c ON c.id = m.contact_id WHERE c.full_number = "
	    "'+33610000200' AND m.state = 'sent'", 1, 10), 1);
	assert_true(wait_status(id, "stopped", 10));
	assert_int_equal(posts(NULL), before + 1);
	c = get(id);
	assert_int_equal(geti(c, "failed"), 0);
	assert_true(geti(json_object_get(c, "cancelled_by"), "stop") >= 1);
	/* Nothing to retry: conflict, and the campaign as it was. */
	assert_string_equal(kit_call_err(fd, "campaigns.retry",
	    json_pack("{s:I}", "id", (json_int_t)id)), "conflict");
	c2 = get(id);
	json_object_del(c, "unknown_oldest_at");
	json_object_del(c2, "unknown_oldest_at");
	s1 = json_dumps(c, JSON_SORT_KEYS);
	s2 = json_dumps(c2, JSON_SORT_KEYS);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	json_decref(c);
	json_decref(c2);
	/* It can still be resumed to the end. */
	json_decref(kit_call_ok(fd, "campaigns.resume", json_pack("{s:I}",
	    "id", (json_int_t)id)));
	assert_true(wait_status(id, "completed", 20));
	assert_int_equal(posts("+33610000201"), 1);
}

/* A reply after completion queues Message 2: still completed, 100 %. */
static void
test_late_m2(void **state)
{
	long long	 id;
	json_t		*c, *m2;
	char		*r, body[1024];
	int		 st;

	kit_seed(&H, "m2", 300, 2);
	id = campaign_of("m2", "Thanks {{first_name}}");
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)id)));
	assert_true(wait_status(id, "completed", 20));
	snprintf(body, sizeof body, "{\"id\":\"LATE000000000000000000000001\","
	    "\"event\":\"message:in:new\",\"object\":\"message\",\"data\":{"
	    "\"id\":\"LATE000000000000000000000001\",\"flow\":\"inbound\","
	    "\"fromNumber\":\"+33610000300\",\"from\":\"33610000300@c.us\","
	    "\"body\":\"Merci\",\"chat\":{\"id\":\"33610000300@c.us\","
	    "\"type\":\"chat\"}}}");
	r = harness_http(hook_port, "POST", HOOK, body, &st);
	free(r);
	assert_int_equal(st, 200);
	assert_int_equal(kit_wait_int(&H, "SELECT count(*) FROM messages WHERE "
	    "message_type = 2", 1, 10), 1);
	c = get(id);
	assert_string_equal(json_string_value(json_object_get(c, "status")),
	    "completed");
	assert_int_equal(geti(c, "total"), 2);
	assert_int_equal(geti(c, "m2_total"), 1);
	assert_int_equal(geti(c, "progress_percent"), 100);
	assert_int_equal(geti(c, "pending"), 0);
	json_decref(c);
	/* The pacer sends it; the campaign stays completed. */
	assert_int_equal(kit_wait_int(&H, "SELECT count(*) FROM messages WHERE "
	    "message_type = 2 AND state = 'sent'", 1, 10), 1);
	c = get(id);
	assert_string_equal(json_string_value(json_object_get(c, "status")),
	    "completed");
	assert_int_equal(geti(c, "progress_percent"), 100);
	assert_int_equal(geti(c, "sent_so_far"), 2);
	m2 = json_object_get(c, "message_2_progress");
	assert_int_equal(geti(m2, "total"), 1);
	assert_int_equal(geti(m2, "sent_so_far"), 1);
	json_decref(c);
	assert_int_equal(posts("+33610000300"), 2);
}

/* Relaunch: round 1's unknown message is left as it is, never re-posted. */
static void
test_relaunch_unknown(void **state)
{
	long long	 id, unk;
	json_t		*c;

	kit_seed(&H, "rl", 400, 3);
	kit_fake_ctl(&H, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/messages\",\"method\":\"POST\",\"status\":500,"
	    "\"processed\":true,\"count\":1}]}");
	id = campaign_of("rl", NULL);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)id)));
	assert_true(wait_status(id, "completed", 20));
	unk = kit_sql_int(&H, "SELECT id FROM messages WHERE state = "
	    "'unknown' AND contact_id IN (SELECT contact_id FROM "
	    "category_contacts cc JOIN categories g ON g.id = cc.category_id "
	    "WHERE g.name = 'rl')");
	assert_true(unk > 0);
	c = kit_call_ok(fd, "campaigns.relaunch", json_pack("{s:I,s:b}", "id",
	    (json_int_t)id, "confirm", 1));
	assert_int_equal(geti(c, "changed"), 2);
	assert_int_equal(geti(c, "round"), 2);
	json_decref(c);
	assert_true(wait_status(id, "completed", 20));
	{
		char	 q[256];

		snprintf(q, sizeof q, "SELECT state = 'unknown' AND round = 1 "
		    "FROM messages WHERE id = %lld", unk);
		assert_int_equal(kit_sql_int(&H, q), 1);
		snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
		    "campaign_id = %lld AND round = 2 AND state = 'sent'", id);
		assert_int_equal(kit_sql_int(&H, q), 2);
	}
	assert_int_equal(posts(NULL) > 0, 1);
}

/*
 * suppress_days = 7: one contact of the new audience got a Message 1 of
 * another campaign 3 days ago (the daemon restarted 3 days later on the
 * test clock), another 8 days ago: only the first is left out, and the
 * dry run, the launch reply and campaigns.stats say so.
 */
static void
test_suppress(void **state)
{
	long long	 a, b;
	json_t		*c;
	char		 q[256], *out = NULL, args[64];

	kit_seed(&H, "supA", 500, 2);
	kit_seed(&H, "supB", 500, 3);
	a = campaign_of("supA", NULL);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)a)));
	assert_true(wait_status(a, "completed", 20));
	/* Contact 501's message: 5 days before the others. */
	snprintf(q, sizeof q, "UPDATE messages SET claimed_at = claimed_at - "
	    "5 * 86400, sent_at = sent_at - 5 * 86400 WHERE campaign_id = %lld "
	    "AND contact_id = (SELECT id FROM contacts WHERE full_number = "
	    "'+33610000501')", a);
	kit_sql(&H, q);
	close(fd);
	fd = -1;
	assert_int_equal(harness_stop(&H), 0);
	setenv("WACAMP_TEST_CLOCK_OFFSET", "259200", 1);
	assert_int_equal(harness_start(&H), 0);
	assert_true((fd = harness_connect(&H)) != -1);
	b = campaign_of("supB", NULL);
	c = kit_call_ok(fd, "campaigns.send", json_pack("{s:I,s:b}", "id",
	    (json_int_t)b, "dry_run", 1));
	assert_int_equal(geti(c, "recipients"), 2);
	assert_int_equal(geti(c, "suppressed"), 1);
	json_decref(c);
	snprintf(args, sizeof args, "campaigns send %lld --yes", b);
	assert_int_equal(harness_cli(&H, args, NULL, &out), 0);
	assert_non_null(strstr(out, "left out at launch 1"));
	free(out);
	c = kit_call_ok(fd, "campaigns.stats", json_pack("{s:I}", "id",
	    (json_int_t)b));
	assert_int_equal(geti(c, "suppressed"), 1);
	assert_int_equal(geti(c, "total"), 2);
	json_decref(c);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages m JOIN contacts c "
	    "ON c.id = m.contact_id WHERE m.campaign_id = %lld AND "
	    "c.full_number = '+33610000500'", b);
	assert_int_equal(kit_sql_int(&H, q), 0);
}

/*
 * The daemon stops while a verification is parked (Wassenger slow to
 * answer): the waiting client gets an error with its request's id, not a
 * closed socket.
 */
static void
test_shutdown_answers(void **state)
{
	const char	*line;
	json_t		*rep;
	long long	 id;
	char		 q[256];

	kit_seed(&H, "vf", 600, 1);
	id = kit_sql_int(&H, "SELECT id FROM contacts WHERE full_number = "
	    "'+33610000600'");
	kit_fake_ctl(&H, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/numbers/exists\",\"delay_ms\":8000,\"count\":-1}]}");
	snprintf(q, sizeof q, "{\"id\":4242,\"cmd\":\"verify.contact\","
	    "\"args\":{\"id\":%lld}}\n", id);
	line = q;
	assert_int_equal(harness_send(fd, line, strlen(line)), 0);
	/* Parked: no answer while Wassenger is slow. */
	assert_null(harness_read(fd, 700));
	assert_int_equal(harness_stop(&H), 0);
	rep = harness_read(fd, 3000);
	assert_non_null(rep);
	assert_int_equal(json_integer_value(json_object_get(rep, "id")), 4242);
	assert_false(json_is_true(json_object_get(rep, "ok")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    rep, "error"), "code")), "unavailable");
	json_decref(rep);
	assert_true(harness_file_has(H.log, "verify.contact not finished at "
	    "shutdown"));
}

/* The same for a journal replay stopped half way. */
static void
test_shutdown_answers_replay(void **state)
{
	const char	*line = "{\"id\":4343,\"cmd\":\"webhooks.replay\","
			    "\"args\":{}}\n";
	json_t		*rep;

	if (fd != -1)
		close(fd);
	assert_int_equal(harness_start(&H), 0);
	assert_true((fd = harness_connect(&H)) != -1);
	/* 200,000 journaled replies from no contact: a replay of seconds. */
	kit_sql(&H, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	    "FROM n WHERE i < 200000) INSERT INTO webhook_events (event, "
	    "object_id, ack, received_at, body, applied) SELECT "
	    "'message:in:new', 'R' || i, '', strftime('%s'), "
	    "'{\"id\":\"R' || i || '\",\"event\":\"message:in:new\",\"data\":"
	    "{\"id\":\"R' || i || '\",\"flow\":\"inbound\",\"fromNumber\":"
	    "\"+15550000000\",\"body\":\"hi\"}}', 1 FROM n");
	assert_int_equal(harness_send(fd, line, strlen(line)), 0);
	assert_null(harness_read(fd, 300));
	assert_int_equal(harness_stop(&H), 0);
	rep = harness_read(fd, 3000);
	assert_non_null(rep);
	assert_int_equal(json_integer_value(json_object_get(rep, "id")), 4343);
	assert_false(json_is_true(json_object_get(rep, "ok")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    rep, "error"), "code")), "unavailable");
	json_decref(rep);
}

/*
 * Jobs (job.c) stopped half way: an import, then an export blocked on a
 * pipe nobody reads. Each request is answered "unavailable"; the import's
 * batch is failed, its contacts kept for an undo.
 */
static void
test_shutdown_answers_jobs(void **state)
{
	const char	*imp = "{\"id\":4444,\"cmd\":\"contacts.import\","
			    "\"args\":{\"filename\":\"big.csv\"}}\n";
	const char	*exp = "{\"id\":4545,\"cmd\":\"contacts.export\","
			    "\"args\":{}}\n";
	char		 path[400];
	json_t		*rep;
	FILE		*fp;
	int		 i, file, pfd[2];

	(void)state;
	if (fd != -1)
		close(fd);
	assert_int_equal(harness_start(&H), 0);
	assert_true((fd = harness_connect(&H)) != -1);
	/* 600,000 rows: an import of a second or more. */
	snprintf(path, sizeof path, "%s/big.csv", H.dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("phone,first_name\n", fp);
	for (i = 0; i < 600000; i++)
		fprintf(fp, "+2289%07d,N%d\n", i, i);
	fclose(fp);
	assert_true((file = open(path, O_RDONLY)) != -1);
	assert_int_equal(proto_send_fd(fd, imp, strlen(imp), file), 0);
	close(file);
	assert_null(harness_read(fd, 150));
	assert_int_equal(harness_stop(&H), 0);
	rep = harness_read(fd, 3000);
	assert_non_null(rep);
	assert_int_equal(json_integer_value(json_object_get(rep, "id")), 4444);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    rep, "error"), "code")), "unavailable");
	json_decref(rep);
	assert_int_equal(kit_sql_int(&H, "SELECT count(*) FROM import_batches "
	    "WHERE filename = 'big.csv' AND state = 'failed'"), 1);

	/* An export into a pipe nobody reads: it waits, then is stopped. */
	close(fd);
	assert_int_equal(harness_start(&H), 0);
	assert_true((fd = harness_connect(&H)) != -1);
	kit_sql(&H, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	    "FROM n WHERE i < 50000) INSERT OR IGNORE INTO contacts "
	    "(full_number, first_name, created_at, updated_at) SELECT "
	    "'+2299' || (1000000 + i), 'E', 0, 0 FROM n");
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(proto_send_fd(fd, exp, strlen(exp), pfd[1]), 0);
	close(pfd[1]);
	assert_null(harness_read(fd, 500));
	assert_int_equal(harness_stop(&H), 0);
	rep = harness_read(fd, 3000);
	assert_non_null(rep);
	assert_int_equal(json_integer_value(json_object_get(rep, "id")), 4545);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    rep, "error"), "code")), "unavailable");
	json_decref(rep);
	close(pfd[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_resume),
		cmocka_unit_test(test_retry_stopped),
		cmocka_unit_test(test_late_m2),
		cmocka_unit_test(test_relaunch_unknown),
		cmocka_unit_test(test_suppress),
		cmocka_unit_test(test_shutdown_answers),
		cmocka_unit_test(test_shutdown_answers_replay),
		cmocka_unit_test(test_shutdown_answers_jobs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
