/*
 * The webhook body parser. A Wassenger event is a JSON object of some
 * eighty keys of which about twenty-five matter; building jansson's tree of
 * all of them cost a third of the listener's time. This is one validating
 * pass over the bytes instead (RFC 8259: grammar, escapes, UTF-8, no NUL),
 * keeping the spans of the keys we read, found through a small static trie;
 * the rest is skipped as it is checked. Duplicate keys: the last one wins,
 * as in jansson.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A scanned value: its type and, for a string, the bytes between quotes. */
struct jval {
	enum jtype	 type;
	int		 esc;		/* the string has escapes */
	const char	*s;
	size_t		 len;
};

/* The values of an event object we read, in the trie's depth-first order. */
enum {
	F_EVENT, F_ID, F_ENTITY, F_ENTITYID, F_ACK,
	F_DATA, F_D_ID, F_D_ACK, F_D_PHONE, F_D_FROMNUMBER, F_D_FROM, F_D_BODY,
	F_D_REACTION, F_D_FAILURE, F_D_FLOW, F_D_FROMME,
	F_D_RM, F_D_RM_ID, F_D_RM_WID,
	F_D_Q, F_D_Q_WID, F_D_Q_ID, F_D_Q_REF,
	F_D_META, F_D_META_GROUP,
	F_D_CHAT, F_D_CHAT_TYPE, F_D_CHAT_CONTACT, F_D_CHAT_CONTACT_PHONE,
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
static const struct jkey k_rm[] = {
	K("id", F_D_RM_ID, F_D_RM_ID + 1, NULL),
	K("wid", F_D_RM_WID, F_D_RM_WID + 1, NULL),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_quoted[] = {
	K("wid", F_D_Q_WID, F_D_Q_WID + 1, NULL),
	K("id", F_D_Q_ID, F_D_Q_ID + 1, NULL),
	K("reference", F_D_Q_REF, F_D_Q_REF + 1, NULL),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_meta[] = {
	K("isGroup", F_D_META_GROUP, F_D_META_GROUP + 1, NULL),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_contact[] = {
	K("phone", F_D_CHAT_CONTACT_PHONE, F_D_CHAT_CONTACT_PHONE + 1, NULL),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_chat[] = {
	K("type", F_D_CHAT_TYPE, F_D_CHAT_TYPE + 1, NULL),
	K("contact", F_D_CHAT_CONTACT, F_D_CHAT_CONTACT_PHONE + 1, k_contact),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_data[] = {
	K("id", F_D_ID, F_D_ID + 1, NULL),
	K("ack", F_D_ACK, F_D_ACK + 1, NULL),
	K("phone", F_D_PHONE, F_D_PHONE + 1, NULL),
	K("fromNumber", F_D_FROMNUMBER, F_D_FROMNUMBER + 1, NULL),
	K("from", F_D_FROM, F_D_FROM + 1, NULL),
	K("body", F_D_BODY, F_D_BODY + 1, NULL),
	K("reaction", F_D_REACTION, F_D_REACTION + 1, NULL),
	K("failureReason", F_D_FAILURE, F_D_FAILURE + 1, NULL),
	K("flow", F_D_FLOW, F_D_FLOW + 1, NULL),
	K("fromMe", F_D_FROMME, F_D_FROMME + 1, NULL),
	K("reactionMessage", F_D_RM, F_D_RM_WID + 1, k_rm),
	K("quoted", F_D_Q, F_D_Q_REF + 1, k_quoted),
	K("meta", F_D_META, F_D_META_GROUP + 1, k_meta),
	K("chat", F_D_CHAT, F_D_CHAT_CONTACT_PHONE + 1, k_chat),
	{ NULL, 0, 0, 0, NULL }
};
static const struct jkey k_event[] = {
	K("event", F_EVENT, F_EVENT + 1, NULL),
	K("id", F_ID, F_ID + 1, NULL),
	K("entity", F_ENTITY, F_ENTITY + 1, NULL),
	K("entityId", F_ENTITYID, F_ENTITYID + 1, NULL),
	K("ack", F_ACK, F_ACK + 1, NULL),
	K("data", F_DATA, F_D_CHAT_CONTACT_PHONE + 1, k_data),
	{ NULL, 0, 0, 0, NULL }
};
#undef K

struct jscan {
	const char	*start;
	const char	*p;
	const char	*end;
	int		 depth;
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
			if ((n = utf8_len(p, end)) == 0)
				return jfail(js, "invalid UTF-8 in a string");
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
		if (cp == 0)
			return jfail(js, "\\u0000 is not allowed");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return jfail(js, "lone low surrogate");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
			    (lo = hex4(p + 8)) < 0xdc00 || lo > 0xdfff)
				return jfail(js, "lone high surrogate");
			p += 6;
		}
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

/* Decode the checked string V into OUT (V->len + 1 bytes); its length. */
static size_t
jdecode(const struct jval *v, char *out)
{
	const unsigned char	*p = (const unsigned char *)v->s;
	const unsigned char	*end = p + v->len;
	char			*o = out;
	long			 cp;

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
			if (cp >= 0xd800 && cp <= 0xdbff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (hex4(p + 8) - 0xdc00);
				p += 6;
			}
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

	if (k->esc) {
		if (k->len >= sizeof buf)
			return NULL;
		len = jdecode(k, buf);
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
		if (scan_number(js) == -1)
			return -1;
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
		ss->next += jdecode(&vals[i], ss->next) + 1;
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

/* The contact's number: fromNumber, else chat.contact.phone, else "N@c.us". */
static void
contact_phone(const struct strs *ss, int legacy, char out[PHONE_MAX])
{
	const char	*cand[2], *reason, *at, *from;
	char		 buf[64];
	size_t		 i, n;

	out[0] = '\0';
	cand[0] = ss->s[legacy ? F_D_PHONE : F_D_FROMNUMBER];
	cand[1] = ss->s[F_D_CHAT_CONTACT_PHONE];
	for (i = 0; i < 2; i++)
		if (cand[i] != NULL && phone_normalize(cand[i], NULL, out,
		    &reason) == 0)
			return;
	if ((from = ss->s[F_D_FROM]) != NULL &&
	    (at = strchr(from, '@')) != NULL &&
	    strcmp(at, "@c.us") == 0 && (n = (size_t)(at - from)) > 0 &&
	    n + 2 < sizeof buf) {
		buf[0] = '+';
		memcpy(buf + 1, from, n);
		buf[n + 1] = '\0';
		if (phone_normalize(buf, NULL, out, &reason) == 0)
			return;
	}
	out[0] = '\0';
}

/* A group, channel or broadcast message: not a contact's reply. */
static int
is_group(const struct strs *ss, const struct jval *vals)
{
	const char	*from = ss->s[F_D_FROM], *ct = ss->s[F_D_CHAT_TYPE];
	const char	*at;

	if (vals[F_D_META_GROUP].type == J_TRUE)
		return 1;
	if (ct != NULL && strcmp(ct, "chat") != 0)
		return 1;
	return from != NULL && (at = strchr(from, '@')) != NULL &&
	    strcmp(at, "@c.us") != 0 && strcmp(at, "@s.whatsapp.net") != 0;
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
 * an ack is a copy of the message we sent (its text, the chat, the
 * device), some 2 KiB that would be a good half of what the WAL writes in
 * a flood of acks.
 */
static char *
compact_event(const struct jval *vals)
{
	char	*out, *end;

	out = xmalloc(compact_size(k_event, vals) + 1);
	end = compact_write(out, k_event, vals);
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
	int		 legacy, data;
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
	contact_phone(&ss, legacy, ev->phone);
	ev->text = (char *)or_empty(ss.s[F_D_BODY]);
	if ((s = ss.s[F_D_REACTION]) == NULL && ev->kind == WH_REACTION)
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
	flow = ss.s[F_D_FLOW];
	ev->inbound = flow != NULL ? strcmp(flow, "inbound") == 0 :
	    vals[F_D_FROMME].type != J_TRUE;
	ev->group = data && is_group(&ss, vals);
	/* An ack without an id keeps its bytes: its dedup key hashes them. */
	if (ev->kind == WH_ACK && id != NULL) {
		free(ev->raw);
		ev->raw = compact_event(vals);
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

int
webhook_parse(const char *body, size_t len, struct wh_event **out,
    size_t *nout, char *err, size_t errlen)
{
	struct jscan	 js;
	struct jval	 vals[F_MAX];
	struct jelem	*elems = NULL;
	struct wh_event	*evs = NULL;
	char		 why[160];
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
	memset(&js, 0, sizeof js);
	js.start = js.p = body;
	js.end = body + len;
	memset(vals, 0, sizeof vals);
	skip_ws(&js);
	kind = js.p < js.end ? *js.p : 0;
	if (kind == '{')
		rc = scan_object(&js, k_event, vals);
	else if (kind == '[')
		rc = scan_events(&js, &elems, &cnt);
	else
		rc = scan_value(&js, NULL, NULL);
	if (rc == 0) {
		skip_ws(&js);
		if (js.p < js.end)
			rc = jfail(&js, "end of input expected");
	}
	if (rc == -1) {
		json_error(&js, err, errlen);
		free(elems);
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
	*out = evs;
	*nout = n;
	return 0;
fail:
	free(elems);
	webhook_events_free(evs, n);
	return -1;
}
