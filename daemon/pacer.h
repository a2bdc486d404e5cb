#ifndef PACER_H
#define PACER_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

struct daemon;

/* Reconcile messages left in "sending", then schedule the next send. */
int	 pacer_start(struct daemon *);
void	 pacer_stop(struct daemon *);
/* Something changed (launch, retry, resume): look again at once. */
void	 pacer_kick(struct daemon *);
/* SIGHUP: new pacing applies to the next send; a refused key is retried. */
void	 pacer_reload(struct daemon *);
/* The provider's device came back or went away. */
void	 pacer_health(struct daemon *);
/* Lanes for monitoring.stats. */
json_t	*pacer_lanes(struct daemon *);

#endif
