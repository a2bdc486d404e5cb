#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "text.h"
#include "tui.h"

/*
 * Categories: the list with counts, in their colours; create, rename,
 * colour, delete; contacts in and out by id; Enter shows its contacts.
 */

static const struct tui_col category_cols[] = {
	{ N_("ID"), "id", 8, COL_INT },
	{ N_("Name"), "name", 40, COL_COLOR },
	{ N_("Contacts"), "contacts", 10, COL_INT },
	{ NULL, NULL, 0, 0 }
};

static const struct tui_key keys_categories[] = {
	{ "Enter", N_("its contacts (on Contacts)") },
	{ "n", N_("new category") },
	{ "e", N_("rename, change the colour") },
	{ "d", N_("delete") },
	{ "a", N_("add contacts by id (or mark them on Contacts, c)") },
	{ "x", N_("remove contacts by id") },
	{ NULL, NULL }
};

static void
submit_category(struct tui *t, struct tui_form *f)
{
	json_t	*args = json_pack("{s:s}", "name", form_get(f, "name"));

	set_str(args, "color", form_get(f, "color"));
	if (f->target != 0) {
		json_object_set_new(args, "id", json_integer(f->target));
		form_call(t, "categories.update", args);
	} else
		form_call(t, "categories.create", args);
}

static void
submit_members(struct tui *t, struct tui_form *f, const char *cmd)
{
	form_call(t, cmd, json_pack("{s:I,s:o}", "id", f->target, "contacts",
	    form_list(form_get(f, "contacts"))));
}

static void
submit_add_members(struct tui *t, struct tui_form *f)
{
	submit_members(t, f, "categories.add_contacts");
}

static void
submit_remove_members(struct tui *t, struct tui_form *f)
{
	submit_members(t, f, "categories.remove_contacts");
}

static void
do_category_delete(struct tui *t, json_int_t id)
{
	tui_action(t, "categories.delete", json_pack("{s:I}", "id", id));
}

/* Contacts, filtered on the category ROW. */
static void
show_members(struct tui *t, json_t *row)
{
	struct tui_list	*l = &t->lists[V_CONTACTS];

	snprintf(t->search_cat, sizeof t->search_cat, "%lld",
	    (long long)row_id(row));
	snprintf(t->search_cat_name, sizeof t->search_cat_name, "%s",
	    row_str(row, "name"));
	json_object_set_new(l->filter, "category", json_integer(row_id(row)));
	contact_close(t);
	list_reset(l);
	tui_switch(t, V_CONTACTS);
}

static int
categories_key(struct tui *t, int ch)
{
	json_t	*row = list_selected(&t->lists[V_CATEGORIES]);
	char	*name;

	switch (ch) {
	case 'n':
		form_open(t, N_("New category"), submit_category, 0);
		form_add(&t->form, N_("Name"), "name", F_REQUIRED, NULL);
		form_add_pick(&t->form, N_("Colour"), "color", 0, PICK_COLOR,
		    NULL, NULL);
		return 1;
	case '\r':
	case '\n':
		if (row != NULL)
			show_members(t, row);
		return 1;
	case 'e':
		if (row == NULL)
			return 1;
		form_open(t, N_("Rename category"), submit_category,
		    row_id(row));
		form_add(&t->form, N_("Name"), "name", F_REQUIRED,
		    row_str(row, "name"));
		form_add_pick(&t->form, N_("Colour"), "color", 0, PICK_COLOR,
		    row_sn(row, "color"), row_sn(row, "color"));
		return 1;
	case 'a':
	case 'x':
		if (row == NULL)
			return 1;
		form_open(t, ch == 'a' ? N_("Add contacts to the category") :
		    N_("Remove contacts from the category"), ch == 'a' ?
		    submit_add_members : submit_remove_members, row_id(row));
		form_add(&t->form, N_("Contact IDs"), "contacts",
		    F_REQUIRED | F_INT, NULL);
		return 1;
	case 'd':
		if (row == NULL)
			return 1;
		name = text_sanitize(row_str(row, "name"));
		confirm(t, do_category_delete, row_id(row),
		    _("Delete category %s?"), name);
		free(name);
		return 1;
	}
	return 0;
}

static void
draw_categories(struct tui *t)
{
	list_draw(t, &t->lists[V_CATEGORIES], _("No categories."));
}

const struct view view_categories = {
	.name = N_("Categories"),
	.keys = keys_categories,
	.list_cmd = "categories.list",
	.cols = category_cols,
	.list_y = 2,
	.draw = draw_categories,
	.key = categories_key,
};
