/* The real daemon on a private socket, spoken to over the protocol. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>

#include <sys/wait.h>

#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "kit.h"

static struct harness	 H;

static int
setup(void **state)
{
	harness_init(&H, "[auth]\nmax_failures = 2\n");
	if (harness_start(&H) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	harness_cleanup(&H);
	return 0;
}

static int	sh_out(const char *, char *, size_t);

static const char *
err_code(json_t *rep)
{
	return json_string_value(json_object_get(json_object_get(rep, "error"),
	    "code"));
}

/* The daemon still answers an ordinary request. */
static void
assert_alive(void)
{
	json_t	*rep;
	int	 fd = harness_connect(&H);

	assert_true(fd >= 0);
	rep = harness_call(fd, "auth.me", NULL);
	assert_non_null(rep);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	close(fd);
}

static void
test_hello_and_peer_login(void **state)
{
	json_t	*rep;
	int	 fd = harness_connect(&H);

	assert_true(fd >= 0);
	rep = harness_call(fd, "auth.me", NULL);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(rep, "data"), "user"), "role")), "super_admin");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    rep, "data"), "method")), "peer");
	json_decref(rep);
	rep = harness_call(fd, "monitoring.stats", NULL);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    rep, "data"), "level")), "ok");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    rep, "data"), "provider")), "simulator");
	json_decref(rep);
	close(fd);
}

static void
test_bad_requests(void **state)
{
	json_t	*rep;
	int	 fd = harness_connect(&H);

	assert_true(fd >= 0);
	assert_int_equal(harness_send(fd, "{not json\n", 10), 0);
	rep = harness_read(fd, 5000);
	assert_non_null(rep);
	assert_string_equal(err_code(rep), "bad_request");
	json_decref(rep);
	assert_int_equal(harness_send(fd, "[1,2]\n", 6), 0);
	rep = harness_read(fd, 5000);
	assert_string_equal(err_code(rep), "bad_request");
	json_decref(rep);

	rep = harness_call(fd, "no.such.command", NULL);
	assert_string_equal(err_code(rep), "bad_request");
	json_decref(rep);
	rep = harness_call(fd, "users.delete", json_pack("{s:s}", "id", "x"));
	assert_string_equal(err_code(rep), "bad_request");
	json_decref(rep);
	rep = harness_call(fd, "users.delete", json_pack("{s:i}", "bogus", 1));
	assert_string_equal(err_code(rep), "bad_request");
	json_decref(rep);
	rep = harness_call(fd, "users.delete", json_pack("{s:i}", "id", 999));
	assert_string_equal(err_code(rep), "not_found");
	json_decref(rep);
	/* The same connection goes on. */
	rep = harness_call(fd, "auth.me", NULL);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	close(fd);
}

static void
test_long_line(void **state)
{
	size_t	 len = 2 * 1024 * 1024;
	char	*big = malloc(len + 1);
	json_t	*rep;
	int	 fd = harness_connect(&H);
	char	 c;

	assert_true(fd >= 0);
	memset(big, 'a', len);
	big[0] = '{';
	big[len] = '\n';
	/* The daemon may close before taking it all; that is fine. */
	harness_send(fd, big, len + 1);
	free(big);
	rep = harness_read(fd, 5000);
	assert_non_null(rep);
	assert_string_equal(err_code(rep), "bad_request");
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(rep, "error"), "message")), "longer"));
	json_decref(rep);
	/* Then the connection is closed. */
	{
		struct pollfd pfd = { fd, POLLIN, 0 };

		assert_int_equal(poll(&pfd, 1, 5000), 1);
		assert_true(read(fd, &c, 1) <= 0);
	}
	close(fd);
	assert_alive();
}

static void
test_many_clients(void **state)
{
	enum { N = 200 };
	int	 fds[N], i, ok = 0;
	json_t	*rep;

	for (i = 0; i < N; i++) {
		fds[i] = harness_connect(&H);
		assert_true(fds[i] >= 0);
	}
	for (i = 0; i < N; i++)
		harness_send(fds[i], "{\"id\":1,\"cmd\":\"auth.me\"}\n", 26);
	for (i = 0; i < N; i++) {
		rep = harness_read(fds[i], 10000);
		if (rep != NULL && json_is_true(json_object_get(rep, "ok")))
			ok++;
		json_decref(rep);
	}
	for (i = 0; i < N; i++)
		close(fds[i]);
	assert_int_equal(ok, N);
	assert_alive();
}

static void
test_roles_and_passwords(void **state)
{
	json_t		*rep;
	const char	*token;
	char		*tok;
	int		 fd = harness_connect(&H), fd2, i;
	double		 t0, slow;

	rep = harness_call(fd, "users.create", json_pack("{s:s,s:s,s:s}",
	    "login", "ann", "role", "admin", "password", "correct-horse"));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	rep = harness_call(fd, "users.create", json_pack("{s:s,s:s}",
	    "login", "ann", "role", "admin"));
	assert_string_equal(err_code(rep), "conflict");
	json_decref(rep);

	/* An admin may not manage users. */
	fd2 = harness_connect(&H);
	rep = harness_call(fd2, "auth.login", json_pack("{s:s,s:s}", "login",
	    "ann", "password", "correct-horse"));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	token = json_string_value(json_object_get(json_object_get(rep, "data"),
	    "access_token"));
	assert_non_null(token);
	assert_int_equal(strlen(token), 64);
	tok = strdup(token);
	json_decref(rep);
	rep = harness_call(fd2, "users.create", json_pack("{s:s,s:s}",
	    "login", "bob", "role", "admin"));
	assert_string_equal(err_code(rep), "forbidden");
	json_decref(rep);
	rep = harness_call(fd2, "monitoring.stats", NULL);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	close(fd2);

	/* The token resumes the session on a new connection. */
	fd2 = harness_connect(&H);
	rep = harness_call(fd2, "auth.login", json_pack("{s:s}", "token", tok));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	rep = harness_call(fd2, "auth.me", NULL);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(rep, "data"), "user"), "login")), "ann");
	json_decref(rep);
	close(fd2);

	/* Wrong passwords get slower after max_failures (2). */
	fd2 = harness_connect(&H);
	for (i = 0; i < 3; i++) {
		t0 = harness_now();
		rep = harness_call(fd2, "auth.login", json_pack("{s:s,s:s}",
		    "login", "ann", "password", "wrong-password"));
		slow = harness_now() - t0;
		assert_string_equal(err_code(rep), "unauthorized");
		json_decref(rep);
		if (i == 0)
			assert_true(slow < 0.9);
		else if (i == 1)
			assert_true(slow >= 0.9);	/* held back 1 s */
		else
			assert_true(slow >= 1.9);	/* then 2 s */
		if (i == 1) {
			/* Right after, even the right password is refused. */
			rep = harness_call(fd2, "auth.login", json_pack(
			    "{s:s,s:s}", "login", "ann", "password",
			    "correct-horse"));
			assert_string_equal(err_code(rep), "limit_reached");
			json_decref(rep);
			sleep(2);
		}
	}
	close(fd2);

	/* No password or token in clear on disk or in the log. */
	rep = harness_call(fd, "auth.me", NULL);	/* flush the log */
	json_decref(rep);
	close(fd);
	assert_false(harness_file_has(H.db, "correct-horse"));
	assert_false(harness_file_has(H.log, "correct-horse"));
	assert_false(harness_file_has(H.log, "wrong-password"));
	assert_false(harness_file_has(H.db, tok));
	assert_false(harness_file_has(H.log, tok));
	{
		char wal[320];

		snprintf(wal, sizeof wal, "%s-wal", H.db);
		assert_false(harness_file_has(wal, "correct-horse"));
		assert_false(harness_file_has(wal, tok));
	}
	free(tok);
}

static void
test_audit(void **state)
{
	json_t	*rep, *items, *it;
	size_t	 i;
	int	 fd = harness_connect(&H), found = 0;

	rep = harness_call(fd, "users.create", json_pack("{s:s,s:s}",
	    "login", "carl", "role", "admin"));
	json_decref(rep);
	rep = harness_call(fd, "audit.list", json_pack("{s:i}", "limit", 50));
	items = json_object_get(json_object_get(rep, "data"), "items");
	json_array_foreach(items, i, it)
		if (strcmp(json_string_value(json_object_get(it, "command")),
		    "users.create") == 0 && json_is_string(json_object_get(it,
		    "target")) && strstr(json_string_value(
		    json_object_get(it, "target")), "carl") != NULL)
			found = 1;
	assert_true(found);
	json_decref(rep);
	close(fd);
}

/*
 * Clients without an account have a quota of their own and a login
 * deadline: a crowd of them leaves room for a registered user. Failing
 * an admin's password does not stop that admin's own session.
 */
static json_t *
first_line(struct harness *h, int *fdp)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	assert_true(strlen(h->sock) < sizeof sun.sun_path);
	memcpy(sun.sun_path, h->sock, strlen(h->sock) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	*fdp = fd;
	return harness_read(fd, 5000);
}

static void
test_anonymous_quota(void **state)
{
	enum { N = 300 };
	struct harness	 h;
	json_t		*j, *args;
	char		*out = NULL, login[64];
	int		 fds[N], i, served = 0, fd;

	harness_init(&h, "[daemon]\nmax_clients = 64\n"
	    "[auth]\nlogin_timeout = 2s\nmax_failures = 2\n");
	assert_int_equal(harness_start(&h), 0);
	kit_sql(&h, "UPDATE users SET unix_user = unix_user || '-away' "
	    "WHERE unix_user IS NOT NULL");
	for (i = 0; i < N; i++) {
		j = first_line(&h, &fds[i]);
		assert_non_null(j);
		if (json_object_get(j, "event") != NULL)
			served++;
		else {
			assert_false(json_is_true(json_object_get(j, "ok")));
			close(fds[i]);
			fds[i] = -1;
		}
		json_decref(j);
	}
	printf("clients not logged in: %d of %d served\n", served, N);
	assert_int_equal(served, 8);
	kit_sql(&h, "UPDATE users SET unix_user = substr(unix_user, 1, "
	    "length(unix_user) - 5) WHERE unix_user LIKE '%-away'");
	assert_int_equal(harness_cli(&h, "status", NULL, &out), 0);
	free(out);
	/* The anonymous ones are told, then closed, at the deadline. */
	for (i = 0; i < N && fds[i] == -1; i++)
		;
	assert_true(i < N);
	j = harness_read(fds[i], 10000);
	assert_non_null(j);
	assert_string_equal(err_code(j), "unauthorized");
	json_decref(j);
	assert_null(harness_read(fds[i], 10000));
	for (i = 0; i < N; i++) {
		if (fds[i] != -1)
			close(fds[i]);
	}
	/* Twenty wrong passwords for the admin, from another connection. */
	fd = harness_connect(&h);
	j = harness_call(fd, "auth.me", NULL);
	snprintf(login, sizeof login, "%s", json_string_value(json_object_get(
	    json_object_get(json_object_get(j, "data"), "user"), "login")));
	json_decref(j);
	for (i = 0; i < 20; i++) {
		args = json_pack("{s:s,s:s}", "login", login, "password",
		    "not-the-password");
		j = harness_call(fd, "auth.login", args);
		assert_non_null(j);
		assert_false(json_is_true(json_object_get(j, "ok")));
		json_decref(j);
	}
	close(fd);
	fd = harness_connect(&h);
	j = harness_call(fd, "auth.me", NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_non_null(json_object_get(json_object_get(json_object_get(j,
	    "data"), "user"), "login"));
	json_decref(j);
	close(fd);
	assert_int_equal(harness_cli(&h, "status", NULL, NULL), 0);
	harness_cleanup(&h);
}

/*
 * A database the daemon cannot write is refused at start with a message
 * that says so: run as nobody (when the tests run as root) on a 0444
 * database.
 */
static void
test_readonly_db(void **state)
{
	struct harness	 h;
	char		 out[400], bin[400], cmd[1600];
	const char	*wacampd = getenv("WACAMPD") ? getenv("WACAMPD") :
			    "build/wacampd";
	pid_t		 pid;
	int		 st, fd;
	double		 t0;

	if (geteuid() != 0) {
		print_message("test_readonly_db skipped: needs root to run "
		    "the daemon as nobody\n");
		skip();
	}
	harness_init(&h, NULL);
	assert_int_equal(harness_start(&h), 0);
	assert_int_equal(harness_stop(&h), 0);
	/* A copy nobody can run, wherever the build tree is. */
	snprintf(bin, sizeof bin, "%s/wacampd", h.dir);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chown -R nobody '%s' && "
	    "chmod 0444 '%s'", wacampd, bin, h.dir, h.db);
	assert_int_equal(system(cmd), 0);
	snprintf(out, sizeof out, "%s/nobody.out", h.dir);
	if ((pid = fork()) == 0) {
		if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		if (setgid(65534) == -1 || setuid(65534) == -1)
			_exit(125);
		execl(bin, bin, "-f", "-c", h.conf, (char *)NULL);
		_exit(127);
	}
	t0 = harness_now();
	while (waitpid(pid, &st, WNOHANG) == 0 && harness_now() - t0 < 10)
		usleep(50000);
	if (harness_now() - t0 >= 10) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fail_msg("the daemon ran on a read-only database");
	}
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	assert_true(harness_file_has(out, "read-only"));
	assert_true(harness_file_has(out, "mode 0444"));
	harness_cleanup(&h);
}

static void
test_cli(void **state)
{
	char	*out = NULL;
	json_t	*j;

	assert_int_equal(harness_cli(&H, "--json status", NULL, &out), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "level")),
	    "ok");
	json_decref(j);
	free(out);
	assert_int_equal(harness_cli(&H, "users delete 4242", NULL, NULL), 1);
	assert_int_equal(harness_cli(&H, "users frobnicate", NULL, NULL), 2);
	{
		char	 cmd[600], o[8192];
		json_t	*e;
		int	 lines = 0;
		char	*p;

		/* --version, and a wrong verb gives that noun's usage only. */
		snprintf(cmd, sizeof cmd, "'%s' --version", getenv("WACAMP") ?
		    getenv("WACAMP") : "build/wacamp");
		assert_int_equal(sh_out(cmd, o, sizeof o), 0);
		assert_non_null(strstr(o, "wacamp "));
		snprintf(cmd, sizeof cmd, "'%s' -S '%s' contacts frob 2>&1",
		    getenv("WACAMP") ? getenv("WACAMP") : "build/wacamp",
		    H.sock);
		assert_int_equal(sh_out(cmd, o, sizeof o), 2);
		for (p = o; (p = strchr(p, '\n')) != NULL; p++)
			lines++;
		assert_true(lines <= 12);
		assert_null(strstr(o, "campaigns"));
		/* Under --json, anywhere on the line, an error is JSON. */
		snprintf(cmd, sizeof cmd, "'%s' -S '%s' users delete 4242 "
		    "--json 2>&1 >/dev/null", getenv("WACAMP") ?
		    getenv("WACAMP") : "build/wacamp", H.sock);
		assert_int_equal(sh_out(cmd, o, sizeof o), 1);
		assert_non_null(e = json_loads(o, 0, NULL));
		assert_non_null(json_object_get(json_object_get(e, "error"),
		    "code"));
		json_decref(e);
		snprintf(cmd, sizeof cmd, "'%s' -S /nonexistent/s --json "
		    "status 2>&1 >/dev/null", getenv("WACAMP") ?
		    getenv("WACAMP") : "build/wacamp");
		assert_int_equal(sh_out(cmd, o, sizeof o), 3);
		assert_non_null(e = json_loads(o, 0, NULL));
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(e, "error"), "code")), "unreachable");
		json_decref(e);
	}
	assert_int_equal(harness_cli(&H, "users delete", NULL, NULL), 2);
	assert_int_equal(system("\"${WACAMP:-build/wacamp}\" -S /nonexistent/s "
	    "status 2>/dev/null; test $? -eq 3"), 0);
	assert_int_equal(harness_cli(&H, "users add dora --role admin "
	    "--password-stdin", "dora-password\n", &out), 0);
	assert_non_null(strstr(out, "dora"));
	free(out);
	assert_int_equal(harness_cli(&H, "users list", NULL, &out), 0);
	assert_non_null(strstr(out, "dora"));
	free(out);
}

/* No decimal comma anywhere in S: "0,37" would break a script. */
static void
assert_no_decimal_comma(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (p > s && isdigit((unsigned char)p[-1]) && *p == ',' &&
		    isdigit((unsigned char)p[1]))
			fail_msg("a decimal comma in: %s", s);
}

/*
 * Issue 18: the daemon's errors in the user's language from their key
 * and args, the key for scripts under --json, a short usage, and numbers
 * that never follow the locale.
 */
static void
test_cli_words(void **state)
{
	const char	*bin = getenv("WACAMP") ? getenv("WACAMP") :
			    "build/wacamp";
	char		 cmd[1400], o[8192], sql[300], *p;
	json_t		*e, *err;
	long long	 id;
	int		 fd, lines, fr;

	fr = system("locale -a 2>/dev/null | grep -qi '^fr_FR.utf-\\?8$'") ==
	    0;
	/* LANGUAGE=fr: the refusal in French, words from the catalogue. */
	snprintf(cmd, sizeof cmd, "LANG=C.UTF-8 LC_ALL= LANGUAGE=fr '%s' -S "
	    "'%s' users add x --role nope 2>&1", bin, H.sock);
	assert_int_equal(sh_out(cmd, o, sizeof o), 1);
	if (strstr(o, "le rôle doit être super_admin ou admin") == NULL)
		fail_msg("not in French: %s", o);
	/* A message with a value: the value put into the translation. */
	snprintf(cmd, sizeof cmd, "LANG=C.UTF-8 LC_ALL= LANGUAGE=fr '%s' -S "
	    "'%s' campaigns get 4242 2>&1", bin, H.sock);
	assert_int_equal(sh_out(cmd, o, sizeof o), 1);
	if (strstr(o, "aucune campagne 4242") == NULL)
		fail_msg("not in French: %s", o);
	/* Without a French locale or LANGUAGE: English, as sent. */
	snprintf(cmd, sizeof cmd, "LANG=C.UTF-8 LC_ALL= LANGUAGE= '%s' -S "
	    "'%s' campaigns get 4242 2>&1", bin, H.sock);
	assert_int_equal(sh_out(cmd, o, sizeof o), 1);
	assert_non_null(strstr(o, "no campaign 4242"));
	if (fr) {
		snprintf(cmd, sizeof cmd, "LANG=fr_FR.UTF-8 LC_ALL= "
		    "LANGUAGE= '%s' -S '%s' users add x --role nope 2>&1",
		    bin, H.sock);
		assert_int_equal(sh_out(cmd, o, sizeof o), 1);
		assert_non_null(strstr(o, "le rôle doit être"));
	}
	/* --json: code, key, args and the English message, for scripts. */
	snprintf(cmd, sizeof cmd, "LANG=C.UTF-8 LC_ALL= LANGUAGE=fr '%s' -S "
	    "'%s' users add x --role nope --json 2>&1 >/dev/null", bin,
	    H.sock);
	assert_int_equal(sh_out(cmd, o, sizeof o), 1);
	assert_non_null(e = json_loads(o, 0, NULL));
	err = json_object_get(e, "error");
	assert_string_equal(json_string_value(json_object_get(err, "code")),
	    "bad_request");
	assert_string_equal(json_string_value(json_object_get(err, "key")),
	    "role must be super_admin or admin");
	assert_string_equal(json_string_value(json_object_get(err,
	    "message")), "role must be super_admin or admin");
	json_decref(e);
	snprintf(cmd, sizeof cmd, "'%s' -S '%s' --json campaigns get 4242 "
	    "2>&1 >/dev/null", bin, H.sock);
	assert_int_equal(sh_out(cmd, o, sizeof o), 1);
	assert_non_null(e = json_loads(o, 0, NULL));
	err = json_object_get(e, "error");
	assert_string_equal(json_string_value(json_object_get(err, "code")),
	    "not_found");
	assert_string_equal(json_string_value(json_object_get(err, "key")),
	    "no campaign %lld");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(err, "args"), 0)), "4242");
	assert_string_equal(json_string_value(json_object_get(err,
	    "message")), "no campaign 4242");
	json_decref(e);
	/* An argument of the wrong type: its key and args, the type
	 * itself a word the client translates (%-s). */
	assert_true((fd = harness_connect(&H)) != -1);
	e = harness_call(fd, "campaigns.get", json_pack("{s:s}", "id", "x"));
	close(fd);
	err = json_object_get(e, "error");
	assert_string_equal(json_string_value(json_object_get(err, "key")),
	    "argument \"%s\" of %s must be %-s");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(err, "args"), 2)), "an integer");
	assert_string_equal(json_string_value(json_object_get(err,
	    "message")), "argument \"id\" of campaigns.get must be an "
	    "integer");
	json_decref(e);
	/* No phone: that verb's usage, a few lines. */
	snprintf(cmd, sizeof cmd, "'%s' -S '%s' contacts add 2>&1", bin,
	    H.sock);
	assert_int_equal(sh_out(cmd, o, sizeof o), 2);
	for (lines = 0, p = o; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	if (lines > 5)
		fail_msg("%d lines for a missing phone:\n%s", lines, o);

	/* Rates under a French locale: a '.', never "0,37". */
	assert_true((fd = harness_connect(&H)) >= 0);
	json_decref(kit_call_ok(fd, "categories.create", json_pack("{s:s}",
	    "name", "words")));
	id = kit_campaign(fd, "words", "Bonjour", 0);
	close(fd);
	snprintf(sql, sizeof sql, "UPDATE campaigns SET total = 100, "
	    "sent = 20, delivered = 30, read = 37, failed = 3, "
	    "interactions = 7 WHERE id = %lld", id);
	kit_sql(&H, sql);
	snprintf(cmd, sizeof cmd, "LANG=%s LC_ALL= '%s' -S '%s' campaigns "
	    "stats %lld 2>&1", fr ? "fr_FR.UTF-8" : "C.UTF-8", bin, H.sock,
	    id);
	assert_int_equal(sh_out(cmd, o, sizeof o), 0);
	if ((p = strstr(o, "rates: delivered ")) == NULL ||
	    strchr(p, '.') == NULL)
		fail_msg("no rates: %s", o);
	assert_no_decimal_comma(o);
	snprintf(cmd, sizeof cmd, "LANG=%s LC_ALL= '%s' -S '%s' campaigns "
	    "stats %lld --json 2>&1", fr ? "fr_FR.UTF-8" : "C.UTF-8", bin,
	    H.sock, id);
	assert_int_equal(sh_out(cmd, o, sizeof o), 0);
	assert_non_null(strstr(o, "\"read_rate\": 0."));
	assert_no_decimal_comma(o);
	snprintf(cmd, sizeof cmd, "LANG=%s LC_ALL= '%s' -S '%s' status 2>&1",
	    fr ? "fr_FR.UTF-8" : "C.UTF-8", bin, H.sock);
	assert_int_equal(sh_out(cmd, o, sizeof o), 0);
	assert_no_decimal_comma(o);
	if (!fr)
		print_message("test_cli_words: no fr_FR.UTF-8 locale; the "
		    "numbers were checked under C.UTF-8 (make deps)\n");
}

static void
test_live_daemon_not_clobbered(void **state)
{
	char	 cmd[1024];

	/* A second daemon on the same socket must refuse and leave it be. */
	snprintf(cmd, sizeof cmd, "\"${WACAMPD:-build/wacampd}\" -f -c '%s' "
	    ">/dev/null 2>&1", H.conf);
	assert_int_not_equal(system(cmd), 0);
	assert_alive();
}

static void
test_restart_stale_socket(void **state)
{
	json_t	*rep;
	int	 fd;

	/* A SIGKILLed daemon leaves its socket; the next one replaces it. */
	kill(H.daemon, SIGKILL);
	waitpid(H.daemon, NULL, 0);
	H.daemon = 0;
	assert_int_equal(access(H.sock, F_OK), 0);
	assert_int_equal(harness_start(&H), 0);
	fd = harness_connect(&H);
	rep = harness_call(fd, "users.list", NULL);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	assert_true(json_array_size(json_object_get(json_object_get(rep,
	    "data"), "items")) >= 2);
	json_decref(rep);
	/* Paged like every list. */
	rep = harness_call(fd, "users.list", json_pack("{s:i}", "limit", 1));
	assert_int_equal(json_array_size(json_object_get(json_object_get(rep,
	    "data"), "items")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    rep, "data"), "next")), 1);
	json_decref(rep);
	close(fd);
}

static void
test_sighup_reload(void **state)
{
	json_t	*rep;
	FILE	*fp;
	int	 fd;

	/* A new daily limit takes effect on SIGHUP without a restart. */
	fp = fopen(H.conf, "a");
	assert_non_null(fp);
	fprintf(fp, "[pacing]\ndaily_limit = 77\n");
	fclose(fp);
	fd = harness_connect(&H);
	rep = harness_call(fd, "monitoring.stats", NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    rep, "data"), "daily_limit")), 1000);
	json_decref(rep);
	kill(H.daemon, SIGHUP);
	usleep(300000);
	rep = harness_call(fd, "monitoring.stats", NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    rep, "data"), "daily_limit")), 77);
	json_decref(rep);
	close(fd);
}

static void
test_bad_config(void **state)
{
	char	 path[320], cmd[1024], out[320];
	FILE	*fp;

	/* A bad value stops the daemon with file, line and key named. */
	snprintf(path, sizeof path, "%s/bad.conf", H.dir);
	snprintf(out, sizeof out, "%s/bad.out", H.dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "[daemon]\nsocket = %s/other.sock\n[pacing]\n"
	    "# comment\ninterval = 5 parsecs\n", H.dir);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "\"${WACAMPD:-build/wacampd}\" -f -c '%s' "
	    ">'%s' 2>&1", path, out);
	assert_int_not_equal(system(cmd), 0);
	assert_true(harness_file_has(out, "bad.conf:5: interval:"));

	/* A secret in a file others may read is refused. */
	fp = fopen(path, "w");
	fprintf(fp, "[wassenger]\napi_key = abcdef\n");
	fclose(fp);
	chmod(path, 0644);
	assert_int_not_equal(system(cmd), 0);
	assert_true(harness_file_has(out, "chmod 600"));
	assert_false(harness_file_has(out, "abcdef"));
	assert_alive();
}

static const char *
env_or(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

/* Run the shell command CMD; its exit code, and its output in OUT. */
static int
sh_out(const char *cmd, char *out, size_t len)
{
	FILE	*fp;
	size_t	 n;
	int	 st;

	assert_non_null(fp = popen(cmd, "r"));
	n = fread(out, 1, len - 1, fp);
	out[n] = '\0';
	st = pclose(fp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Hostile paths (issue "Hostile users"): a config that others may change
 * is refused, since it could point api_url at a thief and send the key;
 * a per-user runtime directory made first by another user is refused by
 * the daemon and the client, since it could hold a socket of theirs.
 */
static void
test_hostile_paths(void **state)
{
	char	 dir[] = "/tmp/wacamp-hostile-XXXXXX", cmd[4096], out[4096];
	char	 conf[300];
	FILE	*fp;
	int	 rc;

	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof conf, "%s/wacampd.conf", dir);
	assert_non_null(fp = fopen(conf, "w"));
	fprintf(fp, "[daemon]\nsocket = %s/s.sock\n[store]\npath = %s/db\n"
	    "[wassenger]\napi_key_file = %s/key\n", dir, dir, dir);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "printf k > '%s/key' && chmod 600 "
	    "'%s/key' && chmod 666 '%s'", dir, dir, conf);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "'%s' init -c '%s' 2>&1",
	    env_or("WACAMPD", "build/wacampd"), conf);
	rc = sh_out(cmd, out, sizeof out);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "mode 0666 lets group or others change"));
	snprintf(cmd, sizeof cmd, "'%s' -f -c '%s' 2>&1",
	    env_or("WACAMPD", "build/wacampd"), conf);
	rc = sh_out(cmd, out, sizeof out);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "mode 0666"));

	if (geteuid() != 0) {
		fprintf(stderr, "runtime dir check skipped: needs root to act "
		    "as two users\n");
		goto out;
	}
	/* nobody's /tmp/wacamp-65534, made first by root (another user). */
	assert_int_equal(system("rm -rf /tmp/wacamp-65534 && install -d -m "
	    "0755 -o 0 -g 0 /tmp/wacamp-65534"), 0);
	snprintf(cmd, sizeof cmd, "chmod 711 '%s' && cp '%s' '%s' '%s/' && "
	    "chown -R 65534:65534 '%s' && chmod 600 '%s' '%s/key'", dir,
	    env_or("WACAMPD", "build/wacampd"), env_or("WACAMP",
	    "build/wacamp"), dir, dir, conf, dir);
	assert_int_equal(system(cmd), 0);
	/* The daemon, on the default socket. */
	assert_non_null(fp = fopen(conf, "w"));
	fprintf(fp, "[store]\npath = %s/db\n", dir);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "cd / && setpriv --reuid=65534 "
	    "--regid=65534 --clear-groups env -i PATH=/usr/bin:/bin "
	    "HOME=/nonexistent '%s/wacampd' init -c '%s' >/dev/null 2>&1 && "
	    "setpriv --reuid=65534 --regid=65534 --clear-groups env -i "
	    "PATH=/usr/bin:/bin HOME=/nonexistent timeout 10 '%s/wacampd' -f "
	    "-c '%s' 2>&1", dir, conf, dir, conf);
	rc = sh_out(cmd, out, sizeof out);
	assert_int_not_equal(rc, 0);
	if (strstr(out, "/tmp/wacamp-65534 belongs to uid 0") == NULL)
		fail_msg("daemon said: %s", out);
	/* The client, on the default socket. */
	snprintf(cmd, sizeof cmd, "cd / && setpriv --reuid=65534 "
	    "--regid=65534 --clear-groups env -i PATH=/usr/bin:/bin "
	    "HOME=/nonexistent '%s/wacamp' status 2>&1", dir);
	rc = sh_out(cmd, out, sizeof out);
	assert_int_equal(rc, 3);
	if (strstr(out, "/tmp/wacamp-65534 belongs to uid 0") == NULL)
		fail_msg("client said: %s", out);
	/* Made ours (0700), both go on: the daemon starts. */
	assert_int_equal(system("rm -rf /tmp/wacamp-65534"), 0);
	snprintf(cmd, sizeof cmd, "cd / && setpriv --reuid=65534 "
	    "--regid=65534 --clear-groups env -i PATH=/usr/bin:/bin "
	    "HOME=/nonexistent timeout -s INT 2 '%s/wacampd' -f -c '%s' 2>&1",
	    dir, conf);
	sh_out(cmd, out, sizeof out);
	if (strstr(out, "started") == NULL)
		fail_msg("daemon said: %s", out);
out:
	snprintf(cmd, sizeof cmd, "rm -rf '%s' /tmp/wacamp-65534", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_and_peer_login),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_many_clients),
		cmocka_unit_test(test_anonymous_quota),
		cmocka_unit_test(test_roles_and_passwords),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_cli_words),
		cmocka_unit_test(test_live_daemon_not_clobbered),
		cmocka_unit_test(test_restart_stale_socket),
		cmocka_unit_test(test_hostile_paths),
		cmocka_unit_test(test_sighup_reload),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_readonly_db),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
