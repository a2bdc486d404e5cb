/*
 * At most once against a fake Wassenger on its bad days (DESIGN §6): the
 * real daemon, the fake on 127.0.0.1 taking messages and then losing the
 * answer, refusing, rate limiting, going down, and sending its acks
 * without our reference, retrying them for a minute when they fail.
 * The judge is what the fake processed per phone, not what we posted.
 *
 * WACAMP_SOAK_KILLS sets the number of SIGKILLs (20 by default).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"
#include "kit.h"

#define TOKEN	"atmostonce-token-0123456789abcdef0123"

/* A daemon with its webhook on a free port, on a fresh fake whose acks
 * (without reference) go to it; sends time out after TIMEOUT, EXTRA is
 * more config, FAKECONF more of the fake's. */
static int
start(struct harness *h, const char *timeout, const char *extra,
    const char *fakeconf)
{
	char	 conf[1024];
	int	 port;

	harness_init(h, NULL);
	assert_true(harness_fake_start(h) > 0);
	assert_true((port = kit_free_port()) > 0);
	kit_append_conf(h, "[wassenger]\nprovider = wassenger\n"
	    "api_url = http://127.0.0.1:%d/v1\napi_key = test-token\n"
	    "device_id = " FW_DEVICE "\ntimeout = %s\n"
	    "[webhook]\nlisten = 127.0.0.1:%d\ntoken = " TOKEN "\n%s\n",
	    h->fake_port, timeout, port, extra);
	assert_int_equal(harness_start(h), 0);
	snprintf(conf, sizeof conf, "{\"auto_ack\":{\"url\":\"http://"
	    "127.0.0.1:%d/api/webhooks/wassenger?token=" TOKEN "\","
	    "\"out_new_ms\":20,\"delivered_ms\":60,\"read_ms\":120}%s%s}",
	    port, fakeconf ? "," : "", fakeconf ? fakeconf : "");
	kit_fake_ctl(h, "POST", "/_ctl/config", conf);
	return port;
}

static json_t *
fake_get(struct harness *h, const char *path)
{
	char	*body;
	json_t	*j;
	int	 st;

	body = harness_http(h->fake_port, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	j = json_loads(body, 0, NULL);
	free(body);
	assert_non_null(j);
	return j;
}

/* Every campaign's counters equal its messages' states. */
static void
counters_match(struct harness *h)
{
	assert_int_equal(kit_sql_int(h, "SELECT count(*) FROM campaigns k "
	    "WHERE total != (SELECT count(*) FROM messages WHERE campaign_id "
	    "= k.id AND message_type = 1) OR m2_total != (SELECT count(*) "
	    "FROM messages WHERE campaign_id = k.id AND message_type = 2) OR "
	    "pending != (SELECT count(*) FROM messages WHERE campaign_id = k.id "
	    "AND state = 'pending') OR sending != (SELECT count(*) FROM "
	    "messages WHERE campaign_id = k.id AND state = 'sending') OR "
	    "sent != (SELECT count(*) FROM messages WHERE campaign_id = k.id "
	    "AND state = 'sent') OR delivered != (SELECT count(*) FROM "
	    "messages WHERE campaign_id = k.id AND state = 'delivered') OR "
	    "read != (SELECT count(*) FROM messages WHERE campaign_id = k.id "
	    "AND state = 'read') OR failed != (SELECT count(*) FROM messages "
	    "WHERE campaign_id = k.id AND state = 'failed') OR unknown != "
	    "(SELECT count(*) FROM messages WHERE campaign_id = k.id AND "
	    "state = 'unknown') OR cancelled != (SELECT count(*) FROM "
	    "messages WHERE campaign_id = k.id AND state = 'cancelled')"), 0);
}

/* Unknown messages whose phone the fake processed. */
static int
unknown_processed(struct harness *h)
{
	json_t		*p = fake_get(h, "/_ctl/processed");
	json_t		*phones = json_object_get(p, "phones");
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 n = 0;

	assert_int_equal(sqlite3_open(h->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT phone FROM messages "
	    "WHERE state = 'unknown'", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (json_object_get(phones, (const char *)
		    sqlite3_column_text(st, 0)) != NULL)
			n++;
	sqlite3_finalize(st);
	sqlite3_close(db);
	json_decref(p);
	return n;
}

/* The last N lines of the daemon's log on stderr, to see why. */
static void
log_tail(struct harness *h, int n)
{
	char	 cmd[400];

	snprintf(cmd, sizeof cmd, "tail -n %d '%s' >&2", n, h->log);
	if (system(cmd) != 0)
		fprintf(stderr, "(no log)\n");
}

/*
 * The results every run must show: no phone processed twice; every
 * message sent, delivered, read, failed or unknown; none that the fake
 * processed (and so acked) still unknown; counters equal to the states.
 */
static void
four_results(struct harness *h, int total)
{
	json_t		*p;
	double		 t0;
	int		 n;

	if (kit_wait_int(h, "SELECT count(*) FROM messages WHERE state IN "
	    "('pending', 'sending')", 0, 120) != 0) {
		log_tail(h, 60);
		fail_msg("messages still pending or sending after 120 s");
	}
	p = fake_get(h, "/_ctl/processed");
	assert_int_equal(json_integer_value(json_object_get(p, "duplicates")),
	    0);
	json_decref(p);
	assert_int_equal(kit_sql_int(h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read', 'failed', 'unknown')"),
	    total);
	/* The fake retries acks a refused or dead daemon missed. */
	for (t0 = harness_now(); (n = unknown_processed(h)) > 0 &&
	    harness_now() - t0 < 70; usleep(200000))
		;
	if (n > 0)
		fail_msg("%d message(s) processed and acked are still unknown",
		    n);
	counters_match(h);
}

/* How many lines of the daemon's log hold NEEDLE. */
static int
log_count(struct harness *h, const char *needle)
{
	FILE	*fp = fopen(h->log, "r");
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

static int
fake_ctl_port(struct harness *h)
{
	json_t	*c = fake_get(h, "/_ctl/config");
	int	 port = (int)json_integer_value(json_object_get(c, "ctl_port"));

	json_decref(c);
	assert_true(port > 0);
	return port;
}

/*
 * Acceptance 1: 200 recipients through every fault at least five times.
 * With the fake's message list turned off, what the fake took and whose
 * answer was lost is settled from its acks, by recipient and body.
 */
static void
test_fault_matrix(void **state)
{
	struct harness	 h;
	char		 faults[8192], *r;
	size_t		 len = 0;
	int		 fd, i, ctl, st, byevent;

	start(&h, "1s", "[pacing]\ninterval = 10ms\njitter = 0\nbatch_size = 1000\n"
	    "daily_limit = 100000\nbreaker_failures = 0\n"
	    "[retry]\nmax_attempts = 12\nbackoff = 200ms\nlookup_after = 1h\n",
	    "\"list_mode\":\"404\"");
	kit_seed(&h, "all", 1, 200);
	len += (size_t)snprintf(faults + len, sizeof faults - len,
	    "{\"faults\":[");
	for (i = 0; i < 6; i++)
		len += (size_t)snprintf(faults + len, sizeof faults - len,
		    "%s{\"path\":\"/v1/messages\",\"method\":\"POST\","
		    "\"processed\":true,\"delay_ms\":2500},"
		    "{\"path\":\"/v1/messages\",\"method\":\"POST\","
		    "\"processed\":true,\"reset\":true},"
		    "{\"path\":\"/v1/messages\",\"method\":\"POST\","
		    "\"processed\":true,\"status\":500},"
		    "{\"path\":\"/v1/messages\",\"method\":\"POST\","
		    "\"processed\":true,\"close\":true},"
		    "{\"path\":\"/v1/messages\",\"method\":\"POST\","
		    "\"close\":true},"
		    "{\"path\":\"/v1/messages\",\"method\":\"POST\","
		    "\"status\":429,\"retry_after\":1},"
		    "{\"path\":\"/v1/messages\",\"method\":\"POST\","
		    "\"status\":503,\"retry_after\":1}", i ? "," : "");
	snprintf(faults + len, sizeof faults - len, "]}");
	kit_fake_ctl(&h, "POST", "/_ctl/faults", faults);
	ctl = fake_ctl_port(&h);
	fd = harness_connect(&h);
	kit_campaign(fd, "all", "Hello {{first_name}}", 1);
	close(fd);
	/* Down for 3 s, five times, while the campaign runs. */
	for (i = 0; i < 5; i++) {
		usleep(500000);
		r = harness_http(ctl, "POST", "/_ctl/down", "{\"ms\":3000}",
		    &st);
		free(r);
		assert_int_equal(st, 200);
		usleep(3200000);
	}
	four_results(&h, 200);
	byevent = log_count(&h, "(recipient and body)");
	fprintf(stderr, "fault matrix: %d reconciled by recipient and body, "
	    "%lld unknown, %lld failed, %lld not-taken posts retried\n",
	    byevent, kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'unknown'"), kit_sql_int(&h, "SELECT count(*) FROM "
	    "messages WHERE state = 'failed'"), kit_sql_int(&h, "SELECT "
	    "coalesce(sum(attempts - 1), 0) FROM messages"));
	assert_true(byevent >= 20);
	/* The close without processing was never taken: unknown. */
	assert_true(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'unknown'") >= 6);
	harness_cleanup(&h);
}

/*
 * The provider path (API.md §10): acks lost, the fake's message list on:
 * unknown messages the fake took are found there by reference; those it
 * never took stay unknown and say "not found at Wassenger".
 */
static void
test_lookup(void **state)
{
	struct harness	 h;
	int		 fd;

	start(&h, "1s", "[pacing]\ninterval = 10ms\njitter = 0\nbatch_size = 1000\n"
	    "daily_limit = 100000\nbreaker_failures = 0\n"
	    "[retry]\nlookup_after = 1s\n", NULL);
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"auto_ack\":null,"
	    "\"list_mode\":\"on\"}");
	kit_seed(&h, "all", 1, 30);
	kit_fake_ctl(&h, "POST", "/_ctl/faults", "{\"faults\":["
	    "{\"path\":\"/v1/messages\",\"method\":\"POST\",\"processed\":true,"
	    "\"status\":500,\"count\":4},"
	    "{\"path\":\"/v1/messages\",\"method\":\"POST\",\"processed\":true,"
	    "\"reset\":true,\"count\":4},"
	    "{\"path\":\"/v1/messages\",\"method\":\"POST\",\"status\":502,"
	    "\"count\":3}]}");
	fd = harness_connect(&h);
	kit_campaign(fd, "all", "Hi {{first_name}}", 1);
	close(fd);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('pending', 'sending')", 0, 60), 0);
	/* Eight found in the list; three never taken, looked for in vain. */
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'unknown' AND lookup_at IS NOT NULL AND error LIKE "
	    "'not found at Wassenger%'", 3, 60), 3);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'unknown'"), 3);
	assert_int_equal(log_count(&h, "settled from Wassenger's message list"),
	    8);
	assert_int_equal(unknown_processed(&h), 0);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'sent' AND wass_id IS NOT NULL AND wa_id IS NOT NULL"), 27);
	counters_match(&h);
	harness_cleanup(&h);
}

static char	 disk_mnt[260];

/* Fill the file system holding PATH's directory; bytes written. */
static long long
fill_disk(const char *path)
{
	static char	 buf[65536];
	long long	 n = 0;
	ssize_t		 w;
	int		 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	memset(buf, 'x', sizeof buf);
	for (;;) {
		if ((w = write(fd, buf, sizeof buf)) <= 0) {
			/* Then the last few bytes a block at a time. */
			if (w == -1 && errno == ENOSPC &&
			    write(fd, buf, 1) == 1) {
				n++;
				continue;
			}
			break;
		}
		n += w;
	}
	close(fd);
	return n;
}

/*
 * #14 item 5: the store's disk fills up in the middle of a campaign with
 * acks and a webhook flood coming in. Clients are told the disk is full,
 * reads keep working, webhooks get 503 (so Wassenger retries), and once
 * space comes back everything resumes without a restart: every message
 * settled once, with its ids. Needs a tmpfs (skipped when mount is
 * refused).
 */
static void
test_disk_full(void **state)
{
	struct harness	 h;
	char		 filler[320], filler2[320], extra[600], url[256], *r;
	char		*mnt = disk_mnt;
	json_t		*rep, *j;
	long long	 filled, n503 = 0, n200 = 0;
	double		 t0;
	int		 port, fd, i, st, ok, run;

	harness_init(&h, NULL);
	snprintf(mnt, sizeof disk_mnt, "%s/fs", h.dir);
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64m,mode=0700") == -1) {
		print_message("test_disk_full skipped: cannot mount a tmpfs "
		    "(%s)\n", strerror(errno));
		*mnt = '\0';
		harness_cleanup(&h);
		skip();
	}
	snprintf(h.db, sizeof h.db, "%s/wacamp.db", mnt);
	snprintf(filler, sizeof filler, "%s/filler", mnt);
	assert_true(harness_fake_start(&h) > 0);
	assert_true((port = kit_free_port()) > 0);
	snprintf(extra, sizeof extra, "[store]\npath = %s\n[pacing]\n"
	    "interval = 20ms\njitter = 0\nbatch_size = 1000\n", h.db);
	kit_append_conf(&h, "[wassenger]\nprovider = wassenger\n"
	    "api_url = http://127.0.0.1:%d/v1\napi_key = test-token\n"
	    "device_id = " FW_DEVICE "\ntimeout = 3s\n"
	    "[webhook]\nlisten = 127.0.0.1:%d\ntoken = " TOKEN "\n%s\n",
	    h.fake_port, port, extra);
	assert_int_equal(harness_start(&h), 0);
	snprintf(url, sizeof url, "{\"auto_ack\":{\"url\":\"http://"
	    "127.0.0.1:%d/api/webhooks/wassenger?token=" TOKEN "\","
	    "\"out_new_ms\":20,\"delivered_ms\":60,\"read_ms\":120}}", port);
	kit_fake_ctl(&h, "POST", "/_ctl/config", url);
	kit_seed(&h, "all", 1, 200);
	fd = harness_connect(&h);
	kit_campaign(fd, "all", "disk full test {{first_name}}", 1);
	kit_wait_int(&h, "SELECT count(*) FROM messages WHERE state IN "
	    "('sent', 'delivered', 'read')", 30, 30);

	/*
	 * 64 MiB, not 8: under load a busy WAL can grow by megabytes before
	 * a checkpoint lets it start over, and the disk must still have room
	 * for the filler when the test fills it.
	 */
	filled = fill_disk(filler);
	print_message("disk filled with %lld bytes\n", filled);
	assert_true(filled > 0);
	/*
	 * A flood of events for no message, until the journal finds no
	 * more room (what was already in the WAL is reused first).
	 */
	snprintf(url, sizeof url, "/api/webhooks/wassenger?token=" TOKEN);
	for (i = 0, run = 0; i < 5000 && run < 50; i++) {
		char	 b[2048];

		snprintf(b, sizeof b, "{\"id\":\"FLOOD%06d\",\"event\":"
		    "\"message:out:ack\",\"ack\":\"read\",\"data\":{\"id\":"
		    "\"FLOOD%06d\",\"flow\":\"outbound\",\"body\":\"%0900d\"}}",
		    i, i, 0);
		r = harness_http(port, "POST", url, b, &st);
		free(r);
		if (st == 503) {
			n503++;
			run++;
		} else {
			assert_int_equal(st, 200);
			n200++;
			run = 0;
		}
	}
	print_message("flood on a full disk: %lld answered 200, then %lld "
	    "503\n", n200, n503);
	assert_int_equal(run, 50);
	/*
	 * The daemon gave back its reserve and emptied the WAL, which lets
	 * writes go on for a while by themselves: fill that room too, so the
	 * disk stays full for the next checks.
	 */
	sleep(1);
	snprintf(filler2, sizeof filler2, "%s/filler2", mnt);
	print_message("room the daemon made: %lld bytes\n",
	    fill_disk(filler2));
	assert_true(harness_file_has(h.log, "gave back the"));
	/* A write is refused with the real reason; reads still answer. */
	for (i = 0, ok = 1; i < 500 && ok; i++) {
		char	 name[32];

		snprintf(name, sizeof name, "full-%d", i);
		rep = harness_call(fd, "categories.create", json_pack("{s:s}",
		    "name", name));
		if ((ok = json_is_true(json_object_get(rep, "ok"))))
			json_decref(rep);
	}
	assert_false(ok);
	print_message("categories.create on a full disk: %s\n",
	    json_string_value(json_object_get(json_object_get(rep, "error"),
	    "message")));
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(rep, "error"), "message")), "disk is full"));
	json_decref(rep);
	rep = harness_call(fd, "monitoring.stats", NULL);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	rep = harness_call(fd, "contacts.list", json_pack("{s:i}", "limit", 5));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	sleep(2);

	/* Space comes back: writes resume by themselves. */
	assert_int_equal(unlink(filler), 0);
	unlink(filler2);
	ok = 0;
	for (t0 = harness_now(); !ok && harness_now() - t0 < 30;
	    usleep(200000)) {
		rep = harness_call(fd, "categories.create", json_pack("{s:s}",
		    "name", "space-back"));
		ok = json_is_true(json_object_get(rep, "ok"));
		json_decref(rep);
	}
	print_message("writes resumed %.1f s after space came back\n",
	    harness_now() - t0);
	assert_true(ok);
	close(fd);
	four_results(&h, 200);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read') AND (wass_id IS NULL OR "
	    "wa_id IS NULL)"), 0);
	j = fake_get(&h, "/_ctl/processed");
	assert_int_equal(json_integer_value(json_object_get(j, "duplicates")),
	    0);
	json_decref(j);
	harness_stop(&h);
	umount2(mnt, MNT_DETACH);
	*mnt = '\0';
	harness_cleanup(&h);
}

/* A failed test_disk_full leaves no mount behind. */
static int
disk_teardown(void **state)
{
	if (*disk_mnt != '\0')
		umount2(disk_mnt, MNT_DETACH);
	*disk_mnt = '\0';
	return 0;
}

/*
 * Acceptance 2: SIGKILLs at random moments while acks flow; the fake
 * retries the webhooks a dead daemon missed.
 */
static void
test_sigkill(void **state)
{
	struct harness	 h;
	const char	*s;
	int		 k, kills = 20, fd;

	if ((s = getenv("WACAMP_SOAK_KILLS")) != NULL && atoi(s) > 0)
		kills = atoi(s);
	start(&h, "1s", "[pacing]\ninterval = 5ms\njitter = 0\nbatch_size = 1000\n"
	    "daily_limit = 100000\nbreaker_failures = 0\n", NULL);
	kit_seed(&h, "all", 1, 200);
	kit_fake_ctl(&h, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/messages\",\"method\":\"POST\",\"delay_ms\":20,"
	    "\"count\":-1}]}");
	fd = harness_connect(&h);
	kit_campaign(fd, "all", "hello {{first_name}}", 1);
	close(fd);
	for (k = 0; k < kills; k++) {
		usleep(30000 + arc4random_uniform(200000));
		kill(h.daemon, SIGKILL);
		waitpid(h.daemon, NULL, 0);
		h.daemon = 0;
		assert_int_equal(harness_start(&h), 0);
	}
	four_results(&h, 200);
	fprintf(stderr, "sigkill x%d: %lld unknown, %lld sent or better\n",
	    kills, kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'unknown'"), kit_sql_int(&h, "SELECT count(*) FROM "
	    "messages WHERE state IN ('sent', 'delivered', 'read')"));
	harness_cleanup(&h);
}

/* A late ack of round 1 as Wassenger would send it: no reference. */
static void
post_ack(struct harness *h, int port, const char *waid, const char *phone,
    const char *body, const char *ref)
{
	char	 url[256], *b, *r;
	json_t	*j;
	int	 st;

	j = json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s,"
	    "s:I,s:s}}", "id", waid, "object", "message", "event",
	    "message:out:ack", "ack", "read", "device", "id", FW_DEVICE,
	    "phone", "+22890000000", "data", "id", waid, "flow", "outbound",
	    "toNumber", phone, "fromNumber", "+22890000000", "body", body,
	    "timestamp", (json_int_t)time(NULL), "ack", "read");
	if (ref != NULL)
		json_object_set_new(json_object_get(j, "data"), "reference",
		    json_string(ref));
	b = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	snprintf(url, sizeof url, "/api/webhooks/wassenger?token=" TOKEN);
	r = harness_http(port, "POST", url, b, &st);
	free(r);
	free(b);
	assert_int_equal(st, 200);
}

/*
 * Acceptance 4: a relaunch leaves unknown messages unknown, and an event
 * of round 1 never settles a message of round 2.
 */
static void
test_relaunch_round(void **state)
{
	struct harness	 h;
	char		 waid[64], ref[128], phone[64], body[256];
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 fd, port;

	port = start(&h, "1s", "[pacing]\ninterval = 10ms\njitter = 0\n"
	    "batch_size = 1000\ndaily_limit = 100000\nbreaker_failures = 0\n",
	    NULL);
	kit_fake_ctl(&h, "POST", "/_ctl/config", "{\"auto_ack\":null}");
	kit_seed(&h, "r", 1, 4);
	/* Round 1: the first message unknown (500, not taken), 3 sent. */
	kit_fake_ctl(&h, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/messages\",\"method\":\"POST\",\"status\":500}]}");
	fd = harness_connect(&h);
	kit_campaign(fd, "r", "Round {{first_name}}", 1);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'sent'", 3, 20), 3);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'unknown'"), 1);
	/* Round 2: the second contact's post is lost too. */
	kit_fake_ctl(&h, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/messages\",\"method\":\"POST\",\"status\":500}]}");
	json_decref(kit_call_ok(fd, "campaigns.relaunch", json_pack(
	    "{s:I,s:b}", "id", (json_int_t)1, "confirm", 1)));
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('pending', 'sending')", 0, 20), 0);
	/* The unknown one of round 1 is left as it was. */
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'unknown' AND round = 1"), 1);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'unknown' AND round = 2"), 1);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'sent' AND round = 2 AND reference LIKE '%-r2'"), 2);
	/* Round 1's id and reference of the message unknown in round 2. */
	assert_int_equal(sqlite3_open(h.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT i.wa_id, m.reference, "
	    "m.phone, m.body FROM messages m JOIN message_ids i ON "
	    "i.message_id = m.id WHERE m.state = 'unknown' AND m.round = 2 "
	    "AND i.round = 1", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(waid, sizeof waid, "%s", sqlite3_column_text(st, 0));
	snprintf(ref, sizeof ref, "%.*s1", (int)strlen((const char *)
	    sqlite3_column_text(st, 1)) - 1, sqlite3_column_text(st, 1));
	snprintf(phone, sizeof phone, "%s", sqlite3_column_text(st, 2));
	snprintf(body, sizeof body, "%s", sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* By its round-1 WhatsApp id, and by its round-1 reference. */
	post_ack(&h, port, waid, phone, body, NULL);
	post_ack(&h, port, "3EB0LATEROUND1000001", phone, body, ref);
	usleep(300000);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'unknown' AND round = 2"), 1);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'read'"), 0);
	counters_match(&h);
	close(fd);
	harness_cleanup(&h);
}

/* One integer from SQL on an open connection. */
static long long
sql_int(sqlite3 *db, const char *q)
{
	sqlite3_stmt	*st;
	long long	 v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * The store refuses writes for a while (another process holds the write
 * lock): the send in flight keeps its outcome in memory and records it
 * once the store takes it; the lane waits instead of stalling for good,
 * and nothing goes out twice.
 */
static void
test_store_refuses(void **state)
{
	struct harness	 h;
	sqlite3		*db;
	int		 fd, tries;

	start(&h, "10s", "[pacing]\ninterval = 50ms\njitter = 0\n"
	    "batch_size = 1000\ndaily_limit = 100000\nbreaker_failures = 0\n",
	    NULL);
	kit_seed(&h, "all", 1, 8);
	kit_fake_ctl(&h, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/messages\",\"method\":\"POST\",\"delay_ms\":1500,"
	    "\"count\":-1}]}");
	fd = harness_connect(&h);
	kit_campaign(fd, "all", "Hi {{first_name}}", 1);
	close(fd);
	assert_true(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')", 3, 20) >= 3);
	/*
	 * Take the lock while a post is in flight (claimed, its answer held
	 * back 1.5 s by the fake): the answer meets the refusing store.
	 */
	assert_int_equal(sqlite3_open(h.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	for (tries = 0;; tries++) {
		assert_true(tries < 10);
		assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM "
		    "messages WHERE state = 'sending'", 1, 10), 1);
		assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL,
		    NULL, NULL), SQLITE_OK);
		/* Its answer may have been stored just before the lock. */
		if (sql_int(db, "SELECT count(*) FROM messages WHERE "
		    "state = 'sending'") == 1)
			break;
		assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL,
		    NULL), SQLITE_OK);
	}
	/*
	 * Long enough for the answer (held 1.5 s by the fake) to meet the
	 * lock even under ASan, where the loop's own 1 s lock waits on the
	 * acks coming in can push its reading back by seconds.
	 */
	sleep(8);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	four_results(&h, 8);
	if (log_count(&h, "cannot record the outcome") == 0)
		log_tail(&h, 80);
	assert_true(log_count(&h, "cannot record the outcome") >= 1);
	/* The store's own reason, not the rollback's. */
	assert_true(log_count(&h, "cannot record the outcome: database is "
	    "locked") >= 1);
	assert_true(log_count(&h, "outcome recorded after") >= 1);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')"), 8);
	harness_cleanup(&h);
}

/* Have the fake tell the daemon that a contact wrote or reacted. */
static void
fake_inbound(struct harness *h, int port, const char *fields)
{
	char	 body[1024], *r;
	int	 st;

	snprintf(body, sizeof body, "{\"url\":\"http://127.0.0.1:%d/api/"
	    "webhooks/wassenger?token=" TOKEN "\",%s}", port, fields);
	r = harness_http(h->fake_port, "POST", "/_ctl/inbound", body, &st);
	free(r);
	assert_int_equal(st, 200);
}

/*
 * Inbound as the fake sends it after a real campaign: a reply from an
 * @lid chat with the number, a STOP from the same chat without it, a
 * reaction whose emoji is an object (twice: one Message 2).
 */
static void
test_inbound_from_fake(void **state)
{
	struct harness	 h;
	json_t		*d;
	char		 q[256], f[512];
	int		 fd, port;
	long long	 id;

	port = start(&h, "1s", "[pacing]\ninterval = 10ms\njitter = 0\n"
	    "batch_size = 1000\ndaily_limit = 100000\n", NULL);
	kit_seed(&h, "in", 1, 3);
	fd = harness_connect(&h);
	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:s,s:[s]}",
	    "name", "in", "message_1", "Bonjour {{first_name}}", "message_2",
	    "Merci {{first_name}}", "categories", "in"));
	id = json_integer_value(json_object_get(d, "id"));
	json_decref(d);
	json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)id)));
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')", 3, 20), 3);
	fake_inbound(&h, port, "\"id\":\"IN000000000000000000000001\","
	    "\"phone\":\"+33610000001\",\"lid\":\"480000000000001@lid\","
	    "\"text\":\"Oui\"");
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages m JOIN "
	    "contacts c ON c.id = m.contact_id WHERE c.full_number = "
	    "'+33610000001' AND m.message_type = 2", 1, 10), 1);
	fake_inbound(&h, port, "\"id\":\"IN000000000000000000000002\","
	    "\"lid\":\"480000000000001@lid\",\"text\":\"STOP\"");
	assert_int_equal(kit_wait_int(&h, "SELECT opted_out FROM contacts WHERE "
	    "full_number = '+33610000001'", 1, 10), 1);
	/* The reaction names its target by waId. */
	snprintf(q, sizeof q, "SELECT wa_id FROM messages m JOIN contacts c ON "
	    "c.id = m.contact_id WHERE c.full_number = '+33610000002'");
	{
		sqlite3		*db;
		sqlite3_stmt	*st;
		char		 waid[64] = "";

		assert_int_equal(sqlite3_open(h.db, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL),
		    SQLITE_OK);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_text(st, 0) != NULL)
			snprintf(waid, sizeof waid, "%s",
			    sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		sqlite3_close(db);
		assert_true(*waid != '\0');
		snprintf(f, sizeof f, "\"id\":\"IN000000000000000000000003\","
		    "\"phone\":\"+33610000002\",\"reaction\":\"\xf0\x9f\x91\x8d\","
		    "\"reaction_object\":true,\"target\":\"%s\"", waid);
		fake_inbound(&h, port, f);
		f[strlen("\"id\":\"IN00000000000000000000000")] = '4';
		fake_inbound(&h, port, f);
	}
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM interactions i "
	    "JOIN contacts c ON c.id = i.contact_id WHERE c.full_number = "
	    "'+33610000002' AND i.kind = 'reaction'", 2, 10), 2);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages m JOIN "
	    "contacts c ON c.id = m.contact_id WHERE c.full_number = "
	    "'+33610000002' AND m.message_type = 2"), 1);
	/* An @lid chat never seen with a number reaches no one. */
	fake_inbound(&h, port, "\"id\":\"IN000000000000000000000005\","
	    "\"lid\":\"480000000000009@lid\",\"text\":\"STOP\"");
	assert_true(kit_wait_int(&h, "SELECT count(*) FROM interactions WHERE "
	    "kind = 'optout'", 1, 3) == 1);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contacts WHERE "
	    "opted_out = 1"), 1);
	counters_match(&h);
	close(fd);
	harness_cleanup(&h);
}

/*
 * The journal stays bounded (DESIGN §7): applied acks keep only their
 * dedupe key, applied events go after [webhook] keep, events that
 * matched nothing after 48 h and not before, and the file gives the
 * pages back.
 */
static void
test_journal_bounded(void **state)
{
	struct harness	 h;
	char		 q[512];
	int		 fd;

	start(&h, "1s", "keep = 2s\n[pacing]\ninterval = 10ms\njitter = 0\n"
	    "batch_size = 1000\ndaily_limit = 100000\n", NULL);
	kit_seed(&h, "j", 1, 30);
	fd = harness_connect(&h);
	kit_campaign(fd, "j", "Hi {{first_name}}", 1);
	close(fd);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM messages WHERE "
	    "state = 'read'", 30, 30), 30);
	assert_true(kit_sql_int(&h, "SELECT count(*) FROM webhook_events WHERE "
	    "event = 'ack'") > 0);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM webhook_events "
	    "WHERE event = 'ack' AND applied = 1 AND body != ''"), 0);
	/* Two that matched nothing: 49 h old (goes), 47 h old (stays). */
	snprintf(q, sizeof q, "INSERT INTO webhook_events (event, object_id, "
	    "ack, received_at, body, applied) VALUES ('message:out:new', "
	    "'OLD49', '', %lld, '{}', 0), ('message:out:new', 'OLD47', '', "
	    "%lld, '{}', 0)", (long long)time(NULL) - 49 * 3600,
	    (long long)time(NULL) - 47 * 3600);
	kit_sql(&h, q);
	/* A pass every second with keep = 2s: applied events go. */
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM webhook_events "
	    "WHERE applied = 1", 0, 15), 0);
	assert_int_equal(kit_wait_int(&h, "SELECT count(*) FROM webhook_events "
	    "WHERE object_id = 'OLD49'", 0, 5), 0);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM webhook_events "
	    "WHERE object_id = 'OLD47'"), 1);
	/* The pages are given back (a new database vacuums incrementally). */
	assert_int_equal(kit_sql_int(&h, "PRAGMA auto_vacuum"), 2);
	assert_true(kit_wait_int(&h, "PRAGMA freelist_count", 0, 5) < 8);
	counters_match(&h);
	harness_cleanup(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_matrix),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_relaunch_round),
		cmocka_unit_test(test_store_refuses),
		cmocka_unit_test(test_inbound_from_fake),
		cmocka_unit_test(test_journal_bounded),
		cmocka_unit_test(test_sigkill),
		cmocka_unit_test_teardown(test_disk_full, disk_teardown),
	};

	/* WACAMP_TEST=test_lookup runs that one alone. */
	if (getenv("WACAMP_TEST") != NULL)
		cmocka_set_test_filter(getenv("WACAMP_TEST"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
