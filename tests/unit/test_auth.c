#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "ctl.h"
#include "log.h"

/* Two hashes made once for the group: yescrypt is slow on purpose. */
struct hashes {
	char	*h1;
	char	*h2;
};

static const char	*password = "correct horse \xc3\xa9 battery";

static void
test_hash_format(void **state)
{
	struct hashes	*hs = *state;

	assert_non_null(hs->h1);
	assert_int_equal(strncmp(hs->h1, "$y$", 3), 0);
	assert_int_equal(strncmp(hs->h2, "$y$", 3), 0);
	/* The password itself is nowhere in the hash. */
	assert_null(strstr(hs->h1, "horse"));
	/* A salt each time. */
	assert_string_not_equal(hs->h1, hs->h2);
}

static void
test_check_password(void **state)
{
	struct hashes	*hs = *state;

	assert_int_equal(auth_check_password(hs->h1, password), 1);
	assert_int_equal(auth_check_password(hs->h2, password), 1);
	assert_int_equal(auth_check_password(hs->h1, "correct horse"), 0);
	assert_int_equal(auth_check_password(hs->h1,
	    "correct horse \xc3\xa9 batterY"), 0);
	assert_int_equal(auth_check_password(hs->h1, ""), 0);
	assert_int_equal(auth_check_password(hs->h1,
	    "correct horse \xc3\xa9 battery "), 0);
}

static void
test_check_bad_hash(void **state)
{
	char	*h, *cut;

	(void)state;
	assert_int_equal(auth_check_password(NULL, password), 0);
	assert_int_equal(auth_check_password("", password), 0);
	assert_int_equal(auth_check_password("*", password), 0);
	assert_int_equal(auth_check_password("$", password), 0);
	assert_int_equal(auth_check_password("$y$", password), 0);
	assert_int_equal(auth_check_password("plaintext", "plaintext"), 0);
	assert_int_equal(auth_check_password("$y$garbage$garbage", password),
	    0);
	/* A hash cut short no longer matches. */
	h = auth_hash_password("pw");
	assert_non_null(h);
	assert_int_equal(auth_check_password(h, "pw"), 1);
	cut = strdup(h);
	cut[strlen(cut) - 1] = cut[strlen(cut) - 1] == 'A' ? 'B' : 'A';
	assert_int_equal(auth_check_password(cut, "pw"), 0);
	cut[strlen(cut) - 5] = '\0';
	assert_int_equal(auth_check_password(cut, "pw"), 0);
	free(cut);
	free(h);
	/* The empty password hashes and checks like any other. */
	h = auth_hash_password("");
	assert_non_null(h);
	assert_int_equal(auth_check_password(h, ""), 1);
	assert_int_equal(auth_check_password(h, " "), 0);
	free(h);
}

static void
test_token_new(void **state)
{
	char	 a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];
	size_t	 i;

	(void)state;
	memset(a, 'Z', sizeof a);
	memset(b, 'Z', sizeof b);
	auth_token_new(a);
	auth_token_new(b);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strlen(b), 64);
	for (i = 0; i < 64; i++) {
		assert_true(isxdigit((unsigned char)a[i]));
		assert_false(isupper((unsigned char)a[i]));
	}
	assert_string_not_equal(a, b);
}

static void
test_token_hash(void **state)
{
	char	 h[AUTH_TOKEN_LEN + 1], t[AUTH_TOKEN_LEN + 1];

	(void)state;
	auth_token_hash("abc", h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	auth_token_hash("", h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	auth_token_new(t);
	auth_token_hash(t, h);
	assert_int_equal(strlen(h), 64);
	assert_string_not_equal(h, t);
}

static void
test_equal(void **state)
{
	(void)state;
	assert_int_equal(auth_equal("abc", "abc"), 1);
	assert_int_equal(auth_equal("", ""), 1);
	assert_int_equal(auth_equal("abc", "abd"), 0);
	assert_int_equal(auth_equal("abc", "Abc"), 0);
	assert_int_equal(auth_equal("abc", "ab"), 0);
	assert_int_equal(auth_equal("ab", "abc"), 0);
	assert_int_equal(auth_equal("", "a"), 0);
	assert_int_equal(auth_equal("a", ""), 0);
	/* Repeats of the shorter one are not a match. */
	assert_int_equal(auth_equal("abab", "ab"), 0);
	assert_int_equal(auth_equal("aaaa", "a"), 0);
}

static void
test_role(void **state)
{
	(void)state;
	assert_int_equal(auth_role("super_admin"), ROLE_SUPER);
	assert_int_equal(auth_role("admin"), ROLE_ADMIN);
	assert_int_not_equal(ROLE_SUPER, ROLE_ADMIN);
	assert_int_equal(auth_role("Admin"), -1);
	assert_int_equal(auth_role("admin "), -1);
	assert_int_equal(auth_role("superadmin"), -1);
	assert_int_equal(auth_role(""), -1);
	assert_string_equal(auth_role_name(ROLE_SUPER), "super_admin");
	assert_string_equal(auth_role_name(ROLE_ADMIN), "admin");
	assert_int_equal(auth_role(auth_role_name(ROLE_SUPER)), ROLE_SUPER);
	assert_int_equal(auth_role(auth_role_name(ROLE_ADMIN)), ROLE_ADMIN);
}

/*
 * Clear KEY, note NOTES failures with MAX and return how long the last
 * answer is held back; the lock-out after it must be twice that. Taken
 * within one second so it is exact, trying again if the second changed.
 */
static int
wait_after(const char *key, int notes, int max)
{
	time_t	 t0;
	int	 i, w, tries;

	for (tries = 0; tries < 10; tries++) {
		auth_fail_clear(key);
		t0 = time(NULL);
		for (i = 0, w = 0; i < notes; i++)
			w = auth_fail_note(key, max);
		/* Refused for as long again after the held-back answer. */
		if (auth_fail_wait(key) != 2 * w)
			continue;
		if (time(NULL) == t0)
			return w;
	}
	fail_msg("the clock never stood still for a second");
	return -1;
}

static void
test_fail_backoff(void **state)
{
	(void)state;
	assert_int_equal(auth_fail_wait("login:never"), 0);
	assert_int_equal(wait_after("login:a", 0, 3), 0);
	assert_int_equal(wait_after("login:a", 1, 3), 0);
	assert_int_equal(wait_after("login:a", 2, 3), 0);
	assert_int_equal(wait_after("login:a", 3, 3), 1);
	assert_int_equal(wait_after("login:a", 4, 3), 2);
	assert_int_equal(wait_after("login:a", 5, 3), 4);
	assert_int_equal(wait_after("login:a", 6, 3), 8);
	assert_int_equal(wait_after("login:a", 7, 3), 16);
	assert_int_equal(wait_after("login:a", 8, 3), 30);
	assert_int_equal(wait_after("login:a", 9, 3), 30);
	assert_int_equal(wait_after("login:a", 50, 3), 30);
	/* Another maximum. */
	assert_int_equal(wait_after("uid:7", 1, 1), 1);
	assert_int_equal(wait_after("uid:7", 2, 1), 2);
	assert_int_equal(wait_after("uid:7", 9, 10), 0);
	assert_int_equal(wait_after("uid:7", 10, 10), 1);
	auth_fail_clear("login:a");
	auth_fail_clear("uid:7");
}

static void
test_fail_keys(void **state)
{
	time_t	 t0;
	int	 w;

	(void)state;
	do {
		t0 = time(NULL);
		auth_fail_clear("login:x");
		auth_fail_clear("login:y");
		auth_fail_note("login:x", 3);
		auth_fail_note("login:x", 3);
		auth_fail_note("login:x", 3);
		assert_int_equal(auth_fail_note("login:x", 3), 2);
		/* Keys are apart; a prefix is another key. */
		assert_int_equal(auth_fail_wait("login:y"), 0);
		assert_int_equal(auth_fail_wait("login:"), 0);
		assert_int_equal(auth_fail_wait("login:xx"), 0);
		assert_int_equal(auth_fail_note("login:y", 3), 0);
		assert_int_equal(auth_fail_wait("login:y"), 0);
		w = auth_fail_wait("login:x");
	} while (time(NULL) != t0);
	assert_int_equal(w, 4);
	/* Clearing forgives that key only. */
	auth_fail_clear("login:x");
	assert_int_equal(auth_fail_wait("login:x"), 0);
	auth_fail_note("login:x", 3);
	assert_int_equal(auth_fail_wait("login:x"), 0);
	auth_fail_clear("login:x");
	auth_fail_clear("login:y");
	auth_fail_clear("login:never-noted");
}

static void
test_fail_expires(void **state)
{
	time_t	 t0;
	int	 w;

	(void)state;
	/* A lock-out of 2 s is over 2 s later; the count stays. */
	w = wait_after("login:slow", 3, 3);
	assert_int_equal(w, 1);
	sleep(2);
	assert_int_equal(auth_fail_wait("login:slow"), 0);
	t0 = time(NULL);
	assert_int_equal(auth_fail_note("login:slow", 3), 2);
	w = auth_fail_wait("login:slow");
	assert_int_equal(w, time(NULL) == t0 ? 4 : 3);
	auth_fail_clear("login:slow");
}

static void
test_fail_many_keys(void **state)
{
	char	 key[32];
	time_t	 t0;
	int	 i, w;

	(void)state;
	/* More keys than slots: no crash, the newest are all remembered. */
	do {
		for (i = 0; i < 1000; i++) {
			snprintf(key, sizeof key, "login:u%d", i);
			auth_fail_clear(key);
		}
		t0 = time(NULL);
		for (i = 0; i < 1000; i++) {
			snprintf(key, sizeof key, "login:u%d", i);
			auth_fail_note(key, 3);
		}
		auth_fail_note("login:u999", 3);
		auth_fail_note("login:u999", 3);
		w = auth_fail_wait("login:u999");
	} while (time(NULL) != t0);
	assert_int_equal(w, 2);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "login:u%d", i);
		auth_fail_clear(key);
	}
	assert_int_equal(auth_fail_wait("login:u999"), 0);
}

static void
test_fail_long_key(void **state)
{
	char	 key[120];

	(void)state;
	/* A key of 80 bytes or more is limited like a short one. */
	memset(key, 0, sizeof key);
	memcpy(key, "login:", 6);
	memset(key + 6, 'l', 100);
	assert_int_equal(wait_after(key, 5, 3), 4);
	auth_fail_clear(key);
}

static int
group_setup(void **state)
{
	struct hashes	*hs;

	log_init("test_auth", 1, LOG_LVL_WARN);
	hs = calloc(1, sizeof *hs);
	if (hs == NULL)
		return -1;
	hs->h1 = auth_hash_password(password);
	hs->h2 = auth_hash_password(password);
	if (hs->h1 == NULL || hs->h2 == NULL)
		return -1;
	*state = hs;
	return 0;
}

static int
group_teardown(void **state)
{
	struct hashes	*hs = *state;

	free(hs->h1);
	free(hs->h2);
	free(hs);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_format),
		cmocka_unit_test(test_check_password),
		cmocka_unit_test(test_check_bad_hash),
		cmocka_unit_test(test_token_new),
		cmocka_unit_test(test_token_hash),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_role),
		cmocka_unit_test(test_fail_backoff),
		cmocka_unit_test(test_fail_keys),
		cmocka_unit_test(test_fail_expires),
		cmocka_unit_test(test_fail_many_keys),
		cmocka_unit_test(test_fail_long_key),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
