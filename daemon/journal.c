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

/*
 * One slice: the next JOURNAL_SLICE rows in id order (the order they came
 * in), of which applied ones older than keep and waiting ones older than
 * JOURNAL_WAIT_MAX are deleted. Returns 1 when the pass reached rows too
 * young to go, 0 when there is more to look at, -1 on an error.
 */
static int
slice(struct journal *j)
{
	struct daemon	*d = j->d;
	sqlite3_stmt	*st;
	int64_t		 now = store_now(), keep_before, wait_before, hi = 0;
	int64_t		 at;
	int		 rc, n = 0, done = 0;

	keep_before = now - (int64_t)(d->conf->wh_keep_ms / 1000);
	wait_before = now - JOURNAL_WAIT_MAX;
	st = store_stmt(d->store, "SELECT id, received_at FROM webhook_events "
	    "WHERE id > ? ORDER BY id LIMIT 2000");
	sqlite3_bind_int64(st, 1, j->cursor);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		at = sqlite3_column_int64(st, 1);
		if (at >= keep_before && at >= wait_before) {
			done = 1;
			break;
		}
		hi = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (n == 0)
		return 1;
	if (store_begin(d->store) == -1)
		return -1;
	st = store_stmt(d->store, "DELETE FROM webhook_events WHERE id > ?1 "
	    "AND id <= ?2 AND applied = 1 AND received_at < ?3");
	sqlite3_bind_int64(st, 1, j->cursor);
	sqlite3_bind_int64(st, 2, hi);
	sqlite3_bind_int64(st, 3, keep_before);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	j->pruned += sqlite3_changes(store_db(d->store));
	st = store_stmt(d->store, "DELETE FROM webhook_events WHERE id > ?1 "
	    "AND id <= ?2 AND applied = 0 AND received_at < ?3");
	sqlite3_bind_int64(st, 1, j->cursor);
	sqlite3_bind_int64(st, 2, hi);
	sqlite3_bind_int64(st, 3, wait_before);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	j->expired += sqlite3_changes(store_db(d->store));
	if (store_commit(d->store) == -1)
		goto fail;
	j->cursor = hi;
	return done || n < JOURNAL_SLICE;
fail:
	sqlite3_reset(st);
	store_rollback(d->store);
	return -1;
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
