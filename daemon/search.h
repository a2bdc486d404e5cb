#ifndef SEARCH_H
#define SEARCH_H

#include <stdint.h>

struct daemon;
struct store;

/* Index contacts added above the search mark, in slices on the loop. */
void	 search_start(struct daemon *);
/* Call before adding contacts: their ids must land above the mark. */
int	 search_mark_lower(struct store *);
/* Rows were added: index them soon. */
void	 search_kick(struct daemon *);
/* Contacts not yet in the name index, as of the last slice. */
int64_t	 search_pending(struct daemon *);
void	 search_stop(struct daemon *);

#endif
