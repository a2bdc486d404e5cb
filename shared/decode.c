#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "xmalloc.h"

#define DECODE_BUF	65536

struct decoder {
	decode_read_fn	 read;
	void		*arg;
	int		 fd;
	enum decode_enc	 enc;
	int		 sniffed;
	int		 eof;
	unsigned char	*rb;
	size_t		 rpos, rend;
	unsigned long	 total;
	char		 pend[4];	/* a character that did not fit */
	size_t		 npend, ppos;
	int		 ascii;		/* UTF-8 so far only by being ASCII */
};

/* Windows-1252's 0x80..0x9F; 0xFFFD where the code page has nothing. */
static const unsigned short cp1252_hi[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

unsigned
decode_cp1252(unsigned char c)
{
	if (c >= 0x80 && c < 0xa0)
		return cp1252_hi[c - 0x80];
	return c;
}

size_t
decode_put_utf8(unsigned cp, char *o)
{
	if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
		cp = 0xfffd;
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static ssize_t
decoder_fd_read(void *arg, void *buf, size_t len)
{
	struct decoder	*d = arg;

	return read(d->fd, buf, len);
}

struct decoder *
decoder_new(decode_read_fn fn, void *arg)
{
	struct decoder	*d = xcalloc(1, sizeof *d);

	d->read = fn;
	d->arg = arg;
	d->fd = -1;
	d->rb = xmalloc(DECODE_BUF);
	return d;
}

struct decoder *
decoder_fd(int fd)
{
	struct decoder	*d = decoder_new(decoder_fd_read, NULL);

	d->arg = d;
	d->fd = fd;
	return d;
}

void
decoder_free(struct decoder *d)
{
	if (d == NULL)
		return;
	free(d->rb);
	free(d);
}

/* Read more after the unconsumed bytes: 1 added, 0 at the end, -1 error. */
static int
decoder_fill(struct decoder *d)
{
	ssize_t	 n;

	if (d->eof)
		return 0;
	if (d->rpos > 0) {
		memmove(d->rb, d->rb + d->rpos, d->rend - d->rpos);
		d->rend -= d->rpos;
		d->rpos = 0;
	}
	for (;;) {
		n = d->read(d->arg, d->rb + d->rend, DECODE_BUF - d->rend);
		if (n > 0)
			break;
		if (n == 0) {
			d->eof = 1;
			return 0;
		}
		if (errno != EINTR)
			return -1;
	}
	d->rend += (size_t)n;
	d->total += (unsigned long)n;
	return 1;
}

/* Valid UTF-8 (NUL allowed), a sequence cut by the end of S allowed if
 * !COMPLETE. */
static int
utf8_ok(const unsigned char *s, size_t len, int complete)
{
	size_t		 i = 0, j, need, k;
	unsigned char	 c, lo, hi;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		for (k = 1, j = i + 1; k <= need; k++, j++) {
			/* vCard folding may cut a character in two. */
			if (j + 1 < len && s[j] == '\r' && s[j + 1] == '\n')
				j++;
			if (j + 1 < len && s[j] == '\n' &&
			    (s[j + 1] == ' ' || s[j + 1] == '\t'))
				j += 2;
			if (j >= len)
				return !complete;
			if (s[j] < (k == 1 ? lo : 0x80) ||
			    s[j] > (k == 1 ? hi : 0xbf))
				return 0;
		}
		i = j;
	}
	return 1;
}

/* ASCII text in UTF-16 without a BOM: the high byte of nearly every unit
 * among the first 256 is NUL (three in four: accents and € are not).
 * ODD: 1 for little endian. */
static int
utf16_ascii(const unsigned char *s, size_t len, int odd)
{
	size_t	 i, units = 0, hits = 0;

	for (i = 0; i + 1 < len && units < 256; i += 2, units++)
		if (s[i + (size_t)odd] == 0 && s[i + (size_t)!odd] != 0)
			hits++;
	return units >= 4 && hits * 4 >= units * 3;
}

int
decoder_sniff(struct decoder *d)
{
	unsigned char	*s;
	size_t		 n, i;
	int		 rc;

	if (d->sniffed)
		return 0;
	while (d->rend < DECODE_BUF && (rc = decoder_fill(d)) != 0)
		if (rc == -1)
			return -1;
	d->sniffed = 1;
	s = d->rb;
	n = d->rend;
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		d->enc = DECODE_UTF8_BOM;
		d->rpos = 3;
	} else if (n >= 2 && s[0] == 0xff && s[1] == 0xfe) {
		d->enc = DECODE_UTF16LE;
		d->rpos = 2;
	} else if (n >= 2 && s[0] == 0xfe && s[1] == 0xff) {
		d->enc = DECODE_UTF16BE;
		d->rpos = 2;
	} else if (utf16_ascii(s, n, 1))
		d->enc = DECODE_UTF16LE;
	else if (utf16_ascii(s, n, 0))
		d->enc = DECODE_UTF16BE;
	else if (utf8_ok(s, n, d->eof)) {
		d->enc = DECODE_UTF8;
		d->ascii = 1;
		for (i = 0; i < n && d->ascii; i++)
			if (s[i] >= 0x80)
				d->ascii = 0;
	} else
		d->enc = DECODE_CP1252;
	return 0;
}

enum decode_enc
decoder_enc(const struct decoder *d)
{
	return d->enc;
}

const char *
decoder_name(const struct decoder *d)
{
	switch (d->enc) {
	case DECODE_UTF8:
		return "UTF-8";
	case DECODE_UTF8_BOM:
		return "UTF-8 with BOM";
	case DECODE_UTF16LE:
		return "UTF-16LE";
	case DECODE_UTF16BE:
		return "UTF-16BE";
	case DECODE_CP1252:
		return "Windows-1252";
	}
	return "?";
}

unsigned long
decoder_bytes(const struct decoder *d)
{
	return d->total - (d->rend - d->rpos);
}

/*
 * One character from IN (AVAIL bytes) into *CP: the bytes it took, or 0 if
 * it needs more input than AVAIL and EOF is not reached.
 */
static size_t
decode_one(enum decode_enc enc, const unsigned char *in, size_t avail,
    int eof, unsigned *cp)
{
	unsigned	 u, v;
	int		 be = enc == DECODE_UTF16BE;

	if (enc == DECODE_CP1252) {
		*cp = decode_cp1252(in[0]);
		return 1;
	}
	if (avail < 2) {
		if (!eof)
			return 0;
		*cp = 0xfffd;
		return avail;
	}
	u = be ? (unsigned)in[0] << 8 | in[1] : (unsigned)in[1] << 8 | in[0];
	if (u >= 0xdc00 && u < 0xe000) {
		*cp = 0xfffd;
		return 2;
	}
	if (u < 0xd800 || u >= 0xe000) {
		*cp = u;
		return 2;
	}
	if (avail < 4) {
		if (!eof)
			return 0;
		*cp = 0xfffd;
		return 2;
	}
	v = be ? (unsigned)in[2] << 8 | in[3] : (unsigned)in[3] << 8 | in[2];
	if (v < 0xdc00 || v >= 0xe000) {
		*cp = 0xfffd;
		return 2;
	}
	*cp = 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
	return 4;
}

/* Decode from the buffer into OUT (room LEN); bytes written. */
static size_t
decode_buf(struct decoder *d, char *out, size_t len)
{
	size_t		 n = 0, used;
	unsigned	 cp;
	char		 tmp[4];
	size_t		 k;

	while (n < len && d->rpos < d->rend) {
		used = decode_one(d->enc, d->rb + d->rpos, d->rend - d->rpos,
		    d->eof, &cp);
		if (used == 0)
			break;
		d->rpos += used;
		if (cp < 0x80) {
			out[n++] = (char)cp;
			continue;
		}
		k = decode_put_utf8(cp, tmp);
		if (len - n >= k) {
			memcpy(out + n, tmp, k);
			n += k;
		} else {
			memcpy(out + n, tmp, len - n);
			memcpy(d->pend, tmp + (len - n), k - (len - n));
			d->npend = k - (len - n);
			d->ppos = 0;
			n = len;
		}
	}
	return n;
}

/*
 * A file whose first 64 KiB were ASCII is UTF-8 only until its first other
 * byte says otherwise (a long Excel file whose first accent comes late):
 * serve ASCII from the buffer and, at the first byte above 0x7F, decide
 * for good: a valid UTF-8 sequence keeps UTF-8, anything else turns the
 * rest of the file to Windows-1252 (the bytes before were the same in
 * both). Returns bytes served, -1 on error, or 0 once decided (the caller
 * goes on in the encoding chosen).
 */
static int
ascii_read(struct decoder *d, char *out, size_t len)
{
	size_t	 j, k;
	int	 rc;

	for (;;) {
		if (d->rpos == d->rend) {
			if ((rc = decoder_fill(d)) <= 0) {
				d->ascii = 0;
				return rc;
			}
		}
		for (j = d->rpos; j < d->rend && (unsigned char)d->rb[j] < 0x80;
		    j++)
			;
		if (j > d->rpos) {
			k = j - d->rpos < len ? j - d->rpos : len;
			memcpy(out, d->rb + d->rpos, k);
			d->rpos += k;
			return (int)k;
		}
		if (d->rend - d->rpos < 4 && !d->eof) {
			if ((rc = decoder_fill(d)) == -1)
				return -1;
			continue;
		}
		k = d->rend - d->rpos < 4 ? d->rend - d->rpos : 4;
		if (!utf8_ok(d->rb + d->rpos, k, k < 4))
			d->enc = DECODE_CP1252;
		d->ascii = 0;
		return 0;
	}
}

ssize_t
decoder_read(void *arg, void *buf, size_t len)
{
	struct decoder	*d = arg;
	char		*out = buf;
	size_t		 n = 0, k;
	ssize_t		 got;
	int		 rc;

	if (len == 0)
		return 0;
	if (!d->sniffed && decoder_sniff(d) == -1)
		return -1;
	if (d->npend > 0) {
		k = d->npend - d->ppos < len ? d->npend - d->ppos : len;
		memcpy(out, d->pend + d->ppos, k);
		d->ppos += k;
		if (d->ppos == d->npend)
			d->npend = d->ppos = 0;
		return (ssize_t)k;
	}
	if (d->ascii && (rc = ascii_read(d, out, len)) != 0)
		return rc;
	if (d->enc == DECODE_UTF8 || d->enc == DECODE_UTF8_BOM) {
		if (d->rpos < d->rend) {
			k = d->rend - d->rpos < len ? d->rend - d->rpos : len;
			memcpy(out, d->rb + d->rpos, k);
			d->rpos += k;
			return (ssize_t)k;
		}
		if (d->eof)
			return 0;
		/* The rest passes straight through. */
		do
			got = d->read(d->arg, buf, len);
		while (got == -1 && errno == EINTR);
		if (got > 0)
			d->total += (unsigned long)got;
		return got;
	}
	for (;;) {
		n = decode_buf(d, out, len);
		if (n > 0)
			return (ssize_t)n;
		if ((rc = decoder_fill(d)) == -1)
			return -1;
		if (rc == 0 && d->rpos == d->rend)
			return 0;
	}
}

size_t
decoder_peek(struct decoder *d, char *out, size_t len)
{
	size_t		 save = d->rpos, n;
	char		 pend[4];
	size_t		 np = d->npend, pp = d->ppos;

	if (len == 0)
		return 0;
	if (d->enc == DECODE_UTF8 || d->enc == DECODE_UTF8_BOM) {
		n = d->rend - d->rpos < len - 1 ? d->rend - d->rpos : len - 1;
		memcpy(out, d->rb + d->rpos, n);
	} else {
		memcpy(pend, d->pend, sizeof pend);
		n = decode_buf(d, out, len - 1);
		d->rpos = save;
		memcpy(d->pend, pend, sizeof pend);
		d->npend = np;
		d->ppos = pp;
	}
	out[n] = '\0';
	return n;
}
