/*
 * The configuration parser (durations, windows, days, every key): any
 * file gives a config or an error that says why, never a crash or a
 * leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char	 path[64];
	struct config	*c = NULL;
	char		 err[512];
	FILE		*fp;

	if (*path == '\0')
		snprintf(path, sizeof path, "/tmp/fuzz_config.%d",
		    (int)getpid());
	if ((fp = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data, 1, len, fp);
	fclose(fp);
	err[0] = '\0';
	if (config_load(path, &c, err, sizeof err) == 0)
		config_free(c);
	else if (err[0] == '\0')
		abort();	/* a refusal always says why */
	unlink(path);
	return 0;
}
