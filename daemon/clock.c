#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

time_t
clock_now(void)
{
	static int	 init;
	static long	 offset;
	const char	*s;

	if (!init) {
		init = 1;
		if ((s = getenv("WACAMP_TEST_CLOCK_OFFSET")) != NULL)
			offset = strtol(s, NULL, 10);
	}
	return time(NULL) + offset;
}

void
clock_day(time_t t, char out[11])
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

void
clock_today(char out[11])
{
	clock_day(clock_now(), out);
}

void
clock_iso(time_t t, char out[32])
{
	struct tm	 tm;
	size_t		 n;

	localtime_r(&t, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* +0100 -> +01:00 */
	if (n == 24) {
		out[25] = '\0';
		out[24] = out[23];
		out[23] = out[22];
		out[22] = ':';
	}
}

uint64_t
clock_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
