#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "log.h"
#include "proto.h"
#include "xmalloc.h"

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A fresh evbuffer per test, in *state. */
static int
buf_setup(void **state)
{
	*state = evbuffer_new();
	return *state == NULL ? -1 : 0;
}

static int
buf_teardown(void **state)
{
	evbuffer_free(*state);
	return 0;
}

static void
add(struct evbuffer *b, const char *s)
{
	assert_int_equal(evbuffer_add(b, s, strlen(s)), 0);
}

/* Read one line that must be an object; returns it. */
static json_t *
read_ok(struct evbuffer *b)
{
	char	 why[256] = "";
	json_t	*j = NULL;
	int	 rc;

	rc = proto_read(b, &j, why, sizeof why);
	if (rc != PROTO_OK)
		fail_msg("proto_read = %d (%s)", rc, why);
	assert_non_null(j);
	assert_true(json_is_object(j));
	return j;
}

/* Read one line that must give RC, with no object and a reason. */
static void
read_rc(struct evbuffer *b, int want)
{
	char	 why[256] = "";
	json_t	*j = (json_t *)1;
	int	 rc;

	rc = proto_read(b, &j, why, sizeof why);
	assert_int_equal(rc, want);
	assert_null(j);
	if (want != PROTO_NEED)
		assert_true(strlen(why) > 0);
}

static void
test_one_line(void **state)
{
	struct evbuffer	*b = *state;
	json_t		*j;

	add(b, "{\"id\":7,\"cmd\":\"ping\"}\n");
	j = read_ok(b);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 7);
	assert_string_equal(json_string_value(json_object_get(j, "cmd")),
	    "ping");
	assert_int_equal(json_object_size(j), 2);
	json_decref(j);
	assert_int_equal(evbuffer_get_length(b), 0);
	read_rc(b, PROTO_NEED);
}

static void
test_partial(void **state)
{
	struct evbuffer	*b = *state;
	json_t		*j;

	add(b, "{\"id\":1,\"cm");
	read_rc(b, PROTO_NEED);
	/* Nothing was taken while waiting. */
	assert_int_equal(evbuffer_get_length(b), 11);
	add(b, "d\":\"x\"}");
	read_rc(b, PROTO_NEED);
	add(b, "\n{\"id\"");
	j = read_ok(b);
	assert_string_equal(json_string_value(json_object_get(j, "cmd")), "x");
	json_decref(j);
	assert_int_equal(evbuffer_get_length(b), 5);
	read_rc(b, PROTO_NEED);
	add(b, ":2}\n");
	j = read_ok(b);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 2);
	json_decref(j);
}

static void
test_two_lines(void **state)
{
	struct evbuffer	*b = *state;
	json_t		*j;

	add(b, "{\"a\":1}\n{\"b\":2}\r\n");
	j = read_ok(b);
	assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
	json_decref(j);
	/* A CR before the LF is JSON whitespace. */
	j = read_ok(b);
	assert_int_equal(json_integer_value(json_object_get(j, "b")), 2);
	json_decref(j);
	read_rc(b, PROTO_NEED);
	assert_int_equal(evbuffer_get_length(b), 0);
}

/* A JSON object line of exactly LEN bytes, without the newline. */
static char *
object_of_len(size_t len)
{
	char	*s;

	assert_true(len >= 8);
	s = xmalloc(len + 1);
	memcpy(s, "{\"a\":\"", 6);
	memset(s + 6, 'x', len - 8);
	memcpy(s + len - 2, "\"}", 2);
	s[len] = '\0';
	return s;
}

static void
test_max_line(void **state)
{
	struct evbuffer	*b = *state;
	json_t		*j;
	char		*s;

	s = object_of_len(PROTO_MAX_LINE);
	add(b, s);
	/* Exactly the maximum, not yet ended: wait for more. */
	read_rc(b, PROTO_NEED);
	add(b, "\n{\"next\":1}\n");
	j = read_ok(b);
	assert_int_equal(strlen(json_string_value(json_object_get(j, "a"))),
	    PROTO_MAX_LINE - 8);
	json_decref(j);
	j = read_ok(b);
	assert_int_equal(json_integer_value(json_object_get(j, "next")), 1);
	json_decref(j);
	free(s);
}

static void
test_line_too_long(void **state)
{
	struct evbuffer	*b = *state;
	char		*s;

	s = object_of_len(PROTO_MAX_LINE + 1);
	add(b, s);
	add(b, "\n");
	read_rc(b, PROTO_TOOLONG);
	free(s);
}

static void
test_no_newline_too_long(void **state)
{
	struct evbuffer	*b = *state;
	char		*s;

	s = object_of_len(PROTO_MAX_LINE);
	add(b, s);
	read_rc(b, PROTO_NEED);
	add(b, "x");
	read_rc(b, PROTO_TOOLONG);
	free(s);
}

static void
test_bad_json(void **state)
{
	struct evbuffer	*b = *state;
	char		 why[256];
	json_t		*j;

	add(b, "{\"a\":\n{\"ok\":true}\n");
	read_rc(b, PROTO_BADJSON);
	j = read_ok(b);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);

	add(b, "not json at all\n");
	why[0] = '\0';
	assert_int_equal(proto_read(b, &j, why, sizeof why), PROTO_BADJSON);
	assert_non_null(strstr(why, "invalid JSON"));
	assert_int_equal(evbuffer_get_length(b), 0);

	add(b, "\n");
	read_rc(b, PROTO_BADJSON);
	add(b, "{\"a\":1} {\"b\":2}\n");
	read_rc(b, PROTO_BADJSON);
	add(b, "{\"a\":\"\\u0000\"}\n");
	read_rc(b, PROTO_BADJSON);
	add(b, "{\"a\":\"\xff\"}\n");
	read_rc(b, PROTO_BADJSON);
	assert_int_equal(evbuffer_get_length(b), 0);
}

static void
test_not_object(void **state)
{
	struct evbuffer	*b = *state;
	char		 why[256];
	json_t		*j;

	add(b, "[1,2,3]\n42\n\"str\"\nnull\n{\"x\":1}\n");
	why[0] = '\0';
	assert_int_equal(proto_read(b, &j, why, sizeof why), PROTO_BADJSON);
	assert_null(j);
	assert_string_equal(why, "a request must be a JSON object");
	read_rc(b, PROTO_BADJSON);
	read_rc(b, PROTO_BADJSON);
	read_rc(b, PROTO_BADJSON);
	j = read_ok(b);
	assert_int_equal(json_integer_value(json_object_get(j, "x")), 1);
	json_decref(j);
}

static void
test_duplicate_keys(void **state)
{
	struct evbuffer	*b = *state;
	json_t		*j;

	add(b, "{\"id\":1,\"id\":2}\n{\"o\":{\"k\":1,\"k\":2}}\n{\"id\":3}\n");
	read_rc(b, PROTO_BADJSON);
	read_rc(b, PROTO_BADJSON);
	j = read_ok(b);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 3);
	json_decref(j);
}

static void
test_write(void **state)
{
	struct evbuffer	*b = *state;
	json_t		*o, *j;
	size_t		 n, len;
	char		*s;

	o = json_pack("{s:i,s:s,s:[i,b,n],s:f}", "id", 5, "text",
	    "line1\nline2 \"q\" \xc3\xa9\xf0\x9f\x98\x80", "arr", 1, 1, "r",
	    0.25);
	assert_non_null(o);
	add(b, "{\"pre\":0}");
	n = proto_write(b, o);
	len = evbuffer_get_length(b);
	assert_int_equal(n, len - 9);
	s = xmalloc(len + 1);
	assert_int_equal(evbuffer_copyout(b, s, len), (ev_ssize_t)len);
	s[len] = '\0';
	/* One line: the only newline is the last byte; ASCII only. */
	assert_int_equal(s[len - 1], '\n');
	assert_ptr_equal(strchr(s, '\n'), s + len - 1);
	assert_null(strchr(s, (unsigned char)0xc3));
	free(s);
	evbuffer_drain(b, 9);
	j = read_ok(b);
	assert_true(json_equal(o, j));
	json_decref(j);
	json_decref(o);
	assert_int_equal(evbuffer_get_length(b), 0);
}

/* A random valid UTF-8 string (no NUL) of up to MAX code points. */
static char *
rand_string(uint64_t *rng, size_t max)
{
	static const char	 specials[] =
	    "\n\r\t\"\\/{}[]:, \b\f\x01\x1f\x7f";
	char			*s;
	size_t			 n, i, off = 0;
	uint64_t		 r;
	uint32_t		 cp;

	n = rng_next(rng) % (max + 1);
	s = xmalloc(n * 4 + 1);
	for (i = 0; i < n; i++) {
		r = rng_next(rng);
		switch (r % 5) {
		case 0:
			cp = (uint32_t)specials[(r >> 8) %
			    (sizeof specials - 1)];
			break;
		case 1:
			cp = 0x80 + (uint32_t)((r >> 8) % 0x780);
			break;
		case 2:
			do {
				cp = 0x800 + (uint32_t)((r >> 8) % 0xf800);
				r = rng_next(rng);
			} while (cp >= 0xd800 && cp <= 0xdfff);
			break;
		case 3:
			cp = 0x10000 + (uint32_t)((r >> 8) % 0x100000);
			break;
		default:
			cp = 0x20 + (uint32_t)((r >> 8) % 0x5f);
			break;
		}
		if (cp < 0x80)
			s[off++] = (char)cp;
		else if (cp < 0x800) {
			s[off++] = (char)(0xc0 | cp >> 6);
			s[off++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			s[off++] = (char)(0xe0 | cp >> 12);
			s[off++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			s[off++] = (char)(0x80 | (cp & 0x3f));
		} else {
			s[off++] = (char)(0xf0 | cp >> 18);
			s[off++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			s[off++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			s[off++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	s[off] = '\0';
	return s;
}

static json_t	*rand_value(uint64_t *, int);

/* A random object of up to 6 members, nested up to DEPTH. */
static json_t *
rand_object(uint64_t *rng, int depth)
{
	json_t	*o;
	char	*k;
	size_t	 n, i;

	o = json_object();
	n = rng_next(rng) % 7;
	for (i = 0; i < n; i++) {
		k = rand_string(rng, 8);
		assert_int_equal(json_object_set_new(o, k,
		    rand_value(rng, depth - 1)), 0);
		free(k);
	}
	return o;
}

static json_t *
rand_value(uint64_t *rng, int depth)
{
	json_t		*v;
	char		*s;
	uint64_t	 r = rng_next(rng);
	size_t		 n, i;

	switch (r % (depth > 0 ? 8 : 6)) {
	case 0:
		s = rand_string(rng, 40);
		v = json_string(s);
		free(s);
		return v;
	case 1:
		return json_integer((json_int_t)rng_next(rng));
	case 2:
		return json_integer((json_int_t)(rng_next(rng) % 2001) - 1000);
	case 3:
		return json_boolean(r & 0x100);
	case 4:
		return json_null();
	case 5:
		return json_real((double)(int64_t)rng_next(rng) / 1048576.0);
	case 6:
		v = json_array();
		n = rng_next(rng) % 5;
		for (i = 0; i < n; i++)
			json_array_append_new(v, rand_value(rng, depth - 1));
		return v;
	default:
		return rand_object(rng, depth);
	}
}

/* Many objects written, then read back in random chunks, equal. */
static void
test_random_roundtrip(void **state)
{
	struct evbuffer	*b = *state, *all;
	json_t		*objs[2000], *j;
	uint64_t	 rng = UINT64_C(0x853c49e6748fea9b);
	size_t		 i, got = 0, len, off = 0, chunk;
	char		*data, why[256];
	int		 rc;

	(void)state;
	all = evbuffer_new();
	for (i = 0; i < 2000; i++) {
		objs[i] = rand_object(&rng, 3);
		assert_true(proto_write(all, objs[i]) > 0);
	}
	len = evbuffer_get_length(all);
	data = xmalloc(len);
	assert_int_equal(evbuffer_remove(all, data, len), (int)len);
	evbuffer_free(all);
	while (off < len) {
		chunk = 1 + rng_next(&rng) % (rng_next(&rng) % 3 == 0 ?
		    7 : 4096);
		if (chunk > len - off)
			chunk = len - off;
		evbuffer_add(b, data + off, chunk);
		off += chunk;
		for (;;) {
			rc = proto_read(b, &j, why, sizeof why);
			if (rc == PROTO_NEED)
				break;
			if (rc != PROTO_OK)
				fail_msg("object %zu: %d %s", got, rc, why);
			assert_true(got < 2000);
			if (!json_equal(j, objs[got])) {
				char *a = json_dumps(objs[got], JSON_COMPACT);
				char *c = json_dumps(j, JSON_COMPACT);

				fail_msg("object %zu differs:\n%s\n%s", got,
				    a, c);
			}
			json_decref(j);
			got++;
		}
	}
	assert_int_equal(got, 2000);
	assert_int_equal(evbuffer_get_length(b), 0);
	for (i = 0; i < 2000; i++)
		json_decref(objs[i]);
	free(data);
}

/* A temp file holding TEXT, opened for reading. */
static int
temp_fd(const char *text)
{
	char	 path[] = "/tmp/test_proto.XXXXXX";
	int	 fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	unlink(path);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void
test_send_fd(void **state)
{
	struct evbuffer	*b = *state;
	const char	*line = "{\"cmd\":\"import\",\"id\":9}\n";
	char		 content[64];
	json_t		*j;
	int		 sv[2], fd, got = -1;
	ssize_t		 n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fd = temp_fd("name,phone\nAma,+22890000000\n");
	assert_int_equal(proto_send_fd(sv[0], line, strlen(line), fd), 0);
	n = proto_recv(sv[1], b, &got);
	assert_int_equal(n, (ssize_t)strlen(line));
	assert_true(got >= 0);
	assert_true(got != fd);
	/* Received close-on-exec. */
	assert_true(fcntl(got, F_GETFD) & FD_CLOEXEC);
	j = read_ok(b);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 9);
	json_decref(j);
	/* The same open file: it reads the content. */
	memset(content, 0, sizeof content);
	n = pread(got, content, sizeof content - 1, 0);
	assert_int_equal(n, 28);
	assert_string_equal(content, "name,phone\nAma,+22890000000\n");
	close(got);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

static void
test_send_no_fd(void **state)
{
	struct evbuffer	*b = *state;
	const char	*line = "{\"cmd\":\"ping\"}\n";
	json_t		*j;
	int		 sv[2], got = -1;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(proto_send_fd(sv[0], line, strlen(line), -1), 0);
	assert_int_equal(proto_recv(sv[1], b, &got), (ssize_t)strlen(line));
	assert_int_equal(got, -1);
	j = read_ok(b);
	json_decref(j);
	/* The peer gone: 0, the buffer untouched. */
	close(sv[0]);
	assert_int_equal(proto_recv(sv[1], b, &got), 0);
	assert_int_equal(evbuffer_get_length(b), 0);
	close(sv[1]);
}

static void
test_send_fd_replaces(void **state)
{
	struct evbuffer	*b = *state;
	char		 c[4] = "";
	int		 sv[2], fd1, fd2, got = -1, first;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fd1 = temp_fd("one");
	fd2 = temp_fd("two");
	assert_int_equal(proto_send_fd(sv[0], "{}\n", 3, fd1), 0);
	assert_int_equal(proto_recv(sv[1], b, &got), 3);
	first = got;
	assert_true(first >= 0);
	assert_int_equal(proto_send_fd(sv[0], "{}\n", 3, fd2), 0);
	assert_int_equal(proto_recv(sv[1], b, &got), 3);
	/* The newer descriptor is kept and the older one closed. */
	assert_true(got >= 0);
	assert_int_equal(pread(got, c, 3, 0), 3);
	assert_memory_equal(c, "two", 3);
	assert_int_equal(evbuffer_get_length(b), 6);
	if (first != got) {
		assert_int_equal(fcntl(first, F_GETFD), -1);
		assert_int_equal(errno, EBADF);
	}
	close(got);
	close(fd1);
	close(fd2);
	close(sv[0]);
	close(sv[1]);
}

static void
test_send_closed_peer(void **state)
{
	int	 sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	/* No SIGPIPE: an error comes back. */
	assert_int_equal(proto_send_fd(sv[0], "{}\n", 3, -1), -1);
	assert_int_equal(errno, EPIPE);
	close(sv[0]);
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_proto", 1, LOG_LVL_WARN);
	return 0;
}

#define T(f)	cmocka_unit_test_setup_teardown(f, buf_setup, buf_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_one_line),
		T(test_partial),
		T(test_two_lines),
		T(test_max_line),
		T(test_line_too_long),
		T(test_no_newline_too_long),
		T(test_bad_json),
		T(test_not_object),
		T(test_duplicate_keys),
		T(test_write),
		T(test_random_roundtrip),
		T(test_send_fd),
		T(test_send_no_fd),
		T(test_send_fd_replaces),
		T(test_send_closed_peer),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
