#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "conn.h"
#include "tui.h"

/*
 * The dashboard: today's usage against the cap, counters, capacity, what
 * waits for the operator, the lanes, running campaigns, WhatsApp checks
 * (verify.stats and a bulk check's progress) and the 30-day chart.
 */

static const struct tui_key keys_dash[] = {
	{ "d", N_("the Devices screen: every sending lane") },
	{ NULL, NULL }
};

static void
history_reply(json_t *data, json_t *err, void *arg)
{
	(void)err;
	(void)arg;
	json_decref(T.history);
	T.history = NULL;
	if (data != NULL) {
		/* monitoring.capacity: one row per day, oldest first. */
		T.history = json_object_get(data, "history");
		json_incref(T.history);
	}
	tui_dirty();
}

static void
vstats_reply(json_t *data, json_t *err, void *arg)
{
	(void)arg;
	json_decref(T.vstats);
	T.vstats = err == NULL ? json_incref(data) : NULL;
	tui_dirty();
}

static void
dash_enter(struct tui *t)
{
	conn_call(t->conn, "monitoring.capacity", json_pack("{s:i}", "days",
	    30), -1, history_reply, NULL);
	conn_call(t->conn, "verify.stats", NULL, -1, vstats_reply, NULL);
}

/* verify.progress {done, total} from the jobs topic: a bulk check runs. */
static int
dash_event(struct tui *t, const char *name, json_t *data)
{
	if (strcmp(name, "verify.progress") != 0 || !json_is_object(data))
		return 0;
	json_decref(t->vjob);
	t->vjob = json_incref(data);
	if (row_num(data, "done") >= row_num(data, "total"))
		conn_call(t->conn, "verify.stats", NULL, -1, vstats_reply,
		    NULL);
	return 1;
}

/* The WhatsApp checks: how many are known to be on it; a bulk check's
 * progress. Returns the next line. */
static int
draw_verify(struct tui *t, int y)
{
	json_t		*v = t->vstats, *j = t->vjob;
	json_int_t	 done, all;
	int		 cols = screen_cols();

	if (v != NULL)
		screen_putf(y++, 2, cols - 4, 0, _("WhatsApp: %lld on it, %lld "
		    "not, %lld not checked (of %lld contacts)"),
		    (long long)row_num(v, "on_whatsapp"),
		    (long long)row_num(v, "not_on_whatsapp"),
		    (long long)row_num(v, "unverified"),
		    (long long)row_num(v, "contacts"));
	if (j != NULL && (done = row_num(j, "done")) < (all = row_num(j,
	    "total"))) {
		screen_put(y, 2, 12, _("Verifying"), S_BOLD, 0);
		screen_bar(y, 14, cols - 40 > 10 ? cols - 40 : 10, done, all,
		    S_OK);
		screen_putf(y++, cols - 24, 24, 0, " %lld/%lld",
		    (long long)done, (long long)all);
	} else if (j != NULL)
		screen_putf(y++, 2, cols - 4, S_OK, _("Verification done: "
		    "%lld checked"), (long long)row_num(j, "total"));
	return y;
}

/*
 * Whether events can arrive at all (DESIGN §7): the webhook and the plan,
 * in words, only when something is wrong or not known. Returns the next
 * line.
 */
static int
draw_webhook_health(json_t *s, int y)
{
	int		 cols = screen_cols();
	json_t		*wh = json_object_get(s, "webhook");
	json_t		*plan = json_object_get(s, "plan");
	const char	*state = row_sn(wh, "state"), *st = row_sn(wh, "status");

	if (state != NULL && strcmp(state, "missing") == 0)
		screen_put(y++, 2, cols - 4, _("Webhook missing: run wacamp webhook "
		    "register https://your-host"), S_BAD | S_BOLD, 0);
	else if (state != NULL && strcmp(state, "inactive") == 0)
		screen_putf(y++, 2, cols - 4, S_BAD | S_BOLD,
		    _("Webhook inactive (Wassenger: %s): run wacamp webhook "
		    "register https://your-host"), st != NULL ? st : "?");
	else if (state != NULL && strcmp(state, "unknown") == 0)
		screen_put(y++, 2, cols - 4, _("Webhook unknown: not checked yet, or "
		    "Wassenger's list could not be read"), S_WARN, 0);
	if (plan == NULL)
		return y;
	if (json_is_null(json_object_get(plan, "code")))
		screen_put(y++, 2, cols - 4, _("Plan unknown"), S_WARN, 0);
	if (json_is_false(json_object_get(plan, "acks")))
		screen_put(y++, 2, cols - 4, _("Plan carries no acks: delivered/read "
		    "will stay empty"), S_WARN, 0);
	if (json_is_false(json_object_get(plan, "replies")))
		screen_put(y++, 2, cols - 4, _("Plan carries no replies: replies and "
		    "STOP will not arrive"), S_WARN, 0);
	if (json_is_false(json_object_get(plan, "reactions")))
		screen_put(y++, 2, cols - 4, _("Plan carries no reactions: reactions "
		    "will not trigger Message 2"), S_WARN, 0);
	return y;
}

/* A lane's states, as the daemon names them (translated when shown). */
static const char *const lane_states[] __attribute__((__unused__)) = {
	N_("idle"), N_("running"), N_("waiting window"), N_("blocked"),
	N_("paused"), NULL
};

/* The colour of a lane's state. */
static int
lane_attr(const char *state)
{
	if (state == NULL)
		return 0;
	if (strcmp(state, "paused") == 0)
		return S_BAD | S_BOLD;
	if (strcmp(state, "blocked") == 0 || strcmp(state, "waiting window") ==
	    0)
		return S_WARN;
	if (strcmp(state, "running") == 0)
		return S_OK;
	return 0;
}

/*
 * A row per lane (device): its name, state and reason, today's sends
 * against its cap, the warm-up day, the next send. Returns the next line.
 */
static int
draw_lanes(json_t *lanes, int y, int bottom)
{
	int		 cols = screen_cols(), x;
	json_t		*l;
	size_t		 i;
	char		 cap[64], next[16];
	const char	*reason;
	time_t		 at;
	struct tm	 tm;

	if (!json_is_array(lanes) || json_array_size(lanes) == 0)
		return y;
	screen_putf(y++, 2, cols - 4, S_BOLD, "%-12s %-15s %-16s %-10s %-9s %s",
	    _("Device"), _("State"), _("Today/cap"), _("Warm-up"), _("Next"),
	    _("Reason"));
	json_array_foreach(lanes, i, l) {
		if (y >= bottom - 4) {
			screen_putf(y++, 2, cols - 4, S_DIM, _("%zu more lanes: "
			    "see the Devices screen"), json_array_size(lanes) - i);
			break;
		}
		x = 2 + screen_put(y, 2, 12, row_sn(l, "name") ?
		    row_sn(l, "name") : row_sn(l, "device") ?
		    row_sn(l, "device") : "-", 0, 0);
		x = 15;
		screen_put(y, x, 15, row_sn(l, "state") ? _(row_sn(l,
		    "state")) : "", lane_attr(row_sn(l, "state")), 0);
		x += 16;
		if (json_object_get(l, "cap_today") != NULL)
			snprintf(cap, sizeof cap, "%lld/%lld",
			    (long long)row_num(l, "sent_today"),
			    (long long)row_num(l, "cap_today"));
		else
			snprintf(cap, sizeof cap, "-");
		screen_put(y, x, 16, cap, 0, 0);
		x += 17;
		if (json_is_integer(json_object_get(l, "warmup_day")))
			screen_putf(y, x, 10, S_WARN, _("day %lld"),
			    (long long)row_num(l, "warmup_day"));
		else
			screen_put(y, x, 10, "-", S_DIM, 0);
		x += 11;
		if (json_is_integer(json_object_get(l, "next_send_at"))) {
			at = (time_t)row_num(l, "next_send_at");
			localtime_r(&at, &tm);
			strftime(next, sizeof next, "%H:%M:%S", &tm);
		} else
			snprintf(next, sizeof next, "-");
		screen_put(y, x, 9, next, 0, 0);
		x += 10;
		if ((reason = row_sn(l, "reason")) != NULL && x < cols - 2)
			screen_put(y, x, cols - x - 2, reason, 0, 1);
		y++;
	}
	return y;
}

static void
draw_dash(struct tui *t)
{
	int		 cols = screen_cols(), lines = screen_lines();
	json_t		*s = t->stats, *c;
	const char	*level, *name;
	json_int_t	 sent, limit, max, v;
	size_t		 i, n;
	int		 y = 2, x, w, h, r, bottom = lines - 2;
	char		 buf[128];

	if (s == NULL) {
		screen_put(y, 2, cols - 4, t->stats_unavailable ?
		    _("Statistics are not available on this daemon.") :
		    _("Loading\xe2\x80\xa6"), 0, 0);
		return;
	}
	level = row_sn(s, "level");
	sent = row_num(s, "sent_today");
	limit = row_num(s, "daily_limit");
	x = 2 + screen_put(y, 2, 24, _("Today's usage"), S_BOLD, 0) + 2;
	w = cols - x - 34;
	if (w > 50)
		w = 50;
	if (w >= 10) {
		screen_bar(y, x, w, sent, limit, draw_level(level));
		x += w + 2;
	}
	x += screen_putf(y, x, cols - x, 0, "%lld / %lld (%lld%%)  ",
	    (long long)sent, (long long)limit,
	    limit > 0 ? (long long)(sent * 100 / limit) : 0LL);
	screen_putf(y, x, cols - x, draw_level(level), "%s",
	    tui_level_name(level));
	y += 2;
	screen_putf(y++, 2, cols - 4, 0, _("%s: %-8lld %s: %-8lld %s: %lld"),
	    _("Message 1"), (long long)row_num(s, "message_1"),
	    _("Message 2"), (long long)row_num(s, "message_2"),
	    _("Errors"), (long long)row_num(s, "failed"));
	screen_putf(y++, 2, cols - 4, 0, _("%s: %-8lld %s: %-8lld %s: %lld"),
	    _("Delivered"), (long long)row_num(s, "delivered"),
	    _("Read"), (long long)row_num(s, "read"),
	    _("Interactions"), (long long)row_num(s, "interactions"));
	x = 2 + screen_putf(y, 2, cols - 4, 0, _("%s: %-8lld %s: %.1f%% "),
	    _("Remaining capacity"), (long long)row_num(s, "capacity"),
	    _("Error rate"), json_number_value(json_object_get(s,
	    "error_rate")) * 100);
	if (json_is_true(json_object_get(s, "error_alert")))
		screen_put(y, x, cols - x, _("ALERT"), S_BAD | S_BOLD |
		    S_REV, 0);
	y++;
	/* Sends that may have gone out wait for the operator (DESIGN §6). */
	c = json_object_get(s, "unknown");
	if (row_num(c, "count") > 0) {
		if (*draw_ago(buf, sizeof buf, json_object_get(c, "oldest_at")))
			screen_putf(y++, 2, cols - 4, S_WARN | S_BOLD,
			    _("Unknown: %lld message(s), oldest %s ago: "
			    "settle them (Campaigns, u)"),
			    (long long)row_num(c, "count"), buf);
		else
			screen_putf(y++, 2, cols - 4, S_WARN | S_BOLD,
			    _("Unknown: %lld message(s): settle them "
			    "(Campaigns, u)"), (long long)row_num(c, "count"));
	}
	screen_putf(y++, 2, cols - 4, 0, _("%s: %s    %s: %s"),
	    _("Provider"), row_sn(s, "provider") ? row_sn(s, "provider") :
	    t->provider, _("Time zone"), row_sn(s, "timezone") ?
	    row_sn(s, "timezone") : "-");
	if ((name = row_sn(s, "provider")) != NULL && strcmp(name, "simulator") ==
	    0)
		screen_put(y++, 2, cols - 4, _("Simulator: nothing is sent to "
		    "WhatsApp."), S_WARN, 0);
	else
		y = draw_webhook_health(s, y);
	y = draw_verify(t, y);
	y = draw_lanes(json_object_get(s, "lanes"), y, bottom);
	y++;
	screen_put(y++, 2, cols - 4, _("Running campaigns"), S_BOLD |
	    S_HEAD, 0);
	c = json_object_get(s, "campaigns");
	if (!json_is_array(c) || json_array_size(c) == 0)
		screen_put(y++, 4, cols - 6, _("No running campaigns."), S_DIM, 0);
	else {
		n = json_array_size(c);
		for (i = 0; i < n && y < bottom - 1; i++) {
			json_t		*cp = json_array_get(c, i);
			json_int_t	 tot = row_num(cp, "total");
			json_int_t	 done = row_num(cp, "sent_so_far");
			json_int_t	 eta = json_object_get(cp, "eta") ?
					    row_num(cp, "eta") :
					    row_num(cp, "eta_seconds");

			x = 4 + screen_put(y, 4, 22, row_sn(cp, "name"), 0, 1) + 1;
			x = 27;
			screen_bar(y, x, 24, done, tot, S_OK);
			x += 25;
			if (eta > 0)
				snprintf(buf, sizeof buf, "%lld/%lld  %s %lldh%02lldm",
				    (long long)done, (long long)tot, _("ETA"),
				    (long long)(eta / 3600),
				    (long long)(eta % 3600 / 60));
			else
				snprintf(buf, sizeof buf, "%lld/%lld",
				    (long long)done, (long long)tot);
			screen_put(y++, x, cols - x, buf, 0, 0);
		}
	}
	/* The 30-day chart, when the daemon keeps history. */
	if (!json_is_array(t->history) || json_array_size(t->history) == 0)
		return;
	h = bottom - y - 3;
	if (h < 3)
		return;
	if (h > 10)
		h = 10;
	y++;
	screen_put(y++, 2, cols - 4, _("Sends, last 30 days"), S_BOLD |
	    S_HEAD, 0);
	max = 1;
	n = json_array_size(t->history);
	if (n > 30)
		n = 30;
	for (i = 0; i < n; i++)
		if ((v = row_num(json_array_get(t->history, i), "sent")) > max)
			max = v;
	for (i = 0; i < n; i++) {
		v = row_num(json_array_get(t->history, i), "sent");
		x = 4 + (int)i * 2;
		if (x + 1 >= cols)
			break;
		for (r = 0; r < h; r++)
			if (v > 0 && (json_int_t)(h - r) * max <=
			    (json_int_t)h * v + max - 1)
				screen_put(y + r, x, 1, screen_utf8() ? "\xe2\x96\x88" : "#",
				    S_OK, 0);
	}
	screen_putf(y, 4 + 61, cols - 65, S_DIM, "%s %lld", _("max"),
	    (long long)max);
}

static int
dash_key(struct tui *t, int ch)
{
	if (ch != 'd')
		return 0;
	tui_switch(t, V_DEVICES);
	return 1;
}

const struct view view_dashboard = {
	.name = N_("Dashboard"),
	.keys = keys_dash,
	.enter = dash_enter,
	.draw = draw_dash,
	.key = dash_key,
	.event = dash_event,
};
