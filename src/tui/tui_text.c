#include "config.h"
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/utf8.h"
#include "prep/textualize.h"
#include "prep/wordpiece.h"
#include "base/strbuf.h"
#include "hooks/rules.h"

static const char *const help[] = {
	"Text: how a row becomes text",
	"  n p        the next or previous row of the grid (the Data screen's cursor)",
	"  j k        choose a fact",
	"  e          edit the chosen fact's thresholds: four numbers a,b,c,d",
	"  w          switch the wording pack (en, zh)",
	"  b          switch the binning (quantile, z-score)",
	"  t          textualize again after Esc cancelled it",
	"Each fact shows the cell it came from and, for numbers, the level and the",
	"cuts that chose it; the text and its WordPiece tokens follow, and the",
	"label distribution. Edits textualize every row again at once.",
	NULL,
};

struct tui_text {
	unsigned long generation;
	int fact;
	struct wordpiece *wp;          /* learned on the training texts, as train would */
	char error[1024];
	char **labels;                 /* the label distribution, counted once per load */
	size_t *counts, nlabels;
};

/* The workbench's state of this screen, made on first use. */
static struct tui_text *text_of(struct tui *ui)
{
	if (!ui->text)
		ui->text = xcalloc(1, sizeof *ui->text);
	return ui->text;
}

static void forget_labels(struct tui_text *tx)
{
	for (size_t k = 0; k < tx->nlabels; k++)
		free(tx->labels[k]);
	free(tx->labels);
	free(tx->counts);
	tx->labels = NULL;
	tx->counts = NULL;
	tx->nlabels = 0;
}

static void count_labels(struct tui_text *tx, const struct pipeline *p)
{
	forget_labels(tx);
	if (p->label_col < 0)
		return;
	struct table_groups g;
	table_groups_by(p->t, p->label_col, &g);
	tx->labels = xcalloc(g.n + 1, sizeof *tx->labels);
	tx->counts = xcalloc(g.n + 1, sizeof *tx->counts);
	char buf[256];
	for (size_t k = 0; k < g.n; k++) {
		tx->labels[k] = xstrdup(pipeline_label(p, g.rows[g.start[k]], buf, sizeof buf));
		tx->counts[k] = g.start[k + 1] - g.start[k];
	}
	tx->nlabels = g.n;
	table_groups_free(&g);
}

/* The texts (textualized once, in the background) and a vocabulary. */
static bool ready(struct tui *ui)
{
	struct tui_text *tx = text_of(ui);
	/* once per load: done, or failed with its message kept */
	if (tx->generation == ui->generation)
		return tx->wp && ui->p.texts;
	tx->generation = ui->generation;
	count_labels(tx, &ui->p);
	wordpiece_free(tx->wp);
	tx->wp = NULL;
	tx->error[0] = '\0';
	if (ui->p.samples || !tui_textualize(ui)) {
		snprintf(tx->error, sizeof tx->error, "%s",
		         ui->p.samples ? "textualized samples: no textualizer to inspect"
		         : ui->text_cancelled ? "textualizing was cancelled: t starts it again"
		                              : ui->status);
		return false;
	}
	/* A vocabulary as train learns it; on a large log from the first
	 * training texts only, which is plenty to show how words split. */
	enum { VOCAB_TEXTS = 20000 };
	struct err e;
	size_t n = 0;
	const char **train = xmalloc((ui->p.t->nrows + 1) * sizeof *train);
	for (size_t r = 0; r < ui->p.t->nrows && n < VOCAB_TEXTS; r++)
		if (ui->p.part[r] == SPLIT_TRAIN)
			train[n++] = ui->p.texts[r];
	tx->wp = wordpiece_train(train, n, 1000, &e);
	free(train);
	if (!tx->wp)
		snprintf(tx->error, sizeof tx->error, "%s", e.msg);
	return tx->wp != NULL;
}

static void draw(struct tui *ui)
{
	struct tui_text *tx = text_of(ui);
	ready(ui);
	const struct pipeline *p = &ui->p;
	int y = 2;
	char line[2048];
	if (tx->error[0] || !p->tz || !p->texts) {
		tui_attr_on(ui, TUI_ERROR);
		tui_put(y, 1, tx->error[0] ? tx->error : "no texts yet", COLS - 2);
		tui_attr_off(ui, TUI_ERROR);
		return;
	}
	if (ui->nview == 0)
		return;
	size_t r = ui->view[ui->row];
	size_t nf = textualize_nfacts(p->tz);
	struct fact_explain *fx = xcalloc(nf + 1, sizeof *fx);
	textualize_explain(p->tz, p->t, r, fx);
	if (tx->fact >= (int)nf)
		tx->fact = nf ? (int)nf - 1 : 0;
	snprintf(line, sizeof line, "data row %lld in %s  (wording %s, binning %s; %s)", (long long)p->t->source_row[r],
	         split_part_name(p->part[r]), p->text.lang, p->text.binning == TEXT_BIN_ZSCORE ? "z-score" : "quantile",
	         p->split_note);
	tui_attr_on(ui, TUI_HEADER);
	tui_put(y++, 1, line, COLS - 2);
	tui_attr_off(ui, TUI_HEADER);
	/* each cell padded by its width on screen, so wide characters align */
	static const int at[] = {1, 28, 41, 64};
	const char *head[] = {"column", "cell", "words", "why"};
	tui_attr_on(ui, TUI_DIM);
	for (int c = 0; c < 4; c++)
		tui_put(y, at[c], head[c], c < 3 ? at[c + 1] - at[c] - 1 : COLS - 1 - at[c]);
	y++;
	tui_attr_off(ui, TUI_DIM);
	for (size_t i = 0; i < nf && y < LINES / 2; i++) {
		const char *cell[] = {fx[i].column, fx[i].value, fx[i].name, fx[i].why};
		if ((int)i == tx->fact)
			tui_attr_on(ui, TUI_CURSOR);
		for (int c = 0; c < 4; c++) {
			tui_put(y, at[c], cell[c], c < 3 ? at[c + 1] - at[c] - 1 : COLS - 1 - at[c]);
			if (c < 3)
				addch(' ');
		}
		y++;
		if ((int)i == tx->fact)
			tui_attr_off(ui, TUI_CURSOR);
	}
	free(fx);
	y++;
	tui_attr_on(ui, TUI_HEADER);
	tui_put(y++, 1, "text", 10);
	tui_attr_off(ui, TUI_HEADER);
	tui_attr_on(ui, TUI_ACCENT);
	tui_put(y++, 3, p->texts[r], COLS - 4);
	tui_attr_off(ui, TUI_ACCENT);
	if (p->rules && rules_has_textualize(p->rules))
		tui_put(y++, 3, "(the rules script's textualize() may have rewritten it)", COLS - 4);
	if (tx->wp) {
		int32_t ids[512];
		size_t k = wordpiece_encode(tx->wp, p->texts[r], ids, 512);
		struct strbuf b = {0};
		for (size_t i = 0; i < k && i < 512; i++) {
			strbuf_puts(&b, i ? " " : "");
			strbuf_puts(&b, wordpiece_token(tx->wp, ids[i]));
		}
		tui_attr_on(ui, TUI_HEADER);
		snprintf(line, sizeof line, "tokens (%zu)", k + 2);
		tui_put(y++, 1, line, COLS - 2);
		tui_attr_off(ui, TUI_HEADER);
		snprintf(line, sizeof line, "[CLS] %s [SEP]", b.s ? b.s : "");
		tui_put(y++, 3, line, COLS - 4);
		strbuf_free(&b);
	}
	/* the label distribution */
	if (tx->nlabels && y + 2 < LINES - 1) {
		y++;
		tui_attr_on(ui, TUI_HEADER);
		tui_put(y++, 1, "labels", 10);
		tui_attr_off(ui, TUI_HEADER);
		for (size_t k = 0; k < tx->nlabels && y < LINES - 1; k++) {
			double share = (double)tx->counts[k] / (double)p->t->nrows;
			struct strbuf bar = {0};
			strbuf_repeat(&bar, ui->unicode ? "\xE2\x96\x88" : "#", (size_t)(share * 40 + 0.999));
			snprintf(line, sizeof line, "%-18.18s %7zu %5.1f%%  %s", tx->labels[k], tx->counts[k], 100.0 * share,
			         bar.s ? bar.s : "");
			strbuf_free(&bar);
			tui_put(y++, 3, line, COLS - 4);
		}
	}
}

/* A text setting changed: recorded, then the log goes through the data
 * path again with it (as every other screen and a training will see it). */
static void reload(struct tui *ui)
{
	tui_load(ui, ui->data_path, ui->rules_path);
}

/* Fixed thresholds for the chosen fact, as --levels sets them. */
static void edit_cuts(struct tui *ui)
{
	struct tui_text *tx = text_of(ui);
	size_t nf = textualize_nfacts(ui->p.tz);
	struct fact_explain *fx = xcalloc(nf + 1, sizeof *fx);
	textualize_explain(ui->p.tz, ui->p.t, ui->nview ? ui->view[ui->row] : 0, fx);
	struct fact_explain *f = tx->fact < (int)nf ? &fx[tx->fact] : NULL;
	if (!f || !f->numeric) {
		tui_say(ui, true, "only a numeric fact has thresholds");
		free(fx);
		return;
	}
	char spec[1200], line[256], prompt[160];
	size_t at = 0;
	for (int k = 0; k < f->ncuts && at < sizeof line; k++)
		at += (size_t)snprintf(line + at, sizeof line - at, "%s%.6g", k ? "," : "", f->cuts[k]);
	snprintf(prompt, sizeof prompt, "%s thresholds (2, 4 or 6, rising): ", f->column);
	if (tui_prompt(ui, prompt, line, sizeof line)) {
		snprintf(spec, sizeof spec, "%s=%s", f->column, line);
		struct text_column tc;
		struct err e;
		if (textualize_parse_levels(spec, &tc, &e)) {
			tui_say(ui, true, "%s", e.msg);
		} else {
			char what[1300];
			snprintf(what, sizeof what, "levels %s", spec);
			if (!tui_record(ui, what)) {
				free(tc.column);
				free(tc.name);
				free(fx);
				return;
			}
			/* replace an earlier edit of the same column */
			struct pipeline_opts *o = &ui->po;
			size_t i = 0;
			while (i < o->nlevels && strcmp(o->levels[i].column, tc.column) != 0)
				i++;
			if (i == o->nlevels) {
				o->levels = xrealloc(o->levels, (o->nlevels + 1) * sizeof *o->levels);
				o->nlevels++;
			} else {
				free(o->levels[i].column);
				free(o->levels[i].name);
			}
			o->levels[i] = tc;
			reload(ui);
		}
	}
	free(fx);
}

static bool key(struct tui *ui, int ch)
{
	struct tui_text *tx = text_of(ui);
	char what[64];
	switch (ch) {
	case 'n':
		if (ui->row + 1 < ui->nview)
			ui->row++;
		return true;
	case 'p':
		if (ui->row > 0)
			ui->row--;
		return true;
	case 'j':
	case KEY_DOWN:
		tx->fact++;
		return true;
	case 'k':
	case KEY_UP:
		if (tx->fact > 0)
			tx->fact--;
		return true;
	case 'w':
		snprintf(what, sizeof what, "wording %s", strcmp(ui->p.text.lang, "zh") == 0 ? "en" : "zh");
		if (!tui_record(ui, what))
			return true;
		ui->po.lang = strcmp(ui->p.text.lang, "zh") == 0 ? "en" : "zh";
		reload(ui);
		return true;
	case 'b':
		snprintf(what, sizeof what, "binning %s", ui->p.text.binning == TEXT_BIN_ZSCORE ? "quantile" : "zscore");
		if (!tui_record(ui, what))
			return true;
		ui->po.binning = ui->p.text.binning == TEXT_BIN_ZSCORE ? "quantile" : "zscore";
		reload(ui);
		return true;
	case 'e':
		if (ui->p.tz && ui->p.texts)
			edit_cuts(ui);
		return true;
	case 't':
		ui->text_cancelled = false;
		ui->text_failed = 0;
		tx->generation = 0;
		return true;
	}
	return false;
}

static void close_screen(struct tui *ui)
{
	struct tui_text *tx = ui->text;
	if (!tx)
		return;
	wordpiece_free(tx->wp);
	forget_labels(tx);
	free(tx);
	ui->text = NULL;
}

const struct tui_screen tui_text_screen = {
	.name = "Text",
	.hints = "n/p row  j/k fact  e thresholds  w wording  b binning",
	.help = help,
	.draw = draw,
	.key = key,
	.close = close_screen,
};
