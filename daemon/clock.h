#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>
#include <time.h>

/*
 * The one source of "now" and "today" for pacing, day counters and
 * monitoring: the wall clock moved by WACAMP_TEST_CLOCK_OFFSET seconds when
 * that is set (tests of day changes), and days in the configured time zone.
 */
time_t	 clock_now(void);
/* The day key YYYY-MM-DD of T in the configured time zone. */
void	 clock_day(time_t, char [11]);
/* Today's key: clock_day(clock_now()). */
void	 clock_today(char [11]);
/* T as ISO 8601 with the zone's offset: 2026-12-24T09:00:00+01:00. */
void	 clock_iso(time_t, char [32]);
/* Milliseconds on the monotonic clock, for gaps and timeouts. */
uint64_t clock_mono_ms(void);

#endif
