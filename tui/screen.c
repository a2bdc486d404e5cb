#include <sys/ioctl.h>

#include <stdarg.h>
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
 * The only module that calls ncurses: the terminal, keys, and drawing
 * primitives that views and widgets paint with. Every string goes through
 * text_sanitize() first, so text from outside stays inert. Attributes are
 * the interface's own (S_*), turned into ncurses ones here.
 */

enum {
	PAIR_OK = 1,
	PAIR_WARN,
	PAIR_BAD,
	PAIR_HEAD,
	PAIR_BAR,
	PAIR_BLUE,
	PAIR_MAGENTA,
};

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
		init_pair(PAIR_BLUE, COLOR_BLUE, -1);
		init_pair(PAIR_MAGENTA, COLOR_MAGENTA, -1);
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

/* Give the terminal to another program (an editor) as it was at start. */
void
screen_suspend(void)
{
	def_prog_mode();
	endwin();
}

void
screen_resume(void)
{
	reset_prog_mode();
	screen_resize();
	refresh();
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
screen_cols(void)
{
	return COLS;
}

int
screen_lines(void)
{
	return LINES;
}

int
screen_utf8(void)
{
	return utf8;
}

void
screen_begin(void)
{
	curs_set(0);
	erase();
}

void
screen_cursor(int y, int x)
{
	if (y < 0) {
		curs_set(0);
		return;
	}
	move(y, x < COLS ? x : COLS - 1);
	curs_set(1);
}

void
screen_flush(void)
{
	refresh();
}

static attr_t
attr(int a)
{
	attr_t	 r = 0;
	int	 c = a >> 8;

	if (a & S_BOLD)
		r |= A_BOLD;
	if (a & S_REV)
		r |= A_REVERSE;
	if (a & S_DIM)
		r |= A_DIM;
	if (a & S_UNDER)
		r |= A_UNDERLINE;
	if ((a & S_REVNC) && !colour)
		r |= A_REVERSE;
	if (colour && c > 0)
		r |= COLOR_PAIR(c);
	return r;
}

int
screen_color(const char *name)
{
	static const char *names[][2] = {
		{ "green", "1" }, { "yellow", "2" }, { "red", "3" },
		{ "cyan", "4" }, { "blue", "6" }, { "magenta", "7" },
	};
	size_t	 i;

	if (name == NULL)
		return 0;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i][0], name) == 0)
			return S_COLOR(names[i][1][0] - '0');
	return 0;
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

/* What stands for C on a terminal that shows ASCII only. */
static const char *
ascii_for(wchar_t c)
{
	static const char	 latin1[] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYPs"
	    "aaaaaaaceeeeiiiidnooooo/ouuuuypy";
	static char		 one[2];

	switch (c) {
	case 0x2026:
		return "...";
	case 0x2013:
	case 0x2014:
	case 0x2212:
		return "-";
	case 0x2018:
	case 0x2019:
		return "'";
	case 0x201c:
	case 0x201d:
	case 0x00ab:
	case 0x00bb:
		return "\"";
	case 0x00a0:
	case 0x202f:
		return " ";
	case 0x2191:
		return "^";
	case 0x2193:
		return "v";
	case 0x0153:
		return "oe";
	case 0x20ac:
		return "EUR";
	}
	if (c >= 0xc0 && c <= 0xff) {
		one[0] = latin1[c - 0xc0];
		one[1] = '\0';
		return one;
	}
	return "?";
}

/*
 * Draw S at Y, X in at most W columns (wide characters counted by their
 * width) and pad to W with spaces when PAD. Returns the columns used.
 */
int
screen_put(int y, int x, int w, const char *s, int a, int pad)
{
	wchar_t	 buf[512];
	char	*safe;
	const char *p;
	int	 used = 0, cw, n = 0;
	attr_t	 at = attr(a);

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS || x < 0)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	safe = text_sanitize(s != NULL ? s : "");
	for (p = safe; *p != '\0' && n < (int)(sizeof buf / sizeof buf[0]) -
	    1;) {
		wchar_t		 c = utf8_next(&p);
		const char	*r;

		if (!utf8 && c >= 0x80) {
			/* Plain letters and "..." where only ASCII shows. */
			for (r = ascii_for(c); r[1] != '\0' && used + 1 < w &&
			    n < (int)(sizeof buf / sizeof buf[0]) - 2; r++) {
				buf[n++] = (unsigned char)*r;
				used++;
			}
			c = (unsigned char)*r;
		}
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
	attron(at);
	mvaddnwstr(y, x, buf, n);
	if (pad)
		for (; used < w; used++)
			mvaddch(y, x + used, ' ');
	attroff(at);
	return used;
}

int
screen_putf(int y, int x, int w, int a, const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return screen_put(y, x, w, buf, a, 0);
}

/* A bar of W columns, DONE of ALL filled. */
void
screen_bar(int y, int x, int w, json_int_t done, json_int_t all, int a)
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
	screen_put(y, x, 1, "[", 0, 0);
	for (i = 0; i < fill; i++)
		screen_put(y, x + 1 + i, 1, utf8 ? "\xe2\x96\x88" : "#", a, 0);
	for (; i < w - 2; i++)
		screen_put(y, x + 1 + i, 1, utf8 ? "\xe2\x96\x91" : ".", 0, 0);
	screen_put(y, x + w - 1, 1, "]", 0, 0);
}

/* A box of H lines and W columns in reverse video, TITLE on its top. */
void
screen_panel(int y, int x, int h, int w, const char *title)
{
	int	 i;

	for (i = 0; i < h; i++)
		screen_put(y + i, x, w, "", S_REV, 1);
	screen_putf(y, x + 1, w - 2, S_REV | S_BOLD, " %s ", title);
}
