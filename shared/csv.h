#ifndef CSV_H
#define CSV_H

#include <sys/types.h>

#include <stddef.h>

/*
 * A streaming RFC 4180 reader: one fixed read buffer and one record buffer
 * reused for every record, so memory follows the largest record seen (capped
 * by the limits below), never the size of the input.
 *
 * Leniencies: CRLF, LF and lone CR end lines; empty lines are skipped; a
 * quote inside an unquoted field is kept literally; text between a closing
 * quote and the next delimiter is appended to the field ("ab"cd -> abcd).
 * A bad record (too long, too many fields, invalid UTF-8, NUL byte,
 * unterminated quote) is returned with an error and the reader carries on
 * with the next one. A record longer than max_record is returned with its
 * error as soon as it passes the limit; the rest of it, up to the next line
 * end, is skipped a few MiB per call, so a file with no line end never holds
 * up the caller.
 */

struct csv_reader;

/* Like read(2): >0 bytes, 0 at end of input, -1 on error with errno set. */
typedef ssize_t (*csv_read_fn)(void *arg, void *buf, size_t len);

struct csv_opts {
	char	 delim;		/* 0: detect from the first record among , ; \t */
	size_t	 max_field;	/* bytes; 0 means 65536 */
	size_t	 max_fields;	/* per record; 0 means 256 */
	size_t	 max_record;	/* bytes; 0 means 1 MiB */
};

struct csv_record {
	size_t		 nfields;	/* at least 1 */
	char		**fields;	/* NUL-terminated, valid until csv_next() */
	size_t		*lens;
	unsigned long	 line;		/* physical line the record starts on */
	const char	*error;		/* NULL, or why this record is bad */
};

/* delim must not be '"', CR or LF. opts may be NULL. */
struct csv_reader *csv_reader_new(csv_read_fn, void *, const struct csv_opts *);
/* Reads fd with read(2); the caller keeps and closes fd. */
struct csv_reader *csv_reader_fd(int, const struct csv_opts *);
/*
 * 1: a record (check rec->error), 0: end of input, -1: read error (errno),
 * 2: no record yet (skipping an overlong one), call again;
 * after a read error every later call fails the same way.
 */
int		 csv_next(struct csv_reader *, struct csv_record *);
char		 csv_delim(const struct csv_reader *);
unsigned long	 csv_bytes(const struct csv_reader *);
size_t		 csv_reader_capacity(const struct csv_reader *);
void		 csv_reader_free(struct csv_reader *);

/*
 * Writing. Start from a zeroed struct csv_buf. data stays NUL-terminated
 * after the first append. A record with no fields appends nothing.
 */
struct csv_buf {
	char	*data;
	size_t	 len;
	size_t	 size;
};

void		 csv_buf_append_record(struct csv_buf *, char,
		    const char *const *, size_t);
void		 csv_buf_reset(struct csv_buf *);
void		 csv_buf_free(struct csv_buf *);

#endif
