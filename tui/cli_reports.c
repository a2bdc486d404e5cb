#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"
#include "report.h"

/*
 * campaigns export ID [FILE], campaigns report ID FILE.pdf and
 * monitor --report FROM TO FILE.pdf (DESIGN §10).
 */

static void
print_exported(json_t *d)
{
	fprintf(stderr, "%lld recipient(s) exported\n", (long long)
	    json_integer_value(json_object_get(d, "exported")));
}

/* A positive integer from S, or 0. */
static long long
id_arg(const char *s)
{
	char		*end;
	long long	 n;

	n = strtoll(s, &end, 10);
	return *end == '\0' && n > 0 ? n : 0;
}

static int
cmd_export(struct cli *cl, int argc, char **argv)
{
	long long	 id;
	int		 fd = STDOUT_FILENO, rc;

	if (argc < 1 || argc > 2 || (id = id_arg(argv[0])) == 0)
		return EXIT_USAGE;
	if (argc == 2 && (fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) == -1) {
		fprintf(stderr, "wacamp: %s: %s\n", argv[1], strerror(errno));
		return EXIT_REFUSED;
	}
	fflush(stdout);
	rc = cli_call(cl, "campaigns.export", json_pack("{s:I}", "id",
	    (json_int_t)id), fd, argc == 2 ? print_exported : NULL);
	if (fd != STDOUT_FILENO)
		close(fd);
	return rc;
}

/* Ask CMD for the figures and draw them into PATH with DRAW. */
static int
draw_report(struct cli *cl, const char *cmd, json_t *args, const char *path,
    int (*draw)(const char *, json_t *, char *, size_t))
{
	json_t	*d;
	char	 err[512];
	int	 rc;

	if ((d = cli_get(cl, cmd, args, -1, &rc)) == NULL)
		return rc;
	if (draw(path, d, err, sizeof err) == -1) {
		json_decref(d);
		cli_error(cl, "report", err);
		return EXIT_REFUSED;
	}
	json_decref(d);
	if (cl->json)
		cli_print_json(json_pack("{s:s}", "report", path));
	else
		printf("report written to %s\n", path);
	return EXIT_OK;
}

static int
cmd_report(struct cli *cl, int argc, char **argv)
{
	long long	 id;

	if (argc != 2 || (id = id_arg(argv[0])) == 0)
		return EXIT_USAGE;
	return draw_report(cl, "campaigns.report", json_pack("{s:I}", "id",
	    (json_int_t)id), argv[1], report_campaign_pdf);
}

int
cli_monitor_report(struct cli *cl, int argc, char **argv)
{
	if (argc != 3)
		return EXIT_USAGE;
	return draw_report(cl, "monitoring.report", json_pack("{s:s,s:s}",
	    "from", argv[0], "to", argv[1]), argv[2], report_period_pdf);
}

const struct cli_cmd cli_reports_cmds[] = {
	{ "campaigns", "export", "ID [FILE]", cmd_export },
	{ "campaigns", "report", "ID FILE.pdf", cmd_report },
	{ NULL, NULL, NULL, NULL }
};
