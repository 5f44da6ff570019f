#ifndef LATHE_DATA_SAMPLES_H
#define LATHE_DATA_SAMPLES_H

#include <stdbool.h>
#include "base/err.h"
#include "data/table.h"

/* Textualized samples as JSON Lines, the form `lathe textualize` writes:
 * one object per line with "text" (required), "label", "row" (the source
 * row) and "split" (train, dev or test); other keys are ignored. They load
 * into a table of the columns text, label and split (text), with "row" as
 * each row's source row (else the line number). */

/* Whether a file holds JSON Lines rather than a CSV: its first
 * non-blank byte is '{'. False when it cannot be read (the loader then
 * says why). */
bool samples_sniff(const char *path);
/* Errors name the file and line. */
int samples_load(const char *path, struct table **out, struct err *e);

#endif
