#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "tui.h"

/*
 * Inbox: replies, reactions and opt-outs, newest first, with who sent
 * them, the campaign and the message they answer. A reply.new event
 * reloads the list while it is shown and counts as unread while it is
 * not (the count is on the tab). Enter opens the contact's screen.
 */

static const struct tui_col inbox_cols[] = {
	{ N_("When"), "created_at", 17, COL_TIME },
	{ N_("Kind"), "kind", 9, COL_STATUS },
	{ N_("Name"), "contact.name", 20, COL_TEXT },
	{ N_("Number"), "contact.number", 16, COL_TEXT },
	{ N_("Campaign"), "campaign.name", 14, COL_TEXT },
	{ N_("Text"), "body", 0, COL_TEXT },
	{ NULL, NULL, 0, 0 }
};

static const struct tui_key keys_inbox[] = {
	{ "Enter", N_("the contact: details and history") },
	{ "c", N_("filter: campaign") },
	{ NULL, NULL }
};

static char	inbox_campaign[128];

static void
inbox_campaign_chosen(struct tui *t, json_t *item)
{
	struct tui_list	*l = &t->lists[V_INBOX];

	json_object_del(l->filter, "campaign");
	inbox_campaign[0] = '\0';
	if (item != NULL) {
		json_object_set_new(l->filter, "campaign",
		    json_integer(row_id(item)));
		snprintf(inbox_campaign, sizeof inbox_campaign, "%s",
		    row_str(item, "name"));
	}
	list_reload(t, l);
}

static int
inbox_key(struct tui *t, int ch)
{
	json_t		*row = list_selected(&t->lists[V_INBOX]);
	json_int_t	 id;

	switch (ch) {
	case '\n':
	case '\r':
		if (row == NULL)
			break;
		id = row_num(json_object_get(row, "contact"), "id");
		if (id <= 0) {
			tui_flash(t, 1, "%s", _("This reply has no contact."));
			break;
		}
		contact_open(t, id);
		tui_switch(t, V_CONTACTS);
		break;
	case 'c':
		picker_open(t, PICK_CAMPAIGN, NULL, 1, inbox_campaign_chosen);
		break;
	default:
		return 0;
	}
	return 1;
}

static void
inbox_enter(struct tui *t)
{
	t->inbox_unread = 0;
	list_refresh(t, &t->lists[V_INBOX]);
}

/* A new reply: shown at once when the inbox is up, else counted. */
static int
inbox_event(struct tui *t, const char *name, json_t *data)
{
	if (strcmp(name, "reply.new") != 0 &&
	    strcmp(name, "replies.resync") != 0)
		return 0;
	if (t->view == V_INBOX && t->authed) {
		list_refresh(t, &t->lists[V_INBOX]);
		t->inbox_unread = 0;
	} else if (strcmp(name, "reply.new") == 0)
		t->inbox_unread++;
	return 1;
}

static void
inbox_draw(struct tui *t)
{
	struct tui_list	*l = &t->lists[V_INBOX];

	t->inbox_unread = 0;
	screen_putf(1, 1, screen_cols() - 2, 0, _("%s: %s   %lld%s %s"),
	    _("Campaign"), inbox_campaign[0] != '\0' ? inbox_campaign :
	    C_("campaign", "any"), (long long)l->total, l->capped ? "+" : "",
	    _("replies, newest first"));
	list_draw(t, l, _("No replies yet."));
}

const struct view view_inbox = {
	.name = N_("Inbox"),
	.keys = keys_inbox,
	.list_cmd = "replies.list",
	.cols = inbox_cols,
	.list_y = 2,
	.enter = inbox_enter,
	.draw = inbox_draw,
	.key = inbox_key,
	.event = inbox_event,
};
