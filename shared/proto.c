#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "proto.h"

int
proto_read(struct evbuffer *in, json_t **obj, char *why, size_t whylen)
{
	size_t	 scanned = 0;

	return proto_read_from(in, &scanned, obj, why, whylen);
}

int
proto_read_from(struct evbuffer *in, size_t *scanned, json_t **obj, char *why,
    size_t whylen)
{
	struct evbuffer_ptr	 eol, start;
	json_error_t		 jerr;
	size_t			 len;
	char			*line;
	json_t			*j;

	*obj = NULL;
	/* Bytes already searched hold no newline: start after them. */
	if (*scanned > 0 && *scanned <= evbuffer_get_length(in) &&
	    evbuffer_ptr_set(in, &start, *scanned, EVBUFFER_PTR_SET) == 0)
		eol = evbuffer_search_eol(in, &start, NULL, EVBUFFER_EOL_LF);
	else
		eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
	if (eol.pos == -1) {
		*scanned = evbuffer_get_length(in);
		if (evbuffer_get_length(in) > PROTO_MAX_LINE) {
			snprintf(why, whylen, "line longer than %d bytes",
			    PROTO_MAX_LINE);
			return PROTO_TOOLONG;
		}
		return PROTO_NEED;
	}
	*scanned = 0;
	len = (size_t)eol.pos;
	if (len > PROTO_MAX_LINE) {
		snprintf(why, whylen, "line longer than %d bytes",
		    PROTO_MAX_LINE);
		return PROTO_TOOLONG;
	}
	/* The line is contiguous after pullup; it ends at the '\n'. */
	line = (char *)evbuffer_pullup(in, (ev_ssize_t)len + 1);
	j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	evbuffer_drain(in, len + 1);
	if (j == NULL) {
		snprintf(why, whylen, "invalid JSON at column %d: %s",
		    jerr.column, jerr.text);
		return PROTO_BADJSON;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(why, whylen, "a request must be a JSON object");
		return PROTO_BADJSON;
	}
	*obj = j;
	return PROTO_OK;
}

static int
proto_dump_cb(const char *buf, size_t len, void *arg)
{
	return evbuffer_add(arg, buf, len);
}

size_t
proto_write(struct evbuffer *out, const json_t *obj)
{
	size_t	 before = evbuffer_get_length(out);

	if (json_dump_callback(obj, proto_dump_cb, out,
	    JSON_COMPACT | JSON_ENSURE_ASCII) != 0)
		return 0;
	evbuffer_add(out, "\n", 1);
	return evbuffer_get_length(out) - before;
}

ssize_t
proto_recv(int sock, struct evbuffer *in, int *fd)
{
	char		 buf[65536];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 n;
	int		 i, nfd, *fds;

	memset(&msg, 0, sizeof msg);
	iov.iov_base = buf;
	iov.iov_len = sizeof buf;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cmsgbuf.buf;
	msg.msg_controllen = sizeof cmsgbuf.buf;

	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		fds = (int *)CMSG_DATA(cmsg);
		for (i = 0; i < nfd; i++) {
			/* Keep the newest one; a client passes one per request. */
			if (*fd != -1)
				close(*fd);
			*fd = fds[i];
		}
	}
	evbuffer_add(in, buf, (size_t)n);
	return n;
}

int
proto_send_fd(int sock, const void *data, size_t len, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 n;
	const char	*p = data;

	while (len > 0) {
		memset(&msg, 0, sizeof msg);
		iov.iov_base = (void *)(uintptr_t)p;
		iov.iov_len = len;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (fd != -1) {
			memset(&cmsgbuf, 0, sizeof cmsgbuf);
			msg.msg_control = &cmsgbuf.buf;
			msg.msg_controllen = sizeof cmsgbuf.buf;
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
		}
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		fd = -1;	/* sent with the first bytes */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
