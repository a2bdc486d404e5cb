#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "phone.h"
#include "webhook_parse.h"
#include "xmalloc.h"

static const struct {
	const char	*name;
	enum wh_kind	 kind;
} wh_kinds[] = {
	{ "message:out:ack", WH_ACK },
	{ "message:out:failed", WH_FAILED },
	{ "message:in:new", WH_IN_NEW },
	{ "message:reaction", WH_REACTION },
	{ "message:out:new", WH_OUT_NEW },
	{ "message:out:sent", WH_OUT_SENT },
	{ "message:update", WH_UPDATE },
};

enum wh_kind
webhook_kind(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof wh_kinds / sizeof wh_kinds[0]; i++)
		if (strcmp(wh_kinds[i].name, name) == 0)
			return wh_kinds[i].kind;
	return WH_OTHER;
}

/* The string at PATH ("a.b.c") under OBJ, or NULL. */
static const char *
jstr(json_t *obj, const char *path)
{
	char		 key[64];
	const char	*dot;
	size_t		 n;

	while (obj != NULL && (dot = strchr(path, '.')) != NULL) {
		n = (size_t)(dot - path);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		obj = json_object_get(obj, key);
		path = dot + 1;
	}
	if (obj == NULL)
		return NULL;
	return json_string_value(json_object_get(obj, path));
}

static char *
dup_or_empty(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

static int
ack_level(const char *ack)
{
	if (strcmp(ack, "sent") == 0)
		return WH_ACK_SENT;
	if (strcmp(ack, "delivered") == 0)
		return WH_ACK_DELIVERED;
	if (strcmp(ack, "read") == 0 || strcmp(ack, "readed") == 0 ||
	    strcmp(ack, "played") == 0)
		return WH_ACK_READ;
	return WH_ACK_NONE;
}

/* The contact's number: fromNumber, else chat.contact.phone, else "N@c.us". */
static void
contact_phone(json_t *data, int legacy, char out[PHONE_MAX])
{
	const char	*cand[3], *reason, *at;
	char		 buf[64];
	size_t		 i, n;

	out[0] = '\0';
	cand[0] = jstr(data, legacy ? "phone" : "fromNumber");
	cand[1] = jstr(data, "chat.contact.phone");
	cand[2] = NULL;
	for (i = 0; i < 2; i++)
		if (cand[i] != NULL && phone_normalize(cand[i], NULL, out,
		    &reason) == 0)
			return;
	if ((cand[2] = jstr(data, "from")) != NULL &&
	    (at = strchr(cand[2], '@')) != NULL &&
	    strcmp(at, "@c.us") == 0 && (n = (size_t)(at - cand[2])) > 0 &&
	    n + 2 < sizeof buf) {
		buf[0] = '+';
		memcpy(buf + 1, cand[2], n);
		buf[n + 1] = '\0';
		if (phone_normalize(buf, NULL, out, &reason) == 0)
			return;
	}
	out[0] = '\0';
}

/* A group, channel or broadcast message: not a contact's reply. */
static int
is_group(json_t *data)
{
	const char	*from = jstr(data, "from"), *ct = jstr(data, "chat.type");

	if (json_is_true(json_object_get(json_object_get(data, "meta"),
	    "isGroup")))
		return 1;
	if (ct != NULL && strcmp(ct, "chat") != 0)
		return 1;
	return from != NULL && strchr(from, '@') != NULL &&
	    strcmp(strchr(from, '@'), "@c.us") != 0 &&
	    strcmp(strchr(from, '@'), "@s.whatsapp.net") != 0;
}

/* 64-bit FNV-1a, to give an id-less event a stable dedup key. */
static uint64_t
fnv1a(const char *s)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Fill EV from the event object O; RAW (allocated) becomes ev->raw. */
static int
parse_one(json_t *o, char *raw, struct wh_event *ev, char *err, size_t errlen)
{
	json_t		*data, *rm;
	const char	*name, *id, *ack, *flow, *s;
	int		 legacy;
	size_t		 n = 0;

	memset(ev, 0, sizeof *ev);
	ev->raw = raw;
	if ((name = json_string_value(json_object_get(o, "event"))) == NULL ||
	    *name == '\0') {
		snprintf(err, errlen, "no \"event\" string");
		return -1;
	}
	data = json_object_get(o, "data");
	if (!json_is_object(data))
		data = NULL;
	ev->kind = webhook_kind(name);
	ev->event = xstrdup(name);
	/* Legacy (Gateway) events say entity/entityId, not object/id. */
	legacy = json_object_get(o, "entity") != NULL ||
	    json_object_get(o, "entityId") != NULL;
	ev->entity_id = dup_or_empty(jstr(o, "entityId"));
	ev->msg_id = dup_or_empty(jstr(data, "id"));
	if ((id = jstr(o, legacy ? "entityId" : "id")) == NULL || *id == '\0')
		id = *ev->msg_id != '\0' ? ev->msg_id : NULL;
	if (id != NULL)
		ev->object_id = xstrdup(id);
	else
		xasprintf(&ev->object_id, "h:%016llx",
		    (unsigned long long)fnv1a(raw));
	ack = NULL;
	if (ev->kind == WH_ACK && (ack = jstr(o, "ack")) == NULL)
		ack = jstr(data, "ack");
	ev->ack = dup_or_empty(ack);
	ev->ack_level = ack != NULL ? ack_level(ack) : WH_ACK_NONE;
	contact_phone(data, legacy, ev->phone);
	ev->text = dup_or_empty(jstr(data, "body"));
	if ((s = jstr(data, "reaction")) == NULL && ev->kind == WH_REACTION)
		s = jstr(data, "body");
	ev->emoji = dup_or_empty(s);
	if (ev->kind == WH_REACTION) {
		rm = json_object_get(data, "reactionMessage");
		if (json_is_string(rm))
			ev->target[n++] = xstrdup(json_string_value(rm));
		else if ((s = jstr(rm, "id")) != NULL ||
		    (s = jstr(rm, "wid")) != NULL)
			ev->target[n++] = xstrdup(s);
	}
	if ((s = jstr(data, "quoted.wid")) != NULL && n < 3)
		ev->target[n++] = xstrdup(s);
	if ((s = jstr(data, "quoted.id")) != NULL && n < 3)
		ev->target[n++] = xstrdup(s);
	if ((s = jstr(data, "quoted.reference")) != NULL && n < 3)
		ev->target[n++] = xstrdup(s);
	while (n < 3)
		ev->target[n++] = xstrdup("");
	ev->reason = dup_or_empty(jstr(data, "failureReason"));
	flow = jstr(data, "flow");
	ev->inbound = flow != NULL ? strcmp(flow, "inbound") == 0 :
	    !json_is_true(json_object_get(data, "fromMe"));
	ev->group = data != NULL && is_group(data);
	return 0;
}

static void
event_clear(struct wh_event *ev)
{
	size_t	 i;

	free(ev->event);
	free(ev->object_id);
	free(ev->ack);
	free(ev->msg_id);
	free(ev->entity_id);
	free(ev->text);
	free(ev->emoji);
	for (i = 0; i < 3; i++)
		free(ev->target[i]);
	free(ev->reason);
	free(ev->raw);
}

void
webhook_events_free(struct wh_event *evs, size_t n)
{
	size_t	 i;

	if (evs == NULL)
		return;
	for (i = 0; i < n; i++)
		event_clear(&evs[i]);
	free(evs);
}

int
webhook_parse(const char *body, size_t len, struct wh_event **out,
    size_t *nout, char *err, size_t errlen)
{
	json_error_t	 jerr;
	json_t		*root, *o;
	struct wh_event	*evs = NULL;
	char		*raw, why[160];
	size_t		 i, n = 0, cnt;

	*out = NULL;
	*nout = 0;
	/* The journal keeps bodies as text: a NUL byte would cut them. */
	if (memchr(body, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte at offset %zu",
		    (size_t)((const char *)memchr(body, '\0', len) - body));
		return -1;
	}
	if ((root = json_loadb(body, len, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "invalid JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (json_is_object(root)) {
		evs = xcalloc(1, sizeof *evs);
		/* A single event: the journal keeps the body as received. */
		if (parse_one(root, xstrndup(body, len), &evs[0], why,
		    sizeof why) == -1) {
			snprintf(err, errlen, "%s", why);
			goto fail;
		}
		n = 1;
	} else if (json_is_array(root)) {
		cnt = json_array_size(root);
		if (cnt > WH_MAX_EVENTS) {
			snprintf(err, errlen, "%zu events in one body (at most "
			    "%d)", cnt, WH_MAX_EVENTS);
			goto fail;
		}
		evs = xcalloc(cnt > 0 ? cnt : 1, sizeof *evs);
		for (i = 0; i < cnt; i++) {
			o = json_array_get(root, i);
			if (!json_is_object(o)) {
				snprintf(err, errlen, "event %zu is not an "
				    "object", i);
				goto fail;
			}
			if ((raw = json_dumps(o, JSON_COMPACT)) == NULL)
				raw = xstrdup("{}");
			if (parse_one(o, raw, &evs[n], why, sizeof why) == -1) {
				event_clear(&evs[n]);
				snprintf(err, errlen, "event %zu: %s", i, why);
				goto fail;
			}
			n++;
		}
	} else {
		snprintf(err, errlen, "body is neither an object nor an array");
		goto fail;
	}
	json_decref(root);
	*out = evs;
	*nout = n;
	return 0;
fail:
	if (n == 0 && evs != NULL && json_is_object(root))
		event_clear(&evs[0]);
	webhook_events_free(evs, n);
	json_decref(root);
	return -1;
}
