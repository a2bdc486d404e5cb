#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>

#include "conn.h"
#include "i18n.h"
#include "proto.h"
#include "xmalloc.h"

#define CONN_RETRY_SEC	1

struct conn_req {
	TAILQ_ENTRY(conn_req)	 entry;
	json_int_t		 id;
	conn_reply_cb		 cb;
	void			*arg;
};
TAILQ_HEAD(conn_reqs, conn_req);

/* A descriptor waiting to go out with the first byte at offset AT. */
struct conn_fd {
	TAILQ_ENTRY(conn_fd)	 entry;
	int			 fd;
	size_t			 at;
};
TAILQ_HEAD(conn_fds, conn_fd);

struct conn {
	struct event_base	*base;
	char			*path;
	const struct conn_ops	*ops;
	void			*arg;
	int			 sock;
	struct event		*rev;
	struct event		*wev;
	struct event		*retry;
	struct event		*old_rev;	/* freed on the next attempt */
	struct event		*old_wev;
	struct evbuffer		*in;
	struct evbuffer		*out;
	struct conn_reqs	 reqs;
	struct conn_fds		 fds;
	json_int_t		 next_id;
	int			 up;	/* hello seen */
};

static void	conn_try(evutil_socket_t, short, void *);

static void
conn_reap(struct conn *c)
{
	if (c->old_rev != NULL)
		event_free(c->old_rev);
	if (c->old_wev != NULL)
		event_free(c->old_wev);
	c->old_rev = c->old_wev = NULL;
}

static void
conn_schedule(struct conn *c)
{
	struct timeval	 tv = { CONN_RETRY_SEC, 0 };

	evtimer_add(c->retry, &tv);
}

/* Close the socket, fail every pending request, and plan a new attempt. */
static void
conn_drop(struct conn *c, const char *why)
{
	struct conn_req	*r;
	struct conn_fd	*f;
	json_t		*err;
	int		 was = c->sock != -1;

	/* We may be inside rev's callback: free the events on the next try. */
	if (c->rev != NULL)
		event_del(c->rev);
	if (c->wev != NULL)
		event_del(c->wev);
	c->old_rev = c->rev;
	c->old_wev = c->wev;
	c->rev = c->wev = NULL;
	if (c->sock != -1)
		close(c->sock);
	c->sock = -1;
	c->up = 0;
	evbuffer_drain(c->in, evbuffer_get_length(c->in));
	evbuffer_drain(c->out, evbuffer_get_length(c->out));
	while ((f = TAILQ_FIRST(&c->fds)) != NULL) {
		TAILQ_REMOVE(&c->fds, f, entry);
		close(f->fd);
		free(f);
	}
	err = json_pack("{s:s,s:s}", "code", "unavailable", "message", why);
	while ((r = TAILQ_FIRST(&c->reqs)) != NULL) {
		TAILQ_REMOVE(&c->reqs, r, entry);
		if (r->cb != NULL)
			r->cb(NULL, err, r->arg);
		free(r);
	}
	json_decref(err);
	if (was && c->ops->lost != NULL)
		c->ops->lost(why, c->arg);
	conn_schedule(c);
}

static void
conn_dispatch(struct conn *c, json_t *msg)
{
	struct conn_req	*r;
	json_t		*id, *err;
	const char	*ev;

	if ((ev = json_string_value(json_object_get(msg, "event"))) != NULL) {
		if (strcmp(ev, "hello") == 0) {
			c->up = 1;
			if (c->ops->hello != NULL)
				c->ops->hello(json_object_get(msg, "data"),
				    c->arg);
		} else if (c->ops->event != NULL)
			c->ops->event(ev, json_object_get(msg, "data"), c->arg);
		return;
	}
	id = json_object_get(msg, "id");
	if (!json_is_integer(id))
		return;
	TAILQ_FOREACH(r, &c->reqs, entry)
		if (r->id == json_integer_value(id))
			break;
	if (r == NULL)
		return;
	TAILQ_REMOVE(&c->reqs, r, entry);
	if (r->cb != NULL) {
		if (json_is_true(json_object_get(msg, "ok")))
			r->cb(json_object_get(msg, "data"), NULL, r->arg);
		else {
			err = json_object_get(msg, "error");
			if (err == NULL)
				err = json_pack("{s:s,s:s}", "code", "internal",
				    "message", N_("malformed reply"));
			else
				json_incref(err);
			r->cb(NULL, err, r->arg);
			json_decref(err);
		}
	}
	free(r);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	json_t		*msg;
	char		 why[256];
	int		 n, rv;

	n = evbuffer_read(c->in, fd, 65536);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		conn_drop(c, n == 0 ? N_("the daemon closed the "
		    "connection") : strerror(errno));
		return;
	}
	for (;;) {
		rv = proto_read(c->in, &msg, why, sizeof why);
		if (rv == PROTO_NEED)
			break;
		if (rv == PROTO_TOOLONG) {
			conn_drop(c, why);
			return;
		}
		if (rv == PROTO_BADJSON)
			continue;
		conn_dispatch(c, msg);
		json_decref(msg);
		/* A callback may have dropped the connection. */
		if (c->sock == -1)
			return;
	}
}

/* sendmsg(2) up to LEN bytes of OUT with descriptor FD attached. */
static ssize_t
conn_sendfd(int sock, struct evbuffer *out, size_t len, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;

	memset(&msg, 0, sizeof msg);
	memset(&cmsgbuf, 0, sizeof cmsgbuf);
	iov.iov_base = evbuffer_pullup(out, (ev_ssize_t)len);
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cmsgbuf.buf;
	msg.msg_controllen = sizeof cmsgbuf.buf;
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
	return sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	struct conn_fd	*f, *g;
	size_t		 len = evbuffer_get_length(c->out), chunk;
	ssize_t		 n;

	while (len > 0) {
		f = TAILQ_FIRST(&c->fds);
		chunk = len;
		if (f != NULL && f->at > 0 && f->at < chunk)
			chunk = f->at;
		if (f != NULL && f->at == 0) {
			if (chunk > 4096)
				chunk = 4096;
			n = conn_sendfd(fd, c->out, chunk, f->fd);
		} else
			n = evbuffer_write_atmost(c->out, fd, (ev_ssize_t)chunk);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_drop(c, strerror(errno));
			return;
		}
		if (f != NULL && f->at == 0) {
			evbuffer_drain(c->out, (size_t)n);
			TAILQ_REMOVE(&c->fds, f, entry);
			close(f->fd);
			free(f);
		}
		TAILQ_FOREACH(g, &c->fds, entry)
			g->at -= (size_t)n < g->at ? (size_t)n : g->at;
		len = evbuffer_get_length(c->out);
	}
	if (evbuffer_get_length(c->out) > 0)
		event_add(c->wev, NULL);
}

static void
conn_try(evutil_socket_t unused, short what, void *arg)
{
	struct conn		*c = arg;
	struct sockaddr_un	 sun;

	conn_reap(c);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof sun.sun_path) {
		conn_schedule(c);
		return;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	c->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (c->sock == -1 ||
	    connect(c->sock, (struct sockaddr *)&sun, sizeof sun) == -1) {
		/* A Unix connect does not linger; any failure waits a second. */
		if (c->sock != -1)
			close(c->sock);
		c->sock = -1;
		conn_schedule(c);
		return;
	}
	c->rev = event_new(c->base, c->sock, EV_READ | EV_PERSIST,
	    conn_read_cb, c);
	c->wev = event_new(c->base, c->sock, EV_WRITE, conn_write_cb, c);
	event_add(c->rev, NULL);
}

struct conn *
conn_new(struct event_base *base, const char *path,
    const struct conn_ops *ops, void *arg)
{
	struct conn	*c;

	c = xcalloc(1, sizeof *c);
	c->base = base;
	c->path = xstrdup(path);
	c->ops = ops;
	c->arg = arg;
	c->sock = -1;
	c->next_id = 1;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	TAILQ_INIT(&c->reqs);
	TAILQ_INIT(&c->fds);
	c->retry = evtimer_new(base, conn_try, c);
	conn_try(-1, 0, c);
	return c;
}

void
conn_free(struct conn *c)
{
	struct conn_req	*r;
	struct conn_fd	*f;
	json_t		*err;

	if (c == NULL)
		return;
	conn_reap(c);
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	event_free(c->retry);
	if (c->sock != -1)
		close(c->sock);
	/* Callbacks own their argument: let each one free it. */
	err = json_pack("{s:s,s:s}", "code", "unavailable", "message",
	    N_("closing"));
	while ((r = TAILQ_FIRST(&c->reqs)) != NULL) {
		TAILQ_REMOVE(&c->reqs, r, entry);
		if (r->cb != NULL)
			r->cb(NULL, err, r->arg);
		free(r);
	}
	json_decref(err);
	while ((f = TAILQ_FIRST(&c->fds)) != NULL) {
		TAILQ_REMOVE(&c->fds, f, entry);
		close(f->fd);
		free(f);
	}
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	free(c->path);
	free(c);
}

int
conn_up(struct conn *c)
{
	return c->sock != -1 && c->up;
}

int
conn_call(struct conn *c, const char *cmd, json_t *args, int fd,
    conn_reply_cb cb, void *arg)
{
	struct conn_req	*r;
	struct conn_fd	*f;
	json_t		*req;

	if (c->sock == -1) {
		json_decref(args);
		if (fd != -1)
			close(fd);
		return -1;
	}
	r = xcalloc(1, sizeof *r);
	r->id = c->next_id++;
	r->cb = cb;
	r->arg = arg;
	TAILQ_INSERT_TAIL(&c->reqs, r, entry);
	if (fd != -1) {
		/* The descriptor rides on the first byte of this line. */
		f = xcalloc(1, sizeof *f);
		f->fd = fd;
		f->at = evbuffer_get_length(c->out);
		TAILQ_INSERT_TAIL(&c->fds, f, entry);
	}
	req = json_pack("{s:I,s:s,s:o}", "id", r->id, "cmd", cmd, "args",
	    args != NULL ? args : json_object());
	proto_write(c->out, req);
	json_decref(req);
	event_add(c->wev, NULL);
	return 0;
}
