#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "campaign.h"
#include "cmds.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "export.h"
#include "fold.h"
#include "import.h"
#include "layout.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "phone.h"
#include "search.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

/* raw_number is NULL when the number was typed as stored (an import). */
#define CONTACT_COLS "c.id, c.full_number, coalesce(c.raw_number, CASE " \
	"WHEN c.erased_at IS NULL THEN c.full_number END), c.first_name, " \
	"c.last_name, c.verified, c.opted_out, c.opted_out_at, c.batch_id, " \
	"c.created_at, c.updated_at, c.verified_at, c.erased_at, c.extra"
/* Erased contacts (tombstones) are in no list. */
#define FILTERS " AND (?6 IS NULL OR c.verified IS ?6) " \
	"AND (?7 IS NULL OR c.opted_out = ?7) AND c.erased_at IS NULL "
#define IN_CAT " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM category_contacts " \
	"x WHERE x.category_id = ?3 AND x.contact_id = c.id)) "

/* A name search counts its matches up to here: "10000+" is enough. */
#define SEARCH_COUNT_MAX 10000

/* The name holds the search text ?8, both folded (no case, no accents). */
#define NAME_HAS "(instr(fold_name(c.first_name), ?8) > 0 OR " \
	"instr(fold_name(c.last_name), ?8) > 0)"

/*
 * Numbers in either range: as typed, and in the default country. Two
 * prefix ranges are nested or apart; number_ranges() keeps the outer one
 * of nested ones (both the same), so the counts add up.
 */
#define NUMBER_COUNT "SELECT (SELECT count(*) FROM contacts c WHERE " \
	"c.full_number >= ?4 AND c.full_number < ?5 AND ?1 = ?1 AND " \
	"?2 = ?2" FILTERS IN_CAT ") + (SELECT count(*) FROM contacts c " \
	"WHERE ?11 <> ?4 AND c.full_number >= ?11 AND c.full_number < ?12" \
	FILTERS IN_CAT ")"
/* A prefix shared by many numbers counts to SEARCH_COUNT_MAX (?10). */
#define NUMBER_COUNT_WIDE "SELECT (SELECT count(*) FROM (SELECT 1 FROM " \
	"contacts c WHERE c.full_number >= ?4 AND c.full_number < ?5 AND " \
	"?1 = ?1 AND ?2 = ?2" FILTERS IN_CAT "LIMIT ?10)) + (SELECT count(*) " \
	"FROM (SELECT 1 FROM contacts c WHERE ?11 <> ?4 AND " \
	"c.full_number >= ?11 AND c.full_number < ?12" FILTERS IN_CAT \
	"LIMIT ?10))"

/*
 * The four shapes of a page, each walking an index in id order so a page
 * costs its own rows, not the table: all contacts, one category (its
 * primary key), a name search (the rows above the search mark, not yet
 * indexed: the ids below it come from search_candidates(), see
 * name_search()) and a number prefix (the full_number index, two ranges:
 * the digits as an international number, and as a national one of the
 * default country).
 */
static const char *const list_sql[5] = {
	"SELECT " CONTACT_COLS " FROM contacts c WHERE c.id > ?1" FILTERS
	    "ORDER BY c.id LIMIT ?2",
	"SELECT " CONTACT_COLS " FROM category_contacts cc CROSS JOIN "
	    "contacts c ON c.id = cc.contact_id WHERE cc.category_id = ?3 AND "
	    "cc.contact_id > ?1" FILTERS "ORDER BY cc.contact_id LIMIT ?2",
	"SELECT " CONTACT_COLS " FROM contacts c WHERE c.id > max(?1, ?4) "
	    "AND " NAME_HAS FILTERS IN_CAT "ORDER BY c.id LIMIT ?2",
	"SELECT * FROM (SELECT " CONTACT_COLS " FROM contacts c WHERE "
	    "c.full_number >= ?4 AND c.full_number < ?5 AND c.id > ?1" FILTERS
	    IN_CAT "ORDER BY c.id LIMIT ?2) UNION SELECT * FROM (SELECT "
	    CONTACT_COLS " FROM contacts c WHERE c.full_number >= ?11 AND "
	    "c.full_number < ?12 AND c.id > ?1" FILTERS IN_CAT
	    "ORDER BY c.id LIMIT ?2) ORDER BY 1 LIMIT ?2",
	/* A prefix shared by many numbers: walk ids, test each number. */
	"SELECT " CONTACT_COLS " FROM contacts c WHERE (+c.full_number >= ?4 "
	    "AND +c.full_number < ?5 OR +c.full_number >= ?11 AND "
	    "+c.full_number < ?12) AND c.id > ?1" FILTERS IN_CAT
	    "ORDER BY c.id LIMIT ?2",
};
static const char *const count_sql[5] = {
	"SELECT count(*) FROM contacts c WHERE ?1 = ?1 AND ?2 = ?2" FILTERS,
	"SELECT count(*) FROM category_contacts cc CROSS JOIN contacts c ON "
	    "c.id = cc.contact_id WHERE cc.category_id = ?3 AND ?1 = ?1 AND "
	    "?2 = ?2" FILTERS,
	"SELECT count(*) FROM (SELECT 1 FROM contacts c WHERE c.id > ?4 AND "
	    "?1 = ?1 AND ?2 = ?2 AND " NAME_HAS FILTERS IN_CAT "LIMIT ?10)",
	NUMBER_COUNT,
	NUMBER_COUNT_WIDE,
};

/* Most messages and interactions contacts.get gives of one contact. */
#define HISTORY_MAX	500

/* A column as an integer, or null. */
static json_t *
int_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(st, col));
}

static json_t *
contact_row(sqlite3_stmt *st)
{
	json_t	*j, *x;

	j = json_pack("{s:I,s:s,s:s?,s:s,s:s,s:b,s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "phone", (const char *)sqlite3_column_text(st, 1),
	    "raw_number", (const char *)sqlite3_column_text(st, 2),
	    "first_name", (const char *)sqlite3_column_text(st, 3),
	    "last_name", (const char *)sqlite3_column_text(st, 4),
	    "opted_out", sqlite3_column_int(st, 6),
	    "created_at", (json_int_t)sqlite3_column_int64(st, 9));
	json_object_set_new(j, "verified", sqlite3_column_type(st, 5) ==
	    SQLITE_NULL ? json_null() : json_boolean(sqlite3_column_int(st, 5)));
	json_object_set_new(j, "opted_out_at", sqlite3_column_type(st, 7) ==
	    SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(st, 7)));
	json_object_set_new(j, "batch", sqlite3_column_type(st, 8) ==
	    SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(st, 8)));
	json_object_set_new(j, "updated_at",
	    json_integer(sqlite3_column_int64(st, 10)));
	json_object_set_new(j, "verified_at", int_or_null(st, 11));
	json_object_set_new(j, "erased", json_boolean(sqlite3_column_type(st,
	    12) != SQLITE_NULL));
	/* The columns an import kept ({"ville": "Lomé"}), when any. */
	if (sqlite3_column_type(st, 13) != SQLITE_NULL &&
	    (x = json_loads((const char *)sqlite3_column_text(st, 13), 0,
	    NULL)) != NULL)
		json_object_set_new(j, "extra", x);
	return j;
}

/* Characters in UTF-8 text S. */
static size_t
utf8_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if ((*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* An indexed contact that may match a name search, checked against its
 * row: the name (?8), the filters. */
#define NAME_CHECK "SELECT " CONTACT_COLS " FROM contacts c WHERE " \
	"c.id = ?1 AND " NAME_HAS FILTERS IN_CAT

/* Whether folded text Q is in name S, folded. */
static int
name_has(const char *q, const char *s)
{
	char	 buf[1024], *t;
	size_t	 n;
	int	 found;

	if (s == NULL || (n = strlen(s)) < strlen(q))
		return 0;
	if (n < sizeof buf) {
		memcpy(buf, s, n + 1);
		return strstr(fold_name(buf), q) != NULL;
	}
	t = fold_name(xstrdup(s));
	found = strstr(t, q) != NULL;
	free(t);
	return found;
}

/* Whether contact ID (not erased) has FOLDED in a name: 1, 0, or -1. */
static int
name_check(struct store *s, int64_t id, const char *folded)
{
	sqlite3_stmt	*st;
	int		 rc, found = 0;

	st = store_stmt(s, "SELECT first_name, last_name FROM contacts "
	    "WHERE id = ? AND erased_at IS NULL");
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		found = name_has(folded, (const char *)sqlite3_column_text(st,
		    0)) || name_has(folded, (const char *)
		    sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return found;
}

/*
 * A page of a name search into ITEMS and its total: first the indexed
 * contacts search_candidates() gives, each checked against its row, then
 * the rows above the mark (list_sql[2], count_sql[2]). Both count to
 * SEARCH_COUNT_MAX. 0, or -1 with the store's error.
 */
static int
name_search(struct store *s, const char *folded, int64_t after,
    int64_t limit, int64_t catid, json_t *ver, json_t *opt, json_t *items,
    int64_t *total, int *more, int64_t *last)
{
	struct search_ids	 c;
	sqlite3_stmt		*st;
	int64_t			 count = 0, id;
	size_t			 i, k;
	int			 rc = SQLITE_DONE, page, m;

	if (search_candidates(s, folded, &c) == -1)
		return -1;
	for (i = 0; i < c.n && rc == SQLITE_DONE; i++) {
		id = c.v[i];
		if (count >= SEARCH_COUNT_MAX && (*more || id <= after)) {
			if (*more)
				break;
			continue;
		}
		page = id > after && !*more;
		/* Without filters the names are read and checked here, the
		 * cheapest way: a count of 10000 checks 10000 rows. */
		if (catid == 0 && ver == NULL && opt == NULL) {
			if ((m = name_check(s, id, folded)) == -1) {
				rc = SQLITE_ERROR;
				break;
			}
			if (m == 0)
				continue;
			if (page && (int64_t)json_array_size(items) == limit) {
				*more = 1;
				page = 0;
			}
			if (!page) {
				count++;
				continue;
			}
		}
		st = store_stmt(s, NAME_CHECK);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 8, folded, -1, SQLITE_STATIC);
		if (catid > 0)
			sqlite3_bind_int64(st, 3, catid);
		if (ver != NULL)
			sqlite3_bind_int(st, 6, json_is_true(ver));
		if (opt != NULL)
			sqlite3_bind_int(st, 7, json_is_true(opt));
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (count < SEARCH_COUNT_MAX)
				count++;
			if (page && (int64_t)json_array_size(items) == limit)
				*more = 1;
			else if (page) {
				*last = id;
				json_array_append_new(items, contact_row(st));
			}
			rc = SQLITE_DONE;
		}
		sqlite3_reset(st);
	}
	/* The rows above the mark, all above every candidate. */
	for (k = 0; rc == SQLITE_DONE && k < 2; k++) {
		if (k == 0 && *more)
			continue;
		st = store_stmt(s, k == 0 ? list_sql[2] : count_sql[2]);
		sqlite3_bind_int64(st, 1, after);
		sqlite3_bind_int64(st, 2, limit + 1 -
		    (int64_t)json_array_size(items));
		if (catid > 0)
			sqlite3_bind_int64(st, 3, catid);
		sqlite3_bind_int64(st, 4, c.upto);
		sqlite3_bind_text(st, 8, folded, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 10, SEARCH_COUNT_MAX);
		if (ver != NULL)
			sqlite3_bind_int(st, 6, json_is_true(ver));
		if (opt != NULL)
			sqlite3_bind_int(st, 7, json_is_true(opt));
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (k == 1) {
				count += sqlite3_column_int64(st, 0);
				continue;
			}
			if ((int64_t)json_array_size(items) == limit) {
				*more = 1;
				break;
			}
			*last = sqlite3_column_int64(st, 0);
			json_array_append_new(items, contact_row(st));
		}
		sqlite3_reset(st);
		if (rc == SQLITE_ROW)
			rc = SQLITE_DONE;
	}
	search_ids_free(&c);
	*total = count;
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The number prefixes a search of digits means (DESIGN §10), into LO and
 * LO2: with "+" or "00" the international number only (both the same);
 * otherwise the digits as an international number ("22890123") and as
 * typed locally in default country DEFCC, a trunk 0 dropped ("90 12 34
 * 56", "9012" -> +2289012...).
 */
static void
number_ranges(const char *search, const char *defcc, char lo[40],
    char lo2[40])
{
	const char	*p;
	char		 d[20];
	size_t		 n = 0;
	int		 plus;

	for (p = search; *p == ' '; p++)
		;
	plus = *p == '+';
	for (; *p != '\0' && n < sizeof d - 1; p++)
		if (isdigit((unsigned char)*p))
			d[n++] = *p;
	d[n] = '\0';
	p = d;
	if (!plus && strncmp(d, "00", 2) == 0) {
		p = d + 2;
		plus = 1;
	}
	snprintf(lo, 40, "+%s", p);
	if (plus || defcc == NULL || *defcc == '\0')
		snprintf(lo2, 40, "%s", lo);
	else
		snprintf(lo2, 40, "+%s%s", defcc, d[0] == '0' ? d + 1 : d);
	/* One inside the other: the outer one finds both. */
	if (strncmp(lo2, lo, strlen(lo)) == 0)
		snprintf(lo2, 40, "%s", lo);
	else if (strncmp(lo, lo2, strlen(lo2)) == 0)
		snprintf(lo, 40, "%s", lo2);
}

static int
prefix_wide(struct store *s, const char *lo, const char *hi)
{
	sqlite3_stmt	*st;
	int		 n = 0;

	st = store_stmt(s, "SELECT count(*) FROM (SELECT 1 FROM contacts "
	    "WHERE full_number >= ? AND full_number < ? LIMIT 2000)");
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n >= 2000;
}

static int
cmd_contacts_list(struct ctl_req *r)
{
	struct store	*s = r->d->store;
	sqlite3_stmt	*st;
	const char	*search = ctl_arg_str(r, "search", NULL);
	json_t		*cat = json_object_get(r->args, "category");
	json_t		*items = json_array(), *ver, *opt;
	int64_t		 after = ctl_arg_int(r, "after", 0), catid = 0, last = 0;
	int64_t		 limit, total = 0;
	char		*folded = NULL;
	char		 lo[40], hi[48], lo2[40], hi2[48];
	size_t		 i, n;
	int		 v = 0, more = 0, tx, rc = SQLITE_DONE;

	if ((limit = ctl_list_limit(r, 100)) == -1) {
		json_decref(items);
		return CMD_DONE;
	}
	if (cat != NULL && (catid = category_resolve(r->d, cat, 0)) == -1) {
		json_decref(items);
		ctl_error(r, "not_found", "no such category");
		return CMD_DONE;
	}
	if (search != NULL && *search != '\0') {
		n = strlen(search);
		if (strspn(search, "+0123456789 -().") == n) {
			number_ranges(search, r->d->conf->default_country, lo,
			    lo2);
			snprintf(hi, sizeof hi, "%s:", lo);
			snprintf(hi2, sizeof hi2, "%s:", lo2);
			v = prefix_wide(s, lo, hi) || prefix_wide(s, lo2, hi2) ?
			    4 : 3;
		} else if (!text_utf8_valid(search, n) ||
		    utf8_chars(folded = fold_name(xstrdup(search))) < 3) {
			free(folded);
			json_decref(items);
			ctl_error(r, "bad_request", "search needs at least 3 "
			    "characters of a name, or digits of a number");
			return CMD_DONE;
		} else
			v = 2;
	} else if (catid > 0)
		v = 1;
	ver = json_object_get(r->args, "verified");
	opt = json_object_get(r->args, "opted_out");

	/*
	 * One read transaction for the thousands of lookups a name search
	 * makes: each statement on its own would take and drop the WAL read
	 * lock (two fcntl calls), which cost more than the lookup.
	 */
	if (v == 2) {
		tx = !store_in_tx(s) && store_exec(s, "BEGIN") == 0;
		if (name_search(s, folded, after, limit, catid, ver, opt,
		    items, &total, &more, &last) == -1)
			rc = SQLITE_ERROR;
		if (tx && store_exec(s, "COMMIT") == -1)
			rc = SQLITE_ERROR;
	}
	for (i = 0; i < 2 && v != 2; i++) {
		if (i == 1 && v == 0 && ver == NULL && opt == NULL) {
			st = store_stmt(s, "SELECT n FROM contacts_count");
		} else
			st = store_stmt(s, i == 0 ? list_sql[v] : count_sql[v]);
		if (sqlite3_bind_parameter_count(st) >= 7) {
			sqlite3_bind_int64(st, 1, after);
			sqlite3_bind_int64(st, 2, limit + 1);
			if (catid > 0)
				sqlite3_bind_int64(st, 3, catid);
			if (v >= 3) {
				sqlite3_bind_text(st, 4, lo, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 5, hi, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 11, lo2, -1,
				    SQLITE_STATIC);
				sqlite3_bind_text(st, 12, hi2, -1,
				    SQLITE_STATIC);
				sqlite3_bind_int(st, 10, SEARCH_COUNT_MAX);
			}
			if (ver != NULL)
				sqlite3_bind_int(st, 6, json_is_true(ver));
			if (opt != NULL)
				sqlite3_bind_int(st, 7, json_is_true(opt));
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (i == 1) {
				total = sqlite3_column_int64(st, 0);
				break;
			}
			if ((int64_t)json_array_size(items) == limit) {
				more = 1;
				break;
			}
			last = sqlite3_column_int64(st, 0);
			json_array_append_new(items, contact_row(st));
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
	}
	free(folded);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(items);
		ctl_error(r, "internal", "listing contacts: %s",
		    store_errmsg(s));
		return CMD_DONE;
	}
	if ((v == 2 || v == 4) && total >= SEARCH_COUNT_MAX)
		total = SEARCH_COUNT_MAX;
	ctl_reply(r, json_pack("{s:o,s:I,s:o,s:b}", "items", items, "total",
	    (json_int_t)total, "next", more ? json_integer(last) : json_null(),
	    "total_capped", (v == 2 || v == 4) && total == SEARCH_COUNT_MAX));
	return CMD_DONE;
}

/* Messages of contact ID, newest first, for contacts.get. */
static json_t *
contact_messages(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*a = json_array(), *m;

	st = store_stmt(d->store, "SELECT m.id, m.campaign_id, cp.name, "
	    "m.message_type, m.round, m.state, m.attempts, m.error, "
	    "m.cancel_reason, m.created_at, m.updated_at, m.claimed_at, "
	    "m.sent_at, m.delivered_at, m.read_at, m.phone, m.device "
	    "FROM messages m JOIN campaigns cp ON cp.id = m.campaign_id "
	    "WHERE m.contact_id = ? ORDER BY m.id DESC LIMIT ?");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, HISTORY_MAX);
	while (sqlite3_step(st) == SQLITE_ROW) {
		m = json_pack("{s:I,s:I,s:s,s:i,s:I,s:s,s:i,s:s?,s:s?,s:I,s:I,"
		    "s:s,s:s?}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "campaign_id", (json_int_t)sqlite3_column_int64(st, 1),
		    "campaign", (const char *)sqlite3_column_text(st, 2),
		    "message_type", sqlite3_column_int(st, 3),
		    "round", (json_int_t)sqlite3_column_int64(st, 4),
		    "state", (const char *)sqlite3_column_text(st, 5),
		    "attempts", sqlite3_column_int(st, 6),
		    "error", (const char *)sqlite3_column_text(st, 7),
		    "cancel_reason", (const char *)sqlite3_column_text(st, 8),
		    "created_at", (json_int_t)sqlite3_column_int64(st, 9),
		    "updated_at", (json_int_t)sqlite3_column_int64(st, 10),
		    "phone", (const char *)sqlite3_column_text(st, 15),
		    "device", (const char *)sqlite3_column_text(st, 16));
		json_object_set_new(m, "contact_id", json_integer(id));
		json_object_set_new(m, "claimed_at", int_or_null(st, 11));
		json_object_set_new(m, "sent_at", int_or_null(st, 12));
		json_object_set_new(m, "delivered_at", int_or_null(st, 13));
		json_object_set_new(m, "read_at", int_or_null(st, 14));
		json_array_append_new(a, m);
	}
	sqlite3_reset(st);
	return a;
}

/* Replies, reactions and opt-outs of contact ID, newest first. */
static json_t *
contact_interactions(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*a = json_array(), *i;

	st = store_stmt(d->store, "SELECT i.id, i.campaign_id, cp.name, "
	    "i.message_id, i.kind, i.body, i.created_at FROM interactions i "
	    "LEFT JOIN campaigns cp ON cp.id = i.campaign_id WHERE "
	    "i.contact_id = ? AND i.kind IN ('reply', 'reaction', 'optout') "
	    "ORDER BY i.created_at DESC, i.id DESC LIMIT ?");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, HISTORY_MAX);
	while (sqlite3_step(st) == SQLITE_ROW) {
		i = json_pack("{s:I,s:o,s:s?,s:o,s:s,s:s?,s:I}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "campaign_id", int_or_null(st, 1),
		    "campaign", (const char *)sqlite3_column_text(st, 2),
		    "message_id", int_or_null(st, 3),
		    "kind", (const char *)sqlite3_column_text(st, 4),
		    "body", (const char *)sqlite3_column_text(st, 5),
		    "created_at", (json_int_t)sqlite3_column_int64(st, 6));
		json_array_append_new(a, i);
	}
	sqlite3_reset(st);
	return a;
}

/*
 * Contact ID as JSON with its categories (id, name, colour), NULL if
 * there is none. FULL adds its history for contacts.get: messages and
 * interactions, newest first, HISTORY_MAX of each at most (a contact
 * gets at most two messages a campaign).
 */
static json_t *
contact_get(struct daemon *d, int64_t id, int full)
{
	sqlite3_stmt	*st;
	json_t		*c = NULL, *cats;

	st = store_stmt(d->store, "SELECT " CONTACT_COLS " FROM contacts c "
	    "WHERE c.id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		c = contact_row(st);
	sqlite3_reset(st);
	if (c == NULL)
		return NULL;
	cats = json_array();
	st = store_stmt(d->store, "SELECT g.id, g.name, g.color FROM "
	    "category_contacts cc JOIN categories g ON g.id = cc.category_id "
	    "WHERE cc.contact_id = ? ORDER BY g.name");
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(cats, json_pack("{s:I,s:s,s:s?}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "name",
		    (const char *)sqlite3_column_text(st, 1), "color",
		    (const char *)sqlite3_column_text(st, 2)));
	sqlite3_reset(st);
	json_object_set_new(c, "categories", cats);
	if (full) {
		json_object_set_new(c, "messages", contact_messages(d, id));
		json_object_set_new(c, "interactions",
		    contact_interactions(d, id));
	}
	return c;
}

static int
cmd_contacts_get(struct ctl_req *r)
{
	int64_t	 id = ctl_arg_int(r, "id", 0);
	json_t	*c;

	if ((c = contact_get(r->d, id, 1)) == NULL) {
		ctl_error(r, "not_found", "no contact %lld", (long long)id);
		return CMD_DONE;
	}
	ctl_reply(r, c);
	return CMD_DONE;
}

static int
name_ok(struct ctl_req *r, const char *key)
{
	const char	*s = ctl_arg_str(r, key, NULL);

	if (s == NULL || (strlen(s) <= 256 && text_utf8_valid(s, strlen(s))))
		return 1;
	ctl_error(r, "bad_request", "%s must be valid UTF-8, at most 256 bytes",
	    key);
	return 0;
}

static int
normalize_arg(struct ctl_req *r, const char *in, char out[PHONE_MAX])
{
	const char	*cc = ctl_arg_str(r, "default_country",
	    r->d->conf->default_country), *why;

	if (cc != NULL && *cc == '+')
		cc++;
	if (phone_normalize(in, cc, out, &why) == -1) {
		ctl_error(r, "bad_request", "phone %.40s: %-s", in, why);
		return -1;
	}
	return 0;
}

/*
 * The categories of contacts.create: "category" (one, or an array) and
 * "categories" (an array), each an id or a name; a name not known yet is
 * created, an id must exist. Into IDS (at most NIDS); -1 after replying.
 */
static int
create_categories(struct ctl_req *r, int64_t *ids, size_t nids, size_t *n)
{
	const char	*keys[] = { "category", "categories" };
	json_t		*v, *e, *one;
	size_t		 k, i;
	int64_t		 id;

	*n = 0;
	for (k = 0; k < 2; k++) {
		if ((v = json_object_get(r->args, keys[k])) == NULL ||
		    json_is_null(v))
			continue;
		one = json_is_array(v) ? json_incref(v) : json_pack("[O]", v);
		json_array_foreach(one, i, e) {
			if (!json_is_integer(e) && !json_is_string(e)) {
				json_decref(one);
				ctl_error(r, "bad_request", "%s: a category is "
				    "an id or a name", keys[k]);
				return -1;
			}
			if ((id = category_resolve(r->d, e, 1)) <= 0) {
				json_decref(one);
				if (json_is_integer(e))
					ctl_error(r, "not_found", "no category "
					    "%lld", (long long)
					    json_integer_value(e));
				else
					ctl_error(r, "bad_request", "category "
					    "\"%.100s\" cannot be made",
					    json_string_value(e));
				return -1;
			}
			if (*n == nids) {
				json_decref(one);
				ctl_error(r, "bad_request", "at most %zu "
				    "categories", nids);
				return -1;
			}
			ids[(*n)++] = id;
		}
		json_decref(one);
	}
	return 0;
}

static int
cmd_contacts_create(struct ctl_req *r)
{
	struct daemon	*d = r->d;
	sqlite3_stmt	*st;
	char		 num[PHONE_MAX];
	const char	*raw = ctl_arg_str(r, "phone", "");
	int64_t		 id, cats[64], now = store_now();
	size_t		 ncat, i;
	int		 rc;

	ctl_target(r, "new contact");
	if (!name_ok(r, "first_name") || !name_ok(r, "last_name"))
		return CMD_DONE;
	if (normalize_arg(r, raw, num) == -1)
		return CMD_DONE;
	if (create_categories(r, cats, 64, &ncat) == -1)
		return CMD_DONE;
	if (store_begin(r->d->store) == -1 ||
	    search_mark_lower(r->d->store) == -1) {
		store_rollback(r->d->store);
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "INSERT INTO contacts (full_number, "
	    "raw_number, first_name, last_name, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?5, ?5)");
	sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, raw, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ctl_arg_str(r, "first_name", ""), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, ctl_arg_str(r, "last_name", ""), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		store_rollback(r->d->store);
		ctl_error(r, "conflict", "a contact with number %s exists", num);
		return CMD_DONE;
	}
	id = sqlite3_last_insert_rowid(store_db(r->d->store));
	if (rc != SQLITE_DONE || store_exec(r->d->store, "UPDATE "
	    "contacts_count SET n = n + 1") == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		store_rollback(d->store);
		return CMD_DONE;
	}
	for (i = 0; i < ncat; i++) {
		st = store_stmt(r->d->store, "INSERT OR IGNORE INTO "
		    "category_contacts (category_id, contact_id) VALUES (?, ?)");
		sqlite3_bind_int64(st, 1, cats[i]);
		sqlite3_bind_int64(st, 2, id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			ctl_error(r, "internal", "%s",
			    store_errmsg(r->d->store));
			store_rollback(d->store);
			return CMD_DONE;
		}
	}
	if (store_commit(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	search_kick(r->d);
	/* The audit names the contact by id: numbers leave with erasure. */
	ctl_target(r, "contact %lld", (long long)id);
	ctl_reply(r, contact_get(r->d, id, 0));
	return CMD_DONE;
}

/*
 * After pending messages were cancelled (opt-out, erasure): campaigns
 * with nothing left to send complete, and subscribers hear of it.
 */
static void
cancelled_done(struct daemon *d, struct ob_batch *b)
{
	sqlite3_stmt	*st;
	size_t		 i;

	for (i = 0; i < b->ntouched; i++)
		campaign_finish_done(d, b->touched[i]);
	if (b->touched_overflow) {
		st = store_stmt(d->store, "SELECT id FROM campaigns WHERE "
		    "status = 'running'");
		while (sqlite3_step(st) == SQLITE_ROW)
			campaign_finish_done(d, sqlite3_column_int64(st, 0));
		sqlite3_reset(st);
	}
	if (b->ntouched > 0 || b->touched_overflow)
		notify_monitor(d);
}

/* Contact ID, or not_found/conflict replied (an erased one is no more). */
static json_t *
contact_live(struct ctl_req *r, int64_t id)
{
	json_t	*c;

	if ((c = contact_get(r->d, id, 0)) == NULL) {
		ctl_error(r, "not_found", "no contact %lld", (long long)id);
		return NULL;
	}
	if (json_is_true(json_object_get(c, "erased"))) {
		json_decref(c);
		ctl_error(r, "conflict", "contact %lld was erased",
		    (long long)id);
		return NULL;
	}
	return c;
}

/*
 * contacts.update: names, number (read with default_country as typed),
 * opt-out. Opting out cancels the contact's pending messages through the
 * outbox in the same transaction; opting back in sends nothing again by
 * itself (resume or a new campaign does).
 */
/* Kept columns a contact may have, at most (imports keep 32 a file). */
#define CONTACT_MAX_EXTRA	64

/*
 * contacts.update's extra, {"ville": "Kara", "quartier": ""}, laid over
 * contact ID's kept columns, "" removing one. A name must be one a column
 * header could give (lowercase letters, digits, '_') and not a contact
 * field's own; a new one becomes a placeholder (contact_fields). 0 with
 * the merged object as text in *OUT (NULL: none left) and *SET when extra
 * was given, or -1, answered.
 */
static int
extra_arg(struct ctl_req *r, int64_t id, int *set, char **out)
{
	json_t		*x = json_object_get(r->args, "extra"), *v;
	json_t		*cur = NULL;
	sqlite3_stmt	*st;
	const char	*k, *s;
	char		 norm[LAYOUT_EXTRA_NAME];

	*set = 0;
	*out = NULL;
	if (x == NULL)
		return 0;
	json_object_foreach(x, k, v) {
		layout_field_name(k, norm);
		if (strcmp(norm, k) != 0 || layout_field_reserved(k)) {
			ctl_error(r, "bad_request", "extra: %.40s is no field "
			    "name: lowercase letters, digits and _, such as "
			    "ville, and none of a contact's own", k);
			return -1;
		}
		if (!json_is_string(v) || (s = json_string_value(v),
		    strlen(s) > LAYOUT_EXTRA_VALUE) ||
		    !text_utf8_valid(s, strlen(s))) {
			ctl_error(r, "bad_request", "extra.%s must be text, "
			    "valid UTF-8, at most %d bytes", k,
			    LAYOUT_EXTRA_VALUE);
			return -1;
		}
	}
	st = store_stmt(r->d->store, "SELECT extra FROM contacts WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		cur = json_loads((const char *)sqlite3_column_text(st, 0), 0,
		    NULL);
	sqlite3_reset(st);
	if (!json_is_object(cur)) {
		json_decref(cur);
		cur = json_object();
	}
	json_object_foreach(x, k, v) {
		if (*json_string_value(v) == '\0')
			json_object_del(cur, k);
		else
			json_object_set(cur, k, v);
	}
	if (json_object_size(cur) > CONTACT_MAX_EXTRA) {
		json_decref(cur);
		ctl_error(r, "bad_request", "a contact keeps at most %d other "
		    "columns", CONTACT_MAX_EXTRA);
		return -1;
	}
	*set = 1;
	if (json_object_size(cur) > 0)
		*out = json_dumps(cur, JSON_COMPACT);
	json_decref(cur);
	return 0;
}

/* Name the fields of contacts.update's extra as placeholders. */
static int
extra_register(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_t		*v;
	const char	*k;
	int		 rc = 0;

	json_object_foreach(json_object_get(r->args, "extra"), k, v) {
		if (*json_string_value(v) == '\0')
			continue;
		st = store_stmt(r->d->store, "INSERT INTO contact_fields "
		    "(name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING");
		sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, store_now());
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(st);
	}
	return rc;
}

static int
cmd_contacts_update(struct ctl_req *r)
{
	struct daemon	*d = r->d;
	sqlite3_stmt	*st;
	struct ob_batch	 b;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	const char	*phone = ctl_arg_str(r, "phone", NULL);
	int		 opt = ctl_arg_bool(r, "opted_out", -1), rc, n = 0;
	int		 set;
	char		 num[PHONE_MAX], *extra;
	json_t		*c;

	ctl_target(r, "contact %lld", (long long)id);
	if ((c = contact_live(r, id)) == NULL)
		return CMD_DONE;
	json_decref(c);
	if (!name_ok(r, "first_name") || !name_ok(r, "last_name"))
		return CMD_DONE;
	if (phone != NULL && normalize_arg(r, phone, num) == -1)
		return CMD_DONE;
	if (store_begin(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	/* R is answered and freed when it fails. */
	if (extra_arg(r, id, &set, &extra) == -1) {
		store_rollback(d->store);
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "UPDATE contacts SET "
	    "full_number = coalesce(?1, full_number), "
	    "raw_number = coalesce(?2, raw_number), "
	    "first_name = coalesce(?3, first_name), "
	    "last_name = coalesce(?4, last_name), "
	    "opted_out = coalesce(?5, opted_out), "
	    "opted_out_at = CASE WHEN ?5 IS NULL THEN opted_out_at "
	    "  WHEN ?5 = 1 THEN coalesce(opted_out_at, ?6) ELSE NULL END, "
	    "extra = CASE WHEN ?8 THEN ?9 ELSE extra END, "
	    "updated_at = ?6 WHERE id = ?7");
	if (phone != NULL) {
		sqlite3_bind_text(st, 1, num, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	}
	if (ctl_arg_str(r, "first_name", NULL) != NULL)
		sqlite3_bind_text(st, 3, ctl_arg_str(r, "first_name", NULL),
		    -1, SQLITE_TRANSIENT);
	if (ctl_arg_str(r, "last_name", NULL) != NULL)
		sqlite3_bind_text(st, 4, ctl_arg_str(r, "last_name", NULL),
		    -1, SQLITE_TRANSIENT);
	if (opt != -1)
		sqlite3_bind_int(st, 5, opt);
	sqlite3_bind_int64(st, 6, store_now());
	sqlite3_bind_int64(st, 7, id);
	sqlite3_bind_int(st, 8, set);
	if (extra != NULL)
		sqlite3_bind_text(st, 9, extra, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(extra);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		store_rollback(r->d->store);
		ctl_error(r, "conflict", "another contact has number %s", num);
		return CMD_DONE;
	}
	memset(&b, 0, sizeof b);
	if (rc != SQLITE_DONE || extra_register(r) == -1 || (opt == 1 &&
	    ((n = outbox_cancel_contact(r->d, id, OB_CANCEL_OPTOUT,
	    &b)) == -1 || outbox_flush(r->d, &b) == -1)) ||
	    store_commit(r->d->store) == -1) {
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		store_rollback(d->store);
		return CMD_DONE;
	}
	cancelled_done(r->d, &b);
	/* A rename goes to the name index (contacts_grams_dirty). */
	search_kick(r->d);
	c = contact_get(r->d, id, 0);
	json_object_set_new(c, "cancelled", json_integer(n));
	ctl_reply(r, c);
	return CMD_DONE;
}

/* 1 if contact ID was messaged or wrote to us, 0 if not, -1 on error. */
static int
has_history(struct daemon *d, int64_t id)
{
	sqlite3_stmt	*st;
	int		 rc, n = -1;

	st = store_stmt(d->store, "SELECT EXISTS (SELECT 1 FROM messages "
	    "WHERE contact_id = ?1) OR EXISTS (SELECT 1 FROM interactions "
	    "WHERE contact_id = ?1)");
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

static int
cmd_contacts_delete(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0);
	int		 h;
	json_t		*c;

	ctl_target(r, "contact %lld", (long long)id);
	if ((c = contact_live(r, id)) == NULL)
		return CMD_DONE;
	if ((h = has_history(r->d, id)) != 0) {
		json_decref(c);
		if (h == -1)
			ctl_error(r, "internal", "%s",
			    store_errmsg(r->d->store));
		else
			ctl_error(r, "conflict", "contact %lld has a history "
			    "(campaign messages or replies) that counts in "
			    "campaigns; to forget the person, run: wacamp "
			    "contacts erase %lld", (long long)id,
			    (long long)id);
		return CMD_DONE;
	}
	st = store_stmt(r->d->store, "DELETE FROM contacts WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		json_decref(c);
		ctl_error(r, "internal", "%s", store_errmsg(r->d->store));
		return CMD_DONE;
	}
	sqlite3_reset(st);
	ctl_reply(r, json_pack("{s:o}", "deleted", c));
	return CMD_DONE;
}

/* Run SQL with ?1 = ID and ?2 = TEXT (may be NULL); rows changed or -1. */
static int
scrub(struct daemon *d, const char *sql, int64_t id, const char *text)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(d->store, sql);
	sqlite3_bind_int64(st, 1, id);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(store_db(d->store));
}

/*
 * The forms a person's number or chat id takes in stored text: the
 * number's digits (journal bodies write "+228…", "228…@c.us" or
 * "228…"), those of its other plan (Benin 2024, Côte d'Ivoire 2021), the
 * number as typed, and the LIDs they wrote from (without "@lid").
 */
static json_t *
erase_needles(struct daemon *d, int64_t id, const char *phone,
    const char *raw)
{
	sqlite3_stmt	*st;
	char		 alt[2][PHONE_MAX], *at;
	const char	*l;
	json_t		*a = json_array();
	int		 i, n;

	/* With its '+' first, so an audit target reads "[erased]". */
	json_array_append_new(a, json_string(phone));
	json_array_append_new(a, json_string(phone + (*phone == '+')));
	n = phone_alternates(phone, alt, 2);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(alt[i] +
		    (alt[i][0] == '+')));
	if (raw != NULL && strlen(raw) >= 6)
		json_array_append_new(a, json_string(raw));
	st = store_stmt(d->store, "SELECT lid FROM contact_lids WHERE "
	    "contact_id = ?");
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		l = (const char *)sqlite3_column_text(st, 0);
		if ((at = strchr(l, '@')) != NULL)
			json_array_append_new(a, json_stringn(l,
			    (size_t)(at - l)));
		else
			json_array_append_new(a, json_string(l));
	}
	sqlite3_reset(st);
	return a;
}

/*
 * contacts.erase (DESIGN §6): forget a person and keep the counts. The
 * contact stays as a tombstone (erased_at set, opted out, in no list,
 * search or category) so the messages and interactions that counted
 * them keep their row; their pending messages are cancelled through the
 * outbox ("erased"); their number and names are blanked wherever they
 * were stored: messages (phone and body "[erased]"), interactions,
 * import undo data, the webhook journal (rows mentioning them deleted),
 * their LIDs and audit targets. One transaction: all of it or nothing.
 */
static int
cmd_contacts_erase(struct ctl_req *r)
{
	struct daemon	*d = r->d;
	struct ob_batch	 b;
	sqlite3_stmt	*st;
	int64_t		 id = ctl_arg_int(r, "id", 0), now = store_now();
	json_t		*c, *needles = NULL, *v;
	char		*phone = NULL, *raw = NULL;
	const char	*s;
	size_t		 i;
	int		 cancelled = -1, msgs = -1, inter = -1, journal = 0, n;

	ctl_target(r, "contact %lld", (long long)id);
	if ((c = contact_live(r, id)) == NULL)
		return CMD_DONE;
	phone = xstrdup(json_string_value(json_object_get(c, "phone")));
	if ((s = json_string_value(json_object_get(c, "raw_number"))) != NULL)
		raw = xstrdup(s);
	json_decref(c);
	if (store_begin(d->store) == -1)
		goto fail;
	needles = erase_needles(d, id, phone, raw);
	memset(&b, 0, sizeof b);
	if ((cancelled = outbox_cancel_contact(d, id, OB_CANCEL_ERASED,
	    &b)) == -1 || outbox_flush(d, &b) == -1)
		goto fail;
	if ((msgs = scrub(d, "UPDATE messages SET phone = '[erased]', body = "
	    "'[erased]' WHERE contact_id = ?1", id, NULL)) == -1 ||
	    (inter = scrub(d, "UPDATE interactions SET body = CASE WHEN body "
	    "IS NULL THEN NULL ELSE '[erased]' END WHERE contact_id = ?1", id,
	    NULL)) == -1 ||
	    scrub(d, "DELETE FROM import_changes WHERE contact_id = ?1", id,
	    NULL) == -1 ||
	    scrub(d, "DELETE FROM category_contacts WHERE contact_id = ?1", id,
	    NULL) == -1)
		goto fail;
	json_array_foreach(needles, i, v) {
		s = json_string_value(v);
		if ((n = scrub(d, "DELETE FROM webhook_events WHERE ?1 = ?1 "
		    "AND (instr(body, ?2) > 0 OR instr(object_id, ?2) > 0)",
		    id, s)) == -1 ||
		    scrub(d, "UPDATE audit_log SET target = replace(target, "
		    "?2, '[erased]') WHERE ?1 = ?1 AND instr(target, ?2) > 0",
		    id, s) == -1 ||
		    scrub(d, "UPDATE messages SET error = replace(error, ?2, "
		    "'[erased]') WHERE contact_id = ?1 AND "
		    "instr(error, ?2) > 0", id, s) == -1)
			goto fail;
		journal += n;
	}
	if (scrub(d, "DELETE FROM contact_lids WHERE contact_id = ?1", id,
	    NULL) == -1)
		goto fail;
	/* The number is UNIQUE: the tombstone's is "erased:<id>". */
	st = store_stmt(d->store, "UPDATE contacts SET full_number = 'erased:' "
	    "|| id, raw_number = NULL, first_name = '', last_name = '', "
	    "extra = NULL, "
	    "opted_out = 1, opted_out_at = coalesce(opted_out_at, ?2), "
	    "verified = NULL, verified_at = NULL, batch_id = NULL, "
	    "erased_at = ?2, updated_at = ?2 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	n = sqlite3_step(st);
	sqlite3_reset(st);
	if (n != SQLITE_DONE)
		goto fail;
	if (store_exec(d->store, "UPDATE contacts_count SET n = "
	    "max(n - 1, 0)") == -1 || store_commit(d->store) == -1)
		goto fail;
	json_decref(needles);
	free(phone);
	free(raw);
	cancelled_done(d, &b);
	search_kick(d);
	ctl_reply(r, json_pack("{s:I,s:i,s:i,s:i,s:i}", "erased",
	    (json_int_t)id, "cancelled", cancelled, "messages", msgs,
	    "interactions", inter, "journal", journal));
	return CMD_DONE;
fail:
	ctl_error(r, "internal", "erasing contact %lld: %s", (long long)id,
	    store_errmsg(d->store));
	store_rollback(d->store);
	json_decref(needles);
	free(phone);
	free(raw);
	return CMD_DONE;
}

static int
cmd_contacts_import(struct ctl_req *r)
{
	return import_start(r);
}

static int
cmd_contacts_import_undo(struct ctl_req *r)
{
	int64_t		 batch = ctl_arg_int(r, "batch", 0);

	ctl_target(r, "batch %lld", (long long)batch);
	return import_undo_start(r, batch);
}

/* contacts.export: where the last page ended, by number, and the columns
 * imports kept (campaign_fields(): ours first). */
struct contacts_export {
	char	 after[PHONE_MAX];
	char	**fields;
	size_t	 nfields;
};

static void
contacts_export_free(void *arg)
{
	struct contacts_export	*ce = arg;

	campaign_fields_free(ce->fields);
	free(ce);
}

/* The next page of contacts: by number, categories by name, so the same
 * contacts export the same whatever order they were added in; then the
 * kept columns, a cell each. */
static int
contacts_export_fill(struct daemon *d, void *arg, struct csv_buf *b,
    char *err, size_t errlen)
{
	struct contacts_export	*ce = arg;
	sqlite3_stmt		*st;
	const char		**f;
	json_t			*x;
	size_t			 i;
	int			 n = 0, rc;

	f = xcalloc(4 + ce->nfields, sizeof *f);
	st = store_stmt(d->store, "SELECT c.full_number, c.first_name, "
	    "c.last_name, (SELECT group_concat(name, '|') FROM "
	    "(SELECT g.name FROM category_contacts cc JOIN categories g ON "
	    "g.id = cc.category_id WHERE cc.contact_id = c.id ORDER BY "
	    "g.name)), c.extra FROM contacts c WHERE c.full_number > ? AND "
	    "c.erased_at IS NULL ORDER BY c.full_number LIMIT ?");
	sqlite3_bind_text(st, 1, ce->after, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, EXPORT_PAGE);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(ce->after, sizeof ce->after, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		for (i = 0; i < 4; i++)
			f[i] = (const char *)sqlite3_column_text(st, (int)i);
		x = NULL;
		if (ce->nfields > 0 &&
		    sqlite3_column_type(st, 4) != SQLITE_NULL)
			x = json_loads((const char *)sqlite3_column_text(st, 4),
			    0, NULL);
		for (i = 0; i < ce->nfields; i++)
			f[4 + i] = json_string_value(json_object_get(x,
			    ce->fields[3 + i]));
		export_append_safe(b, f, 4 + ce->nfields);
		json_decref(x);
		n++;
	}
	sqlite3_reset(st);
	free(f);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading contacts: %s",
		    store_errmsg(d->store));
		return -1;
	}
	return n;
}

static int
cmd_contacts_export(struct ctl_req *r)
{
	struct contacts_export	*ce;
	const char		**hdr;
	size_t			 i;
	int			 rc;

	ce = xcalloc(1, sizeof *ce);
	/* Ours are the first three: phone, first_name, last_name. */
	ce->fields = campaign_fields(r->d);
	while (ce->fields[3 + ce->nfields] != NULL)
		ce->nfields++;
	hdr = xcalloc(4 + ce->nfields, sizeof *hdr);
	hdr[0] = "phone";
	hdr[1] = "first_name";
	hdr[2] = "last_name";
	hdr[3] = "categories";
	for (i = 0; i < ce->nfields; i++)
		hdr[4 + i] = ce->fields[3 + i];
	rc = export_csv(r, hdr, 4 + ce->nfields, contacts_export_fill, ce,
	    contacts_export_free);
	free(hdr);
	return rc;
}

const struct ctl_cmd contacts_cmds[] = {
	{ "contacts.list", ROLE_ADMIN, 0, "after:i limit:i search:s "
	    "category:* verified:b opted_out:b", cmd_contacts_list },
	{ "contacts.get", ROLE_ADMIN, 0, "id:i!", cmd_contacts_get },
	{ "contacts.create", ROLE_ADMIN, CMD_AUDIT, "phone:s! first_name:s "
	    "last_name:s category:* categories:a default_country:s",
	    cmd_contacts_create },
	{ "contacts.update", ROLE_ADMIN, CMD_AUDIT, "id:i! phone:s "
	    "first_name:s last_name:s opted_out:b default_country:s extra:o",
	    cmd_contacts_update },
	{ "contacts.delete", ROLE_ADMIN, CMD_AUDIT, "id:i!",
	    cmd_contacts_delete },
	{ "contacts.erase", ROLE_ADMIN, CMD_AUDIT, "id:i!",
	    cmd_contacts_erase },
	{ "contacts.import", ROLE_ADMIN, CMD_AUDIT | CMD_FD, "category:* "
	    "default_country:s preview:b filename:s", cmd_contacts_import },
	{ "contacts.import_undo", ROLE_ADMIN, CMD_AUDIT, "batch:i!",
	    cmd_contacts_import_undo },
	{ "contacts.export", ROLE_ADMIN, CMD_AUDIT | CMD_FD, "",
	    cmd_contacts_export },
	{ NULL, 0, 0, NULL, NULL }
};
