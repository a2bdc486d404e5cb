#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "text.h"
#include "tui.h"

/*
 * Users (super_admin only): create, change role (picked from the daemon's
 * roles), reset a password, enable or disable, delete.
 */

static const struct tui_col user_cols[] = {
	{ N_("ID"), "id", 6, COL_INT },
	{ N_("Login"), "login", 20, COL_TEXT },
	{ N_("Role"), "role", 12, COL_TEXT },
	{ N_("Unix user"), "unix_user", 16, COL_TEXT },
	{ N_("Enabled"), "active", 8, COL_BOOL },
	{ NULL, NULL, 0, 0 }
};

static const struct tui_key keys_users[] = {
	{ "n", N_("new user") },
	{ "e Enter", N_("edit: role, Unix user, enabled") },
	{ "p", N_("reset the password") },
	{ "E", N_("enable or disable") },
	{ "d", N_("delete") },
	{ NULL, NULL }
};

static void
submit_user(struct tui *t, struct tui_form *f)
{
	json_t	*args = json_object();

	set_str(args, "login", form_get(f, "login"));
	set_str(args, "role", form_get(f, "role"));
	set_str(args, "unix_user", form_get(f, "unix_user"));
	set_str(args, "password", form_get(f, "password"));
	form_call(t, "users.create", args);
	explicit_bzero(f->f[3].value, sizeof f->f[3].value);
}

/* users.update: what the form holds; an empty password keeps the old. */
static void
submit_user_update(struct tui *t, struct tui_form *f)
{
	json_t		*args = json_pack("{s:I}", "id", f->target);
	const char	*a = form_get(f, "active");
	int		 i;

	set_str(args, "role", form_get(f, "role"));
	for (i = 0; i < f->n; i++)
		if (strcmp(f->f[i].key, "unix_user") == 0)
			json_object_set_new(args, "unix_user",
			    json_string(f->f[i].value));
	set_str(args, "password", form_get(f, "password"));
	if (*a != '\0')
		json_object_set_new(args, "active", json_boolean(strcmp(a,
		    "yes") == 0));
	form_call(t, "users.update", args);
	for (i = 0; i < f->n; i++)
		if (strcmp(f->f[i].key, "password") == 0)
			explicit_bzero(f->f[i].value, sizeof f->f[i].value);
}

static void
do_user_delete(struct tui *t, json_int_t id)
{
	tui_action(t, "users.delete", json_pack("{s:I}", "id", id));
}

static void
do_enable(struct tui *t, json_int_t id)
{
	tui_action(t, "users.update", json_pack("{s:I,s:b}", "id", id,
	    "active", 1));
}

static void
do_disable(struct tui *t, json_int_t id)
{
	tui_action(t, "users.update", json_pack("{s:I,s:b}", "id", id,
	    "active", 0));
}

static int
users_key(struct tui *t, int ch)
{
	json_t	*row = list_selected(&t->lists[V_USERS]);
	char	*name;
	int	 on;

	if (!t->super)
		return 0;
	if (ch == 'n') {
		form_open(t, N_("New user"), submit_user, 0);
		form_add(&t->form, N_("Login"), "login", F_REQUIRED, NULL);
		form_add_pick(&t->form, N_("Role"), "role", F_REQUIRED,
		    PICK_ROLE, "admin", "admin");
		form_add(&t->form, N_("Unix user"), "unix_user", 0, NULL);
		form_add(&t->form, N_("Password"), "password", F_SECRET, NULL);
		return 1;
	}
	if (row == NULL)
		return 0;
	on = !json_is_false(json_object_get(row, "active"));
	name = text_sanitize(row_str(row, "login"));
	switch (ch) {
	case 'e':
	case '\r':
	case '\n':
		form_open(t, N_("Edit user"), submit_user_update, row_id(row));
		form_add_pick(&t->form, N_("Role"), "role", F_REQUIRED,
		    PICK_ROLE, row_str(row, "role"), row_str(row, "role"));
		form_add(&t->form, N_("Unix user"), "unix_user", 0,
		    row_str(row, "unix_user"));
		form_add_pick(&t->form, N_("Enabled"), "active", 0,
		    PICK_ACTIVE, on ? "yes" : "no", on ? _("enabled") :
		    _("disabled"));
		form_add(&t->form, N_("New password"), "password", F_SECRET,
		    NULL);
		break;
	case 'p':
		form_open(t, N_("Reset the password"), submit_user_update,
		    row_id(row));
		form_add(&t->form, N_("New password"), "password",
		    F_REQUIRED | F_SECRET, NULL);
		break;
	case 'E':
		if (on)
			confirm(t, do_disable, row_id(row), _("Disable user %s? "
			    "They cannot log in until enabled again."), name);
		else
			confirm(t, do_enable, row_id(row), _("Enable user %s?"),
			    name);
		break;
	case 'd':
		confirm(t, do_user_delete, row_id(row), _("Delete user %s?"),
		    name);
		break;
	default:
		free(name);
		return 0;
	}
	free(name);
	return 1;
}

static void
users_enter(struct tui *t)
{
	if (t->super)
		list_refresh(t, &t->lists[V_USERS]);
}

static void
users_draw(struct tui *t)
{
	if (!t->super)
		screen_put(3, 2, screen_cols() - 4, _("Only a super_admin can "
		    "manage users."), S_BOLD, 0);
	else
		list_draw(t, &t->lists[V_USERS], _("No users."));
}

const struct view view_users = {
	.name = N_("Users"),
	.keys = keys_users,
	.list_cmd = "users.list",
	.cols = user_cols,
	.list_y = 2,
	.enter = users_enter,
	.draw = users_draw,
	.key = users_key,
};
