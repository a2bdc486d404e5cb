/*
 * templates.list, templates.create, templates.delete: local texts an
 * operator reuses as a campaign's message (DESIGN §10). They are checked
 * like a campaign's text when made, so a template never carries an
 * unknown placeholder into a campaign. They are not WhatsApp-approved
 * templates (man/wacampd.8 says what that means).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "campaign.h"
#include "cmds.h"
#include "ctl.h"
#include "daemon.h"
#include "i18n.h"
#include "store.h"
#include "text.h"

#define TEMPLATE_NAME_MAX	100
#define TEMPLATE_BODY_MAX	6000	/* as a campaign's message */

static json_t *
template_json(sqlite3_stmt *st)
{
	return json_pack("{s:I,s:s,s:s,s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "name", (const char *)sqlite3_column_text(st, 1),
	    "body", (const char *)sqlite3_column_text(st, 2),
	    "created_at", (json_int_t)sqlite3_column_int64(st, 3));
}

char *
template_body(struct daemon *d, json_t *v, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	char		*body = NULL;

	if (json_is_integer(v)) {
		st = store_stmt(d->store, "SELECT body FROM templates "
		    "WHERE id = ?");
		sqlite3_bind_int64(st, 1, json_integer_value(v));
	} else if (json_is_string(v)) {
		st = store_stmt(d->store, "SELECT body FROM templates "
		    "WHERE name = ?");
		sqlite3_bind_text(st, 1, json_string_value(v), -1,
		    SQLITE_TRANSIENT);
	} else {
		i18n_snprintf(err, errlen, "template must be an id or a "
		    "name");
		return NULL;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		body = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (body == NULL) {
		if (json_is_integer(v))
			i18n_snprintf(err, errlen, "no template %lld",
			    (long long)json_integer_value(v));
		else
			i18n_snprintf(err, errlen, "no template named %.100s",
			    json_string_value(v));
	}
	return body;
}

/* By id, paged like every list (after, limit). */
static int
cmd_templates_list(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_t		*items;
	json_int_t	 limit, last = 0;
	int		 rc;

	if ((limit = ctl_list_limit(r, 100)) == -1)
		return CMD_DONE;
	items = json_array();
	st = store_stmt(r->d->store, "SELECT id, name, body, created_at "
	    "FROM templates WHERE id > ? ORDER BY id LIMIT ?");
	sqlite3_bind_int64(st, 1, ctl_arg_int(r, "after", 0));
	sqlite3_bind_int64(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		json_array_append_new(items, template_json(st));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(items);
		ctl_error(r, "internal", "listing templates: %s",
		    store_errmsg(r->d->store));
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "SELECT count(*) FROM templates");
	ctl_reply(r, json_pack("{s:o,s:I,s:o}", "items", items, "total",
	    (json_int_t)store_int(st), "next", (json_int_t)json_array_size(
	    items) == limit ? json_integer(last) : json_null()));
	return CMD_DONE;
}

static int
cmd_templates_create(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	const char	*name = ctl_arg_str(r, "name", "");
	const char	*body = ctl_arg_str(r, "body", "");
	char		 err[320];
	int64_t		 id;
	int		 rc;

	ctl_target(r, "%.100s", name);
	if (*name == '\0' || *body == '\0') {
		ctl_error(r, "bad_request", "a template needs a name and a "
		    "text");
		return CMD_DONE;
	}
	if (!text_utf8_valid(name, strlen(name)) ||
	    !text_utf8_valid(body, strlen(body))) {
		ctl_error(r, "bad_request", "the template is not valid UTF-8");
		return CMD_DONE;
	}
	if (strlen(name) > TEMPLATE_NAME_MAX ||
	    strlen(body) > TEMPLATE_BODY_MAX) {
		ctl_error(r, "bad_request", "a template's name is at most %d "
		    "bytes and its text at most %d", TEMPLATE_NAME_MAX,
		    TEMPLATE_BODY_MAX);
		return CMD_DONE;
	}
	if (campaign_check_text(r->d, "the template", body, err,
	    sizeof err) == -1) {
		ctl_error(r, "bad_request", "%s", err);
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "INSERT INTO templates (name, body, "
	    "created_by, created_at) VALUES (?, ?, ?, ?)");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_TRANSIENT);
	if (r->user_id > 0)
		sqlite3_bind_int64(st, 3, r->user_id);
	sqlite3_bind_int64(st, 4, store_now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		ctl_error(r, "conflict", "a template named %s exists", name);
		return CMD_DONE;
	}
	if (rc != SQLITE_DONE) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	id = sqlite3_last_insert_rowid(store_db(r->d->store));
	ctl_target(r, "%lld %.100s", (long long)id, name);
	st = store_stmt(r->d->store, "SELECT id, name, body, created_at "
	    "FROM templates WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		ctl_reply(r, template_json(st));
	else
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
	sqlite3_reset(st);
	return CMD_DONE;
}

static int
cmd_templates_delete(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	int		 n;

	ctl_target(r, "%lld", (long long)id);
	st = store_stmt(r->d->store, "DELETE FROM templates WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	sqlite3_reset(st);
	n = sqlite3_changes(store_db(r->d->store));
	if (n == 0) {
		ctl_error(r, "not_found", "no template %lld", (long long)id);
		return CMD_DONE;
	}
	ctl_reply(r, json_pack("{s:I}", "deleted", (json_int_t)id));
	return CMD_DONE;
}

const struct ctl_cmd templates_cmds[] = {
	{ "templates.list", ROLE_ADMIN, 0, "after:i limit:i",
	    cmd_templates_list },
	{ "templates.create", ROLE_ADMIN, CMD_AUDIT, "name:s! body:s!",
	    cmd_templates_create },
	{ "templates.delete", ROLE_ADMIN, CMD_AUDIT, "id:i!",
	    cmd_templates_delete },
	{ NULL, 0, 0, NULL, NULL }
};
