#ifndef LATHE_CORE_QUESTION_H
#define LATHE_CORE_QUESTION_H

#include <stddef.h>
#include "base/err.h"
#include "core/learn.h"
#include "core/pipeline.h"

/* A typed question ("type L; torque 65 Nm; tool wear very high") made
 * into the log row it describes, so it takes the path a row of a log
 * takes: the model's textualizer, its readings, its trees. A phrase
 * names a fact (its name or its column's, any case) and gives a reading
 * or one of the fact's level words; a level word stands for the middle
 * of the training readings at that level. Facts left out are assumed
 * at their training median (a category: its most common value), and
 * said so; phrases that name no fact are reported, never dropped
 * silently. */
struct question {
	struct pipeline p;        /* one row: t, tz and texts, as a log's */
	bool row;                 /* false: the model has no textualizer (texts of samples, or a rules
	                           * textualize()), so the text goes in as it was typed */
	char **notes;             /* what was read, assumed or not understood, a line each */
	size_t nnotes;
	size_t unknown;           /* phrases that named no fact, or no value of it */
	size_t assumed;           /* facts the question left out */
};

int question_parse(const struct learner *l, const char *text, struct question *q, struct err *e);
void question_free(struct question *q);

#endif
