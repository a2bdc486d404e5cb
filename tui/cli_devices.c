#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"

/* devices list | resume NAME: the sending lanes (DESIGN §10). */

/* "HH:MM" of the lane's next send, "-" if none is due. */
static const char *
next_send(json_t *l, char *buf, size_t len)
{
	time_t		 t;
	struct tm	 tm;

	if (!json_is_integer(json_object_get(l, "next_send_at")))
		return "-";
	t = (time_t)cli_int(l, "next_send_at");
	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

void
cli_lane_line(json_t *l)
{
	char	 cap[48], next[16];

	if (json_is_integer(json_object_get(l, "warmup_day")))
		snprintf(cap, sizeof cap, "%lld/%lld (warm-up day %lld)",
		    cli_int(l, "sent_today"), cli_int(l, "cap_today"),
		    cli_int(l, "warmup_day"));
	else
		snprintf(cap, sizeof cap, "%lld/%lld", cli_int(l, "sent_today"),
		    cli_int(l, "cap_today"));
	printf("%-12s %-24s %-14s %-28s %s", cli_str(l, "name"),
	    *cli_str(l, "device_id") ? cli_str(l, "device_id") : "-",
	    cli_str(l, "state"), cap, next_send(l, next, sizeof next));
	if (*cli_str(l, "reason") != '\0') {
		printf("%*s", 9 - (int)strlen(next_send(l, next, sizeof next)),
		    "");
		cli_puts_safe(cli_str(l, "reason"), 0);
	}
	printf("\n");
}

static void
print_devices(json_t *d)
{
	json_t	*l;
	size_t	 i;

	printf("%-12s %-24s %-14s %-28s %-8s %s\n", "NAME", "DEVICE", "STATE",
	    "TODAY/CAP", "NEXT", "REASON");
	json_array_foreach(json_object_get(d, "devices"), i, l)
		cli_lane_line(l);
}

static int
cmd_devices_list(struct cli *cl, int argc, char **argv)
{
	if (argc != 0)
		return EXIT_USAGE;
	return cli_call(cl, "devices.list", NULL, -1, print_devices);
}

static void
print_resumed(json_t *d)
{
	printf("lane %s resumed\n", cli_str(d, "name"));
}

static int
cmd_devices_resume(struct cli *cl, int argc, char **argv)
{
	if (argc != 1)
		return EXIT_USAGE;
	return cli_call(cl, "devices.resume", json_pack("{s:s}", "name",
	    argv[0]), -1, print_resumed);
}

const struct cli_cmd cli_devices_cmds[] = {
	{ "devices", "list", "", cmd_devices_list },
	{ "devices", "resume", "NAME", cmd_devices_resume },
	{ NULL, NULL, NULL, NULL }
};
