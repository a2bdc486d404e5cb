#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "client.h"
#include "conn.h"
#include "tui.h"

/*
 * Import: choose a file, see what the daemon recognises in it (nothing is
 * written), then import it; progress comes as jobs events.
 */

static const struct tui_key keys_import[] = {
	{ "o Enter", N_("choose a file and preview it") },
	{ "i", N_("import the file") },
	{ NULL, NULL }
};

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
	if (err != NULL && json_is_string(json_object_get(err, "message")) &&
	    strstr(json_string_value(json_object_get(err, "message")),
	    "passed as a descriptor") != NULL && preview_retries++ < 2) {
		import_preview(&T);
		return;
	}
	if (err != NULL) {
		if (!tui_err_unknown(err))
			tui_flash(&T, 1, _("%s: %s"), _("Preview"),
			    tui_err_msg(err));
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
		tui_flash(t, 1, _("%s: %s"), t->imp_path, strerror(errno));
		return;
	}
	for (i = 0; i < 6 && fgets(line, sizeof line, fp) != NULL; i++) {
		line[strcspn(line, "\r\n")] = '\0';
		t->imp_preview[i] = strdup(line);
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
		tui_flash(t, 1, "%s", _("disconnected"));
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
	(void)arg;
	T.imp_running = 0;
	if (err != NULL) {
		if (tui_err_unknown(err))
			T.imp_unavailable = 1;
		else
			tui_flash(&T, 1, _("%s: %s"), _("Import"),
			    tui_err_msg(err));
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

	(void)unused;
	/* The client opens the file; the daemon gets the descriptor. */
	if ((fd = open(t->imp_path, O_RDONLY | O_CLOEXEC)) == -1) {
		tui_flash(t, 1, _("%s: %s"), t->imp_path, strerror(errno));
		json_decref(args);
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
		tui_flash(t, 1, "%s", _("disconnected"));
	}
	tui_dirty();
}

static int
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
			tui_flash(t, 1, "%s", _("Choose a file first (o)"));
			return 1;
		}
		confirm(t, import_start, 0, _("Import %s?"), t->imp_path);
	} else
		return 0;
	return 1;
}

/* Progress only: the result is the reply to contacts.import. */
static int
import_event(struct tui *t, const char *name, json_t *data)
{
	if (strcmp(name, "import.progress") != 0)
		return 0;
	json_decref(t->imp_job);
	t->imp_job = json_deep_copy(data);
	return 1;
}

/* "{{ville}}, {{quartier}}" of the names in FIELDS (the columns an import
 * keeps) into BUF; how many. */
static size_t
fields_list(json_t *fields, char *buf, size_t len)
{
	json_t	*v;
	size_t	 k, o = 0;
	int	 w;

	*buf = '\0';
	json_array_foreach(fields, k, v) {
		w = snprintf(buf + o, len - o, "%s{{%s}}", k > 0 ? ", " : "",
		    json_string_value(v) != NULL ? json_string_value(v) : "");
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
	return json_array_size(fields);
}

/* The daemon's preview of an import: what it recognised and the first
 * rows as they will be stored. Returns the next line. */
static int
draw_import_preview(json_t *p, int y)
{
	int		 cols = screen_cols();
	json_t	*r;
	size_t	 k;
	char	 list[256];

	screen_putf(y++, 4, cols - 6, 0, _("%s: %s   %s: %s"), _("Layout"),
	    row_sn(p, "layout") ? row_sn(p, "layout") : "?", _("Encoding"),
	    row_sn(p, "encoding") ? row_sn(p, "encoding") : "?");
	screen_putf(y++, 4, cols - 6, S_DIM, _("%s: %s"), _("Columns"),
	    row_sn(p, "mapping") ? row_sn(p, "mapping") : "");
	if (fields_list(json_object_get(p, "fields"), list, sizeof list) > 0)
		screen_putf(y++, 4, cols - 6, S_DIM, _("%s: %s"),
		    _("Kept as fields"), list);
	json_array_foreach(json_object_get(p, "sample"), k, r)
		screen_putf(y++, 4, cols - 6, 0, "%-16s %-20s %-20s %s",
		    row_sn(r, "phone") ? row_sn(r, "phone") : "",
		    row_sn(r, "first_name") ? row_sn(r, "first_name") : "",
		    row_sn(r, "last_name") ? row_sn(r, "last_name") : "",
		    row_sn(r, "categories") ? row_sn(r, "categories") : "");
	screen_putf(y++, 4, cols - 6, S_DIM, _("%s: %lld  %s: %lld  %s: %lld  "
	    "%s: %lld"), _("New"), (long long)row_num(p, "imported"),
	    _("Updated"), (long long)row_num(p, "updated"), _("Duplicates"),
	    (long long)row_num(p, "duplicates"), _("Invalid"),
	    (long long)row_num(p, "invalid"));
	return y;
}

static void
draw_import(struct tui *t)
{
	int		 cols = screen_cols(), lines = screen_lines();
	json_t		*r = t->imp_result, *j = t->imp_job, *rej, *e;
	json_int_t	 done, all;
	int		 y = 2, i;
	size_t		 k;
	char		*why;

	if (t->imp_unavailable) {
		screen_put(y++, 2, cols - 4, _("Not available on this daemon"),
		    S_BOLD, 0);
		y++;
	}
	screen_putf(y++, 2, cols - 4, 0, _("%s: %s"), _("File"),
	    t->imp_path[0] ? t->imp_path : _("(none: press o)"));
	if (t->imp_path[0] != '\0') {
		screen_putf(y++, 2, cols - 4, 0, _("%s: %s   %s: %s"),
		    _("Category"), t->imp_category[0] ? t->imp_category : "-",
		    _("Default country code"), t->imp_country[0] ?
		    t->imp_country : "-");
		y++;
		screen_put(y++, 2, cols - 4, _("Preview"), S_BOLD | S_HEAD,
		    0);
		if (t->imp_pv != NULL)
			y = draw_import_preview(t->imp_pv, y);
		else
			for (i = 0; i < 6 && t->imp_preview[i] != NULL; i++)
				screen_put(y++, 4, cols - 6, t->imp_preview[i], 0, 0);
	}
	y++;
	if (t->imp_running && j != NULL) {
		done = row_num(j, "percent");
		all = 100;
		screen_put(y, 2, 12, _("Progress"), S_BOLD, 0);
		screen_bar(y, 14, cols - 40 > 10 ? cols - 40 : 10, done, all,
		    S_OK);
		screen_putf(y++, cols - 24, 24, 0, " %lld %s", (long long)row_num(j,
		    "rows"), row_sn(j, "phase") != NULL && strcmp(row_sn(j, "phase"),
		    "writing") == 0 ? _("rows, writing") : _("rows, reading"));
	}
	if (r == NULL)
		return;
	screen_putf(y++, 2, cols - 4, S_BOLD, _("%s: %lld  %s: %lld  %s: "
	    "%lld  %s: %lld"), _("Imported"), (long long)row_num(r, "imported"),
	    _("Updated"), (long long)row_num(r, "updated"),
	    _("Duplicates"), (long long)row_num(r, "duplicates"),
	    _("Invalid"), (long long)row_num(r, "invalid"));
	rej = json_object_get(r, "rejects");
	if (json_array_size(rej) > 0) {
		screen_put(y++, 2, cols - 4, _("Rejected lines"), S_BOLD |
		    S_BAD, 0);
		json_array_foreach(rej, k, e) {
			if (y >= lines - 2)
				break;
			/* The reason in the user's language, from its key. */
			why = client_msg_text(e, "reason");
			screen_putf(y++, 4, cols - 6, 0, _("%s %lld: %s"),
			    _("line"), (long long)row_num(e, "line"), why);
			free(why);
		}
	}
}

const struct view view_import = {
	.name = N_("Import"),
	.keys = keys_import,
	.draw = draw_import,
	.key = import_key,
	.event = import_event,
	.enter = NULL,
};
