#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "harness.h"

static int	 read_reset;

/*
 * Every daemon and fake a test started: whatever a failed assertion skips,
 * they are gone when the test program exits, so that none is left holding
 * the output pipe of `make check`.
 */
#define HARNESS_KIDS	256
static pid_t	 kids[HARNESS_KIDS];

static void
kids_kill(void)
{
	size_t	 i;

	for (i = 0; i < HARNESS_KIDS; i++)
		/* Only a child not reaped yet: its pid cannot be reused. */
		if (kids[i] > 0 && waitpid(kids[i], NULL, WNOHANG) == 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
}

static void
kid_add(pid_t pid)
{
	static int	 registered;
	static size_t	 n;

	if (!registered) {
		atexit(kids_kill);
		registered = 1;
	}
	if (n < HARNESS_KIDS)
		kids[n++] = pid;
}

static const char *
env_or(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

double
harness_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
harness_init(struct harness *h, const char *extra)
{
	FILE	*fp;

	memset(h, 0, sizeof *h);
	snprintf(h->dir, sizeof h->dir, "/tmp/wacamp-test-XXXXXX");
	if (mkdtemp(h->dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(h->conf, sizeof h->conf, "%s/wacampd.conf", h->dir);
	snprintf(h->sock, sizeof h->sock, "%s/wacampd.sock", h->dir);
	snprintf(h->db, sizeof h->db, "%s/wacamp.db", h->dir);
	snprintf(h->log, sizeof h->log, "%s/daemon.log", h->dir);
	if ((fp = fopen(h->conf, "w")) == NULL) {
		perror(h->conf);
		exit(1);
	}
	fprintf(fp, "[daemon]\nsocket = %s\nlog_level = debug\n"
	    "[store]\npath = %s\n%s\n", h->sock, h->db, extra ? extra : "");
	fclose(fp);
	chmod(h->conf, 0600);
}

static int
run_wait(char *const argv[], const char *out)
{
	pid_t	 pid;
	int	 st, fd;

	if ((pid = fork()) == 0) {
		if (out != NULL && (fd = open(out, O_WRONLY | O_CREAT |
		    O_APPEND, 0600)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
harness_start(struct harness *h)
{
	const char	*bin = env_or("WACAMPD", "build/wacampd");
	char		*init[] = { (char *)bin, (char *)"init", (char *)"-c",
			    h->conf, NULL };
	double		 t0;
	int		 fd, logfd;

	if (access(h->db, F_OK) == -1 && run_wait(init, h->log) != 0) {
		fprintf(stderr, "harness: wacampd init failed, see %s\n",
		    h->log);
		return -1;
	}
	if ((h->daemon = fork()) == 0) {
		logfd = open(h->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(logfd, 2);
		dup2(logfd, 1);
		execl(bin, bin, "-f", "-c", h->conf, (char *)NULL);
		_exit(127);
	}
	if (h->daemon > 0)
		kid_add(h->daemon);
	t0 = harness_now();
	while (harness_now() - t0 < 10) {
		if ((fd = harness_connect(h)) != -1) {
			close(fd);
			return 0;
		}
		usleep(20000);
	}
	fprintf(stderr, "harness: daemon did not come up, see %s\n", h->log);
	return -1;
}

int
harness_stop(struct harness *h)
{
	double	 t0;
	int	 st = 0;
	pid_t	 r;

	if (h->daemon <= 0)
		return -1;
	kill(h->daemon, SIGTERM);
	t0 = harness_now();
	for (;;) {
		r = waitpid(h->daemon, &st, WNOHANG);
		if (r == h->daemon)
			break;
		if (harness_now() - t0 > 5) {
			kill(h->daemon, SIGKILL);
			waitpid(h->daemon, &st, 0);
			break;
		}
		usleep(10000);
	}
	h->daemon = 0;
	return st;
}

/*
 * A daemon that hit a memory error or undefined behaviour (the sanitized
 * run) may well have answered first: a test that only reads replies
 * would pass. Its log says so; the test fails with the report.
 */
static void
sanitizer_check(struct harness *h)
{
	char	 line[1024];
	FILE	*fp;
	int	 bad = 0, n = 0;

	if ((fp = fopen(h->log, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strstr(line, "ERROR: AddressSanitizer") != NULL ||
		    strstr(line, "runtime error:") != NULL)
			bad = 1;
		if (bad && n++ < 40)
			fputs(line, stderr);
	}
	fclose(fp);
	if (bad)
		fail_msg("the daemon's log (%s) has a sanitizer report",
		    h->log);
}

void
harness_cleanup(struct harness *h)
{
	char	 cmd[400];

	if (h->daemon > 0)
		harness_stop(h);
	if (h->fake > 0) {
		kill(h->fake, SIGTERM);
		waitpid(h->fake, NULL, 0);
		h->fake = 0;
	}
	/* On a report the directory stays, for its log and database. */
	sanitizer_check(h);
	if (getenv("WACAMP_KEEP_TEST_DIR") == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "harness: cannot remove %s\n", h->dir);
	}
}

json_t *
harness_read(int fd, int timeout_ms)
{
	static char	 buf[4 * 1024 * 1024];
	static size_t	 len;
	static int	 lastfd = -1;
	struct pollfd	 pfd;
	char		*nl;
	ssize_t		 n;
	json_t		*j;
	double		 t0 = harness_now();

	/* One buffered stream at a time: the tests read one socket in turn. */
	if (fd != lastfd || read_reset) {
		read_reset = 0;
		len = 0;
		lastfd = fd;
	}
	for (;;) {
		if ((nl = memchr(buf, '\n', len)) != NULL) {
			j = json_loadb(buf, (size_t)(nl - buf), 0, NULL);
			len -= (size_t)(nl - buf) + 1;
			memmove(buf, nl + 1, len);
			return j;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout_ms - (int)((harness_now() - t0) *
		    1000)) <= 0)
			return NULL;
		if (len == sizeof buf)
			return NULL;
		n = read(fd, buf + len, sizeof buf - len);
		if (n <= 0)
			return NULL;
		len += (size_t)n;
	}
}

int
harness_connect(struct harness *h)
{
	struct sockaddr_un	 sun;
	json_t			*hello;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(h->sock) >= sizeof sun.sun_path)
		return -1;
	memcpy(sun.sun_path, h->sock, strlen(h->sock) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return -1;
	}
	read_reset = 1;
	if ((hello = harness_read(fd, 5000)) == NULL) {
		close(fd);
		return -1;
	}
	json_decref(hello);
	return fd;
}

int
harness_send(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

json_t *
harness_call(int fd, const char *cmd, json_t *args)
{
	static int	 id = 1;
	json_t		*req, *rep;
	char		*line;
	int		 myid = id++;

	req = json_pack("{s:i,s:s,s:o}", "id", myid, "cmd", cmd, "args",
	    args ? args : json_object());
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (harness_send(fd, line, strlen(line)) == -1 ||
	    harness_send(fd, "\n", 1) == -1) {
		free(line);
		return NULL;
	}
	free(line);
	for (;;) {
		if ((rep = harness_read(fd, 30000)) == NULL)
			return NULL;
		if (json_integer_value(json_object_get(rep, "id")) == myid)
			return rep;
		json_decref(rep);
	}
}

int
harness_sh(const char *cmd, char **out)
{
	char	 buf[4096];
	size_t	 n, len = 0;
	FILE	*fp;
	int	 st;

	*out = calloc(1, 1);
	if (*out == NULL || (fp = popen(cmd, "r")) == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
		char	*p = realloc(*out, len + n + 1);

		if (p == NULL)
			break;
		*out = p;
		memcpy(*out + len, buf, n);
		len += n;
		(*out)[len] = '\0';
	}
	st = pclose(fp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
harness_cli(struct harness *h, const char *args, const char *in, char **out)
{
	char	 cmd[4096], outpath[300], inpath[300];
	FILE	*fp;
	long	 sz;
	int	 st;

	snprintf(outpath, sizeof outpath, "%s/cli.out", h->dir);
	snprintf(inpath, sizeof inpath, "%s/cli.in", h->dir);
	fp = fopen(inpath, "w");
	if (fp != NULL) {
		if (in != NULL)
			fputs(in, fp);
		fclose(fp);
	}
	snprintf(cmd, sizeof cmd, "'%s' -S '%s' %s <'%s' >'%s'",
	    env_or("WACAMP", "build/wacamp"), h->sock, args, inpath, outpath);
	st = system(cmd);
	if (out != NULL) {
		*out = NULL;
		if ((fp = fopen(outpath, "r")) != NULL) {
			fseek(fp, 0, SEEK_END);
			sz = ftell(fp);
			rewind(fp);
			*out = calloc(1, (size_t)sz + 1);
			if (*out != NULL && fread(*out, 1, (size_t)sz, fp) !=
			    (size_t)sz)
				(*out)[0] = '\0';
			fclose(fp);
		}
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
harness_fake_start(struct harness *h)
{
	char	 portfile[300], reqlog[300], buf[32];
	FILE	*fp;
	double	 t0;
	int	 logfd;

	snprintf(portfile, sizeof portfile, "%s/fake.port", h->dir);
	snprintf(reqlog, sizeof reqlog, "%s/fake.requests", h->dir);
	if ((h->fake = fork()) == 0) {
		logfd = open("/dev/null", O_WRONLY);
		dup2(logfd, 1);
		execl(env_or("FAKEWASS", "build/tests/fakewass"), "fakewass",
		    "-p", "0", "-P", portfile, "-r", reqlog, (char *)NULL);
		_exit(127);
	}
	if (h->fake > 0)
		kid_add(h->fake);
	t0 = harness_now();
	while (harness_now() - t0 < 5) {
		if ((fp = fopen(portfile, "r")) != NULL) {
			if (fgets(buf, sizeof buf, fp) != NULL)
				h->fake_port = atoi(buf);
			fclose(fp);
			if (h->fake_port > 0)
				return h->fake_port;
		}
		usleep(10000);
	}
	return -1;
}

char *
harness_http(int port, const char *method, const char *path,
    const char *body, int *status)
{
	struct sockaddr_in	 sin;
	char			 req[8192], *resp = NULL, *p;
	size_t			 len = 0, cap = 0;
	ssize_t			 n;
	int			 fd;

	*status = 0;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		close(fd);
		return NULL;
	}
	snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", method, path,
	    body ? strlen(body) : 0);
	if (harness_send(fd, req, strlen(req)) == -1 ||
	    (body && harness_send(fd, body, strlen(body)) == -1)) {
		close(fd);
		return NULL;
	}
	for (;;) {
		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 131072;
			resp = realloc(resp, cap + 1);
		}
		n = read(fd, resp + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (resp == NULL)
		return NULL;
	resp[len] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", status) != 1)
		*status = 0;
	if ((p = strstr(resp, "\r\n\r\n")) != NULL) {
		p = strdup(p + 4);
		free(resp);
		return p;
	}
	return resp;
}

int
harness_file_has(const char *path, const char *needle)
{
	FILE	*fp;
	char	*buf;
	long	 sz;
	int	 found = 0;

	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)sz + 1);
	if (buf != NULL && fread(buf, 1, (size_t)sz, fp) == (size_t)sz)
		found = memmem(buf, (size_t)sz, needle, strlen(needle)) != NULL;
	free(buf);
	fclose(fp);
	return found;
}
