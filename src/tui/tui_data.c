#include "config.h"
#include "tui.h"

#include <curses.h>
#include <stdatomic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/utf8.h"
#include "data/numparse.h"
#include "hooks/filter.h"

static const char *const help[] = {
	"Data: the log as a grid",
	"  arrows, h j k l   move the cursor (the header and row numbers stay)",
	"  PgUp PgDn         a page up or down;  Home End: first or last column",
	"  g                 go to a data row (its number in the file);  G: the last row",
	"  s                 sort by the cursor's column; again: descending; again: file order",
	"  /                 filter by a Lua expression: torque > 60 and type == \"L\"",
	"                    (columns as the header names them, by fact name, or row[\"Torque [Nm]\"];",
	"                    empty: every row)",
	"  f                 find a text in the shown cells;  n N: the next or previous match",
	"  p                 plot the cursor's column over time (or over the rows); any key closes",
	"The bottom lines sum up the cursor's column: type, missing, min/mean/max and",
	"a histogram of its values (its most common values for text).",
	NULL,
};

enum { WIDTH_MAX = 28, WIDTH_MIN = 3, SAMPLE_ROWS = 500, SUMMARY_LINES = 2 };

/* A cell as the grid shows it: numbers at display precision (the file
 * and :save keep every digit). */
static const char *grid_text(const struct table *t, size_t c, size_t r, char *buf, size_t size)
{
	if (t->cols[c].type == COL_NUM && !table_is_missing(t, c, r)) {
		table_display_number(t->cols[c].num[r], buf, size);
		return buf;
	}
	return table_cell_text(t, c, r, buf, size);
}

static void measure(struct tui *ui)
{
	const struct table *t = ui->p.t;
	ui->width = xcalloc(t->ncols + 1, sizeof *ui->width);
	char buf[256];
	for (size_t c = 0; c < t->ncols; c++) {
		size_t w = utf8_width(t->cols[c].name);
		if (t->cols[c].type == COL_NUM && ui->stats[c].missing < t->nrows) {
			/* the extremes are often the widest numbers */
			table_display_number(ui->stats[c].min, buf, sizeof buf);
			w = utf8_width(buf) > w ? utf8_width(buf) : w;
			table_display_number(ui->stats[c].max, buf, sizeof buf);
			w = utf8_width(buf) > w ? utf8_width(buf) : w;
		}
		for (size_t r = 0; r < t->nrows && r < SAMPLE_ROWS; r++) {
			size_t k = utf8_width(grid_text(t, c, r, buf, sizeof buf));
			w = k > w ? k : w;
		}
		ui->width[c] = w > WIDTH_MAX ? WIDTH_MAX : w < WIDTH_MIN ? WIDTH_MIN : (int)w;
	}
}

/* ---- the view: filter and sort ---- */

static void sort_view(struct tui *ui)
{
	table_sort_rows(ui->p.t, ui->sort_col, ui->sort_desc, ui->view, ui->nview);
}

/* A filter over the log, in the background: Lua per row is slow on a
 * large log, so it goes in chunks, showing how far it got, and Esc stops
 * it between two. */
struct filter_job {
	const struct table *t;
	struct row_filter *f;
	bool *keep;
	const char *expr;
	size_t failed;               /* rows in chunks where every row failed */
	struct err first;
	bool have_error;
	atomic_size_t done;
	atomic_int cancel;
};

enum { FILTER_CHUNK = 50000 };

static void filter_work(void *ctx)
{
	struct filter_job *j = ctx;
	size_t n = j->t->nrows, *rows = xmalloc(FILTER_CHUNK * sizeof *rows);
	for (size_t at = 0; at < n && !atomic_load(&j->cancel); at += FILTER_CHUNK) {
		size_t k = n - at < FILTER_CHUNK ? n - at : FILTER_CHUNK;
		for (size_t i = 0; i < k; i++)
			rows[i] = at + i;
		struct err e;
		if (row_filter_apply(j->f, j->t, rows, k, j->keep + at, &e) < 0) {
			j->failed += k;
			if (!j->have_error)
				j->first = e, j->have_error = true;
		}
		atomic_store(&j->done, at + k);
	}
	free(rows);
}

static void filter_describe(void *ctx, char *line, size_t size)
{
	struct filter_job *j = ctx;
	snprintf(line, size, " filtering: %zu of %zu rows  (%s)  Esc cancels", atomic_load(&j->done), j->t->nrows,
	         j->expr);
}

bool tui_data_apply(struct tui *ui, const char *expr)
{
	/* expr may be ui->filter itself, which this rewrites */
	char filter[sizeof ui->filter];
	snprintf(filter, sizeof filter, "%s", expr);
	const struct table *t = ui->p.t;
	size_t n = t->nrows, kept = 0;
	size_t *view = xmalloc((n + 1) * sizeof *view);
	if (filter[0]) {
		struct filter_job *j = xcalloc(1, sizeof *j);
		j->t = t;
		j->expr = filter;
		j->keep = xcalloc(n + 1, sizeof *j->keep);
		if (row_filter_new(filter, t, ui->po.lua_limit, &j->f, &j->first)) {
			j->have_error = true;
			j->failed = n;
		} else {
			bool cancelled = tui_background(ui, filter_work, filter_describe, j, &j->cancel);
			row_filter_free(j->f);
			if (cancelled) {
				tui_say(ui, false, "filter cancelled; the view is as it was");
				free(j->keep);
				free(j);
				free(view);
				return false;
			}
		}
		/* an expression that fails on every row is an error */
		if (j->have_error && j->failed >= n) {
			tui_say(ui, true, "%s", j->first.msg);
			free(j->keep);
			free(j);
			free(view);
			return false;
		}
		for (size_t r = 0; r < n; r++)
			if (j->keep[r])
				view[kept++] = r;
		free(j->keep);
		free(j);
	} else {
		for (size_t r = 0; r < n; r++)
			view[kept++] = r;
	}
	free(ui->view);
	ui->view = view;
	ui->nview = kept;
	snprintf(ui->filter, sizeof ui->filter, "%s", filter);
	sort_view(ui);
	ui->top = ui->row = 0;
	if (filter[0])
		tui_say(ui, false, "%zu of %zu rows match %s", kept, n, filter);
	return true;
}

/* ---- drawing ---- */

static int grid_lines(void)
{
	return LINES - 3 - SUMMARY_LINES;  /* tabs, header, summary, status */
}

static int number_width(const struct tui *ui)
{
	char buf[32];
	long long last = ui->p.t->nrows ? (long long)ui->p.t->source_row[ui->p.t->nrows - 1] : 0;
	return snprintf(buf, sizeof buf, "%lld", last > 9999 ? last : 9999) + 1;
}

/* Keeps the cursor on screen: scrolls rows and columns to it. */
static void follow(struct tui *ui)
{
	size_t lines = (size_t)(grid_lines() > 1 ? grid_lines() : 1);
	if (ui->row >= ui->nview && ui->nview)
		ui->row = ui->nview - 1;
	if (ui->row < ui->top)
		ui->top = ui->row;
	if (ui->row >= ui->top + lines)
		ui->top = ui->row - lines + 1;
	if (ui->col < ui->left)
		ui->left = ui->col;
	for (;;) {
		int x = number_width(ui);
		for (size_t c = ui->left; c <= ui->col; c++)
			x += ui->width[c] + 1;
		if (x <= COLS || ui->left == ui->col)
			break;
		ui->left++;
	}
}

static void summary(struct tui *ui, int y)
{
	const struct table *t = ui->p.t;
	size_t c = ui->col;
	const struct col_stats *s = &ui->stats[c];
	char line[512];
	/* the shown rows' figures, as the histogram beside them: a filter
	 * changes both (distinct stays the whole log's) */
	bool filtered = ui->nview < t->nrows;
	size_t missing = s->missing, seen = 0;
	double lo = s->min, hi = s->max, mean = s->mean, sum = 0;
	if (t->cols[c].type == COL_NUM && filtered) {
		missing = 0;
		lo = INFINITY, hi = -INFINITY;
		for (size_t i = 0; i < ui->nview; i++) {
			double v = t->cols[c].num[ui->view[i]];
			if (isnan(v)) {
				missing++;
				continue;
			}
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
			sum += v;
			seen++;
		}
		mean = seen ? sum / (double)seen : NAN;
		if (!seen)
			lo = hi = NAN;
	}
	if (t->cols[c].type == COL_NUM)
		snprintf(line, sizeof line, "%s  number  missing %zu  min %.6g  mean %.6g  max %.6g  distinct %zu%s  ",
		         t->cols[c].name, missing, lo, mean, hi, s->distinct, filtered ? "  (shown rows)" : "");
	else
		snprintf(line, sizeof line, "%s  %s  missing %zu  distinct %zu  ", t->cols[c].name,
		         table_type_name(t->cols[c].type), s->missing, s->distinct);
	tui_attr_on(ui, TUI_HEADER);
	tui_put(y, 0, line, COLS);
	tui_attr_off(ui, TUI_HEADER);
	int x = (int)utf8_width(line);
	if (t->cols[c].type == COL_NUM && hi > lo && x + 10 < COLS) {
		/* a histogram of the shown rows in up to 24 bins */
		int bins = COLS - x - 1 < 24 ? COLS - x - 1 : 24;
		size_t counts[24] = {0};
		for (size_t i = 0; i < ui->nview; i++) {
			double v = t->cols[c].num[ui->view[i]];
			if (isnan(v))
				continue;
			int b = (int)((v - lo) / (hi - lo) * bins);
			counts[b >= bins ? bins - 1 : b < 0 ? 0 : b]++;
		}
		tui_attr_on(ui, TUI_ACCENT);
		tui_sparkline(ui, y, x, counts, bins);
		tui_attr_off(ui, TUI_ACCENT);
	} else if (t->cols[c].type == COL_STR) {
		/* its most common values in the log, counted once per column
		 * and load (a large log takes a moment) */
		struct tui_common_values *most = &ui->common;
		if (most->generation != ui->generation || most->col != c) {
			struct table_groups g;
			table_groups_by(t, (long)c, &g);
			struct {
				size_t n, first;
			} top[3] = {{0, 0}};
			for (size_t k = 0; k < g.n; k++) {
				size_t n = g.start[k + 1] - g.start[k];
				for (int i = 0; i < 3; i++)
					if (n > top[i].n) {
						memmove(&top[i + 1], &top[i], (size_t)(2 - i) * sizeof top[0]);
						top[i].n = n, top[i].first = g.rows[g.start[k]];
						break;
					}
			}
			table_groups_free(&g);
			char buf[128];
			most->text[0] = '\0';
			for (int i = 0; i < 3 && top[i].n; i++) {
				size_t len = strlen(most->text);
				snprintf(most->text + len, sizeof most->text - len, "%s%s %zu", i ? "  " : "",
				         table_cell_text(t, c, top[i].first, buf, sizeof buf), top[i].n);
			}
			most->generation = ui->generation;
			most->col = c;
		}
		tui_put(y, x, most->text, COLS - x);
	}
	char where[700];
	snprintf(where, sizeof where, "row %zu of %zu%s%s%s%s%s", ui->nview ? ui->row + 1 : 0, ui->nview,
	         ui->nview < t->nrows ? " (filtered)" : "", ui->filter[0] ? "  filter: " : "", ui->filter,
	         ui->sort_col >= 0 ? "  sorted by " : "", ui->sort_col >= 0 ? t->cols[ui->sort_col].name : "");
	tui_attr_on(ui, TUI_DIM);
	tui_put(y + 1, 0, where, COLS);
	tui_attr_off(ui, TUI_DIM);
}

/* The first timestamp column, as the x of a plot over time; -1 when none. */
static long time_column(const struct table *t)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (t->cols[c].type == COL_TIME)
			return (long)c;
	return -1;
}

/* The cursor's column over time (its first timestamp column), or over the
 * shown rows in their order when the log has none: every shown reading. */
static void draw_sensor_plot(struct tui *ui)
{
	const struct table *t = ui->p.t;
	size_t c = (size_t)ui->plot_col;
	long tc = time_column(t);
	double *xs = xmalloc((ui->nview + 1) * sizeof *xs), *ys = xmalloc((ui->nview + 1) * sizeof *ys);
	size_t n = 0;
	struct tui_plot pl = {.x0 = 11, .y0 = 3, .w = COLS - 14, .h = LINES - 7};
	pl.xmin = pl.ymin = INFINITY, pl.xmax = pl.ymax = -INFINITY;
	for (size_t i = 0; i < ui->nview; i++) {
		size_t r = ui->view[i];
		if (table_is_missing(t, c, r) || (tc >= 0 && table_is_missing(t, (size_t)tc, r)))
			continue;
		xs[n] = tc >= 0 ? (double)t->cols[tc].time[r] : (double)i;
		ys[n] = t->cols[c].num[r];
		pl.xmin = fmin(pl.xmin, xs[n]), pl.xmax = fmax(pl.xmax, xs[n]);
		pl.ymin = fmin(pl.ymin, ys[n]), pl.ymax = fmax(pl.ymax, ys[n]);
		n++;
	}
	char title[600], first[80], last[80];
	snprintf(title, sizeof title, "%s over %s: %zu readings of %zu shown rows%s  (any key closes)", t->cols[c].name,
	         tc >= 0 ? t->cols[tc].name : "the shown rows", n, ui->nview, ui->nview < t->nrows ? " (filtered)" : "");
	tui_attr_on(ui, TUI_HEADER);
	tui_put(1, 0, title, COLS);
	tui_attr_off(ui, TUI_HEADER);
	if (n == 0 || pl.w < 10 || pl.h < 3) {
		tui_put(3, 1, n ? "the terminal is too small for a plot" : "no readings to plot", COLS - 2);
	} else {
		if (!(pl.ymax > pl.ymin))
			pl.ymin -= 1, pl.ymax += 1;
		if (tc >= 0) {
			numparse_format_time((int64_t)pl.xmin, t->cols[tc].time_zone, first, sizeof first);
			numparse_format_time((int64_t)pl.xmax, t->cols[tc].time_zone, last, sizeof last);
		} else {
			snprintf(first, sizeof first, "row 1");
			snprintf(last, sizeof last, "row %zu", ui->nview);
		}
		tui_plot_axes(ui, &pl, first, last);
		tui_plot_series(ui, &pl, xs, ys, n, TUI_ACCENT, '*');
	}
	free(xs);
	free(ys);
}

/* The next shown cell (forward, or back) holding the text sought, from the
 * cursor on, wrapping around; case is ignored. */
static void find_next(struct tui *ui, bool back)
{
	const struct table *t = ui->p.t;
	if (!ui->find[0] || ui->nview == 0 || t->ncols == 0) {
		tui_say(ui, true, "nothing to find: f asks for a text");
		return;
	}
	char buf[256];
	size_t cells = ui->nview * t->ncols, at = ui->row * t->ncols + ui->col;
	for (size_t k = 1; k <= cells; k++) {
		size_t i = back ? (at + cells - k) % cells : (at + k) % cells;
		size_t row = i / t->ncols, c = i % t->ncols;
		if (strcasestr(grid_text(t, c, ui->view[row], buf, sizeof buf), ui->find)) {
			ui->row = row;
			ui->col = c;
			return;
		}
	}
	tui_say(ui, true, "'%s' is in no shown cell", ui->find);
}

static void draw(struct tui *ui)
{
	const struct table *t = ui->p.t;
	if (ui->plot_col >= 0 && (size_t)ui->plot_col < t->ncols) {
		draw_sensor_plot(ui);
		return;
	}
	if (!ui->width)
		measure(ui);
	follow(ui);
	int nw = number_width(ui), lines = grid_lines();
	char buf[256];
	/* the header and the row-number column stay put */
	tui_attr_on(ui, TUI_HEADER);
	tui_put(1, 0, "row", nw);
	int x = nw;
	for (size_t c = ui->left; c < t->ncols && x < COLS; c++) {
		int w = ui->width[c] < COLS - x ? ui->width[c] : COLS - x;
		if (c == ui->col)
			attron(A_UNDERLINE);
		tui_put(1, x, t->cols[c].name, w);
		attroff(A_UNDERLINE);
		x += ui->width[c] + 1;
	}
	tui_attr_off(ui, TUI_HEADER);
	for (int i = 0; i < lines && ui->top + (size_t)i < ui->nview; i++) {
		size_t r = ui->view[ui->top + (size_t)i];
		int y = 2 + i;
		snprintf(buf, sizeof buf, "%lld", (long long)t->source_row[r]);
		tui_attr_on(ui, TUI_DIM);
		tui_put(y, 0, buf, nw);
		tui_attr_off(ui, TUI_DIM);
		x = nw;
		for (size_t c = ui->left; c < t->ncols && x < COLS; c++) {
			int w = ui->width[c] < COLS - x ? ui->width[c] : COLS - x;
			bool cursor = ui->top + (size_t)i == ui->row && c == ui->col;
			if (cursor)
				tui_attr_on(ui, TUI_CURSOR);
			const char *cell = grid_text(t, c, r, buf, sizeof buf);
			/* numbers to the right, as a spreadsheet has them */
			if (t->cols[c].type == COL_NUM && (int)utf8_width(cell) < w) {
				int pad = w - (int)utf8_width(cell);
				tui_put(y, x, "", pad);
				tui_put(y, x + pad, cell, w - pad);
			} else {
				tui_put(y, x, cell, w);
			}
			if (cursor)
				tui_attr_off(ui, TUI_CURSOR);
			x += ui->width[c] + 1;
		}
	}
	if (ui->nview == 0)
		tui_put(3, nw, "no row matches the filter (/ and an empty line shows every row)", COLS - nw);
	summary(ui, LINES - 1 - SUMMARY_LINES);
}

/* ---- keys ---- */

bool tui_data_goto(struct tui *ui, long source_row)
{
	for (size_t i = 0; i < ui->nview; i++)
		if (ui->p.t->source_row[ui->view[i]] == source_row) {
			ui->row = i;
			return true;
		}
	tui_say(ui, true, "no data row %ld%s", source_row, ui->filter[0] ? " among the filtered rows" : "");
	return false;
}

bool tui_data_sort(struct tui *ui, long col, bool desc)
{
	size_t at = ui->nview ? ui->view[ui->row] : 0;
	ui->sort_col = col;
	ui->sort_desc = desc;
	sort_view(ui);
	for (size_t i = 0; i < ui->nview; i++)
		if (ui->view[i] == at)
			ui->row = i;
	return true;
}

static bool key(struct tui *ui, int ch)
{
	size_t ncols = ui->p.t->ncols, page = (size_t)(grid_lines() > 1 ? grid_lines() - 1 : 1);
	char line[600];
	if (ui->plot_col >= 0) {
		ui->plot_col = -1;
		return true;
	}
	switch (ch) {
	case 'f':
		snprintf(line, sizeof line, "%s", ui->find);
		if (tui_prompt(ui, "find: ", line, sizeof line) && line[0]) {
			snprintf(ui->find, sizeof ui->find, "%s", line);
			find_next(ui, false);
		}
		return true;
	case 'n':
	case 'N':
		find_next(ui, ch == 'N');
		return true;
	case 'p':
		if (ncols && ui->p.t->cols[ui->col].type == COL_NUM)
			ui->plot_col = (long)ui->col;
		else
			tui_say(ui, true, "p plots a numeric column: move the cursor to one");
		return true;
	case KEY_DOWN:
	case 'j':
		if (ui->row + 1 < ui->nview)
			ui->row++;
		return true;
	case KEY_UP:
	case 'k':
		if (ui->row > 0)
			ui->row--;
		return true;
	case KEY_RIGHT:
	case 'l':
		if (ui->col + 1 < ncols)
			ui->col++;
		return true;
	case KEY_LEFT:
	case 'h':
		if (ui->col > 0)
			ui->col--;
		return true;
	case KEY_NPAGE:
	case ' ':
		ui->row = ui->row + page < ui->nview ? ui->row + page : ui->nview ? ui->nview - 1 : 0;
		return true;
	case KEY_PPAGE:
		ui->row = ui->row > page ? ui->row - page : 0;
		return true;
	case KEY_HOME:
		ui->col = 0;
		return true;
	case KEY_END:
		ui->col = ncols ? ncols - 1 : 0;
		return true;
	case 'G':
		ui->row = ui->nview ? ui->nview - 1 : 0;
		return true;
	case 'g':
		line[0] = '\0';
		if (tui_prompt(ui, "go to data row: ", line, sizeof line) && line[0]) {
			char *end;
			long n = strtol(line, &end, 10);
			if (*end || n < 1)
				tui_say(ui, true, "go to: '%s' is not a row number", line);
			else
				tui_data_goto(ui, n);
		}
		return true;
	case 's':
		snprintf(line, sizeof line, "sort %s%s", ui->p.t->cols[ui->col].name,
		         ui->sort_col == (long)ui->col ? (ui->sort_desc ? " (file order)" : " descending") : "");
		if (!tui_record(ui, line))
			return true;
		if (ui->sort_col != (long)ui->col)
			tui_data_sort(ui, (long)ui->col, false);
		else if (!ui->sort_desc)
			tui_data_sort(ui, (long)ui->col, true);
		else
			tui_data_sort(ui, -1, false);
		return true;
	case '/':
		snprintf(line, sizeof line, "%s", ui->filter);
		if (tui_prompt(ui, "filter (Lua): ", line, sizeof line)) {
			char what[600];
			snprintf(what, sizeof what, "filter %s", line);
			if (tui_record(ui, what) && !tui_data_apply(ui, line))
				tui_forget(ui);  /* a refused filter changed nothing */
		}
		return true;
	}
	return false;
}

const struct tui_screen tui_data_screen = {
	.name = "Data",
	.hints = "s sort  / filter  f find  p plot  g row",
	.help = help,
	.draw = draw,
	.key = key,
};
