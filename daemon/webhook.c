/*
 * The Wassenger webhook listener (DESIGN §7). Requests are authenticated by
 * the URL token, parsed, and queued; one zero-delay event journals and
 * applies the whole queue in one transaction (group commit) and only then
 * answers each request 200. A commit per request would cost a WAL write
 * each and put the answer behind it; batching keeps the answer fast under
 * load and costs nothing when idle.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>
#include <sqlite3.h>

#include "auth.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "store.h"
#include "webhook.h"
#include "webhook_apply.h"
#include "webhook_parse.h"
#include "xmalloc.h"

#define WH_MAX_BODY	(1024 * 1024)
#define WH_MAX_HEADERS	(16 * 1024)
#define WH_TIMEOUT	5		/* seconds of silence on a connection */
#define WH_DEADLINE	5		/* seconds to send a whole request */
#define WH_BATCH_MAX	512		/* requests in one group commit */
#define WH_CONN_BUCKETS	1024

struct wh_pending {
	TAILQ_ENTRY(wh_pending)	 entry;
	struct evhttp_request	*req;
	struct wh_event		*evs;
	size_t			 nev;
	int			 failed;
};
TAILQ_HEAD(wh_queue, wh_pending);

/*
 * Every connection, from its accept until evhttp closes it. A request must
 * arrive whole (headers and body) within WH_DEADLINE of the accept or of
 * the previous answer, whatever trickles in meanwhile; at the cap, the
 * oldest connections still waiting for theirs are closed first.
 */
struct wh_conn {
	TAILQ_ENTRY(wh_conn)	 entry;		/* oldest first */
	struct wh_conn		*next;		/* in its hash bucket */
	struct webhook		*w;
	struct bufferevent	*bev;		/* until adopted */
	struct evhttp_connection *evcon;	/* once adopted */
	struct event		*ev;		/* adopt, then the deadline */
	int			 busy;		/* a request is with us */
};
TAILQ_HEAD(wh_conns, wh_conn);

struct webhook {
	struct daemon		*d;
	struct evhttp		*http;
	struct evhttp_bound_socket *bound;
	struct evconnlistener	*lev;
	struct wh_queue		 queue;
	size_t			 nqueued;
	struct event		*ev_flush;
	char			 addr[128];
	int			 port;
	const char		*disabled;	/* why there is no listener */

	/* Connections, by age and by evcon. */
	struct wh_conns		 all;
	struct wh_conn		*conns[WH_CONN_BUCKETS];
	int			 nconns, max_conns;
	int			 paused;
	uint64_t		 n_expired, n_evicted;

	time_t			 last_401_log;
	uint64_t		 n_requests, n_events, n_duplicates;
	uint64_t		 n_waiting, n_bad, n_unauthorized, n_batches;
};

static int
wh_step(struct daemon *d, sqlite3_stmt *st, const char *what)
{
	int	 rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_warnx("webhook: %s: %s", what, store_errmsg(d->store));
		return -1;
	}
	return 0;
}

/*
 * Journal EV (deduplicated on event, object id, ack) and apply it if it is
 * new. *DUP says it was a duplicate. -1 on a database error.
 */
static int
journal_apply(struct daemon *d, const struct wh_event *ev,
    struct ob_batch *t, int *dup)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	int		 r;

	*dup = 0;
	st = store_stmt(d->store, "INSERT OR IGNORE INTO webhook_events "
	    "(event, object_id, ack, received_at, body, applied) "
	    "VALUES (?, ?, ?, ?, ?, 1)");
	/*
	 * Acks are most of the journal: their event is kept as "ack", 12
	 * bytes less in the row and again in the dedupe index. (An ack sent
	 * again across the upgrade is applied twice, which changes nothing.)
	 */
	sqlite3_bind_text(st, 1, strcmp(ev->event, "message:out:ack") == 0 ?
	    "ack" : ev->event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev->object_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ev->ack, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, store_now());
	/* An applied ack keeps only its dedupe key (DESIGN §7). */
	sqlite3_bind_text(st, 5, ev->kind == WH_ACK ? "" : ev->raw, -1,
	    SQLITE_STATIC);
	if (wh_step(d, st, "journal") == -1)
		return -1;
	if (sqlite3_changes(store_db(d->store)) == 0) {
		*dup = 1;
		return 0;
	}
	id = sqlite3_last_insert_rowid(store_db(d->store));
	if ((r = webhook_apply(d, ev, id, t)) == -1)
		return -1;
	if (r == 0) {
		/* Waits in the journal, whole, for its message. */
		st = store_stmt(d->store, "UPDATE webhook_events SET "
		    "applied = 0, body = ?2 WHERE id = ?1");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, ev->raw, -1, SQLITE_STATIC);
		if (wh_step(d, st, "journal") == -1)
			return -1;
		if (d->webhook != NULL)
			d->webhook->n_waiting++;
	}
	return 0;
}

/* The campaigns a batch changed, for progress and monitoring events. */
static void
notify_schedule(struct daemon *d, const struct ob_batch *t)
{
	size_t	 i;

	for (i = 0; i < t->ntouched; i++)
		notify_campaign(d, t->touched[i]);
	if (t->touched_overflow || t->ntouched > 0)
		notify_monitor(d);
}

/* Messages the batch gave ids to: their waiting events apply now. */
static void
known_drain(struct daemon *d, struct ob_batch *t)
{
	int64_t	 id;

	while (t->nknown > 0) {
		id = t->known[--t->nknown];
		webhook_message_known(d, id);
	}
}

int
webhook_ingest(struct daemon *d, const char *body, size_t len, char *err,
    size_t errlen)
{
	struct wh_event		*evs;
	struct ob_batch	 t;
	size_t			 n, i;
	int			 dup, own = 0, rc = 0;

	if (webhook_parse(body, len, &evs, &n, err, errlen) == -1)
		return -1;
	memset(&t, 0, sizeof t);
	if (!store_in_tx(d->store)) {
		if (store_begin(d->store) == -1) {
			snprintf(err, errlen, "database: %s",
			    store_errmsg(d->store));
			webhook_events_free(evs, n);
			return -1;
		}
		own = 1;
	}
	for (i = 0; i < n && rc == 0; i++)
		if (journal_apply(d, &evs[i], &t, &dup) == -1) {
			snprintf(err, errlen, "database: %s",
			    store_errmsg(d->store));
			rc = -1;
		}
	if (rc == 0 && outbox_flush(d, &t) == -1)
		rc = -1;
	if (rc == 0)
		known_drain(d, &t);
	if (own) {
		if (rc == -1)
			store_rollback(d->store);
		else if (store_commit(d->store) == -1) {
			snprintf(err, errlen, "database: commit failed");
			rc = -1;
		}
	}
	webhook_events_free(evs, n);
	if (rc == 0)
		notify_schedule(d, &t);
	return rc;
}

/* Apply journal rows in ROWS (ids and bodies), marking them applied. */
static int
reapply(struct daemon *d, int64_t *ids, char **bodies, size_t n,
    struct ob_batch *t, int64_t *applied)
{
	struct wh_event	*evs;
	sqlite3_stmt	*st;
	char		 err[256];
	size_t		 nev, i, k;
	int		 r, done;

	for (i = 0; i < n; i++) {
		/* An applied ack kept only its key: nothing to do again. */
		if (*bodies[i] == '\0')
			continue;
		if (webhook_parse(bodies[i], strlen(bodies[i]), &evs, &nev, err,
		    sizeof err) == -1) {
			log_warnx("webhook: journal row %lld: %s",
			    (long long)ids[i], err);
			continue;
		}
		done = 1;
		for (k = 0; k < nev; k++) {
			if ((r = webhook_apply(d, &evs[k], ids[i], t)) == -1) {
				webhook_events_free(evs, nev);
				return -1;
			}
			if (r == 0)
				done = 0;
		}
		webhook_events_free(evs, nev);
		st = store_stmt(d->store, "UPDATE webhook_events SET "
		    "applied = ?1, body = CASE WHEN ?1 AND event IN ('ack', "
		    "'message:out:ack') THEN '' ELSE body END WHERE id = ?2");
		sqlite3_bind_int(st, 1, done);
		sqlite3_bind_int64(st, 2, ids[i]);
		if (wh_step(d, st, "journal") == -1)
			return -1;
		if (done && applied != NULL)
			(*applied)++;
	}
	if (outbox_flush(d, t) == -1)
		return -1;
	known_drain(d, t);
	return 0;
}

static void
rows_free(int64_t *ids, char **bodies, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(bodies[i]);
	free(bodies);
	free(ids);
}

void
webhook_message_known(struct daemon *d, int64_t message_id)
{
	sqlite3_stmt		*st;
	struct ob_batch	 t;
	const char		*key[2];
	char			*keys[2] = { NULL, NULL }, **bodies = NULL;
	int64_t			*ids = NULL;
	size_t			 n = 0, cap = 0, i;
	int			 own = 0;

	memset(&t, 0, sizeof t);
	st = store_stmt(d->store, "SELECT wa_id, wass_id FROM messages "
	    "WHERE id = ?");
	sqlite3_bind_int64(st, 1, message_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		for (i = 0; i < 2; i++)
			if ((key[i] = (const char *)sqlite3_column_text(st,
			    (int)i)) != NULL)
				keys[i] = xstrdup(key[i]);
	sqlite3_reset(st);
	for (i = 0; i < 2; i++) {
		if (keys[i] == NULL)
			continue;
		st = store_stmt(d->store, "SELECT id, body FROM webhook_events "
		    "WHERE applied = 0 AND object_id = ? ORDER BY id");
		sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				ids = xreallocarray(ids, cap, sizeof *ids);
				bodies = xreallocarray(bodies, cap,
				    sizeof *bodies);
			}
			ids[n] = sqlite3_column_int64(st, 0);
			bodies[n++] = xstrdup((const char *)
			    sqlite3_column_text(st, 1));
		}
		sqlite3_reset(st);
	}
	free(keys[0]);
	free(keys[1]);
	if (n == 0)
		goto out;
	if (!store_in_tx(d->store)) {
		if (store_begin(d->store) == -1)
			goto out;
		own = 1;
	}
	if (reapply(d, ids, bodies, n, &t, NULL) == -1) {
		log_warnx("webhook: events waiting for message %lld not "
		    "applied", (long long)message_id);
		if (own)
			store_rollback(d->store);
		goto out;
	}
	if (own && store_commit(d->store) == -1)
		goto out;
	log_debug("webhook: %zu waiting event(s) applied to message %lld", n,
	    (long long)message_id);
	notify_schedule(d, &t);
out:
	rows_free(ids, bodies, n);
}

/*
 * A message became unknown: the events already waiting in the journal
 * (received since SINCE) may settle it, before any new one comes
 * (DESIGN §6). At most RECONCILE_ROWS of them, oldest first.
 */
#define RECONCILE_ROWS	10000
void
webhook_reconcile_waiting(struct daemon *d, int64_t since)
{
	sqlite3_stmt		*st;
	struct ob_batch		 t;
	char			**bodies = NULL;
	int64_t			*ids = NULL, applied = 0;
	size_t			 n = 0, cap = 0;
	int			 own = 0;

	memset(&t, 0, sizeof t);
	st = store_stmt(d->store, "SELECT id, body FROM webhook_events "
	    "WHERE applied = 0 AND received_at >= ? ORDER BY id LIMIT "
	    "10000");
	sqlite3_bind_int64(st, 1, since);
	while (sqlite3_step(st) == SQLITE_ROW && n < RECONCILE_ROWS) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = xreallocarray(ids, cap, sizeof *ids);
			bodies = xreallocarray(bodies, cap, sizeof *bodies);
		}
		ids[n] = sqlite3_column_int64(st, 0);
		bodies[n++] = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (n == 0)
		goto out;
	if (!store_in_tx(d->store)) {
		if (store_begin(d->store) == -1)
			goto out;
		own = 1;
	}
	if (reapply(d, ids, bodies, n, &t, &applied) == -1) {
		log_warnx("webhook: waiting events not reconciled");
		if (own)
			store_rollback(d->store);
		goto out;
	}
	if (own && store_commit(d->store) == -1) {
		store_rollback(d->store);
		goto out;
	}
	if (applied > 0)
		log_info("webhook: %lld waiting event(s) of %zu applied by "
		    "reconciliation", (long long)applied, n);
	notify_schedule(d, &t);
out:
	rows_free(ids, bodies, n);
}

int
webhook_replay_slice(struct daemon *d, int64_t after, int limit,
    int64_t *last, int64_t *applied)
{
	sqlite3_stmt		*st;
	struct ob_batch	 t;
	char			**bodies = NULL;
	int64_t			*ids = NULL;
	size_t			 n = 0;
	int			 own = 0;

	memset(&t, 0, sizeof t);
	*last = after;
	ids = xcalloc((size_t)limit, sizeof *ids);
	bodies = xcalloc((size_t)limit, sizeof *bodies);
	st = store_stmt(d->store, "SELECT id, body FROM webhook_events "
	    "WHERE id > ? ORDER BY id LIMIT ?");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit);
	while (n < (size_t)limit && sqlite3_step(st) == SQLITE_ROW) {
		ids[n] = sqlite3_column_int64(st, 0);
		bodies[n++] = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (n == 0)
		goto out;
	*last = ids[n - 1];
	if (!store_in_tx(d->store)) {
		if (store_begin(d->store) == -1)
			goto fail;
		own = 1;
	}
	if (reapply(d, ids, bodies, n, &t, applied) == -1) {
		if (own)
			store_rollback(d->store);
		goto fail;
	}
	if (own && store_commit(d->store) == -1)
		goto fail;
	notify_schedule(d, &t);
out:
	rows_free(ids, bodies, n);
	return (int)n;
fail:
	rows_free(ids, bodies, n);
	return -1;
}

static void	conn_busy(struct webhook *, struct evhttp_connection *, int);

static void
reply_json(struct webhook *w, struct evhttp_request *req, int code,
    const char *reason, const char *msg)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);
	json_t		*o;
	char		*s;

	if (msg == NULL)
		evbuffer_add(out, "{\"ok\":true}", 11);
	else {
		o = json_pack("{s:b,s:s}", "ok", 0, "error", msg);
		s = json_dumps(o, JSON_COMPACT);
		evbuffer_add(out, s, strlen(s));
		free(s);
		json_decref(o);
	}
	conn_busy(w, evhttp_request_get_connection(req), 0);
	evhttp_send_reply(req, code, reason, NULL);
}

/*
 * An error that is the store's, not the request's: all of them would fail
 * alike, and Wassenger should come back later (503).
 */
static int
store_wide(sqlite3 *db)
{
	switch (sqlite3_errcode(db) & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
		return 1;
	}
	return 0;
}

/* Journal and apply everything queued in one transaction, then answer. */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct webhook		*w = arg;
	struct daemon		*d = w->d;
	struct wh_pending	*p;
	struct wh_queue		 q;
	struct ob_batch		 t, saved;
	sqlite3_stmt		*sp, *rel, *rb;
	size_t			 i;
	int			 dup, ok, failed = 0;
	char			 why[300] = "";

	TAILQ_INIT(&q);
	TAILQ_CONCAT(&q, &w->queue, entry);
	w->nqueued = 0;
	if (TAILQ_EMPTY(&q))
		return;
	memset(&t, 0, sizeof t);
	w->n_batches++;
	if (store_in_tx(d->store) || store_begin(d->store) == -1)
		failed = 1;
	TAILQ_FOREACH(p, &q, entry) {
		if (failed)
			break;
		/* A savepoint per request: one bad request fails alone. */
		sp = store_stmt(d->store, "SAVEPOINT webhook");
		if (wh_step(d, sp, "savepoint") == -1) {
			failed = 1;
			break;
		}
		ok = 1;
		saved = t;
		for (i = 0; i < p->nev && ok; i++) {
			if (journal_apply(d, &p->evs[i], &t, &dup) == -1)
				ok = 0;
			else if (dup)
				w->n_duplicates++;
		}
		if (!ok && store_wide(store_db(d->store))) {
			/* Another process holds the lock, or the disk is
			 * full: every request would fail the same way. */
			failed = 1;
			break;
		}
		if (!ok) {
			rb = store_stmt(d->store, "ROLLBACK TO webhook");
			wh_step(d, rb, "rollback");
			t = saved;
			p->failed = 1;
		}
		rel = store_stmt(d->store, "RELEASE webhook");
		if (wh_step(d, rel, "release") == -1)
			failed = 1;
	}
	if (!failed && outbox_flush(d, &t) == -1)
		failed = 1;
	if (!failed)
		known_drain(d, &t);
	if (!failed && store_commit(d->store) == -1)
		failed = 1;
	if (failed && store_in_tx(d->store))
		store_rollback(d->store);
	if (failed)
		snprintf(why, sizeof why, "cannot store events now (%s); try "
		    "again later", store_errmsg(d->store));
	while ((p = TAILQ_FIRST(&q)) != NULL) {
		TAILQ_REMOVE(&q, p, entry);
		if (failed)
			reply_json(w, p->req, 503, "Service Unavailable",
			    why);
		else if (p->failed)
			reply_json(w, p->req, 500, "Internal Server Error",
			    "could not store the event");
		else {
			w->n_events += p->nev;
			reply_json(w, p->req, 200, "OK", NULL);
		}
		webhook_events_free(p->evs, p->nev);
		free(p);
	}
	if (!failed)
		notify_schedule(d, &t);
}

static size_t
conn_bucket(const struct evhttp_connection *evcon)
{
	return ((uintptr_t)evcon >> 4) % WH_CONN_BUCKETS;
}

static struct wh_conn *
conn_find(struct webhook *w, const struct evhttp_connection *evcon)
{
	struct wh_conn	*c;

	for (c = w->conns[conn_bucket(evcon)]; c != NULL; c = c->next)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

/* A connection that may be closed to make room: no request in hand. */
static struct wh_conn *
conn_evictable(struct webhook *w)
{
	struct wh_conn	*c;

	TAILQ_FOREACH(c, &w->all, entry) {
		if (c->evcon != NULL && !c->busy)
			return c;
	}
	return NULL;
}

/* Accepting again once under the cap, or once room can be made. */
static void
conn_check(struct webhook *w)
{
	if (w->paused && w->lev != NULL && (w->nconns < w->max_conns ||
	    conn_evictable(w) != NULL)) {
		evconnlistener_enable(w->lev);
		w->paused = 0;
		log_info("webhook: accepting connections again");
	}
}

static void
conn_forget(struct wh_conn *c)
{
	struct webhook	*w = c->w;
	struct wh_conn	**pp;

	if (c->evcon != NULL) {
		for (pp = &w->conns[conn_bucket(c->evcon)]; *pp != NULL;
		    pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
	}
	TAILQ_REMOVE(&w->all, c, entry);
	event_free(c->ev);
	free(c);
	w->nconns--;
	conn_check(w);
}

/* evhttp closes a connection, for whatever reason. */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	conn_forget(arg);
}

static void
conn_arm(struct wh_conn *c)
{
	struct timeval	 tv = { WH_DEADLINE, 0 };

	evtimer_add(c->ev, &tv);
}

/* Close a connection whose request is not with us. */
static void
conn_close(struct wh_conn *c)
{
	evhttp_connection_free(c->evcon);	/* conn_closed() frees c */
}

static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wh_conn	*c = arg;

	if (c->busy) {
		conn_arm(c);
		return;
	}
	c->w->n_expired++;
	log_debug("webhook: closing a connection that sent no whole request "
	    "in %d s", WH_DEADLINE);
	conn_close(c);
}

/*
 * Right after the accept, before any byte of it is read (this runs ahead
 * of the next poll), evhttp has made its connection the bufferevent's
 * callback argument: take it, to know when it closes and to close it.
 */
static void
conn_adopt_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wh_conn		*c = arg;
	struct webhook		*w = c->w;
	void			*evcon = NULL;
	size_t			 b;

	bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
	c->bev = NULL;
	if (evcon == NULL) {
		conn_forget(c);
		return;
	}
	c->evcon = evcon;
	b = conn_bucket(c->evcon);
	c->next = w->conns[b];
	w->conns[b] = c;
	evhttp_connection_set_closecb(c->evcon, conn_closed, c);
	event_assign(c->ev, w->d->base, -1, 0, conn_deadline_cb, c);
	conn_arm(c);
	conn_check(w);	/* paused at the cap: it may be closed for room */
}

/* A request arrived whole, or was answered: the clock starts again. */
static void
conn_busy(struct webhook *w, struct evhttp_connection *evcon, int busy)
{
	struct wh_conn	*c;

	if (evcon == NULL || (c = conn_find(w, evcon)) == NULL)
		return;
	c->busy = busy;
	conn_arm(c);
	if (!busy)
		conn_check(w);
}

/* At the cap: close the oldest connection still waiting for a request. */
static int
conn_evict(struct webhook *w)
{
	struct wh_conn	*c;

	if ((c = conn_evictable(w)) == NULL)
		return 0;
	w->n_evicted++;
	conn_close(c);
	return 1;
}

/* Every new connection: track it; at the cap, make room or stop accepting. */
static struct bufferevent *
bev_cb(struct event_base *base, void *arg)
{
	struct webhook	*w = arg;
	struct wh_conn	*c;

	while (w->nconns >= w->max_conns && conn_evict(w))
		;
	c = xcalloc(1, sizeof *c);
	c->w = w;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	c->ev = event_new(base, -1, 0, conn_adopt_cb, c);
	TAILQ_INSERT_TAIL(&w->all, c, entry);
	w->nconns++;
	event_active(c->ev, EV_TIMEOUT, 1);
	if (!w->paused && w->nconns >= w->max_conns && w->lev != NULL &&
	    conn_evictable(w) == NULL) {
		evconnlistener_disable(w->lev);
		w->paused = 1;
		log_warnx("webhook: %d connections open, all with a request "
		    "in hand; not accepting more", w->nconns);
	}
	return c->bev;
}

/* The token query parameter, compared in constant time. */
static int
token_ok(struct webhook *w, const struct evhttp_uri *uri)
{
	struct evkeyvalq	 q;
	const char		*query = evhttp_uri_get_query(uri), *tok;
	int			 ok = 0;

	if (query == NULL)
		return 0;
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(query, &q) == 0 &&
	    (tok = evhttp_find_header(&q, "token")) != NULL)
		ok = auth_equal(tok, w->d->conf->token);
	evhttp_clear_headers(&q);
	return ok;
}

static void
http_cb(struct evhttp_request *req, void *arg)
{
	struct webhook		*w = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct evbuffer		*in;
	struct wh_pending	*p;
	struct wh_event		*evs;
	const char		*path;
	char			*peer = NULL, err[256];
	ev_uint16_t		 port = 0;
	size_t			 nev, len;
	time_t			 now;

	w->n_requests++;
	if (evcon != NULL) {
		conn_busy(w, evcon, 1);
		evhttp_connection_get_peer(evcon, &peer, &port);
	}
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	if (strcmp(path, w->d->conf->wh_path) != 0) {
		reply_json(w, req, 404, "Not Found", "no such path");
		return;
	}
	if (!token_ok(w, uri)) {
		w->n_unauthorized++;
		/* Logged without the token; at most once a second. */
		if ((now = time(NULL)) != w->last_401_log) {
			w->last_401_log = now;
			log_warnx("webhook: request from %s:%u with a wrong or "
			    "missing token refused (%llu so far)",
			    peer != NULL ? peer : "?", port,
			    (unsigned long long)w->n_unauthorized);
		}
		reply_json(w, req, 401, "Unauthorized", "wrong or missing token");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "POST");
		reply_json(w, req, 405, "Method Not Allowed", "use POST");
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if (webhook_parse((const char *)evbuffer_pullup(in, -1), len, &evs,
	    &nev, err, sizeof err) == -1) {
		w->n_bad++;
		log_warnx("webhook: bad body from %s:%u (%zu bytes): %s",
		    peer != NULL ? peer : "?", port, len, err);
		reply_json(w, req, 400, "Bad Request", err);
		return;
	}
	p = xcalloc(1, sizeof *p);
	p->req = req;
	p->evs = evs;
	p->nev = nev;
	TAILQ_INSERT_TAIL(&w->queue, p, entry);
	/* Runs after the other connections ready in this loop turn. */
	if (++w->nqueued >= WH_BATCH_MAX)
		flush_cb(-1, 0, w);
	else if (w->nqueued == 1)
		event_active(w->ev_flush, EV_TIMEOUT, 1);
}

/* Split "host:port" or "[v6]:port". */
static int
split_listen(const char *s, char *host, size_t hostlen, int *port)
{
	const char	*colon = strrchr(s, ':'), *h = s;
	size_t		 n;
	char		*end;
	long		 v;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		h = s + 1;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	v = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int
webhook_init(struct daemon *d, char *err, size_t errlen)
{
	struct webhook		*w;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	char			 host[100], ip[INET6_ADDRSTRLEN];
	int			 port;

	w = xcalloc(1, sizeof *w);
	w->d = d;
	TAILQ_INIT(&w->queue);
	d->webhook = w;
	w->ev_flush = event_new(d->base, -1, 0, flush_cb, w);
	TAILQ_INIT(&w->all);
	if (d->conf->token == NULL || *d->conf->token == '\0') {
		w->disabled = "no [webhook] token configured";
		log_warnx("webhook: listener disabled: no [webhook] token "
		    "configured (set token or WACAMP_WEBHOOK_TOKEN)");
		return 0;
	}
	if (strlen(d->conf->token) < 16)
		log_warnx("webhook: the token is short; use 32 or more random "
		    "characters");
	if (split_listen(d->conf->listen, host, sizeof host, &port) == -1) {
		snprintf(err, errlen, "webhook: listen \"%s\": expected "
		    "HOST:PORT", d->conf->listen);
		return -1;
	}
	w->max_conns = d->conf->wh_max_conns > 0 ? d->conf->wh_max_conns : 512;
	if ((w->http = evhttp_new(d->base)) == NULL) {
		snprintf(err, errlen, "webhook: evhttp_new failed");
		return -1;
	}
	evhttp_set_max_body_size(w->http, WH_MAX_BODY);
	evhttp_set_max_headers_size(w->http, WH_MAX_HEADERS);
	evhttp_set_timeout(w->http, WH_TIMEOUT);
	evhttp_set_default_content_type(w->http, "application/json");
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(w->http, bev_cb, w);
	evhttp_set_gencb(w->http, http_cb, w);
	if ((w->bound = evhttp_bind_socket_with_handle(w->http, host,
	    (ev_uint16_t)port)) == NULL) {
		snprintf(err, errlen, "webhook: cannot listen on %s (in use, "
		    "or not an address of this host?)", d->conf->listen);
		return -1;
	}
	w->lev = evhttp_bound_socket_get_listener(w->bound);
	if (getsockname(evhttp_bound_socket_get_fd(w->bound),
	    (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->
			    sin6_addr, ip, sizeof ip);
			w->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
			snprintf(w->addr, sizeof w->addr, "[%s]:%d", ip,
			    w->port);
		} else {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->
			    sin_addr, ip, sizeof ip);
			w->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			snprintf(w->addr, sizeof w->addr, "%s:%d", ip, w->port);
		}
	}
	log_info("webhook: listening on %s%s", w->addr, d->conf->wh_path);
	return 0;
}

void
webhook_shutdown(struct daemon *d)
{
	struct webhook	*w = d->webhook;
	struct wh_conn	*c;

	if (w == NULL)
		return;
	/* Queued requests are committed and answered before leaving. */
	flush_cb(-1, 0, w);
	/* Connections closed by evhttp_free must not wake the listener. */
	w->paused = 0;
	w->lev = NULL;
	if (w->http != NULL)
		evhttp_free(w->http);	/* closes every adopted connection */
	while ((c = TAILQ_FIRST(&w->all)) != NULL)
		conn_forget(c);
	event_free(w->ev_flush);
	free(w);
	d->webhook = NULL;
}

json_t *
webhook_stats(struct daemon *d)
{
	struct webhook	*w = d->webhook;
	sqlite3_stmt	*st;
	json_int_t	 waiting = 0, total = 0;

	st = store_stmt(d->store, "SELECT count(*), coalesce(sum(applied = 0), "
	    "0) FROM webhook_events");
	if (sqlite3_step(st) == SQLITE_ROW) {
		total = sqlite3_column_int64(st, 0);
		waiting = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (w == NULL || w->http == NULL)
		return json_pack("{s:b,s:s,s:I,s:I}", "listening", 0,
		    "reason", w != NULL && w->disabled ? w->disabled :
		    "not started", "journal", total, "waiting", waiting);
	return json_pack("{s:b,s:s,s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i,"
	    "s:I,s:I}", "listening", 1, "address", w->addr,
	    "path", d->conf->wh_path, "port", w->port,
	    "requests", (json_int_t)w->n_requests,
	    "events", (json_int_t)w->n_events,
	    "duplicates", (json_int_t)w->n_duplicates,
	    "bad", (json_int_t)w->n_bad,
	    "unauthorized", (json_int_t)w->n_unauthorized,
	    "batches", (json_int_t)w->n_batches,
	    "queued", (json_int_t)w->nqueued,
	    "connections", w->nconns,
	    "journal", total, "waiting", waiting);
}
