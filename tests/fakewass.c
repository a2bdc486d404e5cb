/*
 * fakewass: a fake Wassenger API server for tests and benchmarks, with
 * Wassenger's bad days on demand: a message taken and its answer lost,
 * refused connects, webhooks retried, acks that lack our reference.
 *
 * usage: fakewass [-v] [-p port] [-P portfile] [-Q ctlportfile]
 *		   [-r requestlog] [-t token]
 *
 *	-p port		API port on 127.0.0.1 (default 0: the kernel picks)
 *	-P portfile	write the API port there (tmp file + rename)
 *	-Q ctlportfile	write the control port there (tmp file + rename)
 *	-r requestlog	append every API request as one JSON line, flushed
 *	-t token	API key expected ("test-token")
 *	-v		debug logging on stderr
 *
 * It binds 127.0.0.1 only, on two ports: the API port serves the API and
 * /_ctl, the control port (kernel-picked) /_ctl only and stays up while
 * the API port is down.  It prints "port N" then "ctl N" on stdout once
 * listening (the control port is also in GET /_ctl/config) and exits
 * cleanly on SIGTERM or SIGINT.  Shapes follow shared/wassenger/API.md
 * and its fixtures.
 *
 * API (needs the key in a "Token" header or ?token=, else 401
 * auth:invalid):
 *	POST /v1/messages		201 with id (24 hex), waId (3EB0...),
 *					status queued, reference echoed; 400
 *					phone:invalid unless the phone matches
 *					^\+[1-9][0-9]{6,14}$ or if it is in the
 *					"invalid" list.  A 201 means the
 *					message was processed (taken).
 *	GET  /v1/messages[?size=&page=&status=]
 *					the processed messages, newest first,
 *					as a JSON array (API.md §10 does not
 *					say array or object: a guess) of
 *					message resources: the 201 body with
 *					status queued or processed,
 *					deliveryStatus queued, sent, delivered
 *					or read, and sentAt (null until sent).
 *					size 1.. (default 25, above 100 means
 *					100), page from 0, status filters;
 *					any other parameter, reference among
 *					them, is ignored (not confirmed).  The
 *					last 100000 messages are kept.  A
 *					message moves on when its events go
 *					out (auto_ack); without them it stays
 *					queued.  404 route:notfound in
 *					list_mode "404".
 *	GET  /v1/numbers/exists?phone=	200 exists:true, unless the number is
 *	POST /v1/numbers/exists		in the "missing" list: then 200
 *					exists:false, or 404 (exists_mode).
 *	GET  /v1/devices[/{id}]		the fake devices (one, FW_DEVICE_ID,
 *					unless "devices" lists several), a
 *					JSON array of {id, status
 *					"operative", session{status}, phone,
 *					alias}: id, status and session.status
 *					are confirmed (API.md §1), the array
 *					envelope and phone/alias on the list
 *					are guesses (G, from the webhook's
 *					device object);
 *					session status
 *					online or offline (device_status);
 *					billing.subscription is
 *					device_billing when set, absent
 *					otherwise.  Any id answers as the
 *					device, unless unknown_devices is
 *					"404": then only FW_DEVICE_ID does,
 *					others get 404 device:notfound.
 *	GET  /v1/webhooks[?size=&page=]	the webhooks, oldest first, as a JSON
 *					array (API.md §4 does not say array
 *					or object: a guess, as for messages).
 *					size 1.. (default 25, at most
 *					webhooks_page_max, 100 by default),
 *					page from 0; a page past the end is
 *					[].  Filters (devices, status,
 *					search) are ignored.
 *	POST /v1/webhooks		{name?, url, events:[...], device?}:
 *					201 with the webhook {id (24 hex),
 *					name, url, status "active", events,
 *					device, retries 0, lastRetryAt,
 *					lastRunAt, lastFailureAt (null),
 *					createdAt}; 400 body:invalid for a
 *					missing url/events, a url not
 *					http(s), or another property.  The
 *					same url twice makes two webhooks.
 *	GET    /v1/webhooks/{id}	the webhook; 404 webhook:notfound
 *	PATCH  /v1/webhooks/{id}	the given name, url, events, device
 *					changed (status kept); 200 with it
 *	DELETE /v1/webhooks/{id}	removed; 200 with what it was
 *	POST   /v1/webhooks/{id}/enable	status "active"; 200 with it
 *	anything else			404 route:notfound (405 bad method).
 *
 * Control (no token):
 *	POST   /_ctl/faults	{"faults":[{"path":"/v1/messages",
 *				  "method":"POST", "status":500,
 *				  "delay_ms":3000, "reset":true,
 *				  "close":true, "processed":true,
 *				  "retry_after":1, "down_ms":2000,
 *				  "count":2}, ...]}
 *		(every field shown; status, reset and close exclude each
 *		other).  A FIFO queue.  Each API request takes the first
 *		fault whose path is a prefix of its own (and whose method
 *		matches, if given: "/v1/messages" without "method" also
 *		catches GET /v1/messages); that fault applies to its next
 *		"count" requests (-1: forever, default 1).  A fault ends
 *		its request one way: "status" answers that status with an
 *		error body; "reset" drops the connection with an RST,
 *		"close" with a FIN, both without one byte of answer; with
 *		none of them the handler's own answer goes out.
 *		"delay_ms" holds that outcome back.  "processed":true runs
 *		the handler first: the message is taken (counted, listed,
 *		its webhooks queued) at once, and then the answer is lost,
 *		late or wrong; for a status it needs a 5xx other than 503.
 *		Without it a status, reset or close fault does not take
 *		the message; a delay or down_ms alone always does.
 *		"retry_after" puts Retry-After: N on the answer, 0 none
 *		(default 1 for 429, else 0).  "down_ms" closes the API
 *		port's listener for that long once the request is in: new
 *		connects are refused, then it listens again on the same
 *		port.  So:
 *		  takes, times out	{"processed":true,"delay_ms":N}
 *		  takes, resets		{"processed":true,"reset":true}
 *		  takes, 500/502/504	{"processed":true,"status":500}
 *		  closes, no answer	{"close":true[,"processed":true]}
 *		  rate limited		{"status":429,"retry_after":N}
 *		  unavailable		{"status":503[,"retry_after":N]}
 *		  crashes after taking	{"processed":true,"reset":true,
 *					 "down_ms":N}
 *	GET    /_ctl/faults	the faults still queued
 *	DELETE /_ctl/faults	clear them
 *	POST   /_ctl/down	{"ms":N}: the API port refuses connects
 *				for N ms from now (0: listen again now);
 *				answers {"down_ms","port","ctl_port",
 *				"api_down"}.  Open connections, the
 *				control port and webhooks go on.
 *	POST   /_ctl/config	any of {"missing":[phones], "invalid":[phones],
 *				"exists_mode":"200"|"404",
 *				"device_status":"online"|"offline",
 *				"auto_ack":{"url":"http://127.0.0.1:P/...",
 *				"out_new_ms":10, "delivered_ms":50,
 *				"read_ms":100} or null,
 *				"ack_reference":false, "lid":false,
 *				"list_mode":"on"|"404", "hook_retry_s":60,
 *				"hook_timeout_s":10,
 *				"webhooks":[{"url":...,"status":...,
 *				  "events":[...],"id":...}, ...],
 *				"webhook_status":"failed",
 *				"webhooks_page_max":N,
 *				"device_billing":{"product":"io",
 *				  "plan":"io-professional"} or null,
 *				"unknown_devices":"ok"|"404",
 *				"devices":[{"id":24hex,"phone":"+E164",
 *				  "alias":...,"online":false}, ...] (several
 *				  numbers: each message's events carry its
 *				  device's phone and alias; "online":false
 *				  makes that one's session offline; [] or
 *				  null: the one default),
 *				"stop_device":{"device":id,"url":...,
 *				  "delay_ms":N,"every":K} or null (every
 *				  Kth message (default 1: each) taken
 *				  through that device gets a STOP reply,
 *				  message:in:new from its recipient to
 *				  that device, N ms later)}.  Lists
 *				replace the previous ones.  An event whose
 *				delay is absent is not sent; the delays
 *				count from when the message was taken.
 *				"webhooks" preloads the webhook list (the
 *				fields given over the defaults of POST);
 *				"webhook_status" (active, failed, error,
 *				pending, removed) is set on every webhook
 *				POST /v1/webhooks made since (what a
 *				client registered), preloaded ones keep
 *				theirs.  "device_billing" null: the device
 *				has no billing fields (the default).
 *	GET    /_ctl/config	the configuration, plus "port", "ctl_port"
 *	POST   /_ctl/webhook	{"url":"http://127.0.0.1:P/...", "body":any}:
 *				POST the body there, answer {"status":N,
 *				"attempts":1} with the first attempt's
 *				status, or 502 if it got none; retries go
 *				on behind
 *	POST   /_ctl/inbound	{"url":..., "id":..., "phone":"+E164"|null,
 *				"lid":"N@lid"|null, "text":..., or
 *				"reaction":"emoji", "reaction_object":bool,
 *				"target":waId}: a contact's message:in:new
 *				(or message:reaction) shaped like the
 *				fixtures, from an @lid chat when "lid" is
 *				given (with fromNumber and chat.lid only
 *				when "phone" is too: real traffic has
 *				both kinds), the reaction's emoji as a
 *				string or as {"emoji":...}; posted and
 *				retried like any webhook; answers as
 *				/_ctl/webhook does
 *	GET    /_ctl/requests[?path=PREFIX]	recorded API requests
 *	DELETE /_ctl/requests	forget them
 *	GET    /_ctl/processed	{"phones":{"+228...":N,...},"duplicates":K,
 *				"devices":{"<id>":N,...}} (taken per device)
 *	GET    /_ctl/stats	{"requests", "messages_ok", "processed",
 *				"phones_duplicated", "references_duplicated",
 *				"records_dropped", "phones_dropped",
 *				"replies_pending", "webhook_attempts",
 *				"webhook_retries", "webhooks_ok",
 *				"webhooks_failed", "webhooks_given_up",
 *				"webhooks_dropped", "webhooks_pending",
 *				"faults":{kind:N}, "downs", "api_down"}
 *	POST   /_ctl/reset	faults, config, records, messages, webhooks
 *				and stats to defaults, the API port up again
 *
 * A record is {"seq","t_ms","method","path","status","body","token_ok",
 * "processed"}, plus "fault" (status, reset, close, delay or down) and
 * "down_ms" when a fault applied; t_ms counts from start on the monotonic
 * clock, status is 0 when no answer went out.  Stats count faults by the
 * same kind, plus "status:N" by status, "processed" for faults that took
 * the message and "down" for all that took the port down; "downs" counts
 * the times the port went down.
 *
 * Processed means taken: answered 201, or taken before a fault.
 * messages_ok counts 201 answers, held ones included.  A phone processed
 * more than once is a duplicate (the recipient got it twice, whatever the
 * references): "duplicates" and phones_duplicated count such phones.
 * references_duplicated counts processed messages whose reference an
 * earlier processed message already carried.
 *
 * Webhooks (auto_ack and /_ctl/webhook) only ever go to 127.0.0.1.  The
 * events are message:out:new (ack "sent") and message:out:ack (delivered,
 * read), shaped like the fixtures: id = data.id = waId, data.toNumber,
 * data.to "<digits>@c.us", data.fromNumber the device's phone, data.body,
 * data.timestamp and data.date when the message was taken, data.flow
 * "outbound", device{id,phone,alias,plan,version}, chat{id,contact{wid,
 * phone}}.  data.reference only with "ack_reference":true: that real
 * webhooks carry it is not confirmed.  With "lid":true the chat id,
 * data.to and contact.wid are a made-up "<15 digits>@lid", stable per
 * phone; toNumber is still there.  A delivery answered other than
 * 200-209 (or not at all: refused, timeout after hook_timeout_s) is
 * retried every second while its first attempt is less than hook_retry_s
 * old (0: no retry); retries resend the same bytes.  At most 4096
 * webhooks wait or fly: beyond, the oldest is dropped with a log line.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <jansson.h>

#include "log.h"
#include "xmalloc.h"

#define FW_MAX_BODY		(1024 * 1024)
#define FW_MAX_HEADERS		(64 * 1024)
#define FW_TIMEOUT		60		/* seconds, client idle */
#define FW_HOOK_TIMEOUT		10		/* seconds, outgoing webhooks */
#define FW_HOOK_RETRY		60		/* seconds of 1 s retries */
#define FW_MAX_HOOKS		4096		/* webhooks waiting or flying */
#define FW_MAX_RECORDS		1000000
#define FW_MAX_MESSAGES		100000		/* kept for GET /v1/messages */
#define FW_MAX_PHONES		1000000		/* per phone processed counts */
#define FW_MAX_DELAY_MS		600000
#define FW_BACKLOG		4096
#define FW_LIST_SIZE		25
#define FW_LIST_MAX		100
#define FW_DEVICE_ID		"6643f2a1b7c9d40012e5a1f0"
#define FW_DEVICE_PHONE		"+22890000000"
#define FW_DEVICE_ALIAS		"fake"
#define FW_TOKEN		"test-token"
#define FW_JSON_FLAGS		(JSON_COMPACT | JSON_REAL_PRECISION(15))

/* An answer being built; it owns its JSON. */
struct reply {
	int		 status;
	json_t		*body;
	int		 retry_after;	/* seconds, 0 for no header */
};

/* How a fault ends a request: answer, error status, RST or FIN. */
enum drop {
	DROP_NONE,
	DROP_RESET,
	DROP_CLOSE,
};

struct fault {
	TAILQ_ENTRY(fault)	 entry;
	char			*path;
	char			*method;	/* NULL: any */
	int			 status;	/* 0: none */
	int			 delay_ms;
	enum drop		 drop;
	int			 processed;	/* -1 until parsed */
	int			 retry_after;
	int			 down_ms;
	long long		 count;		/* -1: forever */
};
TAILQ_HEAD(faultq, fault);

/* An API answer held back by a delay, reset or close fault. */
struct pending {
	TAILQ_ENTRY(pending)	 entry;
	struct fw		*fw;
	struct evhttp_request	*req;
	struct event		*ev;
	struct reply		 reply;
	enum drop		 drop;
};

/*
 * One outgoing webhook delivery, from its delay timer through its retries
 * to its deferred free.  Event bodies are made at the first attempt, so
 * "created" and the ack dates say when the event went out; retries resend
 * the same bytes, as Wassenger does.
 */
struct hook {
	TAILQ_ENTRY(hook)	 entry;
	struct fw		*fw;
	struct event		*ev;
	struct evhttp_connection *evcon;
	struct evhttp_request	*parked;	/* /_ctl/webhook caller */
	char			*uri;
	int			 port;
	char			*body;		/* NULL: made from msg */
	json_t			*msg;		/* message resource, shared */
	const char		*event;		/* message:out:ack or :new */
	const char		*ack;		/* sent, delivered, read */
	time_t			 t_proc;	/* when the message was taken */
	int64_t			 first_us;	/* first attempt */
	int			 retry_s;
	int			 attempts;
	int			 done;
};

struct fw {
	struct event_base	*base;
	struct evhttp		*http;		/* API and /_ctl */
	struct evhttp		*ctl_http;	/* /_ctl only, always up */
	struct evhttp_bound_socket *api_sock;	/* NULL while down */
	struct event		*ev_up;
	struct event		*ev_term;
	struct event		*ev_int;
	const char		*token;
	FILE			*reqlog;
	struct timespec		 start;
	int			 port;
	int			 ctl_port;

	struct faultq		 faults;
	TAILQ_HEAD(, pending)	 pendings;
	TAILQ_HEAD(, hook)	 hooks;
	size_t			 n_hooks_queued;

	json_t			*missing;	/* phone -> true */
	json_t			*invalid;	/* phone -> true */
	int			 exists_404;
	int			 device_online;
	char			*ack_url;	/* NULL: no auto-ack */
	int			 ack_delivered_ms;
	int			 ack_read_ms;
	int			 ack_out_new_ms;
	int			 ack_reference;
	int			 lid;
	int			 list_404;
	int			 hook_retry_s;
	int			 hook_timeout_s;
	json_t			*webhooks;	/* webhook objects, oldest first */
	json_t			*wh_created;	/* id -> true: POSTed ones */
	int			 wh_page_max;
	json_t			*billing;	/* NULL: no billing fields */
	int			 devices_404;
	json_t			*devices;	/* [] : the one default device */
	json_t			*by_device;	/* id -> times taken */
	char			*stop_url;	/* NULL: no STOP replies */
	char			*stop_device;
	int			 stop_delay_ms;
	int			 stop_every;	/* every Nth message of it */

	json_t			*records;
	json_t			*refs;		/* reference -> true */
	json_t			*phones;	/* phone -> times processed */
	json_t			**msgs;		/* ring of message resources */
	size_t			 msg_next;
	size_t			 msg_n;
	uint64_t		 seq;
	uint64_t		 n_requests;
	uint64_t		 n_ok;
	uint64_t		 n_processed;
	uint64_t		 n_dup;
	uint64_t		 n_phone_dup;
	uint64_t		 n_phones_dropped;
	uint64_t		 n_dropped;
	uint64_t		 n_hook_attempts;
	uint64_t		 n_hook_retries;
	uint64_t		 n_hooks_ok;
	uint64_t		 n_hooks_failed;
	uint64_t		 n_hooks_given_up;
	uint64_t		 n_hooks_dropped;
	uint64_t		 n_downs;
	json_t			*fault_counts;	/* kind -> count */
	uint64_t		 idkey;
	uint64_t		 idctr;
};

/* One HTTP request as the handlers see it. */
struct call {
	struct fw		*fw;
	struct evhttp_request	*req;
	enum evhttp_cmd_type	 method;
	const char		*path;
	struct evkeyvalq	 query;
	json_t			*body;		/* NULL: absent or not JSON */
	struct reply		*reply;
	int			 taken;		/* a message was processed */
};

/* A handler fills c->reply and returns 0, or parks the request: 1. */
struct route {
	enum evhttp_cmd_type	 method;
	const char		*path;
	int			 prefix;	/* also matches path + "x..." */
	int			(*fn)(struct call *);
};

static int	api_send(struct call *);
static int	api_list(struct call *);
static int	api_exists(struct call *);
static int	api_devices(struct call *);
static int	api_device(struct call *);
static int	api_wh_list(struct call *);
static int	api_wh_create(struct call *);
static int	api_wh_one(struct call *);
static int	ctl_faults_add(struct call *);
static int	ctl_faults_get(struct call *);
static int	ctl_faults_clear(struct call *);
static int	ctl_config_set(struct call *);
static int	ctl_config_get(struct call *);
static int	ctl_webhook(struct call *);
static int	ctl_inbound(struct call *);
static int	ctl_requests_get(struct call *);
static int	ctl_requests_clear(struct call *);
static int	ctl_stats(struct call *);
static int	ctl_reset(struct call *);
static int	ctl_processed(struct call *);
static int	ctl_down(struct call *);

static const struct route api_routes[] = {
	{ EVHTTP_REQ_POST,	"/v1/messages",		0, api_send },
	{ EVHTTP_REQ_GET,	"/v1/messages",		0, api_list },
	{ EVHTTP_REQ_GET,	"/v1/numbers/exists",	0, api_exists },
	{ EVHTTP_REQ_POST,	"/v1/numbers/exists",	0, api_exists },
	{ EVHTTP_REQ_GET,	"/v1/devices",		0, api_devices },
	{ EVHTTP_REQ_GET,	"/v1/devices/",		1, api_device },
	{ EVHTTP_REQ_GET,	"/v1/webhooks",		0, api_wh_list },
	{ EVHTTP_REQ_POST,	"/v1/webhooks",		0, api_wh_create },
	{ EVHTTP_REQ_GET,	"/v1/webhooks/",	1, api_wh_one },
	{ EVHTTP_REQ_PATCH,	"/v1/webhooks/",	1, api_wh_one },
	{ EVHTTP_REQ_DELETE,	"/v1/webhooks/",	1, api_wh_one },
	{ EVHTTP_REQ_POST,	"/v1/webhooks/",	1, api_wh_one },
};

static const struct route ctl_routes[] = {
	{ EVHTTP_REQ_POST,	"/_ctl/faults",		0, ctl_faults_add },
	{ EVHTTP_REQ_GET,	"/_ctl/faults",		0, ctl_faults_get },
	{ EVHTTP_REQ_DELETE,	"/_ctl/faults",		0, ctl_faults_clear },
	{ EVHTTP_REQ_POST,	"/_ctl/config",		0, ctl_config_set },
	{ EVHTTP_REQ_GET,	"/_ctl/config",		0, ctl_config_get },
	{ EVHTTP_REQ_POST,	"/_ctl/webhook",	0, ctl_webhook },
	{ EVHTTP_REQ_POST,	"/_ctl/inbound",	0, ctl_inbound },
	{ EVHTTP_REQ_GET,	"/_ctl/requests",	0, ctl_requests_get },
	{ EVHTTP_REQ_DELETE,	"/_ctl/requests",	0, ctl_requests_clear },
	{ EVHTTP_REQ_GET,	"/_ctl/stats",		0, ctl_stats },
	{ EVHTTP_REQ_POST,	"/_ctl/reset",		0, ctl_reset },
	{ EVHTTP_REQ_GET,	"/_ctl/processed",	0, ctl_processed },
	{ EVHTTP_REQ_POST,	"/_ctl/down",		0, ctl_down },
};

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

static void	reply_error(struct reply *, int, const char *, const char *,
		    ...) __attribute__((__format__(__printf__, 4, 5)));
static void	hook_timer_cb(evutil_socket_t, short, void *);
static void	api_down(struct fw *, int);

/* A JSON string from untrusted bytes; invalid UTF-8 becomes "?". */
static json_t *
jstr(const char *s)
{
	json_t	*j;

	if ((j = json_string(s)) == NULL)
		j = json_string("?");
	return j;
}

/* json_pack results with trusted arguments; NULL is a bug. */
static json_t *
jcheck(json_t *j)
{
	if (j == NULL)
		fatalx("json_pack failed");
	return j;
}

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "?";
}

/* Microseconds on the monotonic clock since the server started. */
static int64_t
uptime_us(struct fw *fw)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)(ts.tv_sec - fw->start.tv_sec) * 1000000 +
	    (ts.tv_nsec - fw->start.tv_nsec) / 1000;
}

/* Now as ISO 8601 UTC with milliseconds, like the API's dates. */
static void
iso_now(char *buf, size_t len)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 sec[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", sec, (int)(ts.tv_nsec / 1000000));
}

/* splitmix64's finaliser: a bijection, so distinct inputs never collide. */
static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* A fresh 24-hex message id and 20-hex "3EB0..." WhatsApp id. */
static void
id_new(struct fw *fw, char *id, size_t idlen, char *waid, size_t walen)
{
	uint64_t	 a;

	a = mix64(fw->idctr++ ^ fw->idkey);
	snprintf(id, idlen, "%08" PRIx32 "%016" PRIx64,
	    (uint32_t)time(NULL), a);
	snprintf(waid, walen, "3EB0%016" PRIX64, mix64(a + fw->idkey));
}

/* Does P match ^\+[1-9][0-9]{6,14}$?  LEN guards against embedded NULs. */
static int
phone_ok(const char *p, size_t len)
{
	size_t	 i;

	if (len < 8 || len > 16 || strlen(p) != len)
		return 0;
	if (p[0] != '+' || p[1] < '1' || p[1] > '9')
		return 0;
	for (i = 2; i < len; i++) {
		if (!isdigit((unsigned char)p[i]))
			return 0;
	}
	return 1;
}

static void
reply_clear(struct reply *r)
{
	json_decref(r->body);
	memset(r, 0, sizeof *r);
}

/* An error body in the API's shape: status, message, errorCode. */
static void
reply_error(struct reply *r, int status, const char *code, const char *fmt,
    ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	reply_clear(r);
	r->status = status;
	r->body = jcheck(json_pack("{s:i, s:o, s:s}", "status", status,
	    "message", jstr(msg), "errorCode", code));
}

/* 400 phone:invalid shaped like send-message-error-400.json. */
static void
reply_phone_invalid(struct reply *r, const char *phone, const char *reason)
{
	char	 msg[256];

	reply_clear(r);
	if (phone == NULL)
		snprintf(msg, sizeof msg, "phone is required");
	else
		snprintf(msg, sizeof msg,
		    "phone \"%.64s\" is not a valid E164 number", phone);
	r->status = 400;
	r->body = jcheck(json_pack("{s:i, s:s, s:s, s:[{s:s, s:s, s:o}]}",
	    "status", 400,
	    "message", "Invalid phone number: it must be in international "
	    "E164 format, e.g. +1234567890",
	    "errorCode", "phone:invalid",
	    "errors", "code", "phone", "reason", reason, "message",
	    jstr(msg)));
}

static void
reply_json(struct reply *r, int status, json_t *body)
{
	reply_clear(r);
	r->status = status;
	r->body = body;		/* ownership moves to the reply */
}

/* Write the reply out; if REQ lost its connection libevent frees it. */
static void
reply_send(struct evhttp_request *req, struct reply *r)
{
	struct evkeyvalq	*h;
	struct evbuffer		*buf;
	char			*s;
	char			 tmp[32];

	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", "application/json");
	if (r->retry_after > 0) {
		snprintf(tmp, sizeof tmp, "%d", r->retry_after);
		evhttp_add_header(h, "Retry-After", tmp);
	}
	if ((buf = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	if (r->body != NULL) {
		if ((s = json_dumps(r->body, FW_JSON_FLAGS)) == NULL)
			fatalx("json_dumps");
		evbuffer_add(buf, s, strlen(s));
		evbuffer_add(buf, "\n", 1);
		free(s);
	}
	evhttp_send_reply(req, r->status, NULL, buf);
	evbuffer_free(buf);
	reply_clear(r);
}

/*
 * Drop the connection without an answer, not one byte of it.  For a
 * reset SO_LINGER 0 makes the close an RST (libevent shuts down writing
 * first, so clients see either an empty reply or a reset); a close is a
 * plain FIN, as when a keep-alive peer goes away.  Only called from a
 * timer, never inside libevent's own request callback, so freeing the
 * connection here is safe.
 */
static void
conn_drop(struct evhttp_request *req, enum drop drop)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct linger			 l;
	evutil_socket_t			 fd;

	if ((evcon = evhttp_request_get_connection(req)) == NULL) {
		/* The client went away already; the request is ours. */
		evhttp_request_free(req);
		return;
	}
	bev = evhttp_connection_get_bufferevent(evcon);
	if (drop == DROP_RESET && bev != NULL &&
	    (fd = bufferevent_getfd(bev)) != -1) {
		l.l_onoff = 1;
		l.l_linger = 0;
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) == -1)
			log_warn("setsockopt SO_LINGER");
	}
	evhttp_connection_free(evcon);
}

static void
pending_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pending	*p = arg;
	struct fw	*fw = p->fw;

	TAILQ_REMOVE(&fw->pendings, p, entry);
	if (p->drop != DROP_NONE)
		conn_drop(p->req, p->drop);
	else
		reply_send(p->req, &p->reply);
	reply_clear(&p->reply);
	event_free(p->ev);
	free(p);
}

/* Hold REQ's answer for DELAY_MS; the reply's contents move to it. */
static void
pending_new(struct fw *fw, struct evhttp_request *req, struct reply *r,
    int delay_ms, enum drop drop)
{
	struct pending	*p;
	struct timeval	 tv;

	p = xcalloc(1, sizeof *p);
	p->fw = fw;
	p->req = req;
	p->reply = *r;
	memset(r, 0, sizeof *r);
	p->drop = drop;
	if ((p->ev = evtimer_new(fw->base, pending_cb, p)) == NULL)
		fatalx("evtimer_new");
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	evtimer_add(p->ev, &tv);
	TAILQ_INSERT_TAIL(&fw->pendings, p, entry);
}

/* At shutdown: requests still on a connection go with evhttp_free. */
static void
pending_free(struct fw *fw, struct pending *p)
{
	TAILQ_REMOVE(&fw->pendings, p, entry);
	if (evhttp_request_get_connection(p->req) == NULL)
		evhttp_request_free(p->req);
	reply_clear(&p->reply);
	event_free(p->ev);
	free(p);
}

/*
 * Split http://127.0.0.1[:port]/path?query into a port and a request URI.
 * Webhooks never leave the machine: any other host is refused.
 */
static int
url_loopback(const char *url, int *port, char **uri, const char **why)
{
	struct evhttp_uri	*u;
	const char		*host, *path, *q;
	int			 rv = -1;

	*uri = NULL;
	if ((u = evhttp_uri_parse(url)) == NULL) {
		*why = "url does not parse";
		goto out;
	}
	if (evhttp_uri_get_scheme(u) == NULL ||
	    strcasecmp(evhttp_uri_get_scheme(u), "http") != 0) {
		*why = "url must be http://";
		goto out;
	}
	host = evhttp_uri_get_host(u);
	if (host == NULL || (strcmp(host, "127.0.0.1") != 0 &&
	    strcasecmp(host, "localhost") != 0)) {
		*why = "url host must be 127.0.0.1 or localhost";
		goto out;
	}
	*port = evhttp_uri_get_port(u);
	if (*port == -1)
		*port = 80;
	if (*port <= 0 || *port > 65535) {
		*why = "url port out of range";
		goto out;
	}
	path = evhttp_uri_get_path(u);
	if (path == NULL || *path == '\0')
		path = "/";
	q = evhttp_uri_get_query(u);
	if (q != NULL)
		xasprintf(uri, "%s?%s", path, q);
	else
		*uri = xstrdup(path);
	rv = 0;
out:
	if (u != NULL)
		evhttp_uri_free(u);
	return rv;
}

/* Count one fault of KIND for /_ctl/stats. */
static void
fault_count(struct fw *fw, const char *kind)
{
	json_t		*v;
	json_int_t	 n = 0;

	if ((v = json_object_get(fw->fault_counts, kind)) != NULL)
		n = json_integer_value(v);
	json_object_set_new(fw->fault_counts, kind, json_integer(n + 1));
}

/* A unix time as the API's ISO 8601 with milliseconds. */
static void
iso_sec(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/*
 * The recipient's chat id: <digits>@c.us, or in lid mode a made-up
 * 15-digit @lid, the same for one phone for the life of the server, and
 * unrelated to its digits so that nothing can derive a number from it.
 */
static void
chat_id(struct fw *fw, const char *phone, char *buf, size_t len)
{
	const char	*p;
	uint64_t	 h = fw->idkey;

	if (!fw->lid) {
		snprintf(buf, len, "%s@c.us", phone + 1);
		return;
	}
	for (p = phone; *p != '\0'; p++)
		h = mix64(h ^ (unsigned char)*p);
	snprintf(buf, len, "%" PRIu64 "@lid",
	    (uint64_t)(100000000000000ULL + h % 900000000000000ULL));
}

/* An event going out moves its message on: queued < sent < delivered < read. */
static void
msg_advance(json_t *m, const char *ack)
{
	static const char	*order[] = { "queued", "sent", "delivered",
				    "read" };
	const char		*cur;
	size_t			 i, have = 0, want = 0;
	char			 now[64];

	cur = json_string_value(json_object_get(m, "deliveryStatus"));
	for (i = 0; i < nitems(order); i++) {
		if (cur != NULL && strcmp(cur, order[i]) == 0)
			have = i;
		if (strcmp(ack, order[i]) == 0)
			want = i;
	}
	if (want <= have)
		return;
	json_object_set_new(m, "deliveryStatus", json_string(ack));
	json_object_set_new(m, "status", json_string("processed"));
	if (json_is_null(json_object_get(m, "sentAt"))) {
		iso_now(now, sizeof now);
		json_object_set_new(m, "sentAt", json_string(now));
	}
}

/* Phone and alias of device ID: one of "devices", else the default's. */
static void
device_of(struct fw *fw, const char *id, const char **phone,
    const char **alias)
{
	json_t	*d;
	size_t	 i;

	*phone = FW_DEVICE_PHONE;
	*alias = FW_DEVICE_ALIAS;
	if (id == NULL)
		return;
	json_array_foreach(fw->devices, i, d) {
		if (strcmp(json_string_value(json_object_get(d, "id")),
		    id) != 0)
			continue;
		if (json_is_string(json_object_get(d, "phone")))
			*phone = json_string_value(json_object_get(d, "phone"));
		if (json_is_string(json_object_get(d, "alias")))
			*alias = json_string_value(json_object_get(d, "alias"));
		return;
	}
}

/*
 * A message:out:ack or message:out:new for H's message, shaped like the
 * fixtures.  data.reference only in ack_reference mode: that Wassenger's
 * webhooks carry it is not confirmed (API.md §4), so by default the
 * daemon must correlate on waId, recipient and body.
 */
static char *
event_body(struct fw *fw, struct hook *h)
{
	json_t		*m = h->msg, *o, *data, *events, *ref;
	const char	*waid, *phone, *device, *created, *dphone, *dalias;
	char		 to[64], from[64], now[64], date[64], *s;

	waid = json_string_value(json_object_get(m, "waId"));
	phone = json_string_value(json_object_get(m, "phone"));
	device = json_string_value(json_object_get(m, "device"));
	created = json_string_value(json_object_get(m, "createdAt"));
	device_of(fw, device, &dphone, &dalias);
	chat_id(fw, phone, to, sizeof to);
	snprintf(from, sizeof from, "%s@c.us", &dphone[1]);
	iso_now(now, sizeof now);
	iso_sec(h->t_proc, date, sizeof date);

	events = jcheck(json_pack("{s:{s:s}}", "sent", "date", created));
	if (strcmp(h->ack, "sent") != 0)
		json_object_set_new(events, "delivered",
		    jcheck(json_pack("{s:s}", "date", now)));
	if (strcmp(h->ack, "read") == 0)
		json_object_set_new(events, "read",
		    jcheck(json_pack("{s:s}", "date", now)));

	data = jcheck(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:s, s:s, s:I, s:O*,"
	    " s:{s:s, s:s, s:s, s:s, s:{s:s, s:s}}, s:o,"
	    " s:{s:b, s:b, s:s, s:s}}",
	    "id", waid,
	    "type", "text",
	    "flow", "outbound",
	    "status", "active",
	    "ack", h->ack,
	    "from", from,
	    "fromNumber", dphone,
	    "to", to,
	    "toNumber", phone,
	    "date", date,
	    "timestamp", (json_int_t)h->t_proc,
	    "body", json_object_get(m, "message"),
	    "chat",
		"id", to,
		"type", "chat",
		"status", "active",
		"waStatus", "active",
		"contact",
		    "wid", to,
		    "phone", phone,
	    "events", events,
	    "meta",
		"rtl", 0,
		"isGroup", 0,
		"notifyName", dalias,
		"source", "api"));
	ref = json_object_get(m, "reference");
	if (fw->ack_reference && ref != NULL && !json_is_null(ref))
		json_object_set(data, "reference", ref);

	o = jcheck(json_pack("{s:s, s:s, s:s, s:I}",
	    "id", waid,
	    "object", "message",
	    "event", h->event,
	    "created", (json_int_t)time(NULL)));
	if (strcmp(h->event, "message:out:ack") == 0)
		json_object_set_new(o, "ack", json_string(h->ack));
	json_object_set_new(o, "device", jcheck(json_pack(
	    "{s:s, s:s, s:s, s:s, s:i}",
	    "id", device,
	    "phone", dphone,
	    "alias", dalias,
	    "plan", "io-business",
	    "version", 1)));
	json_object_set_new(o, "data", data);
	if ((s = json_dumps(o, FW_JSON_FLAGS)) == NULL)
		fatalx("json_dumps");
	json_decref(o);
	return s;
}

/* Answer a parked /_ctl/webhook with an attempt's outcome. */
static void
hook_answer(struct hook *h, int status)
{
	struct reply	 r;

	if (h->parked == NULL)
		return;
	memset(&r, 0, sizeof r);
	if (status > 0)
		reply_json(&r, 200, jcheck(json_pack("{s:i, s:i}",
		    "status", status, "attempts", h->attempts)));
	else
		reply_error(&r, 502, "webhook:failed",
		    "webhook to port %d failed", h->port);
	reply_send(h->parked, &r);
	h->parked = NULL;
}

/*
 * One attempt's outcome.  Wassenger counts any answer but 200-209 as a
 * failed notification and retries it (API.md §4; the schedule is not
 * documented): here every second while the first attempt is less than
 * hook_retry_s old.  A parked /_ctl/webhook learns the first outcome.
 */
static void
hook_result(struct hook *h, int status)
{
	struct fw	*fw = h->fw;
	struct timeval	 tv = { 0, 0 };
	int		 ok = status >= 200 && status <= 209;

	if (h->done)
		return;
	if (ok)
		fw->n_hooks_ok++;
	else
		fw->n_hooks_failed++;
	hook_answer(h, status);
	if (!ok && uptime_us(fw) - h->first_us + 1000000 <=
	    (int64_t)h->retry_s * 1000000) {
		log_debug("webhook to port %d%s: status %d, attempt %d, "
		    "again in 1 s", h->port, h->uri, status, h->attempts);
		tv.tv_sec = 1;
		evtimer_add(h->ev, &tv);
		return;
	}
	if (!ok) {
		fw->n_hooks_given_up++;
		log_info("webhook to port %d%s: status %d, given up after %d "
		    "attempts", h->port, h->uri, status, h->attempts);
	}
	h->done = 1;
	/* libevent may still use the connection on return: free it later. */
	evtimer_add(h->ev, &tv);
}

static void
hook_done_cb(struct evhttp_request *req, void *arg)
{
	struct hook	*h = arg;

	hook_result(h, req != NULL ? evhttp_request_get_response_code(req) :
	    0);
}

static void
hook_start(struct hook *h)
{
	struct fw		*fw = h->fw;
	struct evhttp_request	*req;
	struct evkeyvalq	*hdr;
	char			 host[32];

	if (h->body == NULL) {
		h->body = event_body(fw, h);
		msg_advance(h->msg, h->ack);
	}
	if (h->attempts++ == 0)
		h->first_us = uptime_us(fw);
	else
		fw->n_hook_retries++;
	fw->n_hook_attempts++;
	h->evcon = evhttp_connection_base_new(fw->base, NULL, "127.0.0.1",
	    (unsigned short)h->port);
	if (h->evcon == NULL) {
		hook_result(h, 0);
		return;
	}
	evhttp_connection_set_timeout(h->evcon, fw->hook_timeout_s);
	evhttp_connection_set_retries(h->evcon, 0);
	if ((req = evhttp_request_new(hook_done_cb, h)) == NULL)
		fatalx("evhttp_request_new");
	hdr = evhttp_request_get_output_headers(req);
	snprintf(host, sizeof host, "127.0.0.1:%d", h->port);
	evhttp_add_header(hdr, "Host", host);
	evhttp_add_header(hdr, "Content-Type", "application/json");
	evhttp_add_header(hdr, "User-Agent", "fakewass");
	evhttp_add_header(hdr, "Connection", "close");
	evbuffer_add(evhttp_request_get_output_buffer(req), h->body,
	    strlen(h->body));
	if (evhttp_make_request(h->evcon, req, EVHTTP_REQ_POST, h->uri) == -1)
		hook_result(h, 0);
}

static void
hook_free(struct fw *fw, struct hook *h)
{
	TAILQ_REMOVE(&fw->hooks, h, entry);
	fw->n_hooks_queued--;
	if (h->evcon != NULL)
		evhttp_connection_free(h->evcon);
	if (h->parked != NULL &&
	    evhttp_request_get_connection(h->parked) == NULL)
		evhttp_request_free(h->parked);
	event_free(h->ev);
	json_decref(h->msg);
	free(h->uri);
	free(h->body);
	free(h);
}

/*
 * Fires for the first attempt, for each retry (the last attempt's
 * connection is freed here, outside its callbacks) and, once done, to
 * free the hook.
 */
static void
hook_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hook	*h = arg;

	if (h->done) {
		hook_free(h->fw, h);
		return;
	}
	if (h->evcon != NULL) {
		evhttp_connection_free(h->evcon);
		h->evcon = NULL;
	}
	hook_start(h);
}

/*
 * A webhook to URL in DELAY_MS; the caller fills its body or message.
 * Returns NULL (with WHY) for a URL that is not loopback http.  Beyond
 * FW_MAX_HOOKS the oldest is dropped, so a dead receiver cannot grow
 * the queue without bound.
 */
static struct hook *
hook_new(struct fw *fw, const char *url, int delay_ms, const char **why)
{
	struct hook	*h;
	struct timeval	 tv;
	char		*uri;
	int		 port;

	if (url_loopback(url, &port, &uri, why) == -1)
		return NULL;
	if (fw->n_hooks_queued >= FW_MAX_HOOKS) {
		h = TAILQ_FIRST(&fw->hooks);
		log_warnx("webhook to port %d%s dropped after %d attempts: "
		    "more than %d webhooks queued", h->port, h->uri,
		    h->attempts, FW_MAX_HOOKS);
		if (!h->done)
			fw->n_hooks_dropped++;
		hook_answer(h, 0);
		hook_free(fw, h);
	}
	h = xcalloc(1, sizeof *h);
	h->fw = fw;
	h->uri = uri;
	h->port = port;
	h->retry_s = fw->hook_retry_s;
	if ((h->ev = evtimer_new(fw->base, hook_timer_cb, h)) == NULL)
		fatalx("evtimer_new");
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	evtimer_add(h->ev, &tv);
	TAILQ_INSERT_TAIL(&fw->hooks, h, entry);
	fw->n_hooks_queued++;
	return h;
}

/* After a message is taken: queue its configured events. */
static void
ack_schedule(struct fw *fw, json_t *msg, time_t t_proc)
{
	static const struct {
		const char	*event, *ack;
	} ev[] = {
		{ "message:out:new", "sent" },
		{ "message:out:ack", "delivered" },
		{ "message:out:ack", "read" },
	};
	struct hook		*h;
	const char		*why;
	int			 delay[3], i;

	if (fw->ack_url == NULL)
		return;
	delay[0] = fw->ack_out_new_ms;
	delay[1] = fw->ack_delivered_ms;
	delay[2] = fw->ack_read_ms;
	for (i = 0; i < 3; i++) {
		if (delay[i] < 0)
			continue;
		if ((h = hook_new(fw, fw->ack_url, delay[i], &why)) == NULL) {
			log_warnx("auto_ack: %s", why);
			return;
		}
		h->msg = json_incref(msg);
		h->event = ev[i].event;
		h->ack = ev[i].ack;
		h->t_proc = t_proc;
	}
}

/* The key in the Token header, or in ?token= (API.md §1). */
static int
token_ok(struct call *c)
{
	const char	*t;

	t = evhttp_find_header(evhttp_request_get_input_headers(c->req),
	    "Token");
	if (t == NULL)
		t = evhttp_find_header(&c->query, "token");
	return t != NULL && strcmp(t, c->fw->token) == 0;
}

/* Take the first queued fault for this request into F; 0 if none. */
static int
fault_take(struct fw *fw, enum evhttp_cmd_type m, const char *path,
    struct fault *out)
{
	struct fault	*f;

	TAILQ_FOREACH(f, &fw->faults, entry) {
		if (strncmp(path, f->path, strlen(f->path)) != 0)
			continue;
		if (f->method != NULL &&
		    strcasecmp(f->method, method_name(m)) != 0)
			continue;
		*out = *f;
		out->path = out->method = NULL;
		if (f->count > 0 && --f->count == 0) {
			TAILQ_REMOVE(&fw->faults, f, entry);
			free(f->path);
			free(f->method);
			free(f);
		}
		return 1;
	}
	return 0;
}

static void
faults_clear(struct faultq *q)
{
	struct fault	*f;

	while ((f = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, f, entry);
		free(f->path);
		free(f->method);
		free(f);
	}
}

/* A fault's name in records and stats: what the client sees. */
static const char *
fault_kind(const struct fault *f)
{
	if (f->status != 0)
		return "status";
	if (f->drop == DROP_RESET)
		return "reset";
	if (f->drop == DROP_CLOSE)
		return "close";
	if (f->delay_ms > 0)
		return "delay";
	return "down";
}

static void
record_add(struct fw *fw, struct call *c, int64_t t_us, int status, int tok,
    const struct fault *f)
{
	json_t	*rec;

	rec = jcheck(json_pack("{s:I, s:f, s:s, s:o, s:i, s:O, s:b, s:b}",
	    "seq", (json_int_t)fw->seq,
	    "t_ms", (double)t_us / 1000.0,
	    "method", method_name(c->method),
	    "path", jstr(c->path),
	    "status", status,
	    "body", c->body != NULL ? c->body : json_null(),
	    "token_ok", tok,
	    "processed", c->taken));
	if (f != NULL) {
		json_object_set_new(rec, "fault", json_string(fault_kind(f)));
		if (f->down_ms > 0)
			json_object_set_new(rec, "down_ms",
			    json_integer(f->down_ms));
	}
	if (fw->reqlog != NULL) {
		if (json_dumpf(rec, fw->reqlog, FW_JSON_FLAGS) == -1 ||
		    fputc('\n', fw->reqlog) == EOF || fflush(fw->reqlog) == EOF)
			log_warn("request log");
	}
	if (json_array_size(fw->records) < FW_MAX_RECORDS)
		json_array_append(fw->records, rec);
	else
		fw->n_dropped++;
	json_decref(rec);
}

static const struct route *
route_find(const struct route *tab, size_t n, struct call *c, int *known)
{
	size_t	 i, len;
	int	 match;

	*known = 0;
	for (i = 0; i < n; i++) {
		len = strlen(tab[i].path);
		if (tab[i].prefix)
			match = strncmp(c->path, tab[i].path, len) == 0 &&
			    c->path[len] != '\0';
		else
			match = strcmp(c->path, tab[i].path) == 0;
		if (!match)
			continue;
		*known = 1;
		if (tab[i].method == c->method)
			return &tab[i];
	}
	return NULL;
}

/* Run the route for C, or fill a 404/405; returns 1 if parked. */
static int
route_run(const struct route *tab, size_t n, struct call *c)
{
	const struct route	*rt;
	int			 known;

	if ((rt = route_find(tab, n, c, &known)) != NULL)
		return rt->fn(c);
	if (known)
		reply_error(c->reply, 405, "method:notallowed",
		    "Method %s not allowed on %s", method_name(c->method),
		    c->path);
	else
		reply_error(c->reply, 404, "route:notfound", "Not found: %s %s",
		    method_name(c->method), c->path);
	return 0;
}

/*
 * An API request: a queued fault may answer it, hold it, drop it or take
 * the API port down; the rest go to the handler.  A fault that says
 * "processed" lets the handler take the message first, so its side
 * effects (counts, listing, webhooks) happen and only the answer is
 * lost or wrong.  Everything is recorded with the status the client will
 * see (0: none), decided now even when the answer is held back.
 */
static void
api_dispatch(struct call *c, int64_t t_us)
{
	struct fw	*fw = c->fw;
	struct fault	 f;
	char		 kind[32];
	int		 tok, has_fault, status;

	fw->seq++;
	fw->n_requests++;
	tok = token_ok(c);
	memset(&f, 0, sizeof f);
	has_fault = fault_take(fw, c->method, c->path, &f);

	if (!has_fault || f.processed) {
		if (!tok)
			reply_error(c->reply, 401, "auth:invalid",
			    "Invalid or missing API key");
		else
			route_run(api_routes, nitems(api_routes), c);
	}
	if (has_fault && f.status != 0) {
		reply_error(c->reply, f.status, "fault:injected",
		    "Injected fault: status %d", f.status);
		c->reply->retry_after = f.retry_after;
	}
	status = has_fault && f.drop != DROP_NONE ? 0 : c->reply->status;
	if (c->taken && status == 201)
		fw->n_ok++;
	record_add(fw, c, t_us, status, tok, has_fault ? &f : NULL);
	if (has_fault) {
		fault_count(fw, fault_kind(&f));
		if (f.status != 0) {
			snprintf(kind, sizeof kind, "status:%d", f.status);
			fault_count(fw, kind);
		}
		if (c->taken)
			fault_count(fw, "processed");
		if (f.down_ms > 0 && strcmp(fault_kind(&f), "down") != 0)
			fault_count(fw, "down");
	}
	log_debug("#%" PRIu64 " %s %s -> %d%s%s%s", fw->seq,
	    method_name(c->method), c->path, status,
	    has_fault ? " fault " : "", has_fault ? fault_kind(&f) : "",
	    c->taken ? " (processed)" : "");

	if (has_fault && f.down_ms > 0)
		api_down(fw, f.down_ms);
	if (has_fault && (f.drop != DROP_NONE || f.delay_ms > 0))
		pending_new(fw, c->req, c->reply, f.delay_ms, f.drop);
	else
		reply_send(c->req, c->reply);
}

static void
ctl_dispatch(struct call *c)
{
	if (route_run(ctl_routes, nitems(ctl_routes), c) == 0)
		reply_send(c->req, c->reply);
}

/* Both ports: the API port serves /_ctl too, the control port only that. */
static void
http_handle(struct fw *fw, struct evhttp_request *req, int ctl_only)
{
	struct call		 c;
	struct reply		 reply;
	const struct evhttp_uri	*uri;
	const char		*q;
	struct evbuffer		*in;
	unsigned char		*data;
	size_t			 len;
	json_error_t		 err;
	int64_t			 t_us;

	t_us = uptime_us(fw);
	memset(&c, 0, sizeof c);
	memset(&reply, 0, sizeof reply);
	TAILQ_INIT(&c.query);
	c.fw = fw;
	c.req = req;
	c.reply = &reply;
	c.method = evhttp_request_get_command(req);

	uri = evhttp_request_get_evhttp_uri(req);
	c.path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (c.path == NULL || *c.path == '\0')
		c.path = "/";
	q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (q != NULL && evhttp_parse_query_str(q, &c.query) == -1)
		evhttp_clear_headers(&c.query);

	in = evhttp_request_get_input_buffer(req);
	if ((len = evbuffer_get_length(in)) > 0) {
		data = evbuffer_pullup(in, -1);
		if (data != NULL)
			c.body = json_loadb((const char *)data, len,
			    JSON_DECODE_ANY, &err);
	}

	if (strncmp(c.path, "/_ctl/", 6) == 0)
		ctl_dispatch(&c);
	else if (ctl_only) {
		reply_error(c.reply, 404, "route:notfound", "Not found: %s %s "
		    "(the control port serves /_ctl/ only)",
		    method_name(c.method), c.path);
		reply_send(req, c.reply);
	} else
		api_dispatch(&c, t_us);

	reply_clear(&reply);
	evhttp_clear_headers(&c.query);
	json_decref(c.body);
}

static void
http_cb(struct evhttp_request *req, void *arg)
{
	http_handle(arg, req, 0);
}

static void
ctl_http_cb(struct evhttp_request *req, void *arg)
{
	http_handle(arg, req, 1);
}

/*
 * A recipient answers STOP to a message taken through DEVICE: a
 * message:in:new from PHONE to that device, stop_delay_ms later, posted
 * and retried like any webhook.
 */
static void
stop_reply(struct fw *fw, const char *phone, const char *device)
{
	struct hook	*h;
	json_t		*ev;
	const char	*why, *dphone, *dalias;
	char		 from[64], to[64], now[64], id[32], waid[32];
	time_t		 t = time(NULL);

	device_of(fw, device, &dphone, &dalias);
	snprintf(from, sizeof from, "%s@c.us", phone + 1);
	snprintf(to, sizeof to, "%s@c.us", dphone + 1);
	iso_sec(t, now, sizeof now);
	id_new(fw, id, sizeof id, waid, sizeof waid);
	ev = jcheck(json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s, s:s},"
	    " s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I,"
	    " s:{s:s, s:s, s:s, s:{s:s, s:s}}, s:{s:b}}}",
	    "id", waid, "object", "message", "event", "message:in:new",
	    "created", (json_int_t)t,
	    "device", "id", device, "phone", dphone, "alias", dalias,
	    "data",
		"id", waid, "type", "text", "flow", "inbound",
		"status", "active", "from", from, "to", to,
		"fromNumber", phone, "toNumber", dphone, "body", "STOP",
		"date", now, "timestamp", (json_int_t)t,
		"chat", "id", from, "type", "chat", "status", "active",
		    "contact", "wid", from, "phone", phone,
		"meta", "isGroup", 0));
	if ((h = hook_new(fw, fw->stop_url, fw->stop_delay_ms, &why)) == NULL) {
		log_warnx("stop_device: %s", why);
		json_decref(ev);
		return;
	}
	if ((h->body = json_dumps(ev, FW_JSON_FLAGS)) == NULL)
		fatalx("json_dumps");
	json_decref(ev);
}

/*
 * The message is taken: count it per phone and per reference, keep it
 * for GET /v1/messages and queue its webhooks.  This is the side effect
 * at-most-once is about, whatever the client hears afterwards.  A phone
 * taken twice is a real duplicate (the recipient got it twice), whatever
 * the references say.
 */
static void
msg_take(struct fw *fw, json_t *res)
{
	json_t		*ref, *v;
	const char	*phone, *key;
	size_t		 klen;
	json_int_t	 n;

	fw->n_processed++;
	phone = json_string_value(json_object_get(res, "phone"));
	if ((v = json_object_get(fw->phones, phone)) != NULL) {
		n = json_integer_value(v) + 1;
		json_integer_set(v, n);
		if (n == 2)
			fw->n_phone_dup++;
	} else if (json_object_size(fw->phones) < FW_MAX_PHONES)
		json_object_set_new(fw->phones, phone, json_integer(1));
	else
		fw->n_phones_dropped++;

	ref = json_object_get(res, "reference");
	if (json_is_string(ref)) {
		key = json_string_value(ref);
		klen = json_string_length(ref);
		if (json_object_getn(fw->refs, key, klen) != NULL)
			fw->n_dup++;
		else if (json_object_size(fw->refs) < FW_MAX_PHONES)
			json_object_setn_new(fw->refs, key, klen, json_true());
	}

	if ((key = json_string_value(json_object_get(res, "device"))) != NULL) {
		v = json_object_get(fw->by_device, key);
		json_object_set_new(fw->by_device, key,
		    json_integer(v != NULL ? json_integer_value(v) + 1 : 1));
		if (fw->stop_url != NULL && strcmp(key, fw->stop_device) == 0 &&
		    json_integer_value(json_object_get(fw->by_device, key)) %
		    fw->stop_every == 0)
			stop_reply(fw, phone, key);
	}

	json_decref(fw->msgs[fw->msg_next]);
	fw->msgs[fw->msg_next] = json_incref(res);
	fw->msg_next = (fw->msg_next + 1) % FW_MAX_MESSAGES;
	if (fw->msg_n < FW_MAX_MESSAGES)
		fw->msg_n++;

	ack_schedule(fw, res, time(NULL));
}

static int
api_send(struct call *c)
{
	struct fw	*fw = c->fw;
	json_t		*phone, *ref, *dev, *prio, *body, *res;
	const char	*p;
	char		 id[32], waid[32], now[64], wid[64];

	if (!json_is_object(c->body)) {
		reply_error(c->reply, 400, "body:invalid",
		    "Request body must be a JSON object");
		return 0;
	}
	phone = json_object_get(c->body, "phone");
	if (!json_is_string(phone)) {
		reply_phone_invalid(c->reply, NULL, "required");
		return 0;
	}
	p = json_string_value(phone);
	if (!phone_ok(p, json_string_length(phone)) ||
	    json_object_get(fw->invalid, p) != NULL) {
		reply_phone_invalid(c->reply, p, "invalid");
		return 0;
	}

	ref = json_object_get(c->body, "reference");
	dev = json_object_get(c->body, "device");
	if (!json_is_string(dev))
		dev = NULL;
	prio = json_object_get(c->body, "priority");
	if (!json_is_string(prio))
		prio = NULL;
	id_new(fw, id, sizeof id, waid, sizeof waid);
	iso_now(now, sizeof now);
	snprintf(wid, sizeof wid, "%s@c.us", p + 1);

	body = jcheck(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:O*, s:O*, s:o, s:s, s:{s:i}, s:s, s:{s:s}, s:o}",
	    "id", id,
	    "waId", waid,
	    "phone", p,
	    "wid", wid,
	    "status", "queued",
	    "deliveryStatus", "queued",
	    "createdAt", now,
	    "deliverAt", now,
	    "message", json_object_get(c->body, "message"),
	    "reference", ref,
	    "priority", prio != NULL ? json_incref(prio) :
		json_string("normal"),
	    "retentionPolicy", "plan_defaults",
	    "retry", "count", 0,
	    "webhookStatus", "pending",
	    "media", "format", "native",
	    "device", dev != NULL ? json_incref(dev) :
		json_string(FW_DEVICE_ID)));
	res = json_deep_copy(body);
	json_object_set_new(res, "sentAt", json_null());
	reply_json(c->reply, 201, body);
	c->taken = 1;
	msg_take(fw, res);
	json_decref(res);
	return 0;
}

/*
 * Newest first, paged by size (default 25, at most 100) and page (from
 * 0), optionally filtered by status (API.md §10).  Other parameters,
 * reference among them, are ignored: that the real API filters on them
 * is not confirmed.
 */
static int
api_list(struct call *c)
{
	struct fw	*fw = c->fw;
	const char	*v, *status;
	json_t		*arr, *m;
	long long	 size = FW_LIST_SIZE, page = 0, skip;
	size_t		 i, idx;
	char		*end;

	if (fw->list_404) {
		reply_error(c->reply, 404, "route:notfound", "Not found: %s %s",
		    method_name(c->method), c->path);
		return 0;
	}
	if ((v = evhttp_find_header(&c->query, "size")) != NULL) {
		errno = 0;
		size = strtoll(v, &end, 10);
		if (errno != 0 || *v == '\0' || *end != '\0' || size < 1)
			goto bad;
		if (size > FW_LIST_MAX)
			size = FW_LIST_MAX;
	}
	if ((v = evhttp_find_header(&c->query, "page")) != NULL) {
		errno = 0;
		page = strtoll(v, &end, 10);
		if (errno != 0 || *v == '\0' || *end != '\0' || page < 0 ||
		    page > FW_MAX_MESSAGES)
			goto bad;
	}
	status = evhttp_find_header(&c->query, "status");
	skip = page * size;
	arr = json_array();
	for (i = 0; i < fw->msg_n && (long long)json_array_size(arr) < size;
	    i++) {
		idx = (fw->msg_next + FW_MAX_MESSAGES - 1 - i) %
		    FW_MAX_MESSAGES;
		m = fw->msgs[idx];
		if (status != NULL && strcmp(status, json_string_value(
		    json_object_get(m, "status"))) != 0)
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		json_array_append(arr, m);
	}
	reply_json(c->reply, 200, arr);
	return 0;
bad:
	reply_error(c->reply, 400, "query:invalid",
	    "size must be 1 or more and page 0 or more");
	return 0;
}

/* A few country entries so "country" looks like the real thing. */
static json_t *
country_for(const char *phone)
{
	static const struct {
		const char	*prefix, *code, *name;
	} tab[] = {
		{ "+228", "TG", "Togo" },
		{ "+229", "BJ", "Benin" },
		{ "+225", "CI", "Ivory Coast" },
		{ "+221", "SN", "Senegal" },
		{ "+33", "FR", "France" },
		{ "+44", "GB", "United Kingdom" },
		{ "+1", "US", "United States" },
	};
	size_t	 i;

	for (i = 0; i < nitems(tab); i++) {
		if (strncmp(phone, tab[i].prefix, strlen(tab[i].prefix)) == 0)
			return jcheck(json_pack("{s:s, s:s, s:s}",
			    "code", tab[i].code, "name", tab[i].name,
			    "phonePrefix", tab[i].prefix));
	}
	return jcheck(json_pack("{s:s, s:s, s:n}", "code", "ZZ",
	    "name", "Unknown", "phonePrefix"));
}

static int
api_exists(struct call *c)
{
	struct fw	*fw = c->fw;
	json_t		*v;
	const char	*p = NULL;
	char		*fixed = NULL, wid[64], link[64];
	size_t		 len = 0;

	if (c->method == EVHTTP_REQ_POST) {
		if (!json_is_object(c->body)) {
			reply_error(c->reply, 400, "body:invalid",
			    "Request body must be a JSON object");
			goto out;
		}
		v = json_object_get(c->body, "phone");
		if (json_is_string(v)) {
			p = json_string_value(v);
			len = json_string_length(v);
		}
	} else if ((p = evhttp_find_header(&c->query, "phone")) != NULL) {
		/* An unencoded "+" in a query decodes to a space. */
		if (p[0] == ' ') {
			fixed = xstrdup(p);
			fixed[0] = '+';
			p = fixed;
		}
		len = strlen(p);
	}
	if (p == NULL) {
		reply_phone_invalid(c->reply, NULL, "required");
		goto out;
	}
	if (!phone_ok(p, len)) {
		reply_phone_invalid(c->reply, p, "invalid");
		goto out;
	}

	if (json_object_get(fw->missing, p) != NULL) {
		if (fw->exists_404)
			reply_json(c->reply, 404, jcheck(json_pack(
			    "{s:i, s:s, s:s, s:b, s:s}", "status", 404,
			    "message", "Number does not exist on WhatsApp",
			    "errorCode", "phone:notfound", "exists", 0,
			    "phone", p)));
		else
			reply_json(c->reply, 200, jcheck(json_pack(
			    "{s:b, s:s}", "exists", 0, "phone", p)));
		goto out;
	}
	snprintf(wid, sizeof wid, "%s@c.us", p + 1);
	snprintf(link, sizeof link, "https://wa.me/%s", p + 1);
	reply_json(c->reply, 200, jcheck(json_pack(
	    "{s:b, s:s, s:s, s:b, s:{s:n, s:b, s:b, s:n}, s:s, s:o}",
	    "exists", 1, "phone", p, "wid", wid, "isBusiness", 0,
	    "businessInfo", "name", "isApi", 0, "isSmb", 0, "privacyMode",
	    "link", link, "country", country_for(p))));
out:
	free(fixed);
	return 0;
}

static json_t *
device_json(struct fw *fw, json_t *id)
{
	json_t	*d;

	d = jcheck(json_pack("{s:o, s:s, s:{s:s}, s:s, s:s}",
	    "id", id, "status", "operative",
	    "session", "status", fw->device_online ? "online" : "offline",
	    "phone", FW_DEVICE_PHONE, "alias", FW_DEVICE_ALIAS));
	if (fw->billing != NULL)
		json_object_set_new(d, "billing", jcheck(json_pack("{s:O}",
		    "subscription", fw->billing)));
	return d;
}

static int
api_devices(struct call *c)
{
	json_t	*a, *d, *o;
	size_t	 i;

	if (json_array_size(c->fw->devices) == 0) {
		reply_json(c->reply, 200, jcheck(json_pack("[o]",
		    device_json(c->fw, json_string(FW_DEVICE_ID)))));
		return 0;
	}
	a = json_array();
	json_array_foreach(c->fw->devices, i, d) {
		o = device_json(c->fw, json_incref(json_object_get(d, "id")));
		json_object_set(o, "phone", json_object_get(d, "phone"));
		json_object_set(o, "alias", json_object_get(d, "alias"));
		if (json_is_false(json_object_get(d, "online")))
			json_object_set_new(o, "session", jcheck(json_pack(
			    "{s:s}", "status", "offline")));
		json_array_append_new(a, o);
	}
	reply_json(c->reply, 200, a);
	return 0;
}

/* Whether ID is one of the fake's devices. */
static int
device_known(struct fw *fw, const char *id)
{
	json_t	*d;
	size_t	 i;

	if (json_array_size(fw->devices) == 0)
		return strcmp(id, FW_DEVICE_ID) == 0;
	json_array_foreach(fw->devices, i, d)
		if (strcmp(json_string_value(json_object_get(d, "id")),
		    id) == 0)
			return 1;
	return 0;
}

static int
api_device(struct call *c)
{
	const char	*id = c->path + strlen("/v1/devices/");

	if (strchr(id, '/') != NULL) {
		reply_error(c->reply, 404, "route:notfound", "Not found: %s",
		    c->path);
		return 0;
	}
	if (c->fw->devices_404 && !device_known(c->fw, id)) {
		reply_error(c->reply, 404, "device:notfound",
		    "Device not found: %s", id);
		return 0;
	}
	reply_json(c->reply, 200, device_json(c->fw, jstr(id)));
	return 0;
}

/* A webhook's fields from BODY into H, checked first; 0, or -1 and WHY. */
static int
wh_fields(json_t *body, json_t *h, int create, char *why, size_t len)
{
	const char	*key, *u;
	json_t		*v, *e;
	size_t		 i;

	if (!json_is_object(body)) {
		snprintf(why, len, "Request body must be a JSON object");
		return -1;
	}
	json_object_foreach(body, key, v) {
		if (strcmp(key, "name") == 0 || strcmp(key, "device") == 0) {
			if (!json_is_string(v) && !json_is_null(v)) {
				snprintf(why, len, "%s must be a string", key);
				return -1;
			}
		} else if (strcmp(key, "url") == 0) {
			u = json_string_value(v);
			if (u == NULL || (strncmp(u, "https://", 8) != 0 &&
			    strncmp(u, "http://", 7) != 0)) {
				snprintf(why, len, "url must be an http(s) URL");
				return -1;
			}
		} else if (strcmp(key, "events") == 0) {
			if (!json_is_array(v) || json_array_size(v) == 0) {
				snprintf(why, len, "events must be a non-empty "
				    "array");
				return -1;
			}
			json_array_foreach(v, i, e)
				if (!json_is_string(e)) {
					snprintf(why, len, "events must be "
					    "strings");
					return -1;
				}
		} else {
			snprintf(why, len, "unknown property \"%.64s\"", key);
			return -1;
		}
	}
	if (create && (json_object_get(body, "url") == NULL ||
	    json_object_get(body, "events") == NULL)) {
		snprintf(why, len, "url and events are required");
		return -1;
	}
	json_object_update(h, body);
	return 0;
}

/* A webhook object as the API gives it, with defaults for what is not set. */
static json_t *
wh_new(struct fw *fw, json_t *from)
{
	char	 id[32], waid[32], now[40];
	json_t	*h;

	id_new(fw, id, sizeof id, waid, sizeof waid);
	iso_now(now, sizeof now);
	h = jcheck(json_pack("{s:s, s:s, s:s, s:s, s:[], s:n, s:i, s:n, s:n, "
	    "s:n, s:s}", "id", id, "name", "webhook", "url", "",
	    "status", "active", "events", "device", "retries", 0,
	    "lastRetryAt", "lastRunAt", "lastFailureAt", "createdAt", now));
	if (from != NULL)
		json_object_update(h, from);
	return h;
}

/* The index of webhook ID in the list, or -1. */
static long
wh_find(struct fw *fw, const char *id)
{
	json_t	*h;
	size_t	 i;

	json_array_foreach(fw->webhooks, i, h)
		if (strcmp(id, json_string_value(json_object_get(h, "id"))) == 0)
			return (long)i;
	return -1;
}

/* GET /v1/webhooks: a JSON array, oldest first, paged by size and page. */
static int
api_wh_list(struct call *c)
{
	struct fw	*fw = c->fw;
	const char	*v;
	json_t		*arr;
	long long	 size = FW_LIST_SIZE, page = 0, i;
	char		*end;

	if ((v = evhttp_find_header(&c->query, "size")) != NULL) {
		errno = 0;
		size = strtoll(v, &end, 10);
		if (errno != 0 || *v == '\0' || *end != '\0' || size < 1)
			goto bad;
	}
	if (size > fw->wh_page_max)
		size = fw->wh_page_max;
	if ((v = evhttp_find_header(&c->query, "page")) != NULL) {
		errno = 0;
		page = strtoll(v, &end, 10);
		if (errno != 0 || *v == '\0' || *end != '\0' || page < 0 ||
		    page > 1000000)
			goto bad;
	}
	arr = json_array();
	for (i = page * size; i < (page + 1) * size &&
	    i < (long long)json_array_size(fw->webhooks); i++)
		json_array_append(arr, json_array_get(fw->webhooks, (size_t)i));
	reply_json(c->reply, 200, arr);
	return 0;
bad:
	reply_error(c->reply, 400, "query:invalid",
	    "size must be 1 or more and page 0 or more");
	return 0;
}

/* POST /v1/webhooks: 201 with the new webhook, status active. */
static int
api_wh_create(struct call *c)
{
	struct fw	*fw = c->fw;
	json_t		*h;
	char		 why[160];

	h = wh_new(fw, NULL);
	if (wh_fields(c->body, h, 1, why, sizeof why) == -1) {
		json_decref(h);
		reply_error(c->reply, 400, "body:invalid", "%s", why);
		return 0;
	}
	json_object_set_new(fw->wh_created, json_string_value(
	    json_object_get(h, "id")), json_true());
	json_array_append(fw->webhooks, h);
	reply_json(c->reply, 201, h);
	return 0;
}

/* GET, PATCH, DELETE /v1/webhooks/{id}, POST /v1/webhooks/{id}/enable. */
static int
api_wh_one(struct call *c)
{
	struct fw	*fw = c->fw;
	const char	*rest = c->path + strlen("/v1/webhooks/");
	char		 id[64], why[160];
	size_t		 n = strcspn(rest, "/");
	json_t		*h, *copy;
	long		 at;

	snprintf(id, sizeof id, "%.*s", (int)(n < 63 ? n : 63), rest);
	if ((c->method == EVHTTP_REQ_POST && strcmp(rest + n, "/enable") != 0) ||
	    (c->method != EVHTTP_REQ_POST && rest[n] != '\0')) {
		reply_error(c->reply, 404, "route:notfound", "Not found: %s %s",
		    method_name(c->method), c->path);
		return 0;
	}
	if ((at = wh_find(fw, id)) == -1) {
		reply_error(c->reply, 404, "webhook:notfound",
		    "Webhook not found: %s", id);
		return 0;
	}
	h = json_array_get(fw->webhooks, (size_t)at);
	switch (c->method) {
	case EVHTTP_REQ_PATCH:
		copy = json_deep_copy(h);
		if (wh_fields(c->body, copy, 0, why, sizeof why) == -1) {
			json_decref(copy);
			reply_error(c->reply, 400, "body:invalid", "%s", why);
			return 0;
		}
		json_array_set_new(fw->webhooks, (size_t)at, copy);
		h = copy;
		break;
	case EVHTTP_REQ_POST:
		json_object_set_new(h, "status", json_string("active"));
		break;
	case EVHTTP_REQ_DELETE:
		json_incref(h);
		json_array_remove(fw->webhooks, (size_t)at);
		json_object_del(fw->wh_created, id);
		reply_json(c->reply, 200, h);
		return 0;
	default:
		break;
	}
	reply_json(c->reply, 200, json_incref(h));
	return 0;
}

/* Check one fault object; on error say why in WHY. */
static struct fault *
fault_parse(json_t *o, char *why, size_t len)
{
	struct fault	*f;
	const char	*key;
	json_t		*v;
	json_int_t	 n;

	f = xcalloc(1, sizeof *f);
	f->count = 1;
	f->retry_after = -1;
	f->processed = -1;
	if (!json_is_object(o)) {
		snprintf(why, len, "not an object");
		goto fail;
	}
	json_object_foreach(o, key, v) {
		n = json_is_integer(v) ? json_integer_value(v) : 0;
		if (strcmp(key, "path") == 0) {
			if (!json_is_string(v) ||
			    json_string_value(v)[0] != '/')
				goto bad;
			free(f->path);
			f->path = xstrdup(json_string_value(v));
		} else if (strcmp(key, "method") == 0) {
			if (!json_is_string(v))
				goto bad;
			free(f->method);
			f->method = xstrdup(json_string_value(v));
		} else if (strcmp(key, "status") == 0) {
			if (!json_is_integer(v) || n < 200 || n > 599)
				goto bad;
			f->status = (int)n;
		} else if (strcmp(key, "delay_ms") == 0) {
			if (!json_is_integer(v) || n < 0 ||
			    n > FW_MAX_DELAY_MS)
				goto bad;
			f->delay_ms = (int)n;
		} else if (strcmp(key, "reset") == 0 ||
		    strcmp(key, "close") == 0) {
			if (!json_is_boolean(v))
				goto bad;
			if (json_is_true(v) && f->drop != DROP_NONE) {
				snprintf(why, len, "reset and close exclude "
				    "each other");
				goto fail;
			}
			if (json_is_true(v))
				f->drop = key[0] == 'r' ? DROP_RESET :
				    DROP_CLOSE;
		} else if (strcmp(key, "down_ms") == 0) {
			if (!json_is_integer(v) || n < 0 ||
			    n > FW_MAX_DELAY_MS)
				goto bad;
			f->down_ms = (int)n;
		} else if (strcmp(key, "processed") == 0) {
			if (!json_is_boolean(v))
				goto bad;
			f->processed = json_is_true(v);
		} else if (strcmp(key, "retry_after") == 0) {
			if (!json_is_integer(v) || n < 0 || n > 86400)
				goto bad;
			f->retry_after = (int)n;
		} else if (strcmp(key, "count") == 0) {
			if (!json_is_integer(v) || (n < 1 && n != -1))
				goto bad;
			f->count = n;
		} else {
			snprintf(why, len, "unknown key \"%.64s\"", key);
			goto fail;
		}
		continue;
bad:
		snprintf(why, len, "bad value for \"%s\"", key);
		goto fail;
	}
	if (f->path == NULL) {
		snprintf(why, len, "\"path\" is required");
		goto fail;
	}
	if (f->status == 0 && f->delay_ms == 0 && f->drop == DROP_NONE &&
	    f->down_ms == 0) {
		snprintf(why, len, "needs status, delay_ms, reset, close or "
		    "down_ms");
		goto fail;
	}
	if (f->drop != DROP_NONE && f->status != 0) {
		snprintf(why, len, "reset or close and status exclude each "
		    "other");
		goto fail;
	}
	/*
	 * 429 and 503 are the answers that prove the message was not taken
	 * (DESIGN.md §6); a fake that took it would teach the daemon wrong.
	 */
	if (f->processed == 1 && f->status != 0 && (f->status < 500 ||
	    f->status == 503)) {
		snprintf(why, len, "processed needs a 5xx status other than "
		    "503");
		goto fail;
	}
	/* An answer that comes, late or not, is the handler's own. */
	if (f->status == 0 && f->drop == DROP_NONE) {
		if (f->processed == 0) {
			snprintf(why, len, "a delay or down_ms alone always "
			    "processes: add status, reset or close");
			goto fail;
		}
		f->processed = 1;
	} else if (f->processed == -1)
		f->processed = 0;
	if (f->retry_after == -1)
		f->retry_after = f->status == 429 ? 1 : 0;
	return f;
fail:
	free(f->path);
	free(f->method);
	free(f);
	return NULL;
}

/* Faults are all checked before any is queued. */
static int
ctl_faults_add(struct call *c)
{
	struct faultq	 q;
	struct fault	*f;
	json_t		*arr, *v;
	size_t		 i;
	char		 why[128];

	TAILQ_INIT(&q);
	arr = json_object_get(c->body, "faults");
	if (!json_is_array(arr)) {
		reply_error(c->reply, 400, "ctl:invalid",
		    "body must be {\"faults\":[...]}");
		return 0;
	}
	json_array_foreach(arr, i, v) {
		if ((f = fault_parse(v, why, sizeof why)) == NULL) {
			faults_clear(&q);
			reply_error(c->reply, 400, "ctl:invalid",
			    "faults[%zu]: %s", i, why);
			return 0;
		}
		TAILQ_INSERT_TAIL(&q, f, entry);
	}
	TAILQ_CONCAT(&c->fw->faults, &q, entry);
	return ctl_faults_get(c);
}

static int
ctl_faults_get(struct call *c)
{
	struct fault	*f;
	json_t		*arr, *o;

	arr = json_array();
	TAILQ_FOREACH(f, &c->fw->faults, entry) {
		o = jcheck(json_pack("{s:o, s:I}", "path", jstr(f->path),
		    "count", (json_int_t)f->count));
		if (f->method != NULL)
			json_object_set_new(o, "method", jstr(f->method));
		if (f->status != 0)
			json_object_set_new(o, "status",
			    json_integer(f->status));
		if (f->delay_ms != 0)
			json_object_set_new(o, "delay_ms",
			    json_integer(f->delay_ms));
		if (f->drop == DROP_RESET)
			json_object_set_new(o, "reset", json_true());
		if (f->drop == DROP_CLOSE)
			json_object_set_new(o, "close", json_true());
		if (f->down_ms != 0)
			json_object_set_new(o, "down_ms",
			    json_integer(f->down_ms));
		if (f->processed)
			json_object_set_new(o, "processed", json_true());
		if (f->retry_after != 0)
			json_object_set_new(o, "retry_after",
			    json_integer(f->retry_after));
		json_array_append_new(arr, o);
	}
	reply_json(c->reply, 200, jcheck(json_pack("{s:o}", "faults", arr)));
	return 0;
}

static int
ctl_faults_clear(struct call *c)
{
	faults_clear(&c->fw->faults);
	return ctl_faults_get(c);
}

/* A JSON array of valid phones as a set; NULL if anything is off. */
static json_t *
phone_set(json_t *arr, char *why, size_t len, const char *name)
{
	json_t	*set, *v;
	size_t	 i;

	if (!json_is_array(arr)) {
		snprintf(why, len, "\"%s\" must be an array", name);
		return NULL;
	}
	set = json_object();
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || !phone_ok(json_string_value(v),
		    json_string_length(v))) {
			snprintf(why, len, "%s[%zu] is not an E164 phone",
			    name, i);
			json_decref(set);
			return NULL;
		}
		json_object_set_new(set, json_string_value(v), json_true());
	}
	return set;
}

/* A delay in ms, or -1 (no such ack) when absent. */
static int
ack_delay(json_t *o, const char *key, int *ms)
{
	json_t	*v;

	*ms = -1;
	if ((v = json_object_get(o, key)) == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > FW_MAX_DELAY_MS)
		return -1;
	*ms = (int)json_integer_value(v);
	return 0;
}

/* Everything is checked before anything changes. */
static int
ctl_config_set(struct call *c)
{
	struct fw	*fw = c->fw;
	json_t		*missing = NULL, *invalid = NULL, *v, *url;
	const char	*key, *s, *uwhy;
	char		*uri = NULL, why[160];
	int		 exists_404 = fw->exists_404;
	int		 online = fw->device_online;
	int		 set_ack = 0, dms = -1, rms = -1, nms = -1, port;
	int		 ack_ref = fw->ack_reference, lid = fw->lid;
	int		 list_404 = fw->list_404;
	int		 retry_s = fw->hook_retry_s;
	int		 timeout_s = fw->hook_timeout_s;
	int		 page_max = fw->wh_page_max;
	int		 dev404 = fw->devices_404, set_billing = 0;
	json_t		*hooks = NULL, *billing = NULL, *h, *devs = NULL;
	const char	*wh_status = NULL;
	char		*stop_url = NULL, *stop_dev = NULL;
	int		 set_stop = 0, stop_ms = 0, stop_every = 1;
	size_t		 i;
	char		*ack_url = NULL;
	const char	*k2;
	json_t		*v2;
	json_int_t	 n;

	why[0] = '\0';
	if (!json_is_object(c->body)) {
		snprintf(why, sizeof why, "body must be a JSON object");
		goto out;
	}
	json_object_foreach(c->body, key, v) {
		if (strcmp(key, "missing") == 0) {
			json_decref(missing);
			if ((missing = phone_set(v, why, sizeof why, key)) ==
			    NULL)
				goto out;
		} else if (strcmp(key, "invalid") == 0) {
			json_decref(invalid);
			if ((invalid = phone_set(v, why, sizeof why, key)) ==
			    NULL)
				goto out;
		} else if (strcmp(key, "exists_mode") == 0) {
			s = json_string_value(v);
			n = json_is_integer(v) ? json_integer_value(v) : 0;
			if (s != NULL)
				n = strcmp(s, "404") == 0 ? 404 :
				    strcmp(s, "200") == 0 ? 200 : 0;
			if (n == 404 || n == 200)
				exists_404 = n == 404;
			else {
				snprintf(why, sizeof why,
				    "exists_mode must be \"200\" or \"404\"");
				goto out;
			}
		} else if (strcmp(key, "device_status") == 0) {
			s = json_string_value(v);
			if (s != NULL && strcmp(s, "online") == 0)
				online = 1;
			else if (s != NULL && strcmp(s, "offline") == 0)
				online = 0;
			else {
				snprintf(why, sizeof why, "device_status must "
				    "be \"online\" or \"offline\"");
				goto out;
			}
		} else if (strcmp(key, "auto_ack") == 0) {
			set_ack = 1;
			free(ack_url);
			ack_url = NULL;
			if (json_is_null(v))
				continue;
			url = json_object_get(v, "url");
			if (!json_is_object(v) || !json_is_string(url)) {
				snprintf(why, sizeof why,
				    "auto_ack must be null or {\"url\":...}");
				goto out;
			}
			if (url_loopback(json_string_value(url), &port, &uri,
			    &uwhy) == -1) {
				snprintf(why, sizeof why, "auto_ack: %s", uwhy);
				goto out;
			}
			free(uri);
			uri = NULL;
			json_object_foreach(v, k2, v2) {
				if (strcmp(k2, "url") != 0 &&
				    strcmp(k2, "delivered_ms") != 0 &&
				    strcmp(k2, "read_ms") != 0 &&
				    strcmp(k2, "out_new_ms") != 0) {
					snprintf(why, sizeof why, "auto_ack: "
					    "unknown key \"%.64s\"", k2);
					goto out;
				}
			}
			if (ack_delay(v, "delivered_ms", &dms) == -1 ||
			    ack_delay(v, "read_ms", &rms) == -1 ||
			    ack_delay(v, "out_new_ms", &nms) == -1) {
				snprintf(why, sizeof why, "auto_ack: delays "
				    "must be 0 to %d ms", FW_MAX_DELAY_MS);
				goto out;
			}
			ack_url = xstrdup(json_string_value(url));
		} else if (strcmp(key, "ack_reference") == 0 ||
		    strcmp(key, "lid") == 0) {
			if (!json_is_boolean(v)) {
				snprintf(why, sizeof why, "%s must be true or "
				    "false", key);
				goto out;
			}
			if (key[0] == 'a')
				ack_ref = json_is_true(v);
			else
				lid = json_is_true(v);
		} else if (strcmp(key, "list_mode") == 0) {
			s = json_string_value(v);
			if (s != NULL && strcmp(s, "on") == 0)
				list_404 = 0;
			else if (s != NULL && strcmp(s, "404") == 0)
				list_404 = 1;
			else {
				snprintf(why, sizeof why, "list_mode must be "
				    "\"on\" or \"404\"");
				goto out;
			}
		} else if (strcmp(key, "hook_retry_s") == 0) {
			n = json_is_integer(v) ? json_integer_value(v) : -1;
			if (n < 0 || n > 86400) {
				snprintf(why, sizeof why, "hook_retry_s must "
				    "be 0 to 86400");
				goto out;
			}
			retry_s = (int)n;
		} else if (strcmp(key, "hook_timeout_s") == 0) {
			n = json_is_integer(v) ? json_integer_value(v) : -1;
			if (n < 1 || n > 600) {
				snprintf(why, sizeof why, "hook_timeout_s must "
				    "be 1 to 600");
				goto out;
			}
			timeout_s = (int)n;
		} else if (strcmp(key, "webhooks") == 0) {
			if (!json_is_array(v)) {
				snprintf(why, sizeof why, "webhooks must be an "
				    "array of objects");
				goto out;
			}
			json_decref(hooks);
			hooks = json_array();
			json_array_foreach(v, i, v2) {
				if (!json_is_object(v2) || !json_is_string(
				    json_object_get(v2, "url"))) {
					snprintf(why, sizeof why, "webhooks[%zu] "
					    "must be an object with a url", i);
					goto out;
				}
				json_array_append_new(hooks, wh_new(fw, v2));
			}
		} else if (strcmp(key, "webhook_status") == 0) {
			s = json_string_value(v);
			if (s == NULL || (strcmp(s, "active") != 0 &&
			    strcmp(s, "failed") != 0 && strcmp(s, "error") != 0 &&
			    strcmp(s, "pending") != 0 &&
			    strcmp(s, "removed") != 0)) {
				snprintf(why, sizeof why, "webhook_status must "
				    "be active, failed, error, pending or "
				    "removed");
				goto out;
			}
			wh_status = s;
		} else if (strcmp(key, "device_billing") == 0) {
			if (!json_is_object(v) && !json_is_null(v)) {
				snprintf(why, sizeof why, "device_billing must "
				    "be an object or null");
				goto out;
			}
			set_billing = 1;
			json_decref(billing);
			billing = json_is_object(v) ? json_deep_copy(v) : NULL;
		} else if (strcmp(key, "webhooks_page_max") == 0) {
			n = json_is_integer(v) ? json_integer_value(v) : -1;
			if (n < 1 || n > FW_LIST_MAX) {
				snprintf(why, sizeof why, "webhooks_page_max "
				    "must be 1 to %d", FW_LIST_MAX);
				goto out;
			}
			page_max = (int)n;
		} else if (strcmp(key, "devices") == 0) {
			json_decref(devs);
			devs = json_array();
			if (!json_is_array(v) && !json_is_null(v)) {
				snprintf(why, sizeof why, "devices must be an "
				    "array");
				goto out;
			}
			json_array_foreach(v, i, h) {
				if (!json_is_string(json_object_get(h, "id"))) {
					snprintf(why, sizeof why, "devices[%zu] "
					    "needs an id", i);
					goto out;
				}
				json_array_append(devs, h);
			}
		} else if (strcmp(key, "stop_device") == 0) {
			set_stop = 1;
			free(stop_url);
			free(stop_dev);
			stop_url = stop_dev = NULL;
			if (json_is_null(v))
				continue;
			if (!json_is_string(json_object_get(v, "url")) ||
			    !json_is_string(json_object_get(v, "device"))) {
				snprintf(why, sizeof why, "stop_device needs "
				    "url and device");
				goto out;
			}
			if (url_loopback(json_string_value(json_object_get(v,
			    "url")), &port, &uri, &uwhy) == -1) {
				snprintf(why, sizeof why, "stop_device: %s",
				    uwhy);
				goto out;
			}
			free(uri);
			uri = NULL;
			stop_url = xstrdup(json_string_value(json_object_get(v,
			    "url")));
			stop_dev = xstrdup(json_string_value(json_object_get(v,
			    "device")));
			stop_ms = (int)json_integer_value(json_object_get(v,
			    "delay_ms"));
			if (stop_ms < 0 || stop_ms > FW_MAX_DELAY_MS) {
				snprintf(why, sizeof why, "stop_device: "
				    "delay_ms out of range");
				goto out;
			}
			if (json_object_get(v, "every") != NULL)
				stop_every = (int)json_integer_value(
				    json_object_get(v, "every"));
			if (stop_every < 1) {
				snprintf(why, sizeof why, "stop_device: "
				    "every must be 1 or more");
				goto out;
			}
		} else if (strcmp(key, "unknown_devices") == 0) {
			s = json_string_value(v);
			if (s != NULL && strcmp(s, "404") == 0)
				dev404 = 1;
			else if (s != NULL && strcmp(s, "ok") == 0)
				dev404 = 0;
			else {
				snprintf(why, sizeof why, "unknown_devices "
				    "must be \"ok\" or \"404\"");
				goto out;
			}
		} else {
			snprintf(why, sizeof why, "unknown key \"%.64s\"", key);
			goto out;
		}
	}

	if (missing != NULL) {
		json_decref(fw->missing);
		fw->missing = missing;
		missing = NULL;
	}
	if (invalid != NULL) {
		json_decref(fw->invalid);
		fw->invalid = invalid;
		invalid = NULL;
	}
	fw->exists_404 = exists_404;
	fw->device_online = online;
	fw->ack_reference = ack_ref;
	fw->lid = lid;
	fw->list_404 = list_404;
	fw->hook_retry_s = retry_s;
	fw->hook_timeout_s = timeout_s;
	fw->wh_page_max = page_max;
	fw->devices_404 = dev404;
	if (devs != NULL) {
		json_decref(fw->devices);
		fw->devices = devs;	/* ownership moves */
		devs = NULL;
	}
	if (set_stop) {
		free(fw->stop_url);
		free(fw->stop_device);
		fw->stop_url = stop_url;	/* ownership moves */
		fw->stop_device = stop_dev;
		fw->stop_delay_ms = stop_ms;
		fw->stop_every = stop_every;
		stop_url = stop_dev = NULL;
	}
	if (hooks != NULL) {
		json_decref(fw->webhooks);
		fw->webhooks = hooks;	/* ownership moves */
		hooks = NULL;
		json_object_clear(fw->wh_created);
	}
	if (wh_status != NULL)
		json_array_foreach(fw->webhooks, i, h)
			if (json_object_get(fw->wh_created, json_string_value(
			    json_object_get(h, "id"))) != NULL)
				json_object_set_new(h, "status",
				    json_string(wh_status));
	if (set_billing) {
		json_decref(fw->billing);
		fw->billing = billing;	/* ownership moves */
		billing = NULL;
	}
	if (set_ack) {
		free(fw->ack_url);
		fw->ack_url = ack_url;	/* ownership moves */
		ack_url = NULL;
		fw->ack_delivered_ms = dms;
		fw->ack_read_ms = rms;
		fw->ack_out_new_ms = nms;
	}
out:
	json_decref(missing);
	json_decref(invalid);
	json_decref(hooks);
	json_decref(billing);
	json_decref(devs);
	free(stop_url);
	free(stop_dev);
	free(ack_url);
	if (why[0] != '\0') {
		reply_error(c->reply, 400, "ctl:invalid", "%s", why);
		return 0;
	}
	return ctl_config_get(c);
}

static int
ctl_config_get(struct call *c)
{
	struct fw	*fw = c->fw;
	json_t		*ack = json_null(), *missing, *invalid;
	const char	*key;
	json_t		*v;

	missing = json_array();
	json_object_foreach(fw->missing, key, v)
		json_array_append_new(missing, json_string(key));
	invalid = json_array();
	json_object_foreach(fw->invalid, key, v)
		json_array_append_new(invalid, json_string(key));
	if (fw->ack_url != NULL) {
		ack = jcheck(json_pack("{s:s}", "url", fw->ack_url));
		if (fw->ack_delivered_ms >= 0)
			json_object_set_new(ack, "delivered_ms",
			    json_integer(fw->ack_delivered_ms));
		if (fw->ack_read_ms >= 0)
			json_object_set_new(ack, "read_ms",
			    json_integer(fw->ack_read_ms));
		if (fw->ack_out_new_ms >= 0)
			json_object_set_new(ack, "out_new_ms",
			    json_integer(fw->ack_out_new_ms));
	}
	reply_json(c->reply, 200, jcheck(json_pack(
	    "{s:o, s:o, s:s, s:s, s:o, s:b, s:b, s:s, s:i, s:i, s:i, s:i, "
	    "s:O, s:O, s:i, s:s, s:O, s:o}",
	    "missing", missing, "invalid", invalid,
	    "exists_mode", fw->exists_404 ? "404" : "200",
	    "device_status", fw->device_online ? "online" : "offline",
	    "auto_ack", ack,
	    "ack_reference", fw->ack_reference,
	    "lid", fw->lid,
	    "list_mode", fw->list_404 ? "404" : "on",
	    "hook_retry_s", fw->hook_retry_s,
	    "hook_timeout_s", fw->hook_timeout_s,
	    "port", fw->port,
	    "ctl_port", fw->ctl_port,
	    "webhooks", fw->webhooks,
	    "device_billing", fw->billing ? fw->billing : json_null(),
	    "webhooks_page_max", fw->wh_page_max,
	    "unknown_devices", fw->devices_404 ? "404" : "ok",
	    "devices", fw->devices,
	    "stop_device", fw->stop_url == NULL ? json_null() :
	    jcheck(json_pack("{s:s, s:s, s:i, s:i}", "url", fw->stop_url,
	    "device", fw->stop_device, "delay_ms", fw->stop_delay_ms,
	    "every", fw->stop_every)))));
	return 0;
}

/* Parks the request until the webhook has answered or failed. */
static int
ctl_webhook(struct call *c)
{
	struct hook	*h;
	json_t		*url, *body;
	const char	*why;

	url = json_object_get(c->body, "url");
	body = json_object_get(c->body, "body");
	if (!json_is_string(url) || body == NULL) {
		reply_error(c->reply, 400, "ctl:invalid",
		    "body must be {\"url\":...,\"body\":...}");
		return 0;
	}
	if ((h = hook_new(c->fw, json_string_value(url), 0, &why)) == NULL) {
		reply_error(c->reply, 400, "ctl:invalid", "%s", why);
		return 0;
	}
	if ((h->body = json_dumps(body, FW_JSON_FLAGS | JSON_ENCODE_ANY)) ==
	    NULL)
		fatalx("json_dumps");
	h->parked = c->req;
	return 1;
}

/*
 * A contact writes or reacts, as Wassenger would tell us: one-to-one
 * chats come as "N@c.us" or as "N@lid", and an @lid event may or may not
 * carry the number (API.md §4, §6; DESIGN §7).
 */
static int
ctl_inbound(struct call *c)
{
	struct hook	*h;
	json_t		*b = c->body, *data, *chat, *contact, *ev;
	const char	*url, *id, *phone, *lid, *text, *reaction, *target;
	const char	*why;
	char		 from[64], to[64], now[64];
	time_t		 t = time(NULL);

	snprintf(to, sizeof to, "%s@c.us", &FW_DEVICE_PHONE[1]);
	url = json_string_value(json_object_get(b, "url"));
	id = json_string_value(json_object_get(b, "id"));
	phone = json_string_value(json_object_get(b, "phone"));
	lid = json_string_value(json_object_get(b, "lid"));
	text = json_string_value(json_object_get(b, "text"));
	reaction = json_string_value(json_object_get(b, "reaction"));
	target = json_string_value(json_object_get(b, "target"));
	if (url == NULL || id == NULL || (phone == NULL && lid == NULL) ||
	    (text == NULL && reaction == NULL)) {
		reply_error(c->reply, 400, "ctl:invalid", "body needs url, id, "
		    "phone or lid, and text or reaction");
		return 0;
	}
	if (lid != NULL)
		snprintf(from, sizeof from, "%s", lid);
	else
		snprintf(from, sizeof from, "%s@c.us", phone + 1);
	iso_sec(t, now, sizeof now);
	contact = jcheck(json_pack("{s:s, s:s}", "wid", from, "name",
	    "Contact"));
	chat = jcheck(json_pack("{s:s, s:s, s:s, s:s}", "id", from, "type",
	    "chat", "status", "active", "name", "Contact"));
	if (phone != NULL) {
		json_object_set_new(contact, "phone", jstr(phone));
		if (lid != NULL)
			json_object_set_new(chat, "lid", jstr(lid));
	}
	json_object_set_new(chat, "contact", contact);
	data = jcheck(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I,"
	    " s:{s:b}}", "id", id, "type", reaction ? "reaction" : "text",
	    "flow", "inbound", "status", "active", "from", from, "to", to,
	    "date", now, "timestamp", (json_int_t)t,
	    "meta", "isGroup", 0));
	json_object_set_new(data, "toNumber", jstr(FW_DEVICE_PHONE));
	if (phone != NULL)
		json_object_set_new(data, "fromNumber", jstr(phone));
	json_object_set_new(data, "chat", chat);
	if (reaction != NULL) {
		json_object_set_new(data, "reaction", json_is_true(
		    json_object_get(b, "reaction_object")) ?
		    jcheck(json_pack("{s:s}", "emoji", reaction)) :
		    jstr(reaction));
		if (target != NULL)
			json_object_set_new(data, "reactionMessage",
			    jstr(target));
	} else {
		json_object_set_new(data, "body", jstr(text));
		if (target != NULL)
			json_object_set_new(data, "quoted",
			    jcheck(json_pack("{s:s}", "wid", target)));
	}
	ev = jcheck(json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s}, s:o}",
	    "id", id, "object", "message", "event", reaction ?
	    "message:reaction" : "message:in:new", "created", (json_int_t)t,
	    "device", "id", FW_DEVICE_ID, "phone", FW_DEVICE_PHONE,
	    "data", data));
	if ((h = hook_new(c->fw, url, 0, &why)) == NULL) {
		json_decref(ev);
		reply_error(c->reply, 400, "ctl:invalid", "%s", why);
		return 0;
	}
	if ((h->body = json_dumps(ev, FW_JSON_FLAGS)) == NULL)
		fatalx("json_dumps");
	json_decref(ev);
	h->parked = c->req;
	return 1;
}

static int
ctl_requests_get(struct call *c)
{
	const char	*prefix, *p;
	json_t		*arr, *rec;
	size_t		 i, len;

	prefix = evhttp_find_header(&c->query, "path");
	if (prefix == NULL) {
		reply_json(c->reply, 200, json_incref(c->fw->records));
		return 0;
	}
	len = strlen(prefix);
	arr = json_array();
	json_array_foreach(c->fw->records, i, rec) {
		p = json_string_value(json_object_get(rec, "path"));
		if (p != NULL && strncmp(p, prefix, len) == 0)
			json_array_append(arr, rec);
	}
	reply_json(c->reply, 200, arr);
	return 0;
}

static int
ctl_requests_clear(struct call *c)
{
	size_t	 n = json_array_size(c->fw->records);

	json_array_clear(c->fw->records);
	reply_json(c->reply, 200, jcheck(json_pack("{s:I}", "cleared",
	    (json_int_t)n)));
	return 0;
}

static int
ctl_stats(struct call *c)
{
	struct fw	*fw = c->fw;
	struct pending	*p;
	struct hook	*h;
	json_t		*o;
	json_int_t	 np = 0, nh = 0;

	TAILQ_FOREACH(p, &fw->pendings, entry)
		np++;
	TAILQ_FOREACH(h, &fw->hooks, entry)
		nh += !h->done;
	o = jcheck(json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "requests", (json_int_t)fw->n_requests,
	    "messages_ok", (json_int_t)fw->n_ok,
	    "processed", (json_int_t)fw->n_processed,
	    "phones_duplicated", (json_int_t)fw->n_phone_dup,
	    "references_duplicated", (json_int_t)fw->n_dup,
	    "records_dropped", (json_int_t)fw->n_dropped,
	    "phones_dropped", (json_int_t)fw->n_phones_dropped,
	    "replies_pending", np));
	json_object_update_missing_new(o, jcheck(json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "webhook_attempts", (json_int_t)fw->n_hook_attempts,
	    "webhook_retries", (json_int_t)fw->n_hook_retries,
	    "webhooks_ok", (json_int_t)fw->n_hooks_ok,
	    "webhooks_failed", (json_int_t)fw->n_hooks_failed,
	    "webhooks_given_up", (json_int_t)fw->n_hooks_given_up,
	    "webhooks_dropped", (json_int_t)fw->n_hooks_dropped,
	    "webhooks_pending", nh)));
	json_object_update_missing_new(o, jcheck(json_pack(
	    "{s:O, s:I, s:b}",
	    "faults", fw->fault_counts,
	    "downs", (json_int_t)fw->n_downs,
	    "api_down", fw->api_sock == NULL)));
	reply_json(c->reply, 200, o);
	return 0;
}

static int
ctl_processed(struct call *c)
{
	reply_json(c->reply, 200, jcheck(json_pack("{s:O, s:I, s:O}",
	    "phones", c->fw->phones,
	    "duplicates", (json_int_t)c->fw->n_phone_dup,
	    "devices", c->fw->by_device)));
	return 0;
}

/* Listen on the API port, the same one again after a down. */
static int
api_listen(struct fw *fw)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen;
	struct evconnlistener	*lev;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)fw->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lev = evconnlistener_new_bind(fw->base, NULL, NULL, LEV_OPT_REUSEABLE |
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, FW_BACKLOG,
	    (struct sockaddr *)&sin, sizeof sin);
	if (lev == NULL)
		return -1;
	if ((fw->api_sock = evhttp_bind_listener(fw->http, lev)) == NULL)
		fatalx("evhttp_bind_listener");
	slen = sizeof sin;
	if (getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin,
	    &slen) == -1)
		fatal("getsockname");
	fw->port = ntohs(sin.sin_port);
	return 0;
}

static void
api_up_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fw	*fw = arg;
	struct timeval	 tv = { 0, 100000 };

	if (fw->api_sock != NULL)
		return;
	if (api_listen(fw) == -1) {
		log_warn("listen again on 127.0.0.1:%d, retrying", fw->port);
		evtimer_add(fw->ev_up, &tv);
		return;
	}
	log_info("API port %d up again", fw->port);
}

/*
 * Close the API listener for MS from now: connects are refused
 * (ECONNREFUSED), the one transport failure that proves a message was
 * not taken.  Disabling accept would not do: the kernel still completes
 * connects into the backlog, and a request written there and then reset
 * is "maybe taken".  Open connections, the control port and webhooks go
 * on.
 */
static void
api_down(struct fw *fw, int ms)
{
	struct timeval	 tv;

	if (fw->api_sock != NULL) {
		evhttp_del_accept_socket(fw->http, fw->api_sock);
		fw->api_sock = NULL;
		fw->n_downs++;
		log_info("API port %d down for %d ms", fw->port, ms);
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(fw->ev_up, &tv);
}

static int
ctl_down(struct call *c)
{
	struct fw	*fw = c->fw;
	json_t		*v;
	json_int_t	 ms;

	v = json_object_get(c->body, "ms");
	ms = json_is_integer(v) ? json_integer_value(v) : -1;
	if (ms < 0 || ms > FW_MAX_DELAY_MS) {
		reply_error(c->reply, 400, "ctl:invalid",
		    "body must be {\"ms\":0..%d}", FW_MAX_DELAY_MS);
		return 0;
	}
	if (ms > 0)
		api_down(fw, (int)ms);
	else if (fw->api_sock == NULL) {
		evtimer_del(fw->ev_up);
		api_up_cb(-1, 0, fw);
	}
	reply_json(c->reply, 200, jcheck(json_pack("{s:I, s:i, s:i, s:b}",
	    "down_ms", ms, "port", fw->port, "ctl_port", fw->ctl_port,
	    "api_down", fw->api_sock == NULL)));
	return 0;
}

/* The configuration a fresh server starts with. */
static void
fw_defaults(struct fw *fw)
{
	fw->exists_404 = 0;
	fw->device_online = 1;
	free(fw->ack_url);
	fw->ack_url = NULL;
	fw->ack_delivered_ms = fw->ack_read_ms = fw->ack_out_new_ms = -1;
	fw->ack_reference = 0;
	fw->lid = 0;
	fw->list_404 = 0;
	fw->hook_retry_s = FW_HOOK_RETRY;
	fw->hook_timeout_s = FW_HOOK_TIMEOUT;
	json_array_clear(fw->webhooks);
	json_object_clear(fw->wh_created);
	fw->wh_page_max = FW_LIST_MAX;
	json_decref(fw->billing);
	fw->billing = NULL;
	fw->devices_404 = 0;
	json_array_clear(fw->devices);
	free(fw->stop_url);
	free(fw->stop_device);
	fw->stop_url = fw->stop_device = NULL;
	fw->stop_delay_ms = 0;
	fw->stop_every = 1;
}

/*
 * Back to the start state, the API port up again; answers and webhooks
 * in flight still finish.
 */
static void
fw_reset(struct fw *fw)
{
	size_t	 i;

	faults_clear(&fw->faults);
	json_object_clear(fw->missing);
	json_object_clear(fw->invalid);
	fw_defaults(fw);
	json_array_clear(fw->records);
	json_object_clear(fw->refs);
	json_object_clear(fw->phones);
	json_object_clear(fw->by_device);
	json_object_clear(fw->fault_counts);
	for (i = 0; i < FW_MAX_MESSAGES; i++) {
		json_decref(fw->msgs[i]);
		fw->msgs[i] = NULL;
	}
	fw->msg_next = fw->msg_n = 0;
	fw->seq = 0;
	fw->n_requests = fw->n_ok = fw->n_processed = fw->n_dup = 0;
	fw->n_phone_dup = fw->n_phones_dropped = fw->n_dropped = 0;
	fw->n_hook_attempts = fw->n_hook_retries = fw->n_hooks_ok = 0;
	fw->n_hooks_failed = fw->n_hooks_given_up = fw->n_hooks_dropped = 0;
	fw->n_downs = 0;
	if (fw->api_sock == NULL) {
		evtimer_del(fw->ev_up);
		api_up_cb(-1, 0, fw);
	}
}

static int
ctl_reset(struct call *c)
{
	fw_reset(c->fw);
	return ctl_stats(c);
}

static void
evlog_cb(int severity, const char *msg)
{
	if (severity == EVENT_LOG_DEBUG)
		log_debug("libevent: %s", msg);
	else if (severity == EVENT_LOG_MSG)
		log_info("libevent: %s", msg);
	else
		log_warnx("libevent: %s", msg);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct fw	*fw = arg;

	log_info("signal %d, exiting", (int)sig);
	event_base_loopbreak(fw->base);
}

/* Publish the port: tmp file then rename, so readers never see half. */
static void
portfile_write(const char *path, int port)
{
	FILE	*f;
	char	*tmp;

	xasprintf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		fatal("%s", tmp);
	if (fprintf(f, "%d\n", port) < 0 || fflush(f) == EOF ||
	    fsync(fileno(f)) == -1)
		fatal("%s", tmp);
	if (fclose(f) == EOF)
		fatal("%s", tmp);
	if (rename(tmp, path) == -1)
		fatal("rename %s", path);
	free(tmp);
}

/* Many concurrent clients need many descriptors. */
static void
raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit");
	}
}

static __attribute__((__noreturn__)) void
usage(void)
{
	fprintf(stderr, "usage: fakewass [-v] [-p port] [-P portfile] "
	    "[-Q ctlportfile] [-r requestlog] [-t token]\n");
	exit(1);
}

/* One evhttp with the limits both ports share. */
static struct evhttp *
http_new(struct fw *fw, void (*cb)(struct evhttp_request *, void *))
{
	struct evhttp	*http;

	if ((http = evhttp_new(fw->base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_max_body_size(http, FW_MAX_BODY);
	evhttp_set_max_headers_size(http, FW_MAX_HEADERS);
	evhttp_set_timeout(http, FW_TIMEOUT);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(http, cb, fw);
	return http;
}

int
main(int argc, char **argv)
{
	struct fw		 fw;
	struct evhttp_bound_socket *bs;
	struct sockaddr_in	 sin;
	socklen_t		 slen;
	struct pending		*p;
	struct hook		*h;
	const char		*portfile = NULL, *ctlfile = NULL;
	const char		*reqlog = NULL;
	char			*end;
	long			 port = 0;
	size_t			 i;
	int			 ch, level = LOG_LVL_INFO;

	memset(&fw, 0, sizeof fw);
	fw.token = FW_TOKEN;
	while ((ch = getopt(argc, argv, "p:P:Q:r:t:v")) != -1) {
		switch (ch) {
		case 'p':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (errno != 0 || *optarg == '\0' || *end != '\0' ||
			    port < 0 || port > 65535)
				usage();
			break;
		case 'P':
			portfile = optarg;
			break;
		case 'Q':
			ctlfile = optarg;
			break;
		case 'r':
			reqlog = optarg;
			break;
		case 't':
			fw.token = optarg;
			break;
		case 'v':
			level = LOG_LVL_DEBUG;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init("fakewass", 1, level);
	event_set_log_callback(evlog_cb);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	clock_gettime(CLOCK_MONOTONIC, &fw.start);
	fw.idkey = ((uint64_t)arc4random() << 32) | arc4random();

	TAILQ_INIT(&fw.faults);
	TAILQ_INIT(&fw.pendings);
	TAILQ_INIT(&fw.hooks);
	fw.missing = json_object();
	fw.invalid = json_object();
	fw.records = json_array();
	fw.refs = json_object();
	fw.phones = json_object();
	fw.fault_counts = json_object();
	fw.webhooks = json_array();
	fw.wh_created = json_object();
	fw.devices = json_array();
	fw.by_device = json_object();
	fw.msgs = xcalloc(FW_MAX_MESSAGES, sizeof *fw.msgs);
	fw_defaults(&fw);
	if (reqlog != NULL && (fw.reqlog = fopen(reqlog, "ae")) == NULL)
		fatal("%s", reqlog);

	if ((fw.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	fw.http = http_new(&fw, http_cb);
	fw.ctl_http = http_new(&fw, ctl_http_cb);
	if ((fw.ev_up = evtimer_new(fw.base, api_up_cb, &fw)) == NULL)
		fatalx("evtimer_new");

	fw.port = (int)port;
	if (api_listen(&fw) == -1)
		fatal("bind 127.0.0.1:%ld", port);
	if ((bs = evhttp_bind_socket_with_handle(fw.ctl_http, "127.0.0.1",
	    0)) == NULL)
		fatal("bind 127.0.0.1 for the control port");
	slen = sizeof sin;
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &slen) == -1)
		fatal("getsockname");
	fw.ctl_port = ntohs(sin.sin_port);

	fw.ev_term = evsignal_new(fw.base, SIGTERM, signal_cb, &fw);
	fw.ev_int = evsignal_new(fw.base, SIGINT, signal_cb, &fw);
	if (fw.ev_term == NULL || fw.ev_int == NULL)
		fatalx("evsignal_new");
	evsignal_add(fw.ev_term, NULL);
	evsignal_add(fw.ev_int, NULL);

	if (ctlfile != NULL)
		portfile_write(ctlfile, fw.ctl_port);
	if (portfile != NULL)
		portfile_write(portfile, fw.port);
	printf("port %d\nctl %d\n", fw.port, fw.ctl_port);
	fflush(stdout);
	log_info("listening on 127.0.0.1:%d, control also on 127.0.0.1:%d",
	    fw.port, fw.ctl_port);

	event_base_dispatch(fw.base);

	/* Held answers and webhooks first: they point into connections. */
	while ((p = TAILQ_FIRST(&fw.pendings)) != NULL)
		pending_free(&fw, p);
	while ((h = TAILQ_FIRST(&fw.hooks)) != NULL)
		hook_free(&fw, h);
	evhttp_free(fw.http);
	evhttp_free(fw.ctl_http);
	faults_clear(&fw.faults);
	free(fw.ack_url);
	for (i = 0; i < FW_MAX_MESSAGES; i++)
		json_decref(fw.msgs[i]);
	free(fw.msgs);
	json_decref(fw.missing);
	json_decref(fw.invalid);
	json_decref(fw.records);
	json_decref(fw.refs);
	json_decref(fw.phones);
	json_decref(fw.fault_counts);
	json_decref(fw.webhooks);
	json_decref(fw.wh_created);
	json_decref(fw.billing);
	json_decref(fw.devices);
	json_decref(fw.by_device);
	free(fw.stop_url);
	free(fw.stop_device);
	event_free(fw.ev_up);
	event_free(fw.ev_term);
	event_free(fw.ev_int);
	event_base_free(fw.base);
	libevent_global_shutdown();
	if (fw.reqlog != NULL)
		fclose(fw.reqlog);
	return 0;
}
