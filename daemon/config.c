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
    C_DAYS, C_KEYWORDS, C_PROVIDER, C_CC };

struct ckey {
	const char	*section;
	const char	*key;
	enum ctype	 type;
	size_t		 off;
	long		 min, max;	/* C_INT bounds */
};

#define O(f)	offsetof(struct config, f)

static const struct ckey keys[] = {
	{ "daemon", "socket", C_STR, O(socket), 0, 0 },
	{ "daemon", "pidfile", C_STR, O(pidfile), 0, 0 },
	{ "daemon", "log_level", C_LEVEL, O(log_level), 0, 0 },
	{ "daemon", "max_clients", C_INT, O(max_clients), 1, 100000 },
	{ "daemon", "socket_group", C_STR, O(socket_group), 0, 0 },
	{ "store", "path", C_STR, O(store_path), 0, 0 },
	{ "store", "synchronous_full", C_BOOL, O(sync_full), 0, 0 },
	{ "wassenger", "provider", C_PROVIDER, O(provider), 0, 0 },
	{ "wassenger", "api_url", C_STR, O(api_url), 0, 0 },
	{ "wassenger", "api_key", C_SECRET, O(api_key), 0, 0 },
	{ "wassenger", "api_key_file", C_STR, O(api_key_file), 0, 0 },
	{ "wassenger", "device_id", C_STR, O(device_id), 0, 0 },
	{ "wassenger", "timeout", C_DURATION, O(timeout_ms), 0, 0 },
	{ "wassenger", "health_interval", C_DURATION, O(health_interval_ms), 0, 0 },
	{ "webhook", "listen", C_STR, O(listen), 0, 0 },
	{ "webhook", "path", C_STR, O(wh_path), 0, 0 },
	{ "webhook", "token", C_SECRET, O(token), 0, 0 },
	{ "webhook", "max_connections", C_INT, O(wh_max_conns), 1, 100000 },
	{ "webhook", "keep", C_DURATION, O(wh_keep_ms), 0, 0 },
	{ "pacing", "interval", C_DURATION, O(interval_ms), 0, 0 },
	{ "pacing", "jitter", C_DURATION, O(jitter_ms), 0, 0 },
	{ "pacing", "batch_size", C_INT, O(batch_size), 1, 100000 },
	{ "pacing", "batch_pause", C_DURATION, O(batch_pause_ms), 0, 0 },
	{ "pacing", "daily_limit", C_INT, O(daily_limit), 0, 1000000 },
	{ "pacing", "timezone", C_STR, O(timezone), 0, 0 },
	{ "pacing", "window", C_WINDOW, 0, 0, 0 },
	{ "pacing", "days", C_DAYS, O(days), 0, 0 },
	{ "pacing", "breaker_failures", C_INT, O(breaker_failures), 0, 10000 },
	{ "pacing", "suppress_days", C_INT, O(suppress_days), 0, 3650 },
	{ "retry", "max_attempts", C_INT, O(max_attempts), 1, 100 },
	{ "retry", "backoff", C_DURATION, O(backoff_ms), 0, 0 },
	{ "retry", "lookup_after", C_DURATION, O(lookup_after_ms), 0, 0 },
	{ "verify", "interval", C_DURATION, O(verify_interval_ms), 0, 0 },
	{ "verify", "ttl", C_DURATION, O(verify_ttl_ms), 0, 0 },
	{ "auth", "access_ttl", C_DURATION, O(access_ttl_ms), 0, 0 },
	{ "auth", "refresh_ttl", C_DURATION, O(refresh_ttl_ms), 0, 0 },
	{ "auth", "max_failures", C_INT, O(max_failures), 1, 1000 },
	{ "auth", "login_timeout", C_DURATION, O(login_timeout_ms), 0, 0 },
	{ "optout", "keywords", C_KEYWORDS, 0, 0, 0 },
	{ "import", "default_country", C_CC, O(default_country), 0, 0 },
	{ "simulator", "fail_percent", C_INT, O(sim_fail_percent), 0, 100 },
};

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
	c->interval_ms = 25 * 1000;
	c->jitter_ms = 5 * 1000;
	c->batch_size = 25;
	c->batch_pause_ms = 300 * 1000;
	c->daily_limit = 1000;
	c->timezone = xstrdup("UTC");
	c->window_start = c->window_end = -1;
	c->days = 0x7f;
	c->breaker_failures = 10;
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
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
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

static int
set_value(struct config *c, const struct ckey *k, char *val, const char **why)
{
	void		*p = (char *)c + k->off;
	char		*end, *tok, *s;
	long		 l;
	uint64_t	 ms;
	size_t		 i;

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
			c->window_start = c->window_end = -1;
			break;
		}
		if ((s = strchr(val, '-')) == NULL) {
			*why = "must be HH:MM-HH:MM or none";
			return -1;
		}
		*s++ = '\0';
		if (parse_hhmm(trim(val), &c->window_start) == -1 ||
		    parse_hhmm(trim(s), &c->window_end) == -1 ||
		    c->window_start == c->window_end) {
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
			for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
				if (strcmp(keys[i].section, section) == 0 &&
				    strcmp(keys[i].key, key) == 0)
					break;
			if (i == sizeof keys / sizeof keys[0]) {
				snprintf(err, errlen, "%s:%u: unknown key %s in "
				    "[%s]", path, lineno, key, section);
				goto fail;
			}
			if (keys[i].type == C_SECRET && *val != '\0')
				has_secret = 1;
			if (set_value(c, &keys[i], val, &why) == -1) {
				snprintf(err, errlen, "%s:%u: %s: %s", path,
				    lineno, key, why);
				goto fail;
			}
		}
		if (ferror(fp)) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
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
