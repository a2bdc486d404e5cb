/*
 * replies.list: the inbox. Replies, reactions and opt-outs, newest first,
 * each with its contact, its campaign and the message it answers; paged by
 * id downward. replies_row() builds the same row for the live reply.new
 * event (daemon/notify.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cmds.h"
#include "ctl.h"
#include "daemon.h"
#include "store.h"

#define REPLY_COLS	"SELECT i.id, i.kind, i.body, i.created_at, " \
	"i.contact_id, c.first_name, c.last_name, c.full_number, " \
	"i.campaign_id, cp.name, i.message_id, m.message_type " \
	"FROM interactions i LEFT JOIN contacts c ON c.id = i.contact_id " \
	"LEFT JOIN campaigns cp ON cp.id = i.campaign_id " \
	"LEFT JOIN messages m ON m.id = i.message_id "
#define REPLY_KINDS	"i.kind IN ('reply', 'reaction', 'optout') "
#define R_CAMP		"AND i.campaign_id = ?3 "
#define R_CONTACT	"AND i.contact_id = ?4 "
#define R_LIST(w)	REPLY_COLS "WHERE i.id < ?1 AND " REPLY_KINDS w \
	"ORDER BY i.id DESC LIMIT ?2"
#define R_COUNT(w)	"SELECT count(*) FROM (SELECT 1 FROM interactions i " \
	"WHERE ?1 = ?1 AND ?2 = ?2 AND " REPLY_KINDS w "LIMIT 10000)"
#define REPLIES_COUNT_MAX	10000

/*
 * One statement per filter (none, campaign, contact, both), each walking
 * an index in id order: the primary key, interactions(campaign_id) (014),
 * a contact's few rows.
 */
static const char *const replies_sql[4][2] = {
	{ R_LIST(""), R_COUNT("") },
	{ R_LIST(R_CAMP), R_COUNT(R_CAMP) },
	{ R_LIST(R_CONTACT), R_COUNT(R_CONTACT) },
	{ R_LIST(R_CAMP R_CONTACT), R_COUNT(R_CAMP R_CONTACT) },
};

static const char *
col_text(sqlite3_stmt *st, int col)
{
	const char	*s = (const char *)sqlite3_column_text(st, col);

	return s != NULL ? s : "";
}

/* One row of REPLY_COLS as the inbox shows it. */
static json_t *
reply_json(sqlite3_stmt *st)
{
	json_t		*j, *o;
	char		*name;
	const char	*first = col_text(st, 5), *last = col_text(st, 6);

	if (asprintf(&name, "%s%s%s", first, *first != '\0' && *last != '\0' ?
	    " " : "", last) == -1)
		name = NULL;
	j = json_pack("{s:I,s:s,s:s?,s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "kind", col_text(st, 1),
	    "body", (const char *)sqlite3_column_text(st, 2),
	    "created_at", (json_int_t)sqlite3_column_int64(st, 3));
	if (sqlite3_column_type(st, 4) == SQLITE_NULL)
		o = json_null();
	else
		o = json_pack("{s:I,s:s,s:s}", "id",
		    (json_int_t)sqlite3_column_int64(st, 4), "name",
		    name != NULL ? name : "", "number", col_text(st, 7));
	free(name);
	json_object_set_new(j, "contact", o);
	if (sqlite3_column_type(st, 8) == SQLITE_NULL)
		o = json_null();
	else
		o = json_pack("{s:I,s:s}", "id",
		    (json_int_t)sqlite3_column_int64(st, 8), "name",
		    col_text(st, 9));
	json_object_set_new(j, "campaign", o);
	if (sqlite3_column_type(st, 10) == SQLITE_NULL)
		o = json_null();
	else
		o = json_pack("{s:I,s:i}", "id",
		    (json_int_t)sqlite3_column_int64(st, 10), "type",
		    sqlite3_column_int(st, 11));
	json_object_set_new(j, "message", o);
	return j;
}

json_t *
replies_row(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*j = NULL;

	st = store_stmt(d->store, REPLY_COLS "WHERE i.id = ?1 AND "
	    REPLY_KINDS);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		j = reply_json(st);
	sqlite3_reset(st);
	return j;
}

static int
cmd_replies_list(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_t		*items;
	json_int_t	 after = ctl_arg_int(r, "after", 0);
	json_int_t	 camp = ctl_arg_int(r, "campaign", 0);
	json_int_t	 who = ctl_arg_int(r, "contact", 0);
	json_int_t	 limit, last = 0, total;
	int		 v = (camp != 0) | (who != 0) << 1, rc;

	if ((limit = ctl_list_limit(r, 100)) == -1)
		return CMD_DONE;
	items = json_array();
	st = store_stmt(r->d->store, replies_sql[v][0]);
	sqlite3_bind_int64(st, 1, after > 0 ? after : INT64_MAX);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, camp);
	sqlite3_bind_int64(st, 4, who);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		json_array_append_new(items, reply_json(st));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(items);
		ctl_error(r, "internal", "listing replies: %s",
		    store_errmsg(r->d->store));
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, replies_sql[v][1]);
	sqlite3_bind_int64(st, 1, 0);
	sqlite3_bind_int64(st, 2, 0);
	sqlite3_bind_int64(st, 3, camp);
	sqlite3_bind_int64(st, 4, who);
	total = store_int(st);
	ctl_reply(r, json_pack("{s:o,s:I,s:o,s:b}", "items", items, "total",
	    total, "next", (json_int_t)json_array_size(items) == limit ?
	    json_integer(last) : json_null(), "total_capped",
	    total == REPLIES_COUNT_MAX));
	return CMD_DONE;
}

const struct ctl_cmd replies_cmds[] = {
	{ "replies.list", ROLE_ADMIN, 0,
	    "after:i limit:i campaign:i contact:i", cmd_replies_list },
	{ NULL, 0, 0, NULL, NULL }
};
