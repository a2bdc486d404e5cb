/*
 * CSV import of contacts, and its undo: jobs (job.c), in slices on the loop.
 *
 * An import reads a descriptor the client opened and passed (the daemon never
 * opens a client's path). It reads and checks rows for IMPORT_SLICE_MS at a
 * time, holding each good row compactly in memory (its number as a 64-bit
 * key, its strings in an arena) in runs that are sorted as they fill. Once
 * IMPORT_MEM is held or the file ends, it writes the rows in number order,
 * merging the runs, again one short transaction a slice. Inserting in the
 * order of the full_number index turns a million random index inserts into
 * appends: this is what makes the import faster than a plain sqlite3
 * .import. Between slices the loop serves the socket and the webhook. Memory
 * is bounded by IMPORT_MEM whatever the file size: a bigger file is written
 * in several rounds.
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

#include <jansson.h>
#include <sqlite3.h>

#include "config.h"
#include "csv.h"
#include "ctl.h"
#include "daemon.h"
#include "decode.h"
#include "duration.h"
#include "i18n.h"
#include "import.h"
#include "job.h"
#include "layout.h"
#include "log.h"
#include "phone.h"
#include "search.h"
#include "store.h"
#include "text.h"
#include "vcard.h"
#include "xmalloc.h"

#define IMPORT_SLICE_MS		10
#define IMPORT_STEP_ROWS	256		/* records a step takes */
#define IMPORT_STEP_BYTES	(1024 * 1024)	/* or bytes of long ones */
#define IMPORT_RUN_ROWS		262144		/* rows sorted together */
#define IMPORT_MAX_RUNS		8
#define IMPORT_MEM		(24 << 20)	/* rows held before writing */
#define ARENA_BLOCK		(256 << 10)
#define IMPORT_MAX_RAW		256
#define IMPORT_MAX_REJECTS	1000
#define IMPORT_MAX_NAME		256
#define IMPORT_NCACHE		64

#define IMPORT_SAMPLE		5		/* rows shown by a preview */
#define IMPORT_MULTI		64		/* rows an INSERT writes */

struct catcache {
	char	*name;
	int64_t	 id;
};

/* A row read and checked, waiting to be written in number order. */
struct irow {
	uint64_t	 key;	/* the number's digits: see phone_key() */
	uint32_t	 line;
	uint32_t	 off;	/* first, last, raw, categories, extra in the arena */
};

struct run {
	struct irow	*rows;
	size_t		 n, pos;
	int		 sorted;
};

/* The running import (one at a time), a job (job.c). */
struct importer {
	struct daemon		*d;
	int			 fd;
	struct decoder		*dec;
	struct csv_reader	*rd;		/* a CSV file, */
	struct vcard_reader	*vc;		/* or vCards */
	int64_t			 batch;		/* 0 in preview */
	int64_t			 category;	/* --category, 0 for none */
	int			 preview;
	char			 defcc[8];
	struct layout		 lay;
	char			 vcname[16];
	struct lrow		 row;		/* the record being checked */
	int			 started;	/* first record seen */
	long long		 rows, imported, updated, duplicates, invalid;
	long long		 others;	/* numbers left in rows */
	long long		 renumbered;	/* moved to a new plan */
	long long		 cut;		/* extra values cut */
	unsigned int		 registered;	/* extra fields in contact_fields */
	json_t			*rejects;
	json_t			*sample;	/* preview: first rows as stored */
	long long		 rejects_total;
	off_t			 size;
	struct catcache		 cache[IMPORT_NCACHE];
	size_t			 ncache;

	int			 eof, writing;
	int			 fk_off;	/* this slice: foreign keys off */
	int			 err_no;	/* why it failed */
	int64_t			 now;		/* the slice's store time */
	double			 t_slice;	/* when it began (ms) */
	struct run		 runs[IMPORT_MAX_RUNS];
	size_t			 nruns;
	char			*blocks[IMPORT_MEM / ARENA_BLOCK + 2];
	size_t			 nblocks, used;	/* bytes used in the last block */
	size_t			 held;		/* bytes of rows and strings */
	long long		 written;	/* rows written, for progress */
	uint64_t		 last_key;	/* of the row written last */
	double			 t_start, t_read, t_write;	/* ms */
	int64_t			 first_id, last_id;	/* created, for undo */
	size_t			 mem;		/* IMPORT_MEM, or less in tests */
	size_t			 run_rows;	/* a quarter of mem at most */

	/* An undo (contacts.import_undo) runs as a job of its own kind:
	 * imported, updated and duplicates count removed, restored and
	 * unlinked rows, first_id and last_id bound the batch. */
	int			 undo, phase;
	int64_t			 at;
};

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
	json_t	*r;

	im->invalid++;
	im->rejects_total++;
	if (json_array_size(im->rejects) >= IMPORT_MAX_REJECTS)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	r = json_pack("{s:I,s:s}", "line", (json_int_t)line, "reason", why);
	/* Its key and args, for a client to translate (as an error's). */
	va_start(ap, fmt);
	i18n_json(r, fmt, ap, why);
	va_end(ap);
	json_array_append_new(im->rejects, r);
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

	/* No such category (a name refused): no link, with or without the
	 * foreign keys checked. */
	if (cat <= 0)
		return;
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
row_categories(struct importer *im, const char *cell, int64_t contact)
{
	char	 buf[1024], *p, *name, *end;

	snprintf(buf, sizeof buf, "%s", cell);
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

/*
 * Contact extras OLD (JSON text or NULL) with the row's NEW (LEN bytes)
 * laid over them: a value a row leaves empty keeps the stored one, as a
 * name does. The merged object as text (free it), or NULL when nothing
 * changes.
 */
static char *
merge_extra(const char *old, const char *new, size_t len)
{
	json_t	*o = NULL, *n, *m;
	char	*s = NULL;

	if (len == 0 || (n = json_loadb(new, len, 0, NULL)) == NULL)
		return NULL;
	if (old != NULL)
		o = json_loads(old, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	m = json_copy(o);
	json_object_update(m, n);
	if (!json_equal(m, o))
		s = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	json_decref(o);
	json_decref(n);
	return s;
}

/* Preview: classify the row against the store and the rows seen so far. */
static void
preview_row(struct importer *im, const char *num)
{
	sqlite3_stmt	*st;
	const char	*first = im->row.first, *last = im->row.last;
	size_t		 le = im->row.extra != NULL ? im->row.lextra : 0;
	char		*ne;
	json_t		*s;
	int		 rc;

	if (json_array_size(im->sample) < IMPORT_SAMPLE) {
		s = json_pack("{s:s,s:s,s:s,s:s}", "phone", num, "first_name",
		    first, "last_name", last, "categories", im->row.cats);
		if (le > 0)
			json_object_set_new(s, "extra", json_loadb(im->row.extra,
			    le, 0, NULL));
		json_array_append_new(im->sample, s);
	}

	st = store_stmt(im->d->store, "INSERT INTO temp.import_seen (n) "
	    "VALUES (?) ON CONFLICT DO NOTHING");
	sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_reset(st);
	if (sqlite3_changes(store_db(im->d->store)) == 0) {
		im->duplicates++;
		return;
	}
	st = store_stmt(im->d->store, "SELECT first_name, last_name, extra "
	    "FROM contacts WHERE full_number = ?");
	sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		im->duplicates++;
		ne = merge_extra((const char *)sqlite3_column_text(st, 2),
		    im->row.extra, le);
		if ((*first != '\0' && strcmp(first,
		    (const char *)sqlite3_column_text(st, 0)) != 0) ||
		    (*last != '\0' && strcmp(last,
		    (const char *)sqlite3_column_text(st, 1)) != 0) ||
		    ne != NULL)
			im->updated++;
		free(ne);
	} else
		im->imported++;
	sqlite3_reset(st);
}

/* An existing contact: update names and extras (remembering the old ones
 * once). */
static int64_t
update_row(struct importer *im, const char *num, const char *first,
    const char *last, const char *extra, size_t le, int64_t now)
{
	sqlite3_stmt	*st;
	sqlite3		*db = store_db(im->d->store);
	int64_t		 id, batch;
	int		 rc;
	char		 of[IMPORT_MAX_NAME + 1], ol[IMPORT_MAX_NAME + 1];
	char		*oe = NULL, *ne;

	st = store_stmt(im->d->store, "SELECT id, first_name, last_name, "
	    "batch_id, extra FROM contacts WHERE full_number = ?");
	sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return 0;
	}
	id = sqlite3_column_int64(st, 0);
	snprintf(of, sizeof of, "%s", sqlite3_column_text(st, 1));
	snprintf(ol, sizeof ol, "%s", sqlite3_column_text(st, 2));
	batch = sqlite3_column_int64(st, 3);
	if (sqlite3_column_type(st, 4) != SQLITE_NULL)
		oe = xstrdup((const char *)sqlite3_column_text(st, 4));
	sqlite3_reset(st);
	im->duplicates++;
	/* Created or renamed by an earlier row of this file (a file written
	 * in several rounds): its first row wins. */
	if (batch == im->batch)
		goto out;
	st = store_stmt(im->d->store, "SELECT 1 FROM import_changes WHERE "
	    "batch_id = ? AND contact_id = ?");
	sqlite3_bind_int64(st, 1, im->batch);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		goto out;
	if (*first == '\0')
		first = of;
	if (*last == '\0')
		last = ol;
	ne = merge_extra(oe, extra, le);
	if (strcmp(first, of) == 0 && strcmp(last, ol) == 0 && ne == NULL)
		goto out;
	st = store_stmt(im->d->store, "INSERT INTO import_changes "
	    "(batch_id, contact_id, old_first_name, old_last_name, old_extra, "
	    "extra_changed) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
	sqlite3_bind_int64(st, 1, im->batch);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, of, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ol, -1, SQLITE_STATIC);
	if (oe != NULL)
		sqlite3_bind_text(st, 5, oe, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, ne != NULL);
	sqlite3_step(st);
	sqlite3_reset(st);
	if (sqlite3_changes(db) == 1)
		im->updated++;
	/* Names and extras only: opted_out and verification are never
	 * touched. */
	st = store_stmt(im->d->store, "UPDATE contacts SET first_name = ?, "
	    "last_name = ?, extra = coalesce(?, extra), updated_at = ? "
	    "WHERE id = ?");
	sqlite3_bind_text(st, 1, first, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, last, -1, SQLITE_STATIC);
	if (ne != NULL)
		sqlite3_bind_text(st, 3, ne, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, id);
	sqlite3_step(st);
	sqlite3_reset(st);
	free(ne);
out:
	free(oe);
	return id;
}

/*
 * An order-keeping code for "+DIGITS" (at most 15): each digit plus one in
 * base 11, padded with zeros to 15 places, so keys sort as the text does
 * and the rows reach the full_number index in its own order.
 */
static uint64_t
phone_key(const char *num)
{
	const char	*p = num + 1;
	uint64_t	 k = 0;
	int		 i;

	for (i = 0; i < 15; i++)
		k = k * 11 + (*p != '\0' ? (uint64_t)(*p++ - '0' + 1) : 0);
	return k;
}

/* The number back from its key; its length. */
static int
key_phone(uint64_t k, char num[PHONE_MAX])
{
	char	 d[15];
	int	 i, n = 1;

	for (i = 14; i >= 0; i--) {
		d[i] = (char)(k % 11);
		k /= 11;
	}
	num[0] = '+';
	for (i = 0; i < 15 && d[i] != 0; i++)
		num[n++] = (char)('0' + d[i] - 1);
	num[n] = '\0';
	return n;
}

/* Check the mapped row im->row: its number in NUM and 0, or -1 with the
 * reject noted. */
static int
check_lrow(struct importer *im, unsigned long line, char num[PHONE_MAX])
{
	struct lrow	*row = &im->row;
	const char	*why;
	int		 flags;

	if (row->lphone > IMPORT_MAX_RAW) {
		reject(im, line, "phone: longer than %d bytes", IMPORT_MAX_RAW);
		return -1;
	}
	if (phone_normalize_flags(row->phone, im->defcc[0] ? im->defcc : NULL,
	    num, &why, &flags) == -1) {
		if (strcmp(why, "no country code") == 0)
			reject(im, line, "phone: no country code (give "
			    "--default-country or [import] default_country)");
		else
			reject(im, line, "phone: %-s", why);
		return -1;
	}
	if (row->lfirst > IMPORT_MAX_NAME || row->llast > IMPORT_MAX_NAME) {
		reject(im, line, "name longer than %d bytes", IMPORT_MAX_NAME);
		return -1;
	}
	if (row->lcats > 0 && row_categories(im, row->cats, 0) == -1) {
		reject(im, line, "category name longer than 100 bytes");
		return -1;
	}
	im->others += row->others;
	im->cut += row->cut;
	if (flags & PHONE_RENUMBERED)
		im->renumbered++;
	return 0;
}

/* Check a record: its number in NUM and 0, or -1 with the reject noted. */
static int
check_row(struct importer *im, struct csv_record *rec, char num[PHONE_MAX])
{
	im->rows++;
	if (rec->error != NULL) {
		reject(im, rec->line, "%s", rec->error);
		return -1;
	}
	layout_row(&im->lay, rec->fields, rec->lens, rec->nfields, &im->row);
	return check_lrow(im, rec->line, num);
}

static void
arena_put(struct importer *im, const char *s, size_t len)
{
	memcpy(im->blocks[im->nblocks - 1] + im->used, s, len);
	im->blocks[im->nblocks - 1][im->used + len] = '\0';
	im->used += len + 1;
}

static int
cmp_irow(const void *a, const void *b)
{
	const struct irow	*x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * Sort N rows by key, rows of one key kept in line order (they were held
 * in it): an LSD radix sort, 13 bits a pass over the 53 bits of a key, a
 * third of qsort's time on a run of 262144.
 */
static void
sort_rows(struct irow *rows, size_t n)
{
	struct irow	*tmp, *from = rows, *to, *t;
	size_t		 count[1 << 13], i, sum, c;
	int		 shift;

	if (n < 64) {
		qsort(rows, n, sizeof *rows, cmp_irow);
		return;
	}
	to = tmp = xreallocarray(NULL, n, sizeof *tmp);
	for (shift = 0; shift < 53; shift += 13) {
		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++)
			count[(from[i].key >> shift) & 8191]++;
		for (i = 0, sum = 0; i < 8192; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			to[count[(from[i].key >> shift) & 8191]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	/* Five passes: the sorted rows are in tmp. */
	memcpy(rows, from, n * sizeof *rows);
	free(tmp);
}

/* Sort the run being filled, so the writer can merge it. */
static void
close_run(struct importer *im)
{
	struct run	*run;

	if (im->nruns == 0)
		return;
	run = &im->runs[im->nruns - 1];
	if (!run->sorted) {
		sort_rows(run->rows, run->n);
		run->sorted = 1;
	}
}

/* Keep a checked row in memory until the write phase. */
static void
hold_row(struct importer *im, unsigned long line, const char *num)
{
	const char	*raw = im->row.phone;
	const char	*first = im->row.first;
	const char	*last = im->row.last;
	const char	*cats = im->row.cats;
	const char	*extra = im->row.extra != NULL ? im->row.extra : "";
	struct run	*run;
	struct irow	*row;
	size_t		 lr = im->row.lphone;
	size_t		 lf = im->row.lfirst;
	size_t		 ll = im->row.llast;
	size_t		 lc = im->row.lcats;
	size_t		 le = im->row.extra != NULL ? im->row.lextra : 0;

	if (strcmp(raw, num) == 0) {
		raw = "";
		lr = 0;
	}
	if (lc > 1023)
		lc = 1023;
	if (im->nruns == 0 || im->runs[im->nruns - 1].n == im->run_rows) {
		close_run(im);
		run = &im->runs[im->nruns++];
		run->rows = xreallocarray(NULL, im->run_rows,
		    sizeof *run->rows);
		run->n = run->pos = 0;
		run->sorted = 0;
		im->held += im->run_rows * sizeof *run->rows;
	}
	if (im->nblocks == 0 ||
	    im->used + lf + ll + lr + lc + le + 5 > ARENA_BLOCK) {
		im->blocks[im->nblocks++] = xmalloc(ARENA_BLOCK);
		im->used = 0;
		im->held += ARENA_BLOCK;
	}
	run = &im->runs[im->nruns - 1];
	row = &run->rows[run->n++];
	row->key = phone_key(num);
	row->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	row->off = (uint32_t)((im->nblocks - 1) * ARENA_BLOCK + im->used);
	arena_put(im, first, lf);
	arena_put(im, last, ll);
	arena_put(im, raw, lr);
	arena_put(im, cats, lc);
	arena_put(im, extra, le);
}

/* Forget the rows held, once written. */
static void
drop_rows(struct importer *im)
{
	size_t	 i;

	for (i = 0; i < im->nruns; i++)
		free(im->runs[i].rows);
	for (i = 0; i < im->nblocks; i++)
		free(im->blocks[i]);
	im->nruns = im->nblocks = im->used = im->held = 0;
}

/* A held row's fields, out of the arena. */
struct wrow {
	const struct irow	*row;
	const char		*first, *last, *raw, *cats, *extra;
	int			 lf, ll, lr, ln, le;
	char			 num[PHONE_MAX];
};

static void
wrow_get(struct importer *im, const struct irow *row, struct wrow *w)
{
	w->row = row;
	w->ln = key_phone(row->key, w->num);
	w->first = im->blocks[row->off / ARENA_BLOCK] + row->off % ARENA_BLOCK;
	w->lf = (int)strlen(w->first);
	w->last = w->first + w->lf + 1;
	w->ll = (int)strlen(w->last);
	w->raw = w->last + w->ll + 1;
	w->lr = (int)strlen(w->raw);
	w->cats = w->raw + w->lr + 1;
	w->extra = w->cats + strlen(w->cats) + 1;
	w->le = (int)strlen(w->extra);
	/*
	 * Typed as stored: no copy of the number (a tenth of the row), and
	 * contacts.get shows the number (CONTACT_COLS). Erasure also makes
	 * it NULL, with the number.
	 */
	if (w->lr == 0)
		w->raw = NULL;
}

/* After a row's INSERT: ID the contact it made, or 0 when the number was
 * stored already (then its names are updated). */
static void
wrow_done(struct importer *im, const struct wrow *w, int64_t id, int64_t now)
{
	if (id > 0) {
		im->imported++;
		/* The name index takes it from here, not read back. */
		search_take(im->d, id, w->first, w->last);
		if (im->first_id == 0 || id < im->first_id)
			im->first_id = id;
		if (id > im->last_id)
			im->last_id = id;
	} else if ((id = update_row(im, w->num, w->first, w->last, w->extra,
	    (size_t)w->le, now)) == 0) {
		reject(im, w->row->line, "store: contact vanished");
		return;
	}
	if (im->category > 0)
		link_category(im, im->category, id);
	if (*w->cats != '\0')
		row_categories(im, w->cats, id);
}

/* Write one held row: a new contact, or names for one already stored. */
static void
write_row(struct importer *im, const struct wrow *w, int64_t now)
{
	sqlite3_stmt	*st;
	sqlite3		*db = store_db(im->d->store);

	st = store_stmt(im->d->store, "INSERT INTO contacts (full_number, "
	    "raw_number, first_name, last_name, extra, batch_id, created_at, "
	    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?7, ?7) "
	    "ON CONFLICT (full_number) DO NOTHING");
	sqlite3_bind_text(st, 1, w->num, w->ln, SQLITE_STATIC);
	if (w->raw != NULL)
		sqlite3_bind_text(st, 2, w->raw, w->lr, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->first, w->lf, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, w->last, w->ll, SQLITE_STATIC);
	if (w->le > 0)
		sqlite3_bind_text(st, 5, w->extra, w->le, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, im->batch);
	sqlite3_bind_int64(st, 7, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		reject(im, w->row->line, "store: %s", store_errmsg(im->d->store));
		return;
	}
	sqlite3_reset(st);
	wrow_done(im, w, sqlite3_changes(db) == 1 ?
	    sqlite3_last_insert_rowid(db) : 0, now);
}

/* The INSERT of IMPORT_MULTI rows, made once. */
static const char *
multi_sql(void)
{
	static char	*sql;
	char		*s, *t;
	int		 i;

	if (sql != NULL)
		return sql;
	s = xstrdup("INSERT INTO contacts (full_number, raw_number, "
	    "first_name, last_name, extra, batch_id, created_at, updated_at) "
	    "VALUES ");
	for (i = 0; i < IMPORT_MULTI; i++) {
		xasprintf(&t, "%s%s(?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d)",
		    s, i > 0 ? ", " : "", 5 * i + 1, 5 * i + 2, 5 * i + 3,
		    5 * i + 4, 5 * i + 5, 5 * IMPORT_MULTI + 1,
		    5 * IMPORT_MULTI + 2, 5 * IMPORT_MULTI + 2);
		free(s);
		s = t;
	}
	xasprintf(&sql, "%s ON CONFLICT (full_number) DO NOTHING", s);
	free(s);
	return sql;
}

/* The id of the contact with number NUM, or 0. */
static int64_t
number_id(struct importer *im, const char *num)
{
	sqlite3_stmt	*st;
	int64_t		 id = 0;

	st = store_stmt(im->d->store, "SELECT id FROM contacts WHERE "
	    "full_number = ?");
	sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/*
 * Write IMPORT_MULTI held rows with one statement: a statement a row spent
 * more on opening, positioning and closing its cursors than on the row.
 * The rows it makes take the ids above the highest, one after the other
 * in the order of the rows (the loop is the only writer); a number stored
 * already makes none. So when all are new their ids are known, and
 * otherwise the new ones are those at most CHANGES below the last id. On
 * an error, each row alone, to reject just the bad one.
 */
static void
write_rows(struct importer *im, const struct wrow *w, int64_t now)
{
	sqlite3_stmt	*st;
	sqlite3		*db = store_db(im->d->store);
	int64_t		 last, id;
	size_t		 i;
	int		 rc, k, made;

	st = store_stmt(im->d->store, multi_sql());
	for (i = 0; i < IMPORT_MULTI; i++) {
		k = 5 * (int)i;
		sqlite3_bind_text(st, k + 1, w[i].num, w[i].ln, SQLITE_STATIC);
		if (w[i].raw != NULL)
			sqlite3_bind_text(st, k + 2, w[i].raw, w[i].lr,
			    SQLITE_STATIC);
		sqlite3_bind_text(st, k + 3, w[i].first, w[i].lf,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, k + 4, w[i].last, w[i].ll, SQLITE_STATIC);
		if (w[i].le > 0)
			sqlite3_bind_text(st, k + 5, w[i].extra, w[i].le,
			    SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 5 * IMPORT_MULTI + 1, im->batch);
	sqlite3_bind_int64(st, 5 * IMPORT_MULTI + 2, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		/* Nothing of it stays: the statement is undone whole. */
		for (i = 0; i < IMPORT_MULTI; i++)
			write_row(im, &w[i], now);
		return;
	}
	made = sqlite3_changes(db);
	last = sqlite3_last_insert_rowid(db);
	for (i = 0; i < IMPORT_MULTI; i++) {
		if (made == IMPORT_MULTI)
			id = last - (IMPORT_MULTI - 1) + (int64_t)i;
		else if (made == 0)
			id = 0;
		else if ((id = number_id(im, w[i].num)) <= last - made)
			id = 0;
		wrow_done(im, &w[i], id, now);
	}
}

/* The held row that comes next in number order, or NULL when all written. */
static struct irow *
next_row(struct importer *im)
{
	struct run	*run, *best = NULL;
	size_t		 i;

	for (i = 0; i < im->nruns; i++) {
		run = &im->runs[i];
		if (run->pos < run->n && (best == NULL ||
		    cmp_irow(&run->rows[run->pos], &best->rows[best->pos]) < 0))
			best = run;
	}
	if (best == NULL)
		return NULL;
	/* Rows come in number order, their strings from all over the
	 * arena: ask for one a few rows ahead now. */
	if (best->pos + 8 < best->n)
		__builtin_prefetch(im->blocks[best->rows[best->pos + 8].off /
		    ARENA_BLOCK] + best->rows[best->pos + 8].off % ARENA_BLOCK);
	return &best->rows[best->pos++];
}

/* A record of empty cells (";;;" that Excel leaves) is skipped, not
 * rejected. */
static int
record_empty(const struct csv_record *rec)
{
	size_t	 i;

	for (i = 0; i < rec->nfields; i++)
		if (rec->lens[i] > 0)
			return 0;
	return 1;
}

/*
 * The next contact into im->row and its line: 1, 2 for a record skipped or
 * rejected, 3 while the rest of an overlong record is skipped, 0 at the
 * end, -1 on a read error.
 */
static int
read_record(struct importer *im, unsigned long *line, char num[PHONE_MAX])
{
	struct csv_record	 rec;
	struct vcard		 card;
	int			 rc;

	if (im->vc != NULL) {
		if ((rc = vcard_next(im->vc, &card)) != 1)
			return rc;
		if (!im->started) {
			im->started = 1;
			snprintf(im->vcname, sizeof im->vcname, "vCard %s",
			    card.version[0] != '\0' ? card.version : "");
			im->lay.name = im->vcname;
		}
		im->rows++;
		im->row = card.row;
		*line = card.line;
		return check_lrow(im, card.line, num) == -1 ? 2 : 1;
	}
	if ((rc = csv_next(im->rd, &rec)) != 1)
		return rc == 2 ? 3 : rc;
	if (!im->started) {
		im->started = 1;
		if (rec.error == NULL && layout_detect(&im->lay,
		    rec.fields, rec.nfields) == 0)
			return 2;
		layout_default(&im->lay);
	}
	if (rec.error == NULL && record_empty(&rec))
		return 2;
	*line = rec.line;
	return check_row(im, &rec, num) == -1 ? 2 : 1;
}

/*
 * Read and check up to IMPORT_STEP_ROWS records (or IMPORT_STEP_BYTES of
 * long ones). JOB_NEXT when the rows held must now be written (a slice of
 * their own: it runs without foreign keys), JOB_DONE at the end of a
 * preview, JOB_FAILED (im->err_no) on a read error.
 */
static int
read_step(struct importer *im)
{
	char			 num[PHONE_MAX];
	unsigned long		 line = 0, b0;
	int			 n, rc;

	b0 = im->rd != NULL ? csv_bytes(im->rd) : 0;
	for (n = 0; n < IMPORT_STEP_ROWS; n++) {
		/* Long records: yield by bytes too, not only by records. */
		if (im->rd != NULL && csv_bytes(im->rd) - b0 > IMPORT_STEP_BYTES)
			return JOB_MORE;
		if (!im->preview && (im->held >= im->mem ||
		    (im->nruns == IMPORT_MAX_RUNS &&
		    im->runs[im->nruns - 1].n == im->run_rows))) {
			close_run(im);
			im->writing = 1;
			return JOB_NEXT;
		}
		if ((rc = read_record(im, &line, num)) == 2)
			continue;
		if (rc == 3)
			return JOB_MORE;	/* an overlong record skipped */
		if (rc != 1) {
			if (rc == -1) {
				im->err_no = errno;
				return JOB_FAILED;
			}
			im->eof = 1;
			close_run(im);
			im->writing = !im->preview;
			return im->writing ? JOB_NEXT : JOB_DONE;
		}
		if (im->preview)
			preview_row(im, num);
		else
			hold_row(im, line, num);
	}
	return JOB_MORE;
}

/* 1 if category ID is still there. */
static int
category_exists(struct importer *im, int64_t id)
{
	sqlite3_stmt	*st;
	int		 ok;

	st = store_stmt(im->d->store, "SELECT 1 FROM categories WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return ok;
}

/*
 * A writing slice runs without foreign keys: the categories it links to
 * must still be there. One an operator deleted between slices is found
 * again by name (made anew, as a name in the file is) or, if it was the
 * --category one, no longer linked; never a link to a missing or reused
 * id.
 */
static void
check_categories(struct importer *im)
{
	size_t	 i;

	if (im->category > 0 && !category_exists(im, im->category)) {
		log_warnx("import batch %lld: its category %lld was deleted; "
		    "the rest is not put in it", (long long)im->batch,
		    (long long)im->category);
		im->category = 0;
	}
	for (i = 0; i < im->ncache; ) {
		if (im->cache[i].id <= 0 ||
		    category_exists(im, im->cache[i].id)) {
			i++;
			continue;
		}
		free(im->cache[i].name);
		im->cache[i] = im->cache[--im->ncache];
	}
}

/*
 * Name the extra columns rows have had values in, as placeholders a
 * campaign may use (contact_fields), once an import writes them.
 */
static void
register_fields(struct importer *im, int64_t now)
{
	sqlite3_stmt	*st;
	int		 i;

	for (i = 0; i < im->lay.nextra; i++) {
		if ((im->lay.seen & ~im->registered & (1u << i)) == 0)
			continue;
		st = store_stmt(im->d->store, "INSERT INTO contact_fields "
		    "(name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING");
		sqlite3_bind_text(st, 1, im->lay.extra_name[i], -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		if (sqlite3_step(st) != SQLITE_DONE)
			log_warnx("import: field %s: %s", im->lay.extra_name[i],
			    store_errmsg(im->d->store));
		sqlite3_reset(st);
		im->registered |= 1u << i;
	}
}

/*
 * Write up to IMPORT_STEP_ROWS held rows in number order, IMPORT_MULTI to
 * a statement. JOB_MORE while rows are held, JOB_NEXT back to reading (a
 * slice of its own), JOB_DONE at the end of the file.
 */
static int
write_step(struct importer *im)
{
	struct wrow	 w[IMPORT_MULTI];
	struct irow	*row;
	sqlite3_stmt	*st;
	long long	 before = im->imported;
	size_t		 nw = 0, i;
	int		 n = 0, k;

	/* Whole statements' worth, or as many rows again of repeats. */
	for (k = 0; n < IMPORT_STEP_ROWS && k < 2 * IMPORT_STEP_ROWS; k++) {
		if ((row = next_row(im)) == NULL) {
			im->writing = 0;
			break;
		}
		/* A number repeated within the file keeps its first row
		 * (rows of one number come in line order). */
		if (row->key == im->last_key)
			im->duplicates++;
		else {
			wrow_get(im, row, &w[nw++]);
			if (nw == IMPORT_MULTI) {
				write_rows(im, w, im->now);
				nw = 0;
				n += IMPORT_MULTI;
			}
		}
		im->last_key = row->key;
		im->written++;
	}
	/* The rest (the file's last rows) one at a time: the strings go
	 * with drop_rows(). */
	for (i = 0; i < nw; i++)
		write_row(im, &w[i], im->now);
	if (!im->writing)
		drop_rows(im);
	/* Bulk rows skip the per-row counting trigger (migration 006). */
	st = store_stmt(im->d->store, "UPDATE contacts_count SET n = n + ?");
	sqlite3_bind_int64(st, 1, im->imported - before);
	sqlite3_step(st);
	sqlite3_reset(st);
	if (im->writing)
		return JOB_MORE;
	return im->eof ? JOB_DONE : JOB_NEXT;
}

static json_t *
import_summary(struct importer *im)
{
	json_t	*j, *f;
	int	 i;

	j = json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:O,s:I,s:b,s:s,s:s,s:s,"
	    "s:I,s:I}",
	    "batch", im->batch ? json_integer(im->batch) : json_null(),
	    "rows", (json_int_t)im->rows,
	    "imported", (json_int_t)im->imported,
	    "updated", (json_int_t)im->updated,
	    "duplicates", (json_int_t)im->duplicates,
	    "invalid", (json_int_t)im->invalid,
	    "rejects", im->rejects,
	    "rejects_total", (json_int_t)im->rejects_total,
	    "preview", im->preview,
	    "encoding", im->dec != NULL ? decoder_name(im->dec) : "UTF-8",
	    "layout", im->lay.name,
	    "mapping", im->lay.mapping,
	    "other_numbers", (json_int_t)im->others,
	    "renumbered", (json_int_t)im->renumbered);
	if (im->preview)
		json_object_set(j, "sample", im->sample);
	/* The other columns kept, as placeholders: those with values. */
	f = json_array();
	for (i = 0; i < im->lay.nextra; i++)
		if (im->lay.seen & (1u << i))
			json_array_append_new(f,
			    json_string(im->lay.extra_name[i]));
	json_object_set_new(j, "fields", f);
	json_object_set_new(j, "cut", json_integer(im->cut));
	return j;
}

static void
import_free(struct importer *im)
{
	size_t	 i;

	if (im->d->importer == im)
		im->d->importer = NULL;
	if (im->rd != NULL)
		csv_reader_free(im->rd);
	vcard_reader_free(im->vc);
	decoder_free(im->dec);
	if (im->fd != -1)
		close(im->fd);
	for (i = 0; i < im->ncache; i++)
		free(im->cache[i].name);
	drop_rows(im);
	json_decref(im->rejects);
	json_decref(im->sample);
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
	    " finished_at = ?, first_id = ?9, last_id = ?10 WHERE id = ?8");
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, im->imported);
	sqlite3_bind_int64(st, 3, im->updated);
	sqlite3_bind_int64(st, 4, im->duplicates);
	sqlite3_bind_int64(st, 5, im->invalid);
	sqlite3_bind_int64(st, 6, im->rows);
	sqlite3_bind_int64(st, 7, store_now());
	sqlite3_bind_int64(st, 8, im->batch);
	if (im->first_id > 0) {
		sqlite3_bind_int64(st, 9, im->first_id);
		sqlite3_bind_int64(st, 10, im->last_id);
	} else {
		/* Nothing created: an empty range. */
		sqlite3_bind_int64(st, 9, 1);
		sqlite3_bind_int64(st, 10, 0);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warnx("import: %s", store_errmsg(im->d->store));
	sqlite3_reset(st);
}

/* Per cent done: reading is the first half of each row's way, writing the
 * second, the total extrapolated from the bytes read so far. */
static int
import_percent(struct importer *im)
{
	double	 bytes = decoder_bytes(im->dec), rd, wr, valid;

	if (im->size <= 0 || bytes >= im->size)
		rd = 1;
	else
		rd = bytes / im->size;
	valid = (double)(im->rows - im->invalid) / (rd > 0 ? rd : 1);
	wr = im->preview ? rd : valid > 0 ? im->written / valid : rd;
	return (int)(50 * rd + 50 * (wr < 1 ? wr : 1));
}

static void
import_progress(struct importer *im)
{
	if (!ctl_listening(im->d, "jobs"))
		return;
	ctl_event(im->d, "jobs", "import.progress", json_pack("{s:I,s:s,s:I,"
	    "s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i}", "batch", (json_int_t)im->batch,
	    "phase", im->writing ? "writing" : "reading",
	    "rows", (json_int_t)im->rows,
	    "written", (json_int_t)im->written,
	    "bytes", (json_int_t)decoder_bytes(im->dec),
	    "size", (json_int_t)im->size,
	    "imported", (json_int_t)im->imported,
	    "updated", (json_int_t)im->updated,
	    "duplicates", (json_int_t)im->duplicates,
	    "invalid", (json_int_t)im->invalid,
	    "percent", import_percent(im)));
}

/* Foreign keys on or off, between transactions. */
static void
import_fk(struct importer *im, int on)
{
	if (store_exec(im->d->store, on ? "PRAGMA foreign_keys = ON" :
	    "PRAGMA foreign_keys = OFF") == -1)
		log_warnx("import: %s", store_errmsg(im->d->store));
}

/*
 * A slice reads or writes for IMPORT_SLICE_MS in one transaction. Rows
 * written here satisfy the foreign keys by construction: the batch was
 * made at the start, a category link names a category found or made
 * (link_category() skips one that could not be, check_categories() one
 * deleted meanwhile) and a contact just written. Checking them costs a
 * fifth of the write, so a writing slice runs without (PRAGMA
 * foreign_keys only changes outside a transaction), and every other
 * statement with them.
 */
static int
import_begin(struct daemon *d, void *arg)
{
	struct importer	*im = arg;

	im->t_slice = mono_ms();
	if ((im->fk_off = im->writing) != 0)
		import_fk(im, 0);
	if (store_begin(d->store) == -1) {
		if (im->fk_off)
			import_fk(im, 1);
		return -1;
	}
	im->now = store_now();
	if (im->writing) {
		check_categories(im);
		register_fields(im, im->now);
	}
	return 0;
}

static int
import_step(struct daemon *d, void *arg, char *err, size_t errlen)
{
	struct importer	*im = arg;

	(void)d;
	(void)err;
	(void)errlen;
	return im->writing ? write_step(im) : read_step(im);
}

/* Commit the slice; at the end, record how the batch ended. */
static int
import_end(struct daemon *d, void *arg, int rc, char *err, size_t errlen)
{
	struct importer	*im = arg;
	int		 intx = 1;

	(void)err;
	(void)errlen;
	if (im->fk_off)
		im->t_write += mono_ms() - im->t_slice;
	else
		im->t_read += mono_ms() - im->t_slice;
	if (rc != JOB_DONE && rc != JOB_FAILED) {
		if (store_commit(d->store) == 0) {
			if (im->fk_off)
				import_fk(im, 1);
			import_progress(im);
			/* The name index reads back the rows written. */
			if (im->writing)
				search_kick(d);
			return rc;
		}
		store_rollback(d->store);
		intx = 0;
		im->err_no = EIO;
		rc = JOB_FAILED;
	}
	if (rc == JOB_DONE && im->preview)
		store_exec(d->store, "DELETE FROM temp.import_seen");
	import_close_batch(im, rc == JOB_DONE ? "done" : "failed");
	if (intx && store_commit(d->store) == -1)
		store_rollback(d->store);
	if (im->fk_off)
		import_fk(im, 1);
	import_progress(im);
	return rc;
}

static void
import_finish(struct ctl_req *r, void *arg, const char *err)
{
	struct importer	*im = arg;
	struct daemon	*d = im->d;

	if (err == NULL) {
		log_info("import batch %lld: %lld rows, %lld new, %lld updated,"
		    " %lld duplicates, %lld invalid in %.2f s (reading %.2f s,"
		    " writing %.2f s)", (long long)im->batch, im->rows,
		    im->imported, im->updated, im->duplicates, im->invalid,
		    (mono_ms() - im->t_start) / 1e3, im->t_read / 1e3,
		    im->t_write / 1e3);
		ctl_reply(r, import_summary(im));
	} else
		ctl_error(r, "internal", "reading the file at line %llu: %s",
		    (unsigned long long)im->rows, strerror(im->err_no));
	/* The name index takes the rest once this job is freed (the kick
	 * runs from the loop, after it). */
	search_kick(d);
}

/* Stopped: the batch is failed (its contacts stay, linked to it). */
static void
import_stop(struct ctl_req *r, struct daemon *d, void *arg)
{
	struct importer	*im = arg;

	if (store_begin(d->store) == 0) {
		import_close_batch(im, "failed");
		if (store_commit(d->store) == -1)
			store_rollback(d->store);
	}
	ctl_error(r, "unavailable", "the daemon is stopping");
}

static void
import_job_free(void *arg)
{
	import_free(arg);
}

static const struct job_ops import_ops = {
	.name = "contacts.import",
	.slice_ms = IMPORT_SLICE_MS,
	.begin = import_begin,
	.step = import_step,
	.end = import_end,
	.finish = import_finish,
	.stop = import_stop,
	.free = import_job_free,
};

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
	const char	*s;
	char		 head[64];

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
		ctl_error(r, "conflict", "batch %lld is being %s; try again "
		    "after it", (long long)d->importer->batch,
		    d->importer->undo ? "undone" : "imported");
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
	im->mem = IMPORT_MEM;
	/* Tests write a file in several rounds without a 24 MiB file. */
	if ((s = getenv("WACAMP_TEST_IMPORT_MEM")) != NULL &&
	    strtoul(s, NULL, 10) > 0 && strtoul(s, NULL, 10) < IMPORT_MEM)
		im->mem = strtoul(s, NULL, 10);
	im->run_rows = im->mem / 4 / sizeof(struct irow);
	if (im->run_rows > IMPORT_RUN_ROWS)
		im->run_rows = IMPORT_RUN_ROWS;
	im->fd = r->fd;
	r->fd = -1;	/* the job owns it now */
	im->size = sb.st_size;
	im->preview = preview;
	im->category = catid > 0 ? catid : 0;
	layout_default(&im->lay);
	im->rejects = json_array();
	im->sample = json_array();
	im->dec = decoder_fd(im->fd);
	if (decoder_sniff(im->dec) == -1) {
		ctl_error(r, "internal", "reading the file: %s",
		    strerror(errno));
		import_free(im);
		return CMD_DONE;
	}
	decoder_peek(im->dec, head, sizeof head);
	if (vcard_sniff(head)) {
		im->vc = vcard_reader_new(decoder_read, im->dec);
		im->lay.name = "vCard";
		snprintf(im->lay.mapping, sizeof im->lay.mapping, "phone: TEL "
		    "(a mobile first; never fax, pager or telex); first name: "
		    "N given (and additional) names; last name: N family name "
		    "(FN split at its first space without N); categories: "
		    "CATEGORIES");
	} else
		im->rd = csv_reader_new(decoder_read, im->dec, NULL);
	if (preview) {
		store_exec(d->store, "CREATE TEMP TABLE IF NOT EXISTS "
		    "import_seen (n TEXT PRIMARY KEY) WITHOUT ROWID");
		store_exec(d->store, "DELETE FROM temp.import_seen");
	} else if (search_mark_lower(d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(d->store));
		import_free(im);
		return CMD_DONE;
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
	im->t_start = mono_ms();
	d->importer = im;
	return job_start(r, &import_ops, im, -1);
}

/* Undo works through a batch in chunks of this many rows. */
#define UNDO_CHUNK	500

/* Run one undo statement: its first column, or the rows it changed; -1. */
static int64_t
undo_step(struct importer *im, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt	*st = store_stmt(im->d->store, sql);
	int64_t		 n = -1;
	int		 rc;

	/* Parameters a statement does not use are refused, harmlessly. */
	sqlite3_bind_int64(st, 1, im->batch);
	sqlite3_bind_int64(st, 2, a);
	sqlite3_bind_int64(st, 3, b);
	sqlite3_bind_int64(st, 4, store_now());
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		n = sqlite3_changes(store_db(im->d->store));
	sqlite3_reset(st);
	return n;
}

/*
 * An undo, a job in slices of one transaction each: restore the names and
 * columns the batch changed, then drop the category links it made, then
 * delete the contacts it created, a chunk a step. The batch is marked
 * undone in the last slice; an undo cut short (the daemon stopped) can
 * simply be run again.
 */
static int
undo_begin(struct daemon *d, void *arg)
{
	(void)arg;
	return store_begin(d->store);
}

static int
undo_stepfn(struct daemon *d, void *arg, char *err, size_t errlen)
{
	struct importer	*im = arg;
	int64_t		 n = 0, to;
	int		 done = 0;

	switch (im->phase) {
	case 0:
		to = undo_step(im, "SELECT max(contact_id) FROM (SELECT "
		    "contact_id FROM import_changes WHERE batch_id = ?1 "
		    "AND contact_id > ?2 ORDER BY contact_id LIMIT 1000)",
		    im->at, 0);
		if (to <= 0) {
			n = to;
			im->phase = 1;
			break;
		}
		n = undo_step(im, "UPDATE contacts SET first_name = "
		    "ic.old_first_name, last_name = ic.old_last_name, "
		    "extra = CASE WHEN ic.extra_changed THEN "
		    "ic.old_extra ELSE contacts.extra END, "
		    "updated_at = ?4 FROM import_changes ic WHERE "
		    "ic.batch_id = ?1 AND ic.contact_id > ?2 AND "
		    "ic.contact_id <= ?3 AND ic.contact_id = contacts.id",
		    im->at, to);
		im->updated += n > 0 ? n : 0;
		im->at = to;
		break;
	case 1:
		n = undo_step(im, "DELETE FROM category_contacts WHERE "
		    "(category_id, contact_id) IN (SELECT category_id, "
		    "contact_id FROM category_contacts WHERE batch_id = ?1 "
		    "LIMIT 1000)", 0, 0);
		im->duplicates += n > 0 ? n : 0;
		if (n == 0) {
			im->phase = 2;
			im->at = im->first_id - 1;
		}
		break;
	case 2:
		to = im->at + UNDO_CHUNK;
		n = undo_step(im, "DELETE FROM contacts WHERE id > ?2 AND "
		    "id <= ?3 AND batch_id = ?1", im->at, to);
		im->imported += n > 0 ? n : 0;
		im->at = to;
		if (im->at >= im->last_id)
			im->phase = 3;
		break;
	default:
		n = undo_step(im, "UPDATE import_batches SET state = "
		    "'undone', finished_at = ?4 WHERE id = ?1", 0, 0);
		done = 1;
		break;
	}
	if (n == -1) {
		snprintf(err, errlen, "%s", store_errmsg(d->store));
		return JOB_FAILED;
	}
	return done ? JOB_DONE : JOB_MORE;
}

static int
undo_end(struct daemon *d, void *arg, int rc, char *err, size_t errlen)
{
	struct importer	*im = arg;

	if (rc != JOB_FAILED && store_commit(d->store) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(d->store));
		rc = JOB_FAILED;
	}
	if (rc == JOB_FAILED) {
		store_rollback(d->store);
		return rc;
	}
	if (rc == JOB_MORE && ctl_listening(d, "jobs"))
		ctl_event(d, "jobs", "undo.progress", json_pack("{s:I,s:I,s:I,"
		    "s:I,s:i}", "batch", (json_int_t)im->batch,
		    "removed", (json_int_t)im->imported,
		    "restored", (json_int_t)im->updated,
		    "unlinked", (json_int_t)im->duplicates,
		    "percent", im->phase < 2 || im->last_id < im->first_id ?
		    0 : (int)(100 * (im->at - im->first_id + 1) /
		    (im->last_id - im->first_id + 1))));
	return rc;
}

static void
undo_finish(struct ctl_req *r, void *arg, const char *err)
{
	struct importer	*im = arg;
	struct daemon	*d = im->d;

	if (err != NULL) {
		ctl_error(r, "internal", "undoing batch %lld: %s; run the undo "
		    "again to finish it", (long long)im->batch, err);
		return;
	}
	log_info("import batch %lld undone: %lld contacts removed, %lld "
	    "restored, %lld links dropped", (long long)im->batch, im->imported,
	    im->updated, im->duplicates);
	ctl_reply(r, json_pack("{s:I,s:I,s:I,s:I}", "batch",
	    (json_int_t)im->batch, "removed", (json_int_t)im->imported,
	    "restored", (json_int_t)im->updated,
	    "unlinked", (json_int_t)im->duplicates));
	/* Their ids go from the name index too. */
	search_purge(d, im->first_id, im->last_id);
}

static void
undo_stop(struct ctl_req *r, struct daemon *d, void *arg)
{
	(void)d;
	(void)arg;
	ctl_error(r, "unavailable", "the daemon is stopping; run the undo "
	    "again to finish it");
}

static const struct job_ops undo_ops = {
	.name = "contacts.import_undo",
	.slice_ms = IMPORT_SLICE_MS,
	.begin = undo_begin,
	.step = undo_stepfn,
	.end = undo_end,
	.finish = undo_finish,
	.stop = undo_stop,
	.free = import_job_free,
};

int
import_undo_start(struct ctl_req *r, int64_t batch)
{
	struct daemon	*d = r->d;
	struct importer	*im;
	sqlite3_stmt	*st;
	char		 state[16] = "";
	long long	 messaged = 0;
	int64_t		 lo = 1, hi = 0;

	if (d->importer != NULL) {
		ctl_error(r, "conflict", "batch %lld is being %s; try again "
		    "after it", (long long)d->importer->batch,
		    d->importer->undo ? "undone" : "imported");
		return CMD_DONE;
	}
	/* The batch's rows lie between the first and last id it created;
	 * batches from before migration 006 have no range: all ids. */
	st = store_stmt(d->store, "SELECT state, first_id, last_id, "
	    "(SELECT coalesce(max(id), 0) FROM contacts) FROM import_batches "
	    "WHERE id = ?");
	sqlite3_bind_int64(st, 1, batch);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(state, sizeof state, "%s", sqlite3_column_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			lo = sqlite3_column_int64(st, 1);
			hi = sqlite3_column_int64(st, 2);
		} else
			hi = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (*state == '\0') {
		ctl_error(r, "not_found", "no import batch %lld",
		    (long long)batch);
		return CMD_DONE;
	}
	if (strcmp(state, "running") == 0 || strcmp(state, "undone") == 0) {
		ctl_error(r, "conflict", "batch %lld is %s", (long long)batch,
		    state);
		return CMD_DONE;
	}
	st = store_stmt(d->store, "SELECT count(*) FROM contacts c WHERE "
	    "c.id BETWEEN ?2 AND ?3 AND c.batch_id = ?1 AND EXISTS (SELECT 1 "
	    "FROM messages m WHERE m.contact_id = c.id)");
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_int64(st, 2, lo);
	sqlite3_bind_int64(st, 3, hi);
	if (sqlite3_step(st) == SQLITE_ROW)
		messaged = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (messaged > 0) {
		ctl_error(r, "conflict", "%lld contacts of batch %lld have been "
		    "messaged by a campaign; delete them one by one", messaged,
		    (long long)batch);
		return CMD_DONE;
	}
	im = xcalloc(1, sizeof *im);
	im->d = d;
	im->fd = -1;
	im->undo = 1;
	im->batch = batch;
	im->first_id = lo;
	im->last_id = hi;
	im->rejects = json_array();
	d->importer = im;
	return job_start(r, &undo_ops, im, -1);
}

/*
 * At start, an import left 'running' was cut short by a crash: say so in
 * the store and the log. Its contacts stay, linked to the batch, so
 * `contacts undo-import` takes exactly them back.
 */
int
import_recover(struct daemon *d)
{
	sqlite3_stmt	*st;
	int64_t		 now = store_now();
	int		 n = 0;

	st = store_stmt(d->store, "UPDATE import_batches SET state = 'failed', "
	    "interrupted_at = ?1, finished_at = ?1 WHERE state = 'running' "
	    "RETURNING id, (SELECT count(*) FROM contacts c WHERE c.batch_id = "
	    "import_batches.id)");
	sqlite3_bind_int64(st, 1, now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		log_warnx("import batch %lld was interrupted (the daemon "
		    "stopped) with %lld contacts written; undo it with: wacamp "
		    "contacts undo-import %lld", (long long)
		    sqlite3_column_int64(st, 0), (long long)
		    sqlite3_column_int64(st, 1), (long long)
		    sqlite3_column_int64(st, 0));
		n++;
	}
	if (sqlite3_errcode(store_db(d->store)) != SQLITE_DONE &&
	    sqlite3_errcode(store_db(d->store)) != SQLITE_ROW &&
	    sqlite3_errcode(store_db(d->store)) != SQLITE_OK) {
		log_warnx("import: marking interrupted batches: %s",
		    store_errmsg(d->store));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return n;
}
