#ifndef AUTH_H
#define AUTH_H

#include <stdint.h>

#define AUTH_TOKEN_LEN	64	/* hex of 256 random bits */

/* Hash PASSWORD with yescrypt; returns an allocated string or NULL. */
char	*auth_hash_password(const char *);
/* 1 if PASSWORD matches HASH (constant time compare). */
int	 auth_check_password(const char *, const char *);
/* Fill OUT with a fresh random token (AUTH_TOKEN_LEN hex + NUL). */
void	 auth_token_new(char [AUTH_TOKEN_LEN + 1]);
/* SHA-256 of a token as hex; only hashes are stored. */
void	 auth_token_hash(const char *, char [AUTH_TOKEN_LEN + 1]);
/* Constant-time equality of two NUL-terminated strings. */
int	 auth_equal(const char *, const char *);
/* Role name to enum role; -1 if unknown. */
int	 auth_role(const char *);
const char *auth_role_name(int);

/*
 * Login failures by key ("login:NAME", "peer:USER"). After MAX failures the
 * answer waits 1, 2, 4 ... 30 s (auth_fail_note returns it) and attempts are
 * refused as long again after it: auth_fail_wait says how long is left.
 */
int	 auth_fail_wait(const char *);
int	 auth_fail_note(const char *, int);
void	 auth_fail_clear(const char *);

#endif
