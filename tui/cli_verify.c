#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"
#include "client.h"

static void
print_verify(json_t *d)
{
	printf("contact %lld:%s on WhatsApp%s\n", cli_int(d, "id"),
	    json_is_true(json_object_get(d, "on_whatsapp")) ? "" : " not",
	    json_is_true(json_object_get(d, "cached")) ? " (cached)" : "");
}

static int
cmd_verify_contact(struct cli *cl, int argc, char **argv)
{
	char		*end;
	long long	 id;

	if (argc != 1)
		return EXIT_USAGE;
	id = strtoll(argv[0], &end, 10);
	if (*end != '\0' || end == argv[0] || id <= 0)
		return EXIT_USAGE;
	return cli_call(cl, "verify.contact", json_pack("{s:I}", "id",
	    (json_int_t)id), -1, print_verify);
}

/* verify.progress events while the bulk job runs, on one line. */
static void
bulk_event(const char *event, json_t *data, void *arg)
{
	if (strcmp(event, "verify.progress") != 0)
		return;
	fprintf(stderr, "\rverify: %lld of %lld checked (%lld on WhatsApp, "
	    "%lld not, %lld unanswered)", cli_int(data, "done"), cli_int(data,
	    "total"), cli_int(data, "valid"), cli_int(data, "invalid"), cli_int(data,
	    "unavailable"));
	fflush(stderr);
}

static void
print_bulk(json_t *d)
{
	if (cli_int(d, "total") == 0) {
		printf("nothing to verify: every contact was checked within "
		    "the cache time\n");
		return;
	}
	printf("verified %lld of %lld: %lld on WhatsApp, %lld not, %lld "
	    "unanswered (try again later)\n", cli_int(d, "done"), cli_int(d, "total"),
	    cli_int(d, "valid"), cli_int(d, "invalid"), cli_int(d, "unavailable"));
}

/*
 * The bulk job runs in the daemon at the [verify] interval; the command
 * waits for it (verify.bulk with wait), showing verify.progress events
 * on a terminal, and prints the final counts. Interrupting the command
 * leaves the job running in the daemon.
 */
static int
cmd_verify_bulk(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *args, *c, *data;
	char		*end;
	long long	 n;
	int		 rc, tty = isatty(STDERR_FILENO) && !cl->json;

	if (cli_parse(argc, argv, "category=", &opts, &pos) == -1)
		return EXIT_USAGE;
	if (json_array_size(pos) != 0) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	args = json_pack("{s:b}", "wait", 1);
	if ((c = json_object_get(opts, "category")) != NULL) {
		n = strtoll(json_string_value(c), &end, 10);
		json_object_set_new(args, "category", *end == '\0' && n > 0 ?
		    json_integer(n) : json_copy(c));
	}
	json_decref(opts);
	json_decref(pos);
	if (tty) {
		data = cli_get(cl, "subscribe", json_pack("{s:[s]}", "topics",
		    "jobs"), -1, &rc);
		if (data == NULL) {
			json_decref(args);
			return rc;
		}
		json_decref(data);
		cl->c.on_event = bulk_event;
	}
	rc = cli_call(cl, "verify.bulk", args, -1, print_bulk);
	if (tty)
		fputc('\n', stderr);
	return rc;
}

static void
print_stats(json_t *d)
{
	json_t	*b = json_object_get(d, "bulk");

	printf("contacts         %lld\n", cli_int(d, "contacts"));
	printf("on WhatsApp      %lld\n", cli_int(d, "on_whatsapp"));
	printf("not on WhatsApp  %lld\n", cli_int(d, "not_on_whatsapp"));
	printf("not checked      %lld\n", cli_int(d, "unverified"));
	printf("queued           %lld\n", cli_int(d, "queued"));
	if (json_is_object(b))
		printf("bulk job %lld     %lld of %lld checked\n",
		    cli_int(b, "job"), cli_int(b, "done"), cli_int(b, "total"));
}

static int
cmd_verify_stats(struct cli *cl, int argc, char **argv)
{
	if (argc != 0)
		return EXIT_USAGE;
	return cli_call(cl, "verify.stats", NULL, -1, print_stats);
}

const struct cli_cmd cli_verify_cmds[] = {
	{ "verify", "contact", "ID", cmd_verify_contact },
	{ "verify", "bulk", "[--category C]", cmd_verify_bulk },
	{ "verify", "stats", "", cmd_verify_stats },
	{ NULL, NULL, NULL, NULL }
};
