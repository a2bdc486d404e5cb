#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_cmds.h"

/* What the webhook's state means, in words, on one or more lines. */
static void
print_webhook_state(json_t *wh)
{
	const char	*state = json_string_value(json_object_get(wh, "state"));
	const char	*note = json_string_value(json_object_get(wh, "note"));
	json_t		*miss = json_object_get(wh, "missing_events"), *v;
	json_t		*st = json_object_get(wh, "status");
	size_t		 i;

	if (state == NULL)
		state = "unknown";
	printf("webhook    %s", state);
	if (strcmp(state, "missing") == 0)
		printf(": run wacamp webhook register https://your-host\n");
	else if (strcmp(state, "inactive") == 0) {
		if (json_is_string(st)) {
			printf(" (Wassenger status ");
			cli_puts_safe(json_string_value(st), 0);
			printf(")");
		}
		if (json_array_size(miss) > 0) {
			printf(", lacks");
			json_array_foreach(miss, i, v)
				printf("%s%s", i ? ", " : " ",
				    json_string_value(v));
		}
		printf(": run wacamp webhook register https://your-host to "
		    "update and re-enable it\n");
	} else if (strcmp(state, "unknown") == 0 && note != NULL) {
		printf(" (");
		cli_puts_safe(note, 0);
		printf(")\n");
	} else
		printf("\n");
}

/* What the plan delivers, in words: what will stay empty, and why. */
static void
print_plan(json_t *plan)
{
	static const struct {
		const char	*key;
		const char	*no;
	} flags[] = {
		{ "acks", "plan carries no acks: delivered/read will stay "
		    "empty" },
		{ "replies", "plan carries no replies: replies and STOP will "
		    "not arrive" },
		{ "reactions", "plan carries no reactions: reactions will not "
		    "trigger Message 2" },
	};
	const char	*code = json_string_value(json_object_get(plan, "code"));
	const char	*note = json_string_value(json_object_get(plan, "note"));
	json_t		*v;
	size_t		 i;
	int		 said = 0;

	if (code == NULL) {
		printf("plan       unknown");
		if (note != NULL) {
			printf(" (");
			cli_puts_safe(note, 0);
			printf(")");
		}
		printf("\n");
		return;
	}
	printf("plan       ");
	cli_puts_safe(code, 0);
	printf("\n");
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		v = json_object_get(plan, flags[i].key);
		if (json_is_false(v))
			printf("           %s\n", flags[i].no);
		else if (!json_is_true(v))
			printf("           %s unknown for this plan\n",
			    flags[i].key);
		else
			said++;
	}
	if (said == 3)
		printf("           carries acks, replies and reactions\n");
}

void
cli_webhook_lines(json_t *stats)
{
	const char	*prov = json_string_value(json_object_get(stats,
			    "provider"));

	if (prov != NULL && strcmp(prov, "simulator") == 0) {
		printf("webhook    none needed (simulator: events come from "
		    "inside the daemon)\n");
		return;
	}
	if (json_object_get(stats, "webhook") != NULL)
		print_webhook_state(json_object_get(stats, "webhook"));
	if (json_object_get(stats, "plan") != NULL)
		print_plan(json_object_get(stats, "plan"));
}

static void
print_field(const char *label, json_t *v)
{
	if (!json_is_string(v))
		return;
	printf("%-10s ", label);
	cli_puts_safe(json_string_value(v), 0);
	printf("\n");
}

static void
print_webhook(json_t *d)
{
	json_t		*h = json_object_get(d, "webhook"), *v;
	const char	*action = json_string_value(json_object_get(d, "action"));
	json_int_t	 ours = json_integer_value(json_object_get(d, "ours"));
	size_t		 i;

	if (action != NULL)
		printf("registered %s%s\n", action, json_is_true(
		    json_object_get(d, "enabled")) ? " and re-enabled" : "");
	print_webhook_state(d);
	if (json_is_object(h)) {
		print_field("id", json_object_get(h, "id"));
		print_field("url", json_object_get(h, "url"));
		print_field("status", json_object_get(h, "status"));
		printf("events    ");
		json_array_foreach(json_object_get(h, "events"), i, v) {
			printf(" ");
			cli_puts_safe(json_string_value(v), 0);
		}
		printf("\n");
		print_field("device", json_object_get(h, "device"));
		print_field("last run", json_object_get(h, "lastRunAt"));
		print_field("failed at", json_object_get(h, "lastFailureAt"));
	}
	if (ours > 1)
		printf("note       Wassenger lists %lld webhooks with our token; "
		    "the best is shown\n", (long long)ours);
	print_plan(json_object_get(d, "plan"));
}

static int
cmd_webhook_status(struct cli *cl, int argc, char **argv)
{
	if (argc != 0)
		return EXIT_USAGE;
	return cli_call(cl, "webhook.status", NULL, -1, print_webhook);
}

/* The daemon appends the token: it never is on this command line. */
static int
cmd_webhook_register(struct cli *cl, int argc, char **argv)
{
	if (argc != 1 || argv[0][0] == '-')
		return EXIT_USAGE;
	return cli_call(cl, "webhook.register", json_pack("{s:s}", "base_url",
	    argv[0]), -1, print_webhook);
}

const struct cli_cmd cli_webhook_cmds[] = {
	{ "webhook", "status", "", cmd_webhook_status },
	{ "webhook", "register", "BASE_URL", cmd_webhook_register },
	{ NULL, NULL, NULL, NULL }
};
