#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <libintl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "client.h"
#include "conn.h"
#include "phone.h"
#include "text.h"
#include "tui.h"
#include "xmalloc.h"

/*
 * The interface's state and logic. Keys and daemon replies change the
 * state and call tui_dirty(); one render pass runs per loop turn, after
 * every other event of that turn (a lower priority). Drawing lives in
 * screen.c, the only module that calls ncurses.
 */

/* Key codes from screen_key() (ncurses KEY_* values, kept here). */
#define K_DOWN		0402
#define K_UP		0403
#define K_LEFT		0404
#define K_RIGHT		0405
#define K_HOME		0406
#define K_BACKSPACE	0407
#define K_F(n)		(0410 + (n))
#define K_NPAGE		0522
#define K_PPAGE		0523
#define K_BTAB		0541
#define K_END		0550
#define K_ENTER		0527
#define K_RESIZE	0632

#define CTRL(c)		((c) & 0x1f)
#define ESC		27

static struct event_base	*base;
static struct event		*render_ev;
static struct event		*refresh_ev;
static struct event		*preview_ev;
static unsigned			 preview_gen;
static struct tui		 T;

static void	tui_after_auth(struct tui *);
static void	list_fetch(struct tui *, struct tui_list *, size_t, int);
static void	view_enter(struct tui *);
static void	preview_schedule(struct tui *);
static json_t	*form_list(const char *);

static const char *view_names[V_NVIEWS] = {
	N_("Dashboard"), N_("Contacts"), N_("Import"), N_("Categories"),
	N_("Campaigns"), N_("Messages"), N_("Users"), N_("Statistics"),
};

static const struct tui_col contact_cols[] = {
	{ N_("ID"), "id", 8, COL_INT },
	{ N_("Phone"), "phone", 17, COL_TEXT },
	{ N_("Name"), "first_name", 30, COL_NAME },
	{ N_("WhatsApp"), "verified", 10, COL_VERIFIED },
	{ N_("Opted out"), "opted_out", 10, COL_FLAG },
	{ NULL, NULL, 0, 0 }
};
static const struct tui_col category_cols[] = {
	{ N_("ID"), "id", 8, COL_INT },
	{ N_("Name"), "name", 40, COL_TEXT },
	{ N_("Contacts"), "contacts", 10, COL_INT },
	{ NULL, NULL, 0, 0 }
};
static const struct tui_col campaign_cols[] = {
	{ N_("ID"), "id", 6, COL_INT },
	{ N_("Name"), "name", 24, COL_TEXT },
	{ N_("Status"), "status", 12, COL_STATUS },
	{ N_("Progress"), "total", 22, COL_PROGRESS },
	{ N_("Failed"), "failed", 8, COL_INT },
	{ N_("Replies"), "interactions", 8, COL_INT },
	{ NULL, NULL, 0, 0 }
};
static const struct tui_col message_cols[] = {
	{ N_("ID"), "id", 8, COL_INT },
	{ N_("Campaign"), "campaign_id", 9, COL_INT },
	{ N_("Phone"), "phone", 17, COL_TEXT },
	{ N_("Type"), "message_type", 5, COL_INT },
	{ N_("Status"), "state", 11, COL_STATUS },
	{ N_("Error"), "error", 0, COL_TEXT },
	{ NULL, NULL, 0, 0 }
};
static const struct tui_col user_cols[] = {
	{ N_("ID"), "id", 6, COL_INT },
	{ N_("Login"), "login", 20, COL_TEXT },
	{ N_("Role"), "role", 12, COL_TEXT },
	{ N_("Unix user"), "unix_user", 16, COL_TEXT },
	{ NULL, NULL, 0, 0 }
};

/* Rates before the read and reply counts: 80 columns show them first. */
static const struct tui_col stats_cols[] = {
	{ N_("ID"), "id", 4, COL_INT },
	{ N_("Name"), "name", 14, COL_TEXT },
	{ N_("Status"), "status", 10, COL_STATUS },
	{ N_("Sent"), "sent", 6, COL_OUT },
	{ N_("Delivered"), "delivered", 9, COL_REACHED },
	{ N_("Failed"), "failed", 6, COL_INT },
	{ N_("Deliv.%"), "delivered", 7, COL_RATE },
	{ N_("Read%"), "read", 6, COL_RATE },
	{ N_("Reply%"), "interactions", 6, COL_RATE },
	{ N_("Read"), "read", 6, COL_INT },
	{ N_("Replies"), "interactions", 7, COL_INT },
	{ NULL, NULL, 0, 0 }
};

static const char *msg_statuses[] = {
	NULL, "pending", "sending", "sent", "delivered", "read", "failed",
	"unknown", "cancelled",
};

static const struct tui_key keys_common[] = {
	{ "Tab/S-Tab", N_("next / previous screen") },
	{ "1-8 F2-F9", N_("go to a screen") },
	{ "? F1", N_("this help") },
	{ "r", N_("refresh") },
	{ "q Esc F10", N_("back, or quit") },
	{ NULL, NULL }
};
static const struct tui_key keys_list[] = {
	{ "\xe2\x86\x91\xe2\x86\x93 j k", N_("move") },
	{ "PgUp PgDn", N_("page up / down") },
	{ "Home End g G", N_("first / last") },
};
static const struct tui_key keys_dash[] = {
	{ NULL, NULL }
};
static const struct tui_key keys_contacts[] = {
	{ "/", N_("search and filter by category") },
	{ "f", N_("filter: verified") },
	{ "o", N_("filter: opted out") },
	{ "a", N_("add a contact") },
	{ "e Enter", N_("edit the contact") },
	{ "d", N_("delete the contact") },
	{ "v", N_("verify the contact") },
	{ "V", N_("verify all contacts") },
	{ NULL, NULL }
};
static const struct tui_key keys_import[] = {
	{ "o Enter", N_("choose a file and preview it") },
	{ "i", N_("import the file") },
	{ NULL, NULL }
};
static const struct tui_key keys_categories[] = {
	{ "n", N_("new category") },
	{ "e", N_("rename") },
	{ "d", N_("delete") },
	{ "a", N_("add contacts") },
	{ "x", N_("remove contacts") },
	{ NULL, NULL }
};
static const struct tui_key keys_campaigns[] = {
	{ "n", N_("new campaign") },
	{ "Enter", N_("details and live statistics") },
	{ "s", N_("send a draft, resume a stopped campaign") },
	{ "x", N_("stop") },
	{ "t", N_("retry failed messages") },
	{ "u", N_("settle unknown messages: sent or failed") },
	{ "l", N_("relaunch") },
	{ "d", N_("delete") },
	{ NULL, NULL }
};
static const struct tui_key keys_messages[] = {
	{ "s", N_("filter: status") },
	{ "c", N_("filter: campaign") },
	{ NULL, NULL }
};
static const struct tui_key keys_users[] = {
	{ "n", N_("new user") },
	{ "d", N_("delete") },
	{ NULL, NULL }
};

static const struct tui_key keys_stats[] = {
	{ "Enter", N_("the campaign's details") },
	{ NULL, NULL }
};
static const struct tui_key keys_form[] = {
	{ "Tab \xe2\x86\x93", N_("next field") },
	{ "S-Tab \xe2\x86\x91", N_("previous field") },
	{ "Enter", N_("next field; on the last one, submit") },
	{ "Ctrl-U", N_("clear the field") },
	{ "Space", N_("Categories: open the picker") },
	{ "F1", N_("this help") },
	{ "Esc", N_("cancel") },
	{ NULL, NULL }
};
static const struct tui_key keys_login[] = {
	{ "Tab \xe2\x86\x93", N_("next field") },
	{ "Enter", N_("next field; on the last one, log in") },
	{ "Ctrl-U", N_("clear the field") },
	{ "F1", N_("this help") },
	{ "Esc", N_("quit") },
	{ NULL, NULL }
};
static const struct tui_key keys_picker[] = {
	{ "\xe2\x86\x91\xe2\x86\x93 j k", N_("move") },
	{ "PgUp PgDn", N_("page up / down") },
	{ "Space", N_("choose or drop the category") },
	{ "Enter Esc", N_("close the picker") },
	{ "? F1", N_("this help") },
	{ NULL, NULL }
};

const char *
tui_view_name(enum tui_view v)
{
	return _(view_names[v]);
}

/* Help for V: its own keys, then list and common keys, in one table. */
const struct tui_key *
tui_view_keys(enum tui_view v)
{
	static struct tui_key	 all[40];
	const struct tui_key	*tabs[] = { keys_dash, keys_contacts,
				    keys_import, keys_categories,
				    keys_campaigns, keys_messages, keys_users,
				    keys_stats };
	const struct tui_key	*k;
	size_t			 n = 0, i;

	for (k = tabs[v]; k->key != NULL; k++)
		all[n++] = *k;
	if (T.lists[v].cmd != NULL)
		for (i = 0; i < sizeof keys_list / sizeof keys_list[0]; i++)
			all[n++] = keys_list[i];
	for (k = keys_common; k->key != NULL; k++)
		all[n++] = *k;
	all[n].key = all[n].what = NULL;
	return all;
}

const struct tui_key *
tui_help_keys(struct tui *t, const char **title)
{
	if (t->picker.active) {
		*title = _("Choose categories");
		return keys_picker;
	}
	if (t->form.active) {
		*title = _(t->form.title);
		return t->need_login ? keys_login : keys_form;
	}
	*title = tui_view_name(t->view);
	return tui_view_keys(t->view);
}

const char *
tui_status_name(const char *s)
{
	static const char *names[][2] = {
		{ "draft", N_("draft") }, { "running", N_("running") },
		{ "paused", N_("paused") }, { "stopped", N_("stopped") },
		{ "done", N_("done") }, { "completed", N_("completed") },
		{ "pending", N_("pending") }, { "sending", N_("sending") },
		{ "sent", N_("sent") }, { "delivered", N_("delivered") },
		{ "read", N_("read") }, { "failed", N_("failed") },
		{ "unknown", N_("unknown") }, { "cancelled", N_("cancelled") },
	};
	size_t	 i;

	if (s == NULL)
		return "";
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i][0], s) == 0)
			return _(names[i][1]);
	return s;
}

const char *
tui_level_name(const char *s)
{
	if (s == NULL)
		return "?";
	if (strcmp(s, "ok") == 0)
		return _("ok");
	if (strcmp(s, "attention") == 0)
		return _("attention");
	if (strcmp(s, "danger") == 0)
		return _("danger");
	if (strcmp(s, "blocked") == 0)
		return _("blocked");
	return s;
}

static void
tui_dirty(void)
{
	if (!event_pending(render_ev, EV_TIMEOUT, NULL))
		event_active(render_ev, EV_TIMEOUT, 0);
}

static void
render_cb(evutil_socket_t fd, short what, void *arg)
{
	screen_draw(&T);
}

static void
flash(struct tui *t, int err, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
flash(struct tui *t, int err, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(t->flash, sizeof t->flash, fmt, ap);
	va_end(ap);
	t->flash_err = err;
	tui_dirty();
}

/* The daemon does not know this command (another branch, older daemon). */
static int
err_unknown(json_t *err)
{
	const char	*code = json_string_value(json_object_get(err, "code"));
	const char	*msg = json_string_value(json_object_get(err, "message"));

	return code != NULL && strcmp(code, "bad_request") == 0 &&
	    msg != NULL && strncmp(msg, "unknown command", 15) == 0;
}

static const char *
err_msg(json_t *err)
{
	const char	*m = json_string_value(json_object_get(err, "message"));

	return m != NULL ? m : "?";
}

/* Reply callback that only reports: the action's name is ARG. */
static void
action_reply(json_t *data, json_t *err, void *arg)
{
	const char	*what = arg;

	if (err != NULL) {
		if (err_unknown(err))
			flash(&T, 1, _("%s: not available on this daemon"),
			    what);
		else
			flash(&T, 1, "%s: %s", what, err_msg(err));
	} else
		flash(&T, 0, _("%s: done"), what);
	event_active(refresh_ev, EV_TIMEOUT, 0);
}

static void
call_action(struct tui *t, const char *cmd, json_t *args)
{
	if (conn_call(t->conn, cmd, args, -1, action_reply, (void *)cmd) == -1)
		flash(t, 1, "%s", _("disconnected"));
}

/* Lists. */

struct fetch {
	struct tui_list	*l;
	unsigned	 gen;
	size_t		 page;
	int		 second;
};

static void
list_reset(struct tui_list *l)
{
	json_decref(l->cursors);
	json_decref(l->rows);
	l->cursors = json_array();
	json_array_append_new(l->cursors, json_null());
	l->rows = json_array();
	l->base = 0;
	l->total = 0;
	l->sel = l->top = l->want = 0;
	l->loaded = 0;
	l->gen++;
}

static void
list_reply(json_t *data, json_t *err, void *arg)
{
	struct fetch	*f = arg;
	struct tui_list	*l = f->l;
	json_t		*items, *next, *total;
	size_t		 page = f->page, n;

	if (f->gen != l->gen) {
		free(f);
		return;
	}
	if (err != NULL) {
		l->loading = 0;
		if (err_unknown(err))
			l->unavailable = 1;
		else
			snprintf(l->error, sizeof l->error, "%s", err_msg(err));
		free(f);
		tui_dirty();
		return;
	}
	l->unavailable = 0;
	l->error[0] = '\0';
	items = json_object_get(data, "items");
	next = json_object_get(data, "next");
	total = json_object_get(data, "total");
	if (!f->second) {
		json_decref(l->rows);
		l->rows = json_array();
		l->base = page * TUI_PAGE;
	}
	if (json_is_array(items))
		json_array_extend(l->rows, items);
	n = json_array_size(l->cursors);
	if (next != NULL && !json_is_null(next)) {
		if (n == page + 1)
			json_array_append(l->cursors, next);
		else if (n > page + 1)
			json_array_set(l->cursors, page + 1, next);
	}
	l->capped = json_is_true(json_object_get(data, "total_capped"));
	if (json_is_integer(total))
		l->total = json_integer_value(total);
	else if ((json_int_t)(l->base + json_array_size(l->rows)) > l->total)
		l->total = (json_int_t)(l->base + json_array_size(l->rows));
	if (!f->second && next != NULL && !json_is_null(next) &&
	    l->want > page) {
		/* Walking forward page by page to a page not seen yet. */
		list_fetch(&T, l, page + 1, 0);
		f->gen = 0;
	} else if (!f->second && next != NULL && !json_is_null(next)) {
		list_fetch(&T, l, page + 1, 1);
		f->gen = 0;
	} else {
		l->loading = 0;
		l->loaded = 1;
	}
	if (l->total > 0 && l->sel >= (size_t)l->total)
		l->sel = (size_t)l->total - 1;
	free(f);
	tui_dirty();
}

/* Ask for PAGE (and the one after, held together). */
static void
list_fetch(struct tui *t, struct tui_list *l, size_t page, int second)
{
	struct fetch	*f;
	json_t		*args, *cur;

	if (l->cmd == NULL || !t->authed)
		return;
	if ((cur = json_array_get(l->cursors, page)) == NULL)
		return;
	args = l->filter != NULL ? json_deep_copy(l->filter) : json_object();
	json_object_set_new(args, "limit", json_integer(TUI_PAGE));
	if (!json_is_null(cur))
		json_object_set(args, "after", cur);
	f = xcalloc(1, sizeof *f);
	f->l = l;
	if (!second)
		l->gen++;
	f->gen = l->gen;
	f->page = page;
	f->second = second;
	l->loading = 1;
	if (conn_call(t->conn, l->cmd, args, -1, list_reply, f) == -1) {
		l->loading = 0;
		free(f);
	}
}

/* Reload from the start (filters changed, or a fresh connection). */
static void
list_reload(struct tui *t, struct tui_list *l)
{
	list_reset(l);
	list_fetch(t, l, 0, 0);
}

/* Ask again for the pages shown, keeping the selection. */
static void
list_refresh(struct tui *t, struct tui_list *l)
{
	if (!l->loaded)
		list_reload(t, l);
	else
		list_fetch(t, l, l->base / TUI_PAGE, 0);
}

json_t *
tui_list_row(struct tui_list *l, size_t i)
{
	if (i < l->base)
		return NULL;
	return json_array_get(l->rows, i - l->base);
}

static json_t *
list_selected(struct tui_list *l)
{
	return tui_list_row(l, l->sel);
}

/* Move the selection by DELTA rows (or to an end), fetching as needed. */
static void
list_move(struct tui *t, struct tui_list *l, long delta, int to)
{
	size_t	 reach, rows = (size_t)screen_list_rows(t->view), want;
	long	 s;

	if (l->total <= 0)
		return;
	reach = (size_t)l->total;
	if (to < 0)
		s = 0;
	else if (to > 0)
		s = (long)reach - 1;
	else
		s = (long)l->sel + delta;
	if (s < 0)
		s = 0;
	if (s > (long)reach - 1)
		s = (long)reach - 1;
	l->sel = (size_t)s;
	if (rows < 1)
		rows = 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + rows)
		l->top = l->sel - rows + 1;
	want = l->top / TUI_PAGE;
	if (want != l->want || (!l->loading && want * TUI_PAGE != l->base)) {
		l->want = want;
		/* A page not seen yet: walk from the last cursor known. */
		if (want >= json_array_size(l->cursors))
			want = json_array_size(l->cursors) - 1;
		list_fetch(t, l, want, 0);
	}
	tui_dirty();
}

/* Forms. */

static void
form_open(struct tui *t, const char *title,
    void (*submit)(struct tui *, struct tui_form *), json_int_t target)
{
	memset(&t->form, 0, sizeof t->form);
	t->picker.active = 0;
	t->picker.field = NULL;
	t->form.active = 1;
	t->form.title = title;
	t->form.submit = submit;
	t->form.target = target;
}

static struct tui_field *
form_add(struct tui_form *f, const char *label, const char *key, int flags,
    const char *value)
{
	struct tui_field	*fl = &f->f[f->n++];

	fl->label = label;
	fl->key = key;
	fl->flags = flags;
	if (value != NULL)
		snprintf(fl->value, sizeof fl->value, "%s", value);
	return fl;
}

static const char *
form_get(struct tui_form *f, const char *key)
{
	int	 i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->f[i].key, key) == 0)
			return f->f[i].value;
	return "";
}

/* Check every field; on a problem say which and stay in the form. */
static int
form_valid(struct tui_form *f)
{
	struct tui_field	*fl;
	const char		*reason, *p;
	char			 e164[PHONE_MAX];
	int			 i;

	for (i = 0; i < f->n; i++) {
		fl = &f->f[i];
		if ((fl->flags & F_REQUIRED) && fl->value[0] == '\0') {
			snprintf(f->error, sizeof f->error, _("%s: required"),
			    _(fl->label));
			f->cur = i;
			return 0;
		}
		if ((fl->flags & F_INT) && fl->value[0] != '\0') {
			for (p = fl->value; *p != '\0'; p++)
				if (!isdigit((unsigned char)*p) && *p != ',' &&
				    *p != ' ')
					break;
			if (*p != '\0') {
				snprintf(f->error, sizeof f->error,
				    _("%s: numbers only"), _(fl->label));
				f->cur = i;
				return 0;
			}
		}
		if ((fl->flags & F_PHONE) && fl->value[0] != '\0' &&
		    phone_normalize(fl->value, NULL, e164, &reason) == -1) {
			snprintf(f->error, sizeof f->error, "%s: %s",
			    _(fl->label), reason);
			f->cur = i;
			return 0;
		}
	}
	f->error[0] = '\0';
	return 1;
}

/* "1, 2 3" or names into a JSON array (integers where numeric). */
static json_t *
form_list(const char *s)
{
	json_t	*a = json_array();
	char	*dup = xstrdup(s), *tok, *save = NULL, *end;
	long long v;

	for (tok = strtok_r(dup, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		v = strtoll(tok, &end, 10);
		if (*end == '\0' || *end == ' ')
			json_array_append_new(a, json_integer(v));
		else
			json_array_append_new(a, json_string(tok));
	}
	free(dup);
	return a;
}

/* The reply to a form: close it on success, else show the error in it. */
static void
form_reply(json_t *data, json_t *err, void *arg)
{
	const char	*what = arg;

	if (err != NULL) {
		if (!T.form.active)
			flash(&T, 1, "%s: %s", what, err_msg(err));
		else if (err_unknown(err))
			snprintf(T.form.error, sizeof T.form.error,
			    _("%s: not available on this daemon"), what);
		else
			snprintf(T.form.error, sizeof T.form.error, "%s",
			    err_msg(err));
		tui_dirty();
		return;
	}
	T.form.active = 0;
	flash(&T, 0, _("%s: done"), what);
	event_active(refresh_ev, EV_TIMEOUT, 0);
}

static void
form_call(struct tui *t, const char *cmd, json_t *args)
{
	if (conn_call(t->conn, cmd, args, -1, form_reply, (void *)cmd) == -1)
		snprintf(t->form.error, sizeof t->form.error, "%s",
		    _("disconnected"));
	tui_dirty();
}

static void
set_str(json_t *args, const char *key, const char *v)
{
	if (v != NULL && *v != '\0')
		json_object_set_new(args, key, json_string(v));
}

static void
submit_contact(struct tui *t, struct tui_form *f)
{
	json_t	*args = json_object();

	set_str(args, "phone", form_get(f, "phone"));
	json_object_set_new(args, "first_name",
	    json_string(form_get(f, "first_name")));
	json_object_set_new(args, "last_name",
	    json_string(form_get(f, "last_name")));
	if (*form_get(f, "categories") != '\0')
		json_object_set_new(args, "categories",
		    form_list(form_get(f, "categories")));
	if (f->target != 0) {
		json_object_set_new(args, "id", json_integer(f->target));
		form_call(t, "contacts.update", args);
	} else
		form_call(t, "contacts.create", args);
}

static void
submit_search(struct tui *t, struct tui_form *f)
{
	struct tui_list	*l = &t->lists[V_CONTACTS];
	const char	*cat = form_get(f, "category");

	snprintf(t->search, sizeof t->search, "%s", form_get(f, "search"));
	snprintf(t->search_cat, sizeof t->search_cat, "%s", cat);
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
submit_category(struct tui *t, struct tui_form *f)
{
	json_t	*args = json_pack("{s:s}", "name", form_get(f, "name"));

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
submit_campaign(struct tui *t, struct tui_form *f)
{
	json_t	*args = json_object();

	set_str(args, "name", form_get(f, "name"));
	set_str(args, "message_1", form_get(f, "message_1"));
	set_str(args, "message_2", form_get(f, "message_2"));
	json_object_set_new(args, "categories",
	    form_list(form_get(f, "categories")));
	form_call(t, "campaigns.create", args);
}

static void
submit_user(struct tui *t, struct tui_form *f)
{
	json_t	*args = json_object();

	set_str(args, "login", form_get(f, "login"));
	set_str(args, "role", form_get(f, "role"));
	set_str(args, "unix_user", form_get(f, "unix_user"));
	set_str(args, "password", form_get(f, "password"));
	form_call(t, "users.create", args);
}

static void
submit_msgfilter(struct tui *t, struct tui_form *f)
{
	struct tui_list	*l = &t->lists[V_MESSAGES];
	const char	*c = form_get(f, "campaign");

	json_object_del(l->filter, "campaign");
	if (*c != '\0')
		json_object_set_new(l->filter, "campaign",
		    json_integer(strtoll(c, NULL, 10)));
	f->active = 0;
	list_reload(t, l);
}

static void	import_preview(struct tui *);
static int	preview_retries;

static void
import_preview_reply(json_t *data, json_t *err, void *arg)
{
	(void)arg;
	json_decref(T.imp_pv);
	T.imp_pv = NULL;
	/*
	 * The daemon gives a passed descriptor to the next request it reads;
	 * when another request of ours shares that read, the descriptor is
	 * lost and it answers so. Ask again, twice at most.
	 */
	if (err != NULL && err_msg(err) != NULL &&
	    strstr(err_msg(err), "passed as a descriptor") != NULL &&
	    preview_retries++ < 2) {
		import_preview(&T);
		return;
	}
	if (err != NULL) {
		if (!err_unknown(err))
			flash(&T, 1, "%s: %s", _("Preview"), err_msg(err));
	} else if (json_is_true(json_object_get(data, "preview")))
		T.imp_pv = json_incref(data);
	tui_dirty();
}

/*
 * The file's first lines as they are, then the daemon's preview (layout,
 * encoding, columns, first rows as stored) replacing them when it answers;
 * nothing is written.
 */
static void
import_preview(struct tui *t)
{
	FILE	*fp;
	char	 line[512];
	int	 i, fd;
	json_t	*args;

	for (i = 0; i < 6; i++) {
		free(t->imp_preview[i]);
		t->imp_preview[i] = NULL;
	}
	if ((fp = fopen(t->imp_path, "r")) == NULL) {
		flash(t, 1, "%s: %s", t->imp_path, strerror(errno));
		return;
	}
	for (i = 0; i < 6 && fgets(line, sizeof line, fp) != NULL; i++) {
		line[strcspn(line, "\r\n")] = '\0';
		t->imp_preview[i] = xstrdup(line);
	}
	fclose(fp);
	json_decref(t->imp_pv);
	t->imp_pv = NULL;
	if ((fd = open(t->imp_path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	args = json_pack("{s:b}", "preview", 1);
	set_str(args, "category", t->imp_category);
	set_str(args, "default_country", t->imp_country);
	if (conn_call(t->conn, "contacts.import", args, fd,
	    import_preview_reply, NULL) == -1)
		flash(t, 1, "%s", _("disconnected"));
}

static void
submit_import_file(struct tui *t, struct tui_form *f)
{
	snprintf(t->imp_path, sizeof t->imp_path, "%s", form_get(f, "path"));
	snprintf(t->imp_category, sizeof t->imp_category, "%s",
	    form_get(f, "category"));
	snprintf(t->imp_country, sizeof t->imp_country, "%s",
	    form_get(f, "country"));
	f->active = 0;
	json_decref(t->imp_result);
	t->imp_result = NULL;
	preview_retries = 0;
	import_preview(t);
	tui_dirty();
}

static void
import_reply(json_t *data, json_t *err, void *arg)
{
	T.imp_running = 0;
	if (err != NULL) {
		if (err_unknown(err))
			T.imp_unavailable = 1;
		else
			flash(&T, 1, "%s: %s", _("Import"), err_msg(err));
	} else if (json_object_get(data, "imported") != NULL) {
		json_decref(T.imp_result);
		T.imp_result = json_incref(data);
	} else
		T.imp_running = 1;	/* a job: progress follows as events */
	tui_dirty();
}

static void
import_start(struct tui *t, json_int_t unused)
{
	json_t	*args = json_object();
	int	 fd;

	/* The client opens the file; the daemon gets the descriptor. */
	if ((fd = open(t->imp_path, O_RDONLY | O_CLOEXEC)) == -1) {
		flash(t, 1, "%s: %s", t->imp_path, strerror(errno));
		return;
	}
	set_str(args, "category", t->imp_category);
	set_str(args, "default_country", t->imp_country);
	json_decref(t->imp_result);
	t->imp_result = NULL;
	json_decref(t->imp_job);
	t->imp_job = NULL;
	t->imp_running = 1;
	if (conn_call(t->conn, "contacts.import", args, fd, import_reply,
	    NULL) == -1) {
		t->imp_running = 0;
		flash(t, 1, "%s", _("disconnected"));
	}
	tui_dirty();
}

static void
login_reply(json_t *data, json_t *err, void *arg)
{
	const char	*tok;

	if (err != NULL) {
		snprintf(T.form.error, sizeof T.form.error, "%s",
		    err_msg(err));
		memset(T.form.f[1].value, 0, sizeof T.form.f[1].value);
		tui_dirty();
		return;
	}
	if ((tok = json_string_value(json_object_get(data, "access_token")))
	    != NULL)
		client_token_save(tok);
	T.form.active = 0;
	T.need_login = 0;
	snprintf(T.user, sizeof T.user, "%s", json_string_value(
	    json_object_get(json_object_get(data, "user"), "login")) ?
	    json_string_value(json_object_get(json_object_get(data, "user"),
	    "login")) : "");
	T.super = json_string_value(json_object_get(json_object_get(data,
	    "user"), "role")) != NULL && strcmp(json_string_value(
	    json_object_get(json_object_get(data, "user"), "role")),
	    "super_admin") == 0;
	tui_after_auth(&T);
}

static void
submit_login(struct tui *t, struct tui_form *f)
{
	if (conn_call(t->conn, "auth.login", json_pack("{s:s,s:s}", "login",
	    form_get(f, "login"), "password", form_get(f, "password")), -1,
	    login_reply, NULL) == -1)
		snprintf(f->error, sizeof f->error, "%s", _("disconnected"));
	explicit_bzero(f->f[1].value, sizeof f->f[1].value);
}

static void
login_open(struct tui *t)
{
	t->need_login = 1;
	form_open(t, N_("Log in to wacampd"), submit_login, 0);
	form_add(&t->form, N_("Login"), "login", F_REQUIRED, NULL);
	form_add(&t->form, N_("Password"), "password", F_REQUIRED | F_SECRET,
	    NULL);
	tui_dirty();
}

/* The category picker. */

#define PICK_MAX	5000	/* categories loaded at most */

static void	picker_fetch(struct tui *, json_t *);

static void
picker_reply(json_t *data, json_t *err, void *arg)
{
	struct tui_picker	*p = &T.picker;
	json_t			*next, *items;

	if ((unsigned)(uintptr_t)arg != p->gen)
		return;
	if (err != NULL) {
		p->loading = 0;
		snprintf(p->error, sizeof p->error, "%s", err_msg(err));
		tui_dirty();
		return;
	}
	if (json_is_array(items = json_object_get(data, "items")))
		json_array_extend(p->items, items);
	next = json_object_get(data, "next");
	if (next != NULL && !json_is_null(next) &&
	    json_array_size(p->items) < PICK_MAX)
		picker_fetch(&T, next);
	else
		p->loading = 0;
	tui_dirty();
}

/* Ask for the categories after AFTER (NULL: from the start). */
static void
picker_fetch(struct tui *t, json_t *after)
{
	json_t	*args = json_pack("{s:i}", "limit", 500);

	if (after != NULL)
		json_object_set(args, "after", after);
	t->picker.loading = 1;
	if (conn_call(t->conn, "categories.list", args, -1, picker_reply,
	    (void *)(uintptr_t)t->picker.gen) == -1) {
		t->picker.loading = 0;
		snprintf(t->picker.error, sizeof t->picker.error, "%s",
		    _("disconnected"));
	}
}

static void
picker_open(struct tui *t, struct tui_field *fl)
{
	struct tui_picker	*p = &t->picker;

	json_decref(p->items);
	p->items = json_array();
	p->sel = p->top = 0;
	p->error[0] = '\0';
	p->field = fl;
	p->active = 1;
	p->gen++;
	picker_fetch(t, NULL);
	tui_dirty();
}

int
tui_picked(struct tui *t, json_int_t id)
{
	json_t	*ids, *v;
	size_t	 i;
	int	 found = 0;

	if (t->picker.field == NULL)
		return 0;
	ids = form_list(t->picker.field->value);
	json_array_foreach(ids, i, v)
		if (json_integer_value(v) == id)
			found = 1;
	json_decref(ids);
	return found;
}

/* Add or drop the selected category; the field keeps ids and names. */
static void
picker_toggle(struct tui *t)
{
	struct tui_picker	*p = &t->picker;
	struct tui_field	*fl = p->field;
	json_t			*row = json_array_get(p->items, p->sel);
	json_t			*ids, *keep, *v, *c;
	json_int_t		 id, cid;
	size_t			 i, k, len;
	int			 had = 0;
	char			 one[300];

	if (row == NULL || fl == NULL)
		return;
	id = json_integer_value(json_object_get(row, "id"));
	ids = form_list(fl->value);
	keep = json_array();
	json_array_foreach(ids, i, v) {
		if (json_integer_value(v) == id)
			had = 1;
		else
			json_array_append(keep, v);
	}
	if (!had)
		json_array_append_new(keep, json_integer(id));
	fl->value[0] = fl->shown[0] = '\0';
	json_array_foreach(keep, i, v) {
		cid = json_integer_value(v);
		len = strlen(fl->value);
		snprintf(fl->value + len, sizeof fl->value - len, "%s%lld",
		    i > 0 ? ", " : "", (long long)cid);
		snprintf(one, sizeof one, "#%lld", (long long)cid);
		json_array_foreach(p->items, k, c)
			if (json_integer_value(json_object_get(c, "id")) == cid)
				snprintf(one, sizeof one, "%s (%lld)",
				    json_string_value(json_object_get(c,
				    "name")) ? json_string_value(
				    json_object_get(c, "name")) : "?",
				    (long long)json_integer_value(
				    json_object_get(c, "contacts")));
		len = strlen(fl->shown);
		snprintf(fl->shown + len, sizeof fl->shown - len, "%s%s",
		    i > 0 ? ", " : "", one);
	}
	json_decref(ids);
	json_decref(keep);
	preview_schedule(t);
}

static void
picker_key(struct tui *t, int ch, int fkey)
{
	struct tui_picker	*p = &t->picker;
	size_t			 n = json_array_size(p->items);
	long			 s = (long)p->sel, rows = screen_picker_rows();

	if ((fkey && ch == K_DOWN) || (!fkey && ch == 'j'))
		s++;
	else if ((fkey && ch == K_UP) || (!fkey && ch == 'k'))
		s--;
	else if (fkey && ch == K_NPAGE)
		s += rows;
	else if (fkey && ch == K_PPAGE)
		s -= rows;
	else if ((fkey && ch == K_HOME) || (!fkey && ch == 'g'))
		s = 0;
	else if ((fkey && ch == K_END) || (!fkey && ch == 'G'))
		s = (long)n - 1;
	else if (!fkey && ch == ' ')
		picker_toggle(t);
	else if ((fkey && ch == K_ENTER) || (!fkey && (ch == '\r' ||
	    ch == '\n' || ch == ESC || ch == 'q')))
		p->active = 0;
	else if ((fkey && ch == K_F(1)) || (!fkey && ch == '?'))
		t->help = 1;
	if (s > (long)n - 1)
		s = (long)n - 1;
	if (s < 0)
		s = 0;
	p->sel = (size_t)s;
	if (rows < 1)
		rows = 1;
	if (p->sel < p->top)
		p->top = p->sel;
	if (p->sel >= p->top + (size_t)rows)
		p->top = p->sel - (size_t)rows + 1;
	tui_dirty();
}

/* Personalisation preview of the campaign form. */

static void
preview_reply(json_t *data, json_t *err, void *arg)
{
	if ((unsigned)(uintptr_t)arg != preview_gen)
		return;
	json_decref(T.preview);
	T.preview = NULL;
	T.preview_error[0] = '\0';
	if (err != NULL && err_unknown(err))
		snprintf(T.preview_error, sizeof T.preview_error, "%s",
		    _("Preview: not available on this daemon"));
	else if (err != NULL)
		snprintf(T.preview_error, sizeof T.preview_error, "%s: %s",
		    _("Preview"), err_msg(err));
	else
		T.preview = json_incref(data);
	tui_dirty();
}

static void
preview_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tui_form	*f = &T.form;
	json_t		*args;
	const char	*c;

	if (!f->active || !f->preview || !T.authed)
		return;
	args = json_object();
	json_object_set_new(args, "message_1",
	    json_string(form_get(f, "message_1")));
	set_str(args, "message_2", form_get(f, "message_2"));
	json_object_set_new(args, "categories",
	    form_list(form_get(f, "categories")));
	if (*(c = form_get(f, "preview")) != '\0')
		json_object_set_new(args, "contact",
		    json_integer(strtoll(c, NULL, 10)));
	conn_call(T.conn, "campaigns.preview", args, -1, preview_reply,
	    (void *)(uintptr_t)++preview_gen);
}

/* Ask for a new preview once typing pauses. */
static void
preview_schedule(struct tui *t)
{
	struct timeval	 tv = { 0, 200000 };

	if (t->form.active && t->form.preview)
		evtimer_add(preview_ev, &tv);
}

/* Confirmations. */

static void
confirm(struct tui *t, void (*yes)(struct tui *, json_int_t), json_int_t id,
    const char *fmt, ...) __attribute__((__format__(__printf__, 4, 5)));

static void
confirm(struct tui *t, void (*yes)(struct tui *, json_int_t), json_int_t id,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(t->confirm.text, sizeof t->confirm.text, fmt, ap);
	va_end(ap);
	t->confirm.active = 1;
	t->confirm.yes = yes;
	t->confirm.choose = NULL;
	t->confirm.choices = NULL;
	t->confirm.target = id;
	tui_dirty();
}

/* A question answered by one of the keys CHOICES (c, n, q or Esc cancel). */
static void
choose(struct tui *t, void (*fn)(struct tui *, json_int_t, int),
    const char *choices, json_int_t id, const char *fmt, ...)
    __attribute__((__format__(__printf__, 5, 6)));

static void
choose(struct tui *t, void (*fn)(struct tui *, json_int_t, int),
    const char *choices, json_int_t id, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(t->confirm.text, sizeof t->confirm.text, fmt, ap);
	va_end(ap);
	t->confirm.active = 1;
	t->confirm.yes = NULL;
	t->confirm.choose = fn;
	t->confirm.choices = choices;
	t->confirm.target = id;
	tui_dirty();
}

#define ACTION(fn, cmd)							\
static void								\
fn(struct tui *t, json_int_t id)					\
{									\
	call_action(t, cmd, json_pack("{s:I}", "id", id));		\
}
ACTION(do_contact_delete, "contacts.delete")
ACTION(do_verify_contact, "verify.contact")
ACTION(do_category_delete, "categories.delete")
ACTION(do_campaign_send, "campaigns.send")
ACTION(do_campaign_stop, "campaigns.stop")
ACTION(do_campaign_resume, "campaigns.resume")
ACTION(do_campaign_retry, "campaigns.retry")
ACTION(do_campaign_relaunch, "campaigns.relaunch")
ACTION(do_user_delete, "users.delete")

/* A draft about to be sent: its id and name, while the dry run runs. */
struct send_ask {
	json_int_t	 id;
	char		*name;
};

/*
 * The dry run of campaigns.send: ask with who will get Message 1 and how
 * many suppress_days leaves out (DESIGN §6). A daemon that cannot say
 * still gets the plain question; a refusal is shown as is.
 */
static void
send_ask_reply(json_t *data, json_t *err, void *arg)
{
	struct send_ask	*a = arg;
	json_int_t	 n, left;

	if (err != NULL && strcmp(json_string_value(json_object_get(err,
	    "code")) ? json_string_value(json_object_get(err, "code")) : "",
	    "conflict") == 0)
		flash(&T, 1, "%s", err_msg(err));
	else if (err != NULL)
		confirm(&T, do_campaign_send, a->id, _("Send campaign %s now?"),
		    a->name);
	else {
		n = json_integer_value(json_object_get(data, "recipients"));
		left = json_integer_value(json_object_get(data, "suppressed"));
		if (left > 0)
			confirm(&T, do_campaign_send, a->id, _("Send campaign %s "
			    "now? %lld contact(s); %lld left out, messaged by "
			    "another campaign in the last %lld day(s)"),
			    a->name, (long long)n, (long long)left,
			    (long long)json_integer_value(json_object_get(data,
			    "suppress_days")));
		else
			confirm(&T, do_campaign_send, a->id, _("Send campaign %s "
			    "now? %lld contact(s)"), a->name, (long long)n);
	}
	free(a->name);
	free(a);
}

static void
send_ask(struct tui *t, json_int_t id, const char *name)
{
	struct send_ask	*a;

	a = xcalloc(1, sizeof *a);
	a->id = id;
	a->name = xstrdup(name);
	if (conn_call(t->conn, "campaigns.send", json_pack("{s:I,s:b}", "id",
	    id, "dry_run", 1), -1, send_ask_reply, a) == -1) {
		free(a->name);
		free(a);
		flash(t, 1, "%s", _("disconnected"));
	}
}

/* campaigns.settle's reply: how many were settled, as what (ARG). */
static void
settle_reply(json_t *data, json_t *err, void *arg)
{
	if (err != NULL) {
		if (err_unknown(err))
			flash(&T, 1, _("%s: not available on this daemon"),
			    "campaigns.settle");
		else
			flash(&T, 1, "%s", err_msg(err));
	} else
		flash(&T, 0, _("Settled %lld message(s) as %s"),
		    (long long)json_integer_value(json_object_get(data,
		    "settled")), tui_status_name(arg));
	event_active(refresh_ev, EV_TIMEOUT, 0);
}

/*
 * Record what the operator saw in Wassenger's app for every unknown
 * message of campaign ID; nothing is posted (DESIGN §6).
 */
static void
do_campaign_settle(struct tui *t, json_int_t id, int ch)
{
	const char	*outcome = ch == 's' ? "sent" : "failed";

	if (conn_call(t->conn, "campaigns.settle", json_pack("{s:I,s:s}", "id",
	    id, "outcome", outcome), -1, settle_reply, (void *)outcome) == -1)
		flash(t, 1, "%s", _("disconnected"));
}

static void
do_campaign_delete(struct tui *t, json_int_t id)
{
	call_action(t, "campaigns.delete", json_pack("{s:I}", "id", id));
	json_decref(t->campaign);
	t->campaign = NULL;
	t->campaign_id = 0;
}

static void
do_verify_all(struct tui *t, json_int_t unused)
{
	call_action(t, "verify.bulk", json_object());
}

static void
do_quit(struct tui *t, json_int_t unused)
{
	t->quit = 1;
	event_base_loopbreak(base);
}

/* Daemon side. */

static void
stats_reply(json_t *data, json_t *err, void *arg)
{
	if (err != NULL) {
		T.stats_unavailable = err_unknown(err);
		return;
	}
	T.stats_unavailable = 0;
	json_decref(T.stats);
	T.stats = json_deep_copy(data);
	tui_dirty();
}

static void
history_reply(json_t *data, json_t *err, void *arg)
{
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
campaign_reply(json_t *data, json_t *err, void *arg)
{
	if (T.campaign_id == 0)
		return;
	if (err != NULL) {
		flash(&T, 1, "%s", err_msg(err));
		return;
	}
	json_decref(T.campaign);
	T.campaign = json_deep_copy(data);
	tui_dirty();
}

static void
refresh_view(struct tui *t)
{
	if (!t->authed)
		return;
	conn_call(t->conn, "monitoring.stats", NULL, -1, stats_reply, NULL);
	if (t->view == V_DASH || t->view == V_STATS)
		conn_call(t->conn, "monitoring.capacity", json_pack("{s:i}",
		    "days", 30), -1, history_reply, NULL);
	if (t->lists[t->view].cmd != NULL &&
	    (t->view != V_USERS || t->super))
		list_refresh(t, &t->lists[t->view]);
	if (t->view == V_CAMPAIGNS && t->campaign_id != 0)
		conn_call(t->conn, "campaigns.get", json_pack("{s:I}", "id",
		    t->campaign_id), -1, campaign_reply, NULL);
}

static void
refresh_cb(evutil_socket_t fd, short what, void *arg)
{
	refresh_view(&T);
}

static void
view_enter(struct tui *t)
{
	t->help = 0;
	refresh_view(t);
	tui_dirty();
}

static void
token_reply(json_t *data, json_t *err, void *arg)
{
	if (err != NULL) {
		login_open(&T);
		return;
	}
	snprintf(T.user, sizeof T.user, "%s", json_string_value(
	    json_object_get(json_object_get(data, "user"), "login")) ?
	    json_string_value(json_object_get(json_object_get(data, "user"),
	    "login")) : "");
	T.super = json_string_value(json_object_get(json_object_get(data,
	    "user"), "role")) != NULL && strcmp(json_string_value(
	    json_object_get(json_object_get(data, "user"), "role")),
	    "super_admin") == 0;
	tui_after_auth(&T);
}

static void
tui_after_auth(struct tui *t)
{
	int	 v;

	t->authed = 1;
	conn_call(t->conn, "subscribe", json_pack("{s:[sss]}", "topics",
	    "monitoring", "campaigns", "jobs"), -1, NULL, NULL);
	for (v = 0; v < V_NVIEWS; v++)
		if (t->lists[v].cmd != NULL)
			list_reset(&t->lists[v]);
	refresh_view(t);
	tui_dirty();
}

static void
on_hello(json_t *data, void *arg)
{
	struct tui	*t = arg;
	const char	*user, *role, *prov;
	char		*token;

	t->connected = 1;
	t->disconnect_why[0] = '\0';
	if ((prov = json_string_value(json_object_get(data, "provider"))) !=
	    NULL)
		snprintf(t->provider, sizeof t->provider, "%s", prov);
	user = json_string_value(json_object_get(data, "user"));
	role = json_string_value(json_object_get(data, "role"));
	if (user != NULL) {
		snprintf(t->user, sizeof t->user, "%s", user);
		t->super = role != NULL && strcmp(role, "super_admin") == 0;
		tui_after_auth(t);
	} else if ((token = client_token_load()) != NULL) {
		conn_call(t->conn, "auth.login", json_pack("{s:s}", "token",
		    token), -1, token_reply, NULL);
		explicit_bzero(token, strlen(token));
		free(token);
	} else
		login_open(t);
	tui_dirty();
}

static void
on_lost(const char *why, void *arg)
{
	struct tui	*t = arg;

	t->connected = 0;
	t->authed = 0;
	snprintf(t->disconnect_why, sizeof t->disconnect_why, "%s", why);
	tui_dirty();
}

/* Copy the keys of DATA over O (what an event leaves out stays). */
static void
merge_into(json_t *o, json_t *data)
{
	void	*iter;

	for (iter = json_object_iter(data); iter != NULL;
	    iter = json_object_iter_next(data, iter))
		json_object_set(o, json_object_iter_key(iter),
		    json_object_iter_value(iter));
}

/* A campaign.progress event: the campaign shown and its list row; 0 when
 * neither holds that campaign. */
static int
campaign_merge(struct tui *t, json_t *data)
{
	json_int_t	 id = json_integer_value(json_object_get(data, "id"));
	json_t		*rows = t->lists[V_CAMPAIGNS].rows, *row;
	size_t		 i;
	int		 found = 0;

	if (t->campaign != NULL && json_integer_value(json_object_get(
	    t->campaign, "id")) == id) {
		merge_into(t->campaign, data);
		found = 1;
	}
	json_array_foreach(rows, i, row)
		if (json_is_object(row) && json_integer_value(
		    json_object_get(row, "id")) == id) {
			merge_into(row, data);
			found = 1;
		}
	tui_dirty();
	return found;
}

static void
on_event(const char *name, json_t *data, void *arg)
{
	struct tui	*t = arg;
	struct timeval	 tv = { 0, 300000 };
	void		*iter;

	if (strcmp(name, "monitoring.stats") == 0 && json_is_object(data)) {
		if (t->stats == NULL)
			t->stats = json_object();
		/* An event lacks the provider and such: merge, keep the rest. */
		for (iter = json_object_iter(data); iter != NULL;
		    iter = json_object_iter_next(data, iter))
			json_object_set(t->stats, json_object_iter_key(iter),
			    json_object_iter_value(iter));
		tui_dirty();
		return;
	}
	/* Progress only: the result is the reply to contacts.import. */
	if (strcmp(name, "import.progress") == 0) {
		json_decref(t->imp_job);
		t->imp_job = json_deep_copy(data);
		tui_dirty();
		return;
	}
	/*
	 * A campaign's progress carries the whole campaign (but its texts):
	 * update the detail and the list row in place, no fetch (one not
	 * shown yet, a new one, makes the list refresh).
	 */
	if (strcmp(name, "campaign.progress") == 0 && json_is_object(data) &&
	    json_is_integer(json_object_get(data, "id")) &&
	    campaign_merge(t, data))
		return;
	/* Anything else: refresh what is shown, at most a few times a
	 * second. */
	if (!evtimer_pending(refresh_ev, NULL))
		evtimer_add(refresh_ev, &tv);
}

static const struct conn_ops tui_conn_ops = { on_hello, on_lost, on_event };

/* Keys. */

static int
form_key(struct tui *t, int ch, int fkey)
{
	struct tui_form		*f = &t->form;
	struct tui_field	*fl = &f->f[f->cur];
	size_t			 len = strlen(fl->value);
	char			 mb[8];
	int			 n;

	if (fkey && ch == K_F(1)) {
		t->help = 1;
		tui_dirty();
		return 1;
	}
	if (!fkey && ch == ' ' && (fl->flags & F_PICK)) {
		picker_open(t, fl);
		return 1;
	}
	if (!fkey && ch == CTRL('u')) {
		fl->value[0] = fl->shown[0] = '\0';
		preview_schedule(t);
		tui_dirty();
		return 1;
	}
	if (!fkey && ch >= 32 && ch != 127 && (fl->flags & F_PICK))
		return 1;
	if (!fkey && ch == ESC) {
		if (t->need_login) {
			confirm(t, do_quit, 0, "%s", _("Quit wacamp?"));
			return 1;
		}
		f->active = 0;
	} else if ((fkey && (ch == K_DOWN)) || (!fkey && ch == '\t')) {
		f->cur = (f->cur + 1) % f->n;
	} else if ((fkey && (ch == K_UP || ch == K_BTAB))) {
		f->cur = (f->cur + f->n - 1) % f->n;
	} else if ((fkey && ch == K_ENTER) || (!fkey && (ch == '\r' ||
	    ch == '\n'))) {
		if (f->cur < f->n - 1)
			f->cur++;
		else if (form_valid(f))
			f->submit(t, f);
	} else if (((fkey && ch == K_BACKSPACE) || (!fkey && (ch == 127 ||
	    ch == CTRL('h')))) && (fl->flags & F_PICK)) {
		fl->value[0] = fl->shown[0] = '\0';
	} else if ((fkey && ch == K_BACKSPACE) || (!fkey && (ch == 127 ||
	    ch == CTRL('h')))) {
		/* Remove one whole UTF-8 character. */
		while (len > 0 && ((unsigned char)fl->value[len - 1] & 0xc0) ==
		    0x80)
			len--;
		if (len > 0)
			len--;
		fl->value[len] = '\0';
	} else if (!fkey && ch >= 32 && ch != 127) {
		n = wctomb(mb, (wchar_t)ch);
		if (n <= 0) {
			/* Not in this locale: keep it as UTF-8 anyway. */
			if (ch < 0x80) {
				mb[0] = (char)ch;
				n = 1;
			} else
				return 1;
		}
		if (len + (size_t)n < sizeof fl->value - 1) {
			memcpy(fl->value + len, mb, (size_t)n);
			fl->value[len + (size_t)n] = '\0';
		}
	}
	preview_schedule(t);
	tui_dirty();
	return 1;
}

static const char *
row_str(json_t *row, const char *key)
{
	const char	*s = json_string_value(json_object_get(row, key));

	return s != NULL ? s : "";
}

static json_int_t
row_id(json_t *row)
{
	return json_integer_value(json_object_get(row, "id"));
}

static void
contacts_key(struct tui *t, int ch)
{
	struct tui_list	*l = &t->lists[V_CONTACTS];
	json_t		*row = list_selected(l);
	char		*name;

	switch (ch) {
	case '/':
		form_open(t, N_("Search contacts"), submit_search, 0);
		form_add(&t->form, N_("Search"), "search", 0, t->search);
		form_add(&t->form, N_("Category ID"), "category", F_INT,
		    t->search_cat);
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
		form_add(&t->form, N_("Phone"), "phone", F_REQUIRED | F_PHONE,
		    NULL);
		form_add(&t->form, N_("First name"), "first_name", 0, NULL);
		form_add(&t->form, N_("Last name"), "last_name", 0, NULL);
		form_add(&t->form, N_("Categories"), "categories", F_PICK,
		    NULL);
		break;
	case 'e':
	case '\n':
	case '\r':
		if (row == NULL)
			break;
		form_open(t, N_("Edit contact"), submit_contact, row_id(row));
		form_add(&t->form, N_("First name"), "first_name", 0,
		    row_str(row, "first_name"));
		form_add(&t->form, N_("Last name"), "last_name", 0,
		    row_str(row, "last_name"));
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
			do_verify_contact(t, row_id(row));
		break;
	case 'V':
		confirm(t, do_verify_all, 0, "%s",
		    _("Verify every contact with WhatsApp?"));
		break;
	}
}

static void
categories_key(struct tui *t, int ch)
{
	json_t	*row = list_selected(&t->lists[V_CATEGORIES]);
	char	*name;

	switch (ch) {
	case 'n':
		form_open(t, N_("New category"), submit_category, 0);
		form_add(&t->form, N_("Name"), "name", F_REQUIRED, NULL);
		break;
	case 'e':
		if (row == NULL)
			break;
		form_open(t, N_("Rename category"), submit_category,
		    row_id(row));
		form_add(&t->form, N_("Name"), "name", F_REQUIRED,
		    row_str(row, "name"));
		break;
	case 'a':
	case 'x':
		if (row == NULL)
			break;
		form_open(t, ch == 'a' ? N_("Add contacts to the category") :
		    N_("Remove contacts from the category"), ch == 'a' ?
		    submit_add_members : submit_remove_members, row_id(row));
		form_add(&t->form, N_("Contact IDs"), "contacts",
		    F_REQUIRED | F_INT, NULL);
		break;
	case 'd':
		if (row == NULL)
			break;
		name = text_sanitize(row_str(row, "name"));
		confirm(t, do_category_delete, row_id(row),
		    _("Delete category %s?"), name);
		free(name);
		break;
	}
}

static void
campaigns_key(struct tui *t, int ch)
{
	json_t		*row = list_selected(&t->lists[V_CAMPAIGNS]), *src;
	json_int_t	 id = t->campaign_id, unknown;
	char		*name;

	if (id == 0 && row != NULL)
		id = row_id(row);
	if (ch == 'n') {
		form_open(t, N_("New campaign"), submit_campaign, 0);
		form_add(&t->form, N_("Name"), "name", F_REQUIRED, NULL);
		form_add(&t->form, N_("Message 1"), "message_1", F_REQUIRED,
		    NULL);
		form_add(&t->form, N_("Message 2"), "message_2", 0, NULL);
		form_add(&t->form, N_("Categories"), "categories",
		    F_REQUIRED | F_PICK, NULL);
		form_add(&t->form, N_("Preview contact ID"), "preview", F_INT,
		    NULL);
		t->form.preview = 1;
		json_decref(t->preview);
		t->preview = NULL;
		t->preview_error[0] = '\0';
		preview_schedule(t);
		return;
	}
	if (id == 0)
		return;
	name = text_sanitize(t->campaign != NULL ? row_str(t->campaign,
	    "name") : row != NULL ? row_str(row, "name") : "");
	switch (ch) {
	case '\n':
	case '\r':
		t->campaign_id = id;
		json_decref(t->campaign);
		t->campaign = NULL;
		refresh_view(t);
		break;
	case 's':
		/* A stopped campaign goes on where it stopped (resume). */
		src = t->campaign_id != 0 ? t->campaign : row;
		if (src != NULL && strcmp(row_str(src, "status"),
		    "stopped") == 0)
			confirm(t, do_campaign_resume, id, _("Resume campaign "
			    "%s (only what was not sent yet)?"), name);
		else
			send_ask(t, id, name);
		break;
	case 'x':
		confirm(t, do_campaign_stop, id, _("Stop campaign %s?"), name);
		break;
	case 't':
		confirm(t, do_campaign_retry, id,
		    _("Retry the failed messages of %s?"), name);
		break;
	case 'u':
		/* The detail's own campaign, else the list's selected one. */
		src = t->campaign_id != 0 ? t->campaign : row;
		if (src == NULL)
			break;
		unknown = json_integer_value(json_object_get(src, "unknown"));
		if (unknown <= 0)
			flash(t, 0, _("No unknown message in %s."), name);
		else
			choose(t, do_campaign_settle, "sf", id,
			    _("What became of the %lld unknown message(s) of %s "
			    "in Wassenger's app?"), (long long)unknown, name);
		break;
	case 'l':
		confirm(t, do_campaign_relaunch, id,
		    _("Relaunch %s to its whole audience?"), name);
		break;
	case 'd':
		confirm(t, do_campaign_delete, id, _("Delete campaign %s?"),
		    name);
		break;
	}
	free(name);
}

static void
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
	} else if (ch == 'c') {
		form_open(t, N_("Filter by campaign"), submit_msgfilter, 0);
		form_add(&t->form, N_("Campaign ID"), "campaign", F_INT, NULL);
	}
}

const char *
tui_status_filter(struct tui *t)
{
	return msg_statuses[t->status_filter];
}

static void
import_key(struct tui *t, int ch)
{
	if (ch == 'o' || ch == '\n' || ch == '\r') {
		form_open(t, N_("Import contacts"), submit_import_file, 0);
		form_add(&t->form, N_("File"), "path", F_REQUIRED, t->imp_path);
		form_add(&t->form, N_("Category"), "category", 0,
		    t->imp_category);
		form_add(&t->form, N_("Default country code"), "country",
		    F_INT, t->imp_country);
	} else if (ch == 'i') {
		if (t->imp_path[0] == '\0') {
			flash(t, 1, "%s", _("Choose a file first (o)"));
			return;
		}
		confirm(t, import_start, 0, _("Import %s?"), t->imp_path);
	}
}

static void
users_key(struct tui *t, int ch)
{
	json_t	*row = list_selected(&t->lists[V_USERS]);
	char	*name;

	if (!t->super)
		return;
	if (ch == 'n') {
		form_open(t, N_("New user"), submit_user, 0);
		form_add(&t->form, N_("Login"), "login", F_REQUIRED, NULL);
		form_add(&t->form, N_("Role"), "role", F_REQUIRED, "admin");
		form_add(&t->form, N_("Unix user"), "unix_user", 0, NULL);
		form_add(&t->form, N_("Password"), "password", F_SECRET, NULL);
	} else if (ch == 'd' && row != NULL) {
		name = text_sanitize(row_str(row, "login"));
		confirm(t, do_user_delete, row_id(row), _("Delete user %s?"),
		    name);
		free(name);
	}
}

static void	switch_view(struct tui *, int);

static void
stats_key(struct tui *t, int ch)
{
	json_t	*row = list_selected(&t->lists[V_STATS]);

	if ((ch == '\n' || ch == '\r') && row != NULL) {
		t->campaign_id = row_id(row);
		json_decref(t->campaign);
		t->campaign = NULL;
		switch_view(t, V_CAMPAIGNS);
	}
}

static void
switch_view(struct tui *t, int v)
{
	t->view = (enum tui_view)((v + V_NVIEWS) % V_NVIEWS);
	view_enter(t);
}

static void
key(struct tui *t, int ch, int fkey)
{
	struct tui_list	*l = &t->lists[t->view];
	long		 page = screen_list_rows(t->view);

	t->flash[0] = '\0';
	if (fkey && ch == K_RESIZE) {
		/* ncurses has resized already (screen_resize queued this). */
		tui_dirty();
		return;
	}
	if (t->confirm.active && t->confirm.choose != NULL) {
		if (!fkey && ch > 0 && ch < 128 && ch != 'c' &&
		    strchr(t->confirm.choices, ch) != NULL) {
			t->confirm.active = 0;
			t->confirm.choose(t, t->confirm.target, ch);
		} else if (!fkey && (ch == 'c' || ch == 'n' || ch == ESC ||
		    ch == 'q'))
			t->confirm.active = 0;
		tui_dirty();
		return;
	}
	if (t->confirm.active) {
		if (!fkey && (ch == 'y' || ch == 'Y' || ch == 'o' || ch == 'O')) {
			t->confirm.active = 0;
			t->confirm.yes(t, t->confirm.target);
		} else if (!fkey && (ch == 'n' || ch == 'N' || ch == ESC ||
		    ch == 'q'))
			t->confirm.active = 0;
		tui_dirty();
		return;
	}
	if (t->help) {
		t->help = 0;
		tui_dirty();
		return;
	}
	if (t->picker.active && t->form.active) {
		picker_key(t, ch, fkey);
		return;
	}
	if (t->form.active) {
		form_key(t, ch, fkey);
		return;
	}
	if (fkey) {
		if (ch >= K_F(2) && ch <= K_F(9))
			switch_view(t, ch - K_F(2));
		else if (ch == K_F(1))
			t->help = 1;
		else if (ch == K_F(10))
			confirm(t, do_quit, 0, "%s", _("Quit wacamp?"));
		else if (ch == K_BTAB)
			switch_view(t, (int)t->view - 1);
		else if (l->cmd != NULL) {
			if (ch == K_DOWN)
				list_move(t, l, 1, 0);
			else if (ch == K_UP)
				list_move(t, l, -1, 0);
			else if (ch == K_NPAGE)
				list_move(t, l, page, 0);
			else if (ch == K_PPAGE)
				list_move(t, l, -page, 0);
			else if (ch == K_HOME)
				list_move(t, l, 0, -1);
			else if (ch == K_END)
				list_move(t, l, 0, 1);
			else if (ch == K_ENTER)
				key(t, '\n', 0);
		}
		tui_dirty();
		return;
	}
	switch (ch) {
	case '\t':
		switch_view(t, (int)t->view + 1);
		return;
	case '?':
		t->help = 1;
		tui_dirty();
		return;
	case 'q':
	case ESC:
		if (t->view == V_CAMPAIGNS && t->campaign_id != 0) {
			t->campaign_id = 0;
			json_decref(t->campaign);
			t->campaign = NULL;
			refresh_view(t);
		} else
			confirm(t, do_quit, 0, "%s", _("Quit wacamp?"));
		tui_dirty();
		return;
	case 'r':
		if (t->view != V_CAMPAIGNS || t->campaign_id == 0) {
			refresh_view(t);
			flash(t, 0, "%s", _("Refreshed"));
			return;
		}
		break;
	case CTRL('l'):
		screen_resize();
		tui_dirty();
		return;
	}
	if (ch >= '1' && ch <= '0' + V_NVIEWS) {
		switch_view(t, ch - '1');
		return;
	}
	if (l->cmd != NULL && !(t->view == V_CAMPAIGNS && t->campaign_id)) {
		switch (ch) {
		case 'j':
			list_move(t, l, 1, 0);
			return;
		case 'k':
			list_move(t, l, -1, 0);
			return;
		case 'g':
			list_move(t, l, 0, -1);
			return;
		case 'G':
			list_move(t, l, 0, 1);
			return;
		case CTRL('f'):
			list_move(t, l, page, 0);
			return;
		case CTRL('b'):
			list_move(t, l, -page, 0);
			return;
		}
	}
	switch (t->view) {
	case V_CONTACTS:
		contacts_key(t, ch);
		break;
	case V_IMPORT:
		import_key(t, ch);
		break;
	case V_CATEGORIES:
		categories_key(t, ch);
		break;
	case V_CAMPAIGNS:
		campaigns_key(t, ch);
		break;
	case V_MESSAGES:
		messages_key(t, ch);
		break;
	case V_USERS:
		users_key(t, ch);
		break;
	case V_STATS:
		stats_key(t, ch);
		break;
	default:
		break;
	}
	tui_dirty();
}

static void
stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	int	 ch, r;

	while ((r = screen_key(&ch)) != -1 && !T.quit)
		key(&T, ch, r);
}

static void
term_cb(evutil_socket_t fd, short what, void *arg)
{
	T.quit = 1;
	event_base_loopbreak(base);
}

static void
winch_cb(evutil_socket_t fd, short what, void *arg)
{
	screen_resize();
	tui_dirty();
}

/*
 * Where the catalogue is: $WACAMP_LOCALEDIR, else the install path when
 * it holds ours, else build/locale beside the binary (run uninstalled).
 */
static void
tui_i18n(void)
{
	const char	*env = getenv("WACAMP_LOCALEDIR");
	char		 exe[PATH_MAX], dir[PATH_MAX + 16];
	ssize_t		 n;
	struct stat	 sb;

	if (env != NULL && *env != '\0') {
		bindtextdomain("wacamp", env);
	} else if (stat(LOCALEDIR "/fr/LC_MESSAGES/wacamp.mo", &sb) == 0) {
		bindtextdomain("wacamp", LOCALEDIR);
	} else if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		snprintf(dir, sizeof dir, "%s/locale", dirname(exe));
		bindtextdomain("wacamp", dir);
	}
	bind_textdomain_codeset("wacamp", "UTF-8");
	textdomain("wacamp");
}

static void
tui_free(struct tui *t)
{
	int	 i;

	for (i = 0; i < V_NVIEWS; i++) {
		json_decref(t->lists[i].cursors);
		json_decref(t->lists[i].rows);
		json_decref(t->lists[i].filter);
	}
	for (i = 0; i < 6; i++)
		free(t->imp_preview[i]);
	json_decref(t->stats);
	json_decref(t->history);
	json_decref(t->campaign);
	json_decref(t->imp_job);
	json_decref(t->imp_result);
	json_decref(t->imp_pv);
	json_decref(t->picker.items);
	json_decref(t->preview);
}

int
tui_main(int argc, char **argv)
{
	struct event	*stdin_ev, *winch_ev, *term_ev, *hup_ev;
	char		*sockarg = NULL, *path, why[300];
	int		 i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "-S") == 0 && i + 1 < argc)
			sockarg = argv[++i];
	path = client_socket_path(sockarg);
	if (client_path_safe(path, why, sizeof why) == -1) {
		fprintf(stderr, "wacamp: %s\n", why);
		free(path);
		return 3;
	}
	tui_i18n();

	memset(&T, 0, sizeof T);
	T.lists[V_CONTACTS].cmd = "contacts.list";
	T.lists[V_CONTACTS].cols = contact_cols;
	T.lists[V_CATEGORIES].cmd = "categories.list";
	T.lists[V_CATEGORIES].cols = category_cols;
	T.lists[V_CAMPAIGNS].cmd = "campaigns.list";
	T.lists[V_CAMPAIGNS].cols = campaign_cols;
	T.lists[V_MESSAGES].cmd = "messages.list";
	T.lists[V_MESSAGES].cols = message_cols;
	T.lists[V_USERS].cmd = "users.list";
	T.lists[V_USERS].cols = user_cols;
	T.lists[V_STATS].cmd = "campaigns.list";
	T.lists[V_STATS].cols = stats_cols;
	for (i = 0; i < V_NVIEWS; i++) {
		T.lists[i].filter = json_object();
		list_reset(&T.lists[i]);
	}

	if (screen_init() == -1) {
		fprintf(stderr, "wacamp: cannot start the terminal interface\n");
		free(path);
		return 1;
	}
	base = event_base_new();
	event_base_priority_init(base, 2);
	render_ev = event_new(base, -1, 0, render_cb, NULL);
	event_priority_set(render_ev, 1);
	refresh_ev = evtimer_new(base, refresh_cb, NULL);
	preview_ev = evtimer_new(base, preview_cb, NULL);
	stdin_ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    stdin_cb, NULL);
	event_add(stdin_ev, NULL);
	/* Our handler replaces ncurses' own: resize happens on the loop. */
	winch_ev = evsignal_new(base, SIGWINCH, winch_cb, NULL);
	evsignal_add(winch_ev, NULL);
	/* Leave the terminal usable when told to go. */
	term_ev = evsignal_new(base, SIGTERM, term_cb, NULL);
	evsignal_add(term_ev, NULL);
	hup_ev = evsignal_new(base, SIGHUP, term_cb, NULL);
	evsignal_add(hup_ev, NULL);
	signal(SIGPIPE, SIG_IGN);

	T.conn = conn_new(base, path, &tui_conn_ops, &T);
	tui_dirty();
	event_base_dispatch(base);

	screen_end();
	conn_free(T.conn);
	event_free(stdin_ev);
	event_free(winch_ev);
	event_free(term_ev);
	event_free(hup_ev);
	event_free(render_ev);
	event_free(refresh_ev);
	event_free(preview_ev);
	event_base_free(base);
	tui_free(&T);
	free(path);
	return 0;
}
