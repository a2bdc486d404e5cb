/*
 * For tests/phone/differential.py: reads "DEFCC<TAB>INPUT" lines, writes
 * "ok<TAB>E164<TAB>FLAGS" or "err<TAB>REASON" for each.
 */
#include <stdio.h>
#include <string.h>

#include "phone.h"

int
main(void)
{
	char		 line[512], out[PHONE_MAX], *in;
	const char	*why;
	int		 flags;

	while (fgets(line, sizeof line, stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((in = strchr(line, '\t')) == NULL)
			continue;
		*in++ = '\0';
		if (phone_normalize_flags(in, line, out, &why, &flags) == 0)
			printf("ok\t%s\t%d\n", out, flags);
		else
			printf("err\t%s\n", why);
	}
	return 0;
}
