#ifndef CTL_H
#define CTL_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>

#include <jansson.h>

struct daemon;
struct ctl;
struct ctl_client;

enum role {
	ROLE_NONE = 0,		/* no login needed */
	ROLE_ADMIN = 1,
	ROLE_SUPER = 2,
};

#define CMD_AUDIT	0x01	/* mutating: every call goes to audit_log */
#define CMD_FD		0x02	/* takes a passed descriptor */

/*
 * What a handler returns: CMD_DONE once it answered (ctl_reply or
 * ctl_error), CMD_PARKED when the answer comes later. The dispatcher
 * answers "internal" for a handler that says done without answering.
 */
enum { CMD_DONE = 0, CMD_PARKED = 1 };

struct ctl_req {
	TAILQ_ENTRY(ctl_req)	 entry;
	struct daemon		*d;
	struct ctl_client	*c;	/* NULL once the client has gone */
	const struct ctl_cmd	*cmd;
	json_t			*id;
	json_t			*args;	/* always an object */
	int			 fd;	/* passed descriptor or -1; set -1 to keep it */
	char			*target; /* what the command acted on, for audit */
	int64_t			 user_id;
	char			 login[64];
	char			 unix_user[64];
	int			 role;
};

/*
 * One command. ARGS lists the allowed arguments as "name:t" words, t one of
 * i (integer), s (string), b (boolean), a (array), o (object), n (number),
 * * (any); a trailing '!' makes it required: "id:i! name:s".
 */
struct ctl_cmd {
	const char	*name;
	int		 role;
	int		 flags;
	const char	*args;
	int		(*fn)(struct ctl_req *);
};

int	 ctl_init(struct daemon *, char *, size_t);
void	 ctl_shutdown(struct daemon *);
int	 ctl_nclients(struct daemon *);

/* Reply to REQ and free it. ctl_reply steals DATA (NULL: empty object). */
void	 ctl_reply(struct ctl_req *, json_t *);
void	 ctl_error(struct ctl_req *, const char *, const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
/* Record what REQ acted on, for the audit entry. */
void	 ctl_target(struct ctl_req *, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));

/* Send EVENT to every client subscribed to TOPIC; steals DATA. */
void	 ctl_event(struct daemon *, const char *, const char *, json_t *);
/* 1 if anyone listens on TOPIC (to skip building events nobody reads). */
int	 ctl_listening(struct daemon *, const char *);

/* Argument helpers: value or default. */
json_int_t	 ctl_arg_int(struct ctl_req *, const char *, json_int_t);
const char	*ctl_arg_str(struct ctl_req *, const char *, const char *);
int		 ctl_arg_bool(struct ctl_req *, const char *, int);

/*
 * Lists (DESIGN §3): the request's "limit", 1 to 500 (DEF when left out),
 * or -1 after replying bad_request; then the page reply, which steals
 * ITEMS and gives LAST as the next cursor when the page is full.
 */
json_int_t	 ctl_list_limit(struct ctl_req *, json_int_t);
void		 ctl_reply_page(struct ctl_req *, json_t *, json_int_t,
		    json_int_t, json_int_t);

/*
 * A whole list command paged by id alone: SQL takes (after, limit) and
 * gives the id first, ROW makes an item of a row, COUNT is the total.
 */
struct sqlite3_stmt;
int		 ctl_list_by_id(struct ctl_req *, const char *, const char *,
		    json_t *(*)(struct sqlite3_stmt *));

/* From now on the request's client acts as this user (login, token). */
void	 ctl_bind_user(struct ctl_req *, int64_t, const char *, int, int64_t);
/* The session the request's client logged in with, 0 for none/peer. */
int64_t	 ctl_session(struct ctl_req *);
/* Add (ON) or remove topics for the request's client, and reply. */
void	 ctl_subscribe(struct ctl_req *, json_t *, int);

/* Write an audit_log row for a command (also used by the dispatcher). */
void	 ctl_audit_write(struct daemon *, struct ctl_req *, int);

#endif
