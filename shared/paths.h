#ifndef PATHS_H
#define PATHS_H

#include <sys/types.h>

#include <stddef.h>

/*
 * Default locations, the same rule for daemon and client. Returned strings
 * are allocated (xmalloc). Under systemd, $RUNTIME_DIRECTORY and
 * $STATE_DIRECTORY win; root and the service account (whose home is the
 * state directory) use /run/wacamp and /var/lib/wacamp; anyone else
 * $XDG_RUNTIME_DIR and ~/.local/share. An organisation (paths_set_org)
 * has /run/wacamp-ORG and /var/lib/wacamp/ORG.
 */
int	 paths_set_org(const char *);	/* -1: not [a-z0-9_-]{1,32} */
const char *paths_org(void);		/* NULL: the default one */
char	*paths_socket(void);		/* the daemon's default socket */
char	*paths_store(void);
char	*paths_system_socket(void);	/* /run/wacamp[-ORG]/wacampd.sock */
char	*paths_user_socket(void);	/* in the per-user runtime dir */
char	*paths_state_dir(void);	/* per-user runtime dir for the CLI's token */
/* mkdir -p of PATH's directory with MODE; -1 with ERR on failure. */
int	 paths_mkparents(const char *, mode_t, char *, size_t);
/* 0 if DIR is a directory of ours alone (made 0700 if CREATE and
 * missing), else -1 with ERR saying what is wrong. */
int	 paths_private_dir(const char *, int, char *, size_t);

#endif
