#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmds.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "pacer.h"

/*
 * devices.list: every lane, its device, state, today's usage and cap;
 * also as a one-page list ("items", "total") for the interface.
 */
static int
cmd_devices_list(struct ctl_req *r)
{
	json_t	*lanes = pacer_lanes(r->d);

	ctl_reply(r, json_pack("{s:O,s:o,s:I,s:n}", "devices", lanes, "items",
	    lanes, "total", (json_int_t)json_array_size(lanes), "next"));
	return CMD_DONE;
}

/* devices.resume: the operator resumes a paused lane (governor, breaker,
 * configuration). */
static int
cmd_devices_resume(struct ctl_req *r)
{
	const char	*name = ctl_arg_str(r, "name", NULL);
	char		 err[200];
	int		 n;

	if ((n = pacer_resume(r->d, name, err, sizeof err)) == -1) {
		ctl_error(r, "not_found", "%s", err);
		return CMD_DONE;
	}
	if (n == 0) {
		ctl_error(r, "conflict", "%s", err);
		return CMD_DONE;
	}
	ctl_reply(r, json_pack("{s:s,s:b}", "name", name, "resumed", 1));
	return CMD_DONE;
}

const struct ctl_cmd devices_cmds[] = {
	{ "devices.list", ROLE_ADMIN, 0, "after:i limit:i", cmd_devices_list },
	{ "devices.resume", ROLE_ADMIN, CMD_AUDIT, "name:s!",
	    cmd_devices_resume },
	{ NULL, 0, 0, NULL, NULL }
};
