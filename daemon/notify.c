#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "ctl.h"
#include "daemon.h"
#include "notify.h"
#include "xmalloc.h"

#define NOTIFY_MS	250
#define NOTIFY_MAX	64	/* campaigns remembered between two rounds */

struct notify {
	struct daemon		*d;
	struct event		*ev;
	notify_campaign_fn	 campaign;
	notify_monitor_fn	 monitor;
	notify_reply_fn		 reply;
	int64_t			 replies[NOTIFY_MAX];
	int			 nreplies;
	int			 replies_overflow;
	int64_t			 dirty[NOTIFY_MAX];
	int			 ndirty;
	int			 overflow;	/* more changed than remembered */
	int			 monitor_dirty;
};

static void
notify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct notify	*n = arg;
	struct daemon	*d = n->d;
	char		 topic[48];
	json_t		*j;
	int		 i;

	for (i = 0; i < n->ndirty; i++) {
		snprintf(topic, sizeof topic, "campaign:%lld",
		    (long long)n->dirty[i]);
		if (ctl_listening(d, topic) &&
		    (j = n->campaign(d, n->dirty[i])) != NULL)
			ctl_event(d, topic, "campaign.progress", j);
	}
	n->ndirty = 0;
	n->overflow = 0;
	if (n->monitor_dirty && ctl_listening(d, "monitoring"))
		ctl_event(d, "monitoring", "monitoring.stats", n->monitor(d));
	n->monitor_dirty = 0;
	/* Rows of a rolled-back batch are gone: the builder finds none. */
	for (i = 0; i < n->nreplies; i++)
		if (n->reply != NULL && ctl_listening(d, "replies") &&
		    (j = n->reply(d, n->replies[i])) != NULL)
			ctl_event(d, "replies", "reply.new", j);
	if (n->replies_overflow && ctl_listening(d, "replies"))
		ctl_event(d, "replies", "replies.resync", json_object());
	n->nreplies = 0;
	n->replies_overflow = 0;
}

static void
schedule(struct notify *n)
{
	struct timeval	 tv = { 0, NOTIFY_MS * 1000 };

	if (!evtimer_pending(n->ev, NULL))
		evtimer_add(n->ev, &tv);
}

void
notify_init(struct daemon *d, notify_campaign_fn campaign,
    notify_monitor_fn monitor)
{
	struct notify	*n;

	n = xcalloc(1, sizeof *n);
	n->d = d;
	n->campaign = campaign;
	n->monitor = monitor;
	n->ev = evtimer_new(d->base, notify_cb, n);
	d->notify = n;
}

void
notify_free(struct daemon *d)
{
	if (d->notify == NULL)
		return;
	event_free(d->notify->ev);
	free(d->notify);
	d->notify = NULL;
}

void
notify_campaign(struct daemon *d, int64_t id)
{
	struct notify	*n = d->notify;
	int		 i;

	if (n == NULL || id <= 0)
		return;
	for (i = 0; i < n->ndirty; i++)
		if (n->dirty[i] == id)
			break;
	if (i == n->ndirty) {
		if (n->ndirty < NOTIFY_MAX)
			n->dirty[n->ndirty++] = id;
		else
			n->overflow = 1;
	}
	n->monitor_dirty = 1;
	schedule(n);
}

void
notify_monitor(struct daemon *d)
{
	struct notify	*n = d->notify;

	if (n == NULL)
		return;
	n->monitor_dirty = 1;
	schedule(n);
}

void
notify_set_reply(struct daemon *d, notify_reply_fn fn)
{
	if (d->notify != NULL)
		d->notify->reply = fn;
}

void
notify_reply(struct daemon *d, int64_t id)
{
	struct notify	*n = d->notify;

	if (n == NULL || id <= 0)
		return;
	if (n->nreplies < NOTIFY_MAX)
		n->replies[n->nreplies++] = id;
	else
		n->replies_overflow = 1;
	schedule(n);
}
