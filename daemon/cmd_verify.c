#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>

#include "cmds.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "provider.h"
#include "store.h"
#include "xmalloc.h"

/*
 * Verification through numbers/exists, one number at a time at the
 * [verify] interval, results cached in contacts.verified for [verify] ttl.
 * A bulk run is one job at a time: each result moves its counts, sent as
 * "jobs" events verify.progress; verify.bulk with wait parks until the
 * job ends and answers with the counts. verify.contact goes ahead of the
 * queue and is not counted in the job. State is module-local: one daemon
 * per process.
 */
#define VERIFY_WAITERS	8

struct vq_item {
	int64_t		 id;
	int		 bulk;		/* counted in the bulk job */
};

static struct {
	struct vq_item	*queue;
	size_t		 n, head, cap;
	struct event	*ev;
	struct ctl_req	*waiting[64];
	int64_t		 waiting_id[64];
	int		 busy;
	int		 busy_bulk;	/* the check in flight is the job's */
	struct {
		int64_t		 job;	/* 0: none running */
		int64_t		 last;	/* the last job's number */
		int64_t		 total, done, valid, invalid, unavailable;
		struct ctl_req	*waiters[VERIFY_WAITERS];
	} bulk;
} vq;

static void	verify_next(evutil_socket_t, short, void *);

static void
verify_arm(struct daemon *d)
{
	struct timeval	 tv;
	uint64_t	 ms = d->conf->verify_interval_ms;

	if (vq.ev == NULL)
		vq.ev = evtimer_new(d->base, verify_next, d);
	if (evtimer_pending(vq.ev, NULL))
		return;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(vq.ev, &tv);
}

/* The bulk job's counts (old fields queued and waiting kept). */
static json_t *
bulk_json(void)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "job",
	    (json_int_t)(vq.bulk.job ? vq.bulk.job : vq.bulk.last), "total",
	    (json_int_t)vq.bulk.total, "done", (json_int_t)vq.bulk.done,
	    "valid", (json_int_t)vq.bulk.valid, "invalid",
	    (json_int_t)vq.bulk.invalid, "unavailable",
	    (json_int_t)vq.bulk.unavailable);
}

/* One more check of the bulk job done (EXISTS -1: not answered). */
static void
bulk_count(struct daemon *d, int exists)
{
	json_t	*j;
	int	 i;

	if (vq.bulk.job == 0)
		return;
	vq.bulk.done++;
	if (exists == 1)
		vq.bulk.valid++;
	else if (exists == 0)
		vq.bulk.invalid++;
	else
		vq.bulk.unavailable++;
	if (ctl_listening(d, "jobs"))
		ctl_event(d, "jobs", "verify.progress", bulk_json());
	if (vq.bulk.done < vq.bulk.total)
		return;
	for (i = 0; i < VERIFY_WAITERS; i++) {
		if (vq.bulk.waiters[i] == NULL)
			continue;
		j = bulk_json();
		json_object_set_new(j, "queued", json_integer(vq.bulk.total));
		json_object_set_new(j, "waiting", json_integer(0));
		ctl_reply(vq.bulk.waiters[i], j);
		vq.bulk.waiters[i] = NULL;
	}
	vq.bulk.last = vq.bulk.job;
	vq.bulk.job = 0;
}

static void
store_result(struct daemon *d, int64_t id, int exists)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "UPDATE contacts SET verified = ?2, "
	    "verified_at = ?3 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, exists);
	sqlite3_bind_int64(st, 3, store_now());
	sqlite3_step(st);
	sqlite3_reset(st);
}

static void
verify_done(struct daemon *d, int64_t id, int exists, const char *why)
{
	int	 i;

	vq.busy = 0;
	if (exists >= 0)
		store_result(d, id, exists);
	else
		log_info("verify contact %lld: try later (%s)", (long long)id,
		    why);
	for (i = 0; i < 64; i++) {
		if (vq.waiting[i] == NULL || vq.waiting_id[i] != id)
			continue;
		if (exists < 0)
			ctl_error(vq.waiting[i], "unavailable", "the number "
			    "check is unavailable now (%s); try later", why);
		else
			ctl_reply(vq.waiting[i], json_pack("{s:I,s:b,s:b}",
			    "id", (json_int_t)id, "on_whatsapp", exists,
			    "cached", 0));
		vq.waiting[i] = NULL;
	}
	if (vq.busy_bulk)
		bulk_count(d, exists);
	vq.busy_bulk = 0;
	if (vq.head < vq.n)
		verify_arm(d);
}

static const char *
phone_of(struct daemon *d, int64_t id, char *buf, size_t len)
{
	sqlite3_stmt	*st;
	const char	*r = NULL;

	st = store_stmt(d->store, "SELECT full_number FROM contacts WHERE "
	    "id = ? AND erased_at IS NULL");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
		r = buf;
	}
	sqlite3_reset(st);
	return r;
}

/* Contact ID went away while queued: who waits for it is told. */
static void
gone(int64_t id)
{
	int	 i;

	for (i = 0; i < 64; i++)
		if (vq.waiting[i] != NULL && vq.waiting_id[i] == id) {
			ctl_error(vq.waiting[i], "not_found", "no contact %lld "
			    "(deleted or erased)", (long long)id);
			vq.waiting[i] = NULL;
		}
}

static void
verify_next(evutil_socket_t fd, short ev, void *arg)
{
	struct daemon	*d = arg;
	char		 phone[64];
	int64_t		 id;

	if (vq.busy || d->provider == NULL)
		return;
	while (vq.head < vq.n) {
		id = vq.queue[vq.head].id;
		vq.busy_bulk = vq.queue[vq.head++].bulk;
		if (phone_of(d, id, phone, sizeof phone) == NULL) {
			/* Gone (deleted, erased) since it was queued. */
			gone(id);
			if (vq.busy_bulk)
				bulk_count(d, -1);
			vq.busy_bulk = 0;
			continue;
		}
		vq.busy = 1;
		if (d->provider->verify(d->provider, id, phone,
		    verify_done) == -1)
			verify_done(d, id, -1, "request not started");
		return;
	}
	vq.head = vq.n = 0;
}

static void
enqueue(int64_t id, int bulk)
{
	if (vq.n == vq.cap) {
		vq.cap = vq.cap ? vq.cap * 2 : 256;
		vq.queue = xreallocarray(vq.queue, vq.cap, sizeof *vq.queue);
	}
	vq.queue[vq.n].id = id;
	vq.queue[vq.n++].bulk = bulk;
}

static int
cmd_verify_contact(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0), at = -1;
	int		 v = -1, i;

	ctl_target(r, "%lld", (long long)id);
	st = store_stmt(r->d->store, "SELECT verified, verified_at FROM "
	    "contacts WHERE id = ? AND erased_at IS NULL");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 0);
		at = sqlite3_column_int64(st, 1);
	} else
		at = -2;
	sqlite3_reset(st);
	if (at == -2) {
		ctl_error(r, "not_found", "no contact %lld", (long long)id);
		return CMD_DONE;
	}
	if (v >= 0 && !ctl_arg_bool(r, "force", 0) && store_now() - at <
	    (int64_t)(r->d->conf->verify_ttl_ms / 1000)) {
		ctl_reply(r, json_pack("{s:I,s:b,s:b}", "id", (json_int_t)id,
		    "on_whatsapp", v, "cached", 1));
		return CMD_DONE;
	}
	for (i = 0; i < 64 && vq.waiting[i] != NULL; i++)
		;
	if (i == 64) {
		ctl_error(r, "limit_reached", "too many checks waiting");
		return CMD_DONE;
	}
	vq.waiting[i] = r;
	vq.waiting_id[i] = id;
	/* Ahead of a bulk run: put it at the head of the queue. */
	enqueue(id, 0);
	if (vq.n - 1 > vq.head) {
		memmove(vq.queue + vq.head + 1, vq.queue + vq.head,
		    (vq.n - 1 - vq.head) * sizeof *vq.queue);
		vq.queue[vq.head].id = id;
		vq.queue[vq.head].bulk = 0;
	}
	if (!vq.busy)
		verify_next(-1, 0, r->d);
	return CMD_PARKED;
}

/* Park R until the bulk job ends; CMD_DONE after replying if it cannot. */
static int
bulk_park(struct ctl_req *r)
{
	int	 i;

	for (i = 0; i < VERIFY_WAITERS; i++)
		if (vq.bulk.waiters[i] == NULL) {
			vq.bulk.waiters[i] = r;
			return CMD_PARKED;
		}
	ctl_error(r, "limit_reached", "too many clients wait for the bulk "
	    "verification");
	return CMD_DONE;
}

/*
 * verify.bulk: queue the contacts (of a category) not checked within the
 * ttl as the bulk job, and answer at once with the job's number, or with
 * "wait" when the job ends, with its counts. While a job runs, another
 * verify.bulk joins it rather than queueing anyone twice.
 */
static int
cmd_verify_bulk(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_t		*cat = json_object_get(r->args, "category"), *j;
	int64_t		 cid = 0, n = 0;
	int		 wait = ctl_arg_bool(r, "wait", 0);

	if (json_is_integer(cat))
		cid = json_integer_value(cat);
	else if (json_is_string(cat)) {
		st = store_stmt(r->d->store, "SELECT id FROM categories WHERE "
		    "name = ?");
		sqlite3_bind_text(st, 1, json_string_value(cat), -1,
		    SQLITE_TRANSIENT);
		cid = sqlite3_step(st) == SQLITE_ROW ?
		    sqlite3_column_int64(st, 0) : -1;
		sqlite3_reset(st);
	}
	if (cid < 0 || (cat != NULL && !json_is_null(cat) && cid == 0)) {
		ctl_error(r, "not_found", "no such category");
		return CMD_DONE;
	}
	ctl_target(r, "category %lld", (long long)cid);
	if (vq.bulk.job != 0) {
		if (wait)
			return bulk_park(r);
		j = bulk_json();
		json_object_set_new(j, "queued", json_integer(0));
		json_object_set_new(j, "waiting", json_integer(
		    (json_int_t)(vq.n - vq.head)));
		ctl_reply(r, j);
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "SELECT id FROM contacts c WHERE "
	    "(verified IS NULL OR verified_at < ?2) AND erased_at IS NULL AND "
	    "(?1 = 0 OR EXISTS (SELECT 1 FROM category_contacts cc WHERE "
	    "cc.contact_id = c.id AND cc.category_id = ?1)) ORDER BY id");
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_int64(st, 2, store_now() -
	    (int64_t)(r->d->conf->verify_ttl_ms / 1000));
	while (sqlite3_step(st) == SQLITE_ROW) {
		enqueue(sqlite3_column_int64(st, 0), 1);
		n++;
	}
	sqlite3_reset(st);
	vq.bulk.total = n;
	vq.bulk.done = vq.bulk.valid = vq.bulk.invalid = 0;
	vq.bulk.unavailable = 0;
	if (n > 0) {
		vq.bulk.job = vq.bulk.last + 1;
		if (!vq.busy)
			verify_arm(r->d);
		if (wait)
			return bulk_park(r);
	} else
		vq.bulk.last++;
	j = bulk_json();
	json_object_set_new(j, "queued", json_integer(n));
	json_object_set_new(j, "waiting", json_integer(
	    (json_int_t)(vq.n - vq.head)));
	ctl_reply(r, j);
	return CMD_DONE;
}

static int
cmd_verify_stats(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_t		*j = NULL;

	st = store_stmt(r->d->store, "SELECT count(*), "
	    "coalesce(sum(verified = 1), 0), coalesce(sum(verified = 0), 0), "
	    "coalesce(sum(verified IS NULL), 0) FROM contacts WHERE "
	    "erased_at IS NULL");
	if (sqlite3_step(st) == SQLITE_ROW)
		j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}",
		    "contacts", (json_int_t)sqlite3_column_int64(st, 0),
		    "on_whatsapp", (json_int_t)sqlite3_column_int64(st, 1),
		    "not_on_whatsapp", (json_int_t)sqlite3_column_int64(st, 2),
		    "unverified", (json_int_t)sqlite3_column_int64(st, 3),
		    "queued", (json_int_t)(vq.n - vq.head),
		    "bulk", vq.bulk.job != 0 ? bulk_json() : json_null());
	sqlite3_reset(st);
	if (j == NULL) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	ctl_reply(r, j);
	return CMD_DONE;
}

void
verify_shutdown(struct daemon *d)
{
	int	 i;

	for (i = 0; i < 64; i++)
		if (vq.waiting[i] != NULL) {
			ctl_error(vq.waiting[i], "unavailable", "the daemon is "
			    "stopping; check contact %lld again later",
			    (long long)vq.waiting_id[i]);
			vq.waiting[i] = NULL;
		}
	for (i = 0; i < VERIFY_WAITERS; i++)
		if (vq.bulk.waiters[i] != NULL) {
			ctl_error(vq.bulk.waiters[i], "unavailable", "the "
			    "daemon is stopping; %lld of %lld checked, run "
			    "verify bulk again for the rest",
			    (long long)vq.bulk.done, (long long)vq.bulk.total);
			vq.bulk.waiters[i] = NULL;
		}
	if (vq.ev != NULL)
		event_free(vq.ev);
	free(vq.queue);
	memset(&vq, 0, sizeof vq);
}

const struct ctl_cmd verify_cmds[] = {
	{ "verify.contact", ROLE_ADMIN, CMD_AUDIT, "id:i! force:b",
	    cmd_verify_contact },
	{ "verify.bulk", ROLE_ADMIN, CMD_AUDIT, "category:* wait:b",
	    cmd_verify_bulk },
	{ "verify.stats", ROLE_ADMIN, 0, "", cmd_verify_stats },
	{ NULL, 0, 0, NULL, NULL }
};
