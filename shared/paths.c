#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "xmalloc.h"

/* Set by the Makefile from LOCALSTATEDIR and RUNSTATEDIR. */
#ifndef WACAMP_STATEDIR
#define WACAMP_STATEDIR	"/var/lib/wacamp"
#endif
#ifndef WACAMP_RUNDIR
#define WACAMP_RUNDIR	"/run"
#endif

static char	*org;		/* NULL: the default organisation */

int
paths_set_org(const char *name)
{
	const char	*p;

	if (name == NULL || *name == '\0' || strlen(name) > 32)
		return -1;
	for (p = name; *p != '\0'; p++)
		if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '-' && *p != '_')
			return -1;
	free(org);
	org = xstrdup(name);
	return 0;
}

const char *
paths_org(void)
{
	return org;
}

/*
 * The system paths are for root and for the service account, the user
 * whose home is the state directory (sysusers.d makes it so): then
 * `sudo -u wacamp wacampd` without systemd finds what the unit gives.
 */
static int
paths_system(void)
{
	struct passwd	*pw;

	if (getuid() == 0)
		return 1;
	if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL)
		return 0;
	return strcmp(pw->pw_dir, WACAMP_STATEDIR) == 0;
}

/* The first directory of a systemd list (RUNTIME_DIRECTORY=a:b), or NULL. */
static char *
systemd_dir(const char *name)
{
	const char	*x;

	if ((x = getenv(name)) == NULL || *x != '/')
		return NULL;
	return xstrndup(x, strcspn(x, ":"));
}

char *
paths_system_socket(void)
{
	char	*s;

	if (org != NULL)
		xasprintf(&s, "%s/wacamp-%s/wacampd.sock", WACAMP_RUNDIR, org);
	else
		xasprintf(&s, "%s/wacamp/wacampd.sock", WACAMP_RUNDIR);
	return s;
}

char *
paths_user_socket(void)
{
	char	*dir, *s;

	dir = paths_state_dir();
	if (org != NULL)
		xasprintf(&s, "%s/wacampd-%s.sock", dir, org);
	else
		xasprintf(&s, "%s/wacampd.sock", dir);
	free(dir);
	return s;
}

/* The daemon's default socket: systemd's, the system's, or the user's. */
char *
paths_socket(void)
{
	char	*dir, *s;

	if ((dir = systemd_dir("RUNTIME_DIRECTORY")) == NULL)
		return paths_system() ? paths_system_socket() :
		    paths_user_socket();
	xasprintf(&s, "%s/wacampd.sock", dir);
	free(dir);
	return s;
}

char *
paths_store(void)
{
	const char	*x;
	char		*s, *dir;

	if ((dir = systemd_dir("STATE_DIRECTORY")) != NULL) {
		xasprintf(&s, "%s/wacamp.db", dir);
		free(dir);
		return s;
	}
	if (paths_system())
		xasprintf(&dir, "%s", WACAMP_STATEDIR);
	else if ((x = getenv("XDG_DATA_HOME")) != NULL && *x == '/')
		xasprintf(&dir, "%s/wacamp", x);
	else if ((x = getenv("HOME")) != NULL && *x == '/')
		xasprintf(&dir, "%s/.local/share/wacamp", x);
	else
		xasprintf(&dir, "/tmp/wacamp-%u", (unsigned)getuid());
	if (org != NULL)
		xasprintf(&s, "%s/%s/wacamp.db", dir, org);
	else
		xasprintf(&s, "%s/wacamp.db", dir);
	free(dir);
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

/* Make every missing directory above PATH (mkdir -p of its dirname). */
int
paths_mkparents(const char *path, mode_t mode, char *err, size_t errlen)
{
	char	*copy, *p;
	int	 rv = 0;

	copy = xstrdup(path);
	if ((p = strrchr(copy, '/')) == NULL || p == copy) {
		free(copy);
		return 0;
	}
	*p = '\0';
	for (p = copy + 1; p != NULL && rv == 0; ) {
		if ((p = strchr(p, '/')) != NULL)
			*p = '\0';
		if (mkdir(copy, mode) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", copy,
			    strerror(errno));
			rv = -1;
		}
		if (p != NULL)
			*p++ = '/';
	}
	free(copy);
	return rv;
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
