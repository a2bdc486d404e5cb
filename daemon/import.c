/*
 * CSV import and export of contacts, in slices on the event loop.
 *
 * An import reads a descriptor the client opened and passed (the daemon never
 * opens a client's path), processes up to IMPORT_SLICE_ROWS rows or
 * IMPORT_SLICE_MS inside one transaction, commits, and yields to the loop with
 * a zero timer so the socket and the webhook stay responsive. Memory is the
 * CSV reader's buffers plus the capped reject list, whatever the file size.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/queue.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>

#include "config.h"
#include "csv.h"
#include "ctl.h"
#include "daemon.h"
#include "import.h"
#include "log.h"
#include "phone.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

#define IMPORT_SLICE_ROWS	20000
#define IMPORT_SLICE_MS		10
#define IMPORT_MAX_REJECTS	1000
#define IMPORT_MAX_NAME		256
#define IMPORT_NCACHE		64
#define EXPORT_PAGE		2000

enum { COL_PHONE, COL_FIRST, COL_LAST, COL_CAT, NCOLS };

struct catcache {
	char	*name;
	int64_t	 id;
};

/* The running import (one at a time). */
struct importer {
	struct daemon		*d;
	struct ctl_req		*r;
	int			 fd;
	struct csv_reader	*rd;
	struct event		*ev;
	int64_t			 batch;		/* 0 in preview */
	int64_t			 category;	/* --category, 0 for none */
	int			 preview;
	char			 defcc[8];
	int			 col[NCOLS];	/* -1: absent */
	int			 started;	/* first record seen */
	long long		 rows, imported, updated, duplicates, invalid;
	json_t			*rejects;
	long long		 rejects_total;
	off_t			 size;
	struct catcache		 cache[IMPORT_NCACHE];
	size_t			 ncache;
};

struct exporter {
	TAILQ_ENTRY(exporter)	 entry;
	struct daemon		*d;
	struct ctl_req		*r;
	int			 fd;
	struct event		*ev, *wev;
	struct csv_buf		 buf;
	size_t			 pos;
	int64_t			 after;
	long long		 n;
	int			 done;
};

static TAILQ_HEAD(, exporter)	 exporters = TAILQ_HEAD_INITIALIZER(exporters);

static const struct {
	const char	*alias;		/* folded: lowercase, no accent, no space */
	int		 col;
} aliases[] = {
	{ "phone", COL_PHONE }, { "telephone", COL_PHONE },
	{ "numero", COL_PHONE }, { "mobile", COL_PHONE },
	{ "whatsapp", COL_PHONE }, { "number", COL_PHONE },
	{ "phonenumber", COL_PHONE }, { "phone_number", COL_PHONE },
	{ "tel", COL_PHONE }, { "portable", COL_PHONE },
	{ "first_name", COL_FIRST }, { "firstname", COL_FIRST },
	{ "prenom", COL_FIRST }, { "givenname", COL_FIRST },
	{ "last_name", COL_LAST }, { "lastname", COL_LAST },
	{ "nom", COL_LAST }, { "surname", COL_LAST },
	{ "nomdefamille", COL_LAST }, { "familyname", COL_LAST },
	{ "category", COL_CAT }, { "categories", COL_CAT },
	{ "categorie", COL_CAT }, { "group", COL_CAT }, { "groupe", COL_CAT },
};

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
category_name_ok(const char *s)
{
	size_t	 n = strlen(s);

	return n > 0 && n <= 100 && strchr(s, '|') == NULL &&
	    text_utf8_valid(s, n);
}

/* Find the category NAME (case-insensitive), creating it if CREATE. */
static int64_t
category_by_name(struct daemon *d, const char *name, int create)
{
	sqlite3_stmt	*st;
	int64_t		 id = -1, now = store_now();

	st = store_stmt(d->store, "SELECT id FROM categories WHERE name = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id != -1 || !create || !category_name_ok(name))
		return id;
	st = store_stmt(d->store, "INSERT INTO categories (name, created_at, "
	    "updated_at) VALUES (?, ?, ?)");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(store_db(d->store));
	else
		log_warnx("category %s: %s", name, store_errmsg(d->store));
	sqlite3_reset(st);
	return id;
}

int64_t
category_resolve(struct daemon *d, json_t *v, int create)
{
	sqlite3_stmt	*st;
	const char	*s;
	char		*end;
	long long	 id = -1;
	int64_t		 found = -1;

	if (json_is_integer(v))
		id = json_integer_value(v);
	else if (json_is_string(v)) {
		s = json_string_value(v);
		id = strtoll(s, &end, 10);
		if (*s == '\0' || *end != '\0')
			return category_by_name(d, s, create);
	} else
		return -1;
	st = store_stmt(d->store, "SELECT id FROM categories WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return found;
}

static void
reject(struct importer *im, unsigned long line, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
reject(struct importer *im, unsigned long line, const char *fmt, ...)
{
	va_list	 ap;
	char	 why[256];

	im->invalid++;
	im->rejects_total++;
	if (json_array_size(im->rejects) >= IMPORT_MAX_REJECTS)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	json_array_append_new(im->rejects, json_pack("{s:I,s:s}", "line",
	    (json_int_t)line, "reason", why));
}

/* Is the first record a header? Fill im->col from it if so. */
static int
detect_header(struct importer *im, struct csv_record *rec)
{
	char	 f[64];
	size_t	 i, j;
	int	 found = 0, col[NCOLS] = { -1, -1, -1, -1 };

	for (i = 0; i < rec->nfields; i++) {
		text_fold(rec->fields[i], f, sizeof f);
		for (j = 0; j < sizeof aliases / sizeof aliases[0]; j++)
			if (strcmp(f, aliases[j].alias) == 0 &&
			    col[aliases[j].col] == -1) {
				col[aliases[j].col] = (int)i;
				found = 1;
				break;
			}
	}
	if (!found)
		return 0;
	memcpy(im->col, col, sizeof col);
	return 1;
}

static const char *
field(struct csv_record *rec, int col)
{
	if (col < 0 || (size_t)col >= rec->nfields)
		return "";
	return rec->fields[col];
}

/* Category id for a name from a row, through a small cache. */
static int64_t
row_category(struct importer *im, const char *name)
{
	int64_t	 id;
	size_t	 i;

	for (i = 0; i < im->ncache; i++)
		if (strcasecmp(im->cache[i].name, name) == 0)
			return im->cache[i].id;
	id = category_by_name(im->d, name, !im->preview);
	if (im->ncache < IMPORT_NCACHE) {
		im->cache[im->ncache].name = xstrdup(name);
		im->cache[im->ncache++].id = id;
	}
	return id;
}

static void
link_category(struct importer *im, int64_t cat, int64_t contact)
{
	sqlite3_stmt	*st;

	st = store_stmt(im->d->store, "INSERT INTO category_contacts "
	    "(category_id, contact_id, batch_id) VALUES (?, ?, ?) "
	    "ON CONFLICT DO NOTHING");
	sqlite3_bind_int64(st, 1, cat);
	sqlite3_bind_int64(st, 2, contact);
	sqlite3_bind_int64(st, 3, im->batch);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warnx("import: %s", store_errmsg(im->d->store));
	sqlite3_reset(st);
}

/* Check the `|`-separated category names of a row; 0 or -1 (rejected). */
static int
row_categories(struct importer *im, struct csv_record *rec, int64_t contact)
{
	char	 buf[1024], *p, *name, *end;

	snprintf(buf, sizeof buf, "%s", field(rec, im->col[COL_CAT]));
	for (p = buf; (name = strsep(&p, "|")) != NULL;) {
		while (*name == ' ')
			name++;
		end = name + strlen(name);
		while (end > name && end[-1] == ' ')
			*--end = '\0';
		if (*name == '\0')
			continue;
		if (contact == 0) {
			if (strlen(name) > 100)
				return -1;
			continue;
		}
		if (im->preview)
			continue;
		link_category(im, row_category(im, name), contact);
	}
	return 0;
}

/* Preview: classify the row against the store and the rows seen so far. */
static void
preview_row(struct importer *im, const char *num, const char *first,
    const char *last)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(im->d->store, "INSERT INTO temp.import_seen (n) "
	    "VALUES (?) ON CONFLICT DO NOTHING");
	sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_reset(st);
	if (sqlite3_changes(store_db(im->d->store)) == 0) {
		im->duplicates++;
		return;
	}
	st = store_stmt(im->d->store, "SELECT first_name, last_name FROM "
	    "contacts WHERE full_number = ?");
	sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		im->duplicates++;
		if ((*first != '\0' && strcmp(first,
		    (const char *)sqlite3_column_text(st, 0)) != 0) ||
		    (*last != '\0' && strcmp(last,
		    (const char *)sqlite3_column_text(st, 1)) != 0))
			im->updated++;
	} else
		im->imported++;
	sqlite3_reset(st);
}

/* An existing contact: update names (remembering the old ones once). */
static int64_t
update_row(struct importer *im, const char *num, const char *first,
    const char *last, int64_t now)
{
	sqlite3_stmt	*st;
	sqlite3		*db = store_db(im->d->store);
	int64_t		 id, batch;
	char		 of[IMPORT_MAX_NAME + 1], ol[IMPORT_MAX_NAME + 1];

	st = store_stmt(im->d->store, "SELECT id, first_name, last_name, "
	    "batch_id FROM contacts WHERE full_number = ?");
	sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return 0;
	}
	id = sqlite3_column_int64(st, 0);
	snprintf(of, sizeof of, "%s", sqlite3_column_text(st, 1));
	snprintf(ol, sizeof ol, "%s", sqlite3_column_text(st, 2));
	batch = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	im->duplicates++;
	if (*first == '\0')
		first = of;
	if (*last == '\0')
		last = ol;
	if (strcmp(first, of) == 0 && strcmp(last, ol) == 0)
		return id;
	if (batch != im->batch) {
		st = store_stmt(im->d->store, "INSERT INTO import_changes "
		    "(batch_id, contact_id, old_first_name, old_last_name) "
		    "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
		sqlite3_bind_int64(st, 1, im->batch);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_text(st, 3, of, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, ol, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_reset(st);
		if (sqlite3_changes(db) == 1)
			im->updated++;
	}
	/* Names only: opted_out and verification are never touched. */
	st = store_stmt(im->d->store, "UPDATE contacts SET first_name = ?, "
	    "last_name = ?, updated_at = ? WHERE id = ?");
	sqlite3_bind_text(st, 1, first, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, last, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, id);
	sqlite3_step(st);
	sqlite3_reset(st);
	return id;
}

static void
import_row(struct importer *im, struct csv_record *rec, int64_t now)
{
	sqlite3_stmt	*st;
	sqlite3		*db = store_db(im->d->store);
	const char	*raw, *first, *last, *why;
	char		 num[PHONE_MAX];
	int64_t		 id;

	im->rows++;
	if (rec->error != NULL) {
		reject(im, rec->line, "%s", rec->error);
		return;
	}
	raw = field(rec, im->col[COL_PHONE]);
	first = field(rec, im->col[COL_FIRST]);
	last = field(rec, im->col[COL_LAST]);
	if (phone_normalize(raw, im->defcc[0] ? im->defcc : NULL, num,
	    &why) == -1) {
		if (strcmp(why, "no country code") == 0)
			reject(im, rec->line, "phone: no country code (give "
			    "--default-country or [import] default_country)");
		else
			reject(im, rec->line, "phone: %s", why);
		return;
	}
	if (strlen(first) > IMPORT_MAX_NAME || strlen(last) > IMPORT_MAX_NAME) {
		reject(im, rec->line, "name longer than %d bytes",
		    IMPORT_MAX_NAME);
		return;
	}
	if (row_categories(im, rec, 0) == -1) {
		reject(im, rec->line, "category name longer than 100 bytes");
		return;
	}
	if (im->preview) {
		preview_row(im, num, first, last);
		return;
	}
	st = store_stmt(im->d->store, "INSERT INTO contacts (full_number, "
	    "raw_number, first_name, last_name, batch_id, created_at, "
	    "updated_at) VALUES (?, ?, ?, ?, ?, ?6, ?6) "
	    "ON CONFLICT (full_number) DO NOTHING");
	sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, raw, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, first, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, last, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, im->batch);
	sqlite3_bind_int64(st, 6, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		reject(im, rec->line, "store: %s", store_errmsg(im->d->store));
		return;
	}
	sqlite3_reset(st);
	if (sqlite3_changes(db) == 1) {
		id = sqlite3_last_insert_rowid(db);
		im->imported++;
	} else if ((id = update_row(im, num, first, last, now)) == 0) {
		reject(im, rec->line, "store: contact vanished");
		return;
	}
	if (im->category > 0)
		link_category(im, im->category, id);
	if (im->col[COL_CAT] >= 0)
		row_categories(im, rec, id);
}

static json_t *
import_summary(struct importer *im)
{
	return json_pack("{s:O?,s:I,s:I,s:I,s:I,s:I,s:O,s:I,s:b}",
	    "batch", im->batch ? json_integer(im->batch) : json_null(),
	    "rows", (json_int_t)im->rows,
	    "imported", (json_int_t)im->imported,
	    "updated", (json_int_t)im->updated,
	    "duplicates", (json_int_t)im->duplicates,
	    "invalid", (json_int_t)im->invalid,
	    "rejects", im->rejects,
	    "rejects_total", (json_int_t)im->rejects_total,
	    "preview", im->preview);
}

static void
import_free(struct importer *im)
{
	size_t	 i;

	if (im->d->importer == im)
		im->d->importer = NULL;
	if (im->ev != NULL)
		event_free(im->ev);
	if (im->rd != NULL)
		csv_reader_free(im->rd);
	if (im->fd != -1)
		close(im->fd);
	for (i = 0; i < im->ncache; i++)
		free(im->cache[i].name);
	json_decref(im->rejects);
	free(im);
}

/* Record the batch's end. */
static void
import_close_batch(struct importer *im, const char *state)
{
	sqlite3_stmt	*st;

	if (im->batch == 0)
		return;
	st = store_stmt(im->d->store, "UPDATE import_batches SET state = ?, "
	    "imported = ?, updated = ?, duplicates = ?, invalid = ?, rows = ?,"
	    " finished_at = ? WHERE id = ?");
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, im->imported);
	sqlite3_bind_int64(st, 3, im->updated);
	sqlite3_bind_int64(st, 4, im->duplicates);
	sqlite3_bind_int64(st, 5, im->invalid);
	sqlite3_bind_int64(st, 6, im->rows);
	sqlite3_bind_int64(st, 7, store_now());
	sqlite3_bind_int64(st, 8, im->batch);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warnx("import: %s", store_errmsg(im->d->store));
	sqlite3_reset(st);
}

static void
import_progress(struct importer *im)
{
	if (!ctl_listening(im->d, "jobs"))
		return;
	ctl_event(im->d, "jobs", "import.progress", json_pack("{s:I,s:I,s:I,"
	    "s:I,s:I,s:I,s:I,s:I}", "batch", (json_int_t)im->batch,
	    "rows", (json_int_t)im->rows,
	    "bytes", (json_int_t)csv_bytes(im->rd),
	    "size", (json_int_t)im->size,
	    "imported", (json_int_t)im->imported,
	    "updated", (json_int_t)im->updated,
	    "duplicates", (json_int_t)im->duplicates,
	    "invalid", (json_int_t)im->invalid));
}

/* One slice: rows in one transaction, then yield to the loop. */
static void
import_slice(evutil_socket_t fd, short ev, void *arg)
{
	struct importer		*im = arg;
	struct csv_record	 rec;
	struct timeval		 tv = { 0, 0 };
	double			 t0 = now_ms();
	int64_t			 now = store_now();
	int			 n, rc = 1, err = 0;
	struct ctl_req		*r;

	if (store_begin(im->d->store) == -1) {
		evtimer_add(im->ev, &tv);
		return;
	}
	for (n = 0; n < IMPORT_SLICE_ROWS; n++) {
		if ((n & 255) == 255 && now_ms() - t0 > IMPORT_SLICE_MS)
			break;
		if ((rc = csv_next(im->rd, &rec)) != 1) {
			err = errno;
			break;
		}
		if (!im->started) {
			im->started = 1;
			if (rec.error == NULL && detect_header(im, &rec))
				continue;
		}
		import_row(im, &rec, now);
	}
	if (rc == 1) {
		if (store_commit(im->d->store) == -1) {
			store_rollback(im->d->store);
			rc = -1;
			err = EIO;
		} else {
			import_progress(im);
			evtimer_add(im->ev, &tv);
			return;
		}
	}
	if (rc == 0 && im->preview)
		store_exec(im->d->store, "DELETE FROM temp.import_seen");
	import_close_batch(im, rc == 0 ? "done" : "failed");
	if (store_commit(im->d->store) == -1)
		store_rollback(im->d->store);
	import_progress(im);
	r = im->r;
	im->r = NULL;
	if (rc == 0) {
		log_info("import batch %lld: %lld rows, %lld new, %lld updated,"
		    " %lld duplicates, %lld invalid", (long long)im->batch,
		    im->rows, im->imported, im->updated, im->duplicates,
		    im->invalid);
		ctl_reply(r, import_summary(im));
	} else
		ctl_error(r, "internal", "reading the file at line %llu: %s",
		    (unsigned long long)im->rows, strerror(err));
	import_free(im);
}

static int
import_cc(struct ctl_req *r, char *cc, size_t len)
{
	const char	*s = ctl_arg_str(r, "default_country", NULL);

	if (s == NULL)
		s = r->d->conf->default_country;
	if (s == NULL || *s == '\0') {
		*cc = '\0';
		return 0;
	}
	if (*s == '+')
		s++;
	if (strlen(s) > 3 || strspn(s, "0123456789") != strlen(s) ||
	    !phone_cc_valid(s))
		return -1;
	snprintf(cc, len, "%s", s);
	return 0;
}

int
import_start(struct ctl_req *r)
{
	struct daemon	*d = r->d;
	struct importer	*im;
	struct stat	 sb;
	sqlite3_stmt	*st;
	json_t		*cat = json_object_get(r->args, "category");
	int64_t		 catid = 0;
	int		 preview = ctl_arg_bool(r, "preview", 0);

	if (r->fd == -1) {
		ctl_error(r, "bad_request", "contacts.import needs the file "
		    "passed as a descriptor");
		return CMD_DONE;
	}
	if (fstat(r->fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		ctl_error(r, "bad_request", "the passed descriptor is not a "
		    "regular file");
		return CMD_DONE;
	}
	if (d->importer != NULL) {
		ctl_error(r, "conflict", "an import is already running (batch "
		    "%lld)", (long long)d->importer->batch);
		return CMD_DONE;
	}
	im = xcalloc(1, sizeof *im);
	if (import_cc(r, im->defcc, sizeof im->defcc) == -1) {
		free(im);
		ctl_error(r, "bad_request", "default_country must be a country "
		    "calling code like 228");
		return CMD_DONE;
	}
	if (cat != NULL && (catid = category_resolve(d, cat, !preview)) == -1 &&
	    (!preview || json_is_integer(cat))) {
		free(im);
		ctl_error(r, "not_found", "no such category");
		return CMD_DONE;
	}
	im->d = d;
	im->fd = r->fd;
	r->fd = -1;	/* the job owns it now */
	im->size = sb.st_size;
	im->preview = preview;
	im->category = catid > 0 ? catid : 0;
	im->col[COL_PHONE] = 0;
	im->col[COL_FIRST] = 1;
	im->col[COL_LAST] = 2;
	im->col[COL_CAT] = 3;
	im->rejects = json_array();
	im->rd = csv_reader_fd(im->fd, NULL);
	im->ev = evtimer_new(d->base, import_slice, im);
	if (preview) {
		store_exec(d->store, "CREATE TEMP TABLE IF NOT EXISTS "
		    "import_seen (n TEXT PRIMARY KEY) WITHOUT ROWID");
		store_exec(d->store, "DELETE FROM temp.import_seen");
	} else {
		st = store_stmt(d->store, "INSERT INTO import_batches (user_id,"
		    " filename, default_country, category_id, created_at) "
		    "VALUES (?, ?, ?, ?, ?)");
		if (r->user_id > 0)
			sqlite3_bind_int64(st, 1, r->user_id);
		sqlite3_bind_text(st, 2, ctl_arg_str(r, "filename", ""), -1,
		    SQLITE_TRANSIENT);
		if (im->defcc[0] != '\0')
			sqlite3_bind_text(st, 3, im->defcc, -1, SQLITE_STATIC);
		if (im->category > 0)
			sqlite3_bind_int64(st, 4, im->category);
		sqlite3_bind_int64(st, 5, store_now());
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			ctl_error(r, "internal", "%s", store_errmsg(d->store));
			import_free(im);
			return CMD_DONE;
		}
		sqlite3_reset(st);
		im->batch = sqlite3_last_insert_rowid(store_db(d->store));
	}
	ctl_target(r, "batch %lld %.200s", (long long)im->batch,
	    ctl_arg_str(r, "filename", ""));
	im->r = r;
	d->importer = im;
	import_slice(-1, 0, im);
	return CMD_PARKED;
}

int
import_undo(struct daemon *d, int64_t batch, json_t **out, const char **code,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	sqlite3		*db = store_db(d->store);
	char		 state[16] = "";
	long long	 messaged = 0, removed, restored, links;

	st = store_stmt(d->store, "SELECT state FROM import_batches WHERE "
	    "id = ?");
	sqlite3_bind_int64(st, 1, batch);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(state, sizeof state, "%s", sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (*state == '\0') {
		*code = "not_found";
		snprintf(err, errlen, "no import batch %lld", (long long)batch);
		return -1;
	}
	if (strcmp(state, "running") == 0 || strcmp(state, "undone") == 0) {
		*code = "conflict";
		snprintf(err, errlen, "batch %lld is %s", (long long)batch,
		    state);
		return -1;
	}
	st = store_stmt(d->store, "SELECT count(*) FROM contacts c WHERE "
	    "c.batch_id = ? AND EXISTS (SELECT 1 FROM messages m WHERE "
	    "m.contact_id = c.id)");
	sqlite3_bind_int64(st, 1, batch);
	if (sqlite3_step(st) == SQLITE_ROW)
		messaged = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (messaged > 0) {
		*code = "conflict";
		snprintf(err, errlen, "%lld contacts of batch %lld have been "
		    "messaged by a campaign; delete them one by one", messaged,
		    (long long)batch);
		return -1;
	}
	if (store_begin(d->store) == -1)
		goto fail;
	st = store_stmt(d->store, "UPDATE contacts SET first_name = "
	    "ic.old_first_name, last_name = ic.old_last_name, updated_at = ?2 "
	    "FROM import_changes ic WHERE ic.batch_id = ?1 AND "
	    "ic.contact_id = contacts.id");
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_int64(st, 2, store_now());
	if (sqlite3_step(st) != SQLITE_DONE)
		goto rollback;
	sqlite3_reset(st);
	restored = sqlite3_changes(db);
	st = store_stmt(d->store, "DELETE FROM category_contacts WHERE "
	    "batch_id = ?");
	sqlite3_bind_int64(st, 1, batch);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto rollback;
	sqlite3_reset(st);
	links = sqlite3_changes(db);
	st = store_stmt(d->store, "DELETE FROM contacts WHERE batch_id = ?");
	sqlite3_bind_int64(st, 1, batch);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto rollback;
	sqlite3_reset(st);
	removed = sqlite3_changes(db);
	st = store_stmt(d->store, "UPDATE import_batches SET state = 'undone', "
	    "finished_at = ? WHERE id = ?");
	sqlite3_bind_int64(st, 1, store_now());
	sqlite3_bind_int64(st, 2, batch);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto rollback;
	sqlite3_reset(st);
	if (store_commit(d->store) == -1)
		goto rollback;
	*out = json_pack("{s:I,s:I,s:I,s:I}", "batch", (json_int_t)batch,
	    "removed", (json_int_t)removed, "restored", (json_int_t)restored,
	    "unlinked", (json_int_t)links);
	return 0;
rollback:
	sqlite3_reset(st);
	snprintf(err, errlen, "%s", store_errmsg(d->store));
	store_rollback(d->store);
	*code = "internal";
	return -1;
fail:
	snprintf(err, errlen, "%s", store_errmsg(d->store));
	*code = "internal";
	return -1;
}

static void
export_free(struct exporter *ex)
{
	TAILQ_REMOVE(&exporters, ex, entry);
	event_free(ex->ev);
	event_free(ex->wev);
	close(ex->fd);
	csv_buf_free(&ex->buf);
	free(ex);
}

/* Append the next page of contacts to the buffer. */
static void
export_fill(struct exporter *ex)
{
	sqlite3_stmt	*st;
	const char	*f[4];
	int		 n = 0;

	csv_buf_reset(&ex->buf);
	ex->pos = 0;
	st = store_stmt(ex->d->store, "SELECT c.id, c.full_number, "
	    "c.first_name, c.last_name, (SELECT group_concat(g.name, '|') "
	    "FROM category_contacts cc JOIN categories g ON g.id = "
	    "cc.category_id WHERE cc.contact_id = c.id) FROM contacts c "
	    "WHERE c.id > ? ORDER BY c.id LIMIT ?");
	sqlite3_bind_int64(st, 1, ex->after);
	sqlite3_bind_int(st, 2, EXPORT_PAGE);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ex->after = sqlite3_column_int64(st, 0);
		f[0] = (const char *)sqlite3_column_text(st, 1);
		f[1] = (const char *)sqlite3_column_text(st, 2);
		f[2] = (const char *)sqlite3_column_text(st, 3);
		f[3] = (const char *)sqlite3_column_text(st, 4);
		if (f[3] == NULL)
			f[3] = "";
		csv_buf_append_record(&ex->buf, ',', f, 4);
		n++;
	}
	sqlite3_reset(st);
	ex->n += n;
	if (n < EXPORT_PAGE)
		ex->done = 1;
}

static void
export_slice(evutil_socket_t fd, short ev, void *arg)
{
	struct exporter	*ex = arg;
	struct timeval	 tv = { 0, 0 };
	struct ctl_req	*r;
	ssize_t		 n;
	int		 pages = 0;

	for (;;) {
		while (ex->pos < ex->buf.len) {
			n = write(ex->fd, ex->buf.data + ex->pos,
			    ex->buf.len - ex->pos);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN) {
				event_add(ex->wev, NULL);
				return;
			}
			if (n == -1) {
				r = ex->r;
				ctl_error(r, "bad_request", "writing the export: "
				    "%s", strerror(errno));
				export_free(ex);
				return;
			}
			ex->pos += (size_t)n;
		}
		if (ex->done) {
			r = ex->r;
			ctl_reply(r, json_pack("{s:I}", "exported",
			    (json_int_t)ex->n));
			export_free(ex);
			return;
		}
		if (pages++ == 2) {
			evtimer_add(ex->ev, &tv);
			return;
		}
		export_fill(ex);
	}
}

int
export_start(struct ctl_req *r)
{
	struct exporter	*ex;
	struct stat	 sb;
	int		 fl;
	static const char *const hdr[] = { "phone", "first_name",
	    "last_name", "categories" };

	if (r->fd == -1 || fstat(r->fd, &sb) == -1) {
		ctl_error(r, "bad_request", "contacts.export needs a descriptor "
		    "to write to");
		return CMD_DONE;
	}
	if ((fl = fcntl(r->fd, F_GETFL)) == -1 || (fl & O_ACCMODE) == O_RDONLY) {
		ctl_error(r, "bad_request", "the passed descriptor is not open "
		    "for writing");
		return CMD_DONE;
	}
	fcntl(r->fd, F_SETFL, fl | O_NONBLOCK);
	ex = xcalloc(1, sizeof *ex);
	ex->d = r->d;
	ex->r = r;
	ex->fd = r->fd;
	r->fd = -1;
	ex->ev = evtimer_new(r->d->base, export_slice, ex);
	ex->wev = event_new(r->d->base, ex->fd, EV_WRITE, export_slice, ex);
	if (ex->wev == NULL)	/* a regular file: always writable */
		ex->wev = evtimer_new(r->d->base, export_slice, ex);
	TAILQ_INSERT_TAIL(&exporters, ex, entry);
	csv_buf_append_record(&ex->buf, ',', hdr, 4);
	export_slice(-1, 0, ex);
	return CMD_PARKED;
}

void
import_shutdown(struct daemon *d)
{
	struct importer	*im = d->importer;
	struct exporter	*ex;

	if (im != NULL) {
		if (store_begin(d->store) == 0) {
			import_close_batch(im, "failed");
			if (store_commit(d->store) == -1)
				store_rollback(d->store);
		}
		ctl_error(im->r, "unavailable", "the daemon is stopping");
		im->r = NULL;
		import_free(im);
	}
	while ((ex = TAILQ_FIRST(&exporters)) != NULL) {
		ctl_error(ex->r, "unavailable", "the daemon is stopping");
		export_free(ex);
	}
}
