/*
 * What a Wassenger event does to the store (DESIGN §6-7): acks move a
 * message forward, failures fail it, replies and reactions become
 * interactions and may queue Message 2, an opt-out keyword opts the contact
 * out. Every change of a message state moves the campaign counters in the
 * same transaction: the campaign columns pending..cancelled count the
 * messages currently in that state (they sum to total).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "store.h"
#include "text.h"
#include "webhook_apply.h"
#include "webhook_parse.h"
#include "xmalloc.h"

/* Provided by the pacer when it is linked in: wake it for a new message. */
void	pacer_kick(struct daemon *) __attribute__((weak));

struct wh_msg {
	int64_t		 id;
	int64_t		 campaign;
	int64_t		 contact;
	int		 type;
	int64_t		 round;
	int		 has_sent_at;
	char		 state[16];
};

struct wh_contact {
	int64_t		 id;
	int		 opted_out;
	char		*first;
	char		*last;
	char		*phone;
};

void
webhook_touch(struct wh_touched *t, int64_t id)
{
	size_t	 i;

	if (t == NULL || id <= 0)
		return;
	for (i = 0; i < t->n; i++)
		if (t->ids[i] == id)
			return;
	if (t->n == WH_TOUCHED_MAX)
		t->overflow = 1;
	else
		t->ids[t->n++] = id;
}

/* Forward rank of a state; -1 for the terminal failed and cancelled. */
static int
state_rank(const char *s)
{
	if (strcmp(s, "sent") == 0)
		return WH_ACK_SENT;
	if (strcmp(s, "delivered") == 0)
		return WH_ACK_DELIVERED;
	if (strcmp(s, "read") == 0)
		return WH_ACK_READ;
	if (strcmp(s, "failed") == 0 || strcmp(s, "cancelled") == 0)
		return -1;
	return 0;	/* pending, sending, unknown */
}

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
		m->has_sent_at = sqlite3_column_int(st, 6);
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
		st = store_stmt(d->store, "SELECT id, campaign_id, contact_id, "
		    "message_type, round, state, sent_at IS NOT NULL "
		    "FROM messages WHERE wa_id = ?");
	else if (strcmp(col, "wass_id") == 0)
		st = store_stmt(d->store, "SELECT id, campaign_id, contact_id, "
		    "message_type, round, state, sent_at IS NOT NULL "
		    "FROM messages WHERE wass_id = ?");
	else
		st = store_stmt(d->store, "SELECT id, campaign_id, contact_id, "
		    "message_type, round, state, sent_at IS NOT NULL "
		    "FROM messages WHERE reference = ? "
		    "ORDER BY id DESC LIMIT 1");
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

/* Move the campaign counters of CAMPAIGN by N messages from FROM to TO. */
static int
counters_move(struct daemon *d, int64_t campaign, const char *from,
    const char *to, int64_t n)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "UPDATE campaigns SET "
	    "pending = pending + ?3 * ((?2 = 'pending') - (?1 = 'pending')), "
	    "sending = sending + ?3 * ((?2 = 'sending') - (?1 = 'sending')), "
	    "sent = sent + ?3 * ((?2 = 'sent') - (?1 = 'sent')), "
	    "delivered = delivered + ?3 * ((?2 = 'delivered') - "
	    "(?1 = 'delivered')), "
	    "read = read + ?3 * ((?2 = 'read') - (?1 = 'read')), "
	    "failed = failed + ?3 * ((?2 = 'failed') - (?1 = 'failed')), "
	    "unknown = unknown + ?3 * ((?2 = 'unknown') - (?1 = 'unknown')), "
	    "cancelled = cancelled + ?3 * ((?2 = 'cancelled') - "
	    "(?1 = 'cancelled')) WHERE id = ?4");
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, n);
	sqlite3_bind_int64(st, 4, campaign);
	return step_done(d, st, "campaign counters");
}

static const char *const wh_states[WH_NSTATES] = { "pending", "sending",
    "sent", "delivered", "read", "failed", "unknown", "cancelled" };

static int
state_index(const char *s)
{
	int	 i;

	for (i = 0; i < WH_NSTATES; i++)
		if (strcmp(wh_states[i], s) == 0)
			return i;
	return -1;
}

/*
 * Count a message of CAMPAIGN moving from FROM to TO in the batch's deltas;
 * moved at once when the batch already holds WH_TOUCHED_MAX campaigns.
 */
static int
counters_add(struct daemon *d, struct wh_touched *t, int64_t campaign,
    const char *from, const char *to)
{
	struct wh_usage	*u;
	int		 f = state_index(from), k = state_index(to);
	size_t		 i;

	if (t == NULL || f < 0 || k < 0)
		return counters_move(d, campaign, from, to, 1);
	u = &t->usage;
	for (i = 0; i < u->ncounters; i++)
		if (u->counters[i].campaign == campaign)
			break;
	if (i == u->ncounters) {
		if (i == WH_TOUCHED_MAX)
			return counters_move(d, campaign, from, to, 1);
		memset(&u->counters[i], 0, sizeof u->counters[i]);
		u->counters[i].campaign = campaign;
		u->ncounters++;
	}
	u->counters[i].delta[f]--;
	u->counters[i].delta[k]++;
	return 0;
}

/* Add to the batch's daily_usage deltas. */
static int
usage_add(struct wh_touched *t, int delivered, int rd, int inter, int failed)
{
	t->usage.delivered += delivered;
	t->usage.read += rd;
	t->usage.interactions += inter;
	t->usage.failed += failed;
	return 0;
}

int
webhook_usage_flush(struct daemon *d, struct wh_touched *t)
{
	sqlite3_stmt	*st;
	struct wh_usage	*u = &t->usage;
	char		 day[11];
	size_t		 i;
	int		 k;

	for (i = 0; i < u->ncounters; i++) {
		st = store_stmt(d->store, "UPDATE campaigns SET "
		    "pending = pending + ?1, sending = sending + ?2, "
		    "sent = sent + ?3, delivered = delivered + ?4, "
		    "read = read + ?5, failed = failed + ?6, "
		    "unknown = unknown + ?7, cancelled = cancelled + ?8 "
		    "WHERE id = ?9");
		for (k = 0; k < WH_NSTATES; k++)
			sqlite3_bind_int(st, k + 1, u->counters[i].delta[k]);
		sqlite3_bind_int64(st, 9, u->counters[i].campaign);
		if (step_done(d, st, "campaign counters") == -1)
			return -1;
	}
	u->ncounters = 0;
	if (u->delivered == 0 && u->read == 0 && u->interactions == 0 &&
	    u->failed == 0)
		return 0;
	clock_today(day);
	st = store_stmt(d->store, "INSERT INTO daily_usage (day, delivered, "
	    "read, interactions, failed) VALUES (?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT(day) DO UPDATE SET "
	    "delivered = delivered + excluded.delivered, "
	    "read = read + excluded.read, "
	    "interactions = interactions + excluded.interactions, "
	    "failed = failed + excluded.failed");
	sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, u->delivered);
	sqlite3_bind_int(st, 3, u->read);
	sqlite3_bind_int(st, 4, u->interactions);
	sqlite3_bind_int(st, 5, u->failed);
	if (step_done(d, st, "daily usage") == -1)
		return -1;
	memset(u, 0, sizeof *u);
	return 0;
}

/* Set message M to state TO (with an error text for failures). */
static int
msg_move(struct daemon *d, struct wh_msg *m, const char *to,
    const char *error, struct wh_touched *t)
{
	sqlite3_stmt	*st;
	int64_t		 now = store_now();
	int		 rank = state_rank(to);

	/*
	 * sent_at is indexed (messages_contact): set only when it changes,
	 * else every ack would rewrite an index entry, and its page.
	 */
	if (rank >= 1 && !m->has_sent_at)
		st = store_stmt(d->store, "UPDATE messages SET state = ?1, "
		    "updated_at = ?2, sent_at = coalesce(sent_at, ?2), "
		    "delivered_at = CASE WHEN ?3 >= 2 THEN "
		    "coalesce(delivered_at, ?2) ELSE delivered_at END, "
		    "read_at = CASE WHEN ?3 >= 3 THEN coalesce(read_at, ?2) "
		    "ELSE read_at END, "
		    "error = coalesce(?4, error) WHERE id = ?5");
	else
		st = store_stmt(d->store, "UPDATE messages SET state = ?1, "
		    "updated_at = ?2, "
		    "delivered_at = CASE WHEN ?3 >= 2 THEN "
		    "coalesce(delivered_at, ?2) ELSE delivered_at END, "
		    "read_at = CASE WHEN ?3 >= 3 THEN coalesce(read_at, ?2) "
		    "ELSE read_at END, "
		    "error = coalesce(?4, error) WHERE id = ?5");
	sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, rank);
	if (error != NULL)
		sqlite3_bind_text(st, 4, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, m->id);
	if (step_done(d, st, "message state") == -1 ||
	    counters_add(d, t, m->campaign, m->state, to) == -1)
		return -1;
	snprintf(m->state, sizeof m->state, "%s", to);
	if (rank >= 1)
		m->has_sent_at = 1;
	webhook_touch(t, m->campaign);
	return 0;
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
	return sqlite3_changes(store_db(d->store)) > 0;
}

static int
apply_ack(struct daemon *d, const struct wh_event *ev, int64_t event_id,
    struct wh_touched *t)
{
	struct wh_msg	 m;
	const char	*to, *id;
	int		 r, cur, delivered, rd;

	if (ev->ack_level == WH_ACK_NONE)
		return 1;
	id = *ev->msg_id != '\0' ? ev->msg_id : ev->object_id;
	if ((r = msg_find(d, "wa_id", id, &m)) <= 0)
		return r;	/* 0: kept until the send reply stores waId */
	cur = state_rank(m.state);
	if (cur < 0 || ev->ack_level <= cur || strcmp(m.state, "pending") == 0)
		return 1;
	to = ev->ack_level == WH_ACK_SENT ? "sent" :
	    ev->ack_level == WH_ACK_DELIVERED ? "delivered" : "read";
	if (msg_move(d, &m, to, NULL, t) == -1)
		return -1;
	delivered = cur < WH_ACK_DELIVERED && ev->ack_level >= WH_ACK_DELIVERED;
	rd = ev->ack_level == WH_ACK_READ;
	if ((delivered || rd) && usage_add(t, delivered, rd, 0, 0) == -1)
		return -1;
	if (ev->ack_level >= WH_ACK_DELIVERED && interaction_add(d, m.contact,
	    &m, rd ? "read" : "delivered", NULL, event_id) == -1)
		return -1;
	return 1;
}

static int
apply_failed(struct daemon *d, const struct wh_event *ev, struct wh_touched *t)
{
	struct wh_msg	 m;
	int		 r;

	if ((r = msg_find(d, "wass_id", ev->msg_id, &m)) == 0 &&
	    (r = msg_find(d, "wass_id", ev->entity_id, &m)) == 0)
		r = msg_find(d, "wa_id", ev->msg_id, &m);
	if (r <= 0)
		return r;
	if (state_rank(m.state) < 0 || state_rank(m.state) >= WH_ACK_DELIVERED)
		return 1;
	if (msg_move(d, &m, "failed", *ev->reason != '\0' ? ev->reason :
	    "failed (Wassenger webhook)", t) == -1 ||
	    usage_add(t, 0, 0, 0, 1) == -1)
		return -1;
	return 1;
}

static int
apply_sent(struct daemon *d, const struct wh_event *ev, struct wh_touched *t)
{
	struct wh_msg	 m;
	int		 r;

	if ((r = msg_find(d, "wass_id", ev->msg_id, &m)) == 0)
		r = msg_find(d, "wass_id", ev->entity_id, &m);
	if (r <= 0)
		return r < 0 ? -1 : 1;
	if (strcmp(m.state, "sending") != 0 && strcmp(m.state, "unknown") != 0)
		return 1;
	return msg_move(d, &m, "sent", NULL, t) == -1 ? -1 : 1;
}

static void
contact_free(struct wh_contact *c)
{
	free(c->first);
	free(c->last);
	free(c->phone);
}

static int
contact_find(struct daemon *d, const char *phone, struct wh_contact *c)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(c, 0, sizeof *c);
	st = store_stmt(d->store, "SELECT id, opted_out, first_name, "
	    "last_name, full_number FROM contacts WHERE full_number = ?");
	sqlite3_bind_text(st, 1, phone, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c->id = sqlite3_column_int64(st, 0);
		c->opted_out = sqlite3_column_int(st, 1);
		c->first = xstrdup((const char *)sqlite3_column_text(st, 2));
		c->last = xstrdup((const char *)sqlite3_column_text(st, 3));
		c->phone = xstrdup((const char *)sqlite3_column_text(st, 4));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
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

/* Opt the contact out and cancel their pending messages, counters too. */
static int
optout(struct daemon *d, struct wh_contact *c, struct wh_touched *t)
{
	sqlite3_stmt	*st;
	int64_t		 now = store_now(), camp[64], n[64];
	size_t		 i, k = 0;
	int		 rc;

	st = store_stmt(d->store, "UPDATE contacts SET opted_out_at = "
	    "CASE WHEN opted_out THEN coalesce(opted_out_at, ?1) ELSE ?1 END, "
	    "opted_out = 1, updated_at = ?1 WHERE id = ?2");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, c->id);
	if (step_done(d, st, "opt-out") == -1)
		return -1;
	for (;;) {
		k = 0;
		st = store_stmt(d->store, "SELECT campaign_id, count(*) FROM "
		    "messages WHERE contact_id = ? AND state = 'pending' "
		    "GROUP BY campaign_id LIMIT 64");
		sqlite3_bind_int64(st, 1, c->id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < 64) {
			camp[k] = sqlite3_column_int64(st, 0);
			n[k++] = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
		if (k == 0)
			return 0;
		for (i = 0; i < k; i++) {
			if (counters_move(d, camp[i], "pending", "cancelled",
			    n[i]) == -1)
				return -1;
			webhook_touch(t, camp[i]);
			st = store_stmt(d->store, "UPDATE messages SET state = "
			    "'cancelled', error = 'contact opted out', "
			    "updated_at = ? WHERE contact_id = ? AND "
			    "campaign_id = ? AND state = 'pending'");
			sqlite3_bind_int64(st, 1, now);
			sqlite3_bind_int64(st, 2, c->id);
			sqlite3_bind_int64(st, 3, camp[i]);
			if (step_done(d, st, "cancel") == -1)
				return -1;
		}
	}
}

/* Message 2 text for contact C: {{first_name}} {{last_name}} {{phone}}. */
static char *
personalise(const char *tmpl, const struct wh_contact *c)
{
	static const char *const keys[] = { "{{first_name}}", "{{last_name}}",
	    "{{phone}}" };
	const char	*vals[3] = { c->first, c->last, c->phone };
	char		*out;
	size_t		 len = 0, cap, i, kl;

	cap = strlen(tmpl) + 1;
	out = xmalloc(cap);
	while (*tmpl != '\0') {
		for (i = 0; i < 3; i++) {
			kl = strlen(keys[i]);
			if (strncmp(tmpl, keys[i], kl) == 0)
				break;
		}
		if (i < 3) {
			cap += strlen(vals[i]);
			out = xrealloc(out, cap);
			memcpy(out + len, vals[i], strlen(vals[i]));
			len += strlen(vals[i]);
			tmpl += kl;
		} else
			out[len++] = *tmpl++;
	}
	out[len] = '\0';
	return out;
}

/* Queue Message 2 of M's campaign for C, at most once (UNIQUE). */
static int
queue_m2(struct daemon *d, const struct wh_msg *m, struct wh_contact *c,
    struct wh_touched *t)
{
	sqlite3_stmt	*st;
	char		*tmpl = NULL, *body = NULL;
	int64_t		 now = store_now();
	int		 rc, ret = -1;

	if (m->type != 1 || c->opted_out || state_rank(m->state) < 0 ||
	    strcmp(m->state, "pending") == 0)
		return 0;
	st = store_stmt(d->store, "SELECT message_2 FROM campaigns WHERE "
	    "id = ? AND status IN ('running', 'paused', 'completed')");
	sqlite3_bind_int64(st, 1, m->campaign);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		tmpl = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (tmpl == NULL || *tmpl == '\0') {
		free(tmpl);
		return 0;
	}
	body = personalise(tmpl, c);
	st = store_stmt(d->store, "INSERT OR IGNORE INTO messages (campaign_id, "
	    "contact_id, message_type, round, phone, body, state, created_at, "
	    "updated_at) VALUES (?1, ?2, 2, ?3, ?4, ?5, 'pending', ?6, ?6)");
	sqlite3_bind_int64(st, 1, m->campaign);
	sqlite3_bind_int64(st, 2, c->id);
	sqlite3_bind_int64(st, 3, m->round);
	sqlite3_bind_text(st, 4, c->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	if (step_done(d, st, "queue Message 2") == -1)
		goto out;
	if (sqlite3_changes(store_db(d->store)) > 0) {
		/* A finished campaign runs again for its Message 2. */
		st = store_stmt(d->store, "UPDATE campaigns SET "
		    "m2_total = m2_total + 1, total = total + 1, "
		    "pending = pending + 1, updated_at = ?2, "
		    "status = CASE status WHEN 'completed' THEN 'running' "
		    "ELSE status END, finished_at = CASE status WHEN "
		    "'completed' THEN NULL ELSE finished_at END WHERE id = ?1");
		sqlite3_bind_int64(st, 1, m->campaign);
		sqlite3_bind_int64(st, 2, now);
		if (step_done(d, st, "Message 2 counters") == -1)
			goto out;
		webhook_touch(t, m->campaign);
		log_debug("webhook: Message 2 of campaign %lld queued for "
		    "contact %lld", (long long)m->campaign, (long long)c->id);
		if (pacer_kick != NULL && d->base != NULL)
			pacer_kick(d);
	}
	ret = 0;
out:
	free(tmpl);
	free(body);
	return ret;
}

/* A reply or a reaction from a contact. */
static int
apply_inbound(struct daemon *d, const struct wh_event *ev, int64_t event_id,
    struct wh_touched *t)
{
	struct wh_contact c;
	struct wh_msg	 m;
	sqlite3_stmt	*st;
	const char	*kind, *body;
	int		 r, have, ret = -1;

	if (!ev->inbound || ev->group || *ev->phone == '\0')
		return 1;
	if (ev->kind == WH_REACTION) {
		kind = "reaction";
		body = ev->emoji;
		/* An empty or "-" reaction removes one: nothing to count. */
		if (*body == '\0' || strcmp(body, "-") == 0)
			return 1;
	} else {
		kind = "reply";
		body = ev->text;
	}
	if ((r = contact_find(d, ev->phone, &c)) <= 0)
		return r < 0 ? -1 : 1;
	if ((have = correlate(d, ev, c.id, &m)) < 0)
		goto out;
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
	if (r == 1 && have) {
		st = store_stmt(d->store, "UPDATE campaigns SET "
		    "interactions = interactions + 1 WHERE id = ?");
		sqlite3_bind_int64(st, 1, m.campaign);
		if (step_done(d, st, "interactions") == -1 ||
		    usage_add(t, 0, 0, 1, 0) == -1)
			goto out;
		webhook_touch(t, m.campaign);
	}
	if (have && queue_m2(d, &m, &c, t) == -1)
		goto out;
	ret = 1;
out:
	contact_free(&c);
	return ret;
}

int
webhook_apply(struct daemon *d, const struct wh_event *ev, int64_t event_id,
    struct wh_touched *t)
{
	switch (ev->kind) {
	case WH_ACK:
		return apply_ack(d, ev, event_id, t);
	case WH_FAILED:
		return apply_failed(d, ev, t);
	case WH_OUT_SENT:
		return apply_sent(d, ev, t);
	case WH_IN_NEW:
	case WH_REACTION:
		return apply_inbound(d, ev, event_id, t);
	case WH_OUT_NEW:
	case WH_UPDATE:
	case WH_OTHER:
		break;
	}
	return 1;
}
