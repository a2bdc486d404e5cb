#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"

/* replies list: the inbox, newest first (DESIGN §10). */

static void
print_replies(json_t *d)
{
	json_t	*m, *c, *cp, *msg;
	size_t	 i;
	char	 age[32], ref[32];

	printf("%-8s %-6s %-9s %-16s %-20s %-12s %s\n", "ID", "AGE", "KIND",
	    "NUMBER", "NAME", "CAMPAIGN", "TEXT");
	json_array_foreach(json_object_get(d, "items"), i, m) {
		c = json_object_get(m, "contact");
		cp = json_object_get(m, "campaign");
		msg = json_object_get(m, "message");
		printf("%-8lld %-6s %-9s %-16s ", cli_int(m, "id"),
		    cli_age(age, sizeof age, json_object_get(m, "created_at")),
		    cli_str(m, "kind"), cli_str(c, "number"));
		cli_puts_safe(cli_str(c, "name"), 20);
		putchar(' ');
		if (json_is_object(cp)) {
			snprintf(ref, sizeof ref, "%lld/M%lld", cli_int(cp, "id"),
			    json_is_object(msg) ? cli_int(msg, "type") : 0);
			printf("%-12s ", ref);
		} else
			printf("%-12s ", "-");
		cli_puts_safe(cli_str(m, "body"), 60);
		printf("\n");
	}
	printf("%lld%s reply(ies)\n", cli_int(d, "total"),
	    json_is_true(json_object_get(d, "total_capped")) ? "+" : "");
	if (json_is_integer(json_object_get(d, "next")))
		printf("(more: --after %lld)\n", cli_int(d, "next"));
}

static int
cmd_replies_list(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos;

	if (cli_parse(argc, argv, "campaign=# contact=# limit=# after=#",
	    &opts, &pos) == -1)
		return EXIT_USAGE;
	if (json_array_size(pos) != 0) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	json_decref(pos);
	return cli_call(cl, "replies.list", opts, -1, print_replies);
}

const struct cli_cmd cli_replies_cmds[] = {
	{ "replies", "list", "[--campaign ID] [--contact ID] [--limit N] "
	    "[--after ID]", cmd_replies_list },
	{ NULL, NULL, NULL, NULL }
};
