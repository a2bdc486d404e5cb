#ifndef CAMPAIGN_H
#define CAMPAIGN_H

#include <stdint.h>

#include <jansson.h>

struct daemon;

/* A campaign as JSON, NULL if there is none with that id. */
json_t	*campaign_get(struct daemon *, int64_t);
/* Mark running campaigns with nothing pending or sending as completed. */
void	 campaign_finish_done(struct daemon *, int64_t);
/* Progress of campaign ID for campaign.progress events. */
json_t	*campaign_progress(struct daemon *, int64_t);

#endif
