#include "config.h"
#include "tui.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "base/utf8.h"
#include "tui_term.h"

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
		if (tui_stopping()) {
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
		if (tui_stopping())
			return false;
	return ch == 'y' || ch == 'Y';
}

const char *tui_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}
