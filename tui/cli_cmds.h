#ifndef CLI_CMDS_H
#define CLI_CMDS_H

#include "cli.h"

/* Command-line tables, one per group of nouns, each ending in NULL. */
extern const struct cli_cmd	cli_base_cmds[];
extern const struct cli_cmd	cli_campaigns_cmds[];
extern const struct cli_cmd	cli_contacts_cmds[];
extern const struct cli_cmd	cli_webhook_cmds[];
extern const struct cli_cmd	cli_verify_cmds[];
extern const struct cli_cmd	cli_messages_cmds[];
extern const struct cli_cmd	cli_replies_cmds[];
extern const struct cli_cmd	cli_templates_cmds[];
extern const struct cli_cmd	cli_reports_cmds[];

/* monitor --report FROM TO FILE.pdf (arguments after --report). */
int	cli_monitor_report(struct cli *, int, char **);

extern const struct cli_cmd	cli_devices_cmds[];

/* One lane of devices.list, in a row of devices list and status. */
void	cli_lane_line(json_t *);

/* The webhook and plan lines of status, in words (DESIGN §7). */
void	cli_webhook_lines(json_t *);

#endif
