#ifndef JOB_H
#define JOB_H

#include <stddef.h>

#include <jansson.h>

struct ctl_req;
struct daemon;

/*
 * A sliced background job (DESIGN §2): work that reads or writes more
 * than a turn of the loop may hold runs as steps, as many as fit in its
 * slice, the loop free between slices (webhooks, the socket, the lanes).
 * Imports, their undo, exports and reports run here, with one shape:
 * start, slices (begin, steps, end), finish, and a stop at shutdown. The
 * request that started a job stays parked and is answered exactly once:
 * by FINISH, or "unavailable" at shutdown.
 */
#define JOB_SLICE_MS	3

/* What a step (or a slice's end) says. */
#define JOB_MORE	0	/* more to do */
#define JOB_DONE	1
#define JOB_FAILED	(-1)	/* ERR says why */
#define JOB_WAIT	2	/* the job's descriptor is full: wait for it */
#define JOB_NEXT	3	/* more to do, from a slice of its own */

struct job_ops {
	const char	*name;		/* for the log */
	int		 slice_ms;	/* 0: JOB_SLICE_MS */
	/*
	 * Before a slice (a transaction, say): 0, or -1 to try the slice
	 * again on the next turn (the store busy). NULL: nothing.
	 */
	int		(*begin)(struct daemon *, void *);
	/* One bounded step. */
	int		(*step)(struct daemon *, void *, char *, size_t);
	/*
	 * After a slice, with what its last step said, which it may change
	 * (a commit that failed: JOB_FAILED with ERR). NULL: nothing.
	 */
	int		(*end)(struct daemon *, void *, int, char *, size_t);
	/*
	 * Answer R once the job is over: ERR is NULL when it is done, else
	 * why it failed. NULL: ctl_reply() with nothing, or ctl_error()
	 * "internal" with ERR.
	 */
	void		(*finish)(struct ctl_req *, void *, const char *);
	/*
	 * At shutdown: leave things as a restart expects them and answer R
	 * ("unavailable"). NULL: R is answered "the daemon is stopping".
	 */
	void		(*stop)(struct ctl_req *, struct daemon *, void *);
	void		(*free)(void *);
};

/*
 * Start OPS on ARG (owned from now on) for R; its first slice runs at
 * once. FD, or -1, is the descriptor a step that returns JOB_WAIT waits
 * to be writable. Returns CMD_PARKED.
 */
int	 job_start(struct ctl_req *, const struct job_ops *, void *, int);
/* Jobs running with OPS. */
int	 job_running(const struct job_ops *);
/* At shutdown, before ctl_shutdown: stop, answer and free every job. */
void	 job_shutdown(struct daemon *);

#endif
