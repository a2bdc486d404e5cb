#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "conn.h"
#include "tui.h"

/*
 * The picker widget: wherever an id is asked, a list to choose from.
 * Categories and campaigns come from the daemon with their names, counts
 * and colours; roles are a fixed list. Several categories may be chosen
 * (Space toggles), anything else is one choice (Enter).
 */

#define PICK_MAX	5000	/* items loaded at most */

static void	picker_fetch(struct tui *, json_t *);

static const char *
pick_cmd(enum pick_kind k)
{
	switch (k) {
	case PICK_CATEGORIES:
	case PICK_CATEGORY:
		return "categories.list";
	case PICK_CAMPAIGN:
		return "campaigns.list";
	case PICK_TEMPLATE:
		return "templates.list";
	default:
		return NULL;
	}
}

static const char *
pick_title(enum pick_kind k)
{
	switch (k) {
	case PICK_CATEGORIES:
		return N_("Choose categories");
	case PICK_CATEGORY:
		return N_("Choose a category");
	case PICK_CAMPAIGN:
		return N_("Choose a campaign");
	case PICK_ROLE:
		return N_("Choose a role");
	case PICK_COLOR:
		return N_("Choose a colour");
	case PICK_TEMPLATE:
		return N_("Choose a template");
	default:
		return N_("Choose");
	}
}

/* Items as {id, name, count?, color?} from a list reply's rows. */
static void
pick_add(struct tui_picker *p, json_t *items)
{
	json_t	*row, *it;
	size_t	 i;

	json_array_foreach(items, i, row) {
		it = json_pack("{s:O,s:s}", "id", json_object_get(row, "id"),
		    "name", row_str(row, "name"));
		if (json_is_integer(json_object_get(row, "contacts")))
			json_object_set(it, "count", json_object_get(row,
			    "contacts"));
		if (json_is_string(json_object_get(row, "color")))
			json_object_set(it, "color", json_object_get(row,
			    "color"));
		if (json_is_string(json_object_get(row, "status")))
			json_object_set(it, "status", json_object_get(row,
			    "status"));
		if (json_is_string(json_object_get(row, "body")))
			json_object_set(it, "body", json_object_get(row,
			    "body"));
		json_array_append_new(p->items, it);
	}
}

static void
picker_reply(json_t *data, json_t *err, void *arg)
{
	struct tui_picker	*p = &T.picker;
	json_t			*next, *items;

	if ((unsigned)(uintptr_t)arg != p->gen)
		return;
	if (err != NULL) {
		p->loading = 0;
		snprintf(p->error, sizeof p->error, "%s", tui_err_msg(err));
		tui_dirty();
		return;
	}
	if (json_is_array(items = json_object_get(data, "items")))
		pick_add(p, items);
	next = json_object_get(data, "next");
	if (next != NULL && !json_is_null(next) &&
	    json_array_size(p->items) < PICK_MAX)
		picker_fetch(&T, next);
	else
		p->loading = 0;
	tui_dirty();
}

/* Ask for the items after AFTER (NULL: from the start). */
static void
picker_fetch(struct tui *t, json_t *after)
{
	json_t	*args = json_pack("{s:i}", "limit", 500);

	if (after != NULL)
		json_object_set(args, "after", after);
	t->picker.loading = 1;
	if (conn_call(t->conn, pick_cmd(t->picker.kind), args, -1,
	    picker_reply, (void *)(uintptr_t)t->picker.gen) == -1) {
		t->picker.loading = 0;
		snprintf(t->picker.error, sizeof t->picker.error, "%s",
		    _("disconnected"));
	}
}

static void
picker_start(struct tui *t, enum pick_kind kind, int multi)
{
	static const char	*colors[] = { "none", "red", "green", "yellow",
				    "blue", "magenta", "cyan" };
	struct tui_picker	*p = &t->picker;
	size_t			 i;

	json_decref(p->items);
	json_decref(p->chosen);
	p->items = json_array();
	p->chosen = json_array();
	p->kind = kind;
	p->multi = multi;
	p->title = pick_title(kind);
	p->sel = p->top = 0;
	p->error[0] = '\0';
	p->active = 1;
	p->gen++;
	if (p->any)
		json_array_append_new(p->items, json_pack("{s:n,s:s}", "id",
		    "name", _("(any)")));
	if (kind == PICK_ROLE) {
		json_array_append_new(p->items, json_pack("{s:s,s:s}", "id",
		    "admin", "name", "admin"));
		json_array_append_new(p->items, json_pack("{s:s,s:s}", "id",
		    "super_admin", "name", "super_admin"));
	} else if (kind == PICK_ACTIVE) {
		json_array_append_new(p->items, json_pack("{s:s,s:s}", "id",
		    "yes", "name", _("enabled")));
		json_array_append_new(p->items, json_pack("{s:s,s:s}", "id",
		    "no", "name", _("disabled")));
	} else if (kind == PICK_COLOR) {
		for (i = 0; i < sizeof colors / sizeof colors[0]; i++)
			json_array_append_new(p->items, json_pack("{s:s,s:s,s:s}",
			    "id", colors[i], "name", colors[i], "color",
			    colors[i]));
	} else
		picker_fetch(t, NULL);
	tui_dirty();
}

/* A picker for form field FL: its kind, what it holds already. */
void
picker_open_field(struct tui *t, struct tui_field *fl)
{
	t->picker.any = 0;
	t->picker.done = NULL;
	picker_start(t, fl->pick, fl->pick == PICK_CATEGORIES);
	t->picker.field = fl;
	json_decref(t->picker.chosen);
	t->picker.chosen = form_list(fl->value);
}

/* A picker of one item that calls DONE with it (NULL for ANY). */
void
picker_open(struct tui *t, enum pick_kind kind, const char *title, int any,
    void (*done)(struct tui *, json_t *))
{
	t->picker.any = any;
	t->picker.done = done;
	t->picker.field = NULL;
	picker_start(t, kind, 0);
	if (title != NULL)
		t->picker.title = title;
}

static int
same_id(json_t *a, json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	if (json_is_string(a) && json_is_string(b))
		return strcmp(json_string_value(a), json_string_value(b)) == 0;
	return 0;
}

static int
picked(struct tui_picker *p, json_t *id)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(p->chosen, i, v)
		if (same_id(v, id))
			return 1;
	return 0;
}

static void
id_str(char *buf, size_t len, json_t *id)
{
	if (json_is_integer(id))
		snprintf(buf, len, "%lld", (long long)json_integer_value(id));
	else
		snprintf(buf, len, "%s", json_is_string(id) ?
		    json_string_value(id) : "");
}

/* The field shows the chosen items' names (and counts), holds their ids. */
static void
field_fill(struct tui_picker *p, struct tui_field *fl)
{
	json_t	*v, *c;
	size_t	 i, k, len;
	char	 one[300], id[64];

	fl->value[0] = fl->shown[0] = '\0';
	json_array_foreach(p->chosen, i, v) {
		id_str(id, sizeof id, v);
		len = strlen(fl->value);
		snprintf(fl->value + len, sizeof fl->value - len, "%s%s",
		    i > 0 ? ", " : "", id);
		snprintf(one, sizeof one, "#%s", id);
		json_array_foreach(p->items, k, c) {
			if (!same_id(json_object_get(c, "id"), v))
				continue;
			if (json_is_integer(json_object_get(c, "count")))
				snprintf(one, sizeof one, "%s (%lld)",
				    row_str(c, "name"), (long long)row_num(c,
				    "count"));
			else
				snprintf(one, sizeof one, "%s",
				    row_str(c, "name"));
		}
		len = strlen(fl->shown);
		snprintf(fl->shown + len, sizeof fl->shown - len, "%s%s",
		    i > 0 ? ", " : "", one);
	}
}

/* Add or drop the selected item (several), or choose it (one). */
static void
picker_choose(struct tui *t)
{
	struct tui_picker	*p = &t->picker;
	json_t			*row = json_array_get(p->items, p->sel);
	json_t			*id, *keep, *v;
	size_t			 i;
	int			 had = 0;

	if (row == NULL)
		return;
	id = json_object_get(row, "id");
	if (!p->multi) {
		p->active = 0;
		if (p->field != NULL) {
			json_array_clear(p->chosen);
			if (!json_is_null(id))
				json_array_append(p->chosen, id);
			field_fill(p, p->field);
			/* A template's text becomes Message 1, to edit. */
			if (p->kind == PICK_TEMPLATE)
				form_set(&t->form, "message_1", row_str(row,
				    "body"));
			tui_preview_schedule(t);
		} else if (p->done != NULL)
			p->done(t, json_is_null(id) ? NULL : row);
		return;
	}
	keep = json_array();
	json_array_foreach(p->chosen, i, v) {
		if (same_id(v, id))
			had = 1;
		else
			json_array_append(keep, v);
	}
	if (!had)
		json_array_append(keep, id);
	json_decref(p->chosen);
	p->chosen = keep;
	if (p->field != NULL)
		field_fill(p, p->field);
	tui_preview_schedule(t);
}

/* The picker's panel: rows between a title and a hint. */
static int
picker_height(void)
{
	int	 h = screen_lines() - 6;

	return h > 20 ? 20 : h < 6 ? 6 : h;
}

static int
picker_rows(void)
{
	return picker_height() - 4;
}

void
picker_key(struct tui *t, int ch)
{
	struct tui_picker	*p = &t->picker;
	size_t			 n = json_array_size(p->items);
	long			 s = (long)p->sel, rows = picker_rows();

	switch (ch) {
	case KEY_FN | K_DOWN:
	case 'j':
		s++;
		break;
	case KEY_FN | K_UP:
	case 'k':
		s--;
		break;
	case KEY_FN | K_NPAGE:
		s += rows;
		break;
	case KEY_FN | K_PPAGE:
		s -= rows;
		break;
	case KEY_FN | K_HOME:
	case 'g':
		s = 0;
		break;
	case KEY_FN | K_END:
	case 'G':
		s = (long)n - 1;
		break;
	case ' ':
		picker_choose(t);
		break;
	case '\r':
	case '\n':
		if (p->multi)
			p->active = 0;
		else
			picker_choose(t);
		break;
	case ESC:
	case 'q':
		p->active = 0;
		break;
	case KEY_FN | K_F(1):
	case '?':
		t->help = 1;
		break;
	}
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

/* The items with their counts, the chosen ones marked. */
void
picker_draw(struct tui *t)
{
	struct tui_picker	*p = &t->picker;
	json_t			*row;
	int			 h = picker_height(), w = 60, y, x, i, a;
	int			 cols = screen_cols();
	size_t			 k;
	char			 buf[400];

	if (w > cols - 2)
		w = cols - 2;
	y = (screen_lines() - h) / 2;
	x = (cols - w) / 2;
	screen_panel(y, x, h, w, _(p->title));
	if (p->error[0] != '\0')
		screen_put(y + 2, x + 2, w - 4, p->error, S_REV | S_BOLD |
		    S_BAD, 0);
	else if (json_array_size(p->items) == 0)
		screen_put(y + 2, x + 2, w - 4, p->loading ?
		    _("Loading\xe2\x80\xa6") : _("Nothing to choose."),
		    S_REV | S_DIM, 0);
	for (i = 0, k = p->top; i < h - 4 && k < json_array_size(p->items);
	    i++, k++) {
		row = json_array_get(p->items, k);
		a = k == p->sel ? S_BOLD : S_REV;
		if (p->multi)
			snprintf(buf, sizeof buf, "[%s] %s", picked(p,
			    json_object_get(row, "id")) ? "x" : " ",
			    row_str(row, "name"));
		else
			snprintf(buf, sizeof buf, "%s %s", k == p->sel ? ">" :
			    " ", row_str(row, "name"));
		screen_put(y + 2 + i, x + 2, w - 14, buf, a |
		    (k == p->sel ? 0 : screen_color(json_string_value(
		    json_object_get(row, "color")))), 1);
		if (json_is_integer(json_object_get(row, "count")))
			screen_putf(y + 2 + i, x + w - 12, 10, a, "%10lld",
			    (long long)row_num(row, "count"));
		else
			screen_put(y + 2 + i, x + w - 12, 10,
			    tui_status_name(json_string_value(json_object_get(
			    row, "status"))), a, 1);
	}
	screen_put(y + h - 1, x + 2, w - 4, p->multi ?
	    _("Space: choose  Enter: done  ?: help") :
	    _("Enter: choose  Esc: cancel  ?: help"), S_REV | S_DIM, 0);
}
