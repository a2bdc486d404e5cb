#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"
#include "text.h"
#include "xmalloc.h"

static int
one_id(int argc, char **argv, json_int_t *id)
{
	char	*end;

	if (argc != 1)
		return -1;
	*id = strtoll(argv[0], &end, 10);
	return (*end == '\0' && end != argv[0] && *id > 0) ? 0 : -1;
}

static json_int_t
geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/*
 * Unknown messages may have gone out (DESIGN §6): the daemon never posts
 * them again by itself, so say how many wait for the operator, since
 * when, and how to settle them.
 */
static void
print_unknown(json_t *c)
{
	char	 age[32];

	if (geti(c, "unknown") <= 0)
		return;
	printf("  unknown %lld", (long long)geti(c, "unknown"));
	if (*cli_age(age, sizeof age, json_object_get(c,
	    "unknown_oldest_at")) != '\0')
		printf(", oldest %s ago", age);
	printf(" (settle with: wacamp campaigns settle %lld --sent | "
	    "--failed)\n", (long long)geti(c, "id"));
}

/*
 * Progress is what left so far over the audience (Message 1): it never
 * moves back within a round. Message 2 is counted apart.
 */
static void
print_progress(json_t *c)
{
	json_t	*m2 = json_object_get(c, "message_2_progress");
	json_t	*why = json_object_get(c, "cancelled_by");

	printf("  sent so far %lld of %lld (%lld%%)", (long long)geti(c,
	    "sent_so_far"), (long long)geti(c, "total"), (long long)geti(c,
	    "progress_percent"));
	if (geti(c, "unknown") > 0)
		printf(", %lld unknown (may have gone out)",
		    (long long)geti(c, "unknown"));
	printf("\n");
	if (geti(c, "cancelled") > 0 && why != NULL)
		printf("  cancelled %lld: stopped %lld, opted out %lld, erased "
		    "%lld\n", (long long)geti(c, "cancelled"),
		    (long long)geti(why, "stop"), (long long)geti(why,
		    "optout"), (long long)geti(why, "erased"));
	if (geti(c, "suppressed") > 0)
		printf("  left out at launch %lld (messaged by another "
		    "campaign recently: suppress_days)\n",
		    (long long)geti(c, "suppressed"));
	if (m2 != NULL && geti(m2, "total") > 0)
		printf("  message 2: %lld queued, %lld sent, %lld pending, "
		    "%lld failed\n", (long long)geti(m2, "total"),
		    (long long)geti(m2, "sent_so_far"), (long long)(geti(m2,
		    "pending") + geti(m2, "sending")), (long long)geti(m2,
		    "failed"));
}

/* Unix time T as local "2026-12-24 09:00 GMT" into BUF. */
static const char *
local_time(char *buf, size_t len, json_int_t t)
{
	time_t		 tt = (time_t)t;
	struct tm	*tm;

	if ((tm = localtime(&tt)) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M %Z", tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static void
print_campaign(json_t *c)
{
	char	 when[64];

	printf("campaign %lld: ", (long long)geti(c, "id"));
	cli_puts_safe(json_string_value(json_object_get(c, "name")), 0);
	printf(" [%s, round %lld]\n", json_string_value(json_object_get(c,
	    "status")), (long long)geti(c, "round"));
	printf("  total %lld  pending %lld  sending %lld  sent %lld  "
	    "delivered %lld  read %lld  failed %lld  unknown %lld  "
	    "cancelled %lld\n", (long long)geti(c, "total"),
	    (long long)geti(c, "pending"), (long long)geti(c, "sending"),
	    (long long)geti(c, "sent"), (long long)geti(c, "delivered"),
	    (long long)geti(c, "read"), (long long)geti(c, "failed"),
	    (long long)geti(c, "unknown"), (long long)geti(c, "cancelled"));
	print_progress(c);
	print_unknown(c);
	if (json_object_get(c, "message_1") != NULL) {
		printf("  message 1: ");
		cli_puts_safe(json_string_value(json_object_get(c,
		    "message_1")), 0);
		printf("\n");
	}
	if (json_string_value(json_object_get(c, "message_2")) != NULL) {
		printf("  message 2: ");
		cli_puts_safe(json_string_value(json_object_get(c,
		    "message_2")), 0);
		printf("\n");
	}
	if (json_array_size(json_object_get(c, "devices")) > 0) {
		json_t	*v;
		size_t	 i;

		printf("  devices:");
		json_array_foreach(json_object_get(c, "devices"), i, v) {
			printf("%s ", i > 0 ? "," : "");
			cli_puts_safe(json_string_value(v), 0);
		}
		printf("\n");
	}
	if (json_is_integer(json_object_get(c, "start_at"))) {
		printf("  start%s %s\n", strcmp(json_string_value(
		    json_object_get(c, "status")), "scheduled") == 0 ?
		    "s" : " time", local_time(when, sizeof when,
		    geti(c, "start_at")));
	}
	if (json_is_string(json_object_get(c, "window")))
		printf("  sends only between %s\n", json_string_value(
		    json_object_get(c, "window")));
	if (json_is_integer(json_object_get(c, "eta_seconds")))
		printf("  eta %llds\n", (long long)geti(c, "eta_seconds"));
}

static void
print_campaigns(json_t *d)
{
	json_t	*c;
	size_t	 i;

	printf("%-5s %-24s %-10s %7s %7s %7s %7s\n", "ID", "NAME", "STATUS",
	    "TOTAL", "PENDING", "SENT", "FAILED");
	json_array_foreach(json_object_get(d, "items"), i, c) {
		printf("%-5lld ", (long long)geti(c, "id"));
		cli_puts_safe(json_string_value(json_object_get(c, "name")), 24);
		printf(" %-10s %7lld %7lld %7lld %7lld\n",
		    json_string_value(json_object_get(c, "status")),
		    (long long)geti(c, "total"), (long long)geti(c, "pending"),
		    (long long)(geti(c, "sent") + geti(c, "delivered") +
		    geti(c, "read")), (long long)geti(c, "failed"));
	}
}

static int
cmd_list(struct cli *cl, int argc, char **argv)
{
	if (argc != 0)
		return EXIT_USAGE;
	return cli_call(cl, "campaigns.list", NULL, -1, print_campaigns);
}

/* NOUN VERB ID commands that print the campaign. */
static int
by_id(struct cli *cl, int argc, char **argv, const char *cmd)
{
	json_int_t	 id;

	if (one_id(argc, argv, &id) == -1)
		return EXIT_USAGE;
	return cli_call(cl, cmd, json_pack("{s:I}", "id", id), -1,
	    print_campaign);
}

static int
cmd_get(struct cli *cl, int argc, char **argv)
{
	return by_id(cl, argc, argv, "campaigns.get");
}

/* A rate as a percentage, always with a '.' (LC_NUMERIC is "C"). */
static double
pct(json_t *c, const char *key)
{
	return json_number_value(json_object_get(c, key)) * 100;
}

static void
print_stats(json_t *c)
{
	print_campaign(c);
	printf("  rates: delivered %.1f%%  read %.1f%%  replies %.1f%%  "
	    "errors %.1f%%\n", pct(c, "delivery_rate"), pct(c, "read_rate"),
	    pct(c, "interaction_rate"), pct(c, "error_rate"));
}

static int
cmd_stats(struct cli *cl, int argc, char **argv)
{
	json_int_t	 id;

	if (one_id(argc, argv, &id) == -1)
		return EXIT_USAGE;
	return cli_call(cl, "campaigns.stats", json_pack("{s:I}", "id", id),
	    -1, print_stats);
}

/* Seconds as "45s", "12m", "3h05m", "2d04h" (never the locale's). */
static const char *
fmt_duration(char *buf, size_t len, json_int_t t)
{
	if (t < 0)
		t = 0;
	if (t < 60)
		snprintf(buf, len, "%llds", (long long)t);
	else if (t < 3600)
		snprintf(buf, len, "%lldm", (long long)(t / 60));
	else if (t < 86400)
		snprintf(buf, len, "%lldh%02lldm", (long long)(t / 3600),
		    (long long)(t % 3600 / 60));
	else
		snprintf(buf, len, "%lldd%02lldh", (long long)(t / 86400),
		    (long long)(t % 86400 / 3600));
	return buf;
}

/* What a launch would do (campaigns.send with dry_run), for the operator. */
static void
print_plan(json_t *p)
{
	json_t		*lo = json_object_get(p, "left_out");
	json_int_t	 eta = geti(p, "eta_seconds");
	time_t		 at = (time_t)geti(p, "eta_at");
	struct tm	*tm;
	char		 when[64] = "", dur[32], start[64];

	printf("campaign %lld: Message 1 to %lld unique recipient(s)\n",
	    (long long)geti(p, "id"), (long long)geti(p, "recipients"));
	if (geti(lo, "total") > 0) {
		printf("  left out %lld:", (long long)geti(lo, "total"));
		printf(" %lld opted out,", (long long)geti(lo, "opted_out"));
		printf(" %lld suppressed (messaged by another campaign in the "
		    "last %lld day(s)),", (long long)geti(lo, "suppressed"),
		    (long long)geti(p, "suppress_days"));
		printf(" %lld without a valid number\n",
		    (long long)geti(lo, "no_valid_number"));
	}
	if (geti(p, "duplicates") > 0)
		printf("  %lld duplicate(s) across its categories, counted "
		    "once\n", (long long)geti(p, "duplicates"));
	printf("  capacity left today %lld of %lld (%lld sent today)\n",
	    (long long)geti(p, "capacity_today"),
	    (long long)geti(p, "daily_limit"),
	    (long long)geti(p, "sent_today"));
	if (geti(p, "queued_before") > 0)
		printf("  %lld message(s) of running campaigns go first\n",
		    (long long)geti(p, "queued_before"));
	if ((tm = localtime(&at)) != NULL)
		strftime(when, sizeof when, " (%Y-%m-%d %H:%M %Z)", tm);
	if (json_is_null(json_object_get(p, "eta_seconds")))
		printf("  never sent: the sending windows and days never "
		    "meet\n");
	else if (json_is_integer(json_object_get(p, "start_at"))) {
		printf("  starts %s; its audience is taken then\n",
		    local_time(start, sizeof start, geti(p, "start_at")));
		printf("  all sent about %s after the start%s\n",
		    fmt_duration(dur, sizeof dur, eta), when);
	} else
		printf("  all sent in about %s%s\n", fmt_duration(dur,
		    sizeof dur, eta), when);
}

/*
 * Send: say who gets Message 1, who is left out and why, today's capacity
 * and the ETA, and ask on a terminal; off a terminal, --yes is needed (a
 * script says it means it). --dry-run only shows.
 */
static int
cmd_send(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *a;
	json_int_t	 id;
	char		*end, q[128];
	int		 yes, dry, rc;

	if (cli_parse(argc, argv, "yes dry-run", &opts, &pos) == -1)
		return EXIT_USAGE;
	yes = json_is_true(json_object_get(opts, "yes"));
	dry = json_is_true(json_object_get(opts, "dry_run"));
	id = json_array_size(pos) == 1 ? strtoll(json_string_value(
	    json_array_get(pos, 0)), &end, 10) : 0;
	rc = id <= 0 || *end != '\0' ? EXIT_USAGE : EXIT_OK;
	json_decref(opts);
	json_decref(pos);
	if (rc != EXIT_OK)
		return rc;
	if (dry)
		return cli_call(cl, "campaigns.send", json_pack("{s:I,s:b}",
		    "id", id, "dry_run", 1), -1, print_plan);
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "wacamp: campaigns send asks before "
			    "sending; pass --yes (or --dry-run to see who "
			    "would get it)\n");
			return EXIT_USAGE;
		}
		if ((a = cli_get(cl, "campaigns.send", json_pack("{s:I,s:b}",
		    "id", id, "dry_run", 1), -1, &rc)) == NULL)
			return rc;
		print_plan(a);
		if (json_is_integer(json_object_get(a, "start_at")))
			snprintf(q, sizeof q, "Schedule campaign %lld for "
			    "%lld contact(s) now?", (long long)id,
			    (long long)geti(a, "recipients"));
		else
			snprintf(q, sizeof q, "Send campaign %lld to %lld "
			    "contact(s)?", (long long)id,
			    (long long)geti(a, "recipients"));
		json_decref(a);
		if (!cli_confirm(q)) {
			fprintf(stderr, "wacamp: not sent\n");
			return EXIT_REFUSED;
		}
	}
	return cli_call(cl, "campaigns.send", json_pack("{s:I}", "id", id), -1,
	    print_campaign);
}

static void
print_duplicate(json_t *c)
{
	printf("campaign %lld: ", (long long)geti(c, "id"));
	cli_puts_safe(json_string_value(json_object_get(c, "name")), 0);
	printf(" [draft], a copy of campaign %lld\n", (long long)geti(c,
	    "duplicate_of"));
}

static int
cmd_duplicate(struct cli *cl, int argc, char **argv)
{
	json_int_t	 id;

	if (one_id(argc, argv, &id) == -1)
		return EXIT_USAGE;
	return cli_call(cl, "campaigns.duplicate", json_pack("{s:I}", "id",
	    id), -1, print_duplicate);
}

static void
print_test(json_t *t)
{
	printf("test send of campaign %lld queued as message %lld to %s%s\n",
	    (long long)geti(t, "id"), (long long)geti(t, "message"),
	    json_string_value(json_object_get(t, "phone")),
	    json_is_true(json_object_get(t, "contact_created")) ?
	    " (a new contact)" : "");
	printf("  ");
	cli_puts_safe(json_string_value(json_object_get(t, "body")), 0);
	printf("\n  follow it with: wacamp messages list --campaign %lld\n",
	    (long long)geti(t, "test_campaign"));
}

/* Test send: campaign ID's Message 1 to PHONE (or --contact C) only. */
static int
cmd_test(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *args;
	json_int_t	 id;
	char		*end;
	size_t		 np;

	if (cli_parse(argc, argv, "contact=#", &opts, &pos) == -1)
		return EXIT_USAGE;
	np = json_array_size(pos);
	id = np >= 1 ? strtoll(json_string_value(json_array_get(pos, 0)), &end,
	    10) : 0;
	if (id <= 0 || *end != '\0' || np != (json_object_get(opts,
	    "contact") != NULL ? 1u : 2u)) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	args = json_pack("{s:I}", "id", id);
	if (np == 2)
		json_object_set(args, "phone", json_array_get(pos, 1));
	else
		json_object_set(args, "contact", json_object_get(opts,
		    "contact"));
	json_decref(opts);
	json_decref(pos);
	return cli_call(cl, "campaigns.test", args, -1, print_test);
}

static int
cmd_stop(struct cli *cl, int argc, char **argv)
{
	return by_id(cl, argc, argv, "campaigns.stop");
}

static int
cmd_resume(struct cli *cl, int argc, char **argv)
{
	return by_id(cl, argc, argv, "campaigns.resume");
}

static void
print_deleted(json_t *d)
{
	printf("deleted\n");
}

static int
cmd_delete(struct cli *cl, int argc, char **argv)
{
	json_int_t	 id;

	if (one_id(argc, argv, &id) == -1)
		return EXIT_USAGE;
	return cli_call(cl, "campaigns.delete", json_pack("{s:I}", "id", id),
	    -1, print_deleted);
}

/*
 * Retrying unknown messages posts them again: any that did go out reaches
 * its contact twice. Say so, and ask unless --yes (which a script off a
 * terminal must give), as relaunch does; on a terminal, a campaign with
 * no unknown message has nothing to send twice and is not asked about.
 */
static int
confirm_unknown(struct cli *cl, json_int_t id, int yes)
{
	json_t		*c;
	json_int_t	 n = 0;
	char		 q[256];
	int		 rc;

	if (!yes && isatty(STDIN_FILENO)) {
		if ((c = cli_get(cl, "campaigns.get", json_pack("{s:I}", "id",
		    id), -1, &rc)) == NULL)
			return rc;
		n = geti(c, "unknown");
		json_decref(c);
		if (n == 0)
			return EXIT_OK;		/* nothing to send twice */
	}
	fprintf(stderr, "wacamp: --include-unknown posts the unknown messages "
	    "again; any that did go out will reach its contact twice\n");
	if (yes)
		return EXIT_OK;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "wacamp: pass --yes to retry them anyway, or "
		    "settle them with: wacamp campaigns settle %lld --sent | "
		    "--failed\n", (long long)id);
		return EXIT_USAGE;
	}
	snprintf(q, sizeof q, "Send %lld unknown message(s) of campaign %lld "
	    "again, at the risk of duplicates?", (long long)n, (long long)id);
	if (!cli_confirm(q)) {
		fprintf(stderr, "wacamp: not retried\n");
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

static int
cmd_retry(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos;
	json_int_t	 id;
	char		*end;
	int		 unk, yes, rc;

	if (cli_parse(argc, argv, "include-unknown yes", &opts, &pos) == -1)
		return EXIT_USAGE;
	unk = json_is_true(json_object_get(opts, "include_unknown"));
	yes = json_is_true(json_object_get(opts, "yes"));
	id = json_array_size(pos) == 1 ? strtoll(json_string_value(
	    json_array_get(pos, 0)), &end, 10) : 0;
	rc = id <= 0 || *end != '\0' ? EXIT_USAGE : EXIT_OK;
	json_decref(opts);
	json_decref(pos);
	if (rc != EXIT_OK)
		return rc;
	if (unk && (rc = confirm_unknown(cl, id, yes)) != EXIT_OK)
		return rc;
	return cli_call(cl, "campaigns.retry", json_pack("{s:I,s:b}", "id", id,
	    "include_unknown", unk), -1, print_campaign);
}

/*
 * Record what the operator saw in Wassenger's app for unknown messages:
 * one (--message) or all of the campaign's. Nothing is posted.
 */
static int
cmd_settle(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *args, *data, *m;
	json_int_t	 id;
	const char	*outcome;
	char		*end;
	int		 sent, failed, rc;

	if (cli_parse(argc, argv, "sent failed message=#", &opts, &pos) == -1)
		return EXIT_USAGE;
	sent = json_is_true(json_object_get(opts, "sent"));
	failed = json_is_true(json_object_get(opts, "failed"));
	id = json_array_size(pos) == 1 ? strtoll(json_string_value(
	    json_array_get(pos, 0)), &end, 10) : 0;
	m = json_object_get(opts, "message");
	if (id <= 0 || *end != '\0' || sent == failed ||
	    (m != NULL && json_integer_value(m) <= 0)) {
		if (sent && failed)
			fprintf(stderr, "wacamp: --sent and --failed exclude "
			    "each other\n");
		else if (!sent && !failed)
			fprintf(stderr, "wacamp: say what happened: --sent or "
			    "--failed\n");
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	outcome = sent ? "sent" : "failed";
	args = json_pack("{s:I,s:s}", "id", id, "outcome", outcome);
	if (m != NULL)
		json_object_set(args, "message", m);
	json_decref(opts);
	json_decref(pos);
	if ((data = cli_get(cl, "campaigns.settle", args, -1, &rc)) == NULL)
		return rc;
	if (cl->json)
		cli_print_json(data);
	else
		printf("settled %lld message(s) of campaign %lld as %s\n",
		    (long long)geti(data, "settled"), (long long)id, outcome);
	json_decref(data);
	return EXIT_OK;
}

static int
cmd_relaunch(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos;
	json_int_t	 id;
	char		*end;
	int		 yes;

	if (cli_parse(argc, argv, "yes", &opts, &pos) == -1)
		return EXIT_USAGE;
	yes = json_is_true(json_object_get(opts, "yes"));
	id = json_array_size(pos) == 1 ? strtoll(json_string_value(
	    json_array_get(pos, 0)), &end, 10) : 0;
	json_decref(opts);
	if (id <= 0 || *end != '\0') {
		json_decref(pos);
		return EXIT_USAGE;
	}
	json_decref(pos);
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "wacamp: relaunch sends to the whole "
			    "audience again; pass --yes\n");
			return EXIT_USAGE;
		}
		if (!cli_confirm("Send campaign again to its whole "
		    "audience?")) {
			fprintf(stderr, "wacamp: not relaunched\n");
			return EXIT_REFUSED;
		}
	}
	return cli_call(cl, "campaigns.relaunch", json_pack("{s:I,s:b}", "id",
	    id, "confirm", 1), -1, print_campaign);
}

#define TEXT_FILE_MAX	(1024 * 1024)

/*
 * The text of FILE ("-": stdin) into *OUT, for --message-N-file: UTF-8
 * checked (the error names the file and the byte), the newlines that end
 * the file dropped. -1 (message printed) on an error.
 */
static int
read_text(const char *file, char **out)
{
	FILE	*fp;
	char	*buf;
	size_t	 len = 0, n;
	long	 bad;

	*out = NULL;
	if (strcmp(file, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(file, "r")) == NULL) {
		fprintf(stderr, "wacamp: %s: %s\n", file, strerror(errno));
		return -1;
	}
	buf = xmalloc(TEXT_FILE_MAX + 1);
	while (len <= TEXT_FILE_MAX && (n = fread(buf + len, 1,
	    TEXT_FILE_MAX + 1 - len, fp)) > 0)
		len += n;
	if (ferror(fp) || len > TEXT_FILE_MAX) {
		fprintf(stderr, "wacamp: %s: %s\n", file, ferror(fp) ?
		    strerror(errno) : "longer than 1 MiB");
		goto fail;
	}
	if ((bad = text_utf8_invalid_at(buf, len)) != -1) {
		fprintf(stderr, "wacamp: %s: invalid UTF-8 at byte %ld (the "
		    "text must be UTF-8, with no NUL)\n", file, bad);
		goto fail;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (fp != stdin)
		fclose(fp);
	*out = buf;
	return 0;
fail:
	if (fp != stdin)
		fclose(fp);
	free(buf);
	return -1;
}

/* --message-N TEXT or --message-N-file FILE into ARGS' KEY; -1 on error. */
static int
message_arg(json_t *opts, json_t *args, const char *key)
{
	char		 fkey[32];
	json_t		*t, *f;
	char		*text;

	snprintf(fkey, sizeof fkey, "%s_file", key);
	t = json_object_get(opts, key);
	f = json_object_get(opts, fkey);
	if (t != NULL && f != NULL) {
		fprintf(stderr, "wacamp: give --%s or --%s-file, not both\n",
		    key[8] == '1' ? "message-1" : "message-2", key[8] == '1' ?
		    "message-1" : "message-2");
		return -1;
	}
	if (t != NULL)
		json_object_set(args, key, t);
	else if (f != NULL) {
		if (read_text(json_string_value(f), &text) == -1)
			return -1;
		json_object_set_new(args, key, json_string(text));
		free(text);
	}
	return 0;
}

#define CAMPAIGN_OPTS	"name= message-1= message-2= message-1-file= " \
	"message-2-file= category=+ template= start-at= window= device=+"

/* The campaign fields of OPTS (create and update) into ARGS; -1 on error. */
static int
campaign_args(json_t *opts, json_t *args)
{
	json_t		*cats, *v;
	size_t		 i;
	char		*end;
	long long	 n;

	if (json_object_get(opts, "name") != NULL)
		json_object_set(args, "name", json_object_get(opts, "name"));
	if (json_object_get(opts, "start_at") != NULL)
		json_object_set(args, "start_at", json_object_get(opts,
		    "start_at"));
	if (json_object_get(opts, "window") != NULL)
		json_object_set(args, "window", json_object_get(opts,
		    "window"));
	if (message_arg(opts, args, "message_1") == -1 ||
	    message_arg(opts, args, "message_2") == -1)
		return -1;
	if ((v = json_object_get(opts, "template")) != NULL) {
		if (json_object_get(args, "message_1") != NULL) {
			fprintf(stderr, "wacamp: give --message-1[-file] or "
			    "--template, not both\n");
			return -1;
		}
		n = strtoll(json_string_value(v), &end, 10);
		if (*end == '\0' && n > 0)
			json_object_set_new(args, "template", json_integer(n));
		else
			json_object_set(args, "template", v);
	}
	/* The lanes it sends through; "all": every healthy one again. */
	if (json_object_get(opts, "device") != NULL) {
		cats = json_array();
		json_array_foreach(json_object_get(opts, "device"), i, v)
			if (strcmp(json_string_value(v), "all") != 0)
				json_array_append(cats, v);
		json_object_set_new(args, "devices", cats);
	}
	if (json_object_get(opts, "category") == NULL)
		return 0;
	cats = json_array();
	json_array_foreach(json_object_get(opts, "category"), i, v) {
		n = strtoll(json_string_value(v), &end, 10);
		if (*end == '\0' && n > 0)
			json_array_append_new(cats, json_integer(n));
		else
			json_array_append(cats, v);
	}
	json_object_set_new(args, "categories", cats);
	return 0;
}

static int
cmd_create(struct cli *cl, int argc, char **argv)
{
	json_t	*opts, *pos, *args;
	int	 bad;

	if (cli_parse(argc, argv, CAMPAIGN_OPTS, &opts, &pos) == -1)
		return EXIT_USAGE;
	args = json_object();
	bad = json_array_size(pos) != 0 || !json_object_get(opts, "name") ||
	    (!json_object_get(opts, "message_1") && !json_object_get(opts,
	    "message_1_file") && !json_object_get(opts, "template")) ||
	    campaign_args(opts, args) == -1;
	if (!bad && json_object_get(args, "categories") == NULL)
		json_object_set_new(args, "categories", json_array());
	json_decref(opts);
	json_decref(pos);
	if (bad) {
		json_decref(args);
		return EXIT_USAGE;
	}
	return cli_call(cl, "campaigns.create", args, -1, print_campaign);
}

/* Update a draft: only the options given change; --message-2 '' removes it. */
static int
cmd_update(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *args;
	json_int_t	 id;
	char		*end;
	int		 bad;

	if (cli_parse(argc, argv, CAMPAIGN_OPTS, &opts, &pos) == -1)
		return EXIT_USAGE;
	id = json_array_size(pos) == 1 ? strtoll(json_string_value(
	    json_array_get(pos, 0)), &end, 10) : 0;
	args = json_pack("{s:I}", "id", id);
	bad = id <= 0 || *end != '\0' || campaign_args(opts, args) == -1;
	if (!bad && json_object_size(args) == 1) {
		fprintf(stderr, "wacamp: nothing to update: give --name, "
		    "--message-1[-file], --template, --message-2[-file], "
		    "--category, --device, --start-at or --window\n");
		bad = 1;
	}
	json_decref(opts);
	json_decref(pos);
	if (bad) {
		json_decref(args);
		return EXIT_USAGE;
	}
	return cli_call(cl, "campaigns.update", args, -1, print_campaign);
}

const struct cli_cmd cli_campaigns_cmds[] = {
	{ "campaigns", "list", "", cmd_list },
	{ "campaigns", "get", "ID", cmd_get },
	{ "campaigns", "stats", "ID", cmd_stats },
	{ "campaigns", "delete", "ID", cmd_delete },
	{ "campaigns", "create", "--name N --message-1 TEXT | --message-1-file "
	    "FILE | --template T [--message-2 TEXT | --message-2-file FILE] "
	    "--category C [--category C...] [--device D...] "
	    "[--start-at TIME] [--window HH:MM-HH:MM]", cmd_create },
	{ "campaigns", "update", "ID [--name N] [--message-1 TEXT | "
	    "--message-1-file FILE | --template T] [--message-2 TEXT | "
	    "--message-2-file FILE] [--category C...] [--device D... | "
	    "--device all] [--start-at TIME | --start-at ''] "
	    "[--window HH:MM-HH:MM | --window '']", cmd_update },
	{ "campaigns", "duplicate", "ID", cmd_duplicate },
	{ "campaigns", "send", "ID [--yes | --dry-run]", cmd_send },
	{ "campaigns", "test", "ID PHONE | ID --contact C", cmd_test },
	{ "campaigns", "stop", "ID", cmd_stop },
	{ "campaigns", "resume", "ID", cmd_resume },
	{ "campaigns", "retry", "ID [--include-unknown [--yes]]", cmd_retry },
	{ "campaigns", "relaunch", "ID [--yes]", cmd_relaunch },
	{ "campaigns", "settle", "ID --sent | --failed [--message M]",
	    cmd_settle },
	{ NULL, NULL, NULL, NULL }
};
