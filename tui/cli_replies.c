#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"

/* replies list: the inbox, newest first (DESIGN §10). */

static long long
jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *
jstr(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

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
		printf("%-8lld %-6s %-9s %-16s ", jint(m, "id"),
		    cli_age(age, sizeof age, json_object_get(m, "created_at")),
		    jstr(m, "kind"), jstr(c, "number"));
		cli_puts_safe(jstr(c, "name"), 20);
		putchar(' ');
		if (json_is_object(cp)) {
			snprintf(ref, sizeof ref, "%lld/M%lld", jint(cp, "id"),
			    json_is_object(msg) ? jint(msg, "type") : 0);
			printf("%-12s ", ref);
		} else
			printf("%-12s ", "-");
		cli_puts_safe(jstr(m, "body"), 60);
		printf("\n");
	}
	printf("%lld%s reply(ies)\n", jint(d, "total"),
	    json_is_true(json_object_get(d, "total_capped")) ? "+" : "");
	if (json_is_integer(json_object_get(d, "next")))
		printf("(more: --after %lld)\n", jint(d, "next"));
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
