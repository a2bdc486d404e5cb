/*
 * Unknown messages and `wacamp campaigns settle` (DESIGN §6, §10): three
 * sends end unknown against the fake (a 500 after the request went out);
 * the operator records one as sent and the rest as failed, and nothing is
 * ever posted again. The CLI side of campaigns.settle, end to end.
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

#define NUNKNOWN	3

static struct harness	 H;
static int		 fd = -1;
static json_int_t	 camp;		/* the campaign with unknown messages */
static json_int_t	 first;		/* the unknown message settled as sent */
static time_t		 t_launch;

static json_t *
get_campaign(void)
{
	return kit_call_ok(fd, "campaigns.get", json_pack("{s:I}", "id", camp));
}

static json_int_t
geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* POSTs to /v1/messages the fake has seen. */
static size_t
posts(void)
{
	json_t	*arr = kit_fake_requests(&H, "/v1/messages");
	size_t	 n = json_array_size(arr);

	json_decref(arr);
	return n;
}

/* The CLI with ARGS: exit code, stdout in *OUT and stderr in *ERR. */
static int
cli(const char *args, char **out, char **err)
{
	char	 a[1024], path[300];
	FILE	*fp;
	long	 sz;
	int	 rc;

	snprintf(path, sizeof path, "%s/cli.err", H.dir);
	snprintf(a, sizeof a, "%s 2>'%s'", args, path);
	rc = harness_cli(&H, a, NULL, out);
	*err = NULL;
	if ((fp = fopen(path, "r")) != NULL) {
		fseek(fp, 0, SEEK_END);
		sz = ftell(fp);
		rewind(fp);
		*err = calloc(1, (size_t)sz + 1);
		if (*err != NULL && fread(*err, 1, (size_t)sz, fp) != (size_t)sz)
			(*err)[0] = '\0';
		fclose(fp);
	}
	assert_non_null(*out);
	assert_non_null(*err);
	return rc;
}

/* Expect exit RC, and NEEDLE (unless NULL) on stdout. */
static void
expect(const char *args, int rc, const char *needle)
{
	char	*out, *err;
	int	 got = cli(args, &out, &err);

	if (got != rc || (needle != NULL && strstr(out, needle) == NULL))
		fail_msg("wacamp %s: exit %d (want %d), wanted \"%s\"; "
		    "stdout:\n%sstderr:\n%s", args, got, rc, needle ?
		    needle : "", out, err);
	free(out);
	free(err);
}

/*
 * A daemon against the fake, and one campaign of three contacts whose
 * every send answers 500: maybe taken, so unknown and never re-posted.
 */
static int
setup(void **state)
{
	FILE		*fp;
	char		*r;
	json_t		*d;
	double		 t0;
	int		 st;

	harness_init(&H, NULL);
	if (harness_fake_start(&H) <= 0)
		return -1;
	if ((fp = fopen(H.conf, "a")) == NULL)
		return -1;
	fprintf(fp, "[wassenger]\nprovider = wassenger\n"
	    "api_url = http://127.0.0.1:%d/v1\napi_key = test-token\n"
	    "device_id = " FW_DEVICE "\ntimeout = 3s\n"
	    "[pacing]\ninterval = 10ms\njitter = 0\ndaily_limit = 1000\n"
	    "breaker_failures = 50\n", H.fake_port);
	fclose(fp);
	if (harness_start(&H) == -1)
		return -1;
	kit_sql(&H, "INSERT INTO categories (name, created_at, updated_at) VALUES "
	    "('settle', 0, 0);"
	    "INSERT INTO contacts (full_number, first_name, last_name, "
	    "created_at, updated_at) VALUES ('+33610000001', 'A', 'One', 0, 0),"
	    "('+33610000002', 'B', 'Two', 0, 0), ('+33610000003', 'C', 'Three',"
	    " 0, 0);"
	    "INSERT INTO category_contacts (category_id, contact_id) SELECT "
	    "g.id, c.id FROM categories g, contacts c WHERE g.name = 'settle';");
	/*
	 * The message reaches Wassenger and the answer is a 500: the case
	 * settle is for. A fake that cannot process and fail in one request
	 * still answers 500, which is as ambiguous to the daemon.
	 */
	r = harness_http(H.fake_port, "POST", "/_ctl/faults", "{\"faults\":"
	    "[{\"path\":\"/v1/messages\",\"status\":500,\"processed\":true,"
	    "\"count\":3}]}", &st);
	free(r);
	if (st != 200) {
		r = harness_http(H.fake_port, "POST", "/_ctl/faults",
		    "{\"faults\":[{\"path\":\"/v1/messages\",\"status\":500,"
		    "\"count\":3}]}", &st);
		free(r);
		if (st != 200)
			return -1;
	}
	if ((fd = harness_connect(&H)) == -1)
		return -1;
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s]}", "name",
	    "Settle", "message_1", "Hello {{first_name}}", "categories",
	    "settle"));
	camp = geti(d, "id");
	json_decref(d);
	t_launch = time(NULL);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id", camp)));
	/* The store says when the sends are over; the counters are checked
	 * by the tests. */
	for (t0 = harness_now(); harness_now() - t0 < 15; usleep(50000))
		if (kit_sql_int(&H, "SELECT count(*) FROM messages WHERE state = "
		    "'unknown'") == NUNKNOWN && kit_sql_int(&H, "SELECT count(*) FROM "
		    "messages WHERE state IN ('pending', 'sending')") == 0)
			return 0;
	fprintf(stderr, "test_settle: the sends did not end unknown\n");
	return -1;
}

static int
teardown(void **state)
{
	if (fd != -1)
		close(fd);
	harness_cleanup(&H);
	return 0;
}

/* Exactly one of --sent and --failed, an id: else exit 2, nothing asked. */
static void
test_usage(void **state)
{
	char	*out, *err;
	char	 a[128];

	snprintf(a, sizeof a, "campaigns settle %lld", (long long)camp);
	assert_int_equal(cli(a, &out, &err), 2);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "--sent or --failed"));
	assert_non_null(strstr(err, "usage: wacamp campaigns settle"));
	free(out);
	free(err);
	snprintf(a, sizeof a, "campaigns settle %lld --sent --failed",
	    (long long)camp);
	assert_int_equal(cli(a, &out, &err), 2);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "exclude each other"));
	free(out);
	free(err);
	expect("campaigns settle --sent", 2, NULL);
	expect("campaigns settle x --sent", 2, NULL);
	snprintf(a, sizeof a, "campaigns settle %lld --sent --message x",
	    (long long)camp);
	expect(a, 2, NULL);
	snprintf(a, sizeof a, "campaigns settle %lld --sent --bogus",
	    (long long)camp);
	expect(a, 2, NULL);
	/* The help lists the verb. */
	expect("--help", 0, "campaigns settle ID --sent | --failed");
	assert_int_equal(kit_sql_int(&H, "SELECT count(*) FROM messages WHERE state = "
	    "'unknown'"), NUNKNOWN);
}

/* status and campaigns get say how many are unknown, since when. */
static void
test_status_shows_unknown(void **state)
{
	char	*out, *err;
	json_t	*j, *u;
	char	 a[128], want[128];

	assert_int_equal(cli("status", &out, &err), 0);
	if (strstr(out, "unknown    3 message(s), oldest ") == NULL ||
	    strstr(out, " ago (settle with: wacamp campaigns settle ID "
	    "--sent | --failed)") == NULL)
		fail_msg("status:\n%s", out);
	free(out);
	free(err);

	assert_int_equal(cli("--json status", &out, &err), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	u = json_object_get(j, "unknown");
	assert_int_equal(geti(u, "count"), NUNKNOWN);
	assert_true(json_is_integer(json_object_get(u, "oldest_at")));
	assert_true(geti(u, "oldest_at") >= t_launch - 60);
	assert_true(geti(u, "oldest_at") <= time(NULL) + 5);
	json_decref(j);
	free(out);
	free(err);

	snprintf(a, sizeof a, "campaigns get %lld", (long long)camp);
	assert_int_equal(cli(a, &out, &err), 0);
	snprintf(want, sizeof want, "(settle with: wacamp campaigns settle "
	    "%lld --sent | --failed)", (long long)camp);
	if (strstr(out, "  unknown 3, oldest ") == NULL ||
	    strstr(out, want) == NULL)
		fail_msg("campaigns get:\n%s", out);
	free(out);
	free(err);

	j = get_campaign();
	assert_true(json_is_integer(json_object_get(j, "unknown_oldest_at")));
	assert_true(geti(j, "unknown_oldest_at") >= t_launch - 60);
	json_decref(j);
}

/* retry --include-unknown may send twice: off a terminal it wants --yes. */
static void
test_retry_unknown_needs_yes(void **state)
{
	char	*out, *err;
	char	 a[128];

	assert_int_equal(posts(), NUNKNOWN);
	snprintf(a, sizeof a, "campaigns retry %lld --include-unknown",
	    (long long)camp);
	assert_int_equal(cli(a, &out, &err), 2);
	assert_non_null(strstr(err, "twice"));
	assert_non_null(strstr(err, "--yes"));
	free(out);
	free(err);
	usleep(300000);
	assert_int_equal(posts(), NUNKNOWN);
	assert_int_equal(kit_sql_int(&H, "SELECT count(*) FROM messages WHERE state = "
	    "'unknown'"), NUNKNOWN);
}

/* One message, by id, as sent: nothing posted, the counters move. */
static void
test_settle_one_sent(void **state)
{
	json_t	*d, *m;
	char	*out, *err, a[128], want[128];
	size_t	 i;

	d = kit_call_ok(fd, "messages.list", json_pack("{s:I,s:s}", "campaign", camp,
	    "status", "unknown"));
	assert_int_equal(geti(d, "total"), NUNKNOWN);
	first = geti(json_array_get(json_object_get(d, "items"), 0), "id");
	assert_true(first > 0);
	json_decref(d);

	snprintf(a, sizeof a, "campaigns settle %lld --sent --message %lld",
	    (long long)camp, (long long)first);
	assert_int_equal(cli(a, &out, &err), 0);
	snprintf(want, sizeof want, "settled 1 message(s) of campaign %lld as "
	    "sent\n", (long long)camp);
	assert_string_equal(out, want);
	free(out);
	free(err);

	d = kit_call_ok(fd, "messages.list", json_pack("{s:I}", "campaign", camp));
	json_array_foreach(json_object_get(d, "items"), i, m)
		if (geti(m, "id") == first)
			assert_string_equal(json_string_value(json_object_get(m,
			    "state")), "sent");
	json_decref(d);
	d = get_campaign();
	assert_int_equal(geti(d, "unknown"), NUNKNOWN - 1);
	assert_int_equal(geti(d, "sent") + geti(d, "delivered") +
	    geti(d, "read"), 1);
	json_decref(d);

	/* Settled already: the daemon refuses, exit 1, reason on stderr. */
	assert_int_equal(cli(a, &out, &err), 1);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "not unknown"));
	free(out);
	free(err);
	/* A message that does not exist. */
	snprintf(a, sizeof a, "campaigns settle %lld --failed --message "
	    "999999", (long long)camp);
	expect(a, 1, NULL);
	assert_int_equal(posts(), NUNKNOWN);
}

/* The rest as failed, --json after the verb: the campaign and a count. */
static void
test_settle_rest_failed_json(void **state)
{
	json_t	*j;
	char	*out, *err, a[128];

	snprintf(a, sizeof a, "campaigns settle %lld --failed --json",
	    (long long)camp);
	assert_int_equal(cli(a, &out, &err), 0);
	if ((j = json_loads(out, 0, NULL)) == NULL)
		fail_msg("not JSON:\n%s", out);
	assert_int_equal(geti(j, "settled"), NUNKNOWN - 1);
	assert_int_equal(geti(j, "id"), camp);
	assert_int_equal(geti(j, "unknown"), 0);
	assert_int_equal(geti(j, "failed"), NUNKNOWN - 1);
	assert_true(json_is_null(json_object_get(j, "unknown_oldest_at")));
	json_decref(j);
	free(out);
	free(err);
	assert_int_equal(posts(), NUNKNOWN);
}

/* None left: conflict, exit 1; --json puts the error on stderr. */
static void
test_settle_none_left(void **state)
{
	json_t	*j;
	char	*out, *err, a[128];

	snprintf(a, sizeof a, "campaigns settle %lld --sent", (long long)camp);
	assert_int_equal(cli(a, &out, &err), 1);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "no unknown message"));
	free(out);
	free(err);
	snprintf(a, sizeof a, "--json campaigns settle %lld --failed",
	    (long long)camp);
	assert_int_equal(cli(a, &out, &err), 1);
	assert_string_equal(out, "");
	free(out);
	free(err);
	expect("campaigns settle 999999 --sent", 1, NULL);

	/* status says nothing of unknown messages any more. */
	assert_int_equal(cli("status", &out, &err), 0);
	assert_null(strstr(out, "settle with"));
	free(out);
	free(err);
	assert_int_equal(cli("--json status", &out, &err), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(geti(json_object_get(j, "unknown"), "count"), 0);
	assert_true(json_is_null(json_object_get(json_object_get(j,
	    "unknown"), "oldest_at")));
	json_decref(j);
	free(out);
	free(err);
	assert_int_equal(posts(), NUNKNOWN);
}

int
main(void)
{
	/* In order: each test settles some of the same campaign. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_status_shows_unknown),
		cmocka_unit_test(test_retry_unknown_needs_yes),
		cmocka_unit_test(test_settle_one_sent),
		cmocka_unit_test(test_settle_rest_failed_json),
		cmocka_unit_test(test_settle_none_left),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
