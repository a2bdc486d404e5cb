/*
 * The reference for the webhook budget: a bare libevent evhttp server that
 * parses the JSON body with jansson and answers 200, nothing else.
 * usage: bare_evhttp PORT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

static void
cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(in);
	json_t		*j;

	j = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, NULL);
	if (j == NULL) {
		evhttp_send_error(req, 400, NULL);
		return;
	}
	json_decref(j);
	evbuffer_add(evhttp_request_get_output_buffer(req), "{\"ok\":true}",
	    11);
	evhttp_send_reply(req, 200, "OK", NULL);
}

int
main(int argc, char *argv[])
{
	struct event_base	*base;
	struct evhttp		*http;

	if (argc != 2) {
		fprintf(stderr, "usage: bare_evhttp PORT\n");
		return 2;
	}
	base = event_base_new();
	http = evhttp_new(base);
	evhttp_set_max_body_size(http, 1024 * 1024);
	evhttp_set_gencb(http, cb, NULL);
	if (evhttp_bind_socket(http, "127.0.0.1",
	    (unsigned short)atoi(argv[1])) != 0) {
		fprintf(stderr, "bare_evhttp: cannot bind 127.0.0.1:%s\n",
		    argv[1]);
		return 1;
	}
	event_base_dispatch(base);
	return 0;
}
