/*
 * The operator's console on the command line (issue 16): every verb for
 * contacts, categories, users, audit, verification and messages, run as
 * the real `wacamp` against a real daemon and the fake Wassenger, each
 * checked in the daemon's database afterwards.
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
#include <sqlite3.h>

#include "harness.h"
#include "kit.h"

#define TOKEN	"c0nsole-token-0123456789abcdef00"
#define HOOK	"/api/webhooks/wassenger?token=" TOKEN

static struct harness	 H;
static int		 fd = -1;
static int		 hook_port;

static json_int_t
geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Run the CLI with ARGS (printf-style); stdout into *OUT if not NULL. */
static int
cli(char **out, const char *in, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static int
cli(char **out, const char *in, const char *fmt, ...)
{
	char	 args[2048];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	return harness_cli(&H, args, in, out);
}

/* The same, for a command that must fail: its stderr into *ERR. */
static int
cli_err(char **err, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static int
cli_err(char **err, const char *fmt, ...)
{
	char	 args[2048], path[400], cmd[600], buf[4096];
	FILE	*fp;
	va_list	 ap;
	size_t	 n = 0;
	int	 rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(path, sizeof path, "%s/cli.err", H.dir);
	snprintf(cmd, sizeof cmd, " 2>'%s'", path);
	strncat(args, cmd, sizeof args - strlen(args) - 1);
	rc = harness_cli(&H, args, NULL, NULL);
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, sizeof buf - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	*err = strdup(buf);
	return rc;
}

static long long
sqlf(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));

static long long
sqlf(const char *fmt, ...)
{
	char	 q[2048];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof q, fmt, ap);
	va_end(ap);
	return kit_sql_int(&H, q);
}

static int
setup(void **state)
{
	char	 extra[512];

	harness_init(&H, "[import]\ndefault_country = 228\n");
	if (harness_fake_start(&H) <= 0)
		return -1;
	/* After the fake has its ports: a port just released may be the
	 * next one the kernel hands out. */
	if ((hook_port = kit_free_port()) <= 0)
		return -1;
	snprintf(extra, sizeof extra, "[pacing]\ninterval = 300ms\n"
	    "jitter = 0\ndaily_limit = 1000\nbreaker_failures = 50\n"
	    "[verify]\ninterval = 50ms\n[webhook]\n"
	    "listen = 127.0.0.1:%d\ntoken = " TOKEN "\n", hook_port);
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
teardown(void **state)
{
	if (fd != -1)
		close(fd);
	fd = -1;
	harness_cleanup(&H);
	return 0;
}

/* The id of the contact with number PHONE (0: none). */
static long long
contact_id(const char *phone)
{
	return sqlf("SELECT coalesce((SELECT id FROM contacts WHERE "
	    "full_number = '%s'), 0)", phone);
}

/* Wait until campaign ID is completed. */
static void
wait_completed(long long id)
{
	char	 q[256];

	snprintf(q, sizeof q, "SELECT count(*) FROM campaigns WHERE id = %lld "
	    "AND status = 'completed'", id);
	assert_int_equal(kit_wait_int(&H, q, 1, 30), 1);
}

/* A reply from PHONE (digits, no '+') through the webhook listener. */
static void
reply_from(const char *digits, const char *id, const char *text)
{
	char	 body[1024], *r;
	int	 st;

	snprintf(body, sizeof body, "{\"id\":\"%s\",\"event\":"
	    "\"message:in:new\",\"object\":\"message\",\"data\":{\"id\":"
	    "\"%s\",\"flow\":\"inbound\",\"fromNumber\":\"+%s\",\"from\":"
	    "\"%s@c.us\",\"body\":\"%s\",\"chat\":{\"id\":\"%s@c.us\","
	    "\"type\":\"chat\"}}}", id, id, digits, digits, text, digits);
	r = harness_http(hook_port, "POST", HOOK, body, &st);
	free(r);
	assert_int_equal(st, 200);
}

/* contacts add with a national number and categories by name and id. */
static void
test_add_update(void **state)
{
	char		*out = NULL;
	long long	 id, news;

	assert_int_equal(cli(&out, NULL, "categories create news --color "
	    "green"), 0);
	assert_non_null(strstr(out, "news (green)"));
	free(out);
	news = sqlf("SELECT id FROM categories WHERE name = 'news'");
	assert_true(news > 0);
	assert_int_equal(cli(&out, NULL, "contacts add '90 12 34 56' "
	    "--first-name Ama --category vip --category %lld", news), 0);
	free(out);
	id = contact_id("+22890123456");
	assert_true(id > 0);
	assert_int_equal(sqlf("SELECT count(*) FROM category_contacts cc JOIN "
	    "categories g ON g.id = cc.category_id WHERE cc.contact_id = %lld "
	    "AND g.name IN ('vip', 'news')", id), 2);
	/* An id that names no category is refused, and nothing is made. */
	assert_int_equal(cli(NULL, NULL, "contacts add '90 12 34 99' "
	    "--category 4242 2>/dev/null"), 1);
	assert_int_equal(contact_id("+22890123499"), 0);
	/* update: names, and a national number read with default_country. */
	assert_int_equal(cli(&out, NULL, "contacts update %lld --first-name "
	    "Afi --last-name Mensah --phone '90 12 34 57'", id), 0);
	free(out);
	assert_int_equal(sqlf("SELECT count(*) FROM contacts WHERE id = %lld "
	    "AND first_name = 'Afi' AND last_name = 'Mensah' AND full_number = "
	    "'+22890123457' AND raw_number = '90 12 34 57'", id), 1);
	assert_int_equal(cli(NULL, NULL, "contacts update %lld --opt-out "
	    "--opt-in 2>/dev/null", id), 2);
	assert_int_equal(cli(NULL, NULL, "contacts update %lld 2>/dev/null",
	    id), 2);
	assert_int_equal(cli(NULL, NULL, "contacts update 999999 --first-name "
	    "X 2>/dev/null"), 1);
}

/*
 * Opting out cancels pending messages through the outbox (reason
 * optout, the campaign's counters moved with them); opting in again
 * clears the flag.
 */
static void
test_optout_optin(void **state)
{
	long long	 camp, id, pending;
	char		*out = NULL;

	/* 30 contacts at 300 ms: the last one waits, pending, for seconds. */
	kit_seed(&H, "oo", 500, 30);
	id = contact_id("+33610000529");
	camp = kit_campaign(fd, "oo", "Hello {{first_name}}", 1);
	pending = sqlf("SELECT count(*) FROM messages WHERE contact_id = %lld "
	    "AND state = 'pending'", id);
	assert_int_equal(cli(&out, NULL, "contacts update %lld --opt-out", id),
	    0);
	assert_non_null(strstr(out, "opted out"));
	free(out);
	assert_int_equal(sqlf("SELECT opted_out FROM contacts WHERE id = %lld",
	    id), 1);
	assert_int_equal(sqlf("SELECT count(*) FROM messages WHERE contact_id "
	    "= %lld AND state = 'pending'", id), 0);
	assert_true(sqlf("SELECT count(*) FROM messages WHERE contact_id = "
	    "%lld AND state = 'cancelled' AND cancel_reason = 'optout'", id) >=
	    pending);
	/* Counters moved with the state: they match the rows. */
	assert_int_equal(sqlf("SELECT cancelled FROM campaigns WHERE id = %lld",
	    camp), sqlf("SELECT count(*) FROM messages WHERE campaign_id = "
	    "%lld AND state = 'cancelled'", camp));
	assert_int_equal(pending, 1);
	json_decref(kit_call_ok(fd, "campaigns.stop", json_pack("{s:I}", "id",
	    (json_int_t)camp)));
	assert_int_equal(sqlf("SELECT pending FROM campaigns WHERE id = %lld",
	    camp), sqlf("SELECT count(*) FROM messages WHERE campaign_id = "
	    "%lld AND state = 'pending'", camp));
	assert_int_equal(sqlf("SELECT count(*) FROM messages WHERE contact_id "
	    "= %lld AND cancel_reason = 'optout'", id), 1);
	assert_int_equal(cli(&out, NULL, "contacts update %lld --opt-in", id),
	    0);
	free(out);
	assert_int_equal(sqlf("SELECT count(*) FROM contacts WHERE id = %lld "
	    "AND opted_out = 0 AND opted_out_at IS NULL", id), 1);
}

/* contacts get: categories with colours, messages, replies; --json as is. */
static void
test_get(void **state)
{
	long long	 camp, id;
	json_t		*c, *m, *g;
	char		*out = NULL;

	kit_seed(&H, "gt", 600, 1);
	id = contact_id("+33610000600");
	kit_sql(&H, "UPDATE categories SET color = 'cyan' WHERE name = 'gt'");
	camp = kit_campaign(fd, "gt", "Hello {{first_name}}", 1);
	assert_int_equal(kit_wait_int(&H, "SELECT count(*) FROM messages WHERE "
	    "contact_id = (SELECT id FROM contacts WHERE full_number = "
	    "'+33610000600') AND state = 'sent'", 1, 20), 1);
	reply_from("33610000600", "GETREPLY000000000000000001", "Merci bien");
	assert_int_equal(kit_wait_int(&H, "SELECT count(*) FROM interactions "
	    "WHERE kind = 'reply' AND body = 'Merci bien'", 1, 10), 1);
	assert_int_equal(cli(&out, NULL, "--json contacts get %lld", id), 0);
	c = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(c);
	assert_int_equal(geti(c, "id"), id);
	assert_string_equal(json_string_value(json_object_get(c, "phone")),
	    "+33610000600");
	g = json_array_get(json_object_get(c, "categories"), 0);
	assert_string_equal(json_string_value(json_object_get(g, "name")),
	    "gt");
	assert_string_equal(json_string_value(json_object_get(g, "color")),
	    "cyan");
	assert_true(json_object_get(c, "verified") != NULL);
	assert_true(json_is_false(json_object_get(c, "opted_out")));
	m = json_array_get(json_object_get(c, "messages"), 0);
	assert_non_null(m);
	assert_int_equal(geti(m, "campaign_id"), camp);
	assert_int_equal(geti(m, "message_type"), 1);
	assert_string_equal(json_string_value(json_object_get(m, "state")),
	    "sent");
	assert_true(json_is_integer(json_object_get(m, "sent_at")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(c, "interactions"), 0), "body")), "Merci bien");
	json_decref(c);
	assert_int_equal(cli(&out, NULL, "contacts get %lld", id), 0);
	assert_non_null(strstr(out, "+33610000600"));
	assert_non_null(strstr(out, "gt (cyan)"));
	assert_non_null(strstr(out, "messages (1)"));
	assert_non_null(strstr(out, "Merci bien"));
	free(out);
	/* messages list --contact and --state. */
	assert_int_equal(cli(&out, NULL, "messages list --contact %lld --state "
	    "sent", id), 0);
	assert_non_null(strstr(out, "+33610000600"));
	assert_non_null(strstr(out, "1 message(s)"));
	free(out);
	assert_int_equal(cli(&out, NULL, "messages list --contact %lld --state "
	    "failed", id), 0);
	assert_non_null(strstr(out, "0 message(s)"));
	free(out);
	/* The daemon filters by contact and searches body and error text,
	 * without regard to ASCII case. */
	assert_int_equal(cli(&out, NULL, "messages list --contact %lld "
	    "--search HELLO", id), 0);
	assert_non_null(strstr(out, "+33610000600"));
	assert_non_null(strstr(out, "\n1 message(s) found"));
	free(out);
	assert_int_equal(cli(&out, NULL, "messages list --campaign %lld "
	    "--search no-such-words", camp), 0);
	assert_non_null(strstr(out, "\n0 message(s) found"));
	free(out);
	kit_sql(&H, "UPDATE messages SET error = 'phone: Not On WhatsApp' "
	    "WHERE id = (SELECT min(id) FROM messages WHERE contact_id <> "
	    "(SELECT id FROM contacts WHERE full_number = '+33610000600'))");
	m = kit_call_ok(fd, "messages.list", json_pack("{s:s}", "search",
	    "not on whatsapp"));
	assert_int_equal(json_array_size(json_object_get(m, "items")), 1);
	assert_true(json_is_null(json_object_get(m, "total")));
	assert_int_equal(geti(json_array_get(json_object_get(m, "items"), 0),
	    "id"), sqlf("SELECT id FROM messages WHERE error LIKE "
	    "'%%WhatsApp'"));
	json_decref(m);
	m = kit_call_ok(fd, "messages.list", json_pack("{s:I}", "contact",
	    (json_int_t)id));
	assert_int_equal(geti(m, "total"), sqlf("SELECT count(*) FROM messages "
	    "WHERE contact_id = %lld", id));
	assert_int_equal(geti(json_array_get(json_object_get(m, "items"), 0),
	    "contact_id"), id);
	json_decref(m);
	assert_int_equal(cli(NULL, NULL, "messages list --contact 0 "
	    "2>/dev/null"), 2);
	assert_int_equal(cli(&out, NULL, "messages list --campaign %lld "
	    "--state sent", camp), 0);
	assert_non_null(strstr(out, "+33610000600"));
	free(out);
	assert_int_equal(cli(NULL, NULL, "messages list --state bogus "
	    "2>/dev/null"), 2);
	assert_int_equal(cli(NULL, NULL, "contacts get 999999 2>/dev/null"), 1);
}

/* Rows of every table with a text column holding NEEDLE. */
static long long
rows_holding(const char *needle)
{
	sqlite3		*db;
	sqlite3_stmt	*t, *c;
	char		 q[1024];
	long long	 n = 0;

	assert_int_equal(sqlite3_open_v2(H.db, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
	    "sqlite_master WHERE type = 'table' AND sql NOT LIKE "
	    "'CREATE VIRTUAL%'", -1, &t, NULL), SQLITE_OK);
	while (sqlite3_step(t) == SQLITE_ROW) {
		snprintf(q, sizeof q, "SELECT name FROM "
		    "pragma_table_info('%s')", sqlite3_column_text(t, 0));
		assert_int_equal(sqlite3_prepare_v2(db, q, -1, &c, NULL),
		    SQLITE_OK);
		while (sqlite3_step(c) == SQLITE_ROW) {
			sqlite3_stmt	*s;

			snprintf(q, sizeof q, "SELECT count(*) FROM \"%s\" "
			    "WHERE instr(CAST(\"%s\" AS TEXT), ?) > 0",
			    sqlite3_column_text(t, 0),
			    sqlite3_column_text(c, 0));
			assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s,
			    NULL), SQLITE_OK);
			sqlite3_bind_text(s, 1, needle, -1, SQLITE_STATIC);
			if (sqlite3_step(s) == SQLITE_ROW)
				n += sqlite3_column_int64(s, 0);
			sqlite3_finalize(s);
		}
		sqlite3_finalize(c);
	}
	sqlite3_finalize(t);
	sqlite3_close(db);
	return n;
}

/*
 * Erase (DESIGN §6): delete refuses a contact with history and names
 * erase; erase needs confirmation; afterwards no row of any table holds
 * the number (journal bodies included) or the names, the campaign's
 * counters are unchanged, and the tombstone is in no list.
 */
static void
test_erase(void **state)
{
	long long	 camp, id, other;
	json_t		*before, *after;
	char		*out = NULL;
	const char	*k[] = { "total", "pending", "sent", "delivered",
			    "read", "failed", "cancelled", "interactions",
			    "m2_total" };
	size_t		 i;

	kit_seed(&H, "er", 700, 2);
	id = contact_id("+33610000700");
	other = contact_id("+33610000701");
	kit_sql(&H, "UPDATE contacts SET first_name = 'Zebulon', last_name = "
	    "'Quixotic', raw_number = '06 10 00 07 00' WHERE full_number = "
	    "'+33610000700'");
	camp = kit_campaign(fd, "er", "Bonjour {{first_name}} {{last_name}}",
	    1);
	wait_completed(camp);
	reply_from("33610000700", "ERASEREPLY0000000000000001", "Oui Zebulon");
	assert_int_equal(kit_wait_int(&H, "SELECT count(*) FROM interactions "
	    "WHERE kind = 'reply' AND body = 'Oui Zebulon'", 1, 10), 1);
	/* An audit target of an older version that named the number. */
	kit_sql(&H, "INSERT INTO audit_log (at, command, target) VALUES (0, "
	    "'contacts.create', '9 +33610000700')");
	assert_true(rows_holding("33610000700") >= 4);
	assert_int_equal(cli_err(&out, "contacts delete %lld", id), 1);
	assert_non_null(strstr(out, "wacamp contacts erase"));
	free(out);
	assert_true(contact_id("+33610000700") == id);
	/* Off a terminal without --yes: refused, nothing done. */
	assert_int_equal(cli(NULL, NULL, "contacts erase %lld 2>/dev/null",
	    id), 1);
	assert_true(contact_id("+33610000700") == id);
	before = kit_call_ok(fd, "campaigns.get", json_pack("{s:I}", "id",
	    (json_int_t)camp));
	assert_int_equal(cli(&out, NULL, "contacts erase %lld --yes", id), 0);
	assert_non_null(strstr(out, "erased"));
	free(out);
	after = kit_call_ok(fd, "campaigns.get", json_pack("{s:I}", "id",
	    (json_int_t)camp));
	for (i = 0; i < sizeof k / sizeof k[0]; i++)
		assert_int_equal(geti(before, k[i]), geti(after, k[i]));
	json_decref(before);
	json_decref(after);
	assert_int_equal(rows_holding("33610000700"), 0);
	assert_int_equal(rows_holding("06 10 00 07 00"), 0);
	assert_int_equal(rows_holding("Zebulon"), 0);
	assert_int_equal(rows_holding("Quixotic"), 0);
	/* The tombstone keeps the history rows, opted out, in no list. */
	assert_int_equal(sqlf("SELECT count(*) FROM contacts WHERE id = %lld "
	    "AND opted_out = 1 AND erased_at IS NOT NULL", id), 1);
	assert_int_equal(sqlf("SELECT count(*) FROM messages WHERE contact_id "
	    "= %lld AND phone = '[erased]' AND body = '[erased]'", id), 1);
	assert_int_equal(sqlf("SELECT count(*) FROM interactions WHERE "
	    "contact_id = %lld", id), 1);
	/* The other contact of the campaign is untouched. */
	assert_true(rows_holding("33610000701") >= 2);
	assert_int_equal(cli(&out, NULL, "contacts list --category er"), 0);
	assert_null(strstr(out, "+33610000700"));
	assert_non_null(strstr(out, "+33610000701"));
	free(out);
	assert_int_equal(cli(&out, NULL, "contacts list"), 0);
	assert_null(strstr(out, "Zebulon"));
	free(out);
	assert_int_equal(cli(&out, NULL, "contacts get %lld", id), 0);
	assert_non_null(strstr(out, "erased"));
	free(out);
	/* Erased once is erased: a second erase or an update is refused. */
	assert_int_equal(cli(NULL, NULL, "contacts erase %lld --yes "
	    "2>/dev/null", id), 1);
	assert_int_equal(cli(NULL, NULL, "contacts update %lld --opt-in "
	    "2>/dev/null", id), 1);
	assert_int_equal(sqlf("SELECT count(*) FROM audit_log WHERE target = "
	    "'9 [erased]'"), 1);
	/* The audit names the erase by contact id. */
	assert_int_equal(sqlf("SELECT count(*) FROM audit_log WHERE command = "
	    "'contacts.erase' AND target = 'contact %lld' AND ok = 1", id), 1);
	(void)other;
}

/* Categories: colours, get, rename, membership all or nothing. */
static void
test_categories(void **state)
{
	long long	 g, a, b;
	char		*out = NULL;

	assert_int_equal(cli_err(&out, "categories create lilac --color "
	    "purple"), 1);
	assert_non_null(strstr(out, "red, green, yellow, blue, magenta, cyan"));
	free(out);
	assert_int_equal(sqlf("SELECT count(*) FROM categories WHERE name = "
	    "'lilac'"), 0);
	assert_int_equal(cli(&out, NULL, "categories create lilac --color "
	    "red"), 0);
	free(out);
	g = sqlf("SELECT id FROM categories WHERE name = 'lilac' AND color = "
	    "'red'");
	assert_true(g > 0);
	kit_seed(&H, "tmp", 800, 2);
	a = contact_id("+33610000800");
	b = contact_id("+33610000801");
	/* A contact id that does not exist: refused by name, nothing added. */
	assert_int_equal(cli_err(&out, "categories add %lld %lld %lld 999999",
	    g, a, b), 1);
	assert_non_null(strstr(out, "999999"));
	free(out);
	assert_int_equal(sqlf("SELECT count(*) FROM category_contacts WHERE "
	    "category_id = %lld", g), 0);
	assert_int_equal(cli(&out, NULL, "categories add %lld %lld %lld", g, a,
	    b), 0);
	assert_non_null(strstr(out, "2 added, 0 unchanged"));
	free(out);
	assert_int_equal(cli(&out, NULL, "categories add lilac %lld", a), 0);
	assert_non_null(strstr(out, "0 added, 1 unchanged"));
	free(out);
	assert_int_equal(sqlf("SELECT count(*) FROM category_contacts WHERE "
	    "category_id = %lld", g), 2);
	assert_int_equal(cli(&out, NULL, "categories get %lld", g), 0);
	assert_non_null(strstr(out, "lilac (red)"));
	assert_non_null(strstr(out, "2 member(s)"));
	assert_non_null(strstr(out, "+33610000801"));
	free(out);
	assert_int_equal(cli(&out, NULL, "categories rename %lld violet "
	    "--color blue", g), 0);
	free(out);
	assert_int_equal(sqlf("SELECT count(*) FROM categories WHERE id = %lld "
	    "AND name = 'violet' AND color = 'blue'", g), 1);
	assert_int_equal(cli_err(&out, "categories remove %lld %lld 999999",
	    g, a), 1);
	free(out);
	assert_int_equal(sqlf("SELECT count(*) FROM category_contacts WHERE "
	    "category_id = %lld", g), 2);
	assert_int_equal(cli(&out, NULL, "categories remove violet %lld", a),
	    0);
	assert_non_null(strstr(out, "1 removed"));
	free(out);
	assert_int_equal(sqlf("SELECT count(*) FROM category_contacts WHERE "
	    "category_id = %lld", g), 1);
	assert_int_equal(cli(&out, NULL, "--json categories list"), 0);
	assert_non_null(strstr(out, "\"blue\""));
	free(out);
}

/* users update over users.update; audit list for super_admin. */
static void
test_users_audit(void **state)
{
	long long	 bob, me;
	char		*out = NULL;

	assert_int_equal(cli(&out, "bob-password-1\n", "users add bob --role "
	    "admin --password-stdin"), 0);
	free(out);
	bob = sqlf("SELECT id FROM users WHERE login = 'bob'");
	me = sqlf("SELECT min(id) FROM users WHERE role = 'super_admin'");
	/* The daemon judges the role (its words, translated): refused. */
	assert_int_equal(cli_err(&out, "users update %lld --role boss",
	    bob), 1);
	assert_non_null(strstr(out, "super_admin or admin"));
	free(out);
	assert_int_equal(cli(&out, NULL, "users update %lld --role "
	    "super_admin", bob), 0);
	free(out);
	assert_int_equal(sqlf("SELECT count(*) FROM users WHERE id = %lld AND "
	    "role = 'super_admin'", bob), 1);
	assert_int_equal(cli(&out, NULL, "users update %lld --disable", bob),
	    0);
	assert_non_null(strstr(out, "disabled"));
	free(out);
	assert_int_equal(sqlf("SELECT active FROM users WHERE id = %lld", bob),
	    0);
	/* The last active super_admin can be neither demoted nor disabled. */
	assert_int_equal(cli_err(&out, "users update %lld --role admin",
	    me), 1);
	assert_non_null(strstr(out, "last super_admin"));
	free(out);
	assert_int_equal(cli(NULL, NULL, "users update %lld --disable "
	    "2>/dev/null", me), 1);
	assert_int_equal(sqlf("SELECT count(*) FROM users WHERE id = %lld AND "
	    "role = 'super_admin' AND active = 1", me), 1);
	assert_int_equal(cli(&out, "bob-password-2\n", "users update %lld "
	    "--enable --password-stdin", bob), 0);
	free(out);
	assert_int_equal(sqlf("SELECT active FROM users WHERE id = %lld", bob),
	    1);
	assert_int_equal(sqlf("SELECT password_hash IS NOT NULL FROM users "
	    "WHERE id = %lld", bob), 1);
	assert_int_equal(cli(&out, NULL, "audit list --limit 5"), 0);
	assert_non_null(strstr(out, "users.update"));
	assert_non_null(strstr(out, "TIME"));
	free(out);
	assert_int_equal(cli(&out, NULL, "--json audit list --limit 2"), 0);
	assert_non_null(strstr(out, "\"items\""));
	free(out);
}

/*
 * verify bulk: the daemon sends verify.progress events while the job
 * runs and answers the parked request with the counts.
 */
static void
test_verify(void **state)
{
	json_t		*rep, *ev;
	long long	 n, events = 0, last = -1;
	char		*out = NULL;
	const char	*line = "{\"id\":77,\"cmd\":\"verify.bulk\",\"args\":"
			    "{\"category\":\"vf\",\"wait\":true}}\n";
	int		 got = 0;

	kit_seed(&H, "vf", 900, 4);
	n = 4;
	json_decref(kit_call_ok(fd, "subscribe", json_pack("{s:[s]}",
	    "topics", "jobs")));
	assert_int_equal(harness_send(fd, line, strlen(line)), 0);
	while (!got && (ev = harness_read(fd, 10000)) != NULL) {
		if (json_object_get(ev, "event") != NULL) {
			if (strcmp(json_string_value(json_object_get(ev,
			    "event")), "verify.progress") == 0) {
				events++;
				assert_true(geti(json_object_get(ev, "data"),
				    "done") > last);
				last = geti(json_object_get(ev, "data"),
				    "done");
				assert_int_equal(geti(json_object_get(ev,
				    "data"), "total"), n);
			}
		} else if (geti(ev, "id") == 77) {
			rep = json_object_get(ev, "data");
			assert_true(json_is_true(json_object_get(ev, "ok")));
			assert_int_equal(geti(rep, "total"), n);
			assert_int_equal(geti(rep, "done"), n);
			assert_int_equal(geti(rep, "valid") + geti(rep,
			    "invalid") + geti(rep, "unavailable"), n);
			got = 1;
		}
		json_decref(ev);
	}
	assert_true(got);
	assert_int_equal(events, n);
	json_decref(kit_call_ok(fd, "unsubscribe", json_pack("{s:[s]}",
	    "topics", "jobs")));
	assert_int_equal(sqlf("SELECT count(*) FROM contacts c JOIN "
	    "category_contacts cc ON cc.contact_id = c.id JOIN categories g ON "
	    "g.id = cc.category_id WHERE g.name = 'vf' AND verified IS NOT "
	    "NULL"), n);
	/* The CLI: the final counts; nothing left to check the second time. */
	kit_seed(&H, "vg", 950, 2);
	assert_int_equal(cli(&out, NULL, "verify bulk --category vg"), 0);
	assert_non_null(strstr(out, "verified 2 of 2"));
	free(out);
	assert_int_equal(cli(&out, NULL, "verify bulk --category vg"), 0);
	assert_non_null(strstr(out, "nothing to verify"));
	free(out);
	assert_int_equal(cli(&out, NULL, "verify stats"), 0);
	assert_non_null(strstr(out, "on WhatsApp"));
	free(out);
	assert_int_equal(cli(&out, NULL, "--json verify stats"), 0);
	rep = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(rep);
	assert_int_equal(geti(rep, "on_whatsapp") + geti(rep,
	    "not_on_whatsapp") + geti(rep, "unverified"), geti(rep,
	    "contacts"));
	assert_true(geti(rep, "on_whatsapp") >= 6);
	json_decref(rep);
}

/* A bulk job still running at shutdown: its client is answered, and the
 * daemon stops cleanly. */
static void
test_verify_shutdown(void **state)
{
	json_t		*rep;
	const char	*line = "{\"id\":78,\"cmd\":\"verify.bulk\",\"args\":"
			    "{\"category\":\"vs\",\"wait\":true}}\n";
	int		 c2;

	kit_seed(&H, "vs", 1000, 50);
	assert_true((c2 = harness_connect(&H)) >= 0);
	assert_int_equal(harness_send(c2, line, strlen(line)), 0);
	/* Parked: no answer while the job runs. */
	assert_null(harness_read(c2, 200));
	assert_int_equal(harness_stop(&H), 0);
	rep = harness_read(c2, 3000);
	assert_non_null(rep);
	assert_int_equal(geti(rep, "id"), 78);
	assert_false(json_is_true(json_object_get(rep, "ok")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    rep, "error"), "code")), "unavailable");
	json_decref(rep);
	close(c2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_update),
		cmocka_unit_test(test_optout_optin),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_erase),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_users_audit),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_verify_shutdown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
