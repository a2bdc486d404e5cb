#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "paths.h"
#include "tui.h"

/*
 * --org NAME among the leading options picks that organisation's daemon
 * (its socket, its session token); it is taken out of ARGV here, so the
 * interface and the command line see the rest as before. -1: bad name.
 */
static int
take_org(int *argc, char *argv[])
{
	const char	*name;
	int		 i, n;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "-S") == 0) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "--json") == 0)
			continue;
		if (strcmp(argv[i], "--org") == 0 && i + 1 < *argc) {
			name = argv[i + 1];
			n = 2;
		} else if (strncmp(argv[i], "--org=", 6) == 0) {
			name = argv[i] + 6;
			n = 1;
		} else
			break;
		if (paths_set_org(name) == -1) {
			fprintf(stderr, "wacamp: --org %s: an organisation "
			    "name is 1 to 32 of a-z, 0-9, - and _\n", name);
			return -1;
		}
		memmove(&argv[i], &argv[i + n], (*argc - i - n + 1) *
		    sizeof *argv);
		*argc -= n;
		i--;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	int	 i;

	setlocale(LC_ALL, "");
	/* Numbers a script reads never depend on the locale (DESIGN §10). */
	setlocale(LC_NUMERIC, "C");
	log_init("wacamp", 1, LOG_LVL_WARN);
	if (take_org(&argc, argv) == -1)
		return 2;
	/* No noun after the options: the full-screen interface. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-S") == 0) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "--json") == 0)
			continue;
		break;
	}
	if (i >= argc && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return tui_main(argc - 1, argv + 1);
	return cli_main(argc - 1, argv + 1);
}
