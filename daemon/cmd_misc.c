#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cmds.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "monitor.h"
#include "provider.h"
#include "store.h"

static int
cmd_monitoring_stats(struct ctl_req *r)
{
	json_t	*data = monitor_stats(r->d);

	json_object_set_new(data, "provider",
	    json_string(r->d->provider ? r->d->provider->name :
	    config_provider(r->d->conf)));
	json_object_set_new(data, "version", json_string(WACAMP_VERSION));
	json_object_set_new(data, "clients", json_integer(ctl_nclients(r->d)));
	ctl_reply(r, data);
	return CMD_DONE;
}

static int
cmd_monitoring_capacity(struct ctl_req *r)
{
	json_int_t	 days = ctl_arg_int(r, "days", 30);

	if (days < 1 || days > 3660) {
		ctl_error(r, "bad_request", "days must be 1 to 3660");
		return CMD_DONE;
	}
	ctl_reply(r, monitor_capacity_json(r->d, (int)days));
	return CMD_DONE;
}

static int
cmd_subscribe(struct ctl_req *r)
{
	ctl_subscribe(r, json_object_get(r->args, "topics"), 1);
	return CMD_DONE;
}

static int
cmd_unsubscribe(struct ctl_req *r)
{
	ctl_subscribe(r, json_object_get(r->args, "topics"), 0);
	return CMD_DONE;
}

/* audit.list: newest first, paged by id ("after" is the last id seen). */
static int
cmd_audit_list(struct ctl_req *r)
{
	sqlite3_stmt	*st;
	json_int_t	 after = ctl_arg_int(r, "after", 0);
	json_int_t	 limit, last = 0;
	json_t		*items;

	if ((limit = ctl_list_limit(r, 100)) == -1)
		return CMD_DONE;
	items = json_array();
	st = store_stmt(r->d->store, "SELECT id, at, user_id, login, "
	    "unix_user, command, target, ok FROM audit_log WHERE "
	    "(?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		json_array_append_new(items, json_pack(
		    "{s:I,s:I,s:I,s:s?,s:s?,s:s,s:s?,s:b}",
		    "id", last, "at", (json_int_t)sqlite3_column_int64(st, 1),
		    "user_id", (json_int_t)sqlite3_column_int64(st, 2),
		    "login", (const char *)sqlite3_column_text(st, 3),
		    "unix_user", (const char *)sqlite3_column_text(st, 4),
		    "command", (const char *)sqlite3_column_text(st, 5),
		    "target", (const char *)sqlite3_column_text(st, 6),
		    "ok", sqlite3_column_int(st, 7)));
	}
	sqlite3_reset(st);
	ctl_reply_page(r, items, store_int(store_stmt(r->d->store,
	    "SELECT count(*) FROM audit_log")), limit, last);
	return CMD_DONE;
}

const struct ctl_cmd misc_cmds[] = {
	{ "monitoring.stats", ROLE_ADMIN, 0, "", cmd_monitoring_stats },
	{ "monitoring.capacity", ROLE_ADMIN, 0, "days:i",
	    cmd_monitoring_capacity },
	{ "subscribe", ROLE_ADMIN, 0, "topics:a!", cmd_subscribe },
	{ "unsubscribe", ROLE_ADMIN, 0, "topics:a!", cmd_unsubscribe },
	{ "audit.list", ROLE_SUPER, 0, "after:i limit:i", cmd_audit_list },
	{ NULL, 0, 0, NULL, NULL }
};
