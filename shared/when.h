#ifndef WHEN_H
#define WHEN_H

#include <stddef.h>
#include <time.h>

/*
 * A start time as operators write it (DESIGN §10): ISO 8601 in the local
 * time zone ("2026-12-24T09:00", seconds optional, a space for the T),
 * with an explicit offset if given ("…Z", "…+01:00"), or "+DURATION" from
 * NOW ("+2h", "+90m", "+6s"). Returns 0 with *OUT, or -1 and why in ERR.
 */
int	 when_parse(const char *, time_t, time_t *, char *, size_t);

/*
 * A daily window "HH:MM-HH:MM" into minutes after midnight; the end may
 * be before the start (a window across midnight). 0, or -1 and ERR.
 */
int	 when_window(const char *, int *, int *, char *, size_t);

#endif
