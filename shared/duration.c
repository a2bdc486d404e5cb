#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "duration.h"

static const struct {
	const char	*name;
	uint64_t	 ms;
} units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 3600 * 1000 },
	{ "d", 86400 * 1000 },
};

#define DURATION_MAX	(UINT64_C(366) * 86400 * 1000)

int
duration_parse(const char *s, uint64_t *out, const char **why)
{
	uint64_t	 total = 0, n;
	size_t		 i, ulen;
	int		 parts = 0;

	if (s == NULL || *s == '\0') {
		*why = "empty duration";
		return -1;
	}
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s)) {
			*why = "expected a number";
			return -1;
		}
		n = 0;
		while (isdigit((unsigned char)*s)) {
			n = n * 10 + (uint64_t)(*s - '0');
			if (n > DURATION_MAX) {
				*why = "duration too large";
				return -1;
			}
			s++;
		}
		ulen = 0;
		while (isalpha((unsigned char)s[ulen]))
			ulen++;
		if (ulen == 0) {
			if (parts > 0 || *s != '\0') {
				*why = "missing unit (ms, s, m, h, d)";
				return -1;
			}
			n *= 1000;
		} else {
			for (i = 0; i < sizeof units / sizeof units[0]; i++) {
				if (strlen(units[i].name) == ulen &&
				    strncmp(units[i].name, s, ulen) == 0)
					break;
			}
			if (i == sizeof units / sizeof units[0]) {
				*why = "unknown unit (use ms, s, m, h, d)";
				return -1;
			}
			n *= units[i].ms;
			s += ulen;
		}
		total += n;
		if (total > DURATION_MAX) {
			*why = "duration too large";
			return -1;
		}
		parts++;
	}
	*out = total;
	return 0;
}

void
duration_format(uint64_t ms, char *buf, size_t len)
{
	size_t	 i, off = 0;
	uint64_t n;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (ms == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	for (i = sizeof units / sizeof units[0]; i-- > 0 && off < len;) {
		if (ms < units[i].ms)
			continue;
		n = ms / units[i].ms;
		ms %= units[i].ms;
		off += (size_t)snprintf(buf + off, len - off, "%llu%s",
		    (unsigned long long)n, units[i].name);
		if (off >= len)
			break;
	}
}

double
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
