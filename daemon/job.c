/*
 * Sliced background jobs: one list, one timer each, steps run until the
 * slice's few milliseconds are used, then the loop turns before the next
 * slice. The longest slice is logged at the end, and a slice far over its
 * budget (one step too big) at once.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <jansson.h>

#include "ctl.h"
#include "daemon.h"
#include "duration.h"
#include "job.h"
#include "log.h"
#include "xmalloc.h"

/* A slice this long holds the loop: say so (one step is too big). */
#define JOB_SLOW_MS	(10 * JOB_SLICE_MS)

struct job {
	TAILQ_ENTRY(job)	 entry;
	struct daemon		*d;
	struct ctl_req		*r;
	const struct job_ops	*ops;
	void			*arg;
	struct event		*ev;
	double			 t_start, longest;
	long			 slices;
};

static TAILQ_HEAD(, job)	 jobs = TAILQ_HEAD_INITIALIZER(jobs);

static void
job_free(struct job *j)
{
	TAILQ_REMOVE(&jobs, j, entry);
	event_free(j->ev);
	if (j->ops->free != NULL)
		j->ops->free(j->arg);
	free(j);
}

/* Answer the request through FINISH, or with the step's error. */
static void
job_end(struct job *j, int rc, const char *err)
{
	log_debug("job %s: %ld slices in %.0f ms, the longest %.1f ms",
	    j->ops->name, j->slices, mono_ms() - j->t_start, j->longest);
	if (rc == -1)
		ctl_error(j->r, "internal", "%s", err);
	else
		j->ops->finish(j->r, j->arg);
	job_free(j);
}

static void
job_slice(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j = arg;
	struct timeval	 tv = { 0, 0 };
	char		 err[256];
	double		 t0 = mono_ms(), t;
	int		 rc;

	(void)fd;
	(void)what;
	err[0] = '\0';
	do
		rc = j->ops->step(j->d, j->arg, err, sizeof err);
	while (rc == 0 && mono_ms() - t0 < JOB_SLICE_MS);
	t = mono_ms() - t0;
	j->slices++;
	if (t > j->longest)
		j->longest = t;
	if (t > JOB_SLOW_MS)
		log_warnx("job %s: slow slice: %.0f ms", j->ops->name, t);
	if (rc != 0)
		job_end(j, rc, err);
	else
		evtimer_add(j->ev, &tv);
}

int
job_start(struct ctl_req *r, const struct job_ops *ops, void *arg)
{
	struct job	*j;

	j = xcalloc(1, sizeof *j);
	j->d = r->d;
	j->r = r;
	j->ops = ops;
	j->arg = arg;
	j->t_start = mono_ms();
	j->ev = evtimer_new(r->d->base, job_slice, j);
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	job_slice(-1, 0, j);
	return CMD_PARKED;
}

void
job_shutdown(struct daemon *d)
{
	struct job	*j;

	(void)d;
	while ((j = TAILQ_FIRST(&jobs)) != NULL) {
		ctl_error(j->r, "unavailable", "the daemon is stopping");
		job_free(j);
	}
}
