#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "tui.h"

/* The confirmation widget: a yes/no question, or one answered by a key. */

void
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
	t->confirm.hint = NULL;
	t->confirm.target = id;
	tui_dirty();
}

/*
 * A question answered by one of the keys CHOICES (c, n, q or Esc cancel);
 * HINT (a msgid) names the keys.
 */
void
choose(struct tui *t, void (*fn)(struct tui *, json_int_t, int),
    const char *choices, const char *hint, json_int_t id, const char *fmt,
    ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(t->confirm.text, sizeof t->confirm.text, fmt, ap);
	va_end(ap);
	t->confirm.active = 1;
	t->confirm.yes = NULL;
	t->confirm.choose = fn;
	t->confirm.choices = choices;
	t->confirm.hint = hint;
	t->confirm.target = id;
	tui_dirty();
}

void
confirm_key(struct tui *t, int ch)
{
	struct tui_confirm	*c = &t->confirm;

	if (c->choose != NULL) {
		if (ch > 0 && ch < 128 && ch != 'c' &&
		    strchr(c->choices, ch) != NULL) {
			c->active = 0;
			c->choose(t, c->target, ch);
		} else if (ch == 'c' || ch == 'n' || ch == ESC || ch == 'q')
			c->active = 0;
	} else if (ch == 'y' || ch == 'Y' || ch == 'o' || ch == 'O') {
		c->active = 0;
		c->yes(t, c->target);
	} else if (ch == 'n' || ch == 'N' || ch == ESC || ch == 'q')
		c->active = 0;
	tui_dirty();
}

/* The question on as many lines as it needs (split at '\n'). */
void
confirm_draw(struct tui *t)
{
	const char	*p, *nl;
	char		 line[512];
	int		 w = t->confirm.choose != NULL ? 76 : 64, h, y, x, n = 1;
	int		 cols = screen_cols(), lines = screen_lines(), i;

	for (p = t->confirm.text; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	if (n > 1)
		w = 76;
	h = n + 4;
	if (w > cols - 2)
		w = cols - 2;
	y = (lines - h) / 2;
	x = (cols - w) / 2;
	screen_panel(y, x, h, w, _("Confirm"));
	for (p = t->confirm.text, i = 0; p != NULL; i++) {
		nl = strchr(p, '\n');
		snprintf(line, sizeof line, "%.*s", nl != NULL ?
		    (int)(nl - p) : (int)strlen(p), p);
		screen_put(y + 2 + i, x + 2, w - 4, line, S_REV | (i == 0 ?
		    S_BOLD : 0), 0);
		p = nl != NULL ? nl + 1 : NULL;
	}
	screen_put(y + h - 1, x + 2, w - 4, t->confirm.hint != NULL ?
	    _(t->confirm.hint) : _("y: yes   n: no"), S_REV, 0);
}
