#ifndef PROVIDER_H
#define PROVIDER_H

#include <stdint.h>

struct daemon;
struct provider;

/* How a send ended, as the pacer sees it. */
enum provider_outcome {
	PROV_SENT = 0,		/* accepted: ids stored */
	PROV_RETRY,		/* 429, 5xx, timeout, reset: try again later */
	PROV_FAILED,		/* permanent 4xx: this message only */
	PROV_UNUSABLE,		/* 401/403: the key is refused, pause all */
	PROV_PAUSE,		/* 402 and the like: pause, nothing failed */
};

struct provider_result {
	int	 outcome;
	int	 http;		/* HTTP status, 0 for a transport error */
	char	 wass_id[64];
	char	 wa_id[128];
	char	 error[256];
};

struct provider_msg {
	int64_t		 id;
	const char	*phone;
	const char	*body;
	const char	*reference;
};

/* Verification answers: 1 on WhatsApp, 0 not, -1 try later. */
typedef void	(*provider_send_cb)(struct daemon *, int64_t,
		    struct provider_result *);
typedef void	(*provider_verify_cb)(struct daemon *, int64_t, int,
		    const char *);

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
	/* Config changed (SIGHUP). */
	void		(*reload)(struct provider *);
	void		(*free)(struct provider *);
	void		*priv;
};

/* Start the configured provider on the loop: d->provider. */
int	 provider_start(struct daemon *, char *, size_t);
void	 provider_stop(struct daemon *);
void	 provider_reload(struct daemon *);

struct provider	*provider_wassenger_new(struct daemon *, char *, size_t);
struct provider	*provider_sim_new(struct daemon *);

/* Map an HTTP answer to an outcome (shared with tests). */
int	 provider_classify(int, const char *);

#endif
