/*
 * Log lines under journald: each starts with its syslog priority, a
 * warning "<4>", information "<6>", and what stops the program "<3>", so
 * that journalctl -p err finds it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Run FN in a child whose stderr is a file journald would be reading;
 * what it wrote, into BUF. */
static void
journal_run(void (*fn)(void), char *buf, size_t len)
{
	char		 path[] = "/tmp/wacamp-test-log.XXXXXX", val[64];
	struct stat	 st;
	pid_t		 pid;
	ssize_t		 n;
	int		 fd, status;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(val, sizeof val, "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		dup2(fd, STDERR_FILENO);
		setenv("JOURNAL_STREAM", val, 1);
		log_init("test", 1, LOG_LVL_INFO);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	n = pread(fd, buf, len - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	unlink(path);
}

static void
lines(void)
{
	log_warnx("a warning");
	log_info("some news");
	errno = ENOENT;
	log_warn("opening x");
	fatalx("cannot go on");
}

static void
fatal_errno(void)
{
	errno = EACCES;
	fatal("store: open");
}

static void
test_priorities(void **state)
{
	char	 buf[1024];

	(void)state;
	journal_run(lines, buf, sizeof buf);
	assert_string_equal(buf, "<4>a warning\n<6>some news\n"
	    "<4>opening x: No such file or directory\n<3>cannot go on\n");
	journal_run(fatal_errno, buf, sizeof buf);
	assert_string_equal(buf, "<3>store: open: Permission denied\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priorities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
