#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "client.h"
#include "i18n.h"

static char	 tmpdir[] = "/tmp/wacamp-i18n-XXXXXX";

/* i18n_args of FMT and what follows, into ARGV; how many. */
static int
args_of(char **argv, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = i18n_args(fmt, ap, argv);
	va_end(ap);
	return n;
}

static void
test_args(void **state)
{
	char	*a[I18N_MAXARGS];
	char	 fmt[128];
	int	 i;

	assert_int_equal(args_of(a, "no campaign %lld", 42LL), 1);
	assert_string_equal(a[0], "42");
	i18n_free(a, 1);
	/* Precision, as the whole message prints it. */
	assert_int_equal(args_of(a, "phone \"%.4s\": %s", "+22890",
	    "too short"), 2);
	assert_string_equal(a[0], "+228");
	assert_string_equal(a[1], "too short");
	i18n_free(a, 2);
	/* Every type steps over its own argument. */
	assert_int_equal(args_of(a, "%d%% %zu %u %ld %i %c %x %.2f %-s %hd "
	    "%llu", -3, (size_t)7, 8u, 9L, 10, 'z', 255u, 1.5, "t", (short)4,
	    12ULL), 11);
	assert_string_equal(a[0], "-3");
	assert_string_equal(a[1], "7");
	assert_string_equal(a[2], "8");
	assert_string_equal(a[3], "9");
	assert_string_equal(a[4], "10");
	assert_string_equal(a[5], "z");
	assert_string_equal(a[6], "ff");
	assert_string_equal(a[7], "1.50");
	assert_string_equal(a[8], "t");
	assert_string_equal(a[9], "4");
	assert_string_equal(a[10], "12");
	i18n_free(a, 11);
	/* A '*' takes its argument; the conversion is one string. */
	assert_int_equal(args_of(a, "[%.*s] %s", 3, "abcdef", "next"), 2);
	assert_string_equal(a[0], "abc");
	assert_string_equal(a[1], "next");
	i18n_free(a, 2);
	assert_int_equal(args_of(a, "no conversion, 100%%"), 0);
	/* What a client could not take apart is refused, nothing kept. */
	assert_int_equal(args_of(a, "%1$s", "x"), -1);
	assert_int_equal(args_of(a, "%s %y", "x"), -1);
	assert_int_equal(args_of(a, "%ls", L"x"), -1);
	assert_int_equal(args_of(a, "trailing %"), -1);
	fmt[0] = '\0';
	for (i = 0; i <= I18N_MAXARGS; i++)
		strcat(fmt, "%d");
	assert_int_equal(args_of(a, fmt, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	    12, 13, 14, 15, 16, 17), -1);
}

/* i18n_format(FMT, the N args) is WANT (NULL: refused). */
static void
format_is(const char *fmt, int n, const char *want)
{
	static const char *const argv[] = { "3", "brouillon", "x", NULL };
	char	*s;

	s = i18n_format(fmt, argv, n);
	if (want == NULL) {
		if (s != NULL)
			fail_msg("\"%s\" gave \"%s\", expected a refusal", fmt,
			    s);
	} else {
		if (s == NULL)
			fail_msg("\"%s\" refused, expected \"%s\"", fmt, want);
		assert_string_equal(s, want);
	}
	free(s);
}

static void
test_format(void **state)
{
	format_is("la campagne %lld est en %s", 2,
	    "la campagne 3 est en brouillon");
	/* Flags, width and precision are the key's: ignored here. */
	format_is("[%-10lld] [%.2s]", 2, "[3] [brouillon]");
	/* French word order. */
	format_is("%2$s : campagne %1$lld", 2, "brouillon : campagne 3");
	format_is("100 %% : %s %s %s", 3, "100 % : 3 brouillon x");
	format_is("", 0, "");
	format_is("plain", 0, "plain");
	format_is("%1$s et %1$s encore, %2$s", 2, "3 et 3 encore, brouillon");
	/* Malformed or not matching the key's args: refused. */
	format_is("%1$s %s", 2, NULL);
	format_is("%s %2$s", 2, NULL);
	format_is("%s", 2, NULL);		/* leaves one out */
	format_is("%2$s", 2, NULL);
	format_is("%s %s %s", 2, NULL);		/* one too many */
	format_is("%5$s", 2, NULL);
	format_is("%0$s", 1, NULL);
	format_is("%99$s", 1, NULL);
	format_is("trailing %", 0, NULL);
	format_is("%y", 1, NULL);
	format_is("%n", 1, NULL);
	format_is("%*2$d", 2, NULL);
	format_is("%123456789s", 1, NULL);
	format_is("%s", -1, NULL);
	format_is("%s", I18N_MAXARGS + 1, NULL);
	assert_null(i18n_format(NULL, NULL, 0));
}

static void
test_arg_is_text(void **state)
{
	const char	*k = "campaign %lld is %-s; %-s (%-5s %%)";

	assert_false(i18n_arg_is_text(k, 0));
	assert_true(i18n_arg_is_text(k, 1));
	assert_true(i18n_arg_is_text(k, 2));
	assert_false(i18n_arg_is_text(k, 3));	/* a width: padding */
	assert_false(i18n_arg_is_text(k, 4));
	assert_false(i18n_arg_is_text("%s", 0));
}

/* Random formats never crash nor overrun: a translation is input. */
static void
test_format_random(void **state)
{
	static const char alphabet[] = "%%%$1239.*-+ #hlzqLsdfcpnx e";
	static const char *const argv[] = { "a", "bb", "ccc" };
	uint64_t	 r = 0x9e3779b97f4a7c15ULL;
	char		 fmt[40], *s;
	int		 i, k, n, ok = 0;

	for (i = 0; i < 200000; i++) {
		n = (int)(r % (sizeof fmt - 1));
		for (k = 0; k < n; k++) {
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			fmt[k] = alphabet[r % (sizeof alphabet - 1)];
		}
		fmt[n] = '\0';
		if ((s = i18n_format(fmt, argv, (int)(r % 4))) != NULL) {
			assert_true(strlen(s) <= strlen(fmt) * 3);
			ok++;
			free(s);
		}
	}
	/* Some were well formed: the loop did test the substitution. */
	assert_true(ok > 0);
}

/*
 * Through a real catalogue: a good translation is used, a broken one
 * (an argument too many, or left out) falls back to the English.
 */
static void
test_text(void **state)
{
	static const char po[] =
	    "msgid \"\"\n"
	    "msgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	    "msgid \"no campaign %lld\"\nmsgstr \"aucune campagne %lld\"\n\n"
	    "msgid \"campaign %lld is %-s; %-s\"\n"
	    "msgstr \"%3$s : la campagne %1$lld est %2$s\"\n\n"
	    "msgid \"running\"\nmsgstr \"en cours\"\n\n"
	    "msgid \"stop it first\"\nmsgstr \"arrêtez-la d'abord\"\n\n"
	    "msgid \"broken %s\"\nmsgstr \"cassé %s %s\"\n\n"
	    "msgid \"short %s %s\"\nmsgstr \"court %s\"\n\n"
	    "msgid \"phone %s: %-s\"\nmsgstr \"numéro %s : %-s\"\n\n"
	    "msgid \"wrong length for +%s\"\n"
	    "msgstr \"mauvaise longueur pour +%s\"\n";
	const char	*one[] = { "42" }, *three[] = { "7", "running",
			    "stop it first" }, *two[] = { "a", "b" };
	char		 path[512], cmd[1200], *s;
	FILE		*fp;
	json_t		*e;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		skip();
	snprintf(path, sizeof path, "%s/fr/LC_MESSAGES", tmpdir);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof path, "%s/fr.po", tmpdir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(po, fp);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "msgfmt -o '%s/fr/LC_MESSAGES/wacamp.mo' "
	    "'%s'", tmpdir, path);
	if (system(cmd) != 0)
		skip();
	setenv("LANGUAGE", "fr", 1);
	bindtextdomain("wacamp", tmpdir);
	bind_textdomain_codeset("wacamp", "UTF-8");

	s = i18n_text("no campaign %lld", one, 1, "no campaign 42");
	assert_string_equal(s, "aucune campagne 42");
	free(s);
	/* Reordered, and the %-s arguments translated too. */
	s = i18n_text("campaign %lld is %-s; %-s", three, 3,
	    "campaign 7 is running; stop it first");
	assert_string_equal(s, "arrêtez-la d'abord : la campagne 7 est en "
	    "cours");
	free(s);
	s = i18n_text("broken %s", one, 1, "broken 42");
	assert_string_equal(s, "broken 42");
	free(s);
	s = i18n_text("short %s %s", two, 2, "short a b");
	assert_string_equal(s, "short a b");
	free(s);
	/* No translation: the key with its args, i.e. the English. */
	s = i18n_text("nothing like it %s", one, 1, "nothing like it 42");
	assert_string_equal(s, "nothing like it 42");
	free(s);
	/* Args that do not fit the key: the message as sent. */
	s = i18n_text("no campaign %lld", two, 2, "as sent");
	assert_string_equal(s, "as sent");
	free(s);
	/* An error as the clients get it, a message nested in it. */
	e = json_loads("{\"code\":\"bad_request\",\"key\":\"phone %s: %-s\","
	    "\"message\":\"phone 12: wrong length for +228\",\"args\":[\"12\","
	    "{\"key\":\"wrong length for +%s\",\"args\":[\"228\"]}]}", 0,
	    NULL);
	assert_non_null(e);
	s = client_err_text(e);
	assert_string_equal(s, "numéro 12 : mauvaise longueur pour +228");
	free(s);
	/* A nested one that is not an object nor a string: the English. */
	json_array_set_new(json_object_get(e, "args"), 1, json_integer(3));
	s = client_err_text(e);
	assert_string_equal(s, "phone 12: wrong length for +228");
	free(s);
	json_decref(e);
	unsetenv("LANGUAGE");
}

/* i18n_json of FMT and what follows: the object it fills. */
static json_t *
json_of(const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[256];
	json_t	*o = json_object();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	i18n_json(o, fmt, ap, msg);
	va_end(ap);
	return o;
}

static void
test_json(void **state)
{
	json_t	*o;

	o = json_of("campaign %lld is %-s; %-s", 7LL, "running", "stop it");
	assert_string_equal(json_string_value(json_object_get(o, "key")),
	    "campaign %lld is %-s; %-s");
	assert_int_equal(json_array_size(json_object_get(o, "args")), 3);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(o, "args"), 2)), "stop it");
	json_decref(o);
	/* Made elsewhere: its own key, a '%' in it doubled. */
	o = json_of("%s", "100% sure");
	assert_string_equal(json_string_value(json_object_get(o, "key")),
	    "100%% sure");
	assert_int_equal(json_array_size(json_object_get(o, "args")), 0);
	json_decref(o);
	/* A format no client could take apart: the message is the key. */
	o = json_of("%1$s", "x");
	assert_string_equal(json_string_value(json_object_get(o, "key")),
	    "x");
	assert_int_equal(json_array_size(json_object_get(o, "args")), 0);
	json_decref(o);
}

/* A reason made lower down keeps its key and args, alone or at a %-s. */
static void
test_json_nested(void **state)
{
	char		 why[64], err[128];
	json_t		*o, *a;

	i18n_snprintf(why, sizeof why, "wrong length for +%s", "228");
	assert_string_equal(why, "wrong length for +228");
	o = json_of("phone %.40s: %-s", "9012", why);
	a = json_array_get(json_object_get(o, "args"), 1);
	assert_true(json_is_object(a));
	assert_string_equal(json_string_value(json_object_get(a, "key")),
	    "wrong length for +%s");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(a, "args"), 0)), "228");
	/* At a plain %s it stays a string. */
	json_decref(o);
	o = json_of("phone %.40s: %s", "9012", why);
	assert_true(json_is_string(json_array_get(json_object_get(o, "args"),
	    1)));
	json_decref(o);
	/* Alone, it is the error's own key. */
	i18n_snprintf(err, sizeof err, "no recipients: %lld opted out", 3LL);
	o = json_of("%s", err);
	assert_string_equal(json_string_value(json_object_get(o, "key")),
	    "no recipients: %lld opted out");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(o, "args"), 0)), "3");
	json_decref(o);
	/* Text nobody noted: as before. */
	o = json_of("%s", "made by hand");
	assert_string_equal(json_string_value(json_object_get(o, "key")),
	    "made by hand");
	json_decref(o);
}

static int
group_setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char	 cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_arg_is_text),
		cmocka_unit_test(test_format_random),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_nested),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
