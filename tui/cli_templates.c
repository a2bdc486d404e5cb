#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"

/* templates list | create NAME TEXT | delete ID (DESIGN §10). */

static void
print_templates(json_t *d)
{
	json_t	*t;
	size_t	 i;

	printf("%-6s %-20s %s\n", "ID", "NAME", "TEXT");
	json_array_foreach(json_object_get(d, "items"), i, t) {
		printf("%-6lld ", (long long)json_integer_value(
		    json_object_get(t, "id")));
		cli_puts_safe(json_string_value(json_object_get(t, "name")),
		    20);
		putchar(' ');
		cli_puts_safe(json_string_value(json_object_get(t, "body")),
		    60);
		putchar('\n');
	}
	printf("%lld template(s)\n", (long long)json_integer_value(
	    json_object_get(d, "total")));
	if (json_is_integer(json_object_get(d, "next")))
		printf("(more: --after %lld)\n", (long long)json_integer_value(
		    json_object_get(d, "next")));
}

static void
print_created(json_t *d)
{
	printf("template %lld created: ", (long long)json_integer_value(
	    json_object_get(d, "id")));
	cli_puts_safe(json_string_value(json_object_get(d, "name")), 100);
	putchar('\n');
}

static void
print_deleted(json_t *d)
{
	printf("template %lld deleted\n", (long long)json_integer_value(
	    json_object_get(d, "deleted")));
}

static int
cmd_list(struct cli *cl, int argc, char **argv)
{
	json_t	*opts, *pos;
	size_t	 n;

	if (cli_parse(argc, argv, "limit=# after=#", &opts, &pos) == -1)
		return EXIT_USAGE;
	n = json_array_size(pos);
	json_decref(pos);
	if (n != 0) {
		json_decref(opts);
		return EXIT_USAGE;
	}
	return cli_call(cl, "templates.list", opts, -1, print_templates);
}

static int
cmd_create(struct cli *cl, int argc, char **argv)
{
	json_t	*opts, *pos, *args;

	if (cli_parse(argc, argv, "", &opts, &pos) == -1)
		return EXIT_USAGE;
	json_decref(opts);
	if (json_array_size(pos) != 2) {
		json_decref(pos);
		return EXIT_USAGE;
	}
	args = json_pack("{s:O,s:O}", "name", json_array_get(pos, 0), "body",
	    json_array_get(pos, 1));
	json_decref(pos);
	return cli_call(cl, "templates.create", args, -1, print_created);
}

static int
cmd_delete(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos;
	long long	 id = 0;
	char		*end = NULL;

	if (cli_parse(argc, argv, "", &opts, &pos) == -1)
		return EXIT_USAGE;
	json_decref(opts);
	if (json_array_size(pos) == 1) {
		id = strtoll(json_string_value(json_array_get(pos, 0)), &end,
		    10);
		if (*end != '\0')
			id = 0;
	}
	json_decref(pos);
	if (id <= 0)
		return EXIT_USAGE;
	return cli_call(cl, "templates.delete", json_pack("{s:I}", "id",
	    (json_int_t)id), -1, print_deleted);
}

const struct cli_cmd cli_templates_cmds[] = {
	{ "templates", "list", "[--limit N] [--after ID]", cmd_list },
	{ "templates", "create", "NAME TEXT", cmd_create },
	{ "templates", "delete", "ID", cmd_delete },
	{ NULL, NULL, NULL, NULL }
};
