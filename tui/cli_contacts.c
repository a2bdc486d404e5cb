#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* A category option: an id as a number, else the name. */
static json_t *
category_value(const char *s)
{
	long long	 id;

	if (parse_id(s, &id) == 0)
		return json_integer(id);
	return json_string(s);
}

/* Repeated --category values, each an id or a name. */
static json_t *
category_list(json_t *v)
{
	json_t	*a = json_array(), *e;
	size_t	 i;

	json_array_foreach(v, i, e)
		json_array_append_new(a, category_value(json_string_value(e)));
	return a;
}

/* A time as local "YYYY-MM-DD HH:MM", or "-". */
static const char *
when(char *buf, size_t len, json_t *t)
{
	time_t		 s;
	struct tm	 tm;

	if (!json_is_integer(t) || json_integer_value(t) <= 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	s = (time_t)json_integer_value(t);
	if (localtime_r(&s, &tm) == NULL || strftime(buf, len,
	    "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)s);
	return buf;
}

/* Confirm a destructive verb: --yes, else y/N on a terminal. */
static int
confirmed(int yes, const char *question, const char *verb)
{
	if (yes)
		return 1;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "wacamp: %s cannot be undone; pass --yes\n",
		    verb);
		return 0;
	}
	if (!cli_confirm(question)) {
		fprintf(stderr, "wacamp: nothing done\n");
		return 0;
	}
	return 1;
}

static void
print_contacts(json_t *d)
{
	json_t	*c;
	size_t	 i;

	printf("%-8s %-17s %-20s %-20s %s\n", "ID", "PHONE", "FIRST NAME",
	    "LAST NAME", "FLAGS");
	json_array_foreach(json_object_get(d, "items"), i, c) {
		printf("%-8lld %-17s ", cli_int(c, "id"), cli_str(c, "phone"));
		cli_puts_safe(cli_str(c, "first_name"), 20);
		fputc(' ', stdout);
		cli_puts_safe(cli_str(c, "last_name"), 20);
		printf(" %s%s\n", json_is_true(json_object_get(c, "opted_out")) ?
		    "opted-out " : "", json_is_true(json_object_get(c,
		    "verified")) ? "verified" : "");
	}
	printf("%zu of %lld%s", json_array_size(json_object_get(d, "items")),
	    cli_int(d, "total"), json_is_true(json_object_get(d, "total_capped")) ?
	    "+" : "");
	if (json_is_integer(json_object_get(d, "next")))
		printf(" (more: --after %lld)", cli_int(d, "next"));
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
	printf("contact %lld: %s ", cli_int(c, "id"), cli_str(c, "phone"));
	cli_puts_safe(cli_str(c, "first_name"), 0);
	fputc(' ', stdout);
	cli_puts_safe(cli_str(c, "last_name"), 0);
	fputc('\n', stdout);
}

static void
print_detail(json_t *c)
{
	json_t		*v, *m, *x;
	size_t		 i;
	char		 t1[32], t2[32];
	const char	*s;

	if (json_is_true(json_object_get(c, "erased"))) {
		printf("contact %lld: erased (a tombstone that keeps its "
		    "history counted)\n", cli_int(c, "id"));
	} else {
		printf("contact %lld\n", cli_int(c, "id"));
		printf("  phone       %s", cli_str(c, "phone"));
		if (*cli_str(c, "raw_number") != '\0' &&
		    strcmp(cli_str(c, "raw_number"), cli_str(c, "phone")) != 0) {
			printf(" (typed ");
			cli_puts_safe(cli_str(c, "raw_number"), 0);
			printf(")");
		}
		printf("\n  name        ");
		cli_puts_safe(cli_str(c, "first_name"), 0);
		fputc(' ', stdout);
		cli_puts_safe(cli_str(c, "last_name"), 0);
		fputc('\n', stdout);
		json_object_foreach(json_object_get(c, "extra"), s, v) {
			printf("  %-11s ", s);
			cli_puts_safe(json_string_value(v), 0);
			fputc('\n', stdout);
		}
	}
	v = json_object_get(c, "verified");
	printf("  verified    %s", json_is_true(v) ? "on WhatsApp" :
	    json_is_false(v) ? "not on WhatsApp" : "not checked");
	if (!json_is_null(v) && json_is_integer(json_object_get(c,
	    "verified_at")))
		printf(" (%s)", when(t1, sizeof t1, json_object_get(c,
		    "verified_at")));
	printf("\n  opted out   %s", json_is_true(json_object_get(c,
	    "opted_out")) ? "yes" : "no");
	if (json_is_true(json_object_get(c, "opted_out")))
		printf(" (%s)", when(t1, sizeof t1, json_object_get(c,
		    "opted_out_at")));
	printf("\n  categories  ");
	json_array_foreach(json_object_get(c, "categories"), i, v) {
		printf("%s%lld ", i > 0 ? ", " : "", cli_int(v, "id"));
		cli_puts_safe(cli_str(v, "name"), 0);
		if ((s = json_string_value(json_object_get(v, "color"))) !=
		    NULL)
			printf(" (%s)", s);
	}
	if (json_array_size(json_object_get(c, "categories")) == 0)
		printf("none");
	printf("\n  created     %s, updated %s\n", when(t1, sizeof t1,
	    json_object_get(c, "created_at")), when(t2, sizeof t2,
	    json_object_get(c, "updated_at")));
	m = json_object_get(c, "messages");
	printf("\nmessages (%zu)\n", json_array_size(m));
	if (json_array_size(m) > 0)
		printf("  %-8s %-24s %-3s %-10s %-16s %-16s %s\n", "ID",
		    "CAMPAIGN", "MSG", "STATE", "QUEUED", "SENT", "ERROR");
	json_array_foreach(m, i, v) {
		printf("  %-8lld ", cli_int(v, "id"));
		x = json_object_get(v, "campaign");
		printf("%-5lld ", cli_int(v, "campaign_id"));
		cli_puts_safe(json_string_value(x), 18);
		printf(" %-3lld %-10s %-16s %-16s ", cli_int(v, "message_type"),
		    cli_str(v, "state"), when(t1, sizeof t1, json_object_get(v,
		    "created_at")), when(t2, sizeof t2, json_object_get(v,
		    "sent_at")));
		cli_puts_safe(cli_str(v, "error"), 0);
		if (json_is_integer(json_object_get(v, "read_at")))
			printf(" read %s", when(t1, sizeof t1,
			    json_object_get(v, "read_at")));
		else if (json_is_integer(json_object_get(v, "delivered_at")))
			printf(" delivered %s", when(t1, sizeof t1,
			    json_object_get(v, "delivered_at")));
		fputc('\n', stdout);
	}
	m = json_object_get(c, "interactions");
	printf("\nreplies and interactions (%zu)\n", json_array_size(m));
	json_array_foreach(m, i, v) {
		printf("  %s %-8s ", when(t1, sizeof t1, json_object_get(v,
		    "created_at")), cli_str(v, "kind"));
		if (json_is_integer(json_object_get(v, "campaign_id")))
			printf("campaign %lld: ", cli_int(v, "campaign_id"));
		cli_puts_safe(cli_str(v, "body"), 0);
		fputc('\n', stdout);
	}
}

static int
cmd_contacts_get(struct cli *cl, int argc, char **argv)
{
	long long	 id;

	if (argc != 1 || parse_id(argv[0], &id) == -1)
		return EXIT_USAGE;
	return cli_call(cl, "contacts.get", json_pack("{s:I}", "id",
	    (json_int_t)id), -1, print_detail);
}

static void
print_updated(json_t *c)
{
	print_contact(c);
	if (json_is_true(json_object_get(c, "opted_out")))
		printf("opted out; %lld pending message(s) cancelled\n",
		    cli_int(c, "cancelled"));
}

static int
cmd_contacts_update(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *args, *v, *extra = NULL;
	long long	 id;
	size_t		 i;
	const char	*eq;
	int		 out, in;

	if (cli_parse(argc, argv, "first-name= last-name= phone= opt-out "
	    "opt-in default-country= field=+", &opts, &pos) == -1)
		return EXIT_USAGE;
	/* --field ville=Kara (repeatable); ville= removes it. */
	json_array_foreach(json_object_get(opts, "field"), i, v) {
		if ((eq = strchr(json_string_value(v), '=')) == NULL ||
		    eq == json_string_value(v)) {
			fprintf(stderr, "wacamp: --field %s: write NAME=VALUE, "
			    "such as ville=Kara\n", json_string_value(v));
			json_decref(extra);
			json_decref(opts);
			json_decref(pos);
			return EXIT_USAGE;
		}
		if (extra == NULL)
			extra = json_object();
		json_object_setn_new(extra, json_string_value(v),
		    (size_t)(eq - json_string_value(v)), json_string(eq + 1));
	}
	out = json_is_true(json_object_get(opts, "opt_out"));
	in = json_is_true(json_object_get(opts, "opt_in"));
	if (json_array_size(pos) != 1 || parse_id(json_string_value(
	    json_array_get(pos, 0)), &id) == -1 || (out && in) ||
	    json_object_size(opts) == 0) {
		if (out && in)
			fprintf(stderr, "wacamp: --opt-out and --opt-in "
			    "exclude each other\n");
		else if (json_object_size(opts) == 0)
			fprintf(stderr, "wacamp: nothing to change\n");
		json_decref(extra);
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	args = json_pack("{s:I}", "id", (json_int_t)id);
	if ((v = json_object_get(opts, "first_name")) != NULL)
		json_object_set(args, "first_name", v);
	if ((v = json_object_get(opts, "last_name")) != NULL)
		json_object_set(args, "last_name", v);
	if ((v = json_object_get(opts, "phone")) != NULL)
		json_object_set(args, "phone", v);
	if ((v = json_object_get(opts, "default_country")) != NULL)
		json_object_set(args, "default_country", v);
	if (out || in)
		json_object_set_new(args, "opted_out", json_boolean(out));
	if (extra != NULL)
		json_object_set_new(args, "extra", extra);
	json_decref(opts);
	json_decref(pos);
	return cli_call(cl, "contacts.update", args, -1, print_updated);
}

static void
print_erased(json_t *d)
{
	printf("contact %lld erased: %lld message(s) and %lld interaction(s) "
	    "anonymised, %lld pending cancelled, %lld journal row(s) "
	    "deleted\n", cli_int(d, "erased"), cli_int(d, "messages"),
	    cli_int(d, "interactions"), cli_int(d, "cancelled"),
	    cli_int(d, "journal"));
}

static int
cmd_contacts_erase(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos;
	long long	 id;
	int		 yes;
	char		 q[128];

	if (cli_parse(argc, argv, "yes", &opts, &pos) == -1)
		return EXIT_USAGE;
	yes = json_is_true(json_object_get(opts, "yes"));
	if (json_array_size(pos) != 1 || parse_id(json_string_value(
	    json_array_get(pos, 0)), &id) == -1) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	json_decref(opts);
	json_decref(pos);
	snprintf(q, sizeof q, "Erase contact %lld: forget their number and "
	    "names everywhere, for good?", id);
	if (!confirmed(yes, q, "erase"))
		return EXIT_REFUSED;
	return cli_call(cl, "contacts.erase", json_pack("{s:I}", "id",
	    (json_int_t)id), -1, print_erased);
}

static int
cmd_contacts_add(struct cli *cl, int argc, char **argv)
{
	json_t	*opts, *pos, *args, *v;

	if (cli_parse(argc, argv, "first-name= last-name= category=+ "
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
		json_object_set_new(args, "categories", category_list(v));
	json_decref(opts);
	json_decref(pos);
	return cli_call(cl, "contacts.create", args, -1, print_contact);
}

static void
import_event(const char *event, json_t *data, void *arg)
{
	long long	 size = cli_int(data, "size"), bytes = cli_int(data, "bytes");

	if (strcmp(event, "import.progress") != 0)
		return;
	fprintf(stderr, "\rimport: %lld rows (%lld new, %lld duplicates, "
	    "%lld invalid) %3lld%%", cli_int(data, "rows"), cli_int(data, "imported"),
	    cli_int(data, "duplicates"), cli_int(data, "invalid"),
	    json_is_integer(json_object_get(data, "percent")) ?
	    cli_int(data, "percent") : size > 0 ? bytes * 100 / size : 100);
	fflush(stderr);
}

static void
print_import(json_t *d)
{
	json_t		*r, *v;
	const char	*k;
	size_t		 i;

	json_array_foreach(json_object_get(d, "rejects"), i, r) {
		printf("line %lld: ", cli_int(r, "line"));
		cli_puts_safe(cli_str(r, "reason"), 0);
		fputc('\n', stdout);
	}
	if (cli_int(d, "rejects_total") > (long long)json_array_size(
	    json_object_get(d, "rejects")))
		printf("(%lld more rejects not shown)\n", cli_int(d,
		    "rejects_total") - (long long)json_array_size(
		    json_object_get(d, "rejects")));
	if (cli_str(d, "layout") != NULL) {
		printf("layout: ");
		cli_puts_safe(cli_str(d, "layout"), 0);
		printf("; encoding: ");
		cli_puts_safe(cli_str(d, "encoding"), 0);
		fputc('\n', stdout);
	}
	if (json_is_true(json_object_get(d, "preview"))) {
		printf("columns: ");
		cli_puts_safe(cli_str(d, "mapping"), 0);
		fputc('\n', stdout);
		json_array_foreach(json_object_get(d, "sample"), i, r) {
			printf("  %s  ", cli_str(r, "phone"));
			cli_puts_safe(cli_str(r, "first_name"), 0);
			printf(" | ");
			cli_puts_safe(cli_str(r, "last_name"), 0);
			printf(" | ");
			cli_puts_safe(cli_str(r, "categories"), 0);
			json_object_foreach(json_object_get(r, "extra"), k, v) {
				printf(" | %s=", k);
				cli_puts_safe(json_string_value(v), 0);
			}
			fputc('\n', stdout);
		}
	}
	if (json_array_size(json_object_get(d, "fields")) > 0) {
		printf("kept as placeholders:");
		json_array_foreach(json_object_get(d, "fields"), i, r) {
			printf(" {{");
			cli_puts_safe(json_string_value(r), 0);
			printf("}}");
		}
		fputc('\n', stdout);
	}
	if (cli_int(d, "cut") > 0)
		printf("%lld values of other columns cut at %d bytes\n",
		    cli_int(d, "cut"), 256);
	if (cli_int(d, "other_numbers") > 0)
		printf("%lld further numbers in cells or columns left (the first"
		    " of each row taken)\n", cli_int(d, "other_numbers"));
	if (cli_int(d, "renumbered") > 0)
		printf("%lld numbers moved to their country's new numbering "
		    "plan (Benin 2024, Cote d'Ivoire 2021)\n", cli_int(d,
		    "renumbered"));
	if (json_is_true(json_object_get(d, "preview")))
		printf("preview, nothing written: ");
	else
		printf("batch %lld: ", cli_int(d, "batch"));
	printf("%lld imported, %lld updated, %lld duplicates, %lld invalid\n",
	    cli_int(d, "imported"), cli_int(d, "updated"), cli_int(d, "duplicates"),
	    cli_int(d, "invalid"));
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
	fprintf(stderr, "%lld contacts exported\n", cli_int(d, "exported"));
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
	    cli_int(d, "batch"), cli_int(d, "removed"), cli_int(d, "restored"));
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

	printf("%-6s %-30s %-8s %s\n", "ID", "NAME", "COLOR", "CONTACTS");
	json_array_foreach(json_object_get(d, "items"), i, g) {
		printf("%-6lld ", cli_int(g, "id"));
		cli_puts_safe(cli_str(g, "name"), 30);
		printf(" %-8s %lld\n", *cli_str(g, "color") ? cli_str(g, "color") :
		    "-", cli_int(g, "contacts"));
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
	printf("category %lld: ", cli_int(g, "id"));
	cli_puts_safe(cli_str(g, "name"), 0);
	if (*cli_str(g, "color") != '\0')
		printf(" (%s)", cli_str(g, "color"));
	fputc('\n', stdout);
}

/* NAME [--color C] for create, ID NAME [--color C] for rename. */
static int
category_write(struct cli *cl, int argc, char **argv, int rename)
{
	json_t	*opts, *pos, *args, *v;

	if (cli_parse(argc, argv, "color=", &opts, &pos) == -1)
		return EXIT_USAGE;
	if (json_array_size(pos) != (rename ? 2U : 1U)) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	if (rename)
		args = json_pack("{s:o,s:O}", "id", category_value(
		    json_string_value(json_array_get(pos, 0))), "name",
		    json_array_get(pos, 1));
	else
		args = json_pack("{s:O}", "name", json_array_get(pos, 0));
	if ((v = json_object_get(opts, "color")) != NULL)
		json_object_set(args, "color", v);
	json_decref(opts);
	json_decref(pos);
	return cli_call(cl, rename ? "categories.update" : "categories.create",
	    args, -1, print_category);
}

static int
cmd_categories_create(struct cli *cl, int argc, char **argv)
{
	return category_write(cl, argc, argv, 0);
}

static int
cmd_categories_rename(struct cli *cl, int argc, char **argv)
{
	return category_write(cl, argc, argv, 1);
}

static void
print_category_detail(json_t *g)
{
	json_t	*m;
	size_t	 i;

	print_category(g);
	printf("  %lld member(s)\n", cli_int(g, "contacts"));
	json_array_foreach(json_object_get(g, "members"), i, m) {
		printf("  %-8lld %-17s ", cli_int(m, "id"), cli_str(m, "phone"));
		cli_puts_safe(cli_str(m, "first_name"), 0);
		fputc(' ', stdout);
		cli_puts_safe(cli_str(m, "last_name"), 0);
		printf("%s\n", json_is_true(json_object_get(m, "opted_out")) ?
		    "  (opted out)" : "");
	}
	if (json_is_true(json_object_get(g, "members_more")))
		printf("  (more: wacamp contacts list --category %lld)\n",
		    cli_int(g, "id"));
}

static int
cmd_categories_get(struct cli *cl, int argc, char **argv)
{
	if (argc != 1)
		return EXIT_USAGE;
	return cli_call(cl, "categories.get", json_pack("{s:o}", "id",
	    category_value(argv[0])), -1, print_category_detail);
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
		printf("%lld added", cli_int(d, "added"));
	else
		printf("%lld removed", cli_int(d, "removed"));
	printf(", %lld unchanged\n", cli_int(d, "unchanged"));
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
			fprintf(stderr, "wacamp: %s is not a contact id\n",
			    argv[i]);
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
	{ "contacts", "get", "ID", cmd_contacts_get },
	{ "contacts", "add", "PHONE [--first-name F] [--last-name L] "
	    "[--category C]... [--default-country CC]", cmd_contacts_add },
	{ "contacts", "update", "ID [--first-name F] [--last-name L] "
	    "[--phone P] [--opt-out | --opt-in] [--default-country CC] "
	    "[--field NAME=VALUE]...", cmd_contacts_update },
	{ "contacts", "import", "FILE [--category C] [--default-country CC] "
	    "[--preview]", cmd_contacts_import },
	{ "contacts", "export", "[FILE]", cmd_contacts_export },
	{ "contacts", "delete", "ID", cmd_contacts_delete },
	{ "contacts", "erase", "ID [--yes]", cmd_contacts_erase },
	{ "contacts", "undo-import", "BATCH", cmd_contacts_undo },
	{ "categories", "list", "", cmd_categories_list },
	{ "categories", "get", "ID", cmd_categories_get },
	{ "categories", "create", "NAME [--color C]", cmd_categories_create },
	{ "categories", "rename", "ID NAME [--color C]",
	    cmd_categories_rename },
	{ "categories", "delete", "ID", cmd_categories_delete },
	{ "categories", "add", "ID CONTACT...", cmd_categories_add },
	{ "categories", "remove", "ID CONTACT...", cmd_categories_remove },
	{ NULL, NULL, NULL, NULL }
};
