#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "xmalloc.h"

char *
paths_runtime_dir(void)
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

	dir = paths_runtime_dir();
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

/*
 * DIR must be ours alone: a directory (not a link), owned by the real
 * user, that group and others cannot enter. Another user who made
 * /tmp/wacamp-UID first could otherwise put their own socket there and
 * receive passwords. With CREATE it is made (0700) when missing.
 */
int
paths_private_dir(const char *dir, int create, char *err, size_t errlen)
{
	struct stat	 st;

	if (create && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory; remove it",
		    dir);
		return -1;
	}
	if (st.st_uid != getuid()) {
		snprintf(err, errlen, "%s belongs to uid %u, not to you (uid "
		    "%u): another user may have made it; remove it, or set "
		    "XDG_RUNTIME_DIR", dir, (unsigned)st.st_uid,
		    (unsigned)getuid());
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s has mode %04o: others may enter it "
		    "(chmod 700 it)", dir, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}
