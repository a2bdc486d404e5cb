#ifndef STORE_H
#define STORE_H

#include <stdint.h>

#include <sqlite3.h>

struct store;

/* Open (creating if asked) the database, set pragmas, apply migrations. */
int		 store_open(const char *, int, int, struct store **, char *, size_t);
void		 store_close(struct store *);
sqlite3		*store_db(struct store *);
int		 store_version(struct store *);

/*
 * A prepared statement for SQL, cached by the pointer: pass string literals
 * only. The statement comes back reset with bindings cleared.
 */
sqlite3_stmt	*store_stmt(struct store *, const char *);
/* Step ST once: the first column of its row (0 if none), ST reset. */
int64_t		 store_int(sqlite3_stmt *);
/* Run SQL without results; logs and returns -1 on error. */
int		 store_exec(struct store *, const char *);

int		 store_begin(struct store *);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
int		 store_in_tx(struct store *);

/* The last error text of the connection. */
const char	*store_errmsg(struct store *);
/* Seconds since the epoch. */
int64_t		 store_now(void);

/*
 * Checkpoint the WAL on the store's thread, off the request path: copy it
 * into the database (CKPT_COPY), then let it start over (CKPT_RESTART), and
 * when commits have paused also cut a big WAL file back (CKPT_QUIET).
 */
#define CKPT_COPY	1
#define CKPT_RESTART	2
#define CKPT_QUIET	3
#define CKPT_EMPTY	4	/* the disk is full: copy all, cut to nothing */
void		 store_checkpoint(struct store *, int);

/* Keep a reserve file while the disk has room: at start and after
 * commits pause; at once when it is held. */
void		 store_ballast(struct store *);
/* SQLite said the disk is full: give back the reserve, empty the WAL. */
void		 store_full(struct store *);

#endif
