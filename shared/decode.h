#ifndef DECODE_H
#define DECODE_H

#include <sys/types.h>

#include <stddef.h>

/*
 * Turn a file as operators have it into UTF-8, streaming: UTF-16LE or BE
 * when it starts with their byte order mark (or, without one, when its
 * first lines are ASCII with every other byte NUL), UTF-8 with or without a
 * BOM, and anything else read as Windows-1252 (Excel's "CSV" in French and
 * most of Western Europe: not ISO-8859-1, since œ, € and – exist only in
 * 1252). The choice is made once from the first 64 KiB; a file that turns
 * invalid after them keeps its UTF-8 reading and the bad records are
 * rejected by the CSV reader. BOMs are dropped. Memory is one 64 KiB
 * buffer.
 */

enum decode_enc {
	DECODE_UTF8,
	DECODE_UTF8_BOM,
	DECODE_UTF16LE,
	DECODE_UTF16BE,
	DECODE_CP1252,
};

struct decoder;

/* Like read(2): >0 bytes, 0 at end of input, -1 on error with errno set. */
typedef ssize_t (*decode_read_fn)(void *arg, void *buf, size_t len);

/* Reads through FN(ARG); decides the encoding on the first read. */
struct decoder	*decoder_new(decode_read_fn, void *);
/* Reads FD with read(2); the caller keeps and closes FD. */
struct decoder	*decoder_fd(int);
/* Decide now (reads the first 64 KiB); 0, or -1 on a read error. */
int		 decoder_sniff(struct decoder *);
/* UTF-8 text: a decode_read_fn (and csv_read_fn) on a struct decoder. */
ssize_t		 decoder_read(void *, void *, size_t);
enum decode_enc	 decoder_enc(const struct decoder *);
/* "UTF-8", "UTF-8 with BOM", "UTF-16LE", "UTF-16BE", "Windows-1252". */
const char	*decoder_name(const struct decoder *);
/* Up to LEN-1 bytes of the decoded start, NUL-terminated, without consuming
 * them (after decoder_sniff). Returns the length. */
size_t		 decoder_peek(struct decoder *, char *, size_t);
/* Bytes of input consumed so far. */
unsigned long	 decoder_bytes(const struct decoder *);
void		 decoder_free(struct decoder *);

/* The Unicode code point of Windows-1252 byte C (U+FFFD for the five
 * undefined ones). */
unsigned	 decode_cp1252(unsigned char);
/* Append code point CP as UTF-8 to OUT; returns the bytes written (1-4). */
size_t		 decode_put_utf8(unsigned, char *);

#endif
