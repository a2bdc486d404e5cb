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
#include "i18n.h"
#include "duration.h"
#include "lane.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "pacer.h"
#include "webhook.h"
#include "provider.h"
#include "store.h"
#include "xmalloc.h"

/* Reconciliation's reach back in time (DESIGN §6: claim + 24 h). */
#define RECONCILE_WINDOW (24 * 3600)
/* Unknown messages are looked up after [retry] lookup_after, the same one
 * again after LOOKUP_AGAIN seconds, at most one every LOOKUP_GAP_MS. */
#define LOOKUP_AFTER	((int64_t)(p->d->conf->lookup_after_ms / 1000))
#define LOOKUP_AGAIN	(10 * LOOKUP_AFTER > 1800 ? 1800 : 10 * LOOKUP_AFTER)
#define LOOKUP_EVERY_MS	lookup_every(p)
#define LOOKUP_GAP_MS	(lookup_every(p) / 3)

enum pause_kind {
	PAUSE_NONE = 0,
	PAUSE_UNUSABLE,		/* 401/403/402, a device unknown: until SIGHUP
				   or devices.resume */
	PAUSE_BREAKER,		/* failure run: until breaker_until */
	PAUSE_GOVERNOR,		/* opt-outs: until devices.resume (kept in
				   lane_pauses across restarts) */
};

/*
 * One lane: one device, with its own clock of gap, batch, pause, daily
 * cap, window and warm-up (DESIGN §6). A message is bound to a lane when
 * the lane claims it, so a lane that is paused or capped never holds the
 * others back.
 */
struct plane {
	struct pacer	*p;
	char		 name[40];
	char		*device_id;	/* NULL: the provider's own (simulator) */
	struct pacing	 pc;		/* its pacing, a copy of the config's */
	int		 is_default;
	int		 gone;		/* no longer configured: claims nothing */
	struct event	*ev;		/* the next due time */
	int		 inflight;
	int64_t		 cur_id;	/* the message in flight */
	int64_t		 cur_campaign;
	int		 cur_type;
	int		 cur_attempts;
	char		 cur_day[11];	/* the day its reservation was taken */
	struct lane	 lane;		/* gap, batch, breaker, holds */
	int		 pause;
	char		 state[24];
	char		 reason[240];
	time_t		 next_at;	/* wall clock of the next send, 0: none */
	struct provider_result held;	/* the outcome being stored */
	const char	*hold_why;	/* why lane.hold_until holds it */
	struct event	*ev_store;	/* retry storing it */
	int		 store_failures;
	uint64_t	 store_backoff_ms;
	int		 gov;		/* LANE_GOV_* at the last claim */
	char		 gov_why[200];
	long		 gov_n, gov_optouts;
	int64_t		 gov_since;	/* the governor judges Message 1s
					   claimed after (the last resume) */
};

struct pacer {
	struct daemon	*d;
	struct plane	**lanes;	/* [0] is the default lane */
	size_t		 nlanes;
	char		*others;	/* ",id,id," the non-default lanes' ids */
	/* 429/503: every lane on the API key waits (monotonic ms). */
	uint64_t	 key_hold_until;
	const char	*key_hold_why;
	struct event	*ev_lookup;	/* look unknown messages up */
	int		 lookup_inflight;
	/* What a lane's turn costs (it must not grow with the history). */
	uint64_t	 ticks;
	double		 tick_ms, tick_max_ms;
	/* The most SQLite steps one pick took: a count, not a time, that
	 * follows what the pick reads (the tests hold it to that). */
	int64_t		 pick_steps_max;
};

static void	lane_run(struct plane *);
static void	result_settle(struct plane *);
static void	lookup_arm(struct pacer *, uint64_t);

static void
set_state(struct plane *p, const char *state, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
set_state(struct plane *p, const char *state, const char *fmt, ...)
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
			log_info("lane %s %s: %s", p->name, state, reason);
		notify_monitor(p->p->d);
	}
}

static void
arm(struct plane *p, uint64_t ms)
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
	lane_run(arg);
}

static void	send_done(struct daemon *, int64_t, struct provider_result *);

/*
 * Claim message ID (sending, attempt, reference, day reserved) in its own
 * transaction, then post it. 1 posted, 0 nothing to claim, -1 the store
 * refused.
 */
static int
claim_and_post(struct plane *p, int64_t id, const char *day)
{
	struct daemon		*d = p->p->d;
	struct provider_msg	 pm;
	struct provider_result	 res;
	struct ob_claim		 c;
	int			 r;

	if (store_begin(d->store) == -1)
		return -1;
	if ((r = outbox_claim(d, id, day, p->name, p->device_id, &c)) != 1) {
		store_rollback(d->store);
		return r;
	}
	if (store_commit(d->store) == -1) {
		store_rollback(d->store);
		outbox_claim_free(&c);
		return -1;
	}
	p->cur_id = id;
	p->cur_campaign = c.campaign;
	p->cur_type = c.type;
	p->cur_attempts = c.attempts;
	memcpy(p->cur_day, day, sizeof p->cur_day);
	p->inflight = 1;
	pm.id = id;
	pm.phone = c.phone;
	pm.body = c.body;
	pm.reference = c.reference;
	pm.device = p->device_id;
	log_debug("lane %s: posting message %lld (%s)", p->name, (long long)id,
	    c.reference);
	if (d->provider->send(d->provider, &pm, send_done) == -1) {
		memset(&res, 0, sizeof res);
		res.outcome = PROV_NOT_TAKEN;
		snprintf(res.error, sizeof res.error, "the provider could not "
		    "start the request");
		send_done(d, id, &res);
	}
	outbox_claim_free(&c);
	return 1;
}

/* The wait after the ATTEMPTS-th post was not taken: backoff, doubled. */
static uint64_t
backoff_ms(const struct config *c, int attempts)
{
	uint64_t	 b = c->backoff_ms;
	int		 i;

	for (i = 1; i < attempts && b < UINT64_C(86400000); i++)
		b *= 2;
	return b;
}

/*
 * Record the outcome of the send in flight, in one transaction (DESIGN §6:
 * only outcomes that prove Wassenger did not take it go back to pending).
 */
static int
store_result(struct plane *p, struct provider_result *res)
{
	struct daemon	*d = p->p->d;
	const struct config *c = d->conf;
	char		 why[320];
	uint64_t	 backoff;
	int64_t		 next, id = p->cur_id;
	int		 r = 0;

	if (store_begin(d->store) == -1)
		return -1;
	switch (res->outcome) {
	case PROV_SENT:
		r = outbox_sent(d, id, res->wass_id, res->wa_id, res->device,
		    NULL);
		/* Acks that came before this reply wait in the journal. */
		if (r == 1)
			webhook_message_known(d, id);
		break;
	case PROV_UNKNOWN:
		snprintf(why, sizeof why, "%s; maybe taken by Wassenger, not "
		    "re-sent", res->error);
		r = outbox_unknown(d, id, why);
		break;
	case PROV_NOT_TAKEN:
		if (p->cur_attempts >= c->max_attempts) {
			snprintf(why, sizeof why, "%s (gave up after %d "
			    "attempts)", res->error, p->cur_attempts);
			r = outbox_fail(d, id, why, NULL);
			break;
		}
		backoff = backoff_ms(c, p->cur_attempts);
		next = (int64_t)clock_now() + (int64_t)((backoff + 999) / 1000);
		r = outbox_requeue(d, id, res->error, next, 1);
		break;
	case PROV_RATE_LIMITED:
		r = outbox_requeue(d, id, res->error, 0, 0);
		break;
	case PROV_REFUSED:
		r = outbox_fail(d, id, res->error, NULL);
		break;
	case PROV_CONFIG:
		r = outbox_requeue(d, id, res->error, 0, 0);
		break;
	}
	if (r == -1) {
		store_rollback(d->store);
		return -1;
	}
	campaign_finish_done(d, p->cur_campaign);
	if (store_commit(d->store) == -1) {
		store_rollback(d->store);
		return -1;
	}
	return 0;
}

/* The lane's reaction to a stored outcome: breaker, holds, pauses. */
static void
lane_outcome(struct plane *p, struct provider_result *res)
{
	struct daemon	*d = p->p->d;
	const struct config *c = d->conf;
	struct pacer	*pc = p->p;
	int64_t		 id = p->cur_id;
	uint64_t	 hold;
	char		 why[sizeof p->reason];

	switch (res->outcome) {
	case PROV_SENT:
		lane_result(&p->lane, LANE_OK, NULL);
		log_debug("message %lld sent: %s %s", (long long)id,
		    res->wass_id, res->wa_id);
		break;
	case PROV_UNKNOWN:
		/* It may have gone out: it counts as a failure. */
		lane_result(&p->lane, LANE_FAIL, res->error);
		log_warnx("message %lld: %s: maybe taken, never re-sent by "
		    "itself", (long long)id, res->error);
		webhook_reconcile_waiting(d, store_now() - 120 -
		    (int64_t)(c->timeout_ms / 1000));
		if (!evtimer_pending(pc->ev_lookup, NULL))
			lookup_arm(pc, c->lookup_after_ms);
		break;
	case PROV_NOT_TAKEN:
		/* The API is unreachable: the next message would fare no
		 * better, so the lane waits as long as this one does. */
		lane_result(&p->lane, LANE_FAIL, res->error);
		hold = backoff_ms(c, p->cur_attempts);
		p->lane.hold_until = clock_mono_ms() + hold;
		p->hold_why = "Wassenger unreachable: waiting before the next "
		    "post";
		log_info("message %lld not taken: %s; sending waits %llu ms",
		    (long long)id, res->error, (unsigned long long)hold);
		break;
	case PROV_RATE_LIMITED:
		/* No attempt spent; every lane on the key waits. */
		hold = res->retry_after_ms > 0 ?
		    (uint64_t)res->retry_after_ms : c->backoff_ms;
		if (clock_mono_ms() + hold > pc->key_hold_until)
			pc->key_hold_until = clock_mono_ms() + hold;
		pc->key_hold_why = "Wassenger asked to wait (rate limit); "
		    "every lane on the API key waits";
		log_info("message %lld: %s; every lane waits %llu ms",
		    (long long)id, res->error, (unsigned long long)hold);
		break;
	case PROV_REFUSED:
		lane_result(&p->lane, LANE_REFUSED, res->error);
		log_info("message %lld failed: %s", (long long)id, res->error);
		break;
	case PROV_CONFIG:
		p->pause = PAUSE_UNUSABLE;
		set_state(p, "paused", "%s; fix it and reload (SIGHUP)",
		    res->error);
		log_warnx("lane %s paused: %s", p->name, res->error);
		break;
	}
	if (p->pause == PAUSE_NONE && lane_breaker(&p->lane, &p->pc,
	    clock_mono_ms(), why, sizeof why) != 0) {
		p->pause = PAUSE_BREAKER;
		set_state(p, "paused", "%s", why);
		log_warnx("lane %s paused for %llu s: %s", p->name,
		    (unsigned long long)(p->pc.batch_pause_ms / 1000), why);
	}
}

static void
store_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	result_settle(arg);
}

/*
 * Store the outcome held in p->held. The lane stays busy until it is
 * stored: when the store refuses (disk full, a lock), the outcome is kept
 * in memory and tried again after a growing backoff, so a reply carrying
 * Wassenger's ids is never dropped and nothing is claimed meanwhile.
 */
static void
result_settle(struct plane *p)
{
	struct daemon	*d = p->p->d;
	struct timeval	 tv;

	if (store_result(p, &p->held) == -1) {
		p->store_failures++;
		p->store_backoff_ms = p->store_backoff_ms == 0 ? 500 :
		    p->store_backoff_ms * 2;
		if (p->store_backoff_ms > 60000)
			p->store_backoff_ms = 60000;
		log_warnx("message %lld: cannot record the outcome: %s; kept, "
		    "trying again in %llu ms", (long long)p->cur_id,
		    store_errmsg(d->store),
		    (unsigned long long)p->store_backoff_ms);
		set_state(p, "paused", "the database refuses writes: %s",
		    store_errmsg(d->store));
		tv.tv_sec = (time_t)(p->store_backoff_ms / 1000);
		tv.tv_usec = (suseconds_t)(p->store_backoff_ms % 1000) * 1000;
		evtimer_add(p->ev_store, &tv);
		return;
	}
	if (p->store_failures > 0)
		log_info("message %lld: outcome recorded after %d failed "
		    "attempt(s)", (long long)p->cur_id, p->store_failures);
	p->store_failures = 0;
	p->store_backoff_ms = 0;
	p->inflight = 0;
	lane_outcome(p, &p->held);
	notify_campaign(d, p->cur_campaign);
	pacer_kick(d);
}

static void
send_done(struct daemon *d, int64_t id, struct provider_result *res)
{
	struct pacer	*pc = d->pacer;
	struct plane	*p = NULL;
	size_t		 i;

	for (i = 0; pc != NULL && i < pc->nlanes; i++)
		if (pc->lanes[i]->inflight && pc->lanes[i]->cur_id == id)
			p = pc->lanes[i];
	if (p == NULL) {
		log_warnx("send result for message %lld nobody waits for",
		    (long long)id);
		return;
	}
	p->held = *res;
	result_settle(p);
}

/* The lane's last Message 1s and their recipients who opted out since. */
static void
governor_read(struct plane *p)
{
	struct daemon	*d = p->p->d;
	sqlite3_stmt	*st;

	p->gov_n = p->gov_optouts = 0;
	if (p->pc.governor_window <= 0)
		return;
	st = store_stmt(d->store, "SELECT count(*), coalesce(sum(c.opted_out "
	    "= 1 AND c.opted_out_at >= m.claimed_at), 0) FROM (SELECT "
	    "contact_id, claimed_at FROM messages INDEXED BY messages_lane_m1 "
	    "WHERE lane = ?1 AND message_type = 1 AND lane IS NOT NULL AND "
	    "claimed_at > ?3 AND "
	    "state IN ('sent', 'delivered', 'read', 'unknown') ORDER BY "
	    "claimed_at DESC LIMIT ?2) m JOIN contacts c ON c.id = "
	    "m.contact_id");
	sqlite3_bind_text(st, 1, p->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, p->pc.governor_window);
	sqlite3_bind_int64(st, 3, p->gov_since);
	if (sqlite3_step(st) == SQLITE_ROW) {
		p->gov_n = sqlite3_column_int(st, 0);
		p->gov_optouts = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
}

/*
 * Keep a lane's governor pause across restarts, or (REASON NULL) the
 * time the operator resumed it: the governor then judges only the
 * Message 1s claimed since.
 */
static void
pause_store(struct plane *p, const char *reason)
{
	struct daemon	*d = p->p->d;
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "INSERT INTO lane_pauses (lane, reason, at) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (lane) DO UPDATE SET reason = "
	    "excluded.reason, at = excluded.at");
	if (reason != NULL)
		sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, p->gov_since);
	sqlite3_bind_text(st, 1, p->name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warnx("lane %s: cannot record its pause: %s", p->name,
		    store_errmsg(d->store));
	sqlite3_reset(st);
}

/*
 * What this lane may send: the messages of campaigns that name it (or
 * name none) and, of Message 2s, those pinned to its device (the default
 * lane also those pinned to a device no other lane has).
 */
#define LANE_MAY \
	"m.next_at <= ?1 AND (m.pin_device IS NULL OR m.pin_device = ?2 OR " \
	"(?3 AND instr(?4, ',' || m.pin_device || ',') = 0)) AND " \
	"(m.pin_device IS NOT NULL OR k.devices IS NULL OR " \
	"instr(',' || k.devices || ',', ',' || ?5 || ',') > 0) AND " \
	CAMPAIGN_OPEN

/* The campaign's own window is open at minute ?6 of the day (021). */
#define CAMPAIGN_OPEN \
	"(k.window_start IS NULL OR CASE WHEN k.window_start < " \
	"k.window_end THEN ?6 >= k.window_start AND ?6 < k.window_end " \
	"ELSE ?6 >= k.window_start OR ?6 < k.window_end END)"

/* The campaign lets lane ?5 send its Message 1s (Message 1 is never
 * pinned: outbox.c pins Message 2 only, to its Message 1's device). */
#define CAMPAIGN_LANE \
	"(k.devices IS NULL OR " \
	"instr(',' || k.devices || ',', ',' || ?5 || ',') > 0)"

/*
 * The next message for lane P: a test send first (an operator waits for
 * it on their phone), then Message 2 before Message 1, then the oldest.
 * A completed campaign still sends the Message 2 its late replies queue:
 * it stays completed (DESIGN §6). Walks of the queue's indexes, each
 * stopping at its first match, instead of sorting the whole queue at
 * each turn: the cost follows neither the history nor the queue's
 * length. Message 2 and Message 1 are looked for campaign by campaign:
 * the campaigns with nothing pending, those whose own window is closed
 * at this minute, and for Message 1 those which do not name this lane,
 * are set aside once, on the campaigns table (a few rows), before any
 * walk; each of the others gives its oldest eligible pending message of
 * the type from its index (messages_m2 for Message 2, (campaign_id,
 * state) for Message 1), and the oldest of those goes, as one walk in id
 * order over them all would give it. A closed campaign's thousands of
 * pending rows are never read. 0: nothing.
 */
static int64_t
lane_pick(struct plane *p, time_t now)
{
	static const char *const sql[] = {
		"SELECT m.id FROM campaigns k CROSS JOIN messages m "
		"INDEXED BY messages_campaign_state ON m.campaign_id = k.id "
		"WHERE k.test_user IS NOT NULL AND k.status = 'running' AND "
		"m.state = 'pending' AND " LANE_MAY " ORDER BY m.id LIMIT 1",
		"SELECT min((SELECT m.id FROM messages m INDEXED BY "
		"messages_m2 WHERE m.campaign_id = k.id AND m.state = "
		"'pending' AND m.message_type = 2 AND " LANE_MAY
		" ORDER BY m.id LIMIT 1)) FROM campaigns k WHERE "
		"k.status IN ('running', 'completed') AND k.pending > 0 AND "
		CAMPAIGN_OPEN,
		"SELECT min((SELECT m.id FROM messages m INDEXED BY "
		"messages_campaign_state WHERE m.campaign_id = k.id AND "
		"m.state = 'pending' AND m.message_type = 1 AND " LANE_MAY
		" ORDER BY m.id LIMIT 1)) FROM campaigns k WHERE "
		"k.status = 'running' AND k.test_user IS NULL AND "
		CAMPAIGN_OPEN " AND " CAMPAIGN_LANE,
	};
	struct pacer	*pc = p->p;
	sqlite3_stmt	*st;
	struct tm	 tm;
	int64_t		 id = 0, steps = 0;
	size_t		 i;

	localtime_r(&now, &tm);
	for (i = 0; i < sizeof sql / sizeof sql[0] && id == 0; i++) {
		st = store_stmt(pc->d->store, sql[i]);
		sqlite3_bind_int64(st, 1, (int64_t)now);
		if (p->device_id != NULL)
			sqlite3_bind_text(st, 2, p->device_id, -1,
			    SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_int(st, 3, p->is_default);
		sqlite3_bind_text(st, 4, pc->others, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, p->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 6, tm.tm_hour * 60 + tm.tm_min);
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		steps += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
		sqlite3_reset(st);
	}
	if (steps > pc->pick_steps_max)
		pc->pick_steps_max = steps;
	return id;
}

/*
 * Seconds until the first window opens of the running campaigns with
 * pending messages that only their own window holds back (0: none).
 */
static long
campaign_windows_wait(struct plane *p, time_t now)
{
	sqlite3_stmt	*st;
	long		 w, best = 0;

	st = store_stmt(p->p->d->store, "SELECT DISTINCT k.window_start, "
	    "k.window_end FROM campaigns k WHERE k.status = 'running' AND "
	    "k.window_start IS NOT NULL AND EXISTS (SELECT 1 FROM messages m "
	    "INDEXED BY messages_campaign_state WHERE m.campaign_id = k.id AND "
	    "m.state = 'pending') LIMIT 100");
	while (sqlite3_step(st) == SQLITE_ROW) {
		w = lane_window_wait_in(&p->pc, sqlite3_column_int(st, 0),
		    sqlite3_column_int(st, 1), now);
		if (w > 0 && (best == 0 || w < best))
			best = w;
	}
	sqlite3_reset(st);
	return best;
}

/* The health check's word on a [device] lane's device (NULL: none). */
static json_t *
lane_device(struct plane *p)
{
	struct provider	*pv = p->p->d->provider;

	if (pv == NULL || pv->devices == NULL || p->device_id == NULL)
		return NULL;
	return json_object_get(pv->devices, p->device_id);
}

/* Today's cap of the lane (warm-up included); *AGE its warm-up day. */
static long
lane_cap_today(const struct plane *p, time_t now, int *age)
{
	return lane_today_cap(&p->pc, lane_daynum(now), age);
}

static void	lane_turn(struct plane *);

/* One turn of a lane, timed for pacer_stats(). */
static void
lane_run(struct plane *p)
{
	struct pacer	*pc = p->p;
	double		 t0 = mono_ms(), t;

	lane_turn(p);
	t = mono_ms() - t0;
	pc->ticks++;
	pc->tick_ms += t;
	if (t > pc->tick_max_ms)
		pc->tick_max_ms = t;
}

static void
lane_turn(struct plane *p)
{
	struct pacer		*pc = p->p;
	struct daemon		*d = pc->d;
	const struct pacing	*c = &p->pc;
	sqlite3_stmt		*st;
	char			 day[11], why[200];
	time_t			 now = clock_now();
	uint64_t		 nowms = clock_mono_ms(), wait;
	int64_t			 id = 0, next = 0;
	long			 w, cap;
	int			 r, in_pause, age;
	json_t			*dv;

	p->next_at = 0;
	if (p->inflight || d->provider == NULL || p->gone)
		return;
	if (p->pause == PAUSE_BREAKER && nowms >= p->lane.breaker_until)
		p->pause = PAUSE_NONE;
	if (p->pause != PAUSE_NONE) {
		if (p->pause == PAUSE_BREAKER)
			arm(p, p->lane.breaker_until - nowms);
		return;
	}
	/* The health check: the [wassenger] device is lane default's. */
	if (p->is_default && d->provider->online == 0) {
		set_state(p, "paused", "device offline: %s", d->provider->health);
		return;
	}
	if (!p->is_default && (dv = lane_device(p)) != NULL &&
	    json_is_false(json_object_get(dv, "online"))) {
		set_state(p, "paused", "device offline: %s",
		    json_string_value(json_object_get(dv, "health")));
		return;
	}
	if (pc->key_hold_until > nowms) {
		set_state(p, "running", "%s", pc->key_hold_why ?
		    pc->key_hold_why : "waiting");
		arm(p, pc->key_hold_until - nowms);
		return;
	}
	if (p->lane.hold_until > nowms) {
		set_state(p, "running", "%s", p->hold_why ? p->hold_why :
		    "waiting");
		arm(p, p->lane.hold_until - nowms);
		return;
	}
	if ((w = lane_window_wait(c, now)) != 0) {
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
	cap = lane_cap_today(p, now, &age);
	if (outbox_sent_on_lane(d, day, p->name) >= cap) {
		if (age > 0)
			set_state(p, "blocked", "warm-up day %d: cap of %ld "
			    "reached for %s", age, cap, day);
		else
			set_state(p, "blocked", "daily limit of %ld reached "
			    "for %s", cap, day);
		arm(p, (uint64_t)lane_to_midnight(now) * 1000);
		return;
	}
	id = lane_pick(p, now);
	if (id == 0) {
		/* Only retries wait (next_at later than now): a range of
		 * the queue's index per message type, never the queue. */
		st = store_stmt(d->store, "SELECT min(m.next_at) FROM messages "
		    "m INDEXED BY messages_queue JOIN campaigns k ON k.id = "
		    "m.campaign_id WHERE m.state IN ('pending', 'sending') "
		    "AND m.state = 'pending' AND m.message_type IN (1, 2) AND "
		    "(k.status = 'running' OR "
		    "(k.status = 'completed' AND m.message_type = 2)) AND "
		    "m.next_at > ?1");
		sqlite3_bind_int64(st, 1, (int64_t)now);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL)
			next = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (next > 0) {
			set_state(p, "running", "waiting for retries");
			arm(p, (uint64_t)(next - (int64_t)now) * 1000);
		} else if ((w = campaign_windows_wait(p, now)) > 0) {
			set_state(p, "waiting window", "outside the "
			    "campaigns' own windows");
			arm(p, (uint64_t)w * 1000);
		} else
			set_state(p, "idle", NULL);
		return;
	}
	if ((wait = lane_gap_wait(&p->lane, c, nowms, &in_pause)) > 0) {
		if (in_pause)
			set_state(p, "running", "batch pause");
		else if (p->gov == LANE_GOV_SLOW)
			set_state(p, "running", "%s", p->gov_why);
		else
			set_state(p, "running", NULL);
		arm(p, wait);
		return;
	}
	/* The governor looks at the lane's recipients before each post. */
	governor_read(p);
	p->gov = lane_governor(c, p->gov_n, p->gov_optouts, why, sizeof why);
	snprintf(p->gov_why, sizeof p->gov_why, "%s", p->gov ? why : "");
	if (p->gov == LANE_GOV_PAUSE) {
		p->pause = PAUSE_GOVERNOR;
		set_state(p, "paused", "%s; resume with: wacamp devices resume "
		    "%s", why, p->name);
		pause_store(p, p->reason);
		log_warnx("lane %s paused: %s", p->name, why);
		return;
	}
	if (p->gov == LANE_GOV_SLOW)
		set_state(p, "running", "%s", p->gov_why);
	else
		set_state(p, "running", NULL);
	if ((r = claim_and_post(p, id, day)) != 1) {
		if (r == -1) {
			/* The lane never stalls: try again after a while. */
			log_warnx("cannot claim message %lld: %s",
			    (long long)id, store_errmsg(d->store));
			set_state(p, "paused", "the database refuses writes: "
			    "%s", store_errmsg(d->store));
		}
		arm(p, r == -1 ? 5000 : 0);
		return;
	}
	lane_posted_slow(&p->lane, c, nowms, c->jitter_ms > 0 ?
	    (uint64_t)arc4random_uniform((uint32_t)c->jitter_ms + 1) : 0,
	    p->gov == LANE_GOV_SLOW ? c->slow_factor : 1.0);
	/* Another lane may take the next one at once. */
	pacer_kick(d);
}

void
pacer_kick(struct daemon *d)
{
	struct pacer	*pc = d->pacer;
	struct timeval	 tv = { 0, 0 };
	size_t		 i;

	if (pc == NULL)
		return;
	for (i = 0; i < pc->nlanes; i++) {
		if (pc->lanes[i]->inflight)
			continue;
		evtimer_del(pc->lanes[i]->ev);
		evtimer_add(pc->lanes[i]->ev, &tv);
	}
}

/*
 * Messages left in "sending" by a crash become unknown (sent when their
 * ids were stored); events already in the journal may settle them.
 */
static void
recover(struct daemon *d)
{
	int	 n;

	if (store_begin(d->store) == -1) {
		log_warnx("recover: %s", store_errmsg(d->store));
		return;
	}
	if ((n = outbox_recover(d)) == -1 || store_commit(d->store) == -1) {
		log_warnx("recover: %s", store_errmsg(d->store));
		store_rollback(d->store);
		return;
	}
	if (n > 0)
		log_warnx("%d message(s) were in flight at the last stop: "
		    "unknown until an event or Wassenger's list settles them",
		    n);
	webhook_reconcile_waiting(d, store_now() - RECONCILE_WINDOW);
}

static uint64_t
lookup_every(const struct pacer *p)
{
	uint64_t	 ms = p->d->conf->lookup_after_ms / 6;

	return ms < 1000 ? 1000 : ms > 30000 ? 30000 : ms;
}

static void
lookup_arm(struct pacer *p, uint64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_del(p->ev_lookup);
	evtimer_add(p->ev_lookup, &tv);
}

/* A lookup answered: settle the message, or note that it was looked for. */
static void
lookup_done(struct daemon *d, int64_t id, int found,
    struct provider_result *res)
{
	struct pacer	*p = d->pacer;
	char		 why[400], when[32];
	time_t		 now = (time_t)store_now();
	struct tm	 tm;
	int		 r;

	if (p == NULL)
		return;
	p->lookup_inflight = 0;
	if (store_begin(d->store) == -1)
		return;
	if (found == 1 && res->ack == -1)
		r = outbox_fail(d, id, "failed at Wassenger (found by its "
		    "reference in Wassenger's message list)", NULL);
	else if (found == 1) {
		r = outbox_sent(d, id, res->wass_id, res->wa_id, res->device,
		    NULL);
		if (r == 1 && res->ack >= 2)
			r = outbox_ack(d, id, res->ack, NULL);
		if (r != -1)
			webhook_message_known(d, id);
	} else {
		localtime_r(&now, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		if (found == 0)
			snprintf(why, sizeof why, "not found at Wassenger "
			    "(its message list searched back to the claim, "
			    "%s); not re-sent", when);
		else
			snprintf(why, sizeof why, "maybe taken by Wassenger, "
			    "not re-sent; looking it up failed (%s): %s",
			    when, res->error);
		r = outbox_looked_up(d, id, why);
	}
	if (r == -1 || store_commit(d->store) == -1) {
		store_rollback(d->store);
		return;
	}
	if (found == 1)
		log_info("message %lld settled from Wassenger's message list",
		    (long long)id);
	else
		log_info("message %lld: %s", (long long)id, why);
	lookup_arm(p, LOOKUP_GAP_MS);
	notify_campaign(d, outbox_campaign_of(d, id));
}

/*
 * Unknown for LOOKUP_AFTER seconds: ask Wassenger's message list for the
 * reference, one message at a time, one every LOOKUP_GAP_MS at most, the
 * same message again after LOOKUP_AGAIN seconds.
 */
static void
lookup_cb_ev(evutil_socket_t fd, short ev, void *arg)
{
	struct pacer	*p = arg;
	struct daemon	*d = p->d;
	sqlite3_stmt	*st;
	int64_t		 id = 0, claimed = 0, now = store_now(), due = 0;
	char		*ref = NULL;

	if (p->lookup_inflight || d->provider == NULL ||
	    d->provider->lookup == NULL)
		return;
	st = store_stmt(d->store, "SELECT id, reference, claimed_at FROM "
	    "messages WHERE state = 'unknown' AND reference IS NOT NULL AND "
	    "claimed_at <= ?1 AND claimed_at >= ?3 AND (lookup_at IS NULL OR "
	    "lookup_at <= ?2) ORDER BY lookup_at IS NOT NULL, claimed_at "
	    "LIMIT 1");
	sqlite3_bind_int64(st, 1, now - LOOKUP_AFTER);
	sqlite3_bind_int64(st, 2, now - LOOKUP_AGAIN);
	sqlite3_bind_int64(st, 3, now - RECONCILE_WINDOW);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		ref = xstrdup((const char *)sqlite3_column_text(st, 1));
		claimed = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (id == 0) {
		/*
		 * Nothing due: wake when the next one is, or not at all, so
		 * that an idle daemon sleeps.
		 */
		st = store_stmt(d->store, "SELECT min(CASE WHEN lookup_at IS "
		    "NULL THEN claimed_at + ?1 ELSE lookup_at + ?2 END) FROM "
		    "messages WHERE state = 'unknown' AND reference IS NOT "
		    "NULL AND claimed_at >= ?3");
		sqlite3_bind_int64(st, 1, LOOKUP_AFTER);
		sqlite3_bind_int64(st, 2, LOOKUP_AGAIN);
		sqlite3_bind_int64(st, 3, now - RECONCILE_WINDOW);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL)
			due = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (due > 0)
			lookup_arm(p, due > now ? (uint64_t)(due - now) * 1000 :
			    LOOKUP_GAP_MS);
		return;
	}
	p->lookup_inflight = 1;
	log_debug("looking message %lld up at Wassenger (%s)", (long long)id,
	    ref);
	if (d->provider->lookup(d->provider, id, ref, claimed - 60,
	    lookup_done) == -1) {
		p->lookup_inflight = 0;
		lookup_arm(p, LOOKUP_EVERY_MS);
	}
	free(ref);
}

static struct plane *
plane_new(struct pacer *pc, const char *name, const char *device_id,
    const struct pacing *pacing, int is_default)
{
	struct plane	*p;

	p = xcalloc(1, sizeof *p);
	p->p = pc;
	snprintf(p->name, sizeof p->name, "%s", name);
	p->device_id = device_id != NULL ? xstrdup(device_id) : NULL;
	p->pc = *pacing;
	p->is_default = is_default;
	p->ev = evtimer_new(pc->d->base, timer_cb, p);
	p->ev_store = evtimer_new(pc->d->base, store_retry_cb, p);
	snprintf(p->state, sizeof p->state, "idle");
	return p;
}

static void
plane_free(struct plane *p)
{
	event_free(p->ev);
	event_free(p->ev_store);
	free(p->device_id);
	free(p);
}

static struct plane *
plane_find(struct pacer *pc, const char *name)
{
	size_t	 i;

	for (i = 0; i < pc->nlanes; i++)
		if (pc->lanes[i] != NULL && strcmp(pc->lanes[i]->name,
		    name) == 0)
			return pc->lanes[i];
	return NULL;
}

/*
 * The lanes the config names: default ([wassenger] device_id), then one
 * per [device NAME]. A lane that stays keeps its clock, its message in
 * flight and its pause; a lane no longer configured goes once it has
 * nothing in flight (its messages stay bound to nothing but their pin).
 */
static void
lanes_sync(struct pacer *pc)
{
	const struct config	*c = pc->d->conf;
	const struct pacing	*pac;
	struct plane		**nl, *p;
	size_t			 n = 0, i, j, len = 2;
	const char		*name, *dev;
	char			*o;

	nl = xcalloc(c->ndevices + 1 + pc->nlanes, sizeof *nl);
	for (i = 0; i <= c->ndevices; i++) {
		name = i == 0 ? CONFIG_DEFAULT_LANE : c->devices[i - 1].name;
		dev = i == 0 ? c->device_id : c->devices[i - 1].device_id;
		pac = i == 0 ? &c->pacing : &c->devices[i - 1].pacing;
		if ((p = plane_find(pc, name)) != NULL) {
			p->pc = *pac;
			p->gone = 0;
			free(p->device_id);
			p->device_id = dev != NULL ? xstrdup(dev) : NULL;
			for (j = 0; j < pc->nlanes; j++)
				if (pc->lanes[j] == p)
					pc->lanes[j] = NULL;
		} else
			p = plane_new(pc, name, dev, pac, i == 0);
		nl[n++] = p;
	}
	for (j = 0; j < pc->nlanes; j++) {
		if ((p = pc->lanes[j]) == NULL)
			continue;
		if (p->inflight) {
			/* Its answer is awaited: it claims nothing more and
			 * goes at the next reload. */
			log_warnx("lane %s is no longer configured: it claims "
			    "nothing more", p->name);
			p->gone = 1;
			set_state(p, "paused", "no longer configured");
			nl[n++] = p;
		} else {
			log_info("lane %s is no longer configured", p->name);
			plane_free(p);
		}
	}
	free(pc->lanes);
	pc->lanes = nl;
	pc->nlanes = n;
	/* The devices Message 2s may be pinned to, but not the default's. */
	for (i = 1; i < n; i++)
		len += (nl[i]->device_id ? strlen(nl[i]->device_id) : 0) + 1;
	free(pc->others);
	pc->others = o = xmalloc(len + 1);
	*o++ = ',';
	*o = '\0';
	for (i = 1; i < n; i++)
		if (nl[i]->device_id != NULL && !nl[i]->gone) {
			o = stpcpy(o, nl[i]->device_id);
			*o++ = ',';
			*o = '\0';
		}
}

/* Pauses the governor left, from lane_pauses. */
static void
pauses_load(struct pacer *pc)
{
	sqlite3_stmt	*st;
	struct plane	*p;

	st = store_stmt(pc->d->store, "SELECT lane, reason, at FROM "
	    "lane_pauses");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((p = plane_find(pc, (const char *)sqlite3_column_text(st,
		    0))) == NULL)
			continue;
		p->gov_since = sqlite3_column_int64(st, 2);
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		p->pause = PAUSE_GOVERNOR;
		snprintf(p->state, sizeof p->state, "paused");
		snprintf(p->reason, sizeof p->reason, "%s",
		    (const char *)sqlite3_column_text(st, 1));
		log_warnx("lane %s stays paused: %s", p->name, p->reason);
	}
	sqlite3_reset(st);
}

int
pacer_start(struct daemon *d)
{
	struct pacer	*pc;

	pc = xcalloc(1, sizeof *pc);
	pc->d = d;
	pc->ev_lookup = evtimer_new(d->base, lookup_cb_ev, pc);
	d->pacer = pc;
	lanes_sync(pc);
	pauses_load(pc);
	if (d->provider != NULL)
		d->provider->on_health = pacer_health;
	d->wake_sender = pacer_kick;
	recover(d);
	lookup_arm(pc, 0);	/* finds what is due, or sleeps */
	pacer_kick(d);
	return 0;
}

void
pacer_stop(struct daemon *d)
{
	struct pacer	*pc = d->pacer;
	size_t		 i;

	if (pc == NULL)
		return;
	for (i = 0; i < pc->nlanes; i++)
		plane_free(pc->lanes[i]);
	free(pc->lanes);
	free(pc->others);
	event_free(pc->ev_lookup);
	free(pc);
	d->pacer = NULL;
}

void
pacer_reload(struct daemon *d)
{
	struct pacer	*pc = d->pacer;
	struct plane	*p;
	size_t		 i;

	if (pc == NULL)
		return;
	lanes_sync(pc);
	for (i = 0; i < pc->nlanes; i++) {
		p = pc->lanes[i];
		/* A governor pause waits for the operator, not a reload. */
		if (p->pause == PAUSE_GOVERNOR)
			continue;
		if (p->pause != PAUSE_NONE)
			log_info("reload: lane %s resumes (%s)", p->name,
			    p->reason);
		p->pause = PAUSE_NONE;
		p->lane.failures = 0;
		set_state(p, "idle", NULL);
	}
	pacer_kick(d);
}

int
pacer_resume(struct daemon *d, const char *name, char *err, size_t errlen)
{
	struct pacer	*pc = d->pacer;
	struct plane	*p;

	if (pc == NULL || (p = plane_find(pc, name)) == NULL) {
		i18n_snprintf(err, errlen, "no device lane named %s", name);
		return -1;
	}
	if (p->pause == PAUSE_NONE) {
		i18n_snprintf(err, errlen, "lane %s is not paused (%-s)", name,
		    p->state);
		return 0;
	}
	log_info("lane %s resumed by the operator (was: %s)", name, p->reason);
	/* Its last window stays as it was: judge only what comes next. */
	if (p->pause == PAUSE_GOVERNOR) {
		p->gov_since = store_now();
		pause_store(p, NULL);
	}
	p->pause = PAUSE_NONE;
	p->lane.failures = 0;
	p->lane.breaker_until = 0;
	p->gov = LANE_GOV_OK;
	set_state(p, "idle", NULL);
	pacer_kick(d);
	return 1;
}

void
pacer_health(struct daemon *d)
{
	if (d->pacer == NULL)
		return;
	notify_monitor(d);
	pacer_kick(d);
}

/* One lane for devices.list, monitoring.stats and status. */
static json_t *
plane_json(struct plane *p)
{
	struct daemon	*d = p->p->d;
	struct provider	*pv = d->provider;
	char		 day[11];
	time_t		 now = clock_now();
	long		 cap, sent;
	int		 age;
	json_t		*dv = lane_device(p);

	clock_day(now, day);
	cap = lane_cap_today(p, now, &age);
	sent = outbox_sent_on_lane(d, day, p->name);
	return json_pack("{s:s,s:s?,s:s,s:s,s:o,s:I,s:I,s:I,s:I,s:o,s:I,"
	    "s:i,s:i,s:b,s:i,s:{s:s,s:I,s:I,s:I,s:f,s:f,s:f},s:s,s:o,s:s}",
	    "name", p->name,
	    "device_id", p->device_id,
	    "state", p->state, "reason", p->reason,
	    "next_send_at", p->next_at ? json_integer(p->next_at) :
	    json_null(),
	    "sent_today", (json_int_t)sent,
	    "cap_today", (json_int_t)cap,
	    "daily_limit", (json_int_t)p->pc.daily_limit,
	    "remaining", (json_int_t)(cap > sent ? cap - sent : 0),
	    "warmup_day", age > 0 ? json_integer(age) : json_null(),
	    "gap_ms", (json_int_t)(p->gov == LANE_GOV_SLOW ?
	    (uint64_t)((double)p->pc.interval_ms * p->pc.slow_factor) :
	    p->pc.interval_ms),
	    "batch_position", p->lane.batch_pos,
	    "batch_size", p->pc.batch_size,
	    "in_flight", p->inflight,
	    "consecutive_failures", p->lane.failures,
	    "governor",
		"state", p->pause == PAUSE_GOVERNOR ? "paused" :
		p->gov == LANE_GOV_SLOW ? "slow" : "ok",
		"window", (json_int_t)p->pc.governor_window,
		"messages", (json_int_t)p->gov_n,
		"optouts", (json_int_t)p->gov_optouts,
		"optout_slow", p->pc.optout_slow,
		"optout_pause", p->pc.optout_pause,
		"slow_factor", p->pc.slow_factor,
	    "provider", pv ? pv->name : "none",
	    "provider_online", !p->is_default ? (dv != NULL ?
	    json_incref(json_object_get(dv, "online")) : json_null()) :
	    pv == NULL || pv->online < 0 ? json_null() :
	    json_boolean(pv->online),
	    "provider_health", p->is_default ? (pv ? pv->health : "") :
	    dv != NULL ? json_string_value(json_object_get(dv, "health")) :
	    "");
}

json_t *
pacer_lanes(struct daemon *d)
{
	struct pacer	*pc = d->pacer;
	json_t		*lanes = json_array();
	size_t		 i;

	if (pc == NULL)
		return lanes;
	for (i = 0; i < pc->nlanes; i++)
		json_array_append_new(lanes, plane_json(pc->lanes[i]));
	return lanes;
}

size_t
pacer_nlanes(struct daemon *d)
{
	return d->pacer != NULL && d->pacer->nlanes > 0 ? d->pacer->nlanes : 1;
}

long
pacer_cap_today(struct daemon *d)
{
	struct pacer	*pc = d->pacer;
	time_t		 now = clock_now();
	long		 cap = 0;
	size_t		 i;
	int		 age;

	if (pc == NULL || pc->nlanes == 0)
		return d->conf->pacing.daily_limit;
	for (i = 0; i < pc->nlanes; i++)
		cap += lane_cap_today(pc->lanes[i], now, &age);
	return cap;
}

json_t *
pacer_stats(struct daemon *d)
{
	struct pacer	*pc = d->pacer;

	if (pc == NULL)
		return json_null();
	return json_pack("{s:I,s:I,s:f,s:f,s:I}", "lanes",
	    (json_int_t)pc->nlanes, "turns", (json_int_t)pc->ticks,
	    "turn_ms_avg", pc->ticks > 0 ? pc->tick_ms / (double)pc->ticks :
	    0.0, "turn_ms_max", pc->tick_max_ms, "pick_steps_max",
	    (json_int_t)pc->pick_steps_max);
}
