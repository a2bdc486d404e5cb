#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "vcard.h"

/*
 * The vCard reader behind the decoder, as the import runs it. The first
 * byte chunks the reads. Every card must give NUL-terminated strings of
 * the lengths it claims, a number cell no longer than the line limit, and
 * the reader must reach the end of any input.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct mem {
	const uint8_t	*data;
	size_t		 len, pos, chunk;
};

static ssize_t
mem_read(void *arg, void *buf, size_t len)
{
	struct mem	*m = arg;
	size_t		 n = m->len - m->pos;

	if (n > len)
		n = len;
	if (m->chunk != 0 && n > m->chunk)
		n = m->chunk;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct mem		 m;
	struct decoder		*d;
	struct vcard_reader	*r;
	struct vcard		 card;
	size_t			 cards = 0;
	int			 rc;

	if (len < 1)
		return 0;
	m.data = data + 1;
	m.len = len - 1;
	m.pos = 0;
	m.chunk = data[0] & 0x1f;
	d = decoder_new(mem_read, &m);
	r = vcard_reader_new(decoder_read, d);
	while ((rc = vcard_next(r, &card)) == 1) {
		if (strlen(card.row.phone) != card.row.lphone ||
		    strlen(card.row.first) != card.row.lfirst ||
		    strlen(card.row.last) != card.row.llast ||
		    strlen(card.row.cats) != card.row.lcats ||
		    card.row.others < 0)
			abort();
		if (++cards > len)
			abort();	/* a card per input byte at most */
	}
	if (rc != 0)
		abort();
	vcard_reader_free(r);
	decoder_free(d);
	return 0;
}
