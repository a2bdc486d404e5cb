#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "migrations.h"
#include "store.h"
#include "xmalloc.h"

static char	 tmpdir[] = "/tmp/test_store.XXXXXX";
static unsigned	 ndbs;

/* Per test: a fresh database path and the store opened on it. */
struct fix {
	char		*path;
	struct store	*s;
};

static const char *tables[] = {
	"users", "sessions", "contacts", "categories", "category_contacts",
	"campaigns", "campaign_categories", "messages", "interactions",
	"webhook_events", "daily_usage", "audit_log", "import_batches",
};

static char *
new_path(void)
{
	char	*path;

	xasprintf(&path, "%s/db%u/wacamp.db", tmpdir, ndbs++);
	return path;
}

static int
last_version(void)
{
	return migrations[nmigrations - 1].version;
}

static int
fix_setup(void **state)
{
	struct fix	*f;
	char		 err[512] = "";

	f = xcalloc(1, sizeof *f);
	f->path = new_path();
	if (store_open(f->path, 1, 0, &f->s, err, sizeof err) == -1) {
		fprintf(stderr, "store_open: %s\n", err);
		free(f->path);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
fix_teardown(void **state)
{
	struct fix	*f = *state;

	store_close(f->s);
	free(f->path);
	free(f);
	return 0;
}

/* The single integer or text answer of SQL, as text. */
static char *
query1(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	char		*out = NULL;

	assert_int_equal(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	out = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static long
count(struct store *s, const char *sql)
{
	char	*v;
	long	 n;

	v = query1(s, sql);
	n = strtol(v, NULL, 10);
	free(v);
	return n;
}

static void
test_create(void **state)
{
	struct fix	*f = *state;
	char		*v, *sql;
	size_t		 i;

	assert_true(nmigrations >= 1);
	assert_int_equal(store_version(f->s), last_version());
	assert_int_equal(count(f->s, "PRAGMA user_version"), last_version());
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		xasprintf(&sql, "SELECT count(*) FROM sqlite_master WHERE "
		    "type = 'table' AND name = '%s'", tables[i]);
		if (count(f->s, sql) != 1)
			fail_msg("table %s is missing", tables[i]);
		free(sql);
	}
	assert_int_equal(count(f->s, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'no_such_table'"), 0);
	v = query1(f->s, "PRAGMA journal_mode");
	assert_string_equal(v, "wal");
	free(v);
	assert_int_equal(count(f->s, "PRAGMA foreign_keys"), 1);
	assert_int_equal(count(f->s, "PRAGMA synchronous"), 1);
	v = query1(f->s, "PRAGMA integrity_check");
	assert_string_equal(v, "ok");
	free(v);
	assert_int_equal(store_in_tx(f->s), 0);
}

static void
test_sync_full(void **state)
{
	struct store	*s = NULL;
	char		 err[512] = "", *path;

	(void)state;
	path = new_path();
	assert_int_equal(store_open(path, 1, 1, &s, err, sizeof err), 0);
	assert_int_equal(count(s, "PRAGMA synchronous"), 2);
	store_close(s);
	free(path);
}

static void
test_reopen(void **state)
{
	struct fix	*f = *state;
	struct store	*s = NULL;
	char		 err[512] = "";

	assert_int_equal(store_exec(f->s, "INSERT INTO daily_usage (day, sent) "
	    "VALUES ('2024-01-01', 5)"), 0);
	store_close(f->s);
	f->s = NULL;
	/* Twice more, with and without create: same schema, same data. */
	assert_int_equal(store_open(f->path, 1, 0, &s, err, sizeof err), 0);
	assert_int_equal(store_version(s), last_version());
	store_close(s);
	s = NULL;
	assert_int_equal(store_open(f->path, 0, 0, &s, err, sizeof err), 0);
	assert_int_equal(store_version(s), last_version());
	assert_int_equal(count(s, "SELECT sent FROM daily_usage WHERE "
	    "day = '2024-01-01'"), 5);
	assert_int_equal(count(s, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'messages'"), 1);
	f->s = s;
}

static void
test_missing(void **state)
{
	struct store	*s = NULL;
	char		 err[512] = "", *path;

	(void)state;
	xasprintf(&path, "%s/absent.db", tmpdir);
	assert_int_equal(store_open(path, 0, 0, &s, err, sizeof err), -1);
	assert_null(s);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "wacampd init"));
	/* Nothing was created. */
	assert_int_equal(access(path, F_OK), -1);
	free(path);
}

static void
test_not_a_database(void **state)
{
	struct store	*s = NULL;
	char		 err[512] = "", *path, junk[4096];
	int		 fd;

	(void)state;
	xasprintf(&path, "%s/garbage.db", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	memset(junk, 'j', sizeof junk);
	assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	assert_int_equal(store_open(path, 0, 0, &s, err, sizeof err), -1);
	assert_null(s);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a database"));
	free(path);
}

static void
test_newer_schema(void **state)
{
	struct store	*s = NULL;
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 err[512] = "", *path, *sql, *want;

	(void)state;
	path = new_path();
	assert_int_equal(store_open(path, 1, 0, &s, err, sizeof err), 0);
	store_close(s);
	s = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	xasprintf(&sql, "PRAGMA user_version = %d", last_version() + 1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	sqlite3_close(db);
	assert_int_equal(store_open(path, 0, 0, &s, err, sizeof err), -1);
	assert_null(s);
	xasprintf(&want, "database schema %d is newer than this program (%d)",
	    last_version() + 1, last_version());
	assert_string_equal(err, want);
	free(want);
	/* Refused with create too, and left as it was. */
	assert_int_equal(store_open(path, 1, 0, &s, err, sizeof err), -1);
	assert_null(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), last_version() + 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
}

static const char SQL_SUM[] = "SELECT ?1 + ?2";
static const char SQL_ONE[] = "SELECT 1";

static void
test_stmt_cache(void **state)
{
	struct fix	*f = *state;
	sqlite3_stmt	*a, *b, *c;
	char		 copy[sizeof SQL_SUM];

	a = store_stmt(f->s, SQL_SUM);
	assert_non_null(a);
	sqlite3_bind_int(a, 1, 2);
	sqlite3_bind_int(a, 2, 40);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(a, 0), 42);
	/* Left mid-way; the next call gives it back reset and unbound. */
	b = store_stmt(f->s, SQL_SUM);
	assert_ptr_equal(a, b);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
	b = store_stmt(f->s, SQL_SUM);
	sqlite3_bind_int(b, 1, 5);
	sqlite3_bind_int(b, 2, 6);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(b, 0), 11);
	assert_int_equal(sqlite3_step(b), SQLITE_DONE);

	c = store_stmt(f->s, SQL_ONE);
	assert_ptr_not_equal(a, c);
	assert_int_equal(sqlite3_step(c), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(c, 0), 1);
	assert_ptr_equal(store_stmt(f->s, SQL_SUM), a);
	assert_ptr_equal(store_stmt(f->s, SQL_ONE), c);
	/* Cached by address: the same text elsewhere is another statement. */
	memcpy(copy, SQL_SUM, sizeof copy);
	assert_ptr_not_equal(store_stmt(f->s, copy), a);
}

static void
test_stmt_many(void **state)
{
	struct fix	*f = *state;
	static char	 sql[300][32];
	sqlite3_stmt	*st[300];
	int		 i, round;

	/* Many distinct statements, each found again and each correct. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 300; i++) {
			if (round == 0)
				snprintf(sql[i], sizeof sql[i], "SELECT %d", i);
			if (round == 0)
				st[i] = store_stmt(f->s, sql[i]);
			else
				assert_ptr_equal(store_stmt(f->s, sql[i]),
				    st[i]);
			assert_int_equal(sqlite3_step(st[i]), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(st[i], 0), i);
		}
	}
}

static void
test_transactions(void **state)
{
	struct fix	*f = *state;

	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_in_tx(f->s), 1);
	assert_int_equal(store_exec(f->s, "INSERT INTO audit_log (at, command) "
	    "VALUES (1, 'a')"), 0);
	assert_int_equal(store_exec(f->s, "INSERT INTO audit_log (at, command) "
	    "VALUES (2, 'b')"), 0);
	assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log"), 2);
	store_rollback(f->s);
	assert_int_equal(store_in_tx(f->s), 0);
	assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log"), 0);
	/* Rolling back outside a transaction does nothing. */
	store_rollback(f->s);
	assert_int_equal(store_in_tx(f->s), 0);

	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_exec(f->s, "INSERT INTO audit_log (at, command) "
	    "VALUES (3, 'c')"), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_in_tx(f->s), 0);
	assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log"), 1);
	assert_int_equal(count(f->s, "SELECT at FROM audit_log"), 3);

	/* A failing statement reports -1 and changes nothing. */
	assert_int_equal(store_exec(f->s, "INSERT INTO audit_log (at) "
	    "VALUES (4)"), -1);
	assert_non_null(strstr(store_errmsg(f->s), "NOT NULL"));
	assert_int_equal(store_exec(f->s, "SELEC nonsense"), -1);
	assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log"), 1);
}

/* Campaign 1 and contacts 1 and 2. */
static void
seed_rows(struct store *s)
{
	assert_int_equal(store_exec(s, "INSERT INTO campaigns (id, name, "
	    "message_1, created_at, updated_at) VALUES (1, 'c', 'hi', 0, 0)"),
	    0);
	assert_int_equal(store_exec(s, "INSERT INTO contacts (id, full_number, "
	    "created_at, updated_at) VALUES (1, '+22890000001', 0, 0), "
	    "(2, '+22890000002', 0, 0)"), 0);
}

static int
insert_message(struct store *s, int campaign, int contact, int type)
{
	static const char sql[] = "INSERT INTO messages (campaign_id, "
	    "contact_id, message_type, phone, body, created_at, updated_at) "
	    "VALUES (?, ?, ?, '+22890000001', 'hi', 0, 0)";
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(s, sql);
	sqlite3_bind_int(st, 1, campaign);
	sqlite3_bind_int(st, 2, contact);
	sqlite3_bind_int(st, 3, type);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc;
}

static void
test_messages_unique(void **state)
{
	struct fix	*f = *state;

	seed_rows(f->s);
	assert_int_equal(insert_message(f->s, 1, 1, 1), SQLITE_DONE);
	assert_int_equal(insert_message(f->s, 1, 1, 1),
	    SQLITE_CONSTRAINT_UNIQUE);
	assert_int_equal(insert_message(f->s, 1, 1, 2), SQLITE_DONE);
	assert_int_equal(insert_message(f->s, 1, 2, 1), SQLITE_DONE);
	assert_int_equal(insert_message(f->s, 1, 2, 2), SQLITE_DONE);
	assert_int_equal(insert_message(f->s, 1, 2, 2),
	    SQLITE_CONSTRAINT_UNIQUE);
	assert_int_equal(insert_message(f->s, 1, 2, 3),
	    SQLITE_CONSTRAINT_CHECK);
	assert_int_equal(count(f->s, "SELECT count(*) FROM messages"), 4);
}

static void
test_foreign_keys(void **state)
{
	struct fix	*f = *state;

	seed_rows(f->s);
	/* No campaign 9, no contact 9. */
	assert_int_equal(insert_message(f->s, 9, 1, 1),
	    SQLITE_CONSTRAINT_FOREIGNKEY);
	assert_int_equal(insert_message(f->s, 1, 9, 1),
	    SQLITE_CONSTRAINT_FOREIGNKEY);
	assert_int_equal(insert_message(f->s, 1, 1, 1), SQLITE_DONE);
	/* Deleting the campaign cascades to its messages. */
	assert_int_equal(store_exec(f->s, "DELETE FROM campaigns WHERE id = 1"),
	    0);
	assert_int_equal(count(f->s, "SELECT count(*) FROM messages"), 0);
}

/*
 * Migration 015 on a store of version 14 holding contacts: every contact
 * stays, FTS5 goes, the name index starts from nothing (mark 0, so the
 * daemon builds it), and a rename is noted for the index.
 */
static void
test_name_grams_upgrade(void **state)
{
	struct store	*s = NULL;
	sqlite3		*db;
	char		*path, err[512] = "", sql[96];
	size_t		 i;

	xasprintf(&path, "%s/v14.db", tmpdir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL,
	    NULL, NULL), SQLITE_OK);
	for (i = 0; i < nmigrations && migrations[i].version <= 14; i++) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
		    migrations[i].version);
		assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, migrations[i].sql, NULL, NULL,
		    NULL), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
		    SQLITE_OK);
	}
	assert_int_equal(migrations[i - 1].version, 14);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO contacts (full_number, "
	    "raw_number, first_name, last_name, created_at, updated_at) "
	    "VALUES ('+22890000001', '90000001', 'Ama', 'Kon\xc3\xa9', 1, 1), "
	    "('+22890000002', NULL, 'Kofi', '', 1, 1), "
	    "('+22890000003', NULL, '\xc3\x89lo\xc3\xafse', 'Y', 1, 1); "
	    "INSERT INTO contacts_fts (rowid, first_name, last_name) SELECT id, "
	    "first_name, last_name FROM contacts; UPDATE contacts_fts_state SET "
	    "upto = 3", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(path, 0, 0, &s, err, sizeof err), 0);
	assert_int_equal(count(s, "PRAGMA user_version"), last_version());
	assert_int_equal(count(s, "SELECT count(*) FROM contacts"), 3);
	assert_int_equal(count(s, "SELECT count(*) FROM contacts WHERE "
	    "first_name = 'Ama' AND last_name = 'Kon\xc3\xa9' AND raw_number = "
	    "'90000001'"), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM sqlite_master WHERE "
	    "name LIKE 'contacts_fts%'"), 0);
	assert_int_equal(count(s, "SELECT upto FROM contacts_grams_state"), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM contacts_grams"), 0);
	/* A rename, with sqlite3 or the daemon, is noted; others are not. */
	assert_int_equal(store_exec(s, "UPDATE contacts SET first_name = "
	    "'Afi' WHERE id = 2"), 0);
	assert_int_equal(store_exec(s, "UPDATE contacts SET opted_out = 1 "
	    "WHERE id = 3"), 0);
	assert_int_equal(count(s, "SELECT group_concat(id) FROM "
	    "contacts_grams_dirty"), 2);
	/* Deleting works without the FTS5 triggers. */
	assert_int_equal(store_exec(s, "DELETE FROM contacts WHERE id = 1"), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM contacts"), 2);
	store_close(s);
	free(path);
}

static void
test_checkpoint_close(void **state)
{
	struct store	*s = NULL;
	struct stat	 st;
	char		 err[512] = "", *path, *wal;
	int		 i;

	(void)state;
	path = new_path();
	xasprintf(&wal, "%s-wal", path);
	assert_int_equal(store_open(path, 1, 0, &s, err, sizeof err), 0);
	assert_int_equal(store_begin(s), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(store_exec(s, "INSERT INTO audit_log (at, "
		    "command) VALUES (1, 'x')"), 0);
	assert_int_equal(store_commit(s), 0);
	/* Automatic checkpoints are off: the WAL holds the commit. */
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 0);
	store_checkpoint(s, CKPT_QUIET);
	store_close(s);
	/* Closed: the WAL is gone or empty. */
	assert_true(stat(wal, &st) == -1 || st.st_size == 0);
	s = NULL;
	assert_int_equal(store_open(path, 0, 0, &s, err, sizeof err), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM audit_log"), 200);
	store_close(s);
	free(wal);
	free(path);
}

/*
 * store_checkpoint() copies the WAL into the database on its thread (the
 * file grows) and starts the WAL over: later commits write from the start
 * of the file instead of growing it. Bounded: 5 s at most.
 */
static void
test_checkpoint_thread(void **state)
{
	struct fix	*f = *state;
	struct stat	 st;
	char		*wal;
	off_t		 before, walsize;
	int		 i, restarted = 0;

	xasprintf(&wal, "%s-wal", f->path);
	assert_int_equal(store_begin(f->s), 0);
	for (i = 0; i < 2000; i++)
		assert_int_equal(store_exec(f->s, "INSERT INTO audit_log (at, "
		    "command, target) VALUES (1, 'x', hex(randomblob(512)))"),
		    0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(stat(f->path, &st), 0);
	before = st.st_size;
	store_checkpoint(f->s, CKPT_QUIET);
	for (i = 0; i < 100; i++) {
		assert_int_equal(stat(f->path, &st), 0);
		if (st.st_size > before + 1024 * 1024)
			break;
		usleep(50 * 1000);
	}
	assert_true(st.st_size > before + 1024 * 1024);
	/* Then a small commit lands at the start of the WAL. */
	for (i = 0; i < 100 && !restarted; i++) {
		assert_int_equal(stat(wal, &st), 0);
		walsize = st.st_size;
		assert_int_equal(store_exec(f->s, "INSERT INTO audit_log (at, "
		    "command) VALUES (2, 'y')"), 0);
		assert_int_equal(stat(wal, &st), 0);
		if (st.st_size == walsize)
			restarted = 1;
		else
			usleep(50 * 1000);
	}
	assert_true(restarted);
	assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log "
	    "WHERE at = 1"), 2000);
	free(wal);
}

/*
 * When commits have paused, a WAL file a flood made big (over 64 MiB) is
 * cut back to nothing, by the checkpointer rather than by the next commit.
 * Bounded: 10 s at most.
 */
static void
test_checkpoint_truncate(void **state)
{
	struct fix	*f = *state;
	struct stat	 st;
	char		*wal;
	int		 i;

	xasprintf(&wal, "%s-wal", f->path);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_exec(f->s, "WITH RECURSIVE n(i) AS (SELECT 1 "
	    "UNION ALL SELECT i + 1 FROM n WHERE i < 18000) INSERT INTO "
	    "audit_log (at, command, target) SELECT 1, 'x', zeroblob(4000) "
	    "FROM n"), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 64 * 1024 * 1024);
	store_checkpoint(f->s, CKPT_QUIET);
	for (i = 0; i < 200; i++) {
		assert_int_equal(stat(wal, &st), 0);
		if (st.st_size == 0)
			break;
		usleep(50 * 1000);
	}
	assert_int_equal(st.st_size, 0);
	assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log "
	    "WHERE at = 1"), 18000);
	free(wal);
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_store", 1, LOG_LVL_WARN);
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

/*
 * A database of the version before migration 016 (lanes), populated:
 * daily counts, a campaign with categories, contacts, messages and their
 * interactions. The upgrade keeps every row, every daily count under the
 * lane 'default', and cascades nothing (DESIGN §3).
 */
static void
test_upgrade_lanes(void **state)
{
	struct store	*s = NULL;
	sqlite3		*db;
	char		*path, err[512] = "", *sql, *v;
	size_t		 i;
	int		 before = 0;

	(void)state;
	path = new_path();
	for (i = 0; i < nmigrations; i++)
		if (migrations[i].version < 16)
			before = migrations[i].version;
	assert_true(before > 0);
	/* The store makes the directory; the old schema is built by hand. */
	assert_int_equal(store_open(path, 1, 0, &s, err, sizeof err), 0);
	store_close(s);
	s = NULL;
	assert_int_equal(unlink(path), 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL,
	    NULL, NULL), SQLITE_OK);
	for (i = 0; i < nmigrations && migrations[i].version <= before; i++)
		if (sqlite3_exec(db, migrations[i].sql, NULL, NULL, NULL) !=
		    SQLITE_OK)
			fail_msg("migration %s: %s", migrations[i].name,
			    sqlite3_errmsg(db));
	xasprintf(&sql, "PRAGMA user_version = %d;"
	    "INSERT INTO campaigns (id, name, message_1, created_at, "
	    "updated_at) VALUES (1, 'c', 'hi', 0, 0);"
	    "INSERT INTO categories (id, name, created_at, updated_at) VALUES "
	    "(1, 'k', 0, 0);"
	    "INSERT INTO campaign_categories (campaign_id, category_id) VALUES "
	    "(1, 1);"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < 200) INSERT INTO contacts (id, full_number, created_at, "
	    "updated_at) SELECT i, printf('+2289%%07d', i), 0, 0 FROM n;"
	    "INSERT INTO category_contacts (category_id, contact_id) SELECT 1, "
	    "id FROM contacts;"
	    "INSERT INTO messages (campaign_id, contact_id, message_type, "
	    "phone, body, state, device, created_at, updated_at) SELECT 1, id, "
	    "1, full_number, 'hi', 'sent', 'dev', 0, 0 FROM contacts;"
	    "INSERT INTO interactions (contact_id, campaign_id, message_id, "
	    "kind, created_at) SELECT contact_id, 1, id, 'reply', 0 FROM "
	    "messages WHERE id %% 2 = 0;"
	    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < 29) INSERT INTO daily_usage (day, sent, m1, m2, failed, "
	    "delivered, read, interactions) SELECT date('2026-01-01', '+' || i "
	    "|| ' days'), 10 + i, 8 + i, 2, i %% 3, 7, 5, i FROM n;", before);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("populate: %s", sqlite3_errmsg(db));
	free(sql);
	sqlite3_close(db);

	if (store_open(path, 0, 0, &s, err, sizeof err) == -1)
		fail_msg("upgrade: %s", err);
	assert_int_equal(store_version(s), last_version());
	assert_int_equal(count(s, "SELECT count(*) FROM daily_usage"), 30);
	assert_int_equal(count(s, "SELECT count(*) FROM daily_usage WHERE "
	    "device = 'default'"), 30);
	assert_int_equal(count(s, "SELECT sum(sent) FROM daily_usage"),
	    30 * 10 + 29 * 30 / 2);
	assert_int_equal(count(s, "SELECT sum(m1) + sum(m2) + sum(failed) + "
	    "sum(delivered) + sum(read) + sum(interactions) FROM daily_usage"),
	    (30 * 8 + 435) + 60 + (10 * 0 + 10 * 1 + 10 * 2) + 210 + 150 + 435);
	v = query1(s, "SELECT sent || '/' || m1 || '/' || interactions FROM "
	    "daily_usage WHERE day = '2026-01-15' AND device = 'default'");
	assert_string_equal(v, "24/22/14");
	free(v);
	/* Nothing cascaded, nothing dangles. */
	assert_int_equal(count(s, "SELECT count(*) FROM messages"), 200);
	assert_int_equal(count(s, "SELECT count(*) FROM interactions"), 100);
	assert_int_equal(count(s, "SELECT count(*) FROM category_contacts"),
	    200);
	assert_int_equal(count(s, "SELECT count(*) FROM campaign_categories"),
	    1);
	assert_int_equal(count(s, "SELECT count(*) FROM pragma_foreign_key_"
	    "check"), 0);
	assert_int_equal(count(s, "PRAGMA foreign_keys"), 1);
	/* The new columns: empty until a lane claims. */
	assert_int_equal(count(s, "SELECT count(*) FROM messages WHERE lane "
	    "IS NULL AND pin_device IS NULL AND device = 'dev'"), 200);
	assert_int_equal(count(s, "SELECT count(*) FROM campaigns WHERE "
	    "devices IS NULL"), 1);
	/* The new key: one row per (day, device). */
	assert_int_equal(store_exec(s, "INSERT INTO daily_usage (day, device, "
	    "sent) VALUES ('2026-01-15', 'second', 3)"), 0);
	assert_int_equal(count(s, "SELECT sum(sent) FROM daily_usage WHERE "
	    "day = '2026-01-15'"), 27);
	v = query1(s, "PRAGMA integrity_check");
	assert_string_equal(v, "ok");
	free(v);
	store_close(s);
	free(path);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, fix_setup, fix_teardown)

/*
 * Migration 021 rebuilds campaigns (DESIGN §3): a populated database of
 * version 20 upgrades with every campaign, message, category link and
 * interaction kept, no foreign key broken, and 'scheduled' allowed.
 */
static void
test_upgrade_rebuild(void **state)
{
	struct store	*s = NULL;
	sqlite3		*db;
	char		 err[512] = "", *path, *dir, *v, pragma[64];
	size_t		 i;

	(void)state;
	path = new_path();
	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir(dir, 0700), 0);
	free(dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (i = 0; i < nmigrations && migrations[i].version <= 20; i++) {
		if (sqlite3_exec(db, migrations[i].sql, NULL, NULL,
		    NULL) != SQLITE_OK)
			fail_msg("migration %s: %s", migrations[i].name,
			    sqlite3_errmsg(db));
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
		    migrations[i].version);
		sqlite3_exec(db, pragma, NULL, NULL, NULL);
	}
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON;"
	    "INSERT INTO contacts (id, full_number, created_at, updated_at) "
	    "VALUES (1, '+22890123456', 0, 0), (2, '+22890123457', 0, 0);"
	    "INSERT INTO categories (id, name, created_at, updated_at) "
	    "VALUES (1, 'c', 0, 0);"
	    "INSERT INTO campaigns (id, name, message_1, status, created_at, "
	    "updated_at, sent, suppressed, devices) VALUES (1, 'a', 'm', "
	    "'completed', 0, 0, 2, 3, 'second'), (2, 'b', 'm', 'draft', 0, 0, "
	    "0, 0, NULL);"
	    "INSERT INTO campaign_categories VALUES (1, 1), (2, 1);"
	    "INSERT INTO messages (campaign_id, contact_id, message_type, "
	    "phone, body, state, created_at, updated_at) VALUES "
	    "(1, 1, 1, '+22890123456', 'm', 'sent', 0, 0), "
	    "(1, 2, 1, '+22890123457', 'm', 'sent', 0, 0);"
	    "INSERT INTO interactions (contact_id, campaign_id, message_id, "
	    "kind, body, created_at) VALUES (1, 1, 1, 'reply', 'ok', 0);",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(path, 0, 0, &s, err, sizeof err), 0);
	assert_int_equal(store_version(s), last_version());
	assert_int_equal(count(s, "SELECT count(*) FROM campaigns"), 2);
	assert_int_equal(count(s, "SELECT sent + suppressed FROM campaigns "
	    "WHERE id = 1 AND devices = 'second'"), 5);
	assert_int_equal(count(s, "SELECT count(*) FROM messages"), 2);
	assert_int_equal(count(s, "SELECT count(*) FROM campaign_categories"),
	    2);
	assert_int_equal(count(s, "SELECT count(*) FROM interactions WHERE "
	    "campaign_id = 1 AND message_id = 1"), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM pragma_foreign_key_check"),
	    0);
	assert_int_equal(count(s, "PRAGMA foreign_keys"), 1);
	assert_int_equal(store_exec(s, "UPDATE campaigns SET status = "
	    "'scheduled', start_at = 1 WHERE id = 2"), 0);
	/* The foreign keys still cascade: the rebuilt table is the one
	 * messages refer to. */
	assert_int_equal(store_exec(s, "DELETE FROM campaigns WHERE id = 1"),
	    0);
	assert_int_equal(count(s, "SELECT count(*) FROM messages"), 0);
	v = query1(s, "PRAGMA integrity_check");
	assert_string_equal(v, "ok");
	free(v);
	store_close(s);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create),
		cmocka_unit_test(test_sync_full),
		T(test_reopen),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_newer_schema),
		cmocka_unit_test(test_upgrade_rebuild),
		T(test_stmt_cache),
		T(test_stmt_many),
		T(test_transactions),
		T(test_messages_unique),
		T(test_foreign_keys),
		cmocka_unit_test(test_name_grams_upgrade),
		cmocka_unit_test(test_checkpoint_close),
		T(test_checkpoint_thread),
		T(test_checkpoint_truncate),
		cmocka_unit_test(test_upgrade_lanes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
