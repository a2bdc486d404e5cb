#ifndef JOB_H
#define JOB_H

#include <stddef.h>

#include <jansson.h>

struct ctl_req;
struct daemon;

/*
 * A sliced background job (DESIGN §2): work that reads more than a turn
 * of the loop may hold runs as steps, as many as fit in JOB_SLICE_MS,
 * the loop free between slices (webhooks, the socket, the lanes). The
 * request that started it stays parked and is answered once: by FINISH,
 * with the error of a failed step, or at shutdown.
 */
#define JOB_SLICE_MS	3

struct job_ops {
	const char	*name;		/* for the log */
	/* One bounded step: 1 done, 0 more to do, -1 failed (ERR why). */
	int		(*step)(struct daemon *, void *, char *, size_t);
	/* Once done: answer the request (ctl_reply or ctl_error). */
	void		(*finish)(struct ctl_req *, void *);
	void		(*free)(void *);
};

/* Start OPS on ARG (owned from now on) for R; returns CMD_PARKED. */
int	 job_start(struct ctl_req *, const struct job_ops *, void *);
/* At shutdown, before ctl_shutdown: answer and free every job. */
void	 job_shutdown(struct daemon *);

#endif
