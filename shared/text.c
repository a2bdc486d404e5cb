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
