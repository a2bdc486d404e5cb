#ifndef PHONE_H
#define PHONE_H

#include <stddef.h>

#define PHONE_MAX 17	/* '+', at most 15 digits, NUL */

/*
 * Normalise IN to E.164 with a leading '+'. DEFCC is the default country
 * calling code as digits ("228"), or NULL/"" for none. On success returns 0
 * and writes OUT. On failure returns -1, sets OUT to "" and sets *REASON to a
 * static English string naming the problem (e.g. "invalid character 'a'",
 * "too short", "too long", "unknown country code", "empty"). The string may
 * live in a static buffer overwritten by the next call.
 */
int	 phone_normalize(const char *in, const char *defcc, char out[PHONE_MAX],
	    const char **reason);
/*
 * The same, and *FLAGS: PHONE_RENUMBERED when a numbering-plan change was
 * applied (Benin's 8-digit numbers became "01" and the same 8 digits in
 * 2024; Cote d'Ivoire's 8-digit ones took an operator prefix in 2021).
 */
#define PHONE_RENUMBERED	0x1
int	 phone_normalize_flags(const char *, const char *, char [PHONE_MAX],
	    const char **, int *);
/* Length of the ITU country calling code that DIGITS starts with, or 0. */
size_t	 phone_cc_len(const char *digits);
/* 1 if CC (digits only, e.g. "228") is an assigned country calling code. */
int	 phone_cc_valid(const char *cc);

/*
 * Other forms WhatsApp may give for the normalised E164 (Argentina's 9,
 * Brazil's ninth digit; Mexico's +521 is normalised away): up to MAX into
 * OUT, returns how many.
 */
int	 phone_alternates(const char *, char [][PHONE_MAX], int);

#endif
