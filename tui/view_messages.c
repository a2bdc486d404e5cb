#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "tui.h"

/* Messages: every message with its state, filtered by status and by a
 * campaign chosen in a picker. */

static const struct tui_col message_cols[] = {
	{ N_("ID"), "id", 8, COL_INT },
	{ N_("Campaign"), "campaign_id", 9, COL_INT },
	{ N_("Phone"), "phone", 17, COL_TEXT },
	{ N_("Type"), "message_type", 5, COL_INT },
	{ N_("Status"), "state", 11, COL_STATUS },
	{ N_("Error"), "error", 0, COL_TEXT },
	{ NULL, NULL, 0, 0 }
};

static const struct tui_key keys_messages[] = {
	{ "s", N_("filter: status") },
	{ "c", N_("filter: campaign") },
	{ "/", N_("search the text and the error") },
	{ NULL, NULL }
};

static const char *msg_statuses[] = {
	NULL, "pending", "sending", "sent", "delivered", "read", "failed",
	"unknown", "cancelled",
};

/* The campaign chosen in the picker (NULL: any). */
static void
campaign_chosen(struct tui *t, json_t *item)
{
	struct tui_list	*l = &t->lists[V_MESSAGES];

	json_object_del(l->filter, "campaign");
	t->msg_campaign[0] = '\0';
	if (item != NULL) {
		json_object_set_new(l->filter, "campaign",
		    json_integer(row_id(item)));
		snprintf(t->msg_campaign, sizeof t->msg_campaign, "%s",
		    row_str(item, "name"));
	}
	list_reload(t, l);
}

/* Text the daemon looks for in the body and the error (empty: none). */
static char	msg_search[256];

static void
submit_msg_search(struct tui *t, struct tui_form *f)
{
	struct tui_list	*l = &t->lists[V_MESSAGES];

	snprintf(msg_search, sizeof msg_search, "%s", form_get(f, "search"));
	json_object_del(l->filter, "search");
	set_str(l->filter, "search", msg_search);
	f->active = 0;
	list_reload(t, l);
}

static int
messages_key(struct tui *t, int ch)
{
	struct tui_list	*l = &t->lists[V_MESSAGES];
	size_t		 n = sizeof msg_statuses / sizeof msg_statuses[0];

	if (ch == 's') {
		t->status_filter = (t->status_filter + 1) % (int)n;
		json_object_del(l->filter, "status");
		if (msg_statuses[t->status_filter] != NULL)
			json_object_set_new(l->filter, "status",
			    json_string(msg_statuses[t->status_filter]));
		list_reload(t, l);
	} else if (ch == 'c')
		picker_open(t, PICK_CAMPAIGN, NULL, 1, campaign_chosen);
	else if (ch == '/') {
		form_open(t, N_("Search messages"), submit_msg_search, 0);
		form_add(&t->form, N_("Search"), "search", 0, msg_search);
	} else
		return 0;
	return 1;
}

static void
messages_draw(struct tui *t)
{
	const char	*st = msg_statuses[t->status_filter];

	screen_putf(1, 1, screen_cols() - 2, 0, _("%s: %s  %s: %s  %s: %s"),
	    _("Status"), st != NULL ? tui_status_name(st) : _("any"),
	    _("Campaign"), t->msg_campaign[0] != '\0' ? t->msg_campaign :
	    C_("campaign", "any"), _("Search"), msg_search[0] != '\0' ?
	    msg_search : "-");
	list_draw(t, &t->lists[V_MESSAGES], _("No messages."));
}

const struct view view_messages = {
	.name = N_("Messages"),
	.keys = keys_messages,
	.list_cmd = "messages.list",
	.cols = message_cols,
	.list_y = 2,
	.draw = messages_draw,
	.key = messages_key,
};
