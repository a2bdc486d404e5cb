#ifndef CLI_H
#define CLI_H

#include <jansson.h>

#include "client.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

struct cli {
	struct client	 c;
	int		 json;		/* --json: print data as is */
	char		*sock;
	int		 connected;
};

/* NOUN VERB: FN gets the arguments after the verb. */
struct cli_cmd {
	const char	*noun;
	const char	*verb;		/* NULL: the noun alone */
	const char	*usage;
	int		(*fn)(struct cli *, int, char **);
};

/*
 * Parse options after the verb. SPEC is a list of words "name" (flag),
 * "name=" (takes a value), "name=#" (integer), "name=+" (repeatable, an
 * array). Options go into *OPTS by name (dashes become underscores),
 * positionals into *POS. Returns -1 (message printed) on a bad option.
 */
int	 cli_parse(int, char **, const char *, json_t **, json_t **);
/* Connect if not yet (exit 3 on failure, with the message on stderr). */
/* An error on stderr: plain, or JSON under --json. */
void	 cli_error(struct cli *, const char *, const char *);
int	 cli_connect(struct cli *);
/*
 * Call CMD and print the result: with --json the data as is, otherwise
 * through PRINT (NULL: nothing). Returns the exit code.
 */
int	 cli_call(struct cli *, const char *, json_t *, int,
	    void (*)(json_t *));
/* Same, but hand back the data (NULL on error, exit code in *RC). */
json_t	*cli_get(struct cli *, const char *, json_t *, int, int *);
/* Member K of O as an integer (0 if not one) or a string ("" if not). */
long long	 cli_int(json_t *, const char *);
const char	*cli_str(json_t *, const char *);
/* Print a JSON value for --json. */
void	 cli_print_json(json_t *);
/* Print text from outside with controls made inert. */
void	 cli_puts_safe(const char *, int);
/* Read a line from the terminal without echo (or stdin if not a tty). */
char	*cli_read_secret(const char *);
char	*cli_read_line(const char *);
/*
 * How long ago unix time WHEN (an integer, else "") was, into BUF:
 * "45s", "12m", "3h05m", "2d04h". Never negative (clocks may differ).
 */
const char *cli_age(char *, size_t, json_t *);
/* Ask QUESTION [y/N] on the terminal; 1 for yes. */
int	 cli_confirm(const char *);

int	 cli_main(int, char **);

#endif
