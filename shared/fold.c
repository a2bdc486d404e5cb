/*
 * Search folding: what a name fragment matches regardless of case and
 * accents (DESIGN §10: "kone" finds "Koné").
 */
#include <stddef.h>

#include "fold.h"

/* U+00C0..U+00FF, then U+0100..U+017F: the base letter, '.' to keep. */
static const char latin1[] =
    "aaaaaa.ceeeeiiii.nooooo.ouuuuy.."
    "aaaaaa.ceeeeiiii.nooooo.ouuuuy.y";
static const char latin_ext_a[] =
    "aaaaaacccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh" "iiiiiiiiii"
    ".." "jj" "kk." "llllllllll" "nnnnnnn" ".." "oooooo" ".." "rrrrrr"
    "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy" "zzzzzz" "s";

char *
fold_name(char *s)
{
	unsigned char	*r = (unsigned char *)s, *w = r;
	unsigned	 cp;
	char		 b;

	while (*r != '\0') {
		if (*r >= 'A' && *r <= 'Z') {
			*w++ = *r++ + ('a' - 'A');
			continue;
		}
		if (*r >= 0xc3 && *r <= 0xc5 && (r[1] & 0xc0) == 0x80) {
			cp = (unsigned)(*r & 0x1f) << 6 | (r[1] & 0x3f);
			b = '.';
			if (cp >= 0xc0 && cp <= 0xff)
				b = latin1[cp - 0xc0];
			else if (cp >= 0x100 && cp <= 0x17f)
				b = latin_ext_a[cp - 0x100];
			if (b != '.') {
				*w++ = (unsigned char)b;
				r += 2;
				continue;
			}
			/* Kept: Æ, ß, Œ... lowercased where they have one. */
			if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) {
				*w++ = r[0];
				*w++ = r[1] + 0x20;
				r += 2;
				continue;
			}
			if (cp == 0x152) {
				*w++ = 0xc5;
				*w++ = 0x93;
				r += 2;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
	return s;
}

static const char *const v_a[] = { "\xc3\xa0", "\xc3\xa1", "\xc3\xa2",
    "\xc3\xa3", "\xc3\xa4", "\xc3\xa5", NULL };
static const char *const v_c[] = { "\xc3\xa7", NULL };
static const char *const v_e[] = { "\xc3\xa8", "\xc3\xa9", "\xc3\xaa",
    "\xc3\xab", NULL };
static const char *const v_i[] = { "\xc3\xac", "\xc3\xad", "\xc3\xae",
    "\xc3\xaf", NULL };
static const char *const v_n[] = { "\xc3\xb1", NULL };
static const char *const v_o[] = { "\xc3\xb2", "\xc3\xb3", "\xc3\xb4",
    "\xc3\xb5", "\xc3\xb6", "\xc3\xb8", NULL };
static const char *const v_u[] = { "\xc3\xb9", "\xc3\xba", "\xc3\xbb",
    "\xc3\xbc", NULL };
static const char *const v_y[] = { "\xc3\xbd", "\xc3\xbf", NULL };

const char *const *
fold_variants(int c)
{
	switch (c) {
	case 'a':
		return v_a;
	case 'c':
		return v_c;
	case 'e':
		return v_e;
	case 'i':
		return v_i;
	case 'n':
		return v_n;
	case 'o':
		return v_o;
	case 'u':
		return v_u;
	case 'y':
		return v_y;
	}
	return NULL;
}
