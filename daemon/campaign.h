#ifndef CAMPAIGN_H
#define CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

struct daemon;

/* What an operator may ask of a campaign (DESIGN §6). */
enum campaign_action {
	CA_EDIT, CA_SEND, CA_STOP, CA_RESUME, CA_RETRY, CA_RELAUNCH,
	CA_DELETE, CA_NACTIONS
};

/*
 * The lifecycle's refusals in one table: NULL when a campaign of STATUS
 * allows ACTION, else why not (the conflict message's end: "campaign 3
 * is stopped; <why>"). Whether there is anything to move (a retry with
 * no failure, a resume with nothing stopped) is the outbox's answer.
 */
const char	*campaign_refusal(const char *, enum campaign_action);
const char	*campaign_action_name(enum campaign_action);

/* A campaign as JSON, NULL if there is none with that id. */
json_t	*campaign_get(struct daemon *, int64_t);
/* Mark running campaigns with nothing pending or sending as completed. */
void	 campaign_finish_done(struct daemon *, int64_t);
/* Progress of campaign ID for campaign.progress events. */
json_t	*campaign_progress(struct daemon *, int64_t);

/*
 * The placeholders a campaign text may use, NULL-ended: ours, then the
 * columns imports kept (contact_fields), by name. Free with
 * campaign_fields_free().
 */
char	**campaign_fields(struct daemon *);
void	  campaign_fields_free(char **);
/*
 * 0 when TEXT (WHAT: "Message 1") uses known placeholders only; else -1
 * and ERR names the first unknown one and the nearest known name:
 * "unknown placeholder {{prenom}} in Message 1; did you mean
 * {{first_name}}?".
 */
int	 campaign_check_text(struct daemon *, const char *, const char *,
	    char *, size_t);
/* 1 if campaign ID is hidden (an operator's test sends). */
int	 campaign_hidden(struct daemon *, int64_t);
/*
 * Seconds for PENDING more messages of campaign ID to leave from a time
 * (now, or a scheduled start), following pace, windows, days and caps
 * (see campaign.c); -1 when the windows never open.
 */
double	 campaign_eta_from(struct daemon *, int64_t, long, time_t);

#endif
