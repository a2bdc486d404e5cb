#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <jansson.h>

#include "conn.h"
#include "text.h"
#include "tui.h"
#include "xmalloc.h"

/*
 * The form widget: labelled fields, one line each, text areas of several
 * lines, fields filled from a picker; checked, then handed to the submit
 * function of the view that opened it.
 */

#define AREA_ROWS	3	/* lines a text area shows */

void
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
	tui_dirty();
}

struct tui_field *
form_add(struct tui_form *f, const char *label, const char *key, int flags,
    const char *value)
{
	struct tui_field	*fl = &f->f[f->n++];

	fl->label = label;
	fl->key = key;
	fl->flags = flags;
	if (value != NULL)
		snprintf(fl->value, sizeof fl->value, "%s", value);
	fl->cur = strlen(fl->value);
	return fl;
}

/* A field chosen in a picker of KIND: VALUE the ids, SHOWN their names. */
struct tui_field *
form_add_pick(struct tui_form *f, const char *label, const char *key,
    int flags, enum pick_kind kind, const char *value, const char *shown)
{
	struct tui_field	*fl;

	fl = form_add(f, label, key, flags | F_PICK, value);
	fl->pick = kind;
	if (shown != NULL)
		snprintf(fl->shown, sizeof fl->shown, "%s", shown);
	return fl;
}

void
form_set(struct tui_form *f, const char *key, const char *value)
{
	int	 i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->f[i].key, key) == 0) {
			snprintf(f->f[i].value, sizeof f->f[i].value, "%s",
			    value);
			f->f[i].cur = strlen(f->f[i].value);
		}
	tui_dirty();
}

const char *
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
	const char		*p;
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
	}
	f->error[0] = '\0';
	return 1;
}

/* "1, 2 3" or words into a JSON array (integers where numeric). */
json_t *
form_list(const char *s)
{
	json_t	*a = json_array();
	char	*dup = xstrdup(s), *tok, *save = NULL, *end;
	long long v;

	for (tok = strtok_r(dup, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		v = strtoll(tok, &end, 10);
		if (*end == '\0')
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

	(void)data;
	if (err != NULL) {
		if (!T.form.active)
			tui_flash(&T, 1, "%s", tui_err_msg(err));
		else if (tui_err_unknown(err))
			snprintf(T.form.error, sizeof T.form.error, "%s",
			    _("Not available on this daemon"));
		else
			snprintf(T.form.error, sizeof T.form.error, "%s",
			    tui_err_msg(err));
		tui_dirty();
		return;
	}
	T.form.active = 0;
	tui_flash(&T, 0, "%s", tui_done_text(what));
	tui_refresh_soon();
}

void
form_call(struct tui *t, const char *cmd, json_t *args)
{
	if (conn_call(t->conn, cmd, args, -1, form_reply, (void *)cmd) == -1)
		snprintf(t->form.error, sizeof t->form.error, "%s",
		    _("disconnected"));
	tui_dirty();
}

static void
form_submit(struct tui *t, struct tui_form *f)
{
	if (form_valid(f))
		f->submit(t, f);
}

void
form_key(struct tui *t, int ch)
{
	struct tui_form		*f = &t->form;
	struct tui_field	*fl = &f->f[f->cur];
	char			 mb[8];
	int			 n;

	switch (ch) {
	case KEY_FN | K_F(1):
		t->help = 1;
		goto out;
	case CTRL('s'):
		form_submit(t, f);
		goto out;
	case CTRL('e'):
		if (fl->flags & F_TEXT)
			editor_external(t, fl);
		else
			tui_flash(t, 1, "%s", _("Ctrl-E: only in a text area"));
		goto out;
	case CTRL('u'):
		fl->value[0] = fl->shown[0] = '\0';
		goto out;
	case ESC:
		if (t->need_login)
			confirm(t, tui_quit, 0, "%s", _("Quit wacamp?"));
		else
			f->active = 0;
		goto out;
	case KEY_FN | K_DOWN:
	case KEY_FN | K_UP:
		/* In a text area, between its lines first. */
		if ((fl->flags & F_TEXT) && editor_move(fl, ch))
			goto out;
		f->cur = (f->cur + (ch == (KEY_FN | K_DOWN) ? 1 : f->n - 1)) %
		    f->n;
		goto out;
	case '\t':
		f->cur = (f->cur + 1) % f->n;
		goto out;
	case KEY_FN | K_BTAB:
		f->cur = (f->cur + f->n - 1) % f->n;
		goto out;
	case KEY_FN | K_LEFT:
	case KEY_FN | K_RIGHT:
	case KEY_FN | K_HOME:
	case KEY_FN | K_END:
		if (!(fl->flags & F_PICK))
			editor_move(fl, ch);
		goto out;
	case KEY_FN | K_DC:
		if (fl->flags & F_PICK)
			fl->value[0] = fl->shown[0] = '\0';
		else
			editor_delete(fl);
		goto out;
	case '\r':
	case '\n':
		if (fl->flags & F_TEXT)
			editor_insert(fl, "\n", 1);
		else if (f->cur < f->n - 1)
			f->cur++;
		else
			form_submit(t, f);
		goto out;
	case KEY_FN | K_BACKSPACE:
	case 127:
	case CTRL('h'):
		if (fl->flags & F_PICK)
			fl->value[0] = fl->shown[0] = '\0';
		else
			editor_backspace(fl);
		goto out;
	}
	if (ch == ' ' && (fl->flags & F_PICK)) {
		picker_open_field(t, fl);
		goto out;
	}
	if ((ch & KEY_FN) || ch < 32 || ch == 127 || (fl->flags & F_PICK))
		goto out;
	n = wctomb(mb, (wchar_t)ch);
	if (n <= 0) {
		/* Not in this locale: keep it as UTF-8 anyway. */
		if (ch >= 0x80)
			goto out;
		mb[0] = (char)ch;
		n = 1;
	}
	editor_insert(fl, mb, (size_t)n);
out:
	tui_preview_schedule(t);
	tui_dirty();
}

/* Message 1 and 2 as one real contact will get them, in W columns. */
static void
draw_preview(struct tui *t, int y, int x, int w)
{
	json_t		*p = t->preview, *c;
	const char	*m;
	char		 who[300];
	int		 n;

	if (t->preview_error[0] != '\0') {
		screen_put(y, x, w, t->preview_error, S_REV | S_DIM, 0);
		return;
	}
	if (p == NULL)
		return;
	c = json_object_get(p, "contact");
	if (!json_is_object(c)) {
		screen_put(y, x, w, _("Preview: no contact to show it with."),
		    S_REV | S_DIM, 0);
		return;
	}
	snprintf(who, sizeof who, "%s %s, %s", row_str(c, "first_name"),
	    row_str(c, "last_name"), row_str(c, "phone"));
	n = screen_putf(y, x, w, S_REV | S_BOLD, "%s ", _("Preview for"));
	screen_put(y++, x + n, w - n, who, S_REV | S_BOLD, 0);
	n = screen_putf(y, x, w, S_REV, _("%s: "), _("Message 1"));
	m = row_str(p, "message_1");
	screen_put(y++, x + n, w - n, m, S_REV, 0);
	n = screen_putf(y, x, w, S_REV, _("%s: "), _("Message 2"));
	m = json_string_value(json_object_get(p, "message_2"));
	screen_put(y, x + n, w - n, m ? m : _("(none)"), S_REV, 0);
}

static int	area_rows = AREA_ROWS;	/* fewer on a short terminal */

static int
field_rows(struct tui_field *fl)
{
	return (fl->flags & F_TEXT) ? area_rows : 1;
}

void
form_draw(struct tui *t)
{
	struct tui_form		*f = &t->form;
	struct tui_field	*fl;
	int			 h = 5 + (f->preview ? 4 : 0), w = 76, y, x;
	int			 i, lw = 22, used, fy, a, elines, gap;
	int			 cy = -1, cx = 0, cols = screen_cols();
	char			 stars[256], line[512];
	const char		*v;
	size_t			 n;

	/* The form leaves the tab bar and the status line: at 80x24 a
	 * text area shows a line less, and a long form drops the blank
	 * lines between its fields before its text areas go below one. */
	for (gap = 1; gap >= 0; gap--) {
		for (area_rows = AREA_ROWS; area_rows > 1; area_rows--) {
			for (i = 0, n = 0; i < f->n; i++)
				n += (size_t)(field_rows(&f->f[i]) + gap);
			if (h + (int)n <= screen_lines() - 2)
				break;
		}
		if (h + (int)n <= screen_lines() - 2)
			break;
	}
	if (gap < 0)
		gap = 0;
	for (i = 0; i < f->n; i++)
		h += field_rows(&f->f[i]) + gap;
	if (w > cols - 2)
		w = cols - 2;
	/* An error is never cut: it takes the lines it needs. */
	for (elines = 0, v = f->error; *v != '\0' && elines < 6; elines++) {
		if ((n = text_fit(v, w - 4)) == 0)
			break;
		v += n;
	}
	if (elines > 1)
		h += elines - 1;
	/* Labels are whole, in French too: the column grows to the longest. */
	for (i = 0; i < f->n; i++)
		if (text_columns(_(f->f[i].label)) + 3 > lw)
			lw = text_columns(_(f->f[i].label)) + 3;
	if (lw > w / 2)
		lw = w / 2;
	y = (screen_lines() - h) / 2;
	x = (cols - w) / 2;
	screen_panel(y, x, h, w, _(f->title));
	for (i = 0, fy = y + 2; i < f->n; fy += field_rows(fl) + gap, i++) {
		fl = &f->f[i];
		v = fl->value;
		a = i == f->cur ? S_UNDER : S_UNDER | S_REV;
		screen_putf(fy, x + 2, lw, S_REV | (i == f->cur ? S_BOLD : 0),
		    "%s%s", _(fl->label), (fl->flags & F_REQUIRED) ? " *" :
		    "");
		if (fl->flags & F_TEXT) {
			editor_draw(fl, fy, x + 2 + lw, w - lw - 4, area_rows,
			    a, i == f->cur ? &cy : NULL, &cx);
			continue;
		}
		if (fl->flags & F_PICK)
			v = fl->shown[0] != '\0' ? fl->shown :
			    fl->value[0] != '\0' ? fl->value :
			    _("(Space: choose)");
		if (fl->flags & F_SECRET) {
			n = strlen(v) < sizeof stars - 1 ? strlen(v) :
			    sizeof stars - 1;
			memset(stars, '*', n);
			stars[n] = '\0';
			v = stars;
		}
		if (!(fl->flags & (F_PICK | F_SECRET))) {
			editor_draw(fl, fy, x + 2 + lw, w - lw - 4, 1, a,
			    i == f->cur ? &cy : NULL, &cx);
			continue;
		}
		used = screen_put(fy, x + 2 + lw, w - lw - 4, v, a, 1);
		if (i == f->cur) {
			cy = fy;
			cx = x + 2 + lw + used;
		}
	}
	if (f->preview)
		draw_preview(t, fy, x + 2, w - 4);
	for (i = 0, v = f->error; i < elines; i++) {
		n = text_fit(v, w - 4);
		snprintf(line, sizeof line, "%.*s", (int)n, v);
		screen_put(y + h - 1 - elines + i, x + 2, w - 4, line, S_REV |
		    S_BOLD | S_BAD, 0);
		v += n;
	}
	if (f->f[f->cur].flags & F_TEXT)
		screen_put(y + h - 1, x + 2, w - 4, _("Enter: new line  "
		    "Ctrl-S: submit  Ctrl-E: editor  Esc: cancel"),
		    S_REV | S_DIM, 0);
	else
		screen_put(y + h - 1, x + 2, w - 4, _("Enter: next/submit  "
		    "Tab: next field  Esc: cancel  F1: help"), S_REV | S_DIM, 0);
	screen_cursor(cy, cx);
}
