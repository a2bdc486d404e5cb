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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
