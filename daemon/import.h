#ifndef IMPORT_H
#define IMPORT_H

#include <stdint.h>

#include <jansson.h>

struct daemon;
struct ctl_req;

/*
 * Start importing the CSV in R->fd for request R (contacts.import), in slices
 * on the loop. The request is parked and answered when the import ends.
 */
int	 import_start(struct ctl_req *);
/*
 * Undo import batch ID for request R (contacts.import_undo), in slices on
 * the loop; the request is parked and answered at the end.
 */
int	 import_undo_start(struct ctl_req *, int64_t);
/* Category id from an id or a name (created if CREATE); -1 if none. */
int64_t	 category_resolve(struct daemon *, json_t *, int);
/* Mark imports a crash left running as interrupted; how many, or -1. */
int	 import_recover(struct daemon *);

#endif
