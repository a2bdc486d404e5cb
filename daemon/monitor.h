#ifndef MONITOR_H
#define MONITOR_H

#include <jansson.h>

struct daemon;

/*
 * Alert level of today's sends against the daily limit, as in the seed:
 * ok up to 75 %, attention up to 90 %, danger below 100 %, blocked when
 * nothing more may go out.
 */
const char	*monitor_level(long, long);
/* floor((limit - sent) / (1 + interaction_rate)), never negative. */
long		 monitor_capacity(long, long, double);
/* The monitoring.stats data object (also sent as monitoring events). */
json_t		*monitor_stats(struct daemon *);
/* monitoring.capacity: today's capacity and DAYS of daily history. */
json_t		*monitor_capacity_json(struct daemon *, int);

#endif
