#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "text.h"
#include "xmalloc.h"

/* Decode one UTF-8 sequence; returns its length, or 0 if invalid. */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	 c;
	size_t		 n, i;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		c &= 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
text_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 n;

	while (len > 0) {
		if (*p == 0 || (n = utf8_decode(p, len, &cp)) == 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

static int
is_bidi(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f;
}

char *
text_sanitize(const char *in)
{
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 len = strlen(in), n, off = 0;
	char			*out;
	uint32_t		 cp;

	/* Worst case: every byte becomes "\xNN" (4) or "\uNNNN" (6 per 2). */
	out = xmalloc(len * 4 + 1);
	while (len > 0) {
		n = utf8_decode(p, len, &cp);
		if (n == 0) {
			off += (size_t)sprintf(out + off, "\\x%02X", *p);
			p++;
			len--;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f) {
			if (cp == '\t') {
				out[off++] = ' ';
			} else {
				out[off++] = '^';
				out[off++] = (char)(cp == 0x7f ? '?' : cp + '@');
			}
		} else if ((cp >= 0x80 && cp <= 0x9f) || is_bidi(cp))
			off += (size_t)sprintf(out + off, "\\u%04X", cp);
		else {
			memcpy(out + off, p, n);
			off += n;
		}
		p += n;
		len -= n;
	}
	out[off] = '\0';
	return out;
}

/* Latin-1 supplement letters without their accents, U+00C0 to U+00FF. */
static const char latin1_base[] =
    "aaaaaaaceeeeiiiidnooooo*ouuuuyts"
    "aaaaaaaceeeeiiiidnooooo/ouuuuyty";

void
text_fold(const char *in, char *out, size_t outlen)
{
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 len = strlen(in), n, off = 0;
	uint32_t		 cp;

	if (outlen == 0)
		return;
	while (len > 0 && off + 1 < outlen) {
		n = utf8_decode(p, len, &cp);
		if (n == 0) {
			p++;
			len--;
			continue;
		}
		p += n;
		len -= n;
		if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' ||
		    cp == 0xa0)
			continue;
		if (cp >= 'A' && cp <= 'Z')
			out[off++] = (char)(cp - 'A' + 'a');
		else if (cp < 0x80)
			out[off++] = (char)cp;
		else if (cp >= 0xc0 && cp <= 0xff)
			out[off++] = latin1_base[cp - 0xc0];
		else if (cp == 0x152 || cp == 0x153) {
			out[off++] = 'o';
			if (off + 1 < outlen)
				out[off++] = 'e';
		}
	}
	out[off] = '\0';
}

int
text_columns(const char *s)
{
	mbstate_t	 ps;
	wchar_t		 wc;
	size_t		 n;
	int		 cols = 0, w;

	memset(&ps, 0, sizeof ps);
	while (*s != '\0') {
		n = mbrtowc(&wc, s, MB_CUR_MAX, &ps);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			/* Not this locale's text: a character a column. */
			memset(&ps, 0, sizeof ps);
			s++;
			while ((*s & 0xc0) == 0x80)
				s++;
			cols++;
			continue;
		}
		s += n;
		if ((w = wcwidth(wc)) > 0)
			cols += w;
	}
	return cols;
}

/*
 * Bytes of S that fit in COLS columns, ending after a space when the
 * whole does not fit and a space is there to break at.
 */
size_t
text_fit(const char *s, int cols)
{
	mbstate_t	 ps;
	wchar_t		 wc;
	size_t		 n, off = 0, space = 0;
	int		 w = 0, cw;

	memset(&ps, 0, sizeof ps);
	while (s[off] != '\0') {
		n = mbrtowc(&wc, s + off, MB_CUR_MAX, &ps);
		if (n == (size_t)-1 || n == (size_t)-2) {
			memset(&ps, 0, sizeof ps);
			n = 1;
			wc = L'?';
		}
		if ((cw = wcwidth(wc)) < 0)
			cw = 1;
		if (w + cw > cols)
			break;
		w += cw;
		off += n;
		if (wc == L' ')
			space = off;
	}
	return s[off] != '\0' && space > 0 ? space : off;
}

char *
text_lower(char *s)
{
	unsigned char	*p = (unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
		else if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0x9e &&
		    p[1] != 0x97)		/* U+00C0..U+00DE but U+00D7 */
			*++p += 0x20;
		else if (p[0] == 0xc5 && p[1] == 0x92)	/* Œ -> œ */
			*++p = 0x93;
		else if (p[0] == 0xc5 && p[1] == 0xb8) {	/* Ÿ -> ÿ */
			*p++ = 0xc3;
			*p = 0xbf;
		}
	}
	return s;
}

long
text_utf8_invalid_at(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 n, off = 0;

	while (off < len) {
		if (p[off] == 0 || (n = utf8_decode(p + off, len - off,
		    &cp)) == 0)
			return (long)off;
		off += n;
	}
	return -1;
}

/* A growing output string. */
struct tbuf {
	char	*s;
	size_t	 len, size;
};

static void
tbuf_add(struct tbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->size);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* One placeholder as written in a text. */
struct tph {
	const char	*start;		/* its "{{" */
	size_t		 len;		/* through its "}}" */
	const char	*name;
	size_t		 namelen;
	const char	*fallback;	/* NULL: none */
	size_t		 fblen;
	int		 valid;		/* the name is [A-Za-z0-9_]+ */
};

static const char *
trim_span(const char *s, const char *e, size_t *len)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*len = (size_t)(e - s);
	return s;
}

/*
 * Parse the placeholder opening at P ("{{"): 1 with PH filled, 0 when no
 * "}}" closes it on its line.
 */
static int
tph_parse(const char *p, struct tph *ph)
{
	const char	*q, *bar;
	size_t		 i;

	memset(ph, 0, sizeof *ph);
	ph->start = p;
	for (q = p + 2; *q != '\0' && *q != '\n'; q++)
		if (q[0] == '}' && q[1] == '}')
			break;
	if (*q != '}')
		return 0;
	ph->len = (size_t)(q + 2 - p);
	if ((bar = memchr(p + 2, '|', (size_t)(q - p - 2))) == NULL)
		bar = q;
	else
		ph->fallback = trim_span(bar + 1, q, &ph->fblen);
	ph->name = trim_span(p + 2, bar, &ph->namelen);
	ph->valid = ph->namelen > 0;
	for (i = 0; i < ph->namelen; i++) {
		unsigned char c = (unsigned char)ph->name[i];

		if (!(c == '_' || (c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			ph->valid = 0;
	}
	return 1;
}

static const struct text_field *
tph_field(const struct tph *ph, const struct text_field *fields)
{
	if (!ph->valid)
		return NULL;
	for (; fields->name != NULL; fields++)
		if ((strlen(fields->name) == ph->namelen &&
		    memcmp(fields->name, ph->name, ph->namelen) == 0) ||
		    strcmp(fields->name, "*") == 0)
			return fields;
	return NULL;
}

/*
 * An empty value leaves no gap: "Bonjour {{first_name}}, offre" must not
 * read "Bonjour , offre". One rule an operator can predict: the
 * placeholder goes with the space before it, or at the start of a line
 * with the space after it.
 */
char *
text_render(const char *tmpl, const struct text_field *fields)
{
	struct tbuf			 b = { NULL, 0, 0 };
	const struct text_field		*f;
	struct tph			 ph;
	const char			*p = tmpl, *v;

	tbuf_add(&b, "", 0);
	while (*p != '\0') {
		if (p[0] != '{' || p[1] != '{' || !tph_parse(p, &ph) ||
		    (f = tph_field(&ph, fields)) == NULL) {
			tbuf_add(&b, p, 1);
			p++;
			continue;
		}
		p += ph.len;
		v = f->value;
		if (v != NULL && *v != '\0')
			tbuf_add(&b, v, strlen(v));
		else if (ph.fblen > 0)
			tbuf_add(&b, ph.fallback, ph.fblen);
		else if (b.len > 0 && b.s[b.len - 1] == ' ')
			b.s[--b.len] = '\0';
		else if ((b.len == 0 || b.s[b.len - 1] == '\n') && *p == ' ')
			p++;
	}
	return b.s;
}

int
text_placeholder_check(const char *tmpl, const char *const *names,
    char *bad, size_t badlen, size_t *off)
{
	struct tph	 ph;
	const char	*p, *nl;
	size_t		 i;
	int		 known;

	for (p = tmpl; (p = strstr(p, "{{")) != NULL; p += ph.len) {
		*off = (size_t)(p - tmpl);
		if (!tph_parse(p, &ph)) {
			nl = strchr(p, '\n');
			snprintf(bad, badlen, "%.*s", nl != NULL ?
			    (int)(nl - p) : (int)strlen(p), p);
			return 2;
		}
		known = 0;
		for (i = 0; ph.valid && names[i] != NULL; i++)
			if (strlen(names[i]) == ph.namelen &&
			    memcmp(names[i], ph.name, ph.namelen) == 0)
				known = 1;
		if (!known) {
			snprintf(bad, badlen, "%.*s", (int)ph.len, p);
			return 1;
		}
	}
	return 0;
}

void
text_placeholder_name(const char *s, char *out, size_t outlen)
{
	struct tph	 ph;

	if (strncmp(s, "{{", 2) != 0 || !tph_parse(s, &ph)) {
		snprintf(out, outlen, "%s", s);
		return;
	}
	snprintf(out, outlen, "%.*s", (int)ph.namelen, ph.name);
}

/* Levenshtein distance of A and B (short words). */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, prev, cur, up;
	size_t	 row[64];

	if (la >= sizeof row / sizeof row[0] || lb >= sizeof row / sizeof row[0])
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			cur = prev + (a[i - 1] != b[j - 1]);
			if (up + 1 < cur)
				cur = up + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			row[j] = cur;
			prev = up;
		}
	}
	return row[lb];
}

const char *
text_nearest(const char *word, const char *const *names)
{
	const char	*best = NULL;
	char		 fw[64], fn[64];
	size_t		 d, bestd = (size_t)-1, i;

	text_fold(word, fw, sizeof fw);
	for (i = 0; names[i] != NULL; i++) {
		text_fold(names[i], fn, sizeof fn);
		if ((d = edit_distance(fw, fn)) < bestd) {
			bestd = d;
			best = names[i];
		}
	}
	if (best == NULL || bestd * 3 > strlen(best))
		return NULL;
	return best;
}
