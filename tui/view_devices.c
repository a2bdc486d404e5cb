#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "tui.h"

/*
 * Devices: one row per sending lane (a WhatsApp number) from
 * devices.list: its state and why, today's sends against its cap, the
 * warm-up day, the next send. R resumes the lane under the cursor (a
 * governor pause lasts until the operator does).
 */

static const struct tui_col devices_cols[] = {
	{ N_("Device"), "name", 12, COL_TEXT },
	{ N_("State"), "state", 15, COL_STATUS },
	{ N_("Today"), "sent_today", 7, COL_INT },
	{ N_("Cap"), "cap_today", 7, COL_INT },
	{ N_("Warm-up day"), "warmup_day", 11, COL_INT },
	{ N_("Next send"), "next_send_at", 16, COL_TIME },
	{ N_("Reason"), "reason", 0, COL_TEXT },
	{ NULL, NULL, 0, 0 }
};

static const struct tui_key keys_devices[] = {
	{ "R", N_("resume the paused lane") },
	{ NULL, NULL }
};

static char	devices_resuming[64];

static void
devices_resume(struct tui *t, json_int_t arg)
{
	(void)arg;
	tui_action(t, "devices.resume", json_pack("{s:s}", "name",
	    devices_resuming));
}

static int
devices_key(struct tui *t, int ch)
{
	json_t		*row = list_selected(&t->lists[V_DEVICES]);
	const char	*name, *state;

	if (ch != 'R')
		return 0;
	if (row == NULL || (name = row_sn(row, "name")) == NULL)
		return 1;
	state = row_sn(row, "state");
	if (state == NULL || strcmp(state, "paused") != 0) {
		tui_flash(t, 1, _("Lane %s is not paused."), name);
		return 1;
	}
	snprintf(devices_resuming, sizeof devices_resuming, "%s", name);
	confirm(t, devices_resume, 0, _("Resume lane %s?"), name);
	return 1;
}

static void
devices_enter(struct tui *t)
{
	list_refresh(t, &t->lists[V_DEVICES]);
}

/* A lane changed (monitoring events): show it at once. */
static int
devices_event(struct tui *t, const char *name, json_t *data)
{
	(void)data;
	if (strcmp(name, "monitoring.stats") != 0)
		return 0;
	if (t->view == V_DEVICES && t->authed)
		list_refresh(t, &t->lists[V_DEVICES]);
	return 0;
}

static void
devices_draw(struct tui *t)
{
	struct tui_list	*l = &t->lists[V_DEVICES];

	screen_putf(1, 1, screen_cols() - 2, 0, "%lld %s",
	    (long long)l->total, _("sending lanes (WhatsApp numbers); R "
	    "resumes a paused one"));
	list_draw(t, l, _("No sending lane."));
}

const struct view view_devices = {
	.name = N_("Devices"),
	.keys = keys_devices,
	.list_cmd = "devices.list",
	.cols = devices_cols,
	.list_y = 2,
	.enter = devices_enter,
	.draw = devices_draw,
	.key = devices_key,
	.event = devices_event,
};
