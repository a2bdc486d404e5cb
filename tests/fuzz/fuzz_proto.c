/*
 * The control protocol's line reader: any bytes, split anywhere, give
 * objects, bad lines or a need for more, never a crash; a line read back
 * from proto_write is the same object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct evbuffer	*in = evbuffer_new(), *out = evbuffer_new();
	json_t		*obj, *again;
	char		 why[256];
	size_t		 scanned = 0, cut = len ? data[0] % (len + 1) : 0;
	int		 rv, n = 0;

	/* In two pieces, as a socket may deliver them. */
	evbuffer_add(in, data, cut);
	while ((rv = proto_read_from(in, &scanned, &obj, why,
	    sizeof why)) == PROTO_OK || rv == PROTO_BADJSON) {
		if (rv == PROTO_OK)
			json_decref(obj);
		if (++n > 100000)
			abort();
	}
	evbuffer_add(in, data + cut, len - cut);
	while ((rv = proto_read_from(in, &scanned, &obj, why,
	    sizeof why)) == PROTO_OK || rv == PROTO_BADJSON) {
		if (rv == PROTO_OK) {
			if (!json_is_object(obj))
				abort();
			proto_write(out, obj);
			if (proto_read(out, &again, why, sizeof why) !=
			    PROTO_OK || !json_equal(obj, again))
				abort();
			json_decref(again);
			json_decref(obj);
		}
		if (++n > 100000)
			abort();
	}
	if (rv != PROTO_NEED && rv != PROTO_TOOLONG)
		abort();
	evbuffer_free(in);
	evbuffer_free(out);
	return 0;
}
