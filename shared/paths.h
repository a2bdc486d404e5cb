#ifndef PATHS_H
#define PATHS_H

#include <stddef.h>

/* Default locations, the same rule for daemon and client. Returned strings
 * are allocated (xmalloc). A system daemon (root) uses /run and /var/lib. */
char	*paths_socket(void);
char	*paths_store(void);
char	*paths_state_dir(void);	/* per-user runtime dir for the CLI's token */
/* The directory of the default socket (/run/wacamp for root). */
char	*paths_runtime_dir(void);
/* 0 if DIR is a directory of ours alone (made 0700 if CREATE and
 * missing), else -1 with ERR saying what is wrong. */
int	 paths_private_dir(const char *, int, char *, size_t);

#endif
