#include <sys/types.h>

#include <ctype.h>
#include <libintl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "i18n.h"
#include "xmalloc.h"

#define I18N_MAXLEN	65536	/* a translated message longer is refused */

/* One printf conversion, as far as keys and translations need it. */
struct i18n_conv {
	int	 pos;		/* "%N$": N, else 0 */
	int	 minus;		/* the '-' flag */
	int	 width;		/* a width was given */
	int	 wstar;		/* width '*' */
	int	 pstar;		/* precision '*' */
	char	 len[3];	/* length modifier: "", "h", "hh", "ll"... */
	char	 conv;		/* the conversion letter, or '%' */
	size_t	 n;		/* bytes from the '%' to the letter, included */
};

static int
i18n_digits(const char **s, int max)
{
	int	 n = 0;

	while (isdigit((unsigned char)**s)) {
		if (++n > max)
			return -1;
		(*s)++;
	}
	return n;
}

/*
 * The conversion at P (a '%'), or -1 when it is not one we know: a
 * translation is outside input, so every field is bounded.
 */
static int
i18n_parse(const char *p, struct i18n_conv *c)
{
	const char	*s = p + 1, *t;
	int		 v = 0, n;

	memset(c, 0, sizeof *c);
	for (t = s; isdigit((unsigned char)*t) && v < 100; t++)
		v = v * 10 + (*t - '0');
	if (t != s && *t == '$') {
		if (v < 1 || v > I18N_MAXARGS)
			return -1;
		c->pos = v;
		s = t + 1;
	}
	for (; *s != '\0' && strchr("-+ #0'", *s) != NULL; s++)
		if (*s == '-')
			c->minus = 1;
	if (*s == '*') {
		c->wstar = 1;
		s++;
	} else if ((n = i18n_digits(&s, 4)) == -1)
		return -1;
	else
		c->width = n > 0;
	if (*s == '.') {
		s++;
		if (*s == '*') {
			c->pstar = 1;
			s++;
		} else if (i18n_digits(&s, 4) == -1)
			return -1;
	}
	if (isdigit((unsigned char)*s) || *s == '$')
		return -1;	/* "*2$" and the like */
	if ((s[0] == 'h' && s[1] == 'h') || (s[0] == 'l' && s[1] == 'l')) {
		memcpy(c->len, s, 2);
		s += 2;
	} else if (*s != '\0' && strchr("hlzjtLq", *s) != NULL)
		c->len[0] = *s++;
	if (*s == '\0' || strchr("diouxXcsfFeEgGaAp%", *s) == NULL)
		return -1;
	c->conv = *s;
	if (c->conv == '%' && (size_t)(s - p) != 1)
		return -1;
	c->n = (size_t)(s + 1 - p);
	return 0;
}

/* Step AP over the argument of conversion C; -1 for a type we refuse. */
static int
i18n_skip(const struct i18n_conv *c, va_list *ap)
{
	const char	*l = c->len;

	if (c->wstar)
		(void)va_arg(*ap, int);
	if (c->pstar)
		(void)va_arg(*ap, int);
	switch (c->conv) {
	case 'd':
	case 'i':
		if (*l == '\0' || *l == 'h')
			(void)va_arg(*ap, int);
		else if (strcmp(l, "l") == 0)
			(void)va_arg(*ap, long);
		else if (strcmp(l, "ll") == 0 || *l == 'q')
			(void)va_arg(*ap, long long);
		else if (*l == 'z')
			(void)va_arg(*ap, ssize_t);
		else if (*l == 'j')
			(void)va_arg(*ap, intmax_t);
		else if (*l == 't')
			(void)va_arg(*ap, ptrdiff_t);
		else
			return -1;
		return 0;
	case 'o':
	case 'u':
	case 'x':
	case 'X':
		if (*l == '\0' || *l == 'h')
			(void)va_arg(*ap, unsigned int);
		else if (strcmp(l, "l") == 0)
			(void)va_arg(*ap, unsigned long);
		else if (strcmp(l, "ll") == 0 || *l == 'q')
			(void)va_arg(*ap, unsigned long long);
		else if (*l == 'z')
			(void)va_arg(*ap, size_t);
		else if (*l == 'j')
			(void)va_arg(*ap, uintmax_t);
		else if (*l == 't')
			(void)va_arg(*ap, ptrdiff_t);
		else
			return -1;
		return 0;
	case 'c':
		if (*l != '\0')
			return -1;
		(void)va_arg(*ap, int);
		return 0;
	case 's':
		if (*l != '\0')
			return -1;	/* no wide strings */
		(void)va_arg(*ap, const char *);
		return 0;
	case 'p':
		(void)va_arg(*ap, void *);
		return 0;
	default:
		if (*l == 'L')
			(void)va_arg(*ap, long double);
		else if (*l == '\0' || *l == 'l')
			(void)va_arg(*ap, double);
		else
			return -1;
		return 0;
	}
}

int
i18n_args(const char *fmt, va_list ap, char **argv)
{
	struct i18n_conv	 c;
	const char		*p;
	char			 spec[32], buf[1024];
	va_list			 cp, at;
	int			 n = 0, bad = 0;

	va_copy(at, ap);
	for (p = fmt; (p = strchr(p, '%')) != NULL; p += c.n) {
		if (i18n_parse(p, &c) == -1 || c.pos != 0 ||
		    c.n >= sizeof spec) {
			bad = 1;
			break;
		}
		if (c.conv == '%')
			continue;
		if (n == I18N_MAXARGS) {
			bad = 1;
			break;
		}
		/* Printed exactly as the whole format prints it. */
		memcpy(spec, p, c.n);
		spec[c.n] = '\0';
		va_copy(cp, at);
		vsnprintf(buf, sizeof buf, spec, cp);
		va_end(cp);
		if (i18n_skip(&c, &at) == -1) {
			bad = 1;
			break;
		}
		argv[n++] = xstrdup(buf);
	}
	va_end(at);
	if (bad) {
		i18n_free(argv, n);
		return -1;
	}
	return n;
}

void
i18n_free(char **argv, int argc)
{
	int	 i;

	for (i = 0; i < argc; i++) {
		free(argv[i]);
		argv[i] = NULL;
	}
}

struct i18n_buf {
	char	*s;
	size_t	 len, size;
};

static int
i18n_put(struct i18n_buf *b, const char *s, size_t n)
{
	if (b->len + n >= I18N_MAXLEN)
		return -1;
	if (b->len + n + 1 > b->size) {
		b->size = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->size);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

char *
i18n_format(const char *fmt, const char *const *argv, int argc)
{
	struct i18n_conv	 c;
	struct i18n_buf		 b = { NULL, 0, 0 };
	const char		*p, *q;
	int			 used[I18N_MAXARGS], next = 0, mode = 0, k;

	if (fmt == NULL || argc < 0 || argc > I18N_MAXARGS)
		return NULL;
	memset(used, 0, sizeof used);
	if (i18n_put(&b, "", 0) == -1)
		return NULL;
	for (p = fmt; *p != '\0'; p += c.n) {
		if (*p != '%') {
			q = p + strcspn(p, "%");
			if (i18n_put(&b, p, (size_t)(q - p)) == -1)
				goto bad;
			c.n = (size_t)(q - p);
			continue;
		}
		if (i18n_parse(p, &c) == -1)
			goto bad;
		if (c.conv == '%') {
			if (i18n_put(&b, "%", 1) == -1)
				goto bad;
			continue;
		}
		if (c.pos != 0) {
			if (mode == 1)
				goto bad;
			mode = 2;
			k = c.pos - 1;
		} else {
			if (mode == 2)
				goto bad;
			mode = 1;
			k = next++;
		}
		if (k >= argc || argv[k] == NULL)
			goto bad;
		used[k] = 1;
		if (i18n_put(&b, argv[k], strlen(argv[k])) == -1)
			goto bad;
	}
	for (k = 0; k < argc; k++)
		if (!used[k])
			goto bad;
	return b.s;
bad:
	free(b.s);
	return NULL;
}

int
i18n_arg_is_text(const char *fmt, int n)
{
	struct i18n_conv	 c;
	const char		*p;
	int			 i = 0;

	for (p = fmt; (p = strchr(p, '%')) != NULL; p += c.n) {
		if (i18n_parse(p, &c) == -1)
			return 0;
		if (c.conv == '%')
			continue;
		if (i++ == n)
			return c.conv == 's' && c.minus && !c.width &&
			    !c.wstar && *c.len == '\0';
	}
	return 0;
}

/* A msgid's translation, never the catalogue's header for "". */
static const char *
i18n_lookup(const char *s)
{
	return *s == '\0' ? s : dgettext("wacamp", s);
}

char *
i18n_text(const char *key, const char *const *argv, int argc,
    const char *message)
{
	const char	*targ[I18N_MAXARGS];
	char		*s;
	int		 i;

	if (key == NULL || argc < 0 || argc > I18N_MAXARGS)
		return xstrdup(message != NULL ? message : "");
	for (i = 0; i < argc; i++)
		targ[i] = argv[i] != NULL && i18n_arg_is_text(key, i) ?
		    i18n_lookup(argv[i]) : argv[i];
	if ((s = i18n_format(i18n_lookup(key), targ,
	    argc)) != NULL)
		return s;
	/* A broken translation: the key itself, else the English. */
	if ((s = i18n_format(key, argv, argc)) != NULL)
		return s;
	return xstrdup(message != NULL ? message : key);
}

/* What i18n_snprintf() wrote lately, newest at note_next - 1. */
#define I18N_NOTES	8
static struct i18n_note {
	char	*text;
	char	*fmt;
	char	*argv[I18N_MAXARGS];
	int	 argc;
} notes[I18N_NOTES];
static int	note_next;

int
i18n_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	struct i18n_note	*no = &notes[note_next];
	va_list			 ap;
	int			 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	note_next = (note_next + 1) % I18N_NOTES;
	free(no->text);
	free(no->fmt);
	if (no->argc > 0)
		i18n_free(no->argv, no->argc);
	no->text = no->fmt = NULL;
	va_start(ap, fmt);
	no->argc = i18n_args(fmt, ap, no->argv);
	va_end(ap);
	if (no->argc >= 0 && len > 0) {
		no->text = xstrdup(buf);
		no->fmt = xstrdup(fmt);
	}
	return n;
}

/* The note that wrote TEXT, newest first, or NULL. */
static struct i18n_note *
i18n_note_find(const char *text)
{
	struct i18n_note	*no;
	int			 i;

	for (i = 1; i <= I18N_NOTES; i++) {
		no = &notes[(note_next - i + I18N_NOTES) % I18N_NOTES];
		if (no->text != NULL && strcmp(no->text, text) == 0)
			return no;
	}
	return NULL;
}

/* ARGV[I] for the protocol: a nested message when a note made it. */
static json_t *
i18n_arg(const char *fmt, char *const *argv, int i)
{
	struct i18n_note	*no;
	json_t			*o, *a;
	int			 k;

	if (!i18n_arg_is_text(fmt, i) || (no = i18n_note_find(argv[i])) ==
	    NULL || no->argc == 0)
		return json_string(argv[i]);
	a = json_array();
	for (k = 0; k < no->argc; k++)
		json_array_append_new(a, json_string(no->argv[k]));
	o = json_pack("{s:s,s:o}", "key", no->fmt, "args", a);
	return o;
}

void
i18n_json(json_t *obj, const char *fmt, va_list ap, const char *msg)
{
	struct i18n_note	*no;
	char			*argv[I18N_MAXARGS], *key;
	json_t			*args = json_array();
	size_t			 i, n;
	int			 argc;

	argc = i18n_args(fmt, ap, argv);
	if (strcmp(fmt, "%s") == 0 && argc == 1 &&
	    (no = i18n_note_find(argv[0])) != NULL) {
		/* A reason made lower down: the key it was made with. */
		key = xstrdup(no->fmt);
		for (i = 0; i < (size_t)no->argc; i++)
			json_array_append_new(args, i18n_arg(no->fmt, no->argv,
			    (int)i));
	} else if (strcmp(fmt, "%s") == 0 && argc == 1) {
		/* Made elsewhere: its own key, any '%' doubled. */
		key = xmalloc(2 * strlen(argv[0]) + 1);
		for (i = n = 0; argv[0][i] != '\0'; i++) {
			if (argv[0][i] == '%')
				key[n++] = '%';
			key[n++] = argv[0][i];
		}
		key[n] = '\0';
	} else if (argc == -1)
		key = xstrdup(msg);
	else {
		key = xstrdup(fmt);
		for (i = 0; i < (size_t)argc; i++)
			json_array_append_new(args, i18n_arg(fmt, argv,
			    (int)i));
	}
	if (argc > 0)
		i18n_free(argv, argc);
	json_object_set_new(obj, "key", json_string(key));
	json_object_set_new(obj, "args", args);
	free(key);
}
