#ifndef LAYOUT_H
#define LAYOUT_H

#include <stddef.h>

/*
 * Which column holds what, recognised from a file's header line: our own
 * layout (English or French names), Google Contacts (2023+ and legacy),
 * Outlook, a single full-name column, a country code apart from the number,
 * Name/Number, or any header with a recognisable phone column. A data row
 * is then mapped to one contact (struct lrow).
 */

#define LAYOUT_MAX_PHONES	16
#define LAYOUT_SCRATCH		1024
#define LAYOUT_MAX_EXTRA	32	/* other columns kept, in header order */
#define LAYOUT_EXTRA_NAME	33	/* a kept column's name, with its NUL */
#define LAYOUT_EXTRA_VALUE	256	/* bytes of a kept value, cut beyond */

/* A contact as the importer stores it; strings valid until the next row.
 * cats is a '|'-separated list of category names; extra the other
 * columns' non-empty values as one JSON object ("" or NULL: none). */
struct lrow {
	const char	*phone, *first, *last, *cats, *extra;
	size_t		 lphone, lfirst, llast, lcats, lextra;
	int		 others;	/* further numbers the row held, left */
	int		 cut;		/* extra values cut at their limit */
};

struct layout {
	const char	*name;
	int		 phone[LAYOUT_MAX_PHONES];	/* best first */
	int		 label[LAYOUT_MAX_PHONES];	/* Google's, or -1 */
	int		 nphone;
	int		 first, last, full, cc, cats;	/* -1: absent */
	int		 google;	/* labels " ::: "-separated, "* " dropped */
	int		 outlook;	/* categories ';'-separated */
	/*
	 * Columns no field takes, kept per contact under a placeholder
	 * name made from their header ("Ville" {{ville}}, "Date de
	 * naissance" {{date_de_naissance}}); seen has bit I set once a row
	 * had a value in extra[I].
	 */
	int		 extra[LAYOUT_MAX_EXTRA];
	char		 extra_name[LAYOUT_MAX_EXTRA][LAYOUT_EXTRA_NAME];
	int		 nextra;
	unsigned int	 seen;
	char		 phone_s[LAYOUT_SCRATCH], first_s[LAYOUT_SCRATCH];
	char		 last_s[LAYOUT_SCRATCH], cats_s[LAYOUT_SCRATCH];
	/* Room for every kept value escaped at worst ("\u0001": 6 bytes
	 * a byte), so no value is ever left out for want of it. */
	char		 extra_s[LAYOUT_MAX_EXTRA * (6 * LAYOUT_EXTRA_VALUE +
			    LAYOUT_EXTRA_NAME + 8) + 2];
	char		 mapping[1024];	/* for the preview */
};

/* Fill L from header FIELDS; 0, or -1 if they do not look like a header. */
int	 layout_detect(struct layout *, char *const *, size_t);
/* Our layout without a header: phone, first name, last name, categories. */
void	 layout_default(struct layout *);
/* Map one data row. */
void	 layout_row(struct layout *, char *const *, const size_t *, size_t,
	    struct lrow *);

/*
 * Helpers shared with the vCard reader. The first number of a cell holding
 * several (" ::: ", "/", ";", a line break): its length; *OTHERS counts the
 * rest.
 */
size_t	 layout_first_number(const char *, size_t, int *);	/* S: NUL at LEN */
/* 1 if S is a number rather than a name (digits and separators only). */
int	 layout_is_number(const char *);
/* Append category NAME (LEN bytes, trimmed, system labels dropped) to the
 * '|'-list in BUF (SIZE bytes). */
void	 layout_add_category(char *, size_t, const char *, size_t);
/*
 * The placeholder name for header HDR into OUT (LAYOUT_EXTRA_NAME bytes):
 * folded as text_fold() does, lowercase letters, digits and '_' for any
 * run of others; "" when nothing is left.
 */
void	 layout_field_name(const char *, char *);
/* 1 if NAME is one a column cannot take: a contact's own field. */
int	 layout_field_reserved(const char *);
/* Split a full name at its first space into FIRST and LAST. */
void	 layout_split_name(const char *, char *, char *, size_t);

#endif
