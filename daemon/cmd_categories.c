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
	"(SELECT count(*) FROM category_contacts cc WHERE cc.category_id = g.id)"

static json_t *
category_row(sqlite3_stmt *st)
{
	return json_pack("{s:I,s:s,s:s,s:I,s:I,s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "name", (const char *)sqlite3_column_text(st, 1),
	    "description", (const char *)sqlite3_column_text(st, 2),
	    "created_at", (json_int_t)sqlite3_column_int64(st, 3),
	    "updated_at", (json_int_t)sqlite3_column_int64(st, 4),
	    "contacts", (json_int_t)sqlite3_column_int64(st, 5));
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

static int
cmd_categories_get(struct ctl_req *r)
{
	int64_t	 id;

	if ((id = arg_category(r)) == -1)
		return CMD_DONE;
	ctl_reply(r, category_get(r->d, id));
	return CMD_DONE;
}

static int
cmd_categories_create(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	const char	*name = ctl_arg_str(r, "name", "");
	int64_t		 now = store_now(), id;
	int		 rc;

	ctl_target(r, "%.100s", name);
	if (!name_ok(r, name))
		return CMD_DONE;
	st = store_stmt(r->d->store, "INSERT INTO categories (name, "
	    "description, created_at, updated_at) VALUES (?, ?, ?3, ?3)");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, ctl_arg_str(r, "description", ""), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
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
	const char	*desc = ctl_arg_str(r, "description", NULL);
	int64_t		 id;
	int		 rc;

	if ((id = arg_category(r)) == -1)
		return CMD_DONE;
	ctl_target(r, "%lld", (long long)id);
	if (name != NULL && !name_ok(r, name))
		return CMD_DONE;
	st = store_stmt(r->d->store, "UPDATE categories SET name = "
	    "coalesce(?, name), description = coalesce(?, description), "
	    "updated_at = ? WHERE id = ?");
	if (name != NULL)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (desc != NULL)
		sqlite3_bind_text(st, 2, desc, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, store_now());
	sqlite3_bind_int64(st, 4, id);
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

/* Add (ADD) or remove the contacts listed in "contacts", in one transaction. */
static int
members(struct ctl_req *r, int add)
{
	sqlite3_stmt	*st;
	json_t		*list = json_object_get(r->args, "contacts"), *v;
	int64_t		 id;
	long long	 changed = 0, missing = 0;
	size_t		 i;

	if ((id = arg_category(r)) == -1)
		return CMD_DONE;
	ctl_target(r, "%lld (%zu contacts)", (long long)id,
	    json_array_size(list));
	json_array_foreach(list, i, v)
		if (!json_is_integer(v)) {
			ctl_error(r, "bad_request", "contacts must be an array "
			    "of contact ids");
			return CMD_DONE;
		}
	if (store_begin(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	json_array_foreach(list, i, v) {
		st = store_stmt(r->d->store, add ?
		    "INSERT OR IGNORE INTO category_contacts (category_id, "
		    "contact_id) SELECT ?1, id FROM contacts WHERE id = ?2" :
		    "DELETE FROM category_contacts WHERE category_id = ?1 AND "
		    "contact_id = ?2");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, json_integer_value(v));
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			store_rollback(r->d->store);
			ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
			return CMD_DONE;
		}
		sqlite3_reset(st);
		if (sqlite3_changes(store_db(r->d->store)) > 0)
			changed++;
		else
			missing++;
	}
	if (store_commit(r->d->store) == -1) {
		store_rollback(r->d->store);
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
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
	{ "categories.create", ROLE_ADMIN, CMD_AUDIT, "name:s! description:s",
	    cmd_categories_create },
	{ "categories.update", ROLE_ADMIN, CMD_AUDIT, "id:*! name:s "
	    "description:s", cmd_categories_update },
	{ "categories.delete", ROLE_ADMIN, CMD_AUDIT, "id:*!",
	    cmd_categories_delete },
	{ "categories.add_contacts", ROLE_ADMIN, CMD_AUDIT, "id:*! contacts:a!",
	    cmd_categories_add },
	{ "categories.remove_contacts", ROLE_ADMIN, CMD_AUDIT,
	    "id:*! contacts:a!", cmd_categories_remove },
	{ NULL, 0, 0, NULL, NULL }
};
