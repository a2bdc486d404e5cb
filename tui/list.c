#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conn.h"
#include "tui.h"
#include "xmalloc.h"

/*
 * The list widget: rows paged from the daemon by cursor, two pages held,
 * a selection, marks for multi-select, and its drawing.
 */

static void	list_fetch(struct tui *, struct tui_list *, size_t, int);

struct fetch {
	struct tui_list	*l;
	unsigned	 gen;
	size_t		 page;
	int		 second;
};

void
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
		if (tui_err_unknown(err))
			l->unavailable = 1;
		else
			snprintf(l->error, sizeof l->error, "%s",
			    tui_err_msg(err));
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
void
list_reload(struct tui *t, struct tui_list *l)
{
	list_reset(l);
	list_fetch(t, l, 0, 0);
}

/* Ask again for the pages shown, keeping the selection. */
void
list_refresh(struct tui *t, struct tui_list *l)
{
	if (!l->loaded)
		list_reload(t, l);
	else
		list_fetch(t, l, l->base / TUI_PAGE, 0);
}

static json_t *
list_row(struct tui_list *l, size_t i)
{
	if (i < l->base)
		return NULL;
	return json_array_get(l->rows, i - l->base);
}

json_t *
list_selected(struct tui_list *l)
{
	return list_row(l, l->sel);
}

/* Rows available for the list's body on the current terminal. */
static int
list_rows(struct tui_list *l)
{
	int	 n = screen_lines() - l->y - 2;

	return n > 1 ? n : 1;
}

/* Move the selection by DELTA rows (or to an end), fetching as needed. */
void
list_move(struct tui *t, struct tui_list *l, long delta, int to)
{
	size_t	 reach, rows = (size_t)list_rows(l), want;
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

int
list_key(struct tui *t, struct tui_list *l, int ch)
{
	long	 page = list_rows(l);

	switch (ch) {
	case KEY_FN | K_DOWN:
	case 'j':
		list_move(t, l, 1, 0);
		break;
	case KEY_FN | K_UP:
	case 'k':
		list_move(t, l, -1, 0);
		break;
	case KEY_FN | K_NPAGE:
	case CTRL('f'):
		list_move(t, l, page, 0);
		break;
	case KEY_FN | K_PPAGE:
	case CTRL('b'):
		list_move(t, l, -page, 0);
		break;
	case KEY_FN | K_HOME:
	case 'g':
		list_move(t, l, 0, -1);
		break;
	case KEY_FN | K_END:
	case 'G':
		list_move(t, l, 0, 1);
		break;
	default:
		return 0;
	}
	return 1;
}

/* Marks: ids chosen with Space for an action on several rows. */
static void
mark_key(char *buf, size_t len, json_int_t id)
{
	snprintf(buf, len, "%lld", (long long)id);
}

static int
list_marked(struct tui_list *l, json_int_t id)
{
	char	 k[32];

	if (l->marks == NULL)
		return 0;
	mark_key(k, sizeof k, id);
	return json_object_get(l->marks, k) != NULL;
}

void
list_mark(struct tui_list *l, json_int_t id)
{
	char	 k[32];

	if (l->marks == NULL)
		l->marks = json_object();
	mark_key(k, sizeof k, id);
	if (json_object_get(l->marks, k) != NULL)
		json_object_del(l->marks, k);
	else
		json_object_set_new(l->marks, k, json_integer(id));
}

size_t
list_nmarked(struct tui_list *l)
{
	return l->marks != NULL ? json_object_size(l->marks) : 0;
}

/* The marked ids as a JSON array (new reference), in id order. */
json_t *
list_marked_ids(struct tui_list *l)
{
	json_t		*a = json_array(), *v;
	const char	*k;
	json_int_t	 id, prev = 0, best;
	size_t		 i, n = list_nmarked(l);

	for (i = 0; i < n; i++) {
		best = -1;
		json_object_foreach(l->marks, k, v) {
			id = json_integer_value(v);
			if (id > prev && (best == -1 || id < best))
				best = id;
		}
		if (best == -1)
			break;
		json_array_append_new(a, json_integer(best));
		prev = best;
	}
	return a;
}

void
list_unmark_all(struct tui_list *l)
{
	if (l->marks != NULL)
		json_object_clear(l->marks);
}

static void
cell(int y, int x, int w, json_t *row, const struct tui_col *c, int a)
{
	json_t		*v;
	struct tui_col	 sub;
	const char	*dot;
	char		 k[32];

	/* "contact.name": the key of an object in the row. */
	if ((dot = strchr(c->key, '.')) != NULL &&
	    (size_t)(dot - c->key) < sizeof k) {
		snprintf(k, sizeof k, "%.*s", (int)(dot - c->key), c->key);
		row = json_object_get(row, k);
		sub = *c;
		sub.key = dot + 1;
		c = &sub;
	}
	v = json_object_get(row, c->key);
	char		 buf[512];
	json_int_t	 tot, done;
	int		 utf8 = screen_utf8();

	switch (c->kind) {
	case COL_INT:
		if (json_is_integer(v))
			snprintf(buf, sizeof buf, "%lld",
			    (long long)json_integer_value(v));
		else
			buf[0] = '\0';
		screen_put(y, x, w, buf, a, 1);
		break;
	case COL_NAME:
		snprintf(buf, sizeof buf, "%s %s", row_str(row, "first_name"),
		    row_str(row, "last_name"));
		screen_put(y, x, w, buf, a, 1);
		break;
	case COL_VERIFIED:
		if (json_is_true(v))
			screen_put(y, x, w, utf8 ? "\xe2\x9c\x93 WhatsApp" :
			    "+ WhatsApp", a | S_OK, 1);
		else if (json_is_false(v))
			screen_put(y, x, w, utf8 ? "\xe2\x9c\x97 " : "x ",
			    a | S_BAD, 1);
		else
			screen_put(y, x, w, "?", a | S_DIM, 1);
		break;
	case COL_FLAG:
		screen_put(y, x, w, json_is_true(v) || (json_is_integer(v) &&
		    json_integer_value(v)) ? _("STOP") : "", a | S_BAD | S_BOLD,
		    1);
		break;
	case COL_BOOL:
		screen_put(y, x, w, json_is_false(v) ? _("no") : _("yes"), a,
		    1);
		break;
	case COL_PROGRESS:
		/* What left so far: never moves back within a round. */
		tot = row_num(row, "total");
		done = row_num(row, "sent_so_far");
		screen_bar(y, x, w - 12 > 6 ? w - 12 : 6, done, tot, S_OK);
		snprintf(buf, sizeof buf, " %lld/%lld", (long long)done,
		    (long long)tot);
		screen_put(y, x + (w - 12 > 6 ? w - 12 : 6), 12, buf, a, 1);
		break;
	case COL_STATUS:
		screen_put(y, x, w, tui_status_name(json_string_value(v)), a,
		    1);
		break;
	case COL_COMMAND:
		screen_put(y, x, w, tui_cmd_text(json_string_value(v)), a, 1);
		break;
	case COL_OUT:
	case COL_REACHED:
		done = row_num(row, "delivered") + row_num(row, "read");
		if (c->kind == COL_OUT)
			done += row_num(row, "sent");
		snprintf(buf, sizeof buf, "%lld", (long long)done);
		screen_put(y, x, w, buf, a, 1);
		break;
	case COL_RATE:
		tot = row_num(row, "sent") + row_num(row, "delivered") +
		    row_num(row, "read");
		done = row_num(row, c->key);
		if (strcmp(c->key, "delivered") == 0)
			done += row_num(row, "read");
		draw_pct(buf, sizeof buf, done, tot);
		screen_put(y, x, w, buf, a, 1);
		break;
	case COL_COLOR:
		screen_put(y, x, w, row_str(row, c->key), a |
		    screen_color(row_str(row, "color")), 1);
		break;
	case COL_TIME:
		screen_put(y, x, w, draw_time(buf, sizeof buf, v), a, 1);
		break;
	default:
		if (json_is_string(v))
			screen_put(y, x, w, json_string_value(v), a, 1);
		else if (json_is_integer(v)) {
			snprintf(buf, sizeof buf, "%lld",
			    (long long)json_integer_value(v));
			screen_put(y, x, w, buf, a, 1);
		} else
			screen_put(y, x, w, "", a, 1);
		break;
	}
}

/* The list at its line L->Y: header, rows, selection, marks; WHAT when
 * empty. */
void
list_draw(struct tui *t, struct tui_list *l, const char *what)
{
	const struct tui_col	*c;
	json_t			*row;
	size_t			 i;
	int			 y, x, w, rows = list_rows(l), top = l->y;
	int			 cols = screen_cols(), a;

	(void)t;
	if (l->unavailable) {
		screen_put(top + 1, 2, cols - 4, _("Not available on this "
		    "daemon"), S_BOLD, 0);
		return;
	}
	if (l->error[0] != '\0')
		screen_put(screen_lines() - 2, 0, cols, l->error, S_BAD, 1);
	for (c = l->cols, x = 1; c->title != NULL && x < cols; c++) {
		w = c->width ? c->width : cols - x;
		screen_put(top, x, w, _(c->title), S_BOLD | S_UNDER | S_HEAD,
		    1);
		x += w + 1;
	}
	if (l->total == 0) {
		/* Nothing known is not "none": say why the list is empty. */
		screen_put(top + 2, 2, cols - 4, !T.connected ?
		    _("wacampd cannot be reached; trying again every second") :
		    l->loading ? _("Loading\xe2\x80\xa6") : what, S_DIM, 0);
		return;
	}
	for (i = l->top, y = top + 1; y < top + 1 + rows &&
	    (json_int_t)i < l->total; i++, y++) {
		a = i == l->sel ? S_REV : 0;
		if ((row = list_row(l, i)) == NULL) {
			screen_put(y, 1, cols - 2, "\xe2\x80\xa6", a | S_DIM, 1);
			continue;
		}
		if (a)
			screen_put(y, 0, cols, "", a, 1);
		if (list_marked(l, row_id(row)))
			screen_put(y, 0, 1, "*", a | S_BOLD | S_WARN, 0);
		for (c = l->cols, x = 1; c->title != NULL && x < cols; c++) {
			w = c->width ? c->width : cols - x;
			cell(y, x, w, row, c, a);
			x += w + 1;
		}
	}
}
