#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>

#include "cmds.h"
#include "config.h"
#include "ctl.h"
#include "ctl_args.h"
#include "daemon.h"
#include "i18n.h"
#include "log.h"
#include "paths.h"
#include "proto.h"
#include "store.h"
#include "xmalloc.h"

#define CTL_MAX_TOPICS		32
#define CTL_EVENTS_HIGH		(1024 * 1024)		/* stop queueing events */
#define CTL_EVENTS_LOW		(256 * 1024)		/* resync below this */
#define CTL_OUT_MAX		(16 * 1024 * 1024)	/* then disconnect */
#define CTL_OUT_TOTAL		(128 * 1024 * 1024)	/* over every client */
/*
 * Clients that are not logged in have a quota of their own, so a crowd of
 * them never keeps out someone with an account.
 */
#define CTL_ANON_MAX		32
#define CTL_ANON_PER_UID	8

struct ctl_client {
	TAILQ_ENTRY(ctl_client)	 entry;
	struct daemon		*d;
	int			 fd;
	struct event		*rev;
	struct event		*wev;
	struct evbuffer		*in;
	struct evbuffer		*out;
	struct event		*login_ev;	/* deadline while anonymous */
	int			 anon;
	uid_t			 uid;
	pid_t			 pid;
	char			 unix_user[64];
	int64_t			 user_id;
	int64_t			 session_id;
	char			 login[64];
	int			 role;
	int			 passed_fd;
	size_t			 scanned;	/* of c->in, for proto_read_from */
	int			 closing;
	TAILQ_HEAD(, ctl_req)	 reqs;		/* requests not yet answered */
	unsigned long		 dropped;	/* events dropped while slow */
	char			*topics[CTL_MAX_TOPICS];
	size_t			 ntopics;
};
TAILQ_HEAD(ctl_clients, ctl_client);

struct ctl {
	int			 fd;
	char			*path;
	struct event		*ev;
	struct event		*ev_resume;	/* accept paused at the fd limit */
	struct ctl_clients	 clients;
	int			 nclients;
	int			 nanon;
	uint64_t		 nevents;
};

/* The modules' command tables; the dispatcher searches them in order. */
static const struct ctl_cmd *const ctl_tables[] = {
	auth_cmds,
	users_cmds,
	misc_cmds,
	campaigns_cmds,
	verify_cmds,
	contacts_cmds,
	categories_cmds,
	webhook_cmds,
	messages_cmds,
	replies_cmds,
	templates_cmds,
	reports_cmds,
	devices_cmds,
};

static void	ctl_client_free(struct ctl_client *);
static void	ctl_flush(struct ctl_client *);
static const struct ctl_cmd	*ctl_find(const char *);

/* The request a handler is running on, until it is answered (freed). */
static struct ctl_req	*ctl_running;

/*
 * Every command's argument spec and name, checked once at start: a bad
 * one stops the daemon there with its name, not a client's request later.
 */
static int
ctl_check_tables(char *err, size_t errlen)
{
	const struct ctl_cmd	*t;
	char			 why[200];
	size_t			 i;

	for (i = 0; i < sizeof ctl_tables / sizeof ctl_tables[0]; i++)
		for (t = ctl_tables[i]; t->name != NULL; t++) {
			if (t->fn == NULL) {
				snprintf(err, errlen, "command %s has no "
				    "handler", t->name);
				return -1;
			}
			if (ctl_find(t->name) != t) {
				snprintf(err, errlen, "command %s is defined "
				    "twice", t->name);
				return -1;
			}
			if (t->args != NULL && ctl_spec_check(t->args, why,
			    sizeof why) == -1) {
				snprintf(err, errlen, "command %s: bad argument "
				    "spec: %s", t->name, why);
				return -1;
			}
		}
	return 0;
}

static const struct ctl_cmd *
ctl_find(const char *name)
{
	const struct ctl_cmd	*t;
	size_t			 i;

	for (i = 0; i < sizeof ctl_tables / sizeof ctl_tables[0]; i++)
		for (t = ctl_tables[i]; t->name != NULL; t++)
			if (strcmp(t->name, name) == 0)
				return t;
	return NULL;
}

static void
ctl_send(struct ctl_client *c, json_t *msg)
{
	if (c == NULL || c->closing > 1)
		return;
	proto_write(c->out, msg);
	ctl_flush(c);
}

/* An error made in one piece: its message is its key (wacamp-protocol.7). */
static void
ctl_send_error(struct ctl_client *c, json_t *id, const char *code,
    const char *msg)
{
	json_t	*j;

	j = json_pack("{s:O?,s:b,s:{s:s,s:s,s:s,s:[]}}", "id", id, "ok", 0,
	    "error", "code", code, "key", msg, "message", msg, "args");
	ctl_send(c, j);
	json_decref(j);
}

static void
ctl_req_free(struct ctl_req *r)
{
	if (r == ctl_running)
		ctl_running = NULL;
	if (r->c != NULL)
		TAILQ_REMOVE(&r->c->reqs, r, entry);
	if (r->fd != -1)
		close(r->fd);
	json_decref(r->id);
	json_decref(r->args);
	free(r->target);
	free(r);
}

void
ctl_target(struct ctl_req *r, const char *fmt, ...)
{
	va_list	 ap;

	free(r->target);
	va_start(ap, fmt);
	if (vasprintf(&r->target, fmt, ap) == -1)
		r->target = NULL;
	va_end(ap);
}

void
ctl_audit_write(struct daemon *d, struct ctl_req *r, int ok)
{
	sqlite3_stmt	*st;
	json_t		*idv;
	char		 buf[32];
	const char	*target = r->target;

	if (target == NULL && (idv = json_object_get(r->args, "id")) != NULL &&
	    json_is_integer(idv)) {
		snprintf(buf, sizeof buf, "%lld",
		    (long long)json_integer_value(idv));
		target = buf;
	}
	st = store_stmt(d->store, "INSERT INTO audit_log (at, user_id, login,"
	    " unix_user, command, target, ok) VALUES (?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, store_now());
	if (r->user_id > 0)
		sqlite3_bind_int64(st, 2, r->user_id);
	if (r->login[0] != '\0')
		sqlite3_bind_text(st, 3, r->login, -1, SQLITE_TRANSIENT);
	if (r->unix_user[0] != '\0')
		sqlite3_bind_text(st, 4, r->unix_user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, r->cmd->name, -1, SQLITE_STATIC);
	if (target != NULL)
		sqlite3_bind_text(st, 6, target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, ok);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warnx("audit: %s", store_errmsg(d->store));
	sqlite3_reset(st);
}

json_int_t
ctl_list_limit(struct ctl_req *r, json_int_t def)
{
	json_int_t	 limit = ctl_arg_int(r, "limit", def);

	if (limit >= 1 && limit <= 500)
		return limit;
	ctl_error(r, "bad_request", "limit must be 1 to 500");
	return -1;
}

void
ctl_reply_page(struct ctl_req *r, json_t *items, json_int_t total,
    json_int_t limit, json_int_t last)
{
	ctl_reply(r, json_pack("{s:o,s:I,s:o}", "items", items, "total", total,
	    "next", (json_int_t)json_array_size(items) == limit ?
	    json_integer(last) : json_null()));
}

int
ctl_list_by_id(struct ctl_req *r, const char *sql, const char *count,
    json_t *(*row)(sqlite3_stmt *))
{
	sqlite3_stmt	*st;
	json_int_t	 limit, last = 0;
	json_t		*items;

	if ((limit = ctl_list_limit(r, 500)) == -1)
		return CMD_DONE;
	items = json_array();
	st = store_stmt(r->d->store, sql);
	sqlite3_bind_int64(st, 1, ctl_arg_int(r, "after", 0));
	sqlite3_bind_int64(st, 2, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		json_array_append_new(items, row(st));
	}
	sqlite3_reset(st);
	ctl_reply_page(r, items, store_int(store_stmt(r->d->store, count)),
	    limit, last);
	return CMD_DONE;
}

void
ctl_reply(struct ctl_req *r, json_t *data)
{
	json_t	*j;

	if (r->cmd->flags & CMD_AUDIT)
		ctl_audit_write(r->d, r, 1);
	if (data == NULL)
		data = json_object();
	j = json_pack("{s:O?,s:b,s:o}", "id", r->id, "ok", 1, "data", data);
	ctl_send(r->c, j);
	json_decref(j);
	ctl_req_free(r);
}

/*
 * The key is FMT, the args what each conversion printed: a client finds
 * the translation of FMT and puts them in (wacamp-protocol.7).
 */
void
ctl_error(struct ctl_req *r, const char *code, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];
	json_t	*e, *j;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	e = json_pack("{s:s,s:s}", "code", code, "message", msg);
	va_start(ap, fmt);
	i18n_json(e, fmt, ap, msg);
	va_end(ap);
	if (r->cmd != NULL && (r->cmd->flags & CMD_AUDIT) &&
	    strcmp(code, "unauthorized") != 0 && strcmp(code, "bad_request") != 0)
		ctl_audit_write(r->d, r, 0);
	j = json_pack("{s:O?,s:b,s:o}", "id", r->id, "ok", 0, "error", e);
	ctl_send(r->c, j);
	json_decref(j);
	ctl_req_free(r);
}

json_int_t
ctl_arg_int(struct ctl_req *r, const char *key, json_int_t def)
{
	json_t	*v = json_object_get(r->args, key);

	return json_is_integer(v) ? json_integer_value(v) : def;
}

const char *
ctl_arg_str(struct ctl_req *r, const char *key, const char *def)
{
	json_t	*v = json_object_get(r->args, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

int
ctl_arg_bool(struct ctl_req *r, const char *key, int def)
{
	json_t	*v = json_object_get(r->args, key);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

/* One request line: check, authorise, run. */
static void
ctl_dispatch(struct ctl_client *c, json_t *msg)
{
	struct ctl_req		*r;
	const struct ctl_cmd	*cmd;
	json_t			*id, *name, *args;
	char			 why[256];
	int			 rc;

	id = json_object_get(msg, "id");
	name = json_object_get(msg, "cmd");
	args = json_object_get(msg, "args");
	if (id != NULL && !json_is_integer(id) && !json_is_string(id))
		id = NULL;

	r = xcalloc(1, sizeof *r);
	r->d = c->d;
	r->c = c;
	r->id = id ? json_incref(id) : json_null();
	r->fd = -1;
	r->user_id = c->user_id;
	r->role = c->role;
	snprintf(r->login, sizeof r->login, "%s", c->login);
	snprintf(r->unix_user, sizeof r->unix_user, "%s", c->unix_user);
	TAILQ_INSERT_TAIL(&c->reqs, r, entry);

	if (!json_is_string(name)) {
		r->args = json_object();
		ctl_error(r, "bad_request", "a request needs \"cmd\"");
		return;
	}
	if ((cmd = ctl_find(json_string_value(name))) == NULL) {
		r->args = json_object();
		ctl_error(r, "bad_request", "unknown command \"%.60s\"",
		    json_string_value(name));
		return;
	}
	r->cmd = cmd;
	if (args == NULL || json_is_null(args))
		r->args = json_object();
	else if (!json_is_object(args)) {
		r->args = json_object();
		ctl_error(r, "bad_request", "\"args\" must be an object");
		return;
	} else
		r->args = json_incref(args);

	if (cmd->role > ROLE_NONE && c->user_id == 0) {
		ctl_error(r, "unauthorized", "this needs a login (wacamp "
		    "login)");
		return;
	}
	if (cmd->role > c->role && cmd->role > ROLE_NONE) {
		ctl_error(r, "forbidden", "only a super_admin may do this");
		return;
	}
	if (ctl_args_check(cmd->name, cmd->args, r->args, why, sizeof why) == -1) {
		ctl_error(r, "bad_request", "%s", why);
		return;
	}
	if (cmd->flags & CMD_FD) {
		r->fd = c->passed_fd;
		c->passed_fd = -1;
	} else if (c->passed_fd != -1) {
		/* A descriptor nobody asked for is not kept for later. */
		close(c->passed_fd);
		c->passed_fd = -1;
	}
	/*
	 * The handler's contract: CMD_DONE when it answered, CMD_PARKED
	 * when the answer comes later (the request stays on the client's
	 * list, answered at completion or at shutdown). A handler that says
	 * done without answering would leave its client waiting: answer for
	 * it, and say so in the log.
	 */
	ctl_running = r;
	rc = cmd->fn(r);
	if (ctl_running == r && rc != CMD_PARKED) {
		ctl_running = NULL;
		log_warnx("ctl: %s returned %s without an answer", cmd->name,
		    rc == CMD_DONE ? "done" : "an unknown value");
		ctl_error(r, "internal", "%s gave no answer", cmd->name);
	}
	ctl_running = NULL;
}

/* What every client has waiting to be read, together. */
static size_t
ctl_out_total(struct ctl *ctl)
{
	struct ctl_client	*c;
	size_t			 n = 0;

	TAILQ_FOREACH(c, &ctl->clients, entry)
		n += evbuffer_get_length(c->out);
	return n;
}

static void
ctl_flush(struct ctl_client *c)
{
	int	 n;

	while (evbuffer_get_length(c->out) > 0) {
		n = evbuffer_write(c->out, c->fd);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			c->closing = 2;
			evbuffer_drain(c->out, evbuffer_get_length(c->out));
			break;
		}
		if (n == 0)
			break;
	}
	if (c->dropped > 0 && evbuffer_get_length(c->out) < CTL_EVENTS_LOW) {
		json_t *j = json_pack("{s:s,s:{s:I}}", "event", "resync",
		    "data", "dropped", (json_int_t)c->dropped);

		c->dropped = 0;
		proto_write(c->out, j);
		json_decref(j);
	}
	if (evbuffer_get_length(c->out) > 0)
		event_add(c->wev, NULL);
	else {
		event_del(c->wev);
		if (c->closing) {
			/* Freed from the loop, not inside a handler's stack. */
			event_active(c->rev, EV_READ, 0);
		}
	}
	if (evbuffer_get_length(c->out) > CTL_OUT_MAX ||
	    (evbuffer_get_length(c->out) > CTL_EVENTS_HIGH &&
	    ctl_out_total(c->d->ctl) > CTL_OUT_TOTAL)) {
		log_warnx("ctl: client uid %u too slow, disconnecting",
		    (unsigned)c->uid);
		c->closing = 2;
		evbuffer_drain(c->out, evbuffer_get_length(c->out));
		event_active(c->rev, EV_READ, 0);
	}
}

static void
ctl_write_cb(evutil_socket_t fd, short ev, void *arg)
{
	ctl_flush(arg);
}

static void
ctl_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_client	*c = arg;
	json_t			*msg;
	char			 why[256];
	ssize_t			 n;
	int			 rv;

	if (c->closing) {
		if (c->closing > 1 || evbuffer_get_length(c->out) == 0)
			ctl_client_free(c);
		return;
	}
	n = proto_recv(c->fd, c->in, &c->passed_fd);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		ctl_client_free(c);
		return;
	}
	for (;;) {
		rv = proto_read_from(c->in, &c->scanned, &msg, why, sizeof why);
		if (rv == PROTO_NEED)
			break;
		if (rv == PROTO_TOOLONG) {
			ctl_send_error(c, NULL, "bad_request", why);
			evbuffer_drain(c->in, evbuffer_get_length(c->in));
			c->closing = 1;
			event_del(c->rev);
			ctl_flush(c);
			return;
		}
		if (rv == PROTO_BADJSON) {
			ctl_send_error(c, NULL, "bad_request", why);
			continue;
		}
		ctl_dispatch(c, msg);
		json_decref(msg);
		if (c->closing)
			break;
	}
}

static void
ctl_client_free(struct ctl_client *c)
{
	struct ctl	*ctl = c->d->ctl;
	struct ctl_req	*r;
	size_t		 i;

	TAILQ_REMOVE(&ctl->clients, c, entry);
	ctl->nclients--;
	if (c->anon)
		ctl->nanon--;
	event_free(c->login_ev);
	event_free(c->rev);
	event_free(c->wev);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	if (c->passed_fd != -1)
		close(c->passed_fd);
	close(c->fd);
	for (i = 0; i < c->ntopics; i++)
		free(c->topics[i]);
	/* Parked requests outlive the client; they find r->c gone. */
	while ((r = TAILQ_FIRST(&c->reqs)) != NULL) {
		TAILQ_REMOVE(&c->reqs, r, entry);
		r->c = NULL;
	}
	if (ctl->ev_resume != NULL && !event_pending(ctl->ev, EV_READ, NULL))
		event_add(ctl->ev, NULL);
	free(c);
}

/* Peer credentials: the active user whose unix_user is the peer's login. */
static void
ctl_peer_login(struct daemon *d, struct ctl_client *c)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "SELECT id, login, role FROM users "
	    "WHERE unix_user = ? AND active = 1");
	sqlite3_bind_text(st, 1, c->unix_user, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		c->user_id = sqlite3_column_int64(st, 0);
		snprintf(c->login, sizeof c->login, "%s",
		    (const char *)sqlite3_column_text(st, 1));
		c->role = strcmp((const char *)sqlite3_column_text(st, 2),
		    "super_admin") == 0 ? ROLE_SUPER : ROLE_ADMIN;
	}
	sqlite3_reset(st);
}

static void
ctl_hello(struct ctl_client *c)
{
	json_t	*j;

	j = json_pack("{s:s,s:{s:i,s:s,s:s,s:s?,s:s?}}", "event", "hello",
	    "data", "protocol", PROTO_VERSION, "version", WACAMP_VERSION,
	    "provider", config_provider(c->d->conf),
	    "user", c->user_id ? c->login : NULL,
	    "role", c->user_id ? (c->role == ROLE_SUPER ? "super_admin" :
	    "admin") : NULL);
	ctl_send(c, j);
	json_decref(j);
}

/*
 * Whether a new client is served: one with an account (peer credentials)
 * within max_clients; one without within the anonymous quota, which is
 * apart and smaller, and shared fairly among Unix users.
 */
static const char *
ctl_refuse(struct ctl *ctl, struct ctl_client *n)
{
	struct daemon		*d = n->d;
	struct ctl_client	*c;
	int			 same = 0;

	if (n->user_id != 0)
		return ctl->nclients - ctl->nanon >= d->conf->max_clients ?
		    N_("too many clients") : NULL;
	if (ctl->nanon >= CTL_ANON_MAX)
		return N_("too many clients that are not logged in");
	TAILQ_FOREACH(c, &ctl->clients, entry) {
		if (c->anon && c->uid == n->uid)
			same++;
	}
	return same >= CTL_ANON_PER_UID ? N_("too many clients that are not "
	    "logged in from this user") : NULL;
}

/* A client without an account has login_timeout to log in. */
static void
ctl_set_anon(struct ctl_client *c, int anon)
{
	struct timeval	 tv;
	uint64_t	 ms = c->d->conf->login_timeout_ms;

	if (c->anon == anon)
		return;
	c->anon = anon;
	c->d->ctl->nanon += anon ? 1 : -1;
	if (!anon) {
		event_del(c->login_ev);
		return;
	}
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(c->login_ev, &tv);
}

static void
ctl_login_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_client	*c = arg;

	if (!c->anon || c->closing)
		return;
	log_debug("ctl: client of uid %u did not log in in time",
	    (unsigned)c->uid);
	ctl_send_error(c, NULL, "unauthorized", N_("not logged in within the "
	    "login timeout; connect again"));
	c->closing = 1;
	ctl_flush(c);
	event_active(c->rev, EV_READ, 0);
}

static void
ctl_accept_cb(evutil_socket_t lfd, short ev, void *arg)
{
	struct daemon		*d = arg;
	struct ctl		*ctl = d->ctl;
	struct ctl_client	*c;
	struct ucred		 cred;
	struct passwd		 pw, *pwp = NULL;
	socklen_t		 len = sizeof cred;
	char			 pwbuf[1024], *line;
	const char		*why;
	json_t			*j;
	int			 fd;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			log_warn("ctl: accept");
			event_del(ctl->ev);
		}
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("ctl: SO_PEERCRED");
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->d = d;
	c->fd = fd;
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->passed_fd = -1;
	TAILQ_INIT(&c->reqs);
	if (getpwuid_r(cred.uid, &pw, pwbuf, sizeof pwbuf, &pwp) == 0 &&
	    pwp != NULL)
		snprintf(c->unix_user, sizeof c->unix_user, "%s", pw.pw_name);
	else
		snprintf(c->unix_user, sizeof c->unix_user, "#%u",
		    (unsigned)cred.uid);
	ctl_peer_login(d, c);
	if ((why = ctl_refuse(ctl, c)) != NULL) {
		log_debug("ctl: refusing a client of uid %u: %s",
		    (unsigned)cred.uid, why);
		j = json_pack("{s:n,s:b,s:{s:s,s:s,s:s,s:[]}}", "id", "ok", 0,
		    "error", "code", "unavailable", "key", why, "message", why,
		    "args");
		line = json_dumps(j, JSON_COMPACT);
		if (line != NULL && write(fd, line, strlen(line)) == -1)
			log_debug("ctl: refusing a client");
		if (write(fd, "\n", 1) == -1)
			log_debug("ctl: refusing a client");
		free(line);
		json_decref(j);
		close(fd);
		free(c);
		return;
	}
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->rev = event_new(d->base, fd, EV_READ | EV_PERSIST, ctl_read_cb, c);
	c->wev = event_new(d->base, fd, EV_WRITE, ctl_write_cb, c);
	c->login_ev = evtimer_new(d->base, ctl_login_cb, c);
	TAILQ_INSERT_TAIL(&ctl->clients, c, entry);
	ctl->nclients++;
	event_add(c->rev, NULL);
	if (c->user_id == 0)
		ctl_set_anon(c, 1);
	ctl_hello(c);
}

/* Bind PATH, replacing a stale socket but never a live daemon's. */
static int
ctl_bind(struct daemon *d, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct group		*gr;
	char			*copy, *rt, *dir;
	int			 fd, probe;
	mode_t			 old;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);

	copy = xstrdup(path);
	dir = dirname(copy);
	rt = paths_state_dir();
	if (getuid() != 0 && strcmp(dir, rt) == 0) {
		/* The per-user default: ours alone, or refused. */
		if (paths_private_dir(dir, 1, err, errlen) == -1) {
			free(rt);
			free(copy);
			return -1;
		}
	} else if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		free(rt);
		free(copy);
		return -1;
	}
	free(rt);
	free(copy);

	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
	    sizeof sun) == 0) {
		close(probe);
		snprintf(err, errlen, "%s: another wacampd is running there",
		    path);
		return -1;
	}
	if (probe != -1)
		close(probe);
	if (unlink(path) == 0)
		log_info("ctl: removed stale socket %s", path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(old);
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0660) == -1)
		log_warn("ctl: chmod %s", path);
	if (d->conf->socket_group != NULL) {
		if ((gr = getgrnam(d->conf->socket_group)) == NULL ||
		    chown(path, (uid_t)-1, gr->gr_gid) == -1)
			log_warnx("ctl: cannot give %s to group %s", path,
			    d->conf->socket_group);
	}
	if (listen(fd, 128) == -1) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
ctl_init(struct daemon *d, char *err, size_t errlen)
{
	struct ctl	*ctl;
	int		 fd;

	if (ctl_check_tables(err, errlen) == -1)
		return -1;
	if ((fd = ctl_bind(d, d->conf->socket, err, errlen)) == -1)
		return -1;
	ctl = xcalloc(1, sizeof *ctl);
	ctl->fd = fd;
	ctl->path = xstrdup(d->conf->socket);
	TAILQ_INIT(&ctl->clients);
	ctl->ev = event_new(d->base, fd, EV_READ | EV_PERSIST, ctl_accept_cb, d);
	ctl->ev_resume = ctl->ev;
	event_add(ctl->ev, NULL);
	d->ctl = ctl;
	log_info("ctl: listening on %s", ctl->path);
	return 0;
}

void
ctl_shutdown(struct daemon *d)
{
	struct ctl		*ctl = d->ctl;
	struct ctl_client	*c;
	struct ctl_req		*r;

	if (ctl == NULL)
		return;
	while ((c = TAILQ_FIRST(&ctl->clients)) != NULL) {
		/*
		 * A parked request (a verification, a replay, a job) is
		 * answered, never left hanging: its work stops with the
		 * daemon. The request itself stays its owner's.
		 */
		TAILQ_FOREACH(r, &c->reqs, entry) {
			log_info("ctl: %s not finished at shutdown; its client "
			    "is told", r->cmd != NULL ? r->cmd->name : "?");
			ctl_send_error(c, r->id, "unavailable", r->cmd != NULL ?
			    (r->cmd->flags & CMD_AUDIT ? N_("wacampd is "
			    "stopping; the command was interrupted, check what "
			    "it did before running it again") : N_("wacampd "
			    "is stopping; the command was interrupted")) :
			    N_("wacampd is stopping"));
		}
		evbuffer_write(c->out, c->fd);
		ctl_client_free(c);
	}
	event_free(ctl->ev);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
	d->ctl = NULL;
}

int
ctl_nclients(struct daemon *d)
{
	return d->ctl ? d->ctl->nclients : 0;
}

static int
ctl_topic_match(struct ctl_client *c, const char *topic)
{
	size_t	 i;

	for (i = 0; i < c->ntopics; i++) {
		if (strcmp(c->topics[i], topic) == 0)
			return 1;
		/* "campaigns" follows every campaign:<id>. */
		if (strcmp(c->topics[i], "campaigns") == 0 &&
		    strncmp(topic, "campaign:", 9) == 0)
			return 1;
	}
	return 0;
}

int
ctl_listening(struct daemon *d, const char *topic)
{
	struct ctl_client	*c;

	if (d->ctl == NULL)
		return 0;
	TAILQ_FOREACH(c, &d->ctl->clients, entry)
		if (ctl_topic_match(c, topic))
			return 1;
	return 0;
}

void
ctl_event(struct daemon *d, const char *topic, const char *event, json_t *data)
{
	struct ctl_client	*c;
	json_t			*j;

	if (d->ctl == NULL) {
		json_decref(data);
		return;
	}
	j = json_pack("{s:s,s:s,s:o}", "event", event, "topic", topic,
	    "data", data);
	TAILQ_FOREACH(c, &d->ctl->clients, entry) {
		if (c->closing || c->user_id == 0 || !ctl_topic_match(c, topic))
			continue;
		if (evbuffer_get_length(c->out) > CTL_EVENTS_HIGH) {
			c->dropped++;
			continue;
		}
		proto_write(c->out, j);
		ctl_flush(c);
	}
	json_decref(j);
	d->ctl->nevents++;
}

void
ctl_bind_user(struct ctl_req *r, int64_t user_id, const char *login,
    int role, int64_t session_id)
{
	r->user_id = user_id;
	r->role = role;
	snprintf(r->login, sizeof r->login, "%s", login ? login : "");
	if (r->c == NULL)
		return;
	r->c->user_id = user_id;
	r->c->role = role;
	r->c->session_id = session_id;
	ctl_set_anon(r->c, user_id == 0);
	snprintf(r->c->login, sizeof r->c->login, "%s", login ? login : "");
}

int64_t
ctl_session(struct ctl_req *r)
{
	return r->c ? r->c->session_id : 0;
}

/* Subscriptions: topics are "monitoring", "campaigns", "campaign:<id>",
 * "jobs", "log", "replies". */
static int
ctl_topic_valid(const char *t)
{
	char	*end;

	if (strcmp(t, "monitoring") == 0 || strcmp(t, "jobs") == 0 ||
	    strcmp(t, "log") == 0 || strcmp(t, "campaigns") == 0 ||
	    strcmp(t, "replies") == 0)
		return 1;
	if (strncmp(t, "campaign:", 9) == 0) {
		if (strtoll(t + 9, &end, 10) <= 0 || *end != '\0')
			return 0;
		return 1;
	}
	return 0;
}

void
ctl_subscribe(struct ctl_req *r, json_t *topics, int on)
{
	struct ctl_client	*c = r->c;
	json_t			*t, *list;
	size_t			 i, j;
	const char		*s;

	if (c == NULL) {
		ctl_req_free(r);
		return;
	}
	json_array_foreach(topics, i, t) {
		if (!json_is_string(t) || !ctl_topic_valid(json_string_value(t))) {
			ctl_error(r, "bad_request", "unknown topic %s (use "
			    "monitoring, campaigns, campaign:<id>, jobs, log, "
			    "replies)",
			    json_is_string(t) ? json_string_value(t) : "?");
			return;
		}
	}
	json_array_foreach(topics, i, t) {
		s = json_string_value(t);
		for (j = 0; j < c->ntopics; j++)
			if (strcmp(c->topics[j], s) == 0)
				break;
		if (on && j == c->ntopics) {
			if (c->ntopics == CTL_MAX_TOPICS) {
				ctl_error(r, "limit_reached", "at most %d topics",
				    CTL_MAX_TOPICS);
				return;
			}
			c->topics[c->ntopics++] = xstrdup(s);
		} else if (!on && j < c->ntopics) {
			free(c->topics[j]);
			c->topics[j] = c->topics[--c->ntopics];
		}
	}
	list = json_array();
	for (j = 0; j < c->ntopics; j++)
		json_array_append_new(list, json_string(c->topics[j]));
	ctl_reply(r, json_pack("{s:o}", "topics", list));
}
