#ifndef CMDS_H
#define CMDS_H

#include "ctl.h"

/* Command tables, one per module, each ending with a NULL name. */
extern const struct ctl_cmd	auth_cmds[];
extern const struct ctl_cmd	users_cmds[];
extern const struct ctl_cmd	misc_cmds[];
extern const struct ctl_cmd	campaigns_cmds[];
extern const struct ctl_cmd	verify_cmds[];
extern const struct ctl_cmd	contacts_cmds[];
extern const struct ctl_cmd	categories_cmds[];
extern const struct ctl_cmd	webhook_cmds[];
extern const struct ctl_cmd	messages_cmds[];
extern const struct ctl_cmd	replies_cmds[];
extern const struct ctl_cmd	templates_cmds[];
extern const struct ctl_cmd	reports_cmds[];
extern const struct ctl_cmd	devices_cmds[];

/* Interaction ID as the inbox and the reply.new event show it (NULL if
 * it is not a reply, a reaction or an opt-out). */
json_t	*replies_row(struct daemon *, int64_t);

/* The text of the template named or numbered by V (allocated), or NULL
 * with the reason in ERR. */
char	*template_body(struct daemon *, json_t *, char *, size_t);

/* At shutdown, after ctl_shutdown told their clients: stop the number
 * checks and free the requests still parked on them. */
void	verify_shutdown(struct daemon *);

#endif
