#ifndef JOURNAL_H
#define JOURNAL_H

struct daemon;

/*
 * The webhook journal's upkeep (DESIGN §7): applied events go after
 * [webhook] keep, events that matched nothing after JOURNAL_WAIT_MAX (never
 * inside a reconciliation window), in slices that never stall the loop,
 * and the freed pages are given back.
 */
#define JOURNAL_WAIT_MAX	(48 * 3600)

void	 journal_start(struct daemon *);
void	 journal_stop(struct daemon *);

#endif
