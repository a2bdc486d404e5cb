/*
 * What the integration tests of sending share: a daemon on the fake
 * Wassenger, SQL on its database, campaigns, the fake's control API.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"
#include "kit.h"

void
kit_append_conf(struct harness *h, const char *fmt, ...)
{
	va_list	 ap;
	FILE	*fp;

	fp = fopen(h->conf, "a");
	assert_non_null(fp);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fclose(fp);
}

/* Config for the wassenger provider against the fake, plus EXTRA. */
void
kit_start_with_fake(struct harness *h, const char *extra)
{
	harness_init(h, NULL);
	assert_true(harness_fake_start(h) > 0);
	kit_append_conf(h, "[wassenger]\nprovider = wassenger\n"
	    "api_url = http://127.0.0.1:%d/v1\napi_key = test-token\n"
	    "device_id = " FW_DEVICE "\ntimeout = 3s\n%s\n", h->fake_port,
	    extra);
	assert_int_equal(harness_start(h), 0);
}

void
kit_sql(struct harness *h, const char *q)
{
	sqlite3	*db;
	char	*err = NULL;

	assert_int_equal(sqlite3_open(h->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sql %s: %s", q, err);
	sqlite3_close(db);
}

long long
kit_sql_int(struct harness *h, const char *q)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	long long	 v = -1;

	assert_int_equal(sqlite3_open(h->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

char *
kit_sql_text(struct harness *h, const char *q)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		*v = NULL;

	assert_int_equal(sqlite3_open(h->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* N contacts +336100NNNNN in category CAT (created), numbered from FIRST. */
void
kit_seed(struct harness *h, const char *cat, int first, int n)
{
	char	 q[1024];

	snprintf(q, sizeof q, "INSERT OR IGNORE INTO categories (name, "
	    "created_at, updated_at) VALUES ('%s', 0, 0);"
	    "WITH RECURSIVE s(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM s "
	    "WHERE i < %d) INSERT OR IGNORE INTO contacts (full_number, "
	    "first_name, last_name, created_at, updated_at) SELECT "
	    "printf('+336100%%05d', i), 'First' || i, 'Last' || i, 0, 0 "
	    "FROM s;"
	    "INSERT OR IGNORE INTO category_contacts (category_id, contact_id) "
	    "SELECT g.id, c.id FROM categories g, contacts c WHERE g.name = "
	    "'%s' AND c.full_number BETWEEN printf('+336100%%05d', %d) AND "
	    "printf('+336100%%05d', %d);", cat, first, first + n - 1, cat,
	    first, first + n - 1);
	kit_sql(h, q);
}

json_t *
kit_call_ok(int fd, const char *cmd, json_t *args)
{
	json_t	*rep = harness_call(fd, cmd, args), *data;

	assert_non_null(rep);
	if (!json_is_true(json_object_get(rep, "ok"))) {
		char *s = json_dumps(rep, 0);
		fail_msg("%s: %s", cmd, s);
	}
	data = json_incref(json_object_get(rep, "data"));
	json_decref(rep);
	return data;
}

const char *
kit_call_err(int fd, const char *cmd, json_t *args)
{
	static char	 code[64];
	json_t		*rep = harness_call(fd, cmd, args);

	assert_non_null(rep);
	assert_false(json_is_true(json_object_get(rep, "ok")));
	snprintf(code, sizeof code, "%s", json_string_value(json_object_get(
	    json_object_get(rep, "error"), "code")));
	json_decref(rep);
	return code;
}

long long
kit_campaign(int fd, const char *cat, const char *m1, int send)
{
	json_t		*d;
	long long	 id;

	d = kit_call_ok(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s]}",
	    "name", "test", "message_1", m1, "categories", cat));
	id = json_integer_value(json_object_get(d, "id"));
	json_decref(d);
	if (send)
		json_decref(kit_call_ok(fd, "campaigns.send", json_pack("{s:I}",
		    "id", (json_int_t)id)));
	return id;
}

/* The fake's records for PATH. */
json_t *
kit_fake_requests(struct harness *h, const char *path)
{
	char	 url[256], *body;
	json_t	*j, *arr;
	int	 st;

	snprintf(url, sizeof url, "/_ctl/requests?path=%s", path);
	body = harness_http(h->fake_port, "GET", url, NULL, &st);
	assert_int_equal(st, 200);
	j = json_loads(body, 0, NULL);
	free(body);
	assert_non_null(j);
	arr = json_is_array(j) ? json_incref(j) :
	    json_incref(json_object_get(j, "requests"));
	json_decref(j);
	assert_non_null(arr);
	return arr;
}

void
kit_fake_ctl(struct harness *h, const char *method, const char *path,
    const char *body)
{
	char	*r;
	int	 st;

	r = harness_http(h->fake_port, method, path, body, &st);
	if (st != 200)
		fail_msg("%s %s: %d %s", method, path, st, r ? r : "");
	free(r);
}

/* Wait until SQL gives WANT (up to SECS); returns the last value. */
long long
kit_wait_int(struct harness *h, const char *q, long long want, double secs)
{
	double		 t0 = harness_now();
	long long	 v;

	for (;;) {
		v = kit_sql_int(h, q);
		if (v == want || harness_now() - t0 > secs)
			return v;
		usleep(50000);
	}
}


int
kit_free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}
