#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode.h"
#include "layout.h"
#include "text.h"
#include "vcard.h"
#include "xmalloc.h"

#define VCARD_BUF	65536
#define VCARD_LINE	65536	/* longest logical line kept */
#define VCARD_FIELD	1024

struct vcard_reader {
	vcard_read_fn	 read;
	void		*arg;
	char		*rb;
	size_t		 rpos, rend;
	int		 eof, failed;
	unsigned long	 lineno;	/* physical lines read */

	char		*pl;		/* a physical line read ahead */
	size_t		 npl;
	int		 havepl;
	unsigned long	 plno;
	char		*ll;		/* the logical line */
	size_t		 nll;
	unsigned long	 llno;

	/* The card being read. */
	char		 first[VCARD_FIELD], last[VCARD_FIELD];
	char		 fn[VCARD_FIELD], cats[VCARD_FIELD];
	char		 tel[VCARD_FIELD];
	int		 telrank;	/* of tel: 0 mobile, 1 other, 9 none */
	int		 ntel;
	int		 begin;		/* a BEGIN ended the last card */
	unsigned long	 beginno;
};

struct vcard_reader *
vcard_reader_new(vcard_read_fn fn, void *arg)
{
	struct vcard_reader	*r = xcalloc(1, sizeof *r);

	r->read = fn;
	r->arg = arg;
	r->rb = xmalloc(VCARD_BUF);
	r->pl = xmalloc(VCARD_LINE + 1);
	r->ll = xmalloc(VCARD_LINE + 1);
	return r;
}

void
vcard_reader_free(struct vcard_reader *r)
{
	if (r == NULL)
		return;
	free(r->rb);
	free(r->pl);
	free(r->ll);
	free(r);
}

int
vcard_sniff(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return strncasecmp(s, "BEGIN:VCARD", 11) == 0;
}

/* One byte, or -1 at the end, -2 on error. */
static int
getbyte(struct vcard_reader *r)
{
	ssize_t	 n;

	if (r->rpos == r->rend) {
		if (r->eof)
			return -1;
		do
			n = r->read(r->arg, r->rb, VCARD_BUF);
		while (n == -1 && errno == EINTR);
		if (n == -1) {
			r->failed = errno != 0 ? errno : EIO;
			return -2;
		}
		if (n == 0) {
			r->eof = 1;
			return -1;
		}
		r->rpos = 0;
		r->rend = (size_t)n;
	}
	return (unsigned char)r->rb[r->rpos++];
}

/* Read a physical line into r->pl: 1, 0 at the end, -1 on error. */
static int
physical(struct vcard_reader *r)
{
	int	 c, any = 0;

	r->npl = 0;
	for (;;) {
		if ((c = getbyte(r)) == -2)
			return -1;
		if (c == -1)
			break;
		any = 1;
		if (c == '\n')
			break;
		if (c == '\r') {
			if (r->rpos < r->rend || !r->eof) {
				if ((c = getbyte(r)) == -2)
					return -1;
				if (c != '\n' && c != -1)
					r->rpos--;
			}
			break;
		}
		if (r->npl < VCARD_LINE)
			r->pl[r->npl++] = (char)c;
	}
	r->pl[r->npl] = '\0';
	if (!any)
		return 0;
	r->plno = ++r->lineno;
	return 1;
}

/* Does the logical line so far carry quoted-printable? */
static int
is_qp(const char *l, size_t n)
{
	const char	*colon = memchr(l, ':', n);
	char		 head[256];
	size_t		 k = colon != NULL ? (size_t)(colon - l) : n;

	if (k >= sizeof head)
		k = sizeof head - 1;
	memcpy(head, l, k);
	head[k] = '\0';
	return strcasestr(head, "QUOTED-PRINTABLE") != NULL;
}

static void
ll_append(struct vcard_reader *r, const char *s, size_t n)
{
	if (n > VCARD_LINE - r->nll)
		n = VCARD_LINE - r->nll;
	memcpy(r->ll + r->nll, s, n);
	r->nll += n;
	r->ll[r->nll] = '\0';
}

/*
 * The next logical line into r->ll: folded lines (starting with a space
 * or tab) joined, and a quoted-printable value ending in '=' joined with
 * the next line. 1, 0 at the end, -1 on error.
 */
static int
logical(struct vcard_reader *r)
{
	int	 rc;

	for (;;) {
		if (!r->havepl) {
			if ((rc = physical(r)) <= 0)
				return rc;
		}
		r->havepl = 0;
		if (r->npl > 0)
			break;		/* blank lines between properties */
	}
	r->nll = 0;
	r->llno = r->plno;
	ll_append(r, r->pl, r->npl);
	for (;;) {
		if ((rc = physical(r)) == -1)
			return -1;
		if (rc == 0)
			return 1;
		if (r->npl > 0 && (r->pl[0] == ' ' || r->pl[0] == '\t')) {
			ll_append(r, r->pl + 1, r->npl - 1);
			continue;
		}
		if (r->nll > 0 && r->ll[r->nll - 1] == '=' &&
		    is_qp(r->ll, r->nll)) {
			r->ll[--r->nll] = '\0';
			ll_append(r, r->pl, r->npl);
			continue;
		}
		r->havepl = 1;
		return 1;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode quoted-printable in place; returns the new length. */
static size_t
qp_decode(char *s, size_t n)
{
	size_t	 i, o = 0;
	int	 h, l;

	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n &&
		    (h = hexval((unsigned char)s[i + 1])) != -1 &&
		    (l = hexval((unsigned char)s[i + 2])) != -1) {
			s[o++] = (char)(h << 4 | l);
			i += 2;
		} else if (s[i] == '=' && i + 1 == n)
			;	/* a soft break left at the very end */
		else
			s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/* Make S (N bytes in charset UTF8 or not) UTF-8 into OUT (SIZE). */
static void
to_utf8(const char *s, size_t n, int utf8, char *out, size_t size)
{
	size_t	 o = 0, k;
	char	 tmp[4];

	if (utf8 && text_utf8_valid(s, n)) {
		if (n >= size)
			n = size - 1;
		/* Do not cut a character in two. */
		while (n > 0 && n < strlen(s) &&
		    ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		memcpy(out, s, n);
		out[n] = '\0';
		return;
	}
	for (; n > 0; s++, n--) {
		k = decode_put_utf8(decode_cp1252((unsigned char)*s), tmp);
		if (o + k >= size)
			break;
		memcpy(out + o, tmp, k);
		o += k;
	}
	out[o] = '\0';
}

/*
 * The next component of S up to an unescaped SEP, unescaped into OUT;
 * returns where the following one starts, or NULL after the last.
 */
static const char *
component(const char *s, char sep, char *out, size_t size)
{
	size_t	 o = 0;

	for (; *s != '\0' && *s != sep; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			if (*s == 'n' || *s == 'N')
				continue;	/* no line breaks in names */
		}
		if (o + 1 < size)
			out[o++] = *s;
	}
	out[o] = '\0';
	return *s == sep ? s + 1 : NULL;
}

static void
trim(char *s)
{
	size_t	 n = strlen(s), k = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[k] == ' ' || s[k] == '\t')
		k++;
	memmove(s, s + k, n - k + 1);
}

/* What a card's TEL types make it: 0 a mobile, 1 another phone, 2 never. */
static int
tel_rank(const char *params)
{
	char	 p[512], *q;

	snprintf(p, sizeof p, "%s", params);
	for (q = p; *q != '\0'; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	if (strstr(p, "fax") != NULL || strstr(p, "pager") != NULL ||
	    strstr(p, "tlx") != NULL || strstr(p, "telex") != NULL)
		return 2;
	if (strstr(p, "cell") != NULL || strstr(p, "mobile") != NULL ||
	    strstr(p, "iphone") != NULL)
		return 0;
	return 1;
}

static void
card_reset(struct vcard_reader *r, struct vcard *card)
{
	r->first[0] = r->last[0] = r->fn[0] = r->cats[0] = r->tel[0] = '\0';
	r->telrank = 9;
	r->ntel = 0;
	card->version[0] = '\0';
	card->line = r->llno;
}

/* One property of the card: NAME (group dropped), PARAMS, VALUE. */
static void
property(struct vcard_reader *r, struct vcard *card, const char *name,
    const char *params, char *value, size_t vlen)
{
	char		 buf[VCARD_FIELD], part[VCARD_FIELD];
	char		 given[VCARD_FIELD], extra[VCARD_FIELD];
	const char	*p, *v;
	int		 utf8 = 1, rank;
	size_t		 k;

	/* CHARSET names the bytes quoted-printable encodes; a plain value
	 * went through the file's decoding and is UTF-8 already. */
	if (strcasestr(params, "QUOTED-PRINTABLE") != NULL) {
		vlen = qp_decode(value, vlen);
		if ((p = strcasestr(params, "CHARSET=")) != NULL &&
		    strncasecmp(p + 8, "UTF-8", 5) != 0 &&
		    strncasecmp(p + 8, "UTF8", 4) != 0)
			utf8 = 0;
	}
	if (strcasecmp(name, "VERSION") == 0) {
		snprintf(card->version, sizeof card->version, "%.7s", value);
		trim(card->version);
	} else if (strcasecmp(name, "N") == 0) {
		to_utf8(value, vlen, utf8, buf, sizeof buf);
		p = component(buf, ';', r->last, sizeof r->last);
		given[0] = extra[0] = '\0';
		if (p != NULL)
			p = component(p, ';', given, sizeof given);
		if (p != NULL)
			component(p, ';', extra, sizeof extra);
		trim(r->last);
		trim(given);
		trim(extra);
		if (extra[0] != '\0')
			snprintf(r->first, sizeof r->first, "%.500s %.500s",
			    given, extra);
		else
			snprintf(r->first, sizeof r->first, "%s", given);
	} else if (strcasecmp(name, "FN") == 0) {
		to_utf8(value, vlen, utf8, buf, sizeof buf);
		component(buf, '\0', r->fn, sizeof r->fn);
		trim(r->fn);
	} else if (strcasecmp(name, "CATEGORIES") == 0) {
		to_utf8(value, vlen, utf8, buf, sizeof buf);
		for (p = buf; p != NULL;) {
			p = component(p, ',', part, sizeof part);
			layout_add_category(r->cats, sizeof r->cats, part,
			    strlen(part));
		}
	} else if (strcasecmp(name, "TEL") == 0) {
		if ((rank = tel_rank(params)) == 2)
			return;
		v = value;
		while (*v == ' ')
			v++;
		if (strncasecmp(v, "tel:", 4) == 0) {
			v += 4;
			/* tel:+228...;ext=12: the parameters are not digits */
			if ((p = strchr(v, ';')) != NULL)
				value[p - value] = '\0';
		}
		to_utf8(v, strlen(v), utf8, buf, sizeof buf);
		component(buf, '\0', part, sizeof part);
		trim(part);
		if (part[0] == '\0')
			return;
		r->ntel++;
		if (rank < r->telrank) {
			k = layout_first_number(part, strlen(part), &r->ntel);
			part[k] = '\0';
			snprintf(r->tel, sizeof r->tel, "%s", part);
			r->telrank = rank;
		} else
			layout_first_number(part, strlen(part), &r->ntel);
	}
}

/* Split the logical line into name, parameters and value. */
static void
parse_line(struct vcard_reader *r, struct vcard *card)
{
	char	*l = r->ll, *colon = NULL, *semi = NULL, *dot, *name;
	char	*params = (char *)"";
	int	 inq = 0;
	size_t	 i;

	for (i = 0; i < r->nll; i++) {
		if (l[i] == '"')
			inq = !inq;
		else if (!inq && l[i] == ';' && semi == NULL && colon == NULL)
			semi = l + i;
		else if (!inq && l[i] == ':') {
			colon = l + i;
			break;
		}
	}
	if (colon == NULL)
		return;
	*colon = '\0';
	if (semi != NULL) {
		*semi = '\0';
		params = semi + 1;
	}
	name = l;
	if ((dot = strrchr(name, '.')) != NULL)
		name = dot + 1;
	property(r, card, name, params, colon + 1,
	    r->nll - (size_t)(colon + 1 - l));
}

/* Finish the card into CARD->row. */
static void
card_done(struct vcard_reader *r, struct vcard *card)
{
	struct lrow	*row = &card->row;

	if (r->first[0] == '\0' && r->last[0] == '\0' && r->fn[0] != '\0')
		layout_split_name(r->fn, r->first, r->last, sizeof r->first);
	if (layout_is_number(r->first) || layout_is_number(r->last))
		r->first[0] = r->last[0] = '\0';
	memset(row, 0, sizeof *row);
	row->phone = r->tel;
	row->lphone = strlen(r->tel);
	row->first = r->first;
	row->lfirst = strlen(r->first);
	row->last = r->last;
	row->llast = strlen(r->last);
	row->cats = r->cats;
	row->lcats = strlen(r->cats);
	row->others = r->ntel > 0 ? r->ntel - 1 : 0;
}

int
vcard_next(struct vcard_reader *r, struct vcard *card)
{
	int	 rc, in = 0;

	if (r->begin) {
		r->begin = 0;
		in = 1;
		card_reset(r, card);
		card->line = r->beginno;
	}
	for (;;) {
		if ((rc = logical(r)) == -1) {
			errno = r->failed;
			return -1;
		}
		if (rc == 0) {
			if (!in)
				return 0;
			card_done(r, card);
			return 1;
		}
		if (strncasecmp(r->ll, "BEGIN:VCARD", 11) == 0) {
			if (in) {
				/* No END: this card ends here, the next
				 * starts. */
				card_done(r, card);
				r->begin = 1;
				r->beginno = r->llno;
				return 1;
			}
			in = 1;
			card_reset(r, card);
			continue;
		}
		if (!in)
			continue;
		if (strncasecmp(r->ll, "END:VCARD", 9) == 0) {
			card_done(r, card);
			return 1;
		}
		parse_line(r, card);
	}
}
