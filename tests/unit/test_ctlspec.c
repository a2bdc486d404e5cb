#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cmds.h"
#include "ctl.h"
#include "ctl_args.h"

/*
 * Argument specs of the command table, checked once when the daemon
 * starts (ctl_spec_check): what is well formed, what is refused and why,
 * and every spec the daemon ships passes.
 */

static void
test_good(void **state)
{
	char	 why[200];

	assert_int_equal(ctl_spec_check("", why, sizeof why), 0);
	assert_int_equal(ctl_spec_check("id:i!", why, sizeof why), 0);
	assert_int_equal(ctl_spec_check("id:i! name:s dry_run:b cats:a o:o "
	    "n:n any:*", why, sizeof why), 0);
	assert_int_equal(ctl_spec_check("id:i! ", why, sizeof why), 0);
}

static void
test_bad(void **state)
{
	static const char *const bad[][2] = {
		{ "id", "not name:type" },
		{ ":i", "not name:type" },
		{ "id:", "the type" },
		{ "id:x", "the type" },
		{ "id:i?", "the type" },
		{ "id:i!!", "the type" },
		{ "Id:i", "not name:type" },
		{ "id:i  name:s", "empty word" },
		{ "id:i name:s id:s", "twice" },
	};
	char	 why[200];
	size_t	 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		if (ctl_spec_check(bad[i][0], why, sizeof why) != -1)
			fail_msg("\"%s\" was taken", bad[i][0]);
		if (strstr(why, bad[i][1]) == NULL)
			fail_msg("\"%s\": %s", bad[i][0], why);
	}
}

/* Every table the daemon ships. */
static void
test_shipped(void **state)
{
	const struct ctl_cmd *const tables[] = { auth_cmds, users_cmds,
	    misc_cmds, campaigns_cmds, verify_cmds, contacts_cmds,
	    categories_cmds, webhook_cmds };
	const struct ctl_cmd	*t;
	char			 why[200];
	size_t			 i, n = 0;

	for (i = 0; i < sizeof tables / sizeof tables[0]; i++)
		for (t = tables[i]; t->name != NULL; t++, n++) {
			assert_non_null(t->fn);
			if (t->args != NULL && ctl_spec_check(t->args, why,
			    sizeof why) == -1)
				fail_msg("%s: %s", t->name, why);
		}
	assert_true(n > 40);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
