#include <stdlib.h>
#include <unistd.h>

#include "paths.h"
#include "xmalloc.h"

static char *
runtime_dir(void)
{
	const char	*x;
	char		*s;

	if (getuid() == 0)
		return xstrdup("/run/wacamp");
	if ((x = getenv("XDG_RUNTIME_DIR")) != NULL && *x == '/') {
		xasprintf(&s, "%s/wacamp", x);
		return s;
	}
	xasprintf(&s, "/tmp/wacamp-%u", (unsigned)getuid());
	return s;
}

char *
paths_socket(void)
{
	char	*dir, *s;

	dir = runtime_dir();
	xasprintf(&s, "%s/wacampd.sock", dir);
	free(dir);
	return s;
}

char *
paths_store(void)
{
	const char	*x;
	char		*s;

	if (getuid() == 0)
		return xstrdup("/var/lib/wacamp/wacamp.db");
	if ((x = getenv("XDG_DATA_HOME")) != NULL && *x == '/')
		xasprintf(&s, "%s/wacamp/wacamp.db", x);
	else if ((x = getenv("HOME")) != NULL && *x == '/')
		xasprintf(&s, "%s/.local/share/wacamp/wacamp.db", x);
	else
		xasprintf(&s, "/tmp/wacamp-%u/wacamp.db", (unsigned)getuid());
	return s;
}

char *
paths_state_dir(void)
{
	const char	*x;
	char		*s;

	if ((x = getenv("XDG_RUNTIME_DIR")) != NULL && *x == '/') {
		xasprintf(&s, "%s/wacamp", x);
		return s;
	}
	xasprintf(&s, "/tmp/wacamp-%u", (unsigned)getuid());
	return s;
}
