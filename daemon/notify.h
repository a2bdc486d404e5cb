#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdint.h>

#include <jansson.h>

struct daemon;

/* What builds an event's data: a campaign's progress, the monitoring stats. */
typedef json_t	*(*notify_campaign_fn)(struct daemon *, int64_t);
typedef json_t	*(*notify_monitor_fn)(struct daemon *);
/* An interaction as the reply.new event carries it (NULL: none). */
typedef json_t	*(*notify_reply_fn)(struct daemon *, int64_t);

/*
 * The one place that turns changes into events for subscribers (tmux's
 * notify.c). Modules say what changed; at most every NOTIFY_MS the
 * changes go out as campaign.progress and monitoring.stats events, built
 * by the functions the daemon registered, to the topics someone listens
 * to.
 */
void	 notify_init(struct daemon *, notify_campaign_fn, notify_monitor_fn);
void	 notify_free(struct daemon *);
/* Who builds reply.new events for the "replies" topic. */
void	 notify_set_reply(struct daemon *, notify_reply_fn);
/* Campaign ID's counters or status changed (and so may today's usage). */
void	 notify_campaign(struct daemon *, int64_t);
/* Interaction ID (a reply, a reaction, an opt-out) was stored: it goes
 * out as reply.new once committed, at the next round. */
void	 notify_reply(struct daemon *, int64_t);
/* Usage, lanes, health or the configuration changed. */
void	 notify_monitor(struct daemon *);

#endif
