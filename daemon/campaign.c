#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "campaign.h"
#include "daemon.h"
#include "clock.h"
#include "config.h"
#include "i18n.h"
#include "lane.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

#define CAMP_COLS "id, name, message_1, message_2, status, round, " \
	"created_at, updated_at, started_at, finished_at, total, pending, " \
	"sending, sent, delivered, read, failed, unknown, cancelled, " \
	"interactions, m2_total"

#define EDIT_NO	N_("only a draft can be edited (duplicate it for a new " \
	"draft)")

/*
 * Which status allows which action: a draft is edited and sent; a
 * scheduled one is stopped (back to draft) or deleted; a running
 * (or paused) one is stopped; a stopped one is resumed; one that ran
 * (running, paused, stopped, completed) is retried and relaunched; any
 * but a running one is deleted. The reasons go to clients as %-s
 * arguments of an error, translated there (wacamp-protocol.7).
 */
static const struct {
	const char	*status;
	const char	*refusal[CA_NACTIONS];
} camp_rules[] = {
	{ "draft", { NULL, NULL, N_("it was never sent"),
	    N_("it was never sent; use send"), N_("it was never sent"),
	    N_("it was never sent; use send"), NULL } },
	{ "scheduled", { N_("stop it first: it goes back to draft"),
	    N_("it is already scheduled"), NULL, N_("it was never sent"),
	    N_("it was never sent"), N_("it was never sent"), NULL } },
	{ "running", { EDIT_NO,
	    N_("only a draft can be sent"), NULL, N_("it is not stopped"),
	    NULL, NULL, N_("stop it before deleting it") } },
	{ "paused", { EDIT_NO,
	    N_("only a draft can be sent"), NULL, N_("it is not stopped"),
	    NULL, NULL, NULL } },
	{ "stopped", { EDIT_NO,
	    N_("only a draft can be sent (see resume, retry and relaunch)"),
	    N_("it is already stopped"), NULL, NULL, NULL, NULL } },
	{ "completed", { EDIT_NO,
	    N_("only a draft can be sent (see retry and relaunch)"),
	    N_("it is not running"), N_("it is not stopped"), NULL, NULL,
	    NULL } },
};

const char *
campaign_refusal(const char *status, enum campaign_action a)
{
	size_t	 i;

	if (status == NULL || (int)a < 0 || a >= CA_NACTIONS)
		return N_("unknown action");
	for (i = 0; i < sizeof camp_rules / sizeof camp_rules[0]; i++)
		if (strcmp(camp_rules[i].status, status) == 0)
			return camp_rules[i].refusal[a];
	return N_("its status is unknown");
}

const char *
campaign_action_name(enum campaign_action a)
{
	static const char *const names[CA_NACTIONS] = { "edit", "send",
	    "stop", "resume", "retry", "relaunch", "delete" };

	return (int)a >= 0 && a < CA_NACTIONS ? names[a] : "?";
}

static json_t *
int_or_null(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, col));
}

/*
 * The campaign counters count every message by state; Message 2 is
 * counted apart (DESIGN §6): its states come from the messages_m2 index
 * and are taken out of the counters, so what a campaign shows for its
 * audience never grows or shrinks with the replies it gets.
 */
static const char *const camp_states[] = { "pending", "sending", "sent",
    "delivered", "read", "failed", "unknown", "cancelled" };
#define CAMP_NSTATES	(sizeof camp_states / sizeof camp_states[0])

/* Message 2 of campaign ID by state into M2 (zeros when there is none). */
static void
campaign_m2_states(struct daemon *d, int64_t id, json_int_t *m2)
{
	sqlite3_stmt	*st;
	const char	*s;
	size_t		 i;

	memset(m2, 0, CAMP_NSTATES * sizeof *m2);
	st = store_stmt(d->store, "SELECT state, count(*) FROM messages "
	    "INDEXED BY messages_m2 WHERE campaign_id = ? AND "
	    "message_type = 2 GROUP BY state");
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		s = (const char *)sqlite3_column_text(st, 0);
		for (i = 0; i < CAMP_NSTATES; i++)
			if (strcmp(s, camp_states[i]) == 0)
				m2[i] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
}

/* Why the cancelled Message 1s of campaign ID were cancelled, counted. */
static json_t *
campaign_cancel_reasons(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*o;

	o = json_pack("{s:i,s:i,s:i}", "stop", 0, "optout", 0, "erased", 0);
	st = store_stmt(d->store, "SELECT coalesce(cancel_reason, 'stop'), "
	    "count(*) FROM messages WHERE campaign_id = ? AND "
	    "state = 'cancelled' AND message_type = 1 GROUP BY 1");
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(o, (const char *)sqlite3_column_text(st,
		    0), json_integer(sqlite3_column_int64(st, 1)));
	sqlite3_reset(st);
	return o;
}

/* Columns COL, COL + 1 (minutes of the day) as "HH:MM-HH:MM", or null. */
static json_t *
window_json(sqlite3_stmt *st, int col)
{
	int	 a, b;
	char	 buf[48];

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	a = sqlite3_column_int(st, col);
	b = sqlite3_column_int(st, col + 1);
	snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d", a / 60 % 24, a % 60,
	    b / 60, b % 60);
	return json_string(buf);
}

json_t *
campaign_get(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*c = NULL, *cats, *m2o;
	json_int_t	 all[CAMP_NSTATES], m2[CAMP_NSTATES], total = 0;
	json_int_t	 m2_total = 0, inter = 0, suppressed = 0, out;
	size_t		 i;

	st = store_stmt(d->store, "SELECT " CAMP_COLS ", suppressed, devices, "
	    "start_at, window_start, window_end FROM campaigns WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		c = json_pack("{s:I,s:s,s:s,s:s?,s:s,s:I,s:I,s:I,s:o,s:o}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "name", (const char *)sqlite3_column_text(st, 1),
		    "message_1", (const char *)sqlite3_column_text(st, 2),
		    "message_2", (const char *)sqlite3_column_text(st, 3),
		    "status", (const char *)sqlite3_column_text(st, 4),
		    "round", (json_int_t)sqlite3_column_int64(st, 5),
		    "created_at", (json_int_t)sqlite3_column_int64(st, 6),
		    "updated_at", (json_int_t)sqlite3_column_int64(st, 7),
		    "started_at", int_or_null(st, 8),
		    "finished_at", int_or_null(st, 9));
		total = sqlite3_column_int64(st, 10);
		for (i = 0; i < CAMP_NSTATES; i++)
			all[i] = sqlite3_column_int64(st, 11 + (int)i);
		inter = sqlite3_column_int64(st, 19);
		m2_total = sqlite3_column_int64(st, 20);
		suppressed = sqlite3_column_int64(st, 21);
		/* The lanes it sends through; [] : every healthy one. */
		cats = json_array();
		if (sqlite3_column_type(st, 22) == SQLITE_TEXT) {
			char	*l, *p, *tok;

			l = xstrdup((const char *)sqlite3_column_text(st, 22));
			for (p = l; (tok = strsep(&p, ",")) != NULL;)
				if (*tok != '\0')
					json_array_append_new(cats,
					    json_string(tok));
			free(l);
		}
		json_object_set_new(c, "devices", cats);
		json_object_set_new(c, "start_at", int_or_null(st, 23));
		json_object_set_new(c, "window", window_json(st, 24));
	}
	sqlite3_reset(st);
	if (c == NULL)
		return NULL;
	/*
	 * The state counters shown are Message 1's (total is Message 1's
	 * count); Message 2 has its own object.
	 */
	if (m2_total > 0)
		campaign_m2_states(d, id, m2);
	else
		memset(m2, 0, sizeof m2);
	m2o = json_object();
	json_object_set_new(m2o, "total", json_integer(m2_total));
	for (i = 0; i < CAMP_NSTATES; i++) {
		json_object_set_new(c, camp_states[i], json_integer(all[i] -
		    m2[i]));
		json_object_set_new(m2o, camp_states[i], json_integer(m2[i]));
	}
	json_object_set_new(m2o, "sent_so_far", json_integer(m2[2] + m2[3] +
	    m2[4]));
	json_object_set_new(c, "total", json_integer(total));
	json_object_set_new(c, "interactions", json_integer(inter));
	json_object_set_new(c, "m2_total", json_integer(m2_total));
	json_object_set_new(c, "message_2_progress", m2o);
	json_object_set_new(c, "suppressed", json_integer(suppressed));
	/*
	 * Sent so far: every Message 1 that left (sent, delivered, read).
	 * Within a round it only grows; unknown ones are said apart.
	 */
	out = (all[2] - m2[2]) + (all[3] - m2[3]) + (all[4] - m2[4]);
	json_object_set_new(c, "sent_so_far", json_integer(out));
	json_object_set_new(c, "progress_percent", json_integer(total > 0 ?
	    out * 100 / total : 0));
	json_object_set_new(c, "cancelled_by", all[7] - m2[7] > 0 ?
	    campaign_cancel_reasons(d, id) : json_pack("{s:i,s:i,s:i}",
	    "stop", 0, "optout", 0, "erased", 0));
	cats = json_array();
	st = store_stmt(d->store, "SELECT g.id, g.name FROM "
	    "campaign_categories cc JOIN categories g ON g.id = cc.category_id "
	    "WHERE cc.campaign_id = ? ORDER BY g.id");
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(cats, json_pack("{s:I,s:s}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "name",
		    (const char *)sqlite3_column_text(st, 1)));
	sqlite3_reset(st);
	json_object_set_new(c, "categories", cats);
	/* Since when the oldest unknown message waits to be settled. */
	st = store_stmt(d->store, "SELECT min(claimed_at) FROM messages WHERE "
	    "campaign_id = ? AND state = 'unknown'");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(c, "unknown_oldest_at", int_or_null(st, 0));
	sqlite3_reset(st);
	return c;
}

/*
 * A running campaign is done when no Message 1 is pending or being sent:
 * Message 2 does not hold it open (the pacer sends Message 2 of completed
 * campaigns too). It is stopped again, not completed, when stop-cancelled
 * messages remain: a retry on a stopped campaign runs only while its
 * retried messages settle (DESIGN §6).
 */
void
campaign_finish_done(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, "UPDATE campaigns SET status = CASE WHEN "
	    "EXISTS (SELECT 1 FROM messages WHERE campaign_id = ?1 AND "
	    "state = 'cancelled' AND cancel_reason = 'stop') THEN 'stopped' "
	    "ELSE 'completed' END, finished_at = CASE WHEN EXISTS (SELECT 1 "
	    "FROM messages WHERE campaign_id = ?1 AND state = 'cancelled' AND "
	    "cancel_reason = 'stop') THEN finished_at ELSE ?2 END, "
	    "updated_at = ?2 WHERE id = ?1 AND status = 'running' AND "
	    "pending = (SELECT count(*) FROM messages INDEXED BY messages_m2 "
	    "WHERE campaign_id = ?1 AND message_type = 2 AND "
	    "state = 'pending') AND sending = (SELECT count(*) FROM messages "
	    "INDEXED BY messages_m2 WHERE campaign_id = ?1 AND "
	    "message_type = 2 AND state = 'sending')");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, store_now());
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warnx("campaign %lld: completion: %s", (long long)id,
		    store_errmsg(d->store));
	sqlite3_reset(st);
	notify_campaign(d, id);
}

/* Seconds as JSON: null for never (windows that never open). */
static json_t *
eta_json(double eta)
{
	return eta < 0 ? json_null() : json_integer((json_int_t)(eta + 0.5));
}

json_t *
campaign_progress(struct daemon *d, int64_t id)
{
	json_t		*c;
	json_int_t	 pending;

	if ((c = campaign_get(d, id)) == NULL)
		return NULL;
	json_object_del(c, "message_1");
	json_object_del(c, "message_2");
	pending = json_integer_value(json_object_get(c, "pending"));
	if (strcmp(json_string_value(json_object_get(c, "status")),
	    "running") == 0)
		json_object_set_new(c, "eta_seconds", eta_json(
		    campaign_eta_from(d, id, (long)pending, clock_now())));
	else
		json_object_set_new(c, "eta_seconds", json_null());
	return c;
}

/* Our own placeholders (DESIGN §6); contact_fields adds the columns an
 * import kept. */
static const char *const camp_placeholders[] = { "first_name", "last_name",
    "phone" };

/*
 * Names operators write for ours (French first: the texts are), offered
 * as a suggestion and never taken silently: "{{nom}}" going out as a
 * family name where a given name was meant is worse than a refusal.
 */
static const struct {
	const char	*alias;
	const char	*name;
} camp_aliases[] = {
	{ "prenom", "first_name" }, { "firstname", "first_name" },
	{ "first", "first_name" }, { "name", "first_name" },
	{ "nom", "last_name" }, { "lastname", "last_name" },
	{ "last", "last_name" }, { "surname", "last_name" },
	{ "nomdefamille", "last_name" }, { "famille", "last_name" },
	{ "telephone", "phone" }, { "tel", "phone" }, { "numero", "phone" },
	{ "number", "phone" }, { "mobile", "phone" }, { "portable", "phone" },
	{ "phone_number", "phone" }, { "phonenumber", "phone" },
};

char **
campaign_fields(struct daemon *d)
{
	sqlite3_stmt	*st;
	char		**v;
	size_t		 n = 0, cap = 64, i;

	v = xcalloc(cap, sizeof *v);
	for (i = 0; i < sizeof camp_placeholders / sizeof *camp_placeholders;
	    i++)
		v[n++] = xstrdup(camp_placeholders[i]);
	st = store_stmt(d->store, "SELECT name FROM contact_fields ORDER BY "
	    "name");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n + 1 == cap) {
			v = xreallocarray(v, cap * 2, sizeof *v);
			memset(v + cap, 0, cap * sizeof *v);
			cap *= 2;
		}
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	return v;
}

void
campaign_fields_free(char **v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* "{{a}}, {{b}}" of the names in V, at most LEN bytes in OUT. */
static void
fields_list(char *const *v, char *out, size_t len)
{
	size_t	 i, o = 0;
	int	 w;

	*out = '\0';
	for (i = 0; v[i] != NULL && o < len; i++) {
		w = snprintf(out + o, len - o, "%s{{%s}}", i > 0 ? ", " : "",
		    v[i]);
		if (w < 0 || (size_t)w >= len - o) {
			/* Cut at a whole name. */
			out[o] = '\0';
			if (o + 5 < len)
				memcpy(out + o, ", ...", 6);
			break;
		}
		o += (size_t)w;
	}
}

/*
 * A text that is nothing but placeholders without fallbacks goes out
 * empty to a contact who has none of them: refused, with the way out.
 */
static int
empty_for_some(const char *what, const char *text, char *err,
    size_t errlen)
{
	/* Every contact has a number; any other value may be empty. */
	static const struct text_field	 none[] = { { "phone", "+1" },
	    { "*", NULL }, { NULL, NULL } };
	char				*s;
	int				 blank;

	s = text_render(text, none);
	blank = s[strspn(s, " \t\r\n")] == '\0';
	free(s);
	if (!blank)
		return 0;
	i18n_snprintf(err, errlen, "%s is only placeholders: a contact "
	    "without them would get an empty message; add words, or a "
	    "fallback such as {{first_name|ami}}", what);
	return -1;
}

int
campaign_check_text(struct daemon *d, const char *what, const char *text,
    char *err, size_t errlen)
{
	const char	*near = NULL;
	char		 bad[128], name[64], folded[64], known[192];
	char		**names;
	size_t		 off, i;
	int		 r;

	if (text == NULL || strstr(text, "{{") == NULL)
		return 0;
	names = campaign_fields(d);
	if ((r = text_placeholder_check(text, (const char *const *)names,
	    bad, sizeof bad, &off)) == 0) {
		campaign_fields_free(names);
		return empty_for_some(what, text, err, errlen);
	}
	if (r == 2) {
		i18n_snprintf(err, errlen, "unclosed placeholder \"%.40s\" in "
		    "%s at byte %zu: write {{name}}", bad, what, off);
		campaign_fields_free(names);
		return -1;
	}
	text_placeholder_name(bad, name, sizeof name);
	text_fold(name, folded, sizeof folded);
	for (i = 0; i < sizeof camp_aliases / sizeof camp_aliases[0]; i++)
		if (strcmp(folded, camp_aliases[i].alias) == 0)
			near = camp_aliases[i].name;
	if (near == NULL && *name != '\0')
		near = text_nearest(name, (const char *const *)names);
	if (near != NULL)
		i18n_snprintf(err, errlen, "unknown placeholder %s in %s; did "
		    "you mean {{%s}}?", bad, what, near);
	else {
		fields_list(names, known, sizeof known);
		i18n_snprintf(err, errlen, "unknown placeholder %s in %s; "
		    "known: %s", bad, what, known);
	}
	campaign_fields_free(names);
	return -1;
}

int
campaign_hidden(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	int		 hidden = 0;

	st = store_stmt(d->store, "SELECT test_user IS NOT NULL FROM "
	    "campaigns WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		hidden = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return hidden;
}

/* Lanes a campaign may send through, at most (the default and devices). */
#define CAMP_MAX_LANES	64

/* The pace of lane NAME, NULL if no lane has that name. */
static const struct pacing *
lane_pacing(struct daemon *d, const char *name)
{
	size_t	 i;

	if (strcmp(name, CONFIG_DEFAULT_LANE) == 0)
		return &d->conf->pacing;
	for (i = 0; i < d->conf->ndevices; i++)
		if (strcmp(d->conf->devices[i].name, name) == 0)
			return &d->conf->devices[i].pacing;
	return NULL;
}

/*
 * Seconds from T0 until PENDING messages of campaign ID would all have
 * left. The lanes it may use (its devices, or all) share them as they
 * would take them, each in proportion to what it sends a day
 * (lane_per_day(): its pace, window, days and today's cap, a warm-up's
 * included); each share then takes lane_eta_in() of its lane, following
 * its window and days, the campaign's own window (021) and each day's
 * cap (a warm-up's growing), counted from what the lane sent on T0's day
 * if that is today. The last share to leave is the ETA. -1: the windows
 * never open.
 */
double
campaign_eta_from(struct daemon *d, int64_t id, long pending, time_t t0)
{
	const struct pacing	*pc[CAMP_MAX_LANES];
	sqlite3_stmt		*st;
	const char		*name[CAMP_MAX_LANES];
	char			 day[11], today[11], *list = NULL, *s, *tok;
	double			 rate[CAMP_MAX_LANES], sum = 0, eta = 0;
	double			 e;
	long			 share[CAMP_MAX_LANES], left = pending, dn;
	size_t			 n = 0, i, best = 0;
	int			 ws = -1, we = -1;

	if (pending <= 0)
		return 0;
	st = store_stmt(d->store, "SELECT window_start, window_end, devices "
	    "FROM campaigns WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			ws = sqlite3_column_int(st, 0);
			we = sqlite3_column_int(st, 1);
		}
		if (sqlite3_column_type(st, 2) == SQLITE_TEXT)
			list = xstrdup((const char *)sqlite3_column_text(st,
			    2));
	}
	sqlite3_reset(st);
	for (s = list; s != NULL && (tok = strsep(&s, ",")) != NULL;)
		if (*tok != '\0' && n < CAMP_MAX_LANES &&
		    (pc[n] = lane_pacing(d, tok)) != NULL)
			name[n++] = tok;
	if (n == 0) {
		pc[n] = &d->conf->pacing;
		name[n++] = CONFIG_DEFAULT_LANE;
		for (i = 0; i < d->conf->ndevices && n < CAMP_MAX_LANES; i++) {
			pc[n] = &d->conf->devices[i].pacing;
			name[n++] = d->conf->devices[i].name;
		}
	}
	dn = lane_daynum(t0);
	for (i = 0; i < n; i++) {
		sum += rate[i] = lane_per_day(pc[i], ws, we, dn);
		if (rate[i] > rate[best])
			best = i;
	}
	if (sum <= 0) {
		free(list);
		return -1;
	}
	/* Shares in proportion; the fastest lane takes what rounding
	 * leaves. */
	for (i = 0; i < n; i++) {
		share[i] = (long)((double)pending * rate[i] / sum);
		left -= share[i];
	}
	share[best] += left;
	clock_day(t0, day);
	clock_today(today);
	for (i = 0; i < n; i++) {
		if (share[i] <= 0)
			continue;
		e = lane_eta_in(pc[i], ws, we, share[i], strcmp(day, today) ==
		    0 ? outbox_sent_on_lane(d, day, name[i]) : 0, t0);
		if (e < 0) {
			eta = -1;
			break;
		}
		if (e > eta)
			eta = e;
	}
	free(list);
	return eta;
}
