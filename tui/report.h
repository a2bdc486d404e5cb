#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>

#include <jansson.h>

/*
 * PDF reports drawn from what the daemon returns: campaigns.report's
 * data (a campaign) or monitoring.report's (a period). Cairo writes the
 * PDF with its fonts embedded; Pango lays out the text, so French accents
 * render, and other scripts do as far as the installed fonts cover them.
 * Returns 0, or -1 with the reason in ERR.
 */
int	report_campaign_pdf(const char *, json_t *, char *, size_t);
int	report_period_pdf(const char *, json_t *, char *, size_t);

#endif
