#include "config.h"
#include "tui.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/datadir.h"
#include "base/utf8.h"
#include "tui_command.h"
#include "tui_term.h"

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
	const char *name = ui->data_path ? tui_base_name(ui->data_path) : "";
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
	else if (screens[ui->screen]->text_input && !ui->escaped)
		/* keys type here: only what works while typing */
		snprintf(line, sizeof line, " %s", screens[ui->screen]->hints);
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
	struct tui ui = {.sort_col = -1, .plot_col = -1, .po = *po};
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
	if (!tui_term_start()) {
		fprintf(stderr, "lathe: cannot start the terminal (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
		pipeline_opts_free(&ui.po);
		return 1;
	}
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
		tui_term_end();
		if (!tui_stopping())
			fprintf(stderr, "lathe: %s\n", ui.status);
		pipeline_opts_free(&ui.po);
		return tui_stopping() ? 130 : 1;
	}
	if (!config_ok)
		tui_say(&ui, true, "%s", why);
	bool dirty = true;
	while (!ui.quit && !tui_stopping()) {
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
			tui_command(&ui);
		else if (ch == 'u')
			tui_undo(&ui);
		else if (ch == 'q')
			ui.quit = !tui_training(&ui) || tui_confirm(&ui, "training runs: stop it (with a checkpoint) and quit? y/n ");
	}
	tui_term_end();
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
	return tui_stopping() ? 130 : 0;
}
