#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fold.h"
#include "log.h"
#include "migrations.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

#define STMT_SLOTS	512
#define STORE_BUSY_STEP_US	100
/*
 * The loop's connection waits at most this long for a lock another process
 * holds (an operator's sqlite3, a backup): the whole daemon waits with it,
 * and sends in flight time out meanwhile. Writers that cannot wait keep
 * their work and try again (the pacer's outcome, the webhook's 503).
 */
#define STORE_BUSY_MS	1000
#define CKPT_BUSY_MS	20	/* the checkpointer's */
#define CKPT_PASSES	10	/* passive passes in a round, at most */
#define CKPT_TAIL	64	/* frames a pass may leave to RESTART */
#define CKPT_TRIES	20	/* RESTART attempts in a round */
#define CKPT_RETRY_US	1000	/* between them */
#define CKPT_WAL_KEEP	(64 * 1024 * 1024) /* WAL file size left after a pause */
#define BALLAST_MAX	(4 * 1024 * 1024)	/* and 1/20 of a small disk */
#define BALLAST_MIN	(64 * 1024)

struct stmt_slot {
	const char	*sql;
	sqlite3_stmt	*stmt;
};

/*
 * Checkpoints run on a thread of their own with its own connection: a
 * passive checkpoint copies the WAL into the database and fsyncs, which
 * takes tens of milliseconds under load and would stall the loop (and every
 * webhook answer) if it ran there. The writer goes on appending meanwhile.
 * WANTED is 0 or the CKPT_* mode asked for (see store_checkpoint()).
 */
struct checkpointer {
	pthread_t		 thread;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	sqlite3			*db;
	char			*wal;		/* the WAL's path */
	int			 started;
	int			 wanted;
	int			 quit;
};

struct store {
	sqlite3			*db;
	char			*path;
	int			 in_tx;
	char			 lasterr[256];	/* why the last one rolled back */
	char			*ballast;	/* its path */
	time_t			 full_at;	/* last seen full */
	off_t			 ballast_size;
	int			 ballast_held;
	struct checkpointer	 ckpt;
	struct stmt_slot	 slots[STMT_SLOTS];
};

void	store_full(struct store *);

/*
 * Wait for a lock in short steps, up to about MS milliseconds in all.
 * SQLite's own handler sleeps 1, 2, 5, 10 ms...: a writer held off for a
 * moment (a checkpoint restarting the WAL) would otherwise stall the loop
 * far longer than the lock is held.
 */
static int
store_busy(void *arg, int count)
{
	long	 ms = (long)(intptr_t)arg;

	if ((long)count * STORE_BUSY_STEP_US >= ms * 1000)
		return 0;
	usleep(STORE_BUSY_STEP_US);
	return 1;
}

/* lower_name(x): text_lower() for SQL, to match names as the index does. */
static void
sql_lower_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*s = (const char *)sqlite3_value_text(argv[0]);
	char		*t;

	(void)argc;
	if (s == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	t = text_lower(xstrdup(s));
	sqlite3_result_text(ctx, t, -1, free);
}

/* fold_name(x) in SQL: names without case or accents (shared/fold.c). */
static void
sql_fold_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*s = (const char *)sqlite3_value_text(argv[0]);
	char		*t;

	(void)argc;
	if (s == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	t = fold_name(xstrdup(s));
	sqlite3_result_text(ctx, t, -1, free);
}

int64_t
store_now(void)
{
	return (int64_t)time(NULL);
}

sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

const char *
store_errmsg(struct store *s)
{
	/* The error that made a transaction roll back, not the rollback's. */
	if (*s->lasterr != '\0')
		return s->lasterr;
	return sqlite3_errmsg(s->db);
}

/* Keep the connection's last error before a rollback replaces it. */
static void
store_keep_error(struct store *s)
{
	time_t	 now;

	if (*s->lasterr == '\0' && sqlite3_errcode(s->db) != SQLITE_OK)
		snprintf(s->lasterr, sizeof s->lasterr, "%s",
		    sqlite3_errmsg(s->db));
	/* Every failed transaction passes here: the place to see a full
	 * disk, and act on it every few seconds at most. */
	if ((sqlite3_errcode(s->db) & 0xff) == SQLITE_FULL &&
	    (now = time(NULL)) - s->full_at >= 5) {
		s->full_at = now;
		store_full(s);
	}
}

int
store_exec(struct store *s, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("store: %s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_version(struct store *s)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A migration left a dangling reference: 0, or -1 with *MSG. */
static int
fk_check(struct store *s, char **msg)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK) {
		*msg = sqlite3_mprintf("%s", sqlite3_errmsg(s->db));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*msg = sqlite3_mprintf("foreign key check: a row of %s "
		    "references a missing row of %s",
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 2));
	else if (rc != SQLITE_DONE)
		*msg = sqlite3_mprintf("%s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * One migration in one transaction. DESIGN §3: a migration may rebuild a
 * table (SQLite's 12-step ALTER); with foreign keys on, its DROP TABLE
 * would cascade into every row that refers to the table. They are off
 * around it (a no-op inside a transaction, so before BEGIN) and checked
 * before COMMIT.
 */
static int
store_migrate_one(struct store *s, const struct migration *m, char *err,
    size_t errlen)
{
	char	*msg = NULL, pragma[64];

	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
	    m->version);
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = OFF", NULL, NULL,
	    &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL,
	    &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, m->sql, NULL, NULL, &msg) != SQLITE_OK ||
	    fk_check(s, &msg) == -1 ||
	    sqlite3_exec(s->db, pragma, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "migration %s: %s", m->name,
		    msg ? msg : "failed");
		sqlite3_free(msg);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL,
		    NULL);
		return -1;
	}
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL,
	    &msg) != SQLITE_OK) {
		snprintf(err, errlen, "migration %s: %s", m->name,
		    msg ? msg : "failed");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Apply each migration newer than user_version in its own transaction. */
static int
store_migrate(struct store *s, char *err, size_t errlen)
{
	size_t	 i;
	int	 v;

	if ((v = store_version(s)) < 0) {
		snprintf(err, errlen, "reading schema version: %s",
		    sqlite3_errmsg(s->db));
		return -1;
	}
	if (nmigrations > 0 && v > migrations[nmigrations - 1].version) {
		snprintf(err, errlen, "database schema %d is newer than this "
		    "program (%d)", v, migrations[nmigrations - 1].version);
		return -1;
	}
	for (i = 0; i < nmigrations; i++) {
		if (migrations[i].version <= v)
			continue;
		if (store_migrate_one(s, &migrations[i], err, errlen) == -1)
			return -1;
		log_info("store: applied migration %s", migrations[i].name);
	}
	return 0;
}

/* Create the parent directory of PATH (one level) if missing. */
static void
store_mkparent(const char *path)
{
	char	*copy, *dir;

	copy = xstrdup(path);
	dir = dirname(copy);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		log_warn("store: mkdir %s", dir);
	free(copy);
}

/*
 * The daemon writes its database and creates the WAL beside it: say so
 * plainly when it cannot, instead of SQLite's "unable to open database
 * file" or a daemon that starts and then fails every write.
 */
static int
store_writable(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	struct passwd	*pw;
	char		*copy, *dir, owner[64];
	int		 rc = 0;

	if (stat(path, &st) == -1)
		return 0;	/* missing: said by the open */
	if ((pw = getpwuid(st.st_uid)) != NULL)
		snprintf(owner, sizeof owner, "%s", pw->pw_name);
	else
		snprintf(owner, sizeof owner, "uid %u", (unsigned)st.st_uid);
	copy = xstrdup(path);
	dir = dirname(copy);
	if (access(path, W_OK) == -1) {
		if (errno == EROFS)
			snprintf(err, errlen, "%s: read-only: the file system "
			    "is mounted read-only, and wacampd must write its "
			    "database", path);
		else
			snprintf(err, errlen, "%s: read-only for uid %u (mode "
			    "%04o, owner %s): wacampd must write its database",
			    path, (unsigned)geteuid(),
			    (unsigned)(st.st_mode & 07777), owner);
		rc = -1;
	} else if (access(dir, W_OK | X_OK) == -1) {
		snprintf(err, errlen, "%s: the directory %s is read-only for "
		    "uid %u: SQLite must create the -wal and -shm files "
		    "there", path, dir, (unsigned)geteuid());
		rc = -1;
	}
	free(copy);
	return rc;
}

int
store_open(const char *path, int create, int sync_full, struct store **out,
    char *err, size_t errlen)
{
	struct store	*s;
	int		 flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (store_writable(path, err, errlen) == -1)
		return -1;
	s = xcalloc(1, sizeof *s);
	if (create) {
		flags |= SQLITE_OPEN_CREATE;
		store_mkparent(path);
	}
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "cannot open");
		if (!create && access(path, F_OK) == -1)
			snprintf(err, errlen, "%s: no database (run wacampd init)",
			    path);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_create_function(s->db, "lower_name", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, sql_lower_name,
	    NULL, NULL);
	sqlite3_create_function(s->db, "fold_name", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, sql_fold_name,
	    NULL, NULL);
	sqlite3_busy_handler(s->db, store_busy,
	    (void *)(intptr_t)STORE_BUSY_MS);
	/*
	 * A new database gives freed pages back (the journal's maintenance
	 * runs incremental_vacuum); on one that has tables this does nothing.
	 */
	if (create && store_exec(s, "PRAGMA auto_vacuum = INCREMENTAL") == -1) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (store_exec(s, "PRAGMA journal_mode = WAL") == -1 ||
	    store_exec(s, sync_full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL") == -1 ||
	    store_exec(s, "PRAGMA foreign_keys = ON") == -1 ||
	    store_exec(s, "PRAGMA temp_store = MEMORY") == -1 ||
	    store_exec(s, "PRAGMA cache_size = -4096") == -1) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	/* Checkpoints run from a timer, never inside a commit. */
	sqlite3_wal_autocheckpoint(s->db, 0);
	if (store_migrate(s, err, errlen) == -1)
		goto fail;
	s->path = xstrdup(path);
	*out = s;
	return 0;
fail:
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s);
	return -1;
}

void
store_close(struct store *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	if (s->ckpt.started) {
		pthread_mutex_lock(&s->ckpt.mtx);
		s->ckpt.quit = 1;
		pthread_cond_signal(&s->ckpt.cond);
		pthread_mutex_unlock(&s->ckpt.mtx);
		pthread_join(s->ckpt.thread, NULL);
		sqlite3_close(s->ckpt.db);
	}
	free(s->ckpt.wal);
	free(s->ballast);
	free(s->path);
	for (i = 0; i < STMT_SLOTS; i++)
		if (s->slots[i].stmt != NULL)
			sqlite3_finalize(s->slots[i].stmt);
	sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL);
	sqlite3_close(s->db);
	free(s);
}

sqlite3_stmt *
store_stmt(struct store *s, const char *sql)
{
	size_t		 h, i;
	sqlite3_stmt	*st;

	s->lasterr[0] = '\0';	/* a new statement: an old error is old */
	h = ((uintptr_t)sql >> 3) % STMT_SLOTS;
	for (i = 0; i < STMT_SLOTS; i++) {
		struct stmt_slot *sl = &s->slots[(h + i) % STMT_SLOTS];

		if (sl->sql == sql) {
			sqlite3_reset(sl->stmt);
			sqlite3_clear_bindings(sl->stmt);
			return sl->stmt;
		}
		if (sl->sql == NULL) {
			if (sqlite3_prepare_v3(s->db, sql, -1,
			    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
				fatalx("store: preparing \"%.60s\": %s", sql,
				    sqlite3_errmsg(s->db));
			sl->sql = sql;
			sl->stmt = st;
			return st;
		}
	}
	fatalx("store: statement cache full");
}

int64_t
store_int(sqlite3_stmt *st)
{
	int64_t	 v = 0;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int
store_begin(struct store *s)
{
	if (s->in_tx)
		fatalx("store: nested transaction");
	s->lasterr[0] = '\0';
	if (store_exec(s, "BEGIN IMMEDIATE") == -1) {
		store_keep_error(s);
		return -1;
	}
	s->in_tx = 1;
	return 0;
}

int
store_commit(struct store *s)
{
	s->in_tx = 0;
	if (store_exec(s, "COMMIT") == -1) {
		store_keep_error(s);
		if (!sqlite3_get_autocommit(s->db))
			store_exec(s, "ROLLBACK");
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *s)
{
	if (!s->in_tx)
		return;
	s->in_tx = 0;
	store_keep_error(s);
	/* A full disk or an I/O error may have rolled it back already. */
	if (!sqlite3_get_autocommit(s->db))
		store_exec(s, "ROLLBACK");
}

int
store_in_tx(struct store *s)
{
	return s->in_tx;
}

/* Flush the WAL's written pages to disk, holding no lock. */
static void
wal_sync(struct checkpointer *c)
{
	int	 fd;

	if ((fd = open(c->wal, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	fdatasync(fd);
	close(fd);
}

/*
 * RESTART without waiting: it takes the write lock, copies the last frames,
 * syncs the database and then needs every reader off the WAL. Waiting in the
 * busy handler there would hold the write lock the whole time, and the loop
 * with it (its next BEGIN waits on that lock): instead each attempt either
 * gets all its locks at once or gives up at once, and is tried again a
 * little later. The database sync inside still holds the writer off, for a
 * millisecond usually and for tens of them when the disk is slow to flush,
 * which is why RESTART is only asked for when commits pause or the WAL is
 * big (see wal_hook() in wacampd.c). When commits pause, a WAL file that a
 * flood made big is cut back to nothing (TRUNCATE): not in the commit path,
 * as PRAGMA journal_size_limit would do, since freeing a file of hundreds of
 * megabytes takes a while.
 */
static void
checkpoint_restart(struct checkpointer *c, int mode)
{
	struct stat	 st;
	int		 log = 0, ckpt = 0, rc = SQLITE_BUSY, how, i;

	how = SQLITE_CHECKPOINT_RESTART;
	if (mode == CKPT_EMPTY || (mode == CKPT_QUIET &&
	    stat(c->wal, &st) == 0 && st.st_size > CKPT_WAL_KEEP))
		how = SQLITE_CHECKPOINT_TRUNCATE;
	sqlite3_busy_handler(c->db, NULL, NULL);
	for (i = 0; i < CKPT_TRIES && rc == SQLITE_BUSY; i++) {
		if (i > 0)
			usleep(CKPT_RETRY_US);
		wal_sync(c);
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL, how, &log, &ckpt);
	}
	if (rc != SQLITE_OK)
		log_debug("store: checkpoint restart: %s",
		    sqlite3_errmsg(c->db));
	sqlite3_busy_handler(c->db, store_busy,
	    (void *)(intptr_t)CKPT_BUSY_MS);
}

/*
 * One checkpoint round. Passive passes copy the WAL into the database
 * without blocking anyone, each one shorter than the last, the WAL synced
 * beforehand so that the pass's own sync has little left to do. Under a
 * steady stream of commits they never reach the end of the WAL, so it does
 * not start over but grows; RESTART, asked for when commits pause or the WAL
 * is big, lets the next commit write from the start of the file once the
 * passes have left only a few frames behind.
 */
static void
checkpoint_round(struct checkpointer *c, int mode)
{
	int	 log = 0, ckpt = 0, prev = -1, i;

	if (mode == CKPT_EMPTY) {
		checkpoint_restart(c, mode);
		return;
	}
	for (i = 0; i < CKPT_PASSES; i++) {
		wal_sync(c);
		if (sqlite3_wal_checkpoint_v2(c->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &log, &ckpt) != SQLITE_OK) {
			log_debug("store: checkpoint: %s",
			    sqlite3_errmsg(c->db));
			return;
		}
		if (log <= 0 || (prev >= 0 && log - prev < CKPT_TAIL))
			break;
		prev = log;
	}
	if (mode >= CKPT_RESTART && log > 0 && i < CKPT_PASSES)
		checkpoint_restart(c, mode);
}

static void *
checkpoint_main(void *arg)
{
	struct checkpointer	*c = arg;
	int			 mode;

	/*
	 * Copying runs a little behind the loop (nice 5): the loop and its
	 * clients come first, but on two busy cores a checkpointer on spare
	 * CPU only (SCHED_IDLE) starves, and the WAL then grows for as long
	 * as a flood lasts.
	 */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5);
	pthread_mutex_lock(&c->mtx);
	for (;;) {
		while (!c->wanted && !c->quit)
			pthread_cond_wait(&c->cond, &c->mtx);
		if (c->quit)
			break;
		mode = c->wanted;
		c->wanted = 0;
		pthread_mutex_unlock(&c->mtx);
		checkpoint_round(c, mode);
		pthread_mutex_lock(&c->mtx);
	}
	pthread_mutex_unlock(&c->mtx);
	return NULL;
}

/* Start the checkpoint thread; 0 or -1 (then checkpoints run inline). */
static int
checkpoint_start(struct store *s)
{
	struct checkpointer	*c = &s->ckpt;

	if (sqlite3_open_v2(s->path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		sqlite3_close(c->db);
		c->db = NULL;
		return -1;
	}
	sqlite3_busy_handler(c->db, store_busy,
	    (void *)(intptr_t)CKPT_BUSY_MS);
	/* It copies pages from the WAL to the file: no cache to speak of. */
	sqlite3_exec(c->db, "PRAGMA cache_size = -256", NULL, NULL, NULL);
	if (c->wal == NULL)
		xasprintf(&c->wal, "%s-wal", s->path);
	/*
	 * A connection that has read nothing yet does not know the database
	 * is in WAL mode, and its checkpoints do nothing at all (log and
	 * ckpt come back -1): read once so it opens the WAL.
	 */
	if (sqlite3_exec(c->db, "PRAGMA journal_mode", NULL, NULL,
	    NULL) != SQLITE_OK) {
		log_warnx("store: checkpointer: %s", sqlite3_errmsg(c->db));
		sqlite3_close(c->db);
		c->db = NULL;
		return -1;
	}
	pthread_mutex_init(&c->mtx, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (pthread_create(&c->thread, NULL, checkpoint_main, c) != 0) {
		sqlite3_close(c->db);
		c->db = NULL;
		return -1;
	}
	c->started = 1;
	return 0;
}

void
store_checkpoint(struct store *s, int mode)
{
	int	 log = 0, ckpt = 0;

	if (s->ckpt.started || checkpoint_start(s) == 0) {
		pthread_mutex_lock(&s->ckpt.mtx);
		if (s->ckpt.wanted < mode)
			s->ckpt.wanted = mode;
		pthread_cond_signal(&s->ckpt.cond);
		pthread_mutex_unlock(&s->ckpt.mtx);
		return;
	}
	if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &log, &ckpt) != SQLITE_OK)
		log_debug("store: checkpoint: %s", sqlite3_errmsg(s->db));
}

/*
 * A full disk. SQLite cannot grow the database to copy the WAL into it, so
 * the WAL cannot start over, and every write fails even after the flood
 * that filled the disk is over. A ballast file, made while there is room,
 * is given back at the first "disk is full": the WAL is then copied and
 * cut back to nothing, which returns its space, and writes resume. The
 * ballast is made again once the disk has room to spare.
 */
static void
ballast_size(struct store *s)
{
	struct statvfs	 sv;
	char		*copy;
	off_t		 size = BALLAST_MAX;

	copy = xstrdup(s->path);
	if (statvfs(dirname(copy), &sv) == 0 &&
	    (off_t)sv.f_blocks * (off_t)sv.f_frsize / 20 < size)
		size = (off_t)sv.f_blocks * (off_t)sv.f_frsize / 20;
	free(copy);
	size -= size % BALLAST_MIN;
	s->ballast_size = size < BALLAST_MIN ? BALLAST_MIN : size;
}

/* Free bytes on the store's file system, or -1. */
static off_t
store_free(struct store *s)
{
	struct statvfs	 sv;
	char		*copy;
	off_t		 n = -1;

	copy = xstrdup(s->path);
	if (statvfs(dirname(copy), &sv) == 0)
		n = (off_t)sv.f_bavail * (off_t)sv.f_frsize;
	free(copy);
	return n;
}

void
store_ballast(struct store *s)
{
	struct stat	 st;
	off_t		 avail;
	int		 fd, rc;

	if (s->ballast_held)
		return;
	if (s->ballast == NULL) {
		xasprintf(&s->ballast, "%s.ballast", s->path);
		ballast_size(s);
	}
	if (stat(s->ballast, &st) == 0 && st.st_size >= s->ballast_size) {
		s->ballast_held = 1;
		return;
	}
	/* Only with room to spare: never the last few megabytes. */
	if ((avail = store_free(s)) < 4 * s->ballast_size)
		return;
	if ((fd = open(s->ballast, O_WRONLY | O_CREAT | O_CLOEXEC,
	    0600)) == -1) {
		log_debug("store: %s: %s", s->ballast, strerror(errno));
		return;
	}
	if ((rc = posix_fallocate(fd, 0, s->ballast_size)) != 0) {
		log_debug("store: ballast: %s", strerror(rc));
		close(fd);
		unlink(s->ballast);
		return;
	}
	close(fd);
	if (!s->ballast_held)
		log_info("store: %lld KiB kept in reserve in %s, given back "
		    "if the disk fills up", (long long)s->ballast_size / 1024,
		    s->ballast);
	s->ballast_held = 1;
}

void
store_full(struct store *s)
{
	off_t	 avail;

	if (s->ballast != NULL && unlink(s->ballast) == 0) {
		log_warnx("store: the disk is full: gave back the %lld KiB "
		    "reserve; free space on the disk holding %s",
		    (long long)s->ballast_size / 1024, s->path);
		s->ballast_held = 0;
	} else {
		avail = store_free(s);
		log_warnx("store: the disk is full (%lld KiB free); free space "
		    "on the disk holding %s", (long long)(avail > 0 ?
		    avail / 1024 : 0), s->path);
	}
	store_checkpoint(s, CKPT_EMPTY);
}
