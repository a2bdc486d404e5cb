#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "log.h"
#include "xmalloc.h"

#define NSEEDS	24

/* Input from memory, whole or in chunks of 1 to 7 bytes. */
struct mem {
	const char	*data;
	size_t		 len;
	size_t		 pos;
	uint64_t	 rng;		/* 0: as much as asked for */
};

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static ssize_t
mem_read(void *arg, void *buf, size_t len)
{
	struct mem	*m = arg;
	size_t		 n, k;

	n = m->len - m->pos;
	if (n > len)
		n = len;
	if (m->rng != 0) {
		k = 1 + rng_next(&m->rng) % 7;
		if (n > k)
			n = k;
	}
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return n;
}

/* Check what every record must satisfy, whatever the input. */
static void
check_record(const struct csv_record *rec, size_t max_fields,
    size_t max_field)
{
	size_t	 i;

	assert_true(rec->nfields >= 1);
	assert_true(rec->nfields <= max_fields);
	assert_true(rec->line >= 1);
	for (i = 0; i < rec->nfields; i++) {
		assert_true(rec->lens[i] <= max_field);
		assert_int_equal(strlen(rec->fields[i]), rec->lens[i]);
	}
}

/*
 * Read all of IN and describe it: one line per record, "LINE:[f1][f2]",
 * then "!error" if any. Also checks csv_bytes() at the end.
 */
static char *
dump(const char *in, size_t len, const struct csv_opts *opts, uint64_t seed,
    char *delim)
{
	struct mem		 m = { in, len, 0, seed };
	struct csv_reader	*r;
	struct csv_record	 rec;
	char			*out = NULL;
	size_t			 outlen = 0, i, nrec = 0;
	FILE			*f;
	int			 rv;

	r = csv_reader_new(mem_read, &m, opts);
	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	while ((rv = csv_next(r, &rec)) == 1) {
		check_record(&rec, opts != NULL && opts->max_fields ?
		    opts->max_fields : 256, opts != NULL && opts->max_field ?
		    opts->max_field : 65536);
		fprintf(f, "%lu:", rec.line);
		for (i = 0; i < rec.nfields; i++) {
			fputc('[', f);
			fwrite(rec.fields[i], 1, rec.lens[i], f);
			fputc(']', f);
		}
		if (rec.error != NULL)
			fprintf(f, "!%s", rec.error);
		fputc('\n', f);
		assert_true(++nrec <= len);
	}
	assert_int_equal(rv, 0);
	assert_int_equal(csv_bytes(r), len);
	assert_int_equal(csv_next(r, &rec), 0);
	if (delim != NULL)
		*delim = csv_delim(r);
	csv_reader_free(r);
	fclose(f);
	return out;
}

/* Read IN whole and in many chunkings; each must give EXPECT. */
static void
check(const char *in, size_t len, const struct csv_opts *opts,
    const char *expect, char expect_delim)
{
	char		*out, delim;
	uint64_t	 seed;

	for (seed = 0; seed <= NSEEDS; seed++) {
		out = dump(in, len, opts, seed * 0x9e3779b97f4a7c15ULL, &delim);
		assert_string_equal(out, expect);
		if (expect_delim != 0)
			assert_int_equal(delim, expect_delim);
		free(out);
	}
}

#define CHECK(in, expect) \
	check(in, sizeof(in) - 1, NULL, expect, 0)
#define CHECK_OPTS(in, opts, expect) \
	check(in, sizeof(in) - 1, opts, expect, 0)
#define CHECK_DELIM(in, expect, delim) \
	check(in, sizeof(in) - 1, NULL, expect, delim)

static void
test_bom(void **state)
{
	(void)state;
	CHECK_DELIM("\xef\xbb\xbfname,phone\r\nAda,+22890123456\r\n",
	    "1:[name][phone]\n2:[Ada][+22890123456]\n", ',');
	CHECK_DELIM("\xef\xbb\xbfname;phone\r\n", "1:[name][phone]\n", ';');
	CHECK("\xef\xbb\xbf", "");
	CHECK("\xef\xbb\xbf\r\n", "");
	CHECK("\xef\xbb\xbf\"q\"", "1:[q]\n");
	/* Only at the very start. */
	CHECK("a\n\xef\xbb\xbf" "b\n", "1:[a]\n2:[\xef\xbb\xbf" "b]\n");
	CHECK("\xef\xbb", "1:[\xef\xbb]!invalid UTF-8 in field 1\n");
}

static void
test_line_ends(void **state)
{
	(void)state;
	CHECK("a,b\r\nc,d\ne,f\rg,h",
	    "1:[a][b]\n2:[c][d]\n3:[e][f]\n4:[g][h]\n");
	CHECK("\r\n\r\na\n\n\nb\r\r\nc", "3:[a]\n6:[b]\n8:[c]\n");
	CHECK("a\r\r\r\nb\n\rc\r", "1:[a]\n4:[b]\n6:[c]\n");
	CHECK(",,\n,\n", "1:[][][]\n2:[][]\n");
	CHECK("a,\r\n", "1:[a][]\n");
	CHECK("a,", "1:[a][]\n");
	CHECK(" , \n", "1:[ ][ ]\n");
}

static void
test_detect(void **state)
{
	struct csv_opts	 opts = { ';', 0, 0, 0 };

	(void)state;

	CHECK_DELIM("name;phone;city\r\nAda;1;Lom\xc3\xa9\r\n",
	    "1:[name][phone][city]\n2:[Ada][1][Lom\xc3\xa9]\n", ';');
	CHECK_DELIM("name\tphone\ta,b\nAda\t1\tx;y\n",
	    "1:[name][phone][a,b]\n2:[Ada][1][x;y]\n", '\t');
	CHECK_DELIM("\"a,b,c,d\";x;y\n1;2;3\n",
	    "1:[a,b,c,d][x][y]\n2:[1][2][3]\n", ';');
	CHECK_DELIM("\n\r\na;b\n", "3:[a][b]\n", ';');
	CHECK_DELIM("name\nx,y,z\n", "1:[name]\n2:[x][y][z]\n", ',');
	CHECK_DELIM("a,b;c\n", "1:[a][b;c]\n", ',');
	CHECK_DELIM("a;b\tc\n", "1:[a][b\tc]\n", ';');
	CHECK_DELIM("", "", ',');
	CHECK_OPTS("a,b;c\n", &opts, "1:[a,b][c]\n");
}

static void
test_quoted_newlines(void **state)
{
	(void)state;
	CHECK("id,note\n1,\"line1\nline2\r\nline3\rline4\"\n2,x\n",
	    "1:[id][note]\n"
	    "2:[1][line1\nline2\r\nline3\rline4]\n"
	    "6:[2][x]\n");
	CHECK("\"\n\n\",\"\r\n\"\r\n\"x\"\r\n",
	    "1:[\n\n][\r\n]\n5:[x]\n");
	CHECK("\"a\r\"\nb\n", "1:[a\r]\n3:[b]\n");
}

static void
test_doubled_quotes(void **state)
{
	(void)state;
	CHECK("\"a\"\"b\",\"\"\"\",\"\",\"x,y\"\n",
	    "1:[a\"b][\"][][x,y]\n");
	CHECK("\"\"\n", "1:[]\n");
	CHECK("\"\"\"\"\"\"\n", "1:[\"\"]\n");
	/* Lenient: text after a closing quote is kept. */
	CHECK("\"ab\"cd,e\n", "1:[abcd][e]\n");
	CHECK("\"ab\"c\"d\",e\n", "1:[abc\"d\"][e]\n");
	/* A quote inside an unquoted field is literal. */
	CHECK("ab\"cd,e\"\n", "1:[ab\"cd][e\"]\n");
	CHECK(" \"a\",b\n", "1:[ \"a\"][b]\n");
}

static void
test_long_cell(void **state)
{
	struct mem		 m;
	struct csv_reader	*r;
	struct csv_record	 rec;
	char			*in;
	size_t			 len, i;
	uint64_t		 seed;

	(void)state;

	len = 100 * 1024;
	in = xmalloc(len + 64);
	memcpy(in, "a,", 2);
	memset(in + 2, 'x', len);
	memcpy(in + 2 + len, ",c\nnext,row\n", 12);
	len += 14;

	for (seed = 0; seed < 4; seed++) {
		m.data = in;
		m.len = len;
		m.pos = 0;
		m.rng = seed * 0x9e3779b97f4a7c15ULL;
		r = csv_reader_new(mem_read, &m, NULL);
		assert_int_equal(csv_next(r, &rec), 1);
		assert_non_null(rec.error);
		assert_string_equal(rec.error,
		    "field 2 is longer than 65536 bytes");
		assert_int_equal(rec.nfields, 3);
		assert_string_equal(rec.fields[0], "a");
		assert_int_equal(rec.lens[1], 65536);
		for (i = 0; i < rec.lens[1]; i++)
			assert_int_equal(rec.fields[1][i], 'x');
		assert_string_equal(rec.fields[2], "c");
		assert_true(csv_reader_capacity(r) < 1024 * 1024);

		assert_int_equal(csv_next(r, &rec), 1);
		assert_null(rec.error);
		assert_int_equal(rec.line, 2);
		assert_int_equal(rec.nfields, 2);
		assert_string_equal(rec.fields[0], "next");
		assert_string_equal(rec.fields[1], "row");
		assert_int_equal(csv_next(r, &rec), 0);
		csv_reader_free(r);
	}
	free(in);
}

/* A record over 1 MiB is allowed, but its buffer is not kept after it. */
static void
test_shrink(void **state)
{
	struct mem		 m;
	struct csv_reader	*r;
	struct csv_record	 rec;
	struct csv_opts		 opts = { 0, 0, 0, 4 * 1024 * 1024 };
	char			*in;
	size_t			 len = 0, i;

	(void)state;

	in = xmalloc(20 * 60001 + 16);
	for (i = 0; i < 20; i++) {
		memset(in + len, 'a' + i, 60000);
		len += 60000;
		in[len++] = i < 19 ? ',' : '\n';
	}
	memcpy(in + len, "x,y\n", 4);
	len += 4;
	m.data = in;
	m.len = len;
	m.pos = 0;
	m.rng = 0;
	r = csv_reader_new(mem_read, &m, &opts);
	assert_int_equal(csv_next(r, &rec), 1);
	assert_null(rec.error);
	assert_int_equal(rec.nfields, 20);
	assert_int_equal(rec.lens[19], 60000);
	assert_int_equal(rec.fields[19][59999], 't');
	assert_true(csv_reader_capacity(r) > 1024 * 1024);
	assert_int_equal(csv_next(r, &rec), 1);
	assert_int_equal(rec.nfields, 2);
	assert_int_equal(rec.line, 2);
	assert_true(csv_reader_capacity(r) < 128 * 1024);
	assert_int_equal(csv_next(r, &rec), 0);
	csv_reader_free(r);
	free(in);
}

static void
test_small_max_field(void **state)
{
	struct csv_opts	 opts = { 0, 4, 0, 0 };

	(void)state;

	/* The cut falls inside é: the half character goes too. */
	CHECK_OPTS("abc\xc3\xa9,x\nabcd,\"wxyz!\"\nok\n", &opts,
	    "1:[abc][x]!field 1 is longer than 4 bytes\n"
	    "2:[abcd][wxyz]!field 2 is longer than 4 bytes\n"
	    "3:[ok]\n");
	CHECK_OPTS("\xf0\x9f\x98\x80!\n\xf0\x9f\x98\x80\n", &opts,
	    "1:[\xf0\x9f\x98\x80]!field 1 is longer than 4 bytes\n"
	    "2:[\xf0\x9f\x98\x80]\n");
	CHECK_OPTS("a\xf0\x9f\x98\x80\n", &opts,
	    "1:[a]!field 1 is longer than 4 bytes\n");
}

static void
test_invalid_utf8(void **state)
{
	(void)state;
	CHECK("ok,caf\xc3\xa9,\xf0\x9f\x98\x80,\xef\xbf\xbf,\xf4\x8f\xbf\xbf\n"
	    "a,\xc0\x80\n"
	    "\xe0\x80\xaf\n"
	    "\xed\xa0\x80\n"
	    "\xf4\x90\x80\x80\n"
	    "\xf8\x88\x80\x80\x80\n"
	    "\x80\n"
	    "x,\"\xc3\"\n"
	    "\xc3\xa9\xc3\n"
	    "\xe2\x82z\n"
	    "\xff\n"
	    "after\n",
	    "1:[ok][caf\xc3\xa9][\xf0\x9f\x98\x80][\xef\xbf\xbf]"
	    "[\xf4\x8f\xbf\xbf]\n"
	    "2:[a][\xc0\x80]!invalid UTF-8 in field 2\n"
	    "3:[\xe0\x80\xaf]!invalid UTF-8 in field 1\n"
	    "4:[\xed\xa0\x80]!invalid UTF-8 in field 1\n"
	    "5:[\xf4\x90\x80\x80]!invalid UTF-8 in field 1\n"
	    "6:[\xf8\x88\x80\x80\x80]!invalid UTF-8 in field 1\n"
	    "7:[\x80]!invalid UTF-8 in field 1\n"
	    "8:[x][\xc3]!invalid UTF-8 in field 2\n"
	    "9:[\xc3\xa9\xc3]!invalid UTF-8 in field 1\n"
	    "10:[\xe2\x82z]!invalid UTF-8 in field 1\n"
	    "11:[\xff]!invalid UTF-8 in field 1\n"
	    "12:[after]\n");
}

static void
test_nul(void **state)
{
	(void)state;
	CHECK("a,b\0c\nd,\"e\0f\"\n\0\nok\n",
	    "1:[a][bc]!NUL byte in field 2\n"
	    "2:[d][ef]!NUL byte in field 2\n"
	    "3:[]!NUL byte in field 1\n"
	    "4:[ok]\n");
}

static void
test_empty(void **state)
{
	(void)state;
	CHECK("", "");
	CHECK("\n", "");
	CHECK("\r\n\r\n\r\r\n\n", "");
}

static void
test_header_only(void **state)
{
	(void)state;
	CHECK("name,phone", "1:[name][phone]\n");
	CHECK("name,phone\r\n", "1:[name][phone]\n");
	CHECK("name,phone\n\n\n", "1:[name][phone]\n");
}

static void
test_escape_verbatim(void **state)
{
	(void)state;
	CHECK("a,\x1b[31mred\x1b[0m,\"\x1b]0;t\x07\"\n",
	    "1:[a][\x1b[31mred\x1b[0m][\x1b]0;t\x07]\n");
}

static void
test_unterminated(void **state)
{
	(void)state;
	CHECK("a,\"bc\nd,e\n",
	    "1:[a][bc\nd,e\n]!unterminated quoted field\n");
	CHECK("x\n\"", "1:[x]\n2:[]!unterminated quoted field\n");
	CHECK("x\n\"\"\"", "1:[x]\n2:[\"]!unterminated quoted field\n");
}

static void
test_too_many_fields(void **state)
{
	struct csv_opts	 opts = { ',', 0, 3, 0 };
	char		 in[1024];
	char		*out;
	size_t		 i, len = 0;

	(void)state;

	CHECK_OPTS("a,b,c,d,e\nx,y\n", &opts,
	    "1:[a][b][c]!more than 3 fields\n2:[x][y]\n");
	CHECK_OPTS("a,b,c,\"d\ne\"\nx,y\n", &opts,
	    "1:[a][b][c]!more than 3 fields\n3:[x][y]\n");

	for (i = 0; i < 300; i++)
		len += snprintf(in + len, sizeof in - len, "%s%zu",
		    i > 0 ? "," : "", i % 10);
	in[len++] = '\n';
	out = dump(in, len, NULL, 7, NULL);
	assert_non_null(strstr(out, "!more than 256 fields\n"));
	assert_null(strstr(out, "[5][6]!"));
	assert_non_null(strstr(out, "[3][4][5]!"));
	free(out);
}

static ssize_t
fail_read(void *arg, void *buf, size_t len)
{
	int	*calls = arg;

	(void)len;

	if ((*calls)++ == 0) {
		memcpy(buf, "a,b\nc", 5);
		return 5;
	}
	errno = EIO;
	return -1;
}

static void
test_read_error(void **state)
{
	struct csv_reader	*r;
	struct csv_record	 rec;
	int			 calls = 0;

	(void)state;

	r = csv_reader_new(fail_read, &calls, NULL);
	assert_int_equal(csv_next(r, &rec), 1);
	assert_int_equal(rec.nfields, 2);
	errno = 0;
	assert_int_equal(csv_next(r, &rec), -1);
	assert_int_equal(errno, EIO);
	errno = 0;
	assert_int_equal(csv_next(r, &rec), -1);
	assert_int_equal(errno, EIO);
	csv_reader_free(r);

	calls = 1;
	r = csv_reader_new(fail_read, &calls, NULL);
	assert_int_equal(csv_next(r, &rec), -1);
	assert_int_equal(errno, EIO);
	csv_reader_free(r);
}

/* A stream of LEN 'a' bytes, then TAIL. */
struct flood {
	size_t		 left;
	const char	*tail;
	size_t		 tpos;
	size_t		 calls;
};

static ssize_t
flood_read(void *arg, void *buf, size_t len)
{
	struct flood	*f = arg;
	size_t		 n, t;

	f->calls++;
	if (f->left > 0) {
		n = len < f->left ? len : f->left;
		memset(buf, 'a', n);
		f->left -= n;
		return (ssize_t)n;
	}
	t = strlen(f->tail) - f->tpos;
	n = len < t ? len : t;
	memcpy(buf, f->tail + f->tpos, n);
	f->tpos += n;
	return (ssize_t)n;
}

/*
 * A record past max_record comes back at once with the limit named; the
 * rest of its line is skipped a few MiB per call, and the next line reads.
 */
static void
test_record_budget(void **state)
{
	struct csv_reader	*r;
	struct csv_record	 rec;
	struct flood		 f = { 64u * 1024 * 1024, "\nAda,+22890123456\n",
				    0, 0 };
	unsigned long		 before;
	int			 rv, again = 0;

	(void)state;

	r = csv_reader_new(flood_read, &f, NULL);
	assert_int_equal(csv_next(r, &rec), 1);
	assert_int_equal(rec.line, 1);
	assert_non_null(rec.error);
	assert_non_null(strstr(rec.error, "longer than 1048576 bytes"));
	assert_true(csv_bytes(r) < 2u * 1024 * 1024);
	for (;;) {
		before = csv_bytes(r);
		rv = csv_next(r, &rec);
		/* Never much more than a slice of skipping per call. */
		assert_true(csv_bytes(r) - before <= 5u * 1024 * 1024);
		if (rv != 2)
			break;
		again++;
	}
	assert_true(again >= 10);
	assert_int_equal(rv, 1);
	assert_null(rec.error);
	assert_int_equal(rec.line, 2);
	assert_string_equal(rec.fields[1], "+22890123456");
	assert_int_equal(csv_next(r, &rec), 0);
	csv_reader_free(r);

	/* No line end at all: the end of input ends the skipping. */
	f.left = 8u * 1024 * 1024;
	f.tail = "";
	f.tpos = 0;
	r = csv_reader_new(flood_read, &f, NULL);
	assert_int_equal(csv_next(r, &rec), 1);
	assert_non_null(rec.error);
	while ((rv = csv_next(r, &rec)) == 2)
		;
	assert_int_equal(rv, 0);
	csv_reader_free(r);
}

static void
test_fd(void **state)
{
	struct csv_reader	*r;
	struct csv_record	 rec;
	char			 path[] = "/tmp/test_csv.XXXXXX";
	const char		*in = "name;phone\nAda;+22890123456\n";
	int			 fd;

	(void)state;

	fd = mkstemp(path);
	assert_true(fd != -1);
	unlink(path);
	assert_int_equal(write(fd, in, strlen(in)), strlen(in));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);

	r = csv_reader_fd(fd, NULL);
	assert_int_equal(csv_next(r, &rec), 1);
	assert_int_equal(csv_delim(r), ';');
	assert_string_equal(rec.fields[1], "phone");
	assert_int_equal(csv_next(r, &rec), 1);
	assert_string_equal(rec.fields[1], "+22890123456");
	assert_int_equal(rec.line, 2);
	assert_int_equal(csv_next(r, &rec), 0);
	assert_int_equal(csv_bytes(r), strlen(in));
	csv_reader_free(r);
	close(fd);
}

static void
test_garbage(void **state)
{
	static const char	 alpha[] = "\"\r\n,;\t\0\xc3\xa9\xff a";
	struct mem		 m;
	struct csv_reader	*r;
	struct csv_record	 rec;
	char			*in;
	size_t			 len = 1024 * 1024, i, nrec;
	uint64_t		 rng = 42, seed;
	int			 pass, rv;

	(void)state;

	in = xmalloc(len);
	for (pass = 0; pass < 4; pass++) {
		for (i = 0; i < len; i++) {
			if (pass < 2)
				in[i] = rng_next(&rng);
			else
				in[i] = alpha[rng_next(&rng) %
				    (sizeof alpha - 1)];
		}
		seed = (pass % 2) ? 99 : 0;
		m.data = in;
		m.len = seed ? 100000 : len;
		m.pos = 0;
		m.rng = seed;
		r = csv_reader_new(mem_read, &m, NULL);
		nrec = 0;
		while ((rv = csv_next(r, &rec)) == 1) {
			check_record(&rec, 256, 65536);
			assert_true(++nrec <= m.len);
			assert_true(csv_reader_capacity(r) < 4 * 1024 * 1024);
		}
		assert_int_equal(rv, 0);
		assert_int_equal(csv_bytes(r), m.len);
		assert_true(nrec > 0);
		csv_reader_free(r);
	}
	free(in);
}

static void
test_writer(void **state)
{
	const char	*f1[] = { "plain", "with,comma", "say \"hi\"", " lead",
			    "trail ", "line\nbreak", "", "cr\r", "a;b",
			    "\xef\xbb\xbfx" };
	const char	*f2[] = { "a,b", "a;b", "\t" };
	const char	*f3[] = { "" };
	const char	*f4[] = { "", "" };
	struct csv_buf	 b = { NULL, 0, 0 };
	char		*p;

	(void)state;

	csv_buf_append_record(&b, ',', f1, 10);
	assert_string_equal(b.data, "plain,\"with,comma\",\"say \"\"hi\"\"\","
	    "\" lead\",\"trail \",\"line\nbreak\",,\"cr\r\",a;b,"
	    "\"\xef\xbb\xbfx\"\r\n");
	assert_int_equal(b.len, strlen(b.data));

	csv_buf_reset(&b);
	assert_int_equal(b.len, 0);
	p = b.data;
	csv_buf_append_record(&b, ';', f2, 3);
	assert_string_equal(b.data, "a,b;\"a;b\";\"\t\"\r\n");
	assert_ptr_equal(b.data, p);
	csv_buf_append_record(&b, '\t', f2, 3);
	csv_buf_append_record(&b, ',', f3, 1);
	csv_buf_append_record(&b, ',', f4, 2);
	csv_buf_append_record(&b, ',', f4, 0);
	assert_string_equal(b.data, "a,b;\"a;b\";\"\t\"\r\n"
	    "a,b\ta;b\t\"\t\"\r\n\"\"\r\n,\r\n");
	csv_buf_free(&b);
	assert_null(b.data);
}

/* Write random records with one delimiter, read them back, compare. */
static void
roundtrip(char delim, uint64_t seed)
{
	static const char	*bits[] = { ",", ";", "\"", "\r", "\n", "\t",
				    " ", "\xc3\xa9", "a", "b", "Z", "0",
				    "\r\n", "\"\"" };
	enum { NREC = 5000, MAXF = 8, MAXLEN = 48 };
	struct csv_opts		 opts = { delim, 0, 0, 0 };
	struct csv_buf		 b = { NULL, 0, 0 };
	struct csv_reader	*r;
	struct csv_record	 rec;
	struct mem		 m;
	char			*(*recs)[MAXF];
	size_t			*nf;
	unsigned long		*lines, line = 1;
	size_t			 i, j, k, n, len, start;
	uint64_t		 rng = seed, mode;
	const char		*piece;

	recs = xreallocarray(NULL, NREC, sizeof *recs);
	nf = xreallocarray(NULL, NREC, sizeof *nf);
	lines = xreallocarray(NULL, NREC, sizeof *lines);
	for (i = 0; i < NREC; i++) {
		nf[i] = 1 + rng_next(&rng) % MAXF;
		for (j = 0; j < nf[i]; j++) {
			recs[i][j] = xmalloc(MAXLEN + 1);
			n = rng_next(&rng) % 12;
			if (rng_next(&rng) % 8 == 0)
				n = 0;
			for (k = 0, len = 0; k < n; k++) {
				piece = bits[rng_next(&rng) %
				    (sizeof bits / sizeof bits[0])];
				memcpy(recs[i][j] + len, piece, strlen(piece));
				len += strlen(piece);
			}
			recs[i][j][len] = '\0';
		}
		start = b.len;
		csv_buf_append_record(&b, delim,
		    (const char *const *)recs[i], nf[i]);
		lines[i] = line;
		for (k = start; k < b.len; k++) {
			if (b.data[k] == '\r' ||
			    (b.data[k] == '\n' && b.data[k - 1] != '\r'))
				line++;
		}
	}

	for (mode = 0; mode < 3; mode++) {
		m.data = b.data;
		m.len = b.len;
		m.pos = 0;
		m.rng = mode == 0 ? 0 : seed * mode;
		r = csv_reader_new(mem_read, &m, &opts);
		for (i = 0; i < NREC; i++) {
			assert_int_equal(csv_next(r, &rec), 1);
			assert_null(rec.error);
			assert_int_equal(rec.line, lines[i]);
			assert_int_equal(rec.nfields, nf[i]);
			for (j = 0; j < nf[i]; j++)
				assert_string_equal(rec.fields[j],
				    recs[i][j]);
		}
		assert_int_equal(csv_next(r, &rec), 0);
		assert_int_equal(csv_bytes(r), b.len);
		csv_reader_free(r);
	}

	for (i = 0; i < NREC; i++) {
		for (j = 0; j < nf[i]; j++)
			free(recs[i][j]);
	}
	free(recs);
	free(nf);
	free(lines);
	csv_buf_free(&b);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	roundtrip(',', 1);
	roundtrip(';', 2);
	roundtrip('\t', 3);
}

/* An endless-looking input made up on the fly, never stored. */
struct gen {
	unsigned long	 rows;
	unsigned long	 max;
	unsigned long	 total;
	char		 row[128];
	size_t		 len;
	size_t		 pos;
};

static ssize_t
gen_read(void *arg, void *buf, size_t len)
{
	struct gen	*g = arg;
	char		*p = buf;
	size_t		 n, done = 0;

	while (done < len) {
		if (g->pos == g->len) {
			if (g->total >= g->max)
				break;
			if (g->rows % 1000 == 999)
				g->len = snprintf(g->row, sizeof g->row,
				    "\"multi\r\nline %lu\",x,\"q\"\"q\"\r\n",
				    g->rows);
			else
				g->len = snprintf(g->row, sizeof g->row,
				    "first%lu,last,+2289%07lu\r\n", g->rows,
				    g->rows);
			g->pos = 0;
			g->rows++;
		}
		n = g->len - g->pos;
		if (n > len - done)
			n = len - done;
		memcpy(p + done, g->row + g->pos, n);
		g->pos += n;
		done += n;
		g->total += n;
	}
	return done;
}

static void
test_stream_memory(void **state)
{
	struct gen		 g;
	struct csv_reader	*r;
	struct csv_record	 rec;
	unsigned long		 nrec = 0, line = 1;
	size_t			 cap = 0;

	(void)state;

	memset(&g, 0, sizeof g);
	g.max = 50UL * 1024 * 1024;
	r = csv_reader_new(gen_read, &g, NULL);
	while (csv_next(r, &rec) == 1) {
		assert_null(rec.error);
		assert_int_equal(rec.nfields, 3);
		assert_int_equal(rec.line, line);
		line += nrec % 1000 == 999 ? 2 : 1;
		nrec++;
		if (csv_reader_capacity(r) > cap)
			cap = csv_reader_capacity(r);
	}
	assert_int_equal(nrec, g.rows);
	assert_int_equal(csv_bytes(r), g.total);
	assert_true(g.total >= g.max);
	assert_true(cap < 1024 * 1024);
	csv_reader_free(r);
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_csv", 1, LOG_LVL_WARN);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_quoted_newlines),
		cmocka_unit_test(test_doubled_quotes),
		cmocka_unit_test(test_long_cell),
		cmocka_unit_test(test_shrink),
		cmocka_unit_test(test_small_max_field),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_escape_verbatim),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_fd),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_stream_memory),
		cmocka_unit_test(test_record_budget),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
