#ifndef WEBHOOK_H
#define WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct daemon;

/* Journal then apply one Wassenger webhook body (object or array). 0 ok, -1 bad body (ERR says why). */
int	webhook_ingest(struct daemon *, const char *body, size_t len, char *err, size_t errlen);
int	webhook_init(struct daemon *, char *err, size_t errlen);	/* start the evhttp listener */
void	webhook_shutdown(struct daemon *);

/*
 * The sender stored wa_id/wass_id of MESSAGE_ID: apply the events that
 * arrived before (acks waiting in the journal). Joins the caller's
 * transaction if one is open.
 */
void	webhook_message_known(struct daemon *, int64_t message_id);

/* Apply the journal's waiting events received since (unix s) to messages
 * that became unknown. Joins the caller's transaction if one is open. */
void	webhook_reconcile_waiting(struct daemon *, int64_t);

/*
 * Re-apply journal rows with id > AFTER, at most LIMIT of them, in one
 * transaction. Returns how many rows were read (0: the end), -1 on error;
 * *LAST gets the last id read, *APPLIED how many are now applied.
 */
int	webhook_replay_slice(struct daemon *, int64_t after, int limit,
	    int64_t *last, int64_t *applied);

/* Listener state and counters for status screens. */
json_t	*webhook_stats(struct daemon *);

#endif
