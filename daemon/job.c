/*
 * Sliced background jobs: one list, one timer each, steps run until the
 * slice's few milliseconds are used, then the loop turns before the next
 * slice. A step that finds its descriptor full (a pipe to less) has the
 * job wait for it to drain instead. The longest slice is logged at the
 * end, and a slice far over its budget (one step too big) at once.
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

/* A slice this much over its budget holds the loop: say so. */
#define JOB_SLOW_FACTOR	10

struct job {
	TAILQ_ENTRY(job)	 entry;
	struct daemon		*d;
	struct ctl_req		*r;
	const struct job_ops	*ops;
	void			*arg;
	struct event		*ev;
	struct event		*wev;	/* FD writable, or NULL */
	double			 t_start, longest;
	long			 slices;
};

static TAILQ_HEAD(, job)	 jobs = TAILQ_HEAD_INITIALIZER(jobs);

static void
job_free(struct job *j)
{
	TAILQ_REMOVE(&jobs, j, entry);
	event_free(j->ev);
	if (j->wev != NULL)
		event_free(j->wev);
	if (j->ops->free != NULL)
		j->ops->free(j->arg);
	free(j);
}

/* Answer the request, done or failed with ERR. */
static void
job_end(struct job *j, int rc, const char *err)
{
	log_debug("job %s: %ld slices in %.0f ms, the longest %.1f ms",
	    j->ops->name, j->slices, mono_ms() - j->t_start, j->longest);
	if (j->ops->finish != NULL)
		j->ops->finish(j->r, j->arg, rc == JOB_FAILED ? err : NULL);
	else if (rc == JOB_FAILED)
		ctl_error(j->r, "internal", "%s", err);
	else
		ctl_reply(j->r, NULL);
	job_free(j);
}

static void
job_slice(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j = arg;
	struct timeval	 tv = { 0, 0 };
	char		 err[512];
	double		 t0 = mono_ms(), t, budget;
	int		 rc;

	(void)fd;
	(void)what;
	budget = j->ops->slice_ms > 0 ? j->ops->slice_ms : JOB_SLICE_MS;
	if (j->ops->begin != NULL && j->ops->begin(j->d, j->arg) == -1) {
		evtimer_add(j->ev, &tv);
		return;
	}
	err[0] = '\0';
	do
		rc = j->ops->step(j->d, j->arg, err, sizeof err);
	while (rc == JOB_MORE && mono_ms() - t0 < budget);
	if (j->ops->end != NULL)
		rc = j->ops->end(j->d, j->arg, rc, err, sizeof err);
	t = mono_ms() - t0;
	j->slices++;
	if (t > j->longest)
		j->longest = t;
	if (t > JOB_SLOW_FACTOR * budget)
		log_warnx("job %s: slow slice: %.0f ms", j->ops->name, t);
	if (rc == JOB_MORE || rc == JOB_NEXT)
		evtimer_add(j->ev, &tv);
	else if (rc == JOB_WAIT && j->wev != NULL)
		event_add(j->wev, NULL);
	else if (rc == JOB_WAIT)
		evtimer_add(j->ev, &tv);
	else
		job_end(j, rc, err);
}

int
job_start(struct ctl_req *r, const struct job_ops *ops, void *arg, int fd)
{
	struct job	*j;

	j = xcalloc(1, sizeof *j);
	j->d = r->d;
	j->r = r;
	j->ops = ops;
	j->arg = arg;
	j->t_start = mono_ms();
	j->ev = evtimer_new(r->d->base, job_slice, j);
	if (fd != -1)
		j->wev = event_new(r->d->base, fd, EV_WRITE, job_slice, j);
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	job_slice(-1, 0, j);
	return CMD_PARKED;
}

int
job_running(const struct job_ops *ops)
{
	struct job	*j;
	int		 n = 0;

	TAILQ_FOREACH(j, &jobs, entry)
		if (j->ops == ops)
			n++;
	return n;
}

void
job_shutdown(struct daemon *d)
{
	struct job	*j;

	while ((j = TAILQ_FIRST(&jobs)) != NULL) {
		if (j->ops->stop != NULL)
			j->ops->stop(j->r, d, j->arg);
		else
			ctl_error(j->r, "unavailable", "the daemon is stopping");
		job_free(j);
	}
}
