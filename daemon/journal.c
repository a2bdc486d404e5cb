#include <stdint.h>
#include <stdlib.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "config.h"
#include "daemon.h"
#include "journal.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define JOURNAL_SLICE	2000	/* rows looked at in one loop turn */
#define JOURNAL_VACUUM	4096	/* pages given back per pass, at most */

struct journal {
	struct daemon	*d;
	struct event	*ev;
	int64_t		 cursor;	/* the pass has looked up to this id */
	int64_t		 pruned;	/* rows deleted in this pass */
	int64_t		 expired;
};

static struct journal	*jn;

/* How often a pass starts: a quarter of keep, between 1 s and an hour. */
static uint64_t
every_ms(const struct config *c)
{
	uint64_t	 ms = c->wh_keep_ms / 4;

	return ms < 1000 ? 1000 : ms > 3600000 ? 3600000 : ms;
}

static void
arm(struct journal *j, uint64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(j->ev, &tv);
}

/* Run ST (bound) to its end in a transaction of its own: rows it deleted,
 * or -1. */
static int
delete_step(struct daemon *d, sqlite3_stmt *st)
{
	int	 rc, n;

	if (store_begin(d->store) == -1) {
		sqlite3_reset(st);
		return -1;
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	n = sqlite3_changes(store_db(d->store));
	if (rc != SQLITE_DONE || store_commit(d->store) == -1) {
		store_rollback(d->store);
		return -1;
	}
	return n;
}

/*
 * One slice: the applied events among the next JOURNAL_SLICE rows in id
 * order (the order they came in) that are older than keep go; the pass
 * stops at the first row younger than keep, since all after it are. Then
 * waiting events older than JOURNAL_WAIT_MAX go, by their own index.
 * Returns 1 when the pass is over, 0 when there is more, -1 on an error.
 */
static int
slice(struct journal *j)
{
	struct daemon	*d = j->d;
	sqlite3_stmt	*st;
	int64_t		 now = store_now(), keep_before, hi = 0;
	int		 rc, n = 0, done = 0;

	keep_before = now - (int64_t)(d->conf->wh_keep_ms / 1000);
	st = store_stmt(d->store, "SELECT id, received_at FROM webhook_events "
	    "WHERE id > ? ORDER BY id LIMIT 2000");
	sqlite3_bind_int64(st, 1, j->cursor);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 1) >= keep_before) {
			done = 1;
			break;
		}
		hi = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (n > 0) {
		st = store_stmt(d->store, "DELETE FROM webhook_events WHERE "
		    "id > ?1 AND id <= ?2 AND applied = 1");
		sqlite3_bind_int64(st, 1, j->cursor);
		sqlite3_bind_int64(st, 2, hi);
		if ((rc = delete_step(d, st)) == -1)
			return -1;
		j->pruned += rc;
		j->cursor = hi;
	}
	if (!done && n == JOURNAL_SLICE)
		return 0;
	st = store_stmt(d->store, "DELETE FROM webhook_events WHERE id IN "
	    "(SELECT id FROM webhook_events WHERE applied = 0 AND "
	    "received_at < ? LIMIT 2000)");
	sqlite3_bind_int64(st, 1, now - JOURNAL_WAIT_MAX);
	if ((rc = delete_step(d, st)) == -1)
		return -1;
	j->expired += rc;
	return rc < JOURNAL_SLICE;
}

static void
journal_cb(evutil_socket_t fd, short what, void *arg)
{
	struct journal	*j = arg;
	struct daemon	*d = j->d;
	sqlite3_stmt	*st;
	int		 r;

	if ((r = slice(j)) == 0) {
		arm(j, 0);	/* the rest on the next turns of the loop */
		return;
	}
	if (r == -1)
		log_warnx("journal upkeep: %s; trying again later",
		    store_errmsg(d->store));
	if (j->expired > 0)
		log_info("journal: %lld event(s) that matched no message in "
		    "48 h expired", (long long)j->expired);
	if (j->pruned > 0)
		log_debug("journal: %lld applied event(s) older than keep "
		    "removed", (long long)j->pruned);
	if (j->pruned + j->expired > 0) {
		st = store_stmt(d->store, "PRAGMA incremental_vacuum(4096)");
		while (sqlite3_step(st) == SQLITE_ROW)
			;
		sqlite3_reset(st);
	}
	j->cursor = j->pruned = j->expired = 0;
	arm(j, every_ms(d->conf));
}

void
journal_start(struct daemon *d)
{
	jn = xcalloc(1, sizeof *jn);
	jn->d = d;
	jn->ev = evtimer_new(d->base, journal_cb, jn);
	arm(jn, every_ms(d->conf));
}

void
journal_stop(struct daemon *d)
{
	if (jn == NULL)
		return;
	event_free(jn->ev);
	free(jn);
	jn = NULL;
}
