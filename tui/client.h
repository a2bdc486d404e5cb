#ifndef CLIENT_H
#define CLIENT_H

#include <jansson.h>

struct evbuffer;

/* A blocking connection to wacampd, for the command line. */
struct client {
	int		 fd;
	struct evbuffer	*in;
	json_t		*hello;		/* the daemon's hello data */
	json_int_t	 next_id;
	/* Called for events that arrive while waiting for a reply. */
	void		(*on_event)(const char *, json_t *, void *);
	void		*arg;
};

/* Bind the "wacamp" catalogue (both the interface and the command line). */
void	 client_i18n(void);
/* ERR's text for a person, translated from its key and args (xmalloc). */
char	*client_err_text(json_t *);
/* The same for any object with key and args beside its English FIELD
 * (an import's rejected line: "reason"). */
char	*client_msg_text(json_t *, const char *);

/* The socket to use: -S, then $WACAMP_SOCKET, then the default. */
char	*client_socket_path(const char *);
int	 client_connect(struct client *, const char *, char *, size_t);
/* The default socket's directory is ours alone (0), or ERR says why. */
int	 client_path_safe(const char *, char *, size_t);
/*
 * Send CMD with ARGS (stolen; NULL for none) and wait for the reply, with
 * descriptor FD attached if not -1. Returns the data (caller decrefs) or
 * NULL with *ERR set to the error object (caller decrefs).
 */
json_t	*client_call(struct client *, const char *, json_t *, int, json_t **);
void	 client_close(struct client *);

/* Where the CLI keeps its session token (0600), and reading/writing it. */
char	*client_token_path(void);
char	*client_token_load(void);
int	 client_token_save(const char *);
void	 client_token_remove(void);
/* Log in with a saved token when peer credentials did not. */
void	 client_resume(struct client *);

#endif
