#include "config.h"
#include "tui.h"

#include <curses.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/datadir.h"
#include "base/utf8.h"
#include "base/fileio.h"
#include "io/hf_export.h"
#include "core/learn.h"

/* The screens, in tab order (their number keys follow it). */
static const struct tui_screen *const screens[] = {&tui_data_screen,    &tui_clean_screen, &tui_text_screen,
                                                   &tui_augment_screen, &tui_train_screen, &tui_diagnose_screen};
#define NSCREENS ((int)(sizeof screens / sizeof *screens))

static const char *const global_help[] = {
	"Everywhere",
	"  1-9, F1-F9   go to a screen (Tab: the next one)",
	"  :            command line: load FILE [RULES], rules FILE, label COL, filter EXPR, sort COL, row N,",
	"               save FILE.csv, save-pipeline FILE.lua, export DIR, train, undo, quit",
	"  u            undo the last data-changing step (load, rules, filter, sort, text)",
	"  ?            this help (any key closes it)",
	"  q            quit",
	NULL,
};

/* Ctrl-C and SIGTERM end the loop through this flag, so the terminal is
 * always restored on the way out. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static bool curses_open;

static void restore_terminal(void)
{
	if (curses_open) {
		endwin();
		curses_open = false;
	}
}

void tui_attr_on(const struct tui *ui, int role)
{
	if (ui->color && role != TUI_NORMAL)
		attron(COLOR_PAIR(role));
	if (role == TUI_CURSOR || (!ui->color && (role == TUI_TAB || role == TUI_STATUS)))
		attron(A_REVERSE);
	if (role == TUI_HEADER || role == TUI_ACCENT || (!ui->color && role == TUI_ERROR))
		attron(A_BOLD);
	if (role == TUI_DIM)
		attron(A_DIM);
}

void tui_attr_off(const struct tui *ui, int role)
{
	(void)ui;
	(void)role;
	attrset(A_NORMAL);
}

void tui_put(int y, int x, const char *s, int width)
{
	if (width <= 0)
		return;
	size_t used, n = utf8_prefix(s, (size_t)width, &used);
	if (s[n] && width >= 2) {
		/* cut: leave a cell for the ellipsis */
		n = utf8_prefix(s, (size_t)width - 1, &used);
		mvaddnstr(y, x, s, (int)n);
		addstr(utf8_width("\xE2\x80\xA6") == 1 ? "\xE2\x80\xA6" : "~");
		used++;
	} else {
		mvaddnstr(y, x, s, (int)n);
	}
	for (size_t k = used; k < (size_t)width; k++)
		addch(' ');
}

void tui_say(struct tui *ui, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	va_end(ap);
	ui->status_error = error;
}

void tui_sparkline(const struct tui *ui, int y, int x, const size_t *counts, int n)
{
	static const char *const blocks[] = {" ", "\xE2\x96\x81", "\xE2\x96\x82", "\xE2\x96\x83", "\xE2\x96\x84",
	                                     "\xE2\x96\x85", "\xE2\x96\x86", "\xE2\x96\x87", "\xE2\x96\x88"};
	static const char ascii[] = " .:-=+*#@";
	size_t top = 0;
	for (int i = 0; i < n; i++)
		top = counts[i] > top ? counts[i] : top;
	move(y, x);
	for (int i = 0; i < n; i++) {
		int level = top ? (int)((counts[i] * 8 + top - 1) / top) : 0;
		if (ui->unicode)
			addstr(blocks[level]);
		else
			addch((chtype)ascii[level]);
	}
}

bool tui_prompt(struct tui *ui, const char *prompt, char *buf, size_t size)
{
	int h = LINES;
	size_t len = strlen(buf);
	curs_set(1);
	bool done = false, ok = false;
	while (!done) {
		move(h - 1, 0);
		clrtoeol();
		tui_attr_on(ui, TUI_ACCENT);
		addstr(prompt);
		tui_attr_off(ui, TUI_ACCENT);
		int room = COLS - (int)utf8_width(prompt) - 1;
		/* show the end of a long line */
		const char *shown = buf;
		while (room > 0 && utf8_width(shown) > (size_t)room)
			shown++;
		addstr(shown);
		refresh();
		int ch = getch();
		if (stop_requested) {
			done = true;
		} else if (ch == 27) {
			done = true;
		} else if (ch == '\n' || ch == KEY_ENTER || ch == '\r') {
			done = ok = true;
		} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			/* back over one UTF-8 character */
			while (len > 0 && ((unsigned char)buf[--len] & 0xC0) == 0x80)
				;
			buf[len] = '\0';
		} else if (ch == 21) {  /* Ctrl-U */
			len = 0;
			buf[0] = '\0';
		} else if (ch >= 32 && ch < 256 && len + 1 < size) {
			buf[len++] = (char)ch;
			buf[len] = '\0';
		}
	}
	curs_set(0);
	return ok;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void draw_tabs(struct tui *ui)
{
	move(0, 0);
	tui_attr_on(ui, TUI_TAB);
	for (int x = 0; x < COLS; x++)
		addch(' ');
	mvaddstr(0, 0, " lathe ");
	for (int i = 0; i < NSCREENS; i++) {
		char tab[64];
		snprintf(tab, sizeof tab, " %d %s ", i + 1, screens[i]->name);
		if (i == ui->screen) {
			tui_attr_off(ui, TUI_TAB);
			tui_attr_on(ui, TUI_ACCENT);
			addstr(tab);
			tui_attr_off(ui, TUI_ACCENT);
			tui_attr_on(ui, TUI_TAB);
		} else {
			addstr(tab);
		}
	}
	const char *name = ui->data_path ? base_name(ui->data_path) : "";
	int w = (int)utf8_width(name);
	if (w + 2 < COLS / 2)
		mvaddstr(0, COLS - w - 1, name);
	tui_attr_off(ui, TUI_TAB);
}

static void draw_status(struct tui *ui)
{
	int y = LINES - 1;
	move(y, 0);
	tui_attr_on(ui, ui->status_error ? TUI_ERROR : TUI_STATUS);
	char line[1024];
	if (ui->status[0])
		snprintf(line, sizeof line, " %s", ui->status);
	else
		snprintf(line, sizeof line, " %s  Tab next  : command  ? help  q quit", screens[ui->screen]->hints);
	tui_put(y, 0, line, COLS);
	tui_attr_off(ui, TUI_STATUS);
}

static void draw_help(struct tui *ui)
{
	const char *const *parts[] = {screens[ui->screen]->help, global_help};
	int lines = 0, width = 20;
	for (int k = 0; k < 2; k++)
		for (const char *const *l = parts[k]; *l; l++) {
			lines++;
			width = (int)utf8_width(*l) + 4 > width ? (int)utf8_width(*l) + 4 : width;
		}
	lines += 3;
	width = width > COLS ? COLS : width;
	int h = lines > LINES - 2 ? LINES - 2 : lines, y0 = (LINES - h) / 2, x0 = (COLS - width) / 2, y = y0;
	for (int r = 0; r < h; r++)
		tui_put(y0 + r, x0, "", width);
	tui_attr_on(ui, TUI_ACCENT);
	tui_put(y++, x0, " Help (any key closes)", width);
	tui_attr_off(ui, TUI_ACCENT);
	for (int k = 0; k < 2; k++) {
		y++;
		for (const char *const *l = parts[k]; *l && y < y0 + h; l++) {
			if (l == parts[k])
				tui_attr_on(ui, TUI_HEADER);
			tui_put(y++, x0 + 1, *l, width - 2);
			tui_attr_off(ui, TUI_HEADER);
		}
	}
}

static void draw(struct tui *ui)
{
	erase();
	if (LINES < 10 || COLS < 40) {
		tui_put(0, 0, "lathe needs at least 40x10", COLS);
		refresh();
		return;
	}
	draw_tabs(ui);
	ui->cursor_y = ui->cursor_x = -1;
	screens[ui->screen]->draw(ui);
	draw_status(ui);
	if (ui->help)
		draw_help(ui);
	if (ui->cursor_y >= 0 && !ui->help) {
		move(ui->cursor_y, ui->cursor_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
}

/* A load beside the screen: the work in a thread, the screen showing
 * how far it got and taking Esc to cancel. */
/* The running background work and its thread's entry. */
struct job {
	void (*work)(void *ctx);
	void *ctx;
	atomic_int done;
};

static void *job_thread(void *arg)
{
	struct job *jb = arg;
	jb->work(jb->ctx);
	atomic_store(&jb->done, 1);
	return NULL;
}

bool tui_background(struct tui *ui, void (*work)(void *ctx), void (*describe)(void *ctx, char *line, size_t size),
                    void *ctx, atomic_int *cancel)
{
	struct job jb = {.work = work, .ctx = ctx};
	pthread_t th;
	if (!curses_open || pthread_create(&th, NULL, job_thread, &jb) != 0) {
		work(ctx);
		return false;
	}
	/* keys typed meanwhile wait for the screen */
	int typed[64], ntyped = 0;
	char line[1200];
	while (!atomic_load(&jb.done)) {
		describe(ctx, line, sizeof line);
		tui_attr_on(ui, TUI_STATUS);
		tui_put(LINES - 1, 0, line, COLS);
		tui_attr_off(ui, TUI_STATUS);
		refresh();
		int ch = getch();
		if (ch == 27 || stop_requested)
			atomic_store(cancel, 1);
		else if (ch != ERR && ch != KEY_RESIZE && ntyped < 64)
			typed[ntyped++] = ch;
	}
	pthread_join(th, NULL);
	while (ntyped > 0)
		ungetch(typed[--ntyped]);
	return atomic_load(cancel);
}

struct load_job {
	struct pipeline_opts po;
	const char *path;
	off_t size;
	struct pipeline p;
	struct table *raw;
	struct col_stats *stats;
	struct err e;
	int rc;
	atomic_int cancel, phase;  /* phase 0 reading, 1 cleaning, 2 summing up */
	atomic_size_t bytes;
};

static void load_work(void *ctx)
{
	struct load_job *j = ctx;
	j->rc = -1;
	if (pipeline_open(&j->p, &j->po, &j->e) == 0 && pipeline_load(&j->p, j->path, &j->e) == 0) {
		atomic_store(&j->phase, 1);
		j->raw = table_clone(j->p.t);
		j->rc = pipeline_clean(&j->p, &j->e);
	}
	if (j->rc == 0) {
		/* the column summaries too: a large log takes a while */
		atomic_store(&j->phase, 2);
		j->stats = xcalloc(j->p.t->ncols + 1, sizeof *j->stats);
		for (size_t c = 0; c < j->p.t->ncols && !atomic_load(&j->cancel); c++)
			stats_column(j->p.t, c, &j->stats[c]);
	}
}

static void load_describe(void *ctx, char *line, size_t size)
{
	struct load_job *j = ctx;
	size_t got = atomic_load(&j->bytes);
	int phase = atomic_load(&j->phase);
	if (phase)
		snprintf(line, size, " %s %s...  Esc cancels", phase == 1 ? "cleaning" : "summing up the columns of",
		         j->path);
	else
		snprintf(line, size, " loading %s: %.0f%% of %.1f MB  Esc cancels", j->path,
		         j->size > 0 ? 100.0 * (double)got / (double)j->size : 0.0, (double)j->size / 1e6);
}

/* Loads and cleans a log (the rules script's clean() and label() too);
 * on failure, or Esc, everything stays as it was. */
bool tui_load(struct tui *ui, const char *path, const char *rules)
{
	struct load_job *j = xcalloc(1, sizeof *j);
	j->po = ui->po;
	j->po.rules_path = rules && *rules ? rules : NULL;
	j->po.load.progress = &j->bytes;
	j->po.load.cancel = &j->cancel;
	j->path = path;
	struct stat st;
	j->size = stat(path, &st) == 0 ? st.st_size : 0;
	tui_background(ui, load_work, load_describe, j, &j->cancel);
	bool cancelled = atomic_load(&j->cancel);
	if (j->rc || cancelled) {
		pipeline_close(&j->p);
		table_free(j->raw);
		free(j->stats);
		if (cancelled)
			tui_say(ui, false, "loading %s cancelled%s%s", base_name(path), ui->loaded ? "; still on " : "",
			        ui->loaded ? base_name(ui->data_path) : "");
		else
			tui_say(ui, true, "%s", j->e.msg);
		free(j);
		return false;
	}
	struct pipeline p = j->p;
	struct table *raw = j->raw;
	struct col_stats *stats = j->stats;
	const char *rules_used = j->po.rules_path;
	free(j);
	long keep_row = ui->loaded && ui->nview ? (long)ui->p.t->source_row[ui->view[ui->row]] : -1;
	if (ui->loaded)
		pipeline_close(&ui->p);
	table_free(ui->raw);
	/* the paths live in the workbench, not in the caller's buffers */
	if (path != ui->data_buf)
		snprintf(ui->data_buf, sizeof ui->data_buf, "%s", path);
	if (rules_used && rules_used != ui->rules_buf)
		snprintf(ui->rules_buf, sizeof ui->rules_buf, "%s", rules_used);
	ui->data_path = ui->data_buf;
	ui->rules_path = rules_used ? ui->rules_buf : NULL;
	ui->po.rules_path = ui->rules_path;
	ui->p = p;
	ui->p.o = &ui->po;
	ui->raw = raw;
	ui->loaded = true;
	ui->generation++;
	ui->text_cancelled = false;
	free(ui->stats);
	ui->stats = stats;
	free(ui->width);
	ui->width = NULL;
	ui->sort_col = -1;
	ui->top = ui->row = ui->left = ui->col = 0;
	if (!tui_data_apply(ui, ui->filter))
		tui_data_apply(ui, "");
	if (keep_row >= 0)
		tui_data_goto(ui, keep_row);
	tui_say(ui, false, "%s: %zu rows, %zu columns%s%s", ui->data_path, p.t->nrows, p.t->ncols,
	        ui->rules_path ? ", rules " : "", ui->rules_path ? ui->rules_path : "");
	return true;
}

struct text_job {
	struct tui *ui;
	struct err e;
	int rc;
	atomic_int cancel;
};

static void text_work(void *ctx)
{
	struct text_job *j = ctx;
	j->rc = pipeline_textualize(&j->ui->p, &j->e);
}

static void text_describe(void *ctx, char *line, size_t size)
{
	struct text_job *j = ctx;
	snprintf(line, size, " textualizing %s (%zu rows)...  Esc cancels", base_name(j->ui->data_path), j->ui->p.t->nrows);
}

bool tui_textualize(struct tui *ui)
{
	if (ui->p.texts && (ui->p.tz || ui->p.samples))
		return true;
	if (ui->text_cancelled || ui->text_failed == ui->generation)
		return false;
	struct text_job *j = xcalloc(1, sizeof *j);
	j->ui = ui;
	ui->p.load_opts.cancel = &j->cancel;
	bool cancelled = tui_background(ui, text_work, text_describe, j, &j->cancel);
	ui->p.load_opts.cancel = NULL;
	bool ok = j->rc == 0 && !cancelled;
	if (cancelled) {
		ui->text_cancelled = true;
		tui_say(ui, false, "textualizing cancelled: t on the Text screen starts it again");
	} else if (j->rc) {
		ui->text_failed = ui->generation;  /* not again until the log changes, or t */
		tui_say(ui, true, "%s", j->e.msg);
	}
	free(j);
	return ok;
}

bool tui_load_rules(struct tui *ui, const char *path)
{
	return tui_load(ui, ui->data_path, path);
}

/* The shown rows of the cleaned log, as CSV (:save). */
static void save_view(struct tui *ui, const char *path)
{
	struct err e;
	struct table *t = table_clone(ui->p.t);
	bool *keep = xcalloc(t->nrows + 1, sizeof *keep);
	for (size_t i = 0; i < ui->nview; i++)
		keep[ui->view[i]] = true;
	table_filter(t, keep);
	free(keep);
	struct atomic_file out;
	if (atomic_open(&out, path, &e) || table_write_csv(t, out.fp, &e)) {
		if (out.fp)
			atomic_abort(&out);
		tui_say(ui, true, "%s", e.msg);
	} else if (atomic_commit(&out, &e)) {
		tui_say(ui, true, "%s", e.msg);
	} else {
		tui_say(ui, false, "wrote %zu rows to %s", t->nrows, path);
	}
	table_free(t);
}

/* :export DIR: the last model trained here (else the shipped one) for
 * Hugging Face transformers. */
static void export_model(struct tui *ui, const char *dir)
{
	struct err e;
	struct learner l;
	char shipped[8300];
	const char *model = ui->trained_model[0] ? ui->trained_model : shipped;
	snprintf(shipped, sizeof shipped, "%s/ai4i-tiny.safetensors", datadir_find("models"));
	if (learner_load(model, 1, &l, &e) || hf_export(l.model, &l.mf, dir, &e))
		tui_say(ui, true, "%s", e.msg);
	else
		tui_say(ui, false, "exported %s to %s", model, dir);
	if (l.model)
		learner_free(&l);
}

bool tui_confirm(struct tui *ui, const char *question)
{
	move(LINES - 1, 0);
	clrtoeol();
	tui_attr_on(ui, TUI_ACCENT);
	tui_put(LINES - 1, 0, question, COLS - 1);
	tui_attr_off(ui, TUI_ACCENT);
	refresh();
	int ch;
	while ((ch = getch()) == ERR || ch == KEY_RESIZE)
		if (stop_requested)
			return false;
	return ch == 'y' || ch == 'Y';
}

/* The command line: the names of the batch commands where they apply. */
static void command(struct tui *ui)
{
	char line[1024] = "";
	if (!tui_prompt(ui, ":", line, sizeof line))
		return;
	char *arg = line + strcspn(line, " ");
	if (*arg)
		*arg++ = '\0';
	while (*arg == ' ')
		arg++;
	char what[1200];
	snprintf(what, sizeof what, "%s %s", line, arg);
	if (strcmp(line, "q") == 0 || strcmp(line, "quit") == 0) {
		ui->quit = !tui_training() || tui_confirm(ui, "training runs: stop it (with a checkpoint) and quit? y/n ");
	} else if (strcmp(line, "load") == 0 && *arg) {
		/* :load FILE [RULES.lua]: another log rarely suits the last one's rules */
		char *rules = arg + strcspn(arg, " ");
		if (*rules)
			*rules++ = '\0';
		while (*rules == ' ')
			rules++;
		/* nor its label column: a label belongs to its log */
		const char *label = ui->po.label;
		if (tui_record(ui, what)) {
			ui->po.label = NULL;
			if (!tui_load(ui, arg, *rules ? rules : NULL)) {
				ui->po.label = label;
				tui_forget(ui);
			} else if (label) {
				tui_say(ui, false, "%s: %zu rows, %zu columns; the label %s stayed with the last log (:label sets one)",
				        base_name(ui->data_path), ui->p.t->nrows, ui->p.t->ncols, label);
			}
		}
	} else if (strcmp(line, "rules") == 0) {
		if (tui_record(ui, what) && !tui_load_rules(ui, arg))
			tui_forget(ui);
	} else if (strcmp(line, "label") == 0) {
		/* the label column for Text, Augment and Train ("" : none); a
		 * refused one leaves the last in place */
		char before[sizeof ui->label_buf];
		bool had = ui->po.label != NULL;
		snprintf(before, sizeof before, "%s", had ? ui->po.label : "");
		if (tui_record(ui, what)) {
			snprintf(ui->label_buf, sizeof ui->label_buf, "%s", arg);
			ui->po.label = ui->label_buf[0] ? ui->label_buf : NULL;
			if (!tui_load(ui, ui->data_path, ui->rules_path)) {
				snprintf(ui->label_buf, sizeof ui->label_buf, "%s", before);
				ui->po.label = had ? ui->label_buf : NULL;
				tui_forget(ui);
			}
		}
	} else if (strcmp(line, "filter") == 0) {
		if (tui_record(ui, what) && !tui_data_apply(ui, arg))
			tui_forget(ui);
	} else if (strcmp(line, "row") == 0 && *arg) {
		ui->screen = 0;
		tui_data_goto(ui, strtol(arg, NULL, 10));
	} else if (strcmp(line, "sort") == 0) {
		long c = *arg ? table_find(ui->p.t, arg) : -1;
		if (*arg && c < 0) {
			tui_say(ui, true, ":sort: no column named \"%s\"", arg);
		} else if (tui_record(ui, what)) {
			tui_data_sort(ui, c, false);
		}
	} else if (strcmp(line, "save") == 0 && *arg) {
		save_view(ui, arg);
	} else if (strcmp(line, "save-pipeline") == 0 && *arg) {
		struct err e;
		if (tui_save_pipeline(ui, arg, &e))
			tui_say(ui, true, "%s", e.msg);
		else
			tui_say(ui, false, "wrote %s: lathe run %s replays the session", arg, arg);
	} else if (strcmp(line, "export") == 0 && *arg) {
		export_model(ui, arg);
	} else if (strcmp(line, "train") == 0) {
		ui->screen = 4;
		tui_train_start(ui);
	} else if (strcmp(line, "undo") == 0) {
		tui_undo(ui);
	} else if (line[0]) {
		tui_say(ui, true,
		        ":%s: unknown command (load, rules, label, filter, sort, row, save, save-pipeline, export, train, undo, "
		        "quit)",
		        line);
	}
}

static int screen_key(int ch)
{
	if (ch >= '1' && ch <= '9')
		return ch - '1';
	if (ch >= KEY_F(1) && ch <= KEY_F(9))
		return ch - KEY_F(1);
	return -1;
}

int tui_run(const char *data, struct pipeline_opts *po)
{
	struct tui ui = {.sort_col = -1, .po = *po};
	pipeline_opts_init(po);
	if (ui.po.label) {
		snprintf(ui.label_buf, sizeof ui.label_buf, "%s", ui.po.label);
		ui.po.label = ui.label_buf;
	}
	const char *rules = ui.po.rules_path;
	char why[1024];
	bool config_ok = tui_read_config(&ui.config, why, sizeof why);
	if (!data && ui.config.has_data) {
		data = ui.config.data;
		rules = rules ? rules : ui.config.has_rules ? ui.config.rules : NULL;
	}
	char shipped[8300], ai4i[8300];
	if (!data) {
		snprintf(shipped, sizeof shipped, "%s/ai4i2020.csv", datadir_find("datasets"));
		data = shipped;
		if (!rules) {
			snprintf(ai4i, sizeof ai4i, "%s/ai4i.lua", datadir_find("lua"));
			rules = ai4i;
		}
	}
	setlocale(LC_ALL, "");
	ui.unicode = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (!initscr()) {
		fprintf(stderr, "lathe: cannot start the terminal (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
		pipeline_opts_free(&ui.po);
		return 1;
	}
	curses_open = true;
	atexit(restore_terminal);
	/* Ctrl-C and SIGTERM are caught from the start, so even the first load
	 * (Esc or Ctrl-C cancel it) leaves the terminal clean. */
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* keypad before the first key is read: an arrow key's escape sequence
	 * must not pass for Esc and cancel the first load */
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	timeout(100);
	if (has_colors() && !getenv("NO_COLOR") && ui.config.colors) {
		start_color();
		use_default_colors();
		ui.color = true;
		static const short pairs[][3] = {
			{TUI_HEADER, COLOR_CYAN, -1},         {TUI_CURSOR, COLOR_BLACK, COLOR_CYAN},
			{TUI_TAB, COLOR_BLACK, COLOR_WHITE},  {TUI_STATUS, COLOR_BLACK, COLOR_WHITE},
			{TUI_ERROR, COLOR_WHITE, COLOR_RED},  {TUI_DIM, COLOR_BLUE, -1},
			{TUI_ACCENT, COLOR_YELLOW, -1},
		};
		for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
			short role = pairs[i][0];
			init_pair(role, ui.config.set[role] ? ui.config.fg[role] : pairs[i][1],
			          ui.config.set[role] ? ui.config.bg[role] : pairs[i][2]);
		}
	}
	/* failing, the first load leaves a one-line error on a clean terminal */
	if (!tui_load(&ui, data, rules)) {
		restore_terminal();
		if (!stop_requested)
			fprintf(stderr, "lathe: %s\n", ui.status);
		pipeline_opts_free(&ui.po);
		return stop_requested ? 130 : 1;
	}
	if (!config_ok)
		tui_say(&ui, true, "%s", why);
	bool dirty = true;
	while (!ui.quit && !stop_requested) {
		/* redraw after a key or a resize only: an idle workbench costs nothing */
		if (dirty)
			draw(&ui);
		int ch = getch();
		/* every screen is asked: work beside one (a training) may have
		 * news for another (its model for Diagnose) */
		dirty = ch != ERR;
		for (int i = 0; i < NSCREENS; i++)
			if (screens[i]->poll && screens[i]->poll(&ui) && i == ui.screen)
				dirty = true;
		if (ch == ERR || ch == KEY_RESIZE)
			continue;
		if (ui.help) {
			ui.help = false;
			continue;
		}
		if (ui.status[0] && ch != ':')
			ui.status[0] = '\0';
		const struct tui_screen *on = screens[ui.screen];
		if (on->text_input && !ui.escaped) {
			/* typing: only the F-keys and Esc are the workbench's */
			if (ch == 27)
				ui.escaped = true;
			else if (ch >= KEY_F(1) && ch <= KEY_F(9))
				ui.screen = screen_key(ch) < NSCREENS ? screen_key(ch) : ui.screen;
			else
				on->key(&ui, ch);
			continue;
		}
		ui.escaped = false;
		ch = tui_map_key(&ui.config, ch);
		int to = screen_key(ch);
		if (to >= 0 && to < NSCREENS)
			ui.screen = to;
		else if (ch == '\t')
			ui.screen = (ui.screen + 1) % NSCREENS;
		else if (ch == KEY_BTAB)
			ui.screen = (ui.screen + NSCREENS - 1) % NSCREENS;
		else if (!on->text_input && on->key(&ui, ch))
			;
		else if (ch == '?')
			ui.help = true;
		else if (ch == ':')
			command(&ui);
		else if (ch == 'u')
			tui_undo(&ui);
		else if (ch == 'q')
			ui.quit = !tui_training() || tui_confirm(&ui, "training runs: stop it (with a checkpoint) and quit? y/n ");
	}
	restore_terminal();
	for (int i = 0; i < NSCREENS; i++)
		if (screens[i]->close)
			screens[i]->close(&ui);
	pipeline_close(&ui.p);
	table_free(ui.raw);
	tui_session_free(&ui);
	pipeline_opts_free(&ui.po);
	free(ui.stats);
	free(ui.view);
	free(ui.width);
	ui.stats = NULL, ui.view = NULL, ui.width = NULL;
	return stop_requested ? 130 : 0;
}
