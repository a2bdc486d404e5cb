#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "conn.h"
#include "report.h"
#include "text.h"
#include "tui.h"

/*
 * Campaigns: the list, one campaign's details and live statistics, and
 * every action on them: create and edit a draft (texts in text areas),
 * duplicate, test send, send (after a dry run says to whom and when, or
 * schedule it when its start is ahead), stop, resume, retry, settle
 * unknown messages, relaunch, delete, export to CSV, a PDF report.
 */

static const struct tui_col campaign_cols[] = {
	/* Every column fits 80 columns, in French too (issue 18). */
	{ N_("ID"), "id", 5, COL_INT },
	{ N_("Name"), "name", 20, COL_TEXT },
	{ N_("Status"), "status", 10, COL_STATUS },
	{ N_("Progress"), "total", 20, COL_PROGRESS },
	{ N_("Failed"), "failed", 7, COL_INT },
	{ N_("Replies"), "interactions", 8, COL_INT },
	{ NULL, NULL, 0, 0 }
};

static const struct tui_key keys_campaigns[] = {
	{ "n", N_("new campaign") },
	{ "Enter", N_("details and live statistics") },
	{ "e", N_("edit a draft") },
	{ "D", N_("duplicate") },
	{ "T", N_("test send to a number") },
	{ "s", N_("send a draft, resume a stopped campaign") },
	{ "x", N_("stop") },
	{ "t", N_("retry failed messages") },
	{ "u", N_("settle unknown messages: sent or failed") },
	{ "l", N_("relaunch") },
	{ "d", N_("delete") },
	{ "E", N_("export the recipients to a CSV file") },
	{ "R", N_("write a PDF report") },
	{ NULL, NULL }
};

static void
submit_campaign(struct tui *t, struct tui_form *f)
{
	json_t	*args = json_object();

	set_str(args, "name", form_get(f, "name"));
	set_str(args, "message_1", form_get(f, "message_1"));
	if (f->target != 0)
		json_object_set_new(args, "message_2",
		    json_string(form_get(f, "message_2")));
	else
		set_str(args, "message_2", form_get(f, "message_2"));
	json_object_set_new(args, "categories",
	    form_list(form_get(f, "categories")));
	/* Empty clears a draft's start and window; a new one has none. */
	if (f->target != 0) {
		json_object_set_new(args, "start_at",
		    json_string(form_get(f, "start_at")));
		json_object_set_new(args, "window",
		    json_string(form_get(f, "window")));
	} else {
		set_str(args, "start_at", form_get(f, "start_at"));
		set_str(args, "window", form_get(f, "window"));
	}
	if (f->target != 0) {
		json_object_set_new(args, "id", json_integer(f->target));
		form_call(t, "campaigns.update", args);
	} else
		form_call(t, "campaigns.create", args);
}

/* A draft's start time as the form shows it: local ISO 8601, or NULL. */
static const char *
start_text(char *buf, size_t len, json_t *c)
{
	json_t		*v = json_object_get(c, "start_at");
	time_t		 t;
	struct tm	*tm;

	if (!json_is_integer(v))
		return NULL;
	t = (time_t)json_integer_value(v);
	if ((tm = localtime(&t)) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M", tm) == 0)
		return NULL;
	return buf;
}

/* The campaign form, new (C NULL) or a draft's (C from campaigns.get). */
static void
campaign_form(struct tui *t, json_t *c)
{
	json_t	*v;
	size_t	 i, len;
	char	 ids[1024] = "", names[1024] = "", start[32];

	json_array_foreach(json_object_get(c, "categories"), i, v) {
		len = strlen(ids);
		snprintf(ids + len, sizeof ids - len, "%s%lld", i > 0 ? ", " :
		    "", (long long)row_id(v));
		len = strlen(names);
		snprintf(names + len, sizeof names - len, "%s%s", i > 0 ?
		    ", " : "", row_str(v, "name"));
	}
	form_open(t, c != NULL ? N_("Edit campaign") : N_("New campaign"),
	    submit_campaign, c != NULL ? row_id(c) : 0);
	form_add(&t->form, N_("Name"), "name", F_REQUIRED, row_sn(c, "name"));
	form_add_pick(&t->form, N_("Template"), "template", 0, PICK_TEMPLATE,
	    NULL, NULL);
	form_add(&t->form, N_("Message 1"), "message_1", F_REQUIRED | F_TEXT,
	    row_sn(c, "message_1"));
	form_add(&t->form, N_("Message 2"), "message_2", F_TEXT,
	    row_sn(c, "message_2"));
	form_add_pick(&t->form, N_("Categories"), "categories", F_REQUIRED,
	    PICK_CATEGORIES, ids, names);
	form_add(&t->form, N_("Start at"), "start_at", 0,
	    start_text(start, sizeof start, c));
	form_add(&t->form, N_("Window"), "window", 0,
	    row_sn(c, "window"));
	form_add(&t->form, N_("Preview contact ID"), "preview", F_INT, NULL);
	t->form.preview = 1;
	json_decref(t->preview);
	t->preview = NULL;
	t->preview_error[0] = '\0';
	tui_preview_schedule(t);
}

static void
edit_reply(json_t *data, json_t *err, void *arg)
{
	(void)arg;
	if (err != NULL) {
		tui_flash(&T, 1, "%s", tui_err_msg(err));
		return;
	}
	if (strcmp(row_str(data, "status"), "draft") != 0) {
		tui_flash(&T, 1, "%s", _("Only a draft can be edited; "
		    "duplicate it (D) to change its texts"));
		return;
	}
	campaign_form(&T, data);
}

static void
duplicate_reply(json_t *data, json_t *err, void *arg)
{
	(void)arg;
	if (err != NULL && tui_err_unknown(err))
		tui_flash(&T, 1, "%s", _("Not available on this daemon"));
	else if (err != NULL)
		tui_flash(&T, 1, "%s", tui_err_msg(err));
	else
		tui_flash(&T, 0, _("Duplicated as campaign %lld, a draft"),
		    (long long)row_id(data));
	tui_refresh_soon();
}

static void
submit_test(struct tui *t, struct tui_form *f)
{
	form_call(t, "campaigns.test", json_pack("{s:I,s:s}", "id", f->target,
	    "phone", form_get(f, "phone")));
}

static void
do_campaign_relaunch(struct tui *t, json_int_t id)
{
	tui_action(t, "campaigns.relaunch", json_pack("{s:I,s:b}", "id", id,
	    "confirm", 1));
}

#define ACTION(fn, cmd)							\
static void								\
fn(struct tui *t, json_int_t id)					\
{									\
	tui_action(t, cmd, json_pack("{s:I}", "id", id));		\
}
ACTION(do_campaign_send, "campaigns.send")
ACTION(do_campaign_stop, "campaigns.stop")
ACTION(do_campaign_resume, "campaigns.resume")
ACTION(do_campaign_retry, "campaigns.retry")

/* A draft about to be sent: its id and name, while the dry run runs. */
struct send_ask {
	json_int_t	 id;
	char		*name;
};

/* "2h05m" for S seconds. */
static void
duration(char *buf, size_t len, json_int_t s)
{
	if (s < 3600)
		snprintf(buf, len, "%lldm", (long long)((s + 59) / 60));
	else
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
}

/* "Left out: 2 opted out, 1 without a valid number": reasons that count. */
static void
left_out(char *text, size_t size, json_t *lo, json_int_t days)
{
	char	 one[256];
	size_t	 len;
	int	 n = 0;

	len = strlen(text);
	snprintf(text + len, size - len, "\n%s", _("Left out: "));
	if (row_num(lo, "opted_out") > 0) {
		snprintf(one, sizeof one, _("%lld opted out"),
		    (long long)row_num(lo, "opted_out"));
		len = strlen(text);
		snprintf(text + len, size - len, "%s%s", n++ ? ", " : "", one);
	}
	if (row_num(lo, "suppressed") > 0) {
		snprintf(one, sizeof one, _("%lld messaged in the last %lld "
		    "day(s)"), (long long)row_num(lo, "suppressed"),
		    (long long)days);
		len = strlen(text);
		snprintf(text + len, size - len, "%s%s", n++ ? ", " : "", one);
	}
	if (row_num(lo, "no_valid_number") > 0) {
		snprintf(one, sizeof one, _("%lld without a valid number"),
		    (long long)row_num(lo, "no_valid_number"));
		len = strlen(text);
		snprintf(text + len, size - len, "%s%s", n++ ? ", " : "", one);
	}
}

/*
 * The dry run of campaigns.send: ask with who will get Message 1, who is
 * left out and why, today's capacity and the ETA (DESIGN §6), as far as
 * the daemon says. A daemon that cannot say still gets the plain
 * question; a refusal (nobody to send to) is shown as is.
 */
static void
send_ask_reply(json_t *data, json_t *err, void *arg)
{
	struct send_ask	*a = arg;
	json_t		*lo;
	char		 text[1024], when[32], eta[32];
	size_t		 len;

	if (err != NULL && strcmp(tui_err_code(err), "conflict") == 0)
		tui_flash(&T, 1, "%s", tui_err_msg(err));
	else if (err != NULL)
		confirm(&T, do_campaign_send, a->id, _("Send campaign %s now?"),
		    a->name);
	else {
		if (json_is_integer(json_object_get(data, "start_at")))
			snprintf(text, sizeof text, _("Schedule campaign %s "
			    "to start %s? %lld contact(s) as of now"), a->name,
			    draw_time(when, sizeof when, json_object_get(data,
			    "start_at")), (long long)row_num(data,
			    "recipients"));
		else
			snprintf(text, sizeof text, _("Send campaign %s now? "
			    "%lld contact(s)"), a->name, (long long)row_num(
			    data, "recipients"));
		lo = json_object_get(data, "left_out");
		if (json_is_object(lo) && row_num(lo, "total") > 0)
			left_out(text, sizeof text, lo, row_num(data,
			    "suppress_days"));
		else if (!json_is_object(lo) && row_num(data,
		    "suppressed") > 0) {
			len = strlen(text);
			snprintf(text + len, sizeof text - len, _("; %lld left "
			    "out, messaged by another campaign in the last "
			    "%lld day(s)"), (long long)row_num(data,
			    "suppressed"), (long long)row_num(data,
			    "suppress_days"));
		}
		len = strlen(text);
		if (json_is_integer(json_object_get(data, "capacity_today")))
			snprintf(text + len, sizeof text - len, "\n%s %lld "
			    "(%lld/%lld %s)", _("Capacity left today:"),
			    (long long)row_num(data, "capacity_today"),
			    (long long)row_num(data, "sent_today"),
			    (long long)row_num(data, "daily_limit"),
			    _("sent"));
		len = strlen(text);
		if (json_is_integer(json_object_get(data, "eta_seconds"))) {
			duration(eta, sizeof eta, row_num(data,
			    "eta_seconds"));
			snprintf(text + len, sizeof text - len, "\n%s %s (%s)",
			    _("All sent in about"), eta, draw_time(when,
			    sizeof when, json_object_get(data, "eta_at")));
		}
		confirm(&T, do_campaign_send, a->id, "%s", text);
	}
	free(a->name);
	free(a);
}

static void
send_ask(struct tui *t, json_int_t id, const char *name)
{
	struct send_ask	*a;

	a = calloc(1, sizeof *a);
	if (a == NULL)
		return;
	a->id = id;
	a->name = strdup(name);
	if (conn_call(t->conn, "campaigns.send", json_pack("{s:I,s:b}", "id",
	    id, "dry_run", 1), -1, send_ask_reply, a) == -1) {
		free(a->name);
		free(a);
		tui_flash(t, 1, "%s", _("disconnected"));
	}
}

/* campaigns.settle's reply: how many were settled, as what (ARG). */
static void
settle_reply(json_t *data, json_t *err, void *arg)
{
	if (err != NULL) {
		if (tui_err_unknown(err))
			tui_flash(&T, 1, "%s", _("Not available on this daemon"));
		else
			tui_flash(&T, 1, "%s", tui_err_msg(err));
	} else
		tui_flash(&T, 0, _("Settled %lld message(s) as %s"),
		    (long long)row_num(data, "settled"),
		    tui_status_name(arg));
	tui_refresh_soon();
}

/*
 * Record what the operator saw in Wassenger's app for every unknown
 * message of campaign ID; nothing is posted (DESIGN §6).
 */
static void
do_campaign_settle(struct tui *t, json_int_t id, int ch)
{
	const char	*outcome = ch == 's' ? "sent" : "failed";

	tui_call(t, "campaigns.settle", json_pack("{s:I,s:s}", "id", id,
	    "outcome", outcome), settle_reply, (void *)outcome);
}

static void
export_reply(json_t *data, json_t *err, void *arg)
{
	char	*path = arg;

	if (err != NULL)
		tui_flash(&T, 1, "%s", tui_err_msg(err));
	else
		tui_flash(&T, 0, _("%lld recipient(s) written to %s"),
		    (long long)row_num(data, "exported"), path);
	free(path);
}

/* The file a form names, opened for writing (mode 0600), or -1 said. */
static int
open_out(struct tui_form *f, const char *path)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		snprintf(f->error, sizeof f->error, "%s: %s", path,
		    strerror(errno));
	return fd;
}

static void
submit_export(struct tui *t, struct tui_form *f)
{
	const char	*path = form_get(f, "file");
	char		*copy;
	int		 fd;

	if ((fd = open_out(f, path)) == -1)
		return;
	copy = strdup(path);
	f->active = 0;
	if (conn_call(t->conn, "campaigns.export", json_pack("{s:I}", "id",
	    f->target), fd, export_reply, copy) == -1) {
		free(copy);
		tui_flash(t, 1, "%s", _("disconnected"));
	}
	tui_dirty();
}

static void
report_reply(json_t *data, json_t *err, void *arg)
{
	char	*path = arg, why[512];

	if (err != NULL)
		tui_flash(&T, 1, "%s", tui_err_msg(err));
	else if (report_campaign_pdf(path, data, why, sizeof why) == -1)
		tui_flash(&T, 1, "%s", why);
	else
		tui_flash(&T, 0, _("Report written to %s"), path);
	free(path);
}

static void
submit_report(struct tui *t, struct tui_form *f)
{
	char	*copy = strdup(form_get(f, "file"));

	f->active = 0;
	if (copy == NULL || conn_call(t->conn, "campaigns.report", json_pack(
	    "{s:I}", "id", f->target), -1, report_reply, copy) == -1) {
		free(copy);
		tui_flash(t, 1, "%s", _("disconnected"));
	}
	tui_dirty();
}

static void
do_campaign_delete(struct tui *t, json_int_t id)
{
	tui_action(t, "campaigns.delete", json_pack("{s:I}", "id", id));
	json_decref(t->campaign);
	t->campaign = NULL;
	t->campaign_id = 0;
}

static void
campaign_reply(json_t *data, json_t *err, void *arg)
{
	(void)arg;
	if (T.campaign_id == 0)
		return;
	if (err != NULL) {
		tui_flash(&T, 1, "%s", tui_err_msg(err));
		return;
	}
	json_decref(T.campaign);
	T.campaign = json_deep_copy(data);
	tui_dirty();
}

static void
campaigns_enter(struct tui *t)
{
	list_refresh(t, &t->lists[V_CAMPAIGNS]);
	if (t->campaign_id != 0)
		conn_call(t->conn, "campaigns.get", json_pack("{s:I}", "id",
		    t->campaign_id), -1, campaign_reply, NULL);
}

static int
campaigns_key(struct tui *t, int ch)
{
	json_t		*row = list_selected(&t->lists[V_CAMPAIGNS]), *src;
	json_int_t	 id = t->campaign_id, unknown;
	char		*name, file[64];
	int		 used = 1;

	if (id == 0 && row != NULL)
		id = row_id(row);
	if (ch == 'n') {
		campaign_form(t, NULL);
		return 1;
	}
	if (id == 0)
		return 0;
	/* The detail's own campaign, else the list's selected one. */
	src = t->campaign_id != 0 ? t->campaign : row;
	name = text_sanitize(src != NULL ? row_str(src, "name") : "");
	switch (ch) {
	case '\n':
	case '\r':
		t->campaign_id = id;
		json_decref(t->campaign);
		t->campaign = NULL;
		tui_refresh(t);
		break;
	case 'e':
		tui_call(t, "campaigns.get", json_pack("{s:I}", "id", id),
		    edit_reply, NULL);
		break;
	case 'D':
		tui_call(t, "campaigns.duplicate", json_pack("{s:I}", "id",
		    id), duplicate_reply, NULL);
		break;
	case 'T':
		form_open(t, N_("Test send"), submit_test, id);
		form_add(&t->form, N_("Phone"), "phone", F_REQUIRED, NULL);
		break;
	case 's':
		/* A stopped campaign goes on where it stopped (resume). */
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
		if (src == NULL)
			break;
		unknown = row_num(src, "unknown");
		if (unknown <= 0)
			tui_flash(t, 0, _("No unknown message in %s."), name);
		else
			choose(t, do_campaign_settle, "sf", N_("s: it went out "
			    "(sent)   f: it did not (failed)   c: cancel"), id,
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
	case 'E':
	case 'R':
		snprintf(file, sizeof file, "campaign-%lld.%s", (long long)id,
		    ch == 'E' ? "csv" : "pdf");
		form_open(t, ch == 'E' ? N_("Export the recipients") :
		    N_("PDF report"), ch == 'E' ? submit_export :
		    submit_report, id);
		form_add(&t->form, N_("File"), "file", F_REQUIRED, file);
		break;
	default:
		used = 0;
		break;
	}
	free(name);
	return used;
}

/* Copy the keys of DATA over O (what an event leaves out stays). */
static void
merge_into(json_t *o, json_t *data)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(data, k, v)
		json_object_set(o, k, v);
}

/*
 * A campaign's progress carries the whole campaign (but its texts):
 * update the detail and the list row in place, no fetch (one not shown
 * yet, a new one, makes the list refresh).
 */
static int
campaigns_event(struct tui *t, const char *name, json_t *data)
{
	json_int_t	 id;
	json_t		*rows = t->lists[V_CAMPAIGNS].rows, *row;
	size_t		 i;
	int		 found = 0;

	if (strcmp(name, "campaign.progress") != 0 || !json_is_object(data) ||
	    !json_is_integer(json_object_get(data, "id")))
		return 0;
	id = row_id(data);
	if (t->campaign != NULL && row_id(t->campaign) == id) {
		merge_into(t->campaign, data);
		found = 1;
	}
	json_array_foreach(rows, i, row)
		if (json_is_object(row) && row_id(row) == id) {
			merge_into(row, data);
			found = 1;
		}
	return found;
}

/* Up to MAX lines of text S at Y, indented; the next line. */
static int
draw_text(const char *s, int y, int max)
{
	const char	*nl;
	char		 line[1024];
	int		 n = 0;

	for (; s != NULL && n < max; n++) {
		nl = strchr(s, '\n');
		snprintf(line, sizeof line, "%.*s", nl != NULL ? (int)(nl - s) :
		    (int)strlen(s), s);
		screen_put(y++, 4, screen_cols() - 6, line, 0, 0);
		s = nl != NULL ? nl + 1 : NULL;
	}
	if (s != NULL)
		screen_put(y++, 4, screen_cols() - 6, "\xe2\x80\xa6", S_DIM, 0);
	return y;
}

static int
draw_categories_of(json_t *c, int y)
{
	json_t	*v;
	size_t	 i;
	int	 x;
	char	 buf[300];

	if (!json_is_array(json_object_get(c, "categories")))
		return y;
	x = 2 + screen_putf(y, 2, screen_cols() - 4, S_BOLD, _("%s: "),
	    _("Categories"));
	json_array_foreach(json_object_get(c, "categories"), i, v) {
		snprintf(buf, sizeof buf, "%s%s", i > 0 ? ", " : "",
		    row_str(v, "name"));
		x += screen_put(y, x, screen_cols() - x, buf,
		    screen_color(row_sn(v, "color")), 0);
	}
	return y + 1;
}

static void
draw_campaign(struct tui *t)
{
	int		 cols = screen_cols();
	json_t		*c = t->campaign;
	json_int_t	 tot, done;
	int		 y = 2, x;
	const char	*m;
	char		 age[32];
	static const char *counters[][2] = {
		{ "total", N_("Total") }, { "pending", N_("Pending") },
		{ "sent_so_far", N_("Sent so far") },
		{ "delivered", N_("Delivered") },
		{ "read", N_("Read") }, { "failed", N_("Failed") },
		{ "cancelled", N_("Cancelled") },
		{ "interactions", N_("Replies") },
	};
	json_t		*m2 = json_object_get(c, "message_2_progress");
	json_t		*why = json_object_get(c, "cancelled_by");
	size_t		 i;

	if (c == NULL) {
		screen_put(y, 2, cols - 4, _("Loading\xe2\x80\xa6"), S_DIM, 0);
		return;
	}
	x = 2 + screen_put(y, 2, cols - 20, row_sn(c, "name"), S_BOLD, 0);
	screen_putf(y, x + 2, cols - x - 2, S_HEAD, "[%s]",
	    tui_status_name(row_sn(c, "status")));
	y += 2;
	/* Message 1 that left so far, over the audience; Message 2 apart. */
	tot = row_num(c, "total");
	done = row_num(c, "sent_so_far");
	screen_put(y, 2, 12, _("Progress"), 0, 0);
	screen_bar(y, 14, cols - 36 > 10 ? cols - 36 : 10, done, tot, S_OK);
	screen_putf(y, cols - 20, 20, 0, " %lld/%lld (%lld%%)", (long long)done,
	    (long long)tot, tot > 0 ? (long long)(done * 100 / tot) : 0LL);
	y += 2;
	for (i = 0, x = 2; i < sizeof counters / sizeof counters[0]; i++) {
		if (x + 20 > cols) {
			x = 2;
			y++;
		}
		screen_putf(y, x, 20, 0, _("%s: %lld"), _(counters[i][1]),
		    (long long)row_num(c, counters[i][0]));
		x += 20;
	}
	y++;
	/* Unknown: may have gone out; only the operator can settle them. */
	if (row_num(c, "unknown") > 0) {
		if (*draw_ago(age, sizeof age, json_object_get(c,
		    "unknown_oldest_at")))
			screen_putf(y, 2, cols - 4, S_WARN | S_BOLD,
			    _("Unknown: %lld (oldest %s ago): u to settle"),
			    (long long)row_num(c, "unknown"), age);
		else
			screen_putf(y, 2, cols - 4, S_WARN | S_BOLD,
			    _("Unknown: %lld: u to settle"),
			    (long long)row_num(c, "unknown"));
	} else
		screen_putf(y, 2, cols - 4, 0, _("%s: 0"), _("Unknown"));
	y++;
	if (row_num(c, "cancelled") > 0 && why != NULL)
		screen_putf(y++, 2, cols - 4, 0, _("Cancelled: %lld stopped, %lld "
		    "opted out, %lld erased"), (long long)row_num(why, "stop"),
		    (long long)row_num(why, "optout"), (long long)row_num(why,
		    "erased"));
	if (row_num(c, "suppressed") > 0)
		screen_putf(y++, 2, cols - 4, 0, _("Left out at launch: %lld "
		    "(messaged by another campaign recently)"),
		    (long long)row_num(c, "suppressed"));
	if (m2 != NULL && row_num(m2, "total") > 0)
		screen_putf(y++, 2, cols - 4, 0, _("Message 2: %lld queued, %lld "
		    "sent, %lld pending, %lld failed"), (long long)row_num(m2,
		    "total"), (long long)row_num(m2, "sent_so_far"),
		    (long long)(row_num(m2, "pending") + row_num(m2, "sending")),
		    (long long)row_num(m2, "failed"));
	y++;
	y = draw_categories_of(c, y);
	screen_put(y++, 2, cols - 4, _("Message 1"), S_BOLD, 0);
	m = row_sn(c, "message_1");
	y = draw_text(m ? m : "", y, 4);
	screen_put(y++, 2, cols - 4, _("Message 2"), S_BOLD, 0);
	m = row_sn(c, "message_2");
	y = draw_text(m ? m : _("(none)"), y, 3);
	y++;
	screen_putf(y, 2, cols - 4, S_DIM, "s %s  x %s  t %s  u %s  l %s  "
	    "e %s  D %s  T %s  d %s  q %s",
	    strcmp(row_str(c, "status"), "stopped") == 0 ?
	    _("resume") : _("send"), _("stop"), _("retry"), _("settle"),
	    _("relaunch"), _("edit"), _("duplicate"), _("test"), _("delete"),
	    _("back"));
}

static void
campaigns_draw(struct tui *t)
{
	if (t->campaign_id != 0)
		draw_campaign(t);
	else
		list_draw(t, &t->lists[V_CAMPAIGNS],
		    _("No campaigns. Press n to create one."));
}

static int
campaigns_back(struct tui *t)
{
	if (t->campaign_id == 0)
		return 0;
	t->campaign_id = 0;
	json_decref(t->campaign);
	t->campaign = NULL;
	return 1;
}

static int
campaigns_list_shown(struct tui *t)
{
	return t->campaign_id == 0;
}

const struct view view_campaigns = {
	.name = N_("Campaigns"),
	.keys = keys_campaigns,
	.list_cmd = "campaigns.list",
	.cols = campaign_cols,
	.list_y = 2,
	.enter = campaigns_enter,
	.draw = campaigns_draw,
	.key = campaigns_key,
	.event = campaigns_event,
	.back = campaigns_back,
	.list_shown = campaigns_list_shown,
};
