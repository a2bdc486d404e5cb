#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"

/* fold_name(IN) must be exactly WANT. */
static void
fold_is(const char *in, const char *want)
{
	char	*s = strdup(in);

	assert_non_null(s);
	fold_name(s);
	if (strcmp(s, want) != 0)
		fail_msg("fold_name(\"%s\") gave \"%s\", want \"%s\"", in, s,
		    want);
	free(s);
}

static void
test_latin(void **state)
{
	fold_is("Kon\xc3\xa9", "kone");
	fold_is("\xc3\x89LO\xc3\x8fSE", "eloise");
	fold_is("Fran\xc3\xa7ois N'Gu\xc3\xa9ssan", "francois n'guessan");
	fold_is("\xc3\x80\xc3\x81\xc3\x82\xc3\x83\xc3\x84\xc3\x85", "aaaaaa");
	fold_is("\xc3\xb1\xc3\x91\xc3\xbf\xc3\xbd", "nnyy");
	/* Latin Extended-A: Dvořák, Łódź. */
	fold_is("Dvo\xc5\x99\xc3\xa1k", "dvorak");
	fold_is("\xc5\x81\xc3\xb3\x64\xc5\xba", "lodz");
}

static void
test_kept(void **state)
{
	/* Letters with no base letter are lowercased and kept. */
	fold_is("\xc3\x86sir", "\xc3\xa6sir");
	fold_is("Stra\xc3\x9f" "e", "stra\xc3\x9f" "e");
	fold_is("\xc5\x92uvre", "\xc5\x93uvre");
	/* Other scripts, spaces and punctuation stay as they are. */
	fold_is("\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0 X", "\xd0\x90\xd0\xbd\xd0\xbd"
	    "\xd0\xb0 x");
	fold_is("  a-b.c  ", "  a-b.c  ");
	fold_is("", "");
	/* A broken sequence is copied, never read past. */
	fold_is("ab\xc3", "ab\xc3");
	fold_is("\xc3" "A", "\xc3" "a");
}

static void
test_variants(void **state)
{
	const char *const	*v;
	char			 s[8];
	int			 n;

	assert_null(fold_variants('k'));
	assert_null(fold_variants('E'));
	/* Every variant folds back to its letter. */
	for (const char *c = "aceinouy"; *c != '\0'; c++) {
		v = fold_variants(*c);
		assert_non_null(v);
		for (n = 0; v[n] != NULL; n++) {
			snprintf(s, sizeof s, "%s", v[n]);
			fold_name(s);
			assert_int_equal(s[0], *c);
			assert_int_equal(s[1], '\0');
		}
		assert_true(n >= 1 && n <= 7);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latin),
		cmocka_unit_test(test_kept),
		cmocka_unit_test(test_variants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
