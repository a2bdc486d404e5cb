#include <sys/queue.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "provider.h"
#include "xmalloc.h"

#define SIM_DEVICE	"5f0c0000000000000000c0de"
#define SIM_PHONE	"+10000000000"

/* One thing the simulator will do later: answer a send or post an event. */
struct simev {
	LIST_ENTRY(simev)	 entry;
	struct sim		*s;
	struct event		*ev;
	int64_t			 id;
	provider_send_cb	 send_cb;
	provider_verify_cb	 verify_cb;
	provider_lookup_cb	 lookup_cb;
	struct provider_result	 res;
	char			*body;		/* webhook body to ingest */
	int			 exists;
};

/* The built-in simulator: never on the network, says so everywhere. */
struct sim {
	struct provider		 pv;
	LIST_HEAD(, simev)	 evs;
	int			 fail_acc;	/* fail_percent spread evenly */
	unsigned		 nfailed;
};

static uint32_t
between(uint32_t lo, uint32_t hi)
{
	return lo + arc4random_uniform(hi - lo + 1);
}

static void
hex(char *buf, size_t n)
{
	static const char	 digits[] = "0123456789ABCDEF";
	size_t			 i;

	for (i = 0; i < n; i++)
		buf[i] = digits[arc4random_uniform(16)];
	buf[n] = '\0';
}

static void
simev_free(struct simev *e)
{
	LIST_REMOVE(e, entry);
	event_free(e->ev);
	free(e->body);
	free(e);
}

static void
simev_fire(evutil_socket_t fd, short what, void *arg)
{
	struct simev	*e = arg;
	struct daemon	*d = e->s->pv.d;
	char		 err[256];

	if (e->send_cb != NULL) {
		e->s->pv.inflight--;
		e->send_cb(d, e->id, &e->res);
	} else if (e->verify_cb != NULL)
		e->verify_cb(d, e->id, e->exists, "");
	else if (e->lookup_cb != NULL)
		e->lookup_cb(d, e->id, -1, &e->res);
	else if (e->body != NULL && e->s->pv.on_event != NULL &&
	    e->s->pv.on_event(d, e->body, strlen(e->body), err,
	    sizeof err) == -1)
		log_warnx("simulator: event refused: %s", err);
	simev_free(e);
}

static struct simev *
simev_at(struct sim *s, uint32_t ms)
{
	struct simev	*e;
	struct timeval	 tv;

	e = xcalloc(1, sizeof *e);
	e->s = s;
	e->ev = evtimer_new(s->pv.d->base, simev_fire, e);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(e->ev, &tv);
	LIST_INSERT_HEAD(&s->evs, e, entry);
	return e;
}

/* The "<digits>@c.us" WhatsApp id of a +E164 number. */
static void
wid(const char *phone, char *buf, size_t len)
{
	snprintf(buf, len, "%s@c.us", phone[0] == '+' ? phone + 1 : phone);
}

/* A webhook body shaped like ../shared/wassenger/fixtures. */
static char *
sim_event(const char *event, const char *ack, const char *id,
    const char *phone, const char *body, json_t *extra)
{
	json_t	*j, *data;
	char	 w[64], *s;
	int64_t	 now = (int64_t)clock_now();
	int	 in = strcmp(event, "message:out:ack") != 0;

	wid(phone, w, sizeof w);
	data = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s}",
	    "id", id, "type", strcmp(event, "message:reaction") == 0 ?
	    "reaction" : "text", "flow", in ? "inbound" : "outbound",
	    "status", "active",
	    "from", in ? w : "10000000000@c.us",
	    "fromNumber", in ? phone : SIM_PHONE,
	    "to", in ? "10000000000@c.us" : w,
	    "timestamp", (json_int_t)now, "body", body);
	json_object_set_new(data, "toNumber", json_string(in ? SIM_PHONE :
	    phone));
	if (ack != NULL)
		json_object_set_new(data, "ack", json_string(ack));
	json_object_set_new(data, "chat", json_pack("{s:s,s:s,s:{s:s,s:s}}",
	    "id", w, "type", "chat", "contact", "wid", w, "phone", phone));
	if (extra != NULL)
		json_object_update(data, extra);
	j = json_pack("{s:s,s:s,s:s,s:I,s:{s:s,s:s,s:s,s:s},s:o}",
	    "id", id, "object", "message", "event", event,
	    "created", (json_int_t)now,
	    "device", "id", SIM_DEVICE, "phone", SIM_PHONE, "alias",
	    "simulator", "plan", "simulator", "data", data);
	if (ack != NULL)
		json_object_set_new(j, "ack", json_string(ack));
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	json_decref(extra);
	return s;
}

/*
 * [simulator] fail_percent: that share of sends fails, spread evenly (the
 * first after half a period, so a demo shows one early), alternately as
 * Wassenger's two everyday refusals: 503 (not taken; the pacer waits and
 * posts it again) and 400 phone:invalid (the message fails). Both settle
 * without the operator. 1 when this send fails, RES saying how.
 */
static int
sim_fails(struct sim *s, struct provider_result *res)
{
	int	 pct = s->pv.d->conf->sim_fail_percent;

	if (pct <= 0)
		return 0;
	if ((s->fail_acc += pct) < 100)
		return 0;
	s->fail_acc -= 100;
	if (s->nfailed++ % 2 == 0) {
		res->outcome = PROV_RATE_LIMITED;
		res->http = 503;
		snprintf(res->error, sizeof res->error, "HTTP 503 on send "
		    "(simulator: fail_percent)");
	} else {
		res->outcome = PROV_REFUSED;
		res->http = 400;
		snprintf(res->error, sizeof res->error, "HTTP 400 on send "
		    "(phone:invalid: simulator: fail_percent)");
	}
	return 1;
}

static int
sim_send(struct provider *pv, const struct provider_msg *m,
    provider_send_cb cb)
{
	struct sim	*s = (struct sim *)pv;
	struct simev	*e;
	char		 wa[24], rid[40];
	uint32_t	 t, dl, rd;
	static const char *const replies[] = { "Merci !", "YES", "Ok, thanks",
	    "Who is this?", "Super, à bientôt" };
	static const char *const emoji[] = { "\xf0\x9f\x91\x8d",
	    "\xe2\x9d\xa4\xef\xb8\x8f", "\xf0\x9f\x98\x82" };

	t = between(150, 900);
	e = simev_at(s, t);
	e->id = m->id;
	e->send_cb = cb;
	pv->inflight++;
	if (sim_fails(s, &e->res))
		return 0;
	e->res.outcome = PROV_SENT;
	e->res.http = 201;
	snprintf(e->res.device, sizeof e->res.device, "%s", m->device != NULL ?
	    m->device : SIM_DEVICE);
	hex(e->res.wass_id, 24);
	for (size_t i = 0; i < 24; i++)
		e->res.wass_id[i] = (char)tolower((unsigned char)
		    e->res.wass_id[i]);
	memcpy(wa, "3EB0", 4);
	hex(wa + 4, 16);
	snprintf(e->res.wa_id, sizeof e->res.wa_id, "%s", wa);

	/* What the recipient's phone does, later. */
	dl = t + between(1500, 6000);
	e = simev_at(s, dl);
	e->body = sim_event("message:out:ack", "delivered", wa, m->phone,
	    m->body, json_pack("{s:s}", "reference", m->reference));
	if (arc4random_uniform(100) < 85) {
		rd = dl + between(2000, 20000);
		e = simev_at(s, rd);
		e->body = sim_event("message:out:ack", "read", wa, m->phone,
		    m->body, json_pack("{s:s}", "reference", m->reference));
		if (arc4random_uniform(100) < 20) {
			hex(rid, 32);
			e = simev_at(s, rd + between(3000, 30000));
			e->body = sim_event("message:in:new", NULL, rid,
			    m->phone, replies[arc4random_uniform(5)],
			    json_pack("{s:{s:s,s:s}}", "quoted", "wid", wa,
			    "reference", m->reference));
		} else if (arc4random_uniform(100) < 12) {
			hex(rid, 32);
			e = simev_at(s, rd + between(2000, 20000));
			const char *em = emoji[arc4random_uniform(3)];
			e->body = sim_event("message:reaction", NULL, rid,
			    m->phone, em, json_pack("{s:s,s:s}", "reaction",
			    em, "reactionMessage", wa));
		}
	}
	return 0;
}

static int
sim_verify(struct provider *pv, int64_t id, const char *phone,
    provider_verify_cb cb)
{
	struct simev	*e;

	e = simev_at((struct sim *)pv, between(100, 400));
	e->id = id;
	e->verify_cb = cb;
	/* Every number is on WhatsApp but those ending in 0000. */
	e->exists = strlen(phone) < 4 ||
	    strcmp(phone + strlen(phone) - 4, "0000") != 0;
	return 0;
}

/* The simulator keeps no listing: a lookup can never tell. */
static int
sim_lookup(struct provider *pv, int64_t id, const char *ref, int64_t since,
    provider_lookup_cb cb)
{
	struct simev	*e;

	e = simev_at((struct sim *)pv, between(50, 200));
	e->id = id;
	e->lookup_cb = cb;
	snprintf(e->res.error, sizeof e->res.error, "simulator: no message "
	    "listing to look up");
	return 0;
}

static void
sim_free(struct provider *pv)
{
	struct sim	*s = (struct sim *)pv;

	while (!LIST_EMPTY(&s->evs))
		simev_free(LIST_FIRST(&s->evs));
	free(s);
}

struct provider *
provider_sim_new(struct daemon *d)
{
	struct sim	*s;

	s = xcalloc(1, sizeof *s);
	s->pv.name = "simulator";
	s->pv.d = d;
	s->pv.online = 1;
	snprintf(s->pv.health, sizeof s->pv.health, "simulator: no network, "
	    "events are made up");
	s->pv.send = sim_send;
	s->pv.verify = sim_verify;
	s->pv.lookup = sim_lookup;
	s->pv.free = sim_free;
	s->fail_acc = 50;
	LIST_INIT(&s->evs);
	return &s->pv;
}
