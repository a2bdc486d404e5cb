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
#include "job.h"
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

/*
 * campaigns.report: the campaign as campaigns.get gives it, its days
 * (Message 1s and 2s sent, delivered, read and failed that day, replies
 * received that day) and its devices. A campaign has up to millions of
 * messages: the figures are summed a range of REPORT_PAGE message ids at
 * a time (then of interactions), as a job in slices of a few ms, the
 * request parked until the end (job.c). Each range is one GROUP BY over
 * the campaign's id index whose few rows are added into the days and
 * devices kept here; the reply is the one the whole-campaign queries gave.
 */
#define REPORT_PAGE	1000

struct rep_day {
	char	*day;		/* NULL: a time date() cannot read */
	int64_t	 sent, delivered, read, failed, replies;
};

struct rep_dev {
	char	*name;
	int64_t	 sent, delivered, read, failed;
};

struct camp_report {
	int64_t		 campaign;
	int		 phase;		/* 0 messages, 1 interactions */
	int64_t		 after;		/* the last id summed */
	struct rep_day	*days;
	size_t		 ndays;
	struct rep_dev	*devs;
	size_t		 ndevs;
	int64_t		 replies, optouts;
};

static void
camp_report_free(void *arg)
{
	struct camp_report	*cr = arg;
	size_t			 i;

	for (i = 0; i < cr->ndays; i++)
		free(cr->days[i].day);
	for (i = 0; i < cr->ndevs; i++)
		free(cr->devs[i].name);
	free(cr->days);
	free(cr->devs);
	free(cr);
}

/* Equal keys, NULL equal to NULL only. */
static int
same_key(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The day DAY of CR (NULL too), added if new. */
static struct rep_day *
rep_day(struct camp_report *cr, const unsigned char *day)
{
	size_t	 i;

	for (i = cr->ndays; i > 0; i--)
		if (same_key(cr->days[i - 1].day, (const char *)day))
			return &cr->days[i - 1];
	cr->days = xreallocarray(cr->days, cr->ndays + 1, sizeof *cr->days);
	memset(&cr->days[cr->ndays], 0, sizeof cr->days[cr->ndays]);
	if (day != NULL)
		cr->days[cr->ndays].day = xstrdup((const char *)day);
	return &cr->days[cr->ndays++];
}

static struct rep_dev *
rep_dev(struct camp_report *cr, const unsigned char *name)
{
	size_t	 i;

	if (name == NULL)
		name = (const unsigned char *)"";
	for (i = cr->ndevs; i > 0; i--)
		if (strcmp(cr->devs[i - 1].name, (const char *)name) == 0)
			return &cr->devs[i - 1];
	cr->devs = xreallocarray(cr->devs, cr->ndevs + 1, sizeof *cr->devs);
	memset(&cr->devs[cr->ndevs], 0, sizeof cr->devs[cr->ndevs]);
	cr->devs[cr->ndevs].name = xstrdup((const char *)name);
	return &cr->devs[cr->ndevs++];
}

/*
 * The last id of the next REPORT_PAGE rows of the campaign after
 * CR->after in TABLE's statement BOUND, or INT64_MAX when fewer are left
 * (*LAST set). -1 on an error.
 */
static int
rep_bound(struct daemon *d, struct camp_report *cr, const char *bound,
    int64_t *hi, int *last)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(d->store, bound);
	sqlite3_bind_int64(st, 1, cr->campaign);
	sqlite3_bind_int64(st, 2, cr->after);
	sqlite3_bind_int(st, 3, REPORT_PAGE - 1);
	rc = sqlite3_step(st);
	*last = rc != SQLITE_ROW;
	*hi = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : INT64_MAX;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The messages with ids in (after, hi]: what each group adds. */
static int
rep_messages(struct daemon *d, struct camp_report *cr, int64_t hi)
{
	sqlite3_stmt	*st;
	struct rep_day	*day;
	struct rep_dev	*dev;
	int64_t		 n, dl, rd;
	int		 rc, sent, failed;

	st = store_stmt(d->store, "SELECT sent_at IS NOT NULL, "
	    "date(sent_at, 'unixepoch', 'localtime'), state = 'failed', "
	    "CASE WHEN state = 'failed' THEN date(updated_at, 'unixepoch', "
	    "'localtime') END, coalesce(lane, device, ''), count(*), "
	    "sum(state IN ('delivered', 'read')), sum(state = 'read') FROM "
	    "messages INDEXED BY messages_campaign_id WHERE campaign_id = ?1 "
	    "AND id > ?2 AND id <= ?3 GROUP BY 1, 2, 3, 4, 5");
	sqlite3_bind_int64(st, 1, cr->campaign);
	sqlite3_bind_int64(st, 2, cr->after);
	sqlite3_bind_int64(st, 3, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sent = sqlite3_column_int(st, 0);
		failed = sqlite3_column_int(st, 2);
		n = sqlite3_column_int64(st, 5);
		dl = sqlite3_column_int64(st, 6);
		rd = sqlite3_column_int64(st, 7);
		if (sent) {
			day = rep_day(cr, sqlite3_column_text(st, 1));
			day->sent += n;
			day->delivered += dl;
			day->read += rd;
		}
		if (failed)
			rep_day(cr, sqlite3_column_text(st, 3))->failed += n;
		dev = rep_dev(cr, sqlite3_column_text(st, 4));
		dev->sent += sent ? n : 0;
		dev->delivered += dl;
		dev->read += rd;
		dev->failed += failed ? n : 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The interactions with ids in (after, hi]: replies by day, totals. */
static int
rep_interactions(struct daemon *d, struct camp_report *cr, int64_t hi)
{
	sqlite3_stmt	*st;
	int64_t		 n;
	int		 rc;

	st = store_stmt(d->store, "SELECT date(created_at, 'unixepoch', "
	    "'localtime'), kind = 'optout', count(*) FROM interactions "
	    "INDEXED BY interactions_campaign_id WHERE campaign_id = ?1 AND "
	    "id > ?2 AND id <= ?3 AND kind IN ('reply', 'reaction', "
	    "'optout') GROUP BY 1, 2");
	sqlite3_bind_int64(st, 1, cr->campaign);
	sqlite3_bind_int64(st, 2, cr->after);
	sqlite3_bind_int64(st, 3, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 2);
		rep_day(cr, sqlite3_column_text(st, 0))->replies += n;
		if (sqlite3_column_int(st, 1))
			cr->optouts += n;
		else
			cr->replies += n;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One range of messages, then of interactions. */
static int
camp_report_step(struct daemon *d, void *arg, char *err, size_t errlen)
{
	static const char *const bound[] = {
		"SELECT id FROM messages INDEXED BY messages_campaign_id "
		"WHERE campaign_id = ?1 AND id > ?2 ORDER BY id LIMIT 1 "
		"OFFSET ?3",
		"SELECT id FROM interactions INDEXED BY "
		"interactions_campaign_id WHERE campaign_id = ?1 AND id > ?2 "
		"ORDER BY id LIMIT 1 OFFSET ?3",
	};
	struct camp_report	*cr = arg;
	int64_t			 hi;
	int			 last;

	if (rep_bound(d, cr, bound[cr->phase], &hi, &last) == -1 ||
	    (cr->phase == 0 ? rep_messages(d, cr, hi) :
	    rep_interactions(d, cr, hi)) == -1) {
		snprintf(err, errlen, "reading the campaign's figures: %s",
		    store_errmsg(d->store));
		return -1;
	}
	cr->after = hi;
	if (!last)
		return 0;
	cr->after = 0;
	return cr->phase++ == 1;
}

/* As SQLite's ORDER BY orders text keys: NULL first, then bytewise. */
static int
key_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int
day_cmp(const void *a, const void *b)
{
	return key_cmp(((const struct rep_day *)a)->day,
	    ((const struct rep_day *)b)->day);
}

static int
dev_cmp(const void *a, const void *b)
{
	return key_cmp(((const struct rep_dev *)a)->name,
	    ((const struct rep_dev *)b)->name);
}

/* The reply: the campaign as it is now, and the sums in key order. */
static void
camp_report_finish(struct ctl_req *r, void *arg, const char *err)
{
	struct camp_report	*cr = arg;
	struct rep_day		*y;
	struct rep_dev		*v;
	json_t			*c, *days, *devices;
	char			 now[32];
	size_t			 i;

	if (err != NULL) {
		ctl_error(r, "internal", "%s", err);
		return;
	}
	/* Deleted meanwhile: not_found, as if it had never been. */
	if (!shown_campaign(r, cr->campaign))
		return;
	if ((c = campaign_get(r->d, cr->campaign)) == NULL) {
		ctl_error(r, "internal", "reading the campaign's figures: %s",
		    store_errmsg(r->d->store));
		return;
	}
	qsort(cr->days, cr->ndays, sizeof *cr->days, day_cmp);
	qsort(cr->devs, cr->ndevs, sizeof *cr->devs, dev_cmp);
	days = json_array();
	for (i = 0; i < cr->ndays; i++) {
		y = &cr->days[i];
		json_array_append_new(days, json_pack("{s:s?,s:I,s:I,s:I,s:I,"
		    "s:I}", "day", y->day, "sent", (json_int_t)y->sent,
		    "delivered", (json_int_t)y->delivered, "read",
		    (json_int_t)y->read, "failed", (json_int_t)y->failed,
		    "replies", (json_int_t)y->replies));
	}
	devices = json_array();
	for (i = 0; i < cr->ndevs; i++) {
		v = &cr->devs[i];
		json_array_append_new(devices, json_pack("{s:s,s:I,s:I,s:I,"
		    "s:I}", "device", v->name, "sent", (json_int_t)v->sent,
		    "delivered", (json_int_t)v->delivered, "read",
		    (json_int_t)v->read, "failed", (json_int_t)v->failed));
	}
	clock_iso(clock_now(), now);
	ctl_reply(r, json_pack("{s:o,s:o,s:o,s:I,s:I,s:s}", "campaign", c,
	    "days", days, "devices", devices, "replies",
	    (json_int_t)cr->replies, "optouts", (json_int_t)cr->optouts,
	    "generated_at", now));
}

static const struct job_ops camp_report_ops = {
	.name = "campaigns.report",
	.step = camp_report_step,
	.finish = camp_report_finish,
	.free = camp_report_free,
};

static int
cmd_campaigns_report(struct ctl_req *r)
{
	struct camp_report	*cr;
	int64_t			 id = ctl_arg_int(r, "id", 0);

	if (!shown_campaign(r, id))
		return CMD_DONE;
	cr = xcalloc(1, sizeof *cr);
	cr->campaign = id;
	return job_start(r, &camp_report_ops, cr, -1);
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
	    "failed", "delivered", "read" };
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
	/* Per lane, each message counted on the lane it went through. */
	st = store_stmt(r->d->store, "SELECT device, sum(sent), sum(m1), "
	    "sum(m2), sum(failed), sum(delivered), sum(read) FROM daily_usage "
	    "WHERE day >= ? AND day <= ? GROUP BY device ORDER BY device");
	sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
	devs = rows(r, st, dcols, 7);
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
