#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "tui.h"

/* Formatting shared by the views: ages, times, rates, alert levels. */

/* How long ago unix time WHEN was ("12m", "3h05m"), "" when it is not one. */
const char *
draw_ago(char *buf, size_t len, json_t *when)
{
	long long	 s;

	buf[0] = '\0';
	if (!json_is_integer(when))
		return buf;
	s = (long long)time(NULL) - (long long)json_integer_value(when);
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, _("%llds"), s);
	else if (s < 3600)
		snprintf(buf, len, _("%lldm"), s / 60);
	else if (s < 86400)
		snprintf(buf, len, _("%lldh%02lldm"), s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, _("%lldd%02lldh"), s / 86400,
		    s % 86400 / 3600);
	return buf;
}

/* Unix time WHEN as a local "2026-12-01 16:55", "" when not one. */
const char *
draw_time(char *buf, size_t len, json_t *when)
{
	time_t		 t;
	struct tm	 tm;

	buf[0] = '\0';
	if (!json_is_integer(when) || json_integer_value(when) <= 0)
		return buf;
	t = (time_t)json_integer_value(when);
	if (localtime_r(&t, &tm) != NULL)
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

/* "12.5%" for PART of ALL, "-" when ALL is 0. */
void
draw_pct(char *buf, size_t len, json_int_t part, json_int_t all)
{
	if (all <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100.0 * (double)part /
		    (double)all);
}

int
draw_level(const char *level)
{
	if (level == NULL || strcmp(level, "ok") == 0)
		return S_OK | S_BOLD;
	if (strcmp(level, "attention") == 0)
		return S_WARN | S_BOLD;
	return S_BAD | S_BOLD | S_REVNC;
}
