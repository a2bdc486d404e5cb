#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"
#include "client.h"
#include "xmalloc.h"

static int
parse_id(const char *s, long long *id)
{
	char	*end;

	*id = strtoll(s, &end, 10);
	return (*end == '\0' && end != s && *id > 0) ? 0 : -1;
}

static const char *
jstr(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long long
jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* A category option: an id as a number, else the name. */
static json_t *
category_value(const char *s)
{
	long long	 id;

	if (parse_id(s, &id) == 0)
		return json_integer(id);
	return json_string(s);
}

static void
print_contacts(json_t *d)
{
	json_t	*c;
	size_t	 i;

	printf("%-8s %-17s %-20s %-20s %s\n", "ID", "PHONE", "FIRST NAME",
	    "LAST NAME", "FLAGS");
	json_array_foreach(json_object_get(d, "items"), i, c) {
		printf("%-8lld %-17s ", jint(c, "id"), jstr(c, "phone"));
		cli_puts_safe(jstr(c, "first_name"), 20);
		fputc(' ', stdout);
		cli_puts_safe(jstr(c, "last_name"), 20);
		printf(" %s%s\n", json_is_true(json_object_get(c, "opted_out")) ?
		    "opted-out " : "", json_is_true(json_object_get(c,
		    "verified")) ? "verified" : "");
	}
	printf("%zu of %lld%s", json_array_size(json_object_get(d, "items")),
	    jint(d, "total"), json_is_true(json_object_get(d, "total_capped")) ?
	    "+" : "");
	if (json_is_integer(json_object_get(d, "next")))
		printf(" (more: --after %lld)", jint(d, "next"));
	printf("\n");
}

static int
cmd_contacts_list(struct cli *cl, int argc, char **argv)
{
	json_t	*opts, *pos, *args, *v;

	if (cli_parse(argc, argv, "search= category= limit=# after=# "
	    "opted-out verified", &opts, &pos) == -1)
		return EXIT_USAGE;
	if (json_array_size(pos) != 0) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	args = json_object();
	if ((v = json_object_get(opts, "search")) != NULL)
		json_object_set(args, "search", v);
	if ((v = json_object_get(opts, "category")) != NULL)
		json_object_set_new(args, "category",
		    category_value(json_string_value(v)));
	if ((v = json_object_get(opts, "limit")) != NULL)
		json_object_set(args, "limit", v);
	if ((v = json_object_get(opts, "after")) != NULL)
		json_object_set(args, "after", v);
	if (json_object_get(opts, "opted_out") != NULL)
		json_object_set_new(args, "opted_out", json_true());
	if (json_object_get(opts, "verified") != NULL)
		json_object_set_new(args, "verified", json_true());
	json_decref(opts);
	json_decref(pos);
	return cli_call(cl, "contacts.list", args, -1, print_contacts);
}

static void
print_contact(json_t *c)
{
	printf("contact %lld: %s ", jint(c, "id"), jstr(c, "phone"));
	cli_puts_safe(jstr(c, "first_name"), 0);
	fputc(' ', stdout);
	cli_puts_safe(jstr(c, "last_name"), 0);
	fputc('\n', stdout);
}

static int
cmd_contacts_add(struct cli *cl, int argc, char **argv)
{
	json_t	*opts, *pos, *args, *v;

	if (cli_parse(argc, argv, "first-name= last-name= category= "
	    "default-country=", &opts, &pos) == -1)
		return EXIT_USAGE;
	if (json_array_size(pos) != 1) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	args = json_pack("{s:O}", "phone", json_array_get(pos, 0));
	if ((v = json_object_get(opts, "first_name")) != NULL)
		json_object_set(args, "first_name", v);
	if ((v = json_object_get(opts, "last_name")) != NULL)
		json_object_set(args, "last_name", v);
	if ((v = json_object_get(opts, "default_country")) != NULL)
		json_object_set(args, "default_country", v);
	if ((v = json_object_get(opts, "category")) != NULL)
		json_object_set_new(args, "category",
		    category_value(json_string_value(v)));
	json_decref(opts);
	json_decref(pos);
	return cli_call(cl, "contacts.create", args, -1, print_contact);
}

static void
import_event(const char *event, json_t *data, void *arg)
{
	long long	 size = jint(data, "size"), bytes = jint(data, "bytes");

	if (strcmp(event, "import.progress") != 0)
		return;
	fprintf(stderr, "\rimport: %lld rows (%lld new, %lld duplicates, "
	    "%lld invalid) %3lld%%", jint(data, "rows"), jint(data, "imported"),
	    jint(data, "duplicates"), jint(data, "invalid"),
	    json_is_integer(json_object_get(data, "percent")) ?
	    jint(data, "percent") : size > 0 ? bytes * 100 / size : 100);
	fflush(stderr);
}

static void
print_import(json_t *d)
{
	json_t	*r;
	size_t	 i;

	json_array_foreach(json_object_get(d, "rejects"), i, r) {
		printf("line %lld: ", jint(r, "line"));
		cli_puts_safe(jstr(r, "reason"), 0);
		fputc('\n', stdout);
	}
	if (jint(d, "rejects_total") > (long long)json_array_size(
	    json_object_get(d, "rejects")))
		printf("(%lld more rejects not shown)\n", jint(d,
		    "rejects_total") - (long long)json_array_size(
		    json_object_get(d, "rejects")));
	if (jstr(d, "layout") != NULL) {
		printf("layout: ");
		cli_puts_safe(jstr(d, "layout"), 0);
		printf("; encoding: ");
		cli_puts_safe(jstr(d, "encoding"), 0);
		fputc('\n', stdout);
	}
	if (json_is_true(json_object_get(d, "preview"))) {
		printf("columns: ");
		cli_puts_safe(jstr(d, "mapping"), 0);
		fputc('\n', stdout);
		json_array_foreach(json_object_get(d, "sample"), i, r) {
			printf("  %s  ", jstr(r, "phone"));
			cli_puts_safe(jstr(r, "first_name"), 0);
			printf(" | ");
			cli_puts_safe(jstr(r, "last_name"), 0);
			printf(" | ");
			cli_puts_safe(jstr(r, "categories"), 0);
			fputc('\n', stdout);
		}
	}
	if (jint(d, "other_numbers") > 0)
		printf("%lld further numbers in cells or columns left (the first"
		    " of each row taken)\n", jint(d, "other_numbers"));
	if (jint(d, "renumbered") > 0)
		printf("%lld numbers moved to their country's new numbering "
		    "plan (Benin 2024, Cote d'Ivoire 2021)\n", jint(d,
		    "renumbered"));
	if (json_is_true(json_object_get(d, "preview")))
		printf("preview, nothing written: ");
	else
		printf("batch %lld: ", jint(d, "batch"));
	printf("%lld imported, %lld updated, %lld duplicates, %lld invalid\n",
	    jint(d, "imported"), jint(d, "updated"), jint(d, "duplicates"),
	    jint(d, "invalid"));
}

static int
cmd_contacts_import(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *args, *v, *data;
	const char	*path, *base;
	int		 fd, rc, tty = isatty(STDERR_FILENO) && !cl->json;

	if (cli_parse(argc, argv, "category= default-country= preview", &opts,
	    &pos) == -1)
		return EXIT_USAGE;
	if (json_array_size(pos) != 1) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	path = json_string_value(json_array_get(pos, 0));
	/* Opened with the operator's rights, never the daemon's. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "wacamp: %s: %s\n", path, strerror(errno));
		json_decref(opts);
		json_decref(pos);
		return EXIT_REFUSED;
	}
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	args = json_pack("{s:s}", "filename", base);
	if ((v = json_object_get(opts, "category")) != NULL)
		json_object_set_new(args, "category",
		    category_value(json_string_value(v)));
	if ((v = json_object_get(opts, "default_country")) != NULL)
		json_object_set(args, "default_country", v);
	if (json_object_get(opts, "preview") != NULL)
		json_object_set_new(args, "preview", json_true());
	json_decref(opts);
	json_decref(pos);
	if (tty) {
		data = cli_get(cl, "subscribe", json_pack("{s:[s]}", "topics",
		    "jobs"), -1, &rc);
		if (data == NULL) {
			close(fd);
			json_decref(args);
			return rc;
		}
		json_decref(data);
		cl->c.on_event = import_event;
	}
	rc = cli_call(cl, "contacts.import", args, fd, print_import);
	if (tty)
		fputc('\n', stderr);
	close(fd);
	return rc;
}

static void
print_exported(json_t *d)
{
	fprintf(stderr, "%lld contacts exported\n", jint(d, "exported"));
}

static int
cmd_contacts_export(struct cli *cl, int argc, char **argv)
{
	int	 fd = STDOUT_FILENO, rc;

	if (argc > 1)
		return EXIT_USAGE;
	if (argc == 1 && (fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) == -1) {
		fprintf(stderr, "wacamp: %s: %s\n", argv[0], strerror(errno));
		return EXIT_REFUSED;
	}
	fflush(stdout);
	rc = cli_call(cl, "contacts.export", NULL, fd, argc == 1 ?
	    print_exported : NULL);
	if (fd != STDOUT_FILENO)
		close(fd);
	return rc;
}

static void
print_deleted(json_t *d)
{
	printf("deleted\n");
}

static int
cmd_contacts_delete(struct cli *cl, int argc, char **argv)
{
	long long	 id;

	if (argc != 1 || parse_id(argv[0], &id) == -1)
		return EXIT_USAGE;
	return cli_call(cl, "contacts.delete", json_pack("{s:I}", "id",
	    (json_int_t)id), -1, print_deleted);
}

static void
print_undo(json_t *d)
{
	printf("batch %lld undone: %lld contacts removed, %lld restored\n",
	    jint(d, "batch"), jint(d, "removed"), jint(d, "restored"));
}

static int
cmd_contacts_undo(struct cli *cl, int argc, char **argv)
{
	long long	 id;

	if (argc != 1 || parse_id(argv[0], &id) == -1)
		return EXIT_USAGE;
	return cli_call(cl, "contacts.import_undo", json_pack("{s:I}", "batch",
	    (json_int_t)id), -1, print_undo);
}

static void
print_categories(json_t *d)
{
	json_t	*g;
	size_t	 i;

	printf("%-6s %-30s %s\n", "ID", "NAME", "CONTACTS");
	json_array_foreach(json_object_get(d, "items"), i, g) {
		printf("%-6lld ", jint(g, "id"));
		cli_puts_safe(jstr(g, "name"), 30);
		printf(" %lld\n", jint(g, "contacts"));
	}
}

static int
cmd_categories_list(struct cli *cl, int argc, char **argv)
{
	if (argc != 0)
		return EXIT_USAGE;
	return cli_call(cl, "categories.list", NULL, -1, print_categories);
}

static void
print_category(json_t *g)
{
	printf("category %lld: ", jint(g, "id"));
	cli_puts_safe(jstr(g, "name"), 0);
	fputc('\n', stdout);
}

static int
cmd_categories_create(struct cli *cl, int argc, char **argv)
{
	if (argc != 1)
		return EXIT_USAGE;
	return cli_call(cl, "categories.create", json_pack("{s:s}", "name",
	    argv[0]), -1, print_category);
}

static int
cmd_categories_delete(struct cli *cl, int argc, char **argv)
{
	if (argc != 1)
		return EXIT_USAGE;
	return cli_call(cl, "categories.delete", json_pack("{s:o}", "id",
	    category_value(argv[0])), -1, print_deleted);
}

static void
print_members(json_t *d)
{
	if (json_object_get(d, "added") != NULL)
		printf("%lld added", jint(d, "added"));
	else
		printf("%lld removed", jint(d, "removed"));
	printf(", %lld unchanged\n", jint(d, "unchanged"));
}

static int
members(struct cli *cl, int argc, char **argv, const char *cmd)
{
	json_t		*list;
	long long	 id;
	int		 i;

	if (argc < 2)
		return EXIT_USAGE;
	list = json_array();
	for (i = 1; i < argc; i++) {
		if (parse_id(argv[i], &id) == -1) {
			json_decref(list);
			return EXIT_USAGE;
		}
		json_array_append_new(list, json_integer(id));
	}
	return cli_call(cl, cmd, json_pack("{s:o,s:o}", "id",
	    category_value(argv[0]), "contacts", list), -1, print_members);
}

static int
cmd_categories_add(struct cli *cl, int argc, char **argv)
{
	return members(cl, argc, argv, "categories.add_contacts");
}

static int
cmd_categories_remove(struct cli *cl, int argc, char **argv)
{
	return members(cl, argc, argv, "categories.remove_contacts");
}

const struct cli_cmd cli_contacts_cmds[] = {
	{ "contacts", "list", "[--search S] [--category C] [--limit N] "
	    "[--after ID] [--opted-out] [--verified]", cmd_contacts_list },
	{ "contacts", "add", "PHONE [--first-name F] [--last-name L] "
	    "[--category C] [--default-country CC]", cmd_contacts_add },
	{ "contacts", "import", "FILE [--category C] [--default-country CC] "
	    "[--preview]", cmd_contacts_import },
	{ "contacts", "export", "[FILE]", cmd_contacts_export },
	{ "contacts", "delete", "ID", cmd_contacts_delete },
	{ "contacts", "undo-import", "BATCH", cmd_contacts_undo },
	{ "categories", "list", "", cmd_categories_list },
	{ "categories", "create", "NAME", cmd_categories_create },
	{ "categories", "delete", "ID", cmd_categories_delete },
	{ "categories", "add", "ID CONTACT...", cmd_categories_add },
	{ "categories", "remove", "ID CONTACT...", cmd_categories_remove },
	{ NULL, NULL, NULL, NULL }
};
