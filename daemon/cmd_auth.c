#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>

#include "auth.h"
#include "cmds.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "i18n.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

static json_t *
user_json(int64_t id, const char *login, int role)
{
	return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "login", login,
	    "role", auth_role_name(role));
}

/* Create a session for USER; returns the reply data with both tokens. */
static json_t *
session_create(struct ctl_req *r, int64_t user_id, const char *login, int role)
{
	struct config	*conf = r->d->conf;
	sqlite3_stmt	*st;
	char		 access[AUTH_TOKEN_LEN + 1], refresh[AUTH_TOKEN_LEN + 1];
	char		 ah[AUTH_TOKEN_LEN + 1], rh[AUTH_TOKEN_LEN + 1];
	int64_t		 now = store_now(), aexp, rexp, sid;
	json_t		*data;

	auth_token_new(access);
	auth_token_new(refresh);
	auth_token_hash(access, ah);
	auth_token_hash(refresh, rh);
	aexp = now + (int64_t)(conf->access_ttl_ms / 1000);
	rexp = now + (int64_t)(conf->refresh_ttl_ms / 1000);

	/* Expired sessions go when new ones come. */
	st = store_stmt(r->d->store,
	    "DELETE FROM sessions WHERE refresh_expires < ?");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_step(st);
	sqlite3_reset(st);

	st = store_stmt(r->d->store, "INSERT INTO sessions (user_id, "
	    "access_hash, refresh_hash, access_expires, refresh_expires, "
	    "created_at, unix_user) VALUES (?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, ah, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, rh, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, aexp);
	sqlite3_bind_int64(st, 5, rexp);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_text(st, 7, r->unix_user, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		log_warnx("auth: session: %s", store_errmsg(r->d->store));
		sqlite3_reset(st);
		return NULL;
	}
	sqlite3_reset(st);
	sid = sqlite3_last_insert_rowid(store_db(r->d->store));
	ctl_bind_user(r, user_id, login, role, sid);
	data = json_pack("{s:o,s:s,s:s,s:I,s:I}", "user",
	    user_json(user_id, login, role), "access_token", access,
	    "refresh_token", refresh, "expires_at", (json_int_t)aexp,
	    "refresh_expires_at", (json_int_t)rexp);
	explicit_bzero(access, sizeof access);
	explicit_bzero(refresh, sizeof refresh);
	return data;
}

struct delayed {
	struct ctl_req	*r;
	char		 msg[128];
};

static void
login_fail_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct delayed	*dl = arg;

	ctl_error(dl->r, "unauthorized", "%s", dl->msg);
	free(dl);
}

/* Answer a failed login after a pause that grows with the failures. */
static void
login_failed(struct ctl_req *r, const char *lkey, const char *ukey,
    const char *msg)
{
	struct delayed	*dl;
	struct timeval	 tv = { 0, 0 };
	int		 w1, w2;

	w1 = auth_fail_note(lkey, r->d->conf->max_failures);
	w2 = auth_fail_note(ukey, r->d->conf->max_failures);
	log_warnx("auth: failed login for \"%s\" from %s", r->login[0] ?
	    r->login : "?", r->unix_user);
	tv.tv_sec = w1 > w2 ? w1 : w2;
	if (tv.tv_sec == 0) {
		ctl_error(r, "unauthorized", "%s", msg);
		return;
	}
	dl = xcalloc(1, sizeof *dl);
	dl->r = r;
	snprintf(dl->msg, sizeof dl->msg, "%s", msg);
	event_base_once(r->d->base, -1, EV_TIMEOUT, login_fail_cb, dl, &tv);
}

/*
 * auth.login: a password, or a token kept by the client from before. A
 * failure may be answered after a delay (login_failed): CMD_PARKED.
 */
static int
cmd_auth_login(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	const char	*login = ctl_arg_str(r, "login", NULL);
	const char	*password = ctl_arg_str(r, "password", NULL);
	const char	*token = ctl_arg_str(r, "token", NULL);
	char		 lkey[160], ukey[96], th[AUTH_TOKEN_LEN + 1], ulogin[64];
	int64_t		 uid, sid;
	int		 role, ok, wait;
	char		*hash;

	snprintf(ukey, sizeof ukey, "peer:%s", r->unix_user);
	if (token != NULL) {
		/* Tokens are unguessable; only the peer is slowed down. */
		snprintf(lkey, sizeof lkey, "token:%s", r->unix_user);
		if ((wait = auth_fail_wait(ukey)) > 0) {
			ctl_error(r, "limit_reached", "too many failed logins; "
			    "try again in %d s", wait);
			return CMD_DONE;
		}
		auth_token_hash(token, th);
		st = store_stmt(r->d->store, "SELECT s.id, u.id, u.login, "
		    "u.role FROM sessions s JOIN users u ON u.id = s.user_id "
		    "WHERE s.access_hash = ? AND s.access_expires > ? AND "
		    "u.active = 1");
		sqlite3_bind_text(st, 1, th, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, store_now());
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			login_failed(r, lkey, ukey, N_("the token is unknown "
			    "or expired; log in again"));
			return CMD_PARKED;
		}
		sid = sqlite3_column_int64(st, 0);
		uid = sqlite3_column_int64(st, 1);
		snprintf(ulogin, sizeof ulogin, "%s",
		    (const char *)sqlite3_column_text(st, 2));
		role = auth_role((const char *)sqlite3_column_text(st, 3));
		sqlite3_reset(st);
		ctl_bind_user(r, uid, ulogin, role, sid);
		ctl_reply(r, json_pack("{s:o}", "user",
		    user_json(uid, ulogin, role)));
		return CMD_DONE;
	}
	if (login == NULL || password == NULL) {
		ctl_error(r, "bad_request", "auth.login needs login and "
		    "password, or token");
		return CMD_DONE;
	}
	/* Per login and peer: one local user cannot lock out another. */
	snprintf(lkey, sizeof lkey, "login:%s@%s", login, r->unix_user);
	snprintf(r->login, sizeof r->login, "%s", login);
	wait = auth_fail_wait(lkey);
	if (wait == 0)
		wait = auth_fail_wait(ukey);
	if (wait > 0) {
		ctl_error(r, "limit_reached", "too many failed logins; try "
		    "again in %d s", wait);
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "SELECT id, role, password_hash FROM "
	    "users WHERE login = ? AND active = 1");
	sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		/* Spend the same time as a real check. */
		hash = auth_hash_password(password);
		free(hash);
		login_failed(r, lkey, ukey, N_("wrong login or password"));
		return CMD_PARKED;
	}
	uid = sqlite3_column_int64(st, 0);
	role = auth_role((const char *)sqlite3_column_text(st, 1));
	hash = sqlite3_column_text(st, 2) ?
	    xstrdup((const char *)sqlite3_column_text(st, 2)) : NULL;
	sqlite3_reset(st);
	ok = auth_check_password(hash, password);
	free(hash);
	if (!ok) {
		login_failed(r, lkey, ukey, N_("wrong login or password"));
		return CMD_PARKED;
	}
	auth_fail_clear(lkey);
	auth_fail_clear(ukey);
	{
		json_t *data = session_create(r, uid, login, role);

		if (data == NULL)
			ctl_error(r, "internal", "cannot create a session");
		else {
			log_info("auth: %s logged in from %s", login,
			    r->unix_user);
			ctl_reply(r, data);
		}
	}
	return CMD_DONE;
}

static int
cmd_auth_logout(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 sid = ctl_session(r);

	if (sid > 0) {
		st = store_stmt(r->d->store, "DELETE FROM sessions WHERE id = ?");
		sqlite3_bind_int64(st, 1, sid);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	ctl_bind_user(r, 0, "", ROLE_NONE, 0);
	ctl_reply(r, json_pack("{s:b}", "session_ended", sid > 0));
	return CMD_DONE;
}

static int
cmd_auth_me(struct ctl_req *r)
{
	if (r->user_id == 0) {
		ctl_error(r, "unauthorized", "not logged in");
		return CMD_DONE;
	}
	ctl_reply(r, json_pack("{s:o,s:s,s:s}", "user",
	    user_json(r->user_id, r->login, r->role), "unix_user", r->unix_user,
	    "method", ctl_session(r) > 0 ? "token" : "peer"));
	return CMD_DONE;
}

/* auth.refresh: trade a refresh token for a new pair; the old one dies. */
static int
cmd_auth_refresh(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	const char	*token = ctl_arg_str(r, "refresh_token", NULL);
	char		 th[AUTH_TOKEN_LEN + 1], login[64], ukey[96];
	int64_t		 sid, uid;
	int		 role, wait;
	json_t		*data;

	snprintf(ukey, sizeof ukey, "peer:%s", r->unix_user);
	if ((wait = auth_fail_wait(ukey)) > 0) {
		ctl_error(r, "limit_reached", "too many failed logins; try "
		    "again in %d s", wait);
		return CMD_DONE;
	}
	auth_token_hash(token, th);
	st = store_stmt(r->d->store, "SELECT s.id, u.id, u.login, u.role "
	    "FROM sessions s JOIN users u ON u.id = s.user_id WHERE "
	    "s.refresh_hash = ? AND s.refresh_expires > ? AND u.active = 1");
	sqlite3_bind_text(st, 1, th, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, store_now());
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		login_failed(r, "refresh", ukey, N_("the refresh token is "
		    "unknown or expired; log in again"));
		return CMD_PARKED;
	}
	sid = sqlite3_column_int64(st, 0);
	uid = sqlite3_column_int64(st, 1);
	snprintf(login, sizeof login, "%s",
	    (const char *)sqlite3_column_text(st, 2));
	role = auth_role((const char *)sqlite3_column_text(st, 3));
	sqlite3_reset(st);
	st = store_stmt(r->d->store, "DELETE FROM sessions WHERE id = ?");
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_step(st);
	sqlite3_reset(st);
	if ((data = session_create(r, uid, login, role)) == NULL)
		ctl_error(r, "internal", "cannot create a session");
	else
		ctl_reply(r, data);
	return CMD_DONE;
}

const struct ctl_cmd auth_cmds[] = {
	{ "auth.login", ROLE_NONE, 0, "login:s password:s token:s",
	    cmd_auth_login },
	{ "auth.logout", ROLE_NONE, 0, "", cmd_auth_logout },
	{ "auth.me", ROLE_NONE, 0, "", cmd_auth_me },
	{ "auth.refresh", ROLE_NONE, 0, "refresh_token:s!", cmd_auth_refresh },
	{ NULL, 0, 0, NULL, NULL }
};
