/* Contacts and categories through the real daemon and the real CLI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"
#include "kit.h"

static struct harness	 H;

/* The 100 ms budget is for the release build; sanitizers slow it ~3x. */
#if defined(__SANITIZE_ADDRESS__)
#define STATUS_BUDGET	0.3
#else
#define STATUS_BUDGET	0.1
#endif

static int
setup(void **state)
{
	harness_init(&H, "[import]\ndefault_country = 228\n");
	return harness_start(&H);
}

static int
teardown(void **state)
{
	harness_cleanup(&H);
	return 0;
}

/* Write CONTENT (LEN bytes) to a file in the harness dir; returns its path. */
static const char *
write_file(const char *name, const char *content, size_t len)
{
	static char	 path[400];
	FILE		*fp;

	snprintf(path, sizeof path, "%s/%s", H.dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(content, 1, len, fp), len);
	fclose(fp);
	return path;
}

static json_t *
call_ok(const char *cmd, json_t *args)
{
	json_t	*rep, *data;
	int	 fd = harness_connect(&H);

	assert_true(fd >= 0);
	rep = harness_call(fd, cmd, args);
	close(fd);
	assert_non_null(rep);
	if (!json_is_true(json_object_get(rep, "ok"))) {
		char *s = json_dumps(rep, 0);
		fail_msg("%s: %s", cmd, s);
	}
	data = json_incref(json_object_get(rep, "data"));
	json_decref(rep);
	return data;
}

/* Run `contacts import PATH EXTRA --json`; the parsed summary. */
static json_t *
import(const char *path, const char *extra)
{
	char	 args[1024], *out = NULL;
	json_t	*j;
	int	 rc;

	snprintf(args, sizeof args, "--json contacts import '%s' %s", path,
	    extra ? extra : "");
	rc = harness_cli(&H, args, NULL, &out);
	assert_int_equal(rc, 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	free(out);
	return j;
}

static long long
n(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void
assert_counts(json_t *s, long long imp, long long upd, long long dup,
    long long inv)
{
	char	*dump = json_dumps(s, JSON_COMPACT);

	print_message("%s\n", dump);
	free(dump);
	assert_int_equal(n(s, "imported"), imp);
	assert_int_equal(n(s, "updated"), upd);
	assert_int_equal(n(s, "duplicates"), dup);
	assert_int_equal(n(s, "invalid"), inv);
}

static void
assert_alive(void)
{
	json_decref(call_ok("monitoring.stats", NULL));
}

static long long
total(const char *search)
{
	json_t		*d;
	long long	 t;

	d = call_ok("contacts.list", search ? json_pack("{s:s}", "search",
	    search) : NULL);
	t = n(d, "total");
	json_decref(d);
	return t;
}

static json_t *
find(const char *phone)
{
	json_t	*d, *c;

	d = call_ok("contacts.list", json_pack("{s:s}", "search", phone));
	c = json_array_get(json_object_get(d, "items"), 0);
	if (c != NULL)
		json_incref(c);
	json_decref(d);
	return c;
}

/* Acceptance 1: the mixed fixture, exact counts and each reject. */
static void
test_mixed(void **state)
{
	char	 path[400];
	json_t	*s, *rj;

	snprintf(path, sizeof path, "%s/contacts_mixed.csv",
	    getenv("WACAMP_FIXTURES"));
	s = import(path, "--category Mixed");
	/* Line 8 (",,,") is an empty record: skipped, not rejected. */
	assert_counts(s, 4, 0, 2, 2);
	rj = json_object_get(s, "rejects");
	assert_int_equal(json_array_size(rj), 2);
	assert_int_equal(n(json_array_get(rj, 0), "line"), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rj, 0), "reason")), "phone: invalid character 'a'");
	assert_int_equal(n(json_array_get(rj, 1), "line"), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rj, 1), "reason")), "phone: wrong length for +228");
	json_decref(s);
	/* The same file again: everything is a duplicate, nothing updated. */
	s = import(path, NULL);
	/* A number repeated in a file keeps its first row: line 6 renamed
	 * nobody in the first run, and nothing changes now. */
	assert_counts(s, 0, 0, 6, 2);
	json_decref(s);
	assert_alive();
}

/* Hostile files: exact counts, and the daemon keeps serving. */
static void
test_hostile(void **state)
{
	static char	 big[120000];
	json_t		*s, *c;
	const char	*p;
	size_t		 i;

	p = write_file("bom.csv", "\xef\xbb\xbfphone;first_name;last_name\r\n"
	    "+22891000001;Éloïse;Ba\r\n+22891000002;\"Multi\r\nLine\";X\r\n",
	    strlen("\xef\xbb\xbfphone;first_name;last_name\r\n"
	    "+22891000001;Éloïse;Ba\r\n+22891000002;\"Multi\r\nLine\";X\r\n"));
	s = import(p, NULL);
	assert_counts(s, 2, 0, 0, 0);
	json_decref(s);
	c = find("+22891000001");
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(c,
	    "first_name")), "Éloïse");
	json_decref(c);

	memcpy(big, "phone,first_name\n+22891000003,", 30);
	for (i = 30; i < 30 + 100 * 1024; i++)
		big[i] = 'x';
	memcpy(big + i, "\n+22891000004,ok\n", 17);
	p = write_file("big.csv", big, i + 17);
	s = import(p, NULL);
	assert_counts(s, 1, 0, 0, 1);
	json_decref(s);

	p = write_file("utf8.csv", "phone,first_name\n+22891000005,\xff\xfe"
	    "bad\n+22891000006,good\n", sizeof("phone,first_name\n+22891000005,\xff\xfe"
	    "bad\n+22891000006,good\n") - 1);
	/* Not UTF-8 from the start: read as Windows-1252, both rows kept. */
	s = import(p, NULL);
	assert_counts(s, 2, 0, 0, 0);
	assert_string_equal(json_string_value(json_object_get(s, "encoding")),
	    "Windows-1252");
	json_decref(s);

	p = write_file("empty.csv", "", 0);
	s = import(p, NULL);
	assert_counts(s, 0, 0, 0, 0);
	json_decref(s);

	p = write_file("header.csv", "téléphone,prénom,nom\n", sizeof("téléphone,prénom,nom\n") - 1);
	s = import(p, NULL);
	assert_counts(s, 0, 0, 0, 0);
	assert_int_equal(n(s, "rows"), 0);
	json_decref(s);

	p = write_file("garbage.bin", "\x00\x01\x02\x7f\x80\n\x1b[2J\x00\n"
	    "\xc3\x28,\x00\x00\n", 18);
	s = import(p, NULL);
	assert_int_equal(n(s, "imported"), 0);
	assert_int_equal(n(s, "invalid"), 3);
	json_decref(s);

	p = write_file("esc.csv", "phone,first_name\n+22891000007,"
	    "\"\x1b]0;pwned\x07\x1b[31mRed\"\n", sizeof("phone,first_name\n+22891000007,"
	    "\"\x1b]0;pwned\x07\x1b[31mRed\"\n") - 1);
	s = import(p, NULL);
	assert_counts(s, 1, 0, 0, 0);
	json_decref(s);
	{
		char	*out = NULL;

		assert_int_equal(harness_cli(&H, "contacts list --search "
		    "+22891000007", NULL, &out), 0);
		assert_null(strchr(out, '\x1b'));
		assert_non_null(strstr(out, "Red"));
		free(out);
	}
	assert_alive();
}

/* Acceptance 2 and 6: opted out stays opted out; undo restores exactly. */
static void
test_optout_and_undo(void **state)
{
	json_t		*c, *s, *u;
	const char	*p;
	long long	 id, before;

	c = call_ok("contacts.create", json_pack("{s:s,s:s,s:s}", "phone",
	    "+22892000001", "first_name", "Old", "last_name", "Name"));
	id = n(c, "id");
	json_decref(c);
	json_decref(call_ok("contacts.update", json_pack("{s:I,s:b}", "id",
	    (json_int_t)id, "opted_out", 1)));
	before = total(NULL);
	p = write_file("re.csv", "phone,first_name,last_name\n"
	    "+22892000001,New,Person\n+22892000002,Brand,New\n"
	    "+22892000001,Newer,Person\n", sizeof("phone,first_name,last_name\n"
	    "+22892000001,New,Person\n+22892000002,Brand,New\n"
	    "+22892000001,Newer,Person\n") - 1);
	s = import(p, NULL);
	assert_counts(s, 1, 1, 2, 0);
	c = find("+22892000001");
	assert_true(json_is_true(json_object_get(c, "opted_out")));
	assert_string_equal(json_string_value(json_object_get(c,
	    "first_name")), "New");	/* a repeated number keeps its first row */
	json_decref(c);
	assert_int_equal(total(NULL), before + 1);

	u = call_ok("contacts.import_undo", json_pack("{s:I}", "batch",
	    (json_int_t)n(s, "batch")));
	assert_int_equal(n(u, "removed"), 1);
	assert_int_equal(n(u, "restored"), 1);
	json_decref(u);
	assert_int_equal(total(NULL), before);
	c = find("+22892000001");
	assert_string_equal(json_string_value(json_object_get(c,
	    "first_name")), "Old");
	assert_string_equal(json_string_value(json_object_get(c,
	    "last_name")), "Name");
	assert_true(json_is_true(json_object_get(c, "opted_out")));
	json_decref(c);
	c = find("+22892000002");
	assert_null(c);
	json_decref(s);
}

/* Preview counts like an import and writes nothing. */
static void
test_preview(void **state)
{
	const char	*p;
	json_t		*s;
	long long	 before = total(NULL);

	p = write_file("pv.csv", "+22893000001,A,B\n+22893000001,A,C\nx,y,z\n",
	    40);
	s = import(p, "--preview");
	assert_counts(s, 1, 0, 1, 1);
	assert_true(json_is_true(json_object_get(s, "preview")));
	json_decref(s);
	assert_int_equal(total(NULL), before);
}

/* Acceptance 5: export, then import into an empty store. */
static void
test_roundtrip(void **state)
{
	struct harness	 h2;
	char		 args[600], *a = NULL, *b = NULL;
	json_t		*s;

	json_decref(call_ok("categories.create", json_pack("{s:s}", "name",
	    "Clients été")));
	json_decref(call_ok("contacts.create", json_pack("{s:s,s:s,s:s,s:s}",
	    "phone", "+22879000001", "first_name", "Zoé", "last_name",
	    "N'Guessan, \"Jr\"", "category", "Clients été")));
	/* A name a spreadsheet would run as a formula goes out defused,
	 * and comes back as it was. */
	json_decref(call_ok("contacts.create", json_pack("{s:s,s:s}",
	    "phone", "+22879000002", "first_name", "=HYPERLINK(\"x\")")));
	snprintf(args, sizeof args, "contacts export '%s/out.csv'", H.dir);
	assert_int_equal(harness_cli(&H, args, NULL, NULL), 0);
	assert_int_equal(harness_cli(&H, "contacts export", NULL, &a), 0);
	assert_non_null(strstr(a, "Clients été"));
	assert_non_null(strstr(a, "\"'=HYPERLINK(\"\"x\"\")\""));

	harness_init(&h2, NULL);
	assert_int_equal(harness_start(&h2), 0);
	snprintf(args, sizeof args, "--json contacts import '%s/out.csv'",
	    H.dir);
	assert_int_equal(harness_cli(&h2, args, NULL, &b), 0);
	s = json_loads(b, 0, NULL);
	assert_int_equal(n(s, "invalid"), 0);
	json_decref(s);
	free(b);
	assert_int_equal(harness_cli(&h2, "contacts export", NULL, &b), 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
	harness_cleanup(&h2);
}

/* The client opens the file; a missing one fails in the client. */
static void
test_unreadable(void **state)
{
	char	 args[1200], errpath[400];

	snprintf(errpath, sizeof errpath, "%s/err.txt", H.dir);
	snprintf(args, sizeof args, "contacts import '%s/nope.csv' 2>'%s'",
	    H.dir, errpath);
	assert_int_equal(harness_cli(&H, args, NULL, NULL), 1);
	assert_true(harness_file_has(errpath, "No such file or directory"));
	assert_int_equal(harness_cli(&H, "contacts list --limit 0", NULL,
	    NULL), 1);
	assert_int_equal(harness_cli(&H, "contacts add", NULL, NULL), 2);
}

/* Paging by key walks every contact once. */
static void
test_paging(void **state)
{
	json_t		*d;
	long long	 after = 0, seen = 0, t = total(NULL);

	for (;;) {
		d = call_ok("contacts.list", json_pack("{s:I,s:i}", "after",
		    (json_int_t)after, "limit", 3));
		seen += (long long)json_array_size(json_object_get(d,
		    "items"));
		assert_int_equal(n(d, "total"), t);
		if (!json_is_integer(json_object_get(d, "next"))) {
			json_decref(d);
			break;
		}
		after = n(d, "next");
		json_decref(d);
	}
	assert_int_equal(seen, t);

	/* Categories page the same way, each seen once. */
	for (after = 0, seen = 0;;) {
		d = call_ok("categories.list", json_pack("{s:I,s:i}", "after",
		    (json_int_t)after, "limit", 1));
		seen += (long long)json_array_size(json_object_get(d,
		    "items"));
		t = n(d, "total");
		if (!json_is_integer(json_object_get(d, "next"))) {
			json_decref(d);
			break;
		}
		after = n(d, "next");
		json_decref(d);
	}
	assert_true(t > 1);
	assert_int_equal(seen, t);
}

/*
 * Run CMD in a child while polling status, at least MIN times unless it
 * ends first; the worst answer time.
 */
static void
poll_during_n(const char *cmd, int min)
{
	pid_t	 pid;
	int	 fd, st = -1, slow = 0, polls = 0;
	double	 t0, t, worst = 0;
	json_t	*rep;

	if ((pid = fork()) == 0)
		_exit(harness_cli(&H, cmd, NULL, NULL));
	fd = harness_connect(&H);
	t0 = harness_now();
	while (waitpid(pid, &st, WNOHANG) == 0 && harness_now() - t0 < 60) {
		t = harness_now();
		rep = harness_call(fd, "monitoring.stats", NULL);
		t = harness_now() - t;
		assert_true(json_is_true(json_object_get(rep, "ok")));
		json_decref(rep);
		if (t > worst)
			worst = t;
		if (t > STATUS_BUDGET)
			slow++;
		polls++;
		usleep(20000);
	}
	close(fd);
	print_message("status: %d polls during `%.20s`, worst %.1f ms\n",
	    polls, cmd, worst * 1e3);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(polls >= min);
	assert_int_equal(slow, 0);
}

static void
poll_during(const char *cmd)
{
	poll_during_n(cmd, 3);
}

/* Acceptance 3 (scaled): status answers fast during a 200,000-row import
 * and during its undo. */
static void
test_responsive(void **state)
{
	char		 path[400], out[400], cmd[1000], *text;
	FILE		*fp;
	int		 i;
	json_t		*j;
	long long	 before = total(NULL);

	snprintf(path, sizeof path, "%s/big200k.csv", H.dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "phone,first_name,last_name\n");
	for (i = 0; i < 200000; i++)
		fprintf(fp, "+229019%07d,First%d,Last%d\n", i, i, i % 97);
	fclose(fp);
	/* harness_cli() leaves the output in cli.out. */
	snprintf(out, sizeof out, "%s/cli.out", H.dir);
	snprintf(cmd, sizeof cmd, "--json contacts import '%s'", path);
	poll_during(cmd);
	/* A number prefix of many counts to 10000, as a name search. */
	assert_int_equal(total("+229019"), 10000);
	assert_int_equal(total("+2290190001999"), 1);
	assert_int_equal(total(NULL), before + 200000);

	fp = fopen(out, "r");
	assert_non_null(fp);
	text = calloc(1, 4096);
	assert_true(fread(text, 1, 4095, fp) > 0);
	fclose(fp);
	j = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(j);
	snprintf(cmd, sizeof cmd, "contacts undo-import %lld", n(j, "batch"));
	json_decref(j);
	poll_during(cmd);
	assert_int_equal(total("+2299"), 0);
	assert_int_equal(total(NULL), before);
}

/* Read the CLI's output left in cli.out by harness_cli(). */
static json_t *
cli_json(void)
{
	char	 path[400];

	snprintf(path, sizeof path, "%s/cli.out", H.dir);
	return json_load_file(path, 0, NULL);
}

static long
env_mb(const char *name, long def)
{
	const char	*v = getenv(name);

	return v != NULL && atol(v) > 0 ? atol(v) : def;
}

/*
 * A file of one letter with no line end, and a sparse file of zeros: the
 * record limit rejects line 1 and names it, and the import yields by bytes
 * so status keeps answering. WACAMP_FLOOD_MB and WACAMP_SPARSE_MB size
 * them (make check: 32 and 256; the figures: 256 and 4096).
 */
static void
test_overlong_line(void **state)
{
	char		 path[400], cmd[500], *buf;
	const char	*reason;
	long		 mb = env_mb("WACAMP_FLOOD_MB", 32);
	long		 smb = env_mb("WACAMP_SPARSE_MB", 256);
	double		 t, worst = 0;
	json_t		*j, *rej, *rep;
	FILE		*fp;
	long		 i;
	int		 fd, k;
	long long	 before = total(NULL);

	fd = harness_connect(&H);
	for (k = 0; k < 50; k++) {
		t = harness_now();
		rep = harness_call(fd, "monitoring.stats", NULL);
		t = harness_now() - t;
		json_decref(rep);
		if (t > worst)
			worst = t;
	}
	close(fd);
	print_message("status idle: worst of 50 %.1f ms\n", worst * 1e3);
	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof path, "%s/flood%d.csv", H.dir, k);
		if (k == 0) {
			fp = fopen(path, "w");
			assert_non_null(fp);
			buf = malloc(1 << 20);
			assert_non_null(buf);
			memset(buf, 'a', 1 << 20);
			for (i = 0; i < mb; i++)
				assert_int_equal(fwrite(buf, 1, 1 << 20, fp),
				    1 << 20);
			free(buf);
			fclose(fp);
		} else {
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			assert_true(fd != -1);
			assert_int_equal(ftruncate(fd, (off_t)smb << 20), 0);
			close(fd);
		}
		snprintf(cmd, sizeof cmd, "--json contacts import '%s'", path);
		poll_during_n(cmd, 1);
		j = cli_json();
		assert_non_null(j);
		rej = json_array_get(json_object_get(j, "rejects"), 0);
		assert_int_equal(n(rej, "line"), 1);
		reason = json_string_value(json_object_get(rej, "reason"));
		assert_non_null(reason);
		print_message("%s: line 1: %s\n", k == 0 ? "one letter" :
		    "sparse", reason);
		assert_non_null(strstr(reason, "longer than 1048576 bytes"));
		assert_int_equal(n(j, "imported"), 0);
		json_decref(j);
		unlink(path);
	}
	assert_int_equal(total(NULL), before);
}

/*
 * SIGKILL while an import writes, then a restart: the batch shows as
 * interrupted, in the store and in status, and undo-import takes back
 * exactly its contacts. WACAMP_SOAK_ROWS sizes the file (make check:
 * 200,000; the figure: 1,000,000).
 */
static void
test_interrupted_import(void **state)
{
	struct harness	 h;
	char		 path[400], cmd[500], *out = NULL;
	long		 rows = env_mb("WACAMP_SOAK_ROWS", 200000), i;
	long long	 before, batch, written;
	FILE		*fp;
	pid_t		 pid;
	double		 t0;

	harness_init(&h, NULL);
	assert_int_equal(harness_start(&h), 0);
	kit_seed(&h, "old", 1, 10);
	before = kit_sql_int(&h, "SELECT count(*) FROM contacts");
	snprintf(path, sizeof path, "%s/million.csv", h.dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "phone,first_name\n");
	for (i = 0; i < rows; i++)
		fprintf(fp, "+229019%07ld,F%ld\n", i, i);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "contacts import '%s'", path);
	if ((pid = fork()) == 0)
		_exit(harness_cli(&h, cmd, NULL, NULL));
	/* Kill once rows are being written. */
	t0 = harness_now();
	while (kit_sql_int(&h, "SELECT count(*) FROM contacts WHERE "
	    "batch_id IS NOT NULL") == 0 && harness_now() - t0 < 60)
		usleep(2000);
	kill(h.daemon, SIGKILL);
	waitpid(h.daemon, NULL, 0);
	h.daemon = 0;
	waitpid(pid, NULL, 0);
	batch = kit_sql_int(&h, "SELECT max(id) FROM import_batches");
	written = kit_sql_int(&h, "SELECT count(*) FROM contacts WHERE "
	    "batch_id IS NOT NULL");
	print_message("killed with %lld of %ld rows written\n", written, rows);
	assert_true(written > 0);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM import_batches "
	    "WHERE state = 'running'"), 1);
	assert_int_equal(harness_start(&h), 0);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM import_batches "
	    "WHERE state = 'failed' AND interrupted_at IS NOT NULL"), 1);
	assert_int_equal(harness_cli(&h, "status", NULL, &out), 0);
	assert_non_null(strstr(out, "interrupted"));
	free(out);
	snprintf(cmd, sizeof cmd, "contacts undo-import %lld", batch);
	assert_int_equal(harness_cli(&h, cmd, NULL, NULL), 0);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contacts"),
	    before);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contacts WHERE "
	    "full_number LIKE '+336100%'"), 10);
	assert_int_equal(harness_cli(&h, "status", NULL, &out), 0);
	assert_null(strstr(out, "interrupted"));
	free(out);
	harness_cleanup(&h);
}

/* Total of a name search, once through the scan of rows not yet indexed. */
static long long
search_total(struct harness *h, const char *q)
{
	json_t		*rep;
	long long	 t;
	int		 fd = harness_connect(h);

	rep = harness_call(fd, "contacts.list", json_pack("{s:s}", "search",
	    q));
	close(fd);
	if (!json_is_true(json_object_get(rep, "ok")))
		fail_msg("search \"%s\": %s", q, json_string_value(
		    json_object_get(json_object_get(rep, "error"), "message")));
	t = n(json_object_get(rep, "data"), "total");
	json_decref(rep);
	return t;
}

static long long
h_total(struct harness *h)
{
	json_t		*rep;
	long long	 t;
	int		 fd = harness_connect(h);

	rep = harness_call(fd, "contacts.list", json_pack("{s:i}", "limit", 1));
	close(fd);
	t = n(json_object_get(rep, "data"), "total");
	json_decref(rep);
	return t;
}

/* Wait (bounded) until the name index holds every contact. */
static void
wait_indexed(struct harness *h)
{
	json_t		*rep;
	long long	 p = 1;
	int		 i, fd;

	for (i = 0; i < 200 && p != 0; i++) {
		usleep(20000);
		fd = harness_connect(h);
		rep = harness_call(fd, "monitoring.stats", NULL);
		close(fd);
		p = n(json_object_get(rep, "data"), "search_pending");
		json_decref(rep);
	}
	assert_int_equal(p, 0);
}

/*
 * An import written in several rounds of two runs (an 800 KiB memory cap),
 * rows far from
 * number order, duplicates within the file: counts, the first row of a
 * number wins (also across rounds), opt-out stays, name search is right before and after the
 * index catches up, and undo takes exactly its rows back.
 */
static void
test_rounds_and_search(void **state)
{
	struct harness	 h;
	json_t		*rep, *d, *c;
	char		 path[400], args[600], *out = NULL;
	FILE		*fp;
	long long	 i, p, before;
	int		 fd, k;

	setenv("WACAMP_TEST_IMPORT_MEM", "819200", 1);
	harness_init(&h, NULL);
	assert_int_equal(harness_start(&h), 0);
	unsetenv("WACAMP_TEST_IMPORT_MEM");
	fd = harness_connect(&h);
	rep = harness_call(fd, "contacts.create", json_pack("{s:s,s:s}",
	    "phone", "+22896000007", "first_name", "Old"));
	json_decref(rep);
	rep = harness_call(fd, "contacts.update", json_pack("{s:i,s:b}", "id",
	    1, "opted_out", 1));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	close(fd);
	before = h_total(&h);
	assert_int_equal(before, 1);

	/* 30,000 numbers in a scrambled order; every 1,000th twice, the
	 * second time (in a later round) with another name, which loses. Marie in 1 of 3, Marbari (which
	 * holds "Mar" and "ari" but not "Mari") in another. */
	snprintf(path, sizeof path, "%s/rounds.csv", h.dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "phone,first_name,last_name\n");
	for (i = 0; i < 30000; i++) {
		p = (i * 7919) % 30000;
		fprintf(fp, "+228960%05lld,%s,N%lld\n", p, p % 3 == 0 ?
		    "Marie" : p % 3 == 1 ? "Marbari" : "Yao", p);
	}
	for (i = 0; i < 30000; i += 1000)
		fprintf(fp, "+228960%05lld,Again,N%lld\n", i + 7, i + 7);
	fclose(fp);
	snprintf(args, sizeof args, "--json contacts import '%s'", path);
	assert_int_equal(harness_cli(&h, args, NULL, &out), 0);
	d = json_loads(out, 0, NULL);
	free(out);
	assert_counts(d, 29999, 1, 31, 0);
	json_decref(d);
	assert_int_equal(h_total(&h), 30000);

	/* Right away (scan of unindexed rows), then once indexed. */
	for (k = 0; k < 2; k++) {
		assert_int_equal(search_total(&h, "Mari"), 10000);
		assert_int_equal(search_total(&h, "bari"), 10000);
		assert_int_equal(search_total(&h, "again"), 0);
		if (k == 0)
			wait_indexed(&h);
	}
	fd = harness_connect(&h);
	rep = harness_call(fd, "contacts.get", json_pack("{s:i}", "id", 1));
	close(fd);
	c = json_object_get(rep, "data");
	assert_string_equal(json_string_value(json_object_get(c,
	    "first_name")), "Marbari");
	assert_true(json_is_true(json_object_get(c, "opted_out")));
	json_decref(rep);

	/* A contact added after the index caught up is found at once; so is
	 * one that takes the id of the highest, deleted once indexed. */
	fd = harness_connect(&h);
	rep = harness_call(fd, "contacts.create", json_pack("{s:s,s:s}",
	    "phone", "+22897000001", "first_name", "Mariette"));
	p = n(json_object_get(rep, "data"), "id");
	json_decref(rep);
	close(fd);
	assert_int_equal(search_total(&h, "Mariet"), 1);
	wait_indexed(&h);
	fd = harness_connect(&h);
	json_decref(harness_call(fd, "contacts.delete", json_pack("{s:I}",
	    "id", (json_int_t)p)));
	rep = harness_call(fd, "contacts.create", json_pack("{s:s,s:s}",
	    "phone", "+22897000001", "first_name", "Marielle"));
	assert_int_equal(n(json_object_get(rep, "data"), "id"), p);
	json_decref(rep);
	close(fd);
	assert_int_equal(search_total(&h, "Mariet"), 0);
	assert_int_equal(search_total(&h, "Mariel"), 1);
	wait_indexed(&h);
	assert_int_equal(search_total(&h, "Mariel"), 1);

	/* Accented capitals match as the index folds them, in both paths. */
	fd = harness_connect(&h);
	json_decref(harness_call(fd, "contacts.create", json_pack("{s:s,s:s}",
	    "phone", "+22897000002", "first_name", "\xc3\x89lo\xc3\xafse")));
	close(fd);
	for (k = 0; k < 2; k++) {
		assert_int_equal(search_total(&h, "\xc3\xa9lo\xc3\xaf"), 1);
		assert_int_equal(search_total(&h, "\xc3\x89LO\xc3\x8fSE"), 1);
		/* Nor accents (DESIGN §10). */
		assert_int_equal(search_total(&h, "eloi"), 1);
		if (k == 0)
			wait_indexed(&h);
	}

	assert_int_equal(harness_cli(&h, "contacts undo-import 1", NULL, NULL), 0);
	assert_int_equal(h_total(&h), 3);
	fd = harness_connect(&h);
	rep = harness_call(fd, "contacts.get", json_pack("{s:i}", "id", 1));
	close(fd);
	c = json_object_get(rep, "data");
	assert_string_equal(json_string_value(json_object_get(c,
	    "first_name")), "Old");
	json_decref(rep);
	assert_int_equal(search_total(&h, "Mari"), 1);
	harness_cleanup(&h);
}

/* The ids a search finds on H, as " 1 5 " (allocated). */
static char *
search_ids(struct harness *h, const char *q)
{
	json_t	*rep, *c;
	size_t	 i;
	char	*out = calloc(1, 1024), *o = out;
	int	 fd = harness_connect(h);

	rep = harness_call(fd, "contacts.list", json_pack("{s:s}", "search",
	    q));
	close(fd);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	*o++ = ' ';
	json_array_foreach(json_object_get(json_object_get(rep, "data"),
	    "items"), i, c)
		o += snprintf(o, 1024 - (size_t)(o - out) - 1, "%lld ",
		    n(c, "id"));
	json_decref(rep);
	return out;
}

static void
assert_finds(struct harness *h, const char *q, long long id, int want)
{
	char	*ids = search_ids(h, q), one[32];

	snprintf(one, sizeof one, " %lld ", id);
	if ((strstr(ids, one) != NULL) != want)
		fail_msg("search \"%s\": ids%s, %s %lld", q, ids, want ?
		    "want" : "do not want", id);
	free(ids);
}

/*
 * DESIGN §10: a name fragment without regard to case or accents, a
 * number fragment as typed locally with the default country (228), in
 * the daemon, before the name index has the rows and after, and in the
 * CLI.
 */
static void
test_search_forms(void **state)
{
	struct harness	 h;
	json_t		*c;
	long long	 kone, other;
	char		*out = NULL;
	int		 fd, k;
	static const char *const finds[] = { "kone", "KONE", "Kon\xc3\xa9",
	    "one", "90 12 34 56", "90123456", "9012", "0022890123456",
	    "+22890123456", "22890123", "090123456", "(90) 12-34-56" };
	static const char *const misses[] = { "konee", "9013", "+9012",
	    "0090123456" };

	harness_init(&h, "[import]\ndefault_country = 228\n");
	assert_int_equal(harness_start(&h), 0);
	fd = harness_connect(&h);
	c = kit_call_ok(fd, "contacts.create", json_pack("{s:s,s:s,s:s}",
	    "phone", "+22890123456", "first_name", "Ama", "last_name",
	    "Kon\xc3\xa9"));
	kone = n(c, "id");
	json_decref(c);
	c = kit_call_ok(fd, "contacts.create", json_pack("{s:s,s:s}",
	    "phone", "+22891999999", "first_name", "Kofi"));
	other = n(c, "id");
	json_decref(c);
	close(fd);
	for (k = 0; k < 2; k++) {
		for (size_t i = 0; i < sizeof finds / sizeof finds[0]; i++)
			assert_finds(&h, finds[i], kone, 1);
		for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++)
			assert_finds(&h, misses[i], kone, 0);
		assert_finds(&h, "9012", other, 0);
		assert_finds(&h, "kof", other, 1);
		if (k == 0)
			wait_indexed(&h);
	}
	assert_int_equal(harness_cli(&h, "contacts list --search kone", NULL,
	    &out), 0);
	assert_non_null(strstr(out, "+22890123456"));
	assert_null(strstr(out, "+22891999999"));
	free(out);
	assert_int_equal(harness_cli(&h, "contacts list --search '90 12 34 56'",
	    NULL, &out), 0);
	assert_non_null(strstr(out, "+22890123456"));
	free(out);
	harness_cleanup(&h);
}

/* Segments in H's name index, read with sqlite3 beside the daemon. */
static long long
index_rows(struct harness *h)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 path[400];
	long long	 v = -1;

	snprintf(path, sizeof path, "%s/wacamp.db", h->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM contacts_grams", -1,
	    &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Ids and total of a name search with ARGS (taken) on H, as " 1 5 /2". */
static char *
search_page(struct harness *h, json_t *args)
{
	json_t	*rep, *c, *d;
	size_t	 i;
	char	*out = calloc(1, 4096), *o = out;
	int	 fd = harness_connect(h);

	rep = harness_call(fd, "contacts.list", args);
	close(fd);
	if (!json_is_true(json_object_get(rep, "ok")))
		fail_msg("contacts.list: %s", json_dumps(rep, 0));
	d = json_object_get(rep, "data");
	*o++ = ' ';
	json_array_foreach(json_object_get(d, "items"), i, c)
		o += snprintf(o, 4096 - (size_t)(o - out) - 1, "%lld ",
		    n(c, "id"));
	snprintf(o, 4096 - (size_t)(o - out) - 1, "/%lld", n(d, "total"));
	json_decref(rep);
	return out;
}

static void
page_is(struct harness *h, json_t *args, const char *want)
{
	char	*q = strdup(json_string_value(json_object_get(args,
		    "search")));
	char	*got = search_page(h, args);

	if (strcmp(got, want) != 0)
		fail_msg("search %s: got \"%s\", want \"%s\"", q, got, want);
	free(got);
	free(q);
}

/*
 * The name index (issue 17, migration 015): what a search finds once the
 * index has the rows, with filters, across pages, after a rename (before
 * and after it is indexed again), a deletion and an undone import; and a
 * number typed as stored shows as the number.
 */
static void
test_search_index(void **state)
{
	struct harness	 h;
	json_t		*c;
	char		 path[400], args[600], want[64];
	FILE		*fp;
	long long	 seen = 0, after = 0, t = 0;
	int		 i, fd;

	harness_init(&h, "[import]\ndefault_country = 228\n");
	assert_int_equal(harness_start(&h), 0);
	snprintf(path, sizeof path, "%s/ix.csv", h.dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "phone,first_name,last_name,categories\n"
	    "+22890000001,Ama,Kon\xc3\xa9,VIP\n"
	    "90 00 00 02,Kofi,Mensah,\n"
	    "+22890000003,\xc3\x89lo\xc3\xafse,Adjo,VIP\n"
	    "+22890000004,Yao,KONE,\n");
	for (i = 0; i < 300; i++)
		fprintf(fp, "+228910%05d,Filler,Konan%d,\n", i, i);
	fclose(fp);
	snprintf(args, sizeof args, "contacts import '%s'", path);
	assert_int_equal(harness_cli(&h, args, NULL, NULL), 0);
	wait_indexed(&h);

	/* Ids follow number order: 1..4, then the fillers. */
	page_is(&h, json_pack("{s:s}", "search", "kone"), " 1 4 /2");
	page_is(&h, json_pack("{s:s,s:s}", "search", "kone", "category",
	    "VIP"), " 1 /1");
	page_is(&h, json_pack("{s:s}", "search", "ELOI"), " 3 /1");
	/* Konan12 and Konan120..129 (ids 17, 125..134). */
	page_is(&h, json_pack("{s:s}", "search", "an12"),
	    " 17 125 126 127 128 129 130 131 132 133 134 /11");
	page_is(&h, json_pack("{s:s}", "search", "nan299"), " 304 /1");

	/* Typed as stored: shown as the number; typed otherwise: kept. */
	fd = harness_connect(&h);
	c = kit_call_ok(fd, "contacts.get", json_pack("{s:i}", "id", 1));
	assert_string_equal(json_string_value(json_object_get(c,
	    "raw_number")), "+22890000001");
	json_decref(c);
	c = kit_call_ok(fd, "contacts.get", json_pack("{s:i}", "id", 2));
	assert_string_equal(json_string_value(json_object_get(c,
	    "raw_number")), "90 00 00 02");
	json_decref(c);

	/* Opted out: the filter sees it. */
	json_decref(kit_call_ok(fd, "contacts.update", json_pack("{s:i,s:b}",
	    "id", 4, "opted_out", 1)));
	close(fd);
	page_is(&h, json_pack("{s:s,s:b}", "search", "kone", "opted_out", 1),
	    " 4 /1");

	/* A rename is found at once, and once indexed again; the old name
	 * no longer finds it. */
	fd = harness_connect(&h);
	json_decref(kit_call_ok(fd, "contacts.update", json_pack("{s:i,s:s}",
	    "id", 2, "first_name", "Z\xc3\xa9" "bulon")));
	close(fd);
	for (i = 0; i < 2; i++) {
		page_is(&h, json_pack("{s:s}", "search", "zebul"), " 2 /1");
		page_is(&h, json_pack("{s:s}", "search", "kofi"), " /0");
		page_is(&h, json_pack("{s:s}", "search", "mensah"), " 2 /1");
		if (i == 0)
			wait_indexed(&h);
	}

	/* A rename that keeps trigrams only this contact has: its segment
	 * and the renamed one have the same bounds, and are merged. */
	fd = harness_connect(&h);
	json_decref(kit_call_ok(fd, "contacts.update", json_pack("{s:i,s:s}",
	    "id", 3, "first_name", "\xc3\x89lo\xc3\xaf" "sa")));
	close(fd);
	for (i = 0; i < 2; i++) {
		page_is(&h, json_pack("{s:s}", "search", "eloisa"), " 3 /1");
		page_is(&h, json_pack("{s:s}", "search", "eloise"), " /0");
		if (i == 0)
			wait_indexed(&h);
	}

	/* Every match once across pages of 7. */
	for (i = 0; i < 100; i++) {
		fd = harness_connect(&h);
		c = kit_call_ok(fd, "contacts.list", json_pack("{s:s,s:i,s:I}",
		    "search", "konan", "limit", 7, "after", (json_int_t)after));
		close(fd);
		seen += (long long)json_array_size(json_object_get(c,
		    "items"));
		t = n(c, "total");
		if (!json_is_integer(json_object_get(c, "next"))) {
			json_decref(c);
			break;
		}
		after = n(c, "next");
		json_decref(c);
	}
	assert_int_equal(t, 300);
	assert_int_equal(seen, 300);

	/* Deleted: no longer found, though its id stays in the index. */
	fd = harness_connect(&h);
	json_decref(kit_call_ok(fd, "contacts.delete", json_pack("{s:i}",
	    "id", 1)));
	close(fd);
	page_is(&h, json_pack("{s:s}", "search", "kone"), " 4 /1");

	/* The import undone: none of its contacts is found, before and after
	 * the purge; a contact added afterwards is. */
	assert_int_equal(harness_cli(&h, "contacts undo-import 1", NULL, NULL),
	    0);
	page_is(&h, json_pack("{s:s}", "search", "konan"), " /0");
	wait_indexed(&h);
	page_is(&h, json_pack("{s:s}", "search", "konan"), " /0");
	page_is(&h, json_pack("{s:s}", "search", "eloi"), " /0");
	fd = harness_connect(&h);
	c = kit_call_ok(fd, "contacts.create", json_pack("{s:s,s:s}",
	    "phone", "+22892000001", "last_name", "Konan"));
	snprintf(want, sizeof want, " %lld /1", n(c, "id"));
	json_decref(c);
	close(fd);
	page_is(&h, json_pack("{s:s}", "search", "konan"), want);
	wait_indexed(&h);
	page_is(&h, json_pack("{s:s}", "search", "konan"), want);
	/* The purge took the batch's ids out: what is left is the new
	 * contact's three trigrams (kon, ona, nan). */
	for (i = 0; i < 100 && index_rows(&h) != 3; i++)
		usleep(20000);
	assert_int_equal(index_rows(&h), 3);
	harness_cleanup(&h);
}

/*
 * An import that renames thousands: the renamed contacts' trigrams make
 * segments with the same bounds as the big ones already there, which
 * are merged (a failure there left the renames unindexed for good).
 */
static void
test_search_renamed(void **state)
{
	struct harness	 h;
	char		 path[400], args[600];
	FILE		*fp;
	int		 i, k;

	harness_init(&h, NULL);
	assert_int_equal(harness_start(&h), 0);
	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof path, "%s/ren%d.csv", h.dir, k);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fprintf(fp, "phone,first_name,last_name\n");
		for (i = 0; i < 5000; i++)
			fprintf(fp, "+228911%05d,Filler,%s%d\n", i,
			    k == 0 ? "Konan" : "Renamed", i);
		fclose(fp);
		snprintf(args, sizeof args, "contacts import '%s'", path);
		assert_int_equal(harness_cli(&h, args, NULL, NULL), 0);
		wait_indexed(&h);
	}
	page_is(&h, json_pack("{s:s}", "search", "konan"), " /0");
	page_is(&h, json_pack("{s:s,s:i}", "search", "renamed", "limit", 1),
	    " 1 /5000");
	page_is(&h, json_pack("{s:s,s:i}", "search", "filler", "limit", 1),
	    " 1 /5000");
	page_is(&h, json_pack("{s:s}", "search", "renamed4999"), " 5000 /1");
	harness_cleanup(&h);
}

/*
 * Categories deleted while an import runs (its writes skip the foreign
 * key checks): never a link to a missing category, whenever the delete
 * lands.
 */
static void
test_category_deleted_mid_import(void **state)
{
	char		 path[400], cmd[600];
	FILE		*fp;
	pid_t		 pid;
	int		 i, st, fd;
	json_t		*rep;

	(void)state;
	json_decref(call_ok("categories.create", json_pack("{s:s}", "name",
	    "Passing")));
	snprintf(path, sizeof path, "%s/cats60k.csv", H.dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "phone,first_name,last_name,categories\n");
	for (i = 0; i < 60000; i++)
		fprintf(fp, "+2290196%06d,F%d,L,Brief%d\n", i, i, i % 3);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "contacts import '%s' --category Passing",
	    path);
	if ((pid = fork()) == 0)
		_exit(harness_cli(&H, cmd, NULL, NULL));
	/* Delete them as soon as the daemon knows them. */
	fd = harness_connect(&H);
	for (i = 0; i < 400; i++) {
		rep = harness_call(fd, "categories.delete", json_pack("{s:s}",
		    "id", "Brief1"));
		json_decref(rep);
		rep = harness_call(fd, "categories.delete", json_pack("{s:s}",
		    "id", "Passing"));
		json_decref(rep);
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(5000);
	}
	close(fd);
	if (i == 400)
		waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(kit_sql_int(&H, "SELECT count(*) FROM "
	    "pragma_foreign_key_check('category_contacts')"), 0);
	assert_int_equal(kit_sql_int(&H, "SELECT count(*) FROM "
	    "category_contacts WHERE category_id NOT IN (SELECT id FROM "
	    "categories)"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_optout_and_undo),
		cmocka_unit_test(test_preview),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_category_deleted_mid_import),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_responsive),
		cmocka_unit_test(test_overlong_line),
		cmocka_unit_test(test_interrupted_import),
		cmocka_unit_test(test_rounds_and_search),
		cmocka_unit_test(test_search_forms),
		cmocka_unit_test(test_search_index),
		cmocka_unit_test(test_search_renamed),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
