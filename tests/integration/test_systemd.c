/*
 * wacampd the way a service manager runs it (issue 19): --version and
 * --help exit 0; a detached start that cannot open its database exits
 * non-zero with the reason on stderr (a database newer than the program
 * included), and one that can exits 0 once it answers; Type=notify sees
 * READY=1 and STATUS= on start and STOPPING=1 on stop, on a path and on
 * an abstract socket; under journald ($JOURNAL_STREAM naming stderr)
 * every line carries its priority and no time of its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"

static const char *
wacampd(void)
{
	const char	*b = getenv("WACAMPD");

	return b != NULL ? b : "build/wacampd";
}

static void
test_version_help(void **state)
{
	char	 cmd[512], *out;

	snprintf(cmd, sizeof cmd, "'%s' --version 2>&1", wacampd());
	assert_int_equal(harness_sh(cmd, &out), 0);
	assert_non_null(strstr(out, "wacampd "));
	free(out);
	snprintf(cmd, sizeof cmd, "'%s' --help 2>&1", wacampd());
	assert_int_equal(harness_sh(cmd, &out), 0);
	assert_non_null(strstr(out, "wacampd backup"));
	free(out);
	snprintf(cmd, sizeof cmd, "'%s' --no-such-option 2>&1", wacampd());
	assert_int_equal(harness_sh(cmd, &out), 2);
	free(out);
}

/* A detached daemon that cannot start says why in the terminal. */
static void
test_detached_failure(void **state)
{
	struct harness	 h;
	sqlite3		*db;
	char		 cmd[1024], *out, extra[600];

	harness_init(&h, NULL);
	/* A store under a directory that does not exist, never initialised. */
	snprintf(extra, sizeof extra, "[store]\npath = %s/missing/dir/x.db\n"
	    "[wassenger]\nprovider = simulator\n", h.dir);
	FILE *fp = fopen(h.conf, "w");
	assert_non_null(fp);
	fprintf(fp, "[daemon]\nsocket = %s\n%s", h.sock, extra);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "timeout 20 '%s' -c '%s' 2>&1 >/dev/null",
	    wacampd(), h.conf);
	assert_int_equal(harness_sh(cmd, &out), 1);
	assert_non_null(strstr(out, "missing/dir/x.db"));
	assert_non_null(strstr(out, "no database"));
	free(out);
	assert_int_equal(access(h.sock, F_OK), -1);

	/* A database from a newer wacampd: refused, and the operator told. */
	harness_cleanup(&h);
	harness_init(&h, "[wassenger]\nprovider = simulator\n");
	snprintf(cmd, sizeof cmd, "'%s' init -c '%s' >/dev/null 2>&1",
	    wacampd(), h.conf);
	assert_int_equal(harness_sh(cmd, &out), 0);
	free(out);
	assert_int_equal(sqlite3_open(h.db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 9999", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	snprintf(cmd, sizeof cmd, "timeout 20 '%s' -c '%s' 2>&1 >/dev/null",
	    wacampd(), h.conf);
	assert_int_equal(harness_sh(cmd, &out), 1);
	assert_non_null(strstr(out, "database schema 9999 is newer than this "
	    "program"));
	free(out);
	harness_cleanup(&h);
}

/* One that can start exits 0 only once its socket answers. */
static void
test_detached_success(void **state)
{
	struct harness	 h;
	char		 cmd[1024], pidpath[300], *out;
	FILE		*fp;
	long		 pid = 0;
	double		 t0;
	int		 fd;

	harness_init(&h, "[wassenger]\nprovider = simulator\n");
	snprintf(pidpath, sizeof pidpath, "%s/wacampd.pid", h.dir);
	fp = fopen(h.conf, "a");
	assert_non_null(fp);
	fprintf(fp, "[daemon]\npidfile = %s\n", pidpath);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "'%s' init -c '%s' >/dev/null 2>&1 && "
	    "timeout 20 '%s' -c '%s' 2>&1", wacampd(), h.conf, wacampd(),
	    h.conf);
	assert_int_equal(harness_sh(cmd, &out), 0);
	free(out);
	/* At once: no wait needed after a successful detached start. */
	assert_true((fd = harness_connect(&h)) != -1);
	close(fd);
	assert_non_null(fp = fopen(pidpath, "r"));
	assert_int_equal(fscanf(fp, "%ld", &pid), 1);
	fclose(fp);
	assert_true(pid > 1);
	assert_int_equal(kill((pid_t)pid, SIGTERM), 0);
	t0 = harness_now();
	while (kill((pid_t)pid, 0) == 0 && harness_now() - t0 < 10)
		usleep(20000);
	assert_int_equal(kill((pid_t)pid, 0), -1);
	harness_cleanup(&h);
}

/* Bind a datagram socket at NAME (a path, or @abstract). */
static int
notify_listen(const char *name)
{
	struct sockaddr_un	 sun;
	size_t			 len = strlen(name);
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	assert_true(len < sizeof sun.sun_path);
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	assert_true((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
	return fd;
}

/* Datagrams on FD until one holds WANT (up to SECS); all appended to LOG. */
static int
notify_wait(int fd, const char *want, double secs, char *log, size_t loglen)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		 buf[1024];
	ssize_t		 n;
	double		 t0 = harness_now();

	while (harness_now() - t0 < secs) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof buf - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		strncat(log, buf, loglen - strlen(log) - 2);
		strcat(log, "\n");
		if (strstr(buf, want) != NULL)
			return 1;
	}
	return 0;
}

static void
notify_case(const char *name)
{
	struct harness	 h;
	char		 log[8192] = "";
	int		 fd;

	harness_init(&h, "[wassenger]\nprovider = simulator\n");
	fd = notify_listen(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(harness_start(&h), 0);
	unsetenv("NOTIFY_SOCKET");
	assert_true(notify_wait(fd, "READY=1", 10, log, sizeof log));
	/* READY comes once the socket is bound: a client gets in at once. */
	int c = harness_connect(&h);
	assert_true(c != -1);
	close(c);
	if (strstr(log, "STATUS=") == NULL)
		assert_true(notify_wait(fd, "STATUS=", 5, log, sizeof log));
	assert_non_null(strstr(log, "STATUS=today 0 sent of"));
	assert_non_null(strstr(log, "MAINPID="));
	assert_null(strstr(log, "STOPPING=1"));
	harness_stop(&h);
	assert_true(notify_wait(fd, "STOPPING=1", 5, log, sizeof log));
	close(fd);
	harness_cleanup(&h);
}

static void
test_notify_path(void **state)
{
	char	 dir[] = "/tmp/wacamp-notify-XXXXXX", path[300];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/notify", dir);
	notify_case(path);
	unlink(path);
	rmdir(dir);
}

static void
test_notify_abstract(void **state)
{
	char	 name[64];

	snprintf(name, sizeof name, "@wacamp-test-notify-%ld", (long)getpid());
	notify_case(name);
}

/* Under journald: "<4>ctl: …", "<6>…", and no "HH:MM:SS wacampd:". */
static void
test_journal_priorities(void **state)
{
	struct harness	 h;
	struct stat	 st;
	char		 val[64], *out, cmd[400];
	int		 fd;

	harness_init(&h, "[wassenger]\nprovider = simulator\n"
	    "[daemon]\nsocket_group = wacamp-no-such-group\n");
	assert_true((fd = open(h.log, O_WRONLY | O_CREAT | O_APPEND, 0600))
	    != -1);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	snprintf(val, sizeof val, "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", val, 1);
	assert_int_equal(harness_start(&h), 0);
	unsetenv("JOURNAL_STREAM");
	harness_stop(&h);
	snprintf(cmd, sizeof cmd, "cat '%s'", h.log);
	assert_int_equal(harness_sh(cmd, &out), 0);
	assert_non_null(strstr(out, "\n<4>ctl: cannot give"));
	assert_non_null(strstr(out, "\n<6>wacampd "));
	assert_non_null(strstr(out, "\n<6>stopped"));
	assert_null(strstr(out, " wacampd: "));
	free(out);
	harness_cleanup(&h);

	/* Without it (a terminal, a file), the time and name as before. */
	harness_init(&h, "[wassenger]\nprovider = simulator\n");
	setenv("JOURNAL_STREAM", "1:1", 1);
	assert_int_equal(harness_start(&h), 0);
	unsetenv("JOURNAL_STREAM");
	harness_stop(&h);
	snprintf(cmd, sizeof cmd, "cat '%s'", h.log);
	assert_int_equal(harness_sh(cmd, &out), 0);
	assert_non_null(strstr(out, " wacampd: stopped"));
	assert_null(strstr(out, "<6>"));
	free(out);
	harness_cleanup(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_help),
		cmocka_unit_test(test_detached_failure),
		cmocka_unit_test(test_detached_success),
		cmocka_unit_test(test_notify_path),
		cmocka_unit_test(test_notify_abstract),
		cmocka_unit_test(test_journal_priorities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
