#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <libgen.h>
#include <libintl.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "client.h"
#include "i18n.h"
#include "paths.h"
#include "proto.h"
#include "xmalloc.h"

/* What the last search tried, for an error that says where it looked. */
static char	 tried[1024];
static char	*searched;

/*
 * Where the catalogue is: $WACAMP_LOCALEDIR, else the install path when
 * it holds ours, else build/locale beside the binary (run uninstalled).
 */
void
client_i18n(void)
{
	const char	*env = getenv("WACAMP_LOCALEDIR");
	char		 exe[PATH_MAX], dir[PATH_MAX + 16];
	ssize_t		 n;
	struct stat	 sb;

	if (env != NULL && *env != '\0') {
		bindtextdomain("wacamp", env);
	} else if (stat(LOCALEDIR "/fr/LC_MESSAGES/wacamp.mo", &sb) == 0) {
		bindtextdomain("wacamp", LOCALEDIR);
	} else if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		snprintf(dir, sizeof dir, "%s/locale", dirname(exe));
		bindtextdomain("wacamp", dir);
	}
	bind_textdomain_codeset("wacamp", "UTF-8");
	textdomain("wacamp");
}

/*
 * The daemon's error ERR for a person, in their language: its key and
 * args through the catalogue (wacamp-protocol.7), else its message. An
 * error made on this side has no key: its message is the key.
 */
char *
client_err_text(json_t *err)
{
	return client_msg_text(err, "message");
}

/*
 * OBJ's key with its args put in, translated; an arg may itself be a
 * message ({"key","args"}, one level down). MSG is the English to fall
 * back on (NULL for a nested one: its key with its args).
 */
static char *
msg_text(json_t *obj, const char *msg, int depth)
{
	const char	*key, *argv[I18N_MAXARGS];
	char		*own[I18N_MAXARGS], *s;
	json_t		*args, *v;
	size_t		 i, n;

	if ((key = json_string_value(json_object_get(obj, "key"))) == NULL)
		key = msg;
	if (key == NULL)
		return xstrdup("?");
	args = json_object_get(obj, "args");
	if ((n = json_array_size(args)) > I18N_MAXARGS)
		return xstrdup(msg != NULL ? msg : key);
	memset(own, 0, sizeof own);
	json_array_foreach(args, i, v) {
		if (json_is_object(v) && depth < 2)
			argv[i] = own[i] = msg_text(v, NULL, depth + 1);
		else if ((argv[i] = json_string_value(v)) == NULL)
			break;
	}
	if (i < n)
		s = xstrdup(msg != NULL ? msg : key);
	else
		s = i18n_text(key, argv, (int)n, msg);
	for (i = 0; i < n; i++)
		free(own[i]);
	return s;
}

char *
client_msg_text(json_t *err, const char *field)
{
	return msg_text(err, json_string_value(json_object_get(err, field)),
	    0);
}

/*
 * The socket: -S, else $WACAMP_SOCKET (unless --org is given), else the
 * first that exists of the user's own daemon's and the system daemon's
 * (of the organisation given by --org, if any).
 */
char *
client_socket_path(const char *opt)
{
	struct stat	 st;
	const char	*env;
	char		*cand[2];
	size_t		 i;

	tried[0] = '\0';
	free(searched);
	searched = NULL;
	if (opt != NULL)
		return xstrdup(opt);
	/* --org, on the command line, wins over the environment. */
	if (paths_org() == NULL && (env = getenv("WACAMP_SOCKET")) != NULL &&
	    *env != '\0')
		return xstrdup(env);
	cand[0] = paths_user_socket();
	cand[1] = paths_system_socket();
	snprintf(tried, sizeof tried, "%s%s, %s", paths_org() != NULL ? "" :
	    "$WACAMP_SOCKET (unset), ", cand[0], cand[1]);
	for (i = 0; i < 2; i++)
		if (stat(cand[i], &st) == 0 || errno != ENOENT)
			break;
	/*
	 * None there: the user's own, whose directory is checked before the
	 * connection, and whose error names them all.
	 */
	if (i == 2)
		i = 0;
	free(cand[1 - i]);
	searched = xstrdup(cand[i]);
	return cand[i];
}

/* Read until one whole message; 0 on success, -1 on EOF or error. */
static int
client_read(struct client *c, json_t **msg)
{
	char	 why[256];
	int	 rv;

	for (;;) {
		rv = proto_read(c->in, msg, why, sizeof why);
		if (rv == PROTO_OK)
			return 0;
		if (rv == PROTO_TOOLONG)
			return -1;
		if (rv == PROTO_BADJSON)
			continue;
		rv = evbuffer_read(c->in, c->fd, 65536);
		if (rv == 0)
			return -1;
		if (rv == -1 && errno != EINTR)
			return -1;
	}
}

/*
 * The default per-user socket lives in a directory that must be ours
 * alone: one made first by another user could hold their socket, and
 * they would receive our password. 0, or -1 with ERR saying why.
 */
int
client_path_safe(const char *path, char *err, size_t errlen)
{
	char	*copy, *rt;
	int	 rv = 0;

	if (getuid() == 0)
		return 0;
	copy = xstrdup(path);
	rt = paths_state_dir();
	if (strcmp(dirname(copy), rt) == 0 && access(rt, F_OK) == 0)
		rv = paths_private_dir(rt, 0, err, errlen);
	free(rt);
	free(copy);
	return rv;
}

int
client_connect(struct client *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	json_t			*msg = NULL;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->next_id = 1;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (client_path_safe(path, err, errlen) == -1)
		return -1;
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (errno == ENOENT && searched != NULL &&
		    strcmp(path, searched) == 0)
			snprintf(err, errlen, "cannot reach wacampd: no socket "
			    "(tried %s; is wacampd running? -S or --org "
			    "choose another)", tried);
		else
			snprintf(err, errlen, "cannot reach wacampd at %s: %s",
			    path, strerror(errno));
		if (c->fd != -1)
			close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->in = evbuffer_new();
	if (client_read(c, &msg) == -1) {
		snprintf(err, errlen, "wacampd at %s closed the connection",
		    path);
		client_close(c);
		return -1;
	}
	if (json_object_get(msg, "event") != NULL &&
	    strcmp(json_string_value(json_object_get(msg, "event")) ?
	    json_string_value(json_object_get(msg, "event")) : "",
	    "hello") == 0)
		c->hello = json_incref(json_object_get(msg, "data"));
	else if (json_object_get(msg, "error") != NULL) {
		snprintf(err, errlen, "wacampd: %s", json_string_value(
		    json_object_get(json_object_get(msg, "error"), "message")));
		json_decref(msg);
		client_close(c);
		return -1;
	}
	json_decref(msg);
	return 0;
}

json_t *
client_call(struct client *c, const char *cmd, json_t *args, int fd,
    json_t **err)
{
	json_t		*req, *msg, *id, *data;
	json_int_t	 myid = c->next_id++;
	char		*line;
	const char	*ev;

	*err = NULL;
	req = json_pack("{s:I,s:s,s:o}", "id", myid, "cmd", cmd, "args",
	    args ? args : json_object());
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line == NULL) {
		*err = json_pack("{s:s,s:s}", "code", "internal", "message",
		    N_("cannot encode the request"));
		return NULL;
	}
	/* The line goes out with the descriptor attached to its first byte. */
	if (proto_send_fd(c->fd, line, strlen(line), fd) == -1 ||
	    proto_send_fd(c->fd, "\n", 1, -1) == -1) {
		free(line);
		*err = json_pack("{s:s,s:s}", "code", "unavailable", "message",
		    N_("lost the connection to wacampd"));
		return NULL;
	}
	free(line);
	for (;;) {
		if (client_read(c, &msg) == -1) {
			*err = json_pack("{s:s,s:s}", "code", "unavailable",
			    "message", N_("lost the connection to wacampd"));
			return NULL;
		}
		if ((ev = json_string_value(json_object_get(msg, "event")))
		    != NULL) {
			if (c->on_event != NULL)
				c->on_event(ev, json_object_get(msg, "data"),
				    c->arg);
			json_decref(msg);
			continue;
		}
		id = json_object_get(msg, "id");
		if (json_is_integer(id) && json_integer_value(id) == myid)
			break;
		if (json_is_null(id) && json_object_get(msg, "error") != NULL)
			break;
		json_decref(msg);
	}
	if (json_is_true(json_object_get(msg, "ok"))) {
		data = json_incref(json_object_get(msg, "data"));
		json_decref(msg);
		return data;
	}
	*err = json_incref(json_object_get(msg, "error"));
	if (*err == NULL)
		*err = json_pack("{s:s,s:s}", "code", "internal", "message",
		    "malformed reply");
	json_decref(msg);
	return NULL;
}

void
client_close(struct client *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	if (c->in != NULL)
		evbuffer_free(c->in);
	c->in = NULL;
	json_decref(c->hello);
	c->hello = NULL;
}

char *
client_token_path(void)
{
	char	*dir, *p;

	dir = paths_state_dir();
	if (paths_org() != NULL)
		xasprintf(&p, "%s/token-%s", dir, paths_org());
	else
		xasprintf(&p, "%s/token", dir);
	free(dir);
	return p;
}

char *
client_token_load(void)
{
	char	*path, buf[256];
	ssize_t	 n;
	int	 fd;

	path = client_token_path();
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd == -1)
		return NULL;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return xstrdup(buf);
}

int
client_token_save(const char *token)
{
	char	*dir, *path, why[300];
	int	 fd, rv = -1;

	dir = paths_state_dir();
	if (paths_private_dir(dir, 1, why, sizeof why) == -1) {
		fprintf(stderr, "wacamp: not saving the session: %s\n", why);
		free(dir);
		return -1;
	}
	free(dir);
	path = client_token_path();
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd != -1) {
		if (write(fd, token, strlen(token)) == (ssize_t)strlen(token) &&
		    write(fd, "\n", 1) == 1)
			rv = 0;
		close(fd);
	}
	free(path);
	return rv;
}

void
client_token_remove(void)
{
	char	*path = client_token_path();

	unlink(path);
	free(path);
}

void
client_resume(struct client *c)
{
	json_t	*data, *err;
	char	*token;

	if (c->hello != NULL && json_object_get(c->hello, "user") != NULL &&
	    !json_is_null(json_object_get(c->hello, "user")))
		return;
	if ((token = client_token_load()) == NULL)
		return;
	data = client_call(c, "auth.login", json_pack("{s:s}", "token", token),
	    -1, &err);
	explicit_bzero(token, strlen(token));
	free(token);
	json_decref(data);
	json_decref(err);
}
