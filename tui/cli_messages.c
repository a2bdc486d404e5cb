#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"

/* The message states of DESIGN §6, as --state takes them. */
static const char *const states[] = {
	"pending", "sending", "sent", "delivered", "read", "failed",
	"unknown", "cancelled"
};

static void
print_messages(json_t *d)
{
	json_t	*m;
	size_t	 i;

	printf("%-8s %-6s %-2s %-16s %-10s %-4s %s\n", "ID", "CAMP", "T",
	    "PHONE", "STATE", "TRY", "ERROR");
	json_array_foreach(json_object_get(d, "items"), i, m) {
		printf("%-8lld %-6lld %-2lld %-16s %-10s %-4lld ",
		    cli_int(m, "id"), cli_int(m, "campaign_id"),
		    cli_int(m, "message_type"), cli_str(m, "phone"), cli_str(m, "state"),
		    cli_int(m, "attempts"));
		cli_puts_safe(cli_str(m, "error"), 60);
		printf("\n");
	}
	if (json_is_integer(json_object_get(d, "total")))
		printf("%lld%s message(s)\n", cli_int(d, "total"),
		    json_is_true(json_object_get(d, "total_capped")) ? "+" :
		    "");
	else	/* a search is not counted */
		printf("%zu message(s) found\n", json_array_size(
		    json_object_get(d, "items")));
	if (json_is_integer(json_object_get(d, "next")))
		printf("(more: --after %lld)\n", cli_int(d, "next"));
}

static int
cmd_messages_list(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *st;
	const char	*s;
	size_t		 i;

	if (cli_parse(argc, argv, "campaign=# status= state= contact=# "
	    "search= limit=# after=#", &opts, &pos) == -1)
		return EXIT_USAGE;
	if (json_array_size(pos) != 0) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	json_decref(pos);
	/* --state is DESIGN's name, --status the older one: the same. */
	if ((st = json_object_get(opts, "state")) != NULL) {
		if (json_object_get(opts, "status") != NULL) {
			fprintf(stderr, "wacamp: give --state or --status, not "
			    "both\n");
			json_decref(opts);
			return EXIT_USAGE;
		}
		json_object_set(opts, "status", st);
		json_object_del(opts, "state");
	}
	if ((s = json_string_value(json_object_get(opts, "status"))) != NULL) {
		for (i = 0; i < sizeof states / sizeof states[0]; i++)
			if (strcmp(s, states[i]) == 0)
				break;
		if (i == sizeof states / sizeof states[0]) {
			fprintf(stderr, "wacamp: unknown state \"%s\"; a state "
			    "is pending, sending, sent, delivered, read, "
			    "failed, unknown or cancelled\n", s);
			json_decref(opts);
			return EXIT_USAGE;
		}
	}
	if (json_object_get(opts, "contact") != NULL &&
	    json_integer_value(json_object_get(opts, "contact")) <= 0) {
		fprintf(stderr, "wacamp: --contact takes a contact id\n");
		json_decref(opts);
		return EXIT_USAGE;
	}
	return cli_call(cl, "messages.list", opts, -1, print_messages);
}

const struct cli_cmd cli_messages_cmds[] = {
	{ "messages", "list", "[--campaign ID] [--state S] [--contact ID] "
	    "[--search S] [--limit N] [--after ID]", cmd_messages_list },
	{ NULL, NULL, NULL, NULL }
};
