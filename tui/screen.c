#include <sys/ioctl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>
#include <jansson.h>

#include "text.h"
#include "tui.h"

/*
 * The only module that calls ncurses. screen_draw() paints the whole state
 * into the virtual screen and lets ncurses send what changed. Every string
 * goes through text_sanitize() first, so text from outside stays inert.
 */

enum {
	PAIR_OK = 1,
	PAIR_WARN,
	PAIR_BAD,
	PAIR_HEAD,
	PAIR_BAR,
};

/* Where the Statistics screen's campaign table starts. */
#define STATS_LIST_Y	12

static int	 colour;
static int	 utf8;

int
screen_init(void)
{
	const char	*nc = getenv("NO_COLOR");

	if (initscr() == NULL)
		return -1;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	utf8 = MB_CUR_MAX > 1;
	if (has_colors() && (nc == NULL || *nc == '\0')) {
		colour = 1;
		start_color();
		use_default_colors();
		init_pair(PAIR_OK, COLOR_GREEN, -1);
		init_pair(PAIR_WARN, COLOR_YELLOW, -1);
		init_pair(PAIR_BAD, COLOR_RED, -1);
		init_pair(PAIR_HEAD, COLOR_CYAN, -1);
		init_pair(PAIR_BAR, COLOR_WHITE, COLOR_BLUE);
	}
	return 0;
}

void
screen_end(void)
{
	endwin();
}

void
screen_resize(void)
{
	struct winsize	 ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

int
screen_key(int *ch)
{
	wint_t	 w;
	int	 r;

	r = wget_wch(stdscr, &w);
	if (r == ERR)
		return -1;
	*ch = (int)w;
	if (r == KEY_CODE_YES)
		return 1;
	/* Enter arrives as '\r' with nonl(). */
	return 0;
}

int
screen_list_rows(enum tui_view v)
{
	int	 top = v == V_STATS ? STATS_LIST_Y : 2;

	return LINES - top - 2 > 1 ? LINES - top - 2 : 1;
}

/* The picker's panel: rows of categories between a title and a hint. */
static int
picker_height(void)
{
	int	 h = LINES - 6;

	return h > 20 ? 20 : h < 6 ? 6 : h;
}

int
screen_picker_rows(void)
{
	return picker_height() - 4;
}

static attr_t
pair(int p)
{
	return colour ? COLOR_PAIR(p) : 0;
}

/* Decode one UTF-8 character from *S; invalid bytes give U+FFFD. */
static wchar_t
utf8_next(const char **s)
{
	const unsigned char	*p = (const unsigned char *)*s;
	wchar_t			 c;
	int			 n, i;

	if (p[0] < 0x80) {
		*s += 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		c = p[0] & 0x1f;
		n = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		c = p[0] & 0x0f;
		n = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		c = p[0] & 0x07;
		n = 3;
	} else {
		*s += 1;
		return 0xfffd;
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += i;
			return 0xfffd;
		}
		c = (c << 6) | (p[i] & 0x3f);
	}
	*s += n + 1;
	return c;
}

/*
 * Draw S at Y, X in at most W columns (wide characters counted by their
 * width) and pad to W with spaces when PAD. Returns the columns used.
 */
static int
put(int y, int x, int w, const char *s, attr_t a, int pad)
{
	wchar_t	 buf[512];
	char	*safe;
	const char *p;
	int	 used = 0, cw, n = 0;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	safe = text_sanitize(s != NULL ? s : "");
	for (p = safe; *p != '\0' && n < (int)(sizeof buf / sizeof buf[0]) -
	    1;) {
		wchar_t	 c = utf8_next(&p);

		if (!utf8 && c >= 0x80)
			c = '?';
		cw = wcwidth(c);
		if (cw < 0)
			cw = 1;
		if (used + cw > w)
			break;
		buf[n++] = c;
		used += cw;
	}
	buf[n] = L'\0';
	free(safe);
	attron(a);
	mvaddnwstr(y, x, buf, n);
	if (pad)
		for (; used < w; used++)
			mvaddch(y, x + used, ' ');
	attroff(a);
	return used;
}

static int
putf(int y, int x, int w, attr_t a, const char *fmt, ...)
    __attribute__((__format__(__printf__, 5, 6)));

static int
putf(int y, int x, int w, attr_t a, const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return put(y, x, w, buf, a, 0);
}

static json_int_t
num(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (json_int_t)json_real_value(v);
	return 0;
}

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* How long ago unix time WHEN was ("12m", "3h05m"), "" when it is not one. */
static const char *
ago(char *buf, size_t len, json_t *when)
{
	long long	 s;

	buf[0] = '\0';
	if (!json_is_integer(when))
		return buf;
	s = (long long)time(NULL) - (long long)json_integer_value(when);
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, _("%llds"), s);
	else if (s < 3600)
		snprintf(buf, len, _("%lldm"), s / 60);
	else if (s < 86400)
		snprintf(buf, len, _("%lldh%02lldm"), s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, _("%lldd%02lldh"), s / 86400,
		    s % 86400 / 3600);
	return buf;
}

static attr_t
level_attr(const char *level)
{
	if (level == NULL || strcmp(level, "ok") == 0)
		return pair(PAIR_OK) | A_BOLD;
	if (strcmp(level, "attention") == 0)
		return pair(PAIR_WARN) | A_BOLD;
	return pair(PAIR_BAD) | A_BOLD | (colour ? 0 : A_REVERSE);
}

/* A bar of W columns, DONE of ALL filled. */
static void
bar(int y, int x, int w, json_int_t done, json_int_t all, attr_t a)
{
	int	 fill, i;

	if (w < 3)
		return;
	fill = all > 0 ? (int)((double)(w - 2) * (double)done / (double)all) :
	    0;
	if (fill > w - 2)
		fill = w - 2;
	if (fill < 0)
		fill = 0;
	mvaddch(y, x, '[');
	attron(a);
	for (i = 0; i < fill; i++)
		put(y, x + 1 + i, 1, utf8 ? "\xe2\x96\x88" : "#", a, 0);
	attroff(a);
	for (; i < w - 2; i++)
		put(y, x + 1 + i, 1, utf8 ? "\xe2\x96\x91" : ".", 0, 0);
	mvaddch(y, x + w - 1, ']');
}

static void
draw_top(struct tui *t)
{
	char	 buf[64];
	int	 x = 0, v, w;
	attr_t	 bara = pair(PAIR_BAR) | (colour ? 0 : A_REVERSE);

	put(0, 0, COLS, "", bara, 1);
	x += put(0, 0, COLS, " wacamp ", bara | A_BOLD, 0);
	/* When the names do not fit, only the current one is spelled out. */
	for (v = 0, w = x; v < V_NVIEWS; v++)
		w += 4 + (int)mbstowcs(NULL, tui_view_name(v), 0);
	for (v = 0; v < V_NVIEWS && x < COLS; v++) {
		if (w > COLS && v != (int)t->view)
			snprintf(buf, sizeof buf, " %d ", v + 1);
		else
			snprintf(buf, sizeof buf, " %d %s ", v + 1,
			    tui_view_name(v));
		x += put(0, x, COLS - x, buf, v == (int)t->view ?
		    (A_REVERSE | A_BOLD) : bara, 0);
	}
	if (!t->connected) {
		w = (int)strlen(_("disconnected")) + 2;
		putf(0, COLS - w > 0 ? COLS - w : 0, w, pair(PAIR_BAD) |
		    A_BOLD | A_REVERSE, " %s ", _("disconnected"));
	}
}

static void
draw_status(struct tui *t)
{
	char	 right[160];
	int	 y = LINES - 1, w;

	put(y, 0, COLS, "", A_REVERSE, 1);
	if (!t->connected)
		snprintf(right, sizeof right, " %s ",
		    _("disconnected: reconnecting every second"));
	else
		snprintf(right, sizeof right, " %s@%s ", t->user[0] ? t->user :
		    "-", t->provider);
	w = (int)strlen(right);
	if (w > COLS / 2)
		w = COLS / 2;
	if (t->flash[0] != '\0')
		put(y, 0, COLS - w, t->flash, (t->flash_err ? pair(PAIR_BAD) |
		    A_BOLD : 0) | A_REVERSE, 0);
	else
		putf(y, 0, COLS - w, A_REVERSE, " %s  %s  %s",
		    _("? help"), _("Tab screens"), _("q quit"));
	put(y, COLS - w, w, right, A_REVERSE | (!t->connected ?
	    pair(PAIR_BAD) | A_BOLD : 0), 0);
}

/*
 * Whether events can arrive at all (DESIGN §7): the webhook and the plan,
 * in words, only when something is wrong or not known. Returns the next
 * line.
 */
static int
draw_webhook_health(json_t *s, int y)
{
	json_t		*wh = json_object_get(s, "webhook");
	json_t		*plan = json_object_get(s, "plan");
	const char	*state = str(wh, "state"), *st = str(wh, "status");

	if (state != NULL && strcmp(state, "missing") == 0)
		put(y++, 2, COLS - 4, _("Webhook missing: run wacamp webhook "
		    "register https://your-host"), pair(PAIR_BAD) | A_BOLD, 0);
	else if (state != NULL && strcmp(state, "inactive") == 0)
		putf(y++, 2, COLS - 4, pair(PAIR_BAD) | A_BOLD,
		    _("Webhook inactive (Wassenger: %s): run wacamp webhook "
		    "register https://your-host"), st != NULL ? st : "?");
	else if (state != NULL && strcmp(state, "unknown") == 0)
		put(y++, 2, COLS - 4, _("Webhook unknown: not checked yet, or "
		    "Wassenger's list could not be read"), pair(PAIR_WARN), 0);
	if (plan == NULL)
		return y;
	if (json_is_null(json_object_get(plan, "code")))
		put(y++, 2, COLS - 4, _("Plan unknown"), pair(PAIR_WARN), 0);
	if (json_is_false(json_object_get(plan, "acks")))
		put(y++, 2, COLS - 4, _("Plan carries no acks: delivered/read "
		    "will stay empty"), pair(PAIR_WARN), 0);
	if (json_is_false(json_object_get(plan, "replies")))
		put(y++, 2, COLS - 4, _("Plan carries no replies: replies and "
		    "STOP will not arrive"), pair(PAIR_WARN), 0);
	if (json_is_false(json_object_get(plan, "reactions")))
		put(y++, 2, COLS - 4, _("Plan carries no reactions: reactions "
		    "will not trigger Message 2"), pair(PAIR_WARN), 0);
	return y;
}

static void
draw_dash(struct tui *t)
{
	json_t		*s = t->stats, *c, *lanes;
	const char	*level, *name;
	json_int_t	 sent, limit, max, v;
	size_t		 i, n;
	int		 y = 2, x, w, h, r, bottom = LINES - 2;
	char		 buf[128];

	if (s == NULL) {
		put(y, 2, COLS - 4, t->stats_unavailable ?
		    _("Statistics are not available on this daemon.") :
		    _("Loading\xe2\x80\xa6"), 0, 0);
		return;
	}
	level = str(s, "level");
	sent = num(s, "sent_today");
	limit = num(s, "daily_limit");
	x = 2 + put(y, 2, 24, _("Today's usage"), A_BOLD, 0) + 2;
	w = COLS - x - 34;
	if (w > 50)
		w = 50;
	if (w >= 10) {
		bar(y, x, w, sent, limit, level_attr(level));
		x += w + 2;
	}
	x += putf(y, x, COLS - x, 0, "%lld / %lld (%lld%%)  ",
	    (long long)sent, (long long)limit,
	    limit > 0 ? (long long)(sent * 100 / limit) : 0LL);
	putf(y, x, COLS - x, level_attr(level), "%s",
	    tui_level_name(level));
	y += 2;
	putf(y++, 2, COLS - 4, 0, "%s: %-8lld %s: %-8lld %s: %lld",
	    _("Message 1"), (long long)num(s, "message_1"),
	    _("Message 2"), (long long)num(s, "message_2"),
	    _("Errors"), (long long)num(s, "failed"));
	putf(y++, 2, COLS - 4, 0, "%s: %-8lld %s: %-8lld %s: %lld",
	    _("Delivered"), (long long)num(s, "delivered"),
	    _("Read"), (long long)num(s, "read"),
	    _("Interactions"), (long long)num(s, "interactions"));
	x = 2 + putf(y, 2, COLS - 4, 0, "%s: %-8lld %s: %.1f%% ",
	    _("Remaining capacity"), (long long)num(s, "capacity"),
	    _("Error rate"), json_number_value(json_object_get(s,
	    "error_rate")) * 100);
	if (json_is_true(json_object_get(s, "error_alert")))
		put(y, x, COLS - x, _("ALERT"), pair(PAIR_BAD) | A_BOLD |
		    A_REVERSE, 0);
	y++;
	/* Sends that may have gone out wait for the operator (DESIGN §6). */
	c = json_object_get(s, "unknown");
	if (num(c, "count") > 0) {
		if (*ago(buf, sizeof buf, json_object_get(c, "oldest_at")))
			putf(y++, 2, COLS - 4, pair(PAIR_WARN) | A_BOLD,
			    _("Unknown: %lld message(s), oldest %s ago: "
			    "settle them (Campaigns, u)"),
			    (long long)num(c, "count"), buf);
		else
			putf(y++, 2, COLS - 4, pair(PAIR_WARN) | A_BOLD,
			    _("Unknown: %lld message(s): settle them "
			    "(Campaigns, u)"), (long long)num(c, "count"));
	}
	putf(y++, 2, COLS - 4, 0, "%s: %s    %s: %s",
	    _("Provider"), str(s, "provider") ? str(s, "provider") :
	    t->provider, _("Time zone"), str(s, "timezone") ?
	    str(s, "timezone") : "-");
	if ((name = str(s, "provider")) != NULL && strcmp(name, "simulator") ==
	    0)
		put(y++, 2, COLS - 4, _("Simulator: nothing is sent to "
		    "WhatsApp."), pair(PAIR_WARN), 0);
	else
		y = draw_webhook_health(s, y);
	lanes = json_object_get(s, "lanes");
	if (json_is_array(lanes) && json_array_size(lanes) > 0) {
		x = 2 + put(y, 2, COLS - 4, _("Lanes:"), A_BOLD, 0) + 1;
		json_array_foreach(lanes, i, c) {
			snprintf(buf, sizeof buf, "%s %s  ",
			    str(c, "device") ? str(c, "device") :
			    str(c, "id") ? str(c, "id") : "-",
			    str(c, "state") ? str(c, "state") :
			    str(c, "status") ? str(c, "status") : "");
			x += put(y, x, COLS - x, buf, 0, 0);
		}
		y++;
	}
	y++;
	put(y++, 2, COLS - 4, _("Running campaigns"), A_BOLD |
	    pair(PAIR_HEAD), 0);
	c = json_object_get(s, "campaigns");
	if (!json_is_array(c) || json_array_size(c) == 0)
		put(y++, 4, COLS - 6, _("No running campaigns."), A_DIM, 0);
	else {
		n = json_array_size(c);
		for (i = 0; i < n && y < bottom - 1; i++) {
			json_t		*cp = json_array_get(c, i);
			json_int_t	 tot = num(cp, "total");
			json_int_t	 done = num(cp, "sent_so_far");
			json_int_t	 eta = json_object_get(cp, "eta") ?
					    num(cp, "eta") :
					    num(cp, "eta_seconds");

			x = 4 + put(y, 4, 22, str(cp, "name"), 0, 1) + 1;
			x = 27;
			bar(y, x, 24, done, tot, pair(PAIR_OK));
			x += 25;
			if (eta > 0)
				snprintf(buf, sizeof buf, "%lld/%lld  %s %lldh%02lldm",
				    (long long)done, (long long)tot, _("ETA"),
				    (long long)(eta / 3600),
				    (long long)(eta % 3600 / 60));
			else
				snprintf(buf, sizeof buf, "%lld/%lld",
				    (long long)done, (long long)tot);
			put(y++, x, COLS - x, buf, 0, 0);
		}
	}
	/* The 30-day chart, when the daemon keeps history. */
	if (!json_is_array(t->history) || json_array_size(t->history) == 0)
		return;
	h = bottom - y - 3;
	if (h < 3)
		return;
	if (h > 10)
		h = 10;
	y++;
	put(y++, 2, COLS - 4, _("Sends, last 30 days"), A_BOLD |
	    pair(PAIR_HEAD), 0);
	max = 1;
	n = json_array_size(t->history);
	if (n > 30)
		n = 30;
	for (i = 0; i < n; i++)
		if ((v = num(json_array_get(t->history, i), "sent")) > max)
			max = v;
	for (i = 0; i < n; i++) {
		v = num(json_array_get(t->history, i), "sent");
		x = 4 + (int)i * 2;
		if (x + 1 >= COLS)
			break;
		for (r = 0; r < h; r++)
			if (v > 0 && (json_int_t)(h - r) * max <=
			    (json_int_t)h * v + max - 1)
				put(y + r, x, 1, utf8 ? "\xe2\x96\x88" : "#",
				    pair(PAIR_OK), 0);
	}
	putf(y, 4 + 61, COLS - 65, A_DIM, "%s %lld", _("max"),
	    (long long)max);
}

/* "12.5%" for PART of ALL, "-" when ALL is 0. */
static void
pct(char *buf, size_t len, json_int_t part, json_int_t all)
{
	if (all <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100.0 * (double)part /
		    (double)all);
}

static void
cell(int y, int x, int w, json_t *row, const struct tui_col *c, attr_t a)
{
	json_t		*v = json_object_get(row, c->key);
	char		 buf[512];
	json_int_t	 tot, done;

	switch (c->kind) {
	case COL_INT:
		if (json_is_integer(v))
			snprintf(buf, sizeof buf, "%lld",
			    (long long)json_integer_value(v));
		else
			buf[0] = '\0';
		put(y, x, w, buf, a, 1);
		break;
	case COL_NAME:
		snprintf(buf, sizeof buf, "%s %s", str(row, "first_name") ?
		    str(row, "first_name") : "", str(row, "last_name") ?
		    str(row, "last_name") : "");
		put(y, x, w, buf, a, 1);
		break;
	case COL_VERIFIED:
		if (json_is_true(v))
			put(y, x, w, utf8 ? "\xe2\x9c\x93 WhatsApp" :
			    "+ WhatsApp", a | pair(PAIR_OK), 1);
		else if (json_is_false(v))
			put(y, x, w, utf8 ? "\xe2\x9c\x97 " : "x ",
			    a | pair(PAIR_BAD), 1);
		else
			put(y, x, w, "?", a | A_DIM, 1);
		break;
	case COL_FLAG:
		put(y, x, w, json_is_true(v) || (json_is_integer(v) &&
		    json_integer_value(v)) ? _("STOP") : "", a |
		    pair(PAIR_BAD) | A_BOLD, 1);
		break;
	case COL_PROGRESS:
		/* What left so far: never moves back within a round. */
		tot = num(row, "total");
		done = num(row, "sent_so_far");
		bar(y, x, w - 12 > 6 ? w - 12 : 6, done, tot, pair(PAIR_OK));
		snprintf(buf, sizeof buf, " %lld/%lld", (long long)done,
		    (long long)tot);
		put(y, x + (w - 12 > 6 ? w - 12 : 6), 12, buf, a, 1);
		break;
	case COL_STATUS:
		put(y, x, w, tui_status_name(json_string_value(v)), a, 1);
		break;
	case COL_OUT:
	case COL_REACHED:
		done = num(row, "delivered") + num(row, "read");
		if (c->kind == COL_OUT)
			done += num(row, "sent");
		snprintf(buf, sizeof buf, "%lld", (long long)done);
		put(y, x, w, buf, a, 1);
		break;
	case COL_RATE:
		tot = num(row, "sent") + num(row, "delivered") + num(row, "read");
		done = num(row, c->key);
		if (strcmp(c->key, "delivered") == 0)
			done += num(row, "read");
		pct(buf, sizeof buf, done, tot);
		put(y, x, w, buf, a, 1);
		break;
	default:
		if (json_is_string(v))
			put(y, x, w, json_string_value(v), a, 1);
		else if (json_is_integer(v)) {
			snprintf(buf, sizeof buf, "%lld",
			    (long long)json_integer_value(v));
			put(y, x, w, buf, a, 1);
		} else
			put(y, x, w, "", a, 1);
		break;
	}
}

static void
draw_list_at(struct tui *t, struct tui_list *l, const char *what, int top)
{
	const struct tui_col	*c;
	json_t			*row;
	size_t			 i;
	int			 y, x, w, rows = screen_list_rows(t->view);
	attr_t			 a;

	if (l->unavailable) {
		putf(top + 1, 2, COLS - 4, A_BOLD, _("Not available: this daemon "
		    "does not know %s yet."), l->cmd);
		return;
	}
	if (l->error[0] != '\0')
		put(LINES - 2, 0, COLS, l->error, pair(PAIR_BAD), 1);
	for (c = l->cols, x = 1; c->title != NULL && x < COLS; c++) {
		w = c->width ? c->width : COLS - x;
		put(top, x, w, _(c->title), A_BOLD | A_UNDERLINE |
		    pair(PAIR_HEAD), 1);
		x += w + 1;
	}
	if (l->total == 0) {
		put(top + 2, 2, COLS - 4, l->loading ? _("Loading\xe2\x80\xa6") :
		    what, A_DIM, 0);
		return;
	}
	for (i = l->top, y = top + 1; y < top + 1 + rows &&
	    (json_int_t)i < l->total;
	    i++, y++) {
		a = i == l->sel ? A_REVERSE : 0;
		if ((row = tui_list_row(l, i)) == NULL) {
			put(y, 1, COLS - 2, "\xe2\x80\xa6", a | A_DIM, 1);
			continue;
		}
		if (a)
			put(y, 0, COLS, "", a, 1);
		for (c = l->cols, x = 1; c->title != NULL && x < COLS; c++) {
			w = c->width ? c->width : COLS - x;
			cell(y, x, w, row, c, a);
			x += w + 1;
		}
	}
}

/* Counts and rates of one period (today, or summed history). */
static int
stats_block(int y, const char *title, json_int_t sent, json_int_t m1,
    json_int_t m2, json_int_t failed, json_int_t delivered, json_int_t rd,
    json_int_t inter)
{
	char	 r1[16], r2[16], r3[16], r4[16];

	put(y++, 2, COLS - 4, title, A_BOLD | pair(PAIR_HEAD), 0);
	pct(r1, sizeof r1, delivered, sent);
	pct(r2, sizeof r2, rd, sent);
	pct(r3, sizeof r3, inter, m1);
	pct(r4, sizeof r4, failed, sent);
	putf(y++, 4, COLS - 6, 0, "%s: %-7lld %s: %-7lld %s: %-7lld "
	    "%s: %lld (%s)", _("Sent"), (long long)sent, _("Message 1"),
	    (long long)m1, _("Message 2"), (long long)m2, _("Failed"),
	    (long long)failed, r4);
	putf(y++, 4, COLS - 6, 0, "%s: %lld (%s)  %s: %lld (%s)  "
	    "%s: %lld (%s)", _("Delivered"), (long long)delivered, r1,
	    _("Read"), (long long)rd, r2, _("Replies"), (long long)inter, r3);
	return y;
}

/*
 * Statistics: today and the last 30 days from the daemon's daily figures,
 * messages by status over the campaigns held, and a table per campaign.
 */
static void
draw_stats(struct tui *t)
{
	static const char *states[][2] = {
		{ "pending", N_("pending") }, { "sending", N_("sending") },
		{ "sent", N_("sent") }, { "delivered", N_("delivered") },
		{ "read", N_("read") }, { "failed", N_("failed") },
		{ "unknown", N_("unknown") }, { "cancelled", N_("cancelled") },
	};
	struct tui_list	*l = &t->lists[V_STATS];
	json_t		*s = t->stats, *h = t->history, *d, *row;
	json_int_t	 sum[7] = { 0 }, by[8] = { 0 };
	static const char *keys[7] = { "sent", "message_1", "message_2",
	    "failed", "delivered", "read", "interactions" };
	size_t		 i, k, held;
	int		 y = 2, x;
	char		 buf[64];

	if (s == NULL) {
		put(y, 2, COLS - 4, t->stats_unavailable ?
		    _("Statistics are not available on this daemon.") :
		    _("Loading\xe2\x80\xa6"), 0, 0);
		return;
	}
	snprintf(buf, sizeof buf, "%s (%s)", _("Today"), str(s, "day") ?
	    str(s, "day") : "-");
	y = stats_block(y, buf, num(s, "sent_today"), num(s, "message_1"),
	    num(s, "message_2"), num(s, "failed"), num(s, "delivered"),
	    num(s, "read"), num(s, "interactions"));
	json_array_foreach(h, i, d)
		for (k = 0; k < 7; k++)
			sum[k] += num(d, keys[k]);
	y = stats_block(y, _("Last 30 days"), sum[0], sum[1], sum[2], sum[3],
	    sum[4], sum[5], sum[6]);
	held = json_array_size(l->rows);
	json_array_foreach(l->rows, i, row)
		for (k = 0; k < 8; k++)
			by[k] += num(row, states[k][0]);
	putf(y++, 2, COLS - 4, A_BOLD | pair(PAIR_HEAD), _("Messages by "
	    "status, %zu of %lld campaigns"), held, (long long)l->total);
	for (k = 0, x = 4; k < 8; k++) {
		snprintf(buf, sizeof buf, "%s: %lld  ", _(states[k][1]),
		    (long long)by[k]);
		if (x + (int)mbstowcs(NULL, buf, 0) > COLS && x > 4) {
			x = 4;
			y++;
		}
		x += put(y, x, COLS - x, buf, 0, 0);
	}
	draw_list_at(t, l, _("No campaigns."), STATS_LIST_Y);
}

static void
draw_list(struct tui *t, struct tui_list *l, const char *what)
{
	draw_list_at(t, l, what, 2);
}

static void
draw_contacts(struct tui *t)
{
	struct tui_list	*l = &t->lists[V_CONTACTS];
	static const char *vf[] = { N_("any"), N_("yes"), N_("no"),
	    N_("unknown") };
	static const char *of[] = { N_("any"), N_("yes"), N_("no") };

	putf(1, 1, COLS - 2, 0, "%s: %s  %s: %s  %s: %s  %s: %s   %lld/%lld%s",
	    _("Search"), t->search[0] ? t->search : "-",
	    _("Category"), t->search_cat[0] ? t->search_cat : "-",
	    _("Verified"), _(vf[t->verified_filter]),
	    _("Opted out"), _(of[t->optout_filter]),
	    (long long)(l->total ? l->sel + 1 : 0), (long long)l->total,
	    l->capped ? "+" : "");
	draw_list(t, l, _("No contacts."));
}

static void
draw_campaign(struct tui *t)
{
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
		put(y, 2, COLS - 4, _("Loading\xe2\x80\xa6"), A_DIM, 0);
		return;
	}
	x = 2 + put(y, 2, COLS - 20, str(c, "name"), A_BOLD, 0);
	putf(y, x + 2, COLS - x - 2, pair(PAIR_HEAD), "[%s]",
	    tui_status_name(str(c, "status")));
	y += 2;
	/* Message 1 that left so far, over the audience; Message 2 apart. */
	tot = num(c, "total");
	done = num(c, "sent_so_far");
	put(y, 2, 12, _("Progress"), 0, 0);
	bar(y, 14, COLS - 36 > 10 ? COLS - 36 : 10, done, tot, pair(PAIR_OK));
	putf(y, COLS - 20, 20, 0, " %lld/%lld (%lld%%)", (long long)done,
	    (long long)tot, tot > 0 ? (long long)(done * 100 / tot) : 0LL);
	y += 2;
	for (i = 0, x = 2; i < sizeof counters / sizeof counters[0]; i++) {
		if (x + 20 > COLS) {
			x = 2;
			y++;
		}
		putf(y, x, 20, 0, "%s: %lld", _(counters[i][1]),
		    (long long)num(c, counters[i][0]));
		x += 20;
	}
	y++;
	/* Unknown: may have gone out; only the operator can settle them. */
	if (num(c, "unknown") > 0) {
		if (*ago(age, sizeof age, json_object_get(c,
		    "unknown_oldest_at")))
			putf(y, 2, COLS - 4, pair(PAIR_WARN) | A_BOLD,
			    _("Unknown: %lld (oldest %s ago): u to settle"),
			    (long long)num(c, "unknown"), age);
		else
			putf(y, 2, COLS - 4, pair(PAIR_WARN) | A_BOLD,
			    _("Unknown: %lld: u to settle"),
			    (long long)num(c, "unknown"));
	} else
		putf(y, 2, COLS - 4, 0, "%s: 0", _("Unknown"));
	y++;
	if (num(c, "cancelled") > 0 && why != NULL)
		putf(y++, 2, COLS - 4, 0, _("Cancelled: %lld stopped, %lld "
		    "opted out, %lld erased"), (long long)num(why, "stop"),
		    (long long)num(why, "optout"), (long long)num(why,
		    "erased"));
	if (num(c, "suppressed") > 0)
		putf(y++, 2, COLS - 4, 0, _("Left out at launch: %lld "
		    "(messaged by another campaign recently)"),
		    (long long)num(c, "suppressed"));
	if (m2 != NULL && num(m2, "total") > 0)
		putf(y++, 2, COLS - 4, 0, _("Message 2: %lld queued, %lld "
		    "sent, %lld pending, %lld failed"), (long long)num(m2,
		    "total"), (long long)num(m2, "sent_so_far"),
		    (long long)(num(m2, "pending") + num(m2, "sending")),
		    (long long)num(m2, "failed"));
	y++;
	put(y++, 2, COLS - 4, _("Message 1"), A_BOLD, 0);
	m = str(c, "message_1");
	put(y++, 4, COLS - 6, m ? m : "", 0, 0);
	put(y++, 2, COLS - 4, _("Message 2"), A_BOLD, 0);
	m = str(c, "message_2");
	put(y++, 4, COLS - 6, m ? m : _("(none)"), 0, 0);
	y++;
	putf(y, 2, COLS - 4, A_DIM, "s %s  x %s  t %s  u %s  l %s  d %s  q %s",
	    strcmp(str(c, "status") ? str(c, "status") : "", "stopped") == 0 ?
	    _("resume") : _("send"), _("stop"), _("retry"), _("settle"),
	    _("relaunch"), _("delete"), _("back"));
}

/* The daemon's preview of an import: what it recognised and the first
 * rows as they will be stored. Returns the next line. */
static int
draw_import_preview(json_t *p, int y)
{
	json_t	*r;
	size_t	 k;

	putf(y++, 4, COLS - 6, 0, "%s: %s   %s: %s", _("Layout"),
	    str(p, "layout") ? str(p, "layout") : "?", _("Encoding"),
	    str(p, "encoding") ? str(p, "encoding") : "?");
	putf(y++, 4, COLS - 6, A_DIM, "%s: %s", _("Columns"),
	    str(p, "mapping") ? str(p, "mapping") : "");
	json_array_foreach(json_object_get(p, "sample"), k, r)
		putf(y++, 4, COLS - 6, 0, "%-16s %-20s %-20s %s",
		    str(r, "phone") ? str(r, "phone") : "",
		    str(r, "first_name") ? str(r, "first_name") : "",
		    str(r, "last_name") ? str(r, "last_name") : "",
		    str(r, "categories") ? str(r, "categories") : "");
	putf(y++, 4, COLS - 6, A_DIM, "%s: %lld  %s: %lld  %s: %lld  "
	    "%s: %lld", _("New"), (long long)num(p, "imported"),
	    _("Updated"), (long long)num(p, "updated"), _("Duplicates"),
	    (long long)num(p, "duplicates"), _("Invalid"),
	    (long long)num(p, "invalid"));
	return y;
}

static void
draw_import(struct tui *t)
{
	json_t		*r = t->imp_result, *j = t->imp_job, *rej, *e;
	json_int_t	 done, all;
	int		 y = 2, i;
	size_t		 k;

	if (t->imp_unavailable) {
		put(y++, 2, COLS - 4, _("Not available: this daemon does not "
		    "know contacts.import yet."), A_BOLD, 0);
		y++;
	}
	putf(y++, 2, COLS - 4, 0, "%s: %s", _("File"), t->imp_path[0] ?
	    t->imp_path : _("(none: press o)"));
	if (t->imp_path[0] != '\0') {
		putf(y++, 2, COLS - 4, 0, "%s: %s   %s: %s", _("Category"),
		    t->imp_category[0] ? t->imp_category : "-",
		    _("Default country code"), t->imp_country[0] ?
		    t->imp_country : "-");
		y++;
		put(y++, 2, COLS - 4, _("Preview"), A_BOLD | pair(PAIR_HEAD),
		    0);
		if (t->imp_pv != NULL)
			y = draw_import_preview(t->imp_pv, y);
		else
			for (i = 0; i < 6 && t->imp_preview[i] != NULL; i++)
				put(y++, 4, COLS - 6, t->imp_preview[i], 0, 0);
	}
	y++;
	if (t->imp_running && j != NULL) {
		done = num(j, "percent");
		all = 100;
		put(y, 2, 12, _("Progress"), A_BOLD, 0);
		bar(y, 14, COLS - 40 > 10 ? COLS - 40 : 10, done, all,
		    pair(PAIR_OK));
		putf(y++, COLS - 24, 24, 0, " %lld %s", (long long)num(j,
		    "rows"), str(j, "phase") != NULL && strcmp(str(j, "phase"),
		    "writing") == 0 ? _("rows, writing") : _("rows, reading"));
	}
	if (r == NULL)
		return;
	putf(y++, 2, COLS - 4, A_BOLD, "%s: %lld  %s: %lld  %s: %lld  %s: %lld",
	    _("Imported"), (long long)num(r, "imported"),
	    _("Updated"), (long long)num(r, "updated"),
	    _("Duplicates"), (long long)num(r, "duplicates"),
	    _("Invalid"), (long long)num(r, "invalid"));
	rej = json_object_get(r, "rejects");
	if (json_array_size(rej) > 0) {
		put(y++, 2, COLS - 4, _("Rejected lines"), A_BOLD |
		    pair(PAIR_BAD), 0);
		json_array_foreach(rej, k, e) {
			if (y >= LINES - 2)
				break;
			putf(y++, 4, COLS - 6, 0, "%s %lld: %s", _("line"),
			    (long long)num(e, "line"), str(e, "reason") ?
			    str(e, "reason") : "");
		}
	}
}

static void
panel(int y, int x, int h, int w, const char *title)
{
	int	 i;

	for (i = 0; i < h; i++)
		put(y + i, x, w, "", A_REVERSE, 1);
	putf(y, x + 1, w - 2, A_REVERSE | A_BOLD, " %s ", title);
}

static void
draw_help(struct tui *t)
{
	const struct tui_key	*k;
	int			 n = 0, h, w = 60, y, x, i;
	char			 title[128];

	const char		*what;

	for (k = tui_help_keys(t, &what); k->key != NULL; k++)
		n++;
	h = n + 4;
	if (h > LINES - 2)
		h = LINES - 2;
	if (w > COLS - 2)
		w = COLS - 2;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	snprintf(title, sizeof title, _("Keys: %s"), what);
	panel(y, x, h, w, title);
	for (k = tui_help_keys(t, &what), i = 0; k->key != NULL &&
	    i < h - 4; k++, i++) {
		put(y + 2 + i, x + 2, 14, k->key, A_REVERSE | A_BOLD, 0);
		put(y + 2 + i, x + 17, w - 19, _(k->what), A_REVERSE, 0);
	}
	put(y + h - 1, x + 2, w - 4, _("Press any key to close."),
	    A_REVERSE | A_DIM, 0);
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
		put(y, x, w, t->preview_error, A_REVERSE | A_DIM, 0);
		return;
	}
	if (p == NULL)
		return;
	c = json_object_get(p, "contact");
	if (!json_is_object(c)) {
		put(y, x, w, _("Preview: no contact to show it with."),
		    A_REVERSE | A_DIM, 0);
		return;
	}
	snprintf(who, sizeof who, "%s %s, %s", str(c, "first_name") ?
	    str(c, "first_name") : "", str(c, "last_name") ?
	    str(c, "last_name") : "", str(c, "phone") ? str(c, "phone") : "");
	n = putf(y, x, w, A_REVERSE | A_BOLD, "%s ", _("Preview for"));
	put(y++, x + n, w - n, who, A_REVERSE | A_BOLD, 0);
	n = putf(y, x, w, A_REVERSE, "%s: ", _("Message 1"));
	m = str(p, "message_1");
	put(y++, x + n, w - n, m ? m : "", A_REVERSE, 0);
	n = putf(y, x, w, A_REVERSE, "%s: ", _("Message 2"));
	m = str(p, "message_2");
	put(y, x + n, w - n, m ? m : _("(none)"), A_REVERSE, 0);
}

static void
draw_form(struct tui *t)
{
	struct tui_form	*f = &t->form;
	int		 h = f->n * 2 + 5 + (f->preview ? 4 : 0), w = 72, y, x;
	int		 i, lw = 22, used;
	int		 cy = -1, cx = 0;
	char		 stars[256];
	size_t		 n;

	if (w > COLS - 2)
		w = COLS - 2;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	panel(y, x, h, w, _(f->title));
	for (i = 0; i < f->n; i++) {
		const char	*v = f->f[i].value;

		if (f->f[i].flags & F_PICK)
			v = f->f[i].shown[0] != '\0' ? f->f[i].shown :
			    f->f[i].value[0] != '\0' ? f->f[i].value :
			    _("(Space: choose)");
		if (f->f[i].flags & F_SECRET) {
			n = strlen(v) < sizeof stars - 1 ? strlen(v) :
			    sizeof stars - 1;
			memset(stars, '*', n);
			stars[n] = '\0';
			v = stars;
		}
		putf(y + 2 + i * 2, x + 2, lw, A_REVERSE | (i == f->cur ?
		    A_BOLD : 0), "%s%s", _(f->f[i].label),
		    (f->f[i].flags & F_REQUIRED) ? " *" : "");
		used = put(y + 2 + i * 2, x + 2 + lw, w - lw - 4, v,
		    i == f->cur ? A_UNDERLINE : A_UNDERLINE | A_REVERSE, 1);
		if (i == f->cur) {
			cy = y + 2 + i * 2;
			cx = x + 2 + lw + used;
		}
	}
	if (f->preview)
		draw_preview(t, y + 2 + f->n * 2, x + 2, w - 4);
	if (f->error[0] != '\0')
		put(y + h - 2, x + 2, w - 4, f->error, A_REVERSE | A_BOLD |
		    pair(PAIR_BAD), 0);
	put(y + h - 1, x + 2, w - 4, _("Enter: next/submit  Tab: next field  "
	    "Esc: cancel  F1: help"), A_REVERSE | A_DIM, 0);
	if (cy >= 0) {
		move(cy, cx < COLS ? cx : COLS - 1);
		curs_set(1);
	}
}

/* The categories with their counts, the chosen ones marked. */
static void
draw_picker(struct tui *t)
{
	struct tui_picker	*p = &t->picker;
	json_t			*row;
	int			 h = picker_height(), w = 60, y, x, i;
	size_t			 k;
	char			 buf[400];
	attr_t			 a;

	if (w > COLS - 2)
		w = COLS - 2;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	panel(y, x, h, w, _("Choose categories"));
	if (p->error[0] != '\0')
		put(y + 2, x + 2, w - 4, p->error, A_REVERSE | A_BOLD |
		    pair(PAIR_BAD), 0);
	else if (json_array_size(p->items) == 0)
		put(y + 2, x + 2, w - 4, p->loading ? _("Loading\xe2\x80\xa6") :
		    _("No categories."), A_REVERSE | A_DIM, 0);
	for (i = 0, k = p->top; i < h - 4 && k < json_array_size(p->items);
	    i++, k++) {
		row = json_array_get(p->items, k);
		a = k == p->sel ? A_BOLD : A_REVERSE;
		snprintf(buf, sizeof buf, "[%s] %s", tui_picked(t,
		    num(row, "id")) ? "x" : " ", str(row, "name") ?
		    str(row, "name") : "");
		put(y + 2 + i, x + 2, w - 14, buf, a, 1);
		putf(y + 2 + i, x + w - 12, 10, a, "%10lld",
		    (long long)num(row, "contacts"));
	}
	put(y + h - 1, x + 2, w - 4, _("Space: choose  Enter: done  ?: help"),
	    A_REVERSE | A_DIM, 0);
}

static void
draw_confirm(struct tui *t)
{
	int	 w = t->confirm.choose != NULL ? 76 : 64, h = 5, y, x;

	if (w > COLS - 2)
		w = COLS - 2;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	panel(y, x, h, w, _("Confirm"));
	put(y + 2, x + 2, w - 4, t->confirm.text, A_REVERSE | A_BOLD, 0);
	put(y + 4, x + 2, w - 4, t->confirm.choose != NULL ?
	    _("s: it went out (sent)   f: it did not (failed)   c: cancel") :
	    _("y: yes   n: no"), A_REVERSE, 0);
}

void
screen_draw(struct tui *t)
{
	curs_set(0);
	erase();
	draw_top(t);
	if (t->need_login) {
		put(2, 2, COLS - 4, _("Peer credentials do not apply: log in."),
		    0, 0);
	} else if (!t->authed && t->connected) {
		put(2, 2, COLS - 4, _("Logging in\xe2\x80\xa6"), A_DIM, 0);
	} else {
		switch (t->view) {
		case V_DASH:
			draw_dash(t);
			break;
		case V_CONTACTS:
			draw_contacts(t);
			break;
		case V_IMPORT:
			draw_import(t);
			break;
		case V_CATEGORIES:
			draw_list(t, &t->lists[V_CATEGORIES],
			    _("No categories."));
			break;
		case V_CAMPAIGNS:
			if (t->campaign_id != 0)
				draw_campaign(t);
			else
				draw_list(t, &t->lists[V_CAMPAIGNS],
				    _("No campaigns. Press n to create one."));
			break;
		case V_MESSAGES:
			putf(1, 1, COLS - 2, 0, "%s: %s  %s: %s", _("Status"),
			    tui_status_filter(t) ? tui_status_name(
			    tui_status_filter(t)) : _("any"), _("Campaign"),
			    json_is_integer(json_object_get(
			    t->lists[V_MESSAGES].filter, "campaign")) ?
			    "#" : _("any"));
			draw_list(t, &t->lists[V_MESSAGES], _("No messages."));
			break;
		case V_STATS:
			draw_stats(t);
			break;
		case V_USERS:
			if (!t->super)
				put(3, 2, COLS - 4, _("Only a super_admin can "
				    "manage users."), A_BOLD, 0);
			else
				draw_list(t, &t->lists[V_USERS],
				    _("No users."));
			break;
		default:
			break;
		}
	}
	if (COLS < 80 || LINES < 24)
		put(LINES - 2, 0, COLS, _("The terminal is smaller than "
		    "80x24."), pair(PAIR_WARN) | A_BOLD, 0);
	draw_status(t);
	if (t->confirm.active)
		draw_confirm(t);
	else if (t->form.active) {
		draw_form(t);
		if (t->picker.active)
			draw_picker(t);
	}
	if (t->help)
		draw_help(t);
	if (t->help || t->picker.active)
		curs_set(0);
	refresh();
}
