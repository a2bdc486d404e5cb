#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "campaign.h"
#include "daemon.h"
#include "clock.h"
#include "lane.h"
#include "notify.h"
#include "outbox.h"
#include "store.h"

#define CAMP_COLS "id, name, message_1, message_2, status, round, " \
	"created_at, updated_at, started_at, finished_at, total, pending, " \
	"sending, sent, delivered, read, failed, unknown, cancelled, " \
	"interactions, m2_total"

static json_t *
int_or_null(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, col));
}

json_t *
campaign_get(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*c = NULL, *cats;
	static const char *const cnt[] = { "total", "pending", "sending",
	    "sent", "delivered", "read", "failed", "unknown", "cancelled",
	    "interactions", "m2_total" };
	size_t		 i;

	st = store_stmt(d->store, "SELECT " CAMP_COLS " FROM campaigns "
	    "WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		c = json_pack("{s:I,s:s,s:s,s:s?,s:s,s:I,s:I,s:I,s:o,s:o}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "name", (const char *)sqlite3_column_text(st, 1),
		    "message_1", (const char *)sqlite3_column_text(st, 2),
		    "message_2", (const char *)sqlite3_column_text(st, 3),
		    "status", (const char *)sqlite3_column_text(st, 4),
		    "round", (json_int_t)sqlite3_column_int64(st, 5),
		    "created_at", (json_int_t)sqlite3_column_int64(st, 6),
		    "updated_at", (json_int_t)sqlite3_column_int64(st, 7),
		    "started_at", int_or_null(st, 8),
		    "finished_at", int_or_null(st, 9));
		for (i = 0; i < sizeof cnt / sizeof cnt[0]; i++)
			json_object_set_new(c, cnt[i], json_integer(
			    sqlite3_column_int64(st, 10 + (int)i)));
	}
	sqlite3_reset(st);
	if (c == NULL)
		return NULL;
	cats = json_array();
	st = store_stmt(d->store, "SELECT g.id, g.name FROM "
	    "campaign_categories cc JOIN categories g ON g.id = cc.category_id "
	    "WHERE cc.campaign_id = ? ORDER BY g.id");
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(cats, json_pack("{s:I,s:s}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "name",
		    (const char *)sqlite3_column_text(st, 1)));
	sqlite3_reset(st);
	json_object_set_new(c, "categories", cats);
	/* Since when the oldest unknown message waits to be settled. */
	st = store_stmt(d->store, "SELECT min(claimed_at) FROM messages WHERE "
	    "campaign_id = ? AND state = 'unknown'");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(c, "unknown_oldest_at", int_or_null(st, 0));
	sqlite3_reset(st);
	return c;
}

void
campaign_finish_done(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "UPDATE campaigns SET status = 'completed', "
	    "finished_at = ?2, updated_at = ?2 WHERE id = ?1 AND "
	    "status = 'running' AND pending = 0 AND sending = 0");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, store_now());
	sqlite3_step(st);
	sqlite3_reset(st);
	notify_campaign(d, id);
}

/* Seconds to send PENDING messages at the lane's pace, from now. */
static double
campaign_eta(struct daemon *d, long pending)
{
	char	 day[11];
	time_t	 now = clock_now();

	clock_day(now, day);
	return lane_eta(d->conf, pending, outbox_sent_on(d, day), now);
}

json_t *
campaign_progress(struct daemon *d, int64_t id)
{
	json_t		*c;
	json_int_t	 pending;

	if ((c = campaign_get(d, id)) == NULL)
		return NULL;
	json_object_del(c, "message_1");
	json_object_del(c, "message_2");
	pending = json_integer_value(json_object_get(c, "pending"));
	if (strcmp(json_string_value(json_object_get(c, "status")),
	    "running") == 0)
		json_object_set_new(c, "eta_seconds", json_integer(
		    (json_int_t)campaign_eta(d, (long)pending)));
	else
		json_object_set_new(c, "eta_seconds", json_null());
	return c;
}
