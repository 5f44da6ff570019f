#ifndef LATHE_TUI_TUI_TERM_H
#define LATHE_TUI_TUI_TERM_H

#include <stdbool.h>

/* The terminal under the workbench: curses set up and always restored
 * (at exit too), and Ctrl-C and SIGTERM turned into a flag the loop and
 * long work heed. A signal handler and atexit take no context, so this
 * state is the process's. */
bool tui_term_start(void);
void tui_term_end(void);
bool tui_term_active(void);
bool tui_stopping(void);

#endif
