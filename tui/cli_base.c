#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"
#include "client.h"
#include "xmalloc.h"

static void
print_kv(json_t *data)
{
	const char	*key;
	json_t		*v;
	char		*s;

	json_object_foreach(data, key, v) {
		if (json_is_object(v) || json_is_array(v))
			continue;
		s = json_dumps(v, JSON_ENCODE_ANY);
		printf("%-18s ", key);
		if (json_is_string(v))
			cli_puts_safe(json_string_value(v), 0);
		else
			fputs(s ? s : "?", stdout);
		fputc('\n', stdout);
		free(s);
	}
}

/*
 * Messages whose send may or may not have gone out, over all campaigns
 * (DESIGN §6): they wait for the operator, so status says so plainly.
 */
static void
print_unknown(json_t *u)
{
	char		 age[32];
	json_int_t	 n = json_integer_value(json_object_get(u, "count"));

	if (n <= 0)
		return;
	printf("unknown    %lld message(s)", (long long)n);
	if (*cli_age(age, sizeof age, json_object_get(u, "oldest_at")) != '\0')
		printf(", oldest %s ago", age);
	printf(" (settle with: wacamp campaigns settle ID --sent | --failed)\n");
}

static void
print_status(json_t *d)
{
	json_t	*l;
	size_t	 i;

	printf("provider   %s\n", json_string_value(json_object_get(d,
	    "provider")));
	printf("today      %lld / %lld sent (%s), level %s\n",
	    (long long)json_integer_value(json_object_get(d, "sent_today")),
	    (long long)json_integer_value(json_object_get(d, "daily_limit")),
	    json_string_value(json_object_get(d, "day")),
	    json_string_value(json_object_get(d, "level")));
	printf("capacity   %lld more today (interaction rate %.2f)\n",
	    (long long)json_integer_value(json_object_get(d, "capacity")),
	    json_real_value(json_object_get(d, "interaction_rate")));
	printf("errors     %lld failed, rate %.1f%%%s\n",
	    (long long)json_integer_value(json_object_get(d, "failed")),
	    100 * json_real_value(json_object_get(d, "error_rate")),
	    json_is_true(json_object_get(d, "error_alert")) ?
	    "  ALERT" : "");
	print_unknown(json_object_get(d, "unknown"));
	json_array_foreach(json_object_get(d, "interrupted_imports"), i, l)
		printf("import     batch %lld interrupted when the daemon "
		    "stopped, %lld contacts written (undo with: wacamp contacts "
		    "undo-import %lld)\n", (long long)json_integer_value(
		    json_object_get(l, "batch")), (long long)json_integer_value(
		    json_object_get(l, "contacts")), (long long)
		    json_integer_value(json_object_get(l, "batch")));
	if (json_integer_value(json_object_get(d, "search_pending")) > 0)
		printf("search     indexing, %lld contacts to go (found by a "
		    "slower scan meanwhile)\n", (long long)json_integer_value(
		    json_object_get(d, "search_pending")));
	if (json_object_get(d, "provider_health") != NULL) {
		printf("health     ");
		cli_puts_safe(json_string_value(json_object_get(d,
		    "provider_health")), 0);
		printf("\n");
	}
	cli_webhook_lines(d);
	json_array_foreach(json_object_get(d, "lanes"), i, l) {
		printf("lane       ");
		cli_lane_line(l);
	}
}

static int
cmd_status(struct cli *cl, int argc, char **argv)
{
	if (argc != 0)
		return EXIT_USAGE;
	return cli_call(cl, "monitoring.stats", NULL, -1, print_status);
}

/* monitor: the day's figures, then one line per device lane. */
static void
print_monitor(json_t *d)
{
	json_t	*l;
	size_t	 i;

	print_kv(d);
	printf("per device:\n");
	json_array_foreach(json_object_get(d, "lanes"), i, l) {
		printf("  ");
		cli_lane_line(l);
	}
}

static int
cmd_monitor(struct cli *cl, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "--report") == 0)
		return cli_monitor_report(cl, argc - 1, argv + 1);
	if (argc != 0)
		return EXIT_USAGE;
	return cli_call(cl, "monitoring.stats", NULL, -1, print_monitor);
}

static void
print_users(json_t *d)
{
	json_t	*u;
	size_t	 i;

	printf("%-5s %-20s %-12s %-16s %s\n", "ID", "LOGIN", "ROLE",
	    "UNIX USER", "ACTIVE");
	json_array_foreach(json_object_get(d, "items"), i, u) {
		printf("%-5lld ", (long long)json_integer_value(
		    json_object_get(u, "id")));
		cli_puts_safe(json_string_value(json_object_get(u, "login")), 20);
		printf(" %-12s ", json_string_value(json_object_get(u, "role")));
		cli_puts_safe(json_string_value(json_object_get(u, "unix_user")) ?
		    json_string_value(json_object_get(u, "unix_user")) : "-", 16);
		printf(" %s\n", json_is_true(json_object_get(u, "active")) ?
		    "yes" : "no");
	}
}

static int
cmd_users_list(struct cli *cl, int argc, char **argv)
{
	if (argc != 0)
		return EXIT_USAGE;
	return cli_call(cl, "users.list", NULL, -1, print_users);
}

static void
print_user(json_t *u)
{
	printf("user %lld: %s (%s)\n", (long long)json_integer_value(
	    json_object_get(u, "id")), json_string_value(json_object_get(u,
	    "login")), json_string_value(json_object_get(u, "role")));
}

static int
cmd_users_add(struct cli *cl, int argc, char **argv)
{
	json_t	*opts, *pos, *args;
	char	*pw = NULL;
	int	 rc;

	if (cli_parse(argc, argv, "role= unix-user= password-stdin", &opts,
	    &pos) == -1)
		return EXIT_USAGE;
	/* The daemon judges the role, and says why in the user's language. */
	if (json_array_size(pos) != 1 ||
	    json_object_get(opts, "role") == NULL) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	args = json_pack("{s:O,s:O}", "login", json_array_get(pos, 0), "role",
	    json_object_get(opts, "role"));
	if (json_object_get(opts, "unix_user"))
		json_object_set(args, "unix_user",
		    json_object_get(opts, "unix_user"));
	if (json_is_true(json_object_get(opts, "password_stdin"))) {
		if ((pw = cli_read_secret("Password: ")) == NULL) {
			fprintf(stderr, "wacamp: no password given\n");
			json_decref(args);
			json_decref(opts);
			json_decref(pos);
			return EXIT_USAGE;
		}
		json_object_set_new(args, "password", json_string(pw));
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	json_decref(opts);
	json_decref(pos);
	rc = cli_call(cl, "users.create", args, -1, print_user);
	return rc;
}

static void
print_user_full(json_t *u)
{
	printf("user %lld: %s (%s), %s%s\n", (long long)json_integer_value(
	    json_object_get(u, "id")), json_string_value(json_object_get(u,
	    "login")), json_string_value(json_object_get(u, "role")),
	    json_is_true(json_object_get(u, "active")) ? "enabled" :
	    "disabled", json_is_true(json_object_get(u, "has_password")) ?
	    ", has a password" : "");
}

static int
parse_id(const char *s, long long *id)
{
	char	*end;

	*id = strtoll(s, &end, 10);
	return (*end == '\0' && end != s && *id > 0) ? 0 : -1;
}

static void
print_deleted(json_t *d)
{
	printf("deleted\n");
}

static int
cmd_users_delete(struct cli *cl, int argc, char **argv)
{
	long long	 id;

	if (argc != 1 || parse_id(argv[0], &id) == -1)
		return EXIT_USAGE;
	return cli_call(cl, "users.delete", json_pack("{s:I}", "id",
	    (json_int_t)id), -1, print_deleted);
}

static int
cmd_users_update(struct cli *cl, int argc, char **argv)
{
	json_t		*opts, *pos, *args, *v;
	long long	 id;
	char		*pw;
	int		 en, dis;

	if (cli_parse(argc, argv, "role= password-stdin enable disable "
	    "unix-user=", &opts, &pos) == -1)
		return EXIT_USAGE;
	en = json_is_true(json_object_get(opts, "enable"));
	dis = json_is_true(json_object_get(opts, "disable"));
	v = json_object_get(opts, "role");
	if (json_array_size(pos) != 1 || parse_id(json_string_value(
	    json_array_get(pos, 0)), &id) == -1 || (en && dis) ||
	    json_object_size(opts) == 0) {
		if (en && dis)
			fprintf(stderr, "wacamp: --enable and --disable "
			    "exclude each other\n");
		else if (json_object_size(opts) == 0)
			fprintf(stderr, "wacamp: nothing to change\n");
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	args = json_pack("{s:I}", "id", (json_int_t)id);
	if (v != NULL)
		json_object_set(args, "role", v);
	if ((v = json_object_get(opts, "unix_user")) != NULL)
		json_object_set(args, "unix_user", v);
	if (en || dis)
		json_object_set_new(args, "active", json_boolean(en));
	if (json_is_true(json_object_get(opts, "password_stdin"))) {
		if ((pw = cli_read_secret("New password: ")) == NULL ||
		    *pw == '\0') {
			free(pw);
			fprintf(stderr, "wacamp: no password given\n");
			json_decref(args);
			json_decref(opts);
			json_decref(pos);
			return EXIT_USAGE;
		}
		json_object_set_new(args, "password", json_string(pw));
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	json_decref(opts);
	json_decref(pos);
	return cli_call(cl, "users.update", args, -1, print_user_full);
}

static void
print_audit(json_t *d)
{
	json_t		*a;
	size_t		 i;
	char		 t[32];
	time_t		 s;
	struct tm	 tm;
	const char	*who;

	printf("%-16s %-16s %-26s %-6s %s\n", "TIME", "USER", "COMMAND",
	    "RESULT", "TARGET");
	json_array_foreach(json_object_get(d, "items"), i, a) {
		s = (time_t)json_integer_value(json_object_get(a, "at"));
		if (localtime_r(&s, &tm) == NULL ||
		    strftime(t, sizeof t, "%Y-%m-%d %H:%M", &tm) == 0)
			snprintf(t, sizeof t, "%lld", (long long)s);
		who = json_string_value(json_object_get(a, "login"));
		if (who == NULL)
			who = json_string_value(json_object_get(a,
			    "unix_user"));
		printf("%-16s ", t);
		cli_puts_safe(who ? who : "-", 16);
		printf(" %-26s %-6s ", json_string_value(json_object_get(a,
		    "command")), json_is_true(json_object_get(a, "ok")) ?
		    "ok" : "failed");
		cli_puts_safe(json_string_value(json_object_get(a, "target")) ?
		    json_string_value(json_object_get(a, "target")) : "", 0);
		fputc('\n', stdout);
	}
	if (json_is_integer(json_object_get(d, "next")))
		printf("(older: wacamp audit list --after %lld)\n", (long long)
		    json_integer_value(json_object_get(d, "next")));
}

static int
cmd_audit_list(struct cli *cl, int argc, char **argv)
{
	json_t	*opts, *pos;

	if (cli_parse(argc, argv, "limit=# after=#", &opts, &pos) == -1)
		return EXIT_USAGE;
	if (json_array_size(pos) != 0) {
		json_decref(opts);
		json_decref(pos);
		return EXIT_USAGE;
	}
	json_decref(pos);
	return cli_call(cl, "audit.list", opts, -1, print_audit);
}

static int
cmd_login(struct cli *cl, int argc, char **argv)
{
	json_t		*data;
	char		*login, *pw;
	const char	*tok;
	int		 rc;

	if (argc > 1)
		return EXIT_USAGE;
	login = argc == 1 ? xstrdup(argv[0]) : cli_read_line("Login: ");
	if (login == NULL || *login == '\0') {
		free(login);
		return EXIT_USAGE;
	}
	if ((pw = cli_read_secret("Password: ")) == NULL) {
		free(login);
		return EXIT_USAGE;
	}
	data = cli_get(cl, "auth.login", json_pack("{s:s,s:s}", "login", login,
	    "password", pw), -1, &rc);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	free(login);
	if (data == NULL)
		return rc;
	tok = json_string_value(json_object_get(data, "access_token"));
	if (tok == NULL || client_token_save(tok) == -1) {
		fprintf(stderr, "wacamp: logged in, but cannot save the token\n");
		json_decref(data);
		return EXIT_REFUSED;
	}
	if (cl->json)
		cli_print_json(json_object_get(data, "user"));
	else
		printf("logged in as %s\n", json_string_value(json_object_get(
		    json_object_get(data, "user"), "login")));
	json_decref(data);
	return EXIT_OK;
}

static int
cmd_logout(struct cli *cl, int argc, char **argv)
{
	int	 rc;

	if (argc != 0)
		return EXIT_USAGE;
	rc = cli_call(cl, "auth.logout", NULL, -1, NULL);
	client_token_remove();
	if (rc == EXIT_OK && !cl->json)
		printf("logged out\n");
	return rc;
}

const struct cli_cmd cli_base_cmds[] = {
	{ "status", NULL, "", cmd_status },
	{ "monitor", NULL, "[--report FROM TO FILE.pdf]", cmd_monitor },
	{ "users", "list", "", cmd_users_list },
	{ "users", "add", "LOGIN --role R [--unix-user U] [--password-stdin]",
	    cmd_users_add },
	{ "users", "update", "ID [--role R] [--password-stdin] "
	    "[--enable | --disable] [--unix-user U]", cmd_users_update },
	{ "users", "delete", "ID", cmd_users_delete },
	{ "audit", "list", "[--limit N] [--after ID]", cmd_audit_list },
	{ "login", NULL, "[LOGIN]", cmd_login },
	{ "logout", NULL, "", cmd_logout },
	{ NULL, NULL, NULL, NULL }
};
