#ifndef CONN_H
#define CONN_H

#include <jansson.h>

struct event_base;
struct conn;

/*
 * A reply: DATA on success, else ERR ({code, message}). Both are borrowed
 * for the duration of the call. After a disconnect every pending request
 * gets ERR with code "unavailable".
 */
typedef void	(*conn_reply_cb)(json_t *, json_t *, void *);

struct conn_ops {
	/* Connected and the daemon said hello (data borrowed). */
	void	(*hello)(json_t *, void *);
	/* The connection is gone; a new attempt follows in a second. */
	void	(*lost)(const char *, void *);
	/* An event after subscribe: name and data (borrowed). */
	void	(*event)(const char *, json_t *, void *);
};

/* An asynchronous client on BASE that reconnects to PATH by itself. */
struct conn	*conn_new(struct event_base *, const char *,
		    const struct conn_ops *, void *);
void		 conn_free(struct conn *);
int		 conn_up(struct conn *);
/*
 * Send CMD with ARGS (stolen, NULL for none) and FD attached (-1 for none;
 * the descriptor is closed once sent). CB (may be NULL) gets the reply.
 * Returns -1 (and calls nothing) when not connected.
 */
int		 conn_call(struct conn *, const char *, json_t *, int,
		    conn_reply_cb, void *);

#endif
