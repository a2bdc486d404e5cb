#ifndef WEBHOOK_H
#define WEBHOOK_H

#include <stddef.h>

struct daemon;

/*
 * Journal, then apply, one Wassenger webhook body (an object or an array).
 * Returns 0, or -1 with the reason in ERR. (Declared here by the sending
 * branch until the webhook branch lands; the webhook branch owns it.)
 */
int	webhook_ingest(struct daemon *, const char *, size_t, char *, size_t);

#endif
