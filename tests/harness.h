#ifndef HARNESS_H
#define HARNESS_H

#include <sys/types.h>

#include <jansson.h>

/* A temp dir with a real wacampd on a private socket (and fakewass). */
struct harness {
	char	 dir[256];
	char	 conf[300];
	char	 sock[300];
	char	 db[300];
	char	 log[300];
	pid_t	 daemon;
	pid_t	 fake;
	int	 fake_port;
};

/* Make the temp dir and write a config with EXTRA appended (may be NULL). */
void	 harness_init(struct harness *, const char *);
/* wacampd init, then wacampd -f; waits until the socket answers. */
int	 harness_start(struct harness *);
/* SIGTERM and wait (SIGKILL after 5 s). Returns the exit status. */
int	 harness_stop(struct harness *);
/* Stop everything and remove the temp dir. */
void	 harness_cleanup(struct harness *);

/* Connect to the daemon: a socket fd, with the hello line consumed. */
int	 harness_connect(struct harness *);
/* Send one request and return the whole reply object (events skipped). */
json_t	*harness_call(int, const char *, json_t *);
/* Send a raw line (may lack '\n'); returns 0 or -1. */
int	 harness_send(int, const char *, size_t);
/* Read one JSON line with a timeout in ms; NULL on EOF/timeout. */
json_t	*harness_read(int, int);

/* Run the CLI with -S and ARGS (a shell-quoted string); capture stdout
 * into *OUT (allocated) and return the exit code. STDIN_TEXT may be NULL. */
int	 harness_cli(struct harness *, const char *, const char *, char **);

/* Start the fake Wassenger server on a free port. */
int	 harness_fake_start(struct harness *);
/* HTTP to the fake's control API; returns the body (allocated). */
char	*harness_http(int, const char *, const char *, const char *, int *);

/* Run the shell command CMD; its output (what it sends to stdout, with
 * 2>&1 its errors too) into *OUT (allocated); the exit code, -1 if it
 * did not exit. */
int	 harness_sh(const char *, char **);

double	 harness_now(void);
/* Does the file at PATH contain NEEDLE anywhere (binary safe)? */
int	 harness_file_has(const char *, const char *);

#endif
