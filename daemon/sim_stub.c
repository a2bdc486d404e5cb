/*
 * SIM STUB: a weak webhook_ingest so the simulator works before the webhook
 * branch is merged. It applies message:out:ack minimally (state forward
 * only, by wa_id). Delete this file at merge: daemon/webhook.c replaces it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "campaign.h"
#include "daemon.h"
#include "store.h"
#include "webhook.h"

__attribute__((weak)) int
webhook_ingest(struct daemon *d, const char *body, size_t len, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	json_t		*j;
	const char	*ev, *ack, *id;
	int64_t		 camp = 0;

	if ((j = json_loadb(body, len, 0, NULL)) == NULL) {
		snprintf(err, errlen, "not JSON");
		return -1;
	}
	ev = json_string_value(json_object_get(j, "event"));
	ack = json_string_value(json_object_get(j, "ack"));
	id = json_string_value(json_object_get(json_object_get(j, "data"),
	    "id"));
	if (ev == NULL || strcmp(ev, "message:out:ack") != 0 || ack == NULL ||
	    id == NULL || (strcmp(ack, "delivered") != 0 &&
	    strcmp(ack, "read") != 0)) {
		json_decref(j);
		return 0;
	}
	store_begin(d->store);
	st = store_stmt(d->store, "UPDATE messages SET state = ?2, "
	    "delivered_at = coalesce(delivered_at, ?3), read_at = CASE WHEN "
	    "?2 = 'read' THEN ?3 END, updated_at = ?3 WHERE wa_id = ?1 AND "
	    "(state = 'sent' OR (state = 'delivered' AND ?2 = 'read')) "
	    "RETURNING campaign_id");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, ack, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, store_now());
	if (sqlite3_step(st) == SQLITE_ROW)
		camp = sqlite3_column_int64(st, 0);
	while (sqlite3_step(st) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	if (camp != 0)
		campaign_recount(d, camp);
	store_commit(d->store);
	json_decref(j);
	return 0;
}
