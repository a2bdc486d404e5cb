#include <sys/random.h>

#include <crypt.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>
#include <sha2.h>
#include <sqlite3.h>

#include "auth.h"
#include "cmds.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define FAIL_SLOTS	256
#define FAIL_MAX_DELAY	30

/* Recent login failures, per login and per peer uid, kept in memory. */
static struct failure {
	char	 key[160];
	int	 count;
	time_t	 last;
	time_t	 until;
} failures[FAIL_SLOTS];

int
auth_role(const char *s)
{
	if (strcmp(s, "super_admin") == 0)
		return ROLE_SUPER;
	if (strcmp(s, "admin") == 0)
		return ROLE_ADMIN;
	return -1;
}

const char *
auth_role_name(int r)
{
	return r == ROLE_SUPER ? "super_admin" : "admin";
}

int
auth_equal(const char *a, const char *b)
{
	size_t		 la = strlen(a), lb = strlen(b), i;
	unsigned char	 diff = (unsigned char)(la != lb);

	for (i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return diff == 0;
}

char *
auth_hash_password(const char *pw)
{
	struct crypt_data	*cd;
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char			*out = NULL, *h;

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt) == NULL) {
		log_warn("auth: crypt_gensalt");
		return NULL;
	}
	cd = xcalloc(1, sizeof *cd);
	h = crypt_r(pw, salt, cd);
	if (h != NULL && h[0] == '$')
		out = xstrdup(h);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return out;
}

int
auth_check_password(const char *hash, const char *pw)
{
	struct crypt_data	*cd;
	char			*h;
	int			 ok = 0;

	if (hash == NULL || *hash != '$')
		return 0;
	cd = xcalloc(1, sizeof *cd);
	h = crypt_r(pw, hash, cd);
	if (h != NULL && h[0] == '$')
		ok = auth_equal(h, hash);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
}

void
auth_token_new(char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char	 raw[AUTH_TOKEN_LEN / 2];
	size_t		 i;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		fatal("auth: getrandom");
	for (i = 0; i < sizeof raw; i++)
		snprintf(out + i * 2, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof raw);
}

void
auth_token_hash(const char *token, char out[AUTH_TOKEN_LEN + 1])
{
	SHA256Data((const uint8_t *)token, strlen(token), out);
}

static struct failure *
fail_find(const char *fullkey, int create)
{
	struct failure	*f, *oldest = &failures[0];
	char		 key[sizeof failures[0].key];
	size_t		 i;

	/* Compared as stored: a long key is cut the same way both times. */
	snprintf(key, sizeof key, "%s", fullkey);
	for (i = 0; i < FAIL_SLOTS; i++) {
		f = &failures[i];
		if (strcmp(f->key, key) == 0)
			return f;
		if (f->last < oldest->last)
			oldest = f;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof *oldest);
	snprintf(oldest->key, sizeof oldest->key, "%s", key);
	return oldest;
}

/* Seconds a key must still wait before another attempt, 0 if none. */
int
auth_fail_wait(const char *key)
{
	struct failure	*f;
	time_t		 now = time(NULL);

	if ((f = fail_find(key, 0)) == NULL)
		return 0;
	/* A quiet quarter of an hour forgives. */
	if (now - f->last > 900) {
		memset(f, 0, sizeof *f);
		return 0;
	}
	return f->until > now ? (int)(f->until - now) : 0;
}

/*
 * Count a failure. Past MAX failures the answer is held back 1, 2, 4 ...
 * 30 s (the return value), and further attempts are refused for as long
 * again after it.
 */
int
auth_fail_note(const char *key, int max)
{
	struct failure	*f = fail_find(key, 1);
	int		 over, delay;

	f->count++;
	f->last = time(NULL);
	over = f->count - max;
	if (over < 0)
		return 0;
	delay = over >= 5 ? FAIL_MAX_DELAY : 1 << over;
	if (delay > FAIL_MAX_DELAY)
		delay = FAIL_MAX_DELAY;
	f->until = f->last + 2 * delay;
	return delay;
}

void
auth_fail_clear(const char *key)
{
	struct failure	*f = fail_find(key, 0);

	if (f != NULL)
		memset(f, 0, sizeof *f);
}

