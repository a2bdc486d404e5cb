/*
 * wacampd backup (issue 19): taken while a campaign sends, the copy
 * passes integrity_check and holds every message sent before it started;
 * the live campaign goes on. And an upgrade: a database made by the
 * previous release's build (tests/fixtures/upgrade, wacampd 0.1.0 at
 * commit 76cc7ae) is backed up as it is, then opened by this daemon,
 * every row of every table kept.
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

#include <sqlite3.h>

#include "harness.h"
#include "kit.h"

#define SENT	"state IN ('sent', 'delivered', 'read')"

static int
backup(struct harness *h, const char *dest, char **out)
{
	char	 cmd[1024];

	snprintf(cmd, sizeof cmd, "'%s' backup -c '%s' '%s' 2>&1",
	    getenv("WACAMPD") ? getenv("WACAMPD") : "build/wacampd", h->conf,
	    dest);
	return harness_sh(cmd, out);
}

static long long
db_int(sqlite3 *db, const char *q)
{
	sqlite3_stmt	*st;
	long long	 v = -1;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", q, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
db_text(sqlite3 *db, const char *q, char *buf, size_t len)
{
	sqlite3_stmt	*st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", q, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void
test_backup_while_sending(void **state)
{
	struct harness	 h;
	sqlite3		*db;
	char		 q[1024], snap[400], dest[400], check[64], *out;
	long long	 before, pending, cid;
	int		 fd;

	kit_start_with_fake(&h, "[pacing]\ninterval = 20ms\njitter = 0\n"
	    "batch_size = 1000\ndaily_limit = 5000\n");
	kit_seed(&h, "bk", 1, 400);
	fd = harness_connect(&h);
	cid = kit_campaign(fd, "bk", "Bonjour", 1);
	snprintf(q, sizeof q, "SELECT count(*) >= 40 FROM messages WHERE "
	    "campaign_id = %lld AND " SENT, cid);
	assert_int_equal(kit_wait_int(&h, q, 1, 30), 1);

	/* What is committed now, frozen in a file of the test's own. */
	snprintf(snap, sizeof snap, "%s/snap.db", h.dir);
	assert_int_equal(sqlite3_open(snap, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	snprintf(q, sizeof q, "ATTACH '%s' AS live; CREATE TABLE s AS "
	    "SELECT id FROM live.messages WHERE " SENT "; DETACH live;", h.db);
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	before = db_int(db, "SELECT count(*) FROM s");
	sqlite3_close(db);
	assert_true(before >= 40);

	snprintf(dest, sizeof dest, "%s/copy.db", h.dir);
	assert_int_equal(backup(&h, dest, &out), 0);
	assert_non_null(strstr(out, "copy.db: backup of"));
	free(out);
	/* Taken during the campaign: it was still sending afterwards. */
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'pending'", cid);
	pending = kit_sql_int(&h, q);
	assert_true(pending > 0);

	assert_int_equal(sqlite3_open_v2(dest, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	db_text(db, "PRAGMA integrity_check", check, sizeof check);
	assert_string_equal(check, "ok");
	db_text(db, "PRAGMA journal_mode", check, sizeof check);
	assert_string_equal(check, "delete");
	sqlite3_close(db);
	assert_int_equal(sqlite3_open(dest, &db), SQLITE_OK);
	snprintf(q, sizeof q, "ATTACH '%s' AS snap", snap);
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(db_int(db, "SELECT count(*) FROM snap.s WHERE id "
	    "NOT IN (SELECT id FROM main.messages WHERE " SENT ")"), 0);
	assert_true(db_int(db, "SELECT count(*) FROM main.messages WHERE "
	    SENT) >= before);
	sqlite3_close(db);
	/* No file left beside it but the copy. */
	snprintf(q, sizeof q, "ls '%s' | grep -q tmp-", h.dir);
	assert_int_equal(system(q) == 0, 0);

	/* A directory: a dated file in it. An unwritable place: an error. */
	assert_int_equal(backup(&h, h.dir, &out), 0);
	assert_non_null(strstr(out, "/wacamp-"));
	free(out);
	snprintf(dest, sizeof dest, "%s/no/such/dir/x.db", h.dir);
	assert_int_equal(backup(&h, dest, &out), 1);
	assert_non_null(strstr(out, "no/such/dir"));
	free(out);
	close(fd);
	harness_cleanup(&h);
}

/*
 * Every user table of the attached OLD whose rows all are in main. The
 * old name index (contacts_fts*, derived from the names) is not data:
 * migration 015 replaces it with contacts_grams, built anew.
 */
static void
rows_kept(sqlite3 *db)
{
	sqlite3_stmt	*st;
	char		 q[2048];
	int		 tables = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
	    "old.sqlite_schema WHERE type = 'table' AND name NOT LIKE "
	    "'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE "
	    "'contacts_fts%'", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		sqlite3_stmt	*pk;
		char		 key[256] = "";

		/* The key: the primary key's columns, else the rowid. */
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
		    "pragma_table_info(?1, 'old') WHERE pk > 0 ORDER BY pk", -1,
		    &pk, NULL), SQLITE_OK);
		sqlite3_bind_text(pk, 1, t, -1, SQLITE_STATIC);
		while (sqlite3_step(pk) == SQLITE_ROW)
			snprintf(key + strlen(key), sizeof key - strlen(key),
			    "%s\"%s\"", key[0] ? "," : "",
			    sqlite3_column_text(pk, 0));
		sqlite3_finalize(pk);
		if (key[0] == '\0')
			snprintf(key, sizeof key, "rowid");
		snprintf(q, sizeof q, "SELECT count(*) FROM (SELECT %s FROM "
		    "old.\"%s\" EXCEPT SELECT %s FROM main.\"%s\")", key, t,
		    key, t);
		if (db_int(db, q) != 0)
			fail_msg("table %s lost rows", t);
		tables++;
	}
	sqlite3_finalize(st);
	assert_true(tables >= 14);
}

static void
test_upgrade_from_previous_release(void **state)
{
	struct harness	 h;
	sqlite3		*db;
	FILE		*fp;
	char		 path[512], pre[400], q[512], check[64], *sql, *out;
	const char	*fx = getenv("WACAMP_FIXTURES");
	json_t		*d;
	long		 sz;
	int		 fd;

	harness_init(&h, "[wassenger]\nprovider = simulator\n");
	snprintf(path, sizeof path, "%s/upgrade/0.1.0-76cc7ae.sql",
	    fx ? fx : "tests/fixtures");
	assert_non_null(fp = fopen(path, "r"));
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	rewind(fp);
	sql = calloc(1, (size_t)sz + 1);
	assert_int_equal(fread(sql, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	assert_int_equal(sqlite3_open(h.db, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("fixture: %s", sqlite3_errmsg(db));
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(sql);

	/* The backup first, as the package's upgrade does: not migrated. */
	snprintf(pre, sizeof pre, "%s/pre-upgrade.db", h.dir);
	assert_int_equal(backup(&h, pre, &out), 0);
	assert_non_null(strstr(out, "schema 14"));
	free(out);

	/* The new daemon opens it (migrating it, if it has to). */
	assert_int_equal(harness_start(&h), 0);
	fd = harness_connect(&h);
	d = kit_call_ok(fd, "contacts.list", NULL);
	assert_int_equal(json_integer_value(json_object_get(d, "total")), 30);
	json_decref(d);
	close(fd);
	assert_int_equal(harness_stop(&h), 0);

	assert_int_equal(sqlite3_open(h.db, &db), SQLITE_OK);
	db_text(db, "PRAGMA integrity_check", check, sizeof check);
	assert_string_equal(check, "ok");
	assert_true(db_int(db, "PRAGMA user_version") >= 14);
	snprintf(q, sizeof q, "ATTACH '%s' AS old", pre);
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(db_int(db, "PRAGMA old.user_version"), 14);
	assert_int_equal(db_int(db, "SELECT count(*) FROM old.messages"), 8);
	assert_int_equal(db_int(db, "SELECT count(*) FROM old.contacts"), 30);
	rows_kept(db);
	/* The same people, the same numbers. */
	assert_int_equal(db_int(db, "SELECT count(*) FROM old.contacts o JOIN "
	    "main.contacts m USING (id) WHERE o.full_number = m.full_number "
	    "AND o.first_name IS m.first_name"), 30);
	sqlite3_close(db);
	harness_cleanup(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_while_sending),
		cmocka_unit_test(test_upgrade_from_previous_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
