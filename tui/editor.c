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

void
editor_insert(struct tui_field *fl, const char *s, size_t n)
{
	size_t	 len = strlen(fl->value);

	if (len + n < sizeof fl->value - 1) {
		memcpy(fl->value + len, s, n);
		fl->value[len + n] = '\0';
	}
}

/* Remove one whole UTF-8 character from the end. */
void
editor_backspace(struct tui_field *fl)
{
	size_t	 len = strlen(fl->value);

	while (len > 0 && ((unsigned char)fl->value[len - 1] & 0xc0) == 0x80)
		len--;
	if (len > 0)
		len--;
	fl->value[len] = '\0';
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
		tui_flash(t, 1, "%s: %s", path, strerror(errno));
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
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	unlink(path);
	tui_dirty();
	return rc;
}

/*
 * The field's last H lines at Y, X in W columns (A: attribute); the
 * cursor goes after the text.
 */
void
editor_draw(struct tui_field *fl, int y, int x, int w, int h, int a,
    int *cy, int *cx)
{
	const char	*lines[64], *p;
	char		 one[FIELD_MAX];
	int		 n = 0, i, first, used = 0;

	lines[n++] = fl->value;
	for (p = fl->value; (p = strchr(p, '\n')) != NULL && n < 64; p++)
		lines[n++] = p + 1;
	first = n > h ? n - h : 0;
	for (i = 0; i < h; i++) {
		if (first + i < n) {
			p = strchr(lines[first + i], '\n');
			snprintf(one, sizeof one, "%.*s", p != NULL ?
			    (int)(p - lines[first + i]) :
			    (int)strlen(lines[first + i]), lines[first + i]);
		} else
			one[0] = '\0';
		screen_put(y + i, x, w, one, a, 1);
		if (first + i == n - 1)
			used = text_columns(one);
	}
	if (cy != NULL) {
		*cy = y + (n - 1 - first < h ? n - 1 - first : h - 1);
		*cx = x + (used < w ? used : w - 1);
	}
}
