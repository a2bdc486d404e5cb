#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cmds.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "import.h"
#include "log.h"
#include "phone.h"
#include "search.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

#define CONTACT_COLS "c.id, c.full_number, c.raw_number, c.first_name, " \
	"c.last_name, c.verified, c.opted_out, c.opted_out_at, c.batch_id, " \
	"c.created_at, c.updated_at"
#define FILTERS " AND (?6 IS NULL OR c.verified IS ?6) " \
	"AND (?7 IS NULL OR c.opted_out = ?7) "
#define IN_CAT " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM category_contacts " \
	"x WHERE x.category_id = ?3 AND x.contact_id = c.id)) "

/* A name search counts its matches up to here: "10000+" is enough. */
#define SEARCH_COUNT_MAX 10000

/* Rows above this mark are not in the trigram index yet (daemon/search.c). */
#define UPTO "(SELECT upto FROM contacts_fts_state)"
/* The name holds the search text ?8, lowercased as the index folds case. */
#define NAME_HAS "(instr(lower_name(c.first_name), ?8) > 0 OR " \
	"instr(lower_name(c.last_name), ?8) > 0)"

/*
 * The four shapes of a page, each walking an index in id order so a page
 * costs its own rows, not the table: all contacts, one category (its
 * primary key), a name search (the trigram index in rowid order, then a scan
 * of the few rows not indexed yet, all above the index's) and a number
 * prefix (the full_number index).
 */
static const char *const list_sql[5] = {
	"SELECT " CONTACT_COLS " FROM contacts c WHERE c.id > ?1" FILTERS
	    "ORDER BY c.id LIMIT ?2",
	"SELECT " CONTACT_COLS " FROM category_contacts cc CROSS JOIN "
	    "contacts c ON c.id = cc.contact_id WHERE cc.category_id = ?3 AND "
	    "cc.contact_id > ?1" FILTERS "ORDER BY cc.contact_id LIMIT ?2",
	"SELECT * FROM (SELECT " CONTACT_COLS " FROM contacts_fts f CROSS "
	    "JOIN contacts c ON c.id = f.rowid WHERE contacts_fts MATCH ?4 AND "
	    "f.rowid > ?1 AND (?9 OR " NAME_HAS ")" FILTERS IN_CAT
	    "ORDER BY f.rowid LIMIT ?2) "
	    "UNION ALL SELECT * FROM (SELECT " CONTACT_COLS " FROM contacts c "
	    "WHERE c.id > max(?1, " UPTO ") AND " NAME_HAS FILTERS IN_CAT
	    "ORDER BY c.id LIMIT ?2)",
	"SELECT " CONTACT_COLS " FROM contacts c WHERE c.full_number >= ?4 AND "
	    "c.full_number < ?5 AND c.id > ?1" FILTERS IN_CAT
	    "ORDER BY c.id LIMIT ?2",
	/* A prefix shared by many numbers: walk ids, test each number. */
	"SELECT " CONTACT_COLS " FROM contacts c WHERE +c.full_number >= ?4 "
	    "AND +c.full_number < ?5 AND c.id > ?1" FILTERS IN_CAT
	    "ORDER BY c.id LIMIT ?2",
};
static const char *const count_sql[5] = {
	"SELECT count(*) FROM contacts c WHERE ?1 = ?1 AND ?2 = ?2" FILTERS,
	"SELECT count(*) FROM category_contacts cc CROSS JOIN contacts c ON "
	    "c.id = cc.contact_id WHERE cc.category_id = ?3 AND ?1 = ?1 AND "
	    "?2 = ?2" FILTERS,
	"SELECT (SELECT count(*) FROM (SELECT 1 FROM contacts_fts f CROSS "
	    "JOIN contacts c ON c.id = f.rowid WHERE contacts_fts MATCH ?4 AND "
	    "?1 = ?1 AND ?2 = ?2 AND (?9 OR " NAME_HAS ")" FILTERS IN_CAT
	    "LIMIT ?10)) + (SELECT count(*) FROM (SELECT 1 FROM contacts c "
	    "WHERE c.id > " UPTO " AND " NAME_HAS FILTERS IN_CAT "LIMIT ?10))",
	"SELECT count(*) FROM contacts c WHERE c.full_number >= ?4 AND "
	    "c.full_number < ?5 AND ?1 = ?1 AND ?2 = ?2" FILTERS IN_CAT,
	"SELECT count(*) FROM contacts c WHERE c.full_number >= ?4 AND "
	    "c.full_number < ?5 AND ?1 = ?1 AND ?2 = ?2" FILTERS IN_CAT,
};

static json_t *
contact_row(sqlite3_stmt *st)
{
	json_t	*j;

	j = json_pack("{s:I,s:s,s:s?,s:s,s:s,s:b,s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "phone", (const char *)sqlite3_column_text(st, 1),
	    "raw_number", (const char *)sqlite3_column_text(st, 2),
	    "first_name", (const char *)sqlite3_column_text(st, 3),
	    "last_name", (const char *)sqlite3_column_text(st, 4),
	    "opted_out", sqlite3_column_int(st, 6),
	    "created_at", (json_int_t)sqlite3_column_int64(st, 9));
	json_object_set_new(j, "verified", sqlite3_column_type(st, 5) ==
	    SQLITE_NULL ? json_null() : json_boolean(sqlite3_column_int(st, 5)));
	json_object_set_new(j, "opted_out_at", sqlite3_column_type(st, 7) ==
	    SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(st, 7)));
	json_object_set_new(j, "batch", sqlite3_column_type(st, 8) ==
	    SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(st, 8)));
	json_object_set_new(j, "updated_at",
	    json_integer(sqlite3_column_int64(st, 10)));
	return j;
}

/*
 * FTS5 query for a substring: its trigrams, each quoted (quotes doubled),
 * all required; NULL under three characters. With detail=none the index
 * cannot tell that they are adjacent, so unless the text is one trigram
 * (*EXACT) the rows found are checked again (NAME_HAS). At most 17 trigrams:
 * the check does the rest.
 */
static char *
fts_query(const char *s, int *exact)
{
	const char	*c[20], *p, *e;
	char		*out, *o;
	size_t		 n = 0, i;

	for (p = s; *p != '\0' && n < 19;) {
		c[n++] = p++;
		while ((*p & 0xc0) == 0x80)
			p++;
	}
	c[n] = p;
	if (n < 3)
		return NULL;
	*exact = n == 3 && *p == '\0';
	out = o = xmalloc(6 * (size_t)(p - s) + 64);
	for (i = 0; i + 3 <= n; i++) {
		if (i > 0)
			*o++ = ' ';
		*o++ = '"';
		for (e = c[i]; e < c[i + 3]; e++) {
			if (*e == '"')
				*o++ = '"';
			*o++ = *e;
		}
		*o++ = '"';
	}
	*o = '\0';
	return out;
}

static int
prefix_wide(struct store *s, const char *lo, const char *hi)
{
	sqlite3_stmt	*st;
	int		 n = 0;

	st = store_stmt(s, "SELECT count(*) FROM (SELECT 1 FROM contacts "
	    "WHERE full_number >= ? AND full_number < ? LIMIT 2000)");
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n >= 2000;
}

static int
cmd_contacts_list(struct ctl_req *r)
{
	struct store	*s = r->d->store;
	sqlite3_stmt	*st;
	const char	*search = ctl_arg_str(r, "search", NULL);
	json_t		*cat = json_object_get(r->args, "category");
	json_t		*items = json_array(), *ver, *opt;
	int64_t		 after = ctl_arg_int(r, "after", 0), catid = 0, last = 0;
	int64_t		 limit, total = 0;
	char		*phrase = NULL, *like = NULL, lo[32], hi[40];
	size_t		 i, n;
	int		 v = 0, more = 0, exact = 0, rc = SQLITE_DONE;

	if ((limit = ctl_list_limit(r, 100)) == -1) {
		json_decref(items);
		return CMD_DONE;
	}
	if (cat != NULL && (catid = category_resolve(r->d, cat, 0)) == -1) {
		json_decref(items);
		ctl_error(r, "not_found", "no such category");
		return CMD_DONE;
	}
	if (search != NULL && *search != '\0') {
		n = strlen(search);
		if (strspn(search, "+0123456789 -().") == n) {
			snprintf(lo, sizeof lo, "+");
			for (i = 0; i < n && strlen(lo) < 20; i++)
				if (isdigit((unsigned char)search[i]))
					strncat(lo, search + i, 1);
			if (strncmp(lo, "+00", 3) == 0)
				memmove(lo + 1, lo + 3, strlen(lo + 3) + 1);
			snprintf(hi, sizeof hi, "%s:", lo);
			v = prefix_wide(s, lo, hi) ? 4 : 3;
		} else if (!text_utf8_valid(search, n) ||
		    (phrase = fts_query(search, &exact)) == NULL) {
			json_decref(items);
			ctl_error(r, "bad_request", "search needs at least 3 "
			    "characters of a name, or digits of a number");
			return CMD_DONE;
		} else {
			like = text_lower(xstrdup(search));
			v = 2;
		}
	} else if (catid > 0)
		v = 1;
	ver = json_object_get(r->args, "verified");
	opt = json_object_get(r->args, "opted_out");

	for (i = 0; i < 2; i++) {
		if (i == 1 && v == 0 && ver == NULL && opt == NULL) {
			st = store_stmt(s, "SELECT n FROM contacts_count");
		} else
			st = store_stmt(s, i == 0 ? list_sql[v] : count_sql[v]);
		if (sqlite3_bind_parameter_count(st) >= 7) {
			sqlite3_bind_int64(st, 1, after);
			sqlite3_bind_int64(st, 2, limit + 1);
			if (catid > 0)
				sqlite3_bind_int64(st, 3, catid);
			if (v == 2) {
				sqlite3_bind_text(st, 4, phrase, -1,
				    SQLITE_STATIC);
				sqlite3_bind_text(st, 8, like, -1,
				    SQLITE_STATIC);
				sqlite3_bind_int(st, 9, exact);
				sqlite3_bind_int(st, 10, SEARCH_COUNT_MAX);
			}
			if (v >= 3) {
				sqlite3_bind_text(st, 4, lo, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 5, hi, -1, SQLITE_STATIC);
			}
			if (ver != NULL)
				sqlite3_bind_int(st, 6, json_is_true(ver));
			if (opt != NULL)
				sqlite3_bind_int(st, 7, json_is_true(opt));
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (i == 1) {
				total = sqlite3_column_int64(st, 0);
				break;
			}
			if ((int64_t)json_array_size(items) == limit) {
				more = 1;
				break;
			}
			last = sqlite3_column_int64(st, 0);
			json_array_append_new(items, contact_row(st));
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
	}
	free(phrase);
	free(like);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(items);
		ctl_error(r, "internal", "listing contacts: %s",
		    store_errmsg(s));
		return CMD_DONE;
	}
	if (v == 2 && total >= SEARCH_COUNT_MAX)
		total = SEARCH_COUNT_MAX;
	ctl_reply(r, json_pack("{s:o,s:I,s:o,s:b}", "items", items, "total",
	    (json_int_t)total, "next", more ? json_integer(last) : json_null(),
	    "total_capped", v == 2 && total == SEARCH_COUNT_MAX));
	return CMD_DONE;
}

static json_t *
contact_get(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*c = NULL, *cats;

	st = store_stmt(d->store, "SELECT " CONTACT_COLS " FROM contacts c "
	    "WHERE c.id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		c = contact_row(st);
	sqlite3_reset(st);
	if (c == NULL)
		return NULL;
	cats = json_array();
	st = store_stmt(d->store, "SELECT g.id, g.name FROM category_contacts "
	    "cc JOIN categories g ON g.id = cc.category_id WHERE "
	    "cc.contact_id = ? ORDER BY g.name");
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(cats, json_pack("{s:I,s:s}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "name",
		    (const char *)sqlite3_column_text(st, 1)));
	sqlite3_reset(st);
	json_object_set_new(c, "categories", cats);
	return c;
}

static int
cmd_contacts_get(struct ctl_req *r)
{
	int64_t	 id = ctl_arg_int(r, "id", 0);
	json_t	*c;

	if ((c = contact_get(r->d, id)) == NULL) {
		ctl_error(r, "not_found", "no contact %lld", (long long)id);
		return CMD_DONE;
	}
	ctl_reply(r, c);
	return CMD_DONE;
}

static int
name_ok(struct ctl_req *r, const char *key)
{
	const char	*s = ctl_arg_str(r, key, NULL);

	if (s == NULL || (strlen(s) <= 256 && text_utf8_valid(s, strlen(s))))
		return 1;
	ctl_error(r, "bad_request", "%s must be valid UTF-8, at most 256 bytes",
	    key);
	return 0;
}

static int
normalize_arg(struct ctl_req *r, const char *in, char out[PHONE_MAX])
{
	const char	*cc = ctl_arg_str(r, "default_country",
	    r->d->conf->default_country), *why;

	if (cc != NULL && *cc == '+')
		cc++;
	if (phone_normalize(in, cc, out, &why) == -1) {
		ctl_error(r, "bad_request", "phone %.40s: %s", in, why);
		return -1;
	}
	return 0;
}

static int
cmd_contacts_create(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	char		 num[PHONE_MAX];
	const char	*raw = ctl_arg_str(r, "phone", "");
	json_t		*cat = json_object_get(r->args, "category");
	int64_t		 id, catid = 0, now = store_now();
	int		 rc;

	ctl_target(r, "%.40s", raw);
	if (!name_ok(r, "first_name") || !name_ok(r, "last_name"))
		return CMD_DONE;
	if (normalize_arg(r, raw, num) == -1)
		return CMD_DONE;
	if (cat != NULL && (catid = category_resolve(r->d, cat, 1)) == -1) {
		ctl_error(r, "not_found", "no such category");
		return CMD_DONE;
	}
	if (store_begin(r->d->store) == -1 ||
	    search_mark_lower(r->d->store) == -1) {
		store_rollback(r->d->store);
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "INSERT INTO contacts (full_number, "
	    "raw_number, first_name, last_name, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?5, ?5)");
	sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, raw, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ctl_arg_str(r, "first_name", ""), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, ctl_arg_str(r, "last_name", ""), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		store_rollback(r->d->store);
		ctl_error(r, "conflict", "a contact with number %s exists", num);
		return CMD_DONE;
	}
	id = sqlite3_last_insert_rowid(store_db(r->d->store));
	if (rc != SQLITE_DONE || store_exec(r->d->store, "UPDATE "
	    "contacts_count SET n = n + 1") == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		store_rollback(r->d->store);
		return CMD_DONE;
	}
	if (catid > 0) {
		st = store_stmt(r->d->store, "INSERT OR IGNORE INTO "
		    "category_contacts (category_id, contact_id) VALUES (?, ?)");
		sqlite3_bind_int64(st, 1, catid);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	if (store_commit(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	search_kick(r->d);
	ctl_target(r, "%lld %s", (long long)id, num);
	ctl_reply(r, contact_get(r->d, id));
	return CMD_DONE;
}

static int
cmd_contacts_update(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	const char	*phone = ctl_arg_str(r, "phone", NULL);
	int		 opt = ctl_arg_bool(r, "opted_out", -1), rc;
	char		 num[PHONE_MAX];
	json_t		*c;

	if ((c = contact_get(r->d, id)) == NULL) {
		ctl_error(r, "not_found", "no contact %lld", (long long)id);
		return CMD_DONE;
	}
	json_decref(c);
	if (!name_ok(r, "first_name") || !name_ok(r, "last_name"))
		return CMD_DONE;
	if (phone != NULL && normalize_arg(r, phone, num) == -1)
		return CMD_DONE;
	st = store_stmt(r->d->store, "UPDATE contacts SET "
	    "full_number = coalesce(?1, full_number), "
	    "raw_number = coalesce(?2, raw_number), "
	    "first_name = coalesce(?3, first_name), "
	    "last_name = coalesce(?4, last_name), "
	    "opted_out = coalesce(?5, opted_out), "
	    "opted_out_at = CASE WHEN ?5 IS NULL THEN opted_out_at "
	    "  WHEN ?5 = 1 THEN coalesce(opted_out_at, ?6) ELSE NULL END, "
	    "updated_at = ?6 WHERE id = ?7");
	if (phone != NULL) {
		sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	}
	if (ctl_arg_str(r, "first_name", NULL) != NULL)
		sqlite3_bind_text(st, 3, ctl_arg_str(r, "first_name", NULL),
		    -1, SQLITE_TRANSIENT);
	if (ctl_arg_str(r, "last_name", NULL) != NULL)
		sqlite3_bind_text(st, 4, ctl_arg_str(r, "last_name", NULL),
		    -1, SQLITE_TRANSIENT);
	if (opt != -1)
		sqlite3_bind_int(st, 5, opt);
	sqlite3_bind_int64(st, 6, store_now());
	sqlite3_bind_int64(st, 7, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		ctl_error(r, "conflict", "another contact has number %s", num);
		return CMD_DONE;
	}
	if (rc != SQLITE_DONE) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	ctl_reply(r, contact_get(r->d, id));
	return CMD_DONE;
}

static int
cmd_contacts_delete(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	int		 messaged = 0;
	json_t		*c;

	if ((c = contact_get(r->d, id)) == NULL) {
		ctl_error(r, "not_found", "no contact %lld", (long long)id);
		return CMD_DONE;
	}
	ctl_target(r, "%lld %s", (long long)id,
	    json_string_value(json_object_get(c, "phone")));
	st = store_stmt(r->d->store, "SELECT EXISTS (SELECT 1 FROM messages "
	    "WHERE contact_id = ?)");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		messaged = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (messaged) {
		json_decref(c);
		ctl_error(r, "conflict", "contact %lld has campaign messages; "
		    "opt them out instead", (long long)id);
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "DELETE FROM contacts WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		json_decref(c);
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	sqlite3_reset(st);
	ctl_reply(r, json_pack("{s:o}", "deleted", c));
	return CMD_DONE;
}

static int
cmd_contacts_import(struct ctl_req *r)
{
	return import_start(r);
}

static int
cmd_contacts_import_undo(struct ctl_req *r)
{
	int64_t		 batch = ctl_arg_int(r, "batch", 0);

	ctl_target(r, "batch %lld", (long long)batch);
	return import_undo_start(r, batch);
}

static int
cmd_contacts_export(struct ctl_req *r)
{
	return export_start(r);
}

const struct ctl_cmd contacts_cmds[] = {
	{ "contacts.list", ROLE_ADMIN, 0, "after:i limit:i search:s "
	    "category:* verified:b opted_out:b", cmd_contacts_list },
	{ "contacts.get", ROLE_ADMIN, 0, "id:i!", cmd_contacts_get },
	{ "contacts.create", ROLE_ADMIN, CMD_AUDIT, "phone:s! first_name:s "
	    "last_name:s category:* default_country:s", cmd_contacts_create },
	{ "contacts.update", ROLE_ADMIN, CMD_AUDIT, "id:i! phone:s "
	    "first_name:s last_name:s opted_out:b default_country:s",
	    cmd_contacts_update },
	{ "contacts.delete", ROLE_ADMIN, CMD_AUDIT, "id:i!",
	    cmd_contacts_delete },
	{ "contacts.import", ROLE_ADMIN, CMD_AUDIT | CMD_FD, "category:* "
	    "default_country:s preview:b filename:s", cmd_contacts_import },
	{ "contacts.import_undo", ROLE_ADMIN, CMD_AUDIT, "batch:i!",
	    cmd_contacts_import_undo },
	{ "contacts.export", ROLE_ADMIN, CMD_AUDIT | CMD_FD, "",
	    cmd_contacts_export },
	{ NULL, 0, 0, NULL, NULL }
};
