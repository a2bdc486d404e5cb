/*
 * The name-search index (migration 015), kept up to date in slices on the
 * loop, and the candidates it gives a name search.
 *
 * For each trigram of a contact's folded names (fold_name() of the first
 * and of the last name, apart) the index holds the contact's id, in
 * segments of ascending ids coded as varint gaps: one row of
 * contacts_grams a segment. Contacts with an id at or below the mark
 * (contacts_grams_state.upto) are in it; those above are not yet, and a
 * search scans them. Rows an import or contacts.create adds land above
 * the mark; the indexer reads them back in id order, a few thousand a
 * slice, into postings held in memory (a few bytes a contact), and when
 * the batch is big enough or no import is running, writes one segment a
 * trigram and moves the mark, a slice at a time. Building in memory and
 * writing each trigram once is what makes the index cheap: a million
 * contacts take a fraction of a second, against seconds for FTS5 in short
 * transactions.
 *
 * The index only ever says "maybe": a search checks every id it gives
 * against the contact's row (cmd_contacts.c). So an id left behind by a
 * deleted contact, or by a rename, costs time but is never a wrong
 * answer. Renamed contacts are put in contacts_grams_dirty by a trigger;
 * searches check them too until the indexer has indexed them again. The
 * contacts an undone import removed are purged from the segments, so
 * searches do not check a million dead ids.
 *
 * One job runs at a time, to its end: indexing the rows above the mark,
 * purging a range, or re-indexing renamed contacts.
 *
 * An import hands each contact it writes to the index (search_take()),
 * and a thread of the index's own folds the names and adds the trigrams
 * while the loop goes on writing: a tenth of the import's time off the
 * loop. The batch being built belongs to that thread while names are
 * queued for it; the loop waits for it (take_drain()) before it touches
 * the batch itself, which it does only between imports or at their end.
 */
#include <sys/types.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "daemon.h"
#include "duration.h"
#include "fold.h"
#include "log.h"
#include "search.h"
#include "store.h"
#include "xmalloc.h"

#define SEARCH_READ_ROWS	1000	/* rows a statement reads back */
#define SEARCH_SLICE_MS		8
#define SEARCH_CHECK_SEC	60	/* rows added behind the daemon's back */
#define SEARCH_BATCH_BYTES	(16 << 20)	/* postings held, at most */
#define SEARCH_MERGE_BYTES	4096	/* a smaller last segment takes more */
#define SEARCH_PURGE_ROWS	64	/* segments a purge statement reads */
#define SEARCH_PURGES		8	/* ranges waiting to be purged */
#define SEARCH_GRAMS_MAX	16	/* trigrams of a query looked up */

enum { JOB_NONE, JOB_MARK, JOB_DIRTY, JOB_PURGE };

/* One trigram's postings in memory: ascending ids as varint gaps. */
struct gslot {
	uint64_t	 gram;
	int64_t		 last;		/* 0 for an empty slot */
	int64_t		 first;
	uint8_t		*buf;
	uint32_t	 len, cap;
};

/* Postings of a batch of contacts, added in ascending id order. */
struct gbuild {
	struct gslot	*slots;		/* open addressing */
	size_t		 nslots, used;
	size_t		 bytes;
	size_t		*order;		/* slots by trigram, to write */
	size_t		 pos;
	char		*scratch;
	size_t		 scratchlen;
};

/* A growing array of ids. */
struct idvec {
	int64_t		*v;
	size_t		 n, cap;
};

struct purge {
	int64_t		 lo, hi;
};

static struct {
	struct daemon	*d;
	struct event	*ev;
	int		 job;
	int		 flushing;
	struct gbuild	 gb;
	int64_t		 next;		/* last id read for the job */
	int64_t		 gen;		/* JOB_DIRTY: renames before it */
	int64_t		 added;		/* contacts in the batch */
	struct purge	 purges[SEARCH_PURGES];
	size_t		 npurges;
	int64_t		 pgram, phi, plo;	/* JOB_PURGE: the cursor */
	int64_t		 done;		/* indexed in this catch-up */
	double		 t0;
} ix;

/* Run SQL with integers A and B bound (as many as it takes); 0 or -1. */
static int
exec_ii(struct store *st, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt	*s = store_stmt(st, sql);
	int		 rc;

	/* A statement with fewer parameters refuses the rest, harmlessly. */
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
exec_iii(struct store *st, const char *sql, int64_t a, int64_t b, int64_t c)
{
	sqlite3_stmt	*s = store_stmt(st, sql);
	int		 rc;

	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	sqlite3_bind_int64(s, 3, c);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Names an import wrote, for the index's thread: id, first, last. */
#define TAKE_BUF	(256 << 10)
struct takebuf {
	struct takebuf	*next;
	size_t		 len;
	char		 data[TAKE_BUF];
};

static struct {
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 work, idle;
	struct takebuf	*head, *tail;	/* for the thread */
	struct takebuf	*cur;		/* the loop's, filling */
	atomic_size_t	 bytes;		/* the batch's, as the thread left it */
	int		 busy, quit, started;
} tk;

static void	gb_add(struct gbuild *, int64_t, const char *, const char *);

static void
take_run(struct takebuf *b)
{
	const char	*p = b->data, *first, *last;
	int64_t		 id;

	while (p < b->data + b->len) {
		memcpy(&id, p, sizeof id);
		first = p + sizeof id;
		last = first + strlen(first) + 1;
		p = last + strlen(last) + 1;
		gb_add(&ix.gb, id, first, last);
	}
}

/* The index's thread: add the names queued to the batch. */
static void *
take_main(void *arg)
{
	struct takebuf	*b;

	(void)arg;
	pthread_mutex_lock(&tk.mtx);
	for (;;) {
		while (tk.head == NULL && !tk.quit)
			pthread_cond_wait(&tk.work, &tk.mtx);
		if (tk.head == NULL)
			break;
		b = tk.head;
		if ((tk.head = b->next) == NULL)
			tk.tail = NULL;
		tk.busy = 1;
		pthread_mutex_unlock(&tk.mtx);
		take_run(b);
		free(b);
		pthread_mutex_lock(&tk.mtx);
		tk.busy = 0;
		atomic_store(&tk.bytes, ix.gb.bytes);
		if (tk.head == NULL)
			pthread_cond_broadcast(&tk.idle);
	}
	pthread_mutex_unlock(&tk.mtx);
	return NULL;
}

/* Queue the buffer being filled for the thread (or run it here). */
static void
take_submit(void)
{
	struct takebuf	*b = tk.cur;

	if (b == NULL)
		return;
	tk.cur = NULL;
	if (!tk.started) {
		take_run(b);
		free(b);
		atomic_store(&tk.bytes, ix.gb.bytes);
		return;
	}
	pthread_mutex_lock(&tk.mtx);
	b->next = NULL;
	if (tk.tail != NULL)
		tk.tail->next = b;
	else
		tk.head = b;
	tk.tail = b;
	pthread_cond_signal(&tk.work);
	pthread_mutex_unlock(&tk.mtx);
}

/* Wait until the thread has added every name queued: the batch is the
 * loop's again. */
static void
take_drain(void)
{
	take_submit();
	if (!tk.started)
		return;
	pthread_mutex_lock(&tk.mtx);
	while (tk.head != NULL || tk.busy)
		pthread_cond_wait(&tk.idle, &tk.mtx);
	atomic_store(&tk.bytes, ix.gb.bytes);
	pthread_mutex_unlock(&tk.mtx);
}

static void
search_again(int sec)
{
	struct timeval	 tv = { sec, 0 };

	if (ix.ev != NULL)
		evtimer_add(ix.ev, &tv);
}

/* One code point of UTF-8 at *P, moving past it; a stray byte is itself. */
static uint32_t
utf8_next(const unsigned char **p)
{
	const unsigned char	*s = *p;
	uint32_t		 c = s[0];
	int			 n = 0, i;

	if (c >= 0xc0 && c < 0xe0)
		n = 1;
	else if (c >= 0xe0 && c < 0xf0)
		n = 2;
	else if (c >= 0xf0 && c < 0xf8)
		n = 3;
	for (i = 1; i <= n; i++)
		if ((s[i] & 0xc0) != 0x80)
			n = 0;
	if (n == 0) {
		*p = s + 1;
		return c;
	}
	c &= 0x3f >> n;
	for (i = 1; i <= n; i++)
		c = c << 6 | (s[i] & 0x3f);
	*p = s + n + 1;
	return c;
}

/*
 * The trigrams of folded text S, each three code points in 63 bits, to
 * FN(arg, gram). Returns how many characters S has.
 */
static size_t
grams_each(const char *s, void (*fn)(void *, uint64_t), void *arg)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint64_t		 g = 0;
	size_t			 n = 0;

	while (*p != '\0') {
		g = (g << 21 | utf8_next(&p)) & ((1ULL << 63) - 1);
		if (++n >= 3)
			fn(arg, g);
	}
	return n;
}

static size_t
varint_put(uint8_t *o, uint64_t v)
{
	size_t	 n = 0;

	while (v >= 0x80) {
		o[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	o[n++] = (uint8_t)v;
	return n;
}

static void
idvec_push(struct idvec *iv, int64_t id)
{
	if (iv->n == iv->cap) {
		iv->cap = iv->cap < 64 ? 64 : iv->cap * 2;
		iv->v = xreallocarray(iv->v, iv->cap, sizeof *iv->v);
	}
	iv->v[iv->n++] = id;
}

/* Append the ids of segment BLOB at most UPTO to IV; 1 if some came
 * before IV's last (segments overlap), else 0. */
static int
idvec_decode(struct idvec *iv, const uint8_t *b, size_t len, int64_t upto)
{
	uint64_t	 v = 0, gap;
	size_t		 i = 0;
	int		 shift, unordered = 0;

	while (i < len) {
		gap = 0;
		shift = 0;
		while (i < len && shift < 64) {
			gap |= (uint64_t)(b[i] & 0x7f) << shift;
			shift += 7;
			if ((b[i++] & 0x80) == 0)
				break;
		}
		v += gap;
		if ((int64_t)v > upto)
			break;
		if (iv->n > 0 && (int64_t)v <= iv->v[iv->n - 1])
			unordered = 1;
		idvec_push(iv, (int64_t)v);
	}
	return unordered;
}

static void	idvec_merge_runs(struct idvec *, size_t *, size_t);

/* IV as a segment blob (allocated), LEN its length. */
static uint8_t *
idvec_encode(const struct idvec *iv, size_t *len)
{
	uint8_t		*b = xmalloc(iv->n * 10 + 1);
	int64_t		 prev = 0;
	size_t		 i, n = 0;

	for (i = 0; i < iv->n; i++) {
		n += varint_put(b + n, (uint64_t)(iv->v[i] - prev));
		prev = iv->v[i];
	}
	*len = n;
	return b;
}

static void
gb_free(struct gbuild *gb)
{
	size_t	 i;

	for (i = 0; i < gb->nslots; i++)
		free(gb->slots[i].buf);
	free(gb->slots);
	free(gb->order);
	free(gb->scratch);
	memset(gb, 0, sizeof *gb);
}

static size_t
gram_hash(uint64_t g, size_t mask)
{
	g *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(g >> 32) & mask;
}

static void
gb_grow(struct gbuild *gb)
{
	struct gslot	*old = gb->slots, *s;
	size_t		 n = gb->nslots, i, h;

	gb->nslots = n == 0 ? 4096 : n * 2;
	gb->slots = xcalloc(gb->nslots, sizeof *gb->slots);
	gb->bytes += (gb->nslots - n) * sizeof *gb->slots;
	for (i = 0; i < n; i++) {
		if (old[i].last == 0)
			continue;
		h = gram_hash(old[i].gram, gb->nslots - 1);
		while ((s = &gb->slots[h])->last != 0)
			h = (h + 1) & (gb->nslots - 1);
		*s = old[i];
	}
	free(old);
}

struct gb_add_arg {
	struct gbuild	*gb;
	int64_t		 id;
};

/* Append ID to slot S. */
static void
gb_append(struct gbuild *gb, struct gslot *s, int64_t id)
{
	if (s->last >= id)
		return;		/* twice in the names, or read twice */
	if (s->cap - s->len < 10) {
		gb->bytes += s->cap < 16 ? 16 : s->cap;
		s->cap = s->cap < 16 ? 16 : s->cap * 2;
		s->buf = xrealloc(s->buf, s->cap);
	}
	/* An empty slot's last is 0: its first gap is the id itself. */
	s->len += (uint32_t)varint_put(s->buf + s->len, (uint64_t)(id -
	    s->last));
	s->last = id;
}

/* Note that contact ID holds trigram G. */
static void
gb_gram(void *arg, uint64_t g)
{
	struct gb_add_arg	*a = arg;
	struct gbuild		*gb = a->gb;
	struct gslot		*s;
	size_t			 h, mask = gb->nslots - 1;

	h = gram_hash(g, mask);
	while ((s = &gb->slots[h])->last != 0 && s->gram != g)
		h = (h + 1) & mask;
	if (s->last == 0) {
		s->gram = g;
		s->first = a->id;
		gb->used++;
	}
	gb_append(gb, s, a->id);
	if (gb->used * 2 > gb->nslots)
		gb_grow(gb);
}

/* Fold NAME into the scratch buffer and note its trigrams for ID. */
static void
gb_name(struct gbuild *gb, int64_t id, const char *name)
{
	struct gb_add_arg	 a = { gb, id };
	size_t			 n;

	if (name == NULL || (n = strlen(name)) < 3)
		return;
	if (n + 1 > gb->scratchlen) {
		gb->scratchlen = n + 1 < 512 ? 512 : n + 1;
		gb->scratch = xrealloc(gb->scratch, gb->scratchlen);
	}
	memcpy(gb->scratch, name, n + 1);
	grams_each(fold_name(gb->scratch), gb_gram, &a);
}

/* Add contact ID, above every id added before. */
static void
gb_add(struct gbuild *gb, int64_t id, const char *first, const char *last)
{
	if (gb->nslots == 0)
		gb_grow(gb);
	gb_name(gb, id, first);
	gb_name(gb, id, last);
}

static int
cmp_slot(const void *a, const void *b, void *arg)
{
	const struct gslot	*s = arg;
	uint64_t		 x = s[*(const size_t *)a].gram;
	uint64_t		 y = s[*(const size_t *)b].gram;

	return x < y ? -1 : x > y;
}

/* Put segment IV of trigram G, merged with any of the same bounds. */
static int
seg_put(struct store *st, uint64_t g, struct idvec *iv)
{
	sqlite3_stmt	*s;
	uint8_t		*b;
	size_t		 len, run[2];
	int		 rc;

	for (;;) {
		b = idvec_encode(iv, &len);
		s = store_stmt(st, "INSERT INTO contacts_grams (gram, hi, lo, "
		    "ids) VALUES (?, ?, ?, ?)");
		sqlite3_bind_int64(s, 1, (int64_t)g);
		sqlite3_bind_int64(s, 2, iv->v[iv->n - 1]);
		sqlite3_bind_int64(s, 3, iv->v[0]);
		sqlite3_bind_blob(s, 4, b, (int)len, free);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if ((rc & 0xff) != SQLITE_CONSTRAINT)
			return rc == SQLITE_DONE ? 0 : -1;
		/* The same bounds (ids indexed again): one segment of both. */
		s = store_stmt(st, "DELETE FROM contacts_grams WHERE gram = ? "
		    "AND hi = ? AND lo = ? RETURNING ids");
		sqlite3_bind_int64(s, 1, (int64_t)g);
		sqlite3_bind_int64(s, 2, iv->v[iv->n - 1]);
		sqlite3_bind_int64(s, 3, iv->v[0]);
		run[0] = 0;
		run[1] = iv->n;
		if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			idvec_decode(iv, sqlite3_column_blob(s, 0),
			    (size_t)sqlite3_column_bytes(s, 0), INT64_MAX);
			while ((rc = sqlite3_step(s)) == SQLITE_ROW)
				;
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return -1;
		/* Two sorted runs: merged, repeats dropped. */
		idvec_merge_runs(iv, run, 2);
	}
}

/*
 * Write slot SL's postings: into the trigram's latest small segment if it
 * has one (contacts added or renamed a few at a time make one segment,
 * not thousands), else as a segment of their own.
 */
static int
gb_write(struct store *st, struct gslot *sl)
{
	sqlite3_stmt	*s;
	struct idvec	 iv = { NULL, 0, 0 };
	int64_t		 hi, lo;
	size_t		 run[2];
	int		 rc;

	s = store_stmt(st, "SELECT hi, lo, ids FROM contacts_grams WHERE "
	    "gram = ? AND length(ids) < ? ORDER BY hi DESC LIMIT 1");
	sqlite3_bind_int64(s, 1, (int64_t)sl->gram);
	sqlite3_bind_int(s, 2, SEARCH_MERGE_BYTES);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		s = store_stmt(st, "INSERT INTO contacts_grams (gram, hi, lo, "
		    "ids) VALUES (?, ?, ?, ?)");
		sqlite3_bind_int64(s, 1, (int64_t)sl->gram);
		sqlite3_bind_int64(s, 2, sl->last);
		sqlite3_bind_int64(s, 3, sl->first);
		sqlite3_bind_blob(s, 4, sl->buf, (int)sl->len, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if ((rc & 0xff) != SQLITE_CONSTRAINT)
			return rc == SQLITE_DONE ? 0 : -1;
		/* The same bounds as one already there. */
		idvec_decode(&iv, sl->buf, sl->len, INT64_MAX);
		rc = seg_put(st, sl->gram, &iv);
		free(iv.v);
		return rc;
	}
	hi = sqlite3_column_int64(s, 0);
	lo = sqlite3_column_int64(s, 1);
	idvec_decode(&iv, sqlite3_column_blob(s, 2),
	    (size_t)sqlite3_column_bytes(s, 2), INT64_MAX);
	sqlite3_reset(s);
	if (exec_iii(st, "DELETE FROM contacts_grams WHERE gram = ? AND "
	    "hi = ? AND lo = ?", (int64_t)sl->gram, hi, lo) == -1) {
		free(iv.v);
		return -1;
	}
	run[0] = 0;
	run[1] = iv.n;
	if (idvec_decode(&iv, sl->buf, sl->len, INT64_MAX))
		idvec_merge_runs(&iv, run, 2);
	rc = seg_put(st, sl->gram, &iv);
	free(iv.v);
	return rc;
}

/* Write the batch's segments until T0 + the slice; 1 when all are. */
static int
gb_flush(struct store *st, struct gbuild *gb, double t0)
{
	size_t	 i, n = 0;

	if (gb->order == NULL) {
		gb->order = xreallocarray(NULL, gb->used + 1, sizeof *gb->order);
		for (i = 0; i < gb->nslots; i++)
			if (gb->slots[i].last != 0)
				gb->order[n++] = i;
		/* In key order: the inserts walk the table once. */
		qsort_r(gb->order, n, sizeof *gb->order, cmp_slot, gb->slots);
		gb->pos = 0;
	}
	for (n = 0; gb->pos < gb->used; gb->pos++, n++) {
		if ((n & 31) == 31 && mono_ms() - t0 > SEARCH_SLICE_MS)
			return 0;
		if (gb_write(st, &gb->slots[gb->order[gb->pos]]) == -1)
			return -1;
	}
	return 1;
}

static void
job_end(void)
{
	take_drain();
	gb_free(&ix.gb);
	ix.job = JOB_NONE;
	ix.flushing = 0;
	ix.next = 0;
	ix.added = 0;
}

/* Read back rows above the mark for the slice; 1 if more are there. */
static int
read_mark(struct store *st, double t0)
{
	sqlite3_stmt	*s;
	int		 n, rc = SQLITE_DONE;

	while (ix.gb.bytes < SEARCH_BATCH_BYTES &&
	    mono_ms() - t0 < SEARCH_SLICE_MS) {
		s = store_stmt(st, "SELECT id, first_name, last_name FROM "
		    "contacts WHERE id > ? ORDER BY id LIMIT ?");
		sqlite3_bind_int64(s, 1, ix.next);
		sqlite3_bind_int(s, 2, SEARCH_READ_ROWS);
		for (n = 0; (rc = sqlite3_step(s)) == SQLITE_ROW; n++) {
			ix.next = sqlite3_column_int64(s, 0);
			gb_add(&ix.gb, ix.next,
			    (const char *)sqlite3_column_text(s, 1),
			    (const char *)sqlite3_column_text(s, 2));
			ix.added++;
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return -1;
		if (n < SEARCH_READ_ROWS)
			return 0;
	}
	return 1;
}

/* Read back renamed contacts (of renames before ix.gen); 1 if more. */
static int
read_dirty(struct store *st, double t0)
{
	sqlite3_stmt	*s;
	int		 n, rc = SQLITE_DONE;

	while (ix.gb.bytes < SEARCH_BATCH_BYTES &&
	    mono_ms() - t0 < SEARCH_SLICE_MS) {
		s = store_stmt(st, "SELECT x.id, c.first_name, c.last_name "
		    "FROM contacts_grams_dirty x JOIN contacts c ON c.id = x.id "
		    "WHERE x.id > ?1 AND x.gen < ?2 AND x.id <= (SELECT upto "
		    "FROM contacts_grams_state) ORDER BY x.id LIMIT ?3");
		sqlite3_bind_int64(s, 1, ix.next);
		sqlite3_bind_int64(s, 2, ix.gen);
		sqlite3_bind_int(s, 3, SEARCH_READ_ROWS);
		for (n = 0; (rc = sqlite3_step(s)) == SQLITE_ROW; n++) {
			ix.next = sqlite3_column_int64(s, 0);
			gb_add(&ix.gb, ix.next,
			    (const char *)sqlite3_column_text(s, 1),
			    (const char *)sqlite3_column_text(s, 2));
			ix.added++;
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return -1;
		if (n < SEARCH_READ_ROWS) {
			/* Up to the end: whatever lies above is indexed by
			 * the mark or renamed after ix.gen. */
			ix.next = INT64_MAX;
			return 0;
		}
	}
	return 1;
}

/* Drop ids LO..HI from the segments for the slice; 1 when all are seen. */
static int
purge_step(struct store *st, int64_t lo, int64_t hi, double t0)
{
	sqlite3_stmt	*s;
	struct idvec	 iv = { NULL, 0, 0 }, keep = { NULL, 0, 0 };
	int64_t		 key[SEARCH_PURGE_ROWS][3];
	size_t		 i, k;
	int		 n, rc = 0, end = 0;

	while (rc == 0 && !end && mono_ms() - t0 < SEARCH_SLICE_MS) {
		/* The keys first: the table changes under them. */
		s = store_stmt(st, "SELECT gram, hi, lo FROM contacts_grams "
		    "WHERE (gram, hi, lo) > (?, ?, ?) ORDER BY gram, hi, lo "
		    "LIMIT ?");
		sqlite3_bind_int64(s, 1, ix.pgram);
		sqlite3_bind_int64(s, 2, ix.phi);
		sqlite3_bind_int64(s, 3, ix.plo);
		sqlite3_bind_int(s, 4, SEARCH_PURGE_ROWS);
		for (n = 0; n < SEARCH_PURGE_ROWS &&
		    sqlite3_step(s) == SQLITE_ROW; n++)
			for (k = 0; k < 3; k++)
				key[n][k] = sqlite3_column_int64(s, (int)k);
		if (sqlite3_errcode(store_db(st)) != SQLITE_ROW &&
		    sqlite3_errcode(store_db(st)) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(s);
		end = n < SEARCH_PURGE_ROWS;
		for (i = 0; rc == 0 && i < (size_t)n; i++) {
			/* A segment can hold a million ids: look at the
			 * clock after each. */
			if (i > 0 && mono_ms() - t0 > SEARCH_SLICE_MS) {
				end = 0;
				break;
			}
			ix.pgram = key[i][0];
			ix.phi = key[i][1];
			ix.plo = key[i][2];
			if (key[i][1] < lo || key[i][2] > hi)
				continue;
			s = store_stmt(st, "SELECT ids FROM contacts_grams "
			    "WHERE gram = ? AND hi = ? AND lo = ?");
			for (k = 0; k < 3; k++)
				sqlite3_bind_int64(s, (int)k + 1, key[i][k]);
			iv.n = keep.n = 0;
			if (sqlite3_step(s) == SQLITE_ROW)
				idvec_decode(&iv, sqlite3_column_blob(s, 0),
				    (size_t)sqlite3_column_bytes(s, 0),
				    INT64_MAX);
			sqlite3_reset(s);
			for (k = 0; k < iv.n; k++)
				if (iv.v[k] < lo || iv.v[k] > hi)
					idvec_push(&keep, iv.v[k]);
			if (keep.n == iv.n)
				continue;
			if (exec_iii(st, "DELETE FROM contacts_grams WHERE "
			    "gram = ? AND hi = ? AND lo = ?", key[i][0],
			    key[i][1], key[i][2]) == -1) {
				rc = -1;
				break;
			}
			/* What is kept sorts at or before the cursor. */
			if (rc == 0 && keep.n > 0 &&
			    seg_put(st, (uint64_t)key[i][0], &keep) == -1)
				rc = -1;
		}
	}
	free(iv.v);
	free(keep.v);
	return rc == -1 ? -1 : end;
}

/*
 * Pick the next job, in the transaction; JOB_NONE if there is none. While
 * an import or an undo runs, only the rows above the mark: an import that
 * renames thousands would otherwise start a job for each few slices of
 * renames, and an undone batch is purged once it is all gone.
 */
static int
job_pick(struct daemon *d, struct store *st)
{
	int64_t	 upto, max;

	upto = store_int(store_stmt(st, "SELECT upto FROM "
	    "contacts_grams_state"));
	max = store_int(store_stmt(st, "SELECT max(id) FROM contacts"));
	if (max > upto) {
		ix.next = upto;
		return JOB_MARK;
	}
	if (d->importer != NULL)
		return JOB_NONE;
	if (ix.npurges > 0) {
		/* The contacts left in the range (of other batches) are
		 * checked as renamed ones are, then indexed again. */
		if (exec_ii(st, "INSERT OR REPLACE INTO "
		    "contacts_grams_dirty (id, gen) SELECT id, (SELECT gen FROM "
		    "contacts_grams_state) FROM contacts WHERE id BETWEEN ? AND ?",
		    ix.purges[0].lo, ix.purges[0].hi) == -1)
			return -1;
		ix.pgram = INT64_MIN;
		ix.phi = ix.plo = INT64_MIN;
		return JOB_PURGE;
	}
	if (store_int(store_stmt(st, "SELECT EXISTS (SELECT 1 FROM "
	    "contacts_grams_dirty)"))) {
		/* Renames noted until now have a gen below the new one. */
		ix.gen = store_int(store_stmt(st, "SELECT gen FROM "
		    "contacts_grams_state")) + 1;
		if (store_exec(st, "UPDATE contacts_grams_state SET gen = "
		    "gen + 1") == -1)
			return -1;
		ix.next = 0;
		return JOB_DIRTY;
	}
	return JOB_NONE;
}

/* End the batch's flush: move the mark, or forget the renames done. */
static int
flush_done(struct store *st)
{
	if (ix.job == JOB_MARK)
		return exec_ii(st, "UPDATE contacts_grams_state SET "
		    "upto = ?", ix.next, 0);
	return exec_ii(st, "DELETE FROM contacts_grams_dirty WHERE "
	    "id <= ? AND gen < ?", ix.next, ix.gen);
}

/* One slice of the job at hand, about SEARCH_SLICE_MS. */
static void
search_slice(evutil_socket_t fd, short ev, void *arg)
{
	struct daemon	*d = arg;
	struct store	*st = d->store;
	double		 t0 = mono_ms();
	int		 rc = 0, wait = 0;

	(void)fd;
	(void)ev;
	if (store_begin(st) == -1) {
		search_again(1);
		return;
	}
	if (ix.job == JOB_NONE) {
		if ((ix.job = job_pick(d, st)) == -1) {
			ix.job = JOB_NONE;
			rc = -1;
		} else if (ix.job == JOB_NONE) {
			if (store_commit(st) == -1)
				store_rollback(st);
			if (ix.done >= 10000)
				log_info("search index: %lld contacts indexed "
				    "in %.1f s", (long long)ix.done,
				    (mono_ms() - ix.t0) / 1e3);
			ix.done = 0;
			search_again(SEARCH_CHECK_SEC);
			return;
		}
		if (ix.done == 0)
			ix.t0 = t0;
	}
	if (rc == 0 && ix.job == JOB_PURGE) {
		if ((rc = purge_step(st, ix.purges[0].lo, ix.purges[0].hi,
		    t0)) == 1) {
			ix.npurges--;
			memmove(ix.purges, ix.purges + 1, ix.npurges *
			    sizeof *ix.purges);
			job_end();
			rc = 0;
		}
	} else if (rc == 0 && !ix.flushing && ix.job == JOB_MARK &&
	    d->importer != NULL &&
	    atomic_load(&tk.bytes) < SEARCH_BATCH_BYTES &&
	    store_int(store_stmt(st, "SELECT coalesce(max(id), 0) FROM "
	    "contacts")) <= ix.next) {
		/* An import hands its rows over as it writes them: nothing
		 * to read back, and the batch is the thread's meanwhile. */
		wait = 1;
	} else if (rc == 0 && !ix.flushing) {
		take_drain();
		rc = ix.job == JOB_MARK ? read_mark(st, t0) :
		    read_dirty(st, t0);
		/* While an import writes, more rows are coming: wait for
		 * them rather than write small segments. */
		if (rc == 0 && ix.job == JOB_MARK && d->importer != NULL &&
		    ix.gb.bytes < SEARCH_BATCH_BYTES)
			wait = 1;
		else if (rc == 0 || ix.gb.bytes >= SEARCH_BATCH_BYTES)
			ix.flushing = 1;
		rc = rc == -1 ? -1 : 0;
	}
	if (rc == 0 && ix.flushing && mono_ms() - t0 < SEARCH_SLICE_MS) {
		take_drain();
		if ((rc = gb_flush(st, &ix.gb, t0)) == 1) {
			if ((rc = flush_done(st)) == 0) {
				ix.done += ix.added;
				job_end();
			}
		}
		rc = rc == -1 ? -1 : 0;
	}
	if (rc == -1 || store_commit(st) == -1) {
		log_warnx("search index: %s", store_errmsg(st));
		store_rollback(st);
		job_end();
		search_again(SEARCH_CHECK_SEC);
		return;
	}
	/* Waiting for an import's rows: its next write kicks us. */
	search_again(wait ? 1 : 0);
}

/*
 * Before adding contacts: bring the mark down to the highest id, so every new
 * id lands above it. Deleting the highest rows can leave the mark above the
 * table, and SQLite hands their ids out again; a batch read beyond the
 * highest id is read again.
 */
int
search_mark_lower(struct store *s)
{
	int64_t	 max;

	max = store_int(store_stmt(s, "SELECT coalesce(max(id), 0) FROM "
	    "contacts"));
	if (ix.job == JOB_MARK && ix.next > max)
		job_end();
	return exec_ii(s, "UPDATE contacts_grams_state SET upto = ? "
	    "WHERE upto > ?", max, max);
}

void
search_start(struct daemon *d)
{
	/* Rows added with sqlite3 while the daemon was down. */
	if (store_exec(d->store, "UPDATE contacts_count SET n = (SELECT "
	    "count(*) FROM contacts WHERE erased_at IS NULL)") == -1 ||
	    search_mark_lower(d->store) == -1)
		log_warnx("search index: %s", store_errmsg(d->store));
	ix.d = d;
	ix.ev = evtimer_new(d->base, search_slice, d);
	pthread_mutex_init(&tk.mtx, NULL);
	pthread_cond_init(&tk.work, NULL);
	pthread_cond_init(&tk.idle, NULL);
	/* Without the thread, names are added on the loop. */
	tk.started = pthread_create(&tk.thread, NULL, take_main, NULL) == 0;
	search_again(0);
}

void
search_kick(struct daemon *d)
{
	(void)d;
	/*
	 * Active now, not rescheduled: adding a timer again takes it off the
	 * active list, so an import kicking it after each of its own slices
	 * would starve it.
	 */
	if (ix.ev != NULL)
		event_active(ix.ev, EV_TIMEOUT, 1);
}

void
search_take(struct daemon *d, int64_t id, const char *first,
    const char *last)
{
	size_t	 lf, ll, need;
	char	*p;

	(void)d;
	/* Only the next id of a batch being read: anything else is read
	 * back from the store later, in order. */
	if (ix.job != JOB_MARK || ix.flushing || id != ix.next + 1 ||
	    atomic_load_explicit(&tk.bytes, memory_order_relaxed) >=
	    SEARCH_BATCH_BYTES)
		return;
	lf = strlen(first);
	ll = strlen(last);
	if ((need = sizeof id + lf + ll + 2) > TAKE_BUF)
		return;		/* read back later */
	if (tk.cur != NULL && tk.cur->len + need > TAKE_BUF)
		take_submit();
	if (tk.cur == NULL) {
		tk.cur = xmalloc(sizeof *tk.cur);
		tk.cur->len = 0;
	}
	p = tk.cur->data + tk.cur->len;
	memcpy(p, &id, sizeof id);
	memcpy(p + sizeof id, first, lf + 1);
	memcpy(p + sizeof id + lf + 1, last, ll + 1);
	tk.cur->len += need;
	ix.next = id;
	ix.added++;
}

void
search_purge(struct daemon *d, int64_t lo, int64_t hi)
{
	struct purge	*p;

	if (lo > hi)
		return;
	if (ix.npurges == SEARCH_PURGES) {
		/* Too many waiting: the last one takes this one in. */
		p = &ix.purges[ix.npurges - 1];
		p->lo = lo < p->lo ? lo : p->lo;
		p->hi = hi > p->hi ? hi : p->hi;
	} else {
		ix.purges[ix.npurges].lo = lo;
		ix.purges[ix.npurges++].hi = hi;
	}
	search_kick(d);
}

int64_t
search_pending(struct daemon *d)
{
	int64_t	 n;

	n = store_int(store_stmt(d->store, "SELECT coalesce((SELECT max(id) "
	    "FROM contacts), 0) - (SELECT upto FROM contacts_grams_state)"));
	if (n < 0)
		n = 0;
	/* Renames waiting, counted to a bound: status stays quick after an
	 * import that renamed a million. */
	return n + store_int(store_stmt(d->store, "SELECT count(*) FROM "
	    "(SELECT 1 FROM contacts_grams_dirty LIMIT 100000)"));
}

void
search_stop(struct daemon *d)
{
	(void)d;
	if (ix.ev != NULL)
		event_free(ix.ev);
	ix.ev = NULL;
	job_end();
	if (tk.started) {
		pthread_mutex_lock(&tk.mtx);
		tk.quit = 1;
		pthread_cond_signal(&tk.work);
		pthread_mutex_unlock(&tk.mtx);
		pthread_join(tk.thread, NULL);
		tk.started = 0;
	}
}

struct qgrams {
	uint64_t	 g[SEARCH_GRAMS_MAX];
	size_t		 n;
};

static void
q_gram(void *arg, uint64_t g)
{
	struct qgrams	*q = arg;
	size_t		 i;

	for (i = 0; i < q->n; i++)
		if (q->g[i] == g)
			return;
	if (q->n < SEARCH_GRAMS_MAX)
		q->g[q->n++] = g;
}

/* Keep in A only the ids also in B (both sorted). */
static void
intersect(struct idvec *a, const struct idvec *b)
{
	size_t	 i = 0, j = 0, o = 0;

	while (i < a->n && j < b->n) {
		if (a->v[i] < b->v[j])
			i++;
		else if (a->v[i] > b->v[j])
			j++;
		else {
			a->v[o++] = a->v[i++];
			j++;
		}
	}
	a->n = o;
}

/* Merge the sorted runs of IV (starting at RUN[0..NRUN-1]) into one. */
static void
idvec_merge_runs(struct idvec *iv, size_t *run, size_t nrun)
{
	int64_t	*tmp, *t;
	size_t	 r, o, i, j, ie, je, w;

	tmp = xreallocarray(NULL, iv->n + 1, sizeof *tmp);
	while (nrun > 1) {
		for (r = 0, w = 0, o = 0; r < nrun; r += 2) {
			i = run[r];
			ie = r + 1 < nrun ? run[r + 1] : iv->n;
			j = ie;
			je = r + 2 < nrun ? run[r + 2] : iv->n;
			run[w++] = o;
			while (i < ie || j < je) {
				if (j == je || (i < ie && iv->v[i] <= iv->v[j]))
					tmp[o++] = iv->v[i++];
				else
					tmp[o++] = iv->v[j++];
			}
		}
		nrun = w;
		t = iv->v;
		iv->v = tmp;
		tmp = t;
	}
	free(tmp);
	for (i = 0, o = 0; i < iv->n; i++)
		if (o == 0 || iv->v[i] != iv->v[o - 1])
			iv->v[o++] = iv->v[i];
	iv->n = o;
}

/* The ids of trigram G at most UPTO, sorted, into IV; -1 on error. */
static int
gram_ids(struct store *st, uint64_t g, int64_t upto, struct idvec *iv)
{
	sqlite3_stmt	*s;
	size_t		*run = NULL, nrun = 0, start;
	int		 rc, unordered = 0;

	iv->n = 0;
	s = store_stmt(st, "SELECT ids FROM contacts_grams WHERE gram = ? "
	    "ORDER BY hi");
	sqlite3_bind_int64(s, 1, (int64_t)g);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		start = iv->n;
		unordered |= idvec_decode(iv, sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0), upto);
		if (iv->n > start) {
			run = xreallocarray(run, nrun + 1, sizeof *run);
			run[nrun++] = start;
		}
	}
	sqlite3_reset(s);
	/* Segments written again (renames, an import cut short) overlap. */
	if (rc == SQLITE_DONE && unordered)
		idvec_merge_runs(iv, run, nrun);
	free(run);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
search_candidates(struct store *st, const char *folded, struct search_ids *out)
{
	sqlite3_stmt	*s;
	struct qgrams	 q;
	struct idvec	 cand = { NULL, 0, 0 }, other = { NULL, 0, 0 };
	struct idvec	 dirty = { NULL, 0, 0 };
	int64_t		 len[SEARCH_GRAMS_MAX], t;
	uint64_t	 tg;
	size_t		 i, j, run[2];
	int		 rc;

	memset(out, 0, sizeof *out);
	q.n = 0;
	if (grams_each(folded, q_gram, &q) < 3)
		return -1;
	out->upto = store_int(store_stmt(st, "SELECT upto FROM "
	    "contacts_grams_state"));
	/* Rarest first: once few ids are left, checking them against their
	 * rows costs less than reading more trigrams. */
	for (i = 0; i < q.n; i++) {
		s = store_stmt(st, "SELECT coalesce(sum(length(ids)), 0) FROM "
		    "contacts_grams WHERE gram = ?");
		sqlite3_bind_int64(s, 1, (int64_t)q.g[i]);
		len[i] = store_int(s);
	}
	for (i = 1; i < q.n; i++)
		for (j = i; j > 0 && len[j] < len[j - 1]; j--) {
			t = len[j], len[j] = len[j - 1], len[j - 1] = t;
			tg = q.g[j], q.g[j] = q.g[j - 1], q.g[j - 1] = tg;
		}
	rc = 0;
	for (i = 0; i < q.n && rc == 0; i++) {
		if (i > 0 && cand.n < 32)
			break;
		if ((rc = gram_ids(st, q.g[i], out->upto, i == 0 ? &cand :
		    &other)) == 0 && i > 0)
			intersect(&cand, &other);
	}
	free(other.v);
	/* Renamed contacts: maybe, until indexed again. */
	s = store_stmt(st, "SELECT id FROM contacts_grams_dirty WHERE id <= ? "
	    "ORDER BY id");
	sqlite3_bind_int64(s, 1, out->upto);
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW)
		idvec_push(&dirty, sqlite3_column_int64(s, 0));
	sqlite3_reset(s);
	if (rc == -1) {
		free(cand.v);
		free(dirty.v);
		return -1;
	}
	if (dirty.n > 0) {
		run[0] = 0;
		run[1] = cand.n;
		for (i = 0; i < dirty.n; i++)
			idvec_push(&cand, dirty.v[i]);
		idvec_merge_runs(&cand, run, 2);
	}
	free(dirty.v);
	out->v = cand.v;
	out->n = cand.n;
	return 0;
}

void
search_ids_free(struct search_ids *ids)
{
	free(ids->v);
	ids->v = NULL;
	ids->n = 0;
}
