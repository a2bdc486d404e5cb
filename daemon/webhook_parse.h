#ifndef WEBHOOK_PARSE_H
#define WEBHOOK_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "phone.h"

enum wh_kind {
	WH_OTHER = 0,		/* journaled and ignored */
	WH_ACK,			/* message:out:ack */
	WH_FAILED,		/* message:out:failed */
	WH_IN_NEW,		/* message:in:new */
	WH_REACTION,		/* message:reaction */
	WH_OUT_NEW,		/* message:out:new */
	WH_OUT_SENT,		/* message:out:sent */
	WH_UPDATE,		/* message:update */
};

/* Ack levels: statuses only move forward. */
enum { WH_ACK_NONE = 0, WH_ACK_SENT = 1, WH_ACK_DELIVERED = 2,
    WH_ACK_READ = 3 };

#define WH_MAX_EVENTS	100	/* events in one body (Wassenger sends <= 25) */

/*
 * One event of a webhook body, normalised. No string is NULL ("" when
 * absent); they point into BUF (or are static ""), and the event owns BUF
 * and RAW: webhook_events_free() releases them. Strings are valid UTF-8:
 * a \u0000 escape is dropped, anything else unreadable (a lone surrogate,
 * a byte that is not UTF-8) becomes U+FFFD, and the event is kept.
 */
struct wh_event {
	enum wh_kind	 kind;
	char		*event;		/* event name as received */
	char		*object_id;	/* dedup id: id, data.id or entityId */
	char		*ack;		/* dedup ack: "" unless an ack */
	int		 ack_level;	/* WH_ACK_* */
	char		*msg_id;	/* data.id (waId, or 24-hex for legacy) */
	char		*entity_id;	/* legacy entityId (24-hex) */
	char		 phone[PHONE_MAX]; /* the contact's number, E.164 or "";
					   never ours, never from an @lid */
	char		*text;		/* data.body, else legacy data.message */
	char		*emoji;		/* reaction */
	char		*target[3];	/* quoted wid, id, reference / reacted id */
	char		*reason;	/* failureReason */
	char		*reference;	/* data.reference (ours: wacamp-…) */
	char		*device;	/* device.id, else data.device(.id) */
	char		*lid;		/* the contact's "…@lid" chat id, or "" */
	int64_t		 timestamp;	/* unix seconds of the message, 0 if none */
	int		 inbound;	/* flow is inbound (or not outbound) */
	int		 outbound;	/* ours: an outbound kind or flow */
	int		 group;		/* a group, channel or broadcast chat */
	char		*raw;		/* this event as JSON, for the journal */
	char		*buf;		/* the decoded strings above */
};

/*
 * Turn a webhook body (a JSON object or an array of objects) into events.
 * On success returns 0 and an allocated array in *EVS (*NEV may be 0 for an
 * empty array). On a bad body returns -1 with ERR saying what is wrong.
 */
int	 webhook_parse(const char *, size_t, struct wh_event **, size_t *,
	    char *, size_t);
void	 webhook_events_free(struct wh_event *, size_t);
enum wh_kind	 webhook_kind(const char *);

#endif
