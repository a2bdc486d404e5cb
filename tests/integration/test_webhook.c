/* The webhook listener of a real daemon, over real HTTP on 127.0.0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"
#include "kit.h"

#define TOKEN	"t0ken-for-tests-0123456789abcdef"
#define PATH	"/api/webhooks/wassenger"

static struct harness	 H;
static int		 port;
static char		 url[256];
static char		 fixdir[512];

/* A port nobody listens on now (bound and released). */
static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof sin;
	int			 fd, p;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1)
		return -1;
	p = ntohs(sin.sin_port);
	close(fd);
	return p;
}

static sqlite3 *
db(void)
{
	static sqlite3	*h;

	if (h == NULL) {
		assert_int_equal(sqlite3_open_v2(H.db, &h, SQLITE_OPEN_READWRITE,
		    NULL), SQLITE_OK);
		sqlite3_busy_timeout(h, 5000);
	}
	return h;
}

static void
db_exec(const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db(), sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "sql: %s: %s\n", sql, msg);
		fail();
	}
}

/* The first column of the first row of SQL as an integer (-1: no row). */
static long long
db_int(const char *fmt, ...)
{
	sqlite3_stmt	*st;
	char		 sql[1024];
	long long	 v = -1;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_prepare_v2(db(), sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *
db_text(const char *fmt, ...)
{
	sqlite3_stmt	*st;
	char		 sql[1024], *v = NULL;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_prepare_v2(db(), sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static void
assert_db_str(const char *want, const char *sql)
{
	char	*got = db_text("%s", sql);

	if (got == NULL || strcmp(got, want) != 0)
		fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", sql,
		    got ? got : "(null)", want);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static char *
fixture(const char *name)
{
	char	 path[800], *buf;
	FILE	*fp;
	long	 sz;

	snprintf(path, sizeof path, "%s/%s", fixdir, name);
	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "fixture %s missing\n", path);
		fail();
	}
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)sz + 1);
	assert_int_equal(fread(buf, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	return buf;
}

static json_t *
fixture_json(const char *name)
{
	char	*s = fixture(name);
	json_t	*j = json_loads(s, 0, NULL);

	free(s);
	assert_non_null(j);
	return j;
}

/* POST BODY to the listener; the HTTP status. */
static int
post_to(const char *path, const char *body)
{
	int	 status;
	char	*resp = harness_http(port, "POST", path, body, &status);

	free(resp);
	return status;
}

static int
post(const char *body)
{
	return post_to(url, body);
}

static int
post_json(json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT);
	int	 st = post(s);

	free(s);
	json_decref(j);
	return st;
}

/* An ack like the fixture, for WAID. */
static json_t *
make_ack(const char *waid, const char *ack)
{
	json_t	*j = fixture_json("webhook-message-out-ack-read.json");

	json_object_set_new(j, "id", json_string(waid));
	json_object_set_new(j, "ack", json_string(ack));
	json_object_set_new(json_object_get(j, "data"), "id",
	    json_string(waid));
	json_object_set_new(json_object_get(j, "data"), "ack",
	    json_string(ack));
	return j;
}

/* A reply like the fixture, from PHONE, without a quote. */
static json_t *
make_reply(const char *id, const char *phone, const char *text)
{
	json_t	*j = fixture_json("webhook-message-in-new-reply.json");
	json_t	*data = json_object_get(j, "data");
	char	 from[64];

	snprintf(from, sizeof from, "%s@c.us", phone + 1);
	json_object_set_new(j, "id", json_string(id));
	json_object_set_new(data, "id", json_string(id));
	json_object_set_new(data, "fromNumber", json_string(phone));
	json_object_set_new(data, "from", json_string(from));
	json_object_set_new(data, "body", json_string(text));
	json_object_del(data, "quoted");
	json_object_set_new(json_object_get(json_object_get(data, "chat"),
	    "contact"), "phone", json_string(phone));
	return j;
}

/* Send raw REQ (headers only) and return the status of the answer. */
static int
raw_status(const char *req)
{
	struct sockaddr_in	 sin;
	char			 buf[4096];
	ssize_t			 n;
	size_t			 len = 0;
	int			 fd, status = 0;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    harness_send(fd, req, strlen(req)) == -1) {
		close(fd);
		return -1;
	}
	while (len < sizeof buf - 1 &&
	    (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return 0;
	return status;
}

static int
setup(void **state)
{
	char		 extra[512];
	const char	*f;

	if ((f = getenv("WACAMP_FIXTURES")) != NULL &&
	    access(f, F_OK) == 0)
		snprintf(fixdir, sizeof fixdir, "%s/wassenger", f);
	else if ((f = getenv("WASSENGER_FIXTURES")) != NULL)
		snprintf(fixdir, sizeof fixdir, "%s", f);
	else
		snprintf(fixdir, sizeof fixdir, "tests/fixtures/wassenger");
	if ((port = free_port()) <= 0)
		return -1;
	snprintf(url, sizeof url, PATH "?token=" TOKEN);
	/* A daily limit of 0 keeps the pacer from sending what the
	 * webhook queues, so the tests see the webhook's effect alone. */
	snprintf(extra, sizeof extra, "[webhook]\nlisten = 127.0.0.1:%d\n"
	    "token = " TOKEN "\n[pacing]\ndaily_limit = 0\n", port);
	harness_init(&H, extra);
	if (harness_start(&H) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	sqlite3_close(db());
	harness_cleanup(&H);
	return 0;
}

/* Contacts, a campaign with a Message 2, and Message 1 rows as sent. */
static void
seed_fixtures(void)
{
	/* Message 2 is rendered as Message 1 is: a column an import
	 * kept (contacts.extra) is a placeholder too. */
	db_exec("INSERT INTO contacts (id, full_number, first_name, last_name,"
	    " extra, created_at, updated_at) VALUES "
	    "(1, '+447700900123', 'Sam', 'Carter', '{\"ville\":\"Lomé\"}', "
	    "0, 0),"
	    "(2, '+447700900999', 'Alex', 'Doe', NULL, 0, 0);"
	    "INSERT INTO campaigns (id, name, message_1, message_2, status, "
	    "created_at, updated_at, total, sent) VALUES (1, 'c1', "
	    "'Hi {{first_name}}', 'Thanks {{first_name}} {{last_name}} "
	    "({{phone}}) in {{ville|town}}', 'running', 0, 0, 2, 2);"
	    "INSERT INTO messages (id, campaign_id, contact_id, message_type,"
	    " phone, body, state, wass_id, wa_id, reference, created_at, "
	    "updated_at, sent_at) VALUES "
	    "(1, 1, 1, 1, '+447700900123', 'Hi Sam', 'sent', "
	    "'6650a9c3e1f4b20018d7c3a2', '3EB0A7C91F5D2E84B6C1', "
	    "'appt-2025-000123', 0, 0, 1),"
	    "(2, 1, 2, 1, '+447700900999', 'Hi Alex', 'sent', "
	    "'6650ab10e1f4b20018d7c3f7', NULL, 'appt-2025-000124', 0, 0, 1);");
}

/* Each fixture, posted three times, gives its effect once. */
static void
test_fixtures(void **state)
{
	char	*b;
	int	 i;

	seed_fixtures();

	b = fixture("webhook-message-out-ack-delivered.json");
	for (i = 0; i < 3; i++)
		assert_int_equal(post(b), 200);
	free(b);
	assert_db_str("delivered", "SELECT state FROM messages WHERE id = 1");
	/* The message records the ack; no interaction row for it. */
	assert_int_equal(db_int("SELECT delivered_at IS NOT NULL FROM messages "
	    "WHERE id = 1"), 1);
	assert_int_equal(db_int("SELECT count(*) FROM interactions WHERE "
	    "message_id = 1"), 0);
	assert_int_equal(db_int("SELECT count(*) FROM webhook_events"), 1);
	assert_int_equal(db_int("SELECT delivered FROM campaigns"), 1);
	assert_int_equal(db_int("SELECT sent FROM campaigns"), 1);
	assert_int_equal(db_int("SELECT sum(delivered) FROM daily_usage"), 1);

	b = fixture("webhook-message-out-ack-read.json");
	for (i = 0; i < 3; i++)
		assert_int_equal(post(b), 200);
	free(b);
	assert_db_str("read", "SELECT state FROM messages WHERE id = 1");
	assert_true(db_int("SELECT read_at FROM messages WHERE id = 1") > 0);
	assert_int_equal(db_int("SELECT count(*) FROM interactions WHERE "
	    "message_id = 1"), 0);
	assert_int_equal(db_int("SELECT read FROM campaigns"), 1);
	assert_int_equal(db_int("SELECT delivered FROM campaigns"), 0);

	/* Delivered again after read: no step back. */
	b = fixture("webhook-message-out-ack-delivered.json");
	assert_int_equal(post(b), 200);
	free(b);
	assert_db_str("read", "SELECT state FROM messages WHERE id = 1");

	b = fixture("webhook-message-out-failed.json");
	for (i = 0; i < 3; i++)
		assert_int_equal(post(b), 200);
	free(b);
	assert_db_str("failed", "SELECT state FROM messages WHERE id = 2");
	assert_db_str("Phone number is not registered on WhatsApp",
	    "SELECT error FROM messages WHERE id = 2");
	assert_int_equal(db_int("SELECT failed FROM campaigns"), 1);
	assert_int_equal(db_int("SELECT sent FROM campaigns"), 0);
	assert_int_equal(db_int("SELECT sum(failed) FROM daily_usage"), 1);

	b = fixture("webhook-message-in-new-reply.json");
	for (i = 0; i < 3; i++)
		assert_int_equal(post(b), 200);
	free(b);
	assert_db_str("YES", "SELECT body FROM interactions WHERE kind = "
	    "'reply' AND contact_id = 1 AND message_id = 1");
	assert_int_equal(db_int("SELECT count(*) FROM interactions WHERE "
	    "kind = 'reply'"), 1);
	assert_int_equal(db_int("SELECT count(*) FROM messages WHERE "
	    "message_type = 2"), 1);
	assert_db_str("Thanks Sam Carter (+447700900123) in Lomé", "SELECT "
	    "body FROM messages WHERE message_type = 2 AND contact_id = 1");
	assert_db_str("pending", "SELECT state FROM messages WHERE "
	    "message_type = 2");
	assert_int_equal(db_int("SELECT m2_total FROM campaigns"), 1);
	assert_int_equal(db_int("SELECT pending FROM campaigns"), 1);
	/* Message 2 is counted apart from the audience: total stays. */
	assert_int_equal(db_int("SELECT total FROM campaigns"), 2);

	b = fixture("webhook-message-reaction.json");
	for (i = 0; i < 3; i++)
		assert_int_equal(post(b), 200);
	free(b);
	assert_db_str("\xf0\x9f\x91\x8d", "SELECT body FROM interactions "
	    "WHERE kind = 'reaction' AND message_id = 1");
	assert_int_equal(db_int("SELECT count(*) FROM interactions WHERE "
	    "kind = 'reaction'"), 1);
	assert_int_equal(db_int("SELECT count(*) FROM messages WHERE "
	    "message_type = 2"), 1);
	assert_int_equal(db_int("SELECT interactions FROM campaigns"), 2);
	assert_int_equal(db_int("SELECT count(*) FROM webhook_events"), 5);
	assert_int_equal(db_int("SELECT count(*) FROM webhook_events WHERE "
	    "applied = 0"), 0);
}

/* Contacts 10.. with Message 1 sent in campaign 2 (with a Message 2). */
static void
seed_campaign2(void)
{
	db_exec("INSERT INTO campaigns (id, name, message_1, message_2, "
	    "status, created_at, updated_at, total, sent, pending) VALUES "
	    "(2, 'c2', 'Hello', 'Second {{ first_name }} {{ville|d''ici}}', "
	    "'running', 0, 0, 6, "
	    "5, 1),"
	    "(3, 'c3', 'Later', NULL, 'running', 0, 0, 3, 0, 3);"
	    "INSERT INTO contacts (id, full_number, first_name, created_at, "
	    "updated_at) VALUES (10, '+447700900210', 'Ann', 0, 0),"
	    "(11, '+447700900211', 'Bob', 0, 0),"
	    "(12, '+447700900212', 'Cat', 0, 0),"
	    "(13, '+447700900213', 'Dan', 0, 0),"
	    "(14, '+447700900214', 'Eve', 0, 0),"
	    "(15, '+447700900215', 'Fay', 0, 0);"
	    "INSERT INTO messages (campaign_id, contact_id, message_type, "
	    "phone, body, state, wa_id, created_at, updated_at, sent_at) VALUES "
	    "(2, 10, 1, '+447700900210', 'Hello', 'sent', 'AAAA0000000000000210',"
	    " 0, 0, 5),"
	    "(2, 11, 1, '+447700900211', 'Hello', 'sent', 'AAAA0000000000000211',"
	    " 0, 0, 5),"
	    "(2, 12, 1, '+447700900212', 'Hello', 'sent', 'AAAA0000000000000212',"
	    " 0, 0, 5),"
	    "(2, 13, 1, '+447700900213', 'Hello', 'sent', 'AAAA0000000000000213',"
	    " 0, 0, 5),"
	    "(2, 14, 1, '+447700900214', 'Hello', 'sent', NULL, 0, 0, 5),"
	    "(2, 15, 1, '+447700900215', 'Hello', 'pending', NULL, 0, 0, NULL),"
	    "(3, 11, 1, '+447700900211', 'Later', 'pending', NULL, 0, 0, NULL),"
	    "(3, 12, 1, '+447700900212', 'Later', 'pending', NULL, 0, 0, NULL),"
	    "(3, 13, 1, '+447700900213', 'Later', 'pending', NULL, 0, 0, NULL);");
}

static void
test_read_before_delivered(void **state)
{
	seed_campaign2();
	assert_int_equal(post_json(make_ack("AAAA0000000000000210", "read")),
	    200);
	assert_int_equal(post_json(make_ack("AAAA0000000000000210",
	    "delivered")), 200);
	assert_db_str("read", "SELECT state FROM messages WHERE wa_id = "
	    "'AAAA0000000000000210'");
	assert_int_equal(db_int("SELECT read FROM campaigns WHERE id = 2"), 1);
	assert_int_equal(db_int("SELECT delivered FROM campaigns WHERE "
	    "id = 2"), 0);
	assert_int_equal(db_int("SELECT read_at IS NOT NULL FROM messages "
	    "WHERE wa_id = 'AAAA0000000000000210'"), 1);
	/* "played" counts as read, and changes nothing more. */
	assert_int_equal(post_json(make_ack("AAAA0000000000000210", "played")),
	    200);
	assert_int_equal(db_int("SELECT read FROM campaigns WHERE id = 2"), 1);
}

static void
test_optout(void **state)
{
	static const char *const words[] = { "Stop", " arr\xc3\xaat ",
	    "UNSUBSCRIBE" };
	char	 id[64], phone[32];
	int	 i;

	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof id, "OPTOUT%026d", i);
		snprintf(phone, sizeof phone, "+4477009002%d", 11 + i);
		assert_int_equal(post_json(make_reply(id, phone, words[i])),
		    200);
		assert_int_equal(db_int("SELECT opted_out FROM contacts WHERE "
		    "id = %d", 11 + i), 1);
		assert_true(db_int("SELECT opted_out_at FROM contacts WHERE "
		    "id = %d", 11 + i) > 0);
		assert_int_equal(db_int("SELECT count(*) FROM interactions "
		    "WHERE contact_id = %d AND kind = 'optout'", 11 + i), 1);
		assert_db_str("cancelled", "SELECT state FROM messages WHERE "
		    "campaign_id = 3 AND contact_id = (SELECT max(contact_id) "
		    "FROM interactions WHERE kind = 'optout')");
	}
	assert_int_equal(db_int("SELECT count(*) FROM messages WHERE "
	    "message_type = 2 AND contact_id IN (11, 12, 13)"), 0);
	assert_int_equal(db_int("SELECT pending FROM campaigns WHERE id = 3"),
	    0);
	assert_int_equal(db_int("SELECT cancelled FROM campaigns WHERE id = 3"),
	    3);
	/* Not a keyword: "stop it" is an ordinary reply. */
	assert_int_equal(post_json(make_reply("NOTOPTOUT1", "+447700900210",
	    "stop it")), 200);
	assert_int_equal(db_int("SELECT opted_out FROM contacts WHERE "
	    "id = 10"), 0);
}

static void
test_reply_queues_one_m2(void **state)
{
	json_t	*j;
	int	 i;

	/* No quote: correlated with the contact's latest outbound message. */
	for (i = 0; i < 2; i++) {
		j = make_reply("REPLYM2000000000000000000000014",
		    "+447700900214", "Sounds good");
		assert_int_equal(post_json(j), 200);
	}
	/* The same contact again with another message: still one. */
	assert_int_equal(post_json(make_reply("REPLYM2000000000000000000000015",
	    "+447700900214", "and again")), 200);
	assert_int_equal(db_int("SELECT count(*) FROM messages WHERE "
	    "message_type = 2 AND contact_id = 14"), 1);
	/* Spaces in the braces and a fallback, as Message 1 has them. */
	assert_db_str("Second Eve d'ici", "SELECT body FROM messages WHERE "
	    "message_type = 2 AND contact_id = 14");
	assert_int_equal(db_int("SELECT count(*) FROM interactions WHERE "
	    "contact_id = 14 AND kind = 'reply'"), 2);
	/* Contact 10's "stop it" (test_optout) queued the other one. */
	assert_int_equal(db_int("SELECT m2_total FROM campaigns WHERE id = 2"),
	    2);
	/* A reply from a number we do not know changes nothing. */
	assert_int_equal(post_json(make_reply("STRANGER0000000000000000000001",
	    "+33612345678", "who?")), 200);
	assert_int_equal(db_int("SELECT count(*) FROM interactions WHERE "
	    "body = 'who?'"), 0);
}

/*
 * The inbox: a reply posted to the webhook reaches a "replies" subscriber
 * as reply.new without a request, and replies.list and `replies list`
 * show it, newest first, filtered by campaign and by contact.
 */
static void
test_replies_inbox(void **state)
{
	json_t		*d, *ev, *it, *c;
	char		*out = NULL, want[64];
	int		 fd, got = 0;

	fd = harness_connect(&H);
	assert_true(fd >= 0);
	json_decref(kit_call_ok(fd, "subscribe", json_pack("{s:[s]}",
	    "topics", "replies")));
	assert_int_equal(post_json(make_reply("INBOX00000000000000000000001",
	    "+447700900212", "Oui, merci \xc3\xa0 vous")), 200);
	while (!got && (ev = harness_read(fd, 5000)) != NULL) {
		if (json_is_string(json_object_get(ev, "event")) &&
		    strcmp(json_string_value(json_object_get(ev, "event")),
		    "reply.new") == 0 &&
		    (d = json_object_get(ev, "data")) != NULL &&
		    json_integer_value(json_object_get(json_object_get(d,
		    "contact"), "id")) == 12) {
			/* Events of the test before may come first. */
			assert_string_equal(json_string_value(json_object_get(
			    d, "body")), "Oui, merci \xc3\xa0 vous");
			assert_string_equal(json_string_value(json_object_get(
			    d, "kind")), "reply");
			c = json_object_get(d, "contact");
			assert_int_equal(json_integer_value(json_object_get(c,
			    "id")), 12);
			assert_string_equal(json_string_value(json_object_get(
			    c, "name")), "Cat");
			assert_string_equal(json_string_value(json_object_get(
			    c, "number")), "+447700900212");
			got = 1;
		}
		json_decref(ev);
	}
	assert_true(got);

	/* Newest first, campaign and message it answers. */
	d = kit_call_ok(fd, "replies.list", json_pack("{s:i}", "limit", 2));
	it = json_array_get(json_object_get(d, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(it, "body")),
	    "Oui, merci \xc3\xa0 vous");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    it, "campaign"), "id")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    it, "campaign"), "name")), "c2");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    it, "message"), "type")), 1);
	assert_true(json_integer_value(json_object_get(it, "id")) >
	    json_integer_value(json_object_get(json_array_get(
	    json_object_get(d, "items"), 1), "id")));
	assert_true(json_is_integer(json_object_get(d, "next")));
	assert_int_equal(json_integer_value(json_object_get(d, "total")),
	    db_int("SELECT count(*) FROM interactions WHERE kind IN "
	    "('reply', 'reaction', 'optout')"));
	json_decref(d);

	/* By contact: contact 14's replies (test_reply_queues_one_m2). */
	d = kit_call_ok(fd, "replies.list", json_pack("{s:i}", "contact", 14));
	assert_int_equal(json_array_size(json_object_get(d, "items")),
	    db_int("SELECT count(*) FROM interactions WHERE contact_id = 14"));
	assert_true(json_array_size(json_object_get(d, "items")) >= 2);
	json_decref(d);
	/* By campaign and contact: contact 12 never had campaign 1's. */
	d = kit_call_ok(fd, "replies.list", json_pack("{s:i,s:i}", "campaign",
	    2, "contact", 12));
	assert_int_equal(json_array_size(json_object_get(d, "items")),
	    db_int("SELECT count(*) FROM interactions WHERE contact_id = 12 "
	    "AND campaign_id = 2"));
	json_decref(d);
	d = kit_call_ok(fd, "replies.list", json_pack("{s:i,s:i}", "campaign",
	    1, "contact", 12));
	assert_int_equal(json_array_size(json_object_get(d, "items")), 0);
	json_decref(d);
	close(fd);

	assert_int_equal(harness_cli(&H, "replies list --campaign 2", NULL,
	    &out), 0);
	assert_non_null(strstr(out, "Oui, merci \xc3\xa0 vous"));
	assert_non_null(strstr(out, "+447700900212"));
	assert_non_null(strstr(out, "2/M1"));
	free(out);
	assert_int_equal(harness_cli(&H, "replies list --contact 14", NULL,
	    &out), 0);
	assert_null(strstr(out, "Oui, merci"));
	assert_non_null(strstr(out, "and again"));
	snprintf(want, sizeof want, "\n%lld reply(ies)", db_int("SELECT "
	    "count(*) FROM interactions WHERE contact_id = 14"));
	assert_non_null(strstr(out, want));
	free(out);
	assert_int_equal(harness_cli(&H, "--json replies list --contact 12",
	    NULL, &out), 0);
	d = json_loads(out, 0, NULL);
	assert_non_null(d);
	assert_int_equal(json_array_size(json_object_get(d, "items")),
	    db_int("SELECT count(*) FROM interactions WHERE contact_id = 12"));
	json_decref(d);
	free(out);
}

/* An ack before the send reply waits; replay applies it once known. */
static void
test_ack_before_send_reply_and_replay(void **state)
{
	int	 fd;
	json_t	*rep;

	assert_int_equal(post_json(make_ack("BBBB0000000000000214",
	    "delivered")), 200);
	assert_int_equal(db_int("SELECT applied FROM webhook_events WHERE "
	    "object_id = 'BBBB0000000000000214'"), 0);
	db_exec("UPDATE messages SET wa_id = 'BBBB0000000000000214' WHERE "
	    "contact_id = 14 AND message_type = 1");
	fd = harness_connect(&H);
	assert_true(fd >= 0);
	rep = harness_call(fd, "webhooks.replay", NULL);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	assert_db_str("delivered", "SELECT state FROM messages WHERE "
	    "contact_id = 14 AND message_type = 1");
	assert_int_equal(db_int("SELECT applied FROM webhook_events WHERE "
	    "object_id = 'BBBB0000000000000214'"), 1);
	/* Replaying again gives the same state. */
	rep = harness_call(fd, "webhooks.replay", NULL);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	assert_int_equal(db_int("SELECT delivered FROM campaigns WHERE "
	    "id = 2"), 1);
	/* Its two replies; the ack added none. */
	assert_int_equal(db_int("SELECT count(*) FROM interactions WHERE "
	    "contact_id = 14"), 2);
	assert_int_equal(db_int("SELECT count(*) FROM messages WHERE "
	    "message_type = 2"), 3);
	assert_int_equal(db_int("SELECT interactions FROM campaigns WHERE "
	    "id = 2"), 3);
	rep = harness_call(fd, "webhooks.stats", NULL);
	assert_true(json_is_true(json_object_get(json_object_get(rep, "data"),
	    "listening")));
	json_decref(rep);
	close(fd);
}

static void
test_http_errors(void **state)
{
	char	*big, *resp, path[512];
	size_t	 len = 2 * 1024 * 1024;
	int	 status;
	char	*b = fixture("webhook-message-out-ack-delivered.json");

	assert_int_equal(post_to(PATH "?token=wrong", b), 401);
	assert_int_equal(post_to(PATH, b), 401);
	assert_int_equal(post_to(PATH "?token=" TOKEN "x", b), 401);
	assert_false(harness_file_has(H.log, TOKEN));
	assert_true(harness_file_has(H.log, "wrong or missing token"));
	assert_int_equal(post_to("/other?token=" TOKEN, b), 404);
	resp = harness_http(port, "GET", url, NULL, &status);
	free(resp);
	assert_int_equal(status, 405);

	/* A 2 MiB body is refused from its Content-Length, before reading it. */
	snprintf(path, sizeof path, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	    url, len);
	assert_int_equal(raw_status(path), 413);
	/*
	 * Sent whole, the answer is 413 too, but the daemon closes while the
	 * client still sends and the kernel may reset the connection before
	 * the client reads it: only "not 200" is certain.
	 */
	big = malloc(len + 1);
	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	big[len] = '\0';
	resp = harness_http(port, "POST", url, big, &status);
	free(resp);
	free(big);
	assert_true(status == 413 || status == 0);

	assert_int_equal(post("{not json"), 400);
	assert_int_equal(post("[1, 2]"), 400);
	assert_int_equal(post("\"str\""), 400);
	assert_int_equal(post("{\"no\":\"event\"}"), 400);
	/* Unknown events are journaled and ignored. */
	assert_int_equal(post("{\"event\":\"number:session\",\"id\":\"s1\"}"),
	    200);
	assert_int_equal(db_int("SELECT count(*) FROM webhook_events WHERE "
	    "event = 'number:session'"), 1);
	assert_int_equal(post("[]"), 200);
	snprintf(path, sizeof path, "%s", url);
	assert_int_equal(post_to(path, b), 200);
	free(b);
}

/* A TCP connection to 127.0.0.1:P, or -1. */
static int
tcp_open(int p)
{
	struct sockaddr_in	 sin;
	int			 fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)p);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* An ack for WAID as a compact JSON string (allocated). */
static char *
ack_body(const char *waid, const char *ack)
{
	json_t	*j = make_ack(waid, ack);
	char	*s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	assert_non_null(s);
	return s;
}

/* Send a keep-alive POST of BODY on FD; 0 or -1. */
static int
send_post(int fd, const char *body)
{
	char	 head[512];
	int	 n;

	n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: "
	    "127.0.0.1\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", url, strlen(body));
	if (harness_send(fd, head, (size_t)n) == -1 ||
	    harness_send(fd, body, strlen(body)) == -1)
		return -1;
	return 0;
}

/*
 * The status of the one answer read on FD within MS milliseconds: 0 if
 * nothing came, -1 if the connection closed first.
 */
static int
read_status(int fd, int ms)
{
	struct pollfd	 pfd;
	char		 buf[4096];
	ssize_t		 n;
	size_t		 len = 0;
	int		 status;

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (len < sizeof buf - 1) {
		if (poll(&pfd, 1, ms) <= 0)
			return 0;
		if ((n = read(fd, buf + len, sizeof buf - 1 - len)) <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		/* Answers are small: the body follows its headers at once. */
		if (strstr(buf, "\r\n\r\n") != NULL &&
		    strstr(buf, "}") != NULL)
			break;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	return status;
}

/*
 * [webhook] max_connections: at the cap, a new connection closes the
 * oldest one that has no request in hand (an idle keep-alive here), so
 * the newcomer is served at once; the others keep working; idle
 * connections past the cap do no harm.
 */
static void
test_connection_cap(void **state)
{
	struct harness	 h2;
	char		 extra[512], id[32], *body;
	int		 p2, cap = 4, held[4], waiting[3], idle[12], i, saved;

	(void)state;
	assert_true((p2 = free_port()) > 0);
	snprintf(extra, sizeof extra, "[webhook]\nlisten = 127.0.0.1:%d\n"
	    "token = " TOKEN "\nmax_connections = %d\n[pacing]\n"
	    "daily_limit = 0\n", p2, cap);
	harness_init(&h2, extra);
	assert_int_equal(harness_start(&h2), 0);
	saved = port;
	port = p2;

	/* The cap, each connection kept open after its answer. */
	for (i = 0; i < cap; i++) {
		assert_true((held[i] = tcp_open(p2)) != -1);
		snprintf(id, sizeof id, "CAPHELD%02d", i);
		body = ack_body(id, "delivered");
		assert_int_equal(send_post(held[i], body), 0);
		free(body);
		assert_int_equal(read_status(held[i], 5000), 200);
	}
	/* Past it: each newcomer is served, the oldest idle ones closed. */
	for (i = 0; i < 3; i++) {
		assert_true((waiting[i] = tcp_open(p2)) != -1);
		snprintf(id, sizeof id, "CAPWAIT%02d", i);
		body = ack_body(id, "read");
		assert_int_equal(send_post(waiting[i], body), 0);
		free(body);
		assert_int_equal(read_status(waiting[i], 5000), 200);
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(read_status(held[i], 5000), -1);
	/* The newest held one still answers. */
	body = ack_body("CAPAGAIN", "delivered");
	assert_int_equal(send_post(held[3], body), 0);
	free(body);
	assert_int_equal(read_status(held[3], 5000), 200);
	for (i = 0; i < cap; i++)
		close(held[i]);
	for (i = 0; i < 3; i++)
		close(waiting[i]);
	assert_int_equal(post_to(url, "{\"event\":\"cap:check\","
	    "\"id\":\"c1\"}"), 200);

	/* Many idle connections past the cap, closed at once: no harm. */
	for (i = 0; i < 12; i++)
		assert_true((idle[i] = tcp_open(p2)) != -1);
	for (i = 0; i < 12; i++)
		close(idle[i]);
	usleep(200 * 1000);
	assert_int_equal(waitpid(h2.daemon, &i, WNOHANG), 0);

	port = saved;
	/* Every event answered 200 is in the journal; a clean stop. */
	{
		sqlite3		*h;
		sqlite3_stmt	*st;

		assert_int_equal(sqlite3_open_v2(h2.db, &h,
		    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		sqlite3_busy_timeout(h, 5000);
		assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM "
		    "webhook_events WHERE object_id LIKE 'CAP%' OR "
		    "event = 'cap:check'", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), cap + 1 + 3 + 1);
		sqlite3_finalize(st);
		sqlite3_close(h);
	}
	assert_int_equal(harness_stop(&h2), 0);
	harness_cleanup(&h2);
}

/* A reply like make_reply, from the @lid chat LID; PHONE may be NULL. */
static json_t *
make_lid_reply(const char *id, const char *phone, const char *lid,
    const char *text)
{
	json_t	*j = make_reply(id, phone ? phone : "+10000000000", text);
	json_t	*data = json_object_get(j, "data");
	json_t	*chat = json_object_get(data, "chat");

	json_object_set_new(data, "from", json_string(lid));
	json_object_set_new(chat, "id", json_string(lid));
	json_object_set_new(chat, "type", json_string("chat"));
	json_object_set_new(json_object_get(chat, "contact"), "wid",
	    json_string(lid));
	if (phone == NULL) {
		json_object_del(data, "fromNumber");
		json_object_del(json_object_get(chat, "contact"), "phone");
	}
	return j;
}

/* How many lines of the daemon's log hold NEEDLE. */
static int
log_lines(const char *needle)
{
	FILE	*fp = fopen(H.log, "r");
	char	 line[4096];
	int	 n = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof line, fp) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(fp);
	return n;
}

/*
 * Inbound as real traffic comes (issue "Inbound"): @lid private chats,
 * WhatsApp's own number forms (Mexico +521, Argentina +549, Brazil's
 * ninth digit), a reaction's emoji as an object, a NUL in a reply.
 */
/* A non-blocking connection from FROM (127.0.0.x) to port P, or -1. */
static int
tcp_open_from(in_addr_t from, int p)
{
	struct sockaddr_in	 sin;
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = from;
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		close(fd);
		return -1;
	}
	sin.sin_port = htons((unsigned short)p);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * 600 connections trickling a byte a second (reopened when the daemon
 * closes them) never keep a real webhook out: every POST is answered 200.
 * Once from 127.0.0.1 and once from 127.0.0.2; WACAMP_TRICKLE_SECONDS
 * each (make check: 15; the figure: 60).
 */
static void
trickle_from(int p2, in_addr_t from, double secs)
{
	enum { N = 600 };
	static const char	 req[] = "POST " PATH "?token=" TOKEN
	    " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
	int			 fds[N], pos[N], i, ok = 0, tries = 0, fd;
	int			 reopened = 0;
	double			 t0 = harness_now(), tick = 0;
	char			 id[32], *body;

	for (i = 0; i < N; i++) {
		fds[i] = tcp_open_from(from, p2);
		pos[i] = 0;
	}
	while (harness_now() - t0 < secs) {
		if (harness_now() - tick >= 1) {
			tick = harness_now();
			for (i = 0; i < N; i++) {
				if (fds[i] == -1 || send(fds[i], req + pos[i] %
				    (sizeof req - 1), 1, MSG_NOSIGNAL) == -1) {
					if (fds[i] != -1 && errno == EAGAIN)
						continue;
					if (fds[i] != -1)
						close(fds[i]);
					fds[i] = tcp_open_from(from, p2);
					reopened++;
					continue;
				}
				pos[i]++;
			}
		}
		snprintf(id, sizeof id, "TRICKLE%05d", tries);
		body = ack_body(id, "delivered");
		fd = tcp_open(p2);
		if (fd != -1 && send_post(fd, body) == 0 &&
		    read_status(fd, 10000) == 200)
			ok++;
		if (fd != -1)
			close(fd);
		free(body);
		tries++;
		usleep(200 * 1000);
	}
	for (i = 0; i < N; i++) {
		if (fds[i] != -1)
			close(fds[i]);
	}
	print_message("trickle from %s for %.0f s: %d of %d posts answered "
	    "200, %d trickling connections reopened\n", inet_ntoa(
	    (struct in_addr){ from }), secs, ok, tries, reopened);
	assert_true(tries > 0);
	assert_int_equal(ok, tries);
	assert_true(reopened > 0);
}

static void
test_trickle(void **state)
{
	struct harness	 h2;
	struct rlimit	 rl;
	char		 extra[512];
	const char	*e = getenv("WACAMP_TRICKLE_SECONDS");
	double		 secs = e != NULL && atof(e) > 0 ? atof(e) : 15;
	int		 p2, saved;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2048 && rl.rlim_max >= 2048) {
		rl.rlim_cur = 2048;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	assert_true((p2 = free_port()) > 0);
	snprintf(extra, sizeof extra, "[webhook]\nlisten = 127.0.0.1:%d\n"
	    "token = " TOKEN "\n[pacing]\ndaily_limit = 0\n", p2);
	harness_init(&h2, extra);
	assert_int_equal(harness_start(&h2), 0);
	saved = port;
	port = p2;
	trickle_from(p2, htonl(INADDR_LOOPBACK), secs);
	trickle_from(p2, htonl(INADDR_LOOPBACK + 1), secs);
	port = saved;
	assert_int_equal(waitpid(h2.daemon, &p2, WNOHANG), 0);
	assert_int_equal(harness_stop(&h2), 0);
	harness_cleanup(&h2);
}

static void
test_inbound_realities(void **state)
{
	json_t		*j;
	long long	 out;

	db_exec("INSERT INTO campaigns (id, name, message_1, message_2, "
	    "status, created_at, updated_at, total, sent) VALUES "
	    "(4, 'c4', 'Hello', 'Deux {{first_name}}', 'running', 0, 0, 7, 7);"
	    "INSERT INTO contacts (id, full_number, first_name, created_at, "
	    "updated_at) VALUES (30, '+447700900230', 'Lid', 0, 0),"
	    "(31, '+525617354008', 'Mex', 0, 0),"
	    "(32, '+447700900232', 'Known', 0, 0),"
	    "(33, '+447700900233', 'React', 0, 0),"
	    "(34, '+447700900234', 'Nul', 0, 0),"
	    "(35, '+541123456789', 'Arg', 0, 0),"
	    "(36, '+5511987654321', 'Bra', 0, 0);"
	    "INSERT INTO messages (campaign_id, contact_id, message_type, "
	    "phone, body, state, wa_id, created_at, updated_at, sent_at) "
	    "SELECT 4, id, 1, full_number, 'Hello', 'sent', 'CCCC00000000000000'"
	    " || id, 0, 0, 5 FROM contacts WHERE id BETWEEN 30 AND 36;");

	/* 1. STOP from an @lid chat with fromNumber opts the contact out. */
	assert_int_equal(post_json(make_lid_reply("LID0000000000000000000000001",
	    "+447700900230", "111111111111111@lid", "STOP")), 200);
	assert_int_equal(db_int("SELECT opted_out FROM contacts WHERE id = 30"),
	    1);
	/* One with no phone field, from an @lid never seen: no one. */
	out = db_int("SELECT count(*) FROM contacts WHERE opted_out = 1");
	assert_int_equal(post_json(make_lid_reply("LID0000000000000000000000002",
	    NULL, "222222222222222@lid", "STOP")), 200);
	assert_int_equal(db_int("SELECT count(*) FROM contacts WHERE "
	    "opted_out = 1"), out);
	assert_true(log_lines("never seen with a number: skipped") >= 1);
	/* An @lid seen with a number finds its contact without one. */
	assert_int_equal(post_json(make_lid_reply("LID0000000000000000000000003",
	    "+447700900232", "333333333333333@lid", "Merci")), 200);
	assert_int_equal(db_int("SELECT count(*) FROM messages WHERE "
	    "contact_id = 32 AND message_type = 2"), 1);
	assert_int_equal(post_json(make_lid_reply("LID0000000000000000000000004",
	    NULL, "333333333333333@lid", "stop")), 200);
	assert_int_equal(db_int("SELECT opted_out FROM contacts WHERE id = 32"),
	    1);
	assert_int_equal(db_int("SELECT count(*) FROM messages WHERE "
	    "contact_id = 32 AND message_type = 2 AND state = 'cancelled'"), 1);

	/* 2. A reaction given as an object queues exactly one Message 2. */
	j = fixture_json("webhook-message-reaction.json");
	json_object_set_new(j, "id", json_string("REACT00000000000000000000001"));
	json_object_set_new(json_object_get(j, "data"), "id",
	    json_string("REACT00000000000000000000001"));
	json_object_set_new(json_object_get(j, "data"), "fromNumber",
	    json_string("+447700900233"));
	json_object_set_new(json_object_get(j, "data"), "from",
	    json_string("447700900233@c.us"));
	json_object_set_new(json_object_get(json_object_get(json_object_get(j,
	    "data"), "chat"), "contact"), "phone", json_string("+447700900233"));
	json_object_set_new(json_object_get(j, "data"), "reactionMessage",
	    json_string("CCCC0000000000000033"));
	json_object_set_new(json_object_get(j, "data"), "reaction",
	    json_pack("{s:s}", "emoji", "\xf0\x9f\x91\x8d"));
	json_object_del(json_object_get(j, "data"), "body");
	assert_int_equal(post_json(json_incref(j)), 200);
	json_object_set_new(j, "id", json_string("REACT00000000000000000000002"));
	json_object_set_new(json_object_get(j, "data"), "id",
	    json_string("REACT00000000000000000000002"));
	assert_int_equal(post_json(j), 200);
	assert_int_equal(db_int("SELECT count(*) FROM messages WHERE "
	    "contact_id = 33 AND message_type = 2"), 1);
	assert_db_str("\xf0\x9f\x91\x8d", "SELECT body FROM interactions WHERE "
	    "contact_id = 33 AND kind = 'reaction' LIMIT 1");

	/* A reply with \u0000 is answered 200 and kept. */
	assert_int_equal(post("{\"id\":\"NUL0000000000000000000000001\","
	    "\"event\":\"message:in:new\",\"object\":\"message\",\"data\":{"
	    "\"id\":\"NUL0000000000000000000000001\",\"flow\":\"inbound\","
	    "\"fromNumber\":\"+447700900234\",\"from\":\"447700900234@c.us\","
	    "\"body\":\"mer\\u0000ci\",\"chat\":{\"id\":\"447700900234@c.us\","
	    "\"type\":\"chat\"}}}"), 200);
	assert_db_str("merci", "SELECT body FROM interactions WHERE "
	    "contact_id = 34 AND kind = 'reply'");

	/* 3. Mexico: +521 and ten digits reaches the contact at +52. */
	assert_int_equal(post_json(make_reply("MEX0000000000000000000000001",
	    "+5215617354008", "Hola")), 200);
	assert_int_equal(db_int("SELECT count(*) FROM messages WHERE "
	    "contact_id = 31 AND message_type = 2"), 1);
	assert_int_equal(post_json(make_reply("MEX0000000000000000000000002",
	    "+5215617354008", "Stop")), 200);
	assert_int_equal(db_int("SELECT opted_out FROM contacts WHERE id = 31"),
	    1);
	/* Argentina's 9, Brazil without the ninth digit. */
	assert_int_equal(post_json(make_reply("ARG0000000000000000000000001",
	    "+5491123456789", "Gracias")), 200);
	assert_int_equal(db_int("SELECT count(*) FROM interactions WHERE "
	    "contact_id = 35 AND kind = 'reply'"), 1);
	assert_int_equal(post_json(make_reply("BRA0000000000000000000000001",
	    "+551187654321", "Obrigado")), 200);
	assert_int_equal(db_int("SELECT count(*) FROM interactions WHERE "
	    "contact_id = 36 AND kind = 'reply'"), 1);
	/* A number no contact has: skipped, and said, without the number. */
	assert_int_equal(post_json(make_reply("UNK0000000000000000000000001",
	    "+447700900299", "Who?")), 200);
	assert_true(log_lines("from +447*******99: no such contact") >= 1);
	assert_int_equal(log_lines("+447700900299"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_read_before_delivered),
		cmocka_unit_test(test_optout),
		cmocka_unit_test(test_reply_queues_one_m2),
		cmocka_unit_test(test_ack_before_send_reply_and_replay),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_connection_cap),
		cmocka_unit_test(test_trickle),
		cmocka_unit_test(test_inbound_realities),
		cmocka_unit_test(test_replies_inbox),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
