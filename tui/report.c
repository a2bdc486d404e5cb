/*
 * PDF reports (DESIGN §10: campaigns report, monitor --report). One A4
 * page: a title, the totals and rates, a chart of the days, and a table
 * per device (a campaign) or per campaign (a period). Text goes through
 * Pango with the "Sans" family; Cairo subsets and embeds the fonts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <jansson.h>
#include <pango/pangocairo.h>

#include "report.h"
#include "tui.h"

#define PAGE_W	595.0	/* A4 in points */
#define PAGE_H	842.0
#define MARGIN	48.0

struct page {
	cairo_t		*cr;
	double		 y;	/* where the next line goes */
};

static long long
num(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static const char *
str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* Draw TEXT at X, Y in SIZE points; returns its height. ALIGN: 0 left,
 * 1 right (X is then the right edge). */
static double
text_at(cairo_t *cr, double x, double y, const char *text, double size,
    int bold, int align)
{
	PangoLayout		*l;
	PangoFontDescription	*fd;
	int			 w, h;

	l = pango_cairo_create_layout(cr);
	fd = pango_font_description_from_string("Sans");
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, fd);
	pango_layout_set_text(l, text, -1);
	pango_layout_set_width(l, (int)((PAGE_W - 2 * MARGIN) * PANGO_SCALE));
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	pango_layout_get_pixel_size(l, &w, &h);
	cairo_move_to(cr, align == 1 ? x - w : x, y);
	pango_cairo_show_layout(cr, l);
	pango_font_description_free(fd);
	g_object_unref(l);
	return h;
}

static void
line(struct page *p, const char *text, double size, int bold)
{
	p->y += text_at(p->cr, MARGIN, p->y, text, size, bold, 0) + 2;
}

/* A percentage of N over D, or "-" when D is 0. */
static const char *
pct(char *buf, size_t len, long long n, long long d)
{
	if (d <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f %%", 100.0 * (double)n / (double)d);
	return buf;
}

/*
 * A table of ROWS (objects): a header row, then per row the string KEYS[0]
 * (EMPTY when it is "") left-aligned and the integers KEYS[1..] right-
 * aligned to their columns' edges. Rows past the page's end become "…".
 */
static void
table(struct page *p, const char *const *hdr, const char *const *keys,
    int ncol, json_t *rows, const char *empty)
{
	double		 colw = (PAGE_W - 2 * MARGIN) / (ncol + 1), x;
	const char	*t;
	char		 buf[32];
	json_t		*row;
	long		 r, nrow = (long)json_array_size(rows);
	int		 c;

	for (r = -1; r < nrow; r++) {
		row = json_array_get(rows, (size_t)(r < 0 ? 0 : r));
		for (c = 0; c < ncol; c++) {
			if (r < 0)
				t = hdr[c];
			else if (c == 0)
				t = *str(row, keys[0]) != '\0' ?
				    str(row, keys[0]) : empty;
			else {
				snprintf(buf, sizeof buf, "%lld",
				    num(row, keys[c]));
				t = buf;
			}
			x = c == 0 ? MARGIN : MARGIN + colw * (c + 2);
			text_at(p->cr, x, p->y, t, 9, r < 0, c == 0 ? 0 : 1);
		}
		p->y += 14;
		if (r < 0) {
			cairo_set_line_width(p->cr, 0.5);
			cairo_move_to(p->cr, MARGIN, p->y - 1);
			cairo_line_to(p->cr, PAGE_W - MARGIN, p->y - 1);
			cairo_stroke(p->cr);
		}
		if (p->y > PAGE_H - MARGIN) {
			text_at(p->cr, MARGIN, p->y, "…", 9, 0, 0);
			break;
		}
	}
	p->y += 8;
}

static const double series_rgb[][3] = {
	{ 0.20, 0.40, 0.70 },	/* sent */
	{ 0.30, 0.65, 0.35 },	/* delivered */
	{ 0.95, 0.60, 0.15 },	/* read */
	{ 0.75, 0.20, 0.25 },	/* replies */
};

/*
 * Bars per day for the series named KEYS (up to 4) of DAYS, with a
 * legend, in a box of height H from the current line.
 */
static void
chart(struct page *p, json_t *days, const char *const *keys,
    const char *const *labels, int nkeys, double h)
{
	cairo_t		*cr = p->cr;
	size_t		 n = json_array_size(days), i;
	long long	 max = 1, v;
	double		 x0 = MARGIN + 30, w = PAGE_W - MARGIN - x0, y0, slot,
			 bw, bh, lx;
	char		 buf[32];
	json_t		*d;
	int		 k;

	for (i = 0; i < n; i++)
		for (k = 0; k < nkeys; k++)
			if ((v = num(json_array_get(days, i), keys[k])) > max)
				max = v;
	y0 = p->y + h;	/* the baseline */
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 0.5);
	cairo_move_to(cr, x0, p->y);
	cairo_line_to(cr, x0, y0);
	cairo_line_to(cr, x0 + w, y0);
	cairo_stroke(cr);
	snprintf(buf, sizeof buf, "%lld", max);
	text_at(cr, x0 - 4, p->y - 5, buf, 8, 0, 1);
	text_at(cr, x0 - 4, y0 - 10, "0", 8, 0, 1);
	if (n == 0) {
		text_at(cr, x0 + 10, p->y + h / 2, _("Nothing sent yet."), 10,
		    0, 0);
		p->y = y0 + 30;
		return;
	}
	slot = w / (double)n;
	bw = fmax(0.5, slot * 0.8 / nkeys);
	json_array_foreach(days, i, d) {
		for (k = 0; k < nkeys; k++) {
			bh = h * (double)num(d, keys[k]) / (double)max;
			cairo_set_source_rgb(cr, series_rgb[k][0],
			    series_rgb[k][1], series_rgb[k][2]);
			cairo_rectangle(cr, x0 + slot * i + slot * 0.1 + bw * k,
			    y0 - bh, bw, bh);
			cairo_fill(cr);
		}
		/* Label the first, the last and about ten days between. */
		if (i == 0 || i == n - 1 || (n > 10 && i % (n / 10) == 0) ||
		    n <= 10) {
			cairo_set_source_rgb(cr, 0, 0, 0);
			text_at(cr, x0 + slot * i, y0 + 2,
			    str(d, "day") + 5, 7, 0, 0);
		}
	}
	lx = x0;
	for (k = 0; k < nkeys; k++) {
		cairo_set_source_rgb(cr, series_rgb[k][0], series_rgb[k][1],
		    series_rgb[k][2]);
		cairo_rectangle(cr, lx, y0 + 18, 8, 8);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		text_at(cr, lx + 11, y0 + 16, labels[k], 8, 0, 0);
		lx += 100;
	}
	p->y = y0 + 40;
}

static int
begin(const char *path, cairo_surface_t **sp, struct page *p, char *err,
    size_t errlen)
{
	*sp = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
	if (cairo_surface_status(*sp) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "%s: %s", path, cairo_status_to_string(
		    cairo_surface_status(*sp)));
		cairo_surface_destroy(*sp);
		return -1;
	}
	p->cr = cairo_create(*sp);
	p->y = MARGIN;
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	return 0;
}

static int
finish(const char *path, cairo_surface_t *s, struct page *p, char *err,
    size_t errlen)
{
	cairo_status_t	 st;

	cairo_show_page(p->cr);
	cairo_destroy(p->cr);
	cairo_surface_finish(s);
	st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "%s: %s", path,
		    cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

/* "Label: value" pairs, two columns. */
static void
figures(struct page *p, const char *const *labels, char vals[][32], int n)
{
	int	 i;
	double	 x;

	for (i = 0; i < n; i++) {
		x = MARGIN + (i % 2) * (PAGE_W - 2 * MARGIN) / 2;
		text_at(p->cr, x, p->y, labels[i], 10, 0, 0);
		text_at(p->cr, x + 200, p->y, vals[i], 10, 1, 1);
		if (i % 2 == 1 || i == n - 1)
			p->y += 15;
	}
	p->y += 10;
}

int
report_campaign_pdf(const char *path, json_t *data, char *err, size_t errlen)
{
	cairo_surface_t		*s;
	struct page		 p;
	json_t			*c = json_object_get(data, "campaign");
	json_t			*devs = json_object_get(data, "devices");
	char			 title[512], v[10][32];
	long long		 total = num(c, "total"), sent, replies;
	static const char *const keys[] = { "sent", "delivered", "read",
	    "replies" };
	static const char *const dkeys[] = { "device", "sent", "delivered",
	    "read", "failed" };
	const char		*labels[10], *lk[4], *hdr[5];

	if (!json_is_object(c)) {
		snprintf(err, errlen, "the daemon gave no campaign");
		return -1;
	}
	if (begin(path, &s, &p, err, errlen) == -1)
		return -1;
	sent = num(c, "sent") + num(c, "delivered") + num(c, "read");
	replies = num(data, "replies");
	snprintf(title, sizeof title, _("Campaign report: %s"), str(c, "name"));
	line(&p, title, 18, 1);
	snprintf(title, sizeof title, _("Status: %s · generated %s"),
	    tui_status_name(str(c, "status")), str(data, "generated_at"));
	line(&p, title, 9, 0);
	p.y += 12;
	line(&p, _("Totals"), 13, 1);
	labels[0] = _("Recipients");
	snprintf(v[0], 32, "%lld", total);
	labels[1] = _("Sent");
	snprintf(v[1], 32, "%lld", sent);
	labels[2] = _("Delivered");
	snprintf(v[2], 32, "%lld", num(c, "delivered") + num(c, "read"));
	labels[3] = _("Read");
	snprintf(v[3], 32, "%lld", num(c, "read"));
	labels[4] = _("Failed");
	snprintf(v[4], 32, "%lld", num(c, "failed"));
	labels[5] = _("Replies");
	snprintf(v[5], 32, "%lld", replies);
	labels[6] = _("Opt-outs");
	snprintf(v[6], 32, "%lld", num(data, "optouts"));
	labels[7] = _("Message 2 sent");
	snprintf(v[7], 32, "%lld", num(c, "m2_total"));
	labels[8] = _("Pending");
	snprintf(v[8], 32, "%lld", num(c, "pending") + num(c, "sending"));
	labels[9] = _("Cancelled");
	snprintf(v[9], 32, "%lld", num(c, "cancelled"));
	figures(&p, labels, v, 10);
	line(&p, _("Rates"), 13, 1);
	labels[0] = _("Delivered / sent");
	pct(v[0], 32, num(c, "delivered") + num(c, "read"), sent);
	labels[1] = _("Read / sent");
	pct(v[1], 32, num(c, "read"), sent);
	labels[2] = _("Replies / sent");
	pct(v[2], 32, replies, sent);
	labels[3] = _("Failed / recipients");
	pct(v[3], 32, num(c, "failed"), total);
	figures(&p, labels, v, 4);
	line(&p, _("By day"), 13, 1);
	p.y += 10;
	lk[0] = _("Sent");
	lk[1] = _("Delivered");
	lk[2] = _("Read");
	lk[3] = _("Replies");
	chart(&p, json_object_get(data, "days"), keys, lk, 4, 200);
	line(&p, _("By device"), 13, 1);
	hdr[0] = _("Device");
	hdr[1] = _("Sent");
	hdr[2] = _("Delivered");
	hdr[3] = _("Read");
	hdr[4] = _("Failed");
	table(&p, hdr, dkeys, 5, devs, _("(not sent)"));
	return finish(path, s, &p, err, errlen);
}

/* A period's lanes: what each sent, what failed, reached and was read. */
static void
period_devices(struct page *p, json_t *devs)
{
	const char	*hdr[7];
	static const char *const keys[] = { "device", "sent", "m1", "m2",
	    "failed", "delivered", "read" };

	if (json_array_size(devs) == 0)
		return;
	line(p, _("By device"), 13, 1);
	hdr[0] = _("Device");
	hdr[1] = _("Sent");
	hdr[2] = _("Message 1");
	hdr[3] = _("Message 2");
	hdr[4] = _("Failed");
	hdr[5] = _("Delivered");
	hdr[6] = _("Read");
	table(p, hdr, keys, 7, devs, "");
}

int
report_period_pdf(const char *path, json_t *data, char *err, size_t errlen)
{
	cairo_surface_t		*s;
	struct page		 p;
	json_t			*days = json_object_get(data, "days"), *d;
	json_t			*camps = json_object_get(data, "campaigns");
	char			 title[512], v[8][32];
	long long		 t[6] = { 0 };
	size_t			 i;
	static const char *const keys[] = { "sent", "delivered", "read",
	    "interactions" };
	static const char *const ckeys[] = { "name", "total", "sent", "read",
	    "failed" };
	const char		*labels[8], *lk[4], *hdr[5];

	if (begin(path, &s, &p, err, errlen) == -1)
		return -1;
	json_array_foreach(days, i, d) {
		t[0] += num(d, "sent");
		t[1] += num(d, "m1");
		t[2] += num(d, "m2");
		t[3] += num(d, "delivered");
		t[4] += num(d, "read");
		t[5] += num(d, "interactions");
	}
	snprintf(title, sizeof title, _("Activity report: %s to %s"),
	    str(data, "from"), str(data, "to"));
	line(&p, title, 18, 1);
	snprintf(title, sizeof title, _("Generated %s"),
	    str(data, "generated_at"));
	line(&p, title, 9, 0);
	p.y += 12;
	line(&p, _("Totals"), 13, 1);
	labels[0] = _("Sent");
	snprintf(v[0], 32, "%lld", t[0]);
	labels[1] = _("Message 1");
	snprintf(v[1], 32, "%lld", t[1]);
	labels[2] = _("Message 2");
	snprintf(v[2], 32, "%lld", t[2]);
	labels[3] = _("Delivered");
	snprintf(v[3], 32, "%lld", t[3]);
	labels[4] = _("Read");
	snprintf(v[4], 32, "%lld", t[4]);
	labels[5] = _("Interactions");
	snprintf(v[5], 32, "%lld", t[5]);
	labels[6] = _("Delivered / sent");
	pct(v[6], 32, t[3], t[0]);
	labels[7] = _("Read / sent");
	pct(v[7], 32, t[4], t[0]);
	figures(&p, labels, v, 8);
	line(&p, _("By day"), 13, 1);
	p.y += 10;
	lk[0] = _("Sent");
	lk[1] = _("Delivered");
	lk[2] = _("Read");
	lk[3] = _("Interactions");
	chart(&p, days, keys, lk, 4, 200);
	period_devices(&p, json_object_get(data, "devices"));
	line(&p, _("Campaigns"), 13, 1);
	hdr[0] = _("Campaign");
	hdr[1] = _("Recipients");
	hdr[2] = _("Sent");
	hdr[3] = _("Read");
	hdr[4] = _("Failed");
	table(&p, hdr, ckeys, 5, camps, "");
	return finish(path, s, &p, err, errlen);
}
