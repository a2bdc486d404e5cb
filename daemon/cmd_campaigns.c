#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "campaign.h"
#include "cmds.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "i18n.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "pacer.h"
#include "schedule.h"
#include "phone.h"
#include "search.h"
#include "store.h"
#include "text.h"
#include "when.h"
#include "xmalloc.h"

#define BODY_MAX	6000

static int
bad_text(struct ctl_req *r, const char *what, const char *s, size_t max)
{
	if (s == NULL)
		return 0;
	if (!text_utf8_valid(s, strlen(s))) {
		ctl_error(r, "bad_request", "%s is not valid UTF-8", what);
		return 1;
	}
	if (strlen(s) > max) {
		ctl_error(r, "bad_request", "%s is longer than %zu bytes", what,
		    max);
		return 1;
	}
	return 0;
}

/*
 * A "template" argument (id or name) stands for Message 1's text; both
 * together are refused rather than one silently winning. *M1 then points
 * into *OWNED, which the caller frees. -1 once answered with an error.
 */
static int
from_template(struct ctl_req *r, const char **m1, char **owned)
{
	json_t	*v = json_object_get(r->args, "template");
	char	 err[160];

	*owned = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (*m1 != NULL && **m1 != '\0') {
		ctl_error(r, "bad_request", "give message_1 or a template, "
		    "not both");
		return -1;
	}
	if ((*owned = template_body(r->d, v, err, sizeof err)) == NULL) {
		ctl_error(r, "not_found", "%s", err);
		return -1;
	}
	*m1 = *owned;
	return 0;
}

/* Refuse a text with an unknown placeholder, naming it (DESIGN §6). */
static int
bad_placeholders(struct ctl_req *r, const char *m1, const char *m2)
{
	char	 err[320];

	if (campaign_check_text(r->d, "Message 1", m1, err,
	    sizeof err) == -1 || campaign_check_text(r->d, "Message 2", m2,
	    err, sizeof err) == -1) {
		ctl_error(r, "bad_request", "%s", err);
		return 1;
	}
	return 0;
}

/* Category id for an id or a name in V; -1 if there is none. */
static int64_t
category_id(struct ctl_req *r, json_t *v)
{
	sqlite3_stmt	*st;
	int64_t		 id = -1;

	if (json_is_integer(v)) {
		st = store_stmt(r->d->store, "SELECT id FROM categories "
		    "WHERE id = ?");
		sqlite3_bind_int64(st, 1, json_integer_value(v));
	} else if (json_is_string(v)) {
		st = store_stmt(r->d->store, "SELECT id FROM categories "
		    "WHERE name = ? OR CAST(id AS TEXT) = ?1");
		sqlite3_bind_text(st, 1, json_string_value(v), -1,
		    SQLITE_TRANSIENT);
	} else
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* Replace the categories of campaign ID by the list CATS (inside a tx). */
static int
set_categories(struct ctl_req *r, int64_t id, json_t *cats, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	json_t		*v;
	size_t		 i;
	int64_t		 cid;
	char		*s;

	st = store_stmt(r->d->store, "DELETE FROM campaign_categories "
	    "WHERE campaign_id = ?");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	sqlite3_reset(st);
	json_array_foreach(cats, i, v) {
		if ((cid = category_id(r, v)) == -1) {
			s = json_dumps(v, JSON_ENCODE_ANY);
			i18n_snprintf(err, errlen, "categories[%zu]: no "
			    "category %s", i, s ? s : "?");
			free(s);
			return -1;
		}
		st = store_stmt(r->d->store, "INSERT OR IGNORE INTO "
		    "campaign_categories (campaign_id, category_id) "
		    "VALUES (?, ?)");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, cid);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	return 0;
}

static int
cmd_campaigns_list(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_t		*items, *c;
	json_int_t	 after = ctl_arg_int(r, "after", 0);
	json_int_t	 limit, last = 0;
	const char	*status = ctl_arg_str(r, "status", NULL);

	if ((limit = ctl_list_limit(r, 100)) == -1)
		return CMD_DONE;
	items = json_array();
	st = store_stmt(r->d->store, "SELECT id FROM campaigns WHERE id > ?1 "
	    "AND (?2 IS NULL OR status = ?2) AND test_user IS NULL "
	    "ORDER BY id LIMIT ?3");
	sqlite3_bind_int64(st, 1, after);
	if (status != NULL)
		sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		json_array_append_new(items, json_integer(last));
	}
	sqlite3_reset(st);
	/* Replace ids by rows (campaign_get reuses other statements). */
	for (size_t i = 0; i < json_array_size(items); i++) {
		c = campaign_get(r->d, json_integer_value(json_array_get(items,
		    i)));
		json_array_set_new(items, i, c ? c : json_null());
	}
	st = store_stmt(r->d->store, "SELECT count(*) FROM campaigns WHERE "
	    "(?1 IS NULL OR status = ?1) AND test_user IS NULL");
	if (status != NULL)
		sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
	ctl_reply_page(r, items, store_int(st), limit, last);
	return CMD_DONE;
}

static json_t *
get_or_404(struct ctl_req *r, int64_t id)
{
	json_t	*c;

	/* Test sends' campaigns are no one's to see or change. */
	if (campaign_hidden(r->d, id) || (c = campaign_get(r->d, id)) == NULL) {
		ctl_error(r, "not_found", "no campaign %lld", (long long)id);
		return NULL;
	}
	return c;
}

static const char *
status_of(json_t *c)
{
	return json_string_value(json_object_get(c, "status"));
}

/*
 * Answer conflict when campaign C (ID) does not allow ACTION in its
 * status (campaign_refusal's table); C is released then. 1 if refused.
 */
static int
refused(struct ctl_req *r, json_t *c, int64_t id, enum campaign_action a)
{
	const char	*why = campaign_refusal(status_of(c), a);

	if (why == NULL)
		return 0;
	ctl_error(r, "conflict", "campaign %lld is %-s; %-s", (long long)id,
	    status_of(c), why);
	json_decref(c);
	return 1;
}

/*
 * Whether campaign ID exists (and is not a hidden test campaign) and, for
 * A >= 0, allows that action in its status; answers not_found or conflict
 * when not. Its status alone is read: the full campaign_get() with its
 * progress is for replies, not for this check.
 */
static int
allowed(struct ctl_req *r, int64_t id, int a)
{
	sqlite3_stmt	*st;
	const char	*why = NULL;
	char		 status[32] = "";
	int		 hidden = 0;

	st = store_stmt(r->d->store, "SELECT status, test_user IS NOT NULL "
	    "FROM campaigns WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(status, sizeof status, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		hidden = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (*status == '\0' || hidden) {
		ctl_error(r, "not_found", "no campaign %lld", (long long)id);
		return 0;
	}
	if (a >= 0 && (why = campaign_refusal(status,
	    (enum campaign_action)a)) != NULL) {
		ctl_error(r, "conflict", "campaign %lld is %-s; %-s",
		    (long long)id, status, why);
		return 0;
	}
	return 1;
}

static int
cmd_campaigns_get(struct ctl_req *r)
{
	json_t	*c;

	if ((c = get_or_404(r, ctl_arg_int(r, "id", 0))) != NULL)
		ctl_reply(r, c);
	return CMD_DONE;
}

/*
 * The lanes campaign ID sends through (DESIGN §6), from DEVS (an array of
 * lane names; empty: every healthy one), inside the caller's
 * transaction. 0, or -1 with ERR.
 */
static int
set_devices(struct ctl_req *r, int64_t id, json_t *devs, char *err,
    size_t errlen)
{
	const struct config *c = r->d->conf;
	sqlite3_stmt	*st;
	json_t		*v;
	char		 list[64 * 40] = "";
	const char	*name;
	size_t		 i, j, off = 0;

	if (!json_is_array(devs)) {
		i18n_snprintf(err, errlen, "devices: an array of device names");
		return -1;
	}
	json_array_foreach(devs, i, v) {
		if ((name = json_string_value(v)) == NULL ||
		    (strcmp(name, CONFIG_DEFAULT_LANE) != 0 &&
		    config_device(c, name) == NULL)) {
			off = (size_t)snprintf(list, sizeof list, "%s",
			    CONFIG_DEFAULT_LANE);
			for (j = 0; j < c->ndevices && off < sizeof list; j++)
				off += (size_t)snprintf(list + off,
				    sizeof list - off, ", %s",
				    c->devices[j].name);
			i18n_snprintf(err, errlen, "devices[%zu]: no device "
			    "named %s; the devices are: %s", i, name ? name :
			    "(not a string)", list);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(devs, j), v))
				break;
		if (j < i)
			continue;
		off += (size_t)snprintf(list + off, sizeof list - off, "%s%s",
		    off > 0 ? "," : "", name);
		if (off >= sizeof list) {
			i18n_snprintf(err, errlen, "devices: too many");
			return -1;
		}
	}
	st = store_stmt(r->d->store, "UPDATE campaigns SET devices = ?2 WHERE "
	    "id = ?1");
	sqlite3_bind_int64(st, 1, id);
	if (*list != '\0')
		sqlite3_bind_text(st, 2, list, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(err, errlen, "%s", store_errmsg(r->d->store));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

/*
 * The schedule arguments: start_at ("" clears it; ISO 8601 in the
 * configured zone or +DURATION from now, stored as Unix time) and window
 * ("" clears it; HH:MM-HH:MM, stored as minutes of the day in W[0] and
 * W[1]). *START is -1 when not given, 0 to clear; W[0] is -2 when the
 * window is not given, -1 to clear. -1 once answered with an error.
 */
static int
schedule_args(struct ctl_req *r, int64_t *start, int w[2])
{
	const char	*s = ctl_arg_str(r, "start_at", NULL);
	const char	*window = ctl_arg_str(r, "window", NULL);
	char		 err[200];
	time_t		 t;

	*start = -1;
	w[0] = window == NULL ? -2 : -1;
	w[1] = -1;
	if (s != NULL && *s == '\0')
		*start = 0;
	else if (s != NULL) {
		if (when_parse(s, clock_now(), &t, err, sizeof err) == -1) {
			ctl_error(r, "bad_request", "%s", err);
			return -1;
		}
		*start = (int64_t)t;
	}
	if (window != NULL && *window != '\0' && when_window(window, &w[0],
	    &w[1], err, sizeof err) == -1) {
		ctl_error(r, "bad_request", "%s", err);
		return -1;
	}
	return 0;
}

/* Create the campaign; M1 may come from a template (from_template). */
static void
create(struct ctl_req *r, const char *name, const char *m1)
{
	sqlite3_stmt	*st;
	const char	*m2 = ctl_arg_str(r, "message_2", NULL);
	json_t		*cats = json_object_get(r->args, "categories");
	json_t		*devs = json_object_get(r->args, "devices");
	int64_t		 now = store_now(), id, start;
	int		 window[2];
	char		 err[512];

	if (*name == '\0' || m1 == NULL || *m1 == '\0') {
		ctl_error(r, "bad_request", "name and message_1 are required");
		return;
	}
	if (bad_text(r, "name", name, 200) || bad_text(r, "message_1", m1,
	    BODY_MAX) || bad_text(r, "message_2", m2, BODY_MAX) ||
	    bad_placeholders(r, m1, m2) || schedule_args(r, &start,
	    window) == -1)
		return;
	if (m2 != NULL && *m2 == '\0')
		m2 = NULL;
	if (store_begin(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return;
	}
	st = store_stmt(r->d->store, "INSERT INTO campaigns (name, message_1, "
	    "message_2, created_by, created_at, updated_at, start_at, "
	    "window_start, window_end) VALUES (?, ?, ?, ?, ?, ?5, "
	    "nullif(?6, 0), CASE WHEN ?7 >= 0 THEN ?7 END, "
	    "CASE WHEN ?7 >= 0 THEN ?8 END)");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, m1, -1, SQLITE_TRANSIENT);
	if (m2 != NULL)
		sqlite3_bind_text(st, 3, m2, -1, SQLITE_TRANSIENT);
	if (r->user_id > 0)
		sqlite3_bind_int64(st, 4, r->user_id);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, start > 0 ? start : 0);
	sqlite3_bind_int(st, 7, window[0]);
	sqlite3_bind_int(st, 8, window[1]);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		store_rollback(r->d->store);
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return;
	}
	sqlite3_reset(st);
	id = sqlite3_last_insert_rowid(store_db(r->d->store));
	if (cats != NULL && set_categories(r, id, cats, err,
	    sizeof err) == -1) {
		store_rollback(r->d->store);
		ctl_error(r, "not_found", "%s", err);
		return;
	}
	if (devs != NULL && set_devices(r, id, devs, err, sizeof err) == -1) {
		store_rollback(r->d->store);
		ctl_error(r, "bad_request", "%s", err);
		return;
	}
	if (store_commit(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return;
	}
	ctl_target(r, "%lld %s", (long long)id, name);
	ctl_reply(r, campaign_get(r->d, id));
}

static int
cmd_campaigns_create(struct ctl_req *r)
{
	const char	*name = ctl_arg_str(r, "name", "");
	const char	*m1 = ctl_arg_str(r, "message_1", NULL);
	char		*tmpl;

	ctl_target(r, "%s", name);
	if (from_template(r, &m1, &tmpl) == 0)
		create(r, name, m1);
	free(tmpl);
	return CMD_DONE;
}

/* Update a draft; M1 may come from a template (from_template). */
static void
update(struct ctl_req *r, const char *m1)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	const char	*name = ctl_arg_str(r, "name", NULL);
	const char	*m2 = ctl_arg_str(r, "message_2", NULL);
	json_t		*cats = json_object_get(r->args, "categories");
	json_t		*devs = json_object_get(r->args, "devices");
	int		 window[2];
	int64_t		 start;
	char		 err[512];

	if (!allowed(r, id, CA_EDIT))
		return;
	if ((name != NULL && *name == '\0') || (m1 != NULL && *m1 == '\0')) {
		ctl_error(r, "bad_request", "name and message_1 cannot be "
		    "empty");
		return;
	}
	if (bad_text(r, "name", name, 200) || bad_text(r, "message_1", m1,
	    BODY_MAX) || bad_text(r, "message_2", m2, BODY_MAX) ||
	    bad_placeholders(r, m1, m2) || schedule_args(r, &start,
	    window) == -1)
		return;
	if (store_begin(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return;
	}
	st = store_stmt(r->d->store, "UPDATE campaigns SET "
	    "name = coalesce(?2, name), message_1 = coalesce(?3, message_1), "
	    "message_2 = CASE WHEN ?4 IS NULL THEN message_2 "
	    "  WHEN ?4 = '' THEN NULL ELSE ?4 END, updated_at = ?5, "
	    "start_at = CASE ?6 WHEN -1 THEN start_at WHEN 0 THEN NULL "
	    "  ELSE ?6 END, "
	    "window_start = CASE ?7 WHEN -2 THEN window_start WHEN -1 THEN "
	    "  NULL ELSE ?7 END, "
	    "window_end = CASE ?7 WHEN -2 THEN window_end WHEN -1 THEN NULL "
	    "  ELSE ?8 END "
	    "WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	if (name != NULL)
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (m1 != NULL)
		sqlite3_bind_text(st, 3, m1, -1, SQLITE_TRANSIENT);
	if (m2 != NULL)
		sqlite3_bind_text(st, 4, m2, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, store_now());
	sqlite3_bind_int64(st, 6, start);
	sqlite3_bind_int(st, 7, window[0]);
	sqlite3_bind_int(st, 8, window[1]);
	sqlite3_step(st);
	sqlite3_reset(st);
	if (cats != NULL && set_categories(r, id, cats, err,
	    sizeof err) == -1) {
		store_rollback(r->d->store);
		ctl_error(r, "not_found", "%s", err);
		return;
	}
	if (devs != NULL && set_devices(r, id, devs, err, sizeof err) == -1) {
		store_rollback(r->d->store);
		ctl_error(r, "bad_request", "%s", err);
		return;
	}
	if (store_commit(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return;
	}
	ctl_reply(r, campaign_get(r->d, id));
}

static int
cmd_campaigns_update(struct ctl_req *r)
{
	const char	*m1 = ctl_arg_str(r, "message_1", NULL);
	char		*tmpl;

	ctl_target(r, "%lld", (long long)ctl_arg_int(r, "id", 0));
	if (from_template(r, &m1, &tmpl) == 0)
		update(r, m1);
	free(tmpl);
	return CMD_DONE;
}

static int
cmd_campaigns_delete(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	json_t		*c;

	ctl_target(r, "%lld", (long long)id);
	if ((c = get_or_404(r, id)) == NULL)
		return CMD_DONE;
	if (refused(r, c, id, CA_DELETE))
		return CMD_DONE;
	ctl_target(r, "%lld %s", (long long)id,
	    json_string_value(json_object_get(c, "name")));
	st = store_stmt(r->d->store, "DELETE FROM campaigns WHERE id = ? AND "
	    "NOT EXISTS (SELECT 1 FROM messages WHERE campaign_id = ?1 AND "
	    "state = 'sending')");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	sqlite3_reset(st);
	if (sqlite3_changes(store_db(r->d->store)) == 0) {
		json_decref(c);
		ctl_error(r, "conflict", "a message of this campaign is being "
		    "sent; try again in a moment");
		return CMD_DONE;
	}
	ctl_reply(r, json_pack("{s:o}", "deleted", c));
	return CMD_DONE;
}

/* Today's claims (cap reservations) on the lane. */
static long
sent_today(struct daemon *d)
{
	char	 day[11];

	clock_day(clock_now(), day);
	return outbox_sent_on(d, day);
}

/* Pending Message 1s of running campaigns: they leave before a launch's. */
static long
queued_now(struct daemon *d)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "SELECT count(*) FROM messages m JOIN "
	    "campaigns k ON k.id = m.campaign_id WHERE m.state = 'pending' "
	    "AND k.status = 'running'");
	return (long)store_int(st);
}

/*
 * What a launch of campaign ID would do, for the send confirmation: who
 * gets Message 1, who is left out and why, today's capacity, and when
 * the last of them would have left (after what is queued already).
 */
static json_t *
send_plan(struct ctl_req *r, int64_t id, const struct ob_audience *a,
    int64_t at)
{
	struct daemon	*d = r->d;
	long		 sent = sent_today(d), queued = queued_now(d);
	long		 cap = pacer_cap_today(d);	/* every lane's */
	time_t		 t0 = at > 0 ? (time_t)at : clock_now();
	double		 eta;

	/* From a scheduled start, what is queued now will have left. */
	eta = at > 0 ? campaign_eta_from(d, id, (long)a->recipients, t0) :
	    campaign_eta_from(d, id, queued + (long)a->recipients, t0);
	return json_pack("{s:I,s:I,s:{s:I,s:I,s:I,s:I},s:I,s:I,s:i,s:i,s:I,"
	    "s:I,s:I,s:o,s:o,s:o}",
	    "id", (json_int_t)id,
	    "recipients", (json_int_t)a->recipients,
	    "left_out", "opted_out", (json_int_t)a->opted_out,
	    "suppressed", (json_int_t)a->suppressed,
	    "no_valid_number", (json_int_t)a->no_number,
	    "total", (json_int_t)(a->opted_out + a->suppressed + a->no_number),
	    "duplicates", (json_int_t)a->duplicates,
	    "suppressed", (json_int_t)a->suppressed,
	    "suppress_days", d->conf->suppress_days,
	    "daily_limit", (int)cap,
	    "sent_today", (json_int_t)sent,
	    "capacity_today", (json_int_t)(cap > sent ? cap - sent : 0),
	    "queued_before", (json_int_t)queued,
	    "eta_seconds", eta < 0 ? json_null() : json_integer((json_int_t)
	    (eta + 0.5)),
	    "eta_at", eta < 0 ? json_null() : json_integer((json_int_t)(t0 +
	    (time_t)(eta + 0.5))),
	    "start_at", at > 0 ? json_integer(at) : json_null());
}

/*
 * Launch: one INSERT ... SELECT makes a pending Message 1 for each distinct
 * contact of the campaign's categories who has not opted out, has a valid
 * number, nor, with suppress_days, been sent a Message 1 by another
 * campaign in that many days; personalised here; the counters and the
 * status change in the same transaction. A launch that would reach no one
 * is refused and the campaign stays a draft. With dry_run, only say what
 * a launch would do (send_plan).
 */
/* Campaign ID's start time if it has one ahead of now, else 0. */
static int64_t
start_ahead(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	int64_t		 at;

	st = store_stmt(d->store, "SELECT coalesce(start_at, 0) FROM "
	    "campaigns WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	at = store_int(st);
	return at > (int64_t)clock_now() ? at : 0;
}

static int
cmd_campaigns_send(struct ctl_req *r)
{
	struct ob_audience	 a;
	sqlite3_stmt		*st;
	int64_t			 id = ctl_arg_int(r, "id", 0), left = 0, n, at;
	json_t			*c;
	char			 err[256];
	int			 rc;

	ctl_target(r, "%lld", (long long)id);
	if (!allowed(r, id, CA_SEND))
		return CMD_DONE;
	at = start_ahead(r->d, id);
	if (ctl_arg_bool(r, "dry_run", 0)) {
		/* The audit row says nothing was launched. */
		ctl_target(r, "%lld dry run", (long long)id);
		if (outbox_audience_why(r->d, id,
		    schedule_suppress_since(r->d), &a) == -1) {
			ctl_error(r, "internal", "%s",
			    store_errmsg(r->d->store));
			return CMD_DONE;
		}
		ctl_reply(r, send_plan(r, id, &a, at));
		return CMD_DONE;
	}
	if (at > 0) {
		/* The audience is taken at the start, not now. */
		st = store_stmt(r->d->store, "UPDATE campaigns SET status = "
		    "'scheduled', updated_at = ?2 WHERE id = ?1 AND "
		    "status = 'draft'");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, store_now());
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			ctl_error(r, "internal", "%s",
			    store_errmsg(r->d->store));
			return CMD_DONE;
		}
		ctl_target(r, "%lld scheduled", (long long)id);
		log_info("campaign %lld scheduled to start in %llds",
		    (long long)id, (long long)(at - (int64_t)clock_now()));
		schedule_arm(r->d);
		ctl_reply(r, campaign_get(r->d, id));
		return CMD_DONE;
	}
	rc = schedule_launch(r->d, id, &n, &left, err, sizeof err);
	if (rc == 1) {
		ctl_error(r, "conflict", "%-s; campaign %lld stays a draft", err,
		    (long long)id);
		return CMD_DONE;
	}
	if (rc == -1) {
		ctl_error(r, "internal", "%s", err);
		return CMD_DONE;
	}
	c = campaign_get(r->d, id);
	json_object_set_new(c, "recipients", json_integer(n));
	ctl_reply(r, c);
	return CMD_DONE;
}

/*
 * Duplicate: a new draft with the campaign's texts and categories, named
 * after it with " (copy)"; nothing of its sending is copied.
 */
static int
cmd_campaigns_duplicate(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0), now = store_now(), nid;
	json_t		*c;

	ctl_target(r, "%lld", (long long)id);
	if (!allowed(r, id, -1))
		return CMD_DONE;
	if (store_begin(r->d->store) == -1)
		goto fail;
	st = store_stmt(r->d->store, "INSERT INTO campaigns (name, message_1, "
	    "message_2, created_by, created_at, updated_at) SELECT name || "
	    "' (copy)', message_1, message_2, ?2, ?3, ?3 FROM campaigns "
	    "WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	if (r->user_id > 0)
		sqlite3_bind_int64(st, 2, r->user_id);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		goto rollback;
	}
	sqlite3_reset(st);
	nid = sqlite3_last_insert_rowid(store_db(r->d->store));
	st = store_stmt(r->d->store, "INSERT INTO campaign_categories "
	    "(campaign_id, category_id) SELECT ?2, category_id FROM "
	    "campaign_categories WHERE campaign_id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, nid);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		goto rollback;
	}
	sqlite3_reset(st);
	if (store_commit(r->d->store) == -1)
		goto rollback;
	ctl_target(r, "%lld as %lld", (long long)id, (long long)nid);
	c = campaign_get(r->d, nid);
	json_object_set_new(c, "duplicate_of", json_integer(id));
	ctl_reply(r, c);
	return CMD_DONE;
rollback:
	store_rollback(r->d->store);
fail:
	ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
	return CMD_DONE;
}

/* The operator's hidden test campaign, made on first use; 0 on error. */
static int64_t
test_campaign(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = 0, user = r->user_id > 0 ? r->user_id : 0;

	st = store_stmt(r->d->store, "SELECT id FROM campaigns WHERE "
	    "test_user = ?");
	sqlite3_bind_int64(st, 1, user);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id == 0) {
		st = store_stmt(r->d->store, "INSERT INTO campaigns (name, "
		    "message_1, status, created_by, created_at, updated_at, "
		    "test_user) VALUES (?1, '(test sends)', 'running', ?2, "
		    "?3, ?3, ?4)");
		sqlite3_bind_text(st, 1, *r->login != '\0' ? r->login :
		    r->unix_user, -1, SQLITE_TRANSIENT);
		if (r->user_id > 0)
			sqlite3_bind_int64(st, 2, r->user_id);
		sqlite3_bind_int64(st, 3, store_now());
		sqlite3_bind_int64(st, 4, user);
		if (sqlite3_step(st) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(store_db(r->d->store));
		sqlite3_reset(st);
		return id;
	}
	/* It completes after each test; a new test runs it again. */
	st = store_stmt(r->d->store, "UPDATE campaigns SET status = "
	    "'running', finished_at = NULL, updated_at = ?2 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, store_now());
	if (sqlite3_step(st) != SQLITE_DONE)
		id = 0;
	sqlite3_reset(st);
	return id;
}

/*
 * The contact a test send goes to: ARGS' contact, or the one with ARGS'
 * phone, made (no name, no category) when there is none. 0 after an
 * error reply (R is freed then); *MADE says it was made.
 */
static int64_t
test_contact(struct ctl_req *r, int *made)
{
	sqlite3_stmt	*st;
	const char	*phone = ctl_arg_str(r, "phone", NULL), *why;
	char		 e164[PHONE_MAX];
	int64_t		 id = ctl_arg_int(r, "contact", 0), now = store_now();

	*made = 0;
	if ((id != 0) == (phone != NULL)) {
		ctl_error(r, "bad_request", "give phone or contact, not both");
		return 0;
	}
	if (phone != NULL && phone_normalize(phone,
	    r->d->conf->default_country, e164, &why) == -1) {
		ctl_error(r, "bad_request", "phone \"%.40s\": %-s", phone, why);
		return 0;
	}
	st = store_stmt(r->d->store, "SELECT id FROM contacts WHERE "
	    "(id = ?1 OR full_number = ?2) AND erased_at IS NULL");
	sqlite3_bind_int64(st, 1, id);
	if (phone != NULL)
		sqlite3_bind_text(st, 2, e164, -1, SQLITE_TRANSIENT);
	id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (id != 0)
		return id;
	if (phone == NULL) {
		ctl_error(r, "not_found", "no contact %lld",
		    (long long)ctl_arg_int(r, "contact", 0));
		return 0;
	}
	/* As contacts.create adds one: above the search mark, counted. */
	if (search_mark_lower(r->d->store) == -1)
		goto fail;
	st = store_stmt(r->d->store, "INSERT INTO contacts (full_number, "
	    "raw_number, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)");
	sqlite3_bind_text(st, 1, e164, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(store_db(r->d->store));
	sqlite3_reset(st);
	if (id == 0 || store_exec(r->d->store, "UPDATE contacts_count SET "
	    "n = n + 1") == -1)
		goto fail;
	*made = 1;
	return id;
fail:
	ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
	return 0;
}

/*
 * Test send (DESIGN §6): campaign ID's Message 1, rendered for one
 * contact, as a Message 1 of the operator's hidden test campaign. It goes
 * through the outbox like any message: it counts against the daily cap
 * and waits for the lane's gap, but the pacer takes it first. Refused
 * for a contact who opted out.
 */
static int
cmd_campaigns_test(struct ctl_req *r)
{
	struct daemon	*d = r->d;
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0), contact, tc, msg;
	char		*phone = NULL, *body = NULL;
	int		 made, optout = 0, n;

	ctl_target(r, "%lld", (long long)id);
	if (!allowed(r, id, -1))
		return CMD_DONE;
	if (store_begin(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	if ((contact = test_contact(r, &made)) == 0) {
		/* R was answered, and freed with it. */
		store_rollback(d->store);
		return CMD_DONE;
	}
	ctl_target(r, "%lld contact %lld", (long long)id, (long long)contact);
	st = store_stmt(r->d->store, "SELECT c.full_number, c.opted_out, "
	    OUTBOX_RENDER("k.message_1") " FROM campaigns k, contacts c "
	    "WHERE k.id = ?1 AND c.id = ?2");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, contact);
	if (sqlite3_step(st) == SQLITE_ROW) {
		phone = xstrdup((const char *)sqlite3_column_text(st, 0));
		optout = sqlite3_column_int(st, 1);
		body = xstrdup((const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (phone == NULL)
		goto internal;
	if (optout) {
		store_rollback(r->d->store);
		ctl_error(r, "conflict", "contact %lld has opted out: no test "
		    "send to them", (long long)contact);
		goto out;
	}
	if ((tc = test_campaign(r)) == 0)
		goto internal;
	if ((n = outbox_test_send(r->d, tc, contact, phone, body,
	    &msg)) == -1)
		goto internal;
	if (n == 0) {
		store_rollback(r->d->store);
		ctl_error(r, "conflict", "the last test send to contact %lld "
		    "(message %lld) has not settled yet; wait for it",
		    (long long)contact, (long long)msg);
		goto out;
	}
	if (store_commit(r->d->store) == -1)
		goto internal;
	log_info("campaign %lld: test send queued as message %lld",
	    (long long)id, (long long)msg);
	if (made)
		search_kick(r->d);
	pacer_kick(r->d);
	ctl_reply(r, json_pack("{s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:b}",
	    "id", (json_int_t)id, "message", (json_int_t)msg,
	    "test_campaign", (json_int_t)tc, "contact", (json_int_t)contact,
	    "phone", phone, "body", body, "state", "pending",
	    "contact_created", made));
	goto out;
internal:
	store_rollback(r->d->store);
	ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
out:
	free(phone);
	free(body);
	return CMD_DONE;
}

/*
 * Run the outbox transition FN over campaign ID in one transaction, with
 * the campaign's status set to NEWSTATUS (NULL: unchanged) when it moved
 * something, or ALWAYS. The number moved, or -1. When nothing moved and
 * not ALWAYS, nothing is written (the caller answers conflict).
 */
static int
bulk_change(struct ctl_req *r, int64_t id, int (*fn)(struct daemon *,
    int64_t, int), int arg, const char *newstatus, int always)
{
	sqlite3_stmt	*st;
	int		 n, rc;

	if (store_begin(r->d->store) == -1)
		return -1;
	if ((n = fn(r->d, id, arg)) == -1)
		goto fail;
	if (n == 0 && !always) {
		/* Nothing to move: the campaign stays exactly as it was. */
		store_rollback(r->d->store);
		return 0;
	}
	if (newstatus != NULL && (n > 0 || always)) {
		st = store_stmt(r->d->store, "UPDATE campaigns SET status = ?2, "
		    "updated_at = ?3, finished_at = CASE WHEN ?2 = 'running' "
		    "THEN NULL ELSE finished_at END WHERE id = ?1");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, newstatus, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, store_now());
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			goto fail;
	}
	campaign_finish_done(r->d, id);
	if (store_commit(r->d->store) == -1)
		goto fail;
	notify_campaign(r->d, id);
	return n;
fail:
	store_rollback(r->d->store);
	return -1;
}

/* Wake the pacer and answer with campaign ID and the N messages moved. */
static int
reply_changed(struct ctl_req *r, int64_t id, int n)
{
	json_t	*c;

	pacer_kick(r->d);
	c = campaign_get(r->d, id);
	json_object_set_new(c, "changed", json_integer(n));
	ctl_reply(r, c);
	return CMD_DONE;
}

static int
stop_fn(struct daemon *d, int64_t id, int arg)
{
	return outbox_stop(d, id);
}

static int
cmd_campaigns_stop(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	int		 n, rc;

	ctl_target(r, "%lld", (long long)id);
	if (!allowed(r, id, CA_STOP))
		return CMD_DONE;
	/* A scheduled campaign has sent nothing: it is a draft again, its
	 * start time kept (a draft never starts by itself). */
	st = store_stmt(r->d->store, "UPDATE campaigns SET status = 'draft', "
	    "updated_at = ?2 WHERE id = ?1 AND status = 'scheduled'");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, store_now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	if (sqlite3_changes(store_db(r->d->store)) > 0) {
		ctl_target(r, "%lld unscheduled", (long long)id);
		log_info("campaign %lld unscheduled: a draft again",
		    (long long)id);
		schedule_arm(r->d);
		notify_campaign(r->d, id);
		ctl_reply(r, campaign_get(r->d, id));
		return CMD_DONE;
	}
	if ((n = bulk_change(r, id, stop_fn, 0, "stopped", 1)) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	return reply_changed(r, id, n);
}

static int
cmd_campaigns_retry(struct ctl_req *r)
{
	int64_t	 id = ctl_arg_int(r, "id", 0);
	int	 unknown = ctl_arg_bool(r, "include_unknown", 0), n;

	ctl_target(r, "%lld%s", (long long)id, unknown ? " include_unknown" :
	    "");
	if (!allowed(r, id, CA_RETRY))
		return CMD_DONE;
	if ((n = bulk_change(r, id, outbox_retry, unknown, "running", 0)) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	if (n == 0) {
		if (unknown)
			ctl_error(r, "conflict", "campaign %lld has no failed "
			    "or unknown message to retry", (long long)id);
		else
			ctl_error(r, "conflict", "campaign %lld has no failed "
			    "message to retry", (long long)id);
		return CMD_DONE;
	}
	if (unknown)
		log_warnx("campaign %lld: retry includes unknown messages; "
		    "their recipients may get them twice", (long long)id);
	return reply_changed(r, id, n);
}

static int
resume_fn(struct daemon *d, int64_t id, int arg)
{
	return outbox_resume(d, id);
}

/*
 * Resume: a stopped campaign goes on with the messages its stop cancelled
 * (not those of contacts who opted out since); nothing already sent is
 * queued again.
 */
static int
cmd_campaigns_resume(struct ctl_req *r)
{
	int64_t	 id = ctl_arg_int(r, "id", 0);
	int	 n;

	ctl_target(r, "%lld", (long long)id);
	if (!allowed(r, id, CA_RESUME))
		return CMD_DONE;
	if ((n = bulk_change(r, id, resume_fn, 0, "running", 0)) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	if (n == 0) {
		ctl_error(r, "conflict", "campaign %lld has no message left to "
		    "send (its stopped ones went to contacts who opted out); "
		    "see retry and relaunch", (long long)id);
		return CMD_DONE;
	}
	log_info("campaign %lld resumed: %d message(s) queued again",
	    (long long)id, n);
	return reply_changed(r, id, n);
}

static int
relaunch_fn(struct daemon *d, int64_t id, int arg)
{
	return outbox_relaunch(d, id);
}

/*
 * Relaunch: a new round for the whole audience. Message 1 of every
 * contact goes back to pending in the new round, contacts added to the
 * categories since get one, opted-out ones are cancelled; unknown and
 * sending messages of the old round are left as they are.
 */
static int
cmd_campaigns_relaunch(struct ctl_req *r)
{
	int64_t	 id = ctl_arg_int(r, "id", 0);
	int	 n;

	ctl_target(r, "%lld", (long long)id);
	if (!ctl_arg_bool(r, "confirm", 0)) {
		ctl_error(r, "bad_request", "relaunch sends to the whole "
		    "audience again; pass confirm:true");
		return CMD_DONE;
	}
	if (!allowed(r, id, CA_RELAUNCH))
		return CMD_DONE;
	if ((n = bulk_change(r, id, relaunch_fn, 0, "running", 1)) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	return reply_changed(r, id, n);
}

/*
 * Settle: the operator records what Wassenger's app shows for unknown
 * messages (one, or all of the campaign's) without posting anything.
 */
static int
cmd_campaigns_settle(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	int64_t		 msg = ctl_arg_int(r, "message", 0), ids[256];
	const char	*outcome = ctl_arg_str(r, "outcome", "");
	json_t		*c;
	size_t		 n, i;
	int		 sent, total = 0, rc, moved;

	ctl_target(r, "%lld %s%s%lld", (long long)id, outcome, msg ?
	    " message " : "", (long long)msg);
	if (strcmp(outcome, "sent") != 0 && strcmp(outcome, "failed") != 0) {
		ctl_error(r, "bad_request", "outcome must be \"sent\" or "
		    "\"failed\"");
		return CMD_DONE;
	}
	sent = strcmp(outcome, "sent") == 0;
	if (!allowed(r, id, -1))
		return CMD_DONE;
	if (msg != 0) {
		st = store_stmt(r->d->store, "SELECT state FROM messages "
		    "WHERE id = ? AND campaign_id = ?");
		sqlite3_bind_int64(st, 1, msg);
		sqlite3_bind_int64(st, 2, id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && strcmp((const char *)
		    sqlite3_column_text(st, 0), "unknown") != 0) {
			ctl_error(r, "conflict", "message %lld is %-s, not "
			    "unknown", (long long)msg, (const char *)
			    sqlite3_column_text(st, 0));
			sqlite3_reset(st);
			return CMD_DONE;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW) {
			ctl_error(r, "not_found", "campaign %lld has no "
			    "message %lld", (long long)id, (long long)msg);
			return CMD_DONE;
		}
	}
	if (store_begin(r->d->store) == -1)
		goto fail;
	for (;;) {
		n = 0;
		st = store_stmt(r->d->store, "SELECT id FROM messages WHERE "
		    "campaign_id = ?1 AND state = 'unknown' AND "
		    "(?2 = 0 OR id = ?2) LIMIT 256");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, msg);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 256)
			ids[n++] = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			goto rollback;
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			moved = outbox_settle(r->d, ids[i], sent, sent ?
			    "settled as sent by the operator" :
			    "settled as failed by the operator");
			if (moved == -1)
				goto rollback;
			total += moved;
		}
	}
	if (total == 0) {
		store_rollback(r->d->store);
		ctl_error(r, "conflict", "no unknown message in campaign %lld",
		    (long long)id);
		return CMD_DONE;
	}
	campaign_finish_done(r->d, id);
	if (store_commit(r->d->store) == -1)
		goto rollback;
	log_info("campaign %lld: %d unknown message(s) settled as %s by the "
	    "operator", (long long)id, total, outcome);
	notify_campaign(r->d, id);
	c = campaign_get(r->d, id);
	json_object_set_new(c, "settled", json_integer(total));
	ctl_reply(r, c);
	return CMD_DONE;
rollback:
	store_rollback(r->d->store);
fail:
	ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
	return CMD_DONE;
}

/*
 * Rates over the Message 1s that left. Progress is what was sent so far
 * over the audience: it never moves back within a round, whatever is
 * stopped, retried or queued as Message 2 (counted apart).
 */
static int
cmd_campaigns_stats(struct ctl_req *r)
{
	json_t		*c;
	json_int_t	 total, out, dl, rd, inter, failed;

	if ((c = get_or_404(r, ctl_arg_int(r, "id", 0))) == NULL)
		return CMD_DONE;
	json_decref(c);
	c = campaign_progress(r->d, ctl_arg_int(r, "id", 0));
	total = json_integer_value(json_object_get(c, "total"));
	rd = json_integer_value(json_object_get(c, "read"));
	dl = json_integer_value(json_object_get(c, "delivered")) + rd;
	out = json_integer_value(json_object_get(c, "sent_so_far"));
	failed = json_integer_value(json_object_get(c, "failed"));
	inter = json_integer_value(json_object_get(c, "interactions"));
	json_object_set_new(c, "sent_total", json_integer(out));
	json_object_set_new(c, "delivery_rate", json_real(out ?
	    (double)dl / (double)out : 0));
	json_object_set_new(c, "read_rate", json_real(out ?
	    (double)rd / (double)out : 0));
	json_object_set_new(c, "interaction_rate", json_real(out ?
	    (double)inter / (double)out : 0));
	json_object_set_new(c, "error_rate", json_real(out + failed ?
	    (double)failed / (double)(out + failed) : 0));
	json_object_set_new(c, "progress", json_real(total ?
	    (double)out / (double)total : 0));
	ctl_reply(r, c);
	return CMD_DONE;
}

/*
 * The contact a preview shows: ARGS' contact, else, of the contacts of its
 * categories who may receive it, the one with the emptiest fields (the
 * worst case for the text: a missing first name shows at once), the
 * first such by id.
 */
#define EMPTIEST "ORDER BY (c.first_name = '') + (c.last_name = '') DESC, " \
	"c.id LIMIT 1"
static int64_t
preview_contact(struct ctl_req *r, json_t *cats)
{
	sqlite3_stmt	*st;
	json_t		*v;
	size_t		 i;
	int64_t		 id = 0, cid, cand;
	int		 empty, best = -1;

	if (json_object_get(r->args, "contact") != NULL)
		return ctl_arg_int(r, "contact", 0);
	json_array_foreach(cats, i, v) {
		if ((cid = category_id(r, v)) == -1)
			continue;
		st = store_stmt(r->d->store, "SELECT c.id, (c.first_name = '') "
		    "+ (c.last_name = '') FROM category_contacts cc JOIN "
		    "contacts c ON c.id = cc.contact_id WHERE cc.category_id = ? "
		    "AND c.opted_out = 0 " EMPTIEST);
		sqlite3_bind_int64(st, 1, cid);
		if (sqlite3_step(st) == SQLITE_ROW) {
			cand = sqlite3_column_int64(st, 0);
			empty = sqlite3_column_int(st, 1);
			if (empty > best || (empty == best && cand < id)) {
				id = cand;
				best = empty;
			}
		}
		sqlite3_reset(st);
	}
	if (id != 0 || json_array_size(cats) > 0)
		return id;
	st = store_stmt(r->d->store, "SELECT c.id FROM contacts c WHERE "
	    "c.opted_out = 0 " EMPTIEST);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/*
 * campaigns.preview: Message 1 and 2 as one real contact would get them,
 * rendered by the same SQL as a launch. Nothing is stored.
 */
static int
cmd_campaigns_preview(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	const char	*m1 = ctl_arg_str(r, "message_1", "");
	const char	*m2 = ctl_arg_str(r, "message_2", NULL);
	json_t		*cats = json_object_get(r->args, "categories");
	json_t		*data = NULL;
	int64_t		 id;
	char		 err[320];

	if (bad_text(r, "message_1", m1, BODY_MAX) ||
	    bad_text(r, "message_2", m2, BODY_MAX))
		return CMD_DONE;
	/* A preview is shown while typing: an unknown placeholder is said,
	 * not refused (create and update refuse it). */
	if (campaign_check_text(r->d, "Message 1", m1, err,
	    sizeof err) == 0 && campaign_check_text(r->d, "Message 2", m2,
	    err, sizeof err) == 0)
		*err = '\0';
	if ((id = preview_contact(r, cats)) <= 0) {
		ctl_reply(r, json_pack("{s:n,s:n,s:n}", "contact",
		    "message_1", "message_2"));
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "SELECT c.id, c.full_number, "
	    "c.first_name, c.last_name, " OUTBOX_RENDER("?1") ", "
	    OUTBOX_RENDER("?2") " FROM contacts c WHERE c.id = ?3");
	sqlite3_bind_text(st, 1, m1, -1, SQLITE_TRANSIENT);
	if (m2 != NULL && *m2 != '\0')
		sqlite3_bind_text(st, 2, m2, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		data = json_pack("{s:{s:I,s:s,s:s,s:s},s:s,s:s?}",
		    "contact", "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "phone", (const char *)sqlite3_column_text(st, 1),
		    "first_name", (const char *)sqlite3_column_text(st, 2),
		    "last_name", (const char *)sqlite3_column_text(st, 3),
		    "message_1", (const char *)sqlite3_column_text(st, 4),
		    "message_2", (const char *)sqlite3_column_text(st, 5));
	sqlite3_reset(st);
	if (data == NULL) {
		ctl_error(r, "not_found", "no contact %lld", (long long)id);
		return CMD_DONE;
	}
	if (*err != '\0')
		json_object_set_new(data, "warning", json_string(err));
	ctl_reply(r, data);
	return CMD_DONE;
}

const struct ctl_cmd campaigns_cmds[] = {
	{ "campaigns.list", ROLE_ADMIN, 0, "after:i limit:i status:s",
	    cmd_campaigns_list },
	{ "campaigns.get", ROLE_ADMIN, 0, "id:i!", cmd_campaigns_get },
	{ "campaigns.create", ROLE_ADMIN, CMD_AUDIT,
	    "name:s! message_1:s message_2:s template:* categories:a "
	    "devices:a start_at:s window:s",
	    cmd_campaigns_create },
	{ "campaigns.update", ROLE_ADMIN, CMD_AUDIT,
	    "id:i! name:s message_1:s message_2:s template:* categories:a "
	    "devices:a start_at:s window:s",
	    cmd_campaigns_update },
	{ "campaigns.delete", ROLE_ADMIN, CMD_AUDIT, "id:i!",
	    cmd_campaigns_delete },
	{ "campaigns.send", ROLE_ADMIN, CMD_AUDIT, "id:i! dry_run:b",
	    cmd_campaigns_send },
	{ "campaigns.duplicate", ROLE_ADMIN, CMD_AUDIT, "id:i!",
	    cmd_campaigns_duplicate },
	{ "campaigns.test", ROLE_ADMIN, CMD_AUDIT, "id:i! phone:s contact:i",
	    cmd_campaigns_test },
	{ "campaigns.stop", ROLE_ADMIN, CMD_AUDIT, "id:i!", cmd_campaigns_stop },
	{ "campaigns.resume", ROLE_ADMIN, CMD_AUDIT, "id:i!",
	    cmd_campaigns_resume },
	{ "campaigns.retry", ROLE_ADMIN, CMD_AUDIT, "id:i! include_unknown:b",
	    cmd_campaigns_retry },
	{ "campaigns.relaunch", ROLE_ADMIN, CMD_AUDIT, "id:i! confirm:b",
	    cmd_campaigns_relaunch },
	{ "campaigns.settle", ROLE_ADMIN, CMD_AUDIT,
	    "id:i! outcome:s! message:i", cmd_campaigns_settle },
	{ "campaigns.stats", ROLE_ADMIN, 0, "id:i!", cmd_campaigns_stats },
	{ "campaigns.preview", ROLE_ADMIN, 0,
	    "message_1:s message_2:s categories:a contact:i",
	    cmd_campaigns_preview },
	{ NULL, 0, 0, NULL, NULL }
};
