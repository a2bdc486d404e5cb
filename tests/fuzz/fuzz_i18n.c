/*
 * An error's key and args come from the socket and its translation from
 * a catalogue: any format with any args gives a bounded string or a
 * refusal, never a crash; a key with no conversion but "%%" is itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char		*buf, *fmt, *s;
	const char	*argv[I18N_MAXARGS + 1];
	size_t		 n;
	int		 argc = 0, i;

	/* NUL-separated: the format, then the args. */
	buf = malloc(len + 1);
	memcpy(buf, data, len);
	buf[len] = '\0';
	fmt = buf;
	for (n = strlen(fmt) + 1; n < len && argc <= I18N_MAXARGS; argc++) {
		argv[argc] = buf + n;
		n += strlen(buf + n) + 1;
	}
	if ((s = i18n_format(fmt, argv, argc)) != NULL) {
		if (strlen(s) >= 65536)
			abort();
		free(s);
	}
	for (i = 0; i < argc; i++)
		(void)i18n_arg_is_text(fmt, i);
	if (strchr(fmt, '%') == NULL) {
		if ((s = i18n_format(fmt, argv, 0)) == NULL ||
		    strcmp(s, fmt) != 0)
			abort();
		free(s);
	}
	free(buf);
	return 0;
}
