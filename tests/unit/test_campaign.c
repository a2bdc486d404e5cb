#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "campaign.h"
#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "migrations.h"
#include "outbox.h"
#include "store.h"
#include "xmalloc.h"

/*
 * The campaign lifecycle rules of DESIGN §6 against a real database:
 * which status allows which action (every refusal), how a campaign ends
 * (completed, or stopped again after a retry), Message 2 counted apart
 * and never reopening a completed campaign, progress that never moves
 * back, resume and opt-outs, and suppress_days at launch.
 */

static char	 tmpdir[] = "/tmp/test_campaign.XXXXXX";
static unsigned	 ndbs;

struct fix {
	struct daemon	 d;
	char		*path;
};

#define C1	1	/* contacts 1, 2, 3 (4 opted out) */
#define C2	2	/* contacts 1, 2, 5 */

static void
run(struct fix *f, const char *fmt, ...)
{
	va_list	 ap;
	char	*sql = NULL, *err = NULL;

	va_start(ap, fmt);
	if (vasprintf(&sql, fmt, ap) == -1)
		fail_msg("vasprintf");
	va_end(ap);
	if (sqlite3_exec(store_db(f->d.store), sql, NULL, NULL, &err) !=
	    SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	free(sql);
}

static int64_t
qi(struct fix *f, const char *fmt, ...)
{
	va_list		 ap;
	sqlite3_stmt	*st;
	char		*sql = NULL;
	int64_t		 v = 0;

	va_start(ap, fmt);
	if (vasprintf(&sql, fmt, ap) == -1)
		fail_msg("vasprintf");
	va_end(ap);
	if (sqlite3_prepare_v2(store_db(f->d.store), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(store_db(f->d.store)));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	free(sql);
	return v;
}

static int
fix_setup(void **state)
{
	struct fix	*f;
	char		 err[512] = "";

	f = xcalloc(1, sizeof *f);
	xasprintf(&f->path, "%s/db%u/wacamp.db", tmpdir, ndbs++);
	f->d.conf = config_default();
	if (store_open(f->path, 1, 0, &f->d.store, err, sizeof err) == -1) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	if (outbox_init(&f->d) == -1)
		return -1;
	run(f, "INSERT INTO contacts (id, full_number, first_name, last_name, "
	    "opted_out, created_at, updated_at) VALUES "
	    "(1, '+22890000001', 'Ama', 'A', 0, 0, 0), "
	    "(2, '+22890000002', 'Kofi', 'B', 0, 0, 0), "
	    "(3, '+22890000003', 'Efua', 'C', 0, 0, 0), "
	    "(4, '+22890000004', 'Yaw', 'D', 1, 0, 0), "
	    "(5, '+22890000005', 'Akos', 'E', 0, 0, 0)");
	run(f, "INSERT INTO categories (id, name, created_at, updated_at) "
	    "VALUES (1, 'one', 0, 0), (2, 'two', 0, 0)");
	run(f, "INSERT INTO category_contacts (category_id, contact_id) VALUES "
	    "(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 5)");
	run(f, "INSERT INTO campaigns (id, name, message_1, message_2, "
	    "created_at, updated_at) VALUES (1, 'one', 'Hi {{first_name}}', "
	    "'Thanks', 0, 0), (2, 'two', 'Hello', NULL, 0, 0)");
	run(f, "INSERT INTO campaign_categories (campaign_id, category_id) "
	    "VALUES (1, 1), (2, 2)");
	*state = f;
	return 0;
}

static int
fix_teardown(void **state)
{
	struct fix	*f = *state;

	store_close(f->d.store);
	config_free(f->d.conf);
	free(f->path);
	free(f);
	return 0;
}

static int64_t
msg(struct fix *f, int64_t camp, int64_t contact, int type)
{
	return qi(f, "SELECT id FROM messages WHERE campaign_id = %lld AND "
	    "contact_id = %lld AND message_type = %d", (long long)camp,
	    (long long)contact, type);
}

static void
set_status(struct fix *f, int64_t camp, const char *status)
{
	run(f, "UPDATE campaigns SET status = '%s' WHERE id = %lld", status,
	    (long long)camp);
}

static const char *
status(struct fix *f, int64_t camp)
{
	static char	 buf[32];
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->d.store), "SELECT "
	    "status FROM campaigns WHERE id = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, camp);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, sizeof buf, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

/* Launch CAMP as campaigns.send does: messages, then running. */
static void
launch(struct fix *f, int64_t camp, int64_t want)
{
	int64_t	 n = -1;

	assert_int_equal(outbox_launch(&f->d, camp, &n), want > 0);
	assert_int_equal(n, want);
	set_status(f, camp, "running");
}

/* Claim and post message ID: sent (1) or failed (0), as the pacer does. */
static void
deliver(struct fix *f, int64_t id, int ok)
{
	struct ob_claim	 c;
	char		 day[11];

	clock_today(day);
	assert_int_equal(outbox_claim(&f->d, id, day, NULL, "dev", &c), 1);
	outbox_claim_free(&c);
	if (ok)
		assert_int_equal(outbox_sent(&f->d, id, NULL, NULL, NULL,
		    NULL), 1);
	else
		assert_int_equal(outbox_fail(&f->d, id, "refused", NULL), 1);
	campaign_finish_done(&f->d, outbox_campaign_of(&f->d, id));
}

static json_int_t
cnum(json_t *c, const char *k)
{
	return json_integer_value(json_object_get(c, k));
}

/* Every status against every action: the lifecycle's one table. */
static void
test_refusals(void **state)
{
	static const char *const statuses[] = { "draft", "running", "paused",
	    "stopped", "completed" };
	/* Allowed: E(dit) S(end) T(stop) U(resume) R(etry) L(relaunch) D(elete). */
	static const char *const allowed[] = { "ESD", "TRL", "TRLD", "URLD",
	    "RLD" };
	static const char letters[CA_NACTIONS] = { 'E', 'S', 'T', 'U', 'R',
	    'L', 'D' };
	size_t	 i;
	int	 a, may;

	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		for (a = 0; a < CA_NACTIONS; a++) {
			may = strchr(allowed[i], letters[a]) != NULL;
			if ((campaign_refusal(statuses[i], a) == NULL) != may)
				fail_msg("%s %s: %s", statuses[i],
				    campaign_action_name(a), may ? "refused" :
				    "allowed");
		}
	assert_non_null(campaign_refusal("nonsense", CA_SEND));
	assert_non_null(campaign_refusal(NULL, CA_SEND));
	assert_non_null(campaign_refusal("draft", CA_NACTIONS));
	assert_non_null(strstr(campaign_refusal("stopped", CA_SEND),
	    "resume"));
}

/* running -> completed once no Message 1 is pending or being sent. */
static void
test_completion(void **state)
{
	struct fix	*f = *state;

	launch(f, C1, 3);
	campaign_finish_done(&f->d, C1);
	assert_string_equal(status(f, C1), "running");
	deliver(f, msg(f, C1, 1, 1), 1);
	deliver(f, msg(f, C1, 2, 1), 0);
	assert_string_equal(status(f, C1), "running");
	deliver(f, msg(f, C1, 3, 1), 1);
	assert_string_equal(status(f, C1), "completed");
	assert_true(qi(f, "SELECT finished_at FROM campaigns WHERE id = 1") > 0);
	/* Only a running campaign is finished. */
	set_status(f, C2, "draft");
	campaign_finish_done(&f->d, C2);
	assert_string_equal(status(f, C2), "draft");
}

/* Retry on a stopped campaign: runs while it settles, then stopped again. */
static void
test_retry_stopped(void **state)
{
	struct fix	*f = *state;

	launch(f, C1, 3);
	deliver(f, msg(f, C1, 1, 1), 0);
	assert_int_equal(outbox_stop(&f->d, C1), 2);
	set_status(f, C1, "stopped");
	campaign_finish_done(&f->d, C1);
	assert_string_equal(status(f, C1), "stopped");
	assert_int_equal(outbox_retry(&f->d, C1, 0), 1);
	set_status(f, C1, "running");
	campaign_finish_done(&f->d, C1);
	assert_string_equal(status(f, C1), "running");
	deliver(f, msg(f, C1, 1, 1), 1);
	assert_string_equal(status(f, C1), "stopped");
	assert_true(qi(f, "SELECT finished_at IS NULL FROM campaigns WHERE "
	    "id = 1"));
	/* Nothing left to retry: nothing moves. */
	assert_int_equal(outbox_retry(&f->d, C1, 1), 0);
	/* A failure of a contact who opted out since is not retried. */
	run(f, "UPDATE contacts SET opted_out = 1 WHERE id = 1");
	assert_int_equal(outbox_stop(&f->d, C1), 0);
	run(f, "UPDATE messages SET state = 'failed' WHERE id = %lld; "
	    "UPDATE campaigns SET sent = sent - 1, failed = failed + 1 "
	    "WHERE id = 1", (long long)msg(f, C1, 1, 1));
	assert_int_equal(outbox_retry(&f->d, C1, 1), 0);
	run(f, "UPDATE contacts SET opted_out = 0 WHERE id = 1");
	/* Resume the rest: completed at the end, not stopped. */
	assert_int_equal(outbox_resume(&f->d, C1), 2);
	set_status(f, C1, "running");
	deliver(f, msg(f, C1, 2, 1), 1);
	deliver(f, msg(f, C1, 3, 1), 1);
	assert_string_equal(status(f, C1), "completed");
}

/* Resume skips who opted out since, and their stop becomes an opt-out. */
static void
test_resume_optout(void **state)
{
	struct fix	*f = *state;
	json_t		*c;

	launch(f, C1, 3);
	assert_int_equal(outbox_stop(&f->d, C1), 3);
	set_status(f, C1, "stopped");
	c = campaign_get(&f->d, C1);
	assert_int_equal(cnum(json_object_get(c, "cancelled_by"), "stop"), 3);
	assert_int_equal(cnum(c, "progress_percent"), 0);
	json_decref(c);
	run(f, "UPDATE contacts SET opted_out = 1 WHERE id = 2");
	assert_int_equal(outbox_resume(&f->d, C1), 2);
	set_status(f, C1, "running");
	c = campaign_get(&f->d, C1);
	assert_int_equal(cnum(json_object_get(c, "cancelled_by"), "stop"), 0);
	assert_int_equal(cnum(json_object_get(c, "cancelled_by"), "optout"),
	    1);
	assert_int_equal(cnum(c, "pending"), 2);
	json_decref(c);
	/* A second resume has nothing to move. */
	assert_int_equal(outbox_resume(&f->d, C1), 0);
	deliver(f, msg(f, C1, 1, 1), 1);
	deliver(f, msg(f, C1, 3, 1), 1);
	assert_string_equal(status(f, C1), "completed");
}

/*
 * Message 2 is counted apart: queued after completion it leaves the
 * campaign completed at 100 %, and a pending one never holds a running
 * campaign open.
 */
static void
test_m2_apart(void **state)
{
	struct fix	*f = *state;
	json_t		*c, *m2;

	launch(f, C1, 3);
	deliver(f, msg(f, C1, 1, 1), 1);
	/* A reply before the end: Message 2 queued, the campaign runs on. */
	assert_int_equal(outbox_queue_m2(&f->d, C1, 1, 1, "+22890000001",
	    "Thanks", NULL), 1);
	deliver(f, msg(f, C1, 2, 1), 1);
	deliver(f, msg(f, C1, 3, 1), 1);
	/* Message 2 still pending: completed all the same. */
	assert_string_equal(status(f, C1), "completed");
	/* A late reply: queued, still completed, still 100 %. */
	assert_int_equal(outbox_queue_m2(&f->d, C1, 2, 1, "+22890000002",
	    "Thanks", NULL), 1);
	campaign_finish_done(&f->d, C1);
	assert_string_equal(status(f, C1), "completed");
	c = campaign_get(&f->d, C1);
	assert_int_equal(cnum(c, "total"), 3);
	assert_int_equal(cnum(c, "pending"), 0);
	assert_int_equal(cnum(c, "sent_so_far"), 3);
	assert_int_equal(cnum(c, "progress_percent"), 100);
	assert_int_equal(cnum(c, "m2_total"), 2);
	m2 = json_object_get(c, "message_2_progress");
	assert_int_equal(cnum(m2, "total"), 2);
	assert_int_equal(cnum(m2, "pending"), 2);
	json_decref(c);
	deliver(f, msg(f, C1, 1, 2), 1);
	assert_string_equal(status(f, C1), "completed");
	c = campaign_get(&f->d, C1);
	assert_int_equal(cnum(c, "sent_so_far"), 3);
	assert_int_equal(cnum(c, "sent"), 3);
	m2 = json_object_get(c, "message_2_progress");
	assert_int_equal(cnum(m2, "sent_so_far"), 1);
	assert_int_equal(cnum(m2, "pending"), 1);
	json_decref(c);
}

/* Through stop, resume, failure, retry and Message 2: never backwards. */
static void
test_progress_forward(void **state)
{
	struct fix	*f = *state;
	json_int_t	 last = -1, lastpct = -1;
	json_t		*c;
	int		 step;

	launch(f, C1, 3);
	for (step = 0; step < 10; step++) {
		switch (step) {
		case 1:
			deliver(f, msg(f, C1, 1, 1), 1);
			break;
		case 2:
			assert_int_equal(outbox_stop(&f->d, C1), 2);
			set_status(f, C1, "stopped");
			break;
		case 3:
			assert_int_equal(outbox_queue_m2(&f->d, C1, 1, 1,
			    "+22890000001", "Thanks", NULL), 1);
			break;
		case 4:
			assert_int_equal(outbox_resume(&f->d, C1), 2);
			set_status(f, C1, "running");
			break;
		case 5:
			deliver(f, msg(f, C1, 2, 1), 0);
			break;
		case 6:
			assert_int_equal(outbox_retry(&f->d, C1, 0), 1);
			break;
		case 7:
			assert_int_equal(outbox_queue_m2(&f->d, C1, 1, 1,
			    "+22890000001", "Thanks", NULL), 0);
			break;
		case 8:
			deliver(f, msg(f, C1, 2, 1), 1);
			break;
		case 9:
			deliver(f, msg(f, C1, 3, 1), 1);
			break;
		}
		c = campaign_get(&f->d, C1);
		assert_true(cnum(c, "sent_so_far") >= last);
		assert_true(cnum(c, "progress_percent") >= lastpct);
		assert_int_equal(cnum(c, "total"), 3);
		last = cnum(c, "sent_so_far");
		lastpct = cnum(c, "progress_percent");
		json_decref(c);
	}
	assert_int_equal(last, 3);
	assert_int_equal(lastpct, 100);
	assert_string_equal(status(f, C1), "completed");
}

/*
 * suppress_days: who got a Message 1 of another campaign claimed since
 * the cut is left out, counted and stored; an older one, a failed or a
 * cancelled one is not a reason.
 */
static void
test_suppress(void **state)
{
	struct fix	*f = *state;
	int64_t		 n = -1, left = -1, aud = -1, since;

	launch(f, C1, 3);
	deliver(f, msg(f, C1, 1, 1), 1);	/* contact 1: now */
	deliver(f, msg(f, C1, 2, 1), 0);	/* contact 2: failed */
	since = (int64_t)clock_now() - 7 * 86400;
	assert_int_equal(outbox_audience(&f->d, C2, since, &aud, &left), 0);
	assert_int_equal(aud, 2);
	assert_int_equal(left, 1);
	assert_int_equal(outbox_audience(&f->d, C2, 0, &aud, &left), 0);
	assert_int_equal(aud, 3);
	assert_int_equal(left, 0);
	/* Contact 1's message 8 days old: no longer a reason. */
	run(f, "UPDATE messages SET claimed_at = claimed_at - 8 * 86400 WHERE "
	    "id = %lld", (long long)msg(f, C1, 1, 1));
	assert_int_equal(outbox_audience(&f->d, C2, since, &aud, &left), 0);
	assert_int_equal(left, 0);
	run(f, "UPDATE messages SET claimed_at = claimed_at + 5 * 86400 WHERE "
	    "id = %lld", (long long)msg(f, C1, 1, 1));
	assert_int_equal(outbox_launch_since(&f->d, C2, since, &n, &left), 1);
	assert_int_equal(n, 2);
	assert_int_equal(left, 1);
	assert_int_equal(msg(f, C2, 1, 1), 0);
	assert_int_equal(qi(f, "SELECT suppressed FROM campaigns WHERE id = 2"),
	    1);
	assert_int_equal(qi(f, "SELECT total FROM campaigns WHERE id = 2"), 2);
}

/*
 * Migration 009 on a populated database of schema 8: every message
 * (with its cancel reason), import batch and undo row is still there,
 * the counters unchanged, suppressed 0, and Message 2 read from its index.
 */
static void
test_migration_009(void **state)
{
	struct fix	 f;
	sqlite3		*db;
	char		*path, *err = NULL, errbuf[512] = "";
	size_t		 i;

	xasprintf(&path, "%s/v8/wacamp.db", tmpdir);
	xasprintf(&err, "mkdir -p '%s/v8'", tmpdir);
	assert_int_equal(system(err), 0);
	free(err);
	err = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (i = 0; i < nmigrations && migrations[i].version <= 8; i++)
		if (sqlite3_exec(db, migrations[i].sql, NULL, NULL, &err) !=
		    SQLITE_OK)
			fail_msg("%s: %s", migrations[i].name, err);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 8;"
	    "INSERT INTO contacts (id, full_number, first_name, last_name, "
	    "created_at, updated_at) VALUES (1, '+22890000001', 'A', 'A', 0, 0),"
	    "(2, '+22890000002', 'B', 'B', 0, 0);"
	    "INSERT INTO import_batches (id, filename, state, created_at) "
	    "VALUES (7, 'a.csv', 'done', 0);"
	    "INSERT INTO import_changes (batch_id, contact_id, old_first_name) "
	    "VALUES (7, 1, 'Old');"
	    "INSERT INTO campaigns (id, name, message_1, message_2, status, "
	    "created_at, updated_at, total, sent, cancelled, pending, m2_total) "
	    "VALUES (1, 'c', 'Hi', 'Thanks', 'stopped', 0, 0, 2, 1, 1, 1, 1);"
	    "INSERT INTO messages (id, campaign_id, contact_id, message_type, "
	    "phone, body, state, cancel_reason, created_at, updated_at) VALUES "
	    "(1, 1, 1, 1, '+22890000001', 'Hi', 'sent', NULL, 0, 0),"
	    "(2, 1, 2, 1, '+22890000002', 'Hi', 'cancelled', 'stop', 0, 0),"
	    "(3, 1, 1, 2, '+22890000001', 'Thanks', 'pending', NULL, 0, 0);",
	    NULL, NULL, &err), SQLITE_OK);
	sqlite3_close(db);
	memset(&f, 0, sizeof f);
	f.d.conf = config_default();
	if (store_open(path, 0, 0, &f.d.store, errbuf, sizeof errbuf) == -1)
		fail_msg("store_open: %s", errbuf);
	assert_int_equal(qi(&f, "PRAGMA user_version"),
	    migrations[nmigrations - 1].version);
	assert_int_equal(qi(&f, "SELECT count(*) FROM messages"), 3);
	assert_int_equal(qi(&f, "SELECT count(*) FROM messages WHERE id = 2 "
	    "AND cancel_reason = 'stop'"), 1);
	assert_int_equal(qi(&f, "SELECT count(*) FROM import_batches"), 1);
	assert_int_equal(qi(&f, "SELECT count(*) FROM import_changes WHERE "
	    "old_first_name = 'Old'"), 1);
	assert_int_equal(qi(&f, "SELECT suppressed FROM campaigns"), 0);
	assert_int_equal(qi(&f, "SELECT count(*) FROM sqlite_master WHERE "
	    "name = 'messages_m2'"), 1);
	assert_int_equal(qi(&f, "SELECT count(*) FROM pragma_foreign_key_check"),
	    0);
	/* The cancel reason is one of three, and a cancellation has one. */
	assert_int_not_equal(sqlite3_exec(store_db(f.d.store), "UPDATE "
	    "messages SET cancel_reason = 'bogus' WHERE id = 2", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(store_db(f.d.store), "UPDATE "
	    "messages SET state = 'cancelled' WHERE id = 3", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(store_db(f.d.store), "UPDATE messages "
	    "SET state = 'cancelled', cancel_reason = 'optout' WHERE id = 3; "
	    "UPDATE messages SET state = 'pending', cancel_reason = NULL "
	    "WHERE id = 3", NULL, NULL, NULL), SQLITE_OK);
	{
		json_t	*c = campaign_get(&f.d, 1);

		assert_non_null(c);
		assert_int_equal(cnum(c, "total"), 2);
		assert_int_equal(cnum(c, "pending"), 0);
		assert_int_equal(cnum(c, "sent_so_far"), 1);
		assert_int_equal(cnum(json_object_get(c, "message_2_progress"),
		    "pending"), 1);
		assert_int_equal(cnum(json_object_get(c, "cancelled_by"),
		    "stop"), 1);
		json_decref(c);
	}
	store_close(f.d.store);
	config_free(f.d.conf);
	free(path);
}

static int
group_setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char	*cmd;
	int	 rc;

	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, fix_setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		T(test_completion),
		T(test_retry_stopped),
		T(test_resume_optout),
		T(test_m2_apart),
		T(test_progress_forward),
		T(test_suppress),
		cmocka_unit_test(test_migration_009),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
