/*
 * CSV exports written in slices to a descriptor the client passed: a
 * page of records at a time, three pages per turn of the loop, waiting
 * for the descriptor to drain when it is a pipe.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "csv.h"
#include "ctl.h"
#include "daemon.h"
#include "export.h"
#include "xmalloc.h"

struct export {
	TAILQ_ENTRY(export)	 entry;
	struct daemon		*d;
	struct ctl_req		*r;
	int			 fd;
	struct event		*ev, *wev;
	struct csv_buf		 buf;
	size_t			 pos;
	long long		 n;
	int			 done;
	export_fill_fn		 fill;
	void			*arg;
	void			(*free_arg)(void *);
};

static TAILQ_HEAD(, export)	 exports = TAILQ_HEAD_INITIALIZER(exports);

static void
export_free(struct export *ex)
{
	TAILQ_REMOVE(&exports, ex, entry);
	event_free(ex->ev);
	event_free(ex->wev);
	close(ex->fd);
	csv_buf_free(&ex->buf);
	if (ex->free_arg != NULL)
		ex->free_arg(ex->arg);
	free(ex);
}

static void
export_slice(evutil_socket_t fd, short what, void *arg)
{
	struct export	*ex = arg;
	struct timeval	 tv = { 0, 0 };
	char		 err[256];
	ssize_t		 n;
	int		 pages = 0, got;

	for (;;) {
		while (ex->pos < ex->buf.len) {
			n = write(ex->fd, ex->buf.data + ex->pos,
			    ex->buf.len - ex->pos);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN) {
				event_add(ex->wev, NULL);
				return;
			}
			if (n == -1) {
				ctl_error(ex->r, "bad_request", "writing the "
				    "export: %s", strerror(errno));
				export_free(ex);
				return;
			}
			ex->pos += (size_t)n;
		}
		if (ex->done) {
			ctl_reply(ex->r, json_pack("{s:I}", "exported",
			    (json_int_t)ex->n));
			export_free(ex);
			return;
		}
		if (pages++ == 3) {
			evtimer_add(ex->ev, &tv);
			return;
		}
		csv_buf_reset(&ex->buf);
		ex->pos = 0;
		if ((got = ex->fill(ex->d, ex->arg, &ex->buf, err,
		    sizeof err)) == -1) {
			ctl_error(ex->r, "internal", "%s", err);
			export_free(ex);
			return;
		}
		ex->n += got;
		if (got < EXPORT_PAGE)
			ex->done = 1;
	}
}

int
export_csv(struct ctl_req *r, const char *const *hdr, size_t nhdr,
    export_fill_fn fill, void *arg, void (*free_arg)(void *))
{
	struct export	*ex;
	struct stat	 sb;
	int		 fl;

	if (r->fd == -1 || fstat(r->fd, &sb) == -1 ||
	    (fl = fcntl(r->fd, F_GETFL)) == -1 ||
	    (fl & O_ACCMODE) == O_RDONLY) {
		ctl_error(r, "bad_request", "an export needs a descriptor "
		    "open for writing");
		if (free_arg != NULL)
			free_arg(arg);
		return CMD_DONE;
	}
	fcntl(r->fd, F_SETFL, fl | O_NONBLOCK);
	ex = xcalloc(1, sizeof *ex);
	ex->d = r->d;
	ex->r = r;
	ex->fd = r->fd;
	r->fd = -1;
	ex->fill = fill;
	ex->arg = arg;
	ex->free_arg = free_arg;
	ex->ev = evtimer_new(r->d->base, export_slice, ex);
	ex->wev = event_new(r->d->base, ex->fd, EV_WRITE, export_slice, ex);
	if (ex->wev == NULL)	/* a regular file: always writable */
		ex->wev = evtimer_new(r->d->base, export_slice, ex);
	TAILQ_INSERT_TAIL(&exports, ex, entry);
	csv_buf_append_record(&ex->buf, ',', hdr, nhdr);
	export_slice(-1, 0, ex);
	return CMD_PARKED;
}

void
export_shutdown(struct daemon *d)
{
	struct export	*ex;

	while ((ex = TAILQ_FIRST(&exports)) != NULL) {
		ctl_error(ex->r, "unavailable", "the daemon is stopping");
		export_free(ex);
	}
}

/* "+" and 6 to 15 digits: a number as E.164 writes it. */
static int
is_e164(const char *s)
{
	size_t	 n = 0;

	if (*s++ != '+')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++)
		n++;
	return *s == '\0' && n >= 6 && n <= 15;
}

void
export_append_safe(struct csv_buf *b, const char *const *f, size_t n)
{
	const char	**safe;
	char		**own;
	size_t		 i, k = 0;

	safe = xcalloc(n + 1, sizeof *safe);
	own = xcalloc(n + 1, sizeof *own);
	for (i = 0; i < n; i++) {
		safe[i] = f[i] != NULL ? f[i] : "";
		if (safe[i][0] != '\0' && strchr("=+-@\t\r",
		    safe[i][0]) != NULL && !is_e164(safe[i])) {
			xasprintf(&own[k], "'%s", safe[i]);
			safe[i] = own[k++];
		}
	}
	csv_buf_append_record(b, ',', safe, n);
	while (k > 0)
		free(own[--k]);
	free(own);
	free(safe);
}
