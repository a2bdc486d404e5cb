/*
 * CSV exports written in slices (a job, job.c) to a descriptor the client
 * passed: a page of records a step, waiting for the descriptor to drain
 * when it is a pipe.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "csv.h"
#include "ctl.h"
#include "daemon.h"
#include "export.h"
#include "job.h"
#include "xmalloc.h"

struct export {
	int			 fd;
	struct csv_buf		 buf;
	size_t			 pos;
	long long		 n;
	int			 done;
	int			 werr;	/* errno of a failed write */
	export_fill_fn		 fill;
	void			*arg;
	void			(*free_arg)(void *);
};

static void
export_free(void *arg)
{
	struct export	*ex = arg;

	close(ex->fd);
	csv_buf_free(&ex->buf);
	if (ex->free_arg != NULL)
		ex->free_arg(ex->arg);
	free(ex);
}

/* Write what the buffer holds, then fill it with the next page. */
static int
export_step(struct daemon *d, void *arg, char *err, size_t errlen)
{
	struct export	*ex = arg;
	ssize_t		 n;
	int		 got;

	while (ex->pos < ex->buf.len) {
		n = write(ex->fd, ex->buf.data + ex->pos,
		    ex->buf.len - ex->pos);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return JOB_WAIT;
		if (n == -1) {
			ex->werr = errno;
			snprintf(err, errlen, "%s", strerror(errno));
			return JOB_FAILED;
		}
		ex->pos += (size_t)n;
	}
	if (ex->done)
		return JOB_DONE;
	csv_buf_reset(&ex->buf);
	ex->pos = 0;
	if ((got = ex->fill(d, ex->arg, &ex->buf, err, errlen)) == -1)
		return JOB_FAILED;
	ex->n += got;
	if (got < EXPORT_PAGE)
		ex->done = 1;
	return JOB_MORE;
}

static void
export_finish(struct ctl_req *r, void *arg, const char *err)
{
	struct export	*ex = arg;

	if (err == NULL)
		ctl_reply(r, json_pack("{s:I}", "exported", (json_int_t)ex->n));
	else if (ex->werr != 0)
		ctl_error(r, "bad_request", "writing the export: %s",
		    strerror(ex->werr));
	else
		ctl_error(r, "internal", "%s", err);
}

static const struct job_ops export_ops = {
	.name = "export",
	.step = export_step,
	.finish = export_finish,
	.free = export_free,
};

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
	ex->fd = r->fd;
	r->fd = -1;
	ex->fill = fill;
	ex->arg = arg;
	ex->free_arg = free_arg;
	csv_buf_append_record(&ex->buf, ',', hdr, nhdr);
	/* A regular file is always writable: no wait on it. */
	return job_start(r, &export_ops, ex, S_ISREG(sb.st_mode) ? -1 :
	    ex->fd);
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
