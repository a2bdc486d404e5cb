/*
 * The webhook body parser. A Wassenger event is a JSON object of some
 * eighty keys of which about twenty-five matter; building jansson's tree of
 * all of them cost a third of the listener's time. This is one validating
 * pass over the bytes instead (RFC 8259: grammar, escapes, no NUL byte),
 * keeping the spans of the keys we read, found through a small static trie;
 * the rest is skipped as it is checked. Duplicate keys: the last one wins,
 * as in jansson. Text is mended, not refused (a refused STOP is a lost
 * STOP): \u0000 is dropped; a lone surrogate or a byte that is not UTF-8
 * becomes U+FFFD.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "phone.h"
#include "webhook_parse.h"
#include "xmalloc.h"

#define JSON_MAX_DEPTH	512

static const struct {
	const char	*name;
	enum wh_kind	 kind;
} wh_kinds[] = {
	{ "message:out:ack", WH_ACK },
	{ "message:out:failed", WH_FAILED },
	{ "message:in:new", WH_IN_NEW },
	{ "message:reaction", WH_REACTION },
	{ "message:out:new", WH_OUT_NEW },
	{ "message:out:sent", WH_OUT_SENT },
	{ "message:update", WH_UPDATE },
};

enum jtype { J_NONE = 0, J_STR, J_NUM, J_TRUE, J_FALSE, J_NULL, J_OBJ, J_ARR };

/*
 * A scanned value: its type and, for a string, the bytes between quotes
 * (for a number, its text).
 */
struct jval {
	enum jtype	 type;
	int		 esc;		/* the string has escapes */
	const char	*s;
	size_t		 len;
};

/* The values of an event object we read, in the trie's depth-first order. */
enum {
	F_EVENT, F_ID, F_ENTITY, F_ENTITYID, F_ACK, F_CREATED, F_DATE,
	F_DEVICE, F_DEVICE_ID,
	F_DATA, F_D_ID, F_D_ACK, F_D_PHONE, F_D_FROMNUMBER, F_D_TONUMBER,
	F_D_FROM, F_D_TO, F_D_BODY, F_D_MESSAGE, F_D_FAILURE, F_D_FLOW,
	F_D_FROMME, F_D_REFERENCE, F_D_TIMESTAMP, F_D_DATE, F_D_CREATEDAT,
	F_D_DEVICE, F_D_DEVICE_ID,
	F_D_REACTION, F_D_REACTION_EMOJI, F_D_REACTION_TEXT, F_D_REACTION_VALUE,
	F_D_RM, F_D_RM_ID, F_D_RM_WID,
	F_D_Q, F_D_Q_WID, F_D_Q_ID, F_D_Q_REF,
	F_D_META, F_D_META_GROUP,
	F_D_CHAT, F_D_CHAT_ID, F_D_CHAT_TYPE, F_D_CHAT_LID, F_D_CHAT_CONTACT,
	F_D_CHAT_CONTACT_PHONE, F_D_CHAT_CONTACT_LID,
	F_MAX
};

/* A key we read; END is one past the last field of the value under it. */
struct jkey {
	const char		*name;
	size_t			 len;
	int			 field;
	int			 end;
	const struct jkey	*kids;
};

#define K(n, f, e, k)	{ n, sizeof n - 1, f, e, k }
#define L(n, f)		K(n, f, f + 1, NULL)
static const struct jkey k_device[] = {
	L("id", F_DEVICE_ID),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_d_device[] = {
	L("id", F_D_DEVICE_ID),
	{ NULL, 0, 0, 0, NULL }
};
/* A reaction is "👍" or, in some payloads, an object holding it. */
static const struct jkey k_reaction[] = {
	L("emoji", F_D_REACTION_EMOJI),
	L("text", F_D_REACTION_TEXT),
	L("value", F_D_REACTION_VALUE),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_rm[] = {
	L("id", F_D_RM_ID),
	L("wid", F_D_RM_WID),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_quoted[] = {
	L("wid", F_D_Q_WID),
	L("id", F_D_Q_ID),
	L("reference", F_D_Q_REF),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_meta[] = {
	L("isGroup", F_D_META_GROUP),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_contact[] = {
	L("phone", F_D_CHAT_CONTACT_PHONE),
	L("lid", F_D_CHAT_CONTACT_LID),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_chat[] = {
	L("id", F_D_CHAT_ID),
	L("type", F_D_CHAT_TYPE),
	L("lid", F_D_CHAT_LID),
	K("contact", F_D_CHAT_CONTACT, F_D_CHAT_CONTACT_LID + 1, k_contact),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_data[] = {
	L("id", F_D_ID),
	L("ack", F_D_ACK),
	L("phone", F_D_PHONE),
	L("fromNumber", F_D_FROMNUMBER),
	L("toNumber", F_D_TONUMBER),
	L("from", F_D_FROM),
	L("to", F_D_TO),
	L("body", F_D_BODY),
	L("message", F_D_MESSAGE),
	L("failureReason", F_D_FAILURE),
	L("flow", F_D_FLOW),
	L("fromMe", F_D_FROMME),
	L("reference", F_D_REFERENCE),
	L("timestamp", F_D_TIMESTAMP),
	L("date", F_D_DATE),
	L("createdAt", F_D_CREATEDAT),
	K("device", F_D_DEVICE, F_D_DEVICE_ID + 1, k_d_device),
	K("reaction", F_D_REACTION, F_D_REACTION_VALUE + 1, k_reaction),
	K("reactionMessage", F_D_RM, F_D_RM_WID + 1, k_rm),
	K("quoted", F_D_Q, F_D_Q_REF + 1, k_quoted),
	K("meta", F_D_META, F_D_META_GROUP + 1, k_meta),
	K("chat", F_D_CHAT, F_D_CHAT_CONTACT_LID + 1, k_chat),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_event[] = {
	L("event", F_EVENT),
	L("id", F_ID),
	L("entity", F_ENTITY),
	L("entityId", F_ENTITYID),
	L("ack", F_ACK),
	L("created", F_CREATED),
	L("date", F_DATE),
	K("device", F_DEVICE, F_DEVICE_ID + 1, k_device),
	K("data", F_DATA, F_D_CHAT_CONTACT_LID + 1, k_data),
	{ NULL, 0, 0, 0, NULL }
};
#undef L
#undef K

struct jscan {
	const char	*start;
	const char	*p;
	const char	*end;
	int		 depth;
	int		 dirty;		/* a string holds bytes that are not UTF-8 */
	const char	*why;		/* what is wrong, at p */
};

static int	scan_value(struct jscan *, const struct jkey *, struct jval *);

enum wh_kind
webhook_kind(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof wh_kinds / sizeof wh_kinds[0]; i++)
		if (strcmp(wh_kinds[i].name, name) == 0)
			return wh_kinds[i].kind;
	return WH_OTHER;
}

static int
jfail(struct jscan *js, const char *why)
{
	js->why = why;
	return -1;
}

static void
skip_ws(struct jscan *js)
{
	while (js->p < js->end && (*js->p == ' ' || *js->p == '\n' ||
	    *js->p == '\r' || *js->p == '\t'))
		js->p++;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at P (P + 4 <= END checked by the caller), or -1. */
static long
hex4(const unsigned char *p)
{
	long	 v = 0;
	int	 i, h;

	for (i = 0; i < 4; i++) {
		if ((h = hexval(p[i])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of the valid UTF-8 sequence at P (not ASCII), or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char	 c = p[0], lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* The string at js->p (on its opening quote). */
static int
scan_string(struct jscan *js, struct jval *v)
{
	const unsigned char	*p = (const unsigned char *)js->p + 1;
	const unsigned char	*end = (const unsigned char *)js->end;
	const unsigned char	*s = p;
	long			 cp, lo;
	size_t			 n;
	int			 esc = 0;

	for (;;) {
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' &&
		    *p != '\\')
			p++;
		js->p = (const char *)p;
		if (p >= end)
			return jfail(js, "unterminated string");
		if (*p == '"')
			break;
		if (*p < 0x20)
			return jfail(js, "control character in a string");
		if (*p >= 0x80) {
			/* Kept: webhook_parse() mends it before reading. */
			if ((n = utf8_len(p, end)) == 0) {
				js->dirty = 1;
				n = 1;
			}
			p += n;
			continue;
		}
		/* A backslash. */
		esc = 1;
		if (end - p < 2)
			return jfail(js, "unterminated string");
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			p += 2;
			continue;
		case 'u':
			break;
		default:
			return jfail(js, "invalid escape in a string");
		}
		if (end - p < 6 || (cp = hex4(p + 2)) < 0)
			return jfail(js, "invalid \\u escape");
		/*
		 * \u0000 and lone surrogates are accepted (jdecode() drops
		 * or replaces them): a reply is kept, not refused.
		 */
		if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 12 &&
		    p[6] == '\\' && p[7] == 'u' &&
		    (lo = hex4(p + 8)) >= 0xdc00 && lo <= 0xdfff)
			p += 6;
		p += 6;
	}
	if (v != NULL) {
		v->type = J_STR;
		v->esc = esc;
		v->s = (const char *)s;
		v->len = (size_t)(p - s);
	}
	js->p = (const char *)p + 1;
	return 0;
}

/* Whether the number [S, E) overflows as jansson reads it (a 400 then). */
static int
number_overflows(const char *s, const char *e, int real)
{
	char		 small[64], *buf = small;
	size_t		 n = (size_t)(e - s);
	long long	 ll;
	double		 v;
	int		 over;

	if (!real && n < 19)
		return 0;
	if (n >= sizeof small)
		buf = xmalloc(n + 1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	if (!real) {
		ll = strtoll(buf, NULL, 10);
		over = errno == ERANGE && (ll == LLONG_MAX || ll == LLONG_MIN);
	} else {
		v = strtod(buf, NULL);
		over = errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL);
	}
	if (buf != small)
		free(buf);
	return over;
}

static int
scan_number(struct jscan *js)
{
	const char	*p = js->p, *end = js->end;
	int		 real = 0;

	if (p < end && *p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return jfail(js, "invalid number");
	if (*p == '0')
		p++;
	else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		real = 1;
		if (++p >= end || *p < '0' || *p > '9')
			return jfail(js, "invalid number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = 1;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return jfail(js, "invalid number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (number_overflows(js->p, p, real))
		return jfail(js, real ? "real number overflow" :
		    "too big integer");
	js->p = p;
	return 0;
}

static int
scan_word(struct jscan *js, const char *w, size_t n)
{
	if ((size_t)(js->end - js->p) < n || memcmp(js->p, w, n) != 0)
		return jfail(js, "invalid token");
	js->p += n;
	return 0;
}

/* Write code point CP at O as UTF-8; returns the end. */
static char *
utf8_put(char *o, long cp)
{
	if (cp < 0x80)
		*o++ = (char)cp;
	else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/*
 * Decode the checked string V into OUT (V->len + 1 bytes); its length.
 * \u0000 is dropped (it would cut the string, and carries no text) and a
 * lone surrogate becomes U+FFFD, so a reply is kept whatever it holds;
 * *LOSSY (if not NULL) says whether either happened.
 */
static size_t
jdecode(const struct jval *v, char *out, int *lossy)
{
	const unsigned char	*p = (const unsigned char *)v->s;
	const unsigned char	*end = p + v->len;
	char			*o = out;
	long			 cp, lo;

	if (lossy != NULL)
		*lossy = 0;
	if (!v->esc) {
		memcpy(out, v->s, v->len);
		out[v->len] = '\0';
		return v->len;
	}
	while (p < end) {
		if (*p != '\\') {
			*o++ = (char)*p++;
			continue;
		}
		switch (p[1]) {
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			cp = hex4(p + 2);
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 12 &&
			    p[6] == '\\' && p[7] == 'u' &&
			    (lo = hex4(p + 8)) >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
				if (lossy != NULL)
					*lossy = 1;
			}
			if (cp == 0) {
				if (lossy != NULL)
					*lossy = 1;
			} else
				o = utf8_put(o, cp);
			p += 4;
			break;
		default:	/* " \ / */
			*o++ = (char)p[1];
			break;
		}
		p += 2;
	}
	*o = '\0';
	return (size_t)(o - out);
}

/* The key K names among KEYS, or NULL. */
static const struct jkey *
key_find(const struct jkey *keys, const struct jval *k)
{
	char		 buf[64];
	const char	*name = k->s;
	size_t		 len = k->len;
	int		 lossy;

	if (k->esc) {
		if (k->len >= sizeof buf)
			return NULL;
		len = jdecode(k, buf, &lossy);
		/* "ev\u0000ent" is not "event". */
		if (lossy)
			return NULL;
		name = buf;
	}
	for (; keys->name != NULL; keys++)
		if (keys->len == len && memcmp(keys->name, name, len) == 0)
			return keys;
	return NULL;
}

/* An object at js->p; the values of the KEYS it holds go to VALS. */
static int
scan_object(struct jscan *js, const struct jkey *keys, struct jval *vals)
{
	const struct jkey	*k;
	struct jval		 key;

	if (++js->depth > JSON_MAX_DEPTH)
		return jfail(js, "nested too deeply");
	js->p++;
	skip_ws(js);
	if (js->p < js->end && *js->p == '}') {
		js->p++;
		js->depth--;
		return 0;
	}
	for (;;) {
		if (js->p >= js->end || *js->p != '"')
			return jfail(js, "string or '}' expected");
		if (scan_string(js, &key) == -1)
			return -1;
		skip_ws(js);
		if (js->p >= js->end || *js->p != ':')
			return jfail(js, "':' expected");
		js->p++;
		skip_ws(js);
		k = keys != NULL ? key_find(keys, &key) : NULL;
		if (k != NULL) {
			/* A repeated key replaces everything under it. */
			memset(&vals[k->field], 0, (size_t)(k->end - k->field) *
			    sizeof *vals);
			if (scan_value(js, k, vals) == -1)
				return -1;
		} else if (scan_value(js, NULL, NULL) == -1)
			return -1;
		skip_ws(js);
		if (js->p < js->end && *js->p == ',') {
			js->p++;
			skip_ws(js);
			continue;
		}
		if (js->p < js->end && *js->p == '}') {
			js->p++;
			js->depth--;
			return 0;
		}
		return jfail(js, "',' or '}' expected");
	}
}

static int
scan_array(struct jscan *js)
{
	if (++js->depth > JSON_MAX_DEPTH)
		return jfail(js, "nested too deeply");
	js->p++;
	skip_ws(js);
	if (js->p < js->end && *js->p == ']') {
		js->p++;
		js->depth--;
		return 0;
	}
	for (;;) {
		if (scan_value(js, NULL, NULL) == -1)
			return -1;
		skip_ws(js);
		if (js->p < js->end && *js->p == ',') {
			js->p++;
			skip_ws(js);
			continue;
		}
		if (js->p < js->end && *js->p == ']') {
			js->p++;
			js->depth--;
			return 0;
		}
		return jfail(js, "',' or ']' expected");
	}
}

/* A value at js->p; K (if not NULL) says where it goes in VALS. */
static int
scan_value(struct jscan *js, const struct jkey *k, struct jval *vals)
{
	struct jval	 v;

	memset(&v, 0, sizeof v);
	if (js->p >= js->end)
		return jfail(js, "unexpected end of input");
	switch (*js->p) {
	case '{':
		v.type = J_OBJ;
		if (scan_object(js, k != NULL ? k->kids : NULL, vals) == -1)
			return -1;
		break;
	case '[':
		v.type = J_ARR;
		if (scan_array(js) == -1)
			return -1;
		break;
	case '"':
		if (scan_string(js, &v) == -1)
			return -1;
		break;
	case 't':
		v.type = J_TRUE;
		if (scan_word(js, "true", 4) == -1)
			return -1;
		break;
	case 'f':
		v.type = J_FALSE;
		if (scan_word(js, "false", 5) == -1)
			return -1;
		break;
	case 'n':
		v.type = J_NULL;
		if (scan_word(js, "null", 4) == -1)
			return -1;
		break;
	default:
		v.type = J_NUM;
		v.s = js->p;
		if (scan_number(js) == -1)
			return -1;
		v.len = (size_t)(js->p - v.s);
		break;
	}
	if (k != NULL)
		vals[k->field] = v;
	return 0;
}

/* Strings of one event, decoded into one allocation. */
struct strs {
	char		*buf;
	char		*next;
	const char	*s[F_MAX];	/* NULL unless a string */
};

static void
strs_decode(struct strs *ss, const struct jval *vals)
{
	size_t	 i, size = 64;	/* the "h:" key of an id-less event */

	for (i = 0; i < F_MAX; i++)
		if (vals[i].type == J_STR)
			size += vals[i].len + 1;
	ss->buf = ss->next = xmalloc(size);
	for (i = 0; i < F_MAX; i++) {
		ss->s[i] = NULL;
		if (vals[i].type != J_STR)
			continue;
		ss->s[i] = ss->next;
		ss->next += jdecode(&vals[i], ss->next, NULL) + 1;
	}
}

static int
ack_level(const char *ack)
{
	if (strcmp(ack, "sent") == 0)
		return WH_ACK_SENT;
	if (strcmp(ack, "delivered") == 0)
		return WH_ACK_DELIVERED;
	if (strcmp(ack, "read") == 0 || strcmp(ack, "readed") == 0 ||
	    strcmp(ack, "played") == 0)
		return WH_ACK_READ;
	return WH_ACK_NONE;
}

/* Whether the WhatsApp id S ends in SUFFIX after a non-empty user part. */
static int
id_is(const char *s, const char *suffix)
{
	size_t	 n, m = strlen(suffix);

	if (s == NULL)
		return 0;
	n = strlen(s);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

/*
 * Whether NUMBER (E.164) is the user part of one of the event's "@lid" ids:
 * Wassenger may fill toNumber from an @lid id, an opaque number that may be
 * someone else's phone.
 */
static int
from_lid(const struct strs *ss, const char *number)
{
	static const int	 f[] = { F_D_CHAT_ID, F_D_FROM, F_D_TO,
	    F_D_CHAT_LID, F_D_CHAT_CONTACT_LID };
	const char		*id, *digits = number + 1;
	size_t			 i, n;

	for (i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (!id_is(id = ss->s[f[i]], "@lid"))
			continue;
		n = strcspn(id, "@:");
		if (n == strlen(digits) && memcmp(id, digits, n) == 0)
			return 1;
	}
	return 0;
}

/* CAND as the contact's number in OUT: 0, or -1 if it is none. */
static int
phone_try(const struct strs *ss, const char *cand, char out[PHONE_MAX])
{
	const char	*reason;

	if (cand != NULL && phone_normalize(cand, NULL, out, &reason) == 0 &&
	    !from_lid(ss, out))
		return 0;
	out[0] = '\0';
	return -1;
}

/* The number of the WhatsApp id "N@c.us" (never of an @lid) in OUT. */
static int
phone_of_id(const struct strs *ss, const char *id, char out[PHONE_MAX])
{
	char	 buf[64];
	size_t	 n;

	if (!id_is(id, "@c.us") || (n = strlen(id) - 5) + 2 > sizeof buf)
		return -1;
	buf[0] = '+';
	memcpy(buf + 1, id, n);
	buf[n + 1] = '\0';
	return phone_try(ss, buf, out);
}

/*
 * The contact's number. Inbound: fromNumber, chat.contact.phone, "N@c.us"
 * of from. Outbound (an ack, out:new, failed…): toNumber,
 * chat.contact.phone, "N@c.us" of to, and data.phone first in the legacy
 * message resource, where it is the recipient. Never fromNumber for an
 * outbound event: that is our own number.
 */
static void
contact_phone(const struct strs *ss, int resource, int outbound,
    char out[PHONE_MAX])
{
	out[0] = '\0';
	if (resource && phone_try(ss, ss->s[F_D_PHONE], out) == 0)
		return;
	if (outbound) {
		if (phone_try(ss, ss->s[F_D_TONUMBER], out) == 0 ||
		    phone_try(ss, ss->s[F_D_CHAT_CONTACT_PHONE], out) == 0)
			return;
		phone_of_id(ss, ss->s[F_D_TO], out);
		return;
	}
	if (phone_try(ss, ss->s[F_D_FROMNUMBER], out) == 0 ||
	    phone_try(ss, ss->s[F_D_CHAT_CONTACT_PHONE], out) == 0)
		return;
	phone_of_id(ss, ss->s[F_D_FROM], out);
}

/* The contact's "…@lid" id: the chat's, else that of from or to. */
static const char *
contact_lid(const struct strs *ss, int outbound)
{
	const int	 f[] = { F_D_CHAT_ID, outbound ? F_D_TO : F_D_FROM,
	    F_D_CHAT_CONTACT_LID, F_D_CHAT_LID };
	size_t		 i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		if (id_is(ss->s[f[i]], "@lid"))
			return ss->s[f[i]];
	return "";
}

/* An id of a group, a channel or a broadcast list. */
static int
group_id(const char *id)
{
	return id_is(id, "@g.us") || id_is(id, "@newsletter") ||
	    id_is(id, "@broadcast");
}

/*
 * A group, channel or broadcast message: not a contact's reply. Only what
 * says so counts; a one-to-one chat may be "…@c.us" or "…@lid".
 */
static int
is_group(const struct strs *ss, const struct jval *vals)
{
	static const char *const types[] = { "group", "channel", "broadcast",
	    "newsletter" };
	const char	*ct = ss->s[F_D_CHAT_TYPE];
	size_t		 i;

	if (vals[F_D_META_GROUP].type == J_TRUE)
		return 1;
	for (i = 0; ct != NULL && i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(ct, types[i]) == 0)
			return 1;
	return group_id(ss->s[F_D_CHAT_ID]) || group_id(ss->s[F_D_FROM]) ||
	    group_id(ss->s[F_D_TO]);
}

/*
 * Unix seconds from a number ("1747042204", 1747042204.5), or 0. Beyond
 * year 5138 it is taken as milliseconds; negative, zero or absurd is none.
 */
static int64_t
time_number(const char *s, size_t len)
{
	char	 buf[64], *end;
	double	 v;
	size_t	 i;

	if (len == 0 || len >= sizeof buf || s[0] < '0' || s[0] > '9')
		return 0;
	for (i = 0; i < len; i++)
		if (strchr("0123456789.eE+-", s[i]) == NULL || s[i] == '\0')
			return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod(buf, &end);
	if (end != buf + len || !(v >= 1))
		return 0;
	if (v >= 1e11)
		v /= 1000;
	if (!(v >= 1 && v < 1e11))
		return 0;
	return (int64_t)v;
}

/* Days from 1970-01-01 to the civil date Y-M-D (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* N digits at *P as a number, advancing *P; -1 if they are not there. */
static int
digits(const char **p, int n)
{
	int	 v = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/*
 * Unix seconds from an ISO 8601 time, "2024-01-02T03:04:05.678Z" (a
 * fraction, a "+01:00" offset or none, which is UTC), or 0.
 */
static int64_t
time_iso(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	const char	*p = s;
	int		 y, mo, d, h = 0, mi = 0, sec = 0, oh, om = 0, sign;
	int64_t		 t;

	if ((y = digits(&p, 4)) < 1970 || *p++ != '-' ||
	    (mo = digits(&p, 2)) < 1 || mo > 12 || *p++ != '-' ||
	    (d = digits(&p, 2)) < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 != 0 ||
	    (y % 100 == 0 && y % 400 != 0))))
		return 0;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if ((h = digits(&p, 2)) < 0 || h > 23 || *p++ != ':' ||
		    (mi = digits(&p, 2)) < 0 || mi > 59)
			return 0;
		if (*p == ':') {
			p++;
			if ((sec = digits(&p, 2)) < 0 || sec > 60)
				return 0;
		}
		if (*p == '.' || *p == ',') {
			if (*++p < '0' || *p > '9')
				return 0;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if ((oh = digits(&p, 2)) < 0 || oh > 23)
			return 0;
		if (*p == ':')
			p++;
		if (*p != '\0' && ((om = digits(&p, 2)) < 0 || om > 59))
			return 0;
		t -= sign * (oh * 3600 + om * 60);
	}
	return *p == '\0' && t > 0 ? t : 0;
}

/* Unix seconds from the value of field F: a number, digits or ISO 8601. */
static int64_t
time_of(const struct strs *ss, const struct jval *vals, int f)
{
	int64_t	 t;

	if (vals[f].type == J_NUM)
		return time_number(vals[f].s, vals[f].len);
	if (ss->s[f] == NULL)
		return 0;
	if ((t = time_number(ss->s[f], strlen(ss->s[f]))) != 0)
		return t;
	return time_iso(ss->s[f]);
}

/* Where the message's time is read, first to last. */
static const int time_fields[] = { F_D_TIMESTAMP, F_CREATED, F_D_DATE,
    F_D_CREATEDAT, F_DATE };
#define N_TIME_FIELDS	(sizeof time_fields / sizeof time_fields[0])

/*
 * When the message was made: data.timestamp, else the event's created,
 * else data.date, the legacy data.createdAt or the legacy item's date.
 * *FROM is the field it came from, or -1.
 */
static int64_t
event_time(const struct strs *ss, const struct jval *vals, int *from)
{
	int64_t		 t;
	size_t		 i;

	*from = -1;
	for (i = 0; i < N_TIME_FIELDS; i++)
		if ((t = time_of(ss, vals, time_fields[i])) != 0) {
			*from = time_fields[i];
			return t;
		}
	return 0;
}

/* Whether the event is about a message we sent. */
static int
is_outbound(enum wh_kind kind, const char *name, const char *flow,
    const struct jval *vals)
{
	if (kind == WH_ACK || kind == WH_FAILED || kind == WH_OUT_NEW ||
	    kind == WH_OUT_SENT || strncmp(name, "message:out:", 12) == 0)
		return 1;
	if (flow != NULL)
		return strcmp(flow, "outbound") == 0;
	return vals[F_D_FROMME].type == J_TRUE;
}

/* 64-bit FNV-1a, to give an id-less event a stable dedup key. */
static uint64_t
fnv1a(const char *s)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Room the compact form of the fields under K takes. (A key seen again
 * cleared what its first value had filled in: scan_object().)
 */
static size_t
compact_size(const struct jkey *k, const struct jval *vals)
{
	size_t	 size = 2;

	for (; k->name != NULL; k++) {
		if (vals[k->field].type == J_NONE)
			continue;
		size += k->len + 4 + 4;		/* ,"key": and null or true */
		if (vals[k->field].type == J_STR)
			size += vals[k->field].len + 2;
		else if (vals[k->field].type == J_NUM)
			size += vals[k->field].len;
		else if (vals[k->field].type == J_OBJ && k->kids != NULL)
			size += compact_size(k->kids, vals);
	}
	return size;
}

/* Write the fields under K as a JSON object at P; returns the end. */
static char *
compact_write(char *p, const struct jkey *k, const struct jval *vals)
{
	const struct jval	*v;
	int			 first = 1;

	*p++ = '{';
	for (; k->name != NULL; k++) {
		if ((v = &vals[k->field])->type == J_NONE)
			continue;
		if (!first)
			*p++ = ',';
		first = 0;
		*p++ = '"';
		memcpy(p, k->name, k->len);
		p += k->len;
		*p++ = '"';
		*p++ = ':';
		if (v->type == J_STR) {
			/* As received, escapes and all. */
			*p++ = '"';
			memcpy(p, v->s, v->len);
			p += v->len;
			*p++ = '"';
		} else if (v->type == J_NUM) {
			/* A time: as received too. */
			memcpy(p, v->s, v->len);
			p += v->len;
		} else if (v->type == J_TRUE) {
			memcpy(p, "true", 4);
			p += 4;
		} else if (v->type == J_OBJ && k->kids != NULL)
			p = compact_write(p, k->kids, vals);
		else {
			/* Only its presence or its being true is read. */
			memcpy(p, "null", 4);
			p += 4;
		}
	}
	*p++ = '}';
	return p;
}

/*
 * An ack for the journal: only the keys this parser reads, in the same
 * places, so that it parses back to the same event (replay). The rest of
 * an ack is a copy of the message we sent (the chat, the device, meta),
 * some 2 KiB that would be a good half of what the WAL writes in a flood
 * of acks. Keys read but without effect on this event are left out too:
 * fromNumber (an ack is outbound), from unless it names a group or an
 * @lid, data.ack behind the top-level one, data.message behind data.body,
 * meta unless isGroup is true, and every time but the one used (TF).
 */
static char *
compact_event(const struct jval *vals, const struct strs *ss, int tf)
{
	struct jval	 cv[F_MAX];
	const char	*from = ss->s[F_D_FROM];
	char		*out, *end;
	size_t		 i;

	memcpy(cv, vals, sizeof cv);
	cv[F_D_FROMNUMBER].type = J_NONE;
	if (from != NULL && !group_id(from) && !id_is(from, "@lid"))
		cv[F_D_FROM].type = J_NONE;
	if (ss->s[F_ACK] != NULL)
		cv[F_D_ACK].type = J_NONE;
	if (ss->s[F_D_BODY] != NULL)
		cv[F_D_MESSAGE].type = J_NONE;
	if (vals[F_D_META_GROUP].type != J_TRUE)
		cv[F_D_META].type = J_NONE;
	for (i = 0; i < N_TIME_FIELDS; i++)
		if (time_fields[i] != tf)
			cv[time_fields[i]].type = J_NONE;
	out = xmalloc(compact_size(k_event, cv) + 1);
	end = compact_write(out, k_event, cv);
	*end = '\0';
	return out;
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/*
 * Fill EV from the scanned values of one event object; RAW (allocated)
 * becomes ev->raw and every string points into one buffer, ev->buf.
 */
static int
parse_one(const struct jval *vals, char *raw, struct wh_event *ev, char *err,
    size_t errlen)
{
	struct strs	 ss;
	const char	*name, *id, *ack, *flow, *s;
	int		 legacy, data, tf;
	size_t		 n = 0;

	memset(ev, 0, sizeof *ev);
	ev->raw = raw;
	if (vals[F_EVENT].type != J_STR || vals[F_EVENT].len == 0) {
		snprintf(err, errlen, "no \"event\" string");
		return -1;
	}
	strs_decode(&ss, vals);
	ev->buf = ss.buf;
	name = ss.s[F_EVENT];
	data = vals[F_DATA].type == J_OBJ;
	ev->kind = webhook_kind(name);
	ev->event = (char *)name;
	/* Legacy (Gateway) events say entity/entityId, not object/id. */
	legacy = vals[F_ENTITY].type != J_NONE ||
	    vals[F_ENTITYID].type != J_NONE;
	ev->entity_id = (char *)or_empty(ss.s[F_ENTITYID]);
	ev->msg_id = (char *)or_empty(ss.s[F_D_ID]);
	if ((id = ss.s[legacy ? F_ENTITYID : F_ID]) == NULL || *id == '\0')
		id = *ev->msg_id != '\0' ? ev->msg_id : NULL;
	if (id != NULL)
		ev->object_id = (char *)id;
	else {
		ev->object_id = ss.next;
		snprintf(ss.next, 64, "h:%016llx",
		    (unsigned long long)fnv1a(raw));
	}
	ack = NULL;
	if (ev->kind == WH_ACK && (ack = ss.s[F_ACK]) == NULL)
		ack = ss.s[F_D_ACK];
	ev->ack = (char *)or_empty(ack);
	ev->ack_level = ack != NULL ? ack_level(ack) : WH_ACK_NONE;
	flow = ss.s[F_D_FLOW];
	ev->outbound = is_outbound(ev->kind, name, flow, vals);
	ev->inbound = !ev->outbound && (flow != NULL ?
	    strcmp(flow, "inbound") == 0 : 1);
	/* failed and out:sent carry the message resource: phone, message. */
	contact_phone(&ss, legacy || ev->kind == WH_FAILED ||
	    ev->kind == WH_OUT_SENT, ev->outbound, ev->phone);
	ev->lid = (char *)contact_lid(&ss, ev->outbound);
	if ((s = ss.s[F_D_BODY]) == NULL)
		s = ss.s[F_D_MESSAGE];
	ev->text = (char *)or_empty(s);
	ev->reference = (char *)or_empty(ss.s[F_D_REFERENCE]);
	if ((s = ss.s[F_DEVICE]) == NULL && (s = ss.s[F_DEVICE_ID]) == NULL &&
	    (s = ss.s[F_D_DEVICE]) == NULL)
		s = ss.s[F_D_DEVICE_ID];
	ev->device = (char *)or_empty(s);
	ev->timestamp = event_time(&ss, vals, &tf);
	if ((s = ss.s[F_D_REACTION]) == NULL &&
	    (s = ss.s[F_D_REACTION_EMOJI]) == NULL &&
	    (s = ss.s[F_D_REACTION_TEXT]) == NULL &&
	    (s = ss.s[F_D_REACTION_VALUE]) == NULL && ev->kind == WH_REACTION)
		s = ss.s[F_D_BODY];
	ev->emoji = (char *)or_empty(s);
	if (ev->kind == WH_REACTION) {
		if ((s = ss.s[F_D_RM]) != NULL ||
		    (s = ss.s[F_D_RM_ID]) != NULL ||
		    (s = ss.s[F_D_RM_WID]) != NULL)
			ev->target[n++] = (char *)s;
	}
	if ((s = ss.s[F_D_Q_WID]) != NULL && n < 3)
		ev->target[n++] = (char *)s;
	if ((s = ss.s[F_D_Q_ID]) != NULL && n < 3)
		ev->target[n++] = (char *)s;
	if ((s = ss.s[F_D_Q_REF]) != NULL && n < 3)
		ev->target[n++] = (char *)s;
	while (n < 3)
		ev->target[n++] = (char *)"";
	ev->reason = (char *)or_empty(ss.s[F_D_FAILURE]);
	ev->group = data && is_group(&ss, vals);
	/* An ack without an id keeps its bytes: its dedup key hashes them. */
	if (ev->kind == WH_ACK && id != NULL) {
		free(ev->raw);
		ev->raw = compact_event(vals, &ss, tf);
	}
	return 0;
}

static void
event_clear(struct wh_event *ev)
{
	free(ev->buf);
	free(ev->raw);
	memset(ev, 0, sizeof *ev);
}

void
webhook_events_free(struct wh_event *evs, size_t n)
{
	size_t	 i;

	if (evs == NULL)
		return;
	for (i = 0; i < n; i++)
		event_clear(&evs[i]);
	free(evs);
}

/* ERR: "invalid JSON at line L column C: WHY" for the scan's position. */
static void
json_error(const struct jscan *js, char *err, size_t errlen)
{
	const char	*p, *bol = js->start;
	int		 line = 1;

	for (p = js->start; p < js->p; p++)
		if (*p == '\n') {
			line++;
			bol = p + 1;
		}
	snprintf(err, errlen, "invalid JSON at line %d column %d: %s", line,
	    (int)(js->p - bol) + 1, js->why);
}

/* One element of a body that is an array. */
struct jelem {
	int		 object;
	const char	*s;
	size_t		 len;
	struct jval	 vals[F_MAX];
};

/* Scan the array body at js->p into *ELEMS (at most WH_MAX_EVENTS kept). */
static int
scan_events(struct jscan *js, struct jelem **elems, size_t *count)
{
	struct jelem	*e = NULL;
	size_t		 n = 0, cap = 0;
	const char	*s;

	*elems = NULL;
	*count = 0;
	js->p++;
	js->depth++;
	skip_ws(js);
	if (js->p < js->end && *js->p == ']') {
		js->p++;
		return 0;
	}
	for (;;) {
		if (n < WH_MAX_EVENTS) {
			if (n == cap) {
				cap = cap ? cap * 2 : 4;
				*elems = xreallocarray(*elems, cap, sizeof *e);
			}
			e = &(*elems)[n];
			memset(e, 0, sizeof *e);
			s = js->p;
			if (js->p < js->end && *js->p == '{') {
				e->object = 1;
				if (scan_object(js, k_event, e->vals) == -1)
					return -1;
			} else if (scan_value(js, NULL, NULL) == -1)
				return -1;
			e->s = s;
			e->len = (size_t)(js->p - s);
		} else if (scan_value(js, NULL, NULL) == -1)
			return -1;
		n++;
		*count = n;
		skip_ws(js);
		if (js->p < js->end && *js->p == ',') {
			js->p++;
			skip_ws(js);
			continue;
		}
		if (js->p < js->end && *js->p == ']') {
			js->p++;
			return 0;
		}
		return jfail(js, "',' or ']' expected");
	}
}

/* Scan the whole body of JS: an object into VALS, an array into *ELEMS. */
static int
scan_body(struct jscan *js, const char *body, size_t len, struct jval *vals,
    struct jelem **elems, size_t *cnt, int *kind)
{
	int	 rc;

	memset(js, 0, sizeof *js);
	js->start = js->p = body;
	js->end = body + len;
	memset(vals, 0, F_MAX * sizeof *vals);
	*elems = NULL;
	*cnt = 0;
	skip_ws(js);
	*kind = js->p < js->end ? *js->p : 0;
	if (*kind == '{')
		rc = scan_object(js, k_event, vals);
	else if (*kind == '[')
		rc = scan_events(js, elems, cnt);
	else
		rc = scan_value(js, NULL, NULL);
	if (rc == 0) {
		skip_ws(js);
		if (js->p < js->end)
			rc = jfail(js, "end of input expected");
	}
	return rc;
}

/*
 * A copy of BODY (LEN bytes, scanned) with each byte that is not UTF-8
 * replaced by U+FFFD; its length in *OUTLEN. Such bytes can only be in
 * strings, or the scan would have failed.
 */
static char *
utf8_mend(const char *body, size_t len, size_t *outlen)
{
	const unsigned char	*p = (const unsigned char *)body;
	const unsigned char	*end = p + len;
	char			*out, *o;
	size_t			 n;

	/* Each byte at most becomes three. */
	o = out = xreallocarray(NULL, len + 1, 3);
	while (p < end) {
		if (*p < 0x80)
			*o++ = (char)*p++;
		else if ((n = utf8_len(p, end)) != 0) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

int
webhook_parse(const char *body, size_t len, struct wh_event **out,
    size_t *nout, char *err, size_t errlen)
{
	struct jscan	 js;
	struct jval	 vals[F_MAX];
	struct jelem	*elems = NULL;
	struct wh_event	*evs = NULL;
	char		 why[160], *mended = NULL;
	size_t		 i, n = 0, cnt = 0;
	int		 rc, kind;

	*out = NULL;
	*nout = 0;
	/* The journal keeps bodies as text: a NUL byte would cut them. */
	if (memchr(body, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte at offset %zu",
		    (size_t)((const char *)memchr(body, '\0', len) - body));
		return -1;
	}
	rc = scan_body(&js, body, len, vals, &elems, &cnt, &kind);
	if (rc == 0 && js.dirty) {
		/*
		 * Bytes that are not UTF-8 in a string: the event is kept, as
		 * if they had been U+FFFD, and so is its journal copy.
		 */
		free(elems);
		body = mended = utf8_mend(body, len, &len);
		rc = scan_body(&js, body, len, vals, &elems, &cnt, &kind);
	}
	if (rc == -1) {
		json_error(&js, err, errlen);
		free(elems);
		free(mended);
		return -1;
	}
	if (kind == '{') {
		evs = xcalloc(1, sizeof *evs);
		/* A single event: the journal keeps the body as received. */
		if (parse_one(vals, xstrndup(body, len), &evs[0], why,
		    sizeof why) == -1) {
			snprintf(err, errlen, "%s", why);
			n = 1;
			goto fail;
		}
		n = 1;
	} else if (kind == '[') {
		if (cnt > WH_MAX_EVENTS) {
			snprintf(err, errlen, "%zu events in one body (at most "
			    "%d)", cnt, WH_MAX_EVENTS);
			goto fail;
		}
		evs = xcalloc(cnt > 0 ? cnt : 1, sizeof *evs);
		for (i = 0; i < cnt; i++) {
			if (!elems[i].object) {
				snprintf(err, errlen, "event %zu is not an "
				    "object", i);
				goto fail;
			}
			/* Each event of an array is journaled as received. */
			if (parse_one(elems[i].vals, xstrndup(elems[i].s,
			    elems[i].len), &evs[n], why, sizeof why) == -1) {
				n++;
				snprintf(err, errlen, "event %zu: %s", i, why);
				goto fail;
			}
			n++;
		}
	} else {
		snprintf(err, errlen, "body is neither an object nor an array");
		goto fail;
	}
	free(elems);
	free(mended);
	*out = evs;
	*nout = n;
	return 0;
fail:
	free(elems);
	free(mended);
	webhook_events_free(evs, n);
	return -1;
}
