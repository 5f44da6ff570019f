#include "config.h"
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/datadir.h"
#include "base/utf8.h"
#include "core/augment.h"

static const char *const help[] = {
	"Augment: new training samples for rare classes, previewed",
	"  j k       choose a method;  x or Enter turns it on or off",
	"  + -       its strength up or down",
	"  [ ]       fewer or more variants per method",
	"  space     regenerate the variants (the next seed)",
	"  n         the next sample to vary (only training rows of the rarer classes)",
	"  B         count the class balance now (done at once unless the log is large)",
	"The class balance of the training split before and after is below;",
	"lathe augment and lathe train --augment make the same samples.",
	NULL,
};

enum { BALANCE_AT_ONCE = 200000 };  /* rows */

struct variant {
	int method;
	char *text;
};

/* What the screen holds between frames. */
struct tui_augment {
	bool ready;
	struct augment_opts o;
	int cursor;
	size_t sample;                 /* table row being varied */
	struct variant *v;
	size_t nv;
	bool stale, balance_stale, balance_asked;
	char model[1024];
	struct augmenter *a;           /* open while the settings and data stay */
	unsigned long generation;      /* of the data it was opened on */
	char error[1024];
	/* the balance: labels, before and after */
	char **labels;
	size_t *before, *after, nlabels;
};

/* The workbench's state of this screen, made on first use. */
static struct tui_augment *augment_of(struct tui *ui)
{
	if (!ui->augment)
		ui->augment = xcalloc(1, sizeof *ui->augment);
	return ui->augment;
}

static void clear_variants(struct tui_augment *st)
{
	for (size_t i = 0; i < st->nv; i++)
		free(st->v[i].text);
	free(st->v);
	st->v = NULL;
	st->nv = 0;
}

static void clear_balance(struct tui_augment *st)
{
	for (size_t i = 0; i < st->nlabels; i++)
		free(st->labels[i]);
	free(st->labels);
	free(st->before);
	free(st->after);
	st->labels = NULL;
	st->before = st->after = NULL;
	st->nlabels = 0;
}

static void keep_variant(void *ctx, int method, const char *text, const char *label, const double *readings)
{
	struct tui_augment *st = ctx;
	(void)label;
	(void)readings;
	st->v = xrealloc(st->v, (st->nv + 1) * sizeof *st->v);
	st->v[st->nv++] = (struct variant){.method = method, .text = xstrdup(text)};
}

static void setup(struct tui *ui)
{
	struct tui_augment *st = augment_of(ui);
	augment_opts_init(&st->o);
	/* the cheap methods that need nothing more, on at first */
	st->o.methods = (1u << AUG_SYNONYM) | (1u << AUG_SWAP) | (1u << AUG_JITTER);
	snprintf(st->model, sizeof st->model, "%s/ai4i-tiny.safetensors", datadir_find("models"));
	st->o.model = st->model;
	st->o.lua_limit = ui->po.lua_limit;
	st->ready = true;
	st->stale = st->balance_stale = true;
}

static void changed(struct tui_augment *st, bool balance_too)
{
	st->stale = true;
	st->balance_stale |= balance_too;
}

/* The pipeline textualized, as the other screens need it. */
static bool textualized(struct tui *ui)
{
	if (tui_textualize(ui))
		return true;
	if (ui->text_cancelled) {
		tui_attr_on(ui, TUI_ERROR);
		tui_put(3, 1, "textualizing was cancelled: t on the Text screen starts it again", COLS - 2);
		tui_attr_off(ui, TUI_ERROR);
	}
	return false;
}

static void regenerate(struct tui *ui, struct augmenter *a)
{
	struct tui_augment *st = augment_of(ui);
	clear_variants(st);
	struct err e;
	if (augmenter_variants(a, st->sample, keep_variant, st, &e))
		tui_say(ui, true, "%s", e.msg);
}

/* The first eligible row at or after `from` (wrapping), or false. */
static bool pick_sample(struct tui_augment *st, struct augmenter *a, size_t n, size_t from)
{
	for (size_t k = 0; k < n; k++) {
		size_t r = (from + k) % n;
		if (augmenter_eligible(a, r)) {
			st->sample = r;
			return true;
		}
	}
	return false;
}

/* The balance comes from a real run on a fresh copy of the data, so it
 * is what lathe augment would print. */
static void balance(struct tui *ui)
{
	struct tui_augment *st = augment_of(ui);
	clear_balance(st);
	struct err e;
	struct pipeline p;
	size_t added[AUG_METHODS];
	if (pipeline_open(&p, &ui->po, &e) || pipeline_load(&p, ui->data_path, &e) || pipeline_clean(&p, &e) ||
	    pipeline_textualize(&p, &e) || augment_pipeline(&p, &st->o, added, &e)) {
		tui_say(ui, true, "%s", e.msg);
		pipeline_close(&p);
		return;
	}
	struct table_groups g;
	table_groups_by(p.t, p.label_col, &g);
	st->labels = xcalloc(g.n + 1, sizeof *st->labels);
	st->before = xcalloc(g.n + 1, sizeof *st->before);
	st->after = xcalloc(g.n + 1, sizeof *st->after);
	char buf[256];
	for (size_t k = 0; k < g.n; k++) {
		st->labels[k] = xstrdup(pipeline_label(&p, g.rows[g.start[k]], buf, sizeof buf));
		for (size_t i = g.start[k]; i < g.start[k + 1]; i++) {
			size_t r = g.rows[i];
			if (p.part[r] != SPLIT_TRAIN)
				continue;
			st->after[k]++;
			st->before[k] += !p.method || !p.method[r];
		}
	}
	st->nlabels = g.n;
	table_groups_free(&g);
	pipeline_close(&p);
}

static void draw(struct tui *ui)
{
	struct tui_augment *st = augment_of(ui);
	if (!st->ready)
		setup(ui);
	if (!textualized(ui))
		return;
	struct err e;
	int y = 2;
	char line[1024], buf[256];
	if (st->generation != ui->generation) {
		/* new data: a new sample, a new balance */
		st->generation = ui->generation;
		st->sample = ui->nview ? ui->view[ui->row] : 0;
		changed(st, true);
	}
	if (st->stale) {
		augmenter_close(st->a);
		st->a = NULL;
		st->error[0] = '\0';
		if (augmenter_open(&st->a, &ui->p, &st->o, &e)) {
			snprintf(st->error, sizeof st->error, "%s", e.msg);
			clear_variants(st);
		} else {
			if (!pick_sample(st, st->a, ui->p.t->nrows, st->sample))
				snprintf(st->error, sizeof st->error, "no training row to vary");
			else
				regenerate(ui, st->a);
		}
		st->stale = false;
	}
	if (st->error[0]) {
		tui_attr_on(ui, TUI_ERROR);
		tui_put(LINES - 3, 1, st->error, COLS - 2);
		tui_attr_off(ui, TUI_ERROR);
	}
	/* the methods */
	tui_attr_on(ui, TUI_HEADER);
	tui_put(y++, 1, "methods (x toggles, + - strength)", 40);
	tui_attr_off(ui, TUI_HEADER);
	for (int m = 0; m < AUG_METHODS; m++) {
		snprintf(line, sizeof line, "[%c] %-10s %5.2f", st->o.methods & (1u << m) ? 'x' : ' ', augment_method_name(m),
		         augment_strength(&st->o, m));
		if (m == st->cursor)
			tui_attr_on(ui, TUI_CURSOR);
		tui_put(y + m, 1, line, 24);
		if (m == st->cursor)
			tui_attr_off(ui, TUI_CURSOR);
	}
	snprintf(line, sizeof line, "%d variant%s per method, seed %llu", st->o.n, st->o.n == 1 ? "" : "s",
	         (unsigned long long)st->o.seed);
	tui_put(y + AUG_METHODS + 1, 1, line, 40);
	/* the balance, beside the methods: at once for a log of ordinary
	 * size, on B for a large one, as it runs the whole augmentation */
	if (st->balance_stale && (ui->p.t->nrows <= BALANCE_AT_ONCE || st->balance_asked)) {
		balance(ui);
		st->balance_stale = false;
		st->balance_asked = false;
	}
	int bx = 44, by = 3;
	if (COLS > bx + 30) {
		tui_attr_on(ui, TUI_HEADER);
		tui_put(2, bx, "class (train)        before    after", COLS - bx - 1);
		tui_attr_off(ui, TUI_HEADER);
		if (st->balance_stale)
			tui_put(by++, bx, "(a large log: B counts them)", COLS - bx - 1);
		/* every class, as far as half the screen goes; the rest counted */
		size_t room = LINES / 2 > by + 2 ? (size_t)(LINES / 2 - by - 1) : 1;
		size_t shown = st->nlabels <= room ? st->nlabels : room - 1;
		for (size_t k = 0; k < shown; k++) {
			tui_put(by, bx, st->labels[k], 18);
			snprintf(line, sizeof line, " %8zu %8zu", st->before[k], st->after[k]);
			tui_put(by++, bx + 18, line, COLS - bx - 19);
		}
		if (shown < st->nlabels) {
			snprintf(line, sizeof line, "(%zu more classes)", st->nlabels - shown);
			tui_put(by++, bx, line, COLS - bx - 1);
		}
		tui_attr_on(ui, TUI_DIM);
		tui_put(by++, bx, ui->p.split_note, COLS - bx - 1);
		tui_attr_off(ui, TUI_DIM);
	}
	/* the sample and its variants, below the methods and the balance */
	y += AUG_METHODS + 3;
	if (y < by + 1)
		y = by + 1;
	if (st->a && !st->error[0]) {
		const char *label = pipeline_label(&ui->p, st->sample, buf, sizeof buf);
		snprintf(line, sizeof line, "data row %lld (%s): %s", (long long)ui->p.t->source_row[st->sample],
		         *label ? label : "no label", ui->p.texts[st->sample]);
		tui_attr_on(ui, TUI_ACCENT);
		tui_put(y++, 1, line, COLS - 2);
		tui_attr_off(ui, TUI_ACCENT);
		for (size_t i = 0; i < st->nv && y < LINES - 1; i++) {
			tui_attr_on(ui, TUI_DIM);
			tui_put(y, 2, augment_method_name(st->v[i].method), 11);
			tui_attr_off(ui, TUI_DIM);
			tui_put(y++, 14, st->v[i].text, COLS - 15);
		}
	}
}

static bool key(struct tui *ui, int ch)
{
	struct tui_augment *st = augment_of(ui);
	if (!st->ready)
		setup(ui);
	double s = augment_strength(&st->o, st->cursor);
	double step = st->cursor == AUG_JITTER || st->cursor == AUG_LUA ? 0.25 : 0.05, top = step > 0.05 ? 100 : 1;
	switch (ch) {
	case 'j':
	case KEY_DOWN:
		st->cursor = (st->cursor + 1) % AUG_METHODS;
		return true;
	case 'k':
	case KEY_UP:
		st->cursor = (st->cursor + AUG_METHODS - 1) % AUG_METHODS;
		return true;
	case 'x':
	case '\n':
	case KEY_ENTER:
		st->o.methods ^= 1u << st->cursor;
		changed(st, true);
		return true;
	case '+':
	case '=':
		st->o.strength[st->cursor] = s + step > top ? top : s + step;
		changed(st, true);
		return true;
	case '-':
		st->o.strength[st->cursor] = s - step < step ? step : s - step;
		changed(st, true);
		return true;
	case ']':
		st->o.n = st->o.n < 9 ? st->o.n + 1 : 9;
		changed(st, true);
		return true;
	case '[':
		st->o.n = st->o.n > 1 ? st->o.n - 1 : 1;
		changed(st, true);
		return true;
	case ' ':
		st->o.seed++;
		changed(st, true);
		return true;
	case 'B':
		st->balance_asked = true;
		return true;
	case 'n':
		st->sample = st->sample + 1 < ui->p.t->nrows ? st->sample + 1 : 0;
		changed(st, false);
		return true;
	}
	return false;
}

static void close_screen(struct tui *ui)
{
	struct tui_augment *st = ui->augment;
	if (!st)
		return;
	augmenter_close(st->a);
	clear_variants(st);
	clear_balance(st);
	free(st);
	ui->augment = NULL;
}

const struct tui_screen tui_augment_screen = {
	.name = "Augment",
	.hints = "j/k method  x toggle  +/- strength  [/] variants  space regenerate  n next sample",
	.help = help,
	.draw = draw,
	.key = key,
	.close = close_screen,
};
