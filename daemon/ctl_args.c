/*
 * Argument specs of control commands ("id:i! name:s ...") and the check of
 * a request's arguments against one: no daemon state, so the fuzzer can
 * take it alone.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctl_args.h"
#include "i18n.h"
#include "log.h"

int
ctl_spec_check(const char *spec, char *why, size_t whylen)
{
	const char	*p = spec, *q;
	size_t		 n, len;

	for (p = spec; *p != '\0'; p += len + (p[len] == ' ')) {
		len = strcspn(p, " ");
		n = strcspn(p, ":");
		if (len == 0) {
			snprintf(why, whylen, "an empty word in \"%s\"", spec);
			return -1;
		}
		if (n == 0 || n >= 64 || n >= len ||
		    strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_") != n) {
			snprintf(why, whylen, "\"%.*s\" is not name:type",
			    (int)len, p);
			return -1;
		}
		if (len < n + 2 || strchr("isbaon*", p[n + 1]) == NULL ||
		    len > n + 3 || (len == n + 3 && p[n + 2] != '!')) {
			snprintf(why, whylen, "\"%.*s\": the type is one of "
			    "i s b a o n * and may end in !", (int)len, p);
			return -1;
		}
		/* A name given twice would be checked only once. */
		for (q = spec; q < p; q += strcspn(q, " ") + 1)
			if (strcspn(q, ":") == n && strncmp(q, p, n) == 0) {
				snprintf(why, whylen, "\"%.*s\" twice", (int)n,
				    p);
				return -1;
			}
	}
	return 0;
}

int
ctl_args_check(const char *cmd, const char *spec, json_t *args, char *why,
    size_t whylen)
{
	const char	*p, *key;
	char		 name[64], type;
	size_t		 n;
	int		 req, found;
	json_t		*v;

	/* Every given key must be in the spec. */
	json_object_foreach(args, key, v) {
		found = 0;
		for (p = spec; p != NULL && *p != '\0';) {
			n = strcspn(p, ":");
			if (n == strlen(key) && strncmp(p, key, n) == 0)
				found = 1;
			p += strcspn(p, " ");
			p += strspn(p, " ");
		}
		if (!found) {
			i18n_snprintf(why, whylen, "unknown argument \"%.40s\" "
			    "for %s", key, cmd);
			return -1;
		}
	}
	for (p = spec; p != NULL && *p != '\0';) {
		n = strcspn(p, ":");
		/* Specs were checked at start (ctl_check_tables). */
		if (n >= sizeof name || p[n] != ':')
			fatalx("ctl: bad argument spec for %s", cmd);
		memcpy(name, p, n);
		name[n] = '\0';
		type = p[n + 1];
		req = p[n + 2] == '!';
		p += strcspn(p, " ");
		p += strspn(p, " ");

		v = json_object_get(args, name);
		if (v == NULL || json_is_null(v)) {
			if (req) {
				i18n_snprintf(why, whylen, "%s needs argument "
				    "\"%s\"", cmd, name);
				return -1;
			}
			continue;
		}
		switch (type) {
		case 'i':
			found = json_is_integer(v);
			break;
		case 's':
			found = json_is_string(v);
			break;
		case 'b':
			found = json_is_boolean(v);
			break;
		case 'a':
			found = json_is_array(v);
			break;
		case 'o':
			found = json_is_object(v);
			break;
		case 'n':
			found = json_is_number(v);
			break;
		default:
			found = 1;
			break;
		}
		if (!found) {
			/* Its key and args go with it: the client says it in
			 * its reader's language, the type too (%-s). */
			i18n_snprintf(why, whylen, "argument \"%s\" of %s must "
			    "be %-s", name, cmd, type == 'i' ?
			    N_("an integer") : type == 's' ? N_("a string") :
			    type == 'b' ? N_("true or false") : type == 'a' ?
			    N_("an array") : type == 'o' ? N_("an object") :
			    N_("a number"));
			return -1;
		}
	}
	return 0;
}
