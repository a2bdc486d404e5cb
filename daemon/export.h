#ifndef EXPORT_H
#define EXPORT_H

#include "csv.h"

struct ctl_req;
struct daemon;

/*
 * A CSV written in slices to the descriptor a client passed (SCM_RIGHTS):
 * the daemon never opens a path on a client's behalf, and a slow reader
 * (a pipe to less) never blocks the loop. FILL appends the next page of
 * records to the buffer and returns how many, or -1 with ERR set; a page
 * shorter than EXPORT_PAGE ends the export. ARG is freed with FREE_ARG.
 * The request is answered {"exported": N} at the end, or with an error;
 * the export runs as a job (job.c), stopped with the others at shutdown.
 */
#define EXPORT_PAGE	500

typedef int	(*export_fill_fn)(struct daemon *, void *, struct csv_buf *,
		    char *, size_t);

/* Start; returns CMD_DONE (answered with an error) or CMD_PARKED. */
int	 export_csv(struct ctl_req *, const char *const *, size_t,
	    export_fill_fn, void *, void (*)(void *));

/*
 * Append a record whose cells a spreadsheet must not take for formulas:
 * a cell starting with '=', '+', '-', '@', a tab or a carriage return gets
 * a leading "'" (OWASP's CSV injection rule), except a number in E.164
 * form ("+22890123456"), which is no formula and is kept as it is.
 */
void	 export_append_safe(struct csv_buf *, const char *const *, size_t);

#endif
