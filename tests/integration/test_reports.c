/*
 * Templates, campaign exports and PDF reports (issue 21), each checked
 * against the daemon's database: a template becomes a campaign's text
 * and an unknown placeholder in one is refused; an export has one row per
 * recipient whose states match messages, with formula cells defused; a
 * PDF report holds the campaign's name and totals and draws its chart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"
#include "kit.h"

#define PACING	"[pacing]\ninterval = 10ms\njitter = 0\nbatch_size = 1000\n" \
	"daily_limit = 100000\n"

static void
test_templates(void **state)
{
	struct harness	 h;
	json_t		*d;
	char		*out;
	int		 fd;

	(void)state;
	harness_init(&h, PACING);
	assert_int_equal(harness_start(&h), 0);
	assert_true((fd = harness_connect(&h)) != -1);
	kit_seed(&h, "t", 1, 2);

	/* Made, listed, refused when its placeholder is unknown. */
	d = kit_call_ok(fd, "templates.create", json_pack("{s:s,s:s}", "name",
	    "promo", "body", "Bonjour {{first_name|ami}}, -20 % cette semaine"));
	json_decref(d);
	assert_string_equal(kit_call_err(fd, "templates.create", json_pack(
	    "{s:s,s:s}", "name", "bad", "body", "Salut {{prenom}}")),
	    "bad_request");
	assert_string_equal(kit_call_err(fd, "templates.create", json_pack(
	    "{s:s,s:s}", "name", "PROMO", "body", "x")), "conflict");
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM templates"), 1);

	/* A campaign's Message 1 from it, by name; not with a text too. */
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s]}",
	    "name", "c", "template", "promo", "categories", "t"));
	json_decref(d);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns WHERE "
	    "message_1 = 'Bonjour {{first_name|ami}}, -20 % cette semaine'"),
	    1);
	assert_string_equal(kit_call_err(fd, "campaigns.create", json_pack(
	    "{s:s,s:s,s:s,s:[s]}", "name", "c2", "message_1", "x", "template",
	    "promo", "categories", "t")), "bad_request");
	assert_string_equal(kit_call_err(fd, "campaigns.create", json_pack(
	    "{s:s,s:s,s:[s]}", "name", "c3", "template", "nope", "categories",
	    "t")), "not_found");
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns"), 1);

	/* The command line: list, create, campaigns create --template,
	 * delete, and the refusals. */
	assert_int_equal(harness_cli(&h, "templates list", NULL, &out), 0);
	assert_non_null(strstr(out, "promo"));
	free(out);
	assert_int_equal(harness_cli(&h, "templates create relance "
	    "'Merci {{first_name}}'", NULL, &out), 0);
	free(out);
	assert_int_equal(harness_cli(&h, "templates create x "
	    "'Merci {{nom}}'", NULL, NULL), 1);
	assert_int_equal(harness_cli(&h, "templates create onlyname", NULL,
	    NULL), 2);
	assert_int_equal(harness_cli(&h, "campaigns create --name r "
	    "--template relance --category t", NULL, &out), 0);
	free(out);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns WHERE "
	    "name = 'r' AND message_1 = 'Merci {{first_name}}'"), 1);
	assert_int_equal(harness_cli(&h, "campaigns create --name r2 "
	    "--template relance --message-1 x --category t", NULL, NULL), 2);
	assert_int_equal(harness_cli(&h, "templates delete 1", NULL, &out), 0);
	free(out);
	assert_int_equal(harness_cli(&h, "templates delete 1", NULL, NULL), 1);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM templates"), 1);
	/* Deleting a template leaves the campaigns made from it alone. */
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns"), 2);
	close(fd);
	harness_cleanup(&h);
}

/* Split one CSV line of LINE into at most 16 cells (quotes honoured). */
static int
csv_cells(char *line, char **cells)
{
	char	*w = line, *r = line;
	int	 n = 0, q = 0;

	cells[n++] = w;
	for (; *r != '\0' && *r != '\n' && !(*r == '\r' && !q); r++) {
		if (q && *r == '"' && r[1] == '"')
			*w++ = *r++;
		else if (*r == '"')
			q = !q;
		else if (!q && *r == ',' && n < 16) {
			*w++ = '\0';
			cells[n++] = w;
		} else
			*w++ = *r;
	}
	*w = '\0';
	return n;
}

/* A finished campaign of N recipients, one of whom answered "=1+1". */
static long long
finished_campaign(struct harness *h, int *fdp, int n)
{
	long long	 c;
	char		 q[256];

	kit_start_with_fake(h, PACING);
	assert_true((*fdp = harness_connect(h)) != -1);
	kit_seed(h, "e", 1, n);
	c = kit_campaign(*fdp, "e", "Hello {{first_name}}", 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state IN ('sent', 'delivered', 'read')", c);
	assert_int_equal(kit_wait_int(h, q, n, 30), n);
	snprintf(q, sizeof q, "INSERT INTO interactions (contact_id, "
	    "campaign_id, message_id, kind, body, created_at) SELECT "
	    "contact_id, campaign_id, id, 'reply', '=1+1', strftime('%%s') "
	    "FROM messages WHERE campaign_id = %lld ORDER BY id LIMIT 1", c);
	kit_sql(h, q);
	return c;
}

static void
test_export(void **state)
{
	struct harness	 h;
	char		 path[400], cmd[512], line[4096], *cells[16], q[4600];
	FILE		*fp;
	long long	 c;
	int		 fd, rows = 0, ncell, formula = 0;

	(void)state;
	c = finished_campaign(&h, &fd, 5);
	snprintf(path, sizeof path, "%s/export.csv", h.dir);
	snprintf(cmd, sizeof cmd, "campaigns export %lld %s", c, path);
	assert_int_equal(harness_cli(&h, cmd, NULL, NULL), 0);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(line, sizeof line, fp));
	assert_string_equal(line, "phone,first_name,last_name,device,round,"
	    "m1_state,m1_sent_at,m1_delivered_at,m1_read_at,m1_error,m2_state,"
	    "m2_sent_at,last_reply_at,last_reply\r\n");
	while (fgets(line, sizeof line, fp) != NULL) {
		ncell = csv_cells(line, cells);
		assert_int_equal(ncell, 14);
		rows++;
		/* The number is kept as E.164, not defused. */
		assert_true(cells[0][0] == '+');
		/* Each row's state is the message's. */
		snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
		    "campaign_id = %lld AND message_type = 1 AND phone = '%s' "
		    "AND state = '%s'", c, cells[0], cells[5]);
		assert_int_equal(kit_sql_int(&h, q), 1);
		/* Times carry their offset: 2026-12-01T10:00:00+00:00. */
		assert_int_equal(strlen(cells[6]), 25);
		assert_true(cells[6][10] == 'T' && cells[6][22] == ':');
		if (*cells[13] != '\0') {
			assert_string_equal(cells[13], "'=1+1");
			formula++;
		}
	}
	fclose(fp);
	assert_int_equal(rows, 5);
	assert_int_equal(formula, 1);
	/* To stdout, and refusals: no campaign, no file given twice. */
	snprintf(cmd, sizeof cmd, "campaigns export %lld", c);
	assert_int_equal(harness_cli(&h, cmd, NULL, NULL), 0);
	assert_int_equal(harness_cli(&h, "campaigns export 99", NULL, NULL), 1);
	assert_int_equal(harness_cli(&h, "campaigns export", NULL, NULL), 2);
	close(fd);
	harness_cleanup(&h);
}

/* Share of pixels not near white in a binary PPM (P6) file. */
static double
ink(const char *path)
{
	FILE		*fp;
	int		 w, h, max, c;
	long		 n, i, dark = 0;
	unsigned char	 px[3];

	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fscanf(fp, "P6 %d %d %d", &w, &h, &max), 3);
	fgetc(fp);
	n = (long)w * h;
	for (i = 0; i < n; i++) {
		if (fread(px, 1, 3, fp) != 3)
			break;
		c = px[0] + px[1] + px[2];
		if (c < 3 * 230)
			dark++;
	}
	fclose(fp);
	return (double)dark / (double)n;
}

static void
test_report(void **state)
{
	struct harness	 h;
	char		 path[400], cmd[1024], *out, txt[400], day[16];
	json_t		*d, *dev;
	long long	 c;
	int		 fd;
	time_t		 now = time(NULL);

	(void)state;
	if (system("command -v pdftotext >/dev/null && "
	    "command -v pdftoppm >/dev/null") != 0)
		fail_msg("poppler-utils (pdftotext, pdftoppm) is needed");
	c = finished_campaign(&h, &fd, 6);
	kit_sql(&h, "UPDATE campaigns SET name = 'Promo Noël à Lomé' WHERE "
	    "test_user IS NULL");
	snprintf(path, sizeof path, "%s/r.pdf", h.dir);
	snprintf(cmd, sizeof cmd, "campaigns report %lld %s", c, path);
	assert_int_equal(harness_cli(&h, cmd, NULL, NULL), 0);
	snprintf(txt, sizeof txt, "%s/r.txt", h.dir);
	snprintf(cmd, sizeof cmd, "pdftotext %s %s", path, txt);
	assert_int_equal(system(cmd), 0);
	assert_true(harness_file_has(txt, "Promo Noël à Lomé"));
	assert_true(harness_file_has(txt, "Recipients"));
	assert_true(harness_file_has(txt, "6"));
	snprintf(cmd, sizeof cmd, "pdftoppm -r 50 -f 1 -l 1 %s %s/page", path,
	    h.dir);
	assert_int_equal(system(cmd), 0);
	snprintf(txt, sizeof txt, "%s/page-1.ppm", h.dir);
	assert_true(ink(txt) >= 0.02);

	/* A period's report, and refusals. */
	strftime(day, sizeof day, "%Y-%m-%d", localtime(&now));
	snprintf(cmd, sizeof cmd, "monitor --report 2026-01-01 %s %s/p.pdf",
	    day, h.dir);
	assert_int_equal(harness_cli(&h, cmd, NULL, &out), 0);
	free(out);
	snprintf(cmd, sizeof cmd, "pdftotext %s/p.pdf %s/p.txt", h.dir, h.dir);
	assert_int_equal(system(cmd), 0);
	snprintf(txt, sizeof txt, "%s/p.txt", h.dir);
	assert_true(harness_file_has(txt, "Promo Noël à Lomé"));
	/* The lanes' figures: the one lane, "default", sent the 6. */
	assert_true(harness_file_has(txt, "By device"));
	assert_true(harness_file_has(txt, "default"));
	assert_true(harness_file_has(txt, "Delivered"));
	/* Deliveries and reads on the lane that sent them. */
	d = kit_call_ok(fd, "monitoring.report", json_pack("{s:s,s:s}",
	    "from", "2026-01-01", "to", day));
	dev = json_array_get(json_object_get(d, "devices"), 0);
	assert_string_equal(json_string_value(json_object_get(dev, "device")),
	    "default");
	assert_true(json_is_integer(json_object_get(dev, "delivered")));
	assert_true(json_is_integer(json_object_get(dev, "read")));
	assert_int_equal(json_integer_value(json_object_get(dev, "delivered")) +
	    json_integer_value(json_object_get(dev, "read")), kit_sql_int(&h,
	    "SELECT count(delivered_at) + count(read_at) FROM messages WHERE "
	    "message_type = 1"));
	json_decref(d);
	assert_int_equal(harness_cli(&h, "monitor --report 2026-02-01 "
	    "2026-01-01 x.pdf", NULL, NULL), 1);
	assert_int_equal(harness_cli(&h, "monitor --report 2026-02-01",
	    NULL, NULL), 2);
	assert_int_equal(harness_cli(&h, "campaigns report 99 x.pdf", NULL,
	    NULL), 1);
	snprintf(cmd, sizeof cmd, "campaigns report %lld /nonexistent/r.pdf",
	    c);
	assert_int_equal(harness_cli(&h, cmd, NULL, NULL), 1);
	close(fd);
	harness_cleanup(&h);
}

/* Posts the fake took so far. */
static long long
posts(struct harness *h)
{
	json_t		*r = kit_fake_requests(h, "/v1/messages");
	long long	 n = (long long)json_array_size(r);

	json_decref(r);
	return n;
}

/*
 * A campaign with --start-at +6s: nothing posted before; it starts by
 * itself, also across a daemon restart; stop on a scheduled campaign
 * makes it a draft that never starts by itself; a scheduled start whose
 * audience is empty by then goes back to draft with the reason logged.
 */
static void
test_schedule(void **state)
{
	struct harness	 h;
	json_t		*d;
	char		*out;
	double		 t0;
	int		 fd;

	(void)state;
	kit_start_with_fake(&h, PACING);
	assert_true((fd = harness_connect(&h)) != -1);
	kit_seed(&h, "s", 1, 3);
	assert_int_equal(harness_cli(&h, "campaigns create --name later "
	    "--message-1 'Hello {{first_name}}' --category s --start-at +6s",
	    NULL, &out), 0);
	free(out);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns WHERE "
	    "start_at IS NOT NULL AND status = 'draft'"), 1);
	/* The confirmation says when, and counts from the start. */
	assert_int_equal(harness_cli(&h, "campaigns send 1 --dry-run", NULL,
	    &out), 0);
	assert_non_null(strstr(out, "Message 1 to 3 unique"));
	assert_non_null(strstr(out, "after the start"));
	free(out);
	t0 = harness_now();
	assert_int_equal(harness_cli(&h, "campaigns send 1 --yes", NULL, &out),
	    0);
	assert_non_null(strstr(out, "[scheduled"));
	free(out);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages"), 0);
	/* Not editable while scheduled. */
	assert_string_equal(kit_call_err(fd, "campaigns.update", json_pack(
	    "{s:I,s:s}", "id", (json_int_t)1, "name", "x")), "conflict");
	/* A restart in between keeps the schedule. */
	close(fd);
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(harness_start(&h), 0);
	assert_true((fd = harness_connect(&h)) != -1);
	assert_int_equal(posts(&h), 0);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM campaigns "
	    "WHERE status IN ('running', 'completed')", 1, 20), 1);
	/* Not before its time (a second of rounding allowed). */
	assert_true(harness_now() - t0 >= 5.0);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')", 3, 20), 3);
	assert_int_equal(posts(&h), 3);

	/* Stop on a scheduled campaign: a draft again, nothing sent. */
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s],"
	    "s:s}", "name", "stopped", "message_1", "Hi", "categories", "s",
	    "start_at", "+3s"));
	json_decref(d);
	d = kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)2));
	assert_string_equal(json_string_value(json_object_get(d, "status")),
	    "scheduled");
	json_decref(d);
	assert_int_equal(harness_cli(&h, "campaigns stop 2", NULL, &out), 0);
	free(out);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns WHERE "
	    "id = 2 AND status = 'draft' AND start_at IS NOT NULL"), 1);
	/* Its start time passes: a draft never starts by itself. */
	sleep(4);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 2"), 0);
	assert_int_equal(kit_sql_int(&h, "SELECT status = 'draft' FROM "
	    "campaigns WHERE id = 2"), 1);

	/* Scheduled, then everyone opts out: back to draft, said why. */
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s],"
	    "s:s}", "name", "empty", "message_1", "Hi", "categories", "s",
	    "start_at", "+2s"));
	json_decref(d);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)3)));
	kit_sql(&h, "UPDATE contacts SET opted_out = 1");
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM campaigns WHERE "
	    "id = 3 AND status = 'draft'", 1, 15), 1);
	assert_true(harness_file_has(h.log, "campaign 3: its scheduled start "
	    "found no recipients"));
	/* Bad times are refused with the accepted forms. */
	assert_string_equal(kit_call_err(fd, "campaigns.create", json_pack(
	    "{s:s,s:s,s:[s],s:s}", "name", "bad", "message_1", "Hi",
	    "categories", "s", "start_at", "demain 9h")), "bad_request");
	assert_string_equal(kit_call_err(fd, "campaigns.create", json_pack(
	    "{s:s,s:s,s:[s],s:s}", "name", "bad", "message_1", "Hi",
	    "categories", "s", "window", "9-18")), "bad_request");
	/* A start in the past means now. */
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s],"
	    "s:s}", "name", "past", "message_1", "Hi", "categories", "s",
	    "start_at", "2020-01-01T09:00"));
	json_decref(d);
	kit_sql(&h, "UPDATE contacts SET opted_out = 0");
	d = kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)4));
	assert_string_equal(json_string_value(json_object_get(d, "status")),
	    "running");
	json_decref(d);
	close(fd);
	harness_cleanup(&h);
}

/* "HH:MM-HH:MM" from minutes A and B after midnight (mod a day). */
static void
window_of(char *buf, size_t len, int a, int b)
{
	a = (a % 1440 + 1440) % 1440;
	b = (b % 1440 + 1440) % 1440;
	snprintf(buf, len, "%02d:%02d-%02d:%02d", a / 60, a % 60, b / 60,
	    b % 60);
}

/*
 * A campaign's own window (issue 21): closed now, its messages wait while
 * another campaign's go out, and its ETA counts from the opening; one that
 * closes mid-way puts the end of the campaign on a later day.
 */
static void
test_window(void **state)
{
	struct harness	 h;
	json_t		*d;
	char		 w[32];
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 fd, m;

	(void)state;
	localtime_r(&now, &tm);
	m = tm.tm_hour * 60 + tm.tm_min;
	kit_start_with_fake(&h, PACING);
	assert_true((fd = harness_connect(&h)) != -1);
	kit_seed(&h, "w", 1, 4);
	/* Closed: it opens in two hours. */
	window_of(w, sizeof w, m + 120, m + 180);
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s],"
	    "s:s}", "name", "later", "message_1", "Hi", "categories", "w",
	    "window", w));
	assert_string_equal(json_string_value(json_object_get(d, "window")),
	    w);
	json_decref(d);
	d = kit_call_ok(fd, "campaigns.send", json_pack("{s:i,s:b}", "id", 1,
	    "dry_run", 1));
	assert_true(json_integer_value(json_object_get(d, "eta_seconds")) >=
	    2 * 3600 - 60);
	json_decref(d);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:i}", "id",
	    1)));
	/* Another campaign, no window, to the same people: its messages go
	 * out, the first one's wait in the queue. */
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s]}",
	    "name", "now", "message_1", "Now", "categories", "w"));
	json_decref(d);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:i}", "id",
	    2)));
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 2 AND state IN ('sent', 'delivered', 'read')", 4,
	    20), 4);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 1 AND state = 'pending'"), 4);
	assert_int_equal(posts(&h), 4);
	close(fd);
	harness_cleanup(&h);

	/* At 20 s a message, 10 need over three minutes: a window open now
	 * and closing within two leaves some for the next day. */
	kit_start_with_fake(&h, "[pacing]\ninterval = 20s\njitter = 0\n"
	    "batch_size = 1000\ndaily_limit = 100000\n");
	assert_true((fd = harness_connect(&h)) != -1);
	kit_seed(&h, "w", 1, 10);
	window_of(w, sizeof w, m, m + 2);
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s],"
	    "s:s,s:s}", "name", "short", "message_1", "Hi", "categories", "w",
	    "window", w, "start_at", "+6s"));
	json_decref(d);
	d = kit_call_ok(fd, "campaigns.send", json_pack("{s:i,s:b}", "id", 1,
	    "dry_run", 1));
	assert_true(json_integer_value(json_object_get(d, "eta_seconds")) >
	    20 * 3600);
	assert_true(json_is_integer(json_object_get(d, "start_at")));
	json_decref(d);
	close(fd);
	harness_cleanup(&h);
}

/* The rows of the whole-campaign query SQL on H's database as JSON
 * objects named by NAMES, as the daemon's reply gives them. */
static json_t *
sql_rows(struct harness *h, const char *sql, const char *const *names,
    int ncol)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	json_t		*a = json_array(), *o;
	int		 i;

	assert_int_equal(sqlite3_open(h->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		o = json_object();
		for (i = 0; i < ncol; i++) {
			if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
				json_object_set_new(o, names[i], json_integer(
				    sqlite3_column_int64(st, i)));
			else if (sqlite3_column_type(st, i) == SQLITE_NULL)
				json_object_set_new(o, names[i], json_null());
			else
				json_object_set_new(o, names[i], json_string(
				    (const char *)sqlite3_column_text(st, i)));
		}
		json_array_append_new(a, o);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return a;
}

/* Fail, showing both, unless A and B are the same JSON. */
static void
assert_json_equal(json_t *a, json_t *b, const char *what)
{
	char	*sa, *sb;

	if (json_equal(a, b))
		return;
	sa = json_dumps(a, JSON_COMPACT);
	sb = json_dumps(b, JSON_COMPACT);
	fail_msg("%s: %.600s\nexpected %.600s", what, sa, sb);
}

/*
 * campaigns.report of a campaign of 50,000 messages (and a reply for one
 * in five) is summed in slices, the loop free between them (the daemon's
 * log counts them: several), and gives what the whole-campaign queries
 * give: the same days, devices, replies and opt-outs, with totals equal to
 * a direct count. Another campaign's messages and replies are left out.
 */
static void
test_report_slices(void **state)
{
	static const char *const dcols[] = { "day", "sent", "delivered",
	    "read", "failed", "replies" };
	static const char *const vcols[] = { "device", "sent", "delivered",
	    "read", "failed" };
	static const char line[] = "{\"id\":7,\"cmd\":\"campaigns.report\","
	    "\"args\":{\"id\":1}}\n";
	struct harness	 h;
	json_t		*d, *want;
	json_int_t	 sum;
	size_t		 i;
	char		*log = NULL, *p;
	const char	*tz = getenv("TZ");
	char		*oldtz = tz != NULL ? strdup(tz) : NULL;
	long		 slices = 0;
	FILE		*fp;
	int		 fd, fd2;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	harness_init(&h, PACING "timezone = UTC\n");
	assert_int_equal(harness_start(&h), 0);
	assert_true((fd = harness_connect(&h)) != -1);
	kit_sql(&h, "BEGIN;"
	    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
	    "WHERE i < 50000) INSERT INTO contacts (full_number, first_name, "
	    "last_name, created_at, updated_at) SELECT printf('+2289%07d', i), "
	    "'F' || i, 'L' || i, 0, 0 FROM s;"
	    "INSERT INTO campaigns (name, message_1, status, total, "
	    "created_at, updated_at) VALUES ('big', 'Hi', 'completed', 50000, "
	    "0, 0), "
	    "('other', 'Hi', 'completed', 100, 0, 0);"
	    /* Spread over ten days, five lanes (one with no lane, one with
	     * neither lane nor device), seven states. */
	    "INSERT INTO messages (campaign_id, contact_id, message_type, "
	    "phone, body, state, lane, device, created_at, updated_at, "
	    "sent_at) SELECT 1, id, 1, full_number, 'Hi', CASE id % 7 WHEN 0 "
	    "THEN 'failed' WHEN 1 THEN 'sent' WHEN 2 THEN 'delivered' WHEN 3 "
	    "THEN 'read' WHEN 4 THEN 'pending' WHEN 5 THEN 'unknown' ELSE "
	    "'read' END, CASE id % 5 WHEN 0 THEN NULL WHEN 1 THEN NULL ELSE "
	    "'lane' || (id % 5) END, CASE id % 5 WHEN 0 THEN NULL ELSE "
	    "'dev' || (id % 5) END, 0, 1700000000 + id * 17 + 3600, CASE WHEN "
	    "id % 7 IN (0, 4) THEN NULL ELSE 1700000000 + id * 17 END FROM "
	    "contacts ORDER BY id;"
	    "INSERT INTO messages (campaign_id, contact_id, message_type, "
	    "phone, body, state, lane, created_at, updated_at, sent_at) SELECT "
	    "1, id, 2, full_number, 'Merci', CASE id % 3 WHEN 0 THEN 'failed' "
	    "ELSE 'delivered' END, 'lane2', 0, 1700900000 + id, 1700800000 + "
	    "id FROM contacts WHERE id % 10 = 0;"
	    "INSERT INTO messages (campaign_id, contact_id, message_type, "
	    "phone, body, state, lane, created_at, updated_at, sent_at) SELECT "
	    "2, id, 1, full_number, 'Hi', 'read', 'lane9', 0, 1600000000, "
	    "1600000000 FROM contacts WHERE id <= 100;"
	    "INSERT INTO interactions (contact_id, campaign_id, message_id, "
	    "kind, body, created_at) SELECT contact_id, campaign_id, id, "
	    "CASE id % 4 WHEN 0 THEN 'reply' WHEN 1 THEN 'reaction' WHEN 2 "
	    "THEN 'optout' ELSE 'read' END, 'merci', 1700000000 + id * 19 FROM "
	    "messages WHERE id % 5 = 0 OR campaign_id = 2;"
	    "COMMIT;");
	d = kit_call_ok(fd, "campaigns.report", json_pack("{s:i}", "id", 1));

	/* The figures the whole-campaign queries give. */
	want = sql_rows(&h, "SELECT d, sum(s), sum(dl), sum(rd), sum(f), "
	    "sum(rp) FROM (SELECT date(sent_at, 'unixepoch', 'localtime') d, "
	    "1 s, state IN ('delivered', 'read') dl, state = 'read' rd, 0 f, "
	    "0 rp FROM messages WHERE campaign_id = 1 AND sent_at IS NOT NULL "
	    "UNION ALL SELECT date(updated_at, 'unixepoch', 'localtime'), 0, "
	    "0, 0, 1, 0 FROM messages WHERE campaign_id = 1 AND state = "
	    "'failed' UNION ALL SELECT date(created_at, 'unixepoch', "
	    "'localtime'), 0, 0, 0, 0, 1 FROM interactions WHERE campaign_id "
	    "= 1 AND kind IN ('reply', 'reaction', 'optout')) GROUP BY d "
	    "ORDER BY d", dcols, 6);
	assert_true(json_array_size(want) >= 10);
	assert_json_equal(json_object_get(d, "days"), want, "days");
	json_decref(want);
	want = sql_rows(&h, "SELECT coalesce(lane, device, ''), sum(sent_at "
	    "IS NOT NULL), sum(state IN ('delivered', 'read')), sum(state = "
	    "'read'), sum(state = 'failed') FROM messages WHERE campaign_id = "
	    "1 GROUP BY 1 ORDER BY 1", vcols, 5);
	assert_int_equal(json_array_size(want), 5);
	assert_json_equal(json_object_get(d, "devices"), want, "devices");
	json_decref(want);
	assert_int_equal(json_integer_value(json_object_get(d, "replies")),
	    kit_sql_int(&h, "SELECT count(*) FROM interactions WHERE "
	    "campaign_id = 1 AND kind IN ('reply', 'reaction')"));
	assert_int_equal(json_integer_value(json_object_get(d, "optouts")),
	    kit_sql_int(&h, "SELECT count(*) FROM interactions WHERE "
	    "campaign_id = 1 AND kind = 'optout'"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d,
	    "campaign"), "id")), 1);
	assert_non_null(json_string_value(json_object_get(d, "generated_at")));
	/* Totals against a direct count. */
	for (sum = 0, i = 0; i < json_array_size(json_object_get(d, "days"));
	    i++)
		sum += json_integer_value(json_object_get(json_array_get(
		    json_object_get(d, "days"), i), "sent"));
	assert_int_equal(sum, kit_sql_int(&h, "SELECT count(*) FROM messages "
	    "WHERE campaign_id = 1 AND sent_at IS NOT NULL"));
	for (sum = 0, i = 0; i < json_array_size(json_object_get(d,
	    "devices")); i++)
		sum += json_integer_value(json_object_get(json_array_get(
		    json_object_get(d, "devices"), i), "failed"));
	assert_int_equal(sum, kit_sql_int(&h, "SELECT count(*) FROM messages "
	    "WHERE campaign_id = 1 AND state = 'failed'"));
	json_decref(d);

	/* In slices: the daemon's log says how many. */
	assert_non_null(fp = fopen(h.log, "r"));
	assert_true(getdelim(&log, &(size_t){ 0 }, '\0', fp) > 0);
	fclose(fp);
	if ((p = strstr(log, "job campaigns.report: ")) == NULL ||
	    sscanf(p, "job campaigns.report: %ld slices", &slices) != 1 ||
	    slices < 2)
		fail_msg("the report ran in %ld slice(s)", slices);
	free(log);
	/* A client that leaves while its report is summed: the job ends
	 * alone, and the daemon goes on answering. */
	assert_true((fd2 = harness_connect(&h)) != -1);
	assert_int_equal(harness_send(fd2, line, sizeof line - 1), 0);
	close(fd2);
	usleep(300000);
	d = kit_call_ok(fd, "campaigns.report", json_pack("{s:i}", "id", 1));
	assert_int_equal(json_integer_value(json_object_get(d, "optouts")),
	    kit_sql_int(&h, "SELECT count(*) FROM interactions WHERE "
	    "campaign_id = 1 AND kind = 'optout'"));
	json_decref(d);
	/* Still one answer for a campaign that is not there. */
	assert_string_equal(kit_call_err(fd, "campaigns.report", json_pack(
	    "{s:i}", "id", 99)), "not_found");
	/* Stopped mid-report: its client is answered all the same (the
	 * report if it was done, else "unavailable"), and the daemon stops
	 * cleanly. */
	assert_true((fd2 = harness_connect(&h)) != -1);
	assert_int_equal(harness_send(fd2, line, sizeof line - 1), 0);
	usleep(20000);
	assert_int_equal(harness_stop(&h), 0);
	assert_non_null(d = harness_read(fd2, 5000));
	assert_int_equal(json_integer_value(json_object_get(d, "id")), 7);
	if (!json_is_true(json_object_get(d, "ok")))
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(d, "error"), "code")), "unavailable");
	json_decref(d);
	close(fd2);
	close(fd);
	harness_cleanup(&h);
	if (oldtz != NULL)
		setenv("TZ", oldtz, 1);
	else
		unsetenv("TZ");
	free(oldtz);
	tzset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_report_slices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
