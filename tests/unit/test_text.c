#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <locale.h>
#include <string.h>

#include "log.h"
#include "text.h"

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* text_sanitize(IN) must be exactly WANT. */
static void
san_is(const char *in, const char *want)
{
	char	*out;

	out = text_sanitize(in);
	assert_non_null(out);
	if (strcmp(out, want) != 0) {
		fail_msg("sanitize gave \"%s\", want \"%s\"", out, want);
	}
	free(out);
}

/* text_fold(IN) must be exactly WANT. */
static void
fold_is(const char *in, const char *want)
{
	char	 out[256];

	memset(out, 'X', sizeof out);
	text_fold(in, out, sizeof out);
	if (strcmp(out, want) != 0)
		fail_msg("fold(\"%s\") gave \"%s\", want \"%s\"", in, out,
		    want);
}

static void
test_sanitize_c0(void **state)
{
	(void)state;
	san_is("\x1b[31mred\x1b[0m", "^[[31mred^[[0m");
	san_is("ding\a", "ding^G");
	san_is("a\x7f" "b", "a^?b");
	san_is("\x01\x1f", "^A^_");
	san_is("line1\nline2\r", "line1^Jline2^M");
	san_is("a\tb", "a b");
	san_is("", "");
	san_is("plain text 123 ~!", "plain text 123 ~!");
}

static void
test_sanitize_c1_bidi(void **state)
{
	(void)state;
	san_is("\xc2\x9b" "31m", "\\u009B31m");
	san_is("\xc2\x80\xc2\x9f", "\\u0080\\u009F");
	/* U+00A0 is the first code point past C1: kept. */
	san_is("\xc2\xa0", "\xc2\xa0");
	san_is("abc\xe2\x80\xae" "def", "abc\\u202Edef");
	san_is("\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\x8e\xe2\x80\x8f",
	    "\\u202A\\u2066\\u2069\\u200E\\u200F");
	/* Neighbours of the bidi ranges are ordinary text. */
	san_is("\xe2\x80\xa9\xe2\x80\xaf", "\xe2\x80\xa9\xe2\x80\xaf");
}

static void
test_sanitize_invalid(void **state)
{
	(void)state;
	san_is("a\xff" "b", "a\\xFFb");
	san_is("\xc3", "\\xC3");
	san_is("\xc3(", "\\xC3(");
	/* Overlong NUL, a surrogate, past U+10FFFF: byte by byte. */
	san_is("\xc0\x80", "\\xC0\\x80");
	san_is("\xed\xa0\x80", "\\xED\\xA0\\x80");
	san_is("\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80");
	/* A lone continuation byte, then a good character. */
	san_is("\x80\xc3\xa9", "\\x80\xc3\xa9");
}

static void
test_sanitize_keeps_text(void **state)
{
	(void)state;
	san_is("\xc3\x89lo\xc3\xafse \xf0\x9f\x98\x80",
	    "\xc3\x89lo\xc3\xafse \xf0\x9f\x98\x80");
	san_is("\xe4\xbd\xa0\xe5\xa5\xbd \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85",
	    "\xe4\xbd\xa0\xe5\xa5\xbd \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85");
	san_is("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");
}

/* No control, C1 or bidi character survives, whatever the input. */
static void
test_sanitize_random(void **state)
{
	static const struct {
		const char	*s;
		int		 safe;	/* comes out unchanged */
	} pieces[] = {
		{ "\x1b", 0 }, { "\x7f", 0 }, { "\t", 0 }, { "\xc2\x9b", 0 },
		{ "\xe2\x80\xae", 0 }, { "\xe2\x81\xa6", 0 }, { "\xff", 0 },
		{ "\x80", 0 }, { "\xc3", 0 }, { "\xed\xa0\x80", 0 },
		{ "\xc3\xa9", 1 }, { "\xf0\x9f\x98\x80", 1 },
		{ "\xe2\x82\xac", 1 }, { "\xc2\xa0", 1 },
	};
	char		 in[300], *out;
	uint64_t	 rng = UINT64_C(0x2545f4914f6cdd1d), r;
	size_t		 len, i, k, n, olen;
	int		 loop, clean;

	(void)state;
	for (loop = 0; loop < 10000; loop++) {
		n = rng_next(&rng) % 64;
		len = 0;
		clean = 1;
		for (i = 0; i < n; i++) {
			r = rng_next(&rng);
			if (r % 3 == 0) {
				k = (r >> 8) %
				    (sizeof pieces / sizeof pieces[0]);
				memcpy(in + len, pieces[k].s,
				    strlen(pieces[k].s));
				len += strlen(pieces[k].s);
				clean &= pieces[k].safe;
			} else {
				/* Any byte but NUL. */
				in[len] = (char)(1 + (r >> 16) % 255);
				if ((unsigned char)in[len] < 0x20 ||
				    (unsigned char)in[len] >= 0x7f)
					clean = 0;
				len++;
			}
		}
		in[len] = '\0';
		out = text_sanitize(in);
		olen = strlen(out);
		assert_true(olen <= 4 * len);
		for (i = 0; i < olen; i++) {
			if ((unsigned char)out[i] < 0x20 ||
			    (unsigned char)out[i] == 0x7f)
				fail_msg("input %d: byte 0x%02x at %zu of "
				    "\"%s\"", loop, (unsigned char)out[i], i,
				    out);
			/* U+0080..U+009F are C2 80..C2 9F. */
			if ((unsigned char)out[i] == 0xc2 && i + 1 < olen &&
			    (unsigned char)out[i + 1] <= 0x9f)
				fail_msg("input %d: C1 control left in \"%s\"",
				    loop, out);
			/* U+202A..U+202E are E2 80 AA..AE. */
			if ((unsigned char)out[i] == 0xe2 && i + 2 < olen &&
			    (unsigned char)out[i + 1] == 0x80 &&
			    (unsigned char)out[i + 2] >= 0xaa &&
			    (unsigned char)out[i + 2] <= 0xae)
				fail_msg("input %d: bidi override left", loop);
		}
		/* What comes out is always valid UTF-8. */
		assert_int_equal(text_utf8_valid(out, olen), 1);
		if (clean)
			assert_string_equal(out, in);
		free(out);
	}
}

static void
test_fold(void **state)
{
	(void)state;
	fold_is(" Arr\xc3\xaat ", "arret");
	fold_is("STOP", "stop");
	fold_is("D\xc3\x89S" "ABONNER", "desabonner");
	fold_is("Unsubscribe", "unsubscribe");
	fold_is("\tst op\r\n", "stop");
	fold_is("\xc2\xa0stop\xc2\xa0", "stop");
	fold_is("\xc3\x80\xc3\xa7\xc3\xb1\xc3\xbf\xc3\x9f", "acnys");
	fold_is("\xc5\x92uvre \xc5\x93uf", "oeuvreoeuf");
	/* Other characters and invalid bytes are dropped. */
	fold_is("stop\xf0\x9f\x98\x80", "stop");
	fold_is("st\xffop", "stop");
	fold_is("", "");
	fold_is("STOP!", "stop!");
}

static void
test_fold_bounds(void **state)
{
	char	 out[8];

	(void)state;
	memset(out, 'X', sizeof out);
	text_fold("ABCDEFGHIJ", out, 5);
	assert_string_equal(out, "abcd");
	assert_int_equal(out[5], 'X');
	/* The two-letter fold of U+0152 is cut, not overrun. */
	memset(out, 'X', sizeof out);
	text_fold("abc\xc5\x92", out, 5);
	assert_string_equal(out, "abco");
	assert_int_equal(out[5], 'X');
	memset(out, 'X', sizeof out);
	text_fold("abc", out, 1);
	assert_string_equal(out, "");
	assert_int_equal(out[1], 'X');
	memset(out, 'X', sizeof out);
	text_fold("abc", out, 0);
	assert_int_equal(out[0], 'X');
}

static void
test_utf8_valid(void **state)
{
	(void)state;
	assert_int_equal(text_utf8_valid("", 0), 1);
	assert_int_equal(text_utf8_valid("abc", 3), 1);
	assert_int_equal(text_utf8_valid("\xc3\x89lo\xc3\xafse", 8), 1);
	assert_int_equal(text_utf8_valid("\xf0\x9f\x98\x80", 4), 1);
	assert_int_equal(text_utf8_valid("\xf4\x8f\xbf\xbf", 4), 1);
	assert_int_equal(text_utf8_valid("\xef\xbf\xbd", 3), 1);
	/* NUL inside the length is refused. */
	assert_int_equal(text_utf8_valid("a\0b", 3), 0);
	assert_int_equal(text_utf8_valid("\xff", 1), 0);
	assert_int_equal(text_utf8_valid("\x80", 1), 0);
	assert_int_equal(text_utf8_valid("\xc3", 1), 0);
	assert_int_equal(text_utf8_valid("\xf0\x9f\x98", 3), 0);
	/* A valid sequence cut by LEN. */
	assert_int_equal(text_utf8_valid("\xf0\x9f\x98\x80", 3), 0);
	assert_int_equal(text_utf8_valid("\xc0\x80", 2), 0);
	assert_int_equal(text_utf8_valid("\xe0\x80\x80", 3), 0);
	assert_int_equal(text_utf8_valid("\xf0\x80\x80\x80", 4), 0);
	assert_int_equal(text_utf8_valid("\xed\xa0\x80", 3), 0);
	assert_int_equal(text_utf8_valid("\xed\xbf\xbf", 3), 0);
	assert_int_equal(text_utf8_valid("\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(text_utf8_valid("\xf8\x88\x80\x80\x80", 5), 0);
	assert_int_equal(text_utf8_valid("\xc3(", 2), 0);
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_text", 1, LOG_LVL_WARN);
	return 0;
}

/* Table columns: accents one column, CJK two, whatever the locale can do. */
static void
test_columns(void **state)
{
	(void)state;
	assert_int_equal(text_columns("Zoe"), 3);
	if (setlocale(LC_CTYPE, "C.UTF-8") != NULL) {
		assert_int_equal(text_columns("Zo\xc3\xa9"), 3);
		assert_int_equal(text_columns("\xe6\x97\xa5\xe6\x9c\xac"), 4);
		assert_int_equal(text_columns("Zo\xc3\xa9 \xe2\x80\x94 x"), 7);
	}
	setlocale(LC_CTYPE, "C");
	assert_int_equal(text_columns("Zo\xc3\xa9"), 3);
	assert_int_equal(text_columns(""), 0);
}

/* Lowercasing as the name index folds: ASCII, Latin-1, Œ, Ÿ; × kept. */
static void
test_lower(void **state)
{
	char	 s[] = "\xc3\x89LO\xc3\x8fSE \xc5\x92UVRE \xc5\xb8 \xc3\x97 "
	    "\xe6\x97\xa5";

	(void)state;
	assert_string_equal(text_lower(s), "\xc3\xa9lo\xc3\xafse "
	    "\xc5\x93uvre \xc3\xbf \xc3\x97 \xe6\x97\xa5");
}

static const char *const known_names[] = { "first_name", "last_name",
    "phone", NULL };

/* TMPL rendered for FIRST, LAST, PHONE must be exactly WANT. */
static void
render_is(const char *tmpl, const char *first, const char *last,
    const char *want)
{
	struct text_field	 f[] = { { "first_name", first },
	    { "last_name", last }, { "phone", "+22890123456" }, { NULL, NULL } };
	char			*out;

	out = text_render(tmpl, f);
	if (strcmp(out, want) != 0)
		fail_msg("render(\"%s\") gave \"%s\", want \"%s\"", tmpl,
		    out, want);
	free(out);
}

static void
test_render_fields(void **state)
{
	(void)state;
	render_is("Bonjour {{first_name}} {{last_name}} ({{phone}})", "Ama",
	    "Koné", "Bonjour Ama Koné (+22890123456)");
	render_is("{{ first_name }}|{{\tlast_name  }}", "Ama", "Koné",
	    "Ama|Koné");
	render_is("Twice {{first_name}}{{first_name}}", "A", "", "Twice AA");
	render_is("no placeholder \xf0\x9f\x8e\x84\nline 2", "A", "B",
	    "no placeholder \xf0\x9f\x8e\x84\nline 2");
	render_is("", "A", "B", "");
}

/* A field "*" stands for any name: a column kept for other contacts,
 * empty for this one. Without it such a name stays as written. */
static void
test_render_any(void **state)
{
	struct text_field	 f[] = { { "first_name", "Ama" },
	    { "ville", "Lomé" }, { "*", NULL }, { NULL, NULL } };
	char			*out;

	(void)state;
	out = text_render("{{first_name}} de {{ville}}, {{quartier|Bè}} "
	    "{{age}}!", f);
	assert_string_equal(out, "Ama de Lomé, Bè!");
	free(out);
	f[2].name = NULL;
	out = text_render("{{ville}} {{age}}", f);
	assert_string_equal(out, "Lomé {{age}}");
	free(out);
}

/* A fallback stands in for an empty value only. */
static void
test_render_fallback(void **state)
{
	(void)state;
	render_is("Bonjour {{first_name|ami}} !", "", "", "Bonjour ami !");
	render_is("Bonjour {{first_name|ami}} !", "Ama", "", "Bonjour Ama !");
	render_is("Bonjour {{ first_name | cher ami }} !", NULL, "",
	    "Bonjour cher ami !");
	render_is("{{last_name|}}x", "", "", "x");
}

/* An empty value without fallback leaves no dangling space. */
static void
test_render_empty(void **state)
{
	(void)state;
	render_is("Bonjour {{first_name}}, offre !", "", "",
	    "Bonjour, offre !");
	render_is("Bonjour {{first_name}} {{last_name}}, offre", "", "Koné",
	    "Bonjour Koné, offre");
	render_is("Bonjour {{first_name}} {{last_name}}, offre", "Ama", "",
	    "Bonjour Ama, offre");
	render_is("{{first_name}} merci", "", "", "merci");
	render_is("Salut\n{{first_name}} merci", "", "", "Salut\nmerci");
	render_is("Salut {{first_name}}\nligne", "", "", "Salut\nligne");
}

/* What is not a known placeholder is left exactly as written. */
static void
test_render_literal(void **state)
{
	(void)state;
	render_is("{{prenom}} {{first_name", "Ama", "", "{{prenom}} "
	    "{{first_name");
	render_is("{{first\nname}} {x} }} {{", "Ama", "", "{{first\nname}} "
	    "{x} }} {{");
	render_is("{{first name}}", "Ama", "", "{{first name}}");
}

static void
test_placeholder_check(void **state)
{
	char	 bad[64], name[32];
	size_t	 off = 99;

	(void)state;
	assert_int_equal(text_placeholder_check("Hi {{ first_name|x }} "
	    "{{phone}}", known_names, bad, sizeof bad, &off), 0);
	assert_int_equal(text_placeholder_check("Hi {{prenom}}!", known_names,
	    bad, sizeof bad, &off), 1);
	assert_string_equal(bad, "{{prenom}}");
	assert_int_equal(off, 3);
	text_placeholder_name(bad, name, sizeof name);
	assert_string_equal(name, "prenom");
	assert_int_equal(text_placeholder_check("{{phone}} {{ Nom | x }}",
	    known_names, bad, sizeof bad, &off), 1);
	assert_string_equal(bad, "{{ Nom | x }}");
	text_placeholder_name(bad, name, sizeof name);
	assert_string_equal(name, "Nom");
	assert_int_equal(text_placeholder_check("a {{first_name\nb}}",
	    known_names, bad, sizeof bad, &off), 2);
	assert_string_equal(bad, "{{first_name");
	assert_int_equal(off, 2);
	assert_int_equal(text_placeholder_check("{{ }}", known_names, bad,
	    sizeof bad, &off), 1);
}

static void
test_nearest(void **state)
{
	(void)state;
	assert_string_equal(text_nearest("firstname", known_names),
	    "first_name");
	assert_string_equal(text_nearest("First_Name", known_names),
	    "first_name");
	assert_string_equal(text_nearest("lastname", known_names),
	    "last_name");
	assert_string_equal(text_nearest("phon", known_names), "phone");
	assert_null(text_nearest("prenom", known_names));
	assert_null(text_nearest("x", known_names));
}

static void
test_utf8_invalid_at(void **state)
{
	(void)state;
	assert_int_equal(text_utf8_invalid_at("abc", 3), -1);
	assert_int_equal(text_utf8_invalid_at("ab\xff", 3), 2);
	assert_int_equal(text_utf8_invalid_at("\xc3\xa9\xc3", 3), 2);
	assert_int_equal(text_utf8_invalid_at("a\0b", 3), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_c0),
		cmocka_unit_test(test_sanitize_c1_bidi),
		cmocka_unit_test(test_sanitize_invalid),
		cmocka_unit_test(test_sanitize_keeps_text),
		cmocka_unit_test(test_sanitize_random),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_fold_bounds),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_lower),
		cmocka_unit_test(test_render_fields),
		cmocka_unit_test(test_render_fallback),
		cmocka_unit_test(test_render_any),
		cmocka_unit_test(test_render_empty),
		cmocka_unit_test(test_render_literal),
		cmocka_unit_test(test_placeholder_check),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_utf8_invalid_at),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
