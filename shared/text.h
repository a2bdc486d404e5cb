#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

/*
 * Make outside text safe to draw on a terminal: C0 and C1 controls, DEL and
 * bidirectional overrides become visible ("^[", "\u202e"), invalid UTF-8
 * bytes become "\xNN". Returns a new string (xmalloc).
 */
char	*text_sanitize(const char *);
/* 1 if S (LEN bytes) is valid UTF-8 with no NUL. */
int	 text_utf8_valid(const char *, size_t);
/* Fold for matching: ASCII and Latin-1 letters lowercased, accents removed,
 * spaces dropped, into OUT (at most OUTLEN-1 bytes). */
void	 text_fold(const char *, char *, size_t);
/* Lowercase S in place, as the name index folds case for our names: ASCII,
 * Latin-1 (À..Þ), Œ and Ÿ; every other byte is kept. Returns S. */
char	*text_lower(char *);
/* Terminal columns a sanitised string takes in the current locale: wide
 * characters count two; without a UTF-8 locale, one per character. */
int	 text_columns(const char *);

#endif
