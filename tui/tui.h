#ifndef TUI_H
#define TUI_H

#include <stddef.h>

#include <jansson.h>
#include <libintl.h>

/*
 * The interface: tui.c runs the loop and routes keys to what has the
 * keyboard (confirmation, help, picker, form, then the view shown); each
 * screen is a struct view in a view_*.c file of its own; widgets (list,
 * form, picker, confirmation, text editor) have files of their own; only
 * screen.c calls ncurses.
 */

/* Messages are English msgids; N_ marks them for extraction only. */
#define _(s)	gettext(s)
#define N_(s)	(s)
/* S in context CTX, for a word whose French depends on what it qualifies
 * ("any" campaign: "toutes"); xgettext -kC_:1c,2. */
#define C_(ctx, s)	tui_pgettext(ctx "\004" s, s)
const char	*tui_pgettext(const char *, const char *);

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
	V_AUDIT,
	V_INBOX,	/* key 0 */
	V_DEVICES,	/* Tab, or d on the dashboard */
	V_NVIEWS
};

/* Key codes from screen_key() (ncurses KEY_* values, kept here). */
#define K_DOWN		0402
#define K_UP		0403
#define K_LEFT		0404
#define K_RIGHT		0405
#define K_HOME		0406
#define K_BACKSPACE	0407
#define K_F(n)		(0410 + (n))
#define K_DC		0512
#define K_NPAGE		0522
#define K_PPAGE		0523
#define K_BTAB		0541
#define K_END		0550
#define K_ENTER		0527
#define K_RESIZE	0632
/* A function key as one int: key handlers get KEY_FN | code. */
#define KEY_FN		0x40000000

#ifndef CTRL
#define CTRL(c)		((c) & 0x1f)
#endif
#define ESC		27

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
	COL_COLOR,	/* a category's name in its colour */
	COL_TIME,	/* unix time as a local date and time */
	COL_BOOL,	/* yes / no */
	COL_COMMAND,	/* a protocol command, said in words */
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
	json_t			*marks;		/* ids marked, as keys; or NULL */
	size_t			 base;
	json_int_t		 total;
	int			 capped;	/* total is a lower bound */
	size_t			 sel;
	size_t			 top;
	size_t			 want;		/* page wanted on screen */
	int			 y;		/* its header's line */
	unsigned		 gen;		/* drops stale replies */
	int			 loading;
	int			 loaded;
	int			 unavailable;	/* the daemon lacks cmd */
	char			 error[256];
};

#define F_REQUIRED	0x01
#define F_SECRET	0x02
#define F_INT		0x04
#define F_PICK		0x10	/* chosen in a picker (see pick) */
#define F_TEXT		0x20	/* a text area: Enter breaks the line */

/* What a picker offers. */
enum pick_kind {
	PICK_CATEGORIES,	/* several categories */
	PICK_CATEGORY,		/* one category */
	PICK_CAMPAIGN,		/* one campaign */
	PICK_ROLE,		/* one role */
	PICK_ACTIVE,		/* enabled or disabled */
	PICK_COLOR,		/* a category's colour */
	PICK_TEMPLATE,		/* a template, whose text fills Message 1 */
};

#define FIELD_MAX	4096

struct tui;
struct tui_field {
	const char	*label;		/* msgid */
	const char	*key;
	int		 flags;
	enum pick_kind	 pick;
	char		 value[FIELD_MAX];	/* F_PICK: the ids, "2, 5" */
	size_t		 cur;		/* the cursor, a byte offset */
	char		 shown[1024];	/* F_PICK: their names and counts */
};

#define FORM_FIELDS	8

struct tui_form {
	int		 active;
	const char	*title;		/* msgid */
	struct tui_field f[FORM_FIELDS];
	int		 n;
	int		 cur;
	json_int_t	 target;	/* the object edited, 0 for a new one */
	char		 error[1024];	/* shown whole, over several lines */
	int		 preview;	/* shows t->preview below the fields */
	void		(*submit)(struct tui *, struct tui_form *);
};

/*
 * A list to choose from: categories, campaigns (from the daemon), roles
 * (fixed). Items are {id, name, count?, color?}. MULTI: Space toggles ids
 * into CHOSEN; otherwise Enter chooses one and closes.
 */
struct tui_picker {
	int		 active;
	int		 multi;
	enum pick_kind	 kind;
	const char	*title;		/* msgid */
	json_t		*items;
	json_t		*chosen;	/* ids */
	size_t		 sel;
	size_t		 top;
	int		 loading;
	unsigned	 gen;
	char		 error[256];
	struct tui_field *field;	/* in t->form, or NULL */
	/* Without a field: called with the chosen item (NULL: "any"). */
	void		(*done)(struct tui *, json_t *);
	int		 any;		/* offers "any" first */
};

/* A yes/no question, or (CHOOSE set) one answered by a key of CHOICES. */
struct tui_confirm {
	int		 active;
	char		 text[1024];
	json_int_t	 target;
	void		(*yes)(struct tui *, json_int_t);
	const char	*choices;	/* keys CHOOSE takes, e.g. "sf" */
	const char	*hint;		/* msgid of the keys line, or NULL */
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
	int		 quit;
	char		 flash[512];		/* last message for the status line */
	int		 flash_err;

	json_t		*stats;			/* monitoring.stats */
	json_t		*history;		/* monitoring.capacity history */
	json_t		*vstats;		/* verify.stats */
	json_t		*vjob;			/* last verify.progress event */
	int		 stats_unavailable;

	struct tui_list	 lists[V_NVIEWS];	/* per view, cmd NULL if none */
	char		 search[256];		/* contacts search text */
	char		 search_cat[32];	/* contacts category filter */
	char		 search_cat_name[128];
	int		 verified_filter;	/* 0 any, 1 yes, 2 no, 3 unknown */
	int		 optout_filter;		/* 0 any, 1 opted out, 2 not */
	int		 status_filter;		/* messages: index in a table */
	char		 msg_campaign[128];	/* messages: campaign's name */
	int		 inbox_unread;		/* replies since the inbox was shown */

	json_t		*campaign;		/* detail view, or NULL */
	json_int_t	 campaign_id;
	json_t		*contact;		/* contact detail, or NULL */
	json_int_t	 contact_id;
	int		 contact_top;		/* first history line shown */

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

struct tui_key {
	const char	*key;
	const char	*what;			/* msgid */
};

/*
 * A screen. KEY gets a character or KEY_FN | a function key and returns 1
 * when it used it; EVENT gets daemon events and returns 1 when it dealt
 * with one (else what is shown is refreshed); ENTER asks the daemon for
 * what it shows; BACK leaves a detail and returns 1, 0 when at the top.
 */
struct view {
	const char		*name;		/* msgid */
	const struct tui_key	*keys;
	const char		*list_cmd;	/* NULL: no list */
	const struct tui_col	*cols;
	int			 list_y;	/* the list's header line */
	void	(*enter)(struct tui *);
	void	(*draw)(struct tui *);
	int	(*key)(struct tui *, int);
	int	(*event)(struct tui *, const char *, json_t *);
	int	(*back)(struct tui *);
	/* The list's selection shown (not a detail over it). */
	int	(*list_shown)(struct tui *);
	/* The keys of its detail screen, when the list is not shown. */
	const struct tui_key	*detail_keys;
	const char		*detail_name;	/* msgid */
};

extern const struct view view_dashboard, view_contacts, view_import,
	    view_categories, view_campaigns, view_messages, view_users,
	    view_stats, view_audit, view_inbox, view_devices;

/* tui.c: the loop, replies, modal routing. */
extern struct tui	 T;
void		 tui_dirty(void);
void		 tui_flash(struct tui *, int, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
/* Refresh what is shown soon (after an action). */
void		 tui_refresh_soon(void);
void		 tui_refresh(struct tui *);
void		 tui_switch(struct tui *, int);
/* The daemon does not know the command (another branch, older daemon). */
int		 tui_err_unknown(json_t *);
const char	*tui_err_msg(json_t *);
const char	*tui_done_text(const char *);
const char	*tui_cmd_text(const char *);
const char	*tui_err_code(json_t *);
/* Send CMD; the reply only flashes "done" or the error, then refreshes. */
void		 tui_action(struct tui *, const char *, json_t *);
/* conn_call on the interface's connection; says so when disconnected. */
int		 tui_call(struct tui *, const char *, json_t *,
		    void (*)(json_t *, json_t *, void *), void *);
void		 tui_quit(struct tui *, json_int_t);
const char	*tui_status_name(const char *);
const char	*tui_level_name(const char *);
void		 tui_preview_schedule(struct tui *);

/* Helpers on rows. */
const char	*row_str(json_t *, const char *);
const char	*row_sn(json_t *, const char *);
json_int_t	 row_num(json_t *, const char *);
json_int_t	 row_id(json_t *);
void		 set_str(json_t *, const char *, const char *);

/* list.c */
void		 list_reset(struct tui_list *);
void		 list_reload(struct tui *, struct tui_list *);
void		 list_refresh(struct tui *, struct tui_list *);
json_t		*list_selected(struct tui_list *);
void		 list_move(struct tui *, struct tui_list *, long, int);
/* Moves for the list keys; 1 when KEY was one. */
int		 list_key(struct tui *, struct tui_list *, int);
void		 list_draw(struct tui *, struct tui_list *, const char *);
void		 list_mark(struct tui_list *, json_int_t);
size_t		 list_nmarked(struct tui_list *);
json_t		*list_marked_ids(struct tui_list *);
void		 list_unmark_all(struct tui_list *);

/* form.c */
void		 form_open(struct tui *, const char *,
		    void (*)(struct tui *, struct tui_form *), json_int_t);
struct tui_field *form_add(struct tui_form *, const char *, const char *,
		    int, const char *);
struct tui_field *form_add_pick(struct tui_form *, const char *,
		    const char *, int, enum pick_kind, const char *,
		    const char *);
const char	*form_get(struct tui_form *, const char *);
void		 form_set(struct tui_form *, const char *, const char *);
json_t		*form_list(const char *);
void		 form_call(struct tui *, const char *, json_t *);
void		 form_key(struct tui *, int);
void		 form_draw(struct tui *);

/* editor.c: the text area and $EDITOR. */
void		 editor_insert(struct tui_field *, const char *, size_t);
void		 editor_backspace(struct tui_field *);
void		 editor_delete(struct tui_field *);
/* Move the cursor for KEY; 0 when Up or Down leave the text. */
int		 editor_move(struct tui_field *, int);
/* Open $VISUAL/$EDITOR on the field's text; 0 when read back. */
int		 editor_external(struct tui *, struct tui_field *);
/* Draw the field in H rows around its cursor; returns where it is. */
void		 editor_draw(struct tui_field *, int, int, int, int, int,
		    int *, int *);

/* picker.c */
void		 picker_open_field(struct tui *, struct tui_field *);
void		 picker_open(struct tui *, enum pick_kind, const char *, int,
		    void (*)(struct tui *, json_t *));
void		 picker_key(struct tui *, int);
void		 picker_draw(struct tui *);

/* confirm.c */
void		 confirm(struct tui *, void (*)(struct tui *, json_int_t),
		    json_int_t, const char *, ...)
		    __attribute__((__format__(__printf__, 4, 5)));
void		 choose(struct tui *, void (*)(struct tui *, json_int_t, int),
		    const char *, const char *, json_int_t, const char *, ...)
		    __attribute__((__format__(__printf__, 6, 7)));
void		 confirm_key(struct tui *, int);
void		 confirm_draw(struct tui *);

/* view_contact.c: one contact's screen, over the contacts list. */
extern const struct tui_key contact_keys[];
void		 contact_open(struct tui *, json_int_t);
void		 contact_close(struct tui *);
void		 contact_fetch(struct tui *);
int		 contact_key(struct tui *, int);
void		 contact_draw(struct tui *);
/* view_contacts.c */
void		 contact_edit(struct tui *, json_t *);
void		 contacts_to_category(struct tui *);

/* Drawing attributes for screen.c's primitives. */
#define S_BOLD		0x001
#define S_REV		0x002
#define S_DIM		0x004
#define S_UNDER		0x008
#define S_REVNC		0x010	/* reverse when there is no colour */
#define S_COLOR(c)	((c) << 8)
enum {
	SC_NONE,
	SC_GREEN,
	SC_YELLOW,
	SC_RED,
	SC_CYAN,
	SC_BAR,
	SC_BLUE,
	SC_MAGENTA,
};
#define S_OK		S_COLOR(SC_GREEN)
#define S_WARN		S_COLOR(SC_YELLOW)
#define S_BAD		S_COLOR(SC_RED)
#define S_HEAD		S_COLOR(SC_CYAN)
#define S_BAR		S_COLOR(SC_BAR)

/* screen.c: the one module that calls ncurses. */
int	 screen_init(void);
void	 screen_end(void);
void	 screen_resize(void);
/* Next key (wide char or KEY_*), -1 when none is waiting. */
int	 screen_key(int *);
int	 screen_cols(void);
int	 screen_lines(void);
int	 screen_utf8(void);
void	 screen_begin(void);
void	 screen_cursor(int, int);
void	 screen_flush(void);
/* Leave the terminal to another program, and take it back. */
void	 screen_suspend(void);
void	 screen_resume(void);
int	 screen_put(int, int, int, const char *, int, int);
int	 screen_putf(int, int, int, int, const char *, ...)
	    __attribute__((__format__(__printf__, 5, 6)));
void	 screen_bar(int, int, int, json_int_t, json_int_t, int);
void	 screen_panel(int, int, int, int, const char *);
/* The attribute of a colour name (red, green, ...), 0 for none. */
int	 screen_color(const char *);

/* Shared drawing helpers (draw.c). */
const char	*draw_ago(char *, size_t, json_t *);
const char	*draw_time(char *, size_t, json_t *);
void		 draw_pct(char *, size_t, json_int_t, json_int_t);
int		 draw_level(const char *);

int	 tui_main(int, char **);

#endif
