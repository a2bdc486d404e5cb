/*
 * The text sanitiser and folder: whatever the bytes, the output is valid
 * UTF-8 with no control character left raw, and folding is stable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	*s, *t, a[256], b[256];
	size_t	 i;

	if ((s = malloc(len + 1)) == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	t = text_sanitize(s);
	if (!text_utf8_valid(t, strlen(t)))
		abort();
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			abort();
	text_fold(s, a, sizeof a);
	text_fold(a, b, sizeof b);
	if (strcmp(a, b) != 0)
		abort();
	(void)text_columns(t);
	text_lower(s);
	free(t);
	free(s);
	return 0;
}
