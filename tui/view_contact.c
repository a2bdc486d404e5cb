#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conn.h"
#include "text.h"
#include "tui.h"

/*
 * One contact (Enter on the contacts list): fields, categories in their
 * colours, WhatsApp check, opt-out, messages with their state and time,
 * replies; keys to edit, opt out or in, erase, verify, add to a category.
 * Everything comes from contacts.get; fields a daemon lacks are left out.
 */

const struct tui_key contact_keys[] = {
	{ "e", N_("edit first name, last name and phone") },
	{ "o", N_("opt out, or opt back in") },
	{ "X", N_("erase the person (history kept, anonymised)") },
	{ "v", N_("verify with WhatsApp") },
	{ "c", N_("add to a category") },
	{ "\xe2\x86\x91\xe2\x86\x93 j k", N_("scroll the history") },
	{ "q Esc", N_("back to the list") },
	{ NULL, NULL }
};

static void
contact_reply(json_t *data, json_t *err, void *arg)
{
	if ((json_int_t)(intptr_t)arg != T.contact_id)
		return;
	if (err != NULL) {
		tui_flash(&T, 1, "%s", tui_err_msg(err));
		return;
	}
	json_decref(T.contact);
	T.contact = json_incref(data);
	tui_dirty();
}

void
contact_fetch(struct tui *t)
{
	conn_call(t->conn, "contacts.get", json_pack("{s:I}", "id",
	    t->contact_id), -1, contact_reply, (void *)(intptr_t)t->contact_id);
}

void
contact_open(struct tui *t, json_int_t id)
{
	t->contact_id = id;
	t->contact_top = 0;
	json_decref(t->contact);
	t->contact = NULL;
	contact_fetch(t);
	tui_dirty();
}

void
contact_close(struct tui *t)
{
	t->contact_id = 0;
	json_decref(t->contact);
	t->contact = NULL;
}

static void
optout_reply(json_t *data, json_t *err, void *arg)
{
	(void)data;
	if (err != NULL)
		tui_flash(&T, 1, "%s", tui_err_msg(err));
	else
		tui_flash(&T, 0, "%s", arg != NULL ? _("Opted out: no message "
		    "will go to this contact") : _("Opted back in"));
	tui_refresh_soon();
}

static void
do_optout(struct tui *t, json_int_t id)
{
	tui_call(t, "contacts.update", json_pack("{s:I,s:b}", "id", id,
	    "opted_out", 1), optout_reply, "out");
}

static void
do_optin(struct tui *t, json_int_t id)
{
	tui_call(t, "contacts.update", json_pack("{s:I,s:b}", "id", id,
	    "opted_out", 0), optout_reply, NULL);
}

static void
erase_reply(json_t *data, json_t *err, void *arg)
{
	(void)data;
	(void)arg;
	if (err != NULL && tui_err_unknown(err))
		tui_flash(&T, 1, "%s", _("Not available on this daemon"));
	else if (err != NULL)
		tui_flash(&T, 1, "%s", tui_err_msg(err));
	else {
		tui_flash(&T, 0, "%s", _("Erased: the number and names are "
		    "gone; counts stay"));
		contact_close(&T);
	}
	tui_refresh_soon();
}

static void
do_erase(struct tui *t, json_int_t id)
{
	tui_call(t, "contacts.erase", json_pack("{s:I}", "id", id),
	    erase_reply, NULL);
}

int
contact_key(struct tui *t, int ch)
{
	json_t	*c = t->contact;
	char	*name;

	if (c == NULL)
		return 0;
	switch (ch) {
	case 'e':
		contact_edit(t, c);
		break;
	case 'o':
		name = text_sanitize(row_str(c, "phone"));
		if (json_is_true(json_object_get(c, "opted_out")))
			confirm(t, do_optin, t->contact_id, _("Opt %s back in? "
			    "Campaigns may message them again."), name);
		else
			confirm(t, do_optout, t->contact_id, _("Opt %s out? "
			    "Their pending messages are cancelled."), name);
		free(name);
		break;
	case 'X':
		name = text_sanitize(row_str(c, "phone"));
		confirm(t, do_erase, t->contact_id, _("Erase %s for good?\n"
		    "Their number and names are blanked everywhere: messages,\n"
		    "replies, import and webhook records, audit. Counts stay.\n"
		    "Pending messages are cancelled. Backups keep them."), name);
		free(name);
		break;
	case 'v':
		tui_action(t, "verify.contact", json_pack("{s:I}", "id",
		    t->contact_id));
		break;
	case 'c':
		contacts_to_category(t);
		break;
	case KEY_FN | K_DOWN:
	case 'j':
		t->contact_top++;
		break;
	case KEY_FN | K_UP:
	case 'k':
		if (t->contact_top > 0)
			t->contact_top--;
		break;
	default:
		return 0;
	}
	tui_dirty();
	return 1;
}

/* One history line at Y if it is in the part shown; the next line. */
static int
hline(struct tui *t, int y, int *n, int top, int bottom, const char *s,
    int a)
{
	(void)t;
	if ((*n)++ < top || y >= bottom)
		return y;
	screen_put(y, 4, screen_cols() - 6, s, a, 0);
	return y + 1;
}

void
contact_draw(struct tui *t)
{
	json_t		*c = t->contact, *v, *m;
	int		 cols = screen_cols(), bottom = screen_lines() - 3;
	int		 y = 2, x, n = 0, e;
	size_t		 i;
	char		 buf[1024], when[32], when2[32];
	const char	*s;

	if (c == NULL) {
		screen_put(y, 2, cols - 4, _("Loading\xe2\x80\xa6"), S_DIM, 0);
		return;
	}
	snprintf(buf, sizeof buf, "%s %s", row_str(c, "first_name"),
	    row_str(c, "last_name"));
	x = 2 + screen_put(y, 2, cols - 20, buf, S_BOLD, 0);
	screen_putf(y++, x + 2, cols - x - 2, S_DIM, "#%lld",
	    (long long)row_id(c));
	s = row_str(c, "raw_number");
	if (*s != '\0' && strcmp(s, row_str(c, "phone")) != 0)
		screen_putf(y++, 2, cols - 4, 0, _("%s: %s  (%s: %s)"),
		    _("Phone"), row_str(c, "phone"), _("as typed"), s);
	else
		screen_putf(y++, 2, cols - 4, 0, _("%s: %s"), _("Phone"),
		    row_str(c, "phone"));
	v = json_object_get(c, "verified");
	x = 2 + screen_putf(y, 2, cols - 4, 0, _("%s: "), _("WhatsApp"));
	if (json_is_true(v))
		x += screen_put(y, x, cols - x, _("on WhatsApp"), S_OK, 0);
	else if (json_is_false(v))
		x += screen_put(y, x, cols - x, _("not on WhatsApp"), S_BAD, 0);
	else
		x += screen_put(y, x, cols - x, _("not checked"), S_DIM, 0);
	if (*draw_time(when, sizeof when, json_object_get(c, "verified_at")))
		screen_putf(y, x, cols - x, S_DIM, "  (%s)", when);
	y++;
	if (json_is_true(json_object_get(c, "opted_out")))
		screen_putf(y++, 2, cols - 4, S_BAD | S_BOLD, _("%s: %s %s"),
		    _("Opted out"), _("yes, since"), draw_time(when,
		    sizeof when, json_object_get(c, "opted_out_at")));
	else
		screen_putf(y++, 2, cols - 4, 0, _("%s: %s"), _("Opted out"),
		    _("no"));
	x = 2 + screen_putf(y, 2, cols - 4, 0, _("%s: "), _("Categories"));
	if (json_array_size(json_object_get(c, "categories")) == 0)
		screen_put(y, x, cols - x, _("(none)"), S_DIM, 0);
	json_array_foreach(json_object_get(c, "categories"), i, v) {
		snprintf(buf, sizeof buf, "%s%s", i > 0 ? ", " : "",
		    row_str(v, "name"));
		x += screen_put(y, x, cols - x, buf, screen_color(row_sn(v,
		    "color")) | S_BOLD, 0);
	}
	y++;
	/* The columns an import kept, on one line: "ville: Lomé, ...". */
	if (json_object_size(json_object_get(c, "extra")) > 0) {
		x = 2 + screen_putf(y, 2, cols - 4, 0, _("%s: "),
		    _("Other columns"));
		e = 0;
		json_object_foreach(json_object_get(c, "extra"), s, v) {
			snprintf(buf, sizeof buf, "%s%s: %s", e++ > 0 ? ", " :
			    "", s, json_string_value(v) != NULL ?
			    json_string_value(v) : "");
			x += screen_put(y, x, cols - x, buf, 0, 0);
		}
		y++;
	}
	screen_putf(y++, 2, cols - 4, S_DIM, _("%s: %s  %s: %s"), _("Added"),
	    draw_time(when, sizeof when, json_object_get(c, "created_at")),
	    _("Updated"), draw_time(when2, sizeof when2,
	    json_object_get(c, "updated_at")));
	y++;
	/* The history scrolls under the fields. */
	m = json_object_get(c, "messages");
	snprintf(buf, sizeof buf, "%s (%zu)", _("Messages"),
	    json_array_size(m));
	y = hline(t, y, &n, t->contact_top, bottom, buf, S_BOLD | S_HEAD);
	if (!json_is_array(m))
		y = hline(t, y, &n, t->contact_top, bottom, _("This daemon "
		    "does not give a contact's messages."), S_DIM);
	json_array_foreach(m, i, v) {
		draw_time(when, sizeof when, json_object_get(v, "sent_at"));
		if (when[0] == '\0')
			draw_time(when, sizeof when, json_object_get(v,
			    "updated_at"));
		snprintf(buf, sizeof buf, "%-16s  %-20.20s  M%lld r%lld  %-10s "
		    "%s", when, row_str(v, "campaign"),
		    (long long)row_num(v, "message_type"),
		    (long long)row_num(v, "round"),
		    tui_status_name(row_sn(v, "state")),
		    row_sn(v, "error") ? row_str(v, "error") :
		    row_str(v, "cancel_reason"));
		y = hline(t, y, &n, t->contact_top, bottom, buf,
		    strcmp(row_str(v, "state"), "failed") == 0 ? S_BAD : 0);
	}
	m = json_object_get(c, "interactions");
	if (m == NULL)
		m = json_object_get(c, "replies");
	snprintf(buf, sizeof buf, "%s (%zu)", _("Replies"),
	    json_array_size(m));
	y = hline(t, y, &n, t->contact_top, bottom, "", 0);
	y = hline(t, y, &n, t->contact_top, bottom, buf, S_BOLD | S_HEAD);
	json_array_foreach(m, i, v) {
		snprintf(buf, sizeof buf, "%-16s  %-20.20s  %-8s %s",
		    draw_time(when, sizeof when, json_object_get(v,
		    "created_at")), row_str(v, "campaign"), row_str(v, "kind"),
		    row_str(v, "body"));
		y = hline(t, y, &n, t->contact_top, bottom, buf, 0);
	}
	if (t->contact_top >= n && n > 0)
		t->contact_top = n - 1;
	screen_putf(bottom + 1, 2, cols - 4, S_DIM, "e %s  o %s  X %s  v %s  "
	    "c %s  q %s", _("edit"), json_is_true(json_object_get(c,
	    "opted_out")) ? _("opt in") : _("opt out"), _("erase"),
	    _("verify"), _("category"), _("back"));
}
