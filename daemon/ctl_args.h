#ifndef CTL_ARGS_H
#define CTL_ARGS_H

#include <stddef.h>

#include <jansson.h>

/*
 * A spec is words "name:type" or "name:type!" (required), type one of
 * i (integer) s (string) b (boolean) a (array) o (object) n (number) and
 * * (anything). 0 if SPEC is well formed, else -1 and why.
 */
int	 ctl_spec_check(const char *, char *, size_t);
/*
 * ARGS (an object, or NULL) against the well-formed SPEC of command CMD:
 * 0, or -1 with why (an unknown key, a missing one, a wrong type).
 */
int	 ctl_args_check(const char *, const char *, json_t *, char *, size_t);

#endif
