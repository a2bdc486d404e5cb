/*
 * Webhook and plan health (DESIGN §7, issue 12): the real daemon and the
 * fake Wassenger on 127.0.0.1. status says missing, then active after
 * "wacamp webhook register", inactive when Wassenger marks ours failed;
 * registering twice leaves one webhook; the plan is null without billing
 * fields and says what io-professional lacks; the token never shows in
 * the CLI's output, the daemon's log or its command line; a wrong device
 * id or API key is named as such.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "kit.h"

#define TOKEN	"whhealth-token-5f3c9a0e7d2b4c6a8e1f0b3d"
#define BASE	"https://wacamp.example.test/"
#define OURS	"https://wacamp.example.test/api/webhooks/wassenger?token=" TOKEN

/* A daemon on a fresh fake, health checked every 300 ms; EXTRA is more
 * [wassenger] config (a device_id or api_key given here wins). */
static void
start(struct harness *h, const char *key, const char *dev)
{
	harness_init(h, NULL);
	assert_true(harness_fake_start(h) > 0);
	kit_append_conf(h, "[wassenger]\nprovider = wassenger\n"
	    "api_url = http://127.0.0.1:%d/v1\napi_key = %s\n"
	    "device_id = %s\ntimeout = 2s\nhealth_interval = 300ms\n"
	    "[webhook]\nlisten = 127.0.0.1:%d\ntoken = " TOKEN "\n",
	    h->fake_port, key, dev, kit_free_port());
	assert_int_equal(harness_start(h), 0);
}

/* monitoring.stats over the socket. */
static json_t *
stats(struct harness *h)
{
	int	 fd = harness_connect(h);
	json_t	*d;

	assert_true(fd >= 0);
	d = kit_call_ok(fd, "monitoring.stats", NULL);
	close(fd);
	return d;
}

/* `wacamp --json status`, parsed. */
static json_t *
cli_status(struct harness *h)
{
	char	*out = NULL;
	json_t	*j;

	assert_int_equal(harness_cli(h, "--json status", NULL, &out), 0);
	j = json_loads(out, 0, NULL);
	if (j == NULL)
		fail_msg("status --json: %s", out);
	free(out);
	return j;
}

/* Wait until status's webhook.state is STATE (5 s); the last stats. */
static json_t *
wait_state(struct harness *h, const char *state)
{
	double		 t0 = harness_now();
	json_t		*d;
	const char	*s;

	for (;;) {
		d = stats(h);
		s = json_string_value(json_object_get(json_object_get(d,
		    "webhook"), "state"));
		if ((s != NULL && strcmp(s, state) == 0) ||
		    harness_now() - t0 > 5)
			break;
		json_decref(d);
		usleep(100000);
	}
	if (s == NULL || strcmp(s, state) != 0) {
		char *dump = json_dumps(json_object_get(d, "webhook"), 0);
		fail_msg("webhook state: want %s, have %s", state, dump);
	}
	return d;
}

/* Wait until status's plan.code is CODE (NULL: null) (5 s). */
static json_t *
wait_plan(struct harness *h, const char *code)
{
	double		 t0 = harness_now();
	json_t		*d, *c;
	int		 ok;

	for (;;) {
		d = stats(h);
		c = json_object_get(json_object_get(d, "plan"), "code");
		ok = code == NULL ? json_is_null(c) : json_is_string(c) &&
		    strcmp(json_string_value(c), code) == 0;
		if (ok || harness_now() - t0 > 5)
			break;
		json_decref(d);
		usleep(100000);
	}
	if (!ok)
		fail_msg("plan code: want %s", code ? code : "null");
	return d;
}

/* The fake's webhooks, every page (GET /v1/webhooks with the key). */
static json_t *
fake_hooks(struct harness *h)
{
	char	*body, path[128];
	json_t	*all = json_array(), *j;
	int	 st, page;

	for (page = 0; page < 100; page++) {
		snprintf(path, sizeof path, "/v1/webhooks?token=test-token&"
		    "size=100&page=%d", page);
		body = harness_http(h->fake_port, "GET", path, NULL, &st);
		assert_int_equal(st, 200);
		j = json_loads(body, 0, NULL);
		free(body);
		assert_true(json_is_array(j));
		if (json_array_size(j) == 0) {
			json_decref(j);
			break;
		}
		json_array_extend(all, j);
		json_decref(j);
	}
	return all;
}

/* How many of the fake's webhooks are ours; *OURS gets the last. */
static int
count_ours(json_t *hooks, json_t **ours)
{
	json_t	*w;
	size_t	 i;
	int	 n = 0;

	json_array_foreach(hooks, i, w)
		if (strstr(json_string_value(json_object_get(w, "url")),
		    "?token=" TOKEN) != NULL) {
			n++;
			*ours = w;
		}
	return n;
}

static void
assert_str(json_t *o, const char *key, const char *want)
{
	const char	*s = json_string_value(json_object_get(o, key));

	if (s == NULL || strcmp(s, want) != 0)
		fail_msg("%s: want %s, have %s", key, want, s ? s : "(none)");
}

/*
 * missing -> register -> active; failed at Wassenger -> inactive;
 * register again -> updated and re-enabled, still one webhook. Five
 * webhooks of others come first, two a page: ours is on the third page.
 */
static void
test_register_cycle(void **state)
{
	struct harness	 h;
	json_t		*d, *hooks, *ours = NULL, *w;
	char		*out = NULL;

	start(&h, "test-token", FW_DEVICE);
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"webhooks_page_max\":2,"
	    "\"webhooks\":["
	    "{\"url\":\"https://other.example/hook?token=someone-else\"},"
	    "{\"url\":\"https://other.example/a\",\"status\":\"failed\"},"
	    "{\"url\":\"https://wacamp.example.test/api/webhooks/wassenger?"
	    "token=not-" TOKEN "\"},"
	    "{\"url\":\"https://other.example/b\"},"
	    "{\"url\":\"https://other.example/c\"}]}");

	/* Nothing of ours at Wassenger: missing, every event lacking. */
	d = cli_status(&h);
	json_decref(d);
	d = wait_state(&h, "missing");
	assert_true(json_is_null(json_object_get(json_object_get(d, "webhook"),
	    "status")));
	assert_int_equal(json_array_size(json_object_get(json_object_get(d,
	    "webhook"), "missing_events")), 5);
	json_decref(d);
	d = cli_status(&h);
	assert_str(json_object_get(d, "webhook"), "state", "missing");
	json_decref(d);
	assert_int_equal(harness_cli(&h, "status", NULL, &out), 0);
	if (strstr(out, "missing: run wacamp webhook register "
	    "https://your-host") == NULL)
		fail_msg("status says: %s", out);
	free(out);

	/* A base URL with a query is refused: the daemon adds its own. */
	assert_int_equal(harness_cli(&h, "webhook register "
	    "'https://x.example/?token=abc'", NULL, &out), 1);
	free(out);

	/* Register: created with our URL, the five events, the device. */
	assert_int_equal(harness_cli(&h, "--json webhook register " BASE,
	    NULL, &out), 0);
	assert_null(strstr(out, TOKEN));
	d = json_loads(out, 0, NULL);
	assert_non_null(d);
	assert_str(d, "action", "created");
	assert_str(d, "state", "active");
	w = json_object_get(d, "webhook");
	assert_non_null(strstr(json_string_value(json_object_get(w, "url")),
	    "?token=whhe\xe2\x80\xa6(masked)"));
	json_decref(d);
	free(out);
	hooks = fake_hooks(&h);
	assert_int_equal(json_array_size(hooks), 6);
	assert_int_equal(count_ours(hooks, &ours), 1);
	assert_str(ours, "url", OURS);
	assert_str(ours, "device", FW_DEVICE);
	assert_str(ours, "name", "wacamp");
	assert_int_equal(json_array_size(json_object_get(ours, "events")), 5);
	json_decref(hooks);
	d = cli_status(&h);
	assert_str(json_object_get(d, "webhook"), "state", "active");
	assert_int_equal(json_array_size(json_object_get(json_object_get(d,
	    "webhook"), "missing_events")), 0);
	json_decref(d);

	/* Wassenger gives up on it: inactive, with its status. */
	kit_fake_ctl(&h, "POST", "/_ctl/config",
	    "{\"webhook_status\":\"failed\"}");
	d = wait_state(&h, "inactive");
	assert_str(json_object_get(d, "webhook"), "status", "failed");
	json_decref(d);
	d = cli_status(&h);
	assert_str(json_object_get(d, "webhook"), "state", "inactive");
	json_decref(d);

	/* Registering again updates and re-enables ours: still one. */
	assert_int_equal(harness_cli(&h, "--json webhook register " BASE,
	    NULL, &out), 0);
	d = json_loads(out, 0, NULL);
	assert_non_null(d);
	assert_str(d, "action", "updated");
	assert_true(json_is_true(json_object_get(d, "enabled")));
	assert_str(d, "state", "active");
	json_decref(d);
	free(out);
	assert_int_equal(harness_cli(&h, "webhook register " BASE, NULL, &out),
	    0);
	assert_non_null(strstr(out, "registered updated"));
	free(out);
	hooks = fake_hooks(&h);
	assert_int_equal(json_array_size(hooks), 6);
	assert_int_equal(count_ours(hooks, &ours), 1);
	assert_str(ours, "status", "active");
	json_decref(hooks);
	d = wait_state(&h, "active");
	json_decref(d);
	/* Two registrations, audited. */
	assert_true(kit_sql_int(&h, "SELECT count(*) FROM audit_log WHERE "
	    "command = 'webhook.register' AND ok = 1") == 3);
	harness_cleanup(&h);
}

/*
 * Ours, active but lacking events (made by hand): inactive, the lacking
 * events listed; registering adds them and keeps the one it had besides.
 */
static void
test_ours_lacks_events(void **state)
{
	struct harness	 h;
	json_t		*d, *hooks, *ours = NULL, *miss;
	char		*out = NULL;

	start(&h, "test-token", FW_DEVICE);
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"webhooks\":[{\"url\":\""
	    OURS "\",\"name\":\"by hand\",\"events\":[\"message:in:new\","
	    "\"message:out:ack\",\"message:out:sent\"]}]}");
	d = wait_state(&h, "inactive");
	assert_str(json_object_get(d, "webhook"), "status", "active");
	miss = json_object_get(json_object_get(d, "webhook"), "missing_events");
	assert_int_equal(json_array_size(miss), 3);
	assert_string_equal(json_string_value(json_array_get(miss, 0)),
	    "message:out:failed");
	json_decref(d);
	assert_int_equal(harness_cli(&h, "--json webhook register " BASE,
	    NULL, &out), 0);
	d = json_loads(out, 0, NULL);
	assert_non_null(d);
	assert_str(d, "action", "updated");
	assert_false(json_is_true(json_object_get(d, "enabled")));
	assert_str(d, "state", "active");
	json_decref(d);
	free(out);
	hooks = fake_hooks(&h);
	assert_int_equal(json_array_size(hooks), 1);
	assert_int_equal(count_ours(hooks, &ours), 1);
	assert_int_equal(json_array_size(json_object_get(ours, "events")), 6);
	assert_str(ours, "name", "by hand");
	json_decref(hooks);
	json_decref(wait_state(&h, "active"));
	harness_cleanup(&h);
}

/* No billing fields: plan unknown (nulls); then what each plan carries. */
static void
test_plan(void **state)
{
	struct harness	 h;
	json_t		*d, *p;
	char		*out = NULL;

	start(&h, "test-token", FW_DEVICE);
	d = wait_plan(&h, NULL);
	p = json_object_get(d, "plan");
	assert_true(json_is_null(json_object_get(p, "acks")));
	assert_true(json_is_null(json_object_get(p, "replies")));
	assert_true(json_is_null(json_object_get(p, "reactions")));
	json_decref(d);
	/* Give the first health check time to have read the device. */
	usleep(800000);
	d = cli_status(&h);
	p = json_object_get(d, "plan");
	assert_true(json_is_null(json_object_get(p, "code")));
	assert_true(json_is_null(json_object_get(p, "acks")));
	json_decref(d);
	assert_int_equal(harness_cli(&h, "status", NULL, &out), 0);
	assert_non_null(strstr(out, "plan       unknown"));
	free(out);

	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"device_billing\":"
	    "{\"product\":\"io\",\"plan\":\"io-professional\"}}");
	json_decref(wait_plan(&h, "io-professional"));
	d = cli_status(&h);
	p = json_object_get(d, "plan");
	assert_true(json_is_false(json_object_get(p, "acks")));
	assert_true(json_is_true(json_object_get(p, "replies")));
	assert_true(json_is_false(json_object_get(p, "reactions")));
	json_decref(d);
	assert_int_equal(harness_cli(&h, "status", NULL, &out), 0);
	assert_non_null(strstr(out, "plan carries no acks: delivered/read "
	    "will stay empty"));
	free(out);

	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"device_billing\":"
	    "{\"product\":\"io\",\"plan\":\"io-business\"}}");
	d = wait_plan(&h, "io-business");
	p = json_object_get(d, "plan");
	assert_true(json_is_true(json_object_get(p, "acks")));
	assert_true(json_is_true(json_object_get(p, "replies")));
	assert_true(json_is_true(json_object_get(p, "reactions")));
	json_decref(d);

	/* Back to a device without billing fields: unknown again. */
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"device_billing\":null}");
	json_decref(wait_plan(&h, NULL));
	harness_cleanup(&h);
}

/* Does the file at PATH hold NEEDLE (cmdline files have NULs). */
static int
file_holds(const char *path, const char *needle)
{
	return harness_file_has(path, needle);
}

/* The token never shows: CLI outputs, the daemon's log, command lines. */
static void
test_token_secret(void **state)
{
	struct harness	 h;
	char		*out = NULL, path[64];

	start(&h, "test-token", FW_DEVICE);
	json_decref(wait_state(&h, "missing"));
	assert_int_equal(harness_cli(&h, "webhook register " BASE, NULL, &out),
	    0);
	assert_null(strstr(out, TOKEN));
	free(out);
	assert_int_equal(harness_cli(&h, "webhook status", NULL, &out), 0);
	assert_non_null(strstr(out, "webhook    active"));
	assert_non_null(strstr(out, "(masked)"));
	assert_null(strstr(out, TOKEN));
	free(out);
	assert_int_equal(harness_cli(&h, "--json webhook status", NULL, &out),
	    0);
	assert_null(strstr(out, TOKEN));
	assert_non_null(strstr(out, "\"state\": \"active\""));
	free(out);
	assert_int_equal(harness_cli(&h, "--json status", NULL, &out), 0);
	assert_null(strstr(out, TOKEN));
	free(out);
	/* Wassenger refusing the update: its answer is shown, not the token. */
	kit_fake_ctl(&h, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/webhooks/\",\"method\":\"PATCH\",\"status\":500}]}");
	assert_int_equal(harness_cli(&h, "webhook register " BASE, NULL, &out),
	    1);
	assert_null(strstr(out, TOKEN));
	free(out);
	/* The fake saw it (so the test could fail), the daemon never said it. */
	assert_true(file_holds(h.log, "webhook") == 1);
	assert_false(file_holds(h.log, TOKEN));
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)h.daemon);
	assert_false(file_holds(path, TOKEN));
	json_t *hooks = fake_hooks(&h), *ours = NULL;
	assert_int_equal(count_ours(hooks, &ours), 1);
	json_decref(hooks);
	harness_cleanup(&h);
}

/* A device the key does not know, and a key refused: said as such. */
static void
test_wrong_device_or_key(void **state)
{
	struct harness	 h;
	json_t		*d;
	const char	*s;
	double		 t0;

	start(&h, "test-token", "0123456789abcdef01234567");
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"unknown_devices\":\"404\"}");
	t0 = harness_now();
	for (;;) {
		d = stats(&h);
		s = json_string_value(json_object_get(d, "provider_health"));
		if ((s != NULL && strstr(s, "unknown to this API key")) ||
		    harness_now() - t0 > 5)
			break;
		json_decref(d);
		usleep(100000);
	}
	assert_non_null(s);
	assert_string_equal(s, "device 0123456789abcdef01234567 unknown to "
	    "this API key (HTTP 404)");
	assert_true(json_is_null(json_object_get(json_object_get(d, "plan"),
	    "code")));
	json_decref(d);
	harness_cleanup(&h);

	start(&h, "wrong-key", FW_DEVICE);
	t0 = harness_now();
	for (;;) {
		d = stats(&h);
		s = json_string_value(json_object_get(d, "provider_health"));
		if ((s != NULL && strstr(s, "API key refused")) ||
		    harness_now() - t0 > 5)
			break;
		json_decref(d);
		usleep(100000);
	}
	assert_non_null(s);
	assert_string_equal(s, "API key refused (HTTP 401)");
	/* The listing is refused too: the webhook is unknown, not missing. */
	assert_str(json_object_get(d, "webhook"), "state", "unknown");
	json_decref(d);
	harness_cleanup(&h);
}

/* The simulator has no Wassenger webhook: unknown, and it says why. */
static void
test_simulator(void **state)
{
	struct harness	 h;
	json_t		*d;
	char		*out = NULL;
	int		 fd;

	harness_init(&h, "[webhook]\ntoken = " TOKEN "\n");
	assert_int_equal(harness_start(&h), 0);
	d = stats(&h);
	assert_str(json_object_get(d, "webhook"), "state", "unknown");
	assert_true(json_is_null(json_object_get(json_object_get(d, "plan"),
	    "code")));
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(d, "webhook"), "note")), "simulator"));
	json_decref(d);
	fd = harness_connect(&h);
	assert_string_equal(kit_call_err(fd, "webhook.status", NULL),
	    "unavailable");
	close(fd);
	assert_int_equal(harness_cli(&h, "status", NULL, &out), 0);
	assert_non_null(strstr(out, "none needed (simulator"));
	free(out);
	harness_cleanup(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_cycle),
		cmocka_unit_test(test_ours_lacks_events),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_token_secret),
		cmocka_unit_test(test_wrong_device_or_key),
		cmocka_unit_test(test_simulator),
	};

	if (getenv("WACAMP_TEST") != NULL)
		cmocka_set_test_filter(getenv("WACAMP_TEST"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
