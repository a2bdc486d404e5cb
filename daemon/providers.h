#ifndef PROVIDERS_H
#define PROVIDERS_H

#include <stddef.h>

struct daemon;

/*
 * The provider chosen by the configuration (OpenSMTPD's backends): the
 * daemon starts it here and then only calls it through struct provider.
 */
/* Start the configured provider on the loop: d->provider. */
int	 provider_start(struct daemon *, char *, size_t);
void	 provider_stop(struct daemon *);
/* Config changed (SIGHUP). */
void	 provider_reload(struct daemon *);

#endif
