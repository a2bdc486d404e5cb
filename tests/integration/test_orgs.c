/*
 * One daemon per organisation (issue 19): two daemons from two NAME.conf
 * files, each started with --org NAME and no socket or store path in its
 * file, run side by side (each its webhook port) and do not see each
 * other's contacts; `wacamp --org NAME` finds each one's socket; with no
 * daemon, the client names every socket it tried. Under systemd's
 * $RUNTIME_DIRECTORY and $STATE_DIRECTORY, the daemon puts its socket
 * and store there.
 *
 * As a user, the defaults are under $XDG_RUNTIME_DIR and $XDG_DATA_HOME
 * (both in the test's directory; the store's two missing levels made).
 * As root they are /run/wacamp-NAME (a name unique to this run, removed
 * after) and $STATE_DIRECTORY (the test's directory).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "kit.h"

static char	 dir[] = "/tmp/wacamp-orgs-XXXXXX";
static char	 org[2][64], none[64];
static pid_t	 pids[3];

static const char *
bin(const char *var, const char *def)
{
	const char	*b = getenv(var);

	return b != NULL ? b : def;
}

/* The environment of a process of this test (ORG: its store, as root). */
static void
env_for(char *buf, size_t len, int i)
{
	if (getuid() == 0)
		snprintf(buf, len, "env -u WACAMP_SOCKET -u RUNTIME_DIRECTORY "
		    "STATE_DIRECTORY=%s/state-%d XDG_RUNTIME_DIR=%s/run "
		    "HOME=%s", dir, i, dir, dir);
	else
		snprintf(buf, len, "env -u WACAMP_SOCKET -u RUNTIME_DIRECTORY "
		    "-u STATE_DIRECTORY XDG_RUNTIME_DIR=%s/run "
		    "XDG_DATA_HOME=%s/data HOME=%s", dir, dir, dir);
}

/* `wacamp --org ORG ARGS`, as organisation I's operator. */
static int
cli(int i, const char *args, char **out)
{
	char	 env[1024], cmd[2048];

	env_for(env, sizeof env, i);
	if (i < 2)
		snprintf(cmd, sizeof cmd, "%s '%s' --org %s %s 2>&1", env,
		    bin("WACAMP", "build/wacamp"), org[i], args);
	else
		snprintf(cmd, sizeof cmd, "%s '%s' %s 2>&1", env,
		    bin("WACAMP", "build/wacamp"), args);
	return harness_sh(cmd, out);
}

static pid_t
start(const char *envs, const char *args, const char *sock)
{
	char	 cmd[2048], log[300];
	double	 t0;
	pid_t	 pid;

	snprintf(log, sizeof log, "%s/daemons.log", dir);
	snprintf(cmd, sizeof cmd, "exec %s '%s' -f %s >>'%s' 2>&1", envs,
	    bin("WACAMPD", "build/wacampd"), args, log);
	if ((pid = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	t0 = harness_now();
	while (access(sock, F_OK) == -1 && harness_now() - t0 < 10)
		usleep(20000);
	assert_int_equal(access(sock, F_OK), 0);
	return pid;
}

static void
stop_all(void)
{
	char	 cmd[600];
	int	 i;

	for (i = 0; i < 3; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGTERM);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
	for (i = 0; i < 2; i++)
		if (getuid() == 0 && org[i][0] != '\0') {
			snprintf(cmd, sizeof cmd, "/run/wacamp-%s", org[i]);
			rmdir(cmd);
		}
	if (getenv("WACAMP_KEEP_TEST_DIR") == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
}

static void
test_two_orgs(void **state)
{
	char	 env[1024], path[400], args[2048], sock[2][400], *out;
	FILE	*fp;
	int	 i, port;

	assert_non_null(mkdtemp(dir));
	atexit(stop_all);
	snprintf(path, sizeof path, "%s/run", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (i = 0; i < 2; i++) {
		snprintf(org[i], sizeof org[i], "t19-%ld-%c", (long)getpid(),
		    'a' + i);
		if (getuid() == 0)
			snprintf(sock[i], sizeof sock[i],
			    "/run/wacamp-%s/wacampd.sock", org[i]);
		else
			snprintf(sock[i], sizeof sock[i],
			    "%s/run/wacamp/wacampd-%s.sock", dir, org[i]);
		snprintf(path, sizeof path, "%s/%s.conf", dir, org[i]);
		assert_non_null(fp = fopen(path, "w"));
		port = kit_free_port();
		fprintf(fp, "[wassenger]\nprovider = simulator\n[webhook]\n"
		    "listen = 127.0.0.1:%d\ntoken = org-%c-0123456789abcdef"
		    "0123456789\n", port, 'a' + i);
		fclose(fp);
		chmod(path, 0600);
		env_for(env, sizeof env, i);
		snprintf(args, sizeof args, "%s '%s' init --org %s -c '%s' "
		    ">/dev/null 2>&1", env, bin("WACAMPD", "build/wacampd"),
		    org[i], path);
		assert_int_equal(system(args), 0);
		snprintf(args, sizeof args, "--org %s -c '%s'", org[i], path);
		pids[i] = start(env, args, sock[i]);
	}
	/* As a user, the store's two missing levels were made. */
	if (getuid() != 0) {
		snprintf(path, sizeof path, "%s/data/wacamp/%s/wacamp.db", dir,
		    org[0]);
		assert_int_equal(access(path, F_OK), 0);
	}

	assert_int_equal(cli(0, "contacts add +22890123456 --first-name Ama",
	    &out), 0);
	free(out);
	assert_int_equal(cli(1, "contacts add +22890654321 --first-name Kofi",
	    &out), 0);
	free(out);
	assert_int_equal(cli(0, "contacts list", &out), 0);
	assert_non_null(strstr(out, "Ama"));
	assert_null(strstr(out, "Kofi"));
	free(out);
	assert_int_equal(cli(1, "contacts list", &out), 0);
	assert_non_null(strstr(out, "Kofi"));
	assert_null(strstr(out, "Ama"));
	free(out);

	/* No daemon for that organisation: every place tried, named. */
	snprintf(none, sizeof none, "t19-none-%ld", (long)getpid());
	snprintf(args, sizeof args, "--org %s status", none);
	assert_int_equal(cli(2, args, &out), 3);
	snprintf(path, sizeof path, "/run/wacamp-%s/wacampd.sock", none);
	assert_non_null(strstr(out, path));
	snprintf(path, sizeof path, "%s/run/wacamp/wacampd-%s.sock", dir,
	    none);
	assert_non_null(strstr(out, path));
	free(out);
	/* Without --org (and no system daemon here): $WACAMP_SOCKET too. */
	if (access("/run/wacamp/wacampd.sock", F_OK) == -1) {
		assert_int_equal(cli(2, "status", &out), 3);
		assert_non_null(strstr(out, "$WACAMP_SOCKET (unset)"));
		assert_non_null(strstr(out, "/run/wacamp/wacampd.sock"));
		free(out);
	}
	assert_int_equal(cli(2, "--org 'Bad Name' status", &out), 2);
	free(out);
}

/* systemd's directories win over the defaults. */
static void
test_systemd_dirs(void **state)
{
	char	 env[1200], args[2400], sock[400], db[400], path[400], *out;
	FILE	*fp;

	snprintf(path, sizeof path, "%s/sd.conf", dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "[wassenger]\nprovider = simulator\n");
	fclose(fp);
	snprintf(args, sizeof args, "%s/sd-run", dir);
	assert_int_equal(mkdir(args, 0755), 0);
	snprintf(args, sizeof args, "%s/sd-state", dir);
	assert_int_equal(mkdir(args, 0700), 0);
	snprintf(env, sizeof env, "env RUNTIME_DIRECTORY=%s/sd-run "
	    "STATE_DIRECTORY=%s/sd-state:%s/unused HOME=%s", dir, dir, dir,
	    dir);
	snprintf(args, sizeof args, "%s '%s' init -c '%s' >/dev/null 2>&1",
	    env, bin("WACAMPD", "build/wacampd"), path);
	assert_int_equal(system(args), 0);
	snprintf(db, sizeof db, "%s/sd-state/wacamp.db", dir);
	assert_int_equal(access(db, F_OK), 0);
	snprintf(sock, sizeof sock, "%s/sd-run/wacampd.sock", dir);
	snprintf(args, sizeof args, "-c '%s'", path);
	pids[2] = start(env, args, sock);
	snprintf(args, sizeof args, "'%s' -S '%s' status 2>&1",
	    bin("WACAMP", "build/wacamp"), sock);
	assert_int_equal(harness_sh(args, &out), 0);
	assert_non_null(strstr(out, "simulator"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_orgs),
		cmocka_unit_test(test_systemd_dirs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
