/*
 * Contacts from where operators have them: one fixture per export layout
 * (tests/fixtures/import/), imported through the real CLI and daemon, each
 * with its exact contacts, counts, layout and encoding; previewed first,
 * which must write nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"

static struct harness	 H;

struct want {
	const char	*phone, *first, *last, *cats;	/* cats: sorted, '|' */
};

struct fixture {
	const char	*file, *layout, *encoding;
	long long	 imported, invalid, others;
	struct want	 w[10];
	struct {
		long long	 line;
		const char	*reason;
	} rej[3];
	long long	 renumbered;
};

static const struct fixture fixtures[] = {
	{ "ours_en.csv", "wacamp", "UTF-8", 2, 0, 0, {
		{ "+22890100001", "Éloïse", "Côté", "Clients|Lomé" },
		{ "+22890100002", "François", "Kœnig", "" } }, { { 0 } }, 0 },
	{ "excel_fr_cp1252.csv", "wacamp", "Windows-1252", 3, 0, 0, {
		{ "+22890100201", "Hélène", "Adjovi", "Fidèles" },
		{ "+22890100202", "Maïté", "Cœurdacier", "Fidèles|Tôt" },
		{ "+22890100203", "Loïc", "Garçon", "" } }, { { 0 } }, 0 },
	{ "excel_utf16le.txt", "wacamp", "UTF-16LE", 2, 0, 0, {
		{ "+22890100301", "Chloé", "Bœuf", "" },
		{ "+22890100302", "Anaïs", "François", "" } }, { { 0 } }, 0 },
	{ "utf8bom_semicolon.csv", "wacamp", "UTF-8 with BOM", 2, 0, 0, {
		{ "+22890100401", "Jean; dit \"Jeannot\"", "Ahó\r\nÉkué",
		    "Amis" },
		{ "+22890100402", "Zoé", "Ébo", "" } }, { { 0 } }, 0 },
	{ "google_new.csv", "Google Contacts", "UTF-8", 3, 0, 2, {
		{ "+22890100501", "Kossi", "Agbéko", "Clients fidèles|Lomé" },
		{ "+22890100502", "Akossiwa", "Mensah", "" },
		{ "+22890100503", "Ama", "", "Famille" } }, { { 0 } }, 0 },
	{ "google_legacy.csv", "Google Contacts (legacy)", "UTF-8", 2, 0, 1, {
		{ "+22890100601", "Yao", "Kpodar", "Église" },
		{ "+22890100602", "Abla", "Sénamé", "" } }, { { 0 } }, 0 },
	{ "outlook.csv", "Outlook", "UTF-8", 2, 1, 2, {
		{ "+22890100701", "Ekué", "Lawson", "Bè|Fournisseurs" },
		{ "+22890100702", "Sélom", "Attiogbé", "" } },
		{ { 4, "phone: empty" } }, 0 },
	{ "hand_typed.csv", "full name", "UTF-8", 9, 2, 1, {
		{ "+22890100801", "Koffi", "Mensah", "" },
		{ "+22890100802", "Ama", "Akpé Dogbé", "" },
		{ "+22890100803", "Ézéchiel", "", "" },
		{ "+22890100804", "Rosine", "Dégbé", "" },
		{ "+22890100805", "Kokou", "Améga", "" },
		{ "+33612340806", "Jérôme", "Lefèvre", "" },
		{ "+22890100807", "Afi", "Kodjo", "" },
		{ "+22890100808", "", "", "" },
		/* Benin's 8-digit number in its 2024 form. */
		{ "+2290197100810", "Bénédicte", "Houngbo", "" } },
		{ { 11, "phone: invalid character 'b'" },
		  { 12, "phone: invalid character ','" } }, 1 },
	{ "split_cc.csv", "country code + number", "UTF-8", 3, 0, 0, {
		{ "+22890100901", "Mawuli", "Tsogbé", "" },
		{ "+2290197100902", "Irène", "Hounkpè", "" },
		{ "+221771000903", "Noël", "Diallo", "" } }, { { 0 } }, 0 },
	{ "name_number.csv", "name + number", "UTF-8", 2, 0, 0, {
		{ "+22890101001", "Délali", "Kuassi", "" },
		{ "+22890101002", "Sœur", "Agnès", "" } }, { { 0 } }, 0 },
	{ "android_21.vcf", "vCard 2.1", "UTF-8", 2, 1, 1, {
		{ "+22890101101", "Françoise Maïté", "Étienne-Kodé", "" },
		{ "+22890101102", "José", "Bôko", "" } },
		{ { 18, "phone: empty" } }, 0 },
	{ "iphone_30.vcf", "vCard 3.0", "UTF-8", 2, 0, 2, {
		{ "+22890101201", "Gaëlle", "Dossou",
		    "Clients|Pâtisserie, gros" },
		{ "+22891101202", "Noëlla", "Agbodjan", "Chorale" } },
		{ { 0 } }, 0 },
	{ "vcard_40.vcf", "vCard 4.0", "UTF-8", 2, 0, 1, {
		{ "+22890101301", "Œdipe", "Tchalla", "Famille|Église" },
		{ "+22890101302", "Ïda", "Kouma", "" } }, { { 0 } }, 0 },
	{ "windows_21.vcf", "vCard 2.1", "Windows-1252", 1, 0, 0, {
		{ "+22890101401", "Cécile", "Mékoué", "Chœur" } }, { { 0 } },
		0 },
};

static int
setup(void **state)
{
	(void)state;
	harness_init(&H, "[import]\ndefault_country = 228\n");
	return harness_start(&H);
}

static int
teardown(void **state)
{
	(void)state;
	harness_cleanup(&H);
	return 0;
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

static long long
n(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *
s(json_t *o, const char *k)
{
	const char	*v = json_string_value(json_object_get(o, k));

	return v != NULL ? v : "";
}

static long long
total(void)
{
	json_t		*d = call_ok("contacts.list", NULL);
	long long	 t = n(d, "total");

	json_decref(d);
	return t;
}

/* `contacts import FILE EXTRA --json`: the parsed summary. */
static json_t *
import(const char *file, const char *extra)
{
	char	 args[1024], *out = NULL;
	json_t	*j;

	snprintf(args, sizeof args, "--json contacts import '%s/import/%s' %s",
	    getenv("WACAMP_FIXTURES"), file, extra != NULL ? extra : "");
	assert_int_equal(harness_cli(&H, args, NULL, &out), 0);
	j = json_loads(out, 0, NULL);
	if (j == NULL)
		fail_msg("not JSON: %s", out);
	free(out);
	out = json_dumps(j, JSON_COMPACT);
	print_message("%s: %s\n", file, out);
	free(out);
	return j;
}

/* The stored contact with number PHONE, its categories sorted and joined. */
static void
check_contact(const struct want *w)
{
	json_t	*d, *c, *g, *cat;
	char	 cats[512] = "";
	size_t	 i;

	d = call_ok("contacts.list", json_pack("{s:s}", "search", w->phone));
	c = json_array_get(json_object_get(d, "items"), 0);
	if (c == NULL || strcmp(s(c, "phone"), w->phone) != 0)
		fail_msg("%s not stored", w->phone);
	assert_string_equal(s(c, "first_name"), w->first);
	assert_string_equal(s(c, "last_name"), w->last);
	g = call_ok("contacts.get", json_pack("{s:I}", "id",
	    (json_int_t)n(c, "id")));
	json_array_foreach(json_object_get(g, "categories"), i, cat) {
		if (i > 0)
			strcat(cats, "|");
		strcat(cats, s(cat, "name"));
	}
	if (strcmp(cats, w->cats) != 0)
		fail_msg("%s: categories \"%s\", want \"%s\"", w->phone, cats,
		    w->cats);
	json_decref(g);
	json_decref(d);
}

/* Acceptance 1, 2 and 5: every layout, previewed then imported. */
static void
test_layouts(void **state)
{
	const struct fixture	*f;
	json_t			*j, *r;
	long long		 before;
	size_t			 i, k;

	(void)state;
	for (i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		f = &fixtures[i];
		before = total();
		j = import(f->file, "--preview");
		assert_true(json_is_true(json_object_get(j, "preview")));
		assert_string_equal(s(j, "layout"), f->layout);
		assert_string_equal(s(j, "encoding"), f->encoding);
		assert_int_equal(n(j, "imported"), f->imported);
		assert_int_equal(total(), before);
		json_decref(j);

		j = import(f->file, NULL);
		assert_string_equal(s(j, "layout"), f->layout);
		assert_string_equal(s(j, "encoding"), f->encoding);
		assert_int_equal(n(j, "imported"), f->imported);
		assert_int_equal(n(j, "updated"), 0);
		assert_int_equal(n(j, "duplicates"), 0);
		assert_int_equal(n(j, "invalid"), f->invalid);
		assert_int_equal(n(j, "other_numbers"), f->others);
		assert_int_equal(n(j, "renumbered"), f->renumbered);
		assert_int_equal(total(), before + f->imported);
		for (k = 0; k < 3 && f->rej[k].line != 0; k++) {
			r = json_array_get(json_object_get(j, "rejects"), k);
			assert_non_null(r);
			assert_int_equal(n(r, "line"), f->rej[k].line);
			assert_string_equal(s(r, "reason"), f->rej[k].reason);
		}
		assert_int_equal(json_array_size(json_object_get(j,
		    "rejects")), k);
		json_decref(j);
		for (k = 0; k < 10 && f->w[k].phone != NULL; k++)
			check_contact(&f->w[k]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
