#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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
		    strcmp(again[0].object_id, evs[i].object_id) != 0 ||
		    strcmp(again[0].ack, evs[i].ack) != 0 ||
		    again[0].kind != evs[i].kind)
			abort();
		webhook_events_free(again, m);
	}
	webhook_events_free(evs, n);
	return 0;
}
