#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Every field, the reconciliation ones included, is the same in A and B. */
static int
same(const struct wh_event *a, const struct wh_event *b)
{
	int	 i;

	for (i = 0; i < 3; i++)
		if (strcmp(a->target[i], b->target[i]) != 0)
			return 0;
	return a->kind == b->kind && a->ack_level == b->ack_level &&
	    a->inbound == b->inbound && a->outbound == b->outbound &&
	    a->group == b->group && a->timestamp == b->timestamp &&
	    strcmp(a->event, b->event) == 0 &&
	    strcmp(a->object_id, b->object_id) == 0 &&
	    strcmp(a->ack, b->ack) == 0 && strcmp(a->msg_id, b->msg_id) == 0 &&
	    strcmp(a->entity_id, b->entity_id) == 0 &&
	    strcmp(a->phone, b->phone) == 0 && strcmp(a->text, b->text) == 0 &&
	    strcmp(a->emoji, b->emoji) == 0 &&
	    strcmp(a->reason, b->reason) == 0 &&
	    strcmp(a->reference, b->reference) == 0 &&
	    strcmp(a->device, b->device) == 0 &&
	    strcmp(a->lid, b->lid) == 0;
}

/* S is valid UTF-8 (no surrogates, nothing past U+10FFFF, no overlong). */
static int
utf8_ok(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned char		 lo, hi;
	size_t			 n, i;

	if (s == NULL)
		return 0;
	while (*p != '\0') {
		lo = 0x80;
		hi = 0xbf;
		if (*p < 0x80) {
			p++;
			continue;
		} else if (*p >= 0xc2 && *p <= 0xdf)
			n = 2;
		else if (*p >= 0xe0 && *p <= 0xef) {
			n = 3;
			if (*p == 0xe0)
				lo = 0xa0;
			else if (*p == 0xed)
				hi = 0x9f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 4;
			if (*p == 0xf0)
				lo = 0x90;
			else if (*p == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (p[1] < lo || p[1] > hi)
			return 0;
		for (i = 2; i < n; i++)
			if (p[i] < 0x80 || p[i] > 0xbf)
				return 0;
		p += n;
	}
	return 1;
}

/* The event is whole: no NULL string, all of them (and RAW) UTF-8. */
static int
whole(const struct wh_event *e)
{
	if (e->event == NULL || *e->event == '\0')
		return 0;
	if (!utf8_ok(e->event) || !utf8_ok(e->object_id) ||
	    !utf8_ok(e->ack) || !utf8_ok(e->msg_id) ||
	    !utf8_ok(e->entity_id) || !utf8_ok(e->text) ||
	    !utf8_ok(e->emoji) || !utf8_ok(e->target[0]) ||
	    !utf8_ok(e->target[1]) || !utf8_ok(e->target[2]) ||
	    !utf8_ok(e->reason) || !utf8_ok(e->reference) ||
	    !utf8_ok(e->device) || !utf8_ok(e->lid) || !utf8_ok(e->raw))
		return 0;
	if (e->ack_level < WH_ACK_NONE || e->ack_level > WH_ACK_READ ||
	    e->timestamp < 0 || (e->inbound && e->outbound))
		return 0;
	if (e->phone[0] != '\0' && e->phone[0] != '+')
		return 0;
	/* An @lid is the contact's own id, kept whole. */
	if (*e->lid != '\0' && (strlen(e->lid) <= 4 ||
	    strcmp(e->lid + strlen(e->lid) - 4, "@lid") != 0))
		return 0;
	return 1;
}

/*
 * Parse a body; every event must be whole, and its raw JSON parse again to
 * the same event and the same raw JSON (replay of the journal).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wh_event	*evs, *again;
	char		 err[256];
	size_t		 n, m, i;

	err[0] = '\0';
	if (webhook_parse((const char *)data, size, &evs, &n, err,
	    sizeof err) == -1) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (n > WH_MAX_EVENTS)
		abort();
	for (i = 0; i < n; i++) {
		if (!whole(&evs[i]))
			abort();
		if (webhook_parse(evs[i].raw, strlen(evs[i].raw), &again, &m,
		    err, sizeof err) == -1 || m != 1 ||
		    !same(&again[0], &evs[i]) ||
		    strcmp(again[0].raw, evs[i].raw) != 0)
			abort();
		webhook_events_free(again, m);
	}
	webhook_events_free(evs, n);
	return 0;
}
