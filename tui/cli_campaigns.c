#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"
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

static void
print_campaign(json_t *c)
{
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

static int
cmd_stats(struct cli *cl, int argc, char **argv)
{
	return by_id(cl, argc, argv, "campaigns.stats");
}

/*
 * Send: on a terminal, say who will get Message 1 and how many
 * suppress_days leaves out, and ask unless --yes; off a terminal, send
 * (the reply says how many were left out).
 */
static int
cmd_send(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *a;
	json_int_t	 id;
	char		*end, q[256];
	int		 yes, rc;

	if (cli_parse(argc, argv, "yes", &opts, &pos) == -1)
		return EXIT_USAGE;
	yes = json_is_true(json_object_get(opts, "yes"));
	id = json_array_size(pos) == 1 ? strtoll(json_string_value(
	    json_array_get(pos, 0)), &end, 10) : 0;
	rc = id <= 0 || *end != '\0' ? EXIT_USAGE : EXIT_OK;
	json_decref(opts);
	json_decref(pos);
	if (rc != EXIT_OK)
		return rc;
	if (!yes && isatty(STDIN_FILENO)) {
		if ((a = cli_get(cl, "campaigns.send", json_pack("{s:I,s:b}",
		    "id", id, "dry_run", 1), -1, &rc)) == NULL)
			return rc;
		if (geti(a, "suppressed") > 0)
			snprintf(q, sizeof q, "Send campaign %lld to %lld "
			    "contact(s)? %lld left out: messaged by another "
			    "campaign in the last %lld day(s)", (long long)id,
			    (long long)geti(a, "recipients"),
			    (long long)geti(a, "suppressed"),
			    (long long)geti(a, "suppress_days"));
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

static int
cmd_create(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *args, *cats, *v, *c2;
	size_t		 i;
	char		*end;
	long long	 n;

	if (cli_parse(argc, argv, "name= message-1= message-2= category=+",
	    &opts, &pos) == -1)
		return EXIT_USAGE;
	if (json_array_size(pos) != 0 || !json_object_get(opts, "name") ||
	    !json_object_get(opts, "message_1")) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	args = json_pack("{s:O,s:O}", "name", json_object_get(opts, "name"),
	    "message_1", json_object_get(opts, "message_1"));
	if (json_object_get(opts, "message_2") != NULL)
		json_object_set(args, "message_2", json_object_get(opts,
		    "message_2"));
	cats = json_array();
	c2 = json_object_get(opts, "category");
	if (json_is_string(c2)) {
		c2 = json_pack("[O]", c2);
	} else
		json_incref(c2);
	json_array_foreach(c2, i, v) {
		n = strtoll(json_string_value(v), &end, 10);
		if (*end == '\0' && n > 0)
			json_array_append_new(cats, json_integer(n));
		else
			json_array_append(cats, v);
	}
	json_decref(c2);
	json_object_set_new(args, "categories", cats);
	json_decref(opts);
	json_decref(pos);
	return cli_call(cl, "campaigns.create", args, -1, print_campaign);
}

const struct cli_cmd cli_campaigns_cmds[] = {
	{ "campaigns", "list", "", cmd_list },
	{ "campaigns", "get", "ID", cmd_get },
	{ "campaigns", "stats", "ID", cmd_stats },
	{ "campaigns", "delete", "ID", cmd_delete },
	{ "campaigns", "create", "--name N --message-1 TEXT [--message-2 TEXT] "
	    "--category C [--category C...]", cmd_create },
	{ "campaigns", "send", "ID [--yes]", cmd_send },
	{ "campaigns", "stop", "ID", cmd_stop },
	{ "campaigns", "resume", "ID", cmd_resume },
	{ "campaigns", "retry", "ID [--include-unknown [--yes]]", cmd_retry },
	{ "campaigns", "relaunch", "ID [--yes]", cmd_relaunch },
	{ "campaigns", "settle", "ID --sent | --failed [--message M]",
	    cmd_settle },
	{ NULL, NULL, NULL, NULL }
};
