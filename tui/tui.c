#include <sys/stat.h>

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
#include "text.h"
#include "tui.h"
#include "xmalloc.h"

/*
 * The loop and what has the keyboard. Keys and daemon replies change the
 * state and call tui_dirty(); one render pass runs per loop turn, after
 * every other event of that turn (a lower priority). A key goes to the
 * confirmation, the help, the picker or the form when one is open, else
 * to the view shown, through the table of views below.
 */

static struct event_base	*base;
static struct event		*render_ev;
static struct event		*refresh_ev;
static struct event		*preview_ev;
static struct event		*flash_ev;	/* clears the status line */
static unsigned			 preview_gen;
struct tui			 T;

static void	tui_after_auth(struct tui *);

/* The screens, in the order of their numbers. */
static const struct view *views[V_NVIEWS] = {
	&view_dashboard, &view_contacts, &view_import, &view_categories,
	&view_campaigns, &view_messages, &view_users, &view_stats,
	&view_audit, &view_inbox, &view_devices,
};

static const struct tui_key keys_common[] = {
	{ "Tab/S-Tab", N_("next / previous screen") },
	{ "1-9 0 F2-F9", N_("go to a screen (0: the inbox)") },
	{ "? F1", N_("this help") },
	{ "r", N_("refresh") },
	{ "q F10", N_("back, or quit") },
	{ "Esc", N_("back, or ask to quit") },
	{ NULL, NULL }
};
static const struct tui_key keys_list[] = {
	{ "\xe2\x86\x91\xe2\x86\x93 j k", N_("move") },
	{ "PgUp PgDn", N_("page up / down") },
	{ "Home End g G", N_("first / last") },
};
static const struct tui_key keys_form[] = {
	{ "Tab \xe2\x86\x93", N_("next field") },
	{ "S-Tab \xe2\x86\x91", N_("previous field") },
	{ "\xe2\x86\x90\xe2\x86\x92 Home End", N_("move in the text") },
	{ "\xe2\x86\x91\xe2\x86\x93", N_("in a text area: the line above, below") },
	{ "Delete", N_("delete the character under the cursor") },
	{ "Enter", N_("next field; on the last one, submit") },
	{ "Enter", N_("in a text area: a new line") },
	{ "Ctrl-S", N_("submit the form") },
	{ "Ctrl-E", N_("edit the text area in $VISUAL or $EDITOR") },
	{ "Ctrl-U", N_("clear the field") },
	{ "Space", N_("Categories: open the picker") },
	{ "Backspace", N_("a chosen field: clear it") },
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
static const struct tui_key keys_picker1[] = {
	{ "\xe2\x86\x91\xe2\x86\x93 j k", N_("move") },
	{ "PgUp PgDn", N_("page up / down") },
	{ "Enter Space", N_("choose") },
	{ "Esc q", N_("cancel") },
	{ "? F1", N_("this help") },
	{ NULL, NULL }
};

static const char *
tui_view_name(enum tui_view v)
{
	return _(views[v]->name);
}

static int
list_shown(struct tui *t, const struct view *v)
{
	return v->list_cmd != NULL && (v->list_shown == NULL ||
	    v->list_shown(t));
}

/* Help for the view shown: its own keys, then list and common keys. */
static const struct tui_key *
view_keys(struct tui *t, const struct view *v, const char **title)
{
	static struct tui_key	 all[64];
	const struct tui_key	*k = v->keys;
	size_t			 n = 0, i;
	int			 list = list_shown(t, v);

	*title = _(v->name);
	if (v->detail_keys != NULL && v->list_cmd != NULL && !list) {
		k = v->detail_keys;
		*title = _(v->detail_name);
	}
	for (; k->key != NULL && n < 50; k++)
		all[n++] = *k;
	if (list)
		for (i = 0; i < sizeof keys_list / sizeof keys_list[0]; i++)
			all[n++] = keys_list[i];
	/*
	 * On a short terminal the keys every screen shares take one line
	 * (the dashboard's help lists them), so the screen's own all show.
	 */
	for (k = keys_common, i = 0; k->key != NULL; k++)
		i++;
	if ((int)(n + i) > screen_lines() - 6 && t->view != V_DASH) {
		all[n].key = "Tab 1-9 r q";
		all[n++].what = N_("screens, refresh, quit: see the "
		    "dashboard's help");
	} else
		for (k = keys_common; k->key != NULL; k++)
			all[n++] = *k;
	all[n].key = all[n].what = NULL;
	return all;
}

static const struct tui_key *
tui_help_keys(struct tui *t, const char **title)
{
	if (t->picker.active) {
		*title = _(t->picker.title);
		return t->picker.multi ? keys_picker : keys_picker1;
	}
	if (t->form.active) {
		*title = _(t->form.title);
		return t->need_login ? keys_login : keys_form;
	}
	return view_keys(t, views[t->view], title);
}

const char *
tui_status_name(const char *s)
{
	static const char *names[][2] = {
		{ "reply", N_("reply") }, { "reaction", N_("reaction") },
		{ "optout", N_("opt-out") },
		{ "draft", N_("draft") }, { "scheduled", N_("scheduled") },
		{ "running", N_("running") },
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

const char *
row_str(json_t *row, const char *key)
{
	const char	*s = json_string_value(json_object_get(row, key));

	return s != NULL ? s : "";
}

/* A string member, or NULL. */
const char *
row_sn(json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

json_int_t
row_num(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (json_int_t)json_real_value(v);
	return 0;
}

json_int_t
row_id(json_t *row)
{
	return json_integer_value(json_object_get(row, "id"));
}

void
set_str(json_t *args, const char *key, const char *v)
{
	if (v != NULL && *v != '\0')
		json_object_set_new(args, key, json_string(v));
}

void
tui_dirty(void)
{
	if (!event_pending(render_ev, EV_TIMEOUT, NULL))
		event_active(render_ev, EV_TIMEOUT, 0);
}

void
tui_flash(struct tui *t, int err, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(t->flash, sizeof t->flash, fmt, ap);
	va_end(ap);
	t->flash_err = err;
	/* A message stays a few seconds, an error a little longer. */
	if (flash_ev != NULL) {
		struct timeval	 tv = { err ? 15 : 8, 0 };

		evtimer_add(flash_ev, &tv);
	}
	tui_dirty();
}

static void
flash_cb(evutil_socket_t fd, short ev, void *arg)
{
	T.flash[0] = '\0';
	tui_dirty();
}

int
tui_err_unknown(json_t *err)
{
	const char	*code = json_string_value(json_object_get(err, "code"));
	const char	*msg = json_string_value(json_object_get(err, "message"));

	return code != NULL && strcmp(code, "bad_request") == 0 &&
	    msg != NULL && strncmp(msg, "unknown command", 15) == 0;
}

const char *
tui_pgettext(const char *ctxid, const char *msgid)
{
	const char	*t = gettext(ctxid);

	return t == ctxid ? msgid : t;
}

/*
 * ERR's text in the user's language, kept in ERR itself so that it
 * lives as long as the error does.
 */
const char *
tui_err_msg(json_t *err)
{
	json_t	*t;
	char	*s;

	if (err == NULL)
		return "?";
	if ((t = json_object_get(err, "text")) == NULL) {
		s = client_err_text(err);
		t = json_string(s);
		free(s);
		if (t == NULL)
			return "?";
		json_object_set_new(err, "text", t);
	}
	return json_string_value(t);
}

/*
 * What a command did, for the status line: never the protocol's name
 * for it (contacts.update) but words.
 */
const char *
tui_done_text(const char *cmd)
{
	static const struct {
		const char	*cmd;
		const char	*text;
	} done[] = {
		{ "contacts.create", N_("Contact added") },
		{ "contacts.update", N_("Contact saved") },
		{ "contacts.delete", N_("Contact deleted") },
		{ "categories.create", N_("Category created") },
		{ "categories.update", N_("Category saved") },
		{ "categories.delete", N_("Category deleted") },
		{ "categories.add_contacts", N_("Contacts added to the "
		    "category") },
		{ "categories.remove_contacts", N_("Contacts removed from the "
		    "category") },
		{ "campaigns.create", N_("Campaign created") },
		{ "campaigns.update", N_("Campaign saved") },
		{ "campaigns.delete", N_("Campaign deleted") },
		{ "campaigns.send", N_("Campaign launched") },
		{ "campaigns.stop", N_("Campaign stopped") },
		{ "campaigns.resume", N_("Campaign resumed") },
		{ "campaigns.retry", N_("Failed messages queued again") },
		{ "campaigns.relaunch", N_("Campaign relaunched") },
		{ "campaigns.test", N_("Test message queued") },
		{ "verify.contact", N_("Verification queued") },
		{ "verify.bulk", N_("Verification queued") },
		{ "users.create", N_("User created") },
		{ "users.update", N_("User saved") },
		{ "users.delete", N_("User deleted") },
	};
	size_t	 i;

	for (i = 0; i < sizeof done / sizeof done[0]; i++)
		if (strcmp(done[i].cmd, cmd) == 0)
			return _(done[i].text);
	return _("Done");
}

/*
 * A command of the audit log in words (never "contacts.update" to a
 * person); a command this client does not know, as the daemon wrote it.
 */
const char *
tui_cmd_text(const char *cmd)
{
	static const struct {
		const char	*cmd;
		const char	*text;
	} names[] = {
		{ "init", N_("create the database") },
		{ "auth.login", N_("log in") },
		{ "campaigns.create", N_("create a campaign") },
		{ "campaigns.update", N_("edit a campaign") },
		{ "campaigns.delete", N_("delete a campaign") },
		{ "campaigns.duplicate", N_("duplicate a campaign") },
		{ "campaigns.send", N_("send a campaign") },
		{ "campaigns.stop", N_("stop a campaign") },
		{ "campaigns.resume", N_("resume a campaign") },
		{ "campaigns.retry", N_("retry failed messages") },
		{ "campaigns.relaunch", N_("relaunch a campaign") },
		{ "campaigns.settle", N_("settle unknown messages") },
		{ "campaigns.test", N_("test send") },
		{ "categories.create", N_("create a category") },
		{ "categories.update", N_("edit a category") },
		{ "categories.delete", N_("delete a category") },
		{ "categories.add_contacts", N_("add to a category") },
		{ "categories.remove_contacts", N_("remove from a category") },
		{ "contacts.create", N_("add a contact") },
		{ "contacts.update", N_("edit a contact") },
		{ "contacts.delete", N_("delete a contact") },
		{ "contacts.erase", N_("erase a person") },
		{ "contacts.export", N_("export contacts") },
		{ "contacts.import", N_("import contacts") },
		{ "contacts.import_undo", N_("undo an import") },
		{ "users.create", N_("create a user") },
		{ "users.update", N_("edit a user") },
		{ "users.delete", N_("delete a user") },
		{ "verify.bulk", N_("verify every contact") },
		{ "verify.contact", N_("verify a contact") },
		{ "webhook.register", N_("register the webhook") },
		{ "webhooks.replay", N_("replay webhook events") },
	};
	size_t	 i;

	if (cmd == NULL)
		return "";
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i].cmd, cmd) == 0)
			return _(names[i].text);
	return cmd;
}

const char *
tui_err_code(json_t *err)
{
	const char	*m = json_string_value(json_object_get(err, "code"));

	return m != NULL ? m : "";
}

/* Reply callback that only reports: the action's name is ARG. */
static void
action_reply(json_t *data, json_t *err, void *arg)
{
	const char	*what = arg, *status = row_str(data, "status");

	if (err != NULL) {
		if (tui_err_unknown(err))
			tui_flash(&T, 1, "%s", _("Not available on this "
			    "daemon"));
		else
			tui_flash(&T, 1, "%s", tui_err_msg(err));
	} else if (strcmp(what, "campaigns.send") == 0 &&
	    strcmp(status, "scheduled") == 0)
		tui_flash(&T, 0, "%s", _("Campaign scheduled"));
	else if (strcmp(what, "campaigns.stop") == 0 &&
	    strcmp(status, "draft") == 0)
		tui_flash(&T, 0, "%s", _("Campaign unscheduled: a draft "
		    "again"));
	else
		tui_flash(&T, 0, "%s", tui_done_text(what));
	tui_refresh_soon();
}

void
tui_action(struct tui *t, const char *cmd, json_t *args)
{
	tui_call(t, cmd, args, action_reply, (void *)cmd);
}

int
tui_call(struct tui *t, const char *cmd, json_t *args,
    void (*cb)(json_t *, json_t *, void *), void *arg)
{
	if (conn_call(t->conn, cmd, args, -1, cb, arg) == -1) {
		tui_flash(t, 1, "%s", _("disconnected"));
		return -1;
	}
	return 0;
}

void
tui_quit(struct tui *t, json_int_t unused)
{
	(void)unused;
	t->quit = 1;
	event_base_loopbreak(base);
}

void
tui_refresh_soon(void)
{
	event_active(refresh_ev, EV_TIMEOUT, 0);
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
	if (err != NULL && tui_err_unknown(err))
		snprintf(T.preview_error, sizeof T.preview_error, "%s",
		    _("Preview: not available on this daemon"));
	else if (err != NULL)
		snprintf(T.preview_error, sizeof T.preview_error, _("%s: %s"),
		    _("Preview"), tui_err_msg(err));
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
void
tui_preview_schedule(struct tui *t)
{
	struct timeval	 tv = { 0, 200000 };

	if (t->form.active && t->form.preview)
		evtimer_add(preview_ev, &tv);
}

/* Login. */

static void
set_user(struct tui *t, json_t *user)
{
	const char	*role = json_string_value(json_object_get(user, "role"));

	snprintf(t->user, sizeof t->user, "%s", row_str(user, "login"));
	t->super = role != NULL && strcmp(role, "super_admin") == 0;
}

static void
login_reply(json_t *data, json_t *err, void *arg)
{
	const char	*tok;

	(void)arg;
	if (err != NULL) {
		snprintf(T.form.error, sizeof T.form.error, "%s",
		    tui_err_msg(err));
		memset(T.form.f[1].value, 0, sizeof T.form.f[1].value);
		tui_dirty();
		return;
	}
	if ((tok = json_string_value(json_object_get(data, "access_token")))
	    != NULL)
		client_token_save(tok);
	T.form.active = 0;
	T.need_login = 0;
	set_user(&T, json_object_get(data, "user"));
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
tui_login_open(struct tui *t)
{
	t->need_login = 1;
	form_open(t, N_("Log in to wacampd"), submit_login, 0);
	form_add(&t->form, N_("Login"), "login", F_REQUIRED, NULL);
	form_add(&t->form, N_("Password"), "password", F_REQUIRED | F_SECRET,
	    NULL);
	tui_dirty();
}

/* Daemon side. */

static void
stats_reply(json_t *data, json_t *err, void *arg)
{
	(void)arg;
	if (err != NULL) {
		T.stats_unavailable = tui_err_unknown(err);
		return;
	}
	T.stats_unavailable = 0;
	json_decref(T.stats);
	T.stats = json_deep_copy(data);
	tui_dirty();
}

/* Ask the daemon again for what the view shows. */
void
tui_refresh(struct tui *t)
{
	const struct view	*v = views[t->view];

	if (!t->authed)
		return;
	conn_call(t->conn, "monitoring.stats", NULL, -1, stats_reply, NULL);
	if (v->enter != NULL)
		v->enter(t);
	else if (v->list_cmd != NULL)
		list_refresh(t, &t->lists[t->view]);
}

static void
refresh_cb(evutil_socket_t fd, short what, void *arg)
{
	tui_refresh(&T);
}

void
tui_switch(struct tui *t, int v)
{
	t->view = (enum tui_view)((v + V_NVIEWS) % V_NVIEWS);
	t->help = 0;
	tui_refresh(t);
	tui_dirty();
}

static void
token_reply(json_t *data, json_t *err, void *arg)
{
	(void)arg;
	if (err != NULL) {
		tui_login_open(&T);
		return;
	}
	set_user(&T, json_object_get(data, "user"));
	tui_after_auth(&T);
}

static void
tui_after_auth(struct tui *t)
{
	int	 v;

	t->authed = 1;
	conn_call(t->conn, "subscribe", json_pack("{s:[sss]}", "topics",
	    "monitoring", "campaigns", "jobs"), -1, NULL, NULL);
	/* Apart: a daemon without the inbox refuses the topic alone. */
	conn_call(t->conn, "subscribe", json_pack("{s:[s]}", "topics",
	    "replies"), -1, NULL, NULL);
	for (v = 0; v < V_NVIEWS; v++)
		if (t->lists[v].cmd != NULL)
			list_reset(&t->lists[v]);
	tui_refresh(t);
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
		tui_login_open(t);
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

static void
on_event(const char *name, json_t *data, void *arg)
{
	struct tui	*t = arg;
	struct timeval	 tv = { 0, 300000 };
	const char	*k;
	json_t		*v;
	int		 i;

	if (strcmp(name, "monitoring.stats") == 0 && json_is_object(data)) {
		if (t->stats == NULL)
			t->stats = json_object();
		/* An event lacks the provider and such: merge, keep the rest. */
		json_object_foreach(data, k, v)
			json_object_set(t->stats, k, v);
		tui_dirty();
		return;
	}
	/* Every view sees events: an import runs on whatever is shown. */
	for (i = 0; i < V_NVIEWS; i++)
		if (views[i]->event != NULL && views[i]->event(t, name, data)) {
			tui_dirty();
			return;
		}
	/* Anything else: refresh what is shown, a few times a second. */
	if (!evtimer_pending(refresh_ev, NULL))
		evtimer_add(refresh_ev, &tv);
}

static const struct conn_ops tui_conn_ops = { on_hello, on_lost, on_event };

/* Keys: to what is open on top, else the global keys, else the view. */
static void
key(struct tui *t, int ch)
{
	const struct view	*v = views[t->view];

	t->flash[0] = '\0';
	if (ch == (KEY_FN | K_ENTER))
		ch = '\r';
	if (ch == (KEY_FN | K_RESIZE)) {
		/* ncurses has resized already (screen_resize queued this). */
		tui_dirty();
		return;
	}
	if (t->confirm.active) {
		confirm_key(t, ch);
		return;
	}
	if (t->help) {
		t->help = 0;
		tui_dirty();
		return;
	}
	if (t->picker.active) {
		picker_key(t, ch);
		return;
	}
	if (t->form.active) {
		form_key(t, ch);
		return;
	}
	tui_dirty();
	if (ch >= (KEY_FN | K_F(2)) && ch <= (KEY_FN | K_F(9))) {
		tui_switch(t, ch - (KEY_FN | K_F(2)));
		return;
	}
	/* 1 to 9, then 0 for the tenth screen (the inbox). */
	if (ch >= '1' && ch <= '9' && ch - '1' < V_NVIEWS) {
		tui_switch(t, ch - '1');
		return;
	}
	if (ch == '0' && V_NVIEWS >= 10) {
		tui_switch(t, 9);
		return;
	}
	switch (ch) {
	case KEY_FN | K_F(1):
	case '?':
		t->help = 1;
		return;
	case KEY_FN | K_F(10):
		tui_quit(t, 0);
		return;
	case KEY_FN | K_BTAB:
		tui_switch(t, (int)t->view - 1);
		return;
	case '\t':
		tui_switch(t, (int)t->view + 1);
		return;
	case 'q':
		/* Like htop and tig: back from a detail screen, else quit at
		 * once (quitting the client stops nothing in the daemon). */
		if (v->back != NULL && v->back(t))
			tui_refresh(t);
		else
			tui_quit(t, 0);
		return;
	case ESC:
		/* Esc is pressed by accident: it asks before quitting. */
		if (v->back != NULL && v->back(t))
			tui_refresh(t);
		else
			confirm(t, tui_quit, 0, "%s", _("Quit wacamp?"));
		return;
	case 'r':
		tui_refresh(t);
		tui_flash(t, 0, "%s", _("Refreshed"));
		return;
	case CTRL('l'):
		screen_resize();
		return;
	}
	if (v->key != NULL && v->key(t, ch))
		return;
	if (list_shown(t, v))
		list_key(t, &t->lists[t->view], ch);
}

static void
draw_top(struct tui *t)
{
	char	 buf[64];
	int	 x = 0, v, w, cols = screen_cols();
	int	 bara = S_BAR | S_REVNC;

	screen_put(0, 0, cols, "", bara, 1);
	x += screen_put(0, 0, cols, " wacamp ", bara | S_BOLD, 0);
	/* When the names do not fit, only the current one is spelled out. */
	for (v = 0, w = x; v < V_NVIEWS; v++)
		w += 4 + (int)mbstowcs(NULL, tui_view_name(v), 0);
	if (t->inbox_unread > 0)
		w += 6;
	for (v = 0; v < V_NVIEWS && x < cols; v++) {
		/* The tenth screen's key is 0; past it, Tab only. */
		if (v >= 10)
			snprintf(buf, sizeof buf, " %s ", tui_view_name(v));
		else if (w > cols && v != (int)t->view)
			snprintf(buf, sizeof buf, " %d ", (v + 1) % 10);
		else
			snprintf(buf, sizeof buf, " %d %s ", (v + 1) % 10,
			    tui_view_name(v));
		/* Replies not seen yet: their count on the inbox's tab. */
		if (v == V_INBOX && t->inbox_unread > 0)
			snprintf(buf + strlen(buf) - 1, sizeof buf -
			    strlen(buf) + 1, " (%d) ", t->inbox_unread);
		x += screen_put(0, x, cols - x, buf, v == (int)t->view ?
		    (S_REV | S_BOLD) : bara, 0);
	}
	if (!t->connected) {
		w = (int)strlen(_("disconnected")) + 2;
		screen_putf(0, cols - w > 0 ? cols - w : 0, w, S_BAD | S_BOLD |
		    S_REV, " %s ", _("disconnected"));
	}
}

#define STATUS_MAXLINES	4	/* an error may take this many lines */

static void
draw_status(struct tui *t)
{
	char		 right[160], left[160], part[sizeof t->flash];
	const char	*p;
	size_t		 n, k;
	int		 y = screen_lines() - 1, w, cols = screen_cols(), i;
	int		 a;
	size_t		 cut[STATUS_MAXLINES + 1];

	screen_put(y, 0, cols, "", S_REV, 1);
	if (!t->connected)
		snprintf(right, sizeof right, " %s ",
		    _("disconnected: reconnecting every second"));
	else
		snprintf(right, sizeof right, " %s@%s ", t->user[0] ? t->user :
		    "-", t->provider);
	w = text_columns(right);
	if (w > cols)
		w = cols;
	if (t->flash[0] == '\0') {
		/* The hints give way to the state on the right, never cut. */
		snprintf(left, sizeof left, " %s  %s  %s", _("? help"),
		    _("Tab screens"), _("q quit"));
		if (text_columns(left) <= cols - w)
			screen_put(y, 0, cols - w, left, S_REV, 0);
		screen_put(y, cols - w, w, right, S_REV | (!t->connected ?
		    S_BAD | S_BOLD : 0), 0);
		return;
	}
	/*
	 * A message is never cut: it takes the whole line when it needs
	 * it, and lines above the status line when one is not enough.
	 */
	a = (t->flash_err ? S_BAD | S_BOLD : 0) | S_REV;
	if (text_columns(t->flash) + 1 <= cols - w) {
		screen_putf(y, 0, cols - w, a, " %s", t->flash);
		screen_put(y, cols - w, w, right, S_REV | (!t->connected ?
		    S_BAD | S_BOLD : 0), 0);
		return;
	}
	cut[0] = 0;
	for (i = 0, p = t->flash; *p != '\0' && i < STATUS_MAXLINES; i++) {
		n = text_fit(p, cols - 1);
		if (n == 0)
			break;
		p += n;
		cut[i + 1] = (size_t)(p - t->flash);
	}
	if (i > y)
		i = y;
	for (k = 0; k < (size_t)i; k++) {
		n = cut[k + 1] - cut[k];
		memcpy(part, t->flash + cut[k], n);
		part[n] = '\0';
		screen_put(y - i + 1 + (int)k, 0, cols, "", a, 1);
		screen_putf(y - i + 1 + (int)k, 0, cols, a, " %s", part);
	}
}

static void
draw_help(struct tui *t)
{
	const struct tui_key	*k;
	const char		*what;
	int			 n = 0, h, w = 78, y, x, i;
	int			 cols = screen_cols(), lines = screen_lines();
	char			 title[128];

	for (k = tui_help_keys(t, &what); k->key != NULL; k++)
		n++;
	h = n + 4;
	if (h > lines - 2)
		h = lines - 2;
	if (w > cols - 2)
		w = cols - 2;
	y = (lines - h) / 2;
	x = (cols - w) / 2;
	snprintf(title, sizeof title, _("Keys: %s"), what);
	screen_panel(y, x, h, w, title);
	for (k = tui_help_keys(t, &what), i = 0; k->key != NULL &&
	    i < h - 4; k++, i++) {
		screen_put(y + 2 + i, x + 2, 14, k->key, S_REV | S_BOLD, 0);
		screen_put(y + 2 + i, x + 17, w - 19, _(k->what), S_REV, 0);
	}
	screen_put(y + h - 1, x + 2, w - 4, _("Press any key to close."),
	    S_REV | S_DIM, 0);
}

/* One render pass: the frame, the view, then what is open on top. */
static void
render_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tui	*t = &T;
	int		 cols = screen_cols(), lines = screen_lines();

	screen_begin();
	draw_top(t);
	if (t->need_login)
		screen_put(2, 2, cols - 4, _("Peer credentials do not apply: "
		    "log in."), 0, 0);
	else if (!t->authed && t->connected)
		screen_put(2, 2, cols - 4, _("Logging in\xe2\x80\xa6"), S_DIM,
		    0);
	else
		views[t->view]->draw(t);
	if (cols < 80 || lines < 24)
		screen_put(lines - 2, 0, cols, _("The terminal is smaller "
		    "than 80x24."), S_WARN | S_BOLD, 0);
	draw_status(t);
	if (t->confirm.active)
		confirm_draw(t);
	else if (t->form.active)
		form_draw(t);
	if (t->picker.active)
		picker_draw(t);
	if (t->help)
		draw_help(t);
	if (t->help || t->picker.active || t->confirm.active)
		screen_cursor(-1, 0);
	screen_flush();
}

static void
stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	int	 ch, r;

	while ((r = screen_key(&ch)) != -1 && !T.quit)
		key(&T, r ? ch | KEY_FN : ch);
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

static void
tui_free(struct tui *t)
{
	int	 i;

	for (i = 0; i < V_NVIEWS; i++) {
		json_decref(t->lists[i].cursors);
		json_decref(t->lists[i].rows);
		json_decref(t->lists[i].filter);
		json_decref(t->lists[i].marks);
	}
	for (i = 0; i < 6; i++)
		free(t->imp_preview[i]);
	json_decref(t->stats);
	json_decref(t->history);
	json_decref(t->vstats);
	json_decref(t->vjob);
	json_decref(t->campaign);
	json_decref(t->contact);
	json_decref(t->imp_job);
	json_decref(t->imp_result);
	json_decref(t->imp_pv);
	json_decref(t->picker.items);
	json_decref(t->picker.chosen);
	json_decref(t->preview);
}

int
tui_main(int argc, char **argv)
{
	struct event	*stdin_ev, *winch_ev, *term_ev, *hup_ev;
	char		*sockarg = NULL, *path, why[300];
	const char	*term;
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
	client_i18n();

	memset(&T, 0, sizeof T);
	for (i = 0; i < V_NVIEWS; i++) {
		T.lists[i].cmd = views[i]->list_cmd;
		T.lists[i].cols = views[i]->cols;
		T.lists[i].y = views[i]->list_y;
		T.lists[i].filter = json_object();
		list_reset(&T.lists[i]);
	}

	term = getenv("TERM");
	if (term == NULL || *term == '\0' || strcmp(term, "dumb") == 0) {
		fprintf(stderr, "wacamp: the terminal (TERM=%s) cannot show the "
		    "full-screen interface; use a command, such as wacamp "
		    "status, or set TERM (xterm-256color, screen-256color)\n",
		    term != NULL ? term : "");
		free(path);
		return 2;
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
	flash_ev = evtimer_new(base, flash_cb, NULL);
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
	event_free(flash_ev);
	flash_ev = NULL;
	event_base_free(base);
	tui_free(&T);
	free(path);
	return 0;
}
