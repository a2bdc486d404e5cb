#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "campaign.h"
#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "i18n.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "pacer.h"
#include "schedule.h"
#include "store.h"

/* Looked at again at least this often, whatever the next start: the
 * wall clock may jump (NTP, a suspended machine, the test clock). */
#define SCHEDULE_MAX_WAIT	3600
/* After a store error, try the due launches again this much later. */
#define SCHEDULE_RETRY		30

static struct event	*sched_ev;

int64_t
schedule_suppress_since(struct daemon *d)
{
	if (d->conf->suppress_days <= 0)
		return 0;
	return (int64_t)clock_now() - (int64_t)d->conf->suppress_days * 86400;
}

void
schedule_why_empty(struct daemon *d, int64_t id, char *err, size_t len)
{
	struct ob_audience	 a;
	sqlite3_stmt		*st;

	st = store_stmt(d->store, "SELECT count(*) FROM "
	    "campaign_categories WHERE campaign_id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (store_int(st) == 0) {
		i18n_snprintf(err, len, "no recipients: the campaign has no "
		    "category");
		return;
	}
	if (outbox_audience_why(d, id, schedule_suppress_since(d), &a) == -1 ||
	    a.opted_out + a.suppressed + a.no_number == 0) {
		i18n_snprintf(err, len, "no recipients: its categories have no "
		    "contact");
		return;
	}
	i18n_snprintf(err, len, "no recipients: %lld opted out, %lld "
	    "suppressed (suppress_days %d), %lld without a valid number",
	    (long long)a.opted_out, (long long)a.suppressed,
	    d->conf->suppress_days, (long long)a.no_number);
}

int
schedule_launch(struct daemon *d, int64_t id, int64_t *n, int64_t *left,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int64_t		 now = store_now();
	int		 rc;

	*n = *left = 0;
	if (store_begin(d->store) == -1)
		goto fail;
	if (outbox_launch_since(d, id, schedule_suppress_since(d), n,
	    left) == -1) {
		store_rollback(d->store);
		goto fail;
	}
	if (*n == 0) {
		/* Nothing launched: "completed" at once would hide why. */
		store_rollback(d->store);
		schedule_why_empty(d, id, err, errlen);
		return 1;
	}
	st = store_stmt(d->store, "UPDATE campaigns SET status = "
	    "'running', started_at = ?2, updated_at = ?2, finished_at = NULL "
	    "WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_rollback(d->store);
		goto fail;
	}
	campaign_finish_done(d, id);
	if (store_commit(d->store) == -1)
		goto fail;
	log_info("campaign %lld launched: %lld recipients, %lld left out "
	    "(suppress_days %d)", (long long)id, (long long)*n,
	    (long long)*left, d->conf->suppress_days);
	pacer_kick(d);
	return 0;
fail:
	snprintf(err, errlen, "%s", store_errmsg(d->store));
	return -1;
}

/* Put scheduled campaign ID back to draft, saying why. */
static void
schedule_back_to_draft(struct daemon *d, int64_t id, const char *why)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "UPDATE campaigns SET status = 'draft', "
	    "updated_at = ?2 WHERE id = ?1 AND status = 'scheduled'");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, store_now());
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warnx("campaign %lld: back to draft: %s", (long long)id,
		    store_errmsg(d->store));
	sqlite3_reset(st);
	log_warnx("campaign %lld: its scheduled start found %s; it is a draft "
	    "again", (long long)id, why);
}

/* Launch every scheduled campaign whose start has come. */
static void
schedule_fire(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;
	sqlite3_stmt	*st;
	int64_t		 ids[32], n, left;
	char		 err[256];
	int		 nids = 0, i, rc, failed = 0;

	st = store_stmt(d->store, "SELECT id FROM campaigns WHERE status = "
	    "'scheduled' AND start_at <= ? ORDER BY start_at, id LIMIT 32");
	sqlite3_bind_int64(st, 1, (int64_t)clock_now());
	while (sqlite3_step(st) == SQLITE_ROW && nids < 32)
		ids[nids++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (i = 0; i < nids; i++) {
		rc = schedule_launch(d, ids[i], &n, &left, err, sizeof err);
		if (rc == 1)
			schedule_back_to_draft(d, ids[i], err);
		else if (rc == -1) {
			log_warnx("campaign %lld: scheduled start failed, "
			    "trying again in %ds: %s", (long long)ids[i],
			    SCHEDULE_RETRY, err);
			failed = 1;
		}
		notify_campaign(d, ids[i]);
	}
	if (failed) {
		struct timeval	 tv = { SCHEDULE_RETRY, 0 };

		evtimer_add(sched_ev, &tv);
		return;
	}
	schedule_arm(d);
}

void
schedule_arm(struct daemon *d)
{
	sqlite3_stmt	*st;
	struct timeval	 tv = { 0, 0 };
	int64_t		 next = -1, wait;

	if (sched_ev == NULL &&
	    (sched_ev = evtimer_new(d->base, schedule_fire, d)) == NULL) {
		log_warnx("schedule: no timer");
		return;
	}
	st = store_stmt(d->store, "SELECT min(start_at) FROM campaigns "
	    "WHERE status = 'scheduled'");
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		next = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	evtimer_del(sched_ev);
	if (next < 0)
		return;
	wait = next - (int64_t)clock_now();
	if (wait > SCHEDULE_MAX_WAIT)
		wait = SCHEDULE_MAX_WAIT;
	tv.tv_sec = wait > 0 ? (time_t)wait : 0;
	evtimer_add(sched_ev, &tv);
}

void
schedule_shutdown(struct daemon *d)
{
	if (sched_ev != NULL)
		event_free(sched_ev);
	sched_ev = NULL;
}
