#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

/* Split LINE on commas into FIELDS (LINE is modified); their count. */
static size_t
split(char *line, char **fields, size_t *lens)
{
	size_t	 n = 0;
	char	*p;

	for (p = line; p != NULL && n < 64; n++) {
		fields[n] = strsep(&p, ",");
		lens[n] = strlen(fields[n]);
	}
	return n;
}

struct rowcase {
	const char	*line;
	const char	*phone, *first, *last, *cats;
	int		 others;
};

static void
check(const char *header, const char *name, const struct rowcase *rc,
    size_t nrc)
{
	static struct layout	 l;
	struct lrow		 row;
	char			 buf[1024], *f[64];
	size_t			 lens[64], n, i;

	snprintf(buf, sizeof buf, "%s", header);
	n = split(buf, f, lens);
	assert_int_equal(layout_detect(&l, f, n), 0);
	assert_string_equal(l.name, name);
	for (i = 0; i < nrc; i++) {
		snprintf(buf, sizeof buf, "%s", rc[i].line);
		n = split(buf, f, lens);
		layout_row(&l, f, lens, n, &row);
		assert_string_equal(row.phone, rc[i].phone);
		assert_int_equal(row.lphone, strlen(rc[i].phone));
		assert_string_equal(row.first, rc[i].first);
		assert_string_equal(row.last, rc[i].last);
		assert_string_equal(row.cats, rc[i].cats);
		assert_int_equal(row.others, rc[i].others);
	}
}

static void
test_google(void **state)
{
	static const struct rowcase r[] = {
		/* The mobile by its label, wherever it is. */
		{ "Kossi,Agbeko,* myContacts ::: VIP ::: Lomé,Home,22212345,"
		    "Mobile,90123456", "90123456", "Kossi", "Agbeko",
		    "VIP|Lomé", 1 },
		/* A fax never, whatever its place. */
		{ "Ama,,* starred,Work Fax,22212346,Work,90123457",
		    "90123457", "Ama", "", "", 0 },
		{ "Yao,,,Mobile, 90 12 34 58 ::: 91 12 34 58 ,,",
		    "90 12 34 58", "Yao", "", "", 1 },
	};

	(void)state;
	check("First Name,Last Name,Labels,Phone 1 - Label,Phone 1 - Value,"
	    "Phone 2 - Label,Phone 2 - Value", "Google Contacts", r, 3);
}

static void
test_outlook(void **state)
{
	static const struct rowcase r[] = {
		{ "Ekué,Lawson,22210701,22210702,90100701,99100701,VIP;Bè",
		    "90100701", "Ekué", "Lawson", "VIP|Bè", 1 },
		{ "Sélom,,22210703,,,99100702,", "22210703", "Sélom", "", "",
		    0 },
		{ "Fax,Only,,22210704,,99100703,", "", "Fax", "Only", "", 0 },
	};

	(void)state;
	check("First Name,Last Name,Home Phone,Business Fax,Mobile Phone,"
	    "Pager,Categories", "Outlook", r, 3);
}

static void
test_full_name(void **state)
{
	static const struct rowcase r[] = {
		{ "Ama Akpé Dogbé,90 12 34 56 / 91 12 34 56", "90 12 34 56",
		    "Ama", "Akpé Dogbé", "", 1 },
		{ "  Ézéchiel ,90123457", "90123457", "Ézéchiel", "", "", 0 },
		/* A name that is a number is no name. */
		{ "+228 90 12 34 58,90123458", "90123458", "", "", "", 0 },
	};
	static const struct rowcase nn[] = {
		{ "Sœur Agnès,+228 90 10 10 02", "+228 90 10 10 02", "Sœur",
		    "Agnès", "", 0 },
	};

	(void)state;
	check("Nom complet,Téléphone", "full name", r, 3);
	check("Name,Number", "name + number", nn, 1);
}

static void
test_country_code(void **state)
{
	static const struct rowcase r[] = {
		{ "Mawuli,228,90100901", "+228 90100901", "Mawuli", "", "",
		    0 },
		{ "Irène,+229,01 97 10 09 02", "+229 01 97 10 09 02", "Irène",
		    "", "", 0 },
		{ "Noël,00221,77 100 09 03", "+221 77 100 09 03", "Noël", "",
		    "", 0 },
		/* The number carries its own code. */
		{ "Jean,33,+33 6 12 34 56 78", "+33 6 12 34 56 78", "Jean", "",
		    "", 0 },
	};

	(void)state;
	check("Name,Country Code,Phone Number", "country code + number", r, 4);
}

static void
test_ours(void **state)
{
	static const struct rowcase r[] = {
		{ "Jean,Dupont,+22890000001,VIP| Lomé |* x|My Contacts",
		    "+22890000001", "Jean", "Dupont", "VIP|Lomé", 0 },
	};
	struct layout	 l;
	char		 buf[64], *f[8];
	size_t		 lens[8], n;

	(void)state;
	check("prénom,nom,téléphone,catégorie", "wacamp", r, 1);
	/* Not a header: data in our order. */
	snprintf(buf, sizeof buf, "+22890000001,Jean,Dupont");
	n = split(buf, f, lens);
	assert_int_equal(layout_detect(&l, f, n), -1);
}

static void
test_helpers(void **state)
{
	int	 others = 0;
	char	 buf[64] = "";

	(void)state;
	assert_int_equal(layout_first_number("90 12 / 91 ; 92", 15, &others),
	    5);
	assert_int_equal(others, 2);
	others = 0;
	assert_int_equal(layout_first_number("+228 90", 7, &others), 7);
	assert_int_equal(others, 0);
	assert_true(layout_is_number("(+228) 90-12"));
	assert_false(layout_is_number("Ama 2"));
	layout_add_category(buf, sizeof buf, " * myContacts", 13);
	layout_add_category(buf, sizeof buf, " Église ", 9);
	layout_add_category(buf, sizeof buf, "starred", 7);
	assert_string_equal(buf, "Église");
}

/* Header names as placeholders: lowercase, no accents, '_' for the rest. */
static void
test_field_names(void **state)
{
	static const char *const c[][2] = {
		{ "Ville", "ville" }, { "Date de naissance", "date_de_naissance" },
		{ "  Quartier / Zone ", "quartier_zone" }, { "N° client", "n_client" },
		{ "Âge", "age" }, { "E-mail 1 - Value", "e_mail_1_value" },
		{ "مدينة", "" }, { "---", "" }, { "Œuvre", "oeuvre" },
	};
	char	 out[LAYOUT_EXTRA_NAME];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		layout_field_name(c[i][0], out);
		assert_string_equal(out, c[i][1]);
	}
	/* Never longer than a name may be. */
	layout_field_name("a very long header that goes on and on and on", out);
	assert_true(strlen(out) < LAYOUT_EXTRA_NAME);
	assert_true(layout_field_reserved("first_name"));
	assert_false(layout_field_reserved("ville"));
}

/* The columns no field reads, as one JSON object per row: empty cells
 * left out, quotes and line breaks escaped, a defused cell undone, a
 * name given twice kept once. */
static void
test_extras(void **state)
{
	static struct layout	 l;
	struct lrow		 row;
	char			 buf[512], *f[64];
	size_t			 lens[64], n;

	(void)state;
	snprintf(buf, sizeof buf, "phone,Prénom,Ville,ville,Notes,categories");
	n = split(buf, f, lens);
	assert_int_equal(layout_detect(&l, f, n), 0);
	assert_int_equal(l.nextra, 2);
	assert_string_equal(l.extra_name[0], "ville");
	assert_string_equal(l.extra_name[1], "notes");

	snprintf(buf, sizeof buf, "+22890000001,Afi, Lomé ,Kara,'=1 \"x\",VIP");
	n = split(buf, f, lens);
	layout_row(&l, f, lens, n, &row);
	assert_string_equal(row.extra, "{\"ville\":\"Lomé\",\"notes\":"
	    "\"=1 \\\"x\\\"\"}");
	assert_int_equal(row.lextra, strlen(row.extra));
	assert_int_equal(l.seen, 3);

	snprintf(buf, sizeof buf, "+22890000002,Kofi,,,,");
	n = split(buf, f, lens);
	layout_row(&l, f, lens, n, &row);
	assert_string_equal(row.extra, "");
	assert_int_equal(row.lextra, 0);

	/* No header: nothing beyond the four columns is kept. */
	layout_default(&l);
	assert_int_equal(l.nextra, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_google),
		cmocka_unit_test(test_outlook),
		cmocka_unit_test(test_full_name),
		cmocka_unit_test(test_country_code),
		cmocka_unit_test(test_ours),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_field_names),
		cmocka_unit_test(test_extras),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
