#include "config.h"
#include "tui.h"

#include <curses.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double scale_y(const struct tui_plot *pl, double v)
{
	if (pl->log)
		return (log10(v > 1e-6 ? v : 1e-6) - log10(pl->ymin)) / (log10(pl->ymax) - log10(pl->ymin));
	return (v - pl->ymin) / (pl->ymax - pl->ymin);
}

void tui_plot_series(const struct tui *ui, const struct tui_plot *pl, const double *xs, const double *ys, size_t n,
                     int role, char mark)
{
	int W = pl->w * 2, H = pl->h * 4;
	uint8_t *cells = xcalloc((size_t)pl->w * (size_t)pl->h, 1);
	static const uint8_t bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
	for (size_t i = 0; i < n; i++) {
		double fx = (xs[i] - pl->xmin) / (pl->xmax > pl->xmin ? pl->xmax - pl->xmin : 1), fy = scale_y(pl, ys[i]);
		if (!(fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1))
			continue;
		int px = (int)(fx * (W - 1) + 0.5), py = H - 1 - (int)(fy * (H - 1) + 0.5);
		cells[(py / 4) * pl->w + px / 2] |= bit[py % 4][px % 2];
	}
	tui_attr_on(ui, role);
	for (int cy = 0; cy < pl->h; cy++)
		for (int cx = 0; cx < pl->w; cx++) {
			uint8_t b = cells[cy * pl->w + cx];
			if (!b)
				continue;
			if (ui->unicode) {
				char ch[4] = {(char)0xE2, (char)(0xA0 + (b >> 6)), (char)(0x80 + (b & 0x3F)), 0};
				mvaddstr(pl->y0 + cy, pl->x0 + cx, ch);
			} else {
				mvaddch(pl->y0 + cy, pl->x0 + cx, (chtype)mark);
			}
		}
	tui_attr_off(ui, role);
	free(cells);
}

void tui_plot_axes(const struct tui *ui, const struct tui_plot *pl, const char *xfirst, const char *xlast)
{
	/* tick labels top, middle and bottom in the 9 cells left of the axis */
	char tick[32];
	int left = pl->x0 - 1, y0 = pl->y0, h = pl->h;
	tui_attr_on(ui, TUI_DIM);
	for (int k = 0; k < 3; k++) {
		double f = 1.0 - k / 2.0, v = pl->log ? pow(10, log10(pl->ymin) + f * (log10(pl->ymax) - log10(pl->ymin)))
		                                      : pl->ymin + f * (pl->ymax - pl->ymin);
		snprintf(tick, sizeof tick, "%8.4g", v);
		mvaddstr(y0 + (int)((1 - f) * (h - 1)), left - 9 > 0 ? left - 9 : 0, tick);
	}
	for (int y = 0; y < h; y++)
		mvaddstr(y0 + y, left, ui->unicode ? "\xE2\x94\x82" : "|");
	for (int x = 0; x < pl->w; x++)
		mvaddstr(y0 + h, left + 1 + x, ui->unicode ? "\xE2\x94\x80" : "-");
	tui_put(y0 + h + 1, left + 1, xfirst, pl->w / 2);
	int n = (int)strlen(xlast);
	if (n < pl->w)
		mvaddstr(y0 + h + 1, left + 1 + pl->w - n, xlast);
	tui_attr_off(ui, TUI_DIM);
}
