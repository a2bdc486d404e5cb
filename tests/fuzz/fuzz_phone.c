#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* 1 if S matches ^\+[1-9][0-9]{6,14}$. */
static int
shape_ok(const char *s)
{
	size_t	n;

	if (s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (n = 1; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9')
			return 0;
	}
	return n - 1 >= 7 && n - 1 <= 15;
}

/* Normalise S under DEFCC and check shape, fixed point and reasons. */
static void
check(const char *s, const char *defcc)
{
	static const char *const others[] = { NULL, "228", "33", "1" };
	char		 out[PHONE_MAX], again[PHONE_MAX];
	const char	*reason = NULL;
	size_t		 i;

	if (phone_normalize(s, defcc, out, &reason) != 0) {
		if (reason == NULL || reason[0] == '\0' || out[0] != '\0')
			abort();
		return;
	}
	if (!shape_ok(out))
		abort();
	/* The output is international: no default may change it. */
	if (phone_normalize(out, defcc, again, &reason) != 0 ||
	    strcmp(out, again) != 0)
		abort();
	for (i = 0; i < sizeof others / sizeof others[0]; i++) {
		if (phone_normalize(out, others[i], again, NULL) != 0 ||
		    strcmp(out, again) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const defccs[] = {
		NULL, "", "228", "225", "229", "33", "1", "44", "39", "241",
		"7", "49", "86", "850"
	};
	char	*s;
	size_t	 i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < sizeof defccs / sizeof defccs[0]; i++)
		check(s, defccs[i]);
	free(s);
	return 0;
}
