#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conn.h"
#include "text.h"
#include "tui.h"

/*
 * Contacts: the list with its search and filters, marks for actions on
 * several contacts, and the forms to add and edit. Enter opens the
 * contact's own screen (view_contact.c).
 */

static const struct tui_col contact_cols[] = {
	{ N_("ID"), "id", 8, COL_INT },
	{ N_("Phone"), "phone", 17, COL_TEXT },
	{ N_("Name"), "first_name", 30, COL_NAME },
	{ N_("WhatsApp"), "verified", 10, COL_VERIFIED },
	{ N_("Opted out"), "opted_out", 10, COL_FLAG },
	{ NULL, NULL, 0, 0 }
};

static const struct tui_key keys_contacts[] = {
	{ "/", N_("search and filter by category") },
	{ "f", N_("filter: verified") },
	{ "o", N_("filter: opted out") },
	{ "Enter", N_("the contact: details and history") },
	{ "a", N_("add a contact") },
	{ "e", N_("edit the contact") },
	{ "Space", N_("mark or unmark the contact") },
	{ "c", N_("add the marked contacts to a category") },
	{ "C", N_("remove the marked contacts from a category") },
	{ "U", N_("unmark all") },
	{ "d", N_("delete the contact") },
	{ "v", N_("verify the contact") },
	{ "V", N_("verify all contacts") },
	{ NULL, NULL }
};

#define LIST	(&t->lists[V_CONTACTS])

/*
 * The other columns an edit form shows (an import kept them): their names
 * are the fields' labels and keys, as long as the form is open. What the
 * form has no room for is left as it is.
 */
static char	 edit_extra[FORM_FIELDS][40];

/* The edited columns as contacts.update's extra ("" removes one). */
static json_t *
extra_of_form(struct tui_form *f)
{
	json_t	*x = NULL;
	int	 i, j;

	for (i = 0; i < f->n; i++)
		for (j = 0; j < FORM_FIELDS; j++)
			if (f->f[i].key == edit_extra[j]) {
				if (x == NULL)
					x = json_object();
				json_object_set_new(x, edit_extra[j],
				    json_string(f->f[i].value));
			}
	return x;
}

/* Phone as typed: the daemon applies its default country and says what
 * is wrong with a number. Categories go as "category" (ids). */
static void
submit_contact(struct tui *t, struct tui_form *f)
{
	json_t	*args = json_object(), *cats, *x;

	set_str(args, "phone", form_get(f, "phone"));
	json_object_set_new(args, "first_name",
	    json_string(form_get(f, "first_name")));
	json_object_set_new(args, "last_name",
	    json_string(form_get(f, "last_name")));
	/* One category as itself: a daemon may not take an array. */
	cats = form_list(form_get(f, "categories"));
	if (json_array_size(cats) == 1)
		json_object_set(args, "category", json_array_get(cats, 0));
	else if (json_array_size(cats) > 1)
		json_object_set(args, "category", cats);
	json_decref(cats);
	if (f->target != 0) {
		json_object_set_new(args, "id", json_integer(f->target));
		if ((x = extra_of_form(f)) != NULL)
			json_object_set_new(args, "extra", x);
		form_call(t, "contacts.update", args);
	} else
		form_call(t, "contacts.create", args);
}

/* The edit form of contact ROW: every field the daemon lets change, and
 * the other columns an import kept, as many as the form holds. */
void
contact_edit(struct tui *t, json_t *row)
{
	const char	*k;
	json_t		*v;
	int		 i = 0;

	form_open(t, N_("Edit contact"), submit_contact, row_id(row));
	form_add(&t->form, N_("First name"), "first_name", 0,
	    row_str(row, "first_name"));
	form_add(&t->form, N_("Last name"), "last_name", 0,
	    row_str(row, "last_name"));
	form_add(&t->form, N_("Phone"), "phone", F_REQUIRED,
	    row_str(row, "phone"));
	json_object_foreach(json_object_get(row, "extra"), k, v) {
		if (t->form.n == FORM_FIELDS || !json_is_string(v))
			break;
		snprintf(edit_extra[i], sizeof edit_extra[i], "%s", k);
		form_add(&t->form, edit_extra[i], edit_extra[i], 0,
		    json_string_value(v));
		i++;
	}
	for (; i < FORM_FIELDS; i++)
		edit_extra[i][0] = '\0';
}

static void
submit_search(struct tui *t, struct tui_form *f)
{
	struct tui_list	*l = LIST;
	const char	*cat = form_get(f, "category");
	size_t		 i;

	snprintf(t->search, sizeof t->search, "%s", form_get(f, "search"));
	snprintf(t->search_cat, sizeof t->search_cat, "%s", cat);
	for (i = 0; i < (size_t)f->n; i++)
		if (strcmp(f->f[i].key, "category") == 0)
			snprintf(t->search_cat_name, sizeof t->search_cat_name,
			    "%s", f->f[i].shown);
	json_object_del(l->filter, "search");
	json_object_del(l->filter, "category");
	set_str(l->filter, "search", t->search);
	if (*cat != '\0')
		json_object_set_new(l->filter, "category",
		    json_integer(strtoll(cat, NULL, 10)));
	f->active = 0;
	list_reload(t, l);
}

static void
do_contact_delete(struct tui *t, json_int_t id)
{
	tui_action(t, "contacts.delete", json_pack("{s:I}", "id", id));
}

/* A bulk check runs on: say how many wait, the dashboard shows progress. */
static void
verify_all_reply(json_t *data, json_t *err, void *arg)
{
	(void)arg;
	if (err != NULL && tui_err_unknown(err))
		tui_flash(&T, 1, "%s", _("Not available on this daemon"));
	else if (err != NULL)
		tui_flash(&T, 1, "%s", tui_err_msg(err));
	else if (json_is_integer(json_object_get(data, "queued")))
		tui_flash(&T, 0, _("Verifying %lld contact(s): progress on the "
		    "dashboard"), (long long)row_num(data, "queued"));
	else
		tui_flash(&T, 0, "%s", tui_done_text("verify.bulk"));
	tui_refresh_soon();
}

static void
do_verify_all(struct tui *t, json_int_t unused)
{
	(void)unused;
	tui_call(t, "verify.bulk", json_object(), verify_all_reply, NULL);
}

static void
members_reply(json_t *data, json_t *err, void *arg)
{
	if (err != NULL)
		tui_flash(&T, 1, _("%s: %s"), arg != NULL ?
		    _("Add to category") : _("Remove from category"),
		    tui_err_msg(err));
	else {
		if (arg != NULL)
			tui_flash(&T, 0, _("Added %lld contact(s) to the "
			    "category, %lld already in it"),
			    (long long)row_num(data, "added"),
			    (long long)row_num(data, "unchanged"));
		else
			tui_flash(&T, 0, _("Removed %lld contact(s) from the "
			    "category"), (long long)row_num(data, "removed"));
		list_unmark_all(&T.lists[V_CONTACTS]);
	}
	tui_refresh_soon();
}

/* The contacts an action on several applies to: the marked ones, else
 * the one shown or selected; NULL when none. */
static json_t *
chosen_contacts(struct tui *t)
{
	struct tui_list	*l = LIST;
	json_t		*ids, *sel;

	if (t->contact_id != 0) {
		ids = json_array();
		json_array_append_new(ids, json_integer(t->contact_id));
	} else if (list_nmarked(l) > 0)
		ids = list_marked_ids(l);
	else if ((sel = list_selected(l)) != NULL) {
		ids = json_array();
		json_array_append_new(ids, json_integer(row_id(sel)));
	} else
		ids = NULL;
	return ids;
}

static void
remove_from_category(struct tui *t, json_t *row)
{
	json_t	*ids;

	if (row == NULL || (ids = chosen_contacts(t)) == NULL)
		return;
	tui_call(t, "categories.remove_contacts", json_pack("{s:I,s:o}", "id",
	    row_id(row), "contacts", ids), members_reply, NULL);
}

/* The marked contacts (else the selected one) join category ROW. */
static void
add_to_category(struct tui *t, json_t *row)
{
	json_t	*ids;

	if (row == NULL || (ids = chosen_contacts(t)) == NULL)
		return;
	tui_call(t, "categories.add_contacts", json_pack("{s:I,s:o}", "id",
	    row_id(row), "contacts", ids), members_reply, "add");
}

/* The category picker for the marked contacts (or the one shown). */
void
contacts_to_category(struct tui *t)
{
	picker_open(t, PICK_CATEGORY, N_("Add to the category"), 0,
	    add_to_category);
}

static int
contacts_key(struct tui *t, int ch)
{
	struct tui_list	*l = LIST;
	json_t		*row = list_selected(l);
	char		*name;

	if (t->contact_id != 0)
		return contact_key(t, ch);
	switch (ch) {
	case '/':
		form_open(t, N_("Search contacts"), submit_search, 0);
		form_add(&t->form, N_("Search"), "search", 0, t->search);
		form_add_pick(&t->form, N_("Category"), "category", 0,
		    PICK_CATEGORY, t->search_cat, t->search_cat_name);
		break;
	case 'f':
		t->verified_filter = (t->verified_filter + 1) % 4;
		json_object_del(l->filter, "verified");
		if (t->verified_filter == 1)
			json_object_set_new(l->filter, "verified", json_true());
		else if (t->verified_filter == 2)
			json_object_set_new(l->filter, "verified",
			    json_false());
		else if (t->verified_filter == 3)
			json_object_set_new(l->filter, "verified", json_null());
		list_reload(t, l);
		break;
	case 'o':
		t->optout_filter = (t->optout_filter + 1) % 3;
		json_object_del(l->filter, "opted_out");
		if (t->optout_filter != 0)
			json_object_set_new(l->filter, "opted_out",
			    json_boolean(t->optout_filter == 1));
		list_reload(t, l);
		break;
	case 'a':
		form_open(t, N_("New contact"), submit_contact, 0);
		form_add(&t->form, N_("Phone"), "phone", F_REQUIRED, NULL);
		form_add(&t->form, N_("First name"), "first_name", 0, NULL);
		form_add(&t->form, N_("Last name"), "last_name", 0, NULL);
		form_add_pick(&t->form, N_("Categories"), "categories", 0,
		    PICK_CATEGORIES, NULL, NULL);
		break;
	case 'e':
		if (row != NULL)
			contact_edit(t, row);
		break;
	case '\n':
	case '\r':
		if (row != NULL)
			contact_open(t, row_id(row));
		break;
	case ' ':
		if (row == NULL)
			break;
		list_mark(l, row_id(row));
		list_move(t, l, 1, 0);
		break;
	case 'U':
		list_unmark_all(l);
		break;
	case 'c':
		if (row != NULL || list_nmarked(l) > 0)
			contacts_to_category(t);
		break;
	case 'C':
		if (row != NULL || list_nmarked(l) > 0)
			picker_open(t, PICK_CATEGORY, N_("Remove from the "
			    "category"), 0, remove_from_category);
		break;
	case 'd':
		if (row == NULL)
			break;
		name = text_sanitize(row_str(row, "phone"));
		confirm(t, do_contact_delete, row_id(row),
		    _("Delete contact %s?"), name);
		free(name);
		break;
	case 'v':
		if (row != NULL)
			tui_action(t, "verify.contact", json_pack("{s:I}", "id",
			    row_id(row)));
		break;
	case 'V':
		confirm(t, do_verify_all, 0, "%s",
		    _("Verify every contact with WhatsApp?"));
		break;
	default:
		return 0;
	}
	return 1;
}

static void
draw_contacts(struct tui *t)
{
	int		 cols = screen_cols(), x;
	struct tui_list	*l = LIST;
	static const char *vf[] = { N_("any"), N_("yes"), N_("no"),
	    N_("unknown") };
	static const char *of[] = { N_("any"), N_("yes"), N_("no") };

	if (t->contact_id != 0) {
		contact_draw(t);
		return;
	}
	x = 1 + screen_putf(1, 1, cols - 2, 0, _("%s: %s  %s: %s  %s: %s  "
	    "%s: %s   %lld/%lld%s"), _("Search"), t->search[0] ? t->search :
	    "-", _("Category"), t->search_cat_name[0] ? t->search_cat_name :
	    t->search_cat[0] ? t->search_cat : "-",
	    _("Verified"), _(vf[t->verified_filter]),
	    _("Opted out"), _(of[t->optout_filter]),
	    (long long)(l->total ? l->sel + 1 : 0), (long long)l->total,
	    l->capped ? "+" : "");
	if (list_nmarked(l) > 0)
		screen_putf(1, x, cols - x, S_BOLD | S_WARN, _("  %zu marked"),
		    list_nmarked(l));
	list_draw(t, l, _("No contacts."));
}

static void
contacts_enter(struct tui *t)
{
	if (t->contact_id != 0)
		contact_fetch(t);
	else
		list_refresh(t, LIST);
}

static int
contacts_back(struct tui *t)
{
	if (t->contact_id == 0)
		return 0;
	contact_close(t);
	return 1;
}

static int
contacts_list_shown(struct tui *t)
{
	return t->contact_id == 0;
}

const struct view view_contacts = {
	.name = N_("Contacts"),
	.keys = keys_contacts,
	.list_cmd = "contacts.list",
	.cols = contact_cols,
	.list_y = 2,
	.enter = contacts_enter,
	.draw = draw_contacts,
	.key = contacts_key,
	.back = contacts_back,
	.list_shown = contacts_list_shown,
	.detail_keys = contact_keys,
	.detail_name = N_("Contact"),
};
