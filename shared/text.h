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
/* Bytes of S that fit in COLS columns, ending after a space when the
 * whole does not fit and there is one to break at (for wrapping). */
size_t	 text_fit(const char *, int);

/* Byte offset of the first invalid UTF-8 sequence or NUL in S (LEN
 * bytes), or -1 when S is valid. */
long	 text_utf8_invalid_at(const char *, size_t);

/*
 * Placeholders in a message text (DESIGN §6): "{{name}}", spaces allowed
 * inside the braces ("{{ first_name }}"), and "{{name|fallback}}" for a
 * value that is empty. A name is letters, digits and '_'.
 */
struct text_field {
	const char	*name;
	const char	*value;		/* NULL is empty */
};
/*
 * TMPL with its placeholders filled from FIELDS (ended by a NULL name).
 * An empty value with no fallback is dropped with the space before it
 * ("Bonjour {{first_name}}, offre" gives "Bonjour, offre"), or, at the
 * start of a line, the space after it. A field named "*" matches any
 * name (one the contact has no value for). A placeholder not in FIELDS,
 * and an unclosed "{{", stay as written. Returns a new string (xmalloc).
 */
char	*text_render(const char *, const struct text_field *);
/*
 * The first placeholder of TMPL whose name is not in NAMES (ended by
 * NULL): 1 with that placeholder as written in BAD, 2 for a "{{" with no
 * "}}" on its line (BAD is the text from it); 0 when all are known.
 * *OFF is its byte offset.
 */
int	 text_placeholder_check(const char *, const char *const *, char *,
	    size_t, size_t *);
/* The name inside placeholder S ("{{ Prenom|x }}" gives "Prenom"). */
void	 text_placeholder_name(const char *, char *, size_t);
/* Of NAMES, the one nearest WORD by edit distance on folded text, or
 * NULL when none is near (more than a third of the letters differ). */
const char *text_nearest(const char *, const char *const *);

#endif
