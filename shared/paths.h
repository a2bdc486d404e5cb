#ifndef PATHS_H
#define PATHS_H

/* Default locations, the same rule for daemon and client. Returned strings
 * are allocated (xmalloc). A system daemon (root) uses /run and /var/lib. */
char	*paths_socket(void);
char	*paths_store(void);
char	*paths_state_dir(void);	/* per-user runtime dir for the CLI's token */

#endif
