#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "text.h"

enum kind { K_NONE, K_PHONE, K_MOBILE, K_FIRST, K_LAST, K_NOM, K_FULL, K_CC,
    K_CATS, K_GVALUE, K_GLABEL };

static const struct {
	const char	*name;	/* folded: lowercase, no accent, no space */
	enum kind	 kind;
} names[] = {
	{ "first_name", K_FIRST }, { "firstname", K_FIRST },
	{ "prenom", K_FIRST }, { "prenoms", K_FIRST },
	{ "givenname", K_FIRST }, { "first", K_FIRST },
	{ "last_name", K_LAST }, { "lastname", K_LAST },
	{ "surname", K_LAST }, { "familyname", K_LAST },
	{ "nomdefamille", K_LAST }, { "last", K_LAST },
	{ "nom", K_NOM },
	{ "name", K_FULL }, { "nomcomplet", K_FULL }, { "fullname", K_FULL },
	{ "full_name", K_FULL }, { "displayname", K_FULL },
	{ "nometprenom", K_FULL }, { "nometprenoms", K_FULL },
	{ "nomprenom", K_FULL }, { "nomprenoms", K_FULL },
	{ "category", K_CATS }, { "categories", K_CATS },
	{ "categorie", K_CATS }, { "group", K_CATS }, { "groups", K_CATS },
	{ "groupe", K_CATS }, { "groupes", K_CATS }, { "labels", K_CATS },
	{ "groupmembership", K_CATS }, { "tags", K_CATS },
	{ "countrycode", K_CC }, { "country_code", K_CC },
	{ "indicatif", K_CC }, { "codepays", K_CC }, { "dialcode", K_CC },
	{ "callingcode", K_CC },
};

/* Words that make a column a phone column, and those that rule it out. */
static const char *const phone_words[] = { "phone", "tel", "mobile", "cell",
    "portable", "gsm", "whatsapp", "numero", "number" };
static const char *const mobile_words[] = { "mobile", "cell", "portable",
    "gsm", "whatsapp" };
static const char *const never_words[] = { "fax", "pager", "telex", "tlx",
    "e-mail", "email", "mail", "idnumber", "account", "isdn", "phonetic" };

static int
has_word(const char *f, const char *const *w, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strstr(f, w[i]) != NULL)
			return 1;
	return 0;
}

#define HAS(f, w)	has_word((f), (w), sizeof (w) / sizeof (w)[0])

/* Google's "Phone 1 - Value" / "- Label" / "- Type": the slot, or -1. */
static int
google_slot(const char *f, enum kind *k)
{
	char	*end;
	long	 n;

	if (strncmp(f, "phone", 5) != 0 || f[5] < '1' || f[5] > '9')
		return -1;
	n = strtol(f + 5, &end, 10);
	if (strcmp(end, "-value") == 0)
		*k = K_GVALUE;
	else if (strcmp(end, "-label") == 0 || strcmp(end, "-type") == 0)
		*k = K_GLABEL;
	else
		return -1;
	return n >= 1 && n <= LAYOUT_MAX_PHONES ? (int)n - 1 : -1;
}

static enum kind
classify(const char *f)
{
	size_t	 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(f, names[i].name) == 0)
			return names[i].kind;
	if (*f == '\0' || HAS(f, never_words))
		return K_NONE;
	if (HAS(f, mobile_words))
		return K_MOBILE;
	if (HAS(f, phone_words))
		return K_PHONE;
	return K_NONE;
}

static void
layout_clear(struct layout *l)
{
	memset(l, 0, offsetof(struct layout, phone_s));
	l->mapping[0] = '\0';
	l->extra_s[0] = '\0';
	l->first = l->last = l->full = l->cc = l->cats = -1;
}

void
layout_default(struct layout *l)
{
	layout_clear(l);
	l->name = "wacamp (no header)";
	l->phone[0] = 0;
	l->label[0] = -1;
	l->nphone = 1;
	l->first = 1;
	l->last = 2;
	l->cats = 3;
	snprintf(l->mapping, sizeof l->mapping, "phone: column 1; first name: "
	    "column 2; last name: column 3; categories: column 4");
}

static void
map_add(struct layout *l, const char *what, const char *hdr)
{
	size_t	 n = strlen(l->mapping);

	snprintf(l->mapping + n, sizeof l->mapping - n, "%s%s: %s",
	    n > 0 ? "; " : "", what, hdr);
}

void
layout_field_name(const char *hdr, char *out)
{
	char	 f[4 * LAYOUT_EXTRA_NAME], sep[4 * LAYOUT_EXTRA_NAME];
	size_t	 i, j = 0;

	/* Spaces mark words: text_fold() would drop them. */
	for (i = 0; hdr[i] != '\0' && i + 1 < sizeof sep; i++)
		sep[i] = hdr[i] == ' ' || hdr[i] == '\t' ? '_' : hdr[i];
	sep[i] = '\0';
	text_fold(sep, f, sizeof f);
	for (i = 0; f[i] != '\0' && j + 1 < LAYOUT_EXTRA_NAME; i++) {
		if ((f[i] >= 'a' && f[i] <= 'z') || (f[i] >= '0' && f[i] <= '9'))
			out[j++] = f[i];
		else if (j > 0 && out[j - 1] != '_')
			out[j++] = '_';
	}
	while (j > 0 && out[j - 1] == '_')
		j--;
	out[j] = '\0';
}

int
layout_field_reserved(const char *name)
{
	static const char *const own[] = { "first_name", "last_name", "phone",
	    "categories", "full_number", "raw_number" };
	size_t	 i;

	for (i = 0; i < sizeof own / sizeof own[0]; i++)
		if (strcmp(name, own[i]) == 0)
			return 1;
	return 0;
}

/* Is column C one a field of the layout reads? */
static int
column_used(const struct layout *l, int c, int nom)
{
	int	 i;

	if (c == l->first || c == l->last || c == l->full || c == l->cc ||
	    c == l->cats || c == nom)
		return 1;
	for (i = 0; i < l->nphone; i++)
		if (c == l->phone[i] || c == l->label[i])
			return 1;
	return 0;
}

/*
 * Keep the columns no field reads, up to LAYOUT_MAX_EXTRA in header order,
 * each under a name of its own: one left without a usable name (a header
 * in another script), taken by a contact field or by an earlier column is
 * not kept. Google's phone labels and types are fields' own, and its
 * other labels and types are left.
 */
static void
keep_extras(struct layout *l, char *const *fields, size_t n, int nom)
{
	char	 name[LAYOUT_EXTRA_NAME], f[64];
	enum kind k;
	size_t	 c;
	int	 i, dup;

	for (c = 0; c < n && c < 4096 && l->nextra < LAYOUT_MAX_EXTRA; c++) {
		if (column_used(l, (int)c, nom))
			continue;
		text_fold(fields[c], f, sizeof f);
		if (google_slot(f, &k) != -1)
			continue;
		/* Google's labels of its other values ("E-mail 1 - Label":
		 * "* Home") say nothing to a contact. */
		if (l->google && ((strlen(f) > 6 && strcmp(f + strlen(f) - 6,
		    "-label") == 0) || (strlen(f) > 5 &&
		    strcmp(f + strlen(f) - 5, "-type") == 0)))
			continue;
		layout_field_name(fields[c], name);
		if (*name == '\0' || layout_field_reserved(name))
			continue;
		for (i = 0, dup = 0; i < l->nextra; i++)
			if (strcmp(l->extra_name[i], name) == 0)
				dup = 1;
		if (dup)
			continue;
		l->extra[l->nextra] = (int)c;
		memcpy(l->extra_name[l->nextra++], name, sizeof name);
	}
}

int
layout_detect(struct layout *l, char *const *fields, size_t n)
{
	char		 f[64], fph[64] = "", ffull[64] = "";
	int		 gval[LAYOUT_MAX_PHONES], glab[LAYOUT_MAX_PHONES];
	int		 mob[LAYOUT_MAX_PHONES], oth[LAYOUT_MAX_PHONES];
	int		 nmob = 0, noth = 0, nom = -1, slot, i, ours = 0;
	int		 outlook = 0, legacy = 0, googlenew = 0;
	enum kind	 k;
	size_t		 c;
	const char	*hdr_phone = NULL;

	layout_clear(l);
	for (i = 0; i < LAYOUT_MAX_PHONES; i++)
		gval[i] = glab[i] = -1;
	for (c = 0; c < n && c < 4096; c++) {
		text_fold(fields[c], f, sizeof f);
		if ((slot = google_slot(f, &k)) != -1) {
			if (k == K_GVALUE && gval[slot] == -1)
				gval[slot] = (int)c;
			else if (k == K_GLABEL && glab[slot] == -1) {
				glab[slot] = (int)c;
				if (strstr(f, "-type") != NULL)
					legacy = 1;
				else
					googlenew = 1;
			}
			continue;
		}
		if (strcmp(f, "mobilephone") == 0 ||
		    strcmp(f, "businessphone") == 0 ||
		    strcmp(f, "homephone") == 0)
			outlook = 1;
		if (strcmp(f, "groupmembership") == 0)
			legacy = 1;
		if (strcmp(f, "phone") == 0 || strcmp(f, "telephone") == 0 ||
		    strcmp(f, "first_name") == 0 || strcmp(f, "prenom") == 0)
			ours = 1;
		switch ((k = classify(f))) {
		case K_MOBILE:
		case K_PHONE:
			if (k == K_MOBILE && nmob < LAYOUT_MAX_PHONES)
				mob[nmob++] = (int)c;
			else if (k == K_PHONE && noth < LAYOUT_MAX_PHONES)
				oth[noth++] = (int)c;
			if (fph[0] == '\0')
				snprintf(fph, sizeof fph, "%s", f);
			break;
		case K_FIRST:
			if (l->first == -1)
				l->first = (int)c;
			break;
		case K_LAST:
			if (l->last == -1)
				l->last = (int)c;
			break;
		case K_NOM:
			if (nom == -1)
				nom = (int)c;
			break;
		case K_FULL:
			if (l->full == -1) {
				l->full = (int)c;
				snprintf(ffull, sizeof ffull, "%s", f);
			}
			break;
		case K_CC:
			if (l->cc == -1)
				l->cc = (int)c;
			break;
		case K_CATS:
			if (l->cats == -1)
				l->cats = (int)c;
			break;
		default:
			break;
		}
	}
	/* "Nom" is the family name beside a first-name column, else the
	 * whole name. */
	if (nom != -1) {
		if (l->first != -1 && l->last == -1)
			l->last = nom;
		else if (l->full == -1)
			l->full = nom;
	}
	for (i = 0; i < LAYOUT_MAX_PHONES; i++)
		if (gval[i] != -1 && l->nphone < LAYOUT_MAX_PHONES) {
			l->label[l->nphone] = glab[i];
			l->phone[l->nphone++] = gval[i];
		}
	if (l->nphone > 0)
		l->google = 1;
	for (i = 0; i < nmob && l->nphone < LAYOUT_MAX_PHONES; i++) {
		l->label[l->nphone] = -1;
		l->phone[l->nphone++] = mob[i];
	}
	for (i = 0; i < noth && l->nphone < LAYOUT_MAX_PHONES; i++) {
		l->label[l->nphone] = -1;
		l->phone[l->nphone++] = oth[i];
	}
	if (l->nphone == 0 && l->first == -1 && l->last == -1 &&
	    l->full == -1 && l->cats == -1)
		return -1;

	if (l->google)
		l->name = legacy && !googlenew ? "Google Contacts (legacy)" :
		    "Google Contacts";
	else if (outlook) {
		l->name = "Outlook";
		l->outlook = 1;
	} else if (l->cc != -1)
		l->name = "country code + number";
	else if (l->full != -1 && l->first == -1 && l->last == -1)
		l->name = strcmp(ffull, "name") == 0 &&
		    strcmp(fph, "number") == 0 ? "name + number" : "full name";
	else if (ours)
		l->name = "wacamp";
	else
		l->name = "other (phone column recognised)";

	for (i = 0; i < l->nphone; i++) {
		hdr_phone = fields[l->phone[i]];
		map_add(l, i == 0 ? "phone" : "else", hdr_phone);
	}
	if (l->nphone == 0)
		map_add(l, "phone", "(none)");
	if (l->cc != -1)
		map_add(l, "country code", fields[l->cc]);
	if (l->first != -1)
		map_add(l, "first name", fields[l->first]);
	if (l->last != -1)
		map_add(l, "last name", fields[l->last]);
	if (l->full != -1)
		map_add(l, l->first == -1 && l->last == -1 ?
		    "full name (split at its first space)" :
		    "full name (if no first or last name)", fields[l->full]);
	if (l->cats != -1)
		map_add(l, "categories", fields[l->cats]);
	keep_extras(l, fields, n, nom);
	return 0;
}

/* Does S (LEN) start a separator between two numbers? Its length or 0. */
static size_t
number_sep(const char *s, size_t len)
{
	if (len >= 5 && memcmp(s, " ::: ", 5) == 0)
		return 5;
	if (*s == '/' || *s == ';' || *s == '\n' || *s == '\r' || *s == '|')
		return 1;
	return 0;
}

size_t
layout_first_number(const char *s, size_t len, int *others)
{
	size_t	 i = 0, k, end = len;
	int	 in = 0, seen = 0;

	/* Most cells hold one number: nothing to split. */
	if (strpbrk(s, "/;\n\r|:") == NULL) {
		while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
			end--;
		return end;
	}
	while (i < len) {
		if ((k = number_sep(s + i, len - i)) == 0) {
			if (s[i] != ' ' && s[i] != '\t')
				in = 1;
			i++;
			continue;
		}
		if (in && !seen) {
			seen = 1;
			end = i;
		} else if (in)
			(*others)++;
		in = 0;
		i += k;
	}
	if (in && seen)
		(*others)++;
	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	return end;
}

int
layout_is_number(const char *s)
{
	int	 digits = 0;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (strchr(" +-.()/", *s) == NULL)
			return 0;
	}
	return digits >= 5;
}

void
layout_add_category(char *buf, size_t size, const char *name, size_t len)
{
	size_t	 n = strlen(buf);
	char	 f[32];
	char	 tmp[128];

	while (len > 0 && (*name == ' ' || *name == '\t')) {
		name++;
		len--;
	}
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	/* Google's system labels ("* myContacts", "* starred") and the
	 * vCard export's "My Contacts" are not categories. */
	if (len == 0 || (len >= 2 && name[0] == '*' && name[1] == ' '))
		return;
	snprintf(tmp, sizeof tmp, "%.*s", (int)(len < 127 ? len : 127), name);
	text_fold(tmp, f, sizeof f);
	if (strcmp(f, "mycontacts") == 0 || strcmp(f, "starred") == 0)
		return;
	if (n + len + 2 > size)
		return;
	if (n > 0)
		buf[n++] = '|';
	memcpy(buf + n, name, len);
	buf[n + len] = '\0';
}

void
layout_split_name(const char *full, char *first, char *last, size_t size)
{
	const char	*sp;

	while (*full == ' ')
		full++;
	if ((sp = strchr(full, ' ')) == NULL) {
		snprintf(first, size, "%s", full);
		*last = '\0';
		return;
	}
	snprintf(first, size, "%.*s", (int)(sp - full), full);
	while (*sp == ' ')
		sp++;
	snprintf(last, size, "%s", sp);
}

/* A trimmed copy of cell FIELD into BUF. */
static const char *
trimmed(const char *s, char *buf, size_t size, size_t *len)
{
	size_t	 n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Cell COL trimmed: itself when it needs no trimming (most do), else a
 * trimmed copy in BUF; its length in *LEN. */
static const char *
cell_trim(char *const *fields, const size_t *lens, size_t n, int col,
    char *buf, size_t size, size_t *len)
{
	const char	*s;
	size_t		 k;

	if (col < 0 || (size_t)col >= n) {
		*len = 0;
		return "";
	}
	s = fields[col];
	k = lens[col];
	if (k == 0 || (s[0] != ' ' && s[0] != '\t' && s[k - 1] != ' ' &&
	    s[k - 1] != '\t')) {
		*len = k;
		return s;
	}
	return trimmed(s, buf, size, len);
}

static const char *
cell(char *const *fields, size_t n, int col)
{
	if (col < 0 || (size_t)col >= n)
		return "";
	return fields[col];
}

/* Split CATS on SEP into the row's '|'-list. */
static void
split_cats(struct layout *l, const char *s, const char *sep)
{
	const char	*p;
	size_t		 k = strlen(sep);

	while ((p = strstr(s, sep)) != NULL) {
		layout_add_category(l->cats_s, sizeof l->cats_s, s,
		    (size_t)(p - s));
		s = p + k;
	}
	layout_add_category(l->cats_s, sizeof l->cats_s, s, strlen(s));
}

/* Is the Google label of slot I a mobile's, or one never to use? */
static int
label_rank(struct layout *l, char *const *fields, size_t n, int i)
{
	char	 f[64];

	if (l->label[i] == -1)
		return 1;
	text_fold(cell(fields, n, l->label[i]), f, sizeof f);
	if (HAS(f, never_words))
		return 2;
	return HAS(f, mobile_words) ? 0 : 1;
}

/* "'=x" (and '+', '-', '@', a tab, a CR) back to "=x". */
static void
undefuse(const char **s, size_t *len)
{
	if (*len >= 2 && (*s)[0] == '\'' &&
	    strchr("=+-@\t\r", (*s)[1]) != NULL) {
		(*s)++;
		(*len)--;
	}
}

/* Append S (LEN bytes) to B as a JSON string's content; 0, or -1 when
 * B (SIZE bytes, *OFF used) is full. */
static int
json_put(char *b, size_t size, size_t *off, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 ch;
	size_t			 i, o = *off;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		if (o + 7 >= size)
			return -1;
		if (ch == '"' || ch == '\\') {
			b[o++] = '\\';
			b[o++] = (char)ch;
		} else if (ch == '\n' || ch == '\t' || ch == '\r') {
			b[o++] = '\\';
			b[o++] = ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r';
		} else if (ch < 0x20) {
			memcpy(b + o, "\\u00", 4);
			b[o + 4] = hex[ch >> 4];
			b[o + 5] = hex[ch & 15];
			o += 6;
		} else
			b[o++] = (char)ch;
	}
	*off = o;
	return 0;
}

/* The kept columns' non-empty values as one JSON object in l->extra_s. */
static void
row_extras(struct layout *l, char *const *fields, const size_t *lens,
    size_t n, struct lrow *row)
{
	char		 buf[LAYOUT_SCRATCH];
	const char	*v;
	size_t		 len, off = 0, mark;
	int		 i, any = 0;

	row->extra = l->extra_s;
	l->extra_s[0] = '\0';
	for (i = 0; i < l->nextra; i++) {
		v = cell_trim(fields, lens, n, l->extra[i], buf, sizeof buf,
		    &len);
		undefuse(&v, &len);
		if (len == 0)
			continue;
		if (len > LAYOUT_EXTRA_VALUE) {
			/* Cut at a character's start, not inside one. */
			len = LAYOUT_EXTRA_VALUE;
			while (len > 0 && ((unsigned char)v[len] & 0xc0) == 0x80)
				len--;
			row->cut++;
		}
		mark = off;
		if (off + 4 + strlen(l->extra_name[i]) >= sizeof l->extra_s)
			break;
		l->extra_s[off++] = any ? ',' : '{';
		l->extra_s[off++] = '"';
		if (json_put(l->extra_s, sizeof l->extra_s, &off,
		    l->extra_name[i], strlen(l->extra_name[i])) == -1 ||
		    off + 3 >= sizeof l->extra_s) {
			off = mark;
			break;
		}
		l->extra_s[off++] = '"';
		l->extra_s[off++] = ':';
		l->extra_s[off++] = '"';
		if (json_put(l->extra_s, sizeof l->extra_s, &off, v, len) == -1 ||
		    off + 3 >= sizeof l->extra_s) {
			off = mark;
			break;
		}
		l->extra_s[off++] = '"';
		any = 1;
		l->seen |= 1u << i;
	}
	if (any) {
		l->extra_s[off++] = '}';
		l->extra_s[off] = '\0';
	} else
		l->extra_s[0] = '\0';
	row->lextra = any ? off : 0;
}

void
layout_row(struct layout *l, char *const *fields, const size_t *lens,
    size_t n, struct lrow *row)
{
	const char	*v, *full;
	size_t		 len, k;
	int		 i, rank, best = -1, pass, others = 0;
	char		 num[LAYOUT_SCRATCH], cc[16];

	memset(row, 0, sizeof *row);
	/* The mobile first, then the others in order; never a fax. */
	for (pass = 0; pass < 2 && best == -1; pass++)
		for (i = 0; i < l->nphone && best == -1; i++) {
			rank = label_rank(l, fields, n, i);
			if (rank == 2 || (pass == 0 && rank != 0))
				continue;
			v = cell(fields, n, l->phone[i]);
			if (strspn(v, " \t") != strlen(v))
				best = i;
		}
	l->phone_s[0] = '\0';
	row->phone = l->phone_s;
	if (best != -1) {
		v = cell_trim(fields, lens, n, l->phone[best], num, sizeof num,
		    &len);
		if (l->cc == -1 && strpbrk(v, "/;\n\r|:") == NULL) {
			/* One number as it stands: no copy. */
			if (v == num) {
				memcpy(l->phone_s, num, len + 1);
				v = l->phone_s;
			}
			row->phone = v;
			goto others;
		}
		if (v != num) {
			if (len >= sizeof num)
				len = sizeof num - 1;
			memcpy(num, v, len);
			num[len] = '\0';
		}
		k = layout_first_number(num, len, &others);
		num[k] = '\0';
		/* A country code apart: "+CC NUMBER", unless the number
		 * already carries one. */
		if (l->cc != -1 && *trimmed(cell(fields, n, l->cc), cc,
		    sizeof cc, &len) != '\0' && num[0] != '+' &&
		    strncmp(num, "00", 2) != 0) {
			v = cc;
			while (*v == '+' || *v == ' ')
				v++;
			if (strncmp(v, "00", 2) == 0)
				v += 2;
			len = strlen(v);
			k = strlen(num);
			if (len + k + 3 <= sizeof l->phone_s) {
				l->phone_s[0] = '+';
				memcpy(l->phone_s + 1, v, len);
				l->phone_s[len + 1] = ' ';
				memcpy(l->phone_s + len + 2, num, k + 1);
			}
		} else
			memcpy(l->phone_s, num, k + 1);
others:
		for (i = 0; i < l->nphone; i++) {
			if (i == best || label_rank(l, fields, n, i) == 2)
				continue;
			v = cell(fields, n, l->phone[i]);
			len = strlen(v);
			if (strspn(v, " \t") != len) {
				others++;
				layout_first_number(v, len, &others);
			}
		}
	}
	row->lphone = strlen(row->phone);
	row->others = others;

	row->first = cell_trim(fields, lens, n, l->first, l->first_s,
	    sizeof l->first_s, &row->lfirst);
	row->last = cell_trim(fields, lens, n, l->last, l->last_s,
	    sizeof l->last_s, &row->llast);
	if (row->lfirst == 0 && row->llast == 0 && l->full != -1) {
		trimmed(cell(fields, n, l->full), num, sizeof num, &len);
		full = num;
		layout_split_name(full, l->first_s, l->last_s,
		    sizeof l->first_s);
		row->first = l->first_s;
		row->last = l->last_s;
		row->lfirst = strlen(l->first_s);
		row->llast = strlen(l->last_s);
	}
	/* Our exports defuse a name a spreadsheet would run ("=..." written
	 * "'=..."); reading one back takes the quote off again. */
	undefuse(&row->first, &row->lfirst);
	undefuse(&row->last, &row->llast);
	/* A name that is itself a number says nothing. */
	if (layout_is_number(row->first) || layout_is_number(row->last)) {
		row->first = row->last = "";
		row->lfirst = row->llast = 0;
	}

	l->cats_s[0] = '\0';
	row->cats = l->cats_s;
	if (l->cats != -1) {
		v = cell(fields, n, l->cats);
		if (l->google)
			split_cats(l, v, " ::: ");
		else if (l->outlook)
			split_cats(l, v, ";");
		else
			split_cats(l, v, "|");
		row->lcats = strlen(l->cats_s);
	}
	row_extras(l, fields, lens, n, row);
}
