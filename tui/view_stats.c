#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tui.h"

/*
 * Statistics: today and the last 30 days, messages by status, and a table
 * of the campaigns with their rates; Enter opens one on Campaigns.
 */

/* Rates before the read and reply counts: 80 columns show them first. */
static const struct tui_col stats_cols[] = {
	/* Every column fits 80 columns, in French too (issue 18). */
	{ N_("ID"), "id", 4, COL_INT },
	{ N_("Name"), "name", 9, COL_TEXT },
	{ N_("Status"), "status", 9, COL_STATUS },
	{ N_("Sent"), "sent", 7, COL_OUT },
	{ N_("Deliv."), "delivered", 6, COL_REACHED },
	{ N_("Failed"), "failed", 6, COL_INT },
	{ N_("Dlv.%"), "delivered", 6, COL_RATE },
	{ N_("Read%"), "read", 6, COL_RATE },
	{ N_("Reply%"), "interactions", 6, COL_RATE },
	{ N_("Read"), "read", 5, COL_INT },
	{ N_("Repl."), "interactions", 5, COL_INT },
	{ NULL, NULL, 0, 0 }
};

static const struct tui_key keys_stats[] = {
	{ "Enter", N_("the campaign's details") },
	{ NULL, NULL }
};

/* Where the campaign table starts. */
#define STATS_LIST_Y	12

static void
stats_enter(struct tui *t)
{
	view_dashboard.enter(t);
	list_refresh(t, &t->lists[V_STATS]);
}

static int
stats_key(struct tui *t, int ch)
{
	json_t	*row = list_selected(&t->lists[V_STATS]);

	if ((ch == '\n' || ch == '\r') && row != NULL) {
		t->campaign_id = row_id(row);
		json_decref(t->campaign);
		t->campaign = NULL;
		tui_switch(t, V_CAMPAIGNS);
		return 1;
	}
	return 0;
}

/* Counts and rates of one period (today, or summed history). */
static int
stats_block(int y, const char *title, json_int_t sent, json_int_t m1,
    json_int_t m2, json_int_t failed, json_int_t delivered, json_int_t rd,
    json_int_t inter)
{
	int		 cols = screen_cols();
	char	 r1[16], r2[16], r3[16], r4[16];

	screen_put(y++, 2, cols - 4, title, S_BOLD | S_HEAD, 0);
	draw_pct(r1, sizeof r1, delivered, sent);
	draw_pct(r2, sizeof r2, rd, sent);
	draw_pct(r3, sizeof r3, inter, m1);
	draw_pct(r4, sizeof r4, failed, sent);
	screen_putf(y++, 4, cols - 6, 0, _("%s: %-7lld %s: %-7lld %s: "
	    "%-7lld %s: %lld (%s)"), _("Sent"), (long long)sent, _("Message 1"),
	    (long long)m1, _("Message 2"), (long long)m2, _("Failed"),
	    (long long)failed, r4);
	screen_putf(y++, 4, cols - 6, 0, _("%s: %lld (%s)  %s: %lld (%s)  "
	    "%s: %lld (%s)"), _("Delivered"), (long long)delivered, r1,
	    _("Read"), (long long)rd, r2, _("Replies"), (long long)inter, r3);
	return y;
}

/*
 * Statistics: today and the last 30 days from the daemon's daily figures,
 * messages by status over the campaigns held, and a table per campaign.
 */
static void
draw_stats(struct tui *t)
{
	int		 cols = screen_cols();
	static const char *states[][2] = {
		{ "pending", N_("pending") }, { "sending", N_("sending") },
		{ "sent", N_("sent") }, { "delivered", N_("delivered") },
		{ "read", N_("read") }, { "failed", N_("failed") },
		{ "unknown", N_("unknown") }, { "cancelled", N_("cancelled") },
	};
	struct tui_list	*l = &t->lists[V_STATS];
	json_t		*s = t->stats, *h = t->history, *d, *row;
	json_int_t	 sum[7] = { 0 }, by[8] = { 0 };
	static const char *keys[7] = { "sent", "message_1", "message_2",
	    "failed", "delivered", "read", "interactions" };
	size_t		 i, k, held;
	int		 y = 2, x;
	char		 buf[64];

	if (s == NULL) {
		screen_put(y, 2, cols - 4, t->stats_unavailable ?
		    _("Statistics are not available on this daemon.") :
		    _("Loading\xe2\x80\xa6"), 0, 0);
		return;
	}
	snprintf(buf, sizeof buf, "%s (%s)", _("Today"), row_sn(s, "day") ?
	    row_sn(s, "day") : "-");
	y = stats_block(y, buf, row_num(s, "sent_today"), row_num(s, "message_1"),
	    row_num(s, "message_2"), row_num(s, "failed"), row_num(s, "delivered"),
	    row_num(s, "read"), row_num(s, "interactions"));
	json_array_foreach(h, i, d)
		for (k = 0; k < 7; k++)
			sum[k] += row_num(d, keys[k]);
	y = stats_block(y, _("Last 30 days"), sum[0], sum[1], sum[2], sum[3],
	    sum[4], sum[5], sum[6]);
	held = json_array_size(l->rows);
	json_array_foreach(l->rows, i, row)
		for (k = 0; k < 8; k++)
			by[k] += row_num(row, states[k][0]);
	screen_putf(y++, 2, cols - 4, S_BOLD | S_HEAD, _("Messages by "
	    "status, %zu of %lld campaigns"), held, (long long)l->total);
	for (k = 0, x = 4; k < 8; k++) {
		snprintf(buf, sizeof buf, _("%s: %lld  "), _(states[k][1]),
		    (long long)by[k]);
		if (x + (int)mbstowcs(NULL, buf, 0) > cols && x > 4) {
			x = 4;
			y++;
		}
		x += screen_put(y, x, cols - x, buf, 0, 0);
	}
	list_draw(t, l, _("No campaigns."));
}

const struct view view_stats = {
	.name = N_("Statistics"),
	.keys = keys_stats,
	.list_cmd = "campaigns.list",
	.cols = stats_cols,
	.list_y = STATS_LIST_Y,
	.enter = stats_enter,
	.draw = draw_stats,
	.key = stats_key,
};
