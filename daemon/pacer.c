#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>

#include "campaign.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "monitor.h"
#include "pacer.h"
#include "webhook.h"
#include "provider.h"
#include "store.h"
#include "xmalloc.h"

#define DIRTY_MAX	64
#define NOTIFY_MS	250
#define RATE_WINDOW	20	/* sends the error rate is taken over */
#define RATE_ALERT	10	/* percent: the breaker opens above it */

enum pause_kind {
	PAUSE_NONE = 0,
	PAUSE_UNUSABLE,		/* 401/403: until SIGHUP */
	PAUSE_PAYMENT,		/* 402: until SIGHUP */
	PAUSE_BREAKER,		/* failure run: until breaker_until */
};

/* One lane: the configured device. */
struct pacer {
	struct daemon	*d;
	struct event	*ev;		/* the next due time */
	struct event	*ev_notify;	/* throttled progress events */
	int		 inflight;
	int64_t		 cur_id;	/* the message in flight */
	int64_t		 cur_campaign;
	int		 cur_type;
	int		 cur_attempts;
	char		 cur_day[11];	/* the day its reservation was taken */
	uint64_t	 last_post_ms;	/* monotonic, 0: never */
	uint64_t	 gap_ms;	/* interval + jitter drawn at that post */
	int		 batch_pos;
	int		 failures;	/* consecutive transient failures */
	unsigned char	 recent[RATE_WINDOW]; /* 1: that send failed */
	int		 nrecent, recent_pos, recent_failed;
	char		 last_error[256];	/* of the last failed send */
	int		 pause;
	uint64_t	 breaker_until;
	char		 state[24];
	char		 reason[200];
	time_t		 next_at;	/* wall clock of the next send, 0: none */
	int64_t		 dirty[DIRTY_MAX];
	int		 ndirty;
	int		 all_dirty;
};

static void	pacer_run(struct pacer *);

static void
set_state(struct pacer *p, const char *state, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
set_state(struct pacer *p, const char *state, const char *fmt, ...)
{
	va_list	 ap;
	char	 reason[sizeof p->reason];
	int	 changed;

	reason[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(reason, sizeof reason, fmt, ap);
		va_end(ap);
	}
	changed = strcmp(p->state, state) != 0 || strcmp(p->reason, reason) != 0;
	snprintf(p->state, sizeof p->state, "%s", state);
	memcpy(p->reason, reason, sizeof reason);
	if (changed) {
		if (*reason != '\0')
			log_info("lane %s: %s", state, reason);
		p->all_dirty = 1;
		if (!evtimer_pending(p->ev_notify, NULL)) {
			struct timeval tv = { 0, NOTIFY_MS * 1000 };
			evtimer_add(p->ev_notify, &tv);
		}
	}
}

static void
arm(struct pacer *p, uint64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_del(p->ev);
	evtimer_add(p->ev, &tv);
	p->next_at = clock_now() + (time_t)((ms + 999) / 1000);
}

static void
timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	pacer_run(arg);
}

static void
notify_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct pacer	*p = arg;
	struct daemon	*d = p->d;
	char		 topic[40];
	json_t		*j;
	int		 i;

	for (i = 0; i < p->ndirty; i++) {
		snprintf(topic, sizeof topic, "campaign:%lld",
		    (long long)p->dirty[i]);
		if (ctl_listening(d, topic) &&
		    (j = campaign_progress(d, p->dirty[i])) != NULL)
			ctl_event(d, topic, "campaign.progress", j);
	}
	p->ndirty = 0;
	p->all_dirty = 0;
	monitor_notify(d);
}

void
pacer_dirty(struct daemon *d, int64_t id)
{
	struct pacer	*p = d->pacer;
	struct timeval	 tv = { 0, NOTIFY_MS * 1000 };
	int		 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->ndirty; i++)
		if (p->dirty[i] == id)
			break;
	if (i == p->ndirty && p->ndirty < DIRTY_MAX)
		p->dirty[p->ndirty++] = id;
	if (!evtimer_pending(p->ev_notify, NULL))
		evtimer_add(p->ev_notify, &tv);
}

static int
in_window(const struct config *c, const struct tm *tm)
{
	int	 m = tm->tm_hour * 60 + tm->tm_min;

	if (!(c->days & (1 << tm->tm_wday)))
		return 0;
	if (c->window_start < 0)
		return 1;
	if (c->window_start < c->window_end)
		return m >= c->window_start && m < c->window_end;
	return m >= c->window_start || m < c->window_end;
}

/* Seconds from NOW until sending is allowed again (0: now; -1: never). */
static long
window_wait(const struct config *c, time_t now)
{
	struct tm	 tm;
	time_t		 t;

	localtime_r(&now, &tm);
	if (in_window(c, &tm))
		return 0;
	/* Minute steps over a week: cheap, and right across DST changes. */
	t = now - tm.tm_sec + 60;
	for (; t < now + 8 * 86400; t += 60) {
		localtime_r(&t, &tm);
		if (in_window(c, &tm))
			return (long)(t - now);
	}
	return -1;
}

/* Seconds from NOW to the next local midnight. */
static long
to_midnight(time_t now)
{
	struct tm	 tm;
	time_t		 t;

	localtime_r(&now, &tm);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return t > now ? (long)(t - now) : 1;
}

static long
sent_on(struct daemon *d, const char *day)
{
	sqlite3_stmt	*st;
	long		 n = 0;

	st = store_stmt(d->store, "SELECT sent FROM daily_usage WHERE day = ?");
	sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

static void	send_done(struct daemon *, int64_t, struct provider_result *);

/* Claim message ID (sending, attempt, reference, day reserved) and post it. */
static int
claim_and_post(struct pacer *p, int64_t id, const char *day)
{
	struct daemon		*d = p->d;
	struct provider_msg	 pm;
	struct provider_result	 res;
	sqlite3_stmt		*st;
	char			*phone = NULL, *body = NULL, *ref = NULL;
	int64_t			 now = store_now();

	if (store_begin(d->store) == -1)
		return -1;
	st = store_stmt(d->store, "UPDATE messages SET state = 'sending', "
	    "attempts = attempts + 1, reference = 'wacamp-' || id || '-' || "
	    "(attempts + 1), updated_at = ?2 WHERE id = ?1 AND "
	    "state = 'pending' RETURNING campaign_id, message_type, phone, "
	    "body, reference, attempts");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		store_rollback(d->store);
		return -1;
	}
	p->cur_id = id;
	p->cur_campaign = sqlite3_column_int64(st, 0);
	p->cur_type = sqlite3_column_int(st, 1);
	phone = xstrdup((const char *)sqlite3_column_text(st, 2));
	body = xstrdup((const char *)sqlite3_column_text(st, 3));
	ref = xstrdup((const char *)sqlite3_column_text(st, 4));
	p->cur_attempts = sqlite3_column_int(st, 5);
	sqlite3_step(st);
	sqlite3_reset(st);
	st = store_stmt(d->store, "UPDATE campaigns SET pending = pending - 1, "
	    "sending = sending + 1 WHERE id = ?");
	sqlite3_bind_int64(st, 1, p->cur_campaign);
	sqlite3_step(st);
	sqlite3_reset(st);
	st = store_stmt(d->store, "INSERT INTO daily_usage (day, sent, m1, m2) "
	    "VALUES (?1, 1, ?2 = 1, ?2 = 2) ON CONFLICT (day) DO UPDATE SET "
	    "sent = sent + 1, m1 = m1 + excluded.m1, m2 = m2 + excluded.m2");
	sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, p->cur_type);
	sqlite3_step(st);
	sqlite3_reset(st);
	if (store_commit(d->store) == -1) {
		store_rollback(d->store);
		free(phone);
		free(body);
		free(ref);
		return -1;
	}
	memcpy(p->cur_day, day, sizeof p->cur_day);
	p->inflight = 1;
	pm.id = id;
	pm.phone = phone;
	pm.body = body;
	pm.reference = ref;
	log_debug("posting message %lld (%s)", (long long)id, ref);
	if (d->provider->send(d->provider, &pm, send_done) == -1) {
		memset(&res, 0, sizeof res);
		res.outcome = PROV_NOT_TAKEN;
		snprintf(res.error, sizeof res.error, "the provider could not "
		    "start the request");
		send_done(d, id, &res);
	}
	free(phone);
	free(body);
	free(ref);
	return 0;
}

/* Release the day reservation of the message in flight. */
static void
release_day(struct pacer *p, int failed)
{
	sqlite3_stmt	*st;

	st = store_stmt(p->d->store, "UPDATE daily_usage SET sent = sent - 1, "
	    "m1 = m1 - (?2 = 1), m2 = m2 - (?2 = 2), failed = failed + ?3 "
	    "WHERE day = ?1");
	sqlite3_bind_text(st, 1, p->cur_day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, p->cur_type);
	sqlite3_bind_int(st, 3, failed);
	sqlite3_step(st);
	sqlite3_reset(st);
}

/* Move the message in flight from sending to STATE, counters alike. */
static void
settle(struct pacer *p, const char *state, const char *error, int64_t next_at,
    int undo_attempt)
{
	sqlite3_stmt	*st;

	st = store_stmt(p->d->store, "UPDATE messages SET state = ?2, "
	    "error = ?3, next_at = ?4, attempts = attempts - ?5, "
	    "updated_at = ?6 WHERE id = ?1 AND state = 'sending'");
	sqlite3_bind_int64(st, 1, p->cur_id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	if (error != NULL)
		sqlite3_bind_text(st, 3, error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, next_at);
	sqlite3_bind_int(st, 5, undo_attempt);
	sqlite3_bind_int64(st, 6, store_now());
	sqlite3_step(st);
	sqlite3_reset(st);
	if (sqlite3_changes(store_db(p->d->store)) == 0)
		return;
	st = store_stmt(p->d->store, "UPDATE campaigns SET sending = "
	    "sending - 1, pending = pending + (?2 = 'pending'), "
	    "failed = failed + (?2 = 'failed') WHERE id = ?1");
	sqlite3_bind_int64(st, 1, p->cur_campaign);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_reset(st);
}

static void
mark_sent(struct pacer *p, struct provider_result *res)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(p->d->store, "UPDATE messages SET state = 'sent', "
	    "wass_id = nullif(?2, ''), wa_id = nullif(?3, ''), error = NULL, "
	    "sent_at = ?4, updated_at = ?4 WHERE id = ?1 AND "
	    "state = 'sending'");
	sqlite3_bind_int64(st, 1, p->cur_id);
	sqlite3_bind_text(st, 2, res->wass_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, res->wa_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, store_now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		/* An id already stored elsewhere: keep the state, drop ids. */
		log_warnx("message %lld: storing ids %s/%s: %s",
		    (long long)p->cur_id, res->wass_id, res->wa_id,
		    store_errmsg(p->d->store));
		res->wass_id[0] = res->wa_id[0] = '\0';
		st = store_stmt(p->d->store, "UPDATE messages SET state = "
		    "'sent', sent_at = ?2, updated_at = ?2 WHERE id = ?1 AND "
		    "state = 'sending'");
		sqlite3_bind_int64(st, 1, p->cur_id);
		sqlite3_bind_int64(st, 2, store_now());
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	if (sqlite3_changes(store_db(p->d->store)) == 0)
		return;
	st = store_stmt(p->d->store, "UPDATE campaigns SET sending = "
	    "sending - 1, sent = sent + 1 WHERE id = ?");
	sqlite3_bind_int64(st, 1, p->cur_campaign);
	sqlite3_step(st);
	sqlite3_reset(st);
	/* Acks that came before this reply wait in the journal: apply them. */
	webhook_message_known(p->d, p->cur_id);
}

/* Count a send's outcome among the last RATE_WINDOW. */
static void
rate_add(struct pacer *p, const struct provider_result *res, int failed)
{
	if (failed)
		snprintf(p->last_error, sizeof p->last_error, "%s",
		    res->error);
	if (p->nrecent == RATE_WINDOW)
		p->recent_failed -= p->recent[p->recent_pos];
	else
		p->nrecent++;
	p->recent[p->recent_pos] = (unsigned char)failed;
	p->recent_failed += failed;
	p->recent_pos = (p->recent_pos + 1) % RATE_WINDOW;
}

/*
 * The circuit breaker: a run of breaker_failures transient failures, or
 * more than RATE_ALERT percent of the last RATE_WINDOW sends failed (a
 * list of dead numbers, Wassenger refusing), pauses the lane for a
 * batch_pause. Carrying on is what gets a number banned. breaker_failures
 * = 0 turns both off.
 */
static void
breaker_check(struct pacer *p)
{
	const struct config	*c = p->d->conf;
	int			 run, rate;

	if (p->pause != PAUSE_NONE || c->breaker_failures == 0)
		return;
	run = p->failures >= c->breaker_failures;
	rate = p->nrecent == RATE_WINDOW &&
	    p->recent_failed * 100 > RATE_ALERT * RATE_WINDOW;
	if (!run && !rate)
		return;
	p->pause = PAUSE_BREAKER;
	p->breaker_until = clock_mono_ms() + c->batch_pause_ms;
	if (run)
		set_state(p, "paused", "circuit breaker: %d failures in a row, "
		    "last: %s", p->failures, p->last_error);
	else
		set_state(p, "paused", "circuit breaker: %d of the last %d "
		    "sends failed (over %d%%), last: %s", p->recent_failed,
		    RATE_WINDOW, RATE_ALERT, p->last_error);
	log_warnx("sending paused for %llu s: %s",
	    (unsigned long long)(c->batch_pause_ms / 1000), p->reason);
	p->failures = 0;
	p->nrecent = p->recent_pos = p->recent_failed = 0;
}

static void
send_done(struct daemon *d, int64_t id, struct provider_result *res)
{
	struct pacer	*p = d->pacer;
	const struct config *c = d->conf;
	char		 why[300];
	uint64_t	 backoff;
	int64_t		 next;
	int		 i;

	if (p == NULL || !p->inflight || id != p->cur_id) {
		log_warnx("send result for message %lld nobody waits for",
		    (long long)id);
		return;
	}
	p->inflight = 0;
	if (store_begin(d->store) == -1) {
		log_warnx("message %lld: cannot record the result: %s",
		    (long long)id, store_errmsg(d->store));
		return;
	}
	switch (res->outcome) {
	case PROV_SENT:
		mark_sent(p, res);
		p->failures = 0;
		rate_add(p, res, 0);
		log_debug("message %lld sent: %s %s", (long long)id,
		    res->wass_id, res->wa_id);
		break;
	case PROV_UNKNOWN:
		p->failures++;
		rate_add(p, res, 1);
		settle(p, "unknown", res->error, 0, 0);
		log_warnx("message %lld: %s: maybe taken, not re-sent",
		    (long long)id, res->error);
		break;
	case PROV_NOT_TAKEN:
	case PROV_RATE_LIMITED:
		p->failures++;
		rate_add(p, res, 1);
		release_day(p, p->cur_attempts >= c->max_attempts);
		if (p->cur_attempts >= c->max_attempts) {
			snprintf(why, sizeof why, "%s (gave up after %d "
			    "attempts)", res->error, p->cur_attempts);
			settle(p, "failed", why, 0, 0);
			log_info("message %lld failed: %s", (long long)id, why);
		} else {
			backoff = c->backoff_ms;
			for (i = 1; i < p->cur_attempts && backoff <
			    UINT64_C(86400000); i++)
				backoff *= 2;
			next = (int64_t)clock_now() +
			    (int64_t)((backoff + 999) / 1000);
			settle(p, "pending", res->error, next, 0);
			log_info("message %lld: %s; retry in %llu ms",
			    (long long)id, res->error,
			    (unsigned long long)backoff);
		}
		break;
	case PROV_REFUSED:
		rate_add(p, res, 1);
		release_day(p, 1);
		settle(p, "failed", res->error, 0, 0);
		log_info("message %lld failed: %s", (long long)id, res->error);
		break;
	case PROV_CONFIG:
		release_day(p, 0);
		settle(p, "pending", NULL, 0, 1);
		p->pause = PAUSE_UNUSABLE;
		set_state(p, "paused", "%s; fix it and reload (SIGHUP)",
		    res->error);
		log_warnx("sending paused: %s", res->error);
		break;
	}
	campaign_finish_done(d, p->cur_campaign);
	if (store_commit(d->store) == -1) {
		log_warnx("message %lld: commit: %s", (long long)id,
		    store_errmsg(d->store));
		store_rollback(d->store);
	}
	pacer_dirty(d, p->cur_campaign);
	breaker_check(p);
	pacer_kick(d);
}

static void
pacer_run(struct pacer *p)
{
	struct daemon		*d = p->d;
	const struct config	*c = d->conf;
	sqlite3_stmt		*st;
	char			 day[11];
	time_t			 now = clock_now();
	uint64_t		 nowms = clock_mono_ms(), earliest, gap;
	int64_t			 id = 0, next = 0;
	long			 w;

	p->next_at = 0;
	if (p->inflight || d->provider == NULL)
		return;
	if (p->pause == PAUSE_BREAKER && nowms >= p->breaker_until)
		p->pause = PAUSE_NONE;
	if (p->pause != PAUSE_NONE) {
		if (p->pause == PAUSE_BREAKER)
			arm(p, p->breaker_until - nowms);
		return;
	}
	if (d->provider->online == 0) {
		set_state(p, "paused", "device offline: %s", d->provider->health);
		return;
	}
	if ((w = window_wait(c, now)) != 0) {
		if (w < 0)
			set_state(p, "waiting window", "no sending day is set");
		else {
			set_state(p, "waiting window", "outside the sending "
			    "window or days");
			arm(p, (uint64_t)w * 1000);
		}
		return;
	}
	clock_day(now, day);
	if (sent_on(d, day) >= c->daily_limit) {
		set_state(p, "blocked", "daily limit of %d reached for %s",
		    c->daily_limit, day);
		arm(p, (uint64_t)to_midnight(now) * 1000);
		return;
	}
	/* Message 2 before Message 1, then the oldest. */
	st = store_stmt(d->store, "SELECT m.id FROM messages m JOIN campaigns "
	    "k ON k.id = m.campaign_id WHERE m.state = 'pending' AND "
	    "k.status = 'running' AND m.next_at <= ? "
	    "ORDER BY m.message_type DESC, m.id LIMIT 1");
	sqlite3_bind_int64(st, 1, (int64_t)now);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id == 0) {
		st = store_stmt(d->store, "SELECT min(m.next_at) FROM messages "
		    "m JOIN campaigns k ON k.id = m.campaign_id WHERE "
		    "m.state = 'pending' AND k.status = 'running'");
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL)
			next = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (next > 0) {
			set_state(p, "running", "waiting for retries");
			arm(p, (uint64_t)(next - (int64_t)now) * 1000);
		} else
			set_state(p, "idle", NULL);
		return;
	}
	if (p->last_post_ms != 0) {
		gap = p->gap_ms;
		if (p->batch_pos >= c->batch_size && c->batch_pause_ms > gap)
			gap = c->batch_pause_ms;
		earliest = p->last_post_ms + gap;
		if (nowms < earliest) {
			set_state(p, "running", p->batch_pos >= c->batch_size ?
			    "batch pause" : NULL);
			arm(p, earliest - nowms);
			return;
		}
	}
	if (p->batch_pos >= c->batch_size)
		p->batch_pos = 0;
	set_state(p, "running", NULL);
	if (claim_and_post(p, id, day) == -1) {
		log_warnx("cannot claim message %lld: %s", (long long)id,
		    store_errmsg(d->store));
		arm(p, 1000);
		return;
	}
	p->last_post_ms = nowms;
	p->batch_pos++;
	p->gap_ms = c->interval_ms + (c->jitter_ms > 0 ?
	    (uint64_t)arc4random_uniform((uint32_t)c->jitter_ms + 1) : 0);
}

void
pacer_kick(struct daemon *d)
{
	struct pacer	*p = d->pacer;
	struct timeval	 tv = { 0, 0 };

	if (p == NULL || p->inflight)
		return;
	evtimer_del(p->ev);
	evtimer_add(p->ev, &tv);
}

/* Messages left in "sending" by a crash: sent if ids were stored, else unknown. */
static void
reconcile(struct daemon *d)
{
	sqlite3_stmt	*st;
	json_t		*ids = json_array(), *v;
	size_t		 i;

	st = store_stmt(d->store, "SELECT DISTINCT campaign_id FROM messages "
	    "WHERE state = 'sending'");
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(ids, json_integer(
		    sqlite3_column_int64(st, 0)));
	sqlite3_reset(st);
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		return;
	}
	store_begin(d->store);
	st = store_stmt(d->store, "UPDATE messages SET state = CASE WHEN "
	    "wa_id IS NOT NULL OR wass_id IS NOT NULL THEN 'sent' ELSE "
	    "'unknown' END, error = CASE WHEN wa_id IS NOT NULL OR wass_id IS "
	    "NOT NULL THEN error ELSE 'the daemon stopped while the request "
	    "was in flight; not re-sent (retry include_unknown to send it)' "
	    "END, updated_at = ? WHERE state = 'sending'");
	sqlite3_bind_int64(st, 1, store_now());
	sqlite3_step(st);
	sqlite3_reset(st);
	log_warnx("%d message(s) were in flight at the last stop: marked "
	    "unknown unless already acknowledged",
	    sqlite3_changes(store_db(d->store)));
	json_array_foreach(ids, i, v)
		campaign_recount(d, json_integer_value(v));
	if (store_commit(d->store) == -1)
		store_rollback(d->store);
	json_decref(ids);
}

int
pacer_start(struct daemon *d)
{
	struct pacer	*p;

	p = xcalloc(1, sizeof *p);
	p->d = d;
	p->ev = evtimer_new(d->base, timer_cb, p);
	p->ev_notify = evtimer_new(d->base, notify_cb, p);
	snprintf(p->state, sizeof p->state, "idle");
	d->pacer = p;
	if (d->provider != NULL)
		d->provider->on_health = pacer_health;
	reconcile(d);
	pacer_kick(d);
	return 0;
}

void
pacer_stop(struct daemon *d)
{
	struct pacer	*p = d->pacer;

	if (p == NULL)
		return;
	event_free(p->ev);
	event_free(p->ev_notify);
	free(p);
	d->pacer = NULL;
}

void
pacer_reload(struct daemon *d)
{
	struct pacer	*p = d->pacer;

	if (p == NULL)
		return;
	if (p->pause != PAUSE_NONE)
		log_info("reload: sending resumes (%s)", p->reason);
	p->pause = PAUSE_NONE;
	p->failures = 0;
	set_state(p, "idle", NULL);
	pacer_kick(d);
}

void
pacer_health(struct daemon *d)
{
	struct pacer	*p = d->pacer;

	if (p == NULL)
		return;
	p->all_dirty = 1;
	pacer_kick(d);
}

json_t *
pacer_lanes(struct daemon *d)
{
	struct pacer	*p = d->pacer;
	struct provider	*pv = d->provider;
	json_t		*lanes = json_array();

	if (p == NULL)
		return lanes;
	json_array_append_new(lanes, json_pack("{s:s,s:s,s:s,s:o,s:i,s:i,"
	    "s:b,s:i,s:s,s:o,s:s}",
	    "device", d->conf->device_id ? d->conf->device_id :
	    (pv ? pv->name : "none"),
	    "state", p->state, "reason", p->reason,
	    "next_send_at", p->next_at ? json_integer(p->next_at) :
	    json_null(),
	    "batch_position", p->batch_pos, "batch_size", d->conf->batch_size,
	    "in_flight", p->inflight, "consecutive_failures", p->failures,
	    "provider", pv ? pv->name : "none",
	    "provider_online", pv == NULL || pv->online < 0 ? json_null() :
	    json_boolean(pv->online),
	    "provider_health", pv ? pv->health : ""));
	return lanes;
}

double
pacer_eta(struct daemon *d, long pending)
{
	const struct config *c = d->conf;
	char		 day[11];
	time_t		 now = clock_now();
	double		 per, t;
	long		 left, today;

	if (pending <= 0)
		return 0;
	per = (double)c->interval_ms / 1000.0 + (double)c->jitter_ms / 2000.0;
	t = per * (double)pending;
	if (c->batch_size > 0)
		t += (double)(pending / c->batch_size) *
		    (double)c->batch_pause_ms / 1000.0;
	clock_day(now, day);
	left = c->daily_limit - sent_on(d, day);
	today = left > 0 ? left : 0;
	if (pending > today && c->daily_limit > 0)
		t += (double)to_midnight(now) + 86400.0 *
		    floor((double)(pending - today - 1) /
		    (double)c->daily_limit);
	return t;
}
