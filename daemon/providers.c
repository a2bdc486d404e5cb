#include <stdio.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "provider.h"
#include "providers.h"

int
provider_start(struct daemon *d, char *err, size_t errlen)
{
	const char	*name = config_provider(d->conf);

	if (strcmp(name, "wassenger") == 0)
		d->provider = provider_wassenger_new(d, err, errlen);
	else
		d->provider = provider_sim_new(d);
	if (d->provider == NULL)
		return -1;
	log_info("provider: %s", d->provider->name);
	return 0;
}

void
provider_stop(struct daemon *d)
{
	if (d->provider == NULL)
		return;
	d->provider->free(d->provider);
	d->provider = NULL;
}

void
provider_reload(struct daemon *d)
{
	if (d->provider != NULL && d->provider->reload != NULL)
		d->provider->reload(d->provider);
}
