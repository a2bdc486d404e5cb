#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
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


/*
 * The numbering plans of the markets we serve, by prefix and length for
 * every number type (fixed, mobile, toll-free, VoIP...): a number is valid
 * when one row's prefix starts it and the row's length is its length.
 * "[...]" is one digit among those listed. Expanded from Google's
 * libphonenumber metadata (8.12.57, the Debian copy) by
 * tests/phone/gen_plans.py and checked against the regulators' current
 * plans:
 *   Togo +228: ARCEP Togo, plan national de numerotation (2017, updated
 *     with Togocel's 70-72 mobile blocks);
 *   Benin +229: ARCEP Benin, decision 2024-061 and the national
 *     renumbering of 30 November 2024: every number became 10 digits,
 *     "01" then its 8 former digits. The table below is the former plan;
 *     plan_fit() applies the move (libphonenumber 8.12.57 predates it);
 *   Cote d'Ivoire +225: ARTCI, plan de numerotation a 10 chiffres in force
 *     since 31 January 2021 (mobiles 01 Moov, 05 MTN, 07 Orange; fixed 21,
 *     25, 27);
 *   Senegal +221: ARTP, plan national de numerotation;
 *   Ghana +233: NCA, National Numbering Plan;
 *   Nigeria +234: NCC, National Numbering Plan (7- and 8-digit fixed,
 *     10-digit mobile);
 *   Burkina Faso +226: ARCEP Burkina, plan de numerotation (mobiles 0x,
 *     5x, 6x, 7x since 2016);
 *   Mali +223: AMRTP; Niger +227: ARCEP Niger; Cameroon +237: ART
 *     Cameroun (9 digits since 2014);
 *   France +33: ARCEP, decision 2018-0881 (plan de numerotation).
 */
struct pat {
	const char	*prefix;
	unsigned char	 len;
};

/* TG +228 */
static const struct pat plan_228[] = {
	{ "22[234567]", 8 },	/* fixed_line */
	{ "23[23]", 8 },	/* fixed_line */
	{ "24[45]", 8 },	/* fixed_line */
	{ "255", 8 },	/* fixed_line */
	{ "26[67]", 8 },	/* fixed_line */
	{ "277", 8 },	/* fixed_line */
	{ "7[0129]", 8 },	/* mobile */
	{ "9[01236789]", 8 },	/* mobile */
};
/* BJ +229 */
static const struct pat plan_229[] = {
	{ "202", 8 },	/* fixed_line */
	{ "21[037]", 8 },	/* fixed_line */
	{ "22[45]", 8 },	/* fixed_line */
	{ "23[68]", 8 },	/* fixed_line */
	{ "24", 8 },	/* fixed_line */
	{ "40", 8 },	/* mobile */
	{ "5[123456789]", 8 },	/* mobile */
	{ "6", 8 },	/* mobile */
	{ "9[013456789]", 8 },	/* mobile */
	{ "857[58]", 8 },	/* voip */
	{ "81", 8 },	/* uan */
};
/* CI +225 */
static const struct pat plan_225[] = {
	{ "2[157]", 10 },	/* fixed_line */
	{ "0[157]", 10 },	/* mobile */
};
/* SN +221 */
static const struct pat plan_221[] = {
	{ "301[012]", 9 },	/* fixed_line */
	{ "3080", 9 },	/* fixed_line */
	{ "3282", 9 },	/* fixed_line */
	{ "338[123456789]", 9 },	/* fixed_line */
	{ "339[3456789]", 9 },	/* fixed_line */
	{ "3611", 9 },	/* fixed_line */
	{ "7[0678]", 9 },	/* mobile */
	{ "721", 9 },	/* mobile */
	{ "790", 9 },	/* mobile */
	{ "7501", 9 },	/* mobile */
	{ "75[19]0", 9 },	/* mobile */
	{ "7525", 9 },	/* mobile */
	{ "75[38]3", 9 },	/* mobile */
	{ "75[4567]", 9 },	/* mobile */
	{ "800", 9 },	/* toll_free */
	{ "88[4689]", 9 },	/* premium_rate */
	{ "81[02468]", 9 },	/* shared_cost */
	{ "3392", 9 },	/* voip */
	{ "39[01]", 9 },	/* voip */
	{ "933[13]0", 9 },	/* voip */
	{ "93929", 9 },	/* voip */
};
/* GH +233 */
static const struct pat plan_233[] = {
	{ "3082[012345]", 9 },	/* fixed_line */
	{ "30[237]", 9 },	/* fixed_line */
	{ "308[01]", 9 },	/* fixed_line */
	{ "3[167]2[0123456]", 9 },	/* fixed_line */
	{ "3[167]7", 9 },	/* fixed_line */
	{ "3[167]80", 9 },	/* fixed_line */
	{ "322[012345]", 9 },	/* fixed_line */
	{ "327", 9 },	/* fixed_line */
	{ "3280", 9 },	/* fixed_line */
	{ "332[0123]", 9 },	/* fixed_line */
	{ "337", 9 },	/* fixed_line */
	{ "3380", 9 },	/* fixed_line */
	{ "342[013456789]", 9 },	/* fixed_line */
	{ "343[01]", 9 },	/* fixed_line */
	{ "347", 9 },	/* fixed_line */
	{ "3480", 9 },	/* fixed_line */
	{ "352[01234567]", 9 },	/* fixed_line */
	{ "357", 9 },	/* fixed_line */
	{ "3580", 9 },	/* fixed_line */
	{ "382[012]", 9 },	/* fixed_line */
	{ "387", 9 },	/* fixed_line */
	{ "3880", 9 },	/* fixed_line */
	{ "39[28]0", 9 },	/* fixed_line */
	{ "397", 9 },	/* fixed_line */
	{ "2[0346789]", 9 },	/* mobile */
	{ "25[67]", 9 },	/* mobile */
	{ "5[0457]", 9 },	/* mobile */
	{ "56[01]", 9 },	/* mobile */
	{ "59[123456789]", 9 },	/* mobile */
	{ "800", 8 },	/* toll_free */
};
/* NG +234 */
static const struct pat plan_234[] = {
	{ "[12356]", 8 },	/* fixed_line */
	{ "4[02345678]", 8 },	/* fixed_line */
	{ "8[23456789]", 8 },	/* fixed_line */
	{ "90[3456789]", 8 },	/* fixed_line */
	{ "9[123456789]", 8 },	/* fixed_line */
	{ "70[01345689]", 7 },	/* fixed_line */
	{ "70[01345689]", 8 },	/* fixed_line */
	{ "702[012456789]", 7 },	/* fixed_line */
	{ "702[012456789]", 8 },	/* fixed_line */
	{ "7[12345679]", 8 },	/* fixed_line */
	{ "[12]", 7 },	/* fixed_line */
	{ "4[147]", 7 },	/* fixed_line */
	{ "5[14579]", 7 },	/* fixed_line */
	{ "6[1578]", 7 },	/* fixed_line */
	{ "7[123578]", 7 },	/* fixed_line */
	{ "702[012456789]", 10 },	/* mobile */
	{ "801[01]", 10 },	/* mobile */
	{ "819[01]", 10 },	/* mobile */
	{ "70[1345689]", 10 },	/* mobile */
	{ "80[23456789]", 10 },	/* mobile */
	{ "81[012345678]", 10 },	/* mobile */
	{ "90[123456789]", 10 },	/* mobile */
	{ "91[2356]", 10 },	/* mobile */
	{ "800", 10 },	/* toll_free */
	{ "800", 11 },	/* toll_free */
	{ "800", 12 },	/* toll_free */
	{ "800", 13 },	/* toll_free */
	{ "800", 14 },	/* toll_free */
	{ "700", 10 },	/* uan */
	{ "700", 11 },	/* uan */
	{ "700", 12 },	/* uan */
	{ "700", 13 },	/* uan */
	{ "700", 14 },	/* uan */
};
/* BF +226 */
static const struct pat plan_226[] = {
	{ "2049", 8 },	/* fixed_line */
	{ "205[23]", 8 },	/* fixed_line */
	{ "206[567]", 8 },	/* fixed_line */
	{ "209[016789]", 8 },	/* fixed_line */
	{ "244[569]", 8 },	/* fixed_line */
	{ "245[456]", 8 },	/* fixed_line */
	{ "246[567]", 8 },	/* fixed_line */
	{ "247[0179]", 8 },	/* fixed_line */
	{ "25[34]", 8 },	/* fixed_line */
	{ "2550", 8 },	/* fixed_line */
	{ "256[567]", 8 },	/* fixed_line */
	{ "0[123567]", 8 },	/* mobile */
	{ "5[12345678]", 8 },	/* mobile */
	{ "[67]", 8 },	/* mobile */
};
/* ML +223 */
static const struct pat plan_223[] = {
	{ "207[012345678]", 8 },	/* fixed_line */
	{ "212[67]", 8 },	/* fixed_line */
	{ "202", 8 },	/* fixed_line */
	{ "21[45689]", 8 },	/* fixed_line */
	{ "40[01234]", 8 },	/* fixed_line */
	{ "44[1239]", 8 },	/* fixed_line */
	{ "2001", 8 },	/* mobile */
	{ "2079", 8 },	/* mobile */
	{ "217", 8 },	/* mobile */
	{ "5[01]", 8 },	/* mobile */
	{ "[679]", 8 },	/* mobile */
	{ "8[2349]", 8 },	/* mobile */
	{ "80", 8 },	/* toll_free */
};
/* NE +227 */
static const struct pat plan_227[] = {
	{ "2020", 8 },	/* fixed_line */
	{ "203[12345678]", 8 },	/* fixed_line */
	{ "204[1345]", 8 },	/* fixed_line */
	{ "205[14]", 8 },	/* fixed_line */
	{ "206[14578]", 8 },	/* fixed_line */
	{ "207[1234578]", 8 },	/* fixed_line */
	{ "214[145]", 8 },	/* fixed_line */
	{ "215[14]", 8 },	/* fixed_line */
	{ "216[14568]", 8 },	/* fixed_line */
	{ "217[169]", 8 },	/* fixed_line */
	{ "2188", 8 },	/* fixed_line */
	{ "23", 8 },	/* mobile */
	{ "7[04]", 8 },	/* mobile */
	{ "[89]", 8 },	/* mobile */
	{ "08", 8 },	/* toll_free */
	{ "09", 8 },	/* premium_rate */
};
/* CM +237 */
static const struct pat plan_237[] = {
	{ "222", 9 },	/* fixed_line */
	{ "233", 9 },	/* fixed_line */
	{ "24[23]", 9 },	/* mobile */
	{ "6[256789]", 9 },	/* mobile */
	{ "88", 8 },	/* toll_free */
	{ "88", 9 },	/* toll_free */
};
/* FR +33 */
static const struct pat plan_33[] = {
	{ "[1235]", 9 },	/* fixed_line */
	{ "4[123456789]", 9 },	/* fixed_line */
	{ "6[01245678]", 9 },	/* mobile */
	{ "63[012345678]", 9 },	/* mobile */
	{ "69[589]", 9 },	/* mobile */
	{ "700", 9 },	/* mobile */
	{ "7[3456789]", 9 },	/* mobile */
	{ "80[012345]", 9 },	/* toll_free */
	{ "8360[01236789]", 9 },	/* premium_rate */
	{ "836[123456789]", 9 },	/* premium_rate */
	{ "81[23456789]", 9 },	/* premium_rate */
	{ "82[234789]", 9 },	/* premium_rate */
	{ "83[012345789]", 9 },	/* premium_rate */
	{ "8[569]", 9 },	/* premium_rate */
	{ "88[012356789]", 9 },	/* premium_rate */
	{ "81[01]", 9 },	/* shared_cost */
	{ "82[0156]", 9 },	/* shared_cost */
	{ "84[02]", 9 },	/* shared_cost */
	{ "884", 9 },	/* shared_cost */
	{ "9", 9 },	/* voip */
	{ "80[6789]", 9 },	/* uan */
};

#define PLAN(cc, t)	{ cc, t, sizeof t / sizeof t[0] }

struct plan {
	const char		*cc;
	const struct pat	*pats;
	size_t			 n;
};

static const struct plan plans[] = {
	PLAN("228", plan_228), PLAN("229", plan_229), PLAN("225", plan_225),
	PLAN("221", plan_221), PLAN("233", plan_233), PLAN("234", plan_234),
	PLAN("226", plan_226), PLAN("223", plan_223), PLAN("227", plan_227),
	PLAN("237", plan_237), PLAN("33", plan_33),
};

/* Built reasons; the daemon is single-threaded. */
static char	 phone_reason[64];

static int
cc_cmp(const void *key, const void *elem)
{
	const struct cc	*c = elem;

	return strcmp(key, c->cc);
}

/*
 * Table entry for the first LEN characters of DIGITS, or NULL. An import
 * asks three times a row: the codes by length and value, in an array made
 * from cc_table at the first call (both programs are single-threaded).
 */
static const struct cc *
cc_find(const char *digits, size_t len)
{
	static const struct cc	*by[1110];	/* 1 + 10 + 100 + 1000 */
	static int		 ready;
	char			 key[4];
	size_t			 i, k, v = 0;

	if (!ready) {
		for (i = 0; i < sizeof cc_table / sizeof cc_table[0]; i++) {
			if (bsearch(cc_table[i].cc, cc_table, sizeof cc_table /
			    sizeof cc_table[0], sizeof cc_table[0], cc_cmp) !=
			    &cc_table[i])
				continue;
			for (v = 0, k = 0; k < 4 && cc_table[i].cc[k] != '\0';
			    k++)
				v = v * 10 + (size_t)(cc_table[i].cc[k] - '0');
			if (k >= 1 && k <= 3)
				by[(k == 1 ? 0 : k == 2 ? 10 : 110) + v] =
				    &cc_table[i];
		}
		ready = 1;
		return cc_find(digits, len);
	}
	if (len == 0 || len >= sizeof key)
		return NULL;
	for (i = 0; i < len; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return NULL;
		v = v * 10 + (size_t)(digits[i] - '0');
	}
	return by[(len == 1 ? 0 : len == 2 ? 10 : 110) + v];
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
		return N_("too short");
	case NSN_LONG:
		return N_("too long");
	case NSN_GAP:
		return N_("wrong length");
	case NSN_ZERO:
		return N_("national number starts with 0");
	default:
		return N_("invalid number");
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

static const struct plan *
plan_for(const char *cc, size_t cclen)
{
	size_t	 i;

	for (i = 0; i < sizeof plans / sizeof plans[0]; i++)
		if (strlen(plans[i].cc) == cclen &&
		    memcmp(plans[i].cc, cc, cclen) == 0)
			return &plans[i];
	return NULL;
}

/* Does PRE ("9[0-36-9]" in the expanded form "9[0123689]") start D? */
static int
pat_match(const char *pre, const char *d, size_t n)
{
	size_t		 i = 0;
	const char	*end;

	for (; *pre != '\0'; i++) {
		if (i >= n)
			return 0;
		if (*pre == '[') {
			end = strchr(pre, ']');
			if (memchr(pre + 1, d[i], (size_t)(end - pre - 1)) == NULL)
				return 0;
			pre = end + 1;
		} else if (*pre++ != d[i])
			return 0;
	}
	return 1;
}

/* N digits at D: a number of plan P as it stands in its table? */
static int
plan_match(const struct plan *p, const char *d, size_t n)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		if (p->pats[i].len == n && pat_match(p->pats[i].prefix, d, n))
			return 1;
	return 0;
}

/*
 * Côte d'Ivoire's 2021 move to 10 digits, for a former 8-digit number:
 * a mobile takes its operator's prefix by its second digit (0-3 Moov 01,
 * 4-6 MTN 05, 7-9 Orange 07), a fixed line (2x, 3x) 21, 25 or 27 by its
 * third digit (8 Moov, 0 MTN, else Orange). ARTCI, 31 January 2021.
 */
static int
ci_move(const char *d, char *out)
{
	if (d[0] == '2' || d[0] == '3')
		memcpy(out, d[2] == '8' ? "21" : d[2] == '0' ? "25" : "27", 2);
	else
		memcpy(out, d[1] <= '3' ? "01" : d[1] <= '6' ? "05" : "07", 2);
	memcpy(out + 2, d, 8);
	return 10;
}

/*
 * N digits at D as a national number of plan P: its length in NSN (which
 * may differ from N where a plan change applies; *FLAGS gets
 * PHONE_RENUMBERED), or 0 if it is no number of P.
 */
static size_t
plan_fit(const struct plan *p, const char *d, size_t n, char *nsn,
    int *flags)
{
	char	 moved[16];

	if (strcmp(p->cc, "229") == 0) {
		/* Benin: "01" and a number of the former 8-digit plan. */
		if (n == 10 && d[0] == '0' && d[1] == '1' &&
		    plan_match(p, d + 2, 8)) {
			memcpy(nsn, d, 10);
			return 10;
		}
		if (n == 8 && plan_match(p, d, 8)) {
			memcpy(nsn, "01", 2);
			memcpy(nsn + 2, d, 8);
			*flags |= PHONE_RENUMBERED;
			return 10;
		}
		return 0;
	}
	if (plan_match(p, d, n)) {
		memcpy(nsn, d, n);
		return n;
	}
	if (strcmp(p->cc, "225") == 0 && n == 8 &&
	    plan_match(p, moved, ci_move(d, moved))) {
		memcpy(nsn, moved, 10);
		*flags |= PHONE_RENUMBERED;
		return 10;
	}
	return 0;
}

/* Why the N digits at D are no number of plan P under C: their length
 * (a trunk 0 set aside where the plan has no number starting with 0), or
 * their prefix. */
static const char *
plan_reason(const struct cc *c, const struct plan *p, const char *d,
    size_t n)
{
	size_t	 i, lo = 99, hi = 0, ok = 0, zero = 0;

	for (i = 0; i < p->n; i++)
		if (p->pats[i].prefix[0] == '0' || (p->pats[i].prefix[0] ==
		    '[' && p->pats[i].prefix[1] == '0'))
			zero = 1;
	if (n > 0 && d[0] == '0' && !zero && strcmp(p->cc, "229") != 0)
		n--;

	for (i = 0; i < p->n; i++) {
		if (p->pats[i].len < lo)
			lo = p->pats[i].len;
		if (p->pats[i].len > hi)
			hi = p->pats[i].len;
		if (p->pats[i].len == n)
			ok = 1;
	}
	if (strcmp(p->cc, "229") == 0) {
		hi = 10;
		ok = n == 8 || n == 10;
	}
	if (n < lo)
		return N_("too short");
	if (n > hi)
		return N_("too long");
	if (!ok)
		return N_("wrong length");
	i18n_snprintf(phone_reason, sizeof phone_reason, "not a valid +%s "
	    "number (no such prefix)", c->cc);
	return phone_reason;
}

/* Write '+', the country code of C and N digits at NSN to OUT. */
static int
plan_out(char *out, const struct cc *c, const struct plan *p, const char *d,
    size_t n, int *flags)
{
	char	 nsn[16];
	size_t	 k;

	if ((k = plan_fit(p, d, n, nsn, flags)) == 0 ||
	    strlen(c->cc) + k > PHONE_DIGITS)
		return -1;
	return phone_out(out, c, nsn, k);
}

/*
 * D holds LEN digits in international form, country code first. A stray
 * trunk 0 after the country code ("+44 (0)20 ...") is dropped when the
 * number as written does not fit but does without it.
 */
static int
phone_intl(const char *d, size_t len, char *out, const char **reason,
    int *flags)
{
	const struct cc		*c;
	const struct plan	*p;
	size_t			 cclen, n;
	enum nsn		 r;

	if (len == 0) {
		*reason = N_("too short");
		return -1;
	}
	if ((cclen = phone_cc_len(d)) == 0) {
		if (len < 3 && d[0] != '0' && cc_prefix(d, len))
			*reason = N_("too short");
		else
			*reason = N_("unknown country code");
		return -1;
	}
	c = cc_find(d, cclen);
	d += cclen;
	n = len - cclen;
	if ((p = plan_for(c->cc, cclen)) != NULL) {
		if (plan_out(out, c, p, d, n, flags) == 0)
			return 0;
		if (n > 0 && d[0] == '0' &&
		    plan_out(out, c, p, d + 1, n - 1, flags) == 0)
			return 0;
		*reason = plan_reason(c, p, d, n);
		return -1;
	}
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

/*
 * D holds LEN digits that may be a country code and national number,
 * written without '+' or 00. Only a market whose plan we hold can take it
 * (the number must then be valid there, prefix included); ANY also lets
 * every other country take it by length (no default country to keep to).
 */
static int
phone_bare(const char *d, size_t len, char *out, int any)
{
	const struct cc		*c;
	const struct plan	*p;
	size_t			 cclen;
	int			 moved = 0;

	if ((cclen = phone_cc_len(d)) == 0)
		return -1;
	c = cc_find(d, cclen);
	/* A number in a former plan is not valid there: no renumbering on
	 * top of a guessed country code. */
	if ((p = plan_for(c->cc, cclen)) != NULL) {
		if (plan_out(out, c, p, d + cclen, len - cclen, &moved) == -1 ||
		    moved) {
			out[0] = '\0';
			return -1;
		}
		return 0;
	}
	if (!any || nsn_check(c, d + cclen, len - cclen) != NSN_OK)
		return -1;
	return phone_out(out, c, d + cclen, len - cclen);
}

/*
 * D holds LEN digits written without an international prefix, read against
 * the default country C. The order matters: the number as national wins,
 * then after a trunk 0, then the country code already written, then a
 * served market's code followed by a number valid there. Nothing else
 * changes the country: a number that fits nowhere is refused, never read
 * as some other country's. Where the leading 0 is part of the national
 * number (Cote d'Ivoire, Benin, Burkina Faso mobiles...) the number as
 * written is tried first, so it is never stripped.
 */
static int
phone_national(const char *d, size_t len, const struct cc *c, char *out,
    const char **reason, int *flags)
{
	const struct plan	*p = plan_for(c->cc, strlen(c->cc));
	size_t			 k = strlen(c->cc);

	if (p != NULL) {
		if (plan_out(out, c, p, d, len, flags) == 0)
			return 0;
		if (d[0] == '0' && plan_out(out, c, p, d + 1, len - 1,
		    flags) == 0)
			return 0;
		if (len > k && memcmp(d, c->cc, k) == 0 &&
		    plan_out(out, c, p, d + k, len - k, flags) == 0)
			return 0;
		if (phone_bare(d, len, out, 0) == 0)
			return 0;
		*reason = plan_reason(c, p, d, len);
		if (strcmp(*reason, "too short") == 0 ||
		    strcmp(*reason, "too long") == 0 ||
		    strcmp(*reason, "wrong length") == 0) {
			i18n_snprintf(phone_reason, sizeof phone_reason,
			    "wrong length for +%s", c->cc);
			*reason = phone_reason;
		}
		return -1;
	}
	if (len > k && memcmp(d, c->cc, k) == 0 &&
	    nsn_check(c, d + k, len - k) == NSN_OK)
		return phone_out(out, c, d + k, len - k);
	if (d[0] == '0' && (c->flags & CC_ZERO) == 0 &&
	    nsn_check(c, d + 1, len - 1) == NSN_OK)
		return phone_out(out, c, d + 1, len - 1);
	if (nsn_check(c, d, len) == NSN_OK)
		return phone_out(out, c, d, len);
	if (phone_bare(d, len, out, 0) == 0)
		return 0;
	i18n_snprintf(phone_reason, sizeof phone_reason, "wrong length for +%s",
	    c->cc);
	*reason = phone_reason;
	return -1;
}

/* Name byte CH in a reason: 'x' when printable ASCII, 0xNN otherwise. */
static const char *
bad_char(unsigned char ch)
{
	if (ch > 0x20 && ch < 0x7f)
		i18n_snprintf(phone_reason, sizeof phone_reason,
		    "invalid character '%c'", ch);
	else
		i18n_snprintf(phone_reason, sizeof phone_reason,
		    "invalid character 0x%02X", ch);
	return phone_reason;
}

/* The code point of the UTF-8 sequence at P (its length in *N), or 0. */
static unsigned
utf8_cp(const unsigned char *p, size_t *n)
{
	if (p[0] >= 0xc2 && p[0] <= 0xdf && (p[1] & 0xc0) == 0x80) {
		*n = 2;
		return (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu);
	}
	if (p[0] >= 0xe0 && p[0] <= 0xef && (p[1] & 0xc0) == 0x80 &&
	    (p[2] & 0xc0) == 0x80) {
		*n = 3;
		return (p[0] & 0xfu) << 12 | (p[1] & 0x3fu) << 6 |
		    (p[2] & 0x3fu);
	}
	return 0;
}

/*
 * A digit written in another script (Arabic-Indic, Persian, Devanagari,
 * Bengali, N'Ko, full-width): its value, or -1.
 */
static int
script_digit(unsigned cp)
{
	static const unsigned	 zero[] = { 0x660, 0x6f0, 0x7c0, 0x966,
				    0x9e6, 0xff10 };
	size_t			 i;

	for (i = 0; i < sizeof zero / sizeof zero[0]; i++)
		if (cp >= zero[i] && cp <= zero[i] + 9)
			return (int)(cp - zero[i]);
	return -1;
}

/* Spaces, dashes, dots, parentheses and direction marks people and
 * programs put between digits. */
static int
script_sep(unsigned cp)
{
	return cp == 0xa0 || (cp >= 0x2000 && cp <= 0x200f) ||
	    (cp >= 0x2010 && cp <= 0x2015) || cp == 0x202f ||
	    (cp >= 0x202a && cp <= 0x202e) || cp == 0x2060 ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2212 || cp == 0x3000 ||
	    cp == 0xfeff || cp == 0xff08 || cp == 0xff09 || cp == 0xff0d ||
	    cp == 0xff0e || cp == 0xff0f || cp == 0xad;
}

int
phone_normalize(const char *in, const char *defcc, char out[PHONE_MAX],
    const char **reason)
{
	int	 flags;

	return phone_normalize_flags(in, defcc, out, reason, &flags);
}

int
phone_normalize_flags(const char *in, const char *defcc,
    char out[PHONE_MAX], const char **reason, int *flags)
{
	const unsigned char	*p;
	const struct cc		*c = NULL;
	const char		*dummy;
	char			 d[PHONE_SCAN + 1];
	size_t			 len = 0, total = 0, k;
	unsigned		 cp;
	int			 plus = 0, v, tel = 0;

	if (reason == NULL)
		reason = &dummy;
	*reason = NULL;
	*flags = 0;
	out[0] = '\0';

	if (defcc != NULL && defcc[0] == '+')
		defcc++;
	if (defcc != NULL && defcc[0] != '\0') {
		if ((c = cc_find(defcc, strlen(defcc))) == NULL) {
			*reason = N_("invalid default country code");
			return -1;
		}
	}
	if (in == NULL) {
		*reason = N_("empty");
		return -1;
	}
	while (*in == ' ' || *in == '\t')
		in++;
	/* A tel: URI (RFC 3966): its parameters (";ext=") are not digits. */
	if (strncasecmp(in, "tel:", 4) == 0) {
		in += 4;
		tel = 1;
	}

	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (len < PHONE_SCAN)
				d[len++] = (char)*p;
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
		case ';':
			if (tel)
				goto done;
			break;
		case '+':
			/* One '+', before any digit: "+228", "(+228)". */
			if (!plus && total == 0) {
				plus = 1;
				continue;
			}
			break;
		}
		if (*p >= 0x80 && (cp = utf8_cp(p, &k)) != 0) {
			if ((v = script_digit(cp)) != -1) {
				if (len < PHONE_SCAN)
					d[len++] = (char)('0' + v);
				total++;
				p += k - 1;
				continue;
			}
			if (script_sep(cp)) {
				p += k - 1;
				continue;
			}
			if (cp == 0xff0b && !plus && total == 0) {
				plus = 1;
				p += k - 1;
				continue;
			}
		}
		*reason = bad_char(*p);
		return -1;
	}
done:
	d[len] = '\0';

	if (total == 0) {
		*reason = N_("empty");
		return -1;
	}
	if (total > PHONE_SCAN) {
		*reason = N_("too long");
		return -1;
	}
	if (plus)
		return phone_intl(d, len, out, reason, flags);
	if (len >= 2 && d[0] == '0' && d[1] == '0')
		return phone_intl(d + 2, len - 2, out, reason, flags);
	if (c != NULL)
		return phone_national(d, len, c, out, reason, flags);
	if (phone_bare(d, len, out, 1) == 0)
		return 0;
	*reason = N_("no country code");
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
