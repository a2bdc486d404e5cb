#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
same(const struct wh_event *a, const struct wh_event *b)
{
	int	 i;

	for (i = 0; i < 3; i++)
		if (strcmp(a->target[i], b->target[i]) != 0)
			return 0;
	return a->kind == b->kind && a->ack_level == b->ack_level &&
	    a->inbound == b->inbound && a->group == b->group &&
	    strcmp(a->event, b->event) == 0 &&
	    strcmp(a->object_id, b->object_id) == 0 &&
	    strcmp(a->ack, b->ack) == 0 && strcmp(a->msg_id, b->msg_id) == 0 &&
	    strcmp(a->entity_id, b->entity_id) == 0 &&
	    strcmp(a->phone, b->phone) == 0 && strcmp(a->text, b->text) == 0 &&
	    strcmp(a->emoji, b->emoji) == 0 &&
	    strcmp(a->reason, b->reason) == 0;
}

/* Parse a body; every event must be whole, and its raw JSON parse again. */
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
		if (evs[i].event == NULL || *evs[i].event == '\0' ||
		    evs[i].object_id == NULL || evs[i].ack == NULL ||
		    evs[i].raw == NULL || evs[i].text == NULL ||
		    evs[i].emoji == NULL || evs[i].target[2] == NULL ||
		    evs[i].ack_level < WH_ACK_NONE ||
		    evs[i].ack_level > WH_ACK_READ ||
		    (evs[i].phone[0] != '\0' && evs[i].phone[0] != '+'))
			abort();
		/* The journal's copy gives back the same event (replay). */
		if (webhook_parse(evs[i].raw, strlen(evs[i].raw), &again, &m,
		    err, sizeof err) == -1 || m != 1 ||
		    !same(&again[0], &evs[i]))
			abort();
		webhook_events_free(again, m);
	}
	webhook_events_free(evs, n);
	return 0;
}
