#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

#define PHONE_DIGITS	15	/* E.164 maximum, country code included */
#define PHONE_MIN	7	/* shortest output we produce */
#define PHONE_SCAN	18	/* "00", 15 digits and a stray trunk 0 */

/* National significant number lengths as a bit set: bit N allows N digits. */
#define L(n)		(1U << (n))
#define LR(a, b)	(((1U << ((b) + 1)) - 1) & ~((1U << (a)) - 1))

/* The leading 0 belongs to the national number: there is no trunk prefix. */
#define CC_ZERO		0x1

struct cc {
	const char	*cc;
	unsigned int	 lens;	/* 0: unknown, total 8..15 digits */
	int		 flags;
};

enum nsn {
	NSN_OK,
	NSN_SHORT,
	NSN_LONG,
	NSN_GAP,
	NSN_ZERO
};

/*
 * Every assigned ITU-T E.164 country calling code, in strcmp order for
 * bsearch(). NANP is "1" and Russia/Kazakhstan "7". Lengths follow the
 * national numbering plans (mobile and fixed); where a plan was not checked
 * the entry is 0 and any total of 8 to 15 digits is accepted.
 */
static const struct cc cc_table[] = {
	{ "1",   L(10), 0 },		/* NANP */
	{ "20",  LR(8, 10), 0 },	/* Egypt */
	{ "211", L(9), 0 },		/* South Sudan */
	{ "212", L(9), 0 },		/* Morocco */
	{ "213", LR(8, 9), 0 },		/* Algeria */
	{ "216", L(8), 0 },		/* Tunisia */
	{ "218", LR(8, 9), 0 },		/* Libya */
	{ "220", L(7), 0 },		/* Gambia */
	{ "221", L(9), 0 },		/* Senegal */
	{ "222", L(8), 0 },		/* Mauritania */
	{ "223", L(8), 0 },		/* Mali */
	{ "224", L(9), 0 },		/* Guinea */
	{ "225", L(10), CC_ZERO },	/* Cote d'Ivoire */
	{ "226", L(8), 0 },		/* Burkina Faso */
	{ "227", L(8), 0 },		/* Niger */
	{ "228", L(8), 0 },		/* Togo */
	{ "229", L(8) | L(10), CC_ZERO },	/* Benin, 10 digits from 2024 */
	{ "230", LR(7, 8), 0 },		/* Mauritius */
	{ "231", LR(7, 9), 0 },		/* Liberia */
	{ "232", L(8), 0 },		/* Sierra Leone */
	{ "233", L(9), 0 },		/* Ghana */
	{ "234", LR(8, 10), 0 },	/* Nigeria */
	{ "235", L(8), 0 },		/* Chad */
	{ "236", L(8), 0 },		/* Central African Republic */
	{ "237", L(9), 0 },		/* Cameroon */
	{ "238", L(7), 0 },		/* Cape Verde */
	{ "239", L(7), 0 },		/* Sao Tome and Principe */
	{ "240", L(9), 0 },		/* Equatorial Guinea */
	{ "241", LR(7, 8), CC_ZERO },	/* Gabon */
	{ "242", L(9), CC_ZERO },	/* Congo */
	{ "243", L(9), 0 },		/* DR Congo */
	{ "244", L(9), 0 },		/* Angola */
	{ "245", L(7) | L(9), 0 },	/* Guinea-Bissau */
	{ "246", L(7), 0 },		/* Diego Garcia */
	{ "247", LR(5, 6), 0 },		/* Ascension */
	{ "248", L(7), 0 },		/* Seychelles */
	{ "249", L(9), 0 },		/* Sudan */
	{ "250", L(9), 0 },		/* Rwanda */
	{ "251", L(9), 0 },		/* Ethiopia */
	{ "252", LR(7, 9), 0 },		/* Somalia */
	{ "253", L(8), 0 },		/* Djibouti */
	{ "254", L(9), 0 },		/* Kenya */
	{ "255", L(9), 0 },		/* Tanzania */
	{ "256", L(9), 0 },		/* Uganda */
	{ "257", L(8), 0 },		/* Burundi */
	{ "258", LR(8, 9), 0 },		/* Mozambique */
	{ "260", L(9), 0 },		/* Zambia */
	{ "261", L(9), 0 },		/* Madagascar */
	{ "262", L(9), 0 },		/* Reunion, Mayotte */
	{ "263", 0, 0 },		/* Zimbabwe */
	{ "264", LR(8, 9), 0 },		/* Namibia */
	{ "265", L(7) | L(9), 0 },	/* Malawi */
	{ "266", L(8), 0 },		/* Lesotho */
	{ "267", LR(7, 8), 0 },		/* Botswana */
	{ "268", L(8), 0 },		/* Eswatini */
	{ "269", L(7), 0 },		/* Comoros */
	{ "27",  L(9), 0 },		/* South Africa */
	{ "290", LR(4, 5), 0 },		/* Saint Helena */
	{ "291", L(7), 0 },		/* Eritrea */
	{ "297", L(7), 0 },		/* Aruba */
	{ "298", L(6), 0 },		/* Faroe Islands */
	{ "299", L(6), 0 },		/* Greenland */
	{ "30",  L(10), 0 },		/* Greece */
	{ "31",  L(9), 0 },		/* Netherlands */
	{ "32",  LR(8, 9), 0 },		/* Belgium */
	{ "33",  L(9), 0 },		/* France */
	{ "34",  L(9), 0 },		/* Spain */
	{ "350", L(8), 0 },		/* Gibraltar */
	{ "351", L(9), 0 },		/* Portugal */
	{ "352", LR(4, 11), 0 },	/* Luxembourg */
	{ "353", LR(7, 9), 0 },		/* Ireland */
	{ "354", LR(7, 9), 0 },		/* Iceland */
	{ "355", LR(8, 9), 0 },		/* Albania */
	{ "356", L(8), 0 },		/* Malta */
	{ "357", L(8), 0 },		/* Cyprus */
	{ "358", LR(5, 12), 0 },	/* Finland */
	{ "359", LR(7, 9), 0 },		/* Bulgaria */
	{ "36",  LR(8, 9), 0 },		/* Hungary */
	{ "370", L(8), 0 },		/* Lithuania */
	{ "371", L(8), 0 },		/* Latvia */
	{ "372", LR(7, 8), 0 },		/* Estonia */
	{ "373", L(8), 0 },		/* Moldova */
	{ "374", L(8), 0 },		/* Armenia */
	{ "375", LR(9, 10), 0 },	/* Belarus */
	{ "376", L(6) | LR(8, 9), 0 },	/* Andorra */
	{ "377", LR(8, 9), 0 },		/* Monaco */
	{ "378", LR(6, 10), CC_ZERO },	/* San Marino */
	{ "379", 0, CC_ZERO },		/* Vatican City */
	{ "380", L(9), 0 },		/* Ukraine */
	{ "381", LR(8, 10), 0 },	/* Serbia */
	{ "382", L(8), 0 },		/* Montenegro */
	{ "383", L(8), 0 },		/* Kosovo */
	{ "385", LR(8, 9), 0 },		/* Croatia */
	{ "386", L(8), 0 },		/* Slovenia */
	{ "387", LR(8, 9), 0 },		/* Bosnia and Herzegovina */
	{ "389", L(8), 0 },		/* North Macedonia */
	{ "39",  LR(6, 11), CC_ZERO },	/* Italy */
	{ "40",  L(9), 0 },		/* Romania */
	{ "41",  L(9), 0 },		/* Switzerland */
	{ "420", L(9), 0 },		/* Czechia */
	{ "421", L(9), 0 },		/* Slovakia */
	{ "423", L(7) | L(9), 0 },	/* Liechtenstein */
	{ "43",  LR(5, 13), 0 },	/* Austria */
	{ "44",  L(10), 0 },		/* United Kingdom */
	{ "45",  L(8), 0 },		/* Denmark */
	{ "46",  LR(7, 10), 0 },	/* Sweden */
	{ "47",  L(8), 0 },		/* Norway */
	{ "48",  L(9), 0 },		/* Poland */
	{ "49",  LR(6, 13), 0 },	/* Germany */
	{ "500", L(5), 0 },		/* Falkland Islands */
	{ "501", L(7), 0 },		/* Belize */
	{ "502", L(8), 0 },		/* Guatemala */
	{ "503", L(8), 0 },		/* El Salvador */
	{ "504", L(8), 0 },		/* Honduras */
	{ "505", L(8), 0 },		/* Nicaragua */
	{ "506", L(8), 0 },		/* Costa Rica */
	{ "507", LR(7, 8), 0 },		/* Panama */
	{ "508", L(6), 0 },		/* Saint Pierre and Miquelon */
	{ "509", L(8), 0 },		/* Haiti */
	{ "51",  LR(8, 9), 0 },		/* Peru */
	{ "52",  L(10), 0 },		/* Mexico */
	{ "53",  LR(6, 8), 0 },		/* Cuba */
	{ "54",  LR(10, 11), 0 },	/* Argentina */
	{ "55",  LR(10, 11), 0 },	/* Brazil */
	{ "56",  L(9), 0 },		/* Chile */
	{ "57",  LR(8, 10), 0 },	/* Colombia */
	{ "58",  L(10), 0 },		/* Venezuela */
	{ "590", L(9), 0 },		/* Guadeloupe */
	{ "591", L(8), 0 },		/* Bolivia */
	{ "592", L(7), 0 },		/* Guyana */
	{ "593", LR(8, 9), 0 },		/* Ecuador */
	{ "594", L(9), 0 },		/* French Guiana */
	{ "595", LR(8, 9), 0 },		/* Paraguay */
	{ "596", L(9), 0 },		/* Martinique */
	{ "597", LR(6, 7), 0 },		/* Suriname */
	{ "598", L(8), 0 },		/* Uruguay */
	{ "599", LR(7, 8), 0 },		/* Curacao, Caribbean Netherlands */
	{ "60",  LR(8, 10), 0 },	/* Malaysia */
	{ "61",  L(9), 0 },		/* Australia */
	{ "62",  LR(7, 12), 0 },	/* Indonesia */
	{ "63",  LR(8, 10), 0 },	/* Philippines */
	{ "64",  LR(8, 10), 0 },	/* New Zealand */
	{ "65",  L(8), 0 },		/* Singapore */
	{ "66",  LR(8, 9), 0 },		/* Thailand */
	{ "670", LR(7, 8), 0 },		/* Timor-Leste */
	{ "672", 0, 0 },		/* Australian External Territories */
	{ "673", L(7), 0 },		/* Brunei */
	{ "674", L(7), 0 },		/* Nauru */
	{ "675", LR(7, 8), 0 },		/* Papua New Guinea */
	{ "676", LR(5, 7), 0 },		/* Tonga */
	{ "677", LR(5, 7), 0 },		/* Solomon Islands */
	{ "678", LR(5, 7), 0 },		/* Vanuatu */
	{ "679", L(7), 0 },		/* Fiji */
	{ "680", L(7), 0 },		/* Palau */
	{ "681", L(6), 0 },		/* Wallis and Futuna */
	{ "682", L(5), 0 },		/* Cook Islands */
	{ "683", LR(4, 7), 0 },		/* Niue */
	{ "685", LR(5, 7), 0 },		/* Samoa */
	{ "686", LR(5, 8), 0 },		/* Kiribati */
	{ "687", L(6), 0 },		/* New Caledonia */
	{ "688", LR(5, 7), 0 },		/* Tuvalu */
	{ "689", L(6) | L(8), 0 },	/* French Polynesia */
	{ "690", LR(4, 7), 0 },		/* Tokelau */
	{ "691", L(7), 0 },		/* Micronesia */
	{ "692", L(7), 0 },		/* Marshall Islands */
	{ "7",   L(10), 0 },		/* Russia, Kazakhstan */
	{ "800", L(8), 0 },		/* International Freephone */
	{ "808", L(8), 0 },		/* International Shared Cost */
	{ "81",  LR(9, 10), 0 },	/* Japan */
	{ "82",  LR(8, 10), 0 },	/* South Korea */
	{ "84",  LR(9, 10), 0 },	/* Vietnam */
	{ "850", 0, 0 },		/* North Korea */
	{ "852", L(8), 0 },		/* Hong Kong */
	{ "853", L(8), 0 },		/* Macao */
	{ "855", LR(8, 9), 0 },		/* Cambodia */
	{ "856", LR(8, 10), 0 },	/* Laos */
	{ "86",  LR(5, 12), 0 },	/* China */
	{ "870", L(9), 0 },		/* Inmarsat */
	{ "880", LR(8, 10), 0 },	/* Bangladesh */
	{ "881", 0, 0 },		/* Global Mobile Satellite System */
	{ "882", 0, 0 },		/* International Networks */
	{ "883", 0, 0 },		/* International Networks */
	{ "886", LR(8, 9), 0 },		/* Taiwan */
	{ "888", 0, 0 },		/* OCHA disaster relief */
	{ "90",  L(10), 0 },		/* Turkey */
	{ "91",  L(10), 0 },		/* India */
	{ "92",  LR(8, 10), 0 },	/* Pakistan */
	{ "93",  L(9), 0 },		/* Afghanistan */
	{ "94",  L(9), 0 },		/* Sri Lanka */
	{ "95",  LR(7, 10), 0 },	/* Myanmar */
	{ "960", L(7), 0 },		/* Maldives */
	{ "961", LR(7, 8), 0 },		/* Lebanon */
	{ "962", LR(8, 9), 0 },		/* Jordan */
	{ "963", LR(8, 9), 0 },		/* Syria */
	{ "964", LR(8, 10), 0 },	/* Iraq */
	{ "965", L(8), 0 },		/* Kuwait */
	{ "966", LR(8, 9), 0 },		/* Saudi Arabia */
	{ "967", LR(7, 9), 0 },		/* Yemen */
	{ "968", L(8), 0 },		/* Oman */
	{ "970", LR(8, 9), 0 },		/* Palestine */
	{ "971", LR(8, 9), 0 },		/* United Arab Emirates */
	{ "972", LR(8, 9), 0 },		/* Israel */
	{ "973", L(8), 0 },		/* Bahrain */
	{ "974", L(8), 0 },		/* Qatar */
	{ "975", LR(7, 8), 0 },		/* Bhutan */
	{ "976", L(8), 0 },		/* Mongolia */
	{ "977", LR(8, 10), 0 },	/* Nepal */
	{ "979", L(9), 0 },		/* International Premium Rate */
	{ "98",  L(10), 0 },		/* Iran */
	{ "992", L(9), 0 },		/* Tajikistan */
	{ "993", L(8), 0 },		/* Turkmenistan */
	{ "994", L(9), 0 },		/* Azerbaijan */
	{ "995", L(9), 0 },		/* Georgia */
	{ "996", L(9), 0 },		/* Kyrgyzstan */
	{ "998", L(9), 0 }		/* Uzbekistan */
};

/* Built reasons; the daemon is single-threaded. */
static char	 phone_reason[64];

static int
cc_cmp(const void *key, const void *elem)
{
	const struct cc	*c = elem;

	return strcmp(key, c->cc);
}

/* Table entry for the first LEN characters of DIGITS, or NULL. */
static const struct cc *
cc_find(const char *digits, size_t len)
{
	char	key[4];
	size_t	i;

	if (len == 0 || len >= sizeof key)
		return NULL;
	for (i = 0; i < len; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return NULL;
		key[i] = digits[i];
	}
	key[len] = '\0';
	return bsearch(key, cc_table, sizeof cc_table / sizeof cc_table[0],
	    sizeof cc_table[0], cc_cmp);
}

size_t
phone_cc_len(const char *digits)
{
	size_t	len;

	if (digits == NULL)
		return 0;
	for (len = 1; len <= 3; len++) {
		if (digits[len - 1] == '\0')
			break;
		if (cc_find(digits, len) != NULL)
			return len;
	}
	return 0;
}

int
phone_cc_valid(const char *cc)
{
	if (cc == NULL)
		return 0;
	return cc_find(cc, strlen(cc)) != NULL;
}

/* 1 if some country code begins with the LEN digits at D. */
static int
cc_prefix(const char *d, size_t len)
{
	size_t	i;

	for (i = 0; i < sizeof cc_table / sizeof cc_table[0]; i++) {
		if (strlen(cc_table[i].cc) > len &&
		    strncmp(cc_table[i].cc, d, len) == 0)
			return 1;
	}
	return 0;
}

/* Check N digits at NSN as the national number under C. */
static enum nsn
nsn_check(const struct cc *c, const char *nsn, size_t n)
{
	size_t		cclen = strlen(c->cc), total = cclen + n;
	unsigned int	lens = c->lens;
	size_t		lo, hi;

	if (lens == 0)
		lens = LR(8 - cclen, PHONE_DIGITS - cclen);
	for (lo = 0; (lens & L(lo)) == 0; lo++)
		;
	for (hi = PHONE_DIGITS; (lens & L(hi)) == 0; hi--)
		;
	if (n < lo || total < PHONE_MIN)
		return NSN_SHORT;
	if (n > hi || total > PHONE_DIGITS)
		return NSN_LONG;
	if ((lens & L(n)) == 0)
		return NSN_GAP;
	if (c->lens != 0 && (c->flags & CC_ZERO) == 0 && nsn[0] == '0')
		return NSN_ZERO;
	return NSN_OK;
}

static const char *
nsn_reason(enum nsn r)
{
	switch (r) {
	case NSN_SHORT:
		return "too short";
	case NSN_LONG:
		return "too long";
	case NSN_GAP:
		return "wrong length";
	case NSN_ZERO:
		return "national number starts with 0";
	default:
		return "invalid number";
	}
}

/* Write '+', the country code of C and N digits at NSN to OUT. */
static int
phone_out(char *out, const struct cc *c, const char *nsn, size_t n)
{
	size_t	cclen = strlen(c->cc);

	out[0] = '+';
	memcpy(out + 1, c->cc, cclen);
	memcpy(out + 1 + cclen, nsn, n);
	out[1 + cclen + n] = '\0';
	return 0;
}

/*
 * D holds LEN digits in international form, country code first. A stray
 * trunk 0 after the country code ("+44 (0)20 ...") is dropped when the
 * number as written does not fit but does without it.
 */
static int
phone_intl(const char *d, size_t len, char *out, const char **reason)
{
	const struct cc	*c;
	size_t		 cclen, n;
	enum nsn	 r;

	if (len == 0) {
		*reason = "too short";
		return -1;
	}
	if ((cclen = phone_cc_len(d)) == 0) {
		if (len < 3 && d[0] != '0' && cc_prefix(d, len))
			*reason = "too short";
		else
			*reason = "unknown country code";
		return -1;
	}
	c = cc_find(d, cclen);
	d += cclen;
	n = len - cclen;
	if ((r = nsn_check(c, d, n)) == NSN_OK)
		return phone_out(out, c, d, n);
	if (n > 0 && d[0] == '0') {
		if ((r = nsn_check(c, d + 1, n - 1)) == NSN_OK)
			return phone_out(out, c, d + 1, n - 1);
	}
	/*
	 * Mexico dropped the mobile "1" after +52 in 2019; WhatsApp still
	 * gives +521 and ten digits, and old address books keep it.
	 */
	if (cclen == 2 && memcmp(d - 2, "52", 2) == 0 && n == 11 &&
	    d[0] == '1' && nsn_check(c, d + 1, 10) == NSN_OK)
		return phone_out(out, c, d + 1, 10);
	*reason = nsn_reason(r);
	return -1;
}

/* D holds LEN digits that may be a country code and national number. */
static int
phone_bare(const char *d, size_t len, char *out)
{
	const struct cc	*c;
	size_t		 cclen;

	if ((cclen = phone_cc_len(d)) == 0)
		return -1;
	c = cc_find(d, cclen);
	if (nsn_check(c, d + cclen, len - cclen) != NSN_OK)
		return -1;
	return phone_out(out, c, d + cclen, len - cclen);
}

/*
 * D holds LEN digits written without an international prefix, read against
 * the default country C. The order matters: the country code already written
 * wins, then a trunk 0, then the number as national, then another country.
 * Where the leading 0 is part of the national number (Cote d'Ivoire, Benin,
 * Italy...) it is never stripped.
 */
static int
phone_national(const char *d, size_t len, const struct cc *c, char *out,
    const char **reason)
{
	size_t	k = strlen(c->cc);

	if (len > k && memcmp(d, c->cc, k) == 0 &&
	    nsn_check(c, d + k, len - k) == NSN_OK)
		return phone_out(out, c, d + k, len - k);
	if (d[0] == '0' && (c->flags & CC_ZERO) == 0 &&
	    nsn_check(c, d + 1, len - 1) == NSN_OK)
		return phone_out(out, c, d + 1, len - 1);
	if (nsn_check(c, d, len) == NSN_OK)
		return phone_out(out, c, d, len);
	if (phone_bare(d, len, out) == 0)
		return 0;
	snprintf(phone_reason, sizeof phone_reason, "wrong length for +%s",
	    c->cc);
	*reason = phone_reason;
	return -1;
}

/* Name byte CH in a reason: 'x' when printable ASCII, 0xNN otherwise. */
static const char *
bad_char(unsigned char ch)
{
	if (ch > 0x20 && ch < 0x7f)
		snprintf(phone_reason, sizeof phone_reason,
		    "invalid character '%c'", ch);
	else
		snprintf(phone_reason, sizeof phone_reason,
		    "invalid character 0x%02X", ch);
	return phone_reason;
}

int
phone_normalize(const char *in, const char *defcc, char out[PHONE_MAX],
    const char **reason)
{
	const unsigned char	*p;
	const struct cc		*c = NULL;
	const char		*dummy;
	char			 d[PHONE_SCAN + 1];
	size_t			 len = 0, total = 0;
	int			 plus = 0;

	if (reason == NULL)
		reason = &dummy;
	*reason = NULL;
	out[0] = '\0';

	if (defcc != NULL && defcc[0] == '+')
		defcc++;
	if (defcc != NULL && defcc[0] != '\0') {
		if ((c = cc_find(defcc, strlen(defcc))) == NULL) {
			*reason = "invalid default country code";
			return -1;
		}
	}
	if (in == NULL) {
		*reason = "empty";
		return -1;
	}

	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (len < PHONE_SCAN)
				d[len++] = *p;
			total++;
			continue;
		}
		switch (*p) {
		case ' ':
		case '\t':
		case '.':
		case '-':
		case '(':
		case ')':
		case '/':
			continue;
		case 0xc2:
			if (p[1] == 0xa0) {	/* UTF-8 no-break space */
				p++;
				continue;
			}
			break;
		case '+':
			/* One '+', before any digit: "+228", "(+228)". */
			if (!plus && total == 0) {
				plus = 1;
				continue;
			}
			break;
		}
		*reason = bad_char(*p);
		return -1;
	}
	d[len] = '\0';

	if (total == 0) {
		*reason = "empty";
		return -1;
	}
	if (total > PHONE_SCAN) {
		*reason = "too long";
		return -1;
	}
	if (plus)
		return phone_intl(d, len, out, reason);
	if (len >= 2 && d[0] == '0' && d[1] == '0')
		return phone_intl(d + 2, len - 2, out, reason);
	if (c != NULL)
		return phone_national(d, len, c, out, reason);
	if (phone_bare(d, len, out) == 0)
		return 0;
	*reason = "no country code";
	return -1;
}

/*
 * WhatsApp's own forms of a mobile number that a contact may be stored
 * under in the other form: Argentina with or without the 9 after +54,
 * Brazil with or without the ninth digit after the area code.
 */
int
phone_alternates(const char *e164, char out[][PHONE_MAX], int max)
{
	size_t	 len = strlen(e164);
	int	 n = 0;

	if (max < 1 || e164[0] != '+')
		return 0;
	if (strncmp(e164, "+549", 4) == 0 && len == 14) {
		/* +54 9 AAAA NNNNNN -> +54 AAAA NNNNNN */
		snprintf(out[n++], PHONE_MAX, "+54%s", e164 + 4);
	} else if (strncmp(e164, "+54", 3) == 0 && len == 13)
		snprintf(out[n++], PHONE_MAX, "+549%s", e164 + 3);
	else if (strncmp(e164, "+55", 3) == 0 && len == 14 && e164[5] == '9')
		/* +55 DD 9NNNNNNNN -> +55 DD NNNNNNNN */
		snprintf(out[n++], PHONE_MAX, "+55%.2s%s", e164 + 3, e164 + 6);
	else if (strncmp(e164, "+55", 3) == 0 && len == 13 &&
	    e164[5] >= '6' && e164[5] <= '9')
		snprintf(out[n++], PHONE_MAX, "+55%.2s9%s", e164 + 3, e164 + 5);
	return n;
}
