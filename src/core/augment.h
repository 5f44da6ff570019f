#ifndef LATHE_CORE_AUGMENT_H
#define LATHE_CORE_AUGMENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "base/err.h"
#include "core/augment_methods.h"
#include "core/pipeline.h"

/* Data augmentation for scarce failure data: new training samples made
 * from the training rows of a textualized pipeline, never from dev or
 * test. The command line, the Lua module and the workbench all go
 * through these functions.
 *
 * Ready to make variants of one pipeline's training rows: */
struct augmenter;

int augmenter_open(struct augmenter **out, struct pipeline *p, const struct augment_opts *o, struct err *e);
void augmenter_close(struct augmenter *a);
/* Whether table row r is one the methods vary: a training row of a
 * class with fewer rows than the most frequent (every class tied for
 * the most is left alone; when all tie, or with all_classes, all vary). */
bool augmenter_eligible(const struct augmenter *a, size_t r);
/* The variants of row r: calls emit with each one's method and text;
 * jitter also passes its readings (one per numeric fact column, NULL
 * otherwise). Oversampling is not per row and makes none here. */
typedef void (*augment_emit)(void *ctx, int method, const char *text, const char *label, const double *readings);
int augmenter_variants(struct augmenter *a, size_t r, augment_emit emit, void *ctx, struct err *e);

/* Adds every variant of the eligible rows, and the oversampled copies,
 * to the pipeline as training rows: table rows copied from their source
 * row (jitter: with its readings), texts, and p->method. added[method]
 * counts them. */
int augment_pipeline(struct pipeline *p, const struct augment_opts *o, size_t added[AUG_METHODS], struct err *e);
/* Prints the training split's class counts before and after (fp). */
void augment_print_balance(const struct pipeline *p, FILE *fp);

#endif
