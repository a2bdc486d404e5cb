/*
 * Columns an import keeps beyond a contact's own (#21, DESIGN §6): stored
 * per contact, named as placeholders, checked in a campaign's text and a
 * template's, rendered per contact, updated and undone by imports,
 * exported and read back, and gone with an erasure. The real daemon and
 * the real command line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "kit.h"

#define PACING	"[pacing]\ninterval = 10ms\njitter = 0\nbatch_size = 1000\n" \
	"batch_pause = 10ms\ndaily_limit = 1000\n[import]\n" \
	"default_country = 228\n"

#define FILE1	"Téléphone;Prénom;Nom;Ville;Date de naissance;Notes;Ville\n" \
	"90000001;Afi;Mensah;Lomé;01/02/1990;=1+1;Kara\n" \
	"90000002;Kofi;;;;;\n" \
	"90000003;;Agbo;  Sokodé ;;\"deux\nlignes\";\n"

static void
write_file(struct harness *h, const char *name, const char *text)
{
	char	 path[512];
	FILE	*fp;

	snprintf(path, sizeof path, "%s/%s", h->dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* `contacts import NAME ARGS --json` in the harness dir: its summary. */
static json_t *
import(struct harness *h, const char *name, const char *args)
{
	char	 cmd[1024], *out = NULL;
	json_t	*j;

	snprintf(cmd, sizeof cmd, "--json contacts import '%s/%s' %s", h->dir,
	    name, args);
	assert_int_equal(harness_cli(h, cmd, NULL, &out), 0);
	assert_non_null(j = json_loads(out, 0, NULL));
	free(out);
	return j;
}

/* The extra of contact PHONE as stored, "" for none. */
static char *
extra_of(struct harness *h, const char *phone)
{
	char	 q[128], *v;

	snprintf(q, sizeof q, "SELECT coalesce(extra, '') FROM contacts "
	    "WHERE full_number = '%s'", phone);
	assert_non_null(v = kit_sql_text(h, q));
	return v;
}

static void
assert_extra(struct harness *h, const char *phone, const char *want)
{
	char	*got = extra_of(h, phone);

	if (strcmp(got, want) != 0)
		fail_msg("extra of %s: got %s, want %s", phone, got, want);
	free(got);
}

/* A French Excel file: its other columns kept, by name, values trimmed,
 * empty cells left out, a second "Ville" not kept over the first. */
static void
test_import_keeps_columns(void **state)
{
	struct harness	 h;
	json_t		*s, *c;
	char		*out, cmd[600];
	int		 fd;

	(void)state;
	harness_init(&h, PACING);
	assert_int_equal(harness_start(&h), 0);
	write_file(&h, "f.csv", FILE1);

	/* The preview says which columns it keeps, and writes nothing. */
	s = import(&h, "f.csv", "--preview");
	assert_int_equal(json_array_size(json_object_get(s, "fields")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(s,
	    "fields"), 1)), "date_de_naissance");
	c = json_array_get(json_object_get(s, "sample"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(c,
	    "extra"), "ville")), "Lomé");
	json_decref(s);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contact_fields"),
	    0);
	snprintf(cmd, sizeof cmd, "contacts import --preview '%s/f.csv'",
	    h.dir);
	assert_int_equal(harness_cli(&h, cmd, NULL, &out), 0);
	assert_non_null(strstr(out, "kept as placeholders: {{ville}} "
	    "{{date_de_naissance}} {{notes}}"));
	assert_non_null(strstr(out, "ville=Lomé"));
	free(out);

	s = import(&h, "f.csv", "");
	assert_int_equal(json_integer_value(json_object_get(s, "imported")), 3);
	json_decref(s);
	assert_extra(&h, "+22890000001", "{\"ville\":\"Lomé\","
	    "\"date_de_naissance\":\"01/02/1990\",\"notes\":\"=1+1\"}");
	assert_extra(&h, "+22890000002", "");
	assert_extra(&h, "+22890000003", "{\"ville\":\"Sokodé\","
	    "\"notes\":\"deux\\nlignes\"}");
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contact_fields "
	    "WHERE name IN ('ville', 'date_de_naissance', 'notes')"), 3);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contact_fields"),
	    3);

	/* contacts.get and `contacts get` show them. */
	assert_true((fd = harness_connect(&h)) != -1);
	c = kit_call_ok(fd, "contacts.get", json_pack("{s:I}", "id",
	    (json_int_t)kit_sql_int(&h, "SELECT id FROM contacts WHERE "
	    "full_number = '+22890000001'")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(c, "contact") ? json_object_get(c, "contact") : c,
	    "extra"), "date_de_naissance")), "01/02/1990");
	json_decref(c);
	close(fd);
	assert_int_equal(harness_cli(&h, "contacts get 1", NULL, &out), 0);
	assert_non_null(strstr(out, "date_de_naissance 01/02/1990"));
	free(out);
	harness_cleanup(&h);
}

/* Acceptance 2: a template with {{ville}} renders per contact; an unknown
 * placeholder is refused, with the nearest known name. */
static void
test_placeholders(void **state)
{
	struct harness	 h;
	const char	*err;
	json_t		*d, *rep;
	char		*out;
	long long	 id;
	int		 fd;

	(void)state;
	harness_init(&h, PACING);
	assert_int_equal(harness_start(&h), 0);
	write_file(&h, "f.csv", FILE1);
	assert_true((fd = harness_connect(&h)) != -1);

	/* Unknown before any import: refused, the known ones listed. */
	err = kit_call_err(fd, "templates.create", json_pack("{s:s,s:s}",
	    "name", "early", "body", "Salut {{quartier}}"));
	assert_string_equal(err, "bad_request");

	json_decref(import(&h, "f.csv", "--category clients"));
	d = kit_call_ok(fd, "templates.create", json_pack("{s:s,s:s}", "name",
	    "ville", "body", "Bonjour {{first_name|ami}} de {{ville|chez "
	    "vous}}, né le {{date_de_naissance}}."));
	json_decref(d);
	assert_int_equal(harness_cli(&h, "templates create bad "
	    "'Salut {{vile}}'", NULL, &out), 1);
	free(out);
	assert_int_equal(harness_cli(&h, "campaigns create --name x "
	    "--message-1 'Salut {{quartier}}' --category clients", NULL, &out),
	    1);
	free(out);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM campaigns"), 0);

	/* Nothing but placeholders without a fallback: refused (an empty
	 * message for some); with a fallback, or the number, taken. */
	assert_string_equal(kit_call_err(fd, "templates.create", json_pack(
	    "{s:s,s:s}", "name", "bare", "body", " {{first_name}} {{ville}}")),
	    "bad_request");
	json_decref(kit_call_ok(fd, "templates.create", json_pack("{s:s,s:s}",
	    "name", "fb", "body", "{{first_name|ami}}")));
	json_decref(kit_call_ok(fd, "templates.create", json_pack("{s:s,s:s}",
	    "name", "num", "body", "{{phone}}")));
	/* The error says which name is nearest, or which are known. */
	rep = harness_call(fd, "templates.create", json_pack("{s:s,s:s}",
	    "name", "bad", "body", "Salut {{vile}}"));
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(rep, "error"), "message")), "did you mean "
	    "{{ville}}?"));
	json_decref(rep);
	rep = harness_call(fd, "templates.create", json_pack("{s:s,s:s}",
	    "name", "bad", "body", "Salut {{quartier}}"));
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(rep, "error"), "message")), "known: "
	    "{{first_name}}, {{last_name}}, {{phone}}, {{date_de_naissance}}, "
	    "{{notes}}, {{ville}}"));
	json_decref(rep);

	assert_int_equal(harness_cli(&h, "campaigns create --name c "
	    "--template ville --category clients", NULL, &out), 0);
	free(out);
	id = kit_sql_int(&h, "SELECT id FROM campaigns WHERE name = 'c'");
	d = kit_call_ok(fd, "campaigns.send", json_pack("{s:I}", "id",
	    (json_int_t)id));
	json_decref(d);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages"), 3);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "phone = '+22890000001' AND body = 'Bonjour Afi de Lomé, né le "
	    "01/02/1990.'"), 1);
	/* No value: the fallback, or nothing and no gap. */
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "phone = '+22890000002' AND body = 'Bonjour Kofi de chez vous, "
	    "né le.'"), 1);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM messages WHERE "
	    "phone = '+22890000003' AND body = 'Bonjour ami de Sokodé, né "
	    "le.'"), 1);
	close(fd);
	harness_cleanup(&h);
}

/* A second import changes the values it has, keeps the others, adds new
 * columns; its undo puts every contact's extras back as they were. */
static void
test_update_and_undo(void **state)
{
	struct harness	 h;
	json_t		*s, *u;
	const char	*before = "{\"ville\":\"Lomé\",\"date_de_naissance\":"
	    "\"01/02/1990\",\"notes\":\"=1+1\"}";
	int		 fd;

	(void)state;
	harness_init(&h, PACING);
	assert_int_equal(harness_start(&h), 0);
	write_file(&h, "f.csv", FILE1);
	json_decref(import(&h, "f.csv", ""));
	write_file(&h, "g.csv", "phone,ville,quartier\n"
	    "+22890000001,Kara,Bè\n+22890000002,,Tokoin\n"
	    "+22890000003,Sokodé,\n+22890000009,Aného,\n");
	s = import(&h, "g.csv", "");
	assert_int_equal(json_integer_value(json_object_get(s, "imported")), 1);
	/* 3 is unchanged: the same city, no quartier. */
	assert_int_equal(json_integer_value(json_object_get(s, "updated")), 2);
	assert_extra(&h, "+22890000001", "{\"ville\":\"Kara\","
	    "\"date_de_naissance\":\"01/02/1990\",\"notes\":\"=1+1\","
	    "\"quartier\":\"Bè\"}");
	assert_extra(&h, "+22890000002", "{\"quartier\":\"Tokoin\"}");
	assert_extra(&h, "+22890000009", "{\"ville\":\"Aného\"}");
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contact_fields"),
	    4);

	assert_true((fd = harness_connect(&h)) != -1);
	u = kit_call_ok(fd, "contacts.import_undo", json_pack("{s:I}", "batch",
	    json_integer_value(json_object_get(s, "batch"))));
	assert_int_equal(json_integer_value(json_object_get(u, "restored")), 2);
	json_decref(u);
	json_decref(s);
	assert_extra(&h, "+22890000001", before);
	assert_extra(&h, "+22890000002", "");
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contacts WHERE "
	    "full_number = '+22890000009'"), 0);
	close(fd);
	harness_cleanup(&h);
}

/* contacts export writes them as columns, defused; importing the export
 * into an empty store gives the same extras; an erasure removes them. */
static void
test_export_roundtrip_erase(void **state)
{
	struct harness	 h, h2;
	char		 cmd[600], *a = NULL, *b = NULL;
	const char	*hdr;
	json_t		*d;
	int		 fd;

	(void)state;
	harness_init(&h, PACING);
	assert_int_equal(harness_start(&h), 0);
	write_file(&h, "f.csv", FILE1);
	json_decref(import(&h, "f.csv", ""));
	snprintf(cmd, sizeof cmd, "contacts export '%s/out.csv'", h.dir);
	assert_int_equal(harness_cli(&h, cmd, NULL, NULL), 0);
	assert_int_equal(harness_cli(&h, "contacts export", NULL, &a), 0);
	/* Ours, then the kept columns by name. */
	hdr = "phone,first_name,last_name,categories,date_de_naissance,notes,"
	    "ville\r\n";
	assert_int_equal(strncmp(a, hdr, strlen(hdr)), 0);
	assert_non_null(strstr(a, "\n+22890000001,Afi,Mensah,,01/02/1990,"
	    "'=1+1,Lomé\r\n"));

	harness_init(&h2, PACING);
	assert_int_equal(harness_start(&h2), 0);
	snprintf(cmd, sizeof cmd, "contacts import '%s/out.csv'", h.dir);
	assert_int_equal(harness_cli(&h2, cmd, NULL, NULL), 0);
	assert_int_equal(harness_cli(&h2, "contacts export", NULL, &b), 0);
	assert_string_equal(a, b);
	assert_extra(&h2, "+22890000001", "{\"date_de_naissance\":"
	    "\"01/02/1990\",\"notes\":\"=1+1\",\"ville\":\"Lomé\"}");
	free(a);
	free(b);
	harness_cleanup(&h2);

	assert_true((fd = harness_connect(&h)) != -1);
	d = kit_call_ok(fd, "contacts.erase", json_pack("{s:I}", "id",
	    (json_int_t)kit_sql_int(&h, "SELECT id FROM contacts WHERE "
	    "full_number = '+22890000001'")));
	json_decref(d);
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contacts WHERE "
	    "extra LIKE '%Mensah%' OR extra LIKE '%1990%'"), 0);
	close(fd);
	harness_cleanup(&h);
}

/* contacts update --field sets, changes and removes one; a new name
 * becomes a placeholder; a bad name or value is refused and changes
 * nothing. */
static void
test_update_field(void **state)
{
	struct harness	 h;
	char		*out;
	int		 fd;

	(void)state;
	harness_init(&h, PACING);
	assert_int_equal(harness_start(&h), 0);
	write_file(&h, "f.csv", FILE1);
	json_decref(import(&h, "f.csv", ""));
	assert_int_equal(harness_cli(&h, "contacts update 1 --field ville=Kara "
	    "--field quartier=Bè --field notes=", NULL, &out), 0);
	free(out);
	assert_extra(&h, "+22890000001", "{\"ville\":\"Kara\","
	    "\"date_de_naissance\":\"01/02/1990\",\"quartier\":\"Bè\"}");
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contact_fields "
	    "WHERE name = 'quartier'"), 1);
	/* Removing the last leaves none. */
	assert_int_equal(harness_cli(&h, "contacts update 2 --field ville=X",
	    NULL, NULL), 0);
	assert_extra(&h, "+22890000002", "{\"ville\":\"X\"}");
	assert_int_equal(harness_cli(&h, "contacts update 2 --field ville=",
	    NULL, NULL), 0);
	assert_extra(&h, "+22890000002", "");

	/* Refused: a name no header gives, a contact's own, no '='. */
	assert_int_equal(harness_cli(&h, "contacts update 1 --field Ville=Y",
	    NULL, NULL), 1);
	assert_int_equal(harness_cli(&h, "contacts update 1 "
	    "--field first_name=Y", NULL, NULL), 1);
	assert_int_equal(harness_cli(&h, "contacts update 1 --field ville",
	    NULL, NULL), 2);
	assert_true((fd = harness_connect(&h)) != -1);
	assert_string_equal(kit_call_err(fd, "contacts.update", json_pack(
	    "{s:i,s:{s:i}}", "id", 1, "extra", "ville", 3)), "bad_request");
	close(fd);
	assert_extra(&h, "+22890000001", "{\"ville\":\"Kara\","
	    "\"date_de_naissance\":\"01/02/1990\",\"quartier\":\"Bè\"}");
	harness_cleanup(&h);
}

/* Headers that cannot name a field, values past the limit, more columns
 * than are kept: said, never a crash, never a lost row. */
static void
test_awkward_headers(void **state)
{
	struct harness	 h;
	json_t		*s;
	char		*text, *p, big[400];
	size_t		 i;

	(void)state;
	harness_init(&h, PACING);
	assert_int_equal(harness_start(&h), 0);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	/* 40 columns c0..c39 past the number, one named in Arabic, one
	 * "Phone" again: the first 32 usable ones kept. */
	text = malloc(16384);
	p = text;
	p += sprintf(p, "phone,مدينة,first_name,PHONE_,%s", "c0");
	for (i = 1; i < 40; i++)
		p += sprintf(p, ",c%zu", i);
	p += sprintf(p, "\n+22890000001,x,A,y,%s", big);
	for (i = 1; i < 40; i++)
		p += sprintf(p, ",v%zu", i);
	p += sprintf(p, "\n");
	write_file(&h, "w.csv", text);
	free(text);
	s = import(&h, "w.csv", "");
	assert_int_equal(json_integer_value(json_object_get(s, "imported")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "cut")), 1);
	assert_int_equal(json_array_size(json_object_get(s, "fields")), 32);
	json_decref(s);
	/* "PHONE_" is phone's own name: not a field; c0 cut at 256 bytes. */
	assert_int_equal(kit_sql_int(&h, "SELECT count(*) FROM contact_fields "
	    "WHERE name IN ('phone', 'c0', 'c30', 'c31')"), 3);
	assert_int_equal(kit_sql_int(&h, "SELECT length(extra ->> 'c0') FROM "
	    "contacts"), 256);
	harness_cleanup(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_keeps_columns),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_update_and_undo),
		cmocka_unit_test(test_export_roundtrip_erase),
		cmocka_unit_test(test_update_field),
		cmocka_unit_test(test_awkward_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
