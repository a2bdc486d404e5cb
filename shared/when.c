#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "i18n.h"
#include "when.h"

/* N digits at S into *V; 0 or -1. */
static int
digits(const char *s, int n, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
when_parse(const char *s, time_t now, time_t *out, char *err, size_t errlen)
{
	struct tm	 tm;
	uint64_t	 ms;
	const char	*why, *p;
	int		 y, mo, d, h, mi, sec = 0, oh, om, off = 0, utc = 0;
	time_t		 t;

	if (s == NULL || *s == '\0') {
		i18n_snprintf(err, errlen, "an empty start time");
		return -1;
	}
	if (*s == '+') {
		if (duration_parse(s + 1, &ms, &why) == -1) {
			i18n_snprintf(err, errlen, "start time %.40s: %s", s, why);
			return -1;
		}
		*out = now + (time_t)(ms / 1000);
		return 0;
	}
	if (strlen(s) < 16 || digits(s, 4, &y) == -1 || s[4] != '-' ||
	    digits(s + 5, 2, &mo) == -1 || s[7] != '-' ||
	    digits(s + 8, 2, &d) == -1 || (s[10] != 'T' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) == -1 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) == -1)
		goto bad;
	p = s + 16;
	if (*p == ':') {
		if (digits(p + 1, 2, &sec) == -1)
			goto bad;
		p += 3;
	}
	if (*p == 'Z' && p[1] == '\0')
		utc = 1;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
	    digits(p + 1, 2, &oh) == 0 && digits(p + 4, 2, &om) == 0 &&
	    oh <= 14 && om < 60) {
		utc = 1;
		off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
	} else if (*p != '\0')
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 59 || y < 1970)
		goto bad;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) - off : mktime(&tm);
	/* mktime/timegm normalise 31 February into March: refuse it. */
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
		goto bad;
	*out = t;
	return 0;
bad:
	i18n_snprintf(err, errlen, "start time %.40s: write "
	    "2026-12-24T09:00 (in the daemon's time zone) or +DURATION such "
	    "as +2h", s);
	return -1;
}

int
when_window(const char *s, int *start, int *end, char *err, size_t errlen)
{
	int	 h1, m1, h2, m2;

	if (s == NULL || strlen(s) != 11 || digits(s, 2, &h1) == -1 ||
	    s[2] != ':' || digits(s + 3, 2, &m1) == -1 || s[5] != '-' ||
	    digits(s + 6, 2, &h2) == -1 || s[8] != ':' ||
	    digits(s + 9, 2, &m2) == -1 || h1 > 23 || h2 > 24 || m1 > 59 ||
	    m2 > 59 || (h2 == 24 && m2 != 0) || (h1 == h2 && m1 == m2)) {
		i18n_snprintf(err, errlen, "window %.40s: write HH:MM-HH:MM "
		    "such as 09:00-18:00", s != NULL ? s : "");
		return -1;
	}
	*start = h1 * 60 + m1;
	*end = h2 * 60 + m2;
	return 0;
}
