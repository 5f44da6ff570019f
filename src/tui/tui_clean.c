#include "config.h"
#include "tui.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/utf8.h"
#include "hooks/rules.h"

static const char *const help[] = {
	"Clean: what cleaning did",
	"  r        load a Lua rules script (its clean(), label() and rules); Enter keeps the path",
	"  R        reload the current script from disk, after editing it",
	"  n p      the next or previous row of the grid (the Data screen's cursor)",
	"Above: each rule with the rows it dropped and the values it changed.",
	"Below: the selected row before and after cleaning, changed cells marked.",
	"A script that fails says its file and line here, and nothing else changes.",
	NULL,
};

/* The raw row behind a cleaned one: the same source row. */
static long raw_row_of(const struct table *raw, int64_t source)
{
	size_t lo = 0, hi = raw->nrows;
	/* raw rows are in file order */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (raw->source_row[mid] < source)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < raw->nrows && raw->source_row[lo] == source ? (long)lo : -1;
}

static void draw(struct tui *ui)
{
	const struct pipeline *p = &ui->p;
	const struct clean_report *rep = &p->clean;
	char line[1024];
	int y = 2;
	tui_attr_on(ui, TUI_HEADER);
	if (p->rules)
		snprintf(line, sizeof line, "rules script %s, defining%s%s%s%s", rules_path(p->rules),
		         rules_has_clean(p->rules) ? " clean()" : "", rules_has_label(p->rules) ? " label()" : "",
		         rules_has_textualize(p->rules) ? " textualize()" : "", rules_has_augment(p->rules) ? " augment()" : "");
	else
		snprintf(line, sizeof line, "no rules script (r loads one)");
	tui_put(y++, 1, line, COLS - 2);
	tui_attr_off(ui, TUI_HEADER);
	snprintf(line, sizeof line, "%zu rows in, %zu rows out, %zu dropped", rep->rows_in, rep->rows_out,
	         rep->rows_in - rep->rows_out);
	tui_put(y++, 1, line, COLS - 2);
	y++;
	tui_attr_on(ui, TUI_DIM);
	snprintf(line, sizeof line, "%-44s %14s %14s", "rule", "rows dropped", "values changed");
	tui_put(y++, 1, line, COLS - 2);
	tui_attr_off(ui, TUI_DIM);
	int room = LINES / 2 - y;
	for (size_t i = 0; i < rep->n && room > 0; i++, room--) {
		snprintf(line, sizeof line, "%-44.44s %14zu %14zu", rep->entries[i].rule, rep->entries[i].rows_dropped,
		         rep->entries[i].values_changed);
		tui_put(y++, 1, line, COLS - 2);
	}
	if (rep->n == 0)
		tui_put(y++, 1, "no cleaning rule ran", COLS - 2);
	/* the selected row, before and after */
	y = y < LINES / 2 ? LINES / 2 : y + 1;
	if (ui->nview == 0 || !ui->raw)
		return;
	size_t r = ui->view[ui->row];
	int64_t source = p->t->source_row[r];
	long raw = raw_row_of(ui->raw, source);
	snprintf(line, sizeof line, "data row %lld before and after cleaning", (long long)source);
	tui_attr_on(ui, TUI_HEADER);
	tui_put(y++, 1, line, COLS - 2);
	tui_attr_off(ui, TUI_HEADER);
	int name_w = 26, val_w = (COLS - name_w - 6) / 2;
	char before[256], after[256];
	/* the cells cleaning changed (or made) first, then the rest */
	for (int pass = 0; pass < 2; pass++)
	for (size_t c = 0; c < p->t->ncols && y < LINES - 2; c++) {
		long rc = table_find(ui->raw, p->t->cols[c].name);
		const char *b = rc >= 0 && raw >= 0 ? table_cell_text(ui->raw, (size_t)rc, (size_t)raw, before, sizeof before)
		                                     : "(new column)";
		const char *a = table_cell_text(p->t, c, r, after, sizeof after);
		bool changed = strcmp(a, b) != 0;
		if (changed != (pass == 0))
			continue;
		tui_put(y, 1, p->t->cols[c].name, name_w);
		tui_put(y, 2 + name_w, *b ? b : "(missing)", val_w);
		if (changed)
			tui_attr_on(ui, TUI_ACCENT);
		tui_put(y, 3 + name_w + val_w, *a ? a : "(missing)", val_w);
		if (changed)
			tui_attr_off(ui, TUI_ACCENT);
		y++;
	}
}

static bool key(struct tui *ui, int ch)
{
	char path[1024];
	switch (ch) {
	case 'r':
		snprintf(path, sizeof path, "%s", ui->rules_path ? ui->rules_path : "");
		if (tui_prompt(ui, "rules script: ", path, sizeof path))
			tui_load_rules(ui, path);
		return true;
	case 'R':
		if (ui->rules_path)
			tui_load_rules(ui, ui->rules_path);
		else
			tui_say(ui, true, "no rules script yet: r loads one");
		return true;
	case 'n':
	case KEY_DOWN:
		if (ui->row + 1 < ui->nview)
			ui->row++;
		return true;
	case 'p':
	case KEY_UP:
		if (ui->row > 0)
			ui->row--;
		return true;
	}
	return false;
}

const struct tui_screen tui_clean_screen = {
	.name = "Clean",
	.hints = "r rules script  R reload  n/p row",
	.help = help,
	.draw = draw,
	.key = key,
};
