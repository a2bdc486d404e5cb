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

/* Run a passive WAL checkpoint (from a timer, off the request path). */
void		 store_checkpoint(struct store *);

#endif
