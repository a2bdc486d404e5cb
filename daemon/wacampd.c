#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
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
#include "export.h"
#include "import.h"
#include "schedule.h"
#include "journal.h"
#include "log.h"
#include "monitor.h"
#include "notify.h"
#include "outbox.h"
#include "pacer.h"
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

static void
usage(void)
{
	fprintf(stderr, "usage: wacampd [-f] [-c FILE]\n"
	    "       wacampd init [-c FILE]\n"
	    "       wacampd replay [-c FILE]\n");
	exit(2);
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
		daemon_reload(d);
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

/* wacampd init: create the database and a super_admin for the invoking user. */
static int
cmd_init(struct config *conf)
{
	struct store	*s;
	sqlite3_stmt	*st;
	char		 err[512], name[64];
	int64_t		 now = store_now();
	int		 rc;

	if (invoking_user(name, sizeof name) == NULL) {
		fprintf(stderr, "wacampd: cannot tell who you are\n");
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

int
main(int argc, char *argv[])
{
	struct daemon	 d;
	const char	*conf_path = NULL;
	char		 err[1024];
	int		 ch, init = 0, replay = 0, pidfd = -1, i;
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };

	memset(&d, 0, sizeof d);
	if (argc > 1 && strcmp(argv[1], "init") == 0) {
		init = 1;
		argv++;
		argc--;
	} else if (argc > 1 && strcmp(argv[1], "replay") == 0) {
		replay = 1;
		argv++;
		argc--;
	}
	while ((ch = getopt(argc, argv, "c:fhv")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
			d.foreground = 1;
			break;
		case 'v':
			printf("wacampd %s\n", WACAMP_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init("wacampd", 1, LOG_LVL_INFO);
	if (config_load(conf_path, &d.conf, err, sizeof err) == -1) {
		fprintf(stderr, "wacampd: %s\n", err);
		return 1;
	}
	if (conf_path != NULL)
		d.conf_path = xstrdup(conf_path);
	set_timezone(d.conf->timezone);
	if (init || replay) {
		ch = init ? cmd_init(d.conf) : cmd_replay(d.conf);
		config_free(d.conf);
		free(d.conf_path);
		return ch;
	}

	if (!d.foreground && daemon(0, 0) == -1) {
		fprintf(stderr, "wacampd: daemon: %s\n", strerror(errno));
		return 1;
	}
	log_init("wacampd", d.foreground, d.conf->log_level);
	signal(SIGPIPE, SIG_IGN);
	/* No global allocation statistics: one mutex less per malloc. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log_cb, NULL);
	event_set_log_callback(libevent_log_cb);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	if (d.conf->pidfile != NULL &&
	    (pidfd = write_pidfile(d.conf->pidfile)) == -1)
		return 1;
	if (store_open(d.conf->store_path, 0, d.conf->sync_full, &d.store, err,
	    sizeof err) == -1) {
		log_warnx("%s", err);
		return 1;
	}
	if (outbox_init(&d) == -1 || import_recover(&d) == -1) {
		store_close(d.store);
		return 1;
	}
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	notify_init(&d, campaign_progress, monitor_stats);
	notify_set_reply(&d, replies_row);
	d.started = time(NULL);
	d.ev_checkpoint = evtimer_new(d.base, checkpoint_cb, &d);
	store_ballast(d.store);
	sqlite3_wal_hook(store_db(d.store), wal_hook, &d);
	if (ctl_init(&d, err, sizeof err) == -1) {
		log_warnx("%s", err);
		store_close(d.store);
		return 1;
	}
	if (webhook_init(&d, err, sizeof err) == -1) {
		log_warnx("%s", err);
		webhook_shutdown(&d);
		ctl_shutdown(&d);
		store_close(d.store);
		return 1;
	}
	if (provider_start(&d, err, sizeof err) == -1) {
		log_warnx("%s", err);
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

	event_base_dispatch(d.base);

	journal_stop(&d);
	schedule_shutdown(&d);
	pacer_stop(&d);
	provider_stop(&d);
	notify_free(&d);
	import_shutdown(&d);
	export_shutdown(&d);
	search_stop(&d);
	webhook_shutdown(&d);
	ctl_shutdown(&d);
	/* After ctl: its clients were told; the requests are freed here. */
	verify_shutdown(&d);
	for (i = 0; i < 3; i++)
		event_free(d.ev_sig[i]);
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
