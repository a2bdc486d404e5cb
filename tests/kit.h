#ifndef KIT_H
#define KIT_H

#include <jansson.h>

struct harness;

/* The fake device's id (tests/fakewass.c). */
#define FW_DEVICE	"6643f2a1b7c9d40012e5a1f0"

/* Append to the daemon's config before harness_start. */
void		 kit_append_conf(struct harness *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
/* A daemon with the wassenger provider on a fresh fake, plus EXTRA config. */
void		 kit_start_with_fake(struct harness *, const char *);
/* SQL on the daemon's database (its own connection, 5 s busy timeout). */
void		 kit_sql(struct harness *, const char *);
long long	 kit_sql_int(struct harness *, const char *);
/* The one text the SQL gives (NULL: none, or NULL), as a new string. */
char		*kit_sql_text(struct harness *, const char *);
/* Wait until SQL gives WANT (up to SECS); returns the last value. */
long long	 kit_wait_int(struct harness *, const char *, long long, double);
/* N contacts +336100NNNNN in category CAT (created), numbered from FIRST. */
void		 kit_seed(struct harness *, const char *, int, int);
/* A request that must succeed: its data; one that must fail: its code. */
json_t		*kit_call_ok(int, const char *, json_t *);
const char	*kit_call_err(int, const char *, json_t *);
/* A campaign of category CAT with Message 1 M1, launched if SEND. */
long long	 kit_campaign(int, const char *, const char *, int);
/* The fake's records for requests under PATH. */
json_t		*kit_fake_requests(struct harness *, const char *);
/* A free TCP port on 127.0.0.1 (bound, read, released). */
int		 kit_free_port(void);
/* The fake's control API; the answer must be 200. */
void		 kit_fake_ctl(struct harness *, const char *, const char *,
		    const char *);

#endif
