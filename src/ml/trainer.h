#ifndef LATHE_ML_TRAINER_H
#define LATHE_ML_TRAINER_H

#include "ml/model.h"

/* One optimizer step: the micro-batches' gradients summed, weighted by
 * their share of the global batch (rows for a classifier, masked
 * positions for masked LM); then the one gradient reduction, where
 * processes that train one model together would sum theirs; then the
 * division by the global batch, clipping and AdamW. */

/* Sums grads[n] (the backend's memory) and *weight across the processes
 * training together, in place. A single process has nothing to add. */
typedef int (*gradient_reduce_fn)(void *ctx, struct backend *be, float *grads, size_t n, double *weight, struct err *e);

struct lora;

struct trainer {
	struct model *m;
	struct lora *lora;         /* NULL, or the low-rank adapters that train in m's place (ml/lora.h) */
	gradient_reduce_fn reduce; /* NULL: one process */
	void *reduce_ctx;
};

/* Micro-batch i of the step into *b (buffers the callback owns, valid
 * until its next call); 0, or -1 with e set. */
typedef int (*micro_batch_fn)(void *ctx, int i, struct model_batch *b, struct err *e);

struct trainer_step {
	double loss;   /* mean over the global batch */
	double weight; /* its rows, or masked positions */
	double grad_norm;
};

/* -1 with e set when a micro-batch fails or the reduction does; 1 when the
 * loss or the gradient is not finite (nothing is updated). */
int trainer_step(struct trainer *t, int micro, micro_batch_fn next, void *ctx, float lr, float weight_decay,
                 double clip, struct trainer_step *out, struct err *e);

#endif
