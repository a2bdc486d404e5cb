#include <stdio.h>

#include <jansson.h>

#include "tui.h"

/* Audit (super_admin only): who did what, newest first, from audit.list. */

static const struct tui_col audit_cols[] = {
	{ N_("ID"), "id", 5, COL_INT },
	{ N_("Time"), "at", 16, COL_TIME },
	{ N_("Login"), "login", 11, COL_TEXT },
	{ N_("Unix"), "unix_user", 8, COL_TEXT },
	{ N_("Command"), "command", 23, COL_COMMAND },
	{ N_("OK"), "ok", 3, COL_BOOL },
	{ N_("Target"), "target", 0, COL_TEXT },
	{ NULL, NULL, 0, 0 }
};

static const struct tui_key keys_audit[] = {
	{ NULL, NULL }
};

static void
audit_enter(struct tui *t)
{
	if (t->super)
		list_refresh(t, &t->lists[V_AUDIT]);
}

static void
audit_draw(struct tui *t)
{
	if (!t->super)
		screen_put(3, 2, screen_cols() - 4, _("Only a super_admin can "
		    "read the audit log."), S_BOLD, 0);
	else
		list_draw(t, &t->lists[V_AUDIT], _("Nothing audited yet."));
}

const struct view view_audit = {
	.name = N_("Audit"),
	.keys = keys_audit,
	.list_cmd = "audit.list",
	.cols = audit_cols,
	.list_y = 2,
	.enter = audit_enter,
	.draw = audit_draw,
};
