#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int	 log_fg = 1;
static int	 log_journal;	/* stderr is journald's: <N> prefixes */
static int	 log_lvl = LOG_LVL_INFO;
static const char *log_name = "wacamp";

/*
 * Under systemd, $JOURNAL_STREAM names the device and inode of the stream
 * journald reads; when stderr is that stream, a line starts with its
 * syslog priority, "<4>" (a fatal error's "<3>"), and carries no time of
 * its own (the journal stamps it), so that journalctl -p warning finds the
 * warnings and -p err what stopped the daemon.
 */
static int
journal_stream(void)
{
	struct stat		 st;
	const char		*s;
	unsigned long long	 dev, ino;

	if ((s = getenv("JOURNAL_STREAM")) == NULL ||
	    sscanf(s, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(fileno(stderr), &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *name, int foreground, int level)
{
	log_name = name;
	log_fg = foreground;
	log_lvl = level;
	log_journal = foreground && journal_stream();
	if (!foreground)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setlevel(int level)
{
	log_lvl = level;
}

int
log_getlevel(void)
{
	return log_lvl;
}

/* Map a config word (warn, info, debug) to a level. */
int
log_parse_level(const char *s, int *level)
{
	if (strcasecmp(s, "warn") == 0 || strcasecmp(s, "warning") == 0)
		*level = LOG_LVL_WARN;
	else if (strcasecmp(s, "info") == 0)
		*level = LOG_LVL_INFO;
	else if (strcasecmp(s, "debug") == 0)
		*level = LOG_LVL_DEBUG;
	else
		return -1;
	return 0;
}

/* One line at syslog priority PRIO, with strerror(SAVED) unless 0. */
static void
logv(int prio, int saved, const char *fmt, va_list ap)
{
	char		 buf[32], msg[1024];
	struct tm	 tm;
	time_t		 now;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s", prio, msg);
	else if (log_fg) {
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(buf, sizeof buf, "%H:%M:%S", &tm);
		fprintf(stderr, "%s %s: %s", buf, log_name, msg);
	} else if (saved != 0) {
		syslog(prio, "%s: %s", msg, strerror(saved));
		return;
	} else {
		syslog(prio, "%s", msg);
		return;
	}
	if (saved != 0)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	fflush(stderr);
}

void
vlog(int lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (lvl > log_lvl)
		return;
	logv(prio[lvl], 0, fmt, ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	if (LOG_LVL_WARN <= log_lvl)
		logv(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	/* The journal's "error": what stopped the daemon stands out. */
	va_start(ap, fmt);
	logv(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	logv(LOG_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
