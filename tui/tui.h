#ifndef TUI_H
#define TUI_H

#include <stddef.h>

#include <jansson.h>
#include <libintl.h>

/* Messages are English msgids; N_ marks them for extraction only. */
#define _(s)	gettext(s)
#define N_(s)	(s)

#define TUI_PAGE	100	/* rows asked of the daemon at a time */

enum tui_view {
	V_DASH,
	V_CONTACTS,
	V_IMPORT,
	V_CATEGORIES,
	V_CAMPAIGNS,
	V_MESSAGES,
	V_USERS,
	V_STATS,
	V_NVIEWS
};

enum col_kind {
	COL_TEXT,	/* string from outside */
	COL_INT,
	COL_VERIFIED,	/* null/false/true as a badge */
	COL_FLAG,	/* true shows a marker */
	COL_PROGRESS,	/* campaign progress bar */
	COL_STATUS,	/* translated status word */
	COL_NAME,	/* first_name + last_name */
	COL_OUT,	/* messages gone out: sent + delivered + read */
	COL_REACHED,	/* delivered + read */
	COL_RATE,	/* KEY over the messages gone out, in % */
};

struct tui_col {
	const char	*title;		/* msgid */
	const char	*key;
	int		 width;		/* 0: the rest of the line */
	enum col_kind	 kind;
};

/*
 * A list paged from the daemon. Only two pages are held (ROWS, starting at
 * absolute index BASE); the "after" cursor of each page start is kept so
 * any page seen can be asked for again. Memory stays flat however long.
 */
struct tui_list {
	const char		*cmd;
	const struct tui_col	*cols;
	json_t			*filter;	/* extra arguments */
	json_t			*cursors;	/* cursors[k]: after for page k */
	json_t			*rows;
	size_t			 base;
	json_int_t		 total;
	int			 capped;	/* total is a lower bound */
	size_t			 sel;
	size_t			 top;
	size_t			 want;		/* page wanted on screen */
	unsigned		 gen;		/* drops stale replies */
	int			 loading;
	int			 loaded;
	int			 unavailable;	/* the daemon lacks cmd */
	char			 error[256];
};

#define F_REQUIRED	0x01
#define F_SECRET	0x02
#define F_INT		0x04
#define F_PHONE		0x08
#define F_PICK		0x10	/* categories chosen in the picker */

struct tui;
struct tui_field {
	const char	*label;		/* msgid */
	const char	*key;
	int		 flags;
	char		 value[1024];	/* F_PICK: the ids, "2, 5" */
	char		 shown[1024];	/* F_PICK: their names and counts */
};

struct tui_form {
	int		 active;
	const char	*title;		/* msgid */
	struct tui_field f[6];
	int		 n;
	int		 cur;
	json_int_t	 target;	/* the object edited, 0 for a new one */
	char		 error[256];
	int		 preview;	/* shows t->preview below the fields */
	void		(*submit)(struct tui *, struct tui_form *);
};

/* Categories with their counts, space toggles one into a F_PICK field. */
struct tui_picker {
	int		 active;
	json_t		*items;		/* categories.list items, all pages */
	size_t		 sel;
	size_t		 top;
	int		 loading;
	unsigned	 gen;
	char		 error[256];
	struct tui_field *field;	/* in t->form */
};

/* A yes/no question, or (CHOOSE set) one answered by a key of CHOICES. */
struct tui_confirm {
	int		 active;
	char		 text[512];
	json_int_t	 target;
	void		(*yes)(struct tui *, json_int_t);
	const char	*choices;	/* keys CHOOSE takes, e.g. "sf" */
	void		(*choose)(struct tui *, json_int_t, int);
};

struct tui {
	struct conn	*conn;
	enum tui_view	 view;
	int		 connected;
	int		 authed;		/* logged in (peer or token) */
	int		 need_login;
	int		 super;			/* super_admin */
	char		 user[64];
	char		 provider[32];
	char		 disconnect_why[128];
	int		 help;
	int		 quit_ask;
	int		 quit;
	char		 flash[512];		/* last message for the status line */
	int		 flash_err;

	json_t		*stats;			/* monitoring.stats */
	json_t		*history;		/* monitoring.history items */
	int		 stats_unavailable;

	struct tui_list	 lists[V_NVIEWS];	/* per view, cmd NULL if none */
	char		 search[256];		/* contacts search text */
	char		 search_cat[32];	/* contacts category filter */
	int		 verified_filter;	/* 0 any, 1 yes, 2 no, 3 unknown */
	int		 optout_filter;		/* 0 any, 1 opted out, 2 not */
	int		 status_filter;		/* messages: index in a table */

	json_t		*campaign;		/* detail view, or NULL */
	json_int_t	 campaign_id;

	char		 imp_path[1024];
	char		 imp_category[64];
	char		 imp_country[8];
	char		*imp_preview[6];
	int		 imp_running;
	json_t		*imp_job;		/* last jobs event */
	json_t		*imp_result;
	json_t		*imp_pv;		/* the daemon's preview */
	int		 imp_unavailable;

	struct tui_form	 form;
	struct tui_picker picker;
	json_t		*preview;		/* campaigns.preview reply */
	char		 preview_error[256];
	struct tui_confirm confirm;
};

/* Names and keys, for the drawing module. */
const char	*tui_view_name(enum tui_view);
struct tui_key {
	const char	*key;
	const char	*what;			/* msgid */
};
const struct tui_key *tui_view_keys(enum tui_view);
/* The keys of what has the keyboard now (picker, form or view), and a title. */
const struct tui_key *tui_help_keys(struct tui *, const char **);
/* Is category ID chosen in the picker's field? */
int		 tui_picked(struct tui *, json_int_t);
const char	*tui_status_name(const char *);
const char	*tui_level_name(const char *);
/* Row I (absolute) of a list, NULL when not held. */
json_t		*tui_list_row(struct tui_list *, size_t);
/* The status the messages list is filtered on, NULL for all. */
const char	*tui_status_filter(struct tui *);

/* The one module that calls ncurses. */
int	 screen_init(void);
void	 screen_end(void);
void	 screen_resize(void);
/* Next key (wide char or KEY_*), -1 when none is waiting. */
int	 screen_key(int *);
void	 screen_draw(struct tui *);
/* Rows available for the list body of a view on the current terminal. */
int	 screen_list_rows(enum tui_view);
/* Rows available for the category picker. */
int	 screen_picker_rows(void);

int	 tui_main(int, char **);

#endif
