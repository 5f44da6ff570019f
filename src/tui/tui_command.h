#ifndef LATHE_TUI_TUI_COMMAND_H
#define LATHE_TUI_TUI_COMMAND_H

#include "tui.h"

/* The command line (":"): reads one command at the bottom and does it,
 * with the batch commands' names where they apply. */
void tui_command(struct tui *ui);

#endif
