#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <jansson.h>

#include "cmds.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "webhook.h"
#include "xmalloc.h"

#define REPLAY_SLICE	500	/* journal rows per loop turn */

/* A journal replay in progress: one slice per loop turn. */
struct wh_replay {
	struct ctl_req	*r;
	struct event	*ev;
	int64_t		 last;
	int64_t		 rows;
	int64_t		 applied;
};

static struct wh_replay	*replay;

static void
replay_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wh_replay	*rp = arg;
	struct timeval		 tv = { 0, 0 };
	int			 n;

	n = webhook_replay_slice(rp->r->d, rp->last, REPLAY_SLICE, &rp->last,
	    &rp->applied);
	if (n == REPLAY_SLICE) {
		rp->rows += n;
		evtimer_add(rp->ev, &tv);
		return;
	}
	if (n < 0)
		ctl_error(rp->r, "internal", "replay stopped after journal "
		    "row %lld: database error", (long long)rp->last);
	else {
		rp->rows += n;
		log_info("webhook: journal replayed: %lld events, %lld "
		    "applied", (long long)rp->rows, (long long)rp->applied);
		ctl_reply(rp->r, json_pack("{s:I,s:I,s:I}", "replayed",
		    (json_int_t)rp->rows, "applied", (json_int_t)rp->applied,
		    "waiting", (json_int_t)(rp->rows - rp->applied)));
	}
	event_free(rp->ev);
	free(rp);
	replay = NULL;
}

/* webhooks.replay: re-apply the whole journal in order (idempotent). */
static int
cmd_webhooks_replay(struct ctl_req *r)
{
	struct timeval	 tv = { 0, 0 };

	if (replay != NULL) {
		ctl_error(r, "conflict", "a replay is already running");
		return CMD_DONE;
	}
	replay = xcalloc(1, sizeof *replay);
	replay->r = r;
	replay->last = ctl_arg_int(r, "after", 0);
	replay->ev = evtimer_new(r->d->base, replay_cb, replay);
	ctl_target(r, "webhook journal after %lld", (long long)replay->last);
	evtimer_add(replay->ev, &tv);
	return CMD_PARKED;
}

static int
cmd_webhooks_stats(struct ctl_req *r)
{
	ctl_reply(r, webhook_stats(r->d));
	return CMD_DONE;
}

const struct ctl_cmd webhook_cmds[] = {
	{ "webhooks.replay", ROLE_SUPER, CMD_AUDIT, "after:i",
	    cmd_webhooks_replay },
	{ "webhooks.stats", ROLE_ADMIN, 0, "", cmd_webhooks_stats },
	{ NULL, 0, 0, NULL, NULL }
};
