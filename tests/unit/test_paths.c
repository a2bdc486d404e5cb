/*
 * shared/paths.c: the default socket and store (issue 19): systemd's
 * $RUNTIME_DIRECTORY and $STATE_DIRECTORY first (the first of a list),
 * then the system's for root (an organisation's own with --org), else the
 * user's; organisation names; mkdir -p of a store's directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

static void
expect(char *got, const char *want)
{
	assert_string_equal(got, want);
	free(got);
}

static int
setup(void **state)
{
	unsetenv("RUNTIME_DIRECTORY");
	unsetenv("STATE_DIRECTORY");
	setenv("XDG_RUNTIME_DIR", "/xdg/run", 1);
	setenv("XDG_DATA_HOME", "/xdg/data", 1);
	return 0;
}

static void
test_systemd_dirs(void **state)
{
	setenv("RUNTIME_DIRECTORY", "/run/wacamp-x:/run/other", 1);
	setenv("STATE_DIRECTORY", "/var/lib/wacamp/x", 1);
	expect(paths_socket(), "/run/wacamp-x/wacampd.sock");
	expect(paths_store(), "/var/lib/wacamp/x/wacamp.db");
	/* Not absolute: not systemd's, ignored. */
	setenv("RUNTIME_DIRECTORY", "relative", 1);
	setenv("STATE_DIRECTORY", "", 1);
	if (getuid() == 0) {
		expect(paths_socket(), "/run/wacamp/wacampd.sock");
		expect(paths_store(), "/var/lib/wacamp/wacamp.db");
	} else {
		expect(paths_socket(), "/xdg/run/wacamp/wacampd.sock");
		expect(paths_store(), "/xdg/data/wacamp/wacamp.db");
	}
	setup(NULL);
}

static void
test_org(void **state)
{
	assert_null(paths_org());
	assert_int_equal(paths_set_org("Acme"), -1);
	assert_int_equal(paths_set_org("a/b"), -1);
	assert_int_equal(paths_set_org(""), -1);
	assert_int_equal(paths_set_org("abcdefghijklmnopqrstuvwxyz0123456"),
	    -1);
	assert_null(paths_org());
	assert_int_equal(paths_set_org("acme-2_b"), 0);
	assert_string_equal(paths_org(), "acme-2_b");
	expect(paths_system_socket(), "/run/wacamp-acme-2_b/wacampd.sock");
	expect(paths_user_socket(), "/xdg/run/wacamp/wacampd-acme-2_b.sock");
	if (getuid() == 0) {
		expect(paths_socket(), "/run/wacamp-acme-2_b/wacampd.sock");
		expect(paths_store(), "/var/lib/wacamp/acme-2_b/wacamp.db");
	} else {
		expect(paths_socket(), "/xdg/run/wacamp/wacampd-acme-2_b.sock");
		expect(paths_store(), "/xdg/data/wacamp/acme-2_b/wacamp.db");
	}
	/* systemd's directory is the organisation's already. */
	setenv("STATE_DIRECTORY", "/var/lib/wacamp/acme-2_b", 1);
	expect(paths_store(), "/var/lib/wacamp/acme-2_b/wacamp.db");
	setup(NULL);
}

static void
test_mkparents(void **state)
{
	char		 dir[] = "/tmp/wacamp-paths-XXXXXX", path[300], err[300];
	char		 cmd[400];
	struct stat	 st;
	FILE		*fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/a/b/c/wacamp.db", dir);
	assert_int_equal(paths_mkparents(path, 0700, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/a/b/c", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Again: nothing to do. */
	snprintf(path, sizeof path, "%s/a/b/c/wacamp.db", dir);
	assert_int_equal(paths_mkparents(path, 0700, err, sizeof err), 0);
	/* Under a file: the error names the level it could not make. */
	snprintf(path, sizeof path, "%s/a/b/c/wacamp.db", dir);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	snprintf(path, sizeof path, "%s/a/b/c/wacamp.db/x/y.db", dir);
	assert_int_equal(paths_mkparents(path, 0700, err, sizeof err), -1);
	assert_non_null(strstr(err, "c/wacamp.db"));
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd_dirs),
		cmocka_unit_test(test_org),
		cmocka_unit_test(test_mkparents),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
