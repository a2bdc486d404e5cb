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
/* Lanes for monitoring.stats and devices.list. */
json_t	*pacer_lanes(struct daemon *);
/* The cost of the lanes' turns: {lanes, turns, turn_ms_avg, turn_ms_max,
 * pick_steps_max (the most SQLite VM steps one choice of a message took)}. */
json_t	*pacer_stats(struct daemon *);
/* Today's cap of every lane together (warm-up included). */
long	 pacer_cap_today(struct daemon *);
/* How many lanes send (at least 1). */
size_t	 pacer_nlanes(struct daemon *);
/* The operator resumes lane NAME: 1 resumed, 0 it was not paused, -1 no
 * such lane (ERR says why). */
int	 pacer_resume(struct daemon *, const char *, char *, size_t);

#endif
