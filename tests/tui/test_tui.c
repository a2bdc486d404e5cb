/* The full-screen interface in tmux against a real daemon (simulator). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"
#include "kit.h"

#define EVIL_NAME	"\x1b]0;PWNED\x07" "Eve\x1b[31mRed"
#define MANY		1000000
#define WALK_N		100000	/* contacts of the walk's daemon */
#define WALK_CAT	300	/* of them in the campaign's category */

static struct harness	 H;
static struct harness	 W;		/* the walk's own daemon */
static struct harness	*target = &H;	/* the daemon sessions talk to */
static char		 tmux_name[64];
static int		 tmux_count;
static int		 have_contacts;	/* the daemon knows contacts.list */
static int		 have_session;

static const char *
env_or(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

static int
tmux(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));

/* Run a tmux command on our private server; returns its exit status. */
static int
tmux(const char *fmt, ...)
{
	char	 args[2048], cmd[2300];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "tmux -L %s -f /dev/null %s", tmux_name,
	    args);
	return system(cmd);
}

/* The pane as text (allocated). */
static char *
capture(void)
{
	char	 cmd[256], *buf;
	size_t	 len = 0, n;
	FILE	*fp;

	snprintf(cmd, sizeof cmd, "tmux -L %s capture-pane -p 2>/dev/null",
	    tmux_name);
	buf = calloc(1, 65536);
	if ((fp = popen(cmd, "r")) == NULL)
		return buf;
	while ((n = fread(buf + len, 1, 65535 - len, fp)) > 0 && len < 65535)
		len += n;
	pclose(fp);
	return buf;
}

/* Wait up to SECS for TEXT on the screen (or, with GONE, for it to go). */
static int
wait_text(const char *text, double secs, int gone)
{
	double	 t0 = harness_now();
	char	*s;
	int	 found;

	for (;;) {
		s = capture();
		found = strstr(s, text) != NULL;
		if (found != gone) {
			free(s);
			return 1;
		}
		if (harness_now() - t0 > secs) {
			fprintf(stderr, "--- waited %.1fs for %s\"%s\"; "
			    "screen:\n%s---\n", secs, gone ? "no " : "", text,
			    s);
			free(s);
			return 0;
		}
		free(s);
		usleep(50000);
	}
}

static void
keys(const char *k)
{
	assert_int_equal(tmux("send-keys %s", k), 0);
}

static void	type(const char *);

/* Start wacamp in a fresh session, in LANG, W x H, behind WRAP (or ""). */
/* The client to run, when not $WACAMP (another user may not reach it). */
static char	 client_bin[400];

static void
session_start_as(const char *wrap, const char *lang, int w, int h)
{
	const char	*bin = client_bin[0] ? client_bin :
	    env_or("WACAMP", "build/wacamp");

	if (have_session)
		tmux("kill-server 2>/dev/null");
	/* A new server each time: a dying one may still hold the old name. */
	snprintf(tmux_name, sizeof tmux_name, "wacamp-test-%d-%d",
	    (int)getpid(), ++tmux_count);
	/* exec: the pane's pid is the client's, for /proc. */
	assert_int_equal(tmux("new-session -d -x %d -y %d "
	    "\"exec %s env LANG=%s LC_ALL= TERM=screen-256color "
	    "WACAMP_LOCALEDIR='%s' '%s' -S '%s'\"", w, h, wrap, lang,
	    env_or("WACAMP_LOCALEDIR", "build/locale"), bin, target->sock), 0);
	have_session = 1;
}

static void
session_start(const char *lang, int w, int h)
{
	session_start_as("", lang, w, h);
}

static void
db_exec_at(struct harness *h, const char *sql)
{
	sqlite3	*db;
	char	*err = NULL;

	assert_int_equal(sqlite3_open(h->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(db);
}

static void
db_exec(const char *sql)
{
	db_exec_at(&H, sql);
}

static int
setup(void **state)
{
	json_t		*rep;
	const char	*msg;
	char		 sql[512];
	int		 fd;

	snprintf(tmux_name, sizeof tmux_name, "wacamp-test-%d-0", (int)getpid());
	harness_init(&H, "[pacing]\ndaily_limit = 1000\n");
	if (harness_start(&H) == -1)
		return -1;
	if ((fd = harness_connect(&H)) == -1)
		return -1;
	rep = harness_call(fd, "contacts.list", json_pack("{s:i}", "limit", 1));
	msg = json_string_value(json_object_get(json_object_get(rep, "error"),
	    "message"));
	have_contacts = msg == NULL || strncmp(msg, "unknown command", 15) != 0;
	json_decref(rep);
	close(fd);

	/* Data goes straight into the store while the daemon is down. */
	harness_stop(&H);
	snprintf(sql, sizeof sql, "INSERT INTO daily_usage (day, sent, m1, "
	    "m2, failed, delivered, read, interactions) VALUES "
	    "(date('now'), 800, 700, 100, 12, 650, 400, 90)");
	db_exec(sql);
	snprintf(sql, sizeof sql, "INSERT INTO contacts (full_number, "
	    "first_name, last_name, created_at, updated_at) VALUES "
	    "('+22890000001', '%s', 'Zed', 1, 1)", EVIL_NAME);
	db_exec(sql);
	if (have_contacts) {
		snprintf(sql, sizeof sql, "WITH RECURSIVE n(i) AS (SELECT 1 "
		    "UNION ALL SELECT i + 1 FROM n WHERE i < %d) INSERT INTO "
		    "contacts (full_number, first_name, last_name, created_at, "
		    "updated_at) SELECT '+3361' || printf('%%07d', i), "
		    "'Name' || i, 'Léa', 1, 1 FROM n", MANY - 1);
		db_exec(sql);
	}
	if (harness_start(&H) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	tmux("kill-server 2>/dev/null");
	harness_cleanup(&H);
	return 0;
}

static int
test_teardown(void **state)
{
	if (have_session)
		tmux("kill-server 2>/dev/null");
	have_session = 0;
	target = &H;
	return 0;
}

static void
test_dashboard(void **state)
{
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 5, 0));
	/* 800 of 1000 sent today: over 75 %, the attention level;
	 * capacity floor(200 / (1 + 90/700)) = 177. */
	assert_true(wait_text("800 / 1000 (80%)", 5, 0));
	assert_true(wait_text("attention", 5, 0));
	assert_true(wait_text("Provider: simulator", 5, 0));
	assert_true(wait_text("Message 1: 700", 5, 0));
	assert_true(wait_text("Remaining capacity: 177", 5, 0));
	assert_true(wait_text("root@simulator", 5, 0) ||
	    wait_text("@simulator", 1, 0));
}

/* Issue 22: the import screen previews what the daemon recognised. */
static void
test_import_preview(void **state)
{
	char	 path[600];

	(void)state;
	snprintf(path, sizeof path, "%s/import/google_new.csv",
	    env_or("WACAMP_FIXTURES", "tests/fixtures"));
	session_start("C.UTF-8", 120, 35);
	assert_true(wait_text("Today's usage", 5, 0));
	keys("2");
	assert_true(wait_text("Search: -", 5, 0));
	keys("Tab");
	assert_true(wait_text("(none: press o)", 5, 0));
	keys("o");
	type(path);
	keys("Enter Enter Enter");
	assert_true(wait_text("Layout: Google Contacts   Encoding: UTF-8", 5,
	    0));
	assert_true(wait_text("Columns: phone: Phone 1 - Value", 5, 0));
	/* The other columns with a value, as the placeholders they make. */
	assert_true(wait_text("Kept as fields: {{e_mail_1_value}}", 5, 0));
	assert_true(wait_text("+22890100501", 5, 0));
	assert_true(wait_text("New: 3", 5, 0));
}

static void
test_screens_and_help(void **state)
{
	char	 cmd[1200];
	int	 i;

	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 5, 0));
	keys("2");
	assert_true(wait_text("Search: -", 5, 0));
	keys("'?'");
	assert_true(wait_text("Keys: Contacts", 5, 0));
	assert_true(wait_text("search and filter by category", 5, 0));
	keys("Space");
	assert_true(wait_text("Keys: Contacts", 5, 1));
	keys("Tab");
	assert_true(wait_text("(none: press o)", 5, 0));
	keys("F6");
	assert_true(wait_text("Campaigns", 5, 0));
	keys("'?'");
	assert_true(wait_text("Keys: Campaigns", 5, 0));
	assert_true(wait_text("relaunch", 5, 0));
	keys("Escape");
	keys("n");
	assert_true(wait_text("New campaign", 5, 0));
	/* Validation stays in the form and says which field; Ctrl-S submits
	 * from anywhere (Enter breaks the line in a text area). */
	keys("Enter Enter");
	assert_true(wait_text("Enter: new line", 5, 0));
	keys("C-s");
	assert_true(wait_text("Name: required", 5, 0));
	/* F1 in a form: the form's keys, '?' being text there. */
	keys("F1");
	assert_true(wait_text("Keys: New campaign", 5, 0));
	assert_true(wait_text("Categories: open the picker", 5, 0));
	keys("Space");
	assert_true(wait_text("Keys: New campaign", 5, 1));
	assert_true(wait_text("Name: required", 5, 0));
	keys("Escape");
	assert_true(wait_text("New campaign", 5, 1));
	keys("7");
	assert_true(wait_text("Login", 5, 0));
	keys("1");
	assert_true(wait_text("Today's usage", 5, 0));
	/* A status message clears by itself after a few seconds. */
	keys("r");
	assert_true(wait_text("Refreshed", 5, 0));
	assert_true(wait_text("Refreshed", 20, 1));
	/* Esc asks before quitting; n keeps the session. */
	keys("Escape");
	assert_true(wait_text("Quit wacamp?", 5, 0));
	keys("n");
	assert_true(wait_text("Quit wacamp?", 5, 1));
	assert_true(wait_text("Today's usage", 5, 0));
	/* q quits at once, like htop and tig: the session ends. */
	keys("q");
	for (i = 0; i < 50 && tmux("has-session 2>/dev/null") == 0; i++)
		usleep(100000);
	assert_int_not_equal(tmux("has-session 2>/dev/null"), 0);
	have_session = 0;
	/* A terminal that cannot draw: a message and status 2. */
	snprintf(cmd, sizeof cmd, "TERM=dumb script -qec \"'%s' -S '%s'\" "
	    "/dev/null 2>&1; test $? -eq 2", env_or("WACAMP", "build/wacamp"),
	    target->sock);
	assert_int_equal(system(cmd), 0);
}

/* Every line fits, the top bar and the status line are drawn. */
static void
assert_clean(int w, int h)
{
	char	*s = NULL, *line, *nl;
	int	 n = 0, ok = 0, i;
	size_t	 cols;

	for (i = 0; i < 60 && !ok; i++) {
		free(s);
		usleep(50000);
		s = capture();
		ok = strncmp(s, " wacamp ", 8) == 0 &&
		    strstr(s, "? help") != NULL;
	}
	assert_true(ok);
	for (line = s; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		cols = mbstowcs(NULL, line, 0);
		if (cols > (size_t)w)
			fail_msg("line %d wider than %d: %s", n, w, line);
		if (n == h - 1 && strstr(line, "? help") == NULL)
			fail_msg("status line missing: %s", line);
		n++;
	}
	free(s);
	assert_int_equal(n, h);
}

static void
test_resize(void **state)
{
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 5, 0));
	keys("'?'");
	assert_true(wait_text("Keys: Dashboard", 5, 0));
	assert_int_equal(tmux("resize-window -x 80 -y 24"), 0);
	assert_true(wait_text("Keys: Dashboard", 5, 0));
	keys("Space");
	assert_true(wait_text("Keys: Dashboard", 5, 1));
	assert_clean(80, 24);
	assert_true(wait_text("Today's usage", 5, 0));
	assert_int_equal(tmux("resize-window -x 200 -y 60"), 0);
	assert_true(wait_text("7 Users", 5, 0));
	assert_clean(200, 60);
	assert_true(wait_text("Today's usage", 5, 0));
	/* Keys still work after resizing. */
	keys("5");
	assert_true(wait_text("Campaigns", 5, 0));
	assert_clean(200, 60);
}

/* Outside UTF-8 (vt100, the C locale): plain letters, never "?". */
static void
test_ascii_terminal(void **state)
{
	session_start("C", 100, 30);
	assert_true(wait_text("Today's usage", 5, 0));
	keys("2");
	assert_true(wait_text("Lea", 10, 0));
	assert_true(wait_text("L?a", 1, 1));
}

static void
test_french(void **state)
{
	static const char *screens[][2] = {
		{ "1", "Envois du jour" }, { "2", "Recherche" },
		{ "3", "Fichier" }, { "4", "Catégories" },
		{ "5", "Campagnes" }, { "6", "État" },
		{ "7", "Utilisateurs" }, { "8", "Statistiques" },
	};
	size_t	 i;

	if (setlocale(LC_ALL, "fr_FR.UTF-8") == NULL) {
		fprintf(stderr, "skipped: no fr_FR.UTF-8 locale (make deps)\n");
		skip();
	}
	setlocale(LC_ALL, "C.UTF-8");
	session_start("fr_FR.UTF-8", 100, 30);
	assert_true(wait_text("Tableau de bord", 5, 0));
	assert_true(wait_text("Capacité restante", 5, 0));
	assert_true(wait_text("attention", 5, 0));
	for (i = 0; i < sizeof screens / sizeof screens[0]; i++) {
		keys(screens[i][0]);
		assert_true(wait_text(screens[i][1], 5, 0));
	}
	assert_true(wait_text("Aujourd'hui", 5, 0));
	assert_true(wait_text("30 derniers jours", 5, 0));
	assert_true(wait_text("Messages par état", 5, 0));
	keys("'?'");
	assert_true(wait_text("Touches : Statistiques", 5, 0));
	keys("Space");
	keys("7 '?'");
	assert_true(wait_text("Touches : Utilisateurs", 5, 0));
	keys("Space");
	/* The campaign form, its picker and its preview. */
	keys("5 n");
	assert_true(wait_text("Nouvelle campagne", 5, 0));
	assert_true(wait_text("(Espace : choisir)", 5, 0));
	assert_true(wait_text("Aperçu pour", 10, 0));
	keys("Tab Tab Tab Tab Space");
	assert_true(wait_text("Choisir les catégories", 5, 0));
	keys("Escape Escape");
	assert_true(wait_text("Nouvelle campagne", 5, 1));
	keys("Escape");
	assert_true(wait_text("Quitter wacamp ?", 5, 0));
	assert_true(wait_text("o : oui", 5, 0));
	keys("n");
}

static void
test_reconnect(void **state)
{
	/* Started while the daemon is down: lists say why they are empty. */
	harness_stop(&H);
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("disconnected", 5, 0));
	keys("2");
	assert_true(wait_text("wacampd cannot be reached", 5, 0));
	assert_int_equal(harness_start(&H), 0);
	assert_true(wait_text("wacampd cannot be reached", 10, 1));
	keys("1");
	assert_true(wait_text("Today's usage", 5, 0));
	assert_true(wait_text("@simulator", 5, 0));
	harness_stop(&H);
	assert_true(wait_text("disconnected", 5, 0));
	assert_int_equal(harness_start(&H), 0);
	/* No key pressed: it comes back by itself within a few seconds. */
	assert_true(wait_text("disconnected", 5, 1));
	assert_true(wait_text("@simulator", 5, 0));
	assert_true(wait_text("800 / 1000", 5, 0));
	keys("2");
	assert_true(wait_text("Search: -", 5, 0));
}

static void
test_escape_inert(void **state)
{
	char	*s;

	if (!have_contacts) {
		fprintf(stderr, "skipped: the daemon does not know the "
		    "contacts.list command yet\n");
		skip();
	}
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 5, 0));
	keys("2 /");
	assert_true(wait_text("Search contacts", 5, 0));
	keys("Eve Enter Enter");
	/* The escape shows as ^[ and the title is not set. */
	assert_true(wait_text("^[]0;PWNED^GEve^[[31mRed", 10, 0));
	s = capture();
	assert_null(strstr(s, "\x1b"));
	free(s);
	assert_int_equal(tmux("display -p '#{pane_title}' | grep -q PWNED"),
	    256);
}

static long
client_rss_kb(void)
{
	char	 cmd[256], buf[64], path[64], line[256];
	FILE	*fp;
	long	 pid = 0, kb = -1;

	snprintf(cmd, sizeof cmd, "tmux -L %s display -p '#{pane_pid}'",
	    tmux_name);
	if ((fp = popen(cmd, "r")) != NULL) {
		if (fgets(buf, sizeof buf, fp) != NULL)
			pid = atol(buf);
		pclose(fp);
	}
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

static void
test_memory_flat(void **state)
{
	long	 before, after;

	if (!have_contacts) {
		fprintf(stderr, "skipped: the daemon does not know the "
		    "contacts.list command yet\n");
		skip();
	}
#ifdef __SANITIZE_ADDRESS__
	/* ASan keeps freed memory in quarantine: RSS says nothing here. */
	fprintf(stderr, "skipped under AddressSanitizer: RSS includes its "
	    "quarantine; the normal build measures it\n");
	skip();
#endif
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 5, 0));
	keys("2");
	assert_true(wait_text("/1000000", 10, 0));
	assert_int_equal(tmux("send-keys -N 40 NPage"), 0);
	assert_true(wait_text("1041/1000000", 10, 0));
	before = client_rss_kb();
	assert_true(before > 0);
	/* 2000 pages of 26 rows: 52,000 rows, 520 daemon pages. */
	assert_int_equal(tmux("send-keys -N 2000 NPage"), 0);
	assert_true(wait_text("53041/1000000", 60, 0));
	after = client_rss_kb();
	fprintf(stderr, "client VmRSS %ld kB -> %ld kB\n", before, after);
	assert_true(after - before < 2048);
	keys("End");
	keys("Home");
	assert_true(wait_text(" 1/1000000", 10, 0));
}


static void
test_statistics(void **state)
{
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 5, 0));
	keys("8");
	assert_true(wait_text("8 Statistics", 5, 0));
	/* Today from monitoring.stats: 400 read of 800 sent, 90 replies
	 * to 700 Message 1, 12 failed. */
	assert_true(wait_text("Sent: 800", 5, 0));
	assert_true(wait_text("Read: 400 (50.0%)", 5, 0));
	assert_true(wait_text("Replies: 90 (12.9%)", 5, 0));
	assert_true(wait_text("Failed: 12 (1.5%)", 5, 0));
	assert_true(wait_text("Last 30 days", 5, 0));
	assert_true(wait_text("Messages by status", 5, 0));
	assert_true(wait_text("Dlv.%", 5, 0));
	keys("'?'");
	assert_true(wait_text("Keys: Statistics", 5, 0));
	assert_true(wait_text("the campaign's details", 5, 0));
	keys("Space");
	keys("F9");
	assert_true(wait_text("8 Statistics", 5, 0));
	keys("1");
	assert_true(wait_text("Today's usage", 5, 0));
}

static void
test_categories_users(void **state)
{
	json_t	*rep;
	int	 fd;

	assert_true((fd = harness_connect(&H)) != -1);
	rep = harness_call(fd, "categories.create", json_pack("{s:s}", "name",
	    "Clients Lomé"));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	rep = harness_call(fd, "categories.create", json_pack("{s:s}", "name",
	    "Dakar"));
	json_decref(rep);
	rep = harness_call(fd, "categories.add_contacts", json_pack(
	    "{s:s,s:[i,i,i]}", "id", "Clients Lomé", "contacts", 1, 2, 3));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	rep = harness_call(fd, "users.create", json_pack("{s:s,s:s,s:s}",
	    "login", "alice", "role", "admin", "password", "Secret-pass-42"));
	json_decref(rep);
	close(fd);

	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 5, 0));
	keys("4");
	assert_true(wait_text("Clients Lomé", 10, 0));
	assert_true(wait_text("Dakar", 5, 0));
	/* The row of Clients Lomé shows its 3 contacts. */
	assert_int_equal(tmux("capture-pane -p | grep -q "
	    "'Clients Lomé  *3$'"), 0);
	keys("7");
	assert_true(wait_text("super_admin", 10, 0));
	assert_true(wait_text("alice", 5, 0));
	assert_int_equal(tmux("capture-pane -p | grep -q "
	    "'alice  *admin'"), 0);
	assert_int_equal(tmux("capture-pane -p | grep -q "
	    "'root  *super_admin  *root'"), 0);
}

/*
 * A Unix user the daemon does not know gets the login screen; a password
 * logs in, and the token it leaves logs the next start in by itself.
 */
static void
test_login(void **state)
{
	char	 xdg[320], wrap[1024], cmd[4096];
	json_t	*rep;
	int	 fd;

	if (geteuid() != 0) {
		fprintf(stderr, "skipped: running the client as another Unix "
		    "user needs root\n");
		skip();
	}
	assert_true((fd = harness_connect(&H)) != -1);
	rep = harness_call(fd, "users.create", json_pack("{s:s,s:s,s:s}",
	    "login", "alice", "role", "admin", "password", "Secret-pass-42"));
	json_decref(rep);
	close(fd);
	/* nobody may reach the socket; its token goes in a dir of its own. */
	snprintf(xdg, sizeof xdg, "%s/xdg-nobody", H.dir);
	/* The build tree may sit in a directory nobody cannot enter: the
	 * client runs from a copy in nobody's own. */
	snprintf(client_bin, sizeof client_bin, "%s/wacamp-client", xdg);
	snprintf(cmd, sizeof cmd, "chmod 711 '%s' && chmod 666 '%s' && "
	    "mkdir -p '%s' && cp '%s' '%s' && chmod 755 '%s' && "
	    "chown -R 65534:65534 '%s' && chmod 700 '%s'",
	    H.dir, H.sock, xdg, env_or("WACAMP", "build/wacamp"), client_bin,
	    client_bin, xdg, xdg);
	assert_int_equal(system(cmd), 0);
	snprintf(wrap, sizeof wrap, "setpriv --reuid=65534 --regid=65534 "
	    "--clear-groups env XDG_RUNTIME_DIR='%s' HOME='%s'", xdg, xdg);
	session_start_as(wrap, "C.UTF-8", 100, 30);
	assert_true(wait_text("Peer credentials do not apply: log in.", 10,
	    0));
	assert_true(wait_text("Log in to wacampd", 5, 0));
	keys("F1");
	assert_true(wait_text("Keys: Log in to wacampd", 5, 0));
	keys("Space");
	assert_true(wait_text("Keys: Log in to wacampd", 5, 1));
	type("alice");
	keys("Enter");
	type("not-the-password");
	keys("Enter");
	assert_true(wait_text("wrong login or password", 10, 0));
	assert_true(wait_text("Log in to wacampd", 5, 0));
	type("Secret-pass-42");
	keys("Enter");
	assert_true(wait_text("Today's usage", 10, 0));
	assert_true(wait_text("alice@simulator", 5, 0));
	assert_true(wait_text("Secret-pass-42", 1, 1));
	/* An admin is not a super_admin: no users. */
	keys("7");
	assert_true(wait_text("Only a super_admin can manage users.", 5, 0));
	/* Started again, the saved token logs in: no form. */
	session_start_as(wrap, "C.UTF-8", 100, 30);
	assert_true(wait_text("alice@simulator", 10, 0));
	assert_true(wait_text("Log in to wacampd", 1, 1));
	client_bin[0] = '\0';
}

/* Type TEXT as it is (no key names) into the pane. */
static void
type(const char *text)
{
	char	 cmd[600];

	snprintf(cmd, sizeof cmd, "send-keys -l '%.500s'", text);
	assert_int_equal(tmux("%s", cmd), 0);
}

/*
 * The campaign detail's progress bar as seen now: filled cells, and the
 * "done" figure after it in *DONE. -1 when no bar is on the screen.
 */
static int
progress_seen(long *done)
{
	char	*s = capture(), *line, *nl, *p, *end;
	int	 cells = -1;

	*done = -1;
	for (line = s; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (strncmp(line, "  Progress", 10) != 0 ||
		    (p = strchr(line, '[')) == NULL ||
		    (end = strchr(p, ']')) == NULL)
			continue;
		*end = '\0';
		for (cells = 0; (p = strstr(p, "\xe2\x96\x88")) != NULL; p += 3)
			cells++;
		*done = strtol(end + 1, NULL, 10);
		break;
	}
	free(s);
	return cells;
}

/* The walk's daemon: WALK_N contacts, a category of WALK_CAT, quick pacing. */
static int
walk_start(void)
{
	char	 sql[1024];

	harness_init(&W, "[wassenger]\nprovider = simulator\n[pacing]\n"
	    "interval = 100ms\njitter = 0\nbatch_size = 100000\n"
	    "batch_pause = 0\ndaily_limit = 100000\n");
	if (harness_start(&W) == -1)
		return -1;
	harness_stop(&W);
	snprintf(sql, sizeof sql, "WITH RECURSIVE n(i) AS (SELECT 1 "
	    "UNION ALL SELECT i + 1 FROM n WHERE i < %d) INSERT INTO "
	    "contacts (full_number, first_name, last_name, created_at, "
	    "updated_at) SELECT '+3362' || printf('%%07d', i), "
	    "'Walker' || i, 'Dupont', 1, 1 FROM n", WALK_N - 1);
	db_exec_at(&W, sql);
	db_exec_at(&W, "INSERT INTO contacts (full_number, first_name, "
	    "last_name, created_at, updated_at) VALUES ('+22890077777', "
	    "'Zénobie', 'Walkowska', 1, 1)");
	db_exec_at(&W, "INSERT INTO categories (name, created_at, updated_at) "
	    "VALUES ('Others', 1, 1), ('Walkers', 1, 1)");
	snprintf(sql, sizeof sql, "INSERT INTO category_contacts (category_id, "
	    "contact_id) SELECT (SELECT id FROM categories WHERE name = "
	    "'Walkers'), id FROM contacts WHERE id <= %d", WALK_CAT);
	db_exec_at(&W, sql);
	snprintf(sql, sizeof sql, "INSERT INTO category_contacts (category_id, "
	    "contact_id) SELECT (SELECT id FROM categories WHERE name = "
	    "'Others'), id FROM contacts WHERE id > %d AND id <= %d",
	    WALK_CAT, WALK_CAT + 50);
	db_exec_at(&W, sql);
	return harness_start(&W);
}

static int
walk_teardown(void **state)
{
	test_teardown(state);
	if (W.dir[0] != '\0')
		harness_cleanup(&W);
	memset(&W, 0, sizeof W);
	return 0;
}

/*
 * Acceptance 1 of issue #6, every step by keys: dashboard, contacts
 * (a search among 100,000 finds the one), a new campaign, send, the bar
 * moves with no key pressed, stop.
 */
static void
test_walk(void **state)
{
	double	 t0;
	long	 done0, done1;
	int	 cells0, cells1;
	char	*s;

	assert_int_equal(walk_start(), 0);
	target = &W;
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	assert_true(wait_text("Provider: simulator", 10, 0));

	keys("2");
	assert_true(wait_text("1/100000", 20, 0));
	keys("/");
	assert_true(wait_text("Search contacts", 5, 0));
	type("Walkowska");
	keys("Enter Enter");
	assert_true(wait_text("Zénobie Walkowska", 20, 0));
	assert_true(wait_text("   1/1\n", 10, 0));
	s = capture();
	assert_non_null(strstr(s, "+22890077777"));
	assert_null(strstr(s, "Walker"));
	free(s);

	keys("5");
	assert_true(wait_text("No campaigns. Press n", 10, 0));
	keys("n");
	assert_true(wait_text("New campaign", 5, 0));
	type("Walk test");
	/* Past the template, to Message 1. */
	keys("Enter Enter");
	type("Bonjour {{first_name}}");
	keys("Tab Tab");
	/* Categories come from the picker, with their counts. */
	assert_true(wait_text("(Space: choose)", 5, 0));
	keys("Space");
	assert_true(wait_text("Choose categories", 5, 0));
	assert_true(wait_text("[ ] Walkers", 10, 0));
	assert_true(wait_text("300", 5, 0));
	keys("'?'");
	assert_true(wait_text("Keys: Choose categories", 5, 0));
	keys("Space");
	assert_true(wait_text("Keys: Choose categories", 5, 1));
	keys("Down Space");
	assert_true(wait_text("[x] Walkers", 5, 0));
	assert_true(wait_text("[ ] Others", 5, 0));
	keys("Enter");
	assert_true(wait_text("Choose categories", 5, 1));
	assert_true(wait_text("Walkers (300)", 5, 0));
	/* The preview: the category's first contact, then one asked for. */
	assert_true(wait_text("Preview for Walker1 Dupont, +33620000001", 10,
	    0));
	assert_true(wait_text("Message 1: Bonjour Walker1", 5, 0));
	/* Past the start and the window, to the preview's contact. */
	keys("Enter Enter Enter");
	type("100000");
	assert_true(wait_text("Preview for Zénobie Walkowska", 10, 0));
	assert_true(wait_text("Message 1: Bonjour Zénobie", 5, 0));
	keys("Enter");
	assert_true(wait_text("New campaign", 10, 1));
	assert_true(wait_text("Walk test", 10, 0));
	assert_true(wait_text("draft", 10, 0));

	keys("Enter");
	assert_true(wait_text("[draft]", 10, 0));
	keys("s");
	assert_true(wait_text("Send campaign Walk test now?", 5, 0));
	keys("y");
	assert_true(wait_text("[running]", 15, 0));
	t0 = harness_now();
	while ((cells0 = progress_seen(&done0)) < 0 && harness_now() - t0 < 10)
		usleep(50000);
	assert_true(cells0 >= 0);
	/* No key from here: the daemon's events move the bar. */
	t0 = harness_now();
	do {
		usleep(200000);
		cells1 = progress_seen(&done1);
	} while ((cells1 <= cells0 || done1 <= done0) &&
	    harness_now() - t0 < 20);
	fprintf(stderr, "progress bar: %d cells (%ld sent) -> %d cells "
	    "(%ld sent)\n", cells0, done0, cells1, done1);
	assert_true(cells1 > cells0);
	assert_true(done1 > done0);
	assert_true(done1 < WALK_CAT);

	keys("x");
	assert_true(wait_text("Stop campaign Walk test?", 5, 0));
	keys("y");
	assert_true(wait_text("[stopped]", 15, 0));
	assert_true(wait_text("Pending: 0", 10, 0));
	/* Statistics lists it; Enter there opens it again. */
	keys("8");
	assert_true(wait_text("Walk test", 10, 0));
	assert_true(wait_text("stopped", 10, 0));
	keys("Enter");
	assert_true(wait_text("[stopped]", 10, 0));
	/* s on a stopped campaign resumes it; what was sent stays counted. */
	assert_true(wait_text("s resume", 5, 0));
	keys("s");
	assert_true(wait_text("Resume campaign Walk test (only what was not "
	    "sent yet)?", 5, 0));
	keys("y");
	assert_true(wait_text("[running]", 15, 0));
	t0 = harness_now();
	while ((cells0 = progress_seen(&done0)) < 0 && harness_now() - t0 < 10)
		usleep(50000);
	assert_true(done0 >= done1);
	keys("x");
	assert_true(wait_text("Stop campaign Walk test?", 5, 0));
	keys("y");
	assert_true(wait_text("[stopped]", 15, 0));
}

static struct harness	 U;		/* a daemon with an unknown message */

static int
unknown_teardown(void **state)
{
	test_teardown(state);
	harness_cleanup(&U);
	return 0;
}

/*
 * A send answered 500 against the fake may have gone out: the dashboard
 * warns of it, the campaign screen counts it, u settles it.
 */
static void
test_unknown(void **state)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	json_t		*rep;
	FILE		*fp;
	char		*r;
	double		 t0;
	long long	 n = 0;
	int		 fd, code;

	harness_init(&U, NULL);
	assert_true(harness_fake_start(&U) > 0);
	assert_non_null(fp = fopen(U.conf, "a"));
	fprintf(fp, "[wassenger]\nprovider = wassenger\napi_url = "
	    "http://127.0.0.1:%d/v1\napi_key = test-token\ndevice_id = "
	    "6643f2a1b7c9d40012e5a1f0\ntimeout = 3s\n[pacing]\n"
	    "interval = 10ms\njitter = 0\n", U.fake_port);
	fclose(fp);
	assert_int_equal(harness_start(&U), 0);
	db_exec_at(&U, "INSERT INTO categories (name, created_at, updated_at) "
	    "VALUES ('u', 0, 0); INSERT INTO contacts (full_number, first_name, "
	    "last_name, created_at, updated_at) VALUES ('+33610000001', 'A', "
	    "'B', 0, 0); INSERT INTO category_contacts (category_id, "
	    "contact_id) VALUES (1, 1);");
	r = harness_http(U.fake_port, "POST", "/_ctl/faults", "{\"faults\":"
	    "[{\"path\":\"/v1/messages\",\"status\":500}]}", &code);
	free(r);
	assert_int_equal(code, 200);
	assert_true((fd = harness_connect(&U)) != -1);
	rep = harness_call(fd, "campaigns.create", json_pack("{s:s,s:s,s:[s]}",
	    "name", "Maybe", "message_1", "Hi", "categories", "u"));
	json_decref(rep);
	rep = harness_call(fd, "campaigns.send", json_pack("{s:i}", "id", 1));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	close(fd);
	assert_int_equal(sqlite3_open(U.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	for (t0 = harness_now(); n != 1 && harness_now() - t0 < 10;
	    usleep(50000)) {
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
		    "messages WHERE state = 'unknown'", -1, &st, NULL),
		    SQLITE_OK);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	assert_int_equal(n, 1);

	target = &U;
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	assert_true(wait_text("Unknown: 1 message(s), oldest ", 10, 0));
	keys("5");
	assert_true(wait_text("Maybe", 10, 0));
	keys("Enter");
	assert_true(wait_text("Unknown: 1 (oldest ", 10, 0));
	keys("u");
	assert_true(wait_text("What became of the 1 unknown message(s) of "
	    "Maybe", 5, 0));
	keys("f");
	assert_true(wait_text("Settled 1 message(s) as failed", 10, 0));
	assert_true(wait_text("Unknown: 0", 10, 0));
	assert_true(wait_text("Failed: 1", 10, 0));
	/* The daemon recorded it, and the audit log says who. */
	assert_int_equal(sqlite3_open(U.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM "
	    "messages WHERE state = 'failed' AND error LIKE '%operator%'), "
	    "(SELECT count(*) FROM audit_log WHERE command = "
	    "'campaigns.settle')", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_int_equal(sqlite3_column_int(st, 1), 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
}


/*
 * Issue 16: every action of the interface, each checked in the daemon's
 * database afterwards. Each test has a daemon of its own (A), so ids and
 * the order of pickers are known.
 */
static struct harness	 A;

/* The first column of the first row of SQL on H's database, -1 if none. */
static long long
sql_int(struct harness *h, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	long long	 v = -1;

	assert_int_equal(sqlite3_open(h->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Wait up to SECS for SQL to give WANT; returns what it gave last. */
static long long
wait_sql(struct harness *h, const char *sql, long long want, double secs)
{
	double		 t0 = harness_now();
	long long	 v;

	while ((v = sql_int(h, sql)) != want && harness_now() - t0 < secs)
		usleep(50000);
	if (v != want)
		fprintf(stderr, "--- %s gave %lld, not %lld\n", sql, v, want);
	return v;
}

/* A daemon of its own with quick pacing, SQL run on it, the session on it. */
static void
a_start(const char *extra, const char *sql)
{
	char	 conf[1024];

	snprintf(conf, sizeof conf, "[wassenger]\nprovider = simulator\n"
	    "[pacing]\ninterval = 100ms\njitter = 0\nbatch_size = 1000\n"
	    "batch_pause = 0\ndaily_limit = 10000\n%s", extra != NULL ?
	    extra : "");
	harness_init(&A, conf);
	assert_int_equal(harness_start(&A), 0);
	/* Data goes straight into the store while the daemon is down. */
	if (sql != NULL) {
		harness_stop(&A);
		db_exec_at(&A, sql);
		assert_int_equal(harness_start(&A), 0);
	}
	target = &A;
}

static int
a_teardown(void **state)
{
	test_teardown(state);
	if (A.dir[0] != '\0')
		harness_cleanup(&A);
	memset(&A, 0, sizeof A);
	return 0;
}

/* Call CMD on A and return the reply (caller decrefs). */
static json_t *
a_call(const char *cmd, json_t *args)
{
	json_t	*rep;
	int	 fd;

	assert_true((fd = harness_connect(&A)) != -1);
	rep = harness_call(fd, cmd, args);
	close(fd);
	return rep;
}

/* Does A lack CMD? (Verbs being added in parallel.) */
static int
a_lacks(const char *cmd, json_t *args)
{
	json_t		*rep = a_call(cmd, args);
	const char	*msg = json_string_value(json_object_get(
			    json_object_get(rep, "error"), "message"));
	int		 lacks = msg != NULL && strncmp(msg, "unknown command",
			    15) == 0;

	json_decref(rep);
	return lacks;
}

#define A_CONTACTS(n)	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "	\
	"SELECT i + 1 FROM n WHERE i < " #n ") INSERT INTO contacts "	\
	"(full_number, first_name, last_name, created_at, updated_at) "	\
	"SELECT '+2289000000' || i, 'Ama' || i, 'Test', 1, 1 FROM n;"

/* Relaunch asks, then sends confirm:true: round 2 for the whole audience. */
static void
test_relaunch(void **state)
{
	json_t	*rep;

	a_start(NULL, A_CONTACTS(3) "INSERT INTO categories (name, "
	    "created_at, updated_at) VALUES ('R', 1, 1); INSERT INTO "
	    "category_contacts (category_id, contact_id) SELECT 1, id FROM "
	    "contacts;");
	rep = a_call("campaigns.create", json_pack("{s:s,s:s,s:[s]}", "name",
	    "Again", "message_1", "Hi {{first_name}}", "categories", "R"));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	rep = a_call("campaigns.send", json_pack("{s:i}", "id", 1));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')", 3, 20), 3);
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM messages WHERE "
	    "round = 2"), 0);

	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("5");
	assert_true(wait_text("Again", 10, 0));
	keys("Enter");
	assert_true(wait_text("[completed]", 10, 0) ||
	    wait_text("[running]", 1, 0));
	keys("l");
	assert_true(wait_text("Relaunch Again to its whole audience?", 5, 0));
	keys("y");
	assert_true(wait_text("Campaign relaunched", 10, 0));
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM messages WHERE "
	    "campaign_id = 1 AND round = 2", 3, 10), 3);
	assert_int_equal(sql_int(&A, "SELECT round FROM campaigns WHERE "
	    "id = 1"), 2);
}

/* On the contacts list: search for Q; the count shown must be N/N. */
static void
contacts_search(const char *q, int n)
{
	char	 want[300];

	keys("/");
	assert_true(wait_text("Search contacts", 5, 0));
	keys("C-u");
	type(q);
	keys("Enter Enter");
	snprintf(want, sizeof want, "Search: %s ", q);
	assert_true(wait_text(want, 10, 0));
	snprintf(want, sizeof want, " %d/%d", n, n);
	assert_true(wait_text(want, 10, 0));
}

/*
 * A new contact with a national number (the daemon applies its default
 * country, 228) and a category chosen in the picker.
 */
static void
test_add_contact(void **state)
{
	a_start("[import]\ndefault_country = 228\n", "INSERT INTO categories "
	    "(name, created_at, updated_at) VALUES ('Lomé', 1, 1);");
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("2 a");
	assert_true(wait_text("New contact", 5, 0));
	/* A number the daemon refuses: its reason, in the form. */
	type("12");
	keys("Enter Enter Enter Enter");
	assert_true(wait_text("phone 12", 10, 0));
	assert_true(wait_text("New contact", 1, 0));
	keys("Tab C-u");
	type("90 12 34 56");
	keys("Enter");
	type("Kossi");
	keys("Enter");
	type("Mensah");
	keys("Enter Space");
	assert_true(wait_text("Choose categories", 5, 0));
	assert_true(wait_text("[ ] Lomé", 10, 0));
	keys("Space");
	assert_true(wait_text("[x] Lomé", 5, 0));
	keys("Enter");
	assert_true(wait_text("Lomé (0)", 5, 0));
	keys("Enter");
	assert_true(wait_text("Contact added", 10, 0));
	assert_true(wait_text("+22890123456", 10, 0));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM contacts c JOIN "
	    "category_contacts cc ON cc.contact_id = c.id JOIN categories g ON "
	    "g.id = cc.category_id WHERE c.full_number = '+22890123456' AND "
	    "c.first_name = 'Kossi' AND c.last_name = 'Mensah' AND "
	    "g.name = 'Lomé'"), 1);
	/* The interface's search: numbers as typed locally, names without
	 * case or accents (DESIGN §10). */
	contacts_search("90 12 34 56", 1);
	contacts_search("9012", 1);
	contacts_search("0022890123456", 1);
	contacts_search("M\xc3\xa9NSAH", 1);
	contacts_search("9013", 0);
}

/* Space marks three contacts; c adds them to a category from a picker. */
static void
test_multiselect(void **state)
{
	a_start(NULL, A_CONTACTS(5) "INSERT INTO categories (name, "
	    "created_at, updated_at) VALUES ('Trio', 1, 1);");
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("2");
	assert_true(wait_text(" 1/5", 10, 0));
	keys("Down Space Space Space");
	assert_true(wait_text("3 marked", 5, 0));
	keys("c");
	assert_true(wait_text("Add to the category", 5, 0));
	assert_true(wait_text("Trio", 10, 0));
	keys("Enter");
	assert_true(wait_text("Added 3 contact(s) to the category", 10, 0));
	assert_true(wait_text("3 marked", 5, 1));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM category_contacts "
	    "WHERE category_id = 1 AND contact_id IN (2, 3, 4)"), 3);
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM category_contacts"),
	    3);
	/* Nothing marked: C takes the selected contact (4) out. */
	keys("Up C");
	assert_true(wait_text("Remove from the category", 5, 0));
	keys("Enter");
	assert_true(wait_text("Removed 1 contact(s) from the category", 10,
	    0));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM category_contacts "
	    "WHERE contact_id IN (2, 3)"), 2);
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM category_contacts"),
	    2);
}

/* The contact's screen: opt out, then back in. */
static void
test_optout(void **state)
{
	a_start(NULL, A_CONTACTS(2));
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("2");
	assert_true(wait_text(" 1/2", 10, 0));
	keys("Enter");
	assert_true(wait_text("Ama1 Test", 10, 0));
	assert_true(wait_text("Opted out: no", 10, 0));
	keys("o");
	assert_true(wait_text("Opt +22890000001 out?", 5, 0));
	keys("y");
	assert_true(wait_text("Opted out: yes", 10, 0));
	assert_int_equal(wait_sql(&A, "SELECT opted_out FROM contacts WHERE "
	    "id = 1", 1, 5), 1);
	keys("o");
	assert_true(wait_text("Opt +22890000001 back in?", 5, 0));
	keys("y");
	assert_true(wait_text("Opted out: no", 10, 0));
	assert_int_equal(wait_sql(&A, "SELECT opted_out FROM contacts WHERE "
	    "id = 1", 0, 5), 0);
	assert_int_equal(sql_int(&A, "SELECT opted_out FROM contacts WHERE "
	    "id = 2"), 0);
	/* Back to the list. */
	keys("q");
	assert_true(wait_text(" 1/2", 10, 0));
}

/*
 * e on a contact: its names, number and the other columns an import kept,
 * filled; Ctrl-S sends contacts.update with them, an emptied column
 * removed, the rest untouched.
 */
static void
test_contact_edit(void **state)
{
	a_start(NULL, A_CONTACTS(2) "INSERT INTO contact_fields (name, "
	    "created_at) VALUES ('ville', 1), ('quartier', 1); UPDATE contacts "
	    "SET extra = '{\"ville\":\"Lomé\",\"quartier\":\"Bè\"}' "
	    "WHERE id = 1;");
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("2");
	assert_true(wait_text(" 1/2", 10, 0));
	keys("e");
	assert_true(wait_text("Edit contact", 5, 0));
	assert_true(wait_text("Ama1", 5, 0));
	assert_true(wait_text("Lomé", 5, 0));
	assert_true(wait_text("Bè", 5, 0));
	/* First name, then down to ville and quartier. */
	keys("C-u");
	type("Akossiwa");
	keys("Tab Tab Tab C-u");
	type("Kara");
	keys("Tab C-u");
	keys("C-s");
	assert_true(wait_text("Contact saved", 10, 0));
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM contacts WHERE "
	    "id = 1 AND first_name = 'Akossiwa' AND extra = "
	    "'{\"ville\":\"Kara\"}'", 1, 5), 1);
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM contacts WHERE "
	    "id = 2 AND first_name = 'Ama2' AND extra IS NULL"), 1);
	/* A contact without other columns: the three fields only; an
	 * empty number is refused in the form, nothing sent. */
	keys("Down e");
	assert_true(wait_text("Edit contact", 5, 0));
	assert_true(wait_text("Ama2", 5, 0));
	keys("Tab Tab C-u C-s");
	assert_true(wait_text("Phone: required", 5, 0));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM contacts WHERE "
	    "id = 2 AND full_number = '+22890000002'"), 1);
}

/* e on a draft: its form, filled; Ctrl-S sends campaigns.update. */
static void
test_edit_draft(void **state)
{
	json_t	*rep;

	a_start(NULL, A_CONTACTS(1) "INSERT INTO categories (name, "
	    "created_at, updated_at) VALUES ('E', 1, 1), ('F', 1, 1); "
	    "INSERT INTO category_contacts (category_id, contact_id) VALUES (1, 1);");
	rep = a_call("campaigns.create", json_pack("{s:s,s:s,s:[s]}", "name",
	    "Draft one", "message_1", "Hello", "categories", "E"));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("5");
	assert_true(wait_text("Draft one", 10, 0));
	keys("e");
	assert_true(wait_text("Edit campaign", 5, 0));
	/* The draft's own texts and categories, by name. */
	assert_true(wait_text("Categories *          E\n", 5, 0));
	assert_true(wait_text("Message 1 *           Hello", 5, 0));
	keys("C-u");
	type("Draft renamed");
	/* The text area (past the template): two lines, then edits in the
	 * middle of them. */
	keys("Tab Tab C-u");
	type("Salut");
	keys("Enter");
	type("ligne");
	keys("Up End");
	type(" {{first_name}}");
	keys("Down Home DC");
	type("L");
	keys("Tab Tab Space");
	assert_true(wait_text("[x] E", 10, 0));
	keys("Down Space Enter");
	keys("C-s");
	assert_true(wait_text("Campaign saved", 10, 0));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM campaigns WHERE "
	    "name = 'Draft renamed' AND message_1 = 'Salut {{first_name}}' || "
	    "char(10) || 'Ligne'"), 1);
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM "
	    "campaign_categories WHERE campaign_id = 1"), 2);
	/* A campaign sent is not a draft: it says so, nothing changes. */
	rep = a_call("campaigns.send", json_pack("{s:i}", "id", 1));
	json_decref(rep);
	keys("e");
	assert_true(wait_text("Only a draft can be edited", 10, 0));
}

/*
 * Message 1 written in $EDITOR (a script that writes two lines): both
 * lines are in the form, in the campaign, and in the message sent.
 */
static void
test_editor(void **state)
{
	char	 ed[400], wrap[600];
	FILE	*fp;
	json_t	*rep;
	int	 plan;

	a_start(NULL, A_CONTACTS(1) "INSERT INTO categories (name, "
	    "created_at, updated_at) VALUES ('Ed', 1, 1); INSERT INTO "
	    "category_contacts (category_id, contact_id) VALUES (1, 1);");
	snprintf(ed, sizeof ed, "%s/editor.sh", A.dir);
	assert_non_null(fp = fopen(ed, "w"));
	fprintf(fp, "#!/bin/sh\nprintf 'Bonjour {{first_name}},\\nune "
	    "offre pour vous.\\n' > \"$1\"\n");
	fclose(fp);
	assert_int_equal(chmod(ed, 0755), 0);
	snprintf(wrap, sizeof wrap, "env VISUAL= EDITOR='%s'", ed);
	session_start_as(wrap, "C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("5 n");
	assert_true(wait_text("New campaign", 5, 0));
	type("Two lines");
	keys("Tab Tab");
	assert_true(wait_text("Ctrl-E: editor", 5, 0));
	keys("C-e");
	assert_true(wait_text("une offre pour vous.", 10, 0));
	assert_true(wait_text("Bonjour {{first_name}},", 5, 0));
	keys("Tab Tab Space");
	assert_true(wait_text("[ ] Ed", 10, 0));
	keys("Space Enter C-s");
	assert_true(wait_text("Campaign created", 10, 0));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM campaigns WHERE "
	    "message_1 = 'Bonjour {{first_name}},' || char(10) || 'une offre "
	    "pour vous.'"), 1);
	keys("Enter");
	assert_true(wait_text("[draft]", 10, 0));
	assert_true(wait_text("    une offre pour vous.", 5, 0));
	rep = a_call("campaigns.send", json_pack("{s:i,s:b}", "id", 1,
	    "dry_run", 1));
	plan = json_object_get(json_object_get(rep, "data"),
	    "capacity_today") != NULL;
	json_decref(rep);
	keys("s");
	assert_true(wait_text("Send campaign Two lines now? 1 contact(s)", 5,
	    0));
	/* What the daemon's dry run says, when it says it (issue 16). */
	if (plan) {
		assert_true(wait_text("Capacity left today: 10000", 5, 0));
		assert_true(wait_text("All sent in about", 5, 0));
	}
	keys("y");
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM messages WHERE "
	    "body = 'Bonjour Ama1,' || char(10) || 'une offre pour vous.' "
	    "AND state IN ('sent', 'delivered', 'read')", 1, 20), 1);
}

/* Erase from the contact's screen: the number is gone everywhere. */
static void
test_erase(void **state)
{
	json_t	*rep;

	a_start(NULL, A_CONTACTS(2) "INSERT INTO categories (name, "
	    "created_at, updated_at) VALUES ('X', 1, 1); INSERT INTO "
	    "category_contacts (category_id, contact_id) SELECT 1, id FROM "
	    "contacts;");
	if (a_lacks("contacts.erase", json_pack("{s:i}", "id", 999999))) {
		fprintf(stderr, "skipped: this daemon does not know "
		    "contacts.erase yet (being added in parallel)\n");
		skip();
	}
	rep = a_call("campaigns.create", json_pack("{s:s,s:s,s:[s]}", "name",
	    "Before", "message_1", "Hi {{first_name}}", "categories", "X"));
	json_decref(rep);
	rep = a_call("campaigns.send", json_pack("{s:i}", "id", 1));
	json_decref(rep);
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')", 2, 20), 2);
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("2");
	assert_true(wait_text(" 1/2", 10, 0));
	keys("Enter");
	assert_true(wait_text("Ama1 Test", 10, 0));
	assert_true(wait_text("Messages (1)", 10, 0));
	keys("X");
	assert_true(wait_text("Erase +22890000001 for good?", 5, 0));
	assert_true(wait_text("Counts stay.", 5, 0));
	keys("y");
	assert_true(wait_text("Erased", 10, 0));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM messages WHERE "
	    "phone LIKE '%90000001%' OR body LIKE '%Ama1%'"), 0);
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM contacts WHERE "
	    "full_number LIKE '%90000001%'"), 0);
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM messages"), 2);
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM messages WHERE "
	    "phone = '+22890000002'"), 1);
}

/* D duplicates a campaign into a new draft with the same texts. */
static void
test_duplicate(void **state)
{
	json_t	*rep;

	a_start(NULL, A_CONTACTS(1) "INSERT INTO categories (name, "
	    "created_at, updated_at) VALUES ('D', 1, 1); INSERT INTO "
	    "category_contacts (category_id, contact_id) VALUES (1, 1);");
	if (a_lacks("campaigns.duplicate", json_pack("{s:i}", "id", 999999))) {
		fprintf(stderr, "skipped: this daemon does not know "
		    "campaigns.duplicate yet (being added in parallel)\n");
		skip();
	}
	rep = a_call("campaigns.create", json_pack("{s:s,s:s,s:[s]}", "name",
	    "Orig", "message_1", "Original text", "categories", "D"));
	json_decref(rep);
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("5");
	assert_true(wait_text("Orig", 10, 0));
	keys("D");
	assert_true(wait_text("Duplicated as campaign 2, a draft", 10, 0));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM campaigns WHERE "
	    "message_1 = 'Original text' AND status = 'draft'"), 2);
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM "
	    "campaign_categories WHERE campaign_id = 2"), 1);
}

/* Users: the role from a picker, a password reset, disable. */
static void
test_users_update(void **state)
{
	json_t	*rep;

	a_start(NULL, NULL);
	rep = a_call("users.create", json_pack("{s:s,s:s,s:s}", "login", "bob",
	    "role", "admin", "password", "Secret-pass-42"));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("7");
	assert_true(wait_text("bob", 10, 0));
	keys("G e");
	assert_true(wait_text("Edit user", 5, 0));
	keys("Space");
	assert_true(wait_text("Choose a role", 5, 0));
	keys("Down Enter C-s");
	assert_true(wait_text("User saved", 10, 0));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM users WHERE login "
	    "= 'bob' AND role = 'super_admin'"), 1);
	/* A password reset: the new one logs in, the old one no more. */
	keys("p");
	assert_true(wait_text("Reset the password", 5, 0));
	type("Other-pass-4242");
	keys("Enter");
	assert_true(wait_text("User saved", 10, 0));
	rep = a_call("auth.login", json_pack("{s:s,s:s}", "login", "bob",
	    "password", "Other-pass-4242"));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	rep = a_call("auth.login", json_pack("{s:s,s:s}", "login", "bob",
	    "password", "Secret-pass-42"));
	assert_false(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	keys("E");
	assert_true(wait_text("Disable user bob?", 5, 0));
	keys("y");
	assert_true(wait_text("User saved", 10, 0));
	assert_int_equal(wait_sql(&A, "SELECT active FROM users WHERE login "
	    "= 'bob'", 0, 5), 0);
	keys("9");
	assert_true(wait_text("edit a user", 10, 0));
	assert_true(wait_text("create a user", 10, 0));
}

/* T sends Message 1 of a campaign to one number typed in a form. */
static void
test_test_send(void **state)
{
	json_t	*rep;

	a_start("[import]\ndefault_country = 228\n", A_CONTACTS(1)
	    "INSERT INTO categories (name, created_at, updated_at) VALUES "
	    "('T', 1, 1); INSERT INTO category_contacts (category_id, "
	    "contact_id) VALUES (1, 1);");
	if (a_lacks("campaigns.test", json_pack("{s:i,s:s}", "id", 999999,
	    "phone", "+22890000009"))) {
		fprintf(stderr, "skipped: this daemon does not know "
		    "campaigns.test yet (being added in parallel)\n");
		skip();
	}
	rep = a_call("campaigns.create", json_pack("{s:s,s:s,s:[s]}", "name",
	    "Tried", "message_1", "Test {{first_name|ami}}", "categories",
	    "T"));
	json_decref(rep);
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("5");
	assert_true(wait_text("Tried", 10, 0));
	keys("T");
	assert_true(wait_text("Test send", 5, 0));
	type("90 00 00 09");
	keys("Enter");
	assert_true(wait_text("Test message queued", 10, 0));
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM messages WHERE "
	    "phone = '+22890000009' AND message_type = 1 AND state IN "
	    "('sent', 'delivered', 'read')", 1, 20), 1);
	/* The campaign itself stays a draft. */
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM campaigns WHERE "
	    "id = 1 AND status = 'draft'"), 1);
}

/* V checks every contact; the dashboard shows the result (and, from a
 * daemon that sends verify.progress, the progress). */
static void
test_verify_bulk(void **state)
{
	a_start("[verify]\ninterval = 50ms\n", A_CONTACTS(5));
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	assert_true(wait_text("5 not checked (of 5 contacts)", 10, 0));
	keys("2");
	assert_true(wait_text(" 1/5", 10, 0));
	keys("V");
	assert_true(wait_text("Verify every contact with WhatsApp?", 5, 0));
	keys("y");
	assert_true(wait_text("Verifying 5 contact(s)", 10, 0) ||
	    wait_text("Verification queued", 1, 0));
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM contacts WHERE "
	    "verified IS NOT NULL", 5, 20), 5);
	keys("1");
	assert_true(wait_text("0 not checked (of 5 contacts)", 10, 0));
}

#define INBOX_TOKEN	"t0ken-for-the-inbox-0123456789abcdef"

/* Post a reply from PHONE saying TEXT to A's webhook on PORT. */
static void
post_reply(int port, const char *id, const char *phone, const char *text)
{
	json_t		*j, *data;
	char		 path[600], from[64], *body, *resp;
	const char	*f;
	int		 status = 0;

	/* The project's own copy first: ../shared is not there in CI. */
	snprintf(path, sizeof path, "%s/wassenger/"
	    "webhook-message-in-new-reply.json", env_or("WACAMP_FIXTURES",
	    "tests/fixtures"));
	if (access(path, F_OK) != 0 &&
	    (f = getenv("WASSENGER_FIXTURES")) != NULL)
		snprintf(path, sizeof path, "%s/webhook-message-in-new-reply.json",
		    f);
	assert_non_null(j = json_load_file(path, 0, NULL));
	data = json_object_get(j, "data");
	snprintf(from, sizeof from, "%s@c.us", phone + 1);
	json_object_set_new(j, "id", json_string(id));
	json_object_set_new(data, "id", json_string(id));
	json_object_set_new(data, "fromNumber", json_string(phone));
	json_object_set_new(data, "from", json_string(from));
	json_object_set_new(data, "body", json_string(text));
	json_object_del(data, "quoted");
	json_object_set_new(json_object_get(json_object_get(data, "chat"),
	    "contact"), "phone", json_string(phone));
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	resp = harness_http(port, "POST", "/api/webhooks/wassenger?token="
	    INBOX_TOKEN, body, &status);
	free(resp);
	free(body);
	assert_int_equal(status, 200);
}

/*
 * The inbox (0): a reply posted to the webhook shows without a key press;
 * Enter opens the contact; one that comes while another screen is shown
 * counts on the inbox's tab.
 */
static void
test_inbox(void **state)
{
	char	 extra[256];
	int	 port = kit_free_port();

	assert_true(port > 0);
	snprintf(extra, sizeof extra, "[webhook]\nlisten = 127.0.0.1:%d\n"
	    "token = " INBOX_TOKEN "\n", port);
	a_start(extra, A_CONTACTS(2) "INSERT INTO campaigns (id, name, "
	    "message_1, status, created_at, updated_at, total, sent) VALUES "
	    "(1, 'Rentr\xc3\xa9" "e', 'Bonjour', 'running', 0, 0, 2, 2); "
	    "INSERT INTO messages (campaign_id, contact_id, message_type, "
	    "phone, body, state, created_at, updated_at, sent_at) VALUES "
	    "(1, 1, 1, '+22890000001', 'Bonjour', 'sent', 0, 0, 1), "
	    "(1, 2, 1, '+22890000002', 'Bonjour', 'sent', 0, 0, 1);");
	session_start("C.UTF-8", 120, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("0");
	assert_true(wait_text("No replies yet.", 10, 0));
	post_reply(port, "INBOXTUI000000000000000000001", "+22890000001",
	    "Merci, je viens samedi");
	/* No key pressed: the event brings it. */
	assert_true(wait_text("Merci, je viens samedi", 10, 0));
	assert_true(wait_text("Ama1 Test", 5, 0));
	assert_true(wait_text("Rentr\xc3\xa9" "e", 5, 0));
	assert_true(wait_text("1 replies, newest first", 5, 0));
	/* Enter: the contact's own screen. */
	keys("Enter");
	assert_true(wait_text("Opted out: no", 10, 0));
	assert_true(wait_text("+22890000001", 5, 0));
	/* Elsewhere, a new reply is counted on the tab, then read. */
	keys("1");
	assert_true(wait_text("Today's usage", 10, 0));
	post_reply(port, "INBOXTUI000000000000000000002", "+22890000002",
	    "Pas dispo");
	/* Tabs too wide for the line show their numbers only. */
	assert_true(wait_text(" 0 (1)", 10, 0) ||
	    wait_text("Inbox (1)", 1, 0));
	keys("0");
	assert_true(wait_text("Pas dispo", 10, 0));
	assert_true(wait_text(" 0 Inbox", 5, 0));
	assert_true(wait_text(" 0 (1)", 5, 1));
	assert_true(wait_text("Inbox (1)", 1, 1));
	assert_true(wait_text("2 replies, newest first", 5, 0));
	/* Messages (6): / searches text and errors in the daemon. */
	kit_sql(&A, "UPDATE messages SET state = 'failed', error = 'phone: "
	    "not on WhatsApp' WHERE contact_id = 2");
	keys("6");
	assert_true(wait_text("+22890000002", 10, 0));
	keys("/");
	assert_true(wait_text("Search messages", 5, 0));
	type("WHATSAPP");
	keys("Enter");
	assert_true(wait_text("Search: WHATSAPP", 10, 0));
	assert_true(wait_text("not on WhatsApp", 10, 0));
	assert_true(wait_text("+22890000001", 5, 1));
	keys("/ C-u");
	type("no such text");
	keys("Enter");
	assert_true(wait_text("No messages.", 10, 0));
}

/*
 * Issue 21 from the interface: a template picked in the campaign form
 * fills Message 1; a start time makes the send a schedule, stop makes it
 * a draft again; E exports the recipients and R writes a PDF report.
 */
static void
test_campaign_schedule_export(void **state)
{
	json_t	*rep;
	char	 path[400], cmd[480];

	a_start(NULL, A_CONTACTS(2) "INSERT INTO categories (name, "
	    "created_at, updated_at) VALUES ('S', 1, 1); INSERT INTO "
	    "category_contacts (category_id, contact_id) SELECT 1, id FROM "
	    "contacts; INSERT INTO templates (name, body, created_at) VALUES "
	    "('Promo', 'Bonjour {{first_name}}, -20 %', 1);");
	if (a_lacks("templates.list", json_object())) {
		fprintf(stderr, "skipped: this daemon has no templates\n");
		skip();
	}
	session_start("C.UTF-8", 100, 30);
	assert_true(wait_text("Today's usage", 10, 0));
	keys("5");
	assert_true(wait_text("No campaigns", 10, 0) ||
	    wait_text("Campaigns", 1, 0));
	keys("n");
	assert_true(wait_text("New campaign", 5, 0));
	type("Later");
	/* Template: its picker, then its text in Message 1. */
	keys("Tab Space");
	assert_true(wait_text("Choose a template", 5, 0));
	assert_true(wait_text("Promo", 10, 0));
	keys("Enter");
	assert_true(wait_text("Message 1 *           Bonjour {{first_name}}, "
	    "-20 %", 5, 0));
	/* Categories, then a start an hour ahead and a window. */
	keys("Tab Tab Tab Space");
	assert_true(wait_text("S", 10, 0));
	keys("Space Enter Tab");
	type("+1h");
	keys("Tab");
	type("09:00-18:00");
	keys("C-s");
	assert_true(wait_text("Campaign created", 10, 0));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM campaigns WHERE "
	    "message_1 = 'Bonjour {{first_name}}, -20 %' AND start_at > "
	    "strftime('%s') + 3000 AND window_start = 540 AND window_end = "
	    "1080"), 1);
	/* Send: the question says it is a schedule. */
	keys("s");
	assert_true(wait_text("Schedule campaign Later to start", 10, 0));
	keys("y");
	assert_true(wait_text("Campaign scheduled", 10, 0));
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM campaigns WHERE "
	    "status = 'scheduled'", 1, 10), 1);
	assert_true(wait_text("scheduled", 10, 0));
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM messages"), 0);
	/* Stop: a draft again, its start kept. */
	keys("x");
	assert_true(wait_text("Stop campaign Later?", 5, 0));
	keys("y");
	assert_true(wait_text("Campaign unscheduled: a draft again", 10, 0));
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM campaigns WHERE "
	    "status = 'draft' AND start_at IS NOT NULL", 1, 10), 1);

	/* Sent now (its start and window removed: the window holds its
	 * messages back outside 09:00-18:00), then exported and reported. */
	rep = a_call("campaigns.update", json_pack("{s:i,s:s,s:s}", "id", 1,
	    "start_at", "", "window", ""));
	json_decref(rep);
	rep = a_call("campaigns.send", json_pack("{s:i}", "id", 1));
	json_decref(rep);
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM messages WHERE "
	    "state IN ('sent', 'delivered', 'read')", 2, 20), 2);
	keys("E");
	assert_true(wait_text("Export the recipients", 5, 0));
	snprintf(path, sizeof path, "%s/out.csv", A.dir);
	keys("C-u");
	type(path);
	keys("C-s");
	assert_true(wait_text("2 recipient(s) written to", 10, 0));
	assert_true(harness_file_has(path, "phone,first_name,last_name"));
	assert_true(harness_file_has(path, "+22890000001"));
	keys("R");
	assert_true(wait_text("PDF report", 5, 0));
	snprintf(path, sizeof path, "%s/r.pdf", A.dir);
	keys("C-u");
	type(path);
	keys("C-s");
	assert_true(wait_text("Report written to", 10, 0));
	snprintf(cmd, sizeof cmd, "pdftotext %s - | grep -q Later", path);
	assert_int_equal(system(cmd), 0);
}

/*
 * Issue 18: every screen at 80x24 in French. The catalogue's pairs are
 * read back from the built .mo; on each capture nothing is left in
 * English (no msgid whose French differs), no French text of the
 * catalogue is cut at a line's end, and the current tab's name is whole.
 */
struct fr_pair {
	char	*id;
	char	*str;
	int	 ctx;		/* a msgctxt entry: its English is a word */
};
static struct fr_pair	*fr;
static size_t		 nfr;

/* The C string of a PO line's quoted part (allocated). */
static char *
po_unquote(const char *line)
{
	const char	*p = strchr(line, '"'), *e = strrchr(line, '"');
	char		*out, *o;

	if (p == NULL || e == NULL || e <= p)
		return strdup("");
	out = o = calloc(1, (size_t)(e - p) + 1);
	for (p++; p < e; p++) {
		if (*p == '\\' && p + 1 < e) {
			p++;
			*o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		} else
			*o++ = *p;
	}
	return out;
}

static void
fr_load(void)
{
	char	 cmd[600], *line = NULL;
	size_t	 sz = 0;
	FILE	*fp;
	int	 ctx = 0, pending = 0;

	snprintf(cmd, sizeof cmd, "msgunfmt --no-wrap "
	    "'%s/fr/LC_MESSAGES/wacamp.mo' 2>/dev/null",
	    env_or("WACAMP_LOCALEDIR", "build/locale"));
	assert_non_null(fp = popen(cmd, "r"));
	while (getline(&line, &sz, fp) > 0) {
		if (strncmp(line, "msgctxt ", 8) == 0)
			ctx = 1;
		else if (strncmp(line, "msgid ", 6) == 0) {
			fr = realloc(fr, (nfr + 1) * sizeof *fr);
			/* A msgid with no "msgstr " (a plural) is dropped. */
			if (pending)
				free(fr[nfr].id);
			pending = 1;
			fr[nfr].id = po_unquote(line);
			fr[nfr].str = NULL;
			fr[nfr].ctx = ctx;
			ctx = 0;
		} else if (strncmp(line, "msgstr ", 7) == 0 && fr != NULL &&
		    fr[nfr].str == NULL && fr[nfr].id != NULL) {
			fr[nfr].str = po_unquote(line);
			pending = 0;
			if (*fr[nfr].id != '\0')
				nfr++;
			else {
				free(fr[nfr].id);
				free(fr[nfr].str);
				fr[nfr].id = fr[nfr].str = NULL;
			}
		}
	}
	if (pending)
		free(fr[nfr].id);
	free(line);
	pclose(fp);
	assert_true(nfr > 100);
}

/*
 * The literal pieces of S between printf conversions and line breaks,
 * trimmed, into OUT (at most MAX); how many.
 */
static int
fr_pieces(const char *s, char out[][256], int max)
{
	char	 buf[256];
	size_t	 b = 0;
	int	 n = 0;

	for (;; s++) {
		if (*s == '%' && s[1] == '%') {
			if (b < sizeof buf - 1)
				buf[b++] = '%';
			s++;
			continue;
		}
		if (*s == '\0' || *s == '\n' || *s == '%') {
			buf[b] = '\0';
			while (b > 0 && buf[b - 1] == ' ')
				buf[--b] = '\0';
			if (b > 0 && n < max)
				snprintf(out[n++], 256, "%s", buf + strspn(buf,
				    " "));
			b = 0;
			if (*s == '\0')
				return n;
			if (*s == '%')
				s += strspn(s + 1, "0123456789$-+ #.*hlzjtLq")
				    + 1;
			continue;
		}
		if (b < sizeof buf - 1)
			buf[b++] = *s;
	}
}

static int
word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80 || c == '_';
}

/* NEEDLE in HAY as a whole word (or words). */
static const char *
find_word(const char *hay, const char *needle)
{
	const char	*p;
	size_t		 n = strlen(needle);

	for (p = hay; (p = strstr(p, needle)) != NULL; p++)
		if ((p == hay || !word_char((unsigned char)p[-1]) ||
		    !word_char((unsigned char)needle[0])) &&
		    (!word_char((unsigned char)p[n]) ||
		    !word_char((unsigned char)needle[n - 1])))
			return p;
	return NULL;
}

/* PIECE is French too: a piece of some msgstr, so it may show. */
static int
fr_is_french(const char *piece)
{
	size_t	 i;

	for (i = 0; i < nfr; i++)
		if (find_word(fr[i].str, piece) != NULL)
			return 1;
	return 0;
}

/*
 * The text that ends at END (its line starts at LINE) ends with a whole
 * piece of some msgstr: ending there is no cut.
 */
static int
fr_ends_whole(const char *line, const char *end)
{
	char	 pieces[16][256];
	size_t	 i, len;
	int	 k, n;

	for (i = 0; i < nfr; i++) {
		n = fr_pieces(fr[i].str, pieces, 16);
		for (k = 0; k < n; k++) {
			len = strlen(pieces[k]);
			if (len <= (size_t)(end - line) &&
			    memcmp(end - len, pieces[k], len) == 0)
				return 1;
		}
	}
	return 0;
}

static void
fr_check(const char *what, int tab, const char *tabname)
{
	char		*s, *line, *nl, top[256], pieces[16][256], head[12];
	char		 start[16];
	const char	*p;
	size_t		 i, m, len;
	int		 k, n, lines = 0;

	usleep(300000);
	s = capture();
	/* Every line fits, 24 of them. */
	for (line = s; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		if (mbstowcs(NULL, line, 0) > 80)
			fail_msg("%s: a line wider than 80: %s", what, line);
		if (lines == 0)
			snprintf(top, sizeof top, "%s", line);
		*nl = '\n';
		lines++;
	}
	assert_int_equal(lines, 24);
	/* The current screen's tab, number and name (past the tenth, its
	 * name alone, after the tenth's " 0 "). */
	if (tab > 10)
		snprintf(head, sizeof head, " 0  ");
	else
		snprintf(head, sizeof head, " %d ", tab % 10);
	if ((p = strstr(top, head)) == NULL || strncmp(p + strlen(head),
	    tabname, strlen(tabname)) != 0)
		fail_msg("%s: tab %d \"%s\" not whole: %s", what, tab, tabname,
		    top);
	for (i = 0; i < nfr; i++) {
		/* Nothing left in English. */
		if (!fr[i].ctx && strcmp(fr[i].id, fr[i].str) != 0) {
			n = fr_pieces(fr[i].id, pieces, 16);
			for (k = 0; k < n; k++) {
				if (strlen(pieces[k]) < 5 ||
				    find_word(s, pieces[k]) == NULL ||
				    fr_is_french(pieces[k]))
					continue;
				fail_msg("%s: \"%s\" left in English (msgid "
				    "\"%s\"):\n%s", what, pieces[k], fr[i].id,
				    s);
			}
		}
		/* Nothing cut at a line's end: a long piece that starts on
		 * the screen goes on to its end. */
		n = fr_pieces(fr[i].str, pieces, 16);
		for (k = 0; k < n; k++) {
			len = strlen(pieces[k]);
			if (len < 16)
				continue;
			snprintf(start, sizeof start, "%.10s", pieces[k]);
			for (p = s; (p = strstr(p, start)) != NULL; p++) {
				for (m = 0; m < len && p[m] == pieces[k][m];
				    m++)
					;
				if (m == len)
					continue;
				if (p[m + strspn(p + m, " ")] != '\n' &&
				    p[m + strspn(p + m, " ")] != '\0')
					continue;
				/* Ended early: unless what shows ends with a
				 * whole text of the catalogue, it was cut. */
				while (m > 0 && p[m - 1] == ' ')
					m--;
				for (line = (char *)p; line > s &&
				    line[-1] != '\n'; line--)
					;
				if (!fr_ends_whole(line, p + m))
					fail_msg("%s: cut: \"%.*s\" of \"%s\":"
					    "\n%s", what, (int)m, p, pieces[k],
					    s);
			}
		}
	}
	free(s);
}

static void
test_french_80x24(void **state)
{
	static const char *tabs[] = { NULL, "Tableau de bord", "Contacts",
	    "Import", "Catégories", "Campagnes", "Messages", "Utilisateurs",
	    "Statistiques", "Audit", "Réponses", "Numéros" };
	/* Each step: keys, a text to wait for, its tab. */
	static const struct {
		const char	*keys;
		const char	*wait;
		int		 tab;
	} steps[] = {
		{ "1", "Envois du jour", 1 },
		{ "'?'", "Touches : Tableau de bord", 1 },
		{ "Space 2", "Recherche :", 2 },
		{ "'?'", "Touches : Contacts", 2 },
		{ "Space /", "Entrée : suivant/valider", 2 },
		{ "Escape Enter", "Téléphone :", 2 },
		{ "'?'", "Touches :", 2 },
		{ "Space e", "Entrée : suivant/valider", 2 },
		{ "F1", "Touches :", 2 },
		{ "Space Escape X", "o : oui", 2 },
		{ "n Escape a", "Entrée : suivant/valider", 2 },
		{ "Escape 3", "Fichier :", 3 },
		{ "'?'", "Touches : Import", 3 },
		{ "Space o", "Entrée : suivant/valider", 3 },
		{ "Escape 4", "Clients", 4 },
		{ "'?'", "Touches : Catégories", 4 },
		{ "Space n", "Entrée : suivant/valider", 4 },
		{ "Escape e", "Entrée : suivant/valider", 4 },
		{ "Escape 5", "Promo", 5 },
		{ "T", "Entrée : suivant/valider", 5 },
		{ "Escape s", "o : oui", 5 },
		{ "n", "Promo", 5 },
		{ "'?'", "Touches : Campagnes", 5 },
		{ "Space n", "Nouvelle campagne", 5 },
		{ "F1", "Touches : Nouvelle campagne", 5 },
		{ "Space Tab Tab Tab Tab Space", "Choisir les catégories", 5 },
		{ "'?'", "Touches :", 5 },
		{ "Space Escape Escape", "Promo", 5 },
		{ "Enter", "Message 1", 5 },
		{ "'?'", "Touches :", 5 },
		{ "Space Escape x", "Arrêter la campagne", 5 },
		{ "o", "elle n'a jamais été envoyée", 5 },
		{ "6", "Aucun message", 6 },
		{ "'?'", "Touches : Messages", 6 },
		{ "Space 7", "root", 7 },
		{ "'?'", "Touches : Utilisateurs", 7 },
		{ "Space n", "Entrée : suivant/valider", 7 },
		{ "Escape p", "Entrée : suivant/valider", 7 },
		{ "Escape 8", "30 derniers jours", 8 },
		{ "'?'", "Touches : Statistiques", 8 },
		{ "Space 9", "Commande", 9 },
		{ "'?'", "Touches : Audit", 9 },
		{ "Space 0", "Aucune réponse", 10 },
		{ "'?'", "Touches : Réponses", 10 },
		/* Issue 20's Devices screen, past the digits (d, or Tab). */
		{ "Space 1 d", "Prochain envoi", 11 },
		{ "'?'", "Touches : Numéros", 11 },
		/* Issue 21's forms: export and report. */
		{ "Space 5", "Promo", 5 },
		{ "E", "Exporter les destinataires", 5 },
		{ "Escape R", "Rapport PDF", 5 },
		{ "Escape 0", "Aucune réponse", 10 },
		{ "Escape", "Quitter wacamp ?", 10 },
	};
	char	 what[128], *s, *o, *q;
	size_t	 i;
	json_t	*rep;

	if (setlocale(LC_ALL, "fr_FR.UTF-8") == NULL) {
		fprintf(stderr, "skipped: no fr_FR.UTF-8 locale (make deps)\n");
		skip();
	}
	setlocale(LC_ALL, "C.UTF-8");
	fr_load();
	a_start(NULL, A_CONTACTS(3));
	rep = a_call("categories.create", json_pack("{s:s}", "name",
	    "Clients"));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	rep = a_call("categories.add_contacts", json_pack("{s:i,s:[i,i,i]}",
	    "id", 1, "contacts", 1, 2, 3));
	json_decref(rep);
	rep = a_call("campaigns.create", json_pack("{s:s,s:s,s:[s]}", "name",
	    "Promo", "message_1", "Bonjour {{first_name}}", "categories",
	    "Clients"));
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	session_start("fr_FR.UTF-8", 80, 24);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		keys(steps[i].keys);
		snprintf(what, sizeof what, "step %zu (%s)", i, steps[i].keys);
		if (!wait_text(steps[i].wait, 10, 0))
			fail_msg("%s: no \"%s\"", what, steps[i].wait);
		fr_check(what, steps[i].tab, tabs[steps[i].tab]);
	}
	/* The refusal of step "o" was whole: every word of it, in order,
	 * across the lines it took. */
	keys("n 5 x o");
	assert_true(wait_text("elle n'a jamais été envoyée", 10, 0));
	s = capture();
	for (o = q = s; *q != '\0'; q++) {
		if ((*q == ' ' || *q == '\n') && o > s && o[-1] == ' ')
			continue;
		*o++ = *q == '\n' ? ' ' : *q;
	}
	*o = '\0';
	if (strstr(s, "la campagne 1 est brouillon ; elle n'a jamais été "
	    "envoyée") == NULL)
		fail_msg("the status line's error is not whole:\n%s", s);
	free(s);
	/* The daemon gone: said in French, whole. */
	keys("2");
	assert_true(wait_text("Ama1", 10, 0));
	assert_int_equal(harness_stop(&A), 0);
	assert_true(wait_text("déconnecté", 10, 0));
	fr_check("daemon stopped", 2, "Contacts");
}

/*
 * Issue 20: a row per lane on the dashboard, and the Devices screen,
 * whose R resumes a lane the governor paused: the daemon forgets the
 * pause (lane_pauses) and the lane no longer says paused.
 */
static void
test_devices(void **state)
{
	json_t		*rep;
	json_t		*l;
	size_t		 i;
	const char	*st = NULL;
	double		 t0;

	a_start("[device second]\ndevice_id = 6643f2a1b7c9d40012e5b2f1\n"
	    "daily_limit = 40\n",
	    "INSERT INTO lane_pauses (lane, reason, at) VALUES ('second', "
	    "'governor: 4 of the last 50 recipients opted out (8.0%, over the "
	    "6.0% that pauses); resume with: wacamp devices resume second', "
	    "0);");
	if (a_lacks("devices.list", NULL))
		skip();
	session_start("C.UTF-8", 120, 34);
	assert_true(wait_text("Today/cap", 10, 0));
	assert_true(wait_text("0/40", 10, 0));
	assert_true(wait_text("governor: 4 of the last 50", 10, 0));
	keys("d");
	assert_true(wait_text("sending lanes", 10, 0));
	assert_true(wait_text("second", 10, 0));
	/* default is first: R there says it is not paused. */
	keys("R");
	assert_true(wait_text("Lane default is not paused.", 5, 0));
	keys("j");
	keys("R");
	assert_true(wait_text("Resume lane second?", 5, 0));
	keys("y");
	assert_int_equal(wait_sql(&A, "SELECT count(*) FROM lane_pauses WHERE "
	    "lane = 'second' AND reason IS NULL", 1, 10), 1);
	assert_int_equal(sql_int(&A, "SELECT count(*) FROM audit_log WHERE "
	    "command = 'devices.resume'"), 1);
	for (t0 = harness_now(); harness_now() - t0 < 10; usleep(100000)) {
		rep = a_call("devices.list", NULL);
		json_array_foreach(json_object_get(json_object_get(rep, "data"),
		    "devices"), i, l)
			if (strcmp(json_string_value(json_object_get(l, "name")),
			    "second") == 0)
				st = json_string_value(json_object_get(l,
				    "state"));
		if (st != NULL && strcmp(st, "paused") != 0) {
			json_decref(rep);
			break;
		}
		json_decref(rep);
		st = NULL;
	}
	assert_non_null(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_dashboard, test_teardown),
		cmocka_unit_test_teardown(test_screens_and_help, test_teardown),
		cmocka_unit_test_teardown(test_import_preview, test_teardown),
		cmocka_unit_test_teardown(test_resize, test_teardown),
		cmocka_unit_test_teardown(test_french, test_teardown),
		cmocka_unit_test_teardown(test_french_80x24, a_teardown),
		cmocka_unit_test_teardown(test_ascii_terminal, test_teardown),
		cmocka_unit_test_teardown(test_reconnect, test_teardown),
		cmocka_unit_test_teardown(test_escape_inert, test_teardown),
		cmocka_unit_test_teardown(test_memory_flat, test_teardown),
		cmocka_unit_test_teardown(test_statistics, test_teardown),
		cmocka_unit_test_teardown(test_categories_users, test_teardown),
		cmocka_unit_test_teardown(test_login, test_teardown),
		cmocka_unit_test_teardown(test_unknown, unknown_teardown),
		cmocka_unit_test_teardown(test_walk, walk_teardown),
		cmocka_unit_test_teardown(test_relaunch, a_teardown),
		cmocka_unit_test_teardown(test_add_contact, a_teardown),
		cmocka_unit_test_teardown(test_multiselect, a_teardown),
		cmocka_unit_test_teardown(test_optout, a_teardown),
		cmocka_unit_test_teardown(test_contact_edit, a_teardown),
		cmocka_unit_test_teardown(test_edit_draft, a_teardown),
		cmocka_unit_test_teardown(test_editor, a_teardown),
		cmocka_unit_test_teardown(test_erase, a_teardown),
		cmocka_unit_test_teardown(test_duplicate, a_teardown),
		cmocka_unit_test_teardown(test_users_update, a_teardown),
		cmocka_unit_test_teardown(test_test_send, a_teardown),
		cmocka_unit_test_teardown(test_verify_bulk, a_teardown),
		cmocka_unit_test_teardown(test_inbox, a_teardown),
		cmocka_unit_test_teardown(test_campaign_schedule_export,
		    a_teardown),
		cmocka_unit_test_teardown(test_devices, a_teardown),
	};

	setlocale(LC_ALL, "C.UTF-8");
	/* WACAMP_TEST_FILTER=test_inbox runs the tests whose names match. */
	if (getenv("WACAMP_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("WACAMP_TEST_FILTER"));
	if (system("tmux -V >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_tui: tmux is missing (make deps)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
