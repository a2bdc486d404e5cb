/*
 * The provider: the fault table of DESIGN §6 row by row, then the real
 * Wassenger provider end to end against small servers on 127.0.0.1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "provider.h"
#include "xmalloc.h"

#define DEV		"6643f2a1b7c9d40012e5a1f0"
#define OTHER_DEV	"5f0c00000000000000000001"

static void
test_classify_transport(void **state)
{
	static const int	 not_taken[] = { CURLE_COULDNT_RESOLVE_HOST,
	    CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT,
	    CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION };
	static const int	 unknown[] = { CURLE_SEND_ERROR,
	    CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
	    CURLE_WEIRD_SERVER_REPLY, CURLE_WRITE_ERROR, CURLE_HTTP2,
	    CURLE_SSL_CERTPROBLEM, CURLE_ABORTED_BY_CALLBACK };
	size_t			 i;

	(void)state;
	/* Nothing can have gone out: not taken, whatever the rest says. */
	for (i = 0; i < sizeof not_taken / sizeof not_taken[0]; i++) {
		assert_int_equal(provider_classify(not_taken[i], 0, 0, NULL),
		    PROV_NOT_TAKEN);
		assert_int_equal(provider_classify(not_taken[i], 1, 0, NULL),
		    PROV_NOT_TAKEN);
		assert_int_equal(provider_classify(not_taken[i], 0, 0,
		    "phone:invalid"), PROV_NOT_TAKEN);
	}
	/* A timeout: not taken only when no byte of the request went out. */
	assert_int_equal(provider_classify(CURLE_OPERATION_TIMEDOUT, 0, 0,
	    NULL), PROV_NOT_TAKEN);
	assert_int_equal(provider_classify(CURLE_OPERATION_TIMEDOUT, 1, 0,
	    NULL), PROV_UNKNOWN);
	assert_int_equal(provider_classify(CURLE_OPERATION_TIMEDOUT, 1, 201,
	    NULL), PROV_UNKNOWN);
	/* Resets and everything off the allow-list: maybe taken. */
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		assert_int_equal(provider_classify(unknown[i], 1, 0, NULL),
		    PROV_UNKNOWN);
		assert_int_equal(provider_classify(unknown[i], 0, 0, NULL),
		    PROV_UNKNOWN);
	}
	/* A status read before the transfer failed does not change that. */
	assert_int_equal(provider_classify(CURLE_RECV_ERROR, 1, 429, NULL),
	    PROV_UNKNOWN);
	assert_int_equal(provider_classify(CURLE_RECV_ERROR, 1, 201, NULL),
	    PROV_UNKNOWN);
}

static void
test_classify_http(void **state)
{
	static const int	 refusing[] = { 400, 404, 422 };
	static const int	 config[] = { 401, 402, 403 };
	static const int	 unknown[] = { 0, 100, 204, 301, 302, 405, 409,
	    410, 413, 415, 418, 451, 500, 501, 502, 504, 505 };
	size_t			 i;

	(void)state;
	assert_int_equal(provider_classify(CURLE_OK, 1, 201, NULL), PROV_SENT);
	assert_int_equal(provider_classify(CURLE_OK, 1, 200, NULL), PROV_SENT);
	assert_int_equal(provider_classify(CURLE_OK, 1, 429, NULL),
	    PROV_RATE_LIMITED);
	assert_int_equal(provider_classify(CURLE_OK, 1, 503, NULL),
	    PROV_RATE_LIMITED);
	assert_int_equal(provider_classify(CURLE_OK, 1, 429, "error:generic"),
	    PROV_RATE_LIMITED);
	for (i = 0; i < sizeof refusing / sizeof refusing[0]; i++) {
		assert_int_equal(provider_classify(CURLE_OK, 1, refusing[i],
		    "phone:invalid"), PROV_REFUSED);
		assert_int_equal(provider_classify(CURLE_OK, 1, refusing[i],
		    "phone:notexists"), PROV_REFUSED);
	}
	/* A bad recipient is only said by a phone: code, nothing else. */
	assert_int_equal(provider_classify(CURLE_OK, 1, 400, NULL),
	    PROV_UNKNOWN);
	assert_int_equal(provider_classify(CURLE_OK, 1, 400, "error:generic"),
	    PROV_UNKNOWN);
	assert_int_equal(provider_classify(CURLE_OK, 1, 422, NULL),
	    PROV_UNKNOWN);
	assert_int_equal(provider_classify(CURLE_OK, 1, 400, "phone"),
	    PROV_UNKNOWN);
	assert_int_equal(provider_classify(CURLE_OK, 1, 500, "phone:invalid"),
	    PROV_UNKNOWN);
	for (i = 0; i < sizeof config / sizeof config[0]; i++) {
		assert_int_equal(provider_classify(CURLE_OK, 1, config[i],
		    NULL), PROV_CONFIG);
		assert_int_equal(provider_classify(CURLE_OK, 1, config[i],
		    "auth:invalid"), PROV_CONFIG);
	}
	/* Another 404: the device check decides. */
	assert_int_equal(provider_classify(CURLE_OK, 1, 404, NULL),
	    PROV_CHECK_DEVICE);
	assert_int_equal(provider_classify(CURLE_OK, 1, 404, "route:notfound"),
	    PROV_CHECK_DEVICE);
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		assert_int_equal(provider_classify(CURLE_OK, 1, unknown[i],
		    NULL), PROV_UNKNOWN);
}

static void
test_classify_device(void **state)
{
	(void)state;
	assert_int_equal(provider_classify_device(404), PROV_CONFIG);
	assert_int_equal(provider_classify_device(401), PROV_CONFIG);
	assert_int_equal(provider_classify_device(403), PROV_CONFIG);
	assert_int_equal(provider_classify_device(200), PROV_UNKNOWN);
	assert_int_equal(provider_classify_device(0), PROV_UNKNOWN);
	assert_int_equal(provider_classify_device(500), PROV_UNKNOWN);
	assert_int_equal(provider_classify_device(429), PROV_UNKNOWN);
}

/*
 * End to end: one event base for the provider and the servers, which
 * answer from the test's settings below.
 */
struct page {
	int	 status;
	char	*body;		/* owned */
};

static struct {
	struct daemon		 d;
	struct provider		*pv;
	struct evhttp		*http;
	int			 port;

	/* POST /v1/messages */
	int			 send_status;
	char			*send_body;	/* owned */
	int			 retry_after;	/* seconds, 0: no header */
	/* GET /v1/devices/{id} */
	int			 device_status;
	/* GET /v1/messages: pages by number, past the end: endless */
	struct page		 pages[32];
	int			 npages;
	int			 endless;	/* pages of new items, no end */

	/* What the server saw. */
	int			 nsend, ndevice, nlist;
	char			 last_send[2048];
	char			 last_device_path[256];
	char			 last_list_uri[256];
	int			 send_ports[4];
	int			 list_ports[4];
	int			 send_major, send_minor;

	/* What came back. */
	int			 ncb;
	int			 found;
	struct provider_result	 res;
} t;

/* The project's copy of a fixture of shared/wassenger (tests/fixtures). */
static char *
fixture(const char *name)
{
	const char	*dir = getenv("WACAMP_FIXTURES");
	char		 path[512], *buf;
	FILE		*fp;
	long		 n;

	snprintf(path, sizeof path, "%s/wassenger/%s", dir ? dir :
	    "tests/fixtures", name);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int
peer_port(struct evhttp_request *req)
{
	struct evhttp_connection	*c = evhttp_request_get_connection(req);
	char				*addr;
	ev_uint16_t			 port = 0;

	evhttp_connection_get_peer(c, &addr, &port);
	return port;
}

static void
reply(struct evhttp_request *req, int status, const char *body)
{
	struct evbuffer	*b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	if (body != NULL)
		evbuffer_add(b, body, strlen(body));
	evhttp_send_reply(req, status, NULL, b);
	evbuffer_free(b);
}

static void
api_cb(struct evhttp_request *req, void *arg)
{
	const char		*uri = evhttp_request_get_uri(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq	 q;
	const char		*v;
	char			 ra[16];
	size_t			 n;
	int			 page;

	(void)arg;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST &&
	    strcmp(uri, "/v1/messages") == 0) {
		n = evbuffer_get_length(in);
		if (n >= sizeof t.last_send)
			n = sizeof t.last_send - 1;
		evbuffer_copyout(in, t.last_send, n);
		t.last_send[n] = '\0';
		if (t.nsend < 4)
			t.send_ports[t.nsend] = peer_port(req);
		t.nsend++;
		t.send_major = req->major;
		t.send_minor = req->minor;
		if (t.retry_after > 0) {
			snprintf(ra, sizeof ra, "%d", t.retry_after);
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Retry-After", ra);
		}
		reply(req, t.send_status, t.send_body);
		return;
	}
	if (strncmp(uri, "/v1/devices/", 12) == 0) {
		t.ndevice++;
		snprintf(t.last_device_path, sizeof t.last_device_path, "%s",
		    uri);
		reply(req, t.device_status, t.device_status == 200 ?
		    "{\"id\":\"" DEV "\",\"session\":{\"status\":\"online\"}}" :
		    "{\"status\":404,\"message\":\"Device not found\"}");
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET &&
	    strncmp(uri, "/v1/messages?", 13) == 0) {
		snprintf(t.last_list_uri, sizeof t.last_list_uri, "%s", uri);
		if (t.nlist < 4)
			t.list_ports[t.nlist] = peer_port(req);
		t.nlist++;
		assert_int_equal(evhttp_parse_query_str(uri + 13, &q), 0);
		assert_string_equal(evhttp_find_header(&q, "size"), "100");
		assert_non_null(v = evhttp_find_header(&q, "page"));
		page = atoi(v);
		evhttp_clear_headers(&q);
		if (page < t.npages)
			reply(req, t.pages[page].status, t.pages[page].body);
		else if (t.endless)
			reply(req, 200, "[{\"id\":\"x\",\"reference\":\"other\","
			    "\"createdAt\":\"2099-01-01T00:00:00Z\"}]");
		else
			reply(req, 200, "[]");
		return;
	}
	reply(req, 404, "{\"status\":404,\"message\":\"route not found\"}");
}

static void
send_cb(struct daemon *d, int64_t id, struct provider_result *res)
{
	assert_ptr_equal(d, &t.d);
	assert_int_equal(id, 42);
	t.ncb++;
	t.res = *res;
}

static void
lookup_cb(struct daemon *d, int64_t id, int found, struct provider_result *res)
{
	assert_ptr_equal(d, &t.d);
	assert_int_equal(id, 7);
	t.ncb++;
	t.found = found;
	t.res = *res;
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until a callback came or MS passed; then a little more. */
static void
run(int ms)
{
	struct event	*ev;
	struct timeval	 tv;
	int		 late = 0;

	ev = evtimer_new(t.d.base, deadline_cb, &late);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
	while (t.ncb == 0 && !late)
		event_base_loop(t.d.base, EVLOOP_ONCE);
	/* A second callback would show up now. */
	late = 0;
	tv.tv_sec = 0;
	tv.tv_usec = 50 * 1000;
	evtimer_add(ev, &tv);
	while (!late)
		event_base_loop(t.d.base, EVLOOP_ONCE);
	event_free(ev);
}

static void
use_port(int port)
{
	free(t.d.conf->api_url);
	xasprintf(&t.d.conf->api_url, "http://127.0.0.1:%d/v1", port);
}

static void
set_send(int status, const char *body)
{
	free(t.send_body);
	t.send_status = status;
	t.send_body = body != NULL ? xstrdup(body) : NULL;
}

/* Post one message from DEVICE (NULL: the default) and wait for it. */
static void
post(const char *device, int ms)
{
	struct provider_msg	 m;

	memset(&m, 0, sizeof m);
	m.id = 42;
	m.phone = "+447700900123";
	m.body = "Hello";
	m.reference = "wacamp-n0nce-42-r1";
	m.device = device;
	t.ncb = 0;
	memset(&t.res, 0, sizeof t.res);
	assert_int_equal(t.pv->send(t.pv, &m, send_cb), 0);
	assert_int_equal(t.pv->inflight, 1);
	run(ms);
	assert_int_equal(t.ncb, 1);
	assert_int_equal(t.pv->inflight, 0);
}

static int
setup(void **state)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	struct evhttp_bound_socket *bs;
	char			 err[256];

	(void)state;
	memset(&t, 0, sizeof t);
	t.d.base = event_base_new();
	t.d.conf = config_default();
	/* Required to start; dropped once started: no health checks. */
	t.d.conf->device_id = xstrdup(DEV);
	t.d.conf->api_key = xstrdup("test-key");
	t.d.conf->timeout_ms = 2000;
	t.http = evhttp_new(t.d.base);
	evhttp_set_gencb(t.http, api_cb, NULL);
	bs = evhttp_bind_socket_with_handle(t.http, "127.0.0.1", 0);
	assert_non_null(bs);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	t.port = ntohs(sin.sin_port);
	use_port(t.port);
	t.device_status = 404;
	t.pv = provider_wassenger_new(&t.d, err, sizeof err);
	assert_non_null(t.pv);
	assert_non_null(t.pv->lookup);
	free(t.d.conf->device_id);
	t.d.conf->device_id = NULL;
	return 0;
}

static int
teardown(void **state)
{
	int	 i;

	(void)state;
	t.pv->free(t.pv);
	evhttp_free(t.http);
	config_free(t.d.conf);
	event_base_free(t.d.base);
	free(t.send_body);
	for (i = 0; i < t.npages; i++)
		free(t.pages[i].body);
	return 0;
}

static void
test_send_201(void **state)
{
	json_t	*j;
	char	*body = fixture("send-message-response-201.json");

	(void)state;
	set_send(201, body);
	free(body);
	post(OTHER_DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_SENT);
	assert_int_equal(t.res.http, 201);
	assert_string_equal(t.res.wass_id, "6650a9c3e1f4b20018d7c3a2");
	assert_string_equal(t.res.wa_id, "3EB0A7C91F5D2E84B6C1");
	assert_string_equal(t.res.device, DEV);
	assert_string_equal(t.res.error, "");
	/* The message's device, the reference, HTTP/1.1. */
	j = json_loads(t.last_send, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "device")),
	    OTHER_DEV);
	assert_string_equal(json_string_value(json_object_get(j,
	    "reference")), "wacamp-n0nce-42-r1");
	assert_string_equal(json_string_value(json_object_get(j, "phone")),
	    "+447700900123");
	json_decref(j);
	assert_int_equal(t.send_major, 1);
	assert_int_equal(t.send_minor, 1);

	/* The default device, and a device given as an object. */
	free(t.d.conf->device_id);
	t.d.conf->device_id = xstrdup(DEV);
	set_send(201, "{\"id\":\"a1\",\"waId\":\"3EB0FF\",\"device\":"
	    "{\"id\":\"" OTHER_DEV "\",\"phone\":\"+1\"}}");
	post(NULL, 3000);
	free(t.d.conf->device_id);
	t.d.conf->device_id = NULL;
	assert_int_equal(t.res.outcome, PROV_SENT);
	assert_string_equal(t.res.device, OTHER_DEV);
	assert_string_equal(t.res.wass_id, "a1");
	j = json_loads(t.last_send, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "device")),
	    DEV);
	json_decref(j);
	/* Two sends, two connections: a POST never rides a reused one. */
	assert_int_equal(t.nsend, 2);
	assert_int_not_equal(t.send_ports[0], t.send_ports[1]);

	/* Taken without an id in the body: still sent, and said. */
	set_send(201, "not json");
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_SENT);
	assert_string_equal(t.res.wass_id, "");
	assert_non_null(strstr(t.res.error, "without a message id"));
	assert_int_not_equal(t.send_ports[1], t.send_ports[2]);
}

static void
test_send_refused(void **state)
{
	char	*body = fixture("send-message-error-400.json");

	(void)state;
	set_send(400, body);
	free(body);
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_REFUSED);
	assert_int_equal(t.res.http, 400);
	assert_non_null(strstr(t.res.error, "HTTP 400 phone:invalid: Invalid "
	    "phone number"));

	set_send(422, "{\"status\":422,\"errorCode\":\"phone:invalid\","
	    "\"message\":\"bad phone\"}");
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_REFUSED);
	assert_string_equal(t.res.error, "HTTP 422 phone:invalid: bad phone");

	/* A 404 with phone: is the recipient, no device check. */
	set_send(404, "{\"status\":404,\"errorCode\":\"phone:notexists\"}");
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_REFUSED);
	assert_int_equal(t.ndevice, 0);
}

static void
test_send_rate_limited(void **state)
{
	(void)state;
	set_send(429, "{\"status\":429,\"message\":\"Too many requests\"}");
	t.retry_after = 3;
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_RATE_LIMITED);
	assert_int_equal(t.res.http, 429);
	assert_int_equal(t.res.retry_after_ms, 3000);
	assert_string_equal(t.res.error, "HTTP 429: Too many requests");

	/* Absurd values are capped at a day. */
	t.retry_after = 999999999;
	post(DEV, 3000);
	assert_int_equal(t.res.retry_after_ms, INT64_C(86400000));

	t.retry_after = 0;
	set_send(503, NULL);
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_RATE_LIMITED);
	assert_int_equal(t.res.http, 503);
	assert_int_equal(t.res.retry_after_ms, 0);
	assert_string_equal(t.res.error, "HTTP 503");
}

static void
test_send_config(void **state)
{
	(void)state;
	set_send(401, "{\"status\":401,\"errorCode\":\"auth:invalid\","
	    "\"message\":\"Invalid API key\"}");
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_CONFIG);
	assert_string_equal(t.res.error, "HTTP 401 auth:invalid: Invalid API "
	    "key");
	set_send(403, NULL);
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_CONFIG);
	set_send(402, "{\"status\":402,\"message\":\"No plan\"}");
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_CONFIG);
	assert_int_equal(t.ndevice, 0);
}

static void
test_send_404_device(void **state)
{
	(void)state;
	/* The device is gone: configuration, said with both answers. */
	set_send(404, NULL);
	t.device_status = 404;
	post(OTHER_DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_CONFIG);
	assert_int_equal(t.res.http, 404);
	assert_int_equal(t.ndevice, 1);
	assert_string_equal(t.last_device_path, "/v1/devices/" OTHER_DEV);
	assert_string_equal(t.res.error, "HTTP 404 on send; device check: "
	    "HTTP 404 (device unknown to this key)");

	/* The device exists: the 404 means nothing known, maybe taken. */
	set_send(404, "{\"status\":404,\"message\":\"Not found\"}");
	t.device_status = 200;
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_UNKNOWN);
	assert_int_equal(t.ndevice, 2);
	assert_string_equal(t.res.error, "HTTP 404 on send (Not found); "
	    "device check: HTTP 200 (the device exists; the 404 is not about "
	    "it)");

	/* No device to check: unknown, and said. */
	post(NULL, 3000);
	assert_int_equal(t.res.outcome, PROV_UNKNOWN);
	assert_int_equal(t.ndevice, 2);
	assert_non_null(strstr(t.res.error, "no device to check"));
}

static void
test_send_unknown_http(void **state)
{
	(void)state;
	set_send(500, "{\"status\":500,\"errorCode\":\"error:generic\","
	    "\"message\":\"Internal error\"}");
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_UNKNOWN);
	assert_int_equal(t.res.http, 500);
	assert_string_equal(t.res.error, "HTTP 500 error:generic: Internal "
	    "error");
	set_send(502, "<html>bad gateway</html>");
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_UNKNOWN);
	assert_string_equal(t.res.error, "HTTP 502");
	set_send(504, NULL);
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_UNKNOWN);
	set_send(418, "{\"status\":418}");
	post(DEV, 3000);
	assert_int_equal(t.res.outcome, PROV_UNKNOWN);
	assert_int_equal(t.ndevice, 0);
}

/* A port where nothing listens. */
static int
dead_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
test_send_refused_connect(void **state)
{
	(void)state;
	use_port(dead_port());
	post(DEV, 3000);
	use_port(t.port);
	assert_int_equal(t.res.outcome, PROV_NOT_TAKEN);
	assert_int_equal(t.res.http, 0);
	assert_int_not_equal(t.res.error[0], '\0');
}

/* A raw server: reads the request, then closes (or never answers). */
struct raw {
	struct evconnlistener	*l;
	struct bufferevent	*bev;
	int			 close_on_read;
	size_t			 got;
};

static void
raw_read(struct bufferevent *bev, void *arg)
{
	struct raw	*r = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	r->got += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (r->close_on_read && r->got > 0) {
		bufferevent_free(bev);
		r->bev = NULL;
	}
}

static void
raw_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct raw	*r = arg;

	r->bev = bufferevent_socket_new(t.d.base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(r->bev, raw_read, NULL, NULL, r);
	bufferevent_enable(r->bev, EV_READ);
}

static int
raw_start(struct raw *r, int close_on_read)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;

	memset(r, 0, sizeof *r);
	r->close_on_read = close_on_read;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->l = evconnlistener_new_bind(t.d.base, raw_accept, r,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof sin);
	assert_non_null(r->l);
	assert_int_equal(getsockname(evconnlistener_get_fd(r->l),
	    (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

static void
raw_stop(struct raw *r)
{
	if (r->bev != NULL)
		bufferevent_free(r->bev);
	evconnlistener_free(r->l);
}

static void
test_send_closed_after_request(void **state)
{
	struct raw	 r;

	(void)state;
	use_port(raw_start(&r, 1));
	post(DEV, 3000);
	use_port(t.port);
	assert_true(r.got > 0);
	raw_stop(&r);
	assert_int_equal(t.res.outcome, PROV_UNKNOWN);
	assert_int_equal(t.res.http, 0);
	assert_true(strstr(t.res.error, "after the request was sent") !=
	    NULL || strstr(t.res.error, "connection reset") != NULL);
}

static void
test_send_timeout_after_request(void **state)
{
	struct raw	 r;

	(void)state;
	t.d.conf->timeout_ms = 300;
	use_port(raw_start(&r, 0));
	post(DEV, 3000);
	use_port(t.port);
	t.d.conf->timeout_ms = 2000;
	assert_true(r.got > 0);
	raw_stop(&r);
	assert_int_equal(t.res.outcome, PROV_UNKNOWN);
	assert_non_null(strstr(t.res.error, "timeout after the request was "
	    "sent"));
}

/*
 * A listener whose accept queue is full drops new SYNs: the connect hangs
 * and times out before any byte of the request went out.
 */
static void
test_send_timeout_before_request(void **state)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 lfd, c[3], i, port;

	(void)state;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 0), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	for (i = 0; i < 3; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		fcntl(c[i], F_SETFL, O_NONBLOCK);
		connect(c[i], (struct sockaddr *)&sin, sizeof sin);
		usleep(20 * 1000);
	}
	t.d.conf->timeout_ms = 400;
	use_port(port);
	post(DEV, 3000);
	use_port(t.port);
	t.d.conf->timeout_ms = 2000;
	for (i = 0; i < 3; i++)
		close(c[i]);
	close(lfd);
	assert_int_equal(t.res.outcome, PROV_NOT_TAKEN);
	assert_non_null(strstr(t.res.error, "timeout before the request went "
	    "out"));
}

static void
set_pages(int n, ...)
{
	va_list	 ap;
	int	 i;

	for (i = 0; i < t.npages; i++)
		free(t.pages[i].body);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		t.pages[i].status = va_arg(ap, int);
		t.pages[i].body = xstrdup(va_arg(ap, const char *));
	}
	va_end(ap);
	t.npages = n;
	t.endless = 0;
	t.nlist = 0;
}

/* A page of N messages created at T, T-1, ... (unix seconds). */
static char *
page_of(int n, int64_t at, const char *extra)
{
	json_t		*a = json_array(), *m;
	char		 when[32], *s;
	struct tm	 tm;
	time_t		 tt;
	int		 i;

	for (i = 0; i < n; i++) {
		tt = (time_t)(at - i);
		gmtime_r(&tt, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S.123Z", &tm);
		m = json_pack("{s:s,s:s,s:s,s:s}", "id", "0000", "reference",
		    "wacamp-other", "createdAt", when, "deliveryStatus",
		    "delivered");
		json_array_append_new(a, m);
	}
	if (extra != NULL)
		json_array_append_new(a, json_loads(extra, 0, NULL));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* Look "wacamp-n0nce-7-r1" up back to SINCE and wait for the answer. */
static void
lookup(int64_t since)
{
	t.ncb = 0;
	t.found = -2;
	memset(&t.res, 0, sizeof t.res);
	assert_int_equal(t.pv->lookup(t.pv, 7, "wacamp-n0nce-7-r1", since,
	    lookup_cb), 0);
	run(5000);
	assert_int_equal(t.ncb, 1);
}

#define NOW	INT64_C(1764590000)	/* 2025-12-01T11:53:20Z */

static void
test_lookup_paging(void **state)
{
	char	*p0, *p1, *p2;

	(void)state;
	p0 = page_of(100, NOW, NULL);
	p1 = page_of(100, NOW - 100, NULL);
	p2 = page_of(3, NOW - 200, "{\"id\":\"6650a9c3e1f4b20018d7c3a2\","
	    "\"waId\":\"3EB0A7\",\"reference\":\"wacamp-n0nce-7-r1\","
	    "\"createdAt\":\"2025-12-01T11:50:00Z\",\"deliveryStatus\":"
	    "\"delivered\",\"status\":\"processed\",\"device\":{\"id\":\""
	    DEV "\"}}");
	set_pages(3, 200, p0, 200, p1, 200, p2);
	free(p0);
	free(p1);
	free(p2);
	lookup(NOW - 3600);
	assert_int_equal(t.found, 1);
	assert_int_equal(t.nlist, 3);
	assert_non_null(strstr(t.last_list_uri, "page=2"));
	assert_string_equal(t.res.wass_id, "6650a9c3e1f4b20018d7c3a2");
	assert_string_equal(t.res.wa_id, "3EB0A7");
	assert_string_equal(t.res.device, DEV);
	assert_int_equal(t.res.ack, 2);
	/* Lookups may reuse their connection, unlike sends. */
	assert_int_equal(t.list_ports[0], t.list_ports[1]);
}

static void
test_lookup_not_there(void **state)
{
	char	*p0, *p1;

	(void)state;
	/* Page 1 reaches back past SINCE without the reference. */
	p0 = page_of(100, NOW, NULL);
	p1 = page_of(100, NOW - 100, NULL);
	set_pages(3, 200, p0, 200, p1, 200, "[]");
	free(p0);
	free(p1);
	lookup(NOW - 150);
	assert_int_equal(t.found, 0);
	assert_int_equal(t.nlist, 2);
	/* An empty listing. */
	set_pages(1, 200, "[]");
	lookup(NOW - 150);
	assert_int_equal(t.found, 0);
	assert_int_equal(t.nlist, 1);
	/* Under "data", with a +02:00 offset that puts it past SINCE. */
	set_pages(1, 200, "{\"total\":1,\"data\":[{\"id\":\"1\",\"reference\":"
	    "\"x\",\"createdAt\":\"2025-12-01T13:00:00+02:00\"}]}");
	lookup(NOW - 600);
	assert_int_equal(t.found, 0);
	/* Same item, SINCE before it: read on, then the end. */
	lookup(NOW - 7200);
	assert_int_equal(t.found, 0);
	assert_int_equal(t.nlist, 3);
}

static void
test_lookup_cannot_tell(void **state)
{
	char	*p0;

	(void)state;
	set_pages(1, 404, "{\"status\":404,\"message\":\"Not found\"}");
	lookup(NOW - 60);
	assert_int_equal(t.found, -1);
	assert_int_equal(t.res.http, 404);
	assert_non_null(strstr(t.res.error, "not served"));

	set_pages(1, 200, "<html>");
	lookup(NOW - 60);
	assert_int_equal(t.found, -1);
	assert_non_null(strstr(t.res.error, "not a list"));

	set_pages(1, 200, "{\"total\":3}");
	lookup(NOW - 60);
	assert_int_equal(t.found, -1);

	set_pages(1, 500, "{\"status\":500,\"errorCode\":\"error:generic\"}");
	lookup(NOW - 60);
	assert_int_equal(t.found, -1);
	assert_non_null(strstr(t.res.error, "HTTP 500 error:generic"));

	/* Oldest first: the order "not there" rests on does not hold. */
	p0 = page_of(2, NOW - 7200, "{\"id\":\"2\",\"reference\":\"y\","
	    "\"createdAt\":\"2025-12-01T11:53:20Z\"}");
	set_pages(1, 200, p0);
	free(p0);
	lookup(NOW - 60);
	assert_int_equal(t.found, -1);
	assert_non_null(strstr(t.res.error, "not newest first"));

	/* Never past SINCE: 20 pages, then "cannot tell". */
	set_pages(0);
	t.endless = 1;
	lookup(NOW - 60);
	assert_int_equal(t.found, -1);
	assert_int_equal(t.nlist, 20);
	assert_non_null(strstr(t.last_list_uri, "page=19"));

	/* Nobody there. */
	use_port(dead_port());
	lookup(NOW - 60);
	use_port(t.port);
	assert_int_equal(t.found, -1);
	assert_int_equal(t.res.http, 0);
	assert_int_not_equal(t.res.error[0], '\0');
}

static void
test_lookup_ack(void **state)
{
	static const struct {
		const char	*item;
		int		 ack;
	} cases[] = {
		{ "\"deliveryStatus\":\"queued\",\"status\":\"queued\"", 0 },
		{ "\"deliveryStatus\":\"processing\"", 0 },
		{ "\"status\":\"processing\"", 0 },
		{ "", 0 },
		{ "\"deliveryStatus\":\"sent\"", 1 },
		{ "\"status\":\"processed\"", 1 },
		{ "\"deliveryStatus\":\"delivered\"", 2 },
		{ "\"deliveryStatus\":\"read\"", 3 },
		{ "\"deliveryStatus\":\"readed\"", 3 },
		{ "\"deliveryStatus\":\"played\"", 3 },
		{ "\"deliveryStatus\":\"failed\"", -1 },
		{ "\"deliveryStatus\":\"cancelled\"", -1 },
		{ "\"status\":\"failed\",\"deliveryStatus\":\"queued\"", -1 },
		{ "\"status\":\"expired\"", -1 },
		{ "\"status\":\"removed\"", -1 },
		{ "\"status\":\"invalid\"", -1 },
		/* Gone out, then removed at Wassenger: it went out. */
		{ "\"status\":\"removed\",\"deliveryStatus\":\"read\"", 3 },
	};
	char	 item[512];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(item, sizeof item, "[{\"id\":\"1\",\"waId\":\"W\","
		    "\"device\":\"" DEV "\",\"reference\":\"wacamp-n0nce-7-r1\""
		    "%s%s}]", *cases[i].item ? "," : "", cases[i].item);
		set_pages(1, 200, item);
		lookup(NOW - 60);
		assert_int_equal(t.found, 1);
		if (t.res.ack != cases[i].ack)
			fail_msg("%s: ack %d, want %d", cases[i].item,
			    t.res.ack, cases[i].ack);
		assert_string_equal(t.res.device, DEV);
	}
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_provider", 1, LOG_LVL_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	curl_global_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_transport),
		cmocka_unit_test(test_classify_http),
		cmocka_unit_test(test_classify_device),
		cmocka_unit_test_setup_teardown(test_send_201, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_rate_limited, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_config, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_404_device, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_unknown_http, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_refused_connect,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_closed_after_request,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_timeout_after_request,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_send_timeout_before_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_paging, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_not_there, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_cannot_tell, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_ack, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
