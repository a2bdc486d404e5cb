#ifndef PROTO_H
#define PROTO_H

#include <sys/types.h>

#include <event2/buffer.h>
#include <jansson.h>

#define PROTO_VERSION	1
#define PROTO_MAX_LINE	(1024 * 1024)

enum proto_read {
	PROTO_NEED = 0,		/* no whole line yet */
	PROTO_OK = 1,		/* *obj holds a JSON object */
	PROTO_TOOLONG = -1,	/* a line over PROTO_MAX_LINE: close */
	PROTO_BADJSON = -2,	/* a line that is not a JSON object; consumed */
};

/* Take one JSON line from IN. WHY gets a reason for PROTO_BADJSON/TOOLONG. */
int	 proto_read(struct evbuffer *, json_t **, char *, size_t);
/* The same for a stream read in pieces: *SCANNED (start at 0) remembers how
 * far the search for a newline got, so a long line costs linear time. */
int	 proto_read_from(struct evbuffer *, size_t *, json_t **, char *, size_t);
/* Append OBJ as one line to OUT. Returns the bytes appended. */
size_t	 proto_write(struct evbuffer *, const json_t *);

/* recvmsg(2) into IN, keeping at most one passed descriptor in *FD. */
ssize_t	 proto_recv(int, struct evbuffer *, int *);
/* sendmsg(2) BUF with descriptor FD attached (FD -1: none). Blocking. */
int	 proto_send_fd(int, const void *, size_t, int);

#endif
