#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"
#include "client.h"
#include "text.h"
#include "xmalloc.h"

/* The command tables of each noun, searched in order. */
static const struct cli_cmd *const cli_tables[] = {
	cli_base_cmds,
	cli_campaigns_cmds,
	cli_contacts_cmds,
	cli_webhook_cmds,
	cli_verify_cmds,
	cli_messages_cmds,
	cli_replies_cmds,
	cli_templates_cmds,
	cli_reports_cmds,
	cli_devices_cmds,
};

static void
cli_usage_all(FILE *fp)
{
	const struct cli_cmd	*t;
	size_t			 i;

	fprintf(fp, "usage: wacamp [-S socket | --org name] [--json] noun verb "
	    "[args]\n"
	    "       wacamp [-S socket | --org name]   (full-screen "
	    "interface)\n\n");
	for (i = 0; i < sizeof cli_tables / sizeof cli_tables[0]; i++)
		for (t = cli_tables[i]; t->noun != NULL; t++)
			fprintf(fp, "  %s %s%s%s\n", t->noun,
			    t->verb ? t->verb : "", t->verb && *t->usage ?
			    " " : "", t->usage);
}

static void
cli_usage_noun(FILE *fp, const char *noun)
{
	const struct cli_cmd	*t;
	size_t			 i;

	for (i = 0; i < sizeof cli_tables / sizeof cli_tables[0]; i++)
		for (t = cli_tables[i]; t->noun != NULL; t++)
			if (strcmp(t->noun, noun) == 0)
				fprintf(fp, "  wacamp %s %s%s%s\n", t->noun,
				    t->verb ? t->verb : "", t->verb &&
				    *t->usage ? " " : "", t->usage);
}

int
cli_parse(int argc, char **argv, const char *spec, json_t **opts,
    json_t **pos)
{
	char		 name[64], *end, key[64];
	const char	*p, *w;
	size_t		 n, k;
	int		 i, found, kind = 0;
	long long	 v;
	json_t		*arr;

	*opts = json_object();
	*pos = json_array();
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0') {
			if (strcmp(argv[i], "--") == 0) {
				for (i++; i < argc; i++)
					json_array_append_new(*pos,
					    json_string(argv[i]));
				break;
			}
			json_array_append_new(*pos, json_string(argv[i]));
			continue;
		}
		snprintf(name, sizeof name, "%s", argv[i] + 2);
		found = 0;
		for (p = spec; *p != '\0'; p = w + strspn(w, " ")) {
			w = p + strcspn(p, " ");
			n = strcspn(p, "= ");
			if (n == strlen(name) && strncmp(p, name, n) == 0) {
				found = 1;
				kind = p[n] != '=' ? 0 : p[n + 1] == '#' ? 2 :
				    p[n + 1] == '+' ? 3 : 1;
				break;
			}
		}
		if (!found) {
			fprintf(stderr, "wacamp: unknown option --%s\n", name);
			goto fail;
		}
		for (k = 0; name[k] != '\0' && k < sizeof key - 1; k++)
			key[k] = name[k] == '-' ? '_' : name[k];
		key[k] = '\0';
		if (kind == 0) {
			json_object_set_new(*opts, key, json_true());
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "wacamp: --%s needs a value\n", name);
			goto fail;
		}
		i++;
		if (kind == 2) {
			errno = 0;
			v = strtoll(argv[i], &end, 10);
			if (errno != 0 || *end != '\0' || end == argv[i]) {
				fprintf(stderr, "wacamp: --%s needs a number\n",
				    name);
				goto fail;
			}
			json_object_set_new(*opts, key, json_integer(v));
		} else if (kind == 3) {
			if ((arr = json_object_get(*opts, key)) == NULL) {
				arr = json_array();
				json_object_set_new(*opts, key, arr);
			}
			json_array_append_new(arr, json_string(argv[i]));
		} else
			json_object_set_new(*opts, key, json_string(argv[i]));
	}
	return 0;
fail:
	json_decref(*opts);
	json_decref(*pos);
	*opts = *pos = NULL;
	return -1;
}

/*
 * An error for a person on stderr, or under --json one JSON object that a
 * script can parse: {"error":{"code":...,"key":...,"message":...}}
 * (DESIGN §10). An error made here is its own key.
 */
void
cli_error(struct cli *cl, const char *code, const char *msg)
{
	json_t	*j;

	if (!cl->json) {
		fprintf(stderr, "wacamp: %s\n", msg);
		return;
	}
	j = json_pack("{s:{s:s,s:s,s:s,s:[]}}", "error", "code", code, "key",
	    msg, "message", msg, "args");
	json_dumpf(j, stderr, JSON_COMPACT);
	fputc('\n', stderr);
	json_decref(j);
}

int
cli_connect(struct cli *cl)
{
	char	 err[512];

	if (cl->connected)
		return 0;
	if (client_connect(&cl->c, cl->sock, err, sizeof err) == -1) {
		cli_error(cl, "unreachable", err);
		return -1;
	}
	client_resume(&cl->c);
	cl->connected = 1;
	return 0;
}

void
cli_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}

void
cli_puts_safe(const char *s, int width)
{
	char	*t = text_sanitize(s ? s : "");

	fputs(t, stdout);
	for (width -= text_columns(t); width > 0; width--)
		putchar(' ');
	free(t);
}

json_t *
cli_get(struct cli *cl, const char *cmd, json_t *args, int fd, int *rc)
{
	json_t		*data, *err;
	const char	*code, *msg;

	if (cli_connect(cl) == -1) {
		json_decref(args);
		*rc = EXIT_UNREACHABLE;
		return NULL;
	}
	data = client_call(&cl->c, cmd, args, fd, &err);
	if (data == NULL) {
		code = json_string_value(json_object_get(err, "code"));
		msg = json_string_value(json_object_get(err, "message"));
		if (cl->json) {
			/* The daemon's error as it is; one made here has
			 * its message as key, as the daemon's would. */
			json_t *j;

			if (json_object_get(err, "key") == NULL && msg != NULL)
				json_object_set_new(err, "key",
				    json_string(msg));
			j = json_pack("{s:O}", "error", err);

			json_dumpf(j, stderr, JSON_COMPACT);
			fputc('\n', stderr);
			json_decref(j);
		} else {
			/* In the user's language (wacamp-protocol.7). */
			char *text = client_err_text(err);

			if (code != NULL && strcmp(code, "unauthorized") == 0 &&
			    (msg == NULL || strstr(msg, "wacamp login") == NULL))
				fprintf(stderr, "wacamp: %s (log in with: "
				    "wacamp login)\n", text);
			else
				fprintf(stderr, "wacamp: %s\n", text);
			free(text);
		}
		*rc = code != NULL && strcmp(code, "unavailable") == 0 &&
		    msg != NULL && strstr(msg, "lost the connection") ?
		    EXIT_UNREACHABLE : EXIT_REFUSED;
		json_decref(err);
		return NULL;
	}
	*rc = EXIT_OK;
	return data;
}

int
cli_call(struct cli *cl, const char *cmd, json_t *args, int fd,
    void (*print)(json_t *))
{
	json_t	*data;
	int	 rc;

	if ((data = cli_get(cl, cmd, args, fd, &rc)) == NULL)
		return rc;
	if (cl->json)
		cli_print_json(data);
	else if (print != NULL)
		print(data);
	json_decref(data);
	return EXIT_OK;
}

static char *
read_line_fd(FILE *fp)
{
	char	*line = NULL;
	size_t	 sz = 0;
	ssize_t	 n;

	if ((n = getline(&line, &sz, fp)) <= 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

char *
cli_read_line(const char *prompt)
{
	if (isatty(STDIN_FILENO)) {
		fputs(prompt, stderr);
		fflush(stderr);
	}
	return read_line_fd(stdin);
}

char *
cli_read_secret(const char *prompt)
{
	struct termios	 t, saved;
	char		*s;
	int		 tty = isatty(STDIN_FILENO);

	if (!tty)
		return read_line_fd(stdin);
	fputs(prompt, stderr);
	fflush(stderr);
	tcgetattr(STDIN_FILENO, &saved);
	t = saved;
	t.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	s = read_line_fd(stdin);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	fputc('\n', stderr);
	return s;
}

const char *
cli_age(char *buf, size_t len, json_t *when)
{
	long long	 s;

	if (!json_is_integer(when)) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	s = (long long)time(NULL) - (long long)json_integer_value(when);
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	return buf;
}

int
cli_confirm(const char *question)
{
	char	 prompt[512], *ans;
	int	 yes;

	snprintf(prompt, sizeof prompt, "%s [y/N] ", question);
	ans = cli_read_line(prompt);
	yes = ans != NULL && (ans[0] == 'y' || ans[0] == 'Y');
	free(ans);
	return yes;
}

/*
 * --json may follow the verb too (DESIGN §10): take it out of the verb's
 * arguments, up to a "--", so no verb has to know it.
 */
static int
take_json(int argc, char **argv)
{
	int	 i, j, found = 0;

	for (i = j = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			for (; i < argc; i++)
				argv[j++] = argv[i];
			break;
		}
		if (strcmp(argv[i], "--json") == 0)
			found = 1;
		else
			argv[j++] = argv[i];
	}
	for (i = j; i < argc; i++)
		argv[i] = NULL;
	return found ? j : -1;
}

int
cli_main(int argc, char **argv)
{
	struct cli		 cl;
	const struct cli_cmd	*t, *match = NULL;
	size_t			 i;
	int			 rc, nounfound = 0, skip, n;

	memset(&cl, 0, sizeof cl);
	cl.c.fd = -1;
	/* The daemon's errors are shown in the user's language. */
	client_i18n();
	for (; argc > 0; argc--, argv++) {
		if (strcmp(argv[0], "--json") == 0)
			cl.json = 1;
		else if (strcmp(argv[0], "-S") == 0 && argc > 1) {
			free(cl.sock);
			cl.sock = xstrdup(argv[1]);
			argc--, argv++;
		} else if (strcmp(argv[0], "-h") == 0 ||
		    strcmp(argv[0], "--help") == 0) {
			cli_usage_all(stdout);
			free(cl.sock);
			return EXIT_OK;
		} else if (strcmp(argv[0], "-V") == 0 ||
		    strcmp(argv[0], "--version") == 0) {
			printf("wacamp %s\n", WACAMP_VERSION);
			free(cl.sock);
			return EXIT_OK;
		} else if (argv[0][0] == '-') {
			fprintf(stderr, "wacamp: unknown option %s (wacamp "
			    "--help lists the commands)\n", argv[0]);
			free(cl.sock);
			return EXIT_USAGE;
		} else
			break;
	}
	if (argc == 0) {
		cli_usage_all(stderr);
		free(cl.sock);
		return EXIT_USAGE;
	}
	{
		char *s = client_socket_path(cl.sock);

		free(cl.sock);
		cl.sock = s;
	}
	for (i = 0; i < sizeof cli_tables / sizeof cli_tables[0] && !match; i++)
		for (t = cli_tables[i]; t->noun != NULL; t++) {
			if (strcmp(t->noun, argv[0]) != 0)
				continue;
			nounfound = 1;
			if (t->verb == NULL ||
			    (argc > 1 && strcmp(t->verb, argv[1]) == 0)) {
				match = t;
				break;
			}
		}
	if (match == NULL) {
		if (nounfound) {
			/* That noun's verbs, not all 45 lines. */
			fprintf(stderr, "wacamp: %s: unknown or missing verb; "
			    "one of:\n", argv[0]);
			cli_usage_noun(stderr, argv[0]);
		} else {
			fprintf(stderr, "wacamp: unknown command %s (wacamp "
			    "--help lists them)\n", argv[0]);
		}
		free(cl.sock);
		return EXIT_USAGE;
	}
	skip = match->verb == NULL ? 1 : 2;
	if ((n = take_json(argc - skip, argv + skip)) != -1) {
		cl.json = 1;
		argc = n + skip;
	}
	rc = match->fn(&cl, argc - skip, argv + skip);
	if (rc == EXIT_USAGE)
		fprintf(stderr, "usage: wacamp %s%s%s %s\n", match->noun,
		    match->verb ? " " : "", match->verb ? match->verb : "",
		    match->usage);
	if (cl.connected)
		client_close(&cl.c);
	free(cl.sock);
	return rc;
}

long long
cli_int(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

const char *
cli_str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}
