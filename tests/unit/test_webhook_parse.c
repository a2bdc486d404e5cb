/* webhook_parse: the one-pass parser of webhook bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_parse.h"

/* Parse BODY, which must give N events. */
static struct wh_event *
ok(const char *body, size_t n)
{
	struct wh_event	*evs;
	char		 err[256] = "";
	size_t		 got;

	if (webhook_parse(body, strlen(body), &evs, &got, err,
	    sizeof err) == -1)
		fail_msg("%s: %s", body, err);
	assert_int_equal(got, n);
	return evs;
}

/* BODY must be refused with an error containing WANT. */
static void
bad(const char *body, size_t len, const char *want)
{
	struct wh_event	*evs = NULL;
	char		 err[256] = "";
	size_t		 n = 0;

	if (webhook_parse(body, len, &evs, &n, err, sizeof err) == 0)
		fail_msg("accepted: %.*s", (int)len, body);
	assert_null(evs);
	if (strstr(err, want) == NULL)
		fail_msg("%.*s: error \"%s\", want \"%s\"", (int)len, body, err,
		    want);
}

/* EV's journal copy parses back to the very same event (replay). */
static void
reparses(const struct wh_event *ev)
{
	struct wh_event	*a;
	char		 err[256];
	size_t		 n, i;

	if (webhook_parse(ev->raw, strlen(ev->raw), &a, &n, err,
	    sizeof err) == -1)
		fail_msg("%s: %s", ev->raw, err);
	assert_int_equal(n, 1);
	assert_int_equal(a->kind, ev->kind);
	assert_string_equal(a->event, ev->event);
	assert_string_equal(a->object_id, ev->object_id);
	assert_string_equal(a->ack, ev->ack);
	assert_int_equal(a->ack_level, ev->ack_level);
	assert_string_equal(a->msg_id, ev->msg_id);
	assert_string_equal(a->entity_id, ev->entity_id);
	assert_string_equal(a->phone, ev->phone);
	assert_string_equal(a->text, ev->text);
	assert_string_equal(a->emoji, ev->emoji);
	for (i = 0; i < 3; i++)
		assert_string_equal(a->target[i], ev->target[i]);
	assert_string_equal(a->reason, ev->reason);
	assert_string_equal(a->reference, ev->reference);
	assert_string_equal(a->device, ev->device);
	assert_string_equal(a->lid, ev->lid);
	assert_true(a->timestamp == ev->timestamp);
	assert_int_equal(a->inbound, ev->inbound);
	assert_int_equal(a->outbound, ev->outbound);
	assert_int_equal(a->group, ev->group);
	webhook_events_free(a, n);
}

static void
test_ack(void **state)
{
	struct wh_event	*e;

	(void)state;
	e = ok(" {\"id\":\"W1\",\"event\":\"message:out:ack\",\"ack\":\"read\","
	    "\"n\":[1,-2.5e3,0.5,true,false,null,{}],\"data\":{\"id\":\"W1\","
	    "\"flow\":\"outbound\",\"fromNumber\":\"+447700900001\","
	    "\"toNumber\":\"+447700900123\"}} ", 1);
	assert_int_equal(e->kind, WH_ACK);
	assert_string_equal(e->object_id, "W1");
	assert_string_equal(e->msg_id, "W1");
	assert_string_equal(e->ack, "read");
	assert_int_equal(e->ack_level, WH_ACK_READ);
	assert_string_equal(e->phone, "+447700900123");
	assert_false(e->inbound);
	assert_true(e->outbound);
	assert_false(e->group);
	/*
	 * An ack is journaled as the keys read, which read back the same;
	 * fromNumber is ours, never read for an ack.
	 */
	assert_string_equal(e->raw, "{\"event\":\"message:out:ack\",\"id\":"
	    "\"W1\",\"ack\":\"read\",\"data\":{\"id\":\"W1\",\"toNumber\":"
	    "\"+447700900123\",\"flow\":\"outbound\"}}");
	reparses(e);
	assert_string_equal(e->text, "");
	assert_string_equal(e->target[2], "");
	webhook_events_free(e, 1);
}

/* Escapes are decoded, in keys too; a repeated key wins, as in jansson. */
static void
test_escapes_and_duplicates(void **state)
{
	struct wh_event	*e;

	(void)state;
	e = ok("{\"ev\\u0065nt\":\"message:reaction\",\"data\":{\"body\":\"x\","
	    "\"reactionMessage\":{\"id\":\"OLD\"},\"meta\":{\"isGroup\":true}},"
	    "\"data\":{\"reaction\":\"\\ud83d\\ude00\",\"body\":\"caf\\u00e9 "
	    "\\\"q\\\" \\\\ \\/ \\n\",\"reactionMessage\":{\"wid\":\"W\"},"
	    "\"quoted\":{\"id\":\"Q\",\"reference\":\"R\"},"
	    "\"chat\":{\"contact\":{\"phone\":\"+447700900124\"}}}}", 1);
	assert_int_equal(e->kind, WH_REACTION);
	assert_string_equal(e->emoji, "\xf0\x9f\x98\x80");
	assert_string_equal(e->text, "caf\xc3\xa9 \"q\" \\ / \n");
	assert_string_equal(e->target[0], "W");
	assert_string_equal(e->target[1], "Q");
	assert_string_equal(e->target[2], "R");
	assert_string_equal(e->phone, "+447700900124");
	/* The first data's meta.isGroup went with it. */
	assert_false(e->group);
	assert_true(e->inbound);
	/* No id at all: a stable key from the body. */
	assert_true(strncmp(e->object_id, "h:", 2) == 0);
	webhook_events_free(e, 1);
}

/* Array events: each journaled as its own bytes; legacy ids. */
static void
test_array(void **state)
{
	struct wh_event	*e, *again;
	char		 err[256];
	size_t		 n;

	(void)state;
	e = ok("[ {\"event\":\"message:out:failed\", \"entity\":\"message\","
	    "\"entityId\":\"5f0c1b2a3d4e5f6a7b8c9d0e\",\"data\":{\"phone\":"
	    "\"+447700900123\",\"failureReason\":\"nope\"}} ,\n"
	    "{\"event\":\"x\",\"data\":{\"from\":\"12345@g.us\"}}]", 2);
	assert_int_equal(e[0].kind, WH_FAILED);
	assert_string_equal(e[0].object_id, "5f0c1b2a3d4e5f6a7b8c9d0e");
	assert_string_equal(e[0].entity_id, "5f0c1b2a3d4e5f6a7b8c9d0e");
	assert_string_equal(e[0].reason, "nope");
	assert_string_equal(e[0].phone, "+447700900123");
	assert_string_equal(e[0].raw, "{\"event\":\"message:out:failed\", "
	    "\"entity\":\"message\",\"entityId\":\"5f0c1b2a3d4e5f6a7b8c9d0e\","
	    "\"data\":{\"phone\":\"+447700900123\",\"failureReason\":"
	    "\"nope\"}}");
	assert_int_equal(e[1].kind, WH_OTHER);
	assert_true(e[1].group);
	/* The journal's copy parses back to the same event (replay). */
	assert_int_equal(webhook_parse(e[1].raw, strlen(e[1].raw), &again, &n,
	    err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(again[0].object_id, e[1].object_id);
	webhook_events_free(again, n);
	webhook_events_free(e, 2);
	webhook_events_free(ok("[]", 0), 0);
}

/*
 * Acks keep their escapes, group and legacy keys through the compact form,
 * and a key given twice its last value; other events keep their bytes.
 */
static void
test_compact(void **state)
{
	struct wh_event	*e;
	const char	*odd = "{\"event\":\"message:out:ack\",\"id\":\"W3\","
	    "\"data\":{\"toNumber\":\"+447700900123\"},\"data\":7}";
	const char	*reply = "{\"event\":\"message:in:new\",\"id\":\"R1\","
	    "\"data\":{\"id\":\"R1\",\"body\":\"Oui\",\"media\":{\"x\":1}}}";

	(void)state;
	e = ok("{\"event\":\"message:out:ack\",\"entity\":null,\"entityId\":"
	    "\"5f0c1b2a3d4e5f6a7b8c9d0e\",\"ack\":\"del\\u0069vered\","
	    "\"data\":{\"id\":\"W\\\"2\",\"from\":\"1203@g.us\",\"meta\":"
	    "{\"isGroup\":true},\"fromMe\":true,\"quoted\":[1],\"chat\":"
	    "{\"type\":\"chat\",\"contact\":{\"phone\":\"+33 6 12 34 56 78\"}},"
	    "\"media\":{\"caption\":\"x\"}}}", 1);
	assert_int_equal(e->ack_level, WH_ACK_DELIVERED);
	assert_string_equal(e->msg_id, "W\"2");
	assert_true(e->group);
	assert_false(e->inbound);
	assert_string_equal(e->phone, "+33612345678");
	assert_null(strstr(e->raw, "media"));
	assert_non_null(strstr(e->raw, "\"entity\":null"));
	reparses(e);
	webhook_events_free(e, 1);
	e = ok(odd, 1);
	assert_string_equal(e->phone, "");
	assert_string_equal(e->raw, "{\"event\":\"message:out:ack\",\"id\":"
	    "\"W3\",\"data\":7}");
	reparses(e);
	webhook_events_free(e, 1);
	e = ok(reply, 1);
	assert_string_equal(e->raw, reply);
	reparses(e);
	webhook_events_free(e, 1);
}

static void
test_bad(void **state)
{
	char	 deep[2000], many[4000];
	size_t	 i, len;

	(void)state;
	bad("", 0, "invalid JSON");
	bad("{not json", 9, "line 1 column 2");
	bad("{\"event\":\"a\",}", 14, "invalid JSON");
	bad("{\"event\":\"a\"} x", 15, "end of input expected");
	bad("{\"event\":\"a\"\n,\"x\":01}", 21, "line 2");
	bad("{\"event\":\"a\",\"x\":1.}", 20, "invalid number");
	bad("{\"event\":\"a\",\"x\":tru}", 20, "invalid token");
	bad("{\"event\":\"a\",\"x\":\"\x01\"}", 20, "control character");
	bad("{\"event\":\"a\",\"x\":\"\\q\"}", 21, "invalid escape");
	bad("{\"event\":\"a\",\"x\":\"\\u00g0\"}", 25, "invalid \\u escape");
	bad("{\"event\":\"a\",\"x\":\"\\u00\"}", 23, "invalid \\u escape");
	/* Not UTF-8 outside a string is still not JSON. */
	bad("{\"event\":\"a\",\"x\":\xc3\xa9}", 20, "invalid number");
	/* A key that only decodes to "event" by losing a NUL is not it. */
	bad("{\"ev\\u0000ent\":\"a\"}", 19, "no \"event\" string");
	bad("{\"event\":\"a\",\"x\":1e400}", 22, "real number overflow");
	bad("{\"event\":\"a\",\"x\":99999999999999999999}", 37,
	    "too big integer");
	bad("{\"event\":\"a\"\0}", 14, "NUL byte at offset 12");
	bad("\"str\"", 5, "neither an object nor an array");
	bad("[1, 2]", 6, "event 0 is not an object");
	bad("{\"no\":\"event\"}", 14, "no \"event\" string");
	bad("{\"event\":7}", 11, "no \"event\" string");
	bad("[{\"event\":\"a\"},{\"event\":\"\"}]", 28, "event 1: no \"event\"");
	for (i = 0; i < sizeof deep / 2; i++) {
		deep[i] = '[';
		deep[sizeof deep - 1 - i] = ']';
	}
	bad(deep, sizeof deep, "nested too deeply");
	len = 0;
	many[len++] = '[';
	for (i = 0; i < 101; i++)
		len += (size_t)snprintf(many + len, sizeof many - len,
		    "%s{\"event\":\"e\"}", i ? "," : "");
	many[len++] = ']';
	bad(many, len, "101 events in one body");
}

/* The fixture NAME of tests/fixtures/wassenger, parsed into N events. */
static struct wh_event *
fixture(const char *name, size_t n)
{
	struct wh_event	*evs;
	const char	*dir;
	char		 path[1024], *body, err[256] = "";
	size_t		 len, got;
	FILE		*f;
	long		 size = 0;

	if ((dir = getenv("WACAMP_FIXTURES")) == NULL)
		dir = "tests/fixtures";
	snprintf(path, sizeof path, "%s/wassenger/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("%s: cannot open", path);
	if (fseek(f, 0, SEEK_END) == -1 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		fail_msg("%s: cannot seek", path);
	body = malloc((size_t)size + 1);
	assert_non_null(body);
	len = fread(body, 1, (size_t)size, f);
	fclose(f);
	body[len] = '\0';
	if (webhook_parse(body, len, &evs, &got, err, sizeof err) == -1)
		fail_msg("%s: %s", path, err);
	free(body);
	assert_int_equal(got, n);
	return evs;
}

/* The fixtures, every field; the ack's compact copy keeps what is read. */
static void
test_fixtures(void **state)
{
	struct wh_event	*e;
	const char	*acks[] = { "webhook-message-out-ack-delivered.json",
	    "webhook-message-out-ack-read.json" };
	size_t		 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		e = fixture(acks[i], 1);
		assert_int_equal(e->kind, WH_ACK);
		assert_string_equal(e->object_id, "3EB0A7C91F5D2E84B6C1");
		assert_string_equal(e->msg_id, "3EB0A7C91F5D2E84B6C1");
		assert_int_equal(e->ack_level, i == 0 ? WH_ACK_DELIVERED :
		    WH_ACK_READ);
		/* toNumber, not fromNumber (ours, +447700900001). */
		assert_string_equal(e->phone, "+447700900123");
		assert_string_equal(e->reference, "appt-2025-000123");
		assert_string_equal(e->device, "6643f2a1b7c9d40012e5a1f0");
		assert_true(e->timestamp == 1747042204);
		assert_string_equal(e->lid, "");
		assert_true(strncmp(e->text, "Hi Sam, your appointment", 24) ==
		    0);
		assert_true(e->outbound);
		assert_false(e->inbound);
		assert_false(e->group);
		/* Compact, yet with all reconciliation reads. */
		assert_null(strstr(e->raw, "\"meta\""));
		assert_null(strstr(e->raw, "\"events\""));
		assert_null(strstr(e->raw, "alias"));
		/* Read, but without effect on this ack. */
		assert_null(strstr(e->raw, "fromNumber"));
		assert_null(strstr(e->raw, "\"from\""));
		assert_null(strstr(e->raw, "\"date\""));
		assert_null(strstr(e->raw, "\"created\""));
		assert_non_null(strstr(e->raw, "\"device\":{\"id\":"
		    "\"6643f2a1b7c9d40012e5a1f0\"}"));
		assert_non_null(strstr(e->raw, "\"timestamp\":1747042204"));
		assert_non_null(strstr(e->raw, "\"toNumber\":"));
		assert_non_null(strstr(e->raw, "\"to\":\"447700900123@c.us\""));
		assert_non_null(strstr(e->raw, "\"reference\":"));
		assert_non_null(strstr(e->raw, "\"body\":"));
		assert_non_null(strstr(e->raw, "\"chat\":{\"id\":"
		    "\"447700900123@c.us\",\"type\":\"chat\",\"contact\":"
		    "{\"phone\":\"+447700900123\"}}"));
		assert_true(strlen(e->raw) < 512);
		reparses(e);
		webhook_events_free(e, 1);
	}

	e = fixture("webhook-message-in-new-reply.json", 1);
	assert_int_equal(e->kind, WH_IN_NEW);
	assert_string_equal(e->phone, "+447700900123");
	assert_string_equal(e->text, "YES");
	assert_string_equal(e->target[0], "3EB0A7C91F5D2E84B6C1");
	assert_string_equal(e->target[1], "appt-2025-000123");
	assert_string_equal(e->target[2], "");
	/* The quoted message's reference is a target, not ours. */
	assert_string_equal(e->reference, "");
	assert_string_equal(e->device, "6643f2a1b7c9d40012e5a1f0");
	assert_true(e->timestamp == 1747042565);
	assert_true(e->inbound);
	assert_false(e->outbound);
	assert_false(e->group);
	reparses(e);
	webhook_events_free(e, 1);

	e = fixture("webhook-message-out-failed.json", 1);
	assert_int_equal(e->kind, WH_FAILED);
	assert_string_equal(e->object_id, "6650ab10e1f4b20018d7c3f7");
	assert_string_equal(e->msg_id, "6650ab10e1f4b20018d7c3f7");
	assert_string_equal(e->phone, "+447700900999");
	assert_string_equal(e->reference, "appt-2025-000124");
	assert_string_equal(e->device, "6643f2a1b7c9d40012e5a1f0");
	assert_true(strncmp(e->text, "Hi Alex, your appointment", 25) == 0);
	assert_string_equal(e->reason,
	    "Phone number is not registered on WhatsApp");
	/* data.createdAt, 2025-05-12T09:40:12.204Z. */
	assert_true(e->timestamp == 1747042812);
	assert_true(e->outbound);
	assert_false(e->inbound);
	assert_false(e->group);
	reparses(e);
	webhook_events_free(e, 1);

	e = fixture("webhook-message-reaction.json", 1);
	assert_int_equal(e->kind, WH_REACTION);
	assert_string_equal(e->emoji, "\xf0\x9f\x91\x8d");
	assert_string_equal(e->phone, "+447700900123");
	assert_string_equal(e->target[0], "3EB0A7C91F5D2E84B6C1");
	assert_true(e->timestamp == 1747042640);
	assert_true(e->inbound);
	assert_false(e->outbound);
	reparses(e);
	webhook_events_free(e, 1);
}

/* One Platform ack around DATA (a JSON object's members). */
#define ACK(data)	"{\"id\":\"W9\",\"event\":\"message:out:ack\"," \
	"\"ack\":\"delivered\",\"data\":{\"id\":\"W9\",\"flow\":\"outbound\"," \
	data "}}"

/* Outbound contacts: toNumber, chat.contact.phone, to "@c.us"; never ours. */
static void
test_outbound_phone(void **state)
{
	struct wh_event	*e;

	(void)state;
	/* No reference: the recipient is all reconciliation has. */
	e = ok(ACK("\"fromNumber\":\"+447700900001\",\"from\":"
	    "\"447700900001@c.us\",\"toNumber\":\"+447700900123\",\"to\":"
	    "\"447700900124@c.us\",\"chat\":{\"contact\":{\"phone\":"
	    "\"+447700900125\"}},\"body\":\"Hi\""), 1);
	assert_string_equal(e->phone, "+447700900123");
	assert_string_equal(e->reference, "");
	assert_string_equal(e->text, "Hi");
	reparses(e);
	webhook_events_free(e, 1);

	e = ok(ACK("\"fromNumber\":\"+447700900001\",\"chat\":{\"contact\":"
	    "{\"phone\":\"+447700900125\"}}"), 1);
	assert_string_equal(e->phone, "+447700900125");
	reparses(e);
	webhook_events_free(e, 1);

	/* Only data.to. */
	e = ok(ACK("\"fromNumber\":\"+447700900001\",\"from\":"
	    "\"447700900001@c.us\",\"to\":\"447700900124@c.us\""), 1);
	assert_string_equal(e->phone, "+447700900124");
	reparses(e);
	webhook_events_free(e, 1);

	/* Only our own number: no contact. */
	e = ok(ACK("\"fromNumber\":\"+447700900001\",\"from\":"
	    "\"447700900001@c.us\",\"to\":\"1203630@g.us\""), 1);
	assert_string_equal(e->phone, "");
	assert_true(e->group);
	reparses(e);
	webhook_events_free(e, 1);

	/* The kind makes it outbound, whatever the flow says. */
	e = ok("{\"event\":\"message:out:ack\",\"id\":\"W8\",\"ack\":\"read\","
	    "\"data\":{\"fromNumber\":\"+447700900001\"}}", 1);
	assert_string_equal(e->phone, "");
	assert_true(e->outbound);
	assert_false(e->inbound);
	webhook_events_free(e, 1);

	/* message:out:new, an outbound event of the Platform. */
	e = ok("{\"id\":\"W7\",\"object\":\"message\",\"event\":"
	    "\"message:out:new\",\"created\":1747042204,\"device\":{\"id\":"
	    "\"6643f2a1b7c9d40012e5a1f0\",\"phone\":\"+447700900001\"},"
	    "\"data\":{\"id\":\"W7\",\"flow\":\"outbound\",\"fromNumber\":"
	    "\"+447700900001\",\"toNumber\":\"+33612345678\",\"body\":"
	    "\"Bonjour\",\"reference\":\"wacamp-ab12-7-r1\"}}", 1);
	assert_int_equal(e->kind, WH_OUT_NEW);
	assert_string_equal(e->phone, "+33612345678");
	assert_string_equal(e->text, "Bonjour");
	assert_string_equal(e->reference, "wacamp-ab12-7-r1");
	assert_string_equal(e->device, "6643f2a1b7c9d40012e5a1f0");
	assert_true(e->timestamp == 1747042204);
	assert_true(e->outbound);
	assert_false(e->inbound);
	reparses(e);
	webhook_events_free(e, 1);

	/* An outbound reaction (ours) names the contact in to. */
	e = ok("{\"event\":\"message:reaction\",\"id\":\"X\",\"data\":{"
	    "\"flow\":\"outbound\",\"fromNumber\":\"+447700900001\","
	    "\"toNumber\":\"+447700900123\",\"reaction\":\"x\"}}", 1);
	assert_string_equal(e->phone, "+447700900123");
	assert_true(e->outbound);
	assert_false(e->inbound);
	webhook_events_free(e, 1);

	/* Inbound: fromNumber, else chat.contact.phone, else from "@c.us". */
	e = ok("{\"event\":\"message:in:new\",\"id\":\"I\",\"data\":{"
	    "\"flow\":\"inbound\",\"fromNumber\":\"+447700900123\","
	    "\"toNumber\":\"+447700900001\",\"body\":\"hi\"}}", 1);
	assert_string_equal(e->phone, "+447700900123");
	webhook_events_free(e, 1);
	e = ok("{\"event\":\"message:in:new\",\"id\":\"I\",\"data\":{"
	    "\"toNumber\":\"+447700900001\",\"from\":\"447700900123@c.us\","
	    "\"body\":\"hi\"}}", 1);
	assert_string_equal(e->phone, "+447700900123");
	assert_true(e->inbound);
	webhook_events_free(e, 1);
}

/* @lid chats: one-to-one, never a number made from the id. */
static void
test_lid(void **state)
{
	struct wh_event	*e;

	(void)state;
	e = ok(ACK("\"fromNumber\":\"+447700900001\",\"toNumber\":"
	    "\"+447700900123\",\"to\":\"208123456789012@lid\",\"chat\":{"
	    "\"id\":\"208123456789012@lid\",\"type\":\"chat\"}"), 1);
	assert_string_equal(e->phone, "+447700900123");
	assert_string_equal(e->lid, "208123456789012@lid");
	assert_false(e->group);
	reparses(e);
	webhook_events_free(e, 1);

	/* No phone field: no phone, never the lid's digits. */
	e = ok(ACK("\"fromNumber\":\"+447700900001\",\"to\":"
	    "\"208123456789012@lid\",\"chat\":{\"id\":\"208123456789012@lid\"}"),
	    1);
	assert_string_equal(e->phone, "");
	assert_string_equal(e->lid, "208123456789012@lid");
	assert_false(e->group);
	reparses(e);
	webhook_events_free(e, 1);

	/* A toNumber that is the lid's digits was made from it. */
	e = ok(ACK("\"toNumber\":\"+208123456789012\",\"to\":"
	    "\"208123456789012@lid\",\"chat\":{\"contact\":{\"phone\":"
	    "\"+447700900123\"}}"), 1);
	assert_string_equal(e->phone, "+447700900123");
	assert_string_equal(e->lid, "208123456789012@lid");
	webhook_events_free(e, 1);

	/* An inbound reply from an @lid chat is a contact's, not a group's. */
	e = ok("{\"event\":\"message:in:new\",\"id\":\"L1\",\"data\":{\"id\":"
	    "\"L1\",\"flow\":\"inbound\",\"from\":\"208123456789012@lid\","
	    "\"fromNumber\":\"+447700900123\",\"body\":\"STOP\",\"chat\":{"
	    "\"id\":\"208123456789012@lid\",\"type\":\"chat\"}}}", 1);
	assert_string_equal(e->phone, "+447700900123");
	assert_string_equal(e->lid, "208123456789012@lid");
	assert_false(e->group);
	assert_true(e->inbound);
	webhook_events_free(e, 1);
	e = ok("{\"event\":\"message:in:new\",\"id\":\"L2\",\"data\":{"
	    "\"from\":\"208123456789012@lid\",\"body\":\"STOP\"}}", 1);
	assert_string_equal(e->phone, "");
	assert_string_equal(e->lid, "208123456789012@lid");
	assert_false(e->group);
	webhook_events_free(e, 1);

	/* A contact's lid seen beside a @c.us chat. */
	e = ok("{\"event\":\"message:in:new\",\"id\":\"L3\",\"data\":{"
	    "\"fromNumber\":\"+447700900123\",\"chat\":{\"id\":"
	    "\"447700900123@c.us\",\"contact\":{\"lid\":"
	    "\"208123456789012@lid\"}}}}", 1);
	assert_string_equal(e->phone, "+447700900123");
	assert_string_equal(e->lid, "208123456789012@lid");
	webhook_events_free(e, 1);
	e = ok("{\"event\":\"message:in:new\",\"id\":\"L4\",\"data\":{"
	    "\"from\":\"447700900123@c.us\",\"chat\":{\"lid\":\"x@c.us\"}}}", 1);
	assert_string_equal(e->lid, "");
	webhook_events_free(e, 1);
}

/* What makes a group, and what does not. */
static void
test_group(void **state)
{
	static const struct {
		const char	*data;
		int		 group;
	} t[] = {
		{ "\"chat\":{\"type\":\"group\"}", 1 },
		{ "\"chat\":{\"type\":\"channel\"}", 1 },
		{ "\"chat\":{\"type\":\"broadcast\"}", 1 },
		{ "\"chat\":{\"type\":\"chat\"}", 0 },
		{ "\"chat\":{\"type\":\"lid\"}", 0 },
		{ "\"meta\":{\"isGroup\":true}", 1 },
		{ "\"meta\":{\"isGroup\":false}", 0 },
		{ "\"from\":\"120363@g.us\"", 1 },
		{ "\"chat\":{\"id\":\"120363@g.us\"}", 1 },
		{ "\"from\":\"120363@newsletter\"", 1 },
		{ "\"from\":\"status@broadcast\"", 1 },
		{ "\"to\":\"120363@g.us\"", 1 },
		{ "\"from\":\"208123456789012@lid\"", 0 },
		{ "\"chat\":{\"id\":\"208123456789012@lid\"}", 0 },
		{ "\"from\":\"447700900123@c.us\"", 0 },
	};
	struct wh_event	*e;
	char		 body[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(body, sizeof body, "{\"event\":\"message:in:new\","
		    "\"data\":{%s}}", t[i].data);
		e = ok(body, 1);
		if (e->group != t[i].group)
			fail_msg("%s: group %d", body, e->group);
		webhook_events_free(e, 1);
	}
}

/* Legacy arrays: data.phone, data.message, data.reference, device. */
static void
test_legacy(void **state)
{
	struct wh_event	*e;

	(void)state;
	e = ok("[{\"event\":\"message:out:failed\",\"date\":"
	    "\"2025-05-12T09:45:00.512Z\",\"entity\":\"message\",\"entityId\":"
	    "\"6650ab10e1f4b20018d7c3f7\",\"data\":{\"id\":"
	    "\"6650ab10e1f4b20018d7c3f7\",\"phone\":\"+447700900999\","
	    "\"message\":\"Hi Alex\",\"reference\":\"wacamp-n-2-r1\","
	    "\"device\":{\"id\":\"6643f2a1b7c9d40012e5a1f0\",\"phone\":"
	    "\"+447700900001\"}}},"
	    "{\"event\":\"message:out:sent\",\"entity\":\"message\","
	    "\"entityId\":\"6650ab10e1f4b20018d7c3f8\",\"data\":{\"phone\":"
	    "\"+447700900998\",\"message\":\"Hi Bo\",\"device\":"
	    "\"6643f2a1b7c9d40012e5a1f1\",\"createdAt\":"
	    "\"2024-01-02T03:04:05.678Z\"}},"
	    "{\"event\":\"message:out:failed\",\"entityId\":\"E3\","
	    "\"data\":{\"device\":7,\"fromNumber\":\"+447700900001\"}}]", 3);
	assert_int_equal(e[0].kind, WH_FAILED);
	assert_string_equal(e[0].phone, "+447700900999");
	assert_string_equal(e[0].text, "Hi Alex");
	assert_string_equal(e[0].reference, "wacamp-n-2-r1");
	assert_string_equal(e[0].device, "6643f2a1b7c9d40012e5a1f0");
	/* No createdAt: the item's date. */
	assert_true(e[0].timestamp == 1747043100);
	assert_true(e[0].outbound);
	reparses(&e[0]);
	assert_int_equal(e[1].kind, WH_OUT_SENT);
	assert_string_equal(e[1].phone, "+447700900998");
	assert_string_equal(e[1].text, "Hi Bo");
	assert_string_equal(e[1].reference, "");
	assert_string_equal(e[1].device, "6643f2a1b7c9d40012e5a1f1");
	assert_true(e[1].timestamp == 1704164645);
	assert_true(e[1].outbound);
	reparses(&e[1]);
	assert_string_equal(e[2].phone, "");
	assert_string_equal(e[2].device, "");
	assert_true(e[2].timestamp == 0);
	webhook_events_free(e, 3);
}

/* The message's time, from each form it comes in. */
static void
test_timestamp(void **state)
{
	static const struct {
		const char	*top;
		const char	*data;
		int64_t		 want;
	} t[] = {
		{ "", "\"timestamp\":1747042204", 1747042204 },
		{ "", "\"timestamp\":\"1747042204\"", 1747042204 },
		{ "", "\"timestamp\":1747042204.9", 1747042204 },
		{ "", "\"timestamp\":1.747042204e9", 1747042204 },
		{ "", "\"timestamp\":1747042204123", 1747042204 },
		{ "", "\"timestamp\":\"2024-01-02T03:04:05.678Z\"", 1704164645 },
		{ ",\"created\":1747042270", "\"timestamp\":1747042204",
		    1747042204 },
		{ ",\"created\":1747042270", "\"date\":\"2024-01-02T03:04:05Z\"",
		    1747042270 },
		{ ",\"created\":\"1747042270\"", "", 1747042270 },
		{ ",\"created\":1747042270", "\"timestamp\":0", 1747042270 },
		{ ",\"created\":1747042270", "\"timestamp\":-5", 1747042270 },
		{ ",\"created\":1747042270", "\"timestamp\":\"soon\"",
		    1747042270 },
		{ ",\"created\":1747042270", "\"timestamp\":null", 1747042270 },
		{ "", "\"date\":\"2024-01-02T03:04:05.678Z\"", 1704164645 },
		{ "", "\"date\":\"2024-01-02T03:04:05Z\"", 1704164645 },
		{ "", "\"date\":\"2024-01-02T03:04:05\"", 1704164645 },
		{ "", "\"date\":\"2024-01-02T05:04:05+02:00\"", 1704164645 },
		{ "", "\"date\":\"2024-01-01T22:04:05.1-0500\"", 1704164645 },
		{ "", "\"date\":\"2024-02-29T12:00:00.000Z\"", 1709208000 },
		{ "", "\"date\":\"2023-02-29T12:00:00.000Z\"", 0 },
		{ "", "\"date\":\"2024-13-02T03:04:05Z\"", 0 },
		{ "", "\"date\":\"2024-01-02T24:04:05Z\"", 0 },
		{ "", "\"date\":\"2024-01-02T03:04:05Zjunk\"", 0 },
		{ "", "\"date\":\"02/01/2024\"", 0 },
		{ "", "\"date\":\"\"", 0 },
		{ "", "\"createdAt\":\"2024-01-02T03:04:05.678Z\"", 1704164645 },
		{ ",\"date\":\"2024-01-02T03:04:05.678Z\"", "", 1704164645 },
		{ ",\"date\":\"2025-05-12T09:45:00.512Z\"",
		    "\"createdAt\":\"2024-01-02T03:04:05.678Z\"", 1704164645 },
		{ "", "\"timestamp\":99999999999999999", 0 },
		{ "", "", 0 },
	};
	struct wh_event	*e;
	char		 body[512];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(body, sizeof body, "{\"event\":\"message:out:ack\","
		    "\"id\":\"T\",\"ack\":\"read\"%s,\"data\":{%s}}", t[i].top,
		    t[i].data);
		e = ok(body, 1);
		if (e->timestamp != t[i].want)
			fail_msg("%s: %lld, want %lld", body,
			    (long long)e->timestamp, (long long)t[i].want);
		/* The compact copy keeps the time as it came. */
		reparses(e);
		webhook_events_free(e, 1);
	}
}

/* \u0000 and what is not UTF-8: mended, never refused. */
static void
test_sanitise(void **state)
{
	struct wh_event	*e, *a;
	char		 err[256];
	size_t		 n;
	const char	 raw[] = "{\"event\":\"message:in:new\",\"id\":\"B1\","
	    "\"data\":{\"fromNumber\":\"+447700900123\",\"body\":"
	    "\"ST\xc3OP \xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80 \xc3\xa9\"}}";

	(void)state;
	e = ok("{\"event\":\"message:in:new\",\"id\":\"N1\",\"data\":{"
	    "\"flow\":\"inbound\",\"fromNumber\":\"+447700900123\",\"body\":"
	    "\"\\u0000STOP\\u0000\"}}", 1);
	assert_int_equal(e->kind, WH_IN_NEW);
	assert_string_equal(e->text, "STOP");
	assert_string_equal(e->phone, "+447700900123");
	reparses(e);
	webhook_events_free(e, 1);

	/* Lone surrogates, each way round, become U+FFFD. */
	e = ok("{\"event\":\"message:in:new\",\"id\":\"N2\",\"data\":{"
	    "\"body\":\"a\\ud800b\\udc00c\\ud800\\u0041\\ud83d\\ude00\"}}", 1);
	assert_string_equal(e->text, "a\xef\xbf\xbd" "b\xef\xbf\xbd"
	    "c\xef\xbf\xbd" "A\xf0\x9f\x98\x80");
	reparses(e);
	webhook_events_free(e, 1);
	e = ok("{\"event\":\"message:in:new\",\"id\":\"N3\",\"data\":{"
	    "\"body\":\"\\ud800\"}}", 1);
	assert_string_equal(e->text, "\xef\xbf\xbd");
	webhook_events_free(e, 1);

	/* Bytes that are not UTF-8: each becomes U+FFFD, journal too. */
	e = ok(raw, 1);
	assert_string_equal(e->text, "ST\xef\xbf\xbdOP "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xc3\xa9");
	assert_string_equal(e->phone, "+447700900123");
	assert_null(strstr(e->raw, "\xc3O"));
	reparses(e);
	/* The journal's copy is mended, and mended again is the same. */
	assert_int_equal(webhook_parse(e->raw, strlen(e->raw), &a, &n, err,
	    sizeof err), 0);
	assert_string_equal(a->raw, e->raw);
	webhook_events_free(a, n);
	webhook_events_free(e, 1);

	/* In an array, each item's copy is mended; an ack's compact too. */
	e = ok("[{\"event\":\"message:out:failed\",\"entityId\":\"F\",\"data\":"
	    "{\"message\":\"\xff\"}},{\"event\":\"message:out:ack\",\"id\":"
	    "\"W\",\"data\":{\"body\":\"\xfe\\u0000\"}}]", 2);
	assert_string_equal(e[0].text, "\xef\xbf\xbd");
	assert_string_equal(e[1].text, "\xef\xbf\xbd");
	assert_null(strchr(e[0].raw, '\xff'));
	assert_null(strchr(e[1].raw, '\xfe'));
	reparses(&e[0]);
	reparses(&e[1]);
	webhook_events_free(e, 2);
}

/* A reaction's emoji: a string, or an object holding it. */
static void
test_reaction(void **state)
{
	static const struct {
		const char	*data;
		const char	*want;
	} t[] = {
		{ "\"reaction\":\"\xf0\x9f\x91\x8d\"", "\xf0\x9f\x91\x8d" },
		{ "\"reaction\":{\"emoji\":\"\xf0\x9f\x91\x8d\"}",
		    "\xf0\x9f\x91\x8d" },
		{ "\"reaction\":{\"text\":\"\\u2764\"}", "\xe2\x9d\xa4" },
		{ "\"reaction\":{\"value\":\"x\",\"n\":1}", "x" },
		{ "\"reaction\":{\"emoji\":\"a\",\"text\":\"b\",\"value\":\"c\"}",
		    "a" },
		{ "\"reaction\":{\"emoji\":\"\"},\"body\":\"y\"", "" },
		{ "\"reaction\":\"-\"", "-" },
		{ "\"reaction\":{\"emoji\":7},\"body\":\"y\"", "y" },
		{ "\"body\":\"y\"", "y" },
		{ "", "" },
	};
	struct wh_event	*e;
	char		 body[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(body, sizeof body, "{\"event\":\"message:reaction\","
		    "\"id\":\"R\",\"data\":{\"fromNumber\":\"+447700900123\","
		    "\"reactionMessage\":\"3EB0\"%s%s}}", *t[i].data ? "," : "",
		    t[i].data);
		e = ok(body, 1);
		if (strcmp(e->emoji, t[i].want) != 0)
			fail_msg("%s: emoji \"%s\"", body, e->emoji);
		assert_string_equal(e->target[0], "3EB0");
		assert_true(e->inbound);
		reparses(e);
		webhook_events_free(e, 1);
	}
	/* Only a reaction event reads its emoji from the body. */
	e = ok("{\"event\":\"message:in:new\",\"data\":{\"body\":\"y\"}}", 1);
	assert_string_equal(e->emoji, "");
	webhook_events_free(e, 1);
}

/* Device: the top-level device.id first, data.device (string or object). */
static void
test_device(void **state)
{
	static const struct {
		const char	*top;
		const char	*data;
		const char	*want;
	} t[] = {
		{ ",\"device\":{\"id\":\"D1\"}", "\"device\":\"D2\"", "D1" },
		{ ",\"device\":\"D1\"", "", "D1" },
		{ ",\"device\":{\"phone\":\"+1\"}", "\"device\":\"D2\"", "D2" },
		{ "", "\"device\":{\"id\":\"D3\",\"alias\":\"x\"}", "D3" },
		{ "", "\"device\":{\"id\":7}", "" },
		{ "", "", "" },
	};
	struct wh_event	*e;
	char		 body[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(body, sizeof body, "{\"event\":\"message:out:ack\","
		    "\"id\":\"T\"%s,\"data\":{%s}}", t[i].top, t[i].data);
		e = ok(body, 1);
		if (strcmp(e->device, t[i].want) != 0)
			fail_msg("%s: device \"%s\"", body, e->device);
		assert_null(strstr(e->raw, "alias"));
		reparses(e);
		webhook_events_free(e, 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_escapes_and_duplicates),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_outbound_phone),
		cmocka_unit_test(test_lid),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_sanitise),
		cmocka_unit_test(test_reaction),
		cmocka_unit_test(test_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
