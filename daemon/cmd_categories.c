#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cmds.h"
#include "ctl.h"
#include "daemon.h"
#include "import.h"
#include "store.h"
#include "text.h"

#define CAT_COLS "g.id, g.name, g.description, g.created_at, g.updated_at, " \
	"(SELECT count(*) FROM category_contacts cc WHERE " \
	"cc.category_id = g.id), g.color"

/* Members categories.get shows: the first page, by contact id. */
#define MEMBERS_PAGE	50

/* The terminal's own colours (curses and ANSI have them all). */
static const char *const colors[] = {
	"red", "green", "yellow", "blue", "magenta", "cyan"
};

static json_t *
category_row(sqlite3_stmt *st)
{
	return json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:s?}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "name", (const char *)sqlite3_column_text(st, 1),
	    "description", (const char *)sqlite3_column_text(st, 2),
	    "created_at", (json_int_t)sqlite3_column_int64(st, 3),
	    "updated_at", (json_int_t)sqlite3_column_int64(st, 4),
	    "contacts", (json_int_t)sqlite3_column_int64(st, 5),
	    "color", (const char *)sqlite3_column_text(st, 6));
}

/*
 * The "color" argument: 1 and *OUT the colour (NULL for "" or "none":
 * no colour), 0 when absent, -1 after replying bad_request.
 */
static int
color_arg(struct ctl_req *r, const char **out)
{
	json_t	*v = json_object_get(r->args, "color");
	size_t	 i;

	*out = NULL;
	if (v == NULL)
		return 0;
	if (json_is_null(v) || (json_is_string(v) &&
	    (*json_string_value(v) == '\0' ||
	    strcmp(json_string_value(v), "none") == 0)))
		return 1;
	if (json_is_string(v))
		for (i = 0; i < sizeof colors / sizeof colors[0]; i++)
			if (strcmp(json_string_value(v), colors[i]) == 0) {
				*out = colors[i];
				return 1;
			}
	ctl_error(r, "bad_request", "color must be one of red, green, yellow, "
	    "blue, magenta, cyan (or none)");
	return -1;
}

static json_t *
category_get(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*j = NULL;

	st = store_stmt(d->store, "SELECT " CAT_COLS " FROM categories g "
	    "WHERE g.id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		j = category_row(st);
	sqlite3_reset(st);
	return j;
}

static int
name_ok(struct ctl_req *r, const char *s)
{
	size_t	 n = strlen(s);

	if (n > 0 && n <= 100 && strchr(s, '|') == NULL &&
	    text_utf8_valid(s, n))
		return 1;
	ctl_error(r, "bad_request", "a category name is 1 to 100 bytes of "
	    "UTF-8 without '|'");
	return 0;
}

/* categories.list: paged by id like every list ("after", "limit"). */
static int
cmd_categories_list(struct ctl_req *r)
{
	return ctl_list_by_id(r, "SELECT " CAT_COLS " FROM categories g "
	    "WHERE g.id > ? ORDER BY g.id LIMIT ?",
	    "SELECT count(*) FROM categories", category_row);
}

/* The category named by "id" (an id or a name); replies not_found if none. */
static int64_t
arg_category(struct ctl_req *r)
{
	int64_t	 id;

	if ((id = category_resolve(r->d, json_object_get(r->args, "id"),
	    0)) <= 0) {
		ctl_error(r, "not_found", "no such category");
		return -1;
	}
	return id;
}

/* categories.get: the category, and its first MEMBERS_PAGE members. */
static int
cmd_categories_get(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	json_t		*g, *m;

	if ((id = arg_category(r)) == -1)
		return CMD_DONE;
	g = category_get(r->d, id);
	m = json_array();
	st = store_stmt(r->d->store, "SELECT c.id, c.full_number, "
	    "c.first_name, c.last_name, c.opted_out FROM category_contacts cc "
	    "CROSS JOIN contacts c ON c.id = cc.contact_id WHERE "
	    "cc.category_id = ? ORDER BY cc.contact_id LIMIT ?");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, MEMBERS_PAGE + 1);
	while (sqlite3_step(st) == SQLITE_ROW &&
	    json_array_size(m) < MEMBERS_PAGE)
		json_array_append_new(m, json_pack("{s:I,s:s,s:s,s:s,s:b}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "phone", (const char *)sqlite3_column_text(st, 1),
		    "first_name", (const char *)sqlite3_column_text(st, 2),
		    "last_name", (const char *)sqlite3_column_text(st, 3),
		    "opted_out", sqlite3_column_int(st, 4)));
	sqlite3_reset(st);
	json_object_set_new(g, "members", m);
	json_object_set_new(g, "members_more", json_boolean(
	    json_integer_value(json_object_get(g, "contacts")) >
	    (json_int_t)json_array_size(m)));
	ctl_reply(r, g);
	return CMD_DONE;
}

static int
cmd_categories_create(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	const char	*name = ctl_arg_str(r, "name", ""), *color;
	int64_t		 now = store_now(), id;
	int		 rc;

	ctl_target(r, "%.100s", name);
	if (!name_ok(r, name) || color_arg(r, &color) == -1)
		return CMD_DONE;
	st = store_stmt(r->d->store, "INSERT INTO categories (name, "
	    "description, created_at, updated_at, color) VALUES "
	    "(?, ?, ?3, ?3, ?4)");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, ctl_arg_str(r, "description", ""), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	if (color != NULL)
		sqlite3_bind_text(st, 4, color, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		ctl_error(r, "conflict", "a category named %s exists", name);
		return CMD_DONE;
	}
	if (rc != SQLITE_DONE) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	id = sqlite3_last_insert_rowid(store_db(r->d->store));
	ctl_target(r, "%lld %.100s", (long long)id, name);
	ctl_reply(r, category_get(r->d, id));
	return CMD_DONE;
}

static int
cmd_categories_update(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	const char	*name = ctl_arg_str(r, "name", NULL);
	const char	*desc = ctl_arg_str(r, "description", NULL), *color;
	int64_t		 id;
	int		 rc, setcolor;

	if ((id = arg_category(r)) == -1)
		return CMD_DONE;
	ctl_target(r, "%lld", (long long)id);
	if (name != NULL && !name_ok(r, name))
		return CMD_DONE;
	if ((setcolor = color_arg(r, &color)) == -1)
		return CMD_DONE;
	st = store_stmt(r->d->store, "UPDATE categories SET name = "
	    "coalesce(?1, name), description = coalesce(?2, description), "
	    "color = CASE WHEN ?5 THEN ?6 ELSE color END, "
	    "updated_at = ?3 WHERE id = ?4");
	if (name != NULL)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (desc != NULL)
		sqlite3_bind_text(st, 2, desc, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, store_now());
	sqlite3_bind_int64(st, 4, id);
	sqlite3_bind_int(st, 5, setcolor);
	if (color != NULL)
		sqlite3_bind_text(st, 6, color, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		ctl_error(r, "conflict", "a category named %s exists", name);
		return CMD_DONE;
	}
	if (rc != SQLITE_DONE) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	ctl_reply(r, category_get(r->d, id));
	return CMD_DONE;
}

static int
cmd_categories_delete(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	json_t		*g;

	if ((id = arg_category(r)) == -1)
		return CMD_DONE;
	g = category_get(r->d, id);
	ctl_target(r, "%lld %s", (long long)id,
	    json_string_value(json_object_get(g, "name")));
	st = store_stmt(r->d->store, "DELETE FROM categories WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		json_decref(g);
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	sqlite3_reset(st);
	ctl_reply(r, json_pack("{s:o}", "deleted", g));
	return CMD_DONE;
}

/* 1 if contact ID exists and is not erased, 0 if not, -1 on error. */
static int
contact_exists(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(d->store, "SELECT 1 FROM contacts WHERE id = ? AND "
	    "erased_at IS NULL");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Add (ADD) or remove the contacts listed in "contacts", in one
 * transaction. Every id is checked first: one that names no contact is
 * refused by its id, and nothing changes.
 */
static int
members(struct ctl_req *r, int add)
{
	struct daemon	*d = r->d;
	sqlite3_stmt	*st;
	json_t		*list = json_object_get(r->args, "contacts"), *v;
	int64_t		 id;
	long long	 changed = 0, missing = 0;
	size_t		 i;
	int		 e;

	if ((id = arg_category(r)) == -1)
		return CMD_DONE;
	ctl_target(r, "%lld (%zu contacts)", (long long)id,
	    json_array_size(list));
	if (json_array_size(list) == 0) {
		ctl_error(r, "bad_request", "contacts: no contact id given");
		return CMD_DONE;
	}
	json_array_foreach(list, i, v)
		if (!json_is_integer(v)) {
			ctl_error(r, "bad_request", "contacts must be an array "
			    "of contact ids (item %zu is not)", i + 1);
			return CMD_DONE;
		}
	if (store_begin(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	json_array_foreach(list, i, v) {
		if ((e = contact_exists(r->d, json_integer_value(v))) != 1) {
			store_rollback(r->d->store);
			if (e == -1)
				ctl_error(r, "internal", "%s",
				    store_errmsg(r->d->store));
			else
				ctl_error(r, "not_found", "no contact %lld; "
				    "nothing changed", (long long)
				    json_integer_value(v));
			return CMD_DONE;
		}
		st = store_stmt(r->d->store, add ?
		    "INSERT OR IGNORE INTO category_contacts (category_id, "
		    "contact_id) VALUES (?1, ?2)" :
		    "DELETE FROM category_contacts WHERE category_id = ?1 AND "
		    "contact_id = ?2");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, json_integer_value(v));
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			ctl_error(r, "internal", "%s",
			    store_errmsg(r->d->store));
			store_rollback(d->store);
			return CMD_DONE;
		}
		sqlite3_reset(st);
		if (sqlite3_changes(store_db(r->d->store)) > 0)
			changed++;
		else
			missing++;
	}
	if (store_commit(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		store_rollback(d->store);
		return CMD_DONE;
	}
	ctl_reply(r, json_pack("{s:I,s:I,s:I}", "category", (json_int_t)id,
	    add ? "added" : "removed", (json_int_t)changed, "unchanged",
	    (json_int_t)missing));
	return CMD_DONE;
}

static int
cmd_categories_add(struct ctl_req *r)
{
	return members(r, 1);
}

static int
cmd_categories_remove(struct ctl_req *r)
{
	return members(r, 0);
}

const struct ctl_cmd categories_cmds[] = {
	{ "categories.list", ROLE_ADMIN, 0, "after:i limit:i",
	    cmd_categories_list },
	{ "categories.get", ROLE_ADMIN, 0, "id:*!", cmd_categories_get },
	{ "categories.create", ROLE_ADMIN, CMD_AUDIT, "name:s! description:s "
	    "color:*", cmd_categories_create },
	{ "categories.update", ROLE_ADMIN, CMD_AUDIT, "id:*! name:s "
	    "description:s color:*", cmd_categories_update },
	{ "categories.delete", ROLE_ADMIN, CMD_AUDIT, "id:*!",
	    cmd_categories_delete },
	{ "categories.add_contacts", ROLE_ADMIN, CMD_AUDIT, "id:*! contacts:a!",
	    cmd_categories_add },
	{ "categories.remove_contacts", ROLE_ADMIN, CMD_AUDIT,
	    "id:*! contacts:a!", cmd_categories_remove },
	{ NULL, 0, 0, NULL, NULL }
};
