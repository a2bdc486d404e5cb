#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "monitor.h"
#include "pacer.h"
#include "campaign.h"
#include "provider.h"
#include "search.h"
#include "store.h"

const char *
monitor_level(long sent, long limit)
{
	if (limit <= 0 || sent >= limit)
		return "blocked";
	/* Integer comparisons: sent/limit <= 0.75 without rounding. */
	if (sent * 100 <= limit * 75)
		return "ok";
	if (sent * 100 <= limit * 90)
		return "attention";
	return "danger";
}

long
monitor_capacity(long sent, long limit, double rate)
{
	double	 c;

	if (limit <= sent)
		return 0;
	if (!(rate >= 0) || isinf(rate))
		rate = 0;
	c = floor((double)(limit - sent) / (1.0 + rate));
	return c < 0 ? 0 : (long)c;
}

/* Interactions per Message 1 over the last 7 days of daily_usage. */
static double
interaction_rate(struct daemon *d, const char *since)
{
	sqlite3_stmt	*st;
	double		 rate = 0;
	int64_t		 m1, inter;

	st = store_stmt(d->store, "SELECT coalesce(sum(m1), 0), "
	    "coalesce(sum(interactions), 0) FROM daily_usage WHERE day >= ?");
	sqlite3_bind_text(st, 1, since, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		m1 = sqlite3_column_int64(st, 0);
		inter = sqlite3_column_int64(st, 1);
		if (m1 > 0)
			rate = (double)inter / (double)m1;
	}
	sqlite3_reset(st);
	return rate;
}

/*
 * "webhook" and "plan" (DESIGN §7) from the provider's last health check.
 * The simulator has neither at Wassenger: unknown, with a note, never a
 * made-up "active".
 */
static void
webhook_health(struct daemon *d, json_t *j)
{
	struct provider	*pv = d->provider;

	if (pv != NULL && pv->wh_health != NULL && pv->wh_plan != NULL) {
		json_object_set(j, "webhook", pv->wh_health);
		json_object_set(j, "plan", pv->wh_plan);
		return;
	}
	json_object_set_new(j, "webhook", json_pack("{s:s,s:n,s:[],s:s}",
	    "state", "unknown", "status", "missing_events", "note",
	    pv != NULL ? "simulator: no Wassenger webhook; its events come "
	    "from inside the daemon" : "no provider"));
	json_object_set_new(j, "plan", json_pack("{s:n,s:n,s:n,s:n,s:s}",
	    "code", "acks", "replies", "reactions", "note", pv != NULL ?
	    "simulator: no Wassenger plan" : "no provider"));
}

json_t *
monitor_stats(struct daemon *d)
{
	sqlite3_stmt	*st;
	char		 today[11], since[11];
	long		 sent = 0, m1 = 0, m2 = 0, failed = 0, delivered = 0;
	long		 rd = 0, inter = 0, limit = pacer_cap_today(d);
	double		 rate, err_rate;
	time_t		 now = clock_now();
	json_t		*j, *camps;

	clock_day(now, today);
	clock_day(now - 6 * 86400, since);
	st = store_stmt(d->store, "SELECT coalesce(sum(sent), 0), "
	    "coalesce(sum(m1), 0), coalesce(sum(m2), 0), coalesce(sum(failed), "
	    "0), coalesce(sum(delivered), 0), coalesce(sum(read), 0), "
	    "coalesce(sum(interactions), 0) FROM daily_usage WHERE day = ?");
	sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		sent = sqlite3_column_int(st, 0);
		m1 = sqlite3_column_int(st, 1);
		m2 = sqlite3_column_int(st, 2);
		failed = sqlite3_column_int(st, 3);
		delivered = sqlite3_column_int(st, 4);
		rd = sqlite3_column_int(st, 5);
		inter = sqlite3_column_int(st, 6);
	}
	sqlite3_reset(st);
	rate = interaction_rate(d, since);
	err_rate = sent > 0 ? (double)failed / (double)sent : 0;
	j = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
	    "s:s,s:I,s:f,s:f,s:b,s:I}",
	    "day", today, "timezone", d->conf->timezone,
	    "sent_today", (json_int_t)sent, "daily_limit", (json_int_t)limit,
	    "message_1", (json_int_t)m1, "message_2", (json_int_t)m2,
	    "failed", (json_int_t)failed, "delivered", (json_int_t)delivered,
	    "read", (json_int_t)rd, "interactions", (json_int_t)inter,
	    "remaining", (json_int_t)(limit > sent ? limit - sent : 0),
	    "level", monitor_level(sent, limit),
	    "capacity", (json_int_t)monitor_capacity(sent, limit, rate),
	    "interaction_rate", rate, "error_rate", err_rate,
	    "error_alert", err_rate > 0.10,
	    "uptime", (json_int_t)(now - d->started));
	json_object_set_new(j, "search_pending",
	    json_integer(search_pending(d)));
	json_object_set_new(j, "lanes", pacer_lanes(d));
	json_object_set_new(j, "pacer", pacer_stats(d));
	/* Unknown messages wait for reconciliation or the operator. */
	st = store_stmt(d->store, "SELECT count(*), min(claimed_at) FROM "
	    "messages WHERE state = 'unknown'");
	if (sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(j, "unknown", json_pack("{s:I,s:o}",
		    "count", (json_int_t)sqlite3_column_int64(st, 0),
		    "oldest_at", sqlite3_column_type(st, 1) == SQLITE_NULL ?
		    json_null() : json_integer(sqlite3_column_int64(st, 1))));
	sqlite3_reset(st);
	/* Imports a crash cut short wait for an undo or a new run. */
	camps = json_array();
	st = store_stmt(d->store, "SELECT id, interrupted_at, (SELECT count(*) "
	    "FROM contacts c WHERE c.batch_id = b.id) FROM import_batches b "
	    "WHERE state = 'failed' AND interrupted_at IS NOT NULL ORDER BY id "
	    "LIMIT 20");
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(camps, json_pack("{s:I,s:I,s:I}",
		    "batch", (json_int_t)sqlite3_column_int64(st, 0),
		    "interrupted_at", (json_int_t)sqlite3_column_int64(st, 1),
		    "contacts", (json_int_t)sqlite3_column_int64(st, 2)));
	sqlite3_reset(st);
	json_object_set_new(j, "interrupted_imports", camps);
	camps = json_array();
	st = store_stmt(d->store, "SELECT id FROM campaigns WHERE "
	    "status = 'running' AND test_user IS NULL ORDER BY id LIMIT 50");
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(camps, json_integer(
		    sqlite3_column_int64(st, 0)));
	sqlite3_reset(st);
	for (size_t i = 0; i < json_array_size(camps); i++)
		json_array_set_new(camps, i, campaign_progress(d,
		    json_integer_value(json_array_get(camps, i))));
	json_object_set_new(j, "campaigns", camps);
	if (d->provider != NULL)
		json_object_set_new(j, "provider_health",
		    json_string(d->provider->health));
	webhook_health(d, j);
	return j;
}

json_t *
monitor_capacity_json(struct daemon *d, int days)
{
	sqlite3_stmt	*st;
	char		 today[11], since[11], from[11];
	time_t		 now = clock_now();
	long		 sent = 0, limit = pacer_cap_today(d);
	double		 rate;
	json_t		*hist = json_array();

	clock_day(now, today);
	clock_day(now - 6 * 86400, since);
	clock_day(now - (time_t)(days - 1) * 86400, from);
	st = store_stmt(d->store, "SELECT day, sum(sent), sum(m1), sum(m2), "
	    "sum(failed), sum(delivered), sum(read), sum(interactions) FROM "
	    "daily_usage WHERE day >= ? GROUP BY day ORDER BY day");
	sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(st, 0), today) == 0)
			sent = sqlite3_column_int(st, 1);
		json_array_append_new(hist, json_pack("{s:s,s:I,s:I,s:I,s:I,"
		    "s:I,s:I,s:I,s:s}",
		    "day", (const char *)sqlite3_column_text(st, 0),
		    "sent", (json_int_t)sqlite3_column_int64(st, 1),
		    "message_1", (json_int_t)sqlite3_column_int64(st, 2),
		    "message_2", (json_int_t)sqlite3_column_int64(st, 3),
		    "failed", (json_int_t)sqlite3_column_int64(st, 4),
		    "delivered", (json_int_t)sqlite3_column_int64(st, 5),
		    "read", (json_int_t)sqlite3_column_int64(st, 6),
		    "interactions", (json_int_t)sqlite3_column_int64(st, 7),
		    "level", monitor_level(sqlite3_column_int(st, 1), limit)));
	}
	sqlite3_reset(st);
	rate = interaction_rate(d, since);
	return json_pack("{s:s,s:I,s:I,s:I,s:f,s:I,s:s,s:o}",
	    "day", today, "daily_limit", (json_int_t)limit,
	    "sent_today", (json_int_t)sent,
	    "remaining", (json_int_t)(limit > sent ? limit - sent : 0),
	    "interaction_rate", rate,
	    "capacity", (json_int_t)monitor_capacity(sent, limit, rate),
	    "level", monitor_level(sent, limit), "history", hist);
}
