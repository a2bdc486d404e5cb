#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <sqlite3.h>

#include "auth.h"
#include "campaign.h"
#include "cmds.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "job.h"
#include "import.h"
#include "schedule.h"
#include "journal.h"
#include "log.h"
#include "monitor.h"
#include "notify.h"
#include "outbox.h"
#include "pacer.h"
#include "paths.h"
#include "provider.h"
#include "providers.h"
#include "search.h"
#include "store.h"
#include "webhook.h"
#include "xmalloc.h"

#define CKPT_MIN_PAGES	256		/* WAL pages before a checkpoint */
#define CKPT_STEP_PAGES	4096		/* 16 MiB: copy without waiting */
#define CKPT_MAX_PAGES	16384		/* 64 MiB: start over without waiting */
#define CKPT_QUIET_MS	200		/* a pause in commits this long */

#define STATUS_DELAY_S	5		/* a STATUS= line after a commit */

static int		 ready_fd = -1;	/* detached: the waiting parent */
static struct event	*ev_status;	/* under systemd: STATUS= later */

static void
usage(FILE *fp, int rc)
{
	fprintf(fp, "usage: wacampd [-f] [-c FILE] [--org NAME]\n"
	    "       wacampd init [-c FILE] [--org NAME] [--admin LOGIN]\n"
	    "       wacampd backup [-c FILE] [--org NAME] DEST\n"
	    "       wacampd replay [-c FILE] [--org NAME]\n"
	    "       wacampd --version | --help\n");
	exit(rc);
}

/*
 * Tell systemd (Type=notify) how we are: one datagram to $NOTIFY_SOCKET,
 * a path or an abstract name written @name. No libsystemd needed.
 */
static void
sd_notify_send(const char *fmt, ...)
{
	struct sockaddr_un	 sun;
	const char		*e;
	char			 msg[512];
	size_t			 len;
	va_list			 ap;
	int			 fd;

	if ((e = getenv("NOTIFY_SOCKET")) == NULL || (*e != '/' && *e != '@'))
		return;
	if ((len = strlen(e)) >= sizeof sun.sun_path)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, e, len);
	if (*e == '@')
		sun.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("notify: socket");
		return;
	}
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) == -1)
		log_warn("notify: %s", e);
	close(fd);
}

/* The STATUS= line systemctl status shows: today's usage. */
static void
sd_status(struct daemon *d)
{
	json_t	*j;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	j = monitor_stats(d);
	sd_notify_send("STATUS=today %lld sent of %lld (%s), provider %s",
	    (long long)json_integer_value(json_object_get(j, "sent_today")),
	    (long long)json_integer_value(json_object_get(j, "daily_limit")),
	    json_string_value(json_object_get(j, "level")),
	    config_provider(d->conf));
	json_decref(j);
}

static void
status_cb(evutil_socket_t fd, short ev, void *arg)
{
	sd_status(arg);
}

/*
 * A start that fails: logged, and told to the parent waiting in the
 * terminal (detached), which prints it and exits 1.
 */
static void
startup_failed(const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_warnx("%s", buf);
	if (ready_fd != -1) {
		if (write(ready_fd, buf, strlen(buf)) == -1)
			log_warn("startup pipe");
		close(ready_fd);
		ready_fd = -1;
	}
}

/*
 * Go to the background, but let the parent exit only once the child is
 * ready (0) or has said why it is not (1): a detached start that fails
 * must fail where the operator sees it, not in the system log alone.
 */
static void
detach(void)
{
	char	 buf[1024];
	size_t	 len = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 p[2], fd, st;

	if (pipe2(p, O_CLOEXEC) == -1) {
		fprintf(stderr, "wacampd: pipe: %s\n", strerror(errno));
		exit(1);
	}
	if ((pid = fork()) == -1) {
		fprintf(stderr, "wacampd: fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		close(p[0]);
		ready_fd = p[1];
		if (setsid() == -1 || chdir("/") == -1)
			_exit(1);
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		return;
	}
	close(p[1]);
	for (;;) {
		n = read(p[0], buf + len, sizeof buf - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) == sizeof buf - 1)
			break;
	}
	buf[len] = '\0';
	if (strcmp(buf, "ready") == 0)
		exit(0);
	if (len > 0) {
		fprintf(stderr, "wacampd: %s\n", buf);
		exit(1);
	}
	if (waitpid(pid, &st, 0) == pid && WIFSIGNALED(st))
		fprintf(stderr, "wacampd: the daemon died during startup "
		    "(signal %d); see the system log\n", WTERMSIG(st));
	else
		fprintf(stderr, "wacampd: the daemon exited during startup; "
		    "see the system log\n");
	exit(1);
}

/*
 * Run as root, init, backup and replay become the owner of the store (or
 * of its directory): a file SQLite makes beside it (-wal, -shm) owned by
 * root would lock the daemon out of its own database.
 */
static int
drop_to_owner(const char *path)
{
	struct stat	 st;
	struct passwd	*pw;
	char		*copy;
	int		 rc;

	if (getuid() != 0)
		return 0;
	if ((rc = stat(path, &st)) == -1) {
		copy = xstrdup(path);
		rc = stat(dirname(copy), &st);
		free(copy);
	}
	if (rc == -1 || st.st_uid == 0)
		return 0;
	if ((pw = getpwuid(st.st_uid)) == NULL) {
		fprintf(stderr, "wacampd: %s belongs to uid %u, who has no "
		    "account\n", path, (unsigned)st.st_uid);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		fprintf(stderr, "wacampd: becoming %s: %s\n", pw->pw_name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The configured time zone drives day boundaries and windows. */
static void
set_timezone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void
sqlite_log_cb(void *arg, int code, const char *msg)
{
	/* Busy and schema-change notices are routine. */
	if ((code & 0xff) == SQLITE_SCHEMA || (code & 0xff) == SQLITE_BUSY)
		return;
	log_debug("sqlite (%d): %s", code, msg);
}

static void
libevent_log_cb(int sev, const char *msg)
{
	if (sev >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

void
daemon_reload(struct daemon *d)
{
	struct config	*nc;
	char		 err[512];

	if (d->conf_path == NULL) {
		log_info("reload: no config file, nothing to read");
		return;
	}
	if (config_load(d->conf_path, &nc, err, sizeof err) == -1) {
		log_warnx("reload: %s; keeping the running config", err);
		return;
	}
	if (strcmp(config_provider(nc), "wassenger") == 0 &&
	    nc->device_id == NULL) {
		log_warnx("reload: %s: [wassenger] device_id is required; "
		    "keeping the running config", d->conf_path);
		config_free(nc);
		return;
	}
	/* The socket and the store stay as they are until a restart. */
	if (strcmp(nc->socket, d->conf->socket) != 0 ||
	    strcmp(nc->store_path, d->conf->store_path) != 0)
		log_warnx("reload: socket and store path changes need a restart");
	free(nc->socket);
	nc->socket = xstrdup(d->conf->socket);
	free(nc->store_path);
	nc->store_path = xstrdup(d->conf->store_path);
	config_free(d->conf);
	d->conf = nc;
	set_timezone(nc->timezone);
	log_setlevel(nc->log_level);
	provider_reload(d);
	pacer_reload(d);
	log_info("reload: config %s read again", d->conf_path);
	notify_monitor(d);
}

static void
signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct daemon	*d = arg;

	switch (sig) {
	case SIGHUP:
		sd_notify_send("RELOADING=1");
		daemon_reload(d);
		sd_notify_send("READY=1");
		break;
	case SIGTERM:
	case SIGINT:
		log_info("stopping on signal %d", (int)sig);
		event_base_loopexit(d->base, NULL);
		break;
	}
}

static void
checkpoint_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct daemon	*d = arg;

	store_checkpoint(d->store, CKPT_QUIET);
	/* After a full disk, the reserve comes back once there is room. */
	store_ballast(d->store);
}

/*
 * After a commit, plan checkpoints (they run on the store's thread, on spare
 * CPU). When commits pause for CKPT_QUIET_MS, the WAL is copied into the
 * database and starts over. During a burst of webhooks, every CKPT_STEP_PAGES
 * of WAL is copied as it comes, so that the work is spread out, but the WAL
 * only starts over once it passes CKPT_MAX_PAGES: starting over holds the
 * writer off while the database is synced, and a slow disk can take tens of
 * milliseconds to do that. Until then the WAL grows, an append.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct daemon	*d = arg;
	struct timeval	 tv = { 0, CKPT_QUIET_MS * 1000 };

	if (ev_status != NULL && !evtimer_pending(ev_status, NULL)) {
		struct timeval	 stv = { STATUS_DELAY_S, 0 };

		evtimer_add(ev_status, &stv);
	}
	if (pages < d->ckpt_next - CKPT_STEP_PAGES)	/* it started over */
		d->ckpt_next = 0;
	if (pages < CKPT_MIN_PAGES)
		return SQLITE_OK;
	evtimer_add(d->ev_checkpoint, &tv);
	if (pages >= d->ckpt_next) {
		store_checkpoint(d->store, pages >= CKPT_MAX_PAGES ?
		    CKPT_RESTART : CKPT_COPY);
		d->ckpt_next = pages + CKPT_STEP_PAGES;
	}
	return SQLITE_OK;
}

/* Write the pid file, refusing if another live process holds it. */
static int
write_pidfile(const char *path)
{
	char	 buf[32];
	int	 fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		log_warn("pidfile %s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_warnx("pidfile %s: another wacampd holds it", path);
		close(fd);
		return -1;
	}
	snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, buf, strlen(buf)) == -1) {
		log_warn("pidfile %s", path);
		close(fd);
		return -1;
	}
	/* Kept open (and locked) for the daemon's life. */
	return fd;
}

static const char *
invoking_user(char *buf, size_t len)
{
	struct passwd	*pw;
	const char	*s;

	if (getuid() == 0 && (s = getenv("SUDO_USER")) != NULL && *s != '\0') {
		snprintf(buf, len, "%s", s);
		return buf;
	}
	if ((pw = getpwuid(getuid())) == NULL)
		return NULL;
	snprintf(buf, len, "%s", pw->pw_name);
	return buf;
}

/*
 * wacampd init: create the database and a super_admin: ADMIN, a person's
 * Unix login, or else the invoking user (not the service account's,
 * whom nobody logs in as).
 */
static int
cmd_init(struct config *conf, const char *admin)
{
	struct store	*s;
	sqlite3_stmt	*st;
	char		 err[512], name[64];
	int64_t		 now = store_now();
	int		 rc;

	if (admin != NULL) {
		if (getpwnam(admin) == NULL) {
			fprintf(stderr, "wacampd: --admin %s: no such Unix "
			    "user (the first super_admin logs in by peer "
			    "credentials)\n", admin);
			return 1;
		}
		snprintf(name, sizeof name, "%s", admin);
	} else if (invoking_user(name, sizeof name) == NULL) {
		fprintf(stderr, "wacampd: cannot tell who you are\n");
		return 1;
	}
	if (drop_to_owner(conf->store_path) == -1)
		return 1;
	if (paths_mkparents(conf->store_path, 0700, err, sizeof err) == -1) {
		fprintf(stderr, "wacampd: %s\n", err);
		return 1;
	}
	if (store_open(conf->store_path, 1, conf->sync_full, &s, err,
	    sizeof err) == -1) {
		fprintf(stderr, "wacampd: %s\n", err);
		return 1;
	}
	if (chmod(conf->store_path, 0600) == -1)
		fprintf(stderr, "wacampd: chmod %s: %s\n", conf->store_path,
		    strerror(errno));
	st = store_stmt(s, "SELECT login, role FROM users WHERE unix_user = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		printf("database %s is ready; unix user %s is already user "
		    "\"%s\" (%s)\n", conf->store_path, name,
		    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
		sqlite3_reset(st);
		store_close(s);
		return 0;
	}
	sqlite3_reset(st);
	st = store_stmt(s, "INSERT INTO users (login, role, unix_user, "
	    "created_at, updated_at) VALUES (?1, 'super_admin', ?1, ?2, ?2)");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "wacampd: creating user %s: %s\n", name,
		    store_errmsg(s));
		store_close(s);
		return 1;
	}
	st = store_stmt(s, "INSERT INTO audit_log (at, login, unix_user, "
	    "command, target) VALUES (?1, ?2, ?2, 'init', ?2)");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_reset(st);
	printf("database %s created; super_admin \"%s\" logs in as unix user "
	    "%s\n", conf->store_path, name, name);
	store_close(s);
	return 0;
}

/* The copy's file: DEST, or DEST/wacamp-YYYYmmdd-HHMMSS.db for a directory. */
static char *
backup_target(const char *dest)
{
	struct stat	 st;
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 stamp[32], *p;

	if (stat(dest, &st) == -1 || !S_ISDIR(st.st_mode))
		return xstrdup(dest);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	xasprintf(&p, "%s/wacamp-%s.db", dest, stamp);
	return p;
}

/*
 * wacampd backup DEST: a consistent copy of the live database. One
 * sqlite3_backup_step(-1) copies every page inside one read transaction
 * (WAL: the daemon goes on writing meanwhile), into a temporary file
 * beside DEST that becomes DEST only once complete, checked and synced.
 * The schema is not migrated: an older database is copied as it is.
 */
static int
cmd_backup(struct config *conf, const char *dest)
{
	sqlite3		*src = NULL, *dst = NULL;
	sqlite3_backup	*b;
	char		*target = NULL, *tmp = NULL, *copy;
	char		 check[64] = "";
	sqlite3_stmt	*st;
	int		 rc = 1, fd, pages = 0, version = 0;

	if (drop_to_owner(conf->store_path) == -1)
		return 1;
	if (access(conf->store_path, F_OK) == -1) {
		fprintf(stderr, "wacampd: %s: %s\n", conf->store_path,
		    strerror(errno));
		return 1;
	}
	if (sqlite3_open_v2(conf->store_path, &src, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK) {
		sqlite3_close(src);
		src = NULL;
		if (sqlite3_open_v2(conf->store_path, &src,
		    SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
			fprintf(stderr, "wacampd: %s: %s\n", conf->store_path,
			    sqlite3_errmsg(src));
			goto out;
		}
	}
	sqlite3_busy_timeout(src, 10000);
	target = backup_target(dest);
	xasprintf(&tmp, "%s.tmp-%ld", target, (long)getpid());
	unlink(tmp);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fprintf(stderr, "wacampd: %s: %s\n", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	chmod(tmp, 0600);
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		fprintf(stderr, "wacampd: backup: %s\n", sqlite3_errmsg(dst));
		goto out;
	}
	if (sqlite3_backup_step(b, -1) != SQLITE_DONE) {
		fprintf(stderr, "wacampd: backup of %s: %s\n",
		    conf->store_path, sqlite3_errmsg(dst));
		sqlite3_backup_finish(b);
		goto out;
	}
	pages = sqlite3_backup_pagecount(b);
	if (sqlite3_backup_finish(b) != SQLITE_OK) {
		fprintf(stderr, "wacampd: backup: %s\n", sqlite3_errmsg(dst));
		goto out;
	}
	/* One self-contained file, checked before it replaces DEST. */
	sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(check, sizeof check, "%s",
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(dst, "PRAGMA user_version", -1, &st,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (strcmp(check, "ok") != 0) {
		fprintf(stderr, "wacampd: the copy fails its check: %s\n",
		    check);
		goto out;
	}
	sqlite3_close(dst);
	dst = NULL;
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) == -1 || fsync(fd) == -1) {
		fprintf(stderr, "wacampd: %s: %s\n", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	close(fd);
	if (rename(tmp, target) == -1) {
		fprintf(stderr, "wacampd: %s: %s\n", target, strerror(errno));
		goto out;
	}
	copy = xstrdup(target);
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
	free(copy);
	printf("%s: backup of %s, schema %d, %d pages\n", target,
	    conf->store_path, version, pages);
	rc = 0;
out:
	if (dst != NULL)
		sqlite3_close(dst);
	if (rc != 0 && tmp != NULL)
		unlink(tmp);
	sqlite3_close(src);
	free(tmp);
	free(target);
	return rc;
}

/*
 * wacampd replay: re-apply the webhook journal to the database, in order,
 * with the daemon stopped (the protocol command webhooks.replay does the
 * same while it runs). Applying twice gives the same state.
 */
static int
cmd_replay(struct config *conf)
{
	struct daemon	 d;
	char		 err[512];
	int64_t		 last = 0, applied = 0, rows = 0;
	int		 n;

	memset(&d, 0, sizeof d);
	d.conf = conf;
	if (drop_to_owner(conf->store_path) == -1)
		return 1;
	if (store_open(conf->store_path, 0, conf->sync_full, &d.store, err,
	    sizeof err) == -1) {
		fprintf(stderr, "wacampd: %s\n", err);
		return 1;
	}
	if (outbox_init(&d) == -1) {
		store_close(d.store);
		return 1;
	}
	while ((n = webhook_replay_slice(&d, last, 1000, &last,
	    &applied)) > 0)
		rows += n;
	store_close(d.store);
	if (n < 0) {
		fprintf(stderr, "wacampd: replay stopped after journal row "
		    "%lld\n", (long long)last);
		return 1;
	}
	printf("%lld journal events replayed, %lld applied, %lld waiting for "
	    "their message\n", (long long)rows, (long long)applied,
	    (long long)(rows - applied));
	return 0;
}

enum { CMD_RUN, CMD_INIT, CMD_BACKUP, CMD_REPLAY };

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "admin",	required_argument,	NULL, 'a' },
		{ "org",	required_argument,	NULL, 'o' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'v' },
		{ NULL,		0,			NULL, 0 }
	};
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct daemon	 d;
	const char	*conf_path = NULL, *admin = NULL;
	char		 err[1024];
	int		 ch, cmd = CMD_RUN, pidfd = -1, i;

	memset(&d, 0, sizeof d);
	if (argc > 1 && strcmp(argv[1], "init") == 0)
		cmd = CMD_INIT;
	else if (argc > 1 && strcmp(argv[1], "backup") == 0)
		cmd = CMD_BACKUP;
	else if (argc > 1 && strcmp(argv[1], "replay") == 0)
		cmd = CMD_REPLAY;
	if (cmd != CMD_RUN) {
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "c:fhv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (cmd != CMD_INIT)
				usage(stderr, 2);
			admin = optarg;
			break;
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
			d.foreground = 1;
			break;
		case 'o':
			if (paths_set_org(optarg) == -1) {
				fprintf(stderr, "wacampd: --org %s: an "
				    "organisation name is 1 to 32 of a-z, "
				    "0-9, - and _\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout, 0);
			break;
		case 'v':
			printf("wacampd %s\n", WACAMP_VERSION);
			return 0;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc - (cmd == CMD_BACKUP))
		usage(stderr, 2);

	log_init("wacampd", 1, LOG_LVL_INFO);
	if (config_load(conf_path, &d.conf, err, sizeof err) == -1) {
		fprintf(stderr, "wacampd: %s\n", err);
		return 1;
	}
	if (conf_path != NULL)
		d.conf_path = xstrdup(conf_path);
	set_timezone(d.conf->timezone);
	if (cmd != CMD_RUN) {
		if (cmd == CMD_INIT)
			ch = cmd_init(d.conf, admin);
		else if (cmd == CMD_BACKUP)
			ch = cmd_backup(d.conf, argv[optind]);
		else
			ch = cmd_replay(d.conf);
		config_free(d.conf);
		free(d.conf_path);
		return ch;
	}

	if (!d.foreground)
		detach();
	log_init("wacampd", d.foreground, d.conf->log_level);
	signal(SIGPIPE, SIG_IGN);
	/* No global allocation statistics: one mutex less per malloc. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log_cb, NULL);
	event_set_log_callback(libevent_log_cb);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	if (d.conf->pidfile != NULL &&
	    (pidfd = write_pidfile(d.conf->pidfile)) == -1) {
		startup_failed("cannot write the pid file %s",
		    d.conf->pidfile);
		return 1;
	}
	if (store_open(d.conf->store_path, 0, d.conf->sync_full, &d.store, err,
	    sizeof err) == -1) {
		startup_failed("%s", err);
		return 1;
	}
	if (outbox_init(&d) == -1 || import_recover(&d) == -1) {
		startup_failed("%s: cannot recover the outbox or an import; "
		    "see the log", d.conf->store_path);
		store_close(d.store);
		return 1;
	}
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	notify_init(&d, campaign_progress, monitor_stats);
	notify_set_reply(&d, replies_row);
	d.started = time(NULL);
	d.ev_checkpoint = evtimer_new(d.base, checkpoint_cb, &d);
	if (getenv("NOTIFY_SOCKET") != NULL)
		ev_status = evtimer_new(d.base, status_cb, &d);
	store_ballast(d.store);
	sqlite3_wal_hook(store_db(d.store), wal_hook, &d);
	if (ctl_init(&d, err, sizeof err) == -1) {
		startup_failed("%s", err);
		store_close(d.store);
		return 1;
	}
	if (webhook_init(&d, err, sizeof err) == -1) {
		startup_failed("%s", err);
		webhook_shutdown(&d);
		ctl_shutdown(&d);
		store_close(d.store);
		return 1;
	}
	if (provider_start(&d, err, sizeof err) == -1) {
		startup_failed("%s", err);
		webhook_shutdown(&d);
		ctl_shutdown(&d);
		store_close(d.store);
		return 1;
	}
	d.provider->on_event = webhook_ingest;
	pacer_start(&d);
	schedule_arm(&d);
	search_start(&d);
	journal_start(&d);
	for (i = 0; i < 3; i++) {
		d.ev_sig[i] = evsignal_new(d.base, sigs[i], signal_cb, &d);
		evsignal_add(d.ev_sig[i], NULL);
	}
	log_info("wacampd %s started: provider %s, store %s", WACAMP_VERSION,
	    config_provider(d.conf), d.conf->store_path);
	/* The store is open and the socket bound: clients may come. */
	sd_notify_send("READY=1\nMAINPID=%ld", (long)getpid());
	sd_status(&d);
	if (ready_fd != -1) {
		if (write(ready_fd, "ready", 5) == -1)
			log_warn("startup pipe");
		close(ready_fd);
		ready_fd = -1;
	}

	event_base_dispatch(d.base);

	sd_notify_send("STOPPING=1");
	journal_stop(&d);
	schedule_shutdown(&d);
	pacer_stop(&d);
	provider_stop(&d);
	notify_free(&d);
	job_shutdown(&d);
	search_stop(&d);
	webhook_shutdown(&d);
	ctl_shutdown(&d);
	/* After ctl: its clients were told; the requests are freed here. */
	verify_shutdown(&d);
	for (i = 0; i < 3; i++)
		event_free(d.ev_sig[i]);
	if (ev_status != NULL)
		event_free(ev_status);
	event_free(d.ev_checkpoint);
	store_close(d.store);
	event_base_free(d.base);
	curl_global_cleanup();
	if (pidfd != -1) {
		unlink(d.conf->pidfile);
		close(pidfd);
	}
	config_free(d.conf);
	free(d.conf_path);
	log_info("stopped");
	return 0;
}
