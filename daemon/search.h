#ifndef SEARCH_H
#define SEARCH_H

#include <stddef.h>
#include <stdint.h>

struct daemon;
struct store;

/* Ids a name search may find, ascending, all at most upto. */
struct search_ids {
	int64_t		*v;
	size_t		 n;
	int64_t		 upto;	/* the mark: rows above it are not indexed */
};

/* Index contacts added above the search mark, in slices on the loop. */
void	 search_start(struct daemon *);
/* Call before adding contacts: their ids must land above the mark. */
int	 search_mark_lower(struct store *);
/* Rows were added: index them soon. */
void	 search_kick(struct daemon *);
/*
 * Contact ID was just added with these names (an import): the index takes
 * them now when ID is the next it would read back. Should the transaction
 * roll back, search_mark_lower() before the next insert forgets the batch.
 */
void	 search_take(struct daemon *, int64_t, const char *, const char *);
/* Contacts LO..HI were removed (an undone import): drop them from the
 * index, in the background. */
void	 search_purge(struct daemon *, int64_t, int64_t);
/* Contacts not yet in the name index (above the mark, or renamed). */
int64_t	 search_pending(struct daemon *);
void	 search_stop(struct daemon *);
/*
 * The indexed contacts whose folded names may hold FOLDED (fold_name()),
 * renamed ones included: each must still be checked against its row.
 * -1 for text under three characters or a store error.
 */
int	 search_candidates(struct store *, const char *, struct search_ids *);
void	 search_ids_free(struct search_ids *);

#endif
