#ifndef PROVIDER_H
#define PROVIDER_H

#include <stdint.h>

#include <jansson.h>

struct daemon;
struct provider;

/*
 * How a send ended (DESIGN §6, the fault table). Only outcomes that prove
 * Wassenger did not take the message may lead to another post.
 */
enum provider_outcome {
	PROV_SENT = 0,		/* 201: taken, ids in the result */
	PROV_NOT_TAKEN,		/* connect/resolve/TLS failure, or a timeout
				   before the request went out: retry after a
				   backoff, an attempt spent */
	PROV_RATE_LIMITED,	/* 429 or 503: not taken; back to pending
				   without spending an attempt, every lane on
				   the key waits retry_after_ms (or the
				   backoff when 0) */
	PROV_REFUSED,		/* 400/404/422 with a phone:... errorCode:
				   the recipient is bad, failed */
	PROV_CONFIG,		/* 401/403/402, or a 404 whose device check
				   says the device is gone: lane paused, back
				   to pending without spending an attempt */
	PROV_UNKNOWN,		/* anything else (timeout after the request
				   was sent, reset, HTTP 0, 500/502/504, an
				   unknown 4xx): maybe taken, never re-posted */
};

struct provider_result {
	int	 outcome;
	int	 http;		/* HTTP status, 0 for a transport error */
	int64_t	 retry_after_ms; /* PROV_RATE_LIMITED: Retry-After, 0 absent */
	int	 ack;		/* lookups: 0 none/queued, 1 sent,
				   2 delivered, 3 read (WH_ACK_* levels),
				   -1 failed at Wassenger */
	char	 wass_id[64];
	char	 wa_id[128];
	char	 device[64];	/* the device the answer names, "" if none */
	char	 error[256];
};

struct provider_msg {
	int64_t		 id;
	const char	*phone;
	const char	*body;
	const char	*reference;
	const char	*device;	/* the lane's device id, NULL: default */
};

/* Verification answers: 1 on WhatsApp, 0 not, -1 try later. */
typedef void	(*provider_send_cb)(struct daemon *, int64_t,
		    struct provider_result *);
typedef void	(*provider_verify_cb)(struct daemon *, int64_t, int,
		    const char *);
/*
 * A lookup by reference (API.md §10): FOUND is 1 with the message's ids
 * and delivery state in RES, 0 when the listing was read back past SINCE
 * without it, -1 when it could not tell (RES->error says why: the listing
 * is not served, the API is down...).
 */
typedef void	(*provider_lookup_cb)(struct daemon *, int64_t, int,
		    struct provider_result *);
/* The device's health changed (online, offline, refused). */
typedef void	(*provider_health_cb)(struct daemon *);
/* An event body as a webhook would bring it (the simulator's): 0, or -1
 * with ERR saying why it was refused. */
typedef int	(*provider_event_cb)(struct daemon *, const char *, size_t,
		    char *, size_t);
/*
 * A webhook command ended (webhook.status, webhook.register): DATA (the
 * callee owns it) or, when NULL, CODE (a protocol error code) and ERR.
 * ARG is the caller's.
 */
typedef void	(*provider_webhook_cb)(struct daemon *, void *, json_t *,
		    const char *, const char *);

struct provider {
	const char	*name;		/* "wassenger" or "simulator" */
	struct daemon	*d;
	int		 online;	/* device session: 1 online, 0 not, -1 unknown */
	char		 health[160];	/* the last health check, for status */
	int64_t		 health_at;
	int		 inflight;
	/* Post one message; CB runs later on the loop, exactly once. */
	int		(*send)(struct provider *, const struct provider_msg *,
			    provider_send_cb);
	/* Ask whether PHONE is on WhatsApp; CB runs later, exactly once. */
	int		(*verify)(struct provider *, int64_t, const char *,
			    provider_verify_cb);
	/*
	 * Find the message whose reference is REF among the device's recent
	 * messages, newest first, reading no further back than SINCE (unix
	 * seconds); CB runs later on the loop, exactly once. NULL when the
	 * provider cannot look messages up.
	 */
	int		(*lookup)(struct provider *, int64_t, const char *,
			    int64_t, provider_lookup_cb);
	/*
	 * Webhook and plan health (DESIGN §7) from the last health check:
	 * {"state","status","missing_events"} and {"code","acks","replies",
	 * "reactions"}; the provider owns both. NULL: the provider has no
	 * Wassenger webhook (the simulator).
	 */
	json_t		*wh_health;
	json_t		*wh_plan;
	/*
	 * The [device NAME] lanes' devices from the last health check:
	 * {"<id>":{"online":bool,"health":"..."}}; NULL: not checked (the
	 * simulator, or no check yet). The provider owns it.
	 */
	json_t		*devices;
	/*
	 * Read every page of the account's webhooks and, when BASE is not
	 * NULL, register ours at BASE (update and re-enable it if it is
	 * there, else create it). CB runs later on the loop, exactly once,
	 * even when the provider stops first. NULL: no webhooks here.
	 */
	int		(*webhook)(struct provider *, const char *,
			    provider_webhook_cb, void *);
	/* Set by the daemon: called when online changes. */
	provider_health_cb on_health;
	/* Set by the daemon: where the simulator's events go. */
	provider_event_cb on_event;
	/* Config changed (SIGHUP). */
	void		(*reload)(struct provider *);
	void		(*free)(struct provider *);
	void		*priv;
};

struct provider	*provider_wassenger_new(struct daemon *, char *, size_t);
struct provider	*provider_sim_new(struct daemon *);

/*
 * Map a finished POST /messages to an outcome: CURLCODE (a CURLcode),
 * whether any byte of the request went out (CURLINFO_PRETRANSFER_TIME_T >
 * 0), the HTTP status and the body's errorCode (NULL if none). A 404
 * without a phone: errorCode gives PROV_CHECK_DEVICE: the caller asks
 * GET /devices/{id} and calls provider_classify_device().
 */
#define PROV_CHECK_DEVICE	100
int	 provider_classify(int, int, int, const char *);
/* After a 404: the device check's HTTP status (0: transport error). */
int	 provider_classify_device(int);

#endif
