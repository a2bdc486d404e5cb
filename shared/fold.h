#ifndef FOLD_H
#define FOLD_H

#include <stddef.h>

/*
 * Fold name S in place for search: ASCII and Latin letters lowercased and
 * stripped of their accents ("Koné" -> "kone", "ÉLOÏSE" -> "eloise");
 * spaces and other scripts are kept as they are (text_fold, for opt-out
 * words, drops them). Returns S.
 */
char	*fold_name(char *);
/*
 * The lowercase accented forms (Latin-1) that fold to ASCII letter C, as
 * UTF-8 strings, NULL-terminated; NULL when C has none.
 */
const char *const *fold_variants(int);

#endif
