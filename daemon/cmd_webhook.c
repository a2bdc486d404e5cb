#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmds.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "i18n.h"
#include "job.h"
#include "log.h"
#include "provider.h"
#include "webhook.h"
#include "xmalloc.h"

#define REPLAY_STEP	100	/* journal rows a step */

/* A journal replay in progress: a job (job.c). */
struct wh_replay {
	int64_t		 last;
	int64_t		 rows;
	int64_t		 applied;
};

static int
replay_step(struct daemon *d, void *arg, char *err, size_t errlen)
{
	struct wh_replay	*rp = arg;
	int			 n;

	(void)err;
	(void)errlen;
	if ((n = webhook_replay_slice(d, rp->last, REPLAY_STEP, &rp->last,
	    &rp->applied)) < 0)
		return JOB_FAILED;
	rp->rows += n;
	return n == REPLAY_STEP ? JOB_MORE : JOB_DONE;
}

static void
replay_finish(struct ctl_req *r, void *arg, const char *err)
{
	struct wh_replay	*rp = arg;

	if (err != NULL) {
		ctl_error(r, "internal", "replay stopped after journal row "
		    "%lld: database error", (long long)rp->last);
		return;
	}
	log_info("webhook: journal replayed: %lld events, %lld applied",
	    (long long)rp->rows, (long long)rp->applied);
	ctl_reply(r, json_pack("{s:I,s:I,s:I}", "replayed",
	    (json_int_t)rp->rows, "applied", (json_int_t)rp->applied,
	    "waiting", (json_int_t)(rp->rows - rp->applied)));
}

static const struct job_ops replay_ops = {
	.name = "webhooks.replay",
	.step = replay_step,
	.finish = replay_finish,
	.free = free,
};

/* webhooks.replay: re-apply the whole journal in order (idempotent). */
static int
cmd_webhooks_replay(struct ctl_req *r)
{
	struct wh_replay	*rp;

	if (job_running(&replay_ops) > 0) {
		ctl_error(r, "conflict", "a replay is already running");
		return CMD_DONE;
	}
	rp = xcalloc(1, sizeof *rp);
	rp->last = ctl_arg_int(r, "after", 0);
	ctl_target(r, "webhook journal after %lld", (long long)rp->last);
	return job_start(r, &replay_ops, rp, -1);
}

static int
cmd_webhooks_stats(struct ctl_req *r)
{
	ctl_reply(r, webhook_stats(r->d));
	return CMD_DONE;
}

/* A webhook command's answer from the provider: the parked request's. */
static void
webhook_done(struct daemon *d, void *arg, json_t *data, const char *code,
    const char *err)
{
	struct ctl_req	*r = arg;

	if (data != NULL)
		ctl_reply(r, data);
	else
		ctl_error(r, code ? code : "internal", "%s", err ? err : "failed");
}

/* The provider's webhook method, or an error reply (then NULL). */
static struct provider *
webhook_provider(struct ctl_req *r)
{
	struct provider	*pv = r->d->provider;

	if (pv == NULL || pv->webhook == NULL) {
		ctl_error(r, "unavailable", "the %s provider has no Wassenger "
		    "webhook", pv ? pv->name : "current");
		return NULL;
	}
	return pv;
}

/*
 * webhook.status: our webhook as Wassenger lists it now (every page of a
 * fresh GET /webhooks, the request parked until it is read), the plan
 * from the last health check.
 */
static int
cmd_webhook_status(struct ctl_req *r)
{
	struct provider	*pv;

	if ((pv = webhook_provider(r)) == NULL)
		return CMD_DONE;
	pv->webhook(pv, NULL, webhook_done, r);
	return CMD_PARKED;
}

/*
 * A base URL for the webhook: http(s)://host[:port][/prefix], no query,
 * fragment, space or control character; trailing slashes go. The daemon
 * appends the listener's path and the token itself.
 */
static char *
base_url(const char *s, char *why, size_t len)
{
	char	*b;
	size_t	 n, i, host;

	n = strlen(s);
	host = strncmp(s, "https://", 8) == 0 ? 8 :
	    strncmp(s, "http://", 7) == 0 ? 7 : 0;
	if (host == 0) {
		i18n_snprintf(why, len, "BASE_URL must start with https:// (or "
		    "http://)");
		return NULL;
	}
	if (n > 400) {
		i18n_snprintf(why, len, "BASE_URL is longer than 400 "
		    "characters");
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '?' ||
		    s[i] == '#' || s[i] == '"' || s[i] == '\\') {
			i18n_snprintf(why, len, "BASE_URL may not hold a "
			    "query, a fragment, spaces or control characters "
			    "(at character %zu)", i + 1);
			return NULL;
		}
	b = xstrdup(s);
	while (n > host && b[n - 1] == '/')
		b[--n] = '\0';
	if (n == host || b[host] == '/') {
		i18n_snprintf(why, len, "BASE_URL has no host");
		free(b);
		return NULL;
	}
	return b;
}

/*
 * webhook.register: ours updated and re-enabled if it is there, else
 * created; never two. Parked until Wassenger has answered.
 */
static int
cmd_webhook_register(struct ctl_req *r)
{
	struct provider	*pv;
	char		*b, why[160];

	if ((b = base_url(ctl_arg_str(r, "base_url", ""), why, sizeof why)) ==
	    NULL) {
		ctl_error(r, "bad_request", "%s", why);
		return CMD_DONE;
	}
	ctl_target(r, "webhook at %s", b);
	if ((pv = webhook_provider(r)) == NULL) {
		free(b);
		return CMD_DONE;
	}
	pv->webhook(pv, b, webhook_done, r);
	free(b);
	return CMD_PARKED;
}

const struct ctl_cmd webhook_cmds[] = {
	{ "webhook.status", ROLE_ADMIN, 0, "", cmd_webhook_status },
	{ "webhook.register", ROLE_ADMIN, CMD_AUDIT, "base_url:s!",
	    cmd_webhook_register },
	{ "webhooks.replay", ROLE_SUPER, CMD_AUDIT, "after:i",
	    cmd_webhooks_replay },
	{ "webhooks.stats", ROLE_ADMIN, 0, "", cmd_webhooks_stats },
	{ NULL, 0, 0, NULL, NULL }
};
