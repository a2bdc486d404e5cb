#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/*
 * The first byte picks the options: bits 0-1 the delimiter (detect , ; tab),
 * bit 2 tiny limits, bits 3-7 how reads are chunked. The rest is the CSV.
 * Records read without error are written back, and reading that again must
 * write the very same bytes.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct mem {
	const uint8_t	*data;
	size_t		 len;
	size_t		 pos;
	uint32_t	 rng;
};

static ssize_t
mem_read(void *arg, void *buf, size_t len)
{
	struct mem	*m = arg;
	size_t		 n, k;

	n = m->len - m->pos;
	if (n > len)
		n = len;
	if (m->rng != 0) {
		m->rng = m->rng * 1103515245 + 12345;
		k = 1 + (m->rng >> 16) % 13;
		if (n > k)
			n = k;
	}
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return n;
}

/* Read everything, check each record, append the good ones to out. */
static char
read_all(const uint8_t *data, size_t len, const struct csv_opts *opts,
    uint32_t rng, struct csv_buf *out)
{
	struct mem		 m = { data, len, 0, rng };
	struct csv_reader	*r;
	struct csv_record	 rec;
	size_t			 i, nrec = 0;
	size_t			 max_field = opts->max_field ? opts->max_field :
				    65536;
	size_t			 max_fields = opts->max_fields ?
				    opts->max_fields : 256;
	char			 delim;
	int			 rv;

	r = csv_reader_new(mem_read, &m, opts);
	while ((rv = csv_next(r, &rec)) == 1) {
		if (++nrec > len || rec.nfields == 0 ||
		    rec.nfields > max_fields || rec.line == 0)
			abort();
		for (i = 0; i < rec.nfields; i++) {
			if (rec.lens[i] > max_field ||
			    strlen(rec.fields[i]) != rec.lens[i])
				abort();
		}
		if (csv_reader_capacity(r) > 64 * 1024 * 1024)
			abort();
		if (rec.error == NULL)
			csv_buf_append_record(out, csv_delim(r),
			    (const char *const *)rec.fields, rec.nfields);
	}
	if (rv != 0 || csv_bytes(r) != len || csv_next(r, &rec) != 0)
		abort();
	delim = csv_delim(r);
	if (delim != ',' && delim != ';' && delim != '\t')
		abort();
	csv_reader_free(r);
	return delim;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	 delims[] = { 0, ',', ';', '\t' };
	struct csv_opts		 opts = { 0, 0, 0, 0 }, opts2;
	struct csv_buf		 a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	uint8_t			 cfg;

	if (size == 0)
		return 0;
	cfg = data[0];
	data++;
	size--;
	opts.delim = delims[cfg & 3];
	if (cfg & 4) {
		opts.max_field = 8;
		opts.max_fields = 4;
	}

	opts2 = opts;
	opts2.delim = read_all(data, size, &opts, cfg >> 3, &a);
	if (a.len > 0) {
		read_all((const uint8_t *)a.data, a.len, &opts2, cfg >> 3, &b);
		if (b.len != a.len || memcmp(a.data, b.data, a.len) != 0)
			abort();
	}
	csv_buf_free(&a);
	csv_buf_free(&b);
	return 0;
}
