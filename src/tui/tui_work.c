#include "config.h"
#include "tui.h"

#include <curses.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tui_term.h"

/* The workbench's state changing beside the screen: a load, a rules
 * script, the texts, each as work in a thread while the status line shows
 * how far it got and Esc cancels.
 *
 * The running background work and its thread's entry. */
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
	if (!tui_term_active() || pthread_create(&th, NULL, job_thread, &jb) != 0) {
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
		if (ch == 27 || tui_stopping())
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
			tui_say(ui, false, "loading %s cancelled%s%s", tui_base_name(path), ui->loaded ? "; still on " : "",
			        ui->loaded ? tui_base_name(ui->data_path) : "");
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
	ui->plot_col = -1;
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
	snprintf(line, size, " textualizing %s (%zu rows)...  Esc cancels", tui_base_name(j->ui->data_path), j->ui->p.t->nrows);
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
