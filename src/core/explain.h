#ifndef LATHE_CORE_EXPLAIN_H
#define LATHE_CORE_EXPLAIN_H

#include <stddef.h>
#include "core/learn.h"
#include "core/pipeline.h"

/* Evidence: how much each fact of a row moved the diagnosis. A fact is
 * occluded by putting in its place what the training rows held (ten
 * readings at the 5th, 15th, .., 95th percentiles, or the most common
 * categories by their shares) and averaging the model's answers; its
 * contribution is the drop in the probability of the class in question.
 * Occlusion (rather than leaving the fact out) asks the trees and the
 * encoder the same question, neither of which saw a row without it; a
 * fact at its typical value contributes nothing, as it should. A row
 * with trend facts is asked with its machine's earlier rows before it,
 * so an occluded reading moves its trend too; clock facts are not
 * occluded. */
struct evidence {
	char fact[96];             /* the fact's name */
	char phrase[160];          /* as the text says it: "torque very high" */
	char reading[32];          /* the cell as read: "65.3", "L" */
	double contribution;       /* toward the class: + for, - against */
};

/* Evidence for row r of p toward class cls, strongest (either sign)
 * first, into out (room for textualize_nfacts); returns how many. */
size_t explain_row(struct learner *l, const struct pipeline *p, size_t r, int cls, struct evidence *out);

#endif
