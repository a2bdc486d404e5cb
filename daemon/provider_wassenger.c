#include <sys/queue.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "auth.h"
#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "provider.h"
#include "xmalloc.h"

#define RESP_MAX	(256 * 1024)

/* A lookup reads at most this many pages of the listing, of LOOKUP_SIZE. */
#define LOOKUP_PAGES	20
#define LOOKUP_SIZE	100

/* A Retry-After longer than this is read as this (and cannot overflow). */
#define RETRY_AFTER_MAX	(24 * 3600)

/* The webhook listing: pages of WH_SIZE, at most WH_PAGES of them. */
#define WH_SIZE		50
#define WH_PAGES	40

enum xfer_kind { X_SEND, X_DEVCHECK, X_HEALTH, X_VERIFY, X_LOOKUP, X_WHLIST,
	X_WHWRITE, X_DEVICES };

static json_t	*devices_array(json_t *);

/* The events wacamp needs from its webhook (DESIGN §7). */
static const char *const wh_needed[] = {
	"message:out:ack", "message:out:failed", "message:in:new",
	"message:reaction", "message:out:new", NULL
};

enum whstep { WJ_LIST, WJ_PATCH, WJ_CREATE, WJ_ENABLE };

/*
 * A webhook job: every page of GET /webhooks, then for a registration a
 * PATCH or a POST, and a POST /enable if needed. A job of the health
 * check has no callback; a command's job answers it exactly once.
 */
struct whjob {
	LIST_ENTRY(whjob)	 entry;
	struct wass		*w;
	int			 health;
	char			*base;		/* register at this base URL */
	provider_webhook_cb	 cb;
	void			*arg;
	json_t			*hooks;		/* every webhook listed */
	json_t			*ids;		/* ids seen: id -> true */
	json_t			*result;	/* ours after a write */
	const char		*action;	/* "created", "updated" */
	int			 enabled;
	int			 nours;		/* ours in the listing */
	int			 page;
	int			 truncated;
	enum whstep		 step;
};

struct xfer {
	LIST_ENTRY(xfer)	 entry;
	struct wass		*w;
	CURL			*easy;
	struct curl_slist	*hdrs;
	char			*out;
	char			*resp;
	size_t			 len;
	int			 kind;
	int64_t			 id;
	provider_send_cb	 send_cb;
	provider_verify_cb	 verify_cb;
	provider_lookup_cb	 lookup_cb;
	char			*device;	/* X_SEND: the device posted from */
	struct provider_result	 res;		/* X_DEVCHECK: the send's result */
	char			*ref;		/* X_LOOKUP: the reference sought */
	int64_t			 since;		/* X_LOOKUP: read back to here */
	int64_t			 last_at;	/* X_LOOKUP: oldest createdAt seen */
	int			 page;		/* X_LOOKUP: this page's number */
	struct whjob		*job;		/* X_WHLIST, X_WHWRITE */
	char			 errbuf[CURL_ERROR_SIZE];
};

/* The Wassenger provider: libcurl's multi interface on the libevent loop. */
struct wass {
	struct provider		 pv;
	CURLM			*multi;
	struct event		*timer;
	struct event		*ev_health;
	LIST_HEAD(, xfer)	 xfers;
	LIST_HEAD(, whjob)	 jobs;
	int			 running;
	int			 hc_busy;	/* health check parts in flight */
	int			 registering;	/* one registration at a time */
};

struct sockev {
	struct event	*ev;
	curl_socket_t	 fd;
};

static void	wass_check(struct wass *);

static void
sock_cb_ev(evutil_socket_t fd, short what, void *arg)
{
	struct wass	*w = arg;
	int		 flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(w->multi, fd, flags, &w->running);
	wass_check(w);
}

static int
sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct wass	*w = userp;
	struct sockev	*se = socketp;
	short		 kind;

	if (what == CURL_POLL_REMOVE) {
		if (se != NULL) {
			event_free(se->ev);
			free(se);
			curl_multi_assign(w->multi, s, NULL);
		}
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (se == NULL) {
		se = xcalloc(1, sizeof *se);
		se->fd = s;
		curl_multi_assign(w->multi, s, se);
	} else
		event_free(se->ev);
	se->ev = event_new(w->pv.d->base, s, kind, sock_cb_ev, w);
	event_add(se->ev, NULL);
	return 0;
}

static void
timer_ev(evutil_socket_t fd, short what, void *arg)
{
	struct wass	*w = arg;

	curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &w->running);
	wass_check(w);
}

static int
timer_cb(CURLM *m, long ms, void *userp)
{
	struct wass	*w = userp;
	struct timeval	 tv;

	if (ms < 0) {
		evtimer_del(w->timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(w->timer, &tv);
	return 0;
}

static size_t
write_cb(char *ptr, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = size * n;

	if (x->len + len > RESP_MAX)
		return 0;
	x->resp = xrealloc(x->resp, x->len + len + 1);
	memcpy(x->resp + x->len, ptr, len);
	x->len += len;
	x->resp[x->len] = '\0';
	return len;
}

static void
xfer_free(struct xfer *x)
{
	LIST_REMOVE(x, entry);
	curl_multi_remove_handle(x->w->multi, x->easy);
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	/* A registration's body holds the webhook token. */
	if (x->out != NULL)
		explicit_bzero(x->out, strlen(x->out));
	free(x->out);
	free(x->resp);
	free(x->device);
	free(x->ref);
	free(x);
}

/*
 * A transfer of PATH under the API URL, a POST of BODY or a GET when BODY
 * is NULL. A send must never be replayed by libcurl: it gets its own
 * connection, HTTP/1.1 and no reuse, so a POST that died on a kept-alive
 * connection is never posted again behind our back (DESIGN §6). Health,
 * verify and lookup requests may reuse connections.
 */
static struct xfer *
xfer_new_method(struct wass *w, int kind, const char *method,
    const char *path, const char *body)
{
	const struct config *c = w->pv.d->conf;
	struct xfer	*x;
	char		*url, *hdr;

	x = xcalloc(1, sizeof *x);
	x->w = w;
	x->kind = kind;
	if ((x->easy = curl_easy_init()) == NULL) {
		free(x);
		return NULL;
	}
	xasprintf(&url, "%s%s", c->api_url, path);
	xasprintf(&hdr, "Token: %s", c->api_key ? c->api_key : "");
	x->hdrs = curl_slist_append(x->hdrs, hdr);
	explicit_bzero(hdr, strlen(hdr));
	free(hdr);
	x->hdrs = curl_slist_append(x->hdrs, "Content-Type: application/json");
	x->hdrs = curl_slist_append(x->hdrs, "Accept: application/json");
	x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	curl_easy_setopt(x->easy, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(c->timeout_ms < 10000 ? c->timeout_ms : 10000));
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "wacampd/" WACAMP_VERSION);
	if (kind == X_SEND) {
		curl_easy_setopt(x->easy, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(x->easy, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(x->easy, CURLOPT_HTTP_VERSION,
		    (long)CURL_HTTP_VERSION_1_1);
	}
	if (body != NULL) {
		x->out = xstrdup(body);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->out);
	}
	if (method != NULL)
		curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, method);
	LIST_INSERT_HEAD(&w->xfers, x, entry);
	if (curl_multi_add_handle(w->multi, x->easy) != CURLM_OK) {
		xfer_free(x);
		return NULL;
	}
	return x;
}

/* A POST of BODY, or a GET when BODY is NULL. */
static struct xfer *
xfer_new(struct wass *w, int kind, const char *path, const char *body)
{
	return xfer_new_method(w, kind, NULL, path, body);
}

/* The response body as JSON, NULL if there is none or it does not parse. */
static json_t *
xfer_json(struct xfer *x)
{
	return x->resp != NULL ? json_loads(x->resp, 0, NULL) : NULL;
}

/* "HTTP 400 phone:invalid: message" from an error body. */
static void
error_text(struct xfer *x, long http, char *buf, size_t len)
{
	json_t		*j = xfer_json(x);
	const char	*code = NULL, *msg = NULL;

	if (j != NULL) {
		code = json_string_value(json_object_get(j, "errorCode"));
		msg = json_string_value(json_object_get(j, "message"));
	}
	snprintf(buf, len, "HTTP %ld%s%s%s%.160s", http, code ? " " : "",
	    code ? code : "", msg ? ": " : "", msg ? msg : "");
	json_decref(j);
}

/*
 * Whether any of the request may have gone out: libcurl got past connect
 * and TLS (pretransfer time) or counted request bytes. Only a transfer
 * that never got that far is proof that nothing was posted.
 */
static int
request_went_out(struct xfer *x)
{
	curl_off_t	 pre = 0;
	long		 reqsize = 0;

	curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
	curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &reqsize);
	return pre > 0 || reqsize > 0;
}

/* What a transport error means for a request, in words. */
static void
transport_text(struct xfer *x, CURLcode cc, int sent, long http, char *buf,
    size_t len)
{
	const char	*detail = *x->errbuf ? x->errbuf : curl_easy_strerror(cc);
	char		 after[32] = "";

	if (http != 0)
		snprintf(after, sizeof after, " after HTTP %ld", http);
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(buf, len, "timeout %s%s (%.120s)", sent ?
		    "after the request was sent" : "before the request went out",
		    after, detail);
		break;
	case CURLE_GOT_NOTHING:
		snprintf(buf, len, "connection closed without an answer after "
		    "the request was sent (%.120s)", detail);
		break;
	case CURLE_SEND_ERROR:
		snprintf(buf, len, "connection reset while sending the request "
		    "(%.120s)", detail);
		break;
	case CURLE_RECV_ERROR:
		snprintf(buf, len, "connection reset after the request was "
		    "sent%s (%.120s)", after, detail);
		break;
	default:
		snprintf(buf, len, "%.200s%s", detail, after);
		break;
	}
}

/* A device named by an answer: a string, or an object with an id. */
static void
json_device(json_t *v, char *buf, size_t len)
{
	const char	*s;

	if (json_is_object(v))
		v = json_object_get(v, "id");
	if ((s = json_string_value(v)) != NULL)
		snprintf(buf, len, "%s", s);
}

/* Wassenger's id, waId and device of a message resource into RES. */
static void
message_ids(json_t *m, struct provider_result *res)
{
	const char	*s;

	if ((s = json_string_value(json_object_get(m, "id"))) != NULL)
		snprintf(res->wass_id, sizeof res->wass_id, "%s", s);
	if ((s = json_string_value(json_object_get(m, "waId"))) != NULL)
		snprintf(res->wa_id, sizeof res->wa_id, "%s", s);
	json_device(json_object_get(m, "device"), res->device,
	    sizeof res->device);
}

/* Hand a send's result to its owner; the provider is done with it. */
static void
send_finish(struct xfer *x, struct provider_result *res)
{
	x->w->pv.inflight--;
	x->send_cb(x->w->pv.d, x->id, res);
}

/* After a 404 without a phone: errorCode, ask whether the device exists. */
static void
check_device(struct xfer *x, struct provider_result *res)
{
	struct xfer	*c;
	json_t		*j = xfer_json(x);
	const char	*msg;
	char		*path, *dev;

	msg = json_string_value(json_object_get(j, "message"));
	snprintf(res->error, sizeof res->error, "HTTP %d on send%s%.100s%s",
	    res->http, msg ? " (" : "", msg ? msg : "", msg ? ")" : "");
	json_decref(j);
	if (x->device == NULL || *x->device == '\0') {
		res->outcome = provider_classify_device(0);
		snprintf(res->error + strlen(res->error), sizeof res->error -
		    strlen(res->error), "; no device to check");
		send_finish(x, res);
		return;
	}
	dev = curl_easy_escape(x->easy, x->device, 0);
	xasprintf(&path, "/devices/%s", dev != NULL ? dev : "");
	curl_free(dev);
	c = xfer_new(x->w, X_DEVCHECK, path, NULL);
	free(path);
	if (c == NULL) {
		res->outcome = provider_classify_device(0);
		snprintf(res->error + strlen(res->error), sizeof res->error -
		    strlen(res->error), "; the device check could not start");
		send_finish(x, res);
		return;
	}
	/* The send's callback moves to the check; it runs once, from there. */
	c->id = x->id;
	c->send_cb = x->send_cb;
	c->res = *res;
}

/*
 * A POST /messages ended: map it through the fault table. Whether the
 * request went out decides what a timeout means; nothing is known to have
 * gone out only if libcurl never got to the point of sending.
 */
static void
done_send(struct xfer *x, CURLcode cc, long http)
{
	struct provider_result	 res;
	json_t			*j = NULL;
	curl_off_t		 ra = 0;
	const char		*code = NULL;
	int			 sent;

	memset(&res, 0, sizeof res);
	res.http = (int)http;
	sent = request_went_out(x);
	if (cc != CURLE_OK) {
		res.outcome = provider_classify(cc, sent, (int)http, NULL);
		transport_text(x, cc, sent, http, res.error, sizeof res.error);
		send_finish(x, &res);
		return;
	}
	j = xfer_json(x);
	if (http < 200 || http > 299)
		code = json_string_value(json_object_get(j, "errorCode"));
	res.outcome = provider_classify(CURLE_OK, sent, (int)http, code);
	switch (res.outcome) {
	case PROV_SENT:
		message_ids(j, &res);
		if (*res.wass_id == '\0')
			snprintf(res.error, sizeof res.error, "HTTP %ld without "
			    "a message id", http);
		break;
	case PROV_RATE_LIMITED:
		curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra);
		if (ra > RETRY_AFTER_MAX)
			ra = RETRY_AFTER_MAX;
		if (ra > 0)
			res.retry_after_ms = (int64_t)ra * 1000;
		error_text(x, http, res.error, sizeof res.error);
		break;
	default:
		error_text(x, http, res.error, sizeof res.error);
		break;
	}
	json_decref(j);
	if (res.outcome == PROV_CHECK_DEVICE)
		check_device(x, &res);
	else
		send_finish(x, &res);
}

/* The device check after a 404 on send decides the send's outcome. */
static void
done_devcheck(struct xfer *x, CURLcode cc, long http)
{
	struct provider_result	 res = x->res;
	int			 dh = cc == CURLE_OK ? (int)http : 0;
	const char		*what;
	char			 why[256];

	res.outcome = provider_classify_device(dh);
	switch (dh) {
	case 0:
		what = *x->errbuf ? x->errbuf : curl_easy_strerror(cc);
		break;
	case 404:
		what = "device unknown to this key";
		break;
	case 401:
	case 403:
		what = "the API key is refused";
		break;
	case 200:
		what = "the device exists; the 404 is not about it";
		break;
	default:
		what = "no answer about the device";
		break;
	}
	snprintf(why, sizeof why, "%.150s; device check: HTTP %d (%.60s)",
	    res.error, dh, what);
	snprintf(res.error, sizeof res.error, "%s", why);
	send_finish(x, &res);
}

/*
 * What the device's plan delivers (API.md §1, §4): replies need a
 * Platform plan (product "io"), acks and reactions Business or
 * Enterprise. A device without billing fields, or a plan wacamp does
 * not know, gives nulls: "plan unknown", never "ok".
 */
static json_t *
plan_json(json_t *dev)
{
	json_t		*j, *sub, *acks, *replies, *reacts;
	const char	*product, *code;
	int		 io;

	sub = json_object_get(json_object_get(dev, "billing"), "subscription");
	product = json_string_value(json_object_get(sub, "product"));
	code = json_string_value(json_object_get(sub, "plan"));
	if (code != NULL && *code == '\0')
		code = NULL;
	if (product != NULL && *product == '\0')
		product = NULL;
	acks = replies = reacts = NULL;
	io = (product != NULL && strcmp(product, "io") == 0) ||
	    (product == NULL && code != NULL && strncmp(code, "io-", 3) == 0);
	if (io) {
		replies = json_true();
		if (code != NULL && strcmp(code, "io-professional") == 0) {
			acks = json_false();
			reacts = json_false();
		} else if (code != NULL && (strcmp(code, "io-business") == 0 ||
		    strcmp(code, "io-enterprise") == 0)) {
			acks = json_true();
			reacts = json_true();
		}
	} else if (product != NULL) {
		/* Not a Platform plan (Gateway): no replies, no acks. */
		replies = json_false();
		acks = json_false();
	}
	j = json_pack("{s:o,s:o,s:o,s:o}",
	    "code", code != NULL ? json_string(code) : product != NULL ?
	    json_string(product) : json_null(),
	    "acks", acks ? acks : json_null(),
	    "replies", replies ? replies : json_null(),
	    "reactions", reacts ? reacts : json_null());
	if (code == NULL && product == NULL)
		json_object_set_new(j, "note", json_string("the device shows "
		    "no billing fields"));
	return j;
}

/* The "plan" object when nothing is known, with NOTE saying why. */
static json_t *
plan_unknown(const char *note)
{
	json_t	*j;

	j = json_pack("{s:n,s:n,s:n,s:n}", "code", "acks", "replies",
	    "reactions");
	if (note != NULL)
		json_object_set_new(j, "note", json_string(note));
	return j;
}

/* The "webhook" object when nothing is known, with NOTE saying why. */
static json_t *
wh_unknown(const char *note)
{
	json_t	*j;

	j = json_pack("{s:s,s:n,s:[]}", "state", "unknown", "status",
	    "missing_events");
	if (note != NULL)
		json_object_set_new(j, "note", json_string(note));
	return j;
}

static void
set_plan(struct wass *w, json_t *plan)
{
	json_decref(w->pv.wh_plan);
	w->pv.wh_plan = plan;	/* ownership moves */
}

static void
set_wh(struct wass *w, json_t *wh)
{
	const char	*was, *now;
	int		 changed;

	was = json_string_value(json_object_get(w->pv.wh_health, "state"));
	now = json_string_value(json_object_get(wh, "state"));
	changed = was == NULL || now == NULL || strcmp(was, now) != 0;
	if (changed)
		log_info("provider: webhook %s%s%s%s", now ? now : "?",
		    json_is_string(json_object_get(wh, "status")) ?
		    " (Wassenger status " : "",
		    json_is_string(json_object_get(wh, "status")) ?
		    json_string_value(json_object_get(wh, "status")) : "",
		    json_is_string(json_object_get(wh, "status")) ? ")" : "");
	json_decref(w->pv.wh_health);
	w->pv.wh_health = wh;	/* ownership moves */
	/* Whoever watches health hears of it (the dashboard, through it). */
	if (changed && w->pv.on_health != NULL)
		w->pv.on_health(w->pv.d);
}

/*
 * GET /devices of the health check, with [device NAME] lanes: each
 * lane's session into pv->devices ({"<id>":{"online":bool,"health":..}}),
 * a device the key does not list being offline. The [wassenger] one
 * keeps its own check (done_health).
 */
static void
done_devices(struct xfer *x, CURLcode cc, long http)
{
	struct wass		*w = x->w;
	struct provider		*pv = &w->pv;
	const struct config	*c = pv->d->conf;
	json_t			*j = NULL, *v, *all, *old = pv->devices;
	const char		*id, *st;
	char			 health[160];
	size_t			 i, k, online = 0;
	int			 changed = 0;

	w->hc_busy--;
	if (cc != CURLE_OK || http != 200 ||
	    (j = devices_array(xfer_json(x))) == NULL) {
		/* Not the devices: the sends will tell. */
		json_decref(j);
		return;
	}
	all = json_object();
	for (k = 0; k < c->ndevices; k++) {
		st = NULL;
		json_array_foreach(j, i, v) {
			id = json_string_value(json_object_get(v, "id"));
			if (id != NULL && strcmp(id, c->devices[k].device_id) ==
			    0) {
				st = json_string_value(json_object_get(
				    json_object_get(v, "session"), "status"));
				if (st == NULL)
					st = "unknown";
				break;
			}
		}
		if (st != NULL)
			snprintf(health, sizeof health, "device session %s", st);
		else
			snprintf(health, sizeof health, "device %.64s is not "
			    "among this API key's devices",
			    c->devices[k].device_id);
		json_object_set_new(all, c->devices[k].device_id, json_pack(
		    "{s:b,s:s}", "online", st != NULL && strcmp(st, "online") ==
		    0, "health", health));
		online += st != NULL && strcmp(st, "online") == 0;
	}
	json_decref(j);
	changed = old == NULL || !json_equal(old, all);
	pv->devices = all;
	json_decref(old);
	if (changed) {
		log_info("provider: %zu of the %zu [device] lanes' devices "
		    "online", online, c->ndevices);
		if (pv->on_health != NULL)
			pv->on_health(pv->d);
	}
}

/*
 * GET /devices/{id} of the health check: the session, and the plan. A
 * wrong device id or API key says so, not just "offline".
 */
static void
done_health(struct xfer *x, CURLcode cc, long http)
{
	struct wass	*w = x->w;
	struct provider	*pv = &w->pv;
	const char	*dev = pv->d->conf->device_id;
	json_t		*j = NULL, *d;
	const char	*st = NULL;
	int		 was = pv->online;

	w->hc_busy--;
	if (cc != CURLE_OK) {
		/* Unreachable API: not the device; the sends will tell. */
		snprintf(pv->health, sizeof pv->health, "health check failed: "
		    "%.100s", *x->errbuf ? x->errbuf : curl_easy_strerror(cc));
	} else if (http == 200) {
		j = xfer_json(x);
		d = json_is_array(j) ? json_array_get(j, 0) : j;
		st = json_string_value(json_object_get(json_object_get(d,
		    "session"), "status"));
		pv->online = st != NULL && strcmp(st, "online") == 0;
		snprintf(pv->health, sizeof pv->health, "device session %s",
		    st ? st : "unknown");
		set_plan(w, plan_json(d));
		json_decref(j);
	} else if (http == 404) {
		snprintf(pv->health, sizeof pv->health, "device %.64s unknown "
		    "to this API key (HTTP 404)", dev ? dev : "?");
		pv->online = 0;
		set_plan(w, plan_unknown("the device is unknown to this API "
		    "key"));
	} else if (http == 401 || http == 403) {
		snprintf(pv->health, sizeof pv->health, "API key refused "
		    "(HTTP %ld)", http);
		pv->online = 0;
		set_plan(w, plan_unknown("the API key is refused"));
	} else
		error_text(x, http, pv->health, sizeof pv->health);
	pv->health_at = (int64_t)clock_now();
	if (was != pv->online) {
		log_info("provider: %s", pv->health);
		if (pv->on_health != NULL)
			pv->on_health(pv->d);
	}
}

static void
done_verify(struct xfer *x, CURLcode cc, long http)
{
	json_t	*j;
	int	 r = -1;
	char	 why[200];

	snprintf(why, sizeof why, "%s", cc != CURLE_OK ? curl_easy_strerror(cc) :
	    "");
	if (cc == CURLE_OK) {
		if (http == 404)
			r = 0;
		else if (http == 200) {
			j = xfer_json(x);
			r = json_is_true(json_object_get(j, "exists"));
			json_decref(j);
		} else
			error_text(x, http, why, sizeof why);
	}
	x->verify_cb(x->w->pv.d, x->id, r, why);
}

/*
 * Unix seconds of an ISO 8601 date-time ("2025-05-12T09:30:00.412Z",
 * "+02:00" offsets too), or of a number (seconds, or milliseconds when
 * large). -1 when V is none of these.
 */
static int64_t
json_time(json_t *v)
{
	struct tm	 tm;
	const char	*s, *p;
	int		 n = 0, oh, om, sign;
	int64_t		 t;

	if (json_is_integer(v)) {
		t = (int64_t)json_integer_value(v);
		return t > INT64_C(100000000000) ? t / 1000 : t;
	}
	if ((s = json_string_value(v)) == NULL)
		return -1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0)
		return -1;
	p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if ((t = (int64_t)timegm(&tm)) == -1)
		return -1;
	if (*p == 'Z' && p[1] == '\0')
		return t;
	if ((*p != '+' && *p != '-') || strlen(p) < 5)
		return -1;
	sign = *p == '-' ? -1 : 1;
	if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 &&
	    sscanf(p + 1, "%2d%2d", &oh, &om) != 2)
		return -1;
	return t - sign * (int64_t)(oh * 3600 + om * 60);
}

/* The items of a listing: a top-level array or one under a known key. */
static json_t *
listing_items(json_t *j)
{
	static const char *const keys[] = { "data", "items", "messages",
	    "results", "webhooks" };
	json_t		*v;
	size_t		 i;

	if (json_is_array(j))
		return j;
	if (!json_is_object(j))
		return NULL;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (json_is_array(v = json_object_get(j, keys[i])))
			return v;
	return NULL;
}

/* How far a message went (WH_ACK_* levels), from its two status fields. */
static int
message_ack(json_t *m)
{
	static const struct {
		const char	*name;
		int		 ack;
	} levels[] = {
		{ "sent", 1 }, { "processed", 1 }, { "revoked", 1 },
		{ "delivered", 2 },
		{ "read", 3 }, { "readed", 3 }, { "played", 3 },
		{ "failed", -1 }, { "cancelled", -1 }, { "removed", -1 },
		{ "expired", -1 }, { "invalid", -1 },
	};
	const char	*st[2];
	int		 best = 0, failed = 0;
	size_t		 i, k;

	st[0] = json_string_value(json_object_get(m, "deliveryStatus"));
	st[1] = json_string_value(json_object_get(m, "status"));
	for (k = 0; k < 2; k++) {
		if (st[k] == NULL)
			continue;
		for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
			if (strcmp(st[k], levels[i].name) != 0)
				continue;
			if (levels[i].ack < 0)
				failed = 1;
			else if (levels[i].ack > best)
				best = levels[i].ack;
		}
	}
	/* A message that went out stays out, whatever came after. */
	if (best > 0)
		return best;
	return failed ? -1 : 0;
}

/* Ask for page PAGE of the message listing, newest first. */
static struct xfer *
lookup_page(struct wass *w, int page)
{
	char	 path[64];

	snprintf(path, sizeof path, "/messages?size=%d&page=%d", LOOKUP_SIZE,
	    page);
	return xfer_new(w, X_LOOKUP, path, NULL);
}

static void
lookup_finish(struct xfer *x, int found, struct provider_result *res)
{
	x->lookup_cb(x->w->pv.d, x->id, found, res);
}

/*
 * One page of a lookup. The listing is read newest first: the reference
 * found anywhere on a page settles it; an item created before SINCE ends
 * the search without it, but only while the listing has really come
 * newest first; "not there" must never be said by mistake, so anything
 * short of that proof (an unknown order, the page bound) is "cannot tell".
 */
static void
done_lookup(struct xfer *x, CURLcode cc, long http)
{
	struct provider_result	 res;
	struct xfer		*n;
	json_t			*j = NULL, *items, *m;
	const char		*r;
	int64_t			 at;
	size_t			 i;
	int			 older = 0, unordered = 0;

	memset(&res, 0, sizeof res);
	res.http = (int)http;
	if (cc != CURLE_OK) {
		transport_text(x, cc, request_went_out(x), http, res.error,
		    sizeof res.error);
		goto fail;
	}
	if (http != 200) {
		error_text(x, http, res.error, sizeof res.error);
		if (http == 404)
			snprintf(res.error + strlen(res.error), sizeof res.error
			    - strlen(res.error), " (the listing is not served)");
		goto fail;
	}
	j = xfer_json(x);
	if ((items = listing_items(j)) == NULL) {
		snprintf(res.error, sizeof res.error, "page %d of the message "
		    "listing is not a list of messages", x->page);
		goto fail;
	}
	json_array_foreach(items, i, m) {
		r = json_string_value(json_object_get(m, "reference"));
		if (r != NULL && strcmp(r, x->ref) == 0) {
			message_ids(m, &res);
			res.ack = message_ack(m);
			json_decref(j);
			lookup_finish(x, 1, &res);
			return;
		}
		if ((at = json_time(json_object_get(m, "createdAt"))) == -1)
			continue;
		if (at > x->last_at)
			unordered = 1;
		x->last_at = at;
		if (at < x->since)
			older = 1;
	}
	if (unordered) {
		snprintf(res.error, sizeof res.error, "the message listing is "
		    "not newest first (page %d)", x->page);
		goto fail;
	}
	if (older || json_array_size(items) == 0) {
		json_decref(j);
		lookup_finish(x, 0, &res);
		return;
	}
	if (x->page + 1 >= LOOKUP_PAGES) {
		snprintf(res.error, sizeof res.error, "not in the %d newest "
		    "messages, and none of them older than the claim",
		    LOOKUP_PAGES * LOOKUP_SIZE);
		goto fail;
	}
	if ((n = lookup_page(x->w, x->page + 1)) == NULL) {
		snprintf(res.error, sizeof res.error, "page %d of the message "
		    "listing could not be asked for", x->page + 1);
		goto fail;
	}
	/* The lookup moves to the next page: reference and callback too. */
	n->id = x->id;
	n->lookup_cb = x->lookup_cb;
	n->ref = x->ref;
	x->ref = NULL;
	n->since = x->since;
	n->last_at = x->last_at;
	n->page = x->page + 1;
	json_decref(j);
	return;
fail:
	json_decref(j);
	lookup_finish(x, -1, &res);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode N bytes of S; the caller frees. */
static char *
pct_decode(const char *s, size_t n)
{
	char	*out = xmalloc(n + 1), *o = out;
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/*
 * Whether URL carries TOKEN in a token= query parameter: that is how we
 * know our webhook among the account's (DESIGN §7). Constant time.
 */
static int
url_ours(const char *url, const char *token)
{
	const char	*q;
	char		*v;
	size_t		 n;
	int		 ok = 0;

	if (url == NULL || token == NULL || *token == '\0' ||
	    (q = strchr(url, '?')) == NULL)
		return 0;
	for (q++; *q != '\0' && *q != '#'; q += n + (q[n] == '&')) {
		n = strcspn(q, "&#");
		if (n < 6 || strncmp(q, "token=", 6) != 0)
			continue;
		v = pct_decode(q + 6, n - 6);
		ok |= auth_equal(v, token);
		explicit_bzero(v, strlen(v));
		free(v);
	}
	return ok;
}

/*
 * URL with every token= value cut to its first 4 characters and
 * "…(masked)": what may be shown. The caller frees.
 */
static char *
url_masked(const char *url)
{
	const char	*q, *p;
	char		*out;
	size_t		 n, len, keep;

	len = strlen(url);
	/* A bare "token=" (6 bytes) grows to 17 at most: 3 times is room. */
	out = xmalloc(len * 3 + 32);
	*out = '\0';
	if ((q = strchr(url, '?')) == NULL) {
		memcpy(out, url, len + 1);
		return out;
	}
	strncat(out, url, (size_t)(q - url) + 1);
	for (p = q + 1; *p != '\0'; ) {
		n = strcspn(p, "&#");
		if (n >= 6 && strncmp(p, "token=", 6) == 0) {
			keep = n - 6 < 4 ? n - 6 : 4;
			strncat(out, p, 6 + keep);
			strcat(out, "\xe2\x80\xa6(masked)");
		} else
			strncat(out, p, n);
		p += n;
		if (*p == '#') {
			strcat(out, p);
			break;
		}
		if (*p == '&')
			strncat(out, p++, 1);
	}
	return out;
}

/* Blank every NEEDLE out of TEXT. */
static void
blank(char *text, const char *needle)
{
	char	*p;
	size_t	 n;

	if (needle == NULL || (n = strlen(needle)) == 0)
		return;
	while ((p = strstr(text, needle)) != NULL)
		memset(p, '*', n);
}

/* Blank the token, as is and URL-escaped, out of TEXT (an error Wassenger
 * may echo). */
static void
scrub(char *text, const char *token)
{
	char	*esc;

	if (token == NULL || *token == '\0')
		return;
	blank(text, token);
	if ((esc = curl_easy_escape(NULL, token, 0)) != NULL) {
		blank(text, esc);
		curl_free(esc);
	}
}

/* The needed events EVENTS (an array, or not) lacks, as an array. */
static json_t *
events_missing(json_t *events)
{
	json_t	*miss = json_array(), *v;
	size_t	 i, k;
	int	 found;

	for (k = 0; wh_needed[k] != NULL; k++) {
		found = 0;
		json_array_foreach(events, i, v)
			if (json_is_string(v) &&
			    strcmp(json_string_value(v), wh_needed[k]) == 0)
				found = 1;
		if (!found)
			json_array_append_new(miss, json_string(wh_needed[k]));
	}
	return miss;
}

/* How good a webhook of ours is: active with every event beats active. */
static int
hook_rank(json_t *h)
{
	const char	*st = json_string_value(json_object_get(h, "status"));
	json_t		*miss;
	int		 r = 1;

	if (st != NULL && strcmp(st, "active") == 0) {
		miss = events_missing(json_object_get(h, "events"));
		r = json_array_size(miss) == 0 ? 3 : 2;
		json_decref(miss);
	}
	return r;
}

/* Our best webhook among HOOKS (borrowed), and how many are ours. */
static json_t *
hooks_ours(struct wass *w, json_t *hooks, int *nours)
{
	const char	*tok = w->pv.d->conf->token;
	json_t		*h, *best = NULL;
	size_t		 i;

	*nours = 0;
	json_array_foreach(hooks, i, h) {
		if (!url_ours(json_string_value(json_object_get(h, "url")), tok))
			continue;
		(*nours)++;
		if (best == NULL || hook_rank(h) > hook_rank(best))
			best = h;
	}
	return best;
}

/* The "webhook" object of status for OURS (NULL: none is ours). */
static json_t *
wh_state(json_t *ours)
{
	json_t		*miss, *st;
	const char	*state;

	if (ours == NULL)
		return json_pack("{s:s,s:n,s:o}", "state", "missing", "status",
		    "missing_events", events_missing(NULL));
	miss = events_missing(json_object_get(ours, "events"));
	st = json_object_get(ours, "status");
	if (json_is_string(st) && strcmp(json_string_value(st), "active") == 0 &&
	    json_array_size(miss) == 0)
		state = "active";
	else
		state = "inactive";
	return json_pack("{s:s,s:O,s:o}", "state", state, "status",
	    json_is_string(st) ? st : json_null(), "missing_events", miss);
}

/* Our webhook as it may be shown: chosen fields, the token masked. */
static json_t *
hook_public(json_t *h)
{
	static const char *const keep[] = { "id", "name", "status", "events",
	    "device", "retries", "lastRunAt", "lastFailureAt", "lastRetryAt",
	    "createdAt", NULL };
	json_t		*o, *v;
	const char	*url;
	char		*m;
	size_t		 i;

	if (h == NULL)
		return json_null();
	o = json_object();
	for (i = 0; keep[i] != NULL; i++)
		if ((v = json_object_get(h, keep[i])) != NULL &&
		    !json_is_object(v))
			json_object_set(o, keep[i], v);
	if ((v = json_object_get(h, "device")) != NULL && json_is_object(v))
		json_object_set(o, "device", json_object_get(v, "id"));
	if ((url = json_string_value(json_object_get(h, "url"))) != NULL) {
		m = url_masked(url);
		json_object_set_new(o, "url", json_string(m));
		free(m);
	}
	return o;
}

static void
job_free(struct whjob *j)
{
	if (j->base != NULL && !j->health)
		j->w->registering = 0;
	LIST_REMOVE(j, entry);
	json_decref(j->hooks);
	json_decref(j->ids);
	json_decref(j->result);
	free(j->base);
	free(j);
}

/* End job J: a command's answer (DATA stolen) or error; the job goes. */
static void
job_end(struct whjob *j, json_t *data, const char *code, const char *fmt, ...)
    __attribute__((__format__(__printf__, 4, 5)));

static void
job_end(struct whjob *j, json_t *data, const char *code, const char *fmt, ...)
{
	struct wass	*w = j->w;
	va_list		 ap;
	char		 msg[512] = "";

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		scrub(msg, w->pv.d->conf->token);
	}
	if (j->health)
		w->hc_busy--;
	if (j->cb != NULL)
		j->cb(w->pv.d, j->arg, data, code, msg);
	else
		json_decref(data);
	job_free(j);
}

/* Ask for the job's next page of GET /webhooks. */
static int
job_page(struct whjob *j)
{
	struct xfer	*x;
	char		 path[64];

	snprintf(path, sizeof path, "/webhooks?page=%d&size=%d", j->page,
	    WH_SIZE);
	if ((x = xfer_new(j->w, X_WHLIST, path, NULL)) == NULL)
		return -1;
	x->job = j;
	return 0;
}

/* A transfer's failure in words, the token blanked out. */
static void
xfer_failure(struct xfer *x, CURLcode cc, long http, char *buf, size_t len)
{
	if (cc != CURLE_OK)
		transport_text(x, cc, request_went_out(x), http, buf, len);
	else
		error_text(x, http, buf, len);
	scrub(buf, x->w->pv.d->conf->token);
}

/* The URL of our webhook at BASE: the listener's path and our token. */
static char *
hook_url(struct wass *w, const char *base)
{
	const struct config *c = w->pv.d->conf;
	char	*tok, *url;

	tok = curl_easy_escape(NULL, c->token, 0);
	xasprintf(&url, "%s%s?token=%s", base, c->wh_path, tok ? tok : "");
	if (tok != NULL) {
		explicit_bzero(tok, strlen(tok));
		curl_free(tok);
	}
	return url;
}

/* Start a PATCH, POST or POST /enable of the registration. */
static int
job_write(struct whjob *j, enum whstep step, const char *method,
    const char *path, json_t *body)
{
	struct xfer	*x;
	char		*s = NULL;

	if (body != NULL) {
		s = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (s == NULL)
			return -1;
	}
	x = xfer_new_method(j->w, X_WHWRITE, method, path, s ? s : "{}");
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
	if (x == NULL)
		return -1;
	x->job = j;
	j->step = step;
	return 0;
}

/* The events to register: what OURS has (if any) and every needed one. */
static json_t *
events_union(json_t *ours)
{
	json_t	*ev = json_array(), *v;
	size_t	 i, k;
	int	 found;

	for (k = 0; wh_needed[k] != NULL; k++)
		json_array_append_new(ev, json_string(wh_needed[k]));
	json_array_foreach(json_object_get(ours, "events"), i, v) {
		if (!json_is_string(v))
			continue;
		found = 0;
		for (k = 0; wh_needed[k] != NULL; k++)
			if (strcmp(json_string_value(v), wh_needed[k]) == 0)
				found = 1;
		if (!found)
			json_array_append(ev, v);
	}
	return ev;
}

/* The answer of webhook.status or webhook.register, from the job. */
static json_t *
job_data(struct whjob *j, json_t *ours, int nours)
{
	struct provider	*pv = &j->w->pv;
	json_t		*d = wh_state(ours);

	json_object_set_new(d, "webhook", hook_public(ours));
	json_object_set_new(d, "ours", json_integer(nours));
	json_object_set_new(d, "listed", json_integer(
	    (json_int_t)json_array_size(j->hooks)));
	if (j->truncated)
		json_object_set_new(d, "truncated", json_true());
	json_object_set_new(d, "checked_at", json_integer(clock_now()));
	json_object_set(d, "plan", pv->wh_plan);
	json_object_set_new(d, "plan_checked_at", pv->health_at > 0 ?
	    json_integer(pv->health_at) : json_null());
	/* What status shows follows what was just seen. */
	set_wh(j->w, wh_state(ours));
	return d;
}

/* The whole list is read: tell health, status, or go on registering. */
static void
job_listed(struct whjob *j)
{
	struct wass	*w = j->w;
	json_t		*ours, *body;
	const char	*id;
	char		*url, *path, *eid;
	int		 nours;

	ours = hooks_ours(w, j->hooks, &nours);
	j->nours = nours;
	if (j->base == NULL) {
		job_end(j, job_data(j, ours, nours), NULL, NULL);
		return;
	}
	url = hook_url(w, j->base);
	if (ours != NULL && (id = json_string_value(json_object_get(ours,
	    "id"))) != NULL) {
		j->action = "updated";
		j->result = json_incref(ours);
		body = json_pack("{s:s,s:o}", "url", url, "events",
		    events_union(ours));
		eid = curl_easy_escape(NULL, id, 0);
		xasprintf(&path, "/webhooks/%s", eid ? eid : "");
		curl_free(eid);
		if (job_write(j, WJ_PATCH, "PATCH", path, body) == -1)
			job_end(j, NULL, "internal", "the update could not "
			    "start");
		free(path);
	} else {
		j->action = "created";
		body = json_pack("{s:s,s:s,s:o}", "name", "wacamp", "url", url,
		    "events", events_union(NULL));
		/* With several lanes, one webhook hears every device. */
		if (w->pv.d->conf->device_id != NULL &&
		    w->pv.d->conf->ndevices == 0)
			json_object_set_new(body, "device",
			    json_string(w->pv.d->conf->device_id));
		if (job_write(j, WJ_CREATE, NULL, "/webhooks", body) == -1)
			job_end(j, NULL, "internal", "the registration could "
			    "not start");
	}
	explicit_bzero(url, strlen(url));
	free(url);
}

/*
 * One page of GET /webhooks. Every page is read: an empty page ends the
 * list, and so does a page with no webhook not seen before (an API that
 * ignores "page" would send the first page forever).
 */
static void
done_whlist(struct xfer *x, CURLcode cc, long http)
{
	struct whjob	*j = x->job;
	json_t		*body = NULL, *items, *h;
	const char	*id;
	char		 why[256];
	size_t		 i, fresh = 0;

	if (cc != CURLE_OK || http != 200) {
		xfer_failure(x, cc, http, why, sizeof why);
		if (j->health)
			set_wh(j->w, wh_unknown(why));
		job_end(j, NULL, "unavailable", "cannot list Wassenger's "
		    "webhooks: %s", why);
		return;
	}
	body = xfer_json(x);
	if ((items = listing_items(body)) == NULL) {
		json_decref(body);
		if (j->health)
			set_wh(j->w, wh_unknown("the webhook listing is not a "
			    "list"));
		job_end(j, NULL, "unavailable", "page %d of Wassenger's "
		    "webhooks is not a list", j->page);
		return;
	}
	json_array_foreach(items, i, h) {
		if (!json_is_object(h))
			continue;
		if ((id = json_string_value(json_object_get(h, "id"))) != NULL) {
			if (json_object_get(j->ids, id) != NULL)
				continue;
			json_object_set_new(j->ids, id, json_true());
		}
		json_array_append(j->hooks, h);
		fresh++;
	}
	json_decref(body);
	if (fresh > 0 && ++j->page < WH_PAGES) {
		if (job_page(j) == -1)
			job_end(j, NULL, "internal", "the next page could not "
			    "be asked for");
		return;
	}
	if (fresh > 0)
		j->truncated = 1;
	job_listed(j);
}

/* A PATCH, POST or /enable of a registration came back. */
static void
done_whwrite(struct xfer *x, CURLcode cc, long http)
{
	struct whjob	*j = x->job;
	json_t		*body, *st;
	const char	*id;
	char		 why[256], *path, *eid;

	if (cc != CURLE_OK || http < 200 || http > 299) {
		xfer_failure(x, cc, http, why, sizeof why);
		job_end(j, NULL, "unavailable", "Wassenger refused the %s: %s",
		    j->step == WJ_ENABLE ? "re-enabling" : j->step ==
		    WJ_PATCH ? "update" : "registration", why);
		return;
	}
	body = xfer_json(x);
	if (json_is_object(body) && json_object_get(body, "id") != NULL) {
		json_decref(j->result);
		j->result = body;
	} else {
		json_decref(body);
		if (j->step == WJ_ENABLE && json_is_object(j->result))
			json_object_set_new(j->result, "status",
			    json_string("active"));
	}
	if (j->step == WJ_ENABLE)
		j->enabled = 1;
	st = json_object_get(j->result, "status");
	id = json_string_value(json_object_get(j->result, "id"));
	if (j->step == WJ_PATCH && id != NULL && !(json_is_string(st) &&
	    strcmp(json_string_value(st), "active") == 0)) {
		eid = curl_easy_escape(NULL, id, 0);
		xasprintf(&path, "/webhooks/%s/enable", eid ? eid : "");
		curl_free(eid);
		if (job_write(j, WJ_ENABLE, NULL, path, NULL) == -1)
			job_end(j, NULL, "internal", "the re-enabling could "
			    "not start");
		free(path);
		return;
	}
	if (j->step == WJ_CREATE) {
		json_array_append(j->hooks, j->result);
		j->nours++;
	}
	log_info("provider: webhook %s at Wassenger%s", j->action,
	    j->enabled ? " and re-enabled" : "");
	body = job_data(j, j->result, j->nours);
	json_object_set_new(body, "action", json_string(j->action));
	json_object_set_new(body, "enabled", json_boolean(j->enabled));
	job_end(j, body, NULL, NULL);
}

static struct whjob *
job_new(struct wass *w)
{
	struct whjob	*j;

	j = xcalloc(1, sizeof *j);
	j->w = w;
	j->hooks = json_array();
	j->ids = json_object();
	LIST_INSERT_HEAD(&w->jobs, j, entry);
	return j;
}

/* webhook.status (BASE NULL) and webhook.register: a fresh listing. */
static int
wass_webhook(struct provider *pv, const char *base, provider_webhook_cb cb,
    void *arg)
{
	struct wass	*w = (struct wass *)pv;
	struct whjob	*j;
	const char	*tok = pv->d->conf->token;

	if (tok == NULL || *tok == '\0') {
		cb(pv->d, arg, NULL, "unavailable", "no [webhook] token is "
		    "configured: wacamp cannot tell its webhook");
		return 0;
	}
	if (base != NULL && w->registering) {
		cb(pv->d, arg, NULL, "conflict", "a webhook registration is "
		    "already running");
		return 0;
	}
	j = job_new(w);
	j->cb = cb;
	j->arg = arg;
	if (base != NULL) {
		j->base = xstrdup(base);
		w->registering = 1;
	}
	if (job_page(j) == -1) {
		job_end(j, NULL, "internal", "the webhook listing could not "
		    "start");
		return 0;
	}
	return 0;
}

static void
wass_check(struct wass *w)
{
	CURLMsg		*m;
	struct xfer	*x;
	long		 http;
	int		 left;

	while ((m = curl_multi_info_read(w->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		http = 0;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &http);
		switch (x->kind) {
		case X_SEND:
			done_send(x, m->data.result, http);
			break;
		case X_DEVCHECK:
			done_devcheck(x, m->data.result, http);
			break;
		case X_HEALTH:
			done_health(x, m->data.result, http);
			break;
		case X_VERIFY:
			done_verify(x, m->data.result, http);
			break;
		case X_LOOKUP:
			done_lookup(x, m->data.result, http);
			break;
		case X_WHLIST:
			done_whlist(x, m->data.result, http);
			break;
		case X_WHWRITE:
			done_whwrite(x, m->data.result, http);
			break;
		case X_DEVICES:
			done_devices(x, m->data.result, http);
			break;
		}
		xfer_free(x);
	}
}

static int
wass_send(struct provider *pv, const struct provider_msg *m,
    provider_send_cb cb)
{
	struct wass	*w = (struct wass *)pv;
	struct xfer	*x;
	json_t		*j;
	const char	*dev;
	char		*body;

	dev = m->device != NULL ? m->device : pv->d->conf->device_id;
	j = json_pack("{s:s,s:s,s:s}", "phone", m->phone, "message", m->body,
	    "reference", m->reference);
	if (j == NULL)
		return -1;
	if (dev != NULL)
		json_object_set_new(j, "device", json_string(dev));
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (body == NULL)
		return -1;
	x = xfer_new(w, X_SEND, "/messages", body);
	free(body);
	if (x == NULL)
		return -1;
	x->id = m->id;
	x->send_cb = cb;
	x->device = dev != NULL ? xstrdup(dev) : NULL;
	pv->inflight++;
	return 0;
}

static int
wass_verify(struct provider *pv, int64_t id, const char *phone,
    provider_verify_cb cb)
{
	struct wass	*w = (struct wass *)pv;
	struct xfer	*x;
	json_t		*j;
	char		*body;

	j = json_pack("{s:s}", "phone", phone);
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	x = xfer_new(w, X_VERIFY, "/numbers/exists", body);
	free(body);
	if (x == NULL)
		return -1;
	x->id = id;
	x->verify_cb = cb;
	return 0;
}

/* Look REF up in the listing, newest first, back to SINCE (API.md §10). */
static int
wass_lookup(struct provider *pv, int64_t id, const char *ref, int64_t since,
    provider_lookup_cb cb)
{
	struct xfer	*x;

	if (ref == NULL || *ref == '\0')
		return -1;
	if ((x = lookup_page((struct wass *)pv, 0)) == NULL)
		return -1;
	x->id = id;
	x->lookup_cb = cb;
	x->ref = xstrdup(ref);
	x->since = since;
	x->last_at = INT64_MAX;
	return 0;
}

/*
 * One health check: the device (session, plan) and every page of the
 * webhooks (ours: there, active, with our events). A check still in
 * flight makes the next one wait its turn.
 */
static void
health_ev(evutil_socket_t fd, short what, void *arg)
{
	struct wass	*w = arg;
	const struct config *c = w->pv.d->conf;
	struct whjob	*j;
	struct timeval	 tv;
	char		*path, *dev;

	if (w->hc_busy > 0)
		goto again;
	if (c->device_id != NULL) {
		dev = curl_easy_escape(NULL, c->device_id, 0);
		xasprintf(&path, "/devices/%s", dev ? dev : "");
		curl_free(dev);
		if (xfer_new(w, X_HEALTH, path, NULL) != NULL)
			w->hc_busy++;
		free(path);
	}
	if (c->ndevices > 0 && xfer_new(w, X_DEVICES, "/devices", NULL) != NULL)
		w->hc_busy++;
	if (c->token == NULL || *c->token == '\0')
		set_wh(w, wh_unknown("no [webhook] token is configured: "
		    "wacamp cannot tell its webhook"));
	else {
		j = job_new(w);
		j->health = 1;
		w->hc_busy++;
		if (job_page(j) == -1)
			job_end(j, NULL, NULL, NULL);
	}
again:
	tv.tv_sec = (time_t)(c->health_interval_ms / 1000);
	tv.tv_usec = (suseconds_t)(c->health_interval_ms % 1000) * 1000;
	if (tv.tv_sec == 0 && tv.tv_usec < 100000)
		tv.tv_usec = 100000;
	evtimer_add(w->ev_health, &tv);
}

static void
wass_reload(struct provider *pv)
{
	struct wass	*w = (struct wass *)pv;
	struct timeval	 tv = { 0, 0 };

	evtimer_del(w->ev_health);
	evtimer_add(w->ev_health, &tv);
}

static void
wass_free(struct provider *pv)
{
	struct wass	*w = (struct wass *)pv;

	while (!LIST_EMPTY(&w->xfers))
		xfer_free(LIST_FIRST(&w->xfers));
	/* A parked command is always answered. */
	while (!LIST_EMPTY(&w->jobs))
		job_end(LIST_FIRST(&w->jobs), NULL, "unavailable",
		    "the daemon is stopping");
	json_decref(w->pv.wh_health);
	json_decref(w->pv.wh_plan);
	json_decref(w->pv.devices);
	curl_multi_cleanup(w->multi);
	event_free(w->timer);
	event_free(w->ev_health);
	free(w);
}

/* The body of the one blocking request (GET /devices at start). */
struct membuf {
	char	*buf;
	size_t	 len;
};

static size_t
devices_write_cb(char *ptr, size_t size, size_t n, void *arg)
{
	struct membuf	*b = arg;

	if (b->len + size * n > 1024 * 1024)
		return 0;
	b->buf = xrealloc(b->buf, b->len + size * n + 1);
	memcpy(b->buf + b->len, ptr, size * n);
	b->len += size * n;
	b->buf[b->len] = '\0';
	return size * n;
}

/*
 * The device list of a GET /devices body J (taken): an array (API.md §1
 * does not show the envelope: an array is a guess, as for the webhooks),
 * or an object holding one under "data" or "items". NULL if none.
 */
static json_t *
devices_array(json_t *j)
{
	json_t	*a;

	if (j == NULL || json_is_array(j))
		return j;
	if ((a = json_object_get(j, "data")) == NULL || !json_is_array(a))
		a = json_object_get(j, "items");
	if (a != NULL && json_is_array(a))
		json_incref(a);
	else
		a = NULL;
	json_decref(j);
	return a;
}

/*
 * No [wassenger] device_id: the daemon refuses to start, and names the
 * account's devices (GET /devices) so that the operator can pick one.
 * A blocking request, made once before the loop runs.
 */
static void
devices_name(const struct config *c, char *err, size_t errlen)
{
	struct membuf		 b = { NULL, 0 };
	CURL			*easy;
	struct curl_slist	*hdrs = NULL;
	char			*url = NULL, *hdr = NULL, cerr[CURL_ERROR_SIZE] = "";
	json_t			*j = NULL, *v;
	size_t			 i, off;
	long			 http = 0;
	CURLcode		 cc;
	const char		*id, *alias, *phone, *sess;

	off = (size_t)snprintf(err, errlen, "%s: [wassenger] device_id is "
	    "required with the wassenger provider (sends would go through "
	    "whatever line Wassenger picks); ", c->path ? c->path : "config");
	if (off >= errlen)
		return;
	if ((easy = curl_easy_init()) == NULL) {
		snprintf(err + off, errlen - off, "the account's devices could "
		    "not be listed");
		return;
	}
	xasprintf(&url, "%s/devices", c->api_url);
	xasprintf(&hdr, "Token: %s", c->api_key ? c->api_key : "");
	hdrs = curl_slist_append(hdrs, hdr);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, devices_write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)(c->timeout_ms >
	    10000 ? 10000 : c->timeout_ms));
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "wacampd/" WACAMP_VERSION);
	cc = curl_easy_perform(easy);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http);
	if (cc != CURLE_OK)
		snprintf(err + off, errlen - off, "the account's devices could "
		    "not be listed: %s", *cerr ? cerr : curl_easy_strerror(cc));
	else if (http != 200 || b.buf == NULL ||
	    (j = devices_array(json_loads(b.buf, 0, NULL))) == NULL)
		snprintf(err + off, errlen - off, "the account's devices could "
		    "not be listed: GET /devices answered HTTP %ld", http);
	else if (json_array_size(j) == 0)
		snprintf(err + off, errlen - off, "the account has no device: "
		    "connect a WhatsApp number at Wassenger first");
	else {
		off += (size_t)snprintf(err + off, errlen - off, "set it to one "
		    "of the account's devices:");
		json_array_foreach(j, i, v) {
			if (off >= errlen)
				break;
			id = json_string_value(json_object_get(v, "id"));
			alias = json_string_value(json_object_get(v, "alias"));
			phone = json_string_value(json_object_get(v, "phone"));
			sess = json_string_value(json_object_get(
			    json_object_get(v, "session"), "status"));
			off += (size_t)snprintf(err + off, errlen - off,
			    "%s %s (%s, %s, %s)", i > 0 ? "," : "",
			    id ? id : "?", alias ? alias : "no alias",
			    phone ? phone : "no phone", sess ? sess : "?");
		}
	}
	json_decref(j);
	free(b.buf);
	curl_slist_free_all(hdrs);
	explicit_bzero(hdr, strlen(hdr));
	free(hdr);
	free(url);
	curl_easy_cleanup(easy);
}

struct provider *
provider_wassenger_new(struct daemon *d, char *err, size_t errlen)
{
	struct wass	*w;
	struct timeval	 tv = { 0, 0 };

	if (d->conf->device_id == NULL || *d->conf->device_id == '\0') {
		devices_name(d->conf, err, errlen);
		return NULL;
	}

	w = xcalloc(1, sizeof *w);
	w->pv.name = "wassenger";
	w->pv.d = d;
	w->pv.online = -1;
	snprintf(w->pv.health, sizeof w->pv.health, "%s",
	    d->conf->device_id ? "not checked yet" :
	    "no device_id: health not checked");
	w->pv.send = wass_send;
	w->pv.verify = wass_verify;
	w->pv.lookup = wass_lookup;
	w->pv.webhook = wass_webhook;
	w->pv.reload = wass_reload;
	w->pv.free = wass_free;
	LIST_INIT(&w->xfers);
	LIST_INIT(&w->jobs);
	w->pv.wh_health = wh_unknown("not checked yet");
	w->pv.wh_plan = plan_unknown(d->conf->device_id ? "not checked yet" :
	    "no device_id: the plan is not checked");
	if ((w->multi = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "curl_multi_init failed");
		json_decref(w->pv.wh_health);
		json_decref(w->pv.wh_plan);
		free(w);
		return NULL;
	}
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	w->timer = evtimer_new(d->base, timer_ev, w);
	w->ev_health = evtimer_new(d->base, health_ev, w);
	evtimer_add(w->ev_health, &tv);
	return &w->pv;
}
