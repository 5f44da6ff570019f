#ifndef LATHE_TUI_TUI_H
#define LATHE_TUI_TUI_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include "data/stats.h"
#include "core/pipeline.h"

/* The full-screen workbench: `lathe [FILE]`. One file per screen; this
 * header holds what the screens share. */

/* Opens the workbench on a log (the shipped one when NULL) with the
 * options of the command line (rules, label, reading and text options),
 * which it takes over (*po is left empty), and runs it until the user
 * quits; returns the exit status. */
int tui_run(const char *data, struct pipeline_opts *po);

struct tui;
struct tui_train;
struct tui_text;
struct tui_augment;
struct tui_diagnose;

/* A screen: its name on the tab bar, a line of key hints for the status
 * line, its help text (lines), drawing, its keys (true when taken), and
 * what it frees when the workbench closes (may be NULL). */
struct tui_screen {
	const char *name;
	const char *hints;
	const char *const *help;
	void (*draw)(struct tui *ui);
	bool (*key)(struct tui *ui, int ch);
	void (*close)(struct tui *ui);
	/* Whether work beside the screen has news to show (may be NULL);
	 * asked ten times a second while no key comes. */
	bool (*poll)(struct tui *ui);
	/* Keys type into the screen (F-keys still change screens; Esc then
	 * a key does what it does elsewhere). */
	bool text_input;
};

extern const struct tui_screen tui_data_screen, tui_clean_screen, tui_text_screen, tui_augment_screen,
        tui_train_screen, tui_diagnose_screen;
/* Whether a training runs (quitting then asks first). */
bool tui_training(const struct tui *ui);

/* The settings in ~/.config/lathe/init.lua (tui_settings.c). */
struct tui_config {
	char path[1024];
	char data[1024], rules[1024], model[1024];
	bool has_data, has_rules, has_model;
	bool colors;                   /* false: monochrome */
	bool set[8];                   /* colour pairs given, by role */
	short fg[8], bg[8];
	int keymap[256];               /* a key the user chose -> the default key it stands for */
};

/* Reads the settings; false with why (file and line) when they are bad,
 * the defaults then hold. No file is no error. */
bool tui_read_config(struct tui_config *c, char *why, size_t size);
int tui_map_key(const struct tui_config *c, int ch);

/* The log the screens look at, as a view: the rows shown (a filter's
 * and a sort's result) in the order shown. */
struct tui {
	const char *data_path, *rules_path;
	struct pipeline_opts po;
	struct pipeline p;
	bool loaded;
	struct table *raw;             /* the log as loaded, before cleaning */
	unsigned long generation;      /* counts loads, so screens know their caches are stale */
	char data_buf[1024], rules_buf[1024];
	char label_buf[256];       /* the label column po.label names, owned here */
	struct col_stats *stats;       /* per column of p.t */
	struct tui_common_values {     /* the Data screen's most common values of a text column */
		unsigned long generation;
		size_t col;
		char text[512];
	} common;
	size_t *view, nview;
	char filter[512];              /* "" = every row */
	char find[256];                /* the Data screen's text sought (f, n, N) */
	long plot_col;                 /* the column the Data screen plots, or -1 */
	long sort_col;                 /* -1 = file order */
	bool sort_desc;
	/* the grid's cursor and scroll */
	size_t top, row, left, col;
	int *width;                    /* per column, in terminal cells */
	/* the frame */
	int screen;
	bool color, unicode, quit, help;
	bool escaped;                  /* Esc was pressed on a typing screen */
	bool text_cancelled;           /* textualizing was cancelled: screens wait to be asked again */
	unsigned long text_failed;     /* the generation whose textualizing failed, or 0 */
	int cursor_y, cursor_x;        /* where a screen wants the cursor; -1: hidden */
	/* the session: its data-changing steps (for undo and save-pipeline),
	 * and the last training's options as a Lua table */
	struct tui_step *steps;
	size_t nsteps;
	struct tui_config config;
	char train_opts[2048];
	char train_output[1024];       /* where the last training saved its model */
	char train_init[1024], train_teacher[1024]; /* its pretrained model and teacher, or "" */
	bool train_pretrain;
	/* each screen's own state, made on first use and freed by its close */
	struct tui_train *train;
	struct tui_text *text;
	struct tui_augment *augment;
	struct tui_diagnose *diagnose;
	char trained_model[1024];      /* the last classifier the Train screen saved */
	unsigned long trained_count;   /* counts them, so Diagnose knows to switch */
	char status[512];
	bool status_error;
};

/* Colour pairs (monochrome terminals get attributes instead). */
enum { TUI_NORMAL, TUI_HEADER, TUI_CURSOR, TUI_TAB, TUI_STATUS, TUI_ERROR, TUI_DIM, TUI_ACCENT };

void tui_attr_on(const struct tui *ui, int role);
void tui_attr_off(const struct tui *ui, int role);
/* Writes s at (y, x) within width terminal cells: cut (with an ellipsis
 * when it does not fit) or padded with spaces. */
void tui_put(int y, int x, const char *s, int width);
/* A message for the status line (errors in the error colour). */
void tui_say(struct tui *ui, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Reads a line at the bottom with a prompt; false when cancelled (Esc).
 * buf holds the initial text. */
bool tui_prompt(struct tui *ui, const char *prompt, char *buf, size_t size);
/* The file name of a path, for short messages. */
const char *tui_base_name(const char *path);
/* A yes-or-no question at the bottom, answered by one key. */
bool tui_confirm(struct tui *ui, const char *question);
/* A plot in braille cells (2x4 dots each; a mark per cell without
 * UTF-8): the area, the x range, the y range, and a log y axis. */
struct tui_plot {
	int x0, y0, w, h;
	double xmin, xmax, ymin, ymax;
	bool log;
};
/* Axes left of and below the area, with tick labels on y (9 cells left of
 * x0 - 1) and the first and last x labels below. */
void tui_plot_axes(const struct tui *ui, const struct tui_plot *pl, const char *xfirst, const char *xlast);
/* Dots of one series in the role's colour. */
void tui_plot_series(const struct tui *ui, const struct tui_plot *pl, const double *xs, const double *ys, size_t n,
                     int role, char mark);
/* A sparkline of counts in width cells (block characters, or ASCII). */
void tui_sparkline(const struct tui *ui, int y, int x, const size_t *counts, int n);

/* Runs work(ctx) in a thread while the status line shows describe's
 * line, ten times a second; Esc sets *cancel, which the work heeds where
 * it can. Keys typed meanwhile wait for the screen. Returns whether Esc
 * was pressed. */
bool tui_background(struct tui *ui, void (*work)(void *ctx), void (*describe)(void *ctx, char *line, size_t size),
                    void *ctx, atomic_int *cancel);
/* Textualizes the log (once; the screens share the texts) in the
 * background; false when it failed (said on the status line) or Esc
 * cancelled it, after which it waits until text_cancelled is cleared. */
bool tui_textualize(struct tui *ui);
/* Loads and cleans a log through a rules script (NULL: none); on an
 * error the workbench keeps what it had and says why. */
bool tui_load(struct tui *ui, const char *data, const char *rules);
/* Records a data-changing step (before making it), for undo and
 * :save-pipeline; undo restores what the last one changed. Both refuse
 * (false, with a message) while a training runs, as it reads them. */
bool tui_record(struct tui *ui, const char *what);
bool tui_undo(struct tui *ui);
/* Drops the step just recorded (its change was refused). */
void tui_forget(struct tui *ui);
void tui_session_free(struct tui *ui);
/* Writes the session as a Lua pipeline that `lathe run` replays. */
int tui_save_pipeline(struct tui *ui, const char *path, struct err *e);
/* Starts training with the Train screen's form (the :train command). */
void tui_train_start(struct tui *ui);
/* Reloads the log through another rules script (path NULL or "": none);
 * on an error the workbench keeps what it had and says why. */
bool tui_load_rules(struct tui *ui, const char *path);
/* Rebuilds the view after a load, filter or sort; false with a message
 * on a bad filter (the view is then unchanged). */
bool tui_data_apply(struct tui *ui, const char *filter);
/* Moves the cursor to a data row (its number in the file). */
bool tui_data_goto(struct tui *ui, long source_row);
/* Sorts the view by a column (-1: file order). */
bool tui_data_sort(struct tui *ui, long col, bool desc);

#endif
