#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

struct ok_case {
	const char	*in;
	const char	*defcc;
	const char	*want;
};

struct bad_case {
	const char	*in;
	const char	*defcc;
	const char	*reason;	/* substring the reason must hold */
};

/* 1 if S matches ^\+[1-9][0-9]{6,14}$. */
static int
shape_ok(const char *s)
{
	size_t	n;

	if (s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (n = 1; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9')
			return 0;
	}
	return n - 1 >= 7 && n - 1 <= 15;
}

static void
check_ok(const struct ok_case *t, size_t n)
{
	char		 out[PHONE_MAX], again[PHONE_MAX];
	const char	*reason;
	size_t		 i;

	for (i = 0; i < n; i++) {
		reason = NULL;
		if (phone_normalize(t[i].in, t[i].defcc, out, &reason) != 0)
			fail_msg("\"%s\" (defcc %s): %s", t[i].in,
			    t[i].defcc ? t[i].defcc : "none", reason);
		assert_string_equal(out, t[i].want);
		assert_true(shape_ok(out));
		assert_int_equal(phone_normalize(out, t[i].defcc, again, NULL),
		    0);
		assert_string_equal(again, out);
	}
}

static void
check_bad(const struct bad_case *t, size_t n)
{
	char		 out[PHONE_MAX];
	const char	*reason;
	size_t		 i;

	for (i = 0; i < n; i++) {
		reason = NULL;
		memcpy(out, "garbage", 8);
		if (phone_normalize(t[i].in, t[i].defcc, out, &reason) == 0)
			fail_msg("\"%s\" (defcc %s) accepted as %s", t[i].in,
			    t[i].defcc ? t[i].defcc : "none", out);
		assert_string_equal(out, "");
		assert_non_null(reason);
		if (strstr(reason, t[i].reason) == NULL)
			fail_msg("\"%s\": reason \"%s\", want \"%s\"", t[i].in,
			    reason, t[i].reason);
	}
}

static void
test_togo(void **state)
{
	static const struct ok_case t[] = {
		{ "+228 90 12 34 56", "228", "+22890123456" },
		{ "0022890123456", "228", "+22890123456" },
		{ "22890123456", "228", "+22890123456" },
		{ "90123456", "228", "+22890123456" },
		{ "228 90-12-34-56", "228", "+22890123456" },
		{ "(228) 90.12.34.56", "228", "+22890123456" },
		{ "+228 90 12 34 56", NULL, "+22890123456" },
		{ "22890123456", NULL, "+22890123456" },
		{ "22890123456", "", "+22890123456" },
		{ "90123456", "+228", "+22890123456" },
		{ "  +228/90/12/34/56  ", "33", "+22890123456" },
		{ "(+228) 90 12 34 56", "228", "+22890123456" },
		{ "22822212345", "228", "+22822212345" },
		{ "22212345", "228", "+22822212345" },
	};

	(void)state;

	check_ok(t, sizeof t / sizeof t[0]);
}

static void
test_foreign(void **state)
{
	static const struct ok_case t[] = {
		{ "+33 6 12 34 56 78", "228", "+33612345678" },
		{ "0033 6 12 34 56 78", "228", "+33612345678" },
		{ "33 6 12 34 56 78", "228", "+33612345678" },
		{ "06 12 34 56 78", "33", "+33612345678" },
		{ "+1 (415) 555-2671", "228", "+14155552671" },
		{ "+1 (415) 555-2671", NULL, "+14155552671" },
		{ "(415) 555-2671", "1", "+14155552671" },
		{ "1-415-555-2671", "1", "+14155552671" },
		{ "+44 20 7946 0958", NULL, "+442079460958" },
		{ "020 7946 0958", "44", "+442079460958" },
		{ "+32 470 12 34 56", NULL, "+32470123456" },
		{ "+41 79 123 45 67", NULL, "+41791234567" },
		{ "+49 1512 3456789", NULL, "+4915123456789" },
		{ "+212 6 12 34 56 78", NULL, "+212612345678" },
		{ "+216 20 123 456", NULL, "+21620123456" },
		{ "0555 12 34 56", "213", "+213555123456" },
		{ "0532 123 45 67", "90", "+905321234567" },
		{ "098765 43210", "91", "+919876543210" },
		{ "(11) 98765-4321", "55", "+5511987654321" },
		{ "+86 138 0013 8000", NULL, "+8613800138000" },
		{ "+39 06 1234 5678", NULL, "+390612345678" },
		{ "06 1234 5678", "39", "+390612345678" },
		{ "+7 916 123-45-67", NULL, "+79161234567" },
		/* Both readings fit Germany: the written country code wins. */
		{ "49 30 1234567", "49", "+49301234567" },
		{ "030 1234567", "49", "+49301234567" },
	};

	(void)state;

	check_ok(t, sizeof t / sizeof t[0]);
}

static void
test_stray_trunk(void **state)
{
	static const struct ok_case t[] = {
		{ "+33 0 6 12 34 56 78", "228", "+33612345678" },
		{ "+33 (0)6 12 34 56 78", NULL, "+33612345678" },
		{ "+44 (0)20 7946 0958", NULL, "+442079460958" },
		{ "0044 (0) 20 7946 0958", "228", "+442079460958" },
		{ "+225 0 07 12 34 56 78", NULL, "+2250712345678" },
		{ "+234 0803 123 4567", NULL, "+2348031234567" },
	};

	(void)state;

	check_ok(t, sizeof t / sizeof t[0]);
}

/* Issue 22: numbers as people type them, checked by prefix per plan. */
static void
test_as_typed(void **state)
{
	static const struct ok_case t[] = {
		{ "tel:+228-90-12-34-56", "228", "+22890123456" },
		{ "TEL:+22890123456;ext=12", NULL, "+22890123456" },
		/* Arabic-Indic, Persian and full-width digits. */
		{ "\xd9\xa7\xd9\xa0 \xd9\xa1\xd9\xa0 \xd9\xa2\xd9\xa7 "
		    "\xd9\xa8\xd9\xa2", "228", "+22870102782" },
		{ "\xdb\xb9\xdb\xb0\xdb\xb1\xdb\xb2\xdb\xb3\xdb\xb4"
		    "\xdb\xb5\xdb\xb6", "228", "+22890123456" },
		{ "\xef\xbc\x8b\xef\xbc\x92\xef\xbc\x92\xef\xbc\x98 "
		    "\xef\xbc\x99\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92"
		    "\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96",
		    NULL, "+22890123456" },
		/* Narrow no-break space, en dash, figure space. */
		{ "90\xe2\x80\xaf" "12\xe2\x80\x93" "34\xe2\x80\x87" "56", "228",
		    "+22890123456" },
		{ "+33 (0)6 12 34 56 78", "228", "+33612345678" },
		{ "(+228) 90123459", "221", "+22890123459" },
		{ "00228 90123458", "225", "+22890123458" },
		/* A bare country code whose number is then valid there. */
		{ "228 90 12 34 60", "221", "+22890123460" },
		{ "2347276465", "234", "+2347276465" },
		{ "+226 05 08 02 39", NULL, "+22605080239" },
		{ "05 08 02 39", "226", "+22605080239" },
		{ "+229 01 97 12 34 56", NULL, "+2290197123456" },
		{ "+229 97 12 34 56", NULL, "+2290197123456" },
		{ "0197123456", "229", "+2290197123456" },
		/* Cote d'Ivoire's 2021 move: by the second digit. */
		{ "07 12 34 56", "225", "+2250707123456" },
		{ "+225 45 12 34 56", NULL, "+2250545123456" },
		{ "+225 0707123456", NULL, "+2250707123456" },
	};
	static const struct bad_case b[] = {
		{ "2,25071E+12", "228", "invalid character ','" },
		{ "90 12 34 65 (boutique)", "228", "invalid character 'b'" },
		/* Never another country's number without + or 00. */
		{ "7 90 32 07 56 81", "221", "+221" },
		{ "36 11 62 06 45", "221", "+221" },
		{ "2 72 34 74 56 54", "225", "+225" },
		/* Prefixes that no plan has. */
		{ "+228 42 71 75 74", NULL, "not a valid +228 number" },
		{ "+2250670758728", NULL, "not a valid +225" },
		{ "+234 803 123 456", NULL, "wrong length" },
		{ "+229 0297123456", NULL, "not a valid +229" },
		{ "+229 1572408", NULL, "too short" },
	};
	char		 out[PHONE_MAX];
	const char	*reason;
	int		 flags;

	(void)state;
	check_ok(t, sizeof t / sizeof t[0]);
	check_bad(b, sizeof b / sizeof b[0]);
	assert_int_equal(phone_normalize_flags("97 12 34 56", "229", out,
	    &reason, &flags), 0);
	assert_int_equal(flags, PHONE_RENUMBERED);
	assert_int_equal(phone_normalize_flags("01 97 12 34 56", "229", out,
	    &reason, &flags), 0);
	assert_int_equal(flags, 0);
}

static void
test_africa(void **state)
{
	static const struct ok_case t[] = {
		{ "07 12 34 56 78", "225", "+2250712345678" },
		{ "+225 07 12 34 56 78", NULL, "+2250712345678" },
		{ "01 97 12 34 56", "229", "+2290197123456" },
		/* Benin's 2024 plan: "01" and the former 8 digits. */
		{ "97 12 34 56", "229", "+2290197123456" },
		{ "77 123 45 67", "221", "+221771234567" },
		{ "70 12 34 56", "226", "+22670123456" },
		{ "76 12 34 56", "223", "+22376123456" },
		{ "96 12 34 56", "227", "+22796123456" },
		{ "622 12 34 56", "224", "+224622123456" },
		{ "024 123 4567", "233", "+233241234567" },
		{ "0803 123 4567", "234", "+2348031234567" },
		{ "6 71 23 45 67", "237", "+237671234567" },
		{ "06 03 12 34", "241", "+24106031234" },
		{ "+241 06 03 12 34", NULL, "+24106031234" },
		{ "06 123 45 67", "242", "+242061234567" },
		{ "081 234 5678", "243", "+243812345678" },
		{ "66 12 34 56", "235", "+23566123456" },
	};

	(void)state;

	check_ok(t, sizeof t / sizeof t[0]);
}

static void
test_separators(void **state)
{
	static const struct ok_case t[] = {
		{ "90\t12\t34\t56", "228", "+22890123456" },
		{ "90\xc2\xa0" "12\xc2\xa0" "34\xc2\xa0" "56", "228",
		    "+22890123456" },
		{ "\xc2\xa0+228 90123456", NULL, "+22890123456" },
		{ "90/12/34/56", "228", "+22890123456" },
		{ "9.0-1(2)3/4 5\t6", "228", "+22890123456" },
		{ "\t \t+228-90-12-34-56 \t", NULL, "+22890123456" },
	};

	(void)state;

	check_ok(t, sizeof t / sizeof t[0]);
}

static void
test_reject_chars(void **state)
{
	static const struct bad_case t[] = {
		{ "12ab", "228", "invalid character 'a'" },
		{ "90 12 34 5x", "228", "'x'" },
		{ "+228 90#123456", "228", "invalid character '#'" },
		{ "+228 90+123456", "228", "invalid character '+'" },
		{ "++22890123456", "228", "invalid character '+'" },
		{ "+ +22890123456", "228", "invalid character '+'" },
		{ "9012345+", "228", "invalid character '+'" },
		{ "90123456\n", "228", "invalid character 0x0A" },
		{ "90123456\r", "228", "invalid character 0x0D" },
		{ "\x01" "90123456", "228", "invalid character 0x01" },
		{ "caf\xc3\xa9", "228", "invalid character 'c'" },
		{ "9012\xc3\xa9", "228", "invalid character 0xC3" },
		{ "9012\xc2", "228", "invalid character 0xC2" },
		{ "9012\xc2\xa1", "228", "invalid character 0xC2" },
		{ "9012\xa0", "228", "invalid character 0xA0" },
		{ "9012\x7f", "228", "invalid character 0x7F" },
		{ "9012\xff", "228", "invalid character 0xFF" },
		{ "\x1b[31m90123456\x1b[0m", "228", "invalid character 0x1B" },
		{ "90123456\x1b]0;title\x07", "228", "invalid character 0x1B" },
		{ "+228 9012 3456 ext 12", "228", "invalid character 'e'" },
		{ "*123#", "228", "invalid character '*'" },
		{ "90,12,34,56", "228", "invalid character ','" },
		{ "'90123456'", "228", "invalid character '''" },
	};

	(void)state;

	check_bad(t, sizeof t / sizeof t[0]);
}

static void
test_reject_number(void **state)
{
	static const struct bad_case t[] = {
		{ "+999123", "228", "unknown country code" },
		{ "+999 1234 5678", NULL, "unknown country code" },
		{ "+0 6 12 34 56 78", NULL, "unknown country code" },
		{ "000 6 12 34 56 78", NULL, "unknown country code" },
		{ "+2", NULL, "too short" },
		{ "+22", NULL, "too short" },
		{ "00", "228", "too short" },
		{ "+228 9012345", NULL, "too short" },
		{ "+228 901234567", NULL, "too long" },
		{ "+33 6 12 34 56 7", NULL, "too short" },
		{ "+33 6 12 34 56 78 9", NULL, "too long" },
		{ "+33 0 6 12 34 56 7", NULL, "too short" },
		{ "+33 06 12 34 56 7", NULL, "too short" },
		{ "+229 971234567", NULL, "wrong length" },
		{ "+44 020 7946 095", NULL, "too short" },
		{ "9012345", "228", "wrong length for +228" },
		{ "901234567", "228", "wrong length for +228" },
		{ "0 9012345", "228", "wrong length for +228" },
		{ "061234567", "33", "wrong length for +33" },
		{ "90123456", NULL, "no country code" },
		{ "0612345678", NULL, "no country code" },
		{ "3361234567", NULL, "no country code" },
		{ "1234567890123456789012345678901234567890", "228",
		    "too long" },
		{ "+1234567890123456789012345678901234567890", NULL,
		    "too long" },
		{ "+1 415 555 2671 0000", NULL, "too long" },
		{ "90123456", "999", "invalid default country code" },
		{ "90123456", "22a", "invalid default country code" },
		{ "90123456", "2280", "invalid default country code" },
		{ "90123456", "++228", "invalid default country code" },
	};

	(void)state;

	check_bad(t, sizeof t / sizeof t[0]);
}

static void
test_reject_empty(void **state)
{
	static const struct bad_case t[] = {
		{ "", "228", "empty" },
		{ "", NULL, "empty" },
		{ " ", "228", "empty" },
		{ " \t \t ", "228", "empty" },
		{ "\xc2\xa0\xc2\xa0", "228", "empty" },
		{ "+", "228", "empty" },
		{ " + ", NULL, "empty" },
		{ "()-./", "228", "empty" },
	};
	char		 out[PHONE_MAX];
	const char	*reason = NULL;

	(void)state;

	check_bad(t, sizeof t / sizeof t[0]);
	assert_int_equal(phone_normalize(NULL, "228", out, &reason), -1);
	assert_string_equal(reason, "empty");
	assert_int_equal(phone_normalize(NULL, NULL, out, NULL), -1);
	assert_int_equal(phone_normalize("12ab", NULL, out, NULL), -1);
	assert_string_equal(out, "");
}

/* The country codes the table must hold, all and only these. */
static const char *const assigned[] = {
	"1", "7",
	"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41",
	"43", "44", "45", "46", "47", "48", "49", "51", "52", "53", "54",
	"55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66",
	"81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
	"211", "212", "213", "216", "218",
	"220", "221", "222", "223", "224", "225", "226", "227", "228", "229",
	"230", "231", "232", "233", "234", "235", "236", "237", "238", "239",
	"240", "241", "242", "243", "244", "245", "246", "247", "248", "249",
	"250", "251", "252", "253", "254", "255", "256", "257", "258",
	"260", "261", "262", "263", "264", "265", "266", "267", "268", "269",
	"290", "291", "297", "298", "299",
	"350", "351", "352", "353", "354", "355", "356", "357", "358", "359",
	"370", "371", "372", "373", "374", "375", "376", "377", "378", "379",
	"380", "381", "382", "383", "385", "386", "387", "389",
	"420", "421", "423",
	"500", "501", "502", "503", "504", "505", "506", "507", "508", "509",
	"590", "591", "592", "593", "594", "595", "596", "597", "598", "599",
	"670", "672", "673", "674", "675", "676", "677", "678", "679",
	"680", "681", "682", "683", "685", "686", "687", "688", "689",
	"690", "691", "692",
	"800", "808", "850", "852", "853", "855", "856", "870",
	"880", "881", "882", "883", "886", "888",
	"960", "961", "962", "963", "964", "965", "966", "967", "968",
	"970", "971", "972", "973", "974", "975", "976", "977", "979",
	"992", "993", "994", "995", "996", "998",
};

static int
is_assigned(const char *cc)
{
	size_t	i;

	for (i = 0; i < sizeof assigned / sizeof assigned[0]; i++) {
		if (strcmp(assigned[i], cc) == 0)
			return 1;
	}
	return 0;
}

static void
test_cc_table(void **state)
{
	char	cc[8], num[32];
	int	len, v, found = 0;

	(void)state;

	/* Every 1- to 3-digit string, so an unsorted table shows up too. */
	for (len = 1; len <= 3; len++) {
		for (v = 0; v < (len == 1 ? 10 : len == 2 ? 100 : 1000); v++) {
			snprintf(cc, sizeof cc, "%0*d", len, v);
			if (phone_cc_valid(cc) != is_assigned(cc))
				fail_msg("phone_cc_valid(\"%s\") wrong", cc);
			if (!is_assigned(cc))
				continue;
			found++;
			snprintf(num, sizeof num, "%s12345678", cc);
			assert_int_equal(phone_cc_len(num), (size_t)len);
			assert_int_equal(phone_cc_len(cc), (size_t)len);
		}
	}
	assert_int_equal(found, sizeof assigned / sizeof assigned[0]);
}

static void
test_cc_len(void **state)
{
	(void)state;

	assert_int_equal(phone_cc_len("14155552671"), 1);
	assert_int_equal(phone_cc_len("79161234567"), 1);
	assert_int_equal(phone_cc_len("77011234567"), 1);
	assert_int_equal(phone_cc_len("22890123456"), 3);
	assert_int_equal(phone_cc_len("33612345678"), 2);
	assert_int_equal(phone_cc_len("999"), 0);
	assert_int_equal(phone_cc_len("21"), 0);
	assert_int_equal(phone_cc_len("2"), 0);
	assert_int_equal(phone_cc_len("0228"), 0);
	assert_int_equal(phone_cc_len("+228"), 0);
	assert_int_equal(phone_cc_len("2a8"), 0);
	assert_int_equal(phone_cc_len(""), 0);
	assert_int_equal(phone_cc_len(NULL), 0);

	assert_true(phone_cc_valid("228"));
	assert_true(phone_cc_valid("1"));
	assert_true(phone_cc_valid("7"));
	assert_true(phone_cc_valid("44"));
	assert_false(phone_cc_valid("999"));
	assert_false(phone_cc_valid("0"));
	assert_false(phone_cc_valid(""));
	assert_false(phone_cc_valid("2280"));
	assert_false(phone_cc_valid("22a"));
	assert_false(phone_cc_valid("+228"));
	assert_false(phone_cc_valid(" 228"));
	assert_false(phone_cc_valid(NULL));
}

static uint32_t
xorshift(uint32_t *s)
{
	uint32_t	x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/*
 * Random digit strings with random separators and prefixes: any success
 * must have the E.164 shape and be a fixed point, whatever the default.
 */
static void
test_idempotence(void **state)
{
	static const char *const defccs[] = {
		NULL, "", "228", "225", "229", "33", "1", "44", "39", "241",
		"7", "234", "86", "49", "55", "850"
	};
	static const char *const prefixes[] = {
		"", "", "", "+", "+", "00", "0", " +", "(+", "+0", "00 ", "+ 0"
	};
	static const char *const seps[] = {
		"", "", "", "", " ", "-", ".", "(", ")", "/", "\t", "\xc2\xa0"
	};
	char		 in[256], out[PHONE_MAX], again[PHONE_MAX];
	const char	*defcc, *reason;
	uint32_t	 seed = 0x9e3779b9;
	size_t		 len;
	int		 i, j, ndig, ok = 0;

	(void)state;

	for (i = 0; i < 20000; i++) {
		defcc = defccs[xorshift(&seed) % (sizeof defccs / sizeof defccs[0])];
		len = (size_t)snprintf(in, sizeof in, "%s",
		    prefixes[xorshift(&seed) % (sizeof prefixes / sizeof prefixes[0])]);
		ndig = 4 + xorshift(&seed) % 14;
		for (j = 0; j < ndig && len < sizeof in - 8; j++) {
			in[len++] = '0' + xorshift(&seed) % 10;
			len += (size_t)snprintf(in + len, sizeof in - len, "%s",
			    seps[xorshift(&seed) % (sizeof seps / sizeof seps[0])]);
		}
		in[len] = '\0';

		reason = NULL;
		if (phone_normalize(in, defcc, out, &reason) != 0) {
			assert_non_null(reason);
			assert_string_equal(out, "");
			continue;
		}
		ok++;
		if (!shape_ok(out))
			fail_msg("\"%s\" gave bad shape \"%s\"", in, out);
		if (phone_normalize(out, defcc, again, &reason) != 0)
			fail_msg("\"%s\" -> \"%s\" rejected: %s", in, out,
			    reason);
		if (strcmp(out, again) != 0)
			fail_msg("\"%s\" -> \"%s\" -> \"%s\"", in, out, again);
		assert_int_equal(phone_normalize(out, NULL, again, NULL), 0);
		assert_string_equal(out, again);
	}
	/* A property that never holds anything proves nothing. */
	assert_true(ok > 2000);
}

static void
test_hostile_long(void **state)
{
	const size_t	 n = 100 * 1024;
	char		*s, out[PHONE_MAX];
	const char	*reason;

	(void)state;

	s = malloc(n + 32);
	assert_non_null(s);

	memset(s, '9', n);
	s[n] = '\0';
	assert_int_equal(phone_normalize(s, "228", out, &reason), -1);
	assert_string_equal(reason, "too long");

	memset(s, ' ', n);
	s[n] = '\0';
	assert_int_equal(phone_normalize(s, "228", out, &reason), -1);
	assert_string_equal(reason, "empty");

	strcpy(s + n, "+22890123456");
	assert_int_equal(phone_normalize(s, NULL, out, &reason), 0);
	assert_string_equal(out, "+22890123456");

	memset(s, '-', n);
	strcpy(s + n - 1, "a");
	assert_int_equal(phone_normalize(s, "228", out, &reason), -1);
	assert_string_equal(reason, "invalid character 'a'");

	memset(s, '+', n);
	s[n] = '\0';
	assert_int_equal(phone_normalize(s, "228", out, &reason), -1);
	assert_string_equal(reason, "invalid character '+'");

	memset(s, 'a', n);
	s[n] = '\0';
	assert_int_equal(phone_normalize(s, "228", out, &reason), -1);
	assert_string_equal(reason, "invalid character 'a'");

	free(s);
}

static void
test_hostile_bytes(void **state)
{
	static const char	 seps[] = " \t.-()/";
	char			 in[300], out[PHONE_MAX], want[64];
	const char		*reason;
	int			 b, r;

	(void)state;

	/* Each byte inside a valid number: separators pass, others named. */
	for (b = 1; b <= 0xff; b++) {
		snprintf(in, sizeof in, "+228 90%c123456", b);
		reason = NULL;
		r = phone_normalize(in, "228", out, &reason);
		if ((b >= '0' && b <= '9') || b == '+') {
			assert_int_equal(r, -1);
			continue;
		}
		if (strchr(seps, b) != NULL) {
			assert_int_equal(r, 0);
			assert_string_equal(out, "+22890123456");
			continue;
		}
		assert_int_equal(r, -1);
		if (b > 0x20 && b < 0x7f)
			snprintf(want, sizeof want, "invalid character '%c'", b);
		else
			snprintf(want, sizeof want, "invalid character 0x%02X", b);
		assert_string_equal(reason, want);
	}

	/* All bytes 0x01..0xFF in one string, forwards and backwards. */
	for (b = 1; b <= 0xff; b++)
		in[b - 1] = (char)b;
	in[0xff] = '\0';
	assert_int_equal(phone_normalize(in, "228", out, &reason), -1);
	assert_string_equal(reason, "invalid character 0x01");
	for (b = 1; b <= 0xff; b++)
		in[b - 1] = (char)(0x100 - b);
	assert_int_equal(phone_normalize(in, NULL, out, &reason), -1);
	assert_string_equal(reason, "invalid character 0xFF");
	assert_string_equal(out, "");
}

static void
test_reason_buffer(void **state)
{
	char		 out[PHONE_MAX];
	const char	*r1, *r2;

	(void)state;

	/* Static reasons survive later calls; built ones are reused. */
	assert_int_equal(phone_normalize("+999123", NULL, out, &r1), -1);
	assert_int_equal(phone_normalize("12ab", NULL, out, &r2), -1);
	assert_string_equal(r1, "unknown country code");
	assert_string_equal(r2, "invalid character 'a'");
}

/* WhatsApp's own forms: Mexico's +521 normalised, Argentina and Brazil
 * matched through their other form. */
static void
test_whatsapp_forms(void **state)
{
	char		 out[PHONE_MAX], alt[2][PHONE_MAX];
	const char	*why;

	assert_int_equal(phone_normalize("+5215617354008", NULL, out, &why), 0);
	assert_string_equal(out, "+525617354008");
	assert_int_equal(phone_normalize("+525617354008", NULL, out, &why), 0);
	assert_string_equal(out, "+525617354008");
	assert_int_equal(phone_alternates("+5491123456789", alt, 2), 1);
	assert_string_equal(alt[0], "+541123456789");
	assert_int_equal(phone_alternates("+541123456789", alt, 2), 1);
	assert_string_equal(alt[0], "+5491123456789");
	assert_int_equal(phone_alternates("+5511987654321", alt, 2), 1);
	assert_string_equal(alt[0], "+551187654321");
	assert_int_equal(phone_alternates("+551187654321", alt, 2), 1);
	assert_string_equal(alt[0], "+5511987654321");
	/* A Brazilian landline (first digit 2-5) has no ninth digit. */
	assert_int_equal(phone_alternates("+551132654321", alt, 2), 0);
	assert_int_equal(phone_alternates("+22890123456", alt, 2), 0);
	assert_int_equal(phone_alternates("", alt, 2), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_togo),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_stray_trunk),
		cmocka_unit_test(test_africa),
		cmocka_unit_test(test_as_typed),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_reject_chars),
		cmocka_unit_test(test_reject_number),
		cmocka_unit_test(test_reject_empty),
		cmocka_unit_test(test_cc_table),
		cmocka_unit_test(test_cc_len),
		cmocka_unit_test(test_idempotence),
		cmocka_unit_test(test_hostile_long),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_reason_buffer),
		cmocka_unit_test(test_whatsapp_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
