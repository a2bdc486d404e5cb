#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "text.h"
#include "tui.h"

/*
 * The text editor widget: a multi-line field edited in place (Enter breaks
 * the line), or in $VISUAL/$EDITOR on a temp file as tig and neomutt do:
 * the terminal is given to the editor and taken back after.
 */

/* The length of the text, with the cursor kept inside it. */
static size_t
clamp(struct tui_field *fl)
{
	size_t	 len = strlen(fl->value);

	if (fl->cur > len)
		fl->cur = len;
	return len;
}

static int
cont(const char *s, size_t i)
{
	return ((unsigned char)s[i] & 0xc0) == 0x80;
}

/* Insert N bytes of S at the cursor, when they fit. */
void
editor_insert(struct tui_field *fl, const char *s, size_t n)
{
	size_t	 len = clamp(fl);

	if (len + n >= sizeof fl->value - 1)
		return;
	memmove(fl->value + fl->cur + n, fl->value + fl->cur,
	    len - fl->cur + 1);
	memcpy(fl->value + fl->cur, s, n);
	fl->cur += n;
}

/* Remove the whole UTF-8 character before the cursor. */
void
editor_backspace(struct tui_field *fl)
{
	size_t	 len = clamp(fl), i = fl->cur;

	if (i == 0)
		return;
	while (--i > 0 && cont(fl->value, i))
		;
	memmove(fl->value + i, fl->value + fl->cur, len - fl->cur + 1);
	fl->cur = i;
}

/* Remove the character under the cursor. */
void
editor_delete(struct tui_field *fl)
{
	size_t	 len = clamp(fl), i = fl->cur;

	if (i == len)
		return;
	while (++i < len && cont(fl->value, i))
		;
	memmove(fl->value + fl->cur, fl->value + i, len - i + 1);
}

/* Where the line holding byte AT starts. */
static size_t
line_start(const char *s, size_t at)
{
	while (at > 0 && s[at - 1] != '\n')
		at--;
	return at;
}

/* From FROM, N characters on without leaving the line. */
static size_t
walk(const char *s, size_t from, size_t n)
{
	while (n-- > 0 && s[from] != '\0' && s[from] != '\n')
		while (s[++from] != '\0' && cont(s, from))
			;
	return from;
}

/* Characters from FROM to TO. */
static size_t
chars(const char *s, size_t from, size_t to)
{
	size_t	 n = 0;

	for (; from < to; from++)
		if (!cont(s, from))
			n++;
	return n;
}

int
editor_move(struct tui_field *fl, int key)
{
	const char	*s = fl->value;
	size_t		 len = clamp(fl), ls, col, nl;

	ls = line_start(s, fl->cur);
	col = chars(s, ls, fl->cur);
	switch (key) {
	case KEY_FN | K_LEFT:
		if (fl->cur > 0)
			while (--fl->cur > 0 && cont(s, fl->cur))
				;
		break;
	case KEY_FN | K_RIGHT:
		if (fl->cur < len)
			while (++fl->cur < len && cont(s, fl->cur))
				;
		break;
	case KEY_FN | K_HOME:
		fl->cur = ls;
		break;
	case KEY_FN | K_END:
		fl->cur = walk(s, ls, (size_t)-1);
		break;
	case KEY_FN | K_UP:
		if (ls == 0)
			return 0;
		fl->cur = walk(s, line_start(s, ls - 1), col);
		break;
	case KEY_FN | K_DOWN:
		nl = walk(s, fl->cur, (size_t)-1);
		if (s[nl] != '\n')
			return 0;
		fl->cur = walk(s, nl + 1, col);
		break;
	}
	return 1;
}

static const char *
editor_name(void)
{
	const char	*e;

	if ((e = getenv("VISUAL")) != NULL && *e != '\0')
		return e;
	if ((e = getenv("EDITOR")) != NULL && *e != '\0')
		return e;
	return "vi";
}

/*
 * Write the field to a temp file, run the editor on it (through sh, so
 * EDITOR may carry arguments), and read it back: one final newline, which
 * editors add, is dropped. The file is removed whatever happens.
 */
int
editor_external(struct tui *t, struct tui_field *fl)
{
	const char	*dir = getenv("TMPDIR");
	char		 path[512], buf[FIELD_MAX];
	FILE		*fp = NULL;
	size_t		 n;
	pid_t		 pid;
	int		 fd, status, rc = -1;

	snprintf(path, sizeof path, "%s/wacamp-XXXXXX.txt", dir != NULL &&
	    *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemps(path, 4)) == -1) {
		tui_flash(t, 1, _("%s: %s"), path, strerror(errno));
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto out;
	}
	fputs(fl->value, fp);
	if (fl->value[0] != '\0')
		fputc('\n', fp);
	if (fclose(fp) != 0) {
		fp = NULL;
		goto out;
	}
	fp = NULL;
	screen_suspend();
	switch (pid = fork()) {
	case -1:
		break;
	case 0:
		signal(SIGPIPE, SIG_DFL);
		setenv("WACAMP_EDITOR", editor_name(), 1);
		execl("/bin/sh", "sh", "-c", "exec $WACAMP_EDITOR \"$1\"", "sh",
		    path, (char *)NULL);
		_exit(127);
	default:
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		break;
	}
	screen_resume();
	if (pid == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		tui_flash(t, 1, _("%s: the editor failed; the text is as it "
		    "was"), editor_name());
		goto out;
	}
	if ((fp = fopen(path, "r")) == NULL)
		goto out;
	n = fread(buf, 1, sizeof buf - 1, fp);
	if (!feof(fp)) {
		tui_flash(t, 1, _("The text is longer than %zu bytes; it is "
		    "as it was"), sizeof buf - 1);
		goto out;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (!text_utf8_valid(buf, n)) {
		tui_flash(t, 1, "%s", _("The text is not valid UTF-8; it is "
		    "as it was"));
		goto out;
	}
	memcpy(fl->value, buf, n + 1);
	fl->cur = n;
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	unlink(path);
	tui_dirty();
	return rc;
}

/*
 * The field in H rows at Y, X, W columns wide (A: attribute): the lines
 * around the cursor's, and (CY, CX) where the cursor is.
 */
void
editor_draw(struct tui_field *fl, int y, int x, int w, int h, int a,
    int *cy, int *cx)
{
	const char	*s = fl->value, *p;
	char		 one[FIELD_MAX];
	size_t		 ls;
	int		 line = 0, first, i, n, col;

	clamp(fl);
	ls = line_start(s, fl->cur);
	for (p = s; p < s + ls; p++)
		if (*p == '\n')
			line++;
	first = line >= h ? line - h + 1 : 0;
	for (p = s, n = 0; n < first; p++)
		if (*p == '\n')
			n++;
	for (i = 0; i < h; i++) {
		one[0] = '\0';
		if (p != NULL) {
			n = (int)strcspn(p, "\n");
			snprintf(one, sizeof one, "%.*s", n, p);
			p = p[n] == '\n' ? p + n + 1 : NULL;
		}
		screen_put(y + i, x, w, one, a, 1);
	}
	snprintf(one, sizeof one, "%.*s", (int)(fl->cur - ls), s + ls);
	col = text_columns(one);
	if (cy != NULL) {
		*cy = y + line - first;
		*cx = x + (col < w ? col : w - 1);
	}
}
