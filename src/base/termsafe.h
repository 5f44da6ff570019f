#ifndef LATHE_BASE_TERMSAFE_H
#define LATHE_BASE_TERMSAFE_H

#include <stdbool.h>
#include <stdio.h>

/* A stream onto the terminal at fd that writes every control character
 * (C0 but newline and tab, and carriage return when keep_cr is set; DEL;
 * C1) as \xNN: column names, labels and texts come from logs and model
 * files, and an escape sequence in one must not drive the terminal.
 * NULL when it cannot be made. */
FILE *termsafe_open(int fd, bool keep_cr);

#endif
