#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "auth.h"
#include "cmds.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

static json_t *
user_row(sqlite3_stmt *st)
{
	return json_pack("{s:I,s:s,s:s,s:s?,s:b,s:b,s:I,s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "login", (const char *)sqlite3_column_text(st, 1),
	    "role", (const char *)sqlite3_column_text(st, 2),
	    "unix_user", (const char *)sqlite3_column_text(st, 3),
	    "active", sqlite3_column_int(st, 4),
	    "has_password", sqlite3_column_int(st, 5),
	    "created_at", (json_int_t)sqlite3_column_int64(st, 6),
	    "updated_at", (json_int_t)sqlite3_column_int64(st, 7));
}

#define USER_COLS "id, login, role, unix_user, active, " \
	"password_hash IS NOT NULL, created_at, updated_at"

static int
valid_name(const char *s)
{
	size_t	 i;

	if (*s == '\0' || strlen(s) > 63)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-@", s[i]) == NULL)
			return 0;
	return 1;
}

/* users.list: paged by id like every list ("after", "limit"). */
static int
cmd_users_list(struct ctl_req *r)
{
	return ctl_list_by_id(r, "SELECT " USER_COLS " FROM users "
	    "WHERE id > ? ORDER BY id LIMIT ?", "SELECT count(*) FROM users",
	    user_row);
}

static json_t *
user_get(struct ctl_req *r, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*u = NULL;

	st = store_stmt(r->d->store, "SELECT " USER_COLS " FROM users "
	    "WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		u = user_row(st);
	sqlite3_reset(st);
	return u;
}

static int
cmd_users_create(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	const char	*login = ctl_arg_str(r, "login", "");
	const char	*role = ctl_arg_str(r, "role", "");
	const char	*unix_user = ctl_arg_str(r, "unix_user", NULL);
	const char	*password = ctl_arg_str(r, "password", NULL);
	char		*hash = NULL;
	int64_t		 now = store_now(), id;
	int		 rc;

	ctl_target(r, "%s", login);
	if (!valid_name(login)) {
		ctl_error(r, "bad_request", "login must be 1-63 letters, digits "
		    "or ._-@");
		return CMD_DONE;
	}
	if (auth_role(role) < 0) {
		ctl_error(r, "bad_request", "role must be super_admin or admin");
		return CMD_DONE;
	}
	if (unix_user != NULL && !valid_name(unix_user)) {
		ctl_error(r, "bad_request", "unix_user is not a valid name");
		return CMD_DONE;
	}
	if (password != NULL) {
		if (strlen(password) < 8) {
			ctl_error(r, "bad_request", "a password needs at least "
			    "8 characters");
			return CMD_DONE;
		}
		if ((hash = auth_hash_password(password)) == NULL) {
			ctl_error(r, "internal", "cannot hash the password");
			return CMD_DONE;
		}
	}
	st = store_stmt(r->d->store, "INSERT INTO users (login, role, "
	    "unix_user, password_hash, created_at, updated_at) VALUES "
	    "(?, ?, ?, ?, ?, ?)");
	sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_TRANSIENT);
	if (unix_user != NULL)
		sqlite3_bind_text(st, 3, unix_user, -1, SQLITE_TRANSIENT);
	if (hash != NULL)
		sqlite3_bind_text(st, 4, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(hash);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		ctl_error(r, "conflict", "a user with that login or unix_user "
		    "exists");
		return CMD_DONE;
	}
	if (rc != SQLITE_DONE) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	id = sqlite3_last_insert_rowid(store_db(r->d->store));
	ctl_target(r, "%lld %s", (long long)id, login);
	ctl_reply(r, user_get(r, id));
	return CMD_DONE;
}

/* Count active super_admins other than ID. */
static int
other_supers(struct ctl_req *r, int64_t id)
{
	sqlite3_stmt	*st;
	int		 n = 0;

	st = store_stmt(r->d->store, "SELECT count(*) FROM users WHERE "
	    "role = 'super_admin' AND active = 1 AND id != ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

static int
cmd_users_update(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	const char	*role = ctl_arg_str(r, "role", NULL);
	const char	*unix_user = ctl_arg_str(r, "unix_user", NULL);
	const char	*password = ctl_arg_str(r, "password", NULL);
	int		 active = ctl_arg_bool(r, "active", -1), rc;
	char		*hash = NULL;
	json_t		*u;

	if ((u = user_get(r, id)) == NULL) {
		ctl_error(r, "not_found", "no user %lld", (long long)id);
		return CMD_DONE;
	}
	if (role != NULL && auth_role(role) < 0) {
		json_decref(u);
		ctl_error(r, "bad_request", "role must be super_admin or admin");
		return CMD_DONE;
	}
	if (((role != NULL && strcmp(role, "admin") == 0) || active == 0) &&
	    strcmp(json_string_value(json_object_get(u, "role")),
	    "super_admin") == 0 && other_supers(r, id) == 0) {
		json_decref(u);
		ctl_error(r, "conflict", "this is the last super_admin");
		return CMD_DONE;
	}
	json_decref(u);
	if (unix_user != NULL && *unix_user != '\0' && !valid_name(unix_user)) {
		ctl_error(r, "bad_request", "unix_user is not a valid name");
		return CMD_DONE;
	}
	if (password != NULL) {
		if (strlen(password) < 8) {
			ctl_error(r, "bad_request", "a password needs at least "
			    "8 characters");
			return CMD_DONE;
		}
		if ((hash = auth_hash_password(password)) == NULL) {
			ctl_error(r, "internal", "cannot hash the password");
			return CMD_DONE;
		}
	}
	st = store_stmt(r->d->store, "UPDATE users SET "
	    "role = coalesce(?, role), "
	    "unix_user = CASE WHEN ?2 IS NULL THEN unix_user "
	    "  WHEN ?2 = '' THEN NULL ELSE ?2 END, "
	    "password_hash = coalesce(?3, password_hash), "
	    "active = coalesce(?4, active), updated_at = ?5 WHERE id = ?6");
	if (role != NULL)
		sqlite3_bind_text(st, 1, role, -1, SQLITE_TRANSIENT);
	if (unix_user != NULL)
		sqlite3_bind_text(st, 2, unix_user, -1, SQLITE_TRANSIENT);
	if (hash != NULL)
		sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
	if (active != -1)
		sqlite3_bind_int(st, 4, active);
	sqlite3_bind_int64(st, 5, store_now());
	sqlite3_bind_int64(st, 6, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(hash);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		ctl_error(r, "conflict", "another user has that unix_user");
		return CMD_DONE;
	}
	if (rc != SQLITE_DONE) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	/* A changed password or a deactivation ends the user's sessions. */
	if (password != NULL || active == 0) {
		st = store_stmt(r->d->store,
		    "DELETE FROM sessions WHERE user_id = ?");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	ctl_reply(r, user_get(r, id));
	return CMD_DONE;
}

static int
cmd_users_delete(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	json_t		*u;

	if ((u = user_get(r, id)) == NULL) {
		ctl_error(r, "not_found", "no user %lld", (long long)id);
		return CMD_DONE;
	}
	if (id == r->user_id) {
		json_decref(u);
		ctl_error(r, "conflict", "you cannot delete yourself");
		return CMD_DONE;
	}
	if (strcmp(json_string_value(json_object_get(u, "role")),
	    "super_admin") == 0 && other_supers(r, id) == 0) {
		json_decref(u);
		ctl_error(r, "conflict", "this is the last super_admin");
		return CMD_DONE;
	}
	ctl_target(r, "%lld %s", (long long)id,
	    json_string_value(json_object_get(u, "login")));
	st = store_stmt(r->d->store, "DELETE FROM users WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		json_decref(u);
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	sqlite3_reset(st);
	ctl_reply(r, json_pack("{s:o}", "deleted", u));
	return CMD_DONE;
}

const struct ctl_cmd users_cmds[] = {
	{ "users.list", ROLE_SUPER, 0, "after:i limit:i", cmd_users_list },
	{ "users.create", ROLE_SUPER, CMD_AUDIT,
	    "login:s! role:s! unix_user:s password:s", cmd_users_create },
	{ "users.update", ROLE_SUPER, CMD_AUDIT,
	    "id:i! role:s unix_user:s password:s active:b", cmd_users_update },
	{ "users.delete", ROLE_SUPER, CMD_AUDIT, "id:i!", cmd_users_delete },
	{ NULL, 0, 0, NULL, NULL }
};
