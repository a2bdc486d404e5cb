/*
 * The fake Wassenger server itself: its faults must really take the
 * message before losing the answer, its webhooks must really be retried,
 * and a down port must really refuse, or the daemon's at-most-once tests
 * prove nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"

#define SEND	"/v1/messages?token=test-token"
#define DEVPHONE "+22890000000"

static struct harness	 H;

/* A control or API call on PORT; the parsed body, STATUS expected. */
static json_t *
call(int port, const char *method, const char *path, const char *body,
    int status)
{
	json_t	*j;
	char	*r;
	int	 st;

	r = harness_http(port, method, path, body, &st);
	assert_non_null(r);
	if (st != status)
		fail_msg("%s %s: status %d, not %d: %s", method, path, st,
		    status, r);
	j = json_loads(r, JSON_DECODE_ANY, NULL);
	free(r);
	assert_non_null(j);
	return j;
}

static json_int_t
stat_of(const char *key)
{
	json_t		*s;
	json_int_t	 n;

	s = call(H.fake_port, "GET", "/_ctl/stats", NULL, 200);
	n = json_integer_value(json_object_get(s, key));
	json_decref(s);
	return n;
}

static json_int_t
processed_of(const char *phone)
{
	json_t		*s;
	json_int_t	 n;

	s = call(H.fake_port, "GET", "/_ctl/processed", NULL, 200);
	n = json_integer_value(json_object_get(json_object_get(s, "phones"),
	    phone));
	json_decref(s);
	return n;
}

static void
fake_reset(void)
{
	json_decref(call(H.fake_port, "POST", "/_ctl/reset", NULL, 200));
}

static int
tcp_connect(int port)
{
	struct sockaddr_in	 sin;
	int			 fd, e;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * One HTTP exchange with headers kept: the bytes read until EOF (0 for
 * a close or reset without an answer), -2 if nothing ended within
 * TIMEOUT_MS (the client gives up), -1 if the connect failed.
 */
static ssize_t
raw(int port, const char *method, const char *path, const char *body,
    int timeout_ms, char *buf, size_t len)
{
	struct pollfd	 pfd;
	char		 req[2048];
	size_t		 got = 0;
	ssize_t		 n;
	double		 t0 = harness_now();
	int		 fd, left;

	buf[0] = '\0';
	if ((fd = tcp_connect(port)) == -1)
		return -1;
	snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s", method, path,
	    body ? strlen(body) : 0, body ? body : "");
	assert_int_equal(harness_send(fd, req, strlen(req)), 0);
	for (;;) {
		left = timeout_ms - (int)((harness_now() - t0) * 1000);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			close(fd);
			return -2;
		}
		n = read(fd, buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (got == len - 1)
			break;
	}
	close(fd);
	return (ssize_t)got;
}

static int
raw_status(const char *buf)
{
	int	 st = 0;

	if (sscanf(buf, "HTTP/1.%*d %d", &st) != 1)
		return 0;
	return st;
}

static json_t *
raw_body(const char *buf)
{
	const char	*p = strstr(buf, "\r\n\r\n");

	return p != NULL ? json_loads(p + 4, JSON_DECODE_ANY, NULL) : NULL;
}

static int
send_msg(const char *phone, const char *ref, int timeout_ms, char *buf,
    size_t len)
{
	char	 body[256];
	ssize_t	 n;

	snprintf(body, sizeof body, "{\"phone\":\"%s\",\"message\":\"hello "
	    "%s\",\"reference\":\"%s\"}", phone, phone, ref);
	n = raw(H.fake_port, "POST", SEND, body, timeout_ms, buf, len);
	return n == -2 ? -2 : n <= 0 ? 0 : raw_status(buf);
}

/* A port nobody listens on now (bound and released). */
static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof sin;
	int			 fd, p;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1)
		return -1;
	p = ntohs(sin.sin_port);
	close(fd);
	return p;
}

static int
listen_on(int port)
{
	struct sockaddr_in	 sin;
	int			 fd, one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_not_equal(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, 16), 0);
	return fd;
}

/* Accept one webhook POST within TIMEOUT_MS, answer STATUS; its body. */
static json_t *
hook_accept(int lfd, int timeout_ms, int status)
{
	struct pollfd	 pfd;
	char		 buf[65536], ans[128], *hend, *cl;
	size_t		 got = 0, need;
	ssize_t		 n;
	json_t		*j = NULL;
	int		 fd;

	pfd.fd = lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return NULL;
	assert_int_not_equal(fd = accept(lfd, NULL, NULL), -1);
	for (;;) {
		pfd.fd = fd;
		if (poll(&pfd, 1, 2000) <= 0)
			break;
		if ((n = read(fd, buf + got, sizeof buf - 1 - got)) <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if ((hend = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(buf, "Content-Length:");
		need = cl != NULL ? strtoul(cl + 15, NULL, 10) : 0;
		if (got >= (size_t)(hend + 4 - buf) + need) {
			j = json_loadb(hend + 4, need, JSON_DECODE_ANY, NULL);
			break;
		}
	}
	snprintf(ans, sizeof ans, "HTTP/1.1 %d X\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", status);
	harness_send(fd, ans, strlen(ans));
	close(fd);
	return j;
}

static const char *
jpath_str(json_t *o, const char *a, const char *b, const char *c)
{
	o = json_object_get(o, a);
	if (b != NULL)
		o = json_object_get(o, b);
	if (c != NULL)
		o = json_object_get(o, c);
	return json_string_value(o);
}

static int
setup(void **state)
{
	harness_init(&H, NULL);
	if (harness_fake_start(&H) <= 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	harness_cleanup(&H);
	return 0;
}

/*
 * Each "processed" fault takes the message before the answer is lost;
 * the others do not take it.  Counts are per phone, whatever the
 * reference, and a held answer does not delay the taking.
 */
static void
test_faults_processed(void **state)
{
	char	 buf[8192];
	json_t	*j;

	fake_reset();
	json_decref(call(H.fake_port, "POST", "/_ctl/faults", "{\"faults\":["
	    "{\"path\":\"/v1/messages\",\"processed\":true,\"reset\":true},"
	    "{\"path\":\"/v1/messages\",\"processed\":true,\"delay_ms\":3000},"
	    "{\"path\":\"/v1/messages\",\"processed\":true,\"status\":502},"
	    "{\"path\":\"/v1/messages\",\"close\":true},"
	    "{\"path\":\"/v1/messages\",\"reset\":true},"
	    "{\"path\":\"/v1/messages\",\"processed\":true,\"close\":true},"
	    "{\"path\":\"/v1/messages\",\"status\":429,\"retry_after\":0},"
	    "{\"path\":\"/v1/messages\",\"status\":429},"
	    "{\"path\":\"/v1/messages\",\"status\":503,\"retry_after\":7}"
	    "]}", 200));

	/* Takes, resets: no answer, but taken. */
	assert_int_equal(send_msg("+22891000001", "a", 5000, buf, sizeof buf),
	    0);
	assert_int_equal(processed_of("+22891000001"), 1);
	/* Takes, times out: the client gives up, the message is taken. */
	assert_int_equal(send_msg("+22891000002", "b", 300, buf, sizeof buf),
	    -2);
	assert_int_equal(processed_of("+22891000002"), 1);
	assert_int_equal(stat_of("replies_pending"), 1);
	/* Takes, 502. */
	assert_int_equal(send_msg("+22891000003", "c", 5000, buf, sizeof buf),
	    502);
	assert_int_equal(processed_of("+22891000003"), 1);
	/* Close and reset without taking. */
	assert_int_equal(send_msg("+22891000004", "d", 5000, buf, sizeof buf),
	    0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(send_msg("+22891000004", "d", 5000, buf, sizeof buf),
	    0);
	assert_int_equal(processed_of("+22891000004"), 0);
	/* Close after taking. */
	assert_int_equal(send_msg("+22891000005", "e", 5000, buf, sizeof buf),
	    0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(processed_of("+22891000005"), 1);
	/* 429 and 503 never take; Retry-After as asked. */
	assert_int_equal(send_msg("+22891000006", "f", 5000, buf, sizeof buf),
	    429);
	assert_null(strcasestr(buf, "Retry-After"));
	assert_int_equal(send_msg("+22891000006", "f", 5000, buf, sizeof buf),
	    429);
	assert_non_null(strcasestr(buf, "Retry-After: 1\r\n"));
	assert_int_equal(send_msg("+22891000006", "f", 5000, buf, sizeof buf),
	    503);
	assert_non_null(strcasestr(buf, "Retry-After: 7\r\n"));
	assert_int_equal(processed_of("+22891000006"), 0);

	/* The same phone twice under two references is a duplicate. */
	assert_int_equal(send_msg("+22891000001", "a2", 5000, buf, sizeof buf),
	    201);
	j = call(H.fake_port, "GET", "/_ctl/processed", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "phones"), "+22891000001")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "duplicates")),
	    1);
	json_decref(j);

	j = call(H.fake_port, "GET", "/_ctl/stats", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "processed")),
	    5);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "phones_duplicated")), 1);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "references_duplicated")), 0);
	/* 201s, the held one included. */
	assert_int_equal(json_integer_value(json_object_get(j,
	    "messages_ok")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "faults"), "processed")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "faults"), "close")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "faults"), "status")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "faults"), "status:429")), 2);
	json_decref(j);

	/* Records say which fault applied and whether it took. */
	j = call(H.fake_port, "GET", "/_ctl/requests?path=/v1/messages", NULL,
	    200);
	assert_int_equal(json_array_size(j), 10);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j,
	    0), "fault")), "reset");
	assert_true(json_is_true(json_object_get(json_array_get(j, 0),
	    "processed")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j,
	    0), "status")), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j,
	    3), "fault")), "close");
	assert_true(json_is_false(json_object_get(json_array_get(j, 3),
	    "processed")));
	assert_null(json_object_get(json_array_get(j, 9), "fault"));
	json_decref(j);
}

static void
test_fault_checks(void **state)
{
	static const char *bad[] = {
		"{\"path\":\"/v1/messages\",\"status\":429,\"processed\":true}",
		"{\"path\":\"/v1/messages\",\"status\":503,\"processed\":true}",
		"{\"path\":\"/v1/messages\",\"reset\":true,\"close\":true}",
		"{\"path\":\"/v1/messages\",\"close\":true,\"status\":500}",
		"{\"path\":\"/v1/messages\",\"delay_ms\":10,"
		    "\"processed\":false}",
		"{\"path\":\"/v1/messages\"}",
		"{\"path\":\"/v1/messages\",\"bogus\":1}",
	};
	char	 body[256];
	size_t	 i;

	fake_reset();
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(body, sizeof body, "{\"faults\":[%s]}", bad[i]);
		json_decref(call(H.fake_port, "POST", "/_ctl/faults", body,
		    400));
	}
	json_decref(call(H.fake_port, "POST", "/_ctl/config",
	    "{\"auto_ack\":{\"url\":\"http://127.0.0.1:1/\",\"x_ms\":1}}",
	    400));
	json_decref(call(H.fake_port, "POST", "/_ctl/config",
	    "{\"list_mode\":\"off\"}", 400));
}

/* A webhook first refused, then accepted, arrives by a retry. */
static void
test_webhook_retry(void **state)
{
	json_t	*j;
	char	 body[256], req[512], buf[4096];
	int	 port, lfd, fd;

	fake_reset();
	assert_true((port = free_port()) > 0);
	snprintf(body, sizeof body, "{\"url\":\"http://127.0.0.1:%d/hook\","
	    "\"body\":{\"x\":42}}", port);
	/* The first attempt is refused: the caller hears so at once. */
	json_decref(call(H.fake_port, "POST", "/_ctl/webhook", body, 502));
	usleep(1500000);
	lfd = listen_on(port);
	j = hook_accept(lfd, 3000, 200);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "x")), 42);
	json_decref(j);
	close(lfd);
	usleep(100000);
	j = call(H.fake_port, "GET", "/_ctl/stats", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "webhooks_ok")),
	    1);
	assert_true(json_integer_value(json_object_get(j,
	    "webhook_retries")) >= 1);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "webhook_attempts")), json_integer_value(json_object_get(j,
	    "webhook_retries")) + 1);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "webhooks_pending")), 0);
	json_decref(j);

	/* A receiver answering 500 gets the same bytes again, then 200. */
	lfd = listen_on(port);
	snprintf(body, sizeof body, "{\"url\":\"http://127.0.0.1:%d/hook\","
	    "\"body\":{\"y\":1}}", port);
	/* The control call parks until the first attempt ends. */
	assert_int_not_equal(fd = tcp_connect(H.fake_port), -1);
	snprintf(req, sizeof req, "POST /_ctl/webhook HTTP/1.1\r\n"
	    "Host: x\r\nConnection: close\r\nContent-Length: %zu"
	    "\r\n\r\n%s", strlen(body), body);
	assert_int_equal(harness_send(fd, req, strlen(req)), 0);
	j = hook_accept(lfd, 3000, 500);
	assert_non_null(j);
	json_decref(j);
	memset(buf, 0, sizeof buf);
	assert_true(read(fd, buf, sizeof buf - 1) > 0);
	assert_non_null(strstr(buf, "\"status\":500"));
	close(fd);
	j = hook_accept(lfd, 3000, 200);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "y")), 1);
	json_decref(j);
	close(lfd);

	/* hook_retry_s bounds the retries. */
	json_decref(call(H.fake_port, "POST", "/_ctl/config",
	    "{\"hook_retry_s\":1}", 200));
	assert_true((port = free_port()) > 0);
	snprintf(body, sizeof body, "{\"url\":\"http://127.0.0.1:%d/h\","
	    "\"body\":[]}", port);
	json_decref(call(H.fake_port, "POST", "/_ctl/webhook", body, 502));
	usleep(200000);
	assert_int_equal(stat_of("webhooks_given_up"), 1);
	assert_int_equal(stat_of("webhooks_pending"), 0);
}

/* Events shaped like the fixtures, without our reference by default. */
static void
test_auto_ack(void **state)
{
	json_t		*sent, *ev[2], *e, *o;
	const char	*waid;
	char		 buf[8192], cfg[256];
	int		 port, lfd, i;

	fake_reset();
	assert_true((port = free_port()) > 0);
	lfd = listen_on(port);
	snprintf(cfg, sizeof cfg, "{\"auto_ack\":{\"url\":\"http://127.0.0.1:"
	    "%d/w\",\"out_new_ms\":0,\"delivered_ms\":150}}", port);
	json_decref(call(H.fake_port, "POST", "/_ctl/config", cfg, 200));
	assert_int_equal(send_msg("+22892000001", "ref-1", 5000, buf,
	    sizeof buf), 201);
	sent = raw_body(buf);
	assert_non_null(sent);
	waid = json_string_value(json_object_get(sent, "waId"));
	assert_non_null(waid);
	for (i = 0; i < 2; i++)
		assert_non_null(ev[i] = hook_accept(lfd, 3000, 200));
	assert_string_equal(json_string_value(json_object_get(ev[0], "event")),
	    "message:out:new");
	assert_null(json_object_get(ev[0], "ack"));
	assert_string_equal(json_string_value(json_object_get(ev[1], "event")),
	    "message:out:ack");
	assert_string_equal(json_string_value(json_object_get(ev[1], "ack")),
	    "delivered");
	for (i = 0; i < 2; i++) {
		e = ev[i];
		o = json_object_get(e, "data");
		assert_string_equal(json_string_value(json_object_get(e, "id")),
		    waid);
		assert_string_equal(json_string_value(json_object_get(o, "id")),
		    waid);
		assert_null(json_object_get(o, "reference"));
		assert_string_equal(jpath_str(o, "toNumber", NULL, NULL),
		    "+22892000001");
		assert_string_equal(jpath_str(o, "to", NULL, NULL),
		    "22892000001@c.us");
		assert_string_equal(jpath_str(o, "fromNumber", NULL, NULL),
		    DEVPHONE);
		assert_string_equal(jpath_str(o, "flow", NULL, NULL),
		    "outbound");
		assert_string_equal(jpath_str(o, "body", NULL, NULL),
		    "hello +22892000001");
		assert_string_equal(jpath_str(o, "chat", "contact", "phone"),
		    "+22892000001");
		assert_string_equal(jpath_str(o, "chat", "id", NULL),
		    "22892000001@c.us");
		assert_string_equal(jpath_str(e, "device", "phone", NULL),
		    DEVPHONE);
		assert_true(json_integer_value(json_object_get(o,
		    "timestamp")) > 1700000000);
		json_decref(e);
	}
	json_decref(sent);

	/* ack_reference puts it back; lid mode hides the number in ids. */
	json_decref(call(H.fake_port, "POST", "/_ctl/config",
	    "{\"ack_reference\":true,\"lid\":true}", 200));
	assert_int_equal(send_msg("+22892000002", "ref-2", 5000, buf,
	    sizeof buf), 201);
	for (i = 0; i < 2; i++) {
		assert_non_null(e = hook_accept(lfd, 3000, 200));
		o = json_object_get(e, "data");
		assert_string_equal(jpath_str(o, "reference", NULL, NULL),
		    "ref-2");
		assert_string_equal(jpath_str(o, "toNumber", NULL, NULL),
		    "+22892000002");
		assert_non_null(strstr(jpath_str(o, "to", NULL, NULL), "@lid"));
		assert_null(strstr(jpath_str(o, "to", NULL, NULL),
		    "22892000002"));
		assert_string_equal(jpath_str(o, "chat", "id", NULL),
		    jpath_str(o, "to", NULL, NULL));
		json_decref(e);
	}
	close(lfd);
	/* The listing follows the events. */
	e = call(H.fake_port, "GET", SEND "&size=1", NULL, 200);
	assert_string_equal(jpath_str(json_array_get(e, 0), "deliveryStatus",
	    NULL, NULL), "delivered");
	assert_string_equal(jpath_str(json_array_get(e, 0), "status", NULL,
	    NULL), "processed");
	assert_true(json_is_string(json_object_get(json_array_get(e, 0),
	    "sentAt")));
	json_decref(e);
}

/* GET /v1/messages: newest first, paged, token needed, 404 mode. */
static void
test_list(void **state)
{
	json_t		*l, *m;
	const char	*id;
	char		 buf[8192], phone[32], ref[32];
	int		 i;

	fake_reset();
	for (i = 0; i < 30; i++) {
		snprintf(phone, sizeof phone, "+2289300%04d", i);
		snprintf(ref, sizeof ref, "wacamp-x-%d-r1", i);
		assert_int_equal(send_msg(phone, ref, 5000, buf, sizeof buf),
		    201);
	}
	l = call(H.fake_port, "GET", SEND, NULL, 200);
	assert_int_equal(json_array_size(l), 25);
	m = json_array_get(l, 0);
	assert_string_equal(jpath_str(m, "phone", NULL, NULL), "+22893000029");
	assert_string_equal(jpath_str(m, "reference", NULL, NULL),
	    "wacamp-x-29-r1");
	assert_string_equal(jpath_str(m, "status", NULL, NULL), "queued");
	assert_string_equal(jpath_str(m, "deliveryStatus", NULL, NULL),
	    "queued");
	assert_true(json_is_null(json_object_get(m, "sentAt")));
	id = jpath_str(m, "id", NULL, NULL);
	assert_int_equal(strlen(id), 24);
	assert_int_equal(strspn(id, "0123456789abcdef"), 24);
	assert_non_null(jpath_str(m, "waId", NULL, NULL));
	assert_non_null(jpath_str(m, "device", NULL, NULL));
	assert_non_null(strchr(jpath_str(m, "createdAt", NULL, NULL), '.'));
	json_decref(l);

	l = call(H.fake_port, "GET", SEND "&size=10&page=2", NULL, 200);
	assert_int_equal(json_array_size(l), 10);
	assert_string_equal(jpath_str(json_array_get(l, 0), "phone", NULL,
	    NULL), "+22893000009");
	assert_string_equal(jpath_str(json_array_get(l, 9), "phone", NULL,
	    NULL), "+22893000000");
	json_decref(l);
	l = call(H.fake_port, "GET", SEND "&size=10&page=3", NULL, 200);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	l = call(H.fake_port, "GET", SEND "&size=500", NULL, 200);
	assert_int_equal(json_array_size(l), 30);
	json_decref(l);
	/* No reference filter: the parameter is ignored, not honoured. */
	l = call(H.fake_port, "GET", SEND "&reference=wacamp-x-3-r1", NULL,
	    200);
	assert_int_equal(json_array_size(l), 25);
	json_decref(l);
	json_decref(call(H.fake_port, "GET", SEND "&size=0", NULL, 400));
	json_decref(call(H.fake_port, "GET", "/v1/messages", NULL, 401));

	json_decref(call(H.fake_port, "POST", "/_ctl/config",
	    "{\"list_mode\":\"404\"}", 200));
	l = call(H.fake_port, "GET", SEND, NULL, 404);
	assert_string_equal(jpath_str(l, "errorCode", NULL, NULL),
	    "route:notfound");
	json_decref(l);
}

/* Down: the API port refuses connects, the control port answers. */
static void
test_down(void **state)
{
	json_t	*j;
	char	 buf[8192];
	int	 ctl, fd;

	fake_reset();
	j = call(H.fake_port, "GET", "/_ctl/config", NULL, 200);
	ctl = (int)json_integer_value(json_object_get(j, "ctl_port"));
	assert_true(ctl > 0 && ctl != H.fake_port);
	json_decref(j);
	json_decref(call(ctl, "GET", SEND, NULL, 404));

	json_decref(call(H.fake_port, "POST", "/_ctl/down", "{\"ms\":700}",
	    200));
	assert_int_equal(tcp_connect(H.fake_port), -1);
	assert_int_equal(errno, ECONNREFUSED);
	j = call(ctl, "GET", "/_ctl/stats", NULL, 200);
	assert_true(json_is_true(json_object_get(j, "api_down")));
	json_decref(j);
	usleep(1000000);
	assert_int_not_equal(fd = tcp_connect(H.fake_port), -1);
	close(fd);
	assert_int_equal(stat_of("downs"), 1);

	/* Crashes after taking: reset, taken, then refused for a while. */
	json_decref(call(ctl, "POST", "/_ctl/faults", "{\"faults\":[{\"path\":"
	    "\"/v1/messages\",\"processed\":true,\"reset\":true,"
	    "\"down_ms\":500}]}", 200));
	assert_int_equal(send_msg("+22894000001", "z", 5000, buf, sizeof buf),
	    0);
	assert_int_equal(send_msg("+22894000001", "z", 5000, buf, sizeof buf),
	    0);
	assert_int_equal(tcp_connect(H.fake_port), -1);
	assert_int_equal(errno, ECONNREFUSED);
	j = call(ctl, "GET", "/_ctl/processed", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "phones"), "+22894000001")), 1);
	json_decref(j);
	usleep(700000);
	assert_int_equal(send_msg("+22894000002", "y", 5000, buf, sizeof buf),
	    201);
	assert_int_equal(stat_of("downs"), 2);
	j = call(ctl, "GET", "/_ctl/stats", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "faults"), "down")), 1);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faults_processed),
		cmocka_unit_test(test_fault_checks),
		cmocka_unit_test(test_webhook_retry),
		cmocka_unit_test(test_auto_ack),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_down),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
