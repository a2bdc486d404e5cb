#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "xmalloc.h"

#define SEC	UINT64_C(1000)
#define MIN	(60 * SEC)
#define HOUR	(60 * MIN)
#define DAY	(24 * HOUR)

/* The temp directory every test writes its files in. */
static char	 tmpdir[] = "/tmp/test_config.XXXXXX";
static unsigned	 nfiles;

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Write LEN bytes of DATA to a new file with MODE; returns its path. */
static char *
write_bytes(const void *data, size_t len, mode_t mode)
{
	char	*path;
	int	 fd;

	xasprintf(&path, "%s/f%u.conf", tmpdir, nfiles++);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static char *
write_file(const char *text, mode_t mode)
{
	return write_bytes(text, strlen(text), mode);
}

/* Load TEXT (mode 0600), which must succeed. */
static struct config *
load_ok(const char *text)
{
	struct config	*c = NULL;
	char		 err[1024] = "", *path;

	path = write_file(text, 0600);
	if (config_load(path, &c, err, sizeof err) != 0)
		fail_msg("config refused: %s\n%s", err, text);
	assert_non_null(c);
	assert_string_equal(c->path, path);
	free(path);
	return c;
}

/*
 * Load TEXT (mode MODE), which must fail with an error starting with
 * "PATH:LINE: " (LINE 0: "PATH: ") and holding WHAT.
 */
static void
load_err_mode(const char *text, mode_t mode, unsigned line, const char *what)
{
	struct config	*c = NULL;
	char		 err[1024] = "", *path, *prefix;

	path = write_file(text, mode);
	if (config_load(path, &c, err, sizeof err) != -1)
		fail_msg("config accepted:\n%s", text);
	if (line > 0)
		xasprintf(&prefix, "%s:%u: ", path, line);
	else
		xasprintf(&prefix, "%s: ", path);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("error \"%s\" does not start with \"%s\"", err,
		    prefix);
	if (strstr(err, what) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err, what);
	free(prefix);
	free(path);
}

static void
load_err(const char *text, unsigned line, const char *what)
{
	load_err_mode(text, 0600, line, what);
}

static void
test_defaults(void **state)
{
	struct config	*c = NULL;
	char		 err[256] = "";

	(void)state;
	assert_int_equal(config_load(NULL, &c, err, sizeof err), 0);
	assert_null(c->path);
	assert_int_equal(c->pacing.interval_ms, 25 * SEC);
	assert_int_equal(c->pacing.jitter_ms, 5 * SEC);
	assert_int_equal(c->pacing.batch_size, 25);
	assert_int_equal(c->pacing.batch_pause_ms, 300 * SEC);
	assert_int_equal(c->pacing.daily_limit, 1000);
	assert_int_equal(c->max_attempts, 3);
	assert_int_equal(c->backoff_ms, 30 * SEC);
	assert_int_equal(c->pacing.window_start, -1);
	assert_int_equal(c->pacing.window_end, -1);
	assert_int_equal(c->pacing.days, 0x7f);
	assert_int_equal(c->max_failures, 3);
	assert_int_equal(c->log_level, LOG_LVL_INFO);
	assert_string_equal(c->timezone, "UTC");
	assert_int_equal(c->nkeywords, 6);
	assert_string_equal(c->keywords[0], "STOP");
	assert_string_equal(c->keywords[2], "ARR\xc3\x8aT");
	assert_string_equal(c->keywords[5], "UNSUBSCRIBE");
	assert_null(c->provider);
	assert_null(c->api_key);
	assert_null(c->token);
	assert_null(c->default_country);
	assert_non_null(c->socket);
	assert_non_null(c->store_path);
	assert_string_equal(config_provider(c), "simulator");
	config_free(c);

	/* An empty file and a file of comments are the defaults too. */
	c = load_ok("");
	assert_int_equal(c->pacing.interval_ms, 25 * SEC);
	assert_string_equal(config_provider(c), "simulator");
	config_free(c);
	c = load_ok("# nothing\n; nothing\n\n   \n\t# indented\n");
	assert_int_equal(c->pacing.batch_size, 25);
	config_free(c);
}

/* Every key of the table, each with a value unlike its default. */
static void
test_every_key(void **state)
{
	struct config	*c;

	(void)state;
	c = load_ok(
	    "[daemon]\n"
	    "socket = /tmp/t.sock\n"
	    "pidfile = /tmp/t.pid\n"
	    "log_level = debug\n"
	    "max_clients = 7\n"
	    "socket_group = staff\n"
	    "[store]\n"
	    "path = /tmp/t.db\n"
	    "synchronous_full = yes\n"
	    "[wassenger]\n"
	    "provider = simulator\n"
	    "api_url = http://127.0.0.1:9/v1\n"
	    "api_key = k-123\n"
	    "api_key_file = /nonexistent/key\n"
	    "device_id = dev-1\n"
	    "timeout = 10s\n"
	    "health_interval = 2m\n"
	    "[webhook]\n"
	    "listen = 0.0.0.0:9090\n"
	    "path = /hook\n"
	    "token = tok\n"
	    "max_connections = 12\n"
	    "[pacing]\n"
	    "interval = 30s\n"
	    "jitter = 250ms\n"
	    "batch_size = 10\n"
	    "batch_pause = 10m\n"
	    "daily_limit = 500\n"
	    "timezone = Africa/Lome\n"
	    "window = 08:00-20:00\n"
	    "days = mon-fri\n"
	    "breaker_failures = 4\n"
	    "suppress_days = 7\n"
	    "[retry]\n"
	    "max_attempts = 5\n"
	    "backoff = 1m\n"
	    "[verify]\n"
	    "interval = 3s\n"
	    "ttl = 7d\n"
	    "[auth]\n"
	    "access_ttl = 1h\n"
	    "refresh_ttl = 2d\n"
	    "max_failures = 9\n"
	    "[optout]\n"
	    "keywords = STOP, FIN\n"
	    "[import]\n"
	    "default_country = 228\n"
	    "[simulator]\n"
	    "fail_percent = 3\n");
	assert_string_equal(c->socket, "/tmp/t.sock");
	assert_string_equal(c->pidfile, "/tmp/t.pid");
	assert_int_equal(c->log_level, LOG_LVL_DEBUG);
	assert_int_equal(c->max_clients, 7);
	assert_string_equal(c->socket_group, "staff");
	assert_string_equal(c->store_path, "/tmp/t.db");
	assert_int_equal(c->sync_full, 1);
	assert_string_equal(c->provider, "simulator");
	assert_string_equal(c->api_url, "http://127.0.0.1:9/v1");
	/* api_key_file is not read when api_key is given. */
	assert_string_equal(c->api_key, "k-123");
	assert_string_equal(c->api_key_file, "/nonexistent/key");
	assert_string_equal(c->device_id, "dev-1");
	assert_int_equal(c->timeout_ms, 10 * SEC);
	assert_int_equal(c->health_interval_ms, 2 * MIN);
	assert_string_equal(c->listen, "0.0.0.0:9090");
	assert_string_equal(c->wh_path, "/hook");
	assert_string_equal(c->token, "tok");
	assert_int_equal(c->wh_max_conns, 12);
	assert_int_equal(c->pacing.interval_ms, 30 * SEC);
	assert_int_equal(c->pacing.jitter_ms, 250);
	assert_int_equal(c->pacing.batch_size, 10);
	assert_int_equal(c->pacing.batch_pause_ms, 10 * MIN);
	assert_int_equal(c->pacing.daily_limit, 500);
	assert_string_equal(c->timezone, "Africa/Lome");
	assert_int_equal(c->pacing.window_start, 480);
	assert_int_equal(c->pacing.window_end, 1200);
	assert_int_equal(c->pacing.days, 0x3e);
	assert_int_equal(c->pacing.breaker_failures, 4);
	assert_int_equal(c->suppress_days, 7);
	assert_int_equal(c->max_attempts, 5);
	assert_int_equal(c->backoff_ms, MIN);
	assert_int_equal(c->verify_interval_ms, 3 * SEC);
	assert_int_equal(c->verify_ttl_ms, 7 * DAY);
	assert_int_equal(c->access_ttl_ms, HOUR);
	assert_int_equal(c->refresh_ttl_ms, 2 * DAY);
	assert_int_equal(c->max_failures, 9);
	assert_int_equal(c->nkeywords, 2);
	assert_string_equal(c->keywords[0], "STOP");
	assert_string_equal(c->keywords[1], "FIN");
	assert_string_equal(c->default_country, "228");
	assert_int_equal(c->sim_fail_percent, 3);
	/* An explicit provider wins over the key. */
	assert_string_equal(config_provider(c), "simulator");
	config_free(c);
}

static void
test_values(void **state)
{
	struct config	*c;

	(void)state;
	c = load_ok("[store]\nsynchronous_full = off\n[daemon]\nlog_level = "
	    "WARNING\n[import]\ndefault_country = +33\n[pacing]\n"
	    "daily_limit = 0\nwindow = none\nbatch_size = 100000\n");
	assert_int_equal(c->sync_full, 0);
	assert_int_equal(c->log_level, LOG_LVL_WARN);
	assert_string_equal(c->default_country, "33");
	assert_int_equal(c->pacing.daily_limit, 0);
	assert_int_equal(c->pacing.window_start, -1);
	assert_int_equal(c->pacing.window_end, -1);
	assert_int_equal(c->pacing.batch_size, 100000);
	config_free(c);

	/* A later line wins; sections may come back. */
	c = load_ok("[pacing]\ninterval = 1s\n[retry]\nmax_attempts = 1\n"
	    "[pacing]\ninterval = 2s\n");
	assert_int_equal(c->pacing.interval_ms, 2 * SEC);
	assert_int_equal(c->max_attempts, 1);
	config_free(c);

	/* Spaces around names, '=' and section names. */
	c = load_ok("  [ pacing ]  \n\tbatch_size=3\n  daily_limit   =  9  \n");
	assert_int_equal(c->pacing.batch_size, 3);
	assert_int_equal(c->pacing.daily_limit, 9);
	config_free(c);
}

static void
test_window(void **state)
{
	struct config	*c;

	(void)state;
	c = load_ok("[pacing]\nwindow = 08:00-20:00\n");
	assert_int_equal(c->pacing.window_start, 480);
	assert_int_equal(c->pacing.window_end, 1200);
	config_free(c);
	/* Overnight windows and the end of the day. */
	c = load_ok("[pacing]\nwindow = 22:30 - 06:15\n");
	assert_int_equal(c->pacing.window_start, 22 * 60 + 30);
	assert_int_equal(c->pacing.window_end, 6 * 60 + 15);
	config_free(c);
	c = load_ok("[pacing]\nwindow = 00:00-24:00\n");
	assert_int_equal(c->pacing.window_start, 0);
	assert_int_equal(c->pacing.window_end, 1440);
	config_free(c);

	load_err("[pacing]\nwindow = 25:00-08:00\n", 2, "window");
	load_err("[pacing]\nwindow = 08:00-08:00\n", 2, "window");
	load_err("[pacing]\nwindow = 08:60-09:00\n", 2, "window");
	load_err("[pacing]\nwindow = 24:01-09:00\n", 2, "window");
	load_err("[pacing]\nwindow = 08:00\n", 2, "window");
	load_err("[pacing]\nwindow = 8-20\n", 2, "window");
	load_err("[pacing]\nwindow = 08:00x-20:00\n", 2, "window");
	load_err("[pacing]\nwindow = -1:00-20:00\n", 2, "window");
}

static void
test_days(void **state)
{
	struct config	*c;

	(void)state;
	c = load_ok("[pacing]\ndays = mon-fri\n");
	assert_int_equal(c->pacing.days, 0x3e);
	config_free(c);
	/* A range wraps over the week's end: sun, mon and sat. */
	c = load_ok("[pacing]\ndays = sat-mon\n");
	assert_int_equal(c->pacing.days, (1 << 0) | (1 << 1) | (1 << 6));
	config_free(c);
	c = load_ok("[pacing]\ndays = Mon, wed ,SAT\n");
	assert_int_equal(c->pacing.days, (1 << 1) | (1 << 3) | (1 << 6));
	config_free(c);
	c = load_ok("[pacing]\ndays = sun\n");
	assert_int_equal(c->pacing.days, 1);
	config_free(c);
	c = load_ok("[pacing]\ndays = ALL\n");
	assert_int_equal(c->pacing.days, 0x7f);
	config_free(c);
	c = load_ok("[pacing]\ndays = mon-fri,sun\n");
	assert_int_equal(c->pacing.days, 0x3f);
	config_free(c);

	load_err("[pacing]\ndays = funday\n", 2, "days");
	load_err("[pacing]\ndays = mon-\n", 2, "days");
	load_err("[pacing]\ndays = mon,,tue\n", 2, "days");
	load_err("[pacing]\ndays = \n", 2, "days");
	load_err("[pacing]\ndays = monday\n", 2, "days");
}

static void
test_keywords(void **state)
{
	struct config	*c;

	(void)state;
	c = load_ok("[optout]\nkeywords = STOP,  Arr\xc3\xaat , ,FIN,\n");
	assert_int_equal(c->nkeywords, 3);
	assert_string_equal(c->keywords[0], "STOP");
	assert_string_equal(c->keywords[1], "Arr\xc3\xaat");
	assert_string_equal(c->keywords[2], "FIN");
	config_free(c);
	c = load_ok("[optout]\nkeywords = a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,"
	    "q,r,s,t,u,v,w,x,y,z,0,1,2,3,4,5\n");
	assert_int_equal(c->nkeywords, CONFIG_MAX_KEYWORDS);
	assert_string_equal(c->keywords[31], "5");
	config_free(c);
	load_err("[optout]\nkeywords = a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,"
	    "q,r,s,t,u,v,w,x,y,z,0,1,2,3,4,5,6\n", 2, "keywords");
}

static void
test_comments_quotes(void **state)
{
	struct config	*c;

	(void)state;
	c = load_ok("[pacing] \n"
	    "interval = 5s # five seconds\n"
	    "timezone = \"Europe/Paris\"\n"
	    "[wassenger]\n"
	    "api_url = http://h/#frag\n"
	    "device_id = \"  spaced  \"\n"
	    "[webhook]\n"
	    "path = \"/a\"\t# tab before the comment\n"
	    "listen = \"\"\n");
	assert_int_equal(c->pacing.interval_ms, 5 * SEC);
	assert_string_equal(c->timezone, "Europe/Paris");
	/* A '#' not after a space is part of the value. */
	assert_string_equal(c->api_url, "http://h/#frag");
	assert_string_equal(c->device_id, "  spaced  ");
	assert_string_equal(c->wh_path, "/a");
	assert_string_equal(c->listen, "");
	config_free(c);
	/* An unclosed quote, or text after the closing one, is an error. */
	load_err("[wassenger]\ndevice_id = \"\n", 2, "missing closing quote");
	load_err("[wassenger]\ndevice_id = \"a\" b\n", 2,
	    "text after the closing quote");
}

static void
test_quoted_hash(void **state)
{
	struct config	*c;

	(void)state;
	/* A quoted value may hold " #"; a comment may follow the quotes. */
	c = load_ok("[wassenger]\ndevice_id = \"a #b\"\n");
	assert_string_equal(c->device_id, "a #b");
	config_free(c);
	c = load_ok("[wassenger]\ndevice_id = \"a #b\"  # the phone\n");
	assert_string_equal(c->device_id, "a #b");
	config_free(c);
}

static void
test_errors(void **state)
{
	(void)state;
	load_err("[pacing]\n\nbogus = 1\n", 3, "bogus");
	load_err("[pacing]\nbatch = 1\n", 2, "unknown key batch in [pacing]");
	load_err("[nope]\n", 1, "unknown section [nope]");
	load_err("# c\n[pacing\n", 2, "bad section header");
	load_err("[pacing]\ninterval = 5x\n", 2, "interval");
	load_err("[pacing]\ninterval =\n", 2, "interval");
	load_err("[pacing]\nbatch_size = 12abc\n", 2, "batch_size");
	load_err("[pacing]\nbatch_size = 0\n", 2, "batch_size");
	load_err("[pacing]\nbatch_size = 100001\n", 2, "batch_size");
	load_err("[pacing]\nbatch_size = 99999999999999999999\n", 2,
	    "batch_size");
	load_err("[pacing]\nbatch_size =\n", 2, "batch_size");
	load_err("[retry]\nmax_attempts = 1.5\n", 2, "max_attempts");
	load_err("[pacing]\ndaily_limit = -1\n", 2, "daily_limit");
	load_err("[store]\nsynchronous_full = maybe\n", 2, "synchronous_full");
	load_err("[daemon]\nlog_level = loud\n", 2, "log_level");
	load_err("[wassenger]\nprovider = twilio\n", 2, "provider");
	load_err("[import]\ndefault_country = 2289\n", 2, "default_country");
	load_err("[import]\ndefault_country = +\n", 2, "default_country");
	load_err("[import]\ndefault_country = FR\n", 2, "default_country");
	load_err("[simulator]\nfail_percent = 101\n", 2, "fail_percent");
	load_err("interval = 5s\n", 1, "interval");
	load_err("interval = 5s\n", 1, "outside a section");
	load_err("[pacing]\ninterval 5s\n", 2, "expected key = value");
	/* The key of one section is unknown in another. */
	load_err("[retry]\ninterval = 5s\n", 2,
	    "unknown key interval in [retry]");
	/* A wassenger provider needs a key. */
	load_err("[wassenger]\nprovider = wassenger\n", 0, "api_key");
}

static void
test_missing_file(void **state)
{
	struct config	*c = NULL;
	char		 err[512] = "", *path;

	(void)state;
	xasprintf(&path, "%s/absent.conf", tmpdir);
	assert_int_equal(config_load(path, &c, err, sizeof err), -1);
	assert_null(c);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
	free(path);
}

static void
test_secret_mode(void **state)
{
	struct config	*c = NULL;
	char		 err[1024] = "", *path;

	(void)state;
	load_err_mode("[wassenger]\napi_key = x\n", 0644, 0, "chmod");
	load_err_mode("[wassenger]\napi_key = x\n", 0640, 0, "chmod");
	load_err_mode("[webhook]\ntoken = t\n", 0604, 0, "chmod");

	path = write_file("[wassenger]\napi_key = x\n", 0600);
	assert_int_equal(config_load(path, &c, err, sizeof err), 0);
	assert_string_equal(c->api_key, "x");
	assert_string_equal(config_provider(c), "wassenger");
	config_free(c);
	free(path);

	/* No secret: any mode will do; an empty key is no secret. */
	path = write_file("[wassenger]\napi_key =\n[pacing]\nbatch_size = 2\n",
	    0644);
	c = NULL;
	assert_int_equal(config_load(path, &c, err, sizeof err), 0);
	assert_int_equal(c->pacing.batch_size, 2);
	assert_string_equal(config_provider(c), "simulator");
	config_free(c);
	free(path);
}

static void
test_env_key(void **state)
{
	struct config	*c = NULL;
	char		 err[1024] = "";

	(void)state;
	assert_int_equal(setenv("WASSENGER_API_KEY", "from-env", 1), 0);
	assert_int_equal(setenv("WACAMP_WEBHOOK_TOKEN", "tok-env", 1), 0);
	assert_int_equal(config_load(NULL, &c, err, sizeof err), 0);
	assert_string_equal(c->api_key, "from-env");
	assert_string_equal(c->token, "tok-env");
	assert_string_equal(config_provider(c), "wassenger");
	config_free(c);

	/* Over the file's key as well; provider wassenger is then fine. */
	c = load_ok("[wassenger]\napi_key = from-file\nprovider = wassenger\n"
	    "[webhook]\ntoken = t\n");
	assert_string_equal(c->api_key, "from-env");
	assert_string_equal(c->token, "tok-env");
	assert_string_equal(config_provider(c), "wassenger");
	config_free(c);

	/* Empty variables do not count. */
	assert_int_equal(setenv("WASSENGER_API_KEY", "", 1), 0);
	assert_int_equal(unsetenv("WACAMP_WEBHOOK_TOKEN"), 0);
	c = load_ok("[wassenger]\napi_key = from-file\n");
	assert_string_equal(c->api_key, "from-file");
	assert_null(c->token);
	config_free(c);
	assert_int_equal(unsetenv("WASSENGER_API_KEY"), 0);

	c = NULL;
	assert_int_equal(config_load(NULL, &c, err, sizeof err), 0);
	assert_null(c->api_key);
	assert_string_equal(config_provider(c), "simulator");
	config_free(c);
}

static void
test_key_file(void **state)
{
	struct config	*c;
	char		*key, *conf, *text;

	(void)state;
	key = write_file("s3cret-key\n", 0644);
	xasprintf(&text, "[wassenger]\napi_key_file = %s\n", key);
	/* The config itself may be world-readable; the key file may not. */
	conf = write_file(text, 0644);
	{
		char	 err[1024] = "";

		c = NULL;
		assert_int_equal(config_load(conf, &c, err, sizeof err), -1);
		assert_null(c);
		assert_non_null(strstr(err, key));
		assert_non_null(strstr(err, "chmod"));
	}
	assert_int_equal(chmod(key, 0600), 0);
	c = load_ok(text);
	assert_string_equal(c->api_key, "s3cret-key");
	assert_string_equal(config_provider(c), "wassenger");
	config_free(c);
	free(text);
	free(conf);
	free(key);

	/* CRLF and surrounding spaces go too; only the first line counts. */
	key = write_file("  k2 \r\nsecond line\n", 0600);
	xasprintf(&text, "[wassenger]\napi_key_file = %s\n", key);
	c = load_ok(text);
	assert_string_equal(c->api_key, "k2");
	config_free(c);
	free(text);
	free(key);

	/* A key file that is not there: the error names that file. */
	xasprintf(&key, "%s/nokey", tmpdir);
	xasprintf(&text, "[wassenger]\napi_key_file = %s\n", key);
	conf = write_file(text, 0600);
	{
		char	 err[1024] = "", *want;

		c = NULL;
		assert_int_equal(config_load(conf, &c, err, sizeof err), -1);
		assert_null(c);
		xasprintf(&want, "[wassenger] api_key_file %s: No such file or directory", key);
		assert_string_equal(err, want);
		free(want);
	}
	free(conf);
	free(text);
	free(key);
}

static void
test_long_line(void **state)
{
	struct config	*c;
	char		*text, *path, err[512] = "";
	size_t		 n = 1024 * 1024;

	(void)state;
	/* A 1 MB value is kept whole. */
	text = xmalloc(n + 64);
	memcpy(text, "[daemon]\nsocket = ", 18);
	memset(text + 18, 'a', n);
	memcpy(text + 18 + n, "\n", 2);
	c = load_ok(text);
	assert_int_equal(strlen(c->socket), n);
	config_free(c);

	/* A 1 MB line with no '=' and a 1 MB section name. */
	memset(text, 'b', n);
	memcpy(text + n, "\n", 2);
	load_err(text, 1, "expected key = value");
	text[0] = '[';
	memcpy(text + n, "]\n", 3);
	load_err(text, 1, "bad section header");

	/* A 1 MB key name: an error, truncated to fit. */
	memcpy(text, "[pacing]\n", 9);
	memset(text + 9, 'k', n);
	memcpy(text + 9 + n, " = 1\n", 6);
	path = write_file(text, 0600);
	c = NULL;
	assert_int_equal(config_load(path, &c, err, sizeof err), -1);
	assert_int_equal(strlen(err), sizeof err - 1);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	free(path);
	free(text);
}

static void
test_nul_bytes(void **state)
{
	static const char	 data[] = "[pacing]\nbatch_size = 7\0junk\n"
	    "\0[nope]\n\0\0\0\ndaily_limit = 3\n";
	struct config		*c = NULL;
	char			 err[512] = "", *path;

	(void)state;
	/* A NUL ends the line's text; a line starting with NUL is empty. */
	path = write_bytes(data, sizeof data - 1, 0600);
	assert_int_equal(config_load(path, &c, err, sizeof err), 0);
	assert_int_equal(c->pacing.batch_size, 7);
	assert_int_equal(c->pacing.daily_limit, 3);
	config_free(c);
	free(path);
}

/* Random bytes and random mixes of config syntax: an answer, no crash. */
static void
test_garbage(void **state)
{
	static const char	*tok[] = { "[", "]", "=", "#", ";", "\"", " ",
	    "\t", "\n", "\r", "\0", "-", ",", ":", "pacing", "wassenger",
	    "optout", "interval", "window", "days", "keywords", "api_key",
	    "batch_size", "5m", "08:00", "mon", "\xff", "\xc3\xa9", "9999",
	    "[pacing]\n", "[wassenger]\n", "[optout]\n", "api_key_file",
	    "default_country", "+" };
	struct config	*c;
	char		 buf[4096], err[512], *path;
	uint64_t	 rng = UINT64_C(0xdeadbeefcafef00d), r;
	size_t		 len, i, k;
	int		 n, rc;

	(void)state;
	for (n = 0; n < 1000; n++) {
		len = 0;
		r = rng_next(&rng);
		if (n % 4 == 0) {
			len = r % sizeof buf;
			for (i = 0; i < len; i++)
				buf[i] = (char)rng_next(&rng);
		} else {
			for (i = r % 200; i > 0; i--) {
				k = rng_next(&rng) %
				    (sizeof tok / sizeof tok[0]);
				if (len + 32 > sizeof buf)
					break;
				if (tok[k][0] == '\0')
					buf[len++] = '\0';
				else {
					memcpy(buf + len, tok[k],
					    strlen(tok[k]));
					len += strlen(tok[k]);
				}
			}
		}
		path = write_bytes(buf, len, 0600);
		c = NULL;
		err[0] = '\0';
		rc = config_load(path, &c, err, sizeof err);
		if (rc == 0) {
			assert_non_null(c);
			assert_true(c->nkeywords <= CONFIG_MAX_KEYWORDS);
			config_free(c);
		} else {
			assert_int_equal(rc, -1);
			assert_null(c);
			assert_int_equal(strncmp(err, path, strlen(path)), 0);
		}
		unlink(path);
		free(path);
	}
}

static int
rm_tree(const char *dir)
{
	char	*cmd;
	int	 rc;

	xasprintf(&cmd, "rm -rf '%s'", dir);
	rc = system(cmd);
	free(cmd);
	return rc;
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_config", 1, LOG_LVL_WARN);
	unsetenv("WASSENGER_API_KEY");
	unsetenv("WACAMP_WEBHOOK_TOKEN");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return rm_tree(tmpdir) == 0 ? 0 : -1;
}

/* [device NAME] sections: a lane each, overriding [pacing] keys. */
static void
test_devices(void **state)
{
	struct config		*c;
	const struct device	*d;

	(void)state;
	c = load_ok("[wassenger]\ndevice_id = aaa\n"
	    "[device second]\ndevice_id = bbb\ndaily_limit = 5\n"
	    "window = 09:00-17:00\nwarmup_start = 2026-12-01\n"
	    "warmup_steps = 20 40, 80\noptout_pause = 7.5%\n"
	    "[pacing]\ninterval = 3s\ndaily_limit = 900\nbatch_size = 7\n"
	    "[device third]\ndevice_id = ccc\ninterval = 9s\n");
	assert_int_equal(c->ndevices, 2);
	assert_int_equal(c->pacing.daily_limit, 900);
	assert_int_equal(c->pacing.warmup_start, -1);
	assert_int_equal(c->pacing.governor_window, 50);
	d = config_device(c, "second");
	assert_non_null(d);
	assert_string_equal(d->device_id, "bbb");
	assert_int_equal(d->pacing.daily_limit, 5);
	/* [pacing] read after the section still applies to it. */
	assert_int_equal(d->pacing.interval_ms, 3 * SEC);
	assert_int_equal(d->pacing.batch_size, 7);
	assert_int_equal(d->pacing.window_start, 9 * 60);
	assert_int_equal(d->pacing.window_end, 17 * 60);
	assert_int_equal(d->pacing.warmup_start, 20788);
	assert_int_equal(d->pacing.nwarmup, 3);
	assert_int_equal(d->pacing.warmup_steps[2], 80);
	assert_true(d->pacing.optout_pause > 7.49 &&
	    d->pacing.optout_pause < 7.51);
	d = config_device(c, "third");
	assert_non_null(d);
	assert_int_equal(d->pacing.interval_ms, 9 * SEC);
	assert_int_equal(d->pacing.daily_limit, 900);
	assert_int_equal(d->pacing.window_start, -1);
	assert_null(config_device(c, "default"));
	config_free(c);
}

/* Errors in [device] sections name file, line and key. */
static void
test_device_errors(void **state)
{
	(void)state;
	load_err("[device two]\ndevice_id = b\ntimezone = UTC\n", 3,
	    "unknown key timezone in [device two]");
	load_err("[device two]\ndevice_id = b\nnope = 1\n", 3, "nope");
	load_err("[device two]\ndevice_id = b\ndaily_limit = -3\n", 3,
	    "daily_limit");
	load_err("[device two]\ndaily_limit = 3\n", 1, "device_id is "
	    "missing");
	load_err("[device two]\ndevice_id = b\n[device two]\n"
	    "device_id = c\n", 3, "given twice");
	load_err("[device default]\ndevice_id = b\n", 1, "device name");
	load_err("[device a b]\ndevice_id = b\n", 1, "device name");
	load_err("[wassenger]\ndevice_id = b\n[device two]\ndevice_id = b\n",
	    3, "the [wassenger] one");
	load_err("[device two]\ndevice_id = b\n[device three]\n"
	    "device_id = b\n", 3, "also [device two]'s");
	load_err("[pacing]\nwarmup_start = 2026-13-01\n", 2, "warmup_start");
	load_err("[pacing]\nwarmup_steps = 20 x\n", 2, "warmup_steps");
	load_err("[pacing]\noptout_slow = 120%\n", 2, "optout_slow");
	load_err("[pacing]\nslow_factor = 0.5\n", 2, "slow_factor");
	load_err("[pacing]\ngovernor_window = -1\n", 2, "governor_window");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_comments_quotes),
		cmocka_unit_test(test_quoted_hash),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_secret_mode),
		cmocka_unit_test(test_env_key),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_device_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
