#ifndef DURATION_H
#define DURATION_H

#include <stdint.h>

/*
 * Parse a duration: a whole number followed by a unit, "300ms", "25s", "5m",
 * "1h", "2d"; several may follow each other ("1h30m"). A bare number is
 * seconds. Returns 0 and the value in milliseconds, or -1 with *why set.
 */
int	 duration_parse(const char *, uint64_t *, const char **);
/* Format milliseconds back into the shortest exact form ("25s", "1h30m"). */
void	 duration_format(uint64_t, char *, size_t);
/* Milliseconds on the monotonic clock, for timing slices of work. */
double	 mono_ms(void);

#endif
