#ifndef DAEMON_H
#define DAEMON_H

#include <stdint.h>
#include <time.h>

struct event_base;
struct event;
struct config;
struct store;
struct ctl;
struct provider;
struct pacer;
struct webhook;
struct importer;
struct notify;

/* Everything the daemon owns, passed explicitly to every module. */
struct daemon {
	struct event_base	*base;
	struct config		*conf;
	char			*conf_path;
	struct store		*store;
	struct ctl		*ctl;
	struct provider		*provider;
	struct pacer		*pacer;
	struct webhook		*webhook;
	struct importer		*importer;
	struct notify		*notify;
	struct event		*ev_sig[4];
	struct event		*ev_checkpoint;
	int			 ckpt_next;	/* WAL pages for the next copy */
	/* Set by the pacer: something new may be sent (a Message 2). */
	void			(*wake_sender)(struct daemon *);
	time_t			 started;
	int			 foreground;
};

/* Re-read the config file; pacing and limits change, campaigns go on. */
void	daemon_reload(struct daemon *);

#endif
