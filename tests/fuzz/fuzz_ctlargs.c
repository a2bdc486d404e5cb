/*
 * A control request as it comes off the socket, checked against argument
 * specs of every shape the daemon uses: an answer (0, or -1 with a reason)
 * and never a crash. The input also goes through the spec checker as if
 * it were a spec.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "ctl_args.h"
#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const specs[] = {
	"",
	"id:i!",
	"id:i! dry_run:b",
	"id:*! name:s description:s color:s",
	"id:*! contacts:a!",
	"after:i limit:i search:s category:* opted_out:b verified:b",
	"login:s password:s token:s",
	"id:i! name:s message_1:s message_2:s categories:a o:o n:n",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct evbuffer	*in = evbuffer_new();
	json_t		*obj, *args;
	const char	*cmd;
	char		 why[256], *spec;
	size_t		 scanned = 0, i;
	int		 rv;

	evbuffer_add(in, data, len);
	evbuffer_add(in, "\n", 1);
	while ((rv = proto_read_from(in, &scanned, &obj, why,
	    sizeof why)) == PROTO_OK || rv == PROTO_BADJSON) {
		if (rv != PROTO_OK)
			continue;
		cmd = json_string_value(json_object_get(obj, "cmd"));
		args = json_object_get(obj, "args");
		if (!json_is_object(args))
			args = NULL;
		for (i = 0; i < sizeof specs / sizeof specs[0]; i++) {
			why[0] = '\0';
			if (ctl_args_check(cmd ? cmd : "?", specs[i], args, why,
			    sizeof why) == -1 && (why[0] == '\0' ||
			    memchr(why, '\0', sizeof why) == NULL))
				abort();
		}
		json_decref(obj);
	}
	evbuffer_free(in);
	spec = malloc(len + 1);
	memcpy(spec, data, len);
	spec[len] = '\0';
	if (ctl_spec_check(spec, why, sizeof why) == -1 && why[0] == '\0')
		abort();
	free(spec);
	return 0;
}
