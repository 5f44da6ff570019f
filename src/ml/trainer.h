#ifndef LATHE_ML_TRAINER_H
#define LATHE_ML_TRAINER_H

#include "ml/model.h"

/* One optimizer step: the micro-batches' gradients summed, weighted by
 * their share of the global batch (rows, weighted by class, for a
 * classifier; masked positions for masked LM); then the one gradient reduction, where
 * processes that train one model together sum theirs; then the division
 * by the global batch, clipping and AdamW. */

/* What a step's reduction sums besides the gradients. */
enum { STEP_WEIGHT, STEP_LOSS, STEP_NOT_FINITE, STEP_STOP, STEP_SUMS };

/* Sums grads[n] (the backend's memory) and sums[STEP_SUMS] across the
 * processes training together, in place. A single process has nothing to
 * add. */
typedef int (*gradient_reduce_fn)(void *ctx, struct backend *be, float *grads, size_t n, double *sums, struct err *e);

struct lora;

struct trainer {
	struct model *m;
	struct lora *lora;         /* NULL, or the low-rank adapters that train in m's place (ml/lora.h) */
	gradient_reduce_fn reduce; /* NULL: one process */
	void *reduce_ctx;
	/* With a reduction: in, this process asks to stop after the step;
	 * out, whether any process did, so that all stop at the same step. */
	bool stop;
};

/* Micro-batch i of the step into *b (buffers the callback owns, valid
 * until its next call); 0, or -1 with e set. A process's share of a
 * micro-batch may be empty (B = 0). */
typedef int (*micro_batch_fn)(void *ctx, int i, struct model_batch *b, struct err *e);

struct trainer_step {
	double loss;   /* mean over the global batch */
	double weight; /* its rows (weighted by class), or masked positions */
	double grad_norm;
};

/* -1 with e set when a micro-batch fails or the reduction does; 1 when the
 * loss or the gradient is not finite in any process (nothing is updated). */
int trainer_step(struct trainer *t, int micro, micro_batch_fn next, void *ctx, float lr, float weight_decay,
                 double clip, struct trainer_step *out, struct err *e);

#endif
