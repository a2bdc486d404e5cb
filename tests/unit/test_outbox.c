#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "xmalloc.h"

/*
 * The outbox against a real database: every legal transition of DESIGN §6
 * with the message row, the campaign counters and the day's usage it
 * leaves; every illegal one refused without a write; after every step the
 * counters equal what the messages say.
 */

static char	 tmpdir[] = "/tmp/test_outbox.XXXXXX";
static unsigned	 ndbs;

/* Per test: a fresh migrated database, the outbox on it, seeded rows. */
struct fix {
	struct daemon	 d;
	char		*path;
	char		 nonce[32];
	char		 today[11];
};

#define C1	1	/* campaign 1: categories 1 and 2 */
#define C2	2	/* campaign 2: category 1 */

static const char *counter_cols[] = { "pending", "sending", "sent",
    "delivered", "read", "failed", "unknown", "cancelled" };

/* SQL from FMT into a fresh string (integers only go through here). */
static char *
sqlf(const char *fmt, va_list ap)
{
	char	*sql;

	if (vasprintf(&sql, fmt, ap) == -1)
		fail_msg("vasprintf");
	return sql;
}

static void
run(struct fix *f, const char *fmt, ...)
{
	va_list	 ap;
	char	*sql, *err = NULL;

	va_start(ap, fmt);
	sql = sqlf(fmt, ap);
	va_end(ap);
	if (sqlite3_exec(store_db(f->d.store), sql, NULL, NULL, &err) !=
	    SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	free(sql);
}

/* The integer answer of a query (0 when there is no row or it is NULL). */
static int64_t
qi(struct fix *f, const char *fmt, ...)
{
	va_list		 ap;
	sqlite3_stmt	*st;
	char		*sql;
	int64_t		 v = 0;
	int		 rc;

	va_start(ap, fmt);
	sql = sqlf(fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(store_db(f->d.store), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(store_db(f->d.store)));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		fail_msg("%s: %s", sql, sqlite3_errmsg(store_db(f->d.store)));
	sqlite3_finalize(st);
	free(sql);
	return v;
}

/* The text answer of a query ("(null)" for NULL or no row), to free. */
static char *
qs(struct fix *f, const char *fmt, ...)
{
	va_list		 ap;
	sqlite3_stmt	*st;
	char		*sql, *v;

	va_start(ap, fmt);
	sql = sqlf(fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(store_db(f->d.store), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(store_db(f->d.store)));
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	else
		v = xstrdup("(null)");
	sqlite3_finalize(st);
	free(sql);
	return v;
}

#define assert_text(f, want, ...) do {					\
	char	*got_ = qs((f), __VA_ARGS__);				\
	assert_string_equal(got_, (want));				\
	free(got_);							\
} while (0)

static void
append_table(struct fix *f, char **out, const char *sql)
{
	sqlite3_stmt	*st;
	char		*s;
	int		 i, n;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->d.store), sql, -1,
	    &st, NULL), SQLITE_OK);
	n = sqlite3_column_count(st);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			const char *v = (const char *)sqlite3_column_text(st,
			    i);

			xasprintf(&s, "%s%s%s", *out, i ? "|" : "\n",
			    v ? v : "NULL");
			free(*out);
			*out = s;
		}
	}
	sqlite3_finalize(st);
}

/* Every row the outbox may write, as text: compared to prove "no write". */
static char *
dump(struct fix *f)
{
	char	*out = xstrdup("");

	append_table(f, &out, "SELECT * FROM messages ORDER BY id");
	append_table(f, &out, "SELECT * FROM campaigns ORDER BY id");
	append_table(f, &out, "SELECT * FROM daily_usage ORDER BY day");
	append_table(f, &out, "SELECT * FROM message_ids ORDER BY wa_id");
	return out;
}

/*
 * The invariant of DESIGN §3: for each campaign the counters pending..
 * cancelled equal its messages in that state, total its Message 1 and
 * m2_total its Message 2. Named loudly when it breaks.
 */
static void
invariant(struct fix *f)
{
	sqlite3_stmt	*st;
	int64_t		 camp, have, want;
	int		 i;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->d.store),
	    "SELECT id FROM campaigns ORDER BY id", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		camp = sqlite3_column_int64(st, 0);
		for (i = 0; i < OB_NSTATES; i++) {
			have = qi(f, "SELECT %s FROM campaigns WHERE id = %lld",
			    counter_cols[i], (long long)camp);
			want = qi(f, "SELECT count(*) FROM messages WHERE "
			    "campaign_id = %lld AND state = '%s'",
			    (long long)camp, outbox_state_name(i));
			if (have != want)
				fail_msg("campaign %lld: counter %s is %lld but "
				    "%lld messages are %s", (long long)camp,
				    counter_cols[i], (long long)have,
				    (long long)want, outbox_state_name(i));
		}
		have = qi(f, "SELECT total FROM campaigns WHERE id = %lld",
		    (long long)camp);
		want = qi(f, "SELECT count(*) FROM messages WHERE "
		    "campaign_id = %lld AND message_type = 1", (long long)camp);
		if (have != want)
			fail_msg("campaign %lld: total is %lld but it has %lld "
			    "Message 1", (long long)camp, (long long)have,
			    (long long)want);
		have = qi(f, "SELECT m2_total FROM campaigns WHERE id = %lld",
		    (long long)camp);
		want = qi(f, "SELECT count(*) FROM messages WHERE "
		    "campaign_id = %lld AND message_type = 2", (long long)camp);
		if (have != want)
			fail_msg("campaign %lld: m2_total is %lld but it has "
			    "%lld Message 2", (long long)camp, (long long)have,
			    (long long)want);
	}
	sqlite3_finalize(st);
	/* No day goes below zero. */
	want = qi(f, "SELECT count(*) FROM daily_usage WHERE sent < 0 OR "
	    "m1 < 0 OR m2 < 0 OR failed < 0 OR delivered < 0 OR read < 0 OR "
	    "interactions < 0");
	if (want != 0)
		fail_msg("a daily_usage column went below zero");
}

/* The campaign's counters, in the order of the schema's columns. */
static void
expect_camp_(struct fix *f, int64_t camp, const int64_t *want,
    const char *file, int line)
{
	static const char *cols[] = { "pending", "sending", "sent",
	    "delivered", "read", "failed", "unknown", "cancelled", "total",
	    "m2_total", "interactions" };
	int64_t		 have;
	size_t		 i;

	for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		have = qi(f, "SELECT %s FROM campaigns WHERE id = %lld",
		    cols[i], (long long)camp);
		if (have != want[i])
			fail_msg("%s:%d: campaign %lld: %s is %lld, expected "
			    "%lld", file, line, (long long)camp, cols[i],
			    (long long)have, (long long)want[i]);
	}
	invariant(f);
}
/* pending sending sent delivered read failed unknown cancelled total m2 inter */
#define expect_camp(f, camp, ...) \
	expect_camp_((f), (camp), (const int64_t []){ __VA_ARGS__ }, \
	    __FILE__, __LINE__)

/* The day's usage (no row: all zero). */
static void
expect_usage_(struct fix *f, const char *day, const int64_t *want,
    const char *file, int line)
{
	static const char *cols[] = { "sent", "m1", "m2", "failed",
	    "delivered", "read", "interactions" };
	int64_t		 have;
	size_t		 i;

	for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		have = qi(f, "SELECT %s FROM daily_usage WHERE day = '%s'",
		    cols[i], day);
		if (have != want[i])
			fail_msg("%s:%d: day %s: %s is %lld, expected %lld",
			    file, line, day, cols[i], (long long)have,
			    (long long)want[i]);
	}
}
/* sent m1 m2 failed delivered read interactions */
#define expect_usage(f, day, ...) \
	expect_usage_((f), (day), (const int64_t []){ __VA_ARGS__ }, \
	    __FILE__, __LINE__)

/* The state of message ID, checked by name. */
#define expect_state(f, id, name) \
	assert_text((f), (name), "SELECT state FROM messages WHERE id = %lld", \
	    (long long)(id))

/* The message of CONTACT in CAMP of TYPE (0: none). */
static int64_t
msg(struct fix *f, int64_t camp, int64_t contact, int type)
{
	return qi(f, "SELECT id FROM messages WHERE campaign_id = %lld AND "
	    "contact_id = %lld AND message_type = %d", (long long)camp,
	    (long long)contact, type);
}

/* An illegal move: refused (0) and nothing written. */
#define refused(f, call) do {						\
	char	*before_ = dump(f), *after_;				\
	int	 r_ = (call);						\
	after_ = dump(f);						\
	if (r_ != 0)							\
		fail_msg("%s:%d: %s returned %d, expected 0", __FILE__,	\
		    __LINE__, #call, r_);				\
	if (strcmp(before_, after_) != 0)				\
		fail_msg("%s:%d: %s was refused but wrote:\nbefore:%s\n" \
		    "after:%s", __FILE__, __LINE__, #call, before_, after_); \
	free(before_);							\
	free(after_);							\
	invariant(f);							\
} while (0)

/* A legal move of one message, then the invariant. */
#define moved(f, call) do {						\
	int	 r_ = (call);						\
	if (r_ != 1)							\
		fail_msg("%s:%d: %s returned %d, expected 1", __FILE__,	\
		    __LINE__, #call, r_);				\
	invariant(f);							\
} while (0)

/* Claim ID on TODAY through "dev1", check the claim, free it. */
static void
claim(struct fix *f, int64_t id)
{
	struct ob_claim	 c;

	moved(f, outbox_claim(&f->d, id, f->today, NULL, "dev1", &c));
	assert_int_equal(c.id, id);
	assert_non_null(c.phone);
	assert_non_null(c.body);
	assert_non_null(c.reference);
	outbox_claim_free(&c);
}

/*
 * Contacts 1..7: 1, 2 in category 1; 3 in category 2; 4 in category 1 but
 * opted out; 5 in both; 6 in none; 7 exists but joins category 1 later.
 * Campaign 1 targets categories 1 and 2, campaign 2 category 1.
 */
static void
seed(struct fix *f)
{
	run(f, "INSERT INTO contacts (id, full_number, first_name, last_name, "
	    "opted_out, created_at, updated_at) VALUES "
	    "(1, '+22890000001', 'Ama', 'Mensah', 0, 0, 0), "
	    "(2, '+22890000002', 'Kofi', 'Annan', 0, 0, 0), "
	    "(3, '+22890000003', 'Efua', 'Sey', 0, 0, 0), "
	    "(4, '+22890000004', 'Yaw', 'Out', 1, 0, 0), "
	    "(5, '+22890000005', 'Akos', 'Both', 0, 0, 0), "
	    "(6, '+22890000006', 'None', 'Such', 0, 0, 0), "
	    "(7, '+22890000007', 'Late', 'Comer', 0, 0, 0)");
	run(f, "INSERT INTO categories (id, name, created_at, updated_at) "
	    "VALUES (1, 'lome', 0, 0), (2, 'kara', 0, 0)");
	run(f, "INSERT INTO category_contacts (category_id, contact_id) VALUES "
	    "(1, 1), (1, 2), (2, 3), (1, 4), (1, 5), (2, 5)");
	run(f, "INSERT INTO campaigns (id, name, message_1, message_2, "
	    "created_at, updated_at) VALUES "
	    "(1, 'one', 'Hi {{first_name}} {{last_name}} ({{phone}})', "
	    "'Thanks', 0, 0), (2, 'two', 'Hello {{first_name}}', NULL, 0, 0)");
	run(f, "INSERT INTO campaign_categories (campaign_id, category_id) "
	    "VALUES (1, 1), (1, 2), (2, 1)");
}

static int
fix_setup(void **state)
{
	struct fix	*f;
	char		*nonce, err[512] = "";

	f = xcalloc(1, sizeof *f);
	xasprintf(&f->path, "%s/db%u/wacamp.db", tmpdir, ndbs++);
	f->d.conf = config_default();
	if (store_open(f->path, 1, 0, &f->d.store, err, sizeof err) == -1) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	if (outbox_init(&f->d) == -1)
		return -1;
	nonce = qs(f, "SELECT value FROM meta WHERE key = 'nonce'");
	snprintf(f->nonce, sizeof f->nonce, "%s", nonce);
	free(nonce);
	clock_today(f->today);
	seed(f);
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

/* Launch campaign 1: its four messages, pending, in contact order. */
static void
launch(struct fix *f, int64_t camp, int64_t want)
{
	int64_t	 n = -1;

	assert_int_equal(outbox_launch(&f->d, camp, &n), want > 0);
	assert_int_equal(n, want);
	invariant(f);
}

static void
test_launch(void **state)
{
	struct fix	*f = *state;
	char		*body;
	int64_t		 n = -1;

	expect_camp(f, C1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	launch(f, C1, 4);
	/* One per distinct contact of both categories, not the opted out. */
	assert_text(f, "1,2,3,5", "SELECT group_concat(contact_id) FROM "
	    "(SELECT contact_id FROM messages WHERE campaign_id = 1 ORDER BY "
	    "contact_id)");
	assert_int_equal(qi(f, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 1 AND (state != 'pending' OR message_type != 1 OR "
	    "round != 1 OR attempts != 0 OR reference IS NOT NULL)"), 0);
	assert_int_equal(qi(f, "SELECT round FROM campaigns WHERE id = 1"), 1);
	expect_camp(f, C1, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0);
	body = qs(f, "SELECT body || '/' || phone FROM messages WHERE id = %lld",
	    (long long)msg(f, C1, 1, 1));
	assert_string_equal(body, "Hi Ama Mensah (+22890000001)/+22890000001");
	free(body);
	/* Campaign 2 is apart; its audience overlaps. */
	launch(f, C2, 3);
	expect_camp(f, C2, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0);
	assert_text(f, "Hello Akos", "SELECT body FROM messages WHERE id = %lld",
	    (long long)msg(f, C2, 5, 1));
	/* A second launch finds everyone queued: nothing new, nothing moved. */
	{
		char	*before = dump(f), *after;

		assert_int_equal(outbox_launch(&f->d, C1, &n), 0);
		assert_int_equal(n, 0);
		after = dump(f);
		assert_string_equal(before, after);
		free(before);
		free(after);
	}
	expect_camp(f, C1, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 0, 0, 0, 0, 0, 0, 0);
}

static void
test_claim_sent(void **state)
{
	struct fix	*f = *state;
	struct ob_claim	 c;
	int64_t		 id, t0, t1;
	char		*ref;

	launch(f, C1, 4);
	id = msg(f, C1, 2, 1);
	t0 = (int64_t)clock_now();
	assert_int_equal(outbox_claim(&f->d, id, f->today, NULL, "dev1", &c), 1);
	t1 = (int64_t)clock_now();
	invariant(f);
	xasprintf(&ref, "wacamp-%s-%lld-r1", f->nonce, (long long)id);
	assert_int_equal(c.id, id);
	assert_int_equal(c.campaign, C1);
	assert_int_equal(c.type, 1);
	assert_int_equal(c.attempts, 1);
	assert_string_equal(c.day, f->today);
	assert_string_equal(c.phone, "+22890000002");
	assert_string_equal(c.body, "Hi Kofi Annan (+22890000002)");
	assert_string_equal(c.reference, ref);
	outbox_claim_free(&c);
	assert_null(c.phone);
	expect_state(f, id, "sending");
	assert_int_equal(qi(f, "SELECT attempts FROM messages WHERE id = %lld",
	    (long long)id), 1);
	assert_text(f, ref, "SELECT reference FROM messages WHERE id = %lld",
	    (long long)id);
	assert_text(f, "dev1", "SELECT device FROM messages WHERE id = %lld",
	    (long long)id);
	assert_true(qi(f, "SELECT claimed_at FROM messages WHERE id = %lld",
	    (long long)id) >= t0);
	assert_true(qi(f, "SELECT claimed_at FROM messages WHERE id = %lld",
	    (long long)id) <= t1);
	expect_camp(f, C1, 3, 1, 0, 0, 0, 0, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 1, 1, 0, 0, 0, 0, 0);

	/* A message being sent is not claimed twice. */
	refused(f, outbox_claim(&f->d, id, f->today, NULL, "dev1", &c));
	assert_null(c.reference);
	/* No such message. */
	refused(f, outbox_claim(&f->d, 999, f->today, NULL, "dev1", &c));

	/* 201: the ids stored, the device the reply named. */
	moved(f, outbox_sent(&f->d, id, "0123456789abcdef01234567",
	    "wamid.A1", "dev2", NULL));
	expect_state(f, id, "sent");
	assert_text(f, "0123456789abcdef01234567|wamid.A1|dev2|1|(null)",
	    "SELECT wass_id || '|' || wa_id || '|' || device || '|' || "
	    "(sent_at IS NOT NULL) || '|' || coalesce(error, '(null)') "
	    "FROM messages WHERE id = %lld", (long long)id);
	assert_int_equal(qi(f, "SELECT message_id FROM message_ids WHERE "
	    "wa_id = 'wamid.A1' AND round = 1"), id);
	expect_camp(f, C1, 3, 0, 1, 0, 0, 0, 0, 0, 4, 0, 0);
	/* Sending keeps the reservation: still one today. */
	expect_usage(f, f->today, 1, 1, 0, 0, 0, 0, 0);

	/* What a sent message may not do. */
	refused(f, outbox_claim(&f->d, id, f->today, NULL, "dev1", &c));
	refused(f, outbox_sent(&f->d, id, "ffffffffffffffffffffffff",
	    "wamid.B", NULL, NULL));
	refused(f, outbox_unknown(&f->d, id, "x"));
	refused(f, outbox_settle(&f->d, id, 1, "x"));
	refused(f, outbox_settle(&f->d, id, 0, "x"));
	refused(f, outbox_requeue(&f->d, id, "x", 0, 0));
	refused(f, outbox_ack(&f->d, id, 1, NULL));
	/* What a pending message may not do. */
	id = msg(f, C1, 1, 1);
	refused(f, outbox_sent(&f->d, id, "aaaaaaaaaaaaaaaaaaaaaaaa",
	    "wamid.C", NULL, NULL));
	refused(f, outbox_unknown(&f->d, id, "x"));
	refused(f, outbox_fail(&f->d, id, "x", NULL));
	refused(f, outbox_requeue(&f->d, id, "x", 0, 1));
	refused(f, outbox_settle(&f->d, id, 1, "x"));
	refused(f, outbox_ack(&f->d, id, 2, NULL));
	refused(f, outbox_ack(&f->d, id, 3, NULL));
	free(ref);
}

/*
 * A late 201 (or a reconciled event) may carry an id another message
 * already holds: the move is kept, the ids are not (outbox_sent's
 * comment), rather than an error that leaves the message in sending.
 */
static void
test_sent_duplicate_id(void **state)
{
	struct fix	*f = *state;
	int64_t		 a, b;

	launch(f, C1, 4);
	a = msg(f, C1, 1, 1);
	b = msg(f, C1, 2, 1);
	claim(f, a);
	claim(f, b);
	moved(f, outbox_sent(&f->d, a, "aaaaaaaaaaaaaaaaaaaaaaaa", "wamid.X",
	    NULL, NULL));
	/* Inside the caller's transaction, which stays usable. */
	assert_int_equal(store_begin(f->d.store), 0);
	moved(f, outbox_sent(&f->d, b, "bbbbbbbbbbbbbbbbbbbbbbbb", "wamid.X",
	    NULL, NULL));
	assert_int_equal(store_commit(f->d.store), 0);
	expect_state(f, b, "sent");
	assert_int_equal(qi(f, "SELECT count(*) FROM messages WHERE "
	    "wa_id = 'wamid.X'"), 1);
	assert_int_equal(qi(f, "SELECT message_id FROM message_ids WHERE "
	    "wa_id = 'wamid.X'"), a);
	expect_camp(f, C1, 2, 0, 2, 0, 0, 0, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 2, 2, 0, 0, 0, 0, 0);
}

static void
test_requeue(void **state)
{
	struct fix	*f = *state;
	struct ob_claim	 c;
	int64_t		 id;
	char		*ref;

	launch(f, C1, 4);
	id = msg(f, C1, 3, 1);
	claim(f, id);
	expect_usage(f, f->today, 1, 1, 0, 0, 0, 0, 0);
	/* Not taken, attempt not spent (429): attempts back, day released. */
	moved(f, outbox_requeue(&f->d, id, "rate limited", 12345, 0));
	expect_state(f, id, "pending");
	assert_text(f, "0|12345|rate limited", "SELECT attempts || '|' || "
	    "next_at || '|' || error FROM messages WHERE id = %lld",
	    (long long)id);
	expect_camp(f, C1, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 0, 0, 0, 0, 0, 0, 0);
	refused(f, outbox_requeue(&f->d, id, "again", 0, 0));

	/* Not taken, attempt spent: attempts kept; the same reference. */
	assert_int_equal(outbox_claim(&f->d, id, f->today, NULL, "dev1", &c), 1);
	invariant(f);
	assert_int_equal(c.attempts, 1);
	xasprintf(&ref, "wacamp-%s-%lld-r1", f->nonce, (long long)id);
	assert_string_equal(c.reference, ref);
	free(ref);
	outbox_claim_free(&c);
	moved(f, outbox_requeue(&f->d, id, "could not connect", 30, 1));
	assert_int_equal(qi(f, "SELECT attempts FROM messages WHERE id = %lld",
	    (long long)id), 1);
	expect_usage(f, f->today, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(outbox_claim(&f->d, id, f->today, NULL, "dev1", &c), 1);
	assert_int_equal(c.attempts, 2);
	outbox_claim_free(&c);
	expect_camp(f, C1, 3, 1, 0, 0, 0, 0, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 1, 1, 0, 0, 0, 0, 0);

	/* An unknown message is never requeued: it may have gone. */
	moved(f, outbox_unknown(&f->d, id, "reset"));
	refused(f, outbox_requeue(&f->d, id, "x", 0, 0));
	refused(f, outbox_requeue(&f->d, id, "x", 0, 1));
}

static void
test_unknown_fail(void **state)
{
	struct fix	*f = *state;
	struct ob_claim	 c;
	int64_t		 a, b, s;

	launch(f, C1, 4);
	a = msg(f, C1, 1, 1);
	b = msg(f, C1, 2, 1);
	s = msg(f, C1, 3, 1);
	claim(f, a);
	claim(f, b);
	claim(f, s);
	expect_usage(f, f->today, 3, 3, 0, 0, 0, 0, 0);

	/* Maybe taken: unknown, and its reservation stays. */
	moved(f, outbox_unknown(&f->d, a, "HTTP 502"));
	expect_state(f, a, "unknown");
	assert_text(f, "HTTP 502", "SELECT error FROM messages WHERE id = %lld",
	    (long long)a);
	expect_camp(f, C1, 1, 2, 0, 0, 0, 0, 1, 0, 4, 0, 0);
	expect_usage(f, f->today, 3, 3, 0, 0, 0, 0, 0);
	refused(f, outbox_unknown(&f->d, a, "again"));
	refused(f, outbox_claim(&f->d, a, f->today, NULL, "dev1", &c));

	/* Refused from sending: failed, the day given back. */
	moved(f, outbox_fail(&f->d, b, "phone: not on WhatsApp", NULL));
	expect_state(f, b, "failed");
	assert_text(f, "phone: not on WhatsApp", "SELECT error FROM messages "
	    "WHERE id = %lld", (long long)b);
	expect_camp(f, C1, 1, 1, 0, 0, 0, 1, 1, 0, 4, 0, 0);
	expect_usage(f, f->today, 2, 2, 0, 1, 0, 0, 0);

	/* An unknown one that failed (message:out:failed): never went out. */
	moved(f, outbox_fail(&f->d, a, "failed at Wassenger", NULL));
	expect_state(f, a, "failed");
	expect_camp(f, C1, 1, 1, 0, 0, 0, 2, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 1, 1, 0, 2, 0, 0, 0);

	/* A sent one that failed later: it did count on its day. */
	moved(f, outbox_sent(&f->d, s, "cccccccccccccccccccccccc", "wamid.S",
	    NULL, NULL));
	moved(f, outbox_fail(&f->d, s, "failed", NULL));
	expect_state(f, s, "failed");
	expect_camp(f, C1, 1, 0, 0, 0, 0, 3, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 1, 1, 0, 3, 0, 0, 0);

	/* Failed is final for these moves. */
	refused(f, outbox_fail(&f->d, s, "again", NULL));
	refused(f, outbox_sent(&f->d, s, NULL, NULL, NULL, NULL));
	refused(f, outbox_unknown(&f->d, s, "x"));
	refused(f, outbox_ack(&f->d, s, 2, NULL));
	refused(f, outbox_ack(&f->d, s, 3, NULL));
	refused(f, outbox_settle(&f->d, s, 1, "x"));
	refused(f, outbox_claim(&f->d, s, f->today, NULL, "dev1", &c));
}

static void
test_ack(void **state)
{
	struct fix	*f = *state;
	int64_t		 a, b, u, s;

	launch(f, C1, 4);
	a = msg(f, C1, 1, 1);
	b = msg(f, C1, 2, 1);
	u = msg(f, C1, 3, 1);
	s = msg(f, C1, 5, 1);
	/* Nothing to ack before a send. */
	refused(f, outbox_ack(&f->d, a, 2, NULL));
	refused(f, outbox_ack(&f->d, a, 3, NULL));
	claim(f, a);
	claim(f, b);
	claim(f, u);
	claim(f, s);
	moved(f, outbox_sent(&f->d, a, NULL, "wamid.A", NULL, NULL));
	moved(f, outbox_sent(&f->d, b, NULL, "wamid.B", NULL, NULL));
	moved(f, outbox_unknown(&f->d, u, "timeout"));
	expect_camp(f, C1, 0, 1, 2, 0, 0, 0, 1, 0, 4, 0, 0);
	expect_usage(f, f->today, 4, 4, 0, 0, 0, 0, 0);

	/* Levels out of range, and level 1 on a sent one, do nothing. */
	refused(f, outbox_ack(&f->d, a, 0, NULL));
	refused(f, outbox_ack(&f->d, a, 4, NULL));
	refused(f, outbox_ack(&f->d, a, 1, NULL));

	/* sent -> delivered -> read, each counted once. */
	moved(f, outbox_ack(&f->d, a, 2, NULL));
	expect_state(f, a, "delivered");
	assert_int_equal(qi(f, "SELECT delivered_at IS NOT NULL AND read_at IS "
	    "NULL FROM messages WHERE id = %lld", (long long)a), 1);
	expect_camp(f, C1, 0, 1, 1, 1, 0, 0, 1, 0, 4, 0, 0);
	expect_usage(f, f->today, 4, 4, 0, 0, 1, 0, 0);
	refused(f, outbox_ack(&f->d, a, 2, NULL));
	moved(f, outbox_ack(&f->d, a, 3, NULL));
	expect_state(f, a, "read");
	assert_int_equal(qi(f, "SELECT read_at IS NOT NULL FROM messages "
	    "WHERE id = %lld", (long long)a), 1);
	expect_camp(f, C1, 0, 1, 1, 0, 1, 0, 1, 0, 4, 0, 0);
	expect_usage(f, f->today, 4, 4, 0, 0, 1, 1, 0);
	/* Never backwards, never twice. */
	refused(f, outbox_ack(&f->d, a, 2, NULL));
	refused(f, outbox_ack(&f->d, a, 3, NULL));
	refused(f, outbox_fail(&f->d, a, "late", NULL));

	/* sent -> read at once: delivered too. */
	moved(f, outbox_ack(&f->d, b, 3, NULL));
	expect_state(f, b, "read");
	assert_int_equal(qi(f, "SELECT delivered_at IS NOT NULL AND read_at IS "
	    "NOT NULL FROM messages WHERE id = %lld", (long long)b), 1);
	expect_usage(f, f->today, 4, 4, 0, 0, 2, 2, 0);

	/* unknown -> delivered: the ack settles it; the day stays taken. */
	moved(f, outbox_ack(&f->d, u, 2, NULL));
	expect_state(f, u, "delivered");
	assert_int_equal(qi(f, "SELECT sent_at IS NOT NULL FROM messages "
	    "WHERE id = %lld", (long long)u), 1);
	expect_usage(f, f->today, 4, 4, 0, 0, 3, 2, 0);

	/* sending -> read: the ack overtook the reply. */
	moved(f, outbox_ack(&f->d, s, 3, NULL));
	expect_state(f, s, "read");
	expect_camp(f, C1, 0, 0, 0, 1, 3, 0, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 4, 4, 0, 0, 4, 3, 0);

	/* A cancelled message is not acked. */
	launch(f, C2, 3);
	assert_int_equal(outbox_stop(&f->d, C2), 3);
	refused(f, outbox_ack(&f->d, msg(f, C2, 1, 1), 2, NULL));
	refused(f, outbox_ack(&f->d, msg(f, C2, 1, 1), 3, NULL));
}

static void
test_settle(void **state)
{
	struct fix	*f = *state;
	int64_t		 a, b, p;

	launch(f, C1, 4);
	a = msg(f, C1, 1, 1);
	b = msg(f, C1, 2, 1);
	p = msg(f, C1, 3, 1);
	claim(f, a);
	claim(f, b);
	refused(f, outbox_settle(&f->d, a, 1, "seen"));	/* sending */
	refused(f, outbox_settle(&f->d, p, 1, "seen"));	/* pending */
	moved(f, outbox_unknown(&f->d, a, "reset"));
	moved(f, outbox_unknown(&f->d, b, "reset"));
	expect_usage(f, f->today, 2, 2, 0, 0, 0, 0, 0);

	moved(f, outbox_settle(&f->d, a, 1, "seen in the app"));
	expect_state(f, a, "sent");
	assert_text(f, "seen in the app|1", "SELECT error || '|' || "
	    "(sent_at IS NOT NULL) FROM messages WHERE id = %lld",
	    (long long)a);
	expect_camp(f, C1, 2, 0, 1, 0, 0, 0, 1, 0, 4, 0, 0);
	expect_usage(f, f->today, 2, 2, 0, 0, 0, 0, 0);

	moved(f, outbox_settle(&f->d, b, 0, "not in the app"));
	expect_state(f, b, "failed");
	assert_int_equal(qi(f, "SELECT sent_at IS NULL FROM messages WHERE "
	    "id = %lld", (long long)b), 1);
	expect_camp(f, C1, 2, 0, 1, 0, 0, 1, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 1, 1, 0, 1, 0, 0, 0);

	refused(f, outbox_settle(&f->d, a, 0, "changed my mind"));
	refused(f, outbox_settle(&f->d, b, 1, "changed my mind"));

	/* A sent ack (level 1) settles an unknown one too; the day stays. */
	claim(f, p);
	moved(f, outbox_unknown(&f->d, p, "reset"));
	moved(f, outbox_ack(&f->d, p, 1, NULL));
	expect_state(f, p, "sent");
	assert_int_equal(qi(f, "SELECT sent_at IS NOT NULL FROM messages "
	    "WHERE id = %lld", (long long)p), 1);
	expect_camp(f, C1, 1, 0, 2, 0, 0, 1, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 2, 2, 0, 1, 0, 0, 0);
}

static void
test_stop_cancel_resume(void **state)
{
	struct fix	*f = *state;
	struct ob_batch	 b;
	int64_t		 s;

	launch(f, C1, 4);
	launch(f, C2, 3);
	s = msg(f, C1, 1, 1);
	claim(f, s);

	/* Stop: pending ones cancelled; the one in flight goes on. */
	assert_int_equal(outbox_stop(&f->d, C1), 3);
	invariant(f);
	expect_state(f, s, "sending");
	assert_int_equal(qi(f, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 1 AND state = 'cancelled' AND cancel_reason = "
	    "'stop'"), 3);
	expect_camp(f, C1, 0, 1, 0, 0, 0, 0, 0, 3, 4, 0, 0);
	expect_camp(f, C2, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0);
	refused(f, outbox_stop(&f->d, C1));

	/* Contact 2 opts out: their pending one in campaign 2 goes. */
	run(f, "UPDATE contacts SET opted_out = 1 WHERE id = 2");
	assert_int_equal(outbox_cancel_contact(&f->d, 2, OB_CANCEL_OPTOUT,
	    NULL), 1);
	invariant(f);
	assert_text(f, "cancelled|optout", "SELECT state || '|' || "
	    "cancel_reason FROM messages WHERE id = %lld",
	    (long long)msg(f, C2, 2, 1));
	/* Its stop-cancelled one in campaign 1 keeps its reason. */
	assert_text(f, "stop", "SELECT cancel_reason FROM messages WHERE "
	    "id = %lld", (long long)msg(f, C1, 2, 1));
	expect_camp(f, C2, 2, 0, 0, 0, 0, 0, 0, 1, 3, 0, 0);
	refused(f, outbox_cancel_contact(&f->d, 2, OB_CANCEL_OPTOUT, NULL));

	/* Erasure of contact 5, through a batch: counted at the flush. */
	memset(&b, 0, sizeof b);
	assert_int_equal(outbox_cancel_contact(&f->d, 5, OB_CANCEL_ERASED, &b),
	    1);
	assert_int_equal(b.n, 1);
	assert_int_equal(qi(f, "SELECT pending FROM campaigns WHERE id = 2"),
	    2);
	assert_int_equal(qi(f, "SELECT cancelled FROM campaigns WHERE id = 2"),
	    1);
	assert_int_equal(outbox_flush(&f->d, &b), 0);
	invariant(f);
	expect_camp(f, C2, 1, 0, 0, 0, 0, 0, 0, 2, 3, 0, 0);
	assert_text(f, "erased", "SELECT cancel_reason FROM messages WHERE "
	    "id = %lld", (long long)msg(f, C2, 5, 1));

	/* Resume: stop-cancelled ones of contacts still opted in. */
	assert_int_equal(outbox_resume(&f->d, C1), 2);
	invariant(f);
	expect_state(f, msg(f, C1, 2, 1), "cancelled");
	expect_state(f, msg(f, C1, 3, 1), "pending");
	expect_state(f, msg(f, C1, 5, 1), "pending");
	assert_int_equal(qi(f, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 1 AND state = 'pending' AND cancel_reason IS NOT "
	    "NULL"), 0);
	expect_camp(f, C1, 2, 1, 0, 0, 0, 0, 0, 1, 4, 0, 0);
	/* Opt-out and erasure are not resumed. */
	refused(f, outbox_resume(&f->d, C1));
	refused(f, outbox_resume(&f->d, C2));
	expect_usage(f, f->today, 1, 1, 0, 0, 0, 0, 0);
}

static void
test_retry(void **state)
{
	struct fix	*f = *state;
	int64_t		 a, b, u, p;

	launch(f, C1, 4);
	a = msg(f, C1, 1, 1);
	b = msg(f, C1, 2, 1);
	u = msg(f, C1, 3, 1);
	p = msg(f, C1, 5, 1);
	/* Nothing to retry. */
	refused(f, outbox_retry(&f->d, C1, 0));
	refused(f, outbox_retry(&f->d, C1, 1));
	claim(f, a);
	claim(f, b);
	claim(f, u);
	moved(f, outbox_fail(&f->d, a, "refused", NULL));	/* released */
	moved(f, outbox_sent(&f->d, b, NULL, "wamid.B", NULL, NULL));
	moved(f, outbox_fail(&f->d, b, "failed", NULL));	/* counted */
	moved(f, outbox_unknown(&f->d, u, "reset"));		/* held */
	expect_camp(f, C1, 1, 0, 0, 0, 0, 2, 1, 0, 4, 0, 0);
	expect_usage(f, f->today, 2, 2, 0, 2, 0, 0, 0);

	/* Failed ones only: attempts and error cleared; unknown stays. */
	assert_int_equal(outbox_retry(&f->d, C1, 0), 2);
	invariant(f);
	assert_int_equal(qi(f, "SELECT count(*) FROM messages WHERE id IN "
	    "(%lld, %lld) AND state = 'pending' AND attempts = 0 AND "
	    "next_at = 0 AND error IS NULL", (long long)a, (long long)b), 2);
	expect_state(f, u, "unknown");
	expect_camp(f, C1, 3, 0, 0, 0, 0, 0, 1, 0, 4, 0, 0);
	expect_usage(f, f->today, 2, 2, 0, 2, 0, 0, 0);
	refused(f, outbox_retry(&f->d, C1, 0));

	/* With unknown ones: the reservation is given back. */
	assert_int_equal(outbox_retry(&f->d, C1, 1), 1);
	invariant(f);
	expect_state(f, u, "pending");
	expect_state(f, p, "pending");
	expect_camp(f, C1, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0);
	expect_usage(f, f->today, 1, 1, 0, 2, 0, 0, 0);
	refused(f, outbox_retry(&f->d, C1, 1));
}

static void
test_relaunch(void **state)
{
	struct fix	*f = *state;
	struct ob_claim	 c;
	int64_t		 r, fl, u, s, m2, late;
	char		*ref;

	launch(f, C1, 4);
	r = msg(f, C1, 1, 1);
	fl = msg(f, C1, 2, 1);
	u = msg(f, C1, 3, 1);
	s = msg(f, C1, 5, 1);
	claim(f, r);
	claim(f, fl);
	claim(f, u);
	claim(f, s);
	moved(f, outbox_sent(&f->d, r, "dddddddddddddddddddddddd", "wamid.R",
	    NULL, NULL));
	moved(f, outbox_ack(&f->d, r, 3, NULL));
	moved(f, outbox_fail(&f->d, fl, "refused", NULL));
	moved(f, outbox_unknown(&f->d, u, "reset"));
	moved(f, outbox_queue_m2(&f->d, C1, 1, 1, "+22890000001", "Thanks",
	    NULL));
	m2 = msg(f, C1, 1, 2);
	/* Since: contact 7 joined, contact 2 opted out. */
	run(f, "INSERT INTO category_contacts (category_id, contact_id) "
	    "VALUES (1, 7)");
	run(f, "UPDATE contacts SET opted_out = 1 WHERE id = 2");
	expect_camp(f, C1, 1, 1, 0, 0, 1, 1, 1, 0, 4, 1, 0);
	expect_usage(f, f->today, 3, 3, 0, 1, 1, 1, 0);

	/* read one again, new contact 7: 2; contact 2 moved then cancelled. */
	assert_int_equal(outbox_relaunch(&f->d, C1), 2);
	invariant(f);
	assert_int_equal(qi(f, "SELECT round FROM campaigns WHERE id = 1"), 2);
	assert_text(f, "pending|2|0", "SELECT state || '|' || round || '|' || "
	    "attempts FROM messages WHERE id = %lld", (long long)r);
	assert_int_equal(qi(f, "SELECT count(*) FROM messages WHERE id = %lld "
	    "AND reference IS NULL AND wa_id IS NULL AND wass_id IS NULL AND "
	    "sent_at IS NULL AND read_at IS NULL AND claimed_at IS NULL",
	    (long long)r), 1);
	/* The old round's id is still known as the old round's. */
	assert_int_equal(qi(f, "SELECT round FROM message_ids WHERE "
	    "wa_id = 'wamid.R'"), 1);
	assert_text(f, "cancelled|optout|2", "SELECT state || '|' || "
	    "cancel_reason || '|' || round FROM messages WHERE id = %lld",
	    (long long)fl);
	/* Unknown and sending ones of round 1 are left alone. */
	assert_text(f, "unknown|1", "SELECT state || '|' || round FROM "
	    "messages WHERE id = %lld", (long long)u);
	assert_text(f, "sending|1", "SELECT state || '|' || round FROM "
	    "messages WHERE id = %lld", (long long)s);
	/* Message 2 is not part of the round. */
	assert_text(f, "pending|1", "SELECT state || '|' || round FROM "
	    "messages WHERE id = %lld", (long long)m2);
	late = msg(f, C1, 7, 1);
	assert_true(late > 0);
	assert_text(f, "pending|2|Hi Late Comer (+22890000007)", "SELECT "
	    "state || '|' || round || '|' || body FROM messages WHERE "
	    "id = %lld", (long long)late);
	expect_camp(f, C1, 3, 1, 0, 0, 0, 0, 1, 1, 5, 1, 0);
	/* The day keeps what was sent on it. */
	expect_usage(f, f->today, 3, 3, 0, 1, 1, 1, 0);

	/* The new round's references say r2. */
	assert_int_equal(outbox_claim(&f->d, r, f->today, NULL, "dev1", &c), 1);
	invariant(f);
	xasprintf(&ref, "wacamp-%s-%lld-r2", f->nonce, (long long)r);
	assert_string_equal(c.reference, ref);
	free(ref);
	outbox_claim_free(&c);
	assert_int_equal(outbox_claim(&f->d, late, f->today, NULL, "dev1", &c), 1);
	invariant(f);
	xasprintf(&ref, "wacamp-%s-%lld-r2", f->nonce, (long long)late);
	assert_string_equal(c.reference, ref);
	free(ref);
	outbox_claim_free(&c);
	/* The old round's unknown one still settles as round 1. */
	moved(f, outbox_sent(&f->d, u, NULL, "wamid.U", NULL, NULL));
	assert_int_equal(qi(f, "SELECT round FROM message_ids WHERE "
	    "wa_id = 'wamid.U'"), 1);
	expect_camp(f, C1, 1, 3, 1, 0, 0, 0, 0, 1, 5, 1, 0);
	expect_usage(f, f->today, 5, 5, 0, 1, 1, 1, 0);
}

static void
test_queue_m2(void **state)
{
	struct fix	*f = *state;
	struct ob_batch	 b;
	struct ob_claim	 c;
	int64_t		 m;

	launch(f, C1, 4);
	moved(f, outbox_queue_m2(&f->d, C1, 1, 1, "+22890000001", "Thanks",
	    NULL));
	m = msg(f, C1, 1, 2);
	assert_text(f, "pending|2|1|Thanks", "SELECT state || '|' || "
	    "message_type || '|' || round || '|' || body FROM messages WHERE "
	    "id = %lld", (long long)m);
	/* Counted apart from the audience: total stays. */
	expect_camp(f, C1, 5, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0);
	/* Once. */
	refused(f, outbox_queue_m2(&f->d, C1, 1, 1, "+22890000001", "Thanks",
	    NULL));

	/* Its send counts as Message 2 of the day. */
	assert_int_equal(outbox_claim(&f->d, m, f->today, NULL, "dev1", &c), 1);
	invariant(f);
	assert_int_equal(c.type, 2);
	outbox_claim_free(&c);
	expect_usage(f, f->today, 1, 0, 1, 0, 0, 0, 0);
	moved(f, outbox_requeue(&f->d, m, "x", 0, 0));
	expect_usage(f, f->today, 0, 0, 0, 0, 0, 0, 0);

	/* Through a batch: m2_total at once, pending at the flush. */
	memset(&b, 0, sizeof b);
	assert_int_equal(outbox_queue_m2(&f->d, C1, 2, 1, "+22890000002",
	    "Thanks", &b), 1);
	assert_int_equal(qi(f, "SELECT m2_total FROM campaigns WHERE id = 1"),
	    2);
	assert_int_equal(qi(f, "SELECT pending FROM campaigns WHERE id = 1"),
	    5);
	assert_int_equal(b.ntouched, 1);
	assert_int_equal(b.touched[0], C1);
	assert_int_equal(outbox_flush(&f->d, &b), 0);
	expect_camp(f, C1, 6, 0, 0, 0, 0, 0, 0, 0, 4, 2, 0);
}

static void
test_interaction(void **state)
{
	struct fix	*f = *state;

	launch(f, C1, 4);
	moved(f, outbox_interaction(&f->d, C1, NULL));
	expect_camp(f, C1, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1);
	expect_usage(f, f->today, 0, 0, 0, 0, 0, 0, 1);
	/* None of ours: only the day. */
	moved(f, outbox_interaction(&f->d, 0, NULL));
	expect_camp(f, C1, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1);
	expect_usage(f, f->today, 0, 0, 0, 0, 0, 0, 2);
}

static void
test_recover(void **state)
{
	struct fix	*f = *state;
	int64_t		 a, b, p;

	launch(f, C1, 4);
	a = msg(f, C1, 1, 1);
	b = msg(f, C1, 2, 1);
	p = msg(f, C1, 3, 1);
	refused(f, outbox_recover(&f->d));
	claim(f, a);
	claim(f, b);
	/* The daemon stopped after b's ids were written, before its state. */
	run(f, "UPDATE messages SET wass_id = 'eeeeeeeeeeeeeeeeeeeeeeee' "
	    "WHERE id = %lld", (long long)b);
	assert_int_equal(outbox_recover(&f->d), 2);
	invariant(f);
	expect_state(f, a, "unknown");
	assert_int_equal(qi(f, "SELECT error LIKE '%%daemon stopped%%' FROM "
	    "messages WHERE id = %lld", (long long)a), 1);
	expect_state(f, b, "sent");
	assert_text(f, "eeeeeeeeeeeeeeeeeeeeeeee", "SELECT wass_id FROM "
	    "messages WHERE id = %lld", (long long)b);
	expect_state(f, p, "pending");
	expect_camp(f, C1, 2, 0, 1, 0, 0, 0, 1, 0, 4, 0, 0);
	/* Both keep their reservations. */
	expect_usage(f, f->today, 2, 2, 0, 0, 0, 0, 0);
	refused(f, outbox_recover(&f->d));
}

/* Bring the fixture to: 4 sent (ids wamid.1..4), campaign 2 launched. */
static void
batch_prepare(struct fix *f)
{
	int64_t	 id;
	int	 k;
	char	 wa[32];
	static const int contacts[] = { 1, 2, 3, 5 };

	launch(f, C1, 4);
	launch(f, C2, 3);
	for (k = 0; k < 4; k++) {
		id = msg(f, C1, contacts[k], 1);
		claim(f, id);
		snprintf(wa, sizeof wa, "wamid.%d", k + 1);
		moved(f, outbox_sent(&f->d, id, NULL, wa, NULL, NULL));
	}
	claim(f, msg(f, C2, 1, 1));
	moved(f, outbox_unknown(&f->d, msg(f, C2, 1, 1), "reset"));
}

/* The webhook's moves, with batch B (NULL: direct writes). */
static void
batch_moves(struct fix *f, struct ob_batch *b)
{
	assert_int_equal(outbox_ack(&f->d, msg(f, C1, 1, 1), 2, b), 1);
	assert_int_equal(outbox_ack(&f->d, msg(f, C1, 1, 1), 3, b), 1);
	assert_int_equal(outbox_ack(&f->d, msg(f, C1, 2, 1), 3, b), 1);
	assert_int_equal(outbox_ack(&f->d, msg(f, C1, 2, 1), 2, b), 0);
	assert_int_equal(outbox_fail(&f->d, msg(f, C1, 3, 1), "failed", b), 1);
	assert_int_equal(outbox_sent(&f->d, msg(f, C2, 1, 1), NULL, "wamid.9",
	    NULL, b), 1);
	assert_int_equal(outbox_ack(&f->d, msg(f, C2, 1, 1), 2, b), 1);
	assert_int_equal(outbox_interaction(&f->d, C1, b), 1);
	assert_int_equal(outbox_interaction(&f->d, C2, b), 1);
	assert_int_equal(outbox_interaction(&f->d, 0, b), 1);
	assert_int_equal(outbox_queue_m2(&f->d, C1, 1, 1, "+22890000001",
	    "Thanks", b), 1);
	assert_int_equal(outbox_cancel_contact(&f->d, 5, OB_CANCEL_OPTOUT, b),
	    1);
}

/* Counters and usage as text, to compare two databases. */
static char *
totals(struct fix *f)
{
	char	*out = xstrdup("");

	append_table(f, &out, "SELECT id, total, pending, sending, sent, "
	    "delivered, read, failed, unknown, cancelled, interactions, "
	    "m2_total FROM campaigns ORDER BY id");
	append_table(f, &out, "SELECT * FROM daily_usage ORDER BY day");
	append_table(f, &out, "SELECT id, state FROM messages ORDER BY id");
	return out;
}

static void
test_batch(void **state)
{
	struct fix	*f = *state, *g;
	struct ob_batch	 b;
	char		*before, *direct, *batched;

	batch_prepare(f);
	before = totals(f);
	memset(&b, 0, sizeof b);
	batch_moves(f, &b);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.ntouched, 2);
	assert_int_equal(b.touched_overflow, 0);
	/*
	 * Before the flush the campaign counters are as they were (the
	 * claims' and releases' day usage is not batched: none here).
	 */
	assert_int_equal(qi(f, "SELECT read FROM campaigns WHERE id = 1"), 0);
	assert_int_equal(qi(f, "SELECT interactions FROM campaigns WHERE "
	    "id = 1"), 0);
	expect_usage(f, f->today, 5, 5, 0, 0, 0, 0, 0);
	assert_int_equal(outbox_flush(&f->d, &b), 0);
	invariant(f);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.nu, 0);
	/* Flushing an empty batch writes nothing. */
	batched = dump(f);
	assert_int_equal(outbox_flush(&f->d, &b), 0);
	direct = dump(f);
	assert_string_equal(batched, direct);
	free(batched);
	free(direct);
	batched = totals(f);

	/* The same moves, written directly, on a twin database. */
	assert_int_equal(fix_setup((void **)&g), 0);
	batch_prepare(g);
	direct = totals(g);
	assert_string_equal(before, direct);
	free(direct);
	batch_moves(g, NULL);
	invariant(g);
	direct = totals(g);
	assert_string_equal(batched, direct);
	expect_camp(f, C1, 1, 0, 1, 0, 2, 1, 0, 0, 4, 1, 1);
	expect_camp(f, C2, 1, 0, 0, 1, 0, 0, 0, 1, 3, 0, 1);
	expect_usage(f, f->today, 5, 5, 0, 1, 3, 2, 3);
	free(before);
	free(direct);
	free(batched);
	fix_teardown((void **)&g);
}

/* More campaigns than a batch holds: the rest are written at once. */
static void
test_batch_overflow(void **state)
{
	struct fix	*f = *state;
	struct ob_batch	 b;
	int		 k;

	run(f, "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM "
	    "n WHERE i < 10 + %d) INSERT INTO campaigns (id, name, message_1, "
	    "created_at, updated_at) SELECT i, 'c' || i, 'x', 0, 0 FROM n",
	    OB_BATCH_CAMPAIGNS);
	memset(&b, 0, sizeof b);
	for (k = 0; k <= OB_BATCH_CAMPAIGNS; k++)
		assert_int_equal(outbox_interaction(&f->d, 10 + k, &b), 1);
	assert_int_equal(b.n, OB_BATCH_CAMPAIGNS);
	assert_int_equal(b.ntouched, OB_BATCH_CAMPAIGNS);
	assert_int_equal(b.touched_overflow, 1);
	assert_int_equal(qi(f, "SELECT sum(interactions) FROM campaigns"), 1);
	assert_int_equal(outbox_flush(&f->d, &b), 0);
	assert_int_equal(qi(f, "SELECT count(*) FROM campaigns WHERE id >= 10 "
	    "AND interactions = 1"), OB_BATCH_CAMPAIGNS + 1);
	expect_usage(f, f->today, 0, 0, 0, 0, 0, 0, OB_BATCH_CAMPAIGNS + 1);
	invariant(f);
}

static void
test_reference(void **state)
{
	struct fix	*f = *state;
	char		 buf[96], *s;
	int64_t		 id = -7, round = -7;
	size_t		 i;
	static const struct {
		const char	*pre, *post;
	} bad[] = {
		{ "wacamp-", "-0-r1" },		/* no message 0 */
		{ "wacamp-", "-42-r0" },	/* no round 0 */
		{ "wacamp-", "-42-r3x" },	/* trailing junk */
		{ "wacamp-", "-42-r3 " },
		{ "wacamp-", "-42-r3-r4" },
		{ "wacamp-", "-42-r" },
		{ "wacamp-", "-42r3" },
		{ "wacamp-", "-42" },
		{ "wacamp-", "--42-r3" },
		{ "wacamp-", "-+42-r3" },
		{ "wacamp-", "- 42-r3" },
		{ "wacamp-", "-042-r3" },
		{ "wacamp-", "-42-r03" },
		{ "wacamp-", "-42-r-3" },
		{ "wacamp-", "-x-r3" },
		{ "wacamp-", "a-42-r3" },	/* a longer nonce */
		{ "WACAMP-", "-42-r3" },
		{ "wacamp-", "" },
		{ "x-wacamp-", "-42-r3" },
	};

	outbox_reference(&f->d, 42, 3, buf, sizeof buf);
	xasprintf(&s, "wacamp-%s-42-r3", f->nonce);
	assert_string_equal(buf, s);
	free(s);
	assert_int_equal(outbox_parse_reference(&f->d, buf, &id, &round), 1);
	assert_int_equal(id, 42);
	assert_int_equal(round, 3);
	outbox_reference(&f->d, 9007199254740993LL, 12, buf, sizeof buf);
	assert_int_equal(outbox_parse_reference(&f->d, buf, &id, &round), 1);
	assert_int_equal(id, 9007199254740993LL);
	assert_int_equal(round, 12);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		id = round = -7;
		xasprintf(&s, "%s%s%s", bad[i].pre, f->nonce, bad[i].post);
		if (outbox_parse_reference(&f->d, s, &id, &round) != 0)
			fail_msg("\"%s\" parsed as message %lld round %lld", s,
			    (long long)id, (long long)round);
		assert_int_equal(id, -7);
		assert_int_equal(round, -7);
		free(s);
	}
	/* Not this database's: another nonce, a shorter one, none. */
	xasprintf(&s, "wacamp-%.*s-42-r3", (int)strlen(f->nonce) - 1, f->nonce);
	assert_int_equal(outbox_parse_reference(&f->d, s, &id, &round), 0);
	free(s);
	assert_int_equal(outbox_parse_reference(&f->d,
	    strcmp(f->nonce, "000000000000") ? "wacamp-000000000000-42-r3" :
	    "wacamp-111111111111-42-r3", &id, &round), 0);
	assert_int_equal(outbox_parse_reference(&f->d, "wacamp-12-1", &id,
	    &round), 0);
	assert_int_equal(outbox_parse_reference(&f->d, "wacamp-42-r3", &id,
	    &round), 0);
	assert_int_equal(outbox_parse_reference(&f->d, "", &id, &round), 0);
	assert_int_equal(outbox_parse_reference(&f->d, "wacamp-", &id, &round),
	    0);
	assert_int_equal(id, -7);
	/* The nonce: 12 lower-case hex digits, made by the migration. */
	assert_int_equal(strlen(f->nonce), 12);
	assert_int_equal(strspn(f->nonce, "0123456789abcdef"), 12);
}

static void
test_state_names(void **state)
{
	int	 i;

	(void)state;
	for (i = 0; i < OB_NSTATES; i++)
		assert_int_equal(outbox_state_index(outbox_state_name(i)), i);
	assert_string_equal(outbox_state_name(OB_UNKNOWN), "unknown");
	assert_string_equal(outbox_state_name(OB_NSTATES), "?");
	assert_string_equal(outbox_state_name(-1), "?");
	assert_int_equal(outbox_state_index("queued"), -1);
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_outbox", 1, LOG_LVL_WARN);
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char	*cmd;
	int	 rc;

	(void)state;
	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* USAGE's COL on LANE today. */
static long long
lane_usage(struct fix *f, const char *lane, const char *col)
{
	return qi(f, "SELECT coalesce((SELECT %s FROM daily_usage WHERE day = "
	    "'%s' AND device = '%s'), 0)", col, f->today, lane);
}

/*
 * Deliveries, reads and later failures count on the lane the message went
 * through, in a batch as without one; a reply's interaction on the
 * default lane.
 */
static void
test_usage_lanes(void **state)
{
	struct fix	*f = *state;
	struct ob_claim	 c;
	struct ob_batch	 b;
	int64_t		 a, z;

	launch(f, C1, 4);
	a = msg(f, C1, 1, 1);
	z = msg(f, C1, 2, 1);
	assert_int_equal(outbox_claim(&f->d, a, f->today, "second", "dev2",
	    &c), 1);
	outbox_claim_free(&c);
	assert_int_equal(outbox_claim(&f->d, z, f->today, "second", "dev2",
	    &c), 1);
	outbox_claim_free(&c);
	moved(f, outbox_sent(&f->d, a, "0123456789abcdef0123aaaa", "wamid.A",
	    "dev2", NULL));
	moved(f, outbox_sent(&f->d, z, "0123456789abcdef0123zzzz", "wamid.Z",
	    "dev2", NULL));
	memset(&b, 0, sizeof b);
	/* Batched: the counters move at the flush. */
	assert_int_equal(outbox_ack(&f->d, a, 3, &b), 1);
	assert_int_equal(outbox_fail(&f->d, z, "not on WhatsApp", &b), 1);
	assert_int_equal(outbox_interaction(&f->d, C1, &b), 1);
	assert_int_equal(outbox_flush(&f->d, &b), 0);
	invariant(f);
	assert_int_equal(lane_usage(f, "second", "sent"), 2);
	assert_int_equal(lane_usage(f, "second", "delivered"), 1);
	assert_int_equal(lane_usage(f, "second", "read"), 1);
	assert_int_equal(lane_usage(f, "second", "failed"), 1);
	assert_int_equal(lane_usage(f, "default", "delivered"), 0);
	assert_int_equal(lane_usage(f, "default", "failed"), 0);
	assert_int_equal(lane_usage(f, "default", "interactions"), 1);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, fix_setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_launch),
		T(test_claim_sent),
		T(test_sent_duplicate_id),
		T(test_requeue),
		T(test_unknown_fail),
		T(test_ack),
		T(test_settle),
		T(test_stop_cancel_resume),
		T(test_retry),
		T(test_relaunch),
		T(test_queue_m2),
		T(test_interaction),
		T(test_recover),
		T(test_batch),
		T(test_batch_overflow),
		T(test_usage_lanes),
		T(test_reference),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
