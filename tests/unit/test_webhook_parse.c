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
	/* An ack is journaled as the keys read, which read back the same. */
	assert_string_equal(e->raw, "{\"event\":\"message:out:ack\",\"id\":"
	    "\"W1\",\"ack\":\"read\",\"data\":{\"id\":\"W1\",\"fromNumber\":"
	    "\"+447700900001\",\"toNumber\":\"+447700900123\",\"flow\":"
	    "\"outbound\"}}");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_escapes_and_duplicates),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
