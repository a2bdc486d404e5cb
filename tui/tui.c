#include <stdio.h>

#include "cli.h"

/* The full-screen interface; until it lands, show status instead. */
int	tui_main(int, char **);

int
tui_main(int argc, char **argv)
{
	char	*args[8];
	int	 n = 0, i;

	for (i = 0; i < argc && n < 6; i++)
		args[n++] = argv[i];
	args[n++] = (char *)"status";
	args[n] = NULL;
	fprintf(stderr, "wacamp: the full-screen interface is not built yet; "
	    "showing status\n");
	return cli_main(n, args);
}
