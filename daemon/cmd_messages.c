/*
 * messages.list: the history of sent messages, paged by id, filtered.
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

/*
 * One query per filter (none, campaign, status, both): "?2 = 0 OR
 * campaign_id = ?2" cannot use an index, and on a history of a million
 * messages each page cost a scan. A campaign's messages come from the
 * (campaign_id, state) index; a count over the whole history or over a
 * state stops at MESSAGES_COUNT_MAX (the LIMIT below), and says so.
 */
#define MESSAGES_COLS	"SELECT id, campaign_id, contact_id, message_type, " \
	"round, phone, body, state, attempts, next_at, reference, wass_id, " \
	"wa_id, error, created_at, updated_at, sent_at, delivered_at, " \
	"read_at FROM messages WHERE id > ?1 "
#define MESSAGES_COUNT_MAX	10000
static const char *messages_sql[4][2] = {
	{ MESSAGES_COLS "ORDER BY id LIMIT ?4",
	  "SELECT count(*) FROM (SELECT 1 FROM messages LIMIT 10000)" },
	{ MESSAGES_COLS "AND campaign_id = ?2 ORDER BY id LIMIT ?4",
	  "SELECT count(*) FROM messages WHERE campaign_id = ?2" },
	{ MESSAGES_COLS "AND state = ?3 ORDER BY id LIMIT ?4",
	  "SELECT count(*) FROM (SELECT 1 FROM messages WHERE state = ?3 "
	  "LIMIT 10000)" },
	{ MESSAGES_COLS "AND campaign_id = ?2 AND state = ?3 ORDER BY id "
	  "LIMIT ?4",
	  "SELECT count(*) FROM messages WHERE campaign_id = ?2 AND "
	  "state = ?3" },
};

static int
cmd_messages_list(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_t		*items;
	json_int_t	 after = ctl_arg_int(r, "after", 0);
	json_int_t	 limit, last = 0, total;
	json_int_t	 camp = ctl_arg_int(r, "campaign", 0);
	const char	*status = ctl_arg_str(r, "status", NULL);
	int		 v = (camp != 0) | (status != NULL) << 1;

	if ((limit = ctl_list_limit(r, 100)) == -1)
		return CMD_DONE;
	items = json_array();
	st = store_stmt(r->d->store, messages_sql[v][0]);
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, camp);
	if (status != NULL)
		sqlite3_bind_text(st, 3, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		json_array_append_new(items, json_pack("{s:I,s:I,s:I,s:i,s:I,"
		    "s:s,s:s,s:s,s:i,s:I,s:s?,s:s?,s:s?,s:s?,s:I,s:I,s:o,s:o,"
		    "s:o}",
		    "id", last,
		    "campaign_id", (json_int_t)sqlite3_column_int64(st, 1),
		    "contact_id", (json_int_t)sqlite3_column_int64(st, 2),
		    "message_type", sqlite3_column_int(st, 3),
		    "round", (json_int_t)sqlite3_column_int64(st, 4),
		    "phone", (const char *)sqlite3_column_text(st, 5),
		    "body", (const char *)sqlite3_column_text(st, 6),
		    "state", (const char *)sqlite3_column_text(st, 7),
		    "attempts", sqlite3_column_int(st, 8),
		    "next_at", (json_int_t)sqlite3_column_int64(st, 9),
		    "reference", (const char *)sqlite3_column_text(st, 10),
		    "wass_id", (const char *)sqlite3_column_text(st, 11),
		    "wa_id", (const char *)sqlite3_column_text(st, 12),
		    "error", (const char *)sqlite3_column_text(st, 13),
		    "created_at", (json_int_t)sqlite3_column_int64(st, 14),
		    "updated_at", (json_int_t)sqlite3_column_int64(st, 15),
		    "sent_at", sqlite3_column_type(st, 16) == SQLITE_NULL ?
		    json_null() : json_integer(sqlite3_column_int64(st, 16)),
		    "delivered_at", sqlite3_column_type(st, 17) == SQLITE_NULL ?
		    json_null() : json_integer(sqlite3_column_int64(st, 17)),
		    "read_at", sqlite3_column_type(st, 18) == SQLITE_NULL ?
		    json_null() : json_integer(sqlite3_column_int64(st, 18))));
	}
	sqlite3_reset(st);
	st = store_stmt(r->d->store, messages_sql[v][1]);
	if (camp != 0)
		sqlite3_bind_int64(st, 2, camp);
	if (status != NULL)
		sqlite3_bind_text(st, 3, status, -1, SQLITE_TRANSIENT);
	total = store_int(st);
	ctl_reply(r, json_pack("{s:o,s:I,s:o,s:b}", "items", items, "total",
	    total, "next", (json_int_t)json_array_size(items) == limit ?
	    json_integer(last) : json_null(), "total_capped", !(v & 1) &&
	    total == MESSAGES_COUNT_MAX));
	return CMD_DONE;
}

const struct ctl_cmd messages_cmds[] = {
	{ "messages.list", ROLE_ADMIN, 0,
	    "after:i limit:i campaign:i status:s", cmd_messages_list },
	{ NULL, 0, 0, NULL, NULL }
};
