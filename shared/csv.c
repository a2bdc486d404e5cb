#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "log.h"
#include "xmalloc.h"

#define CSV_RBUF_SIZE	65536
#define CSV_DATA_MIN	4096
#define CSV_DATA_KEEP	(1024 * 1024)	/* shrink back after a record this big */
#define CSV_FIELDS_MIN	16

/* Byte classes: which bytes stop the scan of a field's plain bytes. */
#define CSV_C_UNQUOTED	0x01	/* delimiter, CR, LF, NUL */
#define CSV_C_QUOTED	0x02	/* quote, CR, LF, NUL */

/* What ended a field. */
#define CSV_END_EOF	(-1)
#define CSV_END_ERR	(-2)
#define CSV_END_LONG	(-3)	/* the record passed max_record */

/* Bytes of an overlong record skipped per call before csv_next() yields. */
#define CSV_SKIP_SLICE	(4 * 1024 * 1024)

struct csv_reader {
	csv_read_fn	 read;
	void		*arg;
	int		 fd;

	char		 delim;
	size_t		 max_field;
	size_t		 max_fields;
	size_t		 max_record;
	unsigned long	 rstart;	/* offset where the record began */
	int		 skipping;	/* the rest of an overlong record */
	unsigned char	 cls[256];
	int		 primed;
	int		 failed;	/* errno of a read error, then sticky */

	unsigned char	*rbuf;
	size_t		 rpos;
	size_t		 rend;
	int		 eof;
	unsigned long	 total;		/* bytes read from the callback */
	unsigned long	 line;		/* current physical line */
	int		 cr;		/* the last byte consumed was CR */

	/* The record being built; fields are stored back to back. */
	char		*data;
	size_t		 dlen;
	size_t		 dsize;
	size_t		*offs;
	size_t		*lens;
	char		**fields;
	size_t		 nfields;
	size_t		 fcap;

	/* The field being built. */
	size_t		 fstart;
	size_t		 flimit;
	int		 ftrunc;
	int		 fdrop;

	const char	*error;
	char		 errbuf[96];
};

static ssize_t
csv_fd_read(void *arg, void *buf, size_t len)
{
	struct csv_reader	*r = arg;

	return read(r->fd, buf, len);
}

struct csv_reader *
csv_reader_new(csv_read_fn fn, void *arg, const struct csv_opts *opts)
{
	struct csv_reader	*r;

	r = xcalloc(1, sizeof *r);
	r->read = fn;
	r->arg = arg;
	r->fd = -1;
	r->max_field = 65536;
	r->max_fields = 256;
	r->max_record = 1024 * 1024;
	if (opts != NULL) {
		if (opts->delim == '"' || opts->delim == '\r' ||
		    opts->delim == '\n')
			fatalx("%s: bad delimiter 0x%02x", __func__,
			    (unsigned char)opts->delim);
		r->delim = opts->delim;
		if (opts->max_field != 0)
			r->max_field = opts->max_field;
		if (opts->max_fields != 0)
			r->max_fields = opts->max_fields;
		if (opts->max_record != 0)
			r->max_record = opts->max_record;
	}
	r->rbuf = xmalloc(CSV_RBUF_SIZE);
	r->line = 1;
	r->dsize = CSV_DATA_MIN;
	r->data = xmalloc(r->dsize);
	r->fcap = CSV_FIELDS_MIN;
	r->offs = xreallocarray(NULL, r->fcap, sizeof *r->offs);
	r->lens = xreallocarray(NULL, r->fcap, sizeof *r->lens);
	r->fields = xreallocarray(NULL, r->fcap, sizeof *r->fields);
	return r;
}

struct csv_reader *
csv_reader_fd(int fd, const struct csv_opts *opts)
{
	struct csv_reader	*r;

	r = csv_reader_new(csv_fd_read, NULL, opts);
	r->arg = r;
	r->fd = fd;
	return r;
}

void
csv_reader_free(struct csv_reader *r)
{
	if (r == NULL)
		return;
	free(r->rbuf);
	free(r->data);
	free(r->offs);
	free(r->lens);
	free(r->fields);
	free(r);
}

char
csv_delim(const struct csv_reader *r)
{
	return r->delim;
}

unsigned long
csv_bytes(const struct csv_reader *r)
{
	return r->total - (r->rend - r->rpos);
}

/* Bytes held by the reader's buffers, to check that memory stays bounded. */
size_t
csv_reader_capacity(const struct csv_reader *r)
{
	return CSV_RBUF_SIZE + r->dsize + r->fcap *
	    (sizeof *r->offs + sizeof *r->lens + sizeof *r->fields);
}

/*
 * Read more input after the unconsumed bytes, moving them to the front.
 * Returns 1 if bytes were added, 0 at end of input, -1 on error.
 */
static int
csv_fill(struct csv_reader *r)
{
	size_t	 space;
	ssize_t	 n;

	if (r->eof)
		return 0;
	if (r->rpos > 0) {
		memmove(r->rbuf, r->rbuf + r->rpos, r->rend - r->rpos);
		r->rend -= r->rpos;
		r->rpos = 0;
	}
	space = CSV_RBUF_SIZE - r->rend;
	if (space == 0)
		fatalx("%s: buffer full", __func__);
	for (;;) {
		n = r->read(r->arg, r->rbuf + r->rend, space);
		if (n > 0)
			break;
		if (n == 0) {
			r->eof = 1;
			return 0;
		}
		if (errno == EINTR)
			continue;
		r->failed = errno != 0 ? errno : EIO;
		errno = r->failed;
		return -1;
	}
	if ((size_t)n > space)
		fatalx("%s: read callback returned %zd > %zu", __func__, n,
		    space);
	r->rend += n;
	r->total += n;
	return 1;
}

/*
 * Pick the most frequent of , ; and tab outside quotes in the first
 * non-empty line, reading until its end if the buffer has room. Ties go to
 * the earlier one in that list; none at all gives a comma.
 */
static int
csv_detect(struct csv_reader *r)
{
	static const char	 cand[] = { ',', ';', '\t' };
	size_t			 count[3] = { 0, 0, 0 };
	size_t			 i, off, best;
	int			 inq = 0, started = 0, c;

	i = r->rpos;
	for (;;) {
		if (i == r->rend) {
			if (r->eof || (r->rpos == 0 && r->rend == CSV_RBUF_SIZE))
				break;
			off = i - r->rpos;
			if (csv_fill(r) == -1)
				return -1;
			i = r->rpos + off;
			continue;
		}
		c = r->rbuf[i++];
		if (c == '"') {
			inq = !inq;
			started = 1;
		} else if (inq)
			continue;
		else if (c == '\r' || c == '\n') {
			if (started)
				break;
		} else {
			started = 1;
			if (c == ',')
				count[0]++;
			else if (c == ';')
				count[1]++;
			else if (c == '\t')
				count[2]++;
		}
	}
	best = 0;
	for (i = 1; i < 3; i++) {
		if (count[i] > count[best])
			best = i;
	}
	r->delim = cand[best];
	return 0;
}

/* Skip a UTF-8 BOM, settle the delimiter and build the byte classes. */
static int
csv_prime(struct csv_reader *r)
{
	while (r->rend - r->rpos < 3 && !r->eof) {
		if (csv_fill(r) == -1)
			return -1;
	}
	if (r->rend - r->rpos >= 3 &&
	    memcmp(r->rbuf + r->rpos, "\xef\xbb\xbf", 3) == 0)
		r->rpos += 3;
	if (r->delim == 0 && csv_detect(r) == -1)
		return -1;

	memset(r->cls, 0, sizeof r->cls);
	r->cls[(unsigned char)r->delim] |= CSV_C_UNQUOTED;
	r->cls['"'] |= CSV_C_QUOTED;
	r->cls['\r'] |= CSV_C_UNQUOTED | CSV_C_QUOTED;
	r->cls['\n'] |= CSV_C_UNQUOTED | CSV_C_QUOTED;
	r->cls['\0'] |= CSV_C_UNQUOTED | CSV_C_QUOTED;
	r->primed = 1;
	return 0;
}

/* Bytes handed out of the read buffer so far. */
static unsigned long
csv_consumed(const struct csv_reader *r)
{
	return r->total - (unsigned long)(r->rend - r->rpos);
}

/*
 * Pass over the rest of an overlong record, up to the next line end (quotes
 * are not followed: the record is lost anyway). 1 when done, 2 when
 * CSV_SKIP_SLICE bytes went by without one, 0 at the end, -1 on error.
 */
static int
csv_skip(struct csv_reader *r)
{
	const unsigned char	*p, *e;
	unsigned long		 start = csv_consumed(r);

	for (;;) {
		p = r->rbuf + r->rpos;
		e = r->rbuf + r->rend;
		while (p < e && *p != '\n' && *p != '\r')
			p++;
		r->rpos = p - r->rbuf;
		if (p < e) {
			r->skipping = 0;
			r->cr = 0;
			return 1;
		}
		if (csv_consumed(r) - start >= CSV_SKIP_SLICE)
			return 2;
		switch (csv_fill(r)) {
		case -1:
			return -1;
		case 0:
			r->skipping = 0;
			return 0;
		}
	}
}

/* Keep the first error of a record. */
static void
csv_error(struct csv_reader *r, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
csv_error(struct csv_reader *r, const char *fmt, ...)
{
	va_list	ap;

	if (r->error != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(r->errbuf, sizeof r->errbuf, fmt, ap);
	va_end(ap);
	r->error = r->errbuf;
}

/* Make room for n more bytes in the record buffer. */
static void
csv_reserve(struct csv_reader *r, size_t n)
{
	size_t	 size;

	if (r->dsize - r->dlen >= n)
		return;
	size = r->dsize;
	while (size - r->dlen < n)
		size *= 2;
	r->data = xrealloc(r->data, size);
	r->dsize = size;
}

/* Append bytes to the current field, truncating it at max_field. */
static void
csv_store(struct csv_reader *r, const unsigned char *s, size_t n)
{
	size_t	 flen = r->dlen - r->fstart;

	if (n > r->flimit - flen) {
		if (!r->fdrop)
			csv_error(r, "field %zu is longer than %zu bytes",
			    r->nfields + 1, r->max_field);
		r->ftrunc = 1;
		n = r->flimit - flen;
	}
	if (n == 0)
		return;
	csv_reserve(r, n + 1);
	memcpy(r->data + r->dlen, s, n);
	r->dlen += n;
}

/* Is this valid UTF-8: no overlongs, no surrogates, nothing past U+10FFFF. */
static int
csv_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		 i = 0, need;
	unsigned char	 c, lo, hi;

	while (i < len) {
		c = s[i++];
		if (c < 0x80)
			continue;
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
		if (len - i < need || s[i] < lo || s[i] > hi)
			return 0;
		for (i++, need--; need > 0; i++, need--) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		}
	}
	return 1;
}

/* Drop a UTF-8 sequence cut in half at the end of a truncated field. */
static void
csv_trim_utf8(struct csv_reader *r)
{
	const unsigned char	*s = (unsigned char *)r->data + r->fstart;
	size_t			 len = r->dlen - r->fstart, i, want;

	for (i = len; i > 0 && len - i < 4; i--) {
		if ((s[i - 1] & 0xc0) == 0x80)
			continue;
		if (s[i - 1] < 0x80)
			return;
		if (s[i - 1] >= 0xf0)
			want = 4;
		else if (s[i - 1] >= 0xe0)
			want = 3;
		else
			want = 2;
		if (len - (i - 1) < want)
			r->dlen = r->fstart + i - 1;
		return;
	}
}

/* Start a field; past max_fields its bytes are dropped. */
static void
csv_field_begin(struct csv_reader *r)
{
	r->fstart = r->dlen;
	r->ftrunc = 0;
	r->fdrop = r->nfields >= r->max_fields;
	if (r->fdrop) {
		csv_error(r, "more than %zu fields", r->max_fields);
		r->flimit = 0;
	} else
		r->flimit = r->max_field;
}

/* Finish a field: check it, terminate it and record where it lives. */
static void
csv_field_end(struct csv_reader *r, int hi)
{
	size_t	 n;

	if (r->fdrop) {
		r->dlen = r->fstart;
		return;
	}
	if (r->ftrunc)
		csv_trim_utf8(r);
	else if ((hi & 0x80) && !csv_utf8_valid((unsigned char *)r->data +
	    r->fstart, r->dlen - r->fstart))
		csv_error(r, "invalid UTF-8 in field %zu", r->nfields + 1);
	csv_reserve(r, 1);
	r->data[r->dlen++] = '\0';

	if (r->nfields == r->fcap) {
		n = r->fcap * 2;
		if (n > r->max_fields)
			n = r->max_fields;
		r->offs = xreallocarray(r->offs, n, sizeof *r->offs);
		r->lens = xreallocarray(r->lens, n, sizeof *r->lens);
		r->fields = xreallocarray(r->fields, n, sizeof *r->fields);
		r->fcap = n;
	}
	r->offs[r->nfields] = r->fstart;
	r->lens[r->nfields] = r->dlen - 1 - r->fstart;
	r->nfields++;
}

/*
 * Scan plain bytes of an unquoted field (or the tail after a closing quote)
 * into the current field. Returns the byte that ends it, left unconsumed:
 * the delimiter, CR or LF; or CSV_END_EOF or CSV_END_ERR.
 */
static int
csv_scan_unquoted(struct csv_reader *r, int *hi)
{
	const unsigned char	*cls = r->cls, *p, *e, *s;
	unsigned int		 h = 0;
	int			 c;

	for (;;) {
		s = p = r->rbuf + r->rpos;
		e = r->rbuf + r->rend;
		while (p < e && (cls[*p] & CSV_C_UNQUOTED) == 0)
			h |= *p++;
		if (p != s) {
			csv_store(r, s, p - s);
			r->rpos += p - s;
			r->cr = 0;
		}
		if (p == e) {
			if (csv_consumed(r) - r->rstart > r->max_record) {
				*hi |= h;
				return CSV_END_LONG;
			}
			switch (csv_fill(r)) {
			case -1:
				return CSV_END_ERR;
			case 0:
				*hi |= h;
				return CSV_END_EOF;
			}
			continue;
		}
		c = *p;
		if (c != '\0') {
			*hi |= h;
			return c;
		}
		csv_error(r, "NUL byte in field %zu", r->nfields + 1);
		r->rpos++;
		r->cr = 0;
	}
}

/*
 * Scan a quoted field, the opening quote already consumed. Returns like
 * csv_scan_unquoted(); text after the closing quote is appended.
 */
static int
csv_scan_quoted(struct csv_reader *r, int *hi)
{
	const unsigned char	*cls = r->cls, *p, *e, *s;
	unsigned int		 h = 0;
	int			 c;

	for (;;) {
		s = p = r->rbuf + r->rpos;
		e = r->rbuf + r->rend;
		while (p < e && (cls[*p] & CSV_C_QUOTED) == 0)
			h |= *p++;
		if (p != s) {
			csv_store(r, s, p - s);
			r->rpos += p - s;
			r->cr = 0;
		}
		if (p == e) {
			if (csv_consumed(r) - r->rstart > r->max_record) {
				*hi |= h;
				return CSV_END_LONG;
			}
			switch (csv_fill(r)) {
			case -1:
				return CSV_END_ERR;
			case 0:
				*hi |= h;
				csv_error(r, "unterminated quoted field");
				return CSV_END_EOF;
			}
			continue;
		}
		c = *p;
		r->rpos++;
		switch (c) {
		case '\r':
			csv_store(r, p, 1);
			r->line++;
			r->cr = 1;
			break;
		case '\n':
			csv_store(r, p, 1);
			if (!r->cr)
				r->line++;
			r->cr = 0;
			break;
		case '\0':
			csv_error(r, "NUL byte in field %zu", r->nfields + 1);
			r->cr = 0;
			break;
		case '"':
			r->cr = 0;
			if (r->rpos == r->rend) {
				switch (csv_fill(r)) {
				case -1:
					return CSV_END_ERR;
				case 0:
					*hi |= h;
					return CSV_END_EOF;
				}
			}
			c = r->rbuf[r->rpos];
			if (c == '"') {
				csv_store(r, r->rbuf + r->rpos, 1);
				r->rpos++;
				break;
			}
			*hi |= h;
			if (c == (unsigned char)r->delim || c == '\r' ||
			    c == '\n')
				return c;
			return csv_scan_unquoted(r, hi);
		}
	}
}

int
csv_next(struct csv_reader *r, struct csv_record *rec)
{
	size_t	 i;
	int	 c, hi;

	if (r->failed) {
		errno = r->failed;
		return -1;
	}
	if (!r->primed && csv_prime(r) == -1)
		return -1;
	if (r->skipping && (c = csv_skip(r)) != 1)
		return c;

	r->dlen = 0;
	r->nfields = 0;
	r->error = NULL;
	if (r->dsize > CSV_DATA_KEEP) {
		free(r->data);
		r->dsize = CSV_DATA_MIN;
		r->data = xmalloc(r->dsize);
	}

	/* Skip empty lines; a CR LF pair is one line end. */
	for (;;) {
		if (r->rpos == r->rend) {
			switch (csv_fill(r)) {
			case -1:
				return -1;
			case 0:
				return 0;
			}
		}
		c = r->rbuf[r->rpos];
		if (c == '\n') {
			if (!r->cr)
				r->line++;
			r->cr = 0;
		} else if (c == '\r') {
			r->line++;
			r->cr = 1;
		} else
			break;
		r->rpos++;
	}
	rec->line = r->line;
	r->rstart = csv_consumed(r);

	for (;;) {
		csv_field_begin(r);
		hi = 0;
		if (r->rpos == r->rend) {
			switch (csv_fill(r)) {
			case -1:
				return -1;
			case 0:
				csv_field_end(r, 0);
				goto done;
			}
		}
		if (r->rbuf[r->rpos] == '"') {
			r->rpos++;
			r->cr = 0;
			c = csv_scan_quoted(r, &hi);
		} else
			c = csv_scan_unquoted(r, &hi);
		if (c == CSV_END_ERR) {
			errno = r->failed;
			return -1;
		}
		if (c == CSV_END_LONG) {
			/* This error says more than a field's: it wins. */
			r->error = NULL;
			csv_error(r, "record longer than %zu bytes; the rest "
			    "of the line is skipped", r->max_record);
			csv_field_end(r, hi);
			r->skipping = 1;
			break;
		}
		csv_field_end(r, hi);
		if (c == CSV_END_EOF)
			break;
		r->rpos++;
		if (c == '\r') {
			r->line++;
			r->cr = 1;
			break;
		}
		if (c == '\n') {
			if (!r->cr)
				r->line++;
			r->cr = 0;
			break;
		}
		r->cr = 0;
	}

done:
	for (i = 0; i < r->nfields; i++)
		r->fields[i] = r->data + r->offs[i];
	rec->nfields = r->nfields;
	rec->fields = r->fields;
	rec->lens = r->lens;
	rec->error = r->error;
	return 1;
}

/* Does this field need quotes to survive a round trip? */
static int
csv_needs_quotes(const char *s, size_t len, char delim)
{
	size_t	 i;

	if (len == 0)
		return 0;
	if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
	    s[len - 1] == '\t')
		return 1;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		return 1;
	for (i = 0; i < len; i++) {
		if (s[i] == delim || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n')
			return 1;
	}
	return 0;
}

/* Make room for n more bytes and a NUL in a write buffer. */
static void
csv_buf_reserve(struct csv_buf *b, size_t n)
{
	size_t	 size;

	if (b->size - b->len > n)
		return;
	size = b->size == 0 ? 256 : b->size;
	while (size - b->len <= n) {
		if (size > SIZE_MAX / 2)
			fatalx("%s: too big", __func__);
		size *= 2;
	}
	b->data = xrealloc(b->data, size);
	b->size = size;
}

/*
 * Append one record ending in CR LF. A lone empty field is written as ""
 * so that the line is not mistaken for an empty one.
 */
void
csv_buf_append_record(struct csv_buf *b, char delim, const char *const *fields,
    size_t nfields)
{
	const char	*s;
	char		*d;
	size_t		 i, j, len;

	for (i = 0; i < nfields; i++) {
		s = fields[i];
		len = strlen(s);
		if (len > (SIZE_MAX - 8) / 2)
			fatalx("%s: field too big", __func__);
		csv_buf_reserve(b, 2 * len + 5);
		d = b->data + b->len;
		if (i > 0)
			*d++ = delim;
		if (csv_needs_quotes(s, len, delim) ||
		    (nfields == 1 && len == 0)) {
			*d++ = '"';
			for (j = 0; j < len; j++) {
				if (s[j] == '"')
					*d++ = '"';
				*d++ = s[j];
			}
			*d++ = '"';
		} else {
			memcpy(d, s, len);
			d += len;
		}
		b->len = d - b->data;
	}
	if (nfields == 0)
		return;
	csv_buf_reserve(b, 2);
	b->data[b->len++] = '\r';
	b->data[b->len++] = '\n';
	b->data[b->len] = '\0';
}

void
csv_buf_reset(struct csv_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
csv_buf_free(struct csv_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}
