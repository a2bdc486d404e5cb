#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_KEYWORDS	32
#define CONFIG_MAX_STEPS	16	/* warmup_steps */
#define CONFIG_MAX_DEVICES	64	/* [device NAME] sections */
#define CONFIG_DEFAULT_LANE	"default"

/*
 * One lane's pacing (DESIGN §6): the [pacing] keys a [device NAME]
 * section may override.
 */
struct pacing {
	uint64_t	 interval_ms;
	uint64_t	 jitter_ms;
	int		 batch_size;
	uint64_t	 batch_pause_ms;
	int		 daily_limit;
	int		 window_start;	/* minutes after midnight, -1: none */
	int		 window_end;
	int		 days;		/* bit 0 Sunday .. bit 6 Saturday */
	int		 breaker_failures;
	/* Warm-up: a new number's cap grows with its age. */
	long		 warmup_start;	/* days since 1970-01-01, -1: none */
	int		 warmup_steps[CONFIG_MAX_STEPS];
	int		 nwarmup;
	/* The governor: opt-outs over the last governor_window Message 1s. */
	int		 governor_window;	/* 0: off */
	double		 optout_slow;	/* percent: the gap grows above it */
	double		 optout_pause;	/* percent: the lane pauses above it */
	double		 slow_factor;	/* the gap's multiplier when slowed */
};

/* A [device NAME] section: one more lane. */
struct device {
	char		*name;
	char		*device_id;
	struct pacing	 pacing;
	uint64_t	 set;		/* bit per key (config.c's table) given here */
	unsigned	 line;		/* of its section header */
};

struct config {
	char		*path;

	/* [daemon] */
	char		*socket;
	char		*pidfile;
	int		 log_level;
	int		 max_clients;
	char		*socket_group;

	/* [store] */
	char		*store_path;
	int		 sync_full;

	/* [wassenger] */
	char		*provider;	/* "wassenger" or "simulator" */
	char		*api_url;
	char		*api_key;	/* secret: never logged */
	char		*api_key_file;
	char		*device_id;
	uint64_t	 timeout_ms;
	uint64_t	 health_interval_ms;

	/* [webhook] */
	char		*listen;
	char		*wh_path;
	char		*token;		/* secret */
	int		 wh_max_conns;

	/* [pacing]: the default lane's, and what [device] sections start from */
	struct pacing	 pacing;
	char		*timezone;
	int		 suppress_days;

	/* [device NAME] sections, in file order */
	struct device	*devices;
	size_t		 ndevices;

	/* [retry] */
	int		 max_attempts;
	uint64_t	 backoff_ms;
	uint64_t	 lookup_after_ms; /* unknown this long: look it up */
	uint64_t	 wh_keep_ms;	/* applied journal events kept this long */

	/* [verify] */
	uint64_t	 verify_interval_ms;
	uint64_t	 verify_ttl_ms;

	/* [auth] */
	uint64_t	 access_ttl_ms;
	uint64_t	 refresh_ttl_ms;
	int		 max_failures;
	uint64_t	 login_timeout_ms;

	/* [optout] */
	char		*keywords[CONFIG_MAX_KEYWORDS];
	size_t		 nkeywords;

	/* [import] */
	char		*default_country;

	/* [simulator] */
	int		 sim_fail_percent;	/* sends the simulator fails */
};

/* Defaults for everything; paths from paths.c. */
struct config	*config_default(void);
/*
 * Read FILE over the defaults. Errors name file, line and key, in ERR.
 * Secrets may come from the environment: WASSENGER_API_KEY, WACAMP_WEBHOOK_TOKEN.
 */
int		 config_load(const char *, struct config **, char *, size_t);
void		 config_free(struct config *);
/* Resolve the provider: "simulator" unless an API key is present. */
const char	*config_provider(const struct config *);
/* The device NAME (NULL: not configured). */
const struct device *config_device(const struct config *, const char *);

#endif
