#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "provider.h"
#include "xmalloc.h"

#define RESP_MAX	(256 * 1024)

enum xfer_kind { X_SEND, X_HEALTH, X_VERIFY };

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
	char			 errbuf[CURL_ERROR_SIZE];
};

/* The Wassenger provider: libcurl's multi interface on the libevent loop. */
struct wass {
	struct provider		 pv;
	CURLM			*multi;
	struct event		*timer;
	struct event		*ev_health;
	LIST_HEAD(, xfer)	 xfers;
	int			 running;
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
	free(x->out);
	free(x->resp);
	free(x);
}

static struct xfer *
xfer_new(struct wass *w, int kind, const char *path, const char *body)
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
	if (body != NULL) {
		x->out = xstrdup(body);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->out);
	}
	LIST_INSERT_HEAD(&w->xfers, x, entry);
	if (curl_multi_add_handle(w->multi, x->easy) != CURLM_OK) {
		xfer_free(x);
		return NULL;
	}
	return x;
}

/* "HTTP 400 phone:invalid: message" from an error body. */
static void
error_text(struct xfer *x, long http, char *buf, size_t len)
{
	json_t		*j = x->resp ? json_loads(x->resp, 0, NULL) : NULL;
	const char	*code = NULL, *msg = NULL;

	if (j != NULL) {
		code = json_string_value(json_object_get(j, "errorCode"));
		msg = json_string_value(json_object_get(j, "message"));
	}
	snprintf(buf, len, "HTTP %ld%s%s%s%s", http, code ? " " : "",
	    code ? code : "", msg ? ": " : "", msg ? msg : "");
	json_decref(j);
}

static void
done_send(struct xfer *x, CURLcode cc, long http)
{
	struct provider_result	 res;
	json_t			*j;
	const char		*s;

	memset(&res, 0, sizeof res);
	res.http = (int)http;
	if (cc != CURLE_OK) {
		res.outcome = provider_classify(cc, 1, 0, NULL);
		snprintf(res.error, sizeof res.error, "%s", cc ==
		    CURLE_OPERATION_TIMEDOUT ? "timeout" : *x->errbuf ?
		    x->errbuf : curl_easy_strerror(cc));
	} else {
		res.outcome = provider_classify(CURLE_OK, 1, (int)http, NULL);
		if (res.outcome == PROV_CHECK_DEVICE)
			res.outcome = PROV_UNKNOWN;
		if (res.outcome == PROV_SENT) {
			j = x->resp ? json_loads(x->resp, 0, NULL) : NULL;
			if ((s = json_string_value(json_object_get(j, "id"))))
				snprintf(res.wass_id, sizeof res.wass_id, "%s",
				    s);
			if ((s = json_string_value(json_object_get(j,
			    "waId"))))
				snprintf(res.wa_id, sizeof res.wa_id, "%s", s);
			json_decref(j);
		} else
			error_text(x, http, res.error, sizeof res.error);
	}
	x->w->pv.inflight--;
	x->send_cb(x->w->pv.d, x->id, &res);
}

static void
done_health(struct xfer *x, CURLcode cc, long http)
{
	struct provider	*pv = &x->w->pv;
	json_t		*j = NULL;
	const char	*st = NULL;
	int		 was = pv->online;

	if (cc != CURLE_OK) {
		/* Unreachable API: not the device; the sends will tell. */
		snprintf(pv->health, sizeof pv->health, "health check failed: "
		    "%.100s", *x->errbuf ? x->errbuf : curl_easy_strerror(cc));
	} else if (http == 200) {
		j = x->resp ? json_loads(x->resp, 0, NULL) : NULL;
		if (json_is_array(j))
			st = json_string_value(json_object_get(json_object_get(
			    json_array_get(j, 0), "session"), "status"));
		else
			st = json_string_value(json_object_get(json_object_get(
			    j, "session"), "status"));
		pv->online = st != NULL && strcmp(st, "online") == 0;
		snprintf(pv->health, sizeof pv->health, "device session %s",
		    st ? st : "unknown");
		json_decref(j);
	} else {
		error_text(x, http, pv->health, sizeof pv->health);
		if (http == 401 || http == 403)
			pv->online = 0;
	}
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
			j = x->resp ? json_loads(x->resp, 0, NULL) : NULL;
			r = json_is_true(json_object_get(j, "exists"));
			json_decref(j);
		} else
			error_text(x, http, why, sizeof why);
	}
	x->verify_cb(x->w->pv.d, x->id, r, why);
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
		case X_HEALTH:
			done_health(x, m->data.result, http);
			break;
		case X_VERIFY:
			done_verify(x, m->data.result, http);
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
	char		*body;

	j = json_pack("{s:s,s:s,s:s}", "phone", m->phone, "message", m->body,
	    "reference", m->reference);
	if (pv->d->conf->device_id != NULL)
		json_object_set_new(j, "device",
		    json_string(pv->d->conf->device_id));
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	x = xfer_new(w, X_SEND, "/messages", body);
	free(body);
	if (x == NULL)
		return -1;
	x->id = m->id;
	x->send_cb = cb;
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

static void
health_ev(evutil_socket_t fd, short what, void *arg)
{
	struct wass	*w = arg;
	const struct config *c = w->pv.d->conf;
	struct timeval	 tv;
	char		*path;

	if (c->device_id != NULL) {
		xasprintf(&path, "/devices/%s", c->device_id);
		xfer_new(w, X_HEALTH, path, NULL);
		free(path);
	}
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
	curl_multi_cleanup(w->multi);
	event_free(w->timer);
	event_free(w->ev_health);
	free(w);
}

struct provider *
provider_wassenger_new(struct daemon *d, char *err, size_t errlen)
{
	struct wass	*w;
	struct timeval	 tv = { 0, 0 };

	w = xcalloc(1, sizeof *w);
	w->pv.name = "wassenger";
	w->pv.d = d;
	w->pv.online = -1;
	snprintf(w->pv.health, sizeof w->pv.health, "%s",
	    d->conf->device_id ? "not checked yet" :
	    "no device_id: health not checked");
	w->pv.send = wass_send;
	w->pv.verify = wass_verify;
	w->pv.reload = wass_reload;
	w->pv.free = wass_free;
	LIST_INIT(&w->xfers);
	if ((w->multi = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "curl_multi_init failed");
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
