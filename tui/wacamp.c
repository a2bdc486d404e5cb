#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "tui.h"

int
main(int argc, char *argv[])
{
	int	 i;

	setlocale(LC_ALL, "");
	/* Numbers a script reads never depend on the locale (DESIGN §10). */
	setlocale(LC_NUMERIC, "C");
	log_init("wacamp", 1, LOG_LVL_WARN);
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
