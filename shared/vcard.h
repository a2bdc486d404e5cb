#ifndef VCARD_H
#define VCARD_H

#include <sys/types.h>

#include <stddef.h>

#include "layout.h"

/*
 * A streaming vCard 2.1, 3.0 and 4.0 reader (RFC 2425/2426, RFC 6350 and
 * the 2.1 spec Android still writes): lines unfolded, quoted-printable
 * values with their CHARSET (and its soft line breaks), group prefixes
 * ("item1.TEL"), TYPE in every spelling (TYPE=CELL, type=cell, bare CELL,
 * TYPE="cell,voice"), tel: URIs, escapes. Each card gives one contact:
 * its first mobile number (else its first number; never fax, pager or
 * telex), given and family names from N (FN split at its first space when
 * N is empty), categories from CATEGORIES. Memory is bounded: a logical
 * line longer than 64 KiB (a PHOTO) is cut, and PHOTO is never kept.
 */

struct vcard_reader;

typedef ssize_t (*vcard_read_fn)(void *arg, void *buf, size_t len);

struct vcard {
	unsigned long	 line;		/* of BEGIN:VCARD */
	char		 version[8];	/* "2.1", "3.0", "4.0" or "" */
	struct lrow	 row;		/* valid until the next vcard_next() */
};

struct vcard_reader	*vcard_reader_new(vcard_read_fn, void *);
/* 1: a card, 0: end of input, -1: read error (errno). */
int			 vcard_next(struct vcard_reader *, struct vcard *);
void			 vcard_reader_free(struct vcard_reader *);
/* 1 if TEXT (the start of a file) begins with BEGIN:VCARD. */
int			 vcard_sniff(const char *);

#endif
