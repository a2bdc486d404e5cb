/*
 * The outbox: the one owner of messages.state (DESIGN §6), in the manner of
 * OpenSMTPD's queue. Each transition checks the state it moves from, writes
 * the message, the campaign counters and the day's usage in the caller's
 * transaction, and checks every step; nothing else in the daemon writes
 * those columns.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

static const char *const ob_states[OB_NSTATES] = { "pending", "sending",
    "sent", "delivered", "read", "failed", "unknown", "cancelled" };

/* The reference nonce of this database (meta.nonce), loaded once. */
static char	 ob_nonce[32];

/* One message as a transition sees it. */
struct ob_row {
	char	 day[11];	/* the day its reservation counts on */
	char	 lane[40];	/* the lane it was claimed through */
	int64_t	 id;
	int64_t	 campaign;
	int64_t	 round;
	int64_t	 claimed_at;
	int	 type;
	int	 state;
	int	 has_sent_at;
};

const char *
outbox_state_name(int s)
{
	if (s < 0 || s >= OB_NSTATES)
		return "?";
	return ob_states[s];
}

int
outbox_state_index(const char *s)
{
	int	 i;

	for (i = 0; i < OB_NSTATES; i++)
		if (strcmp(ob_states[i], s) == 0)
			return i;
	return -1;
}

/* Step ST to its end, reset it; -1 (logged) on an error. */
static int
step(struct daemon *d, sqlite3_stmt *st, const char *what)
{
	int	 rc = sqlite3_step(st);

	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("outbox: %s: %s", what, store_errmsg(d->store));
		return -1;
	}
	return 0;
}

static int64_t
changes(struct daemon *d)
{
	return sqlite3_changes(store_db(d->store));
}

/* Fields a rendering fills: ours and the most an import keeps. */
#define RENDER_FIELDS	48

/*
 * SQL wacamp_render(template, first_name, last_name, phone, extra): the
 * one rendering of placeholders (text_render; OUTBOX_RENDER), callable
 * inside an INSERT ... SELECT. EXTRA is the contact's kept columns as a
 * JSON object, read only when the template has a placeholder at all.
 */
static void
render_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct text_field	 f[RENDER_FIELDS + 2] = { { "first_name", NULL },
	    { "last_name", NULL }, { "phone", NULL } };
	const char		*tmpl, *extra, *k;
	json_t			*x = NULL, *v;
	char			*out;
	int			 i, n = 3;

	if ((tmpl = (const char *)sqlite3_value_text(argv[0])) == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	for (i = 1; i < argc && i <= 3; i++)
		f[i - 1].value = (const char *)sqlite3_value_text(argv[i]);
	if (argc > 4 && strstr(tmpl, "{{") != NULL &&
	    (extra = (const char *)sqlite3_value_text(argv[4])) != NULL &&
	    (x = json_loads(extra, 0, NULL)) != NULL)
		json_object_foreach(x, k, v) {
			if (n == RENDER_FIELDS)
				break;
			if (json_is_string(v)) {
				f[n].name = k;
				f[n++].value = json_string_value(v);
			}
		}
	/* A name the contact has no value for is empty (its fallback, if
	 * any): campaign_check_text() let only known names in. */
	f[n].name = "*";
	f[n + 1].name = NULL;
	out = text_render(tmpl, f);
	json_decref(x);
	sqlite3_result_text(ctx, out, -1, free);
}

int
outbox_init(struct daemon *d)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_create_function(store_db(d->store), "wacamp_render", 5,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, render_fn, NULL,
	    NULL) != SQLITE_OK) {
		log_warnx("outbox: cannot add wacamp_render: %s",
		    store_errmsg(d->store));
		return -1;
	}

	st = store_stmt(d->store, "SELECT value FROM meta WHERE key = 'nonce'");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(ob_nonce, sizeof ob_nonce, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW || *ob_nonce == '\0') {
		log_warnx("outbox: no reference nonce in the database");
		return -1;
	}
	return 0;
}

void
outbox_reference(struct daemon *d, int64_t id, int64_t round, char *buf,
    size_t len)
{
	snprintf(buf, len, "wacamp-%s-%lld-r%lld", ob_nonce, (long long)id,
	    (long long)round);
}

/* Parse "wacamp-<nonce>-<id>-r<round>" of this database: 1, else 0. */
int
outbox_parse_reference(struct daemon *d, const char *ref, int64_t *id,
    int64_t *round)
{
	size_t		 n = strlen(ob_nonce);
	const char	*p;
	char		*end;
	long long	 a, b;

	if (n == 0 || strncmp(ref, "wacamp-", 7) != 0 ||
	    strncmp(ref + 7, ob_nonce, n) != 0 || ref[7 + n] != '-')
		return 0;
	p = ref + 8 + n;
	if (*p < '1' || *p > '9')
		return 0;
	errno = 0;
	a = strtoll(p, &end, 10);
	if (errno != 0 || end[0] != '-' || end[1] != 'r' || end[2] < '1' ||
	    end[2] > '9')
		return 0;
	b = strtoll(end + 2, &end, 10);
	if (errno != 0 || *end != '\0' || a <= 0 || b <= 0)
		return 0;
	*id = a;
	*round = b;
	return 1;
}

/* Load message ID: 1, 0 when there is none, -1. */
static int
load(struct daemon *d, int64_t id, struct ob_row *m)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(d->store, "SELECT campaign_id, round, "
	    "coalesce(claimed_at, 0), message_type, state, sent_at IS NOT NULL, "
	    "claim_day, coalesce(lane, 'default') FROM messages WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m->id = id;
		m->campaign = sqlite3_column_int64(st, 0);
		m->round = sqlite3_column_int64(st, 1);
		m->claimed_at = sqlite3_column_int64(st, 2);
		m->type = sqlite3_column_int(st, 3);
		m->state = outbox_state_index((const char *)
		    sqlite3_column_text(st, 4));
		m->has_sent_at = sqlite3_column_int(st, 5);
		if (sqlite3_column_type(st, 6) == SQLITE_TEXT)
			snprintf(m->day, sizeof m->day, "%s",
			    (const char *)sqlite3_column_text(st, 6));
		else
			clock_day((time_t)m->claimed_at, m->day);
		snprintf(m->lane, sizeof m->lane, "%s",
		    (const char *)sqlite3_column_text(st, 7));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	log_warnx("outbox: message %lld: %s", (long long)id,
	    store_errmsg(d->store));
	return -1;
}

#define OB_BIT(s)	(1u << (s))

/* Load message ID when its state is one of ALLOWED (OB_BIT set): 1;
 * 0 when there is none or it is in another state; -1. */
static int
load_in(struct daemon *d, int64_t id, struct ob_row *m, unsigned allowed)
{
	int	 r;

	if ((r = load(d, id, m)) <= 0)
		return r;
	return m->state >= 0 && (allowed & OB_BIT(m->state)) ? 1 : 0;
}

void
outbox_touch(struct ob_batch *b, int64_t campaign)
{
	size_t	 i;

	if (b == NULL || campaign <= 0)
		return;
	for (i = 0; i < b->ntouched; i++)
		if (b->touched[i] == campaign)
			return;
	if (b->ntouched == OB_BATCH_CAMPAIGNS)
		b->touched_overflow = 1;
	else
		b->touched[b->ntouched++] = campaign;
}

/* Write counter deltas DELTA (and INTER interactions) of CAMPAIGN now. */
static int
counters_write(struct daemon *d, int64_t campaign, const int *delta,
    int inter)
{
	sqlite3_stmt	*st;
	int		 k;

	st = store_stmt(d->store, "UPDATE campaigns SET "
	    "pending = pending + ?1, sending = sending + ?2, "
	    "sent = sent + ?3, delivered = delivered + ?4, "
	    "read = read + ?5, failed = failed + ?6, "
	    "unknown = unknown + ?7, cancelled = cancelled + ?8, "
	    "interactions = interactions + ?9 WHERE id = ?10");
	for (k = 0; k < OB_NSTATES; k++)
		sqlite3_bind_int(st, k + 1, delta[k]);
	sqlite3_bind_int(st, 9, inter);
	sqlite3_bind_int64(st, 10, campaign);
	return step(d, st, "campaign counters");
}

/* N messages of CAMPAIGN move FROM -> TO (-1: none, for new or removed). */
static int
counters(struct daemon *d, struct ob_batch *b, int64_t campaign, int from,
    int to, int64_t n, int inter)
{
	int	 delta[OB_NSTATES];
	size_t	 i;

	if (n == 0 && inter == 0)
		return 0;
	if (b != NULL) {
		outbox_touch(b, campaign);
		for (i = 0; i < b->n; i++)
			if (b->c[i].campaign == campaign)
				break;
		if (i < OB_BATCH_CAMPAIGNS) {
			if (i == b->n) {
				memset(&b->c[i], 0, sizeof b->c[i]);
				b->c[i].campaign = campaign;
				b->n++;
			}
			if (from >= 0)
				b->c[i].delta[from] -= (int)n;
			if (to >= 0)
				b->c[i].delta[to] += (int)n;
			b->c[i].interactions += inter;
			return 0;
		}
	}
	memset(delta, 0, sizeof delta);
	if (from >= 0)
		delta[from] -= (int)n;
	if (to >= 0)
		delta[to] += (int)n;
	return counters_write(d, campaign, delta, inter);
}

/*
 * Move the usage of DAY (NULL: today) on LANE (NULL: default) by these
 * deltas: claims, the failures that give one back, deliveries, reads and
 * later failures under the lane the message went through; interactions
 * (a reply names no lane of ours) under the default lane.
 */
static int
usage(struct daemon *d, const char *day, const char *lane, int sent,
    int type, int failed, int delivered, int rd, int inter)
{
	sqlite3_stmt	*st;
	char		 today[11];

	if (day == NULL) {
		clock_today(today);
		day = today;
	}
	st = store_stmt(d->store, "INSERT INTO daily_usage (day, device, sent, "
	    "m1, m2, failed, delivered, read, interactions) VALUES (?1, ?9, "
	    "?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (day, device) DO UPDATE "
	    "SET "
	    "sent = sent + excluded.sent, m1 = m1 + excluded.m1, "
	    "m2 = m2 + excluded.m2, failed = failed + excluded.failed, "
	    "delivered = delivered + excluded.delivered, "
	    "read = read + excluded.read, "
	    "interactions = interactions + excluded.interactions");
	sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, sent);
	sqlite3_bind_int(st, 3, type == 1 ? sent : 0);
	sqlite3_bind_int(st, 4, type == 2 ? sent : 0);
	sqlite3_bind_int(st, 5, failed);
	sqlite3_bind_int(st, 6, delivered);
	sqlite3_bind_int(st, 7, rd);
	sqlite3_bind_int(st, 8, inter);
	sqlite3_bind_text(st, 9, lane != NULL ? lane : "default", -1,
	    SQLITE_TRANSIENT);
	return step(d, st, "daily usage");
}

/* Give back the cap reservation M took on the day of its claim. */
static int
release(struct daemon *d, const struct ob_row *m, int failed)
{
	return usage(d, m->day, m->lane, -1, m->type, failed, 0, 0, 0);
}

int
outbox_flush(struct daemon *d, struct ob_batch *b)
{
	size_t	 i;

	for (i = 0; i < b->n; i++)
		if (counters_write(d, b->c[i].campaign, b->c[i].delta,
		    b->c[i].interactions) == -1)
			return -1;
	b->n = 0;
	for (i = 0; i < b->nu; i++)
		if (usage(d, NULL, b->u[i].lane, 0, 0, b->u[i].failed,
		    b->u[i].delivered, b->u[i].read, b->u[i].interactions) == -1)
			return -1;
	b->nu = 0;
	return 0;
}

/* Today's usage on LANE (NULL: default): into the batch, or at once
 * without one or when the batch has no room for another lane. */
static int
usage_later(struct daemon *d, struct ob_batch *b, const char *lane,
    int failed, int delivered, int rd, int inter)
{
	size_t	 i;

	if (lane == NULL)
		lane = "default";
	if (b == NULL)
		return usage(d, NULL, lane, 0, 0, failed, delivered, rd,
		    inter);
	for (i = 0; i < b->nu; i++)
		if (strcmp(b->u[i].lane, lane) == 0)
			break;
	if (i == b->nu) {
		if (b->nu == OB_BATCH_LANES)
			return usage(d, NULL, lane, 0, 0, failed, delivered,
			    rd, inter);
		memset(&b->u[i], 0, sizeof b->u[i]);
		snprintf(b->u[i].lane, sizeof b->u[i].lane, "%s", lane);
		b->nu++;
	}
	b->u[i].failed += failed;
	b->u[i].delivered += delivered;
	b->u[i].read += rd;
	b->u[i].interactions += inter;
	return 0;
}

/*
 * The audience of a launch: each distinct contact of the campaign's
 * categories who has not opted out and has a number WhatsApp may take
 * (VALID: not erased, and not found absent from WhatsApp by a
 * verification). RECENT holds for one who got a Message 1 of another
 * campaign (one that may have reached them, a test send aside) claimed
 * at or after ?3: suppress_days leaves them out (DESIGN §6).
 */
#define MEMBERS "c.id IN (SELECT cc.contact_id FROM " \
	"category_contacts cc JOIN campaign_categories kc ON " \
	"kc.category_id = cc.category_id WHERE kc.campaign_id = ?1)"
#define VALID "(c.full_number LIKE '+%' AND coalesce(c.verified, 1) != 0)"
#define AUDIENCE "c.opted_out = 0 AND " VALID " AND " MEMBERS
#define RECENT "EXISTS (SELECT 1 FROM messages p WHERE p.contact_id = " \
	"c.id AND p.campaign_id != ?1 AND p.message_type = 1 AND p.state " \
	"IN ('sending', 'sent', 'delivered', 'read', 'unknown') AND " \
	"coalesce(p.claimed_at, p.sent_at, p.updated_at) >= ?3 AND " \
	"p.campaign_id NOT IN (SELECT id FROM campaigns WHERE " \
	"test_user IS NOT NULL))"

int
outbox_audience_why(struct daemon *d, int64_t campaign, int64_t since,
    struct ob_audience *a)
{
	sqlite3_stmt	*st;
	int		 rc;
	int64_t		 contacts = 0;

	memset(a, 0, sizeof *a);
	st = store_stmt(d->store, "SELECT count(*), "
	    "coalesce(sum(c.opted_out != 0), 0), "
	    "coalesce(sum(c.opted_out = 0 AND NOT " VALID "), 0), "
	    "coalesce(sum(c.opted_out = 0 AND " VALID " AND ?3 > 0 AND "
	    RECENT "), 0) FROM contacts c WHERE " MEMBERS);
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 3, since);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		contacts = sqlite3_column_int64(st, 0);
		a->opted_out = sqlite3_column_int64(st, 1);
		a->no_number = sqlite3_column_int64(st, 2);
		a->suppressed = sqlite3_column_int64(st, 3);
		a->recipients = contacts - a->opted_out - a->no_number -
		    a->suppressed;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		goto fail;
	st = store_stmt(d->store, "SELECT count(*) FROM category_contacts cc "
	    "JOIN campaign_categories kc ON kc.category_id = cc.category_id "
	    "WHERE kc.campaign_id = ?1");
	sqlite3_bind_int64(st, 1, campaign);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		a->duplicates = sqlite3_column_int64(st, 0) - contacts;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		goto fail;
	return 0;
fail:
	log_warnx("outbox: audience: %s", store_errmsg(d->store));
	return -1;
}

int
outbox_audience(struct daemon *d, int64_t campaign, int64_t since,
    int64_t *audience, int64_t *suppressed)
{
	struct ob_audience	 a;

	*audience = *suppressed = 0;
	if (outbox_audience_why(d, campaign, since, &a) == -1)
		return -1;
	*audience = a.recipients;
	*suppressed = a.suppressed;
	return 0;
}

int
outbox_launch(struct daemon *d, int64_t campaign, int64_t *n)
{
	int64_t	 suppressed;

	return outbox_launch_since(d, campaign, 0, n, &suppressed);
}

int
outbox_launch_since(struct daemon *d, int64_t campaign, int64_t since,
    int64_t *n, int64_t *suppressed)
{
	sqlite3_stmt	*st;
	int64_t		 audience;

	*n = 0;
	if (outbox_audience(d, campaign, since, &audience, suppressed) == -1)
		return -1;
	st = store_stmt(d->store, "INSERT OR IGNORE INTO messages "
	    "(campaign_id, contact_id, message_type, round, phone, body, "
	    "state, created_at, updated_at) "
	    "SELECT ?1, c.id, 1, 1, c.full_number, "
	    OUTBOX_RENDER("k.message_1") ", 'pending', ?2, ?2 "
	    "FROM campaigns k, contacts c WHERE k.id = ?1 AND " AUDIENCE
	    " AND NOT (?3 > 0 AND " RECENT ") ORDER BY c.id");
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, store_now());
	sqlite3_bind_int64(st, 3, since);
	if (step(d, st, "launch") == -1)
		return -1;
	*n = changes(d);
	st = store_stmt(d->store, "UPDATE campaigns SET round = 1, "
	    "total = total + ?2, pending = pending + ?2, suppressed = ?3 "
	    "WHERE id = ?1");
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, *n);
	sqlite3_bind_int64(st, 3, *suppressed);
	if (step(d, st, "launch counters") == -1)
		return -1;
	return (int)(*n > 0);
}

int
outbox_claim(struct daemon *d, int64_t id, const char *day,
    const char *lane, const char *device, struct ob_claim *c)
{
	struct ob_row	 m;
	sqlite3_stmt	*st;
	char		 ref[96];
	int		 r, rc;

	memset(c, 0, sizeof *c);
	if ((r = load_in(d, id, &m, OB_BIT(OB_PENDING))) <= 0)
		return r;
	outbox_reference(d, id, m.round, ref, sizeof ref);
	st = store_stmt(d->store, "UPDATE messages SET state = 'sending', "
	    "attempts = attempts + 1, reference = ?2, claimed_at = ?3, "
	    "device = ?4, updated_at = ?5, claim_day = ?6, lane = ?7 WHERE "
	    "id = ?1 AND state = 'pending' RETURNING phone, body, attempts");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, store_now());
	if (device != NULL)
		sqlite3_bind_text(st, 4, device, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, store_now());
	sqlite3_bind_text(st, 6, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, lane != NULL ? lane : "default", -1,
	    SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c->phone = xstrdup((const char *)sqlite3_column_text(st, 0));
		c->body = xstrdup((const char *)sqlite3_column_text(st, 1));
		c->attempts = sqlite3_column_int(st, 2);
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("outbox: claim %lld: %s", (long long)id,
		    store_errmsg(d->store));
		outbox_claim_free(c);
		return -1;
	}
	c->id = id;
	c->campaign = m.campaign;
	c->type = m.type;
	c->reference = xstrdup(ref);
	snprintf(c->day, sizeof c->day, "%s", day);
	if (counters(d, NULL, m.campaign, OB_PENDING, OB_SENDING, 1, 0) == -1 ||
	    usage(d, day, lane, 1, m.type, 0, 0, 0, 0) == -1) {
		outbox_claim_free(c);
		return -1;
	}
	return 1;
}

void
outbox_claim_free(struct ob_claim *c)
{
	free(c->phone);
	free(c->body);
	free(c->reference);
	c->phone = c->body = c->reference = NULL;
}

int
outbox_sent(struct daemon *d, int64_t id, const char *wass_id,
    const char *wa_id, const char *device, struct ob_batch *b)
{
	struct ob_row	 m;
	sqlite3_stmt	*st;
	int64_t		 now = store_now();
	int		 r, rc;

	if ((r = load_in(d, id, &m, OB_BIT(OB_SENDING) | OB_BIT(OB_UNKNOWN))) <= 0)
		return r;
	if (wass_id == NULL)
		wass_id = "";
	if (wa_id == NULL)
		wa_id = "";
	st = store_stmt(d->store, "UPDATE messages SET state = 'sent', "
	    "wass_id = coalesce(nullif(?2, ''), wass_id), "
	    "wa_id = coalesce(nullif(?3, ''), wa_id), "
	    "device = coalesce(nullif(?4, ''), device), error = NULL, "
	    "sent_at = coalesce(sent_at, ?5), updated_at = ?5 "
	    "WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, wass_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, wa_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, device ? device : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		/* An id already stored on another message: keep the move. */
		log_warnx("outbox: message %lld: ids %s/%s are another "
		    "message's; stored without them", (long long)id, wass_id,
		    wa_id);
		wa_id = "";
		st = store_stmt(d->store, "UPDATE messages SET state = 'sent', "
		    "error = NULL, sent_at = coalesce(sent_at, ?2), "
		    "updated_at = ?2 WHERE id = ?1");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now);
		if (step(d, st, "sent") == -1)
			return -1;
	} else if (rc != SQLITE_DONE) {
		log_warnx("outbox: sent %lld: %s", (long long)id,
		    store_errmsg(d->store));
		return -1;
	}
	if (*wa_id != '\0') {
		st = store_stmt(d->store, "INSERT OR IGNORE INTO message_ids "
		    "(wa_id, message_id, round) VALUES (?, ?, ?)");
		sqlite3_bind_text(st, 1, wa_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_int64(st, 3, m.round);
		if (step(d, st, "message ids") == -1)
			return -1;
	}
	if (counters(d, b, m.campaign, m.state, OB_SENT, 1, 0) == -1)
		return -1;
	return 1;
}

int
outbox_requeue(struct daemon *d, int64_t id, const char *error,
    int64_t next_at, int spend)
{
	struct ob_row	 m;
	sqlite3_stmt	*st;
	int		 r;

	if ((r = load_in(d, id, &m, OB_BIT(OB_SENDING))) <= 0)
		return r;
	st = store_stmt(d->store, "UPDATE messages SET state = 'pending', "
	    "error = ?2, next_at = ?3, attempts = attempts - ?4, "
	    "updated_at = ?5 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	if (error != NULL)
		sqlite3_bind_text(st, 2, error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, next_at);
	sqlite3_bind_int(st, 4, spend ? 0 : 1);
	sqlite3_bind_int64(st, 5, store_now());
	if (step(d, st, "requeue") == -1 ||
	    counters(d, NULL, m.campaign, OB_SENDING, OB_PENDING, 1, 0) == -1 ||
	    release(d, &m, 0) == -1)
		return -1;
	return 1;
}

int
outbox_fail(struct daemon *d, int64_t id, const char *error,
    struct ob_batch *b)
{
	struct ob_row	 m;
	sqlite3_stmt	*st;
	int		 r;

	if ((r = load_in(d, id, &m, OB_BIT(OB_SENDING) | OB_BIT(OB_UNKNOWN) |
	    OB_BIT(OB_SENT))) <= 0)
		return r;
	st = store_stmt(d->store, "UPDATE messages SET state = 'failed', "
	    "error = ?2, updated_at = ?3 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, error ? error : "failed", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, store_now());
	if (step(d, st, "fail") == -1 ||
	    counters(d, b, m.campaign, m.state, OB_FAILED, 1, 0) == -1)
		return -1;
	/* What never reached WhatsApp gives its reservation back. */
	if (m.state == OB_SENT)
		r = usage_later(d, b, m.lane, 1, 0, 0, 0);
	else
		r = release(d, &m, 1);
	return r == -1 ? -1 : 1;
}

int
outbox_unknown(struct daemon *d, int64_t id, const char *error)
{
	struct ob_row	 m;
	sqlite3_stmt	*st;
	int		 r;

	if ((r = load_in(d, id, &m, OB_BIT(OB_SENDING))) <= 0)
		return r;
	st = store_stmt(d->store, "UPDATE messages SET state = 'unknown', "
	    "error = ?2, updated_at = ?3 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, error ? error : "outcome unknown", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, store_now());
	if (step(d, st, "unknown") == -1 ||
	    counters(d, NULL, m.campaign, OB_SENDING, OB_UNKNOWN, 1, 0) == -1)
		return -1;
	return 1;
}

int
outbox_ack(struct daemon *d, int64_t id, int level, struct ob_batch *b)
{
	struct ob_row	 m;
	sqlite3_stmt	*st;
	int		 r, rank, to;

	if ((r = load(d, id, &m)) <= 0)
		return r;
	switch (m.state) {
	case OB_SENDING:
	case OB_UNKNOWN:
		rank = 0;
		break;
	case OB_SENT:
		rank = 1;
		break;
	case OB_DELIVERED:
		rank = 2;
		break;
	default:
		return 0;	/* pending, read, failed, cancelled */
	}
	if (level <= rank || level < 1 || level > 3)
		return 0;
	to = level == 1 ? OB_SENT : level == 2 ? OB_DELIVERED : OB_READ;
	/*
	 * sent_at is indexed (messages_contact): set only when it changes,
	 * else every ack would rewrite an index entry, and its page.
	 */
	if (!m.has_sent_at)
		st = store_stmt(d->store, "UPDATE messages SET state = ?1, "
		    "updated_at = ?2, sent_at = ?2, "
		    "delivered_at = CASE WHEN ?3 >= 2 THEN "
		    "coalesce(delivered_at, ?2) ELSE delivered_at END, "
		    "read_at = CASE WHEN ?3 >= 3 THEN coalesce(read_at, ?2) "
		    "ELSE read_at END WHERE id = ?4");
	else
		st = store_stmt(d->store, "UPDATE messages SET state = ?1, "
		    "updated_at = ?2, "
		    "delivered_at = CASE WHEN ?3 >= 2 THEN "
		    "coalesce(delivered_at, ?2) ELSE delivered_at END, "
		    "read_at = CASE WHEN ?3 >= 3 THEN coalesce(read_at, ?2) "
		    "ELSE read_at END WHERE id = ?4");
	sqlite3_bind_text(st, 1, ob_states[to], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, store_now());
	sqlite3_bind_int(st, 3, level);
	sqlite3_bind_int64(st, 4, id);
	if (step(d, st, "ack") == -1 ||
	    counters(d, b, m.campaign, m.state, to, 1, 0) == -1 ||
	    usage_later(d, b, m.lane, 0, rank < 2 && level >= 2, level == 3,
	    0) == -1)
		return -1;
	return 1;
}

int
outbox_settle(struct daemon *d, int64_t id, int sent, const char *note)
{
	struct ob_row	 m;
	sqlite3_stmt	*st;
	int		 r;

	if ((r = load_in(d, id, &m, OB_BIT(OB_UNKNOWN))) <= 0)
		return r;
	st = store_stmt(d->store, "UPDATE messages SET state = ?2, "
	    "error = ?3, sent_at = CASE WHEN ?2 = 'sent' THEN "
	    "coalesce(sent_at, ?4) ELSE sent_at END, updated_at = ?4 "
	    "WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, sent ? "sent" : "failed", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, note, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, store_now());
	if (step(d, st, "settle") == -1 || counters(d, NULL, m.campaign,
	    OB_UNKNOWN, sent ? OB_SENT : OB_FAILED, 1, 0) == -1)
		return -1;
	if (!sent && release(d, &m, 1) == -1)
		return -1;
	return 1;
}

/*
 * Run SQL (a string literal: ?1 the campaign, ?2 now) that moves some of
 * CAMPAIGN's messages from FROM to TO, and move the counters as many.
 */
static int
bulk_move(struct daemon *d, int64_t campaign, const char *sql,
    const char *what, int from, int to)
{
	sqlite3_stmt	*st;
	int64_t		 n;

	st = store_stmt(d->store, sql);
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, store_now());
	if (step(d, st, what) == -1)
		return -1;
	n = changes(d);
	if (counters(d, NULL, campaign, from, to, n, 0) == -1)
		return -1;
	return (int)n;
}

int
outbox_stop(struct daemon *d, int64_t campaign)
{
	return bulk_move(d, campaign, "UPDATE messages SET state = "
	    "'cancelled', cancel_reason = 'stop', updated_at = ?2 WHERE "
	    "campaign_id = ?1 AND state = 'pending'", "stop", OB_PENDING,
	    OB_CANCELLED);
}

int
outbox_cancel_contact(struct daemon *d, int64_t contact, const char *reason,
    struct ob_batch *b)
{
	sqlite3_stmt	*st;
	int64_t		 camp[64], n[64], now = store_now();
	size_t		 i, k;
	int		 rc, total = 0;

	for (;;) {
		k = 0;
		st = store_stmt(d->store, "SELECT campaign_id, count(*) FROM "
		    "messages WHERE contact_id = ? AND state = 'pending' "
		    "GROUP BY campaign_id LIMIT 64");
		sqlite3_bind_int64(st, 1, contact);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < 64) {
			camp[k] = sqlite3_column_int64(st, 0);
			n[k++] = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return -1;
		if (k == 0)
			return total;
		for (i = 0; i < k; i++) {
			st = store_stmt(d->store, "UPDATE messages SET state = "
			    "'cancelled', cancel_reason = ?4, error = "
			    "CASE ?4 WHEN 'erased' THEN 'contact erased' ELSE "
			    "'contact opted out' END, updated_at = ?1 WHERE "
			    "contact_id = ?2 AND campaign_id = ?3 AND "
			    "state = 'pending'");
			sqlite3_bind_int64(st, 1, now);
			sqlite3_bind_int64(st, 2, contact);
			sqlite3_bind_int64(st, 3, camp[i]);
			sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
			if (step(d, st, "cancel") == -1 || counters(d, b,
			    camp[i], OB_PENDING, OB_CANCELLED, n[i], 0) == -1)
				return -1;
			total += (int)n[i];
		}
	}
}

int
outbox_retry(struct daemon *d, int64_t campaign, int include_unknown)
{
	sqlite3_stmt	*st;
	int64_t		 ids[256];
	size_t		 n, i;
	int		 rc, total = 0;
	struct ob_row	 m;

	/*
	 * Failed ones in one statement; they hold no reservation. Who
	 * opted out since is never sent to again.
	 */
	if ((total = bulk_move(d, campaign, "UPDATE messages SET state = "
	    "'pending', attempts = 0, next_at = 0, error = NULL, updated_at = "
	    "?2 WHERE campaign_id = ?1 AND state = 'failed' AND contact_id NOT "
	    "IN (SELECT id FROM contacts WHERE opted_out = 1)", "retry",
	    OB_FAILED, OB_PENDING)) == -1)
		return -1;
	if (!include_unknown)
		return total;
	/* Unknown ones give their reservation back, one by one. */
	for (;;) {
		n = 0;
		st = store_stmt(d->store, "SELECT id FROM messages WHERE "
		    "campaign_id = ? AND state = 'unknown' AND contact_id NOT "
		    "IN (SELECT id FROM contacts WHERE opted_out = 1) "
		    "LIMIT 256");
		sqlite3_bind_int64(st, 1, campaign);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 256)
			ids[n++] = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return -1;
		if (n == 0)
			return total;
		for (i = 0; i < n; i++) {
			if (load(d, ids[i], &m) != 1)
				return -1;
			st = store_stmt(d->store, "UPDATE messages SET state = "
			    "'pending', attempts = 0, next_at = 0, error = "
			    "NULL, updated_at = ?2 WHERE id = ?1");
			sqlite3_bind_int64(st, 1, ids[i]);
			sqlite3_bind_int64(st, 2, store_now());
			if (step(d, st, "retry") == -1 ||
			    counters(d, NULL, campaign, OB_UNKNOWN, OB_PENDING,
			    1, 0) == -1 || release(d, &m, 0) == -1)
				return -1;
			total++;
		}
	}
}

int
outbox_resume(struct daemon *d, int64_t campaign)
{
	sqlite3_stmt	*st;

	/*
	 * Who opted out since the stop is not sent to: their messages stay
	 * cancelled, now for their opt-out, so that no stop-cancelled
	 * message is left to hold the campaign stopped when it finishes.
	 */
	st = store_stmt(d->store, "UPDATE messages SET cancel_reason = "
	    "'optout', updated_at = ?2 WHERE campaign_id = ?1 AND "
	    "state = 'cancelled' AND cancel_reason = 'stop' AND contact_id IN "
	    "(SELECT id FROM contacts WHERE opted_out = 1)");
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, store_now());
	if (step(d, st, "resume opt-outs") == -1)
		return -1;
	return bulk_move(d, campaign, "UPDATE messages SET state = 'pending', "
	    "cancel_reason = NULL, next_at = 0, updated_at = ?2 "
	    "WHERE campaign_id = ?1 AND state = 'cancelled' AND "
	    "cancel_reason = 'stop' AND contact_id NOT IN "
	    "(SELECT id FROM contacts WHERE opted_out = 1)", "resume",
	    OB_CANCELLED, OB_PENDING);
}

int
outbox_relaunch(struct daemon *d, int64_t campaign)
{
	static const int from[] = { OB_PENDING, OB_SENT, OB_DELIVERED, OB_READ,
	    OB_FAILED, OB_CANCELLED };
	sqlite3_stmt	*st;
	int64_t		 n, total = 0, now = store_now();
	size_t		 i;

	st = store_stmt(d->store, "UPDATE campaigns SET round = round + 1 "
	    "WHERE id = ?");
	sqlite3_bind_int64(st, 1, campaign);
	if (step(d, st, "relaunch") == -1)
		return -1;
	/* Unknown and sending ones of the old round are left as they are. */
	for (i = 0; i < sizeof from / sizeof from[0]; i++) {
		st = store_stmt(d->store, "UPDATE messages SET state = "
		    "'pending', round = (SELECT round FROM campaigns WHERE "
		    "id = ?1), attempts = 0, next_at = 0, reference = NULL, "
		    "wass_id = NULL, wa_id = NULL, error = NULL, sent_at = "
		    "NULL, delivered_at = NULL, read_at = NULL, claimed_at = "
		    "NULL, device = NULL, cancel_reason = NULL, lookup_at = "
		    "NULL, claim_day = NULL, updated_at = ?2 WHERE campaign_id = ?1 AND "
		    "message_type = 1 AND state = ?3");
		sqlite3_bind_int64(st, 1, campaign);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, ob_states[from[i]], -1, SQLITE_STATIC);
		if (step(d, st, "relaunch") == -1)
			return -1;
		n = changes(d);
		if (counters(d, NULL, campaign, from[i], OB_PENDING, n,
		    0) == -1)
			return -1;
		if (from[i] != OB_PENDING)
			total += n;
	}
	/* Contacts added to the categories since. */
	st = store_stmt(d->store, "INSERT OR IGNORE INTO messages "
	    "(campaign_id, contact_id, message_type, round, phone, body, "
	    "state, created_at, updated_at) "
	    "SELECT ?1, c.id, 1, k.round, c.full_number, "
	    OUTBOX_RENDER("k.message_1") ", 'pending', ?2, ?2 "
	    "FROM campaigns k, contacts c WHERE k.id = ?1 AND " AUDIENCE);
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, now);
	if (step(d, st, "relaunch audience") == -1)
		return -1;
	n = changes(d);
	total += n;
	st = store_stmt(d->store, "UPDATE campaigns SET total = total + ?2, "
	    "pending = pending + ?2 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, n);
	if (step(d, st, "relaunch counters") == -1)
		return -1;
	/* Who opted out since is not sent to. */
	if ((n = bulk_move(d, campaign, "UPDATE messages SET state = "
	    "'cancelled', cancel_reason = 'optout', error = 'opted out', "
	    "updated_at = ?2 WHERE campaign_id = ?1 AND state = 'pending' AND "
	    "contact_id IN (SELECT id FROM contacts WHERE opted_out = 1)",
	    "relaunch opt-outs", OB_PENDING, OB_CANCELLED)) == -1)
		return -1;
	return (int)(total - n);
}

/*
 * UNIQUE(campaign, contact, type) allows one Message 1 per contact in the
 * test campaign: a later test to them is that message in a new round (a
 * new reference), as a relaunch does, once the last one has settled.
 */
int
outbox_test_send(struct daemon *d, int64_t campaign, int64_t contact,
    const char *phone, const char *body, int64_t *id)
{
	struct ob_row	 m;
	sqlite3_stmt	*st;
	int64_t		 now = store_now();
	int		 rc, r;

	*id = 0;
	st = store_stmt(d->store, "SELECT id FROM messages WHERE "
	    "campaign_id = ? AND contact_id = ? AND message_type = 1");
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, contact);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("outbox: test send: %s", store_errmsg(d->store));
		return -1;
	}
	if (*id == 0) {
		st = store_stmt(d->store, "INSERT INTO messages (campaign_id, "
		    "contact_id, message_type, round, phone, body, state, "
		    "created_at, updated_at) VALUES (?1, ?2, 1, 1, ?3, ?4, "
		    "'pending', ?5, ?5)");
		sqlite3_bind_int64(st, 1, campaign);
		sqlite3_bind_int64(st, 2, contact);
		sqlite3_bind_text(st, 3, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, body, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, now);
		if (step(d, st, "test send") == -1)
			return -1;
		*id = sqlite3_last_insert_rowid(store_db(d->store));
		st = store_stmt(d->store, "UPDATE campaigns SET round = 1, "
		    "total = total + 1 WHERE id = ?1");
		sqlite3_bind_int64(st, 1, campaign);
		if (step(d, st, "test send counters") == -1 ||
		    counters(d, NULL, campaign, -1, OB_PENDING, 1, 0) == -1)
			return -1;
		return 1;
	}
	if ((r = load_in(d, *id, &m, OB_BIT(OB_SENT) | OB_BIT(OB_DELIVERED) |
	    OB_BIT(OB_READ) | OB_BIT(OB_FAILED) | OB_BIT(OB_CANCELLED))) <= 0)
		return r;
	st = store_stmt(d->store, "UPDATE messages SET state = 'pending', "
	    "round = round + 1, phone = ?2, body = ?3, attempts = 0, "
	    "next_at = 0, reference = NULL, wass_id = NULL, wa_id = NULL, "
	    "error = NULL, sent_at = NULL, delivered_at = NULL, read_at = "
	    "NULL, claimed_at = NULL, device = NULL, cancel_reason = NULL, "
	    "lookup_at = NULL, claim_day = NULL, updated_at = ?4 "
	    "WHERE id = ?1");
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	if (step(d, st, "test send again") == -1 ||
	    counters(d, NULL, campaign, m.state, OB_PENDING, 1, 0) == -1)
		return -1;
	return 1;
}

int
outbox_queue_m2(struct daemon *d, int64_t campaign, int64_t contact,
    int64_t round, const char *phone, const char *body, struct ob_batch *b)
{
	sqlite3_stmt	*st;
	int64_t		 now = store_now();

	/* Pinned to the device Message 1's 201 named (DESIGN §6). */
	st = store_stmt(d->store, "INSERT OR IGNORE INTO messages (campaign_id, "
	    "contact_id, message_type, round, phone, body, state, created_at, "
	    "updated_at, pin_device) VALUES (?1, ?2, 2, ?3, ?4, ?5, 'pending', "
	    "?6, ?6, (SELECT device FROM messages WHERE campaign_id = ?1 AND "
	    "contact_id = ?2 AND message_type = 1))");
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, contact);
	sqlite3_bind_int64(st, 3, round);
	sqlite3_bind_text(st, 4, phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	if (step(d, st, "queue Message 2") == -1)
		return -1;
	if (changes(d) == 0)
		return 0;
	/* Message 2 is counted apart from the audience (m2_total). */
	st = store_stmt(d->store, "UPDATE campaigns SET "
	    "m2_total = m2_total + 1, updated_at = ?2 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, now);
	if (step(d, st, "Message 2 counters") == -1 ||
	    counters(d, b, campaign, -1, OB_PENDING, 1, 0) == -1)
		return -1;
	return 1;
}

int
outbox_interaction(struct daemon *d, int64_t campaign, struct ob_batch *b)
{
	if (campaign > 0 && counters(d, b, campaign, -1, -1, 0, 1) == -1)
		return -1;
	return usage_later(d, b, NULL, 0, 0, 0, 1) == -1 ? -1 : 1;
}

int
outbox_recover(struct daemon *d)
{
	sqlite3_stmt	*st;
	int64_t		 ids[256];
	size_t		 n, i;
	int		 rc, total = 0, r;

	for (;;) {
		n = 0;
		st = store_stmt(d->store, "SELECT id FROM messages WHERE "
		    "state = 'sending' LIMIT 256");
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 256)
			ids[n++] = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return -1;
		if (n == 0)
			return total;
		for (i = 0; i < n; i++) {
			st = store_stmt(d->store, "SELECT wa_id IS NOT NULL OR "
			    "wass_id IS NOT NULL FROM messages WHERE id = ?");
			sqlite3_bind_int64(st, 1, ids[i]);
			if (store_int(st))
				r = outbox_sent(d, ids[i], NULL, NULL, NULL,
				    NULL);
			else
				r = outbox_unknown(d, ids[i], "the daemon "
				    "stopped while the request was in flight; "
				    "not re-sent");
			if (r != 1)
				return -1;
			total++;
		}
	}
}

int
outbox_looked_up(struct daemon *d, int64_t id, const char *why)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "UPDATE messages SET lookup_at = ?2, "
	    "error = coalesce(?3, error) WHERE id = ?1 AND state = 'unknown'");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, store_now());
	if (why != NULL)
		sqlite3_bind_text(st, 3, why, -1, SQLITE_TRANSIENT);
	if (step(d, st, "looked up") == -1)
		return -1;
	return (int)changes(d);
}

int64_t
outbox_campaign_of(struct daemon *d, int64_t id)
{
	struct ob_row	 m;

	return load(d, id, &m) == 1 ? m.campaign : 0;
}

long
outbox_sent_on(struct daemon *d, const char *day)
{
	sqlite3_stmt	*st;
	long		 n = 0;

	st = store_stmt(d->store, "SELECT coalesce(sum(sent), 0) FROM "
	    "daily_usage WHERE day = ?");
	sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

long
outbox_sent_on_lane(struct daemon *d, const char *day, const char *lane)
{
	sqlite3_stmt	*st;
	long		 n = 0;

	st = store_stmt(d->store, "SELECT sent FROM daily_usage WHERE day = ? "
	    "AND device = ?");
	sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, lane, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}
