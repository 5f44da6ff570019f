#ifndef LATHE_ML_PRUNE_H
#define LATHE_ML_PRUNE_H

#include "base/err.h"
#include "ml/model.h"

/* Structured pruning: each layer's attention heads and feed-forward
 * neurons ranked by the size of what they can write into the residual
 * stream (a head: the norm of its value rows times that of its output
 * columns; a neuron: its input row's norm times its output column's), and
 * the weakest share removed, the same number in every layer so that one
 * config describes the result. A short fine-tune then recovers what the
 * removed units carried. */
struct prune_plan {
	struct model_config c; /* the pruned shape */
	int *heads;            /* [layers * c.heads]: each layer's kept heads, in order */
	int *neurons;          /* [layers * c.ff]: its kept neurons, in order */
};

/* fraction in (0, 1): the share of heads and of neurons removed (at least
 * one of each kept). */
int prune_plan_make(const struct model *m, double fraction, struct prune_plan *plan, struct err *e);
/* Copies from's weights into to (made with plan->c): the kept heads' and
 * neurons' rows and columns, everything else as it is. Returns the
 * tensors of to, all of which come from from. */
size_t prune_apply(const struct prune_plan *plan, const struct model *from, struct model *to);
void prune_plan_free(struct prune_plan *plan);

#endif
