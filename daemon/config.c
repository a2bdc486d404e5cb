#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "duration.h"
#include "log.h"
#include "paths.h"
#include "xmalloc.h"

enum ctype { C_STR, C_SECRET, C_DURATION, C_INT, C_BOOL, C_LEVEL, C_WINDOW,
    C_DAYS, C_KEYWORDS, C_PROVIDER, C_CC, C_DATE, C_STEPS, C_PERCENT,
    C_FACTOR };

struct ckey {
	const char	*section;
	const char	*key;
	enum ctype	 type;
	size_t		 off;
	long		 min, max;	/* C_INT bounds */
	int		 lane;		/* off is in struct pacing; a [device
					   NAME] section may set it */
};

#define O(f)	offsetof(struct config, f)
#define P(f)	offsetof(struct pacing, f)

static const struct ckey keys[] = {
	{ "daemon", "socket", C_STR, O(socket), 0, 0, 0 },
	{ "daemon", "pidfile", C_STR, O(pidfile), 0, 0, 0 },
	{ "daemon", "log_level", C_LEVEL, O(log_level), 0, 0, 0 },
	{ "daemon", "max_clients", C_INT, O(max_clients), 1, 100000, 0 },
	{ "daemon", "socket_group", C_STR, O(socket_group), 0, 0, 0 },
	{ "store", "path", C_STR, O(store_path), 0, 0, 0 },
	{ "store", "synchronous_full", C_BOOL, O(sync_full), 0, 0, 0 },
	{ "wassenger", "provider", C_PROVIDER, O(provider), 0, 0, 0 },
	{ "wassenger", "api_url", C_STR, O(api_url), 0, 0, 0 },
	{ "wassenger", "api_key", C_SECRET, O(api_key), 0, 0, 0 },
	{ "wassenger", "api_key_file", C_STR, O(api_key_file), 0, 0, 0 },
	{ "wassenger", "device_id", C_STR, O(device_id), 0, 0, 0 },
	{ "wassenger", "timeout", C_DURATION, O(timeout_ms), 0, 0, 0 },
	{ "wassenger", "health_interval", C_DURATION, O(health_interval_ms), 0, 0,
	    0 },
	{ "webhook", "listen", C_STR, O(listen), 0, 0, 0 },
	{ "webhook", "path", C_STR, O(wh_path), 0, 0, 0 },
	{ "webhook", "token", C_SECRET, O(token), 0, 0, 0 },
	{ "webhook", "max_connections", C_INT, O(wh_max_conns), 1, 100000, 0 },
	{ "webhook", "keep", C_DURATION, O(wh_keep_ms), 0, 0, 0 },
	{ "pacing", "interval", C_DURATION, P(interval_ms), 0, 0, 1 },
	{ "pacing", "jitter", C_DURATION, P(jitter_ms), 0, 0, 1 },
	{ "pacing", "batch_size", C_INT, P(batch_size), 1, 100000, 1 },
	{ "pacing", "batch_pause", C_DURATION, P(batch_pause_ms), 0, 0, 1 },
	{ "pacing", "daily_limit", C_INT, P(daily_limit), 0, 1000000, 1 },
	{ "pacing", "window", C_WINDOW, 0, 0, 0, 1 },
	{ "pacing", "days", C_DAYS, P(days), 0, 0, 1 },
	{ "pacing", "breaker_failures", C_INT, P(breaker_failures), 0, 10000,
	    1 },
	{ "pacing", "warmup_start", C_DATE, P(warmup_start), 0, 0, 1 },
	{ "pacing", "warmup_steps", C_STEPS, 0, 0, 0, 1 },
	{ "pacing", "governor_window", C_INT, P(governor_window), 0, 10000, 1 },
	{ "pacing", "optout_slow", C_PERCENT, P(optout_slow), 0, 0, 1 },
	{ "pacing", "optout_pause", C_PERCENT, P(optout_pause), 0, 0, 1 },
	{ "pacing", "slow_factor", C_FACTOR, P(slow_factor), 0, 0, 1 },
	{ "pacing", "timezone", C_STR, O(timezone), 0, 0, 0 },
	{ "pacing", "suppress_days", C_INT, O(suppress_days), 0, 3650, 0 },
	{ "retry", "max_attempts", C_INT, O(max_attempts), 1, 100, 0 },
	{ "retry", "backoff", C_DURATION, O(backoff_ms), 0, 0, 0 },
	{ "retry", "lookup_after", C_DURATION, O(lookup_after_ms), 0, 0, 0 },
	{ "verify", "interval", C_DURATION, O(verify_interval_ms), 0, 0, 0 },
	{ "verify", "ttl", C_DURATION, O(verify_ttl_ms), 0, 0, 0 },
	{ "auth", "access_ttl", C_DURATION, O(access_ttl_ms), 0, 0, 0 },
	{ "auth", "refresh_ttl", C_DURATION, O(refresh_ttl_ms), 0, 0, 0 },
	{ "auth", "max_failures", C_INT, O(max_failures), 1, 1000, 0 },
	{ "auth", "login_timeout", C_DURATION, O(login_timeout_ms), 0, 0, 0 },
	{ "optout", "keywords", C_KEYWORDS, 0, 0, 0, 0 },
	{ "import", "default_country", C_CC, O(default_country), 0, 0, 0 },
	{ "simulator", "fail_percent", C_INT, O(sim_fail_percent), 0, 100, 0 },
};
_Static_assert(sizeof keys / sizeof keys[0] <= 64, "device set: 64 bits");

static const char *default_keywords[] = {
	"STOP", "ARRET", "ARRÊT", "STOPP", "DESABONNER", "UNSUBSCRIBE"
};

struct config *
config_default(void)
{
	struct config	*c;
	size_t		 i;

	c = xcalloc(1, sizeof *c);
	c->socket = paths_socket();
	c->pidfile = NULL;
	c->log_level = LOG_LVL_INFO;
	c->max_clients = 256;
	c->store_path = paths_store();
	c->provider = NULL;
	c->api_url = xstrdup("https://api.wassenger.com/v1");
	c->timeout_ms = 30 * 1000;
	c->health_interval_ms = 60 * 1000;
	c->listen = xstrdup("127.0.0.1:8080");
	c->wh_path = xstrdup("/api/webhooks/wassenger");
	c->wh_max_conns = 512;
	c->pacing.interval_ms = 25 * 1000;
	c->pacing.jitter_ms = 5 * 1000;
	c->pacing.batch_size = 25;
	c->pacing.batch_pause_ms = 300 * 1000;
	c->pacing.daily_limit = 1000;
	c->timezone = xstrdup("UTC");
	c->pacing.window_start = c->pacing.window_end = -1;
	c->pacing.days = 0x7f;
	c->pacing.breaker_failures = 10;
	c->pacing.warmup_start = -1;
	c->pacing.governor_window = 50;
	c->pacing.optout_slow = 3;
	c->pacing.optout_pause = 6;
	c->pacing.slow_factor = 2;
	c->suppress_days = 0;
	c->max_attempts = 3;
	c->backoff_ms = 30 * 1000;
	c->lookup_after_ms = 3 * 60 * 1000;
	c->wh_keep_ms = (uint64_t)30 * 86400 * 1000;
	c->verify_interval_ms = 2 * 1000;
	c->verify_ttl_ms = UINT64_C(30) * 86400 * 1000;
	c->access_ttl_ms = UINT64_C(24) * 3600 * 1000;
	c->refresh_ttl_ms = UINT64_C(7) * 86400 * 1000;
	c->max_failures = 3;
	c->login_timeout_ms = 60 * 1000;
	for (i = 0; i < sizeof default_keywords / sizeof default_keywords[0]; i++)
		c->keywords[c->nkeywords++] = xstrdup(default_keywords[i]);
	c->default_country = NULL;
	return c;
}

void
config_free(struct config *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	if (c->api_key != NULL)
		explicit_bzero(c->api_key, strlen(c->api_key));
	if (c->token != NULL)
		explicit_bzero(c->token, strlen(c->token));
	for (i = 0; i < c->ndevices; i++) {
		free(c->devices[i].name);
		free(c->devices[i].device_id);
	}
	free(c->devices);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].lane)
			continue;
		switch (keys[i].type) {
		case C_STR:
		case C_SECRET:
		case C_PROVIDER:
		case C_CC:
			free(*(char **)((char *)c + keys[i].off));
			break;
		default:
			break;
		}
	}
	for (i = 0; i < c->nkeywords; i++)
		free(c->keywords[i]);
	free(c->path);
	free(c);
}

const char *
config_provider(const struct config *c)
{
	if (c->provider != NULL)
		return c->provider;
	return (c->api_key != NULL && *c->api_key != '\0') ?
	    "wassenger" : "simulator";
}

const struct device *
config_device(const struct config *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->ndevices; i++)
		if (strcmp(c->devices[i].name, name) == 0)
			return &c->devices[i];
	return NULL;
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Parse "HH:MM" into minutes after midnight. */
static int
parse_hhmm(const char *s, int *out)
{
	int	 h, m;
	char	 tail;

	if (sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 ||
	    m < 0 || m > 59 || (h == 24 && m != 0))
		return -1;
	*out = h * 60 + m;
	return 0;
}

/* Parse a day list: "mon-fri", "mon,wed,sat", "all". */
static int
parse_days(const char *s, int *out)
{
	static const char *names[] = { "sun", "mon", "tue", "wed", "thu",
	    "fri", "sat" };
	char	 buf[128], *p, *tok, *dash;
	int	 mask = 0, a, b, i;

	if (strcasecmp(s, "all") == 0) {
		*out = 0x7f;
		return 0;
	}
	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	for (p = buf; (tok = strsep(&p, ",")) != NULL;) {
		tok = trim(tok);
		dash = strchr(tok, '-');
		if (dash != NULL)
			*dash++ = '\0';
		for (a = 0; a < 7 && strcasecmp(trim(tok), names[a]) != 0; a++)
			;
		b = a;
		if (dash != NULL)
			for (b = 0; b < 7 && strcasecmp(trim(dash), names[b]) != 0;
			    b++)
				;
		if (a == 7 || b == 7)
			return -1;
		for (i = a;; i = (i + 1) % 7) {
			mask |= 1 << i;
			if (i == b)
				break;
		}
	}
	if (mask == 0)
		return -1;
	*out = mask;
	return 0;
}

/* Days since 1970-01-01 of a civil date "YYYY-MM-DD"; -1 if it is none. */
static long
parse_date(const char *s)
{
	int	 y, m, dd, n = 0;
	long	 era, yoe, doy, doe;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &dd, &n) != 3 ||
	    s[n] != '\0' || n != 10 || m < 1 || m > 12 || dd < 1 || dd > 31 ||
	    y < 1970)
		return -1;
	/* Howard Hinnant's days_from_civil. */
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* A percentage: "3", "3%", "2.5%"; 0 to 100. */
static int
parse_number(const char *s, double *out, int percent)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v != v)
		return -1;
	if (percent && *end == '%')
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
set_value(struct config *c, struct pacing *lp, const struct ckey *k,
    char *val, const char **why)
{
	void		*p = k->lane ? (char *)lp + k->off : (char *)c + k->off;
	char		*end, *tok, *s;
	long		 l;
	uint64_t	 ms;
	size_t		 i;
	double		 v;

	switch (k->type) {
	case C_STR:
	case C_SECRET:
		free(*(char **)p);
		*(char **)p = xstrdup(val);
		break;
	case C_PROVIDER:
		if (strcmp(val, "wassenger") != 0 &&
		    strcmp(val, "simulator") != 0) {
			*why = "must be wassenger or simulator";
			return -1;
		}
		free(*(char **)p);
		*(char **)p = xstrdup(val);
		break;
	case C_CC:
		for (i = 0; val[i] != '\0'; i++)
			if (!isdigit((unsigned char)val[i]))
				break;
		if (val[0] == '+')
			val++, i = strspn(val, "0123456789");
		if (val[i] != '\0' || i == 0 || i > 3) {
			*why = "must be a country calling code like 228";
			return -1;
		}
		free(*(char **)p);
		*(char **)p = xstrdup(val);
		break;
	case C_DURATION:
		if (duration_parse(val, &ms, why) == -1)
			return -1;
		*(uint64_t *)p = ms;
		break;
	case C_INT:
		errno = 0;
		l = strtol(val, &end, 10);
		if (errno != 0 || end == val || *end != '\0' || l < k->min ||
		    l > k->max) {
			*why = "must be a whole number in range";
			return -1;
		}
		*(int *)p = (int)l;
		break;
	case C_BOOL:
		if (strcasecmp(val, "yes") == 0 || strcmp(val, "1") == 0 ||
		    strcasecmp(val, "true") == 0 || strcasecmp(val, "on") == 0)
			*(int *)p = 1;
		else if (strcasecmp(val, "no") == 0 || strcmp(val, "0") == 0 ||
		    strcasecmp(val, "false") == 0 || strcasecmp(val, "off") == 0)
			*(int *)p = 0;
		else {
			*why = "must be yes or no";
			return -1;
		}
		break;
	case C_LEVEL:
		if (log_parse_level(val, (int *)p) == -1) {
			*why = "must be warn, info or debug";
			return -1;
		}
		break;
	case C_WINDOW:
		if (strcasecmp(val, "none") == 0 || *val == '\0') {
			lp->window_start = lp->window_end = -1;
			break;
		}
		if ((s = strchr(val, '-')) == NULL) {
			*why = "must be HH:MM-HH:MM or none";
			return -1;
		}
		*s++ = '\0';
		if (parse_hhmm(trim(val), &lp->window_start) == -1 ||
		    parse_hhmm(trim(s), &lp->window_end) == -1 ||
		    lp->window_start == lp->window_end) {
			*why = "must be HH:MM-HH:MM or none";
			return -1;
		}
		break;
	case C_DAYS:
		if (parse_days(val, (int *)p) == -1) {
			*why = "must be a list of days like mon-fri,sun";
			return -1;
		}
		break;
	case C_DATE:
		if (strcasecmp(val, "none") == 0 || *val == '\0')
			l = -1;
		else if ((l = parse_date(val)) == -1) {
			*why = "must be a date like 2026-12-01, or none";
			return -1;
		}
		*(long *)p = l;
		break;
	case C_STEPS:
		lp->nwarmup = 0;
		for (s = val; (tok = strsep(&s, ", \t")) != NULL;) {
			if (*tok == '\0')
				continue;
			errno = 0;
			l = strtol(tok, &end, 10);
			if (errno != 0 || end == tok || *end != '\0' ||
			    l < 0 || l > 1000000) {
				*why = "must be caps like 20 40 80 160";
				return -1;
			}
			if (lp->nwarmup == CONFIG_MAX_STEPS) {
				*why = "at most 16 steps";
				return -1;
			}
			lp->warmup_steps[lp->nwarmup++] = (int)l;
		}
		break;
	case C_PERCENT:
		if (parse_number(val, &v, 1) == -1 || v < 0 || v > 100) {
			*why = "must be a percentage from 0 to 100, like 3%";
			return -1;
		}
		*(double *)p = v;
		break;
	case C_FACTOR:
		if (parse_number(val, &v, 0) == -1 || v < 1 || v > 100) {
			*why = "must be a number from 1 to 100, like 2";
			return -1;
		}
		*(double *)p = v;
		break;
	case C_KEYWORDS:
		for (i = 0; i < c->nkeywords; i++)
			free(c->keywords[i]);
		c->nkeywords = 0;
		for (s = val; (tok = strsep(&s, ",")) != NULL;) {
			tok = trim(tok);
			if (*tok == '\0')
				continue;
			if (c->nkeywords == CONFIG_MAX_KEYWORDS) {
				*why = "too many keywords";
				return -1;
			}
			c->keywords[c->nkeywords++] = xstrdup(tok);
		}
		break;
	}
	return 0;
}

/* Read a one-line secret from a file that only its owner may read. */
/*
 * A file the daemon trusts (its config, its key) that someone else could
 * change: group or others may write it, or a user other than us or root
 * owns it. Such a config could point api_url elsewhere and receive the
 * key. 1 (ERR says why) or 0.
 */
static int
unsafe_file(const char *path, const struct stat *st, char *err,
    size_t errlen)
{
	if ((st->st_mode & 022) != 0) {
		snprintf(err, errlen, "%s: mode %04o lets group or others "
		    "change it (chmod go-w it)", path,
		    (unsigned)(st->st_mode & 07777));
		return 1;
	}
	if (st->st_uid != getuid() && st->st_uid != 0) {
		snprintf(err, errlen, "%s: owned by uid %u, neither you (uid "
		    "%u) nor root", path, (unsigned)st->st_uid,
		    (unsigned)getuid());
		return 1;
	}
	return 0;
}

/*
 * A secret is for its owner alone, or for a group of nobody else: root's
 * file in the service account's own group (0640 root:wacamp, a group
 * with no members), which the daemon reads and operators cannot.
 */
static int
secret_private(const struct stat *st)
{
	struct group	*gr;

	if ((st->st_mode & 077) == 0)
		return 1;
	if (st->st_uid != 0 || st->st_gid == 0 || (st->st_mode & 037) != 0)
		return 0;
	return (gr = getgrgid(st->st_gid)) != NULL && gr->gr_mem != NULL &&
	    gr->gr_mem[0] == NULL;
}

static int
read_secret_file(const char *path, char **out, char *err, size_t errlen)
{
	struct stat	 st;
	char		 buf[4096];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "[wassenger] api_key_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || unsafe_file(path, &st, err, errlen)) {
		close(fd);
		return -1;
	}
	if (!secret_private(&st)) {
		snprintf(err, errlen, "%s: group or others may access this "
		    "secret file (chmod 600 it)", path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	*out = xstrdup(trim(buf));
	explicit_bzero(buf, sizeof buf);
	return 0;
}

/* Copy the field of lane key K from SRC to DST. */
static void
pacing_copy(struct pacing *dst, const struct pacing *src, const struct ckey *k)
{
	switch (k->type) {
	case C_WINDOW:
		dst->window_start = src->window_start;
		dst->window_end = src->window_end;
		break;
	case C_STEPS:
		memcpy(dst->warmup_steps, src->warmup_steps,
		    sizeof dst->warmup_steps);
		dst->nwarmup = src->nwarmup;
		break;
	case C_DURATION:
		memcpy((char *)dst + k->off, (const char *)src + k->off,
		    sizeof(uint64_t));
		break;
	case C_DATE:
		memcpy((char *)dst + k->off, (const char *)src + k->off,
		    sizeof(long));
		break;
	case C_PERCENT:
	case C_FACTOR:
		memcpy((char *)dst + k->off, (const char *)src + k->off,
		    sizeof(double));
		break;
	default:
		memcpy((char *)dst + k->off, (const char *)src + k->off,
		    sizeof(int));
		break;
	}
}

/* A lane name: letters, digits, - _ . (at most 32). */
static int
lane_name_ok(const char *s)
{
	size_t	 n = strlen(s);

	return n > 0 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

/*
 * Open a [device NAME] section (NAME after "device"): a new lane.
 * 0, or -1 with ERR.
 */
static int
device_open(struct config *c, const char *path, unsigned lineno,
    const char *name, char *err, size_t errlen)
{
	struct device	*dv;

	if (!lane_name_ok(name) || strcmp(name, CONFIG_DEFAULT_LANE) == 0 ||
	    strcmp(name, "all") == 0) {
		snprintf(err, errlen, "%s:%u: [device %s]: a device name is 1 "
		    "to 32 letters, digits, '-', '_' or '.', and neither \"%s\" "
		    "nor \"all\"", path, lineno, name, CONFIG_DEFAULT_LANE);
		return -1;
	}
	if (config_device(c, name) != NULL) {
		snprintf(err, errlen, "%s:%u: [device %s] is given twice",
		    path, lineno, name);
		return -1;
	}
	if (c->ndevices == CONFIG_MAX_DEVICES) {
		snprintf(err, errlen, "%s:%u: at most %d [device] sections",
		    path, lineno, CONFIG_MAX_DEVICES);
		return -1;
	}
	c->devices = xreallocarray(c->devices, c->ndevices + 1,
	    sizeof *c->devices);
	dv = &c->devices[c->ndevices++];
	memset(dv, 0, sizeof *dv);
	dv->name = xstrdup(name);
	dv->line = lineno;
	dv->pacing = c->pacing;
	return 0;
}

/*
 * Every [device] section: a device_id of its own, and the [pacing] keys
 * it does not set taken from [pacing] (wherever [pacing] sits in the
 * file). 0, or -1 with ERR.
 */
static int
devices_resolve(struct config *c, const char *path, char *err, size_t errlen)
{
	struct device	*dv;
	size_t		 i, j, k;

	for (i = 0; i < c->ndevices; i++) {
		dv = &c->devices[i];
		if (dv->device_id == NULL || *dv->device_id == '\0') {
			snprintf(err, errlen, "%s:%u: [device %s]: device_id "
			    "is missing", path, dv->line, dv->name);
			return -1;
		}
		if (c->device_id != NULL &&
		    strcmp(c->device_id, dv->device_id) == 0) {
			snprintf(err, errlen, "%s:%u: [device %s]: device_id "
			    "is the [wassenger] one (lane %s)", path, dv->line,
			    dv->name, CONFIG_DEFAULT_LANE);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(c->devices[j].device_id,
			    dv->device_id) == 0) {
				snprintf(err, errlen, "%s:%u: [device %s]: "
				    "device_id is also [device %s]'s", path,
				    dv->line, dv->name, c->devices[j].name);
				return -1;
			}
		for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
			if (keys[k].lane && !(dv->set & (UINT64_C(1) << k)))
				pacing_copy(&dv->pacing, &c->pacing, &keys[k]);
	}
	return 0;
}

int
config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	struct config	*c;
	struct stat	 st;
	FILE		*fp = NULL;
	char		*line = NULL, *s, *eq, *key, *val, section[64] = "";
	size_t		 linesz = 0, i;
	ssize_t		 n;
	unsigned	 lineno = 0;
	int		 has_secret = 0;
	const char	*why, *env;
	struct device	*dv;
	struct pacing	*lp;

	c = config_default();
	if (path != NULL) {
		c->path = xstrdup(path);
		if ((fp = fopen(path, "re")) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		while ((n = getline(&line, &linesz, fp)) != -1) {
			lineno++;
			s = trim(line);
			if (*s == '#' || *s == ';' || *s == '\0')
				continue;
			if (*s == '[') {
				if (s[strlen(s) - 1] != ']' ||
				    strlen(s) - 2 >= sizeof section) {
					snprintf(err, errlen, "%s:%u: bad section "
					    "header", path, lineno);
					goto fail;
				}
				s[strlen(s) - 1] = '\0';
				snprintf(section, sizeof section, "%s", trim(s + 1));
				if (strncmp(section, "device", 6) == 0 &&
				    isspace((unsigned char)section[6])) {
					if (device_open(c, path, lineno,
					    trim(section + 7), err, errlen) == -1)
						goto fail;
					snprintf(section, sizeof section,
					    "device");
					continue;
				}
				for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
					if (strcmp(keys[i].section, section) == 0)
						break;
				if (i == sizeof keys / sizeof keys[0]) {
					snprintf(err, errlen, "%s:%u: unknown "
					    "section [%s]", path, lineno, section);
					goto fail;
				}
				continue;
			}
			if ((eq = strchr(s, '=')) == NULL) {
				snprintf(err, errlen, "%s:%u: expected key = value",
				    path, lineno);
				goto fail;
			}
			*eq = '\0';
			key = trim(s);
			val = trim(eq + 1);
			if (*val == '"') {
				/* Quoted: the value ends at the closing quote. */
				if ((s = strchr(val + 1, '"')) == NULL) {
					snprintf(err, errlen, "%s:%u: %s: missing "
					    "closing quote", path, lineno, key);
					goto fail;
				}
				*s++ = '\0';
				val++;
				s += strspn(s, " \t");
				if (*s != '\0' && *s != '#') {
					snprintf(err, errlen, "%s:%u: %s: text "
					    "after the closing quote", path,
					    lineno, key);
					goto fail;
				}
			} else {
				/* A '#' after whitespace starts a comment. */
				for (s = val; *s != '\0'; s++)
					if (*s == '#' && s > val &&
					    isspace((unsigned char)s[-1])) {
						*s = '\0';
						val = trim(val);
						break;
					}
			}
			if (*section == '\0') {
				snprintf(err, errlen, "%s:%u: key %s outside a "
				    "section", path, lineno, key);
				goto fail;
			}
			dv = strcmp(section, "device") == 0 ?
			    &c->devices[c->ndevices - 1] : NULL;
			if (dv != NULL && strcmp(key, "device_id") == 0) {
				free(dv->device_id);
				dv->device_id = xstrdup(val);
				continue;
			}
			for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
				if (strcmp(keys[i].section, dv != NULL ?
				    "pacing" : section) == 0 &&
				    strcmp(keys[i].key, key) == 0 &&
				    (dv == NULL || keys[i].lane))
					break;
			if (i == sizeof keys / sizeof keys[0]) {
				snprintf(err, errlen, "%s:%u: unknown key %s in "
				    "[%s%s%s]", path, lineno, key, section,
				    dv != NULL ? " " : "",
				    dv != NULL ? dv->name : "");
				goto fail;
			}
			if (keys[i].type == C_SECRET && *val != '\0')
				has_secret = 1;
			lp = dv != NULL ? &dv->pacing : &c->pacing;
			if (dv != NULL)
				dv->set |= UINT64_C(1) << i;
			if (set_value(c, lp, &keys[i], val, &why) == -1) {
				snprintf(err, errlen, "%s:%u: %s: %s", path,
				    lineno, key, why);
				goto fail;
			}
		}
		if (ferror(fp)) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (devices_resolve(c, path, err, errlen) == -1)
			goto fail;
		if (fstat(fileno(fp), &st) == -1 ||
		    unsafe_file(path, &st, err, errlen))
			goto fail;
		if (has_secret && !secret_private(&st)) {
			snprintf(err, errlen, "%s: holds a secret but group or "
			    "others may read it (chmod 600 it, or use "
			    "api_key_file)", path);
			goto fail;
		}
		fclose(fp);
		fp = NULL;
		if (line != NULL)
			explicit_bzero(line, linesz);
		free(line);
		line = NULL;
	}

	if (c->api_key_file != NULL && c->api_key == NULL &&
	    read_secret_file(c->api_key_file, &c->api_key, err, errlen) == -1)
		goto fail;
	if ((env = getenv("WASSENGER_API_KEY")) != NULL && *env != '\0') {
		free(c->api_key);
		c->api_key = xstrdup(env);
	}
	if ((env = getenv("WACAMP_WEBHOOK_TOKEN")) != NULL && *env != '\0') {
		free(c->token);
		c->token = xstrdup(env);
	}
	if (c->provider != NULL && strcmp(c->provider, "wassenger") == 0 &&
	    (c->api_key == NULL || *c->api_key == '\0')) {
		snprintf(err, errlen, "%s: provider is wassenger but no api_key, "
		    "api_key_file or WASSENGER_API_KEY is set",
		    path ? path : "config");
		goto fail;
	}
	*out = c;
	return 0;

fail:
	if (fp != NULL)
		fclose(fp);
	free(line);
	config_free(c);
	return -1;
}
