/*
 * The name-search index, kept up to date in slices on the loop.
 *
 * Contacts with an id at or below contacts_fts_state.upto are in the trigram
 * index contacts_fts; those above it are not yet (migration 006). Rows an
 * import or contacts.create adds land above the mark and are indexed here a
 * few hundred at a time, each slice one short transaction, so a million-row
 * import is not slowed by a trigger per row and the loop stays responsive.
 * Searches read the index below the mark and scan the rows above it, so they
 * are right at every moment, only slower while the index catches up.
 */
#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "daemon.h"
#include "duration.h"
#include "log.h"
#include "search.h"
#include "store.h"

#define SEARCH_CHUNK		500	/* rows per INSERT ... SELECT */
#define SEARCH_SLICE_MS		8
#define SEARCH_CHECK_SEC	60	/* rows added behind the daemon's back */

static struct {
	struct event	*ev;
	int64_t		 pending;	/* highest id - upto, after a slice */
	int64_t		 done;		/* indexed in this catch-up */
	double		 t0;
} ix;

static void
search_again(int sec)
{
	struct timeval	 tv = { sec, 0 };

	evtimer_add(ix.ev, &tv);
}

/* Index the rows above the mark for about SEARCH_SLICE_MS, then yield. */
static void
search_slice(evutil_socket_t fd, short ev, void *arg)
{
	struct daemon	*d = arg;
	sqlite3_stmt	*st;
	double		 t0 = mono_ms();
	int64_t		 upto, max, hi, n = 0;
	int		 ok = 1;

	(void)fd;
	(void)ev;
	/* An import kicks the index again when it ends. */
	if (d->importer != NULL) {
		search_again(SEARCH_CHECK_SEC);
		return;
	}
	if (store_begin(d->store) == -1) {
		search_again(1);
		return;
	}
	upto = store_int(store_stmt(d->store, "SELECT upto FROM "
	    "contacts_fts_state"));
	max = store_int(store_stmt(d->store, "SELECT max(id) FROM "
	    "contacts"));
	while (upto < max && mono_ms() - t0 < SEARCH_SLICE_MS) {
		hi = upto + SEARCH_CHUNK < max ? upto + SEARCH_CHUNK : max;
		st = store_stmt(d->store, "INSERT INTO contacts_fts (rowid, "
		    "first_name, last_name) SELECT id, first_name, last_name "
		    "FROM contacts WHERE id > ? AND id <= ?");
		sqlite3_bind_int64(st, 1, upto);
		sqlite3_bind_int64(st, 2, hi);
		ok = sqlite3_step(st) == SQLITE_DONE;
		n += sqlite3_changes(store_db(d->store));
		sqlite3_reset(st);
		if (!ok)
			break;
		upto = hi;
	}
	if (ok && n > 0) {
		st = store_stmt(d->store, "UPDATE contacts_fts_state SET "
		    "upto = ?");
		sqlite3_bind_int64(st, 1, upto);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	if (!ok || store_commit(d->store) == -1) {
		log_warnx("search index: %s", store_errmsg(d->store));
		store_rollback(d->store);
		search_again(SEARCH_CHECK_SEC);
		return;
	}
	if (ix.done == 0 && n > 0)
		ix.t0 = t0;
	ix.done += n;
	ix.pending = max - upto;
	if (ix.pending > 0) {
		search_again(0);
		return;
	}
	if (ix.done >= 10000)
		log_info("search index: %lld contacts indexed in %.1f s",
		    (long long)ix.done, (mono_ms() - ix.t0) / 1e3);
	ix.done = 0;
	search_again(SEARCH_CHECK_SEC);
}

/*
 * Before adding contacts: bring the mark down to the highest id, so every new
 * id lands above it. Deleting the highest rows can leave the mark above the
 * table, and SQLite hands their ids out again.
 */
int
search_mark_lower(struct store *s)
{
	return store_exec(s, "UPDATE contacts_fts_state SET upto = (SELECT "
	    "coalesce(max(id), 0) FROM contacts) WHERE upto > (SELECT "
	    "coalesce(max(id), 0) FROM contacts)");
}

void
search_start(struct daemon *d)
{
	/* Rows added with sqlite3 while the daemon was down. */
	if (store_exec(d->store, "UPDATE contacts_count SET n = (SELECT "
	    "count(*) FROM contacts WHERE erased_at IS NULL)") == -1 ||
	    search_mark_lower(d->store) == -1)
		log_warnx("search index: %s", store_errmsg(d->store));
	ix.ev = evtimer_new(d->base, search_slice, d);
	search_again(0);
}

void
search_kick(struct daemon *d)
{
	struct timeval	 tv = { 0, 0 };

	(void)d;
	if (ix.ev == NULL)
		return;
	evtimer_del(ix.ev);
	evtimer_add(ix.ev, &tv);
}

int64_t
search_pending(struct daemon *d)
{
	(void)d;
	return ix.pending;
}

void
search_stop(struct daemon *d)
{
	(void)d;
	if (ix.ev != NULL)
		event_free(ix.ev);
	ix.ev = NULL;
}
