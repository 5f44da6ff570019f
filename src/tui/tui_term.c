#include "config.h"
#include "tui_term.h"

#include <curses.h>
#include <signal.h>
#include <stdlib.h>

/* Ctrl-C and SIGTERM end the loop through this flag, so the terminal is
 * always restored on the way out. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static bool curses_open;

void tui_term_end(void)
{
	if (curses_open) {
		endwin();
		curses_open = false;
	}
}

bool tui_stopping(void)
{
	return stop_requested;
}

bool tui_term_active(void)
{
	return curses_open;
}

bool tui_term_start(void)
{
	if (!initscr())
		return false;
	curses_open = true;
	atexit(tui_term_end);
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
	return true;
}
