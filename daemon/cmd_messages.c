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
#include "text.h"
#include "xmalloc.h"

/*
 * One query per combination of filters (campaign ?2, state ?3, contact ?6):
 * "?2 = 0 OR campaign_id = ?2" cannot use an index. Each walks an index
 * whose entries are in id order for the equality it holds (migration 014:
 * campaign, state, contact; campaign and state together), so a page costs
 * its own rows, never a sort of a whole campaign. The search text ?5
 * (lowercase) is tested on the rows walked, body and error, and not
 * counted. Counts stop at MESSAGES_COUNT_MAX and say so.
 */
#define MESSAGES_COLS	"SELECT id, campaign_id, contact_id, message_type, " \
	"round, phone, body, state, attempts, next_at, reference, wass_id, " \
	"wa_id, error, created_at, updated_at, sent_at, delivered_at, " \
	"read_at FROM messages WHERE id > ?1 "
#define M_SEARCH	"AND (?5 IS NULL OR instr(lower(body), ?5) > 0 OR " \
	"instr(lower(coalesce(error, '')), ?5) > 0) "
#define M_CAMP		"AND campaign_id = ?2 "
#define M_STATE		"AND state = ?3 "
#define M_CONTACT	"AND contact_id = ?6 "
#define M_LIST(w)	MESSAGES_COLS w M_SEARCH "ORDER BY id LIMIT ?4"
#define M_COUNT(w)	"SELECT count(*) FROM (SELECT 1 FROM messages WHERE " \
	"?1 = ?1 AND ?4 = ?4 AND ?5 IS NULL " w "LIMIT 10000)"
#define M_PAIR(w)	{ M_LIST(w), M_COUNT(w) }
#define MESSAGES_COUNT_MAX	10000
static const char *const messages_sql[8][2] = {
	M_PAIR(""),
	M_PAIR(M_CAMP),
	M_PAIR(M_STATE),
	M_PAIR(M_CAMP M_STATE),
	M_PAIR(M_CONTACT),
	M_PAIR(M_CONTACT M_CAMP),
	M_PAIR(M_CONTACT M_STATE),
	M_PAIR(M_CONTACT M_CAMP M_STATE),
};

/* Bind the filters every statement of messages_sql takes. */
static void
messages_bind(sqlite3_stmt *st, json_int_t after, json_int_t limit,
    json_int_t camp, const char *status, const char *search, json_int_t who)
{
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, camp);
	if (status != NULL)
		sqlite3_bind_text(st, 3, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, limit);
	if (search != NULL)
		sqlite3_bind_text(st, 5, search, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, who);
}

static int
cmd_messages_list(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_t		*items;
	json_int_t	 after = ctl_arg_int(r, "after", 0);
	json_int_t	 limit, last = 0, total;
	json_int_t	 camp = ctl_arg_int(r, "campaign", 0);
	json_int_t	 who = ctl_arg_int(r, "contact", 0);
	const char	*status = ctl_arg_str(r, "status", NULL);
	const char	*search = ctl_arg_str(r, "search", NULL);
	char		*low = NULL;
	int		 v;

	if ((limit = ctl_list_limit(r, 100)) == -1)
		return CMD_DONE;
	if (search != NULL && *search == '\0')
		search = NULL;
	if (search != NULL) {
		if (!text_utf8_valid(search, strlen(search))) {
			ctl_error(r, "bad_request", "search is not valid UTF-8");
			return CMD_DONE;
		}
		/* lower() folds ASCII only: so does the search text. */
		low = xstrdup(search);
		for (char *p = low; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p += 'a' - 'A';
	}
	v = (camp != 0) | (status != NULL) << 1 | (who != 0) << 2;
	items = json_array();
	st = store_stmt(r->d->store, messages_sql[v][0]);
	messages_bind(st, after, limit, camp, status, low, who);
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
	/* A search is not counted: that would test every row of the
	 * filter, not just a page's worth. */
	total = -1;
	if (low == NULL) {
		st = store_stmt(r->d->store, messages_sql[v][1]);
		messages_bind(st, 0, 0, camp, status, low, who);
		total = store_int(st);
	}
	free(low);
	ctl_reply(r, json_pack("{s:o,s:o,s:o,s:b}", "items", items, "total",
	    total >= 0 ? json_integer(total) : json_null(), "next",
	    (json_int_t)json_array_size(items) == limit ?
	    json_integer(last) : json_null(), "total_capped",
	    total == MESSAGES_COUNT_MAX));
	return CMD_DONE;
}

const struct ctl_cmd messages_cmds[] = {
	{ "messages.list", ROLE_ADMIN, 0,
	    "after:i limit:i campaign:i status:s contact:i search:s",
	    cmd_messages_list },
	{ NULL, 0, 0, NULL, NULL }
};
