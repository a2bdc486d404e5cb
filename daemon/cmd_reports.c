/*
 * What a campaign gave, for the people who are not at the terminal:
 * campaigns.export (one CSV row per recipient, written to a passed
 * descriptor), campaigns.report and monitoring.report (the figures a
 * PDF report draws; the client lays it out).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "campaign.h"
#include "clock.h"
#include "cmds.h"
#include "ctl.h"
#include "daemon.h"
#include "export.h"
#include "store.h"
#include "xmalloc.h"

/* The recipients of a campaign, by contact id: their Message 1 (which
 * every recipient has), their Message 2 if any and their last answer. */
#define EXPORT_SQL \
	"SELECT m.contact_id, m.phone, c.first_name, c.last_name, " \
	"coalesce(m.lane, m.device), " \
	"m.round, m.state, m.sent_at, m.delivered_at, m.read_at, m.error, " \
	"m2.state, m2.sent_at, r.created_at, r.body " \
	"FROM messages m JOIN contacts c ON c.id = m.contact_id " \
	"LEFT JOIN messages m2 ON m2.campaign_id = m.campaign_id AND " \
	"  m2.contact_id = m.contact_id AND m2.message_type = 2 " \
	"LEFT JOIN interactions r ON r.id = (SELECT i.id FROM interactions i " \
	"  WHERE i.contact_id = m.contact_id AND i.campaign_id = ?1 AND " \
	"  i.kind IN ('reply', 'reaction', 'optout') " \
	"  ORDER BY i.created_at DESC, i.id DESC LIMIT 1) " \
	"WHERE m.campaign_id = ?1 AND m.message_type = 1 AND " \
	"m.contact_id > ?2 ORDER BY m.campaign_id, m.contact_id LIMIT ?3"

static const char *const export_hdr[] = { "phone", "first_name",
    "last_name", "device", "round", "m1_state", "m1_sent_at",
    "m1_delivered_at", "m1_read_at", "m1_error", "m2_state", "m2_sent_at",
    "last_reply_at", "last_reply" };
#define EXPORT_COLS	(sizeof export_hdr / sizeof export_hdr[0])

struct camp_export {
	int64_t	 campaign;
	int64_t	 after;
};

/* Column COL of ST as text, times as ISO 8601, into BUF when needed. */
static const char *
cell(sqlite3_stmt *st, int col, int is_time, char *buf, size_t len)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return "";
	if (is_time) {
		clock_iso((time_t)sqlite3_column_int64(st, col), buf);
		return buf;
	}
	if (sqlite3_column_type(st, col) == SQLITE_INTEGER) {
		snprintf(buf, len, "%lld",
		    (long long)sqlite3_column_int64(st, col));
		return buf;
	}
	return (const char *)sqlite3_column_text(st, col);
}

static int
camp_export_fill(struct daemon *d, void *arg, struct csv_buf *b, char *err,
    size_t errlen)
{
	struct camp_export	*ce = arg;
	sqlite3_stmt		*st;
	const char		*f[EXPORT_COLS];
	char			 bufs[EXPORT_COLS][32];
	/* Which result columns (1..14) are times. */
	static const int	 times[EXPORT_COLS] = { 0, 0, 0, 0, 0, 0, 1,
	    1, 1, 0, 0, 1, 1, 0 };
	size_t			 i;
	int			 n = 0, rc;

	st = store_stmt(d->store, EXPORT_SQL);
	sqlite3_bind_int64(st, 1, ce->campaign);
	sqlite3_bind_int64(st, 2, ce->after);
	sqlite3_bind_int(st, 3, EXPORT_PAGE);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ce->after = sqlite3_column_int64(st, 0);
		for (i = 0; i < EXPORT_COLS; i++)
			f[i] = cell(st, (int)i + 1, times[i], bufs[i],
			    sizeof bufs[i]);
		export_append_safe(b, f, EXPORT_COLS);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading the campaign's messages: %s",
		    store_errmsg(d->store));
		return -1;
	}
	return n;
}

/* 1 if campaign ID exists and is not a hidden test campaign. */
static int
shown_campaign(struct ctl_req *r, int64_t id)
{
	sqlite3_stmt	*st;
	int		 ok;

	st = store_stmt(r->d->store, "SELECT 1 FROM campaigns WHERE id = ? "
	    "AND test_user IS NULL");
	sqlite3_bind_int64(st, 1, id);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (!ok)
		ctl_error(r, "not_found", "no campaign %lld", (long long)id);
	return ok;
}

static int
cmd_campaigns_export(struct ctl_req *r)
{
	struct camp_export	*ce;
	int64_t			 id = ctl_arg_int(r, "id", 0);

	ctl_target(r, "%lld", (long long)id);
	if (!shown_campaign(r, id))
		return CMD_DONE;
	ce = xcalloc(1, sizeof *ce);
	ce->campaign = id;
	return export_csv(r, export_hdr, EXPORT_COLS, camp_export_fill, ce,
	    free);
}

/* Run ST (bound) and return its rows as objects named by NAMES. */
static json_t *
rows(struct ctl_req *r, sqlite3_stmt *st, const char *const *names,
    int ncol)
{
	json_t	*a = json_array(), *o;
	int	 i, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_object();
		for (i = 0; i < ncol; i++) {
			if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
				json_object_set_new(o, names[i], json_integer(
				    sqlite3_column_int64(st, i)));
			else if (sqlite3_column_type(st, i) == SQLITE_NULL)
				json_object_set_new(o, names[i], json_null());
			else
				json_object_set_new(o, names[i], json_string(
				    (const char *)sqlite3_column_text(st, i)));
		}
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static const char *const day_cols[] = { "day", "sent", "delivered", "read",
    "failed", "replies" };
static const char *const device_cols[] = { "device", "sent", "delivered",
    "read", "failed" };

/*
 * campaigns.report: the campaign as campaigns.get gives it, its days
 * (Message 1s and 2s sent, delivered, read and failed that day, replies
 * received that day) and its devices. One pass over the campaign's
 * messages through its index.
 */
static int
cmd_campaigns_report(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	json_t		*c, *days, *devices, *replies;
	char		 now[32];

	if (!shown_campaign(r, id) || (c = campaign_get(r->d, id)) == NULL)
		return CMD_DONE;
	st = store_stmt(r->d->store, "SELECT d, sum(s), sum(dl), sum(rd), "
	    "sum(f), sum(rp) FROM ("
	    "SELECT date(sent_at, 'unixepoch', 'localtime') d, 1 s, "
	    "  state IN ('delivered', 'read') dl, state = 'read' rd, 0 f, "
	    "  0 rp FROM messages WHERE campaign_id = ?1 AND sent_at IS NOT NULL "
	    "UNION ALL SELECT date(updated_at, 'unixepoch', 'localtime'), 0, "
	    "  0, 0, 1, 0 FROM messages WHERE campaign_id = ?1 AND "
	    "  state = 'failed' "
	    "UNION ALL SELECT date(created_at, 'unixepoch', 'localtime'), 0, "
	    "  0, 0, 0, 1 FROM interactions WHERE campaign_id = ?1 AND "
	    "  kind IN ('reply', 'reaction', 'optout')"
	    ") GROUP BY d ORDER BY d");
	sqlite3_bind_int64(st, 1, id);
	days = rows(r, st, day_cols, 6);
	/* By lane (the device's name in the configuration). */
	st = store_stmt(r->d->store, "SELECT coalesce(lane, device, ''), "
	    "sum(sent_at IS NOT NULL), sum(state IN ('delivered', 'read')), "
	    "sum(state = 'read'), sum(state = 'failed') FROM messages WHERE "
	    "campaign_id = ?1 GROUP BY 1 ORDER BY 1");
	sqlite3_bind_int64(st, 1, id);
	devices = rows(r, st, device_cols, 5);
	st = store_stmt(r->d->store, "SELECT count(*) FROM interactions "
	    "WHERE campaign_id = ?1 AND kind IN ('reply', 'reaction')");
	sqlite3_bind_int64(st, 1, id);
	replies = json_integer(store_int(st));
	st = store_stmt(r->d->store, "SELECT count(*) FROM interactions "
	    "WHERE campaign_id = ?1 AND kind = 'optout'");
	sqlite3_bind_int64(st, 1, id);
	if (days == NULL || devices == NULL) {
		json_decref(days);
		json_decref(devices);
		json_decref(replies);
		json_decref(c);
		sqlite3_reset(st);
		ctl_error(r, "internal", "reading the campaign's figures: %s",
		    store_errmsg(r->d->store));
		return CMD_DONE;
	}
	clock_iso(clock_now(), now);
	ctl_reply(r, json_pack("{s:o,s:o,s:o,s:o,s:I,s:s}", "campaign", c,
	    "days", days, "devices", devices, "replies", replies, "optouts",
	    (json_int_t)store_int(st), "generated_at", now));
	return CMD_DONE;
}

/* A day key YYYY-MM-DD, as daily_usage keeps them. */
static int
day_ok(const char *s)
{
	int	 i;

	if (s == NULL || strlen(s) != 10)
		return 0;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * monitoring.report FROM TO: the days of daily_usage between two dates
 * (both included), their totals, and the campaigns that sent in that
 * period. Days come from the counters, never from a scan of messages.
 */
static int
cmd_monitoring_report(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	const char	*from = ctl_arg_str(r, "from", NULL);
	const char	*to = ctl_arg_str(r, "to", NULL);
	static const char *const cols[] = { "day", "sent", "m1", "m2",
	    "failed", "delivered", "read", "interactions" };
	static const char *const ccols[] = { "id", "name", "status", "total",
	    "sent", "delivered", "read", "failed", "interactions" };
	static const char *const dcols[] = { "device", "sent", "m1", "m2",
	    "failed" };
	json_t		*days, *camps, *devs;
	char		 now[32];

	if (!day_ok(from) || !day_ok(to) || strcmp(from, to) > 0) {
		ctl_error(r, "bad_request", "give the period as two dates "
		    "YYYY-MM-DD, the first not after the second");
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "SELECT day, sum(sent), sum(m1), sum(m2), "
	    "sum(failed), sum(delivered), sum(read), sum(interactions) FROM "
	    "daily_usage WHERE day >= ? AND day <= ? GROUP BY day ORDER BY "
	    "day");
	sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
	days = rows(r, st, cols, 8);
	/* sent: every Message 1 that left (sent, delivered or read). */
	st = store_stmt(r->d->store, "SELECT id, name, status, total, "
	    "sent + delivered + read, delivered, read, failed, interactions "
	    "FROM campaigns WHERE "
	    "test_user IS NULL AND started_at IS NOT NULL AND "
	    "date(started_at, 'unixepoch', 'localtime') <= ?2 AND "
	    "(finished_at IS NULL OR "
	    " date(finished_at, 'unixepoch', 'localtime') >= ?1) "
	    "ORDER BY started_at, id LIMIT 200");
	sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
	camps = rows(r, st, ccols, 9);
	/* Sends and failures per lane; deliveries and reads come by
	 * webhook and are counted under the default lane (issue 20). */
	st = store_stmt(r->d->store, "SELECT device, sum(sent), sum(m1), "
	    "sum(m2), sum(failed) FROM daily_usage WHERE day >= ? AND "
	    "day <= ? GROUP BY device ORDER BY device");
	sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
	devs = rows(r, st, dcols, 5);
	if (days == NULL || camps == NULL || devs == NULL) {
		json_decref(days);
		json_decref(camps);
		json_decref(devs);
		ctl_error(r, "internal", "reading the period's figures: %s",
		    store_errmsg(r->d->store));
		return CMD_DONE;
	}
	clock_iso(clock_now(), now);
	ctl_reply(r, json_pack("{s:s,s:s,s:o,s:o,s:o,s:s}", "from", from,
	    "to", to, "days", days, "campaigns", camps, "devices", devs,
	    "generated_at", now));
	return CMD_DONE;
}

const struct ctl_cmd reports_cmds[] = {
	{ "campaigns.export", ROLE_ADMIN, CMD_AUDIT | CMD_FD, "id:i!",
	    cmd_campaigns_export },
	{ "campaigns.report", ROLE_ADMIN, 0, "id:i!", cmd_campaigns_report },
	{ "monitoring.report", ROLE_ADMIN, 0, "from:s! to:s!",
	    cmd_monitoring_report },
	{ NULL, 0, 0, NULL, NULL }
};
