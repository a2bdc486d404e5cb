/*
 * The campaign parts of the operator's console (issue 16), each checked in
 * the daemon's database: placeholders with fallbacks and the refusal of
 * unknown ones; campaigns update, duplicate and --message-1-file; the send
 * confirmation's counts, capacity and ETA, and no launch of an empty
 * audience; test sends through the outbox; the simulator's failures.
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

#include "harness.h"
#include "kit.h"

static json_int_t
geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* The error reply of CMD, which must fail with CODE; its message. */
static char *
call_err(int fd, const char *cmd, json_t *args, const char *code)
{
	json_t	*rep = harness_call(fd, cmd, args), *e;
	char	*msg;

	assert_non_null(rep);
	assert_false(json_is_true(json_object_get(rep, "ok")));
	e = json_object_get(rep, "error");
	assert_string_equal(json_string_value(json_object_get(e, "code")),
	    code);
	msg = strdup(json_string_value(json_object_get(e, "message")));
	json_decref(rep);
	return msg;
}

static long long
create(int fd, const char *name, const char *m1, const char *m2,
    const char *cat)
{
	json_t		*d;
	long long	 id;

	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:s?,"
	    "s:[s]}", "name", name, "message_1", m1, "message_2", m2,
	    "categories", cat));
	id = geti(d, "id");
	json_decref(d);
	return id;
}

/* The body of campaign C's message to the contact with PHONE. */
static char *
body_of(struct harness *h, long long c, const char *phone)
{
	char	 q[512];

	snprintf(q, sizeof q, "SELECT body FROM messages WHERE campaign_id = "
	    "%lld AND phone = '%s'", c, phone);
	return kit_sql_text(h, q);
}

/* DESIGN §6: placeholders, fallbacks, no dangling space, refusals. */
static void
test_placeholders(void **state)
{
	struct harness	 h;
	json_t		*d;
	char		*msg, *b, q[256], *out;
	long long	 c;
	int		 fd;

	(void)state;
	harness_init(&h, "[pacing]\ndaily_limit = 0\n");
	assert_int_equal(harness_start(&h), 0);
	assert_true((fd = harness_connect(&h)) != -1);
	kit_seed(&h, "ph", 1, 3);
	kit_sql(&h, "INSERT INTO contacts (full_number, first_name, last_name, "
	    "created_at, updated_at) VALUES ('+33610000099', '', 'Kone', 0, 0);"
	    "INSERT INTO category_contacts (category_id, contact_id) SELECT "
	    "g.id, c.id FROM categories g, contacts c WHERE g.name = 'ph' AND "
	    "c.full_number = '+33610000099'");

	msg = call_err(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s]}",
	    "name", "p", "message_1", "Bonjour {{prenom}} !", "categories",
	    "ph"), "bad_request");
	assert_string_equal(msg, "unknown placeholder {{prenom}} in Message 1; "
	    "did you mean {{first_name}}?");
	free(msg);
	msg = call_err(fd, "campaigns.create", json_pack("{s:s,s:s,s:s,s:[s]}",
	    "name", "p", "message_1", "Hi", "message_2", "Merci {{ Nom }}",
	    "categories", "ph"), "bad_request");
	assert_non_null(strstr(msg, "{{ Nom }} in Message 2; did you mean "
	    "{{last_name}}?"));
	free(msg);
	msg = call_err(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s]}",
	    "name", "p", "message_1", "Hi {{first_nam}}", "categories", "ph"),
	    "bad_request");
	assert_non_null(strstr(msg, "did you mean {{first_name}}?"));
	free(msg);
	msg = call_err(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s]}",
	    "name", "p", "message_1", "Hi {{first_name", "categories", "ph"),
	    "bad_request");
	assert_non_null(strstr(msg, "unclosed placeholder"));
	free(msg);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns"), 0);
	assert_int_equal(harness_cli(&h, "campaigns create --name x "
	    "--message-1 'Hi {{prenom}}' --category ph", NULL, NULL), 1);

	c = create(fd, "p", "Bonjour {{ first_name|ami }}, offre {{last_name}}"
	    " !", NULL, "ph");
	msg = call_err(fd, "campaigns.update", json_pack("{s:I,s:s}", "id",
	    (json_int_t)c, "message_1", "Salut {{prenom}}"), "bad_request");
	assert_non_null(strstr(msg, "{{prenom}}"));
	free(msg);
	snprintf(q, sizeof q, "SELECT message_1 FROM campaigns WHERE id = %lld",
	    c);
	b = kit_sql_text(&h, q);
	assert_string_equal(b, "Bonjour {{ first_name|ami }}, offre "
	    "{{last_name}} !");
	free(b);

	/* The preview shows the contact with the emptiest fields. */
	d = kit_call_ok(fd, "campaigns.preview", json_pack("{s:s,s:[s]}",
	    "message_1", "Bonjour {{first_name|ami}}, offre {{last_name}} !",
	    "categories", "ph"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    d, "contact"), "phone")), "+33610000099");
	assert_string_equal(json_string_value(json_object_get(d, "message_1")),
	    "Bonjour ami, offre Kone !");
	assert_null(json_object_get(d, "warning"));
	json_decref(d);
	d = kit_call_ok(fd, "campaigns.preview", json_pack("{s:s,s:[s]}",
	    "message_1", "{{prenom}}", "categories", "ph"));
	assert_non_null(strstr(json_string_value(json_object_get(d,
	    "warning")), "did you mean {{first_name}}?"));
	json_decref(d);

	/* Launched: the fallback, and no "Bonjour , offre". */
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)c)));
	b = body_of(&h, c, "+33610000099");
	assert_string_equal(b, "Bonjour ami, offre Kone !");
	free(b);
	b = body_of(&h, c, "+33610000002");
	assert_string_equal(b, "Bonjour First2, offre Last2 !");
	free(b);
	c = create(fd, "q", "Bonjour {{first_name}}, offre !", NULL, "ph");
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)c)));
	b = body_of(&h, c, "+33610000099");
	assert_string_equal(b, "Bonjour, offre !");
	free(b);
	snprintf(q, sizeof q, "campaigns get %lld", c);
	assert_int_equal(harness_cli(&h, q, NULL, &out), 0);
	free(out);
	close(fd);
	harness_cleanup(&h);
}

/* A file in the harness's directory with TEXT; its path in BUF. */
static const char *
file_with(struct harness *h, const char *name, const char *text, char *buf,
    size_t len)
{
	FILE	*fp;

	snprintf(buf, len, "%s/%s", h->dir, name);
	fp = fopen(buf, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return buf;
}

/* The whole of file PATH (the CLI's stderr kept there). */
static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 sz;

	if ((fp = fopen(path, "r")) == NULL)
		return strdup("");
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)sz + 1);
	assert_int_equal(fread(buf, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	return buf;
}

/* campaigns update (drafts only), duplicate, --message-N-file. */
static void
test_update_duplicate(void **state)
{
	struct harness	 h;
	char		 f1[400], f2[400], args[1400], q[256], errpath[400];
	char		*out, *t;
	long long	 c, dup;
	int		 fd;

	(void)state;
	harness_init(&h, "[pacing]\ndaily_limit = 0\n");
	assert_int_equal(harness_start(&h), 0);
	assert_true((fd = harness_connect(&h)) != -1);
	kit_seed(&h, "ud", 1, 2);
	kit_seed(&h, "ud2", 3, 2);
	snprintf(errpath, sizeof errpath, "%s/cli.err", h.dir);

	/* Two lines with an emoji from a file; Message 2 from stdin. */
	file_with(&h, "m1.txt", "Ligne 1 \xf0\x9f\x8e\x84\nLigne 2 "
	    "{{first_name}}\n", f1, sizeof f1);
	snprintf(args, sizeof args, "campaigns create --name Fichier "
	    "--message-1-file '%s' --message-2-file - --category ud", f1);
	assert_int_equal(harness_cli(&h, args, "Merci\nà bientôt\n", &out), 0);
	assert_non_null(strstr(out, "campaign 1"));
	free(out);
	c = 1;
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns WHERE "
	    "id = 1 AND message_1 = 'Ligne 1 \xf0\x9f\x8e\x84' || char(10) || "
	    "'Ligne 2 {{first_name}}' AND message_2 = 'Merci' || char(10) || "
	    "'à bientôt'"), 1);

	/* Invalid UTF-8 is refused naming the file and the byte. */
	file_with(&h, "bad.txt", "abc\xff" "def", f2, sizeof f2);
	snprintf(args, sizeof args, "campaigns create --name B "
	    "--message-1-file '%s' --category ud 2>'%s'", f2, errpath);
	assert_int_equal(harness_cli(&h, args, NULL, NULL), 2);
	t = slurp(errpath);
	assert_non_null(strstr(t, "bad.txt: invalid UTF-8 at byte 3"));
	free(t);
	snprintf(args, sizeof args, "campaigns update 1 --message-1 x "
	    "--message-1-file '%s'", f1);
	assert_int_equal(harness_cli(&h, args, NULL, NULL), 2);
	assert_int_equal(harness_cli(&h, "campaigns update 1", NULL, NULL), 2);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns"), 1);

	/* Update: only what is given changes; categories are replaced. */
	assert_int_equal(harness_cli(&h, "campaigns update 1 --name Nouveau "
	    "--category ud2", NULL, &out), 0);
	assert_non_null(strstr(out, "Nouveau"));
	free(out);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns WHERE "
	    "id = 1 AND name = 'Nouveau' AND message_1 LIKE 'Ligne 1%' AND "
	    "message_2 LIKE 'Merci%'"), 1);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM "
	    "campaign_categories cc JOIN categories g ON g.id = cc.category_id "
	    "WHERE cc.campaign_id = 1 AND g.name = 'ud2'"), 1);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM "
	    "campaign_categories WHERE campaign_id = 1"), 1);
	assert_int_equal(harness_cli(&h, "campaigns update 1 --message-2 '' "
	    "--category ud --category ud2 --message-1 'Hi {{last_name}}'", NULL,
	    NULL), 0);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns WHERE "
	    "id = 1 AND message_1 = 'Hi {{last_name}}' AND message_2 IS NULL"),
	    1);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM "
	    "campaign_categories WHERE campaign_id = 1"), 2);
	assert_int_equal(harness_cli(&h, "campaigns update 1 --message-1 "
	    "'{{prenom}}'", NULL, NULL), 1);
	assert_int_equal(harness_cli(&h, "campaigns update 99 --name x", NULL,
	    NULL), 1);

	/* Duplicate: a draft with the same texts and categories. */
	assert_int_equal(harness_cli(&h, "campaigns update 1 --message-2 "
	    "'Merci {{first_name|toi}}'", NULL, NULL), 0);
	assert_int_equal(harness_cli(&h, "campaigns duplicate 1", NULL, &out),
	    0);
	assert_non_null(strstr(out, "campaign 2: Nouveau (copy) [draft], a copy "
	    "of campaign 1"));
	free(out);
	dup = 2;
	snprintf(q, sizeof q, "SELECT count(*) FROM campaigns a, campaigns b "
	    "WHERE a.id = %lld AND b.id = %lld AND b.name = a.name || ' (copy)' "
	    "AND b.message_1 = a.message_1 AND b.message_2 = a.message_2 AND "
	    "b.status = 'draft' AND b.total = 0", c, dup);
	assert_int_equal(kit_sql_int(&h, q), 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM campaign_categories WHERE "
	    "campaign_id = %lld AND category_id IN (SELECT category_id FROM "
	    "campaign_categories WHERE campaign_id = %lld)", dup, c);
	assert_int_equal(kit_sql_int(&h, q), 2);

	/* Once sent, a campaign is no draft: update is refused, clearly. */
	assert_int_equal(harness_cli(&h, "campaigns send 1 --yes", NULL, NULL),
	    0);
	snprintf(args, sizeof args, "campaigns update 1 --name Autre 2>'%s'",
	    errpath);
	assert_int_equal(harness_cli(&h, args, NULL, NULL), 1);
	t = slurp(errpath);
	assert_non_null(strstr(t, "only a draft can be edited"));
	free(t);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns WHERE "
	    "id = 1 AND name = 'Nouveau'"), 1);
	/* A running campaign can still be duplicated, into a draft. */
	assert_int_equal(harness_cli(&h, "--json campaigns duplicate 1", NULL,
	    &out), 0);
	assert_non_null(strstr(out, "\"status\": \"draft\""));
	free(out);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns WHERE "
	    "id = 3 AND status = 'draft' AND total = 0 AND name = "
	    "'Nouveau (copy)'"), 1);
	assert_int_equal(harness_cli(&h, "campaigns duplicate 99", NULL, NULL),
	    1);
	close(fd);
	harness_cleanup(&h);
}

/*
 * The send confirmation: unique recipients, who is left out and why,
 * today's capacity and the ETA from pacing; the launch matches it; an
 * empty audience is not launched.
 */
static void
test_send_confirmation(void **state)
{
	struct harness	 h;
	json_t		*d, *lo;
	char		 q[512], args[512], errpath[400], *msg, *out, *t;
	long long	 c, other, empty;
	int		 fd;

	(void)state;
	harness_init(&h, "[pacing]\ndaily_limit = 100\ninterval = 10s\n"
	    "jitter = 2s\nbatch_size = 5\nbatch_pause = 60s\n"
	    "suppress_days = 7\n");
	assert_int_equal(harness_start(&h), 0);
	assert_true((fd = harness_connect(&h)) != -1);
	snprintf(errpath, sizeof errpath, "%s/cli.err", h.dir);
	kit_seed(&h, "aud", 1, 10);
	kit_seed(&h, "aud2", 8, 5);	/* 8, 9, 10 are in both */
	kit_seed(&h, "gone", 1, 2);
	kit_sql(&h, "UPDATE contacts SET opted_out = 1 WHERE full_number IN "
	    "('+33610000001', '+33610000002');"
	    "UPDATE contacts SET verified = 0 WHERE full_number = "
	    "'+33610000003';"
	    "INSERT INTO daily_usage (day, sent) VALUES (date('now'), 30)");
	/* Contact 4 got another campaign's Message 1 an hour ago. */
	other = create(fd, "other", "x", NULL, "gone");
	snprintf(q, sizeof q, "INSERT INTO messages (campaign_id, contact_id, "
	    "message_type, round, phone, body, state, created_at, updated_at, "
	    "claimed_at, sent_at) SELECT %lld, id, 1, 1, full_number, 'x', "
	    "'sent', 0, 0, strftime('%%s', 'now') - 3600, strftime('%%s', "
	    "'now') - 3600 FROM contacts WHERE full_number = '+33610000004'",
	    other);
	kit_sql(&h, q);

	c = create(fd, "launch", "Hi {{first_name}}", NULL, "aud");
	json_decref(kit_call_ok(fd, "campaigns.update", json_pack("{s:I,s:[s,s]}",
	    "id", (json_int_t)c, "categories", "aud", "aud2")));
	d = kit_call_ok(fd, "campaigns.send", json_pack("{s:I,s:b}", "id",
	    (json_int_t)c, "dry_run", 1));
	/* 12 distinct, less 2 opted out, 1 not on WhatsApp, 1 suppressed. */
	assert_int_equal(geti(d, "recipients"), 8);
	lo = json_object_get(d, "left_out");
	assert_int_equal(geti(lo, "opted_out"), 2);
	assert_int_equal(geti(lo, "suppressed"), 1);
	assert_int_equal(geti(lo, "no_valid_number"), 1);
	assert_int_equal(geti(lo, "total"), 4);
	assert_int_equal(geti(d, "duplicates"), 3);
	assert_int_equal(geti(d, "daily_limit"), 100);
	assert_int_equal(geti(d, "sent_today"), 30);
	assert_int_equal(geti(d, "capacity_today"), 70);
	assert_int_equal(geti(d, "queued_before"), 0);
	/* 8 x (10 s + 2 s / 2) and one batch pause of 60 s. */
	assert_int_equal(geti(d, "eta_seconds"), 8 * 11 + 60);
	json_decref(d);
	/* The cap rolls the rest over to tomorrow. */
	kit_sql(&h, "UPDATE daily_usage SET sent = 95 WHERE day = "
	    "date('now')");
	d = kit_call_ok(fd, "campaigns.send", json_pack("{s:I,s:b}", "id",
	    (json_int_t)c, "dry_run", 1));
	assert_int_equal(geti(d, "capacity_today"), 5);
	assert_true(geti(d, "eta_seconds") > 8 * 11 + 60);
	assert_true(geti(d, "eta_seconds") <= 8 * 11 + 60 + 86400);
	json_decref(d);
	kit_sql(&h, "UPDATE daily_usage SET sent = 30 WHERE day = "
	    "date('now')");

	snprintf(args, sizeof args, "campaigns send %lld --dry-run", c);
	assert_int_equal(harness_cli(&h, args, NULL, &out), 0);
	assert_non_null(strstr(out, "Message 1 to 8 unique recipient(s)"));
	assert_non_null(strstr(out, "left out 4: 2 opted out, 1 suppressed"));
	assert_non_null(strstr(out, "1 without a valid number"));
	assert_non_null(strstr(out, "3 duplicate(s)"));
	assert_non_null(strstr(out, "capacity left today 70 of 100 (30 sent "
	    "today)"));
	assert_non_null(strstr(out, "all sent in about 2m"));
	free(out);
	/* Off a terminal, without --yes: nothing is sent. */
	snprintf(args, sizeof args, "campaigns send %lld 2>'%s'", c, errpath);
	assert_int_equal(harness_cli(&h, args, NULL, NULL), 2);
	t = slurp(errpath);
	assert_non_null(strstr(t, "pass --yes"));
	free(t);
	snprintf(q, sizeof q, "SELECT count(*) FROM campaigns WHERE id = %lld "
	    "AND status = 'draft' AND total = 0", c);
	assert_int_equal(kit_sql_int(&h, q), 1);

	/* No launch of an empty audience: it stays a draft. */
	empty = create(fd, "empty", "Hi", NULL, "gone");
	msg = call_err(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)empty), "conflict");
	assert_non_null(strstr(msg, "no recipients: 2 opted out, 0 "
	    "suppressed"));
	assert_non_null(strstr(msg, "stays a draft"));
	free(msg);
	snprintf(q, sizeof q, "SELECT count(*) FROM campaigns WHERE id = %lld "
	    "AND status = 'draft' AND total = 0 AND started_at IS NULL", empty);
	assert_int_equal(kit_sql_int(&h, q), 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld", empty);
	assert_int_equal(kit_sql_int(&h, q), 0);
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s}", "name",
	    "nocat", "message_1", "Hi"));
	msg = call_err(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)geti(d, "id")), "conflict");
	assert_non_null(strstr(msg, "has no category"));
	free(msg);
	json_decref(d);
	snprintf(args, sizeof args, "campaigns send %lld --yes", empty);
	assert_int_equal(harness_cli(&h, args, NULL, NULL), 1);

	/* The launch makes what the confirmation said. */
	snprintf(args, sizeof args, "campaigns send --yes %lld", c);
	assert_int_equal(harness_cli(&h, args, NULL, NULL), 0);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld", c);
	assert_int_equal(kit_sql_int(&h, q), 8);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND phone IN ('+33610000001', '+33610000002', "
	    "'+33610000003', '+33610000004')", c);
	assert_int_equal(kit_sql_int(&h, q), 0);
	close(fd);
	harness_cleanup(&h);
}

/* POSTs to /v1/messages the fake saw: their phones and texts in order. */
static json_t *
fake_posts(struct harness *h)
{
	json_t		*arr = kit_fake_requests(h, "/v1/messages"), *r, *out;
	json_t		*b;
	size_t		 i;

	out = json_array();
	json_array_foreach(arr, i, r) {
		if (strcmp(json_string_value(json_object_get(r, "method")),
		    "POST") != 0)
			continue;
		b = json_object_get(r, "body");
		if (json_is_string(b))
			b = json_loads(json_string_value(b), 0, NULL);
		else
			json_incref(b);
		if (b != NULL)
			json_array_append_new(out, b);
	}
	json_decref(arr);
	return out;
}

/* Index of the first post to PHONE (-1: none), its text in *TEXT. */
static int
post_to(json_t *posts, const char *phone, const char **text)
{
	json_t	*b;
	size_t	 i;

	json_array_foreach(posts, i, b) {
		if (strcmp(json_string_value(json_object_get(b, "phone")),
		    phone) == 0) {
			if (text != NULL)
				*text = json_string_value(json_object_get(b,
				    "message"));
			return (int)i;
		}
	}
	return -1;
}

/*
 * Test send (DESIGN §6): a Message 1 of a hidden per-operator campaign,
 * through the outbox: rendered for the contact (empty for a new number),
 * before other pending messages, counted on the day's cap, refused for an
 * opted-out number; the hidden campaign shows nowhere.
 */
static void
test_test_send(void **state)
{
	struct harness	 h;
	json_t		*d, *posts;
	const char	*text;
	char		 q[512], *out, *msg;
	long long	 c, bulk, tc, n, counted;
	int		 fd, i;

	(void)state;
	kit_start_with_fake(&h, "[pacing]\ninterval = 1500ms\njitter = 0\n"
	    "breaker_failures = 50\n[import]\ndefault_country = 228\n");
	assert_true((fd = harness_connect(&h)) != -1);
	kit_seed(&h, "t", 1, 3);
	kit_seed(&h, "bulk", 100, 5);
	c = create(fd, "draft", "Salut {{first_name|ami}} {{last_name}}!", NULL,
	    "t");
	bulk = kit_campaign(fd, "bulk", "Bulk {{first_name}}", 1);
	/* The first bulk message leaves; the test goes right after it. */
	kit_wait_int(&h, "SELECT count(*) FROM messages WHERE state != "
	    "'pending'", 1, 10);
	counted = kit_sql_int(&h, "SELECT n FROM contacts_count");
	d = kit_call_ok(fd, "campaigns.test", json_pack("{s:I,s:s}", "id",
	    (json_int_t)c, "phone", "90 12 34 56"));
	assert_string_equal(json_string_value(json_object_get(d, "phone")),
	    "+22890123456");
	assert_string_equal(json_string_value(json_object_get(d, "body")),
	    "Salut ami!");
	assert_true(json_is_true(json_object_get(d, "contact_created")));
	tc = geti(d, "test_campaign");
	assert_true(tc != c && tc != bulk);
	json_decref(d);
	/* The new number is a contact like any other, counted. */
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contacts WHERE "
	    "full_number = '+22890123456' AND first_name = '' AND opted_out = "
	    "0"), 1);
	assert_int_equal(kit_sql_int(&h, "SELECT n FROM contacts_count"),
	    counted + 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state IN ('sent', 'delivered', 'read')", tc);
	assert_int_equal(kit_wait_int(&h, q, 1, 15), 1);
	posts = fake_posts(&h);
	i = post_to(posts, "+22890123456", &text);
	assert_true(i >= 0 && i <= 1);
	assert_string_equal(text, "Salut ami!");
	json_decref(posts);
	/* Other campaigns still had pending messages: it went before them. */
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'pending'", bulk);
	assert_true(kit_sql_int(&h, q) >= 1);
	/* It counts against the day's cap like any Message 1. */
	assert_int_equal(kit_sql_int(&h, "SELECT sum(sent) - (SELECT count(*) "
	    "FROM messages WHERE claim_day IS NOT NULL AND state != 'pending') "
	    "FROM daily_usage"), 0);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND claim_day IS NOT NULL", tc);
	assert_int_equal(kit_sql_int(&h, q), 1);

	/* A known contact: their fields; the CLI names the message. */
	snprintf(q, sizeof q, "campaigns test %lld +33610000001", c);
	assert_int_equal(harness_cli(&h, q, NULL, &out), 0);
	assert_non_null(strstr(out, "Salut First1 Last1!"));
	free(out);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND phone = '+33610000001' AND state IN "
	    "('sent', 'delivered', 'read')", tc);
	assert_int_equal(kit_wait_int(&h, q, 1, 15), 1);
	posts = fake_posts(&h);
	assert_true(post_to(posts, "+33610000001", &text) >= 0);
	assert_string_equal(text, "Salut First1 Last1!");
	json_decref(posts);
	/* Again to the same number: a new round, a second post. */
	snprintf(q, sizeof q, "campaigns test %lld --contact 1", c);
	assert_int_equal(harness_cli(&h, q, NULL, NULL), 0);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND phone = '+33610000001' AND round = 2 AND "
	    "state IN ('sent', 'delivered', 'read')", tc);
	assert_int_equal(kit_wait_int(&h, q, 1, 15), 1);
	posts = fake_posts(&h);
	n = 0;
	for (i = 0; i < (int)json_array_size(posts); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(
		    posts, (size_t)i), "phone")), "+33610000001") == 0)
			n++;
	assert_int_equal(n, 2);
	json_decref(posts);

	/* Refused for an opted-out number, and for a bad one. */
	kit_sql(&h, "UPDATE contacts SET opted_out = 1 WHERE full_number = "
	    "'+33610000002'");
	msg = call_err(fd, "campaigns.test", json_pack("{s:I,s:s}", "id",
	    (json_int_t)c, "phone", "+33610000002"), "conflict");
	assert_non_null(strstr(msg, "opted out"));
	free(msg);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "phone = '+33610000002'"), 0);
	msg = call_err(fd, "campaigns.test", json_pack("{s:I,s:s}", "id",
	    (json_int_t)c, "phone", "12ab"), "bad_request");
	free(msg);
	free(call_err(fd, "campaigns.test", json_pack("{s:I,s:s}", "id",
	    (json_int_t)9999, "phone", "+33610000001"), "not_found"));

	/* Hidden: not listed, not readable, not in monitoring. */
	d = kit_call_ok(fd, "campaigns.list", NULL);
	assert_int_equal(geti(d, "total"), 2);
	json_decref(d);
	free(call_err(fd, "campaigns.stats", json_pack("{s:I}", "id",
	    (json_int_t)tc), "not_found"));
	free(call_err(fd, "campaigns.test", json_pack("{s:I,s:s}", "id",
	    (json_int_t)tc, "phone", "+33610000001"), "not_found"));
	d = kit_call_ok(fd, "monitoring.stats", NULL);
	{
		json_t	*k;
		size_t	 j;

		json_array_foreach(json_object_get(d, "campaigns"), j, k)
			assert_int_not_equal(geti(k, "id"), tc);
	}
	json_decref(d);
	/* The campaign tested is still a draft, untouched. */
	snprintf(q, sizeof q, "SELECT count(*) FROM campaigns WHERE id = %lld "
	    "AND status = 'draft' AND total = 0", c);
	assert_int_equal(kit_sql_int(&h, q), 1);
	close(fd);
	harness_cleanup(&h);
}

/*
 * The simulator fails fail_percent of sends, as 503 (retried by the
 * pacer) and 400 phone:invalid (failed); every message settles.
 */
static void
test_simulator_failures(void **state)
{
	struct harness	 h;
	long long	 c;
	char		 q[256];
	int		 fd;

	(void)state;
	harness_init(&h, "[wassenger]\nprovider = simulator\n"
	    "[simulator]\nfail_percent = 50\n[pacing]\ninterval = 200ms\n"
	    "jitter = 0\nbatch_size = 1000\nbreaker_failures = 0\n"
	    "[retry]\nbackoff = 1s\n");
	assert_int_equal(harness_start(&h), 0);
	assert_true((fd = harness_connect(&h)) != -1);
	kit_seed(&h, "sim", 1, 6);
	c = kit_campaign(fd, "sim", "Hi {{first_name}}", 1);
	/* A 503 puts its message back to pending, for a while. */
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'pending' AND error LIKE "
	    "'%%HTTP 503%%'", c);
	assert_int_equal(kit_wait_int(&h, q, 1, 20), 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state IN ('pending', 'sending', "
	    "'unknown')", c);
	assert_int_equal(kit_wait_int(&h, q, 0, 60), 0);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state = 'failed' AND error LIKE "
	    "'%%phone:invalid%%'", c);
	assert_true(kit_sql_int(&h, q) >= 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = %lld AND state IN ('sent', 'delivered', 'read')", c);
	assert_true(kit_sql_int(&h, q) >= 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM campaigns WHERE id = %lld "
	    "AND status = 'completed' AND failed >= 1", c);
	assert_int_equal(kit_wait_int(&h, q, 1, 10), 1);
	close(fd);
	harness_cleanup(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_update_duplicate),
		cmocka_unit_test(test_send_confirmation),
		cmocka_unit_test(test_test_send),
		cmocka_unit_test(test_simulator_failures),
	};

	unsetenv("WACAMP_TEST_CLOCK_OFFSET");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
