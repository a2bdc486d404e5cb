#ifndef I18N_H
#define I18N_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A message that crosses the socket in English and is shown translated
 * (wacamp-protocol.7, "Errors"): its key is the printf format the daemon
 * wrote it with, a gettext msgid; its args are what each conversion of
 * the key printed, as strings, in order. The client looks the key up and
 * puts the args into the translation, which may reorder them ("%2$s").
 */
#define I18N_MAXARGS	16

/* A string for the catalogue, translated where it is shown (xgettext -kN_). */
#ifndef N_
#define N_(s)	(s)
#endif

/*
 * What each conversion of FMT prints for the arguments AP, into ARGV
 * (xmalloc'd strings, at most I18N_MAXARGS; free with i18n_free). A '*'
 * width or precision takes its argument too, but the conversion gives
 * one string. Returns how many, or -1 (nothing kept) when FMT has a
 * conversion this does not know, a positional one, or too many.
 */
int	 i18n_args(const char *, va_list, char **);
void	 i18n_free(char **, int);

/*
 * snprintf(), remembering FMT and its args for the text it wrote: a
 * reason made by a lower layer (a phone number's, a placeholder's) that
 * later goes out as an error, alone ("%s") or at a "%-s", keeps its key
 * and args (xgettext -ki18n_snprintf:3). The last few are remembered.
 */
int	 i18n_snprintf(char *, size_t, const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));

/*
 * Set "key" and "args" in OBJ for the message MSG that FMT printed with
 * AP (wacamp-protocol.7): FMT and what each conversion printed; a
 * message made elsewhere ("%s" alone) is its own key, '%' doubled, or
 * the key and args i18n_snprintf() made it with; an argument at a "%-s"
 * that i18n_snprintf() made is {"key":...,"args":[...]}; a format this
 * cannot take apart gives MSG as the key, args empty.
 */
struct json_t;
void	 i18n_json(struct json_t *, const char *, va_list, const char *);

/*
 * FMT (a translation of a key) with each conversion replaced by ARGV in
 * order, or by position ("%1$s"); flags, width and precision are the
 * key's business and ignored here. A new string (xmalloc), or NULL when
 * FMT is malformed, mixes positional and ordered conversions, names an
 * argument past ARGC, or leaves one out: the caller shows the English.
 */
char	*i18n_format(const char *, const char *const *, int);

/*
 * 1 if the conversion number N (from 0) of the key FMT is "%-s": an
 * argument that is itself English text of the daemon's, translated too.
 */
int	 i18n_arg_is_text(const char *, int);

/*
 * KEY translated through the "wacamp" catalogue, with ARGV put in; the
 * English MESSAGE when there is no translation or it does not fit.
 * A new string (xmalloc).
 */
char	*i18n_text(const char *, const char *const *, int, const char *);

#endif
