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
#include "decode.h"

/* Input from memory, in chunks of at most CHUNK bytes (0: as asked). */
struct mem {
	const char	*data;
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

/* Decode LEN bytes of IN read CHUNK at a time, output asked OUTSTEP at a
 * time; the UTF-8 text (allocated) and its encoding. */
static char *
decode_all(const char *in, size_t len, size_t chunk, size_t outstep,
    enum decode_enc *enc)
{
	struct mem	 m = { in, len, 0, chunk };
	struct decoder	*d = decoder_new(mem_read, &m);
	char		*out = calloc(1, len * 3 + 16);
	size_t		 n = 0;
	ssize_t		 k;

	while ((k = decoder_read(d, out + n, outstep)) > 0)
		n += (size_t)k;
	assert_int_equal(k, 0);
	out[n] = '\0';
	*enc = decoder_enc(d);
	decoder_free(d);
	return out;
}

/* UTF-16 (LE if LE) of the UTF-8 string S, with a BOM if BOM. */
static char *
to_utf16(const char *s, int le, int bom, size_t *len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*o = malloc(strlen(s) * 4 + 4);
	size_t			 n = 0;
	unsigned		 cp, u[2];
	int			 i, k;

	if (bom) {
		o[n++] = le ? '\xff' : '\xfe';
		o[n++] = le ? '\xfe' : '\xff';
	}
	while (*p) {
		if (*p < 0x80)
			cp = *p++;
		else if (*p < 0xe0) {
			cp = (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu);
			p += 2;
		} else if (*p < 0xf0) {
			cp = (p[0] & 0xfu) << 12 | (p[1] & 0x3fu) << 6 |
			    (p[2] & 0x3fu);
			p += 3;
		} else {
			cp = (p[0] & 7u) << 18 | (p[1] & 0x3fu) << 12 |
			    (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
			p += 4;
		}
		k = 1;
		u[0] = cp;
		if (cp >= 0x10000) {
			u[0] = 0xd800 + ((cp - 0x10000) >> 10);
			u[1] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
			k = 2;
		}
		for (i = 0; i < k; i++) {
			o[n++] = (char)(le ? u[i] & 0xff : u[i] >> 8);
			o[n++] = (char)(le ? u[i] >> 8 : u[i] & 0xff);
		}
	}
	*len = n;
	return o;
}

static const char accents[] =
    "Pr\xc3\xa9nom\tNom\n\xc3\x89lo\xc3\xafse\tC\xc3\xb4t\xc3\xa9\n"
    "Fran\xc3\xa7ois\tC\xc5\x93ur \xe2\x82\xac \xe2\x80\x93 \xc3\xa8 "
    "\xf0\x9f\x98\x80\n";

static void
test_utf16(void **state)
{
	enum decode_enc	 enc;
	char		*in, *out;
	size_t		 len, chunk, step;
	int		 le, bom;

	(void)state;
	for (le = 0; le < 2; le++)
		for (bom = 0; bom < 2; bom++) {
			in = to_utf16(accents, le, bom, &len);
			for (chunk = 0; chunk < 8; chunk += 3)
				for (step = 1; step < 9; step += 7) {
					out = decode_all(in, len, chunk,
					    step, &enc);
					assert_string_equal(out, accents);
					assert_int_equal(enc, le ?
					    DECODE_UTF16LE : DECODE_UTF16BE);
					free(out);
				}
			free(in);
		}
}

static void
test_cp1252(void **state)
{
	/* "Prénom;Nom\nÉloïse;Cœur – 5 €\nFrançois;Côté è\n" in 1252. */
	static const char in[] = "Pr\xe9nom;Nom\r\n\xc9lo\xefse;C\x9cur "
	    "\x96 5 \x80\r\nFran\xe7ois;C\xf4t\xe9 \xe8\r\n";
	static const char want[] = "Pr\xc3\xa9nom;Nom\r\n\xc3\x89lo\xc3\xafse"
	    ";C\xc5\x93ur \xe2\x80\x93 5 \xe2\x82\xac\r\nFran\xc3\xa7ois;"
	    "C\xc3\xb4t\xc3\xa9 \xc3\xa8\r\n";
	enum decode_enc	 enc;
	char		*out;
	size_t		 step;

	(void)state;
	for (step = 1; step < 70; step += 5) {
		out = decode_all(in, sizeof in - 1, step % 3, step, &enc);
		assert_int_equal(enc, DECODE_CP1252);
		assert_string_equal(out, want);
		free(out);
	}
	assert_int_equal(decode_cp1252(0x81), 0xfffd);
	assert_int_equal(decode_cp1252(0x9f), 0x178);
}

static void
test_utf8(void **state)
{
	struct mem	 m;
	struct decoder	*d;
	enum decode_enc	 enc;
	char		*out, peek[16];

	(void)state;
	out = decode_all(accents, sizeof accents - 1, 2, 3, &enc);
	assert_int_equal(enc, DECODE_UTF8);
	assert_string_equal(out, accents);
	free(out);

	m = (struct mem){ "\xef\xbb\xbf" "BEGIN:VCARD\r\n", 16, 0, 0 };
	d = decoder_new(mem_read, &m);
	assert_int_equal(decoder_sniff(d), 0);
	assert_int_equal(decoder_enc(d), DECODE_UTF8_BOM);
	assert_string_equal(decoder_name(d), "UTF-8 with BOM");
	assert_int_equal(decoder_peek(d, peek, 12), 11);
	assert_string_equal(peek, "BEGIN:VCARD");
	assert_int_equal(decoder_read(d, peek, sizeof peek), 13);
	decoder_free(d);

	/* Empty input. */
	out = decode_all("", 0, 0, 8, &enc);
	assert_string_equal(out, "");
	free(out);
}

/* A long file whose first accent comes after 64 KiB of ASCII. */
static void
test_late_accent(void **state)
{
	static const char	*tails[] = { "Fran\xe7ois;C\x9cur\n",
				    "Fran\xc3\xa7ois;C\xc5\x93ur\n" };
	static const char	 want[] = "Fran\xc3\xa7ois;C\xc5\x93ur\n";
	enum decode_enc		 enc;
	char			*in, *out;
	size_t			 n = 100000, t, chunk;

	(void)state;
	for (t = 0; t < 2; t++)
		for (chunk = 0; chunk < 5000; chunk += 4093) {
			in = malloc(n + 32);
			memset(in, 'a', n);
			in[n - 1] = '\n';
			strcpy(in + n, tails[t]);
			out = decode_all(in, strlen(in), chunk, 777, &enc);
			assert_int_equal(enc, t == 0 ? DECODE_CP1252 :
			    DECODE_UTF8);
			assert_string_equal(out + n, want);
			assert_int_equal(out[n - 2], 'a');
			free(in);
			free(out);
		}
}

/* The CSV reader on a UTF-16LE Excel "Unicode text" file. */
static void
test_csv_over_utf16(void **state)
{
	struct mem		 m;
	struct decoder		*d;
	struct csv_reader	*r;
	struct csv_record	 rec;
	char			*in;
	size_t			 len;

	(void)state;
	in = to_utf16(accents, 1, 1, &len);
	m = (struct mem){ in, len, 0, 5 };
	d = decoder_new(mem_read, &m);
	r = csv_reader_new(decoder_read, d, NULL);
	assert_int_equal(csv_next(r, &rec), 1);
	assert_int_equal(rec.nfields, 2);
	assert_string_equal(rec.fields[0], "Pr\xc3\xa9nom");
	assert_int_equal(csv_next(r, &rec), 1);
	assert_string_equal(rec.fields[1], "C\xc3\xb4t\xc3\xa9");
	assert_int_equal(csv_next(r, &rec), 1);
	assert_null(rec.error);
	assert_int_equal(csv_next(r, &rec), 0);
	assert_int_equal(decoder_bytes(d), len);
	csv_reader_free(r);
	decoder_free(d);
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_cp1252),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_csv_over_utf16),
		cmocka_unit_test(test_late_accent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
