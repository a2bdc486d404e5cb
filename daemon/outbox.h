#ifndef OUTBOX_H
#define OUTBOX_H

#include <stdint.h>

struct daemon;

/*
 * The outbox owns the message state machine of DESIGN §6:
 *
 *   pending ──► sending ──► sent ──► delivered ──► read
 *      │           │  └──► failed
 *      │           └──► unknown ──► sent/delivered/read/failed (reconciled,
 *      │                            looked up, or settled by the operator)
 *      └──► cancelled (stop, opt-out, erasure)
 *
 * Every change of messages.state, and of the campaign counters and the
 * daily_usage columns it moves, happens here: one function per
 * transition, inside the caller's transaction, every SQL step checked.
 * Each returns the number of messages moved (0: none was in a state that
 * allows the move, nothing written) or -1 on a database error, after
 * which the caller rolls back.
 *
 * The campaign columns pending..cancelled count the messages of the
 * campaign in that state; total counts Message 1, m2_total Message 2.
 */

#define OB_NSTATES	8

enum ob_state {
	OB_PENDING = 0, OB_SENDING, OB_SENT, OB_DELIVERED, OB_READ,
	OB_FAILED, OB_UNKNOWN, OB_CANCELLED
};

/* Why a pending message was cancelled (messages.cancel_reason). */
#define OB_CANCEL_STOP		"stop"
#define OB_CANCEL_OPTOUT	"optout"
#define OB_CANCEL_ERASED	"erased"

#define OB_BATCH_CAMPAIGNS	32
#define OB_BATCH_LANES		8

/*
 * A message template with contact c's placeholders filled, as SQL: the one
 * rendering (text_render, through the SQL function wacamp_render that
 * outbox_init() adds) that launch, relaunch, Message 2, the preview and
 * test sends share. c is the contacts row: its names, number and the
 * columns an import kept (contacts.extra).
 */
#define OUTBOX_RENDER(tmpl) "wacamp_render(" tmpl ", c.first_name, " \
	"c.last_name, c.full_number, c.extra)"

/*
 * Counter deltas gathered over many transitions (a webhook batch) and
 * written once by outbox_flush() before the commit. A transition given a
 * NULL batch writes its counters at once.
 */
struct ob_batch {
	struct {
		int64_t	 campaign;
		int	 delta[OB_NSTATES];
		int	 interactions;
	}		 c[OB_BATCH_CAMPAIGNS];
	size_t		 n;
	/* Today's usage, per lane its messages went through. */
	struct {
		char	 lane[40];
		int	 delivered, read, interactions, failed;
	}		 u[OB_BATCH_LANES];
	size_t		 nu;
	int64_t		 touched[OB_BATCH_CAMPAIGNS];	/* for progress events */
	size_t		 ntouched;
	int		 touched_overflow;
	int64_t		 known[OB_BATCH_CAMPAIGNS];	/* messages given ids */
	size_t		 nknown;
};

/* A claimed message, what the provider needs to post it. */
struct ob_claim {
	int64_t		 id;
	int64_t		 campaign;
	int		 type;		/* 1 or 2 */
	int		 attempts;	/* including this one */
	char		 day[11];	/* the day its cap reservation counts on */
	char		*phone;
	char		*body;
	char		*reference;	/* wacamp-<nonce>-<id>-r<round> */
};

const char	*outbox_state_name(int);
int		 outbox_state_index(const char *);
/* Load the reference nonce (call after the store is open). */
int		 outbox_init(struct daemon *);
/* The reference of message ID in ROUND into BUF. */
void		 outbox_reference(struct daemon *, int64_t, int64_t, char *,
		    size_t);
/* Message id and round of a reference of ours (this database's nonce). */
int		 outbox_parse_reference(struct daemon *, const char *,
		    int64_t *, int64_t *);

/* Launch: a pending Message 1 for the campaign's audience; *N made. */
int	 outbox_launch(struct daemon *, int64_t, int64_t *);
/* The same, leaving out (*SUPPRESSED, also stored on the campaign) who
 * got a Message 1 of another campaign claimed at or after SINCE (0: no
 * one is left out). */
int	 outbox_launch_since(struct daemon *, int64_t, int64_t, int64_t *,
	    int64_t *);
/* Who a launch with SINCE would make a message for, and leave out;
 * writes nothing. 0 or -1. */
int	 outbox_audience(struct daemon *, int64_t, int64_t, int64_t *,
	    int64_t *);
/* Who a launch would reach and who it leaves out, and why. */
struct ob_audience {
	int64_t	 recipients;	/* distinct contacts a launch makes a message for */
	int64_t	 opted_out;
	int64_t	 no_number;	/* erased, or verified not on WhatsApp */
	int64_t	 suppressed;	/* suppress_days */
	int64_t	 duplicates;	/* memberships of a contact already counted */
};
int	 outbox_audience_why(struct daemon *, int64_t, int64_t,
	    struct ob_audience *);
/*
 * A test send: a pending Message 1 of the hidden test campaign CAMPAIGN to
 * CONTACT (PHONE, BODY rendered), in the queue like any other. The first
 * to that contact is new; a later one is the same message again in a new
 * round once the last one settled; 0 while it is still pending, sending
 * or unknown. *ID is the message.
 */
int	 outbox_test_send(struct daemon *, int64_t, int64_t, const char *,
	    const char *, int64_t *);
/* pending -> sending: attempt, reference, claim time, day reserved on
 * LANE (NULL: default), DEVICE (the lane's id). */
int	 outbox_claim(struct daemon *, int64_t, const char *, const char *,
	    const char *, struct ob_claim *);
void	 outbox_claim_free(struct ob_claim *);
/* sending|unknown -> sent with Wassenger's ids (and the device). */
int	 outbox_sent(struct daemon *, int64_t, const char *, const char *,
	    const char *, struct ob_batch *);
/* sending -> pending after NEXT_AT; SPEND keeps the attempt; day released. */
int	 outbox_requeue(struct daemon *, int64_t, const char *, int64_t, int);
/* sending|unknown|sent -> failed with ERROR; what never reached
 * WhatsApp (sending, unknown) gives its day's reservation back. */
int	 outbox_fail(struct daemon *, int64_t, const char *, struct ob_batch *);
/* sending -> unknown: maybe taken; keeps its day reservation. */
int	 outbox_unknown(struct daemon *, int64_t, const char *);
/* An ack of LEVEL (2 delivered, 3 read): forward only, from sent,
 * unknown or sending. */
int	 outbox_ack(struct daemon *, int64_t, int, struct ob_batch *);
/* The operator settles an unknown message: SENT 1 -> sent, 0 -> failed. */
int	 outbox_settle(struct daemon *, int64_t, int, const char *);
/* Cancel the campaign's pending messages (stop). */
int	 outbox_stop(struct daemon *, int64_t);
/* Cancel a contact's pending messages (opt-out, erasure). */
int	 outbox_cancel_contact(struct daemon *, int64_t, const char *,
	    struct ob_batch *);
/* failed (and unknown if asked) -> pending, for a retry; not those of
 * contacts who opted out since. */
int	 outbox_retry(struct daemon *, int64_t, int);
/* stop-cancelled -> pending for contacts still opted in (resume); the
 * stop-cancelled ones of opted-out contacts are cancelled for opt-out. */
int	 outbox_resume(struct daemon *, int64_t);
/* A new round of Message 1 (pending ones join it); unknown and sending
 * ones are left alone. */
int	 outbox_relaunch(struct daemon *, int64_t);
/* Queue Message 2 of CAMPAIGN for CONTACT once; 1 queued, 0 already. */
int	 outbox_queue_m2(struct daemon *, int64_t, int64_t, int64_t,
	    const char *, const char *, struct ob_batch *);
/* An interaction counted for CAMPAIGN (0: none) and today. */
int	 outbox_interaction(struct daemon *, int64_t, struct ob_batch *);
/* An unknown message was looked up at Wassenger: note when, and WHY. */
int	 outbox_looked_up(struct daemon *, int64_t, const char *);
/* The campaign of message ID (0: none). */
int64_t	 outbox_campaign_of(struct daemon *, int64_t);
/* After a crash: sending -> sent when ids were stored, else unknown. */
int	 outbox_recover(struct daemon *);
/* Messages claimed (cap reservations) on DAY, every lane. */
long	 outbox_sent_on(struct daemon *, const char *);
/* The same on one LANE. */
long	 outbox_sent_on_lane(struct daemon *, const char *, const char *);
/* Write a batch's counters (inside its transaction). */
int	 outbox_flush(struct daemon *, struct ob_batch *);
void	 outbox_touch(struct ob_batch *, int64_t);

#endif
