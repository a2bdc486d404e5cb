/*
 * What a Wassenger event does (DESIGN §6-7): acks move a message forward,
 * failures fail it, replies and reactions become interactions and may
 * queue Message 2, an opt-out keyword opts the contact out. Outbound
 * events that match no stored id may reconcile an unknown message: by our
 * reference, or by recipient, body, time and device. Every state change
 * goes through the outbox.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "store.h"
#include "text.h"
#include "webhook_apply.h"
#include "webhook_parse.h"
#include "xmalloc.h"

/* Reconciliation's window around a claim (DESIGN §6). */
#define RECON_BEFORE	60
#define RECON_AFTER	(24 * 3600)

struct wh_msg {
	int64_t		 id;
	int64_t		 campaign;
	int64_t		 contact;
	int		 type;
	int64_t		 round;
	char		 state[16];
};

struct wh_contact {
	int64_t		 id;
	int		 opted_out;
	char		*phone;
};

#define MSG_COLS "id, campaign_id, contact_id, message_type, round, state"

static int
msg_row(sqlite3_stmt *st, struct wh_msg *m)
{
	int	 rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		m->id = sqlite3_column_int64(st, 0);
		m->campaign = sqlite3_column_int64(st, 1);
		m->contact = sqlite3_column_int64(st, 2);
		m->type = sqlite3_column_int(st, 3);
		m->round = sqlite3_column_int64(st, 4);
		snprintf(m->state, sizeof m->state, "%s",
		    (const char *)sqlite3_column_text(st, 5));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Find a message by COL ("wa_id", "wass_id" or "reference"): 1, 0 or -1. */
static int
msg_find(struct daemon *d, const char *col, const char *val, struct wh_msg *m)
{
	sqlite3_stmt	*st;

	if (val == NULL || *val == '\0')
		return 0;
	if (strcmp(col, "wa_id") == 0)
		st = store_stmt(d->store, "SELECT " MSG_COLS " FROM messages "
		    "WHERE wa_id = ?");
	else if (strcmp(col, "wass_id") == 0)
		st = store_stmt(d->store, "SELECT " MSG_COLS " FROM messages "
		    "WHERE wass_id = ?");
	else
		st = store_stmt(d->store, "SELECT " MSG_COLS " FROM messages "
		    "WHERE reference = ? ORDER BY id DESC LIMIT 1");
	sqlite3_bind_text(st, 1, val, -1, SQLITE_STATIC);
	return msg_row(st, m);
}

static int
step_done(struct daemon *d, sqlite3_stmt *st, const char *what)
{
	int	 rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_warnx("webhook: %s: %s", what, store_errmsg(d->store));
		return -1;
	}
	return 0;
}

/* Is WA_ID one that a message had in an earlier round? 1, 0 or -1. */
static int
old_round(struct daemon *d, const char *wa_id)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (*wa_id == '\0')
		return 0;
	st = store_stmt(d->store, "SELECT 1 FROM message_ids WHERE wa_id = ?");
	sqlite3_bind_text(st, 1, wa_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The unknown message an outbound event settles (DESIGN §6): the one its
 * reference names, else the oldest claim with the same recipient and body,
 * claimed between 24 h before and 60 s after the event, on the event's
 * device when it names one. Returns 1 with M, 0 none, 2 when the event is
 * of an earlier round of its message (to be ignored), -1.
 */
static int
reconcile(struct daemon *d, const struct wh_event *ev, struct wh_msg *m)
{
	sqlite3_stmt	*st;
	int64_t		 id, round, t;
	int		 r;

	if (*ev->reference != '\0' &&
	    outbox_parse_reference(d, ev->reference, &id, &round)) {
		st = store_stmt(d->store, "SELECT " MSG_COLS " FROM messages "
		    "WHERE id = ?");
		sqlite3_bind_int64(st, 1, id);
		if ((r = msg_row(st, m)) <= 0)
			return r;
		if (m->round != round)
			return 2;
		return strcmp(m->state, "unknown") == 0;
	}
	if (!ev->outbound || *ev->phone == '\0' || *ev->text == '\0')
		return 0;
	t = ev->timestamp > 0 ? ev->timestamp : store_now();
	st = store_stmt(d->store, "SELECT " MSG_COLS " FROM messages "
	    "WHERE state = 'unknown' AND phone = ?1 AND body = ?2 AND "
	    "claimed_at BETWEEN ?3 AND ?4 AND (?5 = '' OR device IS NULL OR "
	    "device = ?5) ORDER BY claimed_at, id LIMIT 1");
	sqlite3_bind_text(st, 1, ev->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, t - RECON_AFTER);
	sqlite3_bind_int64(st, 4, t + RECON_BEFORE);
	sqlite3_bind_text(st, 5, ev->device, -1, SQLITE_STATIC);
	return msg_row(st, m);
}

/* Note that message ID got a WhatsApp id: its waiting events follow. */
static void
known_add(struct ob_batch *t, int64_t id)
{
	if (t != NULL && t->nknown < OB_BATCH_CAMPAIGNS)
		t->known[t->nknown++] = id;
}

/*
 * An outbound event whose ids match no message: an earlier round's (1,
 * done), an unknown message it settles as sent with WA_ID / WASS_ID (1
 * with M), or nothing yet (0: it waits in the journal).
 */
static int
settle_by_event(struct daemon *d, const struct wh_event *ev,
    const char *wa_id, const char *wass_id, struct wh_msg *m,
    struct ob_batch *t)
{
	int	 r;

	if ((r = old_round(d, wa_id)) != 0)
		return r < 0 ? -1 : 2;
	if ((r = reconcile(d, ev, m)) != 1)
		return r;
	if (outbox_sent(d, m->id, wass_id, wa_id, ev->device, t) == -1)
		return -1;
	log_info("webhook: message %lld reconciled from %s (%s)",
	    (long long)m->id, ev->event, *ev->reference != '\0' ?
	    "reference" : "recipient and body");
	snprintf(m->state, sizeof m->state, "sent");
	known_add(t, m->id);
	return 1;
}

/* Insert an interaction once per (event, kind); 1 if new, 0 if not, -1. */
static int
interaction_add(struct daemon *d, int64_t contact, const struct wh_msg *m,
    const char *kind, const char *body, int64_t event_id)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "INSERT OR IGNORE INTO interactions "
	    "(contact_id, campaign_id, message_id, kind, body, event_id, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (contact > 0)
		sqlite3_bind_int64(st, 1, contact);
	if (m != NULL) {
		sqlite3_bind_int64(st, 2, m->campaign);
		sqlite3_bind_int64(st, 3, m->id);
	}
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	if (body != NULL)
		sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
	if (event_id > 0)
		sqlite3_bind_int64(st, 6, event_id);
	sqlite3_bind_int64(st, 7, store_now());
	if (step_done(d, st, "interaction") == -1)
		return -1;
	if (sqlite3_changes(store_db(d->store)) == 0)
		return 0;
	/* The inbox hears of it once the batch is committed. */
	notify_reply(d, sqlite3_last_insert_rowid(store_db(d->store)));
	return 1;
}

static void
contact_free(struct wh_contact *c)
{
	free(c->phone);
}

/* The contact whose full_number is PHONE: 1, 0 or -1. */
static int
contact_by_number(struct daemon *d, const char *phone, struct wh_contact *c)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(c, 0, sizeof *c);
	st = store_stmt(d->store, "SELECT id, opted_out, full_number FROM "
	    "contacts WHERE full_number = ?");
	sqlite3_bind_text(st, 1, phone, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c->id = sqlite3_column_int64(st, 0);
		c->opted_out = sqlite3_column_int(st, 1);
		c->phone = xstrdup((const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The contact an event is from: by its number, or one of WhatsApp's other
 * forms of it (Argentina's 9, Brazil's ninth digit), else by an @lid id
 * seen earlier with a number. 1, 0 or -1.
 */
static int
contact_find(struct daemon *d, const struct wh_event *ev,
    struct wh_contact *c)
{
	char		 alt[2][PHONE_MAX];
	sqlite3_stmt	*st;
	int64_t		 id = 0;
	int		 i, n, r, rc;

	memset(c, 0, sizeof *c);
	if (*ev->phone != '\0') {
		if ((r = contact_by_number(d, ev->phone, c)) != 0)
			return r;
		n = phone_alternates(ev->phone, alt, 2);
		for (i = 0; i < n; i++)
			if ((r = contact_by_number(d, alt[i], c)) != 0)
				return r;
		return 0;
	}
	if (*ev->lid == '\0')
		return 0;
	st = store_stmt(d->store, "SELECT c.full_number FROM contact_lids l "
	    "JOIN contacts c ON c.id = l.contact_id WHERE l.lid = ?");
	sqlite3_bind_text(st, 1, ev->lid, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(alt[0], sizeof alt[0], "%s",
		    (const char *)sqlite3_column_text(st, 0));
		id = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return id ? contact_by_number(d, alt[0], c) : 0;
}

/* Remember that the contact writes from the @lid chat LID. */
static int
lid_keep(struct daemon *d, const char *lid, int64_t contact)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "INSERT INTO contact_lids (lid, contact_id, "
	    "seen_at) VALUES (?1, ?2, ?3) ON CONFLICT (lid) DO UPDATE SET "
	    "contact_id = excluded.contact_id, seen_at = excluded.seen_at "
	    "WHERE contact_id != excluded.contact_id");
	sqlite3_bind_text(st, 1, lid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, contact);
	sqlite3_bind_int64(st, 3, store_now());
	return step_done(d, st, "lid");
}

/* PHONE for a log line: its first three digits and its last two. */
static const char *
masked(const char *phone, char buf[PHONE_MAX])
{
	size_t	 len = strlen(phone), i;

	snprintf(buf, PHONE_MAX, "%s", phone);
	for (i = 4; i + 2 < len; i++)
		buf[i] = '*';
	return buf;
}

/*
 * The campaign message a reply or reaction answers: the quoted (or reacted)
 * message when it is this contact's, else the contact's latest outbound one.
 */
static int
correlate(struct daemon *d, const struct wh_event *ev, int64_t contact,
    struct wh_msg *m)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 r;

	for (i = 0; i < 3; i++) {
		if ((r = msg_find(d, "wa_id", ev->target[i], m)) == 0)
			r = msg_find(d, "reference", ev->target[i], m);
		if (r < 0)
			return -1;
		if (r == 1 && m->contact == contact)
			return 1;
	}
	st = store_stmt(d->store, "SELECT id, campaign_id, contact_id, "
	    "message_type, round, state, sent_at IS NOT NULL FROM messages "
	    "WHERE contact_id = ? "
	    "AND state IN ('sent', 'delivered', 'read', 'unknown', 'sending') "
	    "ORDER BY coalesce(sent_at, 0) DESC, id DESC LIMIT 1");
	sqlite3_bind_int64(st, 1, contact);
	return msg_row(st, m);
}

/* 1 if TEXT is one of the configured opt-out keywords, folded. */
static int
is_optout(struct daemon *d, const char *text)
{
	char	 a[128], b[128];
	size_t	 i;

	if (strlen(text) > 64)
		return 0;
	text_fold(text, a, sizeof a);
	if (*a == '\0')
		return 0;
	for (i = 0; i < d->conf->nkeywords; i++) {
		text_fold(d->conf->keywords[i], b, sizeof b);
		if (strcmp(a, b) == 0)
			return 1;
	}
	return 0;
}

static int
apply_ack(struct daemon *d, const struct wh_event *ev, int64_t event_id,
    struct ob_batch *t)
{
	struct wh_msg	 m;
	const char	*id;
	int		 r;

	if (ev->ack_level == WH_ACK_NONE)
		return 1;
	id = *ev->msg_id != '\0' ? ev->msg_id : ev->object_id;
	if ((r = msg_find(d, "wa_id", id, &m)) == 0) {
		/* 0: kept until the send reply stores waId, or reconciled. */
		if ((r = settle_by_event(d, ev, id, "", &m, t)) != 1)
			return r == 2 ? 1 : r;
	}
	if (r < 0)
		return -1;
	/*
	 * The message's state and its delivered_at/read_at are the record;
	 * no interaction row per ack (two per message, with four indexes,
	 * in a table the contact's history reads only for replies).
	 */
	if ((r = outbox_ack(d, m.id, ev->ack_level, t)) < 0)
		return -1;
	return 1;
}

/* message:out:new: our message seen leaving the number. */
static int
apply_out_new(struct daemon *d, const struct wh_event *ev, struct ob_batch *t)
{
	struct wh_msg	 m;
	const char	*id;
	int		 r;

	id = *ev->msg_id != '\0' ? ev->msg_id : ev->object_id;
	if ((r = msg_find(d, "wa_id", id, &m)) != 0)
		return r < 0 ? -1 : 1;
	r = settle_by_event(d, ev, id, "", &m, t);
	return r == 2 ? 1 : r;
}

static int
apply_failed(struct daemon *d, const struct wh_event *ev, struct ob_batch *t)
{
	struct wh_msg	 m;
	int		 r;

	if ((r = msg_find(d, "wass_id", ev->msg_id, &m)) == 0 &&
	    (r = msg_find(d, "wass_id", ev->entity_id, &m)) == 0)
		r = msg_find(d, "wa_id", ev->msg_id, &m);
	if (r == 0) {
		if ((r = reconcile(d, ev, &m)) != 1)
			return r == 2 ? 1 : r;
		log_info("webhook: message %lld reconciled from %s",
		    (long long)m.id, ev->event);
	}
	if (r < 0)
		return -1;
	if (outbox_fail(d, m.id, *ev->reason != '\0' ? ev->reason :
	    "failed (Wassenger webhook)", t) == -1)
		return -1;
	return 1;
}

/* message:out:sent (Gateway plans): Wassenger's 24-hex id. */
static int
apply_sent(struct daemon *d, const struct wh_event *ev, struct ob_batch *t)
{
	struct wh_msg	 m;
	const char	*wass;
	int		 r;

	wass = *ev->msg_id != '\0' ? ev->msg_id : ev->entity_id;
	if ((r = msg_find(d, "wass_id", wass, &m)) == 0 &&
	    (r = msg_find(d, "wass_id", ev->entity_id, &m)) == 0) {
		if ((r = reconcile(d, ev, &m)) != 1)
			return r == 2 ? 1 : r;
		if (outbox_sent(d, m.id, wass, "", ev->device, t) == -1)
			return -1;
		log_info("webhook: message %lld reconciled from %s",
		    (long long)m.id, ev->event);
		return 1;
	}
	if (r < 0)
		return -1;
	/* A sending one settles with the send reply; unknown ones here. */
	if (strcmp(m.state, "unknown") == 0 &&
	    outbox_sent(d, m.id, wass, "", ev->device, t) == -1)
		return -1;
	return 1;
}

/* Queue Message 2 of M's campaign for C, at most once. */
static int
queue_m2(struct daemon *d, const struct wh_msg *m, struct wh_contact *c,
    struct ob_batch *t)
{
	sqlite3_stmt	*st;
	char		*body = NULL;
	int		 rc, ret = -1;

	if (m->type != 1 || c->opted_out || strcmp(m->state, "pending") == 0 ||
	    strcmp(m->state, "failed") == 0 ||
	    strcmp(m->state, "cancelled") == 0)
		return 0;
	/* Rendered as Message 1 was (OUTBOX_RENDER): fallbacks, the
	 * columns an import kept. */
	st = store_stmt(d->store, "SELECT " OUTBOX_RENDER("k.message_2")
	    " FROM campaigns k, contacts c WHERE k.id = ?1 AND c.id = ?2 AND "
	    "k.status IN ('running', 'paused', 'completed') AND "
	    "k.message_2 != ''");
	sqlite3_bind_int64(st, 1, m->campaign);
	sqlite3_bind_int64(st, 2, c->id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		body = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (body == NULL)
		return 0;
	if ((rc = outbox_queue_m2(d, m->campaign, c->id, m->round, c->phone,
	    body, t)) == -1)
		goto out;
	if (rc == 1) {
		/*
		 * A completed campaign stays completed: the pacer sends
		 * Message 2 of completed campaigns too.
		 */
		log_debug("webhook: Message 2 of campaign %lld queued for "
		    "contact %lld", (long long)m->campaign, (long long)c->id);
		if (d->wake_sender != NULL)
			d->wake_sender(d);
	}
	ret = 0;
out:
	free(body);
	return ret;
}

/* Opt the contact out and cancel their pending messages. */
static int
optout(struct daemon *d, struct wh_contact *c, struct ob_batch *t)
{
	sqlite3_stmt	*st;
	int64_t		 now = store_now();

	st = store_stmt(d->store, "UPDATE contacts SET opted_out_at = "
	    "CASE WHEN opted_out THEN coalesce(opted_out_at, ?1) ELSE ?1 END, "
	    "opted_out = 1, updated_at = ?1 WHERE id = ?2");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, c->id);
	if (step_done(d, st, "opt-out") == -1)
		return -1;
	return outbox_cancel_contact(d, c->id, OB_CANCEL_OPTOUT, t) == -1 ?
	    -1 : 0;
}

/* A reply or a reaction from a contact. */
static int
apply_inbound(struct daemon *d, const struct wh_event *ev, int64_t event_id,
    struct ob_batch *t)
{
	struct wh_contact c;
	struct wh_msg	 m;
	const char	*kind, *body;
	char		 mask[PHONE_MAX];
	int		 r, have, ret = -1;

	if (!ev->inbound)
		return 1;
	if (ev->group) {
		log_debug("webhook: %s %s in a group chat: ignored", ev->event,
		    ev->object_id);
		return 1;
	}
	if (ev->kind == WH_REACTION) {
		kind = "reaction";
		body = ev->emoji;
		/* An empty or "-" reaction removes one: nothing to count. */
		if (*body == '\0' || strcmp(body, "-") == 0) {
			log_debug("webhook: %s %s removes a reaction: nothing "
			    "to count", ev->event, ev->object_id);
			return 1;
		}
	} else {
		kind = "reply";
		body = ev->text;
	}
	if (*ev->phone == '\0' && *ev->lid == '\0') {
		log_info("webhook: %s %s carries no phone number nor @lid "
		    "id: skipped", ev->event, ev->object_id);
		return 1;
	}
	if ((r = contact_find(d, ev, &c)) <= 0) {
		if (r == 0 && *ev->phone != '\0')
			log_info("webhook: %s %s from %s: no such contact; "
			    "skipped", ev->event, ev->object_id,
			    masked(ev->phone, mask));
		else if (r == 0)
			log_info("webhook: %s %s from an @lid chat with no "
			    "phone field, never seen with a number: skipped",
			    ev->event, ev->object_id);
		return r < 0 ? -1 : 1;
	}
	if (*ev->phone != '\0' && *ev->lid != '\0' &&
	    lid_keep(d, ev->lid, c.id) == -1)
		goto out;

	if ((have = correlate(d, ev, c.id, &m)) < 0)
		goto out;
	if (!have)
		log_info("webhook: %s %s from contact %lld answers no campaign "
		    "message: kept as an interaction", ev->event,
		    ev->object_id, (long long)c.id);
	if (ev->kind == WH_IN_NEW && is_optout(d, ev->text)) {
		if (optout(d, &c, t) == -1 || interaction_add(d, c.id,
		    have ? &m : NULL, "optout", body, event_id) == -1)
			goto out;
		log_info("webhook: contact %lld opted out", (long long)c.id);
		ret = 1;
		goto out;
	}
	if ((r = interaction_add(d, c.id, have ? &m : NULL, kind, body,
	    event_id)) == -1)
		goto out;
	if (r == 1 && outbox_interaction(d, have ? m.campaign : 0, t) == -1)
		goto out;
	if (have && queue_m2(d, &m, &c, t) == -1)
		goto out;
	ret = 1;
out:
	contact_free(&c);
	return ret;
}

int
webhook_apply(struct daemon *d, const struct wh_event *ev, int64_t event_id,
    struct ob_batch *t)
{
	switch (ev->kind) {
	case WH_ACK:
		return apply_ack(d, ev, event_id, t);
	case WH_FAILED:
		return apply_failed(d, ev, t);
	case WH_OUT_SENT:
		return apply_sent(d, ev, t);
	case WH_OUT_NEW:
		return apply_out_new(d, ev, t);
	case WH_IN_NEW:
	case WH_REACTION:
		return apply_inbound(d, ev, event_id, t);
	case WH_UPDATE:
	case WH_OTHER:
		break;
	}
	return 1;
}
