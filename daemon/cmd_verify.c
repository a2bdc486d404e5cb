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
 * State is module-local: one daemon per process.
 */
static struct {
	int64_t		*queue;
	size_t		 n, head, cap;
	struct event	*ev;
	struct ctl_req	*waiting[64];
	int64_t		 waiting_id[64];
	int		 busy;
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
	if (vq.head < vq.n)
		verify_arm(d);
}

static const char *
phone_of(struct daemon *d, int64_t id, char *buf, size_t len)
{
	sqlite3_stmt	*st;
	const char	*r = NULL;

	st = store_stmt(d->store, "SELECT full_number FROM contacts WHERE "
	    "id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
		r = buf;
	}
	sqlite3_reset(st);
	return r;
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
		id = vq.queue[vq.head++];
		if (phone_of(d, id, phone, sizeof phone) == NULL)
			continue;
		vq.busy = 1;
		if (d->provider->verify(d->provider, id, phone,
		    verify_done) == -1)
			verify_done(d, id, -1, "request not started");
		return;
	}
	vq.head = vq.n = 0;
}

static void
enqueue(int64_t id)
{
	if (vq.n == vq.cap) {
		vq.cap = vq.cap ? vq.cap * 2 : 256;
		vq.queue = xreallocarray(vq.queue, vq.cap, sizeof *vq.queue);
	}
	vq.queue[vq.n++] = id;
}

static int
cmd_verify_contact(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0), at = -1;
	int		 v = -1, i;

	ctl_target(r, "%lld", (long long)id);
	st = store_stmt(r->d->store, "SELECT verified, verified_at FROM "
	    "contacts WHERE id = ?");
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
	enqueue(id);
	if (vq.n - 1 > vq.head) {
		memmove(vq.queue + vq.head + 1, vq.queue + vq.head,
		    (vq.n - 1 - vq.head) * sizeof *vq.queue);
		vq.queue[vq.head] = id;
	}
	if (!vq.busy)
		verify_next(-1, 0, r->d);
	return CMD_PARKED;
}

static int
cmd_verify_bulk(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_t		*cat = json_object_get(r->args, "category");
	int64_t		 cid = 0, n = 0;

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
	st = store_stmt(r->d->store, "SELECT id FROM contacts c WHERE "
	    "(verified IS NULL OR verified_at < ?2) AND (?1 = 0 OR EXISTS "
	    "(SELECT 1 FROM category_contacts cc WHERE cc.contact_id = c.id "
	    "AND cc.category_id = ?1)) ORDER BY id");
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_int64(st, 2, store_now() -
	    (int64_t)(r->d->conf->verify_ttl_ms / 1000));
	while (sqlite3_step(st) == SQLITE_ROW) {
		enqueue(sqlite3_column_int64(st, 0));
		n++;
	}
	sqlite3_reset(st);
	if (n > 0 && !vq.busy)
		verify_arm(r->d);
	ctl_reply(r, json_pack("{s:I,s:I}", "queued", (json_int_t)n,
	    "waiting", (json_int_t)(vq.n - vq.head)));
	return CMD_DONE;
}

static int
cmd_verify_stats(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_t		*j = NULL;

	st = store_stmt(r->d->store, "SELECT count(*), "
	    "coalesce(sum(verified = 1), 0), coalesce(sum(verified = 0), 0), "
	    "coalesce(sum(verified IS NULL), 0) FROM contacts");
	if (sqlite3_step(st) == SQLITE_ROW)
		j = json_pack("{s:I,s:I,s:I,s:I,s:I}",
		    "contacts", (json_int_t)sqlite3_column_int64(st, 0),
		    "on_whatsapp", (json_int_t)sqlite3_column_int64(st, 1),
		    "not_on_whatsapp", (json_int_t)sqlite3_column_int64(st, 2),
		    "unverified", (json_int_t)sqlite3_column_int64(st, 3),
		    "queued", (json_int_t)(vq.n - vq.head));
	sqlite3_reset(st);
	ctl_reply(r, j);
	return CMD_DONE;
}

const struct ctl_cmd verify_cmds[] = {
	{ "verify.contact", ROLE_ADMIN, CMD_AUDIT, "id:i! force:b",
	    cmd_verify_contact },
	{ "verify.bulk", ROLE_ADMIN, CMD_AUDIT, "category:*", cmd_verify_bulk },
	{ "verify.stats", ROLE_ADMIN, 0, "", cmd_verify_stats },
	{ NULL, 0, 0, NULL, NULL }
};
