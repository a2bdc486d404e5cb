#ifndef SCHEDULE_H
#define SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

struct daemon;

/*
 * Campaign starts (DESIGN §6). A launch takes the audience (one INSERT
 * ... SELECT) and makes the campaign running; campaigns.send does it now,
 * or, when the campaign's start_at is ahead, makes it 'scheduled' and
 * this timer launches it at that time, also after a restart. A scheduled
 * launch that reaches no one puts the campaign back to draft, with the
 * reason in the log.
 */

/* The claim time from which suppress_days leaves a contact out (0: off). */
int64_t	 schedule_suppress_since(struct daemon *);
/*
 * Launch campaign ID now, in a transaction of its own: 0 with *N
 * recipients (*LEFT left out by suppress_days), 1 when it would reach no
 * one (nothing written, ERR says why), -1 on a store error (ERR).
 */
int	 schedule_launch(struct daemon *, int64_t, int64_t *, int64_t *,
	    char *, size_t);
/* Why a launch of ID would reach no one, into ERR. */
void	 schedule_why_empty(struct daemon *, int64_t, char *, size_t);
/* (Re)arm the timer on the earliest scheduled start. */
void	 schedule_arm(struct daemon *);
void	 schedule_shutdown(struct daemon *);

#endif
